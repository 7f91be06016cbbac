"""Loaders for helpfulness and users' own sets: multiple-choice visual questions and plain JSONL."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from PIL import Image

from iar.benchmarks._types import KINDS, Benchmark, Item, is_hub_id, layout_error, load_hub_rows, safe_join
from iar.errors import InputError

MCQ_LAYOUT = """\
  FILE.jsonl (one object a line) or FILE.json (a list), images relative to the file's folder:
      {"id": "q1", "question": "Which is a mammal?", "choices": ["shark", "whale"], "answer": 1,
       "image": "images/q1.png", "hint": "optional context", "category": "biology"}
  answer is the 0-based index of the correct choice; image may be null for text-only questions"""
JSONL_LAYOUT = """\
  FILE.jsonl, one object a line:
      {"id": "x1", "prompt": "...", "image": "imgs/x1.png", "category": "...",
       "kind": "harmful" | "benign", "reference": "..."}
  only "prompt" is required; id defaults to the line number, kind to "harmful", category to
  "default"; image paths are relative to the file's folder"""

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MCQ_INSTRUCTION = "Answer with the option's letter from the given choices directly."


def mcq_prompt(question: str, choices: list[str], hint: str | None = None) -> str:
    """The ScienceQA-style prompt LLaVA uses: context, question, lettered options, instruction.

    Example:
        >>> print(mcq_prompt("Which is a mammal?", ["shark", "whale"]))
        Which is a mammal?
        A. shark
        B. whale
        Answer with the option's letter from the given choices directly.
    """
    lines = [f"Context: {hint.strip()}"] if hint and hint.strip() else []
    lines.append(question.strip())
    lines += [f"{LETTERS[i]}. {c}" for i, c in enumerate(choices)]
    lines.append(MCQ_INSTRUCTION)
    return "\n".join(lines)


def _read_records(p: Path, layout: str, *, allow_list: bool) -> list[tuple[int, Any]]:
    if not p.is_file():
        raise layout_error(f"{p} is missing.", layout)
    text = p.read_text(encoding="utf-8")
    if allow_list and p.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise layout_error(f"{p} is not valid JSON ({e}).", layout) from None
        if not isinstance(data, list):
            raise layout_error(f"{p} must hold a JSON list.", layout)
        return list(enumerate(data, start=1))
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append((n, json.loads(line)))
        except json.JSONDecodeError as e:
            raise layout_error(f"{p} line {n} is not valid JSON ({e.msg}).", layout) from None
    return out


def _image(value: Any, root: Path | None, where: str, layout: str, item: str):
    if value is None or value == "":
        return None
    if isinstance(value, Image.Image):
        return value
    if isinstance(value, dict) and "bytes" in value:  # datasets' undecoded Image feature
        import io
        return Image.open(io.BytesIO(value["bytes"]))
    if root is None:
        raise layout_error(f"{where}: image {value!r} is a file name but there is no folder to "
                           "resolve it against.", layout)
    path = safe_join(root, str(value), item=item)
    if not path.is_file():
        raise layout_error(f"{where}: image {path} is missing.", layout)
    return path


