"""vlm.run_with_cache / run_with_hooks / hooks: TransformerLens's entry points on a VLM.

The reference is a plain PyTorch forward-hook capture on an untouched HF twin (same weights), so a
wrong site, a missing mask, wrong position ids or Gemma-3's missing image-token markers would
show. Every test also counts the hooks on every module before and after.
"""

from __future__ import annotations

import pytest
import torch

import iar
from iar.model import _archs
from iar.testing import ARCHITECTURES, tiny_image, tiny_vlm

PROMPTS = ["Describe the object.", "What is in this image? Answer in one sentence, please.", "Hi"]
IMAGES = [tiny_image(0), tiny_image(1), None]
TOL = 1e-6
SITES = ("resid_pre", "resid_mid", "resid_post", "attn_out", "mlp_out", "z", "q", "k", "v")
HOOK = {
    "resid_pre": "blocks.{l}.hook_resid_pre",
    "resid_mid": "blocks.{l}.hook_resid_mid",
    "resid_post": "blocks.{l}.hook_resid_post",
    "attn_out": "blocks.{l}.hook_attn_out",
    "mlp_out": "blocks.{l}.hook_mlp_out",
    "z": "blocks.{l}.attn.hook_z",
    "q": "blocks.{l}.attn.hook_q",
    "k": "blocks.{l}.attn.hook_k",
    "v": "blocks.{l}.attn.hook_v",
    "pattern": "blocks.{l}.attn.hook_pattern",
}


def hook_count(*roots) -> int:
    """Torch hooks on every module under ``roots`` plus TransformerLens hook points' own lists."""
    seen, n = set(), 0
    for root in roots:
        for m in root.modules():
            if id(m) in seen:
                continue
            seen.add(id(m))
            for d in ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks"):
                n += len(getattr(m, d))
            n += len(getattr(m, "fwd_hooks", ()) or ()) + len(getattr(m, "bwd_hooks", ()) or ())
    return n


def all_hooks(vlm) -> int:
    """All hooks of the model; the first call runs it once, so that the bridge's own lazily
    wired capture hooks (TransformerLens wires them on a model's first forward) and the fast
    path's twin exist before counting."""
    if vlm._plain is None:
        with torch.no_grad():
            vlm.forward(vlm.encode(["Hi"]))
    roots = [vlm.hf, vlm.bridge]
    if vlm._plain:
        roots.append(vlm._plain.model)
    return hook_count(*roots)


def _first(x):
    return x[0] if isinstance(x, tuple) else x


def capture(ref, batch, n_heads, pattern=False):
    """Plain torch hooks on the HF twin's decoder layers: site name -> tensor."""
    spec = _archs.spec_for(ref.config)
    layers = getattr(ref.model, spec.decoder_attr).layers
    out, handles = {}, []

    def post(name):
        def fn(module, args, output):
            out[name] = _first(output).detach().clone()
        return fn

    def pre(name, reshape=False):
        def fn(module, args, kwargs):
            x = args[0] if args else kwargs["hidden_states"]
            out[name] = x.detach().clone().reshape(*x.shape[:2], n_heads, -1) if reshape else x.detach().clone()
        return fn

    for l, layer in enumerate(layers):
        # what each sub-layer adds to the residual stream: Gemma-3 normalises both outputs first
        sandwich = hasattr(layer, "pre_feedforward_layernorm")
        ln2 = layer.pre_feedforward_layernorm if sandwich else layer.post_attention_layernorm
        attn_out = layer.post_attention_layernorm if sandwich else layer.self_attn
        mlp_out = layer.post_feedforward_layernorm if sandwich else layer.mlp
        handles += [
            layer.register_forward_pre_hook(pre(HOOK["resid_pre"].format(l=l)), with_kwargs=True),
            ln2.register_forward_pre_hook(pre(HOOK["resid_mid"].format(l=l)), with_kwargs=True),
            layer.register_forward_hook(post(HOOK["resid_post"].format(l=l))),
            attn_out.register_forward_hook(post(HOOK["attn_out"].format(l=l))),
            mlp_out.register_forward_hook(post(HOOK["mlp_out"].format(l=l))),
            layer.self_attn.o_proj.register_forward_pre_hook(pre(HOOK["z"].format(l=l), True), with_kwargs=True),
        ]
        for site in ("q", "k", "v"):  # the projections' outputs, [b, pos, heads * d_head]
            proj = getattr(layer.self_attn, f"{site}_proj")
            handles.append(proj.register_forward_hook(post(HOOK[site].format(l=l))))
        if pattern:
            def weights(module, args, output, name=HOOK["pattern"].format(l=l)):
                out[name] = output[1].detach().clone()
            handles.append(layer.self_attn.register_forward_hook(weights))
    try:
        with torch.no_grad():
            ref(**batch.hf_inputs)
    finally:
        for h in handles:
            h.remove()
    return out


