"""What became of one input file: the unit every stage returns, and of the summary, --json
and report.json."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Outcome:
    """What happened to one input file; the unit of the summary, --json and report.json."""

    source: str
    status: str                          # processed, up_to_date, duplicate, skipped, rejected, chart
    item: str | None = None
    index: int | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    reason: str | None = None
    duplicate_of: str | None = None
    notes: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()       # things that went wrong after processing (backup)
    ms: float | None = None
    calibration: dict | None = None      # the colour calibration applied (or, for a chart, made)
