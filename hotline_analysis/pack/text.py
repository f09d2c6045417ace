"""The sentences of a pack, in its language: the headline block, why a department is called or commended, and
the committee's questions. Every figure quoted comes from the month result."""

from __future__ import annotations

import pandas as pd

from .. import labels as L
from .. import metrics as M


def change(x, lang: str, digits: int = 1) -> str:
    """A change in percent as a bulletin writes it: 上升12.3% / 下降4.0% / 持平; rising 12.3% in English."""
    if pd.isna(x):
        return "不可比" if lang == "zh" else "not comparable"
    if round(x, digits) == 0:
        return "持平" if lang == "zh" else "unchanged"
    if lang == "zh":
        return f"{'上升' if x > 0 else '下降'}{abs(x):.{digits}f}%"
    return f"{'up' if x > 0 else 'down'} {abs(x):.{digits}f}%"


#: The minus of a change shown as a figure (U+2212: as wide as the plus beside it).
MINUS = "\u2212"


#: A change of a rate in percentage points, after its figure.
POINTS = {"zh": "个百分点", "en": " pts"}


def signed(x, digits: int = 2, unit: str = "", rule: str = "half_up") -> str | None:
    """A change as a figure, the one rule for every change column, page, slide and sheet: rounded to ``digits``
    as a bulletin does (``rule``, :func:`hotline_analysis.metrics.round_pct`: 四舍五入 unless the settings say
    truncate, as summary.json) with its sign, + or −; a change that rounds to zero has none; None where there is
    no change. A level (a count, a rate, a ratio) is never signed.

    >>> signed(10.154), signed(-8.4), signed(-0.004), signed(1234.5, 1, "%"), signed(float("nan"))
    ('+10.15', '−8.40', '0.00', '+1,234.5%', None)
    >>> signed(53.125), signed(-2.675), signed(4.4461, rule="truncate")
    ('+53.13', '−2.68', '+4.44')
    """
    if x is None or pd.isna(x):
        return None
    r = M.round_pct(float(x), digits, rule)
    sign = "+" if r > 0 else MINUS if r < 0 else ""
    return f"{sign}{abs(r):,.{digits}f}{unit}"


def change_interval(ratio_low, ratio_high, lang: str, unit: str = "") -> str:
    """The interval of a change given as a ratio's (0.7-0.9: −30% to −10%), each end a signed change in percent
    (:func:`signed`, one decimal), joined by words so two minus signs do not read as a range of dashes; '' where an
    end is missing.

    >>> change_interval(0.7, 0.9, "zh", "%"), change_interval(0.95, 1.1, "en")
    ('−30.0%至−10.0%', '−5.0 to +10.0')
    """
    lo, hi = pd.to_numeric(pd.Series([ratio_low, ratio_high]), errors="coerce")
    if pd.isna(lo) or pd.isna(hi) or abs(lo) == float("inf") or abs(hi) == float("inf"):
        return ""
    to = "至" if lang == "zh" else " to "
    return f"{signed((lo - 1) * 100, 1, unit)}{to}{signed((hi - 1) * 100, 1, unit)}"


def rate(x, lang: str) -> str:
    """A rate (0-1) in percent with two decimals."""
    return ("—" if lang == "zh" else "n/a") if pd.isna(x) else f"{x * 100:.2f}%"


def headline_satisfaction(report, lang: str) -> str:
    """The city's satisfaction line of the headline block, or a sentence saying the export has none."""
    return _city_rates(report, lang) or ("本数据无回访满意度字段，满意率无法计算" if lang == "zh" else
                                         "This export has no call-back satisfaction: no rate can be computed")


def _city_rates(report, lang: str) -> str | None:
    c = report.city_satisfaction
    if c.empty:
        return None
    m = report.month
    parts = []
    for measure, zh, en in (("all", "全市回访满意率", "City call-back satisfaction"),
                            ("reasonable", "合理诉求办理结果满意率", "for reasonable requests")):
        g = c[c.measure == measure].set_index("month").satisfaction_rate
        if m not in g.index:
            continue
        prev, year = g.get(m - 1), g.get(m - 12)
        if lang == "zh":
            parts.append(f"{zh}{rate(g[m], lang)}（上月{rate(prev, lang)}，去年同月{rate(year, lang)}）")
        else:
            parts.append(f"{en} {rate(g[m], lang)} (last month {rate(prev, lang)}, a year ago {rate(year, lang)})")
    return ("；" if lang == "zh" else "; ").join(parts) or None


