"""One imgkit process per output tree: an advisory lock on ``OUT/.imgkit/lock``.

The lock file records who holds it — the command (build, watch, mark, page…), its PID and
since when — so another imgkit can say what is in the way and what to do: wait for a build,
stop a watch (it never finishes by itself).

``flock`` locks belong to the open file, which forked workers share: a worker still
finishing a job after its parent was killed would keep OUT locked. Workers therefore drop
their copy of the descriptor (``forget_inherited``) when they start.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from pathlib import Path

from imgkit.errors import LockedError

_held: set[int] = set()


@contextlib.contextmanager
def locked(path: Path, command: str = ""):
    """Hold ``path`` (OUT/.imgkit/lock) for ``command``; ``LockedError`` saying who holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(held_by(path.parent.parent, os.read(fd, 512))) from None
        holder = {"pid": os.getpid(), "command": command, "since": round(time.time(), 3)}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        _held.add(fd)
        yield
    finally:
        if fd in _held:   # released: no holder to name (a killed holder's record is never read: no flock)
            _held.discard(fd)
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
        os.close(fd)


def held_by(out: Path, record: bytes) -> str:
    """The message for a held lock, from what its holder recorded (older imgkit wrote the PID alone)."""
    try:
        holder = json.loads(record)
        if not isinstance(holder, dict):
            raise ValueError
    except ValueError:
        holder = {"pid": record.decode(errors="replace").strip() or "?"}
    pid, command, since = holder.get("pid", "?"), holder.get("command") or "", holder.get("since")
    what = f": `imgkit {command}`" if command else ""
    when = f"{',' if what else ''} since {_clock(since)}" if isinstance(since, (int, float)) else ""
    if command == "watch":
        advice = f"a watch runs until it is stopped: stop it first (Ctrl-C where it runs, or kill {pid})"
    else:
        advice = "wait for it to finish"
    return f"{out}: another imgkit (pid {pid}) is working on this output folder{what}{when}; {advice}"


def _clock(stamp: float) -> str:
    """14:02:05 today, else 2026-11-29 14:02 (local time)."""
    then = time.localtime(stamp)
    same_day = time.strftime("%Y-%m-%d", then) == time.strftime("%Y-%m-%d")
    return time.strftime("%H:%M:%S" if same_day else "%Y-%m-%d %H:%M", then)


def forget_inherited() -> None:
    """In a forked worker: close the inherited lock descriptors (the parent keeps its own)."""
    for fd in list(_held):
        with contextlib.suppress(OSError):
            os.close(fd)
    _held.clear()
