"""Flags on hand-made tables: surges and commendations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest

from hotline_analysis import flags as FL
from hotline_analysis.settings import load_settings

from .test_count_models import table

SETTINGS = load_settings()


def test_commendation_candidates_hand_worked():
    """Three months against the same three a year earlier, relative to the city's volume (hand-worked)."""
    import pandas as pd

    base = [100] * 12
    t = table({"fell": base + [60] * 3, "like_city": base + [80] * 3, "same": base + [100] * 3,
               "small": [3] * 12 + [1] * 3})
    months = pd.period_range(t.month.min(), t.month.max(), freq="M")
    city = pd.Series([1000.0] * 12 + [800.0] * 3, index=months)  # the whole city fell 20% (a holiday, say)
    out = FL.commendations(t, months[-1], SETTINGS, exposure=city).set_index("department")
    # exact conditional test of 180 against 300 when the city's ratio is 0.8: 180 of 480 under p = 0.8 / 1.8
    assert out.loc["fell", "p_value"] == pytest.approx(binomtest(180, 480, 0.8 / 1.8).pvalue)
    assert out.loc["fell", "relative_ratio"] == pytest.approx(0.6 / 0.8)
    assert out.loc["fell", "candidate"] and out.loc["fell", "direction"] == "falling"
    assert not out.loc["like_city", "candidate"]  # fell exactly as the city did: nothing to commend
    assert out.loc["like_city", "p_value"] == pytest.approx(1.0)
    assert not out.loc["same", "candidate"] and not out.loc["small", "candidate"]
    without_city = FL.commendations(t, months[-1], SETTINGS).set_index("department")
    assert without_city.loc["like_city", "candidate"]  # against 1, a 20% fall is a fall


def test_surge_needs_both_size_and_improbability():
    rng = np.random.default_rng(0)
    steady = list(rng.poisson(200, 24))
    t = table({"large": steady + [300], "tiny": list(rng.poisson(4, 24)) + [9], "mild": steady + [225]})
    f = FL.surge_flags(t, "2021-01", SETTINGS).set_index("department")
    assert f.loc["large", "surge"]                         # +50% on ~200: far beyond the bound
    assert not f.loc["tiny", "surge"]                      # +125% but 9 is not improbable for a mean of 4
    assert not f.loc["mild", "surge"]                      # +12%: below the size threshold
    short = FL.surge_flags(table({"new": [50] * 6 + [200]}), "2019-07", SETTINGS)
    assert not short.surge.iloc[0] and np.isnan(short.expected.iloc[0])  # too little history to judge


def months(start: str, n: int):
    import pandas as pd

    return pd.period_range(start, periods=n, freq="M")


def test_month_ending_early_is_incomplete():
    import pandas as pd

    s = pd.Series([100.0] * 13, index=months("2020-01", 13))
    # 2021-01 has 31 days: orders ending on the 28th stop 3 days early (max_missing_days 3), the 29th only 2
    verdict = FL.month_completeness(s, pd.Period("2021-01", "M"), SETTINGS, pd.Timestamp("2021-01-28 17:00"))
    assert not verdict.complete and "2021-01-28, 3 days before" in verdict.reason
    assert FL.month_completeness(s, pd.Period("2021-01", "M"), SETTINGS, pd.Timestamp("2021-01-29 09:00")).complete


def test_a_sparse_month_may_fall_quiet_by_chance():
    import pandas as pd

    # June has 30 days; orders up to the 25th leave a 5-day silence. 19 orders in 25 days: 0.76 a day,
    # exp(-0.76 * 5) = 0.022, not under gap_alpha 0.01: complete. 40 orders: 1.6 a day, exp(-8) = 0.0003: incomplete.
    june, last = pd.Period("2020-06", "M"), pd.Timestamp("2020-06-25 12:00")
    for n, complete in ((19, True), (40, False)):
        s = pd.Series([float(n)] * 13, index=months("2019-06", 13))
        assert FL.month_completeness(s, june, SETTINGS, last).complete is complete, n


def test_month_far_below_its_history_is_incomplete():
    import pandas as pd

    # median of the previous 12 months is 100 (min_share 0.3): 29 is incomplete, 30 is not
    s = pd.Series([90.0, 110.0] * 6 + [29.0], index=months("2020-01", 13))
    verdict = FL.month_completeness(s, pd.Period("2021-01", "M"), SETTINGS)
    assert not verdict.complete and verdict.reason == "29 orders, 29% of the median of the previous 12 months (100)"
    assert verdict.to_dict() == {"complete": False, "reason": verdict.reason, "code": "low_volume",
                                 "figures": [29, 12, 100.0]}
    s.iloc[-1] = 30.0
    assert FL.month_completeness(s, pd.Period("2021-01", "M"), SETTINGS).to_dict() == {
        "complete": True, "reason": None, "code": None, "figures": []}
    # too little history (2 months) or too small a median (4 < min_median 10): not judged
    assert FL.month_completeness(s.iloc[-3:] * 0 + [100, 100, 1], pd.Period("2021-01", "M"), SETTINGS).complete
    assert FL.month_completeness(pd.Series([4.0] * 12 + [0.0], index=months("2020-01", 13)),
                                 pd.Period("2021-01", "M"), SETTINGS).complete


