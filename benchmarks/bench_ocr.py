"""What reading the picture costs (run by hand, not in the suite).

    python benchmarks/bench_ocr.py [--repeat 3] [--threads N]

Builds the sample shoot (samples/inbox, facts panel and captions from its sheet) into a
temporary OUT, then times, each the best of --repeat runs:

- the OCR engine's load (a fresh process: import, three ONNX sessions) and the import of
  imgkit's CLI without it;
- ``read_text`` and ``find_qr_codes`` on every 710 px detail image, on a 400x400 S1 service
  main image, an 800x800 Taobao item image and a 2000x2000 Amazon image;
- ``imgkit validate OUT`` with ``[validate] read_text`` off and on.

Prints one table; README quotes its figures.
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
sys.path.insert(0, str(ROOT))


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def fresh_process(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main_images(tmp: Path) -> dict[str, np.ndarray]:
    from imgkit import profile as profiles
    from imgkit.imaging.fonts import find_font
    from imgkit.main_image.from_photo import make
    from imgkit.main_image.render import Spec, render

    service = profiles.load("taobao-service")
    logo = ROOT / "profiles" / "assets" / "sample-logo.png"
    s1 = render(Spec("禾木家居生活馆", "正品保障 7天退换", logo), service, find_font(service), fmt="PNG")
    out = {"S1 service 400x400": s1.data}
    photo = ROOT.parent / "shared" / "corpus" / "products" / "p18__running-shoe-black.jpg"
    for name in ("taobao-item", "amazon-main"):
        if photo.is_file():
            made = make(photo, profiles.load(name), fmt="JPEG")
            out[f"{name} {made.sidecar['image']['width']}px"] = made.data
    import io
    return {k: np.asarray(Image.open(io.BytesIO(v)).convert("RGB")) for k, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from imgkit.checks.qr_codes import find_qr_codes
    from imgkit.checks.text_reading import read_text

    rows = []
    cli_import = min(fresh_process("import imgkit.cli") for _ in range(args.repeat))
    loaded = min(fresh_process("import numpy as np\nfrom imgkit.checks.text_reading import read_text\n"
                               "read_text(np.zeros((32, 32, 3), np.uint8))") for _ in range(args.repeat))
    rows.append(("import imgkit.cli (no OCR loaded)", f"{cli_import:.2f} s"))
    rows.append(("python + OCR engine load + one empty read", f"{loaded:.2f} s"))

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        out = tmp / "out"
        subprocess.run([sys.executable, "-m", "imgkit", "build", str(ROOT / "samples" / "inbox"), "-o", str(out),
                        "-j", "2"], cwd=ROOT, check=True, capture_output=True)
        read_text(np.zeros((32, 32, 3), np.uint8))  # the engine, loaded once
        detail = sorted((out / "detail").rglob("*.jpg"))
        ocr, qr, lines = [], [], 0
        for path in detail:
            rgb = np.asarray(Image.open(path).convert("RGB"))
            ocr.append(best(lambda rgb=rgb: read_text(rgb), args.repeat))
            qr.append(best(lambda rgb=rgb: find_qr_codes(rgb), args.repeat))
            lines += len(read_text(rgb))
        sizes = {Image.open(p).size for p in detail}
        heights = sorted(h for _, h in sizes)
        rows.append((f"OCR, {len(detail)} detail images 710 x {heights[0]}..{heights[-1]} px ({lines} lines read)",
                     f"median {statistics.median(ocr):.2f} s, max {max(ocr):.2f} s"))
        rows.append(("QR search, same images", f"median {statistics.median(qr) * 1000:.0f} ms"))
        for name, rgb in main_images(tmp).items():
            t = best(lambda rgb=rgb: read_text(rgb), args.repeat)
            q = best(lambda rgb=rgb: find_qr_codes(rgb), args.repeat)
            rows.append((f"OCR + QR, main image {name}", f"{t:.2f} s + {q * 1000:.0f} ms"))
        on = tmp / "read.toml"
        on.write_text(f'[watermark]\nimage = "{(ROOT / "profiles/assets/watermark.png").as_posix()}"\n'
                      "[validate]\nread_text = true\n")
        for label, prof in (("off", "default"), ("on", str(on))):
            t = min(fresh_process(f"import sys\nfrom imgkit.cli import main\nsys.argv = ['imgkit', 'validate', "
                                  f"{str(out)!r}, '-p', {prof!r}]\ntry:\n    main()\nexcept SystemExit:\n    pass")
                    for _ in range(max(1, args.repeat - 1)))
            rows.append((f"imgkit validate (17 images), read_text {label}, whole process", f"{t:.1f} s"))

    width = max(len(r[0]) for r in rows)
    import os
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    for what, figure in rows:
        print(f"{what:<{width}}  {figure}")


if __name__ == "__main__":
    main()
