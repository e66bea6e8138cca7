"""Finding the shop's watermark in a picture: normalised cross-correlation over position and
scale (OpenCV ``matchTemplate``), pure arrays in and out, no file I/O.

A mark composited with alpha ``a`` and opacity ``o`` over a background ``bg`` gives
``I = bg·(1 - o·a) + o·a·m``. Where the background is locally even, ``I`` is a linear mix of
three maps: a constant, the coverage ``a`` and the mark ``a·m``. The score of a place is the
*partial* correlation of the picture with ``a·m`` once the constant and the coverage are
taken out, over the pixels the mark covers (``a > 0.5``): 1 for the mark on any plain
background, whatever its opacity or the background's brightness; near 0 for a photo. Only a
positive correlation counts (the mark, not its negative).

Search: a coarse pass at one canonical template size (the picture is resized per scale, so
every scale is judged with the same template, blurred and padded so a few pixels or percent
off still correlate), then the best candidates refined at full resolution. When the caller
knows where the mark should be (the profile's place), that place is tried first and the
search is skipped when it scores well.

OpenCV is imported by the functions that use it: ``build`` reaches this module through its
header-only report and never searches, so it does not pay for loading OpenCV.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from imgkit.imaging.watermark import mark_size

LUMA = np.array([0.299, 0.587, 0.114], np.float32)
COARSE_WIDTH = 64        # template width of the coarse pass, px
COARSE_BLUR = 1.0        # Gaussian sigma of the coarse pass, px
COARSE_STEP = 1.06       # scale ratio between coarse steps
COARSE_TILES = 4         # background may differ across the mark: one level per vertical strip
CANDIDATES = 8           # free-position coarse candidates checked at full resolution
FINAL = 4                # of those checked, how many are refined over scale
QUICK_SCALES = (0.97, 1.0, 1.03)  # coarse steps are 6 %: a candidate is checked at three widths
REFINE_SCALES = (0.96, 0.98, 1.0, 1.02, 1.04)
SCORE_TILES = (2, 8)     # rows, columns of the full-resolution score
MIN_STD = 2.0            # grey levels: a flatter window cannot show a mark


@dataclass(frozen=True)
class WatermarkTemplate:
    """A watermark as the detector sees it: coverage and coverage × luma, float64 0..1 / 0..255."""

    alpha: np.ndarray
    alpha_luma: np.ndarray

    @property
    def aspect(self) -> float:
        return self.alpha.shape[0] / self.alpha.shape[1]


@dataclass(frozen=True)
class Match:
    """Best place found: ``score`` in -1..1 and the mark's box in picture pixels."""

    score: float
    x: int = 0
    y: int = 0
    width: int = 0
    height: int = 0


NO_MATCH = Match(-1.0)


def luma(rgb: np.ndarray) -> np.ndarray:
    """Rec. 601 luma of an RGB uint8/float array as float32 (grey input passes through)."""
    if rgb.ndim == 2:
        return rgb.astype(np.float32)
    return rgb[..., :3].astype(np.float32) @ LUMA


def template_from_rgba(rgba: np.ndarray) -> WatermarkTemplate:
    if rgba.ndim != 3 or rgba.shape[2] != 4:
        raise ValueError(f"expected an RGBA array (H, W, 4), got shape {rgba.shape}")
    alpha = rgba[..., 3].astype(np.float64) / 255.0
    return WatermarkTemplate(alpha=alpha, alpha_luma=alpha * luma(rgba).astype(np.float64))


def _resized(mark: WatermarkTemplate, width: float) -> tuple[np.ndarray, np.ndarray]:
    """The template ``width`` px wide, sized as the drawer sizes the mark (``mark_size``)."""
    import cv2
    w, h = (max(2, v) for v in mark_size(mark.alpha.shape[1], mark.alpha.shape[0], width))
    interp = cv2.INTER_AREA if w < mark.alpha.shape[1] else cv2.INTER_LINEAR
    return (cv2.resize(mark.alpha, (w, h), interpolation=interp),
            cv2.resize(mark.alpha_luma, (w, h), interpolation=interp))


