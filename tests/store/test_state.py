"""The SQLite state: sources, files, outputs and marks written by a run and read back, the
read-only view validate and the report use, and a state left by an older imgkit."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from imgkit.store.state import (
    MIGRATIONS,
    FileRow,
    SourceRow,
    State,
    TreeView,
    columns,
    open_read_only,
    read_tree_view,
    tree_view,
)


def state_path(out: Path) -> Path:
    return out / ".imgkit" / "state.sqlite"


def source(sha: str, item: str, idx: int, **kw) -> SourceRow:
    values = dict(path=f"{item}/IMG_{idx:04d}.jpg", size=1000 + idx, ext="jpg", captured=f"2024:05:01 10:00:{idx:02d}",
                  status="publishing", profile_fp="fp1", decoration=None)
    values.update(kw)
    return SourceRow(sha, item, idx, **values)


def file_row(path: str, sha: str | None, status: str = "source", **kw) -> FileRow:
    values = dict(size=len(path) * 10, mtime_ns=1_700_000_000_000_000_000 + len(path), reason=None, profile_fp=None)
    values.update(kw)
    return FileRow(path, values["size"], values["mtime_ns"], sha, status, values["reason"], values["profile_fp"])


@pytest.fixture
def state(tmp_path):
    s = State(state_path(tmp_path / "out"))
    yield s
    s.close()


def test_a_new_state_makes_its_folder_runs_in_wal_and_has_every_column(tmp_path):
    path = state_path(tmp_path / "deep" / "out")
    s = State(path)
    try:
        assert path.is_file()
        assert s.db.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
        for table, column, _ in MIGRATIONS:
            assert column in columns(s.db, table)
        assert {"item", "idx", "label", "made"} == columns(s.db, "marks")
        assert s.sources() == {} and s.files() == {} and s.outputs() == {} and s.marks() == {}
    finally:
        s.close()


def test_begin_publish_records_sources_as_publishing_and_the_files_seen(state):
    deco = json.dumps({"caption": "轻盈透气"}, ensure_ascii=False)
    rows = [source("a" * 64, "A1001", 1, status="done", decoration=deco), source("b" * 64, "A1001", 2)]
    files = [file_row("A1001/IMG_0001.jpg", "a" * 64), file_row("A1001/IMG_0001 copy.jpg", "a" * 64, "duplicate"),
             file_row("A1001/broken.jpg", None, "rejected", reason="not an image", profile_fp="fp1")]
    state.begin_publish(rows, files)
    got = state.sources()
    assert set(got) == {"a" * 64, "b" * 64}
    # whatever status the caller's row says, a source enters as 'publishing'
    assert got["a" * 64] == source("a" * 64, "A1001", 1, status="publishing", decoration=deco)
    assert got["b" * 64] == rows[1]
    assert state.files() == {f.path: f for f in files}
    assert state.outputs() == {}


def test_finish_publish_marks_done_and_records_outputs_calibration_and_delta_e(state):
    a, b = "a" * 64, "b" * 64
    state.begin_publish([source(a, "A1001", 1), source(b, "A1001", 2)], [])
    state.finish_publish([(a, {"detail": "detail/A1001/A1001-01.jpg", "raw": "raw/A1001/A1001-01.jpg"}, 12.5,
                           "cal0123456789", 1.75)])
    got = state.sources()
    assert got[a].status == "done" and got[b].status == "publishing"
    assert state.outputs() == {a: {"detail": "detail/A1001/A1001-01.jpg", "raw": "raw/A1001/A1001-01.jpg"}}
    view = state.view()
    assert view.outputs == {"detail/A1001/A1001-01.jpg": ("cal0123456789", 1.75, None)}
    assert view.published == {"A1001": [(1, None)]}
    ms, cal, de = state.db.execute("SELECT ms, calibration, delta_e FROM sources WHERE sha256=?", (a,)).fetchone()
    assert (ms, cal, de) == (12.5, "cal0123456789", 1.75)
    # a second finish replaces an output of the same kind instead of adding one
    state.finish_publish([(a, {"detail": "detail/A1001/A1001-01b.jpg"}, 3.0, None, None)])
    assert state.outputs()[a] == {"detail": "detail/A1001/A1001-01b.jpg", "raw": "raw/A1001/A1001-01.jpg"}
    assert state.view().outputs == {"detail/A1001/A1001-01b.jpg": (None, None, None)}


def test_publishing_a_known_source_again_keeps_its_item_index_and_first_seen(state):
    a = "a" * 64
    state.begin_publish([source(a, "A1001", 1)], [])
    state.finish_publish([(a, {"detail": "d1.jpg"}, 1.0, None, None)])
    first = state.view().first_seen["A1001"]
    state.begin_publish([source(a, "B2002", 7, path="moved/IMG_0001.jpg", profile_fp="fp2",
                                decoration='{"marks": ["红色 已售罄"]}')], [])
    row = state.sources()[a]
    assert (row.item, row.idx) == ("A1001", 1)           # an index never changes once given
    assert row.status == "publishing"
    assert (row.path, row.profile_fp, row.decoration) == ("moved/IMG_0001.jpg", "fp2", '{"marks": ["红色 已售罄"]}')
    assert state.view().first_seen == {"A1001": first}
    assert "B2002" not in state.view().first_seen


def test_a_batch_that_breaks_the_item_index_rule_is_rolled_back_whole(state):
    state.begin_publish([source("a" * 64, "A1001", 1)], [file_row("A1001/one.jpg", "a" * 64)])
    before = (state.sources(), state.files())
    with pytest.raises(sqlite3.IntegrityError):
        state.begin_publish([source("c" * 64, "A1002", 1), source("b" * 64, "A1001", 1)],
                            [file_row("A1001/two.jpg", "b" * 64)])
    assert (state.sources(), state.files()) == before
    # the connection is usable afterwards: no transaction was left open
    assert not state.db.in_transaction
    state.put_files([file_row("A1001/three.jpg", None, "rejected", reason="too small")])
    assert "A1001/three.jpg" in state.files()


def test_put_files_replaces_a_path_with_its_latest_facts(state):
    state.put_files([file_row("x/a.jpg", None, "rejected", reason="narrower than 710 px", profile_fp="fp1")])
    state.put_files([file_row("x/a.jpg", "d" * 64, "source", size=99, mtime_ns=5), file_row("x/b.png", "e" * 64)])
    files = state.files()
    assert set(files) == {"x/a.jpg", "x/b.png"}
    assert files["x/a.jpg"] == FileRow("x/a.jpg", 99, 5, "d" * 64, "source", None, None)


def test_marks_are_replaced_per_item_and_keep_their_order(state):
    state.set_marks("A1001", {1: ("红色 已售罄", "蓝色 已售罄"), 3: ("XL 已售罄",)})
    state.set_marks("A1002", {2: ("白色 已售罄",)})
    assert state.marks() == {("A1001", 1): ("红色 已售罄", "蓝色 已售罄"), ("A1001", 3): ("XL 已售罄",),
                             ("A1002", 2): ("白色 已售罄",)}
    # the order given is kept, not the alphabetical one; a repeated line counts once
    state.set_marks("A1001", {1: ("蓝色 已售罄", "红色 已售罄", "蓝色 已售罄")})
    assert state.marks() == {("A1001", 1): ("蓝色 已售罄", "红色 已售罄"), ("A1002", 2): ("白色 已售罄",)}
    state.set_marks("A1002", {})
    assert state.marks() == {("A1001", 1): ("蓝色 已售罄", "红色 已售罄")}


def test_rendered_updates_only_the_named_source(state):
    a, b = "a" * 64, "b" * 64
    state.begin_publish([source(a, "A1001", 1), source(b, "A1001", 2)], [])
    state.finish_publish([(a, {"detail": "d1.jpg"}, 1.0, None, None), (b, {"detail": "d2.jpg"}, 1.0, None, None)])
    state.rendered(b, "fp1#abc123abc123", '{"marks": ["红色 已售罄"]}')
    got = state.sources()
    assert (got[b].profile_fp, got[b].decoration) == ("fp1#abc123abc123", '{"marks": ["红色 已售罄"]}')
    assert (got[a].profile_fp, got[a].decoration) == ("fp1", None)
    assert got[b].status == "done"
    assert state.view().published == {"A1001": [(1, None), (2, '{"marks": ["红色 已售罄"]}')]}


def test_what_is_written_is_there_after_reopening(tmp_path):
    path = state_path(tmp_path / "out")
    s = State(path)
    s.begin_publish([source("a" * 64, "A1001", 1)], [file_row("A1001/a.jpg", "a" * 64)])
    s.finish_publish([("a" * 64, {"detail": "d.jpg"}, 2.0, None, None)])
    s.set_marks("A1001", {1: ("红色 已售罄",)})
    want = (s.sources(), s.files(), s.outputs(), s.marks())
    s.close()
    again = State(path)
    try:
        assert (again.sources(), again.files(), again.outputs(), again.marks()) == want
    finally:
        again.close()


def test_tree_view_lists_done_sources_by_index_and_the_first_time_each_item_was_seen(state):
    rows = [source("c" * 64, "A1001", 3), source("a" * 64, "A1001", 1), source("b" * 64, "A1001", 2),
            source("d" * 64, "A1002", 1)]
    state.begin_publish(rows[:3], [])
    state.begin_publish(rows[3:], [])
    state.finish_publish([(r.sha256, {"detail": f"{r.item}-{r.idx}.jpg"}, 1.0, None, None) for r in rows[:2]])
    state.finish_publish([("d" * 64, {"raw": "raw.jpg"}, 1.0, None, None)])
    view = state.view()
    assert isinstance(view, TreeView)
    assert view.published == {"A1001": [(1, None), (3, None)], "A1002": [(1, None)]}
    # only detail outputs are in the view's outputs
    assert set(view.outputs) == {"A1001-3.jpg", "A1001-1.jpg"}
    first = dict(state.db.execute("SELECT item, MIN(first_seen) FROM sources GROUP BY item"))
    assert view.first_seen == first and set(first) == {"A1001", "A1002"}
    assert view.first_seen["A1001"] <= view.first_seen["A1002"]


def test_read_only_view_matches_the_writers_view_and_cannot_write(tmp_path):
    out = tmp_path / "out"
    s = State(state_path(out))
    s.begin_publish([source("a" * 64, "A1001", 1, decoration='{"caption": "x"}')], [])
    s.finish_publish([("a" * 64, {"detail": "detail/A1001/A1001-01.jpg"}, 1.0, "cal1", 0.9)])
    want = s.view()
    s.close()
    assert read_tree_view(out) == want
    db = open_read_only(out)
    assert db is not None
    try:
        assert tree_view(db) == want
        with pytest.raises(sqlite3.OperationalError):
            db.execute("DELETE FROM sources")
    finally:
        db.close()


def test_no_state_or_an_unreadable_one_reads_as_none(tmp_path):
    out = tmp_path / "out"
    assert open_read_only(out) is None
    assert read_tree_view(out) is None
    state_path(out).parent.mkdir(parents=True)
    state_path(out).write_bytes(b"this is not a database, only some text that is long enough" * 20)
    assert read_tree_view(out) is None


def make_old_state(path: Path) -> None:
    """A state as the first release wrote it: no calibration/delta_e/decoration columns, no marks."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE sources (
            sha256 TEXT PRIMARY KEY, item TEXT NOT NULL, idx INTEGER NOT NULL, path TEXT NOT NULL,
            size INTEGER NOT NULL, ext TEXT NOT NULL, captured TEXT, status TEXT NOT NULL,
            profile_fp TEXT, first_seen REAL NOT NULL, updated REAL NOT NULL, ms REAL,
            UNIQUE (item, idx));
        CREATE TABLE files (
            path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, sha256 TEXT,
            status TEXT NOT NULL, reason TEXT, profile_fp TEXT, seen REAL NOT NULL);
        CREATE TABLE outputs (
            sha256 TEXT NOT NULL, kind TEXT NOT NULL, path TEXT NOT NULL, PRIMARY KEY (sha256, kind));
        CREATE INDEX sources_size ON sources (size);
    """)
    db.executemany("INSERT INTO sources VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", [
        ("a" * 64, "A1001", 1, "A1001/a.jpg", 10, "jpg", None, "done", "old", 100.0, 100.0, 5.0),
        ("b" * 64, "A1001", 2, "A1001/b.jpg", 11, "jpg", None, "publishing", "old", 90.0, 100.0, None),
        ("c" * 64, "A1002", 1, "A1002/c.jpg", 12, "jpg", None, "done", "old", 200.0, 200.0, 5.0)])
    db.executemany("INSERT INTO outputs VALUES (?,?,?)", [
        ("a" * 64, "detail", "detail/A1001/A1001-01.jpg"), ("a" * 64, "raw", "raw/A1001/A1001-01.jpg"),
        ("c" * 64, "detail", "detail/A1002/A1002-01.jpg")])
    db.execute("INSERT INTO files VALUES ('A1001/a.jpg', 10, 1, ?, 'source', NULL, NULL, 100.0)", ("a" * 64,))
    db.commit()
    db.close()


def test_an_older_state_without_the_later_columns_still_reads(tmp_path):
    out = tmp_path / "out"
    make_old_state(state_path(out))
    db = open_read_only(out)
    try:
        assert not {"calibration", "delta_e", "decoration"} & columns(db, "sources")
    finally:
        db.close()
    view = read_tree_view(out)
    assert view == TreeView(
        first_seen={"A1001": 90.0, "A1002": 200.0},
        outputs={"detail/A1001/A1001-01.jpg": (None, None, None), "detail/A1002/A1002-01.jpg": (None, None, None)},
        published={"A1001": [(1, None)], "A1002": [(1, None)]})
    # reading did not change the file: still the old columns
    db = sqlite3.connect(state_path(out))
    try:
        assert "decoration" not in columns(db, "sources")
    finally:
        db.close()


def test_opening_an_older_state_for_writing_adds_the_columns_and_keeps_the_rows(tmp_path):
    out = tmp_path / "out"
    make_old_state(state_path(out))
    s = State(state_path(out))
    try:
        assert {"calibration", "delta_e", "decoration"} <= columns(s.db, "sources")
        got = s.sources()
        assert set(got) == {"a" * 64, "b" * 64, "c" * 64}
        assert got["a" * 64] == SourceRow("a" * 64, "A1001", 1, "A1001/a.jpg", 10, "jpg", None, "done", "old", None)
        assert s.outputs()["a" * 64] == {"detail": "detail/A1001/A1001-01.jpg", "raw": "raw/A1001/A1001-01.jpg"}
        assert set(s.files()) == {"A1001/a.jpg"}
        s.set_marks("A1001", {2: ("红色 已售罄",)})
        s.finish_publish([("b" * 64, {"detail": "detail/A1001/A1001-02.jpg"}, 1.0, "cal9", 2.5)])
        assert s.marks() == {("A1001", 2): ("红色 已售罄",)}
    finally:
        s.close()
    view = read_tree_view(out)
    assert view.published["A1001"] == [(1, None), (2, None)]
    assert view.outputs["detail/A1001/A1001-02.jpg"] == ("cal9", 2.5, None)
    assert view.first_seen["A1001"] == 90.0
