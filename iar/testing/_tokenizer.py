"""The tiny models' byte-level BPE tokenizers, trained on a small corpus and cached on disk.

    >>> _cache_root().name
    'tiny'
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iar import _io

BPE_VOCAB = 512  # learned byte-level BPE tokens, before special tokens

_FORMAT_VERSION = 1  # bump to invalidate every cached tokenizer/processor


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

    def fill(tmp: Path) -> None:
        build(tmp)
        (tmp / ".complete").write_text("ok\n")

    # another process may win the race to build it: then its folder is the one
    _io.atomic_dir(target, fill, done_by_other=lambda t: (t / ".complete").exists())
    return target


def _load_tokenizer(path: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(path))
