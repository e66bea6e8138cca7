"""The backdrop model: a sweep fitted from the border, its Lab agreeing with imgkit's own."""

from __future__ import annotations

import numpy as np
from PIL import Image

from imgkit.colour.conversions import srgb_to_lab
from imgkit.cutout import backdrop as bd
from tests.cutout.scenes import PHOTOS, sweep


def test_opencv_lab_agrees_with_colour_conversions():
    rgb = np.asarray(Image.open(PHOTOS / "skimage__astronaut.png").convert("RGB"))
    ours = bd.to_lab(rgb)
    reference = srgb_to_lab(rgb, white="D65")
    assert np.abs(ours - reference).max() < 0.5


def test_a_sweep_is_fitted_from_its_border_alone():
    h, w = 600, 900
    truth = sweep(w, h, (220, 224, 232))
    rng = np.random.default_rng(3)
    photo = np.clip(truth + rng.normal(0, 2, truth.shape), 0, 255).astype(np.uint8)
    photo[150:450, 250:650] = (40, 90, 160)            # a product covering the middle
    model = bd.from_border(bd.to_lab(photo))
    assert model.method == "sweep" and model.explained > 0.99 and model.busy_reason() is None
    # the middle, never seen, is predicted from the border within ΔE 2
    inside = np.linalg.norm(model.lab[150:450, 250:650] - bd.to_lab(truth.astype(np.uint8))[150:450, 250:650], axis=2)
    assert np.quantile(inside, 0.95) < 2.0


def test_a_plain_border_is_plain():
    photo = np.full((300, 400, 3), 244, np.uint8)
    photo[100:200, 150:250] = (200, 30, 30)
    model = bd.from_border(bd.to_lab(photo))
    assert model.method == "plain" and model.residual < 0.5
