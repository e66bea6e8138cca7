"""Progress on stderr: a bar on a terminal, plain lines otherwise; rejections always."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from imgkit.naming import shown


class Progress:
    """``bar=False`` (watch) always prints plain lines; ``timestamps`` prefixes each with the time."""

    def __init__(self, stream=sys.stderr, *, timestamps: bool = False, bar: bool = True):
        self.stream = stream
        self.timestamps = timestamps
        self.tty = bar and stream.isatty() and os.environ.get("TERM") != "dumb"
        self.total = self.done = 0
        self.started = time.perf_counter()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.tty and self.total:
            self.stream.write("\r\033[K")
            self.stream.flush()

    def event(self, kind: str, data) -> None:
        if kind == "start":
            self.total = data
            return
        if kind == "warning":
            self._line(f"warning: {data}")
            return
        if kind == "gone":
            name = Path(data.output).stem or f"{data.item} #{data.index}"
            self._line(f"gone: {name} (source {data.source})")
            return
        if kind == "renamed":
            self._line(f"renamed: {data}")
            return
        o = data
        if o.status in ("rejected", "skipped"):
            self._line(f"{o.status}: {o.source}: {o.reason}")
        for problem in o.problems:
            self._line(f"error: {o.source}: {problem}")
        if o.status == "chart":
            c = o.calibration
            self._line(f"chart: {o.source}: calibrates {o.item or 'the session'} ({c['method']}, "
                       f"ΔE2000 mean {c['mean_before']:.1f} -> {c['mean_loo']:.1f} leave-one-out "
                       f"({c['mean_after']:.1f} in-sample), max {c['max_loo']:.1f})")
        if o.status == "replaced":   # always said: a published image changed under its name
            self.done += 1
            self._line(f"replaced: {o.source} -> {o.outputs.get('detail')}")
        if o.status in ("processed",):
            self.done += 1
            if not self.tty:
                self._line(f"processed: {o.source} -> {o.outputs.get('detail')}")
        elif o.status == "duplicate" and not self.tty:
            self._line(f"duplicate: {o.source} (same bytes as {o.duplicate_of})")
        if self.tty and self.total:
            self._bar()

    def _line(self, text: str) -> None:
        text = shown(text).replace("\n", "\\n").replace("\r", "\\r")
        if self.timestamps:
            text = f"{time.strftime('%H:%M:%S')} {text}"
        if self.tty:
            text = "\r\033[K" + text
        self.stream.write(text + "\n")
        self.stream.flush()

    def _bar(self) -> None:
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        rate = self.done / max(time.perf_counter() - self.started, 1e-6)
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}"
                          f"  {rate:.1f} img/s")
        self.stream.flush()
