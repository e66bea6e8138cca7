"""The shop's watermark (R2): loaded or drawn once per worker, scaled per output size.

``mark_size`` is the one sizing rule: the drawer here and the checker
(``checks.watermark_match``) both size the mark with it, so the template validate looks for
has exactly the pixels of the mark as drawn."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw

from imgkit.errors import ProfileError
from imgkit.imaging.colours import rgb_of
from imgkit.profile import Profile


@lru_cache(maxsize=4)
def watermark_image(profile: Profile) -> Image.Image | None:
    """The watermark at its own resolution as RGBA, or None when the profile turns it off."""
    wm = profile.watermark
    if not wm.enabled:
        return None
    if wm.image:
        path = profile.asset(wm.image, "watermark.image")
        try:
            with Image.open(path) as im:
                return im.convert("RGBA")
        except Exception as exc:
            raise ProfileError(f"{profile.path}: [watermark] image {path} cannot be read ({exc})") from None
    if wm.text:
        return _draw_text(profile)
    return None


def _draw_text(profile: Profile) -> Image.Image:
    """``[watermark] text`` set by the one text renderer (``[watermark] font`` first, then the
    profile's chain); ``Undrawable`` (exit 2) when a character has no font. Lines stack left-aligned."""
    from imgkit.imaging.text import watermark_fonts

    wm, size = profile.watermark, 96
    fonts = watermark_fonts(profile)
    lines = wm.text.split("\n")
    for line in lines:
        fonts.check(line, f"{profile.path}: [watermark] text")
    font = fonts.at(size)
    stroke = max(2, size // 16)
    ascent, descent = font.getmetrics()
    step = ascent + descent + 4
    boxes = [font.getbbox(line, stroke_width=stroke, xy=(0, i * step)) for i, line in enumerate(lines)]
    left, top = min(b[0] for b in boxes), min(b[1] for b in boxes)
    right, bottom = max(b[2] for b in boxes), max(b[3] for b in boxes)
    im = Image.new("RGBA", (int(right - left) + 2, int(bottom - top) + 2), (0, 0, 0, 0))
    fill = rgb_of(wm.color) + (255,)
    draw = ImageDraw.Draw(im)
    for i, line in enumerate(lines):
        font.draw(draw, (1 - left, 1 - top + i * step), line, fill=fill, stroke_width=stroke,
                  stroke_fill=(30, 30, 30, 220))
    return im


def mark_size(mark_width: int, mark_height: int, width: float) -> tuple[int, int]:
    """Pixel size of a ``mark_width`` x ``mark_height`` mark drawn ``width`` px wide (a
    fraction allowed): both sides rounded from the one exact scale, never one from the other."""
    scale = width / mark_width
    return max(1, round(mark_width * scale)), max(1, round(mark_height * scale))


def drawn_width(profile: Profile, width: int, height: int) -> float | None:
    """The exact (unrounded) width of the mark on a ``width`` x ``height`` picture:
    ``[watermark] width`` of the picture, less when a short picture leaves no room."""
    mark = watermark_image(profile)
    if mark is None:
        return None
    wm = profile.watermark
    margin = round(wm.margin * width)
    scale = min(wm.width * width / mark.width, max(1, height - 2 * margin) / mark.height)
    return mark.width * scale


@lru_cache(maxsize=64)
def scaled_watermark(profile: Profile, width: int, height: int) -> np.ndarray | None:
    """The watermark as an RGBA array sized for a ``width`` x ``height`` picture."""
    exact = drawn_width(profile, width, height)
    if exact is None:
        return None
    mark = watermark_image(profile)
    return np.asarray(mark.resize(mark_size(mark.width, mark.height, exact), Image.Resampling.LANCZOS))


def placement(profile: Profile, width: int, height: int, mark: np.ndarray) -> tuple[int, int]:
    """Top-left corner of the watermark for the profile's position and margin."""
    margin = round(profile.watermark.margin * width)
    mh, mw = mark.shape[:2]
    pos = profile.watermark.position
    x = {"left": margin, "right": width - mw - margin}.get(pos.split("-")[-1], (width - mw) // 2)
    y = {"top": margin, "bottom": height - mh - margin}.get(pos.split("-")[0], (height - mh) // 2)
    return x, y
