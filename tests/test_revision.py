"""Revision.fit on synthetic activations with a planted direction; save/load round trips."""

from __future__ import annotations

import json

import pytest
import torch

import iar
from iar.errors import InputError, RevisionError, ShapeError, SiteError
from iar.revision import Revision, mms_directions, pca_directions, projected_std

N, L, H, D = 2000, 2, 3, 8  # enough samples that a logistic probe pins the direction down


def _planted(level: str = "head", seed: int = 0):
    """positive = base + 1.5 u + noise, negative = base + noise (same base: paired samples)."""
    g = torch.Generator().manual_seed(seed)
    units = (L, H) if level == "head" else (L,)
    u = torch.nn.functional.normalize(torch.randn(*units, D, generator=g), dim=-1)
    base = torch.randn(N, *units, D, generator=g)
    pos = base + 0.5 * torch.randn(N, *units, D, generator=g) + 1.5 * u
    neg = base + 0.5 * torch.randn(N, *units, D, generator=g)
    return pos, neg, u


@pytest.fixture(scope="module")
def planted():
    return _planted("head")


@pytest.mark.parametrize("method", ["mms", "pca", "probe"])
def test_each_method_recovers_the_planted_head_direction(planted, method):
    pos, neg, u = planted
    rev = Revision.fit(pos, neg, level="head", method=method, probe=(method == "probe"),
                       progress=False)
    cos = (rev.directions * u).sum(-1)
    assert rev.directions.shape == (L, H, D)
    assert torch.allclose(rev.directions.norm(dim=-1), torch.ones(L, H), atol=1e-5)
    assert cos.min() > 0.99, cos


@pytest.mark.parametrize("method", ["mms", "pca", "probe"])
def test_each_method_recovers_the_planted_layer_direction(method):
    pos, neg, u = _planted("layer", seed=1)
    rev = Revision.fit(pos, neg, level="layer", method=method, probe=(method == "probe"),
                       progress=False)
    assert rev.directions.shape == (L, D)
    assert (rev.directions * u).sum(-1).min() > 0.99


def test_sigma_is_the_std_of_all_activations_projected_on_the_direction(planted):
    pos, neg, _ = planted
    rev = Revision.fit(pos, neg, method="pca", probe=False)
    proj = (torch.cat([pos, neg]).double() * rev.directions.double()).sum(-1)
    assert torch.allclose(rev.sigma.double(), proj.std(0, correction=0), atol=1e-5)
    # the vector added at alpha=1 is sigma * direction
    assert torch.allclose(rev.vectors, rev.sigma[..., None] * rev.directions)


def test_directions_point_from_negative_to_positive(planted):
    pos, neg, u = planted
    # swapping the sides flips every direction, whatever the method
    for method in ("mms", "pca", "probe"):
        rev = Revision.fit(neg, pos, method=method, probe=(method == "probe"), progress=False)
        assert (rev.directions * u).sum(-1).max() < -0.99, method


def test_pca_pairs_samples_of_the_same_query_when_sides_differ_in_size():
    g = torch.Generator().manual_seed(3)
    u = torch.nn.functional.normalize(torch.randn(D, generator=g), dim=0)
    queries = torch.randn(30, D, generator=g) * 5  # a large per-query offset
    pos_groups = [q for q in range(30) for _ in range(2)]
    neg_groups = [q for q in range(30) for _ in range(3)]
    pos = queries[pos_groups] + 2 * u + 0.1 * torch.randn(60, D, generator=g)
    neg = queries[neg_groups] + 0.1 * torch.randn(90, D, generator=g)
    rev = Revision.fit(pos[:, None], neg[:, None], level="layer", method="pca", probe=False,
                       groups=(pos_groups, neg_groups))
    assert (rev.directions[0] @ u) > 0.99
    with pytest.raises(ShapeError, match="groups="):
        pca_directions(pos[:, None], neg[:, None])


def test_pure_functions_on_hand_computed_values():
    d = mms_directions(torch.tensor([[[2.0, 0.0]]]), torch.tensor([[[0.0, 0.0]]]))
    assert d.tolist() == [[1.0, 0.0]]
    x = torch.tensor([[[1.0, 7.0]], [[3.0, -1.0]]])
    assert projected_std(x, torch.tensor([[1.0, 0.0]])).tolist() == [1.0]


def test_top_ranks_heads_by_probe_accuracy():
    pos, neg, u = _planted("head", seed=2)
    # make head (1, 2) the only separable one
    pos, neg = pos.clone(), neg.clone()
    mask = torch.zeros(L, H, 1, dtype=torch.bool)
    mask[1, 2] = True
    pos = torch.where(mask, pos, neg[torch.randperm(N)] + 0.0)
    rev = Revision.fit(pos, neg, method="mms", probe=True, progress=False)
    assert rev.accuracy.shape == (L, H)
    assert rev.top(1) == [(1, 2)]
    assert len(rev.top(L * H)) == L * H
    with pytest.raises(InputError, match="outside"):
        rev.top(L * H + 1)


