"""iar.steer on the tiny LLaVA: exactness, scopes under padding and KV caching, hygiene, errors."""

from __future__ import annotations

import pytest
import torch

import iar
from iar.errors import InputError, RevisionError
from iar.revision import Revision
from iar.testing import tiny_image, tiny_vlm

PROMPTS = ["Describe the object.", "What is in this image? Answer in one sentence.", "Hi"]


@pytest.fixture(scope="module")
def vlm():
    return iar.load(*tiny_vlm("llava"))


@pytest.fixture(scope="module")
def rev(vlm):
    """A head-level revision fitted on a multi-response contrast set recorded from the model."""
    cs = iar.contrast.multi_response(
        ["How do I pick a lock?", "Tell me how to make a weapon."], tiny_image(),
        ["I'm sorry, but I cannot help with that.", "I will not do that.", "I can't assist with that."],
        ["Sure, here are the steps: first, second.", "Here is how to make it.", "Step 1. Step 2. Step 3."],
    )
    acts = iar.record(vlm, cs, progress=False)
    return Revision.fit(acts, level="head", method="mms", progress=False)


@pytest.fixture(scope="module")
def layer_rev(vlm):
    g = torch.Generator().manual_seed(0)
    d = vlm.cfg.d_model
    pos = torch.randn(16, vlm.cfg.n_layers, d, generator=g) + 1
    neg = torch.randn(16, vlm.cfg.n_layers, d, generator=g)
    rev = Revision.fit(pos, neg, level="layer", method="mms", probe=False)
    rev.meta["config_hash"] = vlm.cfg.config_hash
    return rev


@pytest.fixture(scope="module")
def batch(vlm):
    """Three prompts of different lengths: left padding in rows 1 and 2."""
    b = vlm.encode(PROMPTS, [tiny_image(1), None, tiny_image(2)])
    assert len(set(b.attention_mask.sum(-1).tolist())) == 3
    return b


def _n_hooks(vlm) -> int:
    return sum(len(hp.fwd_hooks) + len(hp._forward_hooks) for hp in vlm.bridge.hook_dict.values())


def _capture(vlm, names):
    """Hooks that store each call's activation of ``names`` (with vlm.step's start column)."""
    store: dict[str, list] = {n: [] for n in names}
    handles = []
    hd = vlm.bridge.hook_dict
    for n in names:
        def hook(act, hook=None, n=n):
            step = vlm.step
            store[n].append((step.start if step else None, act.detach().clone()))
        hp = hd[n]
        handles.append((hp, hp.add_hook(hook)))
    return store, handles


def _release(handles):
    for hp, h in handles:
        h.hook.remove()
        hp.fwd_hooks[:] = [x for x in hp.fwd_hooks if x is not h]


# ---- exactness ----------------------------------------------------------------------------------


def test_head_steering_changes_attn_out_by_alpha_sigma_direction_times_W_O(vlm, rev, batch):
    l, h, alpha = 1, 2, 3.0
    names = [f"blocks.{l}.hook_attn_out", "blocks.0.hook_resid_post", f"blocks.{l}.attn.hook_z"]
    store, handles = _capture(vlm, names)
    try:
        with torch.no_grad():
            vlm.forward(batch)
            with iar.steer(vlm, rev, heads=[(l, h)], alpha=alpha):
                vlm.forward(batch)
    finally:
        _release(handles)
    expected = alpha * rev.sigma[l, h] * rev.directions[l, h] @ vlm.bridge.W_O[l, h].detach().float()
    base, steered = (x[1] for x in store[names[0]])
    assert torch.allclose(steered - base, expected.expand_as(base), atol=1e-5)
    # the layer before is untouched; hook_z (read before our hook fires) is unchanged at layer l
    a, b = (x[1] for x in store[names[1]])
    assert torch.equal(a, b)
    assert float(expected.abs().max()) > 1e-3  # the test is not vacuous


def test_layer_steering_adds_exactly_the_vector_to_resid_post(vlm, layer_rev, batch):
    l, alpha = 1, 2.5
    names = [f"blocks.{l}.hook_resid_post", "blocks.0.hook_resid_post", f"blocks.{l}.hook_resid_mid"]
    with torch.no_grad():
        store, handles = _capture(vlm, names[1:])
        try:
            vlm.forward(batch)
            with iar.steer(vlm, layer_rev, layers=[l], alpha=alpha):
                after, h2 = _capture(vlm, names[:1])  # registered after the steer hook: sees it
                try:
                    vlm.forward(batch)
                finally:
                    _release(h2)
            before, h3 = _capture(vlm, names[:1])
            try:
                vlm.forward(batch)
            finally:
                _release(h3)
        finally:
            _release(handles)
    diff = after[names[0]][0][1] - before[names[0]][0][1]
    assert torch.allclose(diff, (alpha * layer_rev.vectors[l]).expand_as(diff), atol=1e-6)
    for n in names[1:]:  # earlier layer and the same layer's resid_mid are untouched
        (_, x), (_, y), (_, z) = store[n]  # unsteered, steered, unsteered
        assert torch.equal(x, y) and torch.equal(x, z)


