"""Operations on published files, journaled: nothing made permanent by mistake.

Every change to an item's published files (a re-shot photo replacing its slot, prune,
renumber, a sold-out mark) is one ``Operation`` in ``OUT/.imgkit/history/ops/<id>/``: a
manifest with the item's state rows before it and the file actions it takes, in order
(``retire`` a file into history, ``rename`` one, ``place`` new bytes over one, whose old
bytes go to history). The manifest is written before the first action; the state records
the operation's id in the same transaction as its new rows; then the manifest says done.

So a run killed in the middle is rolled back by the next one (``recover``): the actions that
happened are reversed, newest first, each checked against the files as they are; and
``undo`` reverses a finished operation the same way and puts the state rows back, byte for
byte. Reversing is idempotent: an undo killed half way is finished by running it again.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from imgkit.errors import ConfigError
from imgkit.store.files import atomic_write, move_into_place, sync_dirs
from imgkit.store.state import ItemRecord, State

STARTED, DONE, UNDOING = "started", "done", "undoing"


def ops_dir(out: Path) -> Path:
    return out / ".imgkit" / "history" / "ops"


@dataclass
class Operation:
    out: Path
    kind: str                 # replace, prune, renumber, mark
    item: str
    record: ItemRecord        # the item's state rows before the operation
    actions: list[dict] = field(default_factory=list)
    id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            self.id = f"{time.time_ns()}-{self.kind}-{self.item}"

    @property
    def folder(self) -> Path:
        return ops_dir(self.out) / self.id

    # planning: actions are listed first, then carried out --------------------------------
    def retire(self, rel: str) -> None:
        """``OUT/rel`` moves into history."""
        self.actions.append({"do": "retire", "rel": rel, "keep": self._keep(rel)})

    def rename(self, old: str, new: str) -> None:
        """``OUT/old`` is renamed ``OUT/new``. The file's identity (inode, size, mtime, which a
        rename keeps) is noted, so reversing moves back only the file this action moved: in a
        chain through temporary names, a name can hold another file when the run was killed."""
        earlier = next((a["file"] for a in reversed(self.actions) if a["do"] == "rename" and a["new"] == old), None)
        self.actions.append({"do": "rename", "old": old, "new": new, "file": earlier or _identity(self.out / old)})

    def place(self, rel: str, staged: Path, *, existed: bool | None = None) -> None:
        """The file at ``staged`` becomes ``OUT/rel``; what is there then goes into history
        (nothing when there is nothing: undo then removes the new file). ``existed``: whether a
        file will be there when the action runs (an earlier rename may put one), else now."""
        self.actions.append({"do": "place", "rel": rel, "staged": str(staged), "keep": self._keep(rel),
                             "existed": (self.out / rel).exists() if existed is None else existed})

    def _keep(self, rel: str) -> str:
        return f"files/{len(self.actions):04d}/{rel}"

    # carrying out ------------------------------------------------------------------------
    def start(self) -> None:
        self.folder.mkdir(parents=True)
        self._write(STARTED)

    def run(self) -> None:
        """Carry out every action, in order (after ``start``), durably: the folders are
        fsynced before the caller's state transaction says the operation happened."""
        touched = {self.folder / "files"}
        for a in self.actions:
            touched |= {(self.out / a[k]).parent for k in ("rel", "old", "new") if k in a}
            if a["do"] == "retire":
                move_into_place(self.out / a["rel"], self.folder / a["keep"], sync_dir=False)
            elif a["do"] == "rename":
                target = self.out / a["new"]
                target.parent.mkdir(parents=True, exist_ok=True)
                os.rename(self.out / a["old"], target)
            else:
                if a["existed"]:
                    move_into_place(self.out / a["rel"], self.folder / a["keep"], sync_dir=False)
                move_into_place(Path(a["staged"]), self.out / a["rel"], sync_dir=False)
        sync_dirs(d for d in touched if d.is_dir())

    def done(self) -> None:
        """After the state recorded the operation's id with its rows."""
        self._write(DONE)

    def _write(self, status: str) -> None:
        atomic_write(self.folder / "manifest.json", json.dumps(
            {"id": self.id, "kind": self.kind, "item": self.item, "status": status,
             "record": self.record.as_json(), "actions": self.actions}, ensure_ascii=False, indent=1).encode())

    # reversing ---------------------------------------------------------------------------
    def reverse(self) -> None:
        """Undo the actions that happened, newest first, each checked against the files."""
        for a in reversed(self.actions):
            if a["do"] == "retire":
                kept, rel = self.folder / a["keep"], self.out / a["rel"]
                if kept.exists() and not rel.exists():
                    move_into_place(kept, rel, sync_dir=False)
            elif a["do"] == "rename":
                old, new = self.out / a["old"], self.out / a["new"]
                if not old.exists() and _identity(new) == a["file"]:
                    old.parent.mkdir(parents=True, exist_ok=True)
                    os.rename(new, old)
            else:
                kept, rel = self.folder / a["keep"], self.out / a["rel"]
                if a["existed"]:
                    if kept.exists():
                        move_into_place(kept, rel, sync_dir=False)
                elif not Path(a["staged"]).exists():   # it was placed: it was not there before
                    rel.unlink(missing_ok=True)

    def files(self) -> tuple[str, ...]:
        """The published files the operation changed (their names before it), relative to OUT."""
        seen: dict[str, None] = {}
        for a in self.actions:
            seen.setdefault(a.get("rel") or a["old"], None)
        return tuple(f for f in seen if not Path(f).name.startswith("."))

    @classmethod
    def load(cls, folder: Path) -> tuple[Operation, str]:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        op = cls(folder.parent.parent.parent.parent, data["kind"], data["item"],
                 ItemRecord.from_json(data["record"]), data["actions"], data["id"])
        return op, data["status"]


