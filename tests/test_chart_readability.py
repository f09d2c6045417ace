"""Charts a reader can read: a chart of some of the units says which (in the ranking chart's words), counts have
whole-number ticks, the orders per day show 0 on a day without orders and where the data end, the trend panels
are legible at page width with years that do not run together, and a chart of rows fills a slide of the briefing.
Every expectation worked out by hand."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from hotline_analysis import plots
from hotline_analysis.pack import briefing, figures
from hotline_analysis.pack.deck import Slide

from .test_incomplete_display import TEN, store



def _ticks(ax, axis: str = "y") -> list[float]:
    """The major ticks inside the axis's view (after a draw)."""
    ax.figure.canvas.draw()
    lo, hi = sorted(ax.get_ylim() if axis == "y" else ax.get_xlim())
    return [t for t in (ax.get_yticks() if axis == "y" else ax.get_xticks()) if lo <= t <= hi]


def _year_labels(ax) -> list:
    """The x tick labels drawn (their tick inside the view), after a draw."""
    ax.figure.canvas.draw()
    lo, hi = ax.get_xlim()
    return [t for x, t in zip(ax.get_xticks(), ax.get_xticklabels()) if lo <= x <= hi and t.get_visible()]


def _when(x) -> pd.Timestamp:
    """A date on a matplotlib axis (a number of days, or a date) as a Timestamp."""
    if isinstance(x, (int, float, np.floating)):
        return pd.Timestamp(matplotlib.dates.num2date(x)).tz_localize(None)
    return pd.Timestamp(x)


# --- 1. a chart of some of the units says which -----------------------------------------------------------------


@pytest.mark.parametrize("lang, lowest, note", [
    ("en", "on-time rate", "February 2021 (lowest 20 of 37 by on-time rate)"),
    ("zh", "按期办结率", "February 2021（按期办结率最低的20个，共37个）"),
])
def test_a_chart_of_the_lowest_says_so_in_the_ranking_charts_words(lang, lowest, note):
    assert plots.shown_of("February 2021", 20, 37, lang, lowest=lowest) == note
    assert plots.shown_of("February 2021", 15, 37, lang) == ("February 2021 (top 15 of 37)" if lang == "en" else
                                                            "February 2021（前15个，共37个）")
    assert plots.shown_of("February 2021", 22, 22, lang, lowest=lowest) == "February 2021"  # all shown


def _rates(n: int, at_100: int) -> pd.DataFrame:
    """``n`` units, ``unit 00`` ... ; the first ``n - at_100`` at 80%, 81%, ..., the rest at 100%."""
    rate = [0.80 + 0.01 * i for i in range(n - at_100)] + [1.0] * at_100
    return pd.DataFrame({"department": [f"unit {i:02d}" for i in range(n)], "satisfaction_rate": rate,
                         "ci_low": [r - 0.05 for r in rate], "ci_high": [min(r + 0.03, 1.0) for r in rate],
                         "below_standard_for_sure": [False] * n})


@pytest.mark.parametrize("lang, note", [("en", "February 2021 (lowest 20 of 22 by satisfaction rate)"),
                                        ("zh", "February 2021（满意率最低的20个，共22个）")])
def test_the_satisfaction_chart_says_it_shows_the_lowest_20_of_22(lang, note):
    """22 rated units, 19 of them at 100% (units 03 to 21, their intervals alike): the 20 lowest are units 00-02
    and, of the equal 100% ones, units 03-19 by name; units 20 and 21 are left out, whatever the table's order,
    and the title says so."""
    t = _rates(22, 19)
    for table in (t, t.iloc[::-1], t.sample(frac=1, random_state=1)):
        fig = plots.satisfaction_intervals(table, lang=lang, title="February 2021", standard=0.95)
        ax = fig.axes[0]
        assert ax.get_title() == note
        shown = [x.get_text() for x in ax.get_yticklabels()]
        assert shown[::-1] == [f"unit {i:02d}" for i in range(20)]  # lowest on top
        plt.close(fig)
    fig = plots.satisfaction_intervals(t.head(5), lang=lang, title="February 2021")
    assert fig.axes[0].get_title() == "February 2021"  # all five shown: nothing to say
    plt.close(fig)


def test_of_equal_rates_the_one_whose_interval_reaches_lower_is_shown_first():
    """Two units at 100%: 'b' on 12 call-backs (interval from 0.76), 'a' on 80 (from 0.95); the lowest one shows
    'b', in either language's names ('a' < 'b' by name)."""
    t = pd.DataFrame({"department": ["a", "b"], "satisfaction_rate": [1.0, 1.0], "ci_low": [0.95, 0.76],
                      "ci_high": [1.0, 1.0]})
    fig = plots.satisfaction_intervals(t, lang="en", title="May", top=1)
    assert [x.get_text() for x in fig.axes[0].get_yticklabels()] == ["b"]
    assert fig.axes[0].get_title() == "May (lowest 1 of 2 by satisfaction rate)"
    plt.close(fig)


