"""One imgkit process per output tree: an advisory lock on ``OUT/.imgkit/lock``."""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from .errors import LockedError


@contextlib.contextmanager
def locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "?"
            raise LockedError(f"{path.parent.parent}: another imgkit (pid {holder}) is working on "
                              f"this output folder; wait for it to finish") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)
