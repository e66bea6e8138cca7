"""Colour science over whole arrays: sRGB ↔ linear ↔ XYZ ↔ CIELAB, Bradford adaptation
D65 ↔ D50, CIEDE2000, and the fast uint8 image pass used to apply a colour correction.

The correction fits themselves (matrix, root-polynomial, neutral curve, diagonal) live in
:mod:`imgkit.core.ccm`; this module holds the conversions they are measured with.

Conventions: linear sRGB and XYZ are floats with white Y = 1; Lab is CIE 1976 L*a*b*
(L* 0..100); reference charts are given in Lab under D50 (ICC PCS), photos are sRGB (D65).
Lab "D50" of an sRGB colour means: sRGB → XYZ (D65) → Bradford → XYZ (D50) → Lab (D50
white), the ICC convention used by X-Rite's published chart values.

References
----------
IEC 61966-2-1:1999, sRGB transfer function and primaries.
CIE 15:2004, Colorimetry (CIELAB).
ICC.1:2010, D50 PCS white (0.9642, 1.0, 0.8249) and the Bradford chromatic adaptation.
G. Sharma, W. Wu, E. N. Dalal, "The CIEDE2000 color-difference formula: implementation
notes, supplementary test data, and mathematical observations", Color Res. Appl. 30(1),
21–30, 2005.
"""

from __future__ import annotations

import numpy as np

#: linear sRGB → XYZ (D65), IEC 61966-2-1 primaries, white (0.95047, 1, 1.08883)
SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                        [0.2126729, 0.7151522, 0.0721750],
                        [0.0193339, 0.1191920, 0.9503041]])
XYZ_TO_SRGB = np.linalg.inv(SRGB_TO_XYZ)
D65 = SRGB_TO_XYZ.sum(axis=1)
D50 = np.array([0.96422, 1.0, 0.82521])
#: Bradford cone response matrix (Lam 1985, as in ICC.1 Annex E)
BRADFORD = np.array([[0.8951, 0.2664, -0.1614],
                     [-0.7502, 1.7135, 0.0367],
                     [0.0389, -0.0685, 1.0296]])
_EPS, _KAPPA = 216 / 24389, 24389 / 27
#: entries of the table that maps linear light back to uint8 sRGB (index = linear * (N - 1))
OUT_LUT_SIZE = 65536


def _check_last3(name: str, arr: np.ndarray) -> None:
    if arr.ndim == 0 or arr.shape[-1] != 3:
        raise ValueError(f"{name}: expected shape (..., 3), got {arr.shape}")


def patch_pairs(measured, reference) -> tuple[np.ndarray, np.ndarray]:
    """Measured and reference patch colours as two float64 (N, 3) arrays of the same shape."""
    m, r = np.asarray(measured, np.float64), np.asarray(reference, np.float64)
    if m.ndim != 2 or m.shape[1] != 3 or r.shape != m.shape:
        raise ValueError(f"measured and reference: expected two (N, 3) arrays, got {m.shape} and {r.shape}")
    return m, r


def _float(x) -> np.ndarray:
    arr = np.asarray(x)
    return arr if arr.dtype.kind == "f" else arr.astype(np.float64)


def _decode(v: np.ndarray) -> np.ndarray:
    return np.where(v <= 0.04045, v / 12.92, ((np.abs(v) + 0.055) / 1.055) ** 2.4 * np.sign(v))


#: uint8 sRGB → linear light
LINEAR_LUT = _decode(np.arange(256) / 255.0)


def srgb_to_linear(rgb) -> np.ndarray:
    """sRGB to linear light.

    Parameters
    ----------
    rgb : array_like
        uint8 (0..255, looked up in a 256-entry table) or float in [0, 1] (by formula;
        values outside [0, 1] are extended symmetrically).

    Returns
    -------
    numpy.ndarray
        float64 linear values, same shape.

    Examples
    --------
    >>> float(srgb_to_linear(np.uint8(128)))  # doctest: +ELLIPSIS
    0.2158...
    """
    arr = np.asarray(rgb)
    if arr.dtype == np.uint8:
        return LINEAR_LUT[arr]
    return _decode(_float(arr))