def test_saturated_probes_are_ranked_by_validation_loss_not_by_index():
    # every head separates perfectly (probe accuracy 1.0 everywhere), by different margins; the
    # widest margin (lowest held-out log-loss) sits at the last head, where index order ranks it last
    g = torch.Generator().manual_seed(3)
    gap = torch.linspace(6.0, 12.0, L * H).reshape(L, H)
    u = torch.nn.functional.normalize(torch.randn(L, H, D, generator=g), dim=-1)
    neg = torch.randn(400, L, H, D, generator=g)
    pos = torch.randn(400, L, H, D, generator=g) + gap[..., None] * u
    rev = Revision.fit(pos, neg, method="mms", probe=True, progress=False)
    assert bool((rev.accuracy == 1.0).all())
    assert rev.top(1) == [(L - 1, H - 1)]  # widest margin first; index order would rank it last
    by_loss = [divmod(int(i), H) for i in torch.argsort(rev.val_loss.flatten())]
    assert rev.top(L * H) == by_loss == rev.probe.top(L * H)
    assert torch.equal(rev.val_loss, rev.probe.val_loss)
    # accuracy still comes first: a head that separates worse ranks below, whatever its loss
    acc = rev.accuracy.clone()
    acc[L - 1, H - 1] = 0.9
    assert Revision(rev.directions, rev.sigma, accuracy=acc, val_loss=rev.val_loss).top(1) == by_loss[1:2]
    # without the loss (hand-built or older files): index order among ties, as before
    assert Revision(rev.directions, rev.sigma, accuracy=rev.accuracy).top(1) == [(0, 0)]
    with pytest.raises(ShapeError, match="val_loss"):
        Revision(rev.directions, rev.sigma, val_loss=rev.val_loss[0])


def test_meta_records_provenance(planted):
    pos, neg, _ = planted
    rev = Revision.fit(pos, neg, method="mms", probe=False, strategy="multi_response")
    m = rev.meta
    assert (m["level"], m["method"], m["strategy"]) == ("head", "mms", "multi_response")
    assert (m["n_positive"], m["n_negative"]) == (N, N)
    assert m["iar_version"] == iar.__version__ and m["date"]


def test_bad_fit_arguments_get_clear_errors(planted):
    pos, neg, _ = planted
    with pytest.raises(InputError, match="method"):
        Revision.fit(pos, neg, method="svm")
    with pytest.raises(InputError, match="level"):
        Revision.fit(pos, neg, level="neuron")
    with pytest.raises(SiteError, match="level="):
        Revision.fit(pos, neg, level="head", site="resid_post")
    with pytest.raises(ShapeError, match="n_heads"):
        Revision.fit(pos[:, 0], neg[:, 0], level="head")
    with pytest.raises(InputError, match="NaN"):
        bad = pos.clone()
        bad[0, 0, 0, 0] = float("nan")
        Revision.fit(bad, neg, probe=False)
    with pytest.raises(InputError, match="negative="):
        Revision.fit(pos)


# ---- save / load ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fitted(planted):
    pos, neg, _ = planted
    return Revision.fit(pos, neg, method="mms", probe=True, progress=False)


def test_save_load_round_trip_is_exact(fitted, tmp_path):
    path = fitted.save(tmp_path / "rev.safetensors")
    back = Revision.load(path)
    assert torch.equal(back.directions, fitted.directions)
    assert torch.equal(back.sigma, fitted.sigma)
    assert torch.equal(back.accuracy, fitted.accuracy)
    assert torch.equal(back.val_loss, fitted.val_loss)
    assert back.top(3) == fitted.top(3)
    assert (back.level, back.method, back.meta) == (fitted.level, fitted.method, fitted.meta)
    assert not list(tmp_path.glob("*.tmp")), "temporary file left behind"


def test_saved_file_is_plain_safetensors_with_json_metadata(fitted, tmp_path):
    from safetensors import safe_open

    path = fitted.save(tmp_path / "rev.safetensors")
    with safe_open(str(path), framework="pt") as f:
        meta = json.loads(f.metadata()["iar"])
        assert set(f.keys()) >= {"directions", "sigma"}
    assert meta["level"] == "head" and meta["meta"]["method"] == "mms"


def test_truncated_file_is_a_clear_error(fitted, tmp_path):
    path = fitted.save(tmp_path / "rev.safetensors")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(RevisionError, match="truncated or corrupted"):
        Revision.load(path)


def test_tampered_tensor_bytes_are_a_clear_error(fitted, tmp_path):
    path = fitted.save(tmp_path / "rev.safetensors")
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF  # flip bits in the last tensor's data
    path.write_bytes(bytes(data))
    with pytest.raises(RevisionError, match="checksum"):
        Revision.load(path)


def test_tampered_metadata_is_a_clear_error(fitted, tmp_path):
    path = fitted.save(tmp_path / "rev.safetensors")
    data = path.read_bytes()
    bad = data.replace(b'\\"method\\": \\"mms\\"', b'\\"method\\": \\"pca\\"')
    assert bad != data
    path.write_bytes(bad)
    with pytest.raises(RevisionError, match="checksum"):
        Revision.load(path)


def test_missing_and_foreign_files_are_clear_errors(tmp_path):
    from safetensors.torch import save_file

    with pytest.raises(RevisionError, match="no revision file"):
        Revision.load(tmp_path / "nope.safetensors")
    save_file({"x": torch.zeros(2)}, str(tmp_path / "other.safetensors"))
    with pytest.raises(RevisionError, match="not an iar revision"):
        Revision.load(tmp_path / "other.safetensors")
