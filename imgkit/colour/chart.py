"""Finding a ColorChecker Classic 24 in a photo (OpenCV only) and sampling its patches.

``find_chart`` works on a copy no larger than ``WORK_SIDE``: it collects square-ish regions
bounded by edges (every colour channel, contrast-stretched, so dark or strongly cast photos
still give edges), groups regions of similar size that sit on a common lattice, and
numbers them on that lattice by fitting a homography (any in-plane rotation, moderate
perspective). Which lattice cell is which patch is then decided by the colours alone: each
of the eight ways to lay the 6×4 chart on the lattice is scored by how well one 3×3 linear
transform maps the sampled colours onto the reference, the colours read through the best of
a few camera responses (sRGB, a raw linear frame, plain gammas): a cast, an exposure error
and a tone curve are explained so, a wrong patch order is not. A score too poor for any
layout means no chart.

Chart coordinates: column ``c`` 0..5, row ``r`` 0..3 in reading order (dark skin at
row 0, column 0; black at row 3, column 5); a patch's centre is at ``(c + .5, r + .5)``
in units of the patch pitch.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from imgkit.colour import ccm
from imgkit.colour import conversions as colour
from imgkit.errors import Rejected

COLS, ROWS = 6, 4
#: photos are searched at most this size (longest side)
WORK_SIDE = 1600
#: half-size of the sampled square, in patch pitches (a patch is ~0.85 pitch wide)
SAMPLE_HALF = 0.22
#: half of the gap between patches, in pitches: where the patch field's outer corners lie
EDGE = 0.08
#: a layout is accepted when one 3×3 transform brings its colours this close (mean ΔE2000)
ACCEPT_DE = 10.0
MIN_MEMBERS = 10
CLIP_HIGH, CLIP_SHARE = 254, 0.02
#: a channel crushed to black: this share of a patch's pixels at or below CLIP_LOW. Noise
#: dithers a dark but recorded channel (a few codes) well above it; one clipped at 0 (out of
#: the camera's gamut, or under-exposed) keeps a tenth to all of its pixels there
CLIP_LOW, CRUSH_SHARE = 2, 0.10
#: Gaussian blurs (px) before edge finding: a sharp pass and a pass for noisy photos
BLURS = (1.2, 2.5)


class NoChartFound(Rejected):
    """The photo shows no 24-patch colour chart that imgkit can find."""


@dataclass(frozen=True)
class Sample:
    """Patch colours read from a photo (full-resolution pixel coordinates)."""

    centres: np.ndarray     # (N, 2) x, y
    outlines: np.ndarray    # (N, 4, 2) corners of each patch as found
    regions: np.ndarray     # (N, 4, 2) corners of the sampled inner square
    rgb: np.ndarray         # (N, 3) sRGB, interquartile mean per channel, 0..255 floats
    clipped: np.ndarray     # (N,) bool: too many pixels at 255, or a channel crushed to 0
    how: str                # "detected", "corners" or "boxes"
    score: float = 0.0      # layout score (mean ΔE2000 after one 3×3 fit)


def grid_points(points) -> np.ndarray:
    return np.asarray(points, np.float64).reshape(-1, 1, 2)


def _project(h: np.ndarray, pts) -> np.ndarray:
    return cv2.perspectiveTransform(grid_points(pts), h).reshape(-1, 2)


def _patch_quads(h: np.ndarray, half: float) -> np.ndarray:
    c, r = np.meshgrid(np.arange(COLS) + 0.5, np.arange(ROWS) + 0.5)
    centres = np.stack([c.ravel(), r.ravel()], axis=1)
    offs = np.array([[-half, -half], [half, -half], [half, half], [-half, half]])
    return _project(h, (centres[:, None, :] + offs[None]).reshape(-1, 2)).reshape(-1, 4, 2)


def sample_quads(rgb: np.ndarray, regions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Robust mean colour and clipping flag of each convex region (N, 4, 2) of a uint8 RGB image.

    The colour is the interquartile mean per channel (the middle half of the values): as
    robust to specks and glare as the median, but not rounded to whole code values; the
    sensor noise dithers the 8-bit codes, so the mean of many pixels recovers fractions of a
    code, which matter in dark channels (a tungsten-lit blue patch is ~10 codes)."""
    h, w = rgb.shape[:2]
    med, clipped = np.zeros((len(regions), 3)), np.zeros(len(regions), bool)
    for i, quad in enumerate(regions):
        x0, y0 = np.floor(quad.min(0)).astype(int)
        x1, y1 = np.ceil(quad.max(0)).astype(int) + 1
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
        if x1 - x0 < 1 or y1 - y0 < 1:
            raise NoChartFound("a chart patch lies outside the photo")
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillConvexPoly(mask, np.round(quad - [x0, y0]).astype(np.int32), 1)
        px = rgb[y0:y1, x0:x1][mask.astype(bool)]
        if px.size == 0:
            px = rgb[y0:y1, x0:x1].reshape(-1, 3)
        ordered = np.sort(px, axis=0)
        q = len(ordered) // 4
        med[i] = ordered[q:len(ordered) - q].mean(axis=0)
        clipped[i] = ((px >= CLIP_HIGH).any(axis=1).mean() > CLIP_SHARE
                      or (px <= CLIP_LOW).mean(axis=0).max() >= CRUSH_SHARE)
    return med, clipped


