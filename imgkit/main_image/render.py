"""The service main image (S1): logo, company name and one line of copy on a solid colour.

Read top to bottom: ``preflight`` refuses (all reasons at once) before anything is drawn,
``render`` draws in memory, ``generate`` checks the result with the same validator that
judges hand-made images, and ``write`` puts the image and its sidecar JSON in place
atomically. Nothing is written when any step refuses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageColor, ImageDraw

from imgkit import __version__
from imgkit.colour.conversions import srgb_to_lab, whiteness_distance
from imgkit.errors import Rejected
from imgkit.findings import ERROR
from imgkit.imaging import codec as imaging
from imgkit.imaging.blend import alpha_over
from imgkit.imaging.colours import hex_of
from imgkit.imaging.fonts import FontChoice
from imgkit.imaging.text import Fonts, chain
from imgkit.main_image.copy_rules import count_chars, text_problems
from imgkit.profile import MainImage, Profile
from imgkit.store.files import atomic_write, sha256_bytes

LOGO_FORMATS = ("PNG", "JPEG", "WEBP")


class Refused(Rejected):
    """The main image cannot be made as asked; ``reasons`` holds one line per problem."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = tuple(reasons)


@dataclass(frozen=True)
class Spec:
    """What to put on a service main image."""
    company: str
    copy: str
    logo: Path
    background: str | None = None   # any CSS-like colour Pillow reads; None = the profile's


@dataclass(frozen=True)
class Rendered:
    data: bytes
    format: str
    sidecar: dict
    warnings: tuple[str, ...]


def sidecar_path(image: Path) -> Path:
    """The JSON written beside a generated main image: ``main.png`` → ``main.png.json``."""
    return image.with_name(image.name + ".json")


def parse_colour(text: str) -> tuple[int, int, int]:
    try:
        return ImageColor.getrgb(text.strip())[:3]
    except (ValueError, AttributeError):
        raise Refused([f"background {text!r} is not a colour "
                       "(use #1f4e8c, rgb(31,78,140) or a name like navy)"]) from None


def background_problem(rgb, m: MainImage) -> str | None:
    """Why ``rgb`` cannot be the background of this profile's main image, or None."""
    if m.background_rule == "not-white":
        de = float(whiteness_distance(np.array(rgb, np.uint8)))
        if de < m.white_delta_e:
            return (f"background {hex_of(rgb)} is white or near-white (ΔE*ab {de:.1f} from white, "
                    f"this profile needs at least {m.white_delta_e:g}); choose a solid colour")
    if m.background_rule == "white" and tuple(rgb) != (255, 255, 255):
        return f"background {hex_of(rgb)} must be white #ffffff for this profile"
    return None


