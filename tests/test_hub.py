"""A model or dataset that cannot be found gets one clear iar error at once (iar._hub).

Before: `iar.load("./no/such/model")` ended a 45-line traceback with "Repo id must be in the form
'repo_name' ...", and a hub id with no network was retried for ~25 s (datasets: ~23 s) before a
traceback. The tests run the real transformers / huggingface_hub code: offline through
HF_HUB_OFFLINE (conftest), unreachable through an HF_ENDPOINT on a closed local port.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import iar
from iar.cli import main
from iar.testing import tiny_vlm

ROOT = Path(__file__).resolve().parents[1]


def test_missing_folder_says_it_does_not_exist():
    start = time.perf_counter()
    with pytest.raises(iar.SourceError) as err:
        iar.load("./no/such/model")
    assert time.perf_counter() - start < 10  # the hub retries took 23-25 s
    message = str(err.value)
    assert "model folder ./no/such/model does not exist" in message
    assert str(Path("no/such/model").resolve()) in message
    assert "config.json" in message and "hub id" in message
    assert isinstance(err.value, OSError)  # what transformers raised before: old handlers still work


def test_a_file_or_a_folder_without_config_is_not_a_model(tmp_path):
    (tmp_path / "weights.bin").write_bytes(b"")
    with pytest.raises(iar.SourceError, match=r"weights.bin is a file; pass the folder that holds config.json"):
        iar.load(str(tmp_path / "weights.bin"))
    with pytest.raises(iar.SourceError, match="has no config.json: it is not a saved Hugging Face model"):
        iar.load(tmp_path)


def test_missing_processor_folder():
    hf, _ = tiny_vlm("llava")
    with pytest.raises(iar.SourceError, match=r"processor folder ./no/processor does not exist"):
        iar.load(hf, "./no/processor")


def test_hub_id_offline_fails_at_once_and_says_how_to_pass_a_folder(tmp_path):
    start = time.perf_counter()
    with pytest.raises(iar.SourceError) as err:
        iar.load("llava-hf/llava-1.5-7b-hf", cache_dir=str(tmp_path))
    assert time.perf_counter() - start < 10  # the hub retries took 23-25 s
    message = str(err.value)
    assert "'llava-hf/llava-1.5-7b-hf' is not a local folder" in message
    assert "HF_HUB_OFFLINE is set" in message and "not in the local cache" in message
    assert str(tmp_path) in message  # the cache that was looked at
    assert "iar.load('DIR') or --model DIR" in message and "hf download llava-hf/llava-1.5-7b-hf" in message
    assert "unset HF_HUB_OFFLINE" in message


def _fake_hub_cache(cache: Path, repo_id: str) -> None:
    """Save a tiny LLaVA where huggingface_hub's cache keeps `repo_id` (refs/main -> snapshot)."""
    from test_model import save_processor

    repo = cache / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / ("0" * 40)
    snapshot.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0" * 40)
    hf, processor = tiny_vlm("llava", seed=1)
    hf.save_pretrained(snapshot)
    save_processor(processor, snapshot)


def test_cached_hub_id_still_loads_offline(tmp_path):
    _fake_hub_cache(tmp_path, "tiny-org/tiny-llava")
    vlm = iar.load("tiny-org/tiny-llava", cache_dir=str(tmp_path))
    assert vlm.cfg.model_type == "llava"


def test_benchmark_hub_id_offline_fails_at_once():
    start = time.perf_counter()
    with pytest.raises(iar.DataError) as err:
        iar.benchmarks.figstep("FigStep/data")
    assert time.perf_counter() - start < 10  # the hub retries took 23-25 s
    message = str(err.value)
    assert "'FigStep/data' is not a local file or folder" in message
    assert str(Path("FigStep/data").resolve()) in message
    assert "HF_HUB_OFFLINE is set" in message and "not in the local cache" in message
    assert "If you meant a folder, check the path" in message and "pass the folder" in message


@pytest.mark.parametrize("command", ["eval", "demo"])
def test_cli_prints_one_line_and_exits_2(command, capsys, tmp_path):
    argv = {"eval": ["eval", "--model", "./no/such/model", "--benchmark", "figstep",
                     "--data", str(ROOT / "tests/fixtures/figstep"), "--out", str(tmp_path / "run.jsonl")],
            "demo": ["demo", "--model", "./no/such/model", "--out", str(tmp_path / "demo")]}[command]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"iar {command}: error: model folder ./no/such/model does not exist")
    assert not (tmp_path / "run.jsonl").exists() and not (tmp_path / "demo").exists()


def test_unreachable_hub_fails_at_once_and_a_cached_model_loads_without_retries(tmp_path):
    """No HF_HUB_OFFLINE, and a hub that does not answer (a closed port on this machine)."""
    cache = tmp_path / "hub"
    _fake_hub_cache(cache, "tiny-org/tiny-llava")
    script = textwrap.dedent("""
        import time, datasets, iar
        iar.load(SNAPSHOT)  # the first load pays for lazy imports; time what follows
        for call in (lambda: iar.load("llava-hf/llava-1.5-7b-hf"), lambda: iar.benchmarks.figstep("FigStep/data")):
            start = time.perf_counter()
            try:
                call()
            except iar.IarError as e:
                print(type(e).__name__, round(time.perf_counter() - start, 1), e)
        start = time.perf_counter()
        vlm = iar.load("tiny-org/tiny-llava")
        print("loaded", vlm.cfg.model_type, round(time.perf_counter() - start, 1))
    """)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_OFFLINE")}
    env.update(HF_ENDPOINT="http://127.0.0.1:9", HF_HOME=str(tmp_path), HF_HUB_CACHE=str(cache),
               PYTHONPATH=str(ROOT))
    script = f"SNAPSHOT = {str(next((cache / 'models--tiny-org--tiny-llava' / 'snapshots').iterdir()))!r}\n" + script
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                         timeout=300, cwd=tmp_path)
    lines = out.stdout.splitlines()
    assert out.returncode == 0 and len(lines) == 3, out.stdout + out.stderr
    for line, kind in zip(lines[:2], ("SourceError", "DataError")):
        name, seconds, message = line.split(" ", 2)
        assert name == kind and float(seconds) < 10, line  # hub retries take 23-25 s
        assert "http://127.0.0.1:9) cannot be reached" in message and "HF_HUB_OFFLINE=1" in message
    name, model_type, seconds = lines[2].split()
    assert (name, model_type) == ("loaded", "llava") and float(seconds) < 10, lines[2]  # retries: 23-25 s


def test_judge_model_by_path_or_hub_id(tmp_path):
    from iar.judges import ModelJudge

    with pytest.raises(iar.SourceError, match="judge model folder ./no/such/judge does not exist"):
        ModelJudge("./no/such/judge")
    start = time.perf_counter()
    with pytest.raises(iar.SourceError, match="judge model 'meta-llama/Llama-Guard-3-1B' is not a local "
                                              "folder.*HF_HUB_OFFLINE is set"):
        ModelJudge("meta-llama/Llama-Guard-3-1B")
    assert time.perf_counter() - start < 10  # the hub retries took 23-25 s