def sample_grid(rgb: np.ndarray, h: np.ndarray, how: str, score: float = 0.0) -> Sample:
    """Sample the 24 patches of a chart whose grid → photo homography is ``h``."""
    outlines = _patch_quads(h, 0.5 - EDGE)
    regions = _patch_quads(h, SAMPLE_HALF)
    med, clipped = sample_quads(rgb, regions)
    return Sample(outlines.mean(1), outlines, regions, med, clipped, how, score)


def from_corners(rgb: np.ndarray, corners, reference_lab: np.ndarray) -> Sample:
    """Chart from the outer corners of its four corner patches, in any order (patch order from the colours)."""
    pts = np.asarray(corners, np.float64)
    if pts.shape != (4, 2):
        raise ValueError(f"corners: expected 4 points (x, y), got shape {pts.shape}")
    hull = cv2.convexHull(pts.astype(np.float32)).reshape(-1, 2)
    if len(hull) != 4 or cv2.contourArea(hull) < 16:
        raise ValueError("corners: the four points must form a convex quadrilateral")
    grid = np.array([[EDGE, EDGE], [COLS - EDGE, EDGE], [COLS - EDGE, ROWS - EDGE], [EDGE, ROWS - EDGE]])
    best = None
    for order in (hull, hull[::-1]):
        for shift in range(4):   # the eight ways to match the chart's corners to the points
            quad = np.roll(order, -shift, axis=0)
            h = cv2.getPerspectiveTransform(grid.astype(np.float32), quad.astype(np.float32)).astype(np.float64)
            try:
                s = sample_grid(rgb, h, "corners")
            except NoChartFound:
                continue
            score = layout_score(s.rgb, reference_lab, s.clipped)
            if best is None or score < best[0]:
                best = (score, h)
    if best is None:
        raise NoChartFound("the given corners lie outside the photo")
    return sample_grid(rgb, best[1], "corners", best[0])


#: camera responses a candidate's colours are read through before judging it: sRGB's curve (a
#: camera JPEG), a raw linear frame (machine vision), and plain gammas (webcams, gamma settings)
RESPONSES = (("sRGB", colour.srgb_to_linear),) + tuple(
    (f"gamma {g:g}", lambda v, g=g: np.clip(v, 0, None) ** g) for g in (1.0, 1.4, 1.8, 2.2, 2.6))


def layout_score(rgb: np.ndarray, reference_lab: np.ndarray, clipped=None) -> float:
    """Mean ΔE2000 left after the best single 3×3 linear transform (a cast) of sampled to
    reference, the sampled codes read through the best of :data:`RESPONSES` (a tone curve):
    a cast, an exposure and a camera's response are explained, a wrong patch order is not."""
    codes = np.asarray(rgb, np.float64) / 255.0
    use = np.ones(len(codes), bool) if clipped is None else ~np.asarray(clipped)
    if use.sum() < 12:
        use = np.ones(len(codes), bool)
    ref_lin = colour.lab_to_linear(reference_lab)
    best = np.inf
    for _, decode in RESPONSES:
        lin = decode(codes)
        f = ccm.fit_matrix(lin[use], ref_lin[use], refine=False)
        best = min(best, float(np.mean(colour.delta_e_2000(ccm.predict_lab(f, lin[use]), reference_lab[use]))))
    return best


