"""``summary.json``: the month result's key figures in the contract other tools rely on, validated against the
JSON Schema shipped in ``resources/summary.schema.json``."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import pandas as pd

from .. import metrics as M
from . import FLAGS



@lru_cache(maxsize=1)
def summary_schema() -> dict:
    """The JSON Schema of ``summary.json``."""
    return json.loads(resources.files("hotline_analysis.resources").joinpath("summary.schema.json").read_text("utf-8"))


def validate_summary(summary: dict) -> dict:
    """Raise ``jsonschema.ValidationError`` when ``summary`` breaks the contract; return it otherwise."""
    import jsonschema  # about 1 s to import: not for every page's kernel

    jsonschema.validate(summary, summary_schema())
    return summary


def _pct(x, change) -> float | None:
    """A percentage rounded as the settings say (half up or truncated), None when missing."""
    return None if pd.isna(x) else M.round_pct(float(x), change.decimals, change.rounding)


def _rate(x) -> float | None:
    return None if pd.isna(x) else round(float(x), 6)


def _department(d, change, surveyed_known: bool = True, comparable: bool = True, min_surveyed: int = 0) -> dict:
    """A department's figures; ``surveyed_known`` False when the export has no satisfaction (surveyed null, not
    0: nothing was surveyed that the export records); ``comparable`` False in an incomplete month (the changes
    null: its reason is the ledger's ``completeness``, stated once). A rate on fewer than ``min_surveyed``
    call-backs is given as measured but not judged (``satisfaction_judged`` false, with the reason): no change
    on last month rests on it (nor a satisfaction-drop flag, which the month's build does not raise)."""
    surveyed = (int(d.surveyed) if not pd.isna(d.surveyed) else 0) if surveyed_known else None
    judged = surveyed is not None and surveyed >= min_surveyed
    return {
        "department": d.department,
        "net_complaints": int(d.net_complaints),
        "net_complaints_prev_month": None if pd.isna(d.prev_month) else int(d.prev_month),
        "net_complaints_prev_year": None if pd.isna(d.prev_year) else int(d.prev_year),
        "mom_pct": _pct(d.mom_pct, change) if comparable else None,
        "yoy_pct": _pct(d.yoy_pct, change) if comparable else None,
        "rank": int(d.rank),
        "surveyed": surveyed,
        "satisfaction_rate": _rate(d.satisfaction_rate) if surveyed else None,
        "satisfaction_ci": [_rate(d.ci_low), _rate(d.ci_high)] if surveyed else None,
        "satisfaction_judged": judged,
        "satisfaction_not_judged_reason": None if judged else _too_few(surveyed, min_surveyed),
        "satisfaction_change_pp": _points(d.delta_pp) if judged and comparable else None,
        "trend": d.trend if d.complete else None,  # not judged from an incomplete month: incomplete_reason says why
        "trend_not_judged_reason": None if d.complete else f"month incomplete: {d.incomplete_reason}",
        "complete": bool(d.complete),
        "incomplete_reason": d.incomplete_reason or None,
        "flags": [f for f in FLAGS if bool(getattr(d, f))],  # none on too few call-backs: month.build
    }


def _points(x) -> float | None:
    """A change of a rate in percentage points, as the pages round it."""
    return None if pd.isna(x) else round(float(x), 2)


def _too_few(surveyed: int | None, least: int) -> str:
    """Why a unit's satisfaction is not judged: no satisfaction column, or fewer call-backs than a rate needs."""
    if surveyed is None:
        return "not in this export: needs satisfaction"
    return f"too few call-backs to judge: {surveyed}, fewer than the {least} needed"


#: The handling figures of summary.json (rates as fractions, counts as integers).
HANDLING_RATES = ("on_time_rate", "early_rate", "closure_rate", "response_rate", "reassign_rate", "repeat_rate",
                  "resolution_rate", "satisfaction_rate", "composite")
HANDLING_COUNTS = ("dispatched", "open", "overdue", "carried_over", "extension_requested", "extension_granted",
                   "escalated", "dissatisfied")


def _count(x) -> int | None:
    return None if pd.isna(x) else int(x)


def _handling_figures(row, absent=()) -> dict:
    """A row of the handling table as summary.json gives it; a measure of ``absent`` (the month result's) null,
    as the pages leave it out, whatever the row holds."""
    out = {k: _rate(getattr(row, k)) for k in HANDLING_RATES} | {k: _count(getattr(row, k)) for k in HANDLING_COUNTS}
    out |= {"grade": row.grade if isinstance(row.grade, str) else None,
            "open_stale": _count(getattr(row, "open_stale", None))}
    of = {"carried_over": "open", "open_stale": "open", "grade": "composite"}
    return {k: None if of.get(k, k) in absent else v for k, v in out.items()}


def _handling(report) -> dict:
    """The city's handling this month (with last month's on-time rate and open orders, and the satisfaction of
    reasonable requests), what the export lacks, the standards and the units below them, and the oldest overdue
    orders. A measure the export lacks is null with its reason under ``absent``: so are the lists of units below
    its standard and of overdue orders, never an empty list that would read as "none"."""
    from ..handling import NEEDS

    city = report.city_handling.set_index(M.MONTH)
    now = city.loc[report.month]
    prev = city.loc[report.month - 1] if report.month - 1 in city.index else None
    h = report.handling[report.handling[M.MONTH] == report.month]
    hs = report.settings.handling
    return {
        "city": _handling_figures(now, report.absent) | {
            "handled_directly": _count(now.handled_directly), "direct_share": _rate(now.direct_share),
            "on_time_rate_prev_month": None if prev is None else _rate(prev.on_time_rate),
            "open_prev_month": None if prev is None or "open" in report.absent else _count(prev.open),
            "stale_months": hs.stale_months,
            "reasonable_satisfaction_rate": _reasonable_rate(report)},
        "absent": {m: _absent_reason(cols, report.empty_columns) for m, cols in report.absent.items() if m in NEEDS},
        "standards": hs.standards.to_dict() | {"satisfaction": report.settings.satisfaction.standard},
        "composite_weights": hs.composite_weights.to_dict() | {"source": hs.weights_source_en},
        "below_standard": {
            "on_time": None if "on_time_rate" in report.absent else h.loc[h.slow.astype(bool), "department"].tolist(),
            "reassign": (None if "reassign_rate" in report.absent
                         else h.loc[h.reassign_high.astype(bool), "department"].tolist())},
        "oldest_overdue": None if "overdue" in report.absent else [
            {"order_id": str(o.order_id), "department": None if pd.isna(o.department) else o.department,
             "days_overdue": int(o.days_overdue)} for o in report.overdue.itertuples()],
    }


def _flags_not_judged(report) -> dict:
    """Why a flag's list is empty without a judgement (None where it was judged): an incomplete month judges no
    surge, commendation or satisfaction drop; without call-backs there is no satisfaction drop."""
    c = report.ledger.get("completeness") or {}
    month = None if c.get("complete", True) else f"month incomplete: {c.get('reason')}"
    sat = (_absent_reason(report.absent["satisfaction_rate"], report.empty_columns)
           if "satisfaction_rate" in report.absent else None)
    return {"surge": month, "commend": month, "satisfaction_drop": month or sat}


def _absent_reason(columns: list[str], empty) -> str:
    """Why a measure is null: the columns the export lacks ("not in this export: needs ...") and those it has
    that are empty this month ("empty this month: ...")."""
    lacking, blank = [c for c in columns if c not in empty], [c for c in columns if c in empty]
    return "; ".join(([f"not in this export: needs {', '.join(lacking)}"] if lacking else [])
                     + ([f"empty this month: {', '.join(blank)}"] if blank else []))


def _reasonable_rate(report) -> float | None:
    """The city's satisfaction of reasonable requests (合理诉求办理结果满意率) this month; None when the export
    does not say which requests are reasonable (or has no call-backs)."""
    now = None if "reasonable_satisfaction_rate" in report.absent else _city_row(report, "reasonable")
    return None if now is None else _rate(now.satisfaction_rate)


def _city_satisfaction(report) -> dict | None:
    """The whole hotline's call-back satisfaction this month (every call-back, as the headline gives it; the
    handling figures count dispatched orders only); None without a satisfaction column or call-backs."""
    r = None if "satisfaction_rate" in report.absent else _city_row(report, "all")
    if r is None:
        return None
    return {"surveyed": int(r.surveyed), "rate": _rate(r.satisfaction_rate), "ci": [_rate(r.ci_low), _rate(r.ci_high)]}


def _city_row(report, measure: str):
    """This month's row of the city's satisfaction (``measure`` ``all`` or ``reasonable``), or None."""
    c = report.city_satisfaction
    now = c[(c.measure == measure) & (c[M.MONTH] == report.month)]
    return None if now.empty else now.iloc[0]


def _topics(report) -> list[dict]:
    out = []
    for dep in report.supervised:
        g = report.issues[report.issues.department == dep].sort_values("rank")
        if g.empty:
            continue
        out.append({"department": dep, "topics": [str(x) for x in g.label],
                    "issues": [{"label": str(r.label), "keywords": [str(k) for k in r.keywords],
                                "orders": int(r.orders), "emerging": bool(r.emerging)} for r in g.itertuples()]})
    return out


def summary_dict(report) -> dict:
    """See :meth:`hotline_analysis.month.MonthReport.to_json`."""
    s = report.settings
    sat = report.satisfaction.set_index("department")
    deps = report.departments.assign(
        surveyed=report.departments.department.map(sat.surveyed),
        satisfaction_rate=report.departments.department.map(sat.satisfaction_rate),
        ci_low=report.departments.department.map(sat.ci_low),
        ci_high=report.departments.department.map(sat.ci_high),
        delta_pp=report.departments.department.map(sat.delta_pp))
    comparable = report.ledger.get("completeness", {}).get("complete", True)
    rows = [_department(d, s.change, "satisfaction_rate" not in report.absent, comparable,
                        s.satisfaction.min_surveyed) for d in deps.itertuples()]
    h = report.handling[report.handling[M.MONTH] == report.month].set_index("department")
    for r in rows:
        r["handling"] = (_handling_figures(h.loc[r["department"]], report.absent) if r["department"] in h.index
                         else None)
    rules = s.to_dict()
    summary = {
        "dataset": report.dataset,
        "month": str(report.month),
        "generated_by": report.generated_by,
        "rules": {k: rules[k] for k in ("net_complaint", "flags", "change", "trend", "topics", "satisfaction")},
        "ledger": report.ledger,
        "departments": rows,
        "flags": {**{f: [r["department"] for r in rows if f in r["flags"]] for f in FLAGS},
                  "not_judged": _flags_not_judged(report)},
        "topics": _topics(report),
        "handling": _handling(report),
        "city_satisfaction": _city_satisfaction(report),
    }
    return validate_summary(summary)
