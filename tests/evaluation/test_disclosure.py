"""Disclosure control: primary and secondary suppression, attacker check, KPI rows, report scan."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.disclosure import POLICIES, disclose, scan_report

TABLE = pd.DataFrame({"entered_care": [3, 20, 15, 12], "did_not": [40, 35, 50, 6]},
                     index=pd.Index(["north", "south", "east", "west"], name="district"))


@pytest.mark.parametrize("policy", ["threshold-10", "nhs-digital"])
def test_small_cells_hidden_and_not_recoverable(policy):
    d = disclose(TABLE, policy, secondary=True)  # nhs-digital: secondary suppression as an option
    pol = POLICIES[policy]
    assert d.suppressed.loc["north", "entered_care"] and d.suppressed.loc["west", "did_not"]
    assert d.display.loc["north", "entered_care"] == "*"
    # secondary: no row or column (with its total) has exactly one hidden cell
    s = d.suppressed.to_numpy()
    for line in list(s) + list(s.T):
        assert line.sum() != 1
    # attacker: every hidden small cell's feasible range is at least the policy's width
    prim = d.attacker_ranges[d.attacker_ranges["primary"]]
    assert len(prim) >= 2
    assert ((prim["high"] - prim["low"]) >= pol.min_count).all()
    # nothing visible breaks the policy
    shown = d.values.to_numpy()[~s]
    assert not ((shown > 0) & (shown < pol.min_count)).any()
    assert d.policy_text.startswith(f"Disclosure control ({policy})")


def test_attacker_range_by_hand():
    # north/care 3 hidden with north/did_not 40 and south pair; row totals 43 and 55 and the
    # column total of care (3 + 20 = 23 among the hidden pair): north/care lies in [0, 23].
    t = pd.DataFrame({"a": [3, 20], "b": [40, 35]}, index=["north", "south"])
    d = disclose(t, "threshold-10")
    r = d.attacker_ranges.set_index(["row", "column"])
    assert r.loc[("north", "a"), ["low", "high"]].tolist() == [0.0, 23.0]
    assert d.display.loc["Total", "Total"] == "98"


def test_small_total_hides_its_row():
    t = pd.DataFrame({"a": [2, 30, 25], "b": [3, 40, 22]}, index=["x", "y", "z"])
    d = disclose(t, "threshold-10")
    assert d.suppressed.loc["x", "Total"]          # 5 < 10
    assert d.suppressed.loc["x", ["a", "b"]].all()
    prim = d.attacker_ranges[d.attacker_ranges["primary"]]
    assert ((prim["high"] - prim["low"]) >= 10).all()


def test_nhs_digital_rounding():
    t = pd.DataFrame({"a": [12, 33], "b": [47, 101]}, index=["x", "y"])
    d = disclose(t, "nhs-digital")
    assert d.display.loc["x", "a"] == "10" and d.display.loc["y", "a"] == "35"
    assert d.display.loc["y", "b"] == "100" and d.display.loc["Total", "Total"] == "195"
    assert not d.suppressed.to_numpy().any()


def test_threshold10_dominance():
    t = pd.DataFrame({"days": [200, 300], "other": [250, 260]}, index=["x", "y"])
    dom = pd.DataFrame({"days": [0.95, 0.3], "other": [0.2, 0.4]}, index=["x", "y"])
    d = disclose(t, "threshold-10", dominance=dom)
    assert d.primary.loc["x", "days"] and d.suppressed.loc["x", "days"]


def test_kpi_percentages_suppressed_with_counts():
    k = pd.DataFrame({"measure": ["pct_improved", "pct_improved", "pct_improved", "mean"],
                      "group": ["a", "b", "c", "d"], "numerator": [12, 5, 18, np.nan],
                      "denominator": [30, 40, 20, 6], "estimate": [0.4, 0.125, 0.9, 2.5]})
    d = disclose(k, "threshold-10", numerator="numerator", denominator="denominator",
                 derived=["estimate"])
    est = d.display["estimate"].tolist()
    # a: fine; b: numerator 5 small; c: complement 2 small; d: mean of 6 people
    assert est == ["0.4", "*", "*", "*"]
    assert d.display["numerator"].tolist()[1] == "*"
    assert d.display["numerator"].tolist()[2] == "*"   # 18 of 20 would reveal the 2
    n = disclose(k, "nhs-digital", numerator="numerator", denominator="denominator",
                 derived=["estimate"])
    assert n.display["denominator"].tolist() == ["30", "40", "20", "*"]
    assert n.display["estimate"].tolist() == ["0.4", "*", "*", "*"]


def test_report_scan():
    d = disclose(TABLE, "nhs-digital")
    page = "<html><body>" + d.to_html() + "</body></html>"
    assert scan_report(page, "nhs-digital", identifiers=["C000123"]) == []
    assert "nhs-digital" in page and d.policy_text in page.replace("&#x27;", "'")
    bad = page + '<table><tr><td class="count">3</td></tr></table> C000123'
    problems = scan_report(bad, "nhs-digital", identifiers=["C000123"])
    assert any("not been through disclosure control" in p for p in problems)
    assert any("visible count 3" in p for p in problems)
    assert any("identifier" in p for p in problems)
    assert "C000123" not in " ".join(problems)


@pytest.mark.parametrize("seed", range(6))
def test_random_dense_tables_are_protected(seed):
    # many small cells: the cut loop must still certify every hidden small cell
    rng = np.random.default_rng(seed)
    t = pd.DataFrame(rng.choice([0, 1, 2, 3, 5, 8, 9, 12, 15, 25, 40], size=(5, 4)))
    for policy in ("threshold-10", "nhs-digital"):
        d = disclose(t, policy, secondary=True)
        s = d.suppressed.to_numpy()
        assert all(line.sum() != 1 for line in list(s) + list(s.T))
        prim = d.attacker_ranges[d.attacker_ranges["primary"]]
        assert ((prim["high"] - prim["low"]) >= POLICIES[policy].min_count).all()
        small = (t.to_numpy() > 0) & (t.to_numpy() < POLICIES[policy].min_count)
        assert s[:-1, :-1][small].all()
