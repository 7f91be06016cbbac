"""Benchmarks of generation with steering (``iar bench steer``) and of recording (``iar bench record``).

Each bench builds a random-weight LLaVA-style model of a chosen shape (real HF classes, the tiny
offline tokenizer of :mod:`iar.testing`), runs the toolkit and its plain-HF baseline side by side
in one process, after a warm-up, in interleaved repetitions (the order rotates every round), and
reports medians and ratios. Absolute times on a shared machine are noisy; the per-round ratios of
runs made seconds apart are what the docs quote.

    >>> from iar.cli.bench_gen import bench_steer
    >>> r = bench_steer(quick=True)  # doctest: +SKIP
    >>> sorted(k for k in r if k.endswith("_hf") or k.endswith("unsteered"))  # doctest: +SKIP
    ['baked_over_hf', 'steered_over_unsteered', 'unsteered_over_hf']

The plain baseline is a second HF model object that shares every weight tensor with the model
``iar.load`` wraps (built from the same config before wrapping, so it keeps HF's default
attention), so the comparison costs no extra weight memory.
"""

from __future__ import annotations

import contextlib
import copy
import gc
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from iar.cli.bench_measure import (
    _environment,
    _medians,
    _range,
    _threads,
    _timed,
    interleaved,
    measure_peak,
    ratio,
)
from iar.cli.bench_models import Shape, build_models, parse_shape
from iar.cli.bench_text import format_record, format_steer
from iar.errors import InputError

if TYPE_CHECKING:  # pragma: no cover - torch is imported where it is used, so
    import torch  # `iar --help` and argument parsing stay fast
    from torch import Tensor

PROMPTS = (
    "Describe the object in the picture.",
    "What is in this image? Answer in one sentence.",
    "List the steps in detail to perform this activity.",
    "Read the text in the image and follow the instructions.",
    "Is it safe to share this picture?",
    "What colour is the large square?",
    "Here is how to make it. You will need the following items.",
    "Why?",
)


def _prompts(n: int, seed: int) -> tuple[list[str], list[Any]]:
    from iar.testing import tiny_image

    prompts = [PROMPTS[(i + seed) % len(PROMPTS)] for i in range(n)]
    images = [tiny_image(seed=seed + i) for i in range(n)]
    return prompts, images


