"""The investor's special-purpose vehicle: capital drawdown, fees and the distribution waterfall.

Each month the vehicle receives outcome payments and pays the provider's fee for service (its
delivery costs plus any margin), the provider's performance share of outcome receipts and the
management fee. Capital is drawn from the investor only when cumulative outgoings exceed
cumulative receipts plus capital already drawn (the cash balance would go negative), and is
counted against the commitment. At each distribution date (every ``distribution_interval_months``
and at the end of the contract) cash above a reserve for the planned outgoings until the next
distribution date (the vehicle knows its budgeted costs and fees), and at least the remaining
planned outgoings less the headroom left under the cap on outcome payments, goes down the
waterfall: first the investor's capital back, then the surplus split between the
investor (``investor_surplus_share``) and the provider.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SpvTerms:
    """Terms of the vehicle (money in £, shares as fractions)."""

    capital_commitment: float
    management_fee_per_month: float = 0.0
    provider_margin: float = 0.0
    provider_performance_share: float = 0.0
    investor_surplus_share: float = 1.0
    distribution_interval_months: int = 12


@dataclass(frozen=True)
class SpvFlows:
    """Monthly flows of the vehicle (£ by month, all non-negative)."""

    receipts: np.ndarray
    fee_for_service: np.ndarray
    performance_share: np.ndarray
    management_fee: np.ndarray
    capital_drawn: np.ndarray
    capital_returned: np.ndarray
    investor_surplus: np.ndarray
    provider_surplus: np.ndarray
    cash: np.ndarray

    @property
    def investor_net(self) -> np.ndarray:
        """Investor's flows by month: + received from the vehicle, − capital paid in."""
        return self.capital_returned + self.investor_surplus - self.capital_drawn

    @property
    def capital_outstanding(self) -> np.ndarray:
        """Capital drawn and not yet returned at each month end."""
        return np.cumsum(self.capital_drawn - self.capital_returned)


def waterfall(amount: float, capital_outstanding: float, investor_surplus_share: float) -> tuple[float, float, float]:
    """Split cash being distributed: (capital returned, investor surplus, provider surplus).

    Capital is returned first, up to what is outstanding; what is left is shared between the
    investor (``investor_surplus_share``) and the provider.
    """
    capital = min(max(amount, 0.0), max(capital_outstanding, 0.0))
    surplus = max(amount, 0.0) - capital
    investor = surplus * investor_surplus_share
    return capital, investor, surplus - investor


def run_spv(receipts: np.ndarray, delivery_costs: np.ndarray, terms: SpvTerms, receipts_cap: float | None = None) -> SpvFlows:
    """Run the vehicle month by month.

    Parameters
    ----------
    receipts
        Outcome payments received each month (£, commissioner + Life Chances Fund).
    delivery_costs
        The provider's delivery costs each month (£); the fee for service is these × (1 + margin).
    terms
        The vehicle's terms.
    receipts_cap
        The contract's cap on outcome payments (£): receipts can add at most the cap's headroom,
        so the reserve also covers the remaining planned outgoings less that headroom (all of
        them once the cap is reached).

    Returns
    -------
    SpvFlows
        Every flow by month; ``cash`` is the balance held at each month end.
    """
    receipts = np.asarray(receipts, float)
    n = len(receipts)
    ffs = np.asarray(delivery_costs, float) * (1.0 + terms.provider_margin)
    perf = receipts * terms.provider_performance_share
    fee = np.full(n, terms.management_fee_per_month)
    drawn, back, inv, prov, cash = (np.zeros(n) for _ in range(5))
    out = ffs + perf + fee
    balance = outstanding = received = 0.0
    interval = max(int(terms.distribution_interval_months), 1)
    for m in range(n):
        balance += receipts[m] - out[m]
        received += receipts[m]
        if balance < 0.0:
            drawn[m] = -balance
            outstanding += drawn[m]
            balance = 0.0
        last = m == n - 1
        if last or (m + 1) % interval == 0:
            reserve = 0.0
            if not last:
                reserve = out[m + 1:m + 1 + interval].sum()
                if receipts_cap is not None:  # receipts can no longer cover what is left beyond the cap's headroom
                    reserve = max(reserve, out[m + 1:].sum() - max(receipts_cap - received, 0.0))
            amount = balance - reserve
            if amount > 0.0:
                back[m], inv[m], prov[m] = waterfall(amount, outstanding, terms.investor_surplus_share)
                outstanding -= back[m]
                balance -= amount
        cash[m] = balance
    return SpvFlows(receipts, ffs, perf, fee, drawn, back, inv, prov, cash)
