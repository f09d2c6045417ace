"""The month's 办理情况 tables (:mod:`hotline_analysis.handling`): per unit, for the city, and the oldest overdue."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from .. import handling as H
from .. import metrics as M
from .. import schema as S
from ..settings import Settings
from ..store import Store

#: Columns the orders still open from earlier months are read with.
OPEN_COLUMNS = [S.ORDER_ID, S.RECEIVED_AT, S.DEPARTMENT, S.DEPARTMENT_RAW, S.HANDLED_DIRECTLY, S.DUE_AT,
                S.CLOSED_AT, S.STATUS]
CITY = "city"


def handling_tables(st: Store, orders: pd.DataFrame, month: pd.Period, settings: Settings, deps: list[str],
                    present: set[str]) -> dict[str, pd.DataFrame]:
    """``handling`` (per unit of ``deps``; this month, last month, a year ago), ``city_handling`` (the same
    for every dispatched order, with the hotline's own answers) and ``overdue`` (oldest open past due among the
    orders of ``deps``, the units the report covers); ``present``: the columns the month's stored orders hold
    (:func:`stored_columns`)."""
    recent = orders[orders[M.MONTH].isin([month, month - 1]).to_numpy()]
    snap = pd.concat([recent[OPEN_COLUMNS], open_from_earlier(st, month)], ignore_index=True)
    known = snapshot_columns(st, month)
    as_of = store_end(st)
    units = orders[orders[S.DEPARTMENT].isin(deps).to_numpy()]
    measured = H.month_measures(units, settings, present, as_of=as_of)
    stale = settings.handling.stale_months
    per_unit = _with_open(_every_unit(measured, deps, month, settings, present), snap, month, S.DEPARTMENT,
                          present, stale, known)
    city = _with_open(H.month_measures(orders.assign(_city=CITY), settings, present, by="_city", as_of=as_of),
                      snap.assign(_city=CITY), month, "_city", present, stale, known).drop(columns="_city")
    city = city.merge(direct_share(orders, present), on=M.MONTH, how="left")
    now = per_unit[per_unit[M.MONTH] == month]
    judged = H.standards_missed(now, settings)[[S.DEPARTMENT, "below_on_time", "slow", "reassign_high"]]
    per_unit = per_unit.merge(judged, on=S.DEPARTMENT, how="left")
    per_unit.loc[per_unit[M.MONTH] != month, ["below_on_time", "slow", "reassign_high"]] = False
    overdue = H.oldest_overdue(snap[snap[S.DEPARTMENT].isin(deps).to_numpy()], _end(month), settings.handling.oldest)
    return {"handling": per_unit.sort_values([M.MONTH, S.DEPARTMENT], ascending=[False, True]).reset_index(drop=True),
            "city_handling": city.sort_values(M.MONTH, ascending=False).reset_index(drop=True),
            "overdue": overdue}


def _every_unit(table: pd.DataFrame, deps: list[str], month: pd.Period, settings: Settings,
                present: set[str]) -> pd.DataFrame:
    """``table`` with a row for every unit and month compared (no order: zero counts, rates missing)."""
    full = pd.MultiIndex.from_product([deps, [month, month - 1, month - 12]], names=[S.DEPARTMENT, M.MONTH])
    counts = table.set_index([S.DEPARTMENT, M.MONTH])[list(H.COUNTS)].reindex(full).fillna(0).astype("int64")
    return H.add_rates(counts.reset_index(), settings, present)


def _end(month: pd.Period) -> pd.Timestamp:
    return (month + 1).start_time


def _with_open(table: pd.DataFrame, snap: pd.DataFrame, month: pd.Period, by: str,
               present: set[str], stale_months: int = 12,
               known: dict[pd.Period, set[str]] | None = None) -> pd.DataFrame:
    """``table`` with ``open``/``overdue`` at the end of this month, last month and the same month a year ago,
    ``open_stale`` (those of the open received before the ``stale_months`` months up to that month: an export's
    records never closed) and ``carried_over`` (open at the month's start); ``snap``: every order a unit may have
    held at those instants (:func:`open_from_earlier`). NaN for a snapshot whose measure the month's orders cannot
    give (:data:`hotline_analysis.handling.NEEDS`: no closing time, or no due time for ``overdue``), never 0; and
    NaN for last month and a year ago where ``known`` (the columns the store holds per month,
    :func:`snapshot_columns`; None: all) lacks that month or its columns, or, for ``carried_over``, the month
    before it (the store cannot say what was open then)."""
    frames = []
    for m in (month, month - 1, month - 12):
        end, start = H.open_at(snap, _end(m), by, (m - stale_months + 1).start_time), H.open_at(snap, m.start_time, by)
        t = end.merge(start[[by, "open"]].rename(columns={"open": "carried_over"}), on=by, how="outer")
        frames.append(t.assign(**{M.MONTH: m}))
    snaps = pd.concat(frames, ignore_index=True)
    snaps[M.MONTH] = snaps[M.MONTH].astype(table[M.MONTH].dtype)
    out = table.merge(snaps, on=[by, M.MONTH], how="left")
    cols = ["open", "open_stale", "overdue", "carried_over"]
    out[cols] = out[cols].fillna(0)  # a unit holding nothing holds zero orders
    absent = H.absent_measures(present)
    for col in cols:  # what the export cannot give stays unknown, and so does a month the store cannot tell
        if H.MEASURE_OF_SNAPSHOT[col] in absent:
            out[col] = float("nan")
            continue
        for m in (month - 1, month - 12):
            if not snapshot_known(col, m, known):
                out.loc[(out[M.MONTH] == m).to_numpy(), col] = float("nan")
    return out


def snapshot_known(col: str, m: pd.Period, known: dict[pd.Period, set[str]] | None) -> bool:
    """Whether the store can give the snapshot column ``col`` of month ``m``: it holds ``m`` with the columns the
    measure needs (:data:`hotline_analysis.handling.NEEDS`), and for ``carried_over`` (open at ``m``'s start) the
    month before too.

    >>> m = pd.Period("2020-02", "M")
    >>> k = {m: {"closed_at"}}
    >>> snapshot_known("open", m, k), snapshot_known("carried_over", m, k)
    (True, False)
    """
    if known is None:
        return True
    needs = set(H.NEEDS[H.MEASURE_OF_SNAPSHOT[col]])
    months = [m, m - 1] if col == "carried_over" else [m]
    return all(p in known and needs <= known[p] for p in months)


def snapshot_columns(st: Store, month: pd.Period) -> dict[pd.Period, set[str]]:
    """The columns the store holds (:func:`stored_columns`) in each month a snapshot of last month or a year ago
    needs: those months and the months before them."""
    held = set(st.months())
    wanted = [m for m in (month - 1, month - 2, month - 12, month - 13) if str(m) in held]
    return {m: stored_columns(st, [m]) for m in wanted}


def direct_share(orders: pd.DataFrame, present: set[str]) -> pd.DataFrame:
    """Per month: orders settled by the hotline itself (直接办结) and their share of all orders with a known
    route: ``month, handled_directly, direct_share``."""
    d = orders[orders[S.HANDLED_DIRECTLY].notna().to_numpy()]
    g = d.groupby(M.MONTH, observed=True)[S.HANDLED_DIRECTLY]
    out = pd.DataFrame({"handled_directly": g.sum().astype("int64"), "direct_share": g.mean().astype(float)})
    if S.HANDLED_DIRECTLY not in present:
        out[:] = float("nan")
    return out.reset_index()


def open_from_earlier(st: Store, month: pd.Period) -> pd.DataFrame:
    """Stored orders received before last month that a unit may have held at an instant of last month or this
    month (still open when last month began), and those received up to the end of the same month a year ago that
    were still open when that month began (for the open-order snapshots, :func:`_with_open`). With the orders of
    this month and last month, each order once."""
    def ts(m: pd.Period) -> pa.Scalar:
        return pa.scalar(m.start_time.to_pydatetime(), pa.timestamp("ns"))

    closed, received = ds.field(S.CLOSED_AT), ds.field(S.RECEIVED_AT)
    last, year_ago = ts(month - 1), ts(month - 12)
    where = (((received < last) & (closed.is_null() | (closed >= last)))
             | ((received < ts(month - 11)) & (closed.is_null() | (closed >= year_ago))))
    return st.read_table(OPEN_COLUMNS, where=where).to_pandas()


def store_end(st: Store) -> pd.Timestamp:
    """The last time an order was received in the store: open orders past their due time by then count as late."""
    t = st.read_table([S.RECEIVED_AT], months=st.months()[-1:])
    return pd.Timestamp(pc.max(t[S.RECEIVED_AT]).as_py())


def stored_columns(st: Store, months: list[pd.Period]) -> set[str]:
    """The canonical columns with at least one value in the store's parts of ``months`` (from the Parquet
    statistics, without reading the data)."""
    want = {(m.year, m.month) for m in months}
    out: set[str] = set()
    for p in st.parts():
        y, m = (int(x.split("=")[1]) for x in p.parts[-3:-1])
        if (y, m) not in want:
            continue
        meta = pq.ParquetFile(p).metadata
        for i in range(meta.num_columns):
            col = meta.schema.column(i).name
            for r in range(meta.num_row_groups):
                c = meta.row_group(r).column(i)
                stats = c.statistics
                if stats is None or not stats.has_null_count or stats.null_count < c.num_values:
                    out.add(col)
                    break
    return out
