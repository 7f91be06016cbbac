"""iar.Condition and iar.steer(..., when=...): fitting, calibration, artifacts, and exactness."""

from __future__ import annotations

import math

import pytest
import torch

import iar
from iar.condition import Condition
from iar.errors import ArtifactError, InputError, RevisionError
from iar.revision import Revision
from iar.testing import tiny_image, tiny_vlm

PROMPTS = ["Describe the object.", "What is in this image? Answer in one sentence.", "Hi"]


@pytest.fixture(scope="module")
def vlm():
    return iar.load(*tiny_vlm("llava"))


@pytest.fixture(scope="module")
def rev(vlm):
    cs = iar.contrast.single_response([f"How do I do thing {k}?" for k in range(6)], None,
                                      "No.", "Sure: step 1.")
    return Revision.fit(iar.record(vlm, cs, progress=False), level="head", progress=False)


@pytest.fixture(scope="module")
def batch(vlm):
    return vlm.encode(PROMPTS, [tiny_image(1), None, tiny_image(2)])


def _cond(vlm, threshold, site="resid_pre", layer=0, mode="gate", position="last"):
    d = vlm.cfg.n_heads * vlm.cfg.d_head if site == "z" else vlm.cfg.d_model
    w = torch.linspace(-1, 1, d)
    return Condition(w, 0.0, threshold, 1.0, site, layer, position, mode)


def _gen(vlm, batch, **steer):
    if steer:
        with iar.steer(vlm, **steer):
            return vlm.generate(batch, max_new_tokens=6, output_scores=True)
    return vlm.generate(batch, max_new_tokens=6, output_scores=True)


def _same(a, b) -> bool:
    return a.tokens == b.tokens and all(torch.equal(x, y) for x, y in zip(a.scores, b.scores))


# ------------------------------------------------------------------------------ fitting


def test_fit_calibrates_the_threshold_to_the_target_false_positive_rate():
    g = torch.Generator().manual_seed(0)
    harm, good = torch.randn(60, 16, generator=g) + 1.5, torch.randn(200, 16, generator=g)
    cond = Condition.fit(harm, good, fpr=0.05, holdout=0.5)
    assert cond.meta["n_calibration"] == 100 and cond.meta["calibration_fpr"] <= 0.05
    fresh = torch.randn(2000, 16, generator=g)
    assert float(cond.decide(fresh).double().mean()) < 0.1
    assert cond.meta["train_tpr"] > 0.9


def test_direction_method_and_explicit_calibration_set():
    g = torch.Generator().manual_seed(1)
    harm, good, cal = (torch.randn(30, 8, generator=g) + 2, torch.randn(30, 8, generator=g),
                       torch.randn(40, 8, generator=g))
    cond = Condition.fit(harm, good, method="direction", calibration=cal, fpr=0.1)
    assert cond.meta["n_benign"] == 30 and cond.meta["n_calibration"] == 40
    assert float((cond.score(cal) > cond.threshold).double().mean()) <= 0.1


def test_graded_strength_ramps_from_threshold_to_the_harmful_median_and_clips():
    c = Condition(torch.ones(1), 0.0, 1.0, 2.0, "resid_pre", 0, mode="graded")
    assert c.strength(torch.tensor([[-5.0], [1.0], [2.0], [3.0], [50.0]])).tolist() == [0, 0, 0.5, 1, 1]


def test_fit_reads_the_position_from_recorded_activations(vlm):
    acts = iar.condition.record(vlm, ["a b", "c d e", "f"], site="resid_post", layer=1,
                                position="prompt", progress=False)
    cond = Condition.fit(acts, acts, site="resid_post", layer=1, holdout=0.34)
    assert cond.position == "prompt" and cond.meta["config_hash"] == vlm.cfg.config_hash
    with pytest.raises(InputError, match="layer 1"):
        Condition.fit(acts, acts, site="resid_post", layer=0)
    with pytest.raises(InputError, match="recorded at 'prompt'"):
        Condition.fit(acts, acts, site="resid_post", layer=1, position="last")


