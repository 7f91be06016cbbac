"""Benchmarks: loaders that turn benchmark files into a `Benchmark` of `Item`s, and the renderers
of typographic attack images.

    >>> from iar import benchmarks
    >>> bench = benchmarks.load("xstest", "tests/fixtures/xstest/xstest_prompts.csv")
    >>> bench.categories[:2]
    ['homonyms', 'contrast_homonyms']

Loaders: `figstep`, `mm_safetybench`, `vlguard`, `xstest`, `mcq`, `jsonl` (and `load(name, path)`).
Renderers: `render_figstep`, `render_typo`. Layouts are in each loader's docstring and in
docs/benchmarks.md.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from iar.benchmarks._types import KINDS, Benchmark, Item, safe_join
from iar.benchmarks.general import jsonl, mcq, mcq_prompt
from iar.benchmarks.render import figstep_text, find_font, render_figstep, render_typo
from iar.benchmarks.safety import FIGSTEP_PROMPT, figstep, mm_safetybench, vlguard, xstest
from iar.errors import InputError

LOADERS: dict[str, Callable[..., Benchmark]] = {
    "figstep": figstep,
    "mm_safetybench": mm_safetybench,
    "vlguard": vlguard,
    "xstest": xstest,
    "mcq": mcq,
    "jsonl": jsonl,
}


def load(name: str, path: str | os.PathLike, **kwargs: Any) -> Benchmark:
    """Load benchmark `name` ("figstep", "mm_safetybench", "vlguard", "xstest", "mcq", "jsonl").

    Args:
        name: a key of `LOADERS`.
        path: local file/folder or hub id, as the loader accepts.
        **kwargs: passed to the loader (e.g. ``image_type="TYPO"``, ``subset="safe_safes"``).

    Example:
        >>> load("jsonl", "tests/fixtures/jsonl/own.jsonl").name
        'own'
    """
    try:
        loader = LOADERS[name]
    except KeyError:
        raise InputError(f"Unknown benchmark {name!r}; choose one of {sorted(LOADERS)}.") from None
    return loader(path, **kwargs)


__all__ = [
    "Benchmark", "Item", "KINDS", "LOADERS", "load", "figstep", "mm_safetybench", "vlguard",
    "xstest", "mcq", "jsonl", "mcq_prompt", "render_figstep", "render_typo", "figstep_text",
    "find_font", "safe_join", "FIGSTEP_PROMPT",
]
