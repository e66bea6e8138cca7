"""SQLite state in ``OUT/.imgkit/state.sqlite`` (WAL): what was seen, made and refused.

- ``sources``: one row per distinct content (SHA-256): its item, its index (never changes
  once given), status ``publishing`` (outputs being renamed into place) or ``done``, the
  profile fingerprint it was rendered with, and timings.
- ``files``: every path seen in SRC with size and mtime, so an unchanged file is known
  without reading it; status ``source``, ``duplicate`` or ``rejected`` (with the reason).
- ``outputs``: the files made for a source, by kind (detail, raw, master, backup).

``sources.calibration``/``delta_e`` name the colour calibration applied and its mean
ΔE2000 after correction (R8), for validation and the report; ``sources.decoration`` is the
JSON of what is drawn on the detail image (facts panel, caption, sold-out labels).
``marks`` holds the sold-out labels ``imgkit mark`` set, so every later render keeps them.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (
    sha256 TEXT PRIMARY KEY, item TEXT NOT NULL, idx INTEGER NOT NULL, path TEXT NOT NULL,
    size INTEGER NOT NULL, ext TEXT NOT NULL, captured TEXT, status TEXT NOT NULL,
    profile_fp TEXT, first_seen REAL NOT NULL, updated REAL NOT NULL, ms REAL,
    UNIQUE (item, idx));
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, sha256 TEXT,
    status TEXT NOT NULL, reason TEXT, profile_fp TEXT, seen REAL NOT NULL);
CREATE TABLE IF NOT EXISTS outputs (
    sha256 TEXT NOT NULL, kind TEXT NOT NULL, path TEXT NOT NULL, PRIMARY KEY (sha256, kind));
CREATE INDEX IF NOT EXISTS sources_size ON sources (size);
CREATE TABLE IF NOT EXISTS marks (
    item TEXT NOT NULL, idx INTEGER NOT NULL, label TEXT NOT NULL, made REAL NOT NULL,
    PRIMARY KEY (item, idx, label));
"""
#: columns added after the first release: (table, column, type), added when missing
MIGRATIONS = (("sources", "calibration", "TEXT"), ("sources", "delta_e", "REAL"),
              ("sources", "decoration", "TEXT"))


@dataclass(frozen=True)
class SourceRow:
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


@dataclass(frozen=True)
class FileRow:
    path: str
    size: int
    mtime_ns: int
    sha256: str | None
    status: str
    reason: str | None
    profile_fp: str | None = None   # for a rejection: the rules it was judged by


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
class TreeView:
    """What validate, the report and ``page`` read of a tree's state."""

    first_seen: dict[str, float]                              # item -> first time seen
    outputs: dict[str, tuple[str | None, float | None, str | None]]  # detail path -> (calibration, ΔE, decoration)
    published: dict[str, list[tuple[int, str | None]]]        # item -> [(index, decoration)] of done sources


