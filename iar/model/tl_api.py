"""TransformerLens's entry points on :class:`iar.VLM`: ``run_with_cache``, ``run_with_hooks`` and
``hooks``, with the masks, position ids and steering scopes of an :class:`iar.Batch`.

These, not ``vlm.bridge.*``, are the way in for a TransformerLens user: they run through
``vlm.forward`` (so scoped steering and the fast path work) and leave nothing registered.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import torch
from jaxtyping import Float
from torch import Tensor

from iar.errors import InputError
from iar.model._inputs import _check_batch
from iar.model.types import Batch


class TransformerLensAPI:
    """Mixin of :class:`iar.VLM`: the TransformerLens-style methods (see the module docstring)."""

    @contextlib.contextmanager
    def hooks(
        self,
        fwd_hooks: Sequence[tuple[Any, Any]] = (),
        bwd_hooks: Sequence[tuple[Any, Any]] = (),
        *,
        clear_contexts: bool = False,
    ) -> Iterator[Any]:
        """Hook the backbone for the ``with`` block: :meth:`forward` and :meth:`generate` fire them.

        TransformerLens's ``model.hooks(...)`` on a VLM: ``fwd_hooks`` / ``bwd_hooks`` are
        ``(name or filter function, hook_fn)`` pairs with TransformerLens hook names
        (``blocks.{l}.attn.hook_z``, ``blocks.{l}.hook_resid_post``, ...; ``vlm.bridge.hook_dict``
        lists them) and hook functions ``fn(activation, hook) -> activation or None``. Inside
        :meth:`forward` / :meth:`generate`, ``vlm.step`` says which columns run, so scoped steering
        (:func:`iar.steer` with ``positions="prompt"`` ...) works alongside.

        On leaving the block every hook this added is removed, and so is every torch hook that
        iar's fast path put on its plain modules: the hook counts of all modules (``vlm.hf``,
        ``vlm.bridge`` and its hook points) are what they were before. Use this, not
        ``vlm.bridge.hooks`` / ``vlm.bridge.run_with_cache``: those run the backbone without the
        batch's masks, position ids and image-token markers (docs/api/model.md).

        Args:
            fwd_hooks: forward hooks.
            bwd_hooks: backward hooks (need gradients: call without ``torch.no_grad``).
            clear_contexts: also clear the touched hook points' ``ctx`` on exit.

        Example:
            >>> import iar
            >>> vlm = iar.load(*iar.testing.tiny_vlm("llava"))
            >>> seen = []
            >>> with vlm.hooks(fwd_hooks=[("blocks.0.hook_resid_post", lambda a, hook: seen.append(a.shape))]):
            ...     _ = vlm.generate(vlm.encode(["Hi."]), max_new_tokens=2)
            >>> len(seen) >= 1
            True
        """
        fwd_hooks = self._check_hooks(fwd_hooks, "fwd_hooks")
        bwd_hooks = self._check_hooks(bwd_hooks, "bwd_hooks")
        try:
            with self.bridge.hooks(
                fwd_hooks=fwd_hooks, bwd_hooks=bwd_hooks, clear_contexts=clear_contexts
            ):
                yield self
        finally:
            self._unwire()

    def _check_hooks(self, hooks: Any, what: str) -> list[tuple[Any, Any]]:
        """``(name or filter, function)`` pairs with names the bridge has, or an :class:`InputError`."""
        if isinstance(hooks, tuple) and len(hooks) == 2 and isinstance(hooks[0], str):
            hooks = [hooks]  # one pair given bare
        out = []
        hook_dict = self.bridge.hook_dict
        for item in hooks:
            if not (isinstance(item, (tuple, list)) and len(item) == 2):
                raise InputError(
                    f"{what} must be a list of (hook name, function) pairs, got {item!r}; e.g. "
                    "[('blocks.0.hook_resid_post', fn)]."
                )
            name, fn = item
            if isinstance(name, str) and name not in hook_dict:
                raise InputError(
                    f"{name!r} is not a hook point of this model; names look like "
                    "'blocks.0.attn.hook_z' or 'blocks.0.hook_resid_post' (see vlm.bridge.hook_dict)."
                )
            if not (isinstance(name, str) or callable(name)) or not callable(fn):
                raise InputError(
                    f"{what}: each pair is (hook name or filter function, hook function), got "
                    f"({type(name).__name__}, {type(fn).__name__})."
                )
            out.append((name, fn))
        return out

    def run_with_hooks(
        self,
        batch: Batch,
        fwd_hooks: Sequence[tuple[Any, Any]] = (),
        bwd_hooks: Sequence[tuple[Any, Any]] = (),
        *,
        last_only: bool = False,
        clear_contexts: bool = False,
    ) -> Float[Tensor, "b pos vocab"]:
        """TransformerLens's ``run_with_hooks`` on an encoded batch: :meth:`forward` inside :meth:`hooks`.

        Masks, position ids (Qwen2.5-VL's 3-D rope ids) and Gemma-3's image-token markers come
        from the batch, scoped steering sees ``vlm.step``, and nothing stays registered after.

        Args:
            batch: from :meth:`encode`.
            fwd_hooks: ``(name or filter, hook_fn)`` pairs, as for :meth:`hooks`.
            bwd_hooks: backward hooks.
            last_only: logits of the last column only, as for :meth:`forward`.
            clear_contexts: also clear the hook points' ``ctx`` afterwards.

        Returns:
            The logits ``[b, pos, vocab]``.

        Example:
            >>> import iar, torch
            >>> vlm = iar.load(*iar.testing.tiny_vlm("llava"))
            >>> batch = vlm.encode(["Describe the object."])
            >>> def zero(z, hook):
            ...     return torch.zeros_like(z)
            >>> logits = vlm.run_with_hooks(batch, fwd_hooks=[("blocks.1.attn.hook_z", zero)])
            >>> logits.shape[-1] == vlm.cfg.d_vocab
            True
        """
        _check_batch(batch)
        with self.hooks(fwd_hooks, bwd_hooks, clear_contexts=clear_contexts):
            return self.forward(batch, last_only=last_only)

    def run_with_cache(
        self,
        batch: Batch,
        names_filter: str | Sequence[str] | Any = None,
        positions: Any = None,
        *,
        device: str | torch.device | None = None,
        remove_batch_dim: bool = False,
        last_only: bool = False,
    ) -> tuple[Float[Tensor, "b pos vocab"], Any]:
        """TransformerLens's ``run_with_cache`` on an encoded batch: logits and an ``ActivationCache``.

        Runs :meth:`forward` (masks, position ids, image-token markers from the batch; hooks and
        scoped steering already attached stay active) and stores the activations of every hook
        point that ``names_filter`` selects, detached, under TransformerLens names. The result is
        a ``transformer_lens.ActivationCache`` over ``vlm.bridge``: ``cache["blocks.0.attn.hook_z"]``,
        ``cache["z", 0]``, ``cache.accumulated_resid()``, ... When only hook points that iar's fast
        path reproduces are selected (``hook_z``, ``hook_resid_*``, ``hook_attn_out``,
        ``hook_mlp_out``, ``hook_q/k/v``, component ``hook_in/out``) the run uses HF's own
        attention; anything else (``hook_pattern``, the default ``names_filter=None`` = every
        hook point) runs the bridge with eager attention. Gradients follow the caller's mode:
        wrap in ``torch.inference_mode()`` when none are needed. Nothing stays registered after.

        Args:
            batch: from :meth:`encode`.
            names_filter: ``None`` (every hook point, TransformerLens gated ones such as
                ``hook_result`` left out), one name, a list of names, or a function
                ``name -> bool``.
            positions: keep only these columns of the padded batch along each activation's
                position axis (the query axis of ``hook_pattern`` / ``hook_attn_scores``): an int
                (``-1``: the last token of every prompt, as the batch is left-padded), a
                ``slice``, a list or 1-D int tensor of columns, or a ``(start, stop[, step])``
                tuple; an int drops the axis. ``None`` keeps all.
            device: where to put the cached tensors (default: where they are computed).
            remove_batch_dim: for a batch of one, drop the batch axis of every entry.
            last_only: logits of the last column only (the cache is unaffected).

        Returns:
            ``(logits, cache)``.

        Raises:
            InputError: an unknown or gated hook name, a filter that selects nothing, bad
                ``positions``, ``remove_batch_dim`` with more than one prompt.

        Example:
            >>> import iar
            >>> vlm = iar.load(*iar.testing.tiny_vlm("llava"))
            >>> logits, cache = vlm.run_with_cache(vlm.encode(["Hi."]), names_filter=["blocks.0.attn.hook_z"])
            >>> cache["blocks.0.attn.hook_z"].shape[2:]
            torch.Size([4, 16])
        """
        from transformer_lens import ActivationCache
        from transformer_lens.utilities import Slice

        _check_batch(batch)
        if remove_batch_dim and len(batch) != 1:
            raise InputError(
                f"remove_batch_dim needs a batch of one prompt, got {len(batch)}; encode one prompt."
            )
        try:
            pos_slice = None if positions is None else Slice(positions)
        except (ValueError, TypeError) as err:
            raise InputError(
                f"positions must be None, an int, a slice, a (start, stop[, step]) tuple or a list "
                f"/ 1-D tensor of columns, got {positions!r}."
            ) from err
        points = self._select_points(names_filter)
        store: dict[str, Tensor] = {}
        core = type(self.bridge)

        def make(names: list[str]):
            def cache_hook(act: Tensor, hook: Any) -> None:
                if not isinstance(act, Tensor):
                    return
                kept = act.detach()
                if pos_slice is not None and kept.ndim >= 2:
                    kept = pos_slice.apply(kept, dim=core._pos_slice_dim(names[0], hook))
                if remove_batch_dim:
                    kept = kept[0]
                if device is not None:
                    kept = kept.to(device)
                for name in names:
                    store[name] = kept

            return cache_hook

        fwd = [(names[0], make(names)) for names in points]
        logits = self.run_with_hooks(batch, fwd_hooks=fwd, last_only=last_only)
        return logits, ActivationCache(store, self.bridge, has_batch_dim=not remove_batch_dim)

    def _select_points(self, names_filter: Any) -> list[list[str]]:
        """The hook points ``names_filter`` selects, as lists of names (canonical first)."""
        from transformer_lens.model_bridge.bridge_core import build_alias_to_canonical_map

        hook_dict = self.bridge.hook_dict
        aliases = build_alias_to_canonical_map(hook_dict)
        gated = self.bridge._gated_hook_reason
        explicit = isinstance(names_filter, (str, list, tuple))
        if names_filter is None:
            wanted = lambda name: True  # noqa: E731
        elif explicit:
            names = [names_filter] if isinstance(names_filter, str) else list(names_filter)
            for name in names:
                if not isinstance(name, str) or name not in hook_dict:
                    raise InputError(
                        f"{name!r} is not a hook point of this model; names look like "
                        "'blocks.0.attn.hook_z' or 'blocks.0.hook_resid_post' (see vlm.bridge.hook_dict)."
                    )
                point = hook_dict[name]
                reason = gated(point.name or name)
                if reason is not None:
                    raise InputError(
                        f"{name!r} only fires when vlm.bridge.set_{reason}(True) is set."
                    )
            chosen = set(names) | {aliases[n] for n in names if n in aliases}
            wanted = chosen.__contains__
        elif callable(names_filter):
            wanted = names_filter
        else:
            raise InputError(
                f"names_filter must be None, a name, a list of names or a function, got "
                f"{type(names_filter).__name__}."
            )
        groups: dict[int, list[str]] = {}
        for name, point in hook_dict.items():
            if not wanted(name) or (not explicit and gated(point.name or name) is not None):
                continue
            group = groups.setdefault(id(point), [])
            if name == point.name:
                group.insert(0, name)
            else:
                group.append(name)
        if not groups:
            raise InputError(f"names_filter {names_filter!r} selects no hook point of this model.")
        return list(groups.values())
