"""Sheets people keep in Excel or WPS: the one reader for the product sheet and the
main-image batch sheet.

- **Text** (CSV, or Excel's "Unicode Text"): UTF-8 with or without BOM, UTF-16 with its BOM
  (what "Unicode Text" is: UTF-16 LE, tab-separated), else GB18030, which reads every GBK file
  Excel writes on a Chinese Windows. The delimiter (comma, semicolon or tab) is sniffed from
  the header line. Bytes that are not text (NULs, control characters) are refused.
- **Workbooks** (``.xlsx``, recognised by content): the first worksheet, read with
  python-calamine. Numbers come out as Excel shows them (item 1023 stored as 1023.0 is "1023").

Line numbers are the file's own (a quoted cell over two lines counts two); a workbook's are
its row numbers. The header is the first row with any text. Refused with the file and line:
a row with more cells than the header has columns, a quote that opens a cell and never
closes, text after a cell's closing quote.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

from imgkit.errors import ConfigError

_ZIP, _OLE2 = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_NEWLINE = re.compile(r"\r\n|\r|\n")
_QUOTED = re.compile(r'"([^"]*(?:""[^"]*)*)"')
#: C0 controls other than tab, line feed, carriage return, form feed; no text file holds them
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Table:
    path: Path
    header: list[str]
    rows: list[tuple[int, list[str]]]   # (line of the file, or row of the workbook, where it starts; cells)
    unit: str = "line"                  # what the numbers count: "line" in a text file, "row" in a workbook

    def at(self, number: int) -> str:
        """``PATH: line N`` (``row N`` in a workbook): where a message points."""
        return f"{self.path}: {self.unit} {number}"


class _Malformed(Exception):
    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line, self.reason = line, reason


def _not_text(path: Path, what: str) -> ConfigError:
    return ConfigError(f"{path}: {what} is not a sheet: neither UTF-8 nor GBK text, nor UTF-16 or an Excel "
                       f"workbook; save it as CSV UTF-8 or .xlsx")


def decode_text(data: bytes, path: Path, what: str = "sheet") -> str:
    """UTF-16 by its BOM (or by the NULs of a BOM-less one); UTF-8 (BOM or not); then GB18030,
    a superset of GBK. ``ConfigError`` for bytes that are not text in any of them."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    elif b"\x00" in data:   # UTF-16 without a BOM: every other byte of Latin text is NUL
        odd, even = data[1::2].count(0), data[0::2].count(0)
        encodings = ("utf-16-le",) if odd > 2 * even else ("utf-16-be",) if even > 2 * odd else ()
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not _CONTROL.search(text):
            return text.removeprefix("\ufeff")
    raise _not_text(path, what)


def read_table(path: Path, what: str = "sheet") -> Table:
    """The header and the rows of a sheet; ``ConfigError`` naming the file (and line) for one
    that cannot be read, is not a sheet, is empty or is malformed. ``what`` names the sheet in
    messages."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    if data.startswith((_ZIP, _OLE2)):
        unit, rows = "row", _workbook_rows(data, path, what)
    else:
        text = decode_text(data, path, what)
        first = next((ln for ln in _NEWLINE.split(text) if ln.strip()), "")
        delimiter = max(",;\t", key=first.count) if any(d in first for d in ",;\t") else ","
        try:
            unit, rows = "line", _csv_rows(text, delimiter)
        except _Malformed as bad:
            raise ConfigError(f"{path}: line {bad.line}: {bad.reason}") from None
    start = next((i for i, (_, cells) in enumerate(rows) if any(c.strip() for c in cells)), None)
    if start is None:
        raise ConfigError(f"{path}: {what} is empty")
    header = rows[start][1]
    table = Table(path, header, rows[start + 1:], unit)
    _check_widths(table)
    return table


def _check_widths(table: Table) -> None:
    """A non-empty cell beyond the header's last column: a separator typed inside a cell."""
    width = max((i + 1 for i, h in enumerate(table.header) if h.strip()), default=0)
    for number, cells in table.rows:
        extra = [c.strip() for c in cells[width:] if c.strip()]
        if extra:
            shown = ", ".join(f'"{_clip(c)}"' for c in extra[:3])
            raise ConfigError(f"{table.at(number)}: {len(cells)} cells but the header has {width} "
                              f"columns (extra: {shown}); a cell that holds the separator must be in quotes")


def _clip(text: str, n: int = 16) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n] + "…"


def _csv_rows(text: str, d: str) -> list[tuple[int, list[str]]]:
    """RFC 4180 as Excel writes it: ``"…"`` cells may hold the delimiter, ``""`` and line
    breaks; a quote inside an unquoted cell is a plain character (as Excel reads it)."""
    plain = re.compile(f"[^{re.escape(d)}\r\n]*")
    rows: list[tuple[int, list[str]]] = []
    pos, line, end = 0, 1, len(text)
    while pos < end:
        start, cells = line, []
        while True:
            if text.startswith('"', pos):
                m = _QUOTED.match(text, pos)
                if m is None:
                    raise _Malformed(line, f'a quote opens a cell here and is never closed ("{_clip(text[pos + 1:])}); '
                                           f"close it or remove the stray quote")
                opened = line
                line += len(_NEWLINE.findall(m.group(1)))
                pos = m.end()
                while text.startswith(" ", pos) and d != " ":   # spaces after the closing quote
                    pos += 1
                if pos < end and text[pos] not in (d, "\r", "\n"):
                    where = f" (the cell opened on line {opened})" if opened != line else ""
                    after = plain.match(text, pos).group()
                    raise _Malformed(line, f'text after the closing quote of a cell{where}: "{_clip(m.group(0))}'
                                           f'{_clip(after)}"; inside a quoted cell a quote is written ""')
                cells.append(m.group(1).replace('""', '"'))
            else:
                m = plain.match(text, pos)
                cells.append(m.group())
                pos = m.end()
            if text.startswith(d, pos):
                pos += len(d)
                continue
            break
        m = _NEWLINE.match(text, pos)
        if m:
            pos, line = m.end(), line + 1
        rows.append((start, [] if cells == [""] else cells))
    return rows


def _workbook_rows(data: bytes, path: Path, what: str) -> list[tuple[int, list[str]]]:
    """The first worksheet's rows, numbered as Excel numbers them."""
    from python_calamine import CalamineWorkbook, PasswordError

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not book.sheet_names:
            raise ConfigError(f"{path}: {what} workbook has no worksheet")
        values = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except PasswordError:
        raise ConfigError(f"{path}: {what} workbook is password-protected; save it without a password") from None
    except ConfigError:
        raise
    except Exception:  # calamine's errors: not a workbook, a damaged one, a ZIP of something else
        raise ConfigError(f"{path}: {what} is not a readable Excel workbook (damaged, or another kind of "
                          f"archive); open it in Excel or WPS and save it again as .xlsx or CSV UTF-8") from None
    return [(i, [_cell_text(v) for v in row]) for i, row in enumerate(values, start=1)]


def _cell_text(value) -> str:
    """A cell as Excel shows it in General format: 1023.0 → "1023", dates as ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.15g}"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)
