"""Write and read organism folders (safetensors weights + JSON configs + tokenizer), atomically.

    >>> from iar.organism.io import load_folder
    >>> from iar.organism import WEIGHTS
    >>> model, processor = load_folder(WEIGHTS)
"""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path

import torch

from iar import _io
from iar.errors import DataError, InputError

MODEL_FILES = ("config.json", "model.safetensors", "tokenizer.json", "processor_config.json")


def load_folder(path: Path):
    """Load ``(model, processor)`` from an organism folder, offline.

    Args:
        path: a folder written by :func:`train_to_folder` (or the shipped weights).

    Example:
        >>> from iar.organism import WEIGHTS
        >>> model, processor = load_folder(WEIGHTS)
        >>> model.training
        False
    """
    from transformers import AutoProcessor, LlavaForConditionalGeneration

    path = Path(path)
    missing = [f for f in ("config.json", "model.safetensors", "tokenizer.json") if not (path / f).is_file()]
    if missing:
        raise DataError(
            f"organism folder {str(path)!r} lacks {missing}; point to a folder written by "
            "`iar organism train --out DIR` (or iar.organism.train), or reinstall iar to restore "
            "the shipped weights"
        )
    from iar._progress import quiet_hf_loading

    with quiet_hf_loading():  # no "Loading weights" bar for a 0.1-second load
        model = LlavaForConditionalGeneration.from_pretrained(path, dtype=torch.float32, local_files_only=True)
        processor = AutoProcessor.from_pretrained(path, local_files_only=True)
    processor.tokenizer.padding_side = "left"
    model.eval()
    return model, processor


def train_to_folder(out: Path, *, seed: int = 0, progress: bool = True) -> Path:
    """Build, train and save the organism to ``out`` (see :func:`iar.organism.train`).

    Args:
        out: destination folder; must not exist, or be empty.
        seed: training seed.
        progress: show progress bars.

    Example:
        >>> train_to_folder(Path("/tmp/organism"), seed=0, progress=False)  # doctest: +SKIP
    """
    from iar.organism.build import build_model, build_processor
    from iar.organism.training import fit

    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(f"train: {str(out)!r} exists and is not an empty folder; choose a new --out")
    if not isinstance(seed, int):
        raise InputError(f"train: seed must be an int, got {seed!r}")
    start = time.perf_counter()
    torch.manual_seed(seed)
    processor = build_processor()
    model = build_model(processor, seed=seed)
    log = fit(model, processor, seed=seed, progress=progress)
    info = {
        "seed": seed, "seconds": round(time.perf_counter() - start, 1), "stages": log,
        "torch": torch.__version__, "threads": 1,  # fit() trains with one thread (its default)
        "python": platform.python_version(),
    }

    def fill(tmp: Path) -> None:
        model.save_pretrained(tmp, safe_serialization=True)
        processor.save_pretrained(tmp)
        (tmp / "training.json").write_text(json.dumps(info, indent=2) + "\n")

    _io.atomic_dir(out, fill)
    return out
