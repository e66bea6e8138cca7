"""``imgkit calibrate`` end to end on real chart photos, and the calibration API."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from PIL import Image

from imgkit.colour.calibration import calibrate_photo, read_photo
from imgkit.colour.calibration_file import apply_calibration, load_calibration
from imgkit.colour.reference import load_reference

PHOTO = "arcu__color_checker_mini_01.jpg"


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory, corpus):
    from click.testing import CliRunner

    from imgkit.cli import main
    folder = tmp_path_factory.mktemp("cal")
    photo = folder / PHOTO
    shutil.copy(corpus / "colorchecker" / PHOTO, photo)
    out = folder / "session.json"
    result = CliRunner().invoke(main, ["calibrate", str(photo), "-o", str(out)], catch_exceptions=False)
    return photo, out, result


def test_cli_writes_json_table_and_diagnostic(calibrated):
    photo, out, result = calibrated
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["kind"] == "imgkit-calibration" and data["reference"] == "colorchecker24"
    assert data["method"] in ("diagonal", "matrix", "root-polynomial", "curve-matrix", "curve-root-polynomial")
    assert np.asarray(data["matrix"]).shape[0] == 3
    import hashlib
    assert data["source"]["sha256"] == hashlib.sha256(photo.read_bytes()).hexdigest()
    assert len(data["patches"]) == 24
    w, h = data["source"]["size"]
    for i, p in enumerate(data["patches"]):
        assert p["index"] == i and p["name"]
        assert 0 <= p["centre"][0] < w and 0 <= p["centre"][1] < h
        assert len(p["measured_srgb"]) == 3 and len(p["reference_lab"]) == 3
        assert p["delta_e_before"] >= 0 and p["delta_e_after"] >= 0
        # a clipped patch (here the cyan, whose red the phone crushed to 0) is not fitted
        assert (p["delta_e_loo"] is None) == p["clipped"] and (p["clipped"] or p["delta_e_loo"] >= 0)
    s = data["summary"]
    assert s["mean_after"] < s["mean_before"] / 2 and s["mean_loo"] < s["mean_before"] / 2
    assert s["max_after"] >= s["mean_after"]
    assert len(data["detection"]["corners"]) == 4
    # the table: one line per patch plus mean and max
    lines = result.stdout.splitlines()
    assert lines[-2].startswith("mean") and lines[-1].startswith("max")
    assert sum(1 for ln in lines if ln[:2].strip().isdigit()) == 24
    png = out.with_suffix(".png")
    with Image.open(png) as im:
        im.load()
        assert im.format == "PNG" and im.width > 600


def test_the_table_numbers_patches_1_to_24_and_counts_clipped_ones(calibrated):
    photo, out, result = calibrated
    data = json.loads(out.read_text())
    lines = result.stdout.splitlines()
    rows = [ln for ln in lines if ln[:2].strip().isdigit()]
    assert [int(ln[:2]) for ln in rows] == list(range(1, 25))
    assert [ln[4:26].strip() for ln in rows] == [p["name"][:22] for p in data["patches"]]
    clipped = [p for p in data["patches"] if p["clipped"]]
    assert clipped, "this photo's cyan has its red crushed: the case the table must count"
    for p in clipped:
        assert rows[p["index"]].endswith("* clipped")
    # every patch counts: the max after correction is over all 24, the clipped one included
    s = data["summary"]
    assert s["max_after"] == pytest.approx(max(p["delta_e_after"] for p in data["patches"]), abs=1e-3)
    assert s["mean_after"] == pytest.approx(np.mean([p["delta_e_after"] for p in data["patches"]]), abs=2e-3)
    # a clipped patch was never fitted: its held-out figure is its ΔE after correction
    held = [p["delta_e_after"] if p["clipped"] else p["delta_e_loo"] for p in data["patches"]]
    assert s["mean_loo"] == pytest.approx(np.mean(held), abs=2e-3)
    assert s["max_loo"] == pytest.approx(max(held), abs=1e-3)
    assert f"{s['mean_loo']:.2f} leave-one-out" in result.stdout
    assert f"{s['mean_after']:.2f} in-sample" in result.stdout


def test_load_and_apply_calibration(calibrated):
    photo, out, _ = calibrated
    cal = load_calibration(out)
    assert cal.method == json.loads(out.read_text())["method"]
    rgb = read_photo(photo)[0]
    corrected = apply_calibration(rgb, cal)
    assert corrected.dtype == np.uint8 and corrected.shape == rgb.shape
    # the corrected photo, measured again, is close to the reference
    again = calibrate_photo(photo, corners=cal.detection["corners"], methods=("diagonal",))
    from imgkit.colour.chart import from_corners
    s = from_corners(corrected, cal.detection["corners"], load_reference().lab)
    from imgkit.colour import conversions as colour
    de = colour.delta_e_2000(colour.srgb_to_lab(s.rgb / 255.0), load_reference().lab)
    assert de.mean() < again.summary["mean_before"] / 2


def test_no_chart_exits_1_and_bad_usage_exits_2(cli, corpus, tmp_path):
    neg = next((corpus / "colorchecker" / "negative").glob("*.jpg"))
    r = cli("calibrate", neg, "-o", tmp_path / "neg.json")
    assert r.exit_code == 1 and "no colour chart found" in r.stderr
    assert not (tmp_path / "neg.json").exists()
    assert cli("calibrate", neg, "--corners", "1,2,3").exit_code == 2
    assert cli("calibrate", neg, "--reference", "no-such-chart").exit_code == 2
    assert cli("calibrate", tmp_path / "missing.jpg").exit_code == 2
    notimg = tmp_path / "notes.jpg"
    notimg.write_text("hello")
    assert cli("calibrate", notimg).exit_code == 1


def test_swatch_file_with_boxes(tmp_path, corpus):
    """Custom swatches (TOML, Lab or sRGB, boxes): three swatches get a diagonal white balance."""
    rgb = read_photo(corpus / "colorchecker" / PHOTO)[0]
    from imgkit.colour.chart import find_chart
    s = find_chart(rgb, load_reference().lab)
    ref = load_reference()
    boxes = []
    for i in (18, 21, 14):   # white, mid grey, red of the chart, named as "fabric swatches"
        x, y = s.centres[i]
        boxes.append([int(x) - 6, int(y) - 6, 12, 12])
    toml = tmp_path / "fabrics.toml"
    toml.write_text(
        'name = "fabrics"\n'
        f'[[swatch]]\nname = "white poplin"\nlab = {ref.lab[18].tolist()}\nbox = {boxes[0]}\n'
        f'[[swatch]]\nname = "grey flannel"\nlab = {ref.lab[21].tolist()}\nbox = {boxes[1]}\n'
        f'[[swatch]]\nname = "red twill"\nsrgb = "#b0363c"\nbox = {boxes[2]}\n', encoding="utf-8")
    cal = calibrate_photo(corpus / "colorchecker" / PHOTO, reference=toml)
    assert cal.method == "diagonal" and cal.reference == "fabrics" and len(cal.patches) == 3
    assert cal.patches[0].delta_e_after < 0.5         # white is kept white
    assert cal.summary["mean_after"] < cal.summary["mean_before"]


def test_profile_corners_are_the_fallback_when_detection_fails(corpus):
    """A fixed studio set-up: the chart photo too blurred for detection is still measured inside the
    profile's ``chart_corners``; a photo with nothing there is still "no colour chart found"."""
    import cv2

    from imgkit.colour.calibration import calibrate_pixels
    from imgkit.colour.chart import NoChartFound, find_chart
    rgb = read_photo(corpus / "colorchecker" / "arcu__color_checker_01.jpg")[0]
    sharp = calibrate_pixels(rgb)
    corners = sharp.detection["corners"]
    soft = cv2.GaussianBlur(rgb, (0, 0), 12)     # no edges left to detect, patch centres still flat
    with pytest.raises(NoChartFound):
        find_chart(soft, load_reference().lab)
    cal = calibrate_pixels(soft, fallback_corners=corners)
    assert cal.detection["how"] == "profile corners"
    assert abs(cal.summary["mean_loo"] - sharp.summary["mean_loo"]) < 0.5       # as good as the detected chart
    assert cal.summary["mean_loo"] < 0.6 * cal.summary["mean_before"]
    centres = np.array([p.centre for p in cal.patches])
    assert np.abs(centres - [p.centre for p in sharp.patches]).max() < 5   # same patches, same order
    # detection wins when it works: the corners are not consulted
    assert calibrate_pixels(rgb, fallback_corners=[[0, 0], [50, 0], [50, 50], [0, 50]]).detection["how"] == "detected"
    neg = read_photo(corpus / "colorchecker" / "negative" / "arcu__NEG_normal_example_no_chart.jpg")[0]
    with pytest.raises(NoChartFound, match="no colour chart found.*chart_corners hold no chart either"):
        calibrate_pixels(neg, fallback_corners=corners)