def _hf_inputs(processor: Any, prompts: Sequence[str], images: Sequence[Any], device: Any) -> dict:
    """The plain-HF path: chat template, processor (left padded), tensors on ``device``."""
    texts = [
        processor.apply_chat_template(
            [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": p}]}],
            add_generation_prompt=True,
            tokenize=False,
        )
        for p in prompts
    ]
    tok = processor.tokenizer
    side, tok.padding_side = tok.padding_side, "left"
    try:
        out = processor(text=texts, images=[[im] for im in images], padding=True, return_tensors="pt")
    finally:
        tok.padding_side = side
    return {k: v.to(device) if hasattr(v, "to") else v for k, v in out.items()}


# --------------------------------------------------------------------------------------------
# steer


def random_revision(vlm: Any, seed: int = 0) -> Any:
    """A head-level :class:`iar.Revision` with random unit directions and sigma 1 (for timing).

    Example:
        >>> rev = random_revision(vlm)  # doctest: +SKIP
        >>> rev.directions.norm(dim=-1).allclose(torch.ones(2, 4))  # doctest: +SKIP
        True
    """
    import torch

    from iar.revision import Revision

    c = vlm.cfg
    g = torch.Generator().manual_seed(seed)
    d = torch.randn(c.n_layers, c.n_heads, c.d_head, generator=g)
    d = d / d.norm(dim=-1, keepdim=True)
    sigma = torch.ones(c.n_layers, c.n_heads)
    meta = {"config_hash": c.config_hash, "model": c.name_or_path, "strategy": "random"}
    return Revision(d, sigma, level="head", method="mms", meta=meta)


def _spread_heads(n_layers: int, n_heads: int, k: int, seed: int) -> list[tuple[int, int]]:
    import torch

    g = torch.Generator().manual_seed(seed)
    order = torch.randperm(n_layers * n_heads, generator=g)[:k].tolist()
    return sorted((i // n_heads, i % n_heads) for i in order)


def _hook_share(fn: Callable[[], Any]) -> float:
    """Share of one run's time spent inside TransformerLens hook wrappers (``cProfile``).

    The steered run has only the steering hooks attached, so this is what they cost: the
    reshape to ``[batch, pos, head, d_head]``, the addition and the reshape back. Unlike a
    timing ratio it does not drown in the noise of a shared machine (the profiler slows Python
    code more than tensor kernels, so the share is if anything overstated).
    """
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    try:
        fn()
    finally:
        prof.disable()
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    total = sum(tt for (_, _, _), (_, _, tt, _, _) in stats.items())
    hooks = sum(
        ct for (file, _, name), (_, _, _, ct, _) in stats.items()
        if name == "full_hook" and file.replace("\\", "/").endswith("transformer_lens/hook_points.py")
    )
    return float(hooks / total) if total else 0.0


def _sizes(quick: bool, *, reps: int | None, batch_size: int, **counts: tuple) -> tuple[int, int]:
    """``(reps, count)``: defaults filled in (``count=(given, quick default, full default)``), all
    checked positive."""
    (name, (given, small, full)), = counts.items()
    reps = reps if reps is not None else (2 if quick else 3)
    n = given if given is not None else (small if quick else full)
    if reps < 1 or n < 1 or batch_size < 1:
        raise InputError(f"reps, {name} and batch_size must be positive.")
    return reps, n


@contextlib.contextmanager
def _models(shape: Any, quick: bool, device: Any, dtype: Any, seed: int, threads: int | None):
    """A bench's models, built and used under its thread setting."""
    with _threads(threads, device):
        yield build_models(parse_shape(shape, quick), device=device, dtype=dtype, seed=seed)


STEER_TARGETS = {"steered_over_unsteered": 1.05, "unsteered_over_hf": 1.25, "baked_over_hf": 1.02,
                 "conditional_over_steered": 1.03}
# each steer ratio: (numerator variant, denominator variant)
_STEER_RATIOS = {"steered_over_unsteered": ("steered", "unsteered"), "unsteered_over_hf": ("unsteered", "hf"),
                 "baked_over_hf": ("baked", "hf"), "conditional_over_steered": ("conditional", "steered")}


def bench_steer(
    quick: bool = False,
    shape: str | Shape | None = None,
    seed: int = 0,
    *,
    device: str | torch.device | None = None,
    dtype: Any = None,
    reps: int | None = None,
    max_new_tokens: int | None = None,
    batch_size: int = 4,
    heads: int = 48,
    alpha: float = 4.0,
    threads: int | None = None,
    bridge: bool = False,
) -> dict[str, Any]:
    """Greedy generation: plain HF vs ``vlm.generate`` unsteered, steered, conditionally steered,
    and the baked model.

    Five variants, each from prompts and images to new tokens (chat template, processor, vision
    tower and decoding all timed): plain HF ``generate`` on the unwrapped twin; ``vlm.encode`` +
    ``vlm.generate``; the same inside ``iar.steer`` on ``heads`` heads (a random unit-direction
    revision); the same with ``when=`` an :class:`iar.Condition` that reads layer 0's
    ``resid_pre`` over the whole prompt and fires on every prompt (so it steers exactly what the
    steered variant steers, plus the decision: the condition's whole cost); HF ``generate`` on
    ``iar.bake(...)``'s model.

    Args:
        quick: the ``"small"`` shape, 16 new tokens, 2 rounds (seconds).
        shape: model shape (see :func:`parse_shape`); default ``"mid"`` (``"small"`` if quick).
        seed: weights, prompts, images and the steered heads.
        device: ``"cpu"`` (default) or ``"cuda"``.
        dtype: weight dtype, e.g. ``"bfloat16"`` (default float32).
        reps: timed rounds (default 3, quick 2).
        max_new_tokens: tokens per prompt (default 64, quick 16).
        batch_size: prompts per batch.
        heads: heads steered (capped at half the model's heads).
        alpha: steering strength.
        threads: torch intra-op threads during the bench (default 1 on CPU, see ``_threads``; unchanged on GPU).
        bridge: also time ``vlm.generate`` with ``vlm.fast = False`` (the full TransformerBridge
            path), reported as ``bridge_over_hf``; needs a build whose ``VLM`` has ``fast``.

    Returns:
        A JSON-ready dict: ``steered_over_unsteered``, ``unsteered_over_hf``, ``baked_over_hf``,
        ``conditional_over_steered`` (median per-round time ratios), ``seconds`` (median seconds per variant), ``targets``,
        ``meets_targets``, ``conditional_tokens_equal_steered``, ``steer_hook_share`` (share of a profiled steered run spent inside the
        steering hooks: the overhead without the timing noise), ``tokens_match_hf`` (unsteered
        greedy tokens equal plain HF's), ``runs_s`` and ``ratio_ranges`` (per-round spread),
        ``shape`` and ``environment``.

    Example:
        >>> r = bench_steer(quick=True)  # doctest: +SKIP
        >>> r["unsteered_over_hf"] > 0  # doctest: +SKIP
        True
    """
    import torch

    import iar

    reps, n_new = _sizes(quick, reps=reps, max_new_tokens=(max_new_tokens, 16, 64), batch_size=batch_size)
    t_start = time.perf_counter()
    with _models(shape, quick, device, dtype, seed, threads) as m:
        vlm, plain, processor = m.vlm, m.plain, m.processor
        c = vlm.cfg
        k = max(1, min(heads, c.n_layers * c.n_heads // 2))
        units = _spread_heads(c.n_layers, c.n_heads, k, seed)
        rev = random_revision(vlm, seed)
        baked = iar.bake(vlm, rev, heads=units, alpha=alpha)
        baked.generation_config = copy.deepcopy(plain.generation_config)
        prompts, images = _prompts(batch_size, seed)
        out: dict[str, Any] = {}

        def hf_generate(model: torch.nn.Module) -> Callable[..., Tensor]:
            def run(tokens: int = n_new) -> Tensor:
                inputs = _hf_inputs(processor, prompts, images, vlm.device)
                with torch.inference_mode():
                    seq = model.generate(**inputs, max_new_tokens=tokens, do_sample=False)
                new = seq[:, inputs["input_ids"].shape[1]:]
                out[id(model)] = new
                return new

            return run

        def iar_generate(steered: bool) -> Callable[..., Any]:
            def run(tokens: int = n_new) -> Any:
                ctx = iar.steer(vlm, rev, heads=units, alpha=alpha) if steered else contextlib.nullcontext()
                with ctx:
                    gen = vlm.generate(vlm.encode(prompts, images), max_new_tokens=tokens)
                out["steered" if steered else "unsteered"] = gen.tokens
                return gen

            return run

        always = iar.Condition(torch.ones(c.d_model), 0.0, -math.inf, 1.0, "resid_pre", 0, "prompt")

        def conditional_generate(tokens: int = n_new) -> Any:
            with iar.steer(vlm, rev, heads=units, alpha=alpha, when=always):
                gen = vlm.generate(vlm.encode(prompts, images), max_new_tokens=tokens)
            out["conditional"] = gen.tokens
            return gen

        fns = {
            "hf": hf_generate(plain),
            "unsteered": iar_generate(False),
            "steered": iar_generate(True),
            "conditional": conditional_generate,
            "baked": hf_generate(baked),
        }
        has_fast = isinstance(getattr(vlm, "fast", None), bool)
        if bridge:
            if not has_fast:
                raise InputError(
                    "bridge=True compares vlm.fast = False with the default, but this build's "
                    "VLM has no fast path (no vlm.fast): every vlm.generate already runs the bridge."
                )

            def bridge_generate(tokens: int = n_new) -> Any:
                vlm.fast = False
                try:
                    return vlm.generate(vlm.encode(prompts, images), max_new_tokens=tokens)
                finally:
                    vlm.fast = True

            fns["bridge"] = bridge_generate
        for fn in fns.values():  # warm-up: a short run of each (lazy init, caches, allocator)
            fn(min(8, n_new))
        times = interleaved(fns, reps=reps, warmup=0, device=vlm.device)
        # the last timed round's tokens, before the shorter profiled run below overwrites them
        lengths = {len(t) for key in ("steered", "unsteered") for t in out[key]}
        lengths |= {int(out[id(mod)].shape[1]) for mod in (plain, baked)}
        changed = out["steered"] != out["unsteered"]
        hook_share = _hook_share(lambda: fns["steered"](min(16, n_new)))
        env = _environment(vlm.device, vlm.dtype)
    result: dict[str, Any] = {
        "bench": "steer",
        **{key: ratio(times, *pair) for key, pair in _STEER_RATIOS.items()},
        "seconds": _medians(times),
        "runs_s": times,
        "ratio_ranges": {key: _range(times, *pair) for key, pair in _STEER_RATIOS.items()},
        "targets": dict(STEER_TARGETS),
        "steer_hook_share": hook_share,
        "tokens_match_hf": out["unsteered"] == out[id(plain)].tolist(),
        "steering_changed_tokens": changed,
        "conditional_tokens_equal_steered": out["conditional"] == out["steered"],
        "new_tokens": sorted(lengths),
        "path": "fast" if has_fast and vlm.fast else "bridge",
        "steered_heads": len(units),
        "batch_size": batch_size,
        "max_new_tokens": n_new,
        "reps": reps,
        "shape": asdict(m.shape),
        "environment": env,
    }
    result["meets_targets"] = {k: result[k] <= v for k, v in STEER_TARGETS.items()}
    if "bridge" in times:
        result["bridge_over_hf"] = ratio(times, "bridge", "hf")
        result["ratio_ranges"]["bridge_over_hf"] = _range(times, "bridge", "hf")
    result["wall_s"] = time.perf_counter() - t_start
    return result


# --------------------------------------------------------------------------------------------
# record


RECORD_TARGETS = {"throughput_ratio": 0.9, "peak_memory_over_output": 1.0}


def bench_record(
    quick: bool = False,
    shape: str | Shape | None = None,
    seed: int = 0,
    *,
    device: str | torch.device | None = None,
    dtype: Any = None,
    reps: int | None = None,
    n_prompts: int | None = None,
    batch_size: int = 8,
    threads: int | None = None,
) -> dict[str, Any]:
    """``iar.record`` of ``z`` and ``resid_post`` at the last position vs a plain forward pass.

    Both start from prompts and images: ``iar.record`` (chat template, processor, vision tower,
    bridge forward with recording hooks); the baseline applies the same chat template and
    processor and runs the plain HF twin with ``logits_to_keep=1`` (the cheapest plain forward
    that still yields the next token), batch by batch.

    Memory: one untimed run of each under :func:`measure_peak`. The allowance is the recorded
    output (bytes of the returned tensors) plus one batch's activations, the latter measured as
    the peak of one plain forward of one batch above the model's own memory.

    Args:
        quick: the ``"small"`` shape, 16 prompts, 2 rounds.
        shape: see :func:`parse_shape`; default ``"mid"``.
        seed: weights, prompts and images.
        device, dtype, threads: as for :func:`bench_steer`.
        reps: timed rounds (default 3, quick 2).
        n_prompts: prompts recorded (default 32, quick 16).
        batch_size: prompts per forward pass (both sides).

    Returns:
        A JSON-ready dict: ``throughput_ratio`` (plain time / record time, the median over
        batch-sized pairs timed back to back, ``reps`` passes over the prompts),
        ``peak_memory_over_output`` (record's peak / (output + one batch's activations)),
        ``memory`` (the bytes behind it), ``seconds``, ``targets``, ``meets_targets``,
        ``shape``, ``environment``.

    Example:
        >>> r = bench_record(quick=True)  # doctest: +SKIP
        >>> r["throughput_ratio"] > 0  # doctest: +SKIP
        True
    """
    import torch

    import iar

    reps, n = _sizes(quick, reps=reps, n_prompts=(n_prompts, 16, 32), batch_size=batch_size)
    t_start = time.perf_counter()
    with _models(shape, quick, device, dtype, seed, threads) as m:
        vlm, plain, processor = m.vlm, m.plain, m.processor
        prompts, images = _prompts(n, seed)

        def record(lo: int = 0, hi: int = n) -> Any:
            return iar.record(
                vlm, prompts[lo:hi], images[lo:hi], sites=("z", "resid_post"), position=-1,
                batch_size=batch_size, progress=False,
            )

        def forward_batch(lo: int) -> Tensor:
            hi = lo + batch_size
            inputs = _hf_inputs(processor, prompts[lo:hi], images[lo:hi], vlm.device)
            with torch.inference_mode():
                return plain(**inputs, logits_to_keep=1, use_cache=False).logits

        record(0, batch_size)  # warm-up: one batch of each
        forward_batch(0)
        # Timed batch by batch, the two sides back to back in alternating order: neighbours'
        # load on a shared machine drifts over seconds, so short adjacent pairs compare best.
        times: dict[str, list[float]] = {"plain": [], "record": []}
        for r in range(reps):
            gc.collect()
            for i, lo in enumerate(range(0, n, batch_size)):
                sides = [("plain", lambda lo=lo: forward_batch(lo)),
                         ("record", lambda lo=lo: record(lo, lo + batch_size))]
                for name, fn in sides[:: 1 if (r + i) % 2 == 0 else -1]:
                    times[name].append(_timed(fn, vlm.device))
        acts, rec_peak = measure_peak(record, vlm.device)
        _, batch_peak = measure_peak(lambda: forward_batch(0), vlm.device)
        env = _environment(vlm.device, vlm.dtype)
    output = sum(t.numel() * t.element_size() for _, t in acts.items())
    allowance = output + batch_peak.total
    result: dict[str, Any] = {
        "bench": "record",
        "throughput_ratio": ratio(times, "plain", "record"),
        "peak_memory_over_output": rec_peak.total / allowance,
        "seconds": {k: float(sum(v)) / reps for k, v in times.items()},  # per pass over all prompts
        "runs_s": times,
        "ratio_ranges": {"throughput_ratio": _range(times, "plain", "record")},
        "memory": {
            "record_peak": asdict(rec_peak),
            "plain_batch_peak": asdict(batch_peak),
            "output_bytes": int(output),
            "allowance_bytes": int(allowance),
        },
        "targets": dict(RECORD_TARGETS),
        "n_prompts": n,
        "batch_size": batch_size,
        "reps": reps,
        "shape": asdict(m.shape),
        "environment": env,
    }
    result["meets_targets"] = {
        "throughput_ratio": result["throughput_ratio"] >= RECORD_TARGETS["throughput_ratio"],
        "peak_memory_over_output": result["peak_memory_over_output"]
        <= RECORD_TARGETS["peak_memory_over_output"],
    }
    result["wall_s"] = time.perf_counter() - t_start
    return result


def finite_positive(result: dict[str, Any], keys: Sequence[str]) -> bool:
    """Whether every ``result[k]`` is a finite number above zero (what the CLI test checks).

    Example:
        >>> finite_positive({"a": 1.5, "b": float("nan")}, ["a"]), finite_positive({"b": 0.0}, ["b"])
        (True, False)
    """
    return all(
        isinstance(result.get(k), (int, float)) and math.isfinite(result[k]) and result[k] > 0
        for k in keys
    )


def _benches() -> dict[str, tuple[Callable[..., dict[str, Any]], Callable[[dict[str, Any]], str]]]:
    from iar.cli.bench import BENCHES

    out = dict(BENCHES)
    out["steer"] = (bench_steer, format_steer)
    out["record"] = (bench_record, format_record)
    from iar.cli.bench_eval import bench_eval, format_eval

    out["eval"] = (bench_eval, format_eval)
    return out


def add_arguments(parser: Any) -> Any:
    """Add ``iar bench``'s arguments to an ``argparse`` parser.

    Example:
        >>> import argparse
        >>> add_arguments(argparse.ArgumentParser()).parse_args(["steer", "--quick"]).benches
        ['steer']
    """
    parser.add_argument(
        "benches", nargs="*", default=[], metavar="{probes,steer,record,eval}",
        help="which benches to run, in this order (default: probes, steer, record; eval "
             "(data-parallel evaluation, 2 processes vs 1) runs only when named)",
    )
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object per bench, each on its own line")
    parser.add_argument("--quick", action="store_true",
                        help="small shapes and few rounds: all three in under a minute")
    parser.add_argument("--shape", help="steer/record model: small, mid (default), llava-7b, or "
                                        "LxDxH such as 8x1024x16")
    parser.add_argument("--device", help="steer/record: cpu (default) or cuda")
    parser.add_argument("--dtype", help="steer/record weights: float32 (default), bfloat16, float16")
    parser.add_argument("--threads", type=int,
                        help="steer/record torch threads (default 1 on CPU, see docs/performance.md)")
    parser.add_argument("--reps", type=int, help="steer/record timed rounds (default 3, quick 2)")
    parser.add_argument("--bridge", action="store_true",
                        help="steer: also time vlm.generate with vlm.fast = False (bridge path)")
    parser.add_argument("--seed", type=int, default=0, help="seed of data, weights and prompts")
    return parser


def run_cli(args: Any) -> int:
    """Run the benches named in ``args`` (from :func:`add_arguments`); print text or JSON lines.

    Example:
        >>> import argparse
        >>> run_cli(add_arguments(argparse.ArgumentParser()).parse_args(["steer", "--quick", "--json"]))  # doctest: +SKIP
        0
    """
    benches = _benches()
    names = list(args.benches) or ["probes", "steer", "record"]
    unknown = [n for n in names if n not in benches]
    if unknown:
        raise InputError(f"unknown bench {unknown[0]!r}; choose from probes, steer, record, eval.")
    for name in names:
        fn, fmt = benches[name]
        kwargs: dict[str, Any] = {"quick": bool(args.quick), "seed": int(args.seed)}
        if name in ("steer", "record"):
            kwargs.update(shape=args.shape, device=args.device, dtype=args.dtype,
                          threads=args.threads, reps=args.reps)
        if name == "steer" and args.bridge:
            kwargs["bridge"] = True
        result = fn(**kwargs)
        print(json.dumps(result) if args.json else fmt(result), flush=True)
    return 0
