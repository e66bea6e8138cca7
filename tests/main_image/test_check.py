"""check_main_image on hand-made main images, good and bad, and `imgkit main-image --check`."""

import json

import numpy as np
import pytest
from PIL import Image, ImageDraw

from imgkit import profile as profiles
from imgkit.imaging.fonts import find_font
from imgkit.main_image.check import check_main_image

SERVICE = profiles.load("taobao-service")
BG = (140, 31, 42)


def hand_made(size=(400, 400), bg=BG, logo=(70, 18, 260, 260), texts=True, gradient=False) -> Image.Image:
    """What a designer makes in an editor: a plate for the logo, two lines of text."""
    w, h = size
    im = Image.new("RGB", size, bg)
    if gradient:
        ramp = np.linspace(0, 1, h)[:, None, None]
        arr = (np.array(bg) * (1 - ramp) + np.array((30, 30, 160)) * ramp).astype(np.uint8)
        im = Image.fromarray(np.broadcast_to(arr, (h, w, 3)).copy())
    d = ImageDraw.Draw(im)
    x, y, lw, lh = logo
    d.ellipse((x, y, x + lw - 1, y + lh - 1), fill=(250, 200, 40))
    d.rectangle((x + lw // 3, y + lh // 3, x + 2 * lw // 3, y + 2 * lh // 3), fill=(20, 20, 20))
    if texts:  # white letters, dark ones on a light background (as a designer would)
        font = find_font(SERVICE)
        ink = "white" if sum(bg) < 600 else (26, 26, 26)
        d.text((200, 313), "禾木家居", font=font.at(38), fill=ink, anchor="mm")
        d.text((200, 364), "正品保障", font=font.at(30), fill=ink, anchor="mm")
    return im


def rules(findings, severity="error"):
    return sorted({f.rule for f in findings if f.severity == severity})


def save(im, path, fmt="PNG", **kw):
    im.save(path, fmt, **kw)
    return path


def test_good_hand_made_png_and_jpeg_pass(tmp_path):
    for name, fmt, kw in (("good.png", "PNG", {}), ("good.jpg", "JPEG", {"quality": 85})):
        findings = check_main_image(save(hand_made(), tmp_path / name, fmt, **kw), SERVICE)
        assert rules(findings) == [] and rules(findings, "warning") == [], findings
        assert "main.text.unchecked" in rules(findings, "info")  # no sidecar, no spec
    assert rules(check_main_image(hand_made(), SERVICE)) == []  # a PIL image works too


def test_white_background_is_rejected(tmp_path):
    for bg in ((255, 255, 255), (250, 248, 245)):
        findings = check_main_image(save(hand_made(bg=bg), tmp_path / "w.png"), SERVICE)
        assert rules(findings) == ["main.background.white"]
        assert "white or near-white" in findings[0].message


def test_401_by_400_is_rejected(tmp_path):
    findings = check_main_image(save(hand_made(size=(401, 400)), tmp_path / "odd.png"), SERVICE)
    assert "main.size" in rules(findings)
    assert "401x400 px; must be exactly 400x400" in [f.message for f in findings if f.rule == "main.size"][0]


def test_gradient_background_is_rejected(tmp_path):
    findings = check_main_image(save(hand_made(gradient=True), tmp_path / "g.png"), SERVICE)
    assert "main.background.solid" in rules(findings)


def test_logo_overflowing_its_area_is_rejected(tmp_path):
    big = check_main_image(save(hand_made(logo=(50, 10, 300, 280)), tmp_path / "big.png"), SERVICE)
    assert {"main.logo.size", "main.background.outside"} <= set(rules(big))
    assert "it must fit the 260x260 logo area" in " ".join(f.message for f in big)
    moved = check_main_image(save(hand_made(logo=(130, 18, 260, 260)), tmp_path / "moved.png"), SERVICE)
    assert rules(moved) == ["main.background.outside"]


def test_stray_marks_and_transparency_are_rejected(tmp_path):
    im = hand_made()
    ImageDraw.Draw(im).rectangle((8, 100, 40, 300), fill=(0, 200, 0))  # a badge in the margin
    assert "main.background.outside" in rules(check_main_image(save(im, tmp_path / "s.png"), SERVICE))
    rgba = hand_made().convert("RGBA")
    rgba.putpixel((0, 0), (0, 0, 0, 0))
    assert "main.file.alpha" in rules(check_main_image(save(rgba, tmp_path / "a.png"), SERVICE))


def test_format_and_size_limit(tmp_path):
    gif = check_main_image(save(hand_made(), tmp_path / "m.gif", "GIF"), SERVICE)
    assert "main.file.format" in rules(gif)
    small = tmp_path / "small.toml"
    small.write_text("[main_image]\nmax_bytes = 1000\n")
    big = check_main_image(save(hand_made(), tmp_path / "m.png"), profiles.load(str(small)))
    assert "main.file.bytes" in rules(big)
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    assert rules(check_main_image(junk, SERVICE)) == ["main.file.unreadable"]


def test_with_a_spec_the_texts_are_checked(tmp_path):
    path = save(hand_made(), tmp_path / "m.png")
    ok = check_main_image(path, SERVICE, {"company": "禾木家居", "copy": "正品保障"})
    assert rules(ok) == [] and "main.text.unchecked" not in rules(ok, "info")
    bad = check_main_image(path, SERVICE, {"company": "官方旗舰店", "copy": "全网第一 品质保证到家 www.a.cn"})
    assert rules(bad) == ["main.copy.length", "main.text.banned", "main.text.link"]
    blank = check_main_image(save(hand_made(texts=False), tmp_path / "b.png"), SERVICE,
                             {"company": "禾木", "copy": "好"})
    assert rules(blank) == ["main.text.missing"]


def test_generated_image_sidecar_is_read_and_edits_are_noticed(cli, tmp_path):
    from tests.main_image.test_render import SAMPLE_LOGO
    out = tmp_path / "main.png"
    assert cli("main-image", "--logo", SAMPLE_LOGO, "--company", "禾木家居", "--copy", "正品保障",
               "-o", out).exit_code == 0
    assert rules(check_main_image(out, SERVICE), "info") == ["main.measure"]  # texts checked from the sidecar
    side = out.with_name("main.png.json")
    data = json.loads(side.read_text())
    data["copy"] = "官方正品"
    side.write_text(json.dumps(data, ensure_ascii=False))
    assert rules(check_main_image(out, SERVICE)) == ["main.text.banned"]
    im = Image.open(out).convert("RGB")
    ImageDraw.Draw(im).rectangle((0, 0, 399, 399), outline=(255, 255, 255), width=3)  # a white frame
    im.save(out)
    after = check_main_image(out, SERVICE)
    assert "main.background.solid" in rules(after) and "main.sidecar.stale" in rules(after, "warning")


def test_cli_check_exit_codes(cli, tmp_path):
    good = save(hand_made(), tmp_path / "good.png")
    bad = save(hand_made(bg=(255, 255, 255)), tmp_path / "bad.png")
    r = cli("main-image", "--check", good)
    assert r.exit_code == 0 and "[main.measure] background #8c1f2a" in r.stderr
    r = cli("main-image", "--check", bad, "--json")
    assert r.exit_code == 1 and "imgkit: error: " in r.stderr
    assert "main.background.white" in {f["rule"] for f in json.loads(r.stdout)}
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"company": "禾木家居", "copy": "唯一正品"}, ensure_ascii=False))
    r = cli("main-image", "--check", good, "--spec", spec)
    assert r.exit_code == 1 and "[main.text.banned]" in r.stderr
    assert cli("main-image", "--check", tmp_path / "missing.png").exit_code == 2
    assert cli("main-image", "--logo", good, "--spec", spec).exit_code == 2


@pytest.mark.parametrize("quality", [95, 80])
def test_jpeg_ringing_is_not_taken_for_an_oversized_logo(tmp_path, quality):
    path = save(hand_made(), tmp_path / "q.jpg", "JPEG", quality=quality)
    assert rules(check_main_image(path, SERVICE)) == []


def test_validate_takes_one_main_image_file(tmp_path):
    """`imgkit validate main.jpg -p taobao-service` judges a single main image (issue 4)."""
    from click.testing import CliRunner
    from PIL import Image

    from imgkit.cli import main

    white = tmp_path / "white.png"
    Image.new("RGB", (400, 400), "white").save(white)
    runner = CliRunner()
    bad = runner.invoke(main, ["validate", str(white), "-p", "taobao-service"])
    assert bad.exit_code == 1 and "main.background" in bad.stderr
    missing = runner.invoke(main, ["validate", str(tmp_path / "nope.png"), "-p", "taobao-service"])
    assert missing.exit_code == 2
