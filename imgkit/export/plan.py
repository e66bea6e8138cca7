"""What each item's pack holds per platform, and what of it is already made.

A pack is a list of ``Unit``s: one per carousel image (``main``; ``white``, the white-background
image, at ``[export] white_index``; ``tall``, the optional 3:4 images) and one ``detail`` unit
for the description (all its slices, made together). Each unit knows the slots it is made from
(``made_from``: their content SHA-256s, colour calibration and decoration), so comparing with
the state's ``exports`` rows tells what is up to date, what must be made and what is gone.

Which photo goes where: the item's published images in index order fill the carousel; the
white-background image is cut out of the first one whose cut-out is made (the first photo,
else the next: a first photo that runs out of the frame does not cost the item its white
image when a later one shows the product whole). Where the white image comes first (JD,
Amazon MAIN) the photos follow from the second image on, so the first photo is not shown twice.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from imgkit.detail.decoration import Decoration
from imgkit.export.names import main_name, tall_name
from imgkit.profile import Export, Profile
from imgkit.store.files import sha256_file
from imgkit.store.state import ExportRow

#: bump when pack images are made differently, so every pack is made again
EXPORT_VERSION = 1
KINDS = ("main", "white", "tall", "detail")


@dataclass(frozen=True)
class Slot:
    """One published image of an item, as the state records it."""

    index: int
    sha256: str
    raw: str               # its raw copy, relative to OUT
    source: str            # the source file it was made from (in SRC), as recorded
    calibration: str = ""  # the colour calibration JSON applied (a path), or ""
    cal_id: str = ""
    decoration: str = ""   # JSON of what the build drew on it

    @property
    def made_from(self) -> str:
        return self.sha256 + (f"+{self.cal_id}" if self.cal_id else "")


@dataclass(frozen=True)
class Target:
    """One platform to export for: its name (OUT/export/<platform>) and its [export] section."""

    platform: str
    exp: Export
    profile_name: str
    settings: str          # hash of everything that shapes this platform's files


@dataclass(frozen=True)
class Unit:
    platform: str
    item: str
    kind: str              # main, white, tall or detail
    name: str              # relative to OUT/export/<platform>; "" for the description (named as cut)
    slots: tuple[int, ...]
    made_from: str
    position: int = 0      # in the carousel (main, white) or among the tall images

    @property
    def label(self) -> str:
        return self.name or "description"


def settings_hash(shop: Profile, exp: Export, encoder: str) -> str:
    """What shapes a platform's files besides their sources: the shop's rendering (fingerprint:
    decode, colour, watermark), its page template, the [export] section and the encoder."""
    section = {k: v for k, v in asdict(exp).items() if k != "source"}
    blob = json.dumps([EXPORT_VERSION, shop.fingerprint, section, asdict(shop.page), shop.detail.background,
                       encoder], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def units(target: Target, item: str, slots: list[Slot], key: str, shop: Profile,
          plate: str = "") -> list[Unit]:
    """The files of ``item``'s pack for ``target`` (``key``: its name in a flat layout;
    ``plate``: the content hash of the clean plate its white image is cut out with, if any)."""
    exp, p = target.exp, target.platform
    if not slots:
        return []
    by_index = sorted(slots, key=lambda s: s.index)
    photos = by_index[1:] if exp.white_index == 1 else list(by_index)
    out: list[Unit] = []
    shown: list[Slot] = []
    for position in range(1, exp.main_count + 1):
        name = main_name(exp, item, key, position)
        if position == exp.white_index:   # every photo, in order: the first that cuts out is used
            made_from = ",".join(s.made_from for s in by_index) + (f"|{plate}" if plate else "")
            out.append(Unit(p, item, "white", name, tuple(s.index for s in by_index), made_from, position))
        elif photos:
            s = photos.pop(0)
            shown.append(s)
            out.append(Unit(p, item, "main", name, (s.index,), s.made_from, position))
    if exp.tall_width and exp.tall_height and exp.layout == "item":
        for n, s in enumerate(shown, 1):
            out.append(Unit(p, item, "tall", tall_name(exp, item, n), (s.index,), s.made_from, n))
    if exp.detail_width and exp.layout == "item":
        drawn = [f"{s.made_from}#{Decoration.from_json(s.decoration or None).key(shop)}" for s in by_index]
        out.append(Unit(p, item, "detail", "", tuple(s.index for s in by_index), ";".join(drawn)))
    return out


def up_to_date(unit: Unit, settings: str, rows: dict[str, ExportRow], root: Path) -> list[ExportRow] | None:
    """The unit's recorded rows when they were made from the same inputs and settings and the
    files are there as made (a refused white image: its row); None when it must be made."""
    if unit.kind == "detail":
        mine = [r for r in rows.values() if r.item == unit.item and r.kind == "detail"]
    else:
        mine = [rows[unit.name]] if unit.name in rows else []
    if not mine or any(r.source_sha256s != unit.made_from or r.settings_hash != settings for r in mine):
        return None
    for r in mine:
        if r.sha256 is None:
            if not r.reason:
                return None
            continue
        path = root / r.name
        try:
            if path.stat().st_size != r.bytes or sha256_file(path) != r.sha256:
                return None
        except OSError:
            return None
    return mine
