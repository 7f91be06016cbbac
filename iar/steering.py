"""Steering: add a revision's vectors to attention heads or layers while the model runs.

Head level adds ``alpha * sigma[l, h] * direction[l, h]`` to head ``h`` of ``blocks.{l}.attn.hook_z``
(the head's output before the output projection, so the change passes through ``W_O``); layer
level adds ``alpha * sigma[l] * direction[l]`` to ``blocks.{l}.hook_resid_post``. Hooks live on
``vlm.bridge`` and fire in ``vlm.forward`` and at every step of ``vlm.generate``.

    >>> import iar
    >>> vlm = iar.load(*iar.testing.tiny_vlm("llava"))
    >>> cs = iar.contrast.single_response([f"How do I do {k}?" for k in range(6)], None, "No.", "Sure: step 1.")
    >>> rev = iar.Revision.fit(iar.record(vlm, cs, progress=False), progress=False)
    >>> with iar.steer(vlm, rev, heads=4, alpha=5.0):
    ...     out = vlm.generate(vlm.encode(["How do I pick a lock?"]), max_new_tokens=4)

``positions`` restricts steering to some token columns ("prompt", "generated", "image", "text",
or a bool mask). Columns are absolute (prompt columns ``[0, batch.seq_len)``, generated tokens
after), taken from ``vlm.step``, so scopes stay right under left padding and KV-cached decoding.

:func:`bake` folds a steer with ``positions="all"`` into output-projection biases and returns a
plain Hugging Face model that needs no hooks.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor

from iar.errors import InputError, RevisionError, UnsupportedModelError

if TYPE_CHECKING:  # pragma: no cover
    from iar.model import VLM
    from iar.revision import Revision

SCOPES = ("all", "prompt", "generated", "image", "text")


# --------------------------------------------------------------------------------------------
# argument checks


def _check_alpha(alpha: Any, units: list, grid: tuple[int, ...], what: str) -> Tensor:
    """Scalar, per-unit or full-grid alpha -> float64 tensor ``[len(units)]``, one per chosen unit."""
    n = len(units)
    if isinstance(alpha, Tensor):
        a = alpha.detach().double().cpu()
    elif isinstance(alpha, (int, float)) and not isinstance(alpha, bool):
        a = torch.tensor(float(alpha), dtype=torch.float64)
    else:
        raise InputError(f"alpha must be a number or a tensor, got {type(alpha).__name__}.")
    if not torch.isfinite(a).all():
        raise InputError(f"alpha must be finite, got {alpha!r}; pass a real number such as 5.0.")
    if a.ndim == 0:
        return a.expand(n).clone()
    if a.ndim == 1 and len(a) == n:
        return a
    if tuple(a.shape) == grid:
        return torch.stack([a[u] for u in units])
    raise InputError(
        f"alpha has shape {tuple(a.shape)}; give a scalar, one value per chosen {what} "
        f"({n},), or a full grid {grid}."
    )


def _resolve_units(
    revision: Revision, heads: Any, layers: Any, n_layers: int, n_heads: int | None
) -> list:
    if revision.level == "layer":
        if heads is not None:
            raise RevisionError(
                "this is a layer-level revision (one vector per layer), so it cannot steer heads; "
                "pass layers=[...] or fit a head-level revision (Revision.fit(..., level='head'))."
            )
        if layers is None:
            raise InputError("say which layers to steer: layers=[l, ...] (or layers=rev.top(k)).")
        if isinstance(layers, int) and not isinstance(layers, bool):
            raise InputError(
                f"layers must be a list; use layers=[{layers}] for layer {layers} or "
                f"layers=rev.top({layers}) for the top {layers} layers by probe accuracy."
            )
        units = []
        for l in layers:
            if isinstance(l, bool) or not isinstance(l, int) and not (
                isinstance(l, Tensor) and l.ndim == 0
            ):
                raise InputError(f"layers must be ints, got {l!r}.")
            l = int(l)
            if not 0 <= l < n_layers:
                raise InputError(f"layer {l} is out of range: the model has layers 0..{n_layers - 1}.")
            units.append(l)
    else:
        if layers is not None:
            raise InputError(
                "this is a head-level revision; pass heads=[(layer, head), ...] or heads=k, not layers=."
            )
        if heads is None:
            raise InputError(
                "say which heads to steer: heads=[(layer, head), ...] or heads=k for the top k "
                "heads by the revision's probe accuracy."
            )
        total = n_layers * n_heads
        if isinstance(heads, int) and not isinstance(heads, bool):
            if not 1 <= heads <= total:
                raise InputError(
                    f"heads={heads} asks for more heads than exist: the model has {total} "
                    f"({n_layers} layers x {n_heads} heads); choose k in 1..{total}."
                )
            units = revision.top(heads)
        else:
            units = []
            for item in heads:
                try:
                    l, h = (int(x) for x in item)
                except (TypeError, ValueError):
                    raise InputError(
                        f"heads must be (layer, head) pairs, got {item!r}; e.g. heads=[(0, 1)]."
                    ) from None
                if not (0 <= l < n_layers and 0 <= h < n_heads):
                    raise InputError(
                        f"head ({l}, {h}) is out of range: the model has layers 0..{n_layers - 1} "
                        f"and heads 0..{n_heads - 1}."
                    )
                units.append((l, h))
    if not units:
        raise InputError("no heads or layers to steer; give at least one.")
    if len(set(units)) != len(units):
        raise InputError(f"heads/layers contain duplicates: {units}; list each once.")
    return units


def _deltas(revision: Revision, units: list, alpha: Tensor) -> dict[int, Tensor]:
    """layer -> the vector to add at that layer's site (``[H, d_head]`` or ``[d_model]``), float64."""
    vec = revision.vectors.double()
    out: dict[int, Tensor] = {}
    for a, u in zip(alpha, units):
        if revision.level == "head":
            l, h = u
            out.setdefault(l, torch.zeros_like(vec[l]))[h] += a * vec[l, h]
        else:
            out[u] = a * vec[u]
    return out


