"""Stress-test throughput: draws per second of every payment mechanism's pipeline.

Run:  .venv/bin/python benchmarks/stress_throughput.py [--draws 3000] [--jobs 1 2] [--seed 1]
      [--scenarios ...] [--flow-draws 10000]

For each scenario (by default one preset per payment mechanism: bond 004, payment by results 000,
KPI-linked 001, block 003), ``--draws`` draws of its uncertainty ranges (Latin hypercube) run
through its pipeline on the fast cohort model, for each job count; times include worker
start-up. Printed beside each figure: the ratio to the goal (600 draws/s for the cohort model;
10,000 flow draws in 20 s on 2 jobs, i.e. 500 draws/s) and whether every job count gave the
identical table. ``--flow-draws`` > 0 also times the bond through the flow simulation
(``--model flow``). The machine's load average is printed: other processes share the CPUs.
"""

from __future__ import annotations

import argparse
import os
import time

from simulate.scenario import load_scenario
from simulate.stress import run_stress

PER_MECHANISM = ["lancs-edge-of-care-004", "lancs-ehwb-000", "essex-pb19-001", "lancs-young-carers-003"]
COHORT_GOAL = 600.0
FLOW_GOAL = 10_000 / 20.0


def _time(sc, draws: int, seed: int, jobs: int, model: str):
    t = time.perf_counter()
    run = run_stress(sc, draws, seed, jobs=jobs, keep_monthly=False, model=model)
    return time.perf_counter() - t, run


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=3000)
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scenarios", nargs="+", default=PER_MECHANISM)
    ap.add_argument("--flow-draws", type=int, default=0, help="also time the bond through the flow simulation")
    args = ap.parse_args()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")
    print(f"{'scenario':28} {'mechanism':20} {'jobs':>4} {'seconds':>8} {'draws/s':>8} {'vs goal':>8}  same table")
    for name in args.scenarios:
        sc = load_scenario(name)
        first = None
        for jobs in args.jobs:
            seconds, run = _time(sc, args.draws, args.seed, jobs, "cohort")
            same = "-" if first is None else ("yes" if run.table.equals(first) else "DIFFERENT")
            first = run.table if first is None else first
            rate = args.draws / seconds
            print(f"{name:28} {run.meta['mechanism']:20} {jobs:>4} {seconds:8.1f} {rate:8.0f} {rate / COHORT_GOAL:7.2f}x  {same}")
    if args.flow_draws:
        sc = load_scenario("lancs-edge-of-care-004")
        for jobs in args.jobs:
            seconds, _ = _time(sc, args.flow_draws, args.seed, jobs, "flow")
            rate = args.flow_draws / seconds
            print(f"{'lancs-edge-of-care-004 flow':28} {'sib_edge_of_care':20} {jobs:>4} {seconds:8.1f} {rate:8.0f} {rate / FLOW_GOAL:7.2f}x")
    print(f"load average now {os.getloadavg()[0]:.1f} (1 min), {os.getloadavg()[1]:.1f} (5 min)")


if __name__ == "__main__":
    main()
