"""Loading: HF model and processor from a hub id or folder, and the bridge around the backbone.

Kept apart from :mod:`iar.model` so that the model stage reads as types + one class. Two
environment facts shape this file (see DESIGN.md):

- Qwen2.5-VL's and InternVL's processors include a video processor that needs torchvision; where
  torchvision is absent the processor is rebuilt from its parts with no video processor (images
  work the same).
- TransformerLens would ``pip install torchvision`` at run time when a multimodal processor fails
  to load; that is switched off while the bridge boots.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from typing import Any

from iar.model._archs import ArchSpec, backbone_shell, spec_for
from iar.errors import DependencyError

_HUB_KWARGS = ("revision", "trust_remote_code", "token", "cache_dir", "local_files_only")


# Keys of an HF config that say how or where a model was loaded, not what it computes: left out
# of config_hash at every level (top config, text_config, vision_config, ...).
_NOT_IDENTITY = frozenset({
    "_name_or_path",
    "name_or_path",
    "_commit_hash",
    "transformers_version",
    "dtype",
    "torch_dtype",
    "_attn_implementation",
    "_attn_implementation_autoset",
    "attn_implementation",
    "_attn_implementation_internal",
})


def _identity(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _identity(v) for k, v in value.items() if k not in _NOT_IDENTITY}
    if isinstance(value, (list, tuple)):
        return [_identity(v) for v in value]
    return value


def config_hash(config: Any) -> str:
    """A short hash of what an HF config computes: the same weights' config hashes the same.

    Paths, versions, dtypes and the attention implementation are left out at every level of the
    config (``text_config.dtype``, ``vision_config._name_or_path``, ...), so a revision fitted on
    a float32 load is accepted by a bfloat16 or float16 load of the same folder, or by the model
    built in memory.

    Example:
        >>> from transformers import LlavaConfig
        >>> len(config_hash(LlavaConfig()))
        16
        >>> config_hash(LlavaConfig(text_config={"dtype": "bfloat16"})) == config_hash(LlavaConfig())
        True
    """
    blob = json.dumps(_identity(config.to_dict()), sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def legacy_config_hash(config: Any) -> str:
    """``config_hash`` as iar computed it before it ignored dtypes and paths at every level (only
    the top-level path, version and dtype were left out). Artifacts saved then carry this hash: a
    model loaded as theirs was (same dtype) still accepts them.

    Example:
        >>> from transformers import LlavaConfig
        >>> legacy_config_hash(LlavaConfig()) != config_hash(LlavaConfig())
        True
    """
    d = config.to_dict()
    for k in ("_name_or_path", "transformers_version", "_attn_implementation_autoset", "dtype", "torch_dtype"):
        d.pop(k, None)
    return hashlib.sha256(json.dumps(d, sort_keys=True, default=str).encode()).hexdigest()[:16]


# the per-module hook and state-dict hook dicts of a torch module (copied fresh by structural_copy;
# read by the fast path to tell whether anyone hooked a module)
_HOOK_DICTS = (
    "_forward_hooks",
    "_forward_hooks_with_kwargs",
    "_forward_hooks_always_called",
    "_forward_pre_hooks",
    "_forward_pre_hooks_with_kwargs",
    "_backward_hooks",
    "_backward_pre_hooks",
    "_state_dict_hooks",
    "_state_dict_pre_hooks",
    "_load_state_dict_pre_hooks",
    "_load_state_dict_post_hooks",
)


def module_shell(module: Any, *, keep_hooks: bool) -> tuple[Any, dict[str, Any]]:
    """An uninitialised instance of ``module``'s class and a copy of its ``__dict__`` whose
    parameter, buffer and hook dicts are new containers over the same tensors (hooks kept or
    emptied); the caller fills ``_modules`` and sets the state on the instance."""
    twin = module.__class__.__new__(module.__class__)
    state = dict(module.__dict__)
    state["_parameters"] = dict(module._parameters)
    state["_buffers"] = dict(module._buffers)
    state["_non_persistent_buffers_set"] = set(module._non_persistent_buffers_set)
    for name in _HOOK_DICTS:
        if name in state:
            state[name] = type(state[name])(state[name] if keep_hooks else ())
    return twin, state


def structural_copy(model: Any) -> Any:
    """A new module tree over the same parameter and buffer tensors, for the bridge to rewire.

    ``TransformerBridge`` wraps the modules it is given in place: built on the caller's own HF
    model it would rename that model's modules (``layers.0._original_component...``), force eager
    attention on its config and break its ``save_pretrained`` ("shared tensors"). This copies
    every module object (its parameter, buffer, submodule and hook dicts copied; the tensors,
    tied weights included, shared, so no weight memory is added) and every config (one deep
    copy, so configs shared between modules stay shared), and leaves the caller's model as it
    was. Weight edits in place (``weight.data[...] = ...``) are seen by both.

    Returns ``None`` when a module's ``forward`` is patched on the instance (accelerate's
    offloading / ``device_map`` dispatch hooks, other wrappers): such a forward is bound to the
    original module, so a copy would run the original's children, not the bridge's.

    Example:
        >>> twin = structural_copy(hf)  # doctest: +SKIP
        >>> twin.get_input_embeddings().weight is hf.get_input_embeddings().weight  # doctest: +SKIP
        True
    """
    from transformers import GenerationConfig, PretrainedConfig

    if any("forward" in m.__dict__ or hasattr(m, "_hf_hook") for m in model.modules()):
        return None
    memo: dict[int, Any] = {}
    done: dict[int, Any] = {}

    def clone(module: Any) -> Any:
        if id(module) in done:
            return done[id(module)]
        twin, state = module_shell(module, keep_hooks=True)
        done[id(module)] = twin
        state["_modules"] = {k: (None if c is None else clone(c)) for k, c in module._modules.items()}
        for k, v in list(state.items()):
            if isinstance(v, (PretrainedConfig, GenerationConfig)):
                state[k] = copy.deepcopy(v, memo)
        twin.__dict__ = state
        return twin

    return clone(model)


def from_pretrained(
    name: str, processor: Any, dtype: Any, device: Any, hf_kwargs: dict[str, Any]
) -> tuple[Any, Any]:
    """Load ``(hf_model, processor)`` from a hub id or local folder.

    The config is read first, so an unsupported architecture fails before any weights are
    downloaded. ``device`` becomes ``device_map`` unless one is given.

    Example:
        >>> hf, proc = from_pretrained("llava-hf/llava-1.5-7b-hf", None, "auto", "cuda", {})  # doctest: +SKIP
    """
    from transformers import AutoConfig, AutoModelForImageTextToText

    shared = {k: hf_kwargs[k] for k in _HUB_KWARGS if k in hf_kwargs}
    config = AutoConfig.from_pretrained(name, **shared)
    spec_for(config)  # fail before downloading weights
    kwargs = dict(hf_kwargs)
    if dtype is not None:
        kwargs["dtype"] = dtype
    if device is not None and "device_map" not in kwargs:
        kwargs["device_map"] = device
    hf = AutoModelForImageTextToText.from_pretrained(name, **kwargs)
    if processor is None or isinstance(processor, str):
        processor = load_processor(processor or name, config.model_type, shared)
    return hf, processor


def _torchvision_available() -> bool:
    try:
        import torchvision  # noqa: F401
    except Exception:
        return False
    return True


@contextlib.contextmanager
def _accept_missing_video_processor() -> Iterator[None]:
    """Let a processor be built with ``video_processor=None``.

    Without torchvision, transformers cannot import the video processor base class, so its
    type check fails even for ``None``; within this block ``None`` passes, all else is checked.
    A workaround for transformers 5.9-5.23 (the pinned range; checked on 5.23), scoped to the
    processor construction that needs it; nothing is patched at import.
    """
    from transformers.processing_utils import ProcessorMixin

    original = ProcessorMixin.check_argument_for_proper_class

    def check(self: Any, argument_name: str, argument: Any) -> Any:
        if argument is None and argument_name == "video_processor":
            return None
        return original(self, argument_name, argument)

    ProcessorMixin.check_argument_for_proper_class = check
    try:
        yield
    finally:
        ProcessorMixin.check_argument_for_proper_class = original


def load_processor(name: str, model_type: str | None = None, kwargs: dict[str, Any] | None = None) -> Any:
    """``AutoProcessor.from_pretrained``; without torchvision, rebuilt with no video processor.

    Args:
        name: hub id or folder.
        model_type: the model's ``model_type`` (finds the processor class when needed).
        kwargs: hub arguments (``revision``, ``token``, ...).

    Raises:
        DependencyError: the processor needs a part that cannot be built here.

    Example:
        >>> proc = load_processor("Qwen/Qwen2.5-VL-7B-Instruct", "qwen2_5_vl")  # doctest: +SKIP
    """
    from transformers import AutoProcessor

    kwargs = dict(kwargs or {})
    try:
        return AutoProcessor.from_pretrained(name, **kwargs)
    except (ImportError, ValueError) as err:
        if _torchvision_available():
            raise
        try:
            return _processor_without_video(name, model_type, kwargs)
        except Exception as inner:
            raise DependencyError(
                f"could not build the processor of {name!r}: {err} (without its video part: "
                f"{inner}). Install torchvision matching your torch, e.g. "
                "pip install torchvision --index-url https://download.pytorch.org/whl/cpu."
            ) from err


def _processor_without_video(name: str, model_type: str | None, kwargs: dict[str, Any]) -> Any:
    """The model's processor class built from its tokenizer and image processor only."""
    import transformers
    from transformers import AutoConfig, AutoImageProcessor, AutoTokenizer
    from transformers.models.auto.processing_auto import PROCESSOR_MAPPING_NAMES

    if model_type is None:
        model_type = AutoConfig.from_pretrained(name, **kwargs).model_type
    cls = getattr(transformers, PROCESSOR_MAPPING_NAMES[model_type])
    processor_dict, init_kwargs = cls.get_processor_dict(name, **kwargs)
    args = []
    for attribute in cls.get_attributes():
        if attribute == "video_processor":
            args.append(None)
        elif "tokenizer" in attribute:
            args.append(AutoTokenizer.from_pretrained(name, **kwargs))
        elif attribute == "image_processor":
            args.append(AutoImageProcessor.from_pretrained(name, **kwargs))
        else:  # pragma: no cover - no supported processor has other parts
            raise DependencyError(f"{cls.__name__} needs a {attribute} that iar cannot build.")
    with _accept_missing_video_processor():
        processor = cls.from_args_and_dict(args, processor_dict, **init_kwargs)
    if getattr(processor, "chat_template", None) is None:
        processor.chat_template = getattr(processor.tokenizer, "chat_template", None)
    return processor


