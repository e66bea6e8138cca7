"""A clean plate: a photo of the empty backdrop, shot with the product's camera and light.

It is found beside the product photos like a chart photo is (in ``_background/`` or named like
``*background*`` / ``*空背景*``) and, when there is one, it is the backdrop model: the
difference between photo and plate is the product (a difference matte), however busy the
backdrop. The plate's exposure is matched to the photo's on their shared border first.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from imgkit.cutout.backdrop import INLIER_DELTA_E, Backdrop, ring
from imgkit.naming import CLEAN_PLATE_FOLDER, CLEAN_PLATE_MARKS

#: image files a clean plate may be
SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp")
#: names that mark a clean plate (case-insensitive); the build's scan never publishes these
MARKS = CLEAN_PLATE_MARKS
#: at least this share of the photo's border must match the plate (else another scene or framing)
MIN_MATCH = 0.6


def find_clean_plate(folder: Path) -> Path | None:
    """The clean plate for the photos in ``folder``: the first image (by name) in
    ``folder/_background/``, else the first in ``folder`` named like a background."""
    folder = Path(folder)
    sub = folder / CLEAN_PLATE_FOLDER
    if sub.is_dir():
        found = sorted(p for p in sub.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES
                       and not p.name.startswith("."))
        if found:
            return found[0]
    if not folder.is_dir():
        return None
    named = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES
                   and not p.name.startswith(".") and any(m in p.name.lower() for m in MARKS))
    return named[0] if named else None


def plate_backdrop(lab: np.ndarray, plate_lab: np.ndarray) -> Backdrop:
    """The plate as the backdrop model, its exposure matched to the photo's over the border
    ring. Not blurred: a busy backdrop's texture must line up with the photo's (the noise of
    both sets the threshold, through the border's spread)."""
    plate = plate_lab
    h, w = lab.shape[:2]
    border = ring(h, w)
    dist0 = np.linalg.norm(lab[border] - plate[border], axis=1)
    same = dist0 < 3 * INLIER_DELTA_E
    if same.sum() > 100:
        shift = np.median(lab[border][same] - plate[border][same], axis=0)
        plate = plate + shift.astype(np.float32)
    dist = np.linalg.norm(lab[border] - plate[border], axis=1)
    inliers = dist < INLIER_DELTA_E
    explained = float(inliers.mean())
    residual = float(np.median(dist[inliers])) if inliers.any() else float("inf")
    noise = float(np.quantile(dist[inliers], 0.95)) if inliers.any() else float("inf")
    return Backdrop(plate.astype(np.float32), "clean plate", explained, residual, noise)


def mismatch_reason(backdrop: Backdrop) -> str | None:
    if backdrop.explained < MIN_MATCH:
        return (f"the clean plate does not match the photo: only {backdrop.explained:.0%} of the photo's border "
                f"is the plate's backdrop (needs {MIN_MATCH:.0%}); shoot the plate from the same place")
    return None
