"""The checker reads the mark the drawer drew: one sizing rule (``mark_size``) for both, so
at every ``[watermark] width`` a freshly built picture passes validate's R2. (The checker
used to round the template's height from its rounded width: at 0.15, 0.19 and 0.52-0.56 of
710 px it was a pixel off the drawn mark and a correctly marked picture failed.)"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from imgkit import profile as profiles
from imgkit.checks.validate import validate
from imgkit.checks.watermark_match import find_watermark, luma, score_at, template_from_rgba
from imgkit.detail import pipeline
from imgkit.imaging.blend import alpha_over
from imgkit.imaging.watermark import drawn_width, mark_size, placement, scaled_watermark, watermark_image
from tests.conftest import SAMPLES, write_profile

WIDTHS = [k / 100 for k in range(8, 61)]          # validate's search range, 8-60 % of the width
POSITIONS = ("bottom-right", "top-left", "top-right", "bottom-left")
PHOTOS = [SAMPLES / "A1002" / "shoe-2.jpg", SAMPLES / "A1001" / "IMG_0417.JPG"]


def profile_at(folder: Path, width: float, position: str = "bottom-right"):
    return profiles.load(str(write_profile(folder / f"w{width:.2f}-{position}.toml",
                                           watermark={"width": width, "position": position})))


def test_mark_size_rounds_both_sides_from_one_scale():
    assert mark_size(720, 200, 106.5) == (106, 30)     # 106.5 x 29.58: not round(106 * 200 / 720) = 29
    assert mark_size(720, 200, 134.9) == (135, 37)     # 134.9 x 37.47: not round(135 * 200 / 720) = 38
    assert mark_size(720, 200, 720.0) == (720, 200)
    assert mark_size(720, 200, 0.2) == (1, 1)


@pytest.mark.parametrize("height", [1000, 150])       # 150 px: the picture's height limits the mark
def test_the_checker_template_is_the_drawn_mark_at_every_width(tmp_path, height):
    mark = template_from_rgba(np.asarray(watermark_image(profiles.load("default"))))
    base = np.full((height, 710, 3), 120, np.uint8)
    for width in [k / 100 for k in range(5, 96)]:     # 5 %: a mark 36 x 10 px
        prof = profile_at(tmp_path, width)
        drawn = scaled_watermark(prof, 710, height)
        x, y = placement(prof, 710, height, drawn)
        picture = base.copy()
        alpha_over(picture, drawn, x=x, y=y, opacity=prof.watermark.opacity)
        exact = drawn_width(prof, 710, height)
        m = score_at(luma(picture), mark, x, y, exact)        # the shop's mark sized for that width
        assert (m.width, m.height) == (drawn.shape[1], drawn.shape[0]), width
        found = find_watermark(luma(picture), mark, expected=(x, y, exact), drawn=template_from_rgba(drawn))
        assert (found.x, found.y, found.width, found.height) == (x, y, m.width, m.height), width
        assert found.score > 0.99, (width, found.score)


def test_a_freshly_built_picture_passes_r2_at_every_width(tmp_path):
    photos = [p.read_bytes() for p in PHOTOS]
    scores = []
    for n, width in enumerate(WIDTHS):
        prof = profile_at(tmp_path, width, POSITIONS[n % len(POSITIONS)])
        folder = tmp_path / f"w{width:.2f}"
        folder.mkdir()
        for i, data in enumerate(photos, 1):
            (folder / f"A1001-{i:02d}.jpg").write_bytes(pipeline.run(prof, data).outputs["detail"])
        v = validate(folder, prof, jobs=1)
        assert not [f for f in v.findings if f.rule.startswith("watermark.")], (width, v.findings)
        for f in v.items[0].files:
            with Image.open(folder / Path(f.path).name) as im:
                drawn = scaled_watermark(prof, im.width, im.height)
                assert (f.watermark.width, f.watermark.height) == (drawn.shape[1], drawn.shape[0]), width
            scores.append(f.watermark.score)
    print(f"R2 over {len(WIDTHS)} widths x {len(photos)} photos: lowest score {min(scores):.3f}")
    assert min(scores) >= profiles.load("default").validate.watermark_min_score
