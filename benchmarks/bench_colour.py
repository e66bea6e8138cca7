"""Colour calibration targets (issue 3): synthetic casts, the real chart photos, apply() time.

    python benchmarks/bench_colour.py [--corpus DIR] [--quick]

1. Synthetic: the ColorChecker rendered from its reference values (turned, on a textured
   background) under known casts, exposure ±1 stop, Poisson–Gaussian sensor noise, sRGB
   encoding and JPEG q90; then found, sampled and fitted like any photo. ΔE2000 is taken
   leave-one-out against the chart as sRGB can show it (the cyan patch lies outside sRGB, so
   no sRGB rendering can hold it); clipped patches are flagged and left out. Targets: mean
   ≤ 1.0, max ≤ 3.0.
2. Real photos (``<corpus>/colorchecker``): the chart found in every photo and in none of
   ``negative/``; mean ΔE2000 leave-one-out ≤ 2.5 and ≥ 50 % below the uncorrected photo.
3. ``apply_calibration`` on a 710 px wide image, per method (best of 30, and the median), and
   the automatic white balance (estimate + apply) on the same image.
4. Automatic white balance without a chart (``[colour] auto_white_balance = "bright-neutral"``):
   the product photos of ``<corpus>/products``, each as shot and under four casts in linear
   light; mean ΔE2000 to the photo as shot before and after, and whether it was applied.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from imgkit.colour import ccm, white_balance  # noqa: E402
from imgkit.colour import conversions as colour  # noqa: E402
from imgkit.colour.calibration import calibrate_photo, fit_sample, measure, read_photo  # noqa: E402
from imgkit.colour.calibration_file import apply_calibration  # noqa: E402
from imgkit.colour.chart import NoChartFound  # noqa: E402
from imgkit.colour.reference import Reference, load_reference  # noqa: E402

REF = load_reference()


def _adapt(xy) -> np.ndarray:
    """Linear-sRGB matrix of a light of chromaticity ``xy`` seen by a camera balanced for D65 (Bradford)."""
    x, y = xy
    white = np.array([x / y, 1.0, (1 - x - y) / y])
    m = colour.XYZ_TO_SRGB @ colour.bradford(colour.D65, white) @ colour.SRGB_TO_XYZ
    return m / (m @ np.ones(3)).max()


CROSSTALK = np.array([[0.86, 0.12, 0.02], [0.06, 0.88, 0.06], [0.02, 0.10, 0.88]])   # a softer camera
SCENES = {   # name: (linear-light transform, exposure factor, turn in degrees)
    "daylight": (CROSSTALK, 0.95, 8),
    "tungsten 2856 K": (_adapt((0.4476, 0.4074)) @ CROSSTALK, 0.95, 97),
    "fluorescent green": (np.diag([0.78, 1.0, 0.72]) @ np.array([[0.9, 0.1, 0], [0.05, 0.95, 0], [0, 0.08, 0.92]]),
                          0.9, 183),
    "daylight +1 stop": (CROSSTALK, 1.9, 272),
    "daylight -1 stop": (CROSSTALK, 0.475, 31),
    "tungsten -1 stop": (_adapt((0.4476, 0.4074)) @ CROSSTALK, 0.475, -14),
}


def render(transform: np.ndarray, exposure: float, turn: float, seed: int) -> bytes:
    """A JPEG (q90) of the chart: patches in linear light → cast → exposure → noise → sRGB."""
    rng = np.random.default_rng(seed)
    pitch, gap = 150, 24
    chart = np.full((4 * pitch + gap, 6 * pitch + gap, 3), 0.03)
    lin = np.clip(REF.linear, 0, 1)
    for i in range(24):
        r, c = divmod(i, 6)
        chart[gap + r * pitch: (r + 1) * pitch, gap + c * pitch: (c + 1) * pitch] = lin[i]
    h, w = 1400, 2000
    scene = np.full((h, w, 3), 0.18) * (1 + 0.3 * cv2.resize(rng.random((20, 28)), (w, h))[..., None])
    m = cv2.getRotationMatrix2D((chart.shape[1] / 2, chart.shape[0] / 2), turn, 1.0)
    m[:, 2] += [(w - chart.shape[1]) / 2, (h - chart.shape[0]) / 2]
    mask = cv2.warpAffine(np.ones(chart.shape[:2], np.float32), m, (w, h), flags=cv2.INTER_AREA)[..., None]
    warped = cv2.warpAffine(chart.astype(np.float32), m, (w, h), flags=cv2.INTER_AREA)
    scene = scene * (1 - mask) + warped * mask
    light = np.clip(scene @ transform.T * exposure, 0, None)
    noisy = light + rng.normal(size=light.shape) * np.sqrt(2e-4 * light + 1e-5)   # shot + read noise
    srgb = colour.linear_to_srgb(np.clip(noisy, 0, 1), as_uint8=True)
    buf = io.BytesIO()
    Image.fromarray(srgb).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def synthetic() -> bool:
    shown = Reference(name="colorchecker24 (as sRGB shows it)", names=REF.names,
                      lab=colour.linear_to_lab(np.clip(REF.linear, 0, 1)), chart=True)
    print("## Synthetic chart (leave-one-out ΔE2000 against the chart as sRGB shows it)\n")
    print("| scene | method | clipped | before mean | after mean | LOO mean | LOO max |")
    print("|---|---|---|---|---|---|---|")
    means, maxes = [], []
    for k, (name, (transform, exposure, turn)) in enumerate(SCENES.items()):
        data = render(transform, exposure, turn, seed=k)
        rgb = read_photo(data)[0]
        cal = fit_sample(measure(rgb, shown), shown)
        s = cal.summary
        means.append(s["mean_loo"])
        maxes.append(s["max_loo"])
        print(f"| {name} | {cal.fit.label} | {len(s['clipped'])} | {s['mean_before']:.2f} | {s['mean_after']:.2f} "
              f"| {s['mean_loo']:.2f} | {s['max_loo']:.2f} |")
    ok = max(means) <= 1.0 and max(maxes) <= 3.0
    print(f"\nworst scene: LOO mean {max(means):.2f} (target ≤ 1.0), LOO max {max(maxes):.2f} (target ≤ 3.0)"
          f" → {'PASS' if ok else 'FAIL'}\n")
    return ok


def real(corpus: Path) -> bool:
    folder = corpus / "colorchecker"
    print(f"## Real photos ({folder})\n")
    print("| photo | found | method | before mean | after mean | LOO mean | LOO max | LOO vs before |")
    print("|---|---|---|---|---|---|---|---|")
    ok, loos, befores = True, [], []
    for photo in sorted(folder.glob("*.jpg")):
        try:
            cal = calibrate_photo(photo)
        except NoChartFound:
            print(f"| {photo.name} | **no** | | | | | | |")
            ok = False
            continue
        s = cal.summary
        drop = 1 - s["mean_loo"] / s["mean_before"]
        loos.append(s["mean_loo"])
        befores.append(s["mean_before"])
        good = s["mean_loo"] <= 2.5 and drop >= 0.5
        ok &= good
        print(f"| {photo.name} | yes | {cal.fit.label} | {s['mean_before']:.2f} | {s['mean_after']:.2f} | "
              f"{s['mean_loo']:.2f} | {s['max_loo']:.2f} | −{100 * drop:.0f} %{'' if good else ' ✗'} |")
    for photo in sorted((folder / "negative").glob("*.jpg")):
        try:
            calibrate_photo(photo)
            print(f"| negative/{photo.name} | **found (wrong)** | | | | | | |")
            ok = False
        except NoChartFound:
            print(f"| negative/{photo.name} | no (right) | | | | | | |")
    if loos:
        print(f"\nall photos: before {np.mean(befores):.2f}, leave-one-out {np.mean(loos):.2f} "
              f"(−{100 * (1 - np.mean(loos) / np.mean(befores)):.0f} %); per-photo target ≤ 2.5 and ≥ 50 % "
              f"below → {'PASS' if ok else 'FAIL'}\n")
    return ok


def timing(corpus: Path) -> None:
    print("## apply_calibration on a 710 px wide photo\n")
    photo = next((corpus / "colorchecker").glob("*.jpg"))
    rgb = read_photo(photo)[0]
    small = np.asarray(Image.fromarray(rgb).resize((710, round(rgb.shape[0] * 710 / rgb.shape[1]))))
    small = np.ascontiguousarray(small[:473])   # a 710x473 detail image, as in the target
    shot = np.clip(REF.linear @ CROSSTALK.T * 0.9, 0, 1)
    print(f"image {small.shape[1]}x{small.shape[0]}\n")
    print("| method | best ms | median ms |")
    print("|---|---|---|")
    for method in ccm.METHODS:
        f = ccm.fit(method, shot, REF.linear, neutrals=REF.neutrals, white=REF.white)
        cal = type("C", (), {"fit": f})()
        ts = []
        for _ in range(30):
            t = time.perf_counter()
            apply_calibration(small, cal)
            ts.append((time.perf_counter() - t) * 1000)
        print(f"| {method} | {min(ts):.2f} | {np.median(ts):.2f} |")
    ts = []
    for _ in range(30):
        t = time.perf_counter()
        white_balance.balance(small, "bright-neutral")
        ts.append((time.perf_counter() - t) * 1000)
    print(f"| white balance (bright-neutral, estimate + apply) | {min(ts):.2f} | {np.median(ts):.2f} |")
    print()


CASTS = {"warm": (1.0, 0.88, 0.68), "cool": (0.8, 0.9, 1.0), "green": (0.88, 1.0, 0.85), "magenta": (1.0, 0.86, 0.97)}


def _mean_de(a: np.ndarray, b: np.ndarray) -> float:
    small = lambda x: cv2.resize(x, (178, round(x.shape[0] * 178 / x.shape[1])), interpolation=cv2.INTER_AREA)  # noqa: E731
    return float(np.mean(colour.delta_e_2000(colour.srgb_to_lab(small(a)), colour.srgb_to_lab(small(b)))))


def auto_white_balance(corpus: Path) -> None:
    print("## Automatic white balance without a chart (bright-neutral), product photos at 710 px\n")
    print("Mean ΔE2000 to the photo as shot: `cast → balanced`; `=` left as shot (reason in the last column).\n")
    print("| photo | as shot | " + " | ".join(CASTS) + " | as shot: why |")
    print("|---|---|" + "---|" * len(CASTS) + "---|")
    shrink = []
    for photo in sorted((corpus / "products").glob("p*.jpg")):
        with Image.open(photo) as im:
            im.draft("RGB", (1420, 1420))
            im = im.convert("RGB")
            shot = np.asarray(im.resize((710, round(im.height * 710 / im.width)), Image.Resampling.LANCZOS))
        same, b0 = white_balance.balance(shot, "bright-neutral")
        cells = []
        for gains in CASTS.values():
            cast = colour.linear_to_srgb(np.clip(colour.srgb_to_linear(shot) * np.array(gains), 0, 1), as_uint8=True)
            fixed, b = white_balance.balance(cast, "bright-neutral")
            before, after = _mean_de(cast, shot), _mean_de(fixed, shot)
            cells.append(f"{before:.1f} → {after:.1f}" if b.applied else f"{before:.1f} =")
            if b.applied and not b0.applied:
                shrink.append(1 - after / before)
        first = f"shifted {_mean_de(same, shot):.1f}" if b0.applied else "="
        print(f"| {photo.name} | {first} | " + " | ".join(cells) + f" | {b0.reason or 'balanced'} |")
    if shrink:
        print(f"\ncast removed on photos left as shot (neutral backdrop), over {len(shrink)} cast photos: "
              f"median {100 * np.median(shrink):.0f} %, least {100 * np.min(shrink):.0f} %\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    args = ap.parse_args()
    ok = synthetic()
    ok &= real(args.corpus)
    timing(args.corpus)
    auto_white_balance(args.corpus)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