def load_logo(path: Path, profile: Profile) -> Image.Image:
    """The logo as sRGB RGBA, trimmed to its visible pixels when it has transparency."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise Refused([f"logo {path}: cannot be read ({exc.strerror or exc})"]) from None
    try:
        src = imaging.decode(data, max_pixels=profile.input.max_pixels, formats=LOGO_FORMATS,
                             multi_frame="first", width=None, allow_upscale=True)
        im = imaging.working_mode(src.image)
        im = imaging.orient(imaging.to_srgb(im, src.icc, []), src.orientation)
    except Rejected as exc:
        raise Refused([f"logo {path}: {exc.reason}"]) from None
    im = im.convert("RGBA")
    alpha = np.asarray(im)[..., 3]
    if not (alpha > 8).any():
        raise Refused([f"logo {path}: fully transparent, nothing to show"])
    if (alpha < 255).any():
        ys, xs = np.nonzero(alpha > 8)
        im = im.crop((int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1))
    return im


def fit_logo(logo: Image.Image, m: MainImage) -> tuple[np.ndarray, tuple[int, int, int, int], list[str]]:
    """The logo scaled into the logo box (aspect kept, centred): RGBA array, placed box, warnings."""
    bx, by, bw, bh = m.box("logo")
    scale = min(bw / logo.width, bh / logo.height)
    w, h = max(1, min(bw, round(logo.width * scale))), max(1, min(bh, round(logo.height * scale)))
    fitted = logo.convert("RGBa").resize((w, h), Image.Resampling.LANCZOS).convert("RGBA")
    warnings = []
    if max(logo.size) < m.logo_min_px:
        warnings.append(f"logo is only {logo.width}x{logo.height} px (visible part): enlarged {scale:.1f}x into the "
                        f"{bw}x{bh} area it will look soft; supply one at least {max(bw, bh)} px")
    if min(w, h) < m.logo_min_short_px:
        warnings.append(f"logo fits the {bw}x{bh} area at {w}x{h} px: under {m.logo_min_short_px} px it is hard "
                        f"to read; use a more compact (stacked) version of the logo")
    return np.asarray(fitted), (bx + (bw - w) // 2, by + (bh - h) // 2, w, h), warnings


def text_colour(m: MainImage, bg) -> tuple[int, int, int]:
    if m.text_color != "auto":
        return ImageColor.getrgb(m.text_color)[:3]
    return (26, 26, 26) if srgb_to_lab(np.array(bg, np.uint8), white="D65")[0] > 60 else (255, 255, 255)


def text_layer(text: str, font: Fonts, size: int, fill, m: MainImage) -> Image.Image:
    """``text`` drawn with the profile's stroke and shadow, cropped to its ink (RGBA)."""
    f = font.at(size)
    sw, so = m.stroke_width, m.shadow_offset
    left, top, right, bottom = (int(v) for v in f.getbbox(text, stroke_width=sw))
    pad = 2 + sw
    layer = Image.new("RGBA", (right - left + 2 * pad + so, bottom - top + 2 * pad + so), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    origin = (pad - left, pad - top)
    if so:
        shadow = ImageColor.getrgb(m.shadow_color)[:3] + (round(255 * m.shadow_opacity),)
        shade = Image.new("RGBA", layer.size, (0, 0, 0, 0))
        f.draw(ImageDraw.Draw(shade), (origin[0] + so, origin[1] + so), text, fill=shadow,
               stroke_width=sw, stroke_fill=shadow)
        layer = Image.alpha_composite(layer, shade)
        draw = ImageDraw.Draw(layer)
    f.draw(draw, origin, text, fill=tuple(fill) + (255,), stroke_width=sw,
           stroke_fill=ImageColor.getrgb(m.stroke_color)[:3] + (255,))
    box = layer.getchannel("A").getbbox()
    return layer.crop(box) if box else layer


def fit_text(text: str, role: str, font: Fonts, fill, m: MainImage) -> tuple[Image.Image, int]:
    """The largest rendering of ``text`` whose ink fits the role's box, and its font size."""
    _, _, bw, bh = m.box(role)

    def fits(size: int) -> bool:
        layer = text_layer(text, font, size, fill, m)
        return layer.width <= bw and layer.height <= bh

    if not fits(m.min_font_px):
        label = "company name" if role == "company" else role
        raise Refused([(f"{label} {text!r} does not fit the {bw}x{bh} px {role} area even at "
                        f"{m.min_font_px} px; shorten it")])
    lo, hi = m.min_font_px, max(m.min_font_px, 2 * bh)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid - 1)
    return text_layer(text, font, lo, fill, m), lo


def undrawable(spec: Spec, fonts: Fonts) -> list[str]:
    """One line per text with a character no font can draw (``U+XXXX``)."""
    from imgkit.imaging.text import describe
    return [f"{label} {text!r}: {describe(chars)} cannot be drawn by any font ({', '.join(fonts.names)})"
            for label, text in (("company name", spec.company), ("copy", spec.copy))
            if (chars := fonts.missing(text.strip()))]


def preflight(spec: Spec, profile: Profile, fonts: Fonts | None = None) -> tuple[tuple[int, int, int], Image.Image]:
    """Every refusal at once (``Refused``), before anything is drawn: background, texts, logo."""
    m, reasons = profile.main_image, []
    if m.kind != "service":
        raise Refused([f"profile {profile.name!r} is for product main images: use --from-photo"])
    bg = None
    try:
        bg = parse_colour(spec.background) if spec.background else ImageColor.getrgb(m.background)[:3]
        if problem := background_problem(bg, m):
            reasons.append(problem)
    except Refused as exc:
        reasons += exc.reasons
    reasons += [message for _, message in text_problems(spec.company, spec.copy, m)]
    reasons += undrawable(spec, fonts) if fonts is not None else []
    logo = None
    try:
        logo = load_logo(spec.logo, profile)
    except Refused as exc:
        reasons += exc.reasons
    if reasons:
        raise Refused(reasons)
    return bg, logo


