"""The CSV reader for the product sheet and the main-image batch sheet: what Excel and WPS save."""

from __future__ import annotations

import csv
import io

import pytest

from imgkit.errors import ConfigError
from imgkit.table import read_table
from tests.conftest import SAMPLES

HEADER = ["货号", "品名", "颜色", "卖点"]
ROWS = [["A1001", "手绘骷髅摆件", "象牙白", "手工上色|树脂材质"], ["A1002", "亚麻衬衫", "", "柔软透气"]]


def write(path, rows, *, encoding="utf-8", delimiter=",", newline="\n"):
    text = newline.join(delimiter.join(r) for r in rows) + newline
    path.write_bytes(text.encode(encoding))
    return path


def read(path, what="sheet"):
    table = read_table(path, what)
    return table.header, table.rows


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_utf8_with_or_without_bom_and_gbk_read_the_same(tmp_path, encoding):
    path = write(tmp_path / "items.csv", [HEADER, *ROWS], encoding=encoding)
    if encoding == "utf-8-sig":
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    if encoding == "gbk":
        with pytest.raises(UnicodeDecodeError):
            path.read_bytes().decode("utf-8")
    header, rows = read(path)
    assert header == HEADER                          # no BOM left on the first cell
    assert rows == [(2, ROWS[0]), (3, ROWS[1])]


@pytest.mark.parametrize("delimiter", [";", "\t", ","])
def test_the_delimiter_is_sniffed_from_the_header(tmp_path, delimiter):
    rows = [HEADER, ["A1001", "Shirt, linen", "white", "soft; light\tairy"], ["A1002", "Mug", "", ""]]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)   # quoted as Excel does
    path = tmp_path / "items.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    assert path.read_text(encoding="utf-8").count('"') == 2
    header, got = read(path)
    assert header == HEADER
    assert got == [(2, rows[1]), (3, rows[2])]


def test_excel_line_ends_and_quoted_cells(tmp_path):
    path = tmp_path / "items.csv"
    path.write_bytes('货号;品名\r\nA1001;"say ""hi""; twice"\r\n\r\nA1002;x\r\n'.encode("utf-8-sig"))
    header, rows = read(path)
    assert header == ["货号", "品名"]
    assert rows == [(2, ["A1001", 'say "hi"; twice']), (3, []), (4, ["A1002", "x"])]


def test_a_header_only_sheet_has_no_rows(tmp_path):
    header, rows = read(write(tmp_path / "items.csv", [HEADER]))
    assert header == HEADER and rows == []


@pytest.mark.parametrize("data", [b"", b"\n\n  \r\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf \t\n"])
def test_an_empty_file_is_a_config_error_naming_it(tmp_path, data):
    path = tmp_path / "商品表.csv"
    path.write_bytes(data)
    with pytest.raises(ConfigError, match="empty") as info:
        read_table(path, "product sheet")
    assert str(path) in str(info.value) and "product sheet" in str(info.value)


def test_a_file_that_cannot_be_read_is_a_config_error_naming_it(tmp_path):
    for path in (tmp_path / "missing.csv", tmp_path):
        with pytest.raises(ConfigError, match="cannot read the batch sheet") as info:
            read_table(path, "batch sheet")
        assert str(path) in str(info.value)


