"""Per-architecture builders of the tiny models: processor, HF config and tokenizer spec, and
the chat templates shaped like the real models' (packaged as ``chat_template_<arch>.jinja``).

    >>> sorted(_ARCHS)[0]
    'gemma3'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iar.model._archs.loading import _accept_missing_video_processor
from iar.testing._tokenizer import _cache_root, _TokSpec

D_MODEL = 64
N_LAYERS = 2
N_HEADS = 4
D_VISION = 32

# the sizes every tiny text backbone and vision tower share
_TEXT_SIZES = dict(
    hidden_size=D_MODEL, intermediate_size=2 * D_MODEL, num_hidden_layers=N_LAYERS, num_attention_heads=N_HEADS
)
_VISION_SIZES = dict(hidden_size=D_VISION, intermediate_size=2 * D_VISION)


def _template(arch: str) -> str:
    """The chat template of a tiny ``arch``: the packaged file ``chat_template_<arch>.jinja``."""
    return (Path(__file__).parent / f"chat_template_{arch}.jinja").read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------
# per-architecture builders


@dataclass(frozen=True)
class _Arch:
    tok: _TokSpec
    processor: Callable[[Any], Any]  # tokenizer -> processor
    config: Callable[[Any], Any]  # tokenizer -> HF config
    model_class: str
    text_arch: str  # architectures entry of the text config (the backbone's CausalLM)
    sizes: dict[str, Any] = field(default_factory=dict)  # what the processor files depend on
    stop: tuple[str, ...] = ()  # tokens that also end generation, as in the real generation_config


def _tok_id(tok, token: str) -> int:
    idx = tok.convert_tokens_to_ids(token)
    if idx is None or idx == tok.unk_token_id:
        raise RuntimeError(f"tiny tokenizer lacks {token!r}; delete {_cache_root()} and retry")
    return int(idx)


def _text_ids(tok) -> dict[str, Any]:
    return dict(
        vocab_size=len(tok),
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
    )


# ---- llava (LLaVA-1.5: CLIP ViT + 2-layer MLP projector + Llama/Vicuna) ----------------------

_LLAVA_TEMPLATE = _template("llava")
_LLAVA_IMAGE = 28  # pixels; patch 7 -> 4 x 4 = 16 image tokens
_LLAVA_PATCH = 7


def _llava_processor(tok):
    from transformers import LlavaImageProcessorPil, LlavaProcessor

    image_processor = LlavaImageProcessorPil(
        size={"shortest_edge": _LLAVA_IMAGE},
        crop_size={"height": _LLAVA_IMAGE, "width": _LLAVA_IMAGE},
    )
    return LlavaProcessor(
        image_processor=image_processor,
        tokenizer=tok,
        patch_size=_LLAVA_PATCH,
        vision_feature_select_strategy="default",
        num_additional_image_tokens=1,  # CLIP's CLS token, dropped by the "default" strategy
        chat_template=_LLAVA_TEMPLATE,
    )


def _clip_vision(image_size: int, patch_size: int):
    from transformers import CLIPVisionConfig

    return CLIPVisionConfig(
        image_size=image_size,
        patch_size=patch_size,
        **_VISION_SIZES,
        projection_dim=D_VISION,
        num_hidden_layers=2,
        num_attention_heads=4,
    )


def _llava_config(tok):
    from transformers import LlamaConfig, LlavaConfig

    text = LlamaConfig(
        **_TEXT_SIZES,
        num_key_value_heads=N_HEADS,  # LLaVA-1.5's Vicuna has no grouped-query attention
        max_position_embeddings=1024,
        tie_word_embeddings=False,
        **_text_ids(tok),
    )
    return LlavaConfig(
        vision_config=_clip_vision(_LLAVA_IMAGE, _LLAVA_PATCH),
        text_config=text,
        image_token_index=_tok_id(tok, "<image>"),
        image_seq_length=(_LLAVA_IMAGE // _LLAVA_PATCH) ** 2,
        vision_feature_select_strategy="default",
        vision_feature_layer=-2,
        projector_hidden_act="gelu",
    )


# ---- llava_next (LLaVA-NeXT / 1.6 Mistral: CLIP ViT, any-resolution tiles + Mistral) --------

_LLAVA_NEXT_TEMPLATE = _template("llava_next")
# The real 336-px grid [[336, 672], [672, 336], [672, 672], [1008, 336], [336, 1008]] scaled to 28 px:
# a 32 x 32 image becomes a 2 x 2 tile grid plus the base image (88 image tokens).
_NEXT_PINPOINTS = [[28, 56], [56, 28], [56, 56], [84, 28], [28, 84]]


def _llava_next_processor(tok):
    from transformers import LlavaNextImageProcessorPil, LlavaNextProcessor

    image_processor = LlavaNextImageProcessorPil(
        size={"shortest_edge": _LLAVA_IMAGE},
        crop_size={"height": _LLAVA_IMAGE, "width": _LLAVA_IMAGE},
        image_grid_pinpoints=_NEXT_PINPOINTS,
    )
    return LlavaNextProcessor(
        image_processor=image_processor,
        tokenizer=tok,
        patch_size=_LLAVA_PATCH,
        vision_feature_select_strategy="default",
        num_additional_image_tokens=1,
        chat_template=_LLAVA_NEXT_TEMPLATE,
    )


def _llava_next_config(tok):
    from transformers import LlavaNextConfig, MistralConfig

    text = MistralConfig(
        **_TEXT_SIZES,
        num_key_value_heads=2,  # Mistral-7B: grouped-query attention (32 heads, 8 kv heads)
        head_dim=D_MODEL // N_HEADS,
        max_position_embeddings=1024,
        sliding_window=None,
        tie_word_embeddings=False,
        **_text_ids(tok),
    )
    return LlavaNextConfig(
        vision_config=_clip_vision(_LLAVA_IMAGE, _LLAVA_PATCH),
        text_config=text,
        image_token_index=_tok_id(tok, "<image>"),
        image_grid_pinpoints=_NEXT_PINPOINTS,
        image_seq_length=(_LLAVA_IMAGE // _LLAVA_PATCH) ** 2,
        vision_feature_select_strategy="default",
        vision_feature_layer=-2,
        projector_hidden_act="gelu",
    )


# ---- qwen2_5_vl (Qwen2.5-VL: windowed ViT with 2 x 2 patch merger + Qwen2 with 3-D rope) -----

_QWEN_TEMPLATE = _template("qwen2_5_vl")
_QWEN_PATCH = 7  # real: 14; with the 2 x 2 merger a 56 x 56 image gives 4 x 4 = 16 image tokens
_QWEN_MIN_PIXELS = 56 * 56
_QWEN_MAX_PIXELS = 112 * 112


def _qwen2_5_vl_processor(tok):
    from transformers import Qwen2_5_VLProcessor, Qwen2VLImageProcessorPil

    image_processor = Qwen2VLImageProcessorPil(
        size={"shortest_edge": _QWEN_MIN_PIXELS, "longest_edge": _QWEN_MAX_PIXELS},
        patch_size=_QWEN_PATCH,
        temporal_patch_size=2,
        merge_size=2,
    )
    # The real processor also holds a video processor, which needs torchvision (absent here).
    with _accept_missing_video_processor():
        return Qwen2_5_VLProcessor(
            image_processor=image_processor,
            tokenizer=tok,
            video_processor=None,
            chat_template=_QWEN_TEMPLATE,
        )


def _qwen2_5_vl_config(tok):
    from transformers import Qwen2_5_VLConfig

    head_dim = D_MODEL // N_HEADS
    text = dict(
        **_TEXT_SIZES,
        num_key_value_heads=2,  # Qwen2.5-VL-7B: 28 heads, 4 kv heads
        max_position_embeddings=1024,
        # 3-D rope: temporal/height/width sections of the head's rotary half (real: 16, 24, 24)
        rope_parameters={
            "rope_type": "default",
            "rope_theta": 1_000_000.0,
            "mrope_section": [2, 3, 3],
        },
        tie_word_embeddings=False,
        **_text_ids(tok),
    )
    assert sum(text["rope_parameters"]["mrope_section"]) == head_dim // 2
    vision = dict(
        depth=2,
        **_VISION_SIZES,
        num_heads=4,
        out_hidden_size=D_MODEL,
        patch_size=_QWEN_PATCH,
        spatial_merge_size=2,
        temporal_patch_size=2,
        window_size=2 * 2 * _QWEN_PATCH,  # 2 x 2 merged tokens per window: a 56-px image has 4
        fullatt_block_indexes=[1],  # block 0 windowed, block 1 full, as the real model alternates
    )
    return Qwen2_5_VLConfig(
        text_config=text,
        vision_config=vision,
        image_token_id=_tok_id(tok, "<|image_pad|>"),
        video_token_id=_tok_id(tok, "<|video_pad|>"),
        vision_start_token_id=_tok_id(tok, "<|vision_start|>"),
        vision_end_token_id=_tok_id(tok, "<|vision_end|>"),
        tie_word_embeddings=False,
    )


# ---- gemma3 (Gemma-3: SigLIP + pooled projector + Gemma-3 text, image tokens attend both ways) --

_GEMMA_TEMPLATE = _template("gemma3")
_GEMMA_IMAGE = 32  # real: 896 px, patch 14, 64 x 64 patches pooled to 16 x 16 = 256 tokens
_GEMMA_PATCH = 4  # here: 8 x 8 patches pooled to 4 x 4 = 16 image tokens
_GEMMA_TOKENS = 16


def _gemma3_processor(tok):
    from transformers import Gemma3ImageProcessorPil, Gemma3Processor

    image_processor = Gemma3ImageProcessorPil(
        size={"height": _GEMMA_IMAGE, "width": _GEMMA_IMAGE}, do_pan_and_scan=False
    )
    return Gemma3Processor(
        image_processor=image_processor,
        tokenizer=tok,
        chat_template=_GEMMA_TEMPLATE,
        image_seq_length=_GEMMA_TOKENS,
    )


def _gemma3_config(tok):
    from transformers import Gemma3Config, Gemma3TextConfig, SiglipVisionConfig

    head_dim = D_MODEL // N_HEADS
    text = Gemma3TextConfig(
        **_TEXT_SIZES,
        num_key_value_heads=2,  # Gemma-3-4B: 8 heads, 4 kv heads
        head_dim=head_dim,
        query_pre_attn_scalar=head_dim,
        max_position_embeddings=1024,
        sliding_window=512,
        layer_types=["sliding_attention", "full_attention"],  # real: 5 local per global layer
        tie_word_embeddings=True,
        **_text_ids(tok),
    )
    vision = SiglipVisionConfig(
        image_size=_GEMMA_IMAGE,
        patch_size=_GEMMA_PATCH,
        **_VISION_SIZES,
        num_hidden_layers=2,
        num_attention_heads=4,
        vision_use_head=False,
    )
    return Gemma3Config(
        text_config=text,
        vision_config=vision,
        mm_tokens_per_image=_GEMMA_TOKENS,
        boi_token_index=_tok_id(tok, "<start_of_image>"),
        eoi_token_index=_tok_id(tok, "<end_of_image>"),
        image_token_index=_tok_id(tok, "<image_soft_token>"),
        tie_word_embeddings=True,
    )


# ---- idefics3 (Idefics3 / SmolVLM: SigLIP-like ViT, pixel shuffle, image tiles + Llama) -------

_IDEFICS_TEMPLATE = _template("idefics3")
_IDEFICS_TILE = 32  # real SmolVLM: 512-px tiles, patch 16, pixel shuffle 4 -> 64 tokens per tile
_IDEFICS_PATCH = 4  # here: 8 x 8 patches, pixel shuffle 2 -> 16 tokens per tile
_IDEFICS_SHUFFLE = 2
_IDEFICS_LONGEST = 2 * _IDEFICS_TILE  # images are split into at most 2 x 2 tiles plus a global view
_IDEFICS_ROW_COL = tuple(f"<row_{i}_col_{j}>" for i in range(1, 7) for j in range(1, 7))


def _idefics3_processor(tok):
    from transformers import Idefics3ImageProcessorPil, Idefics3Processor

    image_processor = Idefics3ImageProcessorPil(
        size={"longest_edge": _IDEFICS_LONGEST},
        max_image_size={"longest_edge": _IDEFICS_TILE},
        do_image_splitting=True,
    )
    return Idefics3Processor(
        image_processor=image_processor,
        tokenizer=tok,
        image_seq_len=(_IDEFICS_TILE // _IDEFICS_PATCH) ** 2 // _IDEFICS_SHUFFLE**2,
        chat_template=_IDEFICS_TEMPLATE,
    )


def _idefics3_config(tok):
    from transformers import Idefics3Config, Idefics3VisionConfig, LlamaConfig

    text = LlamaConfig(
        **_TEXT_SIZES,
        num_key_value_heads=2,  # SmolVLM's SmolLM2 and Idefics3's Llama-3 use grouped-query attention
        max_position_embeddings=1024,
        rms_norm_eps=1e-5,
        tie_word_embeddings=False,
        **_text_ids(tok),
    )
    vision = Idefics3VisionConfig(
        image_size=_IDEFICS_TILE,
        patch_size=_IDEFICS_PATCH,
        **_VISION_SIZES,
        num_hidden_layers=2,
        num_attention_heads=4,
    )
    return Idefics3Config(
        text_config=text,
        vision_config=vision,
        image_token_id=_tok_id(tok, "<image>"),
        scale_factor=_IDEFICS_SHUFFLE,
        tie_word_embeddings=False,
    )


# ---- internvl (InternVL in HF format: InternViT, pixel shuffle, tiles + Qwen2) ---------------

_INTERNVL_TEMPLATE = _template("internvl")
_INTERNVL_TILE = 32  # real: 448-px tiles, patch 14, pixel shuffle 0.5 -> 256 tokens per tile
_INTERNVL_PATCH = 4  # here: 8 x 8 patches -> 16 tokens per tile
_INTERNVL_MAX_TILES = 4  # real: 12; a square image of tile size is one tile (no thumbnail)


def _internvl_processor(tok):
    from transformers import GotOcr2ImageProcessorPil, InternVLProcessor

    image_processor = GotOcr2ImageProcessorPil(
        size={"height": _INTERNVL_TILE, "width": _INTERNVL_TILE},
        crop_to_patches=True,
        min_patches=1,
        max_patches=_INTERNVL_MAX_TILES,
    )
    # The real processor also holds a video processor, which needs torchvision (absent here).
    with _accept_missing_video_processor():
        return InternVLProcessor(
            image_processor=image_processor,
            tokenizer=tok,
            video_processor=None,
            image_seq_length=(_INTERNVL_TILE // _INTERNVL_PATCH) ** 2 // 4,
            chat_template=_INTERNVL_TEMPLATE,
        )


def _internvl_config(tok):
    from transformers import InternVLConfig, InternVLVisionConfig, Qwen2Config

    text = Qwen2Config(
        **_TEXT_SIZES,
        num_key_value_heads=2,  # InternVL3-1B's Qwen2.5-0.5B: 14 heads, 2 kv heads
        max_position_embeddings=1024,
        tie_word_embeddings=True,
        **_text_ids(tok),
    )
    vision = InternVLVisionConfig(
        image_size=[_INTERNVL_TILE, _INTERNVL_TILE],
        patch_size=[_INTERNVL_PATCH, _INTERNVL_PATCH],
        **_VISION_SIZES,
        num_hidden_layers=2,
        num_attention_heads=4,
    )
    return InternVLConfig(
        text_config=text,
        vision_config=vision,
        image_token_id=_tok_id(tok, "<IMG_CONTEXT>"),
        image_seq_length=(_INTERNVL_TILE // _INTERNVL_PATCH) ** 2 // 4,
        downsample_ratio=0.5,
        vision_feature_layer=-1,
        vision_feature_select_strategy="default",
        tie_word_embeddings=True,
    )


_ARCHS: dict[str, _Arch] = {
    "llava": _Arch(
        tok=_TokSpec(
            bos="<s>",
            eos="</s>",
            pad="<pad>",
            unk="<unk>",
            extra=("<image>",),
            named={"image_token": "<image>"},
            add_bos=True,
            chat_template=_LLAVA_TEMPLATE,
        ),
        processor=_llava_processor,
        config=_llava_config,
        model_class="LlavaForConditionalGeneration",
        text_arch="LlamaForCausalLM",
        sizes={"image": _LLAVA_IMAGE, "patch": _LLAVA_PATCH},
    ),
    "llava_next": _Arch(
        tok=_TokSpec(
            bos="<s>",
            eos="</s>",
            pad="<pad>",
            unk="<unk>",
            extra=("<image>",),
            named={"image_token": "<image>"},
            add_bos=True,
            chat_template=_LLAVA_NEXT_TEMPLATE,
        ),
        processor=_llava_next_processor,
        config=_llava_next_config,
        model_class="LlavaNextForConditionalGeneration",
        text_arch="MistralForCausalLM",
        sizes={"image": _LLAVA_IMAGE, "patch": _LLAVA_PATCH, "pinpoints": _NEXT_PINPOINTS},
    ),
    "qwen2_5_vl": _Arch(
        tok=_TokSpec(
            bos=None,
            eos="<|im_end|>",
            pad="<|endoftext|>",
            unk=None,
            extra=(
                "<|im_start|>",
                "<|vision_start|>",
                "<|vision_end|>",
                "<|image_pad|>",
                "<|video_pad|>",
            ),
            named={"image_token": "<|image_pad|>", "video_token": "<|video_pad|>"},
            chat_template=_QWEN_TEMPLATE,
        ),
        processor=_qwen2_5_vl_processor,
        config=_qwen2_5_vl_config,
        model_class="Qwen2_5_VLForConditionalGeneration",
        text_arch="Qwen2ForCausalLM",
        stop=("<|endoftext|>",),
        sizes={"patch": _QWEN_PATCH, "pixels": [_QWEN_MIN_PIXELS, _QWEN_MAX_PIXELS]},
    ),
    "gemma3": _Arch(
        tok=_TokSpec(
            bos="<bos>",
            eos="<eos>",
            pad="<pad>",
            unk="<unk>",
            extra=(
                "<start_of_turn>",
                "<end_of_turn>",
                "<start_of_image>",
                "<end_of_image>",
                "<image_soft_token>",
            ),
            named={
                "boi_token": "<start_of_image>",
                "eoi_token": "<end_of_image>",
                "image_token": "<image_soft_token>",
            },
            add_bos=True,
            chat_template=_GEMMA_TEMPLATE,
        ),
        processor=_gemma3_processor,
        config=_gemma3_config,
        model_class="Gemma3ForConditionalGeneration",
        text_arch="Gemma3ForCausalLM",
        stop=("<end_of_turn>",),
        sizes={"image": _GEMMA_IMAGE, "patch": _GEMMA_PATCH, "tokens": _GEMMA_TOKENS},
    ),
    "idefics3": _Arch(
        tok=_TokSpec(
            bos="<|im_start|>",
            eos="<end_of_utterance>",
            pad="<|im_end|>",
            unk="<|endoftext|>",
            extra=(
                "<fake_token_around_image>",
                "<image>",
                "<global-img>",
                *_IDEFICS_ROW_COL,
            ),
            named={"image_token": "<image>"},
            chat_template=_IDEFICS_TEMPLATE,
        ),
        processor=_idefics3_processor,
        config=_idefics3_config,
        model_class="Idefics3ForConditionalGeneration",
        text_arch="LlamaForCausalLM",
        sizes={"tile": _IDEFICS_TILE, "patch": _IDEFICS_PATCH, "longest": _IDEFICS_LONGEST},
    ),
    "internvl": _Arch(
        tok=_TokSpec(
            bos=None,
            eos="<|im_end|>",
            pad="<|endoftext|>",
            unk=None,
            extra=("<|im_start|>", "<img>", "</img>", "<IMG_CONTEXT>", "<video>"),
            named={
                "start_image_token": "<img>",
                "end_image_token": "</img>",
                "context_image_token": "<IMG_CONTEXT>",
                "video_token": "<video>",
            },
            chat_template=_INTERNVL_TEMPLATE,
        ),
        processor=_internvl_processor,
        config=_internvl_config,
        model_class="InternVLForConditionalGeneration",
        text_arch="Qwen2ForCausalLM",
        sizes={"tile": _INTERNVL_TILE, "patch": _INTERNVL_PATCH, "tiles": _INTERNVL_MAX_TILES},
    ),
}
