"""What the monthly notebooks display: headings, prose, tables and figures of the month result, in the pack's
language. Every value that reaches a page passes through :func:`table` or :func:`prose`, which escape it."""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
from IPython.display import HTML

from .. import labels as L
from ..catalog import has_cjk
from . import text

#: The opening paragraph of each page.
INTROS = {
    "zh": {
        "01_overview": "全市{hotline}本月受理工单的总体情况：绝对数与相对数，环比和同比变化。基数不足5件的变化不予计算。",
        "02_departments": "{units_of}的净投诉量、排名、环比和同比变化，以及趋势判断：近1、2、3、6、12个月的水平"
                          "以及近6、12个月的趋势线分别与该单位此前的水平比较（已考虑季节规律和全市总量变化），经统计检验（考虑月度波动、剔除一次性激增月份）后判定为"
                          "“下降”“上升”或“无明显变化”。",
        "03_handling": "转派给承办单位的工单如何办理：按期办结率（按办理时限办结的比例）、提前办结率、当月办结率、响应率、"
                       "重派率，月末未办结及其中超期的件数，上月结转，延期与督办；热线直接办结的工单不计入。",
        "04_satisfaction": "回访满意率 =（满意 + 基本满意）÷ 回访数，附95%置信区间；与上月相比的变化经统计检验，"
                           "仅显著的变化称为“显著变化”。",
        "05_topics": "从群众诉求原文中提炼各单位本月的主要问题：关键词、件数、与前几个月月均相比的变化、主要类别和例句（已脱敏）。",
        "06_actions": "一月一分析、一研判、一行动：建议专题询问的单位及原因、建议表扬的典型，以及问题清单：向建议询问的单位和净投诉量居前的单位提出的问题。",
    },
    "en": {
        "01_overview": "The whole hotline this month: absolute and relative numbers, with month-on-month and "
                       "year-on-year change. A change on a base below five orders is not computed.",
        "02_departments": "Net complaints of {units_of}, their rank and change, and the trend verdict: the "
                          "last 1, 2, 3, 6 and 12 months each against the unit's earlier level, as a level or "
                          "(6 and 12 months) a steady monthly change (allowing for its "
                          "season and the city's volume), tested allowing for month-to-month variation and setting "
                          "one-off surges aside.",
        "03_handling": "How the units handle the orders dispatched to them: the share closed by the due time, closed "
                       "early and within the month, responded to in time, sent back and reassigned; orders open and "
                       "overdue at the month's end, carried over, extensions and escalations. Orders the hotline "
                       "settled itself are not counted.",
        "04_satisfaction": "Call-back satisfaction = (satisfied + basically satisfied) / surveyed, with its 95% "
                           "interval; the change against last month is tested, and only significant changes are "
                           "called changes.",
        "05_topics": "The month's main issues of each unit, from the citizens' own words: keywords, order counts, "
                     "change against the months before, main category and masked examples. The main category is "
                     "translated where data/reference/names_en.csv has it.",
        "06_actions": "One analysis, one assessment, one action each month: the units proposed for a special inquiry "
                      "and why, the units to commend, and the questions to put to the units called and to those with the most net complaints.",
    },
}


#: The appendix's explanation beside the trend verdict of the main table, (what it shows, how to read it): plain
#: words first, the test's name after them; ``{alpha}``: the level below which a q-value makes a trend
#: (``trend.alpha``).
APPENDIX = {
    "zh": ("长期趋势检验（季节性Mann-Kendall检验）：把每个月只与往年的同一月份比较，看近两年净投诉是否持续上升或下降，"
           "季节起伏不算趋势。年变化量（Sen斜率）：照此估算每年增加（+）或减少（−）的件数。误判可能（q值）：把该单位判为"
           "有趋势而实际没有的可能性，已考虑同时检验多个单位，低于{alpha:g}才判为上升或下降。",
           "如何阅读：先看“趋势”一列，再看年变化量的大小；两年的数据只能确认幅度大且持续的趋势，"
           "以上表的趋势结论（近1至12个月与此前水平的比较）为准，本表仅供参考。"),
    "en": ("The longer-term trend test (seasonal Mann-Kendall): each month is compared only with the same month of "
           "other years, to see whether net complaints rose or fell steadily over the last two years; the season's "
           "ups and downs are no trend. Change per year (Sen's slope): the orders a year more (+) or fewer (−) "
           "this implies. Chance of a false call (q value): the chance that calling a trend here is a mistake, "
           "allowing for the many units tested at once; a rise or fall is called only below {alpha:g}.",
           "How to read it: look at the Trend column first, then at the size of the change per year; two years of "
           "data confirm only strong, steady trends, so the trend verdict of the table above (the last 1 to 12 "
           "months against the unit's earlier level) is the one that counts, and this table is for reference."),
}