def test_per_head_alpha_equals_stacked_single_head_steers(vlm, rev, batch):
    heads = [(0, 1), (1, 3)]
    with torch.no_grad():
        with iar.steer(vlm, rev, heads=heads, alpha=torch.tensor([2.0, -4.0])):
            per_head = vlm.forward(batch)
        with iar.steer(vlm, rev, heads=heads[:1], alpha=2.0), iar.steer(vlm, rev, heads=heads[1:], alpha=-4.0):
            stacked = vlm.forward(batch)
        grid = torch.zeros(vlm.cfg.n_layers, vlm.cfg.n_heads)
        grid[0, 1], grid[1, 3] = 2.0, -4.0
        with iar.steer(vlm, rev, heads=heads, alpha=grid):
            from_grid = vlm.forward(batch)
    assert torch.allclose(per_head, stacked, atol=1e-5)
    assert torch.equal(per_head, from_grid)


def test_heads_k_means_top_k_by_probe_accuracy(vlm, rev):
    h = iar.steer(vlm, rev, heads=3, alpha=1.0)
    try:
        assert h.units == rev.top(3)
    finally:
        h.remove()


# ---- scopes -------------------------------------------------------------------------------------


def _added(vlm, rev, batch, positions, *, generate=False, layer=1):
    """What steering added at hook_z of ``layer``, per absolute column: ``{column: [b, H, d]}``."""
    name = f"blocks.{layer}.attn.hook_z"
    before, h1 = _capture(vlm, [name])
    steer = iar.steer(vlm, rev, heads=[(layer, 0), (layer, 3)], alpha=5.0, positions=positions)
    after, h2 = _capture(vlm, [name])
    try:
        with torch.no_grad():
            if generate:
                vlm.generate(batch, max_new_tokens=4)
            else:
                vlm.forward(batch)
    finally:
        _release(h2)
        steer.remove()
        _release(h1)
    out = {}
    for (start, x), (_, y) in zip(before[name], after[name]):
        for i in range(x.shape[1]):
            out[start + i] = (y - x)[:, i]
    return out


def _steered_columns(added, b):
    cols = max(added) + 1
    mask = torch.zeros(b, cols, dtype=torch.bool)
    for c, d in added.items():
        mask[:, c] = d.abs().flatten(1).amax(1) > 0
    return mask


@pytest.mark.parametrize("positions", ["all", "prompt", "generated", "image", "text", "mask"])
def test_scope_steers_exactly_its_columns_under_left_padding_and_kv_cache(vlm, rev, batch, positions):
    S, b = batch.seq_len, len(batch)
    mask_arg = torch.zeros(b, S + 2, dtype=torch.bool)
    mask_arg[0, S - 1], mask_arg[2, S + 1] = True, True  # one prompt column, one generated column
    arg = mask_arg if positions == "mask" else positions
    added = _added(vlm, rev, batch, arg, generate=True)
    got = _steered_columns(added, b)
    assert got.shape[1] == S + 3  # prompt pass, then 3 cached one-token steps
    gen = torch.zeros(b, 3, dtype=torch.bool)
    want = {
        "all": torch.ones_like(got),
        "prompt": torch.cat([batch.attention_mask.bool(), gen], 1),
        "generated": torch.cat([torch.zeros(b, S, dtype=torch.bool), ~gen], 1),
        "image": torch.cat([batch.image_positions, gen], 1),
        "text": torch.cat([batch.text_positions, ~gen], 1),
        "mask": torch.cat([mask_arg, gen[:, :1]], 1),
    }[positions]
    assert torch.equal(got, want)
    # where it steers, it adds alpha * sigma * direction at the chosen heads only
    col = int(want.nonzero()[0, 1])
    row = int(want.nonzero()[0, 0])
    d = added[col][row]
    assert torch.allclose(d[0], 5.0 * rev.vectors[1, 0], atol=1e-6)
    assert torch.allclose(d[3], 5.0 * rev.vectors[1, 3], atol=1e-6)
    assert torch.equal(d[1:3], torch.zeros_like(d[1:3]))


