"""cut_out refuses, with a one-line reason, what it cannot cut well: busy backdrops (real
photos: the corpus's skateboard on asphalt and gloves on wood, a product pasted on a room),
a product that matches its backdrop, a product running out of the frame, an empty backdrop."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from imgkit.cutout import CutoutRefused, cut_out
from tests.cutout.scenes import PHOTOS, compose, ring, sweep, texture


def refusal(rgb: np.ndarray, **kw) -> str:
    with pytest.raises(CutoutRefused) as caught:
        cut_out(rgb, **kw)
    reason = str(caught.value)
    assert reason == caught.value.reason and "\n" not in reason and len(reason) < 300
    return reason


@pytest.mark.parametrize("name", ["p23__skateboard.jpg", "p22__boxing-gloves.jpg"])
def test_busy_backdrops_in_the_corpus_are_refused(corpus, name):
    rgb = np.asarray(Image.open(corpus / "products" / name).convert("RGB"))
    assert "backdrop is busy" in refusal(rgb)


def test_a_product_pasted_on_a_room_is_refused():
    h, w = 600, 800
    alpha = ring(w, h, w * 0.5, h * 0.5, h * 0.3, h * 0.12)
    product = texture("skimage__chelsea.png", (20, 20, 440, 290), (w, h))
    room = np.asarray(Image.open(PHOTOS / "skimage__astronaut.png").convert("RGB").resize((w, h))).astype(np.float32)
    scene = compose(alpha, product, room, shadow_depth=0)
    reason = refusal(scene.rgb)
    assert "busy" in reason or "textured" in reason


def test_a_product_the_colour_of_its_backdrop_is_refused():
    """A white mug on a white-grey sweep: the texture's contrast is a few levels."""
    h, w = 600, 800
    alpha = ring(w, h, w * 0.5, h * 0.5, h * 0.3, h * 0.12)
    backdrop = sweep(w, h, (226, 226, 230))
    grey = texture("skimage__chelsea.png", (20, 20, 440, 290), (w, h)).mean(axis=2, keepdims=True)
    product = np.clip(backdrop + (grey - grey.mean()) * 0.08 + 2, 0, 255).astype(np.uint8)
    scene = compose(alpha, product, backdrop, shadow_depth=0.2)
    reason = refusal(scene.rgb)
    # only its shadow stands out from the backdrop: refused for one of these
    assert any(why in reason for why in ("matches its backdrop", "no product found", "cannot be told",
                                         "no sharp outline", "in shadow")), reason


def test_white_cable_on_white_in_the_corpus_is_refused(corpus):
    rgb = np.asarray(Image.open(corpus / "products" / "p09__usb-cable.jpg").convert("RGB"))
    refusal(rgb)


def test_a_product_cut_by_the_frame_is_refused():
    h, w = 600, 800
    alpha = ring(w, h, w * 0.5, h * 0.95, h * 0.3, h * 0.12)   # its lower part out of the frame
    product = texture("skimage__coffee.png", (80, 60, 480, 390), (w, h))
    scene = compose(alpha, product, sweep(w, h), shadow_depth=0)
    assert "runs out of the frame at the bottom edge" in refusal(scene.rgb)


def test_an_empty_backdrop_is_refused():
    h, w = 600, 800
    empty = compose(np.zeros((h, w), np.float32), np.zeros((h, w, 3), np.uint8), sweep(w, h), shadow_depth=0)
    assert "no product found" in refusal(empty.rgb)


def test_bad_arrays_are_value_errors():
    with pytest.raises(ValueError, match="uint8"):
        cut_out(np.zeros((100, 100, 3), np.float32))
    with pytest.raises(ValueError, match="shape"):
        cut_out(np.zeros((100, 100), np.uint8))


def test_white_camera_on_light_grey_falls_apart_and_is_refused(corpus):
    """p11: the camera's white body is the backdrop's colour; what is left (lens, flash,
    viewfinder, base) floats in pieces."""
    rgb = np.asarray(Image.open(corpus / "products" / "p11__instant-camera.jpg").convert("RGB"))
    assert "falls apart into" in refusal(rgb)


def test_plank_lines_across_the_photo_are_refused(corpus):
    """p03: a tablet on white planks; the gaps between the planks run out of both sides."""
    rgb = np.asarray(Image.open(corpus / "products" / "p03__tablet.jpg").convert("RGB"))
    reason = refusal(rgb)
    assert "left and right edges" in reason or "reaches the photo's edge" in reason, reason


def test_a_logo_beside_the_product_is_refused():
    h, w = 600, 800
    alpha = ring(w, h, w * 0.45, h * 0.5, h * 0.3, h * 0.12)
    alpha[60:100, 660:740] = 1                      # a dark label in the corner, apart from the ring
    product = texture("skimage__chelsea.png", (20, 20, 440, 290), (w, h)).copy()
    product[60:100, 660:740] = (30, 40, 120)
    scene = compose(alpha, product, sweep(w, h), shadow_depth=0)
    assert "small piece apart from the product" in refusal(scene.rgb)
