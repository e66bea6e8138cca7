"""`imgkit build --executor dask` on a real LocalCluster (two worker processes)."""

from __future__ import annotations

import os
import threading
import time

import pytest
from dask.distributed import Client, LocalCluster  # noqa: E402
from PIL import Image

from imgkit import profile as profiles
from imgkit.engine.dask_executor import run_batch
from tests.conftest import photo_set, tree_hashes


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        yield c


def outputs(out):
    return {k: v for k, v in tree_hashes(out).items() if not k.startswith((".imgkit", "report"))}


def test_dask_gives_the_same_bytes_as_the_local_pool(cli, shoot, tmp_path, cluster):
    (shoot / "A1002" / "broken.jpg").write_bytes((shoot / "A1002" / "shoe-1.jpg").read_bytes()[:3000])
    local = cli("build", shoot, "-o", tmp_path / "local", "-j", "2")
    dask = cli("build", shoot, "-o", tmp_path / "dask", "--executor", "dask", "--scheduler", cluster.scheduler_address)
    assert local.exit_code == dask.exit_code == 1            # the bad input, rejected alike
    line = f"rejected: {shoot / 'A1002' / 'broken.jpg'}: truncated or corrupt image data"
    assert line in local.stdout and line in dask.stdout
    assert outputs(tmp_path / "dask") == outputs(tmp_path / "local")
    assert len(outputs(tmp_path / "dask")) == 34


def test_dask_without_scheduler_starts_a_local_cluster(cli, shoot, tmp_path):
    result = cli("build", shoot, "-o", tmp_path / "out", "--executor", "dask", "-j", "2")
    assert result.exit_code == 0, result.stderr
    assert "17 processed" in result.stdout


def test_a_worker_killed_mid_run_costs_nothing(cli, tmp_path, cluster):
    src = tmp_path / "shoot" / "K9"
    photo_set(src.parent, 30, item="K9")
    out = tmp_path / "out"
    client = Client(cluster.scheduler_address)
    pids = client.run(os.getpid)
    killed = []

    def kill_one():  # once the first photo is staged: the workers are busy
        staging = out / ".imgkit" / "staging"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if staging.exists() and list(staging.glob("*.detail.jpg")):
                break
            time.sleep(0.01)
        pid = next(iter(pids.values()))
        os.kill(pid, 9)
        killed.append(pid)

    killer = threading.Thread(target=kill_one)
    killer.start()
    result = cli("build", src.parent, "-o", out, "--executor", "dask", "--scheduler", cluster.scheduler_address)
    killer.join()
    client.close()
    assert killed, "no worker was killed"
    assert result.exit_code == 0, result.stderr
    assert "30 processed, 0 up to date, 0 duplicate" in result.stdout
    names = sorted(p.name for p in (out / "detail" / "K9").iterdir())
    assert names == [f"K9-{i:02d}.jpg" for i in range(1, 31)]
    for p in (out / "detail" / "K9").iterdir():
        Image.open(p).load()


def test_a_worker_that_cannot_see_out_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="cannot see the output folder .*shared file system"):
        run_batch([], profiles.load("default"), str(tmp_path / "not-here"))