def _check_positions(positions: Any) -> Any:
    if isinstance(positions, str):
        if positions not in SCOPES:
            raise InputError(f"positions must be one of {SCOPES} or a bool mask, got {positions!r}.")
        return positions
    if isinstance(positions, Tensor) and positions.dtype == torch.bool and positions.ndim in (1, 2):
        return positions.detach().cpu()
    raise InputError(
        "positions must be 'all', 'prompt', 'generated', 'image', 'text', or a bool tensor "
        "[seq] / [batch, seq] over the padded batch's columns."
    )


# --------------------------------------------------------------------------------------------
# the scope mask at one call


def _scope_mask(vlm: VLM, positions: Any, b: int, p: int, device: torch.device) -> Tensor:
    """Bool ``[b, p]``: which of the ``p`` positions of the current call are steered."""
    step = getattr(vlm, "step", None)
    if step is None:
        raise InputError(
            f"positions={positions if isinstance(positions, str) else 'mask'!r} needs absolute token "
            "positions, which exist only inside vlm.forward / vlm.generate / vlm.run_with_cache / "
            "vlm.run_with_hooks (not vlm.bridge.run_with_cache); run the model through those, or "
            "use positions='all'."
        )
    batch, start = step.batch, int(step.start)
    if len(batch) != b:
        raise InputError(f"steering saw a batch of {b} but vlm.step holds a batch of {len(batch)}.")
    S = int(batch.seq_len)
    cols = torch.arange(start, start + p)
    in_prompt = cols < S
    pc = cols.clamp(max=S - 1)

    def prompt_part(m: Tensor) -> Tensor:
        return m.detach().cpu().bool()[:, pc] & in_prompt

    if isinstance(positions, Tensor):
        m = positions if positions.ndim == 2 else positions.expand(b, -1)
        if len(m) != b:
            raise InputError(f"the positions mask has {len(m)} rows for a batch of {b}.")
        T = m.shape[1]
        out = m[:, cols.clamp(max=T - 1)] & (cols < T)
    elif positions == "prompt":
        out = prompt_part(batch.attention_mask)
    elif positions == "generated":
        out = (~in_prompt).expand(b, -1)
    elif positions == "image":
        out = prompt_part(batch.image_positions)
    elif positions == "text":
        out = prompt_part(batch.text_positions) | ~in_prompt
    else:  # pragma: no cover - checked earlier
        raise InputError(f"unknown positions {positions!r}")
    return out.to(device)


# --------------------------------------------------------------------------------------------
# the handle


