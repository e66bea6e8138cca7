"""`imgkit validate` judges a build tree with the profile that built it (issue 17, cases 1 and 4):
the record in OUT/.imgkit/profile.json, a -p with other settings refused, a watermark turned
off failing R2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from imgkit import profile as profiles
from imgkit.checks.validate import validate
from imgkit.cli import main
from imgkit.imaging.watermark import placement, scaled_watermark
from tests.conftest import copy_samples


def run_cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def built_with(root: Path, text: str | None) -> tuple[Path, Path]:
    """(OUT, profile file): item A1001 of the sample shoot built with a profile of ``text``
    (None: the default profile, no -p)."""
    shoot, out = root / "shoot", root / "out"
    copy_samples(shoot / "A1001", "A1001")
    prof = root / "p.toml"
    args = ["build", shoot, "-o", out, "-j", "1"]
    if text is not None:
        prof.write_text(text, encoding="utf-8")
        args += ["-p", prof]
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    return out, prof


def report(out: Path, *args: str) -> tuple[int, dict, str]:
    result = run_cli("validate", out, "--json", out.parent / "v.json", *args)
    data = json.loads((out.parent / "v.json").read_text()) if result.exit_code != 2 else {}
    return result.exit_code, data, result.output


@pytest.fixture(scope="module")
def default_tree(tmp_path_factory) -> Path:
    return built_with(tmp_path_factory.mktemp("default"), None)[0]


@pytest.fixture(scope="module")
def top_left(tmp_path_factory) -> tuple[Path, Path]:
    return built_with(tmp_path_factory.mktemp("tl"), '[watermark]\nposition = "top-left"\nwidth = 0.15\n')


def test_overlay_only_profile_gets_the_shops_watermark_and_passes(tmp_path):
    """Issue case 1: a profile that only sets [facts] layout used to publish no watermark."""
    out, prof = built_with(tmp_path, '[facts]\nlayout = "overlay"\n')
    code, data, text = report(out, "-p", prof)
    assert code == 0, text
    files = [f for it in data["items"] for f in it["files"]]
    assert len(files) == 6 and all(f["watermark"]["score"] >= 0.82 for f in files), files
    assert not [f for f in data["findings"] if f["rule"].startswith("watermark.")]
    assert "1 of 1 items ready" in text


def test_watermark_turned_off_builds_without_it_and_fails_r2(tmp_path):
    out, prof = built_with(tmp_path, '[facts]\nlayout = "overlay"\n[watermark]\nenabled = false\n')
    for args in ((), ("-p", str(prof))):
        code, data, text = report(out, *args)
        assert code == 1, text
        disabled = [f for f in data["findings"] if f["rule"] == "watermark.disabled"]
        assert sorted(Path(f["file"]).name for f in disabled) == [f"A1001-{i:02d}.jpg" for i in range(1, 7)]
        assert all(f["severity"] == "error" for f in disabled)
        assert "watermark.disabled" in text and "enabled = false" in text and "0 of 1 items ready" in text
    # and the pictures really carry no mark: the default rules find none in any of them
    v = validate(out, profiles.load("default"))
    assert sorted(Path(f.file).name for f in v.findings if f.rule == "watermark.missing") == \
        [f"A1001-{i:02d}.jpg" for i in range(1, 7)]


def test_the_build_records_its_profile(top_left):
    out, prof = top_left
    loaded = profiles.load(str(prof))
    assert json.loads((out / ".imgkit" / "profile.json").read_text()) == {
        "name": "p", "path": str(prof.resolve()), "fingerprint": loaded.fingerprint}


def test_without_p_the_tree_is_judged_with_the_profile_that_built_it(top_left):
    out, prof = top_left
    result = run_cli("validate", out, "--json", out.parent / "v.json")
    assert result.exit_code == 0, result.output
    assert f"judged with profile p ({prof.resolve()})" in result.stderr
    data = json.loads((out.parent / "v.json").read_text())
    assert data["profile"]["path"] == str(prof.resolve())
    loaded = profiles.load(str(prof))
    for f in (f for it in data["items"] for f in it["files"]):
        mark = scaled_watermark(loaded, f["width"], f["height"])
        x, y = placement(loaded, f["width"], f["height"], mark)
        assert (f["watermark"]["x"], f["watermark"]["y"]) == (x, y) and x < 30 and y < 30   # the top-left place
        assert f["watermark"]["score"] >= 0.82


def test_p_with_other_settings_is_refused_naming_both(top_left, default_tree):
    out, prof = top_left
    default = profiles.load("default")
    mine = profiles.load(str(prof))
    result = run_cli("validate", out, "-p", "default")
    assert result.exit_code == 2
    for words in (str(prof.resolve()), mine.fingerprint, str(default.path), default.fingerprint):
        assert words in result.stderr
    result = run_cli("validate", default_tree, "-p", prof)
    assert result.exit_code == 2
    assert mine.fingerprint in result.stderr and default.fingerprint in result.stderr


def test_a_main_image_profile_on_a_detail_tree_checks_the_watermark(default_tree):
    """Issue case 4: `validate shoot-out -p taobao-service` said all ready with no watermark
    check at all. taobao-service now layers over default.toml, so it renders detail images as
    the default does (same fingerprint) and its R2 looks for the shop's mark."""
    code, data, text = report(default_tree, "-p", "taobao-service")
    assert code == 0, text
    assert data["profile"]["name"] == "taobao-service"
    files = [f for it in data["items"] for f in it["files"]]
    assert len(files) == 6 and all(f["watermark"]["score"] >= 0.82 for f in files)


def test_a_profile_changed_since_the_build_is_refused(top_left, tmp_path):
    out, prof = top_left
    copy, moved = tmp_path / "out", tmp_path / "p.toml"
    shutil.copytree(out, copy)
    moved.write_text(prof.read_text().replace("0.15", "0.3"))
    record = json.loads((copy / ".imgkit" / "profile.json").read_text())
    (copy / ".imgkit" / "profile.json").write_text(json.dumps({**record, "path": str(moved)}))
    result = run_cli("validate", copy)
    assert result.exit_code == 2
    assert "has changed since" in result.stderr and profiles.load(str(moved)).fingerprint in result.stderr
    (copy / ".imgkit" / "profile.json").write_text("{not json")
    result = run_cli("validate", copy)
    assert result.exit_code == 2 and "profile.json" in result.stderr


def test_a_tree_built_before_the_record_is_known_by_its_state(top_left, default_tree, tmp_path):
    out, prof = top_left
    old_tl, old_default = tmp_path / "tl", tmp_path / "default"
    shutil.copytree(out, old_tl)
    shutil.copytree(default_tree, old_default)
    for tree in (old_tl, old_default):
        (tree / ".imgkit" / "profile.json").unlink()
    mine = profiles.load(str(prof)).fingerprint
    result = run_cli("validate", old_tl)                     # the default is not what built it
    assert result.exit_code == 2 and f"a profile with fingerprint {mine}" in result.stderr
    assert run_cli("validate", old_tl, "-p", prof).exit_code == 0
    assert run_cli("validate", old_default).exit_code == 0
    result = run_cli("validate", old_default, "-p", prof)
    assert result.exit_code == 2 and profiles.load("default").fingerprint in result.stderr
