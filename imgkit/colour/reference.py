"""Reference colour sets: the shipped ColorChecker Classic 24, or the shop's own swatches.

``load_reference(spec)`` takes a shipped name (``colorchecker24``, the default) or a path:

- ``.csv`` with columns ``index,name,L,a,b`` (Lab D50; ``#`` lines are comments) and 24 rows:
  another batch of the 24-patch chart, found in photos like the shipped one;
- ``.toml`` swatch file, for measured fabric swatches held into the frame::

      name = "Spring fabrics"
      white = "D50"                      # the Lab values' white: D50 (default) or D65
      [[swatch]]
      name = "navy twill"
      lab = [25.1, 3.2, -20.5]           # or srgb = "#1c2a4a" / srgb = [28, 42, 74]
      box = [120, 340, 60, 60]           # x, y, w, h in the photo, after EXIF orientation

  Swatches are not searched for: each needs its ``box`` (studio set-ups do not move).
"""

from __future__ import annotations

import csv
import io
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from imgkit.colour import conversions as colour
from imgkit.errors import ConfigError, plain
from imgkit.imaging.colours import HEX, rgb_of

BUILTIN = {"colorchecker24": "colorchecker24.csv"}
ALIASES = {"colorchecker": "colorchecker24", "classic24": "colorchecker24", "cc24": "colorchecker24"}
#: a swatch whose reference chroma C*ab is below this is neutral (used for the tone curve)
NEUTRAL_CHROMA = 4.0


@dataclass(frozen=True)
class Reference:
    """Named reference colours (Lab D50) and how to find them in a photo."""

    name: str
    names: tuple[str, ...]
    lab: np.ndarray                     # (N, 3) CIELAB D50
    boxes: tuple[tuple[int, int, int, int] | None, ...] = ()
    chart: bool = False                 # laid out as the 24-patch chart (detected automatically)

    @property
    def linear(self) -> np.ndarray:
        """Reference colours as linear sRGB (D65 white, Bradford-adapted; unclipped)."""
        return colour.lab_to_linear(self.lab)

    @property
    def neutrals(self) -> tuple[int, ...]:
        """Indices of the grey swatches (C*ab < 4), lightest first."""
        chroma = np.hypot(self.lab[:, 1], self.lab[:, 2])
        idx = [i for i in np.argsort(-self.lab[:, 0]) if chroma[i] < NEUTRAL_CHROMA]
        return tuple(int(i) for i in idx)

    @property
    def white(self) -> int | None:
        """The lightest neutral swatch if it is light enough (L* ≥ 85) to stand for white."""
        n = self.neutrals
        return n[0] if n and self.lab[n[0], 0] >= 85 else None


def shipped() -> list[str]:
    return sorted(BUILTIN)


def load_reference(spec: str | Path = "colorchecker24") -> Reference:
    """A shipped reference by name, or a ``.csv``/``.toml`` file; ``ConfigError`` naming the problem."""
    key = ALIASES.get(str(spec).lower(), str(spec).lower())
    if key in BUILTIN:
        text = resources.files("imgkit.data").joinpath(BUILTIN[key]).read_text(encoding="utf-8")
        return _from_csv(text, key, key)
    path = Path(spec)
    if not path.is_file():
        raise ConfigError(f"reference {spec!r}: not a shipped name ({', '.join(shipped())}) nor a file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"reference {path}: cannot be read ({plain(exc)})") from None
    if path.suffix.lower() == ".csv":
        return _from_csv(text, path.stem, str(path))
    if path.suffix.lower() == ".toml":
        return _from_toml(text, str(path))
    raise ConfigError(f"reference {path}: expected a .csv or .toml file")


def _from_csv(text: str, name: str, where: str) -> Reference:
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
    try:
        rows.sort(key=lambda r: int(r["index"]))
        lab = np.array([[float(r["L"]), float(r["a"]), float(r["b"])] for r in rows])
        names = tuple(r["name"] for r in rows)
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"reference {where}: expected columns index,name,L,a,b with numbers ({exc})") from None
    if len(rows) != 24 or [int(r["index"]) for r in rows] != list(range(24)):
        raise ConfigError(f"reference {where}: expected the 24 patches indexed 0..23, got {len(rows)} rows")
    return Reference(name=name, names=names, lab=lab, chart=True)


def _from_toml(text: str, where: str) -> Reference:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"reference {where}: not valid TOML ({exc})") from None
    white = data.get("white", "D50")
    if white not in ("D50", "D65"):
        raise ConfigError(f"reference {where}: white: expected 'D50' or 'D65', got {white!r}")
    swatches = data.get("swatch")
    if not isinstance(swatches, list) or not swatches:
        raise ConfigError(f"reference {where}: expected at least one [[swatch]] table")
    names, labs, boxes = [], [], []
    for n, sw in enumerate(swatches, 1):
        here = f"reference {where}: swatch {n}"
        if not isinstance(sw.get("name"), str) or not sw["name"]:
            raise ConfigError(f"{here}: name: expected a non-empty string")
        here = f"reference {where}: swatch {sw['name']!r}"
        if ("lab" in sw) == ("srgb" in sw):
            raise ConfigError(f"{here}: give exactly one of lab = [L, a, b] or srgb = \"#rrggbb\"")
        if "lab" in sw:
            lab = _numbers(sw["lab"], 3, f"{here}: lab")
            if white == "D65":
                lab = colour.xyz_to_lab(colour.D65_TO_D50 @ colour.lab_to_xyz(lab, white="D65"))
        else:
            lab = colour.srgb_to_lab(_srgb(sw["srgb"], f"{here}: srgb"))
        box = sw.get("box")
        if box is not None:
            box = tuple(int(v) for v in _numbers(box, 4, f"{here}: box"))
            if box[2] < 3 or box[3] < 3 or min(box[:2]) < 0:
                raise ConfigError(f"{here}: box: expected [x, y, w, h] with x, y >= 0 and w, h >= 3, got {list(box)}")
        unknown = set(sw) - {"name", "lab", "srgb", "box"}
        if unknown:
            raise ConfigError(f"{here}: unknown key(s) {', '.join(sorted(unknown))}")
        names.append(sw["name"])
        labs.append(np.asarray(lab, float))
        boxes.append(box)
    return Reference(name=str(data.get("name") or Path(where).stem), names=tuple(names),
                     lab=np.array(labs), boxes=tuple(boxes), chart=False)


def _numbers(value, n: int, where: str) -> np.ndarray:
    if not isinstance(value, list) or len(value) != n or not all(isinstance(v, (int, float)) for v in value):
        raise ConfigError(f"{where}: expected {n} numbers, got {value!r}")
    return np.asarray(value, float)


def _srgb(value, where: str) -> np.ndarray:
    if isinstance(value, str) and HEX.fullmatch(value):
        return np.array(rgb_of(value), np.uint8)
    arr = _numbers(value, 3, where)
    if arr.min() < 0 or arr.max() > 255:
        raise ConfigError(f"{where}: expected values 0..255, got {value!r}")
    return np.round(arr).astype(np.uint8)
