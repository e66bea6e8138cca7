"""``imgkit export``: plan every platform's packs against the state, make what is stale in
workers (one job per item), put the files in place and record them.

A file appears atomically (temporary name, then rename); a file it replaces, and a file whose
slot is gone (pruned, renumbered away, an item no longer in the tree), goes to
``OUT/.imgkit/history/export/<run>/<platform>/<name>`` first. Bytes equal to the file in place
are not written again, so a second export with nothing changed writes nothing, and a photo
re-shot in one slot re-makes only the files that show it (and the description's slices that
changed). The state is written per item after its files are in place: a run killed half way
is completed by the next, which finds the bytes already there.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from imgkit.colour.calibration_file import calibration_id
from imgkit.errors import ConfigError
from imgkit.export import names
from imgkit.export.encode import encoder_id
from imgkit.export.plan import Slot, Target, Unit, settings_hash, units, up_to_date
from imgkit.export.platforms import load_targets
from imgkit.export.white import plate_hash, plate_of
from imgkit.export.work import ItemDone, ItemJob, Made, run_item
from imgkit.naming import natural_key
from imgkit.profile import Profile
from imgkit.profile.fingerprint import Fingerprint
from imgkit.store.files import atomic_write, move_into_place, remove_temps, sha256_bytes, sha256_file
from imgkit.store.state import ExportRow, State
from imgkit.store.tree_profile import judging_profile
from imgkit.tree.published import open_tree


@dataclass
class FileDone:
    platform: str
    item: str
    name: str
    kind: str
    status: str                 # written, unchanged
    bytes: int
    quality: int | None
    encoder: str | None
    ssim: float | None = None
    figures: dict | None = None   # the white image's cut-out: method, measures, scale, placed box


@dataclass
class ExportSummary:
    out: Path
    shop: Profile
    targets: list[Target]
    files: list[FileDone] = field(default_factory=list)
    refused: list[tuple[str, str, str, str]] = field(default_factory=list)   # platform, item, name, reason
    skipped: list[tuple[str, str, str]] = field(default_factory=list)        # platform, item, reason
    removed: list[tuple[str, str]] = field(default_factory=list)             # platform, name
    elapsed: float = 0.0
    ms: dict[str, float] = field(default_factory=dict)                       # item -> worker time

    def count(self, status: str) -> int:
        return sum(f.status == status for f in self.files)

    @property
    def ok(self) -> bool:
        return not self.refused and not self.skipped


Event = Callable[[str, str], None]


def export(out: Path, specs: str, *, items: Path | None = None, workers: int = 0,
           on_event: Event = lambda kind, line: None) -> ExportSummary:
    """Every platform of ``specs`` (``--for``) for every item of OUT; see the module's text."""
    start = time.perf_counter()
    if not (out / ".imgkit" / "state.sqlite").is_file():
        raise ConfigError(f"{out}: not an imgkit output folder (no .imgkit/state.sqlite); run imgkit build first")
    shop, _ = judging_profile(out, None)
    loaded = load_targets(specs)
    enc = encoder_id()
    targets = [Target(p, prof.export, prof.name, settings_hash(shop, prof.export, enc)) for p, prof in loaded]
    flat = [t for t in targets if t.exp.layout == "flat"]
    sheet = names.find_sheet(out, shop, items) if flat else None
    keys = names.item_keys(sheet, shop, tuple(dict.fromkeys(c for t in flat for c in t.exp.key_columns)))
    has_columns = keys is not None
    summary = ExportSummary(out, shop, targets)
    with open_tree(out, "export", lambda line: on_event("note", line)) as state:
        for t in targets:   # what a killed export left half written
            for folder in [out / "export" / t.platform, *(out / "export" / t.platform).rglob("*")]:
                if folder.is_dir():
                    remove_temps(folder)
        slots = _slots(out, state, shop)
        jobs, kept = _plan(out, state, shop, targets, slots, keys or {}, sheet, summary, on_event, has_columns)
        by_platform = {t.platform: t for t in targets}
        stamp = f"{time.time_ns()}"
        for done in _execute(jobs, shop, by_platform, workers):
            summary.ms[done.item] = done.ms
            _publish(out, state, done, by_platform, kept, stamp, summary, on_event)
        if jobs or summary.removed:
            _refresh_page(out, state, shop)
    summary.elapsed = time.perf_counter() - start
    return summary


