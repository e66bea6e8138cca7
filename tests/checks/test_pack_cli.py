"""``imgkit validate`` on packs: every shipped platform, a pack inside a build tree (its platform
from the folder, the shop's watermark from the profile the tree was built with), usage errors."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from imgkit import profile as profiles
from imgkit.cli import main
from tests.checks.packs import amazon_pack, export_profile, item_pack, on_white, save, shopify_pack, watermarked
from tests.checks.test_pack_white import WHITE, hits, judge
from tests.conftest import photo_set, write_profile


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize("platform", ["taobao", "tmall", "jd", "pdd", "amazon", "shopify"])
def test_a_good_pack_passes_each_shipped_platform(platform, tmp_path):
    pack = tmp_path / platform
    if platform == "amazon":
        amazon_pack(pack, others=1)
    elif platform == "shopify":
        shopify_pack(pack, count=2)
    else:
        x = profiles.load(platform).export
        item_pack(pack, platform, mains=x.white_index or 2, white=x.white_index, slices=1, width=x.detail_width,
                  fill=0.99 if platform == "jd" else 0.85)
    result = cli("validate", pack, "-p", platform)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("1 of 1 items ready, 0 blocked")
    assert f"judged as a {platform} pack" in result.stderr


def test_a_pack_in_a_build_tree_needs_no_p_and_is_judged_with_the_shops_mark(tmp_path):
    shop = write_profile(tmp_path / "shop.toml", 'name = "heshop"', watermark={"text": "禾木家居"})
    src, out = tmp_path / "shoot", tmp_path / "out"
    photo_set(src, 1, per_item=1, item="A100")
    assert cli("build", src, "-o", out, "-p", shop, "-j", "1").exit_code == 0
    pack = out / "export" / "taobao"
    item_pack(pack, "taobao", mains=5, white=5, slices=1)
    # the white image carries the SHOP's mark (a text mark), not the one taobao.toml inherits
    save(watermarked(on_white(), profiles.load(str(shop))), pack / WHITE, max_bytes=300_000, min_bytes=38_000)
    result = cli("validate", pack, "--json", "-")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["profile"]["name"] == "taobao" and data["tree"] == "pack"
    assert ("pack.watermark", WHITE) in hits(data) <= {("pack.watermark", WHITE), ("pack.text", WHITE)}
    human = cli("validate", pack)
    assert "the shop's watermark from profile heshop" in human.stderr
    assert any("pack.watermark" in line and "A1001-main-05.jpg" in line for line in human.stdout.splitlines())
    # judged with taobao.toml's own mark (no build tree around it) the shop's text mark is not found
    elsewhere = tmp_path / "copy" / "taobao"
    shutil.copytree(pack, elsewhere)
    code, data = judge(elsewhere, "taobao")
    assert ("pack.watermark", WHITE) not in hits(data)


def test_usage_errors_and_non_export_profiles(tmp_path):
    pack = tmp_path / "taobao"
    item_pack(pack, "taobao", mains=1, white=0, slices=0)
    bad = export_profile(tmp_path / "bad.toml", "taobao", main_count=99)
    result = cli("validate", pack, "-p", bad)
    assert result.exit_code == 2 and "main_count" in result.output
    result = cli("validate", pack, "-p", "nosuchplatform")
    assert result.exit_code == 2
    # a profile without [export] platform judges the folder as detail images, not as a pack
    result = cli("validate", pack, "-p", "default", "--json", "-")
    assert json.loads(result.stdout)["tree"] == "folder"
