"""File-level safety: hashing, atomic writes, verified copies.

Every output appears by ``os.replace`` from a temporary name in the same folder, so a crash
leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path

CHUNK = 1 << 20


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_MODE = 0o666 & ~_umask()  # what open() would give: mkstemp's 0600 would hide outputs from others


def _temp_beside(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.fchmod(fd, _MODE)
    return fd, Path(tmp)


_TEMP = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")   # _temp_beside's names: .<name>.<8 random>.tmp


def remove_temps(folder: Path) -> None:
    """Delete what a killed ``atomic_write`` left in ``folder`` (its temporary files only)."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return
    for entry in entries:
        if _TEMP.match(entry.name) and entry.is_file():
            entry.unlink(missing_ok=True)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that it appears complete or not at all."""
    fd, tmp = _temp_beside(path)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def write_staged(path: Path, data: bytes) -> None:
    """Write a scratch file (under ``OUT/.imgkit/staging``) and start writing it back to disk
    without waiting, so the disk works while the CPU decodes; ``settle`` waits for it later.
    No temporary name: a staged file is used only once its job has returned, and staging is
    wiped by every run."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, _MODE)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        _start_writeback(fd)
    finally:
        os.close(fd)


def settle(paths) -> None:
    """Wait until the staged ``paths`` are on disk (fsync), before they are renamed into place."""
    for path in paths:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _start_writeback(fd: int) -> None:
    """``sync_file_range(SYNC_FILE_RANGE_WRITE)`` on Linux: queue the pages for writing, return."""
    if _sync_file_range is not None:
        _sync_file_range(fd, 0, 0, 2)


def _libc_sync_file_range():
    try:
        import ctypes
        fn = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (OSError, AttributeError):  # not Linux: settle's fsync does all the work
        return None
    fn.argtypes = (ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint)
    return fn


_sync_file_range = _libc_sync_file_range()


def move_into_place(staged: Path, path: Path, *, sync_dir: bool = True) -> None:
    """Rename a finished staged file to its final name (same file system). With
    ``sync_dir=False`` the caller fsyncs the folder once for several renames (``sync_dirs``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staged, path)
    if sync_dir:
        _fsync_dir(path.parent)


def sync_dirs(folders) -> None:
    """Make renames into ``folders`` durable: one fsync per folder."""
    for folder in set(folders):
        _fsync_dir(folder)


def copy_verified(src: Path, dst: Path, sha256: str) -> None:
    """Copy ``src`` to ``dst`` atomically and check the copy's SHA-256 before it appears."""
    fd, tmp = _temp_beside(dst)
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        got = sha256_file(tmp)
        if got != sha256:
            raise OSError(f"copy of {src} to {dst} does not verify (sha256 {got[:12]} != {sha256[:12]})")
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(dst.parent)
