"""Product sheets as shops really save them, through `imgkit build`: .xlsx and UTF-16 "Unicode
Text" read like CSV; a malformed sheet stops the build before anything is written (exit 2, one
line naming the file and line); selling points with no image to go on are a warning."""

from __future__ import annotations

import json
import sqlite3

import pytest
from PIL import Image

from tests.conftest import SAMPLES, copy_samples, tree_hashes, write_profile
from tests.detail.test_product_sheet import HEADER, ROW, build, write_sheet
from tests.test_table import workbook


@pytest.fixture
def shoot(tmp_path):
    """A1001 (6 photos) and item 1023, a number as item numbers often are (A1002's 5 photos)."""
    src = tmp_path / "shoot"
    copy_samples(src / "A1001", "A1001")
    copy_samples(src / "1023", "A1002")
    return src


ROWS = [ROW.format(points="眼窝|牙齿"), "1023,运动鞋,白色,网布,42,,,轻|透气"]


def test_xlsx_and_unicode_text_sheets_make_the_images_a_csv_makes(cli, shoot, tmp_path):
    csv_sheet = write_sheet(tmp_path / "items.csv", ROWS)
    made = {}
    for name in ("csv", "xlsx", "txt"):
        if name == "xlsx":   # item 1023 typed as a number, as Excel keeps it (a float: 1023.0)
            cells = [r.split(",") for r in ROWS]
            cells[1][0] = 1023.0
            sheet = workbook(tmp_path / "items.xlsx", [HEADER.split(","), *cells])
        elif name == "txt":  # Excel / WPS "Unicode Text": UTF-16 LE with BOM, tabs, CRLF
            sheet = tmp_path / "items.txt"
            text = "\r\n".join(line.replace(",", "\t") for line in [HEADER, *ROWS]) + "\r\n"
            sheet.write_bytes(text.encode("utf-16"))
        else:
            sheet = csv_sheet
        result = build(cli, shoot, tmp_path / name, "--items", sheet, "--json")
        assert json.loads(result.stdout)["warnings"] == [], name   # every item found its row
        made[name] = tree_hashes(tmp_path / name / "detail")
    assert made["xlsx"] == made["csv"] == made["txt"]
    plain = tmp_path / "plain"
    build(cli, shoot, plain)
    assert tree_hashes(plain / "detail")["1023/1023-01.jpg"] != made["xlsx"]["1023/1023-01.jpg"], "facts drawn"


@pytest.mark.parametrize("lines, where, needle", [
    ([ROWS[0], "1023,运动鞋,白色,网布,42,,,轻|透气,经典配色"], "line 3", "9 cells but the header has 8 columns"),
    ([ROWS[0].replace("眼窝|牙齿", "\"经典配色|牙齿"), ROWS[1]], "line 2", "a quote opens a cell here and is never"),
    (['A1001,手绘骷髅摆件,象牙白,树脂,均码,"长12\n宽8",x,y', ROWS[1] + ",多余"], "line 4", "9 cells"),
])
def test_a_malformed_sheet_exits_2_naming_file_and_line_and_writes_nothing(cli, shoot, tmp_path, lines, where,
                                                                          needle):
    """The third case: a cell over two lines, so the bad row is on line 4 of the file (row 3)."""
    sheet = write_sheet(shoot / "items.csv", lines)
    out = tmp_path / "out"
    result = cli("build", shoot, "-o", out)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()], "one line"
    assert result.stderr.startswith(f"imgkit: error: {sheet}: {where}: ") and needle in result.stderr
    assert not out.exists()


def test_a_sheet_of_nul_bytes_exits_2_and_writes_nothing(cli, shoot, tmp_path):
    (shoot / "items.csv").write_bytes(bytes(2048))
    out = tmp_path / "out"
    result = cli("build", shoot, "-o", out)
    assert result.exit_code == 2 and not out.exists()
    assert f"{shoot / 'items.csv'}: product sheet is not a sheet" in result.stderr


def test_more_selling_points_than_images_is_a_warning_naming_what_is_not_drawn(cli, shoot, tmp_path):
    points = "|".join(f"卖点{k}" for k in range(1, 11))            # ten points, 1023 has five photos
    write_sheet(shoot / "items.csv", [ROW.format(points="眼窝"), f"1023,运动鞋,白色,网布,42,,,{points}"])
    out = tmp_path / "out"
    result = build(cli, shoot, out, "--json")
    warning = ("items.csv line 3: item 1023 has 10 selling points for 5 images (point 1 goes on image 02); "
               "not drawn, no image for #5 卖点5, #6 卖点6, #7 卖点7 and 3 more")
    assert f"warning: {warning}" in result.stderr
    assert json.loads(result.stdout)["warnings"] == [warning]
    db = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert db["warnings"] == [warning]
    # the photos lose nothing: 02..05 carry points 1..4
    rows = dict(sqlite3.connect(out / ".imgkit/state.sqlite").execute(
        "SELECT idx, decoration FROM sources WHERE item = '1023'"))
    assert [json.loads(rows[i])["caption"] for i in range(2, 6)] == ["卖点1", "卖点2", "卖点3", "卖点4"]
    # a photo more: point 5 finds its image and the warning names the rest
    Image.open(SAMPLES / "A1001" / "IMG_0417.JPG").save(shoot / "1023" / "extra.jpg", quality=80)
    result = build(cli, shoot, out)
    assert "items.csv line 3: item 1023 has 10 selling points for 6 images" in result.stderr
    assert "no image for #6 卖点6, #7 卖点7, #8 卖点8 and 2 more" in result.stderr
    # a profile without captions draws no point at all: nothing to warn about
    prof = write_profile(tmp_path / "p.toml", captions={"enabled": False})
    result = build(cli, shoot, tmp_path / "nocaptions", "-p", prof)
    assert "selling points" not in result.stderr
