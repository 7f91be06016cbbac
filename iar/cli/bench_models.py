"""The benches' models: a random-weight LLaVA-style model of a chosen :class:`Shape` (real HF
classes, the tiny offline tokenizer of :mod:`iar.testing`), wrapped by ``iar.load``, and a plain
HF twin that shares its weights.

    >>> parse_shape("4x8x64").n_layers
    4
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from iar.errors import InputError

if TYPE_CHECKING:  # pragma: no cover - torch is imported where it is used, so
    import torch  # `iar --help` and argument parsing stay fast


# --------------------------------------------------------------------------------------------
# shapes


@dataclass(frozen=True)
class Shape:
    """Sizes of a random LLaVA-style model: a Llama backbone and a CLIP vision tower.

    Attributes:
        name: label used in reports.
        n_layers, d_model, n_heads, d_mlp, vocab: the Llama text backbone.
        vision_layers, vision_d, vision_heads, image_size, patch_size: the CLIP tower
            (``(image_size // patch_size) ** 2`` image tokens per image).

    Example:
        >>> SHAPES["mid"].n_layers, SHAPES["mid"].d_model
        (8, 1024)
    """

    name: str
    n_layers: int
    d_model: int
    n_heads: int
    d_mlp: int
    vocab: int = 32064  # LLaVA-1.5's vocabulary (32000 + image and pad tokens, padded)
    vision_layers: int = 2
    vision_d: int = 64
    vision_heads: int = 4
    image_size: int = 28
    patch_size: int = 7

    @property
    def image_tokens(self) -> int:
        """Image tokens per image."""
        return (self.image_size // self.patch_size) ** 2


def _mlp(d_model: int) -> int:
    """Llama's MLP width ratio (11008 / 4096), rounded to a multiple of 64."""
    return round(d_model * 11008 / 4096 / 64) * 64


SHAPES: dict[str, Shape] = {
    # what --quick runs: small enough for a test, big enough that compute is not all overhead
    "small": Shape("small", 4, 256, 8, _mlp(256)),
    # the mid-size shape: 8 layers, d_model 1024, 16 heads
    "mid": Shape("mid", 8, 1024, 16, _mlp(1024)),
    # LLaVA-1.5-7B: Vicuna-7B backbone and CLIP ViT-L/14 at 336 px (576 image tokens)
    "llava-7b": Shape(
        "llava-7b", 32, 4096, 32, 11008,
        vision_layers=24, vision_d=1024, vision_heads=16, image_size=336, patch_size=14,
    ),
}


def parse_shape(shape: str | Shape | None, quick: bool = False) -> Shape:
    """A :class:`Shape` from a name in :data:`SHAPES`, ``"LxDxH"`` (layers x d_model x heads) or a Shape.

    ``None`` gives ``"small"`` when ``quick`` else ``"mid"``.

    Raises:
        InputError: an unknown name or a malformed ``LxDxH``.

    Example:
        >>> parse_shape("12x768x12").d_mlp
        2048
    """
    if isinstance(shape, Shape):
        return shape
    if shape is None:
        return SHAPES["small" if quick else "mid"]
    if not isinstance(shape, str):
        raise InputError(f"shape must be a name or 'LxDxH', got {type(shape).__name__}.")
    if shape in SHAPES:
        return SHAPES[shape]
    parts = shape.lower().split("x")
    try:
        n_layers, d_model, n_heads = (int(p) for p in parts)
    except ValueError:
        raise InputError(
            f"unknown shape {shape!r}; use one of {sorted(SHAPES)} or 'LxDxH' such as "
            "'8x1024x16' (layers x d_model x heads)."
        ) from None
    if min(n_layers, d_model, n_heads) < 1 or d_model % n_heads:
        raise InputError(
            f"shape {shape!r}: sizes must be positive and d_model divisible by the head count."
        )
    return Shape(shape, n_layers, d_model, n_heads, _mlp(d_model))


# --------------------------------------------------------------------------------------------
# models


def _dtype(dtype: Any) -> torch.dtype:
    import torch

    from iar.model._inputs import check_dtype

    value = check_dtype(None if dtype == "auto" else dtype)
    return torch.float32 if value is None else value


def _processor(shape: Shape) -> Any:
    """The tiny LLaVA processor of :mod:`iar.testing`, with an image processor for ``shape``."""
    from transformers import LlavaImageProcessorPil, LlavaProcessor

    from iar.testing import tiny_vlm

    _, tiny = tiny_vlm("llava")
    image_processor = LlavaImageProcessorPil(
        size={"shortest_edge": shape.image_size},
        crop_size={"height": shape.image_size, "width": shape.image_size},
    )
    return LlavaProcessor(
        image_processor=image_processor,
        tokenizer=tiny.tokenizer,
        patch_size=shape.patch_size,
        vision_feature_select_strategy="default",
        num_additional_image_tokens=1,
        chat_template=tiny.chat_template,
    )


def _config(shape: Shape, tok: Any, image_token: str) -> Any:
    from transformers import CLIPVisionConfig, LlamaConfig, LlavaConfig

    if shape.vocab < len(tok):
        raise InputError(f"shape vocab {shape.vocab} is smaller than the tokenizer ({len(tok)}).")
    text = LlamaConfig(
        hidden_size=shape.d_model,
        intermediate_size=shape.d_mlp,
        num_hidden_layers=shape.n_layers,
        num_attention_heads=shape.n_heads,
        num_key_value_heads=shape.n_heads,
        max_position_embeddings=4096,
        tie_word_embeddings=False,
        vocab_size=shape.vocab,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
    )
    text.architectures = ["LlamaForCausalLM"]
    vision = CLIPVisionConfig(
        image_size=shape.image_size,
        patch_size=shape.patch_size,
        hidden_size=shape.vision_d,
        intermediate_size=4 * shape.vision_d,
        projection_dim=shape.vision_d,
        num_hidden_layers=shape.vision_layers,
        num_attention_heads=shape.vision_heads,
    )
    config = LlavaConfig(
        vision_config=vision,
        text_config=text,
        image_token_index=int(tok.convert_tokens_to_ids(image_token)),
        image_seq_length=shape.image_tokens,
        vision_feature_select_strategy="default",
        vision_feature_layer=-2,
        projector_hidden_act="gelu",
    )
    config.architectures = ["LlavaForConditionalGeneration"]
    return config


def _twin(model: torch.nn.Module) -> torch.nn.Module:
    """A second HF model object sharing every parameter and buffer tensor with ``model``.

    Built from a copy of the config before ``iar.load`` wraps ``model``, so it keeps the
    attention implementation HF picked (sdpa) and runs with no hooks: the plain-HF baseline.
    """
    import torch

    with torch.device("meta"):
        twin = type(model)(copy.deepcopy(model.config))
    twin.load_state_dict(model.state_dict(), assign=True, strict=True)
    for name, buf in model.named_buffers():
        owner, _, attr = name.rpartition(".")
        twin.get_submodule(owner)._buffers[attr] = buf
    twin.generation_config = copy.deepcopy(model.generation_config)
    return twin.eval()


@dataclass
class Models:
    """What a bench runs on: the wrapped model, its plain twin and the processor.

    Example:
        >>> m = build_models("small")  # doctest: +SKIP
        >>> m.vlm.cfg.n_layers  # doctest: +SKIP
        4
    """

    vlm: Any
    plain: torch.nn.Module
    processor: Any
    shape: Shape


def build_models(
    shape: str | Shape | None = None,
    *,
    device: str | torch.device | None = None,
    dtype: Any = None,
    seed: int = 0,
) -> Models:
    """A random LLaVA-style model of ``shape``, loaded with :func:`iar.load`, and its plain twin.

    End-of-sequence tokens get a zero row in ``lm_head`` so greedy decoding never stops early:
    every run produces exactly ``max_new_tokens`` tokens and runs compare like with like.

    Args:
        shape: see :func:`parse_shape`.
        device: where to build the weights (default CPU).
        dtype: weight dtype (``torch.bfloat16`` or ``"bfloat16"``; default float32).
        seed: weight initialisation seed.

    Example:
        >>> m = build_models("small", seed=0)  # doctest: +SKIP
        >>> m.plain is not m.vlm.hf  # doctest: +SKIP
        True
    """
    import torch
    from transformers import LlavaForConditionalGeneration

    import iar

    shape = parse_shape(shape)
    dt = _dtype(dtype)
    dev = torch.device(device or "cpu")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise InputError(
            "device 'cuda' asked for, but this torch has no usable GPU (torch.cuda.is_available() "
            "is False); run on a GPU machine with a CUDA build of torch, or use --device cpu."
        )
    processor = _processor(shape)
    tok = processor.tokenizer
    config = _config(shape, tok, processor.image_token)
    with torch.random.fork_rng(devices=[]), torch.device(dev):
        torch.manual_seed(seed)
        hf = LlavaForConditionalGeneration._from_config(config, dtype=dt)
    hf = hf.to(dev).eval()
    gen = hf.generation_config
    gen.bos_token_id, gen.eos_token_id, gen.pad_token_id = (
        tok.bos_token_id, tok.eos_token_id, tok.pad_token_id,
    )
    gen.do_sample = False
    with torch.no_grad():
        hf.lm_head.weight[tok.eos_token_id] = 0
        if hf.lm_head.bias is not None:  # pragma: no cover - Llama has none
            hf.lm_head.bias[tok.eos_token_id] = 0
    plain = _twin(hf)
    vlm = iar.load(hf, processor)
    return Models(vlm, plain, processor, shape)
