"""Reforecast throughput: 1,000 draws of the 004 bond as of the end of year 2, beside the stress
test's draws per second measured in the same run (the peer it should keep pace with).

Run:  PYTHONPATH=. python benchmarks/reforecast_throughput.py [--draws 1000] [--stress-draws 1000] [--jobs 1]

The reforecast's time excludes synthesising the extract but includes the settlement to date,
reading every child's state and the calibration (done once per run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time

from data_synthetic import synthesise
from simulate.reforecast import reforecast
from simulate.scenario import load_scenario
from simulate.stress import run_stress


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--stress-draws", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    sc = load_scenario("lancs-edge-of-care-004")
    frames = synthesise(sc, seed=a.seed).frames
    print(f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, jobs={a.jobs}")
    t = time.perf_counter()
    reforecast(sc, frames, dt.date(2021, 8, 31), draws=a.draws, seed=a.seed, jobs=a.jobs)
    rf = time.perf_counter() - t
    t = time.perf_counter()
    run_stress(sc, a.stress_draws, a.seed, jobs=a.jobs, keep_monthly=False)
    st = time.perf_counter() - t
    print(f"reforecast: {a.draws:,} draws in {rf:.2f} s = {a.draws / rf:,.0f} draws/s")
    print(f"stress run: {a.stress_draws:,} draws in {st:.2f} s = {a.stress_draws / st:,.0f} draws/s")
    print(f"ratio reforecast/stress draws per second: {(a.draws / rf) / (a.stress_draws / st):.2f}")


if __name__ == "__main__":
    main()
