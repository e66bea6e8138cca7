"""Colour charts in a shoot calibrate its photos (R8): item charts, session charts, overrides."""

import json
import shutil
import sqlite3

import numpy as np
import pytest
from PIL import Image

from tests.conftest import SAMPLES


@pytest.fixture
def chart_photo(corpus):
    return corpus / "colorchecker" / "arcu__color_checker_01.jpg"


def shoot_with(tmp_path, chart=None, where="A1002/colorchecker.jpg"):
    src = tmp_path / "shoot"
    shutil.copytree(SAMPLES / "A1002", src / "A1002")
    shutil.copytree(SAMPLES / "A1001", src / "A1001")
    if chart is not None:
        (src / where).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(chart, src / where)
    return src


def pixels(path):
    return np.asarray(Image.open(path), np.float32)


def test_a_chart_in_an_item_folder_calibrates_that_item(cli, tmp_path, chart_photo):
    plain = shoot_with(tmp_path / "a")
    cli("build", plain, "-o", tmp_path / "plain", "-j", "1")
    src = shoot_with(tmp_path / "b", chart_photo)
    out = tmp_path / "out"
    result = cli("build", src, "-o", out, "-j", "1", "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    chart = [f for f in report["files"] if f["status"] == "chart"]
    assert len(chart) == 1 and chart[0]["item"] == "A1002"
    cal = chart[0]["calibration"]
    assert cal["mean_after"] < cal["mean_before"] and cal["mean_after"] < 3.0
    assert "chart: " in result.stderr and "calibrates A1002" in result.stderr
    # the chart itself is not published; the item's photos are corrected, the other item's not
    assert sorted(p.name for p in (out / "detail" / "A1002").iterdir()) == [f"A1002-{i:02d}.jpg" for i in range(1, 6)]
    assert not any("colorchecker" in p.name for p in out.rglob("*.jpg"))
    shoes = [f for f in report["files"] if f.get("item") == "A1002" and f["status"] == "processed"]
    assert all(f["calibration"]["file"] == cal["file"] for f in shoes)
    assert np.abs(pixels(out / "detail/A1002/A1002-02.jpg") - pixels(tmp_path / "plain/detail/A1002/A1002-02.jpg")).mean() > 1.0
    assert np.abs(pixels(out / "detail/A1001/A1001-02.jpg") - pixels(tmp_path / "plain/detail/A1001/A1001-02.jpg")).mean() < 0.5
    assert (out / "calibration").is_dir() and len(list((out / "calibration").glob("*.png"))) == 1
    db = sqlite3.connect(out / ".imgkit" / "state.sqlite")
    rows = dict(db.execute("SELECT item, max(delta_e) FROM sources GROUP BY item").fetchall())
    assert rows["A1002"] == pytest.approx(cal["mean_after"]) and rows["A1001"] is None
    again = cli("build", src, "-o", out, "-j", "1")
    assert "0 processed, 11 up to date" in again.stderr


def test_a_session_chart_calibrates_every_item_and_a_late_chart_rerenders(cli, tmp_path, chart_photo):
    src = shoot_with(tmp_path)
    out = tmp_path / "out"
    cli("build", src, "-o", out, "-j", "1")
    before = pixels(out / "detail/A1001/A1001-01.jpg")
    (src / "_calibration").mkdir()
    shutil.copy(chart_photo, src / "_calibration" / "IMG_9000.jpg")
    result = cli("build", src, "-o", out, "-j", "1")
    assert result.exit_code == 0, result.stderr
    assert "11 processed, 0 up to date" in result.stderr and "calibrates the session" in result.stderr
    assert sorted(p.name for p in (out / "detail" / "A1001").iterdir()) == [f"A1001-{i:02d}.jpg" for i in range(1, 7)]
    assert np.abs(pixels(out / "detail/A1001/A1001-01.jpg") - before).mean() > 1.0


def test_a_chart_photo_without_a_chart_is_rejected_and_photos_go_uncorrected(cli, tmp_path, corpus):
    src = shoot_with(tmp_path, corpus / "colorchecker" / "negative" / "arcu__NEG_normal_example_no_chart.jpg",
                     where="A1002/chart.jpg")
    result = cli("build", src, "-o", tmp_path / "out", "-j", "1")
    assert result.exit_code == 1
    assert f"rejected: {src / 'A1002' / 'chart.jpg'}: colour chart: " in result.stderr
    assert "no colour chart found" in result.stderr
    assert "11 processed" in result.stderr


def test_calibration_option_overrides_charts(cli, tmp_path, chart_photo):
    made = cli("calibrate", chart_photo, "-o", tmp_path / "cal.json")
    assert made.exit_code == 0, made.output
    src = shoot_with(tmp_path)
    result = cli("build", src, "-o", tmp_path / "out", "-j", "1", "--calibration", tmp_path / "cal.json", "--json")
    assert result.exit_code == 0, result.stderr
    files = [f for f in json.loads(result.stdout)["files"] if f["status"] == "processed"]
    assert len(files) == 11 and all(f["calibration"]["file"] == str(tmp_path / "cal.json") for f in files)


def test_auto_white_balance_without_a_chart_neutralises_a_cast_backdrop(tmp_path, corpus):
    """[colour] auto_white_balance: the detail step balances photos that have no chart calibration."""
    import io

    from types import SimpleNamespace

    from imgkit import profile
    from imgkit.core import colour
    from imgkit.core.ccm import Fit
    from imgkit.pipelines import detail
    from tests.conftest import write_profile
    with Image.open(corpus / "products" / "p16__twin-lens-camera.jpg") as im:
        lin = colour.srgb_to_linear(np.asarray(im.convert("RGB")))
    cast = colour.linear_to_srgb(np.clip(lin * [1.0, 0.88, 0.68], 0, 1), as_uint8=True)   # a warm light
    buf = io.BytesIO()
    Image.fromarray(cast).save(buf, "JPEG", quality=92)
    runs = {}
    for mode in ("off", "bright-neutral"):
        prof = profile.load(str(write_profile(tmp_path / f"{mode}.toml", colour={"auto_white_balance": mode})))
        frame = detail.run(prof, buf.getvalue())
        out = np.asarray(Image.open(io.BytesIO(frame.outputs["detail"])).convert("RGB"))
        backdrop = colour.srgb_to_lab(out[10:60, 10:60].reshape(-1, 3)).mean(0)   # top left: backdrop, no mark
        runs[mode] = (np.hypot(backdrop[1], backdrop[2]), frame)
    assert runs["off"][0] > 8 and runs["bright-neutral"][0] < 1.5
    assert runs["bright-neutral"][1].corrected and not runs["off"][1].corrected
    assert any(n.startswith("white balance (bright-neutral): gains") for n in runs["bright-neutral"][1].notes)
    # a chart calibration, when there is one, is applied instead (no balance on top)
    cal = SimpleNamespace(fit=Fit("diagonal", np.eye(3)))   # the identity: what apply_calibration needs
    frame = detail.run(runs["bright-neutral"][1].profile, buf.getvalue(), calibration=cal)
    assert not any(n.startswith("white balance") for n in frame.notes)


def test_profile_methods_shape_the_build_calibration_and_a_change_recalibrates(cli, tmp_path, chart_photo):
    from tests.conftest import write_profile
    src = shoot_with(tmp_path, chart_photo)
    out = tmp_path / "out"
    result = cli("build", src, "-o", out, "-j", "1", "--json")
    assert result.exit_code == 0, result.stderr
    default_method = next(f for f in json.loads(result.stdout)["files"] if f["status"] == "chart")["calibration"]["method"]
    only = "diagonal" if default_method != "diagonal" else "matrix"
    prof = write_profile(tmp_path / "p.toml", colour={"methods": [only]})
    result = cli("build", src, "-o", out, "-j", "1", "-p", prof, "--json")
    assert result.exit_code == 0, result.stderr
    chart = next(f for f in json.loads(result.stdout)["files"] if f["status"] == "chart")["calibration"]
    assert chart["method"] == only, "the profile's methods reach the chart photo in a build"
    assert len(list((out / "calibration").glob("*.json"))) == 2, "a new file for the new settings"
    shoes = [f for f in json.loads(result.stdout)["files"] if f.get("item") == "A1002" and f["status"] == "processed"]
    assert len(shoes) == 5 and all(f["calibration"]["file"] == chart["file"] for f in shoes), \
        "the item's photos are corrected again, with the new calibration"
