"""The product on pure white: edge colours freed of the backdrop, placed at a platform's fill.

An edge pixel is a mix of the product and the backdrop, I = αF + (1 − α)B. With the backdrop
model B known, F = (I − (1 − α)B) / α: the backdrop's share is taken out, so on white the
edge blends into white instead of keeping a grey or coloured halo. ``on_white`` scales the
premultiplied product (αF, α), composites it on (255, 255, 255) and snaps every pixel the
product does not reach to exactly 255.
"""

from __future__ import annotations

import cv2
import numpy as np

#: below this alpha (after scaling) a pixel is background: exactly white
ALPHA_ZERO = 1 / 255
#: below this alpha an edge pixel's solved colour loses its chroma in step (0 at α = 0)
FAINT = 0.4


def decontaminate(rgb: np.ndarray, alpha: np.ndarray, edge) -> np.ndarray:
    """uint8 HxWx3: the product's colours; on the soft band's pixels (0 < α < 1) the
    backdrop's share removed. Elsewhere the photo (α says what is product)."""
    out = rgb.copy()
    a = alpha[edge.ys, edge.xs]
    part = (a > 0) & (a < 1)
    ys, xs, a = edge.ys[part], edge.xs[part], a[part][:, None]
    i = rgb[ys, xs].astype(np.float32)
    f = (i - (1 - a) * edge.backdrop[part]) / np.maximum(a, 1e-3)
    # where the product is a faint share of the pixel (a thin cable, the last pixel of an
    # edge) the solved colour is mostly noise divided by α: its chroma goes towards grey
    grey = f @ np.array([0.299, 0.587, 0.114], np.float32)
    k = np.clip((FAINT - a) / FAINT, 0, 1)
    f = f * (1 - k) + grey[:, None] * k
    out[ys, xs] = np.clip(np.rint(f), 0, 255).astype(np.uint8)
    return out


def on_white(cut, width: int, height: int, fill: float) -> tuple[np.ndarray, dict]:
    """uint8 ``height``x``width``x3: the product scaled so its box's longer side is ``fill`` of
    the frame's matching side, centred, on pure white; and where it went (JSON-able)."""
    if width < 1 or height < 1 or not 0 < fill <= 1:
        raise ValueError(f"on_white: expected a frame of at least 1x1 and 0 < fill <= 1, got {width}x{height}, {fill}")
    x, y, bw, bh = cut.box
    scale = fill * width / bw if bw / width >= bh / height else fill * height / bh
    size = (max(1, min(width, round(bw * scale))), max(1, min(height, round(bh * scale))))
    # a margin of source pixels around the box keeps the soft edge whole
    m = max(2, int(np.ceil(2 / scale)))
    ih, iw = cut.alpha.shape
    x0, y0, x1, y1 = max(0, x - m), max(0, y - m), min(iw, x + bw + m), min(ih, y + bh + m)
    alpha = cut.alpha[y0:y1, x0:x1].astype(np.float32)
    premult = cut.foreground[y0:y1, x0:x1].astype(np.float32) * alpha[..., None]
    sx, sy = size[0] / bw, size[1] / bh
    out_w, out_h = max(1, round((x1 - x0) * sx)), max(1, round((y1 - y0) * sy))
    interp = cv2.INTER_AREA if sx < 1 else cv2.INTER_LINEAR   # no ringing: a cubic overshoot is a fringe
    alpha = np.clip(cv2.resize(alpha, (out_w, out_h), interpolation=interp), 0, 1)
    premult = np.clip(cv2.resize(premult, (out_w, out_h), interpolation=interp), 0, 255)
    alpha[alpha < ALPHA_ZERO] = 0
    premult[alpha == 0] = 0
    tile = premult + (1 - alpha[..., None]) * 255
    canvas = np.full((height, width, 3), 255, np.uint8)
    at_x = (width - size[0]) // 2 - round((x - x0) * sx)
    at_y = (height - size[1]) // 2 - round((y - y0) * sy)
    cx0, cy0 = max(0, at_x), max(0, at_y)
    cx1, cy1 = min(width, at_x + out_w), min(height, at_y + out_h)
    if cx1 > cx0 and cy1 > cy0:
        patch = tile[cy0 - at_y:cy1 - at_y, cx0 - at_x:cx1 - at_x]
        canvas[cy0:cy1, cx0:cx1] = np.clip(np.rint(patch), 0, 255).astype(np.uint8)
    placed = [(width - size[0]) // 2, (height - size[1]) // 2, size[0], size[1]]
    return canvas, {"scale": round(float(scale), 5), "placed": placed,
                    "fill": round(max(size[0] / width, size[1] / height), 4)}
