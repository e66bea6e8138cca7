"""A shoot on plain backdrops, exported for every platform, passes every platform's validate.

The photos are the corpus's studio shots whose cut-outs are made (a mouse and a hard drive, two
running shoes, two cameras): built with the real CLI, exported for all six marketplaces with an
`asin` column in the sheet, then each pack is checked by `imgkit validate OUT/export/<p> -p <p>`,
its own rules (sizes, byte caps, white purity and fill, names, no watermark where banned, no
text on the white image). Nothing refused, nothing skipped, every pack passes."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import invoke as run

PLATFORMS = ("taobao", "tmall", "jd", "pdd", "amazon", "shopify")
SHOOT = {"B2001": ("p04__mouse.jpg", "p07__hard-drive.jpg"),
         "B2002": ("p18__running-shoe-black.jpg", "p20__running-shoe-bw.jpg"),
         "B2003": ("p15__folding-camera.jpg", "p16__twin-lens-camera.jpg")}
SHEET = "货号,品名,asin,卖点\nB2001,无线鼠标,B0MOUSE001,静音按键\nB2002,黑色跑鞋,B0SHOE0002,轻量透气\n" \
        "B2003,折叠相机,B0CAMERA03,复古金属\n"




@pytest.fixture(scope="module")
def exported(tmp_path_factory, corpus):
    root = tmp_path_factory.mktemp("plain")
    src, out = root / "src", root / "out"
    for item, photos in SHOOT.items():
        (src / item).mkdir(parents=True)
        for n, name in enumerate(photos, 1):
            shutil.copy(corpus / "products" / name, src / item / f"{n:02d}.jpg")
    (src / "items.csv").write_text(SHEET, encoding="utf-8")
    built = run("build", src, "-o", out, "-j", "2")
    assert built.exit_code == 0, built.output
    result = run("export", out, "--for", ",".join(PLATFORMS), "-j", "2", "--json")
    return out, result


@pytest.mark.slow
def test_every_pack_is_made_whole(exported):
    out, result = exported
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert {p["platform"] for p in doc["platforms"]} == set(PLATFORMS)
    for p in doc["platforms"]:
        assert not p["refused"] and not p["skipped"], (p["platform"], p["refused"], p["skipped"])
    assert sorted(f.name for f in (out / "export" / "amazon").iterdir() if f.suffix == ".jpg") == [
        f"{key}.{kind}.jpg" for key in ("B0CAMERA03", "B0MOUSE001", "B0SHOE0002") for kind in ("MAIN", "PT01")]


@pytest.mark.slow
@pytest.mark.parametrize("platform", PLATFORMS)
def test_each_platform_validates_its_own_pack(exported, platform):
    out, _ = exported
    checked = run("validate", out / "export" / platform, "-p", platform, "--json", "-")
    doc = json.loads(checked.stdout)
    errors = [f for f in doc.get("findings", []) if f.get("severity") == "error"]
    assert checked.exit_code == 0, (platform, errors or checked.output[-2000:])
    assert doc["tree"] == "pack"
