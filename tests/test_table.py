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
    header, rows = read_table(path, what)
    return header, list(rows)


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


def test_utf16_as_excel_saves_unicode_text_is_refused(tmp_path):
    path = write(tmp_path / "items.txt", [HEADER, *ROWS], encoding="utf-16", delimiter="\t")
    with pytest.raises(ConfigError, match="save it as CSV UTF-8"):
        read_table(path)
