"""imgkit main-image --sheet with the sheets shops save: .xlsx like CSV; a malformed sheet is
exit 2 naming the file and line, before any image is made."""

from __future__ import annotations

import numpy as np
from PIL import Image

from tests.main_image.test_render import draw_logo
from tests.test_table import workbook


def test_an_xlsx_batch_sheet_makes_the_images_a_csv_makes(cli, tmp_path):
    draw_logo(tmp_path / "logo.png")
    rows = [["item", "logo", "company", "copy", "bg"],
            [1023.0, "logo.png", "禾木家居", "正品保障", "#8c1f2a"],        # an item number Excel keeps as a number
            ["A1002", "logo.png", "禾木家居", "七天退换", None]]
    sheet = workbook(tmp_path / "main.xlsx", rows)
    result = cli("main-image", "--sheet", sheet, "-o", tmp_path / "x")
    assert result.exit_code == 0, result.stderr
    assert "2 made, 0 refused" in result.stderr
    assert tuple(np.asarray(Image.open(tmp_path / "x" / "1023-main.png"))[0, 0]) == (140, 31, 42)
    (tmp_path / "main.csv").write_text("item,logo,company,copy,bg\n1023,logo.png,禾木家居,正品保障,#8c1f2a\n"
                                       "A1002,logo.png,禾木家居,七天退换,\n", encoding="utf-8")
    result = cli("main-image", "--sheet", tmp_path / "main.csv", "-o", tmp_path / "y")
    assert result.exit_code == 0, result.stderr
    for name in ("1023-main.png", "A1002-main.png"):
        assert (tmp_path / "x" / name).read_bytes() == (tmp_path / "y" / name).read_bytes()


def test_a_batch_row_with_more_cells_than_headers_exits_2_before_anything_is_made(cli, tmp_path):
    draw_logo(tmp_path / "logo.png")
    sheet = tmp_path / "main.csv"
    sheet.write_text("item,logo,company,copy\nA1,logo.png,禾木家居,正品保障\nA2,logo.png,禾木家居,正品,保障\n",
                     encoding="utf-8")
    result = cli("main-image", "--sheet", sheet)
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"imgkit: error: {sheet}: line 3: 5 cells but the header has 4 columns "
                                     f'(extra: "保障"); a cell that holds the separator must be in quotes')
    assert not (tmp_path / "main").exists()
