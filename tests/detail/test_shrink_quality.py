"""The quality bounds of the shrink (issue 21): the default pipeline stays within SSIM 0.99 of a
full-decode Lanczos-3 reference (both encoded at the detail quality, as bench_build.py scores
them), the faster ``decode_margin = 1`` within 0.975, on a real photograph with sensor-like
noise, in the sizes a camera gives. Speed is measured in benchmarks/ (bench_build.py,
bench_resample.py), never here."""

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from imgkit.detail import pipeline
from imgkit.imaging.resample import lanczos_taps, shrink
from imgkit.profile import load
from tests.conftest import write_profile


def _ssim(a: np.ndarray, b: np.ndarray) -> float:
    a, b = (cv2.cvtColor(x, cv2.COLOR_RGB2GRAY).astype(np.float64) for x in (a, b))
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    blur = lambda x: cv2.GaussianBlur(x, (11, 11), 1.5)  # noqa: E731
    ma, mb = blur(a), blur(b)
    va, vb, cov = blur(a * a) - ma ** 2, blur(b * b) - mb ** 2, blur(a * b) - ma * mb
    return float((((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma ** 2 + mb ** 2 + c1) * (va + vb + c2))).mean())


@pytest.fixture(scope="module")
def camera_jpeg(corpus) -> bytes:
    """A 4000x2666 crop-and-tile of the corpus's native-resolution product photos, with noise."""
    tiles = [Image.open(p).convert("RGB") for p in sorted((corpus / "products").glob("p01__*.jpg"))[:2]]
    canvas = Image.new("RGB", (4000, 2666))
    canvas.paste(tiles[0].crop((200, 300, 2200, 2966)), (0, 0))
    canvas.paste(tiles[1].crop((1500, 100, 3500, 2766)), (2000, 0))
    rng = np.random.default_rng(3)
    noisy = np.asarray(canvas, np.int16) + rng.normal(0, 4, (2666, 4000, 3)).astype(np.int16)
    buf = io.BytesIO()
    Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(buf, "JPEG", quality=95)
    return buf.getvalue()


def _score(data: bytes, profile) -> float:
    full = Image.open(io.BytesIO(data)).convert("RGB")
    ref_image = full.resize((710, round(full.height * 710 / full.width)), Image.Resampling.LANCZOS)
    buf = io.BytesIO()   # encoded as the detail image is, so the score compares the shrinks, not JPEG's loss
    ref_image.save(buf, "JPEG", quality=profile.detail.quality)
    ref = np.asarray(Image.open(buf).convert("RGB"))
    frame = pipeline.run(profile, data)
    got = np.asarray(Image.open(io.BytesIO(frame.outputs["detail"])).convert("RGB"))
    assert got.shape == ref.shape
    keep = np.ones(ref.shape[:2], bool)
    keep[int(ref.shape[0] * 0.75):, int(ref.shape[1] * 0.70):] = False   # the watermark's corner
    return _ssim(np.where(keep[..., None], got, ref), ref)


def test_the_default_shrink_is_within_ssim_099_of_a_full_decode_lanczos(camera_jpeg):
    assert _score(camera_jpeg, load("default")) >= 0.99


def test_decode_margin_1_is_within_ssim_0975(camera_jpeg, tmp_path):
    fast = load(str(write_profile(tmp_path / "fast.toml", detail={"decode_margin": 1.0})))
    assert _score(camera_jpeg, fast) >= 0.975


def test_shrink_agrees_with_pillows_lanczos(camera_jpeg):
    im = Image.open(io.BytesIO(camera_jpeg))
    im.draft("RGB", (im.width // 2, im.height // 2))
    size = (710, 473)
    ours, pillows = (np.asarray(x, np.float64) for x in (shrink(im, size), im.resize(size, Image.Resampling.LANCZOS)))
    assert ours.shape == pillows.shape
    assert np.abs(ours - pillows).mean() < 0.5
    assert shrink(im.convert("L"), size).mode == "L"


def test_the_taps_are_a_normalised_lanczos_3_of_the_factor():
    taps = lanczos_taps(2.0)
    assert taps.sum() == pytest.approx(1.0, abs=1e-6)
    assert len(taps) == 2 * 6 + 1 and taps[6] == taps.max()
    assert np.allclose(taps, taps[::-1])
