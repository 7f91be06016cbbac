"""Linear probes for every attention head (or layer) at once, as one batched problem in torch.

Each probe is an L2-regularised logistic regression on standardised activations, with exactly
scikit-learn's objective (``LogisticRegression(C=1/l2)``): the sum of the log-losses plus
``0.5 * l2 * ||w||^2``, intercept not penalised. All heads are solved together by one batched,
preconditioned L-BFGS (per-head line search) on a ``[heads, n, d]`` tensor; heads go through in
chunks that fit in cache, so no Python loop runs per head.

    >>> pos, neg = torch.randn(40, 2, 4, 8) + 0.5, torch.randn(40, 2, 4, 8)
    >>> report = probe(pos, neg, progress=False)
    >>> report.accuracy.shape
    torch.Size([2, 4])
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor
from iar._progress import tqdm

from iar import _io
from iar._sites import site_tensor
from iar._threads import torch_threads
from iar.analysis.solver import _lbfgs, fit_logistic  # noqa: F401  (fit_logistic: also here)
from iar.errors import InputError, ShapeError, SiteError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import plotly.graph_objects as go

MIN_PER_CLASS = 4


# --------------------------------------------------------------------------- inputs


def stratified_split(labels: Tensor, val_fraction: float, seed: int) -> tuple[Tensor, Tensor]:
    """Split sample indices into train and validation, keeping the class balance.

    Each class puts ``round(val_fraction * n_class)`` samples (at least 1, leaving at least 2 for
    training) into validation, chosen by a permutation from ``seed``.

    Args:
        labels: ``[n]`` bool or {0, 1} labels.
        val_fraction: fraction of each class held out, in (0, 1).
        seed: permutation seed.

    Returns:
        ``(train_index, val_index)``, both sorted ascending.

    Example:
        >>> tr, va = stratified_split(torch.tensor([1, 1, 1, 1, 0, 0, 0, 0, 0, 0]), 0.25, seed=0)
        >>> len(tr), len(va)
        (7, 3)
    """
    if not 0.0 < val_fraction < 1.0:
        raise InputError(f"val_fraction must be between 0 and 1 (exclusive), got {val_fraction}")
    gen = torch.Generator().manual_seed(int(seed))
    labels = labels.to(torch.long).cpu()
    train, val = [], []
    for cls in (1, 0):
        idx = (labels == cls).nonzero().squeeze(-1)
        perm = idx[torch.randperm(len(idx), generator=gen)]
        n_val = min(max(1, round(val_fraction * len(idx))), len(idx) - 2)
        val.append(perm[:n_val])
        train.append(perm[n_val:])
    return torch.cat(train).sort().values, torch.cat(val).sort().values





def _unit_shape(site: str, shape: torch.Size, which: str) -> tuple[int, ...]:
    if site == "z" and len(shape) == 4:
        return tuple(shape[1:3])
    if site != "z" and len(shape) == 3:
        return (shape[1],)
    want = "[n, layers, heads, d_head]" if site == "z" else "[n, layers, d_model]"
    other = "resid_post" if site == "z" else "z"
    raise ShapeError(
        f"site {site!r} expects {which} activations {want}, got {tuple(shape)}; "
        f"pass site={other!r} if these are {'per-layer' if site == 'z' else 'per-head'} activations"
    )


# --------------------------------------------------------------------------- report


class ProbeReport:
    """Validation accuracy of a linear probe on every head (site ``"z"``) or layer (``"resid_post"``).

    Attributes:
        accuracy: validation accuracy, ``[n_layers, n_heads]`` (or ``[n_layers]``).
        train_accuracy: training accuracy, same shape.
        weights: probe directions in the original activation space, ``[n_layers, n_heads, d]``
            (or ``[n_layers, d]``): ``logit = acts @ w + bias``, positive = the ``positive`` set.
        bias: intercepts in the original space, same shape as ``accuracy``.
        n_iter: L-BFGS iterations per probe (same shape as ``accuracy``).
        val_loss: mean validation log-loss per probe (same shape; lower = more confident and
            right), the tie-break of :meth:`top`; ``None`` in reports saved before it existed.
        site: ``"z"`` or ``"resid_post"``.
        train_index, val_index: indices into ``cat([positive, negative])`` used for each split.
        meta: JSON-able settings (l2, seed, val_fraction, n_positive, n_negative, ...).

    Example:
        >>> r = probe(torch.randn(20, 2, 3, 4) + 1, torch.randn(20, 2, 3, 4), progress=False)
        >>> len(r.top(2))
        2
    """

    def __init__(
        self,
        *,
        accuracy: Tensor,
        train_accuracy: Tensor,
        weights: Tensor,
        bias: Tensor,
        n_iter: Tensor,
        train_index: Tensor,
        val_index: Tensor,
        site: str,
        meta: dict[str, Any],
        val_loss: Tensor | None = None,
    ) -> None:
        self.accuracy = accuracy
        self.train_accuracy = train_accuracy
        self.weights = weights
        self.bias = bias
        self.n_iter = n_iter
        self.train_index = train_index
        self.val_index = val_index
        self.site = site
        self.meta = meta
        self.val_loss = val_loss

    def top(self, k: int) -> list[tuple[int, int]] | list[int]:
        """The ``k`` best probes by validation accuracy.

        Ties go to the lower validation log-loss (``val_loss``), then to the lower layer and head.
        Ties are common when probes saturate (many heads at accuracy 1.0, as a text-vs-image
        contrast gives); index order alone would then pick the first heads of the first layer.

        Args:
            k: how many (clipped to the number of probes).

        Returns:
            ``[(layer, head), ...]`` for site ``"z"``, ``[layer, ...]`` for ``"resid_post"``.

        Example:
            >>> r = probe(torch.randn(20, 2, 3, 4) + 1, torch.randn(20, 2, 3, 4), progress=False)
            >>> r.top(1)[0] in [(l, h) for l in range(2) for h in range(3)]
            True
        """
        if k < 0:
            raise InputError(f"k must be >= 0, got {k}")
        order = rank(self.accuracy, self.val_loss)[:k].tolist()
        if self.accuracy.ndim == 1:
            return order
        n_heads = self.accuracy.shape[1]
        return [divmod(i, n_heads) for i in order]

    def to_frame(self) -> pd.DataFrame:
        """One row per probe: ``layer``, ``head`` (site ``"z"`` only), ``accuracy``, ``train_accuracy``, ``n_iter``.

        Example:
            >>> r = probe(torch.randn(20, 2, 3, 4), torch.randn(20, 2, 3, 4), progress=False)
            >>> len(r.to_frame())
            6
        """
        import pandas as pd

        data: dict[str, Any] = {}
        if self.accuracy.ndim == 2:
            n_layers, n_heads = self.accuracy.shape
            data["layer"] = torch.arange(n_layers).repeat_interleave(n_heads).tolist()
            data["head"] = torch.arange(n_heads).repeat(n_layers).tolist()
        else:
            data["layer"] = list(range(self.accuracy.shape[0]))
        data["accuracy"] = self.accuracy.reshape(-1).tolist()
        data["train_accuracy"] = self.train_accuracy.reshape(-1).tolist()
        if self.val_loss is not None:
            data["val_loss"] = self.val_loss.reshape(-1).tolist()
        data["n_iter"] = self.n_iter.reshape(-1).tolist()
        return pd.DataFrame(data)

    def heatmap(self) -> go.Figure:
        """Validation accuracy per head (layers on y, heads on x; one column for ``resid_post``).

        Example:
            >>> r = probe(torch.randn(20, 2, 3, 4), torch.randn(20, 2, 3, 4), progress=False)
            >>> r.heatmap().data[0].z.shape
            (2, 3)
        """
        from iar.analysis import plots

        what = "head" if self.site == "z" else "layer (residual stream)"
        return plots.heatmap(
            self.accuracy,
            title=f"Linear probe per {what}: colour = validation accuracy "
                  f"({len(self.val_index)} held-out samples, 0.5 = chance)",
            colorbar_title="val. accuracy",
            value_name="accuracy",
            x_title="head" if self.site == "z" else "",
            zmin=0.5 if float(self.accuracy.min()) >= 0.5 else None,
            zmax=1.0,
        )

    def save(self, path: str | os.PathLike) -> Path:
        """Write the report to one ``.safetensors`` file with JSON metadata, atomically.

        Example:
            >>> import tempfile
            >>> r = probe(torch.randn(20, 2, 3, 4), torch.randn(20, 2, 3, 4), progress=False)
            >>> ProbeReport.load(r.save(tempfile.mkdtemp() + "/p.safetensors")).site
            'z'
        """
        tensors = {
            name: getattr(self, name).contiguous()
            for name in ("accuracy", "train_accuracy", "weights", "bias", "n_iter", "train_index", "val_index",
                         "val_loss")
            if getattr(self, name) is not None
        }
        return _io.save_artifact(path, FORMAT, tensors, {"site": self.site, "meta": self.meta})

    @classmethod
    def load(cls, path: str | os.PathLike) -> ProbeReport:
        """Read a report written by :meth:`save`.

        Example:
            >>> import tempfile
            >>> r = probe(torch.randn(20, 3, 4), torch.randn(20, 3, 4), site="resid_post", progress=False)
            >>> ProbeReport.load(r.save(tempfile.mkdtemp() + "/p.safetensors")).accuracy.shape
            torch.Size([3])
        """
        tensors, header = _io.load_artifact(path, FORMAT, what="probe report", legacy=_io.report_v1(FORMAT))
        return cls(**tensors, site=header["site"], meta=header["meta"])

    def __repr__(self) -> str:
        best = self.top(1)
        return (
            f"ProbeReport(site={self.site!r}, shape={tuple(self.accuracy.shape)}, "
            f"best={best[0] if best else None} acc={float(self.accuracy.max()):.3f})"
        )


FORMAT = "iar.ProbeReport"


def rank(accuracy: Tensor, val_loss: Tensor | None = None) -> Tensor:
    """Flat unit indices, best first: by validation accuracy (higher first), ties by validation
    log-loss (lower first, when given), then by index (layer-major).

    Example:
        >>> rank(torch.tensor([[1.0, 1.0], [0.9, 1.0]]), torch.tensor([[0.3, 0.1], [0.0, 0.2]])).tolist()
        [1, 3, 0, 2]
    """
    order = torch.arange(accuracy.numel())
    if val_loss is not None and val_loss.shape == accuracy.shape:
        order = torch.argsort(val_loss.reshape(-1).float(), stable=True)
    acc = accuracy.reshape(-1)[order]
    return order[torch.argsort(acc, descending=True, stable=True)]


# --------------------------------------------------------------------------- entry point


def _default_chunk(n_train: int, d: int) -> int:
    # ~8 MiB of standardised float32 features per chunk: fits in cache, amortises Python overhead
    return max(1, min(256, (8 << 20) // max(1, n_train * (d + 1) * 4)))


def probe(
    positive: Any,
    negative: Any = None,
    *,
    site: str = "z",
    val_fraction: float = 0.2,
    l2: float = 1.0,
    seed: int = 0,
    device: str | torch.device | None = None,
    max_iter: int = 500,
    tol: float = 1e-5,
    chunk_size: int | None = None,
    threads: int | None = None,
    progress: bool = True,
) -> ProbeReport:
    """Train one logistic-regression probe per head (or layer) separating positive from negative.

    All probes are trained together (see :func:`fit_logistic`). Features are standardised with the
    training split's mean and standard deviation (zero-variance features are left unscaled, as in
    scikit-learn's ``StandardScaler``); the split is stratified and seeded. The result matches
    ``LogisticRegression(C=1/l2)`` fitted per head on the same standardised split.

    Args:
        positive: :class:`iar.Activations` or a tensor ``[n_pos, layers, heads, d_head]``
            (site ``"z"``) / ``[n_pos, layers, d_model]`` (``"resid_post"``); label 1. If it is an
            ``Activations`` with ``.labels`` and ``negative`` is None, it is split by its labels.
        negative: the same for the negative set (label 0).
        site: ``"z"`` (one probe per head) or ``"resid_post"`` (one per layer; any other per-layer
            site such as ``"resid_mid"`` or ``"attn_out"`` works the same way).
        val_fraction: fraction of each class held out for validation accuracy.
        l2: L2 penalty (scikit-learn's ``1 / C``), > 0.
        seed: seed of the split.
        device: where to solve (e.g. ``"cuda"``); default: the activations' device.
        max_iter: L-BFGS iterations at most per probe.
        tol: stop a probe when its largest gradient entry / n_train is below this (scikit-learn's
            lbfgs default is 1e-4 on the same scale, so the default is 10x tighter).
        chunk_size: probes solved together (default: sized to fit ~8 MiB); results do not depend on it
            beyond float rounding.
        threads: CPU worker threads, each solving whole chunks with single-threaded torch ops
            (default: ``torch.get_num_threads()``); ignored on GPU. Results do not depend on it.
            While the probes run, torch's intra-op thread count is 1 (restored afterwards).
        progress: show a tqdm bar over chunks.

    Returns:
        A :class:`ProbeReport`.

    Raises:
        InputError: fewer than 4 samples in a class, NaN/inf activations, bad arguments.
        ShapeError: positive and negative shapes differ, or do not fit the site.
        SiteError: the site was not recorded.

    Example:
        >>> pos, neg = torch.randn(30, 2, 3, 4), torch.randn(30, 2, 3, 4)
        >>> pos[:, 1, 2] += 2.0
        >>> probe(pos, neg, progress=False).top(1)
        [(1, 2)]
    """
    if not isinstance(site, str):
        raise SiteError(f"site must be a name such as 'z' or 'resid_post', got {site!r}")
    if negative is None:
        labels = getattr(positive, "labels", None)
        if labels is None or not hasattr(positive, "positive"):
            raise InputError(
                "pass both positive and negative activations, or one iar.Activations with .labels"
            )
        positive, negative = positive.positive, positive.negative
    pos = site_tensor(positive, site, "positive")
    neg = site_tensor(negative, site, "negative")
    unit_shape = _unit_shape(site, pos.shape, "positive")
    _unit_shape(site, neg.shape, "negative")
    if pos.shape[1:] != neg.shape[1:]:
        raise ShapeError(
            f"positive and negative activations differ in shape: {tuple(pos.shape)} vs {tuple(neg.shape)}; "
            "record both with the same model and sites"
        )
    for t, which in ((pos, "positive"), (neg, "negative")):
        if t.shape[0] < MIN_PER_CLASS:
            raise InputError(
                f"the {which} set has {t.shape[0]} samples; a probe needs at least {MIN_PER_CLASS} per "
                "class (to hold some out for validation): add more samples"
            )
    if not (isinstance(l2, (int, float)) and l2 > 0 and math.isfinite(l2)):
        raise InputError(f"l2 must be a positive number (it is 1/C), got {l2!r}")

    device = torch.device(device) if device is not None else pos.device
    n_pos, n_neg = pos.shape[0], neg.shape[0]
    d = pos.shape[-1]
    units = math.prod(unit_shape)
    y_all = torch.cat([torch.ones(n_pos), torch.zeros(n_neg)])
    train_idx, val_idx = stratified_split(y_all, val_fraction, seed)
    y_tr, y_va = y_all[train_idx].to(device), y_all[val_idx].to(device)
    n_tr = len(train_idx)
    # indices are sorted, so (positive rows, negative rows) keeps train_idx / val_idx order
    pieces = {
        "train": (train_idx[train_idx < n_pos], train_idx[train_idx >= n_pos] - n_pos),
        "val": (val_idx[val_idx < n_pos], val_idx[val_idx >= n_pos] - n_pos),
    }
    pos_f, neg_f = pos.reshape(n_pos, units, d), neg.reshape(n_neg, units, d)

    def gather(split: str, s: int, e: int) -> tuple[Tensor, Tensor]:
        """Rows of one split for probes [s, e): ``[rows, c, d]`` float32 on device, and their sums."""
        ip, ineg = pieces[split]
        out = torch.empty(len(ip) + len(ineg), e - s, d, dtype=torch.float32, device=device)
        sums = []
        for src, idx, rows, which in ((pos_f, ip, out[: len(ip)], "positive"),
                                      (neg_f, ineg, out[len(ip):], "negative")):
            if src.device == device and src.dtype == torch.float32:
                torch.index_select(src[:, s:e], 0, idx.to(src.device), out=rows)
            else:
                rows.copy_(src[:, s:e].index_select(0, idx.to(src.device)))
            sums.append(rows.sum(0))
            if not bool(torch.isfinite(sums[-1]).all()):  # one cheap reduction catches NaN/inf
                raise InputError(
                    f"the {which} activations contain NaN or infinity (or values too large for "
                    "float32); record them again in float32 (a half-precision overflow is the usual cause)"
                )
        return out, sums[0] + sums[1]

    chunk = chunk_size or _default_chunk(n_tr, d)
    weights = torch.empty(units, d)
    bias = torch.empty(units)
    acc = torch.empty(units)
    train_acc = torch.empty(units)
    n_iter = torch.empty(units, dtype=torch.long)
    val_loss = torch.empty(units)
    tiny = 10 * torch.finfo(torch.float32).eps

    def solve(s: int) -> int:
        e = min(s + chunk, units)
        xtr, sums = gather("train", s, e)  # [n_tr, c, d], [c, d]
        mu = sums / n_tr
        xc = torch.empty(e - s, n_tr, d, device=device)
        torch.sub(xtr.transpose(0, 1), mu.unsqueeze(1), out=xc)  # centred: no cancellation
        del xtr
        gram = torch.bmm(xc.mT, xc)  # the features' variances are on its diagonal
        sd = (gram.diagonal(dim1=-2, dim2=-1) / n_tr).sqrt()
        sd = torch.where(sd < tiny, torch.ones_like(sd), sd)  # constant features stay unscaled
        theta, it, z_tr = _lbfgs(xc, sd, gram, y_tr, l2=float(l2), max_iter=max_iter, gtol=tol, history=10)
        del xc
        w = theta[:, :d] / sd  # back to the original activation space
        b = theta[:, d] - (w * mu).sum(-1)
        z_va = (gather("val", s, e)[0] * w).sum(-1).T + b[:, None]  # [c, n_val]
        train_acc[s:e] = ((z_tr > 0).float() == y_tr).float().mean(-1).cpu()
        acc[s:e] = ((z_va > 0).float() == y_va).float().mean(-1).cpu()
        val_loss[s:e] = (torch.nn.functional.softplus(z_va) - y_va * z_va).mean(-1).cpu()
        weights[s:e] = w.cpu()
        bias[s:e] = b.cpu()
        n_iter[s:e] = it.cpu()
        return e - s

    starts = list(range(0, units, chunk))
    if threads is None:
        threads = 1 if device.type != "cpu" else max(1, torch.get_num_threads())
    threads = max(1, min(int(threads), len(starts)))
    bar = tqdm(total=units, desc="probes", disable=not progress, unit="probe")
    # Each chunk's ops are small: OpenMP threads inside them mostly wait on each other (badly so
    # on a busy machine), so run single-threaded ops and spread chunks over worker threads.
    try:
        with torch_threads(1 if device.type == "cpu" else None):
            if threads == 1:
                for s in starts:
                    bar.update(solve(s))
            else:
                with ThreadPoolExecutor(max_workers=threads) as pool:
                    for done in as_completed([pool.submit(solve, s) for s in starts]):
                        bar.update(done.result())
    finally:
        bar.close()

    meta = {
        "l2": float(l2), "seed": int(seed), "val_fraction": float(val_fraction),
        "n_positive": int(n_pos), "n_negative": int(n_neg), "n_train": int(n_tr),
        "n_val": int(len(val_idx)), "max_iter": int(max_iter), "tol": float(tol),
        "converged": bool((n_iter < max_iter).all()),
    }
    src = getattr(positive, "meta", None)
    if isinstance(src, dict):
        for key in ("model", "name_or_path", "position"):
            if key in src and isinstance(src[key], (str, int, float, bool)):
                meta[key] = src[key]
    return ProbeReport(
        accuracy=acc.reshape(unit_shape),
        train_accuracy=train_acc.reshape(unit_shape),
        weights=weights.reshape(*unit_shape, d),
        bias=bias.reshape(unit_shape),
        n_iter=n_iter.reshape(unit_shape),
        val_loss=val_loss.reshape(unit_shape),
        train_index=train_idx,
        val_index=val_idx,
        site=site,
        meta=meta,
    )
