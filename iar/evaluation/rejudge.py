"""Re-judge a finished run without regenerating, and measure agreement between two judges.

    iar judge runs/base.jsonl --judge keyword:xstest --out runs/base.xstest.jsonl
    iar judge runs/base.jsonl --compare keyword:xstest          # the run's verdicts vs. the rule
    iar judge runs/base.jsonl --judge default --compare model:meta-llama/Llama-Guard-3-1B

Judge specs (`make_judge`): ``default``, ``keyword:xstest``, ``keyword:gcg``, ``keyword:vlguard``,
``model:PATH_OR_ID`` (an HF refusal classifier or chat guard model, see `iar.judges.ModelJudge`).

A bad run file (missing, not written by ``iar eval``), an unknown judge spec or an ``--out`` equal to
the run file raise an `iar` error before anything is written; ``--out`` is written atomically, so a
failure never leaves a partial file.

    >>> from iar.evaluation.rejudge import cohen_kappa
    >>> cohen_kappa([True, True, False, False], [True, False, False, False])
    0.5
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iar.errors import DataError, InputError

if TYPE_CHECKING:
    from iar.evaluation.runs import EvalReport

SPECS = ("default", "keyword:xstest", "keyword:gcg", "keyword:vlguard", "model:PATH_OR_ID")
REQUIRED = ("id", "kind", "prompt", "response", "refused")


def make_judge(spec: str) -> Any:
    """The judge named by a spec (see `SPECS`).

    Example:
        >>> make_judge("keyword:gcg")
        KeywordJudge('gcg')
    """
    from iar import judges

    if spec == "default":
        return judges.default()
    if spec.startswith("keyword:"):
        return judges.KeywordJudge(spec.split(":", 1)[1])
    if spec.startswith("model:") and spec.split(":", 1)[1]:
        return judges.ModelJudge(spec.split(":", 1)[1])
    raise InputError(f"Unknown judge {spec!r}; use one of {', '.join(SPECS)}.")


def read_run(path: str | os.PathLike) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The header and rows of a run file written by ``iar eval`` / `iar.evaluate`, checked."""
    from iar.evaluation.runs import _read_run

    path = Path(path)
    if not path.is_file():
        raise DataError(f"No run file at {path}; give the JSONL file that `iar eval --out` wrote.")
    not_ours = (f"{path} is not a run file written by `iar eval`: its first line must be "
                "{\"_meta\": ...}. Re-judge only files that `iar eval --out` wrote.")
    try:
        with path.open(encoding="utf-8") as fh:
            first = next((line for line in fh if line.strip()), "")
        head = json.loads(first)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise DataError(not_ours) from None
    if not isinstance(head, dict) or not isinstance(head.get("_meta"), dict):
        raise DataError(not_ours)
    try:
        meta, rows, _ = _read_run(path)
    except (UnicodeDecodeError, AttributeError, TypeError) as e:
        raise DataError(f"{path} is not a run file written by `iar eval` ({type(e).__name__}).") from None
    if not meta or not all(isinstance(r, dict) for r in rows):
        raise DataError(not_ours)
    for n, r in enumerate(rows):
        missing = [k for k in REQUIRED if k not in r]
        if missing or not isinstance(r.get("response"), str):
            raise DataError(f"{path} row {n + 1} lacks {missing or ['a text response']}: not a run file "
                            "written by `iar eval`.")
    if not rows:
        raise DataError(f"{path} has no finished rows to judge.")
    return meta, rows


def cohen_kappa(a: Sequence[bool], b: Sequence[bool]) -> float:
    """Cohen's kappa of two binary verdict lists (1.0 when both agree everywhere; NaN when
    chance agreement is 1 but they disagree, which cannot happen for binary lists).

    Example:
        >>> cohen_kappa([True, False], [True, False])
        1.0
    """
    if len(a) != len(b) or not a:
        raise InputError("cohen_kappa needs two non-empty verdict lists of the same length.")
    n = len(a)
    po = sum(x == y for x, y in zip(a, b)) / n
    pa, pb = sum(map(bool, a)) / n, sum(map(bool, b)) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    if pe >= 1.0:
        return 1.0 if po == 1.0 else math.nan
    return (po - pe) / (1 - pe)


def verdicts(judge: Any, rows: list[dict[str, Any]]) -> tuple[list[bool], list[float], list[bool | None]]:
    """Refusal verdicts, scores and (harmful items) complied-harmfully verdicts of `judge` on rows."""
    from iar.evaluation.runs import judge_harm

    responses, prompts = [r["response"] for r in rows], [str(r["prompt"]) for r in rows]
    if callable(getattr(judge, "decide", None)):
        refused, scores = judge.decide(responses, prompts)
    else:
        refused = judge.is_refusal(responses, prompts)
        scores = [float(x) for x in refused]
    idx = [i for i, r in enumerate(rows) if r["kind"] == "harmful"]
    # runs written before rows carried "request" fall back to the prompt
    requests = [str(rows[i].get("request") or rows[i]["prompt"]) for i in idx]
    harm = judge_harm(judge, requests, [responses[i] for i in idx])
    harmful: list[bool | None] = [None] * len(rows)
    for i, h in zip(idx, harm):
        harmful[i] = h
    return [bool(x) for x in refused], [float(s) for s in scores], harmful


