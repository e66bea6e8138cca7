"""A clean plate: the empty backdrop photographed. Found beside the photos; with it a busy
backdrop gives a difference matte instead of a refusal."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from imgkit.cutout import CutoutRefused, cut_out, find_clean_plate
from tests.cutout.scenes import PHOTOS, compose, mug, texture


def _touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 8), (200, 200, 200)).save(path)
    return path


def test_found_in_background_folder_first(tmp_path):
    _touch(tmp_path / "IMG_0001.jpg")
    named = _touch(tmp_path / "studio-Background.JPG")
    assert find_clean_plate(tmp_path) == named
    inside = _touch(tmp_path / "_background" / "b.png")
    _touch(tmp_path / "_background" / ".hidden.jpg")
    assert find_clean_plate(tmp_path) == inside


def test_found_by_chinese_name_and_not_otherwise(tmp_path):
    _touch(tmp_path / "A1001_01.jpg")
    (tmp_path / "background-notes.txt").write_text("not an image")
    assert find_clean_plate(tmp_path) is None
    assert find_clean_plate(tmp_path / "missing") is None
    plate = _touch(tmp_path / "A1001 空背景.jpg")
    assert find_clean_plate(tmp_path) == plate


def _busy_scene():
    h, w = 700, 1000
    alpha = mug(w, h, w * 0.45, h * 0.5, h * 0.27)
    product = np.repeat(texture("skimage__camera.png", (100, 60, 400, 360), (w, h))[..., :1], 3, axis=2)
    # the backdrop: the coffee photo's wooden table and saucer, as a busy studio floor
    wood = np.asarray(Image.open(PHOTOS / "skimage__coffee.png").convert("RGB").resize((w, h))).astype(np.float32)
    return compose(alpha, product, wood, shadow_depth=0.3, hole_from=alpha)


def test_a_busy_backdrop_is_cut_with_its_clean_plate():
    scene = _busy_scene()
    with pytest.raises(CutoutRefused, match="busy|textured"):
        cut_out(scene.rgb)
    cut = cut_out(scene.rgb, clean_plate=scene.plate)
    assert cut.method == "clean plate" and cut.measures["backdrop"] == "clean plate"
    got, true = cut.alpha > 0.5, scene.alpha > 0.5
    assert (got & true).sum() / (got | true).sum() >= 0.97
    assert scene.hole.sum() > 1000 and (cut.alpha[scene.hole] == 0).all()


def test_a_plate_of_another_scene_is_refused():
    scene = _busy_scene()
    other = np.asarray(Image.open(PHOTOS / "skimage__chelsea.png").convert("RGB").resize(scene.rgb.shape[1::-1]))
    with pytest.raises(CutoutRefused, match="clean plate does not match"):
        cut_out(scene.rgb, clean_plate=other)


def test_a_plate_of_another_size_is_scaled():
    scene = _busy_scene()
    half = np.asarray(Image.fromarray(scene.plate).resize((500, 350), Image.Resampling.BILINEAR))
    cut = cut_out(scene.rgb, clean_plate=half)
    got, true = cut.alpha > 0.5, scene.alpha > 0.5
    assert (got & true).sum() / (got | true).sum() >= 0.95


@pytest.mark.parametrize("gain", [1.06, 0.93])
def test_a_plate_exposed_a_little_differently_still_matches(gain):
    """The plate's exposure is matched to the photo's over the border before the difference."""
    scene = _busy_scene()
    plate = np.clip(scene.plate.astype(np.float32) * gain, 0, 255).astype(np.uint8)
    cut = cut_out(scene.rgb, clean_plate=plate)
    got, true = cut.alpha > 0.5, scene.alpha > 0.5
    assert (got & true).sum() / (got | true).sum() >= 0.97
