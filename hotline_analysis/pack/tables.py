"""The month result's tables as a reader sees them: headers and values in the pack's language, numbers rounded
as displayed. The pages, the workbook and the slides all show these frames, so they cannot disagree."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import labels as L
from .. import metrics as M
from .. import schema as S
from ..month import FLAGS
from . import text


def _round(s: pd.Series, digits: int) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").round(digits)


def _pct(s: pd.Series, digits: int = 2) -> pd.Series:
    return _round(pd.to_numeric(s, errors="coerce") * 100, digits)


def _names(s: pd.Series, lang: str) -> pd.Series:
    return s.map(lambda v: L.name(v, lang))


def _headed(t: pd.DataFrame, lang: str) -> pd.DataFrame:
    return t.rename(columns=L.headers(lang)).reset_index(drop=True)


def absent_note(report, measure: str, lang: str, label: str | None = None) -> pd.DataFrame:
    """The table of a measure the export lacks: one row saying it is not in this export and which columns it
    needs (``attrs["absent"]`` marks it, so a page shows it as a sentence), never an empty table."""
    note = (f"{label or _measure_name(measure, lang)}{'：' if lang == 'zh' else ': '}"
            f"{text.absent_reason(report, measure, lang)}")
    t = pd.DataFrame({L.headers(lang)["note"]: [note]})
    t.attrs.update(absent=measure, sentence=note + ("。" if lang == "zh" else "."))
    return t


def _measure_name(measure: str, lang: str) -> str:
    """A measure's name without its unit: 按期办结率, Closed on time."""
    return L.word("handling", measure, lang).split("（")[0].split(" (")[0]


def too_few(lang: str) -> str:
    """What a rate on too few call-backs shows instead of a number."""
    return "样本不足" if lang == "zh" else "too few"


def _sat_rate(rate: pd.Series, enough: pd.Series, lang: str) -> pd.Series:
    """Satisfaction in percent, or "样本不足" where there are too few call-backs."""
    shown = _pct(rate).astype(object)
    return shown.where(enough.fillna(False).astype(bool), too_few(lang)).where(rate.notna(), None)


def _signed(s: pd.Series, digits: int, unit: str = "", rule: str = "half_up") -> pd.Series:
    """A change column as figures with their sign (:func:`hotline_analysis.pack.text.signed`); None where
    missing."""
    return pd.Series([text.signed(v, digits, unit, rule) for v in pd.to_numeric(s, errors="coerce")],
                     index=s.index, dtype=object)


def uncompared(index, lang: str) -> pd.Series:
    """A change column of an incomplete month: "not comparable" (:func:`hotline_analysis.pack.text.not_comparable`)
    in every row."""
    return pd.Series(text.not_comparable(lang), index=index, dtype=object)


def changes(report, pct: pd.Series, current: pd.Series, base: pd.Series, lang: str) -> pd.Series:
    """A change column as displayed: the percent, rounded, with its sign (:func:`_signed`); on a base below ``change.min_base`` "new" (a base of
    0) or "n/a" (:func:`hotline_analysis.metrics.change_pct`, :func:`hotline_analysis.pack.text.small_base`); in
    an incomplete month (:func:`hotline_analysis.pack.text.incomplete`) "not comparable" in every row."""
    if text.incomplete(report):
        return uncompared(pct.index, lang)
    _, status = M.change_pct(current, base, report.settings.change.min_base)
    words = pd.Series([text.small_base(s, lang) for s in status], index=pct.index, dtype=object)
    change = report.settings.change
    return _signed(pct, change.decimals, rule=change.rounding).where(pct.notna(), words)


def departments(report, lang: str) -> pd.DataFrame:
    """Rank, department, net complaints with last month, a year ago and the changes ("new", "n/a" on a small
    base; "not comparable" in an incomplete month: :func:`changes`), satisfaction, trend (with its window) and
    flags."""
    d = report.departments
    sat = report.satisfaction.set_index("department")
    t = pd.DataFrame({
        "rank": d["rank"], "department": _names(d.department, lang), "net_complaints": d.net_complaints,
        "prev_month": d.prev_month, "mom_pct": changes(report, d.mom_pct, d.net_complaints, d.prev_month, lang),
        "prev_year": d.prev_year, "yoy_pct": changes(report, d.yoy_pct, d.net_complaints, d.prev_year, lang),
        "surveyed": d.department.map(sat.surveyed).fillna(0).astype(int),
        "satisfaction_rate": _sat_rate(d.department.map(sat.satisfaction_rate),
                                       d.department.map(sat.enough_sample), lang),
        "trend": ([text.not_judged_cell(lang)] * len(d) if text.incomplete(report) else  # the notice says why
                  [text.trend_word(r, lang) for r in d.itertuples()]),
        "flags": [L.words("flag", [f for f in FLAGS if getattr(r, f)], lang)
                  for r in d.itertuples()],
    })
    if "satisfaction_rate" in report.absent:  # not in this export: no column of blanks
        t = t.drop(columns=["surveyed", "satisfaction_rate"])
    return _headed(t, lang)


