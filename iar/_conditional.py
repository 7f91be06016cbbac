"""The hooks of conditional steering (``iar.steer(..., when=condition)``).

One hook reads the condition's site while the prompt is run (a call of ``vlm.forward`` /
``vlm.generate`` that starts at column 0) and stores the per-prompt strength on the handle; the
steering hooks scale the revision's vectors by it. A steered site that fires after the condition's
site uses the decision of the same forward pass, so its prompt positions are steered exactly as
unconditional steering would steer them; a site at or before it is steered only at generated
positions (the prompt at that site was run before the decision existed). A prompt that does not
fire gets nothing added: bit-identical to no steering.

    >>> import iar
    >>> vlm = iar.load(*iar.testing.tiny_vlm("llava"))  # doctest: +SKIP
    >>> with iar.steer(vlm, rev, heads=2, alpha=4.0, when=cond):  # doctest: +SKIP
    ...     gen = vlm.generate(vlm.encode(["How do I pick a lock?"]), max_new_tokens=4)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from iar.condition import Condition, features, fires_after
from iar.errors import InputError, UnsupportedModelError
from iar.model.vlm import Decided


def steered_site(revision: Any) -> str:
    """The site a revision's vectors are added at: ``"z"`` (head level) or ``"resid_post"``.

    Example:
        >>> class R: level = "head"
        >>> steered_site(R())
        'z'
    """
    return "z" if revision.level == "head" else "resid_post"


def early_layers(revision: Any, condition: Condition, vectors: dict[int, Tensor]) -> list[int]:
    """The steered layers whose site fires at or before the condition's site (sorted).

    Example:
        >>> early_layers(rev, cond, {0: v, 5: w})  # doctest: +SKIP
        [0]
    """
    site = steered_site(revision)
    return sorted(l for l in vectors if not fires_after(site, l, condition.site, condition.layer))


def check(vlm: Any, revision: Any, condition: Any, vectors: dict[int, Tensor], positions: Any,
          lookahead: bool | None = None) -> bool:
    """Refuse conditions that cannot work with this model, revision and scope (clear errors);
    return whether the steer decides in a look-ahead pass (``lookahead`` resolved: ``None`` means
    "when a steered site is at or before the condition's site").

    Example:
        >>> check(vlm, rev, cond, {0: v}, "all")  # doctest: +SKIP
        True
    """
    if lookahead not in (None, True, False):
        raise InputError(f"lookahead must be True, False or None, got {lookahead!r}.")
    if not isinstance(condition, Condition):
        raise InputError(f"when= must be an iar.Condition, got {type(condition).__name__}; fit one "
                         "with iar.Condition.fit(acts_harmful, acts_benign, site=..., layer=...).")
    condition.check(vlm)
    if condition.hook_name not in vlm.bridge.hook_dict:
        raise UnsupportedModelError(f"the bridge has no hook {condition.hook_name!r}.")
    early = early_layers(revision, condition, vectors)
    ahead = bool(early) if lookahead is None else bool(lookahead and early)
    if early and not ahead and isinstance(positions, str) and positions in ("prompt", "image"):
        raise InputError(
            f"positions={positions!r} steers only prompt tokens, but the condition is read at "
            f"{condition.hook_name}, which runs after the steered layer(s) {early}: the decision "
            "comes too late for those prompt tokens. Fit the condition at an earlier site (e.g. "
            "site='resid_pre', layer=0, position='prompt'), steer later heads, use "
            "positions='all' / 'generated', or lookahead=True (decide in a first pass)."
        )
    return ahead


def _step(vlm: Any) -> Any:
    step = getattr(vlm, "step", None)
    if step is None:
        raise InputError("conditional steering decides per prompt while vlm.forward / vlm.generate "
                         "runs it; run the model through those.")
    return step


def hooks(handle: Any, scope_mask: Callable[..., Tensor]) -> list[tuple[str, Any]]:
    """``(hook name, fn)`` pairs: the condition's reader first, then one steering hook per layer.

    Example:
        >>> pairs = hooks(handle, iar.steering._scope_mask)  # doctest: +SKIP
    """
    cond: Condition = handle.condition
    vlm, positions = handle.vlm, handle.positions
    head = handle.revision.level == "head"
    site = steered_site(handle.revision)
    name = "blocks.{l}.attn.hook_z" if head else "blocks.{l}.hook_resid_post"

    def read(act: Tensor, hook: Any = None) -> None:
        step = _step(vlm)
        if step.start != 0:  # a decoding step: the prompt's decision stands
            return None
        looking = vlm.deciding is not None
        if not looking and handle._ahead is step.batch:  # decided in the look-ahead pass
            return None
        if looking and id(handle) not in vlm.deciding:
            return None
        s = cond.strength(features(act, step.batch, cond.position))
        handle._decision = (step.batch, s, bool((s > 0).any()))
        vlm.note_steered(id(handle), s > 0 if cond.mode == "gate" else s.float())
        if looking:
            handle._ahead = step.batch
            vlm.deciding.discard(id(handle))
            if not vlm.deciding:
                raise Decided
        return None

    def make(vec64: Tensor, after: bool):
        cache: dict = {}

        def hook(act: Tensor, hook: Any = None) -> Tensor:
            step = _step(vlm)
            if vlm.deciding is not None:
                return act  # a look-ahead pass reads the prompt without conditional steers
            b, p = act.shape[0], act.shape[1]
            n, start = step.batch.seq_len, int(step.start)
            ahead = handle._ahead is step.batch  # decided before this prompt pass: steer it all
            if not after and not ahead and start + p <= n:  # prompt columns only, before the decision
                return act
            decision = handle._decision
            if decision is None or decision[0] is not step.batch:
                raise InputError("conditional steering saw no decision for this batch: its prompt "
                                 "was not run with the steer active; generate with the steer on.")
            _, strength, fired = decision
            if not fired:
                return act
            key = (act.dtype, act.device)
            if key not in cache:
                cache[key] = vec64.to(device=act.device, dtype=act.dtype)
            vec = cache[key]
            if isinstance(positions, str) and positions == "all":
                mask = torch.ones(b, p, dtype=act.dtype, device=act.device)
            else:
                mask = scope_mask(vlm, positions, b, p, act.device).to(act.dtype)
            if not after and not ahead:
                mask = mask * (torch.arange(start, start + p, device=act.device) >= n).to(act.dtype)
            m = mask * strength.to(device=act.device, dtype=act.dtype)[:, None]
            return act + (m[:, :, None, None] if head else m[:, :, None]) * vec

        return hook

    out: list[tuple[str, Any]] = [(cond.hook_name, read)]
    for layer, vec in handle.vectors.items():
        out.append((name.format(l=layer), make(vec, fires_after(site, layer, cond.site, cond.layer))))
    return out
