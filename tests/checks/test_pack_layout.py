"""A pack's names, places, sizes, bytes, formats and counts through the real CLI, for each layout.

Most packs here are judged with the shipped profile's numbers but without the white image
(``white_index = 0``: that image's checks are in test_pack_white.py), so no OCR runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from tests.checks.packs import export_profile, item_pack, on_white, photo, save, shopify_pack
from tests.checks.test_pack_white import hits, judge


@pytest.fixture(scope="module")
def profiles_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("profiles")
    for name in ("taobao", "jd", "pdd", "amazon", "shopify"):
        export_profile(d / f"{name}-nw.toml", name, white_index=0)
    return d


@pytest.fixture(scope="module")
def taobao(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("tb") / "taobao"
    item_pack(root, "taobao", mains=4, white=0, slices=2, tall=1)
    return root


def test_good_item_pack_passes_and_says_so(taobao, profiles_dir):
    code, data = judge(taobao, str(profiles_dir / "taobao-nw.toml"))
    assert code == 0 and data["findings"] == []
    assert data["summary"]["files"] == 7 and data["items"][0]["item"] == "A1001"
    assert all(f["format"] == "JPEG" for f in data["items"][0]["files"])


def test_item_layout_names_places_and_formats(taobao, profiles_dir, tmp_path):
    pack = Path(shutil.copytree(taobao, tmp_path / "taobao"))
    main = pack / "A1001" / "main"
    (main / "A1001-main-04.jpg").rename(main / "A1001-main-4.jpg")             # NN is two digits
    (pack / "A1001" / "detail" / "A1001-detail-02.jpg").rename(pack / "A1001" / "A1001-detail-02.jpg")
    shutil.copy(main / "A1001-main-01.jpg", pack / "stray.jpg")                 # in no item
    shutil.copy(main / "A1001-main-01.jpg", main / "A1001-main-03.jpeg")       # .jpeg, not .jpg
    (main / "A1001-main-03.jpg").unlink()
    Image.open(main / "A1001-main-02.jpg").save(main / "A1001-main-02.png")     # a PNG
    (main / "A1001-main-02.jpg").unlink()
    code, data = judge(pack, str(profiles_dir / "taobao-nw.toml"))
    assert code == 1
    assert hits(data) == {
        ("pack.name", "A1001/main/A1001-main-4.jpg"), ("pack.name", "A1001/A1001-detail-02.jpg"),
        ("pack.name", "stray.jpg"), ("pack.format", "A1001/main/A1001-main-03.jpeg"),
        ("pack.format", "A1001/main/A1001-main-02.png")}
    by_file = {f["file"]: f["message"] for f in data["findings"]}
    assert "format PNG" in by_file["A1001/main/A1001-main-02.png"]
    assert "A1001-main|tall-NN.jpg" in by_file["A1001/main/A1001-main-4.jpg"]


def test_sizes_of_main_tall_and_slices(taobao, profiles_dir, tmp_path):
    pack = Path(shutil.copytree(taobao, tmp_path / "taobao"))
    main, detail = pack / "A1001" / "main", pack / "A1001" / "detail"
    save(photo(1, 800, 700), main / "A1001-main-02.jpg")             # not square
    save(photo(1, 650, 650), main / "A1001-main-03.jpg")             # under Taobao's 700 px
    save(photo(2, 750, 900), main / "A1001-tall-01.jpg")             # not 750x1000
    save(photo(3, 760, 1200), detail / "A1001-detail-01.jpg")        # Taobao's slices are 750 wide
    save(photo(3, 750, 2100), detail / "A1001-detail-02.jpg")        # over 2000 px tall
    code, data = judge(pack, str(profiles_dir / "taobao-nw.toml"))
    assert code == 1
    assert hits(data) == {("pack.size.main", "A1001/main/A1001-main-02.jpg"),
                          ("pack.size.main", "A1001/main/A1001-main-03.jpg"),
                          ("pack.size.tall", "A1001/main/A1001-tall-01.jpg"),
                          ("pack.size.detail", "A1001/detail/A1001-detail-01.jpg"),
                          ("pack.size.detail", "A1001/detail/A1001-detail-02.jpg")}


def test_jd_main_side_range_and_pdd_slice_widths(profiles_dir, tmp_path):
    jd = tmp_path / "jd"
    item_pack(jd, "jd", mains=2, white=0, slices=1, side=1500, width=1500)     # both at JD's maximum
    assert judge(jd, str(profiles_dir / "jd-nw.toml"))[0] == 0
    save(photo(1, 1600, 1600), jd / "A1001" / "main" / "A1001-main-02.jpg")
    code, data = judge(jd, str(profiles_dir / "jd-nw.toml"))
    assert code == 1 and hits(data) == {("pack.size.main", "A1001/main/A1001-main-02.jpg")}
    assert "800..1500 px" in data["findings"][0]["message"]
    pdd = tmp_path / "pdd"
    item_pack(pdd, "pdd", mains=1, white=0, slices=2, width=480)               # PDD takes 480..1200
    save(photo(1, 1300, 1000), pdd / "A1001" / "detail" / "A1001-detail-02.jpg")
    code, data = judge(pdd, str(profiles_dir / "pdd-nw.toml"))
    assert code == 1 and hits(data) == {("pack.size.detail", "A1001/detail/A1001-detail-02.jpg")}


def test_counts_and_the_missing_white_image(taobao, profiles_dir, tmp_path):
    pack = Path(shutil.copytree(taobao, tmp_path / "taobao"))
    main = pack / "A1001" / "main"
    for n in (5, 6):
        shutil.copy(main / "A1001-main-01.jpg", main / f"A1001-main-{n:02d}.jpg")   # six, at most five
    code, data = judge(pack, str(profiles_dir / "taobao-nw.toml"))
    assert code == 1 and hits(data) == {("pack.count.main", "")}
    assert data["findings"][0]["item"] == "A1001" and "6 main images, at most 5" in data["findings"][0]["message"]
    code, data = judge(taobao, "taobao")        # the shipped profile wants main-05 on white
    assert code == 1 and hits(data) == {("pack.white.missing", "")}
    pdd = tmp_path / "pdd"
    item_pack(pdd, "pdd", mains=1, white=0, slices=1)
    slices = pdd / "A1001" / "detail"
    for n in range(2, 22):
        shutil.copy(slices / "A1001-detail-01.jpg", slices / f"A1001-detail-{n:02d}.jpg")
    code, data = judge(pdd, "pdd")
    assert code == 1 and hits(data) == {("pack.count.detail", "")}
    assert "21 description slices, at most 20" in data["findings"][0]["message"]


def test_bytes_caps_of_main_images_and_slices(taobao, tmp_path):
    tight = export_profile(tmp_path / "tight.toml", "taobao", white_index=0, main_max_bytes=80_000,
                           detail_max_bytes=120_000)
    sizes = {p.relative_to(taobao).as_posix(): p.stat().st_size for p in taobao.rglob("*.jpg")}
    code, data = judge(taobao, str(tight))
    assert code == 1
    want = {("pack.bytes.main" if "/main/" in f else "pack.bytes.detail", f) for f, n in sizes.items()
            if n > (80_000 if "/main/" in f else 120_000)}
    assert want and any(n <= 80_000 for f, n in sizes.items() if "/main/" in f)   # some pass, some fail
    assert hits(data) == want


def test_amazon_flat_names(tmp_path):
    pack = tmp_path / "amazon"
    save(on_white(1000, 0.9), pack / "B0CK12345X.MAIN.jpg")
    im = photo(1, 1000, 1000)
    for name in ("B0CK12345X.PT01.jpg", "B0CK12345X.PT09.jpg", "B0-CK1234.MAIN.jpg", "B0 CK1234.PT01.jpg",
                 "B0CK12345X-PT02.jpg", "sub/B0CK99999X.PT01.jpg"):
        save(im, pack / name)
    export_profile(tmp_path / "amazon-nw.toml", "amazon", white_index=0)
    code, data = judge(pack, str(tmp_path / "amazon-nw.toml"))
    assert code == 1
    assert hits(data) == {("pack.name", n) for n in ("B0CK12345X.PT09.jpg", "B0-CK1234.MAIN.jpg",
                                                     "B0 CK1234.PT01.jpg", "B0CK12345X-PT02.jpg",
                                                     "sub/B0CK99999X.PT01.jpg")}
    msgs = {f["file"]: f["message"] for f in data["findings"]}
    assert "dash" in msgs["B0-CK1234.MAIN.jpg"] and "flat" in msgs["sub/B0CK99999X.PT01.jpg"]
    assert "PT09 is outside PT01..PT08" in msgs["B0CK12345X.PT09.jpg"]


def test_shopify_item_flat_jpeg_webp_and_colour(profiles_dir, tmp_path):
    pack = tmp_path / "shopify"
    shopify_pack(pack, count=2)
    assert judge(pack, "shopify")[0] == 0
    save(photo(3, 2048, 2048), pack / "A1001" / "A1001-03.webp", fmt="WEBP")    # format = "JPEG" here
    photo(4, 2048, 2048).convert("CMYK").save(pack / "A1001" / "A1001-04.jpg", quality=90)
    code, data = judge(pack, "shopify")
    assert code == 1 and hits(data) == {("pack.format", "A1001/A1001-03.webp"), ("pack.colour", "A1001/A1001-04.jpg")}
    webp = export_profile(tmp_path / "shopify-webp.toml", "shopify", format="WEBP")
    code, data = judge(pack, str(webp))                                          # WebP allowed there
    assert hits(data) == {("pack.colour", "A1001/A1001-04.jpg")}


def test_a_truncated_file_and_slices_where_the_platform_takes_none(taobao, tmp_path):
    pack = Path(shutil.copytree(taobao, tmp_path / "taobao"))
    cut = pack / "A1001" / "main" / "A1001-main-02.jpg"
    cut.write_bytes(cut.read_bytes()[:20_000])
    none = export_profile(tmp_path / "no-detail.toml", "taobao", white_index=0, detail_width=0)
    code, data = judge(pack, str(none))
    assert code == 1
    assert hits(data) == {("pack.decode", "A1001/main/A1001-main-02.jpg"), ("pack.count.detail", "")}
    assert "2 description slices, but this platform takes none" in \
        next(f["message"] for f in data["findings"] if f["rule"] == "pack.count.detail")
