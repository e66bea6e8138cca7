"""Decoding and encoding: the only place that touches image file formats.

Decode checks cheap things first (size, header, pixel limit, format) so that bombs and
non-images are refused before a byte of pixels is allocated, then decodes with JPEG DCT
scaling when only a small image is needed. Colour is converted to sRGB with LittleCMS
(Pillow's ImageCms) and orientation applied after the shrink, on the small image.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
from PIL import Image, ImageCms, UnidentifiedImageError

from imgkit.errors import Rejected, plain
from imgkit.imaging.blend import flatten

ORIENTATION = 0x0112
EXIF_IFD, DATETIME_ORIGINAL, DATETIME = 0x8769, 0x9003, 0x0132
#: EXIF orientation -> the transposition that shows the picture upright
TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
             4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
             6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
             8: Image.Transpose.ROTATE_90}
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")

def _fixed_srgb_icc() -> bytes:
    """LittleCMS's built-in sRGB profile with its creation date zeroed: the bytes of an
    output must not depend on the second the worker process started."""
    icc = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    assert icc[84:100] == bytes(16), "a profile ID would have to be recomputed"
    icc[24:36] = bytes.fromhex("07d0 0001 0001 0000 0000 0000")  # dateTimeNumber: 2000-01-01
    return bytes(icc)


SRGB_ICC = _fixed_srgb_icc()


@dataclass(frozen=True)
class Source:
    """A decoded picture before it is shaped: pixels plus what is needed to read them right."""

    image: Image.Image
    format: str
    size: tuple[int, int]             # displayed (after orientation) full-resolution size
    orientation: int = 1
    icc: bytes | None = None
    captured: str | None = None       # EXIF DateTimeOriginal, "YYYY:MM:DD HH:MM:SS"
    warnings: tuple[str, ...] = field(default=())


def sniff(data: bytes) -> None:
    """Refuse what is certainly not usable, with a message a designer can act on."""
    if not data:
        raise Rejected("empty file (0 bytes); the copy or upload was probably interrupted")
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        raise Rejected("HEIC/HEIF photo: not supported, export it as JPEG "
                       "(iPhone: Settings > Camera > Formats > Most Compatible)")


def unreadable(data: bytes, exc: BaseException | None = None) -> str:
    """Why ``data`` is not a usable picture, in words, for checks that open files themselves
    (``exc``: what opening or decoding raised)."""
    try:
        sniff(data)
    except Rejected as rejected:
        return rejected.reason
    if exc is None or isinstance(exc, UnidentifiedImageError):
        if _jpeg_precision(data) not in (None, 8):
            return f"{_jpeg_precision(data)}-bit JPEG: not supported, export an 8-bit JPEG"
        return "not an image, or a format imgkit cannot read"
    return f"damaged or cut-off image: {_short(exc)}"


def open_image(data: bytes, *, max_pixels: int, formats: tuple[str, ...]) -> Image.Image:
    """Open lazily (header only) and check format and pixel count before any decoding."""
    sniff(data)
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise Rejected(f"image too large: {_pixels_from(exc)} (limit {max_pixels:,} pixels)") from None
    except UnidentifiedImageError:
        if _jpeg_precision(data) not in (None, 8):
            raise Rejected(f"{_jpeg_precision(data)}-bit JPEG: not supported, export an 8-bit JPEG") from None
        raise Rejected("not an image, or a format imgkit cannot read") from None
    except Exception as exc:  # hostile headers raise anything from OSError to TypeError
        raise Rejected(f"unreadable image header: {_short(exc)}") from None
    w, h = im.size
    if w <= 0 or h <= 0:
        raise Rejected(f"image has no pixels ({w}x{h})")
    if w * h > max_pixels:
        raise Rejected(f"image too large: {w}x{h} = {w * h:,} pixels (limit {max_pixels:,})")
    if im.format not in formats:
        raise Rejected(f"{im.format} files are not accepted by this profile (accepted: {', '.join(formats)})")
    return im


def decode(data: bytes, *, max_pixels: int, formats: tuple[str, ...], multi_frame: str,
           width: int | None, allow_upscale: bool, margin: float = 2.0) -> Source:
    """Decode ``data``; with ``width``, decode only as many pixels as a clean shrink needs:
    a JPEG is DCT-scaled (1/2, 1/4, 1/8) as far as it stays ``margin`` x ``width`` wide.

    Decoder warnings (broken EXIF, odd tags) become notes on the result, not console noise.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            src = _decode(data, max_pixels=max_pixels, formats=formats, multi_frame=multi_frame,
                          width=width, allow_upscale=allow_upscale, margin=margin)
        except Rejected:
            raise
        except Exception as exc:  # hostile files raise anything from OSError to TypeError
            raise Rejected(f"unreadable image: {_short(exc)}") from None
    notes = tuple(dict.fromkeys(f"decoder: {_short(w.message)}" for w in caught))
    return replace(src, warnings=src.warnings + notes[:5])