@pytest.fixture(scope="module", params=ARCHITECTURES)
def arch(request):
    vlm = iar.load(*tiny_vlm(request.param))
    batch = vlm.encode(PROMPTS, IMAGES)
    return request.param, vlm, batch


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "bridge"])
def test_run_with_cache_equals_a_torch_hook_capture_on_hf(arch, fast):
    name, vlm, batch = arch
    ref, _ = tiny_vlm(name)
    if not fast:  # the bridge runs eager attention: compare with eager HF, and the patterns too
        ref.set_attn_implementation("eager")
    expected = capture(ref, batch, vlm.cfg.n_heads, pattern=not fast)
    wanted = [HOOK[s].format(l=l) for s in SITES for l in range(vlm.cfg.n_layers)]
    if not fast:
        wanted += [HOOK["pattern"].format(l=l) for l in range(vlm.cfg.n_layers)]
    before = all_hooks(vlm)
    vlm.fast = fast
    try:
        with torch.no_grad():
            logits, cache = vlm.run_with_cache(batch, names_filter=wanted)
    finally:
        vlm.fast = True
    assert all_hooks(vlm) == before, "run_with_cache must leave no hook behind"
    assert isinstance(cache, __import__("transformer_lens").ActivationCache)
    real = batch.attention_mask.bool()
    for key in wanted:
        ours, theirs = cache[key], expected[key]
        if key.endswith(("hook_q", "hook_k", "hook_v")):  # TransformerLens splits the heads
            ours = ours.reshape(*ours.shape[:2], -1)
        assert ours.shape == theirs.shape, key
        if key.endswith("hook_pattern"):  # [b, h, q, k]; padded query rows are arbitrary
            ours, theirs = ours.transpose(1, 2)[real], theirs.transpose(1, 2)[real]
        else:
            ours, theirs = ours[real], theirs[real]
        diff = (ours - theirs).abs().max().item()
        assert diff < TOL, f"{name} {key}: {diff}"
    with torch.no_grad():
        hf_logits = ref(**batch.hf_inputs).logits
    assert (logits[real] - hf_logits[real]).abs().max().item() < 1e-4


def test_names_filter_positions_and_errors():
    vlm = iar.load(*tiny_vlm("llava"))
    batch = vlm.encode(PROMPTS, IMAGES)
    with torch.no_grad():
        _, full = vlm.run_with_cache(batch, names_filter=lambda n: n.endswith("hook_z"))
        _, last = vlm.run_with_cache(batch, names_filter="blocks.1.attn.hook_z", positions=-1)
        _, cols = vlm.run_with_cache(batch, names_filter=["blocks.1.attn.hook_z"], positions=[0, 2])
    assert sorted(full.keys()) == ["blocks.0.attn.hook_z", "blocks.1.attn.hook_z"]
    z = full["blocks.1.attn.hook_z"]
    assert torch.equal(last["blocks.1.attn.hook_z"], z[:, -1])
    assert torch.equal(cols["blocks.1.attn.hook_z"], z[:, [0, 2]])
    assert torch.equal(full["z", 1], z)  # ActivationCache's short keys work on the bridge
    with pytest.raises(iar.errors.InputError, match="not a hook point"):
        vlm.run_with_cache(batch, names_filter="blocks.0.hook_nothing")
    with pytest.raises(iar.errors.InputError, match="set_use_attn_result"):
        vlm.run_with_cache(batch, names_filter="blocks.0.attn.hook_result")
    with pytest.raises(iar.errors.InputError, match="not a hook point"):
        vlm.run_with_hooks(batch, fwd_hooks=[("blocks.0.hook_zz", lambda a, hook: a)])
    with pytest.raises(iar.errors.InputError, match="pairs"):
        vlm.run_with_hooks(batch, fwd_hooks=["blocks.0.attn.hook_z"])
    with pytest.raises(iar.errors.InputError, match="batch of one"):
        vlm.run_with_cache(batch, names_filter="blocks.0.attn.hook_z", remove_batch_dim=True)
    one = vlm.encode(PROMPTS[:1], IMAGES[:1])
    with torch.no_grad():
        _, c = vlm.run_with_cache(one, names_filter="blocks.0.attn.hook_z", remove_batch_dim=True)
    assert c["blocks.0.attn.hook_z"].shape == (one.seq_len, vlm.cfg.n_heads, vlm.cfg.d_head)


