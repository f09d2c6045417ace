"""The month result: built once from the store, equal to an independent count, saved and loaded unchanged."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from hotline_analysis import schema as S
from hotline_analysis.month import TABLES, MonthReport
from hotline_analysis.month.summary import validate_summary

MONTH = "2020-12"


@pytest.fixture(scope="module")
def report(small_store):
    store, _ = small_store
    return MonthReport.build(store, MONTH)


@pytest.fixture(scope="module")
def truth(small_export):
    return json.loads((small_export / "ground_truth.json").read_text("utf-8"))


def _net_by_hand(orders: pd.DataFrame) -> pd.Series:
    """Net complaints per department and month by the default rules, written out without the library."""
    net = (orders[S.REQUEST_TYPE].isin(["complaint", "report"]) & orders[S.IS_VALID].astype(bool)
           & orders[S.DUPLICATE_OF].isna() & (orders[S.IS_REASONABLE].astype("boolean") != False).fillna(True))  # noqa: E712
    month = orders[S.RECEIVED_AT].dt.to_period("M")
    return orders[net].groupby([orders.loc[net, S.DEPARTMENT], month[net]]).size()


def test_departments_equal_an_independent_count(report, small_store, truth):
    store, _ = small_store
    m = pd.Period(MONTH, "M")
    orders = store.load(months=[str(m), str(m - 1), str(m - 12)],
                        columns=[S.ORDER_ID, S.RECEIVED_AT, S.DEPARTMENT, S.REQUEST_TYPE, S.IS_VALID,
                                 S.IS_REASONABLE, S.DUPLICATE_OF])
    by_hand = _net_by_hand(orders)
    assert set(report.supervised) == {d["name"] for d in truth["departments"]}
    for d in report.departments.itertuples():
        assert d.net_complaints == by_hand.get((d.department, m), 0)
        assert d.prev_month == by_hand.get((d.department, m - 1), 0)
        assert d.prev_year == by_hand.get((d.department, m - 12), 0)
        if d.prev_month >= 5:
            assert d.mom_pct == pytest.approx((d.net_complaints / d.prev_month - 1) * 100)
    for a, b in zip(report.departments.itertuples(), report.departments.iloc[1:].itertuples()):
        # rank 1 = most net complaints; ties share the better rank
        assert (a.rank < b.rank and a.net_complaints > b.net_complaints) or \
            (a.rank == b.rank and a.net_complaints == b.net_complaints)


def test_ledger_balances_and_totals_add_up(report):
    led = report.ledger
    assert led["records"] == led["net_complaints"] + sum(led["excluded"].values())
    t = report.totals()
    assert t["net_complaints"] == report.departments.net_complaints.sum() <= led["net_complaints"]
    assert t["fell_mom"] + t["rose_mom"] <= t["departments"] == len(report.departments)
    b = report.breakdowns
    for dim, g in b.groupby("dimension"):  # every breakdown covers every order, unknown included
        assert g.records.sum() == led["records"], dim
        assert g.share.sum() == pytest.approx(1.0)


def test_saved_result_loads_unchanged(report, tmp_path):
    back = MonthReport.load(report.save(tmp_path / "month"))
    assert back.month == report.month and back.ledger == report.ledger and back.settings == report.settings
    for name in TABLES:
        a, b = getattr(report, name), getattr(back, name)
        assert list(a.columns) == list(b.columns), name
        assert len(a) == len(b), name
        for col in a.columns:
            left, right = a[col].tolist(), b[col].tolist()
            for x, y in zip(left, right):
                if x is pd.NA or (isinstance(x, float) and np.isnan(x)):
                    assert y is None or (isinstance(y, float) and np.isnan(y)) or y is pd.NA, (name, col)
                else:
                    assert (list(x) if isinstance(x, (list, np.ndarray)) else x) == \
                        (list(y) if isinstance(y, (list, np.ndarray)) else y), (name, col)
    assert back.to_json() == report.to_json()


def test_summary_json_follows_the_result(report):
    s = validate_summary(report.to_json())
    assert s["month"] == MONTH and [d["department"] for d in s["departments"]] == report.supervised
    for row, d in zip(s["departments"], report.departments.itertuples()):
        assert row["net_complaints"] == d.net_complaints and row["rank"] == d.rank and row["trend"] == d.trend
        if not np.isnan(d.mom_pct):  # rounded half up to the settings' decimals
            assert abs(row["mom_pct"] - d.mom_pct) <= 0.005 + 1e-9
    assert s["flags"]["surge"] == report.flagged("surge")


def test_the_month_is_fitted_once(small_store, monkeypatch):
    from hotline_analysis import count_models

    store, _ = small_store
    calls = []
    real = count_models.dispersion
    monkeypatch.setattr(count_models, "dispersion", lambda *a, **k: calls.append(1) or real(*a, **k))
    MonthReport.build(store, MONTH, topics="categories")
    assert len(calls) == 1


def test_a_month_outside_the_store_is_a_clear_error(small_store):
    from hotline_analysis.errors import DataError

    store, _ = small_store
    with pytest.raises(DataError, match="no work orders received in 2031-01"):
        MonthReport.build(store, "2031-01", topics="categories")


def test_lookback_is_due_two_and_three_months_after_supervision(small_store, small_export, truth, monkeypatch):
    from hotline_analysis.store import Store

    store, _ = small_store
    reads = []
    real = Store.aggregates
    monkeypatch.setattr(Store, "aggregates", lambda self: reads.append(1) or real(self))
    due = MonthReport.build(store, "2021-02", topics="categories", register=small_export / "supervision.csv")
    assert len(reads) == 1  # the month, its look-back and February's annual review share one read of the history
    assert len(due.annual) > 0
    assert set(due.lookback.department) == {x["department"] for x in truth["lookback"]}
    assert set(due.lookback.supervised) == {"2020-11", "2020-12"}
    judged = due.lookback.verdict != "too_few_complaints"  # under 30 net complaints before: not judged
    assert judged.any() and due.lookback.rate_ratio[judged].notna().all()
    december = MonthReport.build(store, "2020-12", topics="categories", register=small_export / "supervision.csv")
    assert set(december.lookback.department) == {d["name"] for d in truth["departments"]
                                                 if {"2020-09", "2020-10"} & set(d["supervised_months"])}


def test_handling_equals_an_independent_count(report, small_store):
    """On-time closure and the open orders at the month's end per department, counted from every stored row."""
    store, _ = small_store
    m = pd.Period(MONTH, "M")
    end = (m + 1).start_time
    o = store.load(columns=[S.ORDER_ID, S.RECEIVED_AT, S.DEPARTMENT, S.STATUS, S.DUE_AT, S.CLOSED_AT,
                            S.HANDLED_DIRECTLY])
    o = o[o[S.DEPARTMENT].notna() & (o[S.HANDLED_DIRECTLY] != True)]  # noqa: E712
    this = o[o[S.RECEIVED_AT].dt.to_period("M") == m]
    as_of = o[S.RECEIVED_AT].max()  # the data's end: an order open past its due time by then is late
    closed = (this[S.STATUS] == "closed") & this[S.CLOSED_AT].notna()
    late_open = (this[S.STATUS] == "open") & (this[S.DUE_AT] <= as_of)
    judged = this[(closed & this[S.DUE_AT].notna()) | late_open]
    on_time = (judged[S.CLOSED_AT] <= judged[S.DUE_AT]).groupby(judged[S.DEPARTMENT]).mean()
    held = o[(o[S.RECEIVED_AT] < end) & ((o[S.STATUS].isin(["open", "closed"]) & (o[S.CLOSED_AT] >= end))
                                         | ((o[S.STATUS] == "open") & o[S.CLOSED_AT].isna()))]
    still_open = held.groupby(S.DEPARTMENT).size()
    overdue = held[held[S.DUE_AT] < end].groupby(S.DEPARTMENT).size()
    h = report.handling[report.handling.month == m]
    assert len(h) == len(report.supervised)
    for r in h.itertuples():
        assert r.dispatched == (this[S.DEPARTMENT] == r.department).sum()
        assert (np.isnan(r.on_time_rate) and r.department not in on_time) or \
            r.on_time_rate == pytest.approx(on_time[r.department])
        assert r.open == still_open.get(r.department, 0) and r.overdue == overdue.get(r.department, 0)
    city = report.city_handling.set_index("month").loc[m]
    assert city.open == len(held) and city.overdue == (held[S.DUE_AT] < end).sum()


