"""The marketplace pack's rules (``[export]`` of the platform's profile): pure functions over the
facts ``pack_validate`` measured, registered in ``PACK_RULES`` like ``rules.RULES``.

Sizes, bytes, counts, names, sRGB JPEG, and for the white-background image (白底图, JD's first,
Amazon MAIN) white purity, fill and product size; no shop watermark where the platform bans it
and no text on the white-background image.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from imgkit.checks.facts import Context, FileFacts, ItemFacts, Rule
from imgkit.checks.pack import DETAIL, MAIN, TALL, WHITE
from imgkit.findings import ERROR, WARNING, Finding

WHITE_TOLERANCE = 8   # a pixel within 8 levels of 255 in every channel is background for the product's box
#: share of the margin that must be exactly 255 when the product comes within a JPEG MCU of every edge
#: (JD: within 10 px): the encoder's ringing leaves ~1/4 of such a margin a few levels off 255 even at
#: quality 92 (measured: 74 %; 4:4:4 quality 100: 99 %), a backdrop that is not pure white leaves ~0 %
MARGIN_PURITY = 0.5


@dataclass(frozen=True)
class PackFacts(FileFacts):
    """A pack file's facts: the detail image's, plus its place in the pack and the white measures."""

    role: str = ""                   # main | white | tall | detail | ""
    problem: str | None = None       # why the name or place is not the layout's
    purity: float | None = None      # white image: share of the border band at exactly 255,255,255
    band: int | None = None          # its width, px
    band_pixels: int = 0             # the band's pixels outside the product's box: those judged
    margin_only: bool = False        # the product within a JPEG MCU of every edge: only its margin judged
    box: tuple[int, int, int, int] | None = None   # white image: the product's box (x, y, w, h); None: none found
    on_product: tuple[bool, ...] = ()  # per line of ``texts``: read within the product's box


def _x(ctx: Context):
    return ctx.profile.export


def _kb(n: int) -> str:
    return f"{n:,} bytes"


def name(rule: Rule, f: PackFacts, ctx: Context) -> Iterable[Finding]:
    if f.problem:
        yield rule.at(f.problem, file=f.path, item=f.item)


def decode(rule: Rule, f: PackFacts, ctx: Context) -> Iterable[Finding]:
    if f.decode_error:
        yield rule.at(f"does not decode cleanly: {f.decode_error}", file=f.path, item=f.item)


def file_format(rule: Rule, f: PackFacts, ctx: Context) -> Iterable[Finding]:
    allowed = {"JPEG": "jpg"} | ({"WEBP": "webp"} if _x(ctx).format == "WEBP" else {})
    if f.format is not None and f.format not in allowed:
        yield rule.at(f"format {f.format}, the platform takes {' or '.join(allowed)}", file=f.path, item=f.item)
    elif f.format is not None and f.ext != allowed[f.format]:
        yield rule.at(f"extension .{f.ext} for a {f.format} file, expected .{allowed[f.format]}",
                      file=f.path, item=f.item)


def colour(rule: Rule, f: PackFacts, ctx: Context) -> Iterable[Finding]:
    if f.format is None:
        return
    if f.icc_space == "CMYK" or f.mode == "CMYK":
        yield rule.at("CMYK, expected sRGB", file=f.path, item=f.item)
    elif f.icc not in (None, "sRGB"):
        yield rule.at(f"ICC profile {f.icc!r}, expected sRGB", file=f.path, item=f.item)
    elif f.alpha:
        yield rule.at("has an alpha channel, expected opaque sRGB", file=f.path, item=f.item)


def size_main(rule: Rule, f: PackFacts, ctx: Context) -> Iterable[Finding]:
    x = _x(ctx)
    if f.role not in (MAIN, WHITE) or f.width is None:
        return
    lo, hi = x.main_min_side, x.main_max_side
    if not lo and not hi:
        lo = hi = x.main_size
    span = f"{lo}..{hi} px" if hi else f"at least {lo} px"
    if f.width != f.height:
        yield rule.at(f"{f.width}x{f.height}, main images are square ({span}, made at {x.main_size})",
                      file=f.path, item=f.item)
    elif f.width < lo or (hi and f.width > hi):
        yield rule.at(f"{f.width}x{f.height}, main images are {span} (made at {x.main_size})", file=f.path, item=f.item)


def size_tall(rule: Rule, f: PackFacts, ctx: Context) -> Iterable[Finding]:
    x = _x(ctx)
    if f.role != TALL or f.width is None:
        return
    if not x.tall_width:
        yield rule.at("a 3:4 main image, but this platform takes none ([export] tall_width = 0)",
                      file=f.path, item=f.item)
    elif (f.width, f.height) != (x.tall_width, x.tall_height):
        yield rule.at(f"{f.width}x{f.height}, 3:4 main images are {x.tall_width}x{x.tall_height}",
                      file=f.path, item=f.item)


def size_detail(rule: Rule, f: PackFacts, ctx: Context) -> Iterable[Finding]:
    x = _x(ctx)
    if f.role != DETAIL or f.width is None or not x.detail_width:
        return
    lo, hi = x.detail_min_width or x.detail_width, x.detail_max_width or x.detail_width
    if not lo <= f.width <= hi:
        span = f"{lo} px" if lo == hi else f"{lo}..{hi} px"
        yield rule.at(f"width {f.width} px, description slices are {span} wide", file=f.path, item=f.item)
    if f.height is not None and f.height > x.detail_slice_height:
        yield rule.at(f"height {f.height} px, slices are at most {x.detail_slice_height} px tall",
                      file=f.path, item=f.item)


def bytes_main(rule: Rule, f: PackFacts, ctx: Context) -> Iterable[Finding]:
    cap = _x(ctx).main_max_bytes
    if f.role in (MAIN, TALL) and cap and f.bytes > cap:
        yield rule.at(f"{_kb(f.bytes)}, main images at most {_kb(cap)}", file=f.path, item=f.item)


def bytes_white(rule: Rule, f: PackFacts, ctx: Context) -> Iterable[Finding]:
    x = _x(ctx)
    cap, floor = x.white_max_bytes or x.main_max_bytes, x.white_min_bytes
    if f.role != WHITE:
        return
    if cap and f.bytes > cap:
        yield rule.at(f"{_kb(f.bytes)}, the white-background image at most {_kb(cap)}", file=f.path, item=f.item)
    elif f.bytes < floor:
        yield rule.at(f"{_kb(f.bytes)}, the white-background image at least {_kb(floor)}", file=f.path, item=f.item)


def bytes_detail(rule: Rule, f: PackFacts, ctx: Context) -> Iterable[Finding]:
    cap = _x(ctx).detail_max_bytes
    if f.role == DETAIL and cap and f.bytes > cap:
        yield rule.at(f"{_kb(f.bytes)}, description slices at most {_kb(cap)}", file=f.path, item=f.item)


def white_purity(rule: Rule, f: PackFacts, ctx: Context) -> Iterable[Finding]:
    x = _x(ctx)
    need = min(x.white_purity, MARGIN_PURITY) if f.margin_only else x.white_purity
    if f.role != WHITE or f.purity is None or f.purity >= need:
        return
    if not f.band_pixels:
        yield rule.at(f"no white border: the {f.band} px band is all product or backdrop", file=f.path, item=f.item)
    else:
        where = ("the margin beside the product" if f.margin_only
                 else f"the {f.band} px border band (outside the product)")
        yield rule.at(f"{f.purity:.1%} of {where} is pure white (255,255,255), at least {need:.0%} required",
                      file=f.path, item=f.item)


def white_fill(rule: Rule, f: PackFacts, ctx: Context) -> Iterable[Finding]:
    x = _x(ctx)
    if f.role != WHITE or f.purity is None or f.width is None:
        return
    if f.box is None:
        yield rule.at("no product found: the white-background image is blank", file=f.path, item=f.item)
        return
    _, _, w, h = f.box
    fill = w / f.width if w / f.width >= h / f.height else h / f.height
    if fill < x.white_min_fill:
        yield rule.at(f"the product's box ({w}x{h}) fills {fill:.1%} of the frame along its longer side, "
                      f"at least {x.white_min_fill:.1%} required", file=f.path, item=f.item)


def white_product(rule: Rule, f: PackFacts, ctx: Context) -> Iterable[Finding]:
    x = _x(ctx)
    if f.role == WHITE and f.box is not None and max(f.box[2:]) < x.white_min_product:
        yield rule.at(f"the product's box is {f.box[2]}x{f.box[3]} px, its longer side at least "
                      f"{x.white_min_product} px required", file=f.path, item=f.item)


def watermark(rule: Rule, f: PackFacts, ctx: Context) -> Iterable[Finding]:
    m, need = f.watermark, ctx.profile.validate.watermark_min_score
    if m is None or m.score < need:
        return
    where = "the white-background image" if f.role == WHITE else "a main image ([export] main_watermark = false)"
    yield rule.at(f"the shop's watermark is on {where}: match {m.score:.2f} at {m.x},{m.y} ({m.width}x{m.height})",
                  file=f.path, item=f.item)


def text(rule: Rule, f: PackFacts, ctx: Context) -> Iterable[Finding]:
    added = [t for t, on in zip(f.texts or (), f.on_product, strict=False) if not on]
    if f.role == WHITE and added:
        read = "; ".join(f"{t.text!r} at {t.box[0]},{t.box[1]}" for t in added[:3])
        yield rule.at(f"text on the white background: reads {read}", file=f.path, item=f.item)


def text_on_product(rule: Rule, f: PackFacts, ctx: Context) -> Iterable[Finding]:
    printed = [t for t, on in zip(f.texts or (), f.on_product, strict=False)
               if on and len("".join(t.text.split())) >= 2]
    if f.role == WHITE and printed:
        read = "; ".join(repr(t.text) for t in printed[:3])
        yield rule.at(f"text read on the product: {read}; its own print is allowed, added text is not "
                      f"(look at it)", file=f.path, item=f.item)


def count_main(rule: Rule, it: ItemFacts, ctx: Context) -> Iterable[Finding]:
    n, cap = len({f.index for f in it.files if f.role in (MAIN, WHITE)}), _x(ctx).main_count
    if n > cap:
        yield rule.at(f"{n} main images, at most {cap}", item=it.item)


def count_detail(rule: Rule, it: ItemFacts, ctx: Context) -> Iterable[Finding]:
    x = _x(ctx)
    n = sum(f.role == DETAIL for f in it.files)
    if n and not x.detail_width:
        yield rule.at(f"{n} description slices, but this platform takes none ([export] detail_width = 0)",
                      item=it.item)
    elif x.detail_max_count and n > x.detail_max_count:
        yield rule.at(f"{n} description slices, at most {x.detail_max_count}", item=it.item)


def white_missing(rule: Rule, it: ItemFacts, ctx: Context) -> Iterable[Finding]:
    k = _x(ctx).white_index
    if k and it.item and not any(f.role == WHITE for f in it.files):
        yield rule.at(f"no white-background image (main image {k:02d})", item=it.item)


PACK_RULES: tuple[Rule, ...] = (
    Rule("pack.name", ERROR, "file name and place follow the platform's layout ([export] layout)", "file", name),
    Rule("pack.decode", ERROR, "decodes cleanly", "file", decode),
    Rule("pack.format", ERROR, "JPEG named .jpg (WebP .webp where [export] format allows it)", "file", file_format),
    Rule("pack.colour", ERROR, "sRGB (no other ICC profile, no CMYK, no alpha)", "file", colour),
    Rule("pack.size.main", ERROR, "main images square, main_min_side..main_max_side", "file", size_main),
    Rule("pack.size.tall", ERROR, "3:4 main images exactly tall_width x tall_height", "file", size_tall),
    Rule("pack.size.detail", ERROR, "slices detail_min_width..detail_max_width wide, <= detail_slice_height",
         "file", size_detail),
    Rule("pack.bytes.main", ERROR, "main images within main_max_bytes", "file", bytes_main),
    Rule("pack.bytes.white", ERROR, "white-background image within white_min_bytes..white_max_bytes", "file",
         bytes_white),
    Rule("pack.bytes.detail", ERROR, "slices within detail_max_bytes", "file", bytes_detail),
    Rule("pack.white.purity", ERROR, "white image: >= white_purity of a white_band border band at 255,255,255",
         "file", white_purity),
    Rule("pack.white.fill", ERROR, "white image: the product's box, longer side, >= white_min_fill of the frame",
         "file", white_fill),
    Rule("pack.white.product", ERROR, "white image: the product's box, longer side, >= white_min_product px",
         "file", white_product),
    Rule("pack.watermark", ERROR, "no shop watermark on the white image, nor on main images with main_watermark "
         "= false", "file", watermark),
    Rule("pack.text", ERROR, "with text_banned: no text read (OCR) on the white image's background", "file", text),
    Rule("pack.text.product", WARNING, "with text_banned: text read on the product in the white image (its own "
         "print?)", "file", text_on_product),
    Rule("pack.count.main", ERROR, "at most main_count main images per item", "item", count_main),
    Rule("pack.count.detail", ERROR, "at most detail_max_count slices (none where detail_width = 0)", "item",
         count_detail),
    Rule("pack.white.missing", ERROR, "the white-background image is there where white_index is set", "item",
         white_missing),
)
