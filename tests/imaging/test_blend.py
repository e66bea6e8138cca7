import numpy as np
import pytest

from imgkit.imaging.blend import alpha_over, flatten


def test_flatten_matches_the_compositing_formula():
    rng = np.random.default_rng(1)
    rgba = rng.integers(0, 256, (16, 9, 4), dtype=np.uint8)
    bg = (250, 10, 128)
    a = rgba[..., 3:4] / 255.0
    expected = np.rint(rgba[..., :3] * a + np.array(bg) * (1 - a))
    np.testing.assert_allclose(flatten(rgba, bg), expected, atol=1)


def test_alpha_over_in_place_with_opacity_and_clipping():
    base = np.full((10, 10, 3), 100, np.uint8)
    over = np.zeros((4, 4, 4), np.uint8)
    over[..., :3] = 200
    over[..., 3] = 255
    alpha_over(base, over, x=8, y=-2, opacity=0.5)  # half outside, top and right
    assert (base[0:2, 8:10] == 150).all()             # 100 + (200-100)*0.5
    assert (base[2:, :] == 100).all() and (base[:, :8] == 100).all()


def test_alpha_over_outside_is_a_no_op():
    base = np.zeros((4, 4, 3), np.uint8)
    alpha_over(base, np.full((2, 2, 4), 255, np.uint8), x=10, y=10)
    assert not base.any()


def test_shapes_are_checked_with_the_actual_shape():
    with pytest.raises(ValueError, match=r"\(H, W, 4\).*\(4, 4, 3\)"):
        flatten(np.zeros((4, 4, 3), np.uint8), (0, 0, 0))
