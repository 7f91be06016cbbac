"""The batched solver: L2-regularised logistic regression for many probes at once.

:func:`fit_logistic` fits ``batch`` independent problems in one batched L-BFGS (Cholesky
preconditioned), so a probe on every attention head costs about as much as a few single probes.
:func:`iar.probe` is built on it.

    >>> import torch
    >>> x, y = torch.randn(3, 40, 5), (torch.rand(3, 40) > 0.5).float()
    >>> fit_logistic(x, y)[0].shape
    torch.Size([3, 6])
"""

from __future__ import annotations

from contextlib import nullcontext

import torch
from jaxtyping import Float
from torch import Tensor

from iar._threads import torch_threads
from iar.errors import InputError

def _single_threaded(device: torch.device):
    """Run small batched LAPACK calls (Cholesky) single-threaded on CPU: with more threads they
    mostly wait on each other, catastrophically so on a busy machine."""
    return torch_threads(1) if device.type == "cpu" else nullcontext()


def fit_logistic(
    x: Float[Tensor, "batch n d"],
    y: Float[Tensor, " n"],
    *,
    l2: float = 1.0,
    max_iter: int = 500,
    gtol: float = 1e-5,
    history: int = 10,
) -> tuple[Float[Tensor, "batch d1"], Tensor]:
    """Fit ``batch`` independent L2-regularised logistic regressions sharing the labels ``y``.

    Minimises, for each problem ``b``, ``sum_i log(1 + exp(z_i)) - y_i z_i + 0.5 * l2 * ||w||^2``
    with ``z = x[b] @ w + c`` (the intercept ``c`` is not penalised): scikit-learn's
    ``LogisticRegression(C=1/l2)`` objective. Batched, preconditioned L-BFGS from zero on the
    centred features (centring only moves the unpenalised intercept, which is mapped back): the
    preconditioner is the exact Hessian at zero, ``0.25 X^T X + l2`` (one Cholesky factor per
    problem; it bounds the Hessian everywhere, so the first step is Newton's and correlated
    features cost few iterations); the L-BFGS memory (last ``history`` steps) is applied in
    compact form with a few batched products for all problems; the Armijo backtracking line search
    runs per problem, on ``z + t * X @ step`` so that it reads the data once. A problem stops when
    ``max|gradient| / n <= gtol`` (scikit-learn's lbfgs stops at 1e-4 on the same scale), or when
    its steps stop changing the weights (the float32 precision limit).

    Args:
        x: ``[batch, n, d]`` features (standardise them first for a well-scaled problem).
        y: ``[n]`` labels in {0, 1}, shared by every problem.
        l2: L2 penalty on the weights (``1 / C``), > 0.
        max_iter: iterations at most.
        gtol: stopping threshold on the largest gradient entry divided by ``n``.
        history: number of past steps L-BFGS keeps.

    Returns:
        ``(theta, n_iter)``: ``theta`` is ``[batch, d + 1]`` (weights, then intercept);
        ``n_iter`` ``[batch]`` the iterations each problem took (``max_iter`` = not converged).

    Example:
        >>> x = torch.randn(3, 50, 2); y = (x[0, :, 0] > 0).float()
        >>> theta, n_iter = fit_logistic(x, y)
        >>> theta.shape
        torch.Size([3, 3])
    """
    mu = x.mean(1, keepdim=True)
    xc = x - mu  # centring only moves the (unpenalised) intercept
    scale = torch.ones(x.shape[0], x.shape[2], dtype=x.dtype, device=x.device)
    gram = torch.bmm(xc.mT, xc)
    theta, n_iter, _ = _lbfgs(xc, scale, gram, y, l2=l2, max_iter=max_iter, gtol=gtol, history=history)
    theta[:, -1] -= (theta[:, :-1] * mu.squeeze(1)).sum(-1)
    return theta, n_iter


