"""Colour strings: the profile's ``#rrggbb`` (checked when the profile loads) to RGB and back."""

from __future__ import annotations

import re

HEX = re.compile(r"#[0-9a-fA-F]{6}")


def rgb_of(hex_colour: str) -> tuple[int, int, int]:
    """``"#1f4e8c"`` → ``(31, 78, 140)``; ``ValueError`` for anything else."""
    if not HEX.fullmatch(hex_colour):
        raise ValueError(f"expected a colour like '#1f4e8c', got {hex_colour!r}")
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


def hex_of(rgb) -> str:
    """``(31, 78, 140)`` → ``"#1f4e8c"``."""
    return "#{:02x}{:02x}{:02x}".format(*rgb)
