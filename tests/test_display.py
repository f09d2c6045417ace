"""How figures are shown: tables with one number of decimals per column, trend panels coloured by verdict."""

from __future__ import annotations

import re

import matplotlib
import numpy as np
import pandas as pd

from hotline_analysis import plots
from hotline_analysis.pack.pages import table

matplotlib.use("Agg")


def cells(html: str) -> list[tuple[str, str]]:
    return re.findall(r"<td( class=\"num\")?>([^<]*)</td>", html)


def test_a_numeric_column_shows_every_value_with_the_same_decimals_right_aligned():
    t = pd.DataFrame({"unit": ["a", "b", "c"], "orders": [1, 20000, 3], "mom": [-30.8, -29.86, -20.0],
                      "rate": [98.72, "样本不足", 100.0], "p": [0.0012, 0.5, np.nan]})
    got = cells(table(t).data)
    rows = [got[i:i + 5] for i in range(0, len(got), 5)]
    assert [c for _, c in rows[0]] == ["a", "1", "-30.80", "98.72", "0.0012"]
    assert [c for _, c in rows[1]] == ["b", "20,000", "-29.86", "样本不足", "0.5000"]
    assert [c for _, c in rows[2]] == ["c", "3", "-20.00", "100.00", ""]
    assert [bool(k) for k, _ in rows[0]] == [False, True, True, True, True]
    assert '<th class="num">mom</th>' in table(t).data and "<th>unit</th>" in table(t).data


def test_a_column_of_words_with_a_stray_figure_stays_text():
    got = cells(table(pd.DataFrame({"trend": ["下降", "无明显变化", 3.5]})).data)  # two different words
    assert got == [("", "下降"), ("", "无明显变化"), ("", "3.5")]


def test_trend_panels_take_the_verdicts_colour_and_shade_its_window():
    months = pd.period_range("2019-01", "2021-02", freq="M")
    hist = pd.DataFrame([(d, m, 50) for d in ("up", "down", "flat") for m in months],
                        columns=["department", "month", "net_complaints"])
    verdicts = pd.DataFrame({"trend": ["rising", "falling", "no_trend"], "trend_window": [6, 2, np.nan],
                             "trend_ratio": [1.25, 0.7, np.nan]}, index=["up", "down", "flat"])
    fig = plots.monthly_lines(hist, lang="en", verdicts=verdicts, ncols=3)
    axes = {ax.get_title().split(" ")[0]: ax for ax in fig.axes if ax.get_visible()}
    assert axes["up"].get_title() == "up ↑25%" and axes["down"].get_title() == "down ↓30%"
    assert axes["flat"].get_title() == "flat"
    for name, trend in (("up", "rising"), ("down", "falling"), ("flat", "no_trend")):
        assert matplotlib.colors.same_color(axes[name].lines[0].get_color(), plots.VERDICT_COLORS[trend])
    # the shaded months: the last 6 (2020-09..2021-02) and the last 2 (2021-01..02); none without a verdict
    for name, first in (("up", "2020-09"), ("down", "2021-01")):
        (span,) = axes[name].patches
        x0 = span.get_x() if hasattr(span, "get_x") else span.get_xy()[0][0]
        assert matplotlib.dates.num2date(x0).strftime("%Y-%m-%d") == f"{first}-01"
    assert not axes["flat"].patches
    matplotlib.pyplot.close(fig)


def test_whole_counts_beside_rates_stay_whole():
    t = pd.DataFrame({"measure": ["orders", "on-time rate"], "this_month": [50064, 97.19]}, dtype=object)
    assert [c for _, c in cells(table(t).data)] == ["orders", "50,064", "on-time rate", "97.19"]


def test_changes_written_with_their_unit_are_aligned_as_figures():
    t = pd.DataFrame({"mom": ["+10.07 pts", "-30.23%", None], "yoy": ["+0.60个百分点", "较少", "较多"]})
    assert [bool(k) for k, _ in cells(table(t).data)] == [True, False, True, False, True, False]


def test_a_placeholder_word_for_most_values_leaves_the_column_numeric():
    t = pd.DataFrame({"rate": [98.7, "样本不足", "样本不足", 100.0]})
    assert cells(table(t).data) == [(' class="num"', "98.7")] + [(' class="num"', "样本不足")] * 2 + [
        (' class="num"', "100.0")]


