"""The sentences of a pack: the headline block and the committee's questions, in the pack's language."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import labels as L


def _pct(x: float | None, lang: str) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "不可比" if lang == "zh" else "n/a"
    return f"{x:+.1f}%"


def headline(report, lang: str) -> list[str]:
    """The month in a few sentences, as a bulletin opens: the supervised departments' net complaints with
    their changes, the hotline's volume with the scope of each figure, the top department, the verdicts."""
    t = report.totals()
    led = report.ledger
    d = report.departments
    top = d.iloc[0] if len(d) else None
    falling, rising = int((d.trend == "falling").sum()), int((d.trend == "rising").sum())
    n = {f: len(report.flagged(f)) for f in ("surge", "satisfaction_drop", "commend")}
    if lang == "zh":
        lines = [f"{t['departments']}个监督单位净投诉 {t['net_complaints']:,} 件，环比 {_pct(t['mom_pct'], lang)}，"
                 f"同比 {_pct(t['yoy_pct'], lang)}；{t['fell_mom']}个单位环比下降，{t['rose_mom']}个上升",
                 f"全市热线受理工单 {led['records']:,} 件，其中净投诉 {led['net_complaints']:,} 件"
                 "（投诉、举报类，剔除无效、重复和不合理诉求）"]
        if top is not None:
            lines.append(f"净投诉量最多：{top.department} {top.net_complaints:,} 件（环比 {_pct(top.mom_pct, lang)}，"
                         f"同比 {_pct(top.yoy_pct, lang)}）")
        lines += [f"趋势检验：下降 {falling} 个，上升 {rising} 个（近1、3、6个月与上年同期相比）",
                  f"激增预警 {n['surge']} 个，满意率显著下降 {n['satisfaction_drop']} 个，表扬 {n['commend']} 个"]
        return lines
    lines = [f"{t['departments']} supervised units: {t['net_complaints']:,} net complaints, "
             f"{_pct(t['mom_pct'], lang)} on last month, {_pct(t['yoy_pct'], lang)} on a year ago; "
             f"{t['fell_mom']} fell month on month, {t['rose_mom']} rose",
             f"The whole hotline: {led['records']:,} work orders, of which {led['net_complaints']:,} net complaints "
             "(complaints and reports, without invalid, repeat and unreasonable ones)"]
    if top is not None:
        lines.append(f"Most net complaints: {top.department}, {top.net_complaints:,} "
                     f"({_pct(top.mom_pct, lang)} month on month, {_pct(top.yoy_pct, lang)} year on year)")
    lines += [f"Trend tests: {falling} falling, {rising} rising (last 1, 3 and 6 months against a year earlier)",
              f"Surges {n['surge']}, significant satisfaction drops {n['satisfaction_drop']}, "
              f"commended {n['commend']}"]
    return lines


def question(q, baseline_months: int, lang: str, example: bool = True) -> str:
    """One row of the month result's ``questions`` as a sentence a member can read aloud."""
    if q.label is None or (isinstance(q.label, float) and np.isnan(q.label)):
        return (f"本月净投诉{q.orders}件，较为分散，未形成集中反映的问题。" if lang == "zh" else
                f"{q.orders} net complaints this month, too scattered to form an issue.")
    mean = q.baseline_mean
    ex = f"“{q.examples[0]}”" if example and len(q.examples) else ""
    if lang == "zh":
        if pd.isna(mean):
            change = "无前期数据可比"
        elif q.emerging:
            change = f"比前{baseline_months}个月月均（{mean:.0f}件）多{q.change:.0f}件，显著上升，请说明原因和措施"
        else:
            change = f"前{baseline_months}个月月均{mean:.0f}件"
        cat = f"（{q.category}）" if q.category and q.category != q.label else ""
        return f"本月{q.orders}件投诉反映“{q.label}”{cat}，{change}。" + (f"例如：{ex}" if ex else "")
    if pd.isna(mean):
        change = "no earlier months to compare"
    elif q.emerging:
        change = (f"{q.change:.0f} more than the mean of the {baseline_months} months before ({mean:.0f}), "
                  "a significant rise: what is the cause, and what is being done")
    else:
        change = f"{mean:.0f} a month in the {baseline_months} months before"
    cat = f" ({q.category})" if q.category and q.category != q.label else ""
    return f"{q.orders} complaints this month about “{q.label}”{cat}; {change}." + (f" For example: {ex}" if ex else "")
