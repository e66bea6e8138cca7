"""Product main images from a photo (Taobao/Tmall white-background, Amazon main image).

Read top to bottom: ``load`` decodes the photo like the detail pipeline does (orientation,
ICC → sRGB); ``separate`` finds the product: the background is the colour of the border
ring, and only where the photo already nearly is that colour (within ``clean_delta_e``,
connected to the edge) is it replaced, with a soft edge; ``cutout_checks`` measures that
mask against the photo (edges reached, faint share, blobs, pinholes) and refuses a bad one;
``refine`` cuts a photo that passed again with ``imgkit.cutout`` (shadows, holes, clean
edges); ``compose`` scales the product so its longer extent is ``fill`` of the frame and centres it
on the profile's background; ``make`` encodes and checks the result with
``check_main_image`` (fill by the product's box, background purity) before anything is
written.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from imgkit import __version__
from imgkit.cutout import CutoutRefused, cut_out
from imgkit.errors import Rejected
from imgkit.findings import ERROR
from imgkit.imaging import codec as imaging
from imgkit.imaging.colours import hex_of
from imgkit.main_image.background import bbox, border_connected, distance_map, dominant_colour, ring_mask
from imgkit.main_image.cutout_checks import measure_cutout
from imgkit.main_image.render import Refused, Rendered, encode
from imgkit.profile import Profile
from imgkit.store.files import sha256_bytes

#: share of the photo's border ring that must be near one colour for the background to be cleaned
PLAIN_SHARE = 0.85
#: photos are worked on at most this size (longest side); more cannot show in a 2000 px image
WORK_SIDE = 3000
#: enlarging the product more than this makes zoom soft: a warning
MAX_UPSCALE = 1.5


def load(path: Path, profile: Profile) -> Image.Image:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise Refused([f"photo {path}: cannot be read ({exc.strerror or exc})"]) from None
    p = profile.input
    try:
        src = imaging.decode(data, max_pixels=p.max_pixels, formats=p.formats, multi_frame="first",
                             width=None, allow_upscale=True)
        im = imaging.orient(imaging.to_srgb(imaging.working_mode(src.image), src.icc, []), src.orientation)
    except Rejected as exc:
        raise Refused([f"photo {path}: {exc.reason}"]) from None
    if max(im.size) > WORK_SIDE:
        im.thumbnail((WORK_SIDE, WORK_SIDE), Image.Resampling.LANCZOS)
    return im


def separate(im: Image.Image, profile: Profile) -> tuple[np.ndarray, tuple[int, int, int], np.ndarray | None]:
    """Alpha of the product (float32 0..1, 1 = product), the photo's background colour and
    every pixel's ΔE*ab from it (None for a cut-out PNG, whose alpha says it all)."""
    m = profile.main_image
    if im.mode == "RGBA" and (np.asarray(im)[..., 3] < 255).any():
        return np.asarray(im)[..., 3].astype(np.float32) / 255, (255, 255, 255), None
    rgb = np.asarray(im.convert("RGB"))
    h, w = rgb.shape[:2]
    ring = ring_mask(h, w, max(2, min(h, w) // 100))
    bg = dominant_colour(rgb, ring)
    distance = distance_map(rgb, bg)
    plain = float((distance[ring] <= m.clean_delta_e).mean())
    if plain < PLAIN_SHARE:
        raise Refused([(f"the photo's background is not plain: only {plain:.0%} of its border is within ΔE "
                        f"{m.clean_delta_e:g} of {hex_of(bg)} (needs {PLAIN_SHARE:.0%}); shoot the product "
                        f"on a plain background or give a cut-out PNG with transparency")])
    close = distance <= m.clean_delta_e
    # background: what is near its colour and touches the edge, and larger enclosed patches of it
    # (seen through a loop of rope, between a cup and its handle); small ones stay product
    near = border_connected(close) | _drop_specks(close, h * w)
    # soft edge: fully background up to half the threshold, a ramp to the threshold, product beyond
    t = m.clean_delta_e
    alpha = np.where(near, np.clip((distance - t / 2) / (t / 2), 0, 1), 1).astype(np.float32)
    alpha = cv2.GaussianBlur(alpha, (3, 3), 0)
    solid = _drop_specks(alpha > 0.5, h * w)
    if not solid.any():
        raise Refused(["no product found: the photo is all background"])
    alpha[~_grow_mask(solid)] = 0  # specks of noise far from the product go
    return alpha, bg, distance


def refine(im: Image.Image, photo: Path) -> tuple[Image.Image, np.ndarray]:
    """The photo's product cut again by ``imgkit.cutout`` once ``separate``'s mask has passed
    its checks: soft shadows removed, holes kept, edge colours freed of the backdrop. Its own
    refusals (a product falling apart, lines across the photo …) refuse the image too."""
    try:
        cut = cut_out(np.asarray(im.convert("RGB")))
    except CutoutRefused as exc:
        raise Refused([f"photo {photo}: {exc.reason}"]) from None
    return Image.fromarray(cut.foreground), cut.alpha


def _drop_specks(mask: np.ndarray, area: int) -> np.ndarray:
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= max(16, area // 2000)
    keep[0] = False
    return keep[labels]


def _grow_mask(mask: np.ndarray) -> np.ndarray:
    return cv2.dilate(mask.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)


def compose(im: Image.Image, alpha: np.ndarray, profile: Profile) -> tuple[Image.Image, dict, list[str]]:
    """The product cut at its box, scaled to the fill, centred on the profile's background."""
    m = profile.main_image
    x, y, bw, bh = bbox(alpha > 0.5)
    rgba = np.dstack([np.asarray(im.convert("RGB")), np.rint(alpha * 255).astype(np.uint8)])
    crop = Image.fromarray(rgba[y:y + bh, x:x + bw], "RGBA")
    scale = min(m.fill * m.width / bw, m.fill * m.height / bh)
    size = (max(1, round(bw * scale)), max(1, round(bh * scale)))
    product = crop.convert("RGBa").resize(size, Image.Resampling.LANCZOS).convert("RGBA")
    canvas = Image.new("RGB", (m.width, m.height), m.background)
    at = ((m.width - size[0]) // 2, (m.height - size[1]) // 2)
    canvas.paste(product, at, product)
    warnings = []
    if scale > MAX_UPSCALE:
        warnings.append(f"the product is enlarged {scale:.1f}x to fill {m.fill:.0%} of the frame: zoom will look "
                        f"soft; use a larger photo")
    placed = {"source_box": [x, y, bw, bh], "scale": round(scale, 4), "placed": [*at, *size],
              "fill": round(max(size[0] / m.width, size[1] / m.height), 4)}
    return canvas, placed, warnings


def make(photo: Path, profile: Profile, *, fmt: str) -> Rendered:
    """The product main image for ``profile`` from ``photo``; ``Refused`` when it cannot be made."""
    from imgkit.main_image.check import check_main_image, product_measure

    m = profile.main_image
    if m.kind != "product":
        raise Refused([f"profile {profile.name!r} makes service main images (logo, company, copy), not product ones"])
    im = load(photo, profile)
    alpha, bg, distance = separate(im, profile)
    cutout = measure_cutout(alpha, distance, backdrop=bg, clean_delta_e=m.clean_delta_e)
    if problems := cutout.problems():
        raise Refused(problems)
    if distance is not None:
        im, alpha = refine(im, photo)
    image, placed, warnings = compose(im, alpha, profile)
    data = encode(image, fmt, m)
    sidecar = {
        "schema": 1, "imgkit": __version__, "kind": "product",
        "profile": {"name": profile.name, "path": str(profile.path)},
        "image": {"format": fmt, "width": m.width, "height": m.height, "bytes": len(data),
                  "sha256": sha256_bytes(data)},
        "source": {"file": str(photo), "size": list(im.size), "background": hex_of(bg)},
        "background": m.background, **placed, "cutout": cutout.as_dict(), "warnings": warnings,
    }
    findings = check_main_image(image, profile)
    errors = [f.message for f in findings if f.severity == ERROR]
    if errors:
        raise Refused([f"the made image fails its own check: {e}" for e in errors])
    sidecar["measured"] = product_measure(image, profile)
    return Rendered(data, fmt, sidecar, tuple(warnings))
