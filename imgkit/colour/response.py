"""The response step of the ``gamma-*`` colour fits: a camera's tone response as one power
law for all three channels, ``linear = code ** gamma``, with ``gamma`` fitted to the chart
(or, for a camera close to sRGB, a power of the sRGB-decoded value: sRGB itself at 1).

A machine-vision camera delivers raw linear values (``gamma`` 1: no tone curve at all), a
webcam a plain gamma (about 2.2); neither follows sRGB's curve, whose linear toe and 2.4
power a tone curve through six grey patches (:mod:`.tone_curve`) can only approximate,
and loses when a grey is held out. One exponent for all channels is the exact model for
such cameras (a cast is a gain per channel, which a power law keeps a gain) and it is held
out as well as it is fitted. The response is stored as the knots of a tone curve (sRGB-
decoded value → ``code ** gamma``), so a calibration file, ``predict`` and ``apply`` treat
it as any tone curve.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from imgkit.colour.conversions import linear_to_srgb, srgb_to_linear

#: exponents searched: from a raw linear frame (1) to a strong display gamma (of the code values)
LOWEST, HIGHEST = 0.6, 3.2
#: ratio between neighbours of the first grid: a power of it is exactly 1 (sRGB itself, or linear)
STEP = 1.11
#: knots of the stored curve: code values spaced evenly in log from 1/255 to 1
KNOTS = np.geomspace(1 / 255, 1.0, 40)


def codes(linear) -> np.ndarray:
    """The code values (0..1) behind sRGB-decoded linear values: the camera's own numbers."""
    return linear_to_srgb(np.clip(np.asarray(linear, np.float64), 0, 1))


def power_curve(gamma: float, of: str = "code") -> np.ndarray:
    """Tone-curve knots (3, 2, K) that take an sRGB-decoded value ``v`` to ``code ** gamma``
    (``of="code"``) or to ``v ** gamma`` (``of="srgb"``)."""
    x = srgb_to_linear(KNOTS)
    y = (KNOTS if of == "code" else x) ** gamma
    return np.broadcast_to(np.stack([x, y])[None], (3, 2, len(KNOTS))).copy()


def best_gamma(errors: Callable[[np.ndarray], np.ndarray]) -> tuple[float, float]:
    """The exponent in about [LOWEST, HIGHEST] with the least ``errors(gammas)`` (vectorised over
    an array of exponents), and that error: a log grid through 1, then two finer grids around
    the best point (each centred on it, so an exact 1 stays exact)."""
    grid = STEP ** np.arange(np.floor(np.log(LOWEST) / np.log(STEP)), np.ceil(np.log(HIGHEST) / np.log(STEP)) + 1)
    best, best_error = 1.0, np.inf
    for _ in range(3):
        e = np.asarray(errors(grid))
        k = int(np.argmin(e))
        if e[k] < best_error:
            best, best_error = float(grid[k]), float(e[k])
        grid = np.geomspace(grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)], 9)
    return best, best_error