def _lbfgs(
    xc: Tensor,
    scale: Tensor,
    gram: Tensor,
    y: Tensor,
    *,
    l2: float,
    max_iter: int,
    gtol: float,
    history: int,
) -> tuple[Tensor, Tensor, Tensor]:
    """The solver behind :func:`fit_logistic` and :func:`probe`.

    Fits the problems on the standardised features ``xc / scale`` without forming them: ``xc`` is
    ``[batch, n, d]``, centred (columns sum to zero, so the intercept decouples in the Hessian at
    zero) and contiguous; ``scale`` ``[batch, d]``; ``gram`` the Gram matrices ``xc^T xc``
    ``[batch, d, d]``. Returns ``(theta, n_iter, logits)`` with ``theta`` ``[batch, d + 1]`` for
    the standardised features (weights, then intercept) and the final logits ``[batch, n]``.
    """
    if not l2 > 0:
        raise InputError(f"l2 must be > 0 (it is 1/C), got {l2}")
    batch, n, d = xc.shape
    dev, dtype = xc.device, xc.dtype
    y = y.to(dtype=dtype, device=dev)
    inv_scale = 1.0 / scale
    pen = torch.full((d + 1,), float(l2), dtype=dtype, device=dev)
    pen[d] = 0.0
    # Hessian at theta = 0 (p = 1/2 everywhere) of the standardised problem: 0.25 X^T X + l2 on
    # the weights; the intercept's block is 0.25 n, uncoupled because the features are centred.
    h0 = 0.25 * gram * (inv_scale.unsqueeze(2) * inv_scale.unsqueeze(1))
    h0.diagonal(dim1=-2, dim2=-1).add_(float(l2) + 1e-6 * n)
    with _single_threaded(dev):
        chol, info = torch.linalg.cholesky_ex(h0)
    if bool((info != 0).any()):  # numerically singular: fall back to its diagonal
        bad = info != 0
        chol[bad] = torch.diag_embed(h0[bad].diagonal(dim1=-2, dim2=-1).clamp_min(1e-6).sqrt())
    h0_b = 0.25 * n + 1e-6 * n

    def precondition(v: Tensor, c: Tensor) -> Tensor:  # H0^-1 v, v: [a, k, d+1]
        with _single_threaded(dev):
            vw = torch.cholesky_solve(v[..., :d].mT, c).mT
        return torch.cat([vw, v[..., d:] / h0_b], -1)

    def times_x(xs: Tensor, v: Tensor, inv: Tensor) -> Tensor:  # logits contribution of v, [a, n]
        return torch.bmm((v[:, :d] * inv).unsqueeze(1), xs.mT).squeeze(1) + v[:, d:]

    def loss_of(z: Tensor, th: Tensor) -> Tensor:
        # summed in float64: near the optimum its decrease is below float32 resolution
        f = (torch.nn.functional.softplus(z) - y * z).sum(-1, dtype=torch.float64)
        return f + 0.5 * (pen * th * th).sum(-1, dtype=torch.float64)

    def grad_of(xs: Tensor, th: Tensor, z: Tensor, inv: Tensor) -> Tensor:
        r = torch.sigmoid(z) - y
        gw = torch.bmm(r.unsqueeze(1), xs).squeeze(1) * inv
        return torch.cat([gw, r.sum(-1, keepdim=True)], -1) + pen * th

    theta = torch.zeros(batch, d + 1, dtype=dtype, device=dev)
    logits = torch.zeros(batch, n, dtype=dtype, device=dev)
    n_iter = torch.full((batch,), max_iter, dtype=torch.long)
    running = torch.ones(batch, dtype=torch.bool, device=dev)  # not yet converged
    rows = torch.arange(batch, device=dev)  # which original problem each row holds
    xs, inv, th = xc, inv_scale, theta.clone()
    z = torch.zeros(batch, n, dtype=dtype, device=dev)
    f = loss_of(z, th)
    g = grad_of(xs, th, z, inv)
    pg = precondition(g.unsqueeze(1), chol).squeeze(1)  # H0^-1 g
    # L-BFGS memory in compact form (Byrd, Nocedal & Schnabel 1994), oldest pair first:
    # steps S, gradient changes Y and H0^-1 Y, each [rows, pairs, d+1]. A handful of batched
    # products per iteration, whatever the history length.
    hist_s = hist_y = hist_py = None
    for it in range(max_iter):
        newly = running & (g.abs().amax(-1) <= gtol * n)
        if bool(newly.any()):
            theta[rows[newly]] = th[newly]
            logits[rows[newly]] = z[newly]
            n_iter[rows[newly].cpu()] = it
            running = running & ~newly
        if not bool(running.any()):
            break
        if int(running.sum()) * 2 <= len(running):  # drop finished rows once half are done
            keep = running
            rows, xs, inv, chol = rows[keep], xs[keep], inv[keep], chol[keep]
            th, f, z, g, pg = th[keep], f[keep], z[keep], g[keep], pg[keep]
            if hist_s is not None:
                hist_s, hist_y, hist_py = hist_s[keep], hist_y[keep], hist_py[keep]
            running = running[keep]
        if hist_s is None:
            r = pg  # the Newton step from zero
        else:
            # H g = gamma H0^-1 g + S a - gamma (H0^-1 Y) q, with H0 scaled by gamma (the usual
            # s^T y / y^T H0^-1 y of the newest pair)
            sy_last = (hist_s[:, -1] * hist_y[:, -1]).sum(-1)
            ypy_last = (hist_y[:, -1] * hist_py[:, -1]).sum(-1)
            gamma = torch.where(ypy_last > 0, sy_last / ypy_last.clamp_min(1e-30), torch.ones_like(sy_last))
            sy_mat = torch.bmm(hist_s, hist_y.mT)  # s_i . y_j
            upper = sy_mat.triu()
            u = torch.bmm(hist_s, g.unsqueeze(-1))
            q = torch.linalg.solve_triangular(upper, u, upper=True)
            w = (sy_mat.diagonal(dim1=-2, dim2=-1).unsqueeze(-1) * q
                 + gamma[:, None, None] * (torch.bmm(torch.bmm(hist_y, hist_py.mT), q)
                                           - torch.bmm(hist_y, pg.unsqueeze(-1))))
            a = torch.linalg.solve_triangular(upper.mT, w, upper=False)
            r = (gamma[:, None] * (pg - torch.bmm(q.mT, hist_py).squeeze(1))
                 + torch.bmm(a.mT, hist_s).squeeze(1))
        step = torch.where(running[:, None], -r, torch.zeros_like(r))
        slope = (g * step).sum(-1, dtype=torch.float64)
        slack = 1e-6 * f.abs() + 1e-12  # rounding allowance on the loss (float32 terms)
        # Armijo backtracking on the loss alone, every row at once, on z + t X step (one pass
        # over the data for the whole search); finished rows have step 0
        dz = times_x(xs, step, inv)
        t = torch.ones_like(f, dtype=dtype)
        new_t = torch.zeros_like(t)
        new_f = f
        pending = running.clone()
        for _ in range(40):
            fc = loss_of(z + t[:, None] * dz, th + t[:, None] * step)
            ok = pending & (fc <= f + 1e-4 * t * slope + slack)
            new_t = torch.where(ok, t, new_t)
            new_f = torch.where(ok, fc, new_f)
            pending = pending & ~ok
            if not bool(pending.any()):
                break
            t = torch.where(pending, 0.5 * t, t)
        s_new = new_t[:, None] * step
        new_th = th + s_new
        new_z = z + new_t[:, None] * dz
        new_g = grad_of(xs, new_th, new_z, inv)
        y_new = new_g - g
        # no acceptable step, a step too small to change theta, or no positive curvature along
        # it: the float32 precision limit
        tiny_step = s_new.abs().amax(-1) <= 1e-6 * th.abs().amax(-1).clamp_min(1.0)
        stalled = running & (pending | tiny_step | ((s_new * y_new).sum(-1) <= 0))
        if bool(stalled.any()):
            theta[rows[stalled]] = new_th[stalled]
            logits[rows[stalled]] = new_z[stalled]
            n_iter[rows[stalled].cpu()] = it + 1
            running = running & ~stalled
        solved = precondition(torch.stack([new_g, y_new], 1), chol)
        pg, py_new = solved[:, 0], solved[:, 1]
        if hist_s is None:
            hist_s, hist_y, hist_py = s_new.unsqueeze(1), y_new.unsqueeze(1), py_new.unsqueeze(1)
        else:
            first = max(0, hist_s.shape[1] + 1 - history)  # keep the newest history - 1 pairs
            hist_s = torch.cat([hist_s[:, first:], s_new.unsqueeze(1)], 1)
            hist_y = torch.cat([hist_y[:, first:], y_new.unsqueeze(1)], 1)
            hist_py = torch.cat([hist_py[:, first:], py_new.unsqueeze(1)], 1)
        th, f, z, g = new_th, new_f, new_z, new_g
    if bool(running.any()):
        theta[rows[running]] = th[running]
        logits[rows[running]] = z[running]
    return theta, n_iter, logits