def test_the_image_position_is_the_mean_over_image_tokens_and_zero_without_an_image(vlm, batch):
    acts = iar.condition.record(vlm, PROMPTS, [tiny_image(1), None, tiny_image(2)], site="resid_pre",
                                layer=1, position="image", progress=False)
    _, cache = vlm.run_with_cache(batch)
    resid = cache["blocks.1.hook_resid_pre"]
    for i, has_image in enumerate([True, False, True]):
        cols = batch.image_positions[i, :batch.seq_len]
        assert bool(cols.any()) == has_image
        want = resid[i, :batch.seq_len][cols].mean(0) if has_image else torch.zeros(vlm.cfg.d_model)
        assert torch.allclose(acts["resid_pre"][i, 0], want.float(), atol=1e-5)
    assert Condition.fit(acts, acts, site="resid_pre", layer=1, holdout=0.34).position == "image"


def test_record_stops_at_its_hook_and_ignores_a_look_ahead_pass(vlm, rev, batch):
    """No layer after the recorded one runs; under a steer with a look-ahead, the features are
    those of the prompt pass (the steered run), recorded once per prompt."""
    later = []
    with vlm.hooks(fwd_hooks=[("blocks.1.hook_resid_post", lambda act, hook: later.append(1))]):
        iar.condition.record(vlm, PROMPTS, site="resid_pre", layer=1, progress=False)
    assert later == []
    kw = dict(revision=rev, heads=[(0, 1), (0, 3)], alpha=6.0)
    with iar.steer(vlm, **kw):
        want = iar.condition.record(vlm, PROMPTS, site="resid_post", layer=1, progress=False)
    with iar.steer(vlm, **kw, when=_cond(vlm, -math.inf, site="resid_post", layer=1)) as h:
        assert h.lookahead
        got = iar.condition.record(vlm, PROMPTS, site="resid_post", layer=1, progress=False)
    assert got["resid_post"].shape == (len(PROMPTS), 1, vlm.cfg.d_model)
    assert torch.equal(got["resid_post"], want["resid_post"])


@pytest.mark.parametrize("position", ["mean", "image"])
def test_recorded_features_equal_what_the_condition_reads_while_steering(vlm, rev, batch, position):
    acts = iar.condition.record(vlm, PROMPTS, [tiny_image(1), None, tiny_image(2)], site="resid_pre",
                                layer=1, position=position, progress=False)
    cond = Condition.fit(acts, acts, site="resid_pre", layer=1, holdout=0.34, mode="graded")
    with iar.steer(vlm, rev, heads=[(1, 0)], alpha=1.0, when=cond) as h:
        gen = vlm.generate(batch, max_new_tokens=2)
    want = cond.strength(acts).float()
    assert torch.allclose(torch.tensor(gen.steered), want, atol=1e-5)
    assert torch.allclose(h.strength.float(), want, atol=1e-5)


def test_save_load_round_trip_and_checksum(tmp_path, vlm):
    c = _cond(vlm, 0.25, site="z", layer=1, mode="graded", position="mean")
    c.meta.update({"config_hash": vlm.cfg.config_hash, "target_fpr": 0.05})
    path = c.save(tmp_path / "c.safetensors")
    back = Condition.load(path)
    assert back.describe() == c.describe() and torch.equal(back.weight, c.weight)
    back.check(vlm)
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF
    (tmp_path / "bad.safetensors").write_bytes(bytes(data))
    with pytest.raises(ArtifactError):
        Condition.load(tmp_path / "bad.safetensors")


def test_a_condition_from_another_model_is_a_clear_error(vlm, rev):
    c = _cond(vlm, 0.0)
    c.meta["config_hash"] = "not-this-model"
    with pytest.raises(RevisionError, match="fit it on this model"):
        iar.steer(vlm, rev, heads=1, alpha=1.0, when=c)
    with pytest.raises(RevisionError, match="features"):
        iar.steer(vlm, rev, heads=1, alpha=1.0, when=Condition(torch.ones(3), 0, 0, 1, "resid_pre", 0))


