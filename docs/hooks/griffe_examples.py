"""Griffe extension for the docs build: read the project's docstrings as the site should show them.

Two rewrites, made on the loaded docstrings before they are parsed (the source files are not
touched, and doctest reads them as before):

- ``Example:`` -> ``Examples:``. The docstrings end with a Google-style ``Example:`` section
  (singular, as STYLE.md asks). Griffe's Google parser knows only the plural as an examples
  section and turns the singular into an admonition of plain Markdown, where ``>>>`` lines
  become nested block quotes and a printed list such as ``['a', 'b']`` after ``[x]`` reads as a
  Markdown link. Renamed, every example renders as a highlighted console session.
- An indented ``>>>`` session in a docstring's free text (outside a section) becomes a fenced
  ``pycon`` block: after a bulleted list, Markdown would otherwise read it as part of the last
  item, with ``>>>`` as nested block quotes.
- Sphinx roles (``:func:`steer```, ``:class:`~iar.Revision```) are not Markdown and would show
  literally. Each becomes inline code, linked to the object's API entry when Griffe can resolve
  the name in the docstring's scope (an optional cross-reference: a name that has no API entry
  stays plain code instead of failing the strict build).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_SINGULAR = re.compile(r"^(\s*)Example:[ \t]*$", flags=re.MULTILINE)
_ROLE = re.compile(
    r":(?:py:)?(?P<role>func|meth|class|mod|attr|data|exc|obj|const):`(?P<target>~?[\w.]+)(?:\(\))?`"
)


_SECTION = re.compile(r"^[A-Z][A-Za-z ]*:$")


def _fence_sessions(text: str) -> str:
    """Fence the 4-space-indented ``>>>`` sessions that stand outside Google-style sections."""
    lines, out, in_section, i = text.split("\n"), [], False, 0
    while i < len(lines):
        line = lines[i]
        if line and not line[0].isspace():
            in_section = bool(_SECTION.match(line.strip()))
        starts = line.startswith("    >>> ") and (not out or not out[-1].strip())
        if starts and not in_section:
            block = []
            while i < len(lines) and lines[i].startswith("    ") and lines[i].strip():
                block.append(lines[i][4:])
                i += 1
            out += ["```pycon", *block, "```"]
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def _lazy_names() -> dict[str, str]:
    """``iar.X`` -> the module that defines X, for the names ``iar`` resolves lazily."""
    try:
        import iar
    except ImportError:
        return {}
    return {name: module for name, module in getattr(iar, "_LAZY", {}).items()}


def _resolve(
    obj: griffe.Object, name: str, root: griffe.Module, lazy: dict[str, str], module: bool = False
) -> str | None:
    """The full path of ``name`` as written in ``obj``'s docstring, or None if unknown.

    ``module=True`` (a ``:mod:`` role) keeps ``iar.steer`` the module, not the function it exports.
    """
    head, _, rest = name.partition(".")
    if head == root.name:
        parts = rest.split(".") if rest else []
        if parts and parts[0] in lazy and not (module and len(parts) == 1):  # iar.Revision -> iar.revision.Revision
            parts = [*lazy[parts[0]].split(".")[1:], *parts]
        path = ".".join([root.name, *parts])
    else:
        try:
            path = obj.resolve(head)
        except (griffe.NameResolutionError, ValueError, KeyError, AttributeError):
            return None
        path = f"{path}.{rest}" if rest else path
    if not path.startswith(f"{root.name}."):
        return None
    try:
        root[path[len(root.name) + 1 :]]
    except (KeyError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None
    return path


class ExampleSections(griffe.Extension):
    """Rename ``Example:`` sections and turn Sphinx roles into (linked) inline code."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = _fence_sessions(_SINGULAR.sub(r"\1Examples:", obj.docstring.value))

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        lazy = _lazy_names() if pkg.name == "iar" else {}
        for obj in _walk(pkg):
            if obj.docstring is None or ":`" not in obj.docstring.value:
                continue

            def link(match: re.Match, obj: griffe.Object = obj) -> str:
                target = match["target"]
                shown = target.lstrip("~")
                if target.startswith("~"):
                    shown = shown.rsplit(".", 1)[-1]
                path = _resolve(obj, target.lstrip("~"), pkg, lazy, module=match["role"] == "mod")
                code = f"<code>{shown}</code>"
                return f'<autoref identifier="{path}" optional>{code}</autoref>' if path else code

            obj.docstring.value = _ROLE.sub(link, obj.docstring.value)


def _walk(obj: griffe.Object):
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _walk(member)