def breakdown(report, dimension: str, lang: str) -> pd.DataFrame:
    """All orders of the month by one dimension (request type, channel, district) with share and changes;
    missing values are their own row ("unknown") inside the shares; changes as :func:`changes` shows them."""
    b = report.breakdowns[report.breakdowns.dimension == dimension]
    values = [L.value_label(dimension, v, lang) for v in b.value]
    t = pd.DataFrame({"value": [L.name(v, lang) for v in values] if dimension == S.DISTRICT else values,
                      "records": b.records, "share": _pct(b.share, 1), "prev_month": b.prev_month,
                      "mom_pct": changes(report, b.mom_pct, b.records, b.prev_month, lang), "prev_year": b.prev_year,
                      "yoy_pct": changes(report, b.yoy_pct, b.records, b.prev_year, lang)})
    return _headed(t, lang).rename(columns={L.headers(lang)["value"]: L.word("dimension", dimension, lang)})


def satisfaction(report, lang: str) -> pd.DataFrame:
    """Call-back satisfaction per department: call-backs, rate ("样本不足" under the minimum) with its interval,
    the difference to the rest of the city, the change on last month ("not comparable" in every row of an
    incomplete month, as :func:`changes`) and whether it is significant (never on too few call-backs, "not judged"
    in an incomplete month,
    :func:`hotline_analysis.pack.text.judged_shifts`); one row saying it is not in this export when the export has
    no satisfaction."""
    if "satisfaction_rate" in report.absent:
        return absent_note(report, "satisfaction_rate", lang, "满意率" if lang == "zh" else "Call-back satisfaction")
    s = report.satisfaction.sort_values(["enough_sample", "satisfaction_rate"], ascending=[False, True])
    ci = [f"{lo * 100:.2f}–{hi * 100:.2f}" if ok and not np.isnan(lo) else ""
          for lo, hi, ok in zip(s.ci_low, s.ci_high, s.enough_sample)]
    yes, no = L.word("bool", True, lang), ""
    enough = s.enough_sample.fillna(False).astype(bool)
    delta = _signed(s.delta_pp, 2).where(enough, None)
    significant = s.department.isin(text.judged_shifts(report).department).map(lambda v: yes if v else no)
    if text.incomplete(report):  # part of a month against a whole one: no change shown, none judged
        delta, significant = uncompared(s.index, lang), pd.Series(text.not_judged_cell(lang), index=s.index)
    t = pd.DataFrame({"department": _names(s.department, lang), "surveyed": s.surveyed,
                      "satisfaction_rate": _sat_rate(s.satisfaction_rate, s.enough_sample, lang), "ci": ci,
                      "vs_city_pp": _signed(s.vs_city_pp, 2).where(enough, None),
                      "delta_pp": delta,
                      "significant": significant,
                      "below_standard": s.below_standard.fillna(False).map(lambda v: yes if v else no)})
    return _headed(t, lang)


def long_trends(report, lang: str) -> pd.DataFrame:
    """Seasonal Mann-Kendall per department (the appendix's longer view; in an incomplete month over the months up
    to the one before, as the page says: :func:`hotline_analysis.pack.text.appendix_months`); a department with
    fewer months than the test needs (:data:`hotline_analysis.month.build.MK_MIN_MONTHS`) is "not tested", never
    "no clear change"."""
    from ..month.build import MK_MIN_MONTHS

    t = report.long_trends
    verdict = [text.untested(int(n), MK_MIN_MONTHS, lang) if n < MK_MIN_MONTHS else L.word("trend", v, lang)
               for n, v in zip(t.months, t.direction)]
    out = pd.DataFrame({"department": _names(t.department, lang), "slope_per_year": _signed(t.slope_per_year, 1),
                        "q_value": _round(t.q_value, 3), "trend": verdict})
    return _headed(out, lang)


