"""Bad input gets a plain answer, through the real CLI on real files: a folder that does not
exist is exit 2 and is never created; an unreadable image is one line naming the file and the
reason (no Python repr); corners that frame no chart say so; every usage error is exit 2 while
refused content stays 1; a held OUT names the command that holds it, its PID and since when."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time

import pytest

from imgkit.store.lock import locked
from tests.conftest import ROOT, SAMPLES, copy_samples
from tests.e2e.test_watch import Watch
from tests.main_image.test_render import draw_logo

CHART = "colorchecker/arcu__color_checker_01.jpg"


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


# --- paths ----------------------------------------------------------------------------------

@pytest.mark.parametrize("command, option, target", [
    ("validate", "--html", "missing/dir/r.html"),
    ("validate", "--json", "missing/x.json"),
    ("calibrate", "-o", "missing/x.json"),
    ("main-image", "-o", "missing/dir/m.png"),
    ("build", "-o", "missing/a/out"),
    ("watch", "-o", "missing/a/out"),
    ("main-image --sheet", "-o", "missing/a/main"),
])
def test_a_folder_that_does_not_exist_is_exit_2_and_never_created(cli, tmp_path, corpus, command, option, target):
    """``build -o missing/a/out``: OUT may be made, its parent is not (nor any folder above it)."""
    shoot = tmp_path / "shoot"
    copy_samples(shoot / "A1002", "A1002")
    tree = tmp_path / "tree" / "A1002"
    tree.mkdir(parents=True)
    logo = draw_logo(tmp_path / "logo.png")
    sheet = tmp_path / "main.csv"
    sheet.write_text("item,logo,company,copy\nA1,logo.png,禾木家居,正品保障\n", encoding="utf-8")
    path = tmp_path / target
    args = {"validate": ["validate", tmp_path / "tree", option, path],
            "calibrate": ["calibrate", corpus / CHART, option, path],
            "main-image": ["main-image", "--logo", logo, "--company", "禾木家居", "--copy", "正品保障", option, path],
            "build": ["build", shoot, option, path, "-j", "1"],
            "watch": ["watch", shoot, option, path],
            "main-image --sheet": ["main-image", "--sheet", sheet, option, path]}[command]
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = cli(*args)
    assert result.exit_code == 2
    folder = path.parent
    assert one_line(result.stderr) == (f"imgkit: error: {option} {path}: the folder {folder} does not exist; "
                                       f"imgkit does not create it")
    assert not (tmp_path / "missing").exists()
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before, "nothing written"


def test_out_itself_is_made_when_its_parent_exists(cli, tmp_path):
    shoot = tmp_path / "shoot"
    copy_samples(shoot / "A1002", "A1002")
    result = cli("build", shoot, "-o", tmp_path / "new-out", "-j", "1")
    assert result.exit_code == 0, result.stderr
    assert len(list((tmp_path / "new-out" / "detail" / "A1002").iterdir())) == 5


def test_a_file_name_that_names_a_file_as_its_folder_is_exit_2(cli, tmp_path):
    (tmp_path / "tree").mkdir()
    (tmp_path / "afile").write_text("x")
    result = cli("validate", tmp_path / "tree", "--json", tmp_path / "afile" / "x.json")
    assert result.exit_code == 2
    folder = tmp_path / "afile"
    assert one_line(result.stderr).endswith(f"the folder {folder} is not a folder; imgkit does not create it")


# --- unreadable images ----------------------------------------------------------------------

@pytest.mark.parametrize("name, data, reason", [
    ("zero.jpg", b"", "empty file (0 bytes); the copy or upload was probably interrupted"),
    ("notes.jpg", "货号,品名\n".encode(), "not an image, or a format imgkit cannot read"),
    ("cut.jpg", None, "damaged or cut-off image: image file is truncated"),
])
def test_validate_of_an_unreadable_image_is_one_plain_line(cli, tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data if data is not None else (SAMPLES / "A1002" / "shoe-1.jpg").read_bytes()[:3000])
    result = cli("validate", path)
    assert result.exit_code == 1                          # refused content, not a usage error
    line = one_line(result.stderr)
    assert line.startswith(f"imgkit: error: {path}: ") and reason in line
    assert not re.search(r"0x[0-9a-f]{6,}|<_io|object at|Error\b", line), line


def test_validate_of_a_folder_names_why_each_file_does_not_decode(cli, tmp_path):
    item = tmp_path / "tree" / "A1"
    item.mkdir(parents=True)
    (item / "A1-01.jpg").write_bytes(b"")
    (item / "A1-02.jpg").write_bytes(b"GIF89a this is not really one")
    result = cli("validate", tmp_path / "tree", "--json", "-")
    found = {f["file"].rsplit("/", 1)[-1]: f["message"] for f in json.loads(result.stdout)["findings"]
             if f["rule"] == "file.decode"}
    assert found == {"A1-01.jpg": "does not decode cleanly: empty file (0 bytes); the copy or upload was probably "
                                  "interrupted",
                     "A1-02.jpg": "does not decode cleanly: not an image, or a format imgkit cannot read"}


# --- calibrate --corners ----------------------------------------------------------------------

def test_corners_that_frame_no_chart_say_so(cli, tmp_path, corpus):
    photo = tmp_path / "chart.jpg"
    shutil.copy(corpus / CHART, photo)
    out = tmp_path / "cal.json"
    result = cli("calibrate", photo, "--corners", "10,10,300,10,300,200,10,200", "-o", out)
    assert result.exit_code == 1                          # no chart there: the photo is refused
    line = one_line(result.stderr)
    assert line.startswith(f"imgkit: {photo}: the corners given do not frame a colour chart: ")
    assert "neutral-curve" not in line and "channel 0" not in line
    assert not out.exists() and not out.with_suffix(".png").exists()
    # the corners detection reports do frame it
    assert cli("calibrate", photo, "-o", out).exit_code == 0
    corners = json.loads(out.read_text())["detection"]["corners"]
    again = cli("calibrate", photo, "--corners", ",".join(f"{v:g}" for xy in corners for v in xy),
                "-o", tmp_path / "again.json")
    assert again.exit_code == 0, again.stderr


# --- exit codes: usage 2, refused content 1 -------------------------------------------------

def test_main_image_usage_errors_exit_2_with_nothing_written(cli, tmp_path):
    logo = draw_logo(tmp_path / "logo.png")
    out = tmp_path / "out"
    out.mkdir()
    base = ["main-image", "--company", "禾木家居", "--copy", "正品保障", "-o", out / "m.png"]
    cases = [([*base, "--logo", logo, "--bg", "#zzz"], "imgkit: error: --bg: background '#zzz' is not a colour"),
             ([*base, "--logo", tmp_path / "no-logo.png"], f"imgkit: error: --logo {tmp_path / 'no-logo.png'}: "
                                                           f"no such file"),
             (["main-image", "--from-photo", tmp_path / "no.jpg", "-p", "taobao-item", "-o", out / "m.jpg"],
              f"imgkit: error: --from-photo {tmp_path / 'no.jpg'}: no such file")]
    for args, start in cases:
        result = cli(*args)
        assert result.exit_code == 2, (args, result.stderr)
        assert one_line(result.stderr).startswith(start)
    assert list(out.iterdir()) == []
    # content the rules refuse stays exit 1: a white background
    result = cli(*base, "--logo", logo, "--bg", "#ffffff")
    assert result.exit_code == 1 and "white or near-white" in result.stderr
    assert list(out.iterdir()) == []


# --- the lock says who holds OUT ------------------------------------------------------------

def test_a_build_holding_out_is_named_with_its_pid_and_since_when(cli, tmp_path):
    shoot = tmp_path / "shoot"
    copy_samples(shoot / "A1002", "A1002")
    out = tmp_path / "out"
    with locked(out / ".imgkit" / "lock", "build"):
        record = json.loads((out / ".imgkit" / "lock").read_text())
        result = cli("build", shoot, "-o", out)
    assert record["command"] == "build" and record["pid"] > 0 and abs(record["since"] - time.time()) < 60
    assert result.exit_code == 2
    since = time.strftime("%H:%M:%S", time.localtime(record["since"]))
    assert one_line(result.stderr) == (f"imgkit: error: {out}: another imgkit (pid {record['pid']}) is working on "
                                       f"this output folder: `imgkit build`, since {since}; wait for it to finish")
    assert (out / ".imgkit" / "lock").read_bytes() == b"", "a released lock names nobody"
    assert cli("build", shoot, "-o", out, "-j", "1").exit_code == 0


def test_a_watch_holding_out_is_named_and_the_advice_is_to_stop_it(tmp_path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    copy_samples(inbox / "A1002", "A1002")
    watch = Watch(inbox, out)
    try:
        watch.wait_for(r"processed: .*A1002-05", timeout=120)
        for args in (["build", inbox, "-o", out], ["mark", out, "A1002", "--sold-out", "红色"],
                     ["page", out, "A1002"]):
            other = subprocess.run([sys.executable, "-m", "imgkit", *map(str, args)], cwd=ROOT,
                                   capture_output=True, text=True, timeout=60)
            assert other.returncode == 2, other.stderr
            line = one_line(other.stderr)
            assert line.startswith(f"imgkit: error: {out}: another imgkit (pid {watch.proc.pid}) is working on "
                                   f"this output folder: `imgkit watch`, since ")
            assert re.search(r"since \d\d:\d\d:\d\d; a watch runs until it is stopped: stop it first "
                             rf"\(Ctrl-C where it runs, or kill {watch.proc.pid}\)$", line), line
            assert "wait for it to finish" not in line
    finally:
        assert watch.stop() == 0
    assert subprocess.run([sys.executable, "-m", "imgkit", "mark", str(out), "A1002", "--sold-out", "红色"],
                          cwd=ROOT, capture_output=True, timeout=120).returncode == 0
