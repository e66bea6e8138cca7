"""A calibration as a file: the fitted correction and its evidence (``Calibration``), written
as JSON with its diagnostic PNG, read back, identified by a short hash of its content, and
applied to a whole image in one vectorised pass."""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

from imgkit import __version__
from imgkit.colour import ccm
from imgkit.errors import ConfigError, plain
from imgkit.store.files import atomic_write

SCHEMA = 1
KIND = "imgkit-calibration"


@dataclass(frozen=True)
class Patch:
    """One reference colour as found in the chart photo."""

    index: int
    name: str
    centre: tuple[float, float]          # x, y in the photo after EXIF orientation
    measured_srgb: tuple[float, float, float]
    reference_lab: tuple[float, float, float]
    corrected_srgb: tuple[float, float, float]
    delta_e_before: float
    delta_e_after: float                 # fit on every usable patch
    delta_e_loo: float                   # fit that never saw this patch (NaN when clipped: never fitted)
    clipped: bool = False


@dataclass(frozen=True)
class Calibration:
    """A fitted colour correction and the evidence for it; apply with :func:`apply_calibration`."""

    fit: ccm.Fit
    reference: str
    source_sha256: str
    patches: tuple[Patch, ...]
    methods: dict                        # method -> {"loo_mean": .., "loo_max": ..}
    detection: dict                      # how (detected/corners/boxes), score, corners
    source: str = ""
    size: tuple[int, int] = (0, 0)       # photo width, height after orientation

    @property
    def method(self) -> str:
        return self.fit.method

    def figures(self, key: str) -> np.ndarray:
        """Every patch's ΔE2000 of ``key`` (``delta_e_before``, ``_after`` or ``_loo``), clipped ones
        included: a clipped patch was never fitted, so its ΔE after correction is already a
        held-out figure and stands as its leave-one-out value too."""
        vals = []
        for p in self.patches:
            v = getattr(p, key)
            vals.append(p.delta_e_after if key == "delta_e_loo" and np.isnan(v) else v)
        return np.asarray(vals, np.float64)

    def stat(self, key: str, how) -> float:
        vals = self.figures(key)
        return float(how(vals)) if vals.size else float("nan")

    @property
    def summary(self) -> dict:
        """Mean and max ΔE2000 before, after (in-sample: the fit saw the patch) and leave-one-out
        (the calibration's figure: each patch predicted by a fit that never saw it), over every
        patch, clipped ones counted; ``clipped`` lists those (0-based indices)."""
        out = {}
        for key, label in (("delta_e_before", "before"), ("delta_e_after", "after"), ("delta_e_loo", "loo")):
            out[f"mean_{label}"] = round(self.stat(key, np.mean), 3)
            out[f"max_{label}"] = round(self.stat(key, np.max), 3)
        out["patches"] = len(self.patches)
        out["clipped"] = [p.index for p in self.patches if p.clipped]
        return out

    def to_json(self) -> dict:
        return {"schema": SCHEMA, "kind": KIND, "imgkit": __version__, **self.fit.to_json(),
                "reference": self.reference,
                "source": {"path": self.source, "sha256": self.source_sha256, "size": list(self.size)},
                "detection": self.detection, "methods": self.methods, "summary": self.summary,
                "patches": [_patch_json(p) for p in self.patches]}


def _patch_json(p: Patch) -> dict:
    r = lambda v, n=2: [round(float(x), n) for x in v]  # noqa: E731
    return {"index": p.index, "name": p.name, "centre": r(p.centre, 1), "measured_srgb": r(p.measured_srgb, 1),
            "reference_lab": r(p.reference_lab), "corrected_srgb": r(p.corrected_srgb, 1),
            "delta_e_before": round(p.delta_e_before, 3), "delta_e_after": round(p.delta_e_after, 3),
            "delta_e_loo": None if np.isnan(p.delta_e_loo) else round(p.delta_e_loo, 3), "clipped": p.clipped}


def save_calibration(cal: Calibration, path: Path, rgb: np.ndarray | None = None) -> Path | None:
    """Write the calibration JSON atomically; with the photo's pixels, the diagnostic PNG beside it."""
    atomic_write(path, (json.dumps(cal.to_json(), indent=1, ensure_ascii=False) + "\n").encode("utf-8"))
    if rgb is None:
        return None
    from imgkit.colour.diagnostic import diagnostic
    png = path.with_suffix(".png")
    buf = io.BytesIO()
    diagnostic(rgb, cal).save(buf, "PNG", optimize=False)
    atomic_write(png, buf.getvalue())
    return png


def load_calibration(path: str | Path) -> Calibration:
    """Read a calibration JSON written by ``imgkit calibrate``; ``ConfigError`` if it is not one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"calibration {path}: cannot be read ({plain(exc)})") from None
    if not isinstance(data, dict) or data.get("kind") != KIND or data.get("schema") != SCHEMA:
        raise ConfigError(f"calibration {path}: not an imgkit calibration (expected kind {KIND!r}, schema {SCHEMA})")
    try:
        fit = ccm.Fit.from_json(data)
        patches = tuple(Patch(index=p["index"], name=p["name"], centre=tuple(p["centre"]),
                              measured_srgb=tuple(p["measured_srgb"]), reference_lab=tuple(p["reference_lab"]),
                              corrected_srgb=tuple(p["corrected_srgb"]), delta_e_before=p["delta_e_before"],
                              delta_e_after=p["delta_e_after"],
                              delta_e_loo=float("nan") if p["delta_e_loo"] is None else p["delta_e_loo"],
                              clipped=p["clipped"]) for p in data["patches"])
        src = data["source"]
        return Calibration(fit=fit, reference=data["reference"], source_sha256=src["sha256"], patches=patches,
                           methods=data["methods"], detection=data["detection"], source=src["path"],
                           size=tuple(src["size"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"calibration {path}: malformed ({exc})") from None


def apply_calibration(rgb_uint8: np.ndarray, cal: Calibration) -> np.ndarray:
    """Correct a uint8 sRGB image (H, W, 3) with ``cal``: one vectorised pass, uint8 out (the hot path)."""
    return ccm.apply(cal.fit, rgb_uint8)


def apply_to_image(im: Image.Image, cal: Calibration) -> Image.Image:
    """Convenience for Pillow images (RGB or RGBA; alpha kept)."""
    alpha = im.getchannel("A") if im.mode == "RGBA" else None
    out = Image.fromarray(apply_calibration(np.asarray(im.convert("RGB")), cal), "RGB")
    if alpha is not None:
        out.putalpha(alpha)
    return out


def calibration_id(path: Path) -> str:
    """Short hash of a calibration file's content: joins its outputs' fingerprint."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


@lru_cache(maxsize=8)
def _load_cached(path: Path) -> Calibration:
    return load_calibration(path)


def calibration_of(path: Path | None) -> Calibration | None:
    """The calibration at ``path`` (read once per process), or None for no calibration."""
    return None if path is None else _load_cached(path)
