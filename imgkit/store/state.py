"""SQLite state in ``OUT/.imgkit/state.sqlite`` (WAL): what was seen, made and refused. All of
imgkit's SQL lives here.

- ``sources``: one row per published image, a *slot* (item, index): the source file it shows
  (``path``) and that file's content (``sha256``) when it was rendered; status ``publishing``
  (outputs being renamed into place) or ``done``; the fingerprint of what made it
  (``profile_fp``), the JSON of what is drawn on it (``decoration``), the colour calibration
  applied and its ΔE2000 (``calibration``; ``delta_e`` leave-one-out, the calibration's
  figure; ``delta_e_fit`` in-sample, the fit judged on the patches it saw), timings. The same
  bytes may fill a slot in two items (a size chart shared by both).
- ``files``: every path seen in SRC with size and mtime, so an unchanged file is known
  without reading it; status ``source``, ``duplicate`` or ``rejected`` (with the reason).
- ``outputs``: the files made for a slot, by kind (detail, raw, master, backup).
- ``marks``: the sold-out labels ``imgkit mark`` set, by slot, so every later render keeps them.
- ``ops``: the operations that changed published files (replace, prune, renumber, mark), so
  a run killed in the middle of one is rolled back and ``imgkit undo`` can walk back.
- ``exports``: the marketplace packs' files (``imgkit export``), by platform and name: the item,
  what the file was made from (its sources' SHA-256s with their calibration and decoration,
  and the settings), its own SHA-256, bytes and the JPEG quality reached; a white-background
  image that was refused is a row without a file, with the reason.

Schema 4 adds ``exports`` (created when an older state is opened for writing).
Schema 3 (``PRAGMA user_version``) keys sources and outputs by slot and keeps both ΔE2000
figures; an older state is migrated when opened for writing and read as it is by the
read-only view. Schema 1 was keyed by content; schemas 1 and 2 recorded one ΔE, the
in-sample mean: migrated (and read) as ``delta_e_fit``, with ``delta_e`` left empty until
a build records the leave-one-out figure of the calibration in use
(:meth:`State.calibration_figures`).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import astuple, dataclass, field, fields
from pathlib import Path

VERSION = 4

SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (
    item TEXT NOT NULL, idx INTEGER NOT NULL, sha256 TEXT NOT NULL, path TEXT NOT NULL,
    size INTEGER NOT NULL, ext TEXT NOT NULL, captured TEXT, status TEXT NOT NULL,
    profile_fp TEXT, first_seen REAL NOT NULL, updated REAL NOT NULL, ms REAL,
    calibration TEXT, delta_e REAL, decoration TEXT, delta_e_fit REAL,
    PRIMARY KEY (item, idx));
CREATE INDEX IF NOT EXISTS sources_sha ON sources (sha256);
CREATE INDEX IF NOT EXISTS sources_size ON sources (size);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, sha256 TEXT,
    status TEXT NOT NULL, reason TEXT, profile_fp TEXT, seen REAL NOT NULL);
CREATE TABLE IF NOT EXISTS outputs (
    item TEXT NOT NULL, idx INTEGER NOT NULL, kind TEXT NOT NULL, path TEXT NOT NULL, sha256 TEXT,
    PRIMARY KEY (item, idx, kind));
CREATE TABLE IF NOT EXISTS marks (
    item TEXT NOT NULL, idx INTEGER NOT NULL, label TEXT NOT NULL, made REAL NOT NULL,
    PRIMARY KEY (item, idx, label));
CREATE TABLE IF NOT EXISTS ops (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, item TEXT NOT NULL, made REAL NOT NULL);
CREATE TABLE IF NOT EXISTS exports (
    platform TEXT NOT NULL, name TEXT NOT NULL, item TEXT NOT NULL, kind TEXT NOT NULL,
    source_sha256s TEXT NOT NULL, settings_hash TEXT NOT NULL, sha256 TEXT, bytes INTEGER,
    quality INTEGER, encoder TEXT, reason TEXT, made REAL NOT NULL,
    PRIMARY KEY (platform, name));
"""

#: columns of a schema-1 state added after its first release: (table, column, type)
V1_MIGRATIONS = (("sources", "calibration", "TEXT"), ("sources", "delta_e", "REAL"),
                 ("sources", "decoration", "TEXT"))

