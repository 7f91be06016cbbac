"""How far an image moves the language backbone's activations, per layer and per head.

Pure metrics on paired activation tensors (``a`` = with image, ``b`` = counterpart), a
:class:`ShiftReport` that holds them for every recorded site, and :func:`shift`, which records
both halves of each pair with :func:`iar.record` and builds the report.

Metrics (``metric=`` names), each reduced over the pairs (dim 0) and the feature dim (last):

- ``"cosine"``: cosine distance ``1 - cos(a_i, b_i)`` averaged over pairs (0 = same direction).
- ``"l2"``: relative L2 distance ``||a_i - b_i|| / ||b_i||`` averaged over pairs (0 = identical).
- ``"cka"``: linear CKA between the two *sets* (a similarity: 1 = same representation up to
  rotation and isotropic scaling, 0 = unrelated). Undefined (NaN) when a set has no variance.
- ``"mean_shift"``: the L2 norm of the mean shift vector ``mean(a) - mean(b)``, the vector CMRM
  subtracts (:meth:`ShiftReport.vectors` gives the vectors themselves).

    >>> a, b = torch.randn(16, 2, 3, 8), torch.randn(16, 2, 3, 8)
    >>> report = ShiftReport.from_activations({"z": a}, {"z": b})
    >>> report.head_shift("cosine").shape
    torch.Size([2, 3])
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from jaxtyping import Float
from torch import Tensor

from iar import _io
from iar._sites import site_tensor
from iar.analysis.metrics import (  # noqa: F401  (the metrics are also importable from here)
    METRIC_LABELS,
    METRICS,
    _check_metric,
    _check_pair,
    _metric_values,
    cosine_distance,
    linear_cka,
    mean_shift,
    relative_l2,
)
from iar.errors import InputError, ShapeError, SiteError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import plotly.graph_objects as go

# --------------------------------------------------------------------------- report





class ShiftReport:
    """Image-vs-counterpart activation shift for every recorded site, layer and head.

    Build it with :meth:`from_activations` (two paired activation sets) or :func:`iar.shift`
    (records them for you). Values are plain tensors; the metric names are listed in
    :data:`METRICS` and explained in the module docstring.

    Attributes:
        head: metric -> ``[n_layers, n_heads]`` tensor, per head (site ``"z"``; empty without it).
        layer: site -> metric -> ``[n_layers]`` tensor. For ``"z"`` a layer's value is computed on
            the concatenation of its heads (the attention output before ``o_proj``).
        n: number of pairs.
        meta: JSON-able dict (sites, n, counterpart, model name, position, ...).

    Example:
        >>> report = ShiftReport.from_activations({"resid_post": torch.randn(8, 4, 16)},
        ...                                       {"resid_post": torch.randn(8, 4, 16)})
        >>> report.layer_shift("l2").shape
        torch.Size([4])
    """

    def __init__(
        self,
        head: dict[str, Tensor],
        layer: dict[str, dict[str, Tensor]],
        vectors: dict[str, Tensor],
        meta: dict[str, Any],
    ) -> None:
        self.head = head
        self.layer = layer
        self._vectors = vectors
        self.meta = meta

    # ---------------------------------------------------------------- construction

    @classmethod
    def from_activations(
        cls,
        with_image: Any,
        without: Any,
        *,
        sites: Sequence[str] | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> ShiftReport:
        """Compare paired activations: row ``i`` of ``with_image`` against row ``i`` of ``without``.

        Args:
            with_image: :class:`iar.Activations` (or a dict ``site -> tensor``) recorded with images;
                ``"z"`` is ``[n, layers, heads, d_head]``, ``"resid_post"`` is ``[n, layers, d_model]``.
            without: the counterpart activations (no image, blank, noise or caption), same shapes.
            sites: sites to compare; defaults to every site recorded in ``with_image``.
            meta: extra JSON-able information to keep in the report.

        Returns:
            A :class:`ShiftReport`.

        Raises:
            SiteError: a requested site is missing from either set.
            ShapeError: the two sets differ in shape (e.g. different number of prompts).
            InputError: activations contain NaN or infinity.

        Example:
            >>> x = {"z": torch.randn(6, 2, 4, 8)}
            >>> ShiftReport.from_activations(x, x).head_shift("cosine").abs().max() < 1e-6
            tensor(True)
        """
        if sites is None:
            sites = list(getattr(with_image, "sites", None) or with_image.keys())
        sites = list(sites)
        if not sites:
            raise InputError("no sites to compare; pass sites=('z', 'resid_post') or record some")
        head: dict[str, Tensor] = {}
        layer: dict[str, dict[str, Tensor]] = {}
        vectors: dict[str, Tensor] = {}
        n = None
        n_layers = n_heads = None
        for site in sites:
            a = site_tensor(with_image, site, "with-image").to("cpu", torch.float32)
            b = site_tensor(without, site, "counterpart").to("cpu", torch.float32)
            _check_pair(a, b)
            for x, which in ((a, "with-image"), (b, "counterpart")):
                if not torch.isfinite(x).all():
                    raise InputError(
                        f"the {which} activations for site {site!r} contain NaN or infinity; "
                        "check the model's dtype (use float32) and the prompts that produced them"
                    )
            if a.shape[0] < 1:
                raise InputError("no pairs to compare: pass at least one prompt")
            n = a.shape[0]
            n_layers = a.shape[1]
            vectors[site] = mean_shift(a, b)
            if a.ndim == 4:  # per head
                n_heads = a.shape[2]
                head = _metric_values(a, b)
                flat_a, flat_b = a.flatten(2), b.flatten(2)
                layer[site] = _metric_values(flat_a, flat_b)
            elif a.ndim == 3:
                layer[site] = _metric_values(a, b)
            else:
                raise ShapeError(
                    f"site {site!r}: expected [n, layers, d] or [n, layers, heads, d], got {tuple(a.shape)}"
                )
        info: dict[str, Any] = {}
        src_meta = getattr(with_image, "meta", None)
        if isinstance(src_meta, Mapping):
            for key in ("model", "name_or_path", "model_type", "position", "config_hash"):
                if key in src_meta:
                    info[key] = _io.jsonable(src_meta[key])
        info.update({"sites": sites, "n": n, "n_layers": n_layers, "n_heads": n_heads})
        info.update(dict(meta or {}))
        return cls(head, layer, vectors, info)

    # ---------------------------------------------------------------- access

    @property
    def n(self) -> int:
        """Number of (with image, counterpart) pairs."""
        return int(self.meta["n"])

    @property
    def sites(self) -> list[str]:
        """Sites this report covers."""
        return list(self._vectors)

    def layer_shift(self, metric: str = "cosine", site: str | None = None) -> Float[Tensor, " layer"]:
        """Shift per layer.

        Args:
            metric: one of ``"cosine"``, ``"l2"``, ``"cka"``, ``"mean_shift"``.
            site: ``"resid_post"`` (default when recorded) or ``"z"`` (heads concatenated).

        Returns:
            ``[n_layers]`` tensor.

        Example:
            >>> r = ShiftReport.from_activations({"resid_post": torch.randn(8, 3, 4)},
            ...                                  {"resid_post": torch.randn(8, 3, 4)})
            >>> r.layer_shift("cka").shape
            torch.Size([3])
        """
        _check_metric(metric)
        if site is None:
            site = "resid_post" if "resid_post" in self.layer else next(iter(self.layer))
        if site not in self.layer:
            raise SiteError(
                f"site {site!r} is not in this report (sites: {self.sites}); "
                f"measure it with iar.shift(..., sites=({site!r},))"
            )
        return self.layer[site][metric]

    def head_shift(self, metric: str = "cosine") -> Float[Tensor, "layer head"]:
        """Shift per attention head (site ``"z"``).

        Args:
            metric: one of ``"cosine"``, ``"l2"``, ``"cka"``, ``"mean_shift"``.

        Returns:
            ``[n_layers, n_heads]`` tensor.

        Example:
            >>> r = ShiftReport.from_activations({"z": torch.randn(8, 3, 2, 4)},
            ...                                  {"z": torch.randn(8, 3, 2, 4)})
            >>> r.head_shift().shape
            torch.Size([3, 2])
        """
        _check_metric(metric)
        if not self.head:
            raise SiteError(
                f"per-head shift needs site 'z', which this report lacks (sites: {self.sites}); "
                "measure it with iar.shift(..., sites=('z', 'resid_post'))"
            )
        return self.head[metric]

    def vectors(self, site: str = "z") -> Tensor:
        """Mean shift vectors ``mean(with image) - mean(counterpart)``.

        Args:
            site: ``"z"`` gives ``[n_layers, n_heads, d_head]``, ``"resid_post"`` gives
                ``[n_layers, d_model]``.

        Example:
            >>> r = ShiftReport.from_activations({"z": torch.ones(4, 2, 3, 5)},
            ...                                  {"z": torch.zeros(4, 2, 3, 5)})
            >>> r.vectors("z").shape
            torch.Size([2, 3, 5])
        """
        if site not in self._vectors:
            raise SiteError(
                f"site {site!r} is not in this report (sites: {self.sites}); "
                f"measure it with iar.shift(..., sites=({site!r},))"
            )
        return self._vectors[site]

    def to_frame(self) -> pd.DataFrame:
        """A tidy DataFrame: one row per (site, level, layer, head, metric).

        Columns: ``site``, ``level`` (``"head"`` or ``"layer"``), ``layer``, ``head`` (nullable int,
        missing at layer level), ``metric``, ``value``.

        Example:
            >>> r = ShiftReport.from_activations({"z": torch.randn(6, 2, 3, 4)},
            ...                                  {"z": torch.randn(6, 2, 3, 4)})
            >>> sorted(r.to_frame()["level"].unique())
            ['head', 'layer']
        """
        import pandas as pd

        rows = []
        for metric, values in self.head.items():
            n_layers, n_heads = values.shape
            for layer in range(n_layers):
                for h in range(n_heads):
                    rows.append(("z", "head", layer, h, metric, float(values[layer, h])))
        for site, metrics in self.layer.items():
            for metric, values in metrics.items():
                for layer, v in enumerate(values.tolist()):
                    rows.append((site, "layer", layer, None, metric, float(v)))
        frame = pd.DataFrame(rows, columns=["site", "level", "layer", "head", "metric", "value"])
        frame["head"] = frame["head"].astype("Int64")
        return frame

    # ---------------------------------------------------------------- persistence

    def save(self, path: str | os.PathLike) -> Path:
        """Write the report to one ``.safetensors`` file (tensors + JSON metadata), atomically.

        Args:
            path: file to write; parent folders are created.

        Example:
            >>> r = ShiftReport.from_activations({"z": torch.randn(4, 2, 2, 3)}, {"z": torch.randn(4, 2, 2, 3)})
            >>> p = r.save(tempfile.mkdtemp() + "/shift.safetensors")
            >>> ShiftReport.load(p).n
            4
        """
        tensors: dict[str, Tensor] = {}
        for metric, v in self.head.items():
            tensors[f"head.{metric}"] = v.contiguous()
        for site, metrics in self.layer.items():
            for metric, v in metrics.items():
                tensors[f"layer.{site}.{metric}"] = v.contiguous()
        for site, v in self._vectors.items():
            tensors[f"vector.{site}"] = v.contiguous()
        return _io.save_artifact(path, FORMAT, tensors, {"meta": self.meta})

    @classmethod
    def load(cls, path: str | os.PathLike) -> ShiftReport:
        """Read a report written by :meth:`save`.

        Args:
            path: the ``.safetensors`` file.

        Raises:
            ArtifactError: the file is missing, damaged or not a ShiftReport (files from iar 0.1
                load too).

        Example:
            >>> r = ShiftReport.from_activations({"z": torch.randn(4, 2, 2, 3)}, {"z": torch.randn(4, 2, 2, 3)})
            >>> ShiftReport.load(r.save(tempfile.mkdtemp() + "/s.safetensors")).sites
            ['z']
        """
        tensors, header = _io.load_artifact(path, FORMAT, what="shift report", legacy=_io.report_v1(FORMAT))
        head: dict[str, Tensor] = {}
        layer: dict[str, dict[str, Tensor]] = {}
        vectors: dict[str, Tensor] = {}
        for key, v in tensors.items():
            kind, _, rest = key.partition(".")
            if kind == "head":
                head[rest] = v
            elif kind == "layer":
                site, _, metric = rest.rpartition(".")
                layer.setdefault(site, {})[metric] = v
            elif kind == "vector":
                vectors[rest] = v
        order = header["meta"].get("sites", list(vectors))
        vectors = {s: vectors[s] for s in order if s in vectors}
        return cls(head, layer, vectors, header["meta"])

    # ---------------------------------------------------------------- plots

    def heatmap(self, metric: str = "cosine") -> go.Figure:
        """Heatmap of :meth:`head_shift`: layers on y, heads on x, the value in the hover text.

        Args:
            metric: which metric to colour by.

        Example:
            >>> r = ShiftReport.from_activations({"z": torch.randn(6, 2, 3, 4)}, {"z": torch.randn(6, 2, 3, 4)})
            >>> r.heatmap("l2").layout.title.text.startswith("Image shift per head")
            True
        """
        from iar.analysis import plots

        values = self.head_shift(metric)
        return plots.heatmap(
            values,
            title=f"Image shift per head: colour = {METRIC_LABELS[metric]}",
            colorbar_title=metric,
            value_name=metric,
            reverse=metric == "cka",
        )

    def line(self, site: str | None = None, metrics: Sequence[str] = METRICS) -> go.Figure:
        """Shift per layer for each metric (one small panel per metric, they have different scales).

        Args:
            site: ``"resid_post"`` (default when recorded) or ``"z"``.
            metrics: which metrics to draw.

        Example:
            >>> r = ShiftReport.from_activations({"resid_post": torch.randn(6, 3, 4)},
            ...                                  {"resid_post": torch.randn(6, 3, 4)})
            >>> len(r.line().data)
            4
        """
        from iar.analysis import plots

        for m in metrics:
            _check_metric(m)
        series = {m: self.layer_shift(m, site) for m in metrics}
        site = site or ("resid_post" if "resid_post" in self.layer else next(iter(self.layer)))
        return plots.layer_lines(
            series,
            labels={m: METRIC_LABELS[m] for m in metrics},
            title=f"Image shift per layer ({site}, {self.n} pairs)",
        )

    def __repr__(self) -> str:
        return f"ShiftReport(n={self.meta.get('n')}, sites={self.sites}, metrics={list(METRICS)})"


FORMAT = "iar.ShiftReport"


# --------------------------------------------------------------------------- recording


def counterpart_inputs(
    prompts: Sequence[str],
    images: Sequence[Any],
    counterpart: str | Sequence[str],
    *,
    seed: int = 0,
) -> tuple[list[str], list[Any] | None]:
    """The prompts and images of the counterpart half of each pair.

    Args:
        prompts: the text prompts (one per image).
        images: PIL images shown with the prompts.
        counterpart: ``"text"`` (same prompt, no image), ``"blank"`` (a white image of the same
            size), ``"noise"`` (uniform RGB noise of the same size, from ``seed``), or a list of
            captions, one per image: the image is replaced by its description, placed before the
            prompt as ``f"{caption}\\n{prompt}"`` (as ShiftDC and CMRM do).
        seed: seed of the noise images.

    Returns:
        ``(prompts, images)`` with ``images`` None for text-only counterparts.

    Example:
        >>> from PIL import Image
        >>> counterpart_inputs(["Hi"], [Image.new("RGB", (4, 4))], ["a cat"])
        (['a cat\\nHi'], None)
    """
    from PIL import Image

    prompts = list(prompts)
    if isinstance(counterpart, str):
        if counterpart == "text":
            return prompts, None
        if counterpart == "blank":
            return prompts, [Image.new("RGB", im.size, (255, 255, 255)) for im in images]
        if counterpart == "noise":
            gen = np.random.default_rng(seed)
            out = []
            for im in images:
                w, h = im.size
                out.append(Image.fromarray(gen.integers(0, 256, size=(h, w, 3), dtype=np.uint8), "RGB"))
            return prompts, out
        raise InputError(
            f"unknown counterpart {counterpart!r}; use 'text', 'blank', 'noise' or a list of captions"
        )
    captions = list(counterpart)
    if len(captions) != len(prompts) or not all(isinstance(c, str) for c in captions):
        raise InputError(
            f"counterpart captions must be a list of {len(prompts)} strings (one per image), "
            f"got {len(captions)} items"
        )
    return [f"{c}\n{p}" for c, p in zip(captions, prompts)], None


def shift(
    vlm: Any,
    prompts: Sequence[str],
    images: Sequence[Any],
    *,
    counterpart: str | Sequence[str] = "text",
    sites: Sequence[str] = ("z", "resid_post"),
    position: int | str = -1,
    batch_size: int = 8,
    seed: int = 0,
    progress: bool = True,
) -> ShiftReport:
    """Measure how much each image moves the backbone's activations, per layer and head.

    Records every (prompt, image) pair and its counterpart with :func:`iar.record` and compares
    them with :meth:`ShiftReport.from_activations`.

    Args:
        vlm: an :class:`iar.VLM` from :func:`iar.load`.
        prompts: text prompts, one per image.
        images: PIL images.
        counterpart: ``"text"``, ``"blank"``, ``"noise"`` or a list of captions (see
            :func:`counterpart_inputs`).
        sites: ``"z"`` (per head) and/or ``"resid_post"`` (per layer).
        position: which token to compare: an int index into each prompt's own tokens (-1 = last)
            or ``"mean"`` (mean over text positions). Per-prompt masks are not accepted, since
            the two halves of a pair have different token sequences.
        batch_size: prompts per forward pass.
        seed: seed of the ``"noise"`` images.
        progress: show tqdm progress bars.

    Returns:
        A :class:`ShiftReport` whose ``meta`` records the counterpart and position.

    Example:
        >>> import iar
        >>> vlm = iar.load(*iar.testing.tiny_vlm("llava"))
        >>> report = iar.shift(vlm, ["What is this?"], [iar.testing.tiny_image()], progress=False)
        >>> report.head_shift("cosine").shape[0] == vlm.cfg.n_layers
        True
    """
    from iar.activations import record

    prompts = [prompts] if isinstance(prompts, str) else list(prompts)
    images = list(images)
    if not prompts:
        raise InputError("shift needs at least one (prompt, image) pair")
    if len(images) != len(prompts):
        raise InputError(
            f"got {len(prompts)} prompts and {len(images)} images; pass one image per prompt"
        )
    if not isinstance(position, (int, str)) or isinstance(position, bool):
        raise InputError(
            "shift compares two different token sequences, so position must be an int (e.g. -1) "
            "or 'mean', not per-prompt masks"
        )
    other_prompts, other_images = counterpart_inputs(prompts, images, counterpart, seed=seed)
    kwargs = dict(sites=tuple(sites), position=position, batch_size=batch_size, progress=progress)
    with_image = record(vlm, prompts, images, **kwargs)
    without = record(vlm, other_prompts, other_images, **kwargs)
    name = counterpart if isinstance(counterpart, str) else "captions"
    return ShiftReport.from_activations(
        with_image, without, sites=sites, meta={"counterpart": name, "position": position}
    )
