"""Colour maths against published values; fits recover known transforms from synthetic data."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from imgkit.colour import ccm
from imgkit.colour import conversions as colour

# Sharma, Wu & Dalal (2005), Table 1: Lab1, Lab2, ΔE00 (all 34 pairs)
SHARMA = [
    (50.0000, 2.6772, -79.7751, 50.0000, 0.0000, -82.7485, 2.0425),
    (50.0000, 3.1571, -77.2803, 50.0000, 0.0000, -82.7485, 2.8615),
    (50.0000, 2.8361, -74.0200, 50.0000, 0.0000, -82.7485, 3.4412),
    (50.0000, -1.3802, -84.2814, 50.0000, 0.0000, -82.7485, 1.0000),
    (50.0000, -1.1848, -84.8006, 50.0000, 0.0000, -82.7485, 1.0000),
    (50.0000, -0.9009, -85.5211, 50.0000, 0.0000, -82.7485, 1.0000),
    (50.0000, 0.0000, 0.0000, 50.0000, -1.0000, 2.0000, 2.3669),
    (50.0000, -1.0000, 2.0000, 50.0000, 0.0000, 0.0000, 2.3669),
    (50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0009, 7.1792),
    (50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0010, 7.1792),
    (50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0011, 7.2195),
    (50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0012, 7.2195),
    (50.0000, -0.0010, 2.4900, 50.0000, 0.0009, -2.4900, 4.8045),
    (50.0000, -0.0010, 2.4900, 50.0000, 0.0010, -2.4900, 4.8045),
    (50.0000, -0.0010, 2.4900, 50.0000, 0.0011, -2.4900, 4.7461),
    (50.0000, 2.5000, 0.0000, 50.0000, 0.0000, -2.5000, 4.3065),
    (50.0000, 2.5000, 0.0000, 73.0000, 25.0000, -18.0000, 27.1492),
    (50.0000, 2.5000, 0.0000, 61.0000, -5.0000, 29.0000, 22.8977),
    (50.0000, 2.5000, 0.0000, 56.0000, -27.0000, -3.0000, 31.9030),
    (50.0000, 2.5000, 0.0000, 58.0000, 24.0000, 15.0000, 19.4535),
    (50.0000, 2.5000, 0.0000, 50.0000, 3.1736, 0.5854, 1.0000),
    (50.0000, 2.5000, 0.0000, 50.0000, 3.2972, 0.0000, 1.0000),
    (50.0000, 2.5000, 0.0000, 50.0000, 1.8634, 0.5757, 1.0000),
    (50.0000, 2.5000, 0.0000, 50.0000, 3.2592, 0.3350, 1.0000),
    (60.2574, -34.0099, 36.2677, 60.4626, -34.1751, 39.4387, 1.2644),
    (63.0109, -31.0961, -5.8663, 62.8187, -29.7946, -4.0864, 1.2630),
    (61.2901, 3.7196, -5.3901, 61.4292, 2.2480, -4.9620, 1.8731),
    (35.0831, -44.1164, 3.7933, 35.0232, -40.0716, 1.5901, 1.8645),
    (22.7233, 20.0904, -46.6940, 23.0331, 14.9730, -42.5619, 2.0373),
    (36.4612, 47.8580, 18.3852, 36.2715, 50.5065, 21.2231, 1.4146),
    (90.8027, -2.0831, 1.4410, 91.1528, -1.6435, 0.0447, 1.4441),
    (90.9257, -0.5406, -0.9208, 88.6381, -0.8985, -0.7239, 1.5381),
    (6.7747, -0.2908, -2.4247, 5.8714, -0.0985, -2.2286, 0.6377),
    (2.0776, 0.0795, -1.1350, 0.9033, -0.0636, -0.5514, 0.9082),
]


def test_ciede2000_matches_all_34_sharma_pairs_vectorised_and_symmetric():
    data = np.array(SHARMA)
    assert data.shape == (34, 7)
    assert_allclose(colour.delta_e_2000(data[:, 0:3], data[:, 3:6]), data[:, 6], atol=5e-5)
    assert_allclose(colour.delta_e_2000(data[:, 3:6], data[:, 0:3]), data[:, 6], atol=5e-5)
    assert colour.delta_e_2000([50, 10, 10], [50, 10, 10]) == 0


def test_srgb_transfer_known_values_and_uint8_table_matches_formula():
    assert_allclose(colour.srgb_to_linear(np.array([0.0, 0.04045, 0.5, 1.0])),
                    [0.0, 0.04045 / 12.92, 0.21404114, 1.0], rtol=1e-6)
    codes = np.arange(256, dtype=np.uint8)
    assert_allclose(colour.srgb_to_linear(codes), colour.srgb_to_linear(codes / 255.0))
    assert (colour.linear_to_srgb(colour.srgb_to_linear(codes), as_uint8=True) == codes).all()


def test_lab_known_values_d65_and_bradford_d50():
    # Lindbloom's calculator: sRGB red, D65 white and (Bradford) D50 white; white → L 100
    red = np.array([255, 0, 0], np.uint8)
    assert_allclose(colour.srgb_to_lab(red, white="D65"), [53.2408, 80.0925, 67.2032], atol=2e-3)
    assert_allclose(colour.srgb_to_lab(red), [54.2917, 80.8125, 69.8851], atol=2e-3)
    assert_allclose(colour.srgb_to_lab(np.array([255, 255, 255], np.uint8)), [100, 0, 0], atol=1e-3)
    # ICC sRGB D50 matrix (Bradford-adapted), as published by Lindbloom
    assert_allclose(colour.SRGB_TO_XYZ_D50, [[0.4360747, 0.3850649, 0.1430804],
                                             [0.2225045, 0.7168786, 0.0606169],
                                             [0.0139322, 0.0971045, 0.7141733]], atol=2e-4)
    lab = np.random.default_rng(0).uniform([5, -60, -60], [95, 60, 60], (100, 3))
    assert_allclose(colour.linear_to_lab(colour.lab_to_linear(lab)), lab, atol=1e-9)


def test_bad_shapes_name_expected_and_actual():
    with pytest.raises(ValueError, match=r"expected shape \(\.\.\., 3\), got \(4, 2\)"):
        colour.delta_e_2000(np.zeros((4, 2)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"expected two \(N, 3\) arrays, got \(5, 3\) and \(4, 3\)"):
        ccm.fit_matrix(np.ones((5, 3)), np.ones((4, 3)))


def _patches(n=24, seed=3):
    return np.random.default_rng(seed).uniform(0.03, 0.85, (n, 3))


def test_fits_recover_known_transforms():
    m = _patches()
    true = np.array([[1.3, -0.2, 0.05], [-0.1, 1.15, -0.05], [0.02, -0.25, 1.4]])
    assert_allclose(ccm.fit_matrix(m, m @ true.T).matrix, true, atol=1e-6)
    gains = np.array([1.6, 1.0, 0.55])
    assert_allclose(np.diag(ccm.fit_diagonal(m[:2], m[:2] * gains).matrix), gains, atol=1e-9)
    rp = np.zeros((3, 6))
    rp[:, :3], rp[:, 3:] = true, np.array([[0.1, 0, -0.05], [0, 0.08, 0], [-0.04, 0, 0.1]])
    f = ccm.fit_root_polynomial(m, ccm.features(m, "root-polynomial") @ rp.T)
    assert_allclose(f.matrix, rp, atol=1e-5)
    # root-polynomial terms are exposure-invariant: twice the light, twice the output
    assert_allclose(ccm.predict(f, 2 * m), 2 * ccm.predict(f, m), rtol=1e-9)


def test_white_constraint_maps_white_exactly():
    m = _patches()
    r = (m @ np.array([[1.2, 0.1, 0], [0, 0.9, 0.1], [0.1, 0, 1.1]]).T
         + np.random.default_rng(1).normal(0, 0.01, m.shape))
    m[0], r[0] = [0.7, 0.65, 0.5], [0.85, 0.86, 0.84]
    for method in ("matrix", "root-polynomial", "diagonal"):
        f = ccm.fit(method, m, r, white=0, refine=False)
        assert_allclose(ccm.predict(f, m[0]), r[0], atol=1e-9)


def test_tone_curve_is_monotone_and_straightens_a_camera_curve():
    grey = np.array([0.03, 0.09, 0.19, 0.36, 0.59, 0.88])
    ref = np.repeat(grey[:, None], 3, 1)
    shot = ref ** np.array([0.8, 0.9, 0.7]) * np.array([0.9, 1.0, 0.8])   # a different curve per channel
    curve = ccm.fit_curve(shot, ref)
    assert_allclose(ccm.apply_curve(curve, shot), ref, rtol=1e-9)
    v = np.linspace(0, 1, 1001)[:, None].repeat(3, 1)
    assert (np.diff(ccm.apply_curve(curve, v), axis=0) >= 0).all()


def test_choose_prefers_the_curve_when_the_tone_curve_is_not_srgb():
    from imgkit.colour.reference import load_reference
    ref = load_reference()
    shot = np.clip(ref.linear, 0, 1) ** 0.8 * 0.9          # a camera curve no matrix can undo
    choice = ccm.choose(shot, ref.linear, ref.lab, neutrals=ref.neutrals, white=ref.white)
    assert choice.fit.method.startswith("curve")
    assert np.nanmean(choice.loo[choice.fit.label]) < 0.5 < np.nanmean(choice.loo["matrix"])


def test_apply_matches_the_numpy_formula_for_every_method():
    """The OpenCV blocks (uint16 tables, float32 root terms) against the float64 numpy formula:
    at most one code value apart, and almost always equal. (Its time on a 710 px photo is
    measured by benchmarks/bench_colour.py, not asserted here.)"""
    from imgkit.colour.reference import load_reference
    ref = load_reference()
    shot = np.clip(ref.linear @ np.array([[0.9, 0.1, 0], [0.05, 0.8, 0.05], [0, 0.1, 0.6]]).T, 0, 1) ** 1.1
    img = np.random.default_rng(0).integers(0, 256, (473, 710, 3), dtype=np.uint8)
    ramps = np.stack(np.meshgrid(np.arange(256), np.arange(256), [0, 40, 128, 255], indexing="ij"),
                     -1).reshape(-1, 3).astype(np.uint8)   # every R×G pair: dark, saturated, clipped
    for method in ccm.METHODS:
        f = ccm.fit(method, shot, ref.linear, neutrals=ref.neutrals, white=ref.white)
        for x in (img, ramps, img[:5, :7]):   # blocks: several, several with a short last, one short
            out = ccm.apply(f, x)
            expect = colour.linear_to_srgb(np.clip(ccm.predict(f, colour.srgb_to_linear(x)), 0, 1), as_uint8=True)
            assert out.dtype == np.uint8 and out.shape == x.shape
            diff = np.abs(out.astype(int) - expect)
            assert diff.max() <= 1, method
            assert (diff > 0).mean() < 0.01, method


CAST = np.array([[0.9, 0.1, 0], [0.05, 0.8, 0.05], [0, 0.1, 0.6]])


def _lit_unevenly(slope, cast=CAST):
    """The chart through a 3×3 cast, under light that changes by exp(a·x + b·y) across it,
    with a little sensor noise."""
    from imgkit.colour import falloff
    from imgkit.colour.reference import load_reference
    ref = load_reference()
    pos = falloff.grid_positions(4, 6)
    shot = np.clip(ref.linear, 0, 1) @ cast.T * 0.8 * falloff.gains(pos, slope)[:, None]
    shot = shot * (1 + np.random.default_rng(5).normal(0, 0.004, shot.shape))
    return ref, pos, shot


def test_uneven_light_on_the_chart_is_fitted_and_kept_out_of_the_correction():
    """Light 35 % stronger on the right and 15 % at the bottom: choose() keeps the falloff
    variant, finds the gradient, and the correction it returns (for even light) undoes the
    cast alone."""
    slope = (np.log(1.35), np.log(1.15))
    ref, pos, shot = _lit_unevenly(slope)
    choice = ccm.choose(shot, ref.linear, ref.lab, neutrals=ref.neutrals, white=ref.white, positions=pos)
    assert choice.fit.falloff is not None and choice.fit.label.endswith(" + falloff")
    assert_allclose(choice.fit.falloff, slope, atol=0.03)
    # as good as the same chart under even light; without the falloff, three times worse
    ref, pos, even_shot = _lit_unevenly((0.0, 0.0))
    even_loo = np.nanmean(ccm.leave_one_out(choice.fit.method, even_shot, ref.linear, ref.lab,
                                            neutrals=ref.neutrals, white=ref.white))
    assert np.nanmean(choice.loo[choice.fit.label]) < even_loo + 0.05
    assert np.nanmean(choice.loo[choice.fit.method]) > 3 * even_loo
    # the correction for even light: the chart shot under even light comes out right
    even = shot / np.exp(pos @ np.array(slope))[:, None]
    de = colour.delta_e_2000(ccm.predict_lab(choice.fit, even), ref.lab)
    assert np.median(de) < 0.6
    # and it survives the calibration file
    again = ccm.Fit.from_json(choice.fit.to_json())
    assert again.falloff == pytest.approx(choice.fit.falloff, abs=1e-6) and again.label == choice.fit.label


def test_even_light_keeps_the_plain_fit():
    ref, pos, shot = _lit_unevenly((0.0, 0.0))
    choice = ccm.choose(shot, ref.linear, ref.lab, neutrals=ref.neutrals, white=ref.white, positions=pos)
    assert choice.fit.falloff is None or np.abs(choice.fit.falloff).max() < 0.02
    assert any(k.endswith(" + falloff") for k in choice.loo)   # it was tried
    # without positions (swatches, not a chart) it is not tried at all
    swatches = ccm.choose(shot, ref.linear, ref.lab, neutrals=ref.neutrals, white=ref.white)
    assert swatches.fit.falloff is None and not any(k.endswith(" + falloff") for k in swatches.loo)
