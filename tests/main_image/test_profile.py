"""The [main_image] profile section and the shipped marketplace profiles."""

import pytest

from imgkit import profile as profiles
from imgkit.errors import ProfileError
from tests.conftest import write_profile


def test_service_profile_holds_rule_s1():
    m = profiles.load("taobao-service").main_image
    assert (m.width, m.height, m.exact_size) == (400, 400, True)
    assert m.box("logo")[2:] == (260, 260) and m.background_rule == "not-white"
    assert m.copy_max_chars == 10
    for word in ("试用", "官方", "唯一", "最优", "第一", "最佳", "顶级", "国家级", "极致",
                 "試用", "最優", "頂級", "國家級", "極致"):
        assert word in m.banned_words


def test_main_image_section_is_not_in_the_detail_fingerprint(tmp_path):
    a = profiles.load(str(write_profile(tmp_path / "a.toml")))
    b = profiles.load(str(write_profile(tmp_path / "b.toml",
                                        main_image={"background": "#123456", "copy_max_chars": 8})))
    assert b.main_image.background == "#123456"
    assert a.fingerprint == b.fingerprint


@pytest.mark.parametrize("values, words", [
    ({"colour": "#000000"}, r"unknown key \[main_image\] 'colour'"),
    ({"width": "400"}, r"\[main_image\] width must be an integer"),
    ({"background": "blue"}, r"\[main_image\] background = 'blue' is out of range"),
    ({"background_rule": "pastel"}, r"\[main_image\] background_rule"),
    ({"kind": "banner"}, r"\[main_image\] kind"),
    ({"tolerance": 0}, r"\[main_image\] tolerance = 0.0 is out of range"),
    ({"banned_words": "官方"}, r"\[main_image\] banned_words must be a list of strings"),
    ({"logo_x": 300}, r"\[main_image\] logo_x/y/width/height = 300,18,260,260 must be a non-empty box inside"),
    ({"company_y": 200}, r"the logo box and the company box overlap"),
    ({"format": "JPEG", "formats": ["PNG"]}, r"\[main_image\] format 'JPEG' is not among"),
    ({"width": 800}, r"square = true but width 800 != height 400"),
])
def test_bad_main_image_values_name_the_file_and_the_key(tmp_path, values, words):
    path = write_profile(tmp_path / "bad.toml", main_image=values)
    with pytest.raises(ProfileError, match=words) as err:
        profiles.load(str(path))
    assert str(path) in str(err.value)


def test_every_shipped_profile_loads():
    for name in profiles.shipped():
        p = profiles.load(name)
        assert p.main_image.width > 0
