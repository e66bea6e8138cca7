"""The sections of a profile (``[naming]``, ``[detail]``, ``[watermark]``, …): frozen
dataclasses with their defaults and per-key checks. ``imgkit.profile`` loads TOML into them,
validates across keys and fingerprints them; import them from there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any

POSITIONS = ("top-left", "top-right", "bottom-left", "bottom-right", "center")
FORMATS = ("JPEG", "MPO", "PNG", "WEBP", "TIFF", "BMP", "GIF", "AVIF", "PSD", "JPEG2000")


def _check(ok: bool, expected: str):
    return None if ok else expected


@dataclass(frozen=True)
class Naming:
    template: str = "{item}-{index:02d}"
    start: int = field(default=1, metadata={"check": lambda v: _check(v >= 0, ">= 0")})
    item_pattern: str = r"^(?P<item>[A-Za-z]*\d+[A-Za-z0-9]*)"
    #: how new photos of an item are numbered: natural file-name order, or capture time then name
    order: str = field(default="name", metadata={"check": lambda v: _check(v in ("name", "capture"),
                                                                            "'name' or 'capture'")})
    max_item_length: int = field(default=64, metadata={"check": lambda v: _check(1 <= v <= 128, "1..128")})


@dataclass(frozen=True)
class Input:
    formats: tuple[str, ...] = ("JPEG", "MPO", "PNG", "WEBP", "TIFF", "BMP", "AVIF")
    max_pixels: int = field(default=100_000_000, metadata={"check": lambda v: _check(v > 0, "> 0")})
    max_bytes: int = field(default=300_000_000, metadata={"check": lambda v: _check(v > 0, "> 0")})
    multi_frame: str = field(default="reject", metadata={"check": lambda v: _check(
        v in ("reject", "first"), "'reject' or 'first'")})


@dataclass(frozen=True)
class Detail:
    width: int = field(default=710, metadata={"check": lambda v: _check(16 <= v <= 10000, "16..10000")})
    allow_upscale: bool = False
    quality: int = field(default=90, metadata={"check": lambda v: _check(1 <= v <= 100, "1..100")})
    subsampling: str = field(default="4:2:0", metadata={"check": lambda v: _check(
        v in ("4:4:4", "4:2:2", "4:2:0"), "'4:4:4', '4:2:2' or '4:2:0'")})
    background: str = field(default="#ffffff", metadata={"check": lambda v: _check(
        bool(re.fullmatch(r"#[0-9a-fA-F]{6}", v)), "a colour like '#ffffff'")})
    # a JPEG is decoded at 1/2, 1/4 or 1/8 size as far as it stays decode_margin x width wide:
    # 2.0 keeps a clean Lanczos shrink (24 MP: 1/4); 1.0 is fastest (24 MP: 1/8), a little softer
    decode_margin: float = field(default=2.0, metadata={"check": lambda v: _check(1.0 <= v <= 8.0, "1.0..8.0")})


@dataclass(frozen=True)
class Watermark:
    """[watermark]: the shop's own mark on every detail image (R2). ``enabled = false`` is the
    only way to build without it, and ``imgkit validate`` then fails the tree (watermark.disabled)."""
    enabled: bool = True
    image: str = ""
    text: str = ""
    font: str = ""
    opacity: float = field(default=0.6, metadata={"check": lambda v: _check(0 < v <= 1, "0 < opacity <= 1")})
    width: float = field(default=0.22, metadata={"check": lambda v: _check(
        0 < v <= 1, "a fraction of the image width, 0 < w <= 1")})
    position: str = field(default="bottom-right", metadata={"check": lambda v: _check(
        v in POSITIONS, " / ".join(POSITIONS))})
    margin: float = field(default=0.03, metadata={"check": lambda v: _check(0 <= v < 0.5, "0 <= margin < 0.5")})
    color: str = field(default="#ffffff", metadata={"check": lambda v: _check(
        bool(re.fullmatch(r"#[0-9a-fA-F]{6}", v)), "a colour like '#ffffff'")})


@dataclass(frozen=True)
class Master:
    enabled: bool = False


@dataclass(frozen=True)
class Backup:
    dir: str = ""


_COLOUR = {"check": lambda v: _check(bool(re.fullmatch(r"#[0-9a-fA-F]{6}", v)), "a colour like '#ffffff'")}
_PX = {"check": lambda v: _check(0 <= v <= 20000, "0..20000 px")}
#: banned on main images (S1) and, by default, warned about in captions and facts: S1's words
#: and the absolute terms China's Advertising Law (art. 9 (3): 国家级, 最高级, 最佳 "and the
#: like") is enforced with, fines from 200,000 yuan; traditional forms too
BANNED_WORDS = ("试用", "官方", "唯一", "最优", "第一", "最佳", "顶级", "国家级", "极致",
                "試用", "最優", "頂級", "國家級", "極致",
                "全网最低", "最低价", "史上最低", "最便宜", "最高级", "最好", "最大", "最先进", "国际级",
                "世界级", "宇宙级", "极品", "极佳", "绝佳", "终极", "万能", "独家", "首家", "首个", "首选",
                "顶尖", "至尊", "巅峰", "王牌", "销量冠军", "领袖品牌", "独一无二", "绝无仅有", "史无前例",
                "前无古人", "空前绝后", "无与伦比", "世界领先", "全球领先", "遥遥领先", "百分百", "绝对",
                "全網最低", "最低價", "最高級", "國際級", "世界級", "極品", "極佳", "終極", "萬能", "獨家",
                "首選", "頂尖", "銷量冠軍", "獨一無二", "絕無僅有", "無與倫比", "世界領先", "絕對")
LINK_TLDS = ("com", "cn", "net", "org", "cc", "co", "io", "me", "tv", "top", "vip", "xyz", "shop",
             "store", "site", "online", "info", "biz", "hk", "tw", "mobi", "wang", "ltd", "link")
LINK_WORDS = ("扫码", "掃碼", "扫一扫", "掃一掃", "二维码", "二維碼", "qr码", "qrcode", "qr code")


@dataclass(frozen=True)
class MainImage:
    """[main_image]: marketplace main image rules (S1 service image by default). Boxes are x, y, w, h px."""
    kind: str = field(default="service", metadata={"check": lambda v: _check(
        v in ("service", "product"), "'service' or 'product'")})
    width: int = field(default=400, metadata={"check": lambda v: _check(16 <= v <= 10000, "16..10000")})
    height: int = field(default=400, metadata={"check": lambda v: _check(16 <= v <= 10000, "16..10000")})
    exact_size: bool = True
    square: bool = True
    min_side: int = field(default=0, metadata=_PX)
    min_long_side: int = field(default=0, metadata=_PX)
    format: str = field(default="PNG", metadata={"check": lambda v: _check(v in ("PNG", "JPEG"), "'PNG' or 'JPEG'")})
    quality: int = field(default=92, metadata={"check": lambda v: _check(1 <= v <= 100, "1..100")})
    formats: tuple[str, ...] = ("PNG", "JPEG")
    max_bytes: int = field(default=3_000_000, metadata={"check": lambda v: _check(v > 0, "> 0")})
    background: str = field(default="#1f4e8c", metadata=_COLOUR)
    background_rule: str = field(default="not-white", metadata={"check": lambda v: _check(
        v in ("not-white", "white", "any"), "'not-white', 'white' or 'any'")})
    white_delta_e: float = field(default=12.0, metadata={"check": lambda v: _check(0 <= v <= 100, "0..100 (ΔE*ab)")})
    tolerance: float = field(default=3.0, metadata={"check": lambda v: _check(0 < v <= 50, "0 < ΔE*ab <= 50")})
    coverage: float = field(default=0.99, metadata={"check": lambda v: _check(0.5 <= v <= 1, "0.5..1")})
    ring: int = field(default=6, metadata={"check": lambda v: _check(1 <= v <= 200, "1..200 px")})
    logo_x: int = field(default=70, metadata=_PX)
    logo_y: int = field(default=18, metadata=_PX)
    logo_width: int = field(default=260, metadata=_PX)
    logo_height: int = field(default=260, metadata=_PX)
    company_x: int = field(default=24, metadata=_PX)
    company_y: int = field(default=290, metadata=_PX)
    company_width: int = field(default=352, metadata=_PX)
    company_height: int = field(default=46, metadata=_PX)
    copy_x: int = field(default=24, metadata=_PX)
    copy_y: int = field(default=346, metadata=_PX)
    copy_width: int = field(default=352, metadata=_PX)
    copy_height: int = field(default=36, metadata=_PX)
    font: str = ""
    font_index: int = field(default=0, metadata={"check": lambda v: _check(0 <= v <= 64, "0..64")})
    font_fallback: bool = True
    text_color: str = field(default="auto", metadata={"check": lambda v: _check(
        v == "auto" or bool(re.fullmatch(r"#[0-9a-fA-F]{6}", v)), "'auto' or a colour like '#ffffff'")})
    min_font_px: int = field(default=14, metadata={"check": lambda v: _check(6 <= v <= 200, "6..200")})
    stroke_width: int = field(default=0, metadata={"check": lambda v: _check(0 <= v <= 20, "0..20 px")})
    stroke_color: str = field(default="#000000", metadata=_COLOUR)
    shadow_offset: int = field(default=0, metadata={"check": lambda v: _check(0 <= v <= 20, "0..20 px")})
    shadow_color: str = field(default="#000000", metadata=_COLOUR)
    shadow_opacity: float = field(default=0.5, metadata={"check": lambda v: _check(0 < v <= 1, "0 < opacity <= 1")})
    copy_max_chars: int = field(default=10, metadata={"check": lambda v: _check(1 <= v <= 200, "1..200")})
    count_spaces: bool = False
    count_punctuation: bool = True
    banned_words: tuple[str, ...] = BANNED_WORDS
    link_tlds: tuple[str, ...] = LINK_TLDS
    link_words: tuple[str, ...] = LINK_WORDS
    logo_min_px: int = field(default=130, metadata=_PX)
    logo_min_short_px: int = field(default=40, metadata=_PX)
    fill: float = field(default=0.85, metadata={"check": lambda v: _check(0.1 <= v <= 1, "0.1..1")})
    min_fill: float = field(default=0.0, metadata={"check": lambda v: _check(0 <= v <= 1, "0..1")})
    clean_delta_e: float = field(default=10.0, metadata={"check": lambda v: _check(0 < v <= 50, "0 < ΔE*ab <= 50")})

    def box(self, name: str) -> tuple[int, int, int, int]:
        """``name`` is logo, company or copy: (x, y, w, h) in pixels."""
        return tuple(getattr(self, f"{name}_{k}") for k in ("x", "y", "width", "height"))


#: the fits of :mod:`imgkit.core.ccm` (its ``METHODS``; named here so profiles load without numpy)
CCM_METHODS = ("diagonal", "matrix", "root-polynomial", "curve-matrix", "curve-root-polynomial", "gamma-matrix",
               "gamma-root-polynomial")
AUTO_WHITE_BALANCE = ("off", "gray-world", "bright-neutral")
#: whose brightness a chart's correction keeps (:mod:`imgkit.colour.highlights` ``EXPOSURES``)
EXPOSURES = ("auto", "chart", "photo")


@dataclass(frozen=True)
class Colour:
    """[colour]: colour-cast correction (R8) from a chart photo shot in the session."""
    chart_patterns: tuple[str, ...] = ("*chart*", "*colorchecker*", "*colourchecker*",
                                       "*color-checker*", "*colour-checker*", "*色卡*")
    calibration_folder: str = "_calibration"
    reference: str = "colorchecker24"
    max_delta_e: float = field(default=3.0, metadata={"check": lambda v: _check(0 < v <= 50, "0 < ΔE2000 <= 50")})
    # fixed set-up: the chart's four outer corners [[x, y], ...] (px after EXIF orientation, any
    # order), used when detection finds no chart in a chart photo; () = none
    chart_corners: tuple[tuple[float, float], ...] = field(default=(), metadata={"parse": lambda v: _corners(v)})
    methods: tuple[str, ...] = field(default=CCM_METHODS, metadata={"check": lambda v: _check(
        len(v) >= 1 and set(v) <= set(CCM_METHODS), f"one or more of {', '.join(CCM_METHODS)}")})
    auto_white_balance: str = field(default="off", metadata={"check": lambda v: _check(
        v in AUTO_WHITE_BALANCE, " or ".join(repr(a) for a in AUTO_WHITE_BALANCE))})
    # highlights kept: the chart's brightness ("chart"), the photo's ("photo"), or per photo the
    # chart's unless it would take more than max_clip_growth of the photo past white ("auto")
    exposure: str = field(default="auto", metadata={"check": lambda v: _check(
        v in EXPOSURES, " or ".join(repr(a) for a in EXPOSURES))})
    # corrected values (linear light) above this roll off instead of clipping (0.9: the chart's
    # white patch is not touched); 1 = plain clipping
    highlight_knee: float = field(default=0.9, metadata={"check": lambda v: _check(0.5 <= v <= 1, "0.5..1")})
    # share of a photo the correction may newly clip before "auto" lowers the brightness and a
    # note (and a warning: line) says so
    max_clip_growth: float = field(default=0.02, metadata={"check": lambda v: _check(0 <= v <= 1, "0..1")})


def _corners(v) -> tuple[Any, str | None]:
    """[colour] chart_corners: [] or four [x, y] pairs (pixels) in convex position."""
    expected = "[] or four [x, y] pixel pairs that form a convex quadrilateral"
    if v == []:
        return (), None
    num = lambda c: isinstance(c, (int, float)) and not isinstance(c, bool) and 0 <= c < 1e6  # noqa: E731
    if not (isinstance(v, list) and len(v) == 4
            and all(isinstance(q, list) and len(q) == 2 and all(map(num, q)) for q in v)):
        return v, expected
    pts = tuple((float(x), float(y)) for x, y in v)

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
    # convex position: no point inside (or on) the triangle of the other three, and some area
    for i in range(4):
        a, b, c = (pts[j] for j in range(4) if j != i)
        d = [cross(a, b, pts[i]), cross(b, c, pts[i]), cross(c, a, pts[i])]
        if all(x >= 0 for x in d) or all(x <= 0 for x in d):
            return v, expected
    return pts, None


@dataclass(frozen=True)
class Validate:
    """[validate]: what ``imgkit validate`` and the report hold a finished tree to (R1-R4, R9)."""
    min_per_item: int = field(default=5, metadata={"check": lambda v: _check(0 <= v <= 1000, "0..1000")})
    sla_days: float = field(default=3.0, metadata={"check": lambda v: _check(0 < v <= 365, "0 < days <= 365")})
    extensions: tuple[str, ...] = ("jpg", "jpeg")
    formats: tuple[str, ...] = ("JPEG",)
    max_file_bytes: int = field(default=3_000_000, metadata={"check": lambda v: _check(v > 0, "> 0")})
    min_height: int = field(default=100, metadata={"check": lambda v: _check(1 <= v <= 65500, "1..65500")})
    max_height: int = field(default=2000, metadata={"check": lambda v: _check(1 <= v <= 65500, "1..65500")})
    watermark_min_score: float = field(default=0.82, metadata={"check": lambda v: _check(0 < v < 1, "0 < score < 1")})
    watermark_min_width: float = field(default=0.08, metadata={"check": lambda v: _check(
        0.01 <= v <= 1, "0.01..1 of the width")})
    watermark_max_width: float = field(default=0.6, metadata={"check": lambda v: _check(
        0.01 <= v <= 1, "0.01..1 of the width")})
    require_facts: bool = False      # R7: the first image of every item carries the facts panel
    require_captions: bool = False   # R4: images 02..N carry a selling-point caption
    read_text: bool = False          # OCR and QR search on detail images (main images are always read)
    require_chart: bool = False      # R8: a colour chart calibrated every image


@dataclass(frozen=True)
class Sheet:
    """[sheet]: the product sheet (items.csv) and the header names each column may carry."""
    file: str = "items.csv"              # in SRC; `--items FILE` overrides; "" = none
    separator: str = field(default="|", metadata={"check": lambda v: _check(len(v) >= 1, "a non-empty string")})
    item: tuple[str, ...] = ("item", "货号", "款号", "商品编号", "item_no")
    name: tuple[str, ...] = ("name", "品名", "商品名称", "名称")
    colour: tuple[str, ...] = ("colour", "color", "颜色")
    fabric: tuple[str, ...] = ("fabric", "面料", "材质")
    size: tuple[str, ...] = ("size", "尺码")
    dimensions: tuple[str, ...] = ("dimensions", "尺寸", "规格")
    note: tuple[str, ...] = ("note", "说明", "备注")
    selling_points: tuple[str, ...] = ("selling_points", "卖点")
    # [main_image] banned_words in captions and facts: a warning line ("warn"), exit 2 naming the
    # line, item, field and word ("refuse"), or not looked for ("off")
    banned_words: str = field(default="warn", metadata={"check": lambda v: _check(
        v in ("warn", "refuse", "off"), "'warn', 'refuse' or 'off'")})

    def columns(self) -> dict[str, tuple[str, ...]]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("file", "separator",
                                                                                       "banned_words")}


FACT_FIELDS = ("name", "item", "colour", "fabric", "size", "dimensions", "note")
_LAYOUT = {"check": lambda v: _check(v in ("band", "overlay"), "'band' or 'overlay'")}
_FONT_PX = {"check": lambda v: _check(8 <= v <= 200, "8..200 px")}


@dataclass(frozen=True)
class Facts:
    """[facts]: the facts panel on each item's first detail image (R6, R7)."""
    enabled: bool = True
    layout: str = field(default="band", metadata=_LAYOUT)   # band: below the photo; overlay: over its foot
    fields: tuple[str, ...] = ("name", "item", "colour", "fabric", "size", "dimensions", "note")
    labels: tuple[str, ...] = ("品名", "货号", "颜色", "面料", "尺码", "尺寸", "说明")
    font_size: int = field(default=24, metadata=_FONT_PX)
    title_size: int = field(default=32, metadata=_FONT_PX)   # the first field, set larger
    padding: int = field(default=28, metadata={"check": lambda v: _check(0 <= v <= 200, "0..200 px")})
    line_spacing: float = field(default=1.45, metadata={"check": lambda v: _check(1 <= v <= 3, "1..3")})
    background: str = field(default="#f5f2ed", metadata=_COLOUR)
    text_color: str = field(default="#222222", metadata=_COLOUR)
    label_color: str = field(default="#8a8178", metadata=_COLOUR)
    opacity: float = field(default=0.85, metadata={"check": lambda v: _check(0 < v <= 1, "0 < opacity <= 1")})