def incomplete(report) -> bool:
    """Whether the month's orders are not all there for the city (the month result's ``ledger["completeness"]``,
    :class:`hotline_analysis.flags.Completeness`): its counts are then not compared with other months."""
    return not report.ledger.get("completeness", {}).get("complete", True)


def not_comparable(lang: str) -> str:
    """What a change cell of an incomplete month shows instead of a figure: the page's notice above the table and
    the workbook's first headline say why (:func:`incomplete_note`), so one line in every row is enough."""
    return "不可比" if lang == "zh" else "not comparable"


def not_judged_cell(lang: str) -> str:
    """What a verdict cell of a table reads in an incomplete month: the notice above the table says why."""
    return "未判断" if lang == "zh" else "not judged"


def not_judged(lang: str) -> str:
    """What a verdict not made from an incomplete month (trend, surge, commendation) reads instead of a count or
    "none"."""
    return L.word("trend", "incomplete", lang)


def _no_callbacks(report, lang: str) -> str:
    """That no unit had the call-backs a rate needs (``satisfaction.min_surveyed``)."""
    n = report.settings.satisfaction.min_surveyed
    return f"没有单位回访达到{n}件" if lang == "zh" else f"no unit had the {n} call-backs needed"


def too_few_callbacks(report, lang: str) -> str:
    """What the units below the satisfaction standard read when no unit had enough call-backs to judge."""
    few = _no_callbacks(report, lang)
    return f"未判断（{few}）" if lang == "zh" else f"not judged ({few} to judge)"


def callbacks_judged(report) -> bool:
    """Whether at least one unit had enough call-backs for its rate to be judged against the standard."""
    return bool(report.satisfaction.enough_sample.fillna(False).astype(bool).any())


def judged_shifts(report) -> pd.DataFrame:
    """The rows of ``report.satisfaction`` whose rate changed significantly on last month, among the units with the
    call-backs a rate needs (``satisfaction.min_surveyed``): a shift on fewer is no verdict, nor one in an
    incomplete month (none)."""
    s = report.satisfaction
    if incomplete(report):
        return s.iloc[:0]
    return s[s.significant.fillna(False).astype(bool).to_numpy() & s.enough_sample.fillna(False).astype(bool).to_numpy()]


def absent_reason(report, measure: str, lang: str) -> str:
    """A measure the export cannot give this month, naming its columns by their names in the pack's language:
    those the export lacks, and those it has that are empty this month
    (:func:`hotline_analysis.labels.not_in_export`)."""
    return L.not_in_export(report.absent[measure], lang, getattr(report, "empty_columns", ()))


#: Why an exclusion of the net-complaint measure could not be made (``net_scope`` of the month's ledger).
NOT_MADE = {"invalid": ("无效诉求（无诉求内容，无法识别）", "invalid calls (no request text to find them by)"),
            "repeat": ("重复诉求（无来电人字段，无法关联）", "repeat calls (no caller column to link them by)"),
            "unreasonable": ("不合理诉求（无合理诉求字段）", "unreasonable requests (no Reasonable request column)"),
            "returned": ("退回工单（无工单状态字段）", "returned orders (no Status column)")}
MADE = {"invalid": ("无效", "invalid"), "repeat": ("重复", "repeat"), "unreasonable": ("不合理", "unreasonable"),
        "returned": ("退回", "returned")}


def _join(words: list[str], lang: str) -> str:
    if lang == "zh":
        return "、".join(words[:-1]) + ("和" if len(words) > 1 else "") + words[-1]
    return ", ".join(words[:-1]) + (" and " if len(words) > 1 else "") + words[-1]


