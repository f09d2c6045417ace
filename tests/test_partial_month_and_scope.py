"""What a pack says it did not compare, judge or count: an incomplete month's changes and verdicts, a column the
export has that is empty this month, the net complaints' scope when the export allows only some exclusions, and
columns named as a reader knows them. Small exports written here; every figure counted by hand from their rows."""

from __future__ import annotations


import pandas as pd
import pytest

from hotline_analysis import labels as L
from hotline_analysis.month import MonthReport
from hotline_analysis.month.summary import validate_summary
from hotline_analysis.pack import deck, pages, tables, text
from hotline_analysis.settings import settings_from_dict

from .test_absent_measures import tiny_store
from .test_other_city import ingest as ingest_city
from .written import ingest_written

NEVER = "not comparable"


@pytest.fixture(scope="module")
def may(tmp_path_factory):
    """The English city's 2023-05, which stops on the 8th: 3 orders of Parks, 4 of the Water Utility."""
    return MonthReport.build(ingest_city(tmp_path_factory.mktemp("city")), "2023-05", all_units=True)


def test_every_change_of_an_incomplete_month_is_not_comparable(may):
    assert text.incomplete(may)
    for lang, word in (("en", NEVER), ("zh", "不可比")):
        c = tables.city_handling(may, lang)
        assert c.iloc[0, 1] == 7  # dispatched: 3 + 4
        assert (c.iloc[:, 2:] == word).all().all()  # against last month and a year ago, every row
    s = validate_summary(may.to_json())
    assert [(d["mom_pct"], d["yoy_pct"]) for d in s["departments"]] == [(None, None)] * 3
    assert s["ledger"]["completeness"]["complete"] is False  # the reason, once
    assert s["ledger"]["completeness"]["reason"].startswith("orders end on 2023-05-08")


def test_verdicts_not_made_from_an_incomplete_month_say_so(may):
    lines = text.headline(may, "en")
    assert lines[-2] == "Trend tests: not judged (month incomplete)"
    # no ground of an inquiry could be judged: what was not, never a count of 0
    assert lines[-1] == ("Proposed for a special inquiry: not judged: surge and rising trend (month incomplete), "
                         "satisfaction drop and satisfaction below standard (no column for Satisfaction), on-time "
                         "closure below standard (no column for Due at, Closed at), reassignment above standard (no "
                         "column for Times reassigned); commended as examples: not judged (month incomplete)")
    zh = text.headline(may, "zh")
    assert zh[-2] == "趋势检验：未判断（本月数据不完整）"
    assert zh[-1] == ("建议专题询问未判断：激增和趋势上升（本月数据不完整）、满意率显著下降和满意率低于标准（缺少字段：满意度）、"
                      "按期办结率未达标（缺少字段：办理时限、办结时间）、重派率超标（缺少字段：重派次数），表扬典型未判断（本月数据不完整）")
    flags = deck._flag_lines(may, "en")
    assert flags[:4] == ["Surge: not judged (month incomplete)",
                         "Satisfaction drop: not in this export (no column for Satisfaction)",
                         "Commend: not judged (month incomplete)", "Rising trend: not judged (month incomplete)"]
    assert deck._flag_lines(may, "zh")[0] == "激增：未判断（本月数据不完整）"


def test_below_the_standard_is_not_judged_when_no_unit_has_enough_call_backs(tmp_path):
    """Unit A has 4 call-backs in May 2024, Unit B 1: under the 30 a rate needs, nobody is judged (not "none");
    with one call-back enough, Unit A (3 of 4, 75%) and Unit B (0 of 1) are below 95%."""
    store = tiny_store(tmp_path / "x", satisfaction=True, reasonable=False)
    r = MonthReport.build(store, "2024-05", all_units=True, topics="categories")
    assert not text.incomplete(r)
    assert text.headline(r, "en")[-1].endswith(
        "satisfaction below 95%: not judged (no unit had the 30 call-backs needed to judge)")
    assert text.headline(r, "zh")[-1].endswith("满意率低于95%的单位未判断（没有单位回访达到30件）")
    assert "Below the standard of 95%: not judged (no unit had the 30 call-backs needed to judge)." in \
        pages.satisfaction_overview(r, "en").data
    one = MonthReport.build(store, "2024-05", settings_from_dict({"satisfaction": {"min_surveyed": 1}}),
                            all_units=True, topics="categories")
    assert text.headline(one, "en")[-1].endswith("satisfaction below 95%: 2")
    assert text.headline(one, "zh")[-1].endswith("满意率低于95%的单位2个")
    assert "Below the standard of 95%: Unit B (0.00%), Unit A (75.00%)." in pages.satisfaction_overview(one, "en").data


# --- a column the export has, empty this month -----------------------------------------------------------------

#: April: both orders with a due time; May: none. A3 closed in May, A4 on 2 June, B1 still open.
DUE_ROWS = [("A1", "2024/04/03 09:00", "Unit A", "2024/04/05 09:00", "2024/04/10 09:00", "已办结"),
            ("A2", "2024/04/10 09:00", "Unit A", "2024/04/20 09:00", "2024/04/17 09:00", "已办结"),
            ("A3", "2024/05/02 09:00", "Unit A", "2024/05/04 09:00", "", "已办结"),
            ("A4", "2024/05/06 09:00", "Unit A", "2024/06/02 09:00", "", "已办结"),
            ("B1", "2024/05/08 09:00", "Unit B", "", "", "办理中")]
