"""Write iar/organism/smollm2/vlm_weights/measured.json from a check of the shipped VLM delta.

    iar organism check --backbone smollm2 --json --answers /tmp/answers.json > /tmp/check.json
    python scripts/smollm2_vlm_measured.py /tmp/check.json /tmp/answers.json

Keeps the check's JSON and picks, by a fixed rule, a few held-out requests whose answers it
regenerates one at a time (batch 1: no padding, so nothing depends on batch composition);
tests/test_smollm2_vlm.py regenerates them the same way and compares exactly (the delta
reproduces bit for bit).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "iar/organism/smollm2/vlm_weights/measured.json"
FIELDS = ("kind", "source", "text", "image_text", "answer_text", "answer_image")


def regenerate(rows: list[dict], max_new_tokens: int) -> list[tuple[str, str]]:
    """Greedy (text answer, image answer) of each row with the shipped VLM, one prompt at a time."""
    from iar.organism.smollm2.check import _generate
    from iar.organism.smollm2.vision import load_vlm_hf
    from iar.organism.smollm2.vlm_training import render_gray

    model, processor = load_vlm_hf()
    tok = processor.tokenizer
    gray, _ = render_gray([r["image_text"] for r in rows], tok)
    prompt = {(it.text, it.image_text()): it.prompt() for it in reproduce_items(rows)}
    out = []
    for i, r in enumerate(rows):
        t, = _generate(model, tok, [r["text"]], [None], gray, max_new_tokens, 1, False)
        m, = _generate(model, tok, [prompt[r["text"], r["image_text"]]], [i], gray, max_new_tokens, 1, False)
        out.append((t, m))
    return out


def reproduce_items(rows: list[dict]) -> list:
    """The vlm_data items (with their image prompts) of picked rows."""
    from iar.organism.smollm2 import folder
    from iar.organism.smollm2 import vlm_data as VD

    items = (VD.harmful_items("test", str(folder.SAFEBENCH_DIR), str(folder.JBB_DIR))
             + VD.benign_items("test", str(folder.SAFEBENCH_DIR)))
    keys = {(r["text"], r["image_text"]) for r in rows}
    return [it for it in items if (it.text, it.image_text()) in keys]


def main(check_file: str, answers_file: str) -> None:
    from iar.judges import default

    check = json.loads(Path(check_file).read_text())
    answers = [r for r in json.loads(Path(answers_file).read_text()) if "kind" in r]
    judge = default()
    harm = [r for r in answers if r["kind"] == "harmful" and r["source"] == "safebench"]
    asked = [r["text"] for r in harm]
    text_refused = judge.is_refusal([r["answer_text"] for r in harm], asked)
    image_refused = judge.is_refusal([r["answer_image"] for r in harm], asked)
    flipped = [r for r, t, i in zip(harm, text_refused, image_refused) if t and not i][:3]
    both = [r for r, t, i in zip(harm, text_refused, image_refused) if t and i][:1]
    benign = [r for r in answers if r["kind"] == "benign"][:2]
    picked = flipped + both + benign
    regenerated = regenerate(picked, check["max_new_tokens"])
    out = {
        "what": "iar organism check --backbone smollm2 --json on the held-out test sets "
                "(vlm_data.harmful_items/benign_items('test')), greedy, 48 new tokens, 2 torch threads, CPU; "
                "the shipped stage-1 safety delta (weights/) under this VLM delta",
        "command": "iar organism check --backbone smollm2 --json --answers ANSWERS.json",
        "check": check,
        "reproduce": {"rule": "the first 3 SafeBench test items refused as text and answered through the image "
                              "(default judge), the first refused both ways, the first 2 benign items; answers in "
                              "full, regenerated one at a time (batch 1) and compared exactly by "
                              "tests/test_smollm2_vlm.py",
                      "max_new_tokens": check["max_new_tokens"],
                      "items": [{**{k: r[k] for k in FIELDS[:4]}, "answer_text": t, "answer_image": i}
                                for r, (t, i) in zip(picked, regenerated)]},
    }
    OUT.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