def test_methods_restrict_the_choice(corpus):
    from imgkit.colour.calibration import calibrate_pixels
    from imgkit.errors import Rejected
    rgb = read_photo(corpus / "colorchecker" / PHOTO)[0]
    cal = calibrate_pixels(rgb, methods=("matrix", "diagonal"))
    # each method on a chart is tried as it is and with the light's falloff fitted alongside
    assert set(cal.methods) == {"diagonal", "matrix", "matrix + falloff"} and cal.method in ("diagonal", "matrix")
    assert calibrate_pixels(rgb, methods=("curve-matrix",)).method == "curve-matrix"
    ref = load_reference()
    three = type(ref)(name="three", names=ref.names[18:21], lab=ref.lab[18:21], chart=False,
                      boxes=((10, 10, 8, 8),) * 3)
    with pytest.raises(Rejected, match="none of the methods matrix can be fitted to the 3 usable patches; "
                                       "these can: diagonal"):
        calibrate_pixels(rgb, three, methods=("matrix",))


def test_colour_profile_keys_load_validate_and_feed_calibration(tmp_path):
    from imgkit import profile
    from imgkit.colour import ccm
    from imgkit.colour.calibration import profile_options
    from imgkit.errors import ProfileError
    from tests.conftest import write_profile
    assert profile.CCM_METHODS == ccm.METHODS
    from imgkit.colour import white_balance
    assert profile.AUTO_WHITE_BALANCE == white_balance.METHODS
    default = profile.load("default")
    assert default.colour.chart_corners == () and default.colour.auto_white_balance == "off"
    assert profile_options(default.colour) == {"fallback_corners": None, "methods": None}
    good = write_profile(tmp_path / "good.toml", colour={
        "chart_corners": [[10, 20], [610, 25], [605, 420], [12, 415.5]], "methods": ["matrix", "curve-matrix"],
        "auto_white_balance": "bright-neutral"})
    p = profile.load(str(good))
    assert p.colour.chart_corners == ((10.0, 20.0), (610.0, 25.0), (605.0, 420.0), (12.0, 415.5))
    assert profile_options(p.colour) == {"fallback_corners": p.colour.chart_corners,
                                         "methods": ("matrix", "curve-matrix")}
    assert p.fingerprint != default.fingerprint
    off = profile.load(str(write_profile(tmp_path / "off.toml", colour={"auto_white_balance": "off"})))
    grey = profile.load(str(write_profile(tmp_path / "grey.toml", colour={"auto_white_balance": "gray-world"})))
    assert off.fingerprint != grey.fingerprint      # a different balance re-renders
    bad = {
        "chart_corners": ([[0, 0], [1, 1], [2, 2]], "chart_corners must be .* four \\[x, y\\]"),
        "methods": (["matrix", "magic"], "methods = .* is out of range \\(expected one or more of diagonal"),
        "auto_white_balance": ("auto", "auto_white_balance = 'auto' is out of range .*'bright-neutral'"),
    }
    bad_corners = ([[0, 0], [100, 0], [0, 100], [20, 20]], [[0, 0], [10, 0], [20, 0], [30, 0]],
                   [[0, 0], [10, 0], [10, "x"], [0, 10]], [[0, 0], [10, 0], [10, -1], [0, 10]])
    cases = ([(k, v, m) for k, (v, m) in bad.items()]
             + [("chart_corners", c, "chart_corners must be") for c in bad_corners])
    for n, (key, value, message) in enumerate(cases):
        path = write_profile(tmp_path / f"bad{n}.toml", colour={key: value})
        with pytest.raises(ProfileError, match=f"{path}: \\[colour\\] {message}"):
            profile.load(str(path))


