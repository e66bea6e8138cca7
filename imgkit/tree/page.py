"""The description page (R5): one template per shop, so every item's page looks alike.

An item's detail images (the facts panel and captions are already in them) are stacked on
one canvas of the profile's ``[page] width`` under an optional heading band, then cut into
upload slices of at most ``slice_height`` rows: in the gaps between blocks when it can, and
through an image only when that image alone is taller than a slice. Written to
``OUT/page/<ITEM>/<ITEM>-page-NN.jpg`` plus ``<ITEM>-page.html``, a 1:1 preview.

``layout``/``compose``/``cuts`` are pure (arrays in, arrays out); ``render_page`` does the
file work and takes no lock: the CLI holds the OUT lock around it, and ``build`` calls
``render_pages`` inside its own session.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import numpy as np
from PIL import Image, ImageDraw

from imgkit.errors import ConfigError, Rejected, plain
from imgkit.imaging.codec import encode_jpeg
from imgkit.imaging.colours import rgb_of
from imgkit.imaging.text import profile_fonts
from imgkit.naming import check_item, is_ignored, natural_key, output_name
from imgkit.profile import Page, Profile
from imgkit.store.files import atomic_write
from imgkit.store.state import read_tree_view


@dataclass(frozen=True)
class Block:
    kind: str      # "heading" or "image"
    top: int
    height: int

    @property
    def bottom(self) -> int:
        return self.top + self.height


@dataclass(frozen=True)
class PageResult:
    item: str
    slices: tuple[Path, ...]
    html: Path
    size: tuple[int, int]          # (width, height) of the whole page
    blocks: tuple[Block, ...]
    removed: tuple[Path, ...]      # stale slices of an earlier, longer page


def layout(heights: list[int], page: Page) -> tuple[list[Block], int]:
    """Blocks top to bottom in the template's section order, and the page height."""
    kinds = []
    for section in page.sections:
        if section == "heading" and page.band:
            kinds.append(("heading", page.band))
        elif section == "details":
            kinds += [("image", h) for h in heights]
    blocks, y = [], page.margin
    for kind, h in kinds:
        blocks.append(Block(kind, y, h))
        y += h + page.spacing
    return blocks, (y - page.spacing if blocks else y) + page.margin


def compose(images: list[np.ndarray], heading: np.ndarray | None, page: Page) -> tuple[np.ndarray, list[Block]]:
    """The whole page as an H×W×3 uint8 array; every image must already be content-wide."""
    content = page.width - 2 * page.margin
    for a in [*images, *([heading] if heading is not None else [])]:
        if a.ndim != 3 or a.shape[1:] != (content, 3) or a.dtype != np.uint8:
            raise ValueError(f"expected H×{content}×3 uint8 blocks, got {a.shape} {a.dtype}")
    blocks, height = layout([a.shape[0] for a in images], page)
    canvas = np.empty((height, page.width, 3), np.uint8)
    canvas[...] = rgb_of(page.background)
    pending = list(images)
    for b in blocks:
        src = heading if b.kind == "heading" else pending.pop(0)
        canvas[b.top:b.bottom, page.margin:page.margin + content] = src
    return canvas, blocks


def cuts(blocks: list[Block], height: int, limit: int) -> list[tuple[int, int]]:
    """(top, bottom) rows of each slice, none taller than ``limit``, together the whole page.

    A cut lies in a gap between blocks; only when no gap is in reach is an image (one taller
    than a slice) cut through. The last slice holds a block's end, unless a short last image
    and the bottom margin are together taller than a slice.
    """
    edges = [0, *(v for b in blocks for v in (b.top, b.bottom)), height]
    gaps = list(zip(edges[0::2], edges[1::2], strict=True))[:-1]   # the gap after the last block is no cut
    out, y0 = [], 0
    while y0 < height:
        t = y0 + limit
        if t >= height:
            out.append((y0, height))
            break
        reach = [min(b, t) for a, b in gaps if a <= t and min(b, t) > y0]
        y1 = max(reach) if reach else t
        last = blocks[-1] if blocks else None
        if not reach and last and t >= last.bottom and last.height > limit and height - limit > y0:
            y1 = height - limit   # the tall last image's end shares the last slice with the margin
        out.append((y0, y1))
        y0 = y1
    return out