def test_run_with_hooks_edits_and_scoped_steering_is_active():
    vlm = iar.load(*tiny_vlm("llava"))
    batch = vlm.encode(PROMPTS, IMAGES)
    before = all_hooks(vlm)
    with torch.no_grad():
        plain = vlm.forward(batch)
        zeroed = vlm.run_with_hooks(batch, fwd_hooks=[("blocks.1.attn.hook_z", lambda z, hook: z * 0)])
    assert (plain - zeroed).abs().max() > 1e-3
    assert all_hooks(vlm) == before
    # a scoped steer around run_with_cache / run_with_hooks: vlm.step is set, the scope applies
    cs = iar.contrast.single_response([f"How do I do {k}?" for k in range(6)], None, "No.", "Sure: step 1.")
    rev = iar.Revision.fit(iar.record(vlm, cs, progress=False), progress=False)
    with torch.no_grad():
        _, base = vlm.run_with_cache(batch, names_filter="blocks.1.hook_resid_post")
        with iar.steer(vlm, rev, heads=[(0, 0), (0, 1)], alpha=8.0, positions="image"):
            logits, steered = vlm.run_with_cache(batch, names_filter="blocks.1.hook_resid_post")
            again = vlm.run_with_hooks(batch)
        after = vlm.forward(batch)
    torch.testing.assert_close(logits, again)
    moved = (steered["blocks.1.hook_resid_post"] - base["blocks.1.hook_resid_post"]).abs().amax(-1) > 1e-5
    first_image = batch.image_positions.float().argmax(-1)
    for i in range(len(batch)):  # nothing before a row's first image token moves (causal)
        stop = int(first_image[i]) if batch.image_positions[i].any() else batch.seq_len
        assert not moved[i, :stop].any()
    assert moved[batch.image_positions].all()
    assert not moved[2].any(), "the text-only prompt has no image tokens to steer"
    torch.testing.assert_close(after, plain)
    assert all_hooks(vlm) == before


def test_hooks_context_fires_in_generate_and_removes_everything():
    vlm = iar.load(*tiny_vlm("qwen2_5_vl"))
    batch = vlm.encode(PROMPTS, IMAGES)
    before = all_hooks(vlm)
    calls = []
    with vlm.hooks(fwd_hooks=[("blocks.0.attn.hook_z", lambda z, hook: calls.append(vlm.step.start))]):
        assert all_hooks(vlm) > before
        vlm.generate(batch, max_new_tokens=3)
    assert calls[0] == 0 and calls[1:] == [batch.seq_len + i for i in range(len(calls) - 1)]
    assert all_hooks(vlm) == before
    with pytest.raises(RuntimeError), vlm.hooks(fwd_hooks=[("blocks.0.hook_resid_post", lambda a, hook: a)]):
        vlm.forward(batch)
        raise RuntimeError
    assert all_hooks(vlm) == before


