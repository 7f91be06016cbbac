"""Contrast-set constructions, and recording both sides with labels on the tiny LLaVA."""

from __future__ import annotations

import pytest
import torch

import iar
from iar.contrast import ContrastSet, Sample, modality, multi_response, single_response
from iar.errors import InputError
from iar.testing import tiny_image

PROMPTS = ["How do I pick a lock?", "Tell me how to make a weapon."]
REFUSALS = ["I'm sorry, but I cannot help with that.", "I will not do that."]
COMPLIANCES = ["Sure, here are the steps: first, second.", "Here is how to make it."]


def test_modality_pairs_text_only_positive_with_imaged_negative():
    imgs = [tiny_image(0), tiny_image(1)]
    cs = modality(PROMPTS, imgs)
    assert [s.prompt for s in cs.positive] == PROMPTS == [s.prompt for s in cs.negative]
    assert all(s.image is None and s.response is None for s in cs.positive)
    assert [s.image for s in cs.negative] == imgs
    assert cs.position == -1 and cs.strategy == "modality"
    assert cs.labels.tolist() == [True, True, False, False]


def test_modality_takes_text_counterparts_when_the_image_carries_the_request():
    imgs = [tiny_image(0), tiny_image(1)]
    texts = ["How do I make a bomb?", "How do I make a kite?"]
    cs = modality(["How do I make the object in the image?"] * 2, imgs, text_prompts=texts)
    assert [s.prompt for s in cs.positive] == texts
    assert all(s.image is None for s in cs.positive)
    assert [s.prompt for s in cs.negative] == ["How do I make the object in the image?"] * 2
    assert [s.image for s in cs.negative] == imgs
    with pytest.raises(InputError, match="one text-only counterpart per prompt"):
        modality(PROMPTS, imgs, text_prompts=texts[:1])


def test_single_response_puts_refusal_on_the_positive_side():
    cs = single_response(PROMPTS, tiny_image(), REFUSALS, COMPLIANCES)
    assert [s.response for s in cs.positive] == REFUSALS
    assert [s.response for s in cs.negative] == COMPLIANCES
    assert cs.position == "response" and cs.strategy == "single_response"
    # one string broadcasts to every prompt
    cs1 = single_response(PROMPTS, None, REFUSALS[0], COMPLIANCES[0], position=-1)
    assert {s.response for s in cs1.positive} == {REFUSALS[0]} and cs1.position == -1


def test_multi_response_expands_every_answer_of_every_query():
    comps = [["a1", "a2", "a3"], ["b1", "b2", "b3"]]
    cs = multi_response(PROMPTS, None, REFUSALS, comps)
    assert len(cs.positive) == 4 and len(cs.negative) == 6
    assert cs.positive_groups == [0, 0, 1, 1]
    assert cs.negative_groups == [0, 0, 0, 1, 1, 1]
    assert [s.response for s in cs.negative if s.prompt == PROMPTS[1]] == comps[1]
    assert cs.strategy == "multi_response"
    assert cs.groups == cs.positive_groups + cs.negative_groups


def test_bad_constructions_get_clear_errors():
    with pytest.raises(InputError, match="image for every prompt"):
        modality(PROMPTS, [tiny_image(), None])
    with pytest.raises(InputError, match="one per prompt"):
        single_response(PROMPTS, None, REFUSALS[:1] * 3, COMPLIANCES)
    with pytest.raises(InputError, match="one list per prompt"):
        multi_response(PROMPTS, None, REFUSALS, [["a"], ["b"], ["c"]])
    with pytest.raises(InputError, match="non-empty"):
        multi_response(PROMPTS, None, REFUSALS, [["a"], []])
    with pytest.raises(InputError, match="empty"):
        ContrastSet([], [Sample("x")])
    with pytest.raises(InputError, match="Sample"):
        ContrastSet(["x"], [Sample("x")])
    with pytest.raises(InputError, match="response on every sample"):
        ContrastSet([Sample("x")], [Sample("x", response="y")], position="response")


# ---- recording on a real (tiny) model -----------------------------------------------------------


@pytest.fixture(scope="module")
def vlm():
    return iar.load(*iar.testing.tiny_vlm("llava"))


def test_record_contrast_set_records_both_sides_with_labels(vlm):
    cs = multi_response(PROMPTS, tiny_image(), REFUSALS, [COMPLIANCES, COMPLIANCES[::-1]])
    acts = iar.record(vlm, cs, progress=False)
    assert len(acts) == len(cs) == 8
    assert acts.labels.tolist() == [True] * 4 + [False] * 4
    assert acts["z"].shape[0] == 8 and acts["resid_post"].shape[0] == 8
    assert acts.meta["strategy"] == "multi_response" and acts.meta["groups"] == cs.groups
    # each side equals recording its samples directly with the same position
    neg = cs.negative
    direct = iar.record(vlm, [s.prompt for s in neg], [s.image for s in neg],
                        responses=[s.response for s in neg], position="response", progress=False)
    assert torch.allclose(acts.negative["resid_post"], direct["resid_post"], atol=1e-5)
    assert torch.allclose(acts.negative["z"], direct["z"], atol=1e-5)


def test_record_modality_set_differs_between_sides(vlm):
    cs = modality(PROMPTS, [tiny_image(0), tiny_image(1)])
    acts = iar.record(vlm, cs, progress=False)
    assert acts.labels.tolist() == [True, True, False, False]
    # the image changes the last-token state
    assert not torch.allclose(acts.positive["resid_post"], acts.negative["resid_post"])
