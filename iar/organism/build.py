"""Build the organism's parts from nothing: word-level tokenizer, processor, LLaVA architecture.

Nothing here downloads anything. The tokenizer is a ``tokenizers`` WordLevel model over every word
of :mod:`iar.organism.language`, saved and reloaded through ``AutoTokenizer`` so that it behaves
exactly like the shipped one. The model is a real ``LlavaForConditionalGeneration`` (CLIP vision
tower, two-layer GELU projector, Llama backbone), only small.

    >>> from iar.organism.build import build_processor, build_model
    >>> processor = build_processor()
    >>> model = build_model(processor, seed=0)
"""

from __future__ import annotations

import tempfile

import torch
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors
from transformers import (
    AutoTokenizer,
    CLIPImageProcessor,
    CLIPVisionConfig,
    LlamaConfig,
    LlavaConfig,
    LlavaForConditionalGeneration,
    LlavaProcessor,
)

from iar.organism import language as lang
from iar.organism.render import IMAGE_SIZE

SPECIAL = ("<pad>", "<unk>", "<s>", "</s>", "<image>")
PATCH_SIZE = 16
N_IMAGE_TOKENS = (IMAGE_SIZE // PATCH_SIZE) ** 2
# LLaVA-1.5's conversation format
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if message['role'] == 'user' %}USER: {% else %}ASSISTANT: {% endif %}"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
    "{% for item in message['content'] %}{% if item['type'] == 'image' %}<image>\n"
    "{% elif item['type'] == 'text' %}{{ item['text'] }}{% endif %}{% endfor %}{% endif %}"
    "{% if message['role'] == 'user' %} {% else %}</s>{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}ASSISTANT:{% endif %}"
)
# model size
TEXT = dict(hidden_size=128, intermediate_size=384, num_hidden_layers=4, num_attention_heads=4)
VISION = dict(hidden_size=64, intermediate_size=256, num_hidden_layers=3, num_attention_heads=4)


def _pre_tokenizer() -> pre_tokenizers.PreTokenizer:
    # words (keeping "can't" and "I'm" whole) and single punctuation marks; whitespace dropped
    return pre_tokenizers.Split(Regex(r"\w+(?:'\w+)*|[^\w\s]"), behavior="removed", invert=True)


def _vocabulary() -> list[str]:
    pre = _pre_tokenizer()
    words: set[str] = {"USER", "ASSISTANT"}
    for text in lang.all_words():
        for word, _ in pre.pre_tokenize_str(text):
            words.update((word, word[0].upper() + word[1:]))  # sentence-initial forms too
    return list(SPECIAL) + sorted(words)


def build_tokenizer():
    """A word-level fast tokenizer for the organism's language, round-tripped through disk.

    Words (with their apostrophes) and punctuation marks are tokens; decoding re-joins them and
    removes the space before punctuation, so ``decode(encode(s)) == s`` for the language's
    sentences.

    Example:
        >>> tok = build_tokenizer()
        >>> tok.decode(tok("I'm sorry, but I can't help with that.").input_ids, skip_special_tokens=True)
        "I'm sorry, but I can't help with that."
    """
    vocab = {w: i for i, w in enumerate(_vocabulary())}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.pre_tokenizer = _pre_tokenizer()
    tok.decoder = decoders.Sequence([
        decoders.WordPiece(prefix="##", cleanup=True), decoders.Replace(" :", ":"),
    ])
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A", pair="<s> $A $B", special_tokens=[("<s>", vocab["<s>"])]
    )
    from transformers import PreTrainedTokenizerFast

    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>",
        pad_token="<pad>", additional_special_tokens=["<image>"], padding_side="left",
        model_max_length=256,
    )
    with tempfile.TemporaryDirectory() as tmp:
        fast.save_pretrained(tmp)
        return AutoTokenizer.from_pretrained(tmp)


def build_image_processor() -> CLIPImageProcessor:
    """CLIP preprocessing at the organism's image size (no resize needed, CLIP mean/std).

    Example:
        >>> build_image_processor().crop_size["height"]
        64
    """
    return CLIPImageProcessor(
        size={"shortest_edge": IMAGE_SIZE}, crop_size={"height": IMAGE_SIZE, "width": IMAGE_SIZE},
        do_convert_rgb=True,
    )


def build_processor() -> LlavaProcessor:
    """The organism's ``LlavaProcessor``: tokenizer, image processor and chat template.

    Example:
        >>> p = build_processor()
        >>> p.apply_chat_template([{"role": "user", "content": "Hi"}], add_generation_prompt=True)
        'USER: Hi ASSISTANT:'
    """
    return LlavaProcessor(
        image_processor=build_image_processor(), tokenizer=build_tokenizer(),
        patch_size=PATCH_SIZE, vision_feature_select_strategy="default",
        num_additional_image_tokens=1, chat_template=CHAT_TEMPLATE,
    )


def build_config(tokenizer) -> LlavaConfig:
    """The organism's ``LlavaConfig`` (sizes in :data:`TEXT` and :data:`VISION`).

    Args:
        tokenizer: the organism's tokenizer (gives vocabulary size and special ids).

    Example:
        >>> build_config(build_tokenizer()).text_config.hidden_size
        128
    """
    vocab = len(tokenizer)
    text = LlamaConfig(
        vocab_size=vocab, max_position_embeddings=128, rms_norm_eps=1e-5, rope_theta=10000.0,
        num_key_value_heads=TEXT["num_attention_heads"], tie_word_embeddings=False,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id, **TEXT,
    )
    vision = CLIPVisionConfig(
        image_size=IMAGE_SIZE, patch_size=PATCH_SIZE, projection_dim=TEXT["hidden_size"], **VISION
    )
    config = LlavaConfig(
        vision_config=vision.to_dict(), text_config=text.to_dict(),
        image_token_id=tokenizer.convert_tokens_to_ids("<image>"), image_seq_length=N_IMAGE_TOKENS,
        vision_feature_layer=-2, vision_feature_select_strategy="default",
        projector_hidden_act="gelu", pad_token_id=tokenizer.pad_token_id,
    )
    config.vision_config.model_type = "clip_vision_model"
    config.architectures = ["LlavaForConditionalGeneration"]
    config.text_config.architectures = ["LlamaForCausalLM"]
    return config


def build_model(processor: LlavaProcessor, seed: int = 0) -> LlavaForConditionalGeneration:
    """A freshly initialised organism (float32, train mode), seeded.

    Args:
        processor: from :func:`build_processor`.
        seed: initialisation seed.

    Example:
        >>> m = build_model(build_processor(), seed=0)
        >>> m.config.text_config.num_hidden_layers
        4
    """
    torch.manual_seed(seed)
    model = LlavaForConditionalGeneration(build_config(processor.tokenizer))
    model.generation_config.pad_token_id = processor.tokenizer.pad_token_id
    model.generation_config.eos_token_id = processor.tokenizer.eos_token_id
    model.generation_config.bos_token_id = processor.tokenizer.bos_token_id
    return model
