"""Measures another city's export lacks are "not in this export" everywhere: summary.json (null with a reason,
never 0 or an empty list), the pages, the slides and the workbook (never "none", a blank column or an empty
table). Two tiny exports written here, every expected figure counted by hand from their rows."""

from __future__ import annotations


import pandas as pd
import pytest

from hotline_analysis.month import MonthReport
from hotline_analysis.month.summary import validate_summary
from hotline_analysis.pack import deck, pages, tables, text
from hotline_analysis.pack.workbook import workbook_tables
from hotline_analysis.settings import settings_from_dict

from .written import ingest_written

#: One call-back is enough for a rate, so the hand-worked rates below are shown.
SETTINGS = settings_from_dict({"satisfaction": {"min_surveyed": 1}})

# May 2024: Unit A satisfied, satisfied, dissatisfied, basically satisfied (3 of 4 positive); Unit B dissatisfied
# (judged unreasonable where the export says so) and one order without a call-back. City: 3 of 5 = 60%; the
# reasonable requests only: 3 of 4 = 75%. April: every call-back satisfied.
ROWS = [
    ("A1", "2024/04/03 09:00", "Unit A", "满意", "是"),
    ("A2", "2024/04/10 09:00", "Unit A", "满意", "是"),
    ("B1", "2024/04/12 09:00", "Unit B", "满意", "是"),
    ("A3", "2024/05/02 09:00", "Unit A", "满意", "是"),
    ("A4", "2024/05/06 09:00", "Unit A", "满意", "是"),
    ("A5", "2024/05/09 09:00", "Unit A", "不满意", "是"),
    ("A6", "2024/05/20 09:00", "Unit A", "基本满意", "是"),
    ("B2", "2024/05/08 09:00", "Unit B", "不满意", "否"),
    ("B3", "2024/05/28 09:00", "Unit B", "", "是"),
]
PRESET = """name: tiny
files: ["tiny*"]
encoding: utf-8
columns:
  order_id: 编号
  received_at: 受理时间
  department_raw: 承办单位
{extra}date_formats: ["%Y/%m/%d %H:%M"]
values:
  satisfaction: {{满意: satisfied, 基本满意: basically_satisfied, 不满意: dissatisfied}}
  boolean: {{是: true, 否: false}}
defaults:
  request_type: complaint
absent: [{absent}]
departments: null
"""
HANDLING = "due_at, closed_at, status, contacted, resolved, phone, content"


def tiny_store(folder, satisfaction: bool, reasonable: bool):
    """The rows above as an export with the columns asked for, ingested: the store's folder."""
    df = pd.DataFrame(ROWS, columns=["编号", "受理时间", "承办单位", "回访结果", "是否合理"])
    extra, absent = "", [HANDLING]
    if satisfaction:
        extra += "  satisfaction: 回访结果\n"
    else:
        df, absent = df.drop(columns="回访结果"), absent + ["satisfaction"]
    if reasonable:
        extra += "  is_reasonable: 是否合理\n"
    else:
        df, absent = df.drop(columns="是否合理"), absent + ["is_reasonable"]
    return ingest_written(folder, df, PRESET.format(extra=extra, absent=", ".join(absent)), "tiny")


def build(store) -> MonthReport:
    return MonthReport.build(store, "2024-05", SETTINGS, all_units=True, topics="categories")


@pytest.fixture(scope="module")
def no_reasonable(tmp_path_factory):
    return build(tiny_store(tmp_path_factory.mktemp("sat") / "x", satisfaction=True, reasonable=False))


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    """Neither satisfaction nor any handling column (like a 311 export)."""
    return build(tiny_store(tmp_path_factory.mktemp("bare") / "x", satisfaction=False, reasonable=False))


# --- the rate for reasonable requests -----------------------------------------------------------------------


def test_without_a_reasonableness_column_there_is_no_rate_for_reasonable_requests(no_reasonable):
    r = no_reasonable
    c = r.city_satisfaction.set_index(["measure", "month"])
    assert c.loc[("all", pd.Period("2024-05", "M")), "satisfaction_rate"] == pytest.approx(3 / 5)
    assert c.loc[("all", pd.Period("2024-04", "M")), "satisfaction_rate"] == 1.0
    assert "reasonable" not in set(r.city_satisfaction.measure)  # not the overall rate repeated
    assert r.absent["reasonable_satisfaction_rate"] == ["is_reasonable"]
    summary = validate_summary(r.to_json())
    h = summary["handling"]
    assert h["city"]["reasonable_satisfaction_rate"] is None
    assert summary["city_satisfaction"]["surveyed"] == 5  # the headline's rate, over every call-back
    assert summary["city_satisfaction"]["rate"] == pytest.approx(3 / 5, abs=1e-4)
    assert h["absent"]["reasonable_satisfaction_rate"] == "not in this export: needs is_reasonable"
    for lang, word in (("en", "reasonable requests"), ("zh", "合理诉求")):
        assert word not in text.headline_satisfaction(r, lang)
    assert "Satisfied, reasonable requests: not in this export (no column for Reasonable request)." in \
        pages.satisfaction_overview(r, "en").data
    assert "合理诉求办理结果满意率：本次导出数据不含此项（缺少字段：合理诉求）" in pages.satisfaction_overview(r, "zh").data


