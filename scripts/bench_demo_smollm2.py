"""Time each stage of `iar demo --model organism:smollm2` and project the default run's wall time.

    python scripts/bench_demo_smollm2.py [--path DIR] [--scale 0.25] [--threads 2] [--out DIR] [--json]

Runs :func:`iar.cli.demo.run` with ``DemoConfig.smollm2()`` (the defaults of ``iar demo --model
organism:smollm2``), its sizes multiplied by ``--scale`` (1: the default run itself), on ``--path``,
or, without one, on a folder built here with a fresh (untrained) vision tower over the shipped
stage-1 delta: the numbers then mean nothing, the times do (a fresh tower answers as long as a
trained one, up to ``max_new_tokens``). Prints each stage's seconds, what it did (answers
generated, samples recorded), and its time projected to the default sizes (per-item cost x the
default count; load and write as measured), against the 8-minute budget of issue 13.

To scale the defaults, change ``DemoConfig.smollm2`` (``iar/cli/demo.py``): a sweep or test answer
costs about ``seconds_per_answer`` of its stage.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

BUDGET_S = 8 * 60


def fresh_folder(out: Path) -> Path:
    """A SmolLM2 organism folder with fresh vision parts and no stage-2 LoRA (as the tests build)."""
    from iar.organism.smollm2.folder import untrained

    return untrained(out)


def counts(config, n_constructions: int, cells: dict[str, int], n_contrast: dict[str, int]) -> dict[str, int]:
    """What each stage does at ``config``: pairs recorded, contrast queries, answers generated."""
    out = {"shift": config.n_shift, "test": 2 * config.n_test * (1 + n_constructions)}
    for c, n in cells.items():
        suffix = "" if c == config.construction else f":{c}"
        out["revision" + suffix] = n_contrast[c]
        out["sweep" + suffix] = (1 + n) * config.n_val
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--path", help="SmolLM2 organism folder (default: a fresh-tower folder built here)")
    ap.add_argument("--scale", type=float, default=0.25, help="sizes x this (1: the default run; default 0.25)")
    ap.add_argument("--threads", type=int, default=2, help="torch threads (the issue's budget: 2 cores)")
    ap.add_argument("--out", help="keep the demo's output here (default: a temporary folder)")
    ap.add_argument("--json", action="store_true", help="print only the JSON")
    args = ap.parse_args()

    from iar.cli.demo import ALPHAS_SMOLLM2, DemoConfig, run

    default = DemoConfig.smollm2()

    def scaled(n: int) -> int:
        return max(4, round(n * args.scale))

    config = replace(default, n_shift=scaled(default.n_shift), n_contrast=scaled(default.n_contrast),
                     n_val=scaled(default.n_val), n_test=scaled(default.n_test))
    tmp = Path(tempfile.mkdtemp(prefix="bench-demo-smollm2-"))
    try:
        t0 = time.perf_counter()
        path = Path(args.path) if args.path else fresh_folder(tmp / "organism")
        build_s = time.perf_counter() - t0
        out = Path(args.out) if args.out else tmp / "demo"
        summary = run(out, f"organism:smollm2:{path}", config=config, threads=args.threads,
                      progress=not args.json)
    finally:
        if not args.out:
            shutil.rmtree(tmp, ignore_errors=True)
    names = (default.construction, *default.compare)
    cells = {c: len(ALPHAS_SMOLLM2[c]) * len(default.ks) for c in names}
    done = counts(config, len(names), cells, {c: config.n_contrast for c in names})
    full = counts(default, len(names), cells, {c: default.n_contrast for c in names})
    stages = {}
    for name, seconds in summary["stages"].items():
        n, m = done.get(name), full.get(name)
        stages[name] = {"seconds": seconds, "count": n, "default_count": m,
                        "per_item_s": round(seconds / n, 3) if n else None,
                        "projected_s": round(seconds * m / n, 1) if n else seconds}
    projected = round(sum(s["projected_s"] for s in stages.values()), 1)
    answers = sum(done[k] for k in done if k.startswith(("sweep", "test")))
    gen_s = sum(summary["stages"][k] for k in done if k.startswith(("sweep", "test")))
    res = {
        "path": str(args.path or "fresh tower (built here)"), "scale": args.scale, "threads": args.threads,
        "build_folder_s": round(build_s, 1) if not args.path else None,
        "config": {k: getattr(config, k) for k in ("n_shift", "n_contrast", "n_val", "n_test", "max_new_tokens",
                                                  "batch_size", "ks")},
        "stages": stages, "seconds": summary["seconds"], "cpu_seconds": summary["cpu_seconds"],
        "answers": answers, "seconds_per_answer": round(gen_s / answers, 3),
        "projected_default_s": projected, "budget_s": BUDGET_S, "fits": projected <= BUDGET_S,
        "loadavg": [round(v, 2) for v in os.getloadavg()],
    }
    if args.json:
        print(json.dumps(res, indent=1))
        return
    print(f"\niar demo --model organism:smollm2 at scale {args.scale} ({args.threads} threads, "
          f"load average {res['loadavg']}):")
    print(f"  {'stage':<20}{'seconds':>9}{'count':>7}{'s/item':>9}{'default':>9}{'projected s':>13}")
    for name, s in stages.items():
        per = f"{s['per_item_s']:.3f}" if s["per_item_s"] is not None else "-"
        print(f"  {name:<20}{s['seconds']:>9.1f}{s['count'] or '-':>7}{per:>9}{s['default_count'] or '-':>9}"
              f"{s['projected_s']:>13.1f}")
    print(f"  total {summary['seconds']:.0f} s wall; {answers} answers at {res['seconds_per_answer']:.3f} s each")
    print(f"  projected default run: {projected:.0f} s (budget {BUDGET_S} s): {'fits' if res['fits'] else 'OVER'}")
    print(json.dumps(res))


if __name__ == "__main__":
    main()