def appendix(report, lang: str) -> HTML:
    """The appendix's explanation (:data:`APPENDIX`), and in an incomplete month which months it tests
    (:func:`hotline_analysis.pack.text.appendix_months`)."""
    what, how = APPENDIX[lang]
    return prose(what.format(alpha=report.settings.trend.alpha), how + text.appendix_months(report, lang))


def overdue_note(report, lang: str) -> HTML:
    """Whose orders the list of the oldest overdue orders holds, and how many of theirs were overdue
    (:func:`hotline_analysis.pack.text.overdue_scope`); nothing when the list is a sentence of its own."""
    return prose(text.overdue_scope(report, lang)) if text.overdue_scope(report, lang) else HTML("")


#: How the issues page judges an issue rising (the test of :func:`hotline_analysis.topics.extract_issues`).
EMERGING_RULE = {"zh": "显著上升：问题件数占全市工单的比重比前{months}个月和去年同月都显著升高，且至少是前{months}个月的{ratio:g}倍"
                       "（按全市工单总量折算，全市总量下降的月份也能看出上升）。",
                 "en": " Rising significantly: the issue's share of all the hotline's orders is significantly above "
                       "its share in the {months} months before and in the same month a year earlier, and at least "
                       "{ratio:g} times the former (so a rise shows in a month when the whole hotline falls)."}
#: The opening paragraph of the issues page when they do not come from the citizens' words (the month result's
#: ``topics_from``: ``categories``, an export without text or ``--topics categories``; ``none``, neither).
TOPICS_INTROS = {
    "categories": {"zh": "各单位本月的主要问题：本次导出数据不含诉求内容（或按分类归纳），每个问题分类即一个问题，列出件数和与前几个月月均相比的变化。",
                   "en": "The month's main issues of each unit, one per category of request (this export has no "
                         "request text, or the issues were asked for by category): order counts and change against "
                         "the months before. Categories are translated where data/reference/names_en.csv has them."},
    "none": {"zh": text.NO_ISSUES["zh"] + "。", "en": text.NO_ISSUES["en"] + "."},
}
def no_emerging(report, lang: str) -> HTML:
    """What the emerging section says when no issue is emerging (:func:`hotline_analysis.pack.text.no_emerging`):
    none rose, none is judged (an incomplete month, issues counted without the months before), or the export
    has no issues at all."""
    return prose(text.no_emerging(report, lang))


#: Pages that open with the headline block, whose first line already says the month is incomplete.
HEADLINE_PAGES = {"01_overview"}
#: Pages that quote the citizens' own words (issue labels, keywords, excerpts): in an en pack their opening
#: paragraph says once that these are in the original Chinese (:func:`hotline_analysis.pack.text.quotes_chinese`).
QUOTING_PAGES = {"05_topics", "06_actions"}


