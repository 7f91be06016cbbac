"""`iar bench`: the three benches run (--quick), print the issue's keys, and measure what they claim."""

from __future__ import annotations

import contextlib
import io
import json
import math

import pytest
import torch

import iar
from iar.cli import bench_gen, bench_measure, bench_models, bench_text
from iar.cli import main


@pytest.fixture(scope="module")
def quick_run():
    """`iar bench --quick --json`, run once: (results by bench name, exit code, output lines)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["bench", "--quick", "--json"])
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    results = {r["bench"]: r for r in map(json.loads, lines)}
    return results, code, lines


def test_quick_prints_one_json_line_per_bench_with_the_issue_keys(quick_run):
    results, code, lines = quick_run
    assert code == 0
    assert len(lines) == 3 and list(results) == ["probes", "steer", "record"]
    for name, keys in bench_text.KEYS.items():
        for key in keys:
            value = results[name][key]
            assert isinstance(value, float) and math.isfinite(value), (name, key, value)
            # an accuracy gap can be exactly 0 (identical accuracies); every ratio is > 0
            assert value >= 0 if key == "accuracy_gap" else value > 0, (name, key, value)


def test_steer_runs_every_variant_to_max_new_tokens_and_unsteered_equals_hf(quick_run):
    r = quick_run[0]["steer"]
    assert r["new_tokens"] == [r["max_new_tokens"]]  # EOS is masked: every variant did equal work
    assert r["tokens_match_hf"]  # vlm.generate reproduces plain HF greedy decoding
    assert r["steering_changed_tokens"]  # the steered variant really steered ...
    assert r["steer_hook_share"] > 0  # ... and its hooks ran (what they cost is the bench's to say)
    assert set(r["seconds"]) == {"hf", "unsteered", "steered", "conditional", "baked"}
    assert r["conditional_tokens_equal_steered"]  # a condition that always fires steers the same
    assert set(r["meets_targets"]) == set(bench_gen.STEER_TARGETS)
    assert all(isinstance(v, bool) for v in r["meets_targets"].values())


def test_text_output_names_every_ratio_and_its_target(quick_run):
    results = quick_run[0]
    steer = bench_gen.format_steer(results["steer"])
    record = bench_gen.format_record(results["record"])
    for line in ("steered / unsteered", "unsteered / plain HF", "baked / plain HF", "(target <= 1.05)",
                 "conditional / steered", "(target <= 1.03)"):
        assert line in steer
    for line in ("throughput ratio", "(target >= 0.9)", "peak / allowance", "(target <= 1.0)"):
        assert line in record


def test_record_times_every_batch_of_every_pass_on_both_sides(quick_run):
    r = quick_run[0]["record"]
    pairs = r["reps"] * -(-r["n_prompts"] // r["batch_size"])
    assert len(r["runs_s"]["plain"]) == len(r["runs_s"]["record"]) == pairs
    ratios = [p / q for p, q in zip(r["runs_s"]["plain"], r["runs_s"]["record"])]
    assert min(ratios) <= r["throughput_ratio"] <= max(ratios)


def test_record_memory_allowance_is_output_plus_one_plain_batch(quick_run):
    r = quick_run[0]["record"]
    s, m = r["shape"], r["memory"]
    d_head = s["d_model"] // s["n_heads"]
    # z [n, L, H, d_head] + resid_post [n, L, d_model], float32
    assert m["output_bytes"] == r["n_prompts"] * s["n_layers"] * (s["n_heads"] * d_head + s["d_model"]) * 4
    batch = m["plain_batch_peak"]
    assert m["allowance_bytes"] == m["output_bytes"] + batch["tensors"] + batch["python"] + batch["device"]
    peak = m["record_peak"]
    assert r["peak_memory_over_output"] == pytest.approx(
        (peak["tensors"] + peak["python"] + peak["device"]) / m["allowance_bytes"]
    )
    assert peak["tensors"] > m["output_bytes"]  # the record's own tensors were seen


def test_measure_peak_counts_live_tensor_bytes_exactly():
    def work():
        a = torch.zeros(2000, 1000)  # 8 MB
        del a
        return torch.zeros(1000, 1000)  # 4 MB, alive at the end

    kept, peak = bench_measure.measure_peak(work)
    assert peak.tensors == 8_000_000
    assert kept.shape == (1000, 1000)
    _, small = bench_measure.measure_peak(lambda: [torch.zeros(250, 1000) for _ in range(3)])
    assert small.tensors == 3_000_000


def test_interleaved_rotates_the_order_each_round_and_ratio_takes_the_median():
    calls: list[str] = []
    fns = {k: (lambda k=k: calls.append(k)) for k in "abc"}
    times = bench_measure.interleaved(fns, reps=3, warmup=1)
    assert calls == list("abc") + list("abc") + list("bca") + list("cab")
    assert all(len(v) == 3 for v in times.values())
    assert bench_measure.ratio({"x": [3.0, 1.0, 9.0], "y": [1.0, 1.0, 1.0]}, "x", "y") == 3.0


def test_shapes_by_name_or_layers_x_d_model_x_heads():
    assert bench_models.parse_shape(None).name == "mid"
    assert bench_models.parse_shape(None, quick=True).name == "small"
    mid = bench_models.parse_shape("mid")
    assert (mid.n_layers, mid.d_model, mid.n_heads) == (8, 1024, 16)
    seven = bench_models.parse_shape("llava-7b")
    assert (seven.n_layers, seven.d_model, seven.d_mlp, seven.image_tokens) == (32, 4096, 11008, 576)
    custom = bench_models.parse_shape("2x128x4")
    assert (custom.n_layers, custom.d_model, custom.n_heads) == (2, 128, 4)
    for bad in ("huge", "2x100x3", "8x1024"):
        with pytest.raises(iar.InputError, match="LxDxH|divisible"):
            bench_models.parse_shape(bad)


def test_plain_twin_shares_the_weights_and_keeps_hf_attention():
    hf, processor = iar.testing.tiny_vlm("llava")
    twin = bench_models._twin(hf)
    vlm = iar.load(hf, processor)
    ptrs = {p.data_ptr() for p in vlm.hf.parameters()}
    assert {p.data_ptr() for p in twin.parameters()} == ptrs  # no weight copied
    assert twin.config.get_text_config()._attn_implementation == "sdpa"
    batch = vlm.encode(["Describe the object."], [iar.testing.tiny_image()])
    with torch.inference_mode():
        plain = twin(**batch.hf_inputs).logits
    assert (plain - vlm.forward(batch)).abs().max() < 1e-5


def test_unknown_bench_is_an_error_that_names_the_choices(capsys):
    assert main(["bench", "nonsense"]) == 2
    assert "probes, steer, record" in capsys.readouterr().err


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error on a machine without a GPU")
def test_cuda_without_a_gpu_is_an_error_that_says_what_to_do(capsys):
    assert main(["bench", "steer", "--device", "cuda", "--quick"]) == 2
    assert "--device cpu" in capsys.readouterr().err