@pytest.mark.parametrize("photo", [SAMPLES / "A1002" / "shoe-1.jpg", SAMPLES / "A1001" / "IMG_0417.JPG"])
def test_a_photo_saved_as_the_sheet_is_a_config_error_naming_it(tmp_path, photo):
    path = tmp_path / "items.csv"
    path.write_bytes(photo.read_bytes())
    with pytest.raises(ConfigError, match="neither UTF-8 nor GBK") as info:
        read_table(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-16-le"])
def test_unicode_text_as_excel_and_wps_save_it_reads_like_csv(tmp_path, encoding):
    """Excel's and WPS's "Unicode Text": UTF-16 LE with a BOM, tab-separated, CRLF. Big-endian
    with a BOM and a BOM-less little-endian file read too."""
    text = "\r\n".join("\t".join(r) for r in [HEADER, *ROWS]) + "\r\n"
    data = text.encode("utf-16") if encoding == "utf-16" else text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    if encoding == "utf-16":
        assert data.startswith(b"\xff\xfe")
    path = tmp_path / "items.txt"
    path.write_bytes(data)
    header, rows = read(path)
    assert header == HEADER
    assert rows == [(2, ROWS[0]), (3, ROWS[1])]


@pytest.mark.parametrize("data", [bytes(4096), b"\x00\x01\x02\x03" * 64, "货号,品名\nA1,\x07\x1b[0m\n".encode()])
def test_bytes_that_are_not_text_are_refused_naming_the_file(tmp_path, data):
    """A file of NUL bytes is valid GB18030 (and UTF-8): it used to be read as a sheet."""
    path = tmp_path / "items.csv"
    path.write_bytes(data)
    with pytest.raises(ConfigError, match="is not a sheet") as info:
        read_table(path, "product sheet")
    assert str(info.value).startswith(f"{path}: product sheet")


def test_line_numbers_are_the_files_own(tmp_path):
    """A quoted cell over two lines counts two lines: later rows keep their real line numbers,
    in messages too."""
    path = tmp_path / "items.csv"
    path.write_text('货号,说明\nA1,"first line\nsecond line"\nA2,x\r\nA3,"a\r\nb\r\nc"\nA4,y,stray\n',
                    encoding="utf-8", newline="")
    with pytest.raises(ConfigError) as info:
        read(path)
    assert str(info.value).startswith(f"{path}: line 8: 3 cells but the header has 2 columns")
    path.write_text('货号,说明\nA1,"first line\nsecond line"\nA2,x\r\nA3,"a\r\nb\r\nc"\nA4,y\n',
                    encoding="utf-8", newline="")
    assert read(path)[1] == [(2, ["A1", "first line\nsecond line"]), (4, ["A2", "x"]),
                             (5, ["A3", "a\r\nb\r\nc"]), (8, ["A4", "y"])]


def test_more_cells_than_headers_is_an_error_naming_file_line_and_cell(tmp_path):
    """A comma typed in a caption splits it: the second half would land in no column."""
    path = write(tmp_path / "items.csv", [HEADER, ROWS[0], ["A1002", "亚麻衬衫", "白", "经典配色", "百搭"]])
    with pytest.raises(ConfigError) as info:
        read(path)
    message = str(info.value)
    assert message.startswith(f"{path}: line 3: 5 cells but the header has 4 columns")
    assert '"百搭"' in message and "in quotes" in message and "\n" not in message


def test_trailing_empty_cells_are_not_extra(tmp_path):
    """Excel pads every row to the widest one with empty cells: nothing is lost, nothing said."""
    path = write(tmp_path / "items.csv", [HEADER + [""], ROWS[0] + ["", ""], ROWS[1]])
    assert read(path)[1] == [(2, ROWS[0] + ["", ""]), (3, ROWS[1])]


@pytest.mark.parametrize("body, line, needle", [
    ('A1,"经典配色|百搭\nA2,x\nA3,y\n', 2, "a quote opens a cell here and is never closed"),
    ('A1,x\nA2,"经典"配色\n', 3, 'text after the closing quote of a cell: ""经典"配色"'),
    ('A1,"经典配色\nA2,x\nA3,"y"\n', 4, "text after the closing quote of a cell (the cell opened on line 2)"),
])
def test_unbalanced_quotes_are_an_error_naming_file_and_line(tmp_path, body, line, needle):
    path = tmp_path / "items.csv"
    path.write_text("货号,卖点\n" + body, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        read(path)
    assert str(info.value).startswith(f"{path}: line {line}: ")
    assert needle in str(info.value)


def test_a_quote_inside_an_unquoted_cell_is_a_plain_character(tmp_path):
    """As Excel reads it: 12" stays 12" (only a cell that starts with a quote is a quoted cell)."""
    path = tmp_path / "items.csv"
    path.write_text('货号,尺寸\nA1,12" 屏\n', encoding="utf-8")
    assert read(path)[1] == [(2, ["A1", '12" 屏'])]


# --- workbooks ------------------------------------------------------------------------------

def workbook(path, rows, *, origin="A1", more_sheets=()):
    """A real .xlsx written by openpyxl (what Excel and WPS save), ``rows`` from ``origin``."""
    import openpyxl
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "商品"
    col, first = coordinate_from_string(origin)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.cell(first + r, column_index_from_string(col) + c, value)
    for name, cells in more_sheets:
        other = book.create_sheet(name)
        for r, row in enumerate(cells, start=1):
            for c, value in enumerate(row, start=1):
                other.cell(r, c, value)
    book.save(path)
    return path


def test_an_xlsx_sheet_reads_like_csv(tmp_path):
    import datetime
    path = workbook(tmp_path / "items.xlsx", [
        HEADER,
        [1023, "手绘骷髅摆件", "象牙白", "手工上色|树脂材质"],      # item number typed as a number
        [1024.0, "亚麻衬衫", None, "柔软\n透气"],                # stored as 1024.0, a line break in the cell
        ["A1025", 12.5, datetime.datetime(2026, 5, 1), True],
    ], more_sheets=[("第二页", [["货号"], ["B9"]])])
    assert path.read_bytes()[:4] == b"PK\x03\x04"
    table = read_table(path)
    assert table.header == HEADER and table.unit == "row"
    assert table.rows == [(2, ["1023", "手绘骷髅摆件", "象牙白", "手工上色|树脂材质"]),
                          (3, ["1024", "亚麻衬衫", "", "柔软\n透气"]),
                          (4, ["A1025", "12.5", "2026-05-01", "TRUE"])]


def test_an_xlsx_keeps_excels_row_numbers_and_refuses_a_cell_beyond_the_header(tmp_path):
    """The table starts at B3 (a title row above it left empty): rows are numbered as Excel shows them."""
    rows = [HEADER, ROWS[0], ROWS[1]]
    table = read_table(workbook(tmp_path / "items.xlsx", rows, origin="B3"))
    assert table.header == [""] + HEADER
    assert [n for n, _ in table.rows] == [4, 5]
    assert table.rows[1][1] == [""] + ROWS[1]
    path = workbook(tmp_path / "wide.xlsx", [HEADER, ROWS[0], ROWS[1] + [None, "百搭"]], origin="B3")
    with pytest.raises(ConfigError) as info:
        read_table(path, "product sheet")
    assert str(info.value).startswith(f"{path}: row 5: 7 cells but the header has 5 columns (extra: \"百搭\")")


def test_a_zip_that_is_not_a_workbook_is_refused_naming_it(tmp_path):
    import zipfile
    path = tmp_path / "items.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "not a workbook")
    with pytest.raises(ConfigError, match="is not a readable Excel workbook") as info:
        read_table(path, "product sheet")
    assert str(info.value).startswith(f"{path}: product sheet")
    assert "\n" not in str(info.value)


def test_an_empty_workbook_is_an_empty_sheet(tmp_path):
    with pytest.raises(ConfigError, match="empty"):
        read_table(workbook(tmp_path / "items.xlsx", []))
