"""Batched probes: planted heads are found, accuracies match scikit-learn, errors are clear."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import iar
from iar.activations import Activations
from iar.analysis.probes import ProbeReport, fit_logistic, probe, stratified_split

PLANTED = [(0, 2), (1, 0), (2, 3)]


@pytest.fixture(scope="module")
def planted():
    """3 layers x 4 heads, d 12: only the PLANTED heads carry the label, the others are noise."""
    g = torch.Generator().manual_seed(0)
    n = 120
    pos = torch.randn(n, 3, 4, 12, generator=g) * 2 + 5
    neg = torch.randn(n, 3, 4, 12, generator=g) * 2 + 5
    for layer, head in PLANTED:
        direction = torch.nn.functional.normalize(torch.randn(12, generator=g), dim=0)
        pos[:, layer, head] += 8.0 * direction
    return pos, neg


@pytest.fixture(scope="module")
def planted_report(planted):
    return probe(*planted, progress=False)


def test_top_k_returns_exactly_the_planted_heads(planted_report):
    assert set(planted_report.top(3)) == set(PLANTED)
    acc = planted_report.accuracy
    assert acc.shape == (3, 4)
    noise = torch.ones(3, 4, dtype=torch.bool)
    for layer, head in PLANTED:
        noise[layer, head] = False
        assert acc[layer, head] > 0.9
    assert acc[noise].max() < 0.75


def test_accuracy_matches_sklearn_on_the_same_split():
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    g = torch.Generator().manual_seed(1)
    n, d = 150, 16
    pos = torch.randn(n, 2, 3, d, generator=g) * torch.linspace(0.5, 3, d) + 1.0
    neg = torch.randn(n, 2, 3, d, generator=g) * torch.linspace(0.5, 3, d) + 1.0
    pos[..., :3] += torch.linspace(0.0, 1.2, 6).reshape(2, 3, 1)  # weak to strong signal
    report = probe(pos, neg, l2=2.0, seed=3, progress=False)
    x = torch.cat([pos, neg]).numpy()
    y = np.r_[np.ones(n), np.zeros(n)]
    tr, va = report.train_index.numpy(), report.val_index.numpy()
    gaps = []
    for layer in range(2):
        for head in range(3):
            scaler = StandardScaler().fit(x[tr, layer, head])
            clf = LogisticRegression(C=1 / 2.0, tol=1e-8, max_iter=1000)
            clf.fit(scaler.transform(x[tr, layer, head]), y[tr])
            sk_acc = clf.score(scaler.transform(x[va, layer, head]), y[va])
            gaps.append(abs(sk_acc - report.accuracy[layer, head].item()))
            # same optimum: weights mapped back to the original space agree
            w_sk = clf.coef_[0] / scaler.scale_
            b_sk = clf.intercept_[0] - (w_sk * scaler.mean_).sum()
            np.testing.assert_allclose(report.weights[layer, head].numpy(), w_sk, rtol=2e-3, atol=2e-3)
            assert report.bias[layer, head].item() == pytest.approx(b_sk, abs=5e-3)
    assert np.mean(gaps) <= 0.02
    assert report.accuracy.min() < 0.7 < report.accuracy.max()  # the test spans easy and hard heads


def test_fit_logistic_reaches_the_regularised_optimum():
    g = torch.Generator().manual_seed(2)
    x = torch.randn(3, 80, 5, generator=g)
    y = (torch.rand(80, generator=g) > 0.4).float()
    theta, n_iter = fit_logistic(x, y, l2=0.5, gtol=1e-6)
    assert (n_iter < 500).all()
    w, b = theta[:, :5].double().requires_grad_(), theta[:, 5].double().requires_grad_()
    z = torch.einsum("bnd,bd->bn", x.double(), w) + b[:, None]
    loss = (torch.nn.functional.softplus(z) - y * z).sum() + 0.25 * (w * w).sum()
    loss.backward()
    assert w.grad.abs().max() < 1e-4 and b.grad.abs().max() < 1e-4


def test_weights_reproduce_the_reported_accuracy(planted, planted_report):
    pos, neg = planted
    x = torch.cat([pos, neg])[planted_report.val_index]
    y = torch.cat([torch.ones(len(pos)), torch.zeros(len(neg))])[planted_report.val_index]
    logits = torch.einsum("nlhd,lhd->nlh", x, planted_report.weights) + planted_report.bias
    acc = ((logits > 0).float() == y[:, None, None]).float().mean(0)
    assert torch.allclose(acc, planted_report.accuracy)
    loss = (torch.nn.functional.softplus(logits) - y[:, None, None] * logits).mean(0)
    assert torch.allclose(loss, planted_report.val_loss, rtol=1e-4, atol=1e-6)


def test_results_do_not_depend_on_chunks_or_threads(planted, planted_report):
    other = probe(*planted, chunk_size=5, threads=2, progress=False)
    assert torch.equal(other.accuracy, planted_report.accuracy)
    assert torch.allclose(other.weights, planted_report.weights, rtol=1e-4, atol=1e-5)


def test_split_is_stratified_seeded_and_disjoint():
    labels = torch.tensor([1] * 30 + [0] * 20)
    tr, va = stratified_split(labels, 0.2, seed=5)
    assert len(set(tr.tolist()) & set(va.tolist())) == 0 and len(tr) + len(va) == 50
    assert labels[va].sum() == 6 and (labels[va] == 0).sum() == 4
    assert torch.equal(stratified_split(labels, 0.2, seed=5)[1], va)
    assert not torch.equal(stratified_split(labels, 0.2, seed=6)[1], va)


def test_resid_post_gives_one_probe_per_layer():
    g = torch.Generator().manual_seed(4)
    pos, neg = torch.randn(40, 4, 10, generator=g), torch.randn(40, 4, 10, generator=g)
    pos[:, 2] += 1.5
    report = probe(pos, neg, site="resid_post", progress=False)
    assert report.accuracy.shape == (4,) and report.weights.shape == (4, 10)
    assert report.top(1) == [2]
    assert list(report.to_frame().columns) == ["layer", "accuracy", "train_accuracy", "val_loss", "n_iter"]


def test_top_breaks_ties_by_validation_loss_then_lower_layer_and_head():
    acc = torch.tensor([[0.5, 0.9, 0.7], [0.9, 0.9, 0.5]])
    report = ProbeReport(
        accuracy=acc, train_accuracy=acc, weights=torch.zeros(2, 3, 4), bias=torch.zeros(2, 3),
        n_iter=torch.ones(2, 3, dtype=torch.long), train_index=torch.arange(4),
        val_index=torch.arange(4, 6), site="z", meta={},
    )
    assert report.top(5) == [(0, 1), (1, 0), (1, 1), (0, 2), (0, 0)]
    assert len(report.top(100)) == 6
    # with validation losses, accuracy ties go to the lower loss first
    report.val_loss = torch.tensor([[0.1, 0.4, 0.3], [0.2, 0.1, 0.0]])
    assert report.top(5) == [(1, 1), (1, 0), (0, 1), (0, 2), (1, 2)]


def test_accepts_activations_and_labelled_activations(planted, planted_report):
    pos, neg = planted
    a_pos, a_neg = Activations({"z": pos}), Activations({"z": neg})
    assert torch.equal(probe(a_pos, a_neg, progress=False).accuracy, planted_report.accuracy)
    both = Activations({"z": torch.cat([pos, neg])}, labels=torch.arange(2 * len(pos)) < len(pos))
    assert torch.equal(probe(both, progress=False).accuracy, planted_report.accuracy)


def test_save_load_round_trip(tmp_path, planted_report):
    path = planted_report.save(tmp_path / "probe.safetensors")
    loaded = ProbeReport.load(path)
    assert loaded.site == "z" and loaded.meta == planted_report.meta
    for name in ("accuracy", "train_accuracy", "weights", "bias", "n_iter", "train_index", "val_index", "val_loss"):
        assert torch.equal(getattr(loaded, name), getattr(planted_report, name))
    assert loaded.top(3) == planted_report.top(3)


def test_frame_and_heatmap(planted_report):
    df = planted_report.to_frame()
    assert len(df) == 12 and list(df.columns[:3]) == ["layer", "head", "accuracy"]
    row = df[(df.layer == 2) & (df["head"] == 3)]
    assert row.accuracy.item() == pytest.approx(planted_report.accuracy[2, 3].item())
    fig = planted_report.heatmap()
    assert fig.data[0].z.shape == (3, 4)
    assert "validation accuracy" in fig.layout.title.text


def test_degenerate_inputs_raise_clear_errors(planted):
    pos, neg = planted
    with pytest.raises(iar.InputError, match="at least 4 per class"):
        probe(pos[:3], neg, progress=False)
    with pytest.raises(iar.ShapeError, match="differ in shape"):
        probe(pos, neg[:, :, :2], progress=False)
    bad = neg.clone()
    bad[7, 1, 2, 3] = float("nan")
    with pytest.raises(iar.InputError, match="negative activations contain NaN"):
        probe(pos, bad, progress=False)
    with pytest.raises(iar.SiteError, match="not recorded"):
        probe(Activations({"z": pos}), Activations({"z": neg}), site="resid_post", progress=False)
    with pytest.raises(iar.ShapeError, match="site='resid_post'"):
        probe(pos[:, :, 0], neg[:, :, 0], site="z", progress=False)
    with pytest.raises(iar.InputError, match="l2"):
        probe(pos, neg, l2=0.0, progress=False)
    with pytest.raises(iar.InputError, match="val_fraction"):
        probe(pos, neg, val_fraction=1.0, progress=False)


def test_bench_probes_reports_both_times_ratios_and_equal_accuracy(capsys):
    from iar.cli import bench

    r = bench.bench_probes(quick=True, layers=2, heads=4, repeats=1, sklearn_heads=4)
    assert r["shape"] == {"layers": 2, "heads": 4, "d_head": 64, "n": 400}
    assert r["batched_s"] > 0 and r["sklearn_s"] > 0 and r["sklearn_1thread_s"] > 0
    assert r["speedup"] == pytest.approx(r["sklearn_s"] / r["batched_s"])
    assert r["speedup_vs_1thread"] == pytest.approx(r["sklearn_1thread_s"] / r["batched_s"])
    assert r["sklearn_extrapolated"] and r["sklearn_heads_timed"] == 4
    assert r["accuracy_gap"] <= 0.02
    text = bench.BENCHES["probes"][1](r)
    assert "speedup" in text and "extrapolated" not in text and "x2" in text
    with pytest.raises(iar.InputError, match="unknown bench"):
        bench.main(["nope"])
