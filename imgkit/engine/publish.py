"""Give an item's new photos their indices, record them, rename staged files into place.

New photos of an item take the next free indices in ``[naming] order`` (file name, or
capture time); a photo rendered again keeps its index; new bytes at a published path
replace that slot's files, the old ones going to history as one operation (undoable).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path

from imgkit.detail.decoration import Decoration, Decorations
from imgkit.engine.plan import Plan
from imgkit.engine.work import Result
from imgkit.naming import natural_key, next_indices, output_name
from imgkit.outcome import Outcome
from imgkit.profile import Profile
from imgkit.store.backup import back_up, backup_root
from imgkit.store.files import move_into_place, sync_dirs
from imgkit.store.history import Operation
from imgkit.store.state import FileRow, Published, SourceRow, State


def publishing_order(profile: Profile):
    """Sort key of new photos: natural file-name order, or capture time then name."""
    if profile.naming.order == "capture":
        return lambda r: (r.captured is None, r.captured or "", natural_key(r.job.rel))
    return lambda r: natural_key(r.job.rel)


class Publisher:
    def __init__(self, state: State, profile: Profile, out: Path, plan: Plan,
                 calibration_for=lambda item: None, decorations: Decorations | None = None, *,
                 finish: Callable[[Result, Decoration], None]):
        """``finish(result, decoration)``: the work step that draws a new photo's decoration once
        its index is known (``work.finish``); the publisher only numbers, records and renames."""
        self.state, self.profile, self.out, self.plan = state, profile, out, plan
        self.calibration_for, self.finish = calibration_for, finish
        self.decorations = decorations or Decorations(profile)
        self._renamed: set[Path] = set()     # folders renamed into, not yet fsynced
        self.sources = plan.sources               # slots, updated as items are published
        self.backup = backup_root(profile, out)

    def publish(self, item: str, results: list[Result]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        rows_now: list[FileRow] = []
        fresh: list[Result] = []
        again: list[Result] = []       # a known slot: rendered again, or replaced
        shown = {s.sha256: s for s in self.sources.values() if s.item == item}
        for r in results:
            c = r.job
            if not r.ok:
                outcomes.append(Outcome(str(c.path), "rejected", item, reason=r.reason, ms=round(r.ms, 1)))
                if not r.transient:  # a crash or I/O error of this run is tried again next time
                    rows_now.append(FileRow(str(c.path), c.size, c.mtime_ns, r.sha256, "rejected",
                                            r.reason, self.profile.fingerprint))
                for f in self.plan.followers.get((item, r.sha256 or ""), []):
                    why = f"same content as {c.path}: {r.reason}"
                    outcomes.append(Outcome(str(f.path), "rejected", item, reason=why))
                    if not r.transient:
                        rows_now.append(FileRow(str(f.path), f.size, f.mtime_ns, r.sha256, "rejected",
                                                why, self.profile.fingerprint))
                _drop(r)
            elif c.index is not None:
                again.append(r)
            elif r.sha256 in shown:  # the same bytes met twice in this item (once in this very batch)
                s = shown[r.sha256]
                outcomes.append(Outcome(str(c.path), "duplicate", item, s.idx, duplicate_of=s.path))
                rows_now.append(FileRow(str(c.path), c.size, c.mtime_ns, r.sha256, "duplicate", None))
                _drop(r)   # not needed: a long watch must not pile them up
            else:
                fresh.append(r)
                shown[r.sha256] = SourceRow(r.sha256, item, 0, str(c.path), c.size, r.ext, r.captured, "", None)
        if rows_now:
            self.state.put_files(rows_now)
        fresh.sort(key=publishing_order(self.profile))
        taken = [s.idx for s in self.sources.values() if s.item == item]
        indices = next_indices(taken, len(fresh), self.profile.naming.start)
        rerender = [r for r in again if not r.job.replaces]
        replaced = [r for r in again if r.job.replaces]
        batch = [(r, r.job.index) for r in rerender] + list(zip(fresh, indices, strict=True))
        if batch:
            outcomes += self._publish(item, batch)
        if replaced:
            outcomes += self._replace(item, replaced)
        return outcomes

    def _publish(self, item: str, batch: list[tuple[Result, int]]) -> list[Outcome]:
        """New photos and slots rendered again: indices recorded first, then renamed into place."""
        outcomes = []
        rows = [self._decorated(r, item, idx) for r, idx in batch]
        use = self.calibration_for(item)
        files = [FileRow(str(r.job.path), r.job.size, r.job.mtime_ns, r.sha256, "source", None) for r, _ in batch]
        self.state.begin_publish(rows, files)
        for row in rows:
            self.sources[row.slot] = row
        done = []
        for r, idx in batch:
            outputs, problems = self._place(r, item, idx)
            done.append(self._published(item, idx, outputs, r))
            outcomes.append(Outcome(str(r.job.path), "processed", item, idx, outputs=outputs, notes=r.notes,
                                    problems=problems, ms=round(r.ms, 1),
                                    calibration=use.as_outcome_field() if use else None))
            outcomes += self._followers(item, idx, r, files)
        sync_dirs(self._renamed)   # one fsync per folder, before the state says done
        self._renamed.clear()
        self.state.finish_publish(done)
        self.state.put_files(files)
        return outcomes

    def _replace(self, item: str, replaced: list[Result]) -> list[Outcome]:
        """New bytes at published paths: each slot keeps its index and names; its previous
        files go to history, all in one operation (undoable; rolled back if killed)."""
        op = Operation(self.out, "replace", item, self.state.record(item))
        rows, finals = [], []
        for r in replaced:
            rows.append(self._decorated(r, item, r.job.index))
            final = self._finals(r, item, r.job.index)
            finals.append(final)
            for kind, rel in final.items():
                op.place(rel.as_posix(), r.staged[kind])
        op.start()
        op.run()
        outcomes, done = [], []
        use = self.calibration_for(item)
        files = [FileRow(str(r.job.path), r.job.size, r.job.mtime_ns, r.sha256, "source", None) for r in replaced]
        for r, final in zip(replaced, finals, strict=True):
            outputs, problems = self._after_placing(r, item, final)
            done.append(self._published(item, r.job.index, outputs, r))
            outcomes.append(Outcome(str(r.job.path), "replaced", item, r.job.index, outputs=outputs, notes=r.notes,
                                    problems=problems, ms=round(r.ms, 1),
                                    calibration=use.as_outcome_field() if use else None))
            outcomes += self._followers(item, r.job.index, r, files)
        self.state.replace_published(rows, files, done, op=(op.id, op.kind, item))
        op.done()
        for row in rows:
            self.sources[row.slot] = row
        return outcomes

    def _followers(self, item: str, idx: int, r: Result, files: list[FileRow]) -> list[Outcome]:
        out = []
        for f in self.plan.followers.get((item, r.sha256), []):
            out.append(Outcome(str(f.path), "duplicate", item, idx, duplicate_of=str(r.job.path)))
            files.append(FileRow(str(f.path), f.size, f.mtime_ns, r.sha256, "duplicate", None))
        return out

    def _published(self, item: str, idx: int, outputs: dict[str, str], r: Result) -> Published:
        use = self.calibration_for(item)
        return Published(item, idx, outputs, r.ms, use.id if use else None,
                         use.summary["mean_loo"] if use else None, use.summary["mean_after"] if use else None)

    def _decorated(self, r: Result, item: str, idx: int) -> SourceRow:
        """The slot's row; a new photo's detail image is finished with its index's decoration."""
        deco = self.decorations.get(item, idx)
        fingerprint = r.job.fingerprint or self.profile.fingerprint
        if r.job.index is None:
            fingerprint = self.decorations.fingerprint(fingerprint, item, idx)
            self.finish(r, deco)   # the work step draws what the index decides
        return SourceRow(r.sha256, item, idx, str(r.job.path), r.job.size, r.ext, r.captured, "publishing",
                         fingerprint, json.dumps(deco.as_json(), ensure_ascii=False) if deco else None)

    def _finals(self, r: Result, item: str, idx: int) -> dict[str, Path]:
        name = output_name(self.profile.naming.template, item, idx)
        final = {"raw": Path("raw", item, name + r.ext), "detail": Path("detail", item, name + ".jpg")}
        if "master" in r.staged:
            final["master"] = Path("master", item, name + ".png")
        return final

    def _place(self, r: Result, item: str, idx: int) -> tuple[dict[str, str], tuple[str, ...]]:
        final = self._finals(r, item, idx)
        for kind, rel in final.items():
            move_into_place(r.staged[kind], self.out / rel, sync_dir=False)
            self._renamed.add((self.out / rel).parent)
        return self._after_placing(r, item, final)

    def _after_placing(self, r: Result, item: str, final: dict[str, Path]) -> tuple[dict[str, str], tuple[str, ...]]:
        """The thumbnail (a cache) and the backup copy of files in place; outputs and problems."""
        outputs = {kind: rel.as_posix() for kind, rel in final.items()}
        if "thumb" in r.staged:
            from imgkit.report.thumbnails import place_thumbnail
            with contextlib.suppress(OSError):  # a cache: the report makes it when missing
                place_thumbnail(r.staged["thumb"], self.out / ".imgkit" / "thumbs", outputs["detail"],
                                self.out / final["detail"])
        if self.backup:
            target = self.backup / item / final["raw"].name
            problem = back_up(self.out / final["raw"], target, r.sha256)
            if problem:
                return outputs, (problem,)
            outputs["backup"] = str(target)
        return outputs, ()


def _drop(r: Result) -> None:
    """A result that will not be published: its staged files go now (a long watch keeps none)."""
    for staged in r.staged.values():
        staged.unlink(missing_ok=True)
