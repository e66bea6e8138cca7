"""The profile's ``#rrggbb`` colour strings to RGB and back."""

from __future__ import annotations

import pytest

from imgkit import profile as profiles
from imgkit.imaging.colours import hex_of, rgb_of


@pytest.mark.parametrize(("text", "rgb"), [
    ("#000000", (0, 0, 0)), ("#ffffff", (255, 255, 255)), ("#1f4e8c", (31, 78, 140)),
    ("#C62828", (198, 40, 40)), ("#0a0B0c", (10, 11, 12)),
])
def test_rgb_of_reads_each_channel(text, rgb):
    assert rgb_of(text) == rgb
    assert hex_of(rgb) == text.lower()


def test_every_channel_value_round_trips():
    for v in range(256):
        rgb = (v, 255 - v, (v * 7) % 256)
        text = hex_of(rgb)
        assert len(text) == 7 and text == text.lower()
        assert rgb_of(text) == rgb


def test_the_shipped_profiles_colours_read():
    p = profiles.load("default")
    for text in (p.detail.background, p.facts.background, p.captions.text_color, p.mark.background):
        assert hex_of(rgb_of(text)) == text.lower()


@pytest.mark.parametrize("bad", ["1f4e8c", "#1f4e8", "#1f4e8cc", "#gg0000", " #1f4e8c", "#1f4e8c\n", "",
                                 "#fff", "red", "0x1f4e8c"])
def test_anything_else_is_a_value_error_naming_it(bad):
    with pytest.raises(ValueError, match="expected a colour like") as info:
        rgb_of(bad)
    assert repr(bad) in str(info.value)
