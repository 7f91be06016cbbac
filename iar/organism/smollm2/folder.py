"""A SmolLM2 organism folder: the VLM delta and the stage-1 safety delta it was trained on.

``iar organism train --backbone smollm2 --out DIR`` (:func:`train`) writes::

    DIR/vlm.safetensors, DIR/vlm.json     the VLM delta (vision tower, projector, stage-2 LoRA)
    DIR/text/delta.safetensors, .json     the stage-1 text safety delta the VLM was trained over

:func:`load_hf` reads such a folder, or a bare VLM delta folder (``vlm.*`` only, as
``scripts/train_smollm2_vlm.py --out`` writes) over the shipped stage-1 delta or ``text_delta``.

    >>> from iar.organism.smollm2 import folder
    >>> model, processor = folder.load_hf("runs/smollm2")   # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from iar.errors import InputError

TEXT = "text"
# where the training data lies: $IAR_FIGSTEP_DIR / $IAR_JBB_DIR, else ../shared/data next to a source checkout
_SHARED = Path(__file__).resolve().parents[4] / "shared" / "data"
SAFEBENCH_DIR = Path(os.environ.get("IAR_FIGSTEP_DIR", _SHARED / "figstep"))
JBB_DIR = Path(os.environ.get("IAR_JBB_DIR", _SHARED / "judge-train" / "jailbreakbench"))

__all__ = ["TEXT", "SAFEBENCH_DIR", "JBB_DIR", "is_vlm_folder", "text_delta_of", "load_hf", "train", "untrained"]


def is_vlm_folder(path: str | Path) -> bool:
    """Whether ``path`` is a SmolLM2 VLM delta folder (it holds ``vlm.json``).

    Example:
        >>> is_vlm_folder("/nonexistent")
        False
    """
    return (Path(path) / "vlm.json").is_file()


def text_delta_of(path: str | Path | None, text_delta: str | Path | None = None) -> Path | None:
    """The stage-1 delta to load under the VLM delta ``path``: ``text_delta`` when given, else
    ``path/text`` when the folder holds one (as :func:`train` writes it), else None (the shipped one).

    Example:
        >>> text_delta_of(None) is None
        True
    """
    if text_delta is not None:
        return Path(text_delta)
    if path is not None and (Path(path) / TEXT / "delta.safetensors").is_file():
        return Path(path) / TEXT
    return None


def load_hf(path: str | Path | None = None, text_delta: str | Path | None = None) -> tuple[Any, Any]:
    """The SmolLM2 VLM as ``(LlavaForConditionalGeneration, LlavaProcessor)``.

    Args:
        path: a folder written by :func:`train` or a VLM delta folder; default: the shipped VLM
            delta (``vlm_weights/``).
        text_delta: the stage-1 safety delta folder; default: ``path/text`` if there, else the
            shipped one.

    Example:
        >>> model, processor = load_hf("runs/smollm2")   # doctest: +SKIP
        >>> model.config.text_config.num_hidden_layers   # doctest: +SKIP
        30
    """
    from iar.organism.smollm2.vision import load_vlm_hf

    return load_vlm_hf(path, text_delta_of(path, text_delta))


def train(out: str | Path, seed: int = 0, safebench_dir: str | Path | None = None,
          jbb_dir: str | Path | None = None, progress: bool = True) -> Path:
    """Train the stage-1 safety delta, then the VLM stages over it, into ``out`` (not run in CI).

    Needs ``peft`` and the data of :mod:`iar.organism.smollm2.data` (FigStep's ``safebench.csv``,
    JailbreakBench's artifacts). Everything is written to a temporary folder beside ``out`` and
    renamed at the end, so a killed run leaves nothing half-written.

    Args:
        out: folder to write (must not exist, or be empty).
        seed: the seed of both trainings (their configurations are otherwise the defaults).
        safebench_dir: folder with FigStep's ``safebench.csv`` (default :data:`SAFEBENCH_DIR`).
        jbb_dir: folder with JailbreakBench's artifacts (default :data:`JBB_DIR`).
        progress: tqdm bars.

    Returns:
        ``out``, loadable with ``iar.organism.load("smollm2", path=out)``.

    Example:
        >>> train("runs/smollm2", seed=0)   # doctest: +SKIP
    """
    from iar import _io

    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(f"train: {str(out)!r} exists and is not an empty folder; choose a new --out")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise InputError(f"train: seed must be an int, got {seed!r}")
    sb = Path(safebench_dir) if safebench_dir else SAFEBENCH_DIR
    jb = Path(jbb_dir) if jbb_dir else JBB_DIR
    from iar.organism.smollm2 import data as D

    D.safebench_rows(sb), D.jbb_rows(jb)  # a missing data folder is a clear error before training

    def fill(tmp: Path) -> None:
        from iar.organism.smollm2 import training, vlm_training

        training.train(training.TrainConfig(seed=seed), tmp / TEXT, sb, jb, progress=progress)
        vlm_training.train(vlm_training.VLMConfig(seed=seed), tmp, sb, jb, text_delta=tmp / TEXT,
                           progress=progress)
        meta_file = tmp / "vlm.json"
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        meta["text_delta"]["path"] = f"{TEXT}/ (beside this file)"  # not the temporary folder
        meta_file.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")

    return _io.atomic_dir(out, fill)


def untrained(out: str | Path, seed: int = 0) -> Path:
    """Write an organism folder laid out as :func:`train` writes it, with *fresh* (untrained) vision
    parts and no stage-2 LoRA over the shipped stage-1 delta: for tests and timing of the code paths
    in seconds instead of a training run (its answers mean nothing).

    Example:
        >>> path = untrained("/tmp/smol-fresh")          # doctest: +SKIP
        >>> iar.organism.load("smollm2", path=path)     # doctest: +SKIP
    """
    import shutil

    from iar.organism.smollm2 import WEIGHTS
    from iar.organism.smollm2 import load_hf as load_text
    from iar.organism.smollm2 import vision as V

    out = Path(out)
    model, _ = V.build_vlm(*load_text(), seed=seed)
    V.save_vlm_delta(model, {}, {"seed": seed, "lora": {"rank": 8, "alpha": 16.0},
                                 "text_delta": {"sha256": V.text_delta_sha256()}}, out, dtype="float32")
    shutil.copytree(WEIGHTS, out / TEXT)
    return out
