"""Plotly figures for shift and probe reports, and saving them as HTML or PNG.

Every function returns a ``plotly.graph_objects.Figure`` and never shows it; call ``fig.show()``
in a notebook, or :func:`save_html` / :func:`save_png`.

    >>> fig = heatmap(torch.rand(4, 8), title="colour = probe accuracy")
    >>> path = save_html(fig, tempfile.mkdtemp() + "/fig.html")
    >>> path.stat().st_size > 0
    True
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots
from torch import Tensor

from iar import _io
from iar._sites import site_tensor
from iar.errors import DependencyError, InputError, ShapeError

# One line: the message is complete wherever it is cut at the first line break (a notebook's
# `str(err).splitlines()[0]` used to print "... Install both with:" and nothing after it).
PNG_INSTALL_HINT = (
    "PNG export uses plotly's static image engine, kaleido, which drives a Chrome/Chromium browser; "
    'install both: `pip install "kaleido>=1.0"`, then `plotly_get_chrome` (or `python -c "import '
    'kaleido; kaleido.get_chrome_sync()"`; without internet, install a system Chromium, e.g. '
    "`apt-get install chromium`, and set BROWSER_PATH to it). Or save the figure as HTML with "
    "iar.plots.save_html(fig, path)."
)


def integer_ticks(n: int, max_ticks: int = 16) -> dict[str, Any]:
    """Axis settings that put ticks on whole numbers only (layers, heads): 0, 1, 2, ... or every
    k-th where there are more than ``max_ticks``; never plotly's automatic -0.5, 0.5, ...

    Example:
        >>> integer_ticks(4), integer_ticks(32)["dtick"]
        ({'tickmode': 'linear', 'tick0': 0, 'dtick': 1}, 2)
    """
    return {"tickmode": "linear", "tick0": 0, "dtick": max(1, -(-int(n) // max_ticks))}


def _to_numpy(x: Any) -> np.ndarray:
    if isinstance(x, Tensor):
        return x.detach().to("cpu", torch.float64).numpy()
    return np.asarray(x, dtype=np.float64)


def heatmap(
    values: Any,
    *,
    title: str,
    colorbar_title: str = "value",
    value_name: str = "value",
    x_title: str = "head",
    y_title: str = "layer",
    reverse: bool = False,
    zmin: float | None = None,
    zmax: float | None = None,
) -> go.Figure:
    """A layer x head heatmap: layers on y (layer 0 at the bottom), heads on x, value on hover.

    Args:
        values: ``[n_layers, n_heads]`` (a ``[n_layers]`` vector is drawn as one column).
        title: figure title; say what the colour means.
        colorbar_title: short label on the colour bar.
        value_name: the value's name in the hover text.
        x_title: x-axis title.
        y_title: y-axis title.
        reverse: reverse the colour scale (for similarities, where low = more shift).
        zmin: lower end of the colour range (default: the data's minimum).
        zmax: upper end of the colour range (default: the data's maximum).

    Returns:
        A ``go.Figure`` with one ``go.Heatmap`` trace.

    Example:
        >>> fig = heatmap(torch.rand(3, 4), title="colour = accuracy", value_name="accuracy")
        >>> fig.data[0].z.shape
        (3, 4)
    """
    z = _to_numpy(values)
    if z.ndim == 1:
        z = z[:, None]
        x_title = x_title if x_title != "head" else ""
    if z.ndim != 2:
        raise ShapeError(f"heatmap needs [layers, heads] or [layers] values, got shape {z.shape}")
    n_layers, n_cols = z.shape
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(range(n_cols)),
            y=list(range(n_layers)),
            colorscale="Viridis",
            reversescale=reverse,
            zmin=zmin,
            zmax=zmax,
            colorbar=dict(title=dict(text=colorbar_title)),
            hovertemplate=f"layer %{{y}}<br>{x_title or 'column'} %{{x}}<br>{value_name} %{{z:.4g}}<extra></extra>",
        )
    )
    fig.update_layout(
        title=dict(text=title),
        xaxis=dict(title=dict(text=x_title), showticklabels=n_cols > 1 or bool(x_title), **integer_ticks(n_cols)),
        yaxis=dict(title=dict(text=y_title), **integer_ticks(n_layers)),
        template="plotly_white",
    )
    return fig


def layer_lines(
    series: Mapping[str, Any],
    *,
    title: str,
    labels: Mapping[str, str] | None = None,
) -> go.Figure:
    """One small panel per series (value per layer), stacked vertically with a shared x axis.

    Args:
        series: name -> ``[n_layers]`` values.
        title: figure title.
        labels: name -> longer y-axis / hover label.

    Example:
        >>> fig = layer_lines({"cosine": torch.rand(5), "l2": torch.rand(5)}, title="shift")
        >>> len(fig.data)
        2
    """
    if not series:
        raise InputError("layer_lines needs at least one series")
    labels = dict(labels or {})
    names = list(series)
    fig = make_subplots(
        rows=len(names), cols=1, shared_xaxes=True, vertical_spacing=0.06,
        subplot_titles=[labels.get(n, n) for n in names],
    )
    n_layers = 1
    for row, name in enumerate(names, start=1):
        y = _to_numpy(series[name]).reshape(-1)
        n_layers = max(n_layers, len(y))
        fig.add_trace(
            go.Scatter(
                x=list(range(len(y))), y=y, mode="lines+markers", name=name,
                hovertemplate=f"layer %{{x}}<br>{name} %{{y:.4g}}<extra></extra>",
            ),
            row=row, col=1,
        )
        fig.update_yaxes(title_text=name, row=row, col=1)
    fig.update_xaxes(**integer_ticks(n_layers))
    fig.update_xaxes(title_text="layer", row=len(names), col=1)
    fig.update_layout(
        title=dict(text=title), height=max(300, 200 * len(names)), showlegend=False,
        template="plotly_white",
    )
    return fig


def _layer_matrix(acts: Any, layer: int, site: str, head: int | None, which: str) -> np.ndarray:
    x = site_tensor(acts, site, which)
    x = x.detach().to("cpu", torch.float32)
    if x.ndim not in (3, 4):
        raise ShapeError(f"{which}: expected [n, layers, d] or [n, layers, heads, d], got {tuple(x.shape)}")
    if not -x.shape[1] <= layer < x.shape[1]:
        raise InputError(f"layer {layer} is out of range for {x.shape[1]} layers")
    x = x[:, layer]
    if x.ndim == 3:
        if head is None:
            x = x.flatten(1)
        else:
            if not -x.shape[1] <= head < x.shape[1]:
                raise InputError(f"head {head} is out of range for {x.shape[1]} heads")
            x = x[:, head]
    elif head is not None:
        raise InputError("head= only applies to per-head activations (site 'z')")
    return x.double().numpy()


def _labels_of(acts: Any, n: int) -> list[Any] | None:
    lab = getattr(acts, "labels", None)
    if lab is None:
        return None
    lab = lab.tolist() if isinstance(lab, Tensor) else list(lab)
    return lab if len(lab) == n else None


def projection(
    acts_a: Any,
    acts_b: Any,
    layer: int,
    *,
    method: str = "pca",
    labels: Any = None,
    site: str = "resid_post",
    head: int | None = None,
    names: tuple[str, str] = ("image", "text"),
    label_names: tuple[str, str] = ("safe", "unsafe"),
    seed: int = 0,
    threads: int | None = 1,
) -> go.Figure:
    """2-D scatter of one layer's activations from two sets, coloured by set (modality) and marked by label.

    The "text and image activations drift apart" picture: both sets are projected together
    (PCA via SVD, or t-SNE from scikit-learn with ``random_state=seed``).

    Args:
        acts_a: first set (e.g. with image): :class:`iar.Activations`, a dict ``site -> tensor``,
            or a tensor ``[n, layers, d]`` / ``[n, layers, heads, d]``.
        acts_b: second set (e.g. text only), same kind.
        layer: which layer to project.
        method: ``"pca"`` or ``"tsne"``.
        labels: optional per-sample labels, either one sequence for ``a`` then ``b`` concatenated or
            a pair ``(labels_a, labels_b)``; booleans are shown as ``label_names`` (True = first).
            Defaults to the sets' ``.labels`` when both have them.
        site: which recorded site to use (ignored for tensors).
        head: for per-head activations, one head; default concatenates all heads of the layer.
        names: legend names of the two sets.
        label_names: names for True / False labels.
        seed: t-SNE seed.
        threads: threads for t-SNE (OpenMP/BLAS); default 1, since its threads mostly wait on
            each other on a busy machine (``None`` = the libraries' default).

    Returns:
        A ``go.Figure`` with one trace per (set, label).

    Example:
        >>> a, b = torch.randn(10, 2, 8) + 3, torch.randn(12, 2, 8)
        >>> fig = projection(a, b, layer=1)
        >>> [t.name for t in fig.data] == ["image", "text"]
        True
    """
    xa = _layer_matrix(acts_a, layer, site, head, names[0])
    xb = _layer_matrix(acts_b, layer, site, head, names[1])
    if xa.shape[1] != xb.shape[1]:
        raise ShapeError(f"the two sets have different feature sizes: {xa.shape[1]} and {xb.shape[1]}")
    x = np.concatenate([xa, xb])
    n_a, n = len(xa), len(xa) + len(xb)
    if n < 3:
        raise InputError(f"projection needs at least 3 samples in total, got {n}")
    if not np.isfinite(x).all():
        raise InputError("activations contain NaN or infinity; they cannot be projected")

    if labels is None:
        la, lb = _labels_of(acts_a, len(xa)), _labels_of(acts_b, len(xb))
        labels = la + lb if la is not None and lb is not None else None
    elif isinstance(labels, tuple) and len(labels) == 2 and not isinstance(labels[0], (str, bool, int)):
        labels = list(_to_list(labels[0])) + list(_to_list(labels[1]))
    else:
        labels = list(_to_list(labels))
    if labels is not None and len(labels) != n:
        raise InputError(f"got {len(labels)} labels for {n} samples ({len(xa)} + {len(xb)})")
    if labels is not None:
        labels = [
            (label_names[0] if v else label_names[1]) if isinstance(v, (bool, np.bool_)) else str(v)
            for v in labels
        ]

    if method == "pca":
        centred = x - x.mean(0, keepdims=True)
        u, s, _ = np.linalg.svd(centred, full_matrices=False)
        coords = u[:, :2] * s[:2]
        if coords.shape[1] < 2:
            coords = np.pad(coords, ((0, 0), (0, 2 - coords.shape[1])))
        var = s**2 / max((s**2).sum(), 1e-300)
        axes = [f"PC{i + 1} ({100 * v:.1f}% var)" for i, v in enumerate(list(var[:2]) + [0.0] * 2)][:2]
    elif method == "tsne":
        from sklearn.manifold import TSNE
        from threadpoolctl import threadpool_limits

        perplexity = float(min(30.0, max(1.0, (n - 1) / 3)))
        with threadpool_limits(limits=threads):
            coords = TSNE(n_components=2, perplexity=perplexity, random_state=seed, init="pca").fit_transform(x)
        axes = ["t-SNE 1", "t-SNE 2"]
    else:
        raise InputError(f"unknown projection method {method!r}; use 'pca' or 'tsne'")

    symbols = ["circle", "x", "diamond", "square", "triangle-up", "star"]
    colors = ["#1f77b4", "#d62728"]
    groups = [(0, names[0], slice(0, n_a)), (1, names[1], slice(n_a, n))]
    label_values = sorted(set(labels)) if labels is not None else [None]
    fig = go.Figure()
    for gi, gname, sl in groups:
        idx = np.arange(n)[sl]
        for li, lv in enumerate(label_values):
            sel = idx if lv is None else np.array([i for i in idx if labels[i] == lv], dtype=int)
            if len(sel) == 0:
                continue
            fig.add_trace(
                go.Scatter(
                    x=coords[sel, 0], y=coords[sel, 1], mode="markers",
                    name=gname if lv is None else f"{gname} / {lv}",
                    marker=dict(color=colors[gi], symbol=symbols[li % len(symbols)], size=8, opacity=0.8),
                    customdata=sel, hovertemplate="sample %{customdata}<extra>%{fullData.name}</extra>",
                )
            )
    where = f"{site} layer {layer}" + (f" head {head}" if head is not None else "")
    fig.update_layout(
        title=dict(text=f"{method.upper() if method == 'pca' else 't-SNE'} of {where}: "
                        f"colour = {names[0]} vs {names[1]}" + (", marker = label" if labels else "")),
        xaxis=dict(title=dict(text=axes[0])), yaxis=dict(title=dict(text=axes[1])),
        template="plotly_white",
    )
    return fig


def _to_list(x: Any) -> list[Any]:
    if isinstance(x, Tensor):
        return x.tolist()
    return list(x)


def save_html(fig: go.Figure, path: str | os.PathLike) -> Path:
    """Save a figure as one standalone HTML file (plotly.js embedded, works offline).

    Args:
        fig: the figure.
        path: where to write; parent folders are created; written atomically.

    Example:
        >>> fig = heatmap(torch.rand(2, 2), title="colour = value")
        >>> save_html(fig, tempfile.mkdtemp() + "/h.html").suffix
        '.html'
    """
    html = fig.to_html(full_html=True, include_plotlyjs=True)
    return _io.write_bytes(path, html.encode("utf-8"))


def save_png(fig: go.Figure, path: str | os.PathLike, *, width: int = 900, height: int = 600,
             scale: float = 1.0) -> Path:
    """Save a figure as PNG with plotly's static export (kaleido + a Chrome/Chromium browser).

    Args:
        fig: the figure.
        path: where to write; written atomically.
        width: width in layout pixels.
        height: height in layout pixels.
        scale: resolution multiplier.

    Raises:
        DependencyError: kaleido or its browser is missing; the message says how to install them.

    Example:
        >>> fig = heatmap(torch.rand(2, 2), title="colour = value")
        >>> save_png(fig, tempfile.mkdtemp() + "/h.png")  # doctest: +SKIP
    """
    import plotly.io as pio

    try:
        import kaleido  # noqa: F401
    except ImportError as exc:
        raise DependencyError(f"kaleido is not installed. {PNG_INSTALL_HINT}") from exc
    try:
        data = pio.to_image(fig, format="png", width=width, height=height, scale=scale)
    except (RuntimeError, OSError) as exc:
        raise DependencyError(f"PNG export failed ({exc}). {PNG_INSTALL_HINT}") from exc
    return _io.write_bytes(path, data)
