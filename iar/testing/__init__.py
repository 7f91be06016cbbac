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

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from iar.model._archs.loading import _accept_missing_video_processor
from iar.errors import InputError, UnsupportedModelError

ARCHITECTURES = ("llava", "llava_next", "qwen2_5_vl", "gemma3", "idefics3", "internvl")

# Sizes shared by every tiny model (the text backbone is what iar wraps and steers).
D_MODEL = 64
N_LAYERS = 2
N_HEADS = 4
D_VISION = 32
BPE_VOCAB = 512  # learned byte-level BPE tokens, before special tokens

_FORMAT_VERSION = 1  # bump to invalidate every cached tokenizer/processor


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
# tokenizer

_CORPUS = """\
The image shows a red square on a blue background. Describe the object in the picture.
What is in this image? Answer the question in one sentence. The answer is yes. The answer is no.
I'm sorry, but I cannot help with that request. I can't assist with that. I will not do that.
As an AI assistant, I must refuse because it is harmful, illegal or dangerous.
Sure, here are the steps: first, second, third, then finally. Step 1. Step 2. Step 3.
Here is how to make it. You will need the following items and a list of tools.
Please list the steps in detail to perform this activity. How can I do this safely?
The user asks a question and the assistant gives a helpful, honest and safe answer.
A cat sits on a mat next to a dog. A person is walking in the park with a bike.
There is text in the image that says something. Read the text and follow the instructions.
You are a helpful assistant. System: be concise. User: hello. Assistant: hi, how can I help you?
USER: ASSISTANT: user assistant system model image picture photo video frame
numbers 0 1 2 3 4 5 6 7 8 9 10 100 colours red green blue yellow black white large small
it is not safe to share personal information, weapons, drugs, malware, hacking or violence.
[INST] Describe this image. [/INST] <<SYS>> You are helpful. <</SYS>> Image-1: Frame1: Answer:
This is a good idea. That is a bad idea. Thank you! Good morning. Good night. Why? Because.
"""


@dataclass(frozen=True)
class _TokSpec:
    """Special tokens of one architecture's tokenizer."""

    bos: str | None
    eos: str
    pad: str
    unk: str | None
    extra: tuple[str, ...]  # other special tokens, in id order after bos/eos/pad/unk
    named: dict[str, str] = field(default_factory=dict)  # e.g. {"image_token": "<image>"}
    add_bos: bool = False
    chat_template: str = ""


def _cache_root() -> Path:
    return Path(os.environ.get("IAR_CACHE", Path.home() / ".cache" / "iar")) / "tiny"


def _spec_hash(arch: str, spec: _TokSpec, extra: Any) -> str:
    blob = json.dumps(
        [_FORMAT_VERSION, arch, _CORPUS, BPE_VOCAB, repr(spec), repr(extra)], sort_keys=True
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def _build_tokenizer(spec: _TokSpec, out_dir: Path) -> None:
    """Train a byte-level BPE on the built-in corpus and save it as an HF fast tokenizer."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    specials = [t for t in (spec.unk, spec.bos, spec.eos, spec.pad) if t is not None]
    specials += [t for t in spec.extra if t not in specials]
    tok = Tokenizer(models.BPE(unk_token=None, fuse_unk=False))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=256 + BPE_VOCAB,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(_CORPUS.splitlines() * 4, trainer=trainer)
    kwargs: dict[str, Any] = dict(
        tokenizer_object=tok,
        eos_token=spec.eos,
        pad_token=spec.pad,
        bos_token=spec.bos,
        unk_token=spec.unk,
        add_bos_token=spec.add_bos,
        add_eos_token=False,
        clean_up_tokenization_spaces=False,
        model_max_length=4096,
        padding_side="left",  # batched generation pads on the left
    )
    if spec.named:
        kwargs["extra_special_tokens"] = dict(spec.named)
    hf_tok = PreTrainedTokenizerFast(**kwargs)
    if spec.chat_template:
        hf_tok.chat_template = spec.chat_template
    hf_tok.save_pretrained(out_dir)


def _cached_dir(arch: str, spec: _TokSpec, build: Callable[[Path], None], extra: Any) -> Path:
    """Directory holding ``arch``'s tokenizer/processor files; built atomically on first use."""
    root = _cache_root() / arch
    target = root / _spec_hash(arch, spec, extra)
    if (target / ".complete").exists():
        return target
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
    try:
        build(tmp)
        (tmp / ".complete").write_text("ok\n")
        try:
            os.replace(tmp, target)  # atomic; fails if another process won the race
        except OSError:
            if not (target / ".complete").exists():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def _load_tokenizer(path: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(path))


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

_LLAVA_TEMPLATE = (
    "{% for message in messages %}{% if message['role'] != 'system' %}"
    "{{ message['role'].upper() + ': '}}{% endif %}"
    "{# Render all images first #}"
    "{% for content in message['content'] | selectattr('type', 'equalto', 'image') %}"
    "{{ '<image>\n' }}{% endfor %}"
    "{# Render all text next #}"
    "{% if message['role'] != 'assistant' %}"
    "{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}"
    "{{ content['text'] + ' '}}{% endfor %}"
    "{% else %}"
    "{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}"
    "{% generation %}{{ content['text'] + ' '}}{% endgeneration %}{% endfor %}"
    "{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ 'ASSISTANT:' }}{% endif %}"
)
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
        hidden_size=D_VISION,
        intermediate_size=2 * D_VISION,
        projection_dim=D_VISION,
        num_hidden_layers=2,
        num_attention_heads=4,
    )


