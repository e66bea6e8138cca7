"""Byte budgets: the best quality whose file fits a marketplace's cap, never below a quality floor.

The JPEG (or WebP) quality is searched by bisection on the integer quality (bytes grow with
the quality), a handful of encodes per image; only the chosen encoding is judged by SSIM on
luma against the unencoded pixels, so the floor costs one comparison when the cap is met.

Encoders: Pillow (libjpeg-turbo) always; when ``mozjpeg-lossless-optimization`` is installed
(a core dependency: small wheels for Linux, macOS and Windows) every Pillow JPEG is re-optimised
losslessly by MozJPEG (progressive scans, optimal Huffman tables): the same pixels, so the same
SSIM, in 3-11 % fewer bytes (benchmarks/bench_bytes.py). jpegli (``pyjpegli``) was measured
too and is not used: its files are larger at the same SSIM (see benchmarks/RESULTS.md).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image

from imgkit.errors import Rejected
from imgkit.imaging.codec import SRGB_ICC

try:  # optional at run time: Pillow alone is the fallback
    import mozjpeg_lossless_optimization as _mozjpeg
except ImportError:  # pragma: no cover - depends on the platform's wheels
    _mozjpeg = None

FORMATS = ("JPEG", "WEBP")
SUBSAMPLINGS = ("4:4:4", "4:2:2", "4:2:0")


@dataclass(frozen=True)
class Encoded:
    data: bytes
    fmt: str          # "JPEG" | "WEBP"
    quality: int
    ssim: float       # luma SSIM of the decoded file against the unencoded pixels
    encoder: str      # "mozjpeg" (Pillow + MozJPEG's lossless optimisation) or "pillow"


class OverBudget(Rejected):
    """No quality at or above the floor fits the cap; ``reason`` says the cap, the bytes at
    the quality floor and the floor."""

    def __init__(self, reason: str, *, max_bytes: int, floor_bytes: int, quality: int, ssim: float):
        super().__init__(reason)
        self.max_bytes, self.floor_bytes, self.quality, self.ssim = max_bytes, floor_bytes, quality, ssim


def _pillow_jpeg(rgb: Image.Image, quality: int, subsampling: str) -> bytes:
    buf = io.BytesIO()
    rgb.save(buf, "JPEG", quality=quality, subsampling=subsampling, icc_profile=SRGB_ICC, optimize=True)
    return buf.getvalue()


def _mozjpeg_jpeg(rgb: Image.Image, quality: int, subsampling: str) -> bytes:
    # Pillow writes JFIF + the sRGB ICC profile and nothing else: copying all markers keeps the tag
    return _mozjpeg.optimize(_pillow_jpeg(rgb, quality, subsampling), _mozjpeg.COPY_MARKERS.ALL)


def _pillow_webp(rgb: Image.Image, quality: int, subsampling: str) -> bytes:
    buf = io.BytesIO()
    rgb.save(buf, "WEBP", quality=quality, method=5, icc_profile=SRGB_ICC)
    return buf.getvalue()


#: JPEG encoders available here, best first: (name, encode(rgb image, quality, subsampling) -> bytes)
JPEG_ENCODERS: tuple[tuple[str, Callable[[Image.Image, int, str], bytes]], ...] = (
    (("mozjpeg", _mozjpeg_jpeg),) if _mozjpeg is not None else ()) + (("pillow", _pillow_jpeg),)


def encode_within(image: Image.Image, *, fmt: str = "JPEG", max_bytes: int, min_bytes: int = 0,
                  quality_max: int = 92, quality_min: int = 60, ssim_floor: float = 0.97,
                  subsampling: str = "4:2:0") -> Encoded:
    """The best quality <= ``quality_max`` whose bytes fit ``max_bytes`` (0: no cap) with SSIM
    >= ``ssim_floor`` and quality >= ``quality_min``; ``OverBudget`` when there is none.

    ``min_bytes`` (Taobao's white-background image: 38 KB) raises the quality, up to 100, to
    the lowest that reaches it; if even 100 is smaller, the quality-100 file is returned (validate
    flags it). The output is sRGB-tagged, without EXIF; an alpha channel is flattened on white.
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, got {fmt!r}")
    if subsampling not in SUBSAMPLINGS:
        raise ValueError(f"subsampling must be one of {SUBSAMPLINGS}, got {subsampling!r}")
    if not 1 <= quality_min <= quality_max <= 100:
        raise ValueError(f"need 1 <= quality_min <= quality_max <= 100, got {quality_min}..{quality_max}")
    if max_bytes < 0 or min_bytes < 0 or (max_bytes and min_bytes > max_bytes):
        raise ValueError(f"need 0 <= min_bytes <= max_bytes (0: no cap), got {min_bytes}..{max_bytes}")
    name, encode = JPEG_ENCODERS[0] if fmt == "JPEG" else ("pillow", _pillow_webp)
    return search(_rgb(image), encode, name=name, fmt=fmt, max_bytes=max_bytes, min_bytes=min_bytes,
                  quality_max=quality_max, quality_min=quality_min, ssim_floor=ssim_floor, subsampling=subsampling)


def search(rgb: Image.Image, encode: Callable[[Image.Image, int, str], bytes], *, name: str, fmt: str,
           max_bytes: int, min_bytes: int, quality_max: int, quality_min: int, ssim_floor: float,
           subsampling: str) -> Encoded:
    """``encode_within`` with a given encoder (benchmarks compare encoders through this)."""
    files: dict[int, bytes] = {}
    reference = luma(np.asarray(rgb))

    def at(q: int) -> bytes:
        if q not in files:
            files[q] = encode(rgb, q, subsampling)
        return files[q]

    def fits(q: int) -> bool:
        return not max_bytes or len(at(q)) <= max_bytes

    def quality_of(q: int) -> float:
        return ssim(reference, luma(np.asarray(Image.open(io.BytesIO(at(q))).convert("RGB"))))

    if fits(quality_max):
        q = quality_max
    else:
        q = _last_true(fits, quality_min, quality_max - 1)
        if q is None:
            floor_ssim = quality_of(quality_min)
            raise OverBudget(f"over the byte cap: {len(at(quality_min)):,} bytes at the quality floor "
                             f"(quality {quality_min}, SSIM {floor_ssim:.3f}), the cap is {max_bytes:,} bytes; "
                             f"floor: quality >= {quality_min}, SSIM >= {ssim_floor}",
                             max_bytes=max_bytes, floor_bytes=len(at(quality_min)), quality=quality_min,
                             ssim=floor_ssim)
    if min_bytes and len(at(q)) < min_bytes:
        up = _first_true(lambda k: len(at(k)) >= min_bytes, q + 1, 100)
        q = 100 if up is None else up if fits(up) else q
    score = quality_of(q)
    if score < ssim_floor:
        _below_floor(quality_of, at, q, quality_max, max_bytes, ssim_floor, score)
    return Encoded(at(q), fmt, q, round(score, 4), name)


def _below_floor(quality_of, at, q: int, quality_max: int, max_bytes: int, ssim_floor: float, score: float):
    """Raise OverBudget for a fitting quality whose SSIM is under the floor, with the bytes at the
    lowest quality that does reach the floor (or at ``quality_max`` when none does)."""
    good = _first_true(lambda k: quality_of(k) >= ssim_floor, q + 1, quality_max)
    k = quality_max if good is None else good
    if good is None:
        reason = (f"below the quality floor: even quality {quality_max} gives SSIM {quality_of(k):.3f} "
                  f"({len(at(k)):,} bytes), the floor is SSIM >= {ssim_floor}")
    else:
        reason = (f"over the byte cap: {len(at(k)):,} bytes at the quality floor (SSIM >= {ssim_floor}: "
                  f"{quality_of(k):.3f} at quality {k}), the cap is {max_bytes:,} bytes; "
                  f"quality {q} fits with SSIM {score:.3f}")
    raise OverBudget(reason, max_bytes=max_bytes, floor_bytes=len(at(k)), quality=k, ssim=quality_of(k))


def _last_true(pred, lo: int, hi: int) -> int | None:
    """The largest k in lo..hi with pred(k), pred true below some point and false above it."""
    found = None
    while lo <= hi:
        mid = (lo + hi) // 2
        if pred(mid):
            found, lo = mid, mid + 1
        else:
            hi = mid - 1
    return found


def _first_true(pred, lo: int, hi: int) -> int | None:
    """The smallest k in lo..hi with pred(k), pred false below some point and true above it."""
    found = None
    while lo <= hi:
        mid = (lo + hi) // 2
        if pred(mid):
            found, hi = mid, mid - 1
        else:
            lo = mid + 1
    return found


def _rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def luma(rgb: np.ndarray) -> np.ndarray:
    """Rec. 601 luma as float32 (the Y of a JPEG) of a uint8 HxWx3 array."""
    return rgb[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)


SSIM_STRIP = 512   # rows per strip: a 20 MP picture is compared in bounded memory, with the same result


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM (Wang et al. 2004: 11x11 Gaussian window, sigma 1.5, K1 0.01, K2 0.03, L 255) of
    two float32 luma planes of one size, computed in strips of rows (each padded by the window's
    radius with real rows, so the mean is the whole picture's)."""
    h, total = a.shape[0], 0.0
    for y0 in range(0, h, SSIM_STRIP):
        y1 = min(h, y0 + SSIM_STRIP)
        p0, p1 = max(0, y0 - 5), min(h, y1 + 5)
        total += float(_ssim_map(a[p0:p1], b[p0:p1])[y0 - p0:y1 - p0].sum(dtype=np.float64))
    return total / a.size


def _ssim_map(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    import cv2

    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(x):
        return cv2.GaussianBlur(x, (11, 11), 1.5, borderType=cv2.BORDER_REFLECT)

    mu_a, mu_b = blur(a), blur(b)
    var_a, var_b = blur(a * a) - mu_a * mu_a, blur(b * b) - mu_b * mu_b
    cov = blur(a * b) - mu_a * mu_b
    return (2 * mu_a * mu_b + c1) * (2 * cov + c2) / ((mu_a * mu_a + mu_b * mu_b + c1) * (var_a + var_b + c2))
