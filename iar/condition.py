"""Conditions: decide per prompt, from its activations at one site, whether (and how strongly) to steer.

A :class:`Condition` is a linear score on one hook site at one layer, read at one position of the
prompt (``"last"`` token, ``"mean"`` over the text tokens, ``"image"``: the mean over the image
tokens, or ``"prompt"``: the mean over every prompt token, image tokens included), plus a threshold
calibrated on held-out benign prompts to a target false-positive rate. ``iar.steer(...,
when=condition)`` reads the site while the prompt is being run (the prefill of
:meth:`iar.VLM.generate`, or :meth:`iar.VLM.forward`): one projection per prompt. In ``"gate"`` mode a prompt is steered with the full alpha or not
at all; in ``"graded"`` mode alpha is scaled by ``clip((score - threshold) / scale, 0, 1)``, where
``scale`` is the distance from the threshold to the median score of the harmful fitting prompts.

    >>> import torch
    >>> g = torch.Generator().manual_seed(0)
    >>> harm, good = torch.randn(40, 8, generator=g) + 2, torch.randn(40, 8, generator=g)
    >>> cond = Condition.fit(harm, good, site="resid_pre", layer=0, fpr=0.1)
    >>> bool(cond.decide(harm).float().mean() > 0.8), bool(cond.decide(good).float().mean() < 0.3)
    (True, True)

When is the decision known? Within the prefill it is known once the condition's hook point has
fired: steered sites *after* it in the forward pass (a higher layer, or a later site of the same
layer) are steered at the prompt positions in that same pass, exactly as unconditional steering
would. Steered sites at or *before* the condition's site ran before the decision existed: by
default (``iar.steer(..., lookahead=None)``) the prompt is then run once more beforehand, up to the
condition's hook point, to decide first, so those sites are steered exactly as unconditional
steering would steer the prompts that fire; with ``lookahead=False`` they are steered from the
first generated token on (a scope that covers only prompt positions there is refused).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor

from iar import _io
from iar._sites import SITES, check_sites, site_tensor
from iar._version import __version__
from iar.errors import ArtifactError, InputError, RevisionError, ShapeError

if TYPE_CHECKING:  # pragma: no cover
    from iar.activations import Activations
    from iar.model import VLM, Batch

FORMAT = "iar.Condition"
POSITIONS = ("last", "mean", "image", "prompt")
MODES = ("gate", "graded")
METHODS = ("probe", "direction")
# the order in which the hook points of one block fire
_ORDER = {"resid_pre": 0, "z": 1, "attn_out": 2, "resid_mid": 3, "mlp_out": 4, "resid_post": 5}


def fires_after(site: str, layer: int, than_site: str, than_layer: int) -> bool:
    """Whether hook point ``(site, layer)`` fires strictly after ``(than_site, than_layer)`` in a
    forward pass.

    Example:
        >>> fires_after("z", 0, "resid_pre", 0), fires_after("z", 0, "resid_post", 0)
        (True, False)
    """
    return (layer, _ORDER[site]) > (than_layer, _ORDER[than_site])


# --------------------------------------------------------------------------------------------
# features: the one reduction used when recording for a fit and when deciding at run time


def _weights(batch: Batch, position: str, n: int) -> Tensor:
    """``[b, n]`` float weights over the first ``n`` (prompt) columns."""
    if position == "last":
        w = torch.zeros(len(batch), n, device=batch.attention_mask.device)
        w[:, n - 1] = 1.0  # left padding: the last column is every prompt's last token
        return w
    sel = {"mean": batch.text_positions, "image": batch.image_positions}.get(position, batch.attention_mask.bool())
    sel = sel[:, :n]  # "image" on a prompt without an image: no column, the zero vector
    counts = sel.sum(-1, keepdim=True).clamp(min=1)
    return sel.float() / counts.float()


def features(act: Tensor, batch: Batch, position: str) -> Tensor:
    """A prompt's feature vector at one hook point: float32 ``[b, d]`` (heads flattened for ``z``).

    ``act`` is the hook's tensor of a call that starts at column 0 and covers the whole prompt
    (``[b, p, ...]`` with ``p >= batch.seq_len``); only prompt columns are read.

    Example:
        >>> feats = features(act, vlm.step.batch, "last")  # doctest: +SKIP
    """
    n = batch.seq_len
    a = act[:, :n]
    w = _weights(batch, position, n).to(a.device)
    w = w.reshape(*w.shape, *([1] * (a.ndim - 2)))
    kept = (torch.where(w > 0, a, torch.zeros((), dtype=a.dtype, device=a.device)) * w).sum(1)
    return kept.reshape(kept.shape[0], -1).float()


def record(vlm: VLM, prompts: Any, images: Any = None, *, site: str = "resid_pre", layer: int = 0,
           position: str = "last", batch_size: int = 8, progress: bool = True) -> Activations:
    """Record the features a :class:`Condition` reads, exactly as it reads them while steering.

    Args:
        vlm: the model.
        prompts: list of str.
        images: ``None`` or one PIL image / ``None`` per prompt.
        site: one of ``iar.activations`` sites (``"resid_pre"``, ``"resid_post"``, ``"z"``, ...).
        layer: the block.
        position: ``"last"``, ``"mean"`` (text tokens), ``"image"`` (image tokens; the zero vector
            for a prompt without an image) or ``"prompt"`` (every prompt token).
        batch_size: prompts per forward pass.
        progress: a tqdm bar.

    Returns:
        :class:`iar.Activations` with one site, ``[n, 1, d]`` float32 (the one layer read, heads
        flattened at ``"z"``); ``meta`` names the model, the layer and the position, so
        :meth:`Condition.fit` reads them without further arguments.

    Example:
        >>> import iar
        >>> vlm = iar.load(*iar.testing.tiny_vlm("llava"))
        >>> iar.condition.record(vlm, ["Hi.", "Hello."], progress=False)["resid_pre"].shape
        torch.Size([2, 1, 64])
    """
    from tqdm.auto import tqdm

    from iar.activations import Activations
    from iar.model.vlm import _check_inputs

    site, layer, position = _check_where(site, layer, position, vlm.cfg.n_layers)
    prompts, images, _ = _check_inputs(prompts, images, None)
    out: list[Tensor] = []

    def hook(act: Tensor, hook: Any = None) -> None:
        if vlm.deciding is not None:  # a conditional steer's look-ahead pass: not the prompt pass
            return
        out.append(features(act, vlm.step.batch, position).cpu())
        raise _Read  # the layers after this one are not needed

    name = SITES[site].format(l=layer)
    with torch.inference_mode(), vlm.bridge.hooks(fwd_hooks=[(name, hook)]):
        for start in tqdm(range(0, len(prompts), batch_size), desc="record condition",
                          disable=not progress, unit="batch"):
            stop = start + batch_size
            try:
                vlm.forward(vlm.encode(prompts[start:stop], images[start:stop]), last_only=True)
            except _Read:
                pass
    cfg = vlm.cfg
    meta = {"model": cfg.name_or_path, "model_type": cfg.model_type, "config_hash": cfg.config_hash,
            "position": position, "condition_layer": layer, "sites": [site],
            "has_image": [im is not None for im in images]}
    return Activations({site: torch.cat(out)[:, None]}, meta=meta)


class _Read(Exception):
    """Stops :func:`record`'s forward pass once its hook point has been read."""


