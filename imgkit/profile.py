"""Profiles: the shop's rules in TOML, loaded into frozen dataclasses.

Unknown keys, wrong types, bad values and missing assets are ``ProfileError`` naming the
file and the key. Asset paths are relative to the profile file.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import ProfileError

def _shipped_dir() -> Path:
    beside = Path(__file__).resolve().parent.parent / "profiles"   # a checkout / editable install
    installed = Path(sys.prefix) / "share" / "imgkit" / "profiles"  # a plain pip install
    return beside if beside.is_dir() else installed


SHIPPED_DIR = _shipped_dir()
POSITIONS = ("top-left", "top-right", "bottom-left", "bottom-right", "center")
FORMATS = ("JPEG", "MPO", "PNG", "WEBP", "TIFF", "BMP", "GIF", "AVIF", "PSD", "JPEG2000")
#: bump when the rendering changes, so outputs made by an older imgkit are re-rendered
PIPELINE_VERSION = 1


def _check(ok: bool, expected: str):
    return None if ok else expected


@dataclass(frozen=True)
class Naming:
    template: str = "{item}-{index:02d}"
    start: int = field(default=1, metadata={"check": lambda v: _check(v >= 0, ">= 0")})
    item_pattern: str = r"^(?P<item>[A-Za-z]*\d+[A-Za-z0-9]*)"
    max_item_length: int = field(default=64, metadata={"check": lambda v: _check(1 <= v <= 128, "1..128")})


@dataclass(frozen=True)
class Input:
    formats: tuple[str, ...] = ("JPEG", "MPO", "PNG", "WEBP", "TIFF", "BMP", "AVIF")
    max_pixels: int = field(default=100_000_000, metadata={"check": lambda v: _check(v > 0, "> 0")})
    max_bytes: int = field(default=300_000_000, metadata={"check": lambda v: _check(v > 0, "> 0")})
    multi_frame: str = field(default="reject", metadata={"check": lambda v: _check(v in ("reject", "first"), "'reject' or 'first'")})


@dataclass(frozen=True)
class Detail:
    width: int = field(default=710, metadata={"check": lambda v: _check(16 <= v <= 10000, "16..10000")})
    allow_upscale: bool = False
    quality: int = field(default=90, metadata={"check": lambda v: _check(1 <= v <= 100, "1..100")})
    subsampling: str = field(default="4:2:0", metadata={"check": lambda v: _check(v in ("4:4:4", "4:2:2", "4:2:0"), "'4:4:4', '4:2:2' or '4:2:0'")})
    background: str = field(default="#ffffff", metadata={"check": lambda v: _check(bool(re.fullmatch(r"#[0-9a-fA-F]{6}", v)), "a colour like '#ffffff'")})


@dataclass(frozen=True)
class Watermark:
    image: str = ""
    text: str = ""
    font: str = ""
    opacity: float = field(default=0.6, metadata={"check": lambda v: _check(0 < v <= 1, "0 < opacity <= 1")})
    width: float = field(default=0.22, metadata={"check": lambda v: _check(0 < v <= 1, "a fraction of the image width, 0 < w <= 1")})
    position: str = field(default="bottom-right", metadata={"check": lambda v: _check(v in POSITIONS, " / ".join(POSITIONS))})
    margin: float = field(default=0.03, metadata={"check": lambda v: _check(0 <= v < 0.5, "0 <= margin < 0.5")})
    color: str = field(default="#ffffff", metadata={"check": lambda v: _check(bool(re.fullmatch(r"#[0-9a-fA-F]{6}", v)), "a colour like '#ffffff'")})


@dataclass(frozen=True)
class Master:
    enabled: bool = False


@dataclass(frozen=True)
class Backup:
    dir: str = ""


SECTIONS = {"naming": Naming, "input": Input, "detail": Detail, "watermark": Watermark,
            "master": Master, "backup": Backup}


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
    fingerprint: str = ""

    def asset(self, rel: str) -> Path:
        return (self.path.parent / rel).resolve()


def shipped() -> dict[str, Path]:
    """Shipped profile names mapped to their files."""
    return {p.stem: p for p in sorted(SHIPPED_DIR.glob("*.toml"))}


def resolve(spec: str) -> Path:
    """``-p`` takes a shipped name or a path."""
    if spec in shipped():
        return shipped()[spec]
    path = Path(spec)
    if path.suffix == ".toml" or path.exists():
        return path
    names = ", ".join(shipped()) or "none"
    raise ProfileError(f"profile {spec!r}: no such file and not a shipped profile (shipped: {names})")


def load(spec: str = "default") -> Profile:
    path = resolve(spec)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"{path}: profile file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: cannot read profile ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML ({exc})") from None
    top = {"name": str, "description": str}
    for key in data:
        if key not in top and key not in SECTIONS:
            raise ProfileError(f"{path}: unknown key {key!r} (known: {', '.join([*top, *SECTIONS])})")
    for key, typ in top.items():
        if key in data and not isinstance(data[key], typ):
            raise ProfileError(f"{path}: {key} must be a string")
    parts = {}
    for name, cls in SECTIONS.items():
        raw = data.get(name, {})
        if not isinstance(raw, dict):
            raise ProfileError(f"{path}: {name} must be a table ([{name}])")
        parts[name] = _section(cls, raw, name, path)
    profile = Profile(name=data.get("name", path.stem), path=path.resolve(),
                      description=data.get("description", ""), **parts)
    _validate(profile)
    return _with_fingerprint(profile)


_TYPES = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}


def _section(cls, raw: dict[str, Any], name: str, path: Path):
    known = {f.name: f for f in fields(cls)}
    values = {}
    for key, value in raw.items():
        if key not in known:
            raise ProfileError(f"{path}: unknown key [{name}] {key!r} (known: {', '.join(known)})")
        f = known[key]
        typ = {"int": int, "float": float, "str": str, "bool": bool}.get(f.type, tuple)
        if typ is tuple:
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
    return cls(**values)


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
    wm = p.watermark
    if wm.image and wm.text:
        raise ProfileError(f"{where}: [watermark] set either image or text, not both")
    for key in ("image", "font"):
        rel = getattr(wm, key)
        if rel and not p.asset(rel).is_file():
            raise ProfileError(f"{where}: [watermark] {key}: asset {p.asset(rel)} not found")


def _with_fingerprint(p: Profile) -> Profile:
    """Hash of everything that shapes an output, assets included, so a change re-renders."""
    h = hashlib.sha256(str(PIPELINE_VERSION).encode())
    for name in ("naming", "input", "detail", "watermark", "master"):
        h.update(json.dumps({name: asdict(getattr(p, name))}, sort_keys=True).encode())
    for rel in (p.watermark.image, p.watermark.font):
        if rel:
            h.update(p.asset(rel).read_bytes())
    return Profile(**{**{f.name: getattr(p, f.name) for f in fields(p)}, "fingerprint": h.hexdigest()[:16]})