def render(spec: Spec, profile: Profile, font: FontChoice, *, name: str = "main.png",
           fmt: str | None = None) -> Rendered:
    """Draw the main image in memory and encode it; ``Refused`` when it cannot be made."""
    from imgkit.main_image.check import check_main_image

    m = profile.main_image
    fonts = chain(font)
    bg, logo = preflight(spec, profile, fonts)
    canvas = np.empty((m.height, m.width, 3), np.uint8)
    canvas[:] = bg
    mark, placed, warnings = fit_logo(logo, m)
    alpha_over(canvas, mark, x=placed[0], y=placed[1])
    ink = text_colour(m, bg)
    texts, reasons = [], []
    for role, text in (("company", spec.company), ("copy", spec.copy)):
        try:
            layer, size = fit_text(text.strip(), role, fonts, ink, m)
        except Refused as exc:
            reasons += exc.reasons
            continue
        bx, by, bw, bh = m.box(role)
        x, y = bx + (bw - layer.width) // 2, by + (bh - layer.height) // 2
        alpha_over(canvas, np.asarray(layer), x=x, y=y)
        texts.append({"role": role, "text": text.strip(), "font_px": size, "area": list(m.box(role)),
                      "placed": [x, y, layer.width, layer.height]})
    if reasons:
        raise Refused(reasons)
    image = Image.fromarray(canvas, "RGB")
    fmt = fmt or format_for(Path(name), m)
    data = encode(image, fmt, m)
    sidecar = {
        "schema": 1, "imgkit": __version__, "kind": "service",
        "profile": {"name": profile.name, "path": str(profile.path)},
        "image": {"file": Path(name).name, "format": fmt, "width": m.width, "height": m.height,
                  "bytes": len(data), "sha256": sha256_bytes(data)},
        "background": hex_of(bg),
        "logo": {"source": str(spec.logo), "visible_size": list(logo.size), "area": list(m.box("logo")),
                 "placed": list(placed)},
        "font": {"path": str(font.path), "index": font.index, "name": font.name, "source": font.source,
                 **({"fallbacks": used} if (used := fallbacks_used(fonts, [t["text"] for t in texts])) else {})},
        "text_color": hex_of(ink),
        "stroke": {"width": m.stroke_width, "color": m.stroke_color} if m.stroke_width else None,
        "shadow": ({"offset": m.shadow_offset, "color": m.shadow_color, "opacity": m.shadow_opacity}
                   if m.shadow_offset else None),
        "company": spec.company.strip(), "copy": spec.copy.strip(),
        "copy_chars": count_chars(spec.copy, count_spaces=m.count_spaces, count_punctuation=m.count_punctuation),
        "texts": texts, "warnings": warnings,
    }
    errors = [f.message for f in check_main_image(image, profile, sidecar) if f.severity == ERROR]
    if errors:  # a layout the profile allows but the validator refuses: say so, write nothing
        raise Refused([f"the drawn image fails its own check: {e}" for e in errors])
    return Rendered(data, fmt, sidecar, tuple(warnings))


def fallbacks_used(fonts: Fonts, texts: list[str]) -> list[str]:
    """Names of the fonts after the first that drew part of ``texts`` (emoji, rare CJK)."""
    used = sorted({i for text in texts for i, _ in fonts.runs(text) if i > 0})
    return [fonts.faces[i].name for i in used]


def encode(image: Image.Image, fmt: str, m: MainImage) -> bytes:
    """PNG, or JPEG with 4:4:4 chroma (coloured text on colour stays sharp), within max_bytes."""
    if fmt == "PNG":
        data = imaging.encode_png(image)
    else:
        quality, data = m.quality, b""
        while True:
            data = imaging.encode_jpeg(image, quality=quality, subsampling="4:4:4")
            if len(data) <= m.max_bytes or quality <= 60:
                break
            quality -= 5
    if len(data) > m.max_bytes:
        raise Refused([f"encoded image is {len(data):,} bytes, over the profile's max_bytes {m.max_bytes:,}"])
    return data


def write(rendered: Rendered, out: Path) -> Path:
    """The image, then its sidecar, each atomically; returns the sidecar's path."""
    atomic_write(out, rendered.data)
    side = sidecar_path(out)
    atomic_write(side, (json.dumps(rendered.sidecar, ensure_ascii=False, indent=1) + "\n").encode())
    return side



def format_for(out: Path, m: MainImage) -> str:
    """PNG or JPEG from the file name's suffix; the profile's format when it has none."""
    suffix = out.suffix.lower()
    return {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}.get(suffix, m.format if not suffix else "")
