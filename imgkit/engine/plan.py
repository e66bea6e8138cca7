"""Decide from the state what each scanned file needs, and what is gone.

A published image is a *slot* (item, index) showing one source file. For a scanned photo:

- its path fills a slot of its item: unchanged → up to date (or rendered again in place when
  what makes it changed); new bytes → **replaced** in place, same slot, same names;
- its bytes fill a slot of its item whose file is gone → the file was renamed or moved
  within the item: the slot follows it;
- its bytes fill a slot of its item whose file is still there, or come twice in this run →
  a **duplicate** of that file (one item shows the same picture once);
- else it is new: the next free index at publishing. The same bytes in another item are
  published there too (a size chart shared by two items).

A slot no scanned photo accounts for and whose file no longer exists (or now belongs to
another item) is **gone**: reported, kept until ``--prune`` retires it.
"""

from __future__ import annotations

import itertools
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

#: names staged files: unique over a session's batches (a watch runs many)
_KEYS = itertools.count()


@dataclass
class Plan:
    jobs: list[Job] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    files: list[FileRow] = field(default_factory=list)       # state rows to record now
    sources: dict[tuple[str, int], SourceRow] = field(default_factory=dict)   # the slots as planned on
    #: (item, sha) -> photos of the same content waiting on the job that renders it
    followers: dict[tuple[str, str], list[Candidate]] = field(default_factory=dict)
    #: slots whose source was renamed or moved within the item and is otherwise up to date
    repaths: list[tuple[str, int, str, int]] = field(default_factory=list)   # item, idx, path, size
    gone: list[SourceRow] = field(default_factory=list)


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
    files, outputs = state.files(), state.outputs()
    kinds = required_outputs(profile)
    scanned_item = {str(c.path): c.item for c in candidates}
    slots = [s for s in plan.sources.values()]
    by_path: dict[tuple[str, str], SourceRow] = {(s.item, s.path): s for s in slots}
    by_content: dict[tuple[str, str], list[SourceRow]] = {}
    for s in sorted(slots, key=lambda s: s.idx):
        by_content.setdefault((s.item, s.sha256), []).append(s)
    claimed: set[tuple[str, int]] = set()
    leaders: dict[tuple[str, str], Candidate] = {}   # (item, sha) -> the photo whose job renders it

    def render(item: str) -> tuple[str, Path | None, dict | None]:
        """The fingerprint of an item's undecorated images, its calibration file and summary."""
        use = calibration_for(item)
        if use is None:
            return profile.fingerprint, None, None
        return str(Fingerprint(profile.fingerprint, use.id)), use.path, use.as_outcome_field()

    def alive(s: SourceRow) -> bool:
        """The slot's source is still a photo of its item."""
        if s.path in scanned_item:
            return scanned_item[s.path] == s.item
        return Path(s.path).exists()

    def current(s: SourceRow) -> bool:
        have = outputs.get(s.slot, {})
        return (s.status == "done" and s.profile_fp == decorations.fingerprint(render(s.item)[0], s.item, s.idx)
                and all(k in have and (out / have[k]).exists() for k in kinds if k != "backup")
                and ("backup" not in kinds or Path(have.get("backup", "\0")).exists()))

    def same(c: Candidate, s: SourceRow, sha: str) -> None:
        """``c`` shows the slot's content: up to date, or rendered again under its index."""
        claimed.add(s.slot)
        if current(s):
            plan.outcomes.append(Outcome(str(c.path), "up_to_date", s.item, s.idx, outputs=outputs.get(s.slot, {}),
                                         calibration=render(s.item)[2]))
            plan.files.append(FileRow(str(c.path), c.size, c.mtime_ns, sha, "source", None))
            if s.path != str(c.path):
                plan.repaths.append((s.item, s.idx, str(c.path), c.size))
        else:
            plan.jobs.append(job(c, s.item, index=s.idx, sha256=sha))

    def known(c: Candidate, sha: str) -> None:
        """A photo whose content is known, at a path no slot of its item shows."""
        key = (c.item, sha)
        mine = by_content.get(key, [])
        moved = next((s for s in mine if s.slot not in claimed and not alive(s)), None)
        if moved is not None:
            same(c, moved, sha)
            return
        shown = next((s for s in mine if alive(s) or s.slot in claimed), None)
        if shown is not None:
            plan.outcomes.append(Outcome(str(c.path), "duplicate", c.item, shown.idx, duplicate_of=shown.path))
            plan.files.append(FileRow(str(c.path), c.size, c.mtime_ns, sha, "duplicate", None))
            return
        if key in leaders:
            plan.followers.setdefault(key, []).append(c)
            return
        leaders[key] = c
        plan.jobs.append(job(c, c.item, sha256=sha))

    def job(c: Candidate, item: str, index: int | None = None, replaces: bool = False, **kw) -> Job:
        fingerprint, calibration, _ = render(item)
        key = f"{next(_KEYS):06d}"
        if index is None:  # a new photo: its index, so its decoration, is known at publishing
            return Job(c.path, c.rel, item, c.size, c.mtime_ns, fingerprint=fingerprint, key=key,
                       calibration=calibration, keep_base=decorations.touches(item), **kw)
        return Job(c.path, c.rel, item, c.size, c.mtime_ns, index=index, calibration=calibration, key=key,
                   fingerprint=decorations.fingerprint(fingerprint, item, index), replaces=replaces,
                   decoration=decorations.get(item, index) or None, **kw)

    def content(c: Candidate) -> str | None:
        """The photo's SHA-256 when the state knows it for this size and mtime."""
        row = files.get(str(c.path))
        if row is not None and (row.size, row.mtime_ns) == (c.size, c.mtime_ns) and row.status != "rejected":
            return row.sha256
        return None

    unknown = []
    for c in candidates:
        row = files.get(str(c.path))
        slot = by_path.get((c.item, str(c.path)))
        if row is not None and (row.size, row.mtime_ns) == (c.size, c.mtime_ns) and row.status == "rejected" \
                and row.profile_fp == profile.fingerprint:
            plan.outcomes.append(Outcome(str(c.path), "rejected", c.item, reason=row.reason))
            continue
        if slot is not None:
            sha = content(c)
            if sha is None:   # changed since it was published: same bytes (touched) or new ones
                try:
                    sha = sha256_file(c.path)
                except OSError as exc:
                    plan.outcomes.append(Outcome(str(c.path), "rejected", c.item,
                                                 reason=f"cannot read: {exc.strerror}"))
                    continue
            if sha == slot.sha256:
                same(c, slot, sha)
            else:
                claimed.add(slot.slot)
                plan.jobs.append(job(c, c.item, index=slot.idx, replaces=True))
            continue
        sha = content(c)
        if sha is not None:
            known(c, sha)
        else:
            unknown.append(c)
    # Only files of equal size can share content: hash those now, leave the rest to workers.
    sizes = Counter(c.size for c in unknown)
    known_sizes = {s.size for s in slots}
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
    plan.gone = sorted((s for s in slots if s.status == "done" and s.slot not in claimed and not alive(s)),
                       key=lambda s: (natural_key(s.item), s.idx))
    return plan
