"""The detail pipeline (R2, R3, R9): one source's bytes in, the listing image's bytes out.

Read top to bottom: each step takes the ``Frame`` and returns a new one, and returns it
unchanged when it has nothing to do. ``build``, ``watch`` and every executor run ``STEPS``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from PIL import Image

from imgkit.detail.decoration import Decoration
from imgkit.errors import Rejected
from imgkit.imaging import codec as imaging
from imgkit.imaging.blend import alpha_over
from imgkit.imaging.colours import rgb_of
from imgkit.imaging.resample import shrink
from imgkit.imaging.watermark import placement, scaled_watermark
from imgkit.profile import Profile

JPEG_MAX_SIDE = 65500


@dataclass(frozen=True)
class Frame:
    profile: Profile
    data: bytes
    image: Image.Image | None = None
    source: imaging.Source | None = None
    orientation: int = 1
    srgb: bool = False
    notes: tuple[str, ...] = ()
    outputs: dict[str, bytes] = field(default_factory=dict)
    calibration: object | None = None   # a pipelines.calibrate.Calibration, from a chart photo
    corrected: bool = False
    decoration: Decoration | None = None  # facts panel, caption, sold-out labels (R4, R6/R7, R11)
    keep_base: bool = False               # keep the photo as it is before decoration in ``base``
    base: np.ndarray | None = None


def decode(f: Frame) -> Frame:
    p = f.profile
    src = imaging.decode(f.data, max_pixels=p.input.max_pixels, formats=p.input.formats,
                         multi_frame=p.input.multi_frame, allow_upscale=p.detail.allow_upscale,
                         width=None if p.master.enabled else p.detail.width, margin=p.detail.decode_margin)
    image = imaging.working_mode(src.image)
    return replace(f, source=src, image=image, orientation=src.orientation, notes=f.notes + src.warnings)


def master(f: Frame) -> Frame:
    """Optional full-size corrected working file (R9), made before the shrink."""
    if not f.profile.master.enabled:
        return f
    f = orient(correct(flatten(colour(f))))
    return replace(f, outputs={**f.outputs, "master": imaging.encode_png(f.image)})


#: A shrink by at most this factor (width as decoded / width wanted: a 24 MP JPEG decoded at 1/8,
#: 750 -> 710 px) is a 4-tap cubic, ~5x faster than Lanczos: against a full-decode Lanczos
#: reference it stays within 0.1 MAD / 0.002 SSIM of Lanczos up to 1.1, not beyond (issue 8).
CUBIC_MAX_SHRINK = 1.1


def resize(f: Frame) -> Frame:
    """High-quality shrink to the profile width as displayed, aspect kept."""
    width = f.profile.detail.width
    w, h = f.image.size
    turned = f.orientation >= 5
    shown_w, shown_h = (h, w) if turned else (w, h)
    if shown_w < width and not f.profile.detail.allow_upscale:
        raise Rejected(f"narrower than {width} px ({shown_w} px as displayed)")
    # the height from the photo's own size, not from a DCT-scaled decode's rounded one (a 4000x2666
    # photo decoded at 1/4 is 1000x667: 474 px where the photo says 473)
    full_w, full_h = f.source.size if f.source else (shown_w, shown_h)
    height = max(1, round(full_h * width / full_w))
    if height > JPEG_MAX_SIDE:
        raise Rejected(f"too tall: would be {width}x{height} px, over the JPEG limit of {JPEG_MAX_SIDE}")
    if (shown_w, shown_h) == (width, height):
        return f
    size = (height, width) if turned else (width, height)
    if width < shown_w <= CUBIC_MAX_SHRINK * width and f.image.mode in ("L", "RGB"):
        return replace(f, image=_cubic(f.image, size))
    # L and RGB shrink by a Lanczos-3 low-pass; alpha (premultiplied), CMYK and upscaling by Pillow
    return replace(f, image=shrink(f.image, size))


def _cubic(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    import cv2  # only for this shrink: a build that never makes one does not load OpenCV
    return Image.fromarray(cv2.resize(np.asarray(image), size, interpolation=cv2.INTER_CUBIC), image.mode)


def colour(f: Frame) -> Frame:
    """Embedded ICC profile (Adobe RGB, P3, ProPhoto, CMYK…) to sRGB."""
    if f.srgb:
        return f
    notes: list[str] = []
    image = imaging.to_srgb(f.image, f.source.icc, notes)
    return replace(f, image=image, srgb=True, notes=f.notes + tuple(notes))


def flatten(f: Frame) -> Frame:
    bg = rgb_of(f.profile.detail.background)
    return replace(f, image=imaging.flatten_alpha(f.image, bg))


def correct(f: Frame) -> Frame:
    """Colour-cast correction (R8): the session's chart calibration with its highlights kept (a
    note when the brightness was lowered or highlights still clip), or without one the profile's
    ``[colour] auto_white_balance`` (a note says what it did); one vectorised pass at 710 px."""
    if f.corrected:
        return f
    if f.calibration is not None:   # highlights kept: [colour] exposure, highlight_knee, max_clip_growth
        from imgkit.colour import highlights
        c = f.profile.colour
        rgb, notes = highlights.correct(np.asarray(f.image), f.calibration, exposure=c.exposure,
                                        knee=c.highlight_knee, max_growth=c.max_clip_growth)
        return replace(f, image=Image.fromarray(rgb, "RGB"), corrected=True, notes=f.notes + notes)
    method = f.profile.colour.auto_white_balance
    if method == "off":
        return f
    from imgkit.colour import white_balance
    rgb, bal = white_balance.balance(np.asarray(f.image), method)
    return replace(f, image=Image.fromarray(rgb, "RGB"), corrected=True, notes=f.notes + (bal.note(method),))


def orient(f: Frame) -> Frame:
    """EXIF orientation, applied on the small image (cheap) after the shrink."""
    if f.orientation == 1:
        return f
    return replace(f, image=imaging.orient(f.image, f.orientation), orientation=1)


def decorate(f: Frame) -> Frame:
    """Facts panel (index 01), selling-point caption (02..N), sold-out labels: from the sheet.

    A new photo's index is known only once its item is published, so with ``keep_base`` the
    undecorated pixels are kept for the publisher to ``finish`` with the right decoration."""
    if f.keep_base:
        f = replace(f, base=np.asarray(f.image))
    if not f.decoration:
        return f
    from imgkit.detail.drawing import apply
    return replace(f, image=apply(f.image, f.decoration, f.profile))


def watermark(f: Frame) -> Frame:
    """The shop's own mark, alpha-composited at the profile's place, size and opacity (R2)."""
    w, h = f.image.size
    mark = scaled_watermark(f.profile, w, h)
    if mark is None:
        return f
    x, y = placement(f.profile, w, h, mark)
    base = np.array(f.image)  # a writable copy
    alpha_over(base, mark, x=x, y=y, opacity=f.profile.watermark.opacity)
    return replace(f, image=Image.fromarray(base, "RGB"))


def encode(f: Frame) -> Frame:
    d = f.profile.detail
    data = imaging.encode_jpeg(f.image, quality=d.quality, subsampling=d.subsampling)
    return replace(f, outputs={**f.outputs, "detail": data})


STEPS = (decode, master, resize, colour, flatten, correct, orient, decorate, watermark, encode)
FINISH = STEPS[STEPS.index(decorate):]


def run(profile: Profile, data: bytes, *, calibration=None, decoration: Decoration | None = None,
        keep_base: bool = False) -> Frame:
    frame = Frame(profile=profile, data=data, calibration=calibration, decoration=decoration, keep_base=keep_base)
    for step in STEPS:
        frame = step(frame)
    return frame


def finish(profile: Profile, base: np.ndarray, decoration: Decoration) -> bytes:
    """The detail image from kept ``base`` pixels: decorate, watermark, encode."""
    frame = Frame(profile=profile, data=b"", image=Image.fromarray(base, "RGB"), decoration=decoration)
    for step in FINISH:
        frame = step(frame)
    return frame.outputs["detail"]
