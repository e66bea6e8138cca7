"""`imgkit watch` with a real observer (inotify, and watchdog's polling observer) on real folders."""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import ROOT, SAMPLES, photo_set

MODES = [pytest.param([], id="native"), pytest.param(["--polling", "--poll-interval", "0.2"], id="polling")]


class Watch:
    """A running `imgkit watch` whose lines are collected as they come: ``lines``, its stdout
    (the per-file results and the closing summary), and ``log``, its stderr (what the
    watcher does, warnings and errors)."""

    def __init__(self, inbox: Path, out: Path, *extra: str, settle: float = 0.6):
        self.out = out
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "imgkit", "watch", str(inbox), "-o", str(out), "--settle", str(settle),
             "--rescan", "1", "-j", "2", *extra],
            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self.log: list[str] = []
        self._readers = [threading.Thread(target=self._read, args=(stream, into), daemon=True)
                         for stream, into in ((self.proc.stdout, self.lines), (self.proc.stderr, self.log))]
        for reader in self._readers:
            reader.start()
        self.wait_for(r"watching ", where="err")

    @staticmethod
    def _read(stream, into: list[str]) -> None:
        for line in stream:
            into.append(line.rstrip("\n"))

    def _of(self, where: str) -> list[str]:
        return {"out": self.lines, "err": self.log, "both": self.lines + self.log}[where]

    def count(self, pattern: str, where: str = "out") -> int:
        """Lines matching ``pattern`` on stdout (``where="out"``), stderr ("err") or either ("both")."""
        return sum(bool(re.search(pattern, line)) for line in list(self._of(where)))

    def wait_for(self, pattern: str, n: int = 1, timeout: float = 60, where: str = "out") -> None:
        deadline = time.monotonic() + timeout
        while self.count(pattern, where) < n:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"waited for {n} x {pattern!r} on {where}; got {self.count(pattern, where)}:\n"
                                     + "\n".join(self._of("both")[-30:]))
            time.sleep(0.05)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(60)
        for reader in self._readers:
            reader.join(5)
        return code


