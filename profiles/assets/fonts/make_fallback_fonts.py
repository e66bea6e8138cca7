"""Make the fallback fonts shipped in this folder (run by hand; needs fontTools, not imgkit).

- ``NotoSansCJKsc-fallback.otf``: Noto Sans CJK SC Regular (Debian ``fonts-noto-cjk``,
  /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc, face 2), cut down to the code points
  WenQuanYi Micro Hei lacks or draws empty (℃, pinyin ǎ ǐ ǒ ǔ ǘ ǚ ǜ …): CJK extension A,
  the extension B-G characters Noto carries, radicals, strokes, compatibility ideographs, CJK
  symbols. OFL 1.1 allows subsetting.
- ``NotoEmoji-Regular.ttf``: Noto Emoji (monochrome outlines) from the PyPI package
  ``manimgx-fonts`` (``manimgx_fonts/NotoEmoji[wght].ttf``, unmodified Noto Emoji 3.002),
  instanced at weight 400 (a static font, smaller; OFL 1.1).

    python -m venv /tmp/ft && /tmp/ft/bin/pip install fonttools
    /tmp/ft/bin/python make_fallback_fonts.py NotoSansCJK-Regular.ttc NotoEmoji[wght].ttf
"""

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont
from fontTools.varLib.instancer import instantiateVariableFont

HERE = Path(__file__).parent


def drawn_by_wqy() -> set[int]:
    """Code points WenQuanYi Micro Hei has a glyph with an outline for: it maps 28 visible ones
    (ǎ ǐ ǒ ǔ ǘ ǚ ǜ ˊ ˋ ℃ ℉ Å Ⅴ Ⅹ ∼ …) to empty glyphs, so those come from Noto too."""
    wqy = TTCollection(str(HERE / "wqy-microhei.ttc")).fonts[0]
    glyf = wqy["glyf"]
    return {c for c, name in wqy.getBestCmap().items() if glyf[name].numberOfContours != 0}


def cjk_fallback(noto_ttc: str) -> None:
    wqy = drawn_by_wqy()
    font = TTCollection(noto_ttc).fonts[2]                       # Noto Sans CJK SC
    wanted = sorted(set(font.getBestCmap()) - wqy)
    options = subset.Options()
    options.layout_features = ["vert", "vrt2", "locl"]
    options.name_IDs = ["*"]
    options.notdef_outline = True                                # keep the .notdef box: tofu stays detectable
    sub = subset.Subsetter(options)
    sub.populate(unicodes=wanted)
    sub.subset(font)
    for record in font["name"].names:                            # say what this is; 'Source' is not used
        if record.nameID in (1, 4, 16):
            record.string = "Noto Sans CJK SC Fallback"
        elif record.nameID == 6:
            record.string = "NotoSansCJKsc-Fallback"
    font.save(str(HERE / "NotoSansCJKsc-fallback.otf"))
    print(f"NotoSansCJKsc-fallback.otf: {len(wanted)} code points")


def emoji(noto_emoji_variable: str) -> None:
    font = instantiateVariableFont(TTFont(noto_emoji_variable), {"wght": 400})
    font.save(str(HERE / "NotoEmoji-Regular.ttf"))
    print(f"NotoEmoji-Regular.ttf: {len(font.getBestCmap())} code points")


if __name__ == "__main__":
    cjk_fallback(sys.argv[1])
    emoji(sys.argv[2])