def net_scope(report, lang: str) -> str:
    """What the hotline's net complaints are: the request types counted and the exclusions made, and the
    exclusions the export did not allow (the month ledger's ``net_scope``; a result without it: every exclusion
    the settings enable)."""
    from ..month.build import EXCLUSIONS

    rules = report.settings.net_complaint.rules
    scope = report.ledger.get("net_scope") or {
        "type": True, "not_made": {}, "applied": [e for r, e in EXCLUSIONS.items() if getattr(rules, r)]}
    i = 0 if lang == "zh" else 1
    made = [MADE[e][i] for e in scope["applied"]]
    if scope["type"]:
        base = "投诉、举报" if lang == "zh" else "complaints and reports"
    else:
        base = ("导出数据无诉求类型，全部工单按投诉计" if lang == "zh" else
                "the export has no request type: every order counts as a complaint")
    if made:
        base += (f"，剔除{_join(made, lang)}诉求" if lang == "zh" else f", without {_join(made, lang)} ones")
    if scope["not_made"]:
        missing = _join([NOT_MADE[e][i] for e in scope["not_made"]], lang)
        base += f"；未能剔除{missing}" if lang == "zh" else f"; not excluded, for want of data: {missing}"
    return base


def incomplete_note(report, lang: str) -> str:
    """The note of every page of an incomplete month (:func:`incompleteness`): its counts are not compared."""
    return incompleteness(report, lang) + ("；本月件数与上月、去年同月和此前各月不可比，不列变化" if lang == "zh" else
                                           "; its counts are not comparable with last month, a year ago or the "
                                           "months before, so no change is shown")


#: What a change cell shows on a base below ``change.min_base`` (config/default.yaml ``change``), by status of
#: :func:`hotline_analysis.metrics.change_pct`.
SMALL_BASE = {"zh": {"new": "新增", "n/a": "—"}, "en": {"new": "new", "n/a": "n/a"}}


def small_base(status: str, lang: str) -> str | None:
    """The word for a change not computed on a small base: "new" (base 0), "n/a"; None for a computed one."""
    return SMALL_BASE[lang].get(status)


def untested(months: int, needs: int, lang: str) -> str:
    """A test not run for want of months, in place of a verdict."""
    return (f"未检验：需{needs}个月数据（现有{months}个月）" if lang == "zh" else
            f"not tested: needs {needs} months (has {months})")


def appendix_months(report, lang: str) -> str:
    """In an incomplete month, the months the appendix's seasonal Mann-Kendall test covers (up to the month before,
    :func:`hotline_analysis.month.build.long_trends`), as a sentence after the appendix's explanation; '' in a
    complete month."""
    if not incomplete(report):
        return ""
    n, last = report.settings.trend.mk_window_months, L.month_name(report.month - 1, lang)
    return (f"本月数据不完整，本表不含本月，按截至{last}的最近{n}个月检验。" if lang == "zh" else
            f" This month is incomplete: the table leaves it out and tests the last {n} months up to {last}.")


def overdue_scope(report, lang: str) -> str:
    """The sentence over the oldest overdue orders: whose orders they are (the report's units, never the other
    units of the hotline) and how many of theirs were open past due at the month's end; '' when the list is a
    sentence of its own (none overdue, or not in this export: :func:`hotline_analysis.pack.tables.overdue`)."""
    if "overdue" in report.absent or not len(report.overdue):
        return ""
    scope = report.ledger.get("unit_scope")
    h = report.handling
    total, shown = int(h.loc[h.month == report.month, "overdue"].sum()), len(report.overdue)
    of = L.unit_scope(scope, lang)[1]
    only = scope in (None, "departments")
    if lang == "zh":
        listed = "全部列于下表" if shown == total else f"下表列出其中超期最久的{shown}件"
        return (f"{of}月末超期未办结工单{total:,}件，{listed}"
                + ("（只列监督单位的工单，热线其他承办单位的不在此列）" if only else "") + "。")
    listed = "all listed below" if shown == total else f"below, the {shown} overdue longest"
    return (f"Orders of {of} open past their due time at the month's end: {total:,}; {listed}"
            + (" (only the supervised units' orders, not those of the hotline's other units)" if only else "") + ".")


def overdue_none(report, lang: str) -> str:
    """Why the list of the oldest overdue orders is empty: none of the report's units held one."""
    of = L.unit_scope(report.ledger.get("unit_scope"), lang)[1]
    return (f"{of}月末没有超期未办结的工单。" if lang == "zh" else
            f"No order of {of} was open past its due time at the month's end.")


def units(n: int, lang: str) -> str:
    """A number of units: 3个单位; 1 unit, 2 units."""
    return f"{n}个单位" if lang == "zh" else f"{n} unit{'' if n == 1 else 's'}"


