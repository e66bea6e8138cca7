"""Profiles layer over the shop's defaults (default.toml) or over the profile they ``extend``."""

from __future__ import annotations

import tomllib
from dataclasses import asdict

import numpy as np
import pytest

from imgkit import profile as profiles
from imgkit.errors import ProfileError
from imgkit.imaging.watermark import watermark_image
from imgkit.profile import MainImage
from tests.conftest import ROOT, WATERMARK, write_profile


def test_a_profile_that_does_not_mention_the_watermark_keeps_the_shops(tmp_path):
    p = profiles.load(str(write_profile(tmp_path / "p.toml", facts={"layout": "overlay"})))
    default = profiles.load("default")
    assert p.facts.layout == "overlay" and p.name == "p"
    assert p.watermark == default.watermark and p.watermark.enabled
    # default.toml's asset path stays relative to default.toml, not to this profile's folder
    assert not (tmp_path / p.watermark.image).exists()
    assert p.asset(p.watermark.image, "watermark.image") == WATERMARK.resolve()
    assert np.array_equal(np.asarray(watermark_image(p)), np.asarray(watermark_image(default)))
    # nothing that shapes an output changed: the same fingerprint, so a tree is not re-rendered
    assert p.fingerprint == default.fingerprint
    for section in ("naming", "input", "detail", "master", "colour", "validate", "sheet", "page"):
        assert getattr(p, section) == getattr(default, section), section


def test_enabled_true_adds_nothing_to_the_fingerprint_and_false_changes_it(tmp_path):
    default = profiles.load("default")
    on = profiles.load(str(write_profile(tmp_path / "on.toml", watermark={"enabled": True})))
    off = profiles.load(str(write_profile(tmp_path / "off.toml", watermark={"enabled": False})))
    off_other = profiles.load(str(write_profile(tmp_path / "off2.toml", watermark={"enabled": False, "width": 0.4})))
    assert on.fingerprint == default.fingerprint
    assert off.fingerprint != default.fingerprint
    assert off.fingerprint == off_other.fingerprint   # nothing of a mark that is not drawn reaches the output
    assert watermark_image(off) is None and watermark_image(on) is not None


def test_no_image_and_no_text_is_refused_unless_turned_off(tmp_path):
    path = write_profile(tmp_path / "bare.toml", watermark={"image": ""})
    with pytest.raises(ProfileError, match=r"\[watermark\] has neither image nor text.*enabled = false") as err:
        profiles.load(str(path))
    assert str(path.resolve()) in str(err.value)
    # turned off, a missing asset no longer matters: nothing is drawn
    off = write_profile(tmp_path / "off.toml", watermark={"enabled": False, "image": "nope.png"})
    assert not profiles.load(str(off)).watermark.enabled


def test_text_in_a_profile_replaces_the_inherited_image(tmp_path):
    p = profiles.load(str(write_profile(tmp_path / "t.toml", watermark={"text": "HEMU"})))
    assert p.watermark.text == "HEMU" and p.watermark.image == ""
    assert p.fingerprint != profiles.load("default").fingerprint
    (tmp_path / "mark.png").write_bytes(WATERMARK.read_bytes())
    child = tmp_path / "child.toml"
    child.write_text('extends = "t.toml"\n[watermark]\nimage = "mark.png"\n')
    c = profiles.load(str(child))
    assert c.watermark.image == "mark.png" and c.watermark.text == ""
    both = write_profile(tmp_path / "both.toml", watermark={"text": "HEMU", "image": "mark.png"})
    with pytest.raises(ProfileError, match="either image or text"):
        profiles.load(str(both))


