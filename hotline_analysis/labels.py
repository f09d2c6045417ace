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

#: Titles of the pages and files of a pack (key -> (zh, en)).
TITLES_PAIRS = {
    '01_overview': ('本月概况', 'The month at a glance'),
    '02_departments': ('部门排名与趋势', 'Departments: ranking and trends'),
    '03_handling': ('办理情况', 'Handling'),
    '04_satisfaction': ('满意度', 'Satisfaction'),
    '05_topics': ('热点问题', 'Main issues'),
    '06_actions': ('研判与行动', 'Assessment and actions'),
    'annual_review': ('年度评议', 'Annual review'),
    'lookback': ('回头看', 'Look-back'),
    'summary': ('关键数据（summary.json）', 'Key figures (summary.json)'),
    'tables': ('数据表（tables.xlsx）', 'Tables (tables.xlsx)'),
    'figures': ('图表', 'Figures'),
    'slides': ('幻灯片（slides.html）', 'Slides (slides.html)'),
    'briefing': ('汇报幻灯片（briefing.pptx）', 'Briefing (briefing.pptx)'),
    'headlines': ('本月要点', 'Headlines'),
    'pages': ('报告', 'Report'),
    'ranking': ('净投诉量排名', 'Net complaints by department'),
    'flags': ('预警与表扬', 'Flags and commendations'),
    'questions': ('询问问题清单', 'Questions to put to the units'),
    'trends': ('趋势', 'Trends'),
    'daily': ('每日工单量', 'Orders per day'),
    'appendix': ('附录：长期趋势检验', 'Appendix: the longer-term trend test'),
    'emerging': ('新出现和显著上升的问题', 'Issues new or rising significantly'),
    'top_issues': ('各单位主要问题', 'Main issues of every unit'),
    'city_handling': ('全市办理情况', 'Handling across the city'),
    'unit_handling': ('各单位办理情况', 'Handling by unit'),
    'overdue': ('超期未办结工单（最久的）', 'Orders open past their due time (the oldest)'),
}
TITLES = {lang: {k: v[i] for k, v in TITLES_PAIRS.items()} for i, lang in enumerate(LANGS)}

