"""办理情况 measures against a hand-worked frame (every figure below is counted by hand from the rows)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from hotline_analysis import handling as H
from hotline_analysis import schema as S
from hotline_analysis.settings import load_settings, settings_from_dict

SETTINGS = load_settings()  # response within 24 h, early within half the time limit, weights 0.1/0.5/0.4

COLS = [S.ORDER_ID, S.RECEIVED_AT, S.DEPARTMENT, S.REQUEST_TYPE, S.STATUS, S.DUE_AT, S.CLOSED_AT,
        S.FIRST_RESPONSE_AT, S.REASSIGNED, S.EXTENSION_REQUESTED, S.EXTENSION_GRANTED, S.ESCALATED, S.DUPLICATE_OF,
        S.SATISFACTION, S.RESOLVED, S.HANDLED_DIRECTLY]
ROWS = [
    # a: closed after 1 day of a 5-day limit (early, on time), answered in 2 h, satisfied, resolved
    ("a", "2020-12-01 08:00", "D", "complaint", "closed", "2020-12-06 08:00", "2020-12-02 08:00",
     "2020-12-01 10:00", 0, False, False, False, None, "satisfied", True, False),
    # b: a repeat of a, closed late, answered after 48 h, reassigned once, extension refused, escalated
    ("b", "2020-12-01 08:00", "D", "complaint", "closed", "2020-12-06 08:00", "2020-12-09 08:00",
     "2020-12-03 08:00", 1, True, False, True, "a", "dissatisfied", False, False),
    # c: an inquiry closed on day 4 of 5 (on time, not early), answered in 12 h, reassigned twice
    ("c", "2020-12-20 08:00", "D", "inquiry", "closed", "2020-12-25 08:00", "2020-12-24 08:00",
     "2020-12-20 20:00", 2, False, False, False, None, None, None, False),
    # d: still open at the month's end, due on the 30th (overdue), never answered
    ("d", "2020-12-28 08:00", "D", "complaint", "open", "2020-12-30 08:00", None,
     None, 0, False, False, False, None, None, None, False),
    # e: closed on 2 January (on time, after the month), answered in 1 h, basically satisfied, resolved
    ("e", "2020-12-29 08:00", "D", "complaint", "closed", "2021-01-03 08:00", "2021-01-02 08:00",
     "2020-12-29 09:00", 0, False, False, False, None, "basically_satisfied", True, False),
    # f: settled by the hotline itself: not dispatched
    ("f", "2020-12-05 08:00", None, "inquiry", "closed", None, "2020-12-05 08:05",
     None, None, None, None, None, None, None, None, True),
    # g: received in November, closed on 3 December: carried over into December
    ("g", "2020-11-25 08:00", "D", "complaint", "closed", "2020-11-30 08:00", "2020-12-03 08:00",
     "2020-11-25 09:00", 0, False, False, False, None, None, None, False),
    # h: sent back to the hotline (returned): dispatched, but no longer held by the unit
    ("h", "2020-12-10 08:00", "D", "help", "returned", "2020-12-13 08:00", None,
     "2020-12-10 09:00", 0, False, False, False, None, None, None, False),
]


def frame(rows=ROWS) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=COLS)
    df[S.DEPARTMENT_RAW] = df[S.DEPARTMENT]
    df[S.IS_VALID] = True
    df[S.SOURCE_FILE], df[S.SOURCE_ROW] = "t.csv", np.arange(len(df))
    return S.coerce(df)


ALL = set(S.COLUMNS)


def december(df, present=ALL, settings=SETTINGS):
    t = H.month_measures(df, settings, present)
    return t[t.month == pd.Period("2020-12", "M")].iloc[0]


def test_rates_and_counts_by_hand():
    r = december(frame())
    assert r.dispatched == 6  # a b c d e h (f was settled by the hotline, g is November's)
    assert (r.closed, r.closed_with_due, r.on_time, r.early) == (4, 4, 3, 1)
    # judged: the 4 closed and d, open past its due time at the data's end (2 January 08:00)
    assert r.judged == 5 and r.on_time_rate == 3 / 5 and r.early_rate == 1 / 4
    assert r.closure_rate == pytest.approx(3 / 6)  # a b c closed in December
    assert r.response_rate == pytest.approx(4 / 6)  # a c e h within 24 h
    assert r.reassign_rate == pytest.approx(2 / 6)
    assert (r.extension_requested, r.extension_granted, r.escalated) == (1, 0, 1)
    assert r.repeat_rate == pytest.approx(1 / 4)  # b of the complaints a b d e
    assert r.satisfaction_rate == pytest.approx(2 / 3) and r.dissatisfied == 1
    assert r.resolution_rate == pytest.approx(2 / 3)
    assert r.composite == pytest.approx(0.1 * 4 / 6 + 0.5 * 2 / 3 + 0.4 * 2 / 3)  # 0.667
    assert r.grade == "D"


def test_open_overdue_and_carried_over_by_hand():
    df = frame()
    end = H.open_at(df, pd.Timestamp("2021-01-01")).set_index(S.DEPARTMENT).loc["D"]
    assert (end.open, end.overdue) == (2, 1)  # d (overdue) and e (closed on 2 January)
    start = H.open_at(df, pd.Timestamp("2020-12-01")).set_index(S.DEPARTMENT).loc["D"]
    assert start.open == 1  # g
    oldest = H.oldest_overdue(df, pd.Timestamp("2021-01-01"), 10)
    assert oldest.order_id.tolist() == ["d"] and oldest.days_overdue.tolist() == [1]  # 1 day 16 h


def test_an_open_order_not_yet_due_is_not_judged():
    def judged(as_of: str) -> int:
        t = H.month_measures(frame(), SETTINGS, ALL, as_of=pd.Timestamp(as_of))
        return t[t.month == pd.Period("2020-12", "M")].iloc[0].judged

    assert judged("2020-12-30 12:00") == 5  # d, open, was due at 08:00
    assert judged("2020-12-29 12:00") == 4  # d not yet due: neither on time nor late


def test_a_measure_the_export_lacks_is_missing_not_zero():
    df = frame()
    df[S.FIRST_RESPONSE_AT] = pd.NaT
    present = H.present_columns(df)
    r = december(df, present)
    assert math.isnan(r.response_rate) and math.isnan(r.composite) and pd.isna(r.grade)
    assert r.on_time_rate == 3 / 5  # what the export has is still measured
    assert H.absent_measures(present)["response_rate"] == [S.FIRST_RESPONSE_AT]


def test_composite_weights_and_grades_are_the_configured_ones():
    s = settings_from_dict({"handling": {"composite_weights": {"response": 0.2, "resolution": 0.4,
                                                               "satisfaction": 0.4},
                                         "grades": {"A": 0.9, "B": 0.7, "C": 0.6}}})
    r = december(frame(), settings=s)
    assert r.composite == pytest.approx(0.2 * 4 / 6 + 0.4 * 2 / 3 + 0.4 * 2 / 3)  # 0.667
    assert r.grade == "C"


def _wilson_upper(k: int, n: int, z: float = 1.959963984540054) -> float:
    p = k / n
    return (p + z * z / (2 * n) + z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / (1 + z * z / n)


def test_standards_list_and_flag_only_what_the_counts_bear_out():
    t = pd.DataFrame({S.DEPARTMENT: ["slow", "below", "small", "fine"], "judged": [100, 100, 20, 100],
                      "on_time": [60, 85, 10, 97], "dispatched": [100, 100, 20, 100],
                      "reassigned": [10, 0, 0, 1]})
    t["on_time_rate"] = t.on_time / t.judged
    t["reassign_rate"] = t.reassigned / t.dispatched
    out = H.standards_missed(t, SETTINGS).set_index(S.DEPARTMENT)
    assert _wilson_upper(60, 100) < 0.9 < _wilson_upper(85, 100)  # 0.69 and 0.91
    assert out.below_on_time.tolist() == [True, True, False, False]  # 20 due: under min_orders, not judged
    assert out.slow.tolist() == [True, False, False, False]
    assert out.reassign_high.tolist() == [True, False, False, False]  # 10/100: Wilson lower 0.055 > 0.03


def test_direct_share_counts_the_hotlines_own_answers():
    from hotline_analysis.month.handling import direct_share

    df = frame().assign(month=lambda d: d.received_at.dt.to_period("M"))
    out = direct_share(df, ALL).set_index("month").loc[pd.Period("2020-12", "M")]
    assert out.handled_directly == 1 and out.direct_share == pytest.approx(1 / 7)
