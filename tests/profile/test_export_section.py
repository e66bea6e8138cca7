"""[export]: the six shipped marketplace profiles load, and a wrong number names file and key."""

import pytest

from imgkit.errors import ProfileError
from imgkit.profile import PLATFORMS, load


@pytest.mark.parametrize("name", PLATFORMS)
def test_each_platform_ships_a_profile_named_for_it(name):
    p = load(name)
    assert p.export.platform == name
    assert p.export.source, "every platform profile says where its numbers come from"
    assert 0 <= p.export.white_index <= p.export.main_count


def test_the_rules_of_the_issue_are_in_the_profiles():
    taobao, jd, amazon = load("taobao").export, load("jd").export, load("amazon").export
    assert (taobao.white_index, taobao.white_min_bytes, taobao.white_max_bytes) == (5, 38_000, 300_000)
    assert load("tmall").export.detail_width == 790 and taobao.detail_width == 750
    assert jd.white_index == 1 and not jd.detail_slice_height > 1500
    assert amazon.layout == "flat" and amazon.white_min_fill == 0.85 and not amazon.main_watermark
    assert load("pdd").export.main_max_bytes == 1_000_000


def test_a_bad_export_value_names_the_file_and_key(tmp_path):
    f = tmp_path / "shop.toml"
    f.write_text('extends = "jd"\n[export]\nlayout = "stacked"\n', encoding="utf-8")
    with pytest.raises(ProfileError, match=r"shop\.toml: \[export\] layout"):
        load(str(f))