def linear_to_srgb(linear, *, as_uint8: bool = False) -> np.ndarray:
    """Linear light to sRGB: float in [0, 1] (unclipped), or uint8 rounded and clipped."""
    v = _float(linear)
    out = np.where(v <= 0.0031308, 12.92 * v, 1.055 * np.abs(v) ** (1 / 2.4) * np.sign(v) - 0.055)
    if as_uint8:
        return np.clip(np.round(out * 255), 0, 255).astype(np.uint8)
    return out


def bradford(src_white, dst_white) -> np.ndarray:
    """3×3 Bradford chromatic adaptation matrix taking XYZ under ``src_white`` to ``dst_white``."""
    src, dst = BRADFORD @ np.asarray(src_white, float), BRADFORD @ np.asarray(dst_white, float)
    return np.linalg.inv(BRADFORD) @ np.diag(dst / src) @ BRADFORD


D65_TO_D50 = bradford(D65, D50)
D50_TO_D65 = bradford(D50, D65)
#: linear sRGB → XYZ (D50) and back, Bradford-adapted (the ICC sRGB matrix)
SRGB_TO_XYZ_D50 = D65_TO_D50 @ SRGB_TO_XYZ
XYZ_D50_TO_SRGB = np.linalg.inv(SRGB_TO_XYZ_D50)


def linear_to_xyz(linear, *, white: str = "D65") -> np.ndarray:
    """Linear sRGB (..., 3) to XYZ, under D65 or (Bradford-adapted) D50."""
    arr = _float(linear)
    _check_last3("linear", arr)
    return arr @ (SRGB_TO_XYZ_D50 if white == "D50" else SRGB_TO_XYZ).T


def xyz_to_linear(xyz, *, white: str = "D65") -> np.ndarray:
    """XYZ (..., 3) under D65 or D50 to linear sRGB (unclipped)."""
    arr = _float(xyz)
    _check_last3("xyz", arr)
    return arr @ (XYZ_D50_TO_SRGB if white == "D50" else XYZ_TO_SRGB).T


def _white(white: str) -> np.ndarray:
    if white not in ("D50", "D65"):
        raise ValueError(f"white: expected 'D50' or 'D65', got {white!r}")
    return D50 if white == "D50" else D65


def xyz_to_lab(xyz, *, white: str = "D50") -> np.ndarray:
    """CIE XYZ (..., 3) to CIELAB relative to the ``white`` reference (CIE 15:2004)."""
    arr = _float(xyz)
    _check_last3("xyz", arr)
    r = arr / _white(white)
    f = np.where(r > _EPS, np.cbrt(r), (_KAPPA * r + 16) / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]),
                     200 * (f[..., 1] - f[..., 2])], axis=-1)


def lab_to_xyz(lab, *, white: str = "D50") -> np.ndarray:
    """CIELAB (..., 3) to XYZ relative to the ``white`` reference (CIE 15:2004)."""
    arr = _float(lab)
    _check_last3("lab", arr)
    fy = (arr[..., 0] + 16) / 116
    f = np.stack([fy + arr[..., 1] / 500, fy, fy - arr[..., 2] / 200], axis=-1)
    r = np.where(f ** 3 > _EPS, f ** 3, (116 * f - 16) / _KAPPA)
    r[..., 1] = np.where(arr[..., 0] > _KAPPA * _EPS, fy ** 3, arr[..., 0] / _KAPPA)
    return r * _white(white)


def linear_to_lab(linear, *, white: str = "D50") -> np.ndarray:
    """Linear sRGB to Lab (D50 by default, Bradford-adapted from sRGB's D65)."""
    return xyz_to_lab(linear_to_xyz(linear, white=white), white=white)


def lab_to_linear(lab, *, white: str = "D50") -> np.ndarray:
    """Lab (D50 by default) to linear sRGB, unclipped (colours outside sRGB keep their sign)."""
    return xyz_to_linear(lab_to_xyz(lab, white=white), white=white)


