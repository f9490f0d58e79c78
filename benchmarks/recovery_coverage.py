"""Recovery of a known effect on `cusp synth` data: bias of the naive comparison, coverage of the
matched estimate's 95% confidence interval over many seeds.

Run:  .venv/bin/python benchmarks/recovery_coverage.py --seeds 200 [--scenario lancs-edge-of-care-004]
      [--jobs 2] [--out coverage.csv]

Estimand: the relative reduction in unauthorised absence among served children (the 004
metric), true value ``truth["school"]["unauthorised_absence_reduction"]`` (0.3 in the 004
preset).  For each child of school age, the outcome is the unauthorised-absence rate (days absent
/ possible days) over school terms starting at least 365 days after the referral (index) date, so
every served child is past its start date.  Confounding: the generator selects the served on
need level, risk factors, prior care episodes and age, and absence propensity rises with the same
severity.

Per seed: (1) naive ratio of mean rates, served vs the whole comparison pool; (2) 1:1 nearest
neighbour on a logistic propensity score (need level, risk factors, prior care episodes, age at
index, sex, district) with a 0.2 SD logit caliper; ratio of means with a cluster-robust
(matched-set) delta-method 95% CI.  (3) the doubly robust estimate MatchIt's guidance recommends: a weighted outcome regression on
the matched sample with served × covariate interactions, g-computed ratio of means over the served
(same clusters).  Reports mean naive, matched and doubly robust estimates of the reduction
(1 − ratio), and the share of seeds whose CI covers the truth for the last two.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from data_synthetic import synthesise
from evaluation.estimates import att_outcome_regression, att_ratio
from evaluation.matching import NearestNeighborMatch
from simulate.scenario import load_scenario

COVS = ["need_level", "risk_factors", "prior_care_episodes", "age", "sex", "district"]


def one_seed(scenario: str, seed: int) -> dict:
    sc = load_scenario(scenario)
    ex = synthesise(sc, seed=seed)
    f = ex.frames
    truth = 1 - (1 - ex.truth["school"]["unauthorised_absence_reduction"])
    ref = f["referrals.csv"]
    served = ref[ref["start_date"].notna()].drop_duplicates("child_id").assign(
        served=1, index_date=lambda d: d["referral_date"])
    pool = f["comparison_pool.csv"].assign(served=0)
    cols = ["child_id", "served", "index_date", "date_of_birth", "need_level", "risk_factors",
            "prior_care_episodes", "sex", "district"]
    kids = pd.concat([served[cols], pool[cols]], ignore_index=True)
    kids["index_date"] = pd.to_datetime(kids["index_date"])
    kids["age"] = (kids["index_date"] - pd.to_datetime(kids["date_of_birth"])).dt.days / 365.25
    s = f["school.csv"].merge(kids[["child_id", "index_date"]], on="child_id")
    post = s[pd.to_datetime(s["period_start"]) >= s["index_date"] + pd.Timedelta(days=365)]
    rate = post.groupby("child_id")[["unauthorised_absence_days", "possible_days"]].sum()
    rate = (rate["unauthorised_absence_days"] / rate["possible_days"]).rename("absence_rate")
    kids = kids.merge(rate, left_on="child_id", right_index=True, how="inner").reset_index(drop=True)
    naive = kids.loc[kids.served == 1, "absence_rate"].mean() / kids.loc[kids.served == 0, "absence_rate"].mean()
    m = NearestNeighborMatch(link="linear.logit", caliper=0.2).fit(kids, "served", COVS)
    md = m.matched_data(kids)
    r = att_ratio(md, "absence_rate", "served", "weights", "matched_set").iloc[0]
    # doubly robust: outcome regression with served x covariate interactions on the matched
    # sample, g-computed ratio of means (cluster-robust on matched sets)
    dr = att_outcome_regression(md, "absence_rate", COVS, "served", "weights", "matched_set",
                                scale="ratio").iloc[0]
    return dict(seed=seed, truth=truth, n_served=int((kids.served == 1).sum()),
                n_pool=int((kids.served == 0).sum()), n_matched=m.n_treated_matched_,
                max_abs_smd=float(m.balance_["smd"].abs().max()),
                naive_reduction=1 - naive, matched_reduction=1 - r["estimate"],
                ci_low=1 - r["ci_high"], ci_high=1 - r["ci_low"],
                covered=bool(1 - r["ci_high"] <= truth <= 1 - r["ci_low"]),
                dr_reduction=1 - dr["estimate"],
                dr_covered=bool(1 - dr["ci_high"] <= truth <= 1 - dr["ci_low"]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=200)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--scenario", default="lancs-edge-of-care-004")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--out", default=None, help="optional CSV of per-seed results")
    a = ap.parse_args()
    t0 = time.perf_counter()
    seeds = range(a.first_seed, a.first_seed + a.seeds)
    if a.jobs > 1:
        from joblib import Parallel, delayed

        rows = Parallel(n_jobs=a.jobs)(delayed(one_seed)(a.scenario, s) for s in seeds)
    else:
        rows = [one_seed(a.scenario, s) for s in seeds]
    res = pd.DataFrame(rows)
    if a.out:
        res.to_csv(a.out, index=False)
    truth = res["truth"].iloc[0]
    cov = res["covered"].mean()
    lo, hi = _wilson(int(res["covered"].sum()), len(res))
    print(f"scenario {a.scenario}, {len(res)} seeds, {time.perf_counter() - t0:.0f} s")
    print(f"served per seed (school age, with post-year terms): median {res['n_served'].median():.0f}; "
          f"pool {res['n_pool'].median():.0f}; matched {res['n_matched'].median():.0f}")
    print(f"true reduction in unauthorised absence: {truth:.3f}")
    print(f"naive served-vs-pool estimate: mean {res['naive_reduction'].mean():.3f} "
          f"(bias {res['naive_reduction'].mean() - truth:+.3f})")
    print(f"matched estimate: mean {res['matched_reduction'].mean():.3f} "
          f"(bias {res['matched_reduction'].mean() - truth:+.3f}); median max |SMD| after "
          f"{res['max_abs_smd'].median():.3f}")
    print(f"95% CI coverage of the truth: {cov:.3f} ({int(res['covered'].sum())}/{len(res)}; "
          f"Wilson 95% {lo:.3f}-{hi:.3f})")
    k = int(res["dr_covered"].sum())
    lo, hi = _wilson(k, len(res))
    print(f"doubly robust (outcome regression on the matched sample): mean {res['dr_reduction'].mean():.3f} "
          f"(bias {res['dr_reduction'].mean() - truth:+.3f}); 95% CI coverage {k / len(res):.3f} "
          f"({k}/{len(res)}; Wilson 95% {lo:.3f}-{hi:.3f})")


def _wilson(k: int, n: int) -> tuple[float, float]:
    from evaluation.intervals import wilson_interval

    return wilson_interval(k, n)


if __name__ == "__main__":
    main()