def satisfaction_overview(report, lang: str) -> HTML:
    """The city's rates, what the base of a department's rate is, and who is below the standard."""
    if "satisfaction_rate" in report.absent:
        return prose(text.headline_satisfaction(report, lang) + ("。" if lang == "zh" else "."),
                     "满意率、与全市其他单位之差和与上月相比的变化均不予计算和显示。" if lang == "zh" else
                     "Satisfaction, its difference from the rest of the city and its change on last month are not "
                     "in this export, so none is shown.")
    s = report.satisfaction
    k = report.settings.satisfaction
    below = s[s.below_standard.fillna(False).astype(bool)].sort_values("satisfaction_rate")
    sep = "、" if lang == "zh" else ", "
    names = sep.join(f"{L.name(r.department, lang)}（{text.rate(r.satisfaction_rate, lang)}）" if lang == "zh" else
                     f"{L.name(r.department, lang)} ({text.rate(r.satisfaction_rate, lang)})" for r in below.itertuples())
    sure = sep.join(L.name(r.department, lang) for r in below.itertuples() if r.below_standard_for_sure)
    if lang == "zh":
        base = (f"回访数是本月该单位承办工单中完成回访的件数（各类诉求，不限于净投诉），因此可能多于净投诉量；"
                f"回访不足{k.min_surveyed}件的单位不计算满意率（显示为“样本不足”）。")
        std = f"满意率低于{k.standard * 100:g}%的单位：{names or _none(report, lang)}。"
        if len(below):
            std += f"其中确定低于标准（95%置信区间上限也低于{k.standard * 100:g}%）的：{sure or '无'}。"
    else:
        base = (f"Surveyed counts the unit's orders of the month with a call-back (every kind of request, not only "
                f"net complaints), so it can exceed its net complaints; with fewer than {k.min_surveyed} call-backs "
                "no rate is shown (\"too few\").")
        std = f"Below the standard of {k.standard * 100:g}%: {names or _none(report, lang)}."
        if len(below):
            std += f" Below it beyond doubt (the upper 95% bound below it too): {sure or 'none'}."
    paras = [text.headline_satisfaction(report, lang) + ("。" if lang == "zh" else "."), base, std]
    if "reasonable_satisfaction_rate" in report.absent:
        paras.append(f"{_measure('reasonable_satisfaction_rate', lang)}{'：' if lang == 'zh' else ': '}"
                     f"{text.absent_reason(report, 'reasonable_satisfaction_rate', lang)}"
                     + ("。" if lang == "zh" else "."))
    return prose(*paras)


def _none(report, lang: str) -> str:
    """No unit below the satisfaction standard: "none" when some unit had enough call-backs to be judged, else
    that none had (:func:`hotline_analysis.pack.text.too_few_callbacks`)."""
    return ("无" if lang == "zh" else "none") if text.callbacks_judged(report) else text.too_few_callbacks(report, lang)


def _measure(measure: str, lang: str) -> str:
    return L.word("handling", measure, lang).split("（")[0].split(" (")[0]


def standards_sentence(report, lang: str) -> str:
    """The units below the on-time standard (at least ``min_orders`` due) and which of them are below it beyond
    doubt, as the satisfaction page says it; the units above the reassignment standard beyond doubt. A standard
    whose measure the export lacks is said to be not in this export, with the columns it needs, never "none"."""
    hs = report.settings.handling
    h = report.handling[report.handling.month == report.month]
    sep = "、" if lang == "zh" else ", "
    none = "无" if lang == "zh" else "none"

    def units(col: str) -> list[str]:
        return h.loc[h[col].fillna(False).astype(bool), "department"].tolist()

    def names(deps: list[str], measure: str) -> str:
        if measure in report.absent:
            return text.absent_reason(report, measure, lang)
        return sep.join(L.name(d, lang) for d in deps) or none

    on_time, reassign = hs.standards.on_time * 100, hs.standards.max_reassign_rate * 100
    below, slow = units("below_on_time"), units("slow")
    judged = "on_time_rate" not in report.absent and below and set(slow) <= set(below)
    if lang == "zh":
        sure = f"；其中确定低于标准（95%置信上限也低于{on_time:g}%）的：{names(slow, 'on_time_rate')}" if judged else ""
        other = ("" if judged or not slow else
                 f"；按期办结率确定低于{on_time:g}%的单位（95%置信上限也低于标准）：{names(slow, 'on_time_rate')}")
        return (f"按期办结率低于{on_time:g}%的单位（应办结至少{hs.min_orders}件）：{names(below, 'on_time_rate')}"
                f"{sure}{other}；重派率确定高于{reassign:g}%的单位：{names(units('reassign_high'), 'reassign_rate')}。")
    sure = f"; of them below it beyond doubt (the upper 95% bound below {on_time:g}% too): {names(slow, 'on_time_rate')}" \
        if judged else ""
    other = ("" if judged or not slow else
             f". On-time closure below {on_time:g}% beyond doubt (the upper 95% bound below it too): "
             f"{names(slow, 'on_time_rate')}")
    return (f"On-time closure below {on_time:g}% (at least {hs.min_orders} due): {names(below, 'on_time_rate')}"
            f"{sure}{other}. Reassignment above {reassign:g}% beyond doubt: "
            f"{names(units('reassign_high'), 'reassign_rate')}.")


