"""Run jobs on a Dask distributed cluster: the same job function as the local pool.

The driver (``imgkit build``) keeps planning, naming and every state write; workers get
jobs in batches, read sources and write staged outputs on storage they must share with the
driver (OUT and SRC at the same paths), and send results back. A worker that dies mid-batch
has its batch retried elsewhere by Dask; staged files are atomic and only the driver
publishes, so nothing is half-written or recorded twice.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

from imgkit.engine.work import Job, Result, process
from imgkit.errors import ConfigError, OutputError
from imgkit.profile import Profile

BATCH_SECONDS = 2.0      # aim for batches of about this much work: amortises scheduling
SECONDS_PER_JOB = 0.15   # a 24 MP photo on one core


def run_batch(jobs: list[Job], profile: Profile, staging: str) -> list[Result]:
    """On a worker: check the shared paths are visible, then process each job."""
    if not os.path.isdir(staging):
        raise FileNotFoundError(f"worker on {socket.gethostname()} cannot see the output folder "
                                f"{staging}: Dask workers need OUT and SRC on a shared file system "
                                f"at the same paths")
    return [process(job, profile, Path(staging)) for job in jobs]


def execute_dask(jobs: list[Job], profile: Profile, staging: Path, *, workers: int,
                 scheduler: str | None) -> Iterator[Result]:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ConfigError("--executor dask needs Dask: pip install 'imgkit[dask]'") from None
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout="20s")
        else:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
    except OSError as exc:
        raise ConfigError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from None
    try:
        nworkers = max(1, len(client.scheduler_info().get("workers", {})))
        size = max(1, min(int(BATCH_SECONDS / SECONDS_PER_JOB), len(jobs) // (2 * nworkers) or 1))
        batches = [jobs[i:i + size] for i in range(0, len(jobs), size)]
        futures = client.map(run_batch, batches, profile=profile, staging=str(staging),
                             retries=3, pure=False)
        try:
            for future in as_completed(futures):
                try:
                    results = future.result()
                except FileNotFoundError as exc:
                    raise OutputError(str(exc)) from None
                yield from results
        finally:
            client.cancel(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
