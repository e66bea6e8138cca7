"""The peer pipelines of the throughput benchmark: the same job each, one file at a time.

Job: decode a camera JPEG, apply EXIF orientation, shrink to 710 px wide, apply a fixed
3x3 colour correction, composite the shop's PNG watermark bottom-right, encode q90 4:2:0.
Run as ``python benchmarks/peers.py NAME OUTDIR FILE...`` so each gets its own process
(for its peak RSS); NAME is floor, floor_invariants, pillow_naive, pyvips or magick.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
WATERMARK = ROOT / "profiles" / "assets" / "watermark.png"
CCM = np.array([[1.06, -0.04, -0.02], [-0.03, 1.05, -0.02], [-0.01, -0.05, 1.06]])
WIDTH = 710


def floor(path: Path, out: Path) -> None:
    """Decode at 1/8 by DCT scaling and encode: the least any pipeline must do."""
    from PIL import Image
    im = Image.open(path)
    im.draft("RGB", (im.width // 8, im.height // 8))
    im.save(out, "JPEG", quality=90)


def floor_invariants(path: Path, out: Path) -> None:
    """The floor plus the work DESIGN's invariants require of any imgkit pipeline per image:
    read the source once, hash it (the state keys sources by SHA-256), keep its bytes as the
    raw copy (``OUTDIR/raw/``, R9), make both files durable (fsync); decode and encode from
    the bytes in memory as the floor does."""
    from PIL import Image
    data = path.read_bytes()
    hashlib.sha256(data).hexdigest()
    raw = out.parent / "raw" / path.name
    raw.parent.mkdir(exist_ok=True)
    _write_synced(raw, data)
    im = Image.open(io.BytesIO(data))
    im.draft("RGB", (im.width // 8, im.height // 8))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90)
    _write_synced(out, buf.getvalue())


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def pillow_naive(path: Path, out: Path) -> None:
    from PIL import Image, ImageOps
    im = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
    im = im.resize((WIDTH, round(im.height * WIDTH / im.width)), Image.Resampling.LANCZOS)
    arr = np.asarray(im, np.float32) @ CCM.T
    im = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    mark = Image.open(WATERMARK).convert("RGBA")
    mark = mark.resize((round(WIDTH * 0.22), round(mark.height * WIDTH * 0.22 / mark.width)))
    m = round(WIDTH * 0.03)
    im.paste(mark, (im.width - mark.width - m, im.height - mark.height - m), mark)
    im.save(out, "JPEG", quality=90)


def pyvips(path: Path, out: Path) -> None:
    import pyvips as vips
    im = vips.Image.thumbnail(str(path), WIDTH, height=100000)  # shrink-on-load, auto-rotate
    im = im.colourspace("srgb").recomb(CCM.tolist()).cast("uchar")
    mark = vips.Image.thumbnail(str(WATERMARK), round(WIDTH * 0.22))
    m = round(WIDTH * 0.03)
    im = im.composite2(mark, "over", x=im.width - mark.width - m, y=im.height - mark.height - m)
    im.flatten().jpegsave(str(out), Q=90, subsample_mode="on", strip=True)


def magick(path: Path, out: Path) -> None:
    m = round(WIDTH * 0.03)
    cc = " ".join(f"{v:g}" for v in CCM.flatten())
    subprocess.run(["convert", "-define", f"jpeg:size={WIDTH * 2}x{WIDTH * 2}", str(path), "-auto-orient",
                    "-resize", f"{WIDTH}x", "-color-matrix", cc,
                    "(", str(WATERMARK), "-resize", f"{round(WIDTH * 0.22)}x", ")",
                    "-gravity", "southeast", "-geometry", f"+{m}+{m}", "-composite",
                    "-strip", "-quality", "90", "-sampling-factor", "4:2:0", str(out)], check=True)


PEERS = {"floor": floor, "floor_invariants": floor_invariants, "pillow_naive": pillow_naive,
         "pyvips": pyvips, "magick": magick}

if __name__ == "__main__":
    name, outdir, *files = sys.argv[1:]
    for f in files:
        PEERS[name](Path(f), Path(outdir) / (Path(f).stem + ".jpg"))
