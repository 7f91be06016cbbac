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

`iar.tune` under a launcher takes the same steps (`run_sharded`, `merge_shards`, `adopt_shards`)
with whole grid cells instead of chunks (docs/data-parallel.md).
"""

from __future__ import annotations

import datetime
import json
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from iar import _io
from iar.benchmarks import Benchmark, Item
from iar.errors import DataError, InputError
from iar.evaluation.runs import EvalReport, _check_same_run, _read_run, evaluate, run_meta

__all__ = ["adopt_shards", "distributed_state", "evaluate_sharded", "is_distributed", "merge_shards",
           "run_sharded", "shard_path", "shard_paths"]


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


def shard_path(out: str | os.PathLike, rank: int, n: int) -> Path:
    """The shard file of rank ``rank`` of ``n`` processes for run file ``out``.

    Example:
        >>> shard_path("runs/r.jsonl", 1, 2).name
        'r.rank1-of-2.jsonl'
    """
    out = Path(out)
    return out.with_name(f"{out.stem}.rank{rank}-of-{n}{out.suffix}")


def run_sharded(state: Any, path: Path, *, resume: bool, done_in: Callable[[Path], Iterable[str]],
                todo: Callable[[set[str]], list], work: Callable[[list, Path], Any],
                merge: Callable[[], Any]) -> None:
    """The steps every process of a sharded run takes, in lock step (`evaluate_sharded`, and
    `iar.tune` under a launcher):

    1. rank 0 creates the folder of ``path`` (and with ``resume=False`` removes the run file and
       every shard); all wait;
    2. every process reads the keys done in the run file and every shard (``done_in(file)``;
       it raises on a file of another run); all wait, so nobody writes before everybody read;
    3. ``todo(done)`` (the units of work left, in run order) is split into contiguous runs, one per
       process (`split_between_processes`), and each process runs ``work(mine, its shard)``;
    4. all wait; rank 0 runs ``merge()``; all wait, so every process then sees the merged file.
    """
    if state.is_main_process:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not resume:
            for p in [path, *shard_paths(path)]:
                p.unlink(missing_ok=True)
    state.wait_for_everyone()
    done = {k for p in [path, *shard_paths(path)] for k in done_in(p)}
    state.wait_for_everyone()  # every process has read the same files before any writes
    with state.split_between_processes(todo(done)) as mine:
        mine = list(mine)
    if mine:
        work(mine, shard_path(path, state.process_index, state.num_processes))
    state.wait_for_everyone()
    if state.is_main_process:
        merge()
    state.wait_for_everyone()


def adopt_shards(path: Path, *, resume: bool, check: Callable[[Path], Any] | None = None,
                 merge: Callable[[], Any] | None = None) -> None:
    """A single process's start on run file ``path``: shards that an interrupted multi-process run
    left next to it count as done, so ``check(file)`` (the settings check) runs on the run file
    and every shard, then ``merge()`` folds them into the run file; ``resume=False`` removes them
    instead (``check`` and ``merge`` are then not needed). Without shards it does nothing."""
    shards = shard_paths(path)
    if not shards:
        return
    if not resume:
        for p in shards:
            p.unlink(missing_ok=True)
        return
    if check is None or merge is None:
        raise TypeError("adopt_shards(resume=True) needs check= and merge=.")
    for p in [path, *shards]:
        check(p)  # before anything is rewritten
    merge()


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
        if not resume:
            adopt_shards(path, resume=False)  # removes them
        elif shard_paths(path):
            if judge is None:
                kwargs["judge"] = judge = _default()
            bench = (benchmark if isinstance(benchmark, Benchmark)
                     else Benchmark("items", list(benchmark)))
            meta = {**run_meta(vlm, bench, steer, judge, max_new_tokens,
                               dict(generate_kwargs or {}), seed, batch_size), "name": path.stem}
            adopt_shards(path, resume=True, check=lambda p: _rows_of(p, meta),
                         merge=lambda: merge_shards(path, [], meta))
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
    chunks = [items[i:i + batch_size] for i in range(0, len(items), batch_size)]

    def work(mine: list[list[Item]], shard: Path) -> None:
        part = Benchmark(benchmark.name, [it for c in mine for it in c], benchmark.meta)
        evaluate(vlm, part, out=shard, resume=True, progress=progress and state.is_main_process,
                 **kwargs)

    run_sharded(state, path, resume=resume, done_in=lambda p: [r["id"] for r in _rows_of(p, meta)],
                todo=lambda done: [c for c in chunks if any(it.id not in done for it in c)],
                work=work, merge=lambda: merge_shards(path, [it.id for it in items], meta))
    report = EvalReport.load(path)
    wanted = {it.id for it in items}
    return EvalReport([r for r in report.rows if r["id"] in wanted], report.meta)


def _default() -> Any:
    from iar.judges import default

    return default()


def merge_shards(path: Path, order: Sequence[str], meta: dict[str, Any], *, key: str = "id",
                 what: tuple[str, str] = ("item", "row"),
                 header: Callable[[dict[str, Any]], str] | None = None) -> None:
    """Write the run file from its own records and every shard's, then remove the shards.

    One record per ``record[key]`` (the first one met: the run file's, then the shards' in name
    order); the records of ``order`` come first, in that order, then those of other keys that the
    files held. The header is the run file's, else ``meta``; ``header(meta)`` is its line
    (default: ``{"_meta": meta}`` as `iar.evaluate` writes it). The file is written atomically
    (a temporary file, ``fsync``, ``os.replace``); the shards are removed only after that.

    Raises:
        DataError: a key of ``order`` has no record (named as ``what``: (unit, record), e.g.
            ``("item", "row")``); the shards are kept.
    """
    old_meta: dict[str, Any] = {}
    records: dict[str, dict[str, Any]] = {}
    if path.exists() and path.stat().st_size > 0:
        old_meta, own, _ = _read_run(path)
        for r in own:
            records.setdefault(r[key], r)
    shards = shard_paths(path)
    for p in shards:
        for r in _read_run(p)[1]:
            records.setdefault(r[key], r)
    missing = [k for k in order if k not in records]
    if missing:
        unit, record = what
        raise DataError(f"after all processes finished, {len(missing)} {unit}(s) have no {record} "
                        f"(e.g. {missing[0]!r}); the shards {[str(p) for p in shards]} are kept; "
                        "rerun the same command to finish them.")
    ordered = [records.pop(k) for k in order] + list(records.values())
    line = header or (lambda m: json.dumps({"_meta": m}, ensure_ascii=False))
    _io.write_text(path, "".join([line(old_meta or meta) + "\n"]
                                 + [json.dumps(r, ensure_ascii=False) + "\n" for r in ordered]))
    for p in shards:
        p.unlink(missing_ok=True)
