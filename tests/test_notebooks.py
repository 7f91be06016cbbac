"""Every notebook in notebooks/ runs top to bottom, from its own folder as a user would open it.

Notebooks write their outputs to temporary folders, never into the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 1, "notebooks/ should hold the tutorial notebooks"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path, monkeypatch):
    nb = nbformat.read(path, as_version=4)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("IAR_NOTEBOOK_TEST", "1")
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    errors = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors, f"{path.name} raised: {errors[0].get('ename')}: {errors[0].get('evalue')}"
    # checked on the same run (executing a notebook is the expensive part)
    check_figures_visible_outside_jupyterlab(nb, path.name)
    check_no_warnings_or_cut_messages(nb, path.name)


PLOTLY = "application/vnd.plotly.v1+json"


def _outputs(nb):
    return [(i, out) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
            for out in cell.get("outputs", [])]


def check_figures_visible_outside_jupyterlab(nb, name):
    """Every plotly figure also carries text/html (or image/png): plotly's own mimetype renders only
    in JupyterLab, so without a fallback the figure is blank in other viewers and HTML exports."""
    figures = [(i, out) for i, out in _outputs(nb) if PLOTLY in out.get("data", {})]
    assert figures, f"{name}: no plotly figure in the executed outputs"
    for i, out in figures:
        data = out["data"]
        assert "text/html" in data or "image/png" in data, f"{name} cell {i}: a figure with no HTML/PNG copy"
        if "text/html" in data:
            assert "Plotly.newPlot" in data["text/html"], f"{name} cell {i}: HTML copy draws no figure"
    # the HTML copies need plotly.js in the page: inlined once, before the first figure
    first = min(i for i, _ in figures)
    assert any("text/html" in out.get("data", {}) and "* plotly.js v" in out["data"]["text/html"]
               for i, out in _outputs(nb) if i <= first), f"{name}: plotly.js is not inlined"


def check_no_warnings_or_cut_messages(nb, name):
    streams = "".join(out.get("text", "") for _, out in _outputs(nb) if out.get("output_type") == "stream")
    assert "IProgress not found" not in streams and "TqdmWarning" not in streams, name
    for line in streams.splitlines():
        if line.startswith("PNG skipped:"):  # kaleido or its browser missing: the whole fix follows
            assert 'pip install "kaleido>=1.0"' in line and "plotly_get_chrome" in line, line
            assert "save_html" in line and not line.rstrip().endswith(":"), line