@dataclass(frozen=True)
class Captions:
    """[captions]: selling-point captions on detail images 02..N (R4)."""
    enabled: bool = True
    layout: str = field(default="band", metadata=_LAYOUT)
    font_size: int = field(default=30, metadata=_FONT_PX)
    padding: int = field(default=20, metadata={"check": lambda v: _check(0 <= v <= 200, "0..200 px")})
    background: str = field(default="#2b2b2b", metadata=_COLOUR)
    text_color: str = field(default="#ffffff", metadata=_COLOUR)
    opacity: float = field(default=0.8, metadata={"check": lambda v: _check(0 < v <= 1, "0 < opacity <= 1")})


@dataclass(frozen=True)
class Marks:
    """[mark]: the sold-out label ``imgkit mark`` sets on detail images (R11)."""
    label: str = "已售罄"
    font_size: int = field(default=44, metadata=_FONT_PX)
    background: str = field(default="#c62828", metadata=_COLOUR)
    text_color: str = field(default="#ffffff", metadata=_COLOUR)
    opacity: float = field(default=0.9, metadata={"check": lambda v: _check(0 < v <= 1, "0 < opacity <= 1")})


PAGE_SECTIONS = ("heading", "details")


def _heading_ok(v: str) -> bool:
    try:
        v.format(title="T", item="A1023")
    except (KeyError, IndexError, ValueError):
        return False
    return "\n" not in v


