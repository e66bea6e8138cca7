"""Decoding right: orientation, ICC to sRGB, odd modes, DCT scaling, bombs refused fast."""

import io
import time
import zlib

import numpy as np
import pytest
from PIL import Image, ImageCms

from imgkit import profile as profiles
from imgkit.detail import pipeline as detail
from imgkit.errors import Rejected
from imgkit.imaging import codec as imaging
from tests.conftest import DATA, SAMPLES, write_profile


@pytest.fixture(scope="module")
def upscale(tmp_path_factory):
    path = write_profile(tmp_path_factory.mktemp("p") / "up.toml", detail={"allow_upscale": True})
    return profiles.load(str(path))


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    """Same rules, no watermark: for comparing pixels."""
    path = tmp_path_factory.mktemp("p") / "plain.toml"
    path.write_text("[detail]\nallow_upscale = true\n[watermark]\nenabled = false\n")
    return profiles.load(str(path))


def render(profile, name) -> np.ndarray:
    out = detail.run(profile, (DATA / name).read_bytes()).outputs["detail"]
    return np.asarray(Image.open(io.BytesIO(out)).convert("RGB"), dtype=np.float32)


@pytest.mark.parametrize("n", range(2, 9))
def test_every_exif_orientation_shows_like_the_upright_photo(plain, n):
    upright = render(plain, "sharp__Landscape_1.jpg")
    turned = render(plain, f"sharp__Landscape_{n}.jpg")
    assert turned.shape == upright.shape == (532, 710, 3)  # 600x450 -> 710x532.5, rounded
    assert np.abs(turned - upright).mean() < 6, f"orientation {n} not applied"


def test_orientation_ignored_would_fail_the_same_check(plain):
    """The check above can fail: the stored pixels of 3 (rotated 180) differ from 1."""
    stored = Image.open(DATA / "sharp__Landscape_3.jpg").convert("RGB").resize((710, 532))
    upright = render(plain, "sharp__Landscape_1.jpg")
    assert np.abs(np.asarray(stored, np.float32) - upright).mean() > 30


def test_webp_orientation(plain):
    out = render(plain, "pillow__hopper_orientation_6.webp")
    ref = Image.open(DATA / "pillow__hopper_orientation_6.webp")
    assert ref.getexif().get(0x0112) == 6
    expected = np.asarray(ref.convert("RGB").transpose(Image.Transpose.ROTATE_270).resize((710, 710)), np.float32)
    assert np.abs(out - expected).mean() < 8


def test_cmyk_jpeg_matches_its_rgb_twin(plain):
    cmyk = render(plain, "pillow__pil_sample_cmyk.jpg")
    rgb = render(plain, "pillow__pil_sample_rgb.jpg")
    assert np.abs(cmyk - rgb).mean() < 12


def test_cmyk_tiff_with_icc_becomes_red(plain):
    px = render(plain, "sharp__fogra-0-100-100-0.tif")[300, 300]
    assert px[0] > 180 and px[1] < 60 and px[2] < 70, px


def test_adobe_rgb_is_converted_through_its_profile(plain):
    src = Image.open(DATA / "sharp__tifftag-photoshop.tiff")
    assert "Adobe RGB" in ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(src.info["icc_profile"])))
    out = render(plain, "sharp__tifftag-photoshop.tiff")
    naive = np.asarray(src.convert("RGB").resize((out.shape[1], out.shape[0]), Image.Resampling.LANCZOS), np.float32)
    srgb = ImageCms.profileToProfile(src, ImageCms.ImageCmsProfile(io.BytesIO(src.info["icc_profile"])),
                                     ImageCms.createProfile("sRGB"), outputMode="RGB")
    reference = np.asarray(srgb.resize((out.shape[1], out.shape[0]), Image.Resampling.LANCZOS), np.float32)
    assert np.abs(out - reference).mean() < 3
    assert np.abs(out - naive).mean() > 2 * np.abs(out - reference).mean()


