"""Publisher.publish(): numbers an item's new sources, records them, renames staged files into place."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from imgkit.detail import pipeline as detail
from imgkit.detail import product_sheet as sheets
from imgkit.detail.decoration import Decoration, Decorations
from imgkit.engine import chart_photos
from imgkit.engine.plan import make_plan
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


def shot(path: Path, n: int, *, captured: str | None = None) -> Path:
    """A real 720x480 JPEG (a crop of a sample shoe that differs with ``n``), with an EXIF capture time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    im = _base().crop((n * 7, n * 5, 1500 + n * 3, 1000)).resize((720, 480))
    exif = Image.Exif()
    if captured:
        exif[0x0132] = captured   # DateTime
    im.save(path, "JPEG", quality=88, exif=exif)
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def db(state: State, sql: str) -> list[tuple]:
    return state.db.execute(sql).fetchall()


class Pass:
    """One pass as a build makes it, up to the work: scan, plan, process each job (real staging files)."""

    def __init__(self, src: Path, out: Path, prof, state: State, decorations=None, calibration_for=None):
        self.prof, self.out, self.state = prof, out, state
        self.calibration_for = calibration_for or (lambda item: None)
        self.decorations = decorations
        found, _ = scan(src, prof)
        self.plan = make_plan([c for c in found if c.role == "photo"], state, prof, out, self.calibration_for,
                              decorations)
        state.put_files(self.plan.files)
        self.staging = out / ".imgkit" / "staging"
        self.staging.mkdir(parents=True, exist_ok=True)
        self.calls: list[tuple[str, Decoration]] = []   # what finish was handed, in order

    def results(self, item: str):
        return [process(job, self.prof, self.staging) for job in self.plan.jobs if job.item == item]

    def publisher(self) -> Publisher:
        def recorded(result, decoration):   # the real work step, noting what it was asked to draw
            self.calls.append((result.job.rel, decoration))
            finish(result, decoration, profile=self.prof)
        return Publisher(self.state, self.prof, self.out, self.plan, self.calibration_for, self.decorations,
                         finish=recorded)


@pytest.fixture
def by_capture(tmp_path):
    """A profile numbering new photos by capture time (``[naming] order = "capture"``)."""
    return engine_profile(tmp_path / "capture.toml", naming={"order": "capture"})


def test_new_photos_are_numbered_by_natural_name_by_default(tmp_path, out, state, prof):
    src = tmp_path / "src"
    shot(src / "P" / "a.jpg", 0, captured="2024:05:01 10:00:09")
    shot(src / "P" / "IMG_10.jpg", 1, captured="2024:05:01 10:00:01")
    shot(src / "P" / "IMG_2.jpg", 2)
    run = Pass(src, out, prof, state)
    outcomes = run.publisher().publish("P", list(reversed(run.results("P"))))
    assert sorted((o.index, Path(o.source).name) for o in outcomes) == [(1, "a.jpg"), (2, "IMG_2.jpg"),
                                                                        (3, "IMG_10.jpg")]


def test_new_photos_are_numbered_by_capture_time_then_natural_name(tmp_path, out, state, by_capture):
    prof = by_capture
    src = tmp_path / "src"
    shot(src / "P" / "a.jpg", 0, captured="2024:05:01 10:00:09")
    shot(src / "P" / "b.jpg", 1, captured="2024:05:01 10:00:01")
    shot(src / "P" / "c.jpg", 2, captured="2024:05:01 10:00:05")
    shot(src / "P" / "IMG_10.jpg", 3)
    shot(src / "P" / "IMG_2.jpg", 4)
    run = Pass(src, out, prof, state)
    results = run.results("P")
    outcomes = run.publisher().publish("P", list(reversed(results)))
    got = {Path(o.source).name: (o.status, o.item, o.index) for o in outcomes}
    assert got == {"b.jpg": ("processed", "P", 1), "c.jpg": ("processed", "P", 2), "a.jpg": ("processed", "P", 3),
                   "IMG_2.jpg": ("processed", "P", 4), "IMG_10.jpg": ("processed", "P", 5)}
    for o in outcomes:
        assert o.outputs == {"raw": f"raw/P/P-0{o.index}.jpg", "detail": f"detail/P/P-0{o.index}.jpg"}
        assert (out / o.outputs["raw"]).read_bytes() == Path(o.source).read_bytes()
        with Image.open(out / o.outputs["detail"]) as im:
            assert (im.format, im.size) == ("JPEG", (710, 473))
        assert o.problems == () and o.calibration is None
    for r in results:   # every staged file renamed into place or dropped
        assert not any(p.exists() for p in r.staged.values())
    rows = db(state, "SELECT path, item, idx, status, captured, sha256 FROM sources ORDER BY idx")
    assert [(Path(p).name, item, idx, status, cap) for p, item, idx, status, cap, _ in rows] == [
        ("b.jpg", "P", 1, "done", "2024:05:01 10:00:01"), ("c.jpg", "P", 2, "done", "2024:05:01 10:00:05"),
        ("a.jpg", "P", 3, "done", "2024:05:01 10:00:09"), ("IMG_2.jpg", "P", 4, "done", None),
        ("IMG_10.jpg", "P", 5, "done", None)]
    assert all(digest == sha(Path(p)) for p, *_, digest in rows)
    assert {f.path: f.status for f in state.files().values()} == {p: "source" for p, *_ in rows}
    assert db(state, "SELECT kind, count(*) FROM outputs GROUP BY kind ORDER BY kind") == [("detail", 5), ("raw", 5)]


