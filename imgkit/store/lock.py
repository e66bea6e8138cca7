"""One imgkit process per output tree: an advisory lock on ``OUT/.imgkit/lock``.

``flock`` locks belong to the open file, which forked workers share: a worker still
finishing a job after its parent was killed would keep OUT locked. Workers therefore drop
their copy of the descriptor (``forget_inherited``) when they start.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from imgkit.errors import LockedError

_held: set[int] = set()


@contextlib.contextmanager
def locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "?"
            raise LockedError(f"{path.parent.parent}: another imgkit (pid {holder}) is working on "
                              f"this output folder; wait for it to finish") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        _held.add(fd)
        yield
    finally:
        _held.discard(fd)
        os.close(fd)


def forget_inherited() -> None:
    """In a forked worker: close the inherited lock descriptors (the parent keeps its own)."""
    for fd in list(_held):
        with contextlib.suppress(OSError):
            os.close(fd)
    _held.clear()
