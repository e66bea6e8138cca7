"""R8 in validate: the calibration's figure is its leave-one-out ΔE2000 (in-sample beside it),
``[colour] max_delta_e`` judges that one, and ``[validate] require_chart`` flags images no
chart calibrated: a real shoot with a real chart photo, built and validated through the CLI."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from imgkit.cli import main
from tests.conftest import copy_samples, write_profile


def run_cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def shoot(tmp_path_factory, corpus):
    """A1002 shot with a chart (arcu 01), A1001 without; built once with the default profile."""
    root = tmp_path_factory.mktemp("colour")
    src = root / "shoot"
    copy_samples(src / "A1001", "A1001")
    copy_samples(src / "A1002", "A1002")
    shutil.copy(corpus / "colorchecker" / "arcu__color_checker_01.jpg", src / "A1002" / "colorchecker.jpg")
    out = root / "out"
    result = run_cli("build", src, "-o", out, "-j", "1", "--json")
    assert result.exit_code == 0, result.output
    [chart] = [f for f in json.loads(result.stdout)["files"] if f["status"] == "chart"]
    return out, chart["calibration"]


def validate_json(out, profile):
    result = run_cli("validate", out, "-p", profile, "--json", "-")
    return result.exit_code, json.loads(result.stdout)


def test_the_report_and_validate_carry_leave_one_out_with_in_sample_beside_it(shoot, tmp_path):
    out, cal = shoot
    assert cal["mean_loo"] > cal["mean_after"] + 0.3, cal   # held out, the fit does worse than in-sample
    assert cal["max_loo"] >= cal["mean_loo"] and cal["max_after"] >= cal["mean_after"]
    code, data = validate_json(out, write_profile(tmp_path / "p.toml", colour={"max_delta_e": 50}))
    files = {f["path"]: f for it in data["items"] for f in it["files"]}
    calibrated = [f for p, f in files.items() if p.startswith("detail/A1002/")]
    assert len(calibrated) == 5
    assert all(f["delta_e"] == pytest.approx(cal["mean_loo"], abs=0.005)
               and f["delta_e_fit"] == pytest.approx(cal["mean_after"], abs=0.005) for f in calibrated)
    assert not any("delta_e" in f or "delta_e_fit" in f for p, f in files.items() if p.startswith("detail/A1001/"))


def test_max_delta_e_judges_the_leave_one_out_figure(shoot, tmp_path):
    out, cal = shoot
    between = round((cal["mean_after"] + cal["mean_loo"]) / 2, 2)   # in-sample passes it, leave-one-out not
    code, data = validate_json(out, write_profile(tmp_path / "tight.toml", colour={"max_delta_e": between}))
    found = [f for f in data["findings"] if f["rule"] == "colour.delta_e"]
    assert code == 1 and {f["item"] for f in found} == {"A1002"} and len(found) == 5
    assert f"{cal['mean_loo']:.2f} leave-one-out ({cal['mean_after']:.2f} in-sample)" in found[0]["message"]
    above = round(cal["mean_loo"] + 0.05, 2)
    code, data = validate_json(out, write_profile(tmp_path / "loose.toml", colour={"max_delta_e": above}))
    assert not [f for f in data["findings"] if f["rule"] == "colour.delta_e"]


def test_require_chart_flags_the_items_no_chart_calibrated(shoot, tmp_path):
    out, _ = shoot
    prof = write_profile(tmp_path / "chart.toml", colour={"max_delta_e": 50}, validate={"require_chart": True})
    code, data = validate_json(out, prof)
    found = [f for f in data["findings"] if f["rule"] == "colour.chart"]
    assert code == 1 and [f["item"] for f in found] == ["A1001"]
    assert "no colour chart calibrated 6 of 6 images" in found[0]["message"]
    assert {i["item"]: i["status"] for i in data["items"]}["A1001"] == "fail"
    # off by default: the same tree passes on that count
    code, data = validate_json(out, write_profile(tmp_path / "off.toml", colour={"max_delta_e": 50}))
    assert not [f for f in data["findings"] if f["rule"] == "colour.chart"]
    # a folder of images with no build state holds no record of any chart
    folder = tmp_path / "folder"
    shutil.copytree(out / "detail" / "A1002", folder / "A1002")
    code, data = validate_json(folder, prof)
    assert [f["item"] for f in data["findings"] if f["rule"] == "colour.chart"] == ["A1002"]
