"""iar.record against plain PyTorch hooks on the untouched HF model; the Activations container."""

from __future__ import annotations

import os

import pytest
import torch

import iar
from iar.activations import Activations
from iar.testing import ARCHITECTURES, tiny_image, tiny_vlm

TOL = 1e-5
PROMPTS = [
    "Describe the object.",
    "What is in this image? Answer the question in one sentence, please.",
    "Hi",
]
IMAGES = [tiny_image(0), tiny_image(1), None]
RESPONSES = ["I'm sorry, but I cannot help with that.", "Sure, here are the steps: first, second.", "No."]


@pytest.fixture(scope="module", params=ARCHITECTURES)
def pair(request):
    vlm = iar.load(*tiny_vlm(request.param))
    ref, _ = tiny_vlm(request.param)
    return vlm, ref


def reference(vlm, ref, prompt, image, response=None):
    """Per layer: o_proj input [pos, H, d_head] and decoder-layer output [pos, d], via plain hooks."""
    batch = vlm.encode([prompt], [image], None if response is None else [response])
    layers = ref.model.get_decoder().layers
    z, resid, handles = {}, {}, []
    for li, layer in enumerate(layers):

        def pre(module, args, li=li):
            z[li] = args[0][0].reshape(args[0].shape[1], vlm.cfg.n_heads, vlm.cfg.d_head)

        def post(module, args, out, li=li):
            resid[li] = (out[0] if isinstance(out, tuple) else out)[0]

        handles.append(layer.self_attn.o_proj.register_forward_pre_hook(pre))
        handles.append(layer.register_forward_hook(post))
    try:
        with torch.no_grad():
            ref(**batch.hf_inputs)
    finally:
        for h in handles:
            h.remove()
    n = len(layers)
    return batch, torch.stack([z[i] for i in range(n)], 1), torch.stack([resid[i] for i in range(n)], 1)


def test_last_position_equals_o_proj_input_and_layer_output(pair):
    vlm, ref = pair
    acts = iar.record(vlm, PROMPTS, IMAGES, progress=False, batch_size=3)
    assert acts["z"].shape == (3, vlm.cfg.n_layers, vlm.cfg.n_heads, vlm.cfg.d_head)
    assert acts["resid_post"].shape == (3, vlm.cfg.n_layers, vlm.cfg.d_model)
    assert acts["z"].dtype == torch.float32 and acts["z"].device.type == "cpu"
    for i, (prompt, image) in enumerate(zip(PROMPTS, IMAGES)):
        _, z, resid = reference(vlm, ref, prompt, image)
        torch.testing.assert_close(acts["z"][i], z[-1], atol=TOL, rtol=0)
        torch.testing.assert_close(acts["resid_post"][i], resid[-1], atol=TOL, rtol=0)


def test_batched_equals_unbatched(pair):
    vlm, _ = pair
    together = iar.record(vlm, PROMPTS, IMAGES, progress=False, batch_size=3)
    alone = iar.record(vlm, PROMPTS, IMAGES, progress=False, batch_size=1)
    for site in ("z", "resid_post"):
        torch.testing.assert_close(together[site], alone[site], atol=TOL, rtol=0)


def test_mean_and_response_positions_average_the_right_tokens(pair):
    vlm, ref = pair
    mean = iar.record(vlm, PROMPTS[:2], IMAGES[:2], position="mean", sites="z", progress=False)
    resp = iar.record(
        vlm, PROMPTS[:2], IMAGES[:2], responses=RESPONSES[:2], position="response", sites="z", progress=False
    )
    last = iar.record(vlm, PROMPTS[:2], IMAGES[:2], responses=RESPONSES[:2], sites="z", progress=False)
    for i in range(2):
        batch, z, _ = reference(vlm, ref, PROMPTS[i], IMAGES[i])
        text = batch.text_positions[0]
        assert 0 < int(text.sum()) < batch.seq_len  # image tokens are left out of the mean
        torch.testing.assert_close(mean["z"][i], z[text].mean(0), atol=TOL, rtol=0)
        batch, z, _ = reference(vlm, ref, PROMPTS[i], IMAGES[i], RESPONSES[i])
        torch.testing.assert_close(resp["z"][i], z[batch.response_positions[0]].mean(0), atol=TOL, rtol=0)
        torch.testing.assert_close(last["z"][i], z[-1], atol=TOL, rtol=0)


def test_index_and_mask_positions_agree():
    vlm = iar.load(*tiny_vlm("llava"))
    lengths = [int(vlm.encode([p], [im]).lengths[0]) for p, im in zip(PROMPTS, IMAGES)]

    def one_hot(index):
        masks = [torch.zeros(n, dtype=torch.bool) for n in lengths]
        for m in masks:
            m[index] = True
        return masks

    for index in (3, -2):
        by_mask = iar.record(vlm, PROMPTS, IMAGES, position=one_hot(index), progress=False)
        by_index = iar.record(vlm, PROMPTS, IMAGES, position=index, progress=False)
        for site in by_mask.sites:
            assert torch.equal(by_mask[site], by_index[site])
    assert by_index.meta["position"] == -2 and by_mask.meta["position"] == "mask"
    default = iar.record(vlm, PROMPTS, IMAGES, progress=False)
    assert torch.equal(default["z"], iar.record(vlm, PROMPTS, IMAGES, position=-1, progress=False)["z"])
    assert not torch.equal(default["z"], by_index["z"])


