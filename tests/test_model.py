"""iar.load / encode / forward against the untouched Hugging Face model, for every architecture."""

from __future__ import annotations

import json

import pytest
import torch

import iar
from iar.testing import ARCHITECTURES, tiny_image, tiny_vlm

TOL = 1e-4
PROMPTS = [
    "Describe the object.",
    "What is in this image? Answer the question in one sentence, please.",
    "Hi",
]
IMAGES = [tiny_image(0), tiny_image(1), None]


PATHS = [(arch, fast) for arch in ARCHITECTURES for fast in (True, False)]


@pytest.fixture(scope="module", params=PATHS, ids=[f"{a}-{'fast' if f else 'bridge'}" for a, f in PATHS])
def pair(request):
    """(vlm, ref): the wrapped model (on the fast path or the bridge) and an untouched HF twin
    with the same weights."""
    arch, fast = request.param
    vlm = iar.load(*tiny_vlm(arch, seed=0))
    vlm.fast = fast
    ref, _ = tiny_vlm(arch, seed=0)
    return vlm, ref


def hf_logits(ref, batch, with_positions=True):
    inputs = dict(batch.hf_inputs)
    if not with_positions:
        inputs.pop("position_ids")
    with torch.no_grad():
        return ref(**inputs).logits


def max_diff(a, b):
    return (a - b).abs().max().item()


@pytest.mark.parametrize("image", [tiny_image(0), None], ids=["image+text", "text-only"])
def test_forward_equals_hf(pair, image):
    vlm, ref = pair
    batch = vlm.encode([PROMPTS[0]], [image])
    with torch.no_grad():
        ours = vlm.forward(batch)
    assert vlm.last_path[0] == ("fast" if vlm.fast else "bridge")
    assert ours.shape == (1, batch.seq_len, vlm.cfg.d_vocab)
    assert max_diff(ours, hf_logits(ref, batch)) < TOL
    # HF left to derive its own positions (Qwen2.5-VL: its own 3-D rope ids) agrees too
    assert max_diff(ours, hf_logits(ref, batch, with_positions=False)) < TOL


def test_padded_batch_equals_each_prompt_alone(pair):
    vlm, ref = pair
    batch = vlm.encode(PROMPTS, IMAGES)
    lengths = batch.lengths.tolist()
    assert len(set(lengths)) == 3, "the three prompts must differ in length to test padding"
    with torch.no_grad():
        ours = vlm.forward(batch)
    real = batch.attention_mask.bool()
    assert max_diff(ours[real], hf_logits(ref, batch)[real]) < TOL
    for i, (prompt, image) in enumerate(zip(PROMPTS, IMAGES)):
        alone = vlm.encode([prompt], [image])
        assert alone.seq_len == lengths[i]
        torch.testing.assert_close(batch.input_ids[i, -lengths[i] :], alone.input_ids[0])
        expected = hf_logits(ref, alone, with_positions=False)[0]
        assert max_diff(ours[i, -lengths[i] :], expected) < TOL


def test_batch_masks_partition_the_columns(pair):
    vlm, _ = pair
    batch = vlm.encode(PROMPTS, IMAGES)
    pad = ~batch.attention_mask.bool()
    parts = [pad, batch.image_positions, batch.text_positions, batch.response_positions]
    total = sum(p.long() for p in parts)
    assert bool((total == 1).all()), "pad/image/text/response must cover each column exactly once"
    # left padding: once a row starts, it never pads again
    assert bool((batch.attention_mask.diff(dim=-1) >= 0).all())
    assert batch.image_positions.any(-1).tolist() == [True, True, False]
    assert batch.has_image == [True, True, False]
    assert bool((batch.input_ids[batch.image_positions] == vlm.image_token_id).all())
    assert batch.embeds.shape == (3, batch.seq_len, vlm.cfg.d_model)
    assert len(batch) == 3


def test_image_features_are_spliced_at_image_tokens(pair):
    vlm, _ = pair
    batch = vlm.encode([PROMPTS[0]], [tiny_image(0)])
    plain = vlm.hf.get_input_embeddings()(batch.input_ids)
    changed = (batch.embeds - plain).abs().amax(-1) > 0
    assert torch.equal(changed, batch.image_positions)


def test_responses_are_appended_after_the_generation_prompt(pair):
    vlm, _ = pair
    response = "I'm sorry, but I cannot help with that request."
    plain = vlm.encode([PROMPTS[0]], [tiny_image(0)])
    both = vlm.encode([PROMPTS[0], PROMPTS[2]], [tiny_image(0), None], [response, None])
    n_resp = int(both.response_positions[0].sum())
    assert n_resp > 0 and not both.response_positions[1].any()
    assert bool(both.response_positions[0, -n_resp:].all())
    assert int(both.lengths[0]) == plain.seq_len + n_resp
    torch.testing.assert_close(both.input_ids[0, -both.lengths[0] :][: plain.seq_len], plain.input_ids[0])
    text = vlm.tokenizer.decode(both.input_ids[0][both.response_positions[0]])
    assert text.strip() == response


