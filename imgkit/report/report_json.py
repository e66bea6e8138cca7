"""report.json: every input of the run with what happened to it (schema in README)."""

from __future__ import annotations

import json
from dataclasses import asdict

from imgkit import __version__
from imgkit.naming import shown
from imgkit.store.files import atomic_write

SCHEMA_VERSION = 1
STATUSES = ("processed", "replaced", "up_to_date", "duplicate", "skipped", "rejected", "chart")


def as_dict(summary) -> dict:
    counts = {s: summary.count(s) for s in STATUSES}
    return {
        "schema": SCHEMA_VERSION,
        "imgkit": __version__,
        "src": str(summary.src),
        "out": str(summary.out),
        "profile": {"name": summary.profile.name, "path": str(summary.profile.path),
                    "fingerprint": summary.profile.fingerprint},
        "summary": {**counts, "gone": sum(not g.retired for g in summary.gone),
                    "retired": sum(g.retired for g in summary.gone),
                    "elapsed_s": round(summary.elapsed, 3), "ok": summary.ok},
        "warnings": list(summary.warnings),
        "gone": [g.as_json() for g in summary.gone],
        "renamed": list(summary.renames),
        "files": [{k: v for k, v in asdict(o).items() if v not in (None, (), {}, [])}
                  for o in summary.outcomes],
    }


def to_json(summary) -> str:
    """The report as JSON text; bytes of undecodable file names appear as \\xNN."""
    return json.dumps(_printable(as_dict(summary)), ensure_ascii=False, indent=1)


def _printable(value):
    if isinstance(value, str):
        return shown(value)
    if isinstance(value, dict):
        return {k: _printable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_printable(v) for v in value]
    return value


def write_report(summary) -> bool:
    """Write report.json; whether report.html is due too: when something changed or it is
    missing (a run with nothing to do would rewrite the same page, reading every output's
    header to do it)."""
    atomic_write(summary.out / "report.json", to_json(summary).encode("utf-8"))
    changed = any(o.status not in ("up_to_date", "skipped") for o in summary.outcomes)
    return changed or not (summary.out / "report.html").exists()
