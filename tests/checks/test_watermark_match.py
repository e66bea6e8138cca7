"""Finding the shop's watermark: the score on crafted pictures, and real photos rendered by the
detail pipeline with the shipped watermark (found at the profile's place and size) and without
it (not found)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from imgkit import profile as profiles
from imgkit.checks.watermark_match import NO_MATCH, find_watermark, luma, score_at, template_from_rgba
from imgkit.detail import pipeline
from imgkit.imaging.blend import alpha_over
from imgkit.imaging.watermark import placement, scaled_watermark, watermark_image
from tests.conftest import SAMPLES, WATERMARK, write_profile

PHOTOS = [SAMPLES / "A1001" / "IMG_0417.JPG", SAMPLES / "A1002" / "shoe-2.jpg", SAMPLES / "A1003_06.jpg"]


@pytest.fixture(scope="module")
def default():
    return profiles.load("default")


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    """The default rules with no watermark."""
    return profiles.load(str(write_profile(tmp_path_factory.mktemp("plain") / "p.toml",
                                           watermark={"image": "", "enabled": False})))


@pytest.fixture(scope="module")
def mark():
    with Image.open(WATERMARK) as im:
        return template_from_rgba(np.asarray(im.convert("RGBA")))


def rendered(profile, photo) -> np.ndarray:
    """The detail image the pipeline makes of ``photo``, decoded again, as luma."""
    data = pipeline.run(profile, photo.read_bytes()).outputs["detail"]
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "JPEG"
        return luma(np.asarray(im.convert("RGB")))


def expected_box(profile, gray) -> tuple[int, int, int, int]:
    """(x, y, width, height) where ``profile`` puts its mark on a picture the size of ``gray``."""
    h, w = gray.shape
    scaled = scaled_watermark(profile, w, h)
    x, y = placement(profile, w, h, scaled)
    return x, y, scaled.shape[1], scaled.shape[0]


def composite(background: int, opacity: float, *, width: int = 200, at=(50, 60), size=(400, 300)) -> np.ndarray:
    """The shipped mark ``width`` px wide over a flat grey picture, as luma."""
    with Image.open(WATERMARK) as im:
        rgba = im.convert("RGBA")
        rgba = np.asarray(rgba.resize((width, round(width * rgba.height / rgba.width)), Image.Resampling.LANCZOS))
    base = np.full((size[1], size[0], 3), background, np.uint8)
    alpha_over(base, rgba, x=at[0], y=at[1], opacity=opacity)
    return luma(base)


def test_luma_is_rec601_of_the_colour_channels():
    rng = np.random.default_rng(7)
    rgb = rng.integers(0, 256, (5, 6, 3), dtype=np.uint8)
    r, g, b = (rgb[..., i].astype(np.float64) for i in range(3))
    got = luma(rgb)
    assert got.dtype == np.float32 and got.shape == (5, 6)
    assert np.allclose(got, 0.299 * r + 0.587 * g + 0.114 * b, atol=1e-3)
    rgba = np.concatenate([rgb, rng.integers(0, 256, (5, 6, 1), dtype=np.uint8)], axis=2)
    assert np.array_equal(luma(rgba), got)               # alpha is not part of the brightness
    grey = rng.integers(0, 256, (4, 4), dtype=np.uint8)
    assert luma(grey).dtype == np.float32 and np.array_equal(luma(grey), grey)


def test_the_template_of_the_shipped_watermark(default, mark):
    with Image.open(WATERMARK) as im:
        rgba = np.asarray(im.convert("RGBA"))
    assert np.array_equal(np.asarray(watermark_image(default)), rgba)   # what the default profile draws
    assert mark.alpha.shape == mark.alpha_luma.shape == rgba.shape[:2]
    assert mark.alpha.min() == 0.0 and mark.alpha.max() == 1.0
    assert np.allclose(mark.alpha, rgba[..., 3] / 255.0)
    assert np.allclose(mark.alpha_luma, mark.alpha * luma(rgba), atol=1e-3)
    assert mark.aspect == pytest.approx(rgba.shape[0] / rgba.shape[1])
    for bad in (rgba[..., :3], rgba[..., 0]):
        with pytest.raises(ValueError, match="RGBA"):
            template_from_rgba(bad)


@pytest.mark.parametrize(("background", "opacity"), [(30, 0.3), (128, 0.6), (230, 1.0)])
def test_the_score_is_near_one_for_the_mark_on_any_plain_background(mark, background, opacity):
    gray = composite(background, opacity)
    m = score_at(gray, mark, 50, 60, 200)
    assert m.score > 0.98
    assert (m.x, m.y, m.width, m.height) == (50, 60, 200, round(200 * mark.aspect))
    assert score_at(gray, mark, 53, 60, 200).score < 0.5             # a few pixels off: not the mark
    assert score_at(gray, mark, 150, 60, 200).score < 0.5
    assert score_at(255 - gray, mark, 50, 60, 200).score < -0.9      # its negative scores negative


def test_no_score_where_nothing_can_show_or_the_box_leaves_the_picture(mark):
    flat = np.full((300, 400), 128, np.float32)
    assert score_at(flat, mark, 50, 60, 200).score == -1.0
    gray = composite(128, 0.6)
    assert score_at(gray, mark, 250, 60, 200) == NO_MATCH              # 250 + 200 > 400
    assert score_at(gray, mark, -1, 60, 200) == NO_MATCH


def test_the_profile_sizes_and_places_the_mark_by_the_picture_width(default, tmp_path):
    wm = default.watermark
    rgba = scaled_watermark(default, 710, 473)
    assert rgba.dtype == np.uint8 and rgba.shape[2] == 4
    assert rgba.shape[1] == round(wm.width * 710)
    margin = round(wm.margin * 710)
    assert placement(default, 710, 473, rgba) == (710 - rgba.shape[1] - margin, 473 - rgba.shape[0] - margin)
    short = scaled_watermark(default, 710, 80)                      # a low picture: the height limits it
    assert short.shape[0] <= 80 - 2 * margin and short.shape[1] < rgba.shape[1]
    top_left = profiles.load(str(write_profile(tmp_path / "p.toml", watermark={"position": "top-left"})))
    assert placement(top_left, 710, 473, rgba) == (margin, margin)
    center = profiles.load(str(write_profile(tmp_path / "c.toml", watermark={"position": "center"})))
    assert placement(center, 710, 473, rgba) == ((710 - rgba.shape[1]) // 2, (473 - rgba.shape[0]) // 2)


@pytest.mark.parametrize("photo", PHOTOS, ids=lambda p: p.name)
def test_a_rendered_photo_carries_the_mark_at_the_profiles_place_and_size(default, mark, photo):
    gray = rendered(default, photo)
    x, y, w, h = expected_box(default, gray)
    m = find_watermark(gray, mark, expected=(x, y, w), accept=default.validate.watermark_min_score)
    assert m.score >= default.validate.watermark_min_score
    assert abs(m.x - x) <= 1 and abs(m.y - y) <= 1
    assert abs(m.width - w) <= 1 and abs(m.height - h) <= 1


@pytest.mark.parametrize("photo", PHOTOS, ids=lambda p: p.name)
def test_the_same_photo_rendered_without_the_mark_has_none_there(default, plain, mark, photo):
    gray = rendered(plain, photo)
    x, y, w, _ = expected_box(default, gray)
    assert score_at(gray, mark, x, y, w).score < 0.5


def test_a_search_of_a_whole_photo_without_the_mark_finds_none(default, plain, mark):
    """shoe-1 has the most mark-like detail of the samples (an edge near the bottom)."""
    v = default.validate
    gray = rendered(plain, SAMPLES / "A1002" / "shoe-1.jpg")
    x, y, w, _ = expected_box(default, gray)
    m = find_watermark(gray, mark, expected=(x, y, w), accept=v.watermark_min_score,
                       min_width=v.watermark_min_width, max_width=v.watermark_max_width)
    assert -1.0 <= m.score < v.watermark_min_score


def test_the_search_finds_the_mark_without_being_told_where(default, plain, mark):
    photo = SAMPLES / "A1001" / "IMG_0417.JPG"
    v = default.validate
    gray = rendered(default, photo)
    x, y, w, _ = expected_box(default, gray)
    m = find_watermark(gray, mark, accept=v.watermark_min_score, min_width=v.watermark_min_width,
                       max_width=v.watermark_max_width)
    assert m.score >= v.watermark_min_score
    assert max(abs(m.x - x), abs(m.y - y), abs(m.width - w)) <= 1
    bare = find_watermark(rendered(plain, photo), mark, accept=v.watermark_min_score,
                          min_width=v.watermark_min_width, max_width=v.watermark_max_width)
    assert bare.score < v.watermark_min_score


@pytest.mark.parametrize(("position", "width"), [("top-left", 0.35), ("center", 0.3), ("bottom-left", 0.5)])
def test_a_mark_placed_and_sized_by_another_profile_is_found_there_only(tmp_path, default, mark, position, width):
    profile = profiles.load(str(write_profile(tmp_path / "p.toml", watermark={"position": position, "width": width})))
    gray = rendered(profile, SAMPLES / "A1002" / "shoe-2.jpg")
    x, y, w, h = expected_box(profile, gray)
    assert w == round(width * gray.shape[1])
    m = find_watermark(gray, mark, expected=(x, y, w), accept=default.validate.watermark_min_score)
    assert m.score >= default.validate.watermark_min_score
    assert max(abs(m.x - x), abs(m.y - y), abs(m.width - w), abs(m.height - h)) <= 1
    dx, dy, dw, _ = expected_box(default, gray)                     # not where the default profile puts it
    assert score_at(gray, mark, dx, dy, dw).score < 0.5


def test_find_watermark_wants_a_grey_picture(mark):
    with pytest.raises(ValueError, match="2-D"):
        find_watermark(np.zeros((50, 60, 3), np.float32), mark)
