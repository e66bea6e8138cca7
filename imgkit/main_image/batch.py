"""A sheet of service main images: one row per image, columns item (or out), logo, company,
copy and optionally bg, read by :mod:`imgkit.table` like the product sheet."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from imgkit.errors import ConfigError, Rejected
from imgkit.naming import check_item
from imgkit.table import read_table

COLUMNS = ("item", "out", "logo", "company", "copy", "bg")


@dataclass(frozen=True)
class BatchRow:
    line: int                 # in the sheet (a workbook's row), for messages
    cells: dict[str, str]     # column -> the cell as written

    def get(self, column: str) -> str:
        """The cell, stripped ("" when absent)."""
        return self.cells.get(column, "").strip()

    def file_name(self, ext: str) -> str:
        """The image's file name: ``out``, else ``<item>-main<ext>``; ``Rejected`` for a path
        or an item number that could not be a file name."""
        name = self.get("out") or f"{check_item(self.get('item'))}-main{ext}"
        check_item(Path(name).name)
        if Path(name).name != name:
            raise Rejected(f"out {name!r} must be a file name, not a path")
        return name


def read_batch(sheet: Path) -> list[BatchRow]:
    """The sheet's non-empty rows; ``ConfigError`` for a sheet without the needed columns."""
    table = read_table(sheet)
    header = [h.strip().lower() for h in table.header]
    unknown = [h for h in header if h not in COLUMNS]
    if unknown or not {"logo", "company", "copy"} <= set(header) or not {"item", "out"} & set(header):
        raise ConfigError(f"{sheet}: columns must be item (or out), logo, company, copy and optionally bg; "
                          f"found {', '.join(header) or 'none'}")
    rows = []
    for line, values in table.rows:
        cells = dict(zip(header, values, strict=False))
        if any(v.strip() for v in cells.values()):
            rows.append(BatchRow(line, cells))
    return rows
