"""The SQLite state (schema 3, keyed by slot, both ΔE2000 figures): sources, files, outputs, marks and ops written by
a run and read back, the read-only view validate and the report use, the operations' writes
(replace, repath, renumber, mark, record/restore), and a schema-1 state left by an older imgkit:
read as it is by the read-only view, migrated when opened for writing; a schema-2 state likewise."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from imgkit.store.state import (
    V1_MIGRATIONS,
    VERSION,
    FileRow,
    ItemRecord,
    Published,
    SourceRow,
    State,
    TreeView,
    columns,
    open_read_only,
    read_tree_view,
    tree_view,
)

A, B, C, D = ("a" * 64, "b" * 64, "c" * 64, "d" * 64)


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


def outs(item: str, idx: int) -> dict[str, str]:
    name = f"{item}-{idx:02d}"
    return {"detail": f"detail/{item}/{name}.jpg", "raw": f"raw/{item}/{name}.jpg"}


def rows(db: sqlite3.Connection, table: str, item: str | None = None) -> list[tuple]:
    """Every column of every row, in a fixed order: what 'unchanged' is checked against."""
    where = " WHERE item = ?" if item else ""
    return db.execute(f"SELECT * FROM {table}{where} ORDER BY 1, 2, 3, 4", (item,) if item else ()).fetchall()


def everything(db: sqlite3.Connection) -> dict[str, list[tuple]]:
    return {t: rows(db, t) for t in ("sources", "files", "outputs", "marks", "ops")}


def publish(state: State, item: str, shas: list[str], start: int = 1) -> None:
    """Slots start, start+1, … of ``item`` published whole (begin, then finish)."""
    srcs = [source(sha, item, start + n) for n, sha in enumerate(shas)]
    state.begin_publish(srcs, [file_row(s.path, s.sha256) for s in srcs])
    state.finish_publish([Published(item, s.idx, outs(item, s.idx), 2.0) for s in srcs])


@pytest.fixture
def state(tmp_path):
    s = State(state_path(tmp_path / "out"))
    yield s
    s.close()


def test_a_new_state_makes_its_folder_runs_in_wal_is_schema_3_and_keys_by_slot(tmp_path):
    path = state_path(tmp_path / "deep" / "out")
    s = State(path)
    try:
        assert path.is_file()
        assert s.db.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
        assert s.db.execute("PRAGMA user_version").fetchone()[0] == VERSION == 4
        for table, column, _ in V1_MIGRATIONS:
            assert column in columns(s.db, table)
        assert "delta_e_fit" in columns(s.db, "sources")
        pk = {table: [r[1] for r in sorted(s.db.execute(f"PRAGMA table_info({table})"), key=lambda r: r[5]) if r[5]]
              for table in ("sources", "outputs", "marks", "ops")}
        assert pk == {"sources": ["item", "idx"], "outputs": ["item", "idx", "kind"],
                      "marks": ["item", "idx", "label"], "ops": ["id"]}
        assert columns(s.db, "outputs") == {"item", "idx", "kind", "path", "sha256"}
        assert columns(s.db, "ops") == {"id", "kind", "item", "made"}
        assert {"item", "idx", "label", "made"} == columns(s.db, "marks")
        assert s.sources() == {} and s.files() == {} and s.outputs() == {} and s.marks() == {}
        assert s.items() == set() and not s.has_op("1-replace-A1001")
    finally:
        s.close()
    # opening it again changes nothing: it is already schema 4
    before = path.read_bytes()
    again = State(path)
    try:
        assert again.db.execute("PRAGMA user_version").fetchone()[0] == 4
        assert everything(again.db) == {t: [] for t in ("sources", "files", "outputs", "marks", "ops")}
    finally:
        again.close()
    assert path.read_bytes() == before


def test_begin_publish_records_slots_as_publishing_and_the_files_seen(state):
    deco = json.dumps({"caption": "轻盈透气"}, ensure_ascii=False)
    srcs = [source(A, "A1001", 1, status="done", decoration=deco), source(B, "A1001", 2)]
    files = [file_row("A1001/IMG_0001.jpg", A), file_row("A1001/IMG_0001 copy.jpg", A, "duplicate"),
             file_row("A1001/broken.jpg", None, "rejected", reason="not an image", profile_fp="fp1")]
    state.begin_publish(srcs, files)
    got = state.sources()
    assert set(got) == {("A1001", 1), ("A1001", 2)}
    # whatever status the caller's row says, a slot enters as 'publishing'
    assert got[("A1001", 1)] == source(A, "A1001", 1, status="publishing", decoration=deco)
    assert got[("A1001", 2)] == srcs[1]
    assert got[("A1001", 2)].slot == ("A1001", 2)
    assert state.files() == {f.path: f for f in files}
    assert state.outputs() == {} and state.items() == {"A1001"}
    assert state.view().published == {}       # nothing is done yet


def test_finish_publish_marks_done_and_records_outputs_calibration_and_delta_e(state):
    state.begin_publish([source(A, "A1001", 1), source(B, "A1001", 2)], [])
    state.finish_publish([Published("A1001", 1, outs("A1001", 1), 12.5, "cal0123456789", 1.75)])
    got = state.sources()
    assert got[("A1001", 1)].status == "done" and got[("A1001", 2)].status == "publishing"
    assert state.outputs() == {("A1001", 1): outs("A1001", 1)}
    # each output row keeps the content it was made from
    assert rows(state.db, "outputs") == [("A1001", 1, "detail", "detail/A1001/A1001-01.jpg", A),
                                         ("A1001", 1, "raw", "raw/A1001/A1001-01.jpg", A)]
    view = state.view()
    assert view.outputs == {"detail/A1001/A1001-01.jpg": ("cal0123456789", 1.75, None)}
    assert view.published == {"A1001": [(1, None)]}
    ms, cal, de = state.db.execute(
        "SELECT ms, calibration, delta_e FROM sources WHERE item='A1001' AND idx=1").fetchone()
    assert (ms, cal, de) == (12.5, "cal0123456789", 1.75)
    assert rows(state.db, "ops") == []         # no op given, none recorded
    # a second finish gives the slot exactly the outputs it names
    state.finish_publish([Published("A1001", 1, {"detail": "detail/A1001/A1001-01b.jpg"}, 3.0)],
                         op=("1700000000000000000-replace-A1001", "replace", "A1001"))
    assert state.outputs() == {("A1001", 1): {"detail": "detail/A1001/A1001-01b.jpg"}}
    assert state.view().outputs == {"detail/A1001/A1001-01b.jpg": (None, None, None)}
    assert state.has_op("1700000000000000000-replace-A1001")
    assert [r[:3] for r in rows(state.db, "ops")] == [("1700000000000000000-replace-A1001", "replace", "A1001")]


def test_new_bytes_in_a_known_slot_keep_its_first_seen_and_replace_the_rest(state):
    state.begin_publish([source(A, "A1001", 1)], [])
    state.finish_publish([Published("A1001", 1, outs("A1001", 1), 1.0, "cal1", 0.5)])
    first = state.db.execute("SELECT first_seen FROM sources WHERE item='A1001' AND idx=1").fetchone()[0]
    new = source(B, "A1001", 1, path="A1001/IMG_0001 reshot.png", size=77, ext="png", captured=None,
                 profile_fp="fp2", decoration='{"marks": ["红色 已售罄"]}')
    state.begin_publish([new], [])
    assert state.sources() == {("A1001", 1): new}
    assert state.db.execute("SELECT first_seen FROM sources WHERE item='A1001' AND idx=1").fetchone()[0] == first
    assert state.view().first_seen == {"A1001": first}
    state.finish_publish([Published("A1001", 1, outs("A1001", 1), 1.0)])
    assert {r[4] for r in rows(state.db, "outputs")} == {B}    # the outputs now carry the new content


def test_the_same_bytes_fill_a_slot_in_two_items(state):
    """A size chart shared by two items: one content, two slots, each with its own outputs."""
    state.begin_publish([source(A, "A1001", 3, path="shared/chart.jpg"),
                         source(A, "B2002", 1, path="shared/chart.jpg")], [file_row("shared/chart.jpg", A)])
    state.finish_publish([Published("A1001", 3, outs("A1001", 3), 1.0), Published("B2002", 1, outs("B2002", 1), 1.0)])
    got = state.sources()
    assert set(got) == {("A1001", 3), ("B2002", 1)}
    assert got[("A1001", 3)].sha256 == got[("B2002", 1)].sha256 == A
    assert state.outputs() == {("A1001", 3): outs("A1001", 3), ("B2002", 1): outs("B2002", 1)}
    assert state.items() == {"A1001", "B2002"}
    view = state.view()
    assert view.published == {"A1001": [(3, None)], "B2002": [(1, None)]}
    assert set(view.outputs) == {"detail/A1001/A1001-03.jpg", "detail/B2002/B2002-01.jpg"}
    # re-rendering one of them leaves the other alone
    state.rendered("B2002", 1, "fp9", '{"caption": "x"}')
    got = state.sources()
    assert (got[("B2002", 1)].profile_fp, got[("A1001", 3)].profile_fp) == ("fp9", "fp1")


def test_a_batch_that_fails_half_way_is_rolled_back_whole(state):
    state.begin_publish([source(A, "A1001", 1)], [file_row("A1001/one.jpg", A)])
    before = everything(state.db)
    with pytest.raises(sqlite3.IntegrityError):
        # the second row breaks NOT NULL after the first was written
        state.begin_publish([source(C, "A1002", 1), source(B, "A1001", 2, path=None)],
                            [file_row("A1001/two.jpg", B)])
    assert everything(state.db) == before
    # the connection is usable afterwards: no transaction was left open
    assert not state.db.in_transaction
    state.put_files([file_row("A1001/three.jpg", None, "rejected", reason="too small")])
    assert "A1001/three.jpg" in state.files()


def test_a_renumber_that_breaks_the_item_index_rule_is_rolled_back_whole(state):
    publish(state, "A1001", [A, B, C])
    state.set_marks("A1001", {1: ("红色 已售罄",)})
    before = everything(state.db)
    with pytest.raises(sqlite3.IntegrityError):
        # slot 1 moves onto slot 3, which stays: two images would share (A1001, 3)
        state.renumber("A1001", {1: 3}, [2], {(3, "detail"): "detail/A1001/A1001-03.jpg"}, {},
                       op=("1-renumber-A1001", "renumber", "A1001"))
    assert everything(state.db) == before
    assert not state.has_op("1-renumber-A1001")
    assert not state.db.in_transaction


def test_put_files_replaces_a_path_with_its_latest_facts(state):
    state.put_files([file_row("x/a.jpg", None, "rejected", reason="narrower than 710 px", profile_fp="fp1")])
    state.put_files([file_row("x/a.jpg", D, "source", size=99, mtime_ns=5), file_row("x/b.png", "e" * 64)])
    files = state.files()
    assert set(files) == {"x/a.jpg", "x/b.png"}
    assert files["x/a.jpg"] == FileRow("x/a.jpg", 99, 5, D, "source", None, None)


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


def test_rendered_updates_only_the_named_slot(state):
    publish(state, "A1001", [A, B])
    state.rendered("A1001", 2, "fp1#abc123abc123", '{"marks": ["红色 已售罄"]}')
    got = state.sources()
    assert (got[("A1001", 2)].profile_fp, got[("A1001", 2)].decoration) == ("fp1#abc123abc123",
                                                                            '{"marks": ["红色 已售罄"]}')
    assert (got[("A1001", 1)].profile_fp, got[("A1001", 1)].decoration) == ("fp1", None)
    assert got[("A1001", 2)].status == "done"
    assert state.view().published == {"A1001": [(1, None), (2, '{"marks": ["红色 已售罄"]}')]}


def test_mark_done_writes_labels_renders_and_the_op_at_once(state):
    publish(state, "A1001", [A, B])
    publish(state, "A1002", [C])
    state.set_marks("A1001", {1: ("旧 已售罄",)})
    state.mark_done("A1001", {2: ("红色 已售罄", "XL 已售罄")},
                    [(2, "fp1#m", '{"marks": ["红色 已售罄", "XL 已售罄"]}')], op=("5-mark-A1001", "mark", "A1001"))
    assert state.marks() == {("A1001", 2): ("红色 已售罄", "XL 已售罄")}
    got = state.sources()
    assert (got[("A1001", 2)].profile_fp, got[("A1001", 1)].profile_fp, got[("A1002", 1)].profile_fp) == (
        "fp1#m", "fp1", "fp1")
    assert state.has_op("5-mark-A1001")
    # an op that cannot be recorded (no kind) undoes the labels and renders written before it
    before = everything(state.db)
    with pytest.raises(sqlite3.IntegrityError):
        state.mark_done("A1001", {}, [(1, "fp1#z", None)], op=("6-mark-A1001", None, "A1001"))
    assert everything(state.db) == before


def test_repath_moves_a_slots_source_and_nothing_else(state):
    publish(state, "A1001", [A, B])
    before = {t: rows(state.db, t) for t in ("outputs", "marks", "files")}
    old = state.sources()
    state.repath([("A1001", 2, "A1001/renamed/IMG_0002.jpg", 4321)])
    got = state.sources()
    assert got[("A1001", 1)] == old[("A1001", 1)]
    assert got[("A1001", 2)] == SourceRow(B, "A1001", 2, "A1001/renamed/IMG_0002.jpg", 4321, "jpg",
                                          old[("A1001", 2)].captured, "done", "fp1", None)
    assert {t: rows(state.db, t) for t in ("outputs", "marks", "files")} == before
    # a slot that does not exist: nothing happens
    state.repath([("Z9", 1, "Z9/x.jpg", 1)])
    assert state.sources() == got


def test_record_and_restore_put_an_item_back_byte_for_byte(state):
    publish(state, "A1001", [A, B, C])
    publish(state, "A1002", [D])
    state.finish_publish([Published("A1001", 2, {**outs("A1001", 2), "backup": "/backup/A1001/IMG_0002.jpg"},
                                    3.25, "cal7", 0.125)])
    state.rendered("A1001", 1, "fp1#deco", json.dumps({"facts": {"面料": "棉"}, "caption": "轻盈"}, ensure_ascii=False))
    state.set_marks("A1001", {3: ("红色 已售罄", "蓝色 已售罄"), 1: ("S 已售罄",)})
    state.set_marks("A1002", {1: ("白色 已售罄",)})
    record = state.record("A1001")
    assert record.item == "A1001"
    assert sorted(record.sources) == rows(state.db, "sources", "A1001") and len(record.sources) == 3
    assert sorted(record.outputs) == rows(state.db, "outputs", "A1001") and len(record.outputs) == 7
    assert sorted(record.marks) == rows(state.db, "marks", "A1001") and len(record.marks) == 3
    # through JSON, as an operation's manifest keeps it
    kept = ItemRecord.from_json(json.loads(json.dumps(record.as_json(), ensure_ascii=False)))
    assert kept == record
    want_a = {t: rows(state.db, t, "A1001") for t in ("sources", "outputs", "marks")}
    want_other = {t: rows(state.db, t, "A1002") for t in ("sources", "outputs", "marks")}
    marks_before = state.marks()
    # change the item every way an operation does
    state.renumber("A1001", {2: 1, 3: 2}, [1], {(1, "detail"): "detail/A1001/A1001-01.jpg"}, {1: ("fp2", "{}")},
                   op=("9-prune-A1001", "prune", "A1001"))
    publish(state, "A1001", ["e" * 64], start=3)
    state.set_marks("A1001", {})
    assert {t: rows(state.db, t, "A1001") for t in ("sources", "outputs", "marks")} != want_a
    state.restore(kept, forget_op="9-prune-A1001")
    assert {t: rows(state.db, t, "A1001") for t in ("sources", "outputs", "marks")} == want_a
    assert {t: rows(state.db, t, "A1002") for t in ("sources", "outputs", "marks")} == want_other
    assert state.marks() == marks_before                   # the labels' order too
    assert not state.has_op("9-prune-A1001")
    # an item that had nothing: restoring its empty record removes what it has now
    empty = state.record("C3003")
    assert empty == ItemRecord("C3003", [], [], [])
    publish(state, "C3003", ["f" * 64])
    state.restore(empty)
    assert "C3003" not in state.items() and all(k[0] != "C3003" for k in state.outputs())


def test_renumber_moves_sources_outputs_and_marks_together_and_records_the_op(state):
    publish(state, "A1001", [A, B, C])
    publish(state, "A1002", [D])
    state.set_marks("A1001", {1: ("一 已售罄",), 2: ("二 已售罄",), 3: ("三 已售罄",)})
    state.set_marks("A1002", {1: ("别 已售罄",)})
    other = {t: rows(state.db, t, "A1002") for t in ("sources", "outputs", "marks")}
    src = state.sources()
    moves = {1: 3, 2: 1, 3: 2}                     # 1,2,3 -> 3,1,2
    paths = {(new, kind): path for old, new in moves.items() for kind, path in outs("A1001", new).items()}
    state.renumber("A1001", moves, [], paths, {1: ("fp1#panel", '{"facts": {}}')},
                   op=("1700000000000000001-renumber-A1001", "renumber", "A1001"))
    got = state.sources()
    for old, new in moves.items():
        want = src[("A1001", old)]
        assert got[("A1001", new)].sha256 == want.sha256
        assert got[("A1001", new)].path == want.path
    assert got[("A1001", 1)].profile_fp == "fp1#panel" and got[("A1001", 1)].decoration == '{"facts": {}}'
    assert got[("A1001", 3)].profile_fp == "fp1"
    assert state.marks() == {("A1001", 3): ("一 已售罄",), ("A1001", 1): ("二 已售罄",), ("A1001", 2): ("三 已售罄",),
                             ("A1002", 1): ("别 已售罄",)}
    assert state.outputs()[("A1001", 1)] == outs("A1001", 1)
    # each output still carries its own content, under its new name
    by_slot = {(r[1], r[2]): r[4] for r in rows(state.db, "outputs", "A1001")}
    assert by_slot == {(1, "detail"): B, (1, "raw"): B, (2, "detail"): C, (2, "raw"): C,
                       (3, "detail"): A, (3, "raw"): A}
    assert {t: rows(state.db, t, "A1002") for t in ("sources", "outputs", "marks")} == other
    assert state.has_op("1700000000000000001-renumber-A1001")
    assert state.db.execute("SELECT kind, item FROM ops").fetchall() == [("renumber", "A1001")]


def test_renumber_retires_slots_with_their_outputs_and_marks(state):
    publish(state, "A1001", [A, B, C, D])
    state.set_marks("A1001", {1: ("一 已售罄",), 3: ("三 已售罄",), 4: ("四 已售罄",)})
    # prune: 1 and 3 are gone, 2 -> 1 and 4 -> 2
    paths = {(1, "detail"): "detail/A1001/A1001-01.jpg", (1, "raw"): "raw/A1001/A1001-01.jpg",
             (2, "detail"): "detail/A1001/A1001-02.jpg", (2, "raw"): "raw/A1001/A1001-02.jpg"}
    state.renumber("A1001", {2: 1, 4: 2}, [1, 3], paths, {}, op=("2-prune-A1001", "prune", "A1001"))
    got = state.sources()
    assert set(got) == {("A1001", 1), ("A1001", 2)}
    assert (got[("A1001", 1)].sha256, got[("A1001", 2)].sha256) == (B, D)
    assert state.outputs() == {("A1001", 1): outs("A1001", 1), ("A1001", 2): outs("A1001", 2)}
    assert {r[4] for r in rows(state.db, "outputs")} == {B, D}     # nothing left of the retired ones
    assert state.marks() == {("A1001", 2): ("四 已售罄",)}
    assert state.view().published == {"A1001": [(1, None), (2, None)]}
    assert state.has_op("2-prune-A1001")


def test_replace_published_writes_rows_outputs_and_op_in_one_transaction(state):
    publish(state, "A1001", [A, B])
    op = ("1700000000000000002-replace-A1001", "replace", "A1001")
    new = source(C, "A1001", 2, path="A1001/IMG_0002 reshot.jpg")
    state.replace_published([new], [file_row(new.path, C)], [Published("A1001", 2, outs("A1001", 2), 4.0, "cal2", 1.5)],
                            op=op)
    got = state.sources()[("A1001", 2)]
    assert (got.sha256, got.status, got.path) == (C, "done", "A1001/IMG_0002 reshot.jpg")
    assert {r[4] for r in rows(state.db, "outputs", "A1001") if r[1] == 2} == {C}
    assert state.files()[new.path].sha256 == C
    assert state.has_op(op[0])


def test_replace_published_that_fails_half_way_changes_nothing(state):
    publish(state, "A1001", [A, B])
    before = everything(state.db)
    op = ("1700000000000000003-replace-A1001", "replace", "A1001")
    with pytest.raises((TypeError, LookupError, sqlite3.Error)):
        # the slot 2 row is written, then a Published for slot 7, which has no row, fails
        state.replace_published([source(C, "A1001", 2)], [file_row("A1001/new.jpg", C)],
                                [Published("A1001", 2, outs("A1001", 2)), Published("A1001", 7, outs("A1001", 7))],
                                op=op)
    assert everything(state.db) == before
    assert not state.has_op(op[0])
    assert not state.db.in_transaction


def test_what_is_written_is_there_after_reopening(tmp_path):
    path = state_path(tmp_path / "out")
    s = State(path)
    s.begin_publish([source(A, "A1001", 1)], [file_row("A1001/a.jpg", A)])
    s.finish_publish([Published("A1001", 1, {"detail": "d.jpg"}, 2.0, "cal", 0.5)], op=("3-replace-A1001", "replace",
                                                                                          "A1001"))
    s.set_marks("A1001", {1: ("红色 已售罄",)})
    want = (s.sources(), s.files(), s.outputs(), s.marks(), everything(s.db))
    s.close()
    again = State(path)
    try:
        assert (again.sources(), again.files(), again.outputs(), again.marks(), everything(again.db)) == want
        assert again.has_op("3-replace-A1001")
    finally:
        again.close()


def test_tree_view_lists_done_slots_by_index_and_the_first_time_each_item_was_seen(state):
    srcs = [source(C, "A1001", 3), source(A, "A1001", 1), source(B, "A1001", 2), source(D, "A1002", 1)]
    state.begin_publish(srcs[:3], [])
    state.begin_publish(srcs[3:], [])
    state.finish_publish([Published(r.item, r.idx, {"detail": f"{r.item}-{r.idx}.jpg"}, 1.0) for r in srcs[:2]])
    state.finish_publish([Published("A1002", 1, {"raw": "raw.jpg"}, 1.0)])
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
    s.begin_publish([source(A, "A1001", 1, decoration='{"caption": "x"}'), source(A, "B2002", 1)], [])
    s.finish_publish([Published("A1001", 1, {"detail": "detail/A1001/A1001-01.jpg"}, 1.0, "cal1", 0.9),
                      Published("B2002", 1, {"detail": "detail/B2002/B2002-01.jpg"}, 1.0)])
    want = s.view()
    s.close()
    assert want.outputs == {"detail/A1001/A1001-01.jpg": ("cal1", 0.9, '{"caption": "x"}'),
                            "detail/B2002/B2002-01.jpg": (None, None, None)}
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


# --- a schema-1 state ---------------------------------------------------------------------------

V1_SOURCES = [  # sha256, item, idx, path, size, ext, captured, status, profile_fp, first_seen, updated, ms
    (A, "A1001", 1, "A1001/a.jpg", 10, "jpg", "2024:05:01 10:00:01", "done", "old", 100.0, 101.5, 5.0),
    (B, "A1001", 2, "A1001/b.jpg", 11, "jpg", None, "publishing", "old", 90.0, 100.0, None),
    (C, "A1002", 1, "A1002/c.jpg", 12, "png", None, "done", "old#x", 200.0, 200.25, 7.5)]
V1_LATE = {A: ("cal1", 0.75, '{"caption": "旧"}'), B: (None, None, None), C: (None, 2.5, None)}
V1_OUTPUTS = [(A, "detail", "detail/A1001/A1001-01.jpg"), (A, "raw", "raw/A1001/A1001-01.jpg"),
              (C, "detail", "detail/A1002/A1002-01.jpg"), (C, "master", "master/A1002/A1002-01.png")]


def make_v1_state(path: Path, *, late: bool, marks: bool = True, wal: bool = True) -> None:
    """A state as schema 1 wrote it, with plain sqlite3: sources keyed by content, outputs by
    (content, kind); ``late``: with the columns later releases of schema 1 added (ALTER TABLE,
    so at the end); ``marks``: with the marks table (absent from the first release)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    if wal:
        db.execute("PRAGMA journal_mode=WAL")
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
    if marks:
        db.execute("CREATE TABLE marks (item TEXT NOT NULL, idx INTEGER NOT NULL, label TEXT NOT NULL,"
                   " made REAL NOT NULL, PRIMARY KEY (item, idx, label))")
        db.executemany("INSERT INTO marks VALUES (?,?,?,?)", [("A1001", 1, "红色 已售罄", 300.0),
                                                              ("A1001", 1, "蓝色 已售罄", 300.5)])
    db.executemany("INSERT INTO sources VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", V1_SOURCES)
    if late:
        for table, column, kind in V1_MIGRATIONS:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
        db.executemany("UPDATE sources SET calibration=?, delta_e=?, decoration=? WHERE sha256=?",
                       [(*v, sha) for sha, v in V1_LATE.items()])
    db.executemany("INSERT INTO outputs VALUES (?,?,?)", V1_OUTPUTS)
    db.execute("INSERT INTO files VALUES ('A1001/a.jpg', 10, 1, ?, 'source', NULL, NULL, 100.0)", (A,))
    db.commit()
    db.close()


