"""Load a Hugging Face VLM and run its language backbone as a TransformerLens model.

:func:`load` returns a :class:`VLM`: the HF model (vision tower and projector stay HF modules), its
processor, and ``vlm.bridge``, a TransformerLens ``TransformerBridge`` wrapped around the language
backbone, so every hook name of TransformerLens (``blocks.{l}.attn.hook_z``,
``blocks.{l}.hook_resid_post``, ...) is available. :meth:`VLM.encode` applies the chat template,
runs the vision tower and splices the projected image features into the text embeddings (through
the HF model's own merge code, so the result is exactly HF's); :meth:`VLM.forward` and
:meth:`VLM.generate` run the bridge on those embeddings with the right position ids and masks.
TransformerLens's own entry points take a :class:`Batch` here (:mod:`iar.model.tl_api`: use
``vlm.run_with_cache`` / ``run_with_hooks`` / ``hooks``, not ``vlm.bridge.run_with_cache``).

    >>> import iar
    >>> vlm = iar.load(*iar.testing.tiny_vlm("llava"))
    >>> gen = vlm.generate(vlm.encode(["Describe the object."], [iar.testing.tiny_image()]), max_new_tokens=4)
    >>> len(gen.tokens[0]) <= 4
    True

Per-architecture facts live in :mod:`iar._archs`.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import torch
from jaxtyping import Float
from torch import Tensor

from iar import _hub
from iar.errors import InputError
from iar.model import _archs, placement
from iar.model._archs import loading
from iar.model._inputs import _check_batch, _check_inputs, _response_mask, _sample, check_device, check_dtype
from iar.model.tl_api import TransformerLensAPI
from iar.model.types import Batch, Generation, ModelConfig, Step

SUPPORTED = tuple(_archs.SPECS)


class _Spliced(Exception):
    """Raised by a pre-hook to stop the HF forward once the spliced embeddings are known."""


class Decided(Exception):
    """Raised by a condition's reader to stop a look-ahead pass once every steer has decided."""


# --------------------------------------------------------------------------------------------
# the model


