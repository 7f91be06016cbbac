"""Record backbone activations at chosen hook sites and positions; keep them small.

:func:`record` runs the bridge over prompts (batched) and keeps, inside each hook, only the
requested positions, so memory grows with ``n * n_layers * d`` and never with the sequence
length. The result is an :class:`Activations`: per site a float32 CPU tensor, ``"z"`` as
``[n, n_layers, n_heads, d_head]`` (each head's output before the output projection) and
``"resid_post"`` etc. as ``[n, n_layers, d_model]``, plus optional labels and JSON metadata;
saved and loaded as safetensors.

    >>> import iar
    >>> vlm = iar.load(*iar.testing.tiny_vlm("llava"))
    >>> iar.record(vlm, ["Describe the object."], progress=False)["z"].shape[1:] == (2, 4, 16)
    True
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import torch
from torch import Tensor
from iar._progress import tqdm

from iar import _io
from iar._sites import SITES, check_sites  # noqa: F401  (re-exported: iar.activations.SITES)
from iar.contrast import ContrastSet
from iar.errors import InputError, ShapeError, SiteError

if TYPE_CHECKING:  # pragma: no cover
    from iar.model import VLM, Batch

# meta entries that hold one value per sample: select/concat keep them aligned
PER_SAMPLE_META = ("groups", "has_image", "with_response")

Position = Union[int, str, Sequence[Tensor], None]





class Activations:
    """Recorded activations: per site a tensor whose first axis is the sample.

    Mapping-like: ``acts["z"]`` is ``[n, n_layers, n_heads, d_head]``, ``acts["resid_post"]``
    is ``[n, n_layers, d_model]``; ``acts.sites`` lists the sites, ``"z" in acts`` works,
    ``len(acts)`` is the number of samples ``n``.

    Args:
        data: site -> tensor (converted to float32 on the CPU); all with the same ``n``.
        labels: optional bool tensor ``[n]`` (True = positive / safe).
        meta: JSON-serialisable dict (model name, config hash, position, ...).

    Example:
        >>> acts = Activations({"resid_post": torch.zeros(4, 2, 8)}, labels=torch.tensor([1, 1, 0, 0]).bool())
        >>> len(acts.positive), acts["resid_post"].shape
        (2, torch.Size([4, 2, 8]))
    """

    def __init__(
        self,
        data: dict[str, Tensor],
        labels: Tensor | Sequence[bool] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        if not data:
            raise InputError("Activations need at least one site, e.g. {'z': tensor}.")
        self._data: dict[str, Tensor] = {}
        n = None
        for site, t in data.items():
            if not isinstance(t, Tensor):
                raise InputError(f"activations of site {site!r} must be a tensor, got {type(t).__name__}.")
            if t.ndim < 2:
                raise ShapeError(f"site {site!r} has shape {tuple(t.shape)}; expected [n, n_layers, ...].")
            if n is None:
                n = t.shape[0]
            elif t.shape[0] != n:
                raise ShapeError(
                    f"site {site!r} has {t.shape[0]} samples but another has {n}; every site "
                    "needs the same first axis."
                )
            self._data[site] = t.detach().to("cpu", torch.float32)
        self._n = int(n or 0)
        self._labels: Tensor | None = None
        self.labels = labels
        self.meta: dict[str, Any] = dict(meta or {})

    # ---- mapping-like ---------------------------------------------------------------------

    @property
    def sites(self) -> tuple[str, ...]:
        """The recorded site names."""
        return tuple(self._data)

    def __getitem__(self, site: str) -> Tensor:
        if site not in self._data:
            raise SiteError(
                f"site {site!r} was not recorded; recorded: {list(self._data)}. Record it with "
                f"iar.record(..., sites=[{site!r}])."
            )
        return self._data[site]

    def __contains__(self, site: object) -> bool:
        return site in self._data

    def __iter__(self):
        return iter(self._data)

    def keys(self):
        """Site names (as a dict's keys)."""
        return self._data.keys()

    def items(self):
        """``(site, tensor)`` pairs."""
        return self._data.items()

    def __len__(self) -> int:
        return self._n

    def __repr__(self) -> str:
        shapes = ", ".join(f"{s}={list(t.shape)}" for s, t in self._data.items())
        lab = "" if self._labels is None else f", {int(self._labels.sum())} positive"
        return f"Activations(n={self._n}, {shapes}{lab})"

    # ---- labels ---------------------------------------------------------------------------

    @property
    def labels(self) -> Tensor | None:
        """Bool tensor ``[n]`` (True = positive / safe), or ``None``."""
        return self._labels

    @labels.setter
    def labels(self, value: Tensor | Sequence[bool] | None) -> None:
        if value is None:
            self._labels = None
            return
        t = torch.as_tensor(value).detach().to("cpu")
        if t.ndim != 1 or t.shape[0] != self._n:
            raise ShapeError(f"labels must have shape [{self._n}], got {tuple(t.shape)}.")
        if t.dtype != torch.bool:
            if not bool(((t == 0) | (t == 1)).all()):
                raise InputError("labels must be booleans (or 0/1); True marks positive samples.")
            t = t.bool()
        self._labels = t

    def _need_labels(self) -> Tensor:
        if self._labels is None:
            raise InputError(
                "these activations have no labels; set acts.labels = tensor([...]) or record a "
                "ContrastSet."
            )
        return self._labels

    @property
    def positive(self) -> Activations:
        """The samples labelled True."""
        return self.select(self._need_labels())

    @property
    def negative(self) -> Activations:
        """The samples labelled False."""
        return self.select(~self._need_labels())

    # ---- selection / concatenation --------------------------------------------------------

    def select(self, index: Any) -> Activations:
        """A subset of samples (int, slice, list of ints, bool or long tensor).

        Example:
            >>> acts = Activations({"z": torch.zeros(3, 2, 4, 16)}, labels=[True, False, False])
            >>> acts.select([0, 2]).labels.tolist()
            [True, False]
        """
        idx = _as_index(index, self._n)
        data = {s: t[idx] for s, t in self._data.items()}
        labels = None if self._labels is None else self._labels[idx]
        meta = dict(self.meta)
        for key in PER_SAMPLE_META:
            value = meta.get(key)
            if isinstance(value, list) and len(value) == self._n:
                meta[key] = [value[i] for i in idx.tolist()]
        return Activations(data, labels=labels, meta=meta)

    @classmethod
    def concat(cls, parts: Sequence[Activations]) -> Activations:
        """Stack several :class:`Activations` along the sample axis.

        All parts need the same sites and per-sample shapes and come from the same model.
        Labels are kept when every part has them.

        Example:
            >>> a = Activations({"resid_post": torch.zeros(2, 2, 8)})
            >>> len(Activations.concat([a, a.select([0])]))
            3
        """
        parts = list(parts)
        if not parts:
            raise InputError("Activations.concat needs at least one Activations.")
        for p in parts:
            if not isinstance(p, Activations):
                raise InputError(f"Activations.concat takes Activations, got {type(p).__name__}.")
        sites = parts[0].sites
        hashes = {p.meta.get("config_hash") for p in parts} - {None}
        if len(hashes) > 1:
            raise InputError(
                "these activations come from different models (config hashes "
                f"{sorted(hashes)}); concatenate only recordings of one model."
            )
        data = {}
        for s in sites:
            tensors = []
            for i, p in enumerate(parts):
                if s not in p:
                    raise SiteError(f"part {i} lacks site {s!r}; every part needs sites {sites}.")
                if p[s].shape[1:] != parts[0][s].shape[1:]:
                    raise ShapeError(
                        f"site {s!r}: part {i} has per-sample shape {tuple(p[s].shape[1:])}, "
                        f"part 0 has {tuple(parts[0][s].shape[1:])}."
                    )
                tensors.append(p[s])
            data[s] = torch.cat(tensors)
        labels = None
        if all(p.labels is not None for p in parts):
            labels = torch.cat([p.labels for p in parts])
        meta = dict(parts[0].meta)
        for key in PER_SAMPLE_META:
            values = [p.meta.get(key) for p in parts]
            if all(isinstance(v, list) and len(v) == len(p) for v, p in zip(values, parts)):
                meta[key] = [x for v in values for x in v]
            else:
                meta.pop(key, None)
        return cls(data, labels=labels, meta=meta)

    # ---- files ----------------------------------------------------------------------------

    def save(self, path: str | os.PathLike) -> Path:
        """Write a ``.safetensors`` file (tensors + labels; ``meta`` as JSON in its header).

        Written to a temporary file in the same folder and renamed, so a crash never leaves a
        half-written file (the one artifact format of :mod:`iar._io`, with a SHA-256).

        Example:
            >>> acts.save(tmp_path / "acts.safetensors")  # doctest: +SKIP
        """
        try:
            json.dumps(self.meta)
        except TypeError as err:
            raise InputError(f"acts.meta must be JSON-serialisable to save: {err}.") from err
        tensors = {f"site.{s}": t for s, t in self._data.items()}
        if self._labels is not None:
            tensors["labels"] = self._labels.to(torch.uint8)
        return _io.save_artifact(path, FORMAT, tensors, {"sites": list(self._data), "meta": self.meta})

    @classmethod
    def load(cls, path: str | os.PathLike) -> Activations:
        """Read a file written by :meth:`save` (also the layout of iar 0.1, ``iar.activations/1``).

        Raises:
            ArtifactError: the file is missing, damaged or not an ``iar`` activations file.

        Example:
            >>> acts = Activations.load("acts.safetensors")  # doctest: +SKIP
        """
        tensors, header = _io.load_artifact(path, FORMAT, what="activations", legacy=_legacy_header)
        data = {s: tensors[f"site.{s}"] for s in header["sites"]}
        labels = tensors.get("labels")
        return cls(data, labels=None if labels is None else labels.bool(), meta=header["meta"])


FORMAT = "iar.Activations"


def _legacy_header(metadata: dict[str, str], tensors: dict[str, Tensor]) -> dict[str, Any] | None:
    """The header of a file from iar 0.1 (``"format": "iar.activations/1"``, no checksum)."""
    if metadata.get("format") != "iar.activations/1":
        return None
    return {"sites": json.loads(metadata["sites"]), "meta": json.loads(metadata["meta"])}


def _as_index(index: Any, n: int) -> Tensor:
    if isinstance(index, slice):
        return torch.arange(n)[index]
    if isinstance(index, int) and not isinstance(index, bool):
        index = [index]
    t = torch.as_tensor(index)
    if t.dtype == torch.bool:
        if t.shape != (n,):
            raise ShapeError(f"a bool index needs shape [{n}], got {tuple(t.shape)}.")
        return t.nonzero().flatten()
    if t.dtype not in (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8):
        raise InputError(f"index must be ints, a slice or a bool mask, got dtype {t.dtype}.")
    t = t.long().flatten()
    if t.numel() and (t.max() >= n or t.min() < -n):
        raise InputError(f"index out of range for {n} samples: {t.tolist()}.")
    return t % max(n, 1)


# --------------------------------------------------------------------------------------------
# recording


def _position_weights(batch: Batch, position: Position, offset: int) -> Tensor:
    """``[b, pos]`` float weights: one-hot at an index, or a uniform mean over a mask."""
    mask = batch.attention_mask.bool()
    b, n = mask.shape
    lengths = batch.lengths.tolist()
    pads = [n - int(k) for k in lengths]
    if isinstance(position, int):
        w = torch.zeros(b, n, device=mask.device)
        for i, k in enumerate(lengths):
            j = position if position >= 0 else k + position
            if not 0 <= j < k:
                raise InputError(
                    f"position {position} is outside prompt {offset + i}, which has {k} tokens; "
                    "use -1 for the last token."
                )
            w[i, pads[i] + j] = 1.0
        return w
    if position == "mean":
        sel = batch.text_positions
        what = "text"
    elif position == "response":
        sel = batch.response_positions
        what = "response"
    else:
        sel = torch.zeros(b, n, dtype=torch.bool, device=mask.device)
        for i, k in enumerate(lengths):
            m = torch.as_tensor(position[offset + i]).to(mask.device)
            if m.dtype != torch.bool or m.ndim != 1:
                raise InputError(f"position mask {offset + i} must be a 1-D bool tensor.")
            if m.shape[0] != k:
                raise ShapeError(
                    f"position mask {offset + i} has {m.shape[0]} entries but that prompt has {k} "
                    "tokens (chat template and image tokens included); build masks over "
                    "vlm.encode([...]) of that prompt."
                )
            sel[i, pads[i] :] = m
        what = "masked"
    counts = sel.sum(-1)
    if bool((counts == 0).any()):
        i = int((counts == 0).nonzero()[0])
        raise InputError(f"prompt {offset + i} has no {what} tokens to average over.")
    return sel.float() / counts[:, None].float()


def _check_position(position: Position, n: int, responses: Any) -> Position:
    if position is None:
        return -1
    if isinstance(position, bool):
        raise InputError("position must be an int, 'mean', 'response' or masks, not a bool.")
    if isinstance(position, int):
        return position
    if isinstance(position, str):
        if position not in ("mean", "response"):
            raise InputError(
                f"position {position!r} is unknown; use an int (-1 = last token), 'mean' or "
                "'response'."
            )
        if position == "response" and (responses is None or any(r is None for r in responses)):
            raise InputError("position='response' needs a response for every prompt (responses=[...]).")
        return position
    if isinstance(position, (list, tuple)):
        if len(position) != n:
            raise InputError(f"got {len(position)} position masks for {n} prompts; pass one per prompt.")
        return list(position)
    raise InputError(f"position must be an int, 'mean', 'response' or a list of masks, got {type(position).__name__}.")


def record(
    vlm: VLM,
    prompts: Any,
    images: Sequence[Any] | None = None,
    *,
    responses: Sequence[str | None] | None = None,
    sites: Sequence[str] | str = ("z", "resid_post"),
    position: Position = None,
    batch_size: int = 8,
    progress: bool = True,
) -> Activations:
    """Record activations of the backbone at chosen sites and positions.

    Args:
        vlm: from :func:`iar.load`.
        prompts: list of str, or an ``iar.contrast.ContrastSet`` (then both sides are recorded,
            with labels; ``images``/``responses`` come from its samples).
        images: ``None`` or one PIL image / ``None`` per prompt.
        responses: optional assistant text per prompt, appended after the generation prompt.
        sites: any of ``"z"`` (``[n, L, H, d_head]``), ``"resid_pre"``, ``"resid_mid"``,
            ``"resid_post"``, ``"attn_out"``, ``"mlp_out"`` (``[n, L, d_model]``).
        position: an int index into each prompt's own unpadded tokens (default -1: the last
            token, i.e. the last response token when responses are given), ``"mean"`` (mean over
            the prompt's text tokens), ``"response"`` (mean over response tokens), or a list of
            1-D bool masks, one per prompt over its own tokens (mean over the marked tokens).
            ``None`` means -1, or the contrast set's own position.
        batch_size: prompts per forward pass.
        progress: show a tqdm bar.

    Returns:
        :class:`Activations` (float32, CPU) with ``meta`` naming the model and the position.

    Example:
        >>> import iar
        >>> vlm = iar.load(*iar.testing.tiny_vlm("llava"))
        >>> acts = iar.record(vlm, ["Describe the object."], sites=["z"], progress=False)
        >>> acts["z"].shape
        torch.Size([1, 2, 4, 16])
    """
    sites = check_sites(sites)
    if isinstance(prompts, ContrastSet):
        if images is not None or responses is not None:
            raise InputError("a ContrastSet carries its own images and responses; do not pass them.")
        kwargs: dict[str, Any] = dict(sites=sites, batch_size=batch_size, progress=progress)
        if position is not None:
            kwargs["position"] = position
        return _record_contrast(vlm, prompts, **kwargs)

    from iar.model._inputs import _check_inputs

    prompts, images, responses_list = _check_inputs(prompts, images, responses)
    position = _check_position(position, len(prompts), responses)
    if not isinstance(batch_size, int) or batch_size < 1:
        raise InputError(f"batch_size must be a positive int, got {batch_size!r}.")
    n_layers = vlm.cfg.n_layers
    store: dict[str, list[list[Tensor]]] = {s: [[] for _ in range(n_layers)] for s in sites}
    weights: dict[str, Tensor] = {}

    def make_hook(site: str, layer: int):
        def hook(act: Tensor, hook: Any) -> None:
            w = weights["w"].to(act.device)
            w = w.reshape(*w.shape, *([1] * (act.ndim - 2)))
            kept = (torch.where(w > 0, act, torch.zeros((), dtype=act.dtype, device=act.device)) * w).sum(1)
            store[site][layer].append(kept.to("cpu", torch.float32))

        return hook

    fwd_hooks = [
        (SITES[s].format(l=layer), make_hook(s, layer)) for s in sites for layer in range(n_layers)
    ]
    starts = range(0, len(prompts), batch_size)
    with torch.inference_mode(), vlm.bridge.hooks(fwd_hooks=fwd_hooks):
        for start in tqdm(starts, desc="record", disable=not progress, unit="batch"):
            stop = start + batch_size
            batch = vlm.encode(prompts[start:stop], images[start:stop], responses_list[start:stop])
            weights["w"] = _position_weights(batch, position, start)
            vlm.forward(batch, last_only=True)
    data = {s: torch.stack([torch.cat(per_layer) for per_layer in store[s]], dim=1) for s in sites}
    meta = {
        "model": vlm.cfg.name_or_path,
        "model_type": vlm.cfg.model_type,
        "config_hash": vlm.cfg.config_hash,
        "n_layers": vlm.cfg.n_layers,
        "n_heads": vlm.cfg.n_heads,
        "d_head": vlm.cfg.d_head,
        "d_model": vlm.cfg.d_model,
        "position": position if isinstance(position, (int, str)) else "mask",
        "sites": list(sites),
        "has_image": [im is not None for im in images],
        "with_response": [r is not None for r in responses_list],
    }
    return Activations(data, meta=meta)


def _record_contrast(vlm: VLM, contrast_set: ContrastSet, **kwargs: Any) -> Activations:
    """Both sides of a contrast set, positives first, with labels.

    Calls :func:`record` once per side (with the samples' images, responses and the set's
    ``position``, which ``position=`` overrides) and concatenates. The result has ``labels``
    (True = positive) and ``meta["strategy"]``, ``meta["groups"]`` (query index per sample, kept
    through ``acts.positive`` / ``acts.select``; PCA pairs samples of the same query with it).
    """
    position = kwargs.pop("position", contrast_set.position)
    parts = []
    for samples in (contrast_set.positive, contrast_set.negative):
        prompts = [s.prompt for s in samples]
        images = [s.image for s in samples]
        responses = [s.response for s in samples]
        parts.append(
            record(
                vlm,
                prompts,
                images if any(im is not None for im in images) else None,
                responses=responses if any(r is not None for r in responses) else None,
                position=position,
                **kwargs,
            )
        )
    acts = Activations.concat(parts)
    acts.labels = contrast_set.labels
    acts.meta = dict(acts.meta)
    acts.meta["strategy"] = contrast_set.strategy
    acts.meta["groups"] = contrast_set.groups
    acts.meta["n_positive"] = len(contrast_set.positive)
    acts.meta["n_negative"] = len(contrast_set.negative)
    return acts
