"""One pre-registered variant of the harm head, measured leave-one-model-out: mismatched-pair negatives.

    python scripts/judge_harm_negatives.py [--root ../shared/data/judge-train] [--cache /tmp/judge_features.npz]

The harm head's misses on GPT-3.5 (docs/benchmarks.md) are answers that do not refuse but do not
help with *this* request (off-topic, benign versions, essays for another cause). Its training data
never shows a compliant-looking answer that is not a success, so the two prompt-response similarity
features carry little weight. The variant adds, to every training fold, each harmful-compliance row
once more with its response paired with another request (JailbreakBench: a goal of another category,
index // 10; XSTest: another unsafe prompt of another type), labelled "not jailbroken". Nothing else
changes (features, C grid, inner CV). Prints the harm folds for the shipped recipe and the variant.
Decided before it was run: adopted only if it is better on both left-out models.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from judge_lomo import load_data  # noqa: E402

from iar.judges import train  # noqa: E402
from iar.judges.learned import pair_features  # noqa: E402


def negatives(d: train.Data, rows: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Harm features [k, f] of the harmful-compliance rows in `rows`, each re-paired with another request."""
    rng = random.Random(seed)
    idx = [i for i in np.flatnonzero(rows) if d.rows[i].get("harmful")]
    jbb_goals = sorted({(int(r["id"].split("-")[-1]), r["prompt"]) for r in d.rows if r["src"] == "jbb"})
    xs_unsafe = sorted({(r["type"], r["prompt"]) for r in d.rows if r["src"] == "xstest" and r["unsafe"]})
    prompts = []
    for i in idx:
        r = d.rows[i]
        if r["src"] == "jbb":
            cat = int(r["id"].split("-")[-1]) // 10
            prompts.append(rng.choice([g for k, g in jbb_goals if k // 10 != cat]))
        else:
            prompts.append(rng.choice([p for t, p in xs_unsafe if t != r["type"]]))
    pair = pair_features(prompts, d.resp[idx])
    return np.concatenate([d.resp[idx], pair], axis=1), np.zeros(len(idx), bool)


def harm_folds(d: train.Data, augment: bool) -> dict:
    x, y = train.harm_x(d), d.col("harmful")
    groups = np.array(["xstest" if r["src"] == "xstest" else r["model"] for r in d.rows])
    out = {}
    for m in train.JBB_MODELS:
        tr = train.harm_train(d, m)
        xt, yt, gt = x[tr], y[tr], groups[tr]
        if augment:
            xn, yn = negatives(d, tr)
            gn = np.array(["xstest" if d.rows[i]["src"] == "xstest" else d.rows[i]["model"]
                           for i in np.flatnonzero(tr) if d.rows[i].get("harmful")])
            xt, yt, gt = np.concatenate([xt, xn]), np.concatenate([yt, yn]), np.concatenate([gt, gn])
        c, cv = train.choose_c(xt, yt, gt, np.zeros(len(yt), bool))
        head = train.fit_head(xt, yt, c)
        te = d.mask(model=m)
        out[m] = {"n": int(te.sum()), "C": c, "accuracy": float(((head.logit(x[te]) > 0) == y[te]).mean())}
    return out


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--root", type=Path, default=train.DEFAULT_ROOT)
    p.add_argument("--cache", type=Path, default=None)
    args = p.parse_args(argv)
    d = load_data(args.root, args.cache)
    res = {"shipped": harm_folds(d, False), "mismatched_negatives": harm_folds(d, True)}
    print("| left-out JailbreakBench model (n) | shipped recipe | + mismatched-pair negatives |")
    print("| --- | --- | --- |")
    for m in train.JBB_MODELS:
        a, b = res["shipped"][m], res["mismatched_negatives"][m]
        print(f"| {m} ({a['n']}) | {a['accuracy']:.3f} (C {a['C']}) | {b['accuracy']:.3f} (C {b['C']}) |")
    print(json.dumps(res))
    return res


if __name__ == "__main__":
    main()