def issues(report, lang: str, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Issues per department (default: the top issues, departments in rank order) with keywords, counts, change
    ("not comparable" in an incomplete month) and examples; no columns when the export has neither text nor
    categories (``topics_from`` ``none``: the page says so). Columns that cannot hold a value are left out: for
    issues that are the export's categories their keywords, main category and examples; the months before
    when the issues were counted without them (``--topics categories``); "rising significantly" when nothing
    was judged rising (an incomplete month, or no months before: :func:`hotline_analysis.pack.text.no_emerging`
    says why)."""
    if report.topics_from == "none":
        return pd.DataFrame()
    t = report.issues if frame is None else frame
    sep = "、" if lang == "zh" else ", "
    change = (pd.Series(text.not_comparable(lang), index=t.index, dtype=object) if text.incomplete(report)
              else _signed(t.change, 1))
    out = pd.DataFrame({"department": _names(t.department, lang), "rank": t["rank"],
                        "label": [text.issue_label(x, c, lang) for x, c in zip(t.label, t.category)],
                        "keywords": t.keywords.map(lambda k: sep.join(k)), "orders": t.orders,
                        "baseline_mean": _round(t.baseline_mean, 1), "change": change,
                        "emerging": t.emerging.map(lambda v: L.word("bool", True, lang) if v else ""),
                        "category": _names(t.category, lang), "examples": t.examples.map(lambda e: " / ".join(e))})
    gone = []
    if report.topics_from == "categories":
        gone += ["keywords", "category", "examples"]
    if len(report.issues) and report.issues.baseline_mean.isna().all():
        gone += ["baseline_mean", "change"]
    if text.incomplete(report) or gone[-1:] == ["change"]:
        gone.append("emerging")
    return _headed(out.drop(columns=gone), lang)


def noted(t: pd.DataFrame, sentence: str, lang: str) -> pd.DataFrame:
    """``t``, or when it has no row, one row saying why (a page shows it as the sentence, as
    :func:`absent_note`), never a bare header."""
    if len(t):
        return t
    out = pd.DataFrame({L.headers(lang)["note"]: [sentence.rstrip("。.")]})
    out.attrs.update(sentence=sentence)
    return out


def emerging(report, lang: str) -> pd.DataFrame:
    """The emerging issues (:func:`issues`), or one row saying why there are none
    (:func:`hotline_analysis.pack.text.no_emerging`)."""
    return noted(issues(report, lang, report.emerging) if len(report.emerging) else pd.DataFrame(),
                 text.no_emerging(report, lang), lang)


def action_table(report, lang: str) -> pd.DataFrame:
    """The action list (:func:`actions`), or one row saying why it names nobody: none found, or what could not be
    judged (:func:`hotline_analysis.pack.text.no_actions`)."""
    return noted(actions(report, lang), text.no_actions(report, lang), lang)


def actions(report, lang: str) -> pd.DataFrame:
    """Who is proposed for a special inquiry and who is commended, with the figures behind each."""
    a = report.actions
    out = pd.DataFrame({"department": _names(a.department, lang),
                        "action": a.action.map(lambda v: L.word("action", v, lang)),
                        "reasons": [text.reasons(report, d, r, lang) for d, r in zip(a.department, a.reasons)]})
    return _headed(out, lang)


def questions(report, lang: str, example: bool = True) -> pd.DataFrame:
    """The question list: department, why it is listed, number (blank for a department without an issue), the
    question as a sentence."""
    q = report.questions
    k, least = report.settings.topics.baseline_months, report.settings.topics.min_question_orders
    partial = text.incomplete(report)
    rank = pd.array([r if r else pd.NA for r in q["rank"]], dtype="Int64")  # rank 0: no issue, no number
    out = pd.DataFrame({"department": _names(q.department, lang),
                        "why": [text.reasons(report, d, r, lang) for d, r in zip(q.department, q.why)],
                        "rank": rank, "question": [text.question(r, k, lang, example, least, report.topics_from, partial)
                                                   for r in q.itertuples()]})
    return _headed(out, lang)


def lookback(b: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The look-back verdicts (:func:`hotline_analysis.reviews.lookback`) with the rate ratio after/before and
    its interval."""
    ci = [f"{lo:.2f}–{hi:.2f}" if np.isfinite([lo, hi]).all() else "" for lo, hi in
          zip(pd.to_numeric(b.ci_low), pd.to_numeric(b.ci_high))]
    out = pd.DataFrame({"department": _names(b.department, lang), "supervised": b.supervised,
                        "months_after": b.months_after, "rate_ratio": _round(b.rate_ratio, 2), "ratio_ci": ci,
                        "verdict": b.verdict.map(lambda v: L.word("verdict", v, lang))})
    return _headed(out, lang)


def annual(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The annual review table (:func:`hotline_analysis.reviews.annual_review`) as displayed: the change on the
    year before with its 95% interval (of the rise test, :func:`hotline_analysis.count_models.year_on_year`) and
    why a unit is a candidate; without the previous year's columns when the store does not hold that year (the
    page says so)."""
    ci = [text.change_interval(lo, hi, lang) for lo, hi in zip(table.ci_low, table.ci_high)]
    why = [("；" if lang == "zh" else "; ").join(L.word("candidacy", k, lang) for k, on in
                                                  (("top_n", top), ("significant_rise", rise)) if on)
           for top, rise in zip(table.top_n.astype(bool), table.significant_rise.astype(bool))]
    out = pd.DataFrame({"rank": table["rank"], "department": _names(table.department, lang), "annual": table.annual,
                        "previous": table.previous, "change_pct": _signed(table.change_pct, 1), "change_ci": ci,
                        "candidate": why})
    if len(table) and table.previous.isna().all():
        out = out.drop(columns=["previous", "change_pct", "change_ci"])
    return _headed(out, lang)


def overview(report, lang: str) -> pd.DataFrame:
    """The headline block as a two-column table (the workbook's first sheet)."""
    lines = text.headline(report, lang)
    return _headed(pd.DataFrame({"item": range(1, len(lines) + 1), "figure": lines}), lang)


#: A handling column shown under another measure's name (column -> the measure of
#: :data:`hotline_analysis.handling.NEEDS` that must be in the export to show it); others are their own measure.
MEASURE_OF = {"on_time_mom_pp": "on_time_rate", "carried_over": "open", "open_stale": "open",
              "extensions": "extension_requested",
              "composite_rank": "composite", "grade": "composite", "handled_directly": "direct_share"}


def _shown(column: str, report) -> bool:
    """Whether the export holds what a handling column needs (the standards missed: one of the measures judged)."""
    if column == "standards_missed":
        return not {"on_time_rate", "reassign_rate"} <= set(report.absent)
    return MEASURE_OF.get(column, column) not in report.absent


def _missed(r, lang: str) -> str:
    return L.words("standard", [c for c in ("slow", "reassign_high") if bool(getattr(r, c))], lang)


def handling(report, lang: str) -> pd.DataFrame:
    """办理情况 per unit this month, the slowest first: dispatched, on-time closure with its change on last month,
    early and in-month closure, response, reassignment, open and overdue at month end, carried over, extensions,
    escalations, the three-rate composite with its rank (1: highest) and grade, the standards missed. Measures the export lacks are
    left out (the page names them), never shown as blanks or zeros."""
    h = report.handling
    now = h[h.month == report.month].sort_values(["on_time_rate", "department"], na_position="last")
    prev = h[h.month == report.month - 1].set_index("department").on_time_rate
    ext = [f"{int(a)}/{int(b)}" if pd.notna(a) and pd.notna(b) else None
           for a, b in zip(now.extension_requested, now.extension_granted)]
    mom = _signed((now.on_time_rate - now.department.map(prev)) * 100, 2)
    if text.incomplete(report):  # part of a month against a whole one: no change
        mom = uncompared(now.index, lang)
    t = pd.DataFrame({
        "department": _names(now.department, lang), "dispatched": now.dispatched,
        "on_time_rate": _pct(now.on_time_rate), "on_time_mom_pp": mom,
        "early_rate": _pct(now.early_rate), "closure_rate": _pct(now.closure_rate),
        "response_rate": _pct(now.response_rate), "reassign_rate": _pct(now.reassign_rate),
        "open": now.open, "open_stale": now.open_stale if "open_stale" in now else np.nan, "overdue": now.overdue,
        "carried_over": now.carried_over, "extensions": ext,
        "escalated": now.escalated, "composite": _pct(now.composite),
        "composite_rank": now.composite.rank(ascending=False, method="min").astype("Int64"), "grade": now.grade,
        "standards_missed": [_missed(r, lang) for r in now.itertuples()]})
    if not t.open_stale.fillna(0).astype(bool).any():  # none open from long ago: no column of zeros
        t = t.drop(columns="open_stale")
    t = t.rename(columns={"open_stale": stale_word(report, lang)})
    shown = [c for c in t.columns if _shown(c, report)]
    out = _headed(t[shown], lang)
    out.attrs["note"] = handling_units(shown, lang)
    return out


#: The handling table's columns that are rates in percent.
RATES = ("on_time_rate", "early_rate", "closure_rate", "response_rate", "reassign_rate", "composite")


def handling_units(columns, lang: str) -> str:
    """The units of the per-unit handling table, said once over it for the ``columns`` it shows
    (:data:`hotline_analysis.labels.HANDLING_UNITS`): 各率单位为%；较上月：…; '' when none is shown."""
    i = L.LANGS.index(lang)
    keys = (["rates"] if set(RATES) & set(columns) else []) + [k for k in ("on_time_mom_pp", "extensions") if k in columns]
    return ("；" if lang == "zh" else "; ").join(L.HANDLING_UNITS[k][i] for k in keys) + (
        ("。" if lang == "zh" else ".") if keys else "")


def stale_word(report, lang: str) -> str:
    """The open orders received before the last ``handling.stale_months`` months: 其中2020年1月以前受理."""
    since = L.month_name(report.month - report.settings.handling.stale_months + 1, lang)
    return L.word("handling", "open_stale", lang).format(since=since)


#: The city handling table's rows: (measure, kind); rates change in points, counts in percent.
CITY_MEASURES = (("dispatched", "count"), ("handled_directly", "count"), ("direct_share", "rate"),
                 ("on_time_rate", "rate"), ("early_rate", "rate"), ("closure_rate", "rate"),
                 ("response_rate", "rate"), ("reassign_rate", "rate"), ("open", "count"), ("open_stale", "count"),
                 ("overdue", "count"),
                 ("carried_over", "count"), ("extension_requested", "count"), ("extension_granted", "count"),
                 ("escalated", "count"), ("repeat_rate", "rate"), ("resolution_rate", "rate"),
                 ("satisfaction_rate", "rate"), ("dissatisfied", "count"), ("composite", "rate"))


def _points(x: float, lang: str) -> str:
    """A change of a rate in percentage points, signed: +1.25个百分点 / −1.25 pts."""
    return text.signed(x * 100, 2, text.POINTS[lang])


def city_handling(report, lang: str) -> pd.DataFrame:
    """The city's handling this month against last month and a year ago (rates in percent with changes in
    points; counts with changes in percent, "new" or "n/a" on a base below ``change.min_base`` as
    :func:`changes`; "n/a" where the base month is not known: not in the store, or for 上月结转 the month before
    it not either; "not comparable" in an incomplete month, :func:`hotline_analysis.pack.text.incomplete`);
    measures the export lacks are left out."""
    c = report.city_handling.set_index("month")
    m, mb, digits = report.month, report.settings.change.min_base, report.settings.change.decimals
    partial = text.incomplete(report)
    rows = []
    for measure, kind in CITY_MEASURES:
        if not _shown(measure, report) or measure not in c:
            continue
        cur = c[measure].get(m)
        if pd.isna(cur) or (measure == "open_stale" and not cur):  # none open from long ago: no row of 0
            continue
        before = [c[measure].get(p) for p in (m - 1, m - 12)]
        if kind == "rate":
            shown = [round(cur * 100, 2), *(_points(cur - b, lang) if pd.notna(b) else text.small_base("n/a", lang)
                                            for b in before)]
        else:
            changed = [M.change_pct([cur], [np.nan if pd.isna(b) else b], mb) for b in before]
            shown = [int(cur), *(text.signed(p[0], digits, "%", report.settings.change.rounding) if st[0] == "ok" else text.small_base(st[0], lang)
                                 for p, st in changed)]
        if partial:
            shown[1:] = [text.not_comparable(lang)] * 2
        rows.append((stale_word(report, lang) if measure == "open_stale" else L.word("handling", measure, lang),
                     *shown))
    t = pd.DataFrame(rows, columns=["measure", "this_month", "mom", "yoy"], dtype=object)  # counts stay whole
    return _headed(t, lang)


def overdue(report, lang: str) -> pd.DataFrame:
    """The orders of the report's units open longest past their due time at the month's end (the page says whose,
    :func:`hotline_analysis.pack.text.overdue_scope`); one row saying it is not in this export when the export has
    no due or closing times, or that none was overdue (:func:`noted`)."""
    if "overdue" in report.absent:
        return absent_note(report, "overdue", lang)
    o = report.overdue
    t = pd.DataFrame({"order_id": o.order_id, "department": _names(o.department, lang),
                      "received_at": o.received_at.dt.strftime("%Y-%m-%d %H:%M"),
                      "due_at": o.due_at.dt.strftime("%Y-%m-%d %H:%M"), "days_overdue": o.days_overdue})
    return noted(_headed(t, lang), text.overdue_none(report, lang), lang)
