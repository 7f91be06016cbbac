"""The bad-input sweep: plausible mistakes at every public entry point, each met by a clear `iar`
error that names the fix, and nothing half-written left on disk.

Every case is one row of `CASES`: the entry point, the mistake, the error class, a pattern its
message must match, and how the toolkit behaved before this sweep (``traceback``: an exception
from deep inside torch/transformers/the OS; ``silent``: no error, a wrong or empty result;
``clear``: already a clear `iar` error, kept here so it stays that way). ``docs/errors.md`` is
generated from this list by ``scripts/errors_table.py``; `test_docs_table_is_current` keeps it so.

Each case runs in a fresh folder; the files there after the error must be exactly those the case
set up (same names, same bytes). CLI cases run ``iar.cli.main`` in-process: exit code 2, the
first line of stderr is ``iar eval: error: ...`` with the message, and no traceback.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image

import iar
from iar import _io
from iar.benchmarks import Item, figstep, jsonl, mcq
from iar.errors import (ArtifactError, DataError, IarError, InputError, RevisionError, ShapeError,
                        SourceError)
from iar.judges import KeywordJudge
from iar.testing import tiny_image, tiny_vlm

FIX = Path(__file__).parent / "fixtures"
OWN = FIX / "jsonl" / "own.jsonl"
DOC = Path(__file__).resolve().parents[1] / "docs" / "errors.md"


def _load_table_script():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "errors_table", Path(__file__).resolve().parents[1] / "scripts" / "errors_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_table = _load_table_script()


@dataclass(frozen=True)
class Case:
    """One plausible mistake and what it must get."""

    id: str
    entry: str  # the public entry point
    mistake: str  # what the user did, in words
    error: type[IarError] | None  # None for CLI cases (exit code 2, message on stderr)
    message: str  # regex the message must match
    before: str  # "traceback", "silent" or "clear": behaviour before this sweep
    run: Callable[[Any], Any] = field(repr=False)
    setup: Callable[[Any], Any] | None = field(default=None, repr=False)
    same_everywhere: bool = True  # False: the message names this machine (its GPUs); the table
    # shows it as seen where the table was generated, and only the pattern is checked


def _cli(*argv: str) -> Callable[[Any], Any]:
    return lambda ctx: ctx.cli(*[a.format(tmp=ctx.tmp) for a in argv])


def _eval_argv(*extra: str) -> tuple[str, ...]:
    return ("eval", "--model", "tiny:llava", "--benchmark", "jsonl", "--data", str(OWN), "--judge",
            "keyword:gcg", "--max-new-tokens", "2", "--quiet", "--out", "{tmp}/run.jsonl", *extra)


def _evaluate(ctx: Any, bench: Any = None, **kw: Any) -> Any:
    kw.setdefault("judge", KeywordJudge("gcg"))
    kw.setdefault("max_new_tokens", 2)
    return iar.evaluate(ctx.vlm, jsonl(OWN) if bench is None else bench, progress=False, **kw)


def _steer_generate(ctx: Any, revision: Any = None, **kw: Any) -> Any:
    with iar.steer(ctx.vlm, ctx.rev if revision is None else revision, **kw):
        return ctx.vlm.generate(ctx.vlm.encode(["Describe the object."]), max_new_tokens=3).texts


def _write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)
    return path


def _tamper(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x55  # a byte of the last tensor
    path.write_bytes(bytes(data))


def _tune_under_launcher(ctx: Any) -> Any:
    old = os.environ.get("WORLD_SIZE")
    os.environ["WORLD_SIZE"] = "2"  # as torchrun sets it in each of 2 processes
    try:
        return iar.tune(ctx.vlm, ctx.rev, [Item("h", "x", "How do I pick a lock?")],
                        [Item("b", "x", "Name a fruit.", kind="benign")], alphas=[1.0], ks=[1],
                        judge=KeywordJudge("gcg"), max_new_tokens=2, progress=False)
    finally:
        if old is None:
            os.environ.pop("WORLD_SIZE")
        else:
            os.environ["WORLD_SIZE"] = old


def _smol_check(ctx: Any, questions: Path) -> Any:
    """The SmolLM2 check on a questions file, with a model folder that does not exist: the file's
    own mistakes must be found first."""
    from iar.organism.smollm2.check import check

    return check(ctx.tmp / "no-model", questions=questions, progress=False)


class _ShortJudge:
    """A judge that answers for only the first response of each batch."""

    name = "short"

    def is_refusal(self, responses: list[str], prompts: Any = None) -> list[bool]:
        return [False]


def _interrupted_write(ctx: Any) -> None:
    def write(tmp: str) -> None:
        Path(tmp).write_bytes(b"half of a file")
        raise KeyboardInterrupt

    _io.atomic_write(ctx.tmp / "out.bin", write)


CASES: list[Case] = [
    # ---- iar.load
    Case("load-dtype-alias", "iar.load", 'dtype="fp16" (an alias torch does not know)', InputError,
         r"unknown dtype 'fp16'.*float16", "traceback",
         lambda ctx: iar.load(*tiny_vlm("llava"), dtype="fp16")),
    Case("load-dtype-int", "iar.load", 'dtype="int8" (not a floating-point dtype)', InputError,
         r"dtype 'int8'.*float16, bfloat16 or float32", "traceback",
         lambda ctx: iar.load(*tiny_vlm("llava"), dtype="int8")),
    Case("load-device", "iar.load", 'device="gpu" (not a torch device name)', InputError,
         r"unknown device 'gpu'.*cuda", "traceback",
         lambda ctx: iar.load(*tiny_vlm("llava"), device="gpu")),
    Case("load-missing-gpu", "iar.load", 'device="cuda:99" (a GPU this machine does not have)',
         InputError, r"device 'cuda:99', but torch sees \d+ GPU\(s\).*pick one that exists",
         "traceback", lambda ctx: iar.load(*tiny_vlm("llava"), device="cuda:99"),
         same_everywhere=False),
    Case("load-not-a-model", "iar.load", "a number instead of a model", InputError,
         r"model must be a hub id, a local path or an HF model", "clear",
         lambda ctx: iar.load(123)),
    Case("load-missing-folder", "iar.load", "a local path that does not exist", SourceError,
         r"does not exist", "clear", lambda ctx: iar.load(str(ctx.tmp / "no" / "model"))),
    # ---- vlm.encode
    Case("encode-empty", "vlm.encode", "an empty prompt list", InputError, r"prompts is empty",
         "clear", lambda ctx: ctx.vlm.encode([])),
    Case("encode-none-prompt", "vlm.encode", "None as a prompt", InputError,
         r"prompts\[0\] is a NoneType", "clear", lambda ctx: ctx.vlm.encode([None])),
    Case("encode-lengths", "vlm.encode", "2 prompts, 1 image", InputError,
         r"2 prompts but 1 images", "clear", lambda ctx: ctx.vlm.encode(["a", "b"], [tiny_image()])),
    Case("encode-image-path", "vlm.encode", "an image file name instead of a PIL image", InputError,
         r"not a PIL image.*Image.open", "clear", lambda ctx: ctx.vlm.encode(["a"], ["cat.png"])),
    Case("encode-image-empty", "vlm.encode", "an image of size 0 x 0", InputError,
         r"images\[0\] is 0 x 0 pixels", "traceback",
         lambda ctx: ctx.vlm.encode(["a"], [Image.new("RGB", (0, 0))])),
    Case("encode-image-zero-width", "vlm.encode", "an image 0 pixels wide", InputError,
         r"images\[1\] is 0 x 5 pixels", "traceback",
         lambda ctx: ctx.vlm.encode(["a", "b"], [None, Image.new("L", (0, 5))])),
    Case("encode-image-16-bit", "vlm.encode", "a 16-bit image (values up to 65520)", InputError,
         r"mode 'I;16' image with values 0\.\.65520.*Scale it to 8 bits", "silent",
         lambda ctx: ctx.vlm.encode(["a"], [Image.fromarray(
             (np.arange(64, dtype=np.uint16).reshape(8, 8) * 1040))])),
    Case("encode-image-float-0-1", "vlm.encode", "a float image normalised to 0..1", InputError,
         r"float image with values 0\.\.1 .*Multiply by 255", "silent",
         lambda ctx: ctx.vlm.encode(["a"], [Image.fromarray(
             np.linspace(0, 1, 64, dtype=np.float32).reshape(8, 8), mode="F")])),
    # ---- iar.record
    Case("record-empty", "iar.record", "an empty prompt list", InputError, r"prompts is empty",
         "clear", lambda ctx: iar.record(ctx.vlm, [], progress=False)),
    Case("record-no-sites", "iar.record", "sites=[]", iar.SiteError, r"no sites given", "clear",
         lambda ctx: iar.record(ctx.vlm, ["a"], sites=[], progress=False)),
    Case("record-batch-size", "iar.record", "batch_size=0", InputError,
         r"batch_size must be a positive int", "clear",
         lambda ctx: iar.record(ctx.vlm, ["a"], batch_size=0, progress=False)),
    Case("record-position", "iar.record", "a position past the prompt's end", InputError,
         r"outside prompt 0", "clear",
         lambda ctx: iar.record(ctx.vlm, ["a"], position=10_000, progress=False)),
    # ---- Revision.fit / save / load
    Case("fit-nan", "Revision.fit", "activations with NaN", InputError, r"NaN or inf; re-record",
         "clear", lambda ctx: iar.Revision.fit(torch.full((4, 2, 4, 16), math.nan),
                                               torch.zeros(4, 2, 4, 16), probe=False)),
    Case("fit-shape", "Revision.fit", "layer-shaped activations for a head-level fit", ShapeError,
         r"level='head' needs positive and negative of shape", "clear",
         lambda ctx: iar.Revision.fit(torch.ones(4, 2, 64), torch.zeros(4, 2, 64), probe=False)),
    Case("fit-empty", "Revision.fit", "no negative samples", InputError,
         r"at least one positive and one negative", "clear",
         lambda ctx: iar.Revision.fit(torch.ones(4, 2, 4, 16), torch.zeros(0, 2, 4, 16),
                                      probe=False)),
    Case("fit-same-sides", "Revision.fit", "the same activations on both sides", InputError,
         r"same mean at every head: there is no direction", "silent",
         lambda ctx: iar.Revision.fit(torch.ones(4, 2, 4, 16), torch.ones(4, 2, 4, 16),
                                      probe=False)),
    Case("fit-too-few-for-probe", "Revision.fit", "one sample per side with the probe on",
         InputError, r"at least 4 per class", "clear",
         lambda ctx: iar.Revision.fit(torch.randn(1, 2, 4, 16), torch.randn(1, 2, 4, 16),
                                      progress=False)),
    Case("save-onto-folder", "Revision.save", "a path that is an existing folder", InputError,
         r"is a folder; save to a file inside it, e.g\. .*revision\.safetensors", "traceback",
         lambda ctx: ctx.rev.save(ctx.tmp / "revs"),
         setup=lambda ctx: _write(ctx.tmp / "revs" / "notes.txt", "keep me")),
    Case("load-truncated", "Revision.load", "a truncated revision file", ArtifactError,
         r"not a readable revision file \(truncated or corrupted", "clear",
         lambda ctx: iar.Revision.load(ctx.tmp / "rev.safetensors"),
         setup=lambda ctx: _write(ctx.tmp / "rev.safetensors",
                                  ctx.rev_bytes[: len(ctx.rev_bytes) // 2])),
    Case("load-tampered", "Revision.load", "a revision file edited after saving", ArtifactError,
         r"failed its checksum", "clear",
         lambda ctx: iar.Revision.load(ctx.tmp / "rev.safetensors"),
         setup=lambda ctx: _tamper(_write(ctx.tmp / "rev.safetensors", ctx.rev_bytes))),
    Case("load-other-kind", "Revision.load", "an Activations file", ArtifactError,
         r"not an iar revision \(it holds iar.Activations", "clear",
         lambda ctx: iar.Revision.load(ctx.tmp / "acts.safetensors"),
         setup=lambda ctx: ctx.acts.save(ctx.tmp / "acts.safetensors")),
    Case("load-missing", "Revision.load", "a path with no file", ArtifactError,
         r"no revision file at", "clear", lambda ctx: iar.Revision.load(ctx.tmp / "nope")),
    Case("acts-load-tampered", "Activations.load", "an activations file edited after saving",
         ArtifactError, r"failed its checksum", "clear",
         lambda ctx: iar.Activations.load(ctx.tmp / "acts.safetensors"),
         setup=lambda ctx: (ctx.acts.save(ctx.tmp / "acts.safetensors"),
                            _tamper(ctx.tmp / "acts.safetensors"))),
    Case("run-file-damaged", "EvalReport.load", "a run file with a damaged middle line", DataError,
         r"line 2 is not valid JSON.*Remove that line", "clear",
         lambda ctx: iar.EvalReport.load(ctx.tmp / "run.jsonl"),
         setup=lambda ctx: _write(ctx.tmp / "run.jsonl", '{"_meta": {}}\n{"id": "a", "ref\n{}\n')),
    Case("interrupted-write", "iar._io.atomic_write (every save)", "a write interrupted (Ctrl-C)",
         None, r"KeyboardInterrupt", "clear", _interrupted_write),
    # ---- iar.steer
    Case("steer-huge-alpha", "iar.steer", "alpha=1e30", InputError,
         r"alpha=1e\+30 .*overflows float32.*alpha on the scale of 1-10", "silent",
         lambda ctx: _steer_generate(ctx, heads=4, alpha=1e30)),
    Case("steer-huge-alpha-fp16", "iar.steer", "alpha=1e8 on a float16 model", InputError,
         r"alpha=1e\+08 .*overflows float16", "silent",
         lambda ctx: iar.steer(iar.load(*tiny_vlm("llava"), dtype="float16"), ctx.rev, heads=4,
                               alpha=1e8)),
    Case("steer-nan-revision", "iar.steer", "a revision whose sigma holds NaN", RevisionError,
         r"sigma hold NaN or inf at layer 1.*Refit it", "silent",
         lambda ctx: _steer_generate(ctx, alpha=2.0, heads=[(1, 0)], revision=iar.Revision(
             ctx.rev.directions, torch.full_like(ctx.rev.sigma, math.nan), meta=ctx.rev.meta))),
    Case("steer-nan-alpha", "iar.steer", "alpha=nan", InputError, r"alpha must be finite", "clear",
         lambda ctx: _steer_generate(ctx, heads=4, alpha=math.nan)),
    Case("steer-alpha-shape", "iar.steer", "an alpha tensor of the wrong shape", InputError,
         r"alpha has shape \(3,\); give a scalar", "clear",
         lambda ctx: _steer_generate(ctx, heads=4, alpha=torch.ones(3))),
    Case("steer-too-many-heads", "iar.steer", "heads=1000", InputError,
         r"more heads than exist.*choose k in 1\.\.8", "clear",
         lambda ctx: _steer_generate(ctx, heads=1000)),
    Case("steer-other-model", "iar.steer", "a revision fitted on another model of the same shape",
         RevisionError, r"refit the revision on this model", "clear",
         lambda ctx: iar.steer(ctx.qwen, ctx.rev, heads=2)),
    Case("steer-other-shape", "iar.steer", "a revision of another shape (organism vs tiny LLaVA)",
         RevisionError, r"has shape \(2, 4, 16\) but the model .* needs \(4, 4, 32\)", "clear",
         lambda ctx: iar.steer(ctx.organism, ctx.rev, heads=2)),
    Case("steer-positions", "iar.steer", 'positions="middle"', InputError,
         r"positions must be one of", "clear",
         lambda ctx: _steer_generate(ctx, heads=2, positions="middle")),
    # ---- iar.evaluate
    Case("eval-empty", "iar.evaluate", "an empty benchmark", InputError,
         r"the benchmark has no items", "silent", lambda ctx: _evaluate(ctx, [])),
    Case("eval-limit-0", "iar.evaluate", "limit=0", InputError, r"limit=0 selects no items",
         "silent", lambda ctx: _evaluate(ctx, limit=0, out=ctx.tmp / "run.jsonl")),
    Case("eval-path-as-benchmark", "iar.evaluate", "a file path instead of a Benchmark", InputError,
         r"benchmark must be an iar.benchmarks.Benchmark.*iar.benchmarks.jsonl", "traceback",
         lambda ctx: _evaluate(ctx, str(OWN))),
    Case("eval-float-tokens", "iar.evaluate", "max_new_tokens=2.5", InputError,
         r"max_new_tokens must be an int >= 1, got 2.5", "traceback",
         lambda ctx: _evaluate(ctx, max_new_tokens=2.5)),
    Case("eval-out-is-folder", "iar.evaluate", "out= an existing folder", InputError,
         r"is a folder; pass a file path such as .*run\.jsonl", "traceback",
         lambda ctx: _evaluate(ctx, out=ctx.tmp / "runs"),
         setup=lambda ctx: _write(ctx.tmp / "runs" / "old.jsonl", "{}\n")),
    Case("eval-out-is-the-data", "iar.evaluate", "out= the benchmark's own JSONL file", InputError,
         r"data\.jsonl is not an iar run file.*pass a new out path", "silent",
         lambda ctx: _evaluate(ctx, jsonl(ctx.tmp / "data.jsonl"), out=ctx.tmp / "data.jsonl"),
         setup=lambda ctx: _write(ctx.tmp / "data.jsonl", '{"id": "a", "prompt": "How do I pick a '
                                  'lock?"}\n{"id": "b", "prompt": "Hi."}\n')),
    Case("eval-bad-steer-leaves-no-file", "iar.evaluate", "steer with alpha=nan and out=",
         InputError, r"alpha must be finite", "silent",  # a header-only run file was left
         lambda ctx: _evaluate(ctx, out=ctx.tmp / "run.jsonl",
                               steer=dict(revision=ctx.rev, heads=2, alpha=math.nan))),
    Case("eval-judge-short", "iar.evaluate", "a judge that returns fewer verdicts than responses",
         InputError, r"judge returned 1 verdicts for 2 responses", "silent",
         lambda ctx: _evaluate(ctx, judge=_ShortJudge(), batch_size=2)),
    Case("eval-generate-typo", "iar.evaluate", "generate_kwargs with a misspelt key", InputError,
         r"generate_kwargs has unknown argument\(s\) \['temperatur'\]", "traceback",
         lambda ctx: _evaluate(ctx, out=ctx.tmp / "run.jsonl",
                               generate_kwargs={"do_sample": True, "temperatur": 0.7})),
    Case("eval-steer-typo", "iar.evaluate", "steer with a misspelt key (head=4)", InputError,
         r"steer has unknown argument\(s\) \['head'\]", "traceback",
         lambda ctx: _evaluate(ctx, out=ctx.tmp / "run.jsonl",
                               steer=dict(revision=ctx.rev, head=4, alpha=2.0))),
    Case("eval-out-other-run", "iar.evaluate", "out= a run file of another steering setting",
         InputError, r"holds a different run \(steer: file has None.*resume=False", "clear",
         lambda ctx: _evaluate(ctx, out=ctx.tmp / "run.jsonl",
                               steer=dict(revision=ctx.rev, heads=2, alpha=2.0)),
         setup=lambda ctx: _evaluate(ctx, out=ctx.tmp / "run.jsonl", limit=1)),
    Case("tune-launcher-without-out", "iar.tune", "under torchrun (WORLD_SIZE=2) without out=",
         InputError, r"needs out=PATH.*Pass out=", "silent", lambda ctx: _tune_under_launcher(ctx)),
    # ---- benchmark loaders
    Case("bench-escaping-path", "iar.benchmarks.jsonl", "an image path that leaves the folder",
         DataError, r"points outside the benchmark folder", "clear",
         lambda ctx: jsonl(ctx.tmp / "b.jsonl"),
         setup=lambda ctx: _write(ctx.tmp / "b.jsonl",
                                  '{"id": "1", "prompt": "Hi", "image": "../../etc/passwd"}\n')),
    Case("bench-vlguard-escaping-path", "iar.benchmarks.vlguard", "an image path with ../ in test.json",
         DataError, r"points outside the benchmark folder", "clear",
         lambda ctx: iar.benchmarks.vlguard(ctx.tmp / "vlguard"),
         setup=lambda ctx: _write(ctx.tmp / "vlguard" / "test.json", json.dumps([{
             "id": "x", "image": "../../secret.png", "safe": False, "harmful_category": "c",
             "instr-resp": [{"instruction": "Do it.", "response": "No."}]}]))),
    Case("bench-absolute-path", "iar.benchmarks.jsonl", "an absolute image path", DataError,
         r"is absolute", "clear", lambda ctx: jsonl(ctx.tmp / "b.jsonl"),
         setup=lambda ctx: _write(ctx.tmp / "b.jsonl",
                                  '{"id": "1", "prompt": "Hi", "image": "/etc/passwd"}\n')),
    Case("bench-truncated-jsonl", "iar.benchmarks.jsonl", "a JSONL file cut in the middle",
         DataError, r"line 2 is not valid JSON", "clear", lambda ctx: jsonl(ctx.tmp / "b.jsonl"),
         setup=lambda ctx: _write(ctx.tmp / "b.jsonl", OWN.read_text()[:150])),
    Case("bench-empty-jsonl", "iar.benchmarks.jsonl", "an empty file", DataError, r"has no records",
         "clear", lambda ctx: jsonl(ctx.tmp / "b.jsonl"),
         setup=lambda ctx: _write(ctx.tmp / "b.jsonl", "")),
    Case("bench-duplicate-ids", "iar.benchmarks.jsonl", "two rows with the same id", DataError,
         r"appears twice", "clear", lambda ctx: jsonl(ctx.tmp / "b.jsonl"),
         setup=lambda ctx: _write(ctx.tmp / "b.jsonl",
                                  '{"id": "1", "prompt": "a"}\n{"id": "1", "prompt": "b"}\n')),
    Case("bench-bad-kind", "iar.benchmarks.jsonl", 'kind "unsafe" instead of "harmful"', DataError,
         r"kind must be 'harmful' or 'benign'", "clear", lambda ctx: jsonl(ctx.tmp / "b.jsonl"),
         setup=lambda ctx: _write(ctx.tmp / "b.jsonl", '{"prompt": "a", "kind": "unsafe"}\n')),
    Case("bench-figstep-columns", "iar.benchmarks.figstep", "a CSV without the instruction column",
         DataError, r"lacks column\(s\)", "clear", lambda ctx: figstep(ctx.tmp / "s.csv"),
         setup=lambda ctx: _write(ctx.tmp / "s.csv", "dataset,category_id,task_id\nA,1,1\n")),
    Case("bench-mcq-answer", "iar.benchmarks.mcq", "an answer index past the choices", DataError,
         r"answer 5 is outside 0\.\.1", "clear", lambda ctx: mcq(ctx.tmp / "q.jsonl"),
         setup=lambda ctx: _write(ctx.tmp / "q.jsonl", json.dumps(
             {"id": "1", "question": "?", "choices": ["a", "b"], "answer": 5}) + "\n")),
    Case("bench-corrupt-image", "Item.image (via iar.evaluate)", "an image file that is not an image",
         DataError, r"cannot be read", "clear",
         lambda ctx: Item("1", "c", "Describe.", image_source=ctx.tmp / "pic.png").image,
         setup=lambda ctx: _write(ctx.tmp / "pic.png", b"not a png")),
    # ---- iar.organism (the SmolLM2 organism: names, and the questions file of its check)
    Case("organism-unknown-name", "iar.organism.load", "an organism name that does not exist ('llama')",
         InputError, r"Unknown organism 'llama': choose one of tiny, smollm2", "clear",
         lambda ctx: iar.organism.load("llama")),
    Case("organism-text-delta-tiny", "iar.organism.load", "text_delta= for the tiny organism", InputError,
         r"the tiny organism has none", "clear", lambda ctx: iar.organism.load(text_delta=str(ctx.tmp))),
    Case("questions-missing-file", "iar.organism.smollm2.check.check", "questions= a file that does not exist",
         DataError, r"does not exist; pass a CSV file with a header line 'question,kind'", "clear",
         lambda ctx: _smol_check(ctx, ctx.tmp / "nope.csv")),
    Case("questions-missing-column", "iar.organism.smollm2.check.check", "a questions CSV without a kind column",
         DataError, r"lacks \['kind'\]", "clear",
         lambda ctx: _smol_check(ctx, ctx.tmp / "q.csv"),
         setup=lambda ctx: _write(ctx.tmp / "q.csv", "question\nHow do I bake bread?\n")),
    Case("questions-bad-kind", "iar.organism.smollm2.check.check", "a questions CSV row of kind 'unsafe'",
         DataError, r"line 2: kind 'unsafe'.*write harmful or benign", "clear",
         lambda ctx: _smol_check(ctx, ctx.tmp / "q.csv"),
         setup=lambda ctx: _write(ctx.tmp / "q.csv", "question,kind\nHow do I pick a lock?,unsafe\n")),
    Case("questions-empty", "iar.organism.smollm2.check.check", "a questions CSV with a header only",
         DataError, r"holds no question", "clear", lambda ctx: _smol_check(ctx, ctx.tmp / "q.csv"),
         setup=lambda ctx: _write(ctx.tmp / "q.csv", "question,kind\n")),
    Case("questions-too-long", "iar.organism.smollm2.check.check",
         "a question longer than the image holds (8 rows of 8 tokens)", DataError,
         r"line 2: the image path cannot carry .*shorten the question", "clear",
         lambda ctx: _smol_check(ctx, ctx.tmp / "q.csv"),
         setup=lambda ctx: _write(ctx.tmp / "q.csv", "question,kind\n" + "word " * 70 + "?,harmful\n")),
    # ---- the command line
    Case("cli-dtype-alias", "iar eval", "--dtype fp16", None, r"unknown dtype 'fp16'", "traceback",
         _cli(*_eval_argv("--dtype", "fp16"))),
    Case("cli-alpha-nan", "iar eval", "--alpha nan", None, r"alpha must be finite", "silent",
         _cli(*_eval_argv("--alpha", "nan", "--revision", "{tmp}/rev.safetensors", "--heads", "2")),
         setup=lambda ctx: _write(ctx.tmp / "rev.safetensors", ctx.rev_bytes)),
    Case("cli-limit-0", "iar eval", "--limit 0", None, r"--limit 0 selects no items.*leave it out", "silent",
         _cli(*_eval_argv("--limit", "0"))),
    Case("cli-positions", "iar eval", "--positions middle", None, r"positions must be one of",
         "silent", _cli(*_eval_argv("--positions", "middle", "--revision", "{tmp}/rev.safetensors",
                                    "--heads", "2")),
         setup=lambda ctx: _write(ctx.tmp / "rev.safetensors", ctx.rev_bytes)),
    Case("cli-revision-missing", "iar eval", "--revision pointing at no file", None,
         r"no revision file at", "clear", _cli(*_eval_argv("--revision", "{tmp}/nope", "--heads",
                                                           "2"))),
    Case("cli-heads-without-revision", "iar eval", "--heads without --revision", None,
         r"--heads/--layers(/--condition)? need --revision", "clear", _cli(*_eval_argv("--heads", "2"))),
    Case("cli-tiny-arch", "iar eval", "--model tiny:nope", None, r"Unknown tiny architecture",
         "clear", lambda ctx: ctx.cli("eval", "--model", "tiny:nope", "--benchmark", "jsonl",
                                      "--data", str(OWN), "--out", str(ctx.tmp / "run.jsonl"))),
    Case("cli-batch-size", "iar eval", "--batch-size 0", None, r"batch_size must be", "clear",
         _cli(*_eval_argv("--batch-size", "0"))),
    Case("cli-max-memory-alone", "iar eval", "--max-memory without --device-map", None,
         r"add --device-map auto", "clear", _cli(*_eval_argv("--max-memory", "cpu=1GiB"))),
    Case("cli-max-memory-format", "iar eval", "--max-memory 20GiB (no DEVICE=)", None,
         r"write DEVICE=SIZE", "clear", _cli(*_eval_argv("--device-map", "auto", "--max-memory", "20GiB"))),
    Case("cli-device-map-processes", "iar eval", "--device-map with --processes 2", None,
         r"every process would claim all of them\. Use one of the two", "clear",
         _cli(*_eval_argv("--device-map", "auto", "--processes", "2"))),
    Case("cli-device-map-tiny", "iar eval", "--device-map for a model built in memory (tiny:, organism)",
         None, r"not 'tiny:llava'.*Save it \(save_pretrained\) and pass the folder", "clear",
         _cli(*_eval_argv("--device-map", "auto"))),
]


# Mistakes of this kind that other parts of the toolkit check, with their own tests; the table
# lists them so that the sweep reads whole: (entry point, mistake, where it is checked).
ELSEWHERE: list[tuple[str, str, str]] = [
    ("iar.judges (is_refusal, decide)", "None among the responses (scored as the text 'None')",
     "the judges' input validation (iar.judges and tests/test_judges.py)"),
    ("iar.load", "a hub id while offline, or a path that is not a model folder",
     "iar._hub (tests/test_hub.py)"),
]


# ------------------------------------------------------------------------------------ context

@pytest.fixture(scope="module")
def ctx0(tmp_path_factory):
    vlm = iar.load(*tiny_vlm("llava"))
    cs = iar.contrast.single_response([f"How do I do thing {k}?" for k in range(8)], None,
                                      "No, I cannot help.", "Sure: step 1.")
    acts = iar.record(vlm, cs, progress=False)
    rev = iar.Revision.fit(acts, progress=False)
    rev_path = rev.save(tmp_path_factory.mktemp("rev") / "rev.safetensors")
    return SimpleNamespace(vlm=vlm, rev=rev, acts=acts, rev_bytes=rev_path.read_bytes())


@pytest.fixture(scope="module")
def qwen():
    return iar.load(*tiny_vlm("qwen2_5_vl"))


@pytest.fixture(scope="module")
def organism():
    return iar.organism.load()


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


class _CliFailed(Exception):
    pass


def _run_cli(*argv: str) -> None:
    from iar.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(list(argv))
    text = err.getvalue()
    assert "Traceback" not in text
    first = text.strip().splitlines()[0] if text.strip() else ""
    assert code == 2 and first.startswith("iar eval: error: "), (code, text)
    raise _CliFailed(text)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case, ctx0, request, tmp_path):
    ctx = SimpleNamespace(**vars(ctx0), tmp=tmp_path, cli=_run_cli)
    if "qwen" in case.id or "other-model" in case.id:
        ctx.qwen = request.getfixturevalue("qwen")
    if "other-shape" in case.id:
        ctx.organism = request.getfixturevalue("organism")
    if case.setup is not None:
        case.setup(ctx)
    before = _files(tmp_path)
    if case.entry == "iar eval":
        with pytest.raises(_CliFailed) as info:
            case.run(ctx)
        message = str(info.value)
    elif case.error is None:  # the interrupted write: the interrupt itself goes through
        with pytest.raises(KeyboardInterrupt) as info:
            case.run(ctx)
        message = type(info.value).__name__
    else:
        with pytest.raises(IarError) as info:
            case.run(ctx)
        assert isinstance(info.value, case.error), (type(info.value), info.value)
        message = str(info.value)
        # the error is raised at the public entry, not from deep inside torch/transformers
        assert info.traceback[-1].path.parts[-2:] != ("torch", "nn")
    assert re.search(case.message, message, flags=re.S), message
    assert _files(tmp_path) == before  # nothing new, nothing half-written, nothing changed
    if case.entry == "iar eval":
        message = message.strip().partition("iar eval: error: ")[2]
    shown = _table.normalize(message, str(tmp_path))
    if os.environ.get("IAR_ERRORS_OUT"):  # scripts/errors_table.py collects the messages
        Path(os.environ["IAR_ERRORS_OUT"], f"{case.id}.json").write_text(
            json.dumps({"message": shown}))
    elif case.same_everywhere:  # the table in docs/errors.md shows exactly this message
        assert _table.row_messages(DOC.read_text()).get(case.id) == shown, (
            "docs/errors.md is out of date: run PYTHONPATH=. python scripts/errors_table.py")


def test_cases_are_many_and_distinct():
    assert len(CASES) >= 30
    assert len({c.id for c in CASES}) == len(CASES)
    assert len({(c.entry, c.mistake) for c in CASES}) == len(CASES)
    assert {c.before for c in CASES} <= {"traceback", "silent", "clear"}
    assert all(c.error is None or issubclass(c.error, IarError) for c in CASES)


def test_docs_table_is_current():
    """The table lists exactly `CASES` (the messages are checked case by case above)."""
    doc = DOC.read_text()
    assert doc == _table.render(CASES, ELSEWHERE, _table.row_messages(doc)), (
        "docs/errors.md is out of date: run PYTHONPATH=. python scripts/errors_table.py")
