"""The plain-module fast path (iar._fast) computes what the bridge computes and fires the same hooks."""

from __future__ import annotations

import pytest
import torch

import iar
from iar.model import _fast


def _inputs(vlm):
    images = [iar.testing.tiny_image(1), None, iar.testing.tiny_image(2)]
    batch = vlm.encode(["Describe the object.", "Hi there, how are you?", "What is it?"], images)
    kwargs = {"attention_mask": vlm._prompt_mask(batch), "position_ids": batch.position_ids,
              "use_cache": False}
    return batch, kwargs


def _bridge(vlm, batch, kwargs):
    with torch.inference_mode():
        return vlm.bridge(batch.embeds, return_type="logits", **kwargs)


def _plain(runner, batch, kwargs):
    with torch.inference_mode():
        return runner(batch.embeds, **kwargs).logits


@pytest.fixture(scope="module")
def llava():
    vlm = iar.load(*iar.testing.tiny_vlm("llava"))
    runner = _fast.build(vlm.bridge, "sdpa")
    assert runner is not None
    return vlm, runner


@pytest.mark.parametrize("arch", iar.testing.ARCHITECTURES)
def test_plain_logits_equal_the_bridge_on_every_architecture(arch):
    vlm = iar.load(*iar.testing.tiny_vlm(arch))
    runner = _fast.build(vlm.bridge, "sdpa")
    batch, kwargs = _inputs(vlm)
    real = batch.attention_mask.bool()
    assert runner.usable()
    diff = (_bridge(vlm, batch, kwargs) - _plain(runner, batch, kwargs))[real].abs().max()
    assert diff < 2e-5  # eager vs sdpa attention in float32
    # through vlm.forward, hooked (reads at every supported site kind, an edit of hook_z): the
    # fast path fires the same hooks on the same activations on every architecture
    names = ["blocks.0.attn.hook_z", "blocks.1.hook_resid_post", "blocks.1.hook_resid_pre",
             "blocks.0.hook_attn_out", "blocks.1.hook_mlp_out", "blocks.0.attn.hook_q",
             "blocks.1.hook_resid_mid"]
    res = {}
    for fast in (True, False):
        vlm.fast = fast
        seen = []

        def grab(act, hook, seen=seen):
            seen.append((hook.name, act.clone()))

        def edit(z, hook):
            z[:, :, 1] += 2.0
            return z

        hooks = [(n, grab) for n in names] + [(names[0], edit)]
        with vlm.bridge.hooks(fwd_hooks=hooks), torch.inference_mode():
            res[fast] = (vlm.forward(batch), seen)
    vlm.fast = True
    (fast_logits, fast_seen), (bridge_logits, bridge_seen) = res[True], res[False]
    assert [n for n, _ in fast_seen] == [n for n, _ in bridge_seen] and len(fast_seen) == len(names)
    for (name, a), (_, b) in zip(fast_seen, bridge_seen):
        assert (a - b)[real].abs().max() < 2e-5, name
    assert (fast_logits - bridge_logits)[real].abs().max() < 2e-5


def test_plain_twin_shares_every_weight_and_uses_sdpa(llava):
    vlm, runner = llava
    bridge_storage = {p.data_ptr() for p in vlm.bridge.parameters()}
    assert {p.data_ptr() for p in runner.model.parameters()} <= bridge_storage
    assert vlm.hf.config.get_text_config()._attn_implementation == "eager"  # the bridge's
    assert runner.model.model.layers[0].self_attn.config._attn_implementation == "sdpa"


