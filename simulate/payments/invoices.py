"""Invoice summaries by month and quarter, and restatement against an earlier settlement.

Quarters are financial quarters (April-June, ...), labelled by their first day; months by
their first day. Amounts are £, unrounded.
"""

from __future__ import annotations

import pandas as pd

_PERIOD = {"month": "M", "quarter": "Q-MAR"}


def invoice_summary(payments: pd.DataFrame, period: str = "month") -> pd.DataFrame:
    """Total due per period, metric and payer.

    Parameters
    ----------
    payments
        Columns due_date, metric, payer, amount.
    period
        'month' or 'quarter' (financial quarters from April).

    Returns
    -------
    DataFrame
        Columns period_start, metric, payer, amount, payments (count of payment rows).
    """
    start = pd.to_datetime(payments["due_date"]).dt.to_period(_PERIOD[period]).dt.start_time
    grouped = payments.assign(period_start=start).groupby(["period_start", "metric", "payer"], as_index=False)
    return grouped.agg(amount=("amount", "sum"), payments=("amount", "size"))


RESTATEMENT_COLUMNS = ["kind", "metric", "payer", "due_date", "previous", "current", "adjustment", "child_id", "case_id"]


def restatement(previous: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """Adjustments from an earlier settlement's payments to the current one.

    Rows are matched on every column the two share except ``amount``. ``kind`` is
    'new payment' (nothing before), 'clawback' (less than before, including removed) or
    'increase'. Unchanged rows (within half a penny) are dropped.

    Returns
    -------
    DataFrame
        Columns :data:`RESTATEMENT_COLUMNS` (plus any other shared key columns).
    """
    keys = [c for c in current.columns if c in previous.columns and c != "amount"]
    prev = previous.assign(due_date=pd.to_datetime(previous["due_date"]))
    cur = current.assign(due_date=pd.to_datetime(current["due_date"]))
    for col in keys:
        if col != "due_date":
            prev[col] = prev[col].astype(str).replace({"nan": ""})
            cur[col] = cur[col].astype(str).replace({"nan": ""})
    a = prev.groupby(keys, as_index=False, dropna=False)["amount"].sum().rename(columns={"amount": "previous"})
    b = cur.groupby(keys, as_index=False, dropna=False)["amount"].sum().rename(columns={"amount": "current"})
    both = a.merge(b, on=keys, how="outer")
    both[["previous", "current"]] = both[["previous", "current"]].fillna(0.0)
    both["adjustment"] = both["current"] - both["previous"]
    both = both[both["adjustment"].abs() > 0.005].copy()
    both["kind"] = "increase"
    both.loc[both["previous"] == 0, "kind"] = "new payment"
    both.loc[both["adjustment"] < 0, "kind"] = "clawback"
    cols = [c for c in RESTATEMENT_COLUMNS if c in both.columns] + [c for c in keys if c not in RESTATEMENT_COLUMNS]
    return both[cols].sort_values(["due_date", "kind", "metric"], kind="stable").reset_index(drop=True)


def status_changes(previous: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """Audit lines whose status changed: columns case_id, metric, previous_status, status, reason."""
    keys = ["case_id", "metric"]
    a = previous[keys + ["status"]].astype(str).rename(columns={"status": "previous_status"})
    b = current[keys + ["status", "reason"]].astype({"case_id": str, "metric": str})
    both = a.merge(b, on=keys, how="outer")
    return both[both["previous_status"] != both["status"]].reset_index(drop=True)
