"""The propensity-overlap figure and its alt text, checked on numbers worked by hand."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from evaluation.plots import overlap_summary, propensity_overlap_plot  # noqa: E402


def test_overlap_summary_by_hand():
    # served 0.2..0.9 (8 people), comparison 0.05, 0.1, 0.15, 0.2, 0.3, 0.4 (6 people)
    served = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    comp = [0.05, 0.1, 0.15, 0.2, 0.3, 0.4]
    ps = np.array(served + comp)
    t = np.array([1] * 8 + [0] * 6)
    s = overlap_summary(ps, t)
    # served above the comparison maximum 0.4: 0.5..0.9 -> 5 of 8
    assert s["served_above_comparison_max"] == pytest.approx(5 / 8)
    # comparison below the served minimum 0.2: 0.05, 0.1, 0.15 -> 3 of 6
    assert s["comparison_below_served_min"] == pytest.approx(3 / 6)
    # weighted median: first value whose cumulative weight reaches half
    assert s["served"][0.5] == 0.5
    # weights: comparison people below 0.2 get weight 0 -> no comparison outside support
    w = np.array([1.0] * 8 + [0, 0, 0, 1, 1, 1])
    assert overlap_summary(ps, t, w)["comparison_below_served_min"] == 0.0


def test_overlap_plot_returns_figure_and_alt_text_from_the_data():
    ps = np.array([0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4])
    t = np.array([1] * 8 + [0] * 6)
    fig, alt = propensity_overlap_plot(ps, t)
    assert "62%" in alt and "50%" in alt              # 5/8 and 3/6
    assert "median 0.50" in alt
    bars = fig.axes[0].patches
    served = [b.get_height() for b in bars if b.get_height() > 0]
    comp = [b.get_height() for b in bars if b.get_height() < 0]
    assert sum(served) == pytest.approx(1.0) and sum(comp) == pytest.approx(-1.0)
    import matplotlib.pyplot as plt

    plt.close(fig)
