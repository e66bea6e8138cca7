"""The soft edge at the photo's full size, and the backdrop's colour under it.

The hard mask is found at the working size; its outline is worked out at full size only:
a guided filter (He, Sun and Tang 2013) whose guide is each pixel's difference from the
backdrop, its linear coefficients fitted at the working size and applied to the full-size
pixels ("fast guided filter"), blended with the pixel's place between the product's and the
backdrop's colours next to it where both are known (I = αF + (1 − α)B, projected on F − B).
The backdrop next to the product is the photo's own (shadows and all), or the clean plate.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from imgkit.cutout.shadow import shadow_colour

#: guided filter: radius (working px) and regularisation (on the 0..1 guide)
RADIUS, EPS = 2, 1e-3
#: how far (working px, Gaussian sigma) the backdrop next to the product is spread over its edge
LOCAL_SIGMA = 3.0
#: alpha below LOW is backdrop, above HIGH product; between, stretched to 0..1
LOW, HIGH = 0.1, 0.9
#: and within this of 0 or 1, exactly 0 or 1; outside the hard mask, below OUTSIDE_MIN is 0
#: (noise specks that would show as off-white dots)
SNAP, OUTSIDE_MIN = 0.02, 0.2


def _box(a: np.ndarray, r: int) -> np.ndarray:
    return cv2.boxFilter(a, cv2.CV_32F, (2 * r + 1, 2 * r + 1), borderType=cv2.BORDER_REFLECT)


def guide(rgb: np.ndarray, backdrop_rgb: np.ndarray) -> np.ndarray:
    """Each pixel's difference from the backdrop, 0..2 (float32; its grey plus its largest
    channel): what tells product from backdrop, the guided filter's guide."""
    diff = cv2.absdiff(rgb, backdrop_rgb)
    return (cv2.cvtColor(diff, cv2.COLOR_RGB2GRAY).astype(np.float32) + diff.max(axis=2)) * (1 / 255)