def test_a_unit_without_a_rate_is_not_counted_among_those_left_out():
    """21 rows, one without a rate: 20 rated, 20 shown: the title has nothing to say."""
    t = _rates(21, 5)
    t.loc[20, "satisfaction_rate"] = np.nan
    fig = plots.satisfaction_intervals(t, lang="en", title="May")
    assert fig.axes[0].get_title() == "May" and len(fig.axes[0].get_yticklabels()) == 20
    plt.close(fig)


def test_the_handling_chart_says_lowest_by_on_time_rate():
    t = _rates(37, 0).rename(columns={"satisfaction_rate": "on_time_rate", "below_standard_for_sure": "slow"})
    fig = plots.satisfaction_intervals(t, lang="en", title="February 2021", value="on_time_rate", marked="slow")
    assert fig.axes[0].get_title() == "February 2021 (lowest 20 of 37 by on-time rate)"
    plt.close(fig)


# --- 2. the trend panels ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("first, last, step", [(2019, 2021, 1), (2020, 2021, 1), (2017, 2020, 1),
                                               (2016, 2020, 2), (2010, 2020, 3), (2010, 2021, 3)])
def test_year_ticks_are_thinned_to_at_most_four(first, last, step):
    """3 years: every one; 5 (2016-2020): every 2nd; 11 or 12: every 3rd (12 / 4 = 3, 11 / 4 -> 3)."""
    assert plots.year_step(first, last) == step


def _history(start: str, end: str, units: list[str]) -> pd.DataFrame:
    months = pd.period_range(start, end, freq="M")
    return pd.DataFrame([(u, m, (i + j) % 2) for j, u in enumerate(units) for i, m in enumerate(months)],
                        columns=["department", "month", "net_complaints"])


def test_trend_panels_are_legible_with_years_under_each_and_a_y_label():
    """NYC's 2010-01 to 2020-12 in six panels, four a row: every panel has the years 2010, 2013, 2016, 2019
    (every third, YearLocator(3)), none overlapping; counts of 0 and 1 have ticks 0 and 1 only; the first panel
    of each row says what is counted."""
    units = ["HPD", "NYPD", "DOT", "DOHMH", "EDC", "MAYOR’S OFFICE OF SPECIAL ENFORCEMENT"]
    fig = plots.monthly_lines(_history("2010-01", "2020-12", units), lang="en", order=units)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == 6
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for i, ax in enumerate(panels):
        labels = _year_labels(ax)
        assert [t.get_text() for t in labels] == ["2010", "2013", "2016", "2019"], ax.get_title()
        boxes = [t.get_window_extent(renderer) for t in labels]
        assert all(a.x1 < b.x0 for a, b in zip(boxes, boxes[1:]))  # apart, not "20102011..."
        assert _ticks(ax) == [0, 1]  # no 0.25 of a complaint
        assert ax.get_ylabel() == ("Net complaints" if i in (0, 4) else "")
    # a long Latin name (its ’ is not ASCII) wraps between words like an English one
    assert panels[5].get_title() == "MAYOR’S OFFICE OF SPECIAL\nENFORCEMENT"
    plt.close(fig)


def test_an_english_chart_draws_a_names_typographic_quotes_as_ascii():
    """The charts' CJK font draws ’ full width ("MAYOR’ S"); a zh chart keeps Chinese quotes as they are."""
    assert figures.chart_name("MAYOR’S OFFICE OF SPECIAL ENFORCEMENT", "en") == "MAYOR'S OFFICE OF SPECIAL ENFORCEMENT"
    assert figures.chart_name("“Quoted” ‘unit’", "en") == "\"Quoted\" 'unit'"
    assert figures.chart_name("“市民热线”办公室", "zh") == "“市民热线”办公室"


def test_trend_panel_fonts_read_at_page_width():
    """The figure is 13 in wide; on a page about 1,100 px wide it shows at 1100 / (13 x dpi) of its pixels, so a
    font of s points shows at s x dpi / 72 x 1100 / (13 x dpi) = s x 1100 / 936 px: titles 12 pt -> 14.1 px,
    ticks 11 pt -> 12.9 px (before: 9 and 7 pt on 15.6 in, 8.8 and 6.9 px)."""
    fig = plots.monthly_lines(_history("2019-01", "2021-02", ["甲", "乙", "丙", "丁", "戊"]), lang="zh")
    width = fig.get_figwidth()
    assert width == 13

    def px(points: float) -> float:
        return points * 1100 / (72 * width)

    panel = fig.axes[0]
    fig.canvas.draw()
    assert px(panel.title.get_fontsize()) == pytest.approx(14.1, abs=0.05)
    assert px(panel.get_xticklabels()[0].get_fontsize()) == pytest.approx(12.9, abs=0.05)
    assert px(panel.get_yticklabels()[0].get_fontsize()) == pytest.approx(12.9, abs=0.05)
    assert panel.get_ylabel() == "净投诉量"
    assert [t.get_text() for t in _year_labels(fig.axes[4])] == ["2019", "2020", "2021"]  # the lower row too
    plt.close(fig)


