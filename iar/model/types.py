"""The model layer's data types: :class:`Batch` (an encoded batch), :class:`Generation` (what
``vlm.generate`` returns), :class:`Step` (where the bridge is while it runs) and
:class:`ModelConfig` (``vlm.cfg``).

    >>> Generation(tokens=[[1, 2]], texts=["hi"]).texts
    ['hi']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jaxtyping import Bool, Float, Int
from torch import Tensor

# --------------------------------------------------------------------------------------------
# types


@dataclass
class Batch:
    """A left-padded batch of chat prompts, with image features already spliced in.

    Attributes:
        embeds: input embeddings of the backbone ``[b, pos, d_model]`` (image features at image
            tokens).
        attention_mask: 1 at real tokens, 0 at left padding ``[b, pos]``.
        position_ids: ``[b, pos]``, or ``[3, b, pos]`` for Qwen2.5-VL's 3-D rope ids.
        input_ids: token ids ``[b, pos]`` (image tokens are the model's image placeholder id).
        image_positions: bool ``[b, pos]``, True where an image feature was spliced in.
        text_positions: bool ``[b, pos]``, True at prompt tokens that are neither padding, image
            tokens nor response tokens.
        response_positions: bool ``[b, pos]``, True at the appended response tokens (all False
            without responses).
        hf_inputs: keyword arguments for the HF model itself: ``vlm.hf(**batch.hf_inputs)``
            (the processor's outputs plus ``position_ids``; drop ``position_ids`` for
            ``vlm.hf.generate``, which derives them itself).
        has_image: whether each prompt came with an image.

    Example:
        >>> batch = vlm.encode(["Hi.", "Describe it."], [None, iar.testing.tiny_image()])  # doctest: +SKIP
        >>> len(batch), batch.embeds.shape[0]  # doctest: +SKIP
        (2, 2)
    """

    embeds: Float[Tensor, "b pos d_model"]
    attention_mask: Int[Tensor, "b pos"]
    position_ids: Int[Tensor, "..."]
    input_ids: Int[Tensor, "b pos"]
    image_positions: Bool[Tensor, "b pos"]
    text_positions: Bool[Tensor, "b pos"]
    response_positions: Bool[Tensor, "b pos"]
    hf_inputs: dict[str, Any] = field(repr=False)
    has_image: list[bool] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.input_ids.shape[0])

    @property
    def seq_len(self) -> int:
        """Number of columns (prompt length including padding)."""
        return int(self.input_ids.shape[1])

    @property
    def lengths(self) -> Int[Tensor, " b"]:
        """Number of real (non-pad) tokens of each prompt."""
        return self.attention_mask.sum(-1)

    @property
    def token_type_ids(self) -> Tensor | None:
        """Gemma-3's image-token markers, when the processor made them."""
        return self.hf_inputs.get("token_type_ids")


@dataclass
class Generation:
    """What :meth:`VLM.generate` produced.

    Attributes:
        tokens: new token ids per prompt, up to and excluding the first end-of-sequence token.
        texts: ``tokens`` decoded, special tokens skipped.
        scores: with ``output_scores=True``, the raw next-token logits of every step
            (float32 ``[b, vocab]`` each, before temperature), else ``None``.
        steered: what conditional steering (``iar.steer(..., when=condition)``) decided for each
            prompt: a bool (gate mode) or a strength in [0, 1] (graded mode) per prompt; a tuple
            per prompt when several conditional steers are active; ``None`` without one.
        path: which backbone path ran: ``"fast"`` (plain HF modules firing the hook points),
            ``"bridge"`` (the TransformerLens bridge), ``"mixed"`` (hooks changed mid-way), or
            ``None`` (no step ran).
        attn_implementation: the attention it used (``"sdpa"``, ``"eager"``, ...; ``"eager+sdpa"``
            when mixed).

    Example:
        >>> gen = vlm.generate(vlm.encode(["Hi."]), max_new_tokens=4)  # doctest: +SKIP
        >>> len(gen.tokens[0]) <= 4  # doctest: +SKIP
        True
    """

    tokens: list[list[int]]
    texts: list[str]
    scores: list[Tensor] | None = field(default=None, repr=False)
    steered: list[Any] | None = None
    path: str | None = None
    attn_implementation: str | None = None

    def __len__(self) -> int:
        return len(self.texts)


@dataclass(frozen=True)
class Step:
    """Where the bridge is in a sequence while :meth:`VLM.forward` / :meth:`VLM.generate` run it.

    Position-aware hooks (steering scopes) read ``vlm.step``: the :class:`Batch` being run, the
    absolute column of the first position of the current call in the padded prompt+generated
    sequence (prompt columns are ``[0, batch.seq_len)``, generated tokens ``>= batch.seq_len``)
    and how many positions the call covers.

    Example:
        >>> step = Step(batch, start=0, length=batch.seq_len)  # doctest: +SKIP
        >>> step.columns  # doctest: +SKIP
        range(0, 12)
    """

    batch: Batch
    start: int
    length: int

    @property
    def columns(self) -> range:
        """The absolute columns this call covers."""
        return range(self.start, self.start + self.length)


@dataclass(frozen=True)
class ModelConfig:
    """Sizes and identity of the language backbone (``vlm.cfg``).

    Example:
        >>> vlm.cfg.n_layers, vlm.cfg.n_heads, vlm.cfg.d_head  # doctest: +SKIP
        (2, 4, 16)
    """

    n_layers: int
    n_heads: int
    d_head: int
    d_model: int
    n_key_value_heads: int
    d_vocab: int
    model_type: str
    name_or_path: str
    backbone: str
    config_hash: str