def headline(report, lang: str) -> list[str]:
    """The month in a few sentences, as a bulletin opens: the supervised departments' net complaints with their
    changes and how many fell, the whole hotline with the scope of each figure, the top department with its
    count and change, the city's satisfaction, the verdicts (words: :data:`hotline_analysis.labels.HEADLINE`).
    In an incomplete month (:func:`incomplete`) the counts are given without changes or how many fell."""
    t, d = report.totals(), report.departments
    partial = incomplete(report)
    scope = L.unit_scope(report.ledger.get("unit_scope"), lang, t["departments"])
    fields = {"departments": t["departments"], "units": scope[0], "holders": scope[2],
              "net": t["net_complaints"], "yoy": change(t["yoy_pct"], lang),
              "mom": change(t["mom_pct"], lang), "fell": t["fell_mom"], "rose": t["rose_mom"],
              "records": report.ledger["records"], "hotline_net": report.ledger["net_complaints"],
              "falling": int((d.trend == "falling").sum()), "rising": int((d.trend == "rising").sum()),
              "falling_units": units(int((d.trend == "falling").sum()), lang),
              "calls": calls(report, lang),
              "commends": _count(int((report.actions.action == "commend").sum()), lang),
              "below": (_count(int(report.satisfaction.below_standard.fillna(False).sum()), lang)
                        if callbacks_judged(report) else too_few_callbacks(report, lang)),
              "not_judged": not_judged(lang), "scope": net_scope(report, lang),
              "standard": f"{report.settings.satisfaction.standard * 100:g}%",
              "hotline": L.hotline(report.settings.bulletin, lang)}
    lines = [L.sentence("totals_incomplete" if partial else "totals", lang, **fields),
             L.sentence("hotline", lang, **fields)]
    if partial:
        lines.insert(0, incompleteness(report, lang))
    if len(d):
        top = d.iloc[0]
        lines.append(L.sentence("top_incomplete" if partial else "top", lang, top=L.name(top.department, lang),
                                top_net=top.net_complaints, top_yoy=change(top.yoy_pct, lang),
                                top_mom=change(top.mom_pct, lang)))
    lines.append(handling_line(report, lang))
    lines.append(headline_satisfaction(report, lang))
    acts = "actions_only" if "satisfaction_rate" in report.absent else "actions"
    if partial:  # no trend or commendation is judged from part of a month
        fields["commends"] = not_judged(lang)
    return lines + [L.sentence("trends_incomplete" if partial else "trends", lang, **fields),
                    L.sentence(acts, lang, **fields)]


def _count(n: int, lang: str) -> str:
    """A count of units in a headline verdict: 2个; 2."""
    return f"{n}个" if lang == "zh" else str(n)


#: The grounds a unit is proposed for a special inquiry on (:func:`hotline_analysis.month.actions.action_list`).
GROUNDS = ("surge", "satisfaction_drop", "satisfaction_below", "rising", "slow", "reassign_high")
GROUND_WORDS = {"zh": {"surge": "激增", "satisfaction_drop": "满意率显著下降", "satisfaction_below": "满意率低于标准",
                       "rising": "趋势上升", "slow": "按期办结率未达标", "reassign_high": "重派率超标"},
                "en": {"surge": "surge", "satisfaction_drop": "satisfaction drop",
                       "satisfaction_below": "satisfaction below standard", "rising": "rising trend",
                       "slow": "on-time closure below standard", "reassign_high": "reassignment above standard"}}


def unjudged_grounds(report, lang: str) -> list[tuple[str, str]]:
    """The grounds of a special inquiry (:data:`GROUNDS`) this month could not judge, as (ground, why) in order:
    a measure the export lacks (or holds empty this month), no unit with the call-backs a rate needs, an
    incomplete month (no surge, trend or satisfaction drop)."""
    empty = getattr(report, "empty_columns", ())
    measure = {"satisfaction_drop": "satisfaction_rate", "satisfaction_below": "satisfaction_rate",
               "slow": "on_time_rate", "reassign_high": "reassign_rate"}
    few = _no_callbacks(report, lang)
    out = []
    for g in GROUNDS:
        m = measure.get(g)
        if m in report.absent:
            why = L.missing_columns(report.absent[m], lang, empty)
        elif m == "satisfaction_rate" and not callbacks_judged(report):
            why = few
        elif g in ("surge", "rising", "satisfaction_drop") and incomplete(report):
            why = "本月数据不完整" if lang == "zh" else "month incomplete"
        else:
            continue
        out.append((GROUND_WORDS[lang][g], why))
    return out