def test_16_bit_png_scales_without_wraparound(plain):
    out = render(plain, "ljt__monkey16.png")
    src = Image.open(DATA / "ljt__monkey16.png").convert("RGB").resize((out.shape[1], out.shape[0]),
                                                                       Image.Resampling.LANCZOS)
    assert np.abs(out - np.asarray(src, np.float32)).mean() < 4


def test_16_bit_grey_is_scaled_not_clipped():
    grey16 = Image.fromarray(np.linspace(0, 65535, 256 * 8).astype(np.uint16).reshape(8, 256))
    assert grey16.mode.startswith("I;16")
    out = np.asarray(imaging.working_mode(grey16))
    assert out.dtype == np.uint8 and out.min() == 0 and out.max() == 255
    assert abs(int(out.flat[1024]) - 128) <= 1  # mid-grey stays mid-grey


def test_alpha_is_flattened_on_the_profile_background(plain):
    src = Image.open(DATA / "pillow__transparent.png")
    alpha = np.asarray(src.getchannel("A"))
    assert (alpha == 0).any()
    out = render(plain, "pillow__transparent.png")
    y, x = np.argwhere(alpha == 0)[0]
    sy, sx = int(y * out.shape[0] / alpha.shape[0]), int(x * out.shape[1] / alpha.shape[1])
    assert (out[sy, sx] > 240).all()  # white background


def test_jpeg_draft_decodes_only_what_a_clean_shrink_needs():
    photo = Image.open(SAMPLES / "A1001" / "IMG_0417.JPG").resize((3000, 2000))
    buf = io.BytesIO()
    photo.save(buf, "JPEG", quality=90)
    src = imaging.decode(buf.getvalue(), max_pixels=10**9, formats=("JPEG",), multi_frame="reject",
                         width=710, allow_upscale=False)
    assert src.size == (3000, 2000)           # full size as displayed
    assert src.image.size == (1500, 1000)     # decoded at 1/2 by DCT scaling: >= 2x the target
    full = imaging.decode(buf.getvalue(), max_pixels=10**9, formats=("JPEG",), multi_frame="reject",
                          width=None, allow_upscale=False)
    assert full.image.size == (3000, 2000)    # no width asked (master files): everything
    fast = imaging.decode(buf.getvalue(), max_pixels=10**9, formats=("JPEG",), multi_frame="reject",
                          width=710, allow_upscale=False, margin=1.0)
    assert fast.image.size == (750, 500)      # [detail] decode_margin = 1.0: 1/4, still >= the target


def test_decode_margin_one_renders_a_close_710px_image(tmp_path):
    from imgkit import profile as profiles
    from imgkit.detail import pipeline as detail
    from tests.conftest import write_profile
    photo = Image.open(SAMPLES / "A1002" / "shoe-1.jpg").convert("RGB")
    photo = photo.resize((photo.width * 3000 // photo.width, photo.height * 3000 // photo.width))
    buf = io.BytesIO()
    photo.save(buf, "JPEG", quality=92)
    made = {}
    for margin in (2.0, 1.0):
        prof = profiles.load(str(write_profile(tmp_path / f"{margin}.toml", detail={"decode_margin": margin})))
        made[margin] = np.asarray(Image.open(io.BytesIO(detail.run(prof, buf.getvalue()).outputs["detail"])),
                                  np.float32)
    assert made[1.0].shape == made[2.0].shape and made[1.0].shape[1] == 710
    diff = np.abs(made[1.0] - made[2.0]).mean()
    assert 0 < diff < 3.0, f"softer but close: mean difference {diff:.2f}"


def test_orientation_6_swaps_the_displayed_size():
    data = (SAMPLES / "A1001" / "IMG_0419.JPG").read_bytes()
    src = imaging.decode(data, max_pixels=10**9, formats=("JPEG",), multi_frame="reject",
                         width=710, allow_upscale=False)
    assert src.orientation == 6 and src.size == (2400, 1600)


def test_narrow_source_rejected_unless_upscale_allowed(upscale):
    default = profiles.load("default")
    with pytest.raises(Rejected, match="narrower than 710 px"):
        detail.run(default, (DATA / "sharp__Landscape_1.jpg").read_bytes())
    assert detail.run(upscale, (DATA / "sharp__Landscape_1.jpg").read_bytes()).image.size == (710, 532)


def test_pixel_bomb_refused_before_decoding():
    bomb = io.BytesIO()
    Image.new("L", (1, 1)).save(bomb, "PNG")
    data = bytearray(bomb.getvalue())
    data[16:24] = (60000).to_bytes(4, "big") + (60000).to_bytes(4, "big")  # IHDR: 60000x60000
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
    start = time.perf_counter()
    with pytest.raises(Rejected, match="too large"):
        imaging.decode(bytes(data), max_pixels=100_000_000, formats=("PNG",), multi_frame="reject",
                       width=710, allow_upscale=False)
    assert time.perf_counter() - start < 1.0


def test_output_is_srgb_tagged_and_carries_no_camera_metadata(upscale):
    data = (SAMPLES / "A1001" / "IMG_0417.JPG").read_bytes()
    assert Image.open(io.BytesIO(data)).getexif()  # the source has EXIF (Make, dates)
    out = Image.open(io.BytesIO(detail.run(upscale, data).outputs["detail"]))
    assert not out.getexif() and "exif" not in out.info and "xmp" not in out.info
    desc = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(out.info["icc_profile"])))
    assert desc.lower().startswith("srgb")


