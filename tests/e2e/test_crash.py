"""A build killed with SIGKILL mid-batch completes on the next run: no half file, no duplicate."""

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import ROOT, photo_set


@pytest.fixture(scope="module")
def big_shoot(tmp_path_factory) -> Path:
    """24 distinct 3000x2000 JPEGs made from the sample photos (four items of six)."""
    src = tmp_path_factory.mktemp("kill") / "shoot"
    photo_set(src, 24, per_item=6, item="K", size=(3000, 2000))
    return src


def run(src, out, *extra):
    return subprocess.Popen([sys.executable, "-m", "imgkit", "build", str(src), "-o", str(out), "-j", "1", *extra],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished_map(out: Path) -> dict[str, str]:
    """detail name -> sha256 of the raw original it was made from."""
    return {p.relative_to(out / "raw").with_suffix("").as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in (out / "raw").rglob("*.jpg")}


@pytest.fixture(scope="module")
def clean(big_shoot, tmp_path_factory):
    """The names a clean run gives, and how long it takes."""
    out = tmp_path_factory.mktemp("clean") / "out"
    start = time.monotonic()
    proc = run(big_shoot, out)
    assert proc.wait(120) == 0, proc.stderr.read()
    return finished_map(out), time.monotonic() - start


def progress(out: Path) -> int:
    """Photos rendered so far: staged (not yet named) plus published."""
    staged = len(list((out / ".imgkit" / "staging").glob("*.detail.jpg")))
    return staged + len(list((out / "detail").rglob("*.jpg")))


@pytest.mark.parametrize("kill_at", [1, 6, 7, 13, 20, 23])
def test_sigkill_mid_batch_then_rerun_completes(big_shoot, clean, tmp_path, kill_at):
    names, duration = clean
    before = {p: p.read_bytes() for p in big_shoot.rglob("*.jpg")}
    out = tmp_path / "out"
    proc = run(big_shoot, out)
    deadline = time.monotonic() + 10 * duration + 30
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            if progress(out) >= kill_at:
                break
        except OSError:  # a file renamed away while listing
            pass
        time.sleep(0.002)
    assert proc.poll() is None, "the build finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = list((out / "detail").rglob("*.jpg")) if (out / "detail").exists() else []
    assert len(partial) < 24
    for p in partial:                      # every file that exists is complete
        Image.open(p).load()
    leftovers = [p for p in out.rglob("*") if p.name.endswith(".tmp") and ".imgkit" not in p.parts]
    assert not leftovers, leftovers
    proc = run(big_shoot, out)
    assert proc.wait(120) == 0, proc.stderr.read()
    assert finished_map(out) == names      # same names for the same photos, none twice
    assert len(list((out / "detail").rglob("*.jpg"))) == 24
    assert not (out / ".imgkit" / "staging").exists()
    assert {p: p.read_bytes() for p in big_shoot.rglob("*.jpg")} == before


@pytest.fixture(scope="module")
def small_shoot(tmp_path_factory) -> Path:
    """12 distinct 1600x1067 JPEGs in three items: a run takes well under a second."""
    src = tmp_path_factory.mktemp("trials") / "shoot"
    photo_set(src, 12, per_item=4, item="R", size=(1600, 1067), quality=90)
    return src


def check_invariants(src: Path, out: Path, names: dict[str, str], before: dict) -> None:
    """Sources byte-identical, each once in the state, outputs complete, no temp file, same indices."""
    import sqlite3
    assert {p: p.read_bytes() for p in src.rglob("*.jpg")} == before
    db = sqlite3.connect(out / ".imgkit" / "state.sqlite")
    rows = db.execute("SELECT path, status FROM sources").fetchall()
    db.close()
    assert len(rows) == len({r[0] for r in rows}) == 12 and {r[1] for r in rows} == {"done"}
    files = [p for p in out.rglob("*") if p.is_file() and ".imgkit" not in p.relative_to(out).parts]
    assert not [p for p in files if ".tmp" in p.name]
    for p in files:
        if p.suffix == ".jpg":
            Image.open(p).load()
    assert finished_map(out) == names


def clean_durations(src: Path, scratch: Path) -> dict[str, float]:
    """Seconds a clean build of ``src`` takes with one worker and with two: each trial's kill
    falls within its own mode's run (two workers finish in about half the time)."""
    durations = {}
    for jobs in ("1", "2"):
        start = time.monotonic()
        assert run(src, scratch / f"clean-j{jobs}", "-j", jobs).wait(120) == 0
        durations[jobs] = time.monotonic() - start
    return durations


def kill_trial(src: Path, out: Path, trial: int, rng, durations: dict[str, float]) -> bool:
    """Start build (every fifth trial: watch) into ``out``, SIGKILL it at a random moment,
    then finish with a normal build. True when the kill came while it was still running."""
    use_watch = trial % 5 == 4
    jobs = "2" if trial % 2 and not use_watch else "1"
    args = (["watch", str(src), "-o", str(out), "--settle", "0", "-j", "1"] if use_watch
            else ["build", str(src), "-o", str(out), "-j", jobs])
    proc = subprocess.Popen([sys.executable, "-m", "imgkit", *args], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(rng.uniform(0.05, durations[jobs] * (1.6 if use_watch else 0.95)))
    killed = proc.poll() is None
    if killed:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert run(src, out).wait(120) == 0, f"trial {trial}: the re-run failed"
    return killed


def test_25_random_kills_of_build_and_watch(small_shoot, tmp_path):
    """SIGKILL at random moments (seeded), then a normal run: every invariant holds."""
    import random
    rng = random.Random(2026)
    before = {p: p.read_bytes() for p in small_shoot.rglob("*.jpg")}
    durations = clean_durations(small_shoot, tmp_path)
    names = finished_map(tmp_path / "clean-j1")
    killed = 0
    for trial in range(25):
        out = tmp_path / f"t{trial}"
        killed += kill_trial(small_shoot, out, trial, rng, durations)
        check_invariants(small_shoot, out, names, before)
    assert killed >= 20, f"only {killed} of 25 runs were still going when the kill came"
