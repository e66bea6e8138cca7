"""chart_photos: colour-chart photos calibrated once per content, kept, and chosen per item (R8, R9)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from imgkit import profile as profiles
from imgkit.engine.chart_photos import EVERYTHING, CalibrationUse, for_item, keep_original, resolve
from imgkit.engine.scan import Candidate, scan
from tests.conftest import SAMPLES, write_profile


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def charts(src: Path, prof) -> list[Candidate]:
    found, refused = scan(src, prof)
    assert refused == []
    return [c for c in found if c.role == "chart"]


def stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_ino, st.st_mtime_ns


def set_mtime(path: Path, seconds: int) -> None:
    os.utime(path, ns=(seconds * 10**9, seconds * 10**9))


@pytest.fixture(scope="module")
def prof(tmp_path_factory):
    """One fit method only: a calibration takes half a second instead of two."""
    where = tmp_path_factory.mktemp("profile")
    return profiles.load(str(write_profile(where / "diag.toml", colour={"methods": ["diagonal"]})))


@pytest.fixture(scope="module")
def chart01(corpus):
    return corpus / "colorchecker" / "arcu__color_checker_01.jpg"


@pytest.fixture(scope="module")
def first(tmp_path_factory, prof, chart01):
    """A shoot with one item chart (A1), resolved once for the module: (src, out, uses, outcomes)."""
    root = tmp_path_factory.mktemp("first")
    src, out = root / "src", root / "out"
    (src / "A1").mkdir(parents=True)
    shutil.copy(chart01, src / "A1" / "colorchecker.jpg")
    shutil.copy(SAMPLES / "A1002" / "shoe-1.jpg", src / "A1" / "shoe-1.jpg")
    uses, outcomes = resolve(charts(src, prof), out, prof)
    return src, out, uses, outcomes


def reuse(first, tmp_path) -> tuple[Path, Path]:
    """A copy of the first shoot and of its OUT, so its calibration is found and not made again."""
    src, out = tmp_path / "src", tmp_path / "out"
    shutil.copytree(first[0], src)
    shutil.copytree(first[1], out)
    return src, out


def test_a_chart_is_calibrated_into_out_calibration_and_its_bytes_kept(first, prof, chart01):
    src, out, uses, outcomes = first
    chart = src / "A1" / "colorchecker.jpg"
    digest = sha(chart01)
    assert list(uses) == ["A1"]
    use = uses["A1"]
    assert re.fullmatch(rf"A1-{digest[:12]}-[0-9a-f]{{8}}\.json", use.path.name), "non-default methods: a set-up tag"
    assert use.path.parent == out / "calibration"
    assert use.id == hashlib.sha256(use.path.read_bytes()).hexdigest()[:12]
    assert use.source == str(chart) and use.original == f"calibration/A1-{digest[:12]}-chart.jpg"
    assert use.summary["method"] == "diagonal" and set(use.summary) == {
        "method", "mean_before", "max_before", "mean_after", "max_after", "mean_loo", "max_loo"}
    saved = json.loads(use.path.read_text())
    assert saved["source"]["sha256"] == digest and saved["summary"]["mean_after"] == use.summary["mean_after"]
    assert saved["summary"]["mean_loo"] == use.summary["mean_loo"] > use.summary["mean_after"]
    assert use.path.with_suffix(".png").is_file(), "the diagnostic PNG beside it"
    assert (out / use.original).read_bytes() == chart01.read_bytes()
    assert sorted(p.name for p in (out / "calibration").iterdir()) == sorted(
        [use.path.name, use.path.with_suffix(".png").name, f"A1-{digest[:12]}-chart.jpg"])
    [o] = outcomes
    assert (o.source, o.status, o.item, o.problems) == (str(chart), "chart", "A1", ())
    assert o.outputs == {"original": use.original}
    assert o.calibration == use.as_outcome_field() == {"file": str(use.path), "chart": str(chart),
                                                       "original": use.original, **use.summary}


def test_the_same_chart_content_again_is_not_calibrated_or_copied_again(first, prof, tmp_path):
    src, out = reuse(first, tmp_path)
    made = {p.name: stamp(p) for p in (out / "calibration").iterdir()}
    copy = Path(shutil.copy(src / "A1" / "colorchecker.jpg", src / "A1" / "chart-again.jpg"))
    set_mtime(src / "A1" / "colorchecker.jpg", 1_000_000_000)
    set_mtime(copy, 2_000_000_000)
    uses, outcomes = resolve(charts(src, prof), out, prof)
    assert {p.name: stamp(p) for p in (out / "calibration").iterdir()} == made, "nothing written"
    assert [(o.source, o.status) for o in outcomes] == [(str(src / "A1" / "colorchecker.jpg"), "chart"),
                                                        (str(copy), "chart")]
    assert uses["A1"].id == first[2]["A1"].id and uses["A1"].path.name == first[2]["A1"].path.name
    assert uses["A1"].source == str(copy), "the newer of the two photos"
    assert outcomes[0].outputs == outcomes[1].outputs == {"original": first[2]["A1"].original}


def test_the_newest_chart_photo_of_a_scope_wins(first, prof, tmp_path, corpus):
    src, out = reuse(first, tmp_path)
    shot, reshot = src / "A1" / "colorchecker.jpg", src / "A1" / "b-chart.jpg"
    shutil.copy(corpus / "colorchecker" / "arcu__color_checker_02.jpg", reshot)
    set_mtime(shot, 1_000_000_000)
    set_mtime(reshot, 2_000_000_000)   # sorts first by name, but was shot later
    uses, outcomes = resolve(charts(src, prof), out, prof)
    assert [(Path(o.source).name, o.status) for o in outcomes] == [("colorchecker.jpg", "chart"),
                                                                   ("b-chart.jpg", "chart")]
    assert uses["A1"].source == str(reshot) and uses["A1"].id != first[2]["A1"].id
    assert uses["A1"].original == f"calibration/A1-{sha(reshot)[:12]}-chart.jpg"
    assert len(list((out / "calibration").glob("*.json"))) == 2
    assert outcomes[0].calibration["file"] == str(out / "calibration" / first[2]["A1"].path.name)
    assert outcomes[1].calibration["file"] == str(uses["A1"].path)
    set_mtime(shot, 3_000_000_000)    # now the other way round: judged by time again
    uses, _ = resolve(charts(src, prof), out, prof)
    assert uses["A1"].source == str(shot) and uses["A1"].id == first[2]["A1"].id


def test_an_item_chart_beats_the_session_chart_and_the_override_beats_both(first, prof, tmp_path, chart01):
    src, out = reuse(first, tmp_path)
    (src / "_calibration").mkdir()
    session = Path(shutil.copy(chart01, src / "_calibration" / "IMG_9000.jpg"))
    uses, outcomes = resolve(charts(src, prof), out, prof)
    assert sorted(uses) == ["", "A1"]
    assert [(o.source, o.item) for o in outcomes] == [(str(session), None), (str(src / "A1" / "colorchecker.jpg"),
                                                                             "A1")]
    assert uses[""].original == f"calibration/_session-{sha(chart01)[:12]}-chart.jpg"
    assert uses[""].path.name.startswith(f"_session-{sha(chart01)[:12]}-") and uses[""].path != uses["A1"].path
    assert (out / uses[""].original).read_bytes() == chart01.read_bytes()
    assert for_item(uses, "A1") is uses["A1"]
    assert for_item(uses, "B7") is uses[""]
    assert for_item({"A1": uses["A1"]}, "B7") is None
    assert for_item({}, "A1") is None
    given = CalibrationUse(uses["A1"].path, uses["A1"].id, "cal.json", uses["A1"].summary)
    assert for_item({**uses, EVERYTHING: given}, "A1") is given
    assert for_item({**uses, EVERYTHING: given}, "B7") is given


def test_the_calibration_option_reports_every_chart_skipped_and_calibrates_nothing(first, prof, tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    shutil.copytree(first[0], src)
    (src / "_calibration").mkdir()
    shutil.copy(src / "A1" / "colorchecker.jpg", src / "_calibration" / "IMG_1.jpg")
    given = Path(shutil.copy(first[2]["A1"].path, tmp_path / "studio.json"))
    uses, outcomes = resolve(charts(src, prof), out, prof, override=given)
    assert list(uses) == [EVERYTHING]
    use = uses[EVERYTHING]
    assert (use.path, use.source, use.original) == (given, str(given), None)
    assert use.id == first[2]["A1"].id and use.summary == first[2]["A1"].summary
    reason = "colour chart not used: --calibration studio.json applies instead"
    assert sorted((Path(o.source).name, o.status, o.item, o.reason) for o in outcomes) == [
        ("IMG_1.jpg", "skipped", None, reason), ("colorchecker.jpg", "skipped", "A1", reason)]
    assert not out.exists(), "nothing calibrated, nothing kept"
    assert for_item(uses, "A1") is use and for_item(uses, "") is use


def test_a_chart_photo_without_a_chart_or_unreadable_is_rejected_and_not_kept(first, prof, tmp_path, corpus):
    src, out = reuse(first, tmp_path)
    nochart = Path(shutil.copy(corpus / "colorchecker" / "negative" / "arcu__NEG_normal_example_no_chart.jpg",
                               src / "A1" / "second-chart.jpg"))
    (src / "B2").mkdir()
    garbage = src / "B2" / "chart.jpg"
    garbage.write_bytes((SAMPLES / "A1002" / "shoe-2.jpg").read_bytes()[:300])
    set_mtime(nochart, 3_000_000_000)   # the newest of A1: it would win, had it a chart
    uses, outcomes = resolve(charts(src, prof), out, prof)
    got = {Path(o.source).name: o for o in outcomes}
    assert {n: (o.status, o.item) for n, o in got.items()} == {
        "colorchecker.jpg": ("chart", "A1"), "second-chart.jpg": ("rejected", "A1"), "chart.jpg": ("rejected", "B2")}
    assert got["second-chart.jpg"].reason.startswith("colour chart: no colour chart found")
    assert got["chart.jpg"].reason.startswith("colour chart: ")
    assert got["second-chart.jpg"].outputs == {} and got["chart.jpg"].outputs == {}
    assert list(uses) == ["A1"] and uses["A1"].source == str(src / "A1" / "colorchecker.jpg")
    assert sorted(p.name for p in (out / "calibration").glob("*-chart*")) == [Path(uses["A1"].original).name]
    assert not list((out / "calibration").glob("B2-*")) and not list((out / "calibration").glob(".*"))


def test_other_fit_settings_calibrate_again_but_keep_the_photo_once(first, prof, tmp_path):
    src, out = reuse(first, tmp_path)
    kept = out / first[2]["A1"].original
    before = stamp(kept)
    matrix = profiles.load(str(write_profile(tmp_path / "m.toml", colour={"methods": ["matrix"]})))
    uses, outcomes = resolve(charts(src, matrix), out, matrix)
    assert outcomes[0].status == "chart" and uses["A1"].summary["method"] == "matrix"
    assert uses["A1"].path != first[2]["A1"].path and uses["A1"].id != first[2]["A1"].id
    assert len(list((out / "calibration").glob("*.json"))) == 2
    assert uses["A1"].original == first[2]["A1"].original and stamp(kept) == before


def test_the_chart_photo_is_mirrored_to_the_backup(first, tmp_path):
    src, out = reuse(first, tmp_path)
    bk = tmp_path / "bk"
    # the backup dir is not part of the fit set-up: the module's calibration is found again
    prof = profiles.load(str(write_profile(tmp_path / "b.toml", colour={"methods": ["diagonal"]},
                                           backup={"dir": str(bk)})))
    uses, [o] = resolve(charts(src, prof), out, prof)
    name = Path(first[2]["A1"].original).name
    assert uses["A1"].id == first[2]["A1"].id
    assert o.outputs == {"original": f"calibration/{name}", "backup": str(bk / "_calibration" / name)}
    assert (bk / "_calibration" / name).read_bytes() == (src / "A1" / "colorchecker.jpg").read_bytes()
    assert o.problems == () and uses["A1"].original == f"calibration/{name}"


def test_keep_original_copies_once_and_repairs_a_damaged_copy(tmp_path, chart01):
    out = tmp_path / "out"
    digest = sha(chart01)
    outputs, problems = keep_original(chart01, digest, "A1-x-chart.jpg", out, None)
    kept = out / "calibration" / "A1-x-chart.jpg"
    assert (outputs, problems) == ({"original": "calibration/A1-x-chart.jpg"}, ())
    assert kept.read_bytes() == chart01.read_bytes()
    before = stamp(kept)
    assert keep_original(chart01, digest, "A1-x-chart.jpg", out, None) == (outputs, ())
    assert stamp(kept) == before, "the same bytes are not copied again"
    kept.write_bytes(b"not the chart")
    assert keep_original(chart01, digest, "A1-x-chart.jpg", out, None) == (outputs, ())
    assert kept.read_bytes() == chart01.read_bytes()
    assert sorted(p.name for p in kept.parent.iterdir()) == ["A1-x-chart.jpg"], "no temporary file left"


def test_keep_original_mirrors_to_the_backup_and_reports_failures_as_problems(tmp_path, chart01):
    out, bk = tmp_path / "out", tmp_path / "bk"
    digest = sha(chart01)
    outputs, problems = keep_original(chart01, digest, "_session-y-chart.jpg", out, bk)
    mirror = bk / "_calibration" / "_session-y-chart.jpg"
    assert (outputs, problems) == ({"original": "calibration/_session-y-chart.jpg", "backup": str(mirror)}, ())
    assert mirror.read_bytes() == chart01.read_bytes()
    before = stamp(mirror)
    assert keep_original(chart01, digest, "_session-y-chart.jpg", out, bk) == (outputs, ())
    assert stamp(mirror) == before
    mirror.unlink()
    assert keep_original(chart01, digest, "_session-y-chart.jpg", out, bk) == (outputs, ())
    assert mirror.read_bytes() == chart01.read_bytes()
    # a backup that cannot be written: the kept copy stands, the failure is a problem
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / "_calibration").write_text("a file where the folder should be")
    outputs, problems = keep_original(chart01, digest, "A1-z-chart.jpg", out, blocked)
    assert outputs == {"original": "calibration/A1-z-chart.jpg"}
    assert len(problems) == 1 and problems[0].startswith(f"backup to {blocked / '_calibration' / 'A1-z-chart.jpg'}"
                                                         " failed: ")
    # OUT itself cannot take the copy: no outputs, one problem, no exception
    jammed = tmp_path / "jammed"
    jammed.mkdir()
    (jammed / "calibration").write_text("a file where the folder should be")
    outputs, problems = keep_original(chart01, digest, "A1-z-chart.jpg", jammed, None)
    assert outputs == {} and len(problems) == 1
    assert problems[0].startswith(f"keeping the chart photo as {jammed / 'calibration' / 'A1-z-chart.jpg'} failed: ")
    # bytes that are not the ones hashed (the photo changed since): refused, nothing left behind
    outputs, problems = keep_original(chart01, "0" * 64, "A1-w-chart.jpg", out, None)
    assert outputs == {} and "does not verify" in problems[0]
    assert not (out / "calibration" / "A1-w-chart.jpg").exists()
    assert not [p for p in (out / "calibration").iterdir() if p.name.startswith(".")]


def test_a_broken_calibration_file_is_set_aside_and_the_chart_calibrated_again(first, prof, tmp_path):
    """A calibration JSON in OUT cut short (a full disk, an editor) no longer stops the build:
    the chart photo is calibrated again and the broken file kept beside it as ``.broken``."""
    src, out = reuse(first, tmp_path)
    made = first[2]["A1"].path.name
    good = (out / "calibration" / made).read_bytes()
    (out / "calibration" / made).write_bytes(good[: len(good) // 2])
    uses, outcomes = resolve(charts(src, prof), out, prof)
    assert [o.status for o in outcomes] == ["chart"]
    assert uses["A1"].path.name == made and json.loads(uses["A1"].path.read_text())["summary"]
    assert uses["A1"].summary == first[2]["A1"].summary, "the same photo, the same fit"
    assert (out / "calibration" / f"{made}.broken").read_bytes() == good[: len(good) // 2]
