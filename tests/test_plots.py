"""Plotly figures: what they show, saving as standalone HTML, and PNG export or its clear error."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import plotly.graph_objects as go
import pytest
import torch

import iar
from iar.analysis import plots
from iar.activations import Activations


def _sets(seed=0):
    g = torch.Generator().manual_seed(seed)
    a = torch.randn(12, 3, 2, 4, generator=g) + 4.0  # "image" set, far from the text set
    b = torch.randn(10, 3, 2, 4, generator=g)
    return a, b


def test_heatmap_puts_layers_on_y_heads_on_x_and_values_in_hover():
    values = torch.arange(6.0).reshape(2, 3)
    fig = plots.heatmap(values, title="colour = probe accuracy", value_name="accuracy")
    assert isinstance(fig, go.Figure)
    trace = fig.data[0]
    assert trace.z.shape == (2, 3) and trace.z[1][2] == 5.0
    assert list(trace.y) == [0, 1] and list(trace.x) == [0, 1, 2]
    assert fig.layout.yaxis.title.text == "layer" and fig.layout.xaxis.title.text == "head"
    assert "accuracy %{z" in trace.hovertemplate and "layer %{y}" in trace.hovertemplate
    assert fig.layout.title.text == "colour = probe accuracy"


def test_heatmap_rejects_bad_shapes():
    with pytest.raises(iar.ShapeError, match="layers, heads"):
        plots.heatmap(torch.zeros(2, 3, 4), title="x")


def test_pca_projection_separates_the_two_sets_and_marks_labels():
    a, b = _sets()
    labels = ([True] * 6 + [False] * 6, [True] * 5 + [False] * 5)
    fig = plots.projection(a, b, layer=1, site="z", labels=labels)
    names = [t.name for t in fig.data]
    assert names == ["image / safe", "image / unsafe", "text / safe", "text / unsafe"]
    assert sum(len(t.x) for t in fig.data) == 22
    xs_a = np.concatenate([fig.data[0].x, fig.data[1].x])
    xs_b = np.concatenate([fig.data[2].x, fig.data[3].x])
    # the planted offset is the main direction of variance: PC1 splits the sets
    assert xs_a.min() > xs_b.max() or xs_a.max() < xs_b.min()
    assert fig.layout.xaxis.title.text.startswith("PC1")
    assert fig.data[0].marker.symbol != fig.data[1].marker.symbol
    assert fig.data[0].marker.color != fig.data[2].marker.color


def test_projection_takes_activations_one_head_and_their_labels():
    a, b = _sets()
    acts_a = Activations({"z": a}, labels=torch.arange(12) < 6)
    acts_b = Activations({"z": b}, labels=torch.arange(10) < 3)
    fig = plots.projection(acts_a, acts_b, layer=0, site="z", head=1, names=("image", "text"))
    assert {t.name for t in fig.data} == {"image / safe", "image / unsafe", "text / safe", "text / unsafe"}
    assert "head 1" in fig.layout.title.text
    with pytest.raises(iar.SiteError, match="not recorded"):
        plots.projection(acts_a, acts_b, layer=0, site="resid_post")


def test_tsne_projection_is_seeded():
    a, b = _sets()
    f1 = plots.projection(a[:6], b[:6], layer=2, method="tsne", seed=3)
    f2 = plots.projection(a[:6], b[:6], layer=2, method="tsne", seed=3)
    assert np.allclose(f1.data[0].x, f2.data[0].x)
    assert f1.layout.xaxis.title.text == "t-SNE 1"


def test_projection_errors():
    a, b = _sets()
    with pytest.raises(iar.InputError, match="pca"):
        plots.projection(a, b, layer=0, method="umap")
    with pytest.raises(iar.InputError, match="labels for 22 samples"):
        plots.projection(a, b, layer=0, labels=[True] * 5)
    with pytest.raises(iar.InputError, match="out of range"):
        plots.projection(a, b, layer=7)


def test_save_html_writes_a_standalone_page(tmp_path):
    fig = plots.heatmap(torch.rand(2, 2), title="colour = value")
    path = plots.save_html(fig, tmp_path / "out" / "fig.html")
    html = path.read_text()
    assert html.lstrip().lower().startswith("<!doctype html>") and "colour = value" in html
    assert "Plotly.newPlot" in html and '<script src="https://cdn' not in html
    assert len(html) > 1_000_000  # plotly.js itself is inlined: the page works offline
    assert [p.name for p in path.parent.iterdir()] == ["fig.html"]


def _png_export_works() -> bool:
    if importlib.util.find_spec("kaleido") is None:
        return False
    try:
        import plotly.io as pio

        pio.to_image(go.Figure(), format="png")
    except Exception:
        return False
    return True


def test_save_png_writes_png_or_says_how_to_install(tmp_path):
    fig = plots.heatmap(torch.rand(2, 2), title="colour = value")
    target = tmp_path / "fig.png"
    if _png_export_works():
        path = plots.save_png(fig, target)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        with pytest.raises(iar.DependencyError) as err:
            plots.save_png(fig, target)
        message = str(err.value)
        assert "pip install" in message and "kaleido" in message and "Chrom" in message
        assert "save_html" in message
        assert not target.exists() and list(tmp_path.iterdir()) == []


def _tick_values(axis, n):
    """The tick positions plotly draws for a linear-tick axis over 0..n-1."""
    assert axis.tickmode == "linear", "ticks left to plotly's auto mode land on -0.5, 0.5, ..."
    return list(np.arange(axis.tick0, n, axis.dtick))


@pytest.mark.parametrize("n_layers, n_heads", [(2, 4), (4, 4), (32, 32), (40, 8)])
def test_layer_and_head_axes_have_whole_number_ticks(n_layers, n_heads):
    fig = plots.heatmap(torch.rand(n_layers, n_heads), title="colour = value")
    for axis, n in ((fig.layout.xaxis, n_heads), (fig.layout.yaxis, n_layers)):
        ticks = _tick_values(axis, n)
        assert ticks[0] == 0 and all(float(t).is_integer() for t in ticks)
        assert 1 < len(ticks) <= 16 or n == 1
    lines = plots.layer_lines({"cosine": torch.rand(n_layers), "l2": torch.rand(n_layers)}, title="shift")
    for axis in (lines.layout.xaxis, lines.layout.xaxis2):
        assert all(float(t).is_integer() for t in _tick_values(axis, n_layers))


def test_png_message_is_one_complete_line_when_kaleido_is_missing(monkeypatch, tmp_path):
    # kaleido is absent on CI anyway; a None entry in sys.modules makes `import kaleido` fail the
    # same way where it is installed (the only way to simulate its absence there)
    monkeypatch.setitem(sys.modules, "kaleido", None)
    with pytest.raises(iar.DependencyError) as err:
        plots.save_png(plots.heatmap(torch.rand(2, 2), title="colour = value"), tmp_path / "f.png")
    message = str(err.value)
    assert "\n" not in message  # the first line is the whole message (notebooks print that line)
    assert message.startswith("kaleido is not installed. PNG export uses plotly's static image engine")
    assert 'pip install "kaleido>=1.0"' in message and "plotly_get_chrome" in message
    assert "BROWSER_PATH" in message and message.endswith("iar.plots.save_html(fig, path).")