def test_extends_chains_and_keeps_each_asset_beside_the_file_that_names_it(tmp_path):
    brand = tmp_path / "brand"
    brand.mkdir()
    (brand / "logo.png").write_bytes(WATERMARK.read_bytes())
    (brand / "base.toml").write_text('[watermark]\nimage = "logo.png"\nposition = "top-left"\n'
                                     '[detail]\nquality = 80\n')
    shop = tmp_path / "shops" / "north"
    shop.mkdir(parents=True)
    (shop / "mid.toml").write_text('extends = "../../brand/base.toml"\nname = "north"\n[detail]\nwidth = 800\n')
    (shop / "leaf.toml").write_text('extends = "mid.toml"\n[watermark]\nopacity = 0.4\n')
    leaf = profiles.load(str(shop / "leaf.toml"))
    assert (leaf.detail.width, leaf.detail.quality) == (800, 80)          # each layer adds its keys
    assert (leaf.watermark.position, leaf.watermark.opacity) == ("top-left", 0.4)
    assert leaf.detail.subsampling == "4:2:0" and leaf.naming.start == 1  # the rest from default.toml
    assert leaf.name == "leaf"                                             # name and description are not inherited
    assert leaf.asset(leaf.watermark.image, "watermark.image") == (brand / "logo.png").resolve()
    assert watermark_image(leaf) is not None
    # the logo's bytes are part of the fingerprint, wherever the file that names it lives
    (brand / "logo.png").write_bytes(WATERMARK.read_bytes() + b"\0")
    assert profiles.load(str(shop / "leaf.toml")).fingerprint != leaf.fingerprint


def test_extends_a_shipped_profile_by_name(tmp_path):
    path = tmp_path / "item.toml"
    path.write_text('extends = "taobao-item"\n[main_image]\nquality = 85\n')
    p = profiles.load(str(path))
    shipped = profiles.load("taobao-item")
    assert p.main_image.quality == 85 and p.main_image.kind == "product" and p.main_image.width == 800
    assert p.main_image.fill == shipped.main_image.fill and p.page.width == shipped.page.width
    assert p.watermark == shipped.watermark   # taobao-item's own base: default.toml


@pytest.mark.parametrize("files, cycle", [
    ({"a.toml": 'extends = "a.toml"\n'}, ["a.toml", "a.toml"]),
    ({"a.toml": 'extends = "b.toml"\n', "b.toml": 'extends = "c.toml"\n', "c.toml": 'extends = "a.toml"\n'},
     ["a.toml", "b.toml", "c.toml", "a.toml"]),
])
def test_cycles_are_refused_naming_every_file(tmp_path, files, cycle):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(ProfileError, match="extends makes a cycle") as err:
        profiles.load(str(tmp_path / "a.toml"))
    assert " -> ".join(str((tmp_path / n).resolve()) for n in cycle) in str(err.value)


def test_cycle_and_missing_base_exit_2_and_write_nothing(cli, tmp_path, shoot):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n')
    (tmp_path / "lost.toml").write_text('extends = "nowhere.toml"\n')
    (tmp_path / "empty.toml").write_text('extends = ""\n')
    for prof, words in (("a.toml", "extends makes a cycle"), ("lost.toml", "extends 'nowhere.toml': no such file"),
                        ("empty.toml", "extends must name a profile")):
        out = tmp_path / f"out-{prof}"
        result = cli("build", shoot, "-o", out, "-p", tmp_path / prof)
        assert result.exit_code == 2, result.output
        assert words in result.stderr and str(tmp_path) in result.stderr
        assert not out.exists()


def test_a_bad_key_in_a_base_names_the_base(tmp_path):
    (tmp_path / "base.toml").write_text("[detail]\nquality = 101\n")
    (tmp_path / "leaf.toml").write_text('extends = "base.toml"\n')
    with pytest.raises(ProfileError, match=r"base\.toml: \[detail\] quality = 101 is out of range"):
        profiles.load(str(tmp_path / "leaf.toml"))


@pytest.mark.parametrize("name", ["taobao-service", "taobao-item", "amazon-main"])
def test_shipped_main_image_profiles_keep_their_own_main_image_rules(name):
    """Layering adds default.toml's detail sections (its watermark among them) to the
    main-image profiles; their [main_image] is what their own file says, the rest built-in,
    as before (default.toml has no [main_image]), and main images never draw the watermark."""
    path = ROOT / "profiles" / f"{name}.toml"
    own = tomllib.loads(path.read_text(encoding="utf-8"))["main_image"]
    p = profiles.load(name)
    fields = {k: tuple(v) if isinstance(v, list) else v for k, v in own.items()}
    assert asdict(p.main_image) == asdict(MainImage(**fields))
    assert p.asset(p.main_image.font, "main_image.font").is_file() or not p.main_image.font
    assert "main_image" not in tomllib.loads((ROOT / "profiles" / "default.toml").read_text(encoding="utf-8"))
    assert p.fingerprint == profiles.load("default").fingerprint   # detail images: made as by default