#: Words for coded values: trends, flags, actions, verdicts, yes/no, breakdown dimensions.
WORDS = {
    "zh": {
        "trend": {"falling": "下降", "rising": "上升", "no_trend": "无明显变化", "incomplete": "未判断（本月数据不完整）"},
        "flag": {"surge": "激增", "satisfaction_drop": "满意率显著下降", "commend": "表扬"},
        "action": {"call": "专题询问", "commend": "表扬典型"},
        "standard": {"slow": "按期办结率未达标", "reassign_high": "重派率超标"},
        "handling": {"dispatched": "转派件数", "handled_directly": "热线直接办结", "direct_share": "直接办结占比（%）",
                     "on_time_rate": "按期办结率（%）", "early_rate": "提前办结率（%）", "closure_rate": "当月办结率（%）",
                     "response_rate": "响应率（%）", "reassign_rate": "重派率（%）", "open": "月末未办结",
                     "overdue": "超期未办结", "open_stale": "其中{since}以前受理", "carried_over": "上月结转",
                     "extension_requested": "申请延期",
                     "extension_granted": "同意延期", "escalated": "督办件", "repeat_rate": "重复投诉率（%）",
                     "resolution_rate": "解决率（%）", "satisfaction_rate": "转派工单满意率（%）", "dissatisfied": "不满意件数",
                     "composite": "三率综合（%）", "reasonable_satisfaction_rate": "合理诉求办理结果满意率（%）"},
        "verdict": {"fell": "明显下降", "rose": "明显上升", "unclear": "变化不明显", "too_few_months": "月份不足",
                    "too_few_complaints": "投诉过少，无法判断"},
        "bool": {True: "是", False: "否"},
        "candidacy": {"top_n": "全年净投诉量居前", "significant_rise": "比上年显著上升"},
        "dimension": {S.REQUEST_TYPE: "诉求类型", S.CHANNEL: "受理渠道", S.DISTRICT: "区县"},
        "unknown": "未知",
        "lowest_by": {"on_time_rate": "按期办结率", "satisfaction_rate": "满意率"},  # plots.shown_of
    },
    "en": {
        "trend": {"falling": "falling", "rising": "rising", "no_trend": "no clear change",
                  "incomplete": "not judged (month incomplete)"},
        "flag": {"surge": "surge", "satisfaction_drop": "satisfaction drop", "commend": "commend"},
        "action": {"call": "special inquiry", "commend": "commend as an example"},
        "standard": {"slow": "on-time closure below standard", "reassign_high": "reassignment above standard"},
        "handling": {"dispatched": "Dispatched to units", "handled_directly": "Settled by the hotline",
                     "direct_share": "Settled by the hotline (%)", "on_time_rate": "Closed on time (%)",
                     "early_rate": "Closed early (%)", "closure_rate": "Closed within the month (%)",
                     "response_rate": "Responded in time (%)", "reassign_rate": "Reassigned (%)",
                     "open": "Open at month end", "open_stale": "Of which received before {since}",
                     "overdue": "Open past due", "carried_over": "Carried over",
                     "extension_requested": "Extensions asked", "extension_granted": "Extensions granted",
                     "escalated": "Escalated", "repeat_rate": "Repeat complaints (%)",
                     "resolution_rate": "Resolved (%)", "satisfaction_rate": "Satisfied, dispatched orders (%)",
                     "dissatisfied": "Dissatisfied", "composite": "Three-rate composite (%)",
                     "reasonable_satisfaction_rate": "Satisfied, reasonable requests (%)"},
        "verdict": {"fell": "clearly fell", "rose": "clearly rose", "unclear": "no clear change",
                    "too_few_months": "too few months",
                    "too_few_complaints": "too few complaints to judge"},
        "bool": {True: "yes", False: "no"},
        "candidacy": {"top_n": "among the most net complaints", "significant_rise": "significant rise on last year"},
        "dimension": {S.REQUEST_TYPE: "Request type", S.CHANNEL: "Channel", S.DISTRICT: "District"},
        "unknown": "unknown",
        "lowest_by": {"on_time_rate": "on-time rate", "satisfaction_rate": "satisfaction rate"},
    },
}

