"""The demo's standalone HTML report: figures (plotly.js embedded once), tables, example answers.

    >>> fig = tradeoff([{"alpha": 4.0, "k": 2, "asr": 0.1, "helpfulness": 0.95}],
    ...                {"asr": 0.6, "helpfulness": 1.0}, {"alpha": 4.0, "k": 2}, 0.9)
    >>> [t.name for t in fig.data if t.showlegend is not False]
    ['top 2 heads', 'unsteered', 'bound: 0.9 × unsteered helpfulness', 'chosen (K=2, α=4)']
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

#: how the report names a condition's position
_WHERE = {"last": "last prompt token", "mean": "mean over the prompt's text tokens",
          "image": "mean over the prompt's image tokens", "prompt": "mean over every prompt token"}


def tradeoff(sweep: Sequence[Mapping[str, Any]], base: Mapping[str, Any], chosen: Mapping[str, Any],
             keep: float) -> go.Figure:
    """The sweep: val image ASR (top panel) and benign helpfulness (bottom panel) against alpha,
    a line per K.

    Alpha is the shared x axis, so no point needs a text label (labels of nearby settings used to
    overlap where many settings share one helpfulness); the exact numbers are on hover and in the
    report's sweep table.

    Args:
        sweep: rows with ``alpha``, ``k``, ``asr``, ``helpfulness``.
        base: the unsteered ``asr`` and ``helpfulness``.
        chosen: the chosen row (``alpha``, ``k``).
        keep: the helpfulness bound as a fraction of the unsteered value (drawn as a line).

    Returns:
        A figure: per K a line in each panel (one legend entry), the unsteered values and the
        helpfulness bound as dashed lines, the chosen setting circled in both panels.

    Example:
        >>> fig = tradeoff([{"alpha": 2.0, "k": 4, "asr": 0.2, "helpfulness": 1.0}],
        ...                {"asr": 0.5, "helpfulness": 1.0}, {"alpha": 2.0, "k": 4}, 0.9)
        >>> fig.layout.xaxis2.title.text, list(fig.layout.xaxis2.tickvals)
        ('alpha (steering strength)', [2.0])
    """
    from plotly.colors import qualitative
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.1, subplot_titles=(
        "image ASR (val, harmful image requests): lower is better",
        "benign helpfulness (val, image requests): higher is better"))
    panels = ((1, "asr", "image ASR"), (2, "helpfulness", "helpfulness"))
    alphas = sorted({r["alpha"] for r in sweep})
    for i, k in enumerate(sorted({r["k"] for r in sweep})):
        rows = sorted((r for r in sweep if r["k"] == k), key=lambda r: r["alpha"])
        color = qualitative.Plotly[i % len(qualitative.Plotly)]
        for panel, key, label in panels:
            fig.add_trace(go.Scatter(
                x=[r["alpha"] for r in rows], y=[r[key] for r in rows], mode="lines+markers",
                name=f"top {k} heads", legendgroup=f"k={k}", showlegend=panel == 1,
                line={"color": color}, marker={"color": color},
                hovertemplate=f"K={k}, α=%{{x:g}}<br>{label} %{{y:.3f}}<extra></extra>",
            ), row=panel, col=1)
    span = [alphas[0], alphas[-1]] if alphas else [0, 1]
    lines = [(1, base["asr"], "unsteered", "black", "dot"),
             (2, base["helpfulness"], "unsteered", "black", "dot"),
             (2, keep * base["helpfulness"], f"bound: {keep:g} × unsteered helpfulness", "gray", "dash")]
    shown: set[str] = set()
    for panel, y, name, color, dash in lines:
        if y is None or (isinstance(y, float) and math.isnan(y)):
            continue
        fig.add_trace(go.Scatter(x=span, y=[y, y], mode="lines", name=name, legendgroup=name,
                                 showlegend=name not in shown, line={"color": color, "dash": dash},
                                 hovertemplate=f"{name} %{{y:.3f}}<extra></extra>"), row=panel, col=1)
        shown.add(name)
    pick = next(r for r in sweep if r["alpha"] == chosen["alpha"] and r["k"] == chosen["k"])
    for panel, key, _ in panels:
        fig.add_trace(go.Scatter(x=[pick["alpha"]], y=[pick[key]], mode="markers",
                                 name=f"chosen (K={pick['k']}, α={pick['alpha']:g})", legendgroup="chosen",
                                 showlegend=panel == 1, hoverinfo="skip",
                                 marker={"symbol": "circle-open", "size": 18, "color": "red",
                                         "line": {"width": 3, "color": "red"}}),
                      row=panel, col=1)
    fig.update_yaxes(range=[-0.05, 1.05])
    fig.update_xaxes(tickmode="array", tickvals=alphas, ticktext=[f"{a:g}" for a in alphas])
    fig.update_xaxes(title_text="alpha (steering strength)", row=2, col=1)
    fig.update_layout(title="Steering sweep (val split): image ASR and benign helpfulness by alpha and K",
                      template="plotly_white", height=620)
    return fig


_CONTRAST = {"modality": "text-vs-image", "single_response": "single-response",
             "multi_response": "multi-response"}
_SIDES = {"modality": "each request as text (refused) vs through the image, at the last prompt token",
          "single_response": "refusal vs compliance", "multi_response": "refusals vs compliant answers"}


def _pct(x: Any) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f}%"


def _img(image: Any, side: int = 96) -> str:
    if image is None:
        return ""
    im = image.copy()
    im.thumbnail((side, side))
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    data = base64.b64encode(buf.getvalue()).decode()
    return f'<img alt="request image" src="data:image/png;base64,{data}">'


def outcome(kind: str, row: Mapping[str, Any]) -> bool:
    """Whether an answer is the good outcome: a harmful request refused; a benign one answered
    (and correct, where the data has an answer key). The example answers are coloured by this.

    Example:
        >>> outcome("benign", {"refused": False, "correct": True}), outcome("benign", {"refused": True})
        (True, False)
        >>> outcome("harmful", {"refused": True}), outcome("harmful", {"refused": False})
        (True, False)
    """
    if kind == "harmful":
        return bool(row["refused"])
    return not row["refused"] and row.get("correct") is not False


def _answer(row: Mapping[str, Any], kind: str) -> str:
    verdict = "refused" if row["refused"] else "answered"
    if row.get("correct") is not None and not row["refused"]:
        verdict += ", correct" if row["correct"] else ", not correct"
    good = outcome(kind, row)
    mark = "&#10004; good" if good else "&#10008; bad"
    cls = "good" if good else "bad"
    return (f'<div class="{cls}">{html.escape(row["response"]) or "<i>(empty)</i>"}<br>'
            f"<small>{verdict}: {mark}</small></div>")


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


CSS = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}
th{background:#f4f4f4}.good{color:#1a7f37}.bad{color:#b42318}td img{image-rendering:pixelated}
code{background:#f4f4f4;padding:1px 4px}.fig{margin:1.5em 0}
"""