@contextlib.contextmanager
def _no_runtime_install() -> Iterator[None]:
    """Stop the bridge from running ``pip install torchvision`` when a processor fails to load.

    For transformer-lens 4.3 (``model_bridge/sources/transformers/helpers.py``), scoped to the
    bridge construction in :func:`build_bridge`; nothing is patched at import.
    """
    try:
        from transformer_lens.model_bridge.sources.transformers import helpers
    except ImportError:  # pragma: no cover - other TransformerLens layouts
        yield
        return
    original = getattr(helpers, "_ensure_torchvision", None)
    if original is None:  # pragma: no cover
        yield
        return
    helpers._ensure_torchvision = lambda: False
    try:
        yield
    finally:
        helpers._ensure_torchvision = original


def _bridge_tokenizer(tokenizer: Any, folder: str) -> Any:
    """A private copy of the tokenizer for the bridge (it normalises what it is given).

    The bridge reloads the tokenizer by its ``name_or_path`` (to add a BOS token), without the
    caller's ``cache_dir`` / ``local_files_only``: for a hub id that is a network call (retried for
    ~25 s when the hub is unreachable, failing for a model in a custom cache). Tokenizers built in
    memory have no ``name_or_path`` at all (``KeyError: 'name_or_path'``). Unless it names a local
    folder, the tokenizer is saved to ``folder`` (which must outlive the bridge's boot) and reloaded.
    """
    from transformers import AutoTokenizer

    name = getattr(tokenizer, "name_or_path", "")
    if name and os.path.isdir(name):
        try:
            return copy.deepcopy(tokenizer)
        except Exception:  # pragma: no cover - fall through to a save/reload
            pass
    tokenizer.save_pretrained(folder)
    return AutoTokenizer.from_pretrained(folder)


def build_bridge(hf: Any, tokenizer: Any, spec: ArchSpec) -> Any:
    """A TransformerLens ``TransformerBridge`` around the VLM's language backbone.

    The bridge replaces the backbone's layers in place (inside ``hf`` too), keeps raw weights
    (logits equal HF's) and makes no hub call.

    Example:
        >>> bridge = build_bridge(hf, processor.tokenizer, SPECS["llava"])  # doctest: +SKIP
    """
    try:
        from transformer_lens.model_bridge import TransformerBridge
    except ImportError as err:  # pragma: no cover
        raise DependencyError(
            "transformer-lens>=4.3 is needed: pip install 'transformer-lens>=4.3,<4.4'."
        ) from err
    shell, arch = backbone_shell(hf, spec)
    dtype = hf.get_input_embeddings().weight.dtype
    with _no_runtime_install(), tempfile.TemporaryDirectory(prefix="iar-tok-") as folder:
        return TransformerBridge.boot_transformers(
            arch, hf_model=shell, tokenizer=_bridge_tokenizer(tokenizer, folder), dtype=dtype
        )
