"""The handling page's open-order counts a year ago, whose orders the oldest overdue list holds, and the appendix
of an incomplete month. A small export written here (one supervised department and one enterprise); every figure
counted by hand from its rows."""

from __future__ import annotations


import pandas as pd
import pytest

from hotline_analysis.month import MonthReport
from hotline_analysis.month.summary import validate_summary
from hotline_analysis.pack import pages, tables, text
from hotline_analysis.settings import settings_from_dict

from .written import ingest_written

UNITS = "alias,name,kind\nDept A,Dept A,department\nPower Co,Power Co,enterprise\n"
PRESET = """name: handled
encoding: utf-8
columns:
  order_id: Key
  received_at: Created
  department_raw: Unit
  closed_at: Closed
  due_at: Due
  status: Status
date_formats: ["%m/%d/%Y %H:%M"]
values:
  status: {Closed: closed, Open: open}
defaults:
  request_type: complaint
absent: [phone, content, category_l1, is_reasonable, contacted, resolved, satisfaction]
departments: units.csv
"""

#: The orders that are open at a month's boundary (all others close an hour after they arrive):
#: Y0 carried into May 2023; Y1 (overdue) and Y2 (not yet due) open at the end of May 2023; Y3 (Power Co) never
#: closed, overdue since May 2023 (counted once, though a year ago is read too);
#: C0 (Dept A) and C1 (Power Co, due earlier) never closed, open and overdue since April 2024;
#: C2 received on 31 May 2024, open at its end but not due (only in the complete export). J0, closed within the
#: hour, makes June 2023 run to its end (a whole month).
SPECIAL = [("Y0", "04/20/2023 09:00", "Dept A", "05/10/2023 09:00", "04/25/2023 09:00", "Closed"),
           ("Y1", "05/10/2023 09:00", "Dept A", "06/05/2023 09:00", "05/15/2023 09:00", "Closed"),
           ("Y2", "05/20/2023 09:00", "Dept A", "06/03/2023 09:00", "06/10/2023 09:00", "Closed"),
           ("Y3", "05/25/2023 09:00", "Power Co", "", "05/28/2023 09:00", "Open"),
           ("C0", "04/25/2024 09:00", "Dept A", "", "04/28/2024 09:00", "Open"),
           ("C1", "04/10/2024 09:00", "Power Co", "", "04/12/2024 09:00", "Open"),
           ("J0", "06/30/2023 09:00", "Dept A", "06/30/2023 10:00", "07/02/2023 09:00", "Closed")]
C2 = ("C2", "05/31/2024 10:00", "Dept A", "06/02/2024 09:00", "06/05/2024 09:00", "Closed")


def rows(complete: bool) -> list[tuple]:
    """Two orders a month per unit, on the 2nd and 3rd, June 2022 to May 2024 (24 months), closed within the
    hour; the special orders; C2 when the export runs to the month's end (else May's orders end on the 3rd)."""
    out = []
    for m in pd.period_range("2022-06", "2024-05", freq="M"):
        for unit in ("Dept A", "Power Co"):
            for day in (2, 3):
                at = f"{m.month:02d}/{day:02d}/{m.year} 09:00"
                out.append((f"F{m}{unit[0]}{day}", at, unit, at.replace("09:00", "10:00"),
                            f"{m.month:02d}/{day + 2:02d}/{m.year} 09:00", "Closed"))
    return out + SPECIAL + ([C2] if complete else [])


def store(folder, complete: bool):
    frame = pd.DataFrame(rows(complete), columns=["Key", "Created", "Unit", "Closed", "Due", "Status"])
    return ingest_written(folder, frame, PRESET, files={"units.csv": UNITS})


#: A base of 1 or 2 orders gives a change here (the default, 5, would make every one "n/a" or "new").
ONE = settings_from_dict({"change": {"min_base": 1}})


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    root = tmp_path_factory.mktemp("handled")
    return store(root / "whole", True), store(root / "partial", False)


@pytest.fixture(scope="module")
def may(stores):
    return MonthReport.build(stores[0], "2024-05", ONE)


