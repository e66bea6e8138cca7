"""The white-background image of a pack (白底图, JD's first, Amazon MAIN) through the real CLI:
purity, fill, product size, bytes, no watermark, no text."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from imgkit import profile as profiles
from imgkit.cli import main
from tests.checks.packs import amazon_pack, item_pack, on_white, photo, save, watermarked, with_text

WHITE = "A1001/main/A1001-main-05.jpg"


def judge(folder: Path, profile: str) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["validate", str(folder), "-p", profile, "--json", "-"],
                                catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout)


def hits(data: dict) -> set[tuple[str, str]]:
    return {(f["rule"], f.get("file", "")) for f in data["findings"]}


@pytest.fixture(scope="module")
def taobao(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("taobao") / "taobao"
    item_pack(root, "taobao", slices=1)
    return root


@pytest.fixture
def pack(taobao, tmp_path) -> Path:
    return Path(shutil.copytree(taobao, tmp_path / "taobao"))


def test_the_good_white_image_passes(taobao):
    code, data = judge(taobao, "taobao")
    assert code == 0 and data["findings"] == [] and data["summary"]["ok"]
    assert data["tree"] == "pack" and {r["id"] for r in data["rules"]} >= {"pack.white.purity", "pack.text"}


def test_near_white_backdrop_fails_purity_only(pack):
    save(on_white(bg=(250, 250, 250)), pack / WHITE, max_bytes=300_000, min_bytes=38_000)
    code, data = judge(pack, "taobao")
    assert code == 1
    assert hits(data) == {("pack.white.purity", WHITE)}
    msg = data["findings"][0]["message"]
    assert "border band" in msg and "98%" in msg and "\n" not in msg


def test_small_product_fails_product_size_and_fill_where_set(pack, tmp_path):
    save(on_white(fill=0.3), pack / WHITE, max_bytes=300_000, min_bytes=38_000)
    code, data = judge(pack, "taobao")          # Taobao: subject > 300 px; no fill minimum
    # so little product leaves even quality 100 under Taobao's 38 KB floor: that is flagged too
    assert code == 1 and hits(data) == {("pack.white.product", WHITE), ("pack.bytes.white", WHITE)}
    jd = tmp_path / "jd"
    item_pack(jd, "jd", mains=2, white=1, slices=0, fill=0.9)   # JD: long side within 10 px of the canvas
    code, data = judge(jd, "jd")
    assert code == 1 and hits(data) == {("pack.white.fill", "A1001/main/A1001-main-01.jpg")}
    assert "90.0%" in data["findings"][0]["message"]


def test_jd_fill_099_passes_though_the_product_is_inside_the_band(tmp_path):
    jd = tmp_path / "jd"
    item_pack(jd, "jd", mains=2, white=1, slices=0, fill=0.99)
    code, data = judge(jd, "jd")
    assert code == 0 and data["findings"] == []


def test_amazon_main_fill_and_watermark(tmp_path):
    good = tmp_path / "good"
    amazon_pack(good, others=1, fill=0.9)
    code, data = judge(good, "amazon")
    assert code == 0, data["findings"]
    bad = tmp_path / "bad"
    amazon_pack(bad, others=1, fill=0.8)       # under Amazon's 85 %
    pt = bad / "B0CK12345X.PT01.jpg"            # a shop mark on a PT image: main_watermark = false
    save(watermarked(photo(1, 2000, 2000), profiles.load("amazon")), pt)
    code, data = judge(bad, "amazon")
    assert code == 1
    assert hits(data) == {("pack.white.fill", "B0CK12345X.MAIN.jpg"), ("pack.watermark", "B0CK12345X.PT01.jpg")}


def test_watermark_on_the_white_image_fails_but_on_taobao_main_images_is_fine(pack, taobao):
    # every non-white main image of the good pack carries the shop mark (Taobao allows it)
    prof = profiles.load("taobao")
    save(watermarked(on_white(), prof), pack / WHITE, max_bytes=300_000, min_bytes=38_000)
    code, data = judge(pack, "taobao")
    # the shipped mark has letters: OCR may read them as text on the white too
    assert code == 1 and ("pack.watermark", WHITE) in hits(data) <= {("pack.watermark", WHITE), ("pack.text", WHITE)}
    assert "white-background" in next(f["message"] for f in data["findings"] if f["rule"] == "pack.watermark")


def test_text_on_the_white_background_fails(pack):
    save(with_text(on_white(), "限时特价 包邮"), pack / WHITE, max_bytes=300_000, min_bytes=38_000)
    code, data = judge(pack, "taobao")
    assert code == 1 and ("pack.text", WHITE) in hits(data)
    assert "限时" in next(f["message"] for f in data["findings"] if f["rule"] == "pack.text")
    # the caption is not taken for the product: its box, and so the fill, are the product's
    assert not any(f["rule"].startswith("pack.white") for f in data["findings"])


def test_text_on_the_product_is_a_warning_only(pack):
    save(with_text(on_white(), "BRAND 2026", xy=(250, 200), size=48), pack / WHITE, max_bytes=300_000,
         min_bytes=38_000)
    code, data = judge(pack, "taobao")
    assert code == 0 and hits(data) == {("pack.text.product", WHITE)}
    f = data["findings"][0]
    assert f["severity"] == "warning" and "BRAND 2026" in f["message"] and data["summary"]["warnings"] == 1


def test_white_image_bytes_both_ways(pack, tmp_path):
    Image.open(pack / WHITE).save(pack / WHITE, quality=50)     # still pure white (not at q20), under 38 KB
    code, data = judge(pack, "taobao")
    assert (pack / WHITE).stat().st_size < 38_000
    assert code == 1 and hits(data) == {("pack.bytes.white", WHITE)}
    assert "38,000 bytes" in data["findings"][0]["message"]
    prof = tmp_path / "tight.toml"
    prof.write_text('extends = "taobao"\n[export]\nwhite_max_bytes = 40000\nwhite_min_bytes = 0\n', encoding="utf-8")
    fresh = tmp_path / "fresh"
    item_pack(fresh, "taobao", mains=5, white=5, slices=0)
    assert (fresh / WHITE).stat().st_size > 40_000
    code, data = judge(fresh, str(prof))
    assert code == 1 and hits(data) == {("pack.bytes.white", WHITE)}


def test_jd_near_square_product_at_the_edge_judged_by_its_margin(tmp_path):
    """A square product at JD's 99 % leaves only a 4 px margin, within a JPEG block of the product:
    ringing keeps ~3/4 of it at exactly 255, a near-white backdrop none of it."""
    jd = tmp_path / "jd"
    item_pack(jd, "jd", mains=2, white=1, slices=0, fill=0.99)
    first = "A1001/main/A1001-main-01.jpg"
    save(on_white(800, 0.99, aspect=1.0), jd / first, max_bytes=2_999_999)
    code, data = judge(jd, "jd")
    assert code == 0 and data["findings"] == []
    save(on_white(800, 0.99, aspect=1.0, bg=(250, 250, 250)), jd / first, max_bytes=2_999_999)
    code, data = judge(jd, "jd")
    assert code == 1 and hits(data) == {("pack.white.purity", first)}
    assert "margin beside the product" in data["findings"][0]["message"]