def handling_overview(report, lang: str) -> HTML:
    """The city's handling in words, the units below the standards, how the composite is weighted and graded,
    and what the export lacks ("not in this export", with the columns each measure needs)."""
    hs = report.settings.handling
    w, g = hs.composite_weights, hs.grades
    src = hs.weights_source if lang == "zh" else hs.weights_source_en
    if lang == "zh":
        comp = (f"三率综合 = 响应率×{w.response:.0%} + 解决率×{w.resolution:.0%} + 满意率×{w.satisfaction:.0%}（{src}）；"
                f"等级：A ≥ {g.A:.0%}，B ≥ {g.B:.0%}，C ≥ {g.C:.0%}，其余为D。响应指受理后{hs.response_hours:g}小时内首次联系，"
                f"提前办结指在办理时限的{hs.early_fraction:.0%}以内办结。")
    else:
        comp = (f"Three-rate composite = response × {w.response:.0%} + resolution × {w.resolution:.0%} + "
                f"satisfaction × {w.satisfaction:.0%} ({src}); grades: A ≥ {g.A:.0%}, B ≥ {g.B:.0%}, "
                f"C ≥ {g.C:.0%}, D below. Response means first contact within {hs.response_hours:g} hours of "
                f"receipt; closed early, within {hs.early_fraction:.0%} of the time limit.")
    paras = [text.handling_line(report, lang) + ("。" if lang == "zh" else "."), standards_sentence(report, lang)]
    if "composite" not in report.absent:
        paras.append(comp)
    if report.absent:
        empty = getattr(report, "empty_columns", ())
        missing = ("；" if lang == "zh" else "; ").join(
            f"{_measure(m, lang)}（{L.missing_columns(cols, lang, empty)}）" if lang == "zh" else
            f"{_measure(m, lang)} ({L.missing_columns(cols, lang, empty)})" for m, cols in report.absent.items())
        paras.append(f"以下指标所需的字段本次导出数据没有或本月为空，这些指标不予显示：{missing}。" if lang == "zh" else
                     f"Not shown, for want of the columns they need: {missing}.")
    return prose(*paras)


def satisfaction_shifts(report, lang: str) -> HTML:
    """The significant shifts of satisfaction against last month (units with enough call-backs), in words; in an
    incomplete month none is judged (:func:`hotline_analysis.pack.text.not_judged`)."""
    if "satisfaction_rate" in report.absent:
        return HTML("")
    sig = text.judged_shifts(report)
    if text.incomplete(report):
        return prose(f"与上月相比的满意率变化：{text.not_judged(lang)}。" if lang == "zh"
                     else f"Changes of satisfaction against last month: {text.not_judged(lang)}.")
    if sig.empty:
        return prose("与上月相比，没有单位的满意率发生显著变化。" if lang == "zh"
                     else "No unit's satisfaction changed significantly against last month.")
    unit = "个百分点" if lang == "zh" else " points"
    shown = [text.signed(x, 2, unit) for x in sig.delta_pp]
    lines = [f"{L.name(d, lang)}{'：' if lang == 'zh' else ': '}{x}" for d, x in zip(sig.department, shown)]
    return HTML(section("与上月相比的显著变化" if lang == "zh" else "Significant changes against last month").data
                + bullets(lines).data)


#: Tables: text left-aligned, figures right-aligned in digits of one width, headers on a tinted row. A table
#: wider than the page scrolls sideways in its own box (``div.table-scroll``: the notebook's output area is a
#: table row, which clips instead of scrolling), laid out by its content (JupyterLab's is fixed).
STYLE = ("<style>.jp-RenderedHTMLCommon table{font-size:13px} .jp-RenderedHTMLCommon td,.jp-RenderedHTMLCommon th"
         "{text-align:left !important;padding:3px 8px !important}"
         " .jp-RenderedHTMLCommon div.table-scroll{overflow-x:auto;max-width:calc(100vw - 64px);margin-bottom:1em}"
         " .jp-RenderedHTMLCommon div.table-scroll table{table-layout:auto;margin:0}"
         " .jp-RenderedHTMLCommon td.num,.jp-RenderedHTMLCommon th.num{text-align:right !important;"
         "font-variant-numeric:tabular-nums}"
         " .jp-RenderedHTMLCommon thead th{background:#f0f0f0;min-width:3.2em}"
         " .jp-RenderedHTMLCommon table.compact td,.jp-RenderedHTMLCommon table.compact th{padding:3px 4px !important}"
         " .jp-RenderedHTMLCommon p.table-note{font-size:13px;color:#555;margin-bottom:4px}</style>")


