"""Why the SmolLM2 VLM reads only part of an image: two measurements on held-out images.

    python scripts/smollm2_vlm_diagnose.py [--path VLM_DIR]

1. Its image features against the backbone's token embeddings: nearest-token accuracy over the whole
   vocabulary (text cells and blank cells), feature norms, cosine to the cell's own token.
2. Transcription ("What text does the image show? Copy it exactly.") of the first 6 held-out
   harmful images when the 64 image positions hold (a) the exact embeddings of the cells' tokens
   (blank -> space), (b) the same without blanks, (c) the VLM's own image features.
Greedy, 24 new tokens, 2 torch threads. Printed, not written.
"""
import argparse
import os

import torch
import torch.nn.functional as F

os.environ["HF_HUB_OFFLINE"]="1"; torch.set_num_threads(2)
from iar.organism.smollm2 import vlm_data as VD
from iar.organism.smollm2.vision import load_vlm_hf
from iar.organism.smollm2.vlm_training import (
    chat_ids,
    image_features,
    pixels,
    render_gray,
)

sb='../shared/data/figstep'; jb='../shared/data/judge-train/jailbreakbench'
ap = argparse.ArgumentParser(); ap.add_argument("--path", default=None); args = ap.parse_args()
model, proc = load_vlm_hf(args.path); tok = proc.tokenizer
items = VD.harmful_items("test", sb, jb)[:6] + VD.benign_items("test", sb)[:6]
texts = [it.image_text() for it in items]
gray, cells = render_gray(texts, tok)
space = tok(" ", add_special_tokens=False)["input_ids"][0]
cells = torch.where(cells >= 0, cells, space)
emb = model.model.language_model.embed_tokens.weight.detach()
with torch.no_grad():
    f = image_features(model, pixels(gray)).reshape(-1, emb.shape[1])
    sims = F.normalize(f, dim=-1) @ F.normalize(emb[:49152], dim=-1).T
    pred = sims.argmax(-1)
    tg = cells.reshape(-1)
    print("nearest-token acc (full vocab) text cells", pred[tg != space].eq(tg[tg != space]).float().mean().item(),
          "blank", pred[tg == space].eq(tg[tg == space]).float().mean().item())
    print("feature norm", f.norm(dim=-1).mean().item(), "emb norm", emb[tg].norm(dim=-1).mean().item(),
          "cos to target", F.cosine_similarity(f, emb[tg]).mean().item())
    # ideal: replace image features by the exact embeddings of the cells
    image_id = tok.convert_tokens_to_ids("<image>")
    for mode in ("ideal", "ideal_noblank", "model"):
        outs = []
        for i, t in enumerate(texts[:6]):
            ids = torch.tensor([chat_ids(tok, VD.TRANSCRIBE_PROMPT, image=True)])
            e = model.model.language_model.embed_tokens(ids).clone()
            pos = (ids[0] == image_id).nonzero().squeeze(-1)
            if mode == "model":
                e[0, pos] = f.reshape(len(texts), 64, -1)[i]
            elif mode == "ideal":
                e[0, pos] = emb[cells[i]]
            else:
                c = cells[i][cells[i] != space]
                e[0, pos] = emb[tok.pad_token_id]  # fill
                e[0, pos[:len(c)]] = emb[c]
            g = model.generate(inputs_embeds=e, attention_mask=torch.ones(ids.shape, dtype=torch.long), max_new_tokens=24, do_sample=False,
                               pad_token_id=tok.pad_token_id)
            outs.append(tok.decode(g[0], skip_special_tokens=True)[:90])
        print(mode); [print("  ", repr(t[:50]), "->", repr(o)) for t, o in zip(texts, outs)]