def test_with_the_column_the_rate_for_reasonable_requests_leaves_the_unreasonable_out(tmp_path):
    r = build(tiny_store(tmp_path / "x", satisfaction=True, reasonable=True))
    c = r.city_satisfaction.set_index(["measure", "month"]).satisfaction_rate
    assert c[("reasonable", pd.Period("2024-05", "M"))] == pytest.approx(3 / 4)
    assert c[("all", pd.Period("2024-05", "M"))] == pytest.approx(3 / 5)
    s = validate_summary(r.to_json())
    assert s["handling"]["city"]["reasonable_satisfaction_rate"] == pytest.approx(0.75)
    assert "reasonable_satisfaction_rate" not in s["handling"]["absent"]
    assert "for reasonable requests 75.00%" in text.headline_satisfaction(r, "en")


def test_the_difference_is_from_the_rest_of_the_city_and_says_so(no_reasonable):
    """Unit A 3 of 4 against the rest of the city (Unit B: 0 of 1): +75 points, not 75% - 60% = +15."""
    t = tables.satisfaction(no_reasonable, "en").set_index("Department")
    assert t.loc["Unit A", "Against the rest of the city (points)"] == "+75.00"
    assert "与全市其他单位之差（百分点）" in tables.satisfaction(no_reasonable, "zh").columns
    surveyed = {d["department"]: d["surveyed"] for d in no_reasonable.to_json()["departments"]}
    assert surveyed == {"Unit A": 4, "Unit B": 1}


# --- no satisfaction, no handling columns --------------------------------------------------------------------


def test_summary_says_null_not_zero_or_none(bare):
    s = validate_summary(bare.to_json())
    assert [d["surveyed"] for d in s["departments"]] == [None, None]  # no call-back column: unknown, not 0
    assert s["city_satisfaction"] is None
    assert all(d["satisfaction_rate"] is None for d in s["departments"])
    h = s["handling"]
    assert h["below_standard"] == {"on_time": None, "reassign": None}  # not judged, not "nobody"
    assert h["oldest_overdue"] is None
    assert h["absent"]["on_time_rate"] == "not in this export: needs due_at, closed_at"
    assert h["absent"]["reasonable_satisfaction_rate"] == "not in this export: needs satisfaction, is_reasonable"
    assert h["city"]["dispatched"] == 6 and h["city"]["on_time_rate"] is None


def test_pages_name_what_is_missing_and_judge_nothing(bare):
    en = pages.handling_overview(bare, "en").data
    assert "On-time closure below 90% (at least 30 due): not in this export (no column for Due at, Closed at)." in en
    assert "beyond doubt (the upper 95% bound below" not in en  # nothing to say which of them
    assert "Reassignment above 3% beyond doubt: not in this export (no column for Times reassigned)." in en
    assert ": none" not in en
    zh = pages.handling_overview(bare, "zh").data
    assert "重派率确定高于3%的单位：本次导出数据不含此项（缺少字段：重派次数）" in zh and "：无" not in zh
    assert pages.table(tables.overdue(bare, "en")).data == \
        "<p>Open past due: not in this export (no column for Closed at, Due at).</p>"
    assert "满意率：本次导出数据不含此项（缺少字段：满意度）" in pages.table(tables.satisfaction(bare, "zh")).data
    unit = tables.handling(bare, "en")
    assert list(unit.columns) == ["Department", "Dispatched"]  # no blank "Standards missed" column
    assert unit.set_index("Department").Dispatched.to_dict() == {"Unit A": 4, "Unit B": 2}


@pytest.mark.parametrize("lang, none, absent", [("en", ": none", "not in this export"), ("zh", "：无", "本次导出数据不含此项")])
def test_slides_say_not_in_this_export_instead_of_none(bare, lang, none, absent):
    flags = deck._flag_lines(bare, lang)
    judged = [line for line in flags if any(w in line.lower() for w in ("satisfaction", "standard", "满意率", "未达标", "超标"))]
    assert len(judged) == 3 and all(absent in line and none not in line for line in judged)
    assert ("(no column for Due at, Closed at)" if lang == "en" else "（缺少字段：办理时限、办结时间）") in flags[-2]
    assert "due_at" not in flags[-2]  # the column's name in the pack's language, never the field name
    handling = deck.handling_lines(bare, lang)[1:]
    assert len(handling) == 2 and all(absent in line and none not in line for line in handling)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_workbook_sheets_of_absent_measures_carry_one_row_saying_so(bare, lang):
    sheets = workbook_tables(bare, lang)
    note = "Note" if lang == "en" else "说明"
    for key in ("satisfaction", "overdue"):
        name = {"en": {"satisfaction": "satisfaction", "overdue": "overdue orders"},
                "zh": {"satisfaction": "满意度", "overdue": "超期未办结"}}[lang][key]
        t = sheets[name]
        assert list(t.columns) == [note] and len(t) == 1
        assert ("not in this export (no column for" if lang == "en" else "本次导出数据不含此项（缺少字段：") in t.iloc[0, 0]