DUE_PRESET = """name: due
files: ["due*"]
encoding: utf-8
columns:
  order_id: 编号
  received_at: 受理时间
  department_raw: 承办单位
  closed_at: 办结时间
  due_at: 办理时限
  status: 状态
date_formats: ["%Y/%m/%d %H:%M"]
values:
  status: {已办结: closed, 办理中: open}
defaults:
  request_type: complaint
absent: [phone, content, is_reasonable, contacted, resolved, satisfaction]
departments: null
"""


@pytest.fixture(scope="module")
def due_store(tmp_path_factory):
    frame = pd.DataFrame(DUE_ROWS, columns=["编号", "受理时间", "承办单位", "办结时间", "办理时限", "状态"])
    return ingest_written(tmp_path_factory.mktemp("due"), frame, DUE_PRESET, "due")


@pytest.fixture(scope="module")
def due_empty(due_store):
    return MonthReport.build(due_store, "2024-05", all_units=True, topics="categories")


def test_a_column_empty_this_month_is_said_to_be_empty_not_absent(due_empty, due_store):
    r = due_empty
    assert r.absent["on_time_rate"] == ["due_at"] and r.empty_columns == ["due_at"]
    # 3 dispatched; closed in May: A3 (1 of 3); open at 1 June: A4 (closed 2 June) and B1
    assert text.handling_line(r, "en") == ("Dispatched to units: 3, closed within the month 33.33%, open at month "
                                           "end 2; on-time closure and overdue orders cannot be computed (Due at "
                                           "is empty this month)")
    assert text.handling_line(r, "zh") == ("转派承办单位3件，当月办结率33.33%，月末未办结2件；按期办结率和超期未办结无法计算"
                                           "（办理时限字段本月为空）")
    page = pages.handling_overview(r, "en").data
    assert "Closed on time (Due at is empty this month)" in page
    assert "no closing" not in page and "no column for Due at" not in page and "due_at" not in page
    assert deck._flag_lines(r, "en")[-2] == \
        "On-time closure below standard: not available this month (Due at is empty this month)"
    h = validate_summary(r.to_json())["handling"]
    assert h["absent"]["on_time_rate"] == "empty this month: due_at"
    assert h["city"]["closure_rate"] == pytest.approx(1 / 3, abs=1e-6)
    april = MonthReport.build(due_store, "2024-04", all_units=True, topics="categories")
    assert "on_time_rate" not in april.absent and april.empty_columns == []


def test_columns_are_named_as_the_reader_knows_them():
    assert L.not_in_export(["due_at", "closed_at"], "zh") == "本次导出数据不含此项（缺少字段：办理时限、办结时间）"
    assert L.not_in_export(["reassigned"], "en") == "not in this export (no column for Times reassigned)"
    assert L.missing_columns(["closed_at", "due_at"], "zh", empty=["due_at"]) == "缺少字段：办结时间；办理时限字段本月为空"


# --- the net complaints' scope -----------------------------------------------------------------------------------


def test_the_scope_names_only_the_exclusions_made(tmp_path):
    """The tiny export sets every order's request type by default and has no caller, text or reasonableness:
    no exclusion could be made, and the sentence says which and why."""
    r = MonthReport.build(tiny_store(tmp_path / "x", satisfaction=False, reasonable=False), "2024-05",
                          all_units=True, topics="categories")
    assert r.ledger["net_scope"] == {"type": False, "applied": [],
                                     "not_made": {"invalid": "no column for content", "repeat": "no column for phone",
                                                  "unreasonable": "no column for is_reasonable"}}
    en = text.headline(r, "en")[1]
    assert ("of which 6 net complaints (the export has no request type: every order counts as a complaint; not "
            "excluded, for want of data: invalid calls (no request text to find them by), repeat calls (no caller "
            "column to link them by) and unreasonable requests (no Reasonable request column))") in en
    assert "without invalid" not in en
    assert "（导出数据无诉求类型，全部工单按投诉计；未能剔除无效诉求（无诉求内容，无法识别）、重复诉求（无来电人字段，无法关联）" \
           "和不合理诉求（无合理诉求字段））" in text.headline(r, "zh")[1]
    assert validate_summary(r.to_json())["ledger"]["net_scope"]["type"] is False


def test_with_a_reasonableness_column_that_exclusion_is_made(tmp_path):
    r = MonthReport.build(tiny_store(tmp_path / "x", satisfaction=False, reasonable=True), "2024-05",
                          all_units=True, topics="categories")
    assert r.ledger["net_scope"]["applied"] == ["unreasonable"]
    en = text.headline(r, "en")[1]
    assert "every order counts as a complaint, without unreasonable ones; not excluded, for want of data: " \
           "invalid calls (no request text to find them by) and repeat calls (no caller column to link them by)" in en
    # B2 judged unreasonable: 5 net complaints of 6 orders
    assert "6 work orders of every kind, of which 5 net complaints" in en
