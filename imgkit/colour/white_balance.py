"""Automatic white balance without a chart, for product photos on a white or grey backdrop.

Two estimators of the light's colour, both in linear light on a small copy of the photo:

``bright-neutral``
    The backdrop is taken as the reference white: among the brightest tenth of the pixels
    that still carry colour information (not blown in every channel), the densest cluster
    of near-neutral chromaticities (within a factor :data:`MAX_CAST` of grey in R/G and B/G)
    is found on a log-chromaticity histogram and its pixels' mean is the light's colour.
    Bright-pixel and white-patch estimators (Land's retinex; Joze, Drew, Finlayson and
    Rey 2012) restricted to near-neutral pixels, so a saturated product is not mistaken
    for the light.
``gray-world``
    The mean of all unclipped pixels (Buchsbaum 1980): for scenes that average to grey,
    not for a single-coloured product filling the frame.

The correction is von Kries (one gain per channel in linear light), scaled so that no gain
is below 1: a white backdrop stays white and nothing is darkened. It is left out
(:class:`Balance` with ``applied`` false, and why) when the estimate is unreliable (too
few backdrop pixels, a backdrop blown to white, a cast beyond :data:`MAX_CAST`) or too
small to see (under :data:`MIN_CAST_DE` ΔE2000): an already neutral photo is not shifted.
A cast over :data:`MAX_CAST_DE` is taken for a coloured backdrop and left alone too: the
method assumes what it is for, a white or grey backdrop filling at least
:data:`MIN_BACKDROP` of the frame.

References
----------
G. Buchsbaum, "A spatial processor model for object colour perception", J. Franklin Inst.
310(1), 1980. H. R. V. Joze, M. S. Drew, G. D. Finlayson, P. A. T. Rey, "The role of bright
pixels in illumination estimation", Color Imaging Conf. 2012.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from imgkit.colour.conversions import LINEAR_LUT, delta_e_2000, linear_to_lab, linear_to_srgb

METHODS = ("off", "gray-world", "bright-neutral")
_LINEAR32 = LINEAR_LUT.astype(np.float32)
#: the photo is measured at most this size (longest side)
WORK_SIDE = 256
#: candidates for the backdrop: R/G and B/G within this factor of grey
MAX_CAST = 2.0
#: casts smaller than this (ΔE2000 of the backdrop from the neutral of its luminance) are left alone
MIN_CAST_DE = 1.5
#: a "cast" stronger than this is more likely a coloured backdrop (or product) than a light
MAX_CAST_DE = 12.0
#: the backdrop cluster must cover at least this share of the photo
MIN_BACKDROP = 0.15
#: backdrop pixels are at least this fraction as bright as the bright tenth (shading on the backdrop)
BACKDROP_FALLOFF = 0.4
#: a blown backdrop (every channel at or above this code) is already white: nothing to learn
BLOWN = 250
#: width of the log-chromaticity cluster around its densest bin
CLUSTER = 0.05


@dataclass(frozen=True)
class Balance:
    """Per-channel gains in linear light (all ≥ 1), whether to apply them, and the evidence."""

    gains: tuple[float, float, float]
    applied: bool
    reason: str
    cast_de: float = 0.0        # ΔE2000 of the estimated white from its neutral
    share: float = 0.0          # share of the photo the estimate rests on

    def note(self, method: str) -> str:
        g = " ".join(f"{c} {v:.3f}" for c, v in zip("RGB", self.gains, strict=True))
        if self.applied:
            return f"white balance ({method}): gains {g}, cast ΔE2000 {self.cast_de:.1f}"
        return f"white balance ({method}): left as shot ({self.reason})"


def _small(rgb: np.ndarray) -> np.ndarray:
    """Every k-th pixel of every k-th row, at most :data:`WORK_SIDE` on the long side, as (N, 3)."""
    arr = np.asarray(rgb)
    if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[2] != 3:
        raise ValueError(f"rgb: expected uint8 (H, W, 3), got {arr.dtype} {arr.shape}")
    k = max(1, -(-max(arr.shape[:2]) // WORK_SIDE))
    return np.ascontiguousarray(arr[::k, ::k]).reshape(-1, 3)


def _all(px: np.ndarray, test) -> np.ndarray:
    return test(px[:, 0]) & test(px[:, 1]) & test(px[:, 2])


def _from_white(white: np.ndarray, share: float) -> Balance:
    """Gains that make ``white`` (linear RGB) neutral without darkening any channel."""
    white = np.asarray(white, np.float64)
    if not np.all(white > 1e-4):
        return Balance((1.0, 1.0, 1.0), False, "no light colour could be estimated", share=share)
    gains = white.max() / white
    neutral = np.full(3, white @ np.array([0.2126729, 0.7151522, 0.0721750]))
    cast = float(delta_e_2000(linear_to_lab(white), linear_to_lab(neutral)))
    gains_t = tuple(float(g) for g in gains)
    if cast > MAX_CAST_DE:
        return Balance(gains_t, False, f"a cast of ΔE2000 {cast:.1f} is more likely a coloured backdrop", cast, share)
    if cast < MIN_CAST_DE:
        return Balance(gains_t, False, f"already neutral (cast ΔE2000 {cast:.1f})", cast, share)
    return Balance(gains_t, True, "", cast, share)


def estimate(rgb, method: str = "bright-neutral") -> Balance:
    """Estimate the white balance of a uint8 sRGB photo (H, W, 3) by ``method`` (see :data:`METHODS`)."""
    if method not in METHODS:
        raise ValueError(f"method: expected one of {', '.join(METHODS)}, got {method!r}")
    px = _small(rgb)
    if method == "off" or len(px) == 0:
        return Balance((1.0, 1.0, 1.0), False, "off")
    lin = _LINEAR32[px]
    blown = _all(px, lambda c: c >= BLOWN)
    if method == "gray-world":
        use = _all(px, lambda c: (c < BLOWN) & (c > 2))
        if use.mean() < 0.2:
            return Balance((1.0, 1.0, 1.0), False, "too few unclipped pixels", share=float(use.mean()))
        return _from_white(lin[use].mean(0), float(use.mean()))
    return _bright_neutral(px, lin, blown)


def _bright_neutral(px: np.ndarray, lin: np.ndarray, blown: np.ndarray) -> Balance:
    y = lin @ np.array([0.2126729, 0.7151522, 0.0721750], np.float32)
    live = ~blown & _all(px, lambda c: c > 2)
    if not live.any():
        return Balance((1.0, 1.0, 1.0), False, "no pixel carries colour")
    top = np.quantile(y[live], 0.9)
    bright = live & (y >= top)
    chroma = np.log(np.clip(lin[:, [0, 2]], 1e-6, None) / np.clip(lin[:, [1]], 1e-6, None))
    near = bright & (np.abs(chroma) < np.log(MAX_CAST)).all(1)
    if blown.mean() >= MIN_BACKDROP / 5 and blown.sum() >= near.sum():
        return Balance((1.0, 1.0, 1.0), False, "the backdrop is blown to white already", share=float(blown.mean()))
    if near.mean() < MIN_BACKDROP / 3:
        return Balance((1.0, 1.0, 1.0), False, "no bright near-neutral backdrop", share=float(near.mean()))
    # the densest cluster of chromaticities among the bright near-neutral pixels
    import cv2
    step, lo = CLUSTER / 2, -np.log(MAX_CAST)
    n = int(np.ceil(-2 * lo / step))
    cells = np.clip(((chroma[near] - lo) / step).astype(int), 0, n - 1)
    hist = np.bincount(cells[:, 0] * n + cells[:, 1], minlength=n * n).reshape(n, n).astype(np.float32)
    smooth = cv2.boxFilter(hist, -1, (3, 3), normalize=False, borderType=cv2.BORDER_CONSTANT)
    centre = lo + (np.array(np.unravel_index(np.argmax(smooth), smooth.shape)) + 0.5) * step
    members = live & (np.abs(chroma - centre) <= CLUSTER).all(1) & (y >= BACKDROP_FALLOFF * top)
    share = float(members.mean())
    if share < MIN_BACKDROP:
        return Balance((1.0, 1.0, 1.0), False,
                       f"the near-neutral backdrop covers only {100 * share:.1f} % of the photo", share=share)
    return _from_white(lin[members].mean(0), share)


def gains_lut(gains) -> np.ndarray:
    """(256, 3) uint8 table: each channel's code → code after its gain in linear light (clipped)."""
    g = np.asarray(gains, np.float64)
    return linear_to_srgb(np.clip(LINEAR_LUT[:, None] * g[None, :], 0, 1), as_uint8=True)


def apply(rgb, balance: Balance) -> np.ndarray:
    """The photo with ``balance`` applied (a copy; unchanged values when it is not applied)."""
    arr = np.asarray(rgb)
    if not balance.applied:
        return arr.copy()
    import cv2
    table = gains_lut(balance.gains)
    return cv2.LUT(np.ascontiguousarray(arr), table.reshape(1, 256, 3)).reshape(arr.shape)


def balance(rgb, method: str = "bright-neutral") -> tuple[np.ndarray, Balance]:
    """Estimate and apply in one call: (corrected uint8 photo, the :class:`Balance`)."""
    b = estimate(rgb, method)
    return apply(rgb, b), b