def _check_where(site: Any, layer: Any, position: Any, n_layers: int | None = None) -> tuple[str, int, str]:
    (site,) = check_sites(site)
    if isinstance(layer, bool) or not isinstance(layer, int) or layer < 0:
        raise InputError(f"layer must be an int >= 0, got {layer!r}.")
    if n_layers is not None and layer >= n_layers:
        raise InputError(f"layer {layer} is out of range: the model has layers 0..{n_layers - 1}.")
    if position not in POSITIONS:
        raise InputError(f"position must be one of {POSITIONS}, got {position!r}.")
    return site, layer, position


def _position_of(acts: Any) -> str | None:
    """The condition position that activations were recorded at (from their meta), if known."""
    pos = getattr(acts, "meta", {}).get("position")
    return {-1: "last", "mean": "mean", "last": "last", "image": "image", "prompt": "prompt"}.get(pos)


def _matrix(acts: Any, site: str, layer: int, which: str) -> Tensor:
    """``[n, d]`` float64 features from an ``Activations`` / dict / tensor."""
    x = site_tensor(acts, site, which) if not isinstance(acts, Tensor) else acts.detach()
    single = getattr(acts, "meta", {}).get("condition_layer")
    if single is not None:  # from iar.condition.record: one layer only
        if single != layer:
            raise InputError(f"{which} activations were recorded at layer {single}, not {layer}; "
                             f"pass layer={single} or record layer {layer}.")
        x = x[:, 0]
    elif not isinstance(acts, Tensor) or x.ndim > 2:
        if x.ndim < 3:
            raise ShapeError(f"{which} activations of site {site!r} have shape {tuple(x.shape)}; "
                             "expected [n, n_layers, ...] or a [n, d] feature matrix.")
        if layer >= x.shape[1]:
            raise InputError(f"layer {layer} is out of range for {which} activations with "
                             f"{x.shape[1]} layers.")
        x = x[:, layer]
    x = x.reshape(x.shape[0], -1).double()
    if x.shape[0] < 2:
        raise InputError(f"{which}: need at least 2 samples, got {x.shape[0]}.")
    if not torch.isfinite(x).all():
        raise InputError(f"{which} activations contain NaN or inf.")
    return x


