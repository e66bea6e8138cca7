from functools import partial

import numpy as np
import pytest
from numpy.testing import assert_allclose

from imgkit.colour import conversions
from imgkit.colour.conversions import delta_e76, srgb_to_linear, whiteness_distance

srgb_to_lab = partial(conversions.srgb_to_lab, white="D65")  # CIELAB under sRGB's own white

# sRGB (D65) → CIELAB reference values: B. Lindbloom's CIE colour calculator and the
# colour-science package (colour.XYZ_to_Lab(colour.sRGB_to_XYZ(rgb))), to 4 decimals
KNOWN = [
    ((255, 255, 255), (100.0, 0.0, 0.0)),
    ((0, 0, 0), (0.0, 0.0, 0.0)),
    ((255, 0, 0), (53.2408, 80.0925, 67.2032)),
    ((0, 255, 0), (87.7347, -86.1827, 83.1793)),
    ((0, 0, 255), (32.2970, 79.1875, -107.8602)),
    ((255, 255, 0), (97.1393, -21.5537, 94.4780)),
    ((0, 255, 255), (91.1132, -48.0875, -14.1312)),
    ((255, 0, 255), (60.3242, 98.2343, -60.8249)),
    ((128, 128, 128), (53.5850, 0.0, 0.0)),
]


@pytest.mark.parametrize("rgb, lab", KNOWN)
def test_known_colours(rgb, lab):
    assert_allclose(srgb_to_lab(np.array(rgb, np.uint8)), lab, atol=2e-3)


def test_vectorised_over_an_image_and_float_input_agrees():
    rgb = np.array([[c for c, _ in KNOWN]] * 3, np.uint8)  # (3, 10, 3)
    lab = srgb_to_lab(rgb)
    assert lab.shape == rgb.shape
    assert_allclose(lab[2], [expected for _, expected in KNOWN], atol=2e-3)
    assert_allclose(srgb_to_lab(rgb / 255.0), lab, atol=1e-9)


def test_linear_table_matches_the_formula_and_is_monotonic():
    v = np.arange(256, dtype=np.uint8)
    assert_allclose(srgb_to_linear(v), srgb_to_linear(v / 255.0), atol=1e-12)
    assert np.all(np.diff(srgb_to_linear(v)) > 0)
    assert srgb_to_linear(np.uint8(255)) == pytest.approx(1.0)


def test_delta_e_and_whiteness():
    assert delta_e76((50, 0, 0), (53, 4, 0)) == pytest.approx(5.0)
    assert float(whiteness_distance(np.array((255, 255, 255), np.uint8))) == pytest.approx(0, abs=1e-4)
    assert float(whiteness_distance(np.array((250, 250, 250), np.uint8))) < 3
    assert float(whiteness_distance(np.array((31, 78, 140), np.uint8))) > 60


def test_bad_shape_is_named():
    with pytest.raises(ValueError, match=r"expected shape \(\.\.\., 3\)"):
        srgb_to_lab(np.zeros((4, 4), np.uint8))
