"""Invariants that hold for any input: no invented rows, a balanced ledger, idempotent re-ingest."""

from __future__ import annotations

import string

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline_analysis import schema as S
from hotline_analysis.clean import exclusion_reason, map_departments, mark_duplicates, mark_validity
from hotline_analysis.settings import load_settings
from hotline_analysis.ingest.pipeline import ingest
from hotline_analysis.ingest.presets import load_preset
from hotline_analysis.store import Store

from .test_ingest import HEADER, row

SETTINGS = load_settings()
ZIBO = load_preset("zibo12345")

texts = st.sampled_from(["", "测试", "喂喂", "。。。", "来电无声", "市民来电反映：路灯不亮已经十天，希望尽快修复。",
                         "咨询公积金", "骚扰电话，请处理"])
frames = st.lists(
    st.tuples(st.sampled_from(["k1", "k2", None]), st.sampled_from(["D1", "D2", None]), st.sampled_from(["x", "y"]),
              st.integers(0, 30 * 24), texts, st.sampled_from(list(S.REQUEST_TYPES)), st.sampled_from([True, False, None]),
              st.sampled_from(["closed", "returned", "open"])),
    min_size=0, max_size=40)


def _frame(rows) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=[S.CALLER_KEY, S.DEPARTMENT, S.CATEGORY_L2, "h", S.CONTENT, S.REQUEST_TYPE,
                                     S.IS_REASONABLE, S.STATUS])
    df[S.ORDER_ID] = [f"O{i}" for i in range(len(df))]
    df[S.RECEIVED_AT] = pd.Timestamp("2020-12-01") + pd.to_timedelta(df.pop("h"), unit="h")
    df[S.IS_VALID] = True
    df[S.DEPARTMENT_RAW] = df[S.DEPARTMENT]
    df[S.DUPLICATE_OF] = pd.NA
    return df


@given(frames)
@settings(max_examples=60, deadline=None)
def test_cleaning_never_invents_or_drops_rows(rows):
    df = _frame(rows)
    before = df.copy()
    out = mark_duplicates(mark_validity(df, SETTINGS.validity))
    out, _ = map_departments(out, pd.DataFrame({"alias": ["D1"], "name": ["Dept 1"]}))
    assert out[S.ORDER_ID].tolist() == df[S.ORDER_ID].tolist()
    pd.testing.assert_frame_equal(df, before)  # arguments are never changed
    # a duplicate always points at an earlier valid order of the same caller and matter, within 7 days
    ids = out.set_index(S.ORDER_ID)
    for oid, first in ids[S.DUPLICATE_OF].dropna().items():
        a, b = ids.loc[oid], ids.loc[first]
        assert a[S.CALLER_KEY] == b[S.CALLER_KEY] and b[S.DUPLICATE_OF] is pd.NA
        assert pd.Timedelta(0) <= a[S.RECEIVED_AT] - b[S.RECEIVED_AT] <= pd.Timedelta(days=7)
        assert a[S.IS_VALID] and b[S.IS_VALID]


@given(frames)
@settings(max_examples=60, deadline=None)
def test_every_order_is_net_or_excluded_for_exactly_one_reason(rows):
    df = mark_duplicates(mark_validity(_frame(rows), SETTINGS.validity))
    reason = exclusion_reason(df, SETTINGS.net_complaint)
    assert len(reason) == len(df)
    net = reason == ""
    assert (df.loc[net.to_numpy(), S.REQUEST_TYPE].isin(["complaint", "report"])).all()
    assert df.loc[net.to_numpy(), S.IS_VALID].all()
    assert df.loc[net.to_numpy(), S.DUPLICATE_OF].isna().all()


junk = st.text(alphabet=string.ascii_letters + string.digits + ",\"-/: 投诉张", max_size=60)
lines = st.lists(st.one_of(
    st.builds(lambda i, h: row(f"P{i}", t=f"2020-12-{1 + h % 28:02d} {h % 24:02d}:00:00", phone=f"1390000{i:04d}"),
              st.integers(0, 50), st.integers(0, 1000)),
    junk.filter(lambda s: "\n" not in s and "\r" not in s and s.strip() and s.count('"') % 2 == 0),
), min_size=1, max_size=25)


@given(lines)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_ledger_balances_for_arbitrary_files(tmp_path_factory, rows):
    tmp = tmp_path_factory.mktemp("prop")
    path = tmp / "x.csv"
    path.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode("gbk", errors="replace"))
    led = ingest([path], ZIBO, tmp / "store", progress=False, now=pd.Timestamp("2021-01-01"))
    assert led["rows_read"] == len(rows)
    assert led["rows_read"] == led["stored"] + sum(led["quarantined"].values())
    assert led["stored"] == led["net_complaints"] + sum(led["excluded"].values())
    assert len(Store(tmp / "store").load()) == led["stored"]


def test_reingest_is_idempotent_and_replaces_changed_files(tmp_path):
    a = tmp_path / "a.csv"
    b = tmp_path / "b.csv"
    a.write_bytes(("\r\n".join([HEADER, row("A1"), row("A2", t="2020-11-30 08:00:00")]) + "\r\n").encode("gbk"))
    b.write_bytes(("\r\n".join([HEADER, row("B1")]) + "\r\n").encode("gbk"))
    store = Store(tmp_path / "s")
    ingest([a, b], ZIBO, store.root, progress=False)
    first = store.load().sort_values(S.ORDER_ID).reset_index(drop=True)
    led = ingest([a, b], ZIBO, store.root, progress=False)
    assert [f["status"] for f in led["files"]] == ["unchanged", "unchanged"]
    pd.testing.assert_frame_equal(store.load().sort_values(S.ORDER_ID).reset_index(drop=True), first)
    # a corrected export of a.csv replaces its rows, never doubles them
    a.write_bytes(("\r\n".join([HEADER, row("A1"), row("A3")]) + "\r\n").encode("gbk"))
    led = ingest([a], ZIBO, store.root, progress=False)
    assert led["files"][0]["status"] == "replaced"
    assert sorted(store.load()[S.ORDER_ID]) == ["A1", "A3", "B1"]
    counts = store.aggregates()  # the kept file counted from its rows, the new one by its worker
    assert counts.n.sum() == 3 and counts.loc[counts.is_duplicate, "n"].sum() == store.load()[S.DUPLICATE_OF].notna().sum() == 2
    assert len(list((store.root / "orders").rglob("*.parquet"))) == 2  # old parts of a.csv are gone


def test_a_crash_mid_write_leaves_the_old_store_intact(tmp_path, monkeypatch):
    a = tmp_path / "a.csv"
    a.write_bytes(("\r\n".join([HEADER, row("A1")]) + "\r\n").encode("gbk"))
    store = Store(tmp_path / "s")
    ingest([a], ZIBO, store.root, progress=False)
    before = store.load()
    a.write_bytes(("\r\n".join([HEADER, row("A9"), row("A8")]) + "\r\n").encode("gbk"))

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(Store, "commit", crash)
    with pytest.raises(KeyboardInterrupt):
        ingest([a], ZIBO, store.root, progress=False)
    pd.testing.assert_frame_equal(store.load(), before)  # new parts were written but are not visible
    monkeypatch.undo()
    ingest([a], ZIBO, store.root, progress=False)
    assert sorted(store.load()[S.ORDER_ID]) == ["A8", "A9"]
    assert len(list((store.root / "orders").rglob("*.parquet"))) == 1