def test_a_later_photo_takes_the_next_free_index_and_nothing_renumbers(tmp_path, out, state, prof):
    src = tmp_path / "src"
    shot(src / "P" / "m.jpg", 0, captured="2024:05:01 10:00:05")
    shot(src / "P" / "n.jpg", 1, captured="2024:05:01 10:00:06")
    first = Pass(src, out, prof, state)
    first.publisher().publish("P", first.results("P"))
    before = {p.name: p.read_bytes() for p in (out / "detail" / "P").iterdir()}
    shot(src / "P" / "a.jpg", 2, captured="2024:05:01 09:00:00")   # shot earlier, sorts first: still last
    second = Pass(src, out, prof, state)
    assert [j.rel for j in second.plan.jobs] == ["P/a.jpg"]
    outcomes = second.publisher().publish("P", second.results("P"))
    assert [(Path(o.source).name, o.status, o.index) for o in outcomes] == [("a.jpg", "processed", 3)]
    assert {p.name: p.read_bytes() for p in (out / "detail" / "P").iterdir() if p.name != "P-03.jpg"} == before
    assert sorted(p.name for p in (out / "raw" / "P").iterdir()) == ["P-01.jpg", "P-02.jpg", "P-03.jpg"]
    assert db(state, "SELECT idx FROM sources WHERE path LIKE '%a.jpg'") == [(3,)]


def test_the_first_index_and_the_names_come_from_the_profile(tmp_path, out, state):
    prof = engine_profile(tmp_path / "z.toml", naming={"start": 0, "template": "{item}_{index}"})
    src = tmp_path / "src"
    shot(src / "P" / "x1.jpg", 0)
    shot(src / "P" / "x2.jpg", 1)
    run = Pass(src, out, prof, state)
    outcomes = run.publisher().publish("P", run.results("P"))
    assert [(Path(o.source).name, o.index, o.outputs["detail"]) for o in outcomes] == [
        ("x1.jpg", 0, "detail/P/P_0.jpg"), ("x2.jpg", 1, "detail/P/P_1.jpg")]
    assert (out / "raw" / "P" / "P_1.jpg").read_bytes() == (src / "P" / "x2.jpg").read_bytes()