def test_a_long_slide_title_gets_a_smaller_font_to_stay_on_its_line():
    from hotline_analysis.pack.briefing import _title_size

    assert _title_size("局" * 10, 10) == 28  # 720 pt / 10 em = 72: capped at 28
    assert _title_size("局" * 30, 10) == 24  # 720 / 30
    assert _title_size("a" * 50, 10) == 24  # 720 / (50 x 0.6)
    assert _title_size("局" * 60, 10) == 18  # 12 would be needed: never below 18 (it wraps instead)


def test_long_english_unit_names_wrap_in_the_trend_panels():
    months = pd.period_range("2020-01", "2021-02", freq="M")
    long, zh = "Municipal Bureau of Housing and Urban-Rural Development", "市住房和城乡建设局"
    hist = pd.DataFrame([(d, m, 50) for d in (long, zh) for m in months], columns=["department", "month", "net_complaints"])
    verdicts = pd.DataFrame({"trend": ["falling", "falling"], "trend_window": [3, 3], "trend_ratio": [0.84, 0.84]},
                            index=[long, zh])
    fig = plots.monthly_lines(hist, lang="en", verdicts=verdicts, ncols=2)
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert titles == ["Municipal Bureau of Housing\nand Urban-Rural Development\n↓16%", "市住房和城乡建设局 ↓16%"]
    matplotlib.pyplot.close(fig)


def test_ratio_axis_reads_as_plain_numbers():
    from hotline_analysis.plots import rate_ratios

    t = pd.DataFrame({"department": ["甲", "乙"], "rate_ratio": [0.72, 1.3], "ci_low": [0.34, 0.78],
                      "ci_high": [1.53, 2.18]})
    ax = rate_ratios(t).axes[0]
    assert [x.get_text() for x in ax.get_xticklabels()] == ["0.5", "0.7", "1", "1.5", "2"]  # not 4 x 10^-1
    assert not ax.xaxis.get_minorticklocs().size
    # the rows top to bottom as the table lists them (甲 first, the larger ratio), not re-sorted by ratio
    ax = rate_ratios(t.assign(department=["乙", "甲"]).iloc[::-1]).axes[0]
    top_first = sorted(zip(ax.get_yticks(), [x.get_text() for x in ax.get_yticklabels()]),
                       key=lambda p: p[0], reverse=ax.yaxis_inverted() is False)
    assert [name for _, name in top_first] == ["甲", "乙"]


def test_a_trend_verdict_names_the_test_it_rests_on_without_claiming_every_month_moved():
    from types import SimpleNamespace

    from hotline_analysis.pack.text import trend_word

    ramp = SimpleNamespace(complete=True, trend="rising", trend_window=6.0, trend_kind="ramp", trend_current=293.0,
                           trend_base=231.6)
    step = SimpleNamespace(complete=True, trend="falling", trend_window=3.0, trend_kind="step", trend_current=1204.0,
                           trend_base=1410.4)
    assert trend_word(ramp, "en") == "rising (trend line over the last 6 months: 293 against 232 at its earlier level)"
    assert trend_word(ramp, "zh") == "上升（近6个月趋势线上行：293件，按此前水平应为232件）"
    assert trend_word(step, "en") == "falling (last 3 months: 1,204 against 1,410 at its earlier level)"
    assert trend_word(step, "zh") == "下降（近3个月：1,204件，按此前水平应为1,410件）"
    assert "逐月" not in trend_word(ramp.__class__(**{**vars(ramp), "trend": "falling"}), "zh")


def test_the_headline_counts_units_below_the_on_time_standard_and_those_below_beyond_doubt():
    from types import SimpleNamespace

    from hotline_analysis.pack.text import handling_line
    from hotline_analysis.settings import load_settings

    m = pd.Period("2021-02", "M")
    city = pd.DataFrame({"month": [m - 1, m], "on_time_rate": [0.87, 0.97], "dispatched": [900, 1000],
                         "open": [50, 40], "overdue": [5, 4]})
    units = pd.DataFrame({"month": m, "below_on_time": [True, True, True, True, False],
                          "slow": [True, True, True, False, False]})  # four below 90%, three beyond doubt
    report = SimpleNamespace(month=m, city_handling=city, handling=units, settings=load_settings())
    assert handling_line(report, "en").endswith("units below the on-time standard of 90%: 4, of which 3 below it "
                                                "beyond doubt (the interval's upper end too)")
    assert handling_line(report, "zh").endswith("按期办结率低于90%的单位4个，其中确定低于（置信区间上限也低于）的3个")


