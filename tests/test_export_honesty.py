"""What a pack of another city's export (a 311-like one: no alias table, no text, two category levels, a due
column empty this month, records never closed from long ago) says it could not measure or judge, consistently in
summary.json, pages, sheets and headline. The export is written here; every figure counted by hand from its rows."""

from __future__ import annotations

from dataclasses import replace

from pathlib import Path

import pandas as pd
import pytest

from hotline_analysis.month import MonthReport
from hotline_analysis.month.build import category_paths
from hotline_analysis.month.summary import validate_summary
from hotline_analysis.pack import fonts, pages, tables, text, workbook

from .written import ingest_written

#: S1 received in March 2023 and never closed (due 20 March); April 2024 has no due times either way; May 2024
#: has none and ends on the 4th (27 days early); M2 is still open. Unit A's complaints are HEAT/HOT WATER:
#: APARTMENT ONLY, Unit B's Noise with no descriptor (three each in May: an issue needs three orders).
ROWS = [("S1", "03/10/2023 09:00", "Unit A", "HEAT/HOT WATER", "APARTMENT ONLY", "", "03/20/2023 09:00", "Open"),
        ("A1", "04/03/2024 09:00", "Unit A", "HEAT/HOT WATER", "APARTMENT ONLY", "04/05/2024 09:00", "", "Closed"),
        ("A2", "04/10/2024 09:00", "Unit B", "Noise", "", "04/12/2024 09:00", "", "Closed"),
        ("M1", "05/02/2024 09:00", "Unit A", "HEAT/HOT WATER", "APARTMENT ONLY", "05/03/2024 09:00", "", "Closed"),
        ("M2", "05/03/2024 09:00", "Unit A", "HEAT/HOT WATER", "APARTMENT ONLY", "", "", "Open"),
        ("M3", "05/04/2024 09:00", "Unit B", "Noise", "", "05/06/2024 09:00", "", "Closed"),
        ("M4", "05/04/2024 10:00", "Unit A", "HEAT/HOT WATER", "APARTMENT ONLY", "05/04/2024 18:00", "", "Closed"),
        ("M5", "05/04/2024 11:00", "Unit B", "Noise", "", "05/05/2024 09:00", "", "Closed"),
        ("M6", "05/04/2024 12:00", "Unit B", "Noise", "", "05/05/2024 10:00", "", "Closed")]
PRESET = """name: city311
encoding: utf-8
columns:
  order_id: Unique Key
  received_at: Created Date
  department_raw: Agency
  category_l1: Complaint Type
  category_l2: Descriptor
  closed_at: Closed Date
  due_at: Due Date
  status: Status
date_formats: ["%m/%d/%Y %H:%M"]
values:
  status: {Closed: closed, Open: open}
defaults:
  request_type: complaint
absent: [phone, content, is_reasonable, contacted, resolved, satisfaction]
departments: null
"""
#: Why nothing of May is compared or judged.
INCOMPLETE = "month incomplete: orders end on 2024-05-04, 27 days before the month does"


@pytest.fixture(scope="module")
def may(tmp_path_factory):
    rows = pd.DataFrame(ROWS, columns=["Unique Key", "Created Date", "Agency", "Complaint Type", "Descriptor",
                                       "Closed Date", "Due Date", "Status"])
    store = ingest_written(tmp_path_factory.mktemp("city311"), rows, PRESET, "city311")
    return MonthReport.build(store, "2024-05", all_units=True)


def test_summary_says_null_with_the_reason_where_the_pages_say_not_measured_or_not_judged(may):
    s = validate_summary(may.to_json())
    city = s["handling"]["city"]
    # open at 1 June: S1 (never closed) and M2; S1 received before June 2023; at 1 May only S1
    assert (city["open"], city["open_stale"], city["carried_over"], city["stale_months"]) == (2, 1, 1, 12)
    assert city["overdue"] is None  # S1 is past due, but May has no due time: not computed, as the pages say
    assert s["handling"]["absent"]["overdue"] == "empty this month: due_at"
    units = {d["department"]: d for d in s["departments"]}
    assert units["Unit A"]["handling"]["overdue"] is None and units["Unit B"]["handling"]["overdue"] is None
    assert (units["Unit A"]["handling"]["open"], units["Unit A"]["handling"]["open_stale"]) == (2, 1)
    assert (units["Unit B"]["handling"]["open"], units["Unit B"]["handling"]["open_stale"]) == (0, 0)
    for d in s["departments"]:
        assert d["trend"] is None and d["trend_not_judged_reason"] == INCOMPLETE
    assert s["ledger"]["unit_scope"] == "no_alias_table"


def test_the_units_are_not_called_supervised_when_the_export_names_none(may):
    assert text.headline(may, "en")[1].startswith("All 2 units (the export names no supervised units): 6 net "
                                                  "complaints")
    assert text.headline(may, "zh")[1].startswith("全部2个单位（导出数据未标明监督单位）净投诉6件")
    assert text.headline(may, "en")[2].endswith("; these units hold 6")
    assert "Net complaints of every unit (the export names no supervised units), their rank" in \
        pages.heading("02_departments", may, "en").data
    assert "supervised units:" not in " ".join(text.headline(may, "en"))