# ------------------------------------------------------------------------------ exactness


@pytest.mark.parametrize("positions", ["all", "generated", "prompt", "text"])
def test_a_condition_that_never_fires_is_bit_identical_to_no_steering(vlm, rev, batch, positions):
    plain = _gen(vlm, batch)
    never = _gen(vlm, batch, revision=rev, heads=[(1, 0), (1, 2)], alpha=6.0, positions=positions,
                 when=_cond(vlm, math.inf))
    assert _same(plain, never)
    assert never.steered == [False, False, False] and plain.steered is None


@pytest.mark.parametrize("positions", ["all", "generated", "prompt", "text"])
@pytest.mark.parametrize("mode", ["gate", "graded"])
def test_a_condition_that_always_fires_equals_unconditional_steering(vlm, rev, batch, positions, mode):
    kw = dict(revision=rev, heads=[(1, 0), (1, 2)], alpha=6.0, positions=positions)
    plain = _gen(vlm, batch)
    always = _gen(vlm, batch, **kw, when=_cond(vlm, -math.inf, mode=mode))
    unconditional = _gen(vlm, batch, **kw)
    assert _same(always, unconditional)
    assert not _same(always, plain)  # the steer does change the output
    assert always.steered == ([True] * 3 if mode == "gate" else [1.0] * 3)


def test_only_the_rows_that_fire_are_steered_in_a_batch(vlm, rev, batch):
    kw = dict(revision=rev, heads=[(1, 0), (1, 2)], alpha=6.0)
    feats = iar.condition.record(vlm, PROMPTS, [tiny_image(1), None, tiny_image(2)],
                                 position="prompt", progress=False)
    cond = _cond(vlm, 0.0, position="prompt")
    scores = cond.score(feats)
    cond = cond.with_threshold(float(scores.median()))  # exactly one row above
    fired = cond.decide(feats).tolist()
    assert sum(fired) == 1
    mixed = _gen(vlm, batch, **kw, when=cond)
    steered, plain = _gen(vlm, batch, **kw), _gen(vlm, batch)
    assert mixed.steered == fired
    for i, f in enumerate(fired):
        assert mixed.tokens[i] == (steered if f else plain).tokens[i]


def test_without_lookahead_sites_before_the_condition_are_steered_from_the_first_generated_token(
        vlm, rev, batch):
    """Condition at layer 1's resid_post, heads in layer 0, one pass: the prompt is not steered there."""
    kw = dict(revision=rev, heads=[(0, 1), (0, 3)], alpha=6.0)
    cond = _cond(vlm, -math.inf, site="resid_post", layer=1)
    late = _gen(vlm, batch, **kw, when=cond, lookahead=False)
    generated_only = _gen(vlm, batch, **kw, positions="generated")
    assert _same(late, generated_only)
    with pytest.raises(InputError, match="decision comes too late.*lookahead=True"):
        iar.steer(vlm, rev, heads=[(0, 1)], alpha=1.0, positions="prompt", when=cond, lookahead=False)