def test_bridge_run_with_cache_state_does_not_change_vlm_forward():
    """Issue 15's report: vlm.bridge.run_with_cache asks HF for output_attentions, and
    transformers then installs permanent (inert) output-capturing hooks on the decoder layers.
    They stay (upstream behaviour, docs/api/model.md), but vlm.forward keeps its path and logits."""
    vlm = iar.load(*tiny_vlm("llava"))
    batch = vlm.encode(PROMPTS, IMAGES)
    with torch.no_grad():
        before = vlm.forward(batch)
        start = all_hooks(vlm)
        for _ in range(3):
            vlm.bridge.run_with_cache(
                batch.embeds, attention_mask=batch.attention_mask, position_ids=batch.position_ids
            )
        leftover = all_hooks(vlm) - start
        after = vlm.forward(batch)
    assert leftover > 0, "if this fails, upstream stopped leaving hooks: update docs/api/model.md"
    assert vlm._plain and vlm._plain.usable()
    assert torch.equal(after, before)


def test_generation_and_run_rows_say_which_path_ran(tmp_path):
    vlm = iar.load(*tiny_vlm("llava"))
    batch = vlm.encode(PROMPTS, IMAGES)
    fast = vlm.generate(batch, max_new_tokens=3)
    assert (fast.path, fast.attn_implementation) == ("fast", "sdpa")
    assert vlm.last_path == ("fast", "sdpa")
    with vlm.hooks(fwd_hooks=[("blocks.0.attn.hook_pattern", lambda p, hook: p)]):
        bridge = vlm.generate(batch, max_new_tokens=3)  # hook_pattern exists on the bridge only
    assert (bridge.path, bridge.attn_implementation) == ("bridge", "eager")
    vlm.fast = False
    assert vlm.generate(batch, max_new_tokens=3).path == "bridge"
    assert vlm.generate(batch, max_new_tokens=0).path is None
    vlm.fast = True
    bench = iar.benchmarks.jsonl("tests/fixtures/jsonl/own.jsonl")
    iar.evaluate(vlm, bench, judge=iar.judges.KeywordJudge("xstest"), max_new_tokens=2,
                 out=tmp_path / "run.jsonl", progress=False)
    rows = [__import__("json").loads(x) for x in (tmp_path / "run.jsonl").read_text().splitlines()[1:]]
    assert rows and all((r["path"], r["attn_implementation"]) == ("fast", "sdpa") for r in rows)
    with vlm.hooks(fwd_hooks=[("blocks.0.attn.hook_pattern", lambda p, hook: p)]):
        report = iar.evaluate(vlm, bench, judge=iar.judges.KeywordJudge("xstest"), max_new_tokens=2,
                              progress=False)
    assert report.paths == ["bridge/eager"]  # the report (and iar eval's summary.json) say so


def test_a_fast_path_that_cannot_be_built_warns_once_with_the_reason():
    from iar.model import _fast

    vlm = iar.load(*tiny_vlm("llava"))
    # a real cause the runner refuses: a module whose forward was patched (as accelerate's
    # offloading does); the plain twin cannot mirror it
    layer = vlm.bridge.blocks[0].original_component.mlp
    layer = getattr(layer, "original_component", layer)
    layer.forward = layer.forward
    batch = vlm.encode(PROMPTS[:1], IMAGES[:1])
    with pytest.warns(_fast.FastPathWarning, match="patched forward") as record:
        with torch.no_grad():
            vlm.forward(batch)
            vlm.forward(batch)
            gen = vlm.generate(batch, max_new_tokens=2)
    assert len([w for w in record if issubclass(w.category, _fast.FastPathWarning)]) == 1
    assert gen.path == "bridge" and vlm.last_path == ("bridge", "eager")


def test_backward_hooks_fire_inside_the_hooks_block_and_come_off():
    vlm = iar.load(*tiny_vlm("llava"))
    batch = vlm.encode(PROMPTS, IMAGES)
    before = all_hooks(vlm)
    grads = []
    with vlm.hooks(bwd_hooks=[("blocks.1.hook_resid_post", lambda g, hook: grads.append(g.clone()))]):
        vlm.forward(batch).sum().backward()
    assert len(grads) == 1 and grads[0].shape == (len(batch), batch.seq_len, vlm.cfg.d_model)
    assert grads[0].abs().sum() > 0
    assert all_hooks(vlm) == before
