"""Matching speed: 1,000 served children against a 100,000-child comparison pool.

Run:  .venv/bin/python benchmarks/matching_speed.py [--pool 100000] [--treated 1000] [--seed 1]

Times the whole fit (logistic propensity score, 1:1 nearest neighbour without replacement with a
0.2 SD logit caliper, exact on district, weights and both balance tables), and 1:3 with
replacement, and prints one line per configuration.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from evaluation.matching import NearestNeighborMatch


def make_data(n_treated: int, n_pool: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = n_treated + n_pool
    age = rng.integers(0, 18, n)
    need = rng.normal(0, 1, n)
    prior = rng.poisson(1.0, n)
    district = rng.choice(["north", "south", "east", "west", "central"], n)
    treat = np.zeros(n, dtype=int)
    lin = -0.5 + 0.8 * need + 0.3 * prior - 0.05 * age
    p = 1 / (1 + np.exp(-lin))
    treated = rng.choice(n, size=n_treated, replace=False, p=p / p.sum())
    treat[treated] = 1
    return pd.DataFrame(dict(treat=treat, age=age, need=need, prior=prior, district=district))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pool", type=int, default=100_000)
    ap.add_argument("--treated", type=int, default=1_000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    d = make_data(a.treated, a.pool, a.seed)
    covs = ["age", "need", "prior", "district"]
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        NearestNeighborMatch().fit(d.sample(2000, random_state=0), "treat", covs)  # imports, warm-up
    print(f"warm-up (imports statsmodels; 2,000 rows): {time.perf_counter() - t0:.2f} s")
    configs = {
        "1:1 NN, logit caliper 0.2, exact district": NearestNeighborMatch(
            link="linear.logit", caliper=0.2, exact=["district"]),
        "1:1 NN, no caliper": NearestNeighborMatch(),
        "1:3 NN with replacement": NearestNeighborMatch(ratio=3, replace=True),
    }
    for name, m in configs.items():
        t0 = time.perf_counter()
        m.fit(d, "treat", covs)
        dt = time.perf_counter() - t0
        print(f"{name}: {a.treated} treated vs {a.pool} pool: {dt:.2f} s "
              f"(matched {m.n_treated_matched_} treated, {m.n_control_matched_} controls, "
              f"max |SMD| after {m.balance_['smd'].abs().max():.3f})")


if __name__ == "__main__":
    main()