def heading_band(text: str, page: Page, profile: Profile) -> np.ndarray:
    """The heading set centred in a band of ``page.band`` rows; shrunk (then shortened) to fit.
    ``Undrawable`` (exit 2) when a character of it has no font."""
    content = page.width - 2 * page.margin
    im = Image.new("RGB", (content, page.band), rgb_of(page.background))
    if text:
        fonts, size = profile_fonts(profile), page.heading_size
        fonts.check(text, "[page] heading")
        font = fonts.at(size)
        while font.getlength(text) > content - 8 and size > 8:
            size = max(8, int(size * 0.9))
            font = fonts.at(size)
        while font.getlength(text) > content - 8 and len(text) > 1:
            text = text[:-2] + "…"
        font.draw(ImageDraw.Draw(im), (content / 2, page.band / 2), text, anchor="mm",
                  fill=rgb_of(page.heading_color))
    return np.asarray(im)


def check_heading(out: Path, item: str, profile: Profile, state: dict | None = None) -> None:
    """The item has detail images and its heading can be drawn: ``ConfigError`` naming it otherwise."""
    paths, title = sources(out, item, profile, state)
    page = profile.page
    if page.band:
        profile_fonts(profile).check(page.heading.format(title=title, item=item), f"{item}: [page] heading")


def fit(im: Image.Image, width: int) -> np.ndarray:
    """An RGB array exactly ``width`` wide: as it is when it already is, else Lanczos-scaled."""
    im = im.convert("RGB")
    if im.width != width:
        im = im.resize((width, max(1, round(im.height * width / im.width))), Image.Resampling.LANCZOS)
    return np.asarray(im)


def _state(out: Path) -> dict[str, list[tuple[int, str | None]]] | None:
    """Item → [(index, decoration JSON)] of finished sources, read-only; None without a state."""
    view = read_tree_view(out)
    return None if view is None else view.published


def _title(decorations: list[str | None], item: str) -> str:
    """The value of the first facts pair (品名), else the item number."""
    for raw in decorations:
        try:
            facts = json.loads(raw).get("facts") if raw else None
            if facts and str(facts[0][1]).strip():
                return str(facts[0][1]).strip()
        except (ValueError, AttributeError, TypeError, IndexError, KeyError):
            continue
    return item


def items_in(out: Path) -> list[str]:
    """Every item with detail images: from the state, and folders under detail/."""
    found = set((_state(out) or {}).keys())
    if (out / "detail").is_dir():
        found |= {p.name for p in (out / "detail").iterdir() if p.is_dir() and not is_ignored(p.name)
                  and any(f.suffix.lower() in (".jpg", ".jpeg") for f in p.iterdir())}
    return sorted(found, key=natural_key)


def sources(out: Path, item: str, profile: Profile, state: dict | None = None) -> tuple[list[Path], str]:
    """The item's detail images in index order and its page title; ``ConfigError`` when none."""
    try:
        check_item(item)
    except Rejected as exc:
        raise ConfigError(f"{item!r}: not an item number ({exc})") from None
    state = _state(out) if state is None else state
    folder = out / "detail" / item
    rows = (state or {}).get(item, [])
    paths = [folder / (output_name(profile.naming.template, item, idx) + ".jpg") for idx, _ in rows]
    missing = [p for p in paths if not p.is_file()]
    if rows and missing and len(missing) < len(paths):
        raise ConfigError(f"{missing[0]}: listed as done in the state but missing; run imgkit build again")
    if not rows or missing:   # no state, or one made under another naming template: what is on disk
        paths = sorted((p for p in folder.glob("*") if p.is_file() and p.suffix.lower() in (".jpg", ".jpeg")
                        and not is_ignored(p.name)), key=lambda p: natural_key(p.name)) if folder.is_dir() else []
    if not paths:
        if not folder.is_dir() and not rows:
            known = ", ".join(items_in(out)[:10]) or "none"
            raise ConfigError(f"{item}: no such item in {out} (items: {known})")
        raise ConfigError(f"{item}: no detail images in {folder}")
    return paths, _title([d for _, d in rows], item)


