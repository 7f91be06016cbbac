"""Resumable benchmark runs: generate, judge, append each finished item to a JSONL file at once.

    >>> vlm = iar.load(*iar.testing.tiny_vlm("llava"))
    >>> report = iar.evaluate(vlm, iar.benchmarks.jsonl("tests/fixtures/jsonl/own.jsonl"),
    ...                       judge=iar.judges.KeywordJudge("xstest"), max_new_tokens=4, progress=False)
    >>> len(report.rows)
    3

The run file (``out=...``) starts with one header line ``{"_meta": {...}}`` (model, benchmark,
steering, judge, generation settings) followed by one line per finished item. Items are cut into
fixed chunks of `batch_size` in benchmark order; a rerun with ``resume=True`` keeps every finished
row, drops a half-written last line, and regenerates only chunks that still miss a row (the whole
chunk, so that batch composition and thus every output is the same as in an uninterrupted run;
only the missing rows are written).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
import os
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import torch
from iar._progress import tqdm

from iar import _io
from iar.benchmarks import Benchmark, Item
from iar.errors import DataError, InputError
from iar.steering import steer as _steer

ROW_FIELDS = ("id", "category", "kind", "prompt", "request", "has_image", "response", "refused", "harmful",
              "score", "tokens", "seconds", "pred", "correct", "steered")


# ------------------------------------------------------------------------------------ report

@dataclass
class EvalReport:
    """Per-item rows of one run and the metrics computed from them.

    Attributes:
        rows: one dict per item: id, category, kind, prompt, request (what the item asks:
            :attr:`iar.benchmarks.Item.request`), has_image, response, refused, harmful (the
            judge's ``complied_harmfully`` verdict on harmful items, weighed against the request;
            None where it cannot give one), score, tokens, seconds, pred and correct (MCQ items; else None),
            steered (False without steering, True with it, or a conditional steer's decision: a
            bool or a strength per item).
        meta: model, benchmark, steering, judge and generation settings of the run.

    Example:
        >>> r = EvalReport([{"id": "a", "category": "x", "kind": "harmful", "refused": False,
        ...                  "tokens": 4, "seconds": 0.5, "correct": None}])
        >>> r.asr, r.tokens_per_second
        (1.0, 8.0)
    """

    rows: list[dict[str, Any]]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The run's name (the output file's stem, or "run")."""
        return str(self.meta.get("name") or "run")

    @property
    def paths(self) -> list[str]:
        """Which backbone path generated the rows, as ``"path/attention"`` (e.g. ``["fast/sdpa"]``;
        two entries when a run mixed paths, e.g. resumed with another hook set). Rows written
        before paths were recorded count as ``"unknown"``."""
        return sorted({f"{r.get('path') or 'unknown'}/{r.get('attn_implementation') or 'unknown'}"
                       for r in self.rows})

    def _share(self, kind: str, refused: bool) -> float:
        rows = [r for r in self.rows if r["kind"] == kind]
        return sum(bool(r["refused"]) == refused for r in rows) / len(rows) if rows else math.nan

    @property
    def asr(self) -> float:
        """Attack success rate: share of harmful items not refused (NaN without harmful items)."""
        return self._share("harmful", refused=False)

    @property
    def asr_harmful(self) -> float:
        """Attack success rate as "complied harmfully": share of harmful items whose answer helps
        with the request (JailbreakBench's convention; NaN when the judge gave no such verdict).

        Example:
            >>> EvalReport([{"id": "a", "kind": "harmful", "refused": False, "harmful": False}]).asr_harmful
            0.0
        """
        rows = [r for r in self.rows if r["kind"] == "harmful"]
        if not rows or any(r.get("harmful") is None for r in rows):
            return math.nan
        return sum(bool(r["harmful"]) for r in rows) / len(rows)

    @property
    def over_refusal(self) -> float:
        """Share of benign items refused (NaN without benign items)."""
        return self._share("benign", refused=True)

    @property
    def helpfulness(self) -> float:
        """Share of benign items answered, not refused (NaN without benign items); the
        helpfulness the paper keeps above 96% while steering. It counts answers, not their
        quality: multiple-choice items have `accuracy` for that.

        Example:
            >>> r = EvalReport([{"id": "a", "category": "x", "kind": "benign", "refused": False},
            ...                 {"id": "b", "category": "x", "kind": "benign", "refused": True}])
            >>> r.helpfulness
            0.5
        """
        return self._share("benign", refused=False)

    @property
    def accuracy(self) -> float:
        """Share of multiple-choice items answered correctly (NaN without MCQ items)."""
        rows = [r for r in self.rows if r.get("correct") is not None]
        return sum(bool(r["correct"]) for r in rows) / len(rows) if rows else math.nan

    @property
    def tokens_per_second(self) -> float:
        """Generated tokens per second of generation time."""
        secs = sum(float(r.get("seconds") or 0.0) for r in self.rows)
        return sum(int(r.get("tokens") or 0) for r in self.rows) / secs if secs > 0 else math.nan

    def asr_by_category(self) -> dict[str, float]:
        """ASR within each category of harmful items, in order of first appearance."""
        cats: dict[str, list[bool]] = {}
        for r in self.rows:
            if r["kind"] == "harmful":
                cats.setdefault(r["category"], []).append(not r["refused"])
        return {c: sum(v) / len(v) for c, v in cats.items()}

    def summary(self) -> dict[str, float]:
        """The headline numbers: n, asr (not refused), asr_harmful (complied harmfully),
        over_refusal (benign items refused), helpfulness (benign items answered), accuracy,
        tokens_per_second."""
        return {"n": len(self.rows), "asr": self.asr, "asr_harmful": self.asr_harmful,
                "over_refusal": self.over_refusal, "helpfulness": self.helpfulness,
                "accuracy": self.accuracy, "tokens_per_second": self.tokens_per_second}

    def to_frame(self) -> pd.DataFrame:
        """The rows as a pandas DataFrame (one row per item)."""
        return pd.DataFrame(self.rows, columns=[c for c in ROW_FIELDS if any(c in r for r in self.rows)]
                            or list(ROW_FIELDS))

    def compare(self, other: EvalReport) -> pd.DataFrame:
        """Side-by-side metrics (overall and ASR per category) of two runs, with the difference.

        Example:
            >>> a = EvalReport([{"id": "1", "category": "x", "kind": "harmful", "refused": False}])
            >>> b = EvalReport([{"id": "1", "category": "x", "kind": "harmful", "refused": True}])
            >>> float(a.compare(b).loc["asr", "delta"])
            -1.0
        """
        left, right = self.name, other.name
        if left == right:
            left, right = f"{left} (a)", f"{right} (b)"
        metrics = ("asr", "asr_harmful", "over_refusal", "helpfulness", "accuracy", "tokens_per_second")
        data = {m: (getattr(self, m), getattr(other, m)) for m in metrics}
        mine, theirs = self.asr_by_category(), other.asr_by_category()
        for cat in dict.fromkeys([*mine, *theirs]):
            data[f"asr[{cat}]"] = (mine.get(cat, math.nan), theirs.get(cat, math.nan))
        frame = pd.DataFrame.from_dict(data, orient="index", columns=[left, right])
        frame["delta"] = frame[right] - frame[left]
        return frame

    def table(self) -> str:
        """A plain-text table of the headline numbers and the ASR per category."""
        s = self.summary()
        lines = [f"{self.name}: {s['n']} items"]
        for key, label in (("asr", "ASR (harmful not refused)"), ("asr_harmful", "ASR (complied harmfully)"),
                           ("over_refusal", "over-refusal (benign)"),
                           ("helpfulness", "helpfulness (benign answered)"),
                           ("accuracy", "MCQ accuracy"), ("tokens_per_second", "tokens/s")):
            if not math.isnan(s[key]):
                lines.append(f"  {label:<28}{s[key]:8.3f}")
        cats = self.asr_by_category()
        if len(cats) > 1:
            lines.append("  ASR by category:")
            width = max(len(c) for c in cats)
            lines += [f"    {c:<{width}}  {v:6.3f}" for c, v in cats.items()]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    @classmethod
    def load(cls, path: str | os.PathLike) -> EvalReport:
        """Read a run file written by `evaluate` (a half-written last line is ignored)."""
        meta, rows, _ = _read_run(Path(path))
        return cls(rows, meta)


