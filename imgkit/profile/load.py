"""Profiles: the shop's rules in TOML, loaded into frozen dataclasses.

A profile is layered over the one it ``extends`` (by default the shipped ``default.toml``,
see ``layers``): keys it does not mention keep the base's value. Unknown keys, wrong types,
bad values and missing assets are ``ProfileError`` naming the file and the key. Asset paths
are relative to the profile file that sets them.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from imgkit.errors import ProfileError
from imgkit.profile.layers import SHIPPED_DIR, Layer, chain, resolve, shipped
from imgkit.profile.sections import (
    FACT_FIELDS,
    FORMATS,
    Backup,
    Captions,
    Colour,
    Detail,
    Export,
    Facts,
    Input,
    MainImage,
    Marks,
    Master,
    Naming,
    Page,
    Sheet,
    Validate,
    Watermark,
)

__all__ = ["PIPELINE_VERSION", "SECTIONS", "SHIPPED_DIR", "ASSET_KEYS", "Profile", "load", "resolve", "shipped"]

#: bump when the rendering changes, so outputs made by an older imgkit are re-rendered
PIPELINE_VERSION = 1

SECTIONS = {"naming": Naming, "input": Input, "detail": Detail, "watermark": Watermark,
            "master": Master, "backup": Backup, "main_image": MainImage, "colour": Colour,
            "validate": Validate, "sheet": Sheet, "facts": Facts, "captions": Captions, "mark": Marks, "page": Page,
            "export": Export}
#: keys naming a file, relative to the profile file that sets the key
ASSET_KEYS = ("watermark.image", "watermark.font", "main_image.font")


@dataclass(frozen=True)
class Profile:
    name: str
    path: Path
    description: str = ""
    naming: Naming = Naming()
    input: Input = Input()
    detail: Detail = Detail()
    watermark: Watermark = Watermark()
    master: Master = Master()
    backup: Backup = Backup()
    main_image: MainImage = MainImage()  # not in the fingerprint: detail images ignore it
    colour: Colour = Colour()
    validate: Validate = Validate()  # not in the fingerprint: checks only, renders nothing
    # not in the fingerprint: they shape only decorated images, whose decoration key holds them
    sheet: Sheet = Sheet()
    facts: Facts = Facts()
    captions: Captions = Captions()
    mark: Marks = Marks()
    page: Page = Page()  # not in the fingerprint: the page renders no detail image
    export: Export = Export()  # not in the fingerprint: only `imgkit export` reads it
    fingerprint: str = ""
    # ("section.key", folder) of asset keys set by a base profile in another folder
    asset_dirs: tuple[tuple[str, Path], ...] = ()

    def asset(self, rel: str, key: str = "") -> Path:
        """``rel`` as a file: relative to the folder of the profile file that set ``key``
        (one of ``ASSET_KEYS``), this profile's own folder when it set it or no key is given."""
        return (dict(self.asset_dirs).get(key, self.path.parent) / rel).resolve()


def load(spec: str = "default") -> Profile:
    path = resolve(spec)
    layers = chain(path)
    merged: dict[str, dict[str, Any]] = {name: {} for name in SECTIONS}
    folders: dict[str, Path] = {}
    for layer in layers:
        for name, values in _layer_values(layer).items():
            if name == "watermark":  # image and text are alternatives: setting one drops the base's other
                for key, other in (("image", "text"), ("text", "image")):
                    if values.get(key) and other not in values:
                        merged[name].pop(other, None)
            merged[name].update(values)
            folders.update({f"{name}.{key}": layer.path.parent for key in values if f"{name}.{key}" in ASSET_KEYS})
    leaf = layers[-1]
    parts = {name: cls(**merged[name]) for name, cls in SECTIONS.items()}
    asset_dirs = tuple(sorted((k, d) for k, d in folders.items() if d != leaf.path.parent))
    profile = Profile(name=leaf.data.get("name", path.stem), path=leaf.path,
                      description=leaf.data.get("description", ""), asset_dirs=asset_dirs, **parts)
    _validate(profile)
    _validate_page(profile)
    return _with_fingerprint(profile)


def _layer_values(layer: Layer) -> dict[str, dict[str, Any]]:
    """The sections one file sets, each key checked and converted; errors name that file."""
    data, path = layer.data, layer.path
    top = {"name": str, "description": str, "extends": str}
    for key in data:
        if key not in top and key not in SECTIONS:
            raise ProfileError(f"{path}: unknown key {key!r} (known: {', '.join([*top, *SECTIONS])})")
    for key, typ in top.items():
        if key in data and not isinstance(data[key], typ):
            raise ProfileError(f"{path}: {key} must be a string")
    out = {}
    for name, cls in SECTIONS.items():
        raw = data.get(name, {})
        if not isinstance(raw, dict):
            raise ProfileError(f"{path}: {name} must be a table ([{name}])")
        out[name] = _section(cls, raw, name, path)
    return out


_TYPES = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}


def _section(cls, raw: dict[str, Any], name: str, path: Path) -> dict[str, Any]:
    known = {f.name: f for f in fields(cls)}
    values = {}
    for key, value in raw.items():
        if key not in known:
            raise ProfileError(f"{path}: unknown key [{name}] {key!r} (known: {', '.join(known)})")
        f = known[key]
        typ = {"int": int, "float": float, "str": str, "bool": bool}.get(f.type, tuple)
        if "parse" in f.metadata:   # a key with its own shape, e.g. [colour] chart_corners
            value, problem = f.metadata["parse"](value)
            if problem:
                raise ProfileError(f"{path}: [{name}] {key} must be {problem}, got {value!r}")
        elif typ is tuple:
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise ProfileError(f"{path}: [{name}] {key} must be a list of strings, got {value!r}")
            value = tuple(value)
        elif typ is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        elif not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
            raise ProfileError(f"{path}: [{name}] {key} must be {_TYPES[typ]}, got {value!r}")
        check = f.metadata.get("check")
        problem = check(value) if check else None
        if problem:
            raise ProfileError(f"{path}: [{name}] {key} = {value!r} is out of range (expected {problem})")
        values[key] = value
    return values


