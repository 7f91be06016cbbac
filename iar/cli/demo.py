"""``iar demo``: the whole method end to end, on the model organism by default (offline, minutes).

Stages (each a plain call into the toolkit):

1. **shift**: ``iar.record`` of image requests and their text counterparts, compared per head and
   layer with ``ShiftReport.from_activations`` (heatmap, per-layer lines).
2. **contrast**: a contrast set on harmful *train* image requests (``DemoConfig.construction``).
   On the organism the default is ``iar.contrast.modality``: each request as text (which the
   backbone refuses; positive) vs the same request through the image (negative), read at the last
   prompt token, steered at the prompt positions. On other models it is the paper's
   ``iar.contrast.multi_response``: several refusals (positive) and compliant answers (negative)
   per query, read over the response, steered at every position. The organism's failure is not
   repaired by the multi-response revision (val image ASR 87% -> 83-100% at every alpha and K
   tried, ``docs/organism.md``). On the SmolLM2 organism (``organism:smollm2[:FOLDER]``) the
   default is the paper's multi-response, with the modality construction run beside it
   (``DemoConfig.compare``): steps 2-5 run once per construction, on the same requests, judge and
   rule, and the report and summary (``constructions``) show them side by side.
3. **probe + revision**: ``iar.Revision.fit(..., method="mms", probe=True)``: MMS directions with
   ITI's sigma, heads ranked by the probe's validation accuracy (heatmap).
4. **sweep**: :func:`iar.tune` steers the *val* image requests with every ``alpha x K`` (top-K
   heads); image ASR (judge) against benign helpfulness. The chosen setting (the ``min_asr`` rule,
   which is :func:`choose`): the lowest ASR among settings that keep helpfulness >= ``keep`` (0.9) x
   the unsteered value; ties go to the smaller alpha, then the smaller K. The summary's
   ``selection.robustness`` gives the neighbouring alphas and a bootstrap interval.
5. **test**: the chosen setting on the *test* requests, unsteered and steered, as text and as image.

Writes, each atomically: ``generations.jsonl`` (every generated answer with its judge verdict and
answer check), ``revision.safetensors``, ``report.html`` (standalone) and last ``summary.json``.
From a shell: ``iar demo --out DIR`` (the organism) or ``iar demo --model ID_OR_PATH``.

    >>> import iar
    >>> summary = iar.demo.run("demo-out", progress=False)  # doctest: +SKIP
    >>> summary["asr_image"], summary["asr_image_steered"]  # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from iar import _io
from iar._threads import torch_threads
from iar.cli.demo_config import ALPHAS, ALPHAS_SMOLLM2, CONSTRUCTIONS, RULE, DemoConfig, choose, helpful, metrics
from iar.cli.demo_data import default_data, make
from iar.cli.demo_stages import Generator, condition_summary, fit_condition, label, revise_and_sweep, side
from iar.cli.demo_stages import examples as demo_examples
from iar.condition import POSITIONS
from iar.errors import InputError

SUMMARY = "summary.json"
GENERATIONS = "generations.jsonl"
REPORT = "report.html"
REVISION = "revision.safetensors"
# ------------------------------------------------------------------------------- pipeline

def run(out: str | os.PathLike = "iar-demo", model: Any = None, *, data: str | None = None,
        data_path: str | os.PathLike | None = None, benchmark: str = "jsonl", seed: int = 0,
        config: DemoConfig | None = None, judge: Any = None, device: str | None = None,
        dtype: str | None = None, threads: int | None = None, progress: bool = True) -> dict[str, Any]:
    """Run the whole demo and write its report; returns the summary (also in ``out/summary.json``).

    Args:
        out: output folder (created; the demo's files in it are replaced atomically).
        model: ``None`` (the shipped organism), an ``iar.VLM``, or a spec as ``iar eval --model``
            takes: ``"organism"``, ``"organism:FOLDER"``, ``"organism:smollm2[:FOLDER]"``,
            ``"tiny:llava"``, a hub id or local path.
        data: ``"organism"`` (the organism's requests), ``"smollm2"`` (the SmolLM2 organism's,
            :class:`~iar.cli.demo_data.SmolData`) or ``"typographic"`` (FigStep-style images of
            the project's own requests, or of ``data_path``); default: the model's own
            (:func:`~iar.cli.demo_data.default_data`), typographic for other models.
        data_path: a benchmark for real models (read with ``iar.benchmarks.load(benchmark, path)``).
        benchmark: the loader name for ``data_path`` (``"jsonl"``, ``"figstep"``, ...).
        seed: seeds the data, the probe split and generation.
        config: sizes and grids (:class:`DemoConfig`); default ``DemoConfig()``, or
            ``DemoConfig.smollm2()`` on the SmolLM2 organism.
        judge: refusal judge (default ``iar.judges.default()``).
        device: device for loading ``model`` from a spec (``"cuda"``, ``"cpu"``, ...).
        dtype: dtype for loading ``model`` from a spec (``"float16"``, ``"bfloat16"``, ``"auto"``).
        threads: torch CPU threads while the demo runs (restored after). Default: 1 for small
            models (d_model <= 512, e.g. the organism: its ops are too small to gain from more
            threads, and on a busy 2-core machine two threads ran 9x slower), else torch's setting.
        progress: tqdm progress bars.

    Returns:
        The summary dict (see ``docs/quickstart.md``): ``asr_text``, ``asr_image``,
        ``asr_image_steered``, ``helpfulness``, ``helpfulness_steered``, ``heads``, ``alpha``,
        ``seconds``, ... ; with ``config.compare``, ``constructions`` (each construction's
        chosen setting, test numbers, sweep, probe accuracies and the cosine of its directions to
        the main construction's).

    Example:
        >>> s = run(tempfile.mkdtemp(), "tiny:llava", data="organism", config=DemoConfig.quick(), progress=False)
        >>> sorted(k for k in s if k.startswith("asr"))
        ['asr_image', 'asr_image_steered', 'asr_text', 'asr_text_steered']
    """
    import torch

    import iar

    start, cpu_start = time.perf_counter(), time.process_time()
    if config is not None:
        config.check()
    if not isinstance(seed, int):
        raise InputError(f"seed must be an int, got {seed!r}.")
    if threads is not None and (not isinstance(threads, int) or threads < 1):
        raise InputError(f"threads must be an int >= 1 or None, got {threads!r}.")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {str(out)!r} is a file; give a folder (created if missing).")
    data_name = data or default_data(model)
    dataset = make(data_name, seed=seed, path=data_path, benchmark=benchmark)
    organism, smol = dataset.name == "organism", dataset.name == "smollm2"
    if config is None:
        config = DemoConfig.smollm2() if smol else DemoConfig()
        config.check()
    construction = config.construction or ("modality" if organism else "multi_response")
    grids = ALPHAS_SMOLLM2 if smol else ALPHAS
    explicit = {"alphas": config.alphas, "positions": config.positions}
    config = replace(config, max_new_tokens=config.max_new_tokens or (24 if organism else 32 if smol else 96),
                     batch_size=config.batch_size or (50 if organism else 16 if smol else 8),
                     construction=construction, alphas=config.alphas or grids[construction],
                     positions=config.positions or _positions(construction))
    others = [c for c in dict.fromkeys(config.compare) if c != construction]
    stages: dict[str, float] = {}
    clock = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        stages[name] = round(now - clock[0], 2)
        clock[0] = now

    vlm = _load(model, device, dtype)
    if smol and dataset.tokenizer is None:
        dataset.tokenizer = vlm.tokenizer  # the images' cells are the model's own BPE tokens
    with _threads(threads, vlm):
        if judge is None:
            judge = iar.judges.default()
        lap("load")
        torch.manual_seed(seed)

        # 1. shift: image requests vs their text counterparts
        pairs = dataset.items("train", config.n_shift, seed_offset=1)
        rec = {"batch_size": config.batch_size, "progress": progress}
        with_image = iar.record(vlm, [p.prompt for p in pairs], [p.image for p in pairs], **rec)
        as_text = iar.record(vlm, [p.text_prompt for p in pairs], **rec)
        shift = iar.ShiftReport.from_activations(with_image, as_text,
                                                 meta={"counterpart": "text request", "position": -1})
        lap("shift")

        # 2-4. per construction: contrast set, probes, MMS revision, sweep on val image requests
        queries = dataset.items("train", config.n_contrast, kind="harmful")
        if not queries:
            raise InputError("the data has no harmful train requests for the contrast set.")
        n_units = vlm.cfg.n_layers * vlm.cfg.n_heads
        ks = tuple(sorted({min(k, n_units) for k in config.ks}))
        gen = Generator(vlm, judge, config, seed, progress)
        val = dataset.items("val", config.n_val)
        cond = None
        if config.condition:
            cond = fit_condition(vlm, dataset, config, seed, progress)
            lap("condition")
        done = {}
        for c in [construction, *others]:
            where = explicit["positions"] or _positions(c)
            done[c] = revise_and_sweep(
                vlm, dataset, queries, val, gen, config, construction=c, ks=ks, metrics=metrics, lap=lap,
                alphas=explicit["alphas"] or grids[c], positions=where,
                stage="" if c == construction else f":{c}", when=cond,
                progress=progress)
        main = done[construction]
        rev, alpha, k, sweep, base = main.revision, main.alpha, main.k, main.sweep, main.base

        # 5. test: unsteered (once) and steered by each construction, image and text
        test = dataset.items("test", config.n_test)
        gen.start("test", 2 * len(test) * (1 + len(done)))
        test_rows = []
        for c in [None, *done]:
            for modality in ("text", "image"):
                rows = gen(test, modality, stage="test", split="test", steer=done[c].steer if c else None)
                test_rows += label(rows, c, others)
        gen.stop()
        lap("test")

        def of(modality: str, steered: bool, c: str = construction) -> dict[str, float]:
            return metrics([r for r in test_rows if r["modality"] == modality and r["steered"] == steered
                            and r.get("construction", c) in (c, None)])

        text0, text1, image0, image1 = of("text", False), of("text", True), of("image", False), of("image", True)
        heads = [list(h) for h in rev.top(k)]
        summary: dict[str, Any] = {
            "model": _model_name(model, vlm),
            "data": dataset.describe(),
            "asr_text": text0["asr"], "asr_text_steered": text1["asr"],
            "asr_image": image0["asr"], "asr_image_steered": image1["asr"],
            "helpfulness": image0["helpfulness"], "helpfulness_steered": image1["helpfulness"],
            "helpfulness_text": text0["helpfulness"], "helpfulness_text_steered": text1["helpfulness"],
            "heads": heads, "k": k, "alpha": alpha, "positions": config.positions,
            "construction": construction,
            "selection": {"rule": RULE.format(keep=config.keep), "rule_met": main.rule_met,
                          "val_unsteered": base, "threshold": config.keep * base["helpfulness"],
                          "robustness": main.robustness},
            "sweep": sweep,
            "n": {"shift_pairs": len(pairs), "contrast_queries": len(queries),
                  "contrast_samples": main.n_samples, "val": len(val), "test": len(test),
                  "test_harmful": image0["n_harmful"], "test_benign": image0["n_benign"]},
            "shift": {"layer_cosine": shift.layer_shift("cosine").tolist(),
                      "head_cosine": shift.head_shift("cosine").tolist()},
            "probe": {"top": [list(h) for h in rev.top(min(8, n_units))],
                      "accuracy": rev.accuracy.tolist() if rev.accuracy is not None else None},
            "judge": getattr(judge, "name", type(judge).__name__),
            "seed": seed, "config": _io.jsonable(_recorded(config)),
            "stages": stages, "torch_threads": torch.get_num_threads(),
            "iar_version": iar.__version__,
            "files": {"generations": GENERATIONS, "report": REPORT, "revision": REVISION},
        }
        if cond is not None:
            summary["condition"] = condition_summary(cond, done, test_rows)
        if others:  # side by side: every construction on the same requests, judge and rule
            summary["constructions"] = {c: side(d, of, config.keep, main, REVISION if c == construction
                                                else f"revision-{c}.safetensors") for c, d in done.items()}
        # 6. write: generations and revisions first, the report, and the summary last
        out.mkdir(parents=True, exist_ok=True)
        sweep_rows = [r for c, d in done.items() for r in label(d.rows, c, others)]
        _io.write_text(out / GENERATIONS, "".join(json.dumps(r, ensure_ascii=False) + "\n"
                                                for r in sweep_rows + test_rows))
        rev.save(out / REVISION)
        for c in others:
            done[c].revision.save(out / summary["constructions"][c]["revision"])
        from iar.cli import demo_report

        main_rows = [r for r in test_rows if r.get("construction", construction) in (construction, None)]
        examples = demo_examples(test, main_rows, config.examples)
        summary["seconds"] = round(time.perf_counter() - start, 1)
        summary["cpu_seconds"] = round(time.process_time() - cpu_start, 1)
        figures = {"shift": shift.heatmap("cosine"), "shift_layers": shift.line(),
                   "probe": rev.probe.heatmap(), "sweep": demo_report.tradeoff(sweep, base, main.chosen, config.keep)}
        for c in others:
            figures[f"probe:{c}"] = done[c].revision.probe.heatmap()
            figures[f"sweep:{c}"] = demo_report.tradeoff(done[c].sweep, done[c].base, done[c].chosen, config.keep)
        _io.write_text(out / REPORT, demo_report.render(summary, figures, examples))
        lap("write")
        summary["seconds"] = round(time.perf_counter() - start, 1)
        summary["cpu_seconds"] = round(time.process_time() - cpu_start, 1)
        _io.write_text(out / SUMMARY, json.dumps(_io.jsonable(summary), indent=1) + "\n")
        return summary


def _positions(construction: str) -> str:
    """The default steering scope: the prompt for modality vectors (read there), else everywhere."""
    return "prompt" if construction == "modality" else "all"


def _recorded(config: DemoConfig) -> dict[str, Any]:
    """The config as the summary records it (``compare`` only when set: one-construction summaries
    keep the keys they had)."""
    d = asdict(config)
    if not d["compare"]:
        del d["compare"]
    if not d["condition"]:
        for key in ("condition", "condition_layer", "condition_position", "condition_fpr", "n_condition"):
            del d[key]
    return d


def _threads(threads: int | None, vlm: Any) -> Any:
    """One thread for small models (the demo's are), unless ``threads`` says otherwise."""
    if threads is None and vlm.cfg.d_model <= 512:
        threads = 1
    return torch_threads(threads)


def _load(model: Any, device: str | None, dtype: str | None) -> Any:
    from iar.model import VLM

    if isinstance(model, VLM):
        return model
    if model is None:
        model = "organism"
    if not isinstance(model, (str, os.PathLike)):
        raise InputError(
            f"model must be None (the organism), an iar.VLM or a hub id / path, got "
            f"{type(model).__name__}; load HF objects with iar.load(model, processor) first."
        )
    from iar.resolve import load_model

    return load_model(str(model), device=device, dtype=dtype)


def _model_name(spec: Any, vlm: Any) -> str:
    if spec is None:
        return "organism"
    if isinstance(spec, (str, os.PathLike)):
        return str(spec)
    return vlm.cfg.name_or_path or f"in-memory {vlm.cfg.model_type}"


def main_text(summary: dict[str, Any], out: str | os.PathLike) -> str:
    """The few lines ``iar demo`` prints at the end.

    Example:
        >>> print(main_text({"asr_text": 0.0, "asr_image": 0.6, "asr_image_steered": 0.05,
        ...     "helpfulness": 1.0, "helpfulness_steered": 0.98, "heads": [[3, 1]], "alpha": 4.0,
        ...     "seconds": 70.0, "cpu_seconds": 90.0}, "iar-demo").splitlines()[0])
        image ASR 60.0% -> 5.0% with IAR (top 1 heads, alpha 4); text-only ASR 0.0%
    """
    def pct(x: Any) -> str:
        return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f}%"

    out = Path(out)
    return "\n".join([
        (f"image ASR {pct(summary['asr_image'])} -> {pct(summary['asr_image_steered'])} with IAR "
        f"(top {len(summary['heads'])} heads, alpha {summary['alpha']:g}"
        f"{', gated by a condition' if summary.get('construction') in (summary.get('condition') or {}).get('gates', ()) else ''}"
        f"); text-only ASR {pct(summary['asr_text'])}"),
        f"benign helpfulness {pct(summary['helpfulness'])} -> {pct(summary['helpfulness_steered'])}",
        f"{summary['seconds']:.0f} s wall, {summary['cpu_seconds']:.0f} s CPU",
        f"report:  {out / REPORT}",
        f"summary: {out / SUMMARY}",
    ])


# ------------------------------------------------------------------------------------ CLI

CLI_DESCRIPTION = (
    "Run Internal Activation Revision end to end: image-vs-text shift heatmaps, a contrast set "
    "(text vs image requests on the organism, multi-response on other models), probes on every "
    "head, an MMS head-level revision, an alpha x K sweep on a validation split, and the chosen "
    "setting on a test split before and after steering. Writes report.html, summary.json, "
    "generations.jsonl and revision.safetensors to --out. Without --model it runs offline on the "
    "shipped model organism in under a minute on 2 cores."
)


def add_arguments(p: Any) -> None:
    """The ``iar demo`` options (called by ``iar.cli``).

    Example:
        >>> import argparse
        >>> p = argparse.ArgumentParser(); add_arguments(p)
        >>> p.parse_args([]).out
        'iar-demo'
    """
    p.add_argument("--out", default="iar-demo", help="output folder (default: ./iar-demo)")
    p.add_argument("--model", help="hub id or local folder of a supported VLM (needs its weights; a "
                                   "GPU for 7B models), tiny:llava for an offline smoke run, "
                                   "organism:FOLDER, or organism:smollm2[:FOLDER] (the SmolLM2 "
                                   "organism); default: the shipped organism")
    p.add_argument("--data", help="for --model: a benchmark file/folder with harmful (and benign) image "
                                  "items (default: the project's own typographic requests)")
    p.add_argument("--benchmark", default="jsonl",
                   help="loader for --data: jsonl (default), figstep, mm_safetybench, vlguard")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="tiny sizes (a smoke test; numbers mean nothing)")
    p.add_argument("--alphas", type=float, nargs="+", help="sweep these alphas")
    p.add_argument("--ks", type=int, nargs="+", help="sweep these numbers of top heads")
    p.add_argument("--n-val", type=int, help="val requests in the sweep")
    p.add_argument("--n-test", type=int, help="test requests")
    p.add_argument("--max-new-tokens", type=int, help="answer length (24 organism, 32 SmolLM2, 96 real models)")
    p.add_argument("--batch-size", type=int, help="requests per generation batch")
    p.add_argument("--construction", choices=CONSTRUCTIONS,
                   help="contrast set (default: modality on the organism, multi_response otherwise)")
    p.add_argument("--compare", nargs="*", choices=CONSTRUCTIONS, metavar="CONSTRUCTION",
                   help="also run these constructions, side by side in the report (default: modality "
                        "on the SmolLM2 organism, none otherwise; --compare alone: none)")
    p.add_argument("--positions", help="steering scope: all, prompt, generated, image, text (default: "
                                       "prompt for the modality construction, else all)")
    p.add_argument("--condition", choices=("gate", "graded"),
                   help="steer only the requests a condition fitted on train image requests flags "
                        "(every construction; default: unconditional)")
    p.add_argument("--condition-layer", type=int, help="the layer whose resid_pre the condition reads "
                                                        "(default: 40%% of the depth)")
    p.add_argument("--condition-position", choices=POSITIONS,
                   help="where the condition reads it: the last prompt token (default), the mean over "
                        "text tokens, image tokens, or every prompt token")
    p.add_argument("--device", help="cuda, cpu, ... for --model")
    p.add_argument("--dtype", help="float16, bfloat16, float32 or auto for --model")
    p.add_argument("--threads", type=int, help="torch CPU threads (default: 1 for small models such "
                                                "as the organism, else torch's default)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def run_cli(args: Any) -> int:
    """Handler of ``iar demo``: build the config from the flags, run, print the headline.

    Example:
        >>> from iar.cli import main
        >>> main(["demo", "--model", "tiny:llava", "--quick", "--quiet", "--out", tempfile.mkdtemp()])  # doctest: +SKIP
        0
    """
    if default_data(args.model) == "smollm2":
        config = DemoConfig.smollm2(quick=args.quick)
    else:
        config = DemoConfig.quick() if args.quick else DemoConfig()
    changes = {"compare": tuple(args.compare) if args.compare is not None else None,
               "alphas": tuple(args.alphas) if args.alphas else None, "ks": tuple(args.ks) if args.ks else None,
               "n_val": args.n_val, "n_test": args.n_test, "max_new_tokens": args.max_new_tokens,
               "batch_size": args.batch_size, "positions": args.positions,
               "construction": args.construction, "condition": args.condition,
               "condition_layer": args.condition_layer, "condition_position": args.condition_position}
    config = replace(config, **{k: v for k, v in changes.items() if v is not None})
    if args.data is not None and args.model is None:
        raise InputError("--data is for real models; add --model ID_OR_PATH (the organism brings its own requests).")
    summary = run(args.out, args.model, data_path=args.data, benchmark=args.benchmark, seed=args.seed,
                  config=config, device=args.device, dtype=args.dtype, threads=args.threads,
                  progress=not args.quiet)
    print(main_text(summary, args.out))
    return 0


__all__ = ["ALPHAS", "ALPHAS_SMOLLM2", "CONSTRUCTIONS", "RULE", "DemoConfig", "choose", "helpful", "main_text", "metrics", "run"]
