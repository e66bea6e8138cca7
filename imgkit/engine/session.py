"""scan → plan → execute (serial or a process pool) → publish → record.

``build`` is the whole batch; ``watch`` feeds the same ``build`` with an inbox. Planning
decides from the state what needs work; workers decode and stage; publishing gives each
new photo of an item the next free index in ``[naming] order``, records it, and renames the
staged files into place. Published images whose source is gone are reported, and retired
with ``prune`` (the item closing up).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import signal
import sqlite3
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from imgkit.detail import product_sheet as sheets
from imgkit.detail.decoration import Decorations
from imgkit.detail.product_sheet import ProductSheet
from imgkit.engine import chart_photos as charts
from imgkit.engine.plan import make_plan
from imgkit.engine.publish import Publisher
from imgkit.engine.scan import Candidate, Refusal, same_spelling, scan
from imgkit.engine.work import Job, Result, finish, process
from imgkit.errors import ConfigError, OutputError
from imgkit.outcome import Outcome
from imgkit.profile import Profile
from imgkit.report.report_json import read_report, write_report
from imgkit.store import tree_profile
from imgkit.store.files import remove_temps
from imgkit.store.history import recover
from imgkit.store.lock import forget_inherited, locked
from imgkit.store.state import State


@dataclass(frozen=True)
class Gone:
    """A published image whose source no longer exists (or now belongs to another item)."""

    item: str
    index: int
    output: str         # the detail image, relative to OUT
    source: str
    retired: bool = False   # by --prune: its files are in history, the item closed up

    def as_json(self) -> dict:
        return {"item": self.item, "index": self.index, "output": self.output, "source": self.source,
                "retired": self.retired}


@dataclass
class Summary:
    src: Path
    out: Path
    profile: Profile
    outcomes: list[Outcome] = field(default_factory=list)
    elapsed: float = 0.0
    warnings: list[str] = field(default_factory=list)   # not failures: e.g. an item with no sheet row
    gone: list[Gone] = field(default_factory=list)
    renames: list[str] = field(default_factory=list)    # "A1001-06 -> A1001-05" (prune)
    command: str = "build"                              # or "watch": what the report says it was
    started: float = field(default_factory=time.time)   # epoch seconds (a watch: since when it runs)

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def ok(self) -> bool:
        return not any(o.status == "rejected" or o.problems for o in self.outcomes)


#: errors after which no further output can be written: stop the batch, not file by file
OUT_OF_ROOM = {errno.ENOSPC, errno.EDQUOT, errno.EROFS}


_ENOSPC = os.strerror(errno.ENOSPC)


def disk_full(path: Path) -> bool:
    """SQLite says "disk I/O error" when it cannot even create its WAL on a full disk."""
    try:
        return shutil.disk_usage(path).free < (1 << 20)
    except OSError:
        return False


def default_out(src: Path) -> Path:
    src = src.resolve()
    return src.parent / f"{src.name}-out"


def resolve_paths(src: Path, out: Path | None) -> tuple[Path, Path]:
    src = src.resolve()
    if not src.is_dir():
        raise ConfigError(f"{src}: not a folder")
    out = (out or default_out(src)).resolve()
    if out == src:
        raise ConfigError(f"{out}: the output folder must not be the source folder")
    if out.is_relative_to(src):
        raise ConfigError(f"the output folder {out} is inside the source folder {src}: the next run would "
                          f"take the outputs for photos; choose an OUT beside SRC")
    if src.is_relative_to(out):
        raise ConfigError(f"the source folder {src} is inside the output folder {out}; choose an OUT beside SRC")
    return src, out


class Session:
    """The OUT side of a run: the lock, the state and the staging folder, held while open.

    ``build`` opens one for one batch; ``watch`` keeps one open and feeds it batch after
    batch. ``run`` takes scanned files through plan → execute → publish.
    """

    def __init__(self, out: Path, profile: Profile, *, jobs: int = 0,
                 on_event: Callable[[str, object], None] = lambda kind, data: None,
                 executor: str = "local", scheduler: str | None = None, calibration: Path | None = None,
                 prune: bool = False, command: str = "build"):
        """``prune``: retire gone images after each run (the item closes up); ``command``: who
        holds OUT, as the lock tells another imgkit."""
        self.out, self.profile, self.jobs, self.on_event = out, profile, jobs, on_event
        self.prune = prune
        self.gone: list[Gone] = []         # as the last run found them
        self.renames: list[str] = []       # made by the last run's prune
        self.executor, self.scheduler = executor, scheduler
        self.override = calibration
        self.calibrations: dict = {}   # scope -> CalibrationUse, kept across watch batches
        self.staging = out / ".imgkit" / "staging"
        self._lock = locked(out / ".imgkit" / "lock", command)   # who holds OUT, for another imgkit
        self.state: State | None = None

    def __enter__(self) -> Session:
        try:
            self._lock.__enter__()
        except OSError as exc:
            raise ConfigError(f"{self.out}: cannot write the output folder ({exc.strerror or exc})") from None
        try:
            self.state = State(self.out / ".imgkit" / "state.sqlite")
            shutil.rmtree(self.staging, ignore_errors=True)  # leftovers of a killed run
            self.staging.mkdir(parents=True)
            for line in recover(self.out, self.state):   # an operation a killed run left half done
                self.on_event("warning", line)
            tree_profile.record(self.out, self.profile)  # what validate judges this tree with
            for folder in (self.out, self.out / "calibration"):   # a report or calibration being written
                remove_temps(folder)
        except (OSError, sqlite3.Error) as exc:
            self._lock.__exit__(None, None, None)
            why = _ENOSPC if disk_full(self.out) else getattr(exc, "strerror", None) or exc
            raise ConfigError(f"{self.out}: cannot write the output folder ({why})") from None
        except BaseException:
            self._lock.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self.state is not None:
                self.state.close()
            shutil.rmtree(self.staging, ignore_errors=True)
        finally:
            self._lock.__exit__(*exc)

    def report(self, summary: Summary) -> None:
        """report.json, and report.html when due: the run, the tree judged from its headers
        and the tree's state read through this session's own connection."""
        previous = read_report(self.out)
        report, due = write_report(summary, previous)
        if due:
            # imported here: Pillow and numpy cost a run with nothing to do 0.2 s of start-up
            from imgkit.checks.validate import as_dict, validate
            from imgkit.report.dashboard import write_build_page
            view = self.state.view()
            data = as_dict(validate(self.out, self.profile, pixels=False, jobs=1, view=view))
            write_build_page(report, data, self.out, view, previous)

    def run(self, candidates: list[Candidate], refusals: list[Refusal],
            sheet: ProductSheet | None = None, *, prune: bool | None = None) -> list[Outcome]:
        """``sheet``: the product sheet whose facts and captions decorate the detail images;
        ``prune``: this run retires gone images (default: as the session was opened)."""
        outcomes = [Outcome(str(r.path), r.status, reason=r.reason) for r in refusals]
        try:
            return self._run(candidates, outcomes, sheet, self.prune if prune is None else prune)
        except sqlite3.OperationalError as exc:  # "database or disk is full"
            # a full disk reads the same whichever write met it first: the state's or a file's
            why = _ENOSPC if "full" in str(exc) or disk_full(self.out) else str(exc)
            raise OutputError(f"{self.out}: {why} (cannot record the state); free space and run again") from None
        except OSError as exc:
            if exc.errno in OUT_OF_ROOM:
                raise OutputError(f"{self.out}: {exc.strerror}; free space and run again") from None
            raise

    def _run(self, candidates: list[Candidate], outcomes: list[Outcome], sheet: ProductSheet | None,
             prune: bool) -> list[Outcome]:
        candidates = same_spelling(candidates, {i.casefold(): i for i in self.state.items()})
        photos = [c for c in candidates if c.role != "chart"]
        found, chart_outcomes = charts.resolve([c for c in candidates if c.role == "chart"], self.out,
                                               self.profile, self.override)
        self.calibrations.update(found)
        self.state.calibration_figures(charts.figures(self.calibrations))   # states from before schema 3
        outcomes += chart_outcomes
        calibration_for = partial(charts.for_item, self.calibrations)
        decorations = Decorations(self.profile, sheet, self.state.marks())
        plan = make_plan(photos, self.state, self.profile, self.out, calibration_for, decorations)
        outcomes += plan.outcomes
        for o in outcomes:
            self.on_event("outcome", o)
        self.state.put_files(plan.files)
        if plan.repaths:
            self.state.repath(plan.repaths)
        self.on_event("start", len(plan.jobs))
        publisher = Publisher(self.state, self.profile, self.out, plan, calibration_for, decorations,
                              finish=partial(finish, profile=self.profile))
        pending = Counter(j.item for j in plan.jobs)
        done: dict[str, list[Result]] = defaultdict(list)
        if self.executor == "dask" and plan.jobs:
            from imgkit.engine.dask_executor import execute_dask
            results = execute_dask(plan.jobs, self.profile, self.staging, workers=self.jobs or cpu_count(),
                                   scheduler=self.scheduler)
        else:
            results = execute(plan.jobs, self.profile, self.staging, self.jobs)
        try:
            for result in results:
                if result.errno in OUT_OF_ROOM:  # every further file would fail alike: stop
                    published = sum(o.status == "processed" for o in outcomes)
                    raise OutputError(f"{self.out}: {os.strerror(result.errno)}; stopped after "
                                      f"{published} new files, free space and run again for the rest")
                item = result.job.item
                done[item].append(result)
                pending[item] -= 1
                if not pending[item]:
                    for o in publisher.publish(item, done.pop(item)):
                        outcomes.append(o)
                        self.on_event("outcome", o)
                        for note in o.notes:   # a colour correction that still blows highlights
                            if note.startswith("highlights:"):
                                self.on_event("warning", f"{o.source}: {note}")
        finally:
            results.close()  # cancels the jobs not started
        self._gone(plan, decorations, prune)
        changed = {o.item for o in outcomes if o.status in ("processed", "replaced") and o.item}
        changed |= {g.item for g in self.gone if g.retired}
        if self.profile.page.in_build:  # R5: the description page of every item that changed
            from imgkit.tree.page import render_pages
            render_pages(self.out, sorted(changed), self.profile)
        return outcomes

    def _gone(self, plan, decorations: Decorations, prune: bool) -> None:
        """Report the published images whose source is gone; with ``prune``, retire them and
        close their items up (re-rendering what the new index draws differently)."""
        outputs = self.state.outputs()
        self.gone = [Gone(s.item, s.idx, outputs.get(s.slot, {}).get("detail", ""), s.path) for s in plan.gone]
        self.renames = []
        for g in self.gone:
            self.on_event("gone", g)
        if not (prune and self.gone):
            return
        from imgkit.tree.renumber import resequence

        retired = []
        for item in dict.fromkeys(g.item for g in self.gone):
            retire = [g.index for g in self.gone if g.item == item]
            keep = sorted(s.idx for s in self.state.sources().values()
                          if s.item == item and s.status == "done" and s.idx not in retire)
            marks = {k: v for k, v in self.state.marks().items() if k[0] != item}

            def decorate(new: int, moved: dict[int, tuple[str, ...]], item=item, marks=marks):
                moved_all = {**marks, **{(item, i): labels for i, labels in moved.items()}}
                return Decorations(self.profile, decorations.sheet, moved_all).get(item, new)
            for r in resequence(self.out, self.profile, self.state, item, keep, retire, kind="prune",
                                decorate=decorate):
                line = f"{r.old_name} -> {r.new_name}"
                self.renames.append(line)
                self.on_event("renamed", line)
            retired += [replace(g, retired=True) for g in self.gone if g.item == item]
        self.gone = retired


def build(src: Path, out: Path | None, profile: Profile, *, jobs: int = 0,
          on_event: Callable[[str, object], None] = lambda kind, data: None,
          executor: str = "local", scheduler: str | None = None, calibration: Path | None = None,
          items: Path | None = None, prune: bool = False) -> Summary:
    """``items``: the product sheet, instead of ``SRC/items.csv``; ``prune``: retire published
    images whose source is gone (the item closes up)."""
    start = time.perf_counter()
    src, out = resolve_paths(src, out)
    summary = Summary(src, out, profile)
    sheet = sheets.find(src, profile, items)
    with Session(out, profile, jobs=jobs, on_event=on_event, executor=executor, scheduler=scheduler,
                 calibration=calibration, prune=prune) as session:
        candidates, refusals = scan(src, profile, skip=out, sheet=sheet.path if sheet else None)
        summary.outcomes = session.run(candidates, refusals, sheet)
        summary.gone, summary.renames = session.gone, session.renames
        if sheet is not None:
            summary.warnings = sheets.warnings(sheet, {c.item for c in candidates if c.role != "chart"},
                                               [(s.item, s.idx) for s in session.state.sources().values()],
                                               profile=profile)
            for w in summary.warnings:
                on_event("warning", w)
        summary.elapsed = time.perf_counter() - start
        session.report(summary)
    return summary


def cpu_count() -> int:
    """CPUs this process may run on (a container's share, not the host's count)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def execute(jobs: list[Job], profile: Profile, staging: Path, workers: int) -> Iterator[Result]:
    """Results as they finish: in this process for one worker, else in a process pool.

    A decoder that kills its worker (a segfault in a C library) breaks the pool; the jobs
    not yet finished then run one process each, so only the culprit is rejected.
    """
    run = partial(process, profile=profile, staging=staging)
    workers = workers or cpu_count()
    if workers == 1 or len(jobs) <= 1:
        yield from map(run, jobs)
        return
    left = {id(job): job for job in jobs}
    try:
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), initializer=_worker_start) as pool:
            try:
                futures = {pool.submit(run, job): job for job in jobs}
                for future in as_completed(futures):
                    result = future.result()
                    del left[id(futures[future])]
                    yield result
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
    except BrokenProcessPool:
        for job in left.values():
            yield _isolated(run, job)


def _worker_start() -> None:
    """Ctrl-C reaches the whole process group: workers leave stopping to the main process.
    They drop the inherited OUT lock and die with their parent (Linux), so a killed build
    leaves no worker holding OUT."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    forget_inherited()
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _isolated(run, job: Job) -> Result:
    try:
        with ProcessPoolExecutor(max_workers=1, initializer=_worker_start) as pool:
            return pool.submit(run, job).result()
    except BrokenProcessPool:
        return Result(job, reason="the decoder crashed on this file (worker process died)")
