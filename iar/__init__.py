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
from iar._version import __version__
from iar.errors import (
    ArtifactError,
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


# public name -> module that defines it
_LAZY = {
    "load": "iar.model.vlm",
    "VLM": "iar.model.vlm",
    "Batch": "iar.model.types",
    "Generation": "iar.model.types",
    "record": "iar.activations",
    "Activations": "iar.activations",
    "shift": "iar.analysis.shifts",
    "ShiftReport": "iar.analysis.shifts",
    "probe": "iar.analysis.probes",
    "ProbeReport": "iar.analysis.probes",
    "Revision": "iar.revision",
    "Condition": "iar.condition",
    "steer": "iar.steering",
    "SteerHandle": "iar.steering",
    "bake": "iar.steering",
    "evaluate": "iar.evaluation.runs",
    "EvalReport": "iar.evaluation.runs",
    "tune": "iar.evaluation.tuning",
    "TuneReport": "iar.evaluation.tuning",
}
# public submodule name -> module path (``iar.plots``, ``iar.demo`` and ``iar.bench`` keep
# their old attribute names; the modules live in their layer's package)
_SUBMODULES = {
    "testing": "iar.testing", "contrast": "iar.contrast", "benchmarks": "iar.benchmarks",
    "judges": "iar.judges", "organism": "iar.organism", "cli": "iar.cli", "model": "iar.model",
    "activations": "iar.activations", "revision": "iar.revision", "steering": "iar.steering",
    "condition": "iar.condition",
    "plots": "iar.analysis.plots", "demo": "iar.cli.demo", "bench": "iar.cli.bench",
}

__all__ = [
    "__version__",
    "IarError", "UnsupportedModelError", "InputError", "ShapeError", "SiteError",
    "RevisionError", "DataError", "DependencyError", "ArtifactError", "SourceError",
    *_LAZY,
    *sorted(_SUBMODULES),
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        module = importlib.import_module(_SUBMODULES[name])
        globals()[name] = module
        return module
    raise AttributeError(f"module 'iar' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
