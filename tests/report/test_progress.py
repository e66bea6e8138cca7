"""What a build says where: a bar (counts, rate, ETA) when stderr is a terminal (a real pty),
the per-file lines and the summary on stdout, warnings and errors on stderr."""

import json
import os
import pty
import subprocess
import sys

from tests.conftest import ROOT, SAMPLES, write_profile


def on_terminal(args: list[str], *, stdout=subprocess.PIPE) -> tuple[int, str, str]:
    """Run imgkit with stderr on a pseudo-terminal (and stdout too with ``stdout=None``):
    (exit code, what the terminal got, what stdout got when it was a pipe)."""
    primary, secondary = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "imgkit", *args], cwd=ROOT, stdin=subprocess.DEVNULL,
                            stdout=secondary if stdout is None else stdout, stderr=secondary,
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
    piped = proc.stdout.read().decode() if proc.stdout else ""
    code = proc.wait(60)
    os.close(primary)
    return code, b"".join(chunks).decode(), piped


def test_terminal_gets_a_bar_and_pipes_get_lines(shoot, tmp_path):
    code, tty_text, stdout_text = on_terminal(["build", str(shoot), "-o", str(tmp_path / "tty"), "-j", "1"])
    assert code == 0
    assert "] 17/17" in tty_text and "\r[" in tty_text and "img/s" in tty_text
    assert "ETA 00:0" in tty_text                             # the time left, counted down
    assert "processed: " not in tty_text                      # no per-file lines on the terminal's stderr
    assert "skipped: " in stdout_text and "notes.txt" in stdout_text  # refusals always, on stdout
    # stdout a pipe: every per-file line is there, and the summary
    assert sum(line.startswith("processed: ") for line in stdout_text.splitlines()) == 17
    assert stdout_text.splitlines()[-1].startswith("imgkit: 17 processed, 0 up to date")

    piped = subprocess.run([sys.executable, "-m", "imgkit", "build", str(shoot), "-o", str(tmp_path / "pipe"),
                            "-j", "1"],
                           cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert piped.returncode == 0
    assert "\r" not in piped.stderr and "[####" not in piped.stderr
    assert sum(line.startswith("processed: ") for line in piped.stdout.splitlines()) == 17
    assert piped.stderr == ""                                 # nothing to warn about, no error


def test_one_terminal_for_both_shows_the_bar_and_the_lines_that_need_a_look(shoot, tmp_path):
    """stdout and stderr on the same terminal: the bar counts the processed files; refusals,
    warnings and the summary are lines above it."""
    (shoot / "items.csv").write_text("货号,品名\nA1001,骷髅\nA1002,鞋\nA1003,相机\nA1099,没有照片\n", encoding="utf-8")
    code, tty_text, _ = on_terminal(["build", str(shoot), "-o", str(tmp_path / "out"), "-j", "1"], stdout=None)
    assert code == 0
    assert "] 17/17" in tty_text and "processed: " not in tty_text
    assert "skipped: " in tty_text and "warning: items.csv line 5: item A1099 has no photos" in tty_text
    last = tty_text.replace("\r", "\n").strip().splitlines()[-1]
    assert last.startswith("imgkit: 17 processed,") and last.endswith("1 warning in " + last.split(" in ")[-1])


def test_build_to_a_log_file_keeps_the_lines_and_the_summary(shoot, tmp_path):
    """`imgkit build SRC > log`: the per-file lines and the summary are in the log; the
    terminal (stderr) keeps only what needs a look."""
    (shoot / "A1002" / "shoe-2 copy.jpg").write_bytes((shoot / "A1002" / "shoe-2.jpg").read_bytes())
    data = (shoot / "A1003_06.jpg").read_bytes()
    (shoot / "A1003_07.jpg").write_bytes(data[: len(data) // 2])
    (shoot / "items.csv").write_text("货号,品名\nA1001,骷髅\nA1002,鞋\nA1003,相机\nA1099,没有照片\n", encoding="utf-8")
    log = tmp_path / "log"
    done = subprocess.run(f'"{sys.executable}" -m imgkit build "{shoot}" -o "{tmp_path / "out"}" -j 1 > "{log}"',
                          shell=True, cwd=ROOT, stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 1                               # one input rejected
    lines = log.read_text(encoding="utf-8").splitlines()
    assert sum(line.startswith("processed: ") for line in lines) == 17
    assert f"duplicate: {shoot / 'A1002' / 'shoe-2 copy.jpg'} (same bytes as {shoot / 'A1002' / 'shoe-2.jpg'})" in lines
    assert f"skipped: {shoot / 'notes.txt'}: not an image (.txt)" in lines
    assert any(line.startswith(f"rejected: {shoot / 'A1003_07.jpg'}: truncated") for line in lines)
    assert lines[-1].startswith("imgkit: 17 processed, 0 up to date, 1 duplicate, 1 skipped, 1 rejected, "
                                "1 warning in ")
    assert done.stderr.splitlines() == ["warning: items.csv line 5: item A1099 has no photos"]


def test_json_leaves_stdout_to_the_json(shoot, tmp_path):
    done = subprocess.run([sys.executable, "-m", "imgkit", "build", str(shoot), "-o", str(tmp_path / "out"),
                           "-j", "1", "--json"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    report = json.loads(done.stdout)                          # the whole of stdout is the JSON
    assert report["summary"]["processed"] == 17 and report["command"] == "build"
    assert sum(line.startswith("processed: ") for line in done.stderr.splitlines()) == 17
    assert done.stderr.splitlines()[-1].startswith("imgkit: 17 processed, 0 up to date")


def test_the_summary_counts_a_failed_backup_copy_that_makes_the_exit_code_1(tmp_path):
    src = tmp_path / "shoot"
    (src / "A1002").mkdir(parents=True)
    for name in ("shoe-1.jpg", "shoe-2.jpg"):
        (src / "A1002" / name).write_bytes((SAMPLES / "A1002" / name).read_bytes())
    bk = tmp_path / "bk"
    bk.mkdir()
    (bk / "A1002").write_text("a file where the item's backup folder should be")
    prof = write_profile(tmp_path / "b.toml", backup={"dir": str(bk)})
    done = subprocess.run([sys.executable, "-m", "imgkit", "build", str(src), "-o", str(tmp_path / "out"),
                           "-j", "1", "-p", str(prof)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    summary = done.stdout.splitlines()[-1]
    assert summary.startswith("imgkit: 2 processed, 0 up to date, 0 duplicate, 0 skipped, 0 rejected, "
                              "2 errors (see the error: lines) in ")
    errors = done.stderr.splitlines()
    assert len(errors) == 2 and all(e.startswith(f"error: {src / 'A1002'}/shoe-") and "backup to " in e
                                    for e in errors)
