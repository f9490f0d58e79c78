"""Back test of the reforecast on synthetic 004 extracts with known truth.

For each seed: synthesise the 004 bond's extracts to the contract's end, settle them all (the
realised total of outcome payments), then reforecast from the same extracts as of an earlier
date (the reforecast reads only what had happened by then) and check whether the 90% interval
(5th to 95th percentile over the draws) of the total covers the realised total. Prints the
coverage with its Wilson interval and the mean interval width at each as-of date.

    PYTHONPATH=. python benchmarks/reforecast_coverage.py --seeds 60 --draws 200
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


def back_test(seeds: range, draws: int, as_of: list[dt.date], scenario: str = "lancs-edge-of-care-004") -> dict[dt.date, np.ndarray]:
    """Per as-of date, rows ``(realised, p5, p95)`` for each seed."""
    sc = load_scenario(scenario)
    end = sc.horizon.contract_end - dt.timedelta(days=1)
    out: dict[dt.date, list] = {d: [] for d in as_of}
    for s in seeds:
        frames = synthesise(sc, seed=1000 + s).frames
        settled, _ = settle_scenario(sc, frames, end, allow_no_return_home=True)
        realised = float(settled.payments["amount"].sum())
        for d in as_of:
            total = reforecast(sc, frames, d, draws=draws, seed=s).draws["outcome_payments_gbp"].to_numpy()
            out[d].append((realised, *np.quantile(total, [0.05, 0.95])))
    return {d: np.array(v) for d, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=60)
    ap.add_argument("--draws", type=int, default=200)
    a = ap.parse_args()
    dates = [dt.date(2021, 8, 31), dt.date(2023, 8, 31)]
    t = time.perf_counter()
    res = back_test(range(a.seeds), a.draws, dates)
    print_coverage(res, "total")
    print(f"{a.seeds} seeds × {len(dates)} dates × {a.draws} draws in {time.perf_counter() - t:.0f} s")


if __name__ == "__main__":
    main()
