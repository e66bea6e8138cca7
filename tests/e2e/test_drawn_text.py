"""Every field imgkit draws text in — watermark text, facts panel, caption, sold-out label, page
heading, main-image company and copy — goes through the one text renderer on the real fonts:
two different strings give different pixels, emoji and rare CJK are glyphs (three such strings
all differ: as boxes they would be one and the same), and a character no font has is refused
by name before anything is written."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

from imgkit import profile as profiles
from imgkit.detail import drawing
from imgkit.imaging.fonts import find_font
from imgkit.imaging.watermark import watermark_image
from imgkit.main_image.render import Spec, render
from imgkit.tree.page import heading_band
from tests.conftest import SAMPLES, copy_samples, photo_set, tree_hashes, write_profile
from tests.main_image.test_render import SAMPLE_LOGO

BAD = "\U000f0001"            # a private-use character: no font has it
PLAIN = ("亚麻衬衫", "棉麻衬衫")
RARE = ("热卖🔥", "热卖👍", "热卖𠮷")
PHOTO = Image.open(sorted((SAMPLES / "A1001").glob("*.JPG"))[0]).convert("RGB").resize((710, 473))
DEFAULT = profiles.load()


def profile_with(tmp_path, name: str, **sections):
    return profiles.load(str(write_profile(tmp_path / f"{name}.toml", **sections)))


def arr(im) -> np.ndarray:
    return np.asarray(im.convert("RGB") if isinstance(im, Image.Image) else im)


def all_differ(images: list[np.ndarray]) -> bool:
    return all(a.shape != b.shape or not np.array_equal(a, b)
               for i, a in enumerate(images) for b in images[i + 1:])


def watermark(tmp_path, text: str) -> np.ndarray:
    # [watermark] text without a font: it used to be Pillow's default font, every CJK character a box
    path = tmp_path / f"wm{abs(hash(text))}.toml"
    path.write_text(f'[watermark]\ntext = "{text}"\n', encoding="utf-8")
    return arr(watermark_image(profiles.load(str(path))))


def main_image(text: str, role: str) -> np.ndarray:
    prof = profiles.load("taobao-service")
    spec = Spec(text, "正品保障", SAMPLE_LOGO) if role == "company" else Spec("禾木家居", text, SAMPLE_LOGO)
    data = render(spec, prof, find_font(prof)).data
    x, y, w, h = prof.main_image.box(role)
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))[y:y + h, x:x + w]


FIELDS = {
    "watermark text": lambda text, tmp: watermark(tmp, text),
    "facts": lambda text, tmp: arr(drawing.facts_panel(PHOTO, (("品名", text), ("颜色", "象牙白")), DEFAULT)),
    "caption": lambda text, tmp: arr(drawing.caption(PHOTO, text, DEFAULT)),
    "sold-out label": lambda text, tmp: arr(drawing.sold_out(PHOTO, (f"{text} 已售罄",), DEFAULT)),
    "page heading": lambda text, tmp: heading_band(text, DEFAULT.page, DEFAULT),
    "main-image company": lambda text, tmp: main_image(text, "company"),
    "main-image copy": lambda text, tmp: main_image(text, "copy"),
}


@pytest.mark.parametrize("field", list(FIELDS))
def test_every_field_draws_what_it_is_given(field, tmp_path):
    draw = FIELDS[field]
    assert all_differ([draw(t, tmp_path) for t in PLAIN]), f"{field}: two texts, the same pixels"
    assert all_differ([draw(t, tmp_path) for t in RARE]), f"{field}: 🔥, 👍 and 𠮷 drawn alike (as boxes)"


@pytest.mark.parametrize("field", list(FIELDS))
def test_every_field_refuses_a_character_no_font_has(field, tmp_path):
    with pytest.raises(Exception, match=r"U\+F0001") as exc:
        FIELDS[field](f"好物{BAD}", tmp_path)
    assert "cannot be drawn by any font" in str(exc.value)


# --- through the commands: refused by name, before anything is written ------------------------

@pytest.fixture
def shoot(tmp_path):
    src = tmp_path / "shoot"
    photo_set(src, 3, item="A1")
    return src


@pytest.mark.parametrize("section, key, value, said", [
    ("watermark", "text", f"禾木{BAD}家居", "[watermark] text"),
    ("facts", "labels", ["品名", "货号", f"颜{BAD}色", "面料", "尺码", "尺寸", "说明"], "[facts] labels"),
    ("mark", "label", f"已售{BAD}", "[mark] label"),
    ("page", "heading", f"新品{BAD} {{title}}", "[page] heading"),
])
def test_build_refuses_profile_text_it_cannot_draw(cli, shoot, tmp_path, section, key, value, said):
    sections = {section: {key: value}}
    if section == "watermark":
        sections["watermark"]["image"] = ""
    prof = write_profile(tmp_path / "p.toml", **sections)
    out = tmp_path / "out"
    result = cli("build", shoot, "-o", out, "-p", prof)
    assert result.exit_code == 2, result.output
    assert said in result.stderr and "U+F0001" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_a_text_watermark_without_a_font_is_drawn_and_found(cli, tmp_path):
    src = tmp_path / "shoot"
    photo_set(src, 5, item="A1")
    prof = tmp_path / "wm.toml"
    prof.write_text('[watermark]\ntext = "禾木家居🔥"\n', encoding="utf-8")
    out = tmp_path / "out"
    assert cli("build", src, "-o", out, "-p", prof).exit_code == 0
    result = cli("validate", out, "-p", prof, "--json", "-")
    assert result.exit_code == 0, result.output
    files = json.loads(result.stdout)["items"][0]["files"]
    assert len(files) == 5 and all(f["watermark"]["score"] >= 0.82 for f in files)


@pytest.fixture
def built(cli, tmp_path):
    src = tmp_path / "shoot"
    copy_samples(src / "A1001", "A1001")
    (src / "items.csv").write_text("货号,品名,卖点\nA1001,手绘骷髅摆件,眼窝层次分明|牙齿细节\n", encoding="utf-8")
    out = tmp_path / "out"
    assert cli("build", src, "-o", out, "-j", "2").exit_code == 0
    return out


def test_mark_refuses_a_label_it_cannot_draw_and_changes_nothing(cli, built):
    before = tree_hashes(built / "detail")
    result = cli("mark", built, "A1001", "--sold-out", f"红色{BAD}")
    assert result.exit_code == 2 and "U+F0001" in result.stderr and "sold-out label" in result.stderr
    assert tree_hashes(built / "detail") == before and not (built / ".imgkit" / "history").exists()


def test_page_refuses_a_heading_it_cannot_draw_and_writes_nothing(cli, built, tmp_path):
    prof = write_profile(tmp_path / "page.toml", page={"heading": f"{{title}} {BAD}"})
    result = cli("page", built, "A1001", "-p", prof)
    assert result.exit_code == 2 and "[page] heading" in result.stderr and "U+F0001" in result.stderr
    assert not (built / "page").exists()


def test_main_image_company_or_copy_it_cannot_draw(cli, tmp_path):
    out = tmp_path / "main.png"
    for flag in ("--company", "--copy"):
        args = {"--company": "禾木家居", "--copy": "正品保障"} | {flag: f"好物{BAD}"}
        result = cli("main-image", "--logo", SAMPLE_LOGO, *[a for kv in args.items() for a in kv], "-o", out)
        assert result.exit_code == 2 and flag in result.stderr and "U+F0001" in result.stderr
        assert not out.exists()
    result = cli("main-image", "--logo", SAMPLE_LOGO, "--company", "禾木家居", "--copy", "热卖🔥", "-o", out)
    assert result.exit_code == 0, result.stderr
    side = json.loads((tmp_path / "main.png.json").read_text())
    assert side["font"]["name"] == "WenQuanYi Micro Hei Regular" and side["font"]["fallbacks"] == ["Noto Emoji Regular"]
    sheet = tmp_path / "mains.csv"   # from a sheet: that row refused (exit 1), the others made
    sheet.write_text(f"item,logo,company,copy\nA1,{SAMPLE_LOGO},禾木家居,热卖🔥\nA2,{SAMPLE_LOGO},禾木{BAD},好物\n",
                     encoding="utf-8")
    result = cli("main-image", "--sheet", sheet, "-o", tmp_path / "main")
    assert result.exit_code == 1
    assert "refused:" in result.stderr and "mains.csv:3" in result.stderr and "U+F0001" in result.stderr
    assert sorted(p.name for p in (tmp_path / "main").glob("*.png")) == ["A1-main.png"]
