"""Another city's export in the pack (trial of a non-Zibo city): names already in English, no free text, a
one-level category, a partial last month, a short history; and the workbook's cells as a reader sees them."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import openpyxl
import pandas as pd
import pytest

from hotline_analysis.cli import main
from hotline_analysis.ingest.presets import PresetWarning
from hotline_analysis.month import MonthReport
from hotline_analysis.pack import figures, pages, tables, text
from hotline_analysis.pack.deck import slides
from hotline_analysis.pack.index import _untranslated
from hotline_analysis.pack.workbook import write_workbook

from .english_export import FIXTURE, PRESET


def test_workbook_cells_show_no_apostrophe_and_are_never_formulas(tmp_path: Path):
    """A change written "+13.79%" reads back as exactly that, a string; text a spreadsheet would take for a
    formula if typed in carries the quote-prefix style instead of a literal apostrophe."""
    t = pd.DataFrame({"change": ["+13.79%", "-3.44个百分点", "=HYPERLINK(\"http://x\")", "@SUM(A1)", "13%"],
                      "n": [1, 2, 3, 4, 5]})
    path = write_workbook({"city handling": t}, tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(path)["city handling"]
    cells = [ws.cell(row=r, column=1) for r in range(2, 7)]
    assert [c.value for c in cells] == t.change.tolist()
    assert all(c.data_type == "s" for c in cells)  # text, never a formula ("f")
    assert [c.quotePrefix for c in cells] == [True, True, True, True, False]
    assert [ws.cell(row=r, column=2).value for r in range(2, 7)] == [1, 2, 3, 4, 5]


def test_index_lists_only_names_in_chinese_joined_the_english_way():
    report = SimpleNamespace(supervised=["Dept of Sanitation", "江州市环卫局", "Water Bureau"],
                             issues=pd.DataFrame({"category": ["Noise", None, "噪音扰民"]}),
                             breakdowns=pd.DataFrame({"dimension": ["district", "district", "channel"],
                                                      "value": ["Eastside", "江北区", "电话"]}))
    html = _untranslated(report)
    assert "江州市环卫局, 噪音扰民, 江北区" in html
    assert "Dept of Sanitation" not in html and "Eastside" not in html and "、" not in html and "电话" not in html


# --- a small export built here: English names, no text, one level of categories, a partial last month ----------

PARKS, WATER, PERMITS = "Parks and Recreation Department", "City Water Utility", "Building Division, Permits"
#: Orders per month, unit (exported spelling) and category. 2023-05 stops on the 8th.
PLAN = {
    **{m: {("Parks & Recreation", "Noise"): 2, ("Parks & Recreation", "Pothole"): 2,
           ("City Water Utility", "Street Light Out"): 5} for m in ("2023-01", "2023-02", "2023-03")},
    "2023-04": {("Parks & Recreation", "Noise"): 6, ("Parks & Recreation", "Pothole"): 4,
                ("Parks & Recreation", "Tree Down"): 1, ("City Water Utility", "Street Light Out"): 5,
                ("BUILDING DIV, PERMITS", "Permit Delay"): 3},
    "2023-05": {("Parks & Recreation", "Noise"): 3, ("City Water Utility", "Street Light Out"): 4},
}
LAST_DAY = {"2023-05": 8}


def write_city(folder: Path, category: bool = True) -> Path:
    """The export of :data:`PLAN` in the English fixture's layout, the orders of a month spread evenly up to
    its last day (the 8th for 2023-05); ``category=False`` leaves the category column out."""
    rows = []
    for month, cells in PLAN.items():
        m = pd.Period(month, "M")
        flat = [(u, c) for (u, c), n in cells.items() for _ in range(n)]
        last = LAST_DAY.get(month, m.days_in_month)
        days = np.linspace(1, last, len(flat)).round().astype(int)
        for (unit, cat), day in zip(flat, days):
            rows.append({"Request ID": f"SR-{len(rows) + 1:05d}",
                         "Opened": pd.Timestamp(m.year, m.month, day, 10).strftime("%m/%d/%Y %I:%M:%S %p"),
                         "Closed": "", "Source": "Phone", "Request Category": cat, "Ward": "Ward 3",
                         "Responsible Unit": unit})
    df = pd.DataFrame(rows)
    if not category:
        df = df.drop(columns="Request Category")
    folder.mkdir(parents=True, exist_ok=True)
    df.to_csv(folder / "service_requests.csv", index=False)
    return folder / "service_requests.csv"


def ingest(tmp: Path, category: bool = True) -> Path:
    preset = tmp / "preset" / "preset.yaml"
    preset.parent.mkdir(parents=True)
    shutil.copy(FIXTURE / "units.csv", preset.parent / "units.csv")
    text_ = PRESET.read_text("utf-8")
    if not category:
        text_ = text_.replace("  category_l1: Request Category\n", "")
    preset.write_text(text_, "utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PresetWarning)
        code = main(["ingest", str(write_city(tmp / "raw", category)), "--preset", str(preset), "--store",
                     str(tmp / "store"), "--quiet", "--jobs", "1"])
    assert code == 0
    return tmp / "store"


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    return ingest(tmp_path_factory.mktemp("city"))


@pytest.fixture(scope="module")
def april(city):
    return MonthReport.build(city, "2023-04", all_units=True)


@pytest.fixture(scope="module")
def may(city):
    return MonthReport.build(city, "2023-05", all_units=True)


def _issues(report) -> dict:
    return {(r.department, r.label): (r.rank, r.orders) for r in report.issues.itertuples()}


def test_without_text_the_issues_are_the_categories_with_their_change(april):
    assert april.topics_from == "categories"
    # categories of at least topics.min_orders (3) orders, ranked by orders; the mean of Jan-Mar before
    assert _issues(april) == {(PARKS, "Noise"): (1, 6), (PARKS, "Pothole"): (2, 4), (WATER, "Street Light Out"): (1, 5),
                              (PERMITS, "Permit Delay"): (1, 3)}
    i = april.issues.set_index("label")
    assert i.loc["Noise", "baseline_mean"] == 2 and i.loc["Noise", "change"] == 4
    assert i.loc["Street Light Out", "baseline_mean"] == 5 and i.loc["Street Light Out", "change"] == 0
    heading = pages.heading("05_topics", april, "en").data
    assert "one per category" in heading and "citizens' own words" not in heading


def test_categories_mode_uses_a_one_level_category(city):
    report = MonthReport.build(city, "2023-04", all_units=True, topics="categories")
    assert report.topics_from == "categories"
    assert _issues(report) == {(PARKS, "Noise"): (1, 6), (PARKS, "Pothole"): (2, 4), (PARKS, "Tree Down"): (3, 1),
                               (WATER, "Street Light Out"): (1, 5), (PERMITS, "Permit Delay"): (1, 3)}


def test_without_text_or_category_the_issues_are_not_in_this_export(tmp_path):
    report = MonthReport.build(ingest(tmp_path, category=False), "2023-04", all_units=True)
    assert report.topics_from == "none" and report.issues.empty
    q = tables.questions(report, "en")
    assert q.iloc[:, 2].isna().all()  # no issue, no number (never "0")
    parks = q[q.iloc[:, 0] == PARKS].iloc[0, 3]
    assert parks == ("11 net complaints this month; the issues are not in this export (it has neither the request "
                     "text nor a category).")
    assert not any("scattered" in s for s in q.iloc[:, 3])
    assert tables.issues(report, "en").empty
    assert "not in this export" in pages.heading("05_topics", report, "en").data
    assert "不含此项" in pages.no_emerging(report, "zh").data
    deck = slides(report, tmp_path / "no_figures", "en")
    assert any(text.NO_ISSUES["en"] in line for s in deck for line in s.lines)


def test_small_bases_show_new_or_n_a_as_the_readme_says(april):
    d = tables.departments(april, "en").set_index("Department")
    mom, yoy = "MoM (%)", "YoY (%)"
    assert d.loc[PARKS, mom] == "n/a"  # 11 on a base of 4 (below 5)
    assert d.loc[PERMITS, mom] == "new"  # 3 on a base of 0
    assert d.loc[WATER, mom] == "0.00"  # 5 on 5: no change, so no sign
    assert (d[yoy] == "n/a").all()  # 2022-04 is not in the store
    zh = tables.departments(april, "zh")
    assert zh[zh.iloc[:, 1] == PERMITS].iloc[0, 4] == "新增"


def test_the_seasonal_test_says_it_was_not_run_on_a_short_history(april):
    t = tables.long_trends(april, "en")
    assert set(t["Trend"]) == {"not tested: needs 24 months (has 4)"}
    assert t["Change per year (orders)"].isna().all()
    assert set(tables.long_trends(april, "zh").iloc[:, -1]) == {"未检验：需24个月数据（现有4个月）"}


def test_an_incomplete_month_gives_counts_without_changes_on_every_page(may, april):
    assert text.incomplete(may) and not text.incomplete(april)
    lines = text.headline(may, "en")
    assert lines[0].startswith("This month's data are incomplete: the orders end on 2023-05-08, 23 days before")
    assert lines[1] == ("All 3 units (every unit reported, as asked): 7 net complaints (the month is incomplete: not "
                        "comparable with last month or a year ago)")  # --all-units: not only the supervised ones
    assert "Most net complaints: City Water Utility, 4" in lines
    assert not any("fell on last month" in x or "month on month" in x for x in lines)
    zh = text.headline(may, "zh")
    assert zh[1] == "全部3个单位（按要求报告所有单位）净投诉7件（本月数据不完整，与上月、去年同月不可比）"
    never = "not comparable"  # the notice above the table says why
    d = tables.departments(may, "en")
    assert (d["MoM (%)"] == never).all() and (d["YoY (%)"] == never).all()
    assert (d["Trend"] == "not judged").all()  # one line a row: the notice above the table says why
    b = tables.breakdown(may, "channel", "en")
    assert (b["MoM (%)"] == never).all()
    assert (tables.issues(may, "en")["Change"] == never).all()
    for page in ("02_departments", "03_handling", "04_satisfaction", "05_topics", "06_actions"):
        assert "its counts are not comparable with last month" in pages.heading(page, may, "en").data, page
    assert "not comparable" not in pages.heading("02_departments", april, "en").data
    assert may.emerging.empty and not may.issues.emerging.any()
    fig = figures.draw(may, "topics", "en")
    ax = fig.axes[0]
    assert ax.get_legend() is None and not ax.collections  # no mean of whole months beside part of one
    assert "incomplete month" in ax.get_title()
    q = tables.questions(may, "en")
    assert all("incomplete month" in s for s in q.iloc[:, 3])


def test_trend_tally_counts_units_in_the_singular_and_plural():
    assert text.units(1, "en") == "1 unit" and text.units(2, "en") == "2 units" and text.units(0, "en") == "0 units"
    assert text.units(1, "zh") == "1个单位"