def test_a_unit_in_a_quiet_month_for_the_whole_city_is_complete():
    import pandas as pd

    # a unit at 100 a month while the city takes 10,000; this month the city takes 5,000 (a holiday month) and
    # the unit 25: its earlier months scaled to the city's volume have median 100 * 5,000 / 10,000 = 50, and
    # 25 is 50% of it (min_share 0.3): complete. Unscaled, 25 is 25% of 100: incomplete. 14 is 28% of 50.
    s = pd.Series([100.0] * 12 + [25.0], index=months("2020-01", 13))
    city = pd.Series([10_000.0] * 12 + [5_000.0], index=months("2020-01", 13))
    jan = pd.Period("2021-01", "M")
    assert not FL.month_completeness(s, jan, SETTINGS).complete
    assert FL.month_completeness(s, jan, SETTINGS, exposure=city).complete
    s.iloc[-1] = 14.0
    verdict = FL.month_completeness(s, jan, SETTINGS, exposure=city)
    assert not verdict.complete and verdict.figures == (14.0, 12, 50.0, True)
    assert verdict.reason == "14 orders, 28% of the median of the previous 12 months scaled to the city's volume (50)"


def test_units_without_orders_in_the_compared_months():
    t = table({"silent": [0] * 12 + [5, 0, 0], "once_a_year_ago": [0] * 2 + [3] + [0] * 12,
               "busy": [10] * 15})
    # compared with 2020-03: 2020-03, 2020-02 and 2019-03
    assert FL.quiet_units(t, "2020-03") == {"silent"}


def test_no_surge_when_the_month_fell_month_on_month():
    rng = np.random.default_rng(4)
    steady = list(rng.poisson(100, 23))
    t = table({"up": steady + [100, 300], "down": steady + [400, 300]})
    f = FL.surge_flags(t, "2021-01", SETTINGS).set_index("department")
    assert f.loc["up", "surge"]            # 300 on an expected ~100, up from 100
    assert not f.loc["down", "surge"]      # 300 too, but down from 400 the month before


def test_a_unit_below_the_satisfaction_standard_beyond_doubt_is_called_with_its_figures():
    import pandas as pd
    from types import SimpleNamespace

    from hotline_analysis.month.actions import action_list
    from hotline_analysis.pack.text import reason

    m = pd.Period("2021-02", "M")
    deps = pd.DataFrame({"department": ["甲", "乙"], "surge": False, "satisfaction_drop": False, "trend": "no_trend",
                         "commend_candidate": False, "yoy_pct": [5.0, 5.0], "commend_relative_ratio": 1.0})
    # 甲: 88.93% with the interval's upper end 92.13% under 95%; 乙: 93% but its interval reaches 96%
    sat = pd.DataFrame({"department": ["甲", "乙"], "below_city": [True, False], "surveyed": [280, 200],
                        "satisfaction_rate": [0.8893, 0.93], "ci_low": [0.8464, 0.89], "ci_high": [0.9213, 0.96],
                        "below_standard_for_sure": [True, False]})
    handling = pd.DataFrame({"month": m, "department": ["甲", "乙"], "slow": False, "reassign_high": False})
    report = SimpleNamespace(month=m, departments=deps, satisfaction=sat, handling=handling,
                             settings=load_settings())
    a = action_list(report)
    assert a.department.tolist() == ["甲"] and a.reasons.iloc[0] == ["satisfaction_below"]
    assert reason(report, "甲", "satisfaction_below", "en") == (
        "satisfaction 88.93% (280 surveyed, 95% interval 84.64%–92.13%), below the standard of 95% beyond doubt")
    assert reason(report, "甲", "satisfaction_below", "zh") == "满意率88.93%（回访280件，95%置信区间84.64%–92.13%），确定低于95%的标准"


def test_the_units_called_come_before_those_commended_each_in_rank_order():
    from types import SimpleNamespace

    import pandas as pd

    from hotline_analysis.month.actions import action_list

    m = pd.Period("2021-02", "M")
    # in rank order: 甲 commended, 乙 called (surge), 丙 commended, 丁 called (rising), 戊 neither
    deps = pd.DataFrame({"department": ["甲", "乙", "丙", "丁", "戊"], "surge": [False, True, False, False, False],
                         "satisfaction_drop": False, "trend": ["falling", "no_trend", "falling", "rising", "no_trend"],
                         "commend_candidate": [True, False, True, False, False], "yoy_pct": [-30.0, 5, -20, 5, 1],
                         "commend_relative_ratio": [0.7, 1.0, 0.8, 1.0, 1.0]})
    sat = pd.DataFrame({"department": deps.department, "below_city": False, "below_standard_for_sure": False})
    handling = pd.DataFrame({"month": m, "department": deps.department, "slow": False, "reassign_high": False})
    report = SimpleNamespace(month=m, departments=deps, satisfaction=sat, handling=handling, settings=load_settings())
    a = action_list(report)
    assert list(zip(a.department, a.action)) == [("乙", "call"), ("丁", "call"), ("甲", "commend"), ("丙", "commend")]
