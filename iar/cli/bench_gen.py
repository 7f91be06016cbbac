"""Benchmarks of generation with steering (``iar bench steer``) and of recording (``iar bench record``).

Each bench builds a random-weight LLaVA-style model of a chosen shape (real HF classes, the tiny
offline tokenizer of :mod:`iar.testing`), runs the toolkit and its plain-HF baseline side by side
in one process, after a warm-up, in interleaved repetitions (the order rotates every round), and
reports medians and ratios. Absolute times on a shared machine are noisy; the per-round ratios of
runs made seconds apart are what the docs quote.

    >>> from iar.cli.bench_gen import bench_steer
    >>> r = bench_steer(quick=True)  # doctest: +SKIP
    >>> sorted(k for k in r if k.endswith("_hf") or k.endswith("unsteered"))  # doctest: +SKIP
    ['baked_over_hf', 'steered_over_unsteered', 'unsteered_over_hf']

The plain baseline is a second HF model object that shares every weight tensor with the model
``iar.load`` wraps (built from the same config before wrapping, so it keeps HF's default
attention), so the comparison costs no extra weight memory.
"""

from __future__ import annotations

import contextlib
import copy
import gc
import json
import math
import os
import platform
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from iar.errors import InputError

if TYPE_CHECKING:  # pragma: no cover - torch is imported where it is used, so
    import torch  # `iar --help` and argument parsing stay fast
    from torch import Tensor

# --------------------------------------------------------------------------------------------
# shapes


