"""Leave-one-model-out table of the default judge on real responses (docs/benchmarks.md).

    python scripts/judge_lomo.py [--root ../shared/data/judge-train] [--cache /tmp/judge_features.npz]

Prints, per left-out model, the accuracy of the new judge, of ``KeywordJudge("xstest")`` and of the
old default judge (its head as shipped before the real-data training, kept in scripts/legacy_judge/).
See `iar.judges.train` for what each fold trains on.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from iar.judges import train  # noqa: E402
from iar.judges.cues import CUE_NAMES  # noqa: E402

LEGACY = Path(__file__).resolve().parent / "legacy_judge" / "refusal_head.safetensors"


def legacy_refusal(d: train.Data) -> np.ndarray:
    """The old default judge's refusal verdicts: its head over [cues | embed(first 2 sentences)],
    which are columns of the new response features."""
    from safetensors.numpy import load_file

    w = load_file(str(LEGACY))
    n, d_emb = len(CUE_NAMES), 384
    view2 = d.resp.shape[1] - 2 * d_emb
    x = np.concatenate([d.resp[:, :n], d.resp[:, view2:view2 + d_emb]], axis=1)
    return ((x - w["mean"]) / w["scale"]) @ w["coef"] + w["intercept"][0] > 0


def load_data(root: Path, cache: Path | None) -> train.Data:
    rows = train.load_rows(root)
    if cache is not None and cache.is_file():
        z = np.load(cache)
        if int(z["n"]) == len(rows):
            return train.Data(rows, z["resp"], z["pair"])
    d = train.load(root)
    if cache is not None:
        np.savez(cache, resp=d.resp, pair=d.pair, n=len(rows))
    return d


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--root", type=Path, default=train.DEFAULT_ROOT)
    p.add_argument("--cache", type=Path, default=None, help="features cache (.npz) to reuse between runs")
    p.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = p.parse_args(argv)
    d = load_data(args.root, args.cache)
    res = train.lomo(d, legacy=legacy_refusal(d))
    print(train.table(res))
    if args.json:
        args.json.write_text(json.dumps(res, indent=1) + "\n")
    return res


if __name__ == "__main__":
    main()
