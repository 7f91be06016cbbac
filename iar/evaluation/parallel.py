"""Data-parallel evaluation: one benchmark across the processes of ``torchrun`` (or ``accelerate
launch``), each writing its own shard of the run file, merged by rank 0 into the file a single
process would have written.

    torchrun --standalone --nproc_per_node 2 -m iar eval --model tiny:llava ... --out runs/r.jsonl
    iar eval --processes 2 ...   # the same, launched for you

How the work is cut. Items are cut into the same fixed chunks of ``batch_size`` (in benchmark
order) as in `iar.evaluate`; the chunks that still miss a row are split into contiguous runs, one
per process (`accelerate.PartialState.split_between_processes`). Whole chunks, never single items,
go to a process, so every batch holds exactly the items it holds in a single-process run: padding,
and thus every greedy output, is the same whichever process ran it.

Files. Rank ``r`` of ``n`` appends to ``runs/r.rank{r}-of-{n}.jsonl`` (same header and rows as a
run file, resumable the same way). After all processes finished, rank 0 merges the rows of the run
file and of every shard (any ``n``) by item id, in benchmark order, writes the run file atomically
(temporary file, ``fsync``, ``os.replace``), and only then removes the shards. A rerun after any
process was killed counts every row already in the run file or in any shard as done, regenerates
only chunks that miss a row, and the merge keeps one row per item.
"""

from __future__ import annotations

import datetime
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from iar.benchmarks import Benchmark, Item
from iar.errors import DataError, InputError
from iar.evaluation.runs import EvalReport, _check_same_run, _read_run, evaluate, run_meta

__all__ = ["distributed_state", "evaluate_sharded", "is_distributed", "shard_paths"]


def is_distributed() -> bool:
    """Whether this process was started by a launcher with more than one process
    (``WORLD_SIZE`` > 1 in the environment, as torchrun and accelerate set it).

    Example:
        >>> is_distributed() == (int(os.environ.get("WORLD_SIZE", "1")) > 1)
        True
    """
    try:
        return int(os.environ.get("WORLD_SIZE", "1")) > 1
    except ValueError:
        return False


def distributed_state(device: str | None = None) -> Any:
    """The `accelerate.PartialState` of this process: on CPU (no CUDA, or ``device="cpu"``) with
    ``cpu=True``, since without it accelerate sees no distribution on CPU (gloo backend), else
    one GPU per process (NCCL). The process group's timeout is a day: processes wait for the
    slowest one at the merge, and a crashed process ends the others through the launcher anyway.
    """
    import torch
    from accelerate import PartialState

    cpu = (device is not None and str(device).startswith("cpu")) or not torch.cuda.is_available()
    return PartialState(cpu=cpu, timeout=datetime.timedelta(hours=24))


def shard_paths(out: str | os.PathLike) -> list[Path]:
    """The shard files of run file ``out`` that exist (any number of processes), sorted.

    Example:
        >>> shard_paths("no/such/run.jsonl")
        []
    """
    path = Path(out)
    if not path.parent.is_dir():
        return []
    return sorted(path.parent.glob(f"{path.stem}.rank*-of-*{path.suffix}"))


def _shard_path(out: Path, rank: int, n: int) -> Path:
    return out.with_name(f"{out.stem}.rank{rank}-of-{n}{out.suffix}")


def _rows_of(path: Path, meta: dict[str, Any]) -> list[dict[str, Any]]:
    if not path.exists() or path.stat().st_size == 0:
        return []
    old_meta, rows, _ = _read_run(path)
    if not old_meta and rows:
        raise InputError(f"{path} is not an iar run file (its first line is no {{\"_meta\": ...}} "
                         "header) and holds other data; pass a new out path. Nothing was written.")
    if old_meta:
        _check_same_run(path, old_meta, meta)
    return rows


