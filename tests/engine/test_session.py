"""The process pool: parallel results match serial ones; a crashing decoder costs one file."""

import os
import signal

from imgkit.imaging import codec as imaging


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
    rejected = [line for line in result.stdout.splitlines() if line.startswith("rejected: ")]
    assert rejected == [f"rejected: {shoot / 'A1002' / 'shoe-3.jpg'}: "
                        "the decoder crashed on this file (worker process died)"]
    assert "16 processed" in result.stdout
    assert len(list((tmp_path / "out" / "detail").rglob("*.jpg"))) == 16


def test_a_source_read_whole_and_only_up_to_the_limit(tmp_path):
    """The job reads the file as it is now (it may have grown since the scan), whole, and
    refuses one that grew past [input] max_bytes instead of reading on."""
    import dataclasses

    import pytest

    from imgkit import profile as profiles
    from imgkit.engine.work import Job, _read
    from imgkit.errors import Rejected
    prof = profiles.load()
    prof = dataclasses.replace(prof, input=dataclasses.replace(prof.input, max_bytes=5000))
    path = tmp_path / "A1-01.jpg"
    path.write_bytes(os.urandom(3000))
    grown = Job(path, path.name, "A1", size=100, mtime_ns=0)    # the scan saw 100 bytes
    assert _read(grown, prof) == path.read_bytes()
    path.write_bytes(os.urandom(7000))
    with pytest.raises(Rejected, match="grew past the limit of 5,000 bytes"):
        _read(grown, prof)
    path.write_bytes(os.urandom(5000))
    assert len(_read(grown, prof)) == 5000
