"""The hot folder: watchdog events (or polling) feed settled files into the build runner.

Events only say "look at this path". A file is taken once its size and mtime have stayed
the same for the settle time; an item is taken once all its pending files have settled, so
a folder dropped at once becomes one batch with indices in capture order. The state
decides what is new: duplicate events, renames and restarts cause no repeated work. A
periodic rescan catches anything events missed, and the observer is restarted when the
inbox disappears and comes back (a NAS share unmounted, a folder deleted and recreated).
"""

from __future__ import annotations

import os
import queue
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from imgkit.detail import product_sheet as sheets
from imgkit.detail.product_sheet import ProductSheet
from imgkit.engine.scan import Candidate, Refusal, classify, order, sort_into
from imgkit.engine.session import Session, Summary
from imgkit.errors import ConfigError, OutputError
from imgkit.outcome import Outcome
from imgkit.profile import Profile
from imgkit.report.html_page import write_live_stamp
from imgkit.store.state import FileRow


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    since: float          # monotonic time the (size, mtime) pair was first seen


class _Handler(FileSystemEventHandler):
    def __init__(self, events: queue.SimpleQueue):
        self.events = events

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        if event.event_type in ("deleted", "moved") and not event.is_directory:
            # a file gone (or renamed away): noted as gone (it matters for the product sheet)
            self.events.put((os.fsdecode(event.src_path), False))
        if event.event_type == "deleted":
            return
        path = event.dest_path if event.event_type == "moved" else event.src_path
        if path:
            self.events.put((os.fsdecode(path), event.is_directory))