def test_finish_draws_the_decoration_of_the_index_each_new_photo_gets(tmp_path, out, state, by_capture):
    prof = by_capture
    src = tmp_path / "src"
    for n, name in enumerate(["s1.jpg", "s2.jpg", "s3.jpg"]):
        shot(src / "P" / name, n, captured=f"2024:05:01 10:00:0{3 - n}")   # s3 first, s1 last
    shot(src / "Q" / "q.jpg", 5)
    sheet = tmp_path / "items.csv"
    sheet.write_text("item,name,colour,selling_points\nP,Shoe,white,light|soft\n", encoding="utf-8")
    decorations = Decorations(prof, sheets.load(sheet, prof))
    run = Pass(src, out, prof, state, decorations)
    publisher = run.publisher()
    p_out = publisher.publish("P", run.results("P"))
    q_out = publisher.publish("Q", run.results("Q"))
    assert [(Path(o.source).name, o.index) for o in p_out + q_out] == [("s3.jpg", 1), ("s2.jpg", 2), ("s1.jpg", 3),
                                                                       ("q.jpg", 1)]
    facts = Decoration(facts=(("品名", "Shoe"), ("货号", "P"), ("颜色", "white")))
    assert run.calls == [("P/s3.jpg", facts), ("P/s2.jpg", Decoration(caption="light")),
                         ("P/s1.jpg", Decoration(caption="soft")), ("Q/q.jpg", Decoration())]
    # what was drawn is on the images: byte for byte what the pipeline draws for that decoration
    for name, index, deco in [("s3.jpg", 1, facts), ("s2.jpg", 2, Decoration(caption="light")),
                              ("s1.jpg", 3, Decoration(caption="soft"))]:
        drawn = detail.run(prof, (src / "P" / name).read_bytes(), decoration=deco).outputs["detail"]
        assert (out / "detail" / "P" / f"P-0{index}.jpg").read_bytes() == drawn, name
    assert (out / "detail" / "Q" / "Q-01.jpg").read_bytes() == \
        detail.run(prof, (src / "Q" / "q.jpg").read_bytes()).outputs["detail"]
    sizes = {p.name: Image.open(p).size for p in sorted((out / "detail").rglob("*.jpg"))}
    assert sizes["Q-01.jpg"] == (710, 473) and sizes["P-01.jpg"][1] > sizes["P-02.jpg"][1] > 473
    rows = {idx: (fp, deco) for idx, fp, deco in db(state, "SELECT idx, profile_fp, decoration FROM sources "
                                                           "WHERE item = 'P'")}
    assert json.loads(rows[1][1]) == facts.as_json() and json.loads(rows[3][1]) == {"caption": "soft"}
    assert rows[2][0] == f"{prof.fingerprint}#{Decoration(caption='light').key(prof)}"
    assert db(state, "SELECT profile_fp, decoration FROM sources WHERE item = 'Q'") == [(prof.fingerprint, None)]
    assert not list(run.staging.glob("*.npy")), "the kept undecorated pixels are dropped once drawn"
    # a re-render keeps its index and its decoration comes from the plan: finish is not called
    other = engine_profile(tmp_path / "tl.toml", watermark={"position": "top-left"},
                                            naming={"order": "capture"})
    before = (out / "detail" / "P" / "P-02.jpg").read_bytes()
    again = Pass(src, out, other, state, Decorations(other, sheets.load(sheet, other)))
    outcomes = again.publisher().publish("P", again.results("P"))
    assert sorted((o.index, Path(o.source).name, o.status) for o in outcomes) == [
        (1, "s3.jpg", "processed"), (2, "s2.jpg", "processed"), (3, "s1.jpg", "processed")]
    assert again.calls == []
    assert (out / "detail" / "P" / "P-02.jpg").read_bytes() != before
    assert (out / "detail" / "P" / "P-02.jpg").read_bytes() == detail.run(
        other, (src / "P" / "s2.jpg").read_bytes(), decoration=Decoration(caption="light")).outputs["detail"]
    assert db(state, "SELECT profile_fp FROM sources WHERE idx = 2 AND item = 'P'") == [
        (f"{other.fingerprint}#{Decoration(caption='light').key(other)}",)]


def test_same_bytes_met_again_later_in_the_run_are_a_duplicate_in_the_same_item(tmp_path, out, state, prof):
    src = tmp_path / "src"
    a = shot(src / "A1" / "a.jpg", 0)
    b = shot(src / "A1" / "b.jpg", 1)
    run = Pass(src, out, prof, state)
    assert all(j.sha256 is None for j in run.plan.jobs), "different sizes at the scan: not compared"
    shutil.copy(a, b)   # b becomes a copy of a after the scan, before its job reads it
    publisher = run.publisher()
    results = run.results("A1")
    assert results[1].sha256 == sha(a) and results[1].staged
    outcomes = publisher.publish("A1", results)
    assert [(o.source, o.status, o.item, o.index, o.duplicate_of) for o in outcomes] == [
        (str(b), "duplicate", "A1", 0, str(a)), (str(a), "processed", "A1", 1, None)]
    assert not any(p.exists() for p in results[1].staged.values()), "its staged files are dropped"
    assert sorted(p.name for p in (out / "detail" / "A1").iterdir()) == ["A1-01.jpg"]
    assert run.calls == [("A1/a.jpg", Decoration())]
    row = state.files()[str(b)]
    assert (row.status, row.sha256, row.reason) == ("duplicate", sha(a), None)
    assert db(state, "SELECT item, idx, path FROM sources") == [("A1", 1, str(a))]


