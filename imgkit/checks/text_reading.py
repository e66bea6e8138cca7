"""Reading the text in a picture: offline OCR with RapidOCR's PP-OCR models on ONNX Runtime.

``read_text(rgb)`` returns the lines of text found, each with its box and confidence. The
detection, orientation and recognition models (Chinese and English) ship inside the
``rapidocr`` wheel; they are named here by path, so RapidOCR never takes its download path,
and nothing is fetched at run time. The engine is built on first use (about 0.7 s) and kept
for the process: commands that read no text never import it.

Pictures are read at most ``READ_SIDE`` px on their longer side (text a shopper can read
in a listing is legible there); smaller ones are read as they are, the detector enlarging
them itself.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from imgkit.errors import ConfigError

#: longer side a picture is shrunk to before reading
READ_SIDE = 1024
#: a line read with less confidence than this is not reported (noise, texture read as letters)
MIN_SCORE = 0.6
#: RapidOCR's steps and how the wheel's model files are named (3.10: PP-OCRv6_det_small.onnx,
#: ch_ppocr_mobile_v2.0_cls_mobile.onnx, PP-OCRv6_rec_small.onnx)
_ONE_AT_A_TIME = threading.Lock()  # ONNX Runtime already uses every core for one picture
MODELS = {"Det": "*det*.onnx", "Cls": "*cls*.onnx", "Rec": "*rec*.onnx"}


@dataclass(frozen=True)
class TextLine:
    text: str
    score: float                        # the recogniser's confidence, 0..1
    box: tuple[int, int, int, int]      # x, y, w, h in the picture's pixels

    @property
    def centre(self) -> tuple[float, float]:
        x, y, w, h = self.box
        return x + w / 2, y + h / 2


def model_paths() -> dict[str, Path]:
    """The model files inside the installed ``rapidocr`` package (``ConfigError`` when a file is
    missing: a broken install, never a reason to download)."""
    try:
        import rapidocr
    except ImportError:
        raise ConfigError("reading text needs the rapidocr and onnxruntime packages: "
                          "pip install 'rapidocr>=3.4,<4' onnxruntime") from None
    folder = Path(rapidocr.__file__).parent / "models"
    found = {task: sorted(folder.glob(pattern)) for task, pattern in MODELS.items()}
    unclear = [f"{task} ({len(files)} files)" for task, files in found.items() if len(files) != 1]
    if unclear:
        raise ConfigError(f"rapidocr's OCR models are not clear in {folder}: {', '.join(unclear)} where one "
                          "model each is expected; reinstall rapidocr 3.x from its wheel, which carries them")
    return {task: files[0] for task, files in found.items()}


@functools.cache
def _engine():
    from rapidocr import EngineType, RapidOCR

    # detection at the picture's own size (up to READ_SIDE): RapidOCR's default enlarges every
    # picture to 736 px on its shorter side, which triples the time for a 400 px main image
    params = {"Global.log_level": "error", "Global.max_side_len": READ_SIDE,
              "Det.limit_type": "max", "Det.limit_side_len": READ_SIDE}
    for task, path in model_paths().items():
        params[f"{task}.model_path"] = str(path)
        params[f"{task}.engine_type"] = EngineType.ONNXRUNTIME
    return RapidOCR(params=params)


def read_text(rgb: np.ndarray, *, min_score: float = MIN_SCORE) -> tuple[TextLine, ...]:
    """The lines of text in ``rgb`` (uint8, H×W×3), top to bottom, boxes in its pixels."""
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"rgb: expected uint8 array of shape (H, W, 3), got {rgb.dtype} {rgb.shape}")
    h, w = rgb.shape[:2]
    scale = min(1.0, READ_SIDE / max(h, w))
    if scale < 1:
        import cv2
        rgb = cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    # RapidOCR takes OpenCV's BGR order; its step switches persist between calls, so name them all
    with _ONE_AT_A_TIME:
        result = _engine()(np.ascontiguousarray(rgb[..., ::-1]), use_det=True, use_cls=True, use_rec=True)
    if result.boxes is None or result.txts is None:
        return ()
    lines = []
    for quad, text, score in zip(result.boxes, result.txts, result.scores, strict=True):
        if score < min_score or not text.strip():
            continue
        xs, ys = np.asarray(quad)[:, 0] / scale, np.asarray(quad)[:, 1] / scale
        x0, y0 = max(0, int(np.floor(xs.min()))), max(0, int(np.floor(ys.min())))
        x1, y1 = min(w, int(np.ceil(xs.max()))), min(h, int(np.ceil(ys.max())))
        lines.append(TextLine(text.strip(), round(float(score), 3), (x0, y0, x1 - x0, y1 - y0)))
    return tuple(sorted(lines, key=lambda t: (t.box[1], t.box[0])))