def not_judged_grounds(report, lang: str) -> str:
    """The grounds not judged, grouped by why: 未判断：激增和趋势上升（本月数据不完整）、…; '' when every one was."""
    groups: dict[str, list[str]] = {}
    for ground, why in unjudged_grounds(report, lang):
        groups.setdefault(why, []).append(ground)
    if not groups:
        return ""
    words = [f"{_join(g, lang)}（{why}）" if lang == "zh" else f"{_join(g, lang)} ({why})" for why, g in groups.items()]
    return ("未判断：" + "、".join(words)) if lang == "zh" else "not judged: " + ", ".join(words)


def calls(report, lang: str) -> str:
    """How many units are proposed for a special inquiry, and what could not be judged: a count of 0 is a finding
    only where its grounds were judged; with none judged, only what was not (:func:`not_judged_grounds`)."""
    n = int((report.actions.action == "call").sum())
    unjudged = not_judged_grounds(report, lang)
    if unjudged and not n and len(unjudged_grounds(report, lang)) == len(GROUNDS):
        return unjudged
    count = f"{n}个单位" if lang == "zh" else str(n)
    return (f"{count}（{unjudged}）" if lang == "zh" else f"{count}, {unjudged}") if unjudged else count


def no_actions(report, lang: str) -> str:
    """What the action list says when it names nobody: none was found, or what could not be judged."""
    if not unjudged_grounds(report, lang) and not incomplete(report):
        return ("本月没有建议专题询问或表扬的单位。" if lang == "zh" else
                "No unit is proposed for a special inquiry or commended this month.")
    commends = not_judged(lang) if incomplete(report) else _count(0, lang)
    end = "。" if lang == "zh" else "."
    return L.sentence("actions_only", lang, calls=calls(report, lang), commends=commends) + end


def no_issues(report, lang: str) -> str:
    """Why a month has no issue: the export has neither text nor a category, or no unit's complaints formed one."""
    if getattr(report, "topics_from", "text") == "none":
        return NO_ISSUES[lang] + ("。" if lang == "zh" else ".")
    return "本月各单位的投诉没有形成问题。" if lang == "zh" else "No unit's complaints formed an issue this month."


#: What the emerging issues say when none is emerging (:func:`no_emerging`).
NO_EMERGING = {"zh": "本月没有显著上升的问题。", "en": "No issue rose significantly this month."}


def no_emerging(report, lang: str) -> str:
    """Why no issue is emerging: the export has no issues, the month is incomplete (none judged), the issues were
    counted by category without the months before (none tested), or none rose."""
    if getattr(report, "topics_from", "text") == "none":
        return NO_ISSUES[lang] + ("。" if lang == "zh" else ".")
    if incomplete(report):
        return ("本月数据不完整，不判断问题是否显著上升。" if lang == "zh" else
                "The month is incomplete: no issue is judged to be rising.")
    if len(report.issues) and report.issues.baseline_mean.isna().all():
        return ("问题按分类计数，未与此前各月比较，不判断是否显著上升。" if lang == "zh" else
                "The issues were counted by category without the months before: none is judged rising.")
    return NO_EMERGING[lang]


def incompleteness(report, lang: str) -> str:
    """Why the month's data are incomplete (the city's verdict, :class:`hotline_analysis.flags.Completeness`)
    and what is therefore not judged."""
    c = report.ledger["completeness"]
    if c["code"] == "early_end":
        last, gap = c["figures"]
        reason = L.sentence("early_end", lang, last=last, gap=gap)
    else:
        now, months, median = c["figures"][:3]
        reason = L.sentence("low_volume", lang, now=now, months=months, median=median, share=now / median)
    return L.sentence("incomplete", lang, reason=reason)


def trend_span(r, lang: str) -> str:
    """The window a trend verdict rests on: 近6个月 / last 6 months, 近12个月趋势线下行 / trend line over the last 12
    months (a steady change, not a claim that every month fell)."""
    w = int(r.trend_window)
    span = ("本月" if w == 1 else f"近{w}个月") if lang == "zh" else ("this month" if w == 1 else f"last {w} months")
    if r.trend_kind != "ramp":
        return span
    return f"{span}趋势线{'下行' if r.trend == 'falling' else '上行'}" if lang == "zh" else f"trend line over the {span}"


