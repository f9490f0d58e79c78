"""E-values and Rosenbaum bounds, each against a value worked by hand (or by scipy's binomial)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from evaluation.sensitivity import (e_value, e_value_rr, gamma_threshold, paired_differences,
                                    rosenbaum_sign_test, rosenbaum_signed_rank)


def test_e_value_paper_worked_example():
    # VanderWeele & Ding (2017): RR 3.9 (95% CI 1.8 to 8.7) -> E-values 7.26 and 3.0
    e, e_ci = e_value(3.9, 1.8, 8.7)
    assert e == pytest.approx(3.9 + math.sqrt(3.9 * 2.9))
    assert e == pytest.approx(7.26, abs=0.005)
    assert e_ci == pytest.approx(1.8 + math.sqrt(1.8 * 0.8))
    assert e_ci == pytest.approx(3.0, abs=1e-12)


def test_e_value_protective_uses_inverse_and_upper_limit():
    # RR 0.5 (0.4 to 0.8): 1/0.5 = 2 -> 2 + sqrt(2) ; limit closer to the null 0.8 -> 1.25
    e, e_ci = e_value(0.5, 0.4, 0.8)
    assert e == pytest.approx(2 + math.sqrt(2))
    assert e_ci == pytest.approx(1.25 + math.sqrt(1.25 * 0.25))
    # an interval including 1 gives 1
    assert e_value(0.8, 0.6, 1.1)[1] == 1.0
    assert e_value_rr(1.0) == 1.0


def test_e_value_hazard_ratio_rare_and_common():
    # rare: the HR is the RR
    assert e_value(0.5, scale="hr", rare=True)[0] == pytest.approx(2 + math.sqrt(2))
    # common: RR = (1 - 0.5**sqrt(HR)) / (1 - 0.5**sqrt(1/HR)); HR = 0.5 ->
    # sqrt(0.5) = 0.70711, 0.5**0.70711 = 0.61254 ; sqrt(2) = 1.41421, 0.5**1.41421 = 0.37521
    rr = (1 - 0.612547) / (1 - 0.375214)
    assert rr == pytest.approx(0.62014, abs=1e-4)
    r = 1 / rr
    assert e_value(0.5, scale="hr", rare=False)[0] == pytest.approx(r + math.sqrt(r * (r - 1)), rel=1e-5)


def test_e_value_smd():
    # d = 0.5, se 0.1: RR = exp(0.455) = 1.57617; lower limit exp(0.455 - 0.178) = exp(0.277)
    rr = math.exp(0.455)
    lo = math.exp(0.277)
    e, e_ci = e_value(0.5, scale="smd", se=0.1)
    assert e == pytest.approx(rr + math.sqrt(rr * (rr - 1)))
    assert e_ci == pytest.approx(lo + math.sqrt(lo * (lo - 1)))


def test_odds_ratio_common_is_square_root():
    assert e_value(4.0, scale="or", rare=False)[0] == pytest.approx(2 + math.sqrt(2))


def test_rosenbaum_sign_test_is_binomial_tail():
    # 14 discordant pairs, 12 go the way of the effect
    # at gamma = 1: P(Bin(14, 1/2) >= 12) = (C(14,12)+C(14,13)+C(14,14)) / 2^14 = (91+14+1)/16384
    assert rosenbaum_sign_test(2, 12, 1.0) == pytest.approx(106 / 16384)
    # at gamma = 2: p+ = 2/3
    p = 2 / 3
    by_hand = sum(math.comb(14, k) * p**k * (1 - p) ** (14 - k) for k in (12, 13, 14))
    assert rosenbaum_sign_test(12, 2, 2.0) == pytest.approx(by_hand)
    assert rosenbaum_sign_test(12, 2, 2.0) == pytest.approx(stats.binom.sf(11, 14, 2 / 3))


def test_gamma_threshold_sign_test():
    g = gamma_threshold(lambda gam: rosenbaum_sign_test(2, 12, gam))
    # at the threshold the binomial tail with p = g/(1+g) equals 0.05
    assert stats.binom.sf(11, 14, g / (1 + g)) == pytest.approx(0.05, abs=1e-8)
    assert 1 < g < 5
    # no effect: not significant at gamma 1
    assert gamma_threshold(lambda gam: rosenbaum_sign_test(5, 5, gam)) == 1.0


def test_rosenbaum_signed_rank_by_hand():
    # differences 3, -1, 4, 2, 5, 0 -> zero dropped; |d| ranks: 1->1, 2->2, 3->3, 4->4, 5->5
    # T+ = 3 + 4 + 2 + 5 = 14 (ranks of 3,4,2,5 = 3+4+2+5); sum ranks 15, sum ranks^2 55
    d = [3, -1, 4, 2, 5, 0]
    for gam in (1.0, 2.0):
        p = gam / (1 + gam)
        z = (14 - p * 15) / math.sqrt(p * (1 - p) * 55)
        assert rosenbaum_signed_rank(d, gam, exact=False) == pytest.approx(1 - stats.norm.cdf(z))
        # exact: T+ = sum of rank_i * B_i, B_i ~ Bernoulli(p) independent; enumerate all 2^5
        # sign patterns of ranks 1..5 and add the probability of those with T+ >= 14
        import itertools

        tail = 0.0
        for bits in itertools.product((0, 1), repeat=5):
            tot = sum(r * b for r, b in zip(range(1, 6), bits))
            if tot >= 14:
                tail += p ** sum(bits) * (1 - p) ** (5 - sum(bits))
        assert rosenbaum_signed_rank(d, gam, exact=True) == pytest.approx(tail)
        assert rosenbaum_signed_rank(d, gam) == pytest.approx(tail)      # exact by default


def test_rosenbaum_signed_rank_exact_with_ties():
    # |d| = 1, 1, 2 -> average ranks 1.5, 1.5, 3; signs +, -, + -> T+ = 4.5
    # gamma 1: p = 1/2; sums over 8 patterns: {0, 1.5, 1.5, 3, 3, 4.5, 4.5, 6}; >= 4.5: 3 of 8
    assert rosenbaum_signed_rank([1, -1, 2], 1.0, exact=True) == pytest.approx(3 / 8)


def test_paired_differences_only_for_pairs():
    m = pd.DataFrame({"served": [1, 0, 1, 0], "matched_set": [0, 0, 1, 1], "y": [5.0, 2.0, 1.0, 3.0]})
    assert paired_differences(m, "y").tolist() == [3.0, -2.0]
    m2 = pd.DataFrame({"served": [1, 0, 0], "matched_set": [0, 0, 0], "y": [1.0, 2.0, 3.0]})
    assert paired_differences(m2, "y") is None


def test_matched_effects_carry_sensitivity_columns():
    from evaluation.estimates import matched_effects

    # 20 pairs: care within 12 months for served in 2 pairs only, for comparison in 12 only
    n = 20
    served_y = np.zeros(n)
    comp_y = np.zeros(n)
    served_y[:2] = 1
    comp_y[2:14] = 1
    m = pd.DataFrame({"served": np.r_[np.ones(n), np.zeros(n)].astype(int),
                      "matched_set": np.r_[np.arange(n), np.arange(n)],
                      "weights": 1.0, "care_within_12m": np.r_[served_y, comp_y]})
    eff = matched_effects(m).set_index("estimand")
    rr_row = eff.loc["ATT ratio of means in care_within_12m"]
    # risk ratio 2/12 -> E = 6 + sqrt(30)
    assert rr_row["estimate"] == pytest.approx(2 / 12)
    assert rr_row["e_value"] == pytest.approx(6 + math.sqrt(30))
    g = rr_row["rosenbaum_gamma"]
    assert stats.binom.sf(11, 14, g / (1 + g)) == pytest.approx(0.05, abs=1e-8)
    rd_row = eff.loc["ATT mean difference in care_within_12m"]
    assert rd_row["e_value"] == pytest.approx(rr_row["e_value"])
    assert rd_row["rosenbaum_gamma"] == pytest.approx(g)
