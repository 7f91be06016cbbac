"""The package's layering: every import of an ``iar`` module points down, and there are no cycles.

Imports are read with ``ast`` from every module, including those inside function bodies (a lazy
import is still a dependency). A module may import modules of its own layer or of layers below
it; the import graph must be free of cycles either way.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "iar"

# Lowest first. A module belongs to the layer of the longest prefix that names it.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    # iar._hub and iar._progress arrive with the ux branch, iar.rejudge with the judge branch
    # (to become iar.evaluation.rejudge); listed so that merging them needs no edit here
    ("base", ("iar.errors", "iar._version", "iar._io", "iar._sites", "iar._threads", "iar._hub",
              "iar._progress")),
    ("model", ("iar.model",)),
    ("testing", ("iar.testing",)),
    ("activations", ("iar.activations", "iar.contrast")),
    ("analysis", ("iar.analysis",)),
    ("revision", ("iar.revision", "iar.condition")),
    ("steering", ("iar.steering", "iar._conditional")),
    ("evaluation", ("iar.evaluation", "iar.benchmarks", "iar.judges")),
    ("organism", ("iar.organism",)),
    ("resolve", ("iar.resolve",)),
    ("api", ("iar",)),  # the package root only: the public facade, imported by applications
    ("application", ("iar.cli", "iar.__main__")),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> int:
    best, rank = -1, None
    for i, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            inside = module == prefix or (prefix != "iar" and module.startswith(prefix + "."))
            if inside and len(prefix) > best:
                best, rank = len(prefix), i
    if rank is None:
        raise AssertionError(f"{module} is in no layer; add it to LAYERS in tests/test_layering.py")
    return rank


def imports(module: str, path: Path, known: set[str]) -> set[str]:
    """The ``iar`` modules that ``module`` imports anywhere in its file."""
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "iar"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "iar":
                continue
            # ``from iar.x import y`` imports the module iar.x.y when there is one, else iar.x
            subs = {f"{target}.{a.name}" for a in node.names} & known
            plain = [a for a in node.names if f"{target}.{a.name}" not in known]
            found |= subs
            if plain or not subs:
                found.add(target)
    found.discard(module)
    return {m for m in found if m in known}


@functools.lru_cache(maxsize=1)
def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {m: imports(m, p, known) for m, p in mods.items()}


def upward_imports(g: dict[str, set[str]]) -> list[str]:
    out = []
    for m, deps in sorted(g.items()):
        for d in sorted(deps):
            if layer_of(d) > layer_of(m):
                out.append(f"{m} ({LAYERS[layer_of(m)][0]}) imports {d} ({LAYERS[layer_of(d)][0]})")
    return out


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(g.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return found


def test_every_module_is_in_a_layer():
    for m in modules():
        layer_of(m)


def test_no_module_imports_a_layer_above_its_own():
    assert upward_imports(graph()) == []


def test_the_import_graph_has_no_cycles():
    assert cycles(graph()) == []


def test_the_checker_sees_imports_inside_functions_and_relative_ones(tmp_path):
    src = "def f():\n    from iar.steering import steer\n    from . import x\n"
    path = tmp_path / "m.py"
    path.write_text(src)
    known = {"iar.steering", "iar.analysis", "iar.analysis.x"}
    assert imports("iar.analysis.m", path, known) == {"iar.steering", "iar.analysis.x"}
    g = {"iar.model.vlm": {"iar.steering"}, "iar.steering": {"iar.model.vlm"}}
    assert upward_imports(g) == ["iar.model.vlm (model) imports iar.steering (steering)"]
    assert cycles(g) == [["iar.model.vlm", "iar.steering"]]


def test_only_applications_import_the_package_root():
    api = [i for i, (name, _) in enumerate(LAYERS) if name == "api"][0]
    assert [m for m, deps in graph().items() if "iar" in deps and layer_of(m) <= api] == []