def trend_word(r, lang: str) -> str:
    """A department's trend verdict with the figures it rests on: 下降（近6个月：120件，按此前水平应为180件）, so a
    verdict reads beside this month's own changes, which may go the other way."""
    if not r.complete:
        return L.word("trend", "incomplete", lang)
    word = L.word("trend", r.trend, lang)
    if r.trend == "no_trend" or pd.isna(r.trend_window):
        return word
    cur, base = r.trend_current, r.trend_base
    return (f"{word}（{trend_span(r, lang)}：{cur:,.0f}件，按此前水平应为{base:,.0f}件）" if lang == "zh" else
            f"{word} ({trend_span(r, lang)}: {cur:,.0f} against {base:,.0f} at its earlier level)")


def reason(report, department: str, code: str, lang: str) -> str:
    """Why a department is on the action list, with the figures behind it."""
    d = report.departments.set_index("department").loc[department]
    if code == "rising":
        pct, span = (d.trend_ratio - 1) * 100, trend_span(d, lang)
        return (f"{span}：净投诉{d.trend_current:,.0f}件，按此前水平（已考虑季节和全市总量变化）应为{d.trend_base:,.0f}件，"
                f"{change(pct, lang)}" if lang == "zh" else
                f"{span}: {d.trend_current:,.0f} net complaints against {d.trend_base:,.0f} expected at its earlier "
                f"level (allowing for season and the city's volume), {change(pct, lang)}")
    if code == "surge":
        return (f"本月{d.net_complaints:,}件，比预期{d.surge_expected:,.0f}件高{d.surge_change_pct:.0f}%，超出预测上限" if lang == "zh"
                else f"{d.net_complaints:,} this month against {d.surge_expected:,.0f} expected "
                     f"({signed(d.surge_change_pct, 0, '%')}), above the prediction bound")
    if code == "satisfaction_drop":
        s = report.satisfaction.set_index("department").loc[department]
        return (f"满意率{rate(s.satisfaction_rate, lang)}，比上月下降{-s.delta_pp:.2f}个百分点（经检验显著）" if lang == "zh"
                else f"satisfaction {rate(s.satisfaction_rate, lang)}, {-s.delta_pp:.2f} points below last month "
                     "(significant)")
    if code == "satisfaction_below":
        s = report.satisfaction.set_index("department").loc[department]
        std = f"{report.settings.satisfaction.standard * 100:g}%"
        ci = f"{s.ci_low * 100:.2f}%–{s.ci_high * 100:.2f}%"
        return (f"满意率{rate(s.satisfaction_rate, lang)}（回访{int(s.surveyed):,}件，95%置信区间{ci}），确定低于{std}的标准"
                if lang == "zh" else
                f"satisfaction {rate(s.satisfaction_rate, lang)} ({int(s.surveyed):,} surveyed, 95% interval {ci}), "
                f"below the standard of {std} beyond doubt")
    if code in ("slow", "reassign_high"):
        return handling_reason(report, department, code, lang)
    if code == "commend":
        w, pct = int(d.commend_window), (d.commend_relative_ratio - 1) * 100
        return (f"近{w}个月净投诉比上年同期{change((d.commend_ratio - 1) * 100, lang)}，扣除全市总量变化后"
                f"{change(pct, lang)}，降幅居前" if lang == "zh" else
                f"last {w} months {change((d.commend_ratio - 1) * 100, lang)} on a year earlier, "
                f"{change(pct, lang)} against the city's own change: among the largest falls")
    return (f"净投诉量居第{d['rank']}位，{d.net_complaints:,}件" if lang == "zh" else
            f"rank {d['rank']} by net complaints, {d.net_complaints:,}")


