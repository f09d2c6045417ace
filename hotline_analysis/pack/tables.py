"""The month result's tables as a reader sees them: headers and values in the pack's language, numbers rounded
as displayed. The pages, the workbook and the slides all show these frames, so they cannot disagree."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import labels as L
from . import text


def _round(s: pd.Series, digits: int) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").round(digits)


def _pct(s: pd.Series, digits: int = 2) -> pd.Series:
    return _round(pd.to_numeric(s, errors="coerce") * 100, digits)


def _headed(t: pd.DataFrame, lang: str) -> pd.DataFrame:
    return t.rename(columns=L.headers(lang)).reset_index(drop=True)


def departments(report, lang: str) -> pd.DataFrame:
    """Rank, department, net complaints with last month, a year ago and the changes, satisfaction, trend, flags."""
    d = report.departments
    sat = report.satisfaction.set_index("department")
    digits = report.settings.change.decimals
    t = pd.DataFrame({
        "rank": d["rank"], "department": d.department, "net_complaints": d.net_complaints,
        "prev_month": d.prev_month, "mom_pct": _round(d.mom_pct, digits), "prev_year": d.prev_year,
        "yoy_pct": _round(d.yoy_pct, digits), "surveyed": d.department.map(sat.surveyed).fillna(0).astype(int),
        "satisfaction_rate": _pct(d.department.map(sat.satisfaction_rate)),
        "trend": d.trend.map(lambda v: L.word("trend", v, lang)),
        "flags": [L.words("flag", [f for f in ("surge", "satisfaction_drop", "commend") if getattr(r, f)], lang)
                  for r in d.itertuples()],
    })
    return _headed(t, lang)


def breakdown(report, dimension: str, lang: str) -> pd.DataFrame:
    """All orders of the month by one dimension (request type, channel, district) with share and changes."""
    b = report.breakdowns[report.breakdowns.dimension == dimension]
    digits = report.settings.change.decimals
    t = pd.DataFrame({"value": [L.value_label(dimension, v, lang) for v in b.value], "records": b.records,
                      "share": _pct(b.share, 1), "prev_month": b.prev_month, "mom_pct": _round(b.mom_pct, digits),
                      "prev_year": b.prev_year, "yoy_pct": _round(b.yoy_pct, digits)})
    return _headed(t.rename(columns={"value": "value"}), lang).rename(
        columns={L.headers(lang)["value"]: L.word("dimension", dimension, lang)})


def satisfaction(report, lang: str) -> pd.DataFrame:
    """Call-back satisfaction per department with its interval, contact and resolution, and the shift."""
    s = report.satisfaction
    ci = [f"{lo * 100:.2f}–{hi * 100:.2f}" if not np.isnan(lo) else "" for lo, hi in zip(s.ci_low, s.ci_high)]
    t = pd.DataFrame({"department": s.department, "surveyed": s.surveyed,
                      "satisfaction_rate": _pct(s.satisfaction_rate), "ci": ci,
                      "contact_rate": _pct(s.contact_rate, 1), "resolution_rate": _pct(s.resolution_rate, 1),
                      "delta_pp": _round(s.delta_pp, 2),
                      "significant": s.significant.fillna(False).map(lambda v: L.word("bool", bool(v), lang))})
    return _headed(t, lang)


def long_trends(report, lang: str) -> pd.DataFrame:
    """Seasonal Mann-Kendall per department (the appendix's longer view)."""
    t = report.long_trends
    out = pd.DataFrame({"department": t.department, "slope_per_year": _round(t.slope_per_year, 1),
                        "q_value": _round(t.q_value, 3), "trend": t.direction.map(lambda v: L.word("trend", v, lang))})
    return _headed(out, lang)


def issues(report, lang: str, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Issues per department (default: the top issues) with keywords, counts, change and examples."""
    t = report.issues if frame is None else frame
    sep = "、" if lang == "zh" else ", "
    out = pd.DataFrame({"department": t.department, "rank": t["rank"], "label": t.label,
                        "keywords": t.keywords.map(lambda k: sep.join(k)), "orders": t.orders,
                        "baseline_mean": _round(t.baseline_mean, 1), "change": _round(t.change, 1),
                        "emerging": t.emerging.map(lambda v: L.word("bool", True, lang) if v else ""),
                        "category": t.category, "examples": t.examples.map(lambda e: " / ".join(e))})
    return _headed(out, lang)


def actions(report, lang: str) -> pd.DataFrame:
    """Who is called and who is commended, and why."""
    a = report.actions
    out = pd.DataFrame({"department": a.department, "action": a.action.map(lambda v: L.word("action", v, lang)),
                        "reasons": a.reasons.map(lambda r: L.words("reason", r, lang))})
    return _headed(out, lang)


def questions(report, lang: str, example: bool = True) -> pd.DataFrame:
    """The question list: department, why it is listed, number, the question as a sentence."""
    q = report.questions
    k = report.settings.topics.baseline_months
    out = pd.DataFrame({"department": q.department, "why": q.why.map(lambda r: L.words("reason", r, lang)),
                        "rank": q["rank"], "question": [text.question(r, k, lang, example) for r in q.itertuples()]})
    return _headed(out, lang)


def lookback(b: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The look-back verdicts (:func:`hotline_analysis.reviews.lookback`) with the rate ratio after/before and
    its interval."""
    ci = [f"{lo:.2f}–{hi:.2f}" if not pd.isna(lo) else "" for lo, hi in zip(b.ci_low, b.ci_high)]
    out = pd.DataFrame({"department": b.department, "supervised": b.supervised, "months_after": b.months_after,
                        "rate_ratio": _round(b.rate_ratio, 2), "ci": ci,
                        "verdict": b.verdict.map(lambda v: L.word("verdict", v, lang))})
    return _headed(out, lang).rename(columns={L.headers(lang)["ci"]: "95%置信区间" if lang == "zh" else "95% interval"})


def overview(report, lang: str) -> pd.DataFrame:
    """The headline block as a two-column table (the workbook's first sheet)."""
    lines = text.headline(report, lang)
    return _headed(pd.DataFrame({"item": range(1, len(lines) + 1), "figure": lines}), lang)


def annual(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The annual review table (:func:`hotline_analysis.reviews.annual_review`) as displayed."""
    out = pd.DataFrame({"rank": table["rank"], "department": table.department, "annual": table.annual,
                        "previous": table.previous, "change_pct": _round(table.change_pct, 1),
                        "candidate": table.candidate.map(lambda v: L.word("bool", bool(v), lang))})
    return _headed(out, lang)
