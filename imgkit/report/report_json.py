"""report.json: every input of the run with what happened to it (schema in README)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

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
        "command": summary.command,
        **({"started": _iso(summary.started)} if summary.command == "watch" and summary.started else {}),
        "generated": _iso(datetime.now(UTC).timestamp()),
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


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds")


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


def read_report(out: Path) -> dict | None:
    """The report.json a run left in OUT (None when there is none or it cannot be read)."""
    try:
        data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("files"), list) else None


def _what_happened(data: dict) -> dict:
    """A report without its times: two runs that did the same come out equal."""
    files = [{k: v for k, v in f.items() if k != "ms"} for f in data.get("files", [])]
    summary = {k: v for k, v in data.get("summary", {}).items() if k != "elapsed_s"}
    return {**{k: v for k, v in data.items() if k not in ("generated", "started", "elapsed_s")},
            "files": files, "summary": summary}


def write_report(summary, previous: dict | None = None) -> tuple[dict, bool]:
    """Write report.json; its content, and whether report.html is due too: when it is missing
    or this run did something else than the one before (``previous``, the report.json it
    replaces): a run that did the same would rewrite the same page, reading every output's
    header to do it."""
    text = to_json(summary)
    atomic_write(summary.out / "report.json", text.encode("utf-8"))
    data = json.loads(text)
    if not (summary.out / "report.html").exists() or previous is None:
        return data, True
    return data, _what_happened(data) != _what_happened(previous)
