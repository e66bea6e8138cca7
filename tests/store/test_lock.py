"""The lock on OUT records who holds it, and another imgkit's message says so."""

from __future__ import annotations

import json
import os
import time

import pytest

from imgkit.errors import LockedError
from imgkit.store.lock import held_by, locked


def test_the_record_names_command_pid_and_time_and_is_cleared_on_release(tmp_path):
    lock = tmp_path / "out" / ".imgkit" / "lock"
    with locked(lock, "mark"):
        record = json.loads(lock.read_text())
        with pytest.raises(LockedError) as info, locked(lock, "page"):
            pass
    assert record["pid"] == os.getpid() and record["command"] == "mark"
    assert abs(record["since"] - time.time()) < 60
    since = time.strftime("%H:%M:%S", time.localtime(record["since"]))
    assert str(info.value) == (f"{tmp_path / 'out'}: another imgkit (pid {os.getpid()}) is working on this output "
                               f"folder: `imgkit mark`, since {since}; wait for it to finish")
    assert lock.read_bytes() == b""
    with locked(lock, "build"):   # free again
        assert json.loads(lock.read_text())["command"] == "build"


def test_messages_for_a_watch_an_older_imgkit_and_an_earlier_day(tmp_path):
    out = tmp_path / "out"
    watch = held_by(out, json.dumps({"pid": 4321, "command": "watch", "since": time.time()}).encode())
    assert "`imgkit watch`" in watch and watch.endswith("stop it first (Ctrl-C where it runs, or kill 4321)")
    assert held_by(out, b"1234") == (f"{out}: another imgkit (pid 1234) is working on this output folder; "
                                     f"wait for it to finish")
    assert "(pid ?)" in held_by(out, b"")   # taken but not yet recorded
    yesterday = time.time() - 86400 * 2
    day = time.strftime("%Y-%m-%d %H:%M", time.localtime(yesterday))
    assert f"`imgkit build`, since {day};" in held_by(out, json.dumps(
        {"pid": 1, "command": "build", "since": yesterday}).encode())
