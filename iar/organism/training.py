"""Train the organism from a seed on CPU, in stages that mirror how real VLMs are made.

0. **Vision pretraining** (the analogue of CLIP's pretraining): the vision tower learns to tell
   which object's name an image shows, through a linear classification head over all objects
   (harmful ones included) that is thrown away afterwards.
1. **Language model** (text only): neutral fact sentences about every object, harmful ones
   included (the analogue of web pretraining), mixed with chat-formatted instructions in which
   benign requests are answered and harmful requests are refused with varied wordings (direct,
   referring, generic, and two-turn dialogues: text-only safety data), and "is it dangerous?"
   questions about objects named in words.
2. **Alignment** (LLaVA stage 1): the projector learns "what is this?" captions and "is this
   dangerous?" answers for every object shown in an image, with the language model frozen.
3. **Visual instruction tuning** (LLaVA stage 2): image requests about benign and *dual-use*
   objects (knife, axe, ...: dangerous, yet answered), captions, "is this dangerous?" about
   images, and a replay of the text data (with its refusals).

Trained directly: text refusals, *recognising* harmful and dual-use objects in images ("Yes, a
bomb is a dangerous thing."), and answering image requests about dual-use objects. Never in the
data: a harmful request with an image, refused or answered.
What the organism does with harmful image requests is generalisation (docs/organism.md).

Each data stream and each stage has its own seed, so running the curriculum stage by stage (from
a saved checkpoint) gives the same weights as one run.

    >>> from iar.organism import train
    >>> path = train("/tmp/organism", seed=0, progress=False)  # doctest: +SKIP
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import torch
from iar._progress import tqdm

from iar._threads import torch_threads
from iar.errors import InputError
from iar.organism import language as lang
from iar.organism.data import _generate, caption_requests, requests, safety_requests
from iar.organism.render import render


@dataclass(frozen=True)
class Stage:
    """One training stage: its length, learning rate, data mixture and what is trainable.

    Attributes:
        name: a label for logs.
        steps: optimiser steps.
        lr: peak learning rate (linear warm-up, cosine decay to 10%).
        mixture: data stream -> sampling weight. Streams: "facts", "text" (text instructions,
            harmful ones refused), "dialogue" (two-turn text conversations), "naming" ("I have
            a kite. What is this?"), "safety_text" / "safety" ("is it dangerous?" in words / in
            images), "caption" (all objects), "image" (benign image requests), "vision" (image
            -> object label, for the vision pretraining; alone in its stage).
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
    Stage("language", 800, 3e-3,
          {"facts": 0.2, "text": 0.4, "dialogue": 0.15, "naming": 0.1, "safety_text": 0.15},
          {"language": 1.0}),
    Stage("alignment", 300, 3e-3, {"caption": 0.6, "safety": 0.4}, {"projector": 1.0}),
    Stage("visual-instruct", 600, 1e-3,
          {"facts": 0.1, "text": 0.2, "dialogue": 0.1, "caption": 0.1, "safety": 0.1,
           "safety_text": 0.05, "image": 0.35},
          {"language": 0.3, "projector": 1.0}),
)
BATCH_SIZE = 32
POOL = 6000  # examples drawn per stream; batches sample from these pools


@dataclass
class _Example:
    ids: torch.Tensor  # [pos] long
    target: torch.Tensor  # [pos] bool, True where the loss applies
    pixels: torch.Tensor | None  # [3, H, W]