def heading(page: str, report, lang: str) -> HTML:
    """The page's masthead, title with the month, and opening paragraph."""
    name = f"{L.title(page, lang)} · {L.month_name(report.month, lang)}"
    source = getattr(report, "topics_from", "text")
    own = TOPICS_INTROS.get(source) if page == "05_topics" else None
    intro = (own[lang] if own else INTROS[lang].get(page, "")).format(
        hotline=L.hotline(report.settings.bulletin, lang),
        units_of=L.unit_scope(report.ledger.get("unit_scope"), lang)[1])
    if page == "05_topics" and source != "none":
        intro += EMERGING_RULE[lang].format(ratio=report.settings.topics.min_ratio,
                                            months=report.settings.topics.baseline_months)
    if page in QUOTING_PAGES and text.quotes_chinese(report, lang):
        intro += f" {L.QUOTED_EN}."
    note = text.incomplete_note(report, lang) if text.incomplete(report) and page not in HEADLINE_PAGES else ""
    mast = L.masthead(report.settings.bulletin, lang)
    return HTML(STYLE + (f'<p style="color:#a00">{html.escape(mast)}</p>' if mast else "") + f"<h1>{html.escape(name)}</h1>"
                + (f"<p>{html.escape(intro)}</p>" if intro else "")
                + (f'<p class="incomplete" style="color:#a00;font-weight:bold">{html.escape(note)}</p>' if note else ""))


def section(title: str) -> HTML:
    """A section heading."""
    return HTML(f"<h2>{html.escape(title)}</h2>")


def prose(*paragraphs: str) -> HTML:
    """Paragraphs of text, escaped."""
    return HTML("".join(f"<p>{html.escape(p)}</p>" for p in paragraphs))


def bullets(lines: list[str]) -> HTML:
    """A bulleted list, escaped."""
    return HTML("<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in lines) + "</ul>")


def _missing(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))


