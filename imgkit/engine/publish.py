"""Give an item's new sources their indices, record them, rename staged files into place."""

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
from imgkit.store.state import FileRow, SourceRow, State


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
        self.sources = plan.sources               # updated as items are published
        self.backup = backup_root(profile, out)

    def publish(self, item: str, results: list[Result]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        rejected_rows: list[FileRow] = []
        fresh: list[Result] = []
        rerender: list[Result] = []
        for r in results:
            c = r.job
            if not r.ok:
                outcomes.append(Outcome(str(c.path), "rejected", item, reason=r.reason, ms=round(r.ms, 1)))
                if not r.transient:  # a crash or I/O error of this run is tried again next time
                    rejected_rows.append(FileRow(str(c.path), c.size, c.mtime_ns, r.sha256, "rejected",
                                                 r.reason, self.profile.fingerprint))
                for f in self.plan.followers.get(r.sha256 or "", []):
                    outcomes.append(Outcome(str(f.path), "rejected", item,
                                            reason=f"same content as {c.path}: {r.reason}"))
            elif c.index is not None:
                rerender.append(r)
            elif r.sha256 in self.sources:  # same bytes met twice in one run
                s = self.sources[r.sha256]
                outcomes.append(Outcome(str(c.path), "duplicate", s.item, s.idx, duplicate_of=s.path))
                rejected_rows.append(FileRow(str(c.path), c.size, c.mtime_ns, r.sha256, "duplicate", None))
                for staged in r.staged.values():  # not needed: a long watch must not pile them up
                    staged.unlink(missing_ok=True)
            else:
                fresh.append(r)
        if rejected_rows:
            self.state.put_files(rejected_rows)
        fresh.sort(key=lambda r: (r.captured is None, r.captured or "", natural_key(r.job.rel)))
        taken = [s.idx for s in self.sources.values() if s.item == item]
        indices = [r.job.index for r in rerender] + next_indices(taken, len(fresh), self.profile.naming.start)
        batch = list(zip(rerender + fresh, indices, strict=True))
        if not batch:
            return outcomes
        rows = [self._decorated(r, item, idx) for r, idx in batch]
        use = self.calibration_for(item)
        applied = use.as_outcome_field() if use else None
        files = [FileRow(str(r.job.path), r.job.size, r.job.mtime_ns, r.sha256, "source", None)
                 for r, _ in batch]
        self.state.begin_publish(rows, files)
        for row in rows:
            self.sources[row.sha256] = row
        done = []
        for r, idx in batch:
            outputs, problems = self._place(r, item, idx)
            done.append((r.sha256, outputs, r.ms, use.id if use else None,
                         use.summary["mean_after"] if use else None))
            outcomes.append(Outcome(str(r.job.path), "processed", item, idx, outputs=outputs,
                                    notes=r.notes, problems=problems, ms=round(r.ms, 1), calibration=applied))
            for f in self.plan.followers.get(r.sha256, []):
                outcomes.append(Outcome(str(f.path), "duplicate", item, idx, duplicate_of=str(r.job.path)))
                files.append(FileRow(str(f.path), f.size, f.mtime_ns, r.sha256, "duplicate", None))
        sync_dirs(self._renamed)   # one fsync per folder, before the state says done
        self._renamed.clear()
        self.state.finish_publish(done)
        self.state.put_files(files)
        return outcomes

    def _decorated(self, r: Result, item: str, idx: int) -> SourceRow:
        """The source's row; a new photo's detail image is finished with its index's decoration."""
        deco = self.decorations.get(item, idx)
        fingerprint = r.job.fingerprint or self.profile.fingerprint
        if r.job.index is None:
            fingerprint = self.decorations.fingerprint(fingerprint, item, idx)
            self.finish(r, deco)   # the work step draws what the index decides
        return SourceRow(r.sha256, item, idx, str(r.job.path), r.job.size, r.ext, r.captured, "publishing",
                         fingerprint, json.dumps(deco.as_json(), ensure_ascii=False) if deco else None)

    def _place(self, r: Result, item: str, idx: int) -> tuple[dict[str, str], tuple[str, ...]]:
        name = output_name(self.profile.naming.template, item, idx)
        final = {"raw": Path("raw", item, name + r.ext), "detail": Path("detail", item, name + ".jpg")}
        if "master" in r.staged:
            final["master"] = Path("master", item, name + ".png")
        for kind, rel in final.items():
            move_into_place(r.staged[kind], self.out / rel, sync_dir=False)
            self._renamed.add((self.out / rel).parent)
        outputs = {kind: rel.as_posix() for kind, rel in final.items()}
        if "thumb" in r.staged:
            from imgkit.report.thumbnails import place_thumbnail
            with contextlib.suppress(OSError):  # a cache: the report makes it when missing
                place_thumbnail(r.staged["thumb"], self.out / ".imgkit" / "thumbs", outputs["detail"],
                                self.out / final["detail"])
        if self.backup:
            target = self.backup / item / (name + r.ext)
            problem = back_up(self.out / final["raw"], target, r.sha256)
            if problem:
                return outputs, (problem,)
            outputs["backup"] = str(target)
        return outputs, ()
