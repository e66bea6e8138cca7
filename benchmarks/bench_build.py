"""Throughput and quality of `imgkit build` against peers and the JPEG floor (run by hand).

    python benchmarks/bench_build.py [--count 12] [--rounds 2] [--only imgkit1,imgkit2,floor2]

Makes camera-like 24 MP JPEGs (6000x4000 mosaics of native-resolution crops of the corpus's
4257x2838 product photos, light sensor noise, q92; every 4th stored turned with EXIF
orientation 6, every 3rd tagged Adobe RGB), then runs, interleaved and each in its own
process: the floor (1/8 DCT decode + encode), the floor plus the per-image work imgkit's
invariants require (read once, SHA-256, raw copy, fsync), `imgkit build -j 1`, pyvips `thumbnail`,
ImageMagick `convert -define jpeg:size`, naive Pillow — pinned to one core with taskset —
and `imgkit build -j 2` and two floors at once (half the set each, one per core: what two
cores can give at best), each imgkit run also with `[detail] decode_margin = 1` (1/8 DCT
decoding) and also on the first half of the set, so that the per-image cost without start-up
shows. Prints ms per image, images/s, x floor, x pyvips, peak RSS, and
quality against a full-decode Lanczos reference encoded the same way (mean absolute
difference 0-255 and SSIM, outside the watermark corner). Peers need pyvips (pip + libvips)
and ImageMagick (apt): missing ones are reported and left out.
"""

from __future__ import annotations

import argparse
import io
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageCms, ImageOps

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.peers import CCM, WIDTH  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "products"
ADOBE_ICC = Image.open(ROOT / "tests" / "data" / "sharp__tifftag-photoshop.tiff").info["icc_profile"]


def make_set(folder: Path, count: int) -> list[Path]:
    tiles = [Image.open(p).convert("RGB") for p in sorted(CORPUS.glob("p01__*.jpg"))]
    rng = np.random.default_rng(7)
    folder = folder / "B1"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        canvas = Image.new("RGB", (6000, 4000))
        for k, (x, y) in enumerate([(0, 0), (3000, 0), (0, 2000), (3000, 2000)]):
            t = tiles[(n + k) % len(tiles)]
            ox, oy = (n * 97 + k * 131) % (t.width - 3000), (n * 53 + k * 71) % (t.height - 2000)
            canvas.paste(t.crop((ox, oy, ox + 3000, oy + 2000)), (x, y))
        arr = np.asarray(canvas, np.int16) + rng.normal(0, 4.0, (4000, 6000, 3)).astype(np.int16)
        im = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
        kw = {"quality": 95}
        if n % 4 == 3:
            im = im.transpose(Image.Transpose.ROTATE_90)
            exif = Image.Exif()
            exif[0x0112] = 6
            kw["exif"] = exif.tobytes()
        if n % 3 == 2:
            kw["icc_profile"] = ADOBE_ICC
        path = folder / f"IMG_{n:04d}.JPG"
        im.save(path, **kw)
        paths.append(path)
    return paths


