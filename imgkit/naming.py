"""Item numbers from folders and file names, safe names, ignore rules, index allocation."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from imgkit.errors import Rejected

#: files every OS and sync tool leaves around; skipped without a word
IGNORED_NAMES = frozenset({"thumbs.db", "desktop.ini", ".ds_store", "icon\r"})
PARTIAL_SUFFIXES = (".part", ".crdownload", ".partial", ".download", ".tmp", ".!qb", ".filepart")
#: a clean plate (a photo of the empty backdrop, for white-background cut-outs) is in this folder
#: or has one of these in its name (case-insensitive): it is never published as a product photo
CLEAN_PLATE_FOLDER = "_background"
CLEAN_PLATE_MARKS = ("background", "空背景")
_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                       *(f"lpt{i}" for i in range(10))})
_FORBIDDEN = set('<>:"/\\|?*')


def shown(text: str) -> str:
    """Text safe to print or store as UTF-8: undecodable bytes of a file name as \\xNN."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def check_name(rel: str) -> None:
    """Refuse paths that cannot be named in UTF-8 (they cannot be recorded or reported)."""
    if shown(rel) != rel:
        raise Rejected(f"file name is not valid UTF-8 ({shown(rel)!r}); rename it")


def is_ignored(name: str) -> bool:
    """Hidden files, OS litter and downloads still in progress: never reported."""
    low = name.lower()
    return (name.startswith(".") or name.startswith("~$") or low in IGNORED_NAMES
            or low.endswith(PARTIAL_SUFFIXES))


def is_clean_plate(rel_parts: tuple[str, ...]) -> bool:
    """Whether a file (its path's parts, relative to SRC) is a clean plate."""
    name = rel_parts[-1].lower()
    return CLEAN_PLATE_FOLDER in rel_parts[:-1] or any(mark in name for mark in CLEAN_PLATE_MARKS)


def check_item(item: str, *, max_length: int = 64) -> str:
    """Return ``item`` if it is a safe single path component, else raise ``Rejected``."""
    if not item or not item.strip():
        raise Rejected("empty item number")
    if item in (".", "..") or "/" in item or "\\" in item:
        raise Rejected(f"item number {item!r} could escape the output folder")
    bad = sorted({c for c in item if c in _FORBIDDEN or unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co")})
    if bad:
        raise Rejected(f"item number {item!r} contains characters a file system cannot take: {''.join(bad)!r}")
    if item != item.strip() or item.endswith("."):
        raise Rejected(f"item number {item!r} starts or ends with a space or ends with a dot")
    if item.split(".")[0].lower() in _RESERVED:
        raise Rejected(f"item number {item!r} is a reserved device name on Windows")
    if item.startswith("-"):
        raise Rejected(f"item number {item!r} starts with '-' and would read as an option")
    if len(item) > max_length or len(item.encode("utf-8")) > 200:
        raise Rejected(f"item number {item[:20]!r}… is longer than {max_length} characters")
    return item


def item_from_filename(stem: str, pattern: str) -> str:
    """Item number from the start of a file name lying directly in SRC."""
    m = re.match(pattern, stem)
    if not m or not m.group("item"):
        raise Rejected("no item number at the start of the name (expected like A1023_front.jpg, "
                       "or put the file in a folder named after its item)")
    return m.group("item")


def natural_key(text: str) -> tuple:
    """Order IMG_2 before IMG_10: digit runs compare as numbers, case ignored."""
    return tuple((0, int(part), part) if part.isdigit() else (1, 0, part.casefold())
                 for part in re.split(r"(\d+)", text) if part)


def next_indices(taken: Iterable[int], count: int, start: int) -> list[int]:
    """``count`` new indices after the highest taken one: a re-run never renumbers."""
    top = max(taken, default=start - 1)
    return list(range(max(top + 1, start), max(top + 1, start) + count))


def output_name(template: str, item: str, index: int) -> str:
    return template.format(item=item, index=index)
