"""Who funds the vehicle: the social investor and its co-funders (004 §6.3).

"a social investor provides at least 50.1% of the funding" (004 §6.3): every pound of capital
the vehicle draws comes ``investor_share`` from the social investor and the rest from a
co-funder (the provider, a trust or a second investor). On what terms:

- ``pari_passu``: capital is returned and surplus shared in proportion to the capital each put in;
- ``first_loss``: the co-funder's capital is subordinated: capital returned goes to the social
  investor until its capital is repaid, then to the co-funder; surplus is shared in proportion
  to capital. A shortfall therefore falls on the co-funder first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import FinanceError
from .spv import SpvFlows

TERMS = ("pari_passu", "first_loss")


@dataclass(frozen=True)
class FunderFlows:
    """£ by month each funder puts in and gets back (all non-negative)."""

    investor_drawn: np.ndarray
    investor_returned: np.ndarray
    investor_surplus: np.ndarray
    co_drawn: np.ndarray
    co_returned: np.ndarray
    co_surplus: np.ndarray

    @property
    def investor_net(self) -> np.ndarray:
        """The social investor's flows: + received, − capital paid in."""
        return self.investor_returned + self.investor_surplus - self.investor_drawn

    @property
    def co_net(self) -> np.ndarray:
        """The co-funder's flows: + received, − capital paid in."""
        return self.co_returned + self.co_surplus - self.co_drawn


def split_funders(spv: SpvFlows, investor_share: float = 1.0, terms: str = "pari_passu") -> FunderFlows:
    """Split the vehicle's capital calls, capital returned and investor surplus between the funders.

    Every array of the result adds up, funder by funder, to the vehicle's own
    (``investor_drawn + co_drawn == spv.capital_drawn`` and so on).
    """
    if terms not in TERMS:
        raise FinanceError(f"finance.co_funder_terms: {terms!r} is not one of {', '.join(TERMS)}")
    s = float(investor_share)
    drawn, back = spv.capital_drawn, spv.capital_returned
    inv_drawn = drawn * s
    if terms == "pari_passu":
        inv_back = back * s
    else:
        inv_back = np.zeros(len(back))
        owed = 0.0
        for m in range(len(back)):
            owed += inv_drawn[m]
            inv_back[m] = min(back[m], owed)
            owed -= inv_back[m]
    inv_surplus = spv.investor_surplus * s
    return FunderFlows(inv_drawn, inv_back, inv_surplus, drawn - inv_drawn, back - inv_back, spv.investor_surplus - inv_surplus)
