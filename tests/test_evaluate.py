"""iar.evaluate on the tiny LLaVA: rows and metrics, resumable run files, steering, MCQ accuracy."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

import iar
from iar.benchmarks import Benchmark, figstep, jsonl, mcq
from iar.errors import DataError, InputError
from iar.evaluation.rejudge import rejudge
from iar.evaluation.runs import EvalReport, parse_choice
from iar.judges import KeywordJudge

FIX = Path(__file__).parent / "fixtures"
NEW = 5  # max_new_tokens: short, the tiny model talks nonsense anyway


@pytest.fixture(scope="module")
def vlm():
    return iar.load(*iar.testing.tiny_vlm("llava"))


@pytest.fixture(scope="module")
def bench():
    # 7 items: 4 FigStep images (2 from the folder, 2 rendered) and 3 of the user's own (1 image)
    return Benchmark("mixed", [*figstep(FIX / "figstep"), *jsonl(FIX / "jsonl" / "own.jsonl")])


@pytest.fixture(scope="module")
def reference(vlm, bench):
    return iar.evaluate(vlm, bench, judge=KeywordJudge("gcg"), batch_size=2, max_new_tokens=NEW,
                        progress=False)


def _stable(rows):
    return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]  # timing varies


def _file_rows(path):
    lines = path.read_text().splitlines()
    assert "_meta" in json.loads(lines[0])
    return [json.loads(line) for line in lines[1:]]


class RaisingJudge:
    """A judge that gives up after `k` batches, as a crash in the middle of a long run would."""

    def __init__(self, k):
        self.k, self.calls, self.inner, self.name = k, 0, KeywordJudge("gcg"), "keyword:gcg"

    def is_refusal(self, responses, prompts=None):
        self.calls += 1
        if self.calls > self.k:
            raise RuntimeError("simulated crash")
        return self.inner.is_refusal(responses, prompts)


def test_rows_hold_every_item_in_order_with_metrics(reference, bench):
    rows = reference.rows
    assert [r["id"] for r in rows] == bench.ids
    assert all(0 < r["tokens"] <= NEW or r["response"] == "" for r in rows)
    assert all(isinstance(r["response"], str) and r["seconds"] >= 0 for r in rows)
    assert [r["refused"] for r in rows] == KeywordJudge("gcg").is_refusal([r["response"] for r in rows])
    harmful = [r for r in rows if r["kind"] == "harmful"]
    assert reference.asr == sum(not r["refused"] for r in harmful) / len(harmful)
    benign = [r for r in rows if r["kind"] == "benign"]
    assert reference.over_refusal == sum(r["refused"] for r in benign) / len(benign)
    assert math.isnan(reference.accuracy) and reference.tokens_per_second > 0
    assert set(reference.asr_by_category()) == {"Illegal Activity", "Privacy Violation", "property",
                                                "fraud"}


def test_generation_is_the_models_own(vlm, bench, reference):
    items = bench.items[:2]
    gen = vlm.generate(vlm.encode([it.prompt for it in items], [it.image for it in items]),
                       max_new_tokens=NEW)
    assert [r["response"] for r in reference.rows[:2]] == gen.texts


def test_killed_run_resumes_to_exactly_the_uninterrupted_rows(vlm, bench, reference, tmp_path):
    out = tmp_path / "run.jsonl"
    with pytest.raises(RuntimeError, match="simulated crash"):
        iar.evaluate(vlm, bench, judge=RaisingJudge(2), batch_size=2, max_new_tokens=NEW, out=out,
                     progress=False)
    assert [r["id"] for r in _file_rows(out)] == bench.ids[:4]  # two batches were saved at once
    again = iar.evaluate(vlm, bench, judge=KeywordJudge("gcg"), batch_size=2, max_new_tokens=NEW,
                         out=out, progress=False)
    rows = _file_rows(out)
    assert [r["id"] for r in rows] == bench.ids  # exactly one row per item
    assert _stable(rows) == _stable(reference.rows) == _stable(again.rows)


def test_half_written_last_line_is_redone(vlm, bench, reference, tmp_path):
    out = tmp_path / "run.jsonl"
    iar.evaluate(vlm, bench, judge=KeywordJudge("gcg"), batch_size=2, max_new_tokens=NEW, out=out,
                 progress=False)
    data = out.read_bytes()
    out.write_bytes(data[: len(data) - 25])  # kill mid-write: the last row is cut short
    assert len(_complete_lines(out)) == len(bench)  # header + 6 complete rows
    calls = []

    class Counting(KeywordJudge):
        def is_refusal(self, responses, prompts=None):
            calls.append(len(responses))
            return super().is_refusal(responses, prompts)

    rep = iar.evaluate(vlm, bench, judge=Counting("gcg"), batch_size=2, max_new_tokens=NEW, out=out,
                       progress=False)
    assert calls == [1]  # only the last chunk (one item) was run again
    assert _stable(_file_rows(out)) == _stable(reference.rows) == _stable(rep.rows)


def _complete_lines(path):
    return [line for line in path.read_bytes().split(b"\n")[:-1]]


def test_finished_run_is_not_recomputed(vlm, bench, tmp_path):
    out = tmp_path / "run.jsonl"
    first = iar.evaluate(vlm, bench[:3], judge=KeywordJudge("gcg"), batch_size=2, max_new_tokens=NEW,
                         out=out, progress=False)
    judge = RaisingJudge(0)  # would raise if anything were generated and judged again
    second = iar.evaluate(vlm, bench[:3], judge=judge, batch_size=2, max_new_tokens=NEW, out=out,
                          progress=False)
    assert judge.calls == 0 and second.rows == first.rows


def test_resume_refuses_a_different_run(vlm, bench, tmp_path):
    out = tmp_path / "run.jsonl"
    iar.evaluate(vlm, bench[:2], judge=KeywordJudge("gcg"), batch_size=2, max_new_tokens=NEW, out=out,
                 progress=False)
    with pytest.raises(InputError, match="max_new_tokens"):
        iar.evaluate(vlm, bench[:2], judge=KeywordJudge("gcg"), max_new_tokens=NEW + 1, out=out,
                     progress=False)
    fresh = iar.evaluate(vlm, bench[:1], judge=KeywordJudge("gcg"), max_new_tokens=NEW + 1, out=out,
                         resume=False, progress=False)
    assert len(_file_rows(out)) == 1 and len(fresh.rows) == 1


def test_damaged_middle_line_is_an_error(vlm, bench, tmp_path):
    out = tmp_path / "run.jsonl"
    iar.evaluate(vlm, bench[:2], judge=KeywordJudge("gcg"), batch_size=1, max_new_tokens=NEW, out=out,
                 progress=False)
    lines = out.read_text().splitlines()
    lines[1] = lines[1][:10]
    out.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match="line 2 is not valid JSON"):
        iar.evaluate(vlm, bench[:2], judge=KeywordJudge("gcg"), batch_size=1, max_new_tokens=NEW,
                     out=out, progress=False)


def test_limit_and_report_file_round_trip(vlm, bench, tmp_path):
    out = tmp_path / "short.jsonl"
    rep = iar.evaluate(vlm, bench, judge=KeywordJudge("xstest"), limit=3, batch_size=3,
                       max_new_tokens=NEW, out=out, progress=False)
    assert [r["id"] for r in rep.rows] == bench.ids[:3]
    loaded = EvalReport.load(out)
    assert loaded.rows == rep.rows and loaded.name == "short" and loaded.meta["judge"] == "keyword:xstest"
    frame = rep.to_frame()
    assert list(frame["id"]) == bench.ids[:3] and "refused" in frame.columns
    assert "ASR" in rep.table() and "short: 3 items" in rep.table()


def test_steering_changes_generation_and_is_removed_after(vlm, bench, reference):
    torch.manual_seed(0)
    d = vlm.cfg.d_model
    dirs = torch.nn.functional.normalize(torch.randn(vlm.cfg.n_layers, d), dim=-1)
    rev = iar.Revision(directions=dirs, sigma=torch.ones(vlm.cfg.n_layers), level="layer")
    steered = iar.evaluate(vlm, bench, judge=KeywordJudge("gcg"), batch_size=2, max_new_tokens=NEW,
                           steer=dict(revision=rev, layers=[0, 1], alpha=200.0), progress=False)
    assert [r["response"] for r in steered.rows] != [r["response"] for r in reference.rows]
    assert steered.meta["steer"]["alpha"] == 200.0 and steered.meta["steer"]["layers"] == [0, 1]
    after = iar.evaluate(vlm, bench, judge=KeywordJudge("gcg"), batch_size=2, max_new_tokens=NEW,
                         progress=False)
    assert _stable(after.rows) == _stable(reference.rows)  # hooks gone
    cmp = reference.compare(steered)
    assert {"asr", "over_refusal", "asr[fraud]"} <= set(cmp.index)
    assert cmp.loc["asr", "delta"] == pytest.approx(steered.asr - reference.asr)


def test_mcq_accuracy_counts_parsed_answers(vlm):
    bench = mcq(FIX / "mcq" / "mcq.jsonl")
    rep = iar.evaluate(vlm, bench, judge=KeywordJudge("xstest"), max_new_tokens=NEW, progress=False)
    for row, item in zip(rep.rows, bench):
        assert row["pred"] == parse_choice(row["response"], item.choices)
        assert row["correct"] == (row["pred"] == item.answer)
    assert rep.accuracy == sum(r["correct"] for r in rep.rows) / 3


def test_parse_choice():
    ch = ["shark", "whale", "eel"]
    assert [parse_choice(t, ch) for t in ("B", "(C)", "Answer: A", "a.", "The whale.", "A whale",
                                          "shark or whale", "D.", "")] == [1, 2, 0, 0, 1, 1, None,
                                                                          None, None]


def test_bad_arguments(vlm, bench):
    with pytest.raises(InputError, match="batch_size"):
        iar.evaluate(vlm, bench, judge=KeywordJudge("gcg"), batch_size=0)
    with pytest.raises(InputError, match="steer must be a dict"):
        iar.evaluate(vlm, bench, judge=KeywordJudge("gcg"), steer=["alpha"])
    with pytest.raises(InputError, match="is_refusal"):
        iar.evaluate(vlm, bench, judge=object())


# ---------------------------------------------------------------------- resume integrity (#15)

def _layer_revision(vlm, seed):
    g = torch.Generator().manual_seed(seed)
    dirs = torch.nn.functional.normalize(torch.randn(vlm.cfg.n_layers, vlm.cfg.d_model, generator=g),
                                         dim=-1)
    return iar.Revision(directions=dirs, sigma=torch.ones(vlm.cfg.n_layers), level="layer")


def test_resume_refuses_a_changed_revision_vector_of_the_same_shape(vlm, bench, tmp_path):
    from iar.evaluation.runs import RunMismatchError

    out = tmp_path / "run.jsonl"
    rev = _layer_revision(vlm, 0)
    steer = dict(revision=rev, layers=[0, 1], alpha=4.0)
    first = iar.evaluate(vlm, bench[:3], judge=KeywordJudge("gcg"), batch_size=2,
                         max_new_tokens=NEW, steer=steer, out=out, progress=False)
    before = out.read_bytes()
    changed = iar.Revision(rev.directions.clone(), rev.sigma.clone(), level="layer")
    changed.directions[1, 5] += 1e-3  # one number of one vector; shape, level, method the same
    assert repr(changed) == repr(rev)  # what the old check compared
    with pytest.raises(RunMismatchError, match=r"steer\.revision content \(directions, sigma or "
                                               r"probe ranking\).*resume=False") as err:
        iar.evaluate(vlm, bench[:3], judge=KeywordJudge("gcg"), batch_size=2, max_new_tokens=NEW,
                     steer=dict(steer, revision=changed), out=out, progress=False)
    assert [d[0] for d in err.value.differences] == ["steer.revision.sha256"]
    assert out.read_bytes() == before  # the file is untouched
    # the identical revision, even saved and loaded again, resumes without generating anything
    same = iar.Revision.load(rev.save(tmp_path / "rev.safetensors"))
    judge = RaisingJudge(0)
    again = iar.evaluate(vlm, bench[:3], judge=judge, batch_size=2, max_new_tokens=NEW,
                         steer=dict(steer, revision=same), out=out, progress=False)
    assert judge.calls == 0 and again.rows == first.rows
    # and sigma alone, or alpha, also count
    for other, name in ((dict(steer, revision=iar.Revision(rev.directions, rev.sigma * 2,
                                                           level="layer")), "steer.revision"),
                        (dict(steer, alpha=4.5), "steer.alpha")):
        with pytest.raises(RunMismatchError, match=name.replace(".", r"\.")):
            iar.evaluate(vlm, bench[:3], judge=KeywordJudge("gcg"), batch_size=2,
                         max_new_tokens=NEW, steer=other, out=out, progress=False)
    fresh = iar.evaluate(vlm, bench[:1], judge=KeywordJudge("gcg"), max_new_tokens=NEW,
                         steer=dict(steer, revision=changed), out=out, resume=False, progress=False)
    assert len(_file_rows(out)) == 1 and len(fresh.rows) == 1


def test_alpha_tensors_of_any_size_are_hashed_by_content():
    from iar.evaluation.runs import RunMismatchError, _check_same_run, steer_config

    rev = iar.Revision(torch.ones(2, 4), torch.ones(2), level="layer")
    a = torch.linspace(0, 1, 100)
    b = a.clone()
    b[57] += 1e-6  # below float32 print precision, not below the hash's
    ca, cb = steer_config(dict(revision=rev, alpha=a)), steer_config(dict(revision=rev, alpha=b))
    assert ca["alpha"]["shape"] == [100] and ca["alpha"] != cb["alpha"]
    assert steer_config(dict(revision=rev, alpha=a.clone())) == ca
    with pytest.raises(RunMismatchError, match=r"steer\.alpha content"):
        _check_same_run(Path("run.jsonl"), {"steer": ca}, {"steer": cb})
    small = steer_config(dict(revision=rev, alpha=torch.tensor([1.0, 2.0])))
    assert small["alpha"] == [1.0, 2.0]  # small tensors stay readable


def test_helpfulness_is_the_share_of_benign_items_answered(reference):
    benign = [r for r in reference.rows if r["kind"] == "benign"]
    assert benign and reference.helpfulness == sum(not r["refused"] for r in benign) / len(benign)
    assert reference.helpfulness == pytest.approx(1 - reference.over_refusal)
    assert reference.summary()["helpfulness"] == reference.helpfulness
    assert "helpfulness" in reference.table()
    harmful_only = EvalReport([r for r in reference.rows if r["kind"] == "harmful"])
    assert math.isnan(harmful_only.helpfulness)


class RecordingJudge(KeywordJudge):
    """The xstest rule, plus an attack-success verdict that records what it was asked to weigh."""

    def __init__(self):
        super().__init__("xstest")
        self.asked = []

    def complied_harmfully(self, prompts, responses):
        self.asked += list(prompts)
        return [not r for r in self.is_refusal(responses)]


def test_attack_success_is_weighed_against_the_request_not_the_instruction(vlm, bench, tmp_path):
    """FigStep carries the request in the image: its prompt is only the fill-in-the-list instruction,
    so the complied-harmfully verdict must see the source's question instead (and rejudging too)."""
    judge = RecordingJudge()
    out = tmp_path / "run.jsonl"
    rep = iar.evaluate(vlm, bench, judge=judge, batch_size=2, max_new_tokens=NEW, out=out, progress=False)
    harmful = [it for it in bench.items if it.kind == "harmful"]
    figsteps = [it for it in harmful if it.meta.get("question")]
    assert figsteps and all(it.request == it.meta["question"] != it.prompt for it in figsteps)
    assert judge.asked == [it.request for it in harmful]
    assert [r["request"] for r in rep.rows] == [it.request for it in bench.items]
    again = RecordingJudge()
    rejudge(out, again)
    assert again.asked == [it.request for it in harmful]