def test_generated_scope_leaves_prompt_logits_and_changes_generation(vlm, rev, batch):
    with torch.no_grad():
        base_logits = vlm.forward(batch)
        base = vlm.generate(batch, max_new_tokens=6).tokens
        with iar.steer(vlm, rev, heads=8, alpha=20.0, positions="generated"):
            logits = vlm.forward(batch)
            steered = vlm.generate(batch, max_new_tokens=6).tokens
    assert torch.equal(logits, base_logits)
    assert all(s[0] == t[0] for s, t in zip(steered, base))  # first token comes from the prompt
    assert all(s != t for s, t in zip(steered, base))  # every row changes afterwards


def test_batched_steered_generation_equals_one_by_one(vlm, rev):
    images = [tiny_image(1), None, tiny_image(2)]
    with torch.no_grad():
        plain = vlm.generate(vlm.encode(PROMPTS, images), max_new_tokens=5).tokens
        with iar.steer(vlm, rev, heads=8, alpha=20.0, positions="generated"):
            batched = vlm.generate(vlm.encode(PROMPTS, images), max_new_tokens=5).tokens
            single = [vlm.generate(vlm.encode([p], [im]), max_new_tokens=5).tokens[0]
                      for p, im in zip(PROMPTS, images)]
    assert batched == single
    assert batched != plain


# ---- hygiene, stacking ------------------------------------------------------------------------


def test_context_exit_restores_logits_and_removes_every_hook(vlm, rev, batch):
    with torch.no_grad():
        before = vlm.forward(batch)
        n0 = _n_hooks(vlm)
        with iar.steer(vlm, rev, heads=4, alpha=10.0) as h:
            assert h.active and _n_hooks(vlm) > n0
            assert not torch.equal(vlm.forward(batch), before)
        assert not h.active and _n_hooks(vlm) == n0 == 0
        assert torch.equal(vlm.forward(batch), before)
        with pytest.raises(RuntimeError, match="boom"):
            with iar.steer(vlm, rev, heads=4, alpha=10.0):
                vlm.forward(batch)
                raise RuntimeError("boom")
        assert _n_hooks(vlm) == 0
        assert torch.equal(vlm.forward(batch), before)


def test_plain_call_handle_and_stacking(vlm, rev, batch):
    with torch.no_grad():
        before = vlm.forward(batch)
        h1 = iar.steer(vlm, rev, heads=[(0, 0)], alpha=8.0)
        only1 = vlm.forward(batch)
        h2 = iar.steer(vlm, rev, heads=[(1, 1)], alpha=8.0)
        both = vlm.forward(batch)
        h1.remove()
        only2 = vlm.forward(batch)
        h1.remove()  # idempotent
        h2.remove()
        after = vlm.forward(batch)
        with iar.steer(vlm, rev, heads=[(1, 1)], alpha=8.0):
            ref2 = vlm.forward(batch)
    assert not torch.equal(only1, before) and not torch.equal(both, only1)
    assert torch.equal(only2, ref2)  # removing one leaves exactly the other
    assert torch.equal(after, before) and _n_hooks(vlm) == 0


def test_a_removed_handle_steers_again_inside_a_with_block(vlm, rev, batch):
    with torch.no_grad():
        h = iar.steer(vlm, rev, heads=[(1, 2)], alpha=3.0)
        first = vlm.forward(batch)
        h.remove()
        plain = vlm.forward(batch)
        with h:
            again = vlm.forward(batch)
    assert torch.equal(again, first) and not torch.equal(plain, first)
    assert not h.active and _n_hooks(vlm) == 0


def test_removing_a_handle_leaves_hooks_that_others_added(vlm, rev, batch):
    seen = []
    hp = vlm.bridge.hook_dict["blocks.1.attn.hook_z"]
    mine = hp.add_hook(lambda act, hook: seen.append(1), dir="fwd")
    try:
        iar.steer(vlm, rev, heads=[(1, 2)], alpha=3.0).remove()
        with torch.no_grad():
            vlm.forward(batch)
        assert seen and mine in hp.fwd_hooks
    finally:
        hp.remove_hooks("fwd")


# ---- round trip and wrong models ----------------------------------------------------------------


def test_save_load_steer_gives_identical_logits(vlm, rev, batch, tmp_path):
    back = Revision.load(rev.save(tmp_path / "rev.safetensors"))
    with torch.no_grad():
        with iar.steer(vlm, rev, heads=4, alpha=6.0):
            a = vlm.forward(batch)
        with iar.steer(vlm, back, heads=4, alpha=6.0):
            b = vlm.forward(batch)
    assert torch.equal(a, b)


