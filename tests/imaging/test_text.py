"""The one text renderer, on the real shipped fonts: which font draws what, GB 18030 and emoji
coverage, never a .notdef box, and lines drawn exactly as Pillow draws them where one font does."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from imgkit import profile as profiles
from imgkit.detail.drawing import wrap
from imgkit.errors import ConfigError
from imgkit.imaging.fonts import glyph_mask, notdef_mask
from imgkit.imaging.text import _SURE, BUNDLED, FONTS_DIR, Face, Fonts, Undrawable, profile_fonts, sure

FONTS = profile_fonts(profiles.load())
RARE = {"🔥": "emoji", "👍": "emoji", "✨": "emoji", "𠮷": "CJK extension B", "㐂": "CJK extension A"}


def ink(size: tuple[int, int], draw_with) -> np.ndarray:
    im = Image.new("L", size, 0)
    draw_with(ImageDraw.Draw(im))
    return np.asarray(im)


def test_fonts_ship_with_their_licences_and_stay_small():
    names = [f.path.name for f in FONTS.faces]
    assert names == ["wqy-microhei.ttc", "NotoSansCJKsc-fallback.otf", "NotoEmoji-Regular.ttf"]
    for face in FONTS.faces:
        stem = face.path.name.split(".")[0]
        assert (FONTS_DIR / f"{stem}.LICENSE.txt").is_file()
    fallbacks = [FONTS_DIR / "NotoSansCJKsc-fallback.otf", FONTS_DIR / "NotoEmoji-Regular.ttf"]
    assert "SIL OPEN FONT LICENSE Version 1.1" in (FONTS_DIR / "NotoEmoji-Regular.LICENSE.txt").read_text()
    assert sum(p.stat().st_size for p in fallbacks) < 5_000_000


@pytest.mark.parametrize("ch", list(RARE))
def test_emoji_and_rare_cjk_render_as_glyphs_not_boxes(ch):
    """The character's font draws a real glyph: not its own .notdef, not the CJK font's box
    (what it was drawn as before), and not the glyph of any other of these characters."""
    i = FONTS.face_for(ch)
    assert i is not None and i > 0, f"{RARE[ch]} {ch} should come from a fallback font"
    font = FONTS.faces[i].at(48)
    glyph = glyph_mask(font, ch)
    assert glyph.sum() > 2000            # real ink
    for tofu in (notdef_mask(font), notdef_mask(FONTS.faces[0].at(48))):
        assert glyph.shape != tofu.shape or not np.array_equal(glyph, tofu)
    for other in RARE:
        if other != ch:
            mask = glyph_mask(FONTS.faces[FONTS.face_for(other)].at(48), other)
            assert mask.shape != glyph.shape or not np.array_equal(mask, glyph)
    # drawn in a line, the pixels differ from the same line with the CJK font's box in its place
    line = FONTS.at(40)
    drawn = ink((300, 70), lambda d: line.draw(d, (5, 5), f"热卖{ch}", fill=255))
    box = ink((300, 70), lambda d: d.text((5, 5), "热卖\U0010fffd", font=FONTS.faces[0].at(40), fill=255))
    assert not np.array_equal(drawn, box)
    assert (drawn[:, 5 + int(line.getlength("热卖")):] > 0).sum() > 200   # the glyph is there


def test_gb18030_level_one_renders():
    """Every character of GB 18030's first implementation level: the two-byte (GBK) area, CJK
    unified ideographs U+4E00..U+9FA5 and extension A U+3400..U+4DB5."""
    chars = set()
    for lead in range(0x81, 0xFF):
        for trail in [*range(0x40, 0x7F), *range(0x80, 0xFF)]:
            try:
                ch = bytes((lead, trail)).decode("gb18030")
            except UnicodeDecodeError:
                continue
            if not 0xE000 <= ord(ch) <= 0xF8FF:   # user-defined (private-use) areas hold no characters
                chars.add(ch)
    chars |= {chr(c) for c in range(0x4E00, 0x9FA6)} | {chr(c) for c in range(0x3400, 0x4DB6)}
    assert len(chars) > 28000
    missing = [c for c in sorted(chars) if not c.isspace() and FONTS.face_for(c) is None]
    assert missing == [], f"{len(missing)} not drawn, e.g. {[f'U+{ord(c):04X}' for c in missing[:10]]}"


def test_what_profile_text_is_sure_of_the_bundled_font_draws():
    only = Fonts((Face(BUNDLED),))
    chars = [chr(c) for a, b in _SURE for c in range(a, b + 1)]
    assert len(chars) > 20000 and sure("".join(chars))
    assert [c for c in chars if only.face_for(c) is None] == []
    assert not sure("禾木🔥") and not sure("𠮷")


def test_a_character_no_font_has_is_refused_by_name():
    text = "禾木\U000f0001家居\U0010fffd"
    assert FONTS.missing(text) == ["\U000f0001", "\U0010fffd"]
    with pytest.raises(Undrawable, match=r"caption .*U\+F0001 .*U\+10FFFD .*cannot be drawn by any font") as e:
        FONTS.check(text, "caption")
    assert isinstance(e.value, ConfigError) and e.value.chars == ("\U000f0001", "\U0010fffd")
    with pytest.raises(Undrawable, match=r"U\+10FFFD"):   # measuring or drawing it is refused too
        FONTS.at(30).getlength("x\U0010fffd")
    with pytest.raises(Undrawable, match=r"U\+10FFFD"):
        ink((100, 50), lambda d: FONTS.at(30).draw(d, (0, 0), "\U0010fffd", fill=255))


def test_invisible_characters_and_skin_tones_are_not_drawn():
    line = FONTS.at(40)

    def drawn(text):
        return ink((400, 70), lambda d: line.draw(d, (5, 5), text, fill=255))
    assert np.array_equal(drawn("禾\u200d木\ufe0f"), drawn("禾木"))
    assert np.array_equal(drawn("好评👍🏽"), drawn("好评👍"))
    assert np.array_equal(drawn("第1\ufe0f\u20e3名"), drawn("第1名"))   # keycap 1️⃣: not a box-like keycap
    assert FONTS.missing("a\u200bb\u2060c\ufeff") == []
    assert np.array_equal(drawn("Cafe\u0301 咖啡"), drawn("Café 咖啡"))   # decomposed (NFD) accents compose
    assert line.getlength("好评👍🏽") == line.getlength("好评👍")


def test_one_font_lines_draw_exactly_as_pillow_does():
    """What the bundled font draws alone is drawn as ImageDraw draws it: outputs stay the same."""
    line, font = FONTS.at(30), FONTS.faces[0].at(30)
    for text in ("手工上色，每件花纹略有不同", "Linen shirt 亚麻衬衫 (轻薄)", "长12×宽8×高9 cm"):
        for anchor in (None, "mm", "ls"):
            ours = ink((600, 80), lambda d, t=text, a=anchor: line.draw(d, (300, 40), t, fill=255, anchor=a))
            pillow = ink((600, 80), lambda d, t=text, a=anchor: d.text((300, 40), t, font=font, fill=255, anchor=a))
            assert np.array_equal(ours, pillow)
        assert line.getlength(text) == font.getlength(text)
        assert line.getbbox(text, stroke_width=2) == font.getbbox(text, stroke_width=2)


def test_mixed_lines_share_a_baseline_and_their_measure():
    line = FONTS.at(40)
    text = "𠮷野家🔥 Hot ✨"
    assert [FONTS.faces[i].path.name for i, _ in FONTS.runs(text)] == [
        "NotoSansCJKsc-fallback.otf", "wqy-microhei.ttc", "NotoEmoji-Regular.ttf", "wqy-microhei.ttc",
        "NotoEmoji-Regular.ttf"]
    assert line.getlength(text) == pytest.approx(sum(line.font(i).getlength(r) for i, r in FONTS.runs(text)))
    drawn = ink((500, 100), lambda d: line.draw(d, (10, 20), text, fill=255))
    ys, xs = np.nonzero(drawn)
    left, top, right, bottom = line.getbbox(text, xy=(10, 20))
    assert left - 1 <= xs.min() and xs.max() < right + 1 and top - 1 <= ys.min() and ys.max() < bottom + 1
    # the ideographs of both CJK fonts stand on one baseline: their bottoms within a few pixels
    cols = {name: drawn[:, int(10 + a):int(10 + b)] for name, (a, b) in
            {"ext B": (0, line.getlength("𠮷")), "URO": (line.getlength("𠮷"), line.getlength("𠮷野家"))}.items()}
    bottoms = {k: np.nonzero(v.any(axis=1))[0].max() for k, v in cols.items()}
    assert abs(bottoms["ext B"] - bottoms["URO"]) <= 3


@settings(max_examples=80, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("亚麻衬衫柔软，。 abcXYZ-12🔥👍✨𠮷㐂")), min_size=1, max_size=50),
       st.integers(min_value=40, max_value=400))
def test_text_with_emoji_and_rare_cjk_wraps_within_the_width(text, width):
    line = FONTS.at(24)
    lines = wrap(text, line, width)
    assert all(line.getlength(ln) <= width or len(ln) == 1 for ln in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
