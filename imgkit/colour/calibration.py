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

from dataclasses import replace
from pathlib import Path

import numpy as np

from imgkit.colour import ccm, falloff
from imgkit.colour import conversions as colour
from imgkit.colour.calibration_file import Calibration, Patch
from imgkit.colour.chart import (
    ACCEPT_DE,
    CLIP_HIGH,
    COLS,
    EDGE,
    ROWS,
    SAMPLE_HALF,
    NoChartFound,
    Sample,
    find_chart,
    from_corners,
    sample_quads,
)
from imgkit.colour.reference import Reference, load_reference
from imgkit.errors import ConfigError, Rejected
from imgkit.imaging import codec as imaging
from imgkit.profile import Input
from imgkit.store.files import sha256_bytes


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
        missing = [n for n, b in zip(ref.names, ref.boxes, strict=True) if b is None]
        if missing:
            raise ConfigError(f"reference {ref.name}: swatch(es) {', '.join(missing)} have no box = [x, y, w, h]")
        h, w = rgb.shape[:2]
        quads = []
        for name, (x, y, bw, bh) in zip(ref.names, ref.boxes, strict=True):
            if x + bw > w or y + bh > h:
                raise Rejected(f"swatch {name!r}: box {x},{y},{bw},{bh} lies outside the {w}x{h} photo")
            quads.append([[x, y], [x + bw, y], [x + bw, y + bh], [x, y + bh]])
        outlines = np.array(quads, float)
        centre = outlines.mean(1, keepdims=True)
        regions = centre + (outlines - centre) * 0.6
        med, clipped = sample_quads(rgb, regions)
        return Sample(centre[:, 0], outlines, regions, med, clipped, "boxes")
    if corners is not None:
        sample = from_corners(rgb, corners, ref.lab)
        if sample.score > ACCEPT_DE:
            raise NoChartFound(f"the corners given do not frame a colour chart: the colours inside them fit the "
                               f"chart only to ΔE2000 {sample.score:.1f} (a chart fits within {ACCEPT_DE:g}); give "
                               f"the outer corners of its four corner patches")
        return sample
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
    """Fit the measured patch colours of ``sample`` to ``ref`` and assemble the :class:`Calibration`.

    A camera JPEG crushes a channel out of its gamut to black, so a patch with a channel at
    a few codes is flagged and left out. A raw linear frame (a ``gamma-*`` fit) records such
    dark channels faithfully: when its patches flagged only for a dark channel still read
    :data:`DARK_BUT_READ` codes or more, the fit is tried with them in, and kept when it
    predicts every patch better held out."""
    cal = _fit_sample(sample, ref, sample.clipped, sha=sha, source=source, size=size, methods=methods)
    dark = sample.clipped & (sample.rgb.max(axis=1) < CLIP_HIGH - 10) & (sample.rgb.min(axis=1) >= DARK_BUT_READ)
    if cal.fit.method.startswith("gamma") and dark.any():
        alt = _fit_sample(sample, ref, sample.clipped & ~dark, sha=sha, source=source, size=size, methods=methods)
        if alt.summary["mean_loo"] < cal.summary["mean_loo"]:
            return alt
    return cal


def _fit_sample(sample: Sample, ref: Reference, clipped: np.ndarray, *, sha: str, source: str, size,
                methods: tuple[str, ...] | None) -> Calibration:
    measured = colour.srgb_to_linear(sample.rgb / 255.0)
    use = ~clipped
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
              delta_e_loo=float(loo[i]), clipped=bool(clipped[i]))
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


#: a dark channel read this many codes on average (or more) is recorded, not crushed, in a raw linear frame
DARK_BUT_READ = 0.5


def patches_in(cal: Calibration, rgb: np.ndarray) -> np.ndarray:
    """(N, 3) sRGB colours of the calibration's patches read again in ``rgb``: its chart photo
    as rendered somewhere else at any size (the published 710 px image, say), to measure
    the correction where it lands. Sampled like the chart photo (the inner square)."""
    outlines = np.asarray(cal.detection.get("outlines", []), np.float64)
    if outlines.shape != (len(cal.patches), 4, 2) or not cal.size[0]:
        raise ValueError("the calibration records no patch outlines to sample again")
    outlines = outlines * (rgb.shape[1] / cal.size[0])
    centre = outlines.mean(1, keepdims=True)
    inner = SAMPLE_HALF / (0.5 - EDGE) if cal.detection.get("how") != "boxes" else 0.6
    return sample_quads(rgb, centre + (outlines - centre) * inner)[0]


def profile_options(colour_section) -> dict:
    """Keyword arguments for :func:`calibrate_pixels` from a profile's ``[colour]`` section:
    ``chart_corners`` (fallback when detection fails) and ``methods`` (the fits to choose from)."""
    corners = tuple(colour_section.chart_corners) or None
    methods = tuple(colour_section.methods)
    return {"fallback_corners": corners, "methods": None if set(methods) >= set(ccm.METHODS) else methods}
