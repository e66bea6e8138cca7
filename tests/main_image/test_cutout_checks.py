"""Honest cut-outs: `main-image --from-photo` measures its own result and refuses a bad one.

Real photos from ../shared/corpus/products (see its README for sources and licences): a
laptop and a skull on dark backdrops, a folding camera with a grey strip of backdrop behind
it; composites made from them (the photo set on a larger canvas of its own backdrop colour,
so that nothing reaches the edge and the other measures are seen alone)."""

import json

import numpy as np
import pytest
from PIL import Image

from imgkit import profile as profiles
from imgkit.main_image.check import check_main_image, product_measure
from imgkit.main_image.cutout_checks import MAX_PINHOLES, measure_cutout
from imgkit.main_image.from_photo import compose, load, separate

AMAZON, ITEM = profiles.load("amazon-main"), profiles.load("taobao-item")


def refusals(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("imgkit: refused: ")]


def with_room(photo, tmp_path, share=0.15):
    """The photo centred on a canvas ``share`` larger each side, filled with its border's colour."""
    im = Image.open(photo).convert("RGB")
    arr = np.asarray(im)
    ring = np.concatenate([arr[:8].reshape(-1, 3), arr[-8:].reshape(-1, 3), arr[:, :8].reshape(-1, 3),
                           arr[:, -8:].reshape(-1, 3)])
    colour = tuple(int(v) for v in np.median(ring, axis=0))
    pad = round(max(im.size) * share)
    canvas = Image.new("RGB", (im.width + 2 * pad, im.height + 2 * pad), colour)
    canvas.paste(im, (pad, pad))
    path = tmp_path / f"room-{photo.name}"
    canvas.save(path, quality=95)
    return path


@pytest.mark.parametrize("profile", ["taobao-item", "amazon-main"])
def test_dark_backdrop_laptop_is_refused_with_its_reasons(cli, tmp_path, corpus, profile):
    out = tmp_path / "m.jpg"
    r = cli("main-image", "--from-photo", corpus / "products" / "p02__laptop.jpg", "-p", profile, "-o", out)
    assert r.exit_code == 1 and not out.exists() and not out.with_name("m.jpg.json").exists()
    lines = refusals(r)
    assert any("nearly the backdrop's colour (within ΔE 20 of #000000)" in line for line in lines), lines
    assert any("blotchy" in line and "pinholes" in line for line in lines), lines
    assert any("blob of shadow or backdrop" in line for line in lines), lines


def test_dark_backdrops_are_refused_even_with_room_around(cli, tmp_path, corpus):
    """On a larger canvas nothing reaches the edge: the blotches alone are reason enough."""
    for name, reason in (("p02__laptop.jpg", "nearly the backdrop's colour"),
                         ("p01__skull-30-rear-quarter.jpg", "of shadow or backdrop apart from the product")):
        photo = with_room(corpus / "products" / name, tmp_path)
        r = cli("main-image", "--from-photo", photo, "-p", "amazon-main", "-o", tmp_path / "m.jpg")
        assert r.exit_code == 1, r.stderr
        lines = refusals(r)
        assert not any("edge" in line for line in lines), lines
        assert any(reason in line for line in lines), lines


def test_camera_with_a_grey_strip_is_refused(cli, tmp_path, corpus):
    photo = corpus / "products" / "p15__folding-camera.jpg"
    r = cli("main-image", "--from-photo", photo, "-p", "amazon-main", "-o", tmp_path / "m.jpg")
    assert r.exit_code == 1 and not (tmp_path / "m.jpg").exists()
    lines = refusals(r)
    assert any("reaches the photo's top and right edges" in line for line in lines), lines
    assert any("blob of shadow or backdrop" in line for line in lines), lines
    r = cli("main-image", "--from-photo", with_room(photo, tmp_path), "-p", "amazon-main", "-o", tmp_path / "m.jpg")
    assert r.exit_code == 1 and any("blob of shadow or backdrop" in line for line in refusals(r)), r.stderr


def test_the_check_measures_fill_by_the_product_not_the_strip(tmp_path, corpus):
    """What --from-photo used to publish (the cut-out composed without being measured): the check
    now measures the camera, not the strip, and fails it."""
    im = load(corpus / "products" / "p15__folding-camera.jpg", AMAZON)
    alpha, _, _ = separate(im, AMAZON)
    made, placed, _ = compose(im, alpha, AMAZON)
    assert placed["fill"] == 0.88                       # the strip made the box 88 % of the frame
    path = tmp_path / "old.jpg"
    made.save(path, quality=90)
    findings = check_main_image(path, AMAZON)
    assert {"main.fill", "main.background.outside"} <= {f.rule for f in findings if f.severity == "error"}
    fill = product_measure(made, AMAZON)["fill"]
    assert 0.4 <= fill <= 0.6, fill                      # the camera (with its flash) alone
    assert "faint piece" in " ".join(f.message for f in findings if f.rule == "main.background.outside")


@pytest.mark.parametrize("name, profile", [("p18__running-shoe-black.jpg", "amazon-main"),
                                           ("p24__skipping-rope.jpg", "taobao-item"),
                                           ("p30__cactus-pot.jpg", "amazon-main"),
                                           ("p13__instamatic-camera.jpg", "taobao-item")])
def test_clean_cut_outs_are_made_and_say_what_they_measured(cli, tmp_path, corpus, name, profile):
    out = tmp_path / "m.jpg"
    r = cli("main-image", "--from-photo", corpus / "products" / name, "-p", profile, "-o", out)
    assert r.exit_code == 0, r.stderr
    side = json.loads(out.with_name("m.jpg.json").read_text())
    planned = profiles.load(profile).main_image.fill
    assert abs(side["measured"]["fill"] - planned) < 0.02 and side["measured"]["purity"] >= 0.99
    assert side["cutout"]["edges"] == [] and side["cutout"]["blobs"] == 0
    assert side["cutout"]["faint_share"] <= 0.25 and side["cutout"]["pinhole_density"] <= MAX_PINHOLES
    assert f"product fill {side['measured']['fill']:.1%} measured" in r.stderr


def test_measures_on_masks_drawn_by_hand():
    h, w = 400, 600
    yy, xx = np.mgrid[:h, :w]
    disc = ((yy - 200) ** 2 + (xx - 300) ** 2 < 120 ** 2).astype(np.float32)
    far = np.full((h, w), 60.0, np.float32)                       # the product: far from the backdrop
    clean = measure_cutout(disc, far, backdrop=(0, 0, 0))
    assert clean.problems() == [] and clean.pinholes == 0
    riddled = disc.copy()
    riddled[120:280:12, 200:400:12] = 0                            # 14 x 17 one-pixel holes... too small
    riddled[121:280:12, 200:400:12] = 0
    riddled[120:280:12, 201:400:12] = 0
    riddled[121:280:12, 201:400:12] = 0                            # ...now 2x2 px each
    holes = measure_cutout(riddled, far, backdrop=(0, 0, 0))
    assert holes.pinholes > 150 and any("blotchy" in p for p in holes.problems())
    strip = disc.copy()
    strip[:, 560:590] = 1                                          # a strip from top to bottom
    near = far.copy()
    near[:, 560:590] = 8.0                                         # nearly the backdrop's colour
    found = measure_cutout(strip, near, backdrop=(200, 200, 200))
    assert found.edges == ("top", "bottom") and len(found.blobs) == 1
    assert found.blobs[0][:3] == (560, 0, 30)
