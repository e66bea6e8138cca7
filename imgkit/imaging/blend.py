"""Alpha compositing over whole arrays (no per-pixel Python)."""

from __future__ import annotations

import numpy as np


def _check(name: str, arr: np.ndarray, channels: int) -> None:
    if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[2] != channels:
        raise ValueError(f"{name}: expected uint8 array of shape (H, W, {channels}), "
                         f"got {arr.dtype} {arr.shape}")


def flatten(rgba: np.ndarray, background: tuple[int, int, int]) -> np.ndarray:
    """Composite an RGBA image over a solid ``background``; returns a new RGB array.

    >>> flatten(np.array([[[255, 0, 0, 128]]], np.uint8), (255, 255, 255)).tolist()
    [[[255, 127, 127]]]
    """
    _check("rgba", rgba, 4)
    alpha = rgba[..., 3:4].astype(np.float32) * (1.0 / 255.0)
    bg = np.asarray(background, np.float32)
    out = rgba[..., :3].astype(np.float32) * alpha + bg * (1.0 - alpha)
    return np.rint(out).astype(np.uint8)


def alpha_over(base: np.ndarray, overlay: np.ndarray, *, x: int, y: int, opacity: float = 1.0) -> np.ndarray:
    """Composite ``overlay`` (RGBA) onto ``base`` (RGB) with its top-left corner at (x, y).

    ``base`` is changed in place and returned; the part of the overlay outside ``base`` is
    clipped. ``opacity`` scales the overlay's own alpha.
    """
    _check("base", base, 3)
    _check("overlay", overlay, 4)
    h, w = base.shape[:2]
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + overlay.shape[1], w), min(y + overlay.shape[0], h)
    if x0 >= x1 or y0 >= y1:
        return base
    over = overlay[y0 - y:y1 - y, x0 - x:x1 - x]
    region = base[y0:y1, x0:x1].astype(np.float32)
    alpha = over[..., 3:4].astype(np.float32) * (opacity / 255.0)
    region += (over[..., :3].astype(np.float32) - region) * alpha
    base[y0:y1, x0:x1] = np.rint(region).astype(np.uint8)
    return base