@dataclass(frozen=True)
class Page:
    """[page]: the description page (R5), one template per shop: the detail images on one long
    canvas, cut into upload slices (``imgkit page``; in ``build`` too with ``in_build``)."""
    width: int = field(default=750, metadata={"check": lambda v: _check(100 <= v <= 5000, "100..5000 px")})
    slice_height: int = field(default=1500, metadata={"check": lambda v: _check(100 <= v <= 20000, "100..20000 px")})
    margin: int = field(default=20, metadata={"check": lambda v: _check(0 <= v <= 1000, "0..1000 px")})
    spacing: int = field(default=20, metadata={"check": lambda v: _check(0 <= v <= 1000, "0..1000 px")})
    background: str = field(default="#ffffff", metadata=_COLOUR)
    heading: str = field(default="{title}", metadata={"check": lambda v: _check(
        _heading_ok(v), "one line using only {title} and {item}")})
    heading_size: int = field(default=36, metadata={"check": lambda v: _check(8 <= v <= 400, "8..400 px")})
    heading_height: int = field(default=0, metadata={"check": lambda v: _check(
        0 <= v <= 2000, "0..2000 px (0: twice heading_size)")})
    heading_color: str = field(default="#222222", metadata=_COLOUR)
    sections: tuple[str, ...] = field(default=PAGE_SECTIONS, metadata={"check": lambda v: _check(
        "details" in v and len(set(v)) == len(v) and set(v) <= set(PAGE_SECTIONS),
        "'details' once, optionally 'heading' once")})
    quality: int = field(default=90, metadata={"check": lambda v: _check(1 <= v <= 100, "1..100")})
    in_build: bool = False

    @property
    def band(self) -> int:
        """Height of the heading band in px (0 when there is no heading)."""
        if "heading" not in self.sections or not self.heading:
            return 0
        return self.heading_height or 2 * self.heading_size


