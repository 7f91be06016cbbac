"""Models split across devices: accelerate's ``device_map`` dispatch and CPU/disk offload.

``iar.load(path, device_map=..., max_memory=..., offload_folder=...)`` hands the placement to
Hugging Face / accelerate, which puts a hook on every module (``module._hf_hook``): it moves the
inputs to the module's execution device and, for an offloaded module, swaps the ``meta``
placeholder parameters for the real tensors (from CPU memory or the offload folder) around that
module's own forward. TransformerLens 4.3 components run inside the same hook
(``align_module_device``), so hooks fire and see real activations. What iar itself needs to know:

- which parameters are placeholders (:func:`offloaded_names`): the backbone shell accepts them,
  :func:`iar.bake` reads their real values (:func:`materialized`);
- whether a model is dispatched at all (:func:`dispatched`): the plain fast path
  (:mod:`iar.model._fast`) cannot mirror a patched forward, so such a model runs the bridge;
- where a hooked activation lives: steering vectors are moved to each activation's device and
  dtype inside the hook (:mod:`iar.steering`), so a layer on ``cuda:1`` gets its vector there.

    >>> import iar
    >>> vlm = iar.load(*iar.testing.tiny_vlm("llava"))
    >>> dispatched(vlm.hf)
    False
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor


def _offload_hook(module: torch.nn.Module) -> Any:
    """The accelerate hook that offloads ``module``'s own tensors, or ``None``."""
    pending = [getattr(module, "_hf_hook", None)]
    while pending:
        hook = pending.pop()
        if hook is None:
            continue
        inner = getattr(hook, "hooks", None)  # SequentialHook
        if inner is not None:
            pending.extend(inner)
        elif getattr(hook, "offload", False) and getattr(hook, "weights_map", None) is not None:
            return hook
    return None


def dispatched(model: torch.nn.Module) -> bool:
    """Whether accelerate's dispatch hooks sit on ``model`` (loaded with a ``device_map``).

    Example:
        >>> import iar
        >>> dispatched(iar.testing.tiny_vlm("llava")[0])
        False
    """
    return any(hasattr(m, "_hf_hook") for m in model.modules())


def execution_device(module: torch.nn.Module) -> torch.device:
    """Where ``module`` computes: its accelerate hook's execution device when it has one (an
    offloaded embedding's weight is on ``meta``, its inputs must go to that device), else the
    device of its first parameter (CPU when it has none).

    Example:
        >>> import torch
        >>> execution_device(torch.nn.Linear(2, 2))
        device(type='cpu')
    """
    pending = [getattr(module, "_hf_hook", None)]
    while pending:
        hook = pending.pop()
        if hook is None:
            continue
        pending.extend(getattr(hook, "hooks", None) or [])
        device = getattr(hook, "execution_device", None)
        if device is not None:
            return torch.device(device if not isinstance(device, int) else f"cuda:{device}")
    first = next(iter(module.parameters()), None)
    return first.device if first is not None else torch.device("cpu")


def offloaded_names(model: torch.nn.Module) -> set[str]:
    """Names of ``model``'s parameters and buffers that are offloaded placeholders (``meta``).

    Example:
        >>> import iar
        >>> offloaded_names(iar.testing.tiny_vlm("llava")[0])
        set()
    """
    out = set()
    for prefix, module in model.named_modules():
        if _offload_hook(module) is None:
            continue
        own = list(module.named_parameters(recurse=False)) + list(module.named_buffers(recurse=False))
        for name, t in own:
            if t is not None and t.is_meta:
                out.add(f"{prefix}.{name}" if prefix else name)
    return out


def materialized(module: torch.nn.Module, name: str, value: Tensor) -> Tensor:
    """The real tensor behind ``value`` (``module``'s own parameter or buffer ``name``).

    ``value`` itself unless it is an offloaded placeholder; then the tensor accelerate would load
    for the forward, read from its weights map (CPU memory or the offload folder) and moved to
    the hook's execution device.

    Example:
        >>> import torch
        >>> lin = torch.nn.Linear(2, 2)
        >>> materialized(lin, "weight", lin.weight) is lin.weight
        True
    """
    if not value.is_meta:
        return value
    hook = _offload_hook(module)
    if hook is None:
        raise ValueError(f"{name} is on the meta device and no offload hook holds its value")
    real = hook.weights_map[name]
    device = hook.execution_device
    return real.to(device=device if device is not None else "cpu", dtype=value.dtype)


def offloaded_state(model: torch.nn.Module) -> dict[str, Tensor]:
    """The real tensors behind ``model``'s offloaded placeholders, by their names in ``model``.

    Each one is read from the weights map of the accelerate hook that holds it (a copy, on the
    hook's execution device): what :func:`iar.bake` puts in the baked model in their place. Empty
    for a model with nothing offloaded.

    Example:
        >>> import iar
        >>> offloaded_state(iar.testing.tiny_vlm("llava")[0])
        {}
    """
    out = {}
    for prefix, module in model.named_modules(remove_duplicate=False):
        if _offload_hook(module) is None:
            continue
        own = list(module.named_parameters(recurse=False)) + list(module.named_buffers(recurse=False))
        for name, t in own:
            if t is not None and t.is_meta:
                out[f"{prefix}.{name}" if prefix else name] = materialized(module, name, t)
    return out


__all__ = ["dispatched", "execution_device", "materialized", "offloaded_names", "offloaded_state"]