def find_chart(rgb: np.ndarray, reference_lab: np.ndarray) -> Sample:
    """Find the 24-patch chart in a uint8 RGB photo and sample it; :class:`NoChartFound` if none."""
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"rgb: expected uint8 (H, W, 3), got {rgb.dtype} {rgb.shape}")
    best, scale = None, 1.0
    for side in (WORK_SIDE, 2 * WORK_SIDE):   # a second, finer look only for small charts
        scale = min(1.0, side / max(rgb.shape[:2]))
        work = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else rgb
        for group in _groups(_candidates(work)):
            found = _best_layout(work, group, reference_lab)
            if found and (best is None or found[0] < best[0]):
                best = found
        if (best is not None and best[0] <= ACCEPT_DE) or scale == 1.0:
            break
    if best is None or best[0] > ACCEPT_DE:
        detail = "" if best is None else f" (best candidate fits the chart's colours only to ΔE2000 {best[0]:.1f})"
        raise NoChartFound(f"no colour chart found{detail}; give its corners with --corners x1,y1,...,x4,y4")
    up = np.diag([1 / scale, 1 / scale, 1.0])
    return sample_grid(rgb, up @ best[1], "detected", best[0])


# -- finding square regions -----------------------------------------------------------------

def _candidates(work: np.ndarray) -> np.ndarray:
    """Square-ish regions bounded by edges: rows of (x, y, side)."""
    side = max(work.shape[:2])
    lo, hi = (side * 0.004) ** 2, (side * 0.16) ** 2
    found = []
    for cnt in (c for sigma in BLURS for c in _regions(work, sigma)):
        area = cv2.contourArea(cnt)
        if not lo <= area <= hi:
            continue
        (cx, cy), (w, h), _ = cv2.minAreaRect(cnt)
        if min(w, h) < 4 or max(w, h) / min(w, h) > 1.8 or area / (w * h) < 0.72:
            continue
        hull = cv2.convexHull(cnt)
        if area / max(cv2.contourArea(hull), 1) < 0.88:
            continue
        found.append((cx, cy, np.sqrt(area)))
    if not found:
        return np.zeros((0, 3))
    pts = np.array(found)
    pts = pts[np.argsort(-pts[:, 2], kind="stable")]
    kept = np.zeros(len(pts), bool)   # the same region is found as a hole and as an outline: keep one
    for i in range(len(pts)):
        others = pts[kept]
        kept[i] = not np.any(np.hypot(*(pts[i, :2] - others[:, :2]).T) <= 0.4 * others[:, 2])
    return pts[kept]


def _regions(work: np.ndarray, sigma: float):
    """Outlines of the regions that edges (any channel, contrast-stretched) enclose."""
    blur = cv2.GaussianBlur(work, (0, 0), sigma)
    edges = np.zeros(work.shape[:2], np.uint8)
    for ch in cv2.split(blur):
        top = float(np.percentile(ch, 99.5)) or 1.0
        edges |= cv2.Canny(cv2.convertScaleAbs(ch, alpha=255.0 / top), 20, 50)
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    return cv2.findContours(255 - edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)[0]


def _groups(cands: np.ndarray):
    """Connected sets of similar-sized regions that are each other's lattice neighbours."""
    n = len(cands)
    if n < MIN_MEMBERS:
        return
    xy, s = cands[:, :2], cands[:, 2]
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    ms = (s[:, None] + s[None, :]) / 2
    near = (d > 0.9 * ms) & (d < 1.9 * ms) & (np.abs(s[:, None] - s[None, :]) < 0.3 * ms)
    parent = list(range(n))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(*np.nonzero(near), strict=True):
        parent[root(i)] = root(j)
    labels = np.array([root(i) for i in range(n)])
    for lab in np.unique(labels):
        idx = np.flatnonzero(labels == lab)
        if len(idx) >= MIN_MEMBERS:
            yield cands[idx]


# -- numbering a group on its lattice ---------------------------------------------------------

