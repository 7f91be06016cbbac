"""A hook-exact fast path for the bridged backbone: plain HF modules that fire the bridge's hook points.

TransformerLens' ``TransformerBridge`` wraps every backbone module in a Python component and
re-implements attention in eager mode, so that every hook point (``hook_pattern``,
``hook_attn_scores``, ...) can fire. That costs a fixed amount of Python per module per call,
which during token-by-token decoding is paid at every step: on the issue-7 benchmarks it is most
of the gap between ``vlm.generate`` and plain HF ``generate`` (docs/performance.md).

:class:`PlainRunner` keeps a second, *plain* copy of the backbone's module tree: the HF modules
the bridge wraps, shallow-copied so they share every parameter and buffer tensor (no extra
weight memory), with the bridge components unwrapped and the configs copied with the attention
implementation HF used before the bridge forced eager attention (sdpa by default). A hook point
that is a component's ``hook_in`` / ``hook_out`` (``hook_z`` = ``o_proj``'s input,
``hook_resid_post`` = the block's output, ``hook_resid_pre``, ``hook_attn_out``, ``hook_mlp_out``,
``hook_q/k/v``, ``hook_resid_mid`` = ``ln2``'s input, ...) is fired by a torch hook on the plain
twin of that module: the very ``HookPoint`` object is called on the very tensor the bridge would
hand it, so TransformerLens hook functions (with their ``hook`` argument, reshaping to
``[batch, pos, head, d_head]`` and back, and their return value) behave exactly as on the
bridge. Torch hooks are placed only on the twins of hook points that have hooks, so an unhooked
model runs at plain HF speed.

Whenever something is hooked that the twin cannot reproduce (``hook_pattern``,
``hook_attn_scores``, ``hook_rot_q``, norm internals, backward hooks, a torch hook put directly
on a bridge or HF module, a TransformerLens flag such as ``use_attn_result`` that changes the
computation), :meth:`PlainRunner.usable` says no and the caller runs the bridge as before.

    >>> runner = PlainRunner(vlm.bridge)  # doctest: +SKIP
    >>> logits = runner(embeds, attention_mask=mask, position_ids=pos).logits  # doctest: +SKIP
"""

from __future__ import annotations

import copy
import operator
import warnings
from functools import partial
from typing import Any

from torch import Tensor, nn
from torch.nn.modules import module as _torch_module

from iar.errors import UnsupportedModelError
from iar.model._archs.loading import _HOOK_DICTS, module_shell

# Flags of the bridge's config that change what the components compute.
_PATH_FLAGS = ("use_attn_result", "use_split_qkv_input", "use_attn_in", "use_hook_mlp_in")
# torch's global module hooks would fire on the bridge's components on one path and on the
# plain twins on the other.
_GLOBAL_HOOKS = (
    "_global_forward_hooks",
    "_global_forward_pre_hooks",
    "_global_backward_hooks",
    "_global_backward_pre_hooks",
)


def _component_classes() -> tuple[type, tuple[type, ...]]:
    from transformer_lens.model_bridge.generalized_components.attention import (
        AttentionBridge,
    )
    from transformer_lens.model_bridge.generalized_components.base import (
        GeneralizedComponent,
    )
    from transformer_lens.model_bridge.generalized_components.block import BlockBridge
    from transformer_lens.model_bridge.generalized_components.linear import LinearBridge
    from transformer_lens.model_bridge.generalized_components.mlp import MLPBridge
    from transformer_lens.model_bridge.generalized_components.normalization import (
        NormalizationBridge,
    )
    from transformer_lens.model_bridge.generalized_components.unembedding import (
        UnembeddingBridge,
    )

    # components whose hook_in / hook_out fire on exactly the wrapped module's input / output
    exact = (BlockBridge, AttentionBridge, LinearBridge, MLPBridge, NormalizationBridge, UnembeddingBridge)
    return GeneralizedComponent, exact


def _unmirrored(point: nn.Module, module: nn.Module, what: str) -> UnsupportedModelError:
    # Never skip a hook silently: a hook that did not fire would make the two paths differ.
    return UnsupportedModelError(
        f"the fast path cannot fire {getattr(point, 'name', None) or 'a hook point'}: "
        f"{type(module).__name__} was called with {what}; set vlm.fast = False to run the "
        "TransformerLens bridge for this model."
    )


def _fire_in(point: nn.Module, module: nn.Module, args: tuple, kwargs: dict) -> Any:
    if args and isinstance(args[0], Tensor):
        return (point(args[0]), *args[1:]), kwargs
    if isinstance(kwargs.get("hidden_states"), Tensor):
        kwargs["hidden_states"] = point(kwargs["hidden_states"])
        return args, kwargs
    raise _unmirrored(point, module, "no tensor as its first argument or hidden_states")


def _fire_out(point: nn.Module, module: nn.Module, args: tuple, output: Any) -> Any:
    if isinstance(output, Tensor):
        return point(output)
    if isinstance(output, tuple) and output and isinstance(output[0], Tensor):
        return (point(output[0]), *output[1:])
    raise _unmirrored(point, module, f"an output of type {type(output).__name__}")


