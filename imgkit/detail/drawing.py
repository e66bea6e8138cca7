"""Draw a ``Decoration`` on a detail image: sold-out labels over the photo, then the facts
panel or the caption as a band below it (the image grows taller, the width stays) or as an
overlay on its foot. Text is set by the one text renderer (``imaging.text``: the profile's
font, the bundled CJK font, then the CJK and emoji fallbacks, character by character) and
wrapped to the width (Chinese and emoji break between any two characters, Latin between words).

When the watermark sits at the bottom, a band keeps room for it under the text, so the
shop's mark (drawn afterwards, on the whole picture) never covers the facts.
"""

from __future__ import annotations

import re
from functools import lru_cache

from PIL import Image, ImageDraw

from imgkit.detail.decoration import Decoration
from imgkit.imaging.colours import rgb_of
from imgkit.imaging.text import Fonts, Sized, profile_fonts
from imgkit.imaging.watermark import watermark_image
from imgkit.profile import Profile

#: one token: a run of Latin-like characters with its trailing spaces, spaces, or one other
#: character (CJK of every plane, full-width forms, CJK punctuation, emoji)
_TOKENS = re.compile(r"[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
                     r"\U0001f000-\U0001faff\U00020000-\U0003ffff]+\s*|\s+|.")
#: closing punctuation that must not begin a line (kinsoku)
_NO_START = set("，。、；：！？）》」』】,.;:!?)%")



@lru_cache(maxsize=4)
def _font(profile: Profile) -> Fonts:
    return profile_fonts(profile)


