"""The product sheet (R4, R6, R7): ``items.csv`` with one row of facts per item number.

Read by :mod:`imgkit.table` (CSV in UTF-8, GBK or UTF-16, or an .xlsx workbook). Header
names come from the profile's ``[sheet]`` section, so Chinese headers (货号, 品名, 颜色, 面料,
尺码, 尺寸, 说明, 卖点) work as well as English ones.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path

from imgkit.detail.sheet_text import screen_rows
from imgkit.errors import ConfigError
from imgkit.profile import FACT_FIELDS, Profile
from imgkit.table import read_table


@dataclass(frozen=True)
class Row:
    item: str
    name: str = ""
    colour: str = ""
    fabric: str = ""
    size: str = ""
    dimensions: str = ""
    note: str = ""
    selling_points: tuple[str, ...] = ()   # one per detail index from the second on ("" = none)
    line: int = 0                          # in the file (a workbook's row), for messages
    withheld: tuple[str, ...] = ()         # fact fields not drawn: a character no font has (sheet_text)


@dataclass(frozen=True)
class ProductSheet:
    path: Path
    rows: dict[str, Row]
    unit: str = "line"                     # what Row.line counts: "line", or "row" in a workbook
    notes: tuple[str, ...] = ()   # warnings about its text (sheet_text): undrawable characters, banned words

    def get(self, item: str) -> Row | None:
        return self.rows.get(item)


def _key(header: str) -> str:
    return unicodedata.normalize("NFKC", header).strip().lower().replace(" ", "_")


def _cells(values: list[str], columns: dict[str, int]):
    """``cell(name)``: the stripped value of column ``name`` in this row ("" when absent)."""
    def cell(name: str) -> str:
        i = columns.get(name)
        return values[i].strip() if i is not None and i < len(values) else ""
    return cell


def load(path: Path, profile: Profile) -> ProductSheet:
    """Read a product sheet; a missing or malformed sheet is a ConfigError naming the file."""
    table = read_table(path, "product sheet")
    header = table.header
    aliases = {_key(a): name for name, names in profile.sheet.columns().items() for a in names}
    columns: dict[str, int] = {}
    for i, h in enumerate(header):
        name = aliases.get(_key(h))
        if name and name not in columns:
            columns[name] = i
    if "item" not in columns:
        known = ", ".join(profile.sheet.item)
        raise ConfigError(f"{path}: product sheet has no item-number column (one of: {known}; "
                          f"header is {', '.join(h.strip() for h in header)})")
    rows: dict[str, Row] = {}
    sep = profile.sheet.separator
    for line, values in table.rows:
        cell = _cells(values, columns)
        item = cell("item")
        if not item:
            if any(v.strip() for v in values):
                raise ConfigError(f"{table.at(line)}: row has no item number")
            continue
        if item in rows:
            raise ConfigError(f"{table.at(line)}: item {item} already has a row ({table.unit} {rows[item].line})")
        points = tuple(p.strip() for p in cell("selling_points").split(sep)) if cell("selling_points") else ()
        rows[item] = Row(item=item, line=line, selling_points=points,
                         **{f.name: cell(f.name) for f in fields(Row) if f.name in FACT_FIELDS and f.name != "item"})
    rows, notes = screen_rows(rows, profile, path)
    return ProductSheet(path, rows, table.unit, notes)


def find(src: Path, profile: Profile, given: Path | None = None) -> ProductSheet | None:
    """``--items FILE`` when given, else ``SRC/<[sheet] file>`` when it exists, else None."""
    if given is not None:
        return load(given, profile)
    path = src / profile.sheet.file
    return load(path, profile) if profile.sheet.file and path.is_file() else None


def warnings(sheet: ProductSheet, scanned: set[str], published: Iterable[tuple[str, int]], *,
             profile: Profile | None = None) -> list[str]:
    """An item of the shoot without a row; a row whose item has no photos at all; with
    ``profile`` (captions on), selling points for images the item does not have.

    ``published``: (item, index) of every image in the state."""
    indices: dict[str, set[int]] = {}
    for item, index in published:
        indices.setdefault(item, set()).add(index)
    out = list(sheet.notes)
    out += [f"{item}: no row in the product sheet {sheet.path.name}; its images carry no facts or captions"
            for item in sorted(scanned - set(sheet.rows))]
    out += [f"{sheet.path.name} {sheet.unit} {row.line}: item {item} has no photos"
            for item, row in sheet.rows.items() if item not in scanned | set(indices)]
    if profile is not None and profile.captions.enabled:
        out += [w for item, row in sheet.rows.items() if item in indices
                if (w := _points_without_image(sheet, row, indices[item], profile.naming.start))]
    return out


def _points_without_image(sheet: ProductSheet, row: Row, indices: set[int], start: int) -> str:
    """Selling point k goes on image ``start + k``; the points whose image is missing, or ""."""
    dropped = [(k, p) for k, p in enumerate(row.selling_points, start=1) if p and start + k not in indices]
    if not dropped:
        return ""
    shown = ", ".join(f"#{k} {p if len(p) <= 12 else p[:12] + '…'}" for k, p in dropped[:3])
    more = f" and {len(dropped) - 3} more" if len(dropped) > 3 else ""
    return (f"{sheet.path.name} {sheet.unit} {row.line}: item {row.item} has {len(row.selling_points)} selling "
            f"points for {len(indices)} images (point 1 goes on image {start + 1:02d}); not drawn, no image for "
            f"{shown}{more}")
