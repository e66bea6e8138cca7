"""The product's hard mask at the working size: seeds from the backdrop model, then GrabCut.

``seeds`` labels every pixel of the working image for GrabCut: backdrop reached from the
border and enclosed patches as close to the model as it (holes: the gap in a mug's handle,
a rope's loops) are sure background; soft shadows reached from the open backdrop probable
background (sure on a coloured backdrop); the rest probable product, and what is clearly
not the backdrop sure product. GrabCut settles the probable ones by colour and by the
contrast across the outline, but may not open backdrop inside the outline; ``tidy`` drops
specks and fills pinholes. ``edge.py`` makes the soft edge at full size.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from imgkit.cutout.shadow import gradient, outlines, shadow_colour, shadow_like

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
#: where a shadow meets the open backdrop its lightness changes by at most this (L* per working
#: px, on average): a penumbra, not a product's edge
SHADOW_EDGE = 1.5
#: a backdrop of at least this chroma (C*ab) is coloured: its shadows are surely backdrop
CHROMATIC = 12.0
#: GrabCut rounds, and the largest side it works at
ROUNDS, GRABCUT_SIDE = 2, 480


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


def _soft_shadows(passable: np.ndarray, open_backdrop: np.ndarray, lab: np.ndarray, *, fade: bool) -> np.ndarray:
    """The pieces of ``passable`` (shadow-coloured, no outline crossed) that meet the open
    backdrop and, with ``fade``, fade into it: where they meet it, lightness changes gently
    (a penumbra), not in a step (a light-grey face of the product next to the backdrop)."""
    n, comp = cv2.connectedComponents(passable.astype(np.uint8), connectivity=8)
    if n <= 1:
        return np.zeros_like(passable)
    meet = cv2.dilate(open_backdrop.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & passable
    steep = gradient(lab[..., 0])[meet]
    touches = np.bincount(comp[meet], minlength=n)
    mean = np.bincount(comp[meet], weights=steep, minlength=n) / np.maximum(touches, 1)
    keep = (touches > 0) & ((mean <= SHADOW_EDGE) | (not fade))
    keep[0] = False
    return keep[comp]


def seeds(lab: np.ndarray, backdrop: np.ndarray, noise: float) -> Seeds:
    """GrabCut's labels from the distance to the ``backdrop`` model (or clean plate)."""
    distance = np.linalg.norm(lab - backdrop, axis=-1).astype(np.float32)
    threshold = max(MIN_BACKDROP_DELTA_E, 1.5 * noise)
    close = distance < threshold
    open_backdrop = border_connected(close)
    # on a coloured backdrop its shadow's colour is its own (hue kept); on a grey one any grey
    # part of the product has it, so there a shadow must also fade into the backdrop
    chromatic = float(np.median(np.hypot(backdrop[..., 1], backdrop[..., 2]))) >= CHROMATIC
    shaded = shadow_like(lab, backdrop)
    shadow = _soft_shadows((close | shaded) & ~outlines(lab) & ~open_backdrop, open_backdrop, lab,
                           fade=not chromatic)
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