def test_a_wide_table_scrolls_in_its_own_box_and_keeps_names_to_two_lines():
    long = "Municipal Bureau of Housing and Urban-Rural Development"
    t = pd.DataFrame({"unit": [long, "市住房和城乡建设局"], "orders": [1, 2],
                      "missed": ["on-time closure below standard, reassignment above standard", ""], "grade": ["A", "B"]})
    page = table(t).data
    assert page.startswith('<div class="table-scroll"><table') and page.endswith("</table></div>")
    # the names' column as wide as 16 em (two lines of the longest name), other words up to 12, short ones free
    assert '<th style="min-width:16em">unit</th>' in page and '<th style="min-width:12em">missed</th>' in page
    assert "<th>grade</th>" in page and '<th class="num">orders</th>' in page
    from hotline_analysis.pack.pages import STYLE

    assert "div.table-scroll{overflow-x:auto" in STYLE and "table-layout:auto" in STYLE



def test_a_change_always_shows_its_sign_a_zero_none():
    from hotline_analysis.pack.text import signed

    assert signed(8.41) == "+8.41" and signed(-29.9) == "−29.90"  # the minus is U+2212, as wide as the plus
    assert signed(10.154, 2, "个百分点") == "+10.15个百分点" and signed(-3.44, 2, " pts") == "−3.44 pts"
    assert signed(-0.004) == "0.00" and signed(0) == "0.00"  # rounds to no change: no sign, never "−0.00"
    assert signed(1234.56, 1, "%") == "+1,234.6%" and signed(float("nan")) is None and signed(None) is None


def test_a_change_on_a_tie_is_rounded_as_summary_json_rounds_it():
    """17 more on 32 is +53.125%: 四舍五入 gives 53.13 (Python's round gives 53.12), as summary.json's mom_pct."""
    from hotline_analysis.pack.text import signed

    assert signed((49 - 32) / 32 * 100) == "+53.13" and signed((15 - 32) / 32 * 100) == "−53.13"
    assert signed(2.675) == "+2.68"  # 2.675 is 2.67499... in binary; the bulletin's 2.68
    assert signed((49 - 32) / 32 * 100, rule="truncate") == "+53.12"


def test_signed_changes_beside_words_are_aligned_as_figures():
    t = pd.DataFrame({"mom": ["+8.41", "−29.90", "0.00", "新增", None]})
    assert cells(table(t).data) == [(' class="num"', v) for v in ("+8.41", "−29.90", "0.00", "新增", "")]


def test_a_short_chinese_header_stays_on_one_line():
    t = pd.DataFrame({"前期月均": [211.0], "显著上升": ["是"], "与全市其他单位之差（百分点）": ["+1.00"], "grade": ["A"]})
    page = table(t).data
    assert '<th class="num" style="white-space:nowrap">前期月均</th>' in page
    assert '<th style="white-space:nowrap">显著上升</th>' in page
    assert '<th class="num">与全市其他单位之差（百分点）</th>' in page and "<th>grade</th>" in page


def test_units_below_the_on_time_standard_are_named_once_with_those_below_it_beyond_doubt():
    from types import SimpleNamespace

    from hotline_analysis.pack.pages import standards_sentence
    from hotline_analysis.settings import load_settings

    m = pd.Period("2021-02", "M")
    h = pd.DataFrame({"month": m, "department": ["甲", "乙", "丙", "丁"], "below_on_time": [True, True, True, False],
                      "slow": [True, True, False, False], "reassign_high": [False, True, False, False]})
    report = SimpleNamespace(month=m, handling=h, settings=load_settings(), absent={})
    assert standards_sentence(report, "zh") == ("按期办结率低于90%的单位（应办结至少30件）：甲、乙、丙；其中确定低于标准"
                                                "（95%置信上限也低于90%）的：甲、乙；重派率确定高于3%的单位：乙。")
    assert standards_sentence(report, "en") == ("On-time closure below 90% (at least 30 due): 甲, 乙, 丙; of them below "
                                                "it beyond doubt (the upper 95% bound below 90% too): 甲, 乙. "
                                                "Reassignment above 3% beyond doubt: 乙.")
    none = SimpleNamespace(**{**vars(report), "handling": h.assign(below_on_time=False, slow=False)})
    assert standards_sentence(none, "zh").startswith("按期办结率低于90%的单位（应办结至少30件）：无；重派率")
