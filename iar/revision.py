"""Revision vectors: one unit direction and one scale per attention head (or per layer).

``Revision.fit(positive, negative, level=..., method=...)`` extracts the directions from recorded
activations of a contrast set:

- ``"mms"``: mass mean shift, ``mean(positive) - mean(negative)`` (the paper's best; ITI's
  "center of mass" direction).
- ``"pca"``: first principal component of the paired differences ``positive - negative`` of the
  same query (uncentred: the top right-singular vector of the difference matrix), signed to point
  from negative to positive.
- ``"probe"``: the weight of a logistic probe separating positive from negative (``iar.probe``),
  signed the same way.

Every direction is unit-norm; ``sigma`` is the standard deviation of all activations (positive
and negative) projected on it, ITI's scale, so steering adds ``alpha * sigma * direction``.

    >>> import torch, iar
    >>> pos, neg = torch.randn(40, 2, 3, 8) + 1.0, torch.randn(40, 2, 3, 8)
    >>> rev = iar.Revision.fit(pos, neg, level="head", method="mms", probe=False)
    >>> rev.directions.shape, rev.sigma.shape
    (torch.Size([2, 3, 8]), torch.Size([2, 3]))

The math is in pure functions (:func:`mms_directions`, :func:`pca_directions`,
:func:`projected_std`) that take tensors ``[n, *units, d]`` and know nothing of models.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from jaxtyping import Float
from torch import Tensor

from iar import _io
from iar._sites import site_tensor
from iar._version import __version__
from iar.errors import ArtifactError, InputError, RevisionError, ShapeError, SiteError

if TYPE_CHECKING:  # pragma: no cover
    from iar.model import VLM
    from iar.analysis.probes import ProbeReport

LEVELS = {"head": "z", "layer": "resid_post"}
METHODS = ("mms", "pca", "probe")
_FORMAT = "iar.revision/1"


# --------------------------------------------------------------------------------------------
# pure math


def _unit(v: Tensor, eps: float = 1e-12) -> Tensor:
    return v / v.norm(dim=-1, keepdim=True).clamp_min(eps)


def mms_directions(
    positive: Float[Tensor, "n_pos *units d"], negative: Float[Tensor, "n_neg *units d"]
) -> Float[Tensor, "*units d"]:
    """Unit mass-mean-shift directions: ``normalize(mean(positive) - mean(negative))``.

    Args:
        positive: activations of the positive samples, ``[n_pos, *units, d]``.
        negative: activations of the negative samples, ``[n_neg, *units, d]``.

    Example:
        >>> d = mms_directions(torch.ones(3, 2, 4), torch.zeros(5, 2, 4))
        >>> torch.allclose(d, torch.full((2, 4), 0.5))
        True
    """
    return _unit(positive.double().mean(0) - negative.double().mean(0)).to(positive.dtype)


def pca_directions(
    positive: Float[Tensor, "n_pos *units d"],
    negative: Float[Tensor, "n_neg *units d"],
    pairs: Tensor | None = None,
) -> Float[Tensor, "*units d"]:
    """First principal component of paired differences, signed to point from negative to positive.

    The component is the top right-singular vector of the (uncentred) difference matrix, i.e. the
    top eigenvector of ``E[diff diff^T]``; this equals centred PCA on the sign-symmetrised
    differences ``{diff, -diff}``, so a shift shared by all pairs is found, not cancelled.

    Args:
        positive: activations of the positive samples, ``[n_pos, *units, d]``.
        negative: activations of the negative samples, ``[n_neg, *units, d]``.
        pairs: long tensor ``[m, 2]`` of (positive index, negative index); default pairs by index
            (needs ``n_pos == n_neg``).

    Example:
        >>> pos = torch.randn(20, 3, 4); neg = pos - torch.tensor([0., 2., 0., 0.])
        >>> pca_directions(pos, neg)[0].round().tolist()
        [0.0, 1.0, 0.0, 0.0]
    """
    if pairs is None:
        if len(positive) != len(negative):
            raise ShapeError(
                f"pca needs paired samples: got {len(positive)} positive and {len(negative)} "
                "negative; pass groups= (query index per sample) or equal-sized sides."
            )
        pairs = torch.arange(len(positive)).repeat(2, 1).T
    if len(pairs) == 0:
        raise InputError("pca found no (positive, negative) pair of the same query; check groups=.")
    diffs = positive.double()[pairs[:, 0]] - negative.double()[pairs[:, 1]]  # [m, *units, d]
    units = diffs.shape[1:-1]
    flat = diffs.reshape(len(diffs), -1, diffs.shape[-1]).transpose(0, 1)  # [U, m, d]
    _, _, vh = torch.linalg.svd(flat, full_matrices=False)
    comp = vh[:, 0, :]  # [U, d]
    shift = flat.mean(1)  # [U, d]
    sign = torch.where((comp * shift).sum(-1) < 0, -1.0, 1.0).to(comp)
    comp = _unit(comp * sign[:, None])
    return comp.reshape(*units, -1).to(positive.dtype)


def projected_std(
    acts: Float[Tensor, "n *units d"], directions: Float[Tensor, "*units d"]
) -> Float[Tensor, "*units"]:
    """Standard deviation (population, ddof=0, as ITI's ``np.std``) of ``acts`` projected on ``directions``.

    Args:
        acts: activations ``[n, *units, d]``.
        directions: unit directions ``[*units, d]``.

    Example:
        >>> x = torch.tensor([[[1., 0.]], [[3., 5.]]])
        >>> projected_std(x, torch.tensor([[1., 0.]])).tolist()
        [1.0]
    """
    proj = (acts.double() * directions.double()).sum(-1)
    return proj.std(0, correction=0).to(acts.dtype)


def orient(directions: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
    """Flip each direction whose dot with ``mean(positive) - mean(negative)`` is negative.

    Example:
        >>> orient(torch.tensor([[-1., 0.]]), torch.ones(2, 1, 2), torch.zeros(2, 1, 2)).tolist()
        [[1.0, -0.0]]
    """
    shift = positive.double().mean(0) - negative.double().mean(0)
    sign = torch.where((directions.double() * shift).sum(-1) < 0, -1.0, 1.0)
    return (directions.double() * sign[..., None]).to(directions.dtype)


# --------------------------------------------------------------------------------------------
# inputs





def _groups_of(x: Any, n: int) -> list[int] | None:
    meta = getattr(x, "meta", None) or {}
    g = meta.get("groups")
    return [int(i) for i in g] if g is not None and len(g) == n else None


def _pairs(pos_groups: list[int] | None, neg_groups: list[int] | None) -> Tensor | None:
    if pos_groups is None or neg_groups is None:
        return None
    by_group: dict[int, list[int]] = {}
    for j, g in enumerate(neg_groups):
        by_group.setdefault(g, []).append(j)
    pairs = [(i, j) for i, g in enumerate(pos_groups) for j in by_group.get(g, [])]
    return torch.tensor(pairs, dtype=torch.long).reshape(-1, 2)


def _legacy_config_hash(vlm: Any) -> str | None:
    """The hash revisions saved before the dtype-free ``config_hash`` carry (None without an HF
    config): they keep loading on a model loaded as they were fitted."""
    from iar.model._archs.loading import legacy_config_hash

    config = getattr(getattr(vlm, "hf", None), "config", None)
    return legacy_config_hash(config) if config is not None else None


def config_hash(vlm: Any) -> str:
    """The hash of the model's config that revisions are checked against (``vlm.cfg.config_hash``).

    Falls back to hashing ``model_type``, ``n_layers``, ``n_heads``, ``d_head``, ``d_model`` and
    ``d_vocab`` of ``vlm.cfg`` when the config carries no hash.

    Example:
        >>> import iar
        >>> vlm = iar.load(*iar.testing.tiny_vlm("llava"))
        >>> config_hash(vlm) == vlm.cfg.config_hash
        True
    """
    cfg = vlm.cfg
    h = getattr(cfg, "config_hash", None)
    if h:
        return str(h)
    keys = ("model_type", "n_layers", "n_heads", "d_head", "d_model", "d_vocab")
    blob = json.dumps({k: str(getattr(cfg, k, None)) for k in keys}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------------------------
# the Revision


@dataclass(eq=False, repr=False)
class Revision:
    """Unit directions and ITI scales, per head (``level="head"``) or per layer (``"layer"``).

    Attributes:
        directions: ``[n_layers, n_heads, d_head]`` (head level) or ``[n_layers, d_model]``.
        sigma: ``[n_layers, n_heads]`` or ``[n_layers]``: std of activations projected on each direction.
        level: ``"head"`` or ``"layer"``.
        method: ``"mms"``, ``"pca"`` or ``"probe"``.
        probe: the ``iar.ProbeReport`` used to rank heads, or ``None``.
        accuracy: probe validation accuracy ``[n_layers, n_heads]`` / ``[n_layers]`` or ``None``
            (kept when a revision is loaded from disk).
        meta: provenance (model id, config hash, level, method, strategy, sample counts, iar
            version, date).
        val_loss: the probe's mean validation log-loss per head/layer (kept on save), the
            tie-break of :meth:`top`; ``None`` without a probe or in files saved before it existed.

    Example:
        >>> rev = Revision.fit(torch.randn(8, 2, 3, 4) + 1, torch.randn(8, 2, 3, 4), probe=False)
        >>> rev.vectors.shape
        torch.Size([2, 3, 4])
    """

    directions: Tensor
    sigma: Tensor
    level: str = "head"
    method: str = "mms"
    probe: ProbeReport | None = None
    accuracy: Tensor | None = None
    meta: dict = field(default_factory=dict)
    val_loss: Tensor | None = None

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise InputError(f"level must be 'head' or 'layer', got {self.level!r}.")
        want = 3 if self.level == "head" else 2
        if self.directions.ndim != want or self.sigma.shape != self.directions.shape[:-1]:
            raise ShapeError(
                f"a {self.level}-level revision needs directions with {want} dims and sigma of "
                f"shape directions.shape[:-1]; got {tuple(self.directions.shape)} and "
                f"{tuple(self.sigma.shape)}."
            )
        if self.accuracy is None and self.probe is not None:
            self.accuracy = self.probe.accuracy.detach().float().cpu()
        if self.val_loss is None and getattr(self.probe, "val_loss", None) is not None:
            self.val_loss = self.probe.val_loss.detach().float().cpu()
        if self.val_loss is not None and self.val_loss.shape != self.sigma.shape:
            raise ShapeError(f"val_loss must have sigma's shape {tuple(self.sigma.shape)}, got "
                             f"{tuple(self.val_loss.shape)}.")

    def __repr__(self) -> str:
        probe = "" if self.accuracy is None else ", probe accuracy kept"
        return (
            f"Revision(level={self.level!r}, method={self.method!r}, directions="
            f"{list(self.directions.shape)}, strategy={self.meta.get('strategy')!r}, "
            f"n={self.meta.get('n_positive')}+{self.meta.get('n_negative')}{probe})"
        )

    # ---- shapes ------------------------------------------------------------------------------
    @property
    def site(self) -> str:
        """The recorded site the revision acts on: ``"z"`` (head) or ``"resid_post"`` (layer)."""
        return LEVELS[self.level]

    @property
    def n_layers(self) -> int:
        """Number of layers the revision covers."""
        return int(self.directions.shape[0])

    @property
    def n_heads(self) -> int | None:
        """Heads per layer (None for a layer-level revision)."""
        return int(self.directions.shape[1]) if self.level == "head" else None

    @property
    def vectors(self) -> Tensor:
        """``sigma[..., None] * directions``: the vector added at alpha = 1."""
        return self.sigma[..., None] * self.directions

    def top(self, k: int) -> list:
        """The ``k`` heads (``(layer, head)``) or layers with the highest probe accuracy.

        Ties go to the lower validation log-loss of the probe (:attr:`val_loss`, when kept), then
        to the lower index, as :meth:`iar.ProbeReport.top` ranks. Without the tie-break a saturated
        ranking (many probes at 1.0) would pick the first heads of the first layer, whatever they do.

        Example:
            >>> rev = Revision.fit(torch.randn(20, 2, 3, 4) + 1, torch.randn(20, 2, 3, 4), progress=False)
            >>> len(rev.top(2)), rev.top(1)[0] in [(l, h) for l in range(2) for h in range(3)]
            (2, True)
        """
        if self.accuracy is None:
            raise RevisionError(
                "this revision has no probe accuracies to rank by; fit it with probe=True or "
                "pass heads=[(layer, head), ...] explicitly."
            )
        k = int(k)
        total = self.accuracy.numel()
        if not 1 <= k <= total:
            raise InputError(f"k={k} is outside 1..{total} (the number of {self.level}s).")
        from iar.analysis.probes import rank

        order = rank(self.accuracy, self.val_loss)[:k]
        if self.level == "layer":
            return [int(i) for i in order]
        h = self.accuracy.shape[1]
        return [(int(i) // h, int(i) % h) for i in order]

    # ---- fitting -----------------------------------------------------------------------------
    @classmethod
    def fit(
        cls,
        positive: Any,
        negative: Any = None,
        *,
        level: str = "head",
        method: str = "mms",
        site: str | None = None,
        probe: bool = True,
        probe_kwargs: dict | None = None,
        groups: tuple[list[int], list[int]] | None = None,
        sigma_from: Any = None,
        strategy: str | None = None,
        progress: bool = True,
    ) -> Revision:
        """Fit directions and sigmas from positive and negative activations.

        Args:
            positive: ``iar.Activations`` of the positive (safe) samples, or a tensor
                ``[n, L, H, d]`` / ``[n, L, d]``; or a labelled ``Activations`` of both sides
                (from ``iar.record(vlm, contrast_set)``) with ``negative=None``.
            negative: the negative (unsafe) samples, same kind as ``positive``.
            level: ``"head"`` (site ``"z"``) or ``"layer"`` (site ``"resid_post"``).
            method: ``"mms"``, ``"pca"`` or ``"probe"``.
            site: the site to read; must match the level (default: the level's site).
            probe: also fit ``iar.probe`` and keep its report (for ``heads=k`` ranking).
            probe_kwargs: extra arguments for ``iar.probe`` (``val_fraction``, ``l2``, ``seed``).
            groups: ``(positive_groups, negative_groups)`` query index per sample, to pair
                samples for PCA; default from the contrast set's metadata, else pairs by index.
            sigma_from: activations to compute sigma on (ITI's separate tuning set); default
                all positive and negative activations.
            strategy: name of the contrast construction (default from the activations' metadata).
            progress: show the probe's progress bar.

        Example:
            >>> import iar
            >>> vlm = iar.load(*iar.testing.tiny_vlm("llava"))
            >>> cs = iar.contrast.single_response([f"q{k}" for k in range(6)], None, "No.", "Sure: 1.")
            >>> rev = Revision.fit(iar.record(vlm, cs, progress=False), method="mms", progress=False)
            >>> rev.directions.shape, rev.meta["strategy"]
            (torch.Size([2, 4, 16]), 'single_response')
        """
        if level not in LEVELS:
            raise InputError(f"level must be 'head' or 'layer', got {level!r}.")
        if method not in METHODS:
            raise InputError(f"method must be one of {METHODS}, got {method!r}.")
        want_site = LEVELS[level]
        site = want_site if site is None else site
        if site != want_site:
            raise SiteError(
                f"level={level!r} steers site {want_site!r}, but site={site!r} was given; "
                f"use level={'head' if site == 'z' else 'layer'!r} or site={want_site!r}."
            )
        source_meta = dict(getattr(positive, "meta", None) or {})
        if negative is None:
            labels = getattr(positive, "labels", None)
            if labels is None:
                raise InputError(
                    "give negative= activations, or a labelled Activations from "
                    "iar.record(vlm, contrast_set) as the only argument."
                )
            positive, negative = positive.positive, positive.negative
        pos_t = site_tensor(positive, site, "positive").float().cpu()
        neg_t = site_tensor(negative, site, "negative").float().cpu()
        want_dims = 4 if level == "head" else 3
        if pos_t.ndim != want_dims or neg_t.shape[1:] != pos_t.shape[1:]:
            raise ShapeError(
                f"level={level!r} needs positive and negative of shape "
                f"{'[n, n_layers, n_heads, d_head]' if level == 'head' else '[n, n_layers, d_model]'}"
                f" with equal trailing dims; got {tuple(pos_t.shape)} and {tuple(neg_t.shape)}."
            )
        if len(pos_t) < 1 or len(neg_t) < 1:
            raise InputError("need at least one positive and one negative sample.")
        for name, t in (("positive", pos_t), ("negative", neg_t)):
            if not torch.isfinite(t).all():
                raise InputError(f"{name} activations contain NaN or inf; re-record them.")
        if not (pos_t.double().mean(0) - neg_t.double().mean(0)).any():
            raise InputError(
                f"positive and negative activations have the same mean at every {level}: there is "
                "no direction between them. Check that the two sides differ (their responses or "
                "images), e.g. that negative= is not the positive set again."
            )

        report = None
        if probe or method == "probe":
            from iar.analysis.probes import probe as _probe

            kw = {"progress": progress, **(probe_kwargs or {})}
            report = _probe(pos_t, neg_t, site=site, **kw)

        if method == "mms":
            directions = mms_directions(pos_t, neg_t)
        elif method == "pca":
            if groups is None:
                groups = (_groups_of(positive, len(pos_t)), _groups_of(negative, len(neg_t)))
            directions = pca_directions(pos_t, neg_t, _pairs(*groups) if groups else None)
        else:
            w = report.weights.detach().float().cpu()
            if w.shape != pos_t.shape[1:]:
                raise ShapeError(
                    f"probe weights have shape {tuple(w.shape)}, expected {tuple(pos_t.shape[1:])}."
                )
            directions = orient(_unit(w), pos_t, neg_t)
        if sigma_from is None:
            sig_acts = torch.cat([pos_t, neg_t])
        else:
            sig_acts = site_tensor(sigma_from, site, "sigma_from").float().cpu()
            if sig_acts.shape[1:] != pos_t.shape[1:]:
                raise ShapeError(f"sigma_from has shape {tuple(sig_acts.shape)}; expected [n, *{tuple(pos_t.shape[1:])}].")
        sigma = projected_std(sig_acts, directions)

        position = source_meta.get("position")
        meta = {
            "format": _FORMAT,
            "model": source_meta.get("model") or source_meta.get("model_name"),
            "config_hash": source_meta.get("config_hash"),
            "level": level,
            "method": method,
            "site": site,
            "position": position if position is None or isinstance(position, (int, float, str, bool)) else "custom",
            "strategy": strategy or source_meta.get("strategy") or "custom",
            "n_positive": len(pos_t),
            "n_negative": len(neg_t),
            "n_sigma": len(sig_acts),
            "iar_version": __version__,
            "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        }
        return cls(directions.float(), sigma.float(), level, method, report, None, meta)

    # ---- model checks --------------------------------------------------------------------------
    def check(self, vlm: VLM) -> None:
        """Raise :class:`RevisionError` unless this revision fits ``vlm`` (shapes and config hash).

        Example:
            >>> import iar
            >>> vlm = iar.load(*iar.testing.tiny_vlm("llava"))
            >>> cs = iar.contrast.single_response([f"How do I do {k}?" for k in range(6)], None, "No.", "Sure: step 1.")
            >>> rev = iar.Revision.fit(iar.record(vlm, cs, progress=False), progress=False)
            >>> rev.check(vlm)  # fits: no error
        """
        cfg = vlm.cfg
        if self.level == "head":
            want = (cfg.n_layers, cfg.n_heads, cfg.d_head)
        else:
            want = (cfg.n_layers, cfg.d_model)
        got = tuple(self.directions.shape)
        if got != tuple(want):
            raise RevisionError(
                f"this {self.level}-level revision has shape {got} but the model "
                f"{getattr(cfg, 'name_or_path', '?')!r} needs {tuple(want)}; fit a revision on "
                "this model (iar.Revision.fit on its activations)."
            )
        h = self.meta.get("config_hash")
        if h is not None:
            mine = config_hash(vlm)
            if mine != h and h != _legacy_config_hash(vlm):
                raise RevisionError(
                    f"this revision was fitted on {self.meta.get('model')!r} (config hash {h}) but "
                    f"the model has config hash {mine}; refit the revision on this model."
                )

    # ---- save / load ---------------------------------------------------------------------------
    def _tensors(self) -> dict[str, Tensor]:
        out = {"directions": self.directions, "sigma": self.sigma}
        if self.accuracy is not None:
            out["probe_accuracy"] = self.accuracy
        if self.val_loss is not None:
            out["probe_val_loss"] = self.val_loss
        if self.probe is not None and getattr(self.probe, "weights", None) is not None:
            out["probe_weights"] = self.probe.weights
        return {k: v.detach().float().cpu().contiguous() for k, v in out.items()}

    def save(self, path: str | os.PathLike) -> Path:
        """Write the revision to one safetensors file (tensors + JSON provenance, no pickle).

        The write is atomic (temporary file, then rename); a SHA-256 over the tensors and the
        metadata is stored so that :meth:`load` detects tampering (:mod:`iar._io`).

        Example:
            >>> import tempfile, os
            >>> rev = Revision.fit(torch.randn(8, 2, 3, 4) + 1, torch.randn(8, 2, 3, 4), probe=False)
            >>> path = rev.save(os.path.join(tempfile.mkdtemp(), "revision.safetensors"))
            >>> Revision.load(path).level
            'head'
        """
        header = {"level": self.level, "method": self.method, "meta": self.meta}
        return _io.save_artifact(path, FORMAT, self._tensors(), header)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Revision:
        """Read a revision written by :meth:`save` (also iar 0.1's layout); damaged or tampered
        files raise :class:`~iar.errors.ArtifactError` (a :class:`RevisionError`).

        Example:
            >>> import tempfile, os
            >>> path = os.path.join(tempfile.mkdtemp(), "rev.safetensors")
            >>> _ = Revision.fit(torch.randn(8, 3, 4) + 1, torch.randn(8, 3, 4), level="layer", probe=False).save(path)
            >>> Revision.load(path).directions.shape
            torch.Size([3, 4])
        """
        tensors, header = _io.load_artifact(path, FORMAT, what="revision", legacy=_legacy_header)
        try:
            level, method, meta = header["level"], header["method"], header["meta"]
            directions, sigma = tensors["directions"], tensors["sigma"]
        except KeyError as e:
            raise ArtifactError(f"{str(path)!r} has incomplete revision metadata ({e}).") from None
        return cls(directions, sigma, level, method, None, tensors.get("probe_accuracy"), meta,
                   tensors.get("probe_val_loss"))


FORMAT = "iar.Revision"


def _legacy_header(metadata: dict[str, str], tensors: dict[str, Tensor]) -> dict[str, Any] | None:
    """The header of a revision from iar 0.1 (``"iar"`` + ``"sha256"``, no format name)."""
    if "sha256" not in metadata or "iar" not in metadata:
        return None
    try:
        header = json.loads(metadata["iar"])
    except ValueError:
        return None
    if not isinstance(header, dict) or "format" in header:
        return None
    if _io.digest(metadata["iar"], tensors) != metadata["sha256"]:
        raise ArtifactError(
            "the revision file failed its checksum: it was modified after saving; re-create it "
            "with Revision.save."
        )
    return header