class Watcher:
    def __init__(self, inbox: Path, out: Path, profile: Profile, *, jobs: int = 0, polling: bool = False,
                 settle: float = 2.0, poll_interval: float = 1.0, rescan: float = 30.0,
                 log: Callable[[str], None] = print, on_event=lambda kind, data: None, prune: bool = False):
        """``prune``: retire published images whose source is deleted, as batches settle."""
        self.inbox, self.out, self.profile = inbox, out, profile
        self.jobs, self.polling, self.settle = jobs, polling, settle
        self.poll_interval, self.rescan_every, self.log = poll_interval, rescan, log
        self.on_event = on_event
        self.prune = prune
        self.gone_seen: set[tuple[str, int, str]] = set()   # gone images already reported
        self.gone_check = False   # a known photo disappeared: look for gone images once all settles
        self.events: queue.SimpleQueue = queue.SimpleQueue()
        self.pending: dict[Path, _Seen] = {}
        self.known: dict[str, FileRow] = {}
        self.refused: dict[Path, tuple[int, int]] = {}   # reported refusals, by (size, mtime)
        # chart photos already calibrated (or found chartless), by (size, mtime): the state
        # records photos only, and without this every look at the inbox redid the charts
        self.charts: dict[Path, tuple[int, int]] = {}
        self.outcomes: dict[str, Outcome] = {}
        self.observer = None
        self.available: bool | None = None     # None until first looked at
        self.inbox_id: tuple[int, int] | None = None
        self.next_rescan = 0.0
        self.started = time.monotonic()
        self.started_at = time.time()
        self.sheet_path = inbox / profile.sheet.file if profile.sheet.file else None
        self.sheet: ProductSheet | None = None
        self.sheet_stamp: tuple[int, int] | None = None   # (size, mtime) of the sheet last read
        self.sheet_gone: float | None = None   # when the sheet in use was seen deleted

    def _event(self, kind: str, data) -> None:
        """Each gone image is said once, not again after every batch."""
        if kind == "gone":
            key = (data.item, data.index, data.source)
            if key in self.gone_seen:
                return
            self.gone_seen.add(key)
        self.on_event(kind, data)

    # the loop ---------------------------------------------------------------------------
    def run(self, stop: threading.Event) -> dict[str, Outcome]:
        with Session(self.out, self.profile, jobs=self.jobs, on_event=self._event, prune=self.prune,
                     command="watch") as session:
            self.known = session.state.files()
            if self.sheet_path and self.sheet_path.is_file():  # before the backlog: no render twice
                st = self.sheet_path.stat()
                self._read_sheet(_Seen(st.st_size, st.st_mtime_ns, 0.0), replan=False)
            kind = f"polling every {self.poll_interval:g} s" if self.polling else "native events"
            self.log(f"watching {self.inbox} ({kind}, settle {self.settle:g} s) -> {self.out}")
            while not stop.is_set():
                if not self._supervise():
                    stop.wait(1.0)
                    continue
                self._drain()
                batch = self._ready()
                if batch:
                    self._process(session, batch)
                    continue
                stop.wait(0.1)
            self._stop_observer()
            # a report.html open in a browser stops reloading itself and says the watch ended
            write_live_stamp(self.out / "report.html", None, watching=False)
        return self.outcomes

    def _supervise(self) -> bool:
        """Keep the observer running while the inbox exists; False while it is unavailable."""
        try:
            st = os.stat(self.inbox)
            ident = (st.st_dev, st.st_ino) if stat.S_ISDIR(st.st_mode) else None
        except OSError:
            ident = None
        if ident is None:
            if self.available is not False:
                self.log(f"inbox {self.inbox} is unavailable; retrying every second")
                self._stop_observer()
                self.available = False
            return False
        if self.available is False:
            self.log(f"inbox {self.inbox} is back")
        elif self.available and ident != self.inbox_id:
            self.log(f"inbox {self.inbox} was replaced; watching the new folder")
        elif self.observer is not None and not self.observer.is_alive():
            self.log("the file observer stopped; restarting it")
        if ident != self.inbox_id or self.observer is None or not self.observer.is_alive():
            self._stop_observer()
            self._start_observer()
            self.inbox_id, self.next_rescan = ident, 0.0
        self.available = True
        if time.monotonic() >= self.next_rescan:  # the backlog at start, then a safety net
            self._walk(self.inbox)
            self.next_rescan = time.monotonic() + self.rescan_every
        return True

    def _start_observer(self) -> None:
        observer = PollingObserver(timeout=self.poll_interval) if self.polling else Observer()
        observer.schedule(_Handler(self.events), str(self.inbox), recursive=True)
        try:
            observer.start()
        except OSError as exc:
            self.log(f"cannot watch {self.inbox}: {exc}; retrying")
            return
        self.observer = observer

    def _stop_observer(self) -> None:
        if self.observer is not None:
            try:
                self.observer.stop()
                self.observer.join(timeout=5)
            except Exception:  # an observer that already died on a vanished share
                pass
            self.observer = None

    # pending files ----------------------------------------------------------------------
    def _drain(self) -> None:
        while True:
            try:
                path, is_dir = self.events.get_nowait()
            except queue.Empty:
                return
            if is_dir:
                self._walk(Path(path))
            else:
                self._note(Path(path))

    def _walk(self, folder: Path) -> None:
        for here, dirs, names in os.walk(folder):
            dirs[:] = [d for d in dirs if not Path(here, d).resolve() == self.out]
            for name in names:
                self._note(Path(here, name))

    def _note(self, path: Path) -> None:
        try:
            st = path.lstat()
        except OSError:
            self.pending.pop(path, None)
            if str(path) in self.known:   # a photo deleted or moved away: gone, unless it reappears
                self.gone_check = True
            if path == self.sheet_path and self.sheet is not None and self.sheet_gone is None:
                self.sheet_gone = time.monotonic()   # dropped once it has stayed away a settle period
            return
        if path == self.sheet_path:
            self.sheet_gone = None   # back (an editor's delete-and-write save)
        if not path.is_relative_to(self.inbox) or path.is_relative_to(self.out):
            return
        if path == self.sheet_path and self.sheet_stamp == (st.st_size, st.st_mtime_ns):
            return
        row = self.known.get(str(path))
        if row is not None and (row.size, row.mtime_ns) == (st.st_size, st.st_mtime_ns) \
                and (row.status != "rejected" or row.profile_fp == self.profile.fingerprint):
            return
        if self.refused.get(path) == (st.st_size, st.st_mtime_ns) or \
                self.charts.get(path) == (st.st_size, st.st_mtime_ns):
            return
        seen = self.pending.get(path)
        if seen is None or (seen.size, seen.mtime_ns) != (st.st_size, st.st_mtime_ns):
            self.pending[path] = _Seen(st.st_size, st.st_mtime_ns, time.monotonic())

    def _ready(self) -> tuple[list[Candidate], list[Refusal]] | None:
        """Files of items whose every pending file has settled; None when there are none."""
        now = time.monotonic()
        if self.sheet_gone is not None and now - self.sheet_gone >= self.settle:
            self._drop_sheet()
        by_item: dict[str, list[Candidate | Refusal]] = {}
        unsettled: set[str] = set()
        for path in list(self.pending):
            self._note(path)             # refresh size/mtime; drops vanished files
            seen = self.pending.get(path)
            if seen is None:
                continue
            if path == self.sheet_path:
                if now - seen.since >= self.settle:
                    del self.pending[path]
                    self._read_sheet(seen)
                continue
            what = classify(self.inbox, path, self.profile)
            if what is None:
                del self.pending[path]
                continue
            key = what.item if isinstance(what, Candidate) else f"\0{path}"
            by_item.setdefault(key, []).append(what)
            if now - seen.since < self.settle:
                unsettled.add(key)
        found: list[Candidate] = []
        refused: list[Refusal] = []
        for key, whats in by_item.items():
            if key in unsettled:
                continue
            for what in whats:
                del self.pending[what.path]
                sort_into(what, found, refused)
        if found or refused:
            return order(found), refused
        if self.gone_check and not self.pending:   # every move has landed: what is left is gone
            self.gone_check = False
            return [], []
        return None

    def _read_sheet(self, seen: _Seen, *, replan: bool = True) -> None:
        """A new or changed product sheet: every photo is planned again (``replan``), so the
        images whose facts or captions changed are re-rendered (and only those)."""
        try:
            self.sheet = sheets.load(self.sheet_path, self.profile)
            self.log(f"product sheet {self.sheet_path.name}: {len(self.sheet.rows)} items")
            for note in self.sheet.notes:   # text that cannot be drawn, banned words
                self.log(f"warning: {note}")
        except ConfigError as exc:
            self.log(f"error: {exc}; keeping the sheet read before")
        self.sheet_stamp = (seen.size, seen.mtime_ns)
        if replan:
            self.known = {}
            self._walk(self.inbox)

    def _drop_sheet(self) -> None:
        """The product sheet was deleted: its facts and captions go, every photo is planned again."""
        self.sheet_gone = None
        if self.sheet_path.exists():
            return
        self.sheet, self.sheet_stamp = None, None
        self.log(f"product sheet {self.sheet_path.name} removed: the images go back to plain")
        self.known = {}
        self._walk(self.inbox)

    def _process(self, session: Session, batch: tuple[list[Candidate], list[Refusal]]) -> None:
        found, refused = batch
        for r in refused:
            try:
                st = r.path.lstat()
                self.refused[r.path] = (st.st_size, st.st_mtime_ns)
            except OSError:
                pass
        try:
            # retire only once nothing is pending: a photo moved to another folder may still be settling
            outcomes = session.run(found, refused, self.sheet, prune=self.prune and not self.pending)
        except OutputError as exc:  # the files stay unknown to the state: a rescan retries them
            self.log(f"error: {exc}")
            self.next_rescan = time.monotonic() + max(self.rescan_every, 10.0)
            return
        for o in outcomes:
            self.outcomes[o.source] = o
        self.charts.update({c.path: (c.size, c.mtime_ns) for c in found if c.role == "chart"})
        if any(o.status == "chart" for o in outcomes):
            # a new chart changes how its item (or the session) renders: look at every photo
            # again; the plan re-renders just the ones whose calibration changed
            self.known = {}
            self._walk(self.inbox)
        self.known = session.state.files()
        done = [(s.item, s.idx) for s in session.state.sources().values() if s.status == "done"]
        warnings = sheets.warnings(self.sheet, {item for item, _ in done}, done, profile=self.profile) \
            if self.sheet is not None else []    # for the report only: a line per batch would repeat them
        summary = Summary(self.inbox, self.out, self.profile, list(self.outcomes.values()),
                          time.monotonic() - self.started, warnings=warnings, gone=session.gone,
                          renames=session.renames, command="watch", started=self.started_at)
        try:
            session.report(summary)
        except OSError as exc:
            self.log(f"error: report.json not written: {exc.strerror or exc}")