@dataclass(frozen=True)
class Shape:
    """Sizes of a random LLaVA-style model: a Llama backbone and a CLIP vision tower.

    Attributes:
        name: label used in reports.
        n_layers, d_model, n_heads, d_mlp, vocab: the Llama text backbone.
        vision_layers, vision_d, vision_heads, image_size, patch_size: the CLIP tower
            (``(image_size // patch_size) ** 2`` image tokens per image).

    Example:
        >>> SHAPES["mid"].n_layers, SHAPES["mid"].d_model
        (8, 1024)
    """

    name: str
    n_layers: int
    d_model: int
    n_heads: int
    d_mlp: int
    vocab: int = 32064  # LLaVA-1.5's vocabulary (32000 + image and pad tokens, padded)
    vision_layers: int = 2
    vision_d: int = 64
    vision_heads: int = 4
    image_size: int = 28
    patch_size: int = 7

    @property
    def image_tokens(self) -> int:
        """Image tokens per image."""
        return (self.image_size // self.patch_size) ** 2


def _mlp(d_model: int) -> int:
    """Llama's MLP width ratio (11008 / 4096), rounded to a multiple of 64."""
    return round(d_model * 11008 / 4096 / 64) * 64


SHAPES: dict[str, Shape] = {
    # what --quick runs: small enough for a test, big enough that compute is not all overhead
    "small": Shape("small", 4, 256, 8, _mlp(256)),
    # the issue's mid-size shape: 8 layers, d_model 1024, 16 heads
    "mid": Shape("mid", 8, 1024, 16, _mlp(1024)),
    # LLaVA-1.5-7B: Vicuna-7B backbone and CLIP ViT-L/14 at 336 px (576 image tokens)
    "llava-7b": Shape(
        "llava-7b", 32, 4096, 32, 11008,
        vision_layers=24, vision_d=1024, vision_heads=16, image_size=336, patch_size=14,
    ),
}


def parse_shape(shape: str | Shape | None, quick: bool = False) -> Shape:
    """A :class:`Shape` from a name in :data:`SHAPES`, ``"LxDxH"`` (layers x d_model x heads) or a Shape.

    ``None`` gives ``"small"`` when ``quick`` else ``"mid"``.

    Raises:
        InputError: an unknown name or a malformed ``LxDxH``.

    Example:
        >>> parse_shape("12x768x12").d_mlp
        2048
    """
    if isinstance(shape, Shape):
        return shape
    if shape is None:
        return SHAPES["small" if quick else "mid"]
    if not isinstance(shape, str):
        raise InputError(f"shape must be a name or 'LxDxH', got {type(shape).__name__}.")
    if shape in SHAPES:
        return SHAPES[shape]
    parts = shape.lower().split("x")
    try:
        n_layers, d_model, n_heads = (int(p) for p in parts)
    except ValueError:
        raise InputError(
            f"unknown shape {shape!r}; use one of {sorted(SHAPES)} or 'LxDxH' such as "
            "'8x1024x16' (layers x d_model x heads)."
        ) from None
    if min(n_layers, d_model, n_heads) < 1 or d_model % n_heads:
        raise InputError(
            f"shape {shape!r}: sizes must be positive and d_model divisible by the head count."
        )
    return Shape(shape, n_layers, d_model, n_heads, _mlp(d_model))


# --------------------------------------------------------------------------------------------
# models


def _dtype(dtype: Any) -> torch.dtype:
    import torch

    if dtype is None:
        return torch.float32
    if isinstance(dtype, torch.dtype):
        return dtype
    value = getattr(torch, str(dtype), None)
    if not isinstance(value, torch.dtype):
        raise InputError(f"unknown dtype {dtype!r}; use float32, bfloat16 or float16.")
    return value


def _processor(shape: Shape) -> Any:
    """The tiny LLaVA processor of :mod:`iar.testing`, with an image processor for ``shape``."""
    from transformers import LlavaImageProcessorPil, LlavaProcessor

    from iar.testing import tiny_vlm

    _, tiny = tiny_vlm("llava")
    image_processor = LlavaImageProcessorPil(
        size={"shortest_edge": shape.image_size},
        crop_size={"height": shape.image_size, "width": shape.image_size},
    )
    return LlavaProcessor(
        image_processor=image_processor,
        tokenizer=tiny.tokenizer,
        patch_size=shape.patch_size,
        vision_feature_select_strategy="default",
        num_additional_image_tokens=1,
        chat_template=tiny.chat_template,
    )


def _config(shape: Shape, tok: Any, image_token: str) -> Any:
    from transformers import CLIPVisionConfig, LlamaConfig, LlavaConfig

    if shape.vocab < len(tok):
        raise InputError(f"shape vocab {shape.vocab} is smaller than the tokenizer ({len(tok)}).")
    text = LlamaConfig(
        hidden_size=shape.d_model,
        intermediate_size=shape.d_mlp,
        num_hidden_layers=shape.n_layers,
        num_attention_heads=shape.n_heads,
        num_key_value_heads=shape.n_heads,
        max_position_embeddings=4096,
        tie_word_embeddings=False,
        vocab_size=shape.vocab,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
    )
    text.architectures = ["LlamaForCausalLM"]
    vision = CLIPVisionConfig(
        image_size=shape.image_size,
        patch_size=shape.patch_size,
        hidden_size=shape.vision_d,
        intermediate_size=4 * shape.vision_d,
        projection_dim=shape.vision_d,
        num_hidden_layers=shape.vision_layers,
        num_attention_heads=shape.vision_heads,
    )
    config = LlavaConfig(
        vision_config=vision,
        text_config=text,
        image_token_index=int(tok.convert_tokens_to_ids(image_token)),
        image_seq_length=shape.image_tokens,
        vision_feature_select_strategy="default",
        vision_feature_layer=-2,
        projector_hidden_act="gelu",
    )
    config.architectures = ["LlavaForConditionalGeneration"]
    return config


def _twin(model: torch.nn.Module) -> torch.nn.Module:
    """A second HF model object sharing every parameter and buffer tensor with ``model``.

    Built from a copy of the config before ``iar.load`` wraps ``model``, so it keeps the
    attention implementation HF picked (sdpa) and runs with no hooks: the plain-HF baseline.
    """
    import torch

    with torch.device("meta"):
        twin = type(model)(copy.deepcopy(model.config))
    twin.load_state_dict(model.state_dict(), assign=True, strict=True)
    for name, buf in model.named_buffers():
        owner, _, attr = name.rpartition(".")
        twin.get_submodule(owner)._buffers[attr] = buf
    twin.generation_config = copy.deepcopy(model.generation_config)
    return twin.eval()


@dataclass
class Models:
    """What a bench runs on: the wrapped model, its plain twin and the processor.

    Example:
        >>> m = build_models("small")  # doctest: +SKIP
        >>> m.vlm.cfg.n_layers  # doctest: +SKIP
        4
    """

    vlm: Any
    plain: torch.nn.Module
    processor: Any
    shape: Shape


def build_models(
    shape: str | Shape | None = None,
    *,
    device: str | torch.device | None = None,
    dtype: Any = None,
    seed: int = 0,
) -> Models:
    """A random LLaVA-style model of ``shape``, loaded with :func:`iar.load`, and its plain twin.

    End-of-sequence tokens get a zero row in ``lm_head`` so greedy decoding never stops early:
    every run produces exactly ``max_new_tokens`` tokens and runs compare like with like.

    Args:
        shape: see :func:`parse_shape`.
        device: where to build the weights (default CPU).
        dtype: weight dtype (``torch.bfloat16`` or ``"bfloat16"``; default float32).
        seed: weight initialisation seed.

    Example:
        >>> m = build_models("small", seed=0)  # doctest: +SKIP
        >>> m.plain is not m.vlm.hf  # doctest: +SKIP
        True
    """
    import torch
    from transformers import LlavaForConditionalGeneration

    import iar

    shape = parse_shape(shape)
    dt = _dtype(dtype)
    dev = torch.device(device or "cpu")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise InputError(
            "device 'cuda' asked for, but this torch has no usable GPU (torch.cuda.is_available() "
            "is False); run on a GPU machine with a CUDA build of torch, or use --device cpu."
        )
    processor = _processor(shape)
    tok = processor.tokenizer
    config = _config(shape, tok, processor.image_token)
    with torch.random.fork_rng(devices=[]), torch.device(dev):
        torch.manual_seed(seed)
        hf = LlavaForConditionalGeneration._from_config(config, dtype=dt)
    hf = hf.to(dev).eval()
    gen = hf.generation_config
    gen.bos_token_id, gen.eos_token_id, gen.pad_token_id = (
        tok.bos_token_id, tok.eos_token_id, tok.pad_token_id,
    )
    gen.do_sample = False
    with torch.no_grad():
        hf.lm_head.weight[tok.eos_token_id] = 0
        if hf.lm_head.bias is not None:  # pragma: no cover - Llama has none
            hf.lm_head.bias[tok.eos_token_id] = 0
    plain = _twin(hf)
    vlm = iar.load(hf, processor)
    return Models(vlm, plain, processor, shape)


# --------------------------------------------------------------------------------------------
# timing


def _sync(device: torch.device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def interleaved(
    fns: dict[str, Callable[[], Any]],
    reps: int,
    warmup: int = 1,
    device: torch.device | str = "cpu",
) -> dict[str, list[float]]:
    """Time several callables in rounds, rotating their order each round; seconds per call.

    Every callable runs ``warmup`` times first (untimed). Round ``r`` starts at the ``r``-th
    callable, so none is always first or last when the machine's load drifts. The garbage
    collector runs between rounds and is off inside timed calls.

    Example:
        >>> t = interleaved({"a": lambda: None, "b": lambda: None}, reps=3)
        >>> sorted(t), len(t["a"])
        (['a', 'b'], 3)
    """
    import torch

    device = torch.device(device)
    names = list(fns)
    for _ in range(warmup):
        for n in names:
            fns[n]()
    times: dict[str, list[float]] = {n: [] for n in names}
    for r in range(reps):
        k = r % len(names)
        gc.collect()  # once per round (a full collection takes a while with big libraries loaded)
        for n in names[k:] + names[:k]:
            times[n].append(_timed(fns[n], device))
    return times


def _timed(fn: Callable[[], Any], device: Any) -> float:
    """Seconds one call takes (device synchronised; no collector pause inside)."""
    import torch

    device = torch.device(device)
    _sync(device)
    gc.disable()
    try:
        t0 = time.perf_counter()
        fn()
        _sync(device)
        return time.perf_counter() - t0
    finally:
        gc.enable()


def ratio(times: dict[str, list[float]], num: str, den: str) -> float:
    """Median over rounds of ``times[num][r] / times[den][r]``.

    Example:
        >>> ratio({"a": [2.0, 4.0, 3.0], "b": [1.0, 2.0, 1.0]}, "a", "b")
        2.0
    """
    return float(statistics.median(a / b for a, b in zip(times[num], times[den])))


def _range(times: dict[str, list[float]], num: str, den: str) -> list[float]:
    """``[min, max]`` of the per-round ratios: how noisy the machine was."""
    per_round = [a / b for a, b in zip(times[num], times[den])]
    return [float(min(per_round)), float(max(per_round))]


def _medians(times: dict[str, list[float]]) -> dict[str, float]:
    return {k: float(statistics.median(v)) for k, v in times.items()}


@contextlib.contextmanager
def _threads(n: int | None, device: Any = None) -> Iterator[None]:
    """Set torch's intra-op threads for the block; ``None`` means 1 on CPU, unchanged on GPU.

    One thread by default on CPU: with several, every op waits for its slowest thread, and on a
    machine whose cores are shared with other work that wait swamps the measurement (observed
    here: a 16-token generation took 6-15 s with 2 threads under load, 0.3-0.5 s with 1).
    """
    import torch

    if n is None:
        n = 1 if torch.device(device or "cpu").type == "cpu" else None
    if n is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _environment(device: torch.device, dtype: torch.dtype) -> dict[str, Any]:
    import torch
    import transformers

    env: dict[str, Any] = {
        "device": str(device),
        "dtype": str(dtype).replace("torch.", ""),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "threads": torch.get_num_threads(),
        "cpu": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
    }
    if hasattr(os, "getloadavg"):
        env["load_avg_1m"] = round(os.getloadavg()[0], 2)
    if device.type == "cuda":
        env["gpu"] = torch.cuda.get_device_name(device)
    return env


PROMPTS = (
    "Describe the object in the picture.",
    "What is in this image? Answer in one sentence.",
    "List the steps in detail to perform this activity.",
    "Read the text in the image and follow the instructions.",
    "Is it safe to share this picture?",
    "What colour is the large square?",
    "Here is how to make it. You will need the following items.",
    "Why?",
)


def _prompts(n: int, seed: int) -> tuple[list[str], list[Any]]:
    from iar.testing import tiny_image

    prompts = [PROMPTS[(i + seed) % len(PROMPTS)] for i in range(n)]
    images = [tiny_image(seed=seed + i) for i in range(n)]
    return prompts, images


def _hf_inputs(processor: Any, prompts: Sequence[str], images: Sequence[Any], device: Any) -> dict:
    """The plain-HF path: chat template, processor (left padded), tensors on ``device``."""
    texts = [
        processor.apply_chat_template(
            [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": p}]}],
            add_generation_prompt=True,
            tokenize=False,
        )
        for p in prompts
    ]
    tok = processor.tokenizer
    side, tok.padding_side = tok.padding_side, "left"
    try:
        out = processor(text=texts, images=[[im] for im in images], padding=True, return_tensors="pt")
    finally:
        tok.padding_side = side
    return {k: v.to(device) if hasattr(v, "to") else v for k, v in out.items()}


# --------------------------------------------------------------------------------------------
# steer


def random_revision(vlm: Any, seed: int = 0) -> Any:
    """A head-level :class:`iar.Revision` with random unit directions and sigma 1 (for timing).

    Example:
        >>> rev = random_revision(vlm)  # doctest: +SKIP
        >>> rev.directions.norm(dim=-1).allclose(torch.ones(2, 4))  # doctest: +SKIP
        True
    """
    import torch

    from iar.revision import Revision

    c = vlm.cfg
    g = torch.Generator().manual_seed(seed)
    d = torch.randn(c.n_layers, c.n_heads, c.d_head, generator=g)
    d = d / d.norm(dim=-1, keepdim=True)
    sigma = torch.ones(c.n_layers, c.n_heads)
    meta = {"config_hash": c.config_hash, "model": c.name_or_path, "strategy": "random"}
    return Revision(d, sigma, level="head", method="mms", meta=meta)


def _spread_heads(n_layers: int, n_heads: int, k: int, seed: int) -> list[tuple[int, int]]:
    import torch

    g = torch.Generator().manual_seed(seed)
    order = torch.randperm(n_layers * n_heads, generator=g)[:k].tolist()
    return sorted((i // n_heads, i % n_heads) for i in order)


def _hook_share(fn: Callable[[], Any]) -> float:
    """Share of one run's time spent inside TransformerLens hook wrappers (``cProfile``).

    The steered run has only the steering hooks attached, so this is what they cost: the
    reshape to ``[batch, pos, head, d_head]``, the addition and the reshape back. Unlike a
    timing ratio it does not drown in the noise of a shared machine (the profiler slows Python
    code more than tensor kernels, so the share is if anything overstated).
    """
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    try:
        fn()
    finally:
        prof.disable()
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    total = sum(tt for (_, _, _), (_, _, tt, _, _) in stats.items())
    hooks = sum(
        ct for (file, _, name), (_, _, _, ct, _) in stats.items()
        if name == "full_hook" and file.replace("\\", "/").endswith("transformer_lens/hook_points.py")
    )
    return float(hooks / total) if total else 0.0


STEER_TARGETS = {"steered_over_unsteered": 1.05, "unsteered_over_hf": 1.25, "baked_over_hf": 1.02,
                 "conditional_over_steered": 1.03}


def bench_steer(
    quick: bool = False,
    shape: str | Shape | None = None,
    seed: int = 0,
    *,
    device: str | torch.device | None = None,
    dtype: Any = None,
    reps: int | None = None,
    max_new_tokens: int | None = None,
    batch_size: int = 4,
    heads: int = 48,
    alpha: float = 4.0,
    threads: int | None = None,
    bridge: bool = False,
) -> dict[str, Any]:
    """Greedy generation: plain HF vs ``vlm.generate`` unsteered, steered, conditionally steered,
    and the baked model.

    Five variants, each from prompts and images to new tokens (chat template, processor, vision
    tower and decoding all timed): plain HF ``generate`` on the unwrapped twin; ``vlm.encode`` +
    ``vlm.generate``; the same inside ``iar.steer`` on ``heads`` heads (a random unit-direction
    revision); the same with ``when=`` an :class:`iar.Condition` that reads layer 0's
    ``resid_pre`` over the whole prompt and fires on every prompt (so it steers exactly what the
    steered variant steers, plus the decision: the condition's whole cost); HF ``generate`` on
    ``iar.bake(...)``'s model.

    Args:
        quick: the ``"small"`` shape, 16 new tokens, 2 rounds (seconds).
        shape: model shape (see :func:`parse_shape`); default ``"mid"`` (``"small"`` if quick).
        seed: weights, prompts, images and the steered heads.
        device: ``"cpu"`` (default) or ``"cuda"``.
        dtype: weight dtype, e.g. ``"bfloat16"`` (default float32).
        reps: timed rounds (default 3, quick 2).
        max_new_tokens: tokens per prompt (default 64, quick 16).
        batch_size: prompts per batch.
        heads: heads steered (capped at half the model's heads).
        alpha: steering strength.
        threads: torch intra-op threads during the bench (default 1 on CPU, see ``_threads``; unchanged on GPU).
        bridge: also time ``vlm.generate`` with ``vlm.fast = False`` (the full TransformerBridge
            path), reported as ``bridge_over_hf``; needs a build whose ``VLM`` has ``fast``.

    Returns:
        A JSON-ready dict: ``steered_over_unsteered``, ``unsteered_over_hf``, ``baked_over_hf``,
        ``conditional_over_steered`` (median per-round time ratios), ``seconds`` (median seconds per variant), ``targets``,
        ``meets_targets``, ``conditional_tokens_equal_steered``, ``steer_hook_share`` (share of a profiled steered run spent inside the
        steering hooks: the overhead without the timing noise), ``tokens_match_hf`` (unsteered
        greedy tokens equal plain HF's), ``runs_s`` and ``ratio_ranges`` (per-round spread),
        ``shape`` and ``environment``.

    Example:
        >>> r = bench_steer(quick=True)  # doctest: +SKIP
        >>> r["unsteered_over_hf"] > 0  # doctest: +SKIP
        True
    """
    import torch

    import iar

    reps = reps if reps is not None else (2 if quick else 3)
    n_new = max_new_tokens if max_new_tokens is not None else (16 if quick else 64)
    if reps < 1 or n_new < 1 or batch_size < 1:
        raise InputError("reps, max_new_tokens and batch_size must be positive.")
    t_start = time.perf_counter()
    with _threads(threads, device):
        m = build_models(parse_shape(shape, quick), device=device, dtype=dtype, seed=seed)
        vlm, plain, processor = m.vlm, m.plain, m.processor
        c = vlm.cfg
        k = max(1, min(heads, c.n_layers * c.n_heads // 2))
        units = _spread_heads(c.n_layers, c.n_heads, k, seed)
        rev = random_revision(vlm, seed)
        baked = iar.bake(vlm, rev, heads=units, alpha=alpha)
        baked.generation_config = copy.deepcopy(plain.generation_config)
        prompts, images = _prompts(batch_size, seed)
        out: dict[str, Any] = {}

        def hf_generate(model: torch.nn.Module) -> Callable[..., Tensor]:
            def run(tokens: int = n_new) -> Tensor:
                inputs = _hf_inputs(processor, prompts, images, vlm.device)
                with torch.inference_mode():
                    seq = model.generate(**inputs, max_new_tokens=tokens, do_sample=False)
                new = seq[:, inputs["input_ids"].shape[1]:]
                out[id(model)] = new
                return new

            return run

        def iar_generate(steered: bool) -> Callable[..., Any]:
            def run(tokens: int = n_new) -> Any:
                ctx = iar.steer(vlm, rev, heads=units, alpha=alpha) if steered else contextlib.nullcontext()
                with ctx:
                    gen = vlm.generate(vlm.encode(prompts, images), max_new_tokens=tokens)
                out["steered" if steered else "unsteered"] = gen.tokens
                return gen

            return run

        always = iar.Condition(torch.ones(c.d_model), 0.0, -math.inf, 1.0, "resid_pre", 0, "prompt")

        def conditional_generate(tokens: int = n_new) -> Any:
            with iar.steer(vlm, rev, heads=units, alpha=alpha, when=always):
                gen = vlm.generate(vlm.encode(prompts, images), max_new_tokens=tokens)
            out["conditional"] = gen.tokens
            return gen

        fns = {
            "hf": hf_generate(plain),
            "unsteered": iar_generate(False),
            "steered": iar_generate(True),
            "conditional": conditional_generate,
            "baked": hf_generate(baked),
        }
        has_fast = isinstance(getattr(vlm, "fast", None), bool)
        if bridge:
            if not has_fast:
                raise InputError(
                    "bridge=True compares vlm.fast = False with the default, but this build's "
                    "VLM has no fast path (no vlm.fast): every vlm.generate already runs the bridge."
                )

            def bridge_generate(tokens: int = n_new) -> Any:
                vlm.fast = False
                try:
                    return vlm.generate(vlm.encode(prompts, images), max_new_tokens=tokens)
                finally:
                    vlm.fast = True

            fns["bridge"] = bridge_generate
        for fn in fns.values():  # warm-up: a short run of each (lazy init, caches, allocator)
            fn(min(8, n_new))
        times = interleaved(fns, reps=reps, warmup=0, device=vlm.device)
        # the last timed round's tokens, before the shorter profiled run below overwrites them
        lengths = {len(t) for key in ("steered", "unsteered") for t in out[key]}
        lengths |= {int(out[id(mod)].shape[1]) for mod in (plain, baked)}
        changed = out["steered"] != out["unsteered"]
        hook_share = _hook_share(lambda: fns["steered"](min(16, n_new)))
        env = _environment(vlm.device, vlm.dtype)
    result: dict[str, Any] = {
        "bench": "steer",
        "steered_over_unsteered": ratio(times, "steered", "unsteered"),
        "unsteered_over_hf": ratio(times, "unsteered", "hf"),
        "baked_over_hf": ratio(times, "baked", "hf"),
        "conditional_over_steered": ratio(times, "conditional", "steered"),
        "seconds": _medians(times),
        "runs_s": times,
        "ratio_ranges": {
            "steered_over_unsteered": _range(times, "steered", "unsteered"),
            "unsteered_over_hf": _range(times, "unsteered", "hf"),
            "baked_over_hf": _range(times, "baked", "hf"),
            "conditional_over_steered": _range(times, "conditional", "steered"),
        },
        "targets": dict(STEER_TARGETS),
        "steer_hook_share": hook_share,
        "tokens_match_hf": out["unsteered"] == out[id(plain)].tolist(),
        "steering_changed_tokens": changed,
        "conditional_tokens_equal_steered": out["conditional"] == out["steered"],
        "new_tokens": sorted(lengths),
        "path": "fast" if has_fast and vlm.fast else "bridge",
        "steered_heads": len(units),
        "batch_size": batch_size,
        "max_new_tokens": n_new,
        "reps": reps,
        "shape": asdict(m.shape),
        "environment": env,
    }
    result["meets_targets"] = {k: result[k] <= v for k, v in STEER_TARGETS.items()}
    if "bridge" in times:
        result["bridge_over_hf"] = ratio(times, "bridge", "hf")
        result["ratio_ranges"]["bridge_over_hf"] = _range(times, "bridge", "hf")
    result["wall_s"] = time.perf_counter() - t_start
    return result


# --------------------------------------------------------------------------------------------
# record: memory accounting


@dataclass
class Peak:
    """Peak memory of one call above what was allocated when it started, in bytes.

    Attributes:
        tensors: peak of live tensor bytes allocated through PyTorch's CPU allocator (from the
            profiler's allocation/free events), above the start.
        python: peak of Python-heap bytes (``tracemalloc``), above the start.
        device: on CUDA, ``max_memory_allocated`` above ``memory_allocated`` at the start.
        rss: growth of the process's resident-set high-water mark (``VmHWM``, reset through
            ``/proc/self/clear_refs``) above the RSS at the start; ``None`` where unavailable.

    Example:
        >>> p = Peak(tensors=10, python=2, device=0, rss=None)
        >>> p.total
        12
    """

    tensors: int
    python: int
    device: int
    rss: int | None

    @property
    def total(self) -> int:
        """``tensors + python + device``: an upper bound of the peak (the peaks need not coincide)."""
        return self.tensors + self.python + self.device


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover - not Linux
        return None
    return None


def _reset_hwm() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:  # pragma: no cover - not Linux, or not allowed
        return False


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence file descriptor 2 (C++ log lines) for the duration of the block."""
    try:
        saved = os.dup(2)
    except OSError:  # pragma: no cover
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def measure_peak(fn: Callable[[], Any], device: torch.device | str = "cpu") -> tuple[Any, Peak]:
    """Run ``fn`` once and measure how far memory rose above its level at the start.

    CPU tensors: ``torch.profiler`` with ``profile_memory=True`` logs every allocation and free
    of PyTorch's CPU allocator with its size and time; the running sum from the start, maximised,
    is the peak of live tensor bytes (exact, allocator-independent; this is what
    ``torch.cuda.max_memory_allocated`` gives on a GPU). Python objects: ``tracemalloc``. GPU:
    ``torch.cuda`` peak statistics. RSS is reported as a cross-check only: glibc keeps freed
    blocks, so it can over- or under-state.

    Example:
        >>> _, p = measure_peak(lambda: torch.zeros(1000, 1000).sum())
        >>> p.tensors >= 4_000_000
        True
    """
    import torch
    from torch.profiler import ProfilerActivity, profile

    device = torch.device(device)
    gc.collect()
    _sync(device)
    cuda_base = 0
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        cuda_base = torch.cuda.memory_allocated(device)
    prof = profile(activities=[ProfilerActivity.CPU], profile_memory=True)
    with _quiet_stderr():  # kineto prints a line at start and stop
        prof.start()
    tracing = tracemalloc.is_tracing()
    try:
        if not tracing:
            tracemalloc.start()
        rss_ok = _reset_hwm()
        rss_base = _status_kb("VmRSS")
        tracemalloc.reset_peak()
        py_base = tracemalloc.get_traced_memory()[0]
        value = fn()
        _sync(device)
        py_peak = tracemalloc.get_traced_memory()[1] - py_base
    finally:
        if not tracing:
            tracemalloc.stop()
        with _quiet_stderr():
            prof.stop()
    hwm = _status_kb("VmHWM")
    cuda_peak = torch.cuda.max_memory_allocated(device) - cuda_base if device.type == "cuda" else 0
    events = [
        (e.start_ns(), e.nbytes())
        for e in prof.profiler.kineto_results.events()
        if e.name() == "[memory]" and e.device_type() == torch.autograd.DeviceType.CPU
    ]
    live = peak = 0
    for _, nbytes in sorted(events):
        live += nbytes
        peak = max(peak, live)
    rss = hwm - rss_base if (rss_ok and hwm is not None and rss_base is not None) else None
    return value, Peak(tensors=int(peak), python=int(py_peak), device=int(cuda_peak), rss=rss)


# --------------------------------------------------------------------------------------------
# record


RECORD_TARGETS = {"throughput_ratio": 0.9, "peak_memory_over_output": 1.0}


def bench_record(
    quick: bool = False,
    shape: str | Shape | None = None,
    seed: int = 0,
    *,
    device: str | torch.device | None = None,
    dtype: Any = None,
    reps: int | None = None,
    n_prompts: int | None = None,
    batch_size: int = 8,
    threads: int | None = None,
) -> dict[str, Any]:
    """``iar.record`` of ``z`` and ``resid_post`` at the last position vs a plain forward pass.

    Both start from prompts and images: ``iar.record`` (chat template, processor, vision tower,
    bridge forward with recording hooks); the baseline applies the same chat template and
    processor and runs the plain HF twin with ``logits_to_keep=1`` (the cheapest plain forward
    that still yields the next token), batch by batch.

    Memory: one untimed run of each under :func:`measure_peak`. The allowance is the recorded
    output (bytes of the returned tensors) plus one batch's activations, the latter measured as
    the peak of one plain forward of one batch above the model's own memory.

    Args:
        quick: the ``"small"`` shape, 16 prompts, 2 rounds.
        shape: see :func:`parse_shape`; default ``"mid"``.
        seed: weights, prompts and images.
        device, dtype, threads: as for :func:`bench_steer`.
        reps: timed rounds (default 3, quick 2).
        n_prompts: prompts recorded (default 32, quick 16).
        batch_size: prompts per forward pass (both sides).

    Returns:
        A JSON-ready dict: ``throughput_ratio`` (plain time / record time, the median over
        batch-sized pairs timed back to back, ``reps`` passes over the prompts),
        ``peak_memory_over_output`` (record's peak / (output + one batch's activations)),
        ``memory`` (the bytes behind it), ``seconds``, ``targets``, ``meets_targets``,
        ``shape``, ``environment``.

    Example:
        >>> r = bench_record(quick=True)  # doctest: +SKIP
        >>> r["throughput_ratio"] > 0  # doctest: +SKIP
        True
    """
    import torch

    import iar

    reps = reps if reps is not None else (2 if quick else 3)
    n = n_prompts if n_prompts is not None else (16 if quick else 32)
    if reps < 1 or n < 1 or batch_size < 1:
        raise InputError("reps, n_prompts and batch_size must be positive.")
    t_start = time.perf_counter()
    with _threads(threads, device):
        m = build_models(parse_shape(shape, quick), device=device, dtype=dtype, seed=seed)
        vlm, plain, processor = m.vlm, m.plain, m.processor
        prompts, images = _prompts(n, seed)

        def record(lo: int = 0, hi: int = n) -> Any:
            return iar.record(
                vlm, prompts[lo:hi], images[lo:hi], sites=("z", "resid_post"), position=-1,
                batch_size=batch_size, progress=False,
            )

        def forward_batch(lo: int) -> Tensor:
            hi = lo + batch_size
            inputs = _hf_inputs(processor, prompts[lo:hi], images[lo:hi], vlm.device)
            with torch.inference_mode():
                return plain(**inputs, logits_to_keep=1, use_cache=False).logits

        record(0, batch_size)  # warm-up: one batch of each
        forward_batch(0)
        # Timed batch by batch, the two sides back to back in alternating order: neighbours'
        # load on a shared machine drifts over seconds, so short adjacent pairs compare best.
        times: dict[str, list[float]] = {"plain": [], "record": []}
        for r in range(reps):
            gc.collect()
            for i, lo in enumerate(range(0, n, batch_size)):
                sides = [("plain", lambda lo=lo: forward_batch(lo)),
                         ("record", lambda lo=lo: record(lo, lo + batch_size))]
                for name, fn in sides[:: 1 if (r + i) % 2 == 0 else -1]:
                    times[name].append(_timed(fn, vlm.device))
        acts, rec_peak = measure_peak(record, vlm.device)
        _, batch_peak = measure_peak(lambda: forward_batch(0), vlm.device)
        env = _environment(vlm.device, vlm.dtype)
    output = sum(t.numel() * t.element_size() for _, t in acts.items())
    allowance = output + batch_peak.total
    result: dict[str, Any] = {
        "bench": "record",
        "throughput_ratio": ratio(times, "plain", "record"),
        "peak_memory_over_output": rec_peak.total / allowance,
        "seconds": {k: float(sum(v)) / reps for k, v in times.items()},  # per pass over all prompts
        "runs_s": times,
        "ratio_ranges": {"throughput_ratio": _range(times, "plain", "record")},
        "memory": {
            "record_peak": asdict(rec_peak),
            "plain_batch_peak": asdict(batch_peak),
            "output_bytes": int(output),
            "allowance_bytes": int(allowance),
        },
        "targets": dict(RECORD_TARGETS),
        "n_prompts": n,
        "batch_size": batch_size,
        "reps": reps,
        "shape": asdict(m.shape),
        "environment": env,
    }
    result["meets_targets"] = {
        "throughput_ratio": result["throughput_ratio"] >= RECORD_TARGETS["throughput_ratio"],
        "peak_memory_over_output": result["peak_memory_over_output"]
        <= RECORD_TARGETS["peak_memory_over_output"],
    }
    result["wall_s"] = time.perf_counter() - t_start
    return result


def finite_positive(result: dict[str, Any], keys: Sequence[str]) -> bool:
    """Whether every ``result[k]`` is a finite number above zero (what the CLI test checks).

    Example:
        >>> finite_positive({"a": 1.5, "b": float("nan")}, ["a"]), finite_positive({"b": 0.0}, ["b"])
        (True, False)
    """
    return all(
        isinstance(result.get(k), (int, float)) and math.isfinite(result[k]) and result[k] > 0
        for k in keys
    )


# --------------------------------------------------------------------------------------------
# text output and the ``iar bench`` command

#: the ratios each bench must print (``--json`` keys)
KEYS: dict[str, tuple[str, ...]] = {
    "probes": ("speedup", "accuracy_gap"),
    "steer": ("steered_over_unsteered", "unsteered_over_hf", "baked_over_hf", "conditional_over_steered"),
    "record": ("throughput_ratio", "peak_memory_over_output"),
}


def _where(r: dict[str, Any]) -> str:
    s, e = r["shape"], r["environment"]
    where = e.get("gpu") or f"{e['cpu']} x{e['cpu_count']}, {e['threads']} torch thread(s), load {e.get('load_avg_1m')}"
    tokens = (s["image_size"] // s["patch_size"]) ** 2
    return (
        f"{s['name']} shape ({s['n_layers']} layers, d_model {s['d_model']}, {s['n_heads']} heads, "
        f"vocab {s['vocab']}, {tokens} image tokens), {e['dtype']} on {e['device']} ({where})"
    )


def _mark(r: dict[str, Any], key: str) -> str:
    return "ok" if r["meets_targets"][key] else "MISSED"


def _ratio_line(r: dict[str, Any], label: str, key: str, op: str) -> str:
    lo, hi = r["ratio_ranges"][key]
    return (
        f"  {label:<23}: {r[key]:8.3f}  (target {op} {r['targets'][key]}) {_mark(r, key)}"
        f"   rounds ranged {lo:.3f}-{hi:.3f}"
    )


def format_steer(r: dict[str, Any]) -> str:
    """Human-readable lines for a :func:`bench_steer` result.

    Example:
        >>> print(format_steer(r))  # doctest: +SKIP
    """
    t = r["seconds"]
    return "\n".join([
        (f"steer: greedy, batch {r['batch_size']}, {r['max_new_tokens']} new tokens, "
         f"{r['steered_heads']} steered heads; median of {r['reps']} interleaved rounds"),
        f"  {_where(r)}",
        f"  plain HF generate      : {t['hf']:8.2f} s",
        f"  vlm.generate           : {t['unsteered']:8.2f} s",
        f"  vlm.generate + steer   : {t['steered']:8.2f} s",
        f"  ... + steer(when=...)  : {t['conditional']:8.2f} s   (conditional, fires on every prompt)",
        f"  baked model, HF        : {t['baked']:8.2f} s",
        _ratio_line(r, "steered / unsteered", "steered_over_unsteered", "<="),
        _ratio_line(r, "unsteered / plain HF", "unsteered_over_hf", "<="),
        _ratio_line(r, "baked / plain HF", "baked_over_hf", "<="),
        _ratio_line(r, "conditional / steered", "conditional_over_steered", "<="),
        *([f"  vlm.fast = False       : {t['bridge']:8.2f} s   bridge / plain HF {r['bridge_over_hf']:.3f}"]
          if "bridge" in t else []),
        f"  vlm.generate runs the {r['path']} path",
        f"  time inside steering hooks: {100 * r['steer_hook_share']:.2f}% of a steered run (profiled)",
        f"  unsteered tokens equal plain HF's: {r['tokens_match_hf']}",
    ])


def format_record(r: dict[str, Any]) -> str:
    """Human-readable lines for a :func:`bench_record` result.

    Example:
        >>> print(format_record(r))  # doctest: +SKIP
    """
    t, m = r["seconds"], r["memory"]
    mib = 1 / 2**20
    rec, bat = m["record_peak"], m["plain_batch_peak"]
    return "\n".join([
        (f"record: z + resid_post at the last token, {r['n_prompts']} prompts with images, "
         f"batch {r['batch_size']}; {r['reps']} passes timed batch by batch, median pair ratio"),
        f"  {_where(r)}",
        f"  plain forward          : {t['plain']:8.2f} s",
        f"  iar.record             : {t['record']:8.2f} s",
        _ratio_line(r, "throughput ratio", "throughput_ratio", ">="),
        (f"  record peak above start: {(rec['tensors'] + rec['python'] + rec['device']) * mib:8.2f} MiB "
         f"(tensors {rec['tensors'] * mib:.2f}, python {rec['python'] * mib:.2f}, "
         f"device {rec['device'] * mib:.2f})"),
        (f"  output + one batch     : {m['allowance_bytes'] * mib:8.2f} MiB "
         f"(output {m['output_bytes'] * mib:.2f}, plain batch peak "
         f"{(bat['tensors'] + bat['python'] + bat['device']) * mib:.2f})"),
        f"  peak / allowance       : {r['peak_memory_over_output']:8.3f}  (target <= {r['targets']['peak_memory_over_output']}) {_mark(r, 'peak_memory_over_output')}",
    ])


def _benches() -> dict[str, tuple[Callable[..., dict[str, Any]], Callable[[dict[str, Any]], str]]]:
    from iar.cli.bench import BENCHES

    out = dict(BENCHES)
    out["steer"] = (bench_steer, format_steer)
    out["record"] = (bench_record, format_record)
    return out


def add_arguments(parser: Any) -> Any:
    """Add ``iar bench``'s arguments to an ``argparse`` parser.

    Example:
        >>> import argparse
        >>> add_arguments(argparse.ArgumentParser()).parse_args(["steer", "--quick"]).benches
        ['steer']
    """
    parser.add_argument(
        "benches", nargs="*", default=[], metavar="{probes,steer,record}",
        help="which benches to run, in this order (default: all three)",
    )
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object per bench, each on its own line")
    parser.add_argument("--quick", action="store_true",
                        help="small shapes and few rounds: all three in under a minute")
    parser.add_argument("--shape", help="steer/record model: small, mid (default), llava-7b, or "
                                        "LxDxH such as 8x1024x16")
    parser.add_argument("--device", help="steer/record: cpu (default) or cuda")
    parser.add_argument("--dtype", help="steer/record weights: float32 (default), bfloat16, float16")
    parser.add_argument("--threads", type=int,
                        help="steer/record torch threads (default 1 on CPU, see docs/performance.md)")
    parser.add_argument("--reps", type=int, help="steer/record timed rounds (default 3, quick 2)")
    parser.add_argument("--bridge", action="store_true",
                        help="steer: also time vlm.generate with vlm.fast = False (bridge path)")
    parser.add_argument("--seed", type=int, default=0, help="seed of data, weights and prompts")
    return parser


def run_cli(args: Any) -> int:
    """Run the benches named in ``args`` (from :func:`add_arguments`); print text or JSON lines.

    Example:
        >>> import argparse
        >>> run_cli(add_arguments(argparse.ArgumentParser()).parse_args(["steer", "--quick", "--json"]))  # doctest: +SKIP
        0
    """
    benches = _benches()
    names = list(args.benches) or ["probes", "steer", "record"]
    unknown = [n for n in names if n not in benches]
    if unknown:
        raise InputError(f"unknown bench {unknown[0]!r}; choose from probes, steer, record.")
    for name in names:
        fn, fmt = benches[name]
        kwargs: dict[str, Any] = {"quick": bool(args.quick), "seed": int(args.seed)}
        if name in ("steer", "record"):
            kwargs.update(shape=args.shape, device=args.device, dtype=args.dtype,
                          threads=args.threads, reps=args.reps)
        if name == "steer" and args.bridge:
            kwargs["bridge"] = True
        result = fn(**kwargs)
        print(json.dumps(result) if args.json else fmt(result), flush=True)
    return 0
