"""Real marketplace packs for the pack tests: JPEGs drawn with Pillow from the sample shoot's
photos, encoded by imgkit's own byte budget, the watermark drawn by imgkit's own watermark
code and text by its own renderer, laid out as ``imgkit export`` lays them out."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from imgkit import profile as profiles
from imgkit.imaging.blend import alpha_over
from imgkit.imaging.budget import encode_within
from imgkit.imaging.text import profile_fonts
from imgkit.imaging.watermark import placement, scaled_watermark
from tests.conftest import SAMPLES

PHOTOS = sorted((SAMPLES / "A1001").glob("IMG_*.JPG"))
_cache: dict[int, Image.Image] = {}


def photo(n: int, w: int, h: int) -> Image.Image:
    """A real photo (the sample skull shoot) cropped to w:h and resized to w x h."""
    if n not in _cache:
        _cache[n] = Image.open(PHOTOS[n % len(PHOTOS)]).convert("RGB").reduce(2)
    src = _cache[n]
    ratio = w / h
    cw, ch = (src.width, round(src.width / ratio)) if src.width / src.height < ratio else \
        (round(src.height * ratio), src.height)
    cw, ch = min(cw, src.width), min(ch, src.height)
    x, y = (src.width - cw) // 2, (src.height - ch) // 2
    return src.crop((x, y, x + cw, y + ch)).resize((w, h), Image.Resampling.LANCZOS)


def on_white(side: int = 800, fill: float = 0.85, *, bg=(255, 255, 255), height: int | None = None,
             aspect: float = 0.75) -> Image.Image:
    """A product (the skull photo's texture in a stool's shape: a seat with a hole, three legs)
    whose box's longer side, its width, is ``fill`` of the frame (its height ``aspect`` of that),
    centred on ``bg``."""
    height = height or side
    pw = round(fill * side)
    ph = round(pw * aspect)
    canvas = Image.new("RGB", (side, height), bg)
    mask = Image.new("L", (pw, ph), 0)
    d = ImageDraw.Draw(mask)
    d.rounded_rectangle((0, 0, pw - 1, ph * 0.35), radius=pw // 20, fill=255)
    for x in (0.05, 0.45, 0.85):
        d.rectangle((pw * x, ph * 0.3, pw * (x + 0.1), ph - 1), fill=255)
    d.ellipse((pw * 0.2, ph * 0.1, pw * 0.3, ph * 0.22), fill=0)    # a hole: the background shows through
    canvas.paste(photo(1, pw, ph), ((side - pw) // 2, (height - ph) // 2), mask)
    return canvas


def watermarked(im: Image.Image, prof) -> Image.Image:
    """``im`` with the profile's watermark drawn as the build draws it."""
    w, h = im.size
    mark = scaled_watermark(prof, w, h)
    base = np.array(im)
    x, y = placement(prof, w, h, mark)
    alpha_over(base, mark, x=x, y=y, opacity=prof.watermark.opacity)
    return Image.fromarray(base, "RGB")


def with_text(im: Image.Image, text: str, *, size: int = 56, xy: tuple[int, int] = (40, 30)) -> Image.Image:
    """``im`` with ``text`` set by imgkit's text renderer at ``xy`` (near its top), in dark grey."""
    im = im.copy()
    font = profile_fonts(profiles.load("default")).at(size)
    font.draw(ImageDraw.Draw(im), xy, text, fill=(40, 40, 40))
    return im


def save(im: Image.Image, path: Path, *, max_bytes: int = 3_000_000, min_bytes: int = 0, fmt: str = "JPEG") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encode_within(im, fmt=fmt, max_bytes=max_bytes, min_bytes=min_bytes).data)
    return path


def item_pack(root: Path, platform: str, item: str = "A1001", *, mains: int = 5, white: int = 5,
              slices: int = 2, width: int = 750, side: int = 800, fill: float = 0.85,
              tall: int = 0) -> dict[str, Path]:
    """An ``item`` layout pack (Taobao, Tmall, JD, PDD) that passes the shipped profile."""
    x = profiles.load(platform).export
    made = {}
    for n in range(1, mains + 1):
        name = f"{item}-main-{n:02d}"
        if n == white:
            im, lo = on_white(side, fill), x.white_min_bytes
        else:
            im, lo = watermarked(photo(n, side, side), profiles.load(platform)), 0
        made[name] = save(im, root / item / "main" / f"{name}.jpg", max_bytes=x.white_max_bytes or x.main_max_bytes,
                          min_bytes=lo)
    for n in range(1, tall + 1):
        name = f"{item}-tall-{n:02d}"
        made[name] = save(photo(n, x.tall_width, x.tall_height), root / item / "main" / f"{name}.jpg")
    for n in range(1, slices + 1):
        name = f"{item}-detail-{n:02d}"
        made[name] = save(photo(n + 2, width, 1200), root / item / "detail" / f"{name}.jpg",
                          max_bytes=x.detail_max_bytes)
    return made


def amazon_pack(root: Path, key: str = "B0CK12345X", *, others: int = 3, fill: float = 0.9) -> dict[str, Path]:
    made = {"MAIN": save(on_white(2000, fill), root / f"{key}.MAIN.jpg")}
    for n in range(1, others + 1):
        made[f"PT{n:02d}"] = save(photo(n, 2000, 2000), root / f"{key}.PT{n:02d}.jpg")
    return made


def shopify_pack(root: Path, item: str = "A1001", *, count: int = 3) -> dict[str, Path]:
    return {f"{item}-{n:02d}": save(photo(n, 2048, 2048), root / item / f"{item}-{n:02d}.jpg")
            for n in range(1, count + 1)}


def export_profile(path: Path, base: str, **export) -> Path:
    """A profile file extending a shipped marketplace profile with other ``[export]`` numbers."""
    lines = [f'extends = "{base}"', f'name = "{path.stem}"', "[export]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in export.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
