"""The product's mask: seeds from the backdrop model, OpenCV GrabCut, a soft edge.

``seeds`` labels every pixel of the working image for GrabCut: backdrop reached from the
border (sure background), shadows reached from it and enclosed patches of backdrop — the gap
in a mug's handle — (probable background), the rest probable product and its clearly
different core sure product. GrabCut settles the probable ones by colour and by the contrast
across the outline. ``soften`` turns the hard mask into alpha at the photo's full size with a
guided filter (He, Sun and Tang 2013) whose guide is each pixel's difference from the
backdrop, fitted at the working size and applied at full size ("fast guided filter").
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from imgkit.cutout.shadow import outlines, shadow_colour, shadow_like

#: a pixel within max(this, 1.5 × the border's noise) ΔE*ab of the backdrop model is backdrop
MIN_BACKDROP_DELTA_E = 4.0
#: a pixel this many times further than that is surely product
SURE_FACTOR = 3.0
#: enclosed patches of backdrop at least this share of the working image are holes (smaller: specks)
MIN_HOLE_SHARE = 0.0004
#: a hole's median distance from the model exceeds the open backdrop's by at most this (ΔE*ab),
#: or is at most half the backdrop's threshold
HOLE_MARGIN = 1.0
#: ... and at least this share of it backdrop-coloured (the rest shadow)
HOLE_SHARE = 0.3
#: a backdrop of at least this chroma (C*ab) is coloured: its shadows are surely backdrop
CHROMATIC = 12.0
#: GrabCut rounds, and the largest side it works at
ROUNDS, GRABCUT_SIDE = 2, 480
#: guided filter: radius (working px) and regularisation (on the 0..1 guide)
RADIUS, EPS = 2, 1e-3
#: how far (working px, Gaussian sigma) the backdrop next to the product is spread over its edge
LOCAL_SIGMA = 3.0
#: alpha below LOW is backdrop, above HIGH product; between, stretched to 0..1
LOW, HIGH = 0.1, 0.9
#: and within this of 0 or 1, exactly 0 or 1; outside the hard mask, below OUTSIDE_MIN is 0
#: (noise specks that would show as off-white dots)
SNAP, OUTSIDE_MIN = 0.02, 0.2


@dataclass(frozen=True)
class Seeds:
    labels: np.ndarray      # uint8 GrabCut labels (cv2.GC_BGD, GC_FGD, GC_PR_BGD, GC_PR_FGD)
    distance: np.ndarray    # float32 ΔE*ab from the backdrop model
    threshold: float        # the backdrop's ΔE*ab
    shadow: np.ndarray      # bool: shadow reached from the open backdrop
    holes: np.ndarray       # bool: enclosed patches of backdrop


def border_connected(mask: np.ndarray) -> np.ndarray:
    n, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    return np.isin(labels, edge[edge != 0])


def touching(mask: np.ndarray, seed: np.ndarray) -> np.ndarray:
    """The pieces of ``mask`` that overlap ``seed``."""
    n, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    hit = np.unique(labels[seed & mask])
    return np.isin(labels, hit[hit != 0])


def seeds(lab: np.ndarray, backdrop: np.ndarray, noise: float) -> Seeds:
    """GrabCut's labels from the distance to the ``backdrop`` model (or clean plate)."""
    distance = np.linalg.norm(lab - backdrop, axis=-1).astype(np.float32)
    threshold = max(MIN_BACKDROP_DELTA_E, 1.5 * noise)
    close = distance < threshold
    open_backdrop = border_connected(close)
    shaded = shadow_like(lab, backdrop)
    passable = (close | shaded) & ~outlines(lab)
    shadow = touching(passable | open_backdrop, open_backdrop) & ~open_backdrop
    background = open_backdrop | shadow
    h, w = close.shape
    # holes: enclosed patches of backdrop (with the shadows in them: the inside of a coiled rope)
    n, comp, stats, _ = cv2.connectedComponentsWithStats(((close | shaded) & ~background).astype(np.uint8),
                                                         connectivity=4)
    big = stats[:, cv2.CC_STAT_AREA] >= max(12, MIN_HOLE_SHARE * h * w)
    big[0] = False
    # a hole shows the backdrop itself: its backdrop-coloured part as close to the model as the
    # open backdrop is (a white or silver part of the product framed by a dark edge is merely
    # near it), and at least HOLE_SHARE of it
    usual = float(np.median(distance[open_backdrop])) if open_backdrop.any() else 0.0
    # on a coloured backdrop its shadow's colour is its own (on a grey one, any grey part's)
    chromatic = float(np.median(np.hypot(backdrop[..., 1], backdrop[..., 2]))) >= CHROMATIC
    for i in np.flatnonzero(big):
        part = comp == i
        seen = distance[part & close]
        if chromatic and seen.size < HOLE_SHARE * stats[i, cv2.CC_STAT_AREA]:
            continue      # an enclosed shadow of a coloured backdrop
        if seen.size < HOLE_SHARE * stats[i, cv2.CC_STAT_AREA] or \
                np.median(seen) > max(usual + HOLE_MARGIN, threshold / 2):
            big[i] = False
    holes = big[comp]
    labels = np.full((h, w), cv2.GC_PR_FGD, np.uint8)
    labels[shadow] = cv2.GC_BGD if chromatic else cv2.GC_PR_BGD
    labels[holes] = cv2.GC_BGD    # as close to the backdrop as the open backdrop: not for GrabCut to fill
    labels[open_backdrop] = cv2.GC_BGD
    # clearly not the backdrop: product, or an edge pixel mostly product (the soft edge is
    # worked out later; GrabCut at its reduced size would shave it off)
    sure = (distance > SURE_FACTOR * threshold) & ~shadow_colour(lab, backdrop)
    labels[sure & (labels == cv2.GC_PR_FGD)] = cv2.GC_FGD
    return Seeds(labels, distance, threshold, shadow, holes)


