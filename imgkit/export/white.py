"""The white-background image (白底图, JD's first, Amazon MAIN) from the cut-out package
(``imgkit.cutout``: ``cut_out``, ``on_white``, ``find_clean_plate``): the product cut out of the
item's first photo, with the shoot's clean plate where there is one, placed at the platform's
fill on pure white. Never watermarked. A refused cut-out is ``WhiteRefused`` with its reason:
the pack is made without it, and nothing is written in its place."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from imgkit.store.files import sha256_file


class WhiteRefused(Exception):
    """One line: why this item gets no white-background image."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _cutout():
    try:
        import imgkit.cutout as cutout
    except ImportError:
        return None
    return cutout


def plate_of(source: str) -> Path | None:
    """The clean plate (a photo of the empty backdrop) beside the slot's source in SRC, if the
    shoot is still there and has one."""
    cutout = _cutout()
    folder = Path(source).parent
    if cutout is None or not folder.is_dir():
        return None
    try:
        return cutout.find_clean_plate(folder)
    except OSError:
        return None


def plate_hash(path: Path | None) -> str:
    return "" if path is None else "plate:" + sha256_file(path)[:16]


def cut(photo: Image.Image, plate: Image.Image | None = None):
    """The product cut out of ``photo`` (a ``Cutout``), with the clean plate when there is one;
    ``WhiteRefused`` with the cut-out's reason. Made once per photo, placed per platform."""
    cutout = _cutout()
    if cutout is None:
        raise WhiteRefused("this imgkit has no cut-out (imgkit.cutout) to make a white-background image")
    rgb = np.asarray(photo.convert("RGB"))
    clean = None
    if plate is not None:
        clean = np.asarray(plate.convert("RGB").resize(photo.size, Image.Resampling.LANCZOS))
    try:
        return cutout.cut_out(rgb, clean_plate=clean)
    except cutout.CutoutRefused as exc:
        raise WhiteRefused(str(exc).splitlines()[0] if str(exc) else "the cut-out was refused") from None


def white_image(product, size: int, fill: float) -> tuple[Image.Image, dict]:
    """``size`` x ``size`` on pure white, the product's (a ``cut``) longer side ``fill`` of the
    frame; and the cut-out's figures (method, measures, placement) for the report."""
    cutout = _cutout()
    try:
        pixels, placed = cutout.on_white(product, size, size, fill)
    except cutout.CutoutRefused as exc:
        raise WhiteRefused(str(exc).splitlines()[0] if str(exc) else "the cut-out was refused") from None
    figures = {"method": product.method, "measures": product.measures, **placed}
    return Image.fromarray(np.ascontiguousarray(pixels, dtype=np.uint8), "RGB"), figures
