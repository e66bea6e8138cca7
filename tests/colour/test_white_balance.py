"""Automatic white balance without a chart, on real product photos with an artificial cast."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from imgkit.colour import conversions as colour
from imgkit.colour import white_balance as wb

#: white or light-grey backdrops, shot neutral (the estimator leaves them as they are)
NEUTRAL = ("p13__instamatic-camera.jpg", "p16__twin-lens-camera.jpg", "p18__running-shoe-black.jpg",
           "p04__mouse.jpg")
#: backdrops that are a colour, not a cast: purple, teal, light blue, peach
COLOURED = ("p24__skipping-rope.jpg", "p29__pendant-lamp.jpg", "p27__stool.jpg", "p30__cactus-pot.jpg")
#: casts in linear light (R, G, B gains): warm (tungsten-like), cool (shade), green (fluorescent), magenta
CASTS = {"warm": (1.0, 0.88, 0.68), "cool": (0.8, 0.9, 1.0), "green": (0.88, 1.0, 0.85), "magenta": (1.0, 0.86, 0.97)}


def _photo(corpus, name, width=710):
    with Image.open(corpus / "products" / name) as im:
        im.draft("RGB", (2 * width, 2 * width))
        im = im.convert("RGB")
        return np.asarray(im.resize((width, round(im.height * width / im.width)), Image.Resampling.LANCZOS))


def _cast(rgb, gains):
    return colour.linear_to_srgb(np.clip(colour.srgb_to_linear(rgb) * np.array(gains), 0, 1), as_uint8=True)


def _mean_de(a, b):
    small = lambda x: cv2.resize(x, (178, round(x.shape[0] * 178 / x.shape[1])), interpolation=cv2.INTER_AREA)  # noqa: E731
    return float(np.mean(colour.delta_e_2000(colour.srgb_to_lab(small(a)), colour.srgb_to_lab(small(b)))))


@pytest.mark.parametrize("name", NEUTRAL)
def test_a_cast_on_a_white_backdrop_shrinks_and_a_neutral_photo_is_left_as_shot(corpus, name):
    shot = _photo(corpus, name)
    same, b = wb.balance(shot, "bright-neutral")
    assert not b.applied and "neutral" in b.reason and b.cast_de < wb.MIN_CAST_DE
    assert (same == shot).all()
    for cast_name, gains in CASTS.items():
        cast = _cast(shot, gains)
        fixed, b = wb.balance(cast, "bright-neutral")
        before, after = _mean_de(cast, shot), _mean_de(fixed, shot)
        assert b.applied and min(b.gains) == pytest.approx(1.0), (cast_name, b)
        assert before > 4 and after < 0.25 * before, f"{name} {cast_name}: ΔE2000 {before:.1f} -> {after:.1f}"
        # the light's colour recovered: gains ∝ 1 / cast, to a few per cent
        expect = 1 / np.array(gains)
        assert np.allclose(np.array(b.gains) / b.gains[1], expect / expect[1], rtol=0.06), (cast_name, b.gains)


def test_white_stays_white_and_nothing_darkens(corpus):
    shot = _cast(_photo(corpus, "p16__twin-lens-camera.jpg"), CASTS["warm"])
    fixed, b = wb.balance(shot, "bright-neutral")
    assert b.applied and all(g >= 1 for g in b.gains)
    assert (fixed.astype(int) >= shot.astype(int) - 1).all()          # gains ≥ 1: no channel goes down
    corner = colour.srgb_to_lab(fixed[:40, :40].reshape(-1, 3)).mean(0)  # the backdrop
    assert corner[0] > 85 and np.hypot(corner[1], corner[2]) < 1.5
    assert wb.gains_lut((1, 1, 1)).tolist() == [[v] * 3 for v in range(256)]


@pytest.mark.parametrize("name", COLOURED)
def test_a_coloured_backdrop_is_not_taken_for_a_cast(corpus, name):
    shot = _photo(corpus, name)
    out, b = wb.balance(shot, "bright-neutral")
    assert not b.applied, b
    assert (out == shot).all()
    assert "left as shot" in b.note("bright-neutral")


def test_gray_world_recovers_the_cast_of_a_scene_that_averages_grey():
    rng = np.random.default_rng(7)
    tiles = rng.uniform(0.05, 0.8, (12, 16, 3))
    tiles *= tiles.mean() / tiles.reshape(-1, 3).mean(0)                # a grey world: channel means equal
    scene = colour.linear_to_srgb(np.kron(tiles, np.ones((40, 40, 1))), as_uint8=True)
    gains = np.array([1.0, 0.85, 0.6])
    cast = _cast(scene, gains)
    fixed, b = wb.balance(cast, "gray-world")
    assert b.applied
    assert np.allclose(np.array(b.gains) / b.gains[0], 1 / gains, rtol=0.03)
    assert _mean_de(fixed, scene) < 0.2 * _mean_de(cast, scene)
    with pytest.raises(ValueError, match="expected one of off, gray-world, bright-neutral"):
        wb.estimate(scene, "grey")


