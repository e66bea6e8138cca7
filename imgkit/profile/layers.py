"""Profiles layer over the shop's defaults: a profile is read over the one it ``extends``
(a shipped name, or a path relative to the extending file), and a profile that names none
extends the shipped ``default.toml``, the root of every chain. A key a profile does not
mention takes its base's value, so a profile that only changes ``[facts] layout`` keeps the
shop's watermark. ``load`` merges the layers; this module only finds and reads them.
"""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imgkit.errors import ProfileError

#: the shipped profile every chain ends in
ROOT = "default"


def _shipped_dir() -> Path:
    beside = Path(__file__).resolve().parents[2] / "profiles"   # a checkout / editable install
    installed = Path(sys.prefix) / "share" / "imgkit" / "profiles"  # a plain pip install
    return beside if beside.is_dir() else installed


SHIPPED_DIR = _shipped_dir()


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


@dataclass(frozen=True)
class Layer:
    path: Path                 # the file, resolved
    data: dict[str, Any]       # its TOML as read


def read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"{path}: profile file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: cannot read profile ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML ({exc})") from None


def chain(path: Path) -> list[Layer]:
    """The layers of the profile at ``path``: the root (``default.toml``) first, the profile
    itself last. A cycle of ``extends`` is a ``ProfileError`` naming every file in it."""
    root = shipped().get(ROOT)
    layers: list[Layer] = []
    seen: list[Path] = []
    while True:
        real = path.resolve()
        if real in seen:
            loop = " -> ".join(str(p) for p in [*seen[seen.index(real):], real])
            raise ProfileError(f"{seen[0]}: extends makes a cycle: {loop}")
        seen.append(real)
        data = read(path)
        layers.append(Layer(real, data))
        base = data.get("extends")
        if base is None:
            if root is None:
                raise ProfileError(f"{path}: the shipped profile {ROOT}.toml it layers over is missing "
                                   f"from {SHIPPED_DIR}; reinstall imgkit")
            if real == root.resolve():
                break
            path = root
            continue
        if not isinstance(base, str) or not base.strip():
            raise ProfileError(f"{real}: extends must name a profile (a shipped name or a .toml path), got {base!r}")
        path = _base(base, real)
    return layers[::-1]


def _base(spec: str, extending: Path) -> Path:
    """``extends = spec`` in the file ``extending``: a shipped name, else a path relative to that file."""
    if spec in shipped():
        return shipped()[spec]
    path = Path(spec)
    path = path if path.is_absolute() else extending.parent / path
    if not path.is_file():
        names = ", ".join(shipped()) or "none"
        raise ProfileError(f"{extending}: extends {spec!r}: no such file ({path}) and not a shipped profile "
                           f"(shipped: {names})")
    return path