def grabcut(rgb: np.ndarray, found: Seeds) -> np.ndarray:
    """The product's hard mask (bool) at the working size. GrabCut runs on the part of the
    image not surely backdrop, reduced to at most GRABCUT_SIDE; it decides only the probable
    pixels, the sure ones stay as seeded. The seeds alone when there are no two sides to model."""
    labels = found.labels
    fg = (labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)
    if not fg.any() or fg.all():
        return fg
    ys, xs = np.nonzero(labels != cv2.GC_BGD)
    h, w = labels.shape
    m = 8
    y0, y1, x0, x1 = max(0, ys.min() - m), min(h, ys.max() + m + 1), max(0, xs.min() - m), min(w, xs.max() + m + 1)
    roi = labels[y0:y1, x0:x1]
    if ((roi == cv2.GC_BGD) | (roi == cv2.GC_PR_BGD)).sum() < 16:
        return fg
    k = min(1.0, GRABCUT_SIDE / max(roi.shape))
    size = (max(8, round(roi.shape[1] * k)), max(8, round(roi.shape[0] * k)))
    small = cv2.resize(roi, size, interpolation=cv2.INTER_NEAREST) if k < 1 else roi.copy()
    bgr = np.ascontiguousarray(rgb[y0:y1, x0:x1, ::-1])
    if k < 1:
        bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)   # GrabCut's k-means: the same photo gives the same mask
    cv2.grabCut(bgr, small, None, bgd, fgd, ROUNDS, cv2.GC_INIT_WITH_MASK)
    decided = ((small == cv2.GC_FGD) | (small == cv2.GC_PR_FGD)).astype(np.uint8) * 255
    if k < 1:
        decided = cv2.resize(decided, (roi.shape[1], roi.shape[0]), interpolation=cv2.INTER_LINEAR)
    out = fg.copy()
    probable = (roi == cv2.GC_PR_FGD) | (roi == cv2.GC_PR_BGD)
    out[y0:y1, x0:x1][probable] = decided[probable] > 127
    # GrabCut may give back to the backdrop only what joins backdrop, shadow or hole seeds: a
    # patch of product it found backdrop-coloured inside the outline (a silver lid framed in
    # black) stays product
    seeded = (labels == cv2.GC_BGD) | (labels == cv2.GC_PR_BGD)
    return ~touching(~out, seeded & ~out) if (~out).any() else out


def tidy(mask: np.ndarray, holes: np.ndarray) -> np.ndarray:
    """Specks apart from the product dropped, pinholes inside it (not the holes) filled."""
    n, comp, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n <= 1:
        return mask
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = np.zeros(n, bool)
    keep[1:] = areas >= max(30, 0.01 * areas.max())
    mask = keep[comp]
    n, comp, stats, _ = cv2.connectedComponentsWithStats((~mask).astype(np.uint8), connectivity=4)
    h, w = mask.shape
    edge = np.unique(np.concatenate([comp[0], comp[-1], comp[:, 0], comp[:, -1]]))
    small = stats[:, cv2.CC_STAT_AREA] < max(12, MIN_HOLE_SHARE * h * w)
    small[edge] = False
    small[0] = False if 0 in edge else small[0]
    fill = small[comp] & ~holes
    return mask | fill


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