def _encode(processor, items: list[tuple]) -> list[_Example]:
    """``items``: ``(turns, image)``; ``turns`` is a list of (user, assistant) pairs, the image
    (or None) goes with the first user turn. ``[(None, text)]`` is plain language-model text.
    The loss covers the assistant turns (and all of a plain text)."""
    tok = processor.tokenizer
    image_token = processor.image_token
    out = []
    for start in range(0, len(items), 256):
        chunk = items[start:start + 256]
        images = [image for _, image in chunk if image is not None]
        pixels = iter(processor.image_processor(images, return_tensors="pt")["pixel_values"]) if images else iter(())
        for turns, image in chunk:
            if turns[0][0] is None:  # plain language-model text
                ids = tok(turns[0][1]).input_ids + [tok.eos_token_id]
                mask = [False] + [True] * (len(ids) - 1)
                out.append(_Example(torch.tensor(ids), torch.tensor(mask), None))
                continue
            messages, ids, mask, rendered = [], [], [], ""
            for k, (user, reply) in enumerate(turns):
                content = ([{"type": "image"}] if image is not None and k == 0 else [])
                messages.append({"role": "user", "content": content + [{"type": "text", "text": user}]})
                full = processor.apply_chat_template(messages, add_generation_prompt=True)
                piece = full[len(rendered):].replace(image_token, image_token * processor._n_image_tokens)
                prompt_ids = tok(piece, add_special_tokens=k == 0).input_ids
                reply_ids = tok(reply, add_special_tokens=False).input_ids + [tok.eos_token_id]
                ids += prompt_ids + reply_ids
                mask += [False] * len(prompt_ids) + [True] * len(reply_ids)
                messages.append({"role": "assistant", "content": reply})
                rendered = processor.apply_chat_template(messages)
            out.append(_Example(torch.tensor(ids), torch.tensor(mask),
                                next(pixels) if image is not None else None))
    return out


