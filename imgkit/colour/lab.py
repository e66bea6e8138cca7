"""CIELAB (D65) of sRGB colours and the CIE76 difference, for judging backgrounds.

The conversion itself is :mod:`.colour`'s (one implementation of the sRGB transfer
function and matrices); this module adds the D65 defaults and ΔE*ab used by main images.

Used to judge "white or near-white" and "one solid colour" the way a person sees it:
a difference of about 2.3 ΔE*ab is just noticeable, whatever the hue.

References
----------
IEC 61966-2-1:1999 (sRGB transfer function and primaries); CIE 15:2004 (CIELAB);
B. Lindbloom, "RGB/XYZ Matrices" (sRGB D65 matrix, white point 0.95047, 1.0, 1.08883).
"""

from __future__ import annotations

import numpy as np

from imgkit.colour import conversions as colour

WHITE_LAB = np.array([100.0, 0.0, 0.0])


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
    return colour.srgb_to_lab(arr, white="D65")


def delta_e76(lab1, lab2) -> np.ndarray:
    """CIE76 colour difference ΔE*ab: Euclidean distance in Lab, broadcast over arrays."""
    return np.linalg.norm(np.asarray(lab1, np.float64) - np.asarray(lab2, np.float64), axis=-1)


def whiteness_distance(rgb) -> np.ndarray:
    """ΔE*ab from the colour(s) to reference white L*=100, a*=b*=0 (small = white)."""
    return delta_e76(srgb_to_lab(rgb), WHITE_LAB)