# --- 1. open, overdue and carried over a year ago ---------------------------------------------------------------


def test_open_orders_are_counted_a_year_ago_as_this_month(may):
    c = may.city_handling.set_index("month")
    got = {str(m): tuple(int(c.loc[pd.Period(m, "M"), k]) for k in ("open", "overdue", "carried_over"))
           for m in ("2024-05", "2024-04", "2023-05")}
    # end of May 2024: Y3, C0, C1, C2 open, all but C2 past due; its start: Y3, C0, C1
    # end of April 2024: Y3, C0, C1, all past due; its start: Y3
    # end of May 2023: Y1 (past due), Y2, Y3 (past due); its start: Y0
    assert got == {"2024-05": (4, 3, 3), "2024-04": (3, 3, 1), "2023-05": (3, 2, 1)}
    assert c.loc[pd.Period("2024-05", "M"), "open_stale"] == 1  # Y3, received before June 2023
    dept = may.handling.set_index(["department", "month"])
    assert tuple(dept.loc[("Dept A", pd.Period("2023-05", "M")), ["open", "overdue", "carried_over"]]) == (2, 1, 1)


def test_the_city_table_shows_the_year_ago_changes(may):
    t = tables.city_handling(may, "en").set_index("Measure")
    # 4 against 3 and 3; 3 against 3 and 2; 3 against 1 and 1; of the open, received before June 2023: 1 against
    # 0 (new: Y3 was received after May 2023's cut, 1 May 2023) and 0 (before June 2022)
    assert t.loc["Open at month end", ["Against last month", "Against a year ago"]].tolist() == ["+33.33%", "+33.33%"]
    assert t.loc["Open past due", ["Against last month", "Against a year ago"]].tolist() == ["0.00%", "+50.00%"]
    assert t.loc["Carried over", ["Against last month", "Against a year ago"]].tolist() == ["+200.00%", "+200.00%"]
    assert t.filter(like="June 2023", axis=0).iloc[0].tolist() == [1, "new", "new"]
    assert t.notna().all().all()  # no blank cell


def test_a_change_on_a_small_base_says_so_instead_of_a_blank(stores):
    r = MonthReport.build(stores[0], "2024-05")  # the default base of 5: every base here is smaller
    for lang, new, na in (("en", "new", "n/a"), ("zh", "新增", "—")):
        t = tables.city_handling(r, lang)
        rows = t.set_index(t.columns[0])
        carried = rows.loc["Carried over" if lang == "en" else "上月结转"]
        assert carried.tolist() == [3, na, na]  # 3 against 1 and 1
        stale = rows.filter(like="June 2023" if lang == "en" else "2023年6月", axis=0).iloc[0]
        assert stale.tolist() == [1, new, new]  # 1 against 0 and 0
        assert t.notna().all().all()


def test_without_the_month_before_the_carried_over_count_is_not_known(stores):
    """June 2022 is the store's first month: what was carried into it the store cannot say, so June 2023's change
    on it is "n/a", while the orders open at June 2022's end are known (none: every order closed within the hour)."""
    r = MonthReport.build(stores[0], "2023-06", ONE)
    c = r.city_handling.set_index("month")
    ago = c.loc[pd.Period("2022-06", "M")]
    assert pd.isna(ago.carried_over) and (ago.open, ago.overdue) == (0, 0)
    # end of June 2023: Y3 open (Y1 closed on the 5th, Y2 on the 3rd); its start: Y1, Y2, Y3
    assert (c.loc[pd.Period("2023-06", "M"), ["open", "carried_over"]] == [1, 3]).all()
    t = tables.city_handling(r, "en").set_index("Measure")
    assert t.loc["Carried over", "Against a year ago"] == "n/a"


# --- 2. the oldest overdue orders are the report's units' -----------------------------------------------------------


