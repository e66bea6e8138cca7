"""Every pack file's bytes come from ``encode``: the platform's byte cap met by the quality
search of ``imgkit.imaging.budget.encode_within`` (best quality under the cap, never below
the profile's quality and SSIM floors), or, where that module is not in this imgkit, by
Pillow alone: the highest quality from ``quality_max`` down to ``quality_min`` that fits."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

from imgkit.imaging.codec import SRGB_ICC
from imgkit.profile import Export

try:   # Part B of issue 20: byte budgets with an SSIM floor and the best encoder installed
    from imgkit.imaging.budget import JPEG_ENCODERS, encode_within
    from imgkit.imaging.budget import OverBudget as _BudgetOver
except ImportError:   # pragma: no cover - until the budget module is merged
    encode_within = _BudgetOver = None
    JPEG_ENCODERS = ()


class OverBudget(Exception):
    """One line: the cap, the bytes at the quality floor, the floor."""


@dataclass(frozen=True)
class Encoded:
    data: bytes
    fmt: str
    quality: int
    ssim: float | None
    encoder: str


def encoder_id() -> str:
    """Names the encoding path, so a pack made by another one is made again."""
    if encode_within is not None:
        return f"budget:{JPEG_ENCODERS[0][0]}:pillow-{Image.__version__}"
    return f"pillow-{Image.__version__}"


def encode(image: Image.Image, exp: Export, *, max_bytes: int, min_bytes: int = 0) -> Encoded:
    """``image`` as the platform's format within ``max_bytes`` (0: no cap) and, for the white
    image, at least ``min_bytes`` where quality 100 reaches it. ``OverBudget`` otherwise."""
    image = image if image.mode == "RGB" else image.convert("RGB")
    if encode_within is not None:
        try:
            e = encode_within(image, fmt=exp.format, max_bytes=max_bytes, min_bytes=min_bytes,
                              quality_max=exp.quality_max, quality_min=exp.quality_min, ssim_floor=exp.ssim_floor)
        except _BudgetOver as exc:
            raise OverBudget(str(exc)) from None
        return Encoded(e.data, e.fmt, e.quality, e.ssim, e.encoder)
    return _pillow(image, exp, max_bytes, min_bytes)


def _save(image: Image.Image, fmt: str, quality: int) -> bytes:
    buf = io.BytesIO()
    if fmt == "WEBP":
        image.save(buf, "WEBP", quality=quality, method=4, icc_profile=SRGB_ICC)
    else:
        image.save(buf, "JPEG", quality=quality, subsampling="4:2:0", icc_profile=SRGB_ICC, optimize=True)
    return buf.getvalue()


def _pillow(image: Image.Image, exp: Export, max_bytes: int, min_bytes: int) -> Encoded:
    top, floor = exp.quality_max, min(exp.quality_min, exp.quality_max)
    data = _save(image, exp.format, top)
    if min_bytes and len(data) < min_bytes:   # a floor (Taobao's white image): raise the quality
        q = top
        while len(data) < min_bytes and q < 100:
            q += 1
            data = _save(image, exp.format, q)
        return Encoded(data, exp.format, q, None, "pillow")
    if not max_bytes or len(data) <= max_bytes:
        return Encoded(data, exp.format, top, None, "pillow")
    lo, hi, best = floor, top - 1, None   # the highest quality that fits: bytes grow with quality
    while lo <= hi:
        q = (lo + hi) // 2
        candidate = _save(image, exp.format, q)
        if len(candidate) <= max_bytes:
            best, lo = (q, candidate), q + 1
        else:
            hi = q - 1
    if best is None:
        raise OverBudget(f"over the cap of {max_bytes:,} bytes: {len(_save(image, exp.format, floor)):,} bytes "
                         f"at the quality floor {floor}")
    return Encoded(best[1], exp.format, best[0], None, "pillow")
