"""What a detail image carries besides the photo: facts on the first index, captions by
position from the product sheet, sold-out marks, and the key that joins the fingerprint."""

from __future__ import annotations

import json

import pytest

from imgkit import profile as profiles
from imgkit.detail import product_sheet
from imgkit.detail.decoration import Decoration, Decorations, facts_of
from imgkit.profile.fingerprint import Fingerprint
from tests.conftest import write_profile

HEADER = "item,name,colour,fabric,size,dimensions,note,selling_points"
ROWS = [
    "A1001,手绘骷髅摆件,象牙白,树脂,,长12×宽8×高9 cm,,手工上色|树脂材质|附赠底座",
    "A1002,Linen shirt,,Linen,M,,,",
    "A1003,,,,,,,||第三张",
]


@pytest.fixture(scope="module")
def default():
    return profiles.load("default")


@pytest.fixture
def sheet(tmp_path, default):
    path = tmp_path / "items.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    return product_sheet.load(path, default)


def test_an_empty_decoration_is_falsy_and_any_part_makes_it_true():
    assert not Decoration()
    assert Decoration(facts=(("品名", "x"),))
    assert Decoration(caption="轻盈")
    assert Decoration(marks=("红色 已售罄",))


@pytest.mark.parametrize("deco", [
    Decoration(),
    Decoration(facts=(("品名", "手绘骷髅摆件"), ("货号", "A1001"))),
    Decoration(caption="手工上色"),
    Decoration(facts=(("Name", "Linen shirt"),), caption="soft", marks=("红色 已售罄", "XL 已售罄")),
])
def test_json_round_trips_through_a_dict_and_a_string(deco):
    data = deco.as_json()
    assert Decoration.from_json(data) == deco
    assert Decoration.from_json(json.dumps(data, ensure_ascii=False)) == deco
    # only what is drawn is written
    assert set(data) == {k for k, v in (("facts", deco.facts), ("caption", deco.caption), ("marks", deco.marks)) if v}


def test_from_json_of_nothing_is_the_plain_decoration():
    assert Decoration.from_json(None) == Decoration()
    assert Decoration.from_json("{}") == Decoration()
    assert Decoration.from_json({"facts": [[1, 2]], "marks": [3]}) == Decoration(facts=(("1", "2"),), marks=("3",))


def test_key_is_empty_for_a_plain_image_and_differs_with_what_is_drawn(default):
    assert Decoration().key(default) == ""
    decos = [Decoration(caption="手工上色"), Decoration(caption="树脂材质"), Decoration(marks=("手工上色",)),
             Decoration(facts=(("品名", "手工上色"),)), Decoration(caption="手工上色", marks=("红色 已售罄",))]
    keys = [d.key(default) for d in decos]
    assert len(set(keys)) == len(keys)
    assert all(len(k) == 12 and int(k, 16) >= 0 for k in keys)
    assert Decoration(caption="手工上色").key(default) == keys[0]          # same drawing, same key


def test_key_changes_with_how_the_profile_draws_but_not_with_the_rest(tmp_path, default):
    deco = Decoration(facts=(("品名", "骷髅"),), caption="x")
    same = profiles.load(str(write_profile(tmp_path / "same.toml", detail={"quality": 80})))
    bigger = profiles.load(str(write_profile(tmp_path / "big.toml", captions={"font_size": 40})))
    red = profiles.load(str(write_profile(tmp_path / "red.toml", mark={"background": "#ff0000"})))
    assert same.fingerprint != default.fingerprint
    assert deco.key(same) == deco.key(default)
    assert len({deco.key(default), deco.key(bigger), deco.key(red)}) == 3


def test_facts_follow_the_profiles_fields_and_labels_and_skip_empty_ones(sheet, default, tmp_path):
    row = sheet.get("A1001")
    assert facts_of(row, default) == (("品名", "手绘骷髅摆件"), ("货号", "A1001"), ("颜色", "象牙白"),
                                      ("面料", "树脂"), ("尺寸", "长12×宽8×高9 cm"))
    short = profiles.load(str(write_profile(tmp_path / "p.toml", facts={
        "fields": ["item", "size", "fabric"], "labels": ["Item", "Size", "Fabric"]})))
    assert facts_of(sheet.get("A1002"), short) == (("Item", "A1002"), ("Size", "M"), ("Fabric", "Linen"))
    assert facts_of(sheet.get("A1003"), short) == (("Item", "A1003"),)