def _slots(out: Path, state: State, shop: Profile) -> dict[str, list[Slot]]:
    """Every item's published images, with the raw copy and calibration they were made from."""
    cal_paths = {calibration_id(p): p for p in sorted((out / "calibration").glob("*.json"))}
    outputs = state.outputs()
    found: dict[str, list[Slot]] = {}
    for (item, idx), s in sorted(state.sources().items()):
        if s.status != "done" or "raw" not in outputs.get((item, idx), {}):
            continue
        fp = Fingerprint.parse(s.profile_fp or "")
        if fp.profile != shop.fingerprint:
            raise ConfigError(f"{out}: {item}-{idx:02d} was built with another profile than {shop.name} "
                              f"({shop.path}) or before its settings changed; run imgkit build first")
        cal = ""
        if fp.calibration:
            if fp.calibration not in cal_paths:
                raise ConfigError(f"{out}: the colour calibration {fp.calibration} of {item}-{idx:02d} is not in "
                                  f"{out / 'calibration'}; run imgkit build again first")
            cal = str(cal_paths[fp.calibration])
        found.setdefault(item, []).append(Slot(idx, s.sha256, outputs[(item, idx)]["raw"], s.path, cal,
                                               fp.calibration, s.decoration or ""))
    return {item: found[item] for item in sorted(found, key=natural_key)}


def _plan(out: Path, state: State, shop: Profile, targets: list[Target], slots: dict[str, list[Slot]],
          keys: dict[str, str], sheet: Path | None, summary: ExportSummary, on_event: Event,
          has_columns: bool = True) -> tuple[list[ItemJob], dict[str, dict[str, ExportRow]]]:
    """Jobs for what is stale; up-to-date files counted; files of units that are gone removed."""
    todo: dict[str, list[Unit]] = {}
    kept: dict[str, dict[str, ExportRow]] = {}
    stamp = f"{time.time_ns()}-gone"
    plates: dict[str, str] = {}
    for t in targets:
        rows = state.exports(t.platform)
        kept[t.platform] = rows
        root = out / "export" / t.platform
        planned: set[str] = set()
        detail_items: set[str] = set()
        taken: dict[str, str] = {}
        for item, item_slots in slots.items():
            key = ""
            if t.exp.layout == "flat":
                key = keys.get(item, "")
                problem = names.key_problem(item, key, t.exp.key_columns, sheet, taken, has_columns=has_columns)
                if problem:
                    summary.skipped.append((t.platform, item, problem))
                    on_event("skipped", f"{t.platform} {item}: {problem}")
                    continue
                taken[key.upper()] = item
            plate = ""
            if t.exp.white_index:
                first = min(item_slots, key=lambda s: s.index)
                if first.source not in plates:
                    plates[first.source] = plate_hash(plate_of(first.source))
                plate = plates[first.source]
            for unit in units(t, item, item_slots, key, shop, plate):
                if unit.kind == "detail":
                    detail_items.add(item)
                else:
                    planned.add(unit.name)
                mine = up_to_date(unit, t.settings, rows, root)
                if mine is None:
                    todo.setdefault(item, []).append(unit)
                    continue
                for r in mine:
                    if r.sha256 is None:
                        summary.refused.append((t.platform, item, r.name, r.reason or ""))
                        on_event("refused", f"{t.platform} {item} {r.name}: {r.reason}")
                    else:
                        summary.files.append(FileDone(t.platform, item, r.name, r.kind, "unchanged", r.bytes or 0,
                                                      r.quality, r.encoder))
        gone = [r for r in rows.values() if r.name not in planned
                and not (r.kind == "detail" and r.item in detail_items)]
        _remove(out, state, t.platform, gone, stamp, summary, on_event)
    jobs = [ItemJob(item, out, tuple(slots[item]), tuple(us)) for item, us in todo.items()]
    return jobs, kept


def _execute(jobs: list[ItemJob], shop: Profile, targets: dict[str, Target], workers: int) -> Iterator[ItemDone]:
    """Results as they finish: in this process for one worker, else in a process pool (the
    build's worker set-up: Ctrl-C left to the main process, the OUT lock dropped)."""
    from imgkit.engine.session import _worker_start, cpu_count
    run = partial(run_item, shop=shop, targets=targets)
    workers = workers or cpu_count()
    if workers == 1 or len(jobs) <= 1:
        yield from map(run, jobs)
        return
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), initializer=_worker_start) as pool:
        futures = [pool.submit(run, job) for job in jobs]
        for future in as_completed(futures):
            yield future.result()


