"""Colour-correction fits from measured to reference patches, chosen by leave-one-out ΔE2000.

Four methods, each with a ``fit_*`` verb over (N, 3) arrays of *linear* sRGB (measured
patches, reference patches) and one ``apply``/``predict`` for all:

``diagonal``
    von Kries white balance, one gain per channel: for one to three swatches.
``matrix``
    3×3 matrix in linear light, weighted least squares.
``root-polynomial``
    Finlayson, Mackiewicz and Hurlbert (2015), degree 2: R, G, B, √RG, √GB, √RB → 3×6
    matrix. Exposure-invariant like the 3×3 matrix, but bends with the data.
``curve-matrix``, ``curve-root-polynomial``
    a per-channel monotone tone curve through the grey patches (cubic in log–log, for camera
    JPEGs whose tone curve is not sRGB's), then the matrix or root-polynomial on the
    straightened values.
``gamma-matrix``, ``gamma-root-polynomial``
    the camera's response as one fitted power law for all channels (:mod:`.response`: 1 for a
    raw linear machine-vision frame, about 2.2 for a webcam), then the matrix or
    root-polynomial.

Every matrix is first solved by weighted least squares in linear light, then polished by a
few Levenberg–Marquardt steps on the CIELAB residuals (what ΔE measures), white held.

All fits take ``white``: the index of the white patch, mapped *exactly* onto its
reference (a constrained least squares), so white stays white after correction. Residuals
are weighted by ``Y^(-2/3)`` of the reference, the slope of L*, so that dark patches count
as much as the eye counts them. :func:`choose` fits every applicable method, measures each
by leave-one-out ΔE2000 (each patch predicted by a fit that never saw it) and keeps the best.
Given the patches' places on a chart, it also tries each method with the light's falloff
across the chart fitted alongside (:mod:`imgkit.core.falloff`) and keeps that when it
predicts better.

References
----------
G. D. Finlayson, M. Mackiewicz, A. Hurlbert, "Color correction using root-polynomial
regression", IEEE Trans. Image Processing 24(5), 1460–1470, 2015.
J. von Kries (1902); G. Hong, M. R. Luo, P. A. Rhodes, "A study of digital camera
colorimetric characterisation based on polynomial modelling", Color Res. Appl. 26(1), 2001.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from imgkit.colour import falloff as light
from imgkit.colour import response
from imgkit.colour.conversions import delta_e_2000, linear_to_lab, patch_pairs
from imgkit.colour.image_pass import TURN, apply, input_lut  # noqa: F401  (ccm.apply: the image pass)
from imgkit.colour.tone_curve import apply_curve, fit_curve

METHODS = ("diagonal", "matrix", "root-polynomial", "curve-matrix", "curve-root-polynomial", "gamma-matrix",
           "gamma-root-polynomial")
#: fewest patches each method needs (for the fit and one left out)
MIN_PATCHES = {"diagonal": 1, "matrix": 6, "root-polynomial": 12, "curve-matrix": 8, "curve-root-polynomial": 14,
               "gamma-matrix": 8, "gamma-root-polynomial": 14}
MIN_NEUTRALS = 4
#: a simpler method is kept unless a richer one lowers the leave-one-out mean by this much
SIMPLER_BY = 0.05
#: fewest usable chart patches for fitting the light's falloff as well (two more unknowns)
MIN_FALLOFF_PATCHES = 18


@dataclass(frozen=True)
class Fit:
    """A fitted correction: a tone curve (knots (3, 2, K): measured, reference per channel) or None, then ``matrix``."""

    method: str
    matrix: np.ndarray
    curve: np.ndarray | None = None
    #: the chart photo's light gradient (a, b) fitted alongside; reported, never applied to photos
    falloff: tuple[float, float] | None = None

    @property
    def label(self) -> str:
        return self.method + (" + falloff" if self.falloff is not None else "")

    def to_json(self) -> dict:
        out = {"method": self.method, "matrix": np.round(self.matrix, 8).tolist()}
        if self.curve is not None:
            out["curve"] = np.round(self.curve, 8).tolist()
        if self.falloff is not None:
            out["falloff"] = [round(float(v), 6) for v in self.falloff]
        return out

    @classmethod
    def from_json(cls, data: dict) -> Fit:
        method = data.get("method")
        if method not in METHODS:
            raise ValueError(f"method: expected one of {', '.join(METHODS)}, got {method!r}")
        matrix = np.asarray(data["matrix"], np.float64)
        cols = 6 if method.endswith("root-polynomial") else 3
        if matrix.shape != (3, cols):
            raise ValueError(f"matrix: expected shape (3, {cols}) for {method}, got {matrix.shape}")
        curve = data.get("curve")
        curve = None if curve is None else np.asarray(curve, np.float64)
        if method.startswith(("curve", "gamma")) and (curve is None or curve.ndim != 3 or curve.shape[:2] != (3, 2)):
            raise ValueError(f"curve: expected shape (3, 2, K) for {method}, got "
                             f"{None if curve is None else curve.shape}")
        slope = data.get("falloff")
        if slope is not None and (not isinstance(slope, list) or len(slope) != 2):
            raise ValueError(f"falloff: expected [a, b], got {slope!r}")
        return cls(method, matrix, curve, None if slope is None else (float(slope[0]), float(slope[1])))


@dataclass(frozen=True)
class Choice:
    """The chosen fit and, per method tried, the leave-one-out ΔE2000 of every patch (NaN: not used)."""

    fit: Fit
    loo: dict[str, np.ndarray] = field(default_factory=dict)


def features(linear: np.ndarray, method: str) -> np.ndarray:
    """Terms the matrix multiplies: the values themselves, or the degree-2 root-polynomial terms."""
    v = np.asarray(linear, np.float64)
    if not method.endswith("root-polynomial"):
        return v
    p = np.clip(v, 0, None)
    r, g, b = p[..., 0], p[..., 1], p[..., 2]
    return np.concatenate([v, np.sqrt(np.stack([r * g, g * b, r * b], axis=-1))], axis=-1)


def weights_for(reference: np.ndarray) -> np.ndarray:
    """Per-patch weight ``Y^(-2/3)`` (the slope of L*), Y of the reference floored at 1 %."""
    y = np.asarray(reference, np.float64) @ np.array([0.2126729, 0.7151522, 0.0721750])
    return np.clip(y, 0.01, None) ** (-2 / 3)


def _solve(f: np.ndarray, r: np.ndarray, w: np.ndarray, fw: np.ndarray | None, rw: np.ndarray | None) -> np.ndarray:
    """Weighted least squares ``f @ x ≈ r`` per output channel, optionally with ``fw @ x = rw`` exactly."""
    a = f.T @ (f * w[:, None])
    b = f.T @ (r * w[:, None])
    ridge = 1e-9 * np.trace(a) * np.eye(a.shape[0])
    if fw is None:
        return np.linalg.solve(a + ridge, b).T
    k = a.shape[0]
    kkt = np.zeros((k + 1, k + 1))
    kkt[:k, :k], kkt[:k, k], kkt[k, :k] = a + ridge, fw, fw
    rhs = np.vstack([b, rw[None, :]])
    return np.linalg.solve(kkt, rhs)[:k].T


def _white_pair(m, r, white):
    return (None, None) if white is None else (m[white], r[white])


def fit_diagonal(measured, reference, *, white: int | None = None) -> Fit:
    """Per-channel gains (von Kries). With ``white``, exactly those that map it onto its reference."""
    m, r = patch_pairs(measured, reference)
    if white is not None and np.all(m[white] > 0):
        gains = r[white] / m[white]
    else:
        w = weights_for(r)[:, None]
        gains = (w * m * r).sum(0) / np.clip((w * m * m).sum(0), 1e-12, None)
    return Fit("diagonal", np.diag(gains))


def fit_matrix(measured, reference, *, white: int | None = None, refine: bool = True) -> Fit:
    """3×3 matrix in linear light: weighted least squares, then polished in Lab (``white`` mapped exactly).

    Examples
    --------
    >>> m = np.random.default_rng(1).uniform(0.05, 0.9, (24, 3))
    >>> true = np.array([[1.2, -0.1, 0.0], [0.1, 0.9, 0.05], [0.0, -0.2, 1.3]])
    >>> bool(np.allclose(fit_matrix(m, m @ true.T).matrix, true, atol=1e-6))
    True
    """
    m, r = patch_pairs(measured, reference)
    return Fit("matrix", _fit_terms(m, r, white, refine))


def fit_root_polynomial(measured, reference, *, white: int | None = None, refine: bool = True) -> Fit:
    """Degree-2 root-polynomial regression (Finlayson 2015): a 3×6 matrix over R, G, B, √RG, √GB, √RB."""
    m, r = patch_pairs(measured, reference)
    return Fit("root-polynomial", _fit_terms(features(m, "root-polynomial"), r, white, refine))


def _fit_terms(f: np.ndarray, r: np.ndarray, white: int | None, refine: bool) -> np.ndarray:
    fw, rw = _white_pair(f, r, white)
    x = _solve(f, r, weights_for(r), fw, rw)
    return _polish(f, x, r, white) if refine else x


def _polish(f: np.ndarray, x0: np.ndarray, r: np.ndarray, white: int | None, steps: int = 10) -> np.ndarray:
    """Levenberg–Marquardt on the Lab residuals of ``f @ x.T`` against ``r`` (linear); white weighted ×10."""
    target = linear_to_lab(r)
    wt = np.ones(len(r))
    if white is not None:
        wt[white] = 10.0

    def residual(x):
        """Residuals for parameters ``x`` (..., P): one row per parameter set, all in one pass."""
        pred = np.einsum("nk,...ck->...nc", f, x.reshape(x.shape[:-1] + x0.shape))
        return ((linear_to_lab(pred) - target) * wt[:, None]).reshape(x.shape[:-1] + (-1,))

    x, lam, eps = x0.ravel().copy(), 1e-2, 1e-6
    r0 = residual(x)
    for _ in range(steps):
        jac = ((residual(x + eps * np.eye(len(x))) - r0) / eps).T   # forward differences, every parameter at once
        a, g = jac.T @ jac, jac.T @ r0
        for _ in range(6):
            step = np.linalg.solve(a + lam * (np.diag(np.diag(a)) + 1e-12 * np.eye(len(x))), -g)
            r1 = residual(x + step)
            if r1 @ r1 < r0 @ r0:
                x, r0, lam = x + step, r1, lam / 3
                break
            lam *= 4
        else:
            break
    return x.reshape(x0.shape)


def fit_curve_then(method: str, measured, reference, *, neutrals, white: int | None = None,
                   refine: bool = True) -> Fit:
    """Tone curve per channel from the grey patches ``neutrals``, then ``matrix`` or ``root-polynomial`` terms."""
    m, r = patch_pairs(measured, reference)
    neutrals = list(neutrals)
    if len(neutrals) < MIN_NEUTRALS - 1:
        raise ValueError(f"{method}: expected at least {MIN_NEUTRALS - 1} neutral patches, got {len(neutrals)}")
    curve = fit_curve(m[neutrals], r[neutrals])
    terms = features(apply_curve(curve, m), method)
    return Fit(method, _fit_terms(terms, r, white, refine), curve)


def fit_gamma_then(method: str, measured, reference, *, white: int | None = None, refine: bool = True) -> Fit:
    """One power-law response for all channels (its exponent fitted), then ``matrix`` or
    ``root-polynomial`` terms (:mod:`imgkit.colour.response`)."""
    m, r = patch_pairs(measured, reference)
    lab, w = linear_to_lab(r), weights_for(r)

    def errors(gammas: np.ndarray, base: np.ndarray) -> np.ndarray:
        """Mean ΔE*ab of the linear least-squares fit after each exponent, all at once."""
        terms = features(base[None] ** gammas[:, None, None], method)          # (G, N, k)
        a = np.einsum("gnk,n,gnj->gkj", terms, w, terms)
        b = np.einsum("gnk,n,nc->gkc", terms, w, r)
        k = a.shape[-1]
        a = a + 1e-9 * np.trace(a, axis1=1, axis2=2)[:, None, None] * np.eye(k)
        if white is not None:   # white mapped exactly: the constraint as an extra row and column
            kkt = np.zeros((len(gammas), k + 1, k + 1))
            kkt[:, :k, :k], kkt[:, :k, k], kkt[:, k, :k] = a, terms[:, white], terms[:, white]
            a, b = kkt, np.concatenate([b, np.broadcast_to(r[white], (len(gammas), 1, 3))], axis=1)
        x = np.linalg.solve(a, b)[:, :k]                                         # (G, k, 3)
        pred = np.clip(np.einsum("gnk,gkc->gnc", terms, x), 0, 1)
        return np.linalg.norm(linear_to_lab(pred) - lab, axis=-1).mean(axis=1)

    bases = {"code": response.codes(m), "srgb": np.clip(m, 0, 1)}
    found = {of: response.best_gamma(lambda g, base=base: errors(g, base)) for of, base in bases.items()}
    of = min(found, key=lambda k: found[k][1])
    curve = response.power_curve(found[of][0], of)
    return Fit(method, _fit_terms(features(apply_curve(curve, m), method), r, white, refine), curve)


def fit(method: str, measured, reference, *, neutrals=(), white: int | None = None, refine: bool = True,
        positions=None) -> Fit:
    """Fit ``method`` (one of :data:`METHODS`). With ``positions`` (N, 2) of the patches on a
    chart, the light's falloff across it is fitted too (not for ``diagonal``)."""
    if positions is not None and method != "diagonal":
        m, r = patch_pairs(measured, reference)
        pos = np.asarray(positions, np.float64)
        slope = light.estimate(lambda flat: fit(method, flat, r, neutrals=neutrals, white=white, refine=False),
                               predict, m, r, pos)
        f = fit(method, light.even_out(m, pos, slope), r, neutrals=neutrals, white=white, refine=refine)
        return Fit(f.method, f.matrix, f.curve, (float(slope[0]), float(slope[1])))
    if method == "diagonal":
        return fit_diagonal(measured, reference, white=white)
    if method == "matrix":
        return fit_matrix(measured, reference, white=white, refine=refine)
    if method == "root-polynomial":
        return fit_root_polynomial(measured, reference, white=white, refine=refine)
    if method in ("curve-matrix", "curve-root-polynomial"):
        return fit_curve_then(method, measured, reference, neutrals=neutrals, white=white, refine=refine)
    if method in ("gamma-matrix", "gamma-root-polynomial"):
        return fit_gamma_then(method, measured, reference, white=white, refine=refine)
    raise ValueError(f"method: expected one of {', '.join(METHODS)}, got {method!r}")


