"""Back test of the payment-by-results reforecast on synthetic 000 extracts with known truth.

For each seed: synthesise the 000 extracts to the contract's end, settle them as of the day
after the contract's last day (the last quarter's families fall due then), which gives the
realised provider's outcome income (family payments after the pooled 40%); then reforecast from
the same extracts as of an earlier date (the reforecast reads only what had happened by then)
and check whether the 90% interval (5th to 95th percentile over the draws) of the outcome income
covers the realised amount. Prints the coverage with its Wilson interval, the mean interval
width at each as-of date, and the draws per second.

    PYTHONPATH=. python benchmarks/reforecast_pbr_coverage.py --seeds 30 --draws 200
    PYTHONPATH=. python benchmarks/reforecast_pbr_coverage.py --throughput 1000   # draws of one reforecast, timed
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np

from coverage_lines import print_coverage  # benchmarks/coverage_lines.py, beside this script
from data_synthetic import synthesise
from simulate.payments.settle import settle_scenario
from simulate.reforecast import reforecast
from simulate.scenario import load_scenario


def back_test(seeds: range, draws: int, as_of: list[dt.date], scenario: str = "lancs-ehwb-000") -> tuple[dict[dt.date, np.ndarray], float, int]:
    """Per as-of date, rows ``(realised, p5, p95)`` for each seed; seconds spent reforecasting; draws run."""
    sc = load_scenario(scenario)
    out: dict[dt.date, list] = {d: [] for d in as_of}
    spent, n = 0.0, 0
    for s in seeds:
        frames = synthesise(sc, seed=1000 + s).frames
        settled, _ = settle_scenario(sc, frames, sc.horizon.contract_end)
        pay = settled.payments
        realised = float(pay.loc[pay["metric"] == "family_outcome", "amount"].sum())
        for d in as_of:
            t = time.perf_counter()
            income = reforecast(sc, frames, d, draws=draws, seed=s).draws["outcome_payments_gbp"].to_numpy()
            spent += time.perf_counter() - t
            n += draws
            out[d].append((realised, *np.quantile(income, [0.05, 0.95])))
    return {d: np.array(v) for d, v in out.items()}, spent, n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=30)
    ap.add_argument("--draws", type=int, default=200)
    ap.add_argument("--throughput", type=int, default=0, help="time this many draws of one reforecast instead")
    a = ap.parse_args()
    if a.throughput:
        sc = load_scenario("lancs-ehwb-000")
        frames = synthesise(sc, seed=3).frames
        t = time.perf_counter()
        reforecast(sc, frames, dt.date(2024, 3, 31), draws=a.throughput, seed=1)
        s = time.perf_counter() - t
        print(f"{a.throughput} draws as of 2024-03-31 ({len(frames['referrals.csv'])} referrals) in {s:.1f} s: {a.throughput / s:.0f} draws/s")
        return
    dates = [dt.date(2023, 3, 31), dt.date(2024, 3, 31)]
    t = time.perf_counter()
    res, spent, n = back_test(range(a.seeds), a.draws, dates)
    print_coverage(res, "outcome income")
    print(f"{a.seeds} seeds × {len(dates)} dates × {a.draws} draws in {time.perf_counter() - t:.0f} s; "
          f"reforecasts {n / spent:.0f} draws/s including each one's preparation")


if __name__ == "__main__":
    main()
