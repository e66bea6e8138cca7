"""The backdrop behind a product, estimated from the photo's border (or given by a clean plate).

A studio backdrop is a plain colour or a smooth sweep: a gradient from the light's fall-off and
a vignette. Each Lab channel is modelled as a low-order polynomial in x and y, fitted to the
border ring robustly (pixels the product or its shadow covers are dropped and the fit repeated).
A border the model does not explain (wood, asphalt, a room) is a busy backdrop.

Array in, array out, at the working size ``cut.py`` chose; Lab is D65 (as a person judges a
background), distances CIE76 ΔE*ab.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

#: the border ring's width as a share of the photo's shorter side
RING_SHARE = 0.04
#: a border pixel further than this (ΔE*ab) from the model is not backdrop (product, shadow, dirt)
INLIER_DELTA_E = 6.0
#: at least this share of the border must be explained by the model, else the backdrop is busy
MIN_EXPLAINED = 0.6
#: the explained border's median distance from the model must stay below this (texture, grain)
MAX_RESIDUAL = 2.5
#: a border whose 90th percentile is within this of one colour is plain (else a sweep)
PLAIN_SPREAD = 3.0


@dataclass(frozen=True)
class Backdrop:
    lab: np.ndarray          # float32 HxWx3: the backdrop's Lab at every pixel of the working image
    method: str              # "plain", "sweep" or "clean plate"
    explained: float         # share of the border ring within INLIER_DELTA_E of the model
    residual: float          # median ΔE*ab of the explained border from the model
    noise: float             # 95th percentile ΔE*ab of the explained border: the thresholds scale with it

    def rgb(self) -> np.ndarray:
        """The backdrop as sRGB uint8 at the working size."""
        rgb = cv2.cvtColor(np.ascontiguousarray(self.lab, np.float32), cv2.COLOR_Lab2RGB)
        return np.clip(np.rint(rgb * 255), 0, 255).astype(np.uint8)

    def busy_reason(self) -> str | None:
        if self.explained < MIN_EXPLAINED:
            return (f"the backdrop is busy: a smooth backdrop explains only {self.explained:.0%} of the photo's "
                    f"border (needs {MIN_EXPLAINED:.0%}); shoot on a plain backdrop or add a clean plate")
        if self.residual > MAX_RESIDUAL:
            return (f"the backdrop is textured: its border differs from a smooth backdrop by ΔE {self.residual:.1f} "
                    f"(at most {MAX_RESIDUAL:g}); shoot on a plain backdrop or add a clean plate")
        return None


def to_lab(rgb: np.ndarray) -> np.ndarray:
    """D65 Lab (float32) of uint8 sRGB. OpenCV's conversion: five times faster than
    ``colour.conversions.srgb_to_lab`` and within 0.3 ΔE*ab of it (tests/cutout/test_backdrop.py)."""
    return cv2.cvtColor(rgb.astype(np.float32) * (1 / 255), cv2.COLOR_RGB2Lab)


def ring(height: int, width: int) -> np.ndarray:
    r = max(2, round(RING_SHARE * min(height, width)))
    mask = np.zeros((height, width), bool)
    mask[:r], mask[-r:], mask[:, :r], mask[:, -r:] = True, True, True, True
    return mask


def _terms(xs: np.ndarray, ys: np.ndarray, degree: int) -> np.ndarray:
    return np.stack([xs ** i * ys ** j for i in range(degree + 1) for j in range(degree + 1 - i)], axis=-1)


def _norm(v: np.ndarray, size: int) -> np.ndarray:
    """Pixel coordinates to -1..1 across the image."""
    return np.asarray(v, np.float32) * (2 / max(1, size - 1)) - 1


def _evaluate(coef: np.ndarray, height: int, width: int, degree: int) -> np.ndarray:
    """The polynomial over the whole image: computed on a grid a quarter the size (it is smooth)
    and resized up."""
    sh, sw = max(2, height // 4), max(2, width // 4)
    # the coarse pixels' centres where cv2.resize puts them in the full image
    cx = _norm((np.arange(sw) + 0.5) * (width / sw) - 0.5, width)
    cy = _norm((np.arange(sh) + 0.5) * (height / sh) - 0.5, height)
    gx, gy = np.meshgrid(cx, cy)
    coarse = (_terms(gx, gy, degree) @ coef).astype(np.float32)
    return cv2.resize(coarse, (width, height), interpolation=cv2.INTER_LINEAR)


def fit(lab: np.ndarray, where: np.ndarray, *, degree: int = 2, rounds: int = 4, max_points: int = 12000) -> Backdrop:
    """The smooth backdrop fitted to ``lab`` under ``where`` (the border ring, or every pixel
    known to be backdrop), robustly: the pixels far from each fit are left out of the next."""
    h, w = where.shape
    ys, xs = np.nonzero(where)
    if ys.size > max_points:
        pick = np.linspace(0, ys.size - 1, max_points).astype(np.int64)
        ys, xs = ys[pick], xs[pick]
    terms = _terms(_norm(xs, w).astype(np.float64), _norm(ys, h).astype(np.float64), degree)
    values = lab[ys, xs].astype(np.float64)
    median = np.median(values, axis=0)
    keep = np.linalg.norm(values - median, axis=1) < 3 * INLIER_DELTA_E
    if keep.mean() < 0.3:       # no majority colour at all: start from everything
        keep[:] = True
    coef = None
    for _ in range(rounds):
        coef, *_ = np.linalg.lstsq(terms[keep], values[keep], rcond=None)
        dist = np.linalg.norm(values - terms @ coef, axis=1)
        cut = max(INLIER_DELTA_E / 2, 3.0 * 1.4826 * float(np.median(dist[keep])))
        keep = dist < min(cut, INLIER_DELTA_E)
        if keep.sum() < terms.shape[1] * 10:
            keep = dist <= np.quantile(dist, 0.5)
    dist = np.linalg.norm(values - terms @ coef, axis=1)
    inliers = dist < INLIER_DELTA_E
    explained = float(inliers.mean())
    residual = float(np.median(dist[inliers])) if inliers.any() else float("inf")
    noise = float(np.quantile(dist[inliers], 0.95)) if inliers.any() else float("inf")
    model = _evaluate(coef.astype(np.float32), h, w, degree)
    spread = float(np.quantile(np.linalg.norm(values[inliers] - median, axis=1), 0.9)) if inliers.any() else 99
    method = "plain" if spread < PLAIN_SPREAD else "sweep"
    return Backdrop(model, method, explained, residual, noise)


def from_border(lab: np.ndarray) -> Backdrop:
    h, w = lab.shape[:2]
    return fit(lab, ring(h, w))


def refit(lab: np.ndarray, background: np.ndarray, first: Backdrop) -> Backdrop:
    """The model fitted again to every pixel found to be backdrop (the border alone leaves a
    vignette's middle to guesswork); the border figures and method stay the first fit's."""
    if background.sum() < 1000:
        return first
    again = fit(lab, background, degree=3, rounds=2)
    return Backdrop(again.lab, first.method, first.explained, first.residual, first.noise)


def upsample_rgb(backdrop_rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    return cv2.resize(backdrop_rgb, (width, height), interpolation=cv2.INTER_LINEAR)
