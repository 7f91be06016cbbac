"""Side-by-side performance benchmarks behind ``iar bench`` (and ``python -m iar.bench``).

Each bench is one function returning a JSON-able dict of results (times in seconds, medians over
repetitions after a warm-up, and the ratios the docs quote) and is registered in :data:`BENCHES`.
Absolute times on a shared CPU are noisy; ratios measured in one run are what matter.

    >>> result = bench_probes(quick=True, repeats=1, layers=2, heads=4)
    >>> sorted(k for k in ("speedup", "accuracy_gap") if k in result)
    ['accuracy_gap', 'speedup']
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from iar.errors import InputError

__all__ = ["BENCHES", "bench_probes", "main", "synthetic_probe_data"]


def _loadavg() -> list[float] | None:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except (OSError, AttributeError):  # not available on every platform
        return None


def synthetic_probe_data(
    n: int, layers: int, heads: int, d_head: int, *, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Activation-like data for probe benchmarks: ``(positive, negative)``, each ``[n/2, L, H, d]``.

    Features have per-head offsets and scales (so standardising matters), a shared low-rank
    component per layer (so features correlate), and a label signal planted in one head out of
    four with strengths from weak to strong (so validation accuracies span 0.5 to ~1).

    Args:
        n: total samples (half positive, half negative).
        layers: number of layers.
        heads: heads per layer.
        d_head: features per head.
        seed: random seed.

    Example:
        >>> pos, neg = synthetic_probe_data(40, 2, 4, 8)
        >>> pos.shape
        torch.Size([20, 2, 4, 8])
    """
    g = torch.Generator().manual_seed(seed)
    n_pos = n // 2
    sign = (torch.cat([torch.ones(n_pos), torch.zeros(n - n_pos)]) - 0.5) * 2  # +1 / -1
    rank = 4
    shared = torch.randn(n, rank, generator=g)
    carrier_strength = torch.linspace(0.02, 0.35, len(range(0, layers * heads, 4)))
    x = torch.empty(n, layers, heads, d_head)
    for layer in range(layers):  # one layer at a time keeps temporaries small
        xl = torch.randn(n, heads, d_head, generator=g)
        mix = torch.randn(rank, heads * d_head, generator=g) * 0.5
        xl += (shared @ mix).reshape(n, heads, d_head)
        units = torch.arange(layer * heads, (layer + 1) * heads)
        carrier = (units % 4 == 0).float() * carrier_strength[(units // 4).clamp(max=len(carrier_strength) - 1)]
        direction = torch.nn.functional.normalize(torch.randn(heads, d_head, generator=g), dim=-1)
        xl += sign[:, None, None] * (carrier[:, None] * direction * d_head**0.5)
        xl *= torch.exp(torch.randn(heads, d_head, generator=g) * 0.5)
        xl += 3 * torch.randn(heads, d_head, generator=g)
        x[:, layer] = xl
    return x[:n_pos], x[n_pos:]


def bench_probes(
    quick: bool = False,
    seed: int = 0,
    *,
    layers: int | None = None,
    heads: int | None = None,
    d_head: int | None = None,
    n: int | None = None,
    sklearn_heads: int | None = None,
    repeats: int | None = None,
    l2: float = 1.0,
) -> dict[str, Any]:
    """Batched :func:`iar.probe` vs a loop of scikit-learn ``LogisticRegression`` fits, same split.

    Full size: 32 layers x 32 heads, d_head 128, n = 2000 (``quick``: 4 x 8, d_head 64, n = 400).
    The scikit-learn loop is the obvious per-head code (``StandardScaler`` on the train rows,
    ``LogisticRegression(C=1/l2)``, ``score`` on the validation rows) on exactly the probe's split.
    It runs twice: as written (numpy's BLAS with its default threads) and with BLAS limited to one
    thread (``threadpoolctl``), its fastest setting on a small busy machine. It is timed on a seeded
    random subset of heads and extrapolated linearly to all heads when the full loop would take too
    long (``sklearn_heads``; the result says so in ``sklearn_extrapolated``). Every side gets a
    warm-up, then ``repeats`` timed runs, interleaved so that load changes hit all sides alike;
    medians are reported.

    Args:
        quick: small shapes for a check that runs in seconds.
        seed: seed of the data, the split and the head subset.
        layers: override the number of layers.
        heads: override the heads per layer.
        d_head: override the features per head.
        n: override the number of samples (half positive).
        sklearn_heads: how many heads the scikit-learn loop is timed on (default 32, quick: 8).
        repeats: timed repetitions per side (default 3).
        l2: L2 penalty (scikit-learn ``C = 1 / l2``).

    Returns:
        dict with ``speedup`` (scikit-learn loop time / batched time), ``speedup_vs_1thread`` (the
        same against the loop with one BLAS thread), ``accuracy_gap`` (mean absolute difference of
        validation accuracy over the compared heads), ``accuracy_gap_max``, ``batched_s`` /
        ``sklearn_s`` / ``sklearn_1thread_s`` (medians, for all heads), the raw per-run times
        ``runs_s``, the shapes, ``sklearn_extrapolated``, ``torch_threads`` and the load average.

    Example:
        >>> r = bench_probes(quick=True, repeats=1, layers=2, heads=4)
        >>> r["shape"]["heads"], r["accuracy_gap"] <= 0.02
        (4, True)
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    from iar.analysis.probes import probe

    layers = layers or (4 if quick else 32)
    heads = heads or (8 if quick else 32)
    d_head = d_head or (64 if quick else 128)
    n = n or (400 if quick else 2000)
    repeats = repeats or 3
    units = layers * heads
    sklearn_heads = min(units, sklearn_heads or (8 if quick else 32))
    load_before = _loadavg()

    pos, neg = synthetic_probe_data(n, layers, heads, d_head, seed=seed)
    report = probe(pos[:, :1], neg[:, :1], l2=l2, seed=seed, progress=False)  # warm-up
    x = torch.cat([pos, neg]).reshape(pos.shape[0] + neg.shape[0], units, d_head).numpy()
    y = np.concatenate([np.ones(pos.shape[0]), np.zeros(neg.shape[0])])
    tr, va = report.train_index.numpy(), report.val_index.numpy()  # the split depends on n only
    x_tr, x_va, y_tr, y_va = x[tr], x[va], y[tr], y[va]
    rng = np.random.default_rng(seed)
    subset = np.sort(rng.choice(units, size=sklearn_heads, replace=False))

    def sklearn_loop(heads_: np.ndarray, blas_threads: int | None) -> np.ndarray:
        accs = np.empty(len(heads_))
        with threadpool_limits(limits=blas_threads):
            for i, u in enumerate(heads_):
                scaler = StandardScaler()
                a_tr = scaler.fit_transform(x_tr[:, u])
                clf = LogisticRegression(C=1.0 / l2).fit(a_tr, y_tr)
                accs[i] = clf.score(scaler.transform(x_va[:, u]), y_va)
        return accs

    warm = subset[: max(1, min(4, len(subset)))]
    sklearn_loop(warm, None), sklearn_loop(warm, 1)  # warm-up
    # Interleaved repetitions, so that a change in the machine's load hits every side alike.
    times: dict[str, list[float]] = {"batched": [], "sklearn": [], "sklearn_1thread": []}
    sk_acc = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        report = probe(pos, neg, l2=l2, seed=seed, progress=False)
        times["batched"].append(time.perf_counter() - t0)
        for key, blas_threads in (("sklearn", None), ("sklearn_1thread", 1)):
            t0 = time.perf_counter()
            sk_acc = sklearn_loop(subset, blas_threads)
            times[key].append((time.perf_counter() - t0) * units / len(subset))
    assert sk_acc is not None

    med = {k: statistics.median(v) for k, v in times.items()}
    ours = report.accuracy.reshape(-1).numpy()[subset]
    gap = np.abs(ours - sk_acc)
    return {
        "bench": "probes",
        "quick": bool(quick),
        "shape": {"layers": layers, "heads": heads, "d_head": d_head, "n": n},
        "n_train": int(len(tr)),
        "n_val": int(len(va)),
        "l2": float(l2),
        "repeats": repeats,
        "batched_s": med["batched"],
        "sklearn_s": med["sklearn"],
        "sklearn_1thread_s": med["sklearn_1thread"],
        "speedup": med["sklearn"] / med["batched"],
        "speedup_vs_1thread": med["sklearn_1thread"] / med["batched"],
        "accuracy_gap": float(gap.mean()),
        "accuracy_gap_max": float(gap.max()),
        "runs_s": times,
        "sklearn_heads_timed": int(len(subset)),
        "sklearn_extrapolated": bool(len(subset) < units),
        "mean_accuracy": float(ours.mean()),
        "batched_iterations_mean": float(report.n_iter.float().mean()),
        "torch_threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(),
        "loadavg_before": load_before,
        "loadavg_after": _loadavg(),
    }


def _format_probes(r: dict[str, Any]) -> str:
    s = r["shape"]
    extra = (
        f" (timed on {r['sklearn_heads_timed']} random heads, x{s['layers'] * s['heads'] / r['sklearn_heads_timed']:.0f})"
        if r["sklearn_extrapolated"] else ""
    )
    return "\n".join([
        f"probes: {s['layers']} layers x {s['heads']} heads, d_head {s['d_head']}, n = {s['n']} "
        f"({r['n_train']} train / {r['n_val']} val), median of {r['repeats']} interleaved runs after a warm-up",
        f"  batched iar.probe             : {r['batched_s']:8.2f} s",
        f"  sklearn loop                  : {r['sklearn_s']:8.2f} s{extra}",
        f"  sklearn loop, 1 BLAS thread   : {r['sklearn_1thread_s']:8.2f} s{extra}",
        f"  speedup                       : {r['speedup']:8.1f} x  ({r['speedup_vs_1thread']:.1f} x vs 1 BLAS thread)",
        f"  accuracy gap                  : {r['accuracy_gap']:.4f} mean, {r['accuracy_gap_max']:.4f} max "
        f"(over {r['sklearn_heads_timed']} heads)",
        f"  torch threads {r['torch_threads']}, load average {r['loadavg_before']} -> {r['loadavg_after']}",
    ])


#: name -> (bench function taking ``quick``, formatter of its result)
BENCHES: dict[str, tuple[Callable[..., dict[str, Any]], Callable[[dict[str, Any]], str]]] = {
    "probes": (bench_probes, _format_probes),
}


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add ``iar bench``'s arguments to ``parser`` (used by :mod:`iar.cli` and :func:`main`).

    Example:
        >>> p = add_arguments(argparse.ArgumentParser())
        >>> p.parse_args(["probes", "--quick"]).quick
        True
    """
    parser.add_argument("benches", nargs="*", default=[],
                        metavar="{" + ",".join(sorted(BENCHES)) + "}",
                        help="which benches to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="small shapes, under a minute")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object per bench, each on its own line")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic data")
    return parser


def run(args: argparse.Namespace) -> int:
    """Run the benches named in ``args`` (from :func:`add_arguments`) and print their results.

    Example:
        >>> run(add_arguments(argparse.ArgumentParser()).parse_args(["probes", "--quick", "--json"]))  # doctest: +SKIP
        0
    """
    names = list(args.benches) or sorted(BENCHES)
    unknown = [name for name in names if name not in BENCHES]
    if unknown:
        raise InputError(f"unknown bench {unknown[0]!r}; choose from {sorted(BENCHES)}")
    for name in names:
        fn, fmt = BENCHES[name]
        result = fn(quick=args.quick, seed=args.seed)
        print(json.dumps(result) if args.json else fmt(result), flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: ``python -m iar.bench probes --quick --json``.

    Example:
        >>> main(["probes", "--quick"])  # doctest: +SKIP
        0
    """
    parser = add_arguments(argparse.ArgumentParser(prog="iar bench", description=__doc__.split("\n")[0]))
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