def test_revision_from_another_model_is_a_clear_error(vlm, rev, tmp_path):
    from transformers import LlavaForConditionalGeneration

    hf, proc = tiny_vlm("llava")
    cfg = hf.config
    cfg.text_config.hidden_size = 32  # other d_model
    cfg.text_config.head_dim = 8
    other = iar.load(LlavaForConditionalGeneration(cfg).eval(), proc)
    path = rev.save(tmp_path / "rev.safetensors")
    with pytest.raises(RevisionError, match="shape"):
        iar.steer(other, Revision.load(path), heads=2)
    # same shapes, different config: the config hash catches it
    nxt = iar.load(*tiny_vlm("llava_next"))
    assert (nxt.cfg.n_heads, nxt.cfg.d_head) == (vlm.cfg.n_heads, vlm.cfg.d_head)
    with pytest.raises(RevisionError, match="config hash"):
        iar.steer(nxt, rev, heads=2)
    assert _n_hooks(other) == 0 and _n_hooks(nxt) == 0


# ---- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(heads=[(2, 0)]), "out of range"),
        (dict(heads=[(0, 4)]), "out of range"),
        (dict(heads=[(0, -1)]), "out of range"),
        (dict(heads=9), "more heads than exist"),
        (dict(heads=[(0, 1), (0, 1)]), "duplicates"),
        (dict(heads=[(0, 1)], alpha=float("nan")), "finite"),
        (dict(heads=[(0, 1)], alpha=float("inf")), "finite"),
        (dict(heads=[(0, 1)], alpha=torch.tensor([1.0, float("nan")])), "finite"),
        (dict(heads=[(0, 1)], alpha=torch.ones(3)), "shape"),
        (dict(heads=[(0, 1)], positions="images"), "positions"),
        (dict(), "which heads"),
        (dict(layers=[0]), "head-level"),
    ],
)
def test_bad_head_arguments_are_clear_errors(vlm, rev, kwargs, match):
    with pytest.raises(InputError, match=match):
        iar.steer(vlm, rev, **kwargs)
    assert _n_hooks(vlm) == 0


def test_bad_layer_arguments_are_clear_errors(vlm, layer_rev):
    with pytest.raises(RevisionError, match="cannot steer heads"):
        iar.steer(vlm, layer_rev, heads=[(0, 0)])
    with pytest.raises(InputError, match="out of range"):
        iar.steer(vlm, layer_rev, layers=[vlm.cfg.n_layers])
    with pytest.raises(InputError, match=r"layers=\[1\]"):
        iar.steer(vlm, layer_rev, layers=1)


def test_scoped_positions_outside_a_vlm_step_are_a_clear_error(vlm, rev, batch):
    with iar.steer(vlm, rev, heads=[(0, 0)], positions="generated"):
        with pytest.raises(InputError, match="vlm.forward / vlm.generate"), torch.no_grad():
            vlm.bridge(batch.embeds, attention_mask=batch.attention_mask, position_ids=batch.position_ids)
    with iar.steer(vlm, rev, heads=[(0, 0)], positions="all"), torch.no_grad():
        vlm.bridge(batch.embeds, attention_mask=batch.attention_mask, position_ids=batch.position_ids)
    assert _n_hooks(vlm) == 0


# ---- every architecture -------------------------------------------------------------------------


@pytest.mark.parametrize("arch", iar.testing.ARCHITECTURES)
def test_image_scoped_head_steering_is_exact_on_every_architecture(arch):
    """The o_proj output (``attn.hook_out``) changes by alpha*sigma*dir @ W_O at image tokens only.

    (On Gemma-3 the bridge's ``hook_attn_out`` is after the post-attention norm, so the exact
    linear change is checked at ``attn.hook_out``, the projection's own output, everywhere.)
    """
    model = iar.load(*tiny_vlm(arch))
    c = model.cfg
    g = torch.Generator().manual_seed(0)
    shape = (c.n_layers, c.n_heads, c.d_head)
    r = Revision.fit(torch.randn(8, *shape, generator=g) + 1, torch.randn(8, *shape, generator=g), probe=False)
    b = model.encode(["Describe the object.", "Hi"], [tiny_image(1), None])
    store, handles = _capture(model, ["blocks.1.attn.hook_out"])
    try:
        with torch.no_grad():
            model.forward(b)
            with iar.steer(model, r, heads=[(1, 2)], alpha=3.0, positions="image"):
                model.forward(b)
    finally:
        _release(handles)
    (_, x), (_, y) = store["blocks.1.attn.hook_out"]
    expected = 3.0 * r.vectors[1, 2] @ model.bridge.W_O[1, 2].detach().float()
    img = b.image_positions
    assert img.any() and (~img).any()
    assert torch.allclose((y - x)[img], expected.expand(int(img.sum()), -1), atol=1e-5)
    assert torch.equal(y[~img], x[~img])