class VLM(TransformerLensAPI):
    """A vision-language model whose language backbone runs as a TransformerLens bridge.

    Build it with :func:`load`. Public attributes: ``bridge`` (the ``TransformerBridge``),
    ``hf`` (the HF VLM; its backbone layers are the bridge's, so hooks fire in ``hf`` too),
    ``processor``, ``tokenizer``, ``cfg`` (:class:`ModelConfig`), ``device``, ``dtype``,
    ``step`` (a :class:`Step` while the bridge runs, else ``None``), ``eos_token_ids`` (where
    :meth:`generate` stops; from the HF generation config), ``pad_token_id``,
    ``image_token_id``, ``attn_implementation`` (HF's attention before the bridge forced eager)
    and ``fast``. While ``fast`` is True (the default), :meth:`forward` and :meth:`generate`
    run the backbone through plain HF modules that share the bridge's weights, use HF's own
    attention (``attn_implementation``) and fire the bridge's hook points (:mod:`iar._fast`),
    whenever only hook points that this reproduces exactly are hooked (``hook_z``,
    ``hook_resid_pre/mid/post``, ``hook_attn_out``, ``hook_mlp_out``, ``hook_q/k/v``, any
    component's ``hook_in``/``hook_out``: what :func:`iar.record` and :func:`iar.steer` use).
    The bridge itself runs instead when anything else is hooked (``hook_pattern``,
    ``hook_attn_scores``, ...), a torch hook sits on a backbone module, a TransformerLens flag
    or weight processing changes the computation, the backbone is in train mode, or
    ``vlm.fast = False``. Both paths give the same logits up to float rounding (sdpa vs eager
    attention); the fast path spares the bridge's per-module Python (``iar bench steer
    --bridge`` times both). ``last_path`` is ``(path, attention)`` of the last pass, e.g.
    ``("fast", "sdpa")`` or ``("bridge", "eager")`` (``Generation.path`` says the same for a
    generation); a fast path that cannot be built warns once (``FastPathWarning``).

    Example:
        >>> import iar
        >>> vlm = iar.load(*iar.testing.tiny_vlm("llava"))
        >>> vlm.cfg.n_layers
        2
    """

    def __init__(
        self,
        hf: Any,
        processor: Any,
        bridge: Any,
        spec: _archs.ArchSpec,
        attn_implementation: str | None = None,
    ) -> None:
        self.hf = hf
        self.processor = processor
        self.tokenizer = processor.tokenizer
        self.bridge = bridge
        self.spec = spec
        self.step: Step | None = None
        self._decoder = getattr(hf.model, spec.decoder_attr)
        embed = hf.get_input_embeddings()
        self.device = placement.execution_device(embed)  # not meta when offloaded
        self.dtype = embed.weight.dtype
        text_config = hf.config.get_text_config(decoder=True)
        bc = bridge.cfg
        self.cfg = ModelConfig(
            n_layers=int(bc.n_layers),
            n_heads=int(bc.n_heads),
            d_head=int(bc.d_head),
            d_model=int(bc.d_model),
            n_key_value_heads=int(getattr(bc, "n_key_value_heads", None) or bc.n_heads),
            d_vocab=int(bc.d_vocab),
            model_type=spec.model_type,
            name_or_path=str(getattr(hf.config, "_name_or_path", "") or ""),
            backbone=type(bridge.original_model).__name__,
            config_hash=loading.config_hash(hf.config),
        )
        self._text_config = text_config
        gen = getattr(hf, "generation_config", None)
        eos = getattr(gen, "eos_token_id", None)
        if eos is None:
            eos = self.tokenizer.eos_token_id
        self.eos_token_ids = sorted({int(e) for e in (eos if isinstance(eos, list) else [eos])})
        pad = getattr(gen, "pad_token_id", None)
        if pad is None:
            pad = self.tokenizer.pad_token_id
        self.pad_token_id = int(pad if pad is not None else self.eos_token_ids[0])
        self.image_token_id = int(hf.config.image_token_id)
        # The HF attention the model had before the bridge forced eager attention: the plain
        # fast path (iar._fast) and baked models use it.
        self.attn_implementation = attn_implementation or "sdpa"
        self.fast = True
        self._plain: Any = None
        self._decisions: dict[int, Tensor] | None = None
        # conditional steers that decide before the prompt pass (iar.steer(..., lookahead=True)),
        # and, while their look-ahead pass runs, the ids of those that have not decided yet
        self._lookahead: dict[int, Any] = {}
        self.deciding: set[int] | None = None
        # (path, attention implementation) of the last backbone pass: ("fast", "sdpa") or
        # ("bridge", "eager"); None before the first
        self.last_path: tuple[str, str] | None = None

    def __repr__(self) -> str:
        c = self.cfg
        return (
            f"VLM({c.model_type}, {c.name_or_path or 'in-memory'}: {c.n_layers} layers, "
            f"{c.n_heads} heads x {c.d_head}, d_model={c.d_model}, {self.dtype}, {self.device})"
        )

    # ---- encode ---------------------------------------------------------------------------

    def encode(
        self,
        prompts: Sequence[str] | str,
        images: Sequence[Any] | Any = None,
        responses: Sequence[str | None] | str | None = None,
    ) -> Batch:
        """Apply the chat template, run the vision tower and splice image features in.

        Args:
            prompts: the user turns (one str per prompt).
            images: ``None`` (all text-only), or one PIL image or ``None`` per prompt; ``None``
                gives the text-only counterpart with the same wording.
            responses: optional assistant text per prompt (or ``None``), appended right after
                the template's generation prompt (for contrast samples).

        Returns:
            A left-padded :class:`Batch` on ``vlm.device``.

        Raises:
            InputError: empty prompt list, lengths that differ, a prompt that is not a str, an
                image that is not a PIL image.

        Example:
            >>> import iar
            >>> vlm = iar.load(*iar.testing.tiny_vlm("llava"))
            >>> batch = vlm.encode(["Describe the object."], [iar.testing.tiny_image()])
            >>> bool(batch.image_positions.any())
            True
        """
        prompts, images, responses = _check_inputs(prompts, images, responses)
        texts = [self._render(p, im is not None) for p, im in zip(prompts, images)]
        full = [t + (r or "") for t, r in zip(texts, responses)]
        inputs = self._process(full, images)
        ids, mask = inputs["input_ids"], inputs["attention_mask"]
        response_positions = torch.zeros_like(mask, dtype=torch.bool)
        if any(r for r in responses):
            prompt_only = self._process(texts, images)
            response_positions = _response_mask(ids, mask, prompt_only["input_ids"], prompt_only["attention_mask"])
        inputs = {k: (v.to(self.device) if isinstance(v, Tensor) else v) for k, v in inputs.items()}
        ids, mask = inputs["input_ids"], inputs["attention_mask"]
        response_positions = response_positions.to(self.device)
        with torch.no_grad():
            embeds = self._splice(inputs)
            pos = _archs.position_ids(self.hf, self.spec, inputs, mask)
        image_positions = (ids == self.image_token_id) & mask.bool()
        text_positions = mask.bool() & ~image_positions & ~response_positions
        hf_inputs = dict(inputs)
        hf_inputs["position_ids"] = pos
        return Batch(
            embeds=embeds,
            attention_mask=mask,
            position_ids=pos,
            input_ids=ids,
            image_positions=image_positions,
            text_positions=text_positions,
            response_positions=response_positions,
            hf_inputs=hf_inputs,
            has_image=[im is not None for im in images],
        )

    def _render(self, prompt: str, with_image: bool) -> str:
        content: list[dict[str, str]] = [{"type": "image"}] if with_image else []
        content.append({"type": "text", "text": prompt})
        conversation = [{"role": "user", "content": content}]
        if getattr(self.processor, "chat_template", None) is None:
            raise InputError(
                "the processor has no chat template; set processor.chat_template (a Jinja "
                "string, as in the model's chat_template.json) before encoding."
            )
        return self.processor.apply_chat_template(
            conversation, add_generation_prompt=True, tokenize=False
        )

    def _process(self, texts: list[str], images: list[Any]) -> dict[str, Tensor]:
        nested = [[im] if im is not None else [] for im in images]
        bos = self.tokenizer.bos_token
        kwargs: dict[str, Any] = dict(padding=True, return_tensors="pt")
        if bos is not None and texts[0].startswith(bos):  # the template wrote BOS already
            kwargs["add_special_tokens"] = False
        side = self.tokenizer.padding_side
        self.tokenizer.padding_side = "left"
        try:
            out = self.processor(
                text=texts, images=nested if any(nested) else None, **kwargs
            )
        finally:
            self.tokenizer.padding_side = side
        return dict(out)

    def _splice(self, inputs: dict[str, Tensor]) -> Tensor:
        """Run the HF model up to its language backbone and take the embeddings it would get."""
        box: dict[str, Any] = {}

        def grab(module: Any, args: tuple, kwargs: dict) -> None:
            box.update(kwargs)
            raise _Spliced

        handle = self._decoder.register_forward_pre_hook(grab, with_kwargs=True)
        try:
            self.hf(**inputs, use_cache=False)
        except _Spliced:
            pass
        finally:
            handle.remove()
        return box["inputs_embeds"]

    def note_steered(self, key: int, strength: Tensor) -> None:
        """Record a conditional steer's per-prompt decision for :attr:`Generation.steered`.

        Called by the hooks of ``iar.steer(..., when=condition)`` once the prompt has been read;
        ``key`` identifies the steer (a later note with the same key replaces the earlier one),
        ``strength`` is a bool or float tensor ``[b]``. Outside :meth:`generate` it does nothing.
        """
        if self._decisions is not None:
            self._decisions[key] = strength.detach()

    def _steered(self, b: int) -> list[Any] | None:
        notes = list((self._decisions or {}).values())
        if not notes:
            return None
        cols = [n.cpu().tolist() for n in notes]
        return cols[0] if len(cols) == 1 else [tuple(c[i] for c in cols) for i in range(b)]

    # ---- run ------------------------------------------------------------------------------

    def _decide_ahead(self, batch: Batch) -> None:
        """Run the prompt once, up to the last condition's hook point, so that the conditional
        steers registered with ``lookahead`` know their decisions before the prompt pass.

        Their steering hooks add nothing during this pass (the decision is read from the prompt
        as it runs without them); it stops (:class:`Decided`) once every one of them has decided.
        """
        if not self._lookahead:
            return
        self.deciding = set(self._lookahead)
        try:
            with torch.no_grad(), self._stepping(batch, 0, batch.seq_len):
                self._run(batch.embeds, self._prompt_mask(batch), batch.position_ids, logits_to_keep=1)
        except Decided:
            pass
        finally:
            self.deciding = None

    @contextlib.contextmanager
    def _stepping(self, batch: Batch, start: int, length: int) -> Iterator[None]:
        previous = self.step
        self.step = Step(batch, start, length)
        try:
            yield
        finally:
            self.step = previous

    def _run(
        self,
        embeds: Tensor,
        attention_mask: Any,
        position_ids: Tensor,
        cache: Any = None,
        logits_to_keep: int = 0,
    ) -> Tensor:
        kwargs: dict[str, Any] = dict(attention_mask=attention_mask, position_ids=position_ids,
                                      use_cache=cache is not None)
        if cache is not None:
            kwargs["past_key_values"] = cache
        if logits_to_keep:
            kwargs["logits_to_keep"] = logits_to_keep
        runner = self._plain_runner()
        if runner is not None and runner.usable():
            self.last_path = ("fast", self.attn_implementation)
            return runner(embeds, **kwargs).logits
        self.last_path = ("bridge", self._bridge_attn())
        return self.bridge(embeds, return_type="logits", **kwargs)

    def _bridge_attn(self) -> str:
        config = getattr(self.bridge.original_model, "config", None)
        return str(getattr(config, "_attn_implementation", None) or "eager")

    def _plain_runner(self, check: bool = False) -> Any:
        """The plain-module fast path (:mod:`iar._fast`), built on first use; None when off.

        With ``check`` (once per :meth:`forward` / :meth:`generate`, not per decoding step) it
        is rebuilt when a parameter, buffer or submodule of the backbone was replaced since it
        was built (the twin shares tensors, so it would otherwise run stale ones).
        """
        if not self.fast:
            return None
        if self._plain is None or (check and self._plain and not self._plain.in_sync()):
            from iar.model import _fast

            self._plain = _fast.build(self.bridge, self.attn_implementation) or False
        return self._plain or None

    def _unwire(self) -> None:
        """Take the fast path's torch hooks off its plain modules (they go back on when needed)."""
        if self._plain:
            self._plain.unwire()

    def _prompt_mask(self, batch: Batch, cache: Any = None) -> Any:
        return _archs.prompt_mask(
            self.hf,
            self.spec,
            batch.embeds,
            batch.attention_mask,
            batch.position_ids,
            batch.token_type_ids,
            cache,
        )

    def forward(self, batch: Batch, *, last_only: bool = False) -> Float[Tensor, "b pos vocab"]:
        """Logits of the backbone on the batch's spliced embeddings (hooks on the bridge fire).

        Args:
            batch: from :meth:`encode`.
            last_only: return logits of the last column only (``[b, 1, vocab]``), which saves
                memory when only the next token or the activations matter.

        Example:
            >>> import iar
            >>> vlm = iar.load(*iar.testing.tiny_vlm("llava"))
            >>> logits = vlm.forward(vlm.encode(["Describe the object."]))
            >>> logits.shape[-1] == vlm.cfg.d_vocab
            True
        """
        _check_batch(batch)
        self._plain_runner(check=True)
        try:
            self._decide_ahead(batch)
            with self._stepping(batch, 0, batch.seq_len):
                return self._run(
                    batch.embeds,
                    self._prompt_mask(batch),
                    batch.position_ids,
                    logits_to_keep=1 if last_only else 0,
                )
        finally:
            self._unwire()

    # ---- generate -------------------------------------------------------------------------

    def generate(
        self,
        batch: Batch,
        max_new_tokens: int = 64,
        do_sample: bool = False,
        temperature: float = 1.0,
        top_p: float = 1.0,
        seed: int | None = None,
        *,
        use_cache: bool = True,
        output_scores: bool = False,
    ) -> Generation:
        """Generate a continuation of every prompt, batched, through the bridge.

        A KV-cached loop over HF's ``DynamicCache``: the prompt in one pass, then one token per
        step; hooks on ``vlm.bridge`` fire at every step and ``vlm.step`` tells them which
        columns are being run. A prompt stops at its first end-of-sequence token. Greedy output
        equals HF ``generate`` on the same inputs token for token (HF's generation config
        extras such as a repetition penalty are not applied).

        Args:
            batch: from :meth:`encode`.
            max_new_tokens: at most this many new tokens per prompt.
            do_sample: sample instead of taking the argmax.
            temperature: divides the logits when sampling.
            top_p: nucleus sampling threshold (1.0 keeps all tokens).
            seed: seeds the sampler (reproducible samples); ignored when greedy.
            use_cache: False recomputes the whole sequence at each step (slow; a check that
                caching changes nothing).
            output_scores: also return each step's raw logits in ``Generation.scores``.

        Returns:
            :class:`Generation` with ``tokens`` and ``texts``.

        Example:
            >>> import iar
            >>> vlm = iar.load(*iar.testing.tiny_vlm("llava"))
            >>> gen = vlm.generate(vlm.encode(["Describe the object."]), max_new_tokens=8)
            >>> len(gen.tokens[0]) <= 8
            True
        """
        _check_batch(batch)
        if max_new_tokens < 0:
            raise InputError(f"max_new_tokens must be >= 0, got {max_new_tokens}.")
        if do_sample and not temperature > 0:
            raise InputError(f"temperature must be > 0 when sampling, got {temperature}.")
        if not 0 < top_p <= 1:
            raise InputError(f"top_p must be in (0, 1], got {top_p}.")
        from transformers import DynamicCache

        self._plain_runner(check=True)
        b, n = len(batch), batch.seq_len
        generator = None
        if do_sample:
            generator = torch.Generator(device=self.device)
            generator.manual_seed(int(seed) if seed is not None else torch.seed())
        eos = torch.tensor(self.eos_token_ids, device=self.device)
        mask, pos = batch.attention_mask, batch.position_ids
        embeds = batch.embeds
        token_types = batch.token_type_ids
        cache = DynamicCache(config=self._text_config) if use_cache else None
        finished = torch.zeros(b, dtype=torch.bool, device=self.device)
        new_tokens: list[Tensor] = []
        all_scores: list[Tensor] = []
        paths: set[Any] = set()
        embed = self.hf.get_input_embeddings()
        outer_decisions, self._decisions = self._decisions, {}
        with torch.inference_mode(), contextlib.ExitStack() as cleanup:
            cleanup.callback(self._unwire)  # and on an error, the caller's decision store comes back:
            cleanup.push(lambda err, *_: err is not None and setattr(self, "_decisions", outer_decisions))
            self._decide_ahead(batch)
            step_embeds, step_pos, start = embeds, pos, 0
            step_mask = _archs.prompt_mask(
                self.hf, self.spec, embeds, mask, pos, token_types, cache
            )
            for i in range(max_new_tokens):
                with self._stepping(batch, start, step_embeds.shape[1]):
                    logits = self._run(step_embeds, step_mask, step_pos, cache, logits_to_keep=1)
                paths.add(self.last_path)
                scores = logits[:, -1, :].float().to(self.device)  # lm_head may sit elsewhere
                if output_scores:
                    all_scores.append(scores.clone())
                if do_sample:
                    token = _sample(scores, temperature, top_p, generator)
                else:
                    token = scores.argmax(-1)
                token = torch.where(finished, torch.full_like(token, self.pad_token_id), token)
                new_tokens.append(token)
                finished = finished | torch.isin(token, eos)
                if bool(finished.all()) or i == max_new_tokens - 1:
                    break
                token_embeds = embed(token[:, None]).to(embeds.dtype)
                mask = torch.cat([mask, mask.new_ones(b, 1)], dim=-1)
                pos = torch.cat([pos, pos[..., -1:] + 1], dim=-1)
                if use_cache:
                    step_embeds, step_pos, start = token_embeds, pos[..., -1:], n + i
                    step_mask = mask
                else:
                    embeds = torch.cat([embeds, token_embeds], dim=1)
                    if token_types is not None:
                        token_types = torch.cat([token_types, token_types.new_zeros(b, 1)], -1)
                    step_embeds, step_pos, start = embeds, pos, 0
                    step_mask = _archs.prompt_mask(
                        self.hf, self.spec, embeds, mask, pos, token_types, None
                    )
        tokens: list[list[int]] = []
        stacked = torch.stack(new_tokens, dim=1).tolist() if new_tokens else [[] for _ in range(b)]
        eos_set = set(self.eos_token_ids)
        for row in stacked:
            cut = next((j for j, t in enumerate(row) if t in eos_set), len(row))
            tokens.append(row[:cut])
        texts = self.tokenizer.batch_decode(tokens, skip_special_tokens=True)
        steered, self._decisions = self._steered(b), outer_decisions
        path = attn = None
        if len(paths) == 1:
            path, attn = next(iter(paths))
        elif paths:  # a hook added or removed during generation switched paths
            path = "mixed"
            attn = "+".join(sorted({a for _, a in paths}))
        return Generation(
            tokens=tokens,
            texts=texts,
            scores=all_scores if output_scores else None,
            steered=steered,
            path=path,
            attn_implementation=attn,
        )