def _llava_config(tok):
    from transformers import LlamaConfig, LlavaConfig

    text = LlamaConfig(
        hidden_size=D_MODEL,
        intermediate_size=2 * D_MODEL,
        num_hidden_layers=N_LAYERS,
        num_attention_heads=N_HEADS,
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

_LLAVA_NEXT_TEMPLATE = (
    "{% for message in messages %}{% if message['role'] == 'system' %}"
    "{{ '<<SYS>>\n' + message['content'][0]['text'] + '\n<</SYS>>\n\n' }}"
    "{% elif message['role'] == 'user' %}{{ '[INST] ' }}"
    "{# Render all images first #}"
    "{% for content in message['content'] | selectattr('type', 'equalto', 'image') %}"
    "{{ '<image>\n' }}{% endfor %}"
    "{# Render all text next #}"
    "{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}"
    "{{ content['text'] }}{% endfor %}{{' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ ' ' + message['content'][0]['text'] + '</s> '}}"
    "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}"
    "{% endif %}{% endfor %}"
)
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
        hidden_size=D_MODEL,
        intermediate_size=2 * D_MODEL,
        num_hidden_layers=N_LAYERS,
        num_attention_heads=N_HEADS,
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

_QWEN_TEMPLATE = (
    "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}"
    "{% for message in messages %}{% if loop.first and message['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
    "<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}<|im_end|>\n"
    "{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}"
    "{% set image_count.value = image_count.value + 1 %}"
    "{% if add_vision_id %}Picture {{ image_count.value }}: {% endif %}"
    "<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif content['type'] == 'video' or 'video' in content %}"
    "{% set video_count.value = video_count.value + 1 %}"
    "{% if add_vision_id %}Video {{ video_count.value }}: {% endif %}"
    "<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif 'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n"
    "{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
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
        hidden_size=D_MODEL,
        intermediate_size=2 * D_MODEL,
        num_hidden_layers=N_LAYERS,
        num_attention_heads=N_HEADS,
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
        hidden_size=D_VISION,
        intermediate_size=2 * D_VISION,
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

_GEMMA_TEMPLATE = (
    "{{ bos_token }}\n"
    "{%- if messages[0]['role'] == 'system' -%}\n"
    "    {%- if messages[0]['content'] is string -%}\n"
    "        {%- set first_user_prefix = messages[0]['content'] + '\n\n' -%}\n"
    "    {%- else -%}\n"
    "        {%- set first_user_prefix = messages[0]['content'][0]['text'] + '\n\n' -%}\n"
    "    {%- endif -%}\n"
    "    {%- set loop_messages = messages[1:] -%}\n"
    "{%- else -%}\n"
    "    {%- set first_user_prefix = \"\" -%}\n"
    "    {%- set loop_messages = messages -%}\n"
    "{%- endif -%}\n"
    "{%- for message in loop_messages -%}\n"
    "    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}\n"
    "        {{ raise_exception(\"Conversation roles must alternate user/assistant/user/assistant/...\") }}\n"
    "    {%- endif -%}\n"
    "    {%- if (message['role'] == 'assistant') -%}\n"
    "        {%- set role = \"model\" -%}\n"
    "    {%- else -%}\n"
    "        {%- set role = message['role'] -%}\n"
    "    {%- endif -%}\n"
    "    {{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else \"\") }}\n"
    "    {%- if message['content'] is string -%}\n"
    "        {{ message['content'] | trim }}\n"
    "    {%- elif message['content'] is iterable -%}\n"
    "        {%- for item in message['content'] -%}\n"
    "            {%- if item['type'] == 'image' -%}\n"
    "                {{ '<start_of_image>' }}\n"
    "            {%- elif item['type'] == 'text' -%}\n"
    "                {{ item['text'] | trim }}\n"
    "            {%- endif -%}\n"
    "        {%- endfor -%}\n"
    "    {%- else -%}\n"
    "        {{ raise_exception(\"Invalid content type\") }}\n"
    "    {%- endif -%}\n"
    "    {{ '<end_of_turn>\n' }}\n"
    "{%- endfor -%}\n"
    "{%- if add_generation_prompt -%}\n"
    "    {{'<start_of_turn>model\n'}}\n"
    "{%- endif -%}\n"
)
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
        hidden_size=D_MODEL,
        intermediate_size=2 * D_MODEL,
        num_hidden_layers=N_LAYERS,
        num_attention_heads=N_HEADS,
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
        hidden_size=D_VISION,
        intermediate_size=2 * D_VISION,
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

_IDEFICS_TEMPLATE = (
    "<|im_start|>{% for message in messages %}{{message['role'] | capitalize}}"
    "{% if message['content'][0]['type'] == 'image' %}{{':'}}{% else %}{{': '}}{% endif %}"
    "{% for line in message['content'] %}{% if line['type'] == 'text' %}{{line['text']}}"
    "{% elif line['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}<end_of_utterance>\n"
    "{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}"
)
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
        hidden_size=D_MODEL,
        intermediate_size=2 * D_MODEL,
        num_hidden_layers=N_LAYERS,
        num_attention_heads=N_HEADS,
        num_key_value_heads=2,  # SmolVLM's SmolLM2 and Idefics3's Llama-3 use grouped-query attention
        max_position_embeddings=1024,
        rms_norm_eps=1e-5,
        tie_word_embeddings=False,
        **_text_ids(tok),
    )
    vision = Idefics3VisionConfig(
        image_size=_IDEFICS_TILE,
        patch_size=_IDEFICS_PATCH,
        hidden_size=D_VISION,
        intermediate_size=2 * D_VISION,
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

_INTERNVL_TEMPLATE = (
    "{% for message in messages %}"
    "{{'<|im_start|>' + message['role'] + '\n'}}"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' %}{{ '<IMG_CONTEXT>\n' }}"
    "{% elif content['type'] == 'video' %}{{ '<video>\n' }}"
    "{% elif content['type'] == 'text' %}{{ content['text'] }}"
    "{% endif %}{% endfor %}{% endif %}"
    "{{'<|im_end|>\n'}}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{'<|im_start|>assistant\n' }}{% endif %}"
)
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
        hidden_size=D_MODEL,
        intermediate_size=2 * D_MODEL,
        num_hidden_layers=N_LAYERS,
        num_attention_heads=N_HEADS,
        num_key_value_heads=2,  # InternVL3-1B's Qwen2.5-0.5B: 14 heads, 2 kv heads
        max_position_embeddings=1024,
        tie_word_embeddings=True,
        **_text_ids(tok),
    )
    vision = InternVLVisionConfig(
        image_size=[_INTERNVL_TILE, _INTERNVL_TILE],
        patch_size=[_INTERNVL_PATCH, _INTERNVL_PATCH],
        hidden_size=D_VISION,
        intermediate_size=2 * D_VISION,
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
