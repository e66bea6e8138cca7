"""Highlights kept: a chart shot a stop darker than the product photos (shot once,
separately) must not blow a bright product photo out; real chart photo, real product photos,
the real detail pipeline and the real CLI."""

from __future__ import annotations

import io
import json
import shutil

import numpy as np
import pytest
from PIL import Image

from imgkit import profile as profiles
from imgkit.colour import ccm, highlights
from imgkit.colour import conversions as colour
from imgkit.colour.calibration import calibrate_pixels, read_photo
from imgkit.detail import pipeline as detail
from tests.conftest import write_profile

BRIGHT = ("p07__hard-drive.jpg", "p16__twin-lens-camera.jpg", "p27__stool.jpg", "p18__running-shoe-black.jpg")


def stop_darker(rgb: np.ndarray) -> np.ndarray:
    """The photo as a camera one stop under would have taken it (half the light, linear)."""
    return colour.linear_to_srgb(colour.srgb_to_linear(rgb) * 0.5, as_uint8=True)


@pytest.fixture(scope="module")
def dark_chart(corpus):
    """The real chart photo arcu 01 a stop darker, as JPEG bytes, and its calibration."""
    rgb = stop_darker(read_photo(corpus / "colorchecker" / "arcu__color_checker_01.jpg")[0])
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=92)
    return buf.getvalue(), calibrate_pixels(read_photo(buf.getvalue())[0])


def clipped(jpeg: bytes, level: int = 255) -> float:
    with Image.open(io.BytesIO(jpeg)) as im:
        return float((np.asarray(im.convert("RGB")) >= level).any(-1).mean())


def render(corpus, name, prof, cal=None) -> bytes:
    return detail.run(prof, (corpus / "products" / name).read_bytes(), calibration=cal).outputs["detail"]


@pytest.mark.parametrize("name", BRIGHT)
def test_a_chart_a_stop_darker_no_longer_blows_out_a_bright_product_photo(corpus, tmp_path, dark_chart, name):
    _, cal = dark_chart
    assert highlights.exposure_gain(cal) > 1.8, "the dark chart's correction doubles the light"
    default = profiles.load("default")
    as_shot = render(corpus, name, default)
    kept = render(corpus, name, default, cal)
    # as a new user gets it: the published image's clipped share grows by at most 5 points
    assert clipped(kept) - clipped(as_shot) <= 0.05, name
    # the same correction applied as it was fitted, clipped plainly, blows it out: the test can fail
    plain = profiles.load(str(write_profile(tmp_path / "plain.toml",
                                            colour={"exposure": "chart", "highlight_knee": 1.0})))
    assert clipped(render(corpus, name, plain, cal)) - clipped(as_shot) > 0.3, name


def test_the_shoulder_keeps_white_white_and_clips_nothing_that_was_not(dark_chart):
    _, cal = dark_chart
    grey = np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1).reshape(16, 16, 3)
    for exposure in ("chart", "photo", "auto"):
        out, _ = highlights.correct(grey, cal, exposure=exposure)
        level = out.reshape(-1, 3).max(axis=1).astype(int)
        assert level[255] == 255, exposure                            # a blown backdrop stays white
        assert level[:255].max() <= 254, exposure                     # nothing below it reaches white
        assert (np.diff(level) >= 0).all(), exposure                  # and the ramp stays a ramp
    plain = ccm.apply(cal.fit, grey).reshape(-1, 3).max(axis=1)
    assert (plain[:255] == 255).sum() > 80, "without the shoulder half the ramp is white"


