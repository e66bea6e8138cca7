"""Calibration from a chart photo: find the patches, fit the correction, record it.

Read top to bottom: ``read_photo`` decodes like the detail pipeline (EXIF orientation,
embedded ICC → sRGB); ``measure`` finds the chart (or takes ``corners``, or the reference's
swatch boxes) and samples every patch; ``calibrate_photo`` fits every applicable method,
keeps the one with the lowest leave-one-out ΔE2000 and returns a frozen
:class:`Calibration`; ``save_calibration`` writes it as JSON (and the diagnostic PNG,
:mod:`.calibrate_diagnostic`); ``load_calibration`` reads it back and ``apply_calibration``
corrects a whole uint8 image in one vectorised pass.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image

from .. import __version__, imaging
from ..chart import ACCEPT_DE, COLS, ROWS, NoChartFound, Sample, find_chart, from_corners, sample_quads
from ..core import ccm, colour, falloff
from ..errors import ConfigError, Rejected
from ..files import atomic_write, sha256_bytes
from ..profile import Input
from ..reference import Reference, load_reference

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
    delta_e_loo: float                   # fit that never saw this patch (NaN when clipped)
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

    def stat(self, key: str, how) -> float:
        vals = [getattr(p, key) for p in self.patches if not p.clipped]
        return float(how(vals)) if vals else float("nan")

    @property
    def summary(self) -> dict:
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


def read_photo(source: str | Path | bytes) -> tuple[np.ndarray, str, str]:
    """uint8 sRGB pixels (after EXIF orientation and ICC → sRGB), sha256 of the bytes, and a name."""
    if isinstance(source, (bytes, bytearray)):
        data, name = bytes(source), "<bytes>"
    else:
        try:
            data, name = Path(source).read_bytes(), str(source)
        except OSError as exc:
            raise ConfigError(f"{source}: cannot be read ({exc.strerror or exc})") from None
    lim = Input()
    src = imaging.decode(data, max_pixels=lim.max_pixels, formats=lim.formats, multi_frame="first",
                         width=None, allow_upscale=True)
    im = imaging.to_srgb(imaging.working_mode(src.image), src.icc, [])
    im = imaging.orient(im, src.orientation).convert("RGB")
    return np.asarray(im), sha256_bytes(data), name


def measure(rgb: np.ndarray, ref: Reference, corners=None, *, fallback_corners=None) -> Sample:
    """The reference's patches in the photo: by their boxes, the given chart corners, or detection.

    ``fallback_corners`` (a profile's ``[colour] chart_corners``, a fixed studio set-up) are
    used only when detection finds no chart, and only if the colours inside them fit the
    chart as well as a detection must (else :class:`NoChartFound` naming both)."""
    if not ref.chart:
        missing = [n for n, b in zip(ref.names, ref.boxes) if b is None]
        if missing:
            raise ConfigError(f"reference {ref.name}: swatch(es) {', '.join(missing)} have no box = [x, y, w, h]")
        h, w = rgb.shape[:2]
        quads = []
        for name, (x, y, bw, bh) in zip(ref.names, ref.boxes):
            if x + bw > w or y + bh > h:
                raise Rejected(f"swatch {name!r}: box {x},{y},{bw},{bh} lies outside the {w}x{h} photo")
            quads.append([[x, y], [x + bw, y], [x + bw, y + bh], [x, y + bh]])
        outlines = np.array(quads, float)
        centre = outlines.mean(1, keepdims=True)
        regions = centre + (outlines - centre) * 0.6
        med, clipped = sample_quads(rgb, regions)
        return Sample(centre[:, 0], outlines, regions, med, clipped, "boxes")
    if corners is not None:
        return from_corners(rgb, corners, ref.lab)
    try:
        return find_chart(rgb, ref.lab)
    except NoChartFound as missed:
        if not fallback_corners:
            raise
        sample = from_corners(rgb, fallback_corners, ref.lab)
        if sample.score > ACCEPT_DE:
            raise NoChartFound(f"{missed.reason}; the profile's chart_corners hold no chart either (its colours "
                               f"fit the chart only to ΔE2000 {sample.score:.1f})") from None
        return replace(sample, how="profile corners")


def calibrate_photo(source: str | Path | bytes, reference: str | Path | Reference = "colorchecker24", *,
                    corners=None, fallback_corners=None, methods: tuple[str, ...] | None = None) -> Calibration:
    """Find the reference in a photo and fit the best correction (by leave-one-out ΔE2000).

    Raises :class:`imgkit.chart.NoChartFound` (a ``Rejected``) when no chart is found,
    ``Rejected`` for an unreadable photo, ``ConfigError`` for a bad reference.
    """
    rgb, sha, name = read_photo(source)
    return calibrate_pixels(rgb, reference, sha=sha, source=name, corners=corners,
                            fallback_corners=fallback_corners, methods=methods)


def calibrate_pixels(rgb: np.ndarray, reference: str | Path | Reference = "colorchecker24", *,
                     sha: str = "", source: str = "", corners=None, fallback_corners=None,
                     methods: tuple[str, ...] | None = None) -> Calibration:
    """:func:`calibrate_photo` on pixels already read by :func:`read_photo` (callers that also
    draw the diagnostic PNG decode the photo once).

    ``fallback_corners`` and ``methods`` are what a profile's ``[colour] chart_corners`` and
    ``methods`` give (see :func:`profile_options`)."""
    ref = reference if isinstance(reference, Reference) else load_reference(reference)
    sample = measure(rgb, ref, corners, fallback_corners=fallback_corners)
    return fit_sample(sample, ref, sha=sha, source=source, size=(rgb.shape[1], rgb.shape[0]), methods=methods)


def fit_sample(sample: Sample, ref: Reference, *, sha: str = "", source: str = "", size=(0, 0),
               methods: tuple[str, ...] | None = None) -> Calibration:
    """Fit the measured patch colours of ``sample`` to ``ref`` and assemble the :class:`Calibration`."""
    measured = colour.srgb_to_linear(sample.rgb / 255.0)
    use = ~sample.clipped
    if use.sum() == 0:
        dark = sample.rgb.mean() < 128
        raise Rejected("every patch is clipped (" + ("a channel crushed to black: shoot the chart again brighter"
                                                    if dark else "over-exposed: shoot the chart again darker") + ")")
    allowed = ccm.applicable(int(use.sum()), sum(bool(use[j]) for j in ref.neutrals))
    if methods is not None and not set(methods) & set(allowed):
        raise Rejected(f"none of the methods {', '.join(methods)} can be fitted to the {int(use.sum())} usable "
                       f"patches; these can: {', '.join(allowed)}")
    places = falloff.grid_positions(ROWS, COLS) if ref.chart else None
    # fitted towards what an sRGB image can hold (the chart's cyan lies outside it: reaching for
    # it bends the fit for every other colour), measured against the reference itself
    reachable = np.clip(ref.linear, 0, 1)
    choice = ccm.choose(measured, reachable, ref.lab, neutrals=ref.neutrals, white=ref.white, use=use,
                        methods=methods, positions=places)
    lab_before = colour.linear_to_lab(measured)
    de_before = colour.delta_e_2000(lab_before, ref.lab)
    # "after": the patches as the correction renders them under the even light it was fitted for
    corrected = np.clip(ccm.predict(choice.fit, ccm.even_out(choice.fit, measured, places)), 0, 1)
    de_after = colour.delta_e_2000(colour.linear_to_lab(corrected), ref.lab)
    loo = choice.loo.get(choice.fit.label, np.full(len(measured), np.nan))
    patches = tuple(
        Patch(index=i, name=ref.names[i], centre=tuple(map(float, sample.centres[i])),
              measured_srgb=tuple(map(float, sample.rgb[i])), reference_lab=tuple(map(float, ref.lab[i])),
              corrected_srgb=tuple(map(float, colour.linear_to_srgb(corrected[i]) * 255)),
              delta_e_before=float(de_before[i]), delta_e_after=float(de_after[i]),
              delta_e_loo=float(loo[i]), clipped=bool(sample.clipped[i]))
        for i in range(len(ref.names)))
    methods_json = {m: {"loo_mean": round(float(np.nanmean(v)), 3), "loo_max": round(float(np.nanmax(v)), 3)}
                    for m, v in choice.loo.items()}
    detection = {"how": sample.how, "score": round(float(sample.score), 3),
                 "outlines": np.round(sample.outlines, 1).tolist()}
    if ref.chart:   # outer corners of patches 0, 5, 23, 18: reusable as --corners
        detection["corners"] = np.round([sample.outlines[0][0], sample.outlines[5][1],
                                         sample.outlines[23][2], sample.outlines[18][3]], 1).tolist()
    return Calibration(fit=choice.fit, reference=ref.name, source_sha256=sha, patches=patches,
                       methods=methods_json, detection=detection, source=source, size=tuple(size))


def profile_options(colour_section) -> dict:
    """Keyword arguments for :func:`calibrate_pixels` from a profile's ``[colour]`` section:
    ``chart_corners`` (fallback when detection fails) and ``methods`` (the fits to choose from)."""
    corners = tuple(colour_section.chart_corners) or None
    methods = tuple(colour_section.methods)
    return {"fallback_corners": corners, "methods": None if set(methods) >= set(ccm.METHODS) else methods}


def save_calibration(cal: Calibration, path: Path, rgb: np.ndarray | None = None) -> Path | None:
    """Write the calibration JSON atomically; with the photo's pixels, the diagnostic PNG beside it."""
    atomic_write(path, (json.dumps(cal.to_json(), indent=1, ensure_ascii=False) + "\n").encode("utf-8"))
    if rgb is None:
        return None
    from .calibrate_diagnostic import diagnostic
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
        raise ConfigError(f"calibration {path}: cannot be read ({exc})") from None
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


__all__ = ["Calibration", "Patch", "NoChartFound", "calibrate_photo", "calibrate_pixels", "load_calibration", "save_calibration",
           "profile_options",
           "apply_calibration", "apply_to_image", "read_photo", "measure", "fit_sample"]
