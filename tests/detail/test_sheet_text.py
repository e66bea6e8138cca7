"""What the product sheet asks to draw is judged first: a character no font has is not drawn
(a warning names the line, item, field and U+XXXX; the image goes out without it), and the
advertising-law words are a warning, or refuse the sheet under [sheet] banned_words = "refuse"."""

from __future__ import annotations

import json

import pytest

from imgkit import profile as profiles
from imgkit.detail import product_sheet as sheet
from imgkit.detail.decoration import Decorations
from imgkit.errors import ConfigError
from imgkit.main_image.copy_rules import text_problems
from tests.conftest import copy_samples, tree_hashes, write_profile

BAD = "\U000f0001"
HEADER = "货号,品名,颜色,面料,卖点"


def write(path, *rows):
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_undrawable_fact_and_caption_are_left_out_with_a_warning(tmp_path):
    prof = profiles.load()
    path = write(tmp_path / "items.csv", f"A1,骷髅摆件𠮷,象牙白,树脂{BAD},眼窝🔥|牙齿{BAD}|侧面")
    s = sheet.load(path, prof)
    assert s.notes == (
        "items.csv line 2: A1 面料 (fabric) '树脂\\U000f0001': U+F0001 '\\U000f0001' cannot be drawn by any font; "
        "left out of the facts panel",
        "items.csv line 2: A1 caption 2 (image 03) '牙齿\\U000f0001': U+F0001 '\\U000f0001' cannot be drawn by "
        "any font; the image is published without this caption")
    deco = Decorations(prof, s)
    assert deco.get("A1", 1).facts == (("品名", "骷髅摆件𠮷"), ("货号", "A1"), ("颜色", "象牙白"))
    assert [deco.get("A1", i).caption for i in (2, 3, 4)] == ["眼窝🔥", "", "侧面"]
    assert sheet.warnings(s, {"A1"}, set())[:2] == list(s.notes)


def test_banned_words_warn_by_default_refuse_or_are_not_looked_for(tmp_path):
    path = write(tmp_path / "items.csv", "A1,极品摆件,白,树脂,全网最低价|做工好", "A2,摆件,白,树脂,好物")
    notes = sheet.load(path, profiles.load()).notes
    assert notes == ("items.csv line 2: A1 品名 (name) '极品摆件': banned word 极品 (advertising law); drawn anyway, "
                     '[sheet] banned_words = "warn"',
                     "items.csv line 2: A1 caption 1 (image 02) '全网最低价': banned words 全网最低, 最低价 "
                     '(advertising law); drawn anyway, [sheet] banned_words = "warn"')
    assert Decorations(profiles.load(), sheet.load(path, profiles.load())).get("A1", 2).caption == "全网最低价"
    strict = profiles.load(str(write_profile(tmp_path / "strict.toml", sheet={"banned_words": "refuse"})))
    with pytest.raises(ConfigError) as exc:
        sheet.load(path, strict)
    assert str(exc.value).startswith(f"{path}: line 2: A1 品名 (name) '极品摆件': banned word 极品 (and 1 more)")
    off = profiles.load(str(write_profile(tmp_path / "off.toml", sheet={"banned_words": "off"})))
    assert sheet.load(path, off).notes == ()


@pytest.mark.parametrize("text", ["全網最低價", "最 好", "ＮＯ独家", "首\u200b选"])
def test_the_same_matching_as_main_images_and_the_new_words_there_too(tmp_path, text):
    path = write(tmp_path / "items.csv", f"A1,摆件,白,树脂,{text}")
    assert "banned word" in sheet.load(path, profiles.load()).notes[0]
    problems = text_problems("禾木家居", text, profiles.load("taobao-service").main_image)
    assert any(rule == "main.text.banned" for rule, _ in problems)


def test_clean_text_says_nothing(tmp_path):
    path = write(tmp_path / "items.csv", "A1,手绘骷髅摆件,象牙白,树脂,眼窝层次分明|牙齿细节 -10℃~40℃")
    assert sheet.load(path, profiles.load()).notes == ()


@pytest.fixture
def shoot(tmp_path):
    src = tmp_path / "shoot"
    copy_samples(src / "A1001", "A1001")
    return src


def test_build_publishes_without_what_it_cannot_draw_and_says_so(cli, shoot, tmp_path):
    write(shoot / "items.csv", "A1001,手绘骷髅摆件,象牙白,树脂,眼窝层次分明|牙齿细节|侧面纹理")
    good = tmp_path / "good"
    assert cli("build", shoot, "-o", good, "-j", "2").exit_code == 0
    write(shoot / "items.csv", f"A1001,手绘骷髅摆件,象牙白,树脂,眼窝层次分明|牙齿{BAD}细节|侧面纹理")
    out = tmp_path / "out"
    result = cli("build", shoot, "-o", out, "-j", "2", "--json")
    assert result.exit_code == 0, result.output
    line = "A1001 caption 2 (image 03) '牙齿\\U000f0001细节': U+F0001"
    assert f"warning: items.csv line 2: {line}" in result.stderr
    assert any(line in w for w in json.loads(result.stdout)["warnings"])
    good_h, out_h = tree_hashes(good / "detail"), tree_hashes(out / "detail")
    assert {k for k in out_h if out_h[k] != good_h[k]} == {"A1001/A1001-03.jpg"}   # only 03 differs: no caption
    plain = tmp_path / "plain"
    (shoot / "items.csv").unlink()
    assert cli("build", shoot, "-o", plain, "-j", "2").exit_code == 0
    assert out_h["A1001/A1001-03.jpg"] == tree_hashes(plain / "detail")["A1001/A1001-03.jpg"]


def test_build_refuses_banned_words_when_the_profile_says_so(cli, shoot, tmp_path):
    write(shoot / "items.csv", "A1001,手绘骷髅摆件,象牙白,树脂,眼窝层次分明|全网最低价")
    prof = write_profile(tmp_path / "strict.toml", sheet={"banned_words": "refuse"})
    out = tmp_path / "out"
    result = cli("build", shoot, "-o", out, "-p", prof)
    assert result.exit_code == 2
    assert "items.csv: line 2: A1001 caption 2 (image 03) '全网最低价': banned words 全网最低, 最低价" in result.stderr
    assert not out.exists()