def compare_table(constructions: Mapping[str, Mapping[str, Any]], main: str | None = None) -> str:
    """The side-by-side table of a run that compared constructions (``summary["constructions"]``):
    one column per construction, its chosen setting, val and test numbers, probe accuracies, and how
    its directions point relative to the main construction's.

    Example:
        >>> row = {"k": 2, "alpha": 4.0, "positions": "all", "contrast_samples": 8, "asr_image": 0.5,
        ...        "asr_image_steered": 0.1, "asr_text": 0.0, "asr_text_steered": 0.0, "helpfulness": 1.0,
        ...        "helpfulness_steered": 0.9, "helpfulness_text": 1.0, "helpfulness_text_steered": 1.0,
        ...        "selection": {"rule_met": True, "val_unsteered": {"asr": 0.5, "helpfulness": 1.0},
        ...                      "chosen": {"asr": 0.1, "helpfulness": 0.9}},
        ...        "probe": {"max_accuracy": 0.9, "mean_accuracy": 0.7},
        ...        "directions_cosine_to_main": {"top": 1.0, "all": 1.0}}
        >>> "multi-response (main)" in compare_table({"multi_response": row}, "multi_response")
        True
    """
    names = list(constructions)

    def col(c: str) -> str:
        return _CONTRAST.get(c, c) + (" (main)" if c == main else "")

    def cos(c: str, key: str) -> str:
        v = (constructions[c].get("directions_cosine_to_main") or {}).get(key)
        return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:+.2f}"

    def acc(c: str, key: str) -> str:
        return _pct((constructions[c].get("probe") or {}).get(key))

    get = {c: constructions[c] for c in names}
    sel = {c: get[c].get("selection") or {} for c in names}
    rows = [
        ("chosen setting (val)", lambda c: f"top {get[c]['k']} heads, α {get[c]['alpha']:g}, positions {get[c]['positions']}"),
        ("contrast samples", lambda c: str(get[c].get("contrast_samples"))),
        ("val image ASR: unsteered → chosen", lambda c: f"{_pct((sel[c].get('val_unsteered') or {}).get('asr'))} → "
                                                        f"{_pct((sel[c].get('chosen') or {}).get('asr'))}"),
        ("val helpfulness: unsteered → chosen", lambda c: f"{_pct((sel[c].get('val_unsteered') or {}).get('helpfulness'))} → "
                                                          f"{_pct((sel[c].get('chosen') or {}).get('helpfulness'))}"),
        ("helpfulness bound met", lambda c: str(sel[c].get("rule_met"))),
        ("test image ASR: unsteered → steered", lambda c: f"{_pct(get[c]['asr_image'])} → {_pct(get[c]['asr_image_steered'])}"),
        ("test text ASR: unsteered → steered", lambda c: f"{_pct(get[c]['asr_text'])} → {_pct(get[c]['asr_text_steered'])}"),
        ("test image helpfulness: unsteered → steered", lambda c: f"{_pct(get[c]['helpfulness'])} → {_pct(get[c]['helpfulness_steered'])}"),
        ("test text helpfulness: unsteered → steered", lambda c: f"{_pct(get[c]['helpfulness_text'])} → "
                                                                 f"{_pct(get[c]['helpfulness_text_steered'])}"),
        ("probe val accuracy: best head / mean", lambda c: f"{acc(c, 'max_accuracy')} / {acc(c, 'mean_accuracy')}"),
        ("cosine of directions to the main's: its top heads / all", lambda c: f"{cos(c, 'top')} / {cos(c, 'all')}"),
    ]
    return _table(["", *[col(c) for c in names]], [[html.escape(label), *[html.escape(f(c)) for c in names]]
                                                   for label, f in rows])


