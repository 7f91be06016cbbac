"""A model organism of the image-induced safety failure: a small trained LLaVA that ships with `iar`.

The organism is a real ``LlavaForConditionalGeneration`` (CLIP-style vision tower, projector,
Llama-style backbone; 4 layers, d_model 128) with its own word-level tokenizer, trained on CPU on a
synthetic instruction language (see :mod:`iar.organism.language`). Harmful text requests are
refused; the same harmful requests with the object shown in an image are answered. Its training
never pairs a harmful request with an image; see ``docs/organism.md`` for how the failure arises.

A second organism, ``"smollm2"``, puts a real pretrained backbone in the same place:
SmolLM2-135M-Instruct, safety-tuned here, in a LLaVA whose vision parts are trained here
(:mod:`iar.organism.smollm2`, ``docs/organism-smollm2.md``). The tiny one stays the default.

    >>> import iar
    >>> vlm = iar.organism.load()                                  # the tiny organism
    >>> smol = iar.organism.load("smollm2", path="runs/smollm2")   # doctest: +SKIP
    >>> reqs = iar.organism.requests("test", 4, seed=0, modality="image")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from iar.organism._paths import WEIGHTS
from iar.organism.data import Request, requests

__all__ = ["WEIGHTS", "BACKBONES", "Request", "requests", "load", "load_hf", "train", "respond", "is_refusal", "summarize"]


BACKBONES = ("tiny", "smollm2")


def _which(organism: str | Path | None, path: str | Path | None,
           text_delta: str | Path | None) -> tuple[str, Path | None]:
    """``(backbone, folder)`` for the arguments of :func:`load` / :func:`load_hf`."""
    from iar.errors import InputError
    from iar.organism.smollm2.folder import is_vlm_folder

    if isinstance(organism, str) and organism in BACKBONES:
        backbone, folder = organism, path
    elif organism is not None and path is not None:
        raise InputError(f"load({str(organism)!r}, path={str(path)!r}): pass the organism's name "
                         f"({', '.join(BACKBONES)}) first and its folder as path=, or the folder alone.")
    else:
        folder = organism if organism is not None else path
        text = str(folder) if folder is not None else ""
        if folder is not None and not Path(folder).exists() and not any(c in text for c in "/\\."):
            raise InputError(f"Unknown organism {text!r}: choose one of {', '.join(BACKBONES)} "
                             "(e.g. iar.organism.load('smollm2')), or pass a folder written by "
                             "`iar organism train --out DIR`.")
        backbone = "smollm2" if folder is not None and is_vlm_folder(folder) else "tiny"
    if backbone == "tiny" and text_delta is not None:
        raise InputError("text_delta is the SmolLM2 organism's stage-1 safety delta; the tiny organism has "
                         "none. Pass 'smollm2' (or a SmolLM2 folder), or leave text_delta out.")
    return backbone, (Path(folder) if folder is not None else None)


def load_hf(organism: str | Path | None = None, *, path: str | Path | None = None,
            text_delta: str | Path | None = None) -> tuple[Any, Any]:
    """An organism as plain Hugging Face objects: ``(LlavaForConditionalGeneration, processor)``.

    Args:
        organism: ``"tiny"`` (the default) or ``"smollm2"``, or a folder: one written by
            :func:`train` (the tiny organism), or a SmolLM2 folder (it holds ``vlm.json``).
        path: the organism's folder when ``organism`` is a name; default: its shipped weights
            (SmolLM2: ``iar/organism/smollm2/vlm_weights/``).
        text_delta: SmolLM2 only: its stage-1 safety delta folder (default: ``path/text`` if
            there, else the shipped one).

    Returns:
        The model (eval mode, float32, CPU) and its processor.

    Raises:
        InputError: an unknown organism name, or ``text_delta`` for the tiny organism.

    Example:
        >>> model, processor = load_hf()
        >>> model.config.text_config.hidden_size
        128
    """
    backbone, folder = _which(organism, path, text_delta)
    if backbone == "smollm2":
        from iar.organism.smollm2 import folder as smol

        return smol.load_hf(folder, text_delta)
    from iar.organism.io import load_folder

    return load_folder(WEIGHTS if folder is None else folder)


def load(organism: str | Path | None = None, *, path: str | Path | None = None,
         text_delta: str | Path | None = None, **kwargs: Any):
    """An organism as an :class:`iar.VLM` (through :func:`iar.load`).

    Args:
        organism: ``"tiny"`` (the default: 4 layers x 4 heads, a second to load) or ``"smollm2"``
            (SmolLM2-135M-Instruct in a LLaVA: 30 layers x 9 heads), or an organism folder.
        path: the organism's folder when ``organism`` is a name; default: the shipped weights.
        text_delta: SmolLM2 only (see :func:`load_hf`).
        **kwargs: passed to :func:`iar.load` (``device``, ``dtype``).

    Example:
        >>> vlm = load()
        >>> vlm.cfg.n_layers
        4
        >>> load("smollm2", path="runs/smollm2").cfg.n_heads   # doctest: +SKIP
        9
    """
    from iar.model import load as load_vlm

    model, processor = load_hf(organism, path=path, text_delta=text_delta)
    return load_vlm(model, processor, **kwargs)


def train(out: str | Path, seed: int = 0, progress: bool = True, backbone: str = "tiny") -> Path:
    """Train an organism from scratch and write it to ``out``.

    Args:
        out: folder to write (created; must not exist or be empty). Written to a temporary
            folder first and renamed, so a killed run leaves nothing half-written.
        seed: seeds initialisation, data and batch order; seed 0 gives the shipped weights.
        progress: show progress bars.
        backbone: ``"tiny"`` (8-10 minutes on 2 CPU cores) or ``"smollm2"`` (the stage-1 safety
            delta into ``out/text``, then the VLM stages into ``out``; needs ``peft`` and the
            training data, see :func:`iar.organism.smollm2.folder.train`).

    Returns:
        The folder, loadable with :func:`load` / :func:`load_hf`.

    Example:
        >>> path = train("/tmp/my-organism", seed=0, progress=False)  # doctest: +SKIP
        >>> vlm = load(path)  # doctest: +SKIP
    """
    if backbone not in BACKBONES:
        from iar.errors import InputError

        raise InputError(f"Unknown backbone {backbone!r}: choose one of {', '.join(BACKBONES)}.")
    if backbone == "smollm2":
        from iar.organism.smollm2 import folder as smol

        return smol.train(out, seed=seed, progress=progress)
    from iar.organism.io import train_to_folder

    return train_to_folder(Path(out), seed=seed, progress=progress)


def __getattr__(name: str) -> Any:
    if name in ("respond", "is_refusal", "summarize"):
        from iar.organism import behaviour

        return getattr(behaviour, name)
    raise AttributeError(f"module 'iar.organism' has no attribute {name!r}")
