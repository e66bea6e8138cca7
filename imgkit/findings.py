"""Findings: what a validation rule says about a file or an item."""

from __future__ import annotations

from dataclasses import dataclass

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = (ERROR, WARNING, INFO)


@dataclass(frozen=True)
class Finding:
    rule: str               # stable id, e.g. "size.width", "main.background.white"
    severity: str           # error | warning | info
    message: str            # one line, says what was expected and what was found
    file: str | None = None  # path the finding is about (relative to the target where possible)
    item: str | None = None  # item number, when known

    def __post_init__(self):
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, got {self.severity!r}")
