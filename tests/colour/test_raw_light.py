"""Charts under raw-ish light (issue 18): a machine-vision camera's linear frame or a
webcam's gamma, lights the sensor is not balanced for (D65, CWF, TL84, tungsten), a stop
under and over, the chart turned, on real product photos. Every scene is found and
corrected to a leave-one-out ΔE2000 of at most 1.0; the same colours in a wrong order, and
product photos without a chart, are not taken for a chart."""

from __future__ import annotations

import pytest

from imgkit.colour.calibration import fit_sample, measure, read_photo
from imgkit.colour.chart import NoChartFound
from tests.colour import scenes

SIZE = (1224, 1024)   # a 2448×2048 machine-vision frame at half size
BACKDROPS = ("p26__chair.jpg", "p12__camera-lens.jpg", "p21__canvas-sneaker.jpg")
GRID = scenes.grid()


@pytest.fixture(scope="module")
def backdrops(corpus):
    return [scenes.background(corpus / "products" / name, SIZE) for name in BACKDROPS]


@pytest.mark.parametrize("k", range(len(GRID)), ids=[s.name for s in GRID])
def test_every_scene_is_found_and_corrected(backdrops, k):
    scene = GRID[k]
    rgb = read_photo(scenes.render(scene, backdrops[k % len(backdrops)], seed=k))[0]
    sample = measure(rgb, scenes.SHOWN)
    assert sample.how == "detected" and sample.score < 5.0, scene.name
    cal = fit_sample(sample, scenes.SHOWN)
    s = cal.summary
    # the calibration's figure, every patch counted (a crushed or clipped one at its held-out ΔE)
    assert s["mean_loo"] <= 1.0, (scene.name, cal.fit.label, s)
    assert s["mean_before"] > 5.0, "the scene has a cast to correct"
    # patches in reading order: the greys come out as a ramp, white lightest
    grey = [cal.patches[i].corrected_srgb for i in range(18, 24)]
    assert all(sum(a) > sum(b) for a, b in zip(grey, grey[1:], strict=False)), scene.name


@pytest.mark.parametrize("k", (0, 7, 14, 18))
def test_the_chart_colours_in_a_wrong_order_are_no_chart(backdrops, k):
    """A grid of the very same 24 colours, shuffled: no tone curve and cast explain it."""
    import numpy as np
    scene = GRID[k]
    order = np.random.default_rng(k).permutation(24)
    rgb = read_photo(scenes.render(scene, backdrops[0], seed=k, order=order))[0]
    with pytest.raises(NoChartFound, match="no colour chart found"):
        measure(rgb, scenes.SHOWN)


def test_no_chart_in_product_photos_or_the_negative(corpus):
    photos = sorted((corpus / "products").glob("p*.jpg")) + sorted((corpus / "colorchecker" / "negative").glob("*.jpg"))
    assert len(photos) >= 30
    found = []
    for path in photos:
        try:
            measure(read_photo(path)[0], scenes.SHOWN)
            found.append(path.name)
        except NoChartFound:
            pass
    assert found == []


def test_imgkit_calibrate_finds_a_full_size_machine_vision_frame(cli, backdrops, tmp_path, corpus):
    """The case of the issue: 2448×2048, linear, tungsten, a stop dark, the chart a third of the frame."""
    frame = scenes.background(corpus / "products" / "p27__stool.jpg", (2448, 2048))
    photo = tmp_path / "chart.png"
    photo.write_bytes(scenes.render(scenes.Scene("tungsten", "linear", -1, 21.0), frame, seed=5, share=0.33))
    result = cli("calibrate", photo, "--reference", "colorchecker24", "-o", tmp_path / "cal.json")
    assert result.exit_code == 0, result.stderr
    assert "method gamma-" in result.stdout
