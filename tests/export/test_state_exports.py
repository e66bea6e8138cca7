"""The state's ``exports`` table (schema 4): a schema-3 state gains it, keeps every figure, and
records pack files and refusals."""

from __future__ import annotations

import sqlite3

from imgkit.store.state import VERSION, ExportRow, State, export_rows


def test_a_schema_3_state_gains_the_exports_table_and_keeps_its_delta_e(tmp_path):
    path = tmp_path / ".imgkit" / "state.sqlite"
    s = State(path)
    s.db.execute("DROP TABLE exports")
    s.db.execute("INSERT INTO sources (item, idx, sha256, path, size, ext, status, first_seen, updated, calibration,"
                 " delta_e, delta_e_fit) VALUES ('A1001', 1, 'aa', '/src/a.jpg', 10, '.jpg', 'done', 1, 1, 'cal1',"
                 " 2.65, 1.55)")
    s.db.execute("PRAGMA user_version = 3")
    s.close()
    db = sqlite3.connect(path)
    assert export_rows(db) == [], "a schema-3 state read as it is: no packs recorded"
    db.close()
    s = State(path)
    try:
        assert VERSION == 4 and s.db.execute("PRAGMA user_version").fetchone()[0] == 4
        # schema 3's leave-one-out figure is not mistaken for an old in-sample one
        assert s.db.execute("SELECT delta_e, delta_e_fit FROM sources").fetchone() == (2.65, 1.55)
        assert s.exports("taobao") == {}
        made = ExportRow("taobao", "A1001/main/A1001-main-01.jpg", "A1001", "main", "aa", "s1", "ff", 1234, 88,
                         "mozjpeg")
        refused = ExportRow("taobao", "A1001/main/A1001-main-05.jpg", "A1001", "white", "aa", "s1",
                            reason="white background refused: busy backdrop")
        s.record_exports([made, refused], [])
        assert s.exports("taobao") == {made.name: made, refused.name: refused}
        assert s.exports("jd") == {}
        s.record_exports([], [("taobao", made.name)])
        assert list(s.exports("taobao")) == [refused.name]
    finally:
        s.close()
