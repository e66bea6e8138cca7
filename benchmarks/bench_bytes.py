"""Bytes at the quality floor (luma SSIM >= 0.97 against the unencoded pixels) per JPEG encoder.

For a few real images (corpus product photos at 800 and 2000 px, and one on a white square
like a white-background main image) the lowest integer quality whose file keeps the floor is
found by bisection over 1..100 for each encoder, and its bytes and encode time reported:

- pillow:  Pillow (libjpeg-turbo), optimize=True, 4:2:0, the sRGB ICC tag (imgkit's fallback)
- mozjpeg: the same file re-optimised losslessly by mozjpeg-lossless-optimization (imgkit's default)
- jpegli:  pyjpegli (if installed; its own subsampling, no ICC tag: a few hundred bytes less)

Run by hand, briefly (about half a minute on 2 cores): python benchmarks/bench_bytes.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from imgkit.imaging.budget import JPEG_ENCODERS, _first_true, luma, ssim  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "products"
PHOTOS = ("p01__skull-17-front.jpg", "p26__chair.jpg", "p28__leather-sofa.jpg")
WHITE = "p17__running-shoe-blue.jpg"
FLOOR = 0.97


def encoders() -> dict:
    found = dict(JPEG_ENCODERS)
    try:
        import pyjpegli

        def jpegli(rgb: Image.Image, quality: int, subsampling: str) -> bytes:
            return pyjpegli.encode(np.ascontiguousarray(np.asarray(rgb)), rgb.width, rgb.height, quality=quality)
        found["jpegli"] = jpegli
    except ImportError:
        pass
    return {name: found[name] for name in ("pillow", "mozjpeg", "jpegli") if name in found}


def images() -> list[tuple[str, Image.Image]]:
    out = []
    for name in PHOTOS:
        photo = Image.open(CORPUS / name).convert("RGB")
        for side in (800, 2000):
            im = photo.copy()
            im.thumbnail((side, side), Image.Resampling.LANCZOS)
            out.append((f"{name.split('__')[1][:-4]} {im.width}x{im.height}", im))
    shoe = Image.open(CORPUS / WHITE).convert("RGB")
    shoe.thumbnail((720, 720), Image.Resampling.LANCZOS)
    white = Image.new("RGB", (800, 800), (255, 255, 255))
    white.paste(shoe, ((800 - shoe.width) // 2, (800 - shoe.height) // 2))
    out.append(("shoe on white 800x800", white))
    return out


def at_floor(im: Image.Image, encode) -> tuple[int, int, float]:
    """(quality, bytes, ms per encode) of the lowest quality keeping the floor."""
    ref = luma(np.asarray(im))
    files = {}

    def keeps(q: int) -> bool:
        files[q] = encode(im, q, "4:2:0")
        back = Image.open(__import__("io").BytesIO(files[q])).convert("RGB")
        return ssim(ref, luma(np.asarray(back))) >= FLOOR

    q = _first_true(keeps, 1, 100) or 100
    times = []
    for _ in range(3):
        t = time.perf_counter()
        encode(im, q, "4:2:0")
        times.append((time.perf_counter() - t) * 1000)
    return q, len(files[q]), statistics.median(times)


def main() -> None:
    names = list(encoders())
    enc = encoders()
    head = ["image"] + [f"{n} q / bytes / ms" for n in names] + [f"{n} vs pillow" for n in names[1:]]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    totals = dict.fromkeys(names, 0)
    for label, im in images():
        row, sizes = [label], {}
        for n in names:
            q, size, ms = at_floor(im, enc[n])
            sizes[n] = size
            totals[n] += size
            row.append(f"{q} / {size:,} / {ms:.0f}")
        row += [f"{(sizes[n] / sizes['pillow'] - 1) * 100:+.1f} %" for n in names[1:]]
        print("| " + " | ".join(row) + " |")
    row = ["all, total bytes"] + [f"{totals[n]:,}" for n in names]
    row += [f"{(totals[n] / totals['pillow'] - 1) * 100:+.1f} %" for n in names[1:]]
    print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