V1_CASES = [pytest.param(False, False, id="first-release"), pytest.param(False, True, id="with-marks"),
            pytest.param(True, True, id="with-late-columns")]


@pytest.mark.parametrize(("late", "marks"), V1_CASES)
def test_a_schema_1_state_reads_through_the_read_only_view_unmigrated(tmp_path, late, marks):
    out = tmp_path / "out"
    make_v1_state(state_path(out), late=late, marks=marks)
    before = state_path(out).read_bytes()
    view = read_tree_view(out)
    late_of = V1_LATE if late else {A: (None, None, None), C: (None, None, None)}
    # the one ΔE an older imgkit recorded was the in-sample mean: read as that, never as leave-one-out
    assert view == TreeView(
        first_seen={"A1001": 90.0, "A1002": 200.0},
        outputs={"detail/A1001/A1001-01.jpg": (late_of[A][0], None, late_of[A][2]),
                 "detail/A1002/A1002-01.jpg": (late_of[C][0], None, late_of[C][2])},
        published={"A1001": [(1, late_of[A][2])], "A1002": [(1, None)]},
        fits={p: v for p, v in (("detail/A1001/A1001-01.jpg", late_of[A][1]),
                                ("detail/A1002/A1002-01.jpg", late_of[C][1])) if v is not None})
    # reading changed nothing: same bytes, still schema 1
    assert state_path(out).read_bytes() == before
    db = sqlite3.connect(state_path(out))
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 0
        assert "item" not in columns(db, "outputs")
        assert ("decoration" in columns(db, "sources")) is late
        assert "ops" not in {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        db.close()


@pytest.mark.parametrize("wal", [True, False], ids=["wal", "rollback-journal"])
def test_a_schema_1_state_in_either_journal_mode_reads_the_same(tmp_path, wal):
    out = tmp_path / "out"
    make_v1_state(state_path(out), late=True, wal=wal)
    before = state_path(out).read_bytes()
    assert read_tree_view(out).published == {"A1001": [(1, V1_LATE[A][2])], "A1002": [(1, None)]}
    assert state_path(out).read_bytes() == before


@pytest.mark.parametrize(("late", "marks"), V1_CASES)
def test_opening_a_schema_1_state_for_writing_migrates_it_by_slot(tmp_path, late, marks):
    out = tmp_path / "out"
    make_v1_state(state_path(out), late=late, marks=marks)
    db = sqlite3.connect(state_path(out))
    files_before = rows(db, "files")
    marks_before = rows(db, "marks") if marks else []
    db.close()
    s = State(state_path(out))
    try:
        assert s.db.execute("PRAGMA user_version").fetchone()[0] == 4
        assert columns(s.db, "outputs") == {"item", "idx", "kind", "path", "sha256"}
        tables = {r[0] for r in s.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"sources", "files", "outputs", "marks", "ops"} <= tables
        assert not {"sources_v1", "outputs_v1"} & tables
        # every row kept, every column: (item, idx, sha, path, …, first_seen, updated, ms, late ones);
        # the old ΔE (in-sample) moved to delta_e_fit, the leave-one-out one left for a build to record
        late_of = V1_LATE if late else dict.fromkeys((A, B, C), (None, None, None))
        want = sorted((item, idx, sha, path, size, ext, captured, status, fp, first, updated, ms,
                       late_of[sha][0], None, late_of[sha][2], late_of[sha][1])
                      for sha, item, idx, path, size, ext, captured, status, fp, first, updated, ms in V1_SOURCES)
        assert s.db.execute(
            "SELECT item, idx, sha256, path, size, ext, captured, status, profile_fp, first_seen, updated, ms,"
            " calibration, delta_e, decoration, delta_e_fit FROM sources ORDER BY item, idx").fetchall() == want
        assert s.sources()[("A1001", 1)] == SourceRow(A, "A1001", 1, "A1001/a.jpg", 10, "jpg", "2024:05:01 10:00:01",
                                                      "done", "old", V1_LATE[A][2] if late else None)
        # outputs re-keyed by slot, keeping the content they were made from
        assert rows(s.db, "outputs") == [
            ("A1001", 1, "detail", "detail/A1001/A1001-01.jpg", A), ("A1001", 1, "raw", "raw/A1001/A1001-01.jpg", A),
            ("A1002", 1, "detail", "detail/A1002/A1002-01.jpg", C),
            ("A1002", 1, "master", "master/A1002/A1002-01.png", C)]
        assert rows(s.db, "files") == files_before
        assert rows(s.db, "marks") == marks_before
        assert s.view().first_seen == {"A1001": 90.0, "A1002": 200.0}
        # publishing goes on: the publishing slot finishes, a new one and the same bytes in a new item
        s.finish_publish([Published("A1001", 2, outs("A1001", 2), 1.0, "cal9", 2.5)])
        s.begin_publish([source(D, "A1001", 3), source(A, "B2002", 1)], [])
        s.finish_publish([Published("A1001", 3, outs("A1001", 3), 1.0), Published("B2002", 1, outs("B2002", 1), 1.0)],
                         op=("4-replace-A1001", "replace", "A1001"))
        s.set_marks("A1001", {2: ("红色 已售罄",)})
        assert s.marks() == {("A1001", 2): ("红色 已售罄",)}
        assert s.has_op("4-replace-A1001")
    finally:
        s.close()
    view = read_tree_view(out)
    assert view.published["A1001"] == [(1, V1_LATE[A][2] if late else None), (2, None), (3, None)]
    assert view.published["B2002"] == [(1, None)]
    assert view.outputs["detail/A1001/A1001-02.jpg"] == ("cal9", 2.5, None)
    assert view.first_seen["A1001"] == 90.0
    # opened again it stays as it is
    again = State(state_path(out))
    try:
        assert again.db.execute("PRAGMA user_version").fetchone()[0] == 4
        assert set(again.sources()) == {("A1001", 1), ("A1001", 2), ("A1001", 3), ("A1002", 1), ("B2002", 1)}
    finally:
        again.close()


def test_a_migration_that_fails_leaves_the_schema_1_state_as_it_was(tmp_path):
    """The migration is one transaction: a schema-1 state with a row the schema-2 tables refuse
    stays schema 1, rows, columns and all, and opening it says why."""
    out = tmp_path / "out"
    make_v1_state(state_path(out), late=False, wal=False)
    db = sqlite3.connect(state_path(out))
    # an output row without a path (outputs rebuilt without NOT NULL on path): the schema-2
    # outputs table refuses it while the rows are copied, after the tables were renamed
    db.execute("CREATE TABLE tmp AS SELECT * FROM outputs")
    db.execute("DROP TABLE outputs")
    db.execute("CREATE TABLE outputs (sha256 TEXT NOT NULL, kind TEXT NOT NULL, path TEXT,"
               " PRIMARY KEY (sha256, kind))")
    db.execute("INSERT INTO outputs SELECT * FROM tmp")
    db.execute("DROP TABLE tmp")
    db.execute("INSERT INTO outputs VALUES (?, 'thumb', NULL)", (A,))
    db.commit()
    want = everything_v1(db)
    db.close()
    with pytest.raises(sqlite3.IntegrityError):
        State(state_path(out))
    db = sqlite3.connect(state_path(out))
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 0
        assert everything_v1(db) == want
        assert not {"calibration", "delta_e", "decoration"} & columns(db, "sources")   # not even the late columns
    finally:
        db.close()


def everything_v1(db: sqlite3.Connection) -> dict[str, list[tuple]]:
    return {t: db.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3").fetchall() for t in ("sources", "files", "outputs")}


# --- a schema-2 state: one ΔE, the in-sample mean -------------------------------------------------

V2_SCHEMA = """
CREATE TABLE sources (
    item TEXT NOT NULL, idx INTEGER NOT NULL, sha256 TEXT NOT NULL, path TEXT NOT NULL,
    size INTEGER NOT NULL, ext TEXT NOT NULL, captured TEXT, status TEXT NOT NULL,
    profile_fp TEXT, first_seen REAL NOT NULL, updated REAL NOT NULL, ms REAL,
    calibration TEXT, delta_e REAL, decoration TEXT, PRIMARY KEY (item, idx));
CREATE TABLE files (
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, sha256 TEXT,
    status TEXT NOT NULL, reason TEXT, profile_fp TEXT, seen REAL NOT NULL);
CREATE TABLE outputs (
    item TEXT NOT NULL, idx INTEGER NOT NULL, kind TEXT NOT NULL, path TEXT NOT NULL, sha256 TEXT,
    PRIMARY KEY (item, idx, kind));
CREATE TABLE marks (item TEXT NOT NULL, idx INTEGER NOT NULL, label TEXT NOT NULL, made REAL NOT NULL,
    PRIMARY KEY (item, idx, label));
CREATE TABLE ops (id TEXT PRIMARY KEY, kind TEXT NOT NULL, item TEXT NOT NULL, made REAL NOT NULL);
PRAGMA user_version = 2;
"""
V2_ROWS = [("A1001", 1, A, "A1001/a.jpg", 10, "jpg", None, "done", "fp+cal1", 100.0, 101.0, 5.0, "cal1", 1.55, None),
           ("A1001", 2, B, "A1001/b.jpg", 11, "jpg", None, "done", "fp", 100.0, 101.0, 5.0, None, None, None)]


def make_v2_state(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.executescript(V2_SCHEMA)
    db.executemany("INSERT INTO sources VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", V2_ROWS)
    db.executemany("INSERT INTO outputs VALUES (?,?,?,?,?)",
                   [("A1001", i, "detail", f"detail/A1001/A1001-0{i}.jpg", s) for i, s in ((1, A), (2, B))])
    db.commit()
    db.close()


def test_a_schema_2_state_reads_its_delta_e_as_in_sample_and_migrates_it_there(tmp_path):
    out = tmp_path / "out"
    make_v2_state(state_path(out))
    view = read_tree_view(out)   # read-only, unmigrated: 1.55 was the in-sample mean, not leave-one-out
    assert view.outputs["detail/A1001/A1001-01.jpg"] == ("cal1", None, None)
    assert view.fits == {"detail/A1001/A1001-01.jpg": 1.55}
    s = State(state_path(out))
    try:
        assert s.db.execute("PRAGMA user_version").fetchone()[0] == 4
        assert s.db.execute("SELECT idx, calibration, delta_e, delta_e_fit FROM sources ORDER BY idx").fetchall() == [
            (1, "cal1", None, 1.55), (2, None, None, None)]
        # a build records the calibration's leave-one-out figure for the slots made with it
        s.calibration_figures({"cal1": (2.65, 1.55), "other": (9.0, 1.0)})
        assert s.view().outputs["detail/A1001/A1001-01.jpg"] == ("cal1", 2.65, None)
        assert s.view().fits == {"detail/A1001/A1001-01.jpg": 1.55}
        assert s.db.execute("SELECT delta_e, delta_e_fit FROM sources WHERE idx = 2").fetchone() == (None, None)
    finally:
        s.close()


def test_a_record_journaled_before_schema_3_is_restored_with_its_delta_e_as_in_sample(state):
    """An operation an older imgkit journaled (its rows end at ``decoration``) is undone into
    today's columns: the one ΔE it holds was the in-sample mean."""
    old = ItemRecord("A1001", [list(r) for r in V2_ROWS], [], [])
    state.restore(ItemRecord.from_json(json.loads(json.dumps(old.as_json()))))
    assert state.db.execute("SELECT idx, delta_e, delta_e_fit FROM sources ORDER BY idx").fetchall() == [
        (1, None, 1.55), (2, None, None)]
    state.restore(state.record("A1001"))   # a record of today's rows goes back as it is
    assert state.db.execute("SELECT idx, delta_e, delta_e_fit FROM sources ORDER BY idx").fetchall() == [
        (1, None, 1.55), (2, None, None)]


def test_finish_publish_records_both_figures(state):
    state.begin_publish([source(A, "A1001", 1)], [])
    state.finish_publish([Published("A1001", 1, outs("A1001", 1), 1.0, "cal2", 2.65, 1.55)])
    assert state.view().outputs == {"detail/A1001/A1001-01.jpg": ("cal2", 2.65, None)}
    assert state.view().fits == {"detail/A1001/A1001-01.jpg": 1.55}
