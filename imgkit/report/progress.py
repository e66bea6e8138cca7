"""What a run says on the terminal. Results on stdout: one line per file that needs one
(processed, replaced, duplicate, chart, skipped, rejected, gone, renamed) and the summary
line, so ``imgkit build SRC > log`` keeps them. Progress, warnings and errors on stderr: a
bar with counts, rate and ETA (tqdm) when stderr is a terminal. With the bar on a terminal
that also shows stdout, the ``processed:`` and ``duplicate:`` lines are left out (the bar
counts them, report.json and report.html list them).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from imgkit.naming import shown

#: what the bar shows: "[#####.....] 12/17  8.3img/s  ETA 00:01"
BAR_FORMAT = "[{bar:30}] {n_fmt}/{total_fmt}  {rate_noinv_fmt}  ETA {remaining}"


def _screen(stream) -> tuple[int, int]:
    """The terminal's columns and lines; 80 x 24 when it does not say (a new pseudo-terminal
    reports 0 x 0, which tqdm takes for a screen too small to draw on)."""
    try:
        size = os.get_terminal_size(stream.fileno())
    except (AttributeError, ValueError, OSError):
        return 80, 24
    return (size.columns if size.columns > 20 else 80), (size.lines if size.lines > 2 else 24)


def is_terminal(stream) -> bool:
    try:
        return stream.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):
        return False


class Progress:
    """``on_event`` for a build or a watch. ``bar=False`` (watch) never draws a bar;
    ``timestamps`` prefixes every line with the time; ``out=None`` sends the result lines to
    stderr too (``--json``: stdout is only the JSON)."""

    def __init__(self, out=sys.stdout, err=sys.stderr, *, timestamps: bool = False, bar: bool = True,
                 json_mode: bool = False):
        self.err = err
        self.out = err if json_mode else out
        self.timestamps = timestamps
        self.tty = bar and is_terminal(err)
        self.terse = self.tty and (json_mode or is_terminal(out))
        self.bar = None
        self.jobs_started = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.refresh()     # the final count, which the redraw interval may have skipped
            self.bar.close()
            self.bar = None

    def event(self, kind: str, data) -> None:
        if kind == "start":
            self._start(data)
        elif kind == "warning":
            self._line(f"warning: {data}", self.err)
        elif kind == "gone":
            name = Path(data.output).stem or f"{data.item} #{data.index}"
            self._line(f"gone: {name} (source {data.source})", self.out)
        elif kind == "renamed":
            self._line(f"renamed: {data}", self.out)
        elif kind == "outcome":
            self._outcome(data)

    def _outcome(self, o) -> None:
        if o.status in ("rejected", "skipped"):
            self._line(f"{o.status}: {o.source}: {o.reason}", self.out)
        elif o.status == "chart":
            c = o.calibration
            self._line(f"chart: {o.source}: calibrates {o.item or 'the session'} ({c['method']}, "
                       f"ΔE2000 mean {c['mean_before']:.1f} -> {c['mean_loo']:.1f} leave-one-out "
                       f"({c['mean_after']:.1f} in-sample), max {c['max_loo']:.1f})",
                       self.out)
        elif o.status == "replaced":   # always said: a published image changed under its name
            self._line(f"replaced: {o.source} -> {o.outputs.get('detail')}", self.out)
        elif o.status == "processed" and not self.terse:
            self._line(f"processed: {o.source} -> {o.outputs.get('detail')}", self.out)
        elif o.status == "duplicate" and not self.terse:
            self._line(f"duplicate: {o.source} (same bytes as {o.duplicate_of})", self.out)
        for problem in o.problems:
            self._line(f"error: {o.source}: {problem}", self.err)
        # each job ends in one of these; refusals and plan outcomes come before the start
        if self.bar is not None and self.jobs_started and o.status in ("processed", "replaced", "rejected"):
            self.bar.update(1)

    def _start(self, total: int) -> None:
        self.close()
        self.jobs_started = True
        if self.tty and total:
            from tqdm import tqdm  # imported here: a run with nothing to do pays nothing for it
            cols, lines = _screen(self.err)
            self.bar = tqdm(total=total, file=self.err, unit="img", bar_format=BAR_FORMAT, ascii=".#",
                            mininterval=0.1, smoothing=0.2, ncols=cols, nrows=lines, leave=False)

    def _line(self, text: str, stream) -> None:
        text = shown(text).replace("\n", "\\n").replace("\r", "\\r")
        if self.timestamps:
            text = f"{time.strftime('%H:%M:%S')} {text}"
        if self.bar is not None:   # the bar is cleared, the line written, the bar drawn again below it
            self.bar.clear()
            stream.write(text + "\n")
            stream.flush()
            self.bar.refresh()
        else:
            stream.write(text + "\n")
            stream.flush()


def summary_line(summary) -> str:
    """The run in one line, counting every kind of problem that makes the exit code 1
    (rejected inputs, and errors after processing such as a failed backup copy)."""
    c = summary.count
    parts = [f"{c('processed')} processed"]
    if c("replaced"):
        parts.append(f"{c('replaced')} replaced")
    parts += [f"{c('up_to_date')} up to date", f"{c('duplicate')} duplicate", f"{c('skipped')} skipped",
              f"{c('rejected')} rejected"]
    if c("chart"):
        parts.append(f"{c('chart')} colour chart{'s' if c('chart') != 1 else ''}")
    gone = sum(not g.retired for g in summary.gone)
    retired = len(summary.gone) - gone
    if gone:
        parts.append(f"{gone} gone (kept; --prune retires them)")
    if retired:
        parts.append(f"{retired} retired")
    errors = sum(len(o.problems) for o in summary.outcomes)
    if errors:
        parts.append(f"{errors} error{'s' if errors != 1 else ''} (see the error: lines)")
    if summary.warnings:
        n = len(summary.warnings)
        parts.append(f"{n} warning{'s' if n != 1 else ''}")
    return f"imgkit: {', '.join(parts)} in {summary.elapsed:.1f} s -> {summary.out}"