def handling_reason(report, department: str, code: str, lang: str) -> str:
    """A handling standard missed, with the unit's rate, the standard and the counts behind them."""
    h = report.handling
    r = h[(h.month == report.month) & (h.department == department)].iloc[0]
    std = report.settings.handling.standards
    if code == "slow":
        return (f"按期办结率{rate(r.on_time_rate, lang)}（应办结{int(r.judged):,}件中{int(r.on_time):,}件按期），"
                f"低于{std.on_time * 100:g}%的标准" if lang == "zh" else
                f"closed on time {rate(r.on_time_rate, lang)} ({int(r.on_time):,} of {int(r.judged):,} "
                f"due), below the standard of {std.on_time * 100:g}%")
    return (f"重派率{rate(r.reassign_rate, lang)}（{int(r.dispatched):,}件中{int(r.reassigned):,}件被退回重派），"
            f"高于{std.max_reassign_rate * 100:g}%的标准" if lang == "zh" else
            f"reassigned {rate(r.reassign_rate, lang)} ({int(r.reassigned):,} of {int(r.dispatched):,} sent back "
            f"and reassigned), above the standard of {std.max_reassign_rate * 100:g}%")


def handling_line(report, lang: str) -> str:
    """The headline block's handling sentence, or what the export lacks for it."""
    c = report.city_handling.set_index("month")
    if report.month not in c.index or pd.isna(c.loc[report.month].on_time_rate):
        return handling_missing(report, c, lang)
    now = c.loc[report.month]
    prev = c.loc[report.month - 1].on_time_rate if report.month - 1 in c.index else None
    h = report.handling[report.handling.month == report.month]
    return L.sentence("handling", lang, dispatched=int(now.dispatched), on_time=rate(now.on_time_rate, lang),
                      on_time_prev=rate(prev, lang), open=int(now.open), stale=stale(report, now, lang),
                      overdue=int(now.overdue),
                      on_time_standard=f"{report.settings.handling.standards.on_time * 100:g}%",
                      below=int(h.below_on_time.fillna(False).astype(bool).sum()),
                      slow=int(h.slow.fillna(False).astype(bool).sum()))


def stale(report, row, lang: str) -> str:
    """Of a row's open orders, those received before the last ``handling.stale_months`` months (an export's records
    never closed, not the month's backlog): （其中46件为2020年1月以前受理） / (46 of them received before January
    2020); '' when there are none."""
    n = getattr(row, "open_stale", None)
    if n is None or pd.isna(n) or not n:
        return ""
    since = L.month_name(report.month - report.settings.handling.stale_months + 1, lang)
    return f"（其中{int(n):,}件为{since}以前受理）" if lang == "zh" else f" ({int(n):,} of them received before {since})"


def handling_missing(report, city: pd.DataFrame, lang: str) -> str:
    """The handling sentence when on-time closure cannot be computed: the figures the export does give
    (dispatched, closed within the month, open at the month's end) and exactly which columns are missing or
    empty this month (:func:`hotline_analysis.labels.missing_columns`)."""
    now = city.loc[report.month] if report.month in city.index else None
    known = []
    if now is not None:
        known.append(f"转派承办单位{int(now.dispatched):,}件" if lang == "zh" else f"Dispatched to units: {int(now.dispatched):,}")
        if pd.notna(now.closure_rate):
            known.append(f"当月办结率{rate(now.closure_rate, lang)}" if lang == "zh" else
                         f"closed within the month {rate(now.closure_rate, lang)}")
        if pd.notna(now.open):
            known.append((f"月末未办结{int(now.open):,}件" if lang == "zh" else f"open at month end {int(now.open):,}")
                         + stale(report, now, lang))
    cols = report.absent.get("on_time_rate")
    if cols:
        why = L.missing_columns(cols, lang, getattr(report, "empty_columns", ()))
    else:
        why = "本月没有到期或有办理时限的办结工单" if lang == "zh" else "no order of the month was due or closed with a due time"
    if lang == "zh":
        return "，".join(known) + ("；" if known else "") + f"按期办结率和超期未办结无法计算（{why}）"
    tail = f"on-time closure and overdue orders cannot be computed ({why})"
    return ", ".join(known) + "; " + tail if known else tail[0].upper() + tail[1:]


def reasons(report, department: str, codes, lang: str) -> str:
    """Several reasons joined."""
    return ("；" if lang == "zh" else "; ").join(reason(report, department, c, lang) for c in codes)


