"""Process pool against a Dask LocalCluster on the same set, same machine (run by hand).

    python benchmarks/bench_dask.py [--count 24] [--workers 2]

Uses the camera-sized set of bench_build.py; each executor builds it into a fresh OUT,
best of two rounds. Prints images/s and the Dask overhead per image (cluster start-up
included, and excluded).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_build import ROOT, make_set  # noqa: E402


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=24)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    from dask.distributed import LocalCluster
    with tempfile.TemporaryDirectory() as t:
        src = Path(t) / "shoot"
        make_set(src, args.count)
        out = Path(t) / "out"
        base = [sys.executable, "-m", "imgkit", "build", str(src), "-o", str(out), "-j", str(args.workers)]
        runs = {"process pool": base, "dask LocalCluster (started by imgkit)": base + ["--executor", "dask"]}
        best = {}
        with LocalCluster(n_workers=args.workers, threads_per_worker=1, dashboard_address=None) as cluster:
            runs["dask LocalCluster (already running)"] = base + ["--executor", "dask", "--scheduler",
                                                                  cluster.scheduler_address]
            for _ in range(2):
                for name, cmd in runs.items():
                    shutil.rmtree(out, ignore_errors=True)
                    best[name] = min(best.get(name, 1e9), timed(cmd))
        pool = best["process pool"]
        print(f"{args.count} JPEGs 6000x4000, {args.workers} workers")
        for name, secs in best.items():
            print(f"{name:<40} {secs:6.2f} s  {args.count / secs:5.2f} img/s  "
                  f"overhead {(secs - pool) * 1000 / args.count:+6.1f} ms/img")


if __name__ == "__main__":
    main()
