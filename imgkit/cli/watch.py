"""``imgkit watch``."""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path

import click

from imgkit import profile as profiles
from imgkit.cli import EXIT_OK, exit_codes, main, parent_exists, profile_option
from imgkit.imaging.text import check_profile_text


@main.command()
@click.argument("inbox", type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder [default: INBOX/../<INBOX name>-out].")
@profile_option
@click.option("--polling", is_flag=True,
              help="Poll the folder instead of OS events: needed for network shares (SMB/NFS).")
@click.option("--poll-interval", type=click.FloatRange(min=0.05), default=1.0, show_default=True,
              help="Seconds between polls with --polling.")
@click.option("--settle", type=click.FloatRange(min=0), default=2.0, show_default=True,
              help="Seconds a file's size and mtime must stay unchanged before it is taken.")
@click.option("--rescan", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Seconds between full rescans that catch anything events missed.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0,
              help="Worker processes [default: the CPU count].")
@click.option("--prune", is_flag=True,
              help="Retire published images whose source is deleted: their files go to history, the item closes up.")
def watch(inbox: Path, out: Path | None, profile_spec: str, polling: bool, poll_interval: float,
          settle: float, rescan: float, jobs: int, prune: bool) -> None:
    """Watch a hot folder and process photos as they arrive, until Ctrl-C or SIGTERM.

    Everything already in INBOX that has not been processed is done first. Files still
    being copied are waited for. Outputs, names and state are the same as `imgkit build`.

    Example: imgkit watch /mnt/nas/inbox -o /mnt/nas/listing --polling
    """
    from imgkit.engine.session import resolve_paths
    from imgkit.engine.watch import Watcher
    from imgkit.report.progress import Progress

    stop = threading.Event()

    def log(text: str, err: bool = True) -> None:
        """What the watcher does (watching, the sheet read, the inbox lost) and errors: stderr;
        per-file results and the closing summary: stdout. Every line with the time."""
        click.echo(f"{time.strftime('%H:%M:%S')} {text}", err=err)

    def on_signal(signum, frame):
        if not stop.is_set():
            log(f"{signal.Signals(signum).name}: finishing the work in flight, then stopping")
        stop.set()

    with exit_codes():
        parent_exists(out, "-o")
        prof = profiles.load(profile_spec)
        check_profile_text(prof)
        inbox, out = resolve_paths(inbox, out)
        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        progress = Progress(sys.stdout, sys.stderr, timestamps=True, bar=False)
        outcomes = Watcher(inbox, out, prof, jobs=jobs, polling=polling, settle=settle,
                           poll_interval=poll_interval, rescan=rescan, log=log, on_event=progress.event,
                           prune=prune).run(stop)
    done = sum(o.status == "processed" for o in outcomes.values())
    bad = sum(o.status == "rejected" for o in outcomes.values())
    log(f"stopped: {done} processed, {bad} rejected in this session", err=False)
    sys.exit(EXIT_OK)