def _sample(img: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Bilinear samples of ``img`` (HxW or HxWxC float32) at float coordinates (cv2.remap over
    the points laid out in rows)."""
    n = xs.size
    width = 4096
    rows = max(1, -(-n // width))
    mx = np.zeros(rows * width, np.float32)
    my = np.zeros(rows * width, np.float32)
    mx[:n], my[:n] = xs, ys
    out = cv2.remap(np.ascontiguousarray(img, np.float32), mx.reshape(rows, width), my.reshape(rows, width),
                    cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return out.reshape(rows * width, *img.shape[2:])[:n]


@dataclass(frozen=True)
class Edge:
    """The soft band at full size: its pixels and the backdrop's colour under each."""
    ys: np.ndarray
    xs: np.ndarray
    backdrop: np.ndarray    # float32 Nx3 sRGB 0..255


def _spread(rgb: np.ndarray, where: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Normalised convolution: the colours under ``where`` spread around (float32), how much
    of them is near (0..1) and their local spread (the texture's standard deviation)."""
    w = where.astype(np.float32)
    weight = cv2.GaussianBlur(w, (0, 0), LOCAL_SIGMA)
    f = rgb.astype(np.float32)
    mean = cv2.GaussianBlur(f * w[..., None], (0, 0), LOCAL_SIGMA) / np.maximum(weight, 1e-6)[..., None]
    square = cv2.GaussianBlur(f * f * w[..., None], (0, 0), LOCAL_SIGMA) / np.maximum(weight, 1e-6)[..., None]
    spread = np.sqrt(np.maximum(square - mean * mean, 0).sum(axis=2))
    return mean, weight, spread


def local_backdrop(rgb: np.ndarray, mask: np.ndarray, model: np.ndarray) -> np.ndarray:
    """The backdrop as it is next to the product (float32 sRGB 0..255): the photo's own
    backdrop pixels spread over the outline, so an edge against a shadow is judged against the
    shadow; the model where no backdrop pixel is near."""
    free = cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8), iterations=2) == 0
    local, weight, _ = _spread(rgb, free)
    k = np.clip(weight / 0.2, 0, 1)[..., None]
    return k * local + (1 - k) * model.astype(np.float32)


def local_product(rgb: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The product's colour next to its outline (float32) and how far it can be trusted there
    (0..1: interior pixels near, and the product plain enough that its mean says its colour)."""
    inner = cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8), iterations=2) > 0
    colour, weight, spread = _spread(rgb, inner)
    return colour, np.clip(weight / 0.2, 0, 1) * np.clip(1 - spread / 40, 0, 1)


def soften(mask: np.ndarray, rgb_small: np.ndarray, backdrop_small: np.ndarray, rgb: np.ndarray,
           box: tuple[int, int, int, int], shadow: np.ndarray, backdrop_lab: np.ndarray, threshold: float, *,
           exact: bool = False) -> tuple[np.ndarray, Edge]:
    """Alpha (float32 0..1) at the size of ``rgb``, and its soft band: the guided filter's
    linear coefficients are fitted at the working size and applied to the full-size guide
    only near the outline; elsewhere the mask, upsampled. 0 outside ``box``, 0 outside the mask
    on pixels within ``threshold`` ΔE*ab of the backdrop next to them, and 0 on the
    ``shadow`` and on shadow-coloured pixels outside the mask (a shadow differs from the
    backdrop as much as a product's edge does; a little alpha there would leave a grey
    smudge on white). ``exact``: the backdrop is a clean plate, used as it is (a smooth model
    is replaced by the backdrop's own pixels next to the product, shadows and all)."""
    p = mask.astype(np.float32)
    if exact:
        backdrop_small = backdrop_small.astype(np.float32)
    else:
        backdrop_small = local_backdrop(rgb_small, mask, backdrop_small)
    product_small, trust = local_product(rgb_small, mask)
    small_guide = guide(rgb_small, np.clip(np.rint(backdrop_small), 0, 255).astype(np.uint8))
    mean_i, mean_p = _box(small_guide, RADIUS), _box(p, RADIUS)
    cov = _box(small_guide * p, RADIUS) - mean_i * mean_p
    var = _box(small_guide * small_guide, RADIUS) - mean_i * mean_i
    a = cov / (var + EPS)
    b = mean_p - a * mean_i
    a, b = _box(a, RADIUS), _box(b, RADIUS)
    kernel = np.ones((3, 3), np.uint8)
    m8 = mask.astype(np.uint8)
    band = cv2.dilate(m8, kernel, iterations=2) - cv2.erode(m8, kernel, iterations=2)
    band[shadow & ~mask] = 0
    fh, fw = rgb.shape[:2]
    sh, sw = mask.shape
    x, y, w, h = box
    alpha = np.zeros((fh, fw), np.float32)
    if (sh, sw) == (fh, fw):
        hard, wide = m8[y:y + h, x:x + w], band[y:y + h, x:x + w]
    else:
        up = np.ascontiguousarray
        hard = cv2.resize(m8 * 255, (fw, fh), interpolation=cv2.INTER_LINEAR)[y:y + h, x:x + w] > 127
        wide = up(cv2.resize(band, (fw, fh), interpolation=cv2.INTER_NEAREST)[y:y + h, x:x + w])
    alpha[y:y + h, x:x + w] = hard
    ys, xs = np.nonzero(wide)
    outside = ~hard[ys, xs]
    ys, xs = ys + y, xs + x
    # full-size pixel centres in working-image coordinates
    sx, sy = (xs + 0.5) * (sw / fw) - 0.5, (ys + 0.5) * (sh / fh) - 0.5
    sx, sy = sx.astype(np.float32), sy.astype(np.float32)
    under = _sample(backdrop_small, sx, sy)
    pixels = rgb[ys, xs].astype(np.float32)
    diff = np.abs(pixels - under)
    g = (diff @ np.array([0.299, 0.587, 0.114], np.float32) + diff.max(axis=1)) * (1 / 255)
    soft = _sample(a, sx, sy) * g + _sample(b, sx, sy)
    soft = np.clip((soft - LOW) * (1 / (HIGH - LOW)), 0, 1)
    # where the product's colour next to the edge is known and far from the backdrop's, alpha
    # is where the pixel lies between the two (I = αF + (1 − α)B, projected on F − B)
    towards = _sample(product_small, sx, sy) - under
    length2 = (towards * towards).sum(axis=1)
    mixed = np.clip(((pixels - under) * towards).sum(axis=1) / np.maximum(length2, 1e-6), 0, 1)
    sure = _sample(trust, sx, sy) * np.clip((np.sqrt(length2) - 20) / 40, 0, 1)
    soft = sure * mixed + (1 - sure) * soft
    soft[soft < SNAP] = 0
    soft[soft > 1 - SNAP] = 1
    lab = cv2.cvtColor(pixels[:, None] * (1 / 255), cv2.COLOR_RGB2Lab)[:, 0]
    near = cv2.cvtColor((np.clip(under, 0, 255) * (1 / 255)).astype(np.float32)[:, None], cv2.COLOR_RGB2Lab)[:, 0]
    like = np.linalg.norm(lab - near, axis=1) < threshold
    soft[outside & (like | shadow_colour(lab, _sample(backdrop_lab, sx, sy)) | (soft < OUTSIDE_MIN))] = 0
    alpha[ys, xs] = soft
    return alpha, Edge(ys, xs, under)
