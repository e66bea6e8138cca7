"""Colour charts in a shoot (R8): calibrate once per chart photo, then say which photo uses which.

A chart photo (a name matching ``[colour] chart_patterns``, or any photo in the
``[colour] calibration_folder``) calibrates its item when it lies in an item folder, and the
whole session when it lies directly in SRC or in the calibration folder. ``--calibration
FILE`` overrides both. Calibrations are written once per chart content to
``OUT/calibration/<scope>-<sha12>[-<setup>].json`` with the diagnostic PNG beside it, and
reused (``<setup>`` names non-default fit settings: other methods, fixed corners, reference).
The chart photo's original bytes are kept beside them as ``<scope>-<sha12>-chart<ext>``
(R9) and copied to ``<[backup] dir>/_calibration/`` when a backup mirror is set.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from imgkit.engine.scan import Candidate
from imgkit.errors import ConfigError, Rejected
from imgkit.naming import natural_key
from imgkit.outcome import Outcome
from imgkit.profile import Profile
from imgkit.store.backup import back_up, backup_root
from imgkit.store.files import copy_verified, sha256_file

EVERYTHING = "*"


@dataclass(frozen=True)
class CalibrationUse:
    path: Path          # the calibration JSON
    id: str             # short hash of its content: part of the outputs' fingerprint
    source: str         # the chart photo (or the --calibration file)
    summary: dict       # method; mean/max ΔE2000 before, after (in-sample) and leave-one-out (its figure)
    original: str | None = None   # the kept copy of the chart photo, relative to OUT

    def as_outcome_field(self) -> dict:
        kept = {"original": self.original} if self.original else {}
        return {"file": str(self.path), "chart": self.source, **kept, **self.summary}


def _use(path: Path, source: str) -> CalibrationUse:
    from imgkit.colour.calibration_file import calibration_id, load_calibration
    cal = load_calibration(path)
    digest = calibration_id(path)
    summary = {"method": cal.fit.label,
               **{k: cal.summary[k] for k in ("mean_before", "max_before", "mean_after", "max_after",
                                              "mean_loo", "max_loo")}}
    return CalibrationUse(path, digest, source, summary)


def _cached(dest: Path, source: str) -> CalibrationUse | None:
    """The calibration made for this chart photo before, or None when there is none to use: a
    file that no longer reads as one (cut short, edited) is set aside as ``<name>.broken``, to
    look at, and the chart is calibrated again from its photo (which OUT keeps)."""
    if not dest.exists():
        return None
    try:
        return _use(dest, source)
    except ConfigError:
        dest.replace(dest.with_name(dest.name + ".broken"))
        return None


def resolve(charts: list[Candidate], out: Path, profile: Profile,
            override: Path | None = None) -> tuple[dict[str, CalibrationUse], list[Outcome]]:
    """Calibrations by scope (item, "" for the session, "*" for an override) and chart outcomes."""
    if override is not None:   # the chart photos are still inputs: say what became of them
        return {EVERYTHING: _use(override, str(override))}, [
            Outcome(str(c.path), "skipped", c.item or None,
                    reason=f"colour chart not used: --calibration {override.name} applies instead") for c in charts]
    uses: dict[str, CalibrationUse] = {}
    outcomes: list[Outcome] = []
    backup = backup_root(profile, out)
    # per scope the newest chart photo wins (a re-shot chart replaces the first)
    for c in sorted(charts, key=lambda c: (natural_key(c.item), c.mtime_ns, natural_key(c.rel))):
        try:
            sha = sha256_file(c.path)
            stem = f"{c.item or '_session'}-{sha[:12]}"
            dest = out / "calibration" / f"{stem}{_setup_tag(profile)}.json"
            use = _cached(dest, str(c.path))
            if use is None:
                # imported here: OpenCV and the fits cost 0.1 s of start-up to runs without charts
                from imgkit.colour.calibration import calibrate_pixels, profile_options, read_photo
                from imgkit.colour.calibration_file import save_calibration
                try:
                    rgb, photo_sha, name = read_photo(c.path)
                except ConfigError as exc:   # unreadable since it was hashed: this file, not the run
                    raise Rejected(str(exc).split(": ", 1)[-1]) from None
                cal = calibrate_pixels(rgb, profile.colour.reference, sha=photo_sha, source=name,
                                       **profile_options(profile.colour))
                save_calibration(cal, dest, rgb)
                use = _use(dest, str(c.path))
        except Rejected as r:
            outcomes.append(Outcome(str(c.path), "rejected", c.item or None, reason=f"colour chart: {r.reason}"))
            continue
        except OSError as exc:
            outcomes.append(Outcome(str(c.path), "rejected", c.item or None, reason=f"cannot read: {exc.strerror}"))
            continue
        outputs, problems = keep_original(c.path, sha, f"{stem}-chart{c.path.suffix.lower()}", out, backup)
        use = replace(use, original=outputs.get("original"))
        uses[c.item] = use
        outcomes.append(Outcome(str(c.path), "chart", c.item or None, outputs=outputs, problems=problems,
                                calibration=use.as_outcome_field()))
    return uses, outcomes


def keep_original(photo: Path, sha: str, name: str, out: Path,
                  backup: Path | None) -> tuple[dict[str, str], tuple[str, ...]]:
    """Keep a chart photo's bytes as ``OUT/calibration/<name>`` and, with a backup mirror, as
    ``<backup>/_calibration/<name>`` (R9), each copied only when missing or not the same.

    ``name`` has no setup tag: the bytes are the same whatever the fit settings, so the
    calibrations of one photo under several settings share one copy; and it ends in
    ``-chart<ext>`` so a PNG chart cannot take the name of its diagnostic PNG
    (``<scope>-<sha12>.png``). Returns the outputs (``original`` relative to OUT, ``backup``
    absolute, as for photos) and the problems: a copy that failed, never an exception."""
    rel = Path("calibration", name)
    try:
        if not _holds(out / rel, sha):
            copy_verified(photo, out / rel, sha)
    except OSError as exc:
        return {}, (f"keeping the chart photo as {out / rel} failed: {exc.strerror or exc}",)
    outputs = {"original": rel.as_posix()}
    if backup is not None:
        target = backup / "_calibration" / name
        # by size, not by hash: the mirror may be a slow share, and the copy was verified once
        if not _same_size(target, out / rel):
            problem = back_up(out / rel, target, sha)
            if problem:
                return outputs, (problem,)
        outputs["backup"] = str(target)
    return outputs, ()


def _same_size(path: Path, other: Path) -> bool:
    try:
        return path.is_file() and path.stat().st_size == other.stat().st_size
    except OSError:
        return False


def _holds(path: Path, sha: str) -> bool:
    """``path`` is a file with exactly the bytes of SHA-256 ``sha``."""
    try:
        return path.is_file() and sha256_file(path) == sha
    except OSError:
        return False


def _setup_tag(profile: Profile) -> str:
    """Part of a calibration's file name for non-default [colour] fit settings (methods, fixed
    corners), so changing them calibrates again instead of reusing the old file."""
    c = profile.colour
    default = Profile.__dataclass_fields__["colour"].default
    if (c.methods, c.chart_corners, c.reference) == (default.methods, default.chart_corners, default.reference):
        return ""
    return "-" + hashlib.sha256(repr((c.methods, c.chart_corners, c.reference)).encode()).hexdigest()[:8]


def figures(uses: dict[str, CalibrationUse]) -> dict[str, tuple[float, float]]:
    """Each calibration's ΔE2000 by id: (leave-one-out, in-sample), as the state records them."""
    return {u.id: (u.summary["mean_loo"], u.summary["mean_after"]) for u in uses.values()}


def for_item(uses: dict[str, CalibrationUse], item: str) -> CalibrationUse | None:
    return uses.get(EVERYTHING) or uses.get(item) or uses.get("")
