"""Synthetic chart photos as a machine-vision camera or a cheap webcam takes them, for the
detection and calibration tests and ``benchmarks/bench_colour.py``.

The ColorChecker is drawn from its reference values (clipped into sRGB: what an sRGB image
can hold), turned, laid onto a real product photo (the scene around it, taken as linear
light), lit by a light the sensor is not balanced for, seen through the sensor's crosstalk
and channel gains, exposed, given shot and read noise, and encoded either linearly (a raw
machine-vision frame: no tone curve at all) or with a plain gamma 1/2.2 (a webcam, or a
machine-vision camera's gamma setting), never with sRGB's curve. Lights: D65 as an
un-balanced sensor sees it (green), CWF and TL84 fluorescent tubes (green-yellow), tungsten
2856 K (strong yellow).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from imgkit.colour import conversions as colour
from imgkit.colour.reference import Reference, load_reference

REF = load_reference()
#: the chart as an sRGB image can show it (the cyan lies outside sRGB): what fits are judged against
SHOWN = Reference(name="colorchecker24 (as sRGB shows it)", names=REF.names,
                  lab=colour.linear_to_lab(np.clip(REF.linear, 0, 1)), chart=True)

#: CIE xy of each light's white
LIGHTS = {"D65": (0.3127, 0.3290), "CWF": (0.3721, 0.3751), "TL84": (0.3805, 0.3769), "tungsten": (0.4476, 0.4074)}
#: a silicon sensor's raw channels: softer primaries than sRGB and green twice as sensitive
CROSSTALK = np.array([[0.74, 0.23, 0.03], [0.12, 0.76, 0.12], [0.03, 0.21, 0.76]])
SENSOR = np.diag([0.48, 1.0, 0.62])
RESPONSES = ("linear", "gamma")
STOPS = (-1, 0, 1)
#: at 0 stops the brightest raw channel of the white patch reads this share of full scale
EXPOSURE = 0.5


@dataclass(frozen=True)
class Scene:
    light: str
    response: str
    stops: int
    turn: float

    @property
    def name(self) -> str:
        return f"{self.light} {self.response} {self.stops:+d} stop, {self.turn:g}°"


def grid() -> list[Scene]:
    """Every light × response × exposure, each at another turn of the chart."""
    turns = (3.0, 17.0, 90.0, 183.0, 262.0, -31.0, 45.0, 128.0, -8.0, 200.0, 71.0, -97.0)
    scenes = [(light, response, stops) for light in LIGHTS for response in RESPONSES for stops in STOPS]
    return [Scene(light, response, stops, turns[k % len(turns)]) for k, (light, response, stops) in enumerate(scenes)]


def sensor(light: str) -> np.ndarray:
    """Linear sRGB of a surface (under D65) → raw sensor values under ``light``, white's brightest channel 1."""
    x, y = LIGHTS[light]
    white = np.array([x / y, 1.0, (1 - x - y) / y])
    lit = colour.XYZ_TO_SRGB @ colour.bradford(colour.D65, white) @ colour.SRGB_TO_XYZ
    m = SENSOR @ CROSSTALK @ lit
    return m / (m @ np.ones(3)).max()


def chart_image(pitch: int, order=None) -> tuple[np.ndarray, np.ndarray]:
    """The chart in linear light (patches, a black body around them) and its mask; ``order``
    (a permutation of 0..23) draws the same colours in another order: a grid that is no chart."""
    gap, border = max(2, pitch // 6), pitch // 3
    h, w = 4 * pitch + 2 * border - gap, 6 * pitch + 2 * border - gap
    img = np.full((h, w, 3), 0.025)
    lin = np.clip(REF.linear, 0, 1)[np.arange(24) if order is None else np.asarray(order)]
    for i in range(24):
        r, c = divmod(i, 6)
        y0, x0 = border + r * pitch, border + c * pitch
        img[y0:y0 + pitch - gap, x0:x0 + pitch - gap] = lin[i]
    return img, np.ones((h, w), np.float32)


def background(path: Path, size: tuple[int, int]) -> np.ndarray:
    """A real product photo filling the frame, as linear light (its own exposure kept, darkened a little)."""
    with Image.open(path) as im:
        im = im.convert("RGB")
        w, h = size
        scale = max(w / im.width, h / im.height)
        im = im.resize((round(im.width * scale) + 1, round(im.height * scale) + 1), Image.Resampling.BILINEAR)
        left, top = (im.width - w) // 2, (im.height - h) // 2
        arr = np.asarray(im.crop((left, top, left + w, top + h)))
    return colour.srgb_to_linear(arr) * 0.8


def render(scene: Scene, backdrop: np.ndarray, *, seed: int = 0, share: float = 0.36, jpeg: int = 0,
           order=None) -> bytes:
    """The scene as the camera delivers it: a lossless frame (PNG), as machine-vision cameras
    give, or with ``jpeg`` a JPEG of that quality, as a webcam gives. ``share``: the chart's
    width as a share of the frame's."""
    rng = np.random.default_rng(seed)
    h, w = backdrop.shape[:2]
    pitch = max(12, round(share * w / 6.3))
    chart, mask = chart_image(pitch, order)
    m = cv2.getRotationMatrix2D((chart.shape[1] / 2, chart.shape[0] / 2), scene.turn, 1.0)
    m[:, 2] += [(w - chart.shape[1]) / 2 + rng.uniform(-0.1, 0.1) * w, (h - chart.shape[0]) / 2
                + rng.uniform(-0.1, 0.1) * h]
    cover = cv2.warpAffine(mask, m, (w, h), flags=cv2.INTER_AREA)[..., None]
    drawn = cv2.warpAffine(chart.astype(np.float32), m, (w, h), flags=cv2.INTER_AREA)
    scene_lin = backdrop * (1 - cover) + drawn * cover
    raw = np.clip(scene_lin @ sensor(scene.light).T, 0, None) * EXPOSURE * 2.0 ** scene.stops
    raw = raw + rng.normal(size=raw.shape) * np.sqrt(1e-4 * raw + 4e-6)   # shot + read noise
    raw = np.clip(raw, 0, 1)
    coded = raw if scene.response == "linear" else raw ** (1 / 2.2)
    img = np.clip(np.round(coded * 255), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    if jpeg:
        Image.fromarray(img).save(buf, "JPEG", quality=jpeg)
    else:
        Image.fromarray(img).save(buf, "PNG", compress_level=1)
    return buf.getvalue()
