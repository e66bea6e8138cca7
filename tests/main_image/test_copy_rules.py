import pytest

from imgkit.main_image.copy_rules import banned_in, count_chars, links_in, normalise, text_problems
from imgkit.profile import MainImage

RULES = MainImage()


@pytest.mark.parametrize("text, spaces, punct, n", [
    ("正品保障", False, True, 4),
    ("Nike中国", False, True, 6),             # Latin letters count one each
    ("ＮＩＫＥ中国", False, True, 6),          # full-width letters too
    ("正品保障 7天退换", False, True, 8),      # the space is not counted
    ("正品保障 7天退换", True, True, 9),
    ("好！好。", False, True, 4),
    ("好！好。", False, False, 2),
    ("满100减20%", False, True, 8),          # digits count one each; % is punctuation (Unicode Po)
    ("¥99★", False, False, 4),               # symbols count one each, even when punctuation does not
    ("好\u200b好\ufe0f", False, True, 2),      # zero-width space and variation selector: zero
    ("e\u0301", False, True, 1),             # combining accent: zero
])
def test_counting(text, spaces, punct, n):
    assert count_chars(text, count_spaces=spaces, count_punctuation=punct) == n


@pytest.mark.parametrize("text, hit", [
    ("官方旗舰店", ["官方"]),
    ("官 方", ["官方"]),                       # a space slipped in
    ("官-方", ["官方"]),
    ("官\u200b方", ["官方"]),                  # an invisible one
    ("品质第一", ["第一"]),
    ("全國最優", ["最優"]),                    # traditional forms are in the list
    ("國家級品質", ["國家級"]),
    ("顶级 极致", ["顶级", "极致"]),
    ("免费試用", ["試用"]),
    ("欢迎光临", []),
    ("一流服务", []),
])
def test_banned_words(text, hit):
    assert banned_in(text, RULES.banned_words) == hit


def test_banned_latin_words_match_any_width_and_case():
    assert banned_in("ＢＥＳＴ choice", ("best",)) == ["best"]
    assert banned_in("Bestseller", ("best",)) == ["best"]


@pytest.mark.parametrize("text", [
    "www.abc.com", "ＷＷＷ．ＡＢＣ．ＣＯＭ", "http://x", "https", "abc.cn", "淘宝。com", "shop.taobao.com",
    "a b c . c o m", "访问 foo.net", "扫码关注", "掃一掃", "加二维码", "QR Code", "x://y",
])
def test_links_are_found(text):
    assert links_in(text, RULES.link_tlds, RULES.link_words), text


@pytest.mark.parametrize("text", ["a.company", "v1.0版", "com店", "欢迎光临", "7天退换", "TOP品质", "华为 Mate 60"])
def test_plain_text_is_not_a_link(text):
    assert links_in(text, RULES.link_tlds, RULES.link_words) == []


def test_normalise_full_width_and_case():
    assert normalise("ＡＢＣ．ｃｏｍ。") == "abc.com."


def test_text_problems_name_each_rule_once():
    problems = text_problems("官方旗舰店", "全网第一 访问ＷＷＷ．ＡＢＣ．ＣＯＭ", RULES)
    rules = [r for r, _ in problems]
    assert rules.count("main.copy.length") == 1
    assert rules.count("main.text.banned") == 2
    assert rules.count("main.text.link") == 1
    assert "at most 10" in dict(problems)["main.copy.length"]
    assert text_problems("禾木家居", "正品保障 7天退换", RULES) == []
    assert [r for r, _ in text_problems("", "好", RULES)] == ["main.text.empty"]
    assert [r for r, _ in text_problems("禾木", "一行\n两行", RULES)] == ["main.text.lines"]
