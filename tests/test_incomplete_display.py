"""What a reader sees of an incomplete month and of a rate on too few call-backs: the satisfaction change is "not
comparable" like every other change, the trend charts draw the incomplete month apart, and summary.json keeps a
rate on too few call-backs but says it is too small a base to judge, with no verdict on it. A small export
written here; every figure counted by hand from its rows."""

from __future__ import annotations

import html

import pandas as pd
import pytest

from hotline_analysis.month import MonthReport
from hotline_analysis.month.summary import validate_summary
from hotline_analysis.pack import deck, figures, pages, tables, text
from hotline_analysis.pack.workbook import workbook_tables
from hotline_analysis.settings import settings_from_dict

from .test_absent_measures import HANDLING, PRESET
from .written import ingest_written

NEVER = {"en": "not comparable", "zh": "不可比"}  # the notice above says why
NOT_JUDGED = {"en": "not judged", "zh": "未判断"}  # in a table cell: the notice above the table says why

#: Call-backs per month and unit: (satisfied, dissatisfied). March has orders but no call-back answers.
#: Unit A: April 20 of 20 satisfied, May 0 of 10 (100% -> 0%: -100 points); Unit B: 40 of 40, then 38 of 40
#: (100% -> 95%: -5 points).
ANSWERS = {("2024-04", "Unit A"): (20, 0), ("2024-05", "Unit A"): (0, 10),
           ("2024-04", "Unit B"): (40, 0), ("2024-05", "Unit B"): (38, 2)}
#: Orders per month and unit: net complaints A 20, 20, 10 and B 40, 40, 40 (March to May).
ORDERS = {("2024-03", "Unit A"): 20, ("2024-03", "Unit B"): 40, **{k: sum(v) for k, v in ANSWERS.items()}}


def _rows(may_days: int) -> list[tuple]:
    """The export's rows: each month's orders spread over its days (May's over its first ``may_days``)."""
    rows = []
    for (month, unit), n in ORDERS.items():
        days = may_days if month == "2024-05" else pd.Period(month, "M").days_in_month
        good, bad = ANSWERS.get((month, unit), (0, 0))
        answers = ["满意"] * good + ["不满意"] * bad + [""] * (n - good - bad)
        for i, a in enumerate(answers):
            day = 1 + (i * days) // n if i < n - 1 else days  # the last order on the last day
            rows.append((f"{unit[-1]}{month}-{i}", f"{month.replace('-', '/')}/{day:02d} 09:00", unit, a))
    return rows


def store(folder, may_days: int):
    """The rows as an export with a satisfaction column and nothing of handling, ingested: the store's folder."""
    frame = pd.DataFrame(_rows(may_days), columns=["编号", "受理时间", "承办单位", "回访结果"])
    absent = ", ".join([HANDLING, "is_reasonable"])
    return ingest_written(folder, frame, PRESET.format(extra="  satisfaction: 回访结果\n", absent=absent), "tiny")


#: Ten call-backs are enough here, so both units' May rates are judged.
TEN = settings_from_dict({"satisfaction": {"min_surveyed": 10}})


@pytest.fixture(scope="module")
def partial(tmp_path_factory):
    """May stops on the 8th: 50 orders in 8 days, then 23 silent days."""
    return MonthReport.build(store(tmp_path_factory.mktemp("partial") / "x", 8), "2024-05", TEN, all_units=True,
                             topics="categories")


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    """May runs to the 31st; the default settings (30 call-backs for a rate): Unit A's 10 are too few."""
    return MonthReport.build(store(tmp_path_factory.mktemp("whole") / "x", 31), "2024-05", all_units=True,
                             topics="categories")


# --- 1. the satisfaction change of an incomplete month ----------------------------------------------------------


def test_the_store_is_as_written(partial, whole):
    assert text.incomplete(partial) and not text.incomplete(whole)
    assert partial.ledger["completeness"]["reason"] == "orders end on 2024-05-08, 23 days before the month does"
    h = whole.history.pivot(index="month", columns="department", values="net_complaints")
    assert h["Unit A"].tolist() == [20, 20, 10] and h["Unit B"].tolist() == [40, 40, 40]


