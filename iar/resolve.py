"""Model specs: the strings ``--model`` and ``iar.demo.run(model=...)`` accept, resolved to a VLM.

A spec is a hub id or local folder (:func:`iar.load`), ``tiny:ARCH`` (an offline tiny model from
:func:`iar.testing.tiny_vlm`) or ``organism`` / ``organism:FOLDER`` (the trained model organism),
``organism:smollm2`` / ``organism:smollm2:FOLDER`` (the SmolLM2 organism, shipped or trained into
FOLDER by ``iar organism train --backbone smollm2``).
It sits below the application layer, so the demo and the command line share it without one
importing the other.

    >>> load_model("tiny:llava").cfg.model_type
    'llava'
"""

from __future__ import annotations

from typing import Any

from iar.errors import InputError


def load_model(spec: str, *, device: str | None = None, dtype: str | None = None, **placement: Any) -> Any:
    """A VLM from a model spec: a hub id or local folder, ``tiny:ARCH`` or ``organism[:NAME][:FOLDER]``.

    Args:
        spec: the spec; ``NAME`` is ``tiny`` (the default) or ``smollm2`` (:func:`iar.organism.load`).
        device: move the model there (``"cuda"``, ``"cpu"``, ...).
        dtype: ``float16``, ``bfloat16``, ``float32`` or ``auto`` (hub ids and folders only).
        **placement: ``device_map``, ``max_memory``, ``offload_folder`` for :func:`iar.load`
            (hub ids and folders only: a model split across devices).

    Raises:
        InputError: an unknown tiny architecture, dtype or device; placement for a tiny model or
            the organism.

    Example:
        >>> load_model("tiny:qwen2_5_vl").cfg.n_layers
        2
    """
    from iar.model._inputs import check_device, check_dtype

    check_dtype(dtype), check_device(device)  # a clear error before any model is built
    extra: dict[str, Any] = {"dtype": dtype} if dtype else {}
    placement = {k: v for k, v in placement.items() if v is not None}
    if placement and (spec.startswith("tiny:") or spec.split(":", 1)[0] == "organism"):
        raise InputError(f"--device-map places a model loaded from a hub id or a folder, not {spec!r} "
                         "(built in memory). Save it (save_pretrained) and pass the folder, or leave "
                         "--device-map out.")
    if spec.startswith("tiny:"):
        from iar import testing
        from iar.model import load

        arch = spec.split(":", 1)[1]
        if arch not in testing.ARCHITECTURES:
            raise InputError(f"Unknown tiny architecture {arch!r}; choose one of "
                             f"{testing.ARCHITECTURES}.")
        return load(*testing.tiny_vlm(arch), device=device, **extra)
    if spec == "organism" or spec.startswith("organism:"):
        # organism[:NAME][:FOLDER]: the tiny organism or smollm2, shipped or trained into FOLDER
        from iar.organism import BACKBONES
        from iar.organism import load as load_organism

        rest = spec.split(":", 1)[1] if ":" in spec else ""
        name, _, folder = rest.partition(":")
        if name not in BACKBONES:  # organism:FOLDER (a SmolLM2 folder is recognised by its vlm.json)
            name, folder = "", rest
        kw = {**({"device": device} if device else {}), **extra}
        if name:
            return load_organism(name, path=folder or None, **kw)
        return load_organism(folder or None, **kw)
    from iar.model import load

    return load(spec, device=device, **extra, **placement)
