"""Rebuild samples/inbox/ from the third-party corpus (see samples/ATTRIBUTION.md).

Run:  python samples/make_samples.py   (needs Pillow)
"""
import shutil
from pathlib import Path

from PIL import Image, ImageChops, ImageOps, ImageStat

CORPUS = Path(__file__).resolve().parents[2] / "shared/corpus/products"
INBOX = Path(__file__).resolve().parent / "inbox"

# A1001: the p01 skull, six angles, re-encoded as a camera would name them.
SKULL = ["17-front", "18-front-quarter", "22-side", "26-back", "30-rear-quarter", "35-front-high"]
ROTATED = "IMG_0419.JPG"  # side view: pixels stored rotated, EXIF Orientation=6
# Byte-for-byte copies: corpus name -> inbox name.
COPIES = {
    "p17__running-shoe-blue.jpg": "A1002/shoe-1.jpg",
    "p18__running-shoe-black.jpg": "A1002/shoe-2.jpg",
    "p19__hi-top-sneaker.jpg": "A1002/shoe-3.jpg",
    "p20__running-shoe-bw.jpg": "A1002/shoe-4.jpg",
    "p21__canvas-sneaker.jpg": "A1002/shoe-5.jpg",
    "p11__instant-camera.jpg": "A1003_front.jpg",
    "p12__camera-lens.jpg": "A1003_side.jpg",
    "p13__instamatic-camera.jpg": "A1003 03.jpg",
    "p14__compact-camera.jpg": "A1003_04.jpg",
    "p15__folding-camera.jpg": "A1003_05.jpg",
    "p16__twin-lens-camera.jpg": "A1003_06.jpg",
}
NOTES = "shoot 2026-11-20, all in except one\nitem A1004 still to come\n"


def make_skull_shot(src: Path, dst: Path, second: int) -> None:
    with Image.open(src) as im:
        upright = im.convert("RGB").resize((2400, round(im.height * 2400 / im.width)), Image.Resampling.LANCZOS)
    exif = Image.Exif()
    exif[0x010F] = "imgkit-sample"  # Make
    exif.get_ifd(0x8769)[0x9003] = f"2026:11:20 10:15:{second:02d}"  # DateTimeOriginal
    stored = upright
    if dst.name == ROTATED:
        stored = upright.transpose(Image.Transpose.ROTATE_90)  # stored sideways (90° CCW) ...
        exif[0x0112] = 6  # ... and Orientation=6 tells viewers to turn it 90° CW
    stored.save(dst, "JPEG", quality=88, subsampling=2, exif=exif)
    # Check: what a correct viewer shows is the upright shot (up to JPEG loss).
    with Image.open(dst) as saved:
        shown = ImageOps.exif_transpose(saved).convert("RGB")
    assert shown.size == upright.size, (dst, shown.size)
    mean = max(ImageStat.Stat(ImageChops.difference(shown, upright)).mean)  # per-channel mean |diff|
    assert mean < 4, (dst, mean)


def main() -> None:
    if INBOX.exists():
        shutil.rmtree(INBOX)
    (INBOX / "A1001").mkdir(parents=True)
    (INBOX / "A1002").mkdir()
    for i, angle in enumerate(SKULL):
        make_skull_shot(CORPUS / f"p01__skull-{angle}.jpg", INBOX / "A1001" / f"IMG_{417 + i:04d}.JPG", 7 * i)
    for src, dst in COPIES.items():
        shutil.copyfile(CORPUS / src, INBOX / dst)
    (INBOX / "notes.txt").write_text(NOTES, encoding="utf-8")


if __name__ == "__main__":
    main()
