"""Every word a reader sees, in Chinese (``zh``) and English (``en``): page titles, table headers, values,
verdicts, reasons and the sentences of the pack. A pack is in one language throughout.

Examples
--------
>>> month_name("2021-02", "zh"), month_name("2021-02", "en")
('2021年2月', 'February 2021')
>>> word("trend", "falling", "zh")
'下降'
"""

from __future__ import annotations

import pandas as pd

from . import schema as S
from .errors import SettingsError

LANGS = ("zh", "en")

#: Titles of the pages and files of a pack.
TITLES = {
    "zh": {"01_overview": "本月概况", "02_departments": "部门排名与趋势", "03_satisfaction": "满意度",
           "04_topics": "热点问题", "05_actions": "研判与行动", "annual_review": "年度评议",
           "lookback": "回头看", "index": "12345热线监督月报", "summary": "关键数据（summary.json）",
           "tables": "数据表（tables.xlsx）", "figures": "图表", "slides": "幻灯片（slides.html）",
           "briefing": "汇报幻灯片（briefing.pptx）", "headlines": "本月要点", "pages": "报告",
           "ranking": "净投诉量排名", "flags": "预警", "questions": "询问问题清单", "trends": "趋势",
           "daily": "每日工单量", "appendix": "附录：长期趋势检验", "emerging": "新出现和显著上升的问题",
           "top_issues": "各单位主要问题"},
    "en": {"01_overview": "The month at a glance", "02_departments": "Departments: ranking and trends",
           "03_satisfaction": "Satisfaction", "04_topics": "Main issues", "05_actions": "Assessment and actions",
           "annual_review": "Annual review", "lookback": "Look-back", "index": "12345 hotline supervision report",
           "summary": "Key figures (summary.json)", "tables": "Tables (tables.xlsx)", "figures": "Figures",
           "slides": "Slides (slides.html)", "briefing": "Briefing (briefing.pptx)", "headlines": "Headlines",
           "pages": "Report", "ranking": "Net complaints by department", "flags": "Flags",
           "questions": "Questions for the committee", "trends": "Trends", "daily": "Orders per day",
           "appendix": "Appendix: the longer-term trend test", "emerging": "Issues new or rising significantly",
           "top_issues": "Main issues of every unit"},
}

#: Words for coded values: trends, flags, actions, reasons, verdicts, yes/no.
WORDS = {
    "zh": {
        "trend": {"falling": "下降", "rising": "上升", "no_trend": "无明显变化"},
        "flag": {"surge": "激增", "satisfaction_drop": "满意率显著下降", "commend": "表扬"},
        "action": {"call": "专题询问", "commend": "表扬典型"},
        "reason": {"surge": "投诉量激增", "satisfaction_drop": "满意率显著下降", "rising": "投诉量持续上升",
                   "commend": "同比显著下降", "top": "净投诉量居前"},
        "verdict": {"fell": "明显下降", "rose": "明显上升", "unclear": "变化不明显", "too_few_months": "月份不足"},
        "bool": {True: "是", False: "否"},
        "dimension": {S.REQUEST_TYPE: "诉求类型", S.CHANNEL: "受理渠道", S.DISTRICT: "区县"},
        "exclusion": {"not_complaint_type": "非投诉举报类", "invalid": "无效工单", "duplicate": "重复来电",
                      "unreasonable": "不合理诉求", "returned": "退回工单"},
        "unknown": "未知",
    },
    "en": {
        "trend": {"falling": "falling", "rising": "rising", "no_trend": "no clear change"},
        "flag": {"surge": "surge", "satisfaction_drop": "satisfaction drop", "commend": "commend"},
        "action": {"call": "special inquiry", "commend": "commend as an example"},
        "reason": {"surge": "surge in complaints", "satisfaction_drop": "significant satisfaction drop",
                   "rising": "complaints rising", "commend": "significant fall year on year",
                   "top": "most net complaints"},
        "verdict": {"fell": "clearly fell", "rose": "clearly rose", "unclear": "no clear change",
                    "too_few_months": "too few months"},
        "bool": {True: "yes", False: "no"},
        "dimension": {S.REQUEST_TYPE: "Request type", S.CHANNEL: "Channel", S.DISTRICT: "District"},
        "exclusion": {"not_complaint_type": "not a complaint or report", "invalid": "invalid",
                      "duplicate": "repeat call", "unreasonable": "unreasonable", "returned": "returned"},
        "unknown": "unknown",
    },
}

