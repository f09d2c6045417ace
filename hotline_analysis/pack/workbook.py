"""``tables.xlsx``: one sheet per displayed table (:mod:`hotline_analysis.pack.tables`), headers in the pack's
language, numbers as displayed, readable column widths; no cell can become a formula or a link."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pandas as pd

from .. import labels as L
from .. import schema as S
from . import tables, text

#: Sheet names (Excel allows 31 characters); the annual review's names the year reviewed.
SHEETS = {
    "zh": {"overview": "总览", "departments": "部门", S.REQUEST_TYPE: "诉求类型", S.CHANNEL: "受理渠道",
           S.DISTRICT: "区县", "city_handling": "全市办理情况", "handling": "各单位办理情况",
           "overdue": "超期未办结", "satisfaction": "满意度", "issues": "热点问题", "emerging": "新出现问题",
           "actions": "研判与行动", "questions": "询问问题清单", "lookback": "回头看",
           "annual": "{year}年度评议"},
    "en": {"overview": "overview", "departments": "departments", S.REQUEST_TYPE: "request types",
           S.CHANNEL: "channels", S.DISTRICT: "districts", "city_handling": "city handling",
           "handling": "handling by unit", "overdue": "overdue orders", "satisfaction": "satisfaction", "issues": "issues",
           "emerging": "emerging issues", "actions": "actions", "questions": "questions", "lookback": "look-back",
           "annual": "annual review {year}"},
}


def _formula_like(v) -> bool:
    """Text that a spreadsheet would read as a formula if it were typed in (``=``, ``+``, ``-``, ``@`` first)."""
    return isinstance(v, str) and v[:1] in ("=", "+", "-", "@")


def _width(v) -> int:
    s = "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def workbook_tables(report, lang: str) -> dict[str, pd.DataFrame]:
    """The sheets of the workbook, by sheet name."""
    names = SHEETS[L.check_lang(lang)]
    overview = tables.overview(report, lang)
    if text.quotes_chinese(report, lang):  # the issues, emerging issues and questions sheets quote them
        sheets = ", ".join(names[k] for k in ("issues", "emerging", "questions"))
        overview.loc[len(overview)] = [len(overview) + 1, f"{L.QUOTED_EN} (sheets {sheets})."]
    out = {names["overview"]: overview, names["departments"]: tables.departments(report, lang)}
    for dim in (S.REQUEST_TYPE, S.CHANNEL, S.DISTRICT):
        out[names[dim]] = tables.breakdown(report, dim, lang)
    out[names["city_handling"]] = tables.city_handling(report, lang)
    out[names["handling"]] = tables.handling(report, lang)
    out[names["overdue"]] = tables.overdue(report, lang)
    out[names["satisfaction"]] = tables.satisfaction(report, lang)
    out[names["issues"]] = tables.noted(tables.issues(report, lang), text.no_issues(report, lang), lang)
    out[names["emerging"]] = tables.emerging(report, lang)  # one row saying why when there is none
    out[names["actions"]] = tables.action_table(report, lang)
    out[names["questions"]] = tables.questions(report, lang)
    if len(report.lookback):
        out[names["lookback"]] = tables.lookback(report.lookback, lang)
    if len(report.annual):  # January and February: the year before's review candidates
        out[names["annual"].format(year=report.month.year - 1)] = tables.annual(report.annual, lang)
    for name, t in out.items():  # a sheet's units said once over its table on the page (its headers are short)
        if t.attrs.get("note"):
            overview.loc[len(overview)] = [len(overview) + 1, f"{name}{'：' if lang == 'zh' else ': '}{t.attrs['note']}"]
    return out


def write_workbook(sheets: dict[str, pd.DataFrame], path: Path) -> Path:
    """Write ``sheets`` (name -> table) with column widths fitted to their contents (at most 60 wide).

    Every text is written as a string cell (``strings_to_formulas`` off), so no cell is a formula or a link;
    text that would read as a formula if it were typed in again (``+13.79%``, ``=1+1``) also carries Excel's
    quote-prefix style, so editing the cell keeps it text. The value itself is written as it is: a leading
    apostrophe is only how one types such text, in a written file it would be a visible character."""
    with pd.ExcelWriter(path, engine="xlsxwriter",
                        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}}) as xl:
        wrap = xl.book.add_format({"text_wrap": True, "valign": "top"})
        quoted = {False: xl.book.add_format({"quote_prefix": True}),
                  True: xl.book.add_format({"quote_prefix": True, "text_wrap": True, "valign": "top"})}
        for name, t in sheets.items():
            t.to_excel(xl, sheet_name=name[:31], index=False)
            sheet = xl.sheets[name[:31]]
            for i, col in enumerate(t.columns):
                width = max([_width(col), *map(_width, t[col].head(500))]) + 2
                sheet.set_column(i, i, min(width, 60), wrap if width > 60 else None)
                for r, v in enumerate(t[col].tolist(), start=1):
                    if _formula_like(v):
                        sheet.write_string(r, i, v, quoted[width > 60])
            sheet.freeze_panes(1, 0)
    return path
