"""The shrink to 710 px, every variant tried for issue 21, in one process (run by hand).

    python benchmarks/bench_resample.py [--count 12] [--rounds 3]

On bench_build.py's camera-like 6000x4000 JPEGs: how each way of getting from the file to a
710 px image compares with a full-decode Lanczos-3 reference (SSIM on luma, before any JPEG
encoding; bench_build.py's SSIM is after encoding both at q90, ~0.006 lower), and the time of
the decode and of the shrink, best of the rounds, pinned to one core. The variants:
the DCT-scaled decode at 1/4 (1500 px) or 1/8 (750 px), then Pillow Lanczos (imgkit's
shrink before issue 21), imgkit's shrink now (``imaging/resample.py``: a Lanczos-3 low-pass by
OpenCV and cubic sampling), libvips ``reduce`` Lanczos-3 (with the copies from and to Pillow), OpenCV INTER_AREA,
Pillow ``reduce(2)`` + OpenCV cubic, OpenCV cubic from 1/8 (``decode_margin = 1``), the same
with an unsharp mask, and libvips ``thumbnail`` (shrink-on-load + reduce, from the bytes).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.bench_build import make_set, ssim  # noqa: E402

WIDTH = 710


def decoded(data: bytes, scale: int) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.draft("RGB", (im.width // scale, im.height // scale))
    im.load()
    return im.convert("RGB")


def target(im: Image.Image) -> tuple[int, int]:
    return WIDTH, round(im.height * WIDTH / im.width)


def main() -> None:
    import pyvips

    from imgkit.imaging.resample import shrink as lanczos_cubic
    pyvips.cache_set_max(0)
    pyvips.concurrency_set(1)

    def shrink(im: Image.Image, size: tuple[int, int]) -> Image.Image:   # the copies in and out included
        v = pyvips.Image.new_from_memory(im.tobytes(), im.width, im.height, 3, "uchar")
        out = v.reduce(im.width / size[0], im.height / size[1], kernel="lanczos3")
        return Image.frombytes("RGB", (out.width, out.height), out.write_to_memory())

    def vips_thumb(data: bytes) -> np.ndarray:
        v = pyvips.Image.thumbnail_buffer(data, WIDTH, height=100000, no_rotate=True)
        return np.ndarray(buffer=v.write_to_memory(), dtype=np.uint8, shape=(v.height, v.width, v.bands))

    def unsharp(a: np.ndarray) -> np.ndarray:
        return cv2.addWeighted(a, 1.6, cv2.GaussianBlur(a, (0, 0), 0.8), -0.6, 0)

    variants = {   # name: (decode scale or 0 for "from the bytes", the shrink)
        "1/4 + Pillow Lanczos (before #21)": (4, lambda im: np.asarray(im.resize(target(im), Image.LANCZOS))),
        "1/4 + Lanczos low-pass + cubic (default)": (4, lambda im: np.asarray(lanczos_cubic(im, target(im)))),
        "1/4 + libvips reduce (copies incl.)": (4, lambda im: np.asarray(shrink(im, target(im)))),
        "1/4 + OpenCV INTER_AREA": (4, lambda im: cv2.resize(np.asarray(im), target(im), interpolation=cv2.INTER_AREA)),
        "1/4 + Pillow reduce(2) + cubic": (4, lambda im: cv2.resize(np.asarray(im.reduce(2)), target(im),
                                                                     interpolation=cv2.INTER_CUBIC)),
        "1/8 + cubic (decode_margin 1)": (8, lambda im: cv2.resize(np.asarray(im), target(im),
                                                                    interpolation=cv2.INTER_CUBIC)),
        "1/8 + cubic + unsharp mask": (8, lambda im: unsharp(cv2.resize(np.asarray(im), target(im),
                                                                         interpolation=cv2.INTER_CUBIC))),
        "libvips thumbnail (from the bytes)": (0, vips_thumb),
    }
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=12)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    with tempfile.TemporaryDirectory() as tmp:
        datas = [p.read_bytes() for p in make_set(Path(tmp), args.count)]
    refs = []
    for data in datas:
        im = decoded(data, 1)
        refs.append(np.asarray(im.resize(target(im), Image.LANCZOS), np.float64))
    decode_ms = {s: min(_timed(lambda d=d, s=s: decoded(d, s)) for d in datas for _ in range(args.rounds))
                 for s in (4, 8)}
    print(f"{len(datas)} JPEGs 6000x4000; decode alone, best single image: "
          f"1/4 {decode_ms[4]:.1f} ms, 1/8 {decode_ms[8]:.1f} ms")
    print(f"{'variant':<42} {'shrink ms':>9} {'SSIM':>7} {'min SSIM':>8}")
    for name, (scale, fn) in variants.items():
        times, scores = [], []
        for data, ref in zip(datas, refs, strict=True):
            src = decoded(data, scale) if scale else data
            best = float("inf")
            for _ in range(args.rounds):
                t = time.perf_counter()
                out = fn(src)
                best = min(best, time.perf_counter() - t)
            times.append(best * 1000)
            scores.append(ssim(np.asarray(out, np.float64), ref) if out.shape == ref.shape else float("nan"))
        print(f"{name:<42} {np.median(times):9.1f} {np.mean(scores):7.4f} {np.min(scores):8.4f}")
    print("(the thumbnail row's time includes its decode)")


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


if __name__ == "__main__":
    main()