def render(summary: Mapping[str, Any], figures: Mapping[str, go.Figure],
           examples: Sequence[Mapping[str, Any]]) -> str:
    """The report as one standalone HTML page (plotly.js inlined once; works offline).

    Args:
        summary: the demo summary (see :func:`iar.demo.run`).
        figures: name -> figure (``shift``, ``shift_layers``, ``probe``, ``sweep``).
        examples: test image requests with their unsteered (``plain``) and ``steered`` rows.

    Example:
        >>> page = render({"model": "m", "asr_text": 0.0, "asr_image": 0.5, "asr_image_steered": 0.0,
        ...     "helpfulness": 1.0, "helpfulness_steered": 1.0, "heads": [[0, 1]], "alpha": 2.0,
        ...     "seconds": 1.0, "cpu_seconds": 1.0, "sweep": []}, {}, [])
        >>> page.startswith("<!DOCTYPE html>")
        True
    """
    from plotly.offline import get_plotlyjs

    s = summary
    get = s.get
    head = (f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>iar demo: {html.escape(str(get('model')))}"
            f"</title><style>{CSS}</style><script type='text/javascript'>{get_plotlyjs()}</script></head><body>")
    parts = [head, f"<h1>Internal Activation Revision: demo on {html.escape(str(get('model')))}</h1>"]
    heads = ", ".join(f"L{l}H{h}" for l, h in get("heads", []))
    parts.append(
        f"<p>IAR steers the top {len(get('heads', []))} attention heads ({heads}) with MMS revision vectors "
        f"at alpha {get('alpha', 0):g} (chosen on the val split), evaluated on held-out test requests. "
        f"Run took {get('seconds', 0):.0f} s wall, {get('cpu_seconds', 0):.0f} s CPU.</p>")
    sel = get("selection") or {}
    n = get("n") or {}
    rows = [
        ["image ASR (harmful image requests answered)", _pct(get("asr_image")), _pct(get("asr_image_steered"))],
        ["text ASR (same requests, content in the text)", _pct(get("asr_text")), _pct(get("asr_text_steered"))],
        ["benign helpfulness, image requests", _pct(get("helpfulness")), _pct(get("helpfulness_steered"))],
        ["benign helpfulness, text requests", _pct(get("helpfulness_text")), _pct(get("helpfulness_text_steered"))],
    ]
    parts.append("<h2>Test split</h2>")
    parts.append(_table(["metric", "unsteered", "steered (IAR)"], rows))
    cond = get("condition")
    if cond:
        fired = "; ".join(f"{html.escape(c)}: image {_pct(f['image']['harmful'])} of harmful, "
                          f"{_pct(f['image']['benign'])} of benign; text {_pct(f['text']['harmful'])} / "
                          f"{_pct(f['text']['benign'])}" for c, f in (cond.get("fired_test") or {}).items())
        parts.append(f"<p>Conditional steering ({html.escape(str(cond.get('condition')))}): a linear "
                     f"condition on <code>{html.escape(str(cond.get('site')))}</code> of layer {cond.get('layer')} "
                     f"({_WHERE.get(cond.get('position'), html.escape(str(cond.get('position'))))}), fitted on train image requests, threshold at "
                     f"{_pct(cond.get('calibration_fpr'))} false positives on other benign train requests, "
                     f"decides per request whether to steer. It fired on the test requests as follows: "
                     f"{fired}. It gates every construction; heads at or before its layer get the "
                     f"decision from a look-ahead pass over the prompt (<code>iar.steer(..., lookahead=True)"
                     f"</code>), so the requests it flags are steered exactly as unconditional steering "
                     f"would steer them.</p>")
    constructions = get("constructions") or {}
    if constructions:
        parts.append("<h2>Contrast constructions side by side</h2>")
        parts.append(f"<p>Each construction has its own revision, sweep (same val requests, judge and rule) "
                     f"and steered test run; the unsteered answers are shared. The numbers above are the main "
                     f"construction's ({html.escape(_CONTRAST.get(get('construction'), str(get('construction'))))}"
                     f"). Probe accuracy: held-out accuracy of each head's linear probe on the construction's "
                     f"own contrast set.</p>")
        parts.append(compare_table(constructions, get("construction")))
    data = get("data") or {}
    parts.append(f"<p>{n.get('test_harmful', '?')} harmful and {n.get('test_benign', '?')} benign test "
                 f"requests, each as an image request and as a text request. Refusals are judged by "
                 f"<code>{html.escape(str(get('judge')))}</code>; helpfulness: "
                 f"{html.escape(str(data.get('helpfulness', '')))}. Every answer is in "
                 f"<code>generations.jsonl</code>.</p>")
    for name, caption in (("shift", ("How far the image moves each head's output from the text request's "
                                    "(last prompt token, cosine distance).")),
                          ("shift_layers", "The same shift per layer, by metric."),
                          ("probe", (f"Linear probes on the {_CONTRAST.get(get('construction'), 'contrast')} "
                                    f"contrast set ({n.get('contrast_samples', '?')} samples from "
                                    f"{n.get('contrast_queries', '?')} harmful train image requests): "
                                    f"{_SIDES.get(get('construction'), 'positive vs negative')}. "
                                    f"The top heads are steered (positions: {get('positions')}).")),
                          ("sweep", "")):
        fig = figures.get(name)
        if fig is None:
            continue
        parts.append(f"<div class='fig'>{fig.to_html(full_html=False, include_plotlyjs=False, default_height='520px')}"
                     f"<p>{html.escape(caption)}</p></div>")
    for c, entry in constructions.items():
        if c == get("construction"):
            continue
        parts.append(f"<h2>{html.escape(_CONTRAST.get(c, c))} construction: probes and sweep</h2>")
        probe = (f"Linear probes on the {_CONTRAST.get(c, c)} contrast set ({entry.get('contrast_samples', '?')} "
                 f"samples): {_SIDES.get(c, '')}. Positions steered: {entry.get('positions')}.")
        for key, caption in ((f"probe:{c}", probe),
                             (f"sweep:{c}", "")):
            fig = figures.get(key)
            if fig is not None:
                parts.append(f"<div class='fig'>{fig.to_html(full_html=False, include_plotlyjs=False, default_height='520px')}"
                             f"<p>{html.escape(caption)}</p></div>")
        parts.append(_table(["alpha", "K", "image ASR", "helpfulness", "chosen"], [
            [f"{r['alpha']:g}", str(r["k"]), _pct(r["asr"]), _pct(r["helpfulness"]),
             "&#10004;" if (r["alpha"], r["k"]) == (entry.get("alpha"), entry.get("k")) else ""]
            for r in entry.get("sweep", [])]))
    if get("sweep"):
        parts.append("<h2>Sweep (val split, image requests)</h2>")
        parts.append(f"<p>Rule: {html.escape(str(sel.get('rule', '')))}. Unsteered: ASR "
                     f"{_pct((sel.get('val_unsteered') or {}).get('asr'))}, helpfulness "
                     f"{_pct((sel.get('val_unsteered') or {}).get('helpfulness'))}; bound "
                     f"{_pct(sel.get('threshold'))}; rule met: {sel.get('rule_met')}.</p>")
        parts.append(_table(["alpha", "K", "image ASR", "helpfulness", "chosen"], [
            [f"{r['alpha']:g}", str(r["k"]), _pct(r["asr"]), _pct(r["helpfulness"]),
             "&#10004;" if (r["alpha"], r["k"]) == (get("alpha"), get("k")) else ""]
            for r in get("sweep")]))
    if examples:
        parts.append("<h2>Example test answers, unsteered vs steered</h2>")
        parts.append("<p>Coloured by outcome: <span class='good'>green (&#10004;) is good</span>, a harmful "
                     "request refused or a benign one answered (correctly, where there is an answer key); "
                     "<span class='bad'>red (&#10008;) is bad</span>, a harmful request answered or a "
                     "benign one refused or answered wrongly.</p>")
        parts.append(_table(["image", "request", "unsteered", "steered (IAR)"], [
            [_img(e["image"]), (f"<b>{html.escape(e['kind'])}</b><br>{html.escape(e['prompt'])}<br>"
             f"<small>as text: {html.escape(e['text_prompt'])}</small>"),
             _answer(e["plain"], e["kind"]), _answer(e["steered"], e["kind"])] for e in examples]))
    parts.append("<h2>Settings</h2><pre>" + html.escape(json.dumps(
        {"config": get("config"), "stages_seconds": get("stages"), "data": data,
         "iar_version": get("iar_version")}, indent=1, default=str)) + "</pre>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
