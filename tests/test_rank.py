"""Rankings, commendations and review candidates on hand-made tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

from hotline_analysis import rank as R
from hotline_analysis.config import load_config

CFG = load_config()


def table(values: dict[str, list[int]], start: str = "2019-01") -> pd.DataFrame:
    rows = []
    for dep, counts in values.items():
        for m, c in zip(pd.period_range(start, periods=len(counts), freq="M"), counts):
            rows.append((dep, m, c))
    return pd.DataFrame(rows, columns=["department", "month", "net_complaints"])


def test_rank_month_with_ties_and_rank_change():
    t = table({"A": [10, 50], "B": [30, 50], "C": [20, 5]})
    r = R.rank_month(t, "2019-02").set_index("department")
    assert r["rank"].to_dict() == {"A": 1, "B": 1, "C": 3}            # ties share the best rank
    assert r["rank_prev_month"].to_dict() == {"A": 3, "B": 1, "C": 2}
    assert r["rank_change"].to_dict() == {"A": 2, "B": 0, "C": -1}    # positive = moved towards rank 1


def test_yoy_test_and_commendations_hand_worked():
    base = [100] * 12
    t = table({"fell": base + [60], "same": base + [100], "small": [3] * 12 + [1]})
    out = R.commendations(t, "2020-01", CFG).set_index("department")
    # exact conditional test: 60 of 160 events in the current month under p = 1/2
    assert out.loc["fell", "p_value"] == pytest.approx(binomtest(60, 160, 0.5).pvalue)
    assert out.loc["fell", "commend"] and not out.loc["same", "commend"] and not out.loc["small", "commend"]
    assert out.loc["fell", "direction"] == "falling"


def test_trend_scan_takes_the_best_window_with_bonferroni_by_hand():
    year = [100] * 12
    # "step": 60 in the last month only; "steady": 80 a month for six months; "flat": unchanged
    t = table({"step": year + [100] * 5 + [60], "steady": year + [80] * 6, "flat": year + [100] * 6},
              start="2020-01")
    out = R.trend_scan(t, "2021-06", [1, 3, 6]).set_index("department")
    p_step = [binomtest(60, 160, 0.5).pvalue, binomtest(260, 560, 0.5).pvalue, binomtest(560, 1160, 0.5).pvalue]
    p_steady = [binomtest(80, 180, 0.5).pvalue, binomtest(240, 540, 0.5).pvalue, binomtest(480, 1080, 0.5).pvalue]
    assert out.loc["step", "window"] == 1 and out.loc["step", "p_value"] == pytest.approx(3 * min(p_step))
    assert out.loc["steady", "window"] == 6 and out.loc["steady", "p_value"] == pytest.approx(3 * min(p_steady))
    assert out.loc["flat", "p_value"] == 1.0 and out.loc["flat", "direction"] == "no_trend"
    assert out.loc["step", "direction"] == "falling" and out.loc["steady", "direction"] == "falling"


def test_dispersion_and_no_trend_from_overdispersed_flat_months():
    # 30 flat departments, 24 months, mean 500 and variance 4 x mean (negative binomial): the planted phi is 4
    rng = np.random.default_rng(11)
    n_nb = 500 / 3  # variance = mu + mu^2 / n = 4 mu
    flat = {f"d{i}": list(rng.negative_binomial(n_nb, n_nb / (n_nb + 500), 24)) for i in range(30)}
    poisson = {f"p{i}": list(rng.poisson(500, 24)) for i in range(30)}
    t = table({**flat, **poisson}, start="2019-03")
    phi = R.dispersion(t, "2021-02")
    assert 2.5 < phi[list(flat)].median() < 6 and phi[list(poisson)].median() < 1.6
    out = R.trend_scan(t[t.department.isin(list(flat))], "2021-02", [1, 3, 6])
    assert (out.direction != "no_trend").sum() <= 2  # the exact Poisson test alone flags most of them
    exact = R.yoy_test(t[t.department.isin(list(flat))], "2021-02", 3)
    assert (exact.direction != "no_trend").sum() >= 5


def test_review_candidates_top_n_plus_significant_risers():
    cfg = load_config()
    cfg["ranking"]["review_top_n"] = 2
    t = table({"big1": [100] * 24, "big2": [90] * 24, "mid": [40] * 24,
               "riser": [10] * 12 + [20] * 12, "small": [5] * 24})
    out = R.review_candidates(t, 2020, cfg).set_index("department")
    assert out.loc["big1", "annual"] == 1200 and out.loc["riser", "previous"] == 120
    assert out.loc["riser", "change_pct"] == pytest.approx(100.0)
    assert set(out.index[out.candidate]) == {"big1", "big2", "riser"}
    assert out.loc["riser", "significant_rise"] and not out.loc["mid", "significant_rise"]


def test_surge_needs_both_size_and_improbability():
    rng = np.random.default_rng(0)
    steady = list(rng.poisson(200, 24))
    t = table({"large": steady + [300], "tiny": list(rng.poisson(4, 24)) + [9], "mild": steady + [225]})
    f = R.surge_flags(t, "2021-01", CFG).set_index("department")
    assert f.loc["large", "surge"]                         # +50% on ~200: far beyond the bound
    assert not f.loc["tiny", "surge"]                      # +125% but 9 is not improbable for a mean of 4
    assert not f.loc["mild", "surge"]                      # +12%: below the size threshold
    short = R.surge_flags(table({"new": [50] * 6 + [200]}), "2019-07", CFG)
    assert not short.surge.iloc[0] and np.isnan(short.expected.iloc[0])  # too little history to judge