PLATFORMS = ("taobao", "tmall", "jd", "pdd", "amazon", "shopify")
_BYTES = {"check": lambda v: _check(0 <= v <= 50_000_000, "0..50,000,000 bytes (0: no limit)")}
_SIDE = {"check": lambda v: _check(0 <= v <= 10000, "0..10000 px (0: no limit)")}


@dataclass(frozen=True)
class Export:
    """[export]: one marketplace's listing pack (``imgkit export OUT --for NAME``, checked by
    ``imgkit validate OUT/export/NAME -p NAME``). The shop's profile still decides decode, colour
    and the watermark; this section decides sizes, counts, names, byte caps and where the mark
    may go. A profile without ``platform`` is not an export profile. Sizes in px, bytes in bytes."""
    platform: str = field(default="", metadata={"check": lambda v: _check(
        v in ("", *PLATFORMS), "one of " + ", ".join(PLATFORMS))})
    source: str = ""                 # where the numbers come from (the platform's page, as copied)
    #: "item": <ITEM>/main/<ITEM>-main-NN + <ITEM>/detail/<ITEM>-detail-NN; "flat": <KEY>.MAIN,
    #: <KEY>.PT01.. in one folder (Amazon's bulk upload); "item-flat": <ITEM>/<ITEM>-NN (Shopify)
    layout: str = field(default="item", metadata={"check": lambda v: _check(
        v in ("item", "flat", "item-flat"), "'item', 'flat' or 'item-flat'")})
    key_columns: tuple[str, ...] = ()  # "flat": the sheet columns naming the files (e.g. asin, sku)
    format: str = field(default="JPEG", metadata={"check": lambda v: _check(v in ("JPEG", "WEBP"), "'JPEG' or 'WEBP'")})
    # main (carousel) images: square, made at main_size, at most main_count per item
    main_size: int = field(default=800, metadata={"check": lambda v: _check(100 <= v <= 10000, "100..10000 px")})
    main_min_side: int = field(default=0, metadata=_SIDE)
    main_max_side: int = field(default=0, metadata=_SIDE)
    main_count: int = field(default=5, metadata={"check": lambda v: _check(1 <= v <= 20, "1..20")})
    main_max_bytes: int = field(default=3_000_000, metadata=_BYTES)
    main_watermark: bool = True      # the shop's mark on the main images that are not the white one
    # the white-background image (白底图, JD's first, Amazon MAIN): which main image it is, 1-based; 0: none
    white_index: int = field(default=0, metadata={"check": lambda v: _check(0 <= v <= 20, "0..20")})
    white_min_bytes: int = field(default=0, metadata=_BYTES)
    white_max_bytes: int = field(default=0, metadata=_BYTES)   # 0: main_max_bytes
    white_fill: float = field(default=0.8, metadata={"check": lambda v: _check(0.1 <= v <= 1, "0.1..1")})
    white_min_fill: float = field(default=0.0, metadata={"check": lambda v: _check(0 <= v <= 1, "0..1")})
    white_min_product: int = field(default=0, metadata=_SIDE)  # the product's box, longer side, at least
    white_purity: float = field(default=0.98, metadata={"check": lambda v: _check(0.5 <= v <= 1, "0.5..1")})
    white_band: float = field(default=0.02, metadata={"check": lambda v: _check(0.005 <= v <= 0.2, "0.005..0.2")})
    # optional 3:4 main images (Taobao 750x1000); 0: none
    tall_width: int = field(default=0, metadata=_SIDE)
    tall_height: int = field(default=0, metadata=_SIDE)
    # the description: the detail images on one page, cut in slices (uses [page] for margins)
    detail_width: int = field(default=750, metadata={"check": lambda v: _check(0 <= v <= 5000, "0..5000 px (0: none)")})
    detail_min_width: int = field(default=0, metadata=_SIDE)
    detail_max_width: int = field(default=0, metadata=_SIDE)
    detail_slice_height: int = field(default=1500, metadata={"check": lambda v: _check(100 <= v <= 20000,
                                                                                       "100..20000 px")})
    detail_max_bytes: int = field(default=3_000_000, metadata=_BYTES)
    detail_max_count: int = field(default=0, metadata={"check": lambda v: _check(0 <= v <= 200, "0..200 (0: any)")})
    detail_watermark: bool = True
    # byte budgets: the JPEG quality is searched per image between these, never below the floor
    quality_max: int = field(default=92, metadata={"check": lambda v: _check(1 <= v <= 100, "1..100")})
    quality_min: int = field(default=60, metadata={"check": lambda v: _check(1 <= v <= 100, "1..100")})
    ssim_floor: float = field(default=0.97, metadata={"check": lambda v: _check(0.5 <= v <= 1, "0.5..1")})
    text_banned: bool = True         # no text (OCR) on the white-background image
