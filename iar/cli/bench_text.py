"""Text output of the generation and recording benches (``iar bench steer`` / ``record``)."""

from __future__ import annotations

from typing import Any


#: the ratios each bench must print (``--json`` keys)
KEYS: dict[str, tuple[str, ...]] = {
    "probes": ("speedup", "accuracy_gap"),
    "steer": ("steered_over_unsteered", "unsteered_over_hf", "baked_over_hf", "conditional_over_steered"),
    "record": ("throughput_ratio", "peak_memory_over_output"),
}


def _where(r: dict[str, Any]) -> str:
    s, e = r["shape"], r["environment"]
    where = e.get("gpu") or f"{e['cpu']} x{e['cpu_count']}, {e['threads']} torch thread(s), load {e.get('load_avg_1m')}"
    tokens = (s["image_size"] // s["patch_size"]) ** 2
    return (
        f"{s['name']} shape ({s['n_layers']} layers, d_model {s['d_model']}, {s['n_heads']} heads, "
        f"vocab {s['vocab']}, {tokens} image tokens), {e['dtype']} on {e['device']} ({where})"
    )


def _mark(r: dict[str, Any], key: str) -> str:
    return "ok" if r["meets_targets"][key] else "MISSED"


def _ratio_line(r: dict[str, Any], label: str, key: str, op: str) -> str:
    lo, hi = r["ratio_ranges"][key]
    return (
        f"  {label:<23}: {r[key]:8.3f}  (target {op} {r['targets'][key]}) {_mark(r, key)}"
        f"   rounds ranged {lo:.3f}-{hi:.3f}"
    )


def format_steer(r: dict[str, Any]) -> str:
    """Human-readable lines for a :func:`bench_steer` result.

    Example:
        >>> print(format_steer(r))  # doctest: +SKIP
    """
    t = r["seconds"]
    return "\n".join([
        (f"steer: greedy, batch {r['batch_size']}, {r['max_new_tokens']} new tokens, "
         f"{r['steered_heads']} steered heads; median of {r['reps']} interleaved rounds"),
        f"  {_where(r)}",
        f"  plain HF generate      : {t['hf']:8.2f} s",
        f"  vlm.generate           : {t['unsteered']:8.2f} s",
        f"  vlm.generate + steer   : {t['steered']:8.2f} s",
        f"  ... + steer(when=...)  : {t['conditional']:8.2f} s   (conditional, fires on every prompt)",
        f"  baked model, HF        : {t['baked']:8.2f} s",
        _ratio_line(r, "steered / unsteered", "steered_over_unsteered", "<="),
        _ratio_line(r, "unsteered / plain HF", "unsteered_over_hf", "<="),
        _ratio_line(r, "baked / plain HF", "baked_over_hf", "<="),
        _ratio_line(r, "conditional / steered", "conditional_over_steered", "<="),
        *([f"  vlm.fast = False       : {t['bridge']:8.2f} s   bridge / plain HF {r['bridge_over_hf']:.3f}"]
          if "bridge" in t else []),
        f"  vlm.generate runs the {r['path']} path",
        f"  time inside steering hooks: {100 * r['steer_hook_share']:.2f}% of a steered run (profiled)",
        f"  unsteered tokens equal plain HF's: {r['tokens_match_hf']}",
    ])


def format_record(r: dict[str, Any]) -> str:
    """Human-readable lines for a :func:`bench_record` result.

    Example:
        >>> print(format_record(r))  # doctest: +SKIP
    """
    t, m = r["seconds"], r["memory"]
    mib = 1 / 2**20
    rec, bat = m["record_peak"], m["plain_batch_peak"]
    return "\n".join([
        (f"record: z + resid_post at the last token, {r['n_prompts']} prompts with images, "
         f"batch {r['batch_size']}; {r['reps']} passes timed batch by batch, median pair ratio"),
        f"  {_where(r)}",
        f"  plain forward          : {t['plain']:8.2f} s",
        f"  iar.record             : {t['record']:8.2f} s",
        _ratio_line(r, "throughput ratio", "throughput_ratio", ">="),
        (f"  record peak above start: {(rec['tensors'] + rec['python'] + rec['device']) * mib:8.2f} MiB "
         f"(tensors {rec['tensors'] * mib:.2f}, python {rec['python'] * mib:.2f}, "
         f"device {rec['device'] * mib:.2f})"),
        (f"  output + one batch     : {m['allowance_bytes'] * mib:8.2f} MiB "
         f"(output {m['output_bytes'] * mib:.2f}, plain batch peak "
         f"{(bat['tensors'] + bat['python'] + bat['device']) * mib:.2f})"),
        f"  peak / allowance       : {r['peak_memory_over_output']:8.3f}  (target <= {r['targets']['peak_memory_over_output']}) {_mark(r, 'peak_memory_over_output')}",
    ])
