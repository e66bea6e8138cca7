import pytest

from imgkit import profile as profiles
from imgkit.errors import ProfileError
from tests.conftest import write_profile


def test_default_profile_holds_the_art_team_rules():
    p = profiles.load("default")
    assert p.naming.template == "{item}-{index:02d}"
    assert p.detail.width == 710
    assert p.asset(p.watermark.image).is_file()
    assert p.input.max_pixels > 0 and "JPEG" in p.input.formats
    assert len(p.fingerprint) == 16


def test_a_path_works_like_a_name(tmp_path):
    path = write_profile(tmp_path / "mine.toml", detail={"width": 800})
    p = profiles.load(str(path))
    assert p.detail.width == 800 and p.name == "mine"


@pytest.mark.parametrize("sections, words", [
    ({"detail": {"widht": 710}}, r"unknown key \[detail\] 'widht'"),
    ({"detail": {"width": "710"}}, r"\[detail\] width must be an integer"),
    ({"detail": {"width": True}}, r"\[detail\] width must be an integer"),
    ({"detail": {"quality": 101}}, r"\[detail\] quality = 101 is out of range"),
    ({"watermark": {"position": "middle"}}, r"\[watermark\] position"),
    ({"watermark": {"image": "nope/missing.png"}}, r"\[watermark\] image: asset .*missing.png not found"),
    ({"naming": {"template": "{item}"}}, r"\[naming\] template must use"),
    ({"naming": {"item_pattern": "(A"}}, r"item_pattern is not a valid regex"),
    ({"input": {"formats": ["JPEG", "XCF"]}}, r"unknown format 'XCF'"),
])
def test_bad_profiles_name_the_file_and_the_key(tmp_path, sections, words):
    path = write_profile(tmp_path / "bad.toml", **sections)
    with pytest.raises(ProfileError, match=words) as err:
        profiles.load(str(path))
    assert str(path) in str(err.value)


def test_unknown_top_level_key_and_bad_toml(tmp_path):
    bad = tmp_path / "top.toml"
    bad.write_text("colours = 1\n")
    with pytest.raises(ProfileError, match="unknown key 'colours'"):
        profiles.load(str(bad))
    bad.write_text("[detail\nwidth = 3\n")
    with pytest.raises(ProfileError, match="not valid TOML"):
        profiles.load(str(bad))


def test_missing_profile_names_the_shipped_ones():
    with pytest.raises(ProfileError, match="shipped: .*default"):
        profiles.load("no-such-profile")


def test_fingerprint_follows_rendering_rules_and_assets(tmp_path):
    a = profiles.load(str(write_profile(tmp_path / "a.toml")))
    b = profiles.load(str(write_profile(tmp_path / "b.toml", detail={"quality": 80})))
    c = profiles.load(str(write_profile(tmp_path / "c.toml", text='description = "other words"')))
    assert a.fingerprint != b.fingerprint
    assert a.fingerprint == c.fingerprint


def test_cli_profiles_lists_shipped(cli):
    result = cli("profiles")
    assert result.exit_code == 0
    assert "\ndefault " in "\n" + result.output  # listed by name: amazon-main sorts first


def test_cli_bad_profile_exits_2_and_writes_nothing(cli, tmp_path, shoot):
    bad = write_profile(tmp_path / "bad.toml", detail={"width": "wide"})
    out = tmp_path / "out"
    result = cli("build", shoot, "-o", out, "-p", bad)
    assert result.exit_code == 2
    assert "[detail] width must be an integer" in result.stderr
    assert not out.exists()