def _logistic(x: Tensor, y: Tensor, l2: float, steps: int = 200) -> tuple[Tensor, float]:
    """L2-regularised logistic regression on standardised features (LBFGS, deterministic).

    Returns ``(w, b)`` on the *raw* features (standardisation folded in)."""
    mu, sd = x.mean(0), x.std(0).clamp(min=1e-6)
    z = (x - mu) / sd
    w = torch.zeros(z.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros((), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], lr=1.0, max_iter=steps, line_search_fn="strong_wolfe")

    def closure() -> Tensor:
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(z @ w + b, y) + l2 * (w @ w)
        loss.backward()
        return loss

    with torch.enable_grad():
        opt.step(closure)
    w_raw = (w.detach() / sd)
    return w_raw, float(b.detach() - (mu * w_raw).sum())


def _threshold(scores: Tensor, fpr: float) -> float:
    """The smallest cut such that at most ``fpr`` of ``scores`` lie strictly above it."""
    s = scores.sort(descending=True).values
    m = int(fpr * len(s) + 1e-9)
    return float(s[min(m, len(s) - 1)])


# --------------------------------------------------------------------------------------------
# the Condition


@dataclass(eq=False)
class Condition:
    """A calibrated linear test on one site of the prompt: steer this prompt or not (or how much).

    Attributes:
        weight: float64 ``[d]`` (``d = d_model``, or ``n_heads * d_head`` at ``"z"``).
        bias: added to ``features @ weight``: the score.
        threshold: a prompt fires when its score is above this.
        scale: graded mode: strength = ``clip((score - threshold) / scale, 0, 1)``.
        site, layer, position: where the features are read (see :func:`features`).
        mode: ``"gate"`` (alpha or nothing) or ``"graded"``.
        meta: provenance: model and config hash (when fitted on :class:`iar.Activations`),
            sample counts, target and calibrated false-positive rate, true-positive rate on the
            fitting harmful prompts, method, iar version, date.

    Example:
        >>> import torch
        >>> cond = Condition(torch.ones(4), 0.0, 1.0, 1.0, "resid_pre", 0, "last")
        >>> cond.decide(torch.tensor([[1.0, 1, 0, 0], [0.0, 0, 0, 0]])).tolist()
        [True, False]
    """

    weight: Tensor
    bias: float
    threshold: float
    scale: float
    site: str
    layer: int
    position: str = "last"
    mode: str = "gate"
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.site, self.layer, self.position = _check_where(self.site, self.layer, self.position)
        if self.mode not in MODES:
            raise InputError(f"mode must be one of {MODES}, got {self.mode!r}.")
        if not isinstance(self.weight, Tensor) or self.weight.ndim != 1:
            raise ShapeError("Condition.weight must be a 1-D tensor [d].")
        self.weight = self.weight.detach().double().cpu()
        self.bias, self.threshold, self.scale = float(self.bias), float(self.threshold), float(self.scale)
        if not self.scale > 0:
            raise InputError(f"scale must be > 0, got {self.scale}.")
        self._cache: dict = {}

    def __repr__(self) -> str:
        fpr = self.meta.get("calibration_fpr")
        return (f"Condition(site={self.site!r}, layer={self.layer}, position={self.position!r}, "
                f"mode={self.mode!r}, threshold={self.threshold:.4g}"
                + (f", calibrated fpr={fpr:.3f}" if isinstance(fpr, float) else "") + ")")

    # ---- fit --------------------------------------------------------------------------------
    @classmethod
    def fit(cls, acts_harmful: Any, acts_benign: Any, *, site: str = "resid_pre", layer: int = 0,
            position: str | None = None, fpr: float = 0.05, calibration: Any = None,
            holdout: float = 0.5, method: str = "probe", mode: str = "gate", l2: float = 1e-2,
            seed: int = 0) -> Condition:
        """Fit the score on harmful vs benign prompts and calibrate its threshold on held-out benign ones.

        Args:
            acts_harmful: activations of prompts that should be steered: an :class:`iar.Activations`
                (``[n, n_layers, ...]`` at ``site``), a dict site -> tensor, or a ``[n, d]`` feature
                matrix (e.g. from :func:`record`).
            acts_benign: activations of prompts that should not be steered (same forms).
            site: the hook site (``"resid_pre"``, ``"resid_post"``, ``"z"``, ...).
            layer: the block.
            position: where the prompt is read: ``"last"``, ``"mean"``, ``"image"`` or ``"prompt"``; taken from
                the activations' meta when they carry it (``iar.record``'s ``position=-1`` is
                ``"last"``, ``"mean"`` is ``"mean"``); default ``"last"``.
            fpr: target false-positive rate on benign prompts.
            calibration: held-out benign activations to calibrate the threshold on; ``None``
                holds out ``holdout`` of ``acts_benign`` (seeded) and fits on the rest.
            holdout: share of ``acts_benign`` held out when ``calibration`` is None.
            method: ``"probe"`` (L2 logistic regression, deterministic) or ``"direction"``
                (projection on mean(harmful) - mean(benign)).
            mode: ``"gate"`` or ``"graded"``.
            l2: the probe's L2 penalty (on standardised features).
            seed: the hold-out split.

        Example:
            >>> import torch
            >>> g = torch.Generator().manual_seed(0)
            >>> cond = Condition.fit(torch.randn(30, 6, generator=g) + 3, torch.randn(30, 6, generator=g))
            >>> cond.meta["calibration_fpr"] <= 0.05
            True
        """
        site, layer, _ = _check_where(site, layer, "last")
        if method not in METHODS:
            raise InputError(f"method must be one of {METHODS}, got {method!r}.")
        if not 0 <= fpr < 1:
            raise InputError(f"fpr must be in [0, 1), got {fpr!r}.")
        found = {p for p in (_position_of(acts_harmful), _position_of(acts_benign),
                             _position_of(calibration)) if p}
        if len(found) > 1:
            raise InputError(f"harmful, benign and calibration activations were read at different "
                             f"positions {sorted(found)}; record them all where the condition will read.")
        if position is None:
            position = found.pop() if found else "last"
        elif found and position not in found:
            raise InputError(f"position={position!r} but the activations were recorded at {found.pop()!r}; "
                             "record them where the condition will read (iar.condition.record).")
        harm = _matrix(acts_harmful, site, layer, "harmful")
        good = _matrix(acts_benign, site, layer, "benign")
        if harm.shape[1] != good.shape[1]:
            raise ShapeError(f"harmful features have {harm.shape[1]} dims, benign {good.shape[1]}.")
        if calibration is None:
            if not 0 < holdout < 1:
                raise InputError(f"holdout must be in (0, 1), got {holdout!r}.")
            perm = torch.randperm(len(good), generator=torch.Generator().manual_seed(seed))
            n_cal = max(1, min(len(good) - 2, round(holdout * len(good))))
            cal, good = good[perm[:n_cal]], good[perm[n_cal:]]
            if len(good) < 2:
                raise InputError("too few benign samples to both fit and calibrate; pass calibration=.")
        else:
            cal = _matrix(calibration, site, layer, "calibration")
            if cal.shape[1] != harm.shape[1]:
                raise ShapeError(f"calibration features have {cal.shape[1]} dims, expected {harm.shape[1]}.")
        if method == "probe":
            x = torch.cat([harm, good])
            y = torch.cat([torch.ones(len(harm)), torch.zeros(len(good))]).double()
            w, b = _logistic(x, y, l2)
        else:
            w = harm.mean(0) - good.mean(0)
            b = 0.0
        cal_scores = cal @ w + b
        harm_scores = harm @ w + b
        threshold = _threshold(cal_scores, fpr)
        median = float(harm_scores.median())
        scale = median - threshold if median > threshold else 1.0
        meta = {**_provenance(acts_harmful), "method": method, "n_harmful": len(harm),
                "n_benign": len(good), "n_calibration": len(cal), "target_fpr": fpr,
                "calibration_fpr": float((cal_scores > threshold).double().mean()),
                "train_tpr": float((harm_scores > threshold).double().mean()),
                "iar_version": __version__,
                "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
        return cls(w, b, threshold, scale, site, layer, position, mode, meta)

    # ---- scoring ----------------------------------------------------------------------------
    def score(self, x: Any) -> Tensor:
        """Scores (float64 ``[n]``) of features ``[n, d]`` or of activations at this site/layer.

        Example:
            >>> Condition(torch.ones(2), 1.0, 0.0, 1.0, "resid_pre", 0).score(torch.ones(1, 2)).tolist()
            [3.0]
        """
        if not isinstance(x, Tensor) or x.ndim != 2:
            x = _matrix(x, self.site, self.layer, "scored")
        if x.shape[-1] != self.weight.shape[0]:
            raise ShapeError(f"features have {x.shape[-1]} dims but the condition reads {self.weight.shape[0]}.")
        key = (x.device,)
        if key not in self._cache:
            self._cache[key] = self.weight.to(x.device)
        return x.double() @ self._cache[key] + self.bias

    def strength(self, x: Any) -> Tensor:
        """Per-prompt steering strength in [0, 1] (float64): 0/1 in gate mode, graded otherwise.

        Example:
            >>> c = Condition(torch.ones(1), 0.0, 1.0, 2.0, "resid_pre", 0, mode="graded")
            >>> c.strength(torch.tensor([[0.0], [2.0], [9.0]])).tolist()
            [0.0, 0.5, 1.0]
        """
        s = self.score(x)
        if self.mode == "gate":
            return (s > self.threshold).double()
        return ((s - self.threshold) / self.scale).clamp(0.0, 1.0)

    def decide(self, x: Any) -> Tensor:
        """Whether each prompt fires (bool ``[n]``): score above the threshold.

        Example:
            >>> Condition(torch.ones(1), 0.0, 0.5, 1.0, "resid_pre", 0).decide(torch.tensor([[1.0], [0.0]])).tolist()
            [True, False]
        """
        return self.score(x) > self.threshold

    def with_mode(self, mode: str) -> Condition:
        """The same condition in another mode (``"gate"`` / ``"graded"``).

        Example:
            >>> Condition(torch.ones(1), 0.0, 0.5, 1.0, "resid_pre", 0).with_mode("graded").mode
            'graded'
        """
        return replace(self, mode=mode, meta=dict(self.meta))

    def with_threshold(self, threshold: float) -> Condition:
        """The same condition with another threshold (``-inf``: always fires, ``inf``: never).

        Example:
            >>> Condition(torch.ones(1), 0.0, 0.5, 1.0, "resid_pre", 0).with_threshold(float("inf")).threshold
            inf
        """
        return replace(self, threshold=threshold, meta=dict(self.meta))

    # ---- model checks -----------------------------------------------------------------------
    def dim(self, vlm: VLM) -> int:
        """The feature size this condition needs on ``vlm``."""
        cfg = vlm.cfg
        return cfg.n_heads * cfg.d_head if self.site == "z" else cfg.d_model

    def check(self, vlm: VLM) -> None:
        """Raise :class:`iar.RevisionError` unless the condition fits ``vlm`` (layer, size, config hash).

        Example:
            >>> import iar
            >>> vlm = iar.load(*iar.testing.tiny_vlm("llava"))
            >>> Condition(torch.ones(64), 0.0, 0.0, 1.0, "resid_pre", 0).check(vlm)
        """
        cfg = vlm.cfg
        if self.layer >= cfg.n_layers:
            raise RevisionError(f"the condition reads layer {self.layer} but the model has layers "
                                f"0..{cfg.n_layers - 1}; fit it on this model.")
        if self.weight.shape[0] != self.dim(vlm):
            raise RevisionError(f"the condition reads {self.weight.shape[0]} features at {self.site!r} "
                                f"but the model has {self.dim(vlm)}; fit it on this model.")
        h = self.meta.get("config_hash")
        if h is not None and h != cfg.config_hash:
            raise RevisionError(f"the condition was fitted on {self.meta.get('model')!r} (config hash "
                                f"{h}) but the model has {cfg.config_hash}; fit it on this model.")

    @property
    def hook_name(self) -> str:
        """The TransformerLens hook point read (``blocks.{layer}.hook_resid_pre``, ...)."""
        return SITES[self.site].format(l=self.layer)

    def describe(self) -> dict[str, Any]:
        """A short JSON description (run files and reports record it; equal conditions, equal text).

        Example:
            >>> Condition(torch.ones(1), 0.0, 0.5, 1.0, "resid_pre", 0).describe()["site"]
            'resid_pre'
        """
        h = hashlib.sha256(self.weight.numpy().tobytes()).hexdigest()[:12]
        return {"condition": self.mode, "site": self.site, "layer": self.layer,
                "position": self.position, "threshold": self.threshold, "scale": self.scale,
                "bias": self.bias, "weight_sha": h, "target_fpr": self.meta.get("target_fpr")}

    # ---- save / load --------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> Path:
        """Write the condition as one checksummed safetensors file (the format of every iar artifact).

        Example:
            >>> import tempfile
            >>> c = Condition(torch.ones(3), 0.5, 1.0, 2.0, "resid_post", 1, "mean", "graded")
            >>> Condition.load(c.save(tempfile.mkdtemp() + "/c.safetensors")).describe() == c.describe()
            True
        """
        header = {"bias": self.bias, "threshold": self.threshold, "scale": self.scale,
                  "site": self.site, "layer": self.layer, "position": self.position,
                  "mode": self.mode, "meta": self.meta}
        return _io.save_artifact(path, FORMAT, {"weight": self.weight}, header)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Condition:
        """Read a condition written by :meth:`save`; a damaged or edited file raises
        :class:`iar.ArtifactError`.

        Example:
            >>> import tempfile
            >>> p = Condition(torch.ones(3), 0.0, 1.0, 1.0, "resid_pre", 0).save(tempfile.mkdtemp() + "/c.safetensors")
            >>> Condition.load(p).layer
            0
        """
        tensors, h = _io.load_artifact(path, FORMAT, what="condition")
        try:
            return cls(tensors["weight"].double(), h["bias"], h["threshold"], h["scale"], h["site"],
                       h["layer"], h["position"], h["mode"], h.get("meta") or {})
        except KeyError as e:
            raise ArtifactError(f"{str(path)!r} has incomplete condition metadata ({e}).") from None


def _provenance(acts: Any) -> dict[str, Any]:
    meta = getattr(acts, "meta", None) or {}
    return {k: meta[k] for k in ("model", "model_type", "config_hash") if k in meta}


__all__ = ["Condition", "MODES", "POSITIONS", "features", "fires_after", "record"]