def test_a_complete_month_shows_the_change_in_points(whole):
    """Unit B 38 of 40 (95%) after 40 of 40: -5 points; Unit A's 10 call-backs are too few for a change."""
    t = tables.satisfaction(whole, "en").set_index("Department")
    assert t.loc["Unit B", "Change (points)"] == "−5.00"
    assert pd.isna(t.loc["Unit A", "Change (points)"])
    assert t.loc["Unit A", "Satisfaction (%)"] == "too few"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_incomplete_month_shows_no_change_of_satisfaction(partial, lang):
    """Without the rule the page would show -100 (Unit A) and -5 (Unit B) points."""
    t = tables.satisfaction(partial, lang)
    change = "Change (points)" if lang == "en" else "较上月（百分点）"
    significant = "Significant" if lang == "en" else "显著变化"
    assert t[change].tolist() == [NEVER[lang]] * 2  # the label of every other change cell
    assert t[change].tolist() == tables.departments(partial, lang).iloc[:, 4].tolist()  # the MoM column's
    assert t[significant].tolist() == [NOT_JUDGED[lang]] * 2  # Unit A's fall is significant, but not judged
    sheet = workbook_tables(partial, lang)["satisfaction" if lang == "en" else "满意度"]
    assert sheet[change].tolist() == [NEVER[lang]] * 2


def test_the_page_and_the_slide_judge_no_satisfaction_change_in_an_incomplete_month(partial):
    """Unit A's fall (20 of 20, then 0 of 10) is significant; in part of a month it is neither shown nor called."""
    assert html.unescape(pages.satisfaction_shifts(partial, "en").data) == \
        "<p>Changes of satisfaction against last month: not judged (month incomplete).</p>"
    assert html.unescape(pages.satisfaction_shifts(partial, "zh").data) == \
        "<p>与上月相比的满意率变化：未判断（本月数据不完整）。</p>"
    assert deck.satisfaction_lines(partial, "en")[-1] == \
        "Significant changes on last month (points): not judged (month incomplete)"
    assert deck.satisfaction_lines(partial, "zh")[-1] == "与上月相比显著变化（百分点）：未判断（本月数据不完整）"


@pytest.fixture(scope="module")
def whole_ten(tmp_path_factory):
    """May runs to the 31st, with ten call-backs enough for a rate (as ``partial``)."""
    return MonthReport.build(store(tmp_path_factory.mktemp("whole10") / "x", 31), "2024-05", TEN, all_units=True,
                             topics="categories")


def test_a_satisfaction_drop_is_flagged_only_from_a_whole_month(partial, whole_ten, whole):
    """Unit A: 20 of 20, then 0 of 10: a drop when May is whole and ten call-backs are enough; not in part of May,
    nor when a rate needs 30 call-backs (the default)."""
    flagged = {r.department for r in whole_ten.departments.itertuples() if r.satisfaction_drop}
    assert flagged == {"Unit A"}
    assert not partial.departments.satisfaction_drop.any() and not whole.departments.satisfaction_drop.any()
    # a level against the standard is still judged on the call-backs there are: 0 of 10 is below 95% beyond doubt
    assert partial.actions.reasons.tolist() == [["satisfaction_below"]]


def test_summary_gives_no_satisfaction_change_in_an_incomplete_month(partial, whole):
    s = validate_summary(partial.to_json())
    rows = {d["department"]: d for d in s["departments"]}
    assert [(rows[u]["satisfaction_change_pp"], rows[u]["mom_pct"]) for u in ("Unit A", "Unit B")] == \
        [(None, None)] * 2
    assert rows["Unit A"]["satisfaction_rate"] == 0.0 and rows["Unit B"]["satisfaction_rate"] == 0.95
    assert s["ledger"]["completeness"]["complete"] is False  # the reason, once
    why = "month incomplete: orders end on 2024-05-08, 23 days before the month does"
    assert s["flags"]["not_judged"] == {"surge": why, "commend": why, "satisfaction_drop": why}
    assert validate_summary(whole.to_json())["flags"]["not_judged"] == dict.fromkeys(("surge", "commend",
                                                                                      "satisfaction_drop"))
    b = {d["department"]: d for d in validate_summary(whole.to_json())["departments"]}["Unit B"]
    assert b["satisfaction_change_pp"] == -5.0


