"""SmolLM2 as a VLM: a real ``LlavaForConditionalGeneration`` around the safety-tuned backbone.

Parts (sizes in :data:`VISION`):

- **Images**: typographic images in FigStep's layout (text from the top left, wrapped between words,
  FigStep's empty list "1. 2. 3." on its own lines; black FreeMonoBold on white), at low resolution:
  256 x 256 px, an 8 x 8 grid of 32 px cells. The text is set one *token* of the backbone's BPE
  vocabulary per cell (as a word is set in a box), in 8 pt FreeMonoBold, up to 6 characters a line
  and 3 lines a cell. This is the simplification that makes reading learnable on 2 CPU cores: the
  vision tower has to recognise a cell's glyphs, not find where words start. It reads any text whose
  tokens it has seen in pretraining (about 2,000 tokens), not arbitrary text.
- **Vision tower**: ``CLIPVisionModel``, 2 layers, width 256, patch 32 (= one cell), trained here.
- **Projector**: LLaVA-1.5's two-layer GELU MLP (256 -> 576 -> 576), trained here.
- **Language model**: SmolLM2-135M-Instruct with the shipped safety delta merged
  (:func:`iar.organism.smollm2.load_hf`), plus the stage-3 LoRA of :mod:`.vlm_training`.
- **Processor**: the backbone's tokenizer with ``<image>`` added, CLIP preprocessing at 256 px, and
  the backbone's own ChatML template extended to render list content (``{"type": "image"}`` ->
  ``<image>``).

    >>> from iar.organism.smollm2 import vision
    >>> model, processor = vision.load_vlm_hf()          # shipped VLM delta
    >>> img = vision.render("Steps to bake bread.\\n1. \\n2. \\n3. ", processor.tokenizer)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from iar.errors import InputError, RevisionError

GRID = 8
CELL = 32
IMAGE_SIZE = GRID * CELL
FONT_SIZE = 8
CELL_CHARS = 6
CELL_LINES = 3
N_IMAGE_TOKENS = GRID * GRID
IMAGE_TOKEN = "<image>"
VISION = dict(hidden_size=256, intermediate_size=1024, num_hidden_layers=2, num_attention_heads=4)
SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
# SmolLM2's own ChatML template (same default system prompt), with list content rendered
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\\n" + SYSTEM + "<|im_end|>\\n' }}{% endif %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' }}"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
    "{% for item in message['content'] %}{% if item['type'] == 'image' %}{{ '<image>\\n' }}"
    "{% elif item['type'] == 'text' %}{{ item['text'] }}{% endif %}{% endfor %}{% endif %}"
    "{{ '<|im_end|>\\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
VLM_WEIGHTS = Path(__file__).resolve().parent / "vlm_weights"

__all__ = ["GRID", "CELL", "IMAGE_SIZE", "N_IMAGE_TOKENS", "CHAT_TEMPLATE", "VLM_WEIGHTS", "text_delta_sha256", "layout",
           "render", "build_processor", "build_vlm", "save_vlm_delta", "load_vlm_hf", "load_vlm"]


def _font():
    from iar.benchmarks.render import FIGSTEP_FONT, _truetype, find_font

    return _truetype(str(find_font(FIGSTEP_FONT, None)), FONT_SIZE)


def layout(text: str, tok: Any) -> list[list[int]]:
    """Token ids of ``text`` in rows of at most :data:`GRID` cells (wrapped between words).

    Each line of ``text`` starts a new row; a word (a token starting with a space, and the tokens
    after it) that does not fit the row moves to the next one.

    Raises:
        InputError: the text needs more than :data:`GRID` rows, a word has more than :data:`GRID`
            tokens, or a token is longer than a cell holds; the message names it.

    Example:
        >>> layout("Steps to bake bread.", tok)      # one row of 5 tokens
    """
    rows: list[list[int]] = []
    for line in text.split("\n"):
        ids = tok(line.strip(), add_special_tokens=False)["input_ids"] if line.strip() else []
        words: list[list[int]] = []
        for i in ids:
            piece = tok.decode([i])
            if not words or piece.startswith(" "):
                words.append([i])
            else:
                words[-1].append(i)
            if len(piece) > CELL_CHARS * CELL_LINES:
                raise InputError(f"The image path cannot carry {text!r}: its token {piece!r} is longer than "
                                 f"{CELL_CHARS * CELL_LINES} characters, the most a {CELL} px cell holds.")
        row: list[int] = []
        for w in words:
            if len(w) > GRID:
                raise InputError(f"The image path cannot carry {text!r}: a word is {len(w)} tokens, "
                                 f"more than the {GRID} cells of a row.")
            if len(row) + len(w) > GRID:
                rows.append(row)
                row = []
            row += w
        rows.append(row)
    if len(rows) > GRID:
        raise InputError(f"The image path cannot carry {text!r}: it needs {len(rows)} rows of {GRID} tokens, "
                         f"the image holds {GRID}; shorten the text.")
    return rows


def render(text: str, tok: Any, *, return_cells: bool = False):
    """Draw ``text`` into a :data:`IMAGE_SIZE`-px typographic image, one token per cell.

    Args:
        text: what the image shows (FigStep's text for a figstep image, the phrase for a TYPO one).
        tok: the backbone's tokenizer (decides the cells).
        return_cells: also return the token id in each of the 64 cells (row-major, -1 when blank).

    Returns:
        An RGB ``PIL.Image`` (black on white), or ``(image, cells)``. Same text, same pixels.

    Example:
        >>> render("bake bread", tok).size
        (256, 256)
    """
    from PIL import Image, ImageDraw

    font = _font()
    rows = layout(text, tok)
    img = Image.new("RGB", (IMAGE_SIZE, IMAGE_SIZE), "#FFFFFF")
    draw = ImageDraw.Draw(img)
    cells = [-1] * N_IMAGE_TOKENS
    for r, row in enumerate(rows):
        for c, i in enumerate(row):
            piece = tok.decode([i])
            cells[r * GRID + c] = i
            for k in range(0, len(piece), CELL_CHARS):
                draw.text((c * CELL + 1, r * CELL + 1 + (k // CELL_CHARS) * 10), piece[k:k + CELL_CHARS],
                          font=font, fill="#000000")
    return (img, cells) if return_cells else img


def build_processor(tok: Any) -> Any:
    """The VLM's ``LlavaProcessor``: ``tok`` with ``<image>`` added, CLIP preprocessing, list-content template.

    ``tok`` is changed in place (``<image>`` becomes id 49152, the vocabulary's end).

    Example:
        >>> p = build_processor(tok)
        >>> p.tokenizer.convert_tokens_to_ids("<image>")
        49152
    """
    import transformers
    from transformers import LlavaProcessor

    # the PIL processor is what CLIPImageProcessor falls back to without torchvision (which iar does
    # not install); naming it directly keeps its warning out of every load
    clip = getattr(transformers, "CLIPImageProcessorPil", None) or transformers.CLIPImageProcessor
    if IMAGE_TOKEN not in tok.get_vocab():
        tok.add_special_tokens({"additional_special_tokens": [IMAGE_TOKEN]})
    tok.padding_side = "left"
    tok.chat_template = CHAT_TEMPLATE
    image_processor = clip(
        size={"shortest_edge": IMAGE_SIZE}, crop_size={"height": IMAGE_SIZE, "width": IMAGE_SIZE},
        do_convert_rgb=True)
    return LlavaProcessor(image_processor=image_processor, tokenizer=tok, patch_size=CELL,
                          vision_feature_select_strategy="default", num_additional_image_tokens=1,
                          chat_template=CHAT_TEMPLATE)


def build_vlm(lm: Any, tok: Any, seed: int = 0) -> tuple[Any, Any]:
    """Wrap a ``LlamaForCausalLM`` (the backbone) as a ``LlavaForConditionalGeneration``, fresh vision parts.

    The backbone's weights are shared, not copied; the embedding table grows by one row for
    ``<image>`` (set to the mean embedding; image tokens' embeddings are replaced by image features,
    so the row only matters as an output logit).

    Returns:
        ``(model, processor)``, float32, eval mode.
    """
    import torch
    from transformers import CLIPVisionConfig, LlavaConfig, LlavaForConditionalGeneration

    processor = build_processor(tok)
    image_id = tok.convert_tokens_to_ids(IMAGE_TOKEN)
    vision = CLIPVisionConfig(image_size=IMAGE_SIZE, patch_size=CELL, projection_dim=lm.config.hidden_size,
                              **VISION)
    text = lm.config.to_dict()
    config = LlavaConfig(vision_config=vision.to_dict(), text_config=text, image_token_id=image_id,
                         image_seq_length=N_IMAGE_TOKENS, vision_feature_layer=-1,
                         vision_feature_select_strategy="default", projector_hidden_act="gelu",
                         pad_token_id=tok.pad_token_id, tie_word_embeddings=True)
    config.vision_config.model_type = "clip_vision_model"
    config.architectures = ["LlavaForConditionalGeneration"]
    config.text_config.architectures = ["LlamaForCausalLM"]
    from transformers.models.clip.modeling_clip import CLIPVisionModel
    from transformers.models.llava.modeling_llava import LlavaMultiModalProjector

    with torch.device("meta"):  # the skeleton only; every part is replaced by a real one below
        model = LlavaForConditionalGeneration(config)
    torch.manual_seed(seed)
    model.model.vision_tower = CLIPVisionModel(config.vision_config)
    model.model.multi_modal_projector = LlavaMultiModalProjector(config)
    model.model.language_model = lm.model
    model.lm_head = lm.lm_head
    with torch.no_grad():
        emb = lm.model.embed_tokens.weight
        if emb.shape[0] <= image_id:
            new = torch.nn.Embedding(image_id + 1, emb.shape[1], dtype=emb.dtype)
            new.weight[:emb.shape[0]] = emb
            new.weight[emb.shape[0]:] = emb.mean(0)
            lm.model.embed_tokens = new
            lm.lm_head.weight = new.weight
    config.text_config.vocab_size = image_id + 1
    lm.config.vocab_size = image_id + 1
    model.generation_config.pad_token_id = tok.pad_token_id
    model.generation_config.eos_token_id = tok.eos_token_id
    return model.float().eval(), processor


VISION_PREFIXES = ("model.vision_tower.", "model.multi_modal_projector.")


def vision_state(model: Any) -> dict:
    """The trained vision parts (tower + projector) as a state dict with the model's names."""
    return {k: v for k, v in model.state_dict().items() if k.startswith(VISION_PREFIXES)}


def save_vlm_delta(model: Any, lora: dict, meta: dict, out: str | Path, dtype: str = "float16") -> dict:
    """Write ``vlm.safetensors`` (tower, projector, stage-3 LoRA pairs) + ``vlm.json`` into ``out``.

    ``lora`` maps ``"{module}.lora_A"``/``"{module}.lora_B"`` (module names of the backbone's
    ``LlamaForCausalLM``) to tensors, merged at load as ``W += alpha / rank * B @ A``.
    """
    import torch
    from safetensors.torch import save_file

    dt = getattr(torch, dtype)
    tensors = {k: v.detach().to(dt).contiguous() for k, v in vision_state(model).items()}
    tensors.update({f"lora.{k}": v.detach().to(dt).contiguous() for k, v in lora.items()})
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(out / "vlm.safetensors"))
    meta = dict(meta, store_dtype=dtype, n_params={
        "vision": sum(v.numel() for k, v in tensors.items() if not k.startswith("lora.")),
        "lora": sum(v.numel() for k, v in tensors.items() if k.startswith("lora."))})
    (out / "vlm.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return meta


def text_delta_sha256(text_delta: str | Path | None = None) -> str:
    """SHA-256 of a stage-1 safety delta's ``delta.safetensors`` (default: the shipped one): the
    backbone a VLM delta was trained on, checked when the VLM delta is loaded."""
    import hashlib

    from iar.organism.smollm2 import WEIGHTS

    folder = WEIGHTS if text_delta is None else Path(text_delta)
    return hashlib.sha256((folder / "delta.safetensors").read_bytes()).hexdigest()


def load_vlm_hf(path: str | Path | None = None, text_delta: str | Path | None = None) -> tuple[Any, Any]:
    """The SmolLM2 VLM: ``(LlavaForConditionalGeneration, LlavaProcessor)``, float32, eval, CPU.

    Args:
        path: folder with ``vlm.safetensors`` + ``vlm.json`` (as written by
            ``scripts/train_smollm2_vlm.py --out DIR``); default: the one shipped with `iar`
            (``vlm_weights/``).
        text_delta: the stage-1 safety delta folder (default: the shipped one), via ``load_hf``.

    Example:
        >>> model, processor = load_vlm_hf("runs/smollm2-vlm")  # scripts/train_smollm2_vlm.py --out
        >>> model.config.text_config.num_hidden_layers
        30
    """
    import torch
    from safetensors.torch import load_file

    from iar.organism.smollm2 import apply_delta, load_hf

    folder = VLM_WEIGHTS if path is None else Path(path)
    files = folder / "vlm.safetensors", folder / "vlm.json"
    for f in files:
        if not f.is_file():
            raise RevisionError(f"{f} is missing: a SmolLM2 VLM delta is a folder with vlm.safetensors and "
                                f"vlm.json, as written by scripts/train_smollm2_vlm.py --out DIR.")
    tensors = load_file(str(files[0]))
    meta = json.loads(files[1].read_text(encoding="utf-8"))
    want = meta.get("text_delta", {}).get("sha256")
    if want is not None and want != text_delta_sha256(text_delta):
        raise RevisionError(f"{files[1]} was trained on another stage-1 safety delta (sha256 {want[:12]}...) "
                            "than the one given (text_delta=): its LoRA and vision parts fit that backbone "
                            "only. Pass the text_delta it was trained on, or retrain the VLM on this one.")
    lm, tok = load_hf(text_delta)
    lora = {k[len("lora."):]: v for k, v in tensors.items() if k.startswith("lora.")}
    if lora:
        apply_delta(lm, lora, {"lora": meta["lora"]})
    model, processor = build_vlm(lm, tok, seed=meta.get("seed", 0))
    state = {k: v.to(torch.float32) for k, v in tensors.items() if not k.startswith("lora.")}
    missing = set(vision_state(model)) - set(state)
    if missing:
        raise RevisionError(f"{files[0]} lacks {sorted(missing)[:3]}...: not a SmolLM2 VLM delta of this version.")
    model.load_state_dict(state, strict=False)
    return model.eval(), processor


def load_vlm(path: str | Path | None = None, text_delta: str | Path | None = None) -> Any:
    """The SmolLM2 VLM wrapped as an :class:`iar.VLM` (30 layers x 9 heads).

    Example:
        >>> vlm = load_vlm("runs/smollm2-vlm")
        >>> vlm.cfg.n_layers, vlm.cfg.n_heads
        (30, 9)
    """
    from iar.model import load

    model, processor = load_vlm_hf(path, text_delta)
    return load(model, processor)
