"""The product sheet (items.csv) and what it draws: the facts panel on 01, captions on 02..N."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest
from PIL import Image

from imgkit import profile as profiles
from imgkit.detail import product_sheet as sheet
from imgkit.errors import ConfigError
from tests.conftest import copy_samples, tree_hashes, write_profile

HEADER = "货号,品名,颜色,面料,尺码,尺寸,说明,卖点"
ROW = "A1001,手绘骷髅摆件,象牙白,树脂,均码,长12×宽8×高9 cm,手工上色，每件花纹略有不同，请以实物为准。,{points}"


def write_sheet(path, rows, *, encoding="utf-8", header=HEADER):
    data = ("\n".join([header, *rows]) + "\n").encode(encoding)
    path.write_bytes(data)
    return path


@pytest.fixture
def shoot(tmp_path):
    """Two items of the sample shoot: A1001 (6 photos) and A1002 (5)."""
    src = tmp_path / "shoot"
    for item in ("A1001", "A1002"):
        copy_samples(src / item, item)
    return src


def build(cli, src, out, *extra):
    result = cli("build", src, "-o", out, "-j", "2", *extra)
    assert result.exit_code == 0, result.output
    return result


def pixels(path):
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)


@pytest.fixture
def plain(cli, shoot, tmp_path):
    """The shoot built without a sheet: what undecorated images look like."""
    out = tmp_path / "plain"
    build(cli, shoot, out)
    return out


# --- reading ----------------------------------------------------------------------------

def test_gbk_utf8_bom_and_utf8_sheets_read_the_same(tmp_path):
    p = profiles.load()
    rows = [ROW.format(points="眼窝|牙齿||侧面"), "A1002,运动鞋,白色,网布,42,,,"]
    sheets = [sheet.load(write_sheet(tmp_path / f"{enc}.csv", rows, encoding=enc), p)
              for enc in ("gbk", "utf-8-sig", "utf-8")]
    assert sheets[0].rows == sheets[1].rows == sheets[2].rows
    a = sheets[0].rows["A1001"]
    assert (a.name, a.colour, a.fabric, a.dimensions) == ("手绘骷髅摆件", "象牙白", "树脂", "长12×宽8×高9 cm")
    assert a.selling_points == ("眼窝", "牙齿", "", "侧面")
    assert sheets[0].rows["A1002"].selling_points == ()


def test_english_headers_semicolons_and_extra_columns(tmp_path):
    path = tmp_path / "items.csv"
    path.write_text("Item;Name;Price;Colour;Selling Points\nB7;Linen shirt;99;blue;soft|light\n", encoding="utf-8")
    row = sheet.load(path, profiles.load()).rows["B7"]
    assert (row.name, row.colour, row.selling_points) == ("Linen shirt", "blue", ("soft", "light"))


@pytest.mark.parametrize("content, needle", [
    (b"name,colour\nshirt,blue\n", "no item-number column"),
    (b"item,name\nA1,x\nA1,y\n", "line 3: item A1 already has a row (line 2)"),
    (b"item,name\n,orphan\n", "line 2: row has no item number"),
    (b"item,name\nA1,\xff\xfe\xff\n", "neither UTF-8 nor GBK"),
    (b"", "empty"),
])
def test_a_broken_sheet_is_a_one_line_error_naming_the_file(tmp_path, content, needle):
    path = tmp_path / "items.csv"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as exc:
        sheet.load(path, profiles.load())
    assert str(path) in str(exc.value) and needle in str(exc.value)


def test_build_with_a_broken_sheet_exits_2_and_writes_nothing(cli, shoot, tmp_path):
    (shoot / "items.csv").write_bytes(b"name\nshirt\n")
    result = cli("build", shoot, "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert "items.csv" in result.stderr and "no item-number column" in result.stderr
    assert not (tmp_path / "out").exists()


# --- the facts panel and captions ---------------------------------------------------------

def test_facts_panel_on_the_first_image_only(cli, shoot, plain, tmp_path):
    write_sheet(shoot / "items.csv", [ROW.format(points="")])
    out = tmp_path / "out"
    result = build(cli, shoot, out, "--json")
    first, base = pixels(out / "detail/A1001/A1001-01.jpg"), pixels(plain / "detail/A1001/A1001-01.jpg")
    assert first.shape[1] == 710 and first.shape[0] > base.shape[0] + 150, "a band below the photo"
    # the photo part is the same picture; the band holds dark text on a light ground
    assert np.abs(first[: base.shape[0] - 80] - base[: base.shape[0] - 80]).mean() < 1.5
    band = first[base.shape[0]:]
    ink = (band.mean(axis=2) < 100).mean()
    assert 0.01 < ink < 0.3, f"text in the panel ({ink:.3f} of its pixels dark)"
    # every other image is exactly what a build without a sheet makes
    hashes, plain_hashes = tree_hashes(out / "detail"), tree_hashes(plain / "detail")
    assert {k for k in hashes if hashes[k] != plain_hashes[k]} == {"A1001/A1001-01.jpg"}
    # the item without a row is a warning, not a failure; the sheet is not "skipped"
    assert "warning: A1002: no row in the product sheet items.csv" in result.stderr
    report = json.loads(result.stdout)
    assert report["warnings"] == ["A1002: no row in the product sheet items.csv; its images carry no facts or captions"]
    assert not any(f["source"].endswith("items.csv") for f in report["files"])
    # another sheet, other text in the panel
    write_sheet(shoot / "items.csv", [ROW.format(points="").replace("手绘骷髅摆件", "树脂头骨模型 XL")])
    result = build(cli, shoot, out)
    assert "1 processed, 10 up to date" in result.stdout
    other = pixels(out / "detail/A1001/A1001-01.jpg")
    rows = min(other.shape[0], first.shape[0])
    assert np.abs(other[base.shape[0]:rows] - first[base.shape[0]:rows]).max() > 100


def test_gbk_and_utf8_sheets_make_the_same_images(cli, shoot, tmp_path):
    made = []
    for enc in ("gbk", "utf-8-sig"):
        write_sheet(shoot / "items.csv", [ROW.format(points="眼窝")], encoding=enc)
        out = tmp_path / enc
        build(cli, shoot, out)
        made.append(tree_hashes(out / "detail"))
    assert made[0] == made[1]


def test_captions_only_where_the_sheet_has_an_entry(cli, shoot, plain, tmp_path):
    write_sheet(shoot / "items.csv", [ROW.format(points="眼窝层次分明||牙齿细节")])
    out = tmp_path / "out"
    build(cli, shoot, out)
    for idx in range(2, 7):
        got, base = (pixels(out / f"detail/A1001/A1001-{idx:02d}.jpg"),
                     pixels(plain / f"detail/A1001/A1001-{idx:02d}.jpg"))
        if idx in (2, 4):
            assert got.shape[0] > base.shape[0] + 40, f"{idx}: caption band"
            band = got[base.shape[0]:]
            assert (band.mean(axis=2) > 200).mean() > 0.005, f"{idx}: light text on the dark band"
        else:
            assert (out / f"detail/A1001/A1001-{idx:02d}.jpg").read_bytes() == \
                (plain / f"detail/A1001/A1001-{idx:02d}.jpg").read_bytes(), f"{idx}: no entry, no caption"
    db = sqlite3.connect(out / ".imgkit/state.sqlite")
    recorded = dict(db.execute("SELECT idx, decoration FROM sources WHERE item='A1001'"))
    assert json.loads(recorded[2]) == {"caption": "眼窝层次分明"} and recorded[3] is None
    assert json.loads(recorded[1])["facts"][0] == ["品名", "手绘骷髅摆件"]


def test_a_changed_sheet_rerenders_just_the_images_it_touches(cli, shoot, plain, tmp_path):
    write_sheet(shoot / "items.csv", [ROW.format(points="眼窝|牙齿|侧面")])
    out = tmp_path / "out"
    build(cli, shoot, out)
    before = tree_hashes(out / "detail")
    write_sheet(shoot / "items.csv", [ROW.format(points="眼窝|牙齿细节|侧面")])
    result = build(cli, shoot, out)
    assert "1 processed, 10 up to date" in result.stdout
    after = tree_hashes(out / "detail")
    assert {k for k in after if after[k] != before[k]} == {"A1001/A1001-03.jpg"}
    # the sheet gone: every image as it is without one
    (shoot / "items.csv").unlink()
    build(cli, shoot, out)
    assert tree_hashes(out / "detail") == tree_hashes(plain / "detail")


def test_a_row_without_photos_is_reported(cli, shoot, tmp_path):
    write_sheet(shoot / "items.csv", [ROW.format(points=""), "B9,没拍的商品,,,,,,"])
    result = build(cli, shoot, tmp_path / "out")
    assert "warning: items.csv line 3: item B9 has no photos" in result.stderr


def test_items_option_and_overlay_layout(cli, shoot, plain, tmp_path):
    sheet_file = write_sheet(tmp_path / "elsewhere.csv", [ROW.format(points="眼窝")])
    prof = write_profile(tmp_path / "p.toml", captions={"layout": "overlay"},
                         facts={"layout": "overlay", "fields": ["name", "colour"], "labels": ["品名", "颜色"]})
    out, ref = tmp_path / "out", tmp_path / "ref"
    build(cli, shoot, out, "--items", sheet_file, "-p", prof)
    build(cli, shoot, ref, "-p", prof)
    for name in ("A1001-01.jpg", "A1001-02.jpg"):
        got, base = pixels(out / "detail/A1001" / name), pixels(ref / "detail/A1001" / name)
        assert got.shape == base.shape, "an overlay keeps the size"
        changed = np.abs(got - base).max(axis=2) > 40
        rows = np.nonzero(changed.any(axis=1))[0]
        assert rows.min() > base.shape[0] * 0.4, "the overlay sits on the photo's foot"


def test_validate_can_require_captions_and_facts(cli, shoot, tmp_path):
    write_sheet(shoot / "items.csv", [ROW.format(points="眼窝|牙齿|侧面|顶部|底部")])
    out = tmp_path / "out"
    build(cli, shoot, out)
    prof = write_profile(tmp_path / "strict.toml", validate={"require_captions": True, "require_facts": True})
    result = cli("validate", out, "-p", prof, "--json", "-")
    assert result.exit_code == 1
    found = {(f["rule"], f["file"].rsplit("/", 1)[-1]) for f in json.loads(result.stdout)["findings"]
             if f["rule"] in ("caption.missing", "facts.missing")}
    assert found == {("facts.missing", "A1002-01.jpg")} | {("caption.missing", f"A1002-0{i}.jpg") for i in range(2, 6)}
    lax = cli("validate", out, "--json", "-")
    assert not any(f["rule"].endswith(".missing") and f["rule"] != "watermark.missing"
                   for f in json.loads(lax.stdout)["findings"])


def test_build_renders_the_description_page_when_the_profile_asks(cli, shoot, tmp_path):
    write_sheet(shoot / "items.csv", [ROW.format(points="眼窝|牙齿")])
    prof = write_profile(tmp_path / "p.toml", page={"in_build": True, "width": 790})
    out = tmp_path / "out"
    build(cli, shoot, out, "-p", prof)
    for item in ("A1001", "A1002"):
        slices = sorted((out / "page" / item).glob(f"{item}-page-*.jpg"))
        assert slices and all(Image.open(s).width == 790 for s in slices)
        assert (out / "page" / item / f"{item}-page.html").is_file()
    first = (out / "page/A1001/A1001-page-01.jpg").read_bytes()
    write_sheet(shoot / "items.csv", [ROW.format(points="眼窝|牙齿").replace("手绘骷髅摆件", "别的名字")])
    result = build(cli, shoot, out, "-p", prof)
    assert "1 processed" in result.stdout
    assert (out / "page/A1001/A1001-page-01.jpg").read_bytes() != first, "the heading follows the sheet"