@pytest.fixture
def dirs(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    return inbox, tmp_path / "out"


def photos(folder: Path, n: int, width: int = 720, prefix: str = "IMG_") -> list[Path]:
    """``n`` distinct real JPEGs in ``folder`` (an item folder)."""
    return photo_set(folder.parent, n, item=folder.name, size=(width, width * 2 // 3), prefix=prefix, quality=85)


def sources_in_state(out: Path) -> list[tuple]:
    db = sqlite3.connect(out / ".imgkit" / "state.sqlite")
    try:
        return db.execute("SELECT path, item, idx, status FROM sources").fetchall()
    finally:
        db.close()


@pytest.mark.parametrize("mode", MODES)
def test_slow_copy_is_taken_once_and_only_when_complete(dirs, tmp_path, mode):
    inbox, out = dirs
    w = Watch(inbox, out, *mode)
    try:
        data = (SAMPLES / "A1001" / "IMG_0417.JPG").read_bytes()
        (inbox / "A7").mkdir()
        target = inbox / "A7" / "slow.jpg"
        with open(target, "wb") as f:           # a slow network copy: 3 s in 12 chunks
            for k in range(12):
                f.write(data[k * len(data) // 12:(k + 1) * len(data) // 12])
                f.flush()
                time.sleep(0.25)
        w.wait_for(r"processed: .*slow\.jpg")
        time.sleep(2.5)                          # late events and rescans change nothing
        assert w.count(r"processed: .*slow\.jpg") == 1
        assert w.count(r"rejected", "both") == 0, w.lines + w.log
    finally:
        assert w.stop() == 0
    assert (out / "raw" / "A7" / "A7-01.jpg").read_bytes() == data
    out_im = Image.open(out / "detail" / "A7" / "A7-01.jpg")
    out_im.load()
    assert out_im.size == (710, 473)


@pytest.mark.parametrize("mode", MODES)
def test_200_files_dropped_at_once_are_each_processed_once(dirs, tmp_path, mode):
    inbox, out = dirs
    staging = tmp_path / "staging"
    for k in range(4):
        photos(staging / f"B{k}", 50, prefix=f"b{k}_")
    w = Watch(inbox, out, *mode)
    try:
        for k in range(4):                       # whole item folders moved in at once
            os.rename(staging / f"B{k}", inbox / f"B{k}")
        w.wait_for(r"processed: ", n=200, timeout=120)
        time.sleep(2.5)
        assert w.count(r"processed: ") == 200
        paths = [line.split("processed: ")[1].split(" -> ")[0] for line in w.lines if "processed: " in line]
        assert len(set(paths)) == 200
    finally:
        assert w.stop() == 0
    rows = sources_in_state(out)
    assert len(rows) == 200 and {r[3] for r in rows} == {"done"}
    for k in range(4):                           # one batch per folder: indices 1..50 in name order
        names = sorted(p.name for p in (out / "detail" / f"B{k}").iterdir())
        assert names == [f"B{k}-{i:02d}.jpg" for i in range(1, 51)]
        assert ((out / "raw" / f"B{k}" / f"B{k}-07.jpg").read_bytes()
                == (inbox / f"B{k}" / f"b{k}_0006.jpg").read_bytes())


@pytest.mark.parametrize("mode", MODES)
def test_rename_inside_the_inbox_is_not_processed_again(dirs, mode):
    inbox, out = dirs
    photos(inbox / "C1", 3)
    w = Watch(inbox, out, *mode)
    try:
        w.wait_for(r"processed: ", n=3)        # the backlog
        os.rename(inbox / "C1" / "IMG_0001.jpg", inbox / "C1" / "front.jpg")
        os.rename(inbox / "C1", inbox / "C1 renamed folder")  # not even a new item
        time.sleep(3)
        assert w.count(r"processed: ") == 3, w.lines
    finally:
        assert w.stop() == 0
    assert len(sources_in_state(out)) == 3


def test_undecodable_after_settling_is_rejected_once_until_it_changes(dirs):
    inbox, out = dirs
    (inbox / "D1").mkdir()
    good = (SAMPLES / "A1002" / "shoe-1.jpg").read_bytes()
    (inbox / "D1" / "cut.jpg").write_bytes(good[: len(good) // 2])
    w = Watch(inbox, out)
    try:
        w.wait_for(r"rejected: .*cut\.jpg: truncated")
        time.sleep(3)                            # three rescans later: still one line
        assert w.count(r"rejected: .*cut\.jpg") == 1
        (inbox / "D1" / "cut.jpg").write_bytes(good)   # the copy is finished properly
        w.wait_for(r"processed: .*cut\.jpg")
    finally:
        assert w.stop() == 0


def test_sigkill_mid_batch_then_restart_finishes_the_rest(dirs, tmp_path):
    inbox, out = dirs
    staging = tmp_path / "staging"
    photos(staging / "E1", 20, width=2000)
    photos(staging / "E2", 20, width=2000, prefix="e2_")
    w = Watch(inbox, out, "-j", "1")
    os.rename(staging / "E1", inbox / "E1")
    os.rename(staging / "E2", inbox / "E2")
    w.wait_for(r"processed: ", n=20)             # E1 published, E2 in flight
    w.proc.send_signal(signal.SIGKILL)
    w.proc.wait()
    assert len(list((out / "detail").rglob("*.jpg"))) < 40
    w = Watch(inbox, out)                        # the lock died with the process
    try:
        deadline = time.monotonic() + 60
        while len(list((out / "detail").rglob("*.jpg"))) < 40 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.5)
    finally:
        assert w.stop() == 0
    rows = sources_in_state(out)
    assert len(rows) == 40 and {r[3] for r in rows} == {"done"}
    assert sorted(p.name for p in (out / "detail" / "E2").iterdir()) == [f"E2-{i:02d}.jpg" for i in range(1, 21)]
    assert not [p for p in out.rglob("*.tmp")]


def test_one_watcher_per_out_and_sigterm_is_clean(dirs):
    inbox, out = dirs
    w = Watch(inbox, out)
    try:
        second = subprocess.run([sys.executable, "-m", "imgkit", "watch", str(inbox), "-o", str(out)],
                                cwd=ROOT, capture_output=True, text=True, timeout=30)
        assert second.returncode == 2
        assert "another imgkit" in second.stderr
    finally:
        assert w.stop() == 0
    assert w.count(r"SIGTERM: finishing", "err") == 1 and w.count(r"stopped: 0 processed") == 1


@pytest.mark.parametrize("mode", MODES)
def test_inbox_deleted_and_recreated_is_watched_again(dirs, mode):
    inbox, out = dirs
    w = Watch(inbox, out, *mode)
    try:
        shutil.rmtree(inbox)
        w.wait_for(r"is unavailable", where="err")
        inbox.mkdir()
        w.wait_for(r"is back|was replaced", where="err")
        photos(inbox / "F1", 1)
        w.wait_for(r"processed: .*F1")
    finally:
        assert w.stop() == 0


def test_a_chart_dropped_later_recalibrates_its_item(dirs, corpus):
    inbox, out = dirs
    photos(inbox / "M1", 2)
    photos(inbox / "M2", 1, prefix="m2_")
    w = Watch(inbox, out)
    try:
        w.wait_for(r"processed: ", n=3)
        before = (out / "detail" / "M1" / "M1-01.jpg").read_bytes()
        shutil.copy(corpus / "colorchecker" / "arcu__color_checker_01.jpg", inbox / "M1" / "colorchecker.jpg")
        w.wait_for(r"chart: .*calibrates M1", timeout=60)
        w.wait_for(r"processed: .*M1/IMG_0001\.jpg", n=2, timeout=60)   # re-rendered, same name
        time.sleep(3)   # five settle periods
        assert w.count(r"processed: .*M2/") == 1                       # the other item untouched
        assert w.count(r"chart: ") == 1                                # calibrated once, not again and again
    finally:
        assert w.stop() == 0
    assert (out / "detail" / "M1" / "M1-01.jpg").read_bytes() != before
    assert sorted(p.name for p in (out / "detail" / "M1").iterdir()) == ["M1-01.jpg", "M1-02.jpg"]


@pytest.mark.parametrize("mode", MODES)
def test_a_changed_product_sheet_rerenders_just_the_images_it_touches(dirs, mode):
    inbox, out = dirs
    photos(inbox / "S1", 3)
    photos(inbox / "S2", 1, prefix="s2_")
    (inbox / "items.csv").write_text("货号,品名,卖点\nS1,亚麻衬衫,领口|袖口\n", encoding="utf-8")
    w = Watch(inbox, out, *mode)
    try:
        w.wait_for(r"processed: ", n=4)
        assert w.count(r"product sheet items.csv: 1 items", "err") == 1
        assert w.count(r"skipped: .*items\.csv", "both") == 0
        first = (out / "detail" / "S1" / "S1-01.jpg").read_bytes()
        # Excel in China saves GBK; the caption of 03 changes, 02 stays
        (inbox / "items.csv").write_bytes("货号,品名,卖点\nS1,亚麻衬衫,领口|下摆\n".encode("gbk"))
        w.wait_for(r"processed: .*S1/IMG_0002\.jpg", n=2, timeout=60)
        time.sleep(1.5)
        assert w.count(r"processed: .*S1/IMG_0000\.jpg") == 1 and w.count(r"processed: .*S1/IMG_0001\.jpg") == 1
        assert w.count(r"processed: .*S2/") == 1
        # the sheet deleted: captions and facts go, the images are re-rendered plain
        decorated = (out / "detail" / "S1" / "S1-02.jpg").read_bytes()
        (inbox / "items.csv").unlink()
        w.wait_for(r"product sheet items\.csv removed", where="err")
        w.wait_for(r"processed: .*S1/IMG_0000\.jpg", n=2, timeout=60)
        w.wait_for(r"processed: .*S1/IMG_0001\.jpg", n=2, timeout=60)
        time.sleep(1.5)
        assert w.count(r"processed: .*S2/") == 1
    finally:
        assert w.stop() == 0
    assert (out / "detail" / "S1" / "S1-01.jpg").read_bytes() != first
    assert (out / "detail" / "S1" / "S1-02.jpg").read_bytes() != decorated
    plain = out.parent / "plain"
    built = subprocess.run([sys.executable, "-m", "imgkit", "build", str(inbox), "-o", str(plain), "-j", "1"],
                           capture_output=True, text=True)   # the same photos, built without any sheet
    assert built.returncode == 0, built.stderr
    assert (out / "detail" / "S1" / "S1-02.jpg").read_bytes() == (plain / "detail" / "S1" / "S1-02.jpg").read_bytes()


@pytest.mark.parametrize("mode", MODES)
def test_a_reshot_photo_replaces_its_slot_and_a_deleted_one_is_gone_then_pruned(dirs, mode):
    inbox, out = dirs
    shot = photos(inbox / "B1002", 3)
    w = Watch(inbox, out, "--prune", *mode)
    try:
        w.wait_for(r"processed: .* -> detail/B1002/B1002-03\.jpg")
        first = (out / "detail" / "B1002" / "B1002-01.jpg").read_bytes()
        with Image.open(SAMPLES / "A1002" / "shoe-2.jpg") as im:   # the front re-shot, written in place
            im.convert("RGB").resize((720, 480)).save(shot[0], quality=88)
        w.wait_for(rf"replaced: {re.escape(str(shot[0]))} -> detail/B1002/B1002-01\.jpg")
        assert (out / "raw" / "B1002" / "B1002-01.jpg").read_bytes() == shot[0].read_bytes()
        assert (out / "detail" / "B1002" / "B1002-01.jpg").read_bytes() != first
        assert sorted(p.name for p in (out / "detail" / "B1002").iterdir()) == [
            "B1002-01.jpg", "B1002-02.jpg", "B1002-03.jpg"]
        kept_raw = shot[2].read_bytes()
        shot[1].unlink()
        w.wait_for(r"gone: B1002-02 ")
        w.wait_for(r"renamed: B1002-03 -> B1002-02")
        assert sorted(p.name for p in (out / "detail" / "B1002").iterdir()) == ["B1002-01.jpg", "B1002-02.jpg"]
        assert (out / "raw" / "B1002" / "B1002-02.jpg").read_bytes() == kept_raw
    finally:
        assert w.stop() == 0
    assert sorted((item, idx) for _, item, idx, _ in sources_in_state(out)) == [("B1002", 1), ("B1002", 2)]
