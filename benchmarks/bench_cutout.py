"""What a white-background cut-out costs (run by hand, not in the suite).

    python benchmarks/bench_cutout.py [--repeat 3] [--side 6000]

Takes the corpus's plain-backdrop product photos (../shared/corpus/products, or
IMGKIT_CORPUS), scales each to --side px on its long side (a camera's 24 MP), and times with
OpenCV on one thread, each the best of --repeat runs: ``cut_out`` and ``on_white`` to a
2000x2000 Amazon MAIN at fill 0.85. Prints one table; README quotes its figures.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPUS = Path(os.environ.get("IMGKIT_CORPUS", ROOT.parent / "shared" / "corpus"))
PHOTOS = ("p04__mouse.jpg", "p07__hard-drive.jpg", "p16__twin-lens-camera.jpg", "p18__running-shoe-black.jpg",
          "p24__skipping-rope.jpg")


def best(fn, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--side", type=int, default=6000)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    from imgkit.cutout import CutoutRefused, cut_out, on_white

    print(f"{'photo':32} {'size':>11} {'cut_out s':>9} {'on_white s':>10}  result")
    for name in PHOTOS:
        rgb = np.asarray(Image.open(CORPUS / "products" / name).convert("RGB"))
        k = args.side / max(rgb.shape[:2])
        big = cv2.resize(rgb, (round(rgb.shape[1] * k), round(rgb.shape[0] * k)), interpolation=cv2.INTER_CUBIC)
        size = f"{big.shape[1]}x{big.shape[0]}"
        try:
            took, cut = best(lambda big=big: cut_out(big), args.repeat)
        except CutoutRefused as exc:
            print(f"{name:32} {size:>11} {'':>9} {'':>10}  refused: {exc}")
            continue
        placed, _ = best(lambda cut=cut: on_white(cut, 2000, 2000, 0.85), args.repeat)
        print(f"{name:32} {size:>11} {took:9.2f} {placed:10.2f}  {cut.method}")


if __name__ == "__main__":
    main()
