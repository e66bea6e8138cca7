"""Studio scenes with a known outline: real photo textures (the shared corpus) cut into
shapes with holes, on a sweep (vertical gradient, vignette, sensor noise) with a soft contact
shadow, through a real JPEG round trip. The true alpha and colours come with each scene."""

from __future__ import annotations

import io
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from tests.conftest import CORPUS

PHOTOS = CORPUS / "photos"
SUPER = 4   # shapes are drawn this many times larger and reduced: an anti-aliased edge


@dataclass(frozen=True)
class Scene:
    rgb: np.ndarray         # the photo (uint8, after JPEG)
    alpha: np.ndarray       # the true alpha (float32)
    product: np.ndarray     # the true product colours (uint8, everywhere)
    backdrop: np.ndarray    # the empty backdrop (float32 0..255, without the shadow)
    shadow: np.ndarray      # bool: where the shadow darkens the backdrop by more than 3 %
    hole: np.ndarray        # bool: inside the hole(s), away from their edge
    plate: np.ndarray       # uint8: the empty backdrop photographed (its own noise, JPEG)
    seen: np.ndarray        # uint8: the product's texture photographed whole (the same noise, JPEG)


def texture(name: str, box: tuple[int, int, int, int], size: tuple[int, int]) -> np.ndarray:
    im = Image.open(PHOTOS / name).convert("RGB").crop(box)
    return np.asarray(im.resize(size, Image.Resampling.BICUBIC))


def sweep(width: int, height: int, colour=(226, 226, 230), *, top: float = 1.06, bottom: float = 0.9,
          vignette: float = 0.12) -> np.ndarray:
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    gradient = top + (bottom - top) * ys / (height - 1)
    r2 = ((xs - width / 2) / (width / 2)) ** 2 + ((ys - height / 2) / (height / 2)) ** 2
    light = gradient * (1 - vignette * r2 / 2)
    return np.clip(np.asarray(colour, np.float32)[None, None] * light[..., None], 0, 255)


def mug(width: int, height: int, cx: float, cy: float, r: float) -> np.ndarray:
    """A mug from the side: a rounded body and a handle loop (its inside is a hole)."""
    big = np.zeros((height * SUPER, width * SUPER), np.uint8)
    s = SUPER
    x0, x1 = int((cx - r) * s), int((cx + r) * s)
    y0, y1 = int((cy - 1.1 * r) * s), int((cy + 1.1 * r) * s)
    cv2.rectangle(big, (x0, y0), (x1, y1), 255, -1)
    cv2.ellipse(big, (int((cx + r) * s), int(cy * s)), (int(0.55 * r * s), int(0.6 * r * s)), 0, 0, 360, 255,
                int(0.22 * r * s))
    return cv2.resize(big, (width, height), interpolation=cv2.INTER_AREA).astype(np.float32) / 255


def ring(width: int, height: int, cx: float, cy: float, r: float, inner: float) -> np.ndarray:
    big = np.zeros((height * SUPER, width * SUPER), np.uint8)
    cv2.circle(big, (int(cx * SUPER), int(cy * SUPER)), int(r * SUPER), 255, -1)
    cv2.circle(big, (int(cx * SUPER), int(cy * SUPER)), int(inner * SUPER), 0, -1)
    return cv2.resize(big, (width, height), interpolation=cv2.INTER_AREA).astype(np.float32) / 255


def contact_shadow(alpha: np.ndarray, depth: float = 0.35) -> np.ndarray:
    """How much light the backdrop keeps (1 = all): a soft shadow under the shape's base."""
    h, w = alpha.shape
    rows = np.flatnonzero(alpha.max(axis=1) > 0.5)
    cols = np.flatnonzero(alpha.max(axis=0) > 0.5)
    blob = np.zeros((h, w), np.float32)
    cx, bottom, half = (cols[0] + cols[-1]) / 2, rows[-1], (cols[-1] - cols[0]) / 2
    cv2.ellipse(blob, (int(cx + 0.15 * half), int(bottom)), (int(1.05 * half), int(0.12 * half)), 0, 0, 360,
                1.0, -1)
    blob = cv2.GaussianBlur(blob, (0, 0), 0.08 * half)
    return 1 - depth * blob / blob.max()


def _jpeg(rgb: np.ndarray, quality: int = 92) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def compose(alpha: np.ndarray, product: np.ndarray, backdrop: np.ndarray, *, shadow_depth: float = 0.35,
            noise: float = 2.0, seed: int = 1, hole_from: np.ndarray | None = None) -> Scene:
    rng = np.random.default_rng(seed)
    light = contact_shadow(alpha, shadow_depth) if shadow_depth else np.ones(alpha.shape, np.float32)
    behind = backdrop * light[..., None]
    a = alpha[..., None]
    photo = a * product.astype(np.float32) + (1 - a) * behind
    grain = rng.normal(0, noise, photo.shape).astype(np.float32)
    photo += grain
    seen = _jpeg(np.clip(np.rint(product.astype(np.float32) + grain), 0, 255).astype(np.uint8))
    plate = backdrop + rng.normal(0, noise, backdrop.shape).astype(np.float32)
    solid = hole_from if hole_from is not None else alpha
    hole = _holes(solid > 0.5)
    # 5 px in from its edge: JPEG's 4:2:0 chroma bleeds the product's colour a few pixels out
    hole = cv2.erode(hole.astype(np.uint8), np.ones((11, 11), np.uint8)).astype(bool)
    return Scene(_jpeg(np.clip(np.rint(photo), 0, 255).astype(np.uint8)), alpha, product, backdrop,
                 (light < 0.97) & (alpha == 0), hole, _jpeg(np.clip(np.rint(plate), 0, 255).astype(np.uint8)), seen)


def _holes(solid: np.ndarray) -> np.ndarray:
    n, labels = cv2.connectedComponents((~solid).astype(np.uint8), connectivity=4)
    edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    return ~np.isin(labels, edge) & ~solid


def mug_scene(width: int = 1200, height: int = 900, **kw) -> Scene:
    alpha = mug(width, height, width * 0.45, height * 0.5, height * 0.28)
    # the coffee photo's red saucer and cup: a red-brown glazed mug
    product = texture("skimage__coffee.png", (80, 60, 480, 390), (width, height))
    return compose(alpha, product, sweep(width, height), **kw)


def ring_scene(width: int = 1200, height: int = 900, **kw) -> Scene:
    alpha = ring(width, height, width * 0.5, height * 0.48, height * 0.33, height * 0.16)
    # chelsea's tabby fur
    product = texture("skimage__chelsea.png", (20, 20, 440, 290), (width, height))
    return compose(alpha, product, sweep(width, height, (214, 220, 232)), **kw)


def grey_mug_scene(width: int = 1200, height: int = 900, **kw) -> Scene:
    """The hard case for shadows: a grey product (light-grey parts included) on a grey sweep."""
    alpha = mug(width, height, width * 0.45, height * 0.5, height * 0.28)
    grey = texture("skimage__camera.png", (100, 60, 400, 360), (width, height))[..., :1]
    return compose(alpha, np.repeat(grey, 3, axis=2), sweep(width, height), **kw)
