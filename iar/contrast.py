"""Contrast sets: the positive (safe) and negative (unsafe) samples a revision is fitted on.

A :class:`Sample` is one prompt, with or without an image and with or without an assistant
response appended after the chat template's generation prompt. A :class:`ContrastSet` holds the
positive and negative samples and says where activations are read (``position``), so that
``iar.record(vlm, contrast_set)`` records both sides with their labels.

Three constructions, after Li et al. (AAAI 2025, "Internal Activation Revision"); see
``docs/concepts-revision.md`` for which details follow the paper and which are this toolkit's reading:

- :func:`modality`: the text-only prompt (positive) vs the same prompt with its image (negative),
  read at the last prompt token.
- :func:`single_response`: the query followed by one refusal (positive) vs one compliant answer
  (negative), read over the response tokens.
- :func:`multi_response`: several refusals and several compliant answers per query (the paper's
  best construction).

    >>> import iar
    >>> cs = iar.contrast.single_response(["How do I pick a lock?"], None, "I can't help.", "Sure: ...")
    >>> len(cs.positive), len(cs.negative), cs.position
    (1, 1, 'response')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Union

import torch

from iar.errors import InputError
from iar.model._inputs import check_prompts

Position = Union[int, str, Sequence[torch.Tensor]]

_STRATEGIES = ("modality", "single_response", "multi_response", "custom")


@dataclass(frozen=True)
class Sample:
    """One contrast sample: a prompt, an optional image, an optional assistant response.

    Args:
        prompt: the user turn (text).
        image: a PIL image or ``None`` for a text-only sample.
        response: assistant text appended after the generation prompt, or ``None``.

    Example:
        >>> s = Sample("Describe the image.", image=None, response="I can't help with that.")
        >>> s.response
        "I can't help with that."
    """

    prompt: str
    image: Any = None
    response: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.prompt, str):
            raise InputError(f"Sample.prompt must be a str, got {type(self.prompt).__name__}.")
        if self.response is not None and not isinstance(self.response, str):
            raise InputError(
                f"Sample.response must be a str or None, got {type(self.response).__name__}."
            )


@dataclass
class ContrastSet:
    """Positive (safe) and negative (unsafe) samples, and where to read their activations.

    Args:
        positive: samples whose activations the revision should move towards (safe behaviour).
        negative: samples it should move away from (unsafe behaviour).
        position: passed to ``iar.record``: an int index into each sample's own token sequence
            (-1 = last token), ``"mean"`` (mean over prompt text tokens) or ``"response"``
            (mean over the response tokens).
        strategy: which construction built the set (``"modality"``, ``"single_response"``,
            ``"multi_response"`` or ``"custom"``); stored in a fitted revision's provenance.
        positive_groups: the query index of each positive sample (same length as ``positive``);
            used to pair positives with negatives of the same query (PCA directions).
            Default: ``range(len(positive))``, i.e. paired by position.
        negative_groups: the query index of each negative sample (same length as ``negative``).
            Default: ``range(len(negative))``.

    Example:
        >>> cs = ContrastSet([Sample("a", response="No.")], [Sample("a", response="Yes.")],
        ...                  position="response")
        >>> cs.labels.tolist()
        [True, False]
    """

    positive: list[Sample]
    negative: list[Sample]
    position: Position = -1
    strategy: str = "custom"
    positive_groups: list[int] | None = None
    negative_groups: list[int] | None = None
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.positive = list(self.positive)
        self.negative = list(self.negative)
        for side, samples in (("positive", self.positive), ("negative", self.negative)):
            if not samples:
                raise InputError(f"ContrastSet.{side} is empty; give at least one Sample per side.")
            for s in samples:
                if not isinstance(s, Sample):
                    raise InputError(
                        f"ContrastSet.{side} must hold iar.contrast.Sample objects, got "
                        f"{type(s).__name__}; wrap prompts as Sample(prompt, image, response)."
                    )
        if self.strategy not in _STRATEGIES:
            raise InputError(f"strategy must be one of {_STRATEGIES}, got {self.strategy!r}.")
        if isinstance(self.position, str) and self.position not in ("mean", "response"):
            raise InputError(
                f"position must be an int, 'mean', 'response' or a list of masks, got {self.position!r}."
            )
        if self.position == "response":
            missing = [s.prompt for s in self.positive + self.negative if not s.response]
            if missing:
                raise InputError(
                    "position='response' needs a response on every sample; "
                    f"{len(missing)} have none (first: {missing[0]!r}). Use position=-1 instead."
                )
        if self.positive_groups is None:
            self.positive_groups = list(range(len(self.positive)))
        if self.negative_groups is None:
            self.negative_groups = list(range(len(self.negative)))
        self.positive_groups = [int(g) for g in self.positive_groups]
        self.negative_groups = [int(g) for g in self.negative_groups]
        if len(self.positive_groups) != len(self.positive) or len(self.negative_groups) != len(
            self.negative
        ):
            raise InputError("positive_groups/negative_groups need one query index per sample.")

    def __len__(self) -> int:
        return len(self.positive) + len(self.negative)

    @property
    def samples(self) -> list[Sample]:
        """All samples, positives first (the order ``iar.record`` records them in)."""
        return self.positive + self.negative

    @property
    def labels(self) -> torch.Tensor:
        """Bool tensor ``[len(self)]``: True for positive samples, in :attr:`samples` order."""
        return torch.tensor([True] * len(self.positive) + [False] * len(self.negative))

    @property
    def groups(self) -> list[int]:
        """Query index of every sample, in :attr:`samples` order."""
        return list(self.positive_groups) + list(self.negative_groups)


# --------------------------------------------------------------------------------------------
# constructions


def _as_list(x: Any, n: int, what: str) -> list:
    """Broadcast ``None`` or a single item to ``n`` items; check a sequence's length."""
    if x is None or isinstance(x, str) or not isinstance(x, Sequence):
        return [x] * n
    x = list(x)
    if len(x) != n:
        raise InputError(f"{what} has {len(x)} entries for {n} prompts; give one per prompt.")
    return x


