"""Bad input to load / encode / generate / record gets a clear iar error that names the fix."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import iar
from iar.testing import tiny_image, tiny_vlm


@pytest.fixture(scope="module")
def vlm():
    return iar.load(*tiny_vlm("llava"))


def test_unsupported_built_model_lists_what_is_supported():
    from transformers import LlamaConfig, LlamaForCausalLM

    text_only = LlamaForCausalLM(LlamaConfig(hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                             num_attention_heads=2, vocab_size=32))
    with pytest.raises(iar.UnsupportedModelError) as err:
        iar.load(text_only, tiny_vlm("llava")[1])
    message = str(err.value)
    assert "'llama'" in message
    for arch in iar.testing.ARCHITECTURES:
        assert arch in message


def test_unsupported_folder_fails_before_loading_weights(tmp_path):
    from transformers import PaliGemmaConfig

    PaliGemmaConfig().save_pretrained(tmp_path)  # a config and no weights at all
    with pytest.raises(iar.UnsupportedModelError, match="paligemma.*Supported architectures"):
        iar.load(str(tmp_path))


def test_built_model_needs_its_processor():
    hf, _ = tiny_vlm("llava")
    with pytest.raises(iar.InputError, match="needs its processor"):
        iar.load(hf)
    with pytest.raises(iar.InputError, match="only apply when loading from a hub id"):
        iar.load(hf, tiny_vlm("llava")[1], device_map="auto")


def test_prompts_and_images_of_different_lengths(vlm):
    with pytest.raises(iar.InputError, match="2 prompts but 1 images; pass one image"):
        vlm.encode(["a", "b"], [tiny_image()])
    with pytest.raises(iar.InputError, match="2 prompts but 1 images"):
        iar.record(vlm, ["a", "b"], [None], progress=False)
    with pytest.raises(iar.InputError, match="2 prompts but 3 responses"):
        vlm.encode(["a", "b"], None, ["x", "y", "z"])


@pytest.mark.parametrize(
    "image", [np.zeros((8, 8, 3), dtype=np.uint8), "picture.png", torch.zeros(3, 8, 8)],
    ids=["numpy", "path", "tensor"],
)
def test_image_that_is_not_a_pil_image(vlm, image):
    with pytest.raises(iar.InputError, match=r"images\[1\] is a .*not a PIL image.*Image.open"):
        vlm.encode(["a", "b"], [None, image])


def test_images_not_given_as_a_list(vlm):
    with pytest.raises(iar.InputError, match="one PIL image or None per prompt"):
        vlm.encode(["a", "b"], tiny_image())


def test_empty_prompt_list(vlm):
    with pytest.raises(iar.InputError, match="prompts is empty"):
        vlm.encode([])
    with pytest.raises(iar.InputError, match="prompts is empty"):
        iar.record(vlm, [], progress=False)


def test_prompt_that_is_not_text(vlm):
    with pytest.raises(iar.InputError, match=r"prompts\[0\] is a int"):
        vlm.encode([3])


def test_unknown_site_name(vlm):
    with pytest.raises(iar.SiteError, match="unknown site 'attn_z'; choose from"):
        iar.record(vlm, ["a"], sites=["attn_z"], progress=False)
    with pytest.raises(KeyError):  # SiteError is also a KeyError
        iar.record(vlm, ["a"], sites="q", progress=False)


def test_bad_positions(vlm):
    with pytest.raises(iar.InputError, match="outside prompt 0"):
        iar.record(vlm, ["a"], position=10_000, progress=False)
    with pytest.raises(iar.InputError, match="'middle' is unknown"):
        iar.record(vlm, ["a"], position="middle", progress=False)
    with pytest.raises(iar.InputError, match="needs a response for every prompt"):
        iar.record(vlm, ["a"], position="response", progress=False)
    with pytest.raises(iar.ShapeError, match="has 2 entries but that prompt has"):
        iar.record(vlm, ["a"], position=[torch.tensor([True, False])], progress=False)


def test_generate_checks_its_arguments(vlm):
    batch = vlm.encode(["a"])
    with pytest.raises(iar.InputError, match="expected an iar.Batch"):
        vlm.generate({"input_ids": batch.input_ids})
    with pytest.raises(iar.InputError, match="top_p"):
        vlm.generate(batch, do_sample=True, top_p=0.0)
    with pytest.raises(iar.InputError, match="temperature"):
        vlm.generate(batch, do_sample=True, temperature=0.0)


@pytest.mark.parametrize("mode", ["L", "RGBA", "P", "CMYK", "I;16", "I", "F", "1", "LA"])
def test_any_8_bit_image_mode_encodes_as_its_rgb_conversion(vlm, mode):
    image = tiny_image().convert(mode)  # values stay 0..255 in every mode
    got = vlm.encode(["a"], [image]).embeds
    assert torch.equal(got, vlm.encode(["a"], [image.convert("RGB")]).embeds)
