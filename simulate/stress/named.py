"""Named stresses an investor asks about: the preset's own plus Cusp's built-in ones.

Built-ins are added when the preset does not define a stress of the same name:

- ``stability_success_20pct_lower``: one in five children who would have reached the stability
  milestone does not (a care entry in the first six months), by common random numbers;
- ``cap_reached_early``: the contract's total cap on outcome payments at 60% of its value.
"""

from __future__ import annotations

from ..finance.errors import StressError
from ..scenario import Scenario, SibEdgeOfCare, Stress


def builtin_stresses(scenario: Scenario) -> list[Stress]:
    """Cusp's built-in stresses that apply to this scenario."""
    out = [Stress(name="stability_success_20pct_lower", description="Stability success 20% lower than the hazards imply",
                  effects={"stability_success_multiplier": 0.8})]
    pay = scenario.payment
    if isinstance(pay, SibEdgeOfCare) and pay.caps.total_gbp:
        out.append(Stress(name="cap_reached_early", description="Total outcome cap at 60% of the contract's",
                          overrides={"payment.caps.total_gbp": round(pay.caps.total_gbp * 0.6, 2)}))
    return out


def named_stresses(scenario: Scenario) -> list[Stress]:
    """The preset's stresses followed by the built-ins it does not override by name."""
    own = list(scenario.stresses)
    names = {s.name for s in own}
    return own + [s for s in builtin_stresses(scenario) if s.name not in names]


def find_stress(scenario: Scenario, name: str) -> Stress:
    """The named stress, or a :class:`StressError` listing the names there are."""
    stresses = named_stresses(scenario)
    for s in stresses:
        if s.name == name:
            return s
    raise StressError(f"--stress: no stress named {name!r}; the scenario has {', '.join(s.name for s in stresses)}")


def compare_stresses(scenario: Scenario, stresses: list[Stress], draws: int, seed: int, jobs: int = 1):
    """Run the base and each stress on the same draws (same seed); one summary row each.

    Returns a table ``stress, description, irr_median, multiple_median, p_loss, p_cap_reached,
    payments_mean_gbp, peak_capital_p95_gbp, savings_pv_mean_gbp``.
    """
    import pandas as pd

    from .runner import run_stress

    rows = []
    for s in [None, *stresses]:
        t = run_stress(scenario, draws, seed, jobs=jobs, overrides=s.overrides if s else None,
                       effects=s.effects if s else None, keep_monthly=False).table
        ok = t.loc[t["irr_status"] == "ok", "irr"]
        rows.append({
            "stress": s.name if s else "base", "description": s.description if s else "the scenario's uncertainty ranges",
            "irr_median": ok.median(), "multiple_median": t["money_multiple"].median(), "p_loss": t["investor_loss"].mean(),
            "p_cap_reached": t["cap_reached"].mean(), "payments_mean_gbp": t["outcome_payments_gbp"].mean(),
            "peak_capital_p95_gbp": t["peak_capital_gbp"].quantile(0.95), "savings_pv_mean_gbp": t["savings_pv_gbp"].mean(),
        })
    return pd.DataFrame(rows)
