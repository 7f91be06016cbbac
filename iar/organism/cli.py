"""``iar organism``: train the model organism, or check its behaviour.

    iar organism train --out DIR [--seed 0]      # about 8-10 minutes on 2 cores
    iar organism check [--path DIR] [--n 100]    # the three behaviours on held-out requests
    iar organism train --backbone smollm2 --out DIR          # DIR/text + the VLM delta in DIR
    iar organism check --backbone smollm2 [--path DIR] [--questions FILE.csv | --split val] --json

    >>> import argparse
    >>> p = argparse.ArgumentParser(); add_arguments(p)
    >>> p.parse_args(["train", "--out", "x"]).seed
    0
"""

from __future__ import annotations

import argparse
import json
import time

from iar.errors import InputError
from iar.organism import BACKBONES

DESCRIPTION = (
    "The model organism: a small LLaVA trained on CPU that refuses harmful text requests but "
    "answers the same requests when the object is shown in an image (docs/organism.md); "
    "--backbone smollm2: the same on SmolLM2-135M-Instruct (docs/organism-smollm2.md)."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the ``train`` and ``check`` sub-subcommands to the ``organism`` parser.

    Args:
        p: the parser of ``iar organism``.

    Example:
        >>> p = argparse.ArgumentParser(); add_arguments(p)
        >>> p.parse_args(["check", "--backbone", "smollm2", "--max-new-tokens", "8"]).max_new_tokens
        8
    """
    sub = p.add_subparsers(dest="organism_command", required=True, metavar="ACTION")
    t = sub.add_parser("train", help="train an organism from a seed (tiny: about 8-10 minutes on 2 cores)",
                       description="Train an organism from scratch on CPU and write a folder loadable with "
                                   "iar.organism.load(DIR) or --model organism:DIR. Seed 0 reproduces the "
                                   "shipped weights. --backbone smollm2 trains SmolLM2's stage-1 safety delta "
                                   "into DIR/text, then the VLM stages into DIR (needs peft and the training "
                                   "data; see docs/organism-smollm2.md).")
    t.add_argument("--backbone", choices=BACKBONES, default="tiny", help="which organism (default tiny)")
    t.add_argument("--out", required=True, help="folder to write (must not exist, or be empty)")
    t.add_argument("--seed", type=int, default=0, help="training seed (default 0: the shipped weights)")
    t.add_argument("--safebench", help="smollm2: folder with FigStep's safebench.csv "
                                       "(default $IAR_FIGSTEP_DIR or ../shared/data/figstep)")
    t.add_argument("--jbb", help="smollm2: folder with JailbreakBench's artifacts (default $IAR_JBB_DIR "
                                 "or ../shared/data/judge-train/jailbreakbench)")
    t.add_argument("--quiet", action="store_true", help="no progress bars")
    t.set_defaults(func=run_train)
    c = sub.add_parser("check", help="measure an organism's behaviours on held-out requests",
                       description="Greedy answers to held-out requests as text and through the image. "
                                   "tiny: harmful text ASR, harmful image ASR, benign image accuracy, judged "
                                   "by the organism's own refusal list and by iar.judges.default(). smollm2: "
                                   "ASR and helpfulness by text and by image under iar.judges.default() and "
                                   "the XSTest string-match rule, on the held-out test sets or on "
                                   "--questions FILE.csv (columns question,kind).")
    c.add_argument("--backbone", choices=BACKBONES, default="tiny", help="which organism (default tiny)")
    c.add_argument("--path", help="an organism folder (default: the shipped weights)")
    c.add_argument("--n", type=int, help="tiny: requests per condition (default 100)")
    c.add_argument("--seed", type=int, help="tiny: request seed (default 0)")
    c.add_argument("--text-delta", help="smollm2: stage-1 safety delta folder (default: PATH/text if there, "
                                        "else the shipped one)")
    c.add_argument("--questions", help="smollm2: CSV file with columns question,kind (kind: harmful or "
                                       "benign), each asked as text and through the image (default: the "
                                       "held-out test sets)")
    c.add_argument("--split", choices=("test", "val"), help="smollm2: the held-out test sets (default) or the "
                                                          "validation requests, for choosing settings")
    c.add_argument("--max-new-tokens", type=int, help="smollm2: answer length (default 48)")
    c.add_argument("--limit", type=int, help="smollm2: at most N questions per set (quick runs)")
    c.add_argument("--answers", help="smollm2: also write every answer to this JSON file")
    c.add_argument("--json", action="store_true", help="print only the JSON (no progress bars)")
    c.set_defaults(func=run_check)


# options of one backbone only, per action: given with the other backbone they are a clear error
_ONLY = {"train": {"smollm2": {"safebench": "--safebench", "jbb": "--jbb"}},
         "check": {"tiny": {"n": "--n", "seed": "--seed"},
                   "smollm2": {"text_delta": "--text-delta", "questions": "--questions", "split": "--split",
                               "max_new_tokens": "--max-new-tokens", "limit": "--limit", "answers": "--answers"}}}


def _check_options(args: argparse.Namespace, action: str) -> None:
    """An option of the other backbone is a clear error (it would be ignored otherwise)."""
    for backbone, options in _ONLY[action].items():
        if backbone == args.backbone:
            continue
        for dest, flag in options.items():
            if getattr(args, dest, None) is not None:
                raise InputError(f"{flag} is an option of --backbone {backbone}; add --backbone {backbone} "
                                 f"or leave {flag} out.")


def run_train(args: argparse.Namespace) -> int:
    """``iar organism train``: train and report where the folder is and how long it took."""
    _check_options(args, "train")
    start = time.perf_counter()
    if args.backbone == "smollm2":
        from iar.organism.smollm2.folder import train as train_smollm2

        out = train_smollm2(args.out, seed=args.seed, safebench_dir=args.safebench, jbb_dir=args.jbb,
                            progress=not args.quiet)
    else:
        from iar.organism import train

        out = train(args.out, seed=args.seed, progress=not args.quiet)
    print(f"wrote the {args.backbone} organism to {out} in {time.perf_counter() - start:.0f} s")
    return 0


def run_check(args: argparse.Namespace) -> int:
    """``iar organism check``: print the behaviours as JSON."""
    _check_options(args, "check")
    if args.backbone == "smollm2":
        from iar.organism.smollm2.check import check as check_smollm2

        res = check_smollm2(args.path, text_delta=args.text_delta, questions=args.questions,
                            max_new_tokens=48 if args.max_new_tokens is None else args.max_new_tokens,
                            limit=args.limit, answers=args.answers, progress=not args.json,
                            split=args.split or "test")
    else:
        from iar.organism.behaviour import check

        res = check(args.path, n=100 if args.n is None else args.n, seed=0 if args.seed is None else args.seed)
    print(json.dumps(res, indent=1))
    return 0
