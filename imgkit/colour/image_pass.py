"""A fitted colour correction over a whole uint8 image, in one vectorised pass: the hot path
of every corrected photo (used through :func:`imgkit.colour.ccm.apply`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from imgkit.colour.conversions import _OUT_LUT as OUT_LUT
from imgkit.colour.conversions import BLOCK, LINEAR_LUT, OUT_LUT_SIZE, _check_image, apply_lut_matrix, blocks
from imgkit.colour.tone_curve import apply_curve

if TYPE_CHECKING:
    from imgkit.colour.ccm import Fit


def input_lut(f: Fit) -> np.ndarray:
    """(256, 3) table: uint8 sRGB code → linear light after the fit's tone curve (if any)."""
    lin = np.repeat(LINEAR_LUT[:, None], 3, axis=1)
    return apply_curve(f.curve, lin)


#: (G, B, R) from (R, G, B): with a product, the cross terms RG, GB, BR in one pass
TURN = np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0]], np.float32)


def apply(f: Fit, rgb, *, out_lut: np.ndarray | None = None, out_top: float = 1.0) -> np.ndarray:
    """Correct a whole uint8 sRGB image (H, W, 3) in one vectorised pass; uint8 out.

    ``out_lut`` and ``out_top``: an encode table covering linear 0..``out_top`` (a highlight
    shoulder, :func:`imgkit.colour.highlights.shoulder_lut`) instead of plain clipping at 1.

    Matrix methods run as table → 3×3 transform → table (:func:`imgkit.colour.conversions.apply_lut_matrix`).
    The root-polynomial methods, per block of :data:`imgkit.colour.conversions.BLOCK` pixels in
    float32 with OpenCV (buffers reused): table → linear, the cross terms √(RG, GB, BR) as
    ``sqrt(lin · turned(lin))``, two 3×3 transforms added (the rounding offset folded in),
    then the 65,536-entry encode table. Equal to ``linear_to_srgb(clip(predict(f, ·)))``
    within one code value (float32 rounding).
    """
    arr = np.asarray(rgb)
    if not f.method.endswith("root-polynomial"):
        return apply_lut_matrix(arr, input_lut(f), f.matrix, out_lut=out_lut, out_top=out_top)
    import cv2

    arr = _check_image(arr)
    img = np.ascontiguousarray(arr.reshape(-1, 1, 3))
    table = np.clip(input_lut(f), 0, None).astype(np.float32).reshape(1, 256, 3)
    scale = OUT_LUT_SIZE - 1
    encode = OUT_LUT if out_lut is None else out_lut
    linear_terms = np.hstack([f.matrix[:, :3] * scale / out_top, np.full((3, 1), 0.5)])   # + 0.5: round
    root_terms = f.matrix[:, 3:] * scale / out_top
    out = np.empty(img.shape, np.uint8)
    k = min(BLOCK, len(img))
    lin, cross, acc, part = (np.empty((k, 1, 3), np.float32) for _ in range(4))
    codes = np.empty((k, 1, 3), np.uint16)
    for s, e in blocks(len(img)):
        n = e - s
        a, c, o, p, q = lin[:n], cross[:n], acc[:n], part[:n], codes[:n]
        a = cv2.LUT(img[s:e], table, dst=a)
        c = cv2.sqrt(cv2.multiply(a, cv2.transform(a, TURN, dst=c), dst=c), dst=c)
        o = cv2.add(cv2.transform(a, linear_terms, dst=o), cv2.transform(c, root_terms, dst=p), dst=o)
        np.clip(o, 0, scale, out=o)
        q[...] = o
        np.take(encode, q, out=out[s:e])
    return out.reshape(arr.shape)
