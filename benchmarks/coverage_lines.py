"""One line per as-of date of a reforecast back test: how often the 90% interval covered the
realised amount, with its Wilson 95% interval, the interval's mean width and where it sat.

Shared by benchmarks/reforecast_coverage.py (the 004 bond) and reforecast_pbr_coverage.py (000).
"""

from __future__ import annotations

import numpy as np
from statsmodels.stats.proportion import proportion_confint


def print_coverage(res: dict, what: str) -> None:
    """``res``: as-of date -> array (seeds × 3) of realised £, interval's low £, high £."""
    for d, r in res.items():
        r = np.asarray(r, float)
        hit = (r[:, 1] <= r[:, 0]) & (r[:, 0] <= r[:, 2])
        lo, hi = proportion_confint(int(hit.sum()), len(hit), alpha=0.05, method="wilson")
        print(f"as of {d}: 90% interval covers the realised {what} in {hit.sum()}/{len(hit)} seeds = {hit.mean():.3f} "
              f"(Wilson 95% {lo:.3f}-{hi:.3f}); mean width £{(r[:, 2] - r[:, 1]).mean():,.0f}; "
              f"mean realised £{r[:, 0].mean():,.0f}, mean midpoint £{((r[:, 1] + r[:, 2]) / 2).mean():,.0f}")
