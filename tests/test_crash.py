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

from tests.conftest import ROOT, SAMPLES


@pytest.fixture(scope="module")
def big_shoot(tmp_path_factory) -> Path:
    """24 distinct 3000x2000 JPEGs made from the sample photos (four items of six)."""
    src = tmp_path_factory.mktemp("kill") / "shoot"
    photos = sorted((SAMPLES / "A1001").glob("*.JPG"))
    for n in range(24):
        item = src / f"K{n // 6 + 1}"
        item.mkdir(parents=True, exist_ok=True)
        im = Image.open(photos[n % len(photos)]).convert("RGB")
        im = im.crop((n * 7, n * 5, im.width - n * 3, im.height - n * 2)).resize((3000, 2000))
        im.save(item / f"IMG_{n:04d}.jpg", quality=92)
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
