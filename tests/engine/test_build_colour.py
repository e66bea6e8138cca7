"""Colour charts in a shoot calibrate its photos (R8): item charts, session charts, overrides."""

import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import copy_samples


@pytest.fixture
def chart_photo(corpus):
    return corpus / "colorchecker" / "arcu__color_checker_01.jpg"


def shoot_with(tmp_path, chart=None, where="A1002/colorchecker.jpg"):
    src = tmp_path / "shoot"
    copy_samples(src / "A1002", "A1002")
    copy_samples(src / "A1001", "A1001")
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
    assert np.abs(pixels(out / "detail/A1002/A1002-02.jpg")
                  - pixels(tmp_path / "plain/detail/A1002/A1002-02.jpg")).mean() > 1.0
    assert np.abs(pixels(out / "detail/A1001/A1001-02.jpg")
                  - pixels(tmp_path / "plain/detail/A1001/A1001-02.jpg")).mean() < 0.5
    assert (out / "calibration").is_dir() and len(list((out / "calibration").glob("*.png"))) == 1
    db = sqlite3.connect(out / ".imgkit" / "state.sqlite")
    # the state records the calibration's figure, leave-one-out, and in-sample beside it
    rows = {item: (loo, fit) for item, loo, fit in db.execute(
        "SELECT item, max(delta_e), max(delta_e_fit) FROM sources GROUP BY item").fetchall()}
    assert rows["A1002"] == (pytest.approx(cal["mean_loo"]), pytest.approx(cal["mean_after"]))
    assert rows["A1001"] == (None, None)
    again = cli("build", src, "-o", out, "-j", "1")
    assert "0 processed, 11 up to date" in again.stdout


def test_a_session_chart_calibrates_every_item_and_a_late_chart_rerenders(cli, tmp_path, chart_photo):
    src = shoot_with(tmp_path)
    out = tmp_path / "out"
    cli("build", src, "-o", out, "-j", "1")
    before = pixels(out / "detail/A1001/A1001-01.jpg")
    (src / "_calibration").mkdir()
    shutil.copy(chart_photo, src / "_calibration" / "IMG_9000.jpg")
    result = cli("build", src, "-o", out, "-j", "1")
    assert result.exit_code == 0, result.stderr
    assert "11 processed, 0 up to date" in result.stdout and "calibrates the session" in result.stdout
    assert sorted(p.name for p in (out / "detail" / "A1001").iterdir()) == [f"A1001-{i:02d}.jpg" for i in range(1, 7)]
    assert np.abs(pixels(out / "detail/A1001/A1001-01.jpg") - before).mean() > 1.0


def test_a_chart_photo_without_a_chart_is_rejected_and_photos_go_uncorrected(cli, tmp_path, corpus):
    src = shoot_with(tmp_path, corpus / "colorchecker" / "negative" / "arcu__NEG_normal_example_no_chart.jpg",
                     where="A1002/chart.jpg")
    result = cli("build", src, "-o", tmp_path / "out", "-j", "1")
    assert result.exit_code == 1
    assert f"rejected: {src / 'A1002' / 'chart.jpg'}: colour chart: " in result.stdout
    assert "no colour chart found" in result.stdout
    assert "11 processed" in result.stdout
    assert not (tmp_path / "out" / "calibration").exists() or \
        not list((tmp_path / "out" / "calibration").glob("*-chart*")), "a rejected chart photo is not kept"