class SteerHandle:
    """Hooks added by :func:`steer`; remove them with :meth:`remove` or by leaving the ``with`` block.

    The hooks go on through TransformerLens's ``bridge.hooks(...)`` context and come off through
    it, so other hooks on the bridge are never touched. Entering a handle whose hooks were removed
    puts them back on for the ``with`` block.

    Attributes:
        revision: the revision used.
        units: the steered ``(layer, head)`` pairs or layers.
        alpha: the strength per unit (float64 tensor ``[len(units)]`` or a grid).
        positions: the scope.
        vectors: layer -> the vector added there (``[n_heads, d_head]`` or ``[d_model]``).

    Example:
        >>> import iar
        >>> vlm = iar.load(*iar.testing.tiny_vlm("llava"))
        >>> cs = iar.contrast.single_response([f"How do I do {k}?" for k in range(6)], None, "No.", "Sure: step 1.")
        >>> rev = iar.Revision.fit(iar.record(vlm, cs, progress=False), progress=False)
        >>> h = iar.steer(vlm, rev, heads=[(0, 1)], alpha=2.0)
        >>> h.remove(); h.active
        False
    """

    def __init__(self, vlm: VLM, revision: Revision, units: list, alpha: Tensor,
                 positions: Any, vectors: dict[int, Tensor], condition: Any = None,
                 lookahead: bool = False):
        self.vlm, self.revision, self.units = vlm, revision, units
        self.alpha, self.positions, self.vectors = alpha, positions, vectors
        self.condition, self.lookahead = condition, lookahead
        self._stack: contextlib.ExitStack | None = None
        self._decision: tuple[Any, Tensor, bool] | None = None  # (batch, strength, any fired)
        self._ahead: Any = None  # the batch whose decision the look-ahead pass made

    @property
    def strength(self) -> Tensor | None:
        """With a condition: the last per-prompt strength it decided (float ``[b]``: 0/1 in gate
        mode), else ``None``."""
        return None if self._decision is None else self._decision[1]

    @property
    def active(self) -> bool:
        """Whether the hooks are on the bridge."""
        return self._stack is not None

    def _hooks(self) -> list[tuple[str, Any]]:
        hooks = self.vlm.bridge.hook_dict
        site = "attn.hook_z" if self.revision.level == "head" else "hook_resid_post"
        out = []
        for layer, vec in self.vectors.items():
            name = f"blocks.{layer}.{site}"
            if name not in hooks:
                raise UnsupportedModelError(f"the bridge has no hook {name!r}.")
            out.append((name, self._make_hook(vec)))
        if self.condition is not None:
            from iar import _conditional

            return _conditional.hooks(self, _scope_mask)
        return out

    def _add(self) -> None:
        if self._stack is None:
            stack = contextlib.ExitStack()
            stack.enter_context(self.vlm.bridge.hooks(fwd_hooks=self._hooks()))
            if self.lookahead:
                self.vlm._lookahead[id(self)] = self
                stack.callback(self.vlm._lookahead.pop, id(self), None)
            self._stack = stack

    def _make_hook(self, vec64: Tensor):
        head = self.revision.level == "head"
        positions, vlm = self.positions, self.vlm
        cache: dict = {}

        def hook(act: Tensor, hook: Any = None) -> Tensor:
            key = (act.dtype, act.device)
            if key not in cache:
                cache[key] = vec64.to(device=act.device, dtype=act.dtype)
            vec = cache[key]
            if isinstance(positions, str) and positions == "all":
                return act + vec
            mask = _scope_mask(vlm, positions, act.shape[0], act.shape[1], act.device)
            mask = mask.to(act.dtype)[:, :, None, None] if head else mask.to(act.dtype)[:, :, None]
            return act + mask * vec

        return hook

    def remove(self) -> None:
        """Remove this handle's hooks (others stay). Safe to call twice.

        Example:
            >>> import iar
            >>> vlm = iar.load(*iar.testing.tiny_vlm("llava"))
            >>> cs = iar.contrast.single_response([f"How do I do {k}?" for k in range(6)], None, "No.", "Sure: step 1.")
            >>> rev = iar.Revision.fit(iar.record(vlm, cs, progress=False), progress=False)
            >>> h = iar.steer(vlm, rev, heads=2, alpha=1.0)
            >>> h.remove()
        """
        stack, self._stack = self._stack, None
        if stack is not None:
            stack.close()

    def __enter__(self) -> SteerHandle:
        self._add()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()

    def __repr__(self) -> str:
        what = "heads" if self.revision.level == "head" else "layers"
        return f"SteerHandle({what}={self.units}, positions={self.positions!r}, active={self.active})"


