"""Uneven light across a chart: a smooth exposure gradient, fitted with the colour correction.

A chart lit from one side (a window, a lamp off axis) or shot through a lens that vignettes
is brighter on one side than the other. A colour fit that ignores this bends the colour
transform to explain what is really a matter of position, and the photos it later corrects
inherit the bend. Here the light is modelled as an exposure gain that changes
log-linearly across the chart, ``gain(x, y) = exp(a·x + b·y)``, with ``x, y`` the patch's
place on the chart grid (−0.5 … 0.5 across its width and height), and estimated together
with the colour fit: fit on the evened-out patches, read the gradient off the luminance
that the fit cannot explain, repeat. Only the colour fit is applied to photos; the gradient
belongs to the chart photo and is reported, so the studio can even out its light.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: Rec. 709 / sRGB luminance of linear RGB
LUMINANCE = np.array([0.2126729, 0.7151522, 0.0721750])
#: rounds of fit → gradient; the gradient settles within a few
ROUNDS = 4
#: patches darker than this (Y, reference or predicted) say little about exposure
DARKEST = 0.02


def grid_positions(rows: int, cols: int) -> np.ndarray:
    """(rows·cols, 2) places of the patches of a chart in reading order, each axis −0.5 … 0.5."""
    r, c = np.divmod(np.arange(rows * cols), cols)
    return np.stack([c / max(cols - 1, 1) - 0.5, r / max(rows - 1, 1) - 0.5], axis=1)


def gains(positions: np.ndarray, slope) -> np.ndarray:
    """Exposure gain at each position for a gradient ``slope`` = (a, b)."""
    return np.exp(np.asarray(positions, np.float64) @ np.asarray(slope, np.float64))


def even_out(linear: np.ndarray, positions: np.ndarray, slope) -> np.ndarray:
    """Linear colours as they would read under even light."""
    return np.asarray(linear, np.float64) / gains(positions, slope)[..., None]


def estimate(fit: Callable[[np.ndarray], object], predict: Callable[[object, np.ndarray], np.ndarray],
             measured: np.ndarray, reference: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """The gradient ``(a, b)`` that, taken out of ``measured``, leaves least luminance for ``fit``
    to explain. ``fit(linear)`` returns a model and ``predict(model, linear)`` its output.

    Examples
    --------
    A chart seen by a perfect camera under light 30 % stronger on the right:

    >>> pos = grid_positions(4, 6)
    >>> ref = np.random.default_rng(2).uniform(0.05, 0.9, (24, 3))
    >>> shot = ref * gains(pos, (np.log(1.3), 0.0))[:, None]
    >>> fit = lambda m: np.linalg.lstsq(m, ref, rcond=None)[0]
    >>> slope = estimate(fit, lambda x, m: m @ x, shot, ref, pos)
    >>> [round(float(v), 3) for v in slope]
    [0.262, 0.0]
    """
    slope = np.zeros(2)
    y_ref = reference @ LUMINANCE
    for _ in range(ROUNDS):
        flat = even_out(measured, positions, slope)
        y_fit = np.clip(predict(fit(flat), flat), 0, None) @ LUMINANCE
        ok = (y_ref > DARKEST) & (y_fit > DARKEST)
        if ok.sum() < 4:
            break
        w = np.sqrt(y_ref[ok])   # brighter patches: less noise in their log ratio
        a = np.c_[positions[ok], np.ones(ok.sum())] * w[:, None]
        step = np.linalg.lstsq(a, np.log(y_fit[ok] / y_ref[ok]) * w, rcond=None)[0]
        slope = slope + step[:2]
    return slope
