"""Sheets people keep in Excel or WPS and save as CSV: the one reader for the product sheet
and the main-image batch sheet.

UTF-8 (with or without BOM) first, then GB18030, which reads every GBK file Excel writes on a
Chinese Windows. The delimiter (comma, semicolon or tab) is sniffed from the header line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from imgkit.errors import ConfigError


def decode_text(data: bytes, path: Path, what: str = "sheet") -> str:
    """UTF-8 (BOM or not) first; then GB18030, a superset of GBK."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ConfigError(f"{path}: {what} is neither UTF-8 nor GBK text; save it as CSV UTF-8")


def read_table(path: Path, what: str = "sheet") -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header and the rows as (line number, cells); ``ConfigError`` naming the file for one
    that cannot be read, is not text or is empty. ``what`` names the sheet in messages."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    text = decode_text(data, path, what)
    if not text.strip():
        raise ConfigError(f"{path}: {what} is empty")
    first = text.splitlines()[0]
    delimiter = max(",;\t", key=first.count) if any(d in first for d in ",;\t") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader)
    return header, enumerate(reader, start=2)