def _inert(hooks: dict) -> bool:
    """Whether every hook in a module's hook dict is one of transformers' output-capturing hooks.

    transformers (5.x, ``utils/output_capturing.py``) installs these once, permanently, on the
    decoder layers and attention modules the first time a forward is asked for
    ``output_attentions`` / ``output_hidden_states`` (TransformerLens's ``run_with_cache`` always
    asks). They return at once unless that forward is collecting outputs, which the twin never
    asks for, so they must not turn the fast path off.
    """
    return all(getattr(fn, "__module__", "") == _CAPTURING for fn in hooks.values())


_CAPTURING = "transformers.utils.output_capturing"


class PlainRunner:
    """Runs a ``TransformerBridge``'s HF model through plain modules, firing its hook points.

    Args:
        bridge: the ``TransformerBridge`` (``vlm.bridge``).
        attn_implementation: attention for the plain modules (``"sdpa"``, ``"eager"``,
            ``"flash_attention_2"``, ...): what HF used before the bridge forced eager.

    Raises:
        ValueError: the model cannot be mirrored (modules with a patched ``forward``, e.g.
            accelerate offloading hooks); callers keep the bridge path.

    Example:
        >>> runner = PlainRunner(vlm.bridge)  # doctest: +SKIP
        >>> runner.usable()  # doctest: +SKIP
        True
    """

    def __init__(self, bridge: Any, attn_implementation: str = "sdpa") -> None:
        from transformer_lens.hook_points import HookPoint
        from transformers import PretrainedConfig

        component, exact = _component_classes()
        self.bridge = bridge
        self._configs: dict[int, Any] = {}
        self._points: dict[int, tuple[nn.Module, nn.Module, str]] = {}  # id(point) -> (point, twin, in|out)
        originals: list[nn.Module] = []
        capture_ids: set[int] = set()
        # (live dict of an original module, what the twin was built from): a parameter,
        # buffer or submodule replaced after this was built makes the twin stale (in_sync).
        self._sync: list[tuple[dict, tuple]] = []

        def config_of(cfg: Any) -> Any:
            if id(cfg) not in self._configs:
                new = copy.deepcopy(cfg)
                new._attn_implementation = attn_implementation
                self._configs[id(cfg)] = new
            return self._configs[id(cfg)]

        def plain(module: nn.Module) -> nn.Module:
            source = module.original_component if isinstance(module, component) else module
            if source is None:
                raise ValueError(f"bridge component {type(module).__name__} has no original module")
            if "forward" in source.__dict__ or hasattr(source, "_hf_hook"):
                raise ValueError(
                    f"{type(source).__name__} has a patched forward (offloading or another "
                    "wrapper); the plain path cannot mirror it"
                )
            originals.append(source)
            for live in (source._parameters, source._buffers, source._modules):
                self._sync.append((live, tuple(live.values())))
            twin, state = module_shell(source, keep_hooks=False)
            state["_modules"] = {
                k: (None if c is None else plain(c)) for k, c in source._modules.items()
            }
            for k, v in list(state.items()):
                if isinstance(v, PretrainedConfig):
                    state[k] = config_of(v)
            twin.__dict__ = state
            if isinstance(module, component):
                for h in getattr(module, "_capture_hook_handles", ()):
                    capture_ids.add(h.id)
                if isinstance(module, exact):
                    for role in ("in", "out"):
                        point = module._modules.get(f"hook_{role}")
                        if isinstance(point, HookPoint):
                            self._points[id(point)] = (point, twin, role)
            return twin

        model = bridge.original_model
        self.model = plain(model)
        self.model.eval()
        # Everything that could carry a hook, as flat lists of the hook dicts (torch mutates
        # them in place), so the per-call check is one C-level any() over the lot.
        all_points = {id(m): m for m in bridge.modules() if isinstance(m, HookPoint)}
        unsupported = [p for i, p in all_points.items() if i not in self._points]
        supported = [p for p, _, _ in self._points.values()]
        wrappers = [m for m in bridge.modules() if isinstance(m, component)]
        modules = {id(m): m for m in (*wrappers, *originals)}
        self._blocking = [getattr(p, n) for p in unsupported for n in _HOOK_DICTS[:7]]
        self._blocking += [getattr(p, n) for p in supported for n in _HOOK_DICTS[3:7]]
        # The bridge's own capture pre-hooks (for hook_attn_in / hook_mlp_in, which act only
        # when a flag is set) sit on each block's ln1 / ln2 / mlp components, wired lazily on
        # the first forward: those components' dicts are checked key by key.
        targets = set()
        for block in getattr(bridge, "blocks", ()):
            wire = getattr(block, "_maybe_wire_capture_hooks", None)
            if callable(wire):
                wire()
            capture_ids.update(h.id for h in getattr(block, "_capture_hook_handles", ()))
            subs = getattr(block, "submodules", None) or {}
            targets.update(id(subs[k]) for k in ("ln1", "ln2", "mlp") if k in subs)
        self._capture_ids = capture_ids
        self._watched = [getattr(m, n) for i, m in modules.items() if i not in targets for n in _HOOK_DICTS[:7]]
        self._shared = [getattr(m, n) for i, m in modules.items() if i in targets for n in _HOOK_DICTS[:7]]
        self._forward = [(id(p), p._forward_hooks) for p in supported]
        self._wired: dict[int, Any] = {}
        # the twins always run in eval mode: a backbone switched to train() (dropout) falls back
        # (the bridge's own components stay in train mode; the wrapped HF modules are what count)
        self._modes = [model, *(getattr(b, "original_component", b) for b in getattr(bridge, "blocks", ()))]

    # ---- deciding ---------------------------------------------------------------------------

    def _capture_only(self, d: dict) -> bool:
        if self._capture_ids.issuperset(d):
            return True
        for m in getattr(self.bridge, "blocks", ()):  # capture hooks are wired lazily
            self._capture_ids.update(h.id for h in getattr(m, "_capture_hook_handles", ()))
        return self._capture_ids.issuperset(d)

    def usable(self) -> bool:
        """Whether the plain path reproduces what the bridge would do with the hooks now attached.

        Example:
            >>> runner.usable()  # doctest: +SKIP
            True
        """
        bridge = self.bridge
        cfg = getattr(bridge, "cfg", None)
        if any(getattr(cfg, f, False) for f in _PATH_FLAGS):
            return False
        # weights folded / centred by TransformerLens, legacy compatibility hooks, dropout on
        if getattr(bridge, "_weights_processed", False) or getattr(bridge, "compatibility_mode", False):
            return False
        if any(m.training for m in self._modes):
            return False
        if any(getattr(_torch_module, name, None) for name in _GLOBAL_HOOKS):
            return False
        if any(self._blocking):
            return False
        if any(self._watched) and not all(_inert(d) for d in self._watched if d):
            return False
        return all(self._capture_only(d) for d in self._shared if d)

    def in_sync(self) -> bool:
        """Whether the twin still mirrors the bridge: no parameter, buffer or submodule replaced.

        Moving the model (``.to(...)`` replaces buffers) or assigning a new ``nn.Parameter``
        makes the twin stale; callers then build a new runner. Editing weights in place
        (``weight.data[...] = ...``, ``load_state_dict``) is seen by the twin, which shares them.

        Example:
            >>> runner.in_sync()  # doctest: +SKIP
            True
        """
        is_ = operator.is_
        return all(
            len(live) == len(seen) and all(map(is_, live.values(), seen))
            for live, seen in self._sync
        )

    # ---- running ----------------------------------------------------------------------------

    def _wire(self) -> None:
        """Put torch hooks on the twins of exactly the hook points that have hooks now."""
        want = {key for key, hooks in self._forward if hooks}
        for key in list(self._wired):
            if key not in want:
                self._wired.pop(key).remove()
        for key in want - set(self._wired):
            point, twin, role = self._points[key]
            if role == "in":
                handle = twin.register_forward_pre_hook(partial(_fire_in, point), with_kwargs=True)
            else:
                handle = twin.register_forward_hook(partial(_fire_out, point))
            self._wired[key] = handle

    def unwire(self) -> None:
        """Remove every torch hook :meth:`_wire` put on the twins (after a run; rewired on the next).

        Example:
            >>> runner.unwire()  # doctest: +SKIP
        """
        while self._wired:
            self._wired.popitem()[1].remove()

    def __call__(self, inputs_embeds: Tensor, **kwargs: Any) -> Any:
        """Run the plain CausalLM on ``inputs_embeds`` (HF keyword arguments), hooks wired.

        Example:
            >>> out = runner(embeds, attention_mask=mask, position_ids=pos, use_cache=False)  # doctest: +SKIP
            >>> out.logits.shape[-1] == vlm.cfg.d_vocab  # doctest: +SKIP
            True
        """
        self._wire()
        return self.model(inputs_embeds=inputs_embeds, **kwargs)