# --- 3. orders per day, and whole orders ------------------------------------------------------------------------


def test_a_day_without_orders_counts_zero_up_to_the_last_day_of_data():
    """Orders on the 1st (1), 2nd (2) and 5th (1, at two times of day: 1 in all): the 3rd and 4th are 0; nothing
    after the 5th, the last day of data."""
    s = pd.Series([1, 2, 1], index=[pd.Timestamp("2021-02-01"), pd.Timestamp("2021-02-02"),
                                    pd.Timestamp("2021-02-05 09:30")])
    days = plots.daily_days(s)
    assert days.tolist() == [1, 2, 0, 0, 1]
    assert list(days.index) == list(pd.date_range("2021-02-01", "2021-02-05"))
    late = pd.Series([3], index=pd.to_datetime(["2021-02-03"]))  # the month's first days without orders too
    assert plots.daily_days(late).tolist() == [0, 0, 3]


@pytest.mark.parametrize("lang, mark", [("en", "orders end 2021-02-05"), ("zh", "工单截至2021-02-05")])
def test_the_daily_chart_draws_zero_days_whole_ticks_and_where_the_data_end(lang, mark):
    s = pd.Series([1, 2, 1], index=pd.to_datetime(["2021-02-01", "2021-02-02", "2021-02-05"]))
    fig = plots.daily_series(s, lang=lang)
    ax = fig.axes[0]
    assert list(ax.lines[0].get_ydata()) == [1, 2, 0, 0, 1]
    assert all(float(t).is_integer() for t in _ticks(ax))  # 0, 1, 2: no 1.25
    assert [t.get_text().strip() for t in ax.texts] == [mark]
    end = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    assert len(end) == 1 and _when(end[0].get_xdata()[0]) == pd.Timestamp("2021-02-05 12:00")  # after the 5th
    assert _when(ax.get_xlim()[1]) == pd.Timestamp("2021-02-28 12:00")  # the axis runs to the month's end
    plt.close(fig)


def test_a_whole_month_has_no_end_mark():
    days = pd.date_range("2021-02-01", "2021-02-28")
    fig = plots.daily_series(pd.Series(5, index=days), lang="en")
    assert len(fig.axes[0].texts) == 0 and not [ln for ln in fig.axes[0].lines if ln.get_linestyle() == "--"]
    plt.close(fig)


def test_the_pack_daily_chart_marks_an_export_ending_on_the_8th(tmp_path):
    """The small export of test_incomplete_display: May's orders stop on the 8th."""
    from hotline_analysis.month import MonthReport

    report = MonthReport.build(store(tmp_path / "x", 8), "2024-05", TEN, all_units=True, topics="categories")
    fig = figures.draw(report, "daily", "en")
    ax = fig.axes[0]
    assert [t.get_text().strip() for t in ax.texts] == ["orders end 2024-05-08"]
    assert len(ax.lines[0].get_ydata()) == 8  # the 1st to the 8th, no zeros after the data end
    plt.close(fig)


def test_the_issues_chart_counts_whole_orders():
    """Two issues of 1 and 2 orders: x ticks 0, 1, 2 (no 0.5)."""
    issues = pd.DataFrame({"department": ["甲", "乙"], "label": ["路灯", "噪音"], "orders": [2, 1],
                           "baseline_mean": [np.nan, np.nan], "emerging": [False, False]})
    fig = plots.issue_bars(issues, lang="zh")
    assert all(float(t).is_integer() for t in _ticks(fig.axes[0], "x"))
    plt.close(fig)


def test_english_issues_put_the_issue_under_the_units_name_and_leave_the_bars_room():
    """A long English unit's name and its issue on one line took five sixths of the figure's width."""
    dep = "Municipal Bureau of Human Resources and Social Security"
    issues = pd.DataFrame({"department": [dep, "Municipal Bureau of Statistics"], "orders": [93, 40],
                           "baseline_mean": [111.3, 45.0], "emerging": [True, False],
                           "label": ["Migrant workers' unpaid wages: 工地包工头拖欠农民工工资", "Statistical surveys: 统计调查员上门登记信息"]})
    fig = plots.issue_bars(issues, lang="en")
    fig.canvas.draw()
    shown = [x.get_text() for x in fig.axes[0].get_yticklabels()]
    assert shown[-1] == f"▲ {dep}:\nMigrant workers' unpaid wages: 工地包工头拖欠农民工工资"  # top row: the first issue
    assert fig.axes[0].get_position().width > 0.4
    assert [x.get_text() for x in fig.axes[0].get_legend().get_texts()] == [
        "Mean of the months before", "▲ Rising significantly (see the table)"]  # what the tick and the ▲ are
    plt.close(fig)


