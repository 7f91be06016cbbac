"""Checks of what ``vlm.encode`` / ``vlm.generate`` receive, and small tensor helpers they use.

    >>> _check_inputs("Hi.", None, None)
    (['Hi.'], [None], [None])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

from iar.errors import InputError
from iar.model.types import Batch

# --------------------------------------------------------------------------------------------
# helpers


def _sample(scores: Tensor, temperature: float, top_p: float, generator: Any) -> Tensor:
    """Temperature, then nucleus (top-p) filtering as HF's ``TopPLogitsWarper``, then a draw."""
    scores = scores / temperature
    if top_p < 1.0:
        sorted_logits, sorted_idx = torch.sort(scores, descending=False)
        cum = sorted_logits.softmax(-1).cumsum(-1)
        remove_sorted = cum <= (1 - top_p)
        remove_sorted[..., -1:] = False
        remove = remove_sorted.scatter(1, sorted_idx, remove_sorted)
        scores = scores.masked_fill(remove, float("-inf"))
    probs = scores.softmax(-1)
    return torch.multinomial(probs, 1, generator=generator).squeeze(1)


def _response_mask(ids: Tensor, mask: Tensor, prompt_ids: Tensor, prompt_mask: Tensor) -> Tensor:
    """True at the tokens of each row that follow its prompt (longest common token prefix)."""
    out = torch.zeros_like(mask, dtype=torch.bool)
    for i in range(ids.shape[0]):
        full = ids[i][mask[i].bool()].tolist()
        prompt = prompt_ids[i][prompt_mask[i].bool()].tolist()
        k = 0
        while k < min(len(full), len(prompt)) and full[k] == prompt[k]:
            k += 1
        n_resp = len(full) - k
        if n_resp > 0:
            out[i, ids.shape[1] - n_resp :] = True
    return out


def check_prompts(prompts: Any) -> list[str]:
    """``prompts`` as a non-empty list of str (one str is one prompt); the one prompt check.

    Raises:
        InputError: not a sequence, empty, or an item that is not a str.

    Example:
        >>> check_prompts("Hi.")
        ['Hi.']
    """
    if isinstance(prompts, str):
        prompts = [prompts]
    if not isinstance(prompts, Sequence):
        raise InputError(
            f"prompts must be a list of str, got {type(prompts).__name__}; wrap one prompt as [prompt]."
        )
    prompts = list(prompts)
    if not prompts:
        raise InputError("prompts is empty; pass at least one prompt, e.g. ['Describe the image.'].")
    for i, p in enumerate(prompts):
        if not isinstance(p, str):
            raise InputError(f"prompts[{i}] is a {type(p).__name__}, not a str; pass text prompts.")
    return prompts


def _check_inputs(
    prompts: Any, images: Any, responses: Any
) -> tuple[list[str], list[Any], list[str | None]]:
    from PIL import Image

    if isinstance(prompts, str):
        prompts = [prompts]
        if images is not None and not isinstance(images, (list, tuple)):
            images = [images]
        if isinstance(responses, str):
            responses = [responses]
    prompts = check_prompts(prompts)
    n = len(prompts)
    if images is None:
        images = [None] * n
    elif isinstance(images, Image.Image) or not isinstance(images, (list, tuple)):
        raise InputError(
            f"images must be a list with one PIL image or None per prompt, got "
            f"{type(images).__name__}; pass [image] for a single prompt."
        )
    images = list(images)
    if len(images) != n:
        raise InputError(
            f"got {n} prompts but {len(images)} images; pass one image (or None for text-only) "
            "per prompt."
        )
    for i, im in enumerate(images):
        if im is not None and not isinstance(im, Image.Image):
            raise InputError(
                f"images[{i}] is a {type(im).__name__}, not a PIL image; open files with "
                "PIL.Image.open(path).convert('RGB') (or pass None for a text-only prompt)."
            )
        if im is not None and (im.mode in ("I", "F") or im.mode.startswith("I;")) and min(im.size) > 0:
            _check_deep_image(i, im)
        if im is not None and min(im.size) < 1:
            raise InputError(
                f"images[{i}] is {im.size[0]} x {im.size[1]} pixels: an empty image (a failed crop "
                "or download?); pass a real image, or None for a text-only prompt."
            )
    if responses is None:
        responses = [None] * n
    elif not isinstance(responses, (list, tuple)):
        raise InputError(f"responses must be a list of str or None, got {type(responses).__name__}.")
    responses = list(responses)
    if len(responses) != n:
        raise InputError(f"got {n} prompts but {len(responses)} responses; pass one per prompt.")
    for i, r in enumerate(responses):
        if r is not None and not isinstance(r, str):
            raise InputError(f"responses[{i}] is a {type(r).__name__}; pass a str or None.")
    return prompts, images, responses