def test_the_planted_backlog_is_measured(small_store, truth):
    """The scenario delays many closures of its backlog month past the month's end; the open and overdue orders
    at that month's end are the planted ones (within 1%)."""
    store, _ = small_store
    planted = truth["handling"]["backlog"]
    m = pd.Period(planted["month"], "M")
    report = MonthReport.build(store, m, topics="categories")
    city = report.city_handling.set_index("month")
    assert city.loc[m, "open"] == pytest.approx(planted["open_at_month_end"], rel=0.01)
    assert city.loc[m, "overdue"] == pytest.approx(planted["overdue_at_month_end"], rel=0.01)
    assert city.loc[m, "open"] > 1.5 * city.loc[m - 1, "open"]  # a backlog, not an ordinary month end


def test_a_store_made_before_the_handling_columns_still_reports(small_store, tmp_path):
    """A store ingested by an earlier version has no handling columns: the month builds, and the measures that
    need them are absent (not zero)."""
    import shutil

    import pyarrow.parquet as pq

    from hotline_analysis.store import Store

    store, _ = small_store
    old = tmp_path / "old"
    shutil.copytree(store.root, old)
    for part in (old / "orders").rglob("*.parquet"):
        t = pq.read_table(part)
        pq.write_table(t.drop_columns([c for c in S.HANDLING_COLUMNS if c in t.column_names]), part)
    report = MonthReport.build(Store(old), MONTH, topics="categories")
    assert {"response_rate", "reassign_rate", "escalated", "direct_share", "composite"} <= set(report.absent)
    h = report.handling[report.handling.month == pd.Period(MONTH, "M")]
    assert h.response_rate.isna().all() and h.on_time_rate.notna().any()


def test_a_breakdown_value_without_orders_last_month_has_zero_there():
    from hotline_analysis.month.build import breakdowns
    from hotline_analysis.settings import load_settings

    m = pd.Period("2020-12", "M")
    orders = pd.DataFrame({S.REQUEST_TYPE: ["complaint", "complaint", "praise", "complaint"],
                           S.CHANNEL: ["phone"] * 4, S.DISTRICT: ["A"] * 4,
                           "month": [m, m, m, m - 1]})
    b = breakdowns(orders, m, load_settings()).set_index(["dimension", "value"])
    assert b.loc[(S.REQUEST_TYPE, "praise"), "prev_month"] == 0  # last month is in the data: none then
    assert b.loc[(S.REQUEST_TYPE, "complaint"), "prev_month"] == 1
    assert np.isnan(b.loc[(S.REQUEST_TYPE, "praise"), "prev_year"])  # a year ago is not in the data: unknown