def reference(path: Path, ccm: bool) -> np.ndarray:
    """Full decode, orientation, ICC to sRGB, Lanczos to 710 px (+ the peers' CCM), q90."""
    im = ImageOps.exif_transpose(Image.open(path))
    if "icc_profile" in im.info:
        im = ImageCms.profileToProfile(im, ImageCms.ImageCmsProfile(io.BytesIO(im.info["icc_profile"])),
                                       ImageCms.createProfile("sRGB"), outputMode="RGB")
    im = im.convert("RGB").resize((WIDTH, round(im.height * WIDTH / im.width)), Image.Resampling.LANCZOS)
    if ccm:
        im = Image.fromarray(np.clip(np.asarray(im, np.float32) @ CCM.T, 0, 255).astype(np.uint8))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90)
    return np.asarray(Image.open(buf).convert("RGB"), np.float64)


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    a = cv2.cvtColor(a.astype(np.uint8), cv2.COLOR_RGB2GRAY).astype(np.float64)
    b = cv2.cvtColor(b.astype(np.uint8), cv2.COLOR_RGB2GRAY).astype(np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    blur = lambda x: cv2.GaussianBlur(x, (11, 11), 1.5)  # noqa: E731
    ma, mb = blur(a), blur(b)
    va, vb, cov = blur(a * a) - ma ** 2, blur(b * b) - mb ** 2, blur(a * b) - ma * mb
    return float((((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma ** 2 + mb ** 2 + c1) * (va + vb + c2))).mean())


def quality(outputs: dict[Path, Path], ccm: bool) -> tuple[float, float]:
    mads, ssims = [], []
    for src, out in outputs.items():
        ref = reference(src, ccm)
        got = np.asarray(Image.open(out).convert("RGB"), np.float64)
        if got.shape != ref.shape:
            return float("nan"), float("nan")
        mask = np.ones(ref.shape[:2], bool)
        mask[int(ref.shape[0] * 0.75):, int(ref.shape[1] * 0.70):] = False   # the watermark corner
        mads.append(np.abs(got - ref)[mask].mean())
        ssims.append(ssim(np.where(mask[..., None], got, ref), ref))
    return float(np.mean(mads)), float(np.mean(ssims))


def timed(cmd: list[str], scratch: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB, by GNU time) of one command."""
    rss_file = scratch / "rss.txt"
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(rss_file), *cmd], cwd=ROOT,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    secs = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd[:5])} failed")
    return secs, int(rss_file.read_text().split()[-1]) / 1024


def outputs_of(key: str, out: Path, paths: list[Path]) -> dict[Path, Path | None]:
    if key.startswith("imgkit"):  # named by item and index: report.json says which is which
        import json
        files = json.loads((out / "report.json").read_text())["files"]
        made = {Path(f["source"]): out / f["outputs"]["detail"] for f in files if f["status"] == "processed"}
        return {p: made.get(p.resolve()) for p in paths}
    return {p: (out / (p.stem + ".jpg")) if (out / (p.stem + ".jpg")).exists() else None for p in paths}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=12)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--only", default="", help="comma-separated run keys (floor, floor2, floor_invariants, "
                    "imgkit1, imgkit1f, imgkit2, imgkit2f, pyvips, magick, pillow_naive); the floor always runs")
    args = ap.parse_args()
    py = sys.executable
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    # bytecode once, as an installed package has it: with PYTHONDONTWRITEBYTECODE set (this box
    # sets it) an editable checkout would otherwise compile imgkit on every run (~80 ms)
    subprocess.run([py, "-m", "compileall", "-q", str(ROOT / "imgkit"), str(ROOT / "benchmarks")], check=False)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "shoot"
        paths = make_set(src, args.count)
        mb = sum(p.stat().st_size for p in paths) / len(paths) / 1e6
        half = Path(tmp) / "half"   # the first half of the set: per-image cost without start-up
        (half / "B1").mkdir(parents=True)
        for p in paths[: len(paths) // 2]:
            (half / "B1" / p.name).hardlink_to(p)
        fast = Path(tmp) / "fast.toml"
        # the default profile with 1/8 decoding (a profile file does not inherit: copy it whole,
        # with its watermark's path made absolute)
        default = (ROOT / "profiles" / "default.toml").read_text(encoding="utf-8")
        text = (default.replace("decode_margin = 2.0", "decode_margin = 1.0")
                .replace('"assets/watermark.png"', f'"{ROOT / "profiles" / "assets" / "watermark.png"}"'))
        assert "decode_margin = 1.0" in text and '"assets/' not in text, "profiles/default.toml changed"
        fast.write_text(text, encoding="utf-8")
        keys = ("floor", "floor2", "floor_invariants", "imgkit1", "imgkit1p", "imgkit2", "imgkit1f", "imgkit2f",
                "pyvips", "magick", "pillow_naive")
        outs = {name: Path(tmp) / name for name in keys + tuple(k + "h" for k in keys if k.startswith("imgkit"))}
        files = [str(p) for p in paths]

        def imgkit(key: str, jobs: int, where: Path = src, *extra: str,
                   env: tuple[str, ...] = ()) -> tuple[str, list[str]]:
            cmd = [py, "-m", "imgkit", "build", str(where), "-o", str(outs[key]), "-j", str(jobs), *extra]
            return key, ([] if jobs > 1 else pin) + (["env", *env] if env else []) + cmd
        runs = {
            "floor (1/8 DCT decode + encode)": (
                "floor", pin + [py, "benchmarks/peers.py", "floor", str(outs["floor"]), *files]),
            "floor + invariants (hash, raw copy, fsync)": (
                "floor_invariants",
                pin + [py, "benchmarks/peers.py", "floor_invariants", str(outs["floor_invariants"]), *files]),
            "imgkit build -j 1": imgkit("imgkit1", 1),
            "imgkit build -j 1, Pillow Lanczos (before)": imgkit("imgkit1p", 1, env=("IMGKIT_SHRINK=pillow",)),
            "imgkit build -j 1, decode_margin 1": imgkit("imgkit1f", 1, src, "-p", str(fast)),
            "pyvips thumbnail + recomb": (
                "pyvips", pin + [py, "benchmarks/peers.py", "pyvips", str(outs["pyvips"]), *files]),
            "ImageMagick -define jpeg:size": (
                "magick", pin + [py, "benchmarks/peers.py", "magick", str(outs["magick"]), *files]),
            "naive Pillow (full decode)": (
                "pillow_naive", pin + [py, "benchmarks/peers.py", "pillow_naive", str(outs["pillow_naive"]), *files]),
            "imgkit build -j 2 (2 cores)": imgkit("imgkit2", 2),
            "imgkit build -j 2, decode_margin 1": imgkit("imgkit2f", 2, src, "-p", str(fast)),
            # the most two cores can give: two independent floors, half the set each, at once
            "floor, 2 processes x half the set": ("floor2", ["sh", "-c", " ".join(
                f"{shlex.join(['taskset', '-c', str(cpu)] if pin else [])} "
                f"{shlex.join([py, 'benchmarks/peers.py', 'floor', str(outs['floor2']), *part])} &"
                for cpu, part in ((0, files[: len(files) // 2]), (1, files[len(files) // 2:]))) + " wait"]),
        }
        if args.only:
            wanted = {"floor", *args.only.split(",")}
            runs = {name: run for name, run in runs.items() if run[0] in wanted}
        halves = {f"{name} (half the set)": (imgkit(key + "h", int(cmd[cmd.index("-j") + 1]), half,
                                                  *cmd[cmd.index("-j") + 2:],
                                                  env=tuple(a for a in cmd if a.startswith("IMGKIT_"))))
                  for name, (key, cmd) in runs.items() if key.startswith("imgkit")}
        best: dict[str, tuple[float, float]] = {}
        for _ in range(args.rounds):
            for name, (key, cmd) in {**runs, **halves}.items():
                shutil.rmtree(outs[key], ignore_errors=True)
                outs[key].mkdir()
                try:
                    secs, rss = timed(cmd, Path(tmp))
                except (RuntimeError, FileNotFoundError) as exc:
                    best.setdefault(name, (float("nan"), float("nan")))
                    print(f"{name}: not run ({exc})", file=sys.stderr)
                    continue
                if secs < best.get(name, (1e9, 0))[0]:
                    best[name] = (secs, rss)
        floor = best["floor (1/8 DCT decode + encode)"][0]
        vips = best.get("pyvips thumbnail + recomb", (float("nan"),))[0]
        print(f"{len(paths)} JPEGs 6000x4000 (every 4th orientation 6, every 3rd Adobe RGB), {mb:.1f} MB each")
        inv = best.get("floor + invariants (hash, raw copy, fsync)", (float("nan"),))[0]
        print(f"{'pipeline':<42} {'ms/img':>7} {'img/s':>6} {'x floor':>8} {'x f+inv':>8} "
              f"{'x pyvips':>9} {'RSS MB':>7} {'MAD':>5} {'SSIM':>6}")
        for name, (key, _) in runs.items():
            secs, rss = best[name]
            if key.startswith("floor"):
                mad = ss = float("nan")
            else:
                produced = outputs_of(key, outs[key], paths)
                ok = all(produced.values())
                mad, ss = quality(produced, ccm=not key.startswith("imgkit")) if ok else (float("nan"),) * 2
            print(f"{name:<42} {secs * 1000 / len(paths):7.1f} {len(paths) / secs:6.2f} {secs / floor:8.2f} "
                  f"{secs / inv:8.2f} "
                  f"{secs / vips:9.2f} {rss:7.0f} {mad:5.2f} {ss:6.4f}")
        print("\nimgkit per image without start-up: (whole set - first half) / the images added"
              " (a difference of two timings: noisy, read it over several runs)")
        n = len(paths) - len(paths) // 2
        marginal = {name: (best[name][0] - best[f"{name} (half the set)"][0]) / n
                    for name in runs if name.startswith("imgkit")}
        for name, secs in marginal.items():
            print(f"{name:<42} {secs * 1000:7.1f} ms/img")
        if "floor, 2 processes x half the set" in best:
            print(f"two floors at once vs one floor (the ceiling two cores give this set, start-up included): "
                  f"{floor / best['floor, 2 processes x half the set'][0]:.2f}x")
        for one, two in (("imgkit build -j 1", "imgkit build -j 2 (2 cores)"),
                         ("imgkit build -j 1, decode_margin 1", "imgkit build -j 2, decode_margin 1")):
            if one not in marginal or two not in marginal:
                continue
            print(f"{two} vs {one}: {marginal[one] / marginal[two]:.2f}x per image, "
                  f"{best[one][0] / best[two][0]:.2f}x whole command")

if __name__ == "__main__":
    main()
