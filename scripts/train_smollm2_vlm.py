"""Train the SmolLM2 VLM (vision pretraining, projector alignment, visual instruction tuning); write the delta.

    python scripts/train_smollm2_vlm.py --out DIR [--text-delta DIR] [--cache /tmp/smol_vlm_answers.json]

Writes DIR/vlm.safetensors + DIR/vlm.json (see iar/organism/smollm2/vlm_training.py). Seeded and
deterministic; uses 2 torch threads by default (--threads). With the defaults and the shipped
stage-1 safety delta it reproduces the shipped VLM delta (iar/organism/smollm2/vlm_weights/;
34 minutes on a quiet 2-core machine with the backbone's answers cached, about 40 without;
docs/organism-smollm2.md has its measurements).
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import fields
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    from iar.organism.smollm2.vlm_training import VLMConfig, train

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--text-delta", default=None, help="stage-1 safety delta folder (default: shipped)")
    ap.add_argument("--safebench", default=str(ROOT.parent / "shared/data/figstep"))
    ap.add_argument("--jbb", default=str(ROOT.parent / "shared/data/judge-train/jailbreakbench"))
    ap.add_argument("--cache", default=None, help="JSON cache of the backbone's text answers")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--stage0-cache", default=None, help="folder to keep and reuse the stage-0 vision weights")
    for f in fields(VLMConfig):
        if f.type in ("int", "float"):
            ap.add_argument(f"--{f.name.replace('_', '-')}", type=eval(f.type), default=None)
        elif f.type == "bool":
            ap.add_argument(f"--{f.name.replace('_', '-')}", type=lambda v: v.lower() in ("1", "true", "yes"),
                            default=None, metavar="{true,false}")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    cfg = VLMConfig(**{f.name: getattr(args, f.name) for f in fields(VLMConfig)
                       if getattr(args, f.name, None) is not None})
    meta = train(cfg, args.out, args.safebench, args.jbb, text_delta=args.text_delta, cache=args.cache,
                 stage0_cache=args.stage0_cache)
    size = sum(p.stat().st_size for p in Path(args.out).iterdir())
    print(json.dumps({"out": args.out, "bytes": size, "training": meta["training"]}, indent=1))


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    main()
