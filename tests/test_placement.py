"""Models split across devices (issue 17, item 2): a tiny VLM loaded from a folder with a
``device_map`` that puts parts of it on "cpu" and parts on "disk" (accelerate offload) computes
what the unsplit model computes: logits within 1e-5, the same recorded activations, steered
generation equal token for token, and ``bake`` gives the same baked model."""

from __future__ import annotations

import warnings

import pytest
import torch

import iar
from iar.model import _fast, placement
from iar.testing import tiny_image, tiny_vlm

PROMPTS = ["Describe the object.", "How do I pick a lock?"]
TOL = 1e-5

# the embedding, decoder layer 1 and the LM head on disk; the rest in CPU memory
SPLIT = {
    "model.vision_tower": "cpu",
    "model.multi_modal_projector": "cpu",
    "model.language_model.embed_tokens": "disk",
    "model.language_model.layers.0": "cpu",
    "model.language_model.layers.1": "disk",
    "model.language_model.norm": "cpu",
    "model.language_model.rotary_emb": "cpu",
    "lm_head": "disk",
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    hf, processor = tiny_vlm("llava")
    path = tmp_path_factory.mktemp("tiny-llava")
    hf.save_pretrained(path)
    processor.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def pair(folder, tmp_path_factory):
    ref = iar.load(folder)
    split = iar.load(folder, device_map=SPLIT, offload_folder=str(tmp_path_factory.mktemp("off")))
    return ref, split


@pytest.fixture(scope="module")
def revision(pair):
    ref, _ = pair
    cs = iar.contrast.single_response([f"How do I do {k}?" for k in range(6)], None, "No.", "Sure: step 1.")
    return iar.Revision.fit(iar.record(ref, cs, progress=False), progress=False)


def batches(ref, split):
    images = [tiny_image(), None]
    return ref.encode(PROMPTS, images), split.encode(PROMPTS, images)


def test_the_split_model_is_offloaded_to_disk_and_runs_the_bridge(pair):
    _, split = pair
    assert set(split.hf.hf_device_map.values()) == {"cpu", "disk"}
    assert placement.dispatched(split.hf)
    assert placement.offloaded_names(split.hf)  # placeholders on meta, filled per forward
    assert split.device == torch.device("cpu")  # the embedding's execution device, not meta
    b = split.encode(PROMPTS[:1], [tiny_image()])
    with warnings.catch_warnings():
        warnings.simplefilter("error", _fast.FastPathWarning)  # off by design, without a warning
        split.forward(b)
    assert split.last_path == ("bridge", "eager")  # accelerate's hooks: no plain fast path


def test_logits_and_recorded_activations_equal_the_unsplit_model(pair):
    ref, split = pair
    b1, b2 = batches(ref, split)
    assert torch.equal(b1.embeds, b2.embeds)
    with torch.no_grad():
        l1, l2 = ref.forward(b1), split.forward(b2)
    real = b1.attention_mask.bool()  # padding columns hold no prediction (sdpa vs eager there)
    assert (l1 - l2)[real].abs().max().item() <= TOL
    cs = iar.contrast.single_response(["How do I do this?", "And that?"], None, "No.", "Sure.")
    a1 = iar.record(ref, cs, progress=False)
    a2 = iar.record(split, cs, progress=False)
    for site in a1.sites:
        assert (a1[site] - a2[site]).abs().max().item() <= TOL


def test_hooks_on_an_offloaded_layer_fire_with_real_values(pair):
    _, split = pair
    seen = []

    def hook(act, hook):
        seen.append((act.device, bool(act.abs().sum() > 0)))
        return act

    b = split.encode(PROMPTS[:1])
    with split.hooks(fwd_hooks=[("blocks.1.attn.hook_z", hook), ("blocks.1.hook_resid_post", hook)]):
        split.forward(b)
    assert seen == [(torch.device("cpu"), True)] * 2


@pytest.mark.parametrize("how", ["heads", "generated"])
def test_steered_generation_equals_the_unsplit_model_token_for_token(pair, revision, how):
    ref, split = pair
    b1, b2 = batches(ref, split)
    positions = "all" if how == "heads" else "generated"
    out = []
    for vlm, b in ((ref, b1), (split, b2)):
        with iar.steer(vlm, revision, heads=4, alpha=6.0, positions=positions):
            out.append(vlm.generate(b, max_new_tokens=8))
    assert out[0].tokens == out[1].tokens
    assert ref.generate(b1, max_new_tokens=8).tokens == split.generate(b2, max_new_tokens=8).tokens


def test_bake_reads_offloaded_weights_and_equals_the_unsplit_bake(pair, revision, tmp_path):
    ref, split = pair
    baked_ref = iar.bake(ref, revision, heads=4, alpha=6.0)
    baked = iar.bake(split, revision, heads=4, alpha=6.0)
    assert not any(p.is_meta for p in baked.parameters())
    s1, s2 = baked_ref.state_dict(), baked.state_dict()
    assert s1.keys() == s2.keys()
    assert all(torch.equal(s1[k], s2[k]) for k in s1)
    b1, _ = batches(ref, split)
    with iar.steer(ref, revision, heads=4, alpha=6.0):
        steered = ref.generate(b1, max_new_tokens=6)
    with torch.no_grad():
        ids = baked.generate(**b1.hf_inputs, max_new_tokens=6, do_sample=False)
    for row, want in zip(ids[:, b1.seq_len:].tolist(), steered.tokens):
        assert row[: len(want)] == want
    baked.save_pretrained(tmp_path / "baked")  # the split model's own save is not touched
    assert (tmp_path / "baked" / "config.json").exists()


def test_device_map_auto_with_a_memory_cap_offloads_and_matches(folder, pair, tmp_path):
    ref, _ = pair
    vlm = iar.load(folder, device_map="auto", max_memory={"cpu": 200_000},
                   offload_folder=str(tmp_path / "off"))
    assert "disk" in set(vlm.hf.hf_device_map.values())
    b1, b2 = batches(ref, vlm)
    with torch.no_grad():
        diff = (ref.forward(b1) - vlm.forward(b2))[b1.attention_mask.bool()]
    assert diff.abs().max().item() <= TOL
    assert ref.generate(b1, max_new_tokens=6).tokens == vlm.generate(b2, max_new_tokens=6).tokens


def test_conditional_steering_decides_and_generates_as_on_the_unsplit_model(pair, revision):
    from iar.condition import Condition

    ref, split = pair
    harm = iar.condition.record(ref, ["How do I do this?", "Pick a lock.", "Hurt someone."],
                                site="resid_pre", layer=1, position="mean", progress=False)
    good = iar.condition.record(ref, ["Describe it.", "A poem.", "The capital of France?"],
                                site="resid_pre", layer=1, position="mean", progress=False)
    cond = Condition.fit(harm, good, site="resid_pre", layer=1, holdout=0.34, mode="graded")
    b1, b2 = batches(ref, split)
    out = []
    for vlm, b in ((ref, b1), (split, b2)):
        with iar.steer(vlm, revision, heads=4, alpha=6.0, when=cond):
            out.append(vlm.generate(b, max_new_tokens=6))
    assert out[0].tokens == out[1].tokens
    assert torch.allclose(torch.tensor(out[0].steered), torch.tensor(out[1].steered), atol=1e-5)


def test_iar_eval_with_a_device_map_file_writes_the_rows_of_the_unsplit_run(folder, tmp_path):
    """``iar eval --device-map FILE.json --offload-folder DIR``: the model split across CPU memory
    and disk answers every item exactly as the unsplit model does."""
    import json

    from iar.cli.commands import main

    data = tmp_path / "items.jsonl"
    data.write_text("".join(json.dumps({"id": f"q{i}", "prompt": f"How is thing {i} done?",
                                        "category": "c"}) + "\n" for i in range(3)))
    (tmp_path / "split.json").write_text(json.dumps(SPLIT))
    common = ["eval", "--model", str(folder), "--benchmark", "jsonl", "--data", str(data), "--judge",
              "keyword:xstest", "--max-new-tokens", "5", "--batch-size", "2", "--quiet"]
    assert main([*common, "--out", str(tmp_path / "plain.jsonl")]) == 0
    assert main([*common, "--out", str(tmp_path / "split.jsonl"), "--device-map", str(tmp_path / "split.json"),
                 "--offload-folder", str(tmp_path / "off")]) == 0
    # the split model was dispatched by accelerate (its hooks rule out the plain fast path)
    paths = {n: json.loads((tmp_path / f"{n}.summary.json").read_text())["paths"] for n in ("plain", "split")}
    assert paths == {"plain": ["fast/sdpa"], "split": ["bridge/eager"]}

    def rows(name):
        lines = (tmp_path / name).read_text().splitlines()[1:]
        return [{k: r[k] for k in ("id", "response", "refused")} for r in map(json.loads, lines)]

    assert rows("split.jsonl") == rows("plain.jsonl")
    assert len(rows("plain.jsonl")) == 3