def _identity(path: Path) -> list[int] | None:
    """What a rename keeps of a file: inode, size and mtime; None when there is no file."""
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_ino, st.st_size, st.st_mtime_ns]


def _listed(out: Path) -> list[Path]:
    root = ops_dir(out)
    if not root.is_dir():
        return []
    return sorted((p for p in root.iterdir() if (p / "manifest.json").is_file()),
                  key=lambda p: int(p.name.split("-", 1)[0]))


def recover(out: Path, state: State) -> list[str]:
    """Finish what a killed run left: an operation the state recorded is done (its files were
    all in place before the state said so); one it did not record is rolled back; an undo that
    was stopped is finished. Returns a line per operation mended. Under OUT's lock."""
    mended = []
    for folder in _listed(out):
        op, status = Operation.load(folder)
        if status == DONE and state.has_op(op.id):
            continue
        if status == STARTED and state.has_op(op.id):
            op.done()
            mended.append(f"completed the interrupted {op.kind} of {op.item}")
            continue
        if status in (STARTED, UNDOING):
            op.reverse()
            if state.has_op(op.id):
                state.restore(op.record, forget_op=op.id)
            mended.append(f"rolled back the interrupted {op.kind} of {op.item}" if status == STARTED
                          else f"finished undoing the {op.kind} of {op.item}")
        shutil.rmtree(folder, ignore_errors=True)   # a done op the state forgot: its undo ended
    return mended


@dataclass(frozen=True)
class Undone:
    kind: str
    item: str
    when: float                       # when the operation was made (seconds since the epoch)
    files: tuple[str, ...]            # the files it had changed, relative to OUT


def undo(out: Path, state: State, item: str | None = None) -> Undone:
    """Reverse the newest finished operation (of ``item``, when given): files byte for byte,
    then the item's state rows. Under OUT's lock, after ``recover``."""
    ops = [Operation.load(f)[0] for f in _listed(out)]
    ops = [op for op in ops if state.has_op(op.id) and (item is None or op.item == item)]
    if not ops:
        raise ConfigError(f"{out}: nothing to undo" + (f" for item {item}" if item else ""))
    op = ops[-1]
    op._write(UNDOING)
    op.reverse()
    state.restore(op.record, forget_op=op.id)
    shutil.rmtree(op.folder, ignore_errors=True)
    return Undone(op.kind, op.item, int(op.id.split("-", 1)[0]) / 1e9, op.files())
