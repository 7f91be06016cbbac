"""A model organism of the image-induced safety failure: a small trained LLaVA that ships with `iar`.

The organism is a real ``LlavaForConditionalGeneration`` (CLIP-style vision tower, projector,
Llama-style backbone; 4 layers, d_model 128) with its own word-level tokenizer, trained on CPU on a
synthetic instruction language (see :mod:`iar.organism.language`). Harmful text requests are
refused; the same harmful requests with the object shown in an image are answered. Its training
never pairs a harmful request with an image; see ``docs/organism.md`` for how the failure arises.

    >>> import iar
    >>> vlm = iar.organism.load()
    >>> reqs = iar.organism.requests("test", 4, seed=0, modality="image")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from iar.organism._paths import WEIGHTS
from iar.organism.data import Request, requests

__all__ = ["WEIGHTS", "Request", "requests", "load", "load_hf", "train", "respond", "is_refusal", "summarize"]


def load_hf(path: str | Path | None = None) -> tuple[Any, Any]:
    """The organism as plain Hugging Face objects: ``(LlavaForConditionalGeneration, LlavaProcessor)``.

    Args:
        path: a folder written by :func:`train`; default: the weights shipped with `iar`.

    Returns:
        The model (eval mode, float32, CPU) and its processor.

    Example:
        >>> model, processor = load_hf()
        >>> model.config.text_config.hidden_size
        128
    """
    from iar.organism.io import load_folder

    return load_folder(WEIGHTS if path is None else Path(path))


def load(path: str | Path | None = None, **kwargs: Any):
    """The organism as an :class:`iar.VLM` (through :func:`iar.load`).

    Args:
        path: a folder written by :func:`train`; default: the shipped weights.
        **kwargs: passed to :func:`iar.load` (``device``, ``dtype``).

    Example:
        >>> vlm = load()
        >>> vlm.cfg.n_layers
        4
    """
    from iar.model import load as load_vlm

    model, processor = load_hf(path)
    return load_vlm(model, processor, **kwargs)


def train(out: str | Path, seed: int = 0, progress: bool = True) -> Path:
    """Train the organism from scratch and write it to ``out`` (8-10 minutes on 2 CPU cores).

    Args:
        out: folder to write (created; must not exist or be empty). Written to a temporary
            folder first and renamed, so a killed run leaves nothing half-written.
        seed: seeds initialisation, data and batch order; seed 0 gives the shipped weights.
        progress: show progress bars.

    Returns:
        The folder, loadable with :func:`load` / :func:`load_hf`.

    Example:
        >>> path = train("/tmp/my-organism", seed=0, progress=False)  # doctest: +SKIP
        >>> vlm = load(path)  # doctest: +SKIP
    """
    from iar.organism.io import train_to_folder

    return train_to_folder(Path(out), seed=seed, progress=progress)


def __getattr__(name: str) -> Any:
    if name in ("respond", "is_refusal", "summarize"):
        from iar.organism import behaviour

        return getattr(behaviour, name)
    raise AttributeError(f"module 'iar.organism' has no attribute {name!r}")