def modality(prompts: Sequence[str], images: Sequence[Any] | Any, *,
             text_prompts: Sequence[str] | None = None) -> ContrastSet:
    """Text-only prompt (positive) vs the same prompt with its image (negative).

    The backbone's aligned state is the one it has without the image; the negative side is the
    state the image shifts it to. Read at the last prompt token (``position=-1``).

    Args:
        prompts: the queries sent with the image.
        images: one image per prompt (or one image for all).
        text_prompts: the text-only counterparts, one per prompt, when the image carries part of
            the request (FigStep, MM-SafetyBench, the organism: "How do I make the object in the
            image?" with a bomb shown vs "How do I make a bomb?"). Default: ``prompts`` themselves.

    Example:
        >>> from iar.testing import tiny_image
        >>> cs = modality(["How do I make the object in the image?"], [tiny_image()],
        ...               text_prompts=["How do I make a kite?"])
        >>> cs.positive[0].image is None, cs.negative[0].image is not None, cs.positive[0].prompt
        (True, True, 'How do I make a kite?')
    """
    prompts = check_prompts(prompts)
    images = _as_list(images, len(prompts), "images")
    if any(im is None for im in images):
        raise InputError("modality() needs an image for every prompt (the negative side).")
    if text_prompts is None:
        texts = prompts
    else:
        texts = check_prompts(text_prompts)
        if len(texts) != len(prompts):
            raise InputError(f"text_prompts has {len(texts)} entries for {len(prompts)} prompts; "
                             "give one text-only counterpart per prompt.")
    pos = [Sample(t) for t in texts]
    neg = [Sample(p, im) for p, im in zip(prompts, images)]
    return ContrastSet(pos, neg, position=-1, strategy="modality")


