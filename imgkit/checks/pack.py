"""A marketplace pack's folder: which file is what, by the profile's ``[export] layout``.

``imgkit export`` writes (and ``imgkit validate OUT/export/<platform> -p <platform>`` reads)::

    item:      <ITEM>/main/<ITEM>-main-NN.jpg  <ITEM>/main/<ITEM>-tall-NN.jpg  <ITEM>/detail/<ITEM>-detail-NN.jpg
    flat:      <KEY>.MAIN.jpg  <KEY>.PT01.jpg .. <KEY>.PT08.jpg   (one folder; KEY without dashes or spaces)
    item-flat: <ITEM>/<ITEM>-NN.jpg (or .webp)

``walk`` names each file's item, role (main, white, tall, detail) and index, or says why its
name or place is not the layout's; the rules in ``pack_rules`` judge that. No pixels here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from imgkit.naming import is_ignored
from imgkit.profile.sections import PLATFORMS, Export

MAIN, WHITE, TALL, DETAIL = "main", "white", "tall", "detail"
_EXT = r"\.(?P<ext>[A-Za-z0-9]+)"
_FLAT = re.compile(r"(?P<key>.+?)\.(?:(?P<main>MAIN)|PT(?P<pt>\d{2}))" + _EXT + r"\Z")


@dataclass(frozen=True)
class PackFile:
    path: Path
    rel: str                   # relative to the pack folder, '/'-separated
    item: str | None           # the item (Amazon: the KEY); None: the file belongs to none
    role: str = ""             # main | white | tall | detail | "" (unknown: see problem)
    index: int | None = None   # 1-based among the item's main images (Amazon: MAIN 1, PT01 2 …), tall, slices
    ext: str = ""
    problem: str | None = None  # why the name or place is not the layout's


def is_pack(target: Path, export: Export) -> bool:
    """A folder judged as a marketplace pack: an export profile, and no build tree."""
    return bool(export.platform) and not (target / ".imgkit" / "state.sqlite").is_file()


def platform_of(target: Path) -> str | None:
    """``OUT/export/<platform>`` of a build tree names its platform (so ``-p`` may be left out)."""
    t = target.resolve()
    out = t.parent.parent
    if t.parent.name == "export" and t.name in PLATFORMS:
        if (out / ".imgkit" / "state.sqlite").is_file() or (out / "detail").is_dir():
            return t.name
    return None


def build_tree_of(target: Path) -> Path | None:
    """OUT, for a pack at OUT/export/<platform> inside a build tree; else None."""
    t = target.resolve()
    out = t.parent.parent
    if t.parent.name == "export" and ((out / ".imgkit" / "profile.json").is_file()
                                      or (out / ".imgkit" / "state.sqlite").is_file()):
        return out
    return None


def walk(target: Path, export: Export) -> list[PackFile]:
    """Every file in the pack (ignored names left out), each placed by the layout."""
    files = sorted(p for p in target.rglob("*") if p.is_file()
                   and not any(is_ignored(part) for part in p.relative_to(target).parts))
    place = {"item": _item_layout, "flat": _flat_layout, "item-flat": _item_flat_layout}[export.layout]
    return [place(p, p.relative_to(target).as_posix(), p.relative_to(target).parts, export) for p in files]


def _ext(name: str) -> str:
    return name.rsplit(".", 1)[-1] if "." in name else ""


def _role(index: int, export: Export) -> str:
    return WHITE if index == export.white_index else MAIN


def _item_layout(path: Path, rel: str, parts: tuple[str, ...], export: Export) -> PackFile:
    want = "<ITEM>/main/<ITEM>-main-NN.jpg, <ITEM>/main/<ITEM>-tall-NN.jpg or <ITEM>/detail/<ITEM>-detail-NN.jpg"
    if len(parts) != 3 or parts[1] not in ("main", "detail"):
        item = parts[0] if len(parts) > 1 else None
        return PackFile(path, rel, item, ext=_ext(path.name), problem=f"not where the layout puts files ({want})")
    item, folder, name = parts
    kinds = ("main", "tall") if folder == "main" else ("detail",)
    m = re.fullmatch(re.escape(item) + r"-(?P<kind>" + "|".join(kinds) + r")-(?P<n>\d{2})" + _EXT, name)
    if not m or int(m["n"]) == 0:
        return PackFile(path, rel, item, ext=_ext(name), problem=f"name is not {item}-{'|'.join(kinds)}-NN.jpg "
                                                                f"(NN from 01) in {item}/{folder}/")
    n, kind = int(m["n"]), m["kind"]
    role = _role(n, export) if kind == "main" else TALL if kind == "tall" else DETAIL
    return PackFile(path, rel, item, role, n, m["ext"])


def _flat_layout(path: Path, rel: str, parts: tuple[str, ...], export: Export) -> PackFile:
    last = export.main_count - 1
    if len(parts) != 1:
        return PackFile(path, rel, None, ext=_ext(path.name),
                        problem="the layout is flat: every file directly in the pack folder, no sub-folders")
    m = _FLAT.fullmatch(path.name)
    if not m:
        return PackFile(path, rel, None, ext=_ext(path.name),
                        problem=f"name is not <KEY>.MAIN.jpg or <KEY>.PT01.jpg .. PT{last:02d}")
    key = m["key"]
    if re.search(r"[\s\-.]", key):
        return PackFile(path, rel, key, ext=m["ext"],
                        problem=f"key {key!r} has a dash, dot or space (the platform takes none)")
    index = 1 if m["main"] else int(m["pt"]) + 1
    if not m["main"] and not 1 <= int(m["pt"]) <= last:
        return PackFile(path, rel, key, ext=m["ext"], problem=f"PT{m['pt']} is outside PT01..PT{last:02d}")
    return PackFile(path, rel, key, _role(index, export), index, m["ext"])


def _item_flat_layout(path: Path, rel: str, parts: tuple[str, ...], export: Export) -> PackFile:
    if len(parts) != 2:
        item = parts[0] if len(parts) > 1 else None
        return PackFile(path, rel, item, ext=_ext(path.name), problem="not where the layout puts files "
                                                                      "(<ITEM>/<ITEM>-NN.jpg)")
    item, name = parts
    m = re.fullmatch(re.escape(item) + r"-(?P<n>\d{2})" + _EXT, name)
    if not m or int(m["n"]) == 0:
        return PackFile(path, rel, item, ext=_ext(name), problem=f"name is not {item}-NN.jpg (NN from 01)")
    n = int(m["n"])
    return PackFile(path, rel, item, _role(n, export), n, m["ext"])