@pytest.mark.parametrize("positions", ["all", "prompt", "generated", "text"])
def test_with_lookahead_a_late_condition_steers_like_unconditional_steering(vlm, rev, batch, positions):
    """The default for heads at or before the condition: decide in a first pass, then steer every
    position; always-firing equals unconditional steering, never-firing equals no steering."""
    kw = dict(revision=rev, heads=[(0, 1), (0, 3), (1, 2)], alpha=6.0, positions=positions)
    late = dict(site="resid_post", layer=1)
    unconditional, plain = _gen(vlm, batch, **kw), _gen(vlm, batch)
    with iar.steer(vlm, **kw, when=_cond(vlm, -math.inf, **late)) as h:
        assert h.lookahead and list(vlm._lookahead) == [id(h)]
        always = vlm.generate(batch, max_new_tokens=6, output_scores=True)
    assert vlm._lookahead == {}  # removed with the handle
    assert _same(always, unconditional) and not _same(always, plain)
    assert _same(_gen(vlm, batch, **kw, when=_cond(vlm, math.inf, **late)), plain)
    with iar.steer(vlm, **kw):  # vlm.forward decides ahead too; run_with_cache keeps the prompt pass
        want = vlm.forward(batch)
        _, want_cache = vlm.run_with_cache(batch)
    with iar.steer(vlm, **kw, when=_cond(vlm, -math.inf, **late)):
        assert torch.equal(vlm.forward(batch), want)
        _, cache = vlm.run_with_cache(batch)
    assert list(cache.keys()) == list(want_cache.keys())
    assert all(torch.equal(cache[k], want_cache[k]) for k in want_cache.keys())


def test_lookahead_is_exact_through_the_bridge_too(vlm, rev, batch):
    """The look-ahead pass stops inside a forward by an exception: through the TransformerLens
    bridge (no fast path) as well, always-firing equals unconditional steering bit for bit."""
    kw = dict(revision=rev, heads=[(0, 1), (1, 2)], alpha=6.0)
    vlm.fast = False
    try:
        unconditional = _gen(vlm, batch, **kw)
        always = _gen(vlm, batch, **kw, when=_cond(vlm, -math.inf, site="resid_post", layer=1))
    finally:
        vlm.fast = True
    assert always.path == "bridge" and _same(always, unconditional)


def test_lookahead_decides_on_the_prompt_as_it_runs_without_the_steer(vlm, rev, batch):
    """A mixed batch: the decisions are those of the unsteered prompt's features (the steer of
    layer 0 would move layer 1's residual), and each row equals its own steered or plain run."""
    kw = dict(revision=rev, heads=[(0, 1), (0, 3)], alpha=6.0)
    feats = iar.condition.record(vlm, PROMPTS, [tiny_image(1), None, tiny_image(2)], site="resid_post",
                                 layer=1, position="prompt", progress=False)
    cond = _cond(vlm, 0.0, site="resid_post", layer=1, position="prompt")
    cond = cond.with_threshold(float(cond.score(feats).median()))  # exactly one row above
    fired = cond.decide(feats).tolist()
    assert sum(fired) == 1
    with iar.steer(vlm, **kw):  # the steer does move what the condition reads
        moved = iar.condition.record(vlm, PROMPTS, [tiny_image(1), None, tiny_image(2)], site="resid_post",
                                     layer=1, position="prompt", progress=False)
    assert not torch.allclose(moved["resid_post"], feats["resid_post"])
    mixed = _gen(vlm, batch, **kw, when=cond)
    steered, plain = _gen(vlm, batch, **kw), _gen(vlm, batch)
    assert mixed.steered == fired
    for i, f in enumerate(fired):
        assert mixed.tokens[i] == (steered if f else plain).tokens[i]
        assert torch.equal(torch.stack([s[i] for s in mixed.scores]),
                           torch.stack([s[i] for s in (steered if f else plain).scores]))


def test_lookahead_needs_a_condition_and_a_bool(vlm, rev):
    with pytest.raises(InputError, match="only applies to a conditional steer"):
        iar.steer(vlm, rev, heads=1, alpha=1.0, lookahead=True)
    with pytest.raises(InputError, match="lookahead must be"):
        iar.steer(vlm, rev, heads=1, alpha=1.0, when=_cond(vlm, 0.0), lookahead="yes")
    early = iar.steer(vlm, rev, heads=[(1, 0)], alpha=1.0, when=_cond(vlm, 0.0))  # layer-0 condition
    assert not early.lookahead and vlm._lookahead == {}  # nothing to look ahead for: no extra pass
    early.remove()


