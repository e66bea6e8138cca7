"""Soft contact shadows: a darker, same-chroma version of the backdrop.

Under the product the backdrop gets less light: its lightness drops while its chroma hardly
changes (a grey sweep stays grey, a blue one stays the same blue, only darker). A shadow is
also soft: its lightness changes slowly, while a product's outline is a step. Such pixels,
connected to the open backdrop, are backdrop to be painted white, not product.
"""

from __future__ import annotations

import cv2
import numpy as np

#: a shadow keeps at least this share of the backdrop's lightness (darker is a product)
MIN_LIGHT_RATIO = 0.35
#: the chroma a shadow may change by: a base (ΔE*ab) plus a share of the lightness drop
CHROMA_BASE, CHROMA_SLOPE = 3.0, 0.12
#: or, on a backdrop of at least HUE_CHROMA (C*ab), the hue kept within MAX_HUE_TURN degrees
#: and the chroma within 40 % of the dimmed backdrop's
HUE_CHROMA, MAX_HUE_TURN = 12.0, 20.0
#: a shadow's lightness gradient (L* per pixel at the working size, after a light blur) stays
#: below this; a product's outline is steeper
MAX_GRADIENT = 2.5
#: Canny's thresholds for a product's outline, in L* per working pixel
EDGE_LOW, EDGE_HIGH = 1.0, 2.5


def shadow_like(lab: np.ndarray, backdrop: np.ndarray) -> np.ndarray:
    """Pixels whose colour is the backdrop's, darker, with little chroma change and no sharp
    edge: a shadow's signature (whether each is one depends on its being connected to the
    backdrop: ``matte.seeds``)."""
    return shadow_colour(lab, backdrop) & (gradient(lab[..., 0]) < MAX_GRADIENT)


def shadow_colour(lab: np.ndarray, backdrop: np.ndarray) -> np.ndarray:
    """The colour test alone (any shape of arrays ending in 3): darker than the backdrop, by
    not too much, with its chroma dimmed in step."""
    light = lab[..., 0]
    drop = backdrop[..., 0] - light
    ratio = _ratio(light, backdrop)
    ea, eb = backdrop[..., 1] * ratio, backdrop[..., 2] * ratio      # the chroma a plain dimming gives
    chroma = np.hypot(lab[..., 1] - ea, lab[..., 2] - eb)
    same = chroma <= CHROMA_BASE + CHROMA_SLOPE * drop
    # a coloured backdrop's shadow is often lit by other light too: its hue stays, its chroma
    # may drift a little more
    expected = np.hypot(ea, eb)
    got = np.hypot(lab[..., 1], lab[..., 2])
    turn = np.abs((np.arctan2(lab[..., 2], lab[..., 1]) - np.arctan2(eb, ea) + np.pi) % (2 * np.pi) - np.pi)
    hue = (expected >= HUE_CHROMA) & (np.degrees(turn) <= MAX_HUE_TURN) & (np.abs(got - expected) <= 0.4 * expected)
    return (drop > 0) & (light >= MIN_LIGHT_RATIO * backdrop[..., 0]) & (same | hue)


def outlines(lab: np.ndarray) -> np.ndarray:
    """Sharp lightness steps (Canny on L*, lightly blurred), thickened: a product's outline,
    which a soft shadow does not have. Shadows are only followed from the open backdrop
    without crossing one, so a grey product face next to its shadow stays product."""
    light = cv2.GaussianBlur(lab[..., 0], (0, 0), 1.2)
    code = np.clip(light * 2.55, 0, 255).astype(np.uint8)
    # a 3x3 Sobel of a ramp is 8x its slope; L* -> code is x2.55
    edges = cv2.Canny(code, 20.4 * EDGE_LOW, 20.4 * EDGE_HIGH, L2gradient=True)
    return cv2.dilate(edges, np.ones((5, 5), np.uint8)).astype(bool)


def _ratio(light: np.ndarray, backdrop: np.ndarray) -> np.ndarray:
    """A shadow on a coloured backdrop dims a* and b* with L* + 16: less light scales X, Y
    and Z alike, and L* + 16, a* and b* all go with their cube roots."""
    return np.clip((light + 16) / (backdrop[..., 0] + 16), 0.0, 1.0)


def gradient(light: np.ndarray) -> np.ndarray:
    blurred = cv2.GaussianBlur(light, (0, 0), 1.0)
    gx = cv2.Sobel(blurred, cv2.CV_32F, 1, 0, ksize=3) / 8
    gy = cv2.Sobel(blurred, cv2.CV_32F, 0, 1, ksize=3) / 8
    return np.hypot(gx, gy)
