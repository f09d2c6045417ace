"""Metrics against hand calculations and published 12345 bulletin figures."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from hotline_analysis import metrics as M
from hotline_analysis import schema as S
from hotline_analysis.settings import load_settings

from .conftest import external

SETTINGS = load_settings()


def orders(rows) -> pd.DataFrame:
    """Canonical frame from (order_id, received, department, type, valid, dup_of, reasonable, status, ...) tuples."""
    cols = [S.ORDER_ID, S.RECEIVED_AT, S.DEPARTMENT, S.REQUEST_TYPE, S.IS_VALID, S.DUPLICATE_OF, S.IS_REASONABLE,
            S.STATUS, S.SATISFACTION, S.CONTACTED, S.RESOLVED, S.DUE_AT, S.CLOSED_AT]
    df = pd.DataFrame(rows, columns=cols[:len(rows[0])])
    df[S.RECEIVED_AT] = pd.to_datetime(df[S.RECEIVED_AT])
    df[S.SOURCE_FILE], df[S.SOURCE_ROW] = "t.csv", np.arange(len(df))
    return S.coerce(df)


TINY = orders([
    # id, received, dept, type, valid, dup_of, reasonable, status
    ("a", "2020-11-03", "D1", "complaint", True, None, True, "closed"),
    ("b", "2020-11-04", "D1", "complaint", True, "a", True, "closed"),       # repeat call
    ("c", "2020-11-05", "D1", "inquiry", True, None, None, "closed"),         # not a complaint
    ("d", "2020-12-01", "D1", "report", True, None, True, "closed"),
    ("e", "2020-12-02", "D1", "complaint", False, None, None, "cancelled"),   # invalid
    ("f", "2020-12-03", "D1", "complaint", True, None, False, "closed"),      # unreasonable
    ("g", "2020-12-09", "D2", "complaint", True, None, True, "returned"),     # returned: counts by default
])


def test_monthly_volume_hand_worked():
    t = M.monthly_volume(TINY, SETTINGS).set_index([S.DEPARTMENT, M.MONTH])
    nov, dec = pd.Period("2020-11", "M"), pd.Period("2020-12", "M")
    assert t.loc[("D1", nov)].tolist() == [3, 1]   # a counts; b duplicate; c inquiry
    assert t.loc[("D1", dec)].tolist() == [3, 1]   # d counts; e invalid; f unreasonable
    assert t.loc[("D2", nov)].tolist() == [0, 0]   # filled month
    assert t.loc[("D2", dec)].tolist() == [1, 1]


def test_returned_rule_is_a_switch():
    settings = SETTINGS.overlay({"net_complaint": {"rules": {"exclude_returned": True}}})
    t = M.monthly_volume(TINY, settings).set_index([S.DEPARTMENT, M.MONTH])
    assert t.loc[("D2", pd.Period("2020-12", "M")), "net_complaints"] == 0


def test_change_small_base_rule_and_changes_table():
    pct, status = M.change_pct([12, 5, 0, 7, 4], [10, 0, 0, 3, 4], min_base=5)
    assert pct[0] == pytest.approx(20.0) and list(status) == ["ok", "new", "n/a", "n/a", "n/a"]
    assert np.isnan(pct[1:]).all()
    table = pd.DataFrame({S.DEPARTMENT: "D", M.MONTH: pd.period_range("2019-12", "2020-12", freq="M"),
                          "net_complaints": [100, 50, 60, 55, 80, 70, 70, 70, 70, 70, 70, 100, 90]})
    t = M.add_changes(table).set_index(M.MONTH)
    dec = t.loc[pd.Period("2020-12", "M")]
    assert dec.net_complaints_prev_month == 100 and dec.mom_pct == pytest.approx(-10.0)
    assert dec.net_complaints_prev_year == 100 and dec.yoy_pct == pytest.approx(-10.0)
    assert t.loc[pd.Period("2020-01", "M"), "yoy_status"] == "n/a"  # no 2019-01 in the data
    # property: YoY of identical months is zero
    same = M.add_changes(pd.DataFrame({S.DEPARTMENT: "D", M.MONTH: pd.period_range("2019-01", "2020-12", freq="M"),
                                       "net_complaints": 40}))
    assert (same.dropna(subset=["yoy_pct"]).yoy_pct == 0).all()


def test_shares_sum_to_one_and_per_10k():
    t = pd.DataFrame({M.MONTH: ["m1", "m1", "m2"], S.DISTRICT: ["A", "B", "A"], "records": [30, 10, 0]})
    s = M.shares(t, "records")
    assert s.share.tolist()[:2] == [0.75, 0.25] and np.isnan(s.share.iloc[2])
    p = M.per_10k(t, "records", pd.DataFrame({"district": ["A"], "population": [60_000]}))
    assert p.per_10k.iloc[0] == pytest.approx(5.0) and np.isnan(p.per_10k.iloc[1])


def test_satisfaction_rates():
    sat = ["satisfied"] * 6 + ["basically_satisfied"] * 3 + ["dissatisfied"]
    df = orders([(f"o{i}", "2020-12-01", "D", "complaint", True, None, True, "closed", s, True, i < 8)
                 for i, s in enumerate(sat)])
    r = M.satisfaction(df, SETTINGS).iloc[0]
    assert r.surveyed == 10 and r.satisfaction_rate == pytest.approx(0.9)
    assert r.weighted_rate == pytest.approx((6 + 0.9 * 3) / 10)
    z = 1.959963984540054  # hand-coded Wilson score interval
    p, n = 0.9, 10
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert (r.ci_low, r.ci_high) == (pytest.approx(centre - half), pytest.approx(centre + half))


def test_wilson_doctest_value_by_hand():
    lo, hi = M.wilson_interval([998], [1000])
    z, p, n = 1.959963984540054, 0.998, 1000
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert lo[0] == pytest.approx(centre - half) and hi[0] == pytest.approx(centre + half)


# --- published bulletin figures ------------------------------------------------------------------------

#: Rounding each bulletin uses (SOURCE.md: fengcheng 2024-12 truncates, the others round half up).
RULE = {"fengcheng_2024_12": "truncate"}


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


@pytest.fixture(scope="module")
def bulletins() -> pd.DataFrame:
    return pd.read_csv(external("cn12345_published_aggregates", "cn12345_published_aggregates.csv"),
                       dtype={"published_share_pct": str, "published_mom_pct": str, "published_yoy_pct": str})


def test_breakdown_shares_match_printed_values(bulletins):
    rows = bulletins[bulletins.dimension.str.startswith(("channel", "type")) & bulletins.published_share_pct.notna()]
    checked = 0
    for (src, dim), g in rows.groupby(["source_id", "dimension"]):
        t = M.shares(g.assign(month="m").rename(columns={"count": "n"}), "n")
        for share, printed in zip(t.share, g.published_share_pct):
            assert M.round_pct(share * 100, _decimals(printed), RULE.get(src, "half_up")) == float(printed), (src, printed)
            checked += 1
    assert checked >= 25


def test_other_printed_rates_and_changes(bulletins):
    def pct(num, den, src, printed):
        return M.round_pct(num / den * 100, _decimals(printed), RULE.get(src, "half_up"))

    # resolution 3112 / 3456 and MoM -41 / 3697 (丰城 2025-05); solved 1273 / 1774 and resent 15 / 1833 (高安 2023-10)
    assert pct(3112, 3456, "fengcheng_2025_05", "90.05") == 90.05
    mom, status = M.change_pct([3656], [3697])
    assert status[0] == "ok" and M.round_pct(mom[0], 2) == -1.11
    assert pct(1273, 1774, "gaoan_2023_10", "71.76") == 71.76
    assert pct(15, 1833, "gaoan_2023_10", "0.82") == 0.82
    # hot-topic shares of 丰城 2024-12 use the 3,780 closed orders as denominator, truncated
    hot = bulletins[(bulletins.source_id == "fengcheng_2024_12") & bulletins.dimension.str.startswith("hot_topic")]
    for n, printed in zip(hot["count"], hot.published_share_pct):
        assert pct(n, 3780, "fengcheng_2024_12", printed) == float(printed)
    # the same figure rounded half up would be misprinted: the rule matters
    assert M.round_pct(553 / 3780 * 100, 2, "half_up") == 14.63
    # weekly report: direct handling 37,643 of 71,412 printed with one decimal
    assert pct(37643, 71412, "weekly_2024_w26", "52.7") == 52.7