def test_hook_points_see_the_same_activations_and_edits_act_the_same(llava):
    vlm, runner = llava
    batch, kwargs = _inputs(vlm)
    seen: dict[str, list[torch.Tensor]] = {"bridge": [], "plain": []}
    names = ["blocks.0.attn.hook_z", "blocks.1.hook_resid_post", "blocks.1.hook_resid_pre",
             "blocks.0.hook_attn_out", "blocks.1.hook_mlp_out", "blocks.0.attn.hook_q"]
    out = {}
    for side, run in (("bridge", lambda: _bridge(vlm, batch, kwargs)), ("plain", lambda: _plain(runner, batch, kwargs))):
        def grab(act, hook, side=side):
            seen[side].append((hook.name, act.clone()))

        def edit(z, hook):
            z[:, :, 2] += 1.5  # a TransformerLens-style hook on [b, pos, head, d_head]
            return z

        hooks = [(n, grab) for n in names] + [("blocks.0.attn.hook_z", edit)]
        with vlm.bridge.hooks(fwd_hooks=hooks):
            assert runner.usable()
            out[side] = run()
    real = batch.attention_mask.bool()
    assert [n for n, _ in seen["bridge"]] == [n for n, _ in seen["plain"]]
    for (name, a), (_, b) in zip(seen["bridge"], seen["plain"]):
        assert a.shape == b.shape, name
        # padding columns attend to nothing; eager and sdpa fill them differently
        assert torch.allclose(a[real], b[real], atol=2e-5), name
    assert seen["bridge"][0][1].ndim == 4  # hook_z arrives as [b, pos, head, d_head]
    unedited = _bridge(vlm, batch, kwargs)
    assert (out["bridge"] - unedited)[real].abs().max() > 1e-3  # the edit changed the output ...
    assert (out["bridge"] - out["plain"])[real].abs().max() < 2e-5  # ... the same way on both paths
    assert (_plain(runner, batch, kwargs) - unedited)[real].abs().max() < 2e-5  # hooks gone ...
    assert not runner._wired  # ... and unwired from the plain modules on the next call


def test_hooks_it_cannot_reproduce_send_callers_back_to_the_bridge(llava):
    vlm, runner = llava
    assert runner.usable()
    with vlm.bridge.hooks(fwd_hooks=[("blocks.0.attn.hook_pattern", lambda a, hook: None)]):
        assert not runner.usable()
    handle = vlm.bridge.blocks[1].mlp.register_forward_hook(lambda *a: None)
    assert not runner.usable()
    handle.remove()
    pre = vlm.bridge.blocks[0].attn.original_component.o_proj.register_forward_pre_hook(lambda *a: None)
    assert not runner.usable()  # a torch hook on a wrapped module counts too
    pre.remove()
    vlm.bridge.cfg.use_attn_result = True
    try:
        assert not runner.usable()
    finally:
        vlm.bridge.cfg.use_attn_result = False
    assert runner.usable()


def test_cached_decoding_on_the_plain_path_equals_uncached(llava):
    from transformers import DynamicCache

    vlm, runner = llava
    batch, _ = _inputs(vlm)
    token = torch.tensor([[5], [6], [7]])
    emb = vlm.hf.get_input_embeddings()(token)
    mask = torch.cat([batch.attention_mask, torch.ones(3, 1, dtype=batch.attention_mask.dtype)], -1)
    pos = torch.cat([batch.position_ids, batch.position_ids[:, -1:] + 1], -1)
    cache = DynamicCache(config=vlm._text_config)
    with torch.inference_mode():
        runner(batch.embeds, attention_mask=batch.attention_mask, position_ids=batch.position_ids,
               past_key_values=cache, use_cache=True)
        step = runner(emb, attention_mask=mask, position_ids=pos[:, -1:], past_key_values=cache,
                      use_cache=True).logits[:, -1]
        full = runner(torch.cat([batch.embeds, emb], 1), attention_mask=mask, position_ids=pos,
                      use_cache=False).logits[:, -1]
    assert (step - full).abs().max() < 2e-5


# ---- wired into VLM: vlm.fast (default on) vs the bridge (vlm.fast = False) -------------------


@pytest.fixture(scope="module")
def wired():
    """A tiny LLaVA, a padded batch, a head-level revision and a counter of plain-path runs."""
    from iar.revision import Revision

    vlm = iar.load(*iar.testing.tiny_vlm("llava"))
    batch, _ = _inputs(vlm)
    g = torch.Generator().manual_seed(0)
    shape = (16, vlm.cfg.n_layers, vlm.cfg.n_heads, vlm.cfg.d_head)
    rev = Revision.fit(torch.randn(*shape, generator=g) + 1, torch.randn(*shape, generator=g),
                       level="head", method="mms", probe=False)
    rev.meta["config_hash"] = vlm.cfg.config_hash
    assert vlm.fast  # the default
    vlm.forward(batch)  # builds the plain twin
    runs = []
    # a torch hook on the plain twin (not watched by usable()) counts the plain path's runs
    vlm._plain.model.register_forward_hook(lambda *a: runs.append(1))
    return vlm, batch, rev, runs


