"""The documentation site builds strictly, every public name has an API entry, the home tour runs."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import iar

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Build the site once with ``mkdocs build --strict`` (any warning fails the build)."""
    pytest.importorskip("mkdocs")
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return out


def _page(site_dir: Path, name: str) -> str:
    return (site_dir / name / "index.html").read_text(encoding="utf-8")


def _api_html(site_dir: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted((site_dir / "api").glob("*/index.html")))


def test_docs_build_strictly(site):
    # mkdocs build --strict fails on any warning (a broken cross-reference, a missing page)
    assert (site / "index.html").is_file()


def test_every_markdown_page_is_in_the_nav():
    import yaml

    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"]

    def pages(entry):
        if isinstance(entry, str):
            yield entry
        elif isinstance(entry, list):
            for e in entry:
                yield from pages(e)
        elif isinstance(entry, dict):
            for v in entry.values():
                yield from pages(v)

    in_nav = set(pages(nav))
    on_disk = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    assert on_disk - in_nav == set(), "pages missing from the nav in mkdocs.yml"
    assert in_nav - on_disk == set(), "nav entries without a page"


@pytest.mark.parametrize(
    ("page", "anchor", "signature_text"),
    [
        ("model", "iar.model.vlm.load", "load"),
        ("model", "iar.model.vlm.VLM.encode", "encode"),
        ("model", "iar.model.vlm.VLM.generate", "max_new_tokens"),
        ("model", "iar.activations.record", "record"),
        ("revision", "iar.revision.Revision.fit", "method"),
        ("revision", "iar.steering.steer", "alpha"),
        ("revision", "iar.contrast.multi_response", "refusals"),
        ("analysis", "iar.analysis.shifts.shift", "counterpart"),
        ("analysis", "iar.analysis.probes.probe", "probe"),
        ("evaluate", "iar.evaluation.runs.evaluate", "max_new_tokens"),
    ],
)
def test_api_entry_has_signature_and_docstring(site, page, anchor, signature_text):
    text = _page(site / "api", page)
    match = re.search(rf'<h\d id="{re.escape(anchor)}".*?</h\d>(.*?)(?=<h\d id=|$)', text, re.S)
    assert match, f"no API entry for {anchor} on api/{page}"
    body = match.group(1)
    signature = re.search(r'class="doc-signature highlight"><pre>(.*?)</pre>', body, re.S)
    assert signature, f"{anchor} has no rendered signature"
    assert signature_text in html.unescape(re.sub(r"<[^>]+>", "", signature.group(1)))
    assert "Parameters:" in body and "Examples:" in body, f"{anchor}: Args or Example not rendered"


def test_every_public_name_has_an_api_entry(site):
    text = _api_html(site)
    anchors = set(re.findall(r'id="(iar\.[\w.]+)"', text))
    missing = [mod for mod in sorted(set(iar._SUBMODULES.values())) if mod not in anchors]
    missing += [f"{mod}.{name}" for name, mod in iar._LAZY.items() if f"{mod}.{name}" not in anchors]
    assert missing == []


def test_every_public_function_class_and_method_is_rendered(site):
    """mkdocstrings silently drops an object without a docstring; nothing public may be dropped."""
    griffe = pytest.importorskip("griffe")
    anchors = set(re.findall(r'id="(iar\.[\w.]+)"', _api_html(site)))
    modules = re.findall(r"^::: (iar[\w.]*)$", "\n".join(
        p.read_text(encoding="utf-8") for p in (DOCS / "api").glob("*.md")), re.M)
    package = griffe.load("iar", search_paths=[str(ROOT)])
    missing = []
    for path in modules:
        module = package[path.removeprefix("iar.")] if path != "iar" else package
        for name, obj in module.members.items():
            if name.startswith("_") or obj.is_alias or obj.kind.value not in ("function", "class"):
                continue
            wanted = [obj] + [m for n, m in obj.members.items() if obj.kind.value == "class"
                              and not n.startswith("_") and not m.is_alias and m.kind.value == "function"]
            missing += [o.path for o in wanted if o.path not in anchors]
    assert len(modules) > 15 and missing == []


def test_docstrings_render_as_markdown_not_rst(site):
    text = _api_html(site)
    # Sphinx roles become inline code (linked where resolvable), never literal ':func:`x`'.
    assert re.search(r":(func|class|meth|mod|attr|data):`", text) is None
    # Doctest sessions are highlighted code, not nested block quotes of '>>>' lines.
    assert "<blockquote>" not in text
    assert text.count('<span class="gp">&gt;&gt;&gt; </span>') > 100
    # Roles that name a documented object link to it.
    assert 'href="#iar.steering.bake"' in _page(site / "api", "revision")


def test_cli_reference_is_generated_from_the_parser(site):
    from iar.cli import build_parser

    text = html.unescape(_page(site / "api", "cli"))
    assert "<!-- iar-cli-help -->" not in text
    for action in build_parser()._subparsers._group_actions:
        for name in action.choices:
            assert f"usage: iar {name}" in text, f"`iar {name} --help` missing from api/cli"


def test_home_page_tour_runs():
    """The tour on the home page is real code: run it, on the tiny LLaVA instead of the organism."""
    src = (DOCS / "index.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", src, re.S).group(1)
    assert "vlm = iar.organism.load()" in code
    code = code.replace("iar.organism.load()", 'iar.load(*iar.testing.tiny_vlm("llava"))')
    scope: dict = {}
    exec(compile(code, str(DOCS / "index.md"), "exec"), scope)
    assert isinstance(scope["rev"], iar.Revision) and scope["rev"].level == "head"
    assert len(scope["report"].to_frame()) == 16
    assert 0.0 <= scope["report"].asr <= 1.0


def test_readme_python_snippet_runs_as_written(tmp_path, monkeypatch):
    """The README's "In Python" snippet runs unchanged (on the shipped organism): every name it
    uses is defined in it, and it writes its run file under the working directory."""
    src = (ROOT / "README.md").read_text(encoding="utf-8")
    section = src.split("## In Python", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert "vlm = iar.organism.load()" in code and "iar.contrast.multi_response(" in code
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(code, str(ROOT / "README.md"), "exec"), scope)
    assert isinstance(scope["report"], iar.ShiftReport)
    assert isinstance(scope["rev"], iar.Revision) and scope["rev"].level == "head"
    assert len(scope["out"].texts) == 2
    assert len(scope["result"].to_frame()) == 8 and 0.0 <= scope["result"].asr <= 1.0
    assert (tmp_path / "runs" / "organism-iar.jsonl").is_file()