def test_calibration_option_overrides_charts(cli, tmp_path, chart_photo):
    made = cli("calibrate", chart_photo, "-o", tmp_path / "cal.json")
    assert made.exit_code == 0, made.output
    src = shoot_with(tmp_path, chart_photo)   # a chart in the shoot too: the option wins
    result = cli("build", src, "-o", tmp_path / "out", "-j", "1", "--calibration", tmp_path / "cal.json", "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)["files"]
    files = [f for f in report if f["status"] == "processed"]
    assert len(files) == 11 and all(f["calibration"]["file"] == str(tmp_path / "cal.json") for f in files)
    # the chart photo is an input like any other: reported, not silently dropped, not published
    chart = [f for f in report if f["source"] == str(src / "A1002" / "colorchecker.jpg")]
    assert [f["status"] for f in chart] == ["skipped"] and "--calibration cal.json" in chart[0]["reason"]


def test_auto_white_balance_without_a_chart_neutralises_a_cast_backdrop(tmp_path, corpus):
    """[colour] auto_white_balance: the detail step balances photos that have no chart calibration."""
    import io
    from types import SimpleNamespace

    from imgkit import profile
    from imgkit.colour import conversions as colour
    from imgkit.colour.ccm import Fit
    from imgkit.detail import pipeline as detail
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
    default_method = next(f for f in json.loads(result.stdout)["files"]
                          if f["status"] == "chart")["calibration"]["method"]
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


# R9: the chart photo's original bytes are kept beside its calibration and in the backup mirror

def sha256(path):
    import hashlib
    return hashlib.sha256(path.read_bytes()).hexdigest()


def kept_name(scope, chart, ext=".jpg"):
    return f"{scope}-{sha256(chart)[:12]}-chart{ext}"


def chart_of(report):
    return next(f for f in report["files"] if f["status"] == "chart")


def test_a_chart_photo_is_kept_byte_for_byte_beside_its_calibration(cli, tmp_path, chart_photo):
    src = shoot_with(tmp_path, chart_photo)
    given = src / "A1002" / "colorchecker.jpg"
    before = sha256(given), given.stat().st_mtime_ns
    out = tmp_path / "out"
    result = cli("build", src, "-o", out, "-j", "1", "--json")
    assert result.exit_code == 0, result.stderr
    kept = out / "calibration" / kept_name("A1002", chart_photo)
    assert kept.read_bytes() == chart_photo.read_bytes()
    report = json.loads(result.stdout)
    chart = chart_of(report)
    rel = f"calibration/{kept.name}"
    assert chart["outputs"] == {"original": rel} and chart["calibration"]["original"] == rel
    assert Path(chart["calibration"]["file"]).name == kept.name.replace("-chart.jpg", ".json")
    # which chart shot calibrated these images: each corrected photo names it
    shoes = [f for f in report["files"] if f.get("item") == "A1002" and f["status"] == "processed"]
    assert len(shoes) == 5 and all(f["calibration"]["original"] == rel for f in shoes)
    assert json.loads((out / "report.json").read_text())["files"] == report["files"]
    # the calibration JSON written by calibrate is left as it was: no new key in it
    assert "original" not in json.loads(Path(chart["calibration"]["file"]).read_text())
    # a re-run copies nothing: same file, same inode, same mtime; everything up to date
    st = kept.stat()
    again = cli("build", src, "-o", out, "-j", "1", "--json")
    assert again.exit_code == 0, again.stderr
    assert "0 processed, 11 up to date, 0 duplicate, 0 skipped, 0 rejected, 1 colour chart" in again.stderr
    assert (kept.stat().st_ino, kept.stat().st_mtime_ns) == (st.st_ino, st.st_mtime_ns)
    assert chart_of(json.loads(again.stdout))["calibration"]["original"] == rel
    ups = [f for f in json.loads(again.stdout)["files"] if f.get("item") == "A1002" and f["status"] == "up_to_date"]
    assert len(ups) == 5 and all(f["calibration"]["original"] == rel for f in ups)
    # a damaged copy is made again, atomically
    kept.write_bytes(b"not the chart")
    cli("build", src, "-o", out, "-j", "1")
    assert kept.read_bytes() == chart_photo.read_bytes()
    assert not list((out / "calibration").glob(".*.tmp"))
    assert (sha256(given), given.stat().st_mtime_ns) == before, "the input is never touched"
    # the kept photo is not a detail image, nor a stray file, to validate and the report
    checked = cli("validate", out, "--json", "-")
    assert kept.name not in checked.stdout and kept.name not in (out / "report.html").read_text()
    assert not any("chart" in f["path"] for it in json.loads(checked.stdout)["items"] for f in it["files"])


def test_a_png_chart_is_kept_apart_from_its_diagnostic_png(cli, tmp_path, chart_photo):
    """The kept copy's name ends in -chart: a PNG chart and its diagnostic PNG both stay."""
    src = shoot_with(tmp_path)
    (src / "_calibration").mkdir()
    png = src / "_calibration" / "IMG_9000.PNG"
    Image.open(chart_photo).save(png)
    out = tmp_path / "out"
    result = cli("build", src, "-o", out, "-j", "1")
    assert result.exit_code == 0, result.stderr
    kept = out / "calibration" / kept_name("_session", png, ".png")
    diagnostic = out / "calibration" / f"_session-{sha256(png)[:12]}.png"
    assert kept.read_bytes() == png.read_bytes()
    assert diagnostic.is_file() and diagnostic.read_bytes() != png.read_bytes()


def test_a_chart_photo_is_kept_once_for_every_set_up(cli, tmp_path, chart_photo):
    """Two [colour] set-ups calibrate the same photo twice (two JSONs) but keep it once."""
    from tests.conftest import write_profile
    src = shoot_with(tmp_path, chart_photo)
    out = tmp_path / "out"
    first = cli("build", src, "-o", out, "-j", "1", "--json")
    kept = out / "calibration" / kept_name("A1002", chart_photo)
    st = kept.stat()
    prof = write_profile(tmp_path / "p.toml", colour={"methods": ["diagonal"]})
    second = cli("build", src, "-o", out, "-j", "1", "-p", prof, "--json")
    assert second.exit_code == 0, second.stderr
    assert len(list((out / "calibration").glob("*.json"))) == 2
    assert [p.name for p in (out / "calibration").glob("*-chart*")] == [kept.name]
    assert (kept.stat().st_ino, kept.stat().st_mtime_ns) == (st.st_ino, st.st_mtime_ns)
    a, b = (chart_of(json.loads(r.stdout))["calibration"] for r in (first, second))
    assert a["file"] != b["file"] and a["original"] == b["original"] == f"calibration/{kept.name}"


def test_a_chart_photo_is_mirrored_to_the_backup(cli, tmp_path, chart_photo):
    from tests.conftest import write_profile
    src = shoot_with(tmp_path, chart_photo, where="_calibration/IMG_9000.jpg")
    bk = tmp_path / "bk"
    prof = write_profile(tmp_path / "b.toml", backup={"dir": str(bk)})
    out = tmp_path / "out"
    result = cli("build", src, "-o", out, "-j", "1", "-p", prof, "--json")
    assert result.exit_code == 0, result.stderr
    name = kept_name("_session", chart_photo)
    mirror = bk / "_calibration" / name
    assert mirror.read_bytes() == (out / "calibration" / name).read_bytes() == chart_photo.read_bytes()
    assert chart_of(json.loads(result.stdout))["outputs"] == {"original": f"calibration/{name}", "backup": str(mirror)}
    st = mirror.stat()
    again = cli("build", src, "-o", out, "-j", "1", "-p", prof)
    assert again.exit_code == 0 and "0 processed, 11 up to date" in again.stdout
    assert (mirror.stat().st_ino, mirror.stat().st_mtime_ns) == (st.st_ino, st.st_mtime_ns)
    mirror.unlink()   # a missing backup copy is made again
    again = cli("build", src, "-o", out, "-j", "1", "-p", prof)
    assert again.exit_code == 0 and mirror.read_bytes() == chart_photo.read_bytes()


def test_a_failed_chart_backup_is_a_problem_not_a_crash(cli, tmp_path, chart_photo):
    from tests.conftest import write_profile
    src = shoot_with(tmp_path, chart_photo)
    given = src / "A1002" / "colorchecker.jpg"
    before = sha256(given)
    bk = tmp_path / "bk"
    bk.mkdir()
    (bk / "_calibration").write_text("a file where the folder should be")   # root ignores modes
    prof = write_profile(tmp_path / "b.toml", backup={"dir": str(bk)})
    out = tmp_path / "out"
    result = cli("build", src, "-o", out, "-j", "1", "-p", prof, "--json")
    assert result.exit_code == 1, result.stderr   # as for a photo whose backup failed
    assert "11 processed" in result.stderr and len(list((out / "detail").rglob("*.jpg"))) == 11
    target = bk / "_calibration" / kept_name("A1002", chart_photo)
    assert f"error: {given}: backup to {target} failed: " in result.stderr
    report = json.loads(result.stdout)
    chart = chart_of(report)
    assert chart["problems"][0].startswith(f"backup to {target} failed") and not report["summary"]["ok"]
    assert "backup" not in chart["outputs"] and chart["calibration"]["original"]
    assert (out / chart["outputs"]["original"]).read_bytes() == chart_photo.read_bytes()
    assert (bk / "A1001" / "A1001-01.JPG").is_file() or (bk / "A1001" / "A1001-01.jpg").is_file()
    assert sha256(given) == before
