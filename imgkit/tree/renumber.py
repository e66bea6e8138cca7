"""Re-sequencing an item: ``prune`` (gone images retired, the rest closing up to 01..N) and
``renumber`` (a new order of the same images), as one undoable operation.

Files are renamed, never re-encoded, except the detail images whose drawing depends on the
index: the facts panel belongs to the first image and captions go by position, so an image
that moves to 01 gets the panel and one that moves to 02 the first caption; sold-out labels
follow their image. Renames go through temporary names, so any permutation is safe.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from imgkit.detail.decoration import Decoration
from imgkit.errors import ConfigError
from imgkit.naming import natural_key, output_name
from imgkit.profile import Profile
from imgkit.profile.fingerprint import Fingerprint
from imgkit.store.files import atomic_write
from imgkit.store.history import Operation
from imgkit.store.state import SourceRow, State
from imgkit.tree.published import open_tree, rerender, slots_of

#: what the image at a new index carries: (new index, the sold-out labels that moved there)
Decorate = Callable[[int, dict[int, tuple[str, ...]]], Decoration]


@dataclass(frozen=True)
class Rename:
    item: str
    old: int
    new: int
    old_name: str
    new_name: str


def resequence(out: Path, profile: Profile, state: State, item: str, order: list[int], retire: list[int],
               *, kind: str, decorate: Decorate | None = None) -> list[Rename]:
    """Give the item's images ``order`` (current indices) the indices start, start+1, …;
    retire the images ``retire`` (current indices) into history. ``decorate``: what each new
    index carries (default: the facts and caption recorded at that position before, the
    labels of the image that moves there)."""
    slots = {s.idx: s for s in state.sources().values() if s.item == item and s.status == "done"}
    if sorted(order + retire) != sorted(slots):
        raise ConfigError(f"{out}: item {item} has images {', '.join(map(str, sorted(slots)))}; "
                          f"the new order must name each of them once")
    outputs = state.outputs()
    start = profile.naming.start
    new_of = {old: start + n for n, old in enumerate(order)}
    marks = {idx: labels for (it, idx), labels in state.marks().items() if it == item}
    moved_marks = {new_of[old]: labels for old, labels in marks.items() if old in new_of}
    decorate = decorate or _positional(slots)
    renders: dict[int, tuple[bytes, str, Decoration]] = {}
    for old, new in new_of.items():   # render everything first: a failure changes nothing
        s = slots[old]
        deco = decorate(new, moved_marks)
        if str(Fingerprint.parse(s.profile_fp or "").decorated(deco.key(profile))) != s.profile_fp:
            blob, fp = rerender(out, profile, s, outputs[s.slot], deco)
            renders[new] = (blob, fp, deco)
    op = Operation(out, kind, item, state.record(item))
    for old in retire:
        for k, rel in sorted(outputs.get((item, old), {}).items()):
            if k != "backup" and (out / rel).exists():
                op.retire(rel)
    moving = {old: new for old, new in new_of.items() if old != new}
    paths: dict[tuple[int, str], str] = {}
    temps = []
    for old, new in moving.items():   # first every file to a temporary name, then to its new one
        for k, rel in sorted(outputs[(item, old)].items()):
            if k == "backup":
                continue
            p = PurePosixPath(rel)
            temp = str(p.with_name(f".{p.name}.{op.id}"))
            op.rename(rel, temp)
            final = str(p.with_name(output_name(profile.naming.template, item, new) + p.suffix))
            temps.append((temp, final))
            paths[(new, k)] = final
    for temp, final in temps:
        op.rename(temp, final)
    staged = {}
    for new, _render in sorted(renders.items()):
        old = next(o for o, n in new_of.items() if n == new)
        rel = paths.get((new, "detail"), outputs[(item, old)]["detail"])
        staged[new] = op.folder / "new" / f"{new}.jpg"
        op.place(rel, staged[new], existed=True)
    op.start()
    for new, (blob, _fp, _deco) in renders.items():
        atomic_write(staged[new], blob)
    op.run()
    state.renumber(item, moving, retire, paths,
                   {new: (fp, json.dumps(deco.as_json(), ensure_ascii=False) if deco else None)
                    for new, (_blob, fp, deco) in renders.items()}, op=(op.id, op.kind, item))
    op.done()
    name = profile.naming.template
    return [Rename(item, old, new, output_name(name, item, old), output_name(name, item, new))
            for old, new in sorted(moving.items(), key=lambda m: m[1])]


def _positional(slots: dict[int, SourceRow]) -> Decorate:
    """The product sheet's part (facts, caption) stays with the position; labels follow the image."""
    recorded = {idx: Decoration.from_json(s.decoration) for idx, s in slots.items()}

    def decorate(new: int, moved_marks: dict[int, tuple[str, ...]]) -> Decoration:
        base = recorded.get(new, Decoration())
        return Decoration(base.facts, base.caption, moved_marks.get(new, ()))
    return decorate


def by_order(slots: dict[int, SourceRow], profile: Profile) -> list[int]:
    """The item's indices in ``[naming] order``: file name, or capture time then file name."""
    def name(s: SourceRow):
        return natural_key(Path(s.path).name), natural_key(s.path)
    if profile.naming.order == "capture":
        return sorted(slots, key=lambda i: (slots[i].captured is None, slots[i].captured or "", name(slots[i])))
    return sorted(slots, key=lambda i: name(slots[i]))


def renumber(out: Path, item: str, profile: Profile, order: list[int] | None = None) -> list[Rename]:
    """``imgkit renumber``: re-sequence ``item`` by ``[naming] order`` or by ``order`` (its
    current indices in the order wanted)."""
    with open_tree(out, "renumber") as state:
        slots = slots_of(state, item, out)
        wanted = order or by_order(slots, profile)
        renames = resequence(out, profile, state, item, wanted, [], kind="renumber")
    if renames and profile.page.in_build:
        from imgkit.tree.page import render_pages
        render_pages(out, [item], profile)
    return renames
