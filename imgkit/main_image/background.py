"""Background measures over whole arrays: the border ring, its colour, what differs from it.

Array in, array out, no file I/O. Colour differences are CIE76 ΔE*ab (``core.lab``).
"""

from __future__ import annotations

import cv2
import numpy as np

from imgkit.colour.conversions import delta_e76, srgb_to_lab


def _check(rgb: np.ndarray) -> None:
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"rgb: expected uint8 array of shape (H, W, 3), got {rgb.dtype} {rgb.shape}")


def ring_mask(height: int, width: int, ring: int) -> np.ndarray:
    """True on the ``ring`` pixels next to each edge."""
    mask = np.zeros((height, width), bool)
    r = max(1, min(ring, height // 2, width // 2))
    mask[:r], mask[-r:], mask[:, :r], mask[:, -r:] = True, True, True, True
    return mask


def box_mask(height: int, width: int, boxes) -> np.ndarray:
    """True inside any of the (x, y, w, h) ``boxes`` (clipped to the image)."""
    mask = np.zeros((height, width), bool)
    for x, y, w, h in boxes:
        mask[max(0, y):max(0, y + h), max(0, x):max(0, x + w)] = True
    return mask


def dominant_colour(rgb: np.ndarray, mask: np.ndarray) -> tuple[int, int, int]:
    """The per-channel median of the pixels under ``mask``: the background's colour when the
    mask is the border ring (robust to a logo or a shadow touching part of it)."""
    _check(rgb)
    return tuple(int(v) for v in np.median(rgb[mask], axis=0))


def distance_map(rgb: np.ndarray, colour) -> np.ndarray:
    """ΔE*ab of every pixel from ``colour`` (float32, shape (H, W))."""
    _check(rgb)
    return delta_e76(srgb_to_lab(rgb, white="D65"),
                     srgb_to_lab(np.asarray(colour, np.uint8), white="D65")).astype(np.float32)


def content_mask(distance: np.ndarray, tolerance: float, *, min_area: int = 4) -> np.ndarray:
    """Pixels further than ``tolerance`` from the background, without specks smaller than
    ``min_area`` pixels (compression noise)."""
    mask = (distance > tolerance).astype(np.uint8)
    if min_area <= 1 or not mask.any():
        return mask.astype(bool)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= min_area
    keep[0] = False
    return keep[labels]


def bbox(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x, y, w, h) of the True pixels, or None when there are none."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1)


def border_connected(mask: np.ndarray) -> np.ndarray:
    """The parts of ``mask`` that touch the image border (flood fill from the edges)."""
    n, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    edge = edge[edge != 0]
    return np.isin(labels, edge)


Box = tuple[int, int, int, int]


def parts(mask: np.ndarray, *, min_area: int = 1) -> tuple[np.ndarray, list[tuple[int, int, Box]]]:
    """The separate pieces of ``mask`` (8-connected): the label image and, largest first,
    ``(label, area, (x, y, w, h))`` of each piece of at least ``min_area`` pixels."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    found = [(i, int(stats[i, cv2.CC_STAT_AREA]), tuple(int(v) for v in stats[i, :4])) for i in range(1, n)
             if stats[i, cv2.CC_STAT_AREA] >= min_area]
    return labels, sorted(found, key=lambda p: -p[1])


def touched_edges(mask: np.ndarray) -> list[str]:
    """Which edges of the image ``mask`` reaches: top, bottom, left, right."""
    return [name for name, edge in (("top", mask[0]), ("bottom", mask[-1]), ("left", mask[:, 0]),
                                    ("right", mask[:, -1])) if edge.any()]


def holes(mask: np.ndarray) -> np.ndarray:
    """Areas (px) of the holes in ``mask``: pieces of its complement (4-connected) that do not
    reach the image border."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats((~mask.astype(bool)).astype(np.uint8), connectivity=4)
    edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    inner = np.setdiff1d(np.arange(1, n), edge)
    return stats[inner, cv2.CC_STAT_AREA].astype(np.int64)
