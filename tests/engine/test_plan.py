"""make_plan(): from the state, what each scanned photo needs (a job, nothing, a report)."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections import defaultdict
from functools import cache, partial
from pathlib import Path

import pytest
from PIL import Image

from imgkit import profile as profiles
from imgkit.detail import product_sheet as sheets
from imgkit.detail.decoration import Decoration, Decorations
from imgkit.engine import chart_photos
from imgkit.engine.plan import make_plan, required_outputs
from imgkit.engine.publish import Publisher
from imgkit.engine.scan import Candidate, scan
from imgkit.engine.work import finish, process
from imgkit.store.state import FileRow, State
from tests.conftest import SAMPLES
from tests.engine.conftest import engine_profile


@cache
def _base() -> Image.Image:
    with Image.open(SAMPLES / "A1002" / "shoe-1.jpg") as im:
        return im.convert("RGB")


def shot(path: Path, n: int, *, width: int = 720, comment: bytes = b"") -> Path:
    """A real JPEG, its pixels a crop of a sample shoe that differs with ``n``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    im = _base().crop((n * 7, n * 5, 1500 + n * 3, 1000)).resize((width, width * 2 // 3))
    im.save(path, "JPEG", quality=88, comment=comment)
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def photos(src: Path) -> list[Candidate]:
    found, _ = scan(src, engine_profile(src.parent / "scan.toml"))
    return [c for c in found if c.role == "photo"]


def run(src: Path, out: Path, prof, state: State, *, decorations=None, calibration_for=lambda item: None):
    """One whole pass as a build makes it: scan, plan, work each job, publish item by item."""
    found, _ = scan(src, prof)
    plan = make_plan([c for c in found if c.role == "photo"], state, prof, out, calibration_for, decorations)
    state.put_files(plan.files)
    staging = out / ".imgkit" / "staging"
    staging.mkdir(parents=True, exist_ok=True)
    results = defaultdict(list)
    for job in plan.jobs:
        results[job.item].append(process(job, prof, staging))
    publisher = Publisher(state, prof, out, plan, calibration_for, decorations, finish=partial(finish, profile=prof))
    outcomes = list(plan.outcomes)
    for item, done in results.items():
        outcomes += publisher.publish(item, done)
    return outcomes


@pytest.fixture
def src(tmp_path):
    """Item P with three photos (s0..s2 get indices 1..3), item Q with two."""
    src = tmp_path / "src"
    for n in range(3):
        shot(src / "P" / f"s{n}.jpg", n)
    for n in range(2):
        shot(src / "Q" / f"q{n}.jpg", 10 + n)
    return src


def by_name(outcomes) -> dict[str, tuple]:
    return {Path(o.source).name: (o.status, o.item, o.index) for o in outcomes}


def test_required_outputs_follow_master_and_backup(tmp_path):
    assert required_outputs(profiles.load()) == ("detail", "raw")
    master = engine_profile(tmp_path / "m.toml", master={"enabled": True})
    assert required_outputs(master) == ("detail", "raw", "master")
    backup = engine_profile(tmp_path / "b.toml", backup={"dir": "bk"})
    assert required_outputs(backup) == ("detail", "raw", "backup")
    both = engine_profile(tmp_path / "mb.toml", master={"enabled": True}, backup={"dir": "bk"})
    assert required_outputs(both) == ("detail", "raw", "master", "backup")


def test_an_empty_state_makes_one_new_job_per_photo_without_reading_any(src, out, state, prof):
    found = photos(src)
    assert len({c.size for c in found}) == 5, "distinct sizes: nothing to compare by hash"
    plan = make_plan(found, state, prof, out)
    assert plan.outcomes == [] and plan.files == [] and plan.followers == {} and plan.sources == {}
    assert sorted((j.rel, j.item) for j in plan.jobs) == [("P/s0.jpg", "P"), ("P/s1.jpg", "P"), ("P/s2.jpg", "P"),
                                                           ("Q/q0.jpg", "Q"), ("Q/q1.jpg", "Q")]
    for job in plan.jobs:
        c = next(c for c in found if c.path == job.path)
        assert (job.size, job.mtime_ns) == (c.size, c.mtime_ns)
        assert job.index is None and job.sha256 is None and job.decoration is None and job.calibration is None
        assert job.fingerprint == prof.fingerprint and job.keep_base is False


def test_same_bytes_twice_make_one_job_led_by_the_oldest_file(src, out, state, prof):
    original = src / "P" / "s1.jpg"
    copy = shutil.copy(original, src / "P" / "a-copy.jpg")   # sorts first, but is newer
    st = original.stat()
    os.utime(copy, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    plan = make_plan(photos(src), state, prof, out)
    digest = sha(original)
    assert [j.path for j in plan.jobs if j.sha256 is not None] == [original]
    assert [c.path for c in plan.followers[("P", digest)]] == [Path(copy)]
    assert list(plan.followers) == [("P", digest)]
    assert sorted(j.rel for j in plan.jobs) == ["P/s0.jpg", "P/s1.jpg", "P/s2.jpg", "Q/q0.jpg", "Q/q1.jpg"]
    assert all(j.sha256 is None for j in plan.jobs if j.path != original), "unique sizes are left to the workers"


def test_same_size_but_other_bytes_are_two_jobs(tmp_path, out, state, prof):
    src = tmp_path / "src"
    a = shot(src / "P" / "a.jpg", 3, comment=b"take 1")
    b = shot(src / "P" / "b.jpg", 3, comment=b"take 2")
    assert a.stat().st_size == b.stat().st_size and sha(a) != sha(b)
    plan = make_plan(photos(src), state, prof, out)
    assert {j.path: j.sha256 for j in plan.jobs} == {a: sha(a), b: sha(b)}
    assert plan.followers == {} and plan.outcomes == []


def test_a_file_gone_since_the_scan_is_rejected_as_unreadable(tmp_path, out, state, prof):
    src = tmp_path / "src"
    a = shot(src / "P" / "a.jpg", 3, comment=b"take 1")
    b = shot(src / "P" / "b.jpg", 3, comment=b"take 2")   # same size: planning reads both
    found = photos(src)
    a.unlink()
    plan = make_plan(found, state, prof, out)
    assert [(o.source, o.status, o.item, o.reason) for o in plan.outcomes] == [
        (str(a), "rejected", "P", "cannot read: No such file or directory")]
    assert [(j.path, j.sha256) for j in plan.jobs] == [(b, sha(b))]


def test_a_second_pass_over_unchanged_photos_is_up_to_date(src, out, state, prof):
    first = run(src, out, prof, state)
    assert sorted(by_name(first).values()) == [("processed", "P", 1), ("processed", "P", 2), ("processed", "P", 3),
                                               ("processed", "Q", 1), ("processed", "Q", 2)]
    found = photos(src)
    plan = make_plan(found, state, prof, out)
    assert plan.jobs == [] and plan.followers == {}
    assert by_name(plan.outcomes) == {"s0.jpg": ("up_to_date", "P", 1), "s1.jpg": ("up_to_date", "P", 2),
                                      "s2.jpg": ("up_to_date", "P", 3), "q0.jpg": ("up_to_date", "Q", 1),
                                      "q1.jpg": ("up_to_date", "Q", 2)}
    outputs = state.outputs()
    for o in plan.outcomes:
        assert o.outputs == outputs[(o.item, o.index)] == {"raw": f"raw/{o.item}/{o.item}-0{o.index}.jpg",
                                                             "detail": f"detail/{o.item}/{o.item}-0{o.index}.jpg"}
        assert o.calibration is None
    assert sorted((f.path, f.size, f.mtime_ns, f.sha256, f.status) for f in plan.files) == sorted(
        (str(c.path), c.size, c.mtime_ns, sha(c.path), "source") for c in found)


def test_a_missing_output_or_an_unfinished_publish_rerenders_under_the_same_index(src, out, state, prof):
    run(src, out, prof, state)
    (out / "detail" / "P" / "P-02.jpg").unlink()
    rows = state.sources()
    q2 = next(r for r in rows.values() if r.sha256 == sha(src / "Q" / "q1.jpg"))
    state.begin_publish([q2], [])   # as a run killed between recording and renaming leaves it
    assert state.sources()[q2.slot].status == "publishing"
    plan = make_plan(photos(src), state, prof, out)
    assert sorted((j.rel, j.item, j.index, j.sha256) for j in plan.jobs) == [
        ("P/s1.jpg", "P", 2, sha(src / "P" / "s1.jpg")), ("Q/q1.jpg", "Q", 2, q2.sha256)]
    assert all(j.fingerprint == prof.fingerprint and j.decoration is None for j in plan.jobs)
    assert sorted(v for v in by_name(plan.outcomes).values()) == [
        ("up_to_date", "P", 1), ("up_to_date", "P", 3), ("up_to_date", "Q", 1)]


def test_a_changed_profile_rerenders_every_photo_keeping_its_index(src, out, state, prof, tmp_path):
    run(src, out, prof, state)
    other = engine_profile(tmp_path / "tl.toml", watermark={"position": "top-left"})
    assert other.fingerprint != prof.fingerprint
    plan = make_plan(photos(src), state, other, out)
    assert plan.outcomes == []
    assert sorted((j.rel, j.index) for j in plan.jobs) == [("P/s0.jpg", 1), ("P/s1.jpg", 2), ("P/s2.jpg", 3),
                                                           ("Q/q0.jpg", 1), ("Q/q1.jpg", 2)]
    assert {j.fingerprint for j in plan.jobs} == {other.fingerprint}
    assert all(j.sha256 == sha(j.path) for j in plan.jobs)


def test_a_missing_backup_copy_is_made_again(src, out, state, tmp_path):
    prof = engine_profile(tmp_path / "b.toml", backup={"dir": str(tmp_path / "bk")})
    run(src, out, prof, state)
    assert (tmp_path / "bk" / "Q" / "Q-01.jpg").read_bytes() == (src / "Q" / "q0.jpg").read_bytes()
    (tmp_path / "bk" / "Q" / "Q-01.jpg").unlink()
    plan = make_plan(photos(src), state, prof, out)
    assert [(j.rel, j.index) for j in plan.jobs] == [("Q/q0.jpg", 1)]
    assert len(plan.outcomes) == 4 and {o.status for o in plan.outcomes} == {"up_to_date"}


def test_a_copy_of_a_published_photo_is_a_duplicate_and_a_moved_one_keeps_its_index(src, out, state, prof):
    run(src, out, prof, state)
    original = src / "P" / "s1.jpg"
    copy = Path(shutil.copy(original, src / "P" / "again.jpg"))
    shared = Path(shutil.copy(original, src / "Q" / "shared.jpg"))
    plan = make_plan(photos(src), state, prof, out)
    # in another item the same bytes are that item's photo too: a job of Q, content known
    assert [(j.path, j.item, j.index, j.sha256) for j in plan.jobs] == [(shared, "Q", None, sha(original))]
    shared.unlink()
    dup = next(o for o in plan.outcomes if o.source == str(copy))
    assert (dup.status, dup.item, dup.index, dup.duplicate_of) == ("duplicate", "P", 2, str(original))
    row = next(f for f in plan.files if f.path == str(copy))
    assert (row.status, row.sha256, row.size) == ("duplicate", sha(original), copy.stat().st_size)
    # the copy gone and the original renamed: the same source, still index 2 of P, not a new photo
    copy.unlink()
    moved = original.rename(src / "P" / "renamed.jpg")
    plan = make_plan(photos(src), state, prof, out)
    assert plan.jobs == []
    assert by_name(plan.outcomes)["renamed.jpg"] == ("up_to_date", "P", 2)
    assert [(f.path, f.status, f.sha256) for f in plan.files if f.path == str(moved)] == [
        (str(moved), "source", sha(moved))]


def test_a_rejected_photo_is_remembered_until_the_file_or_the_rules_change(src, out, state, prof, tmp_path):
    narrow = shot(src / "P" / "narrow.jpg", 4, width=500)
    first = run(src, out, prof, state)
    bad = next(o for o in first if o.source == str(narrow))
    assert bad.status == "rejected" and "narrower than 710 px" in bad.reason
    assert state.files()[str(narrow)] == FileRow(str(narrow), narrow.stat().st_size, narrow.stat().st_mtime_ns,
                                                 sha(narrow), "rejected", bad.reason, prof.fingerprint)
    plan = make_plan(photos(src), state, prof, out)
    assert plan.jobs == [] and str(narrow) not in {f.path for f in plan.files}
    again = next(o for o in plan.outcomes if o.source == str(narrow))
    assert (again.status, again.item, again.reason) == ("rejected", "P", bad.reason)
    # other rules: judged again
    up = engine_profile(tmp_path / "up.toml", detail={"allow_upscale": True})
    assert [j.path for j in make_plan(photos(src), state, up, out).jobs if j.path == narrow] == [narrow]
    # the file touched: judged again, under the same rules
    st = narrow.stat()
    os.utime(narrow, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    plan = make_plan(photos(src), state, prof, out)
    assert [(j.path, j.index) for j in plan.jobs] == [(narrow, None)]
    assert str(narrow) not in {o.source for o in plan.outcomes}


@pytest.fixture(scope="module")
def calibration(tmp_path_factory, corpus):
    """A real calibration of item P, made once for the module from a corpus chart photo."""
    where = tmp_path_factory.mktemp("cal")
    prof = engine_profile(where / "c.toml", colour={"methods": ["diagonal"]})
    chart = shutil.copy(corpus / "colorchecker" / "arcu__color_checker_01.jpg", where / "colorchecker.jpg")
    st = Path(chart).stat()
    uses, outcomes = chart_photos.resolve(
        [Candidate(Path(chart), "P/colorchecker.jpg", "P", st.st_size, st.st_mtime_ns, role="chart")],
        where / "out", prof)
    assert [o.status for o in outcomes] == ["chart"]
    return uses["P"]


def test_a_calibration_joins_the_fingerprint_and_a_late_chart_rerenders_in_place(src, out, state, prof,
                                                                                 calibration):
    fresh = make_plan(photos(src), state, prof, out, {"P": calibration}.get)
    for job in fresh.jobs:
        calibrated = job.item == "P"
        assert job.calibration == (calibration.path if calibrated else None)
        assert job.fingerprint == (f"{prof.fingerprint}+{calibration.id}" if calibrated else prof.fingerprint)
    run(src, out, prof, state)   # published before the chart was shot
    plan = make_plan(photos(src), state, prof, out, {"P": calibration}.get)
    assert sorted((j.rel, j.index, j.calibration) for j in plan.jobs) == [
        ("P/s0.jpg", 1, calibration.path), ("P/s1.jpg", 2, calibration.path), ("P/s2.jpg", 3, calibration.path)]
    assert {j.fingerprint for j in plan.jobs} == {f"{prof.fingerprint}+{calibration.id}"}
    assert sorted(by_name(plan.outcomes).values()) == [("up_to_date", "Q", 1), ("up_to_date", "Q", 2)]
    run(src, out, prof, state, calibration_for={"P": calibration}.get)
    plan = make_plan(photos(src), state, prof, out, {"P": calibration}.get)
    assert plan.jobs == [] and len(plan.outcomes) == 5
    for o in plan.outcomes:
        assert o.status == "up_to_date"
        assert o.calibration == (calibration.as_outcome_field() if o.item == "P" else None)


def test_decorations_keep_new_photos_bases_and_a_changed_caption_rerenders_just_its_image(src, out, state, prof,
                                                                                          tmp_path):
    def decorations(points: str) -> Decorations:
        path = tmp_path / "items.csv"
        path.write_text(f"item,name,colour,selling_points\nP,Shoe,white,{points}\n", encoding="utf-8")
        return Decorations(prof, sheets.load(path, prof))

    first = decorations("light|soft")
    fresh = make_plan(photos(src), state, prof, out, decorations=first)
    assert {j.rel: j.keep_base for j in fresh.jobs} == {"P/s0.jpg": True, "P/s1.jpg": True, "P/s2.jpg": True,
                                                        "Q/q0.jpg": False, "Q/q1.jpg": False}
    assert all(j.index is None and j.decoration is None and j.fingerprint == prof.fingerprint for j in fresh.jobs)
    run(src, out, prof, state, decorations=first)
    assert make_plan(photos(src), state, prof, out, decorations=first).jobs == []
    changed = decorations("light|firm")
    plan = make_plan(photos(src), state, prof, out, decorations=changed)
    assert [(j.rel, j.index, j.decoration) for j in plan.jobs] == [("P/s2.jpg", 3, Decoration(caption="firm"))]
    key = Decoration(caption="firm").key(prof)
    assert key and plan.jobs[0].fingerprint == f"{prof.fingerprint}#{key}"
    assert sorted(by_name(plan.outcomes).values()) == [("up_to_date", "P", 1), ("up_to_date", "P", 2),
                                                       ("up_to_date", "Q", 1), ("up_to_date", "Q", 2)]
