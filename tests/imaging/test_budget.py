"""Byte budgets on real photos: the cap met at the best quality, the floor never crossed."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from imgkit.imaging.budget import JPEG_ENCODERS, Encoded, OverBudget, _ssim_map, encode_within, luma, ssim
from imgkit.imaging.codec import SRGB_ICC
from tests.conftest import ROOT, SAMPLES


@pytest.fixture(scope="module")
def photo() -> Image.Image:
    """A real product photo (the sample skull) at a marketplace's main-image size."""
    im = Image.open(SAMPLES / "A1001" / "IMG_0417.JPG").convert("RGB")
    im.thumbnail((800, 800))
    return im


def decoded(e: Encoded) -> Image.Image:
    im = Image.open(io.BytesIO(e.data))
    im.load()
    return im


def test_no_cap_gives_quality_max_srgb_tagged_without_exif(photo):
    e = encode_within(photo, max_bytes=0)
    im = decoded(e)
    assert (e.fmt, e.quality, im.format, im.size) == ("JPEG", 92, "JPEG", photo.size)
    assert im.info.get("icc_profile") == SRGB_ICC
    assert not im.getexif() and "exif" not in im.info
    assert e.ssim >= 0.97
    assert e.encoder == JPEG_ENCODERS[0][0]


def test_a_cap_is_met_at_the_highest_quality_that_fits(photo):
    full = encode_within(photo, max_bytes=0)
    cap = len(full.data) * 6 // 10
    e = encode_within(photo, max_bytes=cap)
    assert len(e.data) <= cap
    assert 60 <= e.quality < 92 and e.ssim >= 0.97
    one_more = encode_within(photo, max_bytes=0, quality_max=e.quality + 1)
    assert len(one_more.data) > cap          # the next quality up would not fit: none better was left
    # the SSIM reported is the file's own, measured again here
    assert abs(ssim(luma(np.asarray(photo)), luma(np.asarray(decoded(e).convert("RGB")))) - e.ssim) < 1e-3


def test_a_cap_below_the_floor_is_over_budget_in_one_line(photo):
    with pytest.raises(OverBudget) as info:
        encode_within(photo, max_bytes=5_000)
    exc = info.value
    text = str(exc)
    assert "\n" not in text and "5,000 bytes" in text and "quality 60" in text and "0.97" in text
    assert exc.max_bytes == 5_000 and exc.floor_bytes > 5_000 and exc.quality == 60
    assert exc.reason == text


def test_the_ssim_floor_stops_the_search_before_the_quality_floor():
    """Fine noise loses SSIM fast as the quality drops: a cap the quality floor would meet is
    refused when the SSIM floor is crossed first."""
    rng = np.random.default_rng(7)
    noise = Image.fromarray(rng.integers(0, 256, (400, 400, 3), dtype=np.uint8))
    at_min = encode_within(noise, max_bytes=0, quality_max=60, ssim_floor=0.5)
    assert at_min.ssim < 0.97                 # quality 60 alone would not keep the floor
    with pytest.raises(OverBudget, match="quality floor"):
        encode_within(noise, max_bytes=len(at_min.data))
    ok = encode_within(noise, max_bytes=0)
    assert ok.ssim >= 0.97 or ok.quality == 92


def test_min_bytes_raises_the_quality_and_gives_up_at_100(photo):
    plain = encode_within(photo, max_bytes=300_000)
    want = len(plain.data) + 20_000
    e = encode_within(photo, max_bytes=300_000, min_bytes=want)
    assert e.quality > 92 and want <= len(e.data) <= 300_000
    lower = encode_within(photo, max_bytes=0, quality_max=e.quality - 1)
    assert e.quality == 93 or len(lower.data) < want   # the lowest quality that reaches it
    white = Image.new("RGB", (800, 800), (255, 255, 255))
    e = encode_within(white, max_bytes=300_000, min_bytes=38_000)
    assert e.quality == 100 and len(e.data) < 38_000     # unreachable: q100, validate flags it


def test_mozjpeg_keeps_pillows_pixels_in_fewer_bytes(photo):
    encoders = dict(JPEG_ENCODERS)
    assert "mozjpeg" in encoders, "mozjpeg-lossless-optimization is a core dependency"
    moz = encoders["mozjpeg"](photo, 85, "4:2:0")
    pil = encoders["pillow"](photo, 85, "4:2:0")
    assert len(moz) < len(pil)
    a, b = Image.open(io.BytesIO(moz)), Image.open(io.BytesIO(pil))
    assert np.array_equal(np.asarray(a), np.asarray(b))
    assert a.info.get("icc_profile") == SRGB_ICC


def test_pillow_is_the_fallback_without_mozjpeg():
    code = ("import sys; sys.modules['mozjpeg_lossless_optimization'] = None\n"
            "from PIL import Image\n"
            "from imgkit.imaging.budget import encode_within\n"
            f"im = Image.open({str(SAMPLES / 'A1001' / 'IMG_0418.JPG')!r}).convert('RGB').reduce(4)\n"
            "e = encode_within(im, max_bytes=40_000)\n"
            "print(e.encoder, e.quality, len(e.data))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    name, quality, size = out.stdout.split()
    assert name == "pillow" and int(size) <= 40_000 and 60 <= int(quality) <= 92


def test_webp_and_alpha(photo):
    e = encode_within(photo, fmt="WEBP", max_bytes=30_000)
    im = decoded(e)
    assert im.format == "WEBP" and len(e.data) <= 30_000 and e.ssim >= 0.97 and e.encoder == "pillow"
    rgba = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    rgba.paste((200, 30, 30, 255), (50, 50, 150, 150))
    im = decoded(encode_within(rgba, max_bytes=0))
    assert im.mode == "RGB" and min(im.getpixel((5, 5))) >= 250   # transparent is white, not black


def test_bad_arguments_are_value_errors(photo):
    for kw in (dict(fmt="PNG"), dict(quality_min=95), dict(min_bytes=10, max_bytes=5), dict(subsampling="4:1:1")):
        with pytest.raises(ValueError):
            encode_within(photo, **{"max_bytes": 0, **kw})


def test_ssim_orders_damage():
    rng = np.random.default_rng(1)
    a = luma(np.asarray(Image.open(SAMPLES / "A1001" / "IMG_0418.JPG").convert("RGB").reduce(8)))
    assert ssim(a, a) == pytest.approx(1.0)
    light = ssim(a, a + rng.normal(0, 3, a.shape).astype(np.float32))
    heavy = ssim(a, a + rng.normal(0, 20, a.shape).astype(np.float32))
    assert 1.0 > light > heavy > 0


def test_ssim_in_strips_equals_the_whole_picture():
    rng = np.random.default_rng(3)
    a = luma(np.asarray(Image.open(SAMPLES / "A1001" / "IMG_0419.JPG").convert("RGB")))   # 1600 x 2400
    b = a + rng.normal(0, 6, a.shape).astype(np.float32)
    whole = float(_ssim_map(a, b).mean(dtype=np.float64))
    assert a.shape[0] > 4 * 512 and ssim(a, b) == pytest.approx(whole, abs=1e-6)
