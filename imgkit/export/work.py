"""One item's pack files for every platform that needs them, made in a worker.

Each of the item's raw originals is taken through the build's steps once per size a unit
asks for (a unit's pixels never depend on what else is made with it), and cut out once per size.
Never raises for a bad unit: a refused white image, a cap that cannot be met or a photo that
no longer decodes is a ``Made`` with a reason, and the rest of the pack is still made."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from imgkit.errors import ProfileError, Rejected
from imgkit.export import render, slices, white
from imgkit.export.encode import OverBudget, encode
from imgkit.export.names import detail_name
from imgkit.export.plan import Slot, Target, Unit
from imgkit.profile import Profile


@dataclass(frozen=True)
class ItemJob:
    item: str
    out: Path
    slots: tuple[Slot, ...]
    units: tuple[Unit, ...]


@dataclass(frozen=True)
class Made:
    unit: Unit
    name: str
    data: bytes | None = None
    quality: int | None = None
    encoder: str | None = None
    ssim: float | None = None
    size: tuple[int, int] = (0, 0)
    reason: str | None = None
    figures: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ItemDone:
    item: str
    made: tuple[Made, ...]
    ms: float
    notes: tuple[str, ...] = ()


def run_item(job: ItemJob, shop: Profile, targets: dict[str, Target]) -> ItemDone:
    start = time.perf_counter()
    slots = {s.index: s for s in job.slots}
    photos: dict[tuple[int, int], Image.Image | Rejected] = {}
    notes: list[str] = []

    def photo(index: int, width: int) -> Image.Image:
        """The slot's working picture decoded for ``width``: the same for every run and every
        set of platforms (a unit's pixels never depend on what else is made with it)."""
        if (index, width) not in photos:
            s = slots[index]
            try:
                im, n = render.working(shop, (job.out / s.raw).read_bytes(), s.calibration, width)
                photos[(index, width)] = im
                notes.extend(f"{s.raw}: {x}" for x in n)
            except Rejected as exc:
                photos[(index, width)] = exc
            except OSError as exc:
                photos[(index, width)] = Rejected(f"cannot read {s.raw}: {exc.strerror or exc}")
        got = photos[(index, width)]
        if isinstance(got, Rejected):
            raise got
        return got

    cuts: dict[tuple[int, int], object] = {}

    def product(index: int, width: int):
        """The slot's cut-out at ``width``, once for every platform of that size (a refusal too)."""
        if (index, width) not in cuts:
            s = slots[index]
            plate_path = white.plate_of(s.source)
            plate = None
            if plate_path is not None:
                plate, _ = render.working(shop, plate_path.read_bytes(), s.calibration, width)
            try:
                cuts[(index, width)] = white.cut(photo(index, width), plate)
            except white.WhiteRefused as exc:
                cuts[(index, width)] = exc
        if isinstance(cuts[(index, width)], white.WhiteRefused):
            raise cuts[(index, width)]
        return cuts[(index, width)]

    made: list[Made] = []
    for unit in job.units:
        exp = targets[unit.platform].exp
        try:
            made += _make(unit, exp, shop, photo, product, slots, job.item)
        except Rejected as exc:
            made.append(Made(unit, unit.name, reason=exc.reason))
        except white.WhiteRefused as exc:
            made.append(Made(unit, unit.name, reason=f"white background refused: {exc.reason}"))
        except OverBudget as exc:
            made.append(Made(unit, unit.name, reason=str(exc)))
        except ProfileError:
            raise
        except Exception as exc:  # a bug in one unit must not stop the pack
            made.append(Made(unit, unit.name, reason=f"could not be made ({type(exc).__name__}: {exc})"))
    return ItemDone(job.item, tuple(made), (time.perf_counter() - start) * 1000, tuple(dict.fromkeys(notes)))


def _encoded(unit: Unit, name: str, image: Image.Image, exp, cap: int, floor: int = 0, figures=None) -> Made:
    e = encode(image, exp, max_bytes=cap, min_bytes=floor)
    return Made(unit, name, e.data, e.quality, e.encoder, e.ssim, image.size, figures=figures or {})


def _make(unit: Unit, exp, shop: Profile, photo, product, slots: dict[int, Slot], item: str) -> list[Made]:
    if unit.kind == "main":
        image = render.main_image(shop, photo(unit.slots[0], exp.main_size), exp.main_size, mark=exp.main_watermark)
        return [_encoded(unit, unit.name, image, exp, exp.main_max_bytes)]
    if unit.kind == "tall":
        image = render.tall_image(shop, photo(unit.slots[0], exp.tall_width), exp.tall_width, exp.tall_height,
                                  mark=exp.main_watermark)
        return [_encoded(unit, unit.name, image, exp, exp.main_max_bytes)]
    if unit.kind == "white":
        index, cut = _first_cut(unit.slots, exp.main_size, product)
        image, figures = white.white_image(cut, exp.main_size, exp.white_fill)
        return [_encoded(unit, unit.name, image, exp, exp.white_max_bytes or exp.main_max_bytes,
                         exp.white_min_bytes, {"photo": index, **figures})]
    width = slices.content_width(shop, exp)
    blocks = [render.detail_block(shop, photo(i, exp.detail_width), slots[i].decoration, width,
                                  mark=exp.detail_watermark) for i in unit.slots]
    cut = slices.cut(shop, exp, item, blocks, [slots[i].decoration for i in unit.slots])
    if exp.detail_max_count and len(cut) > exp.detail_max_count:
        raise Rejected(f"the description needs {len(cut)} slices of at most {exp.detail_slice_height} px, "
                       f"the platform takes at most {exp.detail_max_count}")
    return [_encoded(unit, detail_name(exp, item, n), im, exp, exp.detail_max_bytes) for n, im in enumerate(cut, 1)]


def _first_cut(indices: tuple[int, ...], size: int, product) -> tuple[int, object]:
    """The first of the item's photos (in index order) whose cut-out is made, and that cut-out;
    ``WhiteRefused`` with the first photo's reason when none is."""
    first: white.WhiteRefused | None = None
    for index in indices:
        try:
            return index, product(index, size)
        except white.WhiteRefused as exc:
            first = first or exc
        except Rejected as exc:   # this photo no longer decodes: the next may
            first = first or white.WhiteRefused(exc.reason)
    if first is None:
        raise white.WhiteRefused("the item has no photo")
    more = f" (the item's {len(indices) - 1} other photo{'s' if len(indices) > 2 else ''} neither)" \
        if len(indices) > 1 else ""
    raise white.WhiteRefused(first.reason + more)

