"""``iar organism``: train the model organism, or check its behaviour.

    iar organism train --out DIR [--seed 0]      # about 8-10 minutes on 2 cores
    iar organism check [--path DIR] [--n 100]    # the three behaviours on held-out requests

    >>> import argparse
    >>> p = argparse.ArgumentParser(); add_arguments(p)
    >>> p.parse_args(["train", "--out", "x"]).seed
    0
"""

from __future__ import annotations

import argparse
import json
import time

DESCRIPTION = (
    "The model organism: a small LLaVA trained on CPU that refuses harmful text requests but "
    "answers the same requests when the object is shown in an image (docs/organism.md)."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the ``train`` and ``check`` sub-subcommands to the ``organism`` parser.

    Args:
        p: the parser of ``iar organism``.

    Example:
        >>> p = argparse.ArgumentParser(); add_arguments(p)
        >>> p.parse_args(["check", "--n", "10"]).n
        10
    """
    sub = p.add_subparsers(dest="organism_command", required=True, metavar="ACTION")
    t = sub.add_parser("train", help="train the organism from a seed (about 8-10 minutes on 2 cores)",
                       description="Train the organism from scratch on CPU and write a folder "
                                   "loadable with iar.organism.load(DIR) or --model organism:DIR. "
                                   "Seed 0 reproduces the shipped weights.")
    t.add_argument("--out", required=True, help="folder to write (must not exist, or be empty)")
    t.add_argument("--seed", type=int, default=0, help="training seed (default 0: the shipped weights)")
    t.add_argument("--quiet", action="store_true", help="no progress bars")
    t.set_defaults(func=run_train)
    c = sub.add_parser("check", help="measure the organism's three behaviours on held-out requests",
                       description="Greedy answers to freshly generated test requests: harmful text "
                                   "ASR, harmful image ASR, benign image accuracy; judged by the "
                                   "organism's own refusal list and by iar.judges.default().")
    c.add_argument("--path", help="an organism folder (default: the shipped weights)")
    c.add_argument("--n", type=int, default=100, help="requests per condition (default 100)")
    c.add_argument("--seed", type=int, default=0, help="request seed (default 0)")
    c.set_defaults(func=run_check)


def run_train(args: argparse.Namespace) -> int:
    """``iar organism train``: train and report where the folder is and how long it took."""
    from iar.organism import train

    start = time.perf_counter()
    out = train(args.out, seed=args.seed, progress=not args.quiet)
    print(f"wrote the organism to {out} in {time.perf_counter() - start:.0f} s")
    return 0


def run_check(args: argparse.Namespace) -> int:
    """``iar organism check``: print the behaviours as JSON."""
    from iar.organism.behaviour import check

    print(json.dumps(check(args.path, n=args.n, seed=args.seed), indent=1))
    return 0
