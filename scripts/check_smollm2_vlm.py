"""Measure the SmolLM2 VLM on held-out questions, as text and through the image; print JSON.

    python scripts/check_smollm2_vlm.py [--path DIR] [--text-delta DIR] [--questions FILE.csv] [--limit N] [--json]

A thin wrapper of :func:`iar.organism.smollm2.check.check` (the same as ``iar organism check
--backbone smollm2``) that also sets the torch thread count. Its docstring lists the held-out sets,
the rates and the judges.
"""

from __future__ import annotations

import argparse
import json
import os


def main() -> None:
    from iar.organism.smollm2 import folder

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--path", default=None, help="organism or VLM delta folder (default: shipped)")
    ap.add_argument("--text-delta", default=None)
    ap.add_argument("--questions", default=None, help="CSV with columns question,kind (default: held-out sets)")
    ap.add_argument("--safebench", default=str(folder.SAFEBENCH_DIR))
    ap.add_argument("--jbb", default=str(folder.JBB_DIR))
    ap.add_argument("--max-new-tokens", type=int, default=48)
    ap.add_argument("--limit", type=int, default=None, help="at most N questions per set (quick runs)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--answers", default=None, help="write every answer to this JSON file")
    ap.add_argument("--json", action="store_true", help="print only the JSON")
    args = ap.parse_args()
    import torch

    from iar.organism.smollm2.check import check

    torch.set_num_threads(args.threads)
    res = check(args.path, text_delta=args.text_delta, questions=args.questions,
                max_new_tokens=args.max_new_tokens, limit=args.limit, safebench_dir=args.safebench,
                jbb_dir=args.jbb, answers=args.answers, progress=not args.json)
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    main()