#: Column headers of the displayed tables (code name -> header).
HEADERS = {
    "zh": {"department": "承办单位", "net_complaints": "净投诉量", "prev_month": "上月", "prev_year": "去年同月",
           "mom_pct": "环比（%）", "yoy_pct": "同比（%）", "rank": "排名", "rank_prev_month": "上月排名",
           "surveyed": "回访数", "satisfaction_rate": "满意率（%）", "trend": "趋势", "flags": "预警",
           "value": "类别", "records": "工单量", "share": "占比（%）", "dimension": "维度",
           "ci": "95%置信区间（%）", "delta_pp": "较上月（百分点）", "significant": "显著变化",
           "contact_rate": "联系率（%）", "resolution_rate": "解决率（%）", "composite": "三率综合",
           "label": "问题", "keywords": "关键词", "orders": "件数", "baseline_mean": "前期月均",
           "change": "增减", "emerging": "显著上升", "category": "主要类别", "examples": "例句",
           "question": "询问问题", "why": "列入原因", "action": "建议", "reasons": "原因",
           "supervised": "监督月份", "months_after": "监督后月数", "rate_ratio": "前后比",
           "verdict": "结论", "annual": "全年净投诉", "previous": "上年", "change_pct": "变化（%）",
           "candidate": "评议候选", "day": "日期", "window": "比较窗口（月）", "slope_per_year": "年变化量",
           "q_value": "q值", "closed": "办结数", "on_time_rate": "按期办结率（%）",
           "median_hours_to_close": "办结时长中位数（小时）", "item": "序号", "figure": "内容",
           "vs_city_pp": "与全市相比（百分点）", "below_standard": "低于标准"},
    "en": {"department": "Department", "net_complaints": "Net complaints", "prev_month": "Last month",
           "prev_year": "Same month last year", "mom_pct": "MoM (%)", "yoy_pct": "YoY (%)", "rank": "Rank",
           "rank_prev_month": "Rank last month", "surveyed": "Surveyed", "satisfaction_rate": "Satisfaction (%)",
           "trend": "Trend", "flags": "Flags", "value": "Value", "records": "Orders", "share": "Share (%)",
           "dimension": "Dimension", "ci": "95% interval (%)", "delta_pp": "Change (points)",
           "significant": "Significant", "contact_rate": "Contacted (%)", "resolution_rate": "Resolved (%)",
           "composite": "Three-rate composite", "label": "Issue", "keywords": "Keywords", "orders": "Orders",
           "baseline_mean": "Monthly mean before", "change": "Change", "emerging": "Rising significantly",
           "category": "Main category", "examples": "Examples", "question": "Question", "why": "Why listed",
           "action": "Action", "reasons": "Reasons", "supervised": "Supervised", "months_after": "Months after",
           "rate_ratio": "Rate ratio", "verdict": "Verdict", "annual": "Annual net complaints",
           "previous": "Previous year", "change_pct": "Change (%)", "candidate": "Review candidate",
           "day": "Day", "window": "Window (months)", "slope_per_year": "Change per year", "q_value": "q value",
           "closed": "Closed", "on_time_rate": "Closed on time (%)",
           "median_hours_to_close": "Median hours to close", "item": "No.", "figure": "Headline",
           "vs_city_pp": "Against the city (points)", "below_standard": "Below standard"},
}


#: Axis labels of the charts.
AXES = {
    "zh": {"net_complaints": "净投诉量", "records": "工单量", "satisfaction_rate": "满意率", "orders": "件数",
           "baseline_mean": "前期月均", "rate_ratio": "监督后与监督前之比（对数刻度）", "annual": "本年",
           "previous": "上年"},
    "en": {"net_complaints": "Net complaints", "records": "Orders", "satisfaction_rate": "Satisfaction rate",
           "orders": "Orders", "baseline_mean": "Mean of the months before",
           "rate_ratio": "Rate ratio after / before supervision (log scale)", "annual": "This year",
           "previous": "Year before"},
}


def axis(key: str, lang: str) -> str:
    """A chart's axis label."""
    return AXES[check_lang(lang)].get(key, key)


def check_lang(lang: str) -> str:
    """``lang`` when it is a pack language, else a :class:`SettingsError`."""
    if lang not in LANGS:
        raise SettingsError(f"language {lang!r} is not available; use one of {', '.join(LANGS)}")
    return lang


def title(key: str, lang: str) -> str:
    """The title of a page or file of the pack."""
    return TITLES[check_lang(lang)][key]


def word(kind: str, value, lang: str) -> str:
    """The word for a coded value (``kind``: trend, flag, action, reason, verdict, bool, dimension, exclusion)."""
    return WORDS[check_lang(lang)][kind].get(value, str(value))


def words(kind: str, values, lang: str) -> str:
    """Several coded values joined as the language joins a list."""
    return ("、" if lang == "zh" else ", ").join(word(kind, v, lang) for v in values)


def headers(lang: str) -> dict[str, str]:
    """Column headers of displayed tables."""
    return HEADERS[check_lang(lang)]


def value_label(dimension: str, value: str, lang: str) -> str:
    """A breakdown's value as displayed: enum values translated, ``unknown`` in words, names as they are."""
    if value == "unknown":
        return WORDS[lang]["unknown"]
    if dimension in S.ENUMS:
        return S.enum_labels(dimension, lang).get(value, value)
    return value


def month_name(month, lang: str) -> str:
    """A month as the language writes it: 2021年2月, February 2021."""
    m = pd.Period(month, "M")
    return f"{m.year}年{m.month}月" if check_lang(lang) == "zh" else m.strftime("%B %Y")


def name(value, lang: str) -> str:
    """A unit's, district's or category's name as displayed: in an en pack its English name from
    ``data/reference/names_en.csv`` when there is one (:func:`hotline_analysis.catalog.display_name`)."""
    from .catalog import display_name

    return value if value is None or (isinstance(value, float) and value != value) else display_name(str(value), lang)


def pack_title(bulletin, month, lang: str) -> str:
    """The pack's title as the office's bulletins print it: 淄博市12345热线 2021年2月 监督分析."""
    if check_lang(lang) == "zh":
        return f"{bulletin.city}12345热线 {month_name(month, lang)} 监督分析"
    return f"{bulletin.city_en} 12345 hotline: supervision analysis, {month_name(month, lang)}"


def masthead(bulletin, lang: str) -> str:
    """The line above the title: marking, issuing body and issue number, those that are set."""
    parts = ([bulletin.marking, bulletin.issuer, bulletin.issue_number] if lang == "zh"
             else [bulletin.marking_en, bulletin.issuer_en, bulletin.issue_number])
    return " · ".join(p for p in parts if p)