def _check_deep_image(i: int, im: Any) -> None:
    """A 16/32-bit or float image: the processor converts it to 8-bit RGB, which clips values
    above 255 to white and turns a 0..1 float image black; refuse those, naming the scaling."""
    lo, hi = im.getextrema()
    if lo < 0 or hi > 255:
        raise InputError(
            f"images[{i}] is a mode {im.mode!r} image with values {lo:g}..{hi:g}; converting it to "
            "RGB clips them to 0..255 (a white image). Scale it to 8 bits first, e.g. "
            "Image.fromarray((np.asarray(im) / np.asarray(im).max() * 255).astype('uint8')).convert('RGB')."
        )
    if im.mode == "F" and 0 < hi <= 1:
        raise InputError(
            f"images[{i}] is a float image with values {lo:g}..{hi:g} (normalised to 0..1?); "
            "converting it to RGB reads them on a 0..255 scale (a black image). Multiply by 255 "
            "first, e.g. Image.fromarray((np.asarray(im) * 255).astype('uint8')).convert('RGB')."
        )


def check_dtype(dtype: Any) -> Any:
    """``dtype`` (a torch dtype, its name, ``"auto"`` or None) as a floating torch dtype,
    ``"auto"`` or None; the one dtype check of :func:`iar.load`, ``--dtype`` and ``iar bench``.

    Raises:
        InputError: a name torch does not know (``"fp16"``) or a dtype that is not floating.

    Example:
        >>> check_dtype("bfloat16")
        torch.bfloat16
    """
    if dtype is None or dtype == "auto":
        return dtype
    value = dtype if isinstance(dtype, torch.dtype) else None
    if isinstance(dtype, str):
        value = getattr(torch, dtype, None)
    if not isinstance(value, torch.dtype) or not value.is_floating_point:
        known = isinstance(value, torch.dtype)
        raise InputError(
            f"{'unsupported' if known else 'unknown'} dtype {dtype!r}; models run in float16, "
            "bfloat16 or float32 (or 'auto', the checkpoint's own): dtype='float16' or "
            "torch.float16. Quantised weights: pass quantization_config= to iar.load."
        )
    return value


def check_device(device: Any) -> Any:
    """``device`` if torch accepts it as a device (None passes).

    Raises:
        InputError: a name that is not a torch device (``"gpu"``).

    Example:
        >>> check_device("cpu")
        'cpu'
    """
    if device is None:
        return device
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise InputError(
            f"unknown device {device!r}; use 'cuda' (or 'cuda:1'), 'cpu' or 'mps', or leave it "
            "None and pass device_map='auto' for a model larger than one GPU."
        ) from None
    if dev.type == "cuda":
        n = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if n == 0 or (dev.index is not None and dev.index >= n):
            raise InputError(
                f"device {str(device)!r}, but torch sees {n} GPU(s)"
                + (" (torch.cuda.is_available() is False: no GPU, or a CPU build of torch)"
                   if n == 0 else f" (cuda:0..cuda:{n - 1})")
                + "; pick one that exists, or device='cpu'."
            )
    return device


def _check_batch(batch: Any) -> None:
    if not isinstance(batch, Batch):
        raise InputError(
            f"expected an iar.Batch, got {type(batch).__name__}; build one with vlm.encode(prompts, images)."
        )
