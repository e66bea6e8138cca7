"""Mutated real JPEG/PNG bytes through the detail pipeline: a result or a Rejected, nothing else.

Bounded: a fixed number of examples, each with a deadline, so it runs inside the suite.
"""

from __future__ import annotations

import io
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from imgkit import profile as profiles
from imgkit.detail import pipeline as detail
from imgkit.errors import Rejected
from tests.conftest import DATA, write_profile

SEEDS = [(DATA / name).read_bytes() for name in
         ("sharp__Landscape_6.jpg", "pillow__pil_sample_cmyk.jpg", "ljt__monkey16.png",
          "pillow__transparent.png", "pillow__hopper_orientation_6.webp")]
PER_FILE_SECONDS = 2.0
_profile = None


def profile():
    global _profile
    if _profile is None:
        import tempfile
        from pathlib import Path
        folder = Path(tempfile.mkdtemp())
        _profile = profiles.load(str(write_profile(folder / "fuzz.toml", detail={"allow_upscale": True},
                                                   input={"max_pixels": 40_000_000})))
    return _profile


@st.composite
def mutated(draw):
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["flip", "set", "cut", "insert", "header"]))
        pos = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set":
            data[pos] = draw(st.sampled_from([0x00, 0xFF, 0x7F, 0x80, 0xD9, 0xC0]))
        elif kind == "cut":
            del data[pos:]
            if len(data) < 2:
                break
        elif kind == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=64))
        else:  # a header field: sizes and lengths live in the first bytes
            data[min(pos, 40)] = draw(st.integers(0, 255))
    return bytes(data)


@settings(max_examples=1000, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_images_give_a_picture_or_a_reason(data):
    start = time.perf_counter()
    try:
        frame = detail.run(profile(), data)
    except Rejected as r:
        assert r.reason and "\n" not in r.reason
    else:
        out = Image.open(io.BytesIO(frame.outputs["detail"]))
        out.load()
        assert out.width == 710 and out.mode == "RGB"
    assert time.perf_counter() - start < PER_FILE_SECONDS
