"""Rebuild samples/inbox/ from the third-party corpus (see samples/ATTRIBUTION.md).

Run:  python samples/make_samples.py   (needs Pillow)
"""
import shutil
from pathlib import Path

from PIL import Image, ImageChops, ImageOps, ImageStat

CORPUS = Path(__file__).resolve().parents[2] / "shared/corpus/products"
CHARTS = CORPUS.parent / "colorchecker"
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
# A1001's colour chart, shot "in the same session": a byte-for-byte copy (MIT, see ATTRIBUTION.md)
CHART = ("arcu__color_checker_06.jpg", "A1001/colorchecker.jpg")
# The product sheet as the shop's Excel saves it ("CSV UTF-8": BOM, CRLF). A1004 has a row
# but no photos yet (see NOTES): the build warns about it.
SHEET = [
    "货号,品名,颜色,面料,尺码,说明,卖点",
    "A1001,手绘骷髅摆件,象牙白,树脂,均码（长12×宽8×高9 cm）,手工上色，每件纹理略有不同，以实物为准,"
    "眼窝层次分明，立体感强|侧面颅骨纹理清晰|后脑弧线自然，手工打磨|骨缝细节逐条手绘|牙齿细节逼真，书桌书架都好摆",
    "A1002,轻量跑步鞋,黑/白/蓝 三色,飞织网布 + 橡胶大底,36–44,鞋码偏大半码，建议选小一码,"
    "飞织鞋面，透气轻盈|加厚鞋舌，包裹稳定|编织中底，回弹缓震|耐磨橡胶大底，防滑抓地",
    "A1003,复古胶片相机,黑/银,金属机身 + 人造革,,二手收藏级，已清洁检测，附原装背带,"
    "金属机身，手感扎实|皮腔折叠结构，收纳小巧|双镜头取景，俯视构图|即拍即得，当场出片|多层镀膜镜头，画面通透",
    "A1004,帆布托特包,米白,12 安帆布,均码（宽38×高36 cm）,下批到货后上架,大容量，可放 14 寸电脑|加厚肩带，久背不勒",
]


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
    shutil.copyfile(CHARTS / CHART[0], INBOX / CHART[1])
    with open(INBOX / "items.csv", "w", encoding="utf-8-sig", newline="\r\n") as sheet:
        sheet.write("\n".join(SHEET) + "\n")


if __name__ == "__main__":
    main()
