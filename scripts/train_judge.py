"""Train the default judge's heads on all of judge-train (+ the project's own set) and write
``iar/judges/data/judge_heads.safetensors`` + ``.json`` (with the leave-one-model-out table).

    python scripts/train_judge.py [--root ../shared/data/judge-train] [--cache /tmp/judge_features.npz]

Deterministic: the same data give the same bytes (lbfgs, no randomness).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from judge_lomo import legacy_refusal, load_data  # noqa: E402

from iar.judges import train  # noqa: E402
from iar.judges.learned import HEADS_WEIGHTS  # noqa: E402


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--root", type=Path, default=train.DEFAULT_ROOT)
    p.add_argument("--cache", type=Path, default=None, help="features cache (.npz) to reuse between runs")
    p.add_argument("--out", type=Path, default=HEADS_WEIGHTS)
    args = p.parse_args(argv)
    d = load_data(args.root, args.cache)
    res = train.lomo(d, legacy=legacy_refusal(d))
    meta = train.train_default(d, args.out, lomo_result=res)
    print(train.table(res))
    print(f"wrote {args.out} (refusal C={meta['refusal_head']['C']}, harm C={meta['harm_head']['C']})")
    return meta


if __name__ == "__main__":
    main()