# --- 2. the incomplete month on the trend charts ---------------------------------------------------------------


def _apart(fig):
    """Per panel title: (the dashed segment's counts, the hollow point's count)."""
    out = {}
    for ax in fig.axes:
        dashed = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
        hollow = [ln for ln in ax.lines if ln.get_marker() == "o" and ln.get_markerfacecolor() in ("white", "w")]
        if dashed or hollow:
            out[ax.get_title()] = ([list(ln.get_ydata()) for ln in dashed], [list(ln.get_ydata()) for ln in hollow])
    return out


@pytest.mark.parametrize("lang, word", [("en", "month incomplete"), ("zh", "本月数据不完整")])
def test_the_trend_chart_draws_the_incomplete_month_apart(partial, lang, word):
    """April to May: Unit A 20 -> 10, Unit B 40 -> 40, dashed, May a hollow point; the legend says why."""
    fig = figures.draw(partial, "trends", lang)
    assert _apart(fig) == {"Unit A": ([[20, 10]], [[10]]), "Unit B": ([[40, 40]], [[40]])}
    solid = [list(ln.get_ydata()) for ax in fig.axes for ln in ax.lines if ln.get_linestyle() == "-"]
    assert sorted(solid) == [[20, 20], [40, 40]]  # March and April only
    assert [t.get_text() for lg in fig.legends for t in lg.get_texts()] == [word]


def test_a_complete_month_is_drawn_as_every_other(whole):
    fig = figures.draw(whole, "trends", "en")
    assert _apart(fig) == {} and fig.legends == []
    assert sorted(list(ln.get_ydata()) for ax in fig.axes for ln in ax.lines) == [[20, 20, 10], [40, 40, 40]]


# --- 3. a rate on too few call-backs in summary.json --------------------------------------------------------------


def test_summary_keeps_a_rate_on_too_few_call_backs_but_judges_nothing_by_it(whole):
    """Unit A: 0 of 10 satisfied after 20 of 20, a significant fall, on 10 call-backs where a rate needs 30."""
    sat = whole.satisfaction.set_index("department")
    assert bool(sat.loc["Unit A", "significant"])  # the test would call it a drop
    s = validate_summary(whole.to_json())
    assert s["rules"]["satisfaction"]["min_surveyed"] == 30
    rows = {d["department"]: d for d in s["departments"]}
    a, b = rows["Unit A"], rows["Unit B"]
    assert (a["surveyed"], a["satisfaction_rate"]) == (10, 0.0)  # the measured rate stays
    assert a["satisfaction_judged"] is False
    assert a["satisfaction_not_judged_reason"] == "too few call-backs to judge: 10, fewer than the 30 needed"
    assert a["satisfaction_change_pp"] is None and "satisfaction_drop" not in a["flags"]
    assert s["flags"]["satisfaction_drop"] == []
    assert (b["surveyed"], b["satisfaction_rate"], b["satisfaction_judged"]) == (40, 0.95, True)
    assert b["satisfaction_not_judged_reason"] is None


def test_no_page_or_slide_calls_a_shift_on_too_few_call_backs(whole):
    t = tables.satisfaction(whole, "en").set_index("Department")
    assert t.loc["Unit A", "Significant"] == "" and t.loc["Unit A", "Below standard"] == ""
    assert deck.satisfaction_lines(whole, "en")[-1] == "Significant changes on last month (points): none"
    assert html.unescape(pages.satisfaction_shifts(whole, "en").data) == \
        "<p>No unit's satisfaction changed significantly against last month.</p>"


def test_without_a_satisfaction_column_nothing_is_judged(tmp_path):
    from .test_absent_measures import build, tiny_store

    s = validate_summary(build(tiny_store(tmp_path / "x", satisfaction=False, reasonable=False)).to_json())
    assert {(d["surveyed"], d["satisfaction_judged"], d["satisfaction_not_judged_reason"])
            for d in s["departments"]} == {(None, False, "not in this export: needs satisfaction")}
