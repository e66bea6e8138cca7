"""on_white: the product at a platform's fill, centred, on exactly (255, 255, 255)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from imgkit.cutout import Cutout, on_white


def _cut(h=400, w=600, box=(100, 50, 300, 200), colour=(200, 30, 30)) -> Cutout:
    alpha = np.zeros((h, w), np.float32)
    x, y, bw, bh = box
    alpha[y:y + bh, x:x + bw] = 1
    alpha[y - 1, x:x + bw] = alpha[y + bh, x:x + bw] = 0.4   # a soft edge row
    fg = np.zeros((h, w, 3), np.uint8)
    fg[...] = colour
    return Cutout(alpha, fg, box, "plain", {})


@pytest.mark.parametrize("width,height,fill", [(800, 800, 0.85), (1500, 1500, 0.99), (750, 1000, 0.9)])
def test_longer_side_at_the_fill_centred_on_pure_white(width, height, fill):
    image, placed = on_white(_cut(), width, height, fill)
    assert image.shape == (height, width, 3) and image.dtype == np.uint8
    json.dumps(placed)
    x, y, w, h = placed["placed"]
    assert abs(w - fill * width) <= 1 and w / h == pytest.approx(1.5, rel=0.01)
    assert abs((x + w / 2) - width / 2) <= 1 and abs((y + h / 2) - height / 2) <= 1
    solid = (image != 255).any(axis=2)
    rows, cols = np.flatnonzero(solid.any(axis=1)), np.flatnonzero(solid.any(axis=0))
    # the product's colour fills its place; every pixel further than its soft edge (a source
    # pixel, scaled) is exactly white
    m = int(np.ceil(1.5 * placed["scale"])) + 1
    assert cols[0] >= x - m and cols[-1] <= x + w - 1 + m and rows[0] >= y - m and rows[-1] <= y + h - 1 + m
    assert (image[y + 3:y + h - 3, x + 3:x + w - 3] == (200, 30, 30)).all()
    assert placed["fill"] == pytest.approx(w / width, abs=1e-3)


def test_a_tall_product_is_fitted_by_its_height():
    image, placed = on_white(_cut(box=(250, 20, 100, 360)), 800, 800, 0.85)
    x, y, w, h = placed["placed"]
    assert h == round(0.85 * 800) and w < h


def test_bad_frames_are_value_errors():
    with pytest.raises(ValueError):
        on_white(_cut(), 0, 800, 0.85)
    with pytest.raises(ValueError):
        on_white(_cut(), 800, 800, 1.2)