def test_photo_exposure_keeps_the_charts_white_as_shot_and_the_colour_from_the_chart(corpus, dark_chart):
    """"photo" takes the chart's exposure out: its white patch keeps the brightness it was shot
    with (while "chart" brings it to the reference's), and neutral stays neutral."""
    data, cal = dark_chart
    rgb = read_photo(data)[0]
    white = next(p for p in cal.patches if p.name.startswith("white"))
    x, y = (round(v) for v in white.centre)

    def patch_lab(img):
        return colour.srgb_to_lab(img[y - 8:y + 8, x - 8:x + 8].reshape(-1, 3).mean(0) / 255.0)

    shot = patch_lab(rgb)
    photo = patch_lab(highlights.correct(rgb, cal, exposure="photo")[0])
    chart = patch_lab(highlights.correct(rgb, cal, exposure="chart")[0])
    assert abs(photo[0] - shot[0]) < 2.0, (photo, shot)
    assert abs(chart[0] - white.reference_lab[0]) < 3.0 and chart[0] > shot[0] + 15, (chart, shot)
    assert np.hypot(*photo[1:]) < 3.0 and np.hypot(*chart[1:]) < 3.0       # white made neutral either way
    with Image.open(corpus / "products" / "p13__instamatic-camera.jpg") as im:
        product = np.asarray(im.convert("RGB").resize((710, 473)))
    assert not highlights.correct(product, cal, exposure="photo")[1]
    auto, notes = highlights.correct(product, cal)
    assert any(n.startswith("exposure: the chart's brightness") for n in notes), notes


def test_a_build_whose_correction_still_clips_says_so(cli, corpus, tmp_path, dark_chart):
    """With the shoulder off and the chart's brightness forced, the bright photo blows out:
    a ``warning:`` line naming it and a note in report.json. With the defaults: neither."""
    chart, _ = dark_chart
    src = tmp_path / "shoot"
    (src / "P1").mkdir(parents=True)
    shutil.copy(corpus / "products" / "p07__hard-drive.jpg", src / "P1" / "front.jpg")
    (src / "P1" / "colorchecker.jpg").write_bytes(chart)
    forced = write_profile(tmp_path / "forced.toml", colour={"exposure": "chart", "highlight_knee": 1.0})
    result = cli("build", src, "-o", tmp_path / "forced", "-p", forced, "-j", "1", "--json")
    assert result.exit_code == 0, result.stderr
    warned = [ln for ln in result.stderr.splitlines() if ln.startswith("warning:") and "highlights:" in ln]
    assert len(warned) == 1 and "front.jpg" in warned[0] and "clips" in warned[0], result.stderr
    [photo] = [f for f in json.loads(result.stdout)["files"] if f["status"] == "processed"]
    assert any(n.startswith("highlights: the colour correction clips") for n in photo["notes"])
    result = cli("build", src, "-o", tmp_path / "default", "-j", "1", "--json")
    assert result.exit_code == 0 and "highlights:" not in result.stderr, result.stderr
    [photo] = [f for f in json.loads(result.stdout)["files"] if f["status"] == "processed"]
    assert not any(n.startswith("highlights:") for n in photo.get("notes", []))
    assert any(n.startswith("exposure: the chart's brightness") for n in photo.get("notes", []))


def test_the_defaults_leave_a_chart_photo_its_own_correction(corpus, tmp_path):
    """Keeping highlights must not cost the colours: every corpus chart photo, corrected by
    its own calibration through the detail pipeline as a shoot's photo is (710 px, JPEG),
    lands within mean ΔE2000 2.5 of the chart, its patches read again on the published image."""
    from imgkit.colour.calibration import patches_in
    from imgkit.colour.reference import load_reference
    ref = load_reference()
    prof = profiles.load(str(write_profile(tmp_path / "p.toml", watermark={"enabled": False})))
    for photo in sorted((corpus / "colorchecker").glob("*.jpg")):
        data = photo.read_bytes()
        cal = calibrate_pixels(read_photo(data)[0])
        with Image.open(io.BytesIO(detail.run(prof, data, calibration=cal).outputs["detail"])) as im:
            published = np.asarray(im.convert("RGB"))
        de = colour.delta_e_2000(colour.srgb_to_lab(patches_in(cal, published) / 255.0), ref.lab)
        assert de.mean() <= 2.5, (photo.name, de.mean())
        assert de.mean() < cal.summary["mean_before"] - 1.5, photo.name
