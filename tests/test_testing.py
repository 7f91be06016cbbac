"""Tests of iar.testing: tiny random VLMs of every supported architecture, built offline."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import torch
from PIL import Image

import iar
from iar.testing import ARCHITECTURES, tiny_image, tiny_vlm

MODEL_CLASSES = {
    "llava": "LlavaForConditionalGeneration",
    "llava_next": "LlavaNextForConditionalGeneration",
    "qwen2_5_vl": "Qwen2_5_VLForConditionalGeneration",
    "gemma3": "Gemma3ForConditionalGeneration",
    "idefics3": "Idefics3ForConditionalGeneration",
    "internvl": "InternVLForConditionalGeneration",
}
BUILT = tuple(a for a in ARCHITECTURES if a in iar.testing._ARCHS)


def _messages(text: str, image: bool = True) -> list[dict]:
    content = ([{"type": "image"}] if image else []) + [{"type": "text", "text": text}]
    return [{"role": "user", "content": content}]


@pytest.fixture(scope="module", params=BUILT)
def tiny(request):
    arch = request.param
    hf, processor = tiny_vlm(arch)
    return arch, hf, processor


def test_there_is_a_tiny_model_for_every_architecture_iar_supports():
    assert set(ARCHITECTURES) == set(iar.model.SUPPORTED)


def test_every_architecture_is_built():
    assert BUILT == ARCHITECTURES


def test_model_is_the_real_class_in_eval_float32(tiny):
    arch, hf, _ = tiny
    assert type(hf).__name__ == MODEL_CLASSES[arch]
    assert type(hf).__module__.startswith("transformers.models.")
    assert hf.config.model_type == arch
    assert hf.config.architectures == [MODEL_CLASSES[arch]]
    assert hf.config.get_text_config().architectures
    assert not hf.training
    assert {p.dtype for p in hf.parameters()} == {torch.float32}


def test_config_is_tiny(tiny):
    _, hf, _ = tiny
    text = hf.config.get_text_config()
    assert text.num_hidden_layers == 2
    assert text.hidden_size <= 128
    assert text.num_attention_heads == 4
    assert text.num_attention_heads % text.num_key_value_heads == 0
    assert sum(p.numel() for p in hf.parameters()) < 2_000_000


def test_no_remote_code_anywhere(tiny):
    _, hf, processor = tiny
    assert not getattr(hf.config, "auto_map", None)
    cache_dir = Path(processor.tokenizer.name_or_path)
    assert cache_dir.is_dir()  # reloaded from disk, so TransformerLens finds name_or_path
    assert not list(cache_dir.glob("*.py"))


def test_image_prompt_forward_gives_finite_logits_over_the_vocab(tiny):
    _, hf, processor = tiny
    text = processor.apply_chat_template(_messages("Describe the object."), add_generation_prompt=True)
    inputs = processor(text=[text], images=[tiny_image()], return_tensors="pt")
    image_id = hf.config.image_token_id
    assert (inputs["input_ids"] == image_id).sum() > 0
    with torch.no_grad():
        logits = hf(**inputs).logits
    vocab = hf.config.get_text_config().vocab_size
    assert vocab == len(processor.tokenizer)
    assert logits.shape == (1, inputs["input_ids"].shape[1], vocab)
    assert torch.isfinite(logits).all()


def test_text_only_prompt_forward(tiny):
    _, hf, processor = tiny
    text = processor.apply_chat_template(_messages("Hello there.", image=False), add_generation_prompt=True)
    inputs = processor(text=[text], return_tensors="pt")
    assert (inputs["input_ids"] == hf.config.image_token_id).sum() == 0
    with torch.no_grad():
        logits = hf(**inputs).logits
    assert torch.isfinite(logits).all()


def test_generate_left_padded_batch_equals_one_by_one(tiny):
    _, hf, processor = tiny
    prompts = ["Hi.", "Describe the object in the picture in great detail, please."]
    texts = [processor.apply_chat_template(_messages(p), add_generation_prompt=True) for p in prompts]
    images = [tiny_image(0), tiny_image(1)]
    processor.tokenizer.padding_side = "left"
    # one list of images per prompt: the form every processor accepts for a batch
    batch = processor(text=texts, images=[[im] for im in images], return_tensors="pt", padding=True)
    assert (batch["attention_mask"][:, -1] == 1).all()  # left padded
    assert (batch["attention_mask"][0] == 0).any()  # the prompts really differ in length
    with torch.no_grad():
        out = hf.generate(**batch, max_new_tokens=4, do_sample=False, min_new_tokens=4)
    new = out[:, batch["input_ids"].shape[1] :]
    assert new.shape == (2, 4)
    for i in range(2):
        one = processor(text=[texts[i]], images=[[images[i]]], return_tensors="pt")
        with torch.no_grad():
            alone = hf.generate(**one, max_new_tokens=4, do_sample=False, min_new_tokens=4)
        assert alone[0, one["input_ids"].shape[1] :].tolist() == new[i].tolist()


STOP_TOKENS = {"qwen2_5_vl": ["<|endoftext|>"], "gemma3": ["<end_of_turn>"]}


def test_generation_config_has_eos_and_pad(tiny):
    arch, hf, processor = tiny
    tok = processor.tokenizer
    eos = hf.generation_config.eos_token_id
    eos = eos if isinstance(eos, list) else [eos]
    assert eos == [tok.eos_token_id, *tok.convert_tokens_to_ids(STOP_TOKENS.get(arch, []))]
    assert None not in eos and tok.unk_token_id not in eos
    assert hf.generation_config.pad_token_id == tok.pad_token_id is not None


def test_chat_template_is_on_processor_and_tokenizer(tiny):
    _, _, processor = tiny
    assert processor.chat_template
    assert processor.tokenizer.chat_template == processor.chat_template


@pytest.mark.parametrize("arch", BUILT)
def test_same_seed_same_weights_different_seed_different(arch):
    a, _ = tiny_vlm(arch, seed=3)
    b, _ = tiny_vlm(arch, seed=3)
    c, _ = tiny_vlm(arch, seed=4)
    sa, sb, sc = a.state_dict(), b.state_dict(), c.state_dict()
    assert sa.keys() == sb.keys() == sc.keys()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert not all(torch.equal(sa[k], sc[k]) for k in sa)


def test_seeding_leaves_the_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    tiny_vlm(BUILT[0], seed=7)
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.parametrize("arch", BUILT)
def test_builds_from_an_empty_cache_without_network(arch, tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("tiny_vlm tried to open a network connection")

    reference = tiny_vlm(arch)[1].tokenizer.get_vocab()
    monkeypatch.setenv("IAR_CACHE", str(tmp_path))
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    _, processor = tiny_vlm(arch)
    assert Path(processor.tokenizer.name_or_path).is_relative_to(tmp_path)
    assert not [p for p in (tmp_path / "tiny" / arch).iterdir() if p.name.startswith(".tmp-")]
    assert processor.tokenizer.get_vocab() == reference  # the build is deterministic


def test_unknown_architecture_is_an_iar_error():
    with pytest.raises(iar.UnsupportedModelError, match="llava"):
        tiny_vlm("gpt2")


def test_tiny_image_is_deterministic_rgb():
    a, b, c = tiny_image(0), tiny_image(0), tiny_image(1)
    assert isinstance(a, Image.Image) and a.mode == "RGB" and a.size == (32, 32)
    assert a.tobytes() == b.tobytes()
    assert a.tobytes() != c.tobytes()
    assert tiny_image(size=(40, 20)).size == (40, 20)
    with pytest.raises(iar.InputError):
        tiny_image(size=0)
