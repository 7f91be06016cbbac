"""The errors `iar` raises. Every message says what was wrong and what to do about it.

All inherit from :class:`IarError`, so ``except iar.IarError`` catches anything the toolkit
raises on purpose. Each also inherits the matching builtin (``ValueError``, ``KeyError``, ...)
so code written against the builtins keeps working.
"""

from __future__ import annotations


class IarError(Exception):
    """Base class of every error `iar` raises on purpose."""


class UnsupportedModelError(IarError, ValueError):
    """The model's architecture is not one `iar` knows how to splice and wrap."""


class InputError(IarError, ValueError):
    """Arguments of the wrong kind, length or value (prompts, images, alphas, positions, ...)."""


class ShapeError(IarError, ValueError):
    """Tensors whose shapes do not fit together."""


class SiteError(IarError, KeyError):
    """A hook site that does not exist, or that was not recorded."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class RevisionError(IarError, ValueError):
    """A revision that does not fit the model, or a revision file that is damaged."""


class DataError(IarError, ValueError):
    """A benchmark or data file that is missing, malformed, or points outside its folder."""


class SourceError(IarError, OSError):
    """A model path that does not exist or is not a model folder, or a hub id that cannot be
    loaded now (offline, or the hub unreachable) and is not in the local cache."""


class DependencyError(IarError, ImportError):
    """An optional dependency is missing; the message says what to install."""


class ArtifactError(RevisionError, DataError, InputError):
    """A saved file (activations, revision, shift or probe report) that is missing, damaged, or
    of another kind. It is also a :class:`RevisionError`, :class:`DataError` and
    :class:`InputError`, the three errors these files raised before they shared one format."""