# --------------------------------------------------------------------------------------------
# load


def _is_path_like(model: Any) -> bool:
    return isinstance(model, (str, os.PathLike))


def load(
    model: Any,
    processor: Any = None,
    *,
    device: str | torch.device | None = None,
    dtype: torch.dtype | str | None = None,
    **hf_kwargs: Any,
) -> VLM:
    """Load a supported VLM and wrap its language backbone as a TransformerLens bridge.

    Args:
        model: a hub id or local directory (loaded with ``AutoModelForImageTextToText`` and
            ``AutoProcessor``), or an HF VLM that is already built (then pass ``processor``).
        processor: the model's processor (or its hub id / directory); loaded from ``model``
            when ``model`` is a path and this is ``None``.
        device: move the model there (``"cuda"``, ``"cpu"``, ...). Leave ``None`` with ``device_map``
            (+ ``max_memory``, ``offload_folder``) for models larger than one device (docs: Scaling up).
        dtype: ``torch.float16`` / ``torch.bfloat16`` / ``"auto"`` ...; ``None`` keeps HF's
            default (float32 weights when loading, the model's dtype when built).
        **hf_kwargs: passed to ``from_pretrained`` (``device_map``, ``revision``,
            ``trust_remote_code``, ``attn_implementation``, quantisation configs, ...).

    Returns:
        A :class:`VLM`. A model passed in is left as it was (module names, attention
        implementation, ``save_pretrained``, ``generate``): the bridge wraps a structural copy
        of it, ``vlm.hf``, which shares every weight tensor (no extra memory; in-place weight
        edits are seen by both, while modules swapped into the original later, e.g. new PEFT
        adapters, are not). ``dtype`` / ``device`` convert the model passed in, as
        ``model.to(...)`` does. ``vlm.hf``'s backbone layers are bridge components: hook the
        model through :meth:`VLM.hooks` and save the original, not ``vlm.hf``.

    Raises:
        UnsupportedModelError: the architecture is not one of ``iar.model.SUPPORTED``.
        InputError: a built model without a processor; a dtype that is not float16, bfloat16,
            float32 or "auto" (e.g. "fp16"); a device torch does not know or does not have.
        SourceError: a path that is not a model folder, or a hub id that cannot be loaded now
            (offline or the hub unreachable, and not cached); raised at once, no retries.

    Example:
        >>> import iar
        >>> vlm = iar.load(*iar.testing.tiny_vlm("llava"))
        >>> vlm.cfg.model_type
        'llava'
    """
    dtype, device = check_dtype(dtype), check_device(device)
    if _is_path_like(model):
        if processor is not None and _is_path_like(processor):
            processor = str(processor)
        hf_kwargs = _hub.resolve_pretrained(model, hub_kwargs=hf_kwargs)  # a clear error at once
        if isinstance(processor, str):
            hf_kwargs = _hub.resolve_pretrained(processor, what="processor", hub_kwargs=hf_kwargs)
        hf, processor = loading.from_pretrained(str(model), processor, dtype, device, hf_kwargs)
    else:
        if not isinstance(model, torch.nn.Module):
            raise InputError(
                f"model must be a hub id, a local path or an HF model, got {type(model).__name__}."
            )
        if hf_kwargs:
            raise InputError(
                f"{sorted(hf_kwargs)} only apply when loading from a hub id or path; "
                "apply them when you build the model."
            )
        _archs.spec_for(getattr(model, "config", None))
        if processor is None:
            raise InputError(
                "a built model needs its processor: iar.load(model, processor), e.g. "
                "AutoProcessor.from_pretrained(<hub id>)."
            )
        if _is_path_like(processor):
            processor = loading.load_processor(str(processor), model.config.model_type,
                                               _hub.resolve_pretrained(processor, what="processor"))
        if isinstance(dtype, torch.dtype):
            model = model.to(dtype)
        if device is not None:
            model = model.to(device)
        # the bridge rewires modules in place: give it a copy of the module tree (sharing every
        # tensor), so the caller's model keeps its names, attention, save_pretrained and generate
        hf = loading.structural_copy(model)
        if hf is None:
            warnings.warn(
                f"{type(model).__name__} has modules with a patched forward (accelerate "
                "offloading or device_map dispatch), which cannot be copied: iar wraps this model "
                "in place, so its module names change and its save_pretrained fails afterwards. "
                "To keep your model untouched, let iar load it: iar.load(path, device_map=...).",
                stacklevel=2,
            )
            hf = model
    spec = _archs.spec_for(hf.config)
    if getattr(processor, "tokenizer", None) is None:
        raise InputError("the processor has no tokenizer; pass the model's AutoProcessor.")
    hf.eval()
    attn = getattr(hf.config.get_text_config(decoder=True), "_attn_implementation", None)
    bridge = loading.build_bridge(hf, processor.tokenizer, spec)
    # The bridge's components (and the backbone modules they wrap) come up in train mode;
    # inference runs in eval mode on both the bridge and the fast path.
    bridge.eval()
    return VLM(hf, processor, bridge, spec, attn_implementation=attn)
