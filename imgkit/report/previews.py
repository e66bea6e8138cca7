"""The report's other pictures: chart photos and their diagnostic images, before/after pairs of
the photos a chart corrected, description-page slices, main images.

Small WebP files in their own folder beside the detail thumbnails (``.imgkit/previews/`` of a
build tree, else ``previews/`` beside the page), named like the thumbnails by the file they show
(hashed, with the box and crop) plus its size and mtime, and ending in their own pixel size, so
a re-run makes only what changed and the page knows every size without decoding anything.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from pathlib import Path

from PIL import Image, ImageOps

from imgkit.imaging.codec import to_srgb, working_mode
from imgkit.store.files import atomic_write

QUALITY = 75


def previews_dir(page: Path) -> str:
    """Where the page's previews live, relative to the page."""
    return ".imgkit/previews" if (page.parent / ".imgkit").is_dir() else "previews"


class Previews:
    """Previews of files for one page: ``folder`` (absolute) shown as ``prefix`` (relative to the page)."""

    def __init__(self, folder: Path, prefix: str):
        self.folder, self.prefix = folder, prefix

    def get(self, src: Path, box: tuple[int, int], *, aspect: float | None = None) -> dict | None:
        """``{"src", "w", "h"}`` of a preview of ``src`` within ``box`` (EXIF orientation applied,
        converted to sRGB); ``aspect`` (height / width) keeps only the top of the picture at that
        shape (a detail image without its facts or caption band). None when ``src`` cannot be read."""
        try:
            st = src.stat()
        except OSError:
            return None
        what = f"{src}|{box}|{aspect and round(aspect, 4)}"
        stem = hashlib.sha256(what.encode("utf-8", "surrogateescape")).hexdigest()[:16]
        key = hashlib.sha256(f"{st.st_size}:{st.st_mtime_ns}".encode()).hexdigest()[:10]
        made = sorted(self.folder.glob(f"{stem}.{key}.*.webp")) if self.folder.is_dir() else []
        if made:
            return self._entry(made[0])
        try:
            data, size = _render(src, box, aspect)
        except Exception:   # anything a damaged file raises: the page shows no preview
            return None
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob(f"{stem}.*.webp"):   # the same file's preview before it changed
            old.unlink(missing_ok=True)
        path = self.folder / f"{stem}.{key}.{size[0]}x{size[1]}.webp"
        atomic_write(path, data)
        return self._entry(path)

    def _entry(self, path: Path) -> dict:
        w, h = path.name.split(".")[2].split("x")
        return {"src": f"{self.prefix}/{path.name}", "w": int(w), "h": int(h)}


def _render(src: Path, box: tuple[int, int], aspect: float | None) -> tuple[bytes, tuple[int, int]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Image.open(src) as im:
            im.draft("RGB", (box[0] * 2, box[1] * 2))
            icc = im.info.get("icc_profile")
            im = ImageOps.exif_transpose(im)
            im = to_srgb(working_mode(im), icc, []).convert("RGB")
    if aspect:
        im = im.crop((0, 0, im.width, min(im.height, max(1, round(im.width * aspect)))))
    im.thumbnail(box, Image.Resampling.LANCZOS, reducing_gap=2.0)
    buf = io.BytesIO()
    im.save(buf, "WEBP", quality=QUALITY, method=2)
    return buf.getvalue(), im.size


def aspect_of(src: Path) -> float | None:
    """Height / width of a picture as it is shown (EXIF orientation applied), from its header."""
    try:
        with Image.open(src) as im:
            w, h = im.size
            if im.getexif().get(0x0112) in (5, 6, 7, 8):
                w, h = h, w
    except Exception:
        return None
    return h / w if w else None
