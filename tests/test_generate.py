"""vlm.generate against HF generate: token for token, batched, cached, with hooks at every step."""

from __future__ import annotations

import pytest
import torch

import iar
from iar.testing import ARCHITECTURES, tiny_image, tiny_vlm

TOL = 1e-4
N_NEW = 16
PROMPTS = [
    "Describe the object.",
    "What is in this image? Answer the question in one sentence, please.",
    "Hi",
]
IMAGES = [tiny_image(0), tiny_image(1), None]


PATHS = [(arch, fast) for arch in ARCHITECTURES for fast in (True, False)]


@pytest.fixture(scope="module", params=PATHS, ids=[f"{a}-{'fast' if f else 'bridge'}" for a, f in PATHS])
def run(request):
    """vlm (on the fast path or the bridge), untouched HF twin, the padded batch and the greedy
    generation with scores."""
    arch, fast = request.param
    vlm = iar.load(*tiny_vlm(arch))
    vlm.fast = fast
    ref, _ = tiny_vlm(arch)
    batch = vlm.encode(PROMPTS, IMAGES)
    gen = vlm.generate(batch, max_new_tokens=N_NEW, output_scores=True)
    assert gen.path == ("fast" if fast else "bridge"), "the path under test must be the one that ran"
    return vlm, ref, batch, gen


def hf_generate(ref, batch, **kwargs):
    inputs = {k: v for k, v in batch.hf_inputs.items() if k != "position_ids"}
    with torch.no_grad():
        out = ref.generate(
            **inputs, do_sample=False, return_dict_in_generate=True, output_logits=True, **kwargs
        )
    return out.sequences[:, batch.seq_len :], out.logits


def trim(rows, eos):
    out = []
    for row in rows.tolist():
        cut = next((j for j, t in enumerate(row) if t in eos), len(row))
        out.append(row[:cut])
    return out


def test_greedy_equals_hf_generate(run):
    vlm, ref, batch, gen = run
    sequences, logits = hf_generate(ref, batch, max_new_tokens=N_NEW)
    assert gen.tokens == trim(sequences, set(vlm.eos_token_ids))
    assert len(gen.scores) == len(logits)
    for ours, theirs in zip(gen.scores, logits):
        assert (ours - theirs.float()).abs().max().item() < TOL
    assert gen.texts == vlm.tokenizer.batch_decode(gen.tokens, skip_special_tokens=True)


def test_batched_equals_one_by_one(run):
    vlm, _, _, gen = run
    for i, (prompt, image) in enumerate(zip(PROMPTS, IMAGES)):
        alone = vlm.generate(vlm.encode([prompt], [image]), max_new_tokens=N_NEW)
        assert alone.tokens[0] == gen.tokens[i]


def test_cached_equals_uncached(run):
    vlm, _, batch, gen = run
    uncached = vlm.generate(batch, max_new_tokens=N_NEW, use_cache=False, output_scores=True)
    assert uncached.tokens == gen.tokens
    for a, b in zip(uncached.scores, gen.scores):
        assert (a - b).abs().max().item() < TOL


def test_hooks_fire_at_every_step_with_absolute_columns(run):
    vlm, _, batch, _ = run
    calls = []

    def hook(act, hook):
        calls.append((vlm.step.start, vlm.step.length, act.shape[1]))

    with vlm.bridge.hooks(fwd_hooks=[("blocks.0.attn.hook_z", hook)]):
        gen = vlm.generate(batch, max_new_tokens=4)
    n = batch.seq_len
    steps = max(len(t) for t in gen.tokens)
    assert calls[0] == (0, n, n)
    assert calls[1:] == [(n + i, 1, 1) for i in range(len(calls) - 1)]
    assert len(calls) >= steps


def test_a_hook_steers_generation(run):
    vlm, _, batch, gen = run
    last = vlm.cfg.n_layers - 1
    push = torch.randn(vlm.cfg.d_model, generator=torch.Generator().manual_seed(0)) * 50

    def hook(act, hook):
        return act + push.to(act.dtype)

    with vlm.bridge.hooks(fwd_hooks=[(f"blocks.{last}.hook_resid_post", hook)]):
        steered = vlm.generate(batch, max_new_tokens=N_NEW)
    assert steered.tokens != gen.tokens
    assert vlm.generate(batch, max_new_tokens=N_NEW).tokens == gen.tokens, "hooks are gone after"


def test_stops_at_eos_like_hf(run):
    vlm, ref, batch, gen = run
    row = gen.tokens[0]
    # make a token that first appears mid-way through the first answer an end-of-sequence token
    k = next((j for j in range(1, len(row)) if row[j] not in row[:j]), 0)
    stop = row[k]
    saved = vlm.eos_token_ids
    vlm.eos_token_ids = [stop]
    try:
        ours = vlm.generate(batch, max_new_tokens=N_NEW)
    finally:
        vlm.eos_token_ids = saved
    sequences, _ = hf_generate(ref, batch, max_new_tokens=N_NEW, eos_token_id=stop)
    assert ours.tokens == trim(sequences, {stop})
    assert ours.tokens[0] == row[:k]


def test_sampling_is_seeded_and_top_p_near_zero_is_greedy():
    vlm = iar.load(*tiny_vlm("llava"))
    batch = vlm.encode(PROMPTS, IMAGES)
    greedy = vlm.generate(batch, max_new_tokens=8)
    a = vlm.generate(batch, max_new_tokens=8, do_sample=True, temperature=2.0, seed=3)
    b = vlm.generate(batch, max_new_tokens=8, do_sample=True, temperature=2.0, seed=3)
    others = [vlm.generate(batch, max_new_tokens=8, do_sample=True, temperature=2.0, seed=s) for s in (4, 5)]
    assert a.tokens == b.tokens
    assert any(o.tokens != a.tokens for o in others)
    nucleus = vlm.generate(batch, max_new_tokens=8, do_sample=True, top_p=1e-6, seed=0)
    assert nucleus.tokens == greedy.tokens


def test_zero_new_tokens():
    vlm = iar.load(*tiny_vlm("llava"))
    gen = vlm.generate(vlm.encode(PROMPTS[:2]), max_new_tokens=0)
    assert gen.tokens == [[], []] and gen.texts == ["", ""]
