"""One pack image from a raw original, through the build's own steps.

The photo is decoded, colour-managed, flattened, colour-corrected (the slot's chart
calibration, or the shop's ``[colour] auto_white_balance``) and turned upright by the detail
pipeline's step functions (``imgkit.detail.pipeline``), only at the size the platform needs
instead of ``[detail] width``; then it is fitted into the platform's frame, decorated by the
build's drawing code (the description's images: facts panel, captions, sold-out labels) and
given the shop's watermark by the build's watermark step, where the platform allows it.

Main images are **letterboxed**: the whole photo fitted into the square (or 3:4) frame and
centred on ``[detail] background``. A centre crop would cut off the ends of a long product
(a shoe, a bag strap) that the photographer framed in; marketplace art teams shoot for the
square and pad rather than lose the product.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image

from imgkit.colour.calibration_file import calibration_of
from imgkit.detail import pipeline as detail
from imgkit.detail.decoration import Decoration
from imgkit.imaging.colours import rgb_of
from imgkit.profile import Profile

#: the build's steps that make the working picture (no resize to [detail] width, no decoration)
WORKING_STEPS = (detail.decode, detail.colour, detail.flatten, detail.correct, detail.orient)


def working(shop: Profile, data: bytes, calibration: str, width: int) -> tuple[Image.Image, tuple[str, ...]]:
    """The photo as the build sees it before shrinking, decoded at least ``width`` px wide
    where the file has the pixels (JPEG DCT scaling keeps ``[detail] decode_margin`` x that);
    a smaller photo stays at its own size (the frames scale it up). ``Rejected`` as the build."""
    prof = replace(shop, detail=replace(shop.detail, width=width, allow_upscale=True),
                   master=replace(shop.master, enabled=False))
    frame = detail.Frame(profile=prof, data=data, calibration=calibration_of(Path(calibration) if calibration
                                                                            else None))
    for step in WORKING_STEPS:
        frame = step(frame)
    image = frame.image if frame.image.mode == "RGB" else frame.image.convert("RGB")
    return image, frame.notes


def scaled(image: Image.Image, width: int, height: int) -> Image.Image:
    if image.size == (width, height):
        return image
    return image.resize((max(1, width), max(1, height)), Image.Resampling.LANCZOS)


def fit(image: Image.Image, width: int, height: int, background: str) -> Image.Image:
    """``image`` fitted whole into ``width`` x ``height``, centred on ``background``."""
    scale = min(width / image.width, height / image.height)
    w, h = min(width, round(image.width * scale)), min(height, round(image.height * scale))
    canvas = Image.new("RGB", (width, height), rgb_of(background))
    canvas.paste(scaled(image, w, h), ((width - w) // 2, (height - h) // 2))
    return canvas


def to_width(image: Image.Image, width: int) -> Image.Image:
    return scaled(image, width, max(1, round(image.height * width / image.width)))


def watermarked(shop: Profile, image: Image.Image) -> Image.Image:
    """The shop's mark by the build's own step (nothing when ``[watermark] enabled = false``)."""
    return detail.watermark(detail.Frame(profile=shop, data=b"", image=image)).image


def decorated(shop: Profile, image: Image.Image, decoration: str) -> Image.Image:
    """What the build drew on this slot (its recorded decoration), drawn by the build's code."""
    deco = Decoration.from_json(decoration or None)
    return detail.decorate(detail.Frame(profile=shop, data=b"", image=image, decoration=deco)).image


def main_image(shop: Profile, photo: Image.Image, size: int, *, mark: bool) -> Image.Image:
    square = fit(photo, size, size, shop.detail.background)
    return watermarked(shop, square) if mark else square


def tall_image(shop: Profile, photo: Image.Image, width: int, height: int, *, mark: bool) -> Image.Image:
    frame = fit(photo, width, height, shop.detail.background)
    return watermarked(shop, frame) if mark else frame


def detail_block(shop: Profile, photo: Image.Image, decoration: str, width: int, *, mark: bool) -> np.ndarray:
    """One image of the description: ``width`` wide, decorated, marked when allowed."""
    im = decorated(shop, to_width(photo, width), decoration)
    if im.width != width:   # drawing keeps the width; a safety net for the page's exact blocks
        im = to_width(im, width)
    return np.asarray(watermarked(shop, im) if mark else im.convert("RGB"))