def score_at(gray: np.ndarray, mark: WatermarkTemplate, x: int, y: int, width: float) -> Match:
    """Masked partial correlation of ``gray`` with the mark at one place and width (the exact
    width the mark was drawn at: its height is rounded from it, as the drawer does).

    The box is cut in ``SCORE_TILES`` tiles; each tile gets its own background level and
    coverage term (a background that changes across the mark: an edge, a shadow), while the
    mark's contrast is shared by all tiles, so a photo must repeat the mark's pattern with
    one contrast everywhere to score high.
    """
    a, am = _resized(mark, width)
    h, w = a.shape
    if x < 0 or y < 0 or y + h > gray.shape[0] or x + w > gray.shape[1]:
        return NO_MATCH
    win = gray[y:y + h, x:x + w].astype(np.float64)
    rows, cols = SCORE_TILES
    ys = [round(i * h / rows) for i in range(rows + 1)]
    xs = [round(i * w / cols) for i in range(cols + 1)]
    num = e_win = e_sig = 0.0
    spread = []
    for y0, y1 in pairwise(ys):
        for x0, x1 in pairwise(xs):
            sel = a[y0:y1, x0:x1] > 0.5
            if sel.sum() < 4:
                continue
            i, s, c = (v[y0:y1, x0:x1][sel] for v in (win, am, a))
            i, s, c = i - i.mean(), s - s.mean(), c - c.mean()
            n = np.linalg.norm(c)
            if n > 1e-9:
                u = c / n
                i, s = i - (i @ u) * u, s - (s @ u) * u
            num += i @ s
            e_win += i @ i
            e_sig += s @ s
            spread.append(i.std())
    if not spread or max(spread) < MIN_STD or e_win * e_sig <= 1e-9:
        return Match(-1.0, x, y, w, h)
    return Match(float(num / np.sqrt(e_win * e_sig)), x, y, w, h)


def refine(gray: np.ndarray, mark: WatermarkTemplate, x: float, y: float, width: float, *,
           scales=REFINE_SCALES, slack: float = 0.05, exact: bool = False) -> Match:
    """Best full-resolution place near (x, y, width): a few scales, positions within ``slack``.

    The search tries whole-pixel widths, each as a mark drawn exactly that wide; ``exact``:
    ``width`` is the one the drawer used (a fraction), and the template has its exact size."""
    import cv2
    H, W = gray.shape
    best = NO_MATCH
    for s in scales:
        ws = width * s if exact else round(width * s)
        a, am = _resized(mark, ws)
        h, w = a.shape
        pad = max(3, round(slack * w))
        x0, y0 = max(0, round(x) - pad), max(0, round(y) - pad)
        x1, y1 = min(W, round(x) + w + pad), min(H, round(y) + h + pad)
        crop = gray[y0:y1, x0:x1]
        if crop.shape[0] < h or crop.shape[1] < w:
            continue
        mask = (a > 0.5).astype(np.float32)
        r = cv2.matchTemplate(crop, am.astype(np.float32), cv2.TM_CCOEFF_NORMED, mask=mask)
        r[~np.isfinite(r) | (r > 1.0001)] = -1
        _, _, _, loc = cv2.minMaxLoc(r)
        m = score_at(gray, mark, x0 + loc[0], y0 + loc[1], ws)
        if m.score > best.score:
            best = m
    return best


class _Coarse:
    """The canonical-size template, padded with transparent margin and blurred, split in
    vertical strips; each strip gets its own background level and coverage term."""

    def __init__(self, mark: WatermarkTemplate):
        import cv2
        a, am = _resized(mark, COARSE_WIDTH)
        self.pad = int(np.ceil(3 * COARSE_BLUR)) + 1
        a = cv2.GaussianBlur(np.pad(a, self.pad), (0, 0), COARSE_BLUR)
        am = cv2.GaussianBlur(np.pad(am, self.pad), (0, 0), COARSE_BLUR)
        self.shape = a.shape
        h, w = a.shape
        cuts = [round(i * w / COARSE_TILES) for i in range(COARSE_TILES + 1)]
        self.tiles = []
        sig = np.zeros_like(am)
        for x0, x1 in pairwise(cuts):
            ta, tm = a[:, x0:x1] - a[:, x0:x1].mean(), am[:, x0:x1] - am[:, x0:x1].mean()
            n = np.linalg.norm(ta)
            u = ta / n if n > 1e-9 else np.zeros_like(ta)
            sig[:, x0:x1] = tm - (tm * u).sum() * u
            self.tiles.append((x0, u.astype(np.float32)))
        self.sig = (sig / np.linalg.norm(sig)).astype(np.float32)

    def score_map(self, img: np.ndarray) -> np.ndarray:
        import cv2
        th, tw = self.shape
        oh, ow = img.shape[0] - th + 1, img.shape[1] - tw + 1
        num = cv2.matchTemplate(img, self.sig, cv2.TM_CCORR).astype(np.float64)
        s, sq = (v.astype(np.float64) for v in cv2.integral2(img)[:2])
        resid = np.zeros((oh, ow))
        for x0, u in self.tiles:
            w = u.shape[1]

            def box(S, x0=x0, w=w):
                return (S[th:th + oh, x0 + w:x0 + w + ow] - S[:oh, x0 + w:x0 + w + ow]
                        - S[th:th + oh, x0:x0 + ow] + S[:oh, x0:x0 + ow])
            resid += box(sq) - box(s) ** 2 / (th * w)
            if np.any(u):
                c = cv2.matchTemplate(img[:, x0:x0 + ow + w - 1], u, cv2.TM_CCORR).astype(np.float64)
                resid -= c ** 2
        ok = resid > th * tw * MIN_STD ** 2
        return np.where(ok, num / np.sqrt(np.maximum(resid, 1e-9)), -1.0).astype(np.float32)