def slice_name(item: str, n: int) -> str:
    return f"{item}-page-{n:02d}.jpg"


def compose_item(out: Path, item: str, profile: Profile, state: dict | None = None
                 ) -> tuple[np.ndarray, list[Block], str]:
    """The item's whole page in memory (before JPEG), its blocks and its heading text."""
    page = profile.page
    paths, title = sources(out, item, profile, state)
    content = page.width - 2 * page.margin
    images = []
    for path in paths:
        try:
            with Image.open(path) as im:
                images.append(fit(im, content))
        except (OSError, Image.DecompressionBombError) as exc:
            raise ConfigError(f"{path}: cannot read this detail image ({plain(exc)})") from None
    text = page.heading.format(title=title, item=item) if page.band else ""
    canvas, blocks = compose(images, heading_band(text, page, profile) if page.band else None, page)
    return canvas, blocks, text or title


def render_page(out: Path, item: str, profile: Profile, state: dict | None = None) -> PageResult:
    """Compose, cut and write one item's page; stale slices of a longer earlier page go."""
    page = profile.page
    canvas, blocks, text = compose_item(out, item, profile, state)
    folder = out / "page" / item
    written = []
    for n, (y0, y1) in enumerate(cuts(blocks, canvas.shape[0], page.slice_height), 1):
        path = folder / slice_name(item, n)
        atomic_write(path, encode_jpeg(Image.fromarray(canvas[y0:y1]), quality=page.quality,
                                       subsampling=profile.detail.subsampling))
        written.append((path, y1 - y0))
    pattern = re.compile(re.escape(item) + r"-page-(\d+)\.jpg")
    keep = {p.name for p, _ in written}
    removed = []
    for p in sorted(folder.iterdir()):
        if pattern.fullmatch(p.name) and p.name not in keep:
            p.unlink()
            removed.append(p)
    preview = folder / f"{item}-page.html"
    atomic_write(preview, preview_html(item, text, page.width, written).encode("utf-8"))
    return PageResult(item, tuple(p for p, _ in written), preview, (page.width, canvas.shape[0]),
                      tuple(blocks), tuple(removed))


def preview_html(item: str, title: str, width: int, slices: list[tuple[Path, int]]) -> str:
    """A self-contained page: the slices stacked with no gaps, at 1:1, by relative path."""
    imgs = "\n".join(f'<img src="{quote(p.name)}" width="{width}" height="{h}" alt="">' for p, h in slices)
    total = sum(h for _, h in slices)
    name = html.escape(item if title in ("", item) else f"{title} · {item}")
    return f"""<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>{name}</title>
<style>body{{margin:0;background:#e8e8e8;font:14px sans-serif}}
header{{padding:12px;text-align:center;color:#333}}
main{{width:{width}px;margin:0 auto 40px;box-shadow:0 0 8px #0003}}
img{{display:block;width:{width}px;height:auto;margin:0;border:0}}</style></head>
<body><header>{name} · {width} × {total} px, {len(slices)} slices</header>
<main>
{imgs}
</main></body></html>
"""


def render_pages(out: Path, items: list[str], profile: Profile) -> list[Path]:
    """Every file written (slices, then the preview) for each item, in order. No lock taken:
    call it with the OUT lock held (``build`` after publishing; the CLI takes it itself)."""
    state = _state(out)
    written: list[Path] = []
    for item in items:
        result = render_page(out, item, profile, state)
        written += [*result.slices, result.html]
    return written