def _lattice(group: np.ndarray):
    """Integer lattice coordinates (u, v) of the group's members and a homography lattice → work image."""
    xy, s = group[:, :2], np.median(group[:, 2])
    d = xy[None, :, :] - xy[:, None, :]
    dist = np.hypot(d[..., 0], d[..., 1])
    close = (dist > 0.9 * s) & (dist < 1.45 * s)
    if close.sum() < 4:
        return None
    ang = np.arctan2(d[close][:, 1], d[close][:, 0])
    theta = np.angle(np.exp(4j * ang).mean()) / 4
    pitch = float(np.median(dist[close]))
    e1, e2 = np.array([np.cos(theta), np.sin(theta)]), np.array([-np.sin(theta), np.cos(theta)])
    seed = xy[np.argmin(np.hypot(*(xy - np.median(xy, 0)).T))]
    uv = np.stack([(xy - seed) @ e1, (xy - seed) @ e2], axis=1) / pitch
    h = None
    for radius in (1.6, 2.6, 4.0, 9.0):
        cells = np.round(uv)
        ok = (np.abs(uv - cells).max(1) < 0.3) & (np.abs(cells).max(1) <= radius)
        ok &= _unique_cells(cells, uv, ok)
        if ok.sum() < 6:
            return None
        h, _ = cv2.findHomography(cells[ok], xy[ok], 0)
        if h is None:
            return None
        uv = _project(np.linalg.inv(h), xy)  # re-read every member through the fitted lattice
    cells = np.round(uv)
    ok = (np.abs(uv - cells).max(1) < 0.25) & _unique_cells(cells, uv, np.ones(len(uv), bool))
    return cells[ok].astype(int), xy[ok], h


def _unique_cells(cells, uv, ok):
    """Keep, per lattice cell, only the member closest to it."""
    keep = ok.copy()
    err = np.abs(uv - cells).max(1)
    seen: dict[tuple, int] = {}
    for i in np.flatnonzero(ok):
        key = tuple(cells[i])
        if key in seen:
            j = seen[key]
            loser = i if err[i] >= err[j] else j
            keep[loser] = False
            if loser == j:
                seen[key] = i
        else:
            seen[key] = i
    return keep


#: the eight ways to lay chart (col, row) on lattice (u, v): swap axes, then flip either
_LAYOUTS = [(swap, fu, fv) for swap in (False, True) for fu in (False, True) for fv in (False, True)]


def _best_layout(work: np.ndarray, group: np.ndarray, reference_lab: np.ndarray):
    found = _lattice(group)
    if found is None:
        return None
    cells, xy, h_lat = found
    pitch = np.sqrt(abs(np.linalg.det(cv2.getPerspectiveTransform(
        np.float32([[0, 0], [1, 0], [1, 1], [0, 1]]),
        _project(h_lat, [[0, 0], [1, 0], [1, 1], [0, 1]]).astype(np.float32))[:2, :2])))
    k = max(1, int(pitch * 2 * SAMPLE_HALF))
    boxed = cv2.blur(work, (k, k))   # box means at every pixel: a layout is scored by 24 lookups
    centres = np.array([[c + 0.5, r + 0.5] for r in range(ROWS) for c in range(COLS)])
    umin, vmin = cells.min(0)
    umax, vmax = cells.max(0)
    best = None
    for swap, fu, fv in _LAYOUTS:
        nu, nv = (ROWS, COLS) if swap else (COLS, ROWS)
        for u0 in range(umin - nu + 1, umax + 1):
            for v0 in range(vmin - nv + 1, vmax + 1):
                a, b = cells[:, 0] - u0, cells[:, 1] - v0    # lattice → window cell
                inside = (a >= 0) & (a < nu) & (b >= 0) & (b < nv)
                if inside.sum() < MIN_MEMBERS:
                    continue
                a, b = a[inside], b[inside]
                a, b = (nu - 1 - a if fu else a), (nv - 1 - b if fv else b)
                col, row = (b, a) if swap else (a, b)
                h, _ = cv2.findHomography(np.stack([col + 0.5, row + 0.5], 1).astype(np.float64), xy[inside], 0)
                if h is None or not _inside(_patch_quads(h, 0.5).reshape(-1, 2), work.shape, 0):
                    continue
                px = np.round(_project(h, centres)).astype(int)
                rgb = boxed[px[:, 1], px[:, 0]].astype(np.float64)
                score = layout_score(rgb, reference_lab, (rgb >= CLIP_HIGH).any(1))
                if best is None or score < best[0]:
                    best = (score, h)
    return best


def _inside(pts: np.ndarray, shape, margin: float) -> bool:
    return bool((pts.min() >= margin) and (pts[:, 0].max() < shape[1] - margin)
                and (pts[:, 1].max() < shape[0] - margin))
