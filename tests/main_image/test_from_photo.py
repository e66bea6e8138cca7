"""Product main images from real product photos (../shared/corpus/products), and their check."""

import json
from functools import partial

import numpy as np
from PIL import Image, ImageDraw

from imgkit import profile as profiles
from imgkit.colour import conversions
from imgkit.main_image.check import check_main_image

srgb_to_lab = partial(conversions.srgb_to_lab, white="D65")  # CIELAB under sRGB's own white

ITEM, AMAZON = profiles.load("taobao-item"), profiles.load("amazon-main")


def rules(findings, severity="error"):
    return sorted({f.rule for f in findings if f.severity == severity})


def product_box(arr, tol=15):
    de = np.linalg.norm(srgb_to_lab(arr) - [100, 0, 0], axis=-1)
    ys, xs = np.nonzero(de > tol)
    return xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1


def test_taobao_white_background_from_a_photo(cli, tmp_path, corpus):
    out = tmp_path / "A1001-main.jpg"
    r = cli("main-image", "--from-photo", corpus / "products" / "p24__skipping-rope.jpg", "-p", "taobao-item",
            "-o", out)
    assert r.exit_code == 0, r.stderr
    arr = np.asarray(Image.open(out).convert("RGB"))
    assert arr.shape == (800, 800, 3) and out.stat().st_size <= 3_000_000
    x, y, w, h = product_box(arr)
    assert abs(max(w, h) / 800 - 0.80) < 0.02                      # scaled to the fill
    assert abs((x + w / 2) - 400) <= 3 and abs((y + h / 2) - 400) <= 3  # centred
    corners = np.concatenate([arr[:40, :40], arr[:40, -40:], arr[-40:, :40], arr[-40:, -40:]]).reshape(-1, 3)
    assert corners.min() >= 253                                     # the purple backdrop is now white
    assert rules(check_main_image(out, ITEM)) == []
    side = json.loads(out.with_name("A1001-main.jpg.json").read_text())
    assert side["kind"] == "product" and side["fill"] == 0.8 and side["image"]["file"] == "A1001-main.jpg"


def test_amazon_main_image_measures_fill_and_purity(cli, tmp_path, corpus):
    out = tmp_path / "amazon.jpg"
    r = cli("main-image", "--from-photo", corpus / "products" / "p18__running-shoe-black.jpg", "-p", "amazon-main",
            "-o", out)
    assert r.exit_code == 0, r.stderr
    assert "enlarged 2.2x" in r.stderr  # a 1600 px photo for a 2000 px image: said, not refused
    arr = np.asarray(Image.open(out).convert("RGB"))
    assert arr.shape == (2000, 2000, 3)
    x, y, w, h = product_box(arr)
    assert max(w, h) / 2000 >= 0.85
    ring = np.concatenate([arr[:10].reshape(-1, 3), arr[-10:].reshape(-1, 3)])
    assert (ring == 255).all()                                      # pure white, 255,255,255
    findings = check_main_image(out, AMAZON)
    assert rules(findings) == []
    assert "fill 8" in [f.message for f in findings if f.rule == "main.measure"][0]


def test_busy_background_is_refused_nothing_written(cli, tmp_path, corpus):
    out = tmp_path / "m.jpg"
    r = cli("main-image", "--from-photo", corpus / "products" / "p05__monitor.jpg", "-p", "taobao-item", "-o", out)
    assert r.exit_code == 1 and "background is not plain" in r.stderr and not out.exists()


def test_service_profile_with_from_photo_is_a_usage_error(cli, tmp_path, corpus):
    r = cli("main-image", "--from-photo", corpus / "products" / "p18__running-shoe-black.jpg", "-o", tmp_path / "m.jpg")
    assert r.exit_code == 2 and "product profile" in r.stderr


def hand_made_product(size=1200, bg=(255, 255, 255), box=(50, 50, 1150, 1150)):
    im = Image.new("RGB", (size, size), bg)
    ImageDraw.Draw(im).ellipse(box, fill=(200, 40, 40))
    return im


def test_amazon_check_rejects_small_product_and_off_white(tmp_path):
    good = tmp_path / "good.png"
    hand_made_product().save(good)
    assert rules(check_main_image(good, AMAZON)) == []
    small = tmp_path / "small.png"
    hand_made_product(box=(300, 300, 900, 900)).save(small)
    findings = check_main_image(small, AMAZON)
    assert rules(findings) == ["main.fill"] and "fills 50.1%" in findings[0].message
    grey = tmp_path / "grey.png"
    hand_made_product(bg=(245, 245, 245)).save(grey)
    assert rules(check_main_image(grey, AMAZON)) == ["main.background.not_white"]
    tiny = tmp_path / "tiny.png"
    hand_made_product(size=900, box=(50, 50, 850, 850)).save(tiny)
    assert rules(check_main_image(tiny, AMAZON)) == ["main.size"]
    assert rules(check_main_image(tiny, ITEM)) == []       # 900 px square is fine for Taobao (>= 700)
    wide = tmp_path / "wide.png"
    Image.new("RGB", (900, 800), "white").save(wide)
    assert "main.size" in rules(check_main_image(wide, ITEM))


def test_cut_out_png_keeps_its_alpha(cli, tmp_path):
    cut = tmp_path / "cut.png"
    im = Image.new("RGBA", (900, 600), (0, 0, 0, 0))
    ImageDraw.Draw(im).rounded_rectangle((100, 150, 800, 450), radius=60, fill=(20, 90, 200, 255))
    im.save(cut)
    out = tmp_path / "m.png"
    r = cli("main-image", "--from-photo", cut, "-p", "taobao-item", "-o", out)
    assert r.exit_code == 0, r.stderr
    arr = np.asarray(Image.open(out).convert("RGB"))
    x, y, w, h = product_box(arr)
    assert abs(w - 640) <= 2 and abs(h - 274) <= 3