def predict(f: Fit, linear) -> np.ndarray:
    """Corrected linear sRGB of linear colours (..., 3), unclipped."""
    v = apply_curve(f.curve, linear)
    return features(v, f.method) @ f.matrix.T


def even_out(f: Fit, linear, positions) -> np.ndarray:
    """Measured chart patches as the fit saw them: with its fitted falloff (if any) taken out."""
    return np.asarray(linear, np.float64) if f.falloff is None else light.even_out(linear, positions, f.falloff)


def predict_lab(f: Fit, linear) -> np.ndarray:
    """Lab (D50) of the corrected colours as an 8-bit image would show them (clipped to [0, 1])."""
    return linear_to_lab(np.clip(predict(f, linear), 0, 1))


def applicable(n_patches: int, n_neutrals: int) -> tuple[str, ...]:
    """Methods the patch count allows (and the neutral count, for the ``curve-*`` methods)."""
    ok = [m for m in METHODS if n_patches >= MIN_PATCHES[m]]
    return tuple(m for m in ok if not m.startswith("curve") or n_neutrals >= MIN_NEUTRALS)


def leave_one_out(method: str, measured, reference, reference_lab, *, neutrals=(), white=None,
                  use=None, positions=None) -> np.ndarray:
    """ΔE2000 of each patch predicted by a ``method`` fit on the other usable patches (NaN where unused).

    ``use`` (bool, N) marks usable patches (not clipped); the white constraint is dropped
    in the fold that leaves white out. With ``positions``, each fold fits the falloff too,
    and the patch left out is evened out by that fold's falloff before it is predicted.
    """
    m, r = patch_pairs(measured, reference)
    use = np.ones(len(m), bool) if use is None else np.asarray(use, bool)
    out = np.full(len(m), np.nan)
    for i in np.flatnonzero(use):
        keep = use.copy()
        keep[i] = False
        idx = np.flatnonzero(keep)
        pos = {j: k for k, j in enumerate(idx)}
        w = pos.get(white) if white is not None else None
        sub_neutrals = [pos[j] for j in neutrals if j in pos]
        sub_pos = None if positions is None else np.asarray(positions)[idx]
        f = fit(method, m[idx], r[idx], neutrals=sub_neutrals, white=w, positions=sub_pos)
        seen = m[i] if positions is None else even_out(f, m[i], np.asarray(positions)[i])
        out[i] = delta_e_2000(predict_lab(f, seen), reference_lab[i])
    return out


