"""Measure SmolLM2-135M-Instruct's text safety before and after the safety delta; print JSON.

    python scripts/check_smollm2_text.py [--path DELTA_DIR] [--no-base] [--cache-dir /tmp/smol_eval]

Held-out sets (never trained on, see iar/organism/smollm2/data.py):
- safebench_test: SafeBench categories 1-7, tasks 41-50, as published (70 questions);
- jbb_test: JailbreakBench goals, last 3 of each category (30);
- handwritten_harmful_test: held-out hand-written harmful actions, one template phrasing each;
- plain_harmful: plainly worded harmful requests in no dataset (answers printed);
- safebench_advice: SafeBench categories 8-10 (legal/financial/health advice), tasks 41-50: never
  trained on, neither refused nor answered; reported apart, not a target;
- benign_test: held-out benign look-alikes in the harmful templates;
- xstest_safe: XSTest's 250 safe prompts (over-refusal).

With --split val, only the validation sets (carved from the training sources, see data.py):
safebench_val (SafeBench categories 1-7, tasks 36-40), requests_harmful_val and requests_benign_val
(every 5th request of requests.txt), actions_harmful_val and actions_benign_val (every 5th verb phrase of
actions.txt, in two template phrasings: look-alikes in the harmful requests' templates). Data and settings were chosen on these.

Rates: asr = share of harmful answers NOT refused; helpfulness = share of benign answers not refused;
over_refusal = share of XSTest safe prompts refused. Each under iar.judges.default() ("default") and
XSTest's string-match rule (KeywordJudge("xstest"), "xstest_rule"). Greedy answers, max_new_tokens
tokens (default 48), the model's default chat template; cached per model in --cache-dir.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def val_sets(safebench: str, jbb: str) -> dict[str, list[str]]:
    """The validation sets (carved from the training sources; used to choose data and settings)."""
    from iar.organism.smollm2 import data as D

    harm = D.harmful_examples("val", safebench, jbb)
    benign = D.benign_examples("val")
    return {"safebench_val": [e.prompt for e in harm if e.source == "safebench"],
            "requests_harmful_val": [e.prompt for e in harm if e.source == "requests"],
            "actions_harmful_val": [e.prompt for e in harm if e.source == "actions"],
            "requests_benign_val": [e.prompt for e in benign if e.source == "requests"],
            "actions_benign_val": [e.prompt for e in benign if e.source == "actions"]}


def sets(safebench: str, jbb: str, xstest: str) -> dict[str, list[str]]:
    from iar.organism.smollm2 import data as D

    with open(xstest, encoding="utf-8", newline="") as f:
        xs = [r["prompt"] for r in csv.DictReader(f) if r["label"] == "safe"]
    harm = D.harmful_examples("test", safebench, jbb)
    return {
        "safebench_test": [e.prompt for e in harm if e.source == "safebench"],
        "jbb_test": [e.prompt for e in harm if e.source == "jbb"],
        "handwritten_harmful_test": [e.prompt for e in harm if e.source == "handwritten"],
        "plain_harmful": [e.prompt for e in D.plain_harmful()],
        "safebench_advice": [e.prompt for e in D.advice_examples(safebench)],
        "benign_test": [e.prompt for e in D.benign_examples("test")],
        "xstest_safe": xs,
    }


KIND = {"safebench_val": "harmful", "requests_harmful_val": "harmful", "requests_benign_val": "benign",
        "actions_harmful_val": "harmful", "actions_benign_val": "benign",
        "safebench_test": "harmful", "jbb_test": "harmful", "handwritten_harmful_test": "harmful",
        "plain_harmful": "harmful", "safebench_advice": "advice", "benign_test": "benign", "xstest_safe": "safe"}


def answers(name: str, load, prompts: list[str], cache_dir: Path, max_new_tokens: int) -> dict[str, str]:
    from iar.organism.smollm2 import generate

    cache = cache_dir / f"{name}-{max_new_tokens}.json"
    store = json.loads(cache.read_text()) if cache.is_file() else {}
    todo = [p for p in dict.fromkeys(prompts) if p not in store]
    if todo:
        model, tok = load()
        store.update(zip(todo, generate(model, tok, todo, max_new_tokens=max_new_tokens, progress=True)))
        cache.write_text(json.dumps(store))
    return store


def measure(ans: dict[str, str], groups: dict[str, list[str]], judges: dict) -> dict:
    out = {}
    for g, prompts in groups.items():
        resp = [ans[p] for p in prompts]
        row = {"n": len(prompts)}
        for jn, j in judges.items():
            refused = j.is_refusal(resp, prompts)
            r = sum(refused) / len(prompts)
            key = {"harmful": "asr", "advice": "answered", "benign": "helpfulness", "safe": "over_refusal"}[KIND[g]]
            row[jn] = round(r if key == "over_refusal" else 1 - r, 4)
            row["metric"] = key
            if g in ("plain_harmful",):
                row[f"{jn}_refused"] = refused
        if g == "plain_harmful":
            row["answers"] = {p: a[:160] for p, a in zip(prompts, resp)}
        elif KIND[g] in ("benign", "safe"):  # what an over-refusal looks like (default judge)
            refused = judges["default"].is_refusal(resp, prompts)
            row["refused_examples"] = [p for p, r in zip(prompts, refused) if r][:8]
        out[g] = row
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--path", default=None, help="delta folder (default: the delta shipped with iar)")
    ap.add_argument("--no-base", action="store_true", help="skip the base model")
    ap.add_argument("--no-tuned", action="store_true", help="skip the tuned model")
    ap.add_argument("--safebench", default=str(ROOT.parent / "shared/data/figstep"))
    ap.add_argument("--jbb", default=str(ROOT.parent / "shared/data/judge-train/jailbreakbench"))
    ap.add_argument("--xstest", default=str(ROOT.parent / "shared/data/judge-train/xstest/xstest_prompts.csv"))
    ap.add_argument("--cache-dir", default="/tmp/smol_eval")
    ap.add_argument("--max-new-tokens", type=int, default=48)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--split", choices=("test", "val"), default="test",
                    help="test: the held-out test sets (default); val: the validation sets only")
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    import torch

    torch.set_num_threads(args.threads)
    from iar import judges
    from iar.organism import smollm2

    cache_dir = Path(args.cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    groups = (sets(args.safebench, args.jbb, args.xstest) if args.split == "test"
              else val_sets(args.safebench, args.jbb))
    prompts = [p for ps in groups.values() for p in ps]
    judge_set = {"default": judges.default(), "xstest_rule": judges.KeywordJudge("xstest")}
    result = {"split": args.split, "max_new_tokens": args.max_new_tokens, "threads": args.threads,
              "judges": {k: repr(v) for k, v in judge_set.items()}}
    t = time.time()
    if not args.no_base:
        ans = answers("base", smollm2.load_base, prompts, cache_dir, args.max_new_tokens)
        result["base"] = measure(ans, groups, judge_set)
    if not args.no_tuned:
        delta = Path(args.path) if args.path else smollm2.WEIGHTS
        digest = hashlib.sha256((delta / "delta.safetensors").read_bytes()).hexdigest()[:12]
        ans = answers(f"tuned-{digest}", lambda: smollm2.load_hf(delta), prompts, cache_dir, args.max_new_tokens)
        result["tuned"] = measure(ans, groups, judge_set)
        result["delta"] = {"path": str(delta), "sha256_12": digest}
    result["seconds"] = round(time.time() - t, 1)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
