"""``iar tune``: choose alpha, K and the scope by measurement (``iar.tune`` from the shell).

    iar tune --revision rev.safetensors --out runs/tune.jsonl                # the organism's val split
    iar tune --model ID --revision rev.safetensors --benchmark jsonl --data val.jsonl --out t.jsonl
    iar tune --processes 2 ...   # the grid's cells split across 2 processes (torchrun)

Writes the resumable run file ``--out``, ``OUT.summary.json`` (chosen setting, rule, fronts,
robustness, every cell) and ``OUT.html`` (the tradeoff figure); prints the table.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from iar import _io
from iar.cli import launch
from iar.errors import InputError

DESCRIPTION = (
    "Evaluate every alpha x K x scope steering setting (optionally with a condition) on validation "
    "requests, choose one by a rule, and report the tradeoff: table, Pareto fronts, neighbouring "
    "alphas and a bootstrap interval at the chosen setting. Rerunning the same command resumes "
    "--out without recomputing finished cells."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The ``iar tune`` options.

    Example:
        >>> p = argparse.ArgumentParser(); add_arguments(p)
        >>> p.parse_args(["--revision", "r", "--out", "o"]).ks
        [2, 4, 8]
    """
    from iar.benchmarks import LOADERS

    p.add_argument("--model", default="organism",
                   help="hub id or folder of a supported VLM, tiny:llava, or organism[:FOLDER] (default)")
    p.add_argument("--revision", required=True, help="head-level revision file (iar.Revision.save)")
    p.add_argument("--condition", help="condition file (iar.Condition.save): steer only when it fires")
    p.add_argument("--out", required=True, help="JSONL run file (resumable), e.g. runs/tune.jsonl")
    p.add_argument("--benchmark", choices=sorted(LOADERS),
                   help="loader of --data (items with kind harmful / benign); omit for the organism")
    p.add_argument("--data", help="validation benchmark file or folder (with --benchmark)")
    p.add_argument("--split", default="val", help="organism split (default val)")
    p.add_argument("--n", type=int, default=60, help="organism requests, half harmful (default 60)")
    p.add_argument("--modality", default="image", choices=("image", "text"),
                   help="organism requests as image (default) or text")
    p.add_argument("--alphas", type=float, nargs="+", default=[0.25, 0.5, 0.75, 1.0, 1.5],
                   help="steering strengths (default 0.25 0.5 0.75 1 1.5)")
    p.add_argument("--ks", type=int, nargs="+", default=[2, 4, 8], help="top-K heads (default 2 4 8)")
    p.add_argument("--positions", nargs="+", default=["prompt"],
                   help="steering scopes: all, prompt, generated, image, text (default prompt)")
    p.add_argument("--judge", default="default", help="default, keyword:xstest, ... as for iar eval")
    p.add_argument("--rule", default="min_asr", choices=("min_asr", "max_helpfulness"))
    p.add_argument("--min-helpfulness", type=float, default=0.9,
                   help="min_asr rule: keep helpfulness >= this x unsteered (default 0.9)")
    p.add_argument("--max-asr", type=float, default=0.1, help="max_helpfulness rule: ASR bound (0.1)")
    p.add_argument("--batch-size", type=int, default=50, help="requests per batch (default 50)")
    p.add_argument("--max-new-tokens", type=int, default=24, help="answer length (default 24)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", help="cuda, cpu, ...")
    p.add_argument("--dtype", help="float16, bfloat16, float32 or auto")
    p.add_argument("--threads", type=int, help="torch CPU threads (default: 1 for small models such "
                                                "as the organism, else torch's default)")
    p.add_argument("--no-resume", action="store_true", help="start --out over")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    launch.add_processes(p, "the grid's cells")
    launch.add_placement(p)


def organism_requests(split: str, n: int, seed: int, modality: str = "image") -> tuple[list, list, Any]:
    """The organism's requests as ``(harmful items, benign items, check)`` for :func:`iar.tune`.

    ``check(item, response)`` is the organism's answer key (``Request.check``).

    Example:
        >>> h, b, check = organism_requests("val", 4, 0)
        >>> len(h), len(b), b[0].kind
        (2, 2, 'benign')
    """
    from iar.benchmarks import Item
    from iar.organism import requests

    reqs = requests(split, n, seed, modality=modality)
    items = [Item(id=r.id, category=str(r.action), prompt=r.prompt, kind=r.kind, image_source=r.image)
             for r in reqs]
    checks = {r.id: r.check for r in reqs}

    def check(item: Any, response: str) -> bool | None:
        return checks[item.id](response) if item.id in checks else None

    return ([it for it in items if it.kind == "harmful"], [it for it in items if it.kind == "benign"],
            check)


def run_cli(args: argparse.Namespace) -> int:
    """Handler of ``iar tune``.

    Example:
        >>> run_cli(parser.parse_args([...]))  # doctest: +SKIP
        0
    """
    import iar
    from iar.cli.demo import _threads
    from iar.resolve import load_model

    if (args.data is None) != (args.benchmark is None):
        raise InputError("--data and --benchmark go together (a validation benchmark file and its loader).")
    place = launch.placement(args)  # its errors before any relaunch or loading
    code = launch.relaunch_if_asked(args, "the grid's cells")
    if code is not None:
        return code
    check = None
    if args.data is not None:
        bench = iar.benchmarks.load(args.benchmark, args.data)
        harmful = [it for it in bench.items if it.kind == "harmful"]
        benign = [it for it in bench.items if it.kind == "benign"]
    else:
        if not args.model.split(":", 1)[0] == "organism":
            raise InputError("without --data, iar tune uses the organism's requests; pass --data and "
                             "--benchmark for another model.")
        harmful, benign, check = organism_requests(args.split, args.n, args.seed, args.modality)
    revision = iar.Revision.load(args.revision)
    when = iar.Condition.load(args.condition) if args.condition else None
    state, device = launch.process_state(args.device)
    vlm = load_model(args.model, device=device, dtype=args.dtype, **place)
    with _threads(args.threads, vlm):
        report = _tune(iar, vlm, revision, harmful, benign, when, check, args, state)
    if state is not None and not state.is_main_process:
        return 0  # rank 0 writes the summary and the figure, and prints
    out = Path(args.out)
    summary = out.with_suffix(".summary.json")
    figure = out.with_suffix(".html")
    _io.write_text(summary, json.dumps(report.summary(), indent=1) + "\n")
    _io.write_text(figure, report.figure().to_html(include_plotlyjs=True, full_html=True))
    print(report.table())
    print(f"run file: {out}\nsummary:  {summary}\nfigure:   {figure}")
    return 0


def _tune(iar: Any, vlm: Any, revision: Any, harmful: list, benign: list, when: Any, check: Any,
          args: argparse.Namespace, state: Any = None) -> Any:
    make_judge = getattr(args, "make_judge", None)  # iar.cli.commands passes its judge factory
    if make_judge is None:
        if args.judge != "default":
            raise InputError("pass make_judge= (iar.cli.commands._make_judge) for judges other than default.")
        make_judge = lambda spec: iar.judges.default()  # noqa: E731
    return iar.tune(vlm, revision, harmful, benign, alphas=args.alphas, ks=args.ks,
                    positions=args.positions, when=when, judge=make_judge(args.judge),
                    rule=args.rule, min_helpfulness=args.min_helpfulness, max_asr=args.max_asr,
                    check=check, batch_size=args.batch_size, max_new_tokens=args.max_new_tokens,
                    out=args.out, resume=not args.no_resume, seed=args.seed,
                    progress=not args.quiet, state=state)
