"""Sold-out marking (R11): a label on an item's published detail images, same file names.

Each image is rendered again from its raw original with everything it carried before (facts
panel, caption, earlier labels) plus the new label, so labels never stack and marking twice
is marking once. The previous files go to history in one operation (``store/history.py``);
the marks are recorded in the state, so a later ``build`` draws them again; ``imgkit undo``
(or ``mark --undo``) puts the files, state and marks back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from imgkit.detail.decoration import Decoration
from imgkit.errors import ConfigError
from imgkit.imaging.text import profile_fonts
from imgkit.profile import Profile
from imgkit.store.files import atomic_write
from imgkit.store.history import Operation
from imgkit.store.history import undo as undo_operation
from imgkit.store.state import SourceRow, State
from imgkit.tree.published import open_tree, rerender, slots_of


@dataclass(frozen=True)
class Change:
    index: int
    path: Path          # the detail image, rewritten in place


def mark(out: Path, item: str, profile: Profile, text: str, *, indices: list[int] | None = None,
         label: str | None = None) -> list[Change]:
    """Label ``item``'s images (all, or ``indices``) with "TEXT LABEL"; [] when already so."""
    line = f"{text.strip()} {profile.mark.label if label is None else label.strip()}".strip()
    if not line:
        raise ConfigError("the sold-out text is empty")
    profile_fonts(profile).check(line, "the sold-out label (--sold-out TEXT and --label)")  # exit 2, not boxes
    with open_tree(out, "mark") as state:
        sources = slots_of(state, item, out)
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
        changes = _apply(out, item, profile, state, sources, after, touched)
        if profile.page.in_build:  # the description page shows the marked images too
            from imgkit.tree.page import render_pages
            render_pages(out, [item], profile)
        return changes


def _apply(out: Path, item: str, profile: Profile, state: State, sources: dict[int, SourceRow],
           after: dict, touched: list[int]) -> list[Change]:
    outputs = state.outputs()
    rendered = []
    for idx in touched:  # render everything first: a failure changes nothing
        s = sources[idx]
        deco = replace(Decoration.from_json(s.decoration), marks=after.get(idx, ()))
        blob, fp = rerender(out, profile, s, outputs[s.slot], deco)
        rendered.append((idx, outputs[s.slot]["detail"], blob, fp, deco))
    op = Operation(out, "mark", item, state.record(item))
    staged = [op.folder / "new" / f"{idx}.jpg" for idx, *_ in rendered]
    for (_idx, rel, *_), path in zip(rendered, staged, strict=True):
        op.place(rel, path)
    op.start()
    for (_idx, _rel, blob, *_), path in zip(rendered, staged, strict=True):
        atomic_write(path, blob)
    op.run()
    state.mark_done(item, after, [(idx, fp, json.dumps(deco.as_json(), ensure_ascii=False))
                                  for idx, _rel, _blob, fp, deco in rendered], op=(op.id, op.kind, item))
    op.done()
    return [Change(idx, out / rel) for idx, rel, *_ in rendered]


def undo(out: Path, item: str) -> list[Path]:
    """Put back what the item's last operation (a mark, or any other) changed; the files."""
    with open_tree(out, "mark --undo") as state:
        return [out / rel for rel in undo_operation(out, state, item).files]