def test_position_ids_follow_left_padding(pair):
    vlm, _ = pair
    batch = vlm.encode(PROMPTS, IMAGES)
    pos = batch.position_ids
    if vlm.cfg.model_type == "qwen2_5_vl":
        assert pos.shape == (3, 3, batch.seq_len)
        img = batch.image_positions[0]
        assert not torch.equal(pos[1, 0][img], pos[2, 0][img]), "image tokens get 2-D (h, w) ids"
        text_only = pos[:, 2][:, batch.attention_mask[2].bool()]
        assert torch.equal(text_only[0], torch.arange(int(batch.lengths[2])))
    else:
        assert pos.shape == (3, batch.seq_len)
        for i, n in enumerate(batch.lengths.tolist()):
            assert pos[i, -n:].tolist() == list(range(n))


def test_step_context_is_set_only_while_the_bridge_runs(pair):
    vlm, _ = pair
    batch = vlm.encode([PROMPTS[0]], [tiny_image(0)])
    seen = []

    def hook(act, hook):
        seen.append((vlm.step.batch is batch, vlm.step.start, vlm.step.length, act.shape[1]))

    assert vlm.step is None
    with torch.no_grad(), vlm.bridge.hooks(fwd_hooks=[("blocks.0.hook_resid_post", hook)]):
        vlm.forward(batch)
    assert seen == [(True, 0, batch.seq_len, batch.seq_len)]
    assert vlm.step is None


def test_cfg_describes_the_backbone(pair):
    vlm, ref = pair
    text = ref.config.get_text_config(decoder=True)
    cfg = vlm.cfg
    assert (cfg.n_layers, cfg.d_model) == (text.num_hidden_layers, text.hidden_size)
    assert cfg.n_heads * cfg.d_head == ref.model.get_decoder().layers[0].self_attn.o_proj.in_features
    assert cfg.model_type == ref.config.model_type
    assert len(cfg.config_hash) == 16


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "bridge"])
def test_gemma3_image_tokens_attend_both_ways(fast):
    vlm = iar.load(*tiny_vlm("gemma3"))
    vlm.fast = fast
    batch = vlm.encode([PROMPTS[0]], [tiny_image(0)])
    causal_only = iar.Batch(**{**batch.__dict__, "hf_inputs": {**batch.hf_inputs, "token_type_ids": None}})
    first_image = int(batch.image_positions[0].nonzero()[0])
    with torch.no_grad():
        both_ways = vlm.forward(batch)[0, first_image]
        causal = vlm.forward(causal_only)[0, first_image]
    assert max_diff(both_ways, causal) > 1e-3, "the first image token must see later image tokens"


def save_processor(processor, path):
    """Save like a hub repo; a processor without its video part (no torchvision) piece by piece."""
    if getattr(processor, "video_processor", "absent") is not None:
        processor.save_pretrained(path)
        return
    processor.tokenizer.save_pretrained(path)
    processor.image_processor.save_pretrained(path)
    config = {k: v for k, v in processor.to_dict().items() if k not in ("video_processor", "image_processor")}
    (path / "processor_config.json").write_text(json.dumps(config))
    (path / "chat_template.jinja").write_text(processor.chat_template)


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_load_from_a_local_directory(arch, tmp_path):
    hf, processor = tiny_vlm(arch, seed=1)
    hf.save_pretrained(tmp_path)
    save_processor(processor, tmp_path)
    vlm = iar.load(str(tmp_path))
    assert vlm.cfg.model_type == arch and vlm.cfg.name_or_path == str(tmp_path)
    batch = vlm.encode([PROMPTS[0]], [tiny_image(0)])
    with torch.no_grad():
        assert max_diff(vlm.forward(batch), hf(**batch.hf_inputs).logits) < TOL


def test_load_casts_dtype(tmp_path):
    hf, processor = tiny_vlm("llava")
    vlm = iar.load(hf, processor, dtype=torch.bfloat16, device="cpu")
    assert vlm.dtype == torch.bfloat16 and str(vlm.device) == "cpu"
    batch = vlm.encode([PROMPTS[0]], [tiny_image(0)])
    assert batch.embeds.dtype == torch.bfloat16
    with torch.no_grad():
        assert torch.isfinite(vlm.forward(batch).float()).all()
