"""Tiny random vision-language models of every supported architecture, built offline.

Each :func:`tiny_vlm` is a real Hugging Face VLM class (``LlavaForConditionalGeneration``, ...)
with random weights, two text layers, ``d_model = 64``, a two-layer vision tower and small images,
plus the real processor class with a locally built byte-level BPE tokenizer and a chat template
shaped like the real model's. Nothing touches the network: tokenizer and processor files are
built once and cached under ``~/.cache/iar/tiny/<arch>`` (``$IAR_CACHE`` overrides ``~/.cache/iar``),
weights are drawn from ``seed`` on every call. This is what the tests and quick experiments run on.

    >>> from iar.testing import tiny_vlm, tiny_image
    >>> hf, processor = tiny_vlm("llava")
    >>> hf.config.text_config.num_hidden_layers
    2
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from iar.errors import InputError, UnsupportedModelError
from iar.testing._archs import _ARCHS, D_MODEL, D_VISION, N_HEADS, N_LAYERS, _tok_id  # noqa: F401
from iar.testing._tokenizer import BPE_VOCAB, _build_tokenizer, _cached_dir, _load_tokenizer  # noqa: F401

ARCHITECTURES = ("llava", "llava_next", "qwen2_5_vl", "gemma3", "idefics3", "internvl")


# --------------------------------------------------------------------------------------------
# images


def tiny_image(seed: int = 0, size: int | tuple[int, int] | None = None) -> Image.Image:
    """A small deterministic RGB image: a colour gradient with a seeded square on it.

    Args:
        seed: picks the colours and the square's place; same seed, same pixels.
        size: ``(width, height)`` or one int for a square; default 32 x 32.

    Returns:
        A ``PIL.Image.Image`` in mode ``"RGB"``.

    Example:
        >>> img = tiny_image(seed=1)
        >>> img.size, img.mode
        ((32, 32), 'RGB')
    """
    if size is None:
        size = (32, 32)
    if isinstance(size, int):
        size = (size, size)
    width, height = (int(s) for s in size)
    if width < 1 or height < 1:
        raise InputError(f"tiny_image size must be positive, got {size!r}; pass e.g. size=32.")
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    base = rng.integers(0, 256, size=3).astype(np.float32)
    pixels = np.stack(
        [
            base[0] + 128 * xs / max(width - 1, 1),
            base[1] + 128 * ys / max(height - 1, 1),
            base[2] + 64 * (xs + ys) / max(width + height - 2, 1),
        ],
        axis=-1,
    ) % 256
    side = max(1, min(width, height) // 3)
    x0 = int(rng.integers(0, width - side + 1))
    y0 = int(rng.integers(0, height - side + 1))
    pixels[y0 : y0 + side, x0 : x0 + side] = rng.integers(0, 256, size=3)
    return Image.fromarray(pixels.astype(np.uint8), mode="RGB")




# --------------------------------------------------------------------------------------------
# public entry point


def _build_processor(arch: str):
    spec = _ARCHS[arch]

    def build(out: Path) -> None:
        _build_tokenizer(spec.tok, out)
        processor = spec.processor(_load_tokenizer(out))
        if getattr(processor, "video_processor", "absent") is None:
            # save_pretrained cannot write a processor without its video processor; keep the
            # parts (loading them back with AutoProcessor needs torchvision for the video part)
            processor.image_processor.save_pretrained(str(out))
            (out / "chat_template.jinja").write_text(processor.chat_template)
        else:
            processor.save_pretrained(str(out))

    path = _cached_dir(arch, spec.tok, build, spec.sizes)
    processor = spec.processor(_load_tokenizer(path))
    return processor, path


def tiny_vlm(arch: str, seed: int = 0) -> tuple[torch.nn.Module, Any]:
    """A tiny random HF vision-language model of ``arch`` and its processor, built offline.

    The model is the real HF class (e.g. ``LlavaForConditionalGeneration``) with 2 text layers,
    ``d_model = 64``, 4 attention heads (grouped-query key/value heads where the real
    architecture has them), a 2-layer vision tower and small images; float32, eval mode,
    ``config.architectures`` set. The processor is the real processor class with a small image
    processor (no torchvision needed) and a byte-level BPE tokenizer trained on a built-in
    corpus, saved under ``~/.cache/iar/tiny/<arch>`` and reloaded with
    ``AutoTokenizer.from_pretrained``; its chat template follows the real model's.

    Args:
        arch: one of :data:`ARCHITECTURES` (the HF ``model_type``).
        seed: seeds the weight initialisation; same seed, same weights. The caller's global
            torch RNG state is left untouched.

    Returns:
        ``(hf_model, processor)``.

    Raises:
        UnsupportedModelError: ``arch`` is not in :data:`ARCHITECTURES`.

    Example:
        >>> hf, processor = tiny_vlm("llava", seed=0)
        >>> type(hf).__name__
        'LlavaForConditionalGeneration'
    """
    if arch not in _ARCHS:
        known = ", ".join(a for a in ARCHITECTURES if a in _ARCHS)
        raise UnsupportedModelError(
            f"no tiny model for architecture {arch!r}; choose one of: {known}."
        )
    import transformers

    spec = _ARCHS[arch]
    processor, path = _build_processor(arch)
    tok = processor.tokenizer
    config = spec.config(tok)
    config.architectures = [spec.model_class]
    text_config = config.get_text_config()
    text_config.architectures = [spec.text_arch]
    config._name_or_path = str(path)
    model_cls = getattr(transformers, spec.model_class)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = model_cls(config)
    model = model.to(torch.float32).eval()
    gen = model.generation_config
    gen.bos_token_id = tok.bos_token_id
    stop = [tok.eos_token_id] + [_tok_id(tok, t) for t in spec.stop]
    gen.eos_token_id = stop if len(stop) > 1 else stop[0]
    gen.pad_token_id = tok.pad_token_id
    gen.do_sample = False
    return model, processor
