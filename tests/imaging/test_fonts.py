"""Finding a font that renders Chinese: the profile's, the bundled one, the system's, or exit 2."""

import base64
import inspect
import re
import shutil

import numpy as np
import pytest
from PIL import ImageFont

from imgkit import profile as profiles
from imgkit.errors import ConfigError
from imgkit.imaging.fonts import BUNDLED, find_font, fontconfig_candidates, glyph_mask, notdef_mask, renders_chinese
from tests.main_image.test_render import SAMPLE_LOGO


@pytest.fixture(scope="module")
def latin_font(tmp_path_factory):
    """Aileron Regular, the Latin-only font embedded in Pillow (CC0), written to a file."""
    src = inspect.getsource(ImageFont.load_default)
    data = base64.b64decode(re.search(r'b64decode\(b"""(.*?)"""', src, re.DOTALL).group(1))
    path = tmp_path_factory.mktemp("fonts") / "Aileron-Regular.ttf"
    path.write_bytes(data)
    return path


def prof(tmp_path, body: str):
    path = tmp_path / "p.toml"
    path.write_text("[main_image]\n" + body, encoding="utf-8")
    return profiles.load(str(path))


def test_bundled_font_renders_chinese_not_tofu():
    assert BUNDLED.is_file() and (BUNDLED.parent / "wqy-microhei.LICENSE.txt").is_file()
    assert BUNDLED.stat().st_size < 6_000_000
    font = ImageFont.truetype(str(BUNDLED), 48)
    masks = [glyph_mask(font, ch) for ch in "中国禾極"]   # simplified and traditional
    tofu = notdef_mask(font)
    for i, a in enumerate(masks):
        assert a.any() and not (a.shape == tofu.shape and np.array_equal(a, tofu))
        for b in masks[i + 1:]:
            assert not (a.shape == b.shape and np.array_equal(a, b))
    assert renders_chinese(BUNDLED)


def test_latin_only_font_is_passed_over(tmp_path, latin_font):
    assert not renders_chinese(latin_font)
    choice = find_font(prof(tmp_path, f'font = "{latin_font.as_posix()}"\n'))
    assert choice.path == BUNDLED and "cannot render Chinese" in choice.note


def test_missing_profile_font_falls_back_with_a_note(tmp_path):
    choice = find_font(prof(tmp_path, 'font = "nope/missing.ttf"\n'))
    assert choice.source == "bundled" and "not found" in choice.note


def test_system_fonts_are_searched(tmp_path):
    system = tmp_path / "sys" / "wqy-microhei.ttc"
    system.parent.mkdir()
    shutil.copyfile(BUNDLED, system)
    choice = find_font(prof(tmp_path, 'font = "missing.ttf"\n'), bundled=None, fontconfig=False,
                       system_paths=("/no/such/font.ttc", str(system)))
    assert choice.source == "system" and choice.path == system
    assert isinstance(fontconfig_candidates(), list)  # never raises, with or without fontconfig


def test_no_font_anywhere_says_how_to_install_one(tmp_path):
    with pytest.raises(ConfigError, match=r"no font that renders Chinese.*apt-get install fonts-wqy-microhei"):
        find_font(prof(tmp_path, 'font = "missing.ttf"\n'), bundled=None, fontconfig=False, system_paths=())


def test_cli_missing_font_without_fallback_exits_2_and_writes_nothing(cli, tmp_path):
    p = tmp_path / "strict.toml"
    p.write_text('[main_image]\nfont = "brand.ttf"\nfont_fallback = false\n')
    out = tmp_path / "out" / "main.png"
    r = cli("main-image", "--logo", SAMPLE_LOGO, "--company", "禾木", "--copy", "好物", "-p", p, "-o", out)
    assert r.exit_code == 2
    assert "brand.ttf: not found and font_fallback = false" in r.stderr and "apt-get install" in r.stderr
    assert not out.parent.exists()


def test_cli_warns_when_it_falls_back(cli, tmp_path):
    p = tmp_path / "loose.toml"
    p.write_text('[main_image]\nfont = "brand.ttf"\n')
    r = cli("main-image", "--logo", SAMPLE_LOGO, "--company", "禾木", "--copy", "好物", "-p", p,
            "-o", tmp_path / "m.png")
    assert r.exit_code == 0 and "warning: [main_image] font" in r.stderr and "WenQuanYi Micro Hei" in r.stderr