_V1_TO_V2 = """
ALTER TABLE sources RENAME TO sources_v1;
ALTER TABLE outputs RENAME TO outputs_v1;
DROP INDEX IF EXISTS sources_size;
""" + SCHEMA + """
INSERT INTO sources (item, idx, sha256, path, size, ext, captured, status, profile_fp, first_seen, updated, ms,
                     calibration, delta_e, decoration)
    SELECT item, idx, sha256, path, size, ext, captured, status, profile_fp, first_seen, updated, ms,
           calibration, delta_e, decoration FROM sources_v1;
INSERT INTO outputs (item, idx, kind, path, sha256)
    SELECT s.item, s.idx, o.kind, o.path, o.sha256 FROM outputs_v1 o JOIN sources_v1 s ON s.sha256 = o.sha256;
DROP TABLE outputs_v1;
DROP TABLE sources_v1;
"""


@dataclass(frozen=True)
class SourceRow:
    """A published slot: one image of an item and the source it shows."""

    sha256: str
    item: str
    idx: int
    path: str
    size: int
    ext: str
    captured: str | None
    status: str
    profile_fp: str | None
    decoration: str | None = None   # JSON of the Decoration drawn on the detail image

    @property
    def slot(self) -> tuple[str, int]:
        return self.item, self.idx


@dataclass(frozen=True)
class FileRow:
    path: str
    size: int
    mtime_ns: int
    sha256: str | None
    status: str
    reason: str | None
    profile_fp: str | None = None   # for a rejection: the rules it was judged by


@dataclass(frozen=True)
class Published:
    """One slot as it is done: what ``finish_publish`` records."""

    item: str
    idx: int
    outputs: dict[str, str]       # kind -> path (relative to OUT, or absolute for the backup)
    ms: float | None = None
    calibration: str | None = None
    delta_e: float | None = None  # the calibration's ΔE2000 (leave-one-out)
    delta_e_fit: float | None = None  # and in-sample


_SOURCE_COLUMNS = ", ".join(f.name for f in fields(SourceRow))
#: a row of ``sources`` from schema 2 ends at ``decoration``; schema 3 adds ``delta_e_fit``
_V2_SOURCE_WIDTH, _DELTA_E = 15, 13


def _current_source_row(row) -> tuple:
    """A ``sources`` row saved by an older imgkit (an operation journaled before schema 3) in
    today's columns: its one ΔE was the in-sample mean."""
    row = tuple(row)
    if len(row) != _V2_SOURCE_WIDTH:
        return row
    return row[:_DELTA_E] + (None,) + row[_DELTA_E + 1:] + (row[_DELTA_E],)


def open_read_only(out: Path) -> sqlite3.Connection | None:
    """A tree's state opened read-only: None when it has none or it cannot be read."""
    path = out / ".imgkit" / "state.sqlite"
    if not path.is_file():
        return None
    try:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None


def columns(db: sqlite3.Connection, table: str) -> set[str]:
    """Column names of ``table``: a state written by an older imgkit lacks the later ones."""
    return {r[1] for r in db.execute(f"PRAGMA table_info({table})")}


@dataclass(frozen=True)
class ExportRow:
    """One file of a marketplace pack (or a refused one: no ``sha256``, a ``reason``)."""

    platform: str
    name: str                 # relative to OUT/export/<platform>
    item: str
    kind: str                 # main, white, tall, detail
    source_sha256s: str       # what it was made from: sources, calibration, decoration
    settings_hash: str        # and with which settings
    sha256: str | None = None
    bytes: int | None = None
    quality: int | None = None
    encoder: str | None = None
    reason: str | None = None


_EXPORT_COLUMNS = ", ".join(f.name for f in fields(ExportRow))


def export_rows(db: sqlite3.Connection) -> list[ExportRow]:
    """Every pack file recorded, by platform and name; [] for a state from before schema 4."""
    if "exports" not in {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}:
        return []
    return [ExportRow(*r) for r in db.execute(f"SELECT {_EXPORT_COLUMNS} FROM exports ORDER BY platform, name")]


@dataclass(frozen=True)
class TreeView:
    """What validate, the report and ``page`` read of a tree's state."""

    first_seen: dict[str, float]                              # item -> first time seen
    #: detail path -> (calibration, ΔE2000 leave-one-out, decoration)
    outputs: dict[str, tuple[str | None, float | None, str | None]]
    published: dict[str, list[tuple[int, str | None]]]        # item -> [(index, decoration)] of done sources
    fits: dict[str, float] = field(default_factory=dict)     # detail path -> in-sample ΔE, where recorded


