"""Where can a linear condition tell harmful from benign image requests on the SmolLM2 organism?

    PYTHONPATH=. python scripts/smollm2_condition_layers.py [--n 192] [--fpr 0.05] [--position last|mean|image|prompt]

(about 2 to 4 minutes on 2 cores.) For every other layer, an :class:`iar.Condition` on ``resid_pre``
at the last prompt token (what ``iar demo --condition gate`` fits; ``--position mean``: averaged over
the prompt's text tokens instead; ``--position image`` / ``prompt``: over its image tokens / every
prompt token, at layers 16, 20, 24 and 28 only) is fitted on ``--n`` harmful vs ``--n`` benign *train* image
requests (the demo's data, :class:`iar.cli.demo_data.SmolData`, seed offset 2), its threshold
calibrated to ``--fpr`` false positives on ``--n`` other benign train image requests, and measured
on 64 harmful and 64 benign *validation* requests, as image requests and as text requests. No test
request is used: the demo's SmolLM2 condition layer (``DemoConfig.smollm2``) was chosen from this
table. Prints a Markdown table (true- and false-positive rates).
"""

from __future__ import annotations

import argparse
import time

import torch

import iar
from iar.cli.demo_data import SmolData


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=192, help="harmful, benign and calibration train requests each")
    ap.add_argument("--fpr", type=float, default=0.05, help="the condition's false-positive target")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--position", choices=("last", "mean", "image", "prompt"), default="last",
                    help="the condition's position: the last prompt token, the mean over text tokens, over "
                         "image tokens or over every prompt token (image and prompt: layers 16-28 only)")
    args = ap.parse_args()
    torch.set_num_threads(2)
    t0 = time.perf_counter()
    vlm = iar.organism.load("smollm2")
    data = SmolData(args.seed, tokenizer=vlm.tokenizer)
    n = args.n
    fit_h = data.items("train", n, kind="harmful", seed_offset=2)
    fit_b = data.items("train", n, kind="benign", seed_offset=2)
    seen = {it.id for it in fit_b}  # calibrate on benign requests the fit never saw (as the demo does)
    cal_b = [it for it in data.items("train", 2 * n, kind="benign", seed_offset=3) if it.id not in seen][:n]
    val = data.items("val", 128)
    val_h, val_b = [it for it in val if it.kind == "harmful"], [it for it in val if it.kind == "benign"]

    per_layer = args.position in ("image", "prompt")  # no iar.record position for these: one layer at a time
    layers = [16, 20, 24, 28] if per_layer else list(range(2, vlm.cfg.n_layers, 2))

    def rec(items, text=False):
        """resid_pre at every layer, at the condition's position (what it reads), [n, layers, d]."""
        prompts = [it.text_prompt if text else it.prompt for it in items]
        images = None if text else [it.image for it in items]
        if per_layer:
            out = torch.zeros(len(items), vlm.cfg.n_layers, vlm.cfg.d_model)
            for layer in layers:
                out[:, layer] = iar.condition.record(vlm, prompts, images, site="resid_pre", layer=layer,
                                                     position=args.position, batch_size=16,
                                                     progress=False)["resid_pre"][:, 0].float()
            return out
        acts = iar.record(vlm, prompts, images, sites=("resid_pre",), position=-1 if args.position == "last" else "mean",
                          batch_size=16, progress=False)
        return acts["resid_pre"].float()

    a = {name: rec(items) for name, items in (("fit_h", fit_h), ("fit_b", fit_b), ("cal_b", cal_b),
                                              ("val_h", val_h), ("val_b", val_b))}
    t = {"val_h": rec(val_h, text=True), "val_b": rec(val_b, text=True)}
    print(f"position {args.position}; {len(fit_h)} harmful / {len(fit_b)} benign fitting, {len(cal_b)} calibration (train); "
          f"{len(val_h)} / {len(val_b)} validation; target fpr {args.fpr}\n")
    print("| layer | train TPR | val image TPR | val image FPR | val text TPR | val text FPR |")
    print("| --- | --- | --- | --- | --- | --- |")
    for layer in layers:
        cond = iar.Condition.fit(a["fit_h"][:, layer], a["fit_b"][:, layer], site="resid_pre", layer=layer,
                                 position=args.position, calibration=a["cal_b"][:, layer], fpr=args.fpr, seed=args.seed)

        def rate(x, layer=layer, cond=cond):
            return float(cond.decide(x[:, layer]).float().mean())

        print(f"| {layer} | {cond.meta['train_tpr']:.2f} | {rate(a['val_h']):.2f} | {rate(a['val_b']):.2f} | "
              f"{rate(t['val_h']):.2f} | {rate(t['val_b']):.2f} |")
    print(f"\n{time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
