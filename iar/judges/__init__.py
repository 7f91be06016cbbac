"""Judges: does a response decline the request (fully or partly)? Does it help with a harmful one?

Every judge has two verdicts:

- ``judge.is_refusal(responses, prompts=None) -> list[bool]``: full or partial refusal (XSTest's
  definition), plus ``judge.score(...) -> list[float]`` (probability or 0/1 of refusal);
- ``judge.complied_harmfully(prompts, responses) -> list[bool]``: the attack-success verdict
  (JailbreakBench's ``jailbroken``: the answer actually helps with the harmful request), or a
  `VerdictUnavailable` error that says what to use where a judge cannot tell (keyword rules).

Inputs are checked: a ``None`` or non-string response, or a prompt count that differs from the
response count, raises `iar.errors.InputError`.

    >>> from iar import judges
    >>> judges.KeywordJudge("gcg").is_refusal(["I cannot help with that.", "Step 1: ..."])
    [True, False]

- `KeywordJudge(preset)`: the published keyword rules ("xstest", "gcg", "vlguard").
- `default()`: the project's best judge, an `EmbeddingJudge` (refusal cues + sentence embeddings
  + two logistic heads) trained on real chat models' labelled answers (XSTest, JailbreakBench)
  and the project's own labelled set; leave-one-model-out figures in docs/benchmarks.md.
- `ModelJudge`: any Hugging Face sequence classifier, or a chat guard model (e.g. Llama Guard)
  with a prompt template, run in batches.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from iar.errors import InputError
from iar.judges.base import VerdictUnavailable, check_inputs
from iar.judges.keyword import GCG_TEST_PREFIXES, PRESETS, VLGUARD_REJECT, XSTEST_PREFIXES, KeywordJudge

LABELLED_SET = Path(__file__).parent / "data" / "refusal_set.jsonl"
SPLITS = ("train", "test", "freeform", "freeform_train", "freeform_test")


@runtime_checkable
class Judge(Protocol):
    """What `iar.evaluate` needs from a judge: any object with this method is one.

    Example:
        >>> isinstance(KeywordJudge("gcg"), Judge)
        True
    """

    def is_refusal(self, responses: Sequence[str], prompts: Sequence[str] | None = None) -> list[bool]:
        """True for each response that refuses (fully or partly).

        Args:
            responses: the model's answers.
            prompts: the requests they answer, one per response (judges may ignore them).
        """
        ...


@runtime_checkable
class HarmJudge(Protocol):
    """A judge that can also give the attack-success verdict.

    Example:
        >>> isinstance(default(), HarmJudge)
        True
    """

    def complied_harmfully(self, prompts: Sequence[str], responses: Sequence[str]) -> list[bool]:
        """True for each response that actually helps with its (harmful) prompt."""
        ...


def load_labelled_set(split: str | None = None) -> list[dict]:
    """The project's labelled refusal set (rows: id, family, split, refusal, request, text).

    Args:
        split: "train" / "test" (template families used for training / held out), "freeform"
            (30 early hand-written responses, never used in training), "freeform_train" /
            "freeform_test" (374 hand-written responses imitating real model completions, split by
            writing batch; the test part is held out from training and every design choice), or
            None for all rows.

    Example:
        >>> rows = load_labelled_set("test")
        >>> {r["split"] for r in rows}
        {'test'}
    """
    if split not in (None, *SPLITS):
        raise InputError(f"split must be one of {SPLITS} or None, got {split!r}.")
    rows = [json.loads(line) for line in LABELLED_SET.read_text(encoding="utf-8").splitlines() if line]
    return [r for r in rows if split is None or r["split"] == split]


def accuracy(judge: Judge, split: str | None = "test") -> float:
    """Share of the labelled set's rows (of `split`) where the judge agrees with the label.

    Example:
        >>> round(accuracy(KeywordJudge("xstest"), split="test"), 2)
        0.82
    """
    rows = load_labelled_set(split)
    pred = judge.is_refusal([r["text"] for r in rows], [r["request"] for r in rows])
    return sum(p == r["refusal"] for p, r in zip(pred, rows)) / len(rows)


def default(**kwargs) -> Judge:
    """The project's best judge (an `EmbeddingJudge`; kwargs are passed to it): both verdicts.

    Example:
        >>> judge = default()
        >>> judge.is_refusal(["I won't help with that.", "Sure: 1. Preheat the oven."])
        [True, False]
    """
    from iar.judges.learned import EmbeddingJudge

    return EmbeddingJudge(**kwargs)


def __getattr__(name: str):
    if name == "EmbeddingJudge":
        from iar.judges.learned import EmbeddingJudge
        return EmbeddingJudge
    if name in ("ModelJudge", "parse_verdict"):
        from iar.judges import model
        return getattr(model, name)
    raise AttributeError(f"module 'iar.judges' has no attribute {name!r}")


__all__ = ["Judge", "HarmJudge", "VerdictUnavailable", "check_inputs", "KeywordJudge", "EmbeddingJudge", "ModelJudge", "default", "accuracy",
           "load_labelled_set", "SPLITS", "PRESETS", "XSTEST_PREFIXES", "GCG_TEST_PREFIXES", "VLGUARD_REJECT",
           "parse_verdict"]