def tree_view(db: sqlite3.Connection) -> TreeView:
    """The view from an open state, of schema 2 or (read-only, not migrated) schema 1."""
    first = dict(db.execute("SELECT item, MIN(first_seen) FROM sources GROUP BY item"))
    cols = columns(db, "sources")
    cal, de, deco, fit = (f"s.{c}" if c in cols else "NULL"
                          for c in ("calibration", "delta_e", "decoration", "delta_e_fit"))
    if "delta_e_fit" not in cols:   # schema 1 or 2: the one ΔE recorded was the in-sample mean
        de, fit = "NULL", de
    join = ("s.item = o.item AND s.idx = o.idx" if "item" in columns(db, "outputs")
            else "s.sha256 = o.sha256")
    outputs, fits = {}, {}
    for p, c, d, x, f in db.execute(f"SELECT o.path, {cal}, {de}, {deco}, {fit} FROM outputs o JOIN sources s "
                                    f"ON {join} WHERE o.kind = 'detail'"):
        outputs[p] = (c, d, x)
        if f is not None:
            fits[p] = f
    published: dict[str, list[tuple[int, str | None]]] = {}
    for item, idx, decoration in db.execute(
            f"SELECT item, idx, {deco.removeprefix('s.')} FROM sources WHERE status = 'done' ORDER BY idx"):
        published.setdefault(item, []).append((idx, decoration))
    return TreeView(first, outputs, published, fits)


def read_tree_view(out: Path) -> TreeView | None:
    """``tree_view`` of OUT's state opened read-only; None without a readable state."""
    db = open_read_only(out)
    if db is None:
        return None
    try:
        return tree_view(db)
    except sqlite3.Error:
        return None
    finally:
        db.close()


@dataclass(frozen=True)
class ItemRecord:
    """Everything the state holds of one item: what an operation saves and undo puts back."""

    item: str
    sources: list[tuple]      # full rows of ``sources``
    outputs: list[tuple]      # full rows of ``outputs``
    marks: list[tuple]        # full rows of ``marks``

    def as_json(self) -> dict:
        return {"item": self.item, "sources": [list(r) for r in self.sources],
                "outputs": [list(r) for r in self.outputs], "marks": [list(r) for r in self.marks]}

    @classmethod
    def from_json(cls, data: dict) -> ItemRecord:
        return cls(data["item"], [tuple(r) for r in data["sources"]], [tuple(r) for r in data["outputs"]],
                   [tuple(r) for r in data["marks"]])


def rendered_with(out: Path) -> set[str]:
    """The distinct fingerprints (``Fingerprint`` text) OUT's published sources were rendered
    with; empty without a readable state."""
    db = open_read_only(out)
    if db is None:
        return set()
    try:
        return {fp for (fp,) in db.execute("SELECT DISTINCT profile_fp FROM sources WHERE status = 'done'") if fp}
    except sqlite3.Error:
        return set()
    finally:
        db.close()


