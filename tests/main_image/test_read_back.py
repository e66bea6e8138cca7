"""`main-image --check` reads what the picture says (OCR, QR codes), for any main image.

Test images are drawn with the project's own renderer (logo fitting, text fitting and
compositing of ``render.py``, without its refusals) and saved as a clean PNG and as a
"photographed" JPEG (quality 75 after a slight Gaussian blur)."""

import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from imgkit import profile as profiles
from imgkit.imaging.blend import alpha_over
from imgkit.imaging.fonts import find_font
from imgkit.imaging.text import chain
from imgkit.main_image.check import check_main_image
from imgkit.main_image.render import fit_logo, fit_text, load_logo, text_colour
from tests.conftest import ROOT
from tests.main_image.test_render import SAMPLE_LOGO

SERVICE = profiles.load("taobao-service")
AMAZON = profiles.load("amazon-main")
CHOICE = find_font(SERVICE)
FONT = chain(CHOICE)   # the one text renderer's font chain, as render.py uses it


def drawn(company: str | None, copy: str | None, bg=(31, 78, 140)) -> Image.Image:
    """A service main image as render.py draws it, but with no refusal: any words, any length."""
    m = SERVICE.main_image
    canvas = np.empty((m.height, m.width, 3), np.uint8)
    canvas[:] = bg
    mark, placed, _ = fit_logo(load_logo(SAMPLE_LOGO, SERVICE), m)
    alpha_over(canvas, mark, x=placed[0], y=placed[1])
    ink = text_colour(m, bg)
    for role, text in (("company", company), ("copy", copy)):
        if text:
            layer, _ = fit_text(text, role, FONT, ink, m)
            bx, by, bw, bh = m.box(role)
            alpha_over(canvas, np.asarray(layer), x=bx + (bw - layer.width) // 2, y=by + (bh - layer.height) // 2)
    return Image.fromarray(canvas)


def photographed(im: Image.Image, path):
    """Saved as a re-shot, re-compressed copy would be: slight blur, JPEG quality 75."""
    im.filter(ImageFilter.GaussianBlur(0.7)).save(path, "JPEG", quality=75)
    return path


def as_png(im: Image.Image, path):
    im.save(path, "PNG")
    return path


def errors(findings):
    return sorted({f.rule for f in findings if f.severity == "error"})


def messages(findings, rule):
    return " | ".join(f.message for f in findings if f.rule == rule)


STYLES = [pytest.param(as_png, id="png"), pytest.param(photographed, id="photographed")]


@pytest.mark.parametrize("save", STYLES)
@pytest.mark.parametrize("company, copy, rule, words", [
    ("官方旗舰店", "唯一正品", "main.text.banned", ["官方", "唯一"]),
    ("禾木家居", "品质最优", "main.text.banned", ["最优"]),
    ("禾木家居", "免费试用装", "main.text.banned", ["试用"]),
    ("禾木家居", "扫码 www.shop.com", "main.text.link", ["www.", "扫码"]),
    ("禾木家居", "正品保障七天无理由退换", "main.copy.length", ["11 characters, at most 10"]),
])
def test_what_the_picture_says_is_judged(tmp_path, save, company, copy, rule, words):
    path = save(drawn(company, copy), tmp_path / "m.img")
    findings = check_main_image(path, SERVICE)   # no sidecar, no spec: only the pixels speak
    assert rule in errors(findings), findings
    for word in words:
        assert word in messages(findings, rule)


@pytest.mark.parametrize("save", STYLES)
def test_clean_images_pass_and_say_what_was_read(tmp_path, save):
    for company, copy in (("禾木家居", "正品保障"), ("禾木家居生活馆", "正品保障 7天退换"), ("HEMU", "好物")):
        findings = check_main_image(save(drawn(company, copy), tmp_path / "m.img"), SERVICE)
        assert errors(findings) == [] and not [f for f in findings if f.severity == "warning"], findings
        assert "text read: " in messages(findings, "main.measure")


@pytest.mark.parametrize("save", STYLES)
def test_a_missing_copy_line_or_company_name_is_an_error(tmp_path, save):
    no_copy = check_main_image(save(drawn("禾木家居", None), tmp_path / "a.img"), SERVICE)
    assert errors(no_copy) == ["main.text.missing"] and "no copy read" in messages(no_copy, "main.text.missing")
    no_company = check_main_image(save(drawn(None, "正品保障"), tmp_path / "b.img"), SERVICE)
    assert errors(no_company) == ["main.text.missing"]
    assert "no company name read" in messages(no_company, "main.text.missing")


def qr(text: str, module_px: int) -> np.ndarray:
    code = cv2.QRCodeEncoder.create().encode(text)
    return cv2.resize(code, None, fx=module_px, fy=module_px, interpolation=cv2.INTER_NEAREST)


@pytest.mark.parametrize("save", STYLES)
def test_a_qr_code_is_an_error(tmp_path, save):
    arr = np.array(drawn("禾木家居", "正品保障"))
    code = qr("https://shop.example.com/a1001", 3)
    h, w = code.shape
    arr[30:30 + h, 290:290 + w] = code[..., None]   # over the logo area's right end
    findings = check_main_image(save(Image.fromarray(arr), tmp_path / "q.img"), SERVICE)
    assert "main.qr" in errors(findings)
    assert "QR code at" in messages(findings, "main.qr")


def test_a_decoded_qr_code_names_its_text(tmp_path):
    arr = np.array(drawn("禾木家居", "正品保障"))
    code = qr("weixin://shop", 4)
    arr[60:60 + code.shape[0], 140:140 + code.shape[1]] = code[..., None]
    findings = check_main_image(as_png(Image.fromarray(arr), tmp_path / "q.png"), SERVICE)
    assert "reading 'weixin://shop'" in messages(findings, "main.qr")


def test_the_spec_and_the_picture_are_both_judged(tmp_path):
    path = as_png(drawn("禾木家居", "唯一正品"), tmp_path / "m.png")
    clean_spec = {"company": "禾木家居", "copy": "正品保障"}
    findings = check_main_image(path, SERVICE, clean_spec)   # the spec is clean, the picture is not
    assert errors(findings) == ["main.text.banned"]
    assert "reads '唯一正品'" in messages(findings, "main.text.banned")
    assert "main.text.differs" in {f.rule for f in findings if f.severity == "warning"}


def test_product_main_images_may_carry_no_links_or_banned_words(tmp_path, corpus):
    """A real shoe on white (Amazon-style) with a shop's line set under it."""
    im = Image.open(corpus / "products" / "p18__running-shoe-black.jpg").convert("RGB").resize((1200, 1200))
    font = ImageFont.truetype(str(CHOICE.path), 44, index=CHOICE.index)
    ImageDraw.Draw(im).text((600, 1110), "官方正品 www.shop.com", font=font, fill=(30, 30, 30), anchor="mm")
    findings = check_main_image(photographed(im, tmp_path / "p.jpg"), AMAZON)
    assert {"main.text.link", "main.text.banned"} <= set(errors(findings)), findings
    assert "官方" in messages(findings, "main.text.banned")


def test_cli_check_refuses_hand_made_images_with_bad_words(cli, tmp_path):
    for company, copy, rule in (("官方旗舰店", "唯一正品", "main.text.banned"),
                                ("禾木家居", "扫码 www.shop.com", "main.text.link")):
        path = photographed(drawn(company, copy), tmp_path / "hand.jpg")
        r = cli("main-image", "--check", path, "--json")
        assert r.exit_code == 1, r.stderr
        assert f"[{rule}]" in r.stderr
        assert rule in {f["rule"] for f in json.loads(r.stdout)}
    r = cli("main-image", "--check", photographed(drawn("禾木家居", "正品保障"), tmp_path / "ok.jpg"))
    assert r.exit_code == 0, r.stderr


def test_reading_needs_no_network(tmp_path):
    """The models come from rapidocr's wheel: a process with no network at all (its own empty
    network namespace, as root) reads the picture, and nothing is added beside the models."""
    import rapidocr
    folder = os.path.join(os.path.dirname(rapidocr.__file__), "models")
    before = sorted(os.listdir(folder))
    path = photographed(drawn("官方旗舰店", "扫码 www.shop.com"), tmp_path / "m.jpg")
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(HF_HUB_OFFLINE="1", HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "cache"))
    r = subprocess.run(["unshare", "--net", sys.executable, "-m", "imgkit", "main-image", "--check", str(path)],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 1, r.stderr
    assert "[main.text.banned]" in r.stderr and "[main.text.link]" in r.stderr
    assert sorted(os.listdir(folder)) == before


def test_photographed_copy_is_read_through_jpeg_and_blur(tmp_path):
    """The reading itself: what OCR returns for a blurred JPEG of rendered text."""
    from imgkit.checks.text_reading import read_text
    path = photographed(drawn("禾木家居", "扫码 www.shop.com"), tmp_path / "m.jpg")
    lines = read_text(np.asarray(Image.open(path).convert("RGB")))
    texts = [t.text.replace(" ", "") for t in lines]
    assert "禾木家居" in texts and "扫码www.shop.com" in texts
    copy = next(t for t in lines if "shop" in t.text)
    x, y, w, h = copy.box
    assert 330 <= y + h / 2 <= 390 and 0.8 <= copy.score <= 1


def test_reading_is_loaded_only_when_needed():
    code = ("import sys, imgkit.cli, imgkit.main_image.check, imgkit.checks.validate; "
            "print('rapidocr' in sys.modules, 'onnxruntime' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.stdout.split() == ["False", "False"], r.stderr
