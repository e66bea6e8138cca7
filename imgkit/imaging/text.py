"""The one text renderer: every place that draws text (watermark text, facts panel, captions,
sold-out labels, the page heading, main images) sets it here, with fonts resolved one way.

A ``Fonts`` chain is tried character by character: the field's own font (``[watermark] font``),
the profile's font (``[main_image] font``, as :func:`fonts.find_font` accepts it), the bundled
CJK font (WenQuanYi Micro Hei), then the bundled fallbacks: Noto Sans CJK SC for what WenQuanYi
lacks (CJK extension A, the extension B-G characters Noto carries, radicals, strokes) and Noto
Emoji (monochrome) for emoji. A character belongs to the first font whose glyph for it is
neither empty nor that font's .notdef box (tofu); a line is split into runs by font, and runs
are measured and drawn one after another on one baseline, so widths and wrapping stay right.

Nothing is ever drawn as a box: a character no font covers is refused (``Undrawable``, a
``ConfigError`` naming the field and the character as ``U+XXXX``). Invisible characters
(zero-width joiners and spaces, variation selectors, other format and control characters),
emoji skin-tone modifiers and the keycap mark after a character are not drawn; a space a font
lacks is drawn as a plain space.

A line wholly in the first font is drawn exactly as ``ImageDraw.text`` draws it with that font.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from imgkit.errors import ConfigError, ProfileError
from imgkit.profile import SHIPPED_DIR, Profile

if TYPE_CHECKING:   # Pillow, numpy and the fonts are imported when text is measured or drawn
    from PIL import ImageDraw, ImageFont

    from imgkit.imaging.fonts import FontChoice

FONTS_DIR = SHIPPED_DIR / "assets" / "fonts"
BUNDLED = FONTS_DIR / "wqy-microhei.ttc"
#: characters WenQuanYi Micro Hei draws (tested): printable ASCII, CJK unified 4E00-9FA5, full-width
#: forms, CJK punctuation. Profile text made only of these needs no font loaded to be checked.
_SURE = ((0x20, 0x7E), (0x4E00, 0x9FA5), (0xFF01, 0xFF5E), (0x3000, 0x3003), (0x3005, 0x3011))
#: bundled fallbacks after the CJK font: (file, scale against the text size)
FALLBACKS = (("NotoSansCJKsc-fallback.otf", 1.0), ("NotoEmoji-Regular.ttf", 0.85))
_PROBE_PX = 32
#: emoji skin tones and the keycap (1️⃣) a monochrome font cannot join to the character before
_MODIFIERS = frozenset([*range(0x1F3FB, 0x1F400), 0x20E3])


class Undrawable(ConfigError):
    """Text holding characters no available font can draw."""

    def __init__(self, field: str, text: str, chars: list[str], fonts: Fonts):
        self.field, self.text, self.chars = field, text, tuple(chars)
        super().__init__(f"{field} {text!r}: {describe(chars)} cannot be drawn by any font "
                         f"({', '.join(fonts.names)}); remove {'it' if len(chars) == 1 else 'them'} "
                         f"or give a font that has {'it' if len(chars) == 1 else 'them'}")


def describe(chars: list[str] | tuple[str, ...]) -> str:
    """``U+20BB7 '𠮷'``, several joined by commas."""
    return ", ".join(f"U+{ord(c):04X} {c!r}" for c in chars)


@dataclass(frozen=True)
class Face:
    path: Path
    index: int = 0
    scale: float = 1.0
    source: str = ""     # "field", "profile", "bundled", "fallback", "system"

    def at(self, size: int) -> ImageFont.FreeTypeFont:
        from imgkit.imaging.fonts import _font
        return _font(str(self.path), self.index, max(1, round(size * self.scale)))

    @property
    def name(self) -> str:
        family, style = self.at(16).getname()
        return f"{family} {style}".strip()


@lru_cache(maxsize=65536)
def _covers(path: str, index: int, ch: str) -> bool:
    """Whether the font draws ``ch`` as a real glyph: not its .notdef box, and not empty
    unless ``ch`` is a space."""
    import numpy as np

    from imgkit.imaging.fonts import _font, glyph_mask, notdef_mask
    font = _font(path, index, _PROBE_PX)
    mask = glyph_mask(font, ch)
    if not mask.any():
        return ch.isspace() and font.getlength(ch) > 0
    tofu = notdef_mask(font)
    return not (mask.shape == tofu.shape and np.array_equal(mask, tofu))


def _invisible(ch: str) -> bool:
    """Zero-width and format characters, variation selectors, controls: never drawn."""
    if ch.isspace():
        return False
    return unicodedata.category(ch) in ("Cf", "Cc") or 0xFE00 <= ord(ch) <= 0xFE0F or 0xE0100 <= ord(ch) <= 0xE01EF


@dataclass(frozen=True)
class Fonts:
    """The font chain, first font first."""
    faces: tuple[Face, ...]
    _face_of: dict = field(default_factory=dict, compare=False, hash=False, repr=False)   # char -> face

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.faces]

    def face_for(self, ch: str) -> int | None:
        """Index of the first face that draws ``ch``, None when none does."""
        try:
            return self._face_of[ch]
        except KeyError:
            found = next((i for i, f in enumerate(self.faces) if _covers(str(f.path), f.index, ch)), None)
            self._face_of[ch] = found
            return found

    def missing(self, text: str) -> list[str]:
        """The characters of ``text`` no face draws (each once, in order)."""
        try:
            self.runs(text)
        except _Missing as exc:
            return exc.chars
        return []

    def check(self, text: str, field: str) -> None:
        """``Undrawable`` when some character of ``text`` cannot be drawn."""
        if chars := self.missing(text):
            raise Undrawable(field, text, chars, self)

    def runs(self, text: str) -> list[tuple[int, str]]:
        """``text`` (one line) as (face index, run) pairs; invisible characters left out."""
        runs: list[tuple[int, str]] = []
        missing: list[str] = []
        prev = ""
        if any(unicodedata.combining(ch) for ch in text):   # e + U+0301 (a Mac's NFD) is drawn as é
            text = unicodedata.normalize("NFC", text)
        for ch in text.replace("\n", " "):
            if _invisible(ch) or (ord(ch) in _MODIFIERS and prev and not prev.isspace()):
                continue
            prev = ch
            if ch.isspace():   # a space stays in the run it is in when that font has it
                last = runs[-1][0] if runs else None
                if last is not None and _covers(str(self.faces[last].path), self.faces[last].index, ch):
                    face = last
                else:
                    face = self.face_for(ch)
                    if face is None:
                        ch, face = " ", self.face_for(" ") or 0
            else:
                face = self.face_for(ch)
                if face is None:
                    if ch not in missing:
                        missing.append(ch)
                    continue
            if runs and runs[-1][0] == face:
                runs[-1] = (face, runs[-1][1] + ch)
            else:
                runs.append((face, ch))
        if missing:
            raise _Missing(missing)
        return runs

    def at(self, size: int) -> Sized:
        return Sized(self, size)


class _Missing(Exception):
    def __init__(self, chars: list[str]):
        super().__init__(describe(chars))
        self.chars = chars


@dataclass(frozen=True)
class Sized:
    """The chain at one pixel size: measures and draws a line (duck-types ``getlength``)."""
    fonts: Fonts
    size: int

    def font(self, i: int = 0) -> ImageFont.FreeTypeFont:
        return self.fonts.faces[i].at(self.size)

    def _runs(self, text: str) -> list[tuple[int, str]]:
        try:
            return self.fonts.runs(text)
        except _Missing as exc:  # a safety net: callers check texts first, nothing becomes a box
            raise Undrawable("text", text, exc.chars, self.fonts) from None

    def _simple(self, runs: list[tuple[int, str]], text: str) -> bool:
        return not runs or (len(runs) == 1 and runs[0] == (0, text))

    def getlength(self, text: str) -> float:
        runs = self._runs(text)
        if self._simple(runs, text):
            return self.font().getlength(text)
        return sum(self.font(i).getlength(run) for i, run in runs)

    def getmetrics(self) -> tuple[int, int]:
        return self.font().getmetrics()

    def _placed(self, xy: tuple[float, float], runs: list[tuple[int, str]], anchor: str
                ) -> list[tuple[float, float, int, str]]:
        """Each run's baseline origin for a line anchored at ``xy`` (Pillow's anchors)."""
        widths = [self.font(i).getlength(run) for i, run in runs]
        total = sum(widths)
        x = xy[0] - {"l": 0, "m": total / 2, "r": total}.get(anchor[0], 0)
        ascent, descent = self.getmetrics()
        y = xy[1] + {"a": ascent, "t": ascent, "m": (ascent - descent) / 2, "s": 0,
                     "d": -descent, "b": -descent}.get(anchor[1], ascent)
        out = []
        for (i, run), w in zip(runs, widths, strict=True):
            out.append((x, y, i, run))
            x += w
        return out

    def getbbox(self, text: str, *, stroke_width: int = 0, anchor: str = "la",
                xy: tuple[float, float] = (0, 0)) -> tuple[float, float, float, float]:
        runs = self._runs(text)
        if self._simple(runs, text):
            box = self.font().getbbox(text, stroke_width=stroke_width, anchor=anchor)
            return box[0] + xy[0], box[1] + xy[1], box[2] + xy[0], box[3] + xy[1]
        boxes = []
        for x, y, i, run in self._placed(xy, runs, anchor):
            left, top, right, bottom = self.font(i).getbbox(run, stroke_width=stroke_width, anchor="ls")
            boxes.append((x + left, y + top, x + right, y + bottom))
        return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
                max(b[3] for b in boxes))

    def draw(self, draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, *, fill,
             anchor: str | None = None, stroke_width: int = 0, stroke_fill=None) -> None:
        """Draw one line at ``xy`` like ``ImageDraw.text`` (default anchor ``la``)."""
        runs = self._runs(text)
        if self._simple(runs, text):
            draw.text(xy, text, font=self.font(), fill=fill, anchor=anchor, stroke_width=stroke_width,
                      stroke_fill=stroke_fill)
            return
        for x, y, i, run in self._placed(xy, runs, anchor or "la"):
            draw.text((x, y), run, font=self.font(i), fill=fill, anchor="ls", stroke_width=stroke_width,
                      stroke_fill=stroke_fill)


def _fallbacks() -> tuple[Face, ...]:
    return tuple(Face(FONTS_DIR / name, 0, scale, "fallback") for name, scale in FALLBACKS
                 if (FONTS_DIR / name).is_file())


def chain(first: FontChoice, *extra_first: Face) -> Fonts:
    """``extra_first`` faces, ``first`` (the profile's font), the bundled CJK font, the fallbacks;
    a font already in the chain is not tried twice."""
    faces: list[Face] = []
    candidates = [*extra_first, Face(first.path, first.index, 1.0, first.source)]
    candidates += [Face(BUNDLED, 0, 1.0, "bundled")] if BUNDLED.is_file() else []
    for face in candidates + list(_fallbacks()):
        if not any(_same_file(face, f) for f in faces):
            faces.append(face)
    return Fonts(tuple(faces))


def _same_file(a: Face, b: Face) -> bool:
    try:
        return a.index == b.index and a.path.resolve() == b.path.resolve()
    except OSError:
        return False


@lru_cache(maxsize=8)
def profile_fonts(profile: Profile) -> Fonts:
    """The chain for the facts panel, captions, sold-out labels, the page heading, main images."""
    from imgkit.imaging.fonts import find_font
    return chain(find_font(profile))


@lru_cache(maxsize=8)
def watermark_fonts(profile: Profile) -> Fonts:
    """``[watermark] font`` first (as it is: it needs to cover only what it draws), then the chain."""
    from imgkit.imaging.fonts import _font, find_font
    wm = profile.watermark
    own = ()
    if wm.font:
        path = profile.asset(wm.font, "watermark.font")
        try:
            _font(str(path), 0, 16)
        except OSError as exc:
            raise ProfileError(f"{profile.path}: [watermark] font {path} cannot be loaded ({exc})") from None
        own = (Face(path, 0, 1.0, "field"),)
    return chain(find_font(profile), *own)


def check_profile_text(profile: Profile) -> None:
    """Every text the profile itself sets, drawable (``Undrawable``, exit 2, otherwise):
    ``[watermark] text``, ``[facts] labels``, ``[mark] label`` and the literal part of
    ``[page] heading``."""
    where = f"{profile.path}:"
    wm = profile.watermark.text if not profile.watermark.image else ""
    texts = [("[facts] labels", label) for label in profile.facts.labels if profile.facts.enabled]
    texts += [("[mark] label", profile.mark.label),
              ("[page] heading", profile.page.heading.replace("{title}", "").replace("{item}", ""))]
    if BUNDLED.is_file() and all(sure(text) for text in [wm, *(t for _, t in texts)]):
        return   # the bundled font draws all of it: no need to load a font (a run with nothing to do stays quick)
    if wm:
        watermark_fonts(profile).check(wm, f"{where} [watermark] text")
    for name, text in texts:
        profile_fonts(profile).check(text, f"{where} {name}")


def sure(text: str) -> bool:
    """Whether the bundled font is known to draw every character of ``text`` (see ``_SURE``)."""
    return all(any(a <= ord(ch) <= b for a, b in _SURE) for ch in text)
