"""Finding QR codes in a picture with OpenCV's ``QRCodeDetector``: decoded where possible,
and located even when they cannot be decoded (a code too blurred or partly covered is still
a code a shopper's phone may read)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: pictures are searched at most this size on the longer side (a code is tens of px at least)
SEARCH_SIDE = 1024


@dataclass(frozen=True)
class QrCode:
    text: str                           # "" when located but not decoded
    box: tuple[int, int, int, int]      # x, y, w, h in the picture's pixels


def find_qr_codes(rgb: np.ndarray) -> tuple[QrCode, ...]:
    """The QR codes in ``rgb`` (uint8, H×W×3). Two OpenCV detectors are asked: the classic
    one and the ArUco-based one decode different blurred or small codes; a code only
    located is reported with ``text == ""`` (from the ArUco-based detector alone: the classic
    one takes a keyboard's key grid for a code)."""
    import cv2

    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"rgb: expected uint8 array of shape (H, W, 3), got {rgb.dtype} {rgb.shape}")
    h, w = rgb.shape[:2]
    scale = min(1.0, SEARCH_SIDE / max(h, w))
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if scale < 1:
        gray = cv2.resize(gray, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    found: list[tuple[str, np.ndarray]] = []
    aruco = cv2.QRCodeDetectorAruco()
    for detector in (cv2.QRCodeDetector(), aruco):
        try:
            ok, texts, points, _ = detector.detectAndDecodeMulti(gray)
        except cv2.error:
            continue
        if ok and points is not None:
            found += [(t, q) for t, q in zip(texts, points, strict=False) if t and not _seen(found, q)]
    if not found:
        ok, points = aruco.detectMulti(gray)
        if ok and points is not None:
            found = [("", q) for q in points]
    codes = []
    for text, quad in found:
        xs, ys = np.asarray(quad)[:, 0] / scale, np.asarray(quad)[:, 1] / scale
        x0, y0 = max(0, int(xs.min())), max(0, int(ys.min()))
        codes.append(QrCode(text, (x0, y0, min(w, int(np.ceil(xs.max()))) - x0, min(h, int(np.ceil(ys.max()))) - y0)))
    return tuple(codes)


def _seen(found, quad) -> bool:
    """A code already decoded at about this place (the second detector finds it again)."""
    centre = np.asarray(quad).mean(axis=0)
    return any(np.abs(np.asarray(q).mean(axis=0) - centre).max() < 8 for _, q in found)