def test_recording_keeps_only_the_requested_positions(monkeypatch):
    """What each hook hands back to be stored is [batch, ...], never [batch, pos, ...]."""
    vlm = iar.load(*tiny_vlm("llava"))
    kept = []
    original = torch.Tensor.to

    def spy(self, *args, **kwargs):
        out = original(self, *args, **kwargs)
        if args[:2] == ("cpu", torch.float32) and vlm.step is not None:  # inside a hook
            kept.append(tuple(out.shape))
        return out

    monkeypatch.setattr(torch.Tensor, "to", spy)
    iar.record(vlm, PROMPTS, IMAGES, sites=("z", "resid_post"), progress=False, batch_size=3)
    monkeypatch.undo()
    L = vlm.cfg.n_layers
    assert sorted(kept) == sorted([(3, vlm.cfg.n_heads, vlm.cfg.d_head)] * L + [(3, vlm.cfg.d_model)] * L)


def test_metadata_names_the_model_and_position():
    vlm = iar.load(*tiny_vlm("llava"))
    acts = iar.record(vlm, PROMPTS, IMAGES, sites=["resid_post"], position="mean", progress=False)
    assert acts.sites == ("resid_post",) and "z" not in acts
    assert acts.meta["model_type"] == "llava" and acts.meta["config_hash"] == vlm.cfg.config_hash
    assert acts.meta["position"] == "mean" and acts.meta["has_image"] == [True, True, False]


def test_record_accepts_a_contrast_set():
    vlm = iar.load(*tiny_vlm("llava"))
    cs = iar.contrast.modality(PROMPTS[:2], IMAGES[:2])
    acts = iar.record(vlm, cs, sites="z", progress=False)
    assert len(acts) == 4 and acts.labels.tolist() == [True, True, False, False]
    direct = iar.record(vlm, PROMPTS[:2], IMAGES[:2], sites="z", progress=False)
    torch.testing.assert_close(acts.negative["z"], direct["z"], atol=TOL, rtol=0)


# ---- the Activations container -----------------------------------------------------------


def planted(n=6):
    g = torch.Generator().manual_seed(0)
    data = {"z": torch.randn(n, 2, 4, 16, generator=g), "resid_post": torch.randn(n, 2, 64, generator=g)}
    labels = torch.tensor([True, False] * (n // 2))
    return Activations(data, labels=labels, meta={"model": "tiny", "groups": list(range(n))})


def test_save_and_load_round_trip_exactly(tmp_path):
    acts = planted()
    path = acts.save(tmp_path / "acts.safetensors")
    assert os.listdir(tmp_path) == ["acts.safetensors"], "no temporary file left behind"
    back = Activations.load(path)
    assert back.sites == acts.sites and back.meta == acts.meta
    assert torch.equal(back.labels, acts.labels)
    for s in acts.sites:
        assert torch.equal(back[s], acts[s])


def test_concat_select_and_label_views():
    acts = planted()
    both = Activations.concat([acts, acts.select([0, 1])])
    assert len(both) == 8 and both.meta["groups"] == list(range(6)) + [0, 1]
    assert torch.equal(both["z"][6:], acts["z"][:2])
    assert both.labels.tolist() == acts.labels.tolist() + [True, False]
    pos, neg = acts.positive, acts.negative
    assert len(pos) == 3 and bool(pos.labels.all()) and not bool(neg.labels.any())
    assert torch.equal(pos["resid_post"], acts["resid_post"][0::2])
    assert pos.meta["groups"] == [0, 2, 4]
    assert torch.equal(acts.select(slice(1, 3))["z"], acts["z"][1:3])


def test_container_errors_name_the_fix(tmp_path):
    acts = planted()
    with pytest.raises(iar.SiteError, match="was not recorded"):
        acts["mlp_out"]
    with pytest.raises(iar.ShapeError, match="labels must have shape"):
        acts.labels = [True]
    unlabelled = Activations({"z": torch.zeros(2, 1, 1, 1)})
    with pytest.raises(iar.InputError, match="no labels"):
        unlabelled.positive
    with pytest.raises(iar.ShapeError, match="per-sample shape"):
        Activations.concat([acts, Activations({"z": torch.zeros(1, 2, 4, 8), "resid_post": torch.zeros(1, 2, 64)})])
    with pytest.raises(iar.DataError, match="no activations file"):
        Activations.load(tmp_path / "missing.safetensors")
    from safetensors.torch import save_file

    save_file({"x": torch.zeros(1)}, tmp_path / "other.safetensors")
    with pytest.raises(iar.DataError, match="not an iar activations"):
        Activations.load(tmp_path / "other.safetensors")
    with pytest.raises(iar.InputError, match="JSON"):
        Activations({"z": torch.zeros(1, 1, 1, 1)}, meta={"bad": object()}).save(tmp_path / "x.safetensors")
    assert not (tmp_path / "x.safetensors").exists()
