"""The ``iar`` command.

    iar eval --model ID_OR_PATH --benchmark figstep --data DIR --out runs/NAME.jsonl
    iar render figstep CSV OUTDIR

Each subcommand is registered by a small ``_add_<name>(subparsers)`` function that sets
``func`` (the handler, taking the parsed args and returning an exit code); add yours to
`SUBCOMMANDS`. ``--model`` also takes ``tiny:ARCH`` (an `iar.testing.tiny_vlm` architecture, for
offline checks) and ``organism`` / ``organism:FOLDER`` (the trained model organism) or
``organism:smollm2[:FOLDER]`` (the SmolLM2 organism; see `iar.resolve.load_model`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from iar import _io
from iar.cli import launch
from iar.errors import DependencyError, IarError, InputError
from iar.resolve import load_model


# -------------------------------------------------------------------------------------- eval

def _add_eval(sub: argparse._SubParsersAction) -> None:
    from iar.benchmarks import LOADERS

    p = sub.add_parser("eval", help="evaluate a model on a benchmark (resumable JSONL run file)",
                       description="Generate answers for every benchmark item, judge refusals and "
                                   "append each finished item to --out at once; rerunning the same "
                                   "command resumes where it stopped.")
    p.add_argument("--model", required=True,
                   help="hub id or local folder of a supported VLM; tiny:llava (etc.) for a tiny "
                        "offline model; organism (or organism:FOLDER) for the model organism, "
                        "organism:smollm2[:FOLDER] for the SmolLM2 one")
    p.add_argument("--benchmark", required=True, choices=sorted(LOADERS), help="benchmark format")
    p.add_argument("--data", required=True, help="benchmark folder or file (or a datasets hub id)")
    p.add_argument("--out", required=True, help="JSONL run file, e.g. runs/NAME.jsonl")
    p.add_argument("--subset", help="vlguard subset (unsafes, safe_unsafes, safe_safes) or "
                                    "mm_safetybench image type (SD, TYPO, SD_TYPO, text)")
    p.add_argument("--revision", help="revision file (iar.Revision.save) to steer with")
    p.add_argument("--heads", type=int, help="steer the top K heads (head-level revision)")
    p.add_argument("--layers", type=int, nargs="+", help="steer these layers (layer-level revision)")
    p.add_argument("--alpha", type=float, default=1.0, help="steering strength (default 1.0)")
    p.add_argument("--positions", default="all",
                   help="steering scope: all, prompt, generated, image or text (default all)")
    p.add_argument("--condition", help="condition file (iar.Condition.save): steer only the items it "
                                       "fires on; each row records the decision")
    p.add_argument("--judge", default="default",
                   help="default, keyword:xstest, keyword:gcg, keyword:vlguard, or model:ID_OR_PATH")
    p.add_argument("--limit", type=int, help="only the first N items")
    p.add_argument("--batch-size", type=int, default=8, help="items per batch (default 8)")
    p.add_argument("--max-new-tokens", type=int, default=256, help="default 256")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", help="cuda, cpu, ... (default: the model's)")
    p.add_argument("--dtype", help="float16, bfloat16, float32 or auto")
    p.add_argument("--no-resume", action="store_true", help="start --out over instead of resuming")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    launch.add_processes(p, "the items")
    launch.add_placement(p)
    p.set_defaults(func=_run_eval)


def _make_judge(spec: str) -> Any:
    from iar.evaluation.rejudge import make_judge

    return make_judge(spec)


def _load_benchmark(args: argparse.Namespace):
    from iar import benchmarks

    kwargs: dict[str, Any] = {}
    if args.subset:
        key = {"vlguard": "subset", "mm_safetybench": "image_type"}.get(args.benchmark)
        if key is None:
            raise InputError(f"--subset applies to vlguard and mm_safetybench, not {args.benchmark}.")
        kwargs[key] = args.subset
    return benchmarks.load(args.benchmark, args.data, **kwargs)


def _steer_args(args: argparse.Namespace) -> dict[str, Any] | None:
    if args.revision is None:
        if args.heads is not None or args.layers is not None or getattr(args, "condition", None):
            raise InputError("--heads/--layers/--condition need --revision FILE (a saved iar.Revision).")
        return None
    from iar.revision import Revision

    steer: dict[str, Any] = {"revision": Revision.load(args.revision), "alpha": args.alpha,
                             "positions": args.positions}
    if args.heads is not None:
        steer["heads"] = args.heads
    if args.layers is not None:
        steer["layers"] = args.layers
    if getattr(args, "condition", None):
        from iar.condition import Condition

        steer["when"] = Condition.load(args.condition)
    return steer


def _run_eval(args: argparse.Namespace) -> int:
    from iar.evaluation import parallel

    if args.limit is not None and args.limit < 1:  # before any model is loaded
        raise InputError(f"--limit {args.limit} selects no items; pass --limit N with N >= 1, or "
                         "leave it out for all items.")
    place = launch.placement(args)  # its errors before any relaunch or loading
    code = launch.relaunch_if_asked(args, "the items")
    if code is not None:
        return code
    bench = _load_benchmark(args)
    judge = _make_judge(args.judge)
    steer = _steer_args(args)
    from iar.evaluation.runs import RunMismatchError

    state, device = launch.process_state(args.device)
    vlm = load_model(args.model, device=device, dtype=args.dtype, **place)
    try:
        report = parallel.evaluate_sharded(
            vlm, bench, steer=steer, judge=judge, batch_size=args.batch_size,
            max_new_tokens=args.max_new_tokens, out=args.out, resume=not args.no_resume,
            limit=args.limit, seed=args.seed, progress=not args.quiet, state=state)
    except RunMismatchError as e:  # name the command's way to start over, not the Python one
        raise InputError(e.message("--no-resume", "another --out")) from None
    if state is not None and not state.is_main_process:
        return 0  # rank 0 writes the summary and prints
    summary = {**report.summary(), "asr_by_category": report.asr_by_category(),
               "model": args.model, "benchmark": args.benchmark, "judge": report.meta.get("judge"),
               "steer": report.meta.get("steer"), "paths": report.paths, "run_file": str(args.out)}
    summary_path = Path(args.out).with_suffix(".summary.json")
    # NaN (a metric with no items, e.g. over-refusal of a harmful-only run) is written as null:
    # bare NaN is not JSON
    _io.write_text(summary_path, json.dumps(_io.jsonable(summary), indent=1, allow_nan=False) + "\n")
    print(report.table())
    print(f"rows: {args.out}\nsummary: {summary_path}")
    return 0


# ------------------------------------------------------------------------------------ render

def _add_render(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("render", help="write typographic attack images",
                       description="Render the typographic images of a benchmark.")
    kinds = p.add_subparsers(dest="kind", required=True, metavar="KIND")
    f = kinds.add_parser("figstep", help="FigStep images from a SafeBench CSV",
                         description="Write query_{dataset}_{category_id}_{task_id}_6.png for every "
                                     "row of a SafeBench CSV, as FigStep published them.")
    f.add_argument("csv", help="SafeBench CSV (dataset,category_id,task_id,category_name,question,"
                               "instruction)")
    f.add_argument("outdir", help="folder for the PNG files (created if missing)")
    f.add_argument("--font", help="path to FreeMonoBold.ttf (found on the system by default)")
    f.add_argument("--overwrite", action="store_true", help="replace existing images")
    f.set_defaults(func=_run_render_figstep)


def _run_render_figstep(args: argparse.Namespace) -> int:
    from iar._progress import tqdm

    from iar.benchmarks import figstep

    bench = figstep(args.csv, images="render", font=args.font)
    out = Path(args.outdir)
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for item in tqdm(bench, desc="render figstep", unit="img"):
        m = item.meta
        path = out / f"query_{m['dataset']}_{m['category_id']}_{m['task_id']}_6.png"
        if path.exists() and not args.overwrite:
            continue
        _io.atomic_write(path, lambda tmp, image=item.image: image.save(tmp, format="PNG"))
        written += 1
    print(f"wrote {written} images to {out} ({len(bench) - written} already there)")
    return 0


# -------------------------------------------------------------------------------------- demo

def _add_demo(sub: argparse._SubParsersAction) -> None:
    from iar.cli import demo

    p = sub.add_parser("demo", help="the whole method end to end (organism by default, offline)",
                       description=demo.CLI_DESCRIPTION)
    demo.add_arguments(p)
    p.set_defaults(func=demo.run_cli)


# ---------------------------------------------------------------------------------- organism

def _add_organism(sub: argparse._SubParsersAction) -> None:
    from iar.organism import cli as organism_cli

    p = sub.add_parser("organism", help="train the model organism, or check its behaviours",
                       description=organism_cli.DESCRIPTION)
    organism_cli.add_arguments(p)


# ------------------------------------------------------------------------------------- bench

def _add_bench(sub: argparse._SubParsersAction) -> None:
    from iar.cli import bench_gen  # imports torch only when a bench runs

    p = sub.add_parser("bench", help="performance: probes, steer, record vs their baselines",
                       description="Side-by-side benchmarks, medians and ratios measured in one "
                                   "run (docs/performance.md).")
    bench_gen.add_arguments(p)
    p.set_defaults(func=bench_gen.run_cli)


# -------------------------------------------------------------------------------------- tune

def _add_tune(sub: argparse._SubParsersAction) -> None:
    from iar.cli import tune

    p = sub.add_parser("tune", help="choose alpha, K and scope by measurement (resumable grid)",
                       description=tune.DESCRIPTION)
    tune.add_arguments(p)
    p.set_defaults(func=tune.run_cli, make_judge=_make_judge)


# -------------------------------------------------------------------------------------- main

def _add_judge(sub: argparse._SubParsersAction) -> None:
    from iar.evaluation.rejudge import SPECS, main

    p = sub.add_parser("judge", help="re-judge a run file, or measure agreement between two judges",
                       description="Rescore an `iar eval` run file with another judge (no regeneration) "
                                   "and/or print Cohen's kappa and the disagreeing rows of two judges.")
    p.add_argument("run", help="JSONL run file written by `iar eval --out`")
    p.add_argument("--judge", help=f"judge to rescore with: {', '.join(SPECS)}")
    p.add_argument("--out", help="write the rescored run here (a new file)")
    p.add_argument("--compare", help="judge spec to compare with (--judge, or the run's stored verdicts)")
    p.add_argument("--show", type=int, default=20, help="disagreeing rows to print (default 20)")
    p.set_defaults(func=lambda a: main(a.run, a.judge, a.out, a.compare, a.show))


SUBCOMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    _add_eval, _add_render, _add_demo, _add_organism, _add_bench, _add_tune, _add_judge,
]


def build_parser() -> argparse.ArgumentParser:
    """The ``iar`` argument parser with every registered subcommand.

    Example:
        >>> build_parser().parse_args(["render", "figstep", "a.csv", "out"]).kind
        'figstep'
    """
    import iar

    parser = argparse.ArgumentParser(prog="iar", description="Internal Activation Revision for "
                                     "vision-language models: evaluate, render, steer.")
    parser.add_argument("--version", action="version", version=f"iar {iar.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in SUBCOMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``iar`` command; returns the exit code (errors print a one-line fix).

    Example:
        >>> main(["render", "figstep", "tests/fixtures/figstep/SafeBench-Demo.csv", "/tmp/iar-fs"])
        ... # doctest: +SKIP
        0
    """
    args = build_parser().parse_args(argv)
    args.argv = list(argv) if argv is not None else sys.argv[1:]  # for relaunching (--processes)
    try:
        return int(args.func(args) or 0)
    except (IarError, DependencyError) as e:
        print(f"iar {args.command}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
