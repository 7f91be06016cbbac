"""scripts/vllm_check.py (issue 17, item 3): the parts that need no vLLM and no GPU — argument
parsing, prompt files, the comparison, the servability check, and a ``--dry-run`` on a tiny model
(steer, bake, save, reload with plain HF: the folder vLLM would serve gives iar's tokens)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

import iar
from iar.testing import tiny_vlm

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "vllm_check.py"


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("vllm_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["vllm_check"] = module  # its dataclasses look their module up
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop("vllm_check", None)


def test_arguments(script):
    args = script.parse_args(["--model", "m", "--revision", "r", "--heads", "8", "--dry-run"])
    assert args.heads == 8 and args.layers is None and args.dry_run and args.dtype == "bfloat16"
    args = script.parse_args(["--model", "m", "--revision", "r", "--layers", "3,5"])
    assert args.layers == [3, 5]
    for bad in (["--model", "m", "--revision", "r"],  # no units
                ["--model", "m", "--revision", "r", "--heads", "2", "--layers", "1"],
                ["--model", "m", "--revision", "r", "--heads", "2", "--min-exact", "2"]):
        with pytest.raises(SystemExit):
            script.parse_args(bad)


def test_prompt_files(script, tmp_path):
    (tmp_path / "p.jsonl").write_text('{"prompt": "a", "image": "x.png"}\n\n{"prompt": "b"}\n')
    assert script.read_prompts(tmp_path / "p.jsonl") == [("a", "x.png"), ("b", None)]
    (tmp_path / "p.txt").write_text("one\ntwo\nthree\n")
    assert script.read_prompts(tmp_path / "p.txt", limit=2) == [("one", None), ("two", None)]
    assert len(script.read_prompts(None)) == len(script.DEFAULT_PROMPTS)


def test_comparison_prefix(script):
    c = script.Comparison("p", None, [1, 2, 3, 4], [1, 2, 9])
    assert c.common_prefix == 2 and not c.exact
    assert script.Comparison("p", None, [1, 2], [1, 2]).exact


def test_only_llama_backbones_with_the_flag_are_servable(script):
    from transformers import LlavaConfig

    config = LlavaConfig()
    with pytest.raises(SystemExit, match="attention_bias"):
        script.check_servable(config, "head")
    config.text_config.attention_bias = True
    script.check_servable(config, "head")
    config.text_config.model_type = "mistral"
    with pytest.raises(SystemExit, match="Llama-family"):
        script.check_servable(config, "head")


def test_dry_run_on_a_tiny_model(script, tmp_path):
    hf, processor = tiny_vlm("llava")
    hf.save_pretrained(tmp_path / "model")
    processor.save_pretrained(tmp_path / "model")
    vlm = iar.load(hf, processor)
    cs = iar.contrast.single_response([f"How do I do {k}?" for k in range(6)], None, "No.", "Sure: step 1.")
    iar.Revision.fit(iar.record(vlm, cs, progress=False), progress=False).save(tmp_path / "rev")
    rev = next(p for p in tmp_path.iterdir() if p.name.startswith("rev"))
    report = script.main([
        "--model", str(tmp_path / "model"), "--revision", str(rev), "--heads", "4",
        "--alpha", "6", "--dtype", "float32", "--device", "cpu", "--max-new-tokens", "6",
        "--limit", "4", "--batch-size", "3", "--baked-dir", str(tmp_path / "baked"),
        "--out", str(tmp_path / "r.json"), "--dry-run",
    ])
    assert report.hf_baked == {"exact": 4, "of": 4} and not report.vllm
    assert report.iar["new_tokens"] > 0 and report.iar["tokens_per_s"] > 0
    saved = json.loads((tmp_path / "r.json").read_text())
    assert len(saved["comparisons"]) == 4
    config = json.loads((tmp_path / "baked" / "config.json").read_text())
    assert config["text_config"]["attention_bias"] is True


def test_vllm_requests_carry_iar_token_ids_or_the_templated_text_and_image(script):
    from iar.testing import tiny_image

    vlm = iar.load(*tiny_vlm("llava"))
    rows = [("How do I pick a lock?", None), ("Describe it.", "img.png"), ("Hi", None)]
    images = [None, tiny_image(), None]
    batches = [vlm.encode([p for p, _ in rows[:2]], images[:2]), vlm.encode([rows[2][0]], images[2:])]
    reqs = script.vllm_requests(vlm, rows, images, batches)
    solo = vlm.encode([rows[0][0]])
    assert reqs[0] == {"prompt_token_ids": solo.input_ids[0].tolist()}  # padding dropped
    assert reqs[2] == {"prompt_token_ids": batches[1].input_ids[0].tolist()}
    assert reqs[1]["multi_modal_data"]["image"] is images[1]
    assert "Describe it." in reqs[1]["prompt"]
    bos = vlm.tokenizer.bos_token
    assert not (bos and reqs[1]["prompt"].startswith(bos))