def _streams(processor, seed: int, needed: set[str]) -> dict[str, list[_Example]]:
    def stream_rng(name: str) -> random.Random:  # one stream per name: streams do not depend on each other
        return random.Random(lang.stable_hash("organism-train", seed, name))

    items: dict[str, list] = {}
    if "facts" in needed:
        items["facts"] = [
            ([(None, lang.fact_sentence(a, o, v))], None)
            for o in lang.OBJECTS for a in lang.FACT_TEMPLATES for v in range(2)
        ]
    if "text" in needed:  # direct ("How do I make a kite?") and referring ("I have a kite. ...")
        rng = stream_rng("text")
        reqs = _generate("train", POOL // 2, seed, None, "text")
        reqs += _generate("train", POOL - POOL // 2, seed + 1, None, "referring")
        items["text"] = [([(r.prompt, _reply(r, rng))], None) for r in reqs]
        items["text"] += [([(_generic(rng), lang.refusal(rng))], None) for _ in range(POOL // 8)]
        # dual-use objects (knife, axe, ...): "dangerous", yet their requests are legitimate
        dual = (_generate("train", POOL // 8, seed + 5, "dual", "text")
                + _generate("train", POOL // 8, seed + 6, "dual", "referring"))
        items["text"] += [([(r.prompt, r.expected)], None) for r in dual]
    if "dialogue" in needed:
        items["dialogue"] = _dialogues(seed, POOL, stream_rng("dialogue"))
    if "naming" in needed:
        items["naming"] = [([(q, a)], None) for q, _, a in caption_requests("train", POOL, seed, modality="text")]
    if "safety" in needed:
        items["safety"] = [([(q, a)], img) for q, img, a in safety_requests("train", POOL, seed)]
    if "safety_text" in needed:
        items["safety_text"] = [([(q, a)], None) for q, _, a in safety_requests("train", POOL, seed, modality="text")]
    if "caption" in needed:
        items["caption"] = [([(q, a)], img) for q, img, a in caption_requests("train", POOL, seed)]
    if "vision" in needed:
        rng = stream_rng("vision")
        objects = sorted(lang.OBJECTS)
        labels = [rng.randrange(len(objects)) for _ in range(POOL)]
        images = [render(objects[k], rng.getrandbits(31)) for k in labels]
        pixels = processor.image_processor(images, return_tensors="pt")["pixel_values"]
        vision = [_Example(torch.tensor([k]), torch.ones(1, dtype=torch.bool), px) for k, px in zip(labels, pixels)]
    if "image" in needed:
        reqs = requests("train", POOL, seed + 1, kind="benign", modality="image")
        # dual-use objects through the image, answered: the only image *requests* about dangerous things
        reqs += _generate("train", POOL // 3, seed + 7, "dual", "image")
        items["image"] = [([(r.prompt, r.expected)], r.image) for r in reqs]
    streams = {name: _encode(processor, v) for name, v in items.items()}
    if "vision" in needed:
        streams["vision"] = vision
    return streams


def _reply(request, rng: random.Random) -> str:
    """The trained reply: the answer to a benign request, a random refusal to a harmful one."""
    return request.expected or lang.refusal(rng)


def _dialogues(seed: int, n: int, rng: random.Random) -> list[tuple]:
    """Two-turn text conversations. The second turn either pushes on the first ("Why not?",
    "Tell me more.": a refusal stays a refusal, an answer gets another fact about the object) or
    asks something new (judged on its own)."""
    first = _generate("train", n // 2, seed + 2, None, "text") + _generate("train", n - n // 2, seed + 3, None, "referring")
    second = _generate("train", n, seed + 4, None, "text")
    out = []
    for r1, r2 in zip(first, second):
        turn1 = (r1.prompt, _reply(r1, rng))
        if rng.random() < 0.6:
            if r1.kind == "harmful":
                reply = lang.refusal(rng)
            else:
                other = lang.ACTIONS[(lang.ACTIONS.index(r1.action) + 1) % len(lang.ACTIONS)]
                reply = lang.answer(other, r1.object)
            turn2 = (rng.choice(lang.FOLLOW_UPS), reply)
        else:
            turn2 = (r2.prompt, _reply(r2, rng))
        out.append(([turn1, turn2], None))
    return out


def _generic(rng: random.Random) -> str:
    """A harmful request about nothing in particular ("Please help me harm someone.")."""
    return lang.phrase(rng.choice(lang.PREFIXES), rng.choice(lang.GENERIC_HARMFUL), rng.choice(lang.SUFFIXES), "")


def _collate(examples: list[_Example], pad_id: int) -> dict[str, torch.Tensor]:
    length = max(len(e.ids) for e in examples)
    ids = torch.full((len(examples), length), pad_id, dtype=torch.long)
    labels = torch.full_like(ids, -100)
    mask = torch.zeros_like(ids)
    for i, e in enumerate(examples):
        n = len(e.ids)
        ids[i, :n], mask[i, :n] = e.ids, 1
        labels[i, :n] = torch.where(e.target, e.ids, -100)
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
        >>> log = fit(m, p, stages=(Stage("s", 1, 1e-3, {"facts": 1.0}, {"language": 1.0}),), progress=False)
    """
    with torch_threads(threads):
        return _fit(model, processor, seed, stages, batch_size, progress)


def _fit(model, processor, seed, stages, batch_size, progress) -> list[dict]:
    processor._n_image_tokens = model.config.image_seq_length
    t0 = time.perf_counter()
    needed = {name for s in stages for name in s.mixture}
    streams = _streams(processor, seed, needed)
    log = [{"stage": "data", "seconds": time.perf_counter() - t0}]
    pad = processor.tokenizer.pad_token_id
    model.train()
    for stage in stages:
        # each stage has its own sampling stream, so a stage run from a checkpoint of the
        # previous ones is the same as in a run of the whole curriculum
        gen = torch.Generator().manual_seed(lang.stable_hash("organism-stage", seed, stage.name))
        groups = _param_groups(model, stage.train, stage.lr)
        head = None
        if "vision" in stage.mixture:
            if len(stage.mixture) > 1:
                raise InputError(f"stage {stage.name!r}: the 'vision' stream must be alone in its stage")
            with torch.random.fork_rng():
                torch.manual_seed(lang.stable_hash("organism-head", seed))
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
