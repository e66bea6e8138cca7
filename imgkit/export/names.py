"""Where each file of a pack goes: the platform's layout and file names, and the keys Amazon's
flat layout names files by (the sheet's ``[export] key_columns``, e.g. ``asin`` then ``sku``).

Names are relative to ``OUT/export/<platform>``:

- ``item``: ``<ITEM>/main/<ITEM>-main-NN.jpg``, ``<ITEM>/main/<ITEM>-tall-NN.jpg``,
  ``<ITEM>/detail/<ITEM>-detail-NN.jpg`` (Taobao, Tmall, JD, Pinduoduo)
- ``flat``: ``<KEY>.MAIN.jpg`` (position 1), ``<KEY>.PT01.jpg`` … (positions 2..) (Amazon)
- ``item-flat``: ``<ITEM>/<ITEM>-NN.jpg`` or ``.webp`` (Shopify)
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from imgkit.errors import ConfigError
from imgkit.profile import Export, Profile
from imgkit.table import read_table

#: what Amazon's bulk image upload takes as the name before .MAIN/.PTnn: letters and digits
KEY = re.compile(r"[A-Za-z0-9]{1,40}")


def extension(exp: Export) -> str:
    return ".webp" if exp.format == "WEBP" else ".jpg"


def main_name(exp: Export, item: str, key: str, position: int) -> str:
    """The carousel image at ``position`` (1-based)."""
    ext = extension(exp)
    if exp.layout == "flat":
        return f"{key}.MAIN{ext}" if position == 1 else f"{key}.PT{position - 1:02d}{ext}"
    if exp.layout == "item-flat":
        return f"{item}/{item}-{position:02d}{ext}"
    return f"{item}/main/{item}-main-{position:02d}{ext}"


def tall_name(exp: Export, item: str, n: int) -> str:
    return f"{item}/main/{item}-tall-{n:02d}{extension(exp)}"


def detail_name(exp: Export, item: str, n: int) -> str:
    return f"{item}/detail/{item}-detail-{n:02d}{extension(exp)}"


def _header_key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower().replace(" ", "_")


def find_sheet(out: Path, shop: Profile, given: Path | None) -> Path | None:
    """``--items SHEET`` when given, else the product sheet of the shoot OUT was last built from
    (report.json's ``src`` with ``[sheet] file``), when it is still there."""
    if given is not None:
        if not given.is_file():
            raise ConfigError(f"--items {given}: no such file")
        return given
    try:
        src = json.loads((out / "report.json").read_text(encoding="utf-8")).get("src")
    except (OSError, ValueError, AttributeError):
        return None
    path = Path(src) / shop.sheet.file if src and shop.sheet.file else None
    return path if path is not None and path.is_file() else None


def item_keys(sheet: Path | None, shop: Profile, columns: tuple[str, ...]) -> dict[str, str] | None:
    """Item -> the first non-empty of ``columns`` in its row (the item column found by the
    shop's ``[sheet] item`` names); None when the sheet has none of ``columns``."""
    if sheet is None or not columns:
        return {}
    table = read_table(sheet, "product sheet")
    header = [_header_key(h) for h in table.header]
    items = {_header_key(a) for a in shop.sheet.item}
    item_col = next((i for i, h in enumerate(header) if h in items), None)
    if item_col is None:
        raise ConfigError(f"{sheet}: product sheet has no item-number column (one of: {', '.join(shop.sheet.item)})")
    key_cols = [header.index(_header_key(c)) for c in columns if _header_key(c) in header]
    if not key_cols:
        return None
    keys = {}
    for _, values in table.rows:
        cell = [v.strip() for v in values]
        if item_col >= len(cell) or not cell[item_col]:
            continue
        key = next((cell[i] for i in key_cols if i < len(cell) and cell[i]), "")
        if key:
            keys[cell[item_col]] = key
    return keys


def key_problem(item: str, key: str | None, columns: tuple[str, ...], sheet: Path | None,
                taken: dict[str, str], *, has_columns: bool = True) -> str:
    """Why ``item`` cannot be exported under ``key`` (empty when it can); ``taken``: key -> item."""
    if sheet is None:
        return f"no product sheet to read its {'/'.join(columns)} from (give --items SHEET)"
    if not has_columns:
        return f"{sheet.name} has no {' or '.join(columns)} column to name its files by"
    if not key:
        return f"no {' or '.join(columns)} in its row of {sheet.name}"
    if not KEY.fullmatch(key):
        return f"its key {key!r} is not letters and digits only, as the flat layout's file names need"
    if key.upper() in taken and taken[key.upper()] != item:
        return f"its key {key} is also item {taken[key.upper()]}'s"
    return ""