def test_open_orders_from_long_ago_are_counted_apart(may):
    # dispatched 6; closed in May: all but M2 (5 of 6)
    assert text.handling_line(may, "en") == (
        "Dispatched to units: 6, closed within the month 83.33%, open at month end 2 (1 of them received before "
        "June 2023); on-time closure and overdue orders cannot be computed (Due at is empty this month)")
    assert text.handling_line(may, "zh").startswith("转派承办单位6件，当月办结率83.33%，月末未办结2件（其中1件为2023年6月以前受理）")
    c = tables.city_handling(may, "en").set_index("Measure")["This month"]
    assert (c["Open at month end"], c["Of which received before June 2023"], c["Carried over"]) == (2, 1, 1)
    assert "Open past due" not in c.index
    h = tables.handling(may, "en").set_index("Department")
    assert h.loc["Unit A", "Of which received before June 2023"] == 1
    assert "Of which overdue" not in h.columns


def test_no_inquiry_ground_judged_says_what_was_not_instead_of_zero(may):
    why = ("not judged: surge and rising trend (month incomplete), satisfaction drop and satisfaction below "
           "standard (no column for Satisfaction), on-time closure below standard (Due at is empty this month), "
           "reassignment above standard (no column for Times reassigned)")
    assert text.calls(may, "en") == why
    assert text.headline(may, "en")[-1] == (f"Proposed for a special inquiry: {why}; commended as examples: not "
                                            "judged (month incomplete)")
    a = tables.action_table(may, "en")
    assert a.shape == (1, 1) and a.iloc[0, 0].startswith("Proposed for a special inquiry: not judged: surge")
    assert pages.table(a).data.startswith("<p>Proposed for a special inquiry: not judged")  # a sentence, no header
    sheets = workbook.workbook_tables(may, "en")
    assert sheets["actions"].shape == (1, 1)
    assert sheets["emerging issues"].iloc[0, 0] == "The month is incomplete: no issue is judged to be rising"
    assert len(tables.actions(may, "en")) == 0  # nobody is named ...
    from hotline_analysis.pack.deck import slides

    act = [x for x in slides(may, Path("no-figures"), "en") if x.title == "Assessment and actions"]
    assert [x.lines for x in act] == [(f"Proposed for a special inquiry: {why}; commended as examples: not judged "
                                       "(month incomplete).",)]  # ... and the slide says why, not "none"


def test_a_zero_stays_a_finding_where_its_grounds_were_judged(may):
    sat = pd.DataFrame({"department": ["Unit A"], "enough_sample": [True]})
    whole = {"complete": True, "reason": None, "code": None, "figures": []}
    judged = replace(may, absent={}, empty_columns=[], satisfaction=sat,
                     ledger=may.ledger | {"completeness": whole})
    assert text.calls(judged, "en") == "0" and text.calls(judged, "zh") == "0个单位"
    assert text.no_actions(judged, "en") == "No unit is proposed for a special inquiry or commended this month."
    part = replace(judged, absent={"reassign_rate": ["reassigned"]})
    assert text.calls(part, "en") == "0, not judged: reassignment above standard (no column for Times reassigned)"
    assert text.calls(part, "zh") == "0个单位（未判断：重派率超标（缺少字段：重派次数））"


def test_category_issues_show_their_path_and_no_column_that_cannot_exist(may):
    labels = dict(zip(may.issues.department, may.issues.label))
    assert labels == {"Unit A": "HEAT/HOT WATER: APARTMENT ONLY", "Unit B": "Noise"}
    t = tables.issues(may, "en")
    assert list(t.columns) == ["Department", "Rank", "Issue", "Orders", "Monthly mean before", "Change"]
    assert "one per category of request" in pages.heading("05_topics", may, "en").data  # said once


def test_category_paths_by_hand():
    o = pd.DataFrame({"department": ["A", "A", "A", "B", "B"],
                      "category_l1": ["Noise", "Noise", "Street", "Noise", "Heat"],
                      "category_l2": ["Loud Music", "Loud Music", "Loud Music", "Noise: Party", ""]})
    # A's Loud Music is Noise twice, Street once; B's descriptor names its type already; an empty one has no path
    assert category_paths(o) == {("A", "Loud Music"): "Noise: Loud Music"}


def test_an_english_page_leaves_latin_punctuation_to_latin_fonts(tmp_path):
    page = tmp_path / "p.html"
    page.write_text("<html><head></head><body>MAYOR’S OFFICE – 市城市管理局</body></html>", "utf-8")
    fonts.embed_font([page], "en")
    html = page.read_text("utf-8")
    assert "unicode-range:U+0-200F, U+2028-2211, U+2213-10FFFF" in html  # ’ (U+2019), – (U+2013), − (U+2212) not CJK
    assert "'Noto Sans CJK SC report','Noto Sans'" in html
    zh = tmp_path / "z.html"
    zh.write_text("<html><head></head><body>“市城市管理局”</body></html>", "utf-8")
    fonts.embed_font([zh], "zh")
    assert "unicode-range:U+0-2211, U+2213-10FFFF" in zh.read_text("utf-8")  # the minus as wide as the plus
