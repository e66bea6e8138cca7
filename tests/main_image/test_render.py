"""imgkit main-image: real rendered service main images (S1), measured from their pixels."""

import json
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from imgkit import profile as profiles
from imgkit.colour import conversions
from imgkit.main_image.check import check_main_image
from tests.conftest import ROOT

srgb_to_lab = partial(conversions.srgb_to_lab, white="D65")  # CIELAB under sRGB's own white

SERVICE = profiles.load("taobao-service")
M = SERVICE.main_image
BG = (31, 78, 140)
SAMPLE_LOGO = ROOT / "profiles" / "assets" / "sample-logo.png"


def draw_logo(path: Path, size=(300, 200), pad=20, fmt="PNG") -> Path:
    """A real logo: an orange rounded plate with a white ring and a bar, on transparency."""
    w, h = size
    im = Image.new("RGBA" if fmt == "PNG" else "RGB", (w + 2 * pad, h + 2 * pad),
                   (0, 0, 0, 0) if fmt == "PNG" else (255, 255, 255))
    d = ImageDraw.Draw(im)
    d.rounded_rectangle((pad, pad, pad + w - 1, pad + h - 1), radius=min(w, h) // 5, fill=(232, 110, 20, 255))
    r = min(w, h) // 3
    d.ellipse((pad + w // 2 - r, pad + h // 2 - r, pad + w // 2 + r, pad + h // 2 + r), outline="white",
              width=max(2, r // 5))
    d.rectangle((pad + w // 8, pad + h - h // 6, pad + w - w // 8, pad + h - h // 10), fill="white")
    im.save(path, fmt)
    return path


@pytest.fixture
def logo(tmp_path) -> Path:
    return draw_logo(tmp_path / "logo.png")


def box(arr, b):
    x, y, w, h = b
    return arr[y:y + h, x:x + w]


def not_bg(arr, bg=BG, tol=3.0):
    return np.linalg.norm(srgb_to_lab(arr) - srgb_to_lab(np.array(bg, np.uint8)), axis=-1) > tol


def bbox(mask):
    ys, xs = np.nonzero(mask)
    return int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)


def make(cli, tmp_path, logo, company="禾木家居生活馆", copy="正品保障 7天退换", bg="#1f4e8c", name="main.png", *extra):
    out = tmp_path / "out" / name
    out.parent.mkdir(exist_ok=True)   # -o names a file in a folder that exists: imgkit creates none
    args = ["main-image", "--logo", logo, "--company", company, "--copy", copy, "-o", out, *extra]
    if bg is not None:
        args += ["--bg", bg]
    return cli(*args), out


def test_generated_image_meets_s1_measured_from_pixels(cli, tmp_path, logo):
    result, out = make(cli, tmp_path, logo)
    assert result.exit_code == 0, result.stderr
    with Image.open(out) as im:
        assert im.format == "PNG" and im.size == (400, 400) and im.mode == "RGB"
        arr = np.asarray(im)
    # background: the border ring and everything outside the three boxes is exactly the colour
    areas = np.zeros((400, 400), bool)
    for name in ("logo", "company", "copy"):
        x, y, w, h = M.box(name)
        areas[y:y + h, x:x + w] = True
    assert np.all(arr[~areas] == BG)
    # the logo: 300x200 plate fitted to 260 wide, aspect kept, centred in the 260x260 area
    lx, ly, lw, lh = M.box("logo")
    x, y, w, h = bbox(not_bg(box(arr, M.box("logo"))))
    assert (w, abs(h - 173) <= 1) == (260, True)
    assert x == 0 and abs((y + h / 2) - lh / 2) <= 1
    # text pixels in each text area, white ink (auto colour on a dark background)
    for role in ("company", "copy"):
        ink = not_bg(box(arr, M.box(role)))
        assert ink.sum() > 500, role
        assert box(arr, M.box(role))[ink].max() == 255
    # the validator finds nothing wrong with it
    assert [f for f in check_main_image(out, SERVICE) if f.severity != "info"] == []


def test_sidecar_records_what_was_rendered(cli, tmp_path, logo):
    result, out = make(cli, tmp_path, logo)
    side = json.loads((out.parent / "main.png.json").read_text(encoding="utf-8"))
    assert side["company"] == "禾木家居生活馆" and side["copy"] == "正品保障 7天退换" and side["copy_chars"] == 8
    assert side["background"] == "#1f4e8c" and side["text_color"] == "#ffffff"
    assert side["font"]["name"].startswith("WenQuanYi Micro Hei") and Path(side["font"]["path"]).is_file()
    assert side["logo"]["area"] == [70, 18, 260, 260] and side["logo"]["visible_size"] == [300, 200]
    x, y, w, h = side["logo"]["placed"]
    assert 70 <= x and x + w <= 330 and 18 <= y and y + h <= 278
    for text in side["texts"]:
        ax, ay, aw, ah = text["area"]
        px, py, pw, ph = text["placed"]
        assert ax <= px and px + pw <= ax + aw and ay <= py and py + ph <= ay + ah, text
        assert text["font_px"] >= M.min_font_px
    import hashlib
    assert side["image"]["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert sorted(p.name for p in out.parent.iterdir()) == ["main.png", "main.png.json"]  # no temp files


def test_chinese_glyphs_render_in_the_image_not_tofu(cli, tmp_path, logo):
    from imgkit.imaging.fonts import find_font, glyph_mask, notdef_mask
    font = find_font(SERVICE).at(40)
    zhong, guo, tofu = glyph_mask(font, "中"), glyph_mask(font, "国"), notdef_mask(font)
    assert zhong.any() and guo.any()
    assert not np.array_equal(zhong, guo)
    for glyph in (zhong, guo):
        assert glyph.shape != tofu.shape or not np.array_equal(glyph, tofu)
    # and in a rendered image: 中 and 国 as the copy give different pixels; a character no font
    # has is never drawn (as the box it used to be): exit 2 naming it, nothing written
    crops = {}
    for name, copy in (("a.png", "中"), ("b.png", "国")):
        result, out = make(cli, tmp_path, logo, "禾木", copy, "#1f4e8c", name)
        assert result.exit_code == 0, result.stderr
        crops[copy] = box(np.asarray(Image.open(out)), M.box("copy"))
    assert not np.array_equal(crops["中"], crops["国"])
    result, out = make(cli, tmp_path, logo, "禾木", "\U0010fffd", "#1f4e8c", "t.png")
    assert result.exit_code == 2 and "--copy" in result.stderr and "U+10FFFD" in result.stderr
    assert not out.exists()


def test_light_background_gets_dark_text_and_jpeg_output(cli, tmp_path, logo):
    result, out = make(cli, tmp_path, logo, bg="#f2c14e", name="main.jpg")
    assert result.exit_code == 0, result.stderr
    with Image.open(out) as im:
        assert im.format == "JPEG" and im.size == (400, 400)
        arr = np.asarray(im.convert("RGB"))
    ring = np.concatenate([arr[:6].reshape(-1, 3), arr[-6:].reshape(-1, 3)])
    assert np.abs(ring.astype(int) - (242, 193, 78)).max() <= 3
    ink = box(arr, M.box("copy"))[not_bg(box(arr, M.box("copy")), (242, 193, 78), 20)]
    assert ink.min() < 60  # near-black letters on the yellow
    assert [f.rule for f in check_main_image(out, SERVICE) if f.severity == "error"] == []


def test_jpeg_logo_and_the_shipped_sample_logo(cli, tmp_path):
    jpeg = draw_logo(tmp_path / "logo.jpg", size=(400, 400), fmt="JPEG")
    for lg in (jpeg, SAMPLE_LOGO):
        result, out = make(cli, tmp_path, lg, name=f"{lg.stem}.png")
        assert result.exit_code == 0, result.stderr
        x, y, w, h = bbox(not_bg(np.asarray(Image.open(out))[:288]))
        assert (w, h) == (260, 260) and (x, y) == (70, 18)


def test_stroke_and_shadow_from_the_profile(cli, tmp_path, logo):
    plain = tmp_path / "plain.toml"
    plain.write_text('[main_image]\nshadow_offset = 0\nstroke_width = 0\n'
                     f'font = "{(ROOT / "profiles/assets/fonts/wqy-microhei.ttc").as_posix()}"\n')
    fancy = tmp_path / "fancy.toml"
    fancy.write_text('[main_image]\nshadow_offset = 3\nstroke_width = 2\nstroke_color = "#ff0000"\n')
    r1, a = make(cli, tmp_path, logo, "禾木", "好物", "#1f4e8c", "a.png", "-p", plain)
    r2, b = make(cli, tmp_path, logo, "禾木", "好物", "#1f4e8c", "b.png", "-p", fancy)
    assert r1.exit_code == 0 and r2.exit_code == 0, r1.stderr + r2.stderr
    def red(p):
        c = box(np.asarray(Image.open(p)), M.box("copy"))
        return ((c[..., 0] > 200) & (c[..., 1] < 60)).sum()
    assert red(a) == 0 and red(b) > 100
    side = json.loads(b.with_name("b.png.json").read_text())
    assert side["stroke"] == {"width": 2, "color": "#ff0000"} and side["shadow"]["offset"] == 3


def test_long_company_names_shrink_to_fit_the_box(cli, tmp_path, logo):
    result, out = make(cli, tmp_path, logo, "禾木家居生活用品有限责任公司", "好物", "#1f4e8c")
    assert result.exit_code == 0, result.stderr
    side = json.loads(out.with_name("main.png.json").read_text())
    company = next(t for t in side["texts"] if t["role"] == "company")
    assert company["placed"][2] <= M.company_width and company["font_px"] < 30


def test_small_logo_is_a_warning_not_a_refusal(cli, tmp_path):
    tiny = draw_logo(tmp_path / "tiny.png", size=(48, 40), pad=2)
    wide = draw_logo(tmp_path / "wide.png", size=(600, 40), pad=2)
    r1, out1 = make(cli, tmp_path, tiny, name="tiny.png")
    r2, out2 = make(cli, tmp_path, wide, name="wide.png")
    assert r1.exit_code == 0 and out1.is_file()
    assert "warning" in r1.stderr and "will look soft" in r1.stderr
    assert r2.exit_code == 0 and "hard to read" in r2.stderr


@pytest.mark.parametrize("company, copy, bg, words", [
    ("禾木家居", "正品保障七天无理由退换", "#1f4e8c", ["is 11 characters, at most 10"]),
    ("官方旗舰店", "好物", "#1f4e8c", ["company name '官方旗舰店' contains banned word(s): 官方"]),
    ("禾木", "全國最優", "#1f4e8c", ["banned word(s): 最優"]),
    ("禾木", "品质ＮＯ第一", "#1f4e8c", ["banned word(s): 第一"]),
    ("禾木", "ＷＷＷ．ＡＢ．ＣＯＭ", "#1f4e8c", ["link or QR text"]),
    ("hemu.cn", "好物", "#1f4e8c", ["company name 'hemu.cn' contains link"]),
    ("禾木", "扫码领券", "#1f4e8c", ["link or QR text: 扫码"]),
    ("禾木", "好物", "#ffffff", ["white or near-white"]),
    ("禾木", "好物", "#f4f4f0", ["white or near-white"]),
    ("禾木", "", "#1f4e8c", ["the copy is empty"]),
    ("禾木", "官方试用装 www.x.com", "white",
     ["characters, at most 10", "banned word(s): 试用, 官方", "link or QR text", "white or near-white"]),
])
def test_refusals_exit_1_one_line_each_nothing_written(cli, tmp_path, logo, company, copy, bg, words):
    result, out = make(cli, tmp_path, logo, company, copy, bg)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert all(line.startswith(f"imgkit: refused: {out}: ") for line in lines)
    for w in words:
        assert sum(w in line for line in lines) == 1, (w, lines)
    assert len(lines) == len(words)
    assert list(out.parent.iterdir()) == []   # nothing written


def test_unreadable_logo_is_refused(cli, tmp_path):
    bad = tmp_path / "logo.png"
    bad.write_bytes(b"not a png")
    result, out = make(cli, tmp_path, bad)
    assert result.exit_code == 1 and "logo" in result.stderr and list(out.parent.iterdir()) == []


def test_usage_errors_exit_2(cli, tmp_path, logo):
    assert cli("main-image", "--logo", logo, "--company", "禾木", "--copy", "好").exit_code == 2  # no -o
    result, out = make(cli, tmp_path, logo, name="main.gif")
    assert result.exit_code == 2 and "must end in .png or .jpg" in result.stderr
    assert cli("main-image", "--check", tmp_path / "x.png", "--logo", logo).exit_code == 2
    assert cli("main-image").exit_code == 2


def test_sheet_makes_one_image_per_row_and_refuses_bad_rows(cli, tmp_path, logo):
    sheet = tmp_path / "items.csv"
    sheet.write_text("item,logo,company,copy,bg\n"
                     "A1001,logo.png,禾木家居,正品保障,#1f4e8c\n"
                     "A1002,logo.png,禾木家居,官方正品,#1f4e8c\n"
                     "A1003,logo.png,禾木家居,七天退换,#8c1f2a\n"
                     "../x,logo.png,禾木家居,好物,\n", encoding="utf-8-sig")
    result = cli("main-image", "--sheet", sheet, "-o", tmp_path / "main")
    assert result.exit_code == 1
    assert sorted(p.name for p in (tmp_path / "main").iterdir()) == [
        "A1001-main.png", "A1001-main.png.json", "A1003-main.png", "A1003-main.png.json"]
    assert f"{sheet}:3: copy '官方正品' contains banned word(s): 官方" in result.stderr
    assert f"{sheet}:5: item number '../x' could escape" in result.stderr
    assert "2 made, 2 refused" in result.stderr
    assert tuple(np.asarray(Image.open(tmp_path / "main" / "A1003-main.png"))[0, 0]) == (140, 31, 42)


def test_sheet_saved_by_excel_in_gbk(cli, tmp_path, logo):
    sheet = tmp_path / "items.csv"
    sheet.write_bytes("item,logo,company,copy\nB7,logo.png,禾木家居,正品保障\n".encode("gbk"))
    result = cli("main-image", "--sheet", sheet)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "main" / "B7-main.png").is_file()
