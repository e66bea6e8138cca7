"""Highlights kept: a chart's colour correction applied to a photo never blows out what the
photo held.

A calibration carries the chart photo's exposure. A chart shot a stop darker than the
product photos (shot once, separately: the usual case) gives a correction that doubles the
light, and a bright product photo goes to white. Two mechanisms, both set in ``[colour]``:

``exposure``
    ``"chart"``: the correction as fitted, brightness included (right when the chart was
    shot with the photos, at their exposure). ``"photo"``: the colour from the chart, the
    brightness as shot: the correction divided by its gain on the chart's brightest grey
    (:func:`exposure_gain`). ``"auto"`` (the default): per photo, the chart's brightness
    unless it would take more than ``max_clip_growth`` of the photo past white beyond what
    was clipped as shot (the photo is brighter than the chart was shot); then the
    brightness is lowered just enough, and never below the photo's own.
``highlight_knee``
    Corrected values (linear light) above the knee (0.9: above the chart's white patch)
    roll off smoothly instead of clipping:
    the photo's own white (255, 255, 255 as corrected) lands exactly on white, so a blown
    backdrop stays white and nothing below it is clipped (1 = plain clipping).

A photo whose clipped area still grows by more than ``max_clip_growth`` (saturated colours
the correction takes beyond sRGB) gets a note saying so, which the build prints as a
``warning:`` line.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import numpy as np

from imgkit.colour import ccm
from imgkit.colour.conversions import LINEAR_LUT as _LINEAR
from imgkit.colour.conversions import OUT_LUT_SIZE, linear_to_srgb, srgb_to_linear

EXPOSURES = ("auto", "chart", "photo")
#: a pixel with any channel at or above this code counts as clipped
CLIP = 255
#: the linear value that encodes to CLIP
_CLIP_LINEAR = float(srgb_to_linear(np.array((CLIP - 0.5) / 255)))
#: code CLIP - 1 as input, and the linear value the shoulder brings its correction to (encodes to CLIP - 1)
_BELOW_WHITE = float(srgb_to_linear(np.array((CLIP - 1) / 255)))
_NEAR_LINEAR = float(srgb_to_linear(np.array((CLIP - 0.6) / 255)))
#: the automatic exposure looks at every STRIDE-th pixel of every STRIDE-th row
STRIDE = 3
_Y = np.array([0.2126729, 0.7151522, 0.0721750])


def clipped_share(rgb) -> float:
    """Share of the pixels of a uint8 RGB image with a channel at or above :data:`CLIP`."""
    import cv2
    arr = np.ascontiguousarray(rgb)
    if not arr.size:
        return 0.0
    arr = arr.reshape(arr.shape[0], -1, 3)   # (H, W, 3): OpenCV counts a tall single column slowly
    below = cv2.countNonZero(cv2.inRange(arr, (0, 0, 0), (CLIP - 1,) * 3))
    return 1.0 - below / (arr.shape[0] * arr.shape[1])


def exposure_gain(cal) -> float:
    """How much the correction brightens the chart's brightest grey (its luminance): about 2
    for a chart shot a stop darker than the reference asks. The lightest near-neutral patch
    (reference chroma under 10) that is not clipped; the lightest unclipped patch if none is."""
    patches = [p for p in getattr(cal, "patches", ()) if not p.clipped]   # no evidence: gain 1
    grey = [p for p in patches if np.hypot(p.reference_lab[1], p.reference_lab[2]) < 10]
    use = grey or patches
    if not use:
        return 1.0
    lin = srgb_to_linear(np.array([p.measured_srgb for p in use]) / 255.0)
    y_in = lin @ _Y
    y_out = np.clip(ccm.predict(cal.fit, lin), 0, None) @ _Y
    k = int(np.argmax(y_in))
    return float(y_out[k] / y_in[k]) if y_in[k] > 0.01 else 1.0


def scaled(fit: ccm.Fit, factor: float) -> ccm.Fit:
    """The correction with its output brightness times ``factor`` (linear light)."""
    return fit if factor == 1.0 else replace(fit, matrix=fit.matrix * factor)


def _peaks(fit: ccm.Fit, rgb: np.ndarray) -> np.ndarray:
    """Brightest corrected channel (linear, unclipped) of every STRIDE-th pixel of every STRIDE-th row."""
    import cv2
    sub = np.ascontiguousarray(np.asarray(rgb)[::STRIDE, ::STRIDE]).reshape(-1, 1, 3)
    table = np.clip(ccm.input_lut(fit), 0, None).astype(np.float32).reshape(1, 256, 3)
    lin = cv2.LUT(sub, table)
    out = cv2.transform(lin, fit.matrix[:, :3].astype(np.float32))
    if fit.method.endswith("root-polynomial"):
        turned = cv2.transform(lin, ccm.TURN)
        out += cv2.transform(cv2.sqrt(cv2.multiply(lin, turned)), fit.matrix[:, 3:].astype(np.float32))
    return np.maximum(np.maximum(out[..., 0], out[..., 1]), out[..., 2]).ravel()


def auto_factor(fit: ccm.Fit, rgb: np.ndarray, gain: float, max_growth: float) -> float:
    """The largest brightness factor (≤ 1, ≥ the photo's own exposure ``1/gain``) at which the
    correction takes at most ``max_growth`` more of the photo past white than was clipped as
    shot (what is left past white, the shoulder rolls in)."""
    floor = min(1.0, 1.0 / gain) if gain > 0 else 1.0
    level = _CLIP_LINEAR
    peaks = _peaks(fit, rgb)
    if peaks.size == 0:
        return 1.0
    sub = np.asarray(rgb)[::STRIDE, ::STRIDE].reshape(-1, 3)
    allowed = float(np.mean(_LINEAR[sub.max(axis=1)] >= level)) + max_growth
    if np.mean(peaks >= level) <= allowed:
        return 1.0
    top = float(np.quantile(peaks, 1.0 - min(allowed, 1.0)))
    return max(floor, min(1.0, 0.999 * level / top)) if top > 0 else 1.0


@lru_cache(maxsize=16)
def shoulder_lut(top: float, near: float, knee: float) -> np.ndarray:
    """Encode table (:data:`OUT_LUT_SIZE` uint8 entries) for linear 0..``top``: identity up to
    ``knee``, then a rational roll-off (slope 1 at the knee, monotone) that brings ``near``
    (the correction of code 254) to code 254, then a straight line to white at ``top`` (the
    correction of 255): what was not clipped is not clipped, what was stays white.

    Examples
    --------
    >>> t = shoulder_lut(2.0, 1.98, 0.8)
    >>> int(t[0]), int(t[-1]), int(t[round(0.99 * (len(t) - 1))]), bool((np.diff(t.astype(int)) >= 0).all())
    (0, 255, 254, True)
    """
    v = np.arange(OUT_LUT_SIZE) / (OUT_LUT_SIZE - 1) * top
    y1 = _NEAR_LINEAR
    near = min(max(near, y1), top)
    out = np.where(v <= near, v, y1 + (1.0 - y1) * (v - near) / max(top - near, 1e-9))
    if near > y1 and knee < y1:
        a = (near - knee) / (y1 - knee)   # the roll-off's slope at the knee, in its own units
        t = np.clip((v - knee) / (near - knee), 0, 1)
        out = np.where((v > knee) & (v <= near), knee + (y1 - knee) * a * t / (1.0 + (a - 1.0) * t), out)
    return linear_to_srgb(np.clip(out, 0, 1), as_uint8=True)


def shoulder_for(fit: ccm.Fit, knee: float) -> tuple[np.ndarray | None, float]:
    """(encode table, its top) for ``fit``: the top is the photo's white as corrected (its
    brightest channel); no table when that stays within 1 or the knee is 1 (plain clipping)."""
    ends = ccm.predict(fit, np.array([[1.0] * 3, [_BELOW_WHITE] * 3])).max(axis=1)
    top = float(ends[0])
    if knee >= 1.0 or top <= 1.0:
        return None, 1.0
    top = round(top, 4)
    return shoulder_lut(top, round(float(ends[1]), 4), knee), top


def correct(rgb, cal, *, exposure: str = "auto", knee: float = 0.9,
            max_growth: float = 0.02) -> tuple[np.ndarray, tuple[str, ...]]:
    """Apply calibration ``cal`` to a uint8 sRGB image (H, W, 3) with its highlights kept.

    Returns the corrected image and notes: the brightness used when ``"auto"`` lowered it,
    and a ``highlights:`` note when the clipped area still grows by more than ``max_growth``.
    """
    if exposure not in EXPOSURES:
        raise ValueError(f"exposure: expected one of {', '.join(EXPOSURES)}, got {exposure!r}")
    arr = np.asarray(rgb)
    gain = exposure_gain(cal)
    factor = {"chart": 1.0, "photo": 1.0 / gain if gain > 0 else 1.0}.get(exposure)
    notes = []
    if factor is None:
        factor = auto_factor(cal.fit, arr, gain, max_growth)
        if factor < 0.999:
            notes.append(f"exposure: the chart's brightness (greys ×{gain:.2f}) would clip this photo's highlights; "
                         f"×{gain * factor:.2f} used, the colour still from the chart")
    fit = scaled(cal.fit, factor)
    table, top = shoulder_for(fit, knee)
    out = ccm.apply(fit, arr, out_lut=table, out_top=top)
    before, after = clipped_share(arr), clipped_share(out)
    if after - before > max_growth:
        notes.append(f"highlights: the colour correction clips {100 * after:.1f} % of the photo "
                     f"({100 * before:.1f} % as shot)")
    return out, tuple(notes)