def srgb_to_lab(rgb, *, white: str = "D50") -> np.ndarray:
    """sRGB to Lab relative to ``white``: D50 (Bradford-adapted, the charts' references) or D65
    (sRGB's own white, for judging backgrounds as a person sees them).

    ``rgb`` is uint8 (0..255), another integer type holding 0..255, or float in [0, 1];
    shape (..., 3) in, float64 (..., 3) out.

    Examples
    --------
    >>> np.round(srgb_to_lab(np.array([255, 0, 0], np.uint8)), 2).tolist()
    [54.29, 80.81, 69.89]
    >>> np.round(srgb_to_lab((255, 0, 0), white="D65"), 2).tolist()
    [53.24, 80.09, 67.2]
    """
    arr = np.asarray(rgb)
    _check_last3("rgb", arr)
    if arr.dtype.kind in "iu" and arr.dtype != np.uint8:
        if arr.min(initial=0) < 0 or arr.max(initial=0) > 255:
            raise ValueError("rgb: integer values must be 0..255")
        arr = arr.astype(np.uint8)
    return linear_to_lab(srgb_to_linear(arr), white=white)


def lab_to_srgb(lab, *, white: str = "D50", as_uint8: bool = False) -> np.ndarray:
    """Lab to sRGB, clipped to the sRGB gamut; float 0..1 or uint8."""
    lin = np.clip(lab_to_linear(lab, white=white), 0.0, 1.0)
    return linear_to_srgb(lin, as_uint8=as_uint8)


