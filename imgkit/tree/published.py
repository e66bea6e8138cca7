"""A finished OUT as the tree commands (mark, renumber, undo) see it: opened under OUT's lock
with any interrupted operation mended first, an item's published slots, and rendering one of
them again from its raw original with what it was made with."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from imgkit.colour.calibration_file import calibration_id, calibration_of
from imgkit.detail import pipeline as detail
from imgkit.detail.decoration import Decoration
from imgkit.errors import ConfigError
from imgkit.profile import Profile
from imgkit.profile.fingerprint import Fingerprint
from imgkit.store.history import recover
from imgkit.store.lock import locked
from imgkit.store.state import SourceRow, State


@contextlib.contextmanager
def open_tree(out: Path, command: str, log=lambda line: None) -> Iterator[State]:
    """The tree's state, with OUT locked for ``command`` against a build or watch running
    meanwhile, and any operation a killed run left half done rolled back (``log`` says so)."""
    db = out / ".imgkit" / "state.sqlite"
    if not db.is_file():
        raise ConfigError(f"{out}: not an imgkit output folder (no .imgkit/state.sqlite); run imgkit build first")
    with locked(out / ".imgkit" / "lock", command):
        state = State(db)
        try:
            for line in recover(out, state):
                log(line)
            yield state
        finally:
            state.close()


def slots_of(state: State, item: str, out: Path) -> dict[int, SourceRow]:
    """The item's published images by index; ``ConfigError`` when it has none."""
    rows = {s.idx: s for s in state.sources().values() if s.item == item and s.status == "done"}
    if not rows:
        raise ConfigError(f"{out}: no published images of item {item!r}")
    return rows


def made_with(s: SourceRow, profile: Profile) -> Fingerprint:
    """What the slot's image was made with; refuses another profile's tree."""
    fp = Fingerprint.parse(s.profile_fp or "")
    if fp.profile != profile.fingerprint:
        raise ConfigError(f"{s.path}: was built with another profile (or its settings changed) than "
                          f"{profile.path}; use the -p that build used, after a build")
    return fp


def _calibration(out: Path, fp: Fingerprint) -> Path | None:
    """The calibration JSON the fingerprint names, found in OUT."""
    if not fp.calibration:
        return None
    for path in sorted((out / "calibration").glob("*.json")):
        if calibration_id(path) == fp.calibration:
            return path
    raise ConfigError(f"{out}: the colour calibration {fp.calibration} these images were made with is not in "
                      f"{out / 'calibration'}; run build again first")


def rerender(out: Path, profile: Profile, s: SourceRow, outputs: dict[str, str],
             deco: Decoration) -> tuple[bytes, str]:
    """The slot's detail image made again from its raw copy with ``deco``; and its fingerprint."""
    fp = made_with(s, profile)
    data = (out / outputs["raw"]).read_bytes()
    frame = detail.run(profile, data, calibration=calibration_of(_calibration(out, fp)), decoration=deco)
    return frame.outputs["detail"], str(fp.decorated(deco.key(profile)))
