"""``cut_out``: a product photo on a plain or sweep backdrop → the product's alpha and colours.

Read top to bottom: the photo is reduced to the working size; the backdrop is modelled from
the border (``backdrop``) or taken from a clean plate; seeds from the model (backdrop, shadows,
holes, product) go through GrabCut (``matte``); the hard mask is judged (``refusal``) before
its outline is softened at full size (``edge``) and the edge colours are freed of the backdrop
(``white``).
Any doubt raises ``CutoutRefused``: a white-background image is never made from a bad mask.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from imgkit.cutout import backdrop as bd
from imgkit.cutout import matte
from imgkit.cutout.clean_plate import mismatch_reason, plate_backdrop
from imgkit.cutout.edge import soften
from imgkit.cutout.refusal import CutoutRefused, judge
from imgkit.cutout.white import decontaminate

#: the mask is found at most this size (longest side); the alpha is refined at the photo's size
WORK_SIDE = 800


@dataclass(frozen=True)
class Cutout:
    alpha: np.ndarray       # float32 HxW in 0..1, 1 = product, at the input's size
    foreground: np.ndarray  # uint8 HxWx3 sRGB: the product's colours, the backdrop removed from edge pixels
    box: tuple[int, int, int, int]   # x, y, w, h of the product (alpha > 0.5)
    method: str             # "plain", "sweep" or "clean plate"
    measures: dict = field(default_factory=dict)   # JSON-able figures for the report (no timings:
    #                                                the same photo gives the same Cutout)


def _check(name: str, rgb) -> np.ndarray:
    arr = np.asarray(rgb)
    if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[2] != 3:
        raise ValueError(f"{name}: expected a uint8 array of shape (H, W, 3), got {arr.dtype} {arr.shape}")
    return arr


def _reduce(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    if (rgb.shape[1], rgb.shape[0]) == size:
        return rgb
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def cut_out(rgb: np.ndarray, *, clean_plate: np.ndarray | None = None) -> Cutout:
    """The product in ``rgb`` (uint8 HxWx3 sRGB) cut from its backdrop; ``CutoutRefused`` with
    the reason when the backdrop is busy or the product cannot be told from it."""
    rgb = _check("rgb", rgb)
    full_h, full_w = rgb.shape[:2]
    if min(full_h, full_w) < 16:
        raise CutoutRefused(f"the photo is too small to cut out ({full_w}x{full_h} px)")
    k = min(1.0, WORK_SIDE / max(full_h, full_w))
    size = (max(8, round(full_w * k)), max(8, round(full_h * k)))
    small = _reduce(rgb, size)
    lab = bd.to_lab(small)
    if clean_plate is not None:
        plate = _reduce(_check("clean_plate", clean_plate), size)
        model = plate_backdrop(lab, bd.to_lab(plate))
        reason = mismatch_reason(model)
    else:
        model = bd.from_border(lab)
        reason = model.busy_reason()
    if reason:
        raise CutoutRefused(reason)
    found = matte.seeds(lab, model.lab, model.noise)
    if clean_plate is None:
        model = bd.refit(lab, found.labels == 0, model)   # 0 = cv2.GC_BGD
        found = matte.seeds(lab, model.lab, model.noise)
    mask = matte.tidy(matte.grabcut(small, found), found.holes)
    judged = judge(mask, found, lab, model.lab)
    box = _full_box(mask, (full_w, full_h))
    alpha, edge = soften(mask, small, model.rgb(), rgb, box, found.shadow, model.lab, found.threshold,
                         exact=clean_plate is not None)
    x, y, w, h = box
    product = alpha[y:y + h, x:x + w] > 0.5
    if not product.any():
        raise CutoutRefused("no product found: the photo is all backdrop")
    foreground = decontaminate(rgb, alpha, edge)
    rows, cols = np.flatnonzero(product.any(axis=1)), np.flatnonzero(product.any(axis=0))
    tight = (x + int(cols[0]), y + int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1))
    measures = {
        "backdrop": model.method, "border_explained": round(model.explained, 3),
        "border_residual": round(model.residual, 2), "backdrop_delta_e": round(found.threshold, 2),
        "work_size": list(size), **judged,
    }
    return Cutout(alpha, foreground, tight, model.method, measures)


def _full_box(mask: np.ndarray, full_size: tuple[int, int]) -> tuple[int, int, int, int]:
    """The product's box at full size with room for its soft edge."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    sh, sw = mask.shape
    fw, fh = full_size
    fx, fy = fw / sw, fh / sh
    pad = 4
    x0, y0 = max(0, int((cols[0] - pad) * fx)), max(0, int((rows[0] - pad) * fy))
    x1, y1 = min(fw, int(np.ceil((cols[-1] + 1 + pad) * fx))), min(fh, int(np.ceil((rows[-1] + 1 + pad) * fy)))
    return x0, y0, x1 - x0, y1 - y0
