"""Named stresses: the preset's own plus the built-ins of its payment mechanism.

Each mechanism module (:mod:`simulate.stress.mechanisms`) lists its built-ins (the bond's
``stability_success_20pct_lower`` and ``cap_reached_early``, payment by results'
``progress_20pct_lower``…); they are added when the preset does not define a stress of the
same name.
"""

from __future__ import annotations

from ..finance.errors import StressError
from ..scenario import Scenario
from .mechanisms import mechanism_for
from .params import scenario_data


def builtin_stresses(scenario: Scenario) -> list:
    """The built-in stresses of the scenario's payment mechanism."""
    return mechanism_for(scenario.payment.kind).builtin_stresses(scenario)


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


def compare_stresses(scenario: Scenario, stresses: list, draws: int, seed: int, jobs: int = 1):
    """Run the base and each stress on the same draws (same seed); one summary row each.

    Returns a table ``stress, description`` and the mechanism's comparison figures
    (:meth:`~simulate.stress.mechanisms.Mechanism.compare_row`).
    """
    import pandas as pd

    from .runner import run_stress

    mech = mechanism_for(scenario_data(scenario))
    rows = []
    for s in [None, *stresses]:
        t = run_stress(scenario, draws, seed, jobs=jobs, overrides=s.overrides if s else None,
                       effects=s.effects if s else None, keep_monthly=False).table
        rows.append({"stress": s.name if s else "base", "description": s.description if s else "the scenario's uncertainty ranges",
                     **mech.compare_row(t)})
    return pd.DataFrame(rows)
