"""The one value an output was made with: profile fingerprint, calibration id, decoration key."""

from __future__ import annotations

import pytest

from imgkit import profile as profiles
from imgkit.profile.fingerprint import CALIBRATION, DECORATION, Fingerprint


@pytest.fixture(scope="module")
def fp() -> str:
    return profiles.load("default").fingerprint


def test_a_plain_fingerprint_is_the_profiles_own(fp):
    assert str(Fingerprint(fp)) == fp
    assert Fingerprint.parse(fp) == Fingerprint(fp, "", "")


@pytest.mark.parametrize(("calibration", "decoration"), [
    ("", ""), ("3fa9c2d17b0e", ""), ("", "a1b2c3d4e5f6"), ("3fa9c2d17b0e", "a1b2c3d4e5f6"),
])
def test_str_and_parse_round_trip_with_and_without_calibration_and_decoration(fp, calibration, decoration):
    value = Fingerprint(fp, calibration, decoration)
    text = str(value)
    assert Fingerprint.parse(text) == value
    assert text.startswith(fp)
    assert (CALIBRATION + calibration in text) == bool(calibration)
    assert (DECORATION + decoration in text) == bool(decoration)
    assert str(Fingerprint.parse(text)) == text


def test_the_written_form(fp):
    assert str(Fingerprint(fp, "cal", "key")) == f"{fp}{CALIBRATION}cal{DECORATION}key"
    assert str(Fingerprint(fp, decoration="key")) == f"{fp}{DECORATION}key"
    assert Fingerprint.parse(f"{fp}{DECORATION}key") == Fingerprint(fp, "", "key")


def test_decorated_replaces_only_the_decoration(fp):
    base = Fingerprint(fp, "3fa9c2d17b0e")
    drawn = base.decorated("a1b2c3d4e5f6")
    assert drawn == Fingerprint(fp, "3fa9c2d17b0e", "a1b2c3d4e5f6")
    assert drawn.decorated("0f0f0f0f0f0f").decoration == "0f0f0f0f0f0f"
    assert drawn.decorated("") == base
    assert base.decoration == ""                     # frozen: the original is unchanged


def test_fingerprints_of_different_renderings_differ(fp):
    texts = {str(Fingerprint(fp, c, d)) for c in ("", "aa", "bb") for d in ("", "aa", "cc")}
    assert len(texts) == 9
