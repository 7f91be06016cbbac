"""Shift metrics: pure functions comparing paired activations ``a`` (with image) and ``b``
(without), row ``i`` against row ``i``, over the last dimension.

:func:`cosine_distance`, :func:`relative_l2` and :func:`linear_cka` give one value per unit
(layer or head); :func:`mean_shift` gives the mean difference vector. They know nothing of
models, so they can be tested on tensors with planted answers.

    >>> import torch
    >>> a = torch.randn(8, 3, 4)
    >>> cosine_distance(a, a).abs().max() < 1e-6
    tensor(True)
"""

from __future__ import annotations

import torch
from jaxtyping import Float
from torch import Tensor

from iar.errors import InputError, ShapeError

METRICS = ("cosine", "l2", "cka", "mean_shift")
METRIC_LABELS = {
    "cosine": "cosine distance 1 - cos (0 = same direction)",
    "l2": "relative L2 distance ||a - b|| / ||b||",
    "cka": "linear CKA similarity (1 = same representation)",
    "mean_shift": "norm of the mean shift vector ||mean(a) - mean(b)||",
}
_EPS = 1e-12


# --------------------------------------------------------------------------- pure metrics


def _check_pair(a: Tensor, b: Tensor) -> None:
    if a.shape != b.shape:
        raise ShapeError(
            f"paired activations must have the same shape, got {tuple(a.shape)} (with image) and "
            f"{tuple(b.shape)} (counterpart); record both with the same sites, prompts and position"
        )
    if a.ndim < 2:
        raise ShapeError(f"expected activations [n, ..., d], got shape {tuple(a.shape)}")


def cosine_distance(
    a: Float[Tensor, "n *unit d"], b: Float[Tensor, "n *unit d"]
) -> Float[Tensor, "*unit"]:
    """Cosine distance ``1 - cos(a_i, b_i)`` averaged over the pairs ``i``.

    Args:
        a: activations with the image, pairs on dim 0 and features on the last dim.
        b: the counterpart activations, same shape; row ``i`` pairs with row ``i`` of ``a``.

    Returns:
        One value per unit (e.g. ``[layers, heads]``), in ``[0, 2]``; 0 when every pair points the
        same way. A zero vector has cosine 0 with anything (distance 1).

    Example:
        >>> x = torch.randn(5, 3, 8)
        >>> cosine_distance(x, x).abs().max() < 1e-6
        tensor(True)
    """
    _check_pair(a, b)
    a64, b64 = a.double(), b.double()
    cos = (a64 * b64).sum(-1) / (a64.norm(dim=-1) * b64.norm(dim=-1)).clamp_min(_EPS)
    return (1.0 - cos).mean(0).to(a.dtype)


def relative_l2(
    a: Float[Tensor, "n *unit d"], b: Float[Tensor, "n *unit d"]
) -> Float[Tensor, "*unit"]:
    """Relative L2 distance ``||a_i - b_i|| / ||b_i||`` averaged over the pairs ``i``.

    Args:
        a: activations with the image, pairs on dim 0 and features on the last dim.
        b: the counterpart activations (the reference, in the denominator), same shape.

    Returns:
        One value per unit, 0 when the sets are identical.

    Example:
        >>> x = torch.randn(5, 3, 8)
        >>> float(relative_l2(2 * x, x).mean())
        1.0
    """
    _check_pair(a, b)
    a64, b64 = a.double(), b.double()
    rel = (a64 - b64).norm(dim=-1) / b64.norm(dim=-1).clamp_min(_EPS)
    return rel.mean(0).to(a.dtype)


def mean_shift(
    a: Float[Tensor, "n *unit d"], b: Float[Tensor, "n *unit d"]
) -> Float[Tensor, "*unit d"]:
    """The mean shift vector ``mean(a) - mean(b)`` over the pairs (the vector CMRM subtracts).

    Args:
        a: activations with the image ``[n, ..., d]``.
        b: the counterpart activations; only its feature shape must match ``a`` (sets may differ
            in size).

    Returns:
        ``[..., d]``: one vector per unit.

    Example:
        >>> a, b = torch.ones(4, 2, 3), torch.zeros(6, 2, 3)
        >>> mean_shift(a, b)[0].tolist()
        [1.0, 1.0, 1.0]
    """
    if a.shape[1:] != b.shape[1:]:
        raise ShapeError(
            f"mean_shift needs the same unit and feature shape, got {tuple(a.shape)} and {tuple(b.shape)}"
        )
    return (a.double().mean(0) - b.double().mean(0)).to(a.dtype)


def linear_cka(
    a: Float[Tensor, "n *unit d"], b: Float[Tensor, "n *unit d"], *, chunk: int = 64
) -> Float[Tensor, "*unit"]:
    """Linear CKA (Kornblith et al. 2019) between the two sets, one value per unit.

    ``CKA = ||Bc^T Ac||_F^2 / (||Ac^T Ac||_F ||Bc^T Bc||_F)`` with column-centred ``Ac``, ``Bc``.
    It is 1 for a set compared with itself, invariant to orthogonal rotations and isotropic
    scaling of either set, and NaN when a set has no variance (e.g. a single pair).

    Args:
        a: ``[n, ..., d]`` activations with the image.
        b: ``[n, ..., d]`` counterpart activations (rows paired with ``a``).
        chunk: units computed together (bounds memory; results do not depend on it).

    Returns:
        ``[...]`` CKA similarity per unit, in ``[0, 1]``.

    Example:
        >>> x = torch.randn(20, 2, 8)
        >>> torch.allclose(linear_cka(x, 3 * x), torch.ones(2))
        True
    """
    _check_pair(a, b)
    n, unit_shape, d = a.shape[0], a.shape[1:-1], a.shape[-1]
    aa = a.reshape(n, -1, d).transpose(0, 1)  # [units, n, d]
    bb = b.reshape(n, -1, d).transpose(0, 1)
    out = []
    for i in range(0, aa.shape[0], chunk):
        x = aa[i : i + chunk].double()
        y = bb[i : i + chunk].double()
        x = x - x.mean(1, keepdim=True)
        y = y - y.mean(1, keepdim=True)
        if n <= d:  # Gram form: n x n
            kx, ky = x @ x.mT, y @ y.mT
            num = (kx * ky).sum((-1, -2))
        else:  # feature form: d x d
            kx, ky = x.mT @ x, y.mT @ y
            num = (y.mT @ x).pow(2).sum((-1, -2))
        den = kx.pow(2).sum((-1, -2)).sqrt() * ky.pow(2).sum((-1, -2)).sqrt()
        cka = torch.where(den > _EPS, num / den.clamp_min(_EPS), torch.full_like(num, float("nan")))
        out.append(cka)
    return torch.cat(out).reshape(unit_shape).to(a.dtype)


_METRIC_FNS = {"cosine": cosine_distance, "l2": relative_l2, "cka": linear_cka}


def _metric_values(a: Tensor, b: Tensor) -> dict[str, Tensor]:
    values = {name: fn(a, b) for name, fn in _METRIC_FNS.items()}
    values["mean_shift"] = mean_shift(a, b).norm(dim=-1)
    return values


def _check_metric(metric: str) -> None:
    if metric not in METRICS:
        raise InputError(f"unknown shift metric {metric!r}; choose one of {METRICS}")