@pytest.mark.parametrize("data, words", [
    (b"", "empty file"),
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "HEIC"),
    (b"hello, this is text", "not an image"),
])
def test_sniffed_refusals(data, words):
    with pytest.raises(Rejected, match=words):
        imaging.decode(data, max_pixels=10**8, formats=("JPEG",), multi_frame="reject",
                       width=710, allow_upscale=False)


def test_near_one_shrink_is_as_sharp_as_lanczos():
    """750 -> 710 px (a 24 MP JPEG at 1/8) takes the fast cubic: right size, close to Lanczos,
    no softer, the same bytes every time; alpha keeps Pillow's premultiplied Lanczos."""
    import cv2
    profile = profiles.load("default")
    photo = Image.open(SAMPLES / "A1001" / "IMG_0417.JPG").convert("RGB")   # 2400x1600
    src = photo.resize((750, 500), Image.Resampling.LANCZOS)

    def laplacian(a: np.ndarray) -> float:
        grey = np.asarray(Image.fromarray(a).convert("L"), np.float64)
        return float(np.abs(cv2.Laplacian(grey, cv2.CV_64F)).mean())

    for image, orientation, size in ((src, 1, (710, 473)), (src.transpose(Image.Transpose.ROTATE_90), 6, (473, 710)),
                                     (src.convert("L"), 1, (710, 473))):
        out = detail.resize(detail.Frame(profile=profile, data=b"", image=image, orientation=orientation)).image
        assert out.size == size and out.mode == image.mode
        got = np.asarray(out, np.float64)
        lanczos = np.asarray(image.resize(size, Image.Resampling.LANCZOS), np.float64)
        mad = np.abs(got - lanczos).mean()
        assert mad < 0.3, f"{image.mode}: {mad:.3f} from Lanczos (bilinear/area 0.43, a quarter pixel off 0.86)"
        sharp = laplacian(np.asarray(out)) / laplacian(np.asarray(lanczos).astype(np.uint8))
        assert sharp > 0.95, f"{image.mode}: {sharp:.3f} of Lanczos's detail (Pillow bicubic 0.92, bilinear 0.77)"
    threads = cv2.getNumThreads()
    try:
        runs = []
        for n in (1, 2):
            cv2.setNumThreads(n)
            runs.append(detail.resize(detail.Frame(profile=profile, data=b"", image=src)).image.tobytes())
    finally:
        cv2.setNumThreads(threads)
    assert runs[0] == runs[1]
    rgba = src.convert("RGBA")
    out = detail.resize(detail.Frame(profile=profile, data=b"", image=rgba)).image
    assert out.tobytes() == rgba.resize((710, 473), Image.Resampling.LANCZOS).tobytes()