#: Column headers of the displayed tables (key -> (zh, en)).
HEADERS_PAIRS = {
    'department': ('承办单位', 'Department'),
    'net_complaints': ('净投诉量', 'Net complaints'),
    'prev_month': ('上月', 'Last month'),
    'prev_year': ('去年同月', 'Same month last year'),
    'mom_pct': ('环比（%）', 'MoM (%)'),
    'yoy_pct': ('同比（%）', 'YoY (%)'),
    'rank': ('排名', 'Rank'),
    'rank_prev_month': ('上月排名', 'Rank last month'),
    'surveyed': ('回访数', 'Surveyed'),
    'satisfaction_rate': ('满意率（%）', 'Satisfaction (%)'),
    'trend': ('趋势', 'Trend'),
    'flags': ('提示', 'Flags'),
    'value': ('类别', 'Value'),
    'records': ('工单量', 'Orders'),
    'share': ('占比（%）', 'Share (%)'),
    'dimension': ('维度', 'Dimension'),
    'ci': ('95%置信区间（%）', '95% interval (%)'),
    'ratio_ci': ('95%置信区间', '95% interval'),
    'delta_pp': ('较上月（百分点）', 'Change (points)'),
    'significant': ('显著变化', 'Significant'),
    'contact_rate': ('联系率（%）', 'Contacted (%)'),
    'resolution_rate': ('解决率（%）', 'Resolved (%)'),
    'composite': ('三率综合', 'Composite'),
    'label': ('问题', 'Issue'),
    'keywords': ('关键词', 'Keywords'),
    'orders': ('件数', 'Orders'),
    'baseline_mean': ('前期月均', 'Monthly mean before'),
    'change': ('增减', 'Change'),
    'emerging': ('显著上升', 'Rising significantly'),
    'category': ('主要类别', 'Main category'),
    'examples': ('例句', 'Examples'),
    'question': ('询问问题', 'Question'),
    'why': ('列入原因', 'Why listed'),
    'action': ('建议', 'Action'),
    'reasons': ('原因', 'Reasons'),
    'supervised': ('监督月份', 'Supervised'),
    'months_after': ('监督后月数', 'Months after'),
    'rate_ratio': ('前后比', 'Rate ratio'),
    'verdict': ('结论', 'Verdict'),
    'annual': ('全年净投诉', 'Annual net complaints'),
    'previous': ('上年', 'Previous year'),
    'change_pct': ('变化（%）', 'Change (%)'),
    'change_ci': ('变化的95%置信区间（%）', '95% interval of the change (%)'),
    'candidate': ('评议候选依据', 'Review candidate: why'),
    'day': ('日期', 'Day'),
    'window': ('比较窗口（月）', 'Window (months)'),
    'slope_per_year': ('年变化量（件）', 'Change per year (orders)'),
    'q_value': ('误判可能（q值）', 'Chance of a false call (q value)'),
    'closed': ('办结数', 'Closed'),
    'on_time_rate': ('按期办结率', 'On time'),
    'median_hours_to_close': ('办结时长中位数（小时）', 'Median hours to close'),
    'item': ('序号', 'No.'),
    'figure': ('内容', 'Headline'),
    'vs_city_pp': ('与全市其他单位之差（百分点）', 'Against the rest of the city (points)'),
    'note': ('说明', 'Note'),
    'below_standard': ('低于标准', 'Below standard'),
    'dispatched': ('转派件数', 'Dispatched'),
    'on_time_mom_pp': ('较上月', 'Change'),
    'early_rate': ('提前办结率', 'Early'),
    'closure_rate': ('当月办结率', 'In the month'),
    'response_rate': ('响应率', 'Responded'),
    'reassign_rate': ('重派率', 'Reassigned'),
    'open': ('月末未办结', 'Open at month end'),
    'overdue': ('其中超期', 'Of which overdue'),
    'carried_over': ('上月结转', 'Carried over'),
    'extensions': ('延期申请/同意', 'Extensions asked/granted'),
    'escalated': ('督办件', 'Escalated'),
    'composite_rank': ('三率排名', 'Composite rank'),
    'grade': ('等级', 'Grade'),
    'standards_missed': ('未达标准', 'Standards missed'),
    'measure': ('指标', 'Measure'),
    'this_month': ('本月', 'This month'),
    'mom': ('较上月', 'Against last month'),
    'yoy': ('较去年同月', 'Against a year ago'),
    'order_id': ('工单编号', 'Order'),
    'received_at': ('受理时间', 'Received'),
    'due_at': ('办理时限', 'Due'),
    'days_overdue': ('超期天数', 'Days overdue'),
}
HEADERS = {lang: {k: v[i] for k, v in HEADERS_PAIRS.items()} for i, lang in enumerate(LANGS)}

#: The per-unit handling table's units, said once over it (its headers are short), by the columns they are about
#: (key -> (zh, en)); ``rates``: any rate column.
HANDLING_UNITS = {
    "rates": ("各率单位为%", "Rates in percent"),
    "on_time_mom_pp": ("较上月：按期办结率比上月增减的百分点", "Change: the on-time rate against last month, in points"),
    "extensions": ("延期申请/同意：申请延期和同意延期的件数", "Extensions asked/granted: orders"),
}


