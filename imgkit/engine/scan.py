"""Scan SRC: which files belong to which item, which are ignored, which are refused."""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from dataclasses import dataclass, replace
from pathlib import Path

from imgkit.errors import Rejected
from imgkit.naming import check_item, check_name, is_clean_plate, is_ignored, item_from_filename, natural_key
from imgkit.profile import Profile

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".apng", ".webp", ".tif", ".tiff",
                            ".bmp", ".dib", ".gif", ".avif", ".heic", ".heif", ".psd", ".jp2", ".j2k",
                            ".jpx", ".mpo"})
CAMERA_RAW = frozenset({".cr2", ".cr3", ".nef", ".arw", ".dng", ".raf", ".orf", ".rw2", ".pef", ".srw"})


@dataclass(frozen=True)
class Candidate:
    path: Path          # absolute
    rel: str            # relative to SRC, for messages and ordering
    item: str
    size: int
    mtime_ns: int
    role: str = "photo"  # or "chart": a colour chart that calibrates its item ("" item: the session)


@dataclass(frozen=True)
class Refusal:
    path: Path
    reason: str
    status: str = "rejected"    # or "skipped": not an image at all, reported but no failure


def scan(src: Path, profile: Profile, *, skip: Path | None = None,
         sheet: Path | None = None) -> tuple[list[Candidate], list[Refusal]]:
    """Every usable file under ``src`` in (item, natural name) order, and every refusal.

    The item is the nearest folder above a file whose whole name is an item number
    (``[naming] item_pattern``), else the start of the file's name; folders that are not item
    numbers (dates, ``shoot-2``, ``精修``) only contain. Item numbers compare without case:
    the first spelling met names the item. Symbolic links are not followed. ``skip`` is never
    scanned; ``sheet`` (the product sheet) is not reported as a file that is not an image.
    """
    found: list[Candidate] = []
    refused: list[Refusal] = []
    for folder, dirs, names in os.walk(src, onerror=lambda e: refused.append(
            Refusal(Path(e.filename or src), f"cannot read folder: {e.strerror}"))):
        here = Path(folder)
        dirs[:] = sorted((d for d in dirs if not is_ignored(d) and (skip is None or here / d != skip)
                          and not _refuse_link(here / d, refused)), key=natural_key)
        for name in names:
            if sheet is None or here / name != sheet:
                sort_into(classify(src, here / name, profile), found, refused)
    return order(same_spelling(found)), refused


def same_spelling(found: list[Candidate], known: dict[str, str] | None = None) -> list[Candidate]:
    """One spelling per item, whatever the case of its folders and names (``a3001`` and
    ``A3001 主图.jpg`` are one item, as a case-insensitive share sees them): ``known``
    (folded → spelling, e.g. from the state), else the first met in natural order."""
    spelling = dict(known or {})
    for c in sorted(found, key=lambda c: natural_key(c.rel)):
        spelling.setdefault(c.item.casefold(), c.item)
    return [c if spelling[c.item.casefold()] == c.item else replace(c, item=spelling[c.item.casefold()])
            for c in found]


def order(found: list[Candidate]) -> list[Candidate]:
    return sorted(found, key=lambda c: (natural_key(c.item), natural_key(c.rel)))


def sort_into(what: Candidate | Refusal | None, found: list[Candidate], refused: list[Refusal]) -> None:
    if isinstance(what, Candidate):
        found.append(what)
    elif what is not None:
        refused.append(what)


def classify(src: Path, path: Path, profile: Profile) -> Candidate | Refusal | None:
    """One file under ``src``: a Candidate, a Refusal, or None when it is ignored silently."""
    rel = path.relative_to(src)
    if any(is_ignored(part) for part in rel.parts):
        return None
    if path.is_symlink():
        return Refusal(path, "symbolic link: not followed (copy the file into the folder instead)")
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        if suffix in CAMERA_RAW:
            return Refusal(path, "camera RAW file: export it as JPEG or TIFF first")
        return Refusal(path, f"not an image ({suffix or 'no extension'})", "skipped")
    try:
        check_name(str(rel))
        chart = _chart_scope(rel, profile)
        if chart is not None:
            st = path.stat()
            if not stat.S_ISREG(st.st_mode):   # a FIFO named like a chart would hang its hashing
                return Refusal(path, "not a regular file")
            return Candidate(path=path, rel=rel.as_posix(), item=chart, size=st.st_size,
                             mtime_ns=st.st_mtime_ns, role="chart")
        if is_clean_plate(rel.parts):
            return Refusal(path, "clean plate (a photo of the empty backdrop): used by `imgkit export` for "
                                 "white-background cut-outs, not published", "skipped")
        item = check_item(item_of(rel, profile), max_length=profile.naming.max_item_length)
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            return Refusal(path, "not a regular file")
    except Rejected as r:
        return Refusal(path, r.reason)
    except OSError as exc:
        return Refusal(path, f"cannot read: {exc.strerror}")
    return Candidate(path=path, rel=rel.as_posix(), item=item, size=st.st_size, mtime_ns=st.st_mtime_ns)


def item_of(rel: Path, profile: Profile) -> str:
    """The item number of the nearest folder above the file whose whole name the item
    pattern matches, else the item number at the start of the file's name (``Rejected`` when
    there is none)."""
    for folder in reversed(rel.parts[:-1]):
        m = re.match(profile.naming.item_pattern, folder)
        if m and m.end() == len(folder) and m.group("item"):
            return m.group("item")
    return item_from_filename(Path(rel.name).stem, profile.naming.item_pattern)


def _chart_scope(rel: Path, profile: Profile) -> str | None:
    """For a colour-chart photo, the item it calibrates ("" for the whole session); else None."""
    in_folder = profile.colour.calibration_folder and rel.parts[0] == profile.colour.calibration_folder
    named = any(fnmatch.fnmatch(rel.name.lower(), pat.lower()) for pat in profile.colour.chart_patterns)
    if not (in_folder or named):
        return None
    if in_folder or len(rel.parts) == 1:
        return ""
    try:
        item = item_of(rel, profile)
    except Rejected:
        return ""   # a chart in folders none of which is an item: the whole session
    return check_item(item, max_length=profile.naming.max_item_length)


def _refuse_link(path: Path, refused: list[Refusal]) -> bool:
    if path.is_symlink():
        refused.append(Refusal(path, "symbolic link: not followed (copy the file into the folder instead)"))
        return True
    return False