def wrap(text: str, font: Sized, width: int) -> list[str]:
    """Greedy line breaking of ``text`` into lines no wider than ``width`` px; closing
    punctuation never starts a line (the character before it moves down with it)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        tokens: list[str] = []                       # the current line, token by token
        for token in _TOKENS.findall(paragraph):
            line = "".join(tokens)
            if line.strip() and font.getlength((line + token).rstrip()) > width:
                carry = [tokens.pop()] if token[0] in _NO_START and len(tokens) > 1 else []
                lines.append("".join(tokens).rstrip())
                tokens = carry + [token if carry else token.lstrip()]
            else:
                tokens.append(token)
            line = "".join(tokens)
            while len(line) > 1 and font.getlength(line.rstrip()) > width:  # wider than a line on its own
                cut = max((i for i in range(1, len(line)) if font.getlength(line[:i]) <= width), default=1)
                while cut > 1 and line[cut] in _NO_START:
                    cut -= 1
                lines.append(line[:cut])
                line = line[cut:]
                tokens = [line]
        lines.append("".join(tokens).rstrip())
    return [ln for ln in lines if ln] or [""]


def _watermark_room(profile: Profile, width: int) -> int:
    """Height the bottom watermark takes, plus its margin (0 when it is not at the bottom)."""
    mark = watermark_image(profile)
    wm = profile.watermark
    if mark is None or not wm.position.startswith("bottom"):
        return 0
    return round(wm.width * width * mark.height / mark.width) + round(wm.margin * width)


def _block(lines: list[tuple[str, str]], profile: Profile, width: int, *, fill: tuple[int, int, int, int],
           reserve: int) -> Image.Image:
    """The facts panel as an RGBA block ``width`` wide: the title, then label/value rows."""
    f = profile.facts
    choice = _font(profile)
    title_font, font = choice.at(f.title_size), choice.at(f.font_size)
    inner = width - 2 * f.padding
    rows: list[tuple[int, int, str, Sized, tuple[int, int, int]]] = []  # (x, y, text, font, colour)
    y = f.padding
    text_rgb, label_rgb = rgb_of(f.text_color), rgb_of(f.label_color)
    title, rest = lines[0], lines[1:]
    for ln in wrap(title[1], title_font, inner):
        rows.append((f.padding, y, ln, title_font, text_rgb))
        y += round(f.title_size * f.line_spacing)
    if rest:
        y += f.font_size // 2
    label_w = max((font.getlength(label) for label, _ in rest), default=0) + f.font_size
    for label, value in rest:
        rows.append((f.padding, y, label, font, label_rgb))
        for ln in wrap(value, font, max(f.font_size, inner - int(label_w))):
            rows.append((f.padding + int(label_w), y, ln, font, text_rgb))
            y += round(f.font_size * f.line_spacing)
    height = y + f.padding - round(f.font_size * (f.line_spacing - 1)) + reserve
    block = Image.new("RGBA", (width, height), fill)
    draw = ImageDraw.Draw(block)
    for x, ty, text, fnt, colour in rows:
        fnt.draw(draw, (x, ty), text, fill=colour + (255,))
    return block


def _centred(text_lines: list[str], font: Sized, size: int, width: int, padding: int,
             fill: tuple[int, int, int, int], colour: tuple[int, int, int], reserve: int = 0) -> Image.Image:
    lh = round(size * 1.35)
    block = Image.new("RGBA", (width, 2 * padding + lh * len(text_lines) + reserve), fill)
    draw = ImageDraw.Draw(block)
    for i, ln in enumerate(text_lines):
        font.draw(draw, ((width - font.getlength(ln)) / 2, padding + i * lh), ln, fill=colour + (255,))
    return block


def _attach(image: Image.Image, block: Image.Image, layout: str) -> Image.Image:
    """A band goes below the photo; an overlay is composited on its foot (a band when too tall)."""
    w, h = image.size
    if layout == "overlay" and block.height <= h * 0.6:
        base = image.convert("RGBA")
        base.alpha_composite(block, (0, h - block.height))
        return base.convert("RGB")
    canvas = Image.new("RGB", (w, h + block.height))
    canvas.paste(image, (0, 0))
    canvas.paste(block.convert("RGB"), (0, h))
    return canvas


def _alpha(opacity: float) -> int:
    return round(255 * opacity)


def facts_panel(image: Image.Image, facts: tuple[tuple[str, str], ...], profile: Profile) -> Image.Image:
    f = profile.facts
    band = f.layout == "band"
    fill = rgb_of(f.background) + (255 if band else _alpha(f.opacity),)
    block = _block(list(facts), profile, image.width, fill=fill, reserve=_watermark_room(profile, image.width))
    return _attach(image, block, f.layout)


def caption(image: Image.Image, text: str, profile: Profile) -> Image.Image:
    c = profile.captions
    font = _font(profile).at(c.font_size)
    band = c.layout == "band"
    fill = rgb_of(c.background) + (255 if band else _alpha(c.opacity),)
    block = _centred(wrap(text, font, image.width - 2 * c.padding), font, c.font_size, image.width, c.padding,
                     fill, rgb_of(c.text_color), reserve=_watermark_room(profile, image.width))
    return _attach(image, block, c.layout)


def _label_lines(labels: tuple[str, ...], profile: Profile, width: int) -> tuple[Sized, list[str]]:
    font = _font(profile).at(profile.mark.font_size)
    return font, [ln for label in labels for ln in wrap(label, font, width - 2 * profile.mark.font_size)]


def label_box(labels: tuple[str, ...], profile: Profile, width: int, height: int) -> tuple[int, int]:
    """Rows ``[top, bottom)`` the sold-out strip covers on a ``width`` x ``height`` photo."""
    size = profile.mark.font_size
    tall = 2 * (size // 2) + round(size * 1.35) * len(_label_lines(labels, profile, width)[1])
    top = max(0, (height - tall) // 2)
    return top, top + tall


def sold_out(image: Image.Image, labels: tuple[str, ...], profile: Profile) -> Image.Image:
    """A full-width strip across the middle of the photo with one line per label."""
    m = profile.mark
    font, lines = _label_lines(labels, profile, image.width)
    strip = _centred(lines, font, m.font_size, image.width, m.font_size // 2,
                     rgb_of(m.background) + (_alpha(m.opacity),), rgb_of(m.text_color))
    base = image.convert("RGBA")
    base.alpha_composite(strip, (0, label_box(labels, profile, image.width, image.height)[0]))
    return base.convert("RGB")


def apply(image: Image.Image, deco: Decoration, profile: Profile) -> Image.Image:
    if deco.marks:
        image = sold_out(image, deco.marks, profile)
    if deco.facts:
        image = facts_panel(image, deco.facts, profile)
    if deco.caption:
        image = caption(image, deco.caption, profile)
    return image
