"""Disclosure policies as their publishers apply them, the registry, and the results.json scan.

Every expected value below is worked out by hand in the comment beside it.
"""

from __future__ import annotations

import pandas as pd
import pytest

from evaluation.balance import DataInputError
from evaluation.disclosure import POLICIES, Policy, disclose, get_policy, register, scan_report, scan_results


def test_every_policy_module_registers_itself():
    assert {"nhs-digital", "dfe", "threshold-10", "modelled"} <= set(POLICIES)
    with pytest.raises(DataInputError, match="unknown disclosure policy 'nhs'.*dfe.*nhs-digital"):
        get_policy("nhs")


def test_a_new_policy_plugs_in_by_registering():
    pol = register(Policy("test-fewer-than-3", min_count=3, round_to=None, secondary=True, text="test"))
    try:
        d = disclose(pd.DataFrame({"a": [2, 30], "b": [40, 35]}), "test-fewer-than-3")
        assert d.display.iloc[0, 0] == "*" and d.policy is pol
    finally:
        POLICIES.pop("test-fewer-than-3")


def test_nhs_digital_counts_and_shares():
    nhs = POLICIES["nhs-digital"]
    assert [nhs.count(n) for n in (0, 1, 7, 8, 12, 13, 47)] == [0, "*", "*", 10, 10, 15, 45]
    assert nhs.share(42, 47) == "*"            # 5 not accepted: a small complement
    assert nhs.share(3, 40) == "*"             # a small numerator
    assert nhs.share(41, 52) == 40 / 50        # from the rounded counts: 40 / 50
    assert nhs.format_share(0.8) == "80.0%"
    assert nhs.share(0, 0) == "" and nhs.count(None) == ""


def test_nhs_digital_needs_no_secondary_suppression_because_of_rounding():
    # north/a = 3 is the only hidden cell. Published: north/b 40 (38-42), north total 43 -> 45
    # (43-47), column a total 23 -> 25 (23-27), south/a 20 (18-22). From the row: north/a is
    # between 43 - 42 = 1 and 47 - 38 = 9; from the column the same, 23 - 22 = 1 to 27 - 18 = 9.
    t = pd.DataFrame({"a": [3, 20], "b": [40, 35]}, index=["north", "south"])
    d = disclose(t, "nhs-digital")
    assert d.suppressed.to_numpy().sum() == 1
    assert d.display.loc["north", "Total"] == "45" and d.display.loc["Total", "a"] == "25"
    r = d.attacker_ranges.set_index(["row", "column"])
    assert r.loc[("north", "a"), ["low", "high"]].tolist() == pytest.approx([1.0, 9.0])
    # secondary suppression stays available as an option
    assert disclose(t, "nhs-digital", secondary=True).suppressed.to_numpy().sum() >= 4


def test_dfe_symbols_and_secondary_suppression():
    dfe = POLICIES["dfe"]
    assert [dfe.count(n) for n in (0, 3, 5, 6, 47, None)] == [0, "c", "c", 6, 47, "x"]  # unrounded
    assert dfe.share(0, 0) == "z"                       # a percentage of nobody: not applicable
    assert dfe.format_share(dfe.share(1_000, 250_000)) == "k"  # 0.4% rounds to 0 but is not 0
    assert dfe.format_share(dfe.share(30, 40)) == "75%"  # whole percentages
    t = pd.DataFrame({"a": [3, 20], "b": [40, 35]}, index=["north", "south"])
    d = disclose(t, "dfe")
    assert d.display.loc["north", "a"] == "c"
    # secondary: north/a cannot be read off its row or column
    s = d.suppressed.to_numpy()
    assert all(line.sum() != 1 for line in list(s) + list(s.T))
    assert d.display.loc["Total", "Total"] == "98"     # no rounding (nhs-digital would show 100)
    assert scan_report(d.to_html(), "dfe") == []


def test_threshold_10_dominance_is_acros_default():
    assert POLICIES["threshold-10"].dominance_k == 0.90 and POLICIES["threshold-10"].dominance_n == 2


def test_results_scan_finds_exact_counts_and_derivable_small_counts():
    meta = {"policy": "nhs-digital", "not_counts": ["data_seed"]}
    # served 47 and matched 42 published exactly: 47 is not rounded (42 is not either)
    bad = {"disclosure": meta, "served": 47, "matched": 42, "data_seed": 2}
    problems = scan_results(bad, "nhs-digital")
    assert any(p.startswith("served: count 47 not rounded") for p in problems)
    assert not any("data_seed" in p for p in problems)
    # 46 of 47 referrals accepted beside 45 referrals: (1 - 46/47) x 45 = 0.96, one refusal
    leak = {"disclosure": meta, "referrals": 45, "accepted": {"share": 46 / 47, "numerator": 45, "denominator": 45}}
    assert any("gives 1.0" in p for p in scan_results(leak, "nhs-digital"))
    # a bare share has no denominator: a problem in itself
    assert any("without its denominator" in p for p in scan_results({"disclosure": meta, "accepted_share": 0.98}, "nhs-digital"))
    # 38 of 47 accepted publishes 40 of 45: the complement 5 is a difference of rounded counts
    # (the true value is anywhere from 1 to 9 for all the reader knows), not an exact count
    rounded = {"disclosure": meta, "referrals": 45, "data_seed": 2,
               "accepted": {"share": 40 / 45, "numerator": 40, "denominator": 45}}
    assert scan_results(rounded, "nhs-digital") == []
    # under an unrounded policy the same complement is exact, and found
    dfe = {"disclosure": {"policy": "dfe"}, "referrals": 47, "accepted": {"share": 42 / 47, "numerator": 42, "denominator": 47}}
    assert any("gives 5.0, a count below 6" in p for p in scan_results(dfe, "dfe"))
    ok = {"disclosure": meta, "referrals": 50, "accepted": {"share": 40 / 50, "numerator": 40, "denominator": 50}}
    assert scan_results(ok, "nhs-digital") == []
    assert scan_results({"served": 50}, "nhs-digital")[0].startswith("results.json does not record")