ANCHORS = ("top-left", "top-right", "bottom-left", "bottom-right", "center")
MAX_MARGIN = 0.1         # corner anchors: margins up to this fraction of the width


def _anchored(r: np.ndarray, f: float, W: int, H: int, w: float, h: float, pad: int):
    """Best coarse score at each anchor (a corner with any margin, or the centre):
    where a tool like ``imgkit build`` puts a mark."""
    out = []
    steps = max(2, round(MAX_MARGIN * W * f))
    for anchor in ANCHORS:
        if anchor == "center":
            xs = np.array([(W - w) / 2])
            ys = np.array([(H - h) / 2])
        else:
            m = np.linspace(0, MAX_MARGIN * W, steps)
            ys = m if anchor.startswith("top") else H - h - m
            xs = m if anchor.endswith("left") else W - w - m
        cx = np.clip(np.round(xs * f).astype(int) - pad, 0, r.shape[1] - 1)
        cy = np.clip(np.round(ys * f).astype(int) - pad, 0, r.shape[0] - 1)
        vals = r[cy, cx]
        k = int(np.argmax(vals))
        out.append((float(vals[k]), (cx[k] + pad) / f, (cy[k] + pad) / f))
    return out


def coarse_candidates(gray: np.ndarray, mark: WatermarkTemplate, *, min_width: float, max_width: float,
                      keep: int = CANDIDATES) -> list[tuple[float, float, float, float]]:
    """(score, x, y, width) of coarse places: the best ``keep`` anywhere (two per scale, best
    first) and, for every scale, the best at the anchors a build uses (corners at any
    margin, centre). Coarse scores are not comparable across scales, so every scale keeps
    its anchored candidate."""
    import cv2
    coarse = _Coarse(mark)
    H, W = gray.shape
    th, tw = coarse.shape
    free, anchored = [], []
    width = min_width * W
    while width <= max_width * W:
        f = COARSE_WIDTH / width
        size = (round(W * f), round(H * f))
        if size[1] > th and size[0] > tw:
            small = cv2.resize(gray, size, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR)
            r = coarse.score_map(cv2.GaussianBlur(small, (0, 0), COARSE_BLUR))
            at = _anchored(r, f, W, H, width, width * mark.aspect, coarse.pad)
            anchored.append(max((score, x, y, width) for score, x, y in at))
            for _ in range(2):
                _, score, _, (x, y) = cv2.minMaxLoc(r)
                free.append((score, (x + coarse.pad) / f, (y + coarse.pad) / f, width))
                r[max(0, y - th // 2):y + th // 2 + 1, max(0, x - tw // 2):x + tw // 2 + 1] = -1
        width *= COARSE_STEP
    free.sort(reverse=True)
    return free[:keep] + anchored


def find_watermark(gray: np.ndarray, mark: WatermarkTemplate, *, expected: tuple[int, int, float] | None = None,
                   drawn: WatermarkTemplate | None = None, accept: float = 0.8, min_width: float = 0.08,
                   max_width: float = 0.6) -> Match:
    """The best place of ``mark`` in ``gray`` (H×W float32 luma).

    ``expected`` (x, y, width: the width the drawer used, unrounded) is tried first at that
    exact size, with ``drawn`` (the mark as the drawer resampled it for that place) when
    given, so the template has the very pixels drawn there; when it scores at least
    ``accept`` the search over position and scale (``min_width``..``max_width`` of the
    picture width) is skipped.
    """
    if gray.ndim != 2:
        raise ValueError(f"expected a 2-D grey array, got shape {gray.shape}")
    gray = np.ascontiguousarray(gray, np.float32)
    best = NO_MATCH
    if expected is not None:
        best = refine(gray, drawn or mark, *expected, scales=(0.98, 1.0, 1.02), slack=0.02, exact=True)
        if best.score >= accept:
            return best
    cands = coarse_candidates(gray, mark, min_width=min_width, max_width=max_width)
    quick = sorted((refine(gray, mark, x, y, w, scales=QUICK_SCALES) for _, x, y, w in cands),
                   key=lambda m: m.score, reverse=True)
    for m in quick[:FINAL]:
        if m.score > best.score:
            best = m
        if best.score >= accept:
            break
        m = refine(gray, mark, m.x, m.y, m.width)
        m = max(m, refine(gray, mark, m.x, m.y, m.width, scales=(0.99, 1.01), slack=0.02),
                key=lambda v: v.score)
        best = max(best, m, key=lambda v: v.score)
    return best