def test_the_same_bytes_in_two_items_are_published_in_both(tmp_path, out, state, prof):
    src = tmp_path / "src"
    a = shot(src / "A1" / "size-guide.jpg", 0)
    (src / "A2").mkdir()
    b = Path(shutil.copy(a, src / "A2" / "size-guide.jpg"))
    run = Pass(src, out, prof, state)
    publisher = run.publisher()
    outcomes = publisher.publish("A1", run.results("A1")) + publisher.publish("A2", run.results("A2"))
    assert [(o.source, o.status, o.item, o.index) for o in outcomes] == [
        (str(a), "processed", "A1", 1), (str(b), "processed", "A2", 1)]
    assert (out / "raw" / "A1" / "A1-01.jpg").read_bytes() == (out / "raw" / "A2" / "A2-01.jpg").read_bytes()
    assert db(state, "SELECT item, idx, sha256 FROM sources ORDER BY item") == [("A1", 1, sha(a)), ("A2", 1, sha(a))]


def test_a_copy_planned_as_a_follower_is_a_duplicate_of_the_published_index(tmp_path, out, state, prof):
    src = tmp_path / "src"
    shot(src / "P" / "first.jpg", 0)
    leader = shot(src / "P" / "second.jpg", 1)
    copy = Path(shutil.copy(leader, src / "P" / "second copy.jpg"))
    run = Pass(src, out, prof, state)
    assert [c.path for c in run.plan.followers[("P", sha(leader))]] == [copy]
    outcomes = run.publisher().publish("P", run.results("P"))
    got = {Path(o.source).name: (o.status, o.index, o.duplicate_of) for o in outcomes}
    assert got == {"first.jpg": ("processed", 1, None), "second.jpg": ("processed", 2, None),
                   "second copy.jpg": ("duplicate", 2, str(leader))}
    assert state.files()[str(copy)] == FileRow(str(copy), copy.stat().st_size, copy.stat().st_mtime_ns,
                                               sha(leader), "duplicate", None)
    assert sorted(p.name for p in (out / "detail" / "P").iterdir()) == ["P-01.jpg", "P-02.jpg"]


def test_rejected_results_are_remembered_unless_transient_and_take_no_index(tmp_path, out, state, prof):
    src = tmp_path / "src"
    good = [shot(src / "P" / f"g{n}.jpg", n) for n in range(2)]
    broken = src / "P" / "broken.jpg"
    broken.write_bytes((SAMPLES / "A1002" / "shoe-1.jpg").read_bytes()[:5000])
    twin = Path(shutil.copy(broken, src / "P" / "broken twin.jpg"))   # same bytes: follows broken's job
    gone = shot(src / "P" / "gone.jpg", 7)
    run = Pass(src, out, prof, state)
    leader = next(j.path for j in run.plan.jobs if j.sha256 == sha(broken))
    follower = twin if leader == broken else broken
    gone.unlink()   # vanishes after planning: a failure of this run, not of the file
    results = run.results("P")
    outcomes = {Path(o.source).name: o for o in run.publisher().publish("P", results)}
    assert {n: (o.status, o.index) for n, o in outcomes.items()} == {
        "g0.jpg": ("processed", 1), "g1.jpg": ("processed", 2), "broken.jpg": ("rejected", None),
        "broken twin.jpg": ("rejected", None), "gone.jpg": ("rejected", None)}
    reason = outcomes[leader.name].reason
    assert reason.startswith("truncated or corrupt image data")
    assert outcomes[leader.name].item == "P" and outcomes[leader.name].ms is not None
    assert outcomes[follower.name].reason == f"same content as {leader}: {reason}"
    assert outcomes["gone.jpg"].reason == "I/O error: file disappeared before it could be read"
    files = state.files()
    assert files[str(leader)] == FileRow(str(leader), leader.stat().st_size, leader.stat().st_mtime_ns,
                                         sha(broken), "rejected", reason, prof.fingerprint)
    assert str(gone) not in files, "a transient failure is tried again next time"
    assert {Path(p).name for p, in db(state, "SELECT path FROM sources")} == {g.name for g in good}


