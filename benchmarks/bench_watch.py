"""Drop-to-output latency and sustained throughput of `imgkit watch` (run by hand).

    python benchmarks/bench_watch.py [--singles 10] [--stream 40] [--interval 0.25] [--settle 2] [--polling]

Makes one camera-sized JPEG (6000x4000, q92, real detail from samples/ plus sensor-like
noise); every drop is a distinct copy (a JPEG comment marker with a serial number), moved
into the inbox atomically. Singles: one drop, wait for its detail image, next. Stream: a drop
every --interval seconds into one item, then wait for all. Prints p50/p95 latency and
images/s; the target is p95 <= settle + 1 s for a single 24 MP photo.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent


def camera_jpeg(path: Path) -> bytes:
    im = Image.open(ROOT / "samples" / "inbox" / "A1001" / "IMG_0418.JPG").convert("RGB")
    arr = np.asarray(im.resize((6000, 4000), Image.Resampling.BICUBIC), np.int16)
    arr = arr + np.random.default_rng(3).normal(0, 6, (4000, 6000, 1)).astype(np.int16)
    Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).save(path, quality=92)
    return path.read_bytes()


def variant(data: bytes, n: int) -> bytes:
    text = f"imgkit bench {n}".encode()
    return data[:2] + b"\xff\xfe" + (len(text) + 2).to_bytes(2, "big") + text + data[2:]


def drop(tmp: Path, inbox: Path, item: str, name: str, data: bytes) -> float:
    staged = tmp / name
    staged.write_bytes(data)
    (inbox / item).mkdir(exist_ok=True)
    start = time.monotonic()
    staged.rename(inbox / item / name)
    return start


def wait_for(path: Path, timeout: float = 120) -> float:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(path)
        time.sleep(0.005)
    return time.monotonic()


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--singles", type=int, default=10)
    ap.add_argument("--stream", type=int, default=40)
    ap.add_argument("--interval", type=float, default=0.25)
    ap.add_argument("--settle", type=float, default=2.0)
    ap.add_argument("--polling", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        inbox, out = tmp / "inbox", tmp / "out"
        inbox.mkdir()
        data = camera_jpeg(tmp / "base.jpg")
        print(f"source: 6000x4000 JPEG, {len(data) / 1e6:.1f} MB; settle {args.settle} s"
              f"{', polling 0.5 s' if args.polling else ', native events'}")
        cmd = [sys.executable, "-m", "imgkit", "watch", str(inbox), "-o", str(out), "--settle", str(args.settle)]
        if args.polling:
            cmd += ["--polling", "--poll-interval", "0.5"]
        proc = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.DEVNULL)
        try:
            time.sleep(1.5)
            lat = []
            for n in range(args.singles):
                start = drop(tmp, inbox, "S1", f"s{n:03d}.jpg", variant(data, n))
                lat.append(wait_for(out / "detail" / "S1" / f"S1-{n + 1:02d}.jpg") - start)
            print(f"single drops ({len(lat)}): p50 {pct(lat, 50):.2f} s  p95 {pct(lat, 95):.2f} s  "
                  f"(target p95 <= {args.settle + 1:.1f} s)")
            starts = []
            first = time.monotonic()
            for n in range(args.stream):
                starts.append(drop(tmp, inbox, f"T{n // 10}", f"t{n:03d}.jpg", variant(data, 1000 + n)))
                time.sleep(args.interval)
            ends = [wait_for(out / "detail" / f"T{n // 10}" / f"T{n // 10}-{n % 10 + 1:02d}.jpg")
                    for n in range(args.stream)]
            lat = [e - s for s, e in zip(starts, ends, strict=True)]
            rate = args.stream / (max(ends) - first)
            print(f"stream of {args.stream}, one drop per {args.interval} s: p50 {pct(lat, 50):.2f} s  "
                  f"p95 {pct(lat, 95):.2f} s  throughput {rate:.2f} images/s")
        finally:
            proc.terminate()
            proc.wait(60)


if __name__ == "__main__":
    main()
