"""What differs between the supported VLM architectures, in one table and three small functions.

Everything that is the same for all of them (chat template, processor call, splicing through the
HF model's own merge code, the bridge around the language backbone, the generation loop) lives in
:mod:`iar.model`. Here are only the per-architecture facts:

- where the language backbone sits (``hf.model.language_model`` or, for Idefics3,
  ``hf.model.text_model``) and which HF causal-LM class (and so which TransformerLens adapter)
  fits around it;
- position ids: 1-D ``cumsum(mask) - 1`` for left padding, or Qwen2.5-VL's 3-D multimodal rope ids
  from ``get_rope_index``;
- the prompt's attention mask: a plain 2-D padding mask, or Gemma-3's masks in which the tokens
  of one image attend to each other bidirectionally (built by HF's own
  ``create_masks_for_generate`` from ``token_type_ids``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import torch

from iar.errors import UnsupportedModelError
from iar.model import placement


@dataclass(frozen=True)
class ArchSpec:
    """Facts about one supported architecture (keyed by its HF ``model_type``).

    Args:
        model_type: the HF ``config.model_type``.
        name: human name.
        hf_class: the HF class (``AutoModelForImageTextToText`` resolves it).
        example: an example hub id.
        decoder_attr: attribute of ``hf.model`` that holds the language backbone.
        rope: ``"1d"`` or ``"mrope"`` (Qwen2.5-VL's 3-D rope ids).
        bidirectional_images: image tokens attend to each other both ways (Gemma-3).
        splice: one line on how image features reach the text embeddings (for the docs).

    Example:
        >>> SPECS["llava"].decoder_attr
        'language_model'
    """

    model_type: str
    name: str
    hf_class: str
    example: str
    decoder_attr: str = "language_model"
    rope: str = "1d"
    bidirectional_images: bool = False
    splice: str = ""


SPECS: dict[str, ArchSpec] = {
    s.model_type: s
    for s in (
        ArchSpec(
            "llava",
            "LLaVA-1.5",
            "LlavaForConditionalGeneration",
            "llava-hf/llava-1.5-7b-hf",
            splice="CLIP patch features (CLS dropped) -> 2-layer MLP -> one embedding per <image> token",
        ),
        ArchSpec(
            "llava_next",
            "LLaVA-NeXT (1.6)",
            "LlavaNextForConditionalGeneration",
            "llava-hf/llava-v1.6-mistral-7b-hf",
            splice="any-resolution tiles + base image through CLIP and the MLP, unpadded, with "
            "image_newline rows -> <image> tokens",
        ),
        ArchSpec(
            "qwen2_5_vl",
            "Qwen2.5-VL",
            "Qwen2_5_VLForConditionalGeneration",
            "Qwen/Qwen2.5-VL-7B-Instruct",
            rope="mrope",
            splice="windowed ViT on native-resolution patches, 2x2 patch merger -> <|image_pad|> "
            "tokens; 3-D (temporal, height, width) rope ids from get_rope_index",
        ),
        ArchSpec(
            "gemma3",
            "Gemma-3",
            "Gemma3ForConditionalGeneration",
            "google/gemma-3-4b-it",
            bidirectional_images=True,
            splice="SigLIP features avg-pooled to 256 tokens, RMS-normed and projected -> "
            "<image_soft_token> tokens; the image's tokens attend to each other bidirectionally",
        ),
        ArchSpec(
            "idefics3",
            "Idefics3 / SmolVLM",
            "Idefics3ForConditionalGeneration",
            "HuggingFaceTB/SmolVLM-Instruct",
            decoder_attr="text_model",
            splice="image split into tiles + global view, SigLIP features pixel-shuffled and "
            "projected -> <image> tokens between <fake_token_around_image> markers",
        ),
        ArchSpec(
            "internvl",
            "InternVL (HF format)",
            "InternVLForConditionalGeneration",
            "OpenGVLab/InternVL3-1B-hf",
            splice="dynamic tiles through InternViT, pixel-shuffle + MLP projector -> <IMG_CONTEXT> "
            "tokens between <img> and </img>",
        ),
    )
}


def spec_for(config: Any) -> ArchSpec:
    """The :class:`ArchSpec` of an HF config, or an error that lists what is supported.

    Args:
        config: an HF ``PretrainedConfig`` of a vision-language model.

    Raises:
        UnsupportedModelError: the ``model_type`` is not one of :data:`SPECS`.

    Example:
        >>> from transformers import LlavaConfig
        >>> spec_for(LlavaConfig()).name
        'LLaVA-1.5'
    """
    model_type = getattr(config, "model_type", None)
    if model_type not in SPECS:
        listed = ", ".join(f"{s.model_type} ({s.name}, e.g. {s.example})" for s in SPECS.values())
        raise UnsupportedModelError(
            f"iar does not support model_type {model_type!r}. Supported architectures: {listed}. "
            "Load one of these, or open an issue naming the architecture you need."
        )
    return SPECS[model_type]


def backbone_class(text_config: Any) -> tuple[type, str]:
    """The HF causal-LM class to build around the language backbone, and its architecture name.

    The name selects the TransformerLens adapter. Qwen2.5-VL's text model has no causal-LM class
    of its own; its layers have Qwen2's layout (q/k/v biases, RMSNorm, gated MLP) and its 3-D rope
    is applied inside HF's rotary module, so ``Qwen2ForCausalLM`` fits around it.

    Example:
        >>> from transformers import LlamaConfig
        >>> backbone_class(LlamaConfig())[1]
        'LlamaForCausalLM'
    """
    from transformers import AutoModelForCausalLM, Qwen2ForCausalLM

    if text_config.model_type == "qwen2_5_vl_text":
        return Qwen2ForCausalLM, "Qwen2ForCausalLM"
    try:
        cls = AutoModelForCausalLM._model_mapping[type(text_config)]
    except KeyError as err:
        raise UnsupportedModelError(
            f"the language backbone {text_config.model_type!r} has no causal-LM class in "
            "transformers, so iar cannot wrap it; use a model whose text model is Llama, Mistral, "
            "Qwen2, Gemma-3 or another causal LM that TransformerLens supports."
        ) from err
    return cls, cls.__name__


def backbone_shell(hf: Any, spec: ArchSpec) -> tuple[torch.nn.Module, str]:
    """A causal-LM module whose ``model`` and ``lm_head`` are the VLM's own backbone and head.

    Built on the meta device first, so no weights are allocated; then the real modules are put
    in. The VLM and the shell share those modules, so the bridge that wraps the shell's layers
    wraps the VLM's layers too.

    Example:
        >>> shell, arch = backbone_shell(hf, SPECS["llava"])  # doctest: +SKIP
    """
    decoder = getattr(hf.model, spec.decoder_attr)
    text_config = hf.config.get_text_config(decoder=True)
    cls, arch = backbone_class(text_config)
    config = copy.deepcopy(text_config)
    config.architectures = [arch]
    with torch.device("meta"):
        shell = cls(config)
    shell.model = decoder
    shell.lm_head = hf.lm_head
    shell.config = config
    # offloaded parameters (device_map with "cpu"/"disk") are meta placeholders that accelerate
    # fills around each module's forward: provided, just not resident
    offloaded = placement.offloaded_names(shell)
    leftover = [n for n, p in shell.named_parameters() if p.is_meta and n not in offloaded]
    if leftover:  # pragma: no cover - would mean the class has parts the VLM does not
        raise UnsupportedModelError(
            f"{arch} has parameters the VLM does not provide ({leftover[:3]}); iar cannot wrap it."
        )
    return shell, arch


def position_ids(
    hf: Any, spec: ArchSpec, inputs: dict[str, torch.Tensor], attention_mask: torch.Tensor
) -> torch.Tensor:
    """Position ids for a left-padded prompt batch, as HF's ``generate`` computes them.

    1-D: ``cumsum(mask) - 1`` (pads get 0), shape ``[b, pos]``. Qwen2.5-VL: the 3-D rope ids
    ``[3, b, pos]`` from ``hf.model.get_rope_index`` (text tokens share one id in all three
    rows; image tokens get temporal/height/width ids).

    Example:
        >>> position_ids(hf, SPECS["llava"], inputs, inputs["attention_mask"])  # doctest: +SKIP
    """
    mask = attention_mask.long()
    text = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 0)
    if spec.rope != "mrope":
        return text
    grid = inputs.get("image_grid_thw")
    if grid is None:
        return text.unsqueeze(0).expand(3, -1, -1).clone()
    input_ids = inputs["input_ids"]
    mm_types = inputs.get("mm_token_type_ids")
    if mm_types is None:
        mm_types = (input_ids == hf.config.image_token_id).int()
    ids, _ = hf.model.get_rope_index(
        input_ids, mm_token_type_ids=mm_types, image_grid_thw=grid, attention_mask=mask
    )
    return ids


def prompt_mask(
    hf: Any,
    spec: ArchSpec,
    embeds: torch.Tensor,
    attention_mask: torch.Tensor,
    position_ids: torch.Tensor,
    token_type_ids: torch.Tensor | None,
    cache: Any = None,
) -> Any:
    """The attention mask to hand the backbone for a pass over prompt positions.

    Most architectures take the 2-D padding mask and build the causal mask themselves. Gemma-3
    lets an image's tokens see each other: given ``token_type_ids`` (1 at image tokens) this
    returns HF's own ``{"full_attention": ..., "sliding_attention": ...}`` masks for the cache
    in use.

    Example:
        >>> prompt_mask(hf, SPECS["llava"], emb, mask, pos, None)  # doctest: +SKIP
    """
    if not spec.bidirectional_images or token_type_ids is None:
        return attention_mask
    return type(hf).create_masks_for_generate(
        config=hf.config,
        inputs_embeds=embeds,
        attention_mask=attention_mask,
        past_key_values=cache,
        position_ids=position_ids,
        token_type_ids=token_type_ids,
    )
