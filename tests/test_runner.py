"""The process pool: parallel results match serial ones; a crashing decoder costs one file."""

import os
import signal

from imgkit import imaging


def test_a_worker_killed_by_a_decoder_costs_only_that_file(cli, shoot, tmp_path, monkeypatch):
    victim = (shoot / "A1002" / "shoe-3.jpg").read_bytes()
    real = imaging.decode

    def crashing(data, **kw):  # a C decoder segfaulting on one file, in the worker process
        if data == victim:
            os.kill(os.getpid(), signal.SIGKILL)  # dies like a segfault, without faulthandler noise
        return real(data, **kw)

    monkeypatch.setattr(imaging, "decode", crashing)  # inherited by the forked workers
    result = cli("build", shoot, "-o", tmp_path / "out", "-j", "2")
    assert result.exit_code == 1
    rejected = [line for line in result.stderr.splitlines() if line.startswith("rejected: ")]
    assert rejected == [f"rejected: {shoot / 'A1002' / 'shoe-3.jpg'}: the decoder crashed on this file (worker process died)"]
    assert "16 processed" in result.stderr
    assert len(list((tmp_path / "out" / "detail").rglob("*.jpg"))) == 16