def test_get_puts_facts_on_the_first_index_and_captions_by_position(sheet, default):
    d = Decorations(default, sheet)
    start = default.naming.start
    assert d.get("A1001", start) == Decoration(facts=facts_of(sheet.get("A1001"), default))
    assert [d.get("A1001", start + n).caption for n in (1, 2, 3)] == ["手工上色", "树脂材质", "附赠底座"]
    assert not d.get("A1001", start + 4)              # more photos than selling points: plain
    assert not d.get("A1002", start + 1)              # no selling points at all
    assert not d.get("A9999", start)                  # no row in the sheet
    # an empty selling point leaves its image plain, the next one still gets its own
    assert [d.get("A1003", start + n) for n in (1, 2, 3)] == [Decoration(), Decoration(), Decoration(caption="第三张")]


def test_get_without_a_sheet_gives_only_the_marks(default):
    d = Decorations(default, None, {("A1001", 2): ("红色 已售罄",)})
    assert d.get("A1001", 2) == Decoration(marks=("红色 已售罄",))
    assert not d.get("A1001", 1)
    assert not d.get("A1002", 2)


def test_marks_join_the_facts_and_caption_of_their_image(sheet, default):
    d = Decorations(default, sheet, {("A1001", 1): ("红色 已售罄",), ("A1001", 3): ("XL 已售罄", "M 已售罄")})
    assert d.get("A1001", 1).facts and d.get("A1001", 1).marks == ("红色 已售罄",)
    assert d.get("A1001", 3) == Decoration(caption="树脂材质", marks=("XL 已售罄", "M 已售罄"))
    assert d.get("A1001", 2) == Decoration(caption="手工上色")


def test_disabled_panels_and_captions_and_another_start_index(sheet, tmp_path):
    off = profiles.load(str(write_profile(tmp_path / "off.toml", facts={"enabled": False},
                                          captions={"enabled": False})))
    d = Decorations(off, sheet, {("A1002", 1): ("白色 已售罄",)})
    assert not d.get("A1001", 1) and not d.get("A1001", 2)
    assert d.get("A1002", 1) == Decoration(marks=("白色 已售罄",))
    zero = profiles.load(str(write_profile(tmp_path / "zero.toml", naming={"start": 0})))
    z = Decorations(zero, sheet)
    assert z.get("A1001", 0).facts and not z.get("A1001", 0).caption
    assert z.get("A1001", 1) == Decoration(caption="手工上色")
    assert z.get("A1001", 3) == Decoration(caption="附赠底座")


def test_touches_says_which_items_may_carry_a_decoration(sheet, default, tmp_path):
    d = Decorations(default, sheet, {("B7", 4): ("红色 已售罄",)})
    assert d.touches("A1001") and d.touches("A1002") and d.touches("A1003")
    assert d.touches("B7")                           # marked, though not in the sheet
    assert not d.touches("A9999")
    assert not Decorations(default).touches("A1001")
    captions_only = profiles.load(str(write_profile(tmp_path / "c.toml", facts={"enabled": False})))
    c = Decorations(captions_only, sheet)
    assert c.touches("A1001") and c.touches("A1003")
    assert not c.touches("A1002")                    # facts it has are not drawn, and no selling points
    facts_only = profiles.load(str(write_profile(tmp_path / "f.toml", captions={"enabled": False},
                                                 facts={"fields": ["colour"], "labels": ["颜色"]})))
    f = Decorations(facts_only, sheet)
    assert f.touches("A1001")
    assert not f.touches("A1002") and not f.touches("A1003")   # no colour, selling points not drawn


def test_fingerprint_adds_the_decoration_key_to_the_base(sheet, default):
    d = Decorations(default, sheet, {("A1002", 2): ("红色 已售罄",)})
    base = str(Fingerprint(default.fingerprint, "c0ffee12"))
    assert d.fingerprint(base, "A1002", 5) == base                     # plain image: the base itself
    first = d.fingerprint(base, "A1001", 1)
    assert Fingerprint.parse(first) == Fingerprint(default.fingerprint, "c0ffee12", d.get("A1001", 1).key(default))
    marked = d.fingerprint(base, "A1002", 2)
    assert Fingerprint.parse(marked).decoration == Decoration(marks=("红色 已售罄",)).key(default)
    assert len({first, marked, d.fingerprint(base, "A1001", 2)}) == 3
    # a base that already carries a decoration has it replaced, not added to
    assert d.fingerprint(first, "A1002", 2) == marked
    assert d.fingerprint(first, "A1002", 5) == base
