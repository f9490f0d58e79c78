"""Consistency checks on outcome extracts before settling (the rows named on failure).

These are the checks a payment needs whatever the schema validation upstream did:
spells ending before they start, a spell before the child's birth, and a reunification child
engaged with no ``return_home_date``. Spells of one child that touch or overlap are not an
error: they are one period away from home (:mod:`simulate.payments.periods`). Line numbers are those
of the CSV file (header = line 1, first data row = line 2), from the frame's default index.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import PaymentDataError


def _lines(frame: pd.DataFrame, mask) -> list[int]:
    return (np.flatnonzero(np.asarray(mask)) + 2).tolist()


def check_episodes(episodes: pd.DataFrame, referrals: pd.DataFrame | None = None) -> None:
    """Raise :class:`PaymentDataError` naming the lines of bad care spells.

    ``episodes`` needs ``child_id``, ``start_date``, ``end_date`` (dates, end may be missing);
    ``referrals`` (optional) gives ``date_of_birth`` per ``child_id``.
    """
    start = episodes["start_date"].to_numpy(dtype="datetime64[D]")
    end = episodes["end_date"].to_numpy(dtype="datetime64[D]")
    bad = ~np.isnat(end) & (end < start)
    if bad.any():
        raise PaymentDataError("care_episodes.csv", _lines(episodes, bad), "end_date before start_date", "lines")
    if np.isnat(start).any():
        raise PaymentDataError("care_episodes.csv", _lines(episodes, np.isnat(start)), "start_date missing", "lines")
    if referrals is not None and "date_of_birth" in referrals.columns and len(episodes):
        dob = referrals.drop_duplicates("child_id").set_index("child_id")["date_of_birth"]
        born = pd.to_datetime(episodes["child_id"].map(dob)).to_numpy(dtype="datetime64[D]")
        early = ~np.isnat(born) & (start < born)
        if early.any():
            raise PaymentDataError("care_episodes.csv", _lines(episodes, early), "spell starts before the child's date_of_birth", "lines")


def check_referrals(referrals: pd.DataFrame, reunification: set[str]) -> None:
    """Raise if an engaged child of a reunification sub-cohort has no ``return_home_date``."""
    engaged = referrals["start_date"].notna()
    reun = referrals["sub_cohort"].isin(reunification)
    missing = engaged & reun
    if "return_home_date" in referrals.columns:
        missing &= referrals["return_home_date"].isna()
    if missing.any():
        raise PaymentDataError("referrals.csv", _lines(referrals, missing),
                               "reunification child engaged with no return_home_date (if the child is not home yet, "
                               "--allow-no-return-home settles it as 'not eligible' for stability)", "lines")
