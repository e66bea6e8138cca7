"""sRGB → CIELAB (D65) over whole arrays, and the CIE76 colour difference.

Used to judge "white or near-white" and "one solid colour" the way a person sees it:
a difference of about 2.3 ΔE*ab is just noticeable, whatever the hue.

References
----------
IEC 61966-2-1:1999 (sRGB transfer function and primaries); CIE 15:2004 (CIELAB);
B. Lindbloom, "RGB/XYZ Matrices" (sRGB D65 matrix, white point 0.95047, 1.0, 1.08883).
"""

from __future__ import annotations

import numpy as np

#: linear sRGB → XYZ (D65), IEC 61966-2-1
SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                        [0.2126729, 0.7151522, 0.0721750],
                        [0.0193339, 0.1191920, 0.9503041]])
D65 = np.array([0.95047, 1.0, 1.08883])
WHITE_LAB = np.array([100.0, 0.0, 0.0])
_EPS, _KAPPA = 216 / 24389, 24389 / 27


def _linear_lut() -> np.ndarray:
    v = np.arange(256) / 255.0
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


_LUT = _linear_lut()


def srgb_to_linear(rgb: np.ndarray) -> np.ndarray:
    """sRGB to linear light; uint8 through a 256-entry table, floats in [0, 1] by formula."""
    rgb = np.asarray(rgb)
    if rgb.dtype == np.uint8:
        return _LUT[rgb]
    v = rgb.astype(np.float64)
    return np.where(v <= 0.04045, v / 12.92, ((np.clip(v, 0, None) + 0.055) / 1.055) ** 2.4)


def srgb_to_lab(rgb) -> np.ndarray:
    """CIELAB (D65) of sRGB colours: shape (..., 3) in, float64 (..., 3) out.

    ``rgb`` is uint8 (0..255), or float in [0, 1]; a plain tuple of ints is read as 0..255.

    >>> np.round(srgb_to_lab((255, 0, 0)), 2).tolist()
    [53.24, 80.09, 67.2]
    """
    arr = np.asarray(rgb)
    if arr.shape[-1:] != (3,):
        raise ValueError(f"rgb: expected shape (..., 3), got {arr.shape}")
    if arr.dtype.kind in "iu" and arr.dtype != np.uint8:
        if arr.min(initial=0) < 0 or arr.max(initial=0) > 255:
            raise ValueError("rgb: integer values must be 0..255")
        arr = arr.astype(np.uint8)
    xyz = srgb_to_linear(arr) @ SRGB_TO_XYZ.T / D65
    f = np.where(xyz > _EPS, np.cbrt(xyz), (_KAPPA * xyz + 16) / 116)
    return np.stack([116 * f[..., 1] - 16,
                     500 * (f[..., 0] - f[..., 1]),
                     200 * (f[..., 1] - f[..., 2])], axis=-1)


def delta_e76(lab1, lab2) -> np.ndarray:
    """CIE76 colour difference ΔE*ab: Euclidean distance in Lab, broadcast over arrays."""
    return np.linalg.norm(np.asarray(lab1, np.float64) - np.asarray(lab2, np.float64), axis=-1)


def whiteness_distance(rgb) -> np.ndarray:
    """ΔE*ab from the colour(s) to reference white L*=100, a*=b*=0 (small = white)."""
    return delta_e76(srgb_to_lab(rgb), WHITE_LAB)
