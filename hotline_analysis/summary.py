"""The machine-readable key figures of one month (``summary.json``), validated against its JSON Schema."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import numpy as np
import pandas as pd

from . import __version__
from . import metrics as M
from . import count_models as CM
from . import flags as FL
from . import rank as R
from . import schema as S
from .errors import DataError
from .settings import Settings
from .stats import bh_adjust, satisfaction_shift

#: Columns of the store a summary needs.
COLUMNS = [S.ORDER_ID, S.RECEIVED_AT, S.DEPARTMENT, S.CATEGORY_L2, S.REQUEST_TYPE, S.IS_VALID, S.IS_REASONABLE,
           S.STATUS, S.DUPLICATE_OF, S.SATISFACTION, S.CONTACTED, S.RESOLVED]


def summary_schema() -> dict:
    """The JSON Schema of ``summary.json``."""
    return json.loads(resources.files("hotline_analysis.resources").joinpath("summary.schema.json").read_text("utf-8"))


def validate_summary(summary: dict) -> dict:
    """Raise ``jsonschema.ValidationError`` when ``summary`` breaks the contract; return it otherwise."""
    jsonschema.validate(summary, summary_schema())
    return summary


def _num(x, digits: int = 2):
    return None if x is None or (isinstance(x, float) and np.isnan(x)) or pd.isna(x) else round(float(x), digits)


def build_summary(orders: pd.DataFrame, month: str, settings: Settings, dataset: str,
                  departments: list[str] | None = None, month_orders: pd.DataFrame | None = None,
                  topics: list[dict] | None = None) -> dict:
    """Key figures of ``month`` for every department (see DESIGN.md, summary.json).

    ``orders`` are canonical work orders up to and including ``month`` (more
    history makes better flags), or the store's aggregate table
    (:meth:`hotline_analysis.store.Store.aggregates`), in which case
    ``month_orders`` (the month's work orders) supply the topics.
    ``topics`` (:meth:`hotline_analysis.topics.TopicResult.to_summary`) are
    the issues from the texts; without them, a department's topics are its
    most frequent categories.
    ``departments`` restricts the table to the supervised departments (e.g.
    the 37 municipal departments); by default every department present.
    Percentages are in percent; a change on a base below
    ``settings.change.min_base`` is null.
    """
    m = pd.Period(month, "M")
    d = orders if M.MONTH in orders else M.with_month(orders)
    d = M.flag_net(d[d[M.MONTH] <= m], settings)
    w = M.weights(d)
    exposure = pd.Series(w, index=d.index).groupby(d[M.MONTH]).sum()
    this = d[(d[M.MONTH] == m).to_numpy()]
    if this.empty:
        raise DataError(f"no work orders received in {month}")
    deps = departments if departments is not None else sorted(d[S.DEPARTMENT].dropna().unique())
    dd = d[d[S.DEPARTMENT].isin(deps)]
    vol = M.monthly_volume(dd, settings)
    vol = vol[vol[M.MONTH] >= vol[M.MONTH].min()]
    ch = M.add_changes(vol, min_base=settings.change.min_base)
    cur = ch[ch[M.MONTH] == m].set_index(S.DEPARTMENT)
    ranks = R.rank_month(vol, m).set_index(S.DEPARTMENT)["rank"]
    surge = FL.surge_flags(vol, m, settings, exposure=exposure).set_index(S.DEPARTMENT)["surge"]
    disp = CM.dispersion(vol, m, exposure=exposure)
    trend = CM.trend_scan(vol, m, list(settings.trend.windows), alpha=settings.trend.alpha, disp=disp)
    trend = trend.set_index(S.DEPARTMENT)
    commend = FL.commendations(vol, m, settings, disp=disp).set_index(S.DEPARTMENT)["commend"]
    sat = M.satisfaction(dd[dd[M.MONTH].isin([m, m - 1])], settings)
    sat_cur = sat[sat[M.MONTH] == m].set_index(S.DEPARTMENT)
    sat_prev = sat[sat[M.MONTH] == m - 1].set_index(S.DEPARTMENT)
    shifts = {}
    for dep in deps:
        a = sat_cur.loc[dep] if dep in sat_cur.index else None
        b = sat_prev.loc[dep] if dep in sat_prev.index else None
        if a is not None and b is not None:
            shifts[dep] = satisfaction_shift(int(a.satisfied + a.basically_satisfied), int(a.surveyed),
                                             int(b.satisfied + b.basically_satisfied), int(b.surveyed))
    names = list(shifts)
    reject, _ = bh_adjust([shifts[n].p_value for n in names], settings.flags.satisfaction_drop.alpha)
    sat_drop = {n for n, r in zip(names, reject) if r and shifts[n].delta_pp < 0}

    rows = []
    for dep in deps:
        c = cur.loc[dep] if dep in cur.index else None
        s = sat_cur.loc[dep] if dep in sat_cur.index else None
        flags = [f for f, on in (("surge", bool(surge.get(dep, False))), ("satisfaction_drop", dep in sat_drop),
                                 ("commend", bool(commend.get(dep, False)))) if on]
        surveyed = int(s.surveyed) if s is not None else 0
        rows.append({
            "department": dep,
            "net_complaints": int(c.net_complaints) if c is not None else 0,
            "net_complaints_prev_month": int(np.nan_to_num(c.net_complaints_prev_month)) if c is not None else 0,
            "net_complaints_prev_year": (None if c is None or pd.isna(c.net_complaints_prev_year)
                                         else int(c.net_complaints_prev_year)),
            "mom_pct": _num(c.mom_pct) if c is not None else None,
            "yoy_pct": _num(c.yoy_pct) if c is not None else None,
            "rank": int(ranks.get(dep)) if dep in ranks.index and not pd.isna(ranks.get(dep)) else len(deps),
            "surveyed": surveyed,
            "satisfaction_rate": _num(s.satisfaction_rate, 6) if surveyed else None,
            "satisfaction_ci": [_num(s.ci_low, 6), _num(s.ci_high, 6)] if surveyed else None,
            "trend": trend.direction.get(dep, "no_trend") if dep in trend.index else "no_trend",
            "flags": flags,
        })
    rows.sort(key=lambda r: (r["rank"], r["department"]))
    tw = M.weights(this)
    net_this = this["is_net_complaint"].to_numpy(dtype=bool)
    excluded = pd.Series(tw[~net_this]).groupby(this.loc[~net_this, "exclusion_reason"].astype(str).to_numpy()).sum()
    if topics is None:
        rows_m = this if month_orders is None else M.flag_net(M.with_month(month_orders), settings)
        rows_m = rows_m[rows_m[S.DEPARTMENT].isin(deps) & rows_m["is_net_complaint"].to_numpy(dtype=bool)]
        cats = (rows_m.groupby(S.DEPARTMENT, observed=True)[S.CATEGORY_L2]
                .agg(lambda c: c.value_counts().head(settings.ranking.top_n).index.tolist()))
        topics = [{"department": dep, "topics": [str(t) for t in cats[dep]]} for dep in deps if dep in cats.index]
    rules = settings.to_dict()
    summary = {
        "dataset": dataset,
        "month": str(m),
        "generated_by": f"hotline_analysis {__version__}",
        "rules": {k: rules[k] for k in ("net_complaint", "flags", "change", "trend", "topics")},
        "ledger": {"records": int(tw.sum()), "net_complaints": int(tw[net_this].sum()),
                   "excluded": {k: int(v) for k, v in excluded.items()}},
        "departments": rows,
        "flags": {f: [r["department"] for r in rows if f in r["flags"]]
                  for f in ("surge", "satisfaction_drop", "commend")},
        "topics": topics,
    }
    return validate_summary(summary)
