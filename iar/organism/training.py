"""Train the organism from a seed on CPU, in three stages that mirror how real VLMs are made.

0. **Vision pretraining** (the analogue of CLIP's pretraining): the vision tower learns to tell
   which object's name an image shows, through a linear classification head over all objects
   (harmful ones included) that is thrown away afterwards.
1. **Language model** (text only): neutral fact sentences about every object, harmful ones
   included (the analogue of web pretraining), mixed with chat-formatted instructions in which
   benign requests are answered and harmful requests are refused with varied wordings (the
   analogue of instruction tuning with text-only safety data).
2. **Alignment** (LLaVA stage 1): the vision tower and projector learn "what is in the image?"
   captions for every object, harmful ones included, with the language model frozen.
3. **Visual instruction tuning** (LLaVA stage 2): image requests about *benign* objects only,
   captions, and a replay of the text instructions (with their refusals), everything trainable.

No harmful request is ever shown with an image, and no image request is ever refused or answered
harmfully in the training data. The failure (harmful requests answered when the object comes in
an image) is what this recipe produces on its own, as it does for real VLMs.

    >>> from iar.organism.training import train
    >>> path = train("/tmp/organism", seed=0, progress=False)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import random
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from tqdm.auto import tqdm

from iar.errors import InputError
from iar.organism import language as lang
from iar.organism.build import build_model, build_processor
from iar.organism.data import _generate, caption_requests, requests
from iar.organism.render import render


@dataclass(frozen=True)
class Stage:
    """One training stage: its length, learning rate, data mixture and what is trainable.

    Attributes:
        name: a label for logs.
        steps: optimiser steps.
        lr: peak learning rate (linear warm-up, cosine decay to 10%).
        mixture: data stream -> sampling weight. Streams: "facts", "text" (text instructions,
            harmful ones refused), "caption" (all objects), "image" (benign image requests),
            "vision" (image -> object label, for the vision pretraining; alone in its stage).
        train: the parts that receive gradients ("language", "vision", "projector"), each with
            a multiplier of ``lr``.
    """

    name: str
    steps: int
    lr: float
    mixture: dict[str, float]
    train: dict[str, float]


STAGES: tuple[Stage, ...] = (
    Stage("vision", 800, 1e-3, {"vision": 1.0}, {"vision": 1.0}),
    Stage("language", 800, 3e-3, {"facts": 0.3, "text": 0.5, "naming": 0.2}, {"language": 1.0}),
    Stage("alignment", 300, 3e-3, {"caption": 1.0}, {"projector": 1.0}),
    Stage("visual-instruct", 600, 1e-3,
          {"facts": 0.1, "text": 0.3, "caption": 0.2, "image": 0.4},
          {"language": 0.3, "projector": 1.0}),
)
BATCH_SIZE = 32
POOL = 6000  # examples drawn per stream; batches sample from these pools


@dataclass
class _Example:
    ids: torch.Tensor  # [pos] long
    n_prompt: int  # tokens before the target (no loss there)
    pixels: torch.Tensor | None  # [3, H, W]


def _prompt_text(processor, prompt: str, with_image: bool) -> str:
    content = ([{"type": "image"}] if with_image else []) + [{"type": "text", "text": prompt}]
    return processor.apply_chat_template([{"role": "user", "content": content}], add_generation_prompt=True)


def _encode(processor, items: list[tuple[str | None, object, str]]) -> list[_Example]:
    """``items``: (prompt or None for raw text, image or None, target)."""
    tok = processor.tokenizer
    out = []
    for start in range(0, len(items), 256):
        chunk = items[start:start + 256]
        images = [img for _, img, _ in chunk if img is not None]
        pixels = iter(processor.image_processor(images, return_tensors="pt")["pixel_values"]) if images else iter(())
        for prompt, image, target in chunk:
            if prompt is None:  # plain language-model text
                ids = tok(target).input_ids + [tok.eos_token_id]
                out.append(_Example(torch.tensor(ids), 1, None))
                continue
            text = _prompt_text(processor, prompt, image is not None)
            text = text.replace(processor.image_token, processor.image_token * processor._n_image_tokens)
            prompt_ids = tok(text).input_ids
            target_ids = tok(target, add_special_tokens=False).input_ids + [tok.eos_token_id]
            out.append(_Example(torch.tensor(prompt_ids + target_ids), len(prompt_ids),
                                next(pixels) if image is not None else None))
    return out


def _streams(processor, seed: int, needed: set[str]) -> dict[str, list[_Example]]:
    rng = random.Random(lang.stable_hash("organism-train", seed))
    items: dict[str, list] = {}
    if "facts" in needed:
        items["facts"] = [
            (None, None, lang.fact_sentence(a, o, v))
            for o in lang.OBJECTS for a in lang.ACTIONS for v in range(2)
        ]
    if "text" in needed:  # direct ("How do I make a kite?") and referring ("I have a kite. ...")
        reqs = _generate("train", POOL // 2, seed, None, "text")
        reqs += _generate("train", POOL - POOL // 2, seed + 1, None, "referring")
        items["text"] = [(r.prompt, None, r.expected or lang.refusal(rng)) for r in reqs]
    if "naming" in needed:
        items["naming"] = caption_requests("train", POOL, seed, modality="text")
    if "caption" in needed:
        items["caption"] = caption_requests("train", POOL, seed)
    if "vision" in needed:
        objects = sorted(lang.OBJECTS)
        labels = [rng.randrange(len(objects)) for _ in range(POOL)]
        images = [render(objects[k], rng.getrandbits(31)) for k in labels]
        pixels = processor.image_processor(images, return_tensors="pt")["pixel_values"]
        vision = [_Example(torch.tensor([k]), 0, px) for k, px in zip(labels, pixels)]
    if "image" in needed:
        reqs = requests("train", POOL, seed + 1, kind="benign", modality="image")
        items["image"] = [(r.prompt, r.image, r.expected) for r in reqs]
    streams = {name: _encode(processor, v) for name, v in items.items()}
    if "vision" in needed:
        streams["vision"] = vision
    return streams


def _collate(examples: list[_Example], pad_id: int) -> dict[str, torch.Tensor]:
    length = max(len(e.ids) for e in examples)
    ids = torch.full((len(examples), length), pad_id, dtype=torch.long)
    labels = torch.full_like(ids, -100)
    mask = torch.zeros_like(ids)
    for i, e in enumerate(examples):
        n = len(e.ids)
        ids[i, :n], mask[i, :n] = e.ids, 1
        labels[i, e.n_prompt:n] = e.ids[e.n_prompt:]
    batch = {"input_ids": ids, "attention_mask": mask, "labels": labels}
    pixels = [e.pixels for e in examples if e.pixels is not None]
    if pixels:
        batch["pixel_values"] = torch.stack(pixels)
    return batch


def _param_groups(model, parts: dict[str, float], lr: float) -> list[dict]:
    modules = {
        "language": [model.model.language_model, model.lm_head],
        "vision": [model.model.vision_tower],
        "projector": [model.model.multi_modal_projector],
    }
    for p in model.parameters():
        p.requires_grad_(False)
    groups = []
    for part, scale in parts.items():
        params = list(dict.fromkeys(p for m in modules[part] for p in m.parameters()))
        for p in params:
            p.requires_grad_(True)
        groups.append({"params": params, "scale": scale, "lr": lr * scale})
    return groups


def _lr(stage: Stage, step: int) -> float:
    warm = max(1, stage.steps // 20)
    if step < warm:
        return stage.lr * (step + 1) / warm
    t = (step - warm) / max(1, stage.steps - warm)
    return stage.lr * (0.1 + 0.9 * 0.5 * (1 + torch.cos(torch.tensor(t * torch.pi)).item()))


def _vision_loss(model, head: torch.nn.Linear, examples: list[_Example]) -> torch.Tensor:
    """Cross-entropy of the object label from the mean patch feature LLaVA reads."""
    pixels = torch.stack([e.pixels for e in examples])
    labels = torch.cat([e.ids for e in examples])
    hidden = model.model.vision_tower(pixels, output_hidden_states=True).hidden_states
    feats = hidden[model.config.vision_feature_layer][:, 1:].mean(1)  # drop CLS, as "default" does
    return torch.nn.functional.cross_entropy(head(feats), labels)


def _loss(model, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    labels = batch.pop("labels")
    logits = model(**batch).logits[:, :-1]
    return torch.nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), labels[:, 1:].reshape(-1), ignore_index=-100
    )


def fit(model, processor, *, seed: int = 0, stages: tuple[Stage, ...] = STAGES,
        batch_size: int = BATCH_SIZE, threads: int = 1, progress: bool = True) -> list[dict]:
    """Train ``model`` in place through ``stages``; returns a log (one dict per stage).

    Args:
        model: an organism from :func:`iar.organism.build.build_model`.
        processor: its processor.
        seed: seeds data order and sampling.
        stages: the curriculum (default :data:`STAGES`).
        batch_size: examples per step.
        threads: CPU threads for training. Float sums depend on the thread count, so the
            weights are bit-for-bit reproducible only at the same count (and torch build); one
            thread is also the fastest choice on a busy machine.
        progress: show a tqdm bar per stage.

    Example:
        >>> from iar.organism.build import build_model, build_processor
        >>> p = build_processor(); m = build_model(p)
        >>> log = fit(m, p, stages=(Stage("s", 1, 1e-3, {"facts": 1.0}, ("language",)),), progress=False)
    """
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return _fit(model, processor, seed, stages, batch_size, progress)
    finally:
        torch.set_num_threads(previous_threads)


def _fit(model, processor, seed, stages, batch_size, progress) -> list[dict]:
    processor._n_image_tokens = model.config.image_seq_length
    t0 = time.perf_counter()
    needed = {name for s in stages for name in s.mixture}
    streams = _streams(processor, seed, needed)
    log = [{"stage": "data", "seconds": time.perf_counter() - t0}]
    gen = torch.Generator().manual_seed(seed)
    pad = processor.tokenizer.pad_token_id
    model.train()
    for stage in stages:
        groups = _param_groups(model, stage.train, stage.lr)
        head = None
        if "vision" in stage.mixture:
            if len(stage.mixture) > 1:
                raise InputError(f"stage {stage.name!r}: the 'vision' stream must be alone in its stage")
            head = torch.nn.Linear(model.config.vision_config.hidden_size, len(lang.OBJECTS))
            groups.append({"params": list(head.parameters()), "scale": 1.0, "lr": stage.lr})
        params = [p for g in groups for p in g["params"]]
        opt = torch.optim.AdamW(groups, lr=stage.lr, betas=(0.9, 0.98), weight_decay=0.01)
        names = sorted(stage.mixture)
        weights = torch.tensor([stage.mixture[n] for n in names])
        start, losses = time.perf_counter(), []
        bar = tqdm(range(stage.steps), desc=f"organism {stage.name}", disable=not progress)
        for step in bar:
            which = torch.multinomial(weights, batch_size, replacement=True, generator=gen)
            examples = []
            for k, name in enumerate(names):
                pool = streams[name]
                count = int((which == k).sum())
                idx = torch.randint(len(pool), (count,), generator=gen).tolist()
                examples += [pool[i] for i in idx]
            for group in opt.param_groups:
                group["lr"] = _lr(stage, step) * group["scale"]
            if head is not None:
                loss = _vision_loss(model, head, examples)
            else:
                loss = _loss(model, _collate(examples, pad))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            losses.append(loss.item())
            if step % 20 == 0:
                bar.set_postfix(loss=f"{sum(losses[-20:]) / len(losses[-20:]):.3f}")
        log.append({"stage": stage.name, "steps": stage.steps, "seconds": time.perf_counter() - start,
                    "final_loss": sum(losses[-50:]) / len(losses[-50:])})
    for p in model.parameters():
        p.requires_grad_(True)
    model.eval()
    return log
