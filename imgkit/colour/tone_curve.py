"""The neutral-axis step of the ``curve-*`` colour fits: a tone curve per channel through the
chart's grey patches, for camera JPEGs whose tone curve is not sRGB's.

Knots are the greys' measured and reference linear values; between them a monotone cubic
(Fritsch–Carlson) in log–log, beyond them a power law. Used by :mod:`imgkit.core.ccm`.
"""

from __future__ import annotations

import numpy as np

from imgkit.colour.conversions import patch_pairs


def fit_curve(measured, reference) -> np.ndarray:
    """Per-channel tone-curve knots (3, 2, K): sorted measured and reference linear values of the greys.

    Knots whose measured values do not increase with the reference are merged (a curve must
    be monotone); at least two distinct levels per channel are needed.
    """
    m, r = patch_pairs(measured, reference)
    order = np.argsort(r.mean(1))
    knots = []
    for c in range(3):
        x, y = np.clip(m[order, c], 1e-5, None), np.clip(r[order, c], 1e-5, None)
        keep_x, keep_y = [x[0]], [y[0]]
        for xi, yi in zip(x[1:], y[1:], strict=True):
            if xi > keep_x[-1] * 1.02 and yi > keep_y[-1]:
                keep_x.append(xi)
                keep_y.append(yi)
        if len(keep_x) < 2:
            raise ValueError(f"the chart's grey patches show fewer than 2 distinct levels in "
                             f"{('red', 'green', 'blue')[c]} (a tone curve needs 2): are they where the chart is?")
        knots.append((keep_x, keep_y))
    k = max(len(kx) for kx, _ in knots)
    out = np.empty((3, 2, k))
    for c, (kx, ky) in enumerate(knots):   # pad by repeating the last knot: same curve
        out[c, 0], out[c, 1] = np.pad(kx, (0, k - len(kx)), mode="edge"), np.pad(ky, (0, k - len(ky)), mode="edge")
    return out


def _pchip(xk: np.ndarray, yk: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Monotone cubic (Fritsch–Carlson) through knots; straight lines beyond the ends (slopes kept in [0.3, 3])."""
    xk, idx = np.unique(xk, return_index=True)
    yk = yk[idx]
    if len(xk) == 1:
        return x - xk[0] + yk[0]
    h, delta = np.diff(xk), np.diff(yk) / np.diff(xk)
    d = np.zeros_like(xk)
    inner = delta[:-1] * delta[1:] > 0
    w1, w2 = 2 * h[1:] + h[:-1], h[1:] + 2 * h[:-1]
    d[1:-1] = np.where(inner, (w1 + w2) / (w1 / np.where(inner, delta[:-1], 1) + w2 / np.where(inner, delta[1:], 1)), 0)
    d[0], d[-1] = np.clip(delta[0], 0.3, 3), np.clip(delta[-1], 0.3, 3)
    i = np.clip(np.searchsorted(xk, x) - 1, 0, len(xk) - 2)
    t = (x - xk[i]) / h[i]
    t2, t3 = t * t, t * t * t
    y = ((2 * t3 - 3 * t2 + 1) * yk[i] + (t3 - 2 * t2 + t) * h[i] * d[i]
         + (-2 * t3 + 3 * t2) * yk[i + 1] + (t3 - t2) * h[i] * d[i + 1])
    y = np.where(x < xk[0], yk[0] + d[0] * (x - xk[0]), y)
    return np.where(x > xk[-1], yk[-1] + d[-1] * (x - xk[-1]), y)


def apply_curve(curve: np.ndarray | None, linear) -> np.ndarray:
    """The tone curve per channel, monotone cubic in log–log through the knots (a power law beyond them)."""
    v = np.asarray(linear, np.float64)
    if curve is None:
        return v
    logv = np.log(np.clip(v, 1e-6, None))
    out = np.stack([np.exp(_pchip(np.log(curve[c, 0]), np.log(curve[c, 1]), logv[..., c])) for c in range(3)], -1)
    return np.where(v > 0, out, 0.0)
