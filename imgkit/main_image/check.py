"""Validation of any main image, generated or hand-made: ``check_main_image``.

A pure function (it reads the file, writes nothing) returning ``Finding`` values; rule ids:

main.file.*        unreadable, format, bytes, alpha (transparent pixels)
main.size          exact size / square / shortest and longest side for zoom
main.background.*  solid (border ring one colour), white (S1: must not be near-white),
                   not_white (white-background profiles), outside (content outside the
                   logo and text areas, or around the product)
main.logo.*        size (logo content larger than the logo area), missing
main.fill          product fill below the profile's min_fill (product profiles), measured by the
                   product's box: faint pieces apart from it (a backdrop strip) are left out
main.text.*        read from the picture by OCR (``read_back``): banned, link, missing
                   (S1: nothing read in the company or copy area), differs (warning: not
                   what the spec says); with a sidecar or spec also its texts: empty,
                   lines, banned, link; main.copy.length (read and specified);
                   main.sidecar.stale
main.qr            a QR code found in the picture
main.measure       info: what was measured (background colour, ring share, boxes, fill)
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
from PIL import Image

from imgkit.colour.conversions import whiteness_distance
from imgkit.errors import ConfigError, plain
from imgkit.findings import ERROR, INFO, WARNING, Finding
from imgkit.imaging.codec import unreadable
from imgkit.imaging.colours import hex_of
from imgkit.main_image.background import (
    bbox,
    box_mask,
    content_mask,
    distance_map,
    dominant_colour,
    parts,
    ring_mask,
)
from imgkit.main_image.copy_rules import text_problems
from imgkit.main_image.read_back import read_back_rules
from imgkit.profile import MainImage, Profile
from imgkit.store.files import sha256_bytes

#: product images are measured on a copy no larger than this (fill and purity to ~0.1 %)
MEASURE_SIDE = 1200
#: px around a text box still counted as text (a JPEG block: ringing around sharp letters)
TEXT_MARGIN = 8
#: ΔE*ab that counts as content in a lossy file: JPEG ringing next to sharp edges reaches
#: ΔE ≈ 9 at quality 92 and ≈ 13 at quality 80 (measured on generated images)
LOSSY_CONTENT_DE = 15.0
#: px per side a sharp edge bleeds in a lossy file (4:2:0 chroma subsampling halves colour resolution)
LOSSY_SLACK_PX = 2
#: ΔE*ab at which a product image is split into pieces: a faint shadow (or the soft edge of a
#: cut-out) no longer joins a strip of backdrop to the product
SPLIT_DE = 10.0
#: a piece apart from the product with a mean ΔE*ab from the background below this is faint:
#: shadow or backdrop left in, not product (the product's box leaves it out)
FAINT_DE = 25.0


def load_spec(path: Path) -> dict:
    """The texts a main image should carry, ``{"company": ..., "copy": ...}``, from JSON."""
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot read the spec JSON ({plain(exc)})") from None
    if not isinstance(spec, dict):
        raise ConfigError(f"{path}: the spec must be a JSON object with company and copy")
    return spec


def check_main_image(target, profile: Profile, spec: dict | None = None) -> list[Finding]:
    """Findings for a main image against ``profile``'s ``[main_image]`` rules.

    ``target`` is a path (file format and byte size are checked too, and the sidecar
    ``<name>.json`` beside it is read when ``spec`` is None) or a PIL image. ``spec`` is a
    dict like the sidecar: ``{"company": ..., "copy": ..., "texts": [{"role", "area"}...]}``;
    with it (or a sidecar) the texts are checked as well.
    """
    m = profile.main_image
    found: list[Finding] = []
    file = None
    if isinstance(target, Image.Image):
        image = target
    else:
        path = Path(target)
        file = str(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            return [Finding("main.file.unreadable", ERROR, f"cannot read the file ({exc.strerror or exc})", file)]
        try:
            image = Image.open(io.BytesIO(data))
            image.load()
        except Exception as exc:  # not an image, truncated: one finding, not a crash
            return [Finding("main.file.unreadable", ERROR, unreadable(data, exc), file)]
        found += _file_rules(path, data, image, m, file)
        if spec is None:
            spec = _sidecar(path, data, found, file)

    def add(rule: str, severity: str, message: str) -> None:
        found.append(Finding(rule, severity, message, file))


    rgb = _rgb(image, add)
    h, w = rgb.shape[:2]
    _size_rules(w, h, m, add)
    small, factor = _measure_copy(rgb, m)
    ring = ring_mask(h, w, m.ring)
    bg = dominant_colour(rgb, ring)
    ring_share = float((distance_map(rgb, bg)[ring] <= m.tolerance).mean())
    if ring_share < m.coverage:
        add("main.background.solid", ERROR,
            f"background is not one solid colour: only {ring_share:.1%} of the {m.ring}px border ring is "
            f"within ΔE {m.tolerance:g} of {hex_of(bg)} (needs {m.coverage:.0%}); a gradient, texture or frame?")
    white_de = float(whiteness_distance(np.array(bg, np.uint8)))
    if m.background_rule == "not-white" and white_de < m.white_delta_e:
        add("main.background.white", ERROR,
            f"background {hex_of(bg)} is white or near-white (ΔE*ab {white_de:.1f} from white, at least "
            f"{m.white_delta_e:g} required)")
    if m.background_rule == "white" and white_de > m.tolerance:
        add("main.background.not_white", ERROR,
            f"background {hex_of(bg)} must be pure white #ffffff (ΔE*ab {white_de:.1f}, at most {m.tolerance:g})")
    distance = distance_map(small, bg)
    lossy = image.format in ("JPEG", "MPO", "WEBP")
    content_de = max(m.tolerance, LOSSY_CONTENT_DE) if lossy else m.tolerance
    measured = f"background {hex_of(bg)} (ΔE*ab {white_de:.1f} from white), {ring_share:.1%} of the border ring solid"
    if m.kind == "service":
        measured += _service_rules(distance, content_de, m, spec, add, slack=LOSSY_SLACK_PX if lossy else 0)
    else:
        measured += _product_rules(distance, content_de, m, add, scale=factor)
    measured += read_back_rules(rgb, m, _boxes(m, spec), spec, add)
    if spec is not None and m.kind == "service":
        _text_rules(spec, m, add)
    elif m.kind == "service":
        add("main.text.unchecked", INFO, "texts judged as read from the picture only: no sidecar beside the image "
            "and no spec says what they should be")
    add("main.measure", INFO, measured)
    return found


def _file_rules(path: Path, data: bytes, image: Image.Image, m: MainImage, file) -> list[Finding]:
    found = []
    if image.format not in m.formats:
        found.append(Finding("main.file.format", ERROR, f"{image.format} file; accepted: {', '.join(m.formats)}", file))
    if len(data) > m.max_bytes:
        found.append(Finding("main.file.bytes", ERROR, f"{len(data):,} bytes, over the limit of {m.max_bytes:,}", file))
    return found


def _sidecar(path: Path, data: bytes, found: list[Finding], file) -> dict | None:
    side = path.with_name(path.name + ".json")
    if not side.is_file():
        return None
    try:
        spec = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        found.append(Finding("main.sidecar.unreadable", WARNING, f"{side.name}: not readable JSON ({plain(exc)})",
                             file))
        return None
    if not isinstance(spec, dict):
        return None
    recorded = (spec.get("image") or {}).get("sha256")
    if recorded and recorded != sha256_bytes(data):
        found.append(Finding("main.sidecar.stale", WARNING, f"the image was changed after {side.name} was "
                             "written: its texts were checked, the changes were not", file))
    return spec


def _rgb(image: Image.Image, add) -> np.ndarray:
    if image.mode in ("RGBA", "LA", "PA", "RGBa") or "transparency" in image.info:
        rgba = np.asarray(image.convert("RGBA"))
        if (rgba[..., 3] < 255).any():
            add("main.file.alpha", ERROR, f"{(rgba[..., 3] < 255).mean():.1%} of the pixels are transparent; "
                "marketplaces show them on their own background: flatten the image")
        alpha = rgba[..., 3:4].astype(np.float32) / 255
        return np.rint(rgba[..., :3] * alpha + 255 * (1 - alpha)).astype(np.uint8)
    return np.asarray(image.convert("RGB"))


def _size_rules(w: int, h: int, m: MainImage, add) -> None:
    if m.exact_size and (w, h) != (m.width, m.height):
        add("main.size", ERROR, f"{w}x{h} px; must be exactly {m.width}x{m.height}")
        return
    if m.square and w != h:
        add("main.size", ERROR, f"{w}x{h} px; must be square")
    if min(w, h) < m.min_side:
        add("main.size", ERROR, f"{w}x{h} px; the shorter side must be at least {m.min_side} px (zoom)")
    if max(w, h) < m.min_long_side:
        add("main.size", ERROR, f"{w}x{h} px; the longer side must be at least {m.min_long_side} px (zoom)")


def _boxes(m: MainImage, spec: dict | None) -> dict[str, tuple[int, int, int, int]]:
    boxes = {name: m.box(name) for name in ("logo", "company", "copy")}
    for text in (spec or {}).get("texts") or []:
        if isinstance(text, dict) and text.get("role") in ("company", "copy") and _is_box(text.get("area")):
            boxes[text["role"]] = tuple(text["area"])
    return boxes


def _grow(b, margin: int) -> tuple[int, int, int, int]:
    x, y, w, h = b
    return x - margin, y - margin, w + 2 * margin, h + 2 * margin


def _is_box(v) -> bool:
    return isinstance(v, list) and len(v) == 4 and all(isinstance(i, int) for i in v)


def _service_rules(distance: np.ndarray, content_de: float, m: MainImage, spec, add, *, slack: int) -> str:
    h, w = distance.shape
    content = content_mask(distance, content_de)
    boxes = _boxes(m, spec)
    # text zones reach TEXT_MARGIN px beyond their boxes (JPEG ringing around letters), never into the logo area
    logo_area = box_mask(h, w, [_grow(boxes["logo"], slack)])
    text_areas = box_mask(h, w, [_grow(boxes[r], TEXT_MARGIN) for r in ("company", "copy")]) & ~logo_area
    areas = logo_area | text_areas
    outside = ~areas
    stray = content & outside
    share = float(stray.sum() / max(1, outside.sum()))
    if share > 1 - m.coverage:
        x, y, bw, bh = bbox(stray)
        add("main.background.outside", ERROR,
            f"{share:.1%} of the area outside the logo and text areas is not background (at x {x}..{x + bw - 1}, "
            f"y {y}..{y + bh - 1}); a logo overflowing its area, a gradient or stray marks?")
    logo = bbox(content & ~text_areas)
    lx, ly, lw, lh = boxes["logo"]
    if logo is None:
        add("main.logo.missing", ERROR, "no logo: nothing but background outside the text areas")
        return ", no logo found"
    x, y, cw, ch = logo
    if cw > lw + 2 * slack or ch > lh + 2 * slack:
        add("main.logo.size", ERROR, f"logo content is {cw}x{ch} px (at {x},{y}); it must fit the {lw}x{lh} logo area")
    return f", logo content {cw}x{ch} at {x},{y} (area {lw}x{lh} at {lx},{ly})"


def _product_rules(distance: np.ndarray, content_de: float, m: MainImage, add, scale: int) -> str:
    extent = product_extent(distance, content_de, m)
    if extent is None:
        add("main.product.missing", ERROR, "no product: the image is background only")
        return ", no product found"
    (x, y, bw, bh), fill, purity, faint = extent
    if m.min_fill and fill < m.min_fill:
        add("main.fill", ERROR, f"the product fills {fill:.1%} of the frame (its longer extent); "
            f"at least {m.min_fill:.0%} required")
    if purity < m.coverage:
        what = f"; {faint} faint piece{'s' * (faint > 1)} (shadow or backdrop?) outside it" if faint else ""
        add("main.background.outside", ERROR, f"only {purity:.1%} of the background around the product is within "
            f"ΔE {m.tolerance:g} of the background colour (needs {m.coverage:.0%}){what}")
    s = scale
    return (f", product {bw * s}x{bh * s} at {x * s},{y * s}, fill {fill:.1%}, "
            f"background purity {purity:.1%}")


def product_extent(distance: np.ndarray, content_de: float, m: MainImage):
    """``(box, fill, purity, faint pieces outside the box)`` of a product image from its ΔE map
    to the background, or None when there is no product.

    The product is the largest piece of what differs from the background by at least
    ``SPLIT_DE``, with every other piece that is not faint (mean ΔE ≥ ``FAINT_DE``): a strip of
    grey backdrop or a detached shadow is left out of the box, so the fill is the product's and
    those pieces count against the background's purity instead.
    """
    h, w = distance.shape
    content = content_mask(distance, max(content_de, SPLIT_DE), min_area=16)
    labels, pieces = parts(content, min_area=16)
    if not pieces:
        return None
    sums = np.bincount(labels.ravel(), weights=distance.ravel(), minlength=int(labels.max()) + 1)
    product = [pieces[0]] + [p for p in pieces[1:] if sums[p[0]] >= FAINT_DE * p[1]]
    x0, y0 = min(p[2][0] for p in product), min(p[2][1] for p in product)
    x1, y1 = max(p[2][0] + p[2][2] for p in product), max(p[2][1] + p[2][3] for p in product)
    box = (x0, y0, x1 - x0, y1 - y0)
    around = np.ones((h, w), bool)
    around[y0:y1, x0:x1] = False
    purity = float((distance[around] <= m.tolerance).mean()) if around.any() else 1.0
    faint = sum(1 for p in pieces if p not in product and not _inside(p[2], box))
    return box, max(box[2] / w, box[3] / h), purity, faint


def _inside(b, box) -> bool:
    return box[0] <= b[0] and box[1] <= b[1] and b[0] + b[2] <= box[0] + box[2] and b[1] + b[3] <= box[1] + box[3]


def product_measure(image: Image.Image, profile: Profile) -> dict:
    """The product's box, fill and background purity in a made product image, as the check
    measures them (for the sidecar)."""
    m = profile.main_image
    rgb = np.asarray(image.convert("RGB"))
    small, factor = _measure_copy(rgb, m)
    bg = dominant_colour(rgb, ring_mask(*rgb.shape[:2], m.ring))
    extent = product_extent(distance_map(small, bg), m.tolerance, m)
    if extent is None:
        return {}
    (x, y, bw, bh), fill, purity, _ = extent
    return {"box": [x * factor, y * factor, bw * factor, bh * factor], "fill": round(fill, 4),
            "purity": round(purity, 4)}


def _measure_copy(rgb: np.ndarray, m: MainImage) -> tuple[np.ndarray, int]:
    h, w = rgb.shape[:2]
    if m.kind == "product" and max(w, h) > MEASURE_SIDE:
        factor = int(np.ceil(max(w, h) / MEASURE_SIDE))
        return np.asarray(Image.fromarray(rgb).reduce(factor)), factor
    return rgb, 1


def _text_rules(spec: dict, m: MainImage, add) -> None:
    company, copy = spec.get("company"), spec.get("copy")
    if not isinstance(company, str) or not isinstance(copy, str):
        add("main.text.unchecked", WARNING, "spec has no company and copy strings: texts not checked")
        return
    for rule, message in text_problems(company, copy, m):
        add(rule, ERROR, message)
