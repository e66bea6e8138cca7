"""The white-background image comes from the first of an item's photos that cuts out: a first
photo with the product running out of the frame does not cost the item its white image when a
later photo shows the product whole; when none cuts out, the first photo's reason is given."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from PIL import Image

from tests.conftest import invoke as run


@pytest.fixture(scope="module")
def exported(tmp_path_factory, corpus):
    root = tmp_path_factory.mktemp("fallback")
    src, out = root / "src", root / "out"
    shoe = Image.open(corpus / "products" / "p18__running-shoe-black.jpg").convert("RGB")
    (src / "C3001").mkdir(parents=True)
    shoe.crop((0, 0, 1600, 730)).save(src / "C3001" / "01.jpg", quality=92)   # the sole cut off by the frame
    shoe.save(src / "C3001" / "02.jpg", quality=92)                            # the whole shoe
    (src / "C3002").mkdir()
    for n, name in enumerate(("p22__boxing-gloves.jpg", "p23__skateboard.jpg"), 1):   # busy backdrops
        shutil.copy(corpus / "products" / name, src / "C3002" / f"{n:02d}.jpg")
    built = run("build", src, "-o", out, "-j", "1")
    assert built.exit_code == 0, built.output
    result = run("export", out, "--for", "jd", "--json")
    return out, result, json.loads(result.stdout)


def test_a_later_photo_gives_the_white_image_when_the_first_runs_out_of_the_frame(exported):
    out, _result, doc = exported
    [jd] = doc["platforms"]
    whites = {f["item"]: f for f in jd["files"] if f["kind"] == "white"}
    assert set(whites) == {"C3001"}
    assert whites["C3001"]["name"] == "C3001/main/C3001-main-01.jpg"
    assert whites["C3001"]["cutout"]["photo"] == 2
    rgb = np.asarray(Image.open(out / "export" / "jd" / whites["C3001"]["name"]).convert("RGB"))
    assert (rgb[:8] == 255).all() and (rgb[-8:] == 255).all(), "the whole shoe, on pure white"


def test_an_item_none_of_whose_photos_cuts_out_is_refused_with_the_first_photos_reason(exported):
    _out, result, doc = exported
    [jd] = doc["platforms"]
    [refused] = [r for r in jd["refused"] if r["item"] == "C3002"]
    assert "backdrop is busy" in refused["reason"] and "the item's 1 other photo neither" in refused["reason"]
    assert result.exit_code == 1