def _refresh_page(out: Path, state: State, shop: Profile) -> None:
    """report.html again, now with the packs: the last build's run (report.json), the listing
    judged from the headers, as a build writes it; nothing without a build's report."""
    from imgkit.checks.validate import as_dict, validate
    from imgkit.report.dashboard import write_build_page
    from imgkit.report.report_json import read_report
    report = read_report(out)
    if report is None:
        return
    view = state.view()
    write_build_page(report, as_dict(validate(out, shop, pixels=False, jobs=1, view=view)), out, view, None)


def _history(out: Path, stamp: str, platform: str, name: str) -> Path:
    return out / ".imgkit" / "history" / "export" / stamp / platform / name


def _remove(out: Path, state: State, platform: str, rows: list[ExportRow], stamp: str,
            summary: ExportSummary, on_event: Event) -> None:
    """Files whose unit is gone go to history; their rows are dropped."""
    for r in rows:
        path = out / "export" / platform / r.name
        if path.is_file():
            move_into_place(path, _history(out, stamp, platform, r.name))
            summary.removed.append((platform, r.name))
            on_event("removed", f"export/{platform}/{r.name}")
        _prune_empty(path.parent, out / "export" / platform)
    if rows:
        state.record_exports([], [(platform, r.name) for r in rows])


def _prune_empty(folder: Path, root: Path) -> None:
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _place(out: Path, platform: str, name: str, data: bytes, stamp: str) -> bool:
    """``data`` at the pack's ``name``: False when the same bytes are already there; a file
    with other bytes is kept in history first (a hard link: it stays in place until replaced)."""
    path = out / "export" / platform / name
    sha = sha256_bytes(data)
    if path.is_file():
        if path.stat().st_size == len(data) and sha256_file(path) == sha:
            return False
        keep = _history(out, stamp, platform, name)
        keep.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, keep)
        except OSError:
            shutil.copy2(path, keep)
    atomic_write(path, data)
    return True


def _publish(out: Path, state: State, done: ItemDone, targets: dict[str, Target],
             kept: dict[str, dict[str, ExportRow]], stamp: str, summary: ExportSummary, on_event: Event) -> None:
    rows: list[ExportRow] = []
    removed: list[tuple[str, str]] = []
    for note in done.notes:
        on_event("note", f"{done.item}: {note}")
    made_names: dict[tuple[str, str], set[str]] = {}
    for m in done.made:
        t = targets[m.unit.platform]
        made_names.setdefault((t.platform, m.unit.kind), set()).add(m.name)
        rows.append(_row(t, m))
        if m.data is None:
            summary.refused.append((t.platform, done.item, m.name or m.unit.label, m.reason or ""))
            on_event("refused", f"{t.platform} {done.item} {m.name or m.unit.label}: {m.reason}")
            old = kept[t.platform].get(m.name) if m.name else None
            if old is not None and old.sha256 is not None:   # no stale image where a refused one goes
                _remove_file(out, t.platform, m.name, stamp, summary, on_event)
            continue
        status = "written" if _place(out, t.platform, m.name, m.data, stamp) else "unchanged"
        summary.files.append(FileDone(t.platform, done.item, m.name, m.unit.kind, status, len(m.data), m.quality,
                                      m.encoder, m.ssim, m.figures or None))
        if status == "written":
            on_event("written", f"export/{t.platform}/{m.name} ({len(m.data):,} bytes, q {m.quality})")
    for (platform, kind), made in made_names.items():   # slices of a longer description before
        if kind != "detail":
            continue
        for r in kept[platform].values():
            if r.item == done.item and r.kind == "detail" and r.name not in made:
                _remove_file(out, platform, r.name, stamp, summary, on_event)
                removed.append((platform, r.name))
    state.record_exports(rows, removed)


def _remove_file(out: Path, platform: str, name: str, stamp: str, summary: ExportSummary, on_event: Event) -> None:
    path = out / "export" / platform / name
    if path.is_file():
        move_into_place(path, _history(out, stamp, platform, name))
        summary.removed.append((platform, name))
        on_event("removed", f"export/{platform}/{name}")


def _row(t: Target, m: Made) -> ExportRow:
    u = m.unit
    name = m.name or f"{u.item}/detail/{u.item}-detail-refused"
    if m.data is None:
        return ExportRow(t.platform, name, u.item, u.kind, u.made_from, t.settings, reason=m.reason)
    return ExportRow(t.platform, name, u.item, u.kind, u.made_from, t.settings, sha256_bytes(m.data), len(m.data),
                     m.quality, m.encoder)
