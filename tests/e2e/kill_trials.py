"""Longer crash-safety run than the suite's 25 trials (run by hand):

    python -m tests.e2e.kill_trials --trials 200 [--seed 7]

Kills `imgkit build` (and every fifth trial `imgkit watch`) with SIGKILL at a random moment,
re-runs it, and checks every invariant: sources byte-identical, each source once in the
state, outputs complete and decodable, no temporary file, indices as in a clean run.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

from tests.conftest import photo_set
from tests.e2e.test_crash import check_invariants, clean_durations, finished_map, kill_trial


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        src = tmp / "shoot"
        photo_set(src, 12, per_item=4, item="R", size=(1600, 1067), quality=90)
        before = {p: p.read_bytes() for p in src.rglob("*.jpg")}
        durations = clean_durations(src, tmp)
        names = finished_map(tmp / "clean-j1")
        killed = survived = 0
        for trial in range(args.trials):
            out = tmp / f"t{trial}"
            try:
                killed += kill_trial(src, out, trial, rng, durations)
                check_invariants(src, out, names, before)
                survived += 1
            except AssertionError as exc:
                print(f"trial {trial}: {exc}", file=sys.stderr)
        print(f"{args.trials} trials, {killed} killed mid-run, {survived} recovered with every invariant intact")


if __name__ == "__main__":
    main()
