"""Profiles: the shop's rules in TOML, loaded into frozen dataclasses.

Unknown keys, wrong types, bad values and missing assets are ``ProfileError`` naming the
file and the key. Asset paths are relative to the profile file.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import ProfileError

def _shipped_dir() -> Path:
    beside = Path(__file__).resolve().parent.parent / "profiles"   # a checkout / editable install
    installed = Path(sys.prefix) / "share" / "imgkit" / "profiles"  # a plain pip install
    return beside if beside.is_dir() else installed


SHIPPED_DIR = _shipped_dir()
POSITIONS = ("top-left", "top-right", "bottom-left", "bottom-right", "center")
FORMATS = ("JPEG", "MPO", "PNG", "WEBP", "TIFF", "BMP", "GIF", "AVIF", "PSD", "JPEG2000")
#: bump when the rendering changes, so outputs made by an older imgkit are re-rendered
PIPELINE_VERSION = 1


def _check(ok: bool, expected: str):
    return None if ok else expected


@dataclass(frozen=True)
class Naming:
    template: str = "{item}-{index:02d}"
    start: int = field(default=1, metadata={"check": lambda v: _check(v >= 0, ">= 0")})
    item_pattern: str = r"^(?P<item>[A-Za-z]*\d+[A-Za-z0-9]*)"
    max_item_length: int = field(default=64, metadata={"check": lambda v: _check(1 <= v <= 128, "1..128")})


@dataclass(frozen=True)
class Input:
    formats: tuple[str, ...] = ("JPEG", "MPO", "PNG", "WEBP", "TIFF", "BMP", "AVIF")
    max_pixels: int = field(default=100_000_000, metadata={"check": lambda v: _check(v > 0, "> 0")})
    max_bytes: int = field(default=300_000_000, metadata={"check": lambda v: _check(v > 0, "> 0")})
    multi_frame: str = field(default="reject", metadata={"check": lambda v: _check(v in ("reject", "first"), "'reject' or 'first'")})


@dataclass(frozen=True)
class Detail:
    width: int = field(default=710, metadata={"check": lambda v: _check(16 <= v <= 10000, "16..10000")})
    allow_upscale: bool = False
    quality: int = field(default=90, metadata={"check": lambda v: _check(1 <= v <= 100, "1..100")})
    subsampling: str = field(default="4:2:0", metadata={"check": lambda v: _check(v in ("4:4:4", "4:2:2", "4:2:0"), "'4:4:4', '4:2:2' or '4:2:0'")})
    background: str = field(default="#ffffff", metadata={"check": lambda v: _check(bool(re.fullmatch(r"#[0-9a-fA-F]{6}", v)), "a colour like '#ffffff'")})
    # a JPEG is decoded at 1/2, 1/4 or 1/8 size as far as it stays decode_margin x width wide:
    # 2.0 keeps a clean Lanczos shrink (24 MP: 1/4); 1.0 is fastest (24 MP: 1/8), a little softer
    decode_margin: float = field(default=2.0, metadata={"check": lambda v: _check(1.0 <= v <= 8.0, "1.0..8.0")})


@dataclass(frozen=True)
class Watermark:
    image: str = ""
    text: str = ""
    font: str = ""
    opacity: float = field(default=0.6, metadata={"check": lambda v: _check(0 < v <= 1, "0 < opacity <= 1")})
    width: float = field(default=0.22, metadata={"check": lambda v: _check(0 < v <= 1, "a fraction of the image width, 0 < w <= 1")})
    position: str = field(default="bottom-right", metadata={"check": lambda v: _check(v in POSITIONS, " / ".join(POSITIONS))})
    margin: float = field(default=0.03, metadata={"check": lambda v: _check(0 <= v < 0.5, "0 <= margin < 0.5")})
    color: str = field(default="#ffffff", metadata={"check": lambda v: _check(bool(re.fullmatch(r"#[0-9a-fA-F]{6}", v)), "a colour like '#ffffff'")})


@dataclass(frozen=True)
class Master:
    enabled: bool = False


@dataclass(frozen=True)
class Backup:
    dir: str = ""


_COLOUR = {"check": lambda v: _check(bool(re.fullmatch(r"#[0-9a-fA-F]{6}", v)), "a colour like '#ffffff'")}
_PX = {"check": lambda v: _check(0 <= v <= 20000, "0..20000 px")}
BANNED_WORDS = ("试用", "官方", "唯一", "最优", "第一", "最佳", "顶级", "国家级", "极致",
                "試用", "最優", "頂級", "國家級", "極致")
LINK_TLDS = ("com", "cn", "net", "org", "cc", "co", "io", "me", "tv", "top", "vip", "xyz", "shop",
             "store", "site", "online", "info", "biz", "hk", "tw", "mobi", "wang", "ltd", "link")
LINK_WORDS = ("扫码", "掃碼", "扫一扫", "掃一掃", "二维码", "二維碼", "qr码", "qrcode", "qr code")


@dataclass(frozen=True)
class MainImage:
    """[main_image]: marketplace main image rules (S1 service image by default). Boxes are x, y, w, h px."""
    kind: str = field(default="service", metadata={"check": lambda v: _check(v in ("service", "product"), "'service' or 'product'")})
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
    background_rule: str = field(default="not-white", metadata={"check": lambda v: _check(v in ("not-white", "white", "any"), "'not-white', 'white' or 'any'")})
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
    text_color: str = field(default="auto", metadata={"check": lambda v: _check(v == "auto" or bool(re.fullmatch(r"#[0-9a-fA-F]{6}", v)), "'auto' or a colour like '#ffffff'")})
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
CCM_METHODS = ("diagonal", "matrix", "root-polynomial", "curve-matrix", "curve-root-polynomial")
AUTO_WHITE_BALANCE = ("off", "gray-world", "bright-neutral")


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


def _corners(v) -> tuple[Any, str | None]:
    """[colour] chart_corners: [] or four [x, y] pairs (pixels) in convex position."""
    expected = "[] or four [x, y] pixel pairs that form a convex quadrilateral"
    if v == []:
        return (), None
    num = lambda c: isinstance(c, (int, float)) and not isinstance(c, bool) and 0 <= c < 1e6  # noqa: E731
    if not (isinstance(v, list) and len(v) == 4 and all(isinstance(q, list) and len(q) == 2 and all(map(num, q)) for q in v)):
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
    watermark_min_width: float = field(default=0.08, metadata={"check": lambda v: _check(0.01 <= v <= 1, "0.01..1 of the width")})
    watermark_max_width: float = field(default=0.6, metadata={"check": lambda v: _check(0.01 <= v <= 1, "0.01..1 of the width")})
    require_facts: bool = False      # R7: the first image of every item carries the facts panel
    require_captions: bool = False   # R4: images 02..N carry a selling-point caption


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

    def columns(self) -> dict[str, tuple[str, ...]]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("file", "separator")}


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
    heading: str = field(default="{title}", metadata={"check": lambda v: _check(_heading_ok(v), "one line using only {title} and {item}")})
    heading_size: int = field(default=36, metadata={"check": lambda v: _check(8 <= v <= 400, "8..400 px")})
    heading_height: int = field(default=0, metadata={"check": lambda v: _check(0 <= v <= 2000, "0..2000 px (0: twice heading_size)")})
    heading_color: str = field(default="#222222", metadata=_COLOUR)
    sections: tuple[str, ...] = field(default=PAGE_SECTIONS, metadata={"check": lambda v: _check(
        "details" in v and len(set(v)) == len(v) and set(v) <= set(PAGE_SECTIONS), "'details' once, optionally 'heading' once")})
    quality: int = field(default=90, metadata={"check": lambda v: _check(1 <= v <= 100, "1..100")})
    in_build: bool = False

    @property
    def band(self) -> int:
        """Height of the heading band in px (0 when there is no heading)."""
        if "heading" not in self.sections or not self.heading:
            return 0
        return self.heading_height or 2 * self.heading_size


SECTIONS = {"naming": Naming, "input": Input, "detail": Detail, "watermark": Watermark,
            "master": Master, "backup": Backup, "main_image": MainImage, "colour": Colour,
            "validate": Validate, "sheet": Sheet, "facts": Facts, "captions": Captions, "mark": Marks, "page": Page}


@dataclass(frozen=True)
class Profile:
    name: str
    path: Path
    description: str = ""
    naming: Naming = Naming()
    input: Input = Input()
    detail: Detail = Detail()
    watermark: Watermark = Watermark()
    master: Master = Master()
    backup: Backup = Backup()
    main_image: MainImage = MainImage()  # not in the fingerprint: detail images ignore it
    colour: Colour = Colour()
    validate: Validate = Validate()  # not in the fingerprint: checks only, renders nothing
    # not in the fingerprint: they shape only decorated images, whose decoration key holds them
    sheet: Sheet = Sheet()
    facts: Facts = Facts()
    captions: Captions = Captions()
    mark: Marks = Marks()
    page: Page = Page()  # not in the fingerprint: the page renders no detail image
    fingerprint: str = ""

    def asset(self, rel: str) -> Path:
        return (self.path.parent / rel).resolve()


def shipped() -> dict[str, Path]:
    """Shipped profile names mapped to their files."""
    return {p.stem: p for p in sorted(SHIPPED_DIR.glob("*.toml"))}


def resolve(spec: str) -> Path:
    """``-p`` takes a shipped name or a path."""
    if spec in shipped():
        return shipped()[spec]
    path = Path(spec)
    if path.suffix == ".toml" or path.exists():
        return path
    names = ", ".join(shipped()) or "none"
    raise ProfileError(f"profile {spec!r}: no such file and not a shipped profile (shipped: {names})")


def load(spec: str = "default") -> Profile:
    path = resolve(spec)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"{path}: profile file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: cannot read profile ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML ({exc})") from None
    top = {"name": str, "description": str}
    for key in data:
        if key not in top and key not in SECTIONS:
            raise ProfileError(f"{path}: unknown key {key!r} (known: {', '.join([*top, *SECTIONS])})")
    for key, typ in top.items():
        if key in data and not isinstance(data[key], typ):
            raise ProfileError(f"{path}: {key} must be a string")
    parts = {}
    for name, cls in SECTIONS.items():
        raw = data.get(name, {})
        if not isinstance(raw, dict):
            raise ProfileError(f"{path}: {name} must be a table ([{name}])")
        parts[name] = _section(cls, raw, name, path)
    profile = Profile(name=data.get("name", path.stem), path=path.resolve(),
                      description=data.get("description", ""), **parts)
    _validate(profile)
    _validate_page(profile)
    return _with_fingerprint(profile)


_TYPES = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}


def _section(cls, raw: dict[str, Any], name: str, path: Path):
    known = {f.name: f for f in fields(cls)}
    values = {}
    for key, value in raw.items():
        if key not in known:
            raise ProfileError(f"{path}: unknown key [{name}] {key!r} (known: {', '.join(known)})")
        f = known[key]
        typ = {"int": int, "float": float, "str": str, "bool": bool}.get(f.type, tuple)
        if "parse" in f.metadata:   # a key with its own shape, e.g. [colour] chart_corners
            value, problem = f.metadata["parse"](value)
            if problem:
                raise ProfileError(f"{path}: [{name}] {key} must be {problem}, got {value!r}")
        elif typ is tuple:
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise ProfileError(f"{path}: [{name}] {key} must be a list of strings, got {value!r}")
            value = tuple(value)
        elif typ is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        elif not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
            raise ProfileError(f"{path}: [{name}] {key} must be {_TYPES[typ]}, got {value!r}")
        check = f.metadata.get("check")
        problem = check(value) if check else None
        if problem:
            raise ProfileError(f"{path}: [{name}] {key} = {value!r} is out of range (expected {problem})")
        values[key] = value
    return cls(**values)


def _validate(p: Profile) -> None:
    where = p.path
    try:
        sample = p.naming.template.format(item="A1023", index=1)
    except (KeyError, IndexError, ValueError) as exc:
        raise ProfileError(f"{where}: [naming] template {p.naming.template!r} is not valid ({exc})") from None
    if "{item" not in p.naming.template or "{index" not in p.naming.template or "/" in sample:
        raise ProfileError(f"{where}: [naming] template must use {{item}} and {{index}} and no '/'")
    try:
        if "item" not in re.compile(p.naming.item_pattern).groupindex:
            raise ProfileError(f"{where}: [naming] item_pattern needs a group named 'item': (?P<item>...)")
    except re.error as exc:
        raise ProfileError(f"{where}: [naming] item_pattern is not a valid regex ({exc})") from None
    for fmt in p.input.formats:
        if fmt not in FORMATS:
            raise ProfileError(f"{where}: [input] formats: unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    wm = p.watermark
    if wm.image and wm.text:
        raise ProfileError(f"{where}: [watermark] set either image or text, not both")
    for key in ("image", "font"):
        rel = getattr(wm, key)
        if rel and not p.asset(rel).is_file():
            raise ProfileError(f"{where}: [watermark] {key}: asset {p.asset(rel)} not found")
    _validate_main_image(p)
    facts = p.facts
    for name in facts.fields:
        if name not in FACT_FIELDS:
            raise ProfileError(f"{where}: [facts] fields: unknown field {name!r} (known: {', '.join(FACT_FIELDS)})")
    if len(facts.labels) != len(facts.fields):
        raise ProfileError(f"{where}: [facts] labels must name each of the {len(facts.fields)} fields, "
                           f"got {len(facts.labels)}")


def _validate_main_image(p: Profile) -> None:
    m, where = p.main_image, p.path
    for fmt in m.formats:
        if fmt not in ("PNG", "JPEG"):
            raise ProfileError(f"{where}: [main_image] formats: unknown format {fmt!r} (known: PNG, JPEG)")
    if m.format not in m.formats:
        raise ProfileError(f"{where}: [main_image] format {m.format!r} is not among its formats {list(m.formats)}")
    if m.square and m.width != m.height:
        raise ProfileError(f"{where}: [main_image] square = true but width {m.width} != height {m.height}")
    if m.kind != "service":
        return
    boxes = {name: m.box(name) for name in ("logo", "company", "copy")}
    for name, (x, y, w, h) in boxes.items():
        if w < 1 or h < 1 or x + w > m.width or y + h > m.height:
            raise ProfileError(f"{where}: [main_image] {name}_x/y/width/height = {x},{y},{w},{h} "
                               f"must be a non-empty box inside the {m.width}x{m.height} canvas")
    for a, b in (("logo", "company"), ("logo", "copy"), ("company", "copy")):
        (ax, ay, aw, ah), (bx, by, bw, bh) = boxes[a], boxes[b]
        if ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah:
            raise ProfileError(f"{where}: [main_image] the {a} box and the {b} box overlap")


def _validate_page(p: Profile) -> None:
    g, where = p.page, p.path
    if 2 * g.margin >= g.width:
        raise ProfileError(f"{where}: [page] margin {g.margin} leaves no room in a {g.width} px page")
    if g.band + 2 * g.margin > g.slice_height:
        raise ProfileError(f"{where}: [page] the heading band ({g.band} px) and margins must fit "
                           f"in one slice (slice_height = {g.slice_height})")


def _with_fingerprint(p: Profile) -> Profile:
    """Hash of everything that shapes an output, assets included, so a change re-renders."""
    h = hashlib.sha256(str(PIPELINE_VERSION).encode())
    for name in ("naming", "input", "detail", "watermark", "master", "colour"):
        h.update(json.dumps({name: asdict(getattr(p, name))}, sort_keys=True).encode())
    for rel in (p.watermark.image, p.watermark.font):
        if rel:
            h.update(p.asset(rel).read_bytes())
    return Profile(**{**{f.name: getattr(p, f.name) for f in fields(p)}, "fingerprint": h.hexdigest()[:16]})