def _prepare(vlm: VLM, revision: Revision, heads: Any, layers: Any, alpha: Any):
    from iar.revision import Revision

    if not isinstance(revision, Revision):
        raise InputError(f"revision must be an iar.Revision, got {type(revision).__name__}.")
    revision.check(vlm)
    cfg = vlm.cfg
    n_heads = cfg.n_heads if revision.level == "head" else None
    units = _resolve_units(revision, heads, layers, cfg.n_layers, n_heads)
    grid = (cfg.n_layers, cfg.n_heads) if revision.level == "head" else (cfg.n_layers,)
    a = _check_alpha(alpha, units, grid, "head" if n_heads else "layer")
    deltas = _deltas(revision, units, a)
    _check_overflow(deltas, a, vlm.dtype)
    return revision, units, a, deltas


def _check_overflow(deltas: dict[int, Tensor], alpha: Tensor, dtype: torch.dtype) -> None:
    """Refuse an alpha whose added vectors overflow the model's dtype (or float32 when squared,
    as a norm layer does): the model would compute NaN or zero logits and generate ''."""
    big = torch.finfo(torch.float32).max ** 0.5
    for layer, d in deltas.items():
        if not torch.isfinite(d).all():
            raise RevisionError(
                f"the revision's directions or sigma hold NaN or inf at layer {layer}; it cannot "
                "steer. Refit it (iar.Revision.fit) from finite activations."
            )
        norm = float(d.norm())
        in_dtype = d.to(dtype) if dtype.is_floating_point else d
        if not torch.isfinite(in_dtype).all() or not norm < big:
            where = str(dtype).replace("torch.", "")
            if torch.isfinite(in_dtype).all():
                where = "float32 when squared in a norm layer"
            raise InputError(
                f"alpha={float(alpha.abs().max()):g} makes the vector added at layer {layer} of "
                f"norm {norm:.3g}, which overflows {where} (the model would generate nothing); use "
                "alpha on the scale of 1-10 (the added vector is alpha * sigma * direction)."
            )


def steer(
    vlm: VLM,
    revision: Revision,
    *,
    heads: Sequence[tuple[int, int]] | int | None = None,
    layers: Sequence[int] | None = None,
    alpha: float | Tensor = 1.0,
    positions: str | Tensor = "all",
    when: Any = None,
    lookahead: bool | None = None,
) -> SteerHandle:
    """Add a revision's vectors at chosen heads or layers until the handle is removed.

    Args:
        vlm: the loaded model.
        revision: a fitted :class:`iar.Revision`.
        heads: (head-level revision) ``[(layer, head), ...]`` or an int k = the top k heads by the
            revision's probe accuracy.
        layers: (layer-level revision) ``[layer, ...]``.
        alpha: strength: a number, one value per chosen head/layer, or a full ``[n_layers,
            n_heads]`` / ``[n_layers]`` grid. The added vector is ``alpha * sigma * direction``.
        positions: ``"all"`` (default), ``"prompt"`` (non-pad prompt tokens), ``"generated"``
            (tokens produced by ``vlm.generate``), ``"image"`` (image-token positions),
            ``"text"`` (everything but image tokens and padding: prompt text and generated
            tokens), or a bool mask ``[seq]`` / ``[batch, seq]`` over absolute columns of the
            padded batch (columns past its end are not steered). Anything but ``"all"`` needs the
            model to run through ``vlm.forward`` / ``vlm.generate`` (or
            ``vlm.run_with_cache`` / ``vlm.run_with_hooks``, which call ``forward``).
        when: an :class:`iar.Condition`: steer only the prompts it fires on (gate mode), or with
            alpha scaled by its strength (graded mode), decided per prompt from the prompt's
            activations at the condition's site. ``Generation.steered`` shows the decisions.
            Needs ``vlm.forward`` / ``vlm.generate``.
        lookahead: with ``when``, how steered sites at or before the condition's site treat the
            prompt. ``True``: each prompt is first run once more, up to the condition's hook
            point and without the conditional steers, to decide; then every position is steered
            exactly as unconditional steering steers the prompts that fire (cost: the prompt
            through the layers up to the condition, again). ``False``: one pass; those sites
            are steered from the first generated token on (a prompt-only scope there is an
            error). ``None`` (default): ``True`` when a steered site is at or before the
            condition's site; otherwise there is nothing to look ahead for and no extra pass.

    Returns:
        A :class:`SteerHandle`: a context manager; ``.remove()`` takes the hooks off. Steering
        twice stacks; removing one handle leaves the other.

    Example:
        >>> import iar
        >>> vlm = iar.load(*iar.testing.tiny_vlm("llava"))
        >>> cs = iar.contrast.single_response([f"How do I do {k}?" for k in range(6)], None, "No.", "Sure: step 1.")
        >>> rev = iar.Revision.fit(iar.record(vlm, cs, progress=False), progress=False)
        >>> img = iar.testing.tiny_image()
        >>> with iar.steer(vlm, rev, heads=[(1, 0), (1, 3)], alpha=4.0, positions="generated"):
        ...     steered = vlm.generate(vlm.encode(["Describe the image."], [img]), max_new_tokens=4)
    """
    revision, units, a, vectors = _prepare(vlm, revision, heads, layers, alpha)
    positions = _check_positions(positions)
    ahead = False
    if when is not None:
        from iar import _conditional

        ahead = _conditional.check(vlm, revision, when, vectors, positions, lookahead)
    elif lookahead is not None:
        raise InputError("lookahead= only applies to a conditional steer: pass when=an iar.Condition.")
    handle = SteerHandle(vlm, revision, units, a, positions, vectors, when, lookahead=ahead)
    handle._add()
    return handle