#: Axis labels of the charts (key -> (zh, en)).
AXES_PAIRS = {
    'net_complaints': ('净投诉量', 'Net complaints'),
    'records': ('工单量', 'Orders'),
    'satisfaction_rate': ('满意率', 'Satisfaction rate'),
    'on_time_rate': ('按期办结率', 'Share closed on time'),
    'orders': ('件数', 'Orders'),
    'baseline_mean': ('前期月均', 'Mean of the months before'),
    'emerging': ('▲ 显著上升（见下表）', '▲ Rising significantly (see the table)'),
    'rate_ratio': ('监督后与监督前之比（对数刻度）', 'Rate ratio after / before supervision (log scale)'),
    'annual': ('本年', 'This year'),
    'previous': ('上年', 'Year before'),
    'incomplete_month': ('本月数据不完整', 'month incomplete'),
    'orders_end': ('工单截至{day}', 'orders end {day}'),
}
AXES = {lang: {k: v[i] for k, v in AXES_PAIRS.items()} for i, lang in enumerate(LANGS)}


def axis(key: str, lang: str) -> str:
    """A chart's axis label."""
    return AXES[check_lang(lang)].get(key, key)


#: The headline block's sentences (key -> (zh, en)); fields are filled by hotline_analysis.pack.text.headline.
HEADLINE = {
    "totals": ("{units}净投诉{net:,}件，同比{yoy}，环比{mom}；{fell}个单位环比下降，{rose}个上升",
               "{units}: {net:,} net complaints, {yoy} year on year and {mom} month on "
               "month; {fell} fell on last month, {rose} rose"),
    "totals_incomplete": ("{units}净投诉{net:,}件（本月数据不完整，与上月、去年同月不可比）",
                          "{units}: {net:,} net complaints (the month is incomplete: not "
                          "comparable with last month or a year ago)"),
    "hotline": ("全市{hotline}受理工单{records:,}件（各类诉求），其中净投诉{hotline_net:,}件（{scope}），{holders}占{net:,}件",
                "The whole {hotline}: {records:,} work orders of every kind, of which {hotline_net:,} net "
                "complaints ({scope}); {holders} hold {net:,}"),
    "top": ("净投诉量最多的是{top}，{top_net:,}件，同比{top_yoy}，环比{top_mom}",
            "Most net complaints: {top}, {top_net:,}, {top_yoy} year on year, {top_mom} month on month"),
    "top_incomplete": ("净投诉量最多的是{top}，{top_net:,}件", "Most net complaints: {top}, {top_net:,}"),
    "trends": ("趋势检验：{falling}个单位下降，{rising}个上升（近1、2、3、6、12个月的水平及近6、12个月的趋势线与此前水平相比，已考虑季节和全市总量变化）",
               "Trend tests: {falling_units} falling, {rising} rising (the level of the last 1, 2, 3, 6 and 12 "
               "months and the trend line over the last 6 and 12 against the unit's earlier level, allowing for "
               "season and the city's volume)"),
    "trends_incomplete": ("趋势检验：{not_judged}", "Trend tests: {not_judged}"),
    "handling": ("转派承办单位{dispatched:,}件，按期办结率{on_time}（上月{on_time_prev}）；月末未办结{open:,}件{stale}，"
                 "其中超期未办结{overdue:,}件；按期办结率低于{on_time_standard}的单位{below}个，其中确定低于（置信区间上限也低于）的{slow}个",
                 "Dispatched to units: {dispatched:,}, closed on time {on_time} (last month {on_time_prev}); open at "
                 "month end {open:,}{stale}, of which {overdue:,} past their due time; units below the on-time "
                 "standard of "
                 "{on_time_standard}: {below}, of which {slow} below it beyond doubt (the interval's upper end too)"),
    "incomplete": ("本月数据不完整：{reason}；本月不作趋势、激增和表扬判断",
                   "This month's data are incomplete: {reason}; no trend, surge or commendation is judged from it"),
    "early_end": ("工单截至{last}，比月末早{gap}天", "the orders end on {last}, {gap} days before the month does"),
    "low_volume": ("本月{now:,.0f}件，仅为此前{months}个月中位数（{median:,.0f}件）的{share:.0%}",
                   "{now:,.0f} orders, {share:.0%} of the median of the previous {months} months ({median:,.0f})"),
    "actions_only": ("建议专题询问{calls}，表扬典型{commends}",
                     "Proposed for a special inquiry: {calls}; commended as examples: {commends}"),
    "actions": ("建议专题询问{calls}，表扬典型{commends}；满意率低于{standard}的单位{below}",
                "Proposed for a special inquiry: {calls}; commended as examples: {commends}; satisfaction below "
                "{standard}: {below}"),
}


