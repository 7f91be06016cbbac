"""iar: Internal Activation Revision for vision-language models.

Measure how an image shifts a VLM's language-backbone activations, probe every attention head,
build revision vectors and steer with them during generation, then evaluate on safety benchmarks.

    >>> import iar
    >>> vlm = iar.load(*iar.testing.tiny_vlm("llava"))
    >>> acts = iar.record(vlm, ["Describe the object."], progress=False)

Public names are imported lazily, so ``import iar`` stays fast and each stage loads only
what it needs.
"""

from __future__ import annotations

import importlib
from typing import Any

from iar import _progress  # noqa: F401  (first: no "TqdmWarning: IProgress not found" in notebooks)
from iar.errors import (
    DataError,
    DependencyError,
    IarError,
    InputError,
    RevisionError,
    ShapeError,
    SiteError,
    SourceError,
    UnsupportedModelError,
)

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY = {
    "load": "iar.model",
    "VLM": "iar.model",
    "Batch": "iar.model",
    "Generation": "iar.model",
    "record": "iar.activations",
    "Activations": "iar.activations",
    "shift": "iar.shift",
    "ShiftReport": "iar.shift",
    "probe": "iar.probes",
    "ProbeReport": "iar.probes",
    "Revision": "iar.revision",
    "steer": "iar.steer",
    "SteerHandle": "iar.steer",
    "evaluate": "iar.evaluate",
    "EvalReport": "iar.evaluate",
}
_SUBMODULES = {
    "testing", "contrast", "benchmarks", "judges", "plots", "organism", "cli", "bench",
    "model", "activations", "shift", "probes", "revision", "steer", "evaluate",
    "demo",
}

__all__ = [
    "__version__",
    "IarError", "UnsupportedModelError", "InputError", "ShapeError", "SiteError",
    "RevisionError", "DataError", "DependencyError", "SourceError",
    *_LAZY,
    *sorted(_SUBMODULES),
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        module = importlib.import_module(f"iar.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'iar' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