def choose(measured, reference, reference_lab, *, neutrals=(), white=None, use=None,
           methods: tuple[str, ...] | None = None, positions=None) -> Choice:
    """Fit every applicable method (of ``methods``, when given) on the usable patches and keep the best
    by leave-one-out ΔE2000.

    A richer method replaces a simpler one (order of :data:`METHODS`) only when it lowers the
    mean leave-one-out ΔE2000 by more than :data:`SIMPLER_BY`. With ``positions`` (the patches'
    places on a chart, see :func:`imgkit.core.falloff.grid_positions`) and at least
    :data:`MIN_FALLOFF_PATCHES` usable patches, each method after ``diagonal`` is also tried with
    the falloff, as the richer variant. The returned fit is fitted on all usable patches;
    ``loo`` is keyed by :attr:`Fit.label`.
    """
    m, r = patch_pairs(measured, reference)
    use = np.ones(len(m), bool) if use is None else np.asarray(use, bool)
    idx = np.flatnonzero(use)
    if idx.size == 0:
        raise ValueError("no usable patch to fit (all clipped?)")
    neutrals = [j for j in neutrals if use[j]]
    white = white if white is not None and use[white] else None
    allowed = applicable(idx.size, len(neutrals))
    candidates = allowed if methods is None else tuple(m for m in allowed if m in methods)
    if not candidates:
        raise ValueError(f"methods: none of {', '.join(methods)} can be fitted to {idx.size} usable patches "
                         f"({len(neutrals)} neutral); these can: {', '.join(allowed)}")
    pos = {j: k for k, j in enumerate(idx)}
    places = None if positions is None or idx.size < MIN_FALLOFF_PATCHES else np.asarray(positions, np.float64)
    variants = [(method, None) for method in candidates]
    if places is not None:
        variants = [v for method in candidates
                    for v in ((method, None),) + (((method, places),) if method != "diagonal" else ())]
    loo: dict[str, np.ndarray] = {}
    best, best_score = variants[0], np.inf
    for method, where in variants:
        label = method + ("" if where is None else " + falloff")
        if idx.size >= 2:
            loo[label] = leave_one_out(method, m, r, reference_lab, neutrals=neutrals, white=white, use=use,
                                       positions=where)
            score = float(np.nanmean(loo[label]))
        else:
            score = 0.0
        if best_score == np.inf or score < best_score - SIMPLER_BY:
            best, best_score = (method, where), score
    method, where = best
    final = fit(method, m[idx], r[idx], neutrals=[pos[j] for j in neutrals], white=pos.get(white),
                positions=None if where is None else where[idx])
    return Choice(final, loo)
