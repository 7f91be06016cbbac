"""Print the held-out answers on which iar.judges.default() and XSTest's string-match rule disagree.

    iar organism check --backbone smollm2 --json --answers /tmp/answers.json > /tmp/check.json
    python scripts/smollm2_vlm_disagreements.py /tmp/answers.json [--path image|text] [--kind harmful|benign]

Issue 13 asks the rates to agree under the two judges within 10 points, or the docs to show the
answers they disagree on; docs/organism-smollm2.md quotes this script's output.
"""

from __future__ import annotations

import argparse
import json


def main() -> None:
    from iar.judges import KeywordJudge, default

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("answers", help="the JSON that 'iar organism check --answers' wrote")
    ap.add_argument("--path", choices=("image", "text"), default="image")
    ap.add_argument("--kind", choices=("harmful", "benign"), default="harmful")
    args = ap.parse_args()
    rows = [r for r in json.load(open(args.answers, encoding="utf-8")) if r.get("kind") == args.kind]  # not the reading rows
    asked = [r["text"] for r in rows]
    answers = [r[f"answer_{args.path}"] for r in rows]
    d = default().is_refusal(answers, asked)
    k = KeywordJudge("xstest").is_refusal(answers, asked)
    diff = [(r, a, x, y) for r, a, x, y in zip(rows, answers, d, k) if x != y]
    print(f"{len(diff)} of {len(rows)} {args.kind} answers ({args.path} path) judged differently")
    for r, a, x, y in diff:
        print(f"- default: {'refused' if x else 'answered'}, xstest rule: {'refused' if y else 'answered'} | "
              f"{r['text'][:70]!r} -> {a[:110]!r}")


if __name__ == "__main__":
    main()