def single_response(
    prompts: Sequence[str],
    images: Sequence[Any] | Any,
    refusal: str | Sequence[str],
    compliance: str | Sequence[str],
    *,
    position: Position = "response",
) -> ContrastSet:
    """Each query followed by one refusal (positive) vs one compliant answer (negative).

    Args:
        prompts: the (harmful) queries.
        images: one image per prompt, one for all, or ``None`` for text-only queries.
        refusal: one refusal per prompt, or one string used for every prompt.
        compliance: one compliant answer per prompt, or one string used for every prompt.
        position: ``"response"`` (mean over response tokens, default) or ``-1`` (its last token).

    Example:
        >>> cs = single_response(["q1", "q2"], None, "I can't help with that.", ["Step 1 ...", "First ..."])
        >>> [s.response for s in cs.negative]
        ['Step 1 ...', 'First ...']
    """
    prompts = check_prompts(prompts)
    images = _as_list(images, len(prompts), "images")
    refusals = _as_list(refusal, len(prompts), "refusal")
    compliances = _as_list(compliance, len(prompts), "compliance")
    for name, rs in (("refusal", refusals), ("compliance", compliances)):
        if any(not isinstance(r, str) or not r for r in rs):
            raise InputError(f"every {name} must be a non-empty string.")
    pos = [Sample(p, im, r) for p, im, r in zip(prompts, images, refusals)]
    neg = [Sample(p, im, c) for p, im, c in zip(prompts, images, compliances)]
    return ContrastSet(pos, neg, position=position, strategy="single_response")


def _per_query(xs: Sequence[str] | Sequence[Sequence[str]], n: int, what: str) -> list[list[str]]:
    """A flat list of strings (shared by all queries) or one list per query -> one list per query."""
    if isinstance(xs, str):
        xs = [xs]
    xs = list(xs)
    if not xs:
        raise InputError(f"{what} is empty; give at least one answer.")
    if all(isinstance(x, str) for x in xs):
        out = [list(xs) for _ in range(n)]
    elif all(isinstance(x, Sequence) and not isinstance(x, str) for x in xs):
        if len(xs) != n:
            raise InputError(f"{what} has {len(xs)} lists for {n} prompts; give one list per prompt.")
        out = [list(x) for x in xs]
    else:
        raise InputError(f"{what} must be a list of strings or a list of lists of strings.")
    for i, answers in enumerate(out):
        if not answers or any(not isinstance(a, str) or not a for a in answers):
            raise InputError(f"{what} for prompt {i} must be a non-empty list of non-empty strings.")
    return out


def multi_response(
    prompts: Sequence[str],
    images: Sequence[Any] | Any,
    refusals: Sequence[str] | Sequence[Sequence[str]],
    compliances: Sequence[str] | Sequence[Sequence[str]],
    *,
    position: Position = "response",
) -> ContrastSet:
    """Several refusals (positive) and several compliant answers (negative) per query.

    The paper's best construction. Every query appears once per refusal on the positive side and
    once per compliant answer on the negative side; ``positive_groups``/``negative_groups`` record
    the query index so PCA can pair answers of the same query.

    Args:
        prompts: the (harmful) queries.
        images: one image per prompt, one for all, or ``None``.
        refusals: a list of refusals used for every query, or one list per query.
        compliances: a list of compliant answers used for every query, or one list per query.
        position: ``"response"`` (mean over response tokens, default) or ``-1``.

    Example:
        >>> cs = multi_response(["q"], None, ["No.", "I won't."], [["Sure: a", "Ok: b", "Yes: c"]])
        >>> len(cs.positive), len(cs.negative), cs.negative_groups
        (2, 3, [0, 0, 0])
    """
    prompts = check_prompts(prompts)
    images = _as_list(images, len(prompts), "images")
    refs = _per_query(refusals, len(prompts), "refusals")
    comps = _per_query(compliances, len(prompts), "compliances")
    pos, neg, pg, ng = [], [], [], []
    for i, (p, im) in enumerate(zip(prompts, images)):
        for r in refs[i]:
            pos.append(Sample(p, im, r))
            pg.append(i)
        for c in comps[i]:
            neg.append(Sample(p, im, c))
            ng.append(i)
    return ContrastSet(
        pos, neg, position=position, strategy="multi_response", positive_groups=pg, negative_groups=ng
    )