def build(bridge: Any, attn_implementation: str | None) -> PlainRunner | None:
    """A :class:`PlainRunner`, or ``None`` where the model cannot be mirrored.

    Example:
        >>> build(vlm.bridge, "sdpa") is not None  # doctest: +SKIP
        True
    """
    from iar.model.placement import dispatched

    if dispatched(bridge.original_model):
        # a device_map / offloaded model: accelerate's hooks patch every module's forward, which
        # the plain twin cannot mirror; the bridge runs (docs/scaling.md), without a warning
        return None
    try:
        return PlainRunner(bridge, attn_implementation or "sdpa")
    except (ValueError, AttributeError, TypeError) as err:
        # Never silently: a TransformerLens internals change would otherwise turn the fast path
        # off without a trace (issue 15). The caller caches the None, so this warns once a model.
        warnings.warn(
            f"iar's fast path is off for this model ({type(err).__name__}: {err}); forward and "
            "generate run the TransformerLens bridge instead (eager attention, slower; "
            "Generation.path says 'bridge'). Set vlm.fast = False to silence this.",
            FastPathWarning,
            stacklevel=3,
        )
        return None


class FastPathWarning(UserWarning):
    """The fast path (:mod:`iar.model._fast`) could not be built; the bridge runs instead."""


__all__ = ["FastPathWarning", "PlainRunner", "build"]
