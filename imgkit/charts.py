"""Colour charts in a shoot (R8): calibrate once per chart photo, then say which photo uses which.

A chart photo (a name matching ``[colour] chart_patterns``, or any photo in the
``[colour] calibration_folder``) calibrates its item when it lies in an item folder, and the
whole session when it lies directly in SRC or in the calibration folder. ``--calibration
FILE`` overrides both. Calibrations are written once per chart content to
``OUT/calibration/<scope>-<sha12>[-<setup>].json`` with the diagnostic PNG beside it, and
reused (``<setup>`` names non-default fit settings: other methods, fixed corners, reference).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .errors import Rejected
from .files import sha256_file
from .naming import natural_key
from .plan import Outcome
from .profile import Profile
from .scan import Candidate

EVERYTHING = "*"


@dataclass(frozen=True)
class CalibrationUse:
    path: Path          # the calibration JSON
    id: str             # short hash of its content: part of the outputs' fingerprint
    source: str         # the chart photo (or the --calibration file)
    summary: dict       # mean/max ΔE2000 before and after, method

    def as_outcome_field(self) -> dict:
        return {"file": str(self.path), "chart": self.source, **self.summary}


def calibration_id(path: Path) -> str:
    """Short hash of a calibration file's content: joins its outputs' fingerprint."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _use(path: Path, source: str) -> CalibrationUse:
    from .pipelines.calibrate import load_calibration
    cal = load_calibration(path)
    digest = calibration_id(path)
    summary = {"method": cal.fit.label, **{k: cal.summary[k] for k in ("mean_before", "max_before", "mean_after", "max_after")}}
    return CalibrationUse(path, digest, source, summary)


def resolve(charts: list[Candidate], out: Path, profile: Profile,
            override: Path | None = None) -> tuple[dict[str, CalibrationUse], list[Outcome]]:
    """Calibrations by scope (item, "" for the session, "*" for an override) and chart outcomes."""
    if override is not None:
        return {EVERYTHING: _use(override, str(override))}, []
    uses: dict[str, CalibrationUse] = {}
    outcomes: list[Outcome] = []
    # per scope the newest chart photo wins (a re-shot chart replaces the first)
    for c in sorted(charts, key=lambda c: (natural_key(c.item), c.mtime_ns, natural_key(c.rel))):
        try:
            sha = sha256_file(c.path)
            dest = out / "calibration" / f"{c.item or '_session'}-{sha[:12]}{_setup_tag(profile)}.json"
            if not dest.exists():
                # imported here: OpenCV and the fits cost 0.1 s of start-up to runs without charts
                from .pipelines.calibrate import calibrate_pixels, profile_options, read_photo, save_calibration
                rgb, photo_sha, name = read_photo(c.path)
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
        uses[c.item] = use
        outcomes.append(Outcome(str(c.path), "chart", c.item or None, calibration=use.as_outcome_field()))
    return uses, outcomes


def _setup_tag(profile: Profile) -> str:
    """Part of a calibration's file name for non-default [colour] fit settings (methods, fixed
    corners), so changing them calibrates again instead of reusing the old file."""
    c = profile.colour
    default = Profile.__dataclass_fields__["colour"].default
    if (c.methods, c.chart_corners, c.reference) == (default.methods, default.chart_corners, default.reference):
        return ""
    return "-" + hashlib.sha256(repr((c.methods, c.chart_corners, c.reference)).encode()).hexdigest()[:8]


def for_item(uses: dict[str, CalibrationUse], item: str) -> CalibrationUse | None:
    return uses.get(EVERYTHING) or uses.get(item) or uses.get("")