def _decode(data: bytes, *, max_pixels: int, formats: tuple[str, ...], multi_frame: str,
            width: int | None, allow_upscale: bool, margin: float) -> Source:
    im = open_image(data, max_pixels=max_pixels, formats=formats)
    notes: list[str] = []
    frames = getattr(im, "n_frames", 1)
    if frames > 1 and im.format != "MPO":  # MPO: the primary picture is the photo
        if multi_frame == "reject":
            raise Rejected(f"{frames} frames (animated or multi-page {im.format}); export a single still picture")
        notes.append(f"{frames} frames: the first one was used")
    exif = _exif(im, notes)
    orientation = exif.get(ORIENTATION, 1) if exif.get(ORIENTATION, 1) in range(1, 9) else 1
    w, h = im.size
    shown = (h, w) if orientation >= 5 else (w, h)
    if width and shown[0] < width and not allow_upscale:
        raise Rejected(f"narrower than {width} px ({shown[0]}x{shown[1]} as displayed); "
                       f"use a larger photo or set [detail] allow_upscale = true")
    if width and im.format in ("JPEG", "MPO") and shown[0] >= margin * width:
        # DCT scaling: keep ``margin`` x the target width (2 by default) for a clean Lanczos shrink
        factor = shown[0] / (margin * width)
        im.draft(None, (max(1, int(w / factor)), max(1, int(h / factor))))
    try:
        im.load()
    except Exception as exc:
        raise Rejected(f"truncated or corrupt image data: {_short(exc)}") from None
    icc = im.info.get("icc_profile") or None
    return Source(image=im, format=im.format, size=shown, orientation=orientation, icc=icc,
                  captured=_captured(exif), warnings=tuple(notes))


def working_mode(im: Image.Image) -> Image.Image:
    """Bring any decoded mode to L, LA, RGB, RGBA or CMYK, the modes resizing handles right."""
    mode = im.mode
    if mode in ("L", "LA", "RGB", "RGBA", "CMYK") and "transparency" not in im.info:
        return im
    if mode == "F" or mode.startswith("I;32") or mode == "I;16F":
        raise Rejected(f"{'32-bit float' if 'F' in mode else mode} samples are not supported; export 8 or 16 bit")
    if mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        arr = np.asarray(im, dtype=np.float64)
        top = 65535.0 if mode.startswith("I;16") or arr.max() > 255 else 255.0
        return Image.fromarray(np.clip(np.rint(arr * (255.0 / top)), 0, 255).astype(np.uint8), "L")
    if mode == "LAB":
        lab = ImageCms.createProfile("LAB")
        return ImageCms.profileToProfile(im, lab, ImageCms.createProfile("sRGB"), outputMode="RGB")
    if "transparency" in im.info and mode in ("RGB", "L"):
        t = im.info["transparency"]
        if isinstance(t, tuple) and max(t) > 255 or isinstance(t, int) and t > 255:  # 16-bit key
            im.info["transparency"] = tuple(v >> 8 for v in t) if isinstance(t, tuple) else t >> 8
        return im.convert("RGBA" if mode == "RGB" else "LA")
    if mode in ("P", "PA", "1") or mode.startswith("P"):
        has_alpha = "transparency" in im.info or mode == "PA"
        return im.convert("RGBA" if has_alpha else ("L" if mode == "1" else "RGB"))
    if mode in ("La", "RGBa", "RGBX", "YCbCr", "HSV"):
        return im.convert("RGBA" if mode in ("La", "RGBa") else "RGB")
    return im.convert("RGBA" if "A" in mode else "RGB")


