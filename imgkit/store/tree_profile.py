"""Which profile made an output tree. Every ``build``/``watch`` session writes
``OUT/.imgkit/profile.json`` (name, path, fingerprint); ``imgkit validate OUT`` judges the
tree with that profile, and refuses (exit 2) a ``-p`` whose fingerprint differs, as ``mark``
does. A tree built before the record existed is known by the one fingerprint its state holds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from imgkit import profile as profiles
from imgkit.errors import ConfigError
from imgkit.profile import Profile
from imgkit.profile.fingerprint import Fingerprint
from imgkit.store.files import atomic_write
from imgkit.store.state import rendered_with

RECORD = Path(".imgkit") / "profile.json"


@dataclass(frozen=True)
class Recorded:
    fingerprint: str
    name: str = ""      # empty: known from the state's fingerprints only
    path: str = ""

    def __str__(self) -> str:
        if not self.name:
            return f"a profile with fingerprint {self.fingerprint}"
        return f"profile {self.name} ({self.path}, fingerprint {self.fingerprint})"


def _describe(p: Profile) -> str:
    return f"profile {p.name} ({p.path}, fingerprint {p.fingerprint})"


def record(out: Path, profile: Profile) -> None:
    """Write OUT's record of the profile its images are made with (unchanged: not rewritten)."""
    text = json.dumps({"name": profile.name, "path": str(profile.path), "fingerprint": profile.fingerprint},
                      ensure_ascii=False, indent=1) + "\n"
    path = out / RECORD
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except (OSError, UnicodeDecodeError):
        pass
    atomic_write(path, text.encode("utf-8"))


def recorded(out: Path) -> Recorded | None:
    """The profile OUT was built with: its record, else the one fingerprint of its state
    (None for a folder that is no build tree, or a state with several or none)."""
    path = out / RECORD
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Recorded(str(data["fingerprint"]), str(data.get("name", "")), str(data.get("path", "")))
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: cannot read the record of the profile this tree was built with ({exc}); "
                          f"run imgkit build on it again") from None
    made = {Fingerprint.parse(fp).profile for fp in rendered_with(out)}
    return Recorded(made.pop()) if len(made) == 1 else None


def judging_profile(out: Path, spec: str | None) -> tuple[Profile, Recorded | None]:
    """The profile to judge the build tree ``out`` with, and the record it was checked against.

    ``spec`` (``-p``) must be the profile the tree was built with (same fingerprint), else
    ``ConfigError`` naming both; without it the recorded profile is loaded again from its
    path (or by its shipped name when the path is gone) and must still have that fingerprint.
    """
    rec = recorded(out)
    if spec is not None:
        prof = profiles.load(spec)
        if rec is not None and rec.fingerprint != prof.fingerprint:
            raise ConfigError(f"{out}: was built with {rec}, not with {_describe(prof)}; validate with the -p "
                              f"that build used, or build with this profile first")
        return prof, rec
    if rec is None:
        return profiles.load("default"), None
    if not rec.name:   # a tree from before the record: its state knows the fingerprint only
        prof = profiles.load("default")
        if prof.fingerprint != rec.fingerprint:
            raise ConfigError(f"{out}: was built with {rec}, not with the {_describe(prof)}; "
                              f"pass the -p that build used")
        return prof, rec
    if Path(rec.path).is_file():
        prof = profiles.load(rec.path)
    elif rec.name in profiles.shipped():   # imgkit installed elsewhere since
        prof = profiles.load(rec.name)
    else:
        raise ConfigError(f"{out}: was built with {rec}, and that file is gone; pass the profile with -p")
    if prof.fingerprint != rec.fingerprint:
        raise ConfigError(f"{out}: was built with {rec}, and that profile has changed since (now fingerprint "
                          f"{prof.fingerprint}); run build again to re-render the tree, or pass -p")
    return prof, rec
