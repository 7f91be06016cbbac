"""Shift metrics on synthetic tensors with planted answers, the ShiftReport API, and iar.shift."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import iar
from iar.analysis.shifts import (
    METRICS,
    ShiftReport,
    cosine_distance,
    counterpart_inputs,
    linear_cka,
    mean_shift,
    relative_l2,
)


def _pair(n=24, layers=5, heads=3, d=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, layers, heads, d, generator=g)
    resid = torch.randn(n, layers, 4 * d, generator=g)
    return {"z": z, "resid_post": resid}


def _rotation(d, seed=0):
    q, _ = torch.linalg.qr(torch.randn(d, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64))
    return q.float()


# ------------------------------------------------------------------ pure metrics


def test_identical_sets_have_zero_shift_and_cka_one():
    x = _pair()["z"]
    assert torch.allclose(cosine_distance(x, x), torch.zeros(5, 3), atol=1e-6)
    assert torch.equal(relative_l2(x, x), torch.zeros(5, 3))
    assert torch.equal(mean_shift(x, x), torch.zeros(5, 3, 8))
    assert torch.allclose(linear_cka(x, x), torch.ones(5, 3), atol=1e-6)


def test_cosine_and_l2_match_hand_computed_values():
    a = torch.tensor([[[1.0, 0.0]], [[0.0, 2.0]]])  # n=2, one unit, d=2
    b = torch.tensor([[[0.0, 1.0]], [[0.0, 1.0]]])
    # pair 0: orthogonal -> 1 - 0 = 1; pair 1: parallel -> 0. mean 0.5
    assert cosine_distance(a, b).item() == pytest.approx(0.5)
    # pair 0: ||(1,-1)|| / 1 = sqrt 2; pair 1: ||(0,1)|| / 1 = 1
    assert relative_l2(a, b).item() == pytest.approx((math.sqrt(2) + 1) / 2)
    assert mean_shift(a, b).tolist() == [[0.5, 0.0]]


def test_cka_is_invariant_to_rotation_and_isotropic_scaling():
    x = torch.randn(40, 2, 16, generator=torch.Generator().manual_seed(1))
    y = x + 0.5 * torch.randn(40, 2, 16, generator=torch.Generator().manual_seed(2))
    base = linear_cka(x, y)
    assert (base < 0.99).all() and (base > 0.1).all()
    r = _rotation(16)
    assert torch.allclose(linear_cka(x @ r, y), base, atol=1e-5)
    assert torch.allclose(linear_cka(x, 7.5 * y), base, atol=1e-5)
    assert torch.allclose(linear_cka(3.0 * (x @ r), y @ _rotation(16, 3)), base, atol=1e-5)


def test_cka_agrees_between_gram_and_feature_forms():
    # n <= d uses n x n Gram matrices, n > d uses d x d: both must give the textbook value.
    g = torch.Generator().manual_seed(4)
    for n, d in ((6, 10), (30, 5)):
        x, y = torch.randn(n, 1, d, generator=g), torch.randn(n, 1, d, generator=g)
        xc, yc = (x[:, 0] - x[:, 0].mean(0)).double(), (y[:, 0] - y[:, 0].mean(0)).double()
        ref = (yc.T @ xc).pow(2).sum() / ((xc.T @ xc).norm() * (yc.T @ yc).norm())
        assert linear_cka(x, y).item() == pytest.approx(ref.item(), abs=1e-6)


def test_cka_without_variance_is_nan():
    x = torch.randn(1, 2, 4)
    assert torch.isnan(linear_cka(x, x)).all()


def test_mismatched_pairs_raise_shape_error():
    with pytest.raises(iar.ShapeError, match="same shape"):
        cosine_distance(torch.randn(4, 2, 3), torch.randn(5, 2, 3))


# ------------------------------------------------------------------ report


def test_planted_head_shift_is_the_maximum_for_every_metric():
    a = _pair()
    b = {k: v.clone() for k, v in a.items()}
    g = torch.Generator().manual_seed(9)
    b["z"] += 0.05 * torch.randn(b["z"].shape, generator=g)
    b["z"][:, 3, 1] += 4.0 + torch.randn(b["z"][:, 3, 1].shape, generator=g)
    report = ShiftReport.from_activations(a, b)
    for metric in ("cosine", "l2", "mean_shift"):
        hs = report.head_shift(metric)
        assert hs.shape == (5, 3)
        assert divmod(int(hs.argmax()), 3) == (3, 1), metric
        assert int(report.layer_shift(metric, site="z").argmax()) == 3
    cka = report.head_shift("cka")
    assert divmod(int(cka.argmin()), 3) == (3, 1)
    # the residual stream was left alone
    assert torch.equal(report.layer_shift("l2"), torch.zeros(5))


def test_report_values_equal_the_pure_functions():
    a, b = _pair(seed=0), _pair(seed=1)
    report = ShiftReport.from_activations(a, b)
    assert report.sites == ["z", "resid_post"] and report.n == 24
    assert torch.equal(report.head_shift("cosine"), cosine_distance(a["z"], b["z"]))
    assert torch.equal(report.head_shift("cka"), linear_cka(a["z"], b["z"]))
    assert torch.equal(report.layer_shift("l2"), relative_l2(a["resid_post"], b["resid_post"]))
    assert torch.equal(report.layer_shift("l2", site="z"), relative_l2(a["z"].flatten(2), b["z"].flatten(2)))
    assert torch.equal(report.vectors("z"), mean_shift(a["z"], b["z"]))
    assert torch.allclose(report.head_shift("mean_shift"), report.vectors("z").norm(dim=-1))


def test_to_frame_is_tidy_and_complete():
    report = ShiftReport.from_activations(_pair(seed=0), _pair(seed=1))
    df = report.to_frame()
    assert list(df.columns) == ["site", "level", "layer", "head", "metric", "value"]
    # 4 metrics x (5x3 heads + 5 z layers + 5 resid layers)
    assert len(df) == len(METRICS) * (15 + 5 + 5)
    row = df[(df.level == "head") & (df.layer == 2) & (df["head"] == 1) & (df.metric == "l2")]
    assert row.value.item() == pytest.approx(report.head_shift("l2")[2, 1].item())
    assert df[df.level == "layer"]["head"].isna().all()


def test_save_load_round_trip_is_exact(tmp_path):
    report = ShiftReport.from_activations(_pair(seed=0), _pair(seed=1), meta={"counterpart": "text"})
    path = report.save(tmp_path / "sub" / "shift.safetensors")
    assert [p.name for p in path.parent.iterdir()] == ["shift.safetensors"]  # no temp file left
    loaded = ShiftReport.load(path)
    assert loaded.meta == report.meta and loaded.sites == report.sites
    for m in METRICS:
        assert torch.equal(loaded.head_shift(m), report.head_shift(m))
        assert torch.equal(loaded.layer_shift(m, "z"), report.layer_shift(m, "z"))
        assert torch.equal(loaded.layer_shift(m), report.layer_shift(m))
    assert torch.equal(loaded.vectors("resid_post"), report.vectors("resid_post"))


def test_load_rejects_missing_and_foreign_files(tmp_path):
    with pytest.raises(iar.InputError, match="no shift report file"):
        ShiftReport.load(tmp_path / "nope.safetensors")
    from safetensors.torch import save_file

    save_file({"x": torch.zeros(2)}, str(tmp_path / "other.safetensors"))
    with pytest.raises(iar.InputError, match="not iar.ShiftReport"):
        ShiftReport.load(tmp_path / "other.safetensors")


def test_bad_inputs_raise_clear_errors():
    a, b = _pair(), _pair(n=20)
    with pytest.raises(iar.ShapeError, match="same shape"):
        ShiftReport.from_activations(a, b)
    b = _pair()
    b["z"][0, 0, 0, 0] = float("nan")
    with pytest.raises(iar.InputError, match="NaN"):
        ShiftReport.from_activations(a, b)
    with pytest.raises(iar.SiteError, match="not recorded"):
        ShiftReport.from_activations(a, {"z": a["z"]}, sites=["resid_post"])
    report = ShiftReport.from_activations({"resid_post": a["resid_post"]}, {"resid_post": a["resid_post"]})
    with pytest.raises(iar.SiteError, match="needs site 'z'"):
        report.head_shift()
    with pytest.raises(iar.InputError, match="unknown shift metric"):
        report.layer_shift("euclid")


def test_heatmap_and_line_figures():
    report = ShiftReport.from_activations(_pair(seed=0), _pair(seed=1))
    fig = report.heatmap("l2")
    assert fig.data[0].z.shape == (5, 3)
    assert fig.data[0].z[2][1] == pytest.approx(report.head_shift("l2")[2, 1].item())
    assert "relative L2" in fig.layout.title.text
    line = report.line()
    assert [t.name for t in line.data] == list(METRICS)
    assert list(line.data[1].y) == pytest.approx(report.layer_shift("l2").tolist())


def test_counterpart_inputs_build_blank_noise_and_captions():
    from PIL import Image

    ims = [Image.new("RGB", (6, 4), (10, 20, 30)), Image.new("RGB", (3, 5))]
    prompts = ["a?", "b?"]
    assert counterpart_inputs(prompts, ims, "text") == (prompts, None)
    p, blank = counterpart_inputs(prompts, ims, "blank")
    assert p == prompts and [im.size for im in blank] == [(6, 4), (3, 5)]
    assert (np.asarray(blank[0]) == 255).all()
    _, n1 = counterpart_inputs(prompts, ims, "noise", seed=1)
    _, n2 = counterpart_inputs(prompts, ims, "noise", seed=1)
    assert n1[0].size == (6, 4) and np.array_equal(np.asarray(n1[0]), np.asarray(n2[0]))
    assert len(np.unique(np.asarray(n1[0]))) > 10
    assert counterpart_inputs(prompts, ims, ["cat", "dog"]) == (["cat\na?", "dog\nb?"], None)
    with pytest.raises(iar.InputError, match="one per image"):
        counterpart_inputs(prompts, ims, ["cat"])
    with pytest.raises(iar.InputError, match="unknown counterpart"):
        counterpart_inputs(prompts, ims, "gray")


# ------------------------------------------------------------------ iar.shift on a tiny VLM


@pytest.fixture(scope="module")
def tiny_llava():
    return iar.load(*iar.testing.tiny_vlm("llava"))


PROMPTS = ["What is in the picture?", "Describe the colours.", "Is this safe?"]


def _images():
    return [iar.testing.tiny_image(seed=i) for i in range(len(PROMPTS))]


def test_the_image_moves_every_head_at_the_last_token(tiny_llava):
    vlm = tiny_llava
    report = iar.shift(vlm, PROMPTS, _images(), batch_size=2, progress=False)
    cfg = vlm.cfg
    assert report.sites == ["z", "resid_post"] and report.n == 3
    assert report.head_shift().shape == (cfg.n_layers, cfg.n_heads)
    assert report.vectors("resid_post").shape == (cfg.n_layers, cfg.d_model)
    assert report.meta["counterpart"] == "text"
    assert (report.head_shift("cosine") > 0).all()


def test_tokens_before_the_image_do_not_shift(tiny_llava):
    # causal attention: the first token cannot see the image that comes after it
    report = iar.shift(tiny_llava, PROMPTS, _images(), position=0, batch_size=2, progress=False)
    for metric in ("cosine", "l2", "mean_shift"):
        assert report.head_shift(metric).abs().max() < 1e-5, metric
        assert report.layer_shift(metric).abs().max() < 1e-5, metric


def test_shift_with_caption_counterpart_differs_from_the_text_counterpart(tiny_llava):
    vlm = tiny_llava
    captions = ["a red square", "a gradient", "a small picture"]
    kwargs = dict(sites=("resid_post",), position="mean", progress=False)
    captioned = iar.shift(vlm, PROMPTS, _images(), counterpart=captions, **kwargs)
    text = iar.shift(vlm, PROMPTS, _images(), **kwargs)
    assert captioned.meta["counterpart"] == "captions" and captioned.meta["position"] == "mean"
    assert not torch.equal(captioned.layer_shift("l2"), text.layer_shift("l2"))


def test_shift_input_errors(tiny_llava):
    with pytest.raises(iar.InputError, match="one image per prompt"):
        iar.shift(tiny_llava, PROMPTS, _images()[:2], progress=False)
    with pytest.raises(iar.InputError, match="not per-prompt masks"):
        iar.shift(tiny_llava, PROMPTS, _images(), position=[torch.ones(3, dtype=torch.bool)] * 3,
                  progress=False)