def to_srgb(im: Image.Image, icc: bytes | None, notes: list[str]) -> Image.Image:
    """Convert to sRGB RGB/RGBA: through the embedded ICC profile when there is one."""
    alpha = im.getchannel("A") if im.mode in ("LA", "RGBA") else None
    colour = im.convert(im.mode[:-1]) if alpha is not None else im
    converted = None
    if icc:
        try:
            transform = _transform(icc, colour.mode)
            converted = ImageCms.applyTransform(colour, transform) if transform else colour
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError) as exc:
            notes.append(f"embedded ICC profile ignored ({_short(exc)})")
    if converted is None:
        converted = colour.convert("RGB")
    if alpha is not None:
        converted.putalpha(alpha)
    return converted


@lru_cache(maxsize=16)
def _transform(icc: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    desc = (ImageCms.getProfileDescription(src) or "").strip().lower()
    if mode == "RGB" and desc.startswith("srgb"):
        return None  # already sRGB: no transform
    return ImageCms.buildTransform(src, ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")),
                                   mode, "RGB", renderingIntent=ImageCms.Intent.PERCEPTUAL)


def flatten_alpha(im: Image.Image, background: tuple[int, int, int]) -> Image.Image:
    """Composite an RGBA picture over the profile's background; RGB passes through."""
    if im.mode != "RGBA":
        return im
    rgba = np.asarray(im)
    if not rgba[..., 3].any():
        raise Rejected("image is fully transparent: nothing to show")
    return Image.fromarray(flatten(rgba, background), "RGB")


def orient(im: Image.Image, orientation: int) -> Image.Image:
    return im.transpose(TRANSPOSE[orientation]) if orientation in TRANSPOSE else im


def encode_jpeg(im: Image.Image, *, quality: int, subsampling: str) -> bytes:
    """Baseline sRGB JPEG, sRGB ICC tag kept, no EXIF/XMP/GPS (nothing from the camera)."""
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality, subsampling=subsampling, icc_profile=SRGB_ICC, optimize=True)
    return buf.getvalue()


def encode_png(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "PNG", icc_profile=SRGB_ICC, compress_level=3)
    return buf.getvalue()


def _exif(im: Image.Image, notes: list[str]) -> dict:
    try:
        exif = im.getexif()
        out = dict(exif)
        try:
            out.update(exif.get_ifd(EXIF_IFD))
        except Exception:
            pass
        return out
    except Exception as exc:
        notes.append(f"unreadable EXIF ignored ({_short(exc)})")
        return {}


def _captured(exif: dict) -> str | None:
    value = exif.get(DATETIME_ORIGINAL) or exif.get(DATETIME)
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    value = str(value).strip("\x00 ") if value else ""
    return value if len(value) >= 10 and value[:4].isdigit() else None


def _jpeg_precision(data: bytes) -> int | None:
    """Sample precision from a JPEG's SOF marker (8, or 12 for medical/raw-ish JPEGs)."""
    if not data.startswith(b"\xff\xd8"):
        return None
    pos = 2
    while pos + 9 < len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return data[pos + 4]
        pos += 2 + int.from_bytes(data[pos + 2:pos + 4], "big")
    return None


def _pixels_from(exc: Exception) -> str:
    text = str(exc)
    return text.split("(")[1].split(")")[0] if "(" in text else "over the pixel limit"


def _short(exc: BaseException) -> str:
    """The first line of a library's message, without Python object reprs (<… at 0x7f…>)."""
    text = plain(exc)
    return text if len(text) <= 160 else text[:157] + "..."
