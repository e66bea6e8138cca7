"""What `imgkit export` costs per item and platform (run by hand, not in the suite).

    python benchmarks/bench_export.py [--jobs 1] [--platforms taobao,tmall,jd,pdd,amazon,shopify]

Builds the sample shoot's 17 plain photos (three items, with a sheet that gives each an ASIN)
into a temporary OUT, then exports, in-process with ``--jobs`` workers:

- each platform alone into a fresh pack (the state's rows of that platform dropped first):
  seconds per item, files made, bytes, the mean quality reached;
- all platforms at once (each raw original decoded once per size, cut out once per size);
- all platforms again with nothing changed (the state's check only).

Prints one table; README quotes its figures.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ASINS = {"A1001": "B0SKULL001", "A1002": "B0SHOE0002", "A1003": "B0CAMERA03"}


def shoot(tmp: Path) -> Path:
    src = tmp / "shoot"
    shutil.copytree(ROOT / "samples" / "inbox", src, ignore=shutil.ignore_patterns("items.csv", "colorchecker.jpg"))
    (src / "items.csv").write_text("货号,品名,asin\n" + "".join(f"{i},item {i},{a}\n" for i, a in ASINS.items()),
                                   encoding="utf-8")
    return src


def forget(out: Path, platform: str | None) -> None:
    """Drop a platform's pack (files and rows), or every pack, so the next export makes it all."""
    db = sqlite3.connect(out / ".imgkit" / "state.sqlite")
    with db:
        if platform:
            db.execute("DELETE FROM exports WHERE platform = ?", (platform,))
        else:
            db.execute("DELETE FROM exports")
    db.close()
    shutil.rmtree(out / "export" / platform if platform else out / "export", ignore_errors=True)


def timed(out: Path, platforms: str, jobs: int):
    from imgkit.export.session import export
    start = time.perf_counter()
    summary = export(out, platforms, workers=jobs)
    return time.perf_counter() - start, summary


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--platforms", default="taobao,tmall,jd,pdd,amazon,shopify")
    args = ap.parse_args()
    from imgkit import profile as profiles
    from imgkit.engine.session import build
    with tempfile.TemporaryDirectory() as tmp:
        src = shoot(Path(tmp))
        out = Path(tmp) / "out"
        build(src, out, profiles.load("default"), jobs=2)
        items = len(ASINS)
        print(f"{'platform':<10} {'s/item':>7} {'files':>6} {'MB':>6} {'mean q':>7} {'refused':>8}  encoders")
        for platform in args.platforms.split(","):
            forget(out, platform)
            secs, s = timed(out, platform, args.jobs)
            made = [f for f in s.files if f.status == "written"]
            q = sum(f.quality or 0 for f in made) / max(1, len(made))
            encoders = ",".join(sorted({f.encoder or "" for f in made}))
            print(f"{platform:<10} {secs / items:7.2f} {len(made):6d} {sum(f.bytes for f in made) / 1e6:6.1f} "
                  f"{q:7.1f} {len(s.refused):8d}  {encoders}")
        forget(out, None)
        secs, s = timed(out, args.platforms, args.jobs)
        print(f"{'all at once':<10} {secs / items:7.2f} {s.count('written'):6d}   (one decode per photo and size)")
        secs, s = timed(out, args.platforms, args.jobs)
        print(f"{'again':<10} {secs / items:7.2f} {s.count('written'):6d}   ({s.count('unchanged')} unchanged)")


if __name__ == "__main__":
    main()
