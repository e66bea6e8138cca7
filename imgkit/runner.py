"""scan → plan → execute (serial or a process pool) → publish → record.

``build`` is the whole batch; ``watch`` feeds the same ``build`` with an inbox. Planning
decides from the state what needs work; workers decode and stage; publishing gives each
new source of an item the next free index in capture order, records it, and renames the
staged files into place.
"""

from __future__ import annotations

import os
import shutil
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from .errors import ConfigError
from .lock import locked
from .plan import Outcome, make_plan
from .profile import Profile
from .publish import Publisher
from .report import write_report
from .scan import scan
from .state import State
from .work import Job, Result, process


@dataclass
class Summary:
    src: Path
    out: Path
    profile: Profile
    outcomes: list[Outcome] = field(default_factory=list)
    elapsed: float = 0.0

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def ok(self) -> bool:
        return not any(o.status == "rejected" or o.problems for o in self.outcomes)


def default_out(src: Path) -> Path:
    src = src.resolve()
    return src.parent / f"{src.name}-out"


def build(src: Path, out: Path | None, profile: Profile, *, jobs: int = 0,
          on_event: Callable[[str, object], None] = lambda kind, data: None) -> Summary:
    start = time.perf_counter()
    src = src.resolve()
    if not src.is_dir():
        raise ConfigError(f"{src}: not a folder")
    out = (out or default_out(src)).resolve()
    if out == src:
        raise ConfigError(f"{out}: the output folder must not be the source folder")
    summary = Summary(src, out, profile)
    with locked(out / ".imgkit" / "lock"):
        state = State(out / ".imgkit" / "state.sqlite")
        try:
            staging = out / ".imgkit" / "staging"
            shutil.rmtree(staging, ignore_errors=True)  # leftovers of a killed run
            staging.mkdir(parents=True)
            candidates, refusals = scan(src, profile, skip=out)
            plan = make_plan(candidates, state, profile, out)
            summary.outcomes += [Outcome(str(r.path), r.status, reason=r.reason) for r in refusals]
            summary.outcomes += plan.outcomes
            for o in summary.outcomes:
                on_event("outcome", o)
            state.put_files(plan.files)
            on_event("start", len(plan.jobs))
            publisher = Publisher(state, profile, out, plan)
            pending = Counter(j.item for j in plan.jobs)
            done: dict[str, list[Result]] = defaultdict(list)
            for result in execute(plan.jobs, profile, staging, jobs):
                item = result.job.item
                done[item].append(result)
                pending[item] -= 1
                if not pending[item]:
                    for o in publisher.publish(item, done.pop(item)):
                        summary.outcomes.append(o)
                        on_event("outcome", o)
            shutil.rmtree(staging, ignore_errors=True)
        finally:
            state.close()
        summary.elapsed = time.perf_counter() - start
        write_report(summary)
    return summary


def cpu_count() -> int:
    """CPUs this process may run on (a container's share, not the host's count)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def execute(jobs: list[Job], profile: Profile, staging: Path, workers: int) -> Iterator[Result]:
    """Results as they finish: in this process for one worker, else in a process pool.

    A decoder that kills its worker (a segfault in a C library) breaks the pool; the jobs
    not yet finished then run one process each, so only the culprit is rejected.
    """
    run = partial(process, profile=profile, staging=staging)
    workers = workers or cpu_count()
    if workers == 1 or len(jobs) <= 1:
        yield from map(run, jobs)
        return
    left = {id(job): job for job in jobs}
    try:
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
            futures = {pool.submit(run, job): job for job in jobs}
            for future in as_completed(futures):
                result = future.result()
                del left[id(futures[future])]
                yield result
    except BrokenProcessPool:
        for job in left.values():
            yield _isolated(run, job)


def _isolated(run, job: Job) -> Result:
    try:
        with ProcessPoolExecutor(max_workers=1) as pool:
            return pool.submit(run, job).result()
    except BrokenProcessPool:
        return Result(job, reason="the decoder crashed on this file (worker process died)")
