"""Prune and renumber killed with SIGKILL at points spread over their run: the next run leaves
a consistent tree — no half-renamed item, no file lost (every raw copy exactly once in OUT or
in history) — and ends where a run that was never killed ends."""

from __future__ import annotations

import hashlib
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, photo_set, write_profile


def imgkit(*args, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "imgkit", *map(str, args)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def finish(*args) -> subprocess.CompletedProcess:
    proc = imgkit(*args)
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def raw_map(out: Path) -> dict[str, str]:
    """Raw copy name -> content hash, as the tree stands (temporary names included)."""
    return {p.relative_to(out / "raw").as_posix(): sha(p) for p in sorted((out / "raw").rglob("*")) if p.is_file()}


def every_raw_once(out: Path, originals: set[str]) -> None:
    """Each original's bytes exist exactly once among OUT/raw and the history."""
    seen = [sha(p) for p in (out / "raw").rglob("*") if p.is_file()]
    seen += [sha(p) for p in (out / ".imgkit" / "history").rglob("*") if p.is_file() and p.name != "manifest.json"
             and sha(p) in originals]
    assert sorted(seen) == sorted(originals), "a raw copy is lost or doubled"


def consistent(out: Path, item: str) -> None:
    """Files and state agree: the state's outputs exist, nothing else is in the item's folders."""
    with sqlite3.connect(out / ".imgkit" / "state.sqlite") as db:
        rows = db.execute("SELECT idx, kind, path FROM outputs WHERE item = ? AND kind != 'backup'",
                          (item,)).fetchall()
        idx = sorted(i for i, in db.execute("SELECT idx FROM sources WHERE item = ?", (item,)))
    assert idx == list(range(1, len(idx) + 1)), "indices close up"
    paths = {p for _, _, p in rows}
    assert all((out / p).is_file() for p in paths)
    on_disk = {p.relative_to(out).as_posix() for kind in ("raw", "detail")
               for p in (out / kind / item).iterdir()}
    assert on_disk == paths, "no stray or temporary file beside the published ones"


def interrupted(out: Path) -> bool:
    """A kill landed inside an operation: its manifest still says started."""
    return any('"status": "started"' in m.read_text(encoding="utf-8")
               for m in (out / ".imgkit" / "history" / "ops").glob("*/manifest.json"))


#: after the operation's manifest appears (it is written before the first file action):
#: at once, then later and later into its renames, placements and state transaction
KILL_AFTER = (0.0, 0.001, 0.003, 0.006, 0.01, 0.015, 0.02, 0.03, 0.045, 0.07, 0.1)


def copy_tree(tree: Path, to: Path) -> Path:
    subprocess.run(["cp", "-a", str(tree), str(to)], check=True)
    return to


def killed(args, out: Path, delay: float) -> None:
    """Run ``imgkit args``; SIGKILL it ``delay`` s after its operation starts (or at its end)."""
    proc = imgkit(*args)
    ops = out / ".imgkit" / "history" / "ops"
    while proc.poll() is None and not any(ops.glob("*/manifest.json")):
        time.sleep(0.0005)
    time.sleep(delay)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)


@pytest.fixture(scope="module")
def shoot(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("changes") / "shoot"
    photo_set(src, 8, item="G1001", size=(2400, 1600))
    (src / "items.csv").write_text("货号,品名,卖点\nG1001,台灯,明亮|护眼|省电|耐用|安静|好看|便携\n",
                                   encoding="utf-8")
    return src


def fresh_out(shoot: Path, out: Path, profile: Path) -> None:
    finish("build", shoot, "-o", out, "-j", "1", "-p", profile)


def test_renumber_killed_anywhere_then_run_again_ends_as_a_clean_renumber(shoot, tmp_path):
    profile = write_profile(tmp_path / "p.toml")
    order = ",".join(str(i) for i in range(8, 0, -1))
    clean = tmp_path / "clean"
    fresh_out(shoot, clean, profile)
    before = raw_map(clean)
    finish("renumber", clean, "G1001", "--order", order, "-p", profile)
    after = raw_map(clean)
    assert after != before
    originals = set(before.values())
    inside = 0
    built = tmp_path / "built"
    fresh_out(shoot, built, profile)
    for n, delay in enumerate(KILL_AFTER):
        out = copy_tree(built, tmp_path / f"t{n}")
        killed(["renumber", out, "G1001", "--order", order, "-p", profile], out, delay)
        every_raw_once(out, originals)
        inside += interrupted(out)
        # the next command mends the tree first: the renumber rolled back, or completed
        finish("build", shoot, "-o", out, "-j", "1", "-p", profile)
        every_raw_once(out, originals)
        consistent(out, "G1001")
        assert raw_map(out) in (before, after), f"killed at {delay:.2f} s: half renamed"
        if raw_map(out) == before:
            finish("renumber", out, "G1001", "--order", order, "-p", profile)
            assert raw_map(out) == after
    assert inside >= 4, f"only {inside} kills landed inside the renumber: the trial tests too little"


@pytest.mark.slow
def test_prune_killed_anywhere_then_run_again_ends_as_a_clean_prune(shoot, tmp_path):
    profile = write_profile(tmp_path / "p.toml")
    gone = ["IMG_0001.jpg", "IMG_0004.jpg"]
    clean_src = tmp_path / "clean-src"
    clean = tmp_path / "clean"
    subprocess.run(["cp", "-a", str(shoot), str(clean_src)], check=True)
    fresh_out(clean_src, clean, profile)
    originals = set(raw_map(clean).values())
    for name in gone:
        (clean_src / "G1001" / name).unlink()
    finish("build", clean_src, "-o", clean, "-j", "1", "-p", profile, "--prune")
    want = raw_map(clean)
    assert len(want) == 6
    inside = 0
    built_src, built = copy_tree(shoot, tmp_path / "built-src"), tmp_path / "built"
    fresh_out(built_src, built, profile)
    for name in gone:
        (built_src / "G1001" / name).unlink()
    for n, delay in enumerate(KILL_AFTER):
        src, out = copy_tree(built_src, tmp_path / f"s{n}"), tmp_path / f"t{n}"
        # the tree as built from the full shoot, its state naming the files where this copy has them
        copy_tree(built, out)
        with sqlite3.connect(out / ".imgkit" / "state.sqlite") as db:
            db.execute("UPDATE sources SET path = replace(path, ?, ?)", (str(built_src), str(src)))
            db.execute("UPDATE files SET path = replace(path, ?, ?)", (str(built_src), str(src)))
        killed(["build", src, "-o", out, "-j", "1", "-p", profile, "--prune"], out, delay)
        every_raw_once(out, originals)
        inside += interrupted(out)
        finish("build", src, "-o", out, "-j", "1", "-p", profile, "--prune")
        every_raw_once(out, originals)
        consistent(out, "G1001")
        assert raw_map(out) == want, f"killed at {delay:.2f} s"
    assert inside >= 4, f"only {inside} kills landed inside the prune: the trial tests too little"
