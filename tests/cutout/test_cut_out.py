"""cut_out and on_white on studio scenes with a known outline (tests/cutout/scenes.py): real
textures cut into shapes with holes, on sweeps with a gradient, a vignette, sensor noise, a
soft contact shadow and a JPEG round trip."""

from __future__ import annotations

import json
import time

import cv2
import numpy as np
import pytest

from imgkit.colour.conversions import delta_e_2000, srgb_to_lab
from imgkit.cutout import Cutout, cut_out, on_white
from tests.cutout.scenes import compose, grey_mug_scene, mug_scene, ring, ring_scene, sweep, texture

FRAME, FILL = 900, 0.85


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


def framed(scene, cut: Cutout) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """on_white's result, the ideal result (the true alpha and colours placed the same way)
    and the true alpha in the frame."""
    made, _ = on_white(cut, FRAME, FRAME, FILL)
    truth = Cutout(scene.alpha, scene.product, cut.box, "truth", {})
    ideal, _ = on_white(truth, FRAME, FRAME, FILL)
    black = Cutout(scene.alpha, np.zeros_like(scene.product), cut.box, "truth", {})
    alpha = 1 - on_white(black, FRAME, FRAME, FILL)[0][..., 0].astype(np.float32) / 255
    return made, ideal, alpha


def placed_product(scene, cut: Cutout, colours: np.ndarray) -> np.ndarray:
    """The product's ``colours`` where on_white puts the product."""
    whole = Cutout(np.ones_like(scene.alpha), colours, cut.box, "truth", {})
    return on_white(whole, FRAME, FRAME, FILL)[0]


def off_the_blend(made: np.ndarray, product: np.ndarray) -> np.ndarray:
    """ΔE2000 of each pixel from the nearest of 41 blends of white and the true product colour."""
    lab = srgb_to_lab(made, white="D65")
    best = np.full(len(made), np.inf)
    for a in np.linspace(0, 1, 41):
        mix = np.rint(a * product.astype(np.float64) + (1 - a) * 255).astype(np.uint8)
        best = np.minimum(best, delta_e_2000(lab, srgb_to_lab(mix, white="D65")))
    return best


@pytest.mark.parametrize("make", [mug_scene, ring_scene, grey_mug_scene], ids=["mug", "ring", "grey-mug"])
def test_product_with_a_hole_on_a_sweep_with_a_shadow(make):
    scene = make()
    cut = cut_out(scene.rgb)
    assert cut.method == "sweep"
    assert cut.alpha.shape == scene.alpha.shape and cut.alpha.dtype == np.float32
    assert iou(cut.alpha > 0.5, scene.alpha > 0.5) >= 0.97
    # the shadow is backdrop, the hole is kept, in the photo's frame (from 5 px off the product:
    # JPEG's 4:2:0 chroma bleeds its colour a few pixels out)
    apart = cv2.dilate((scene.alpha > 0).astype(np.uint8), np.ones((11, 11), np.uint8)) == 0
    assert scene.shadow[apart].sum() > 5000
    assert (cut.alpha[scene.shadow & apart] == 0).all()
    assert scene.hole.sum() > 2000 and (cut.alpha[scene.hole] == 0).all()
    assert cut.measures["holes_kept"] >= 1 and cut.measures["shadow_removed"] > 0.01
    json.dumps(cut.measures)

    made, ideal, alpha = framed(scene, cut)
    # the product's colour: true, photographed alone (noise, JPEG) or as the photo has it where
    # it covers the pixel whole (JPEG's 4:2:0 bleeds the backdrop's chroma into its edge)
    photographed = np.where(scene.alpha[..., None] >= 1, scene.rgb, scene.seen)
    references = [placed_product(scene, cut, colours) for colours in (scene.product, scene.seen, photographed)]
    # every pixel away from the product is exactly white: backdrop, shadow and hole (JPEG's
    # 4:2:0 chroma carries the product's colour up to 4 px out: that much is allowed)
    scale = on_white(cut, FRAME, FRAME, FILL)[1]["scale"]
    reach = 2 * int(np.ceil(4.5 * scale)) + 1
    outside = cv2.dilate((alpha > 0).astype(np.uint8), np.ones((reach, reach), np.uint8)) == 0
    assert outside.mean() > 0.3 and (made[outside] == 255).all()
    # no halo: each edge pixel is within ΔE2000 5 of white, of the product's colour there or of
    # a blend of the two; a backdrop-coloured fringe is none of these
    edge = cv2.dilate(((alpha > 0.02) & (alpha < 0.98)).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    assert edge.sum() > 1000
    near = np.minimum.reduce([off_the_blend(made[edge], ref[edge]) for ref in references])
    assert (near <= 5).mean() >= 0.95, np.quantile(near, [0.5, 0.9, 0.95, 0.99])
    # the inside of the product is the product
    inside = cv2.erode((alpha >= 0.999).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    de = delta_e_2000(srgb_to_lab(made[inside], white="D65"), srgb_to_lab(ideal[inside], white="D65"))
    assert np.median(de) < 2.0


def test_plain_backdrop_is_named_plain():
    h, w = 700, 900
    alpha = ring(w, h, w * 0.5, h * 0.5, h * 0.3, h * 0.12)
    product = texture("skimage__astronaut.png", (20, 300, 300, 500), (w, h))   # the orange suit
    scene = compose(alpha, product, sweep(w, h, (240, 240, 240), top=1, bottom=1, vignette=0), shadow_depth=0)
    cut = cut_out(scene.rgb)
    assert cut.method == "plain"
    assert iou(cut.alpha > 0.5, scene.alpha > 0.5) >= 0.97


def test_box_is_the_product_and_foreground_keeps_its_colours():
    scene = ring_scene(900, 700)
    cut = cut_out(scene.rgb)
    ys, xs = np.nonzero(scene.alpha > 0.5)
    x, y, w, h = cut.box
    assert abs(x - xs.min()) <= 3 and abs(y - ys.min()) <= 3
    assert abs(w - (xs.max() - xs.min() + 1)) <= 5 and abs(h - (ys.max() - ys.min() + 1)) <= 5
    assert cut.foreground.dtype == np.uint8 and cut.foreground.shape == scene.rgb.shape
    solid = cv2.erode((scene.alpha >= 1).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    diff = np.abs(cut.foreground[solid].astype(int) - scene.product[solid].astype(int))
    assert np.median(diff) <= 4


def test_a_large_photo_is_cut_at_its_size():
    """6000x4000: the mask is found small, the alpha refined at full size."""
    scene = mug_scene(1500, 1000)
    big = cv2.resize(scene.rgb, (6000, 4000), interpolation=cv2.INTER_CUBIC)
    truth = cv2.resize(scene.alpha, (6000, 4000), interpolation=cv2.INTER_LINEAR)
    started = time.perf_counter()
    cut = cut_out(big)
    took = time.perf_counter() - started
    assert cut.alpha.shape == (4000, 6000)
    assert iou(cut.alpha > 0.5, truth > 0.5) >= 0.97
    assert took < 8    # about 1.3 s on one core (benchmarks/bench_cutout.py); the machine is shared


def test_the_same_photo_gives_the_same_cut_out():
    """Exports are idempotent: GrabCut's k-means is seeded, nothing else is random."""
    scene = ring_scene(900, 700)
    first, second = cut_out(scene.rgb), cut_out(scene.rgb)
    assert np.array_equal(first.alpha, second.alpha) and np.array_equal(first.foreground, second.foreground)
    assert first.box == second.box and first.measures == second.measures