class State:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self._migrate()

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version >= VERSION:
            return
        with self._tx():
            tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if "sources" in tables and "item" not in columns(self.db, "outputs"):   # schema 1
                for table, column, kind in V1_MIGRATIONS:
                    if column not in columns(self.db, table):
                        self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
                for statement in _V1_TO_V2.split(";"):
                    if statement.strip():
                        self.db.execute(statement)
            else:
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        self.db.execute(statement)
            if "delta_e_fit" not in columns(self.db, "sources"):
                self.db.execute("ALTER TABLE sources ADD COLUMN delta_e_fit REAL")
            if "sources" in tables and version < 3:   # schema 1 or 2: its ΔE was the in-sample mean
                self.db.execute("UPDATE sources SET delta_e_fit = delta_e, delta_e = NULL WHERE delta_e IS NOT NULL")
            self.db.execute(f"PRAGMA user_version = {VERSION}")

    def view(self) -> TreeView:
        """The read view through this connection (a run's report, inside its session)."""
        return tree_view(self.db)

    def close(self) -> None:
        self.db.close()

    # reads: loaded whole, a shoot is thousands of rows at most
    def sources(self) -> dict[tuple[str, int], SourceRow]:
        """Every slot by (item, index)."""
        rows = self.db.execute(f"SELECT {_SOURCE_COLUMNS} FROM sources")
        return {(r[1], r[2]): SourceRow(*r) for r in rows}

    def files(self) -> dict[str, FileRow]:
        rows = self.db.execute("SELECT path, size, mtime_ns, sha256, status, reason, profile_fp FROM files")
        return {r[0]: FileRow(*r) for r in rows}

    def outputs(self) -> dict[tuple[str, int], dict[str, str]]:
        out: dict[tuple[str, int], dict[str, str]] = {}
        for item, idx, kind, path in self.db.execute("SELECT item, idx, kind, path FROM outputs"):
            out.setdefault((item, idx), {})[kind] = path
        return out

    def items(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT DISTINCT item FROM sources")}

    def record(self, item: str) -> ItemRecord:
        """The item's rows as they are: saved by an operation before it changes them."""
        def rows(table: str) -> list[tuple]:
            return self.db.execute(f"SELECT * FROM {table} WHERE item = ? ORDER BY idx", (item,)).fetchall()
        return ItemRecord(item, rows("sources"), rows("outputs"), rows("marks"))

    def has_op(self, op_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM ops WHERE id = ?", (op_id,)).fetchone() is not None

    # writes: one transaction per batch
    def begin_publish(self, sources: list[SourceRow], files: list[FileRow]) -> None:
        """Record indices before any output is renamed into place, so a crash keeps them."""
        with self._tx():
            self._begin(sources, files)

    def finish_publish(self, done: list[Published], *, op: tuple[str, str, str] | None = None) -> None:
        """The slots are in place; ``op`` (id, kind, item): the operation this completes."""
        with self._tx():
            self._finish(done, op)

    def replace_published(self, sources: list[SourceRow], files: list[FileRow], done: list[Published], *,
                          op: tuple[str, str, str]) -> None:
        """Slots whose files an operation replaced: rows, outputs and the op in one transaction."""
        with self._tx():
            self._begin(sources, files)
            self._finish(done, op)

    def repath(self, moves: list[tuple[str, int, str, int]]) -> None:
        """Slots whose source file was renamed or moved within the item: (item, idx, path, size)."""
        with self._tx():
            self.db.executemany("UPDATE sources SET path=?, size=?, updated=? WHERE item=? AND idx=?",
                                [(path, size, time.time(), item, idx) for item, idx, path, size in moves])

    def _begin(self, sources: list[SourceRow], files: list[FileRow]) -> None:
        now = time.time()
        for s in sources:
            self.db.execute(
                "INSERT INTO sources (sha256, item, idx, path, size, ext, captured, status, profile_fp,"
                " decoration, first_seen, updated) VALUES (?,?,?,?,?,?,?,'publishing',?,?,?,?)"
                " ON CONFLICT (item, idx) DO UPDATE SET status='publishing', sha256=excluded.sha256,"
                " path=excluded.path, size=excluded.size, ext=excluded.ext, captured=excluded.captured,"
                " profile_fp=excluded.profile_fp, decoration=excluded.decoration, updated=excluded.updated",
                (s.sha256, s.item, s.idx, s.path, s.size, s.ext, s.captured, s.profile_fp, s.decoration, now, now))
        self._put_files(files, now)

    def _finish(self, done: list[Published], op: tuple[str, str, str] | None) -> None:
        for p in done:
            self.db.execute("UPDATE sources SET status='done', ms=?, updated=?, calibration=?, delta_e=?,"
                            " delta_e_fit=? WHERE item=? AND idx=?",
                            (p.ms, time.time(), p.calibration, p.delta_e, p.delta_e_fit, p.item, p.idx))
            sha = self.db.execute("SELECT sha256 FROM sources WHERE item=? AND idx=?", (p.item, p.idx)).fetchone()[0]
            self.db.execute("DELETE FROM outputs WHERE item=? AND idx=?", (p.item, p.idx))
            self.db.executemany("INSERT INTO outputs (item, idx, kind, path, sha256) VALUES (?,?,?,?,?)",
                                [(p.item, p.idx, kind, path, sha) for kind, path in p.outputs.items()])
        if op is not None:
            self._op(*op)

    def marks(self) -> dict[tuple[str, int], tuple[str, ...]]:
        """Sold-out label lines by (item, index), oldest first."""
        out: dict[tuple[str, int], tuple[str, ...]] = {}
        for item, idx, label in self.db.execute("SELECT item, idx, label FROM marks ORDER BY made, rowid"):
            out[(item, idx)] = out.get((item, idx), ()) + (label,)
        return out

    def set_marks(self, item: str, marks: dict[int, tuple[str, ...]]) -> None:
        """Replace the labels of ``item``'s images with ``marks`` (index -> lines)."""
        with self._tx():
            self._set_marks(item, marks)

    def _set_marks(self, item: str, marks: dict[int, tuple[str, ...]]) -> None:
        now = time.time()
        self.db.execute("DELETE FROM marks WHERE item=?", (item,))
        self.db.executemany("INSERT OR IGNORE INTO marks (item, idx, label, made) VALUES (?,?,?,?)",
                            [(item, idx, label, now + n * 1e-6) for idx, labels in marks.items()
                             for n, label in enumerate(labels)])

    def rendered(self, item: str, idx: int, profile_fp: str, decoration: str | None) -> None:
        """An output re-rendered in place: what it now carries."""
        with self._tx():
            self._rendered(item, idx, profile_fp, decoration)

    def _rendered(self, item: str, idx: int, profile_fp: str, decoration: str | None) -> None:
        self.db.execute("UPDATE sources SET profile_fp=?, decoration=?, updated=? WHERE item=? AND idx=?",
                        (profile_fp, decoration, time.time(), item, idx))

    def mark_done(self, item: str, marks: dict[int, tuple[str, ...]],
                  renders: list[tuple[int, str, str | None]], op: tuple[str, str, str]) -> None:
        """``imgkit mark``: the item's labels, what each re-rendered image carries, the op: at once."""
        with self._tx():
            self._set_marks(item, marks)
            for idx, fp, decoration in renders:
                self._rendered(item, idx, fp, decoration)
            self._op(*op)

    def renumber(self, item: str, moves: dict[int, int], retired: list[int], paths: dict[tuple[int, str], str],
                 renders: dict[int, tuple[str, str | None]], op: tuple[str, str, str]) -> None:
        """Prune and renumber, at once: drop the ``retired`` slots, move slot ``old`` to
        ``moves[old]`` (its outputs and marks follow it), give the outputs their new ``paths``
        ((index, kind) -> path) and record what each re-rendered index now carries."""
        with self._tx():
            for table in ("sources", "outputs", "marks"):
                self.db.executemany(f"DELETE FROM {table} WHERE item=? AND idx=?", [(item, i) for i in retired])
                # through negative indices: a permutation never meets a taken (item, idx)
                self.db.executemany(f"UPDATE {table} SET idx=? WHERE item=? AND idx=?",
                                    [(-new - 1, item, old) for old, new in moves.items()])
                self.db.execute(f"UPDATE {table} SET idx = -idx - 1 WHERE item=? AND idx < 0", (item,))
            self.db.executemany("UPDATE outputs SET path=? WHERE item=? AND idx=? AND kind=?",
                                [(path, item, idx, kind) for (idx, kind), path in paths.items()])
            for idx, (fp, decoration) in renders.items():
                self._rendered(item, idx, fp, decoration)
            self._op(*op)

    def restore(self, record: ItemRecord, *, forget_op: str | None = None) -> None:
        """Put an item's rows back as ``record`` holds them (undo), dropping ``forget_op``."""
        with self._tx():
            for table, rows in (("sources", record.sources), ("outputs", record.outputs),
                                ("marks", record.marks)):
                self.db.execute(f"DELETE FROM {table} WHERE item=?", (record.item,))
                if table == "sources":
                    rows = [_current_source_row(r) for r in rows]
                if rows:
                    marks = ",".join("?" * len(rows[0]))
                    self.db.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
            if forget_op:
                self.db.execute("DELETE FROM ops WHERE id=?", (forget_op,))

    def calibration_figures(self, figures: dict[str, tuple[float | None, float | None]]) -> None:
        """Record, for every slot made with one of these calibrations (by id), its ΔE2000
        (leave-one-out, in-sample): fills in what a state from before schema 3 lacks."""
        with self._tx():
            self.db.executemany(
                "UPDATE sources SET delta_e=?, delta_e_fit=? WHERE calibration=?"
                " AND (delta_e IS NOT ? OR delta_e_fit IS NOT ?)",
                [(loo, fit, cal, loo, fit) for cal, (loo, fit) in figures.items()])

    def exports(self, platform: str) -> dict[str, ExportRow]:
        """The pack files of ``platform`` by name."""
        return {r.name: r for r in export_rows(self.db) if r.platform == platform}

    def record_exports(self, done: list[ExportRow], removed: list[tuple[str, str]]) -> None:
        """Pack files made (or refused) and ``removed`` (platform, name), in one transaction."""
        with self._tx():
            now = time.time()
            self.db.executemany("DELETE FROM exports WHERE platform=? AND name=?", removed)
            self.db.executemany(f"INSERT OR REPLACE INTO exports ({_EXPORT_COLUMNS}, made) "
                                f"VALUES ({','.join('?' * (len(fields(ExportRow)) + 1))})",
                                [(*astuple(r), now) for r in done])

    def put_files(self, files: list[FileRow]) -> None:
        with self._tx():
            self._put_files(files, time.time())

    def _put_files(self, files: list[FileRow], now: float) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO files (path, size, mtime_ns, sha256, status, reason, profile_fp, seen)"
            " VALUES (?,?,?,?,?,?,?,?)",
            [(*astuple(f), now) for f in files])

    def _op(self, op_id: str, kind: str, item: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO ops (id, kind, item, made) VALUES (?,?,?,?)",
                        (op_id, kind, item, time.time()))

    def _tx(self):
        return _Transaction(self.db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, *_):
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
        return False