def test_master_and_backup_are_placed_and_a_failed_backup_is_a_problem(tmp_path, out, state):
    bk = tmp_path / "bk"
    prof = engine_profile(tmp_path / "mb.toml", master={"enabled": True}, backup={"dir": str(bk)})
    src = tmp_path / "src"
    p1 = shot(src / "P" / "p1.jpg", 0)
    q1 = shot(src / "Q" / "q1.jpg", 1)
    (bk / "Q").mkdir(parents=True)
    (bk / "Q" / "Q-01.jpg").mkdir()   # a folder where the backup copy should go
    run = Pass(src, out, prof, state)
    publisher = run.publisher()
    [p] = publisher.publish("P", run.results("P"))
    assert p.outputs == {"raw": "raw/P/P-01.jpg", "detail": "detail/P/P-01.jpg", "master": "master/P/P-01.png",
                         "backup": str(bk / "P" / "P-01.jpg")}
    assert (bk / "P" / "P-01.jpg").read_bytes() == p1.read_bytes() and p.problems == ()
    with Image.open(out / "master" / "P" / "P-01.png") as im:
        assert (im.format, im.size) == ("PNG", (720, 480))
    [q] = publisher.publish("Q", run.results("Q"))
    assert q.status == "processed" and "backup" not in q.outputs
    assert len(q.problems) == 1 and q.problems[0].startswith(f"backup to {bk / 'Q' / 'Q-01.jpg'} failed")
    assert (out / "raw" / "Q" / "Q-01.jpg").read_bytes() == q1.read_bytes()
    kinds = db(state, "SELECT s.item, o.kind FROM outputs o JOIN sources s USING (sha256) ORDER BY 1, 2")
    assert kinds == [("P", "backup"), ("P", "detail"), ("P", "master"), ("P", "raw"),
                     ("Q", "detail"), ("Q", "master"), ("Q", "raw")]


@pytest.fixture(scope="module")
def calibration(tmp_path_factory, corpus):
    """A real calibration for item P, made once for the module from a corpus chart photo."""
    where = tmp_path_factory.mktemp("cal")
    prof = engine_profile(where / "c.toml", colour={"methods": ["diagonal"]})
    chart = Path(shutil.copy(corpus / "colorchecker" / "arcu__color_checker_01.jpg", where / "colorchecker.jpg"))
    st = chart.stat()
    uses, _ = chart_photos.resolve([Candidate(chart, "P/colorchecker.jpg", "P", st.st_size, st.st_mtime_ns,
                                              role="chart")], where / "out", prof)
    return uses["P"]


def test_the_calibration_applied_is_reported_and_recorded(tmp_path, out, state, prof, calibration):
    src = tmp_path / "src"
    photo = shot(src / "P" / "p.jpg", 0)
    shot(src / "Q" / "q.jpg", 1)
    uses = {"P": calibration}
    run = Pass(src, out, prof, state, calibration_for=uses.get)
    publisher = run.publisher()
    [p] = publisher.publish("P", run.results("P"))
    [q] = publisher.publish("Q", run.results("Q"))
    assert p.calibration == calibration.as_outcome_field() and q.calibration is None
    assert p.calibration["file"] == str(calibration.path) and "mean_after" in p.calibration
    rows = {item: (cal, de, fit, fp) for item, cal, de, fit, fp in db(
        state, "SELECT item, calibration, delta_e, delta_e_fit, profile_fp FROM sources")}
    assert rows["P"] == (calibration.id, pytest.approx(calibration.summary["mean_loo"]),
                         pytest.approx(calibration.summary["mean_after"]), f"{prof.fingerprint}+{calibration.id}")
    assert rows["Q"] == (None, None, None, prof.fingerprint)
    # the detail image is the corrected one: unlike the same photo rendered without the calibration
    plain = detail.run(prof, photo.read_bytes()).outputs["detail"]
    with Image.open(out / "detail" / "P" / "P-01.jpg") as a, Image.open(io.BytesIO(plain)) as b:
        assert a.size == b.size
        diff = np.abs(np.asarray(a.convert("RGB"), np.float32) - np.asarray(b.convert("RGB"), np.float32))
    assert diff.mean() > 1.0
    assert (out / "raw" / "P" / "P-01.jpg").read_bytes() == photo.read_bytes()
