"""Rankings and review candidates on hand-made tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from hotline_analysis import count_models as CM
from hotline_analysis import rank as R
from hotline_analysis.stats import rate_ratio_test
from hotline_analysis.settings import load_settings

from .test_count_models import table

SETTINGS = load_settings()


def test_rank_month_with_ties_and_rank_change():
    t = table({"A": [10, 50], "B": [30, 50], "C": [20, 5]})
    r = R.rank_month(t, "2019-02").set_index("department")
    assert r["rank"].to_dict() == {"A": 1, "B": 1, "C": 3}            # ties share the best rank
    assert r["rank_prev_month"].to_dict() == {"A": 3, "B": 1, "C": 2}
    assert r["rank_change"].to_dict() == {"A": 2, "B": 0, "C": -1}    # positive = moved towards rank 1


def test_review_candidates_top_n_plus_significant_risers():
    settings = SETTINGS.overlay({"ranking": {"review_top_n": 2}})
    t = table({"big1": [100] * 24, "big2": [90] * 24, "mid": [40] * 24,
               "riser": [10] * 12 + [20] * 12, "small": [5] * 24})
    out = R.review_candidates(t, 2020, settings).set_index("department")
    assert out.loc["big1", "annual"] == 1200 and out.loc["riser", "previous"] == 120
    assert out.loc["riser", "change_pct"] == pytest.approx(100.0)
    assert set(out.index[out.candidate]) == {"big1", "big2", "riser"}
    assert out.loc["riser", "significant_rise"] and not out.loc["mid", "significant_rise"]


def _two_years(before: list[int], after: list[int]) -> pd.Series:
    return pd.Series(before + after, index=pd.period_range("2019-01", periods=24, freq="M"))


@pytest.mark.parametrize("alpha, scale", [(0.0, 1.0), (0.01, 1.0), (0.01, 2.0)])
def test_year_on_year_by_hand(alpha, scale):
    """12 months of 10 then 12 of 15: the harmonic is orthogonal to the year step (each year's months sum its
    cosine and sine to 0), so exp(b) = 180 / 120 and var(b) = scale (1 / W0 + 1 / W1), W = 12 mu / (1 + alpha mu)."""
    r = CM.year_on_year(_two_years([10] * 12, [15] * 12), 2020, alpha, scale)
    se = math.sqrt(scale * ((1 + alpha * 10) / 120 + (1 + alpha * 15) / 180))
    assert r["ratio"] == pytest.approx(1.5, rel=1e-6)
    assert r["ci_low"] == pytest.approx(1.5 * math.exp(-1.959964 * se), rel=1e-4)
    assert r["ci_high"] == pytest.approx(1.5 * math.exp(1.959964 * se), rel=1e-4)
    assert r["p_value"] == pytest.approx(norm.sf(math.log(1.5) / se), rel=1e-3)


def test_year_on_year_without_a_year_before_falls_back_to_the_exact_test():
    r = CM.year_on_year(_two_years([0] * 12, [1] * 12), 2020)
    assert np.isnan(r["ratio"]) and np.isnan(r["ci_low"])
    assert r["p_value"] == pytest.approx(0.5 ** 12)  # 12 of 12 orders in the later year, by chance 1 in 4096


def test_a_rise_within_month_to_month_noise_is_no_candidate():
    """Every unit swings 50/150 month to month; the riser's 1,200 -> 1,320 (+10%) would pass the exact test of the
    two totals (p < 0.001), which takes the totals for Poisson counts."""
    swing = [50, 150] * 6
    t = table({**{f"u{i}": swing * 2 for i in range(8)}, "riser": swing + [55, 165] * 6})
    out = R.review_candidates(t, 2020, SETTINGS.overlay({"ranking": {"review_top_n": 1}})).set_index("department")
    assert out.loc["riser", "annual"] == 1320 and out.loc["riser", "previous"] == 1200
    assert rate_ratio_test(1320, 1200, "greater") < 0.01
    assert out.loc["riser", "p_value"] > 0.05 and not out.loc["riser", "significant_rise"]
    assert out.loc["riser", "ci_low"] < 1 < out.loc["riser", "ci_high"]


def test_the_annual_table_says_why_a_unit_is_a_candidate():
    from hotline_analysis.pack import tables

    t = pd.DataFrame({"department": ["甲", "乙", "丙"], "annual": [300, 200, 100], "previous": [290.0, 120.0, 90.0],
                      "change_pct": [300 / 290 * 100 - 100, 200 / 120 * 100 - 100, 100 / 90 * 100 - 100],
                      "rank": [1, 2, 3], "ci_low": [0.9, 1.3, 0.85], "ci_high": [1.2, 2.1, 1.4],
                      "top_n": [True, False, False], "significant_rise": [False, True, False],
                      "candidate": [True, True, False]})
    en = tables.annual(t, "en").set_index("Department")
    assert en["Review candidate: why"].tolist() == ["among the most net complaints", "significant rise on last year", ""]
    assert en["95% interval of the change (%)"].tolist() == ["−10.0 to +20.0", "+30.0 to +110.0", "−15.0 to +40.0"]
    zh = tables.annual(t.assign(top_n=[True, True, False]), "zh")
    assert zh["评议候选依据"].tolist() == ["全年净投诉量居前", "全年净投诉量居前；比上年显著上升", ""]


def test_year_on_year_holds_its_level_where_the_exact_test_does_not():
    """300 units of 900 a month with the scenario's month-to-month variation (NB2 alpha 0.0036) and no change:
    the regression's one-sided p falls below 0.05 about 5% of the time; the exact test of the two totals, which
    takes them for Poisson counts (a variance 1 + 0.0036 x 900 = 4.2 times too small), far more often."""
    rng = np.random.default_rng(7)
    alpha, mean = 0.0036, 900.0
    ours, exact = [], []
    for _ in range(300):
        y = rng.negative_binomial(1 / alpha, 1 / (1 + alpha * mean), 24)
        ours.append(CM.year_on_year(_two_years(list(y[:12]), list(y[12:])), 2020, alpha)["p_value"])
        exact.append(rate_ratio_test(int(y[12:].sum()), int(y[:12].sum()), "greater"))
    assert 0.02 <= np.mean(np.array(ours) < 0.05) <= 0.09
    assert np.mean(np.array(exact) < 0.05) > 0.15