def _validate(p: Profile) -> None:
    where = p.path
    try:
        sample = p.naming.template.format(item="A1023", index=1)
    except (KeyError, IndexError, ValueError) as exc:
        raise ProfileError(f"{where}: [naming] template {p.naming.template!r} is not valid ({exc})") from None
    if "{item" not in p.naming.template or "{index" not in p.naming.template or "/" in sample:
        raise ProfileError(f"{where}: [naming] template must use {{item}} and {{index}} and no '/'")
    try:
        if "item" not in re.compile(p.naming.item_pattern).groupindex:
            raise ProfileError(f"{where}: [naming] item_pattern needs a group named 'item': (?P<item>...)")
    except re.error as exc:
        raise ProfileError(f"{where}: [naming] item_pattern is not a valid regex ({exc})") from None
    for fmt in p.input.formats:
        if fmt not in FORMATS:
            raise ProfileError(f"{where}: [input] formats: unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    _validate_watermark(p)
    _validate_main_image(p)
    facts = p.facts
    for name in facts.fields:
        if name not in FACT_FIELDS:
            raise ProfileError(f"{where}: [facts] fields: unknown field {name!r} (known: {', '.join(FACT_FIELDS)})")
    if len(facts.labels) != len(facts.fields):
        raise ProfileError(f"{where}: [facts] labels must name each of the {len(facts.fields)} fields, "
                           f"got {len(facts.labels)}")


def _validate_watermark(p: Profile) -> None:
    wm, where = p.watermark, p.path
    if not wm.enabled:   # no mark is drawn: its image, text and font are not needed
        return
    if wm.image and wm.text:
        raise ProfileError(f"{where}: [watermark] set either image or text, not both")
    if not wm.image and not wm.text:
        raise ProfileError(f"{where}: [watermark] has neither image nor text: every picture carries the shop's "
                           f"mark (R2); set one, or enabled = false to build without it")
    for key in ("image", "font"):
        rel = getattr(wm, key)
        if rel and not p.asset(rel, f"watermark.{key}").is_file():
            raise ProfileError(f"{where}: [watermark] {key}: asset {p.asset(rel, f'watermark.{key}')} not found")


def _validate_main_image(p: Profile) -> None:
    m, where = p.main_image, p.path
    for fmt in m.formats:
        if fmt not in ("PNG", "JPEG"):
            raise ProfileError(f"{where}: [main_image] formats: unknown format {fmt!r} (known: PNG, JPEG)")
    if m.format not in m.formats:
        raise ProfileError(f"{where}: [main_image] format {m.format!r} is not among its formats {list(m.formats)}")
    if m.square and m.width != m.height:
        raise ProfileError(f"{where}: [main_image] square = true but width {m.width} != height {m.height}")
    if m.kind != "service":
        return
    boxes = {name: m.box(name) for name in ("logo", "company", "copy")}
    for name, (x, y, w, h) in boxes.items():
        if w < 1 or h < 1 or x + w > m.width or y + h > m.height:
            raise ProfileError(f"{where}: [main_image] {name}_x/y/width/height = {x},{y},{w},{h} "
                               f"must be a non-empty box inside the {m.width}x{m.height} canvas")
    for a, b in (("logo", "company"), ("logo", "copy"), ("company", "copy")):
        (ax, ay, aw, ah), (bx, by, bw, bh) = boxes[a], boxes[b]
        if ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah:
            raise ProfileError(f"{where}: [main_image] the {a} box and the {b} box overlap")


def _validate_page(p: Profile) -> None:
    g, where = p.page, p.path
    if 2 * g.margin >= g.width:
        raise ProfileError(f"{where}: [page] margin {g.margin} leaves no room in a {g.width} px page")
    if g.band + 2 * g.margin > g.slice_height:
        raise ProfileError(f"{where}: [page] the heading band ({g.band} px) and margins must fit "
                           f"in one slice (slice_height = {g.slice_height})")


def _with_fingerprint(p: Profile) -> Profile:
    """Hash of everything that shapes an output, assets included, so a change re-renders."""
    h = hashlib.sha256(str(PIPELINE_VERSION).encode())
    for name in ("naming", "input", "detail", "watermark", "master", "colour"):
        part = asdict(getattr(p, name))
        if name == "naming":
            part.pop("order")   # which photo gets which index, not what an image looks like
        if name == "colour":
            part.pop("max_delta_e")   # a threshold validate judges by, not how an image is made
        if name == "watermark":
            # enabled = true adds nothing (fingerprints made before the key existed stay valid);
            # with enabled = false nothing of the mark reaches the output
            part = {"enabled": False} if not part.pop("enabled") else part
        h.update(json.dumps({name: part}, sort_keys=True).encode())
    for key in ("image", "font") if p.watermark.enabled else ():
        rel = getattr(p.watermark, key)
        if rel:
            h.update(p.asset(rel, f"watermark.{key}").read_bytes())
    if p.watermark.enabled and p.watermark.text and not p.watermark.image:  # the one text renderer, not boxes
        h.update(b"watermark text: text renderer 2")
    return Profile(**{**{f.name: getattr(p, f.name) for f in fields(p)}, "fingerprint": h.hexdigest()[:16]})