def tree_view(db: sqlite3.Connection) -> TreeView:
    """The view from an open state (an older state's missing columns read as NULL)."""
    first = dict(db.execute("SELECT item, MIN(first_seen) FROM sources GROUP BY item"))
    cols = columns(db, "sources")
    cal, de, deco = (f"s.{c}" if c in cols else "NULL" for c in ("calibration", "delta_e", "decoration"))
    outputs = {p: (c, d, x) for p, c, d, x in db.execute(
        f"SELECT o.path, {cal}, {de}, {deco} FROM outputs o JOIN sources s ON s.sha256 = o.sha256 "
        "WHERE o.kind = 'detail'")}
    published: dict[str, list[tuple[int, str | None]]] = {}
    for item, idx, decoration in db.execute(
            f"SELECT item, idx, {deco.removeprefix('s.')} FROM sources WHERE status = 'done' ORDER BY idx"):
        published.setdefault(item, []).append((idx, decoration))
    return TreeView(first, outputs, published)


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
        self.db.executescript(SCHEMA)
        for table, column, kind in MIGRATIONS:
            have = {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}
            if column not in have:
                self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")

    def view(self) -> TreeView:
        """The read view through this connection (a run's report, inside its session)."""
        return tree_view(self.db)

    def close(self) -> None:
        self.db.close()

    # reads: loaded whole, a shoot is thousands of rows at most
    def sources(self) -> dict[str, SourceRow]:
        rows = self.db.execute("SELECT sha256, item, idx, path, size, ext, captured, status, profile_fp,"
                               " decoration FROM sources")
        return {r[0]: SourceRow(*r) for r in rows}

    def files(self) -> dict[str, FileRow]:
        rows = self.db.execute("SELECT path, size, mtime_ns, sha256, status, reason, profile_fp FROM files")
        return {r[0]: FileRow(*r) for r in rows}

    def outputs(self) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for sha, kind, path in self.db.execute("SELECT sha256, kind, path FROM outputs"):
            out.setdefault(sha, {})[kind] = path
        return out

    # writes: one transaction per batch
    def begin_publish(self, sources: list[SourceRow], files: list[FileRow]) -> None:
        """Record indices before any output is renamed into place, so a crash keeps them."""
        now = time.time()
        with self._tx():
            for s in sources:
                self.db.execute(
                    "INSERT INTO sources (sha256, item, idx, path, size, ext, captured, status, profile_fp,"
                    " decoration, first_seen, updated) VALUES (?,?,?,?,?,?,?,'publishing',?,?,?,?)"
                    " ON CONFLICT (sha256) DO UPDATE SET status='publishing', path=excluded.path,"
                    " profile_fp=excluded.profile_fp, decoration=excluded.decoration, updated=excluded.updated",
                    (s.sha256, s.item, s.idx, s.path, s.size, s.ext, s.captured, s.profile_fp, s.decoration,
                     now, now))
            self._put_files(files, now)

    def finish_publish(self, done: list[tuple[str, dict[str, str], float, str | None, float | None]]) -> None:
        """``done``: (sha256, outputs by kind, ms, calibration id, its mean ΔE2000 after)."""
        with self._tx():
            for sha, outputs, ms, calibration, delta_e in done:
                self.db.execute("UPDATE sources SET status='done', ms=?, updated=?, calibration=?, delta_e=?"
                                " WHERE sha256=?", (ms, time.time(), calibration, delta_e, sha))
                self.db.executemany("INSERT OR REPLACE INTO outputs (sha256, kind, path) VALUES (?,?,?)",
                                    [(sha, kind, path) for kind, path in outputs.items()])

    def marks(self) -> dict[tuple[str, int], tuple[str, ...]]:
        """Sold-out label lines by (item, index), oldest first."""
        out: dict[tuple[str, int], tuple[str, ...]] = {}
        for item, idx, label in self.db.execute("SELECT item, idx, label FROM marks ORDER BY made, rowid"):
            out[(item, idx)] = out.get((item, idx), ()) + (label,)
        return out

    def set_marks(self, item: str, marks: dict[int, tuple[str, ...]]) -> None:
        """Replace the labels of ``item``'s images with ``marks`` (index -> lines)."""
        now = time.time()
        with self._tx():
            self.db.execute("DELETE FROM marks WHERE item=?", (item,))
            self.db.executemany("INSERT OR IGNORE INTO marks (item, idx, label, made) VALUES (?,?,?,?)",
                                [(item, idx, label, now + n * 1e-6) for idx, labels in marks.items()
                                 for n, label in enumerate(labels)])

    def rendered(self, sha: str, profile_fp: str, decoration: str | None) -> None:
        """An output re-rendered in place (``imgkit mark``): what it now carries."""
        with self._tx():
            self.db.execute("UPDATE sources SET profile_fp=?, decoration=?, updated=? WHERE sha256=?",
                            (profile_fp, decoration, time.time(), sha))

    def put_files(self, files: list[FileRow]) -> None:
        with self._tx():
            self._put_files(files, time.time())

    def _put_files(self, files: list[FileRow], now: float) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO files (path, size, mtime_ns, sha256, status, reason, profile_fp, seen)"
            " VALUES (?,?,?,?,?,?,?,?)",
            [(f.path, f.size, f.mtime_ns, f.sha256, f.status, f.reason, f.profile_fp, now) for f in files])

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