#: The units a pack reports, by why they are those (:data:`hotline_analysis.reviews.SCOPES`, the month ledger's
#: ``unit_scope``): (the units counted, opening a sentence; "of the units", before a noun; who holds a count), as
#: (zh, en). A pack says "supervised units" only when the alias table named them.
UNIT_SCOPE = {
    "departments": (("{n}个监督单位", "The {n} supervised units"), ("各监督单位", "the supervised units"),
                    ("监督单位", "the supervised units")),
    "all_units": (("全部{n}个单位（按要求报告所有单位）", "All {n} units (every unit reported, as asked)"),
                  ("各单位（按要求报告所有单位）", "every unit (all reported, as asked)"),
                  ("这些单位", "these units")),
    "unnamed": (("全部{n}个单位（导出数据未标明监督单位）", "All {n} units (the export names no supervised units)"),
                ("各单位（导出数据未标明监督单位）", "every unit (the export names no supervised units)"),
                ("这些单位", "these units")),
}


def unit_scope(scope: str | None, lang: str, n: int = 0) -> tuple[str, str, str]:
    """The words for the units a pack reports (:data:`UNIT_SCOPE`) by the month ledger's ``unit_scope`` (None, a
    result built before it was recorded: the supervised units).

    >>> unit_scope("no_alias_table", "en", 18)[0]
    'All 18 units (the export names no supervised units)'
    >>> unit_scope(None, "zh", 3)
    ('3个监督单位', '各监督单位', '监督单位')
    """
    key = scope if scope in ("departments", "all_units") else "unnamed" if scope else "departments"
    i = LANGS.index(check_lang(lang))
    return tuple(w[i].format(n=n) for w in UNIT_SCOPE[key])


#: What an English page, sheet or slide says once where it quotes the citizens' own words as they wrote them, in
#: Chinese (there is no offline translation); an issue label opens with its category in English
#: (:func:`hotline_analysis.pack.text.issue_label`).
QUOTED_EN = ("An issue label opens with its category in English where it has one; the citizens' own words (the rest "
             "of the label, keywords, excerpts) are quoted in the original Chinese")

#: The report home's note on names shown as the export writes them (heading, text before the list): in an en pack
#: the Chinese names data/reference/names_en.csv lacks; in a zh pack the names in Latin script (another city's).
AS_WRITTEN = {"zh": ("名称说明", "以下名称按导出数据原样显示，未译成中文："),
              "en": ("Names without an English translation",
                     "Shown as written; add them to data/reference/names_en.csv: ")}

#: The hotline of a pack whose bulletin names none (another city's export with no ``bulletin:`` in its preset).
HOTLINE = {"zh": "热线", "en": "hotline"}


def hotline(bulletin, lang: str) -> str:
    """The hotline's name in running text, from the pack's bulletin (the store's preset, else the settings):
    12345热线 / 12345 hotline only for a 12345 hotline, 311热线 / 311 service for New York's; 热线 / hotline when
    the bulletin names none.

    >>> from types import SimpleNamespace as B
    >>> hotline(B(hotline="311热线", hotline_en="311 service"), "en"), hotline(B(hotline="", hotline_en=""), "zh")
    ('311 service', '热线')
    """
    return (bulletin.hotline if check_lang(lang) == "zh" else bulletin.hotline_en) or HOTLINE[lang]