def quotes_chinese(report, lang: str) -> bool:
    """Whether an en pack quotes the citizens' own words in Chinese (issue labels, keywords, excerpts of issues
    found in the request texts): its issues page, actions page and their slides then say so once
    (:data:`hotline_analysis.labels.QUOTED_EN`). Issues that are categories are names, not quotes."""
    from ..catalog import has_cjk

    if lang != "en" or getattr(report, "topics_from", "text") != "text":
        return False
    i = report.issues
    words = [*i.label, *(k for ks in i.keywords for k in ks), *(e for es in i.examples for e in es)]
    return any(has_cjk(w) for w in words)


def issue_label(label, category, lang: str):
    """An issue's label as shown: in an en pack the category it opens with in English where
    data/reference/names_en.csv has one (烂尾楼盘停工：楼盘停工烂尾 → Stalled housing projects: 楼盘停工烂尾), an issue
    that is a category (or its path, l1: l2) in English; the citizens' words stay as written."""
    if lang != "en" or not isinstance(label, str):
        return label
    if isinstance(category, str) and category and label.startswith(f"{category}："):
        return f"{L.name(category, lang)}: {label[len(category) + 1:]}"
    return ": ".join(L.name(p, lang) for p in label.split(": "))


#: What the pages, slides and question list say when the export has neither text nor categories.
NO_ISSUES = {"zh": "本次导出数据既无诉求内容也无问题分类，主要问题无法归纳（本次导出数据不含此项）",
             "en": "The main issues are not in this export: it has neither the request text nor a category"}


def question(q, baseline_months: int, lang: str, example: bool = True, min_orders: int = 0,
             source: str = "text", partial: bool = False) -> str:
    """One row of the month result's ``questions`` as a sentence a member can read aloud (a row without an issue:
    the department's complaints, none of whose issues reached ``min_orders``, or, ``source`` ``none``, an export
    without text or categories). In an incomplete month (``partial``) the count is not compared with the months
    before."""
    if pd.isna(q.label):
        if source == "none":
            return (f"本月净投诉{q.orders}件；{NO_ISSUES['zh']}。" if lang == "zh" else
                    f"{q.orders} net complaints this month; the issues are not in this export (it has neither the "
                    "request text nor a category).")
        if partial:  # part of a month: too few days to call the complaints scattered
            return (f"本月（数据不完整）净投诉{q.orders}件，没有一个问题达到{min_orders}件。" if lang == "zh" else
                    f"{q.orders} net complaints this month (an incomplete month); no issue reached {min_orders}.")
        return (f"本月净投诉{q.orders}件，没有一个问题达到{min_orders}件，反映较为分散。" if lang == "zh" else
                f"{q.orders} net complaints this month; no issue reached {min_orders}, they are scattered.")
    mean, label = q.baseline_mean, issue_label(q.label, getattr(q, "category", None), lang)
    ex = f"“{q.examples[0]}”" if example and len(q.examples) else ""
    if partial:
        return (f"本月（数据不完整）{q.orders}件投诉反映“{label}”，与此前各月不可比，请说明办理情况和下一步措施。"
                + (f"例如：{ex}" if ex else "") if lang == "zh" else
                f"{q.orders} complaints this month (an incomplete month, not comparable with the months before) "
                f"about “{label}”. How are they handled, and what comes next?" + (f" For example: {ex}" if ex else ""))
    if lang == "zh":
        if pd.isna(mean):
            trend = "无前期数据可比"
        elif q.emerging:
            trend = f"比前{baseline_months}个月月均（{mean:.0f}件）多{q.change:.0f}件，显著上升"
        else:
            trend = f"前{baseline_months}个月月均{mean:.0f}件"
        ask = "请说明原因和整改措施。" if q.emerging else "请说明办理情况和下一步措施。"
        return f"本月{q.orders}件投诉反映“{label}”，{trend}，{ask}" + (f"例如：{ex}" if ex else "")
    if pd.isna(mean):
        trend = "no earlier months to compare"
    elif q.emerging:
        trend = (f"{q.change:.0f} more than the monthly mean of the {baseline_months} months before ({mean:.0f}), "
                 "a significant rise")
    else:
        trend = f"{mean:.0f} a month in the {baseline_months} months before"
    ask = "What is the cause, and what is being done?" if q.emerging else "How are they handled, and what comes next?"
    return f"{q.orders} complaints this month about “{label}”; {trend}. {ask}" + (f" For example: {ex}" if ex else "")
