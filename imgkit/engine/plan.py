"""Decide from the state what each scanned file needs: nothing, a render, or a report."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from imgkit.detail.decoration import Decorations
from imgkit.engine.scan import Candidate
from imgkit.engine.work import Job
from imgkit.naming import natural_key
from imgkit.outcome import Outcome
from imgkit.profile import Profile
from imgkit.profile.fingerprint import Fingerprint
from imgkit.store.files import sha256_file
from imgkit.store.state import FileRow, SourceRow, State


@dataclass
class Plan:
    jobs: list[Job] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    files: list[FileRow] = field(default_factory=list)       # state rows to record now
    sources: dict[str, SourceRow] = field(default_factory=dict)
    #: sha -> paths of same-content files waiting on the job that renders that content
    followers: dict[str, list[Candidate]] = field(default_factory=dict)


def required_outputs(profile: Profile) -> tuple[str, ...]:
    kinds = ["detail", "raw"]
    if profile.master.enabled:
        kinds.append("master")
    if profile.backup.dir:
        kinds.append("backup")
    return tuple(kinds)


def make_plan(candidates: list[Candidate], state: State, profile: Profile, out: Path,
              calibration_for=lambda item: None, decorations: Decorations | None = None) -> Plan:
    """``calibration_for(item)`` gives the CalibrationUse for an item's photos, or None;
    ``decorations`` what the sheet and the marks draw on each image (none by default)."""
    plan = Plan(sources=state.sources())
    decorations = decorations or Decorations(profile)

    def render(item: str) -> tuple[str, Path | None, dict | None]:
        """The fingerprint of an item's undecorated images, its calibration file and summary."""
        use = calibration_for(item)
        if use is None:
            return profile.fingerprint, None, None
        return str(Fingerprint(profile.fingerprint, use.id)), use.path, use.as_outcome_field()
    files, outputs = state.files(), state.outputs()
    scanned = {str(c.path) for c in candidates}
    kinds = required_outputs(profile)
    leaders: dict[str, Candidate] = {}   # sha -> the file whose job renders it in this run

    def known(c: Candidate, sha: str) -> None:
        s = plan.sources.get(sha)
        if s is None:
            if sha in leaders:
                plan.followers.setdefault(sha, []).append(c)
                return
            leaders[sha] = c
            plan.jobs.append(job(c, c.item, sha256=sha))
            return
        if s.path != str(c.path) and (s.path in scanned or Path(s.path).exists()):
            plan.outcomes.append(Outcome(str(c.path), "duplicate", s.item, s.idx, duplicate_of=s.path))
            plan.files.append(FileRow(str(c.path), c.size, c.mtime_ns, sha, "duplicate", None))
            return
        have = outputs.get(sha, {})
        if (s.status == "done" and s.profile_fp == decorations.fingerprint(render(s.item)[0], s.item, s.idx)
                and all(k in have and (out / have[k]).exists() for k in kinds if k != "backup")
                and ("backup" not in kinds or Path(have.get("backup", "\0")).exists())):
            plan.outcomes.append(Outcome(str(c.path), "up_to_date", s.item, s.idx, outputs=have,
                                         calibration=render(s.item)[2]))
            plan.files.append(FileRow(str(c.path), c.size, c.mtime_ns, sha, "source", None))
            return
        plan.jobs.append(job(c, s.item, index=s.idx, sha256=sha))

    def job(c: Candidate, item: str, index: int | None = None, **kw) -> Job:
        fingerprint, calibration, _ = render(item)
        if index is None:  # a new photo: its index, so its decoration, is known at publishing
            return Job(c.path, c.rel, item, c.size, c.mtime_ns, fingerprint=fingerprint,
                       calibration=calibration, keep_base=decorations.touches(item), **kw)
        return Job(c.path, c.rel, item, c.size, c.mtime_ns, index=index, calibration=calibration,
                   fingerprint=decorations.fingerprint(fingerprint, item, index),
                   decoration=decorations.get(item, index) or None, **kw)

    unknown = []
    for c in candidates:
        row = files.get(str(c.path))
        if row is None or (row.size, row.mtime_ns) != (c.size, c.mtime_ns):
            unknown.append(c)
        elif row.status == "rejected" and row.profile_fp == profile.fingerprint:
            plan.outcomes.append(Outcome(str(c.path), "rejected", c.item, reason=row.reason))
        elif row.sha256 and row.status != "rejected":
            known(c, row.sha256)
        else:
            unknown.append(c)
    # Only files of equal size can share content: hash those now, leave the rest to workers.
    sizes = Counter(c.size for c in unknown)
    known_sizes = {s.size for s in plan.sources.values()}
    # the oldest of same-content files leads (a copy is newer than its original)
    for c in sorted(unknown, key=lambda c: (sizes[c.size] == 1 and c.size not in known_sizes,
                                            c.mtime_ns, natural_key(c.rel))):
        if sizes[c.size] > 1 or c.size in known_sizes:
            try:
                sha = sha256_file(c.path)
            except OSError as exc:
                plan.outcomes.append(Outcome(str(c.path), "rejected", c.item, reason=f"cannot read: {exc.strerror}"))
                continue
            known(c, sha)
        else:
            plan.jobs.append(job(c, c.item))
    return plan
