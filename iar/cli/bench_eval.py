"""``iar bench eval``: evaluation throughput with N data-parallel CPU processes against one.

Both sides run the same worker (``python -m iar.cli.bench_eval WORKDIR``) under torchrun on the
same items, the same random-weight model (``iar bench``'s ``small`` shape) and one torch thread per process (``OMP_NUM_THREADS=1``, so that
one process uses one core and N processes N cores). Each process loads the model and runs a
warm-up generation; then all processes meet at a barrier and the clock starts; it stops when the
merged run file is written (rank 0, after the last process finished). So the timed part is what
data parallelism changes: generation, judging, writing the shards and merging them, not the
launch, the imports or the model load, which are reported separately as ``command_s`` (the whole
command's wall time).

    >>> from iar.cli.bench_eval import bench_eval
    >>> r = bench_eval(quick=True)  # doctest: +SKIP
    >>> r["throughput_ratio"] > 1  # doctest: +SKIP
    True
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from iar.errors import InputError

_PROMPTS = ("How is thing {i} made at home?", "Describe step {i} of the process in detail.",
            "Write a short story about robot number {i}.", "What are the risks of task {i}?")


def _worker(work: str) -> int:
    """One process of the bench (run by torchrun): time `evaluate_sharded` after a warm-up."""
    import iar
    from iar.evaluation import parallel
    from iar.resolve import load_model

    cfg = json.loads((Path(work) / "config.json").read_text())
    state = parallel.distributed_state("cpu") if parallel.is_distributed() else None
    if cfg["model"].startswith("shape:"):  # a random LLaVA-style model of iar bench's shapes
        from iar.cli.bench_models import build_models

        vlm = build_models(cfg["model"].removeprefix("shape:"), seed=0).vlm
    else:
        vlm = load_model(cfg["model"], device="cpu")
    bench = iar.benchmarks.jsonl(str(Path(work) / "items.jsonl"))
    judge = iar.judges.KeywordJudge("xstest")
    iar.evaluate(vlm, bench.items[:1], judge=judge, max_new_tokens=cfg["max_new_tokens"],
                 progress=False)  # warm-up
    if state is not None:
        state.wait_for_everyone()
    t0 = time.perf_counter()
    out = Path(work) / f"run{cfg['processes']}.jsonl"
    report = parallel.evaluate_sharded(vlm, bench, out=out, state=state, judge=judge,
                                       batch_size=cfg["batch_size"],
                                       max_new_tokens=cfg["max_new_tokens"], resume=False,
                                       progress=False)
    seconds = time.perf_counter() - t0
    if state is None or state.is_main_process:
        (Path(work) / f"timing{cfg['processes']}.json").write_text(json.dumps(
            {"eval_s": seconds, "items": len(report.rows),
             "tokens": sum(int(r["tokens"]) for r in report.rows)}))
    return 0


def _launch(work: Path, processes: int, timeout: float) -> float:
    cfg = json.loads((work / "config.json").read_text())
    (work / "config.json").write_text(json.dumps({**cfg, "processes": processes}))
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "OMP_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                           "--nproc_per_node", str(processes), "-m", "iar.cli.bench_eval", str(work)],
                          env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"bench eval with {processes} process(es) failed:\n{proc.stdout[-2000:]}"
                           f"\n{proc.stderr[-3000:]}")
    return time.perf_counter() - t0


def bench_eval(quick: bool = False, seed: int = 0, *, processes: int = 2, items: int | None = None,
               max_new_tokens: int | None = None, batch_size: int = 2, model: str = "shape:small",
               timeout: float = 600) -> dict[str, Any]:
    """Evaluation throughput (items per second of the timed part) with ``processes`` CPU
    processes over one process, on the same items and model.

    Args:
        quick: 8 items of 8 new tokens (default 32 items of 16).
        seed: unused (the tiny model and the items are fixed); kept for the bench interface.
        processes: data-parallel processes of the second side.
        items: override the number of items.
        max_new_tokens: override the generation length.
        batch_size: items per batch (the same on both sides).
        model: ``shape:NAME`` (a random LLaVA-style model of ``iar bench``'s shapes, seeded, the
            same in every process; default ``shape:small``) or a spec of `iar.resolve.load_model`
            such as ``tiny:llava``.
        timeout: seconds each side may take.

    Returns:
        dict with ``throughput_ratio`` (items/s with N processes over items/s with one),
        ``eval_s`` and ``items_per_s`` per side, ``command_s`` (whole command, including launch,
        imports and model load), ``same_rows`` (the two run files agree on every row but its
        timing) and the load average.
    """
    if processes < 2:
        raise InputError(f"processes={processes}: the bench compares N >= 2 processes with one.")
    n = items or (8 if quick else 32)
    tokens = max_new_tokens or (8 if quick else 16)
    load_before = [round(v, 2) for v in os.getloadavg()] if hasattr(os, "getloadavg") else None
    with tempfile.TemporaryDirectory(prefix="iar-bench-eval-") as tmp:
        work = Path(tmp)
        (work / "items.jsonl").write_text("".join(
            json.dumps({"id": f"q{i}", "prompt": _PROMPTS[i % len(_PROMPTS)].format(i=i),
                        "category": f"c{i % 3}", "kind": "harmful"}) + "\n" for i in range(n)))
        (work / "config.json").write_text(json.dumps(
            {"model": model, "max_new_tokens": tokens, "batch_size": batch_size}))
        command = {str(p): _launch(work, p, timeout) for p in (1, processes)}
        timing = {str(p): json.loads((work / f"timing{p}.json").read_text()) for p in (1, processes)}

        def rows(p: int) -> list[dict[str, Any]]:
            lines = (work / f"run{p}.jsonl").read_text().splitlines()[1:]
            return [{k: v for k, v in json.loads(x).items() if k != "seconds"} for x in lines]

        same = rows(1) == rows(processes)
    per_s = {p: t["items"] / t["eval_s"] for p, t in timing.items()}
    return {
        "bench": "eval", "quick": bool(quick), "model": model, "items": n,
        "max_new_tokens": tokens, "batch_size": batch_size, "processes": processes,
        "threads_per_process": 1,
        "eval_s": {p: t["eval_s"] for p, t in timing.items()},
        "items_per_s": per_s,
        "throughput_ratio": per_s[str(processes)] / per_s["1"],
        "command_s": command,
        "same_rows": same,
        "cpu_count": os.cpu_count(),
        "loadavg_before": load_before,
        "loadavg_after": [round(v, 2) for v in os.getloadavg()] if hasattr(os, "getloadavg") else None,
    }


def format_eval(r: dict[str, Any]) -> str:
    """The text form of `bench_eval`'s result."""
    p = str(r["processes"])
    return "\n".join([
        f"eval: {r['items']} items x {r['max_new_tokens']} new tokens, batch {r['batch_size']}, "
        f"{r['model']}, 1 torch thread per process (timed: after warm-up, barrier to merged file)",
        f"  1 process       : {r['eval_s']['1']:7.2f} s  {r['items_per_s']['1']:7.2f} items/s  "
        f"(command {r['command_s']['1']:.1f} s)",
        f"  {p} processes     : {r['eval_s'][p]:7.2f} s  {r['items_per_s'][p]:7.2f} items/s  "
        f"(command {r['command_s'][p]:.1f} s)",
        f"  throughput ratio: {r['throughput_ratio']:7.2f} x   same rows: {r['same_rows']}",
        f"  {r['cpu_count']} CPUs, load average {r['loadavg_before']} -> {r['loadavg_after']}",
    ])


if __name__ == "__main__":
    sys.exit(_worker(sys.argv[1]))
