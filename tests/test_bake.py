"""bake: a steer folded into biases gives a plain HF model equal to the hooked one, and reloads."""

from __future__ import annotations

import pytest
import torch

import iar
from iar.errors import InputError, UnsupportedModelError
from iar.revision import Revision
from iar.testing import tiny_image, tiny_vlm

HEADS = [(0, 1), (1, 3)]


def _revision(vlm, level="head", seed=0):
    """A revision of the model's shape (random activations), tagged with its config hash."""
    g = torch.Generator().manual_seed(seed)
    c = vlm.cfg
    shape = (c.n_layers, c.n_heads, c.d_head) if level == "head" else (c.n_layers, c.d_model)
    rev = Revision.fit(torch.randn(16, *shape, generator=g) + 0.5, torch.randn(16, *shape, generator=g),
                       level=level, probe=False)
    rev.meta["config_hash"] = c.config_hash
    return rev


def _batch(vlm):
    return vlm.encode(["Describe the object.", "Hi"], [tiny_image(1), None])  # row 1 left-padded


@pytest.fixture(scope="module", params=["llava", "gemma3"])
def case(request):
    vlm = iar.load(*tiny_vlm(request.param))
    return vlm, _revision(vlm), _batch(vlm)


def test_baked_logits_equal_hooked_logits(case):
    vlm, rev, batch = case
    with torch.no_grad():
        base = vlm.forward(batch)
        with iar.steer(vlm, rev, heads=HEADS, alpha=1.5):
            hooked = vlm.forward(batch)
        baked = iar.bake(vlm, rev, heads=HEADS, alpha=1.5)
        out = baked(**batch.hf_inputs).logits
        after = vlm.forward(batch)
    real = batch.attention_mask.bool()
    assert type(baked).__name__ == vlm.spec.hf_class  # a plain HF model, no bridge inside
    assert not any("Bridge" in type(m).__name__ for m in baked.modules())
    assert (out - hooked)[real].abs().max() < 1e-4
    assert (hooked - base)[real].abs().max() > 1e-2  # the steer does something
    assert torch.equal(after, base)  # the VLM itself is unchanged


def test_baked_model_generates_the_steered_text_without_hooks(case):
    vlm, rev, batch = case
    with torch.no_grad():
        with iar.steer(vlm, rev, heads=HEADS, alpha=1.5):
            steered = vlm.generate(batch, max_new_tokens=4).tokens
        baked = iar.bake(vlm, rev, heads=HEADS, alpha=1.5)
        ids = baked.generate(**batch.hf_inputs, max_new_tokens=4, do_sample=False)
    got = [row[batch.seq_len:] for row in ids.tolist()]
    eos = set(vlm.eos_token_ids)
    got = [r[: next((i for i, t in enumerate(r) if t in eos), len(r))] for r in got]
    assert got == steered
    assert not any(hp.fwd_hooks for hp in vlm.bridge.hook_dict.values())


def test_baked_checkpoint_reloads_with_from_pretrained(case, tmp_path):
    vlm, rev, batch = case
    baked = iar.bake(vlm, rev, heads=HEADS, alpha=1.5)
    baked.save_pretrained(tmp_path)
    back = type(baked).from_pretrained(tmp_path).eval()
    with torch.no_grad():
        with iar.steer(vlm, rev, heads=HEADS, alpha=1.5):
            hooked = vlm.forward(batch)
        b = back(**batch.hf_inputs).logits
    real = batch.attention_mask.bool()
    assert back.config.get_text_config().attention_bias is True
    for i in range(vlm.cfg.n_layers):  # the biases came back: o_proj of steered layers only
        bias = back.get_decoder().layers[i].self_attn.o_proj.bias
        assert (bias.abs().max() > 0) == any(l == i for l, _ in HEADS)
    assert (b - hooked)[real].abs().max() < 1e-4


def test_layer_level_bakes_into_down_proj_on_llama_backbones():
    vlm = iar.load(*tiny_vlm("llava"))
    rev = _revision(vlm, level="layer")
    batch = _batch(vlm)
    with torch.no_grad():
        with iar.steer(vlm, rev, layers=[0], alpha=2.0):
            hooked = vlm.forward(batch)
        out = iar.bake(vlm, rev, layers=[0], alpha=2.0)(**batch.hf_inputs).logits
    real = batch.attention_mask.bool()
    assert (out - hooked)[real].abs().max() < 1e-4


def test_what_cannot_be_baked_is_a_clear_error(case):
    vlm, rev, _ = case
    with pytest.raises(InputError, match="positions='all'"):
        iar.bake(vlm, rev, heads=HEADS, alpha=1.0, positions="generated")
    if vlm.cfg.model_type == "gemma3":  # MLP output is normalised before the residual add
        with pytest.raises(UnsupportedModelError, match="mlp_bias|normalises"):
            iar.bake(vlm, _revision(vlm, level="layer"), layers=[0], alpha=1.0)


def test_backbones_without_a_bias_flag_are_refused():
    vlm = iar.load(*tiny_vlm("llava_next"))  # Mistral: o_proj has no bias flag
    with pytest.raises(UnsupportedModelError, match="attention_bias"):
        iar.bake(vlm, _revision(vlm), heads=HEADS, alpha=1.0)