def test_a_chart_lit_from_one_side_is_evened_out(corpus):
    """The shipped photo 06 is lit unevenly (its corrected patches grow lighter corner to
    corner without the falloff): calibrate keeps the falloff fit, which predicts held-out
    patches better than the plain fit, and says so in the table."""
    from imgkit.cli.calibrate import table
    from imgkit.colour.calibration import calibrate_pixels
    cal = calibrate_pixels(read_photo(corpus / "colorchecker" / "arcu__color_checker_06.jpg")[0])
    assert cal.fit.falloff is not None
    with_light = cal.methods[cal.fit.label]["loo_mean"]
    assert with_light < cal.methods[cal.method]["loo_mean"] - 0.3
    assert cal.summary["mean_loo"] == pytest.approx(with_light, abs=1e-3)
    assert "uneven light on the chart" in table(cal) and cal.fit.label in table(cal)
    assert cal.to_json()["falloff"] == [round(v, 6) for v in cal.fit.falloff]


def test_the_fit_reaches_for_what_srgb_can_hold_not_past_it():
    """A camera that renders the chart exactly as sRGB can show it (the cyan clipped into
    the gamut) needs no correction: every other patch stays where it is, and the cyan keeps
    the distance to its reference that no sRGB image can close."""
    from imgkit.colour import conversions as colour
    from imgkit.colour.calibration import fit_sample
    from imgkit.colour.chart import Sample
    ref = load_reference()
    shown = colour.linear_to_srgb(np.clip(ref.linear, 0, 1)) * 255
    z = np.zeros((24, 4, 2))
    cal = fit_sample(Sample(np.zeros((24, 2)), z, z, shown, np.zeros(24, bool), "corners"), ref)
    after = np.array([p.delta_e_after for p in cal.patches])
    outside = ((ref.linear < 0) | (ref.linear > 1)).any(1)
    assert outside.tolist().count(True) == 1 and outside[17]   # the cyan
    assert after[~outside].max() < 0.05
    assert after[17] == pytest.approx(cal.patches[17].delta_e_before, abs=0.05)
    # every method finds "no correction": held out, each patch is predicted as shot, so the
    # leave-one-out mean is the cyan's gap alone (fitting past the gamut gave 0.5-0.6 here)
    floor = after[17] / 24
    assert all(v["loo_mean"] < floor + 0.01 for v in cal.methods.values()), cal.methods


def test_a_chart_with_every_patch_clipped_says_which_way_to_reshoot():
    from imgkit.colour.calibration import fit_sample
    from imgkit.colour.chart import Sample
    from imgkit.errors import Rejected
    ref, z = load_reference(), np.zeros((24, 4, 2))
    for level, advice in ((2.0, "brighter"), (250.0, "darker")):
        sample = Sample(np.zeros((24, 2)), z, z, np.full((24, 3), level), np.ones(24, bool), "corners")
        with pytest.raises(Rejected, match=f"every patch is clipped .*again {advice}"):
            fit_sample(sample, ref)