def _both(vlm, runs, fn):
    """fn() with vlm.fast on and off, and whether each run took the plain path."""
    out, plain = {}, {}
    for fast in (True, False):
        vlm.fast = fast
        before = len(runs)
        try:
            out[fast] = fn()
        finally:
            vlm.fast = True
        plain[fast] = len(runs) > before
    return out[True], out[False], plain


def _scores(gen):
    return torch.stack([torch.as_tensor(s) for s in gen.scores])


def test_vlm_forward_and_generate_on_the_fast_path_equal_the_bridge(wired):
    vlm, batch, rev, runs = wired
    real = batch.attention_mask.bool()
    fast, bridge, plain = _both(vlm, runs, lambda: vlm.forward(batch))
    assert plain == {True: True, False: False}
    assert (fast - bridge)[real].abs().max() < 2e-5
    gen = lambda: vlm.generate(batch, max_new_tokens=6, output_scores=True)
    fast, bridge, plain = _both(vlm, runs, gen)
    assert plain == {True: True, False: False}
    assert fast.tokens == bridge.tokens
    assert torch.allclose(_scores(fast), _scores(bridge), atol=2e-5)
    # steered with iar.steer (hooks on hook_z, scoped to the generated tokens): same again
    with iar.steer(vlm, rev, heads=[(0, 1), (1, 2), (1, 3)], alpha=8.0, positions="generated"):
        sfast, sbridge, plain = _both(vlm, runs, gen)
    assert plain == {True: True, False: False}
    assert sfast.tokens == sbridge.tokens
    assert torch.allclose(_scores(sfast), _scores(sbridge), atol=2e-5)
    assert (_scores(sfast) - _scores(fast)).abs().max() > 1e-2  # the steering acted
    with iar.steer(vlm, rev, heads=[(0, 0), (1, 1)], alpha=8.0):
        sfast, sbridge, plain = _both(vlm, runs, lambda: vlm.forward(batch))
    assert plain == {True: True, False: False}
    assert (sfast - sbridge)[real].abs().max() < 2e-5


def test_vlm_falls_back_to_the_bridge_for_what_the_twin_cannot_reproduce(wired):
    vlm, batch, _, runs = wired
    real = batch.attention_mask.bool()
    seen = []

    def cut(pattern, hook):  # an edit of the attention pattern: only the bridge has one
        seen.append(hook.name)
        return pattern * 0.5

    plain_logits = vlm.forward(batch)
    with vlm.bridge.hooks(fwd_hooks=[("blocks.1.attn.hook_pattern", cut)]):
        fast, bridge, plain = _both(vlm, runs, lambda: vlm.forward(batch))
    assert plain == {True: False, False: False}  # fell back with vlm.fast on
    assert seen == ["blocks.1.attn.hook_pattern"] * 2  # the hook fired on both runs
    assert torch.equal(fast, bridge)
    assert (fast - plain_logits)[real].abs().max() > 1e-3  # and its edit is in the output
    vlm.hf.train()  # dropout would differ: the twins always run in eval mode
    try:
        _, _, plain = _both(vlm, runs, lambda: vlm.forward(batch))
        assert plain == {True: False, False: False}
    finally:
        vlm.hf.eval()
    _, _, plain = _both(vlm, runs, lambda: vlm.forward(batch))
    assert plain == {True: True, False: False}  # back on the fast path


def test_a_replaced_weight_rebuilds_the_twin(wired):
    vlm, batch, _, runs = wired
    real = batch.attention_mask.bool()
    mlp = vlm.bridge.blocks[1].mlp.original_component
    old = mlp.down_proj.weight
    before = vlm._plain
    mlp.down_proj.weight = torch.nn.Parameter(old.detach() * 3.0)
    try:
        fast = vlm.forward(batch)
        assert vlm._plain is not before and vlm._plain.in_sync()
        vlm.fast = False
        bridge = vlm.forward(batch)
    finally:
        vlm.fast = True
        mlp.down_proj.weight = old
    assert (fast - bridge)[real].abs().max() < 2e-5
    vlm.forward(batch)
    vlm._plain.model.register_forward_hook(lambda *a: runs.append(1))  # the counter, rebuilt