def delta_e_2000(lab1, lab2, *, kl: float = 1.0, kc: float = 1.0, kh: float = 1.0) -> np.ndarray:
    """CIEDE2000 colour difference, broadcast over arrays of Lab (..., 3).

    Follows Sharma, Wu and Dalal (2005) exactly, including the hue-angle conventions
    for achromatic colours and the mean-hue rule; their 34 test pairs agree to 1e-4.

    Examples
    --------
    >>> round(float(delta_e_2000([50, 2.6772, -79.7751], [50, 0, -82.7485])), 4)
    2.0425
    """
    a, b = _float(lab1), _float(lab2)
    _check_last3("lab1", a)
    _check_last3("lab2", b)
    l1, a1, b1 = a[..., 0], a[..., 1], a[..., 2]
    l2, a2, b2 = b[..., 0], b[..., 1], b[..., 2]
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_bar ** 7 / (c_bar ** 7 + 25.0 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.where((a1p == 0) & (b1 == 0), 0.0, np.degrees(np.arctan2(b1, a1p)) % 360)
    h2p = np.where((a2p == 0) & (b2 == 0), 0.0, np.degrees(np.arctan2(b2, a2p)) % 360)
    zero = c1p * c2p == 0
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(zero, 0.0, dh)
    dl, dc = l2 - l1, c2p - c1p
    dhh = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    l_bar, cp_bar = (l1 + l2) / 2, (c1p + c2p) / 2
    hsum = h1p + h2p
    h_bar = np.where(np.abs(h1p - h2p) <= 180, hsum / 2,
                     np.where(hsum < 360, (hsum + 360) / 2, (hsum - 360) / 2))
    h_bar = np.where(zero, hsum, h_bar)
    t = (1 - 0.17 * np.cos(np.radians(h_bar - 30)) + 0.24 * np.cos(np.radians(2 * h_bar))
         + 0.32 * np.cos(np.radians(3 * h_bar + 6)) - 0.20 * np.cos(np.radians(4 * h_bar - 63)))
    d_theta = 30 * np.exp(-(((h_bar - 275) / 25) ** 2))
    rc = 2 * np.sqrt(cp_bar ** 7 / (cp_bar ** 7 + 25.0 ** 7))
    sl = 1 + 0.015 * (l_bar - 50) ** 2 / np.sqrt(20 + (l_bar - 50) ** 2)
    sc = 1 + 0.045 * cp_bar
    sh = 1 + 0.015 * cp_bar * t
    rt = -np.sin(np.radians(2 * d_theta)) * rc
    tl, tc, th = dl / (kl * sl), dc / (kc * sc), dhh / (kh * sh)
    return np.sqrt(tl ** 2 + tc ** 2 + th ** 2 + rt * tc * th)


#: CIELAB of the reference white
WHITE_LAB = np.array([100.0, 0.0, 0.0])


def delta_e76(lab1, lab2) -> np.ndarray:
    """CIE76 colour difference ΔE*ab: Euclidean distance in Lab, broadcast over arrays
    (about 2.3 is just noticeable, whatever the hue)."""
    return np.linalg.norm(np.asarray(lab1, np.float64) - np.asarray(lab2, np.float64), axis=-1)


def whiteness_distance(rgb) -> np.ndarray:
    """ΔE*ab from sRGB colour(s) to white L*=100, a*=b*=0 under D65 (small = white)."""
    return delta_e76(srgb_to_lab(rgb, white="D65"), WHITE_LAB)


def output_lut() -> np.ndarray:
    """uint8 sRGB codes for linear light quantised to ``OUT_LUT_SIZE`` steps (index = round(v·(N-1)))."""
    return linear_to_srgb(np.arange(OUT_LUT_SIZE) / (OUT_LUT_SIZE - 1), as_uint8=True)


_OUT_LUT = output_lut()


#: pixels per block of the image passes: three float32 blocks stay in a 1 MB L2 cache, and
#: the buffers are reused from block to block (whole-image temporaries cost 2× in page faults)
BLOCK = 16384


def blocks(n: int):
    """``(start, stop)`` of the :data:`BLOCK`-sized runs covering ``n`` pixels."""
    return ((s, min(n, s + BLOCK)) for s in range(0, n, BLOCK))


def _check_image(rgb) -> np.ndarray:
    arr = np.asarray(rgb)
    if arr.dtype != np.uint8 or arr.ndim not in (2, 3) or arr.shape[-1] != 3:
        raise ValueError(f"rgb: expected uint8 (H, W, 3) or (N, 3), got {arr.dtype} {arr.shape}")
    return arr


def apply_lut_matrix(rgb, in_lut: np.ndarray, matrix: np.ndarray, *, out_lut: np.ndarray | None = None,
                     out_top: float = 1.0) -> np.ndarray:
    """The colour-correction hot path over a whole uint8 RGB image, in one vectorised pass.

    ``in_lut`` (256, 3) maps each channel's uint8 code to linear light (the sRGB decode,
    possibly followed by a per-channel tone curve); ``matrix`` (3, 3) maps linear to linear;
    the result is clipped to [0, 1] and encoded to sRGB through a 65,536-entry table.
    Per block of :data:`BLOCK` pixels: table → 16-bit (OpenCV ``LUT``), 3×3 (``transform``,
    saturating), table → uint8 (``np.take``).

    Parameters
    ----------
    rgb : numpy.ndarray
        uint8 array (H, W, 3) or (N, 3).
    in_lut : numpy.ndarray
        (256, 3) float, per-channel linearisation.
    matrix : numpy.ndarray
        (3, 3) float, applied as ``out = matrix @ in`` per pixel.
    out_lut, out_top : numpy.ndarray, float
        Another encode table (``OUT_LUT_SIZE`` uint8 entries) covering linear 0..``out_top``
        instead of 0..1: a highlight shoulder (:mod:`imgkit.colour.highlights`).

    Returns
    -------
    numpy.ndarray
        uint8, same shape as ``rgb``.
    """
    import cv2  # OpenCV's LUT and transform are 3–5× faster than the numpy equivalents here

    arr = _check_image(rgb)
    lut = np.asarray(in_lut)
    m = np.asarray(matrix, np.float64)
    if lut.shape != (256, 3) or m.shape != (3, 3):
        raise ValueError(f"expected in_lut (256, 3) and matrix (3, 3), got {lut.shape} and {m.shape}")
    img = np.ascontiguousarray(arr.reshape(-1, 1, 3))
    scale = OUT_LUT_SIZE - 1
    top = max(1.0, float(lut.max()))  # a tone curve may lift values above 1: fold that into the matrix
    table = np.clip(np.round(lut / top * scale), 0, scale).astype(np.uint16).reshape(1, 256, 3)
    m = m * top / out_top
    encode = _OUT_LUT if out_lut is None else out_lut
    out = np.empty(img.shape, np.uint8)
    k = min(BLOCK, len(img))
    lin, lin2 = np.empty((k, 1, 3), np.uint16), np.empty((k, 1, 3), np.uint16)
    for s, e in blocks(len(img)):
        a, b = lin[:e - s], lin2[:e - s]
        a = cv2.LUT(img[s:e], table, dst=a)
        b = cv2.transform(a, m, dst=b)   # saturating: < 0 → 0, > 1 → 65535
        np.take(encode, b, out=out[s:e])
    return out.reshape(arr.shape)
