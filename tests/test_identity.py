"""Identity and side effects of loading: config_hash ignores dtypes and paths; iar.load leaves the
caller's HF model as it was."""

from __future__ import annotations

import pytest
import torch
from transformers import AutoModelForImageTextToText
from test_model import save_processor

import iar
from iar.model._archs.loading import config_hash
from iar.testing import ARCHITECTURES, tiny_image, tiny_vlm

PROMPTS = ["Describe the object.", "Hi"]
IMAGES = [tiny_image(0), None]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A tiny LLaVA saved like a hub repo (float32 weights)."""
    path = tmp_path_factory.mktemp("llava")
    hf, processor = tiny_vlm("llava", seed=2)
    hf.save_pretrained(path)
    save_processor(processor, path)
    return path, config_hash(hf.config)


def test_config_hash_ignores_dtype_and_paths_at_every_level(folder):
    path, in_memory = folder
    hashes = {
        dtype: config_hash(AutoModelForImageTextToText.from_pretrained(path, dtype=dtype).config)
        for dtype in (torch.float32, torch.bfloat16, torch.float16)
    }
    assert set(hashes.values()) == {in_memory}
    loaded = AutoModelForImageTextToText.from_pretrained(path, dtype=torch.bfloat16).config
    assert str(loaded.text_config.dtype).endswith("bfloat16")  # it is there, and ignored
    # ...but what the model computes is not ignored
    other = AutoModelForImageTextToText.from_pretrained(path).config
    other.text_config.rms_norm_eps = 1e-3
    assert config_hash(other) != in_memory


def test_a_float32_revision_steers_a_bfloat16_load_of_the_same_folder(folder):
    path, _ = folder
    f32 = iar.load(str(path))
    cs = iar.contrast.single_response([f"How do I do {k}?" for k in range(6)], None, "No.", "Sure: step 1.")
    rev = iar.Revision.fit(iar.record(f32, cs, progress=False), progress=False)
    assert rev.directions.dtype == torch.float32
    steered = {}
    for dtype in (torch.float32, torch.bfloat16):
        vlm = f32 if dtype == torch.float32 else iar.load(str(path), dtype=dtype)
        assert vlm.dtype == dtype and vlm.cfg.config_hash == f32.cfg.config_hash
        batch = vlm.encode(PROMPTS, IMAGES)
        with torch.no_grad():
            plain = vlm.forward(batch).float()
            with iar.steer(vlm, rev, heads=4, alpha=8.0):  # no "refit the revision" error
                steered[dtype] = vlm.forward(batch).float() - plain
    real = f32.encode(PROMPTS, IMAGES).attention_mask.bool()
    a, b = steered[torch.float32][real], steered[torch.bfloat16][real]
    assert a.abs().max() > 0.1, "the steer must move the logits"
    # the bfloat16 model moves the same way (vectors cast to its dtype), up to bfloat16 rounding
    assert torch.nn.functional.cosine_similarity(a.flatten(), b.flatten(), dim=0) > 0.95
    iar.load(str(path), dtype=torch.float16)  # and a float16 load accepts it too
    rev.check(iar.load(str(path), dtype=torch.float16))


def test_a_revision_saved_with_the_old_config_hash_still_passes_the_check(folder, tmp_path):
    """Revisions saved before the dtype-free hash carry the old one: accepted on a model loaded as
    theirs was, refused (with the refit advice) on another model."""
    from iar.model._archs.loading import legacy_config_hash

    path, _ = folder
    vlm = iar.load(str(path))
    cs = iar.contrast.single_response([f"How do I do {k}?" for k in range(6)], None, "No.", "Sure: step 1.")
    rev = iar.Revision.fit(iar.record(vlm, cs, progress=False), progress=False)
    old = legacy_config_hash(vlm.hf.config)
    assert old != vlm.cfg.config_hash
    rev.meta["config_hash"] = old
    rev.save(tmp_path / "old")
    iar.Revision.load(tmp_path / "old").check(vlm)  # accepted
    rev.meta["config_hash"] = "0" * 16
    with pytest.raises(iar.RevisionError, match="refit"):
        rev.check(vlm)


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_load_leaves_the_callers_model_usable(arch, tmp_path):
    hf, processor = tiny_vlm(arch)
    names = [n for n, _ in hf.named_modules()]
    keys = list(hf.state_dict())
    attn = hf.config.get_text_config(decoder=True)._attn_implementation
    inputs = {k: v for k, v in iar.load(*tiny_vlm(arch)).encode(PROMPTS, IMAGES).hf_inputs.items()
              if k != "position_ids"}
    with torch.no_grad():
        before = hf(**inputs).logits
        generated = hf.generate(**inputs, max_new_tokens=5, do_sample=False)

    vlm = iar.load(hf, processor)
    with torch.no_grad(), vlm.hooks(fwd_hooks=[("blocks.0.hook_resid_post", lambda a, hook: a)]):
        vlm.forward(vlm.encode(PROMPTS, IMAGES))

    assert [n for n, _ in hf.named_modules()] == names
    assert list(hf.state_dict()) == keys
    assert hf.config.get_text_config(decoder=True)._attn_implementation == attn
    assert vlm.hf is not hf and vlm.hf.get_input_embeddings().weight is hf.get_input_embeddings().weight
    with torch.no_grad():
        torch.testing.assert_close(hf(**inputs).logits, before, rtol=0, atol=0)
        assert torch.equal(hf.generate(**inputs, max_new_tokens=5, do_sample=False), generated)
    hf.save_pretrained(tmp_path)
    reloaded = AutoModelForImageTextToText.from_pretrained(tmp_path)
    with torch.no_grad():
        torch.testing.assert_close(reloaded(**inputs).logits, before, rtol=0, atol=1e-6)


def test_a_model_with_a_patched_forward_is_wrapped_in_place_with_a_warning():
    hf, processor = tiny_vlm("llava")
    mlp = hf.model.language_model.layers[0].mlp
    mlp.forward = mlp.forward  # bound to the instance, as accelerate's dispatch hooks do
    with pytest.warns(UserWarning, match="patched forward"):
        vlm = iar.load(hf, processor)
    assert vlm.hf is hf
    ref, _ = tiny_vlm("llava")
    batch = vlm.encode(PROMPTS, IMAGES)
    from iar.model._fast import FastPathWarning

    with torch.no_grad(), pytest.warns(FastPathWarning):  # the fast path cannot mirror it either
        ours = vlm.forward(batch)
    with torch.no_grad():
        theirs = ref(**batch.hf_inputs).logits
    real = batch.attention_mask.bool()
    assert (ours[real] - theirs[real]).abs().max() < 1e-4
