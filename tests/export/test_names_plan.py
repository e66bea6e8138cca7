"""Pack names per layout, Amazon keys from the sheet, and which photo goes where."""

from __future__ import annotations

from dataclasses import replace

import pytest

from imgkit import profile as profiles
from imgkit.errors import ConfigError
from imgkit.export.names import item_keys, key_problem, main_name
from imgkit.export.plan import Slot, Target, units
from imgkit.export.platforms import load_targets


def target(name: str) -> Target:
    prof = profiles.load(name)
    return Target(name, prof.export, prof.name, "s")


def slots(n: int) -> list[Slot]:
    return [Slot(i, f"sha{i}", f"raw/X1/X1-{i:02d}.jpg", f"/src/X1/{i}.jpg") for i in range(1, n + 1)]


def test_names_per_layout():
    amazon, shopify, jd = (profiles.load(n).export for n in ("amazon", "shopify", "jd"))
    assert [main_name(amazon, "A1", "B0KEY", p) for p in (1, 2, 9)] == ["B0KEY.MAIN.jpg", "B0KEY.PT01.jpg",
                                                                         "B0KEY.PT08.jpg"]
    assert main_name(shopify, "A1", "", 3) == "A1/A1-03.jpg"
    assert main_name(replace(shopify, format="WEBP"), "A1", "", 3) == "A1/A1-03.webp"
    assert main_name(jd, "A1", "", 1) == "A1/main/A1-main-01.jpg"


def test_which_photo_goes_where():
    shop = profiles.load()
    tb = units(target("taobao"), "X1", slots(6), "", shop)
    main = {u.position: (u.kind, u.slots) for u in tb if u.kind in ("main", "white")}
    assert main == {1: ("main", (1,)), 2: ("main", (2,)), 3: ("main", (3,)), 4: ("main", (4,)),
                    5: ("white", (1, 2, 3, 4, 5, 6))}
    assert [u.slots for u in tb if u.kind == "tall"] == [(1,), (2,), (3,), (4,)]
    assert [u.slots for u in tb if u.kind == "detail"] == [(1, 2, 3, 4, 5, 6)]
    jd = units(target("jd"), "X1", slots(3), "", shop)
    assert [(u.position, u.kind, u.slots) for u in jd if u.kind != "detail"] == [
        (1, "white", (1, 2, 3)), (2, "main", (2,)), (3, "main", (3,))]
    am = units(target("amazon"), "X1", slots(12), "B0KEY", shop)
    assert [u.name for u in am] == ["B0KEY.MAIN.jpg"] + [f"B0KEY.PT{i:02d}.jpg" for i in range(1, 9)]
    assert not [u for u in am if u.kind in ("detail", "tall")]
    sh = units(target("shopify"), "X1", slots(12), "", shop)
    assert [u.slots[0] for u in sh] == list(range(1, 11)) and {u.kind for u in sh} == {"main"}
    # a re-shot slot changes what its own files are made from and the description
    other = [replace(s, sha256="new") if s.index == 3 else s for s in slots(6)]
    changed = {u.name or "detail" for u, v in zip(tb, units(target("taobao"), "X1", other, "", shop), strict=True)
               if u.made_from != v.made_from}
    # and the white image, which may come from any photo (the first that cuts out)
    assert changed == {"X1/main/X1-main-03.jpg", "X1/main/X1-tall-03.jpg", "X1/main/X1-main-05.jpg", "detail"}


def test_amazon_keys_from_the_sheet(tmp_path):
    shop = profiles.load()
    sheet = tmp_path / "items.csv"
    sheet.write_text("货号,SKU,ASIN\nA1,SKU1,B0AAA\nA2,SKU2,\nA3,,\nA4,has space,\n", encoding="utf-8")
    keys = item_keys(sheet, shop, ("asin", "sku"))
    assert keys == {"A1": "B0AAA", "A2": "SKU2", "A4": "has space"}
    cols = ("asin", "sku")
    assert key_problem("A1", "B0AAA", cols, sheet, {}) == ""
    assert "no asin or sku in its row" in key_problem("A3", "", cols, sheet, {})
    assert "letters and digits" in key_problem("A4", "has space", cols, sheet, {})
    assert "also item A1's" in key_problem("A5", "b0aaa", cols, sheet, {"B0AAA": "A1"})
    bare = tmp_path / "bare.csv"
    bare.write_text("货号,品名\nA1,x\n", encoding="utf-8")
    assert item_keys(bare, shop, cols) is None
    assert "has no asin or sku column" in key_problem("A1", "", cols, bare, {}, has_columns=False)


def test_platform_list():
    assert [p for p, _ in load_targets(" taobao, jd,taobao ")] == ["taobao", "jd"]
    with pytest.raises(ConfigError, match="not an export profile"):
        load_targets("default")
