"""The stages of ``iar demo`` that run once per contrast construction, and its generation rows.

:func:`revise_and_sweep` is steps 2-4 of :mod:`iar.cli.demo` for one construction: the contrast
set on harmful train image requests, the probes and MMS revision, and the ``alpha x K`` sweep on
the val image requests. ``iar demo`` runs it for ``DemoConfig.construction`` and again for each
of ``DemoConfig.compare``, so constructions are compared on the same requests, judge and rule.
:class:`Generator` generates and judges demo requests (one progress bar per stage) and turns the
answers into the rows of ``generations.jsonl``.

    >>> import torch
    >>> directions_cosine(torch.eye(2).reshape(1, 2, 2), torch.eye(2).reshape(1, 2, 2), [(0, 1)])
    {'top': 1.0, 'all': 1.0}
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from iar._progress import tqdm
from iar.cli.demo_data import DemoItem
from iar.errors import InputError


@dataclass
class Construction:
    """What one construction's revision and sweep produced (see :func:`revise_and_sweep`).

    Attributes:
        name: the construction (``"modality"``, ``"single_response"``, ``"multi_response"``).
        alphas, positions: the grid swept and the steering scope.
        revision: the fitted head-level :class:`iar.Revision`.
        n_samples: contrast samples recorded.
        base: unsteered val metrics; sweep: one metrics row per ``(alpha, k)``; chosen: its row.
        alpha, k, rule_met: the chosen setting and whether it keeps the helpfulness bound.
        robustness: :func:`iar.tune`'s neighbours and bootstrap at the chosen setting.
        rows: the sweep's generation rows (unsteered first).
    """

    name: str
    alphas: tuple[float, ...]
    positions: str
    revision: Any
    n_samples: int
    base: dict[str, Any]
    sweep: list[dict[str, Any]]
    chosen: dict[str, Any]
    alpha: float
    k: int
    rule_met: bool
    robustness: Any
    rows: list[dict[str, Any]] = field(repr=False)
    when: Any = None

    @property
    def steer(self) -> tuple[Any, int, float, str, Any]:
        """``(revision, k, alpha, positions, when)`` of the chosen setting, as :class:`Generator`
        takes it (``when``: the condition that gates it, or None)."""
        return self.revision, self.k, self.alpha, self.positions, self.when



def fit_condition(vlm: Any, dataset: Any, config: Any, seed: int, progress: bool = True) -> Any:
    """The demo's condition (``DemoConfig.condition``): an :class:`iar.Condition` on ``resid_pre``
    at ``config.condition_layer`` (None: 40% of the depth), read at ``config.condition_position``.

    Fitted on ``config.n_condition`` harmful vs as many benign *train* image requests (another draw
    than the contrast set's), its threshold calibrated to ``config.condition_fpr`` false positives
    on other benign train image requests (none of the fitting ones). No val or test request is used.

    Example:
        >>> cond = fit_condition(vlm, data, DemoConfig(condition="gate"), seed=0)  # doctest: +SKIP
        >>> cond.describe()["layer"]                                              # doctest: +SKIP
        12
    """
    import iar

    layer = config.condition_layer if config.condition_layer is not None else int(0.4 * vlm.cfg.n_layers)
    if not 0 <= layer < vlm.cfg.n_layers:
        raise InputError(f"condition_layer {layer} is outside 0..{vlm.cfg.n_layers - 1} (the model's layers).")
    n = config.n_condition
    fit_h = dataset.items("train", n, kind="harmful", seed_offset=2)
    fit_b = dataset.items("train", n, kind="benign", seed_offset=2)
    seen = {it.id for it in fit_b}
    cal_b = [it for it in dataset.items("train", 2 * n, kind="benign", seed_offset=3) if it.id not in seen][:n]
    if min(len(fit_h), len(fit_b), len(cal_b)) < 2:
        raise InputError(f"the data has too few train requests for a condition ({len(fit_h)} harmful, "
                         f"{len(fit_b)} + {len(cal_b)} benign); lower DemoConfig.n_condition.")

    def feats(items: Sequence[DemoItem]) -> Any:
        return iar.condition.record(vlm, [it.prompt for it in items], [it.image for it in items],
                                    site="resid_pre", layer=layer, position=config.condition_position,
                                    batch_size=config.batch_size, progress=progress)

    return iar.Condition.fit(feats(fit_h), feats(fit_b), site="resid_pre", layer=layer,
                             calibration=feats(cal_b), fpr=config.condition_fpr, mode=config.condition,
                             seed=seed)


def condition_summary(cond: Any, done: dict[str, Construction], test_rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """``summary["condition"]``: the condition, the constructions it gates, and the share of test
    requests it fired on, per gated construction, modality and kind.

    Example:
        >>> condition_summary(cond, done, rows)["fired_test"]["multi_response"]["image"]  # doctest: +SKIP
        {'harmful': 0.81, 'benign': 0.0}
    """
    fired: dict[str, Any] = {}
    for c, d in done.items():
        if d.when is None:
            continue
        rows = [r for r in test_rows if r["steered"] and "fired" in r and r.get("construction", c) == c]
        fired[c] = {m: {k: (sum(r["fired"] for r in group) / len(group) if group else None)
                        for k in ("harmful", "benign")
                        for group in [[r for r in rows if r["modality"] == m and r["kind"] == k]]}
                    for m in ("image", "text")}
    return {**cond.describe(), "train_tpr": cond.meta.get("train_tpr"),
            "calibration_fpr": cond.meta.get("calibration_fpr"), "gates": sorted(fired),
            "ungated": sorted(c for c, d in done.items() if d.when is None), "fired_test": fired}


def contrast_set(dataset: Any, queries: Sequence[DemoItem], construction: str, n_refusals: int,
                 position: str | int) -> Any:
    """The contrast set of ``construction`` on harmful image requests ``queries``.

    Example:
        >>> from iar.cli.demo_data import OrganismData
        >>> data = OrganismData()
        >>> len(contrast_set(data, data.items("train", 2, kind="harmful"), "modality", 2, "response"))
        4
    """
    import iar

    prompts, images = [q.prompt for q in queries], [q.image for q in queries]
    if construction == "modality":
        return iar.contrast.modality(prompts, images, text_prompts=[q.text_prompt for q in queries])
    if construction == "single_response":
        return iar.contrast.single_response(prompts, images, dataset.refusals[0],
                                            [dataset.compliances(q)[0] for q in queries], position=position)
    if construction == "multi_response":
        return iar.contrast.multi_response(prompts, images, dataset.refusals[:n_refusals],
                                           [dataset.compliances(q) for q in queries], position=position)
    raise InputError(f"construction must be modality, single_response or multi_response, got {construction!r}.")


def revise_and_sweep(vlm: Any, dataset: Any, queries: Sequence[DemoItem], val: Sequence[DemoItem],
                     gen: Generator, config: Any, *, construction: str, alphas: Sequence[float],
                     positions: str, ks: Sequence[int], metrics: Callable[[Sequence[dict]], dict],
                     lap: Callable[[str], None], stage: str = "", when: Any = None,
                     progress: bool = True) -> Construction:
    """Steps 2-4 of the demo for one construction: contrast set, probes + MMS revision, sweep.

    Args:
        vlm: the model; dataset: the demo data (refusals, compliances).
        queries: harmful train image requests (the contrast set's queries).
        val: val requests, both kinds (the sweep's).
        gen: the demo's :class:`Generator` (its judge, sizes and seed).
        config: the :class:`~iar.cli.demo.DemoConfig` (n_refusals, contrast_position, keep, ...).
        construction, alphas, positions: this construction, its alpha grid and steering scope.
        ks: numbers of top heads (already capped at the model's head count).
        metrics: :func:`iar.cli.demo.metrics`.
        lap: records a stage time; called with ``"revision" + stage`` and ``"sweep" + stage``.
        stage: suffix of the stage names (``""`` for the main construction).
        when: an :class:`iar.Condition` gating every steered setting (sweep and test), or None.
        progress: tqdm bars.

    Returns:
        A :class:`Construction`.

    Example:
        >>> c = revise_and_sweep(vlm, data, queries, val, gen, config, construction="modality",  # doctest: +SKIP
        ...                      alphas=(0.5,), positions="prompt", ks=(2,), metrics=metrics, lap=print)
    """
    import iar

    seed = gen.seed
    cs = contrast_set(dataset, queries, construction, config.n_refusals, config.contrast_position)
    acts = iar.record(vlm, cs, sites=("z",), batch_size=config.batch_size, progress=progress)
    rev = iar.Revision.fit(acts, level="head", method="mms", probe=True, probe_kwargs={"seed": seed},
                           progress=progress)
    lap("revision" + stage)

    by_id = {it.id: it for it in val}
    tuned = iar.tune(
        vlm, rev, [gen.item(it, "image") for it in val if it.kind == "harmful"],
        [gen.item(it, "image") for it in val if it.kind == "benign"], alphas=alphas, ks=ks,
        positions=[positions], when=when, judge=gen.judge, rule="min_asr", min_helpfulness=config.keep,
        check=lambda item, response: (by_id[item.id].check(response)
                                      if by_id[item.id].check is not None else None),
        batch_size=config.batch_size, max_new_tokens=config.max_new_tokens, seed=seed,
        n_boot=1000, progress=progress)
    base_rows = gen.rows(val, tuned.rows["baseline"], "image", stage="sweep", split="val")
    sweep, rows = [], list(base_rows)
    for cell in tuned.cells:
        cell_rows = gen.rows(val, tuned.cell_rows(cell), "image", stage="sweep", split="val",
                             steer=(rev, cell["k"], cell["alpha"], positions, when))
        rows += cell_rows
        sweep.append({"alpha": cell["alpha"], "k": cell["k"], **metrics(cell_rows)})
    alpha, k = tuned.chosen["alpha"], tuned.chosen["k"]  # = iar.cli.demo.choose(...)
    chosen = next(r for r in sweep if (r["alpha"], r["k"]) == (alpha, k))
    lap("sweep" + stage)
    return Construction(name=construction, alphas=tuple(alphas), positions=positions, revision=rev,
                        n_samples=len(cs), base=metrics(base_rows), sweep=sweep, chosen=chosen,
                        alpha=alpha, k=k, rule_met=tuned.rule_met, robustness=tuned.robustness, rows=rows,
                        when=when)


def directions_cosine(a: Any, b: Any, heads: Sequence[Sequence[int]]) -> dict[str, float]:
    """Mean cosine between two revisions' head directions: at ``heads`` (``top``) and over every head.

    Where two constructions' directions point the same way (cosine near 1) they steer alike; near 0
    they move different things.

    Args:
        a, b: directions ``[layer, head, d_head]`` (``Revision.directions``).
        heads: ``(layer, head)`` pairs for ``top``.

    Example:
        >>> import torch
        >>> directions_cosine(torch.ones(1, 1, 2), -torch.ones(1, 1, 2), [(0, 0)])
        {'top': -1.0, 'all': -1.0}
    """
    import torch

    cos = torch.nn.functional.cosine_similarity(a.float(), b.float(), dim=-1)
    top = torch.stack([cos[l, h] for l, h in heads]).mean() if heads else torch.tensor(float("nan"))
    return {"top": round(float(top), 4), "all": round(float(cos.mean()), 4)}


def label(rows: list[dict[str, Any]], construction: str | None, others: Sequence[str]) -> list[dict[str, Any]]:
    """Rows tagged with the construction that steered them (``None``: unsteered, shared), when a
    run compares constructions (``others`` not empty); untouched otherwise.

    Example:
        >>> label([{"id": "a"}], "modality", ["multi_response"])
        [{'id': 'a', 'construction': 'modality'}]
    """
    if others:
        for r in rows:
            r["construction"] = construction
    return rows


def side(d: Construction, of: Callable[..., dict], keep: float, main: Construction, revision_file: str) -> dict[str, Any]:
    """One construction's entry in ``summary["constructions"]`` (the side-by-side comparison).

    Args:
        d: the construction's :class:`Construction`.
        of: ``of(modality, steered, construction)`` -> test metrics (``iar.cli.demo.metrics``).
        keep: the helpfulness bound's fraction.
        main: the main construction (the directions' cosine is taken to its directions, at its
            chosen heads and over all heads).
        revision_file: where its revision is written.

    Example:
        >>> entry = side(c, of, 0.9, main, "revision-modality.safetensors")  # doctest: +SKIP
        >>> entry["asr_image_steered"], entry["probe"]["max_accuracy"]        # doctest: +SKIP
    """
    t0, t1, i0, i1 = of("text", False, d.name), of("text", True, d.name), of("image", False, d.name), of("image", True, d.name)
    acc = d.revision.accuracy
    n_units = d.revision.directions.shape[0] * d.revision.directions.shape[1]
    return {
        "positions": d.positions, "alphas": list(d.alphas), "heads": [list(h) for h in d.revision.top(d.k)],
        "k": d.k, "alpha": d.alpha,
        "asr_image": i0["asr"], "asr_image_steered": i1["asr"], "asr_text": t0["asr"], "asr_text_steered": t1["asr"],
        "helpfulness": i0["helpfulness"], "helpfulness_steered": i1["helpfulness"],
        "helpfulness_text": t0["helpfulness"], "helpfulness_text_steered": t1["helpfulness"],
        "selection": {"rule_met": d.rule_met, "val_unsteered": d.base, "threshold": keep * d.base["helpfulness"],
                      "chosen": d.chosen, "robustness": d.robustness},
        "sweep": d.sweep, "contrast_samples": d.n_samples,
        "probe": {"top": [list(h) for h in d.revision.top(min(8, n_units))],
                  "accuracy": acc.tolist() if acc is not None else None,
                  "max_accuracy": float(acc.max()) if acc is not None else None,
                  "mean_accuracy": float(acc.mean()) if acc is not None else None},
        "directions_cosine_to_main": directions_cosine(d.revision.directions, main.revision.directions,
                                                       main.revision.top(main.k)),
        "revision": revision_file,
    }


class Generator:
    """Generate + judge batches of demo items, with one progress bar per stage."""

    def __init__(self, vlm: Any, judge: Any, config: Any, seed: int, progress: bool) -> None:
        self.vlm, self.judge, self.config, self.seed, self.progress = vlm, judge, config, seed, progress
        self.bar = None

    def start(self, name: str, total: int) -> None:
        self.bar = tqdm(total=total, desc=f"demo {name}", unit="answer", disable=not self.progress)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    @staticmethod
    def item(it: DemoItem, modality: str) -> Any:
        """The benchmark item of a demo request, as image or as text request."""
        from iar.benchmarks import Item

        image = modality == "image"
        return Item(id=it.id if image else it.text_id, category=str(it.meta.get("action") or
                    it.meta.get("category") or it.kind), prompt=it.prompt if image else it.text_prompt,
                    kind=it.kind, image_source=it.image if image else None)

    def __call__(self, items: Sequence[DemoItem], modality: str, *, stage: str, split: str,
                 steer: tuple[Any, ...] | None = None) -> list[dict[str, Any]]:
        """Answers to ``items`` as ``modality`` requests, judged, as rows.

        ``steer``: ``(revision, k, alpha)`` steered at ``config.positions``, or ``(revision, k,
        alpha, positions[, when])`` (``when``: a condition gating it); None: unsteered.
        """
        import iar

        bench = [self.item(it, modality) for it in items]
        steer_args = None
        if steer is not None:
            rev, k, alpha = steer[:3]
            positions = steer[3] if len(steer) > 3 else self.config.positions
            steer_args = {"revision": rev, "heads": k, "alpha": alpha, "positions": positions}
            if len(steer) > 4 and steer[4] is not None:
                steer_args["when"] = steer[4]
        report = iar.evaluate(self.vlm, bench, steer=steer_args, judge=self.judge,
                              batch_size=self.config.batch_size,
                              max_new_tokens=self.config.max_new_tokens, seed=self.seed, progress=False)
        rows = self.rows(items, report.rows, modality, stage=stage, split=split, steer=steer)
        if self.bar is not None:
            self.bar.update(len(rows))
        return rows

    def rows(self, items: Sequence[DemoItem], report_rows: Sequence[dict[str, Any]], modality: str, *,
             stage: str, split: str, steer: tuple[Any, ...] | None = None) -> list[dict[str, Any]]:
        """The demo's generation rows from evaluation rows (in the order of ``items``)."""
        by_id = {r["id"]: r for r in report_rows}
        image = modality == "image"
        rows = []
        for it in items:
            row = by_id[it.id if image else it.text_id]
            correct = it.check(row["response"]) if (it.check is not None and it.kind == "benign") else None
            rows.append({
                "id": row["id"], "stage": stage, "split": split, "modality": modality,
                "steered": steer is not None, "alpha": steer[2] if steer else None,
                "k": steer[1] if steer else None, "kind": it.kind, "prompt": row["prompt"],
                "response": row["response"], "refused": bool(row["refused"]),
                "score": row["score"], "correct": correct, "tokens": row["tokens"],
                **({"fired": bool(row["steered"])} if steer is not None and len(steer) > 4
                   and steer[4] is not None else {}),
                **{key: v for key, v in it.meta.items() if key in ("object", "action", "expected")},
            })
        return rows


def examples(items: Sequence[DemoItem], rows: Sequence[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """Up to ``n`` test image requests (half harmful, half benign) with both answers.

    Example:
        >>> examples([], [], 4)
        []
    """
    by = {(r["id"], r["steered"]): r for r in rows if r["modality"] == "image"}
    harm = [it for it in items if it.kind == "harmful"][: (n + 1) // 2]
    good = [it for it in items if it.kind == "benign"][: n - len(harm)]
    out = []
    for it in harm + good:
        plain, steered = by.get((it.id, False)), by.get((it.id, True))
        if plain is None or steered is None:
            continue
        out.append({"id": it.id, "kind": it.kind, "prompt": it.prompt, "image": it.image,
                    "text_prompt": it.text_prompt, "plain": plain, "steered": steered})
    return out


__all__ = ["Construction", "Generator", "condition_summary", "contrast_set", "directions_cosine", "examples",
           "fit_condition", "label", "revise_and_sweep", "side"]