def rejudge(run: str | os.PathLike, judge: Any, out: str | os.PathLike | None = None) -> EvalReport:
    """Rescore every row of a run file with `judge`; write the rescored run to `out` (atomically).

    Returns:
        The rescored `EvalReport` (its meta names the new judge and ``rejudged_from``).
    """
    from iar.evaluation.runs import EvalReport  # noqa: F811 (at run time; the name above is for typing)

    if out is not None and Path(out).resolve() == Path(run).resolve():
        raise InputError("--out must be a new file: re-judging keeps the original run as it is.")
    meta, rows = read_run(run)
    refused, scores, harmful = verdicts(judge, rows)
    new_rows = [{**r, "refused": f, "score": round(s, 6), "harmful": h}
                for r, f, s, h in zip(rows, refused, scores, harmful)]
    new_meta = {**meta, "judge": getattr(judge, "name", type(judge).__name__),
                "rejudged_from": {"file": str(run), "judge": meta.get("judge")}}
    if out is not None:
        out = Path(out)
        new_meta["name"] = out.stem
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                for obj in [{"_meta": new_meta}, *new_rows]:
                    fh.write(json.dumps(obj, ensure_ascii=False) + "\n")
            os.replace(tmp, out)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return EvalReport(new_rows, new_meta)


def compare(run: str | os.PathLike, other: Any, judge: Any = None) -> dict[str, Any]:
    """Agreement on a run between `judge` (None: the verdicts stored in the run) and `other`.

    Returns:
        {"a", "b": judge names, "n", "agreement", "kappa" (refusal verdicts), "harm_kappa" (on
        harmful items when both judges give that verdict, else None), "disagree": rows where the
        refusal verdicts differ (id, kind, a, b, prompt, response)}.
    """
    meta, rows = read_run(run)
    if judge is None:
        a_name, a = f"{meta.get('judge')} (stored)", [bool(r["refused"]) for r in rows]
        a_harm = [r.get("harmful") for r in rows]
    else:
        a_name = getattr(judge, "name", type(judge).__name__)
        a, _, a_harm = verdicts(judge, rows)
    b_name = getattr(other, "name", type(other).__name__)
    b, _, b_harm = verdicts(other, rows)
    pairs = [(x, y) for x, y, r in zip(a_harm, b_harm, rows)
             if r["kind"] == "harmful" and x is not None and y is not None]
    disagree = [{"id": r["id"], "kind": r["kind"], "a": x, "b": y, "prompt": r["prompt"], "response": r["response"]}
                for r, x, y in zip(rows, a, b) if x != y]
    return {"a": a_name, "b": b_name, "n": len(rows), "agreement": 1 - len(disagree) / len(rows),
            "kappa": cohen_kappa(a, b),
            "harm_kappa": cohen_kappa([x for x, _ in pairs], [y for _, y in pairs]) if pairs else None,
            "disagree": disagree}


def _short(text: str, n: int = 90) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[:n - 3] + "..."


def format_compare(res: dict[str, Any], show: int = 20) -> str:
    """A plain-text summary of `compare`: kappa, agreement and the disagreeing rows."""
    kappa = "undefined" if math.isnan(res["kappa"]) else f"{res['kappa']:.3f}"
    lines = [f"A = {res['a']}, B = {res['b']}: {res['n']} rows",
             f"  refusal verdicts: agreement {res['agreement']:.3f}, Cohen's kappa {kappa}"]
    if res["harm_kappa"] is not None:
        lines.append(f"  complied-harmfully verdicts (harmful items): Cohen's kappa {res['harm_kappa']:.3f}")
    d = res["disagree"]
    lines.append(f"  {len(d)} rows disagree on refusal" + (f" (first {show} shown):" if len(d) > show else ":"
                                                             if d else "."))
    for r in d[:show]:
        lines.append(f"    {r['id']} [{r['kind']}] A={'refused' if r['a'] else 'answered'} "
                     f"B={'refused' if r['b'] else 'answered'} | {_short(r['prompt'], 50)} -> {_short(r['response'])}")
    return "\n".join(lines)


def main(run: str, judge: str | None = None, out: str | None = None, compare_with: str | None = None,
         show: int = 20) -> int:
    """What ``iar judge`` does: rescore (`--judge`, `--out`) and/or compare (`--compare`); prints."""
    if out is not None and judge is None:
        raise InputError("--out needs --judge SPEC: the judge whose verdicts to write.")
    if judge is None and compare_with is None:
        raise InputError("Say what to do: --judge SPEC (rescore) and/or --compare SPEC (agreement).")
    if out is not None and Path(out).resolve() == Path(run).resolve():
        raise InputError("--out must be a new file: re-judging keeps the original run as it is.")
    read_run(run)  # a bad file fails before any judge is loaded
    a = make_judge(judge) if judge is not None else None
    b = make_judge(compare_with) if compare_with is not None else None
    if a is not None and (out is not None or b is None):
        report = rejudge(run, a, out)
        print(report.table())
        if out is not None:
            print(f"rows: {out}")
    if b is not None:
        print(format_compare(compare(run, b, a), show))
    return 0
