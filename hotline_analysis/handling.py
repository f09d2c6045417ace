"""办理情况: how the units handle the orders dispatched to them, as 12345 bulletins report it.

Every measure here concerns *dispatched* orders (转派): orders with a
responsible unit that the hotline did not settle itself
(``handled_directly`` is not true). A measure needs certain columns
(:data:`NEEDS`); where the export lacks one, the measure is missing (NaN)
and :func:`absent_measures` says so, never zero.

Measures of the orders received in a month (:func:`month_measures`)
--------------------------------------------------------------------
``dispatched``  orders received in the month (n)
``on_time_rate``  按期办结率 = closed by the due time / orders judged: closed (with a due time), or held open
                  past their due time at ``as_of`` (the data's end); open orders not yet due are not judged, so
                  an order late and still open counts against the unit
``early_rate``  提前办结率 = closed within ``early_fraction`` of the time limit / closed orders with a due time
``closure_rate``  办结率 = closed before the month ended / n
``response_rate``  响应率 = first response within ``response_hours`` / n
``reassign_rate``  重派率 = orders sent back and reassigned at least once / n
``extension_requested``, ``extension_granted``, ``escalated``  延期申请, 延期同意, 督办件 (counts)
``repeat_rate``  重复投诉率 = repeat complaints (linked to an earlier one) / complaints
``dissatisfied``  不满意件数; ``satisfaction_rate`` = (satisfied + basically satisfied) / surveyed
``resolution_rate``  解决率 = resolved / call-backs that asked
``reasonable_satisfaction_rate``  合理诉求办理结果满意率: satisfaction of the requests not judged unreasonable (the
                  city's, :func:`hotline_analysis.month.build.city_satisfaction`); needs the reasonableness column
``composite``  三率 = w_response * response_rate + w_resolution * resolution_rate
               + w_satisfaction * satisfaction_rate (``handling.composite_weights``), graded A-D

Snapshot at an instant T (:func:`open_at`)
------------------------------------------
``open``  未办结: dispatched orders received before T and held by a unit at T: closed at or after T, or open
(status open, no closing time); returned and cancelled orders and closed ones without a closing time are not; ``overdue``  超期未办结: those of them due before T. 上月结转 is the
snapshot at the month's start. ``open_stale``: the open orders received before the last ``handling.stale_months``
months (records of an export that were never closed, not this year's backlog).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import schema as S
from .metrics import MONTH, wilson_interval, with_month
from .settings import Settings

#: The canonical columns each measure needs; a measure is absent where the export lacks one of them.
NEEDS: dict[str, tuple[str, ...]] = {
    "on_time_rate": (S.DUE_AT, S.CLOSED_AT), "early_rate": (S.DUE_AT, S.CLOSED_AT),
    "closure_rate": (S.CLOSED_AT,), "open": (S.CLOSED_AT,), "overdue": (S.CLOSED_AT, S.DUE_AT),
    "response_rate": (S.FIRST_RESPONSE_AT,), "reassign_rate": (S.REASSIGNED,),
    "extension_requested": (S.EXTENSION_REQUESTED,), "extension_granted": (S.EXTENSION_GRANTED,),
    "escalated": (S.ESCALATED,), "repeat_rate": (S.CALLER_KEY,), "dissatisfied": (S.SATISFACTION,),
    "satisfaction_rate": (S.SATISFACTION,), "resolution_rate": (S.RESOLVED,),
    "composite": (S.FIRST_RESPONSE_AT, S.RESOLVED, S.SATISFACTION), "direct_share": (S.HANDLED_DIRECTLY,),
    "reasonable_satisfaction_rate": (S.SATISFACTION, S.IS_REASONABLE),
}
#: Count columns summed per group before the rates are formed (:func:`add_rates`).
COUNTS = ("dispatched", "closed", "closed_with_due", "judged", "on_time", "early", "closed_in_month", "responded",
           "reassigned", "extension_requested", "extension_granted", "escalated", "complaints", "repeats",
           "surveyed", "positive", "dissatisfied", "asked", "resolved")

#: The counts behind a measure, absent with it.
_COUNTS_OF = {"on_time_rate": ("on_time", "judged"), "early_rate": ("early",),
              "closure_rate": ("closed", "closed_in_month"), "response_rate": ("responded",),
              "reassign_rate": ("reassigned",), "repeat_rate": ("repeats",),
              "satisfaction_rate": ("surveyed", "positive"), "resolution_rate": ("asked", "resolved"),
              "composite": ("grade",)}


def present_columns(df: pd.DataFrame) -> set[str]:
    """The canonical columns holding at least one value in ``df``."""
    return {c for c in S.COLUMNS if c in df and df[c].notna().any()}


def absent_measures(present: set[str]) -> dict[str, list[str]]:
    """Measure -> the columns it needs that the export lacks (only measures with something missing)."""
    return {m: [c for c in cols if c not in present] for m, cols in NEEDS.items()
            if any(c not in present for c in cols)}


def dispatched(df: pd.DataFrame) -> pd.Series:
    """True for orders a unit was given: a unit named and not settled by the hotline itself."""
    by_hotline = df[S.HANDLED_DIRECTLY].fillna(False).astype(bool) if S.HANDLED_DIRECTLY in df else False
    return (df[S.DEPARTMENT_RAW].notna() | df[S.DEPARTMENT].notna()) & ~by_hotline


def _order_flags(d: pd.DataFrame, settings: Settings, as_of: pd.Timestamp) -> pd.DataFrame:
    """One row per order: 0/1 columns that :data:`COUNTS` sums."""
    h = settings.handling
    closed = (d[S.STATUS] == "closed").fillna(False).to_numpy() & d[S.CLOSED_AT].notna().to_numpy()
    with_due = closed & d[S.DUE_AT].notna().to_numpy()
    open_past_due = ((d[S.STATUS] == "open").fillna(False).to_numpy()
                     & (d[S.DUE_AT] <= as_of).fillna(False).to_numpy())
    limit = d[S.DUE_AT] - d[S.RECEIVED_AT]
    taken = d[S.CLOSED_AT] - d[S.RECEIVED_AT]
    month_end = d[MONTH].dt.end_time.dt.normalize() + pd.Timedelta(days=1)
    delay = d[S.FIRST_RESPONSE_AT] - d[S.RECEIVED_AT]
    sat = d[S.SATISFACTION].astype(object)
    complaint = d[S.REQUEST_TYPE].isin(S.COMPLAINT_TYPES).to_numpy()

    def yes(s: pd.Series) -> np.ndarray:
        return s.fillna(False).astype(bool).to_numpy()

    return pd.DataFrame({
        "dispatched": 1, "closed": closed, "closed_with_due": with_due, "judged": with_due | open_past_due,
        "on_time": with_due & yes(d[S.CLOSED_AT] <= d[S.DUE_AT]),
        "early": with_due & yes(taken <= limit * h.early_fraction),
        "closed_in_month": closed & yes(d[S.CLOSED_AT] < month_end),
        "responded": yes(delay <= pd.Timedelta(hours=h.response_hours)),
        "reassigned": yes(d[S.REASSIGNED] >= 1), "extension_requested": yes(d[S.EXTENSION_REQUESTED]),
        "extension_granted": yes(d[S.EXTENSION_GRANTED]), "escalated": yes(d[S.ESCALATED]),
        "complaints": complaint, "repeats": complaint & d[S.DUPLICATE_OF].notna().to_numpy(),
        "surveyed": sat.notna().to_numpy(), "positive": sat.isin(settings.satisfaction.positive).to_numpy(),
        "dissatisfied": (sat == "dissatisfied").to_numpy(),
        "asked": d[S.RESOLVED].notna().to_numpy(), "resolved": yes(d[S.RESOLVED]),
    }, index=d.index).astype("int64")


def data_end(df: pd.DataFrame) -> pd.Timestamp:
    """The latest time ``df`` knows of (received or closed): what "open past due" is judged at by default."""
    return max(df[S.RECEIVED_AT].max(), df[S.CLOSED_AT].max() if df[S.CLOSED_AT].notna().any() else pd.NaT)


def month_measures(df: pd.DataFrame, settings: Settings, present: set[str], by: str = S.DEPARTMENT,
                   as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """The measures of the module docstring per ``by`` and month of receipt, over dispatched orders.

    Measures whose columns are not in ``present`` are NaN. ``as_of``: when open orders past their due time
    are judged late (default :func:`data_end` of ``df``).
    """
    d = with_month(df) if MONTH not in df else df
    as_of = data_end(d) if as_of is None else as_of
    d = d[dispatched(d).to_numpy()]
    flags = _order_flags(d, settings, as_of)
    flags[by], flags[MONTH] = d[by].to_numpy(), d[MONTH].to_numpy()
    out = flags.groupby([by, MONTH], observed=True, dropna=False)[list(COUNTS)].sum().reset_index()
    return add_rates(out, settings, present)


def add_rates(counts: pd.DataFrame, settings: Settings, present: set[str]) -> pd.DataFrame:
    """Rates, composite and grade from the summed counts; measures the export cannot give set to NaN."""
    out = counts.copy()

    def ratio(a: str, b: str) -> pd.Series:
        return out[a] / out[b].where(out[b] > 0)

    out["on_time_rate"], out["early_rate"] = ratio("on_time", "judged"), ratio("early", "closed_with_due")
    out["closure_rate"], out["response_rate"] = ratio("closed_in_month", "dispatched"), ratio("responded", "dispatched")
    out["reassign_rate"], out["repeat_rate"] = ratio("reassigned", "dispatched"), ratio("repeats", "complaints")
    out["satisfaction_rate"], out["resolution_rate"] = ratio("positive", "surveyed"), ratio("resolved", "asked")
    w = settings.handling.composite_weights
    out["composite"] = (w.response * out.response_rate + w.resolution * out.resolution_rate
                        + w.satisfaction * out.satisfaction_rate)
    out["grade"] = grade(out.composite, settings)
    for measure in absent_measures(present):
        for col in [measure, *_COUNTS_OF.get(measure, ())]:
            if col in out:
                out[col] = pd.NA if col == "grade" else np.nan
    return out


def grade(composite: pd.Series, settings: Settings) -> pd.Series:
    """A, B, C or D: the first grade whose least composite (``handling.grades``) the value reaches; None if NaN.

    >>> from hotline_analysis.settings import load_settings
    >>> grade(pd.Series([0.97, 0.95, 0.9, 0.86, 0.5, np.nan]), load_settings()).tolist()
    ['A', 'A', 'B', 'C', 'D', <NA>]
    """
    g = settings.handling.grades
    v = composite.to_numpy(dtype=float)
    out = np.select([v >= g.A, v >= g.B, v >= g.C, ~np.isnan(v)], ["A", "B", "C", "D"], default="")
    return pd.Series(np.where(out == "", None, out), index=composite.index, dtype="string")


def _held(d: pd.DataFrame, at: pd.Timestamp) -> np.ndarray:
    """Orders a unit held at ``at`` (see the module docstring)."""
    status = d[S.STATUS]
    later = (status.isin(["open", "closed"]).fillna(False) & (d[S.CLOSED_AT] >= at).fillna(False))
    still = (status == "open").fillna(False) & d[S.CLOSED_AT].isna()
    return ((d[S.RECEIVED_AT] < at) & (later | still)).to_numpy()


#: The measure (:data:`NEEDS`) an open-order snapshot column of the month result belongs to.
MEASURE_OF_SNAPSHOT = {"open": "open", "open_stale": "open", "carried_over": "open", "overdue": "overdue"}


def open_at(df: pd.DataFrame, at: pd.Timestamp, by: str = S.DEPARTMENT,
            stale_before: pd.Timestamp | None = None) -> pd.DataFrame:
    """未办结 and 超期未办结 at the instant ``at`` per ``by``: ``by, open, overdue``, and ``open_stale``: those
    open received before ``stale_before`` (when given; see the module docstring)."""
    d = df[dispatched(df).to_numpy()]
    held = _held(d, at)
    overdue = held & (d[S.DUE_AT] < at).fillna(False).to_numpy()
    t = pd.DataFrame({by: d[by].to_numpy(), "open": held.astype(int), "overdue": overdue.astype(int)})
    cols = ["open", "overdue"]
    if stale_before is not None:
        t["open_stale"] = (held & (d[S.RECEIVED_AT] < stale_before).to_numpy()).astype(int)
        cols.append("open_stale")
    return t.groupby(by, observed=True, dropna=False)[cols].sum().reset_index()


def oldest_overdue(df: pd.DataFrame, at: pd.Timestamp, n: int) -> pd.DataFrame:
    """The ``n`` orders overdue longest and still open at ``at``: ``order_id, department, received_at, due_at,
    days_overdue`` (whole days past the due time)."""
    d = df[dispatched(df).to_numpy()]
    held = _held(d, at) & (d[S.DUE_AT] < at).fillna(False).to_numpy()
    t = d.loc[held, [S.ORDER_ID, S.DEPARTMENT, S.RECEIVED_AT, S.DUE_AT]]
    t = t.sort_values([S.DUE_AT, S.ORDER_ID]).head(n).reset_index(drop=True)
    t["days_overdue"] = ((at - t[S.DUE_AT]).dt.total_seconds() // 86400).astype("int64")
    return t


def standards_missed(table: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """``table`` (one month's :func:`month_measures`) with the standards judged.

    ``below_on_time``: 按期办结率 under ``standards.on_time`` with at least ``min_orders`` judged (as bulletins
    list); ``slow``: the Wilson upper bound at ``1 - alpha`` is under it too (below beyond doubt);
    ``reassign_high``: 重派率's Wilson lower bound over ``standards.max_reassign_rate``.
    """
    h = settings.handling
    out = table.copy()
    enough = out.judged >= h.min_orders
    _, hi = wilson_interval(out.on_time, out.judged, 1 - h.alpha)
    out["below_on_time"] = enough & (out.on_time_rate < h.standards.on_time)
    out["slow"] = out.below_on_time & (hi < h.standards.on_time)
    lo, _ = wilson_interval(out.reassigned.fillna(0), out.dispatched, 1 - h.alpha)
    out["reassign_high"] = (out.dispatched >= h.min_orders) & out.reassign_rate.notna() & (
        lo > h.standards.max_reassign_rate)
    return out
