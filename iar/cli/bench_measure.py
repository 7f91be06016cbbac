"""How the benches measure: interleaved timing rounds, ratios and their ranges, thread and
environment records, and peak memory (tensors, Python, device and ``/proc`` resident set).

    >>> ratio({"a": [2.0, 4.0], "b": [1.0, 2.0]}, "a", "b")
    2.0
"""

from __future__ import annotations

import contextlib
import gc
import os
import platform
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from iar._threads import torch_threads

if TYPE_CHECKING:  # pragma: no cover - torch is imported where it is used, so
    import torch  # `iar --help` and argument parsing stay fast


# --------------------------------------------------------------------------------------------
# timing


def _sync(device: torch.device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def interleaved(
    fns: dict[str, Callable[[], Any]],
    reps: int,
    warmup: int = 1,
    device: torch.device | str = "cpu",
) -> dict[str, list[float]]:
    """Time several callables in rounds, rotating their order each round; seconds per call.

    Every callable runs ``warmup`` times first (untimed). Round ``r`` starts at the ``r``-th
    callable, so none is always first or last when the machine's load drifts. The garbage
    collector runs between rounds and is off inside timed calls.

    Example:
        >>> t = interleaved({"a": lambda: None, "b": lambda: None}, reps=3)
        >>> sorted(t), len(t["a"])
        (['a', 'b'], 3)
    """
    import torch

    device = torch.device(device)
    names = list(fns)
    for _ in range(warmup):
        for n in names:
            fns[n]()
    times: dict[str, list[float]] = {n: [] for n in names}
    for r in range(reps):
        k = r % len(names)
        gc.collect()  # once per round (a full collection takes a while with big libraries loaded)
        for n in names[k:] + names[:k]:
            times[n].append(_timed(fns[n], device))
    return times


def _timed(fn: Callable[[], Any], device: Any) -> float:
    """Seconds one call takes (device synchronised; no collector pause inside)."""
    import torch

    device = torch.device(device)
    _sync(device)
    gc.disable()
    try:
        t0 = time.perf_counter()
        fn()
        _sync(device)
        return time.perf_counter() - t0
    finally:
        gc.enable()


def ratio(times: dict[str, list[float]], num: str, den: str) -> float:
    """Median over rounds of ``times[num][r] / times[den][r]``.

    Example:
        >>> ratio({"a": [2.0, 4.0, 3.0], "b": [1.0, 2.0, 1.0]}, "a", "b")
        2.0
    """
    return float(statistics.median(a / b for a, b in zip(times[num], times[den])))


def _range(times: dict[str, list[float]], num: str, den: str) -> list[float]:
    """``[min, max]`` of the per-round ratios: how noisy the machine was."""
    per_round = [a / b for a, b in zip(times[num], times[den])]
    return [float(min(per_round)), float(max(per_round))]


def _medians(times: dict[str, list[float]]) -> dict[str, float]:
    return {k: float(statistics.median(v)) for k, v in times.items()}


@contextlib.contextmanager
def _threads(n: int | None, device: Any = None) -> Iterator[None]:
    """Set torch's intra-op threads for the block; ``None`` means 1 on CPU, unchanged on GPU.

    One thread by default on CPU: with several, every op waits for its slowest thread, and on a
    machine whose cores are shared with other work that wait swamps the measurement (observed
    here: a 16-token generation took 6-15 s with 2 threads under load, 0.3-0.5 s with 1).
    """
    import torch

    if n is None:
        n = 1 if torch.device(device or "cpu").type == "cpu" else None
    with torch_threads(n):
        yield


def _environment(device: torch.device, dtype: torch.dtype) -> dict[str, Any]:
    import torch
    import transformers

    env: dict[str, Any] = {
        "device": str(device),
        "dtype": str(dtype).replace("torch.", ""),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "threads": torch.get_num_threads(),
        "cpu": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
    }
    if hasattr(os, "getloadavg"):
        env["load_avg_1m"] = round(os.getloadavg()[0], 2)
    if device.type == "cuda":
        env["gpu"] = torch.cuda.get_device_name(device)
    return env


# --------------------------------------------------------------------------------------------
# record: memory accounting


@dataclass
class Peak:
    """Peak memory of one call above what was allocated when it started, in bytes.

    Attributes:
        tensors: peak of live tensor bytes allocated through PyTorch's CPU allocator (from the
            profiler's allocation/free events), above the start.
        python: peak of Python-heap bytes (``tracemalloc``), above the start.
        device: on CUDA, ``max_memory_allocated`` above ``memory_allocated`` at the start.
        rss: growth of the process's resident-set high-water mark (``VmHWM``, reset through
            ``/proc/self/clear_refs``) above the RSS at the start; ``None`` where unavailable.

    Example:
        >>> p = Peak(tensors=10, python=2, device=0, rss=None)
        >>> p.total
        12
    """

    tensors: int
    python: int
    device: int
    rss: int | None

    @property
    def total(self) -> int:
        """``tensors + python + device``: an upper bound of the peak (the peaks need not coincide)."""
        return self.tensors + self.python + self.device


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover - not Linux
        return None
    return None


def _reset_hwm() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:  # pragma: no cover - not Linux, or not allowed
        return False


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence file descriptor 2 (C++ log lines) for the duration of the block."""
    try:
        saved = os.dup(2)
    except OSError:  # pragma: no cover
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def measure_peak(fn: Callable[[], Any], device: torch.device | str = "cpu") -> tuple[Any, Peak]:
    """Run ``fn`` once and measure how far memory rose above its level at the start.

    CPU tensors: ``torch.profiler`` with ``profile_memory=True`` logs every allocation and free
    of PyTorch's CPU allocator with its size and time; the running sum from the start, maximised,
    is the peak of live tensor bytes (exact, allocator-independent; this is what
    ``torch.cuda.max_memory_allocated`` gives on a GPU). Python objects: ``tracemalloc``. GPU:
    ``torch.cuda`` peak statistics. RSS is reported as a cross-check only: glibc keeps freed
    blocks, so it can over- or under-state.

    Example:
        >>> _, p = measure_peak(lambda: torch.zeros(1000, 1000).sum())
        >>> p.tensors >= 4_000_000
        True
    """
    import torch
    from torch.profiler import ProfilerActivity, profile

    device = torch.device(device)
    gc.collect()
    _sync(device)
    cuda_base = 0
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        cuda_base = torch.cuda.memory_allocated(device)
    prof = profile(activities=[ProfilerActivity.CPU], profile_memory=True)
    with _quiet_stderr():  # kineto prints a line at start and stop
        prof.start()
    tracing = tracemalloc.is_tracing()
    try:
        if not tracing:
            tracemalloc.start()
        rss_ok = _reset_hwm()
        rss_base = _status_kb("VmRSS")
        tracemalloc.reset_peak()
        py_base = tracemalloc.get_traced_memory()[0]
        value = fn()
        _sync(device)
        py_peak = tracemalloc.get_traced_memory()[1] - py_base
    finally:
        if not tracing:
            tracemalloc.stop()
        with _quiet_stderr():
            prof.stop()
    hwm = _status_kb("VmHWM")
    cuda_peak = torch.cuda.max_memory_allocated(device) - cuda_base if device.type == "cuda" else 0
    events = [
        (e.start_ns(), e.nbytes())
        for e in prof.profiler.kineto_results.events()
        if e.name() == "[memory]" and e.device_type() == torch.autograd.DeviceType.CPU
    ]
    live = peak = 0
    for _, nbytes in sorted(events):
        live += nbytes
        peak = max(peak, live)
    rss = hwm - rss_base if (rss_ok and hwm is not None and rss_base is not None) else None
    return value, Peak(tensors=int(peak), python=int(py_peak), device=int(cuda_peak), rss=rss)
