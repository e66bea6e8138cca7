"""The ``[backup] dir`` mirror (R9): raw originals and chart photos copied elsewhere, verified."""

from __future__ import annotations

from pathlib import Path

from imgkit.profile import Profile
from imgkit.store.files import copy_verified


def backup_root(profile: Profile, out: Path) -> Path | None:
    """The ``[backup] dir`` mirror (relative to OUT), or None when there is none."""
    backup = profile.backup.dir
    return (out / Path(backup).expanduser()).resolve() if backup else None


def back_up(src: Path, target: Path, sha256: str) -> str | None:
    """Copy ``src`` into the backup mirror, verified; the problem to report if that failed."""
    try:
        copy_verified(src, target, sha256)
    except OSError as exc:
        return f"backup to {target} failed: {exc.strerror or exc}"
    return None