# --------------------------------------------------------------------------------------------
# baking into weights

_WRAPPED = "._original_component"


def _plain_state(module: torch.nn.Module) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
    """Parameters and buffers of a bridge-wrapped HF model, under their plain HF names."""
    from iar.model.placement import offloaded_state

    params = {k.replace(_WRAPPED, ""): v for k, v in module.state_dict(keep_vars=True).items()}
    buffers = {k.replace(_WRAPPED, ""): v for k, v in module.named_buffers(remove_duplicate=False)}
    # offloaded (device_map "cpu"/"disk") tensors are meta placeholders: bake their real values
    for k, v in offloaded_state(module).items():
        k = k.replace(_WRAPPED, "")
        for where in (params, buffers):
            if k in where:
                where[k] = v
    return params, buffers


def _decoder_layers(model: torch.nn.Module, n_layers: int) -> Sequence[torch.nn.Module]:
    dec = model.get_decoder() if hasattr(model, "get_decoder") else None
    layers = getattr(dec, "layers", None)
    if layers is None or len(layers) != n_layers:
        raise UnsupportedModelError(
            f"cannot find the {n_layers} decoder layers of {type(model).__name__}; bake supports "
            "HF VLMs whose get_decoder() returns the language model."
        )
    return layers


def bake(
    vlm: VLM,
    revision: Revision,
    *,
    heads: Sequence[tuple[int, int]] | int | None = None,
    layers: Sequence[int] | None = None,
    alpha: float | Tensor = 1.0,
    positions: str = "all",
) -> torch.nn.Module:
    """Fold a steer into biases and return a plain HF model that generates steered text without hooks.

    Head level: the vector added to ``hook_z`` at layer ``l`` becomes the bias
    ``W_o @ delta`` of that layer's attention output projection (``o_proj``). The bias is created
    through the text config's ``attention_bias`` flag (which also gives q/k/v biases; they are set
    to zero), so ``save_pretrained`` / ``from_pretrained`` keep it and any HF-compatible engine can
    serve it. Supported where the text config has that flag: Llama backbones (LLaVA-1.5,
    Idefics3) and Gemma-3. Layer level: the vector becomes the MLP ``down_proj`` bias (via
    ``mlp_bias``), exact only where nothing follows ``down_proj`` before the residual add: Llama
    backbones. Other backbones (Mistral, Qwen2) have no such flag; their checkpoints could not
    carry the bias through ``from_pretrained``, so they get :class:`UnsupportedModelError`.

    The returned model shares all other weights with ``vlm.hf`` (no copy); ``vlm`` is unchanged.

    Args:
        vlm: the loaded model (left unchanged).
        revision: a fitted :class:`iar.Revision`.
        heads: (head-level revision) ``[(layer, head), ...]`` or an int k = the top k heads, as
            for :func:`steer`.
        layers: (layer-level revision) ``[layer, ...]``.
        alpha: strength, as for :func:`steer`.
        positions: must be ``"all"`` (a bias acts on every position).

    Example:
        >>> import iar
        >>> vlm = iar.load(*iar.testing.tiny_vlm("llava"))
        >>> cs = iar.contrast.single_response([f"How do I do {k}?" for k in range(6)], None, "No.", "Sure: step 1.")
        >>> rev = iar.Revision.fit(iar.record(vlm, cs, progress=False), progress=False)
        >>> hf = iar.bake(vlm, rev, heads=4, alpha=5.0)
        >>> type(hf).__name__
        'LlavaForConditionalGeneration'
    """
    if not (isinstance(positions, str) and positions == "all"):
        raise InputError(
            f"bake folds the revision into biases, which act on every position; positions="
            f"{positions if isinstance(positions, str) else 'mask'!r} cannot be baked. Use "
            "positions='all', or steer with hooks (iar.steer) for scoped steering."
        )
    revision, units, _, vectors = _prepare(vlm, revision, heads, layers, alpha)
    src = vlm.hf
    config = copy.deepcopy(src.config)
    text = config.get_text_config()
    # The bridge forced eager attention on the wrapped model's config; the baked model runs
    # without hooks, so give it back the attention HF chose (sdpa unless the caller asked).
    text._attn_implementation = getattr(vlm, "attn_implementation", None) or "sdpa"
    flag = "attention_bias" if revision.level == "head" else "mlp_bias"
    kind = text.model_type
    if not hasattr(text, flag):
        raise UnsupportedModelError(
            f"cannot bake into {kind!r}: its config has no {flag!r} flag, so a bias would not "
            "survive save_pretrained/from_pretrained. Steer with hooks (iar.steer) instead."
        )
    setattr(text, flag, True)
    with torch.device("meta"):
        model = type(src)(config)
    params, buffers = _plain_state(src)
    want = model.state_dict(keep_vars=True)
    missing = [k for k in want if k not in params and not k.endswith(".bias")]
    if missing:
        raise UnsupportedModelError(
            f"cannot map the bridged model's weights back to {type(src).__name__} "
            f"(missing {missing[:3]}); bake needs a model loaded with iar.load."
        )
    state = {}
    for k, v in want.items():
        if k in params:
            state[k] = params[k].detach()
        else:  # a bias the flag created: zero
            state[k] = torch.zeros(v.shape, dtype=v.dtype, device=_device_of(params, k))
    model.load_state_dict(state, assign=True, strict=True)
    for name, buf in list(model.named_buffers()):
        if buf.is_meta:
            if name not in buffers:
                raise UnsupportedModelError(f"cannot restore buffer {name!r} when baking.")
            mod_name, _, attr = name.rpartition(".")
            model.get_submodule(mod_name)._buffers[attr] = buffers[name].detach()
    if hasattr(model, "tie_weights"):
        model.tie_weights()
    decoder_layers = _decoder_layers(model, vlm.cfg.n_layers)
    for layer, vec in vectors.items():
        block = decoder_layers[layer]
        if revision.level == "head":
            lin = block.self_attn.o_proj
            delta = vec.reshape(-1)  # [(h d)], the o_proj input layout
        else:
            if hasattr(block, "post_feedforward_layernorm"):
                raise UnsupportedModelError(
                    f"{kind!r} normalises the MLP output before the residual add, so a layer-level "
                    "revision cannot be folded into a bias; steer with hooks or bake a head-level one."
                )
            lin = block.mlp.down_proj
            delta = None
        if lin.bias is None:
            raise UnsupportedModelError(
                f"{kind!r} ignores {flag!r} for this projection; bake is not supported for it."
            )
        with torch.no_grad():
            if delta is None:
                add = vec
            else:
                add = lin.weight.double() @ delta.to(lin.weight.device)
            lin.bias.copy_(add.to(lin.bias.dtype))
    model.eval()
    return model


def _device_of(params: dict[str, Tensor], key: str) -> torch.device:
    stem = key.rpartition(".")[0] + ".weight"
    v = params.get(stem)
    return v.device if v is not None else torch.device("cpu")
