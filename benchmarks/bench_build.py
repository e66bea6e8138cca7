"""Throughput of `imgkit build` against a floor and naive Pillow, in one run (run by hand).

    python benchmarks/bench_build.py [--count 12] [--keep DIR]

Makes camera-sized JPEGs (6000x4000, q92, real photographic detail from samples/ plus
sensor-like noise, so files weigh like a camera's), then times, interleaved:
- floor: Pillow decode at 1/8 DCT scale, shrink to 710 px, encode q90 — nothing else;
- naive: full decode, Lanczos to 710 px, encode;
- imgkit build -j 1 and -j 2 (whole command: start-up, scan, hash, raw copy, state).
Prints ms per image and the ratio to the floor. Absolute times drift; ratios hold.
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent


def make_set(folder: Path, count: int) -> list[Path]:
    photos = sorted((ROOT / "samples" / "inbox" / "A1001").glob("*.JPG"))
    rng = np.random.default_rng(7)
    paths = []
    for n in range(count):
        im = Image.open(photos[n % len(photos)]).convert("RGB").resize((6000, 4000), Image.Resampling.BICUBIC)
        arr = np.asarray(im, np.int16) + rng.normal(0, 6, (4000, 6000, 1)).astype(np.int16)
        path = folder / "B1" / f"IMG_{n:04d}.JPG"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).save(path, quality=92)
        paths.append(path)
    return paths


def floor(path: Path) -> None:
    im = Image.open(path)
    im.draft("RGB", (im.width // 8, im.height // 8))
    im = im.resize((710, round(im.height * 710 / im.width)), Image.Resampling.BILINEAR)
    im.save(io.BytesIO(), "JPEG", quality=90)


def naive(path: Path) -> None:
    im = Image.open(path).convert("RGB")
    im = im.resize((710, round(im.height * 710 / im.width)), Image.Resampling.LANCZOS)
    im.save(io.BytesIO(), "JPEG", quality=90)


def imgkit(src: Path, jobs: int) -> None:
    out = src.parent / "out"
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "imgkit", "build", str(src), "-o", str(out), "-j", str(jobs)],
                   check=True, capture_output=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=12)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "shoot"
        paths = make_set(src, args.count)
        mb = sum(p.stat().st_size for p in paths) / len(paths) / 1e6
        print(f"{len(paths)} JPEGs 6000x4000, {mb:.1f} MB each")
        runs = {"floor (1/8 draft + encode)": lambda: [floor(p) for p in paths],
                "naive Pillow (full decode, Lanczos)": lambda: [naive(p) for p in paths],
                "imgkit build -j 1": lambda: imgkit(src, 1),
                "imgkit build -j 2": lambda: imgkit(src, 2)}
        best = {name: float("inf") for name in runs}
        for _ in range(args.rounds):  # interleaved, best of rounds
            for name, run in runs.items():
                start = time.perf_counter()
                run()
                best[name] = min(best[name], (time.perf_counter() - start) * 1000 / len(paths))
        base = best["floor (1/8 draft + encode)"]
        print(f"{'pipeline':<38} {'ms/image':>9} {'x floor':>8}")
        for name, ms in best.items():
            print(f"{name:<38} {ms:9.1f} {ms / base:8.2f}")


if __name__ == "__main__":
    main()