def evaluate_sharded(vlm: Any, benchmark: Benchmark | Sequence[Item], *, out: str | os.PathLike,
                     state: Any = None, steer: dict[str, Any] | None = None, judge: Any = None,
                     batch_size: int = 8, max_new_tokens: int = 256, resume: bool = True,
                     limit: int | None = None, seed: int = 0, progress: bool = True,
                     generate_kwargs: dict[str, Any] | None = None) -> EvalReport:
    """`iar.evaluate` with the items split across the processes of a launcher; every process
    calls it with the same arguments. With one process it is `iar.evaluate` itself.

    ``benchmark``, ``steer``, ``judge``, ``batch_size``, ``max_new_tokens``, ``resume``,
    ``limit``, ``seed``, ``progress`` and ``generate_kwargs`` are those of `iar.evaluate`
    (``progress`` shows rank 0's bar only).

    Args:
        vlm: this process's model (on its own device).
        out: the run file (required: the shards live next to it).
        state: an `accelerate.PartialState`; None makes one (`distributed_state`) under a
            launcher, and runs `iar.evaluate` without one.

    Returns:
        On every process, the `EvalReport` of the merged run file's rows, in benchmark order.
    """
    if out is None:
        raise InputError("evaluate_sharded needs out=PATH: each process writes a shard next to it.")
    if Path(out).is_dir():
        raise InputError(f"out={str(out)!r} is a folder; pass a file path such as "
                         f"{str(Path(out) / 'run.jsonl')!r}.")
    if state is None and is_distributed():
        state = distributed_state(str(getattr(vlm, "device", "")) or None)
    kwargs = dict(steer=steer, judge=judge, batch_size=batch_size, max_new_tokens=max_new_tokens,
                  seed=seed, generate_kwargs=generate_kwargs)
    if state is None or state.num_processes == 1:
        # shards of an interrupted multi-process run count as done here too
        path = Path(out)
        if shard_paths(path):
            if resume:
                if judge is None:
                    kwargs["judge"] = judge = _default()
                bench = (benchmark if isinstance(benchmark, Benchmark)
                         else Benchmark("items", list(benchmark)))
                meta = {**run_meta(vlm, bench, steer, judge, max_new_tokens,
                                   dict(generate_kwargs or {}), seed, batch_size), "name": path.stem}
                for p in [path, *shard_paths(path)]:
                    _rows_of(p, meta)  # the settings check, before anything is rewritten
                _merge(path, [], meta)
            else:
                for p in shard_paths(path):
                    p.unlink(missing_ok=True)
        return evaluate(vlm, benchmark, out=out, resume=resume, limit=limit, progress=progress,
                        **kwargs)
    if not isinstance(benchmark, Benchmark):
        benchmark = Benchmark("items", list(benchmark))
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise InputError(f"batch_size must be an int >= 1, got {batch_size!r}.")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise InputError(f"limit must be an int >= 1 (or None for all items), got {limit!r}.")
    items = benchmark.items[:limit] if limit is not None else benchmark.items
    if not items:
        raise InputError(f"the benchmark has no items ({benchmark.name!r} is empty); check what "
                         "loaded it.")
    if judge is None:
        kwargs["judge"] = judge = _default()
    path = Path(out)
    meta = {**run_meta(vlm, benchmark, steer, judge, max_new_tokens, dict(generate_kwargs or {}),
                       seed, batch_size), "name": path.stem}
    rank, n = state.process_index, state.num_processes
    if state.is_main_process:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not resume:
            for p in [path, *shard_paths(path)]:
                p.unlink(missing_ok=True)
    state.wait_for_everyone()
    done = {r["id"] for p in [path, *shard_paths(path)] for r in _rows_of(p, meta)}
    state.wait_for_everyone()  # every process has read the same files before any writes
    chunks = [items[i:i + batch_size] for i in range(0, len(items), batch_size)]
    todo = [c for c in chunks if any(it.id not in done for it in c)]
    with state.split_between_processes(todo) as mine:
        mine = list(mine)
    if mine:
        part = Benchmark(benchmark.name, [it for c in mine for it in c], benchmark.meta)
        evaluate(vlm, part, out=_shard_path(path, rank, n), resume=True,
                 progress=progress and state.is_main_process, **kwargs)
    state.wait_for_everyone()
    if state.is_main_process:
        _merge(path, items, meta)
    state.wait_for_everyone()
    report = EvalReport.load(path)
    wanted = {it.id for it in items}
    return EvalReport([r for r in report.rows if r["id"] in wanted], report.meta)


def _default() -> Any:
    from iar.judges import default

    return default()


def _merge(path: Path, items: Sequence[Item], meta: dict[str, Any]) -> None:
    """Write the run file from its own rows and every shard's (one row per item, benchmark order;
    rows of items outside ``items`` that the run file already held are kept after them), then
    remove the shards."""
    old_meta: dict[str, Any] = {}
    rows: dict[str, dict[str, Any]] = {}
    if path.exists() and path.stat().st_size > 0:
        old_meta, own, _ = _read_run(path)
        for r in own:
            rows.setdefault(r["id"], r)
    shards = shard_paths(path)
    for p in shards:
        for r in _read_run(p)[1]:
            rows.setdefault(r["id"], r)
    missing = [it.id for it in items if it.id not in rows]
    if missing:
        raise DataError(f"after all processes finished, {len(missing)} item(s) have no row (e.g. "
                        f"{missing[0]!r}); the shards {[str(p) for p in shards]} are kept; rerun "
                        "the same command to finish them.")
    ordered = [rows.pop(it.id) for it in items]
    ordered += list(rows.values())
    tmp = path.with_name(path.name + ".merging")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps({"_meta": old_meta or meta}, ensure_ascii=False) + "\n")
        for r in ordered:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    for p in shards:
        p.unlink(missing_ok=True)