def sentence(key: str, lang: str, **fields) -> str:
    """A sentence of the headline block (:data:`HEADLINE`) with its figures."""
    return HEADLINE[key][LANGS.index(check_lang(lang))].format(**fields)


def check_lang(lang: str) -> str:
    """``lang`` when it is a pack language, else a :class:`SettingsError`."""
    if lang not in LANGS:
        raise SettingsError(f"language {lang!r} is not available; use one of {', '.join(LANGS)}")
    return lang


def title(key: str, lang: str) -> str:
    """The title of a page or file of the pack."""
    return TITLES[check_lang(lang)][key]


def word(kind: str, value, lang: str) -> str:
    """The word for a coded value (``kind``: trend, flag, action, verdict, bool, dimension)."""
    return WORDS[check_lang(lang)][kind].get(value, str(value))


def missing_columns(columns, lang: str, empty=()) -> str:
    """The columns a measure lacks by their names in the pack's language (:data:`hotline_analysis.schema.COLUMNS`):
    those the export does not have, and those it has (``empty``) that hold no value this month.

    >>> missing_columns(["due_at", "closed_at"], "en", empty=["due_at"])
    'no column for Closed at; Due at is empty this month'
    >>> missing_columns(["due_at", "closed_at"], "zh")
    '缺少字段：办理时限、办结时间'
    """
    zh = check_lang(lang) == "zh"
    lacking = [S.label(c, lang) for c in columns if c not in empty]
    blank = [S.label(c, lang) for c in columns if c in empty]
    parts = []
    if lacking:
        parts.append(f"缺少字段：{'、'.join(lacking)}" if zh else f"no column for {', '.join(lacking)}")
    if blank:
        parts.append(f"{'、'.join(blank)}字段本月为空" if zh else
                     f"{', '.join(blank)} {'is' if len(blank) == 1 else 'are'} empty this month")
    return ("；" if zh else "; ").join(parts)


def not_in_export(columns, lang: str, empty=()) -> str:
    """What a page, sheet or slide says for a measure the export cannot give, naming the missing columns
    (:func:`missing_columns`; ``empty``: columns the export has that are empty this month).

    >>> not_in_export(["due_at", "closed_at"], "en")
    'not in this export (no column for Due at, Closed at)'
    >>> not_in_export(["satisfaction"], "zh")
    '本次导出数据不含此项（缺少字段：满意度）'
    >>> not_in_export(["due_at"], "en", empty=["due_at"])
    'not available this month (Due at is empty this month)'
    """
    why = missing_columns(columns, lang, empty)
    if all(c in empty for c in columns):
        return f"本月无此项数据（{why}）" if check_lang(lang) == "zh" else f"not available this month ({why})"
    return f"本次导出数据不含此项（{why}）" if check_lang(lang) == "zh" else f"not in this export ({why})"


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


def city_hotline(bulletin, lang: str) -> str:
    """The city and its hotline as the bulletin names them: 淄博市12345热线, Zibo 12345 hotline; 热线, hotline when
    it names neither (:func:`hotline`)."""
    if check_lang(lang) == "zh":
        return f"{bulletin.city}{hotline(bulletin, 'zh')}"
    return " ".join(p for p in (bulletin.city_en, hotline(bulletin, "en")) if p)


def pack_title(bulletin, month, lang: str) -> str:
    """The pack's title as the office's bulletins print it: 淄博市12345热线 2021年2月 监督分析."""
    name = city_hotline(bulletin, lang)
    if lang == "zh":
        return f"{name} {month_name(month, lang)} 监督分析"
    return f"{name[:1].upper()}{name[1:]}: supervision analysis, {month_name(month, lang)}"


def masthead(bulletin, lang: str) -> str:
    """The line above the title: marking, issuing body and issue number, those that are set."""
    parts = ([bulletin.marking, bulletin.issuer, bulletin.issue_number] if lang == "zh"
             else [bulletin.marking_en, bulletin.issuer_en, bulletin.issue_number])
    return " · ".join(p for p in parts if p)
