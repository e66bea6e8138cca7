"""Sold-out marking (R11): a label on an item's published detail images, same file names.

Each image is rendered again from its raw original with everything it carried before (facts
panel, caption, earlier labels) plus the new label, so labels never stack and marking twice
is marking once. The previous files go to ``OUT/.imgkit/history/<ITEM>/<op>/`` first; the
marks are recorded in the state, so a later ``build`` draws them again; ``undo`` puts the
last operation's files, state and marks back.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from imgkit.colour.calibration_file import calibration_id, calibration_of
from imgkit.detail import pipeline as detail
from imgkit.detail.decoration import Decoration
from imgkit.errors import ConfigError
from imgkit.imaging.text import profile_fonts
from imgkit.profile import Profile
from imgkit.profile.fingerprint import Fingerprint
from imgkit.store.files import atomic_write
from imgkit.store.lock import locked
from imgkit.store.state import SourceRow, State


@dataclass(frozen=True)
class Change:
    index: int
    path: Path          # the detail image, rewritten in place


@contextlib.contextmanager
def _state(out: Path) -> Iterator[State]:
    """The tree's state, with OUT locked against a build or watch running meanwhile."""
    db = out / ".imgkit" / "state.sqlite"
    if not db.is_file():
        raise ConfigError(f"{out}: not an imgkit output folder (no .imgkit/state.sqlite); run imgkit build first")
    with locked(out / ".imgkit" / "lock"):
        state = State(db)
        try:
            yield state
        finally:
            state.close()


def _sources(state: State, item: str, out: Path) -> dict[int, SourceRow]:
    rows = {s.idx: s for s in state.sources().values() if s.item == item and s.status == "done"}
    if not rows:
        raise ConfigError(f"{out}: no published images of item {item!r}")
    return rows


def _made_with(s: SourceRow, profile: Profile) -> Fingerprint:
    """What the source's image was made with; refuses another profile's tree."""
    fp = Fingerprint.parse(s.profile_fp or "")
    if fp.profile != profile.fingerprint:
        raise ConfigError(f"{s.path}: was built with another profile (or its settings changed) than "
                          f"{profile.path}; mark with the -p that build used, after a build")
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


def _render(out: Path, profile: Profile, s: SourceRow, outputs: dict[str, str], deco: Decoration) -> tuple[bytes, str]:
    fp = _made_with(s, profile)
    data = (out / outputs["raw"]).read_bytes()
    frame = detail.run(profile, data, calibration=calibration_of(_calibration(out, fp)), decoration=deco)
    return frame.outputs["detail"], str(fp.decorated(deco.key(profile)))


def mark(out: Path, item: str, profile: Profile, text: str, *, indices: list[int] | None = None,
         label: str | None = None) -> list[Change]:
    """Label ``item``'s images (all, or ``indices``) with "TEXT LABEL"; [] when already so."""
    line = f"{text.strip()} {profile.mark.label if label is None else label.strip()}".strip()
    if not line:
        raise ConfigError("the sold-out text is empty")
    profile_fonts(profile).check(line, "the sold-out label (--sold-out TEXT and --label)")  # exit 2, not boxes
    with _state(out) as state:
        sources = _sources(state, item, out)
        unknown = sorted(set(indices or ()) - set(sources))
        if unknown:
            raise ConfigError(f"{out}: item {item} has no image with index {', '.join(map(str, unknown))} "
                              f"(it has {', '.join(map(str, sorted(sources)))})")
        before = {idx: labels for (it, idx), labels in state.marks().items() if it == item}
        after = dict(before)
        for idx in indices or sorted(sources):
            if line not in after.get(idx, ()):
                after[idx] = after.get(idx, ()) + (line,)
        touched = [idx for idx in sorted(sources) if after.get(idx, ()) != before.get(idx, ())]
        if not touched:
            return []
        changes = _apply(out, item, profile, state, sources, before, after, touched)
        if profile.page.in_build:  # the description page shows the marked images too
            from imgkit.tree.page import render_pages
            render_pages(out, [item], profile)
        return changes


def _apply(out: Path, item: str, profile: Profile, state: State, sources: dict[int, SourceRow],
           before: dict, after: dict, touched: list[int]) -> list[Change]:
    outputs = state.outputs()
    op = out / ".imgkit" / "history" / item / f"{time.time_ns()}"
    rendered = []
    for idx in touched:  # render everything first: a failure changes nothing
        s = sources[idx]
        deco = replace(Decoration.from_json(s.decoration), marks=after.get(idx, ()))
        blob, fp = _render(out, profile, s, outputs[s.sha256], deco)
        rendered.append((idx, s, out / outputs[s.sha256]["detail"], blob, fp, deco))
    op.mkdir(parents=True)
    manifest = {"item": item, "marks_before": {str(i): list(v) for i, v in before.items()},
                "files": [{"index": idx, "detail": str(path.relative_to(out)), "sha256": s.sha256,
                           "profile_fp": s.profile_fp, "decoration": s.decoration}
                          for idx, s, path, *_ in rendered]}
    for _idx, _s, path, *_ in rendered:
        shutil.copy2(path, op / path.name)
    atomic_write(op / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode())
    state.set_marks(item, after)
    changes = []
    for idx, s, path, blob, fp, deco in rendered:
        atomic_write(path, blob)
        state.rendered(s.sha256, fp, json.dumps(deco.as_json(), ensure_ascii=False))
        changes.append(Change(idx, path))
    return changes


def undo(out: Path, item: str) -> list[Change]:
    """Put back the files, marks and state the last ``mark`` of ``item`` replaced."""
    with _state(out) as state:
        ops = sorted((out / ".imgkit" / "history" / item).glob("*/manifest.json"), key=lambda p: int(p.parent.name))
        if not ops:
            raise ConfigError(f"{out}: nothing to undo for item {item!r} (no marks in its history)")
        manifest = json.loads(ops[-1].read_text(encoding="utf-8"))
        changes = []
        for f in manifest["files"]:
            path = out / f["detail"]
            atomic_write(path, (ops[-1].parent / path.name).read_bytes())
            state.rendered(f["sha256"], f["profile_fp"], f["decoration"])
            changes.append(Change(f["index"], path))
        state.set_marks(item, {int(i): tuple(v) for i, v in manifest["marks_before"].items()})
        shutil.rmtree(ops[-1].parent)
        return changes