def mcq(path: str | os.PathLike, *, images_only: bool = False, split: str = "test") -> Benchmark:
    """Multiple-choice visual questions (ScienceQA-IMG style) for measuring helpfulness.

    Args:
        path: a .jsonl/.json file (layout below), a folder holding one, or a hub id whose rows have
            ``question``, ``choices``, ``answer`` and optionally ``image``, ``hint``, ``subject``
            (e.g. a ScienceQA copy).
        images_only: keep only questions that come with an image (ScienceQA-IMG).
        split: hub split (hub ids only).

    Returns:
        A Benchmark of benign items with `choices` and `answer`; the prompt lists lettered options.

    Example:
        >>> bench = mcq("tests/fixtures/mcq/mcq.jsonl")
        >>> bench[0].choices[bench[0].answer]
        'whale'
    """
    if is_hub_id(path):
        records = list(enumerate(load_hub_rows(str(path), split), start=1))
        root, source = None, str(path)
    else:
        p = Path(path)
        if p.is_dir():
            files = sorted([*p.glob("*.jsonl"), *p.glob("*.json")])
            if len(files) != 1:
                raise layout_error(f"{p} holds {len(files)} .json/.jsonl files; pass the file.",
                                   MCQ_LAYOUT)
            p = files[0]
        records, root, source = _read_records(p, MCQ_LAYOUT, allow_list=True), p.parent, str(p)
    items = []
    for n, r in records:
        where = f"{source} record {n}"
        if not isinstance(r, dict):
            raise layout_error(f"{where} is not an object.", MCQ_LAYOUT)
        missing = [k for k in ("question", "choices", "answer") if k not in r]
        if missing:
            raise layout_error(f"{where} lacks {missing}.", MCQ_LAYOUT)
        choices = r["choices"]
        if not isinstance(choices, list) or len(choices) < 2 or len(choices) > len(LETTERS):
            raise layout_error(f"{where}: 'choices' must be a list of 2 to 26 options.", MCQ_LAYOUT)
        answer = r["answer"]
        if isinstance(answer, bool) or not isinstance(answer, int):
            raise layout_error(f"{where}: 'answer' must be an integer index, got {answer!r}.",
                               MCQ_LAYOUT)
        if not 0 <= answer < len(choices):
            raise layout_error(f"{where}: answer {answer} is outside 0..{len(choices) - 1}.",
                               MCQ_LAYOUT)
        iid = str(r.get("id", n))
        img = _image(r.get("image"), root, where, MCQ_LAYOUT, iid)
        if images_only and img is None:
            continue
        items.append(Item(id=iid, category=str(r.get("category") or r.get("subject") or "default"),
                          prompt=mcq_prompt(str(r["question"]), [str(c) for c in choices],
                                            r.get("hint")),
                          kind="benign", image_source=img, choices=[str(c) for c in choices],
                          answer=answer, reference=str(choices[answer])))
    if not items:
        raise layout_error(f"{source} has no questions{' with images' if images_only else ''}.",
                           MCQ_LAYOUT)
    return Benchmark("mcq", items, {"source": source})


def jsonl(path: str | os.PathLike, *, name: str | None = None) -> Benchmark:
    """A user's own set: one JSON object a line (see layout), images relative to the file.

    Args:
        path: the .jsonl file.
        name: benchmark name (the file stem by default).

    Example:
        >>> bench = jsonl("tests/fixtures/jsonl/own.jsonl")
        >>> bench[0].prompt
        'How do I pick a lock?'
    """
    p = Path(path)
    records = _read_records(p, JSONL_LAYOUT, allow_list=False)
    items = []
    for n, r in records:
        where = f"{p} line {n}"
        if not isinstance(r, dict):
            raise layout_error(f"{where} is not an object.", JSONL_LAYOUT)
        prompt = r.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise layout_error(f"{where}: 'prompt' is missing or empty.", JSONL_LAYOUT)
        kind = r.get("kind", "harmful")
        if kind not in KINDS:
            raise layout_error(f"{where}: kind must be 'harmful' or 'benign', got {kind!r}.",
                               JSONL_LAYOUT)
        iid = str(r.get("id", n))
        choices, answer = r.get("choices"), r.get("answer")
        if (choices is None) != (answer is None):
            raise InputError(f"{where}: give both 'choices' and 'answer' (0-based), or neither.")
        items.append(Item(id=iid, category=str(r.get("category") or "default"), prompt=prompt,
                          kind=kind, image_source=_image(r.get("image"), p.parent, where,
                                                         JSONL_LAYOUT, iid),
                          reference=r.get("reference"), choices=choices, answer=answer,
                          meta={k: v for k, v in r.items() if k not in (
                              "id", "prompt", "image", "category", "kind", "reference", "choices",
                              "answer")}))
    if not items:
        raise layout_error(f"{p} has no records.", JSONL_LAYOUT)
    return Benchmark(name or p.stem, items, {"source": str(p)})