def test_the_issues_chart_says_what_its_marks_are_and_only_those_it_draws():
    issues = pd.DataFrame({"department": ["甲", "乙"], "label": ["路灯", "噪音"], "orders": [20, 10],
                           "baseline_mean": [np.nan, np.nan], "emerging": [True, False]})
    fig = plots.issue_bars(issues, lang="zh")
    assert [x.get_text() for x in fig.axes[0].get_legend().get_texts()] == ["▲ 显著上升（见下表）"]
    plt.close(fig)
    fig = plots.issue_bars(issues.assign(emerging=False), lang="zh")
    assert fig.axes[0].get_legend() is None  # neither a tick nor a ▲ drawn
    plt.close(fig)


# --- 4. a chart of rows fills a slide ----------------------------------------------------------------------------


def test_the_slide_body_is_the_briefings_picture_box():
    """16:9 is 13.333 x 7.5 in; 0.5 in margins, 1.0 in of title and 0.3 in under it: 12.333 x 5.7 in."""
    assert figures.SLIDE_BODY == pytest.approx((12.333, 5.7), abs=0.001)


def test_a_chart_of_rows_fills_the_slide_and_uses_slide_sized_fonts(tmp_path):
    """20 rows 0.3 in apart want 7.4 in: the figure is the body's 12.333 x 5.7; 5 rows want 2.9 in and take the
    body's width. On the slide either is 12.33 in wide (before: 8 x 7.2 in, shown at 6.3 x 5.7), its labels 12 pt."""
    from pptx import Presentation

    for rows, height in ((20, 5.7), (5, 0.3 * 5 + 1.4)):
        fig = plots.satisfaction_intervals(_rates(rows, 0), lang="en", size=figures.SLIDE_BODY)
        assert tuple(fig.get_size_inches()) == pytest.approx((12.333, height), abs=0.001)
        assert {t.get_fontsize() for t in fig.axes[0].get_yticklabels()} == {12}
        png = plots.save(fig, tmp_path / f"rows{rows}.png")
        pptx = briefing.write_briefing([Slide("t", image=png)], tmp_path / f"rows{rows}.pptx")
        pic = [s for s in Presentation(str(pptx)).slides[0].shapes if s.shape_type == 13][0]
        assert pic.width / 914400 == pytest.approx(12.333, abs=0.01)


def test_english_panel_titles_stay_within_their_panels():
    """Long English names of the Zibo catalogue, wrapped between words: no title is wider than its panel and half
    the gaps beside it (measured in the chart's own font), none runs past the figure's edge."""
    import matplotlib.pyplot as plt
    import pandas as pd

    from hotline_analysis import plots

    names = ["Municipal Health Commission ↓44%", "Municipal Housing Provident Fund Management Centre ↓36%",
             "Municipal State-owned Assets Supervision and Administration Commission ↓32%"]
    months = pd.period_range("2019-01", periods=26, freq="M")
    table = pd.DataFrame([(n, m, 10) for n in names for m in months], columns=["department", "month", "net_complaints"])
    fig = plots.monthly_lines(table, lang="en")
    r = fig.canvas.get_renderer()
    for ax in fig.axes[:3]:  # within the gap between panels (a third of a panel), and inside the figure
        t = ax.title.get_window_extent(r)
        assert t.width <= ax.get_window_extent(r).width * 1.15 and 0 <= t.x0 and t.x1 <= fig.bbox.width, ax.get_title()
    plt.close(fig)


def test_the_annual_chart_leaves_its_bars_half_the_width_beside_long_english_names():
    """Fifteen Zibo units in English (up to 54 characters) on one line each left the bars about 0.4 of the width."""
    long = "Municipal Bureau of Housing and Urban-Rural Development"
    t = pd.DataFrame({"department": [long, *(f"Municipal Bureau of Unit {i}" for i in range(14))],
                      "annual": np.arange(15, 0, -1) * 100, "previous": np.arange(15, 0, -1) * 110})
    fig = plots.annual_bars(t, lang="en")
    fig.canvas.draw()
    assert fig.axes[0].get_position().width >= 0.5
    assert fig.axes[0].get_yticklabels()[-1].get_text() == "Municipal Bureau of Housing\nand Urban-Rural Development"
    assert "1,000" in [x.get_text() for x in fig.axes[0].get_xticklabels()]  # counts as the tables write them
    plt.close(fig)
