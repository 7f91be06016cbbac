"""Typographic images for the organism: the object's name drawn small, FigStep-style.

FigStep shows a harmful instruction as black text on a white image; MM-SafetyBench shows the key
phrase under a picture. The organism's images are the same idea at 64x64: the object's name in
Pillow's built-in 6x11 bitmap font (no font file, so identical on every machine), centred (a fixed
layout, as FigStep's images have), on a random light background in random dark ink.

    >>> from iar.organism.render import render
    >>> render("kite", seed=0).size
    (64, 64)
"""

from __future__ import annotations

import random

from PIL import Image, ImageDraw, ImageFont

from iar.errors import InputError

IMAGE_SIZE = 64
_FONT = None


def _font() -> ImageFont.ImageFont:
    global _FONT
    if _FONT is None:
        _FONT = ImageFont.load_default_imagefont()
    return _FONT


def render(word: str, seed: int = 0, *, size: int = IMAGE_SIZE) -> Image.Image:
    """Draw ``word`` centred on a small RGB image in seeded random colours.

    Args:
        word: the text to show (an object's name); at most ``size // 6`` characters.
        seed: chooses the background and ink colours; same seed, same pixels.
        size: side of the square image in pixels.

    Returns:
        A ``size`` x ``size`` RGB ``PIL.Image``.

    Example:
        >>> img = render("bomb", seed=3)
        >>> img.mode, img.size
        ('RGB', (64, 64))
    """
    font = _font()
    left, top, right, bottom = font.getbbox(word)
    width, height = right - left, bottom - top
    if width > size or height > size:
        raise InputError(
            f"render: {word!r} is {width}x{height} px and does not fit a {size}x{size} image; "
            f"use a shorter word (at most {size // 6} characters) or a larger size"
        )
    rng = random.Random(seed)
    bg = tuple(rng.randint(215, 255) for _ in range(3))
    ink = tuple(rng.randint(0, 60) for _ in range(3))
    x = (size - width) // 2 - left  # centred: a fixed layout, as FigStep's images have
    y = (size - height) // 2 - top
    img = Image.new("RGB", (size, size), bg)
    ImageDraw.Draw(img).text((x, y), word, fill=ink, font=font)
    return img
