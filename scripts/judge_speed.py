"""Time the default judge on 1,000 real responses (both verdicts), offline, on this machine's CPUs.

    python scripts/judge_speed.py [--root ../shared/data/judge-train] [--n 1000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from iar import judges  # noqa: E402
from iar.judges import train  # noqa: E402


def main(argv: list[str] | None = None) -> float:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--root", type=Path, default=train.DEFAULT_ROOT)
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--refusal-only", action="store_true", help="time is_refusal alone (no prompt embedding)")
    args = p.parse_args(argv)
    rows = [r for r in train.load_rows(args.root, own=False)][: args.n]
    prompts, responses = [r["prompt"] for r in rows], [r["response"] for r in rows]
    judge = judges.default()
    judge.is_refusal(["warm-up"])  # loads the encoder: not part of the timing
    start, cpu = time.perf_counter(), time.process_time()
    refused, _ = judge.decide(responses, prompts)
    harmful = [] if args.refusal_only else judge.complied_harmfully(prompts, responses)
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    words = sum(len(r.split()) for r in responses) / len(responses)
    print(f"{len(rows)} responses (mean {words:.0f} words), torch threads {torch.get_num_threads()}: "
          f"{'is_refusal' if args.refusal_only else 'is_refusal + complied_harmfully'} in {took:.1f} s wall, {cpu:.1f} s CPU "
          f"({sum(refused)} refusals, {sum(harmful)} harmful)")
    return took


if __name__ == "__main__":
    main()