def _is_number(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


#: A figure written as text with its unit (a change in percent or points): aligned like a number.
FIGURE_TEXT = re.compile(r"^[+\-−]?[\d,]+(\.\d+)?\s*(%|pts|个百分点)?$")
#: Words standing in for a change figure (a small base, an incomplete month): a column of figures stays numeric.
PLACEHOLDERS = ({w for d in text.SMALL_BASE.values() for w in d.values()}
                | {text.not_comparable(lang) for lang in ("zh", "en")})


def _decimals(values) -> int | None:
    """Decimals a numeric column's fractional figures are shown with (the most any of them needs, at most 4;
    whole-number types stay whole); None when the column is not numeric: it has no figure, or words other than
    one placeholder standing in for some (样本不足)."""
    present = [v for v in values if not _missing(v)]
    figures = [v for v in present if _is_number(v) or (isinstance(v, str) and FIGURE_TEXT.match(v))]
    if not figures or len({str(v) for v in present} - {str(v) for v in figures} - PLACEHOLDERS) > 1:
        return None
    return max([len(f"{round(float(v), 4):.4f}".rstrip("0").split(".")[1])
                for v in figures if isinstance(v, (float, np.floating))], default=0)


def _cell(v, decimals: int | None = None) -> str:
    if _missing(v):
        return ""
    if isinstance(v, (bool, np.bool_)):
        return str(v)
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        if decimals is not None:
            return f"{float(v):,.{decimals}f}"
        return f"{int(v):,}" if float(v).is_integer() else f"{float(v):,}"
    return str(v)


def table(t: pd.DataFrame) -> HTML:
    """A displayed table (:mod:`hotline_analysis.pack.tables`) as HTML; every header and value escaped. The table
    of a measure not in the export (:func:`hotline_analysis.pack.tables.absent_note`) is its sentence; a table
    without columns shows nothing. A numeric column is right-aligned, every value with the same number of
    decimals."""
    if t.attrs.get("sentence"):  # a measure not in the export, or an empty table's reason
        return prose(t.attrs["sentence"])
    if not len(t.columns):
        return HTML("")
    decimals = [_decimals(t.iloc[:, k].tolist()) for k in range(t.shape[1])]
    num = [' class="num"' if d is not None else "" for d in decimals]
    widths = _min_widths(t, decimals)
    head = "".join(f"<th{n}{w}>{html.escape(str(c))}</th>" for c, n, w in zip(t.columns, num, widths))
    rows = "".join("<tr>" + "".join(f"<td{n}>{html.escape(_cell(v, d))}</td>" for v, d, n in zip(r, decimals, num))
                   + "</tr>" for r in t.itertuples(index=False))
    note, compact = t.attrs.get("note"), " compact" if t.shape[1] >= COMPACT_COLUMNS else ""
    return HTML((f'<p class="table-note">{html.escape(note)}</p>' if note else "")
                + f'<div class="table-scroll"><table class="dataframe{compact}"><thead><tr>{head}</tr></thead>'
                f'<tbody>{rows}</tbody></table></div>')


#: A table of at least this many columns (the per-unit handling table) has narrower cells, to fit a 1280 px window.
COMPACT_COLUMNS = 14
#: The widest a text column's minimum width goes (ems): the first (the names), and any other.
NAME_MIN_EMS, TEXT_MIN_EMS = 16, 12


def _ems(v) -> float:
    """How wide a value is shown: a CJK character one em, another half an em."""
    return sum(1.0 if ord(c) > 0x2E80 else 0.5 for c in _cell(v))


#: A Chinese header at most this wide (ems) stays on one line: 前期月均 never wraps as 前期月 / 均.
NOWRAP_EMS = 6


def _min_widths(t: pd.DataFrame, decimals: list) -> list[str]:
    """A style per column's header: a text column as wide as its longest value up to :data:`NAME_MIN_EMS` for
    the first (the unit's name, at most two lines) and :data:`TEXT_MIN_EMS` for the others, so a squeezed table
    wraps no name onto four lines; a short Chinese header (:data:`NOWRAP_EMS`) on one line; else nothing."""
    out, first = [], True
    for k, d in enumerate(decimals):
        rules = []
        if d is None:
            ems = min(max(map(_ems, t.iloc[:, k]), default=0), NAME_MIN_EMS if first else TEXT_MIN_EMS)
            first = False
            if ems > 6:
                rules.append(f"min-width:{ems:.0f}em")
        head = str(t.columns[k])
        if has_cjk(head) and _ems(head) <= NOWRAP_EMS:
            rules.append("white-space:nowrap")
        out.append(f' style="{";".join(rules)}"' if rules else "")
    return out


def headline(report, lang: str) -> HTML:
    """The headline block."""
    return bullets(text.headline(report, lang))


def question_list(report, lang: str) -> HTML:
    """The question list: per department its reasons and numbered questions."""
    from . import tables

    q = tables.questions(report, lang)
    if q.empty:
        return prose("本月没有需要询问的单位。" if lang == "zh" else "No unit is to be questioned this month.")
    out = []
    limit = report.settings.topics.top_n
    for dep, g in q.groupby(q.columns[0], sort=False):
        why = g.iloc[0, 1]
        head = f"{dep}（{why}）" if lang == "zh" else f"{dep} ({why})"
        few = ""
        numbered = pd.notna(g.iloc[0, 2])  # a department without an issue has no number
        if 0 < len(g) < limit and numbered:
            few = (f"<p>本月只有{len(g)}个问题达到列入标准（至少{report.settings.topics.min_question_orders}件）。</p>"
                   if lang == "zh" else f"<p>Only {len(g)} {'issue reaches' if len(g) == 1 else 'issues reach'} "
                   f"the listing threshold this month (at least {report.settings.topics.min_question_orders} "
                   "orders).</p>")
        items = "".join(f"<li>{html.escape(x)}</li>" for x in g.iloc[:, 3])
        out.append(f"<h3>{html.escape(head)}</h3>{few}"
                   + (f"<ol>{items}</ol>" if numbered else f"<p>{html.escape(g.iloc[0, 3])}</p>"))
    return HTML("".join(out))


def review_heading(page: str, when, lang: str, config: str = "") -> HTML:
    """The masthead, title and table style of the look-back or the annual review (``page``: ``lookback`` or
    ``annual_review``), as :func:`heading` gives a monthly page. ``when``: the month (YYYY-MM) or the year (an
    int); the masthead is the bulletin of ``config`` (a YAML file; empty, the defaults)."""
    from ..settings import load_settings

    when = (f"{when}年" if lang == "zh" else str(when)) if isinstance(when, int) else L.month_name(when, lang)
    mast = L.masthead(load_settings(config or None).bulletin, lang)
    return HTML(STYLE + (f'<p style="color:#a00">{html.escape(mast)}</p>' if mast else "")
                + f"<h1>{html.escape(f'{L.title(page, lang)} · {when}')}</h1>")


def _fewer(rr: float, lang: str, low: float | None = None, high: float | None = None) -> str:
    """A rate ratio in plain words: 即少约20% / about 20% fewer; when its interval ``low``-``high`` holds 1, that
    no clear difference is shown."""
    if low is not None and low <= 1 <= high:
        return "与应有水平相比没有明显差异（区间包含1）" if lang == "zh" else "no clear difference (the interval holds 1)"
    p = f"{abs(1 - rr):.0%}"
    if p == "0%":
        return "即与应有水平基本持平" if lang == "zh" else "about the same"
    if lang == "zh":
        return f"即少约{p}" if rr < 1 else f"即多约{p}"
    return f"about {p} {'fewer' if rr < 1 else 'more'}"


def did_sentence(did: pd.DataFrame, lang: str) -> HTML:
    """The look-back's difference in differences in plain words, the method named after them (and its
    pre-period check; when that could not be made, no word on whether the comparison holds)."""
    if did.empty:
        return prose("没有从未被监督且有净投诉的单位可供比较，无法作整体比较（双重差分）。" if lang == "zh" else
                     "There are no units never supervised that have net complaints to compare with, so there is no "
                     "overall comparison (difference in differences).")
    r = did.iloc[0]
    doubt = r.pretrend_p < 0.05
    unchecked = pd.isna(r.pretrend_p)
    if lang == "zh":
        s = (f"整体比较（双重差分）：被监督的{int(r.n_treated)}个单位与{int(r.n_control)}个从未被监督的单位（对照组）相比，"
             f"监督后，被监督单位的净投诉量是按未被监督单位同期变化推算应有水平的{r.rate_ratio:.2f}倍"
             f"（95%置信区间{r.ci_low:.2f}–{r.ci_high:.2f}），{_fewer(r.rate_ratio, lang, r.ci_low, r.ci_high)}。")
        s += ("监督前的月份不足，无法检验两组此前走势是否一致，以上逐单位的前后比较为准。" if unchecked else
              "监督前两组走势已有差异，这一整体比较不可靠，以上逐单位的前后比较为准。" if doubt else
              "监督前两组走势一致，这一整体比较可信。")
        return prose(s)
    s = (f"Taken together (difference in differences): the {int(r.n_treated)} supervised units against the "
         f"{int(r.n_control)} never supervised (the comparison group): after supervision their net complaints were "
         f"{r.rate_ratio:.2f} times what the never-supervised units' change over the same months implies (95% "
         f"interval {r.ci_low:.2f}–{r.ci_high:.2f}), {_fewer(r.rate_ratio, lang, r.ci_low, r.ci_high)}. ")
    s += ("Too few months before supervision to check that the two groups had moved alike: trust the per-unit "
          "before-and-after comparison above." if unchecked else
          "The groups already drifted apart before supervision, so this overall comparison is unreliable: trust the "
          "per-unit before-and-after comparison above." if doubt
          else "Before supervision the groups moved in parallel, so the comparison holds.")
    return prose(s)


#: How to read the look-back's rate ratio, on its page and (short of the method's name) its slide.
LOOKBACK_READING = {
    "zh": "如何阅读：“前后比”是监督后的月净投诉与按监督前走势和季节推算的应有水平之比，小于1即减少（0.70即少约30%）；"
          "95%置信区间是这一比值的可能范围，整体低于1才算明显下降。",
    "en": "How to read it: the rate ratio is a unit's monthly net complaints after supervision over the level its "
          "months before (their trend and season) imply; below 1 is a fall (0.70: about 30% fewer). The 95% "
          "interval is the range the ratio plausibly lies in; only a whole interval below 1 is a clear fall.",
}
#: The method of the look-back per unit, named for the analyst after the reading.
LOOKBACK_METHOD = {"zh": "（逐单位的前后比较为中断时间序列分析。）",
                   "en": " (The per-unit before-and-after comparison is an interrupted time series.)"}


def lookback_summary(table: pd.DataFrame, lang: str, reading: bool = True) -> HTML:
    """How many of the supervised units clearly fell, and rose when any did; with ``reading``, how to read the
    rate ratio (:data:`LOOKBACK_READING`) and the method's name."""
    fell, rose = int((table.verdict == "fell").sum()), int((table.verdict == "rose").sum())
    if lang == "zh":
        first = (f"被监督的{len(table)}个单位中，{fell}个净投诉明显下降（监督后与监督前之比的95%置信区间整体低于1）"
                 + (f"，{rose}个明显上升（整体高于1）。" if rose else "。"))
    else:
        first = (f"{fell} of the {len(table)} supervised units clearly fell (the whole 95% interval of the "
                 "after/before rate ratio below 1)" + (f", {rose} clearly rose (the whole interval above 1)." if rose
                                                      else "."))
    return prose(first, LOOKBACK_READING[lang] + LOOKBACK_METHOD[lang]) if reading else prose(first)


#: Why a rise is significant, in plain words ({year}, {prev}: the years compared; {n}: the units tested).
ANNUAL_RISE = {
    "zh": "比较的是各单位{year}年与{prev}年的全年净投诉。比上年显著上升：增幅大于该单位各月正常起伏所能解释的范围，"
          "季节规律已考虑在内；{n}个单位同时比较，标准相应从严，以免把偶然的起伏当作上升",
    "en": "Each unit's net complaints in {year} are compared with {prev}. A significant rise: an increase larger than "
          "the unit's usual ups and downs from month to month can explain, its season allowed for; with {n} units "
          "compared at once the bar is higher, so that a chance rise is not called one",
}
#: The rise test's methods, named for the analyst after the plain words.
ANNUAL_METHOD = {"zh": "（负二项回归，两年24个月逐月计数；错误发现率校正）",
                 "en": " (a negative-binomial regression of its 24 monthly counts; Benjamini-Hochberg correction)"}
#: How to read the change's interval, on the annual review's page and its slide.
ANNUAL_READING = {
    "zh": "如何阅读：变化的95%置信区间是考虑各月正常起伏后全年变化的可能范围，−20%至−5%即很可能减少5%到20%；"
          "区间整体高于0，单看一个单位可算上升，但多个单位同时比较，还不足以判为显著上升。",
    "en": "How to read it: the 95% interval of the change is the range the year's change plausibly lies in, given "
          "the usual ups and downs; −20% to −5% means most likely 5% to 20% fewer. A whole interval above zero would "
          "be a rise for one unit taken alone, but with many units compared at once it is not yet a significant rise.",
}


def annual_summary(table: pd.DataFrame, year: int, lang: str, reading: bool = True) -> HTML:
    """The year's review candidates in one sentence; what was compared and when a rise is significant, in plain
    words (:data:`ANNUAL_RISE`), with ``reading`` the methods' names after them and how to read the change's
    interval (:data:`ANNUAL_READING`); when the store does not hold the whole year before (``previous`` missing
    throughout), that there is no comparison with it."""
    names = [L.name(d, lang) for d in table.loc[table.candidate.astype(bool), "department"]]
    sep = "、" if lang == "zh" else ", "
    s = (f"{year}年评议候选单位（全年净投诉量前列或显著上升）：{sep.join(names) or '无'}。" if lang == "zh" else
         f"Review candidates {year} (most annual net complaints, or a significant rise): {sep.join(names) or 'none'}.")
    if len(table) and table.previous.isna().all():
        s += (f"库中没有{year - 1}年全年的工单，无法与上年比较，也无法检验是否显著上升。" if lang == "zh" else
              f" The store does not hold the whole of {year - 1}: no comparison with the year before and no test "
              "of a rise.")
    paras = [s]
    n = int(table.previous.notna().sum())
    if n:
        paras.append(ANNUAL_RISE[lang].format(year=year, prev=year - 1, n=n) + (ANNUAL_METHOD[lang] if reading else "")
                     + ("。" if lang == "zh" else "."))
        if reading:
            paras.append(ANNUAL_READING[lang])
    return prose(*paras)
