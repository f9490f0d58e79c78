"""Stress-test throughput: draws per second of the 004 preset through the full pipeline.

Run:  .venv/bin/python benchmarks/stress_throughput.py [--draws 10000] [--jobs 1 2] [--seed 1] [--engine payments|cusp] [--model cohort|flow]

Each draw samples the preset's uncertainty ranges (Latin hypercube), simulates referrals and
care spells (fast cohort model), settles outcome payments, runs caps, payers, the investor's
vehicle, IRR and the valuation of care avoided. Times include worker start-up. Also checks that
every job count gives the identical table. Goal: 10,000 draws in under 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import time

from simulate.scenario import load_scenario
from simulate.stress import run_stress


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scenario", default="lancs-edge-of-care-004")
    ap.add_argument("--engine", default="payments", choices=["payments", "cusp"], help="stability settlement engine")
    ap.add_argument("--model", default="cohort", choices=["cohort", "flow"], help="referrals and care: cohort model or flow simulation")
    args = ap.parse_args()
    sc = load_scenario(args.scenario)
    print(f"{args.scenario}: {args.draws:,} draws, seed {args.seed}, engine {args.engine}, model {args.model}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    first = None
    for jobs in args.jobs:
        t, cpu = time.perf_counter(), time.process_time()
        run = run_stress(sc, args.draws, args.seed, jobs=jobs, keep_monthly=False, engine=args.engine, model=args.model)
        seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
        same = "" if first is None else ("identical to jobs=%d" % args.jobs[0] if run.table.equals(first) else "DIFFERENT")
        first = run.table if first is None else first
        own = f"  (this process: {cpu:.1f} s CPU, {1000 * cpu / args.draws:.2f} ms/draw)" if jobs == 1 else ""
        print(f"jobs={jobs}: {seconds:6.1f} s wall  {args.draws / seconds:8.0f} draws/s  {same}{own}")
    print(f"load average now {os.getloadavg()[0]:.1f} (other processes share the CPUs; wall times include start-up)")


if __name__ == "__main__":
    main()