@pytest.mark.parametrize("lookahead", [False, True])
def test_uncached_generation_equals_cached_with_a_condition(vlm, rev, batch, lookahead):
    cond = _cond(vlm, -math.inf, site="resid_post", layer=0)
    with iar.steer(vlm, rev, heads=[(0, 1), (1, 2)], alpha=6.0, when=cond, lookahead=lookahead):
        a = vlm.generate(batch, max_new_tokens=5)
        b = vlm.generate(batch, max_new_tokens=5, use_cache=False)
    assert a.tokens == b.tokens and a.steered == b.steered


def test_removing_a_conditional_steer_removes_every_hook(vlm, rev, batch):
    before = sum(len(hp.fwd_hooks) for hp in vlm.bridge.hook_dict.values())
    h = iar.steer(vlm, rev, heads=2, alpha=1.0, when=_cond(vlm, 0.0))
    assert sum(len(hp.fwd_hooks) for hp in vlm.bridge.hook_dict.values()) > before
    h.remove()
    assert sum(len(hp.fwd_hooks) for hp in vlm.bridge.hook_dict.values()) == before


def test_when_must_be_a_condition(vlm, rev):
    with pytest.raises(InputError, match="iar.Condition"):
        iar.steer(vlm, rev, heads=1, alpha=1.0, when=0.5)


def test_evaluation_rows_show_the_decision(vlm, rev):
    bench = iar.benchmarks.jsonl("tests/fixtures/jsonl/own.jsonl")
    judge = iar.judges.KeywordJudge("xstest")
    r = iar.evaluate(vlm, bench, judge=judge, max_new_tokens=3, progress=False,
                     steer=dict(revision=rev, heads=1, alpha=1.0, when=_cond(vlm, math.inf)))
    assert [row["steered"] for row in r.rows] == [False] * len(r.rows)
    assert r.meta["steer"]["when"]["condition"] == "gate"
    r = iar.evaluate(vlm, bench, judge=judge, max_new_tokens=3, progress=False,
                     steer=dict(revision=rev, heads=1, alpha=1.0))
    assert all(row["steered"] is True for row in r.rows)


def test_iar_eval_steers_with_a_condition_file(vlm, rev, tmp_path):
    from iar.cli import main

    rev_path = rev.save(tmp_path / "rev.safetensors")
    cond_path = _cond(vlm, math.inf).save(tmp_path / "never.safetensors")
    out = tmp_path / "run.jsonl"
    code = main(["eval", "--model", "tiny:llava", "--benchmark", "jsonl", "--data",
                 "tests/fixtures/jsonl/own.jsonl", "--revision", str(rev_path), "--heads", "2",
                 "--condition", str(cond_path), "--judge", "keyword:gcg", "--max-new-tokens", "3",
                 "--quiet", "--out", str(out)])
    assert code == 0
    rows = iar.EvalReport.load(out).rows
    assert [r["steered"] for r in rows] == [False] * 3


def test_calibration_read_elsewhere_is_a_clear_error(vlm):
    a = iar.condition.record(vlm, ["a", "b", "c"], position="prompt", progress=False)
    b = iar.condition.record(vlm, ["a", "b", "c"], position="last", progress=False)
    with pytest.raises(InputError, match="different positions"):
        Condition.fit(a, a, calibration=b)


def test_a_generation_that_fails_midway_leaves_no_decision_store_behind(vlm, rev, batch):
    """An error inside generate (here a user's hook at the second step) must not leave the
    per-call decision store in place: later forward passes would keep appending to it."""
    calls = []

    def boom(act, hook):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("boom at step 2")

    with iar.steer(vlm, rev, heads=2, alpha=1.0, when=_cond(vlm, -math.inf)):
        with vlm.hooks(fwd_hooks=[("blocks.1.hook_resid_post", boom)]):
            with pytest.raises(RuntimeError, match="boom at step 2"):
                vlm.generate(batch, max_new_tokens=4)
        assert vlm._decisions is None
        assert vlm.generate(batch, max_new_tokens=2).steered == [True] * len(PROMPTS)
