"""Progress: a bar when stderr is a terminal (a real pty), plain lines when it is not."""

import os
import pty
import subprocess
import sys

from tests.conftest import ROOT


def test_terminal_gets_a_bar_and_pipes_get_lines(shoot, tmp_path):
    primary, secondary = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "imgkit", "build", str(shoot), "-o", str(tmp_path / "tty"),
                             "-j", "1"],
                            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=secondary,
                            env={**os.environ, "TERM": "xterm"})
    os.close(secondary)
    chunks = []
    while True:
        try:
            data = os.read(primary, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    assert proc.wait(60) == 0
    tty_text = b"".join(chunks).decode()
    assert "] 17/17" in tty_text and "\r[" in tty_text and "img/s" in tty_text
    assert "processed: " not in tty_text                      # no per-file lines on a terminal
    assert "skipped: " in tty_text and "notes.txt" in tty_text # but refusals always

    piped = subprocess.run([sys.executable, "-m", "imgkit", "build", str(shoot), "-o", str(tmp_path / "pipe"),
                            "-j", "1"],
                           cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert piped.returncode == 0
    assert "\r" not in piped.stderr and "[####" not in piped.stderr
    assert sum(line.startswith("processed: ") for line in piped.stderr.splitlines()) == 17
