"""Faults: a full disk, a read-only OUT, files vanishing mid-run, odd names, two runs on one OUT."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import ROOT, SAMPLES, photo_set, tree_hashes, write_profile


@contextlib.contextmanager
def tmpfs(path: Path, size: str, *options: str):
    """A real small file system (needs mount rights: root here and in CI)."""
    path.mkdir(parents=True, exist_ok=True)
    opts = ",".join((f"size={size}", *options))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(path)], capture_output=True, text=True)
    if done.returncode:
        pytest.fail(f"cannot mount a tmpfs for the full-disk test ({done.stderr.strip()}); run as root")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def imgkit(*args, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "imgkit", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def outputs_complete(out: Path) -> list[Path]:
    """Every published file decodes fully; no temporary file is left outside .imgkit."""
    files = [p for p in out.rglob("*") if p.is_file() and ".imgkit" not in p.relative_to(out).parts]
    assert not [p for p in files if p.name.endswith(".tmp")]
    for p in files:
        if p.suffix.lower() in (".jpg", ".png"):
            Image.open(p).load()
    return files


def test_full_disk_stops_cleanly_and_the_next_run_completes(shoot, tmp_path):
    before = tree_hashes(shoot)
    with tmpfs(tmp_path / "out", "3m") as out:
        full = imgkit("build", shoot, "-o", out, "-j", "2")
        assert full.returncode == 1
        errors = [line for line in full.stderr.splitlines() if line.startswith("imgkit: error:")]
        assert len(errors) == 1 and "No space left on device" in errors[0] and str(out) in errors[0]
        assert "Traceback" not in full.stderr
        files = outputs_complete(out)
        assert 0 < len(files) < 34
        db = sqlite3.connect(out / ".imgkit" / "state.sqlite")
        rows = db.execute("SELECT item, idx, status FROM sources").fetchall()
        db.close()
        assert {r[2] for r in rows} == {"done"}             # nothing half-recorded
        assert len(files) == 2 * len(rows)                   # raw + detail for each, no more
        subprocess.run(["mount", "-o", "remount,size=64m", str(out)], check=True)
        again = imgkit("build", shoot, "-o", out, "-j", "2")
        assert again.returncode == 0, again.stderr
        assert f"{17 - len(rows)} processed, {len(rows)} up to date" in again.stdout
        assert len(outputs_complete(out)) == 2 * 17 + 2      # + report.json and report.html
    assert tree_hashes(shoot) == before


def test_a_disk_full_before_any_image_is_said_the_same_way(shoot, tmp_path):
    """The state is the first write of a run: a full disk must read as a full disk there too."""
    src = tmp_path / "src"
    (src / "A1002").mkdir(parents=True)
    (src / "A1002" / "shoe-1.jpg").write_bytes((shoot / "A1002" / "shoe-1.jpg").read_bytes())
    with tmpfs(tmp_path / "out", "8m") as out:
        assert imgkit("build", src, "-o", out / "listing", "-j", "1").returncode == 0
        with open(out / "filler", "wb", buffering=0) as f:   # take every free block (unbuffered: a
            # partial last write leaves nothing for close() to flush into a full disk)
            with contextlib.suppress(OSError):
                while True:
                    f.write(b"\0" * (1 << 16))
                    f.flush()
        (src / "A1002" / "shoe-2.jpg").write_bytes((shoot / "A1002" / "shoe-2.jpg").read_bytes())
        full = imgkit("build", src, "-o", out / "listing", "-j", "1")
        assert full.returncode == 2, full.stderr   # the state cannot even be opened: nothing written
        errors = [line for line in full.stderr.splitlines() if line.startswith("imgkit: error:")]
        assert len(errors) == 1 and "No space left on device" in errors[0] and str(out) in errors[0], full.stderr
        assert "Traceback" not in full.stderr


def test_read_only_out_is_a_clear_usage_error(shoot, tmp_path):
    with tmpfs(tmp_path / "ro", "1m", "ro") as out:
        done = imgkit("build", shoot, "-o", out / "listing")
        assert done.returncode == 2
        assert done.stderr.strip().splitlines()[-1].startswith("imgkit: error: ")
        assert "Read-only file system" in done.stderr and "Traceback" not in done.stderr


def test_a_source_deleted_between_scan_and_read(tmp_path):
    src = tmp_path / "shoot" / "G1"
    photo_set(src.parent, 24, item="G1")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "imgkit", "build", str(src.parent), "-o", str(out), "-j", "1"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while not list((out / ".imgkit" / "staging").glob("*.detail.jpg")) and proc.poll() is None:
        time.sleep(0.005)
    (src / "IMG_0023.jpg").unlink()                  # gone before its turn came
    said, err = proc.communicate(timeout=120)
    assert proc.returncode == 1 and "Traceback" not in err
    assert f"rejected: {src / 'IMG_0023.jpg'}: I/O error: file disappeared before it could be read" in said
    assert len(list((out / "detail" / "G1").iterdir())) == 23
    again = imgkit("build", src.parent, "-o", out)
    assert again.returncode == 0 and "0 processed, 23 up to date" in again.stdout


def test_odd_names_are_handled_and_nothing_is_written_outside_out(tmp_path):
    src = tmp_path / "src"
    shoe = (SAMPLES / "A1002" / "shoe-1.jpg").read_bytes()
    odd = {"A1 空格/front photo.jpg": "processed", "货号A2/正面.jpg": "processed", "E😀4/x.jpg": "processed",
           "N6/new\nline.jpg": "processed", "-A3/-rf.jpg": "rejected",
           "L7/" + "d" * 200 + "/" + "e" * 200 + "/" + "f" * 240 + ".jpg": "processed"}
    for n, rel in enumerate(odd):
        path = src / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(shoe[:-2] + bytes([n]) + shoe[-2:])  # distinct bytes, same picture
    bad = os.fsencode(src) + b"/B\xff5"
    os.makedirs(bad)
    with open(bad + b"/bad\xfename.jpg", "wb") as f:
        f.write(shoe)
    os.symlink(SAMPLES / "A1003_06.jpg", src / "N6" / "outside.jpg")
    os.symlink(SAMPLES / "A1002", src / "LINKED")
    # odd folder names as item numbers: any name with a digit in it (the default pattern wants A1023-like ones)
    profile = write_profile(tmp_path / "odd.toml", naming={"item_pattern": r"^(?P<item>\D*\d.*)$"})
    around = {p for p in tmp_path.rglob("*")}
    out = tmp_path / "out"
    done = imgkit("build", src, "-o", out, "--json", "-p", profile)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    import json
    report = json.loads(done.stdout)
    status = {f["source"]: f["status"] for f in report["files"]}
    for rel, expected in odd.items():
        if expected:
            assert status[str(src / rel)] == expected, rel
    assert status[str(src) + "/B\\xff5/bad\\xfename.jpg"] == "rejected"
    assert "rejected: " + str(src) + "/B\\xff5/bad\\xfename.jpg: file name is not valid UTF-8" in done.stderr
    assert status[str(src / "N6" / "outside.jpg")] == "rejected"
    assert status[str(src / "LINKED")] == "rejected"
    assert "N6/new\\nline.jpg" in done.stderr                # one line, newline escaped
    assert {p for p in tmp_path.rglob("*") if not p.is_relative_to(out)} == around
    assert len(list((out / "detail").rglob("*.jpg"))) == 5


def test_two_builds_on_one_out_the_second_exits_2(tmp_path):
    src = tmp_path / "shoot" / "H1"
    photo_set(src.parent, 12, item="H1")
    out = tmp_path / "out"
    first = subprocess.Popen([sys.executable, "-m", "imgkit", "build", str(src.parent), "-o", str(out), "-j", "1"],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while not (out / ".imgkit" / "staging").exists() and first.poll() is None:
        time.sleep(0.005)
    second = imgkit("build", src.parent, "-o", out)
    watch = imgkit("watch", src.parent, "-o", out)
    assert first.wait(120) == 0
    for other in (second, watch):
        assert other.returncode == 2
        assert "another imgkit (pid " in other.stderr and "is working on this output folder" in other.stderr