# -------------------------------------------------------------------------------- run file

def _read_run(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]], int]:
    """Header meta, complete rows, and the byte length of the complete part of a run file."""
    data = path.read_bytes()
    good = data.rfind(b"\n") + 1  # anything after the last newline is a half-written line
    meta: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []
    for n, line in enumerate(data[:good].decode("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            raise DataError(f"{path} line {n} is not valid JSON: the run file is damaged in the "
                            "middle. Remove that line (it will be redone) or start a new run file.") from None
        if "_meta" in obj:
            meta = obj["_meta"]
        else:
            rows.append(obj)
    return meta, rows, good


_COMPARED = ("model", "benchmark", "steer", "judge", "max_new_tokens", "generate", "seed")


class RunMismatchError(InputError):
    """A run file at ``out`` holds a run with other settings than the one asked for now.

    Attributes:
        path: the run file.
        differences: ``[(setting, in the file, now), ...]`` (settings as dotted paths, e.g.
            ``"steer.revision.sha256"``).
    """

    def __init__(self, path: Path, differences: list[tuple[str, Any, Any]]):
        self.path, self.differences = path, differences
        super().__init__(self.message("resume=False", "another out path"))

    def message(self, restart: str, other: str) -> str:
        """The message, naming the caller's way to start over (``--no-resume`` on the CLI)."""
        detail = "; ".join(f"{_NAMES.get(k, k)}: file has {_short(a)}, now {_short(b)}"
                           for k, a, b in self.differences)
        return (f"{self.path} holds a different run ({detail}). Use {other}, or {restart} to "
                "start it over.")


_NAMES = {"steer.revision.sha256": "steer.revision content (directions, sigma or probe ranking)",
          "steer.alpha.sha256": "steer.alpha content"}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _differences(old: Any, new: Any, where: str) -> list[tuple[str, Any, Any]]:
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for k in dict.fromkeys([*old, *new]):
            out += _differences(old.get(k), new.get(k), f"{where}.{k}")
        return out
    return [] if old == new else [(where, old, new)]


def _check_same_run(path: Path, old: dict[str, Any], new: dict[str, Any]) -> None:
    diff = [d for k in _COMPARED for d in _differences(old.get(k), new.get(k), k)]
    if diff:
        raise RunMismatchError(path, diff)


def _sha256(tensors: dict[str, torch.Tensor]) -> str:
    """SHA-256 over the names, shapes and float64 values of ``tensors`` (exact, any size)."""
    h = hashlib.sha256()
    for k in sorted(tensors):
        t = tensors[k].detach().double().cpu().contiguous()
        h.update(f"{k}{tuple(t.shape)}".encode())
        h.update(t.numpy().tobytes())
    return h.hexdigest()


def steer_config(steer: dict[str, Any] | None) -> Any:
    """The steering arguments as JSON for a run file's header, with content hashes: a revision
    as its level, method, shape and the SHA-256 of its directions, sigma and probe ranking; a
    tensor alpha as its values (up to 64) or its shape and SHA-256. Two runs with the same
    config steer identically.

    Example:
        >>> import iar, torch
        >>> rev = iar.Revision(torch.ones(2, 4), torch.ones(2), level="layer")
        >>> cfg = steer_config(dict(revision=rev, layers=[0], alpha=torch.ones(100)))
        >>> cfg["revision"]["shape"], cfg["alpha"]["shape"], len(cfg["alpha"]["sha256"])
        ([2, 4], [100], 64)
    """
    if steer is None:
        return None
    from iar.revision import Revision

    out: dict[str, Any] = {}
    for key, value in steer.items():
        if isinstance(value, Revision):
            parts = {"directions": value.directions, "sigma": value.sigma}
            if value.accuracy is not None:
                parts["accuracy"] = value.accuracy
            if value.val_loss is not None:
                parts["val_loss"] = value.val_loss
            out[key] = {"level": value.level, "method": value.method,
                        "shape": list(value.directions.shape), "sha256": _sha256(parts)}
        elif isinstance(value, torch.Tensor) and value.numel() > 64:
            out[key] = {"shape": list(value.shape), "sha256": _sha256({"t": value})}
        else:
            out[key] = _io.jsonable(value)
    return out


# ------------------------------------------------------------------------------------ MCQ

_LETTER = re.compile(r"^\W*(?:the answer is|answer)?\W*\(?([A-Z])(?:[).:]|$)", re.I)


def parse_choice(response: str, choices: Sequence[str]) -> int | None:
    """The option a response picked: a leading letter ("B", "B.", "(B)", "Answer: B") or the
    text of exactly one choice; None when it cannot tell.

    Example:
        >>> parse_choice("(B)", ["shark", "whale"]), parse_choice("A whale.", ["shark", "whale"])
        (1, 1)
    """
    text = response.strip()
    m = _LETTER.match(text)
    if m and ord(m.group(1).upper()) - ord("A") < len(choices):
        return ord(m.group(1).upper()) - ord("A")
    low = text.lower()
    hits = [i for i, c in enumerate(choices) if re.search(rf"\b{re.escape(c.lower())}\b", low)]
    return hits[0] if len(hits) == 1 else None


# ------------------------------------------------------------------------------- evaluate

def evaluate(vlm: Any, benchmark: Benchmark | Sequence[Item], *, steer: dict[str, Any] | None = None,
             judge: Any = None, batch_size: int = 8, max_new_tokens: int = 256,
             out: str | os.PathLike | None = None, resume: bool = True, limit: int | None = None,
             seed: int = 0, progress: bool = True, generate_kwargs: dict[str, Any] | None = None
             ) -> EvalReport:
    """Run a model on a benchmark, judge every response, and (with `out`) never lose finished work.

    Args:
        vlm: an `iar.VLM` (from `iar.load`).
        benchmark: a `Benchmark` (or list of `Item`s).
        steer: arguments of `iar.steer(vlm, **steer)`, applied while generating (e.g.
            ``dict(revision=rev, heads=8, alpha=4.0)``); None runs the model unchanged.
        judge: anything with ``is_refusal(responses, prompts)``; None uses `iar.judges.default()`.
        batch_size: items per generation batch (and per resume chunk).
        max_new_tokens: generation length limit.
        out: JSONL run file; each finished item is appended and flushed at once.
        resume: keep the rows already in `out` and run only what is missing; False starts over.
        limit: only the first `limit` items.
        seed: seeds torch and sampling (greedy decoding ignores it).
        progress: show a tqdm bar.
        generate_kwargs: extra `vlm.generate` arguments (do_sample, temperature, top_p).

    Returns:
        An `EvalReport` over all items (finished earlier or now), in benchmark order.

    Example:
        >>> bench = iar.benchmarks.jsonl("tests/fixtures/jsonl/own.jsonl")
        >>> rep = iar.evaluate(vlm, bench, judge=iar.judges.KeywordJudge("gcg"), max_new_tokens=4,
        ...                    progress=False)
        >>> 0.0 <= rep.asr <= 1.0
        True
    """
    for name, value in (("batch_size", batch_size), ("max_new_tokens", max_new_tokens)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise InputError(f"{name} must be an int >= 1, got {value!r}.")
    if limit is not None and (not isinstance(limit, int) or limit < 0):
        raise InputError(f"limit must be an int >= 1 (or None for all items), got {limit!r}.")
    if limit == 0:
        raise InputError("limit=0 selects no items; pass limit >= 1, or None for all items.")
    if steer is not None and not isinstance(steer, dict):
        raise InputError("steer must be a dict of iar.steer arguments, e.g. dict(revision=rev, "
                         "heads=8, alpha=4.0).")
    if steer is not None:
        known = set(inspect.signature(_steer).parameters) - {"vlm"}
        unknown = sorted(set(steer) - known)
        if unknown:
            raise InputError(f"steer has unknown argument(s) {unknown}; iar.steer takes "
                             f"{sorted(known)}.")
    if generate_kwargs:
        allowed = {"do_sample", "temperature", "top_p", "use_cache"}
        unknown = sorted(set(generate_kwargs) - allowed)
        if unknown:
            raise InputError(f"generate_kwargs has unknown argument(s) {unknown}; it takes "
                             f"{sorted(allowed)} (max_new_tokens and seed are arguments of "
                             "evaluate itself).")
    if isinstance(benchmark, Benchmark):
        bench = benchmark
    elif (isinstance(benchmark, (list, tuple))
          and all(isinstance(it, Item) for it in benchmark)):
        bench = Benchmark("items", list(benchmark))
    else:
        raise InputError(
            f"benchmark must be an iar.benchmarks.Benchmark or a list of Items, got "
            f"{type(benchmark).__name__}; load a file with iar.benchmarks.jsonl(path) (or "
            "figstep, mm_safetybench, vlguard, xstest, mcq)."
        )
    items = bench.items[:limit] if limit is not None else bench.items
    if not items:
        raise InputError(f"the benchmark has no items ({bench.name!r} is empty); check what "
                         "loaded it.")
    if out is not None and Path(out).is_dir():
        raise InputError(f"out={str(out)!r} is a folder; pass a file path such as "
                         f"{str(Path(out) / 'run.jsonl')!r}.")
    if judge is None:
        from iar.judges import default
        judge = default()
    if not callable(getattr(judge, "is_refusal", None)):
        raise InputError("judge must have an is_refusal(responses, prompts) method, e.g. "
                         "iar.judges.KeywordJudge('xstest').")
    gen_kwargs = dict(generate_kwargs or {})
    meta = run_meta(vlm, bench, steer, judge, max_new_tokens, gen_kwargs, seed, batch_size)
    # steering is checked (and its hooks added) before the run file is touched, so a bad
    # argument leaves no file behind that would block the corrected run
    handle = _steer(vlm, **steer) if steer is not None else None
    done: dict[str, dict[str, Any]] = {}
    writer = None
    created: Path | None = None  # a run file this call started: removed if it fails before a row
    written = 0
    bar = None
    try:
        if out is not None:
            path = Path(out)
            meta["name"] = path.stem
            path.parent.mkdir(parents=True, exist_ok=True)
            if resume and path.exists() and path.stat().st_size > 0:
                old_meta, rows, good = _read_run(path)
                if not old_meta and rows:  # e.g. the benchmark's own JSONL: never append to it
                    raise InputError(
                        f"{path} is not an iar run file (its first line is no {{\"_meta\": ...}} "
                        "header) and holds other data; pass a new out path. Nothing was written."
                    )
                if old_meta:
                    _check_same_run(path, old_meta, meta)
                done = {r["id"]: r for r in rows}
                with path.open("r+b") as fh:  # drop a half-written last line; it is redone below
                    fh.truncate(good)
                writer = path.open("a", encoding="utf-8")
                if not old_meta:
                    _write(writer, {"_meta": meta})
            else:
                writer = path.open("w", encoding="utf-8")
                created = path
                _write(writer, {"_meta": meta})
        chunks = [items[i:i + batch_size] for i in range(0, len(items), batch_size)]
        todo = [c for c in chunks if any(it.id not in done for it in c)]
        bar = tqdm(total=sum(it.id not in done for it in items), desc=f"eval {bench.name}",
                   disable=not progress, unit="item")
        for chunk in todo:
            for row in _run_chunk(vlm, chunk, judge, max_new_tokens, seed, gen_kwargs,
                                  steered=steer is not None):
                if row["id"] in done:
                    continue
                done[row["id"]] = row
                if writer is not None:
                    _write(writer, row)
                    written += 1
                bar.update(1)
    except BaseException:
        if writer is not None:
            writer.close()
            writer = None
        if created is not None and written == 0:
            created.unlink(missing_ok=True)
        raise
    finally:
        if bar is not None:
            bar.close()
        if handle is not None:
            handle.remove()
        if writer is not None:
            writer.close()
    return EvalReport([done[it.id] for it in items if it.id in done], meta)


def run_meta(vlm: Any, bench: Benchmark, steer: dict[str, Any] | None, judge: Any,
             max_new_tokens: int, gen_kwargs: dict[str, Any], seed: int, batch_size: int
             ) -> dict[str, Any]:
    """The header ``{"_meta": ...}`` of a run file (without its ``name``)."""
    return {"model": getattr(getattr(vlm, "cfg", None), "name_or_path", None) or type(vlm).__name__,
            "benchmark": bench.name, "source": bench.meta.get("source"),
            "steer": steer_config(steer),
            "judge": getattr(judge, "name", type(judge).__name__), "max_new_tokens": max_new_tokens,
            "generate": _io.jsonable(gen_kwargs), "seed": seed, "batch_size": batch_size}


def _write(fh, obj: dict[str, Any]) -> None:
    fh.write(json.dumps(obj, ensure_ascii=False) + "\n")
    fh.flush()
    os.fsync(fh.fileno())


def _run_chunk(vlm: Any, chunk: Sequence[Item], judge: Any, max_new_tokens: int, seed: int,
               gen_kwargs: dict[str, Any], steered: bool = False) -> list[dict[str, Any]]:
    prompts = [it.prompt for it in chunk]
    images = [it.image for it in chunk]
    torch.manual_seed(seed)
    start = time.perf_counter()
    batch = vlm.encode(prompts, images if any(im is not None for im in images) else None)
    gen = vlm.generate(batch, max_new_tokens=max_new_tokens, seed=seed, **gen_kwargs)
    seconds = (time.perf_counter() - start) / len(chunk)
    if callable(getattr(judge, "decide", None)):  # one pass for both verdict and score
        refused, scores = judge.decide(list(gen.texts), prompts)
    else:
        refused = judge.is_refusal(list(gen.texts), prompts)
        scores = [float(r) for r in refused]
    refused, scores = list(refused), list(scores)
    if len(refused) != len(chunk) or len(scores) != len(chunk):
        raise InputError(
            f"the judge returned {len(refused)} verdicts for {len(chunk)} responses; "
            "is_refusal(responses, prompts) must return one bool per response."
        )
    decisions = getattr(gen, "steered", None) or [steered] * len(chunk)
    # the attack-success verdict weighs an answer against the request, which FigStep-style items
    # carry in the image (their prompt is only the instruction beside it)
    harmful = judge_harm(judge, [it.request for it in chunk if it.kind == "harmful"],
                         [t for t, it in zip(gen.texts, chunk) if it.kind == "harmful"])[::-1]
    rows = []
    for it, text, toks, ref, sc, st in zip(chunk, gen.texts, gen.tokens, refused, scores, decisions):
        pred = parse_choice(text, it.choices) if it.choices else None
        rows.append({"id": it.id, "category": it.category, "kind": it.kind, "prompt": it.prompt,
                     "request": it.request, "has_image": it.has_image, "response": text, "refused": bool(ref),
                     "harmful": harmful.pop() if it.kind == "harmful" else None,
                     "score": round(float(sc), 6), "tokens": len(toks), "seconds": round(seconds, 6),
                     "pred": pred, "path": getattr(gen, "path", None),
                     "attn_implementation": getattr(gen, "attn_implementation", None),
                     "correct": (pred == it.answer) if it.choices and it.answer is not None else None,
                     "steered": st})
    return rows


def judge_harm(judge: Any, prompts: list[str], responses: list[str]) -> list[bool | None]:
    """``judge.complied_harmfully(prompts, responses)``, or None per response where the judge
    cannot give that verdict (keyword rules, refusal classifiers, judges without the method)."""
    from iar.judges.base import VerdictUnavailable

    if not responses or not callable(getattr(judge, "complied_harmfully", None)):
        return [None] * len(responses)
    try:
        return [bool(v) for v in judge.complied_harmfully(prompts, responses)]
    except VerdictUnavailable:
        return [None] * len(responses)