def test_the_oldest_overdue_are_the_supervised_units_and_the_page_says_so(may):
    o = tables.overdue(may, "en")
    # C1 (Power Co) is overdue longer, but Power Co is no supervised unit; C0: 28 April 09:00 to 1 June, 33.6 days
    assert o["Order"].tolist() == ["C0"] and o["Days overdue"].tolist() == [33]
    assert text.overdue_scope(may, "en") == (
        "Orders of the supervised units open past their due time at the month's end: 1; all listed below (only "
        "the supervised units' orders, not those of the hotline's other units).")
    assert "各监督单位月末超期未办结工单1件，全部列于下表（只列监督单位的工单，热线其他承办单位的不在此列）。" in \
        pages.overdue_note(may, "zh").data
    assert [d["order_id"] for d in validate_summary(may.to_json())["handling"]["oldest_overdue"]] == ["C0"]


def test_with_every_unit_the_list_holds_every_units_orders(stores):
    r = MonthReport.build(stores[0], "2024-05", ONE, all_units=True)
    assert tables.overdue(r, "en")["Order"].tolist() == ["Y3", "C1", "C0"]  # due 28 May 2023, 12 and 28 April
    assert text.overdue_scope(r, "en") == ("Orders of every unit (all reported, as asked) open past their due time "
                                           "at the month's end: 3; all listed below.")


def test_with_none_overdue_the_list_says_so(stores):
    """At the end of March 2024 only Y3 is open, Power Co's: one row saying no supervised unit held an overdue
    order."""
    r = MonthReport.build(stores[0], "2024-03", ONE)
    t = tables.overdue(r, "en")
    assert t.attrs["sentence"] == "No order of the supervised units was open past its due time at the month's end."
    assert text.overdue_scope(r, "en") == "" and pages.table(t).data.endswith(
        "No order of the supervised units was open past its due time at the month&#x27;s end.</p>")


# --- 3. the appendix of an incomplete month ---------------------------------------------------------------------


def test_a_whole_month_tests_the_24_months_up_to_it(may):
    lt = may.long_trends.set_index("department")
    assert lt.loc["Dept A", "months"] == 24  # June 2022 to May 2024
    assert tables.long_trends(may, "en")["Trend"].tolist() == ["no clear change"]  # two a month, a third in five months
    assert text.appendix_months(may, "en") == ""


def test_an_incomplete_month_is_left_out_of_the_appendix_and_the_page_says_so(stores):
    r = MonthReport.build(stores[1], "2024-05", ONE)
    assert text.incomplete(r)  # May's orders end on the 3rd
    assert r.long_trends.set_index("department").loc["Dept A", "months"] == 23  # June 2022 to April 2024
    assert tables.long_trends(r, "en")["Trend"].tolist() == ["not tested: needs 24 months (has 23)"]
    assert tables.long_trends(r, "zh")["趋势"].tolist() == ["未检验：需24个月数据（现有23个月）"]
    assert pages.appendix(r, "en").data.endswith(
        "This month is incomplete: the table leaves it out and tests the last 24 months up to April 2024.</p>")
    assert "本月数据不完整，本表不含本月，按截至2024年4月的最近24个月检验。" in pages.appendix(r, "zh").data


def test_the_per_unit_table_says_its_units_once_over_its_short_headers(may):
    """No extension columns in this export: the note leaves them out; the page shows it over the table."""
    t = tables.handling(may, "zh")
    assert {"按期办结率", "较上月"} <= set(t.columns) and "延期申请/同意" not in t.columns
    assert t.attrs["note"] == "各率单位为%；较上月：按期办结率比上月增减的百分点。"
    assert tables.handling(may, "en").attrs["note"] == "Rates in percent; Change: the on-time rate against last month, in points."
    page = pages.table(t).data
    assert page.startswith('<p class="table-note">各率单位为%；较上月：按期办结率比上月增减的百分点。</p><div class="table-scroll">')
    assert "compact" not in page  # a few columns: cells as wide as any table's
    wide = pd.DataFrame([range(14)], columns=[f"c{i}" for i in range(14)])
    assert '<table class="dataframe compact">' in pages.table(wide).data
    assert tables.handling_units([], "zh") == ""
