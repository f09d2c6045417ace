"""The deck and the workbook carry what is due this month: the look-back (回头看) when the month's result has one, and
in January and February the year before's review candidates, in the words of their pages; the trend verdicts are
on the headline and flags slides already. Expected texts are written by hand from hand-made tables."""

from __future__ import annotations

import html
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from pptx import Presentation
from pptx.util import Emu

from hotline_analysis import labels as L
from hotline_analysis.month import MonthReport
from hotline_analysis.pack import briefing as B
from hotline_analysis.pack import pages, tables
from hotline_analysis.pack.briefing import write_briefing
from hotline_analysis.pack.deck import annual_lines, lookback_lines, review_slides, slides
from hotline_analysis.pack.slides import write_slides
from hotline_analysis.pack.workbook import workbook_tables, write_workbook

from .test_briefing import boxes, fits

HOUSING, AGRI, HEALTH, WATER = "市住房和城乡建设局", "市农业农村局", "市卫生健康委员会", "市水利局"
HOUSING_EN, AGRI_EN = "Municipal Bureau of Housing and Urban-Rural Development", "Municipal Bureau of Agriculture and Rural Affairs"

#: Four supervised units: two fell, one no clear change, one with too few months to judge.
LOOKBACK = pd.DataFrame({
    "department": [AGRI, HEALTH, HOUSING, WATER], "supervised": ["2020-11", "2020-11", "2020-12", "2020-12"],
    "months_after": [3, 3, 2, 2], "rate_ratio": [0.5, 0.7, 0.9, np.nan], "ci_low": [0.4, 0.55, 0.7, np.nan],
    "ci_high": [0.62, 0.89, 1.16, np.nan], "p_value": [0.001, 0.01, 0.4, np.nan],
    "verdict": ["fell", "fell", "unclear", "too_few_months"]})
#: Against ten never supervised, the groups parallel before.
DID = pd.DataFrame({"rate_ratio": [0.8], "ci_low": [0.7], "ci_high": [0.9], "p_value": [0.01], "n_treated": [4],
                    "n_control": [10], "pretrend_rr": [1.0], "pretrend_p": [0.4]})


def annual_table(previous: bool = True) -> pd.DataFrame:
    """Three units of 2020: the first among the most (top 1), the second not a candidate, the third a significant
    rise (1,000 on 1,250: -20%, interval of the ratio 0.7-0.9; 900 on 600: +50%, 1.1-1.5)."""
    t = pd.DataFrame({"department": [HOUSING, HEALTH, AGRI], "annual": [1000, 950, 900],
                      "previous": [1250.0, 1000.0, 600.0], "change_pct": [-20.0, -5.0, 50.0], "rank": [1, 2, 3],
                      "ratio": [0.8, 0.95, 1.3], "ci_low": [0.7, 0.8, 1.1], "ci_high": [0.9, 1.1, 1.5],
                      "p_value": [0.99, 0.7, 0.001], "q_value": [0.99, 0.99, 0.003],
                      "top_n": [True, False, False], "significant_rise": [False, False, True],
                      "candidate": [True, False, True]})
    if not previous:  # the store does not hold 2019: no change, no rise test
        t[["previous", "change_pct", "ratio", "ci_low", "ci_high", "p_value", "q_value"]] = np.nan
        t["significant_rise"] = False
        t["candidate"] = [True, False, False]
    return t


# --- the look-back slide ---------------------------------------------------------------------------------------


def test_the_lookback_slide_says_how_many_fell_each_unit_and_the_difference_in_differences():
    assert lookback_lines(LOOKBACK, DID, "zh") == [
        "被监督的4个单位中，2个净投诉明显下降（监督后与监督前之比的95%置信区间整体低于1）。",
        "市农业农村局（2020-11监督）：明显下降，前后比0.50（95%置信区间0.40–0.62）",
        "市卫生健康委员会（2020-11监督）：明显下降，前后比0.70（95%置信区间0.55–0.89）",
        "市住房和城乡建设局（2020-12监督）：变化不明显，前后比0.90（95%置信区间0.70–1.16）",
        "市水利局（2020-12监督）：月份不足",
        "整体比较（双重差分）：被监督的4个单位与10个从未被监督的单位（对照组）相比，监督后，被监督单位的净投诉量是按未被监督单位"
        "同期变化推算应有水平的0.80倍（95%置信区间0.70–0.90），即少约20%。",
        "监督前两组走势一致，这一整体比较可信。"]


def test_the_english_lookback_slide_speaks_english():
    lines = lookback_lines(LOOKBACK, DID, "en")
    assert lines[0] == ("2 of the 4 supervised units clearly fell (the whole 95% interval of the after/before rate "
                        "ratio below 1).")
    assert lines[1] == f"{AGRI_EN} (supervised 2020-11): clearly fell, rate ratio 0.50 (95% interval 0.40–0.62)"
    assert lines[4] == "Municipal Bureau of Water Resources (supervised 2020-12): too few months"
    assert lines[5:] == ["Taken together (difference in differences): the 4 supervised units against the 10 never "
                         "supervised (the comparison group): after supervision their net complaints were 0.80 times "
                         "what the never-supervised units' change over the same months implies (95% interval "
                         "0.70–0.90), about 20% fewer.",
                         "Before supervision the groups moved in parallel, so the comparison holds."]


def test_a_drift_before_supervision_sends_the_reader_to_the_units_above_and_no_comparison_no_sentence():
    drift = DID.assign(pretrend_p=0.001)
    assert lookback_lines(LOOKBACK, drift, "zh")[-1] == "监督前两组走势已有差异，这一整体比较不可靠，以上逐单位的前后比较为准。"
    lines = lookback_lines(LOOKBACK, pd.DataFrame(), "zh")
    assert len(lines) == 5 and lines[-1] == "市水利局（2020-12监督）：月份不足"


# --- the annual review slide -----------------------------------------------------------------------------------


def test_the_annual_slide_names_the_candidates_and_why_each_is_one():
    lines = annual_lines(annual_table(), 2020, "zh")
    assert lines[:3] == ["2020年评议候选单位（全年净投诉量前列或显著上升）：市住房和城乡建设局、市农业农村局。",
                         "比较的是各单位2020年与2019年的全年净投诉。",
                         "比上年显著上升：增幅大于该单位各月正常起伏所能解释的范围，季节规律已考虑在内；3个单位同时比较，"
                         "标准相应从严，以免把偶然的起伏当作上升。"]
    # the ratio's interval 0.7-0.9 is a change of −30% to −10%; 1.1-1.5, +10% to +50%
    assert lines[3:] == ["市住房和城乡建设局（全年净投诉量居前）：全年净投诉1,000件，第1位；比上年下降20.0%，95%置信区间−30.0%至−10.0%",
                         "市农业农村局（比上年显著上升）：全年净投诉900件，第3位；比上年上升50.0%，95%置信区间+10.0%至+50.0%"]
    en = annual_lines(annual_table(), 2020, "en")
    assert en[:3] == [f"Review candidates 2020 (most annual net complaints, or a significant rise): {HOUSING_EN}, {AGRI_EN}.",
                      "Each unit's net complaints in 2020 are compared with 2019.",
                      "A significant rise: an increase larger than the unit's usual ups and downs from month to month "
                      "can explain, its season allowed for; with 3 units compared at once the bar is higher, so that a "
                      "chance rise is not called one."]
    assert en[3:] == [f"{HOUSING_EN} (among the most net complaints): 1,000 net complaints, rank 1; down 20.0% on the "
                      "year before, 95% interval −30.0% to −10.0%",
                      f"{AGRI_EN} (significant rise on last year): 900 net complaints, rank 3; up 50.0% on the year "
                      "before, 95% interval +10.0% to +50.0%"]


def test_the_annual_page_leads_with_plain_words_and_names_the_methods_after_them():
    """Plain words first, the methods in brackets after them; zh in Chinese throughout, en in English."""
    zh = [html.unescape(p) for p in pages.annual_summary(annual_table(), 2020, "zh").data[3:-4].split("</p><p>")]
    assert zh[1] == ("比较的是各单位2020年与2019年的全年净投诉。比上年显著上升：增幅大于该单位各月正常起伏所能解释的范围，"
                     "季节规律已考虑在内；3个单位同时比较，标准相应从严，以免把偶然的起伏当作上升"
                     "（负二项回归，两年24个月逐月计数；错误发现率校正）。")
    assert zh[2] == ("如何阅读：变化的95%置信区间是考虑各月正常起伏后全年变化的可能范围，−20%至−5%即很可能减少5%到20%；"
                     "区间整体高于0，单看一个单位可算上升，但多个单位同时比较，还不足以判为显著上升。")
    assert not re.search("[A-Za-z]", "".join(zh).replace(HOUSING, ""))  # no Benjamini-Hochberg in a zh page
    en = [html.unescape(p) for p in pages.annual_summary(annual_table(), 2020, "en").data[3:-4].split("</p><p>")]
    assert en[1].startswith("Each unit's net complaints in 2020 are compared with 2019. A significant rise: ")
    assert en[1].endswith("so that a chance rise is not called one (a negative-binomial regression of its 24 monthly "
                          "counts; Benjamini-Hochberg correction).")
    assert en[2].startswith("How to read it: the 95% interval of the change is the range the year's change plausibly ")
    assert not re.search("[\u4e00-\u9fff]", "".join(en))
    for lang in ("zh", "en"):  # the slide: the plain words without the methods, how to read the interval in its note
        slide = review_slides(SimpleNamespace(lookback=LOOKBACK.iloc[:0], annual=annual_table(),
                                              month=pd.Period("2021-02", "M")), lang)[0]
        assert not any("负二项" in x or "binomial" in x for x in slide.lines)
        assert slide.note == pages.ANNUAL_READING[lang]


def test_the_slide_and_the_table_show_the_change_interval_alike():
    zh = tables.annual(annual_table(), "zh")["变化的95%置信区间（%）"].tolist()
    assert zh == ["−30.0至−10.0", "−20.0至+10.0", "+10.0至+50.0"]
    assert tables.annual(annual_table(), "en")["95% interval of the change (%)"].tolist()[1] == "−20.0 to +10.0"
    assert annual_lines(annual_table(), 2020, "zh")[-1].endswith(f"95%置信区间{zh[-1].replace('至', '%至')}%")


def test_a_unit_both_among_the_most_and_rising_gives_both_reasons():
    t = annual_table().assign(top_n=[True, False, True])
    assert annual_lines(t, 2020, "zh")[-1].startswith("市农业农村局（全年净投诉量居前；比上年显著上升）：")
    assert annual_lines(t, 2020, "en")[-1].startswith(f"{AGRI_EN} (among the most net complaints; significant rise on last year): ")


def test_without_the_year_before_the_slide_says_so_and_gives_the_year_alone():
    lines = annual_lines(annual_table(previous=False), 2020, "zh")
    assert lines == ["2020年评议候选单位（全年净投诉量前列或显著上升）：市住房和城乡建设局。",
                     "库中没有2019年全年的工单，无法与上年比较，也无法检验是否显著上升。",
                     "市住房和城乡建设局（全年净投诉量居前）：全年净投诉1,000件，第1位"]
    assert annual_lines(annual_table(previous=False), 2020, "en")[1] == (
        "The store does not hold the whole of 2019: no comparison with the year before and no test of a rise.")
    alone = SimpleNamespace(lookback=LOOKBACK.iloc[:0], annual=annual_table(previous=False), month=pd.Period("2021-02", "M"))
    assert review_slides(alone, "zh")[0].note == ""  # no interval to read


# --- in the deck, the decks and the workbook -------------------------------------------------------------------


@pytest.fixture(scope="module")
def february(small_store, small_export):
    """February 2021 of the small scenario, with its register: the look-back and the annual review are due."""
    store, _ = small_store
    return MonthReport.build(store.root, "2021-02", register=small_export / "supervision.csv")


def test_february_of_the_scenario_has_both_on_its_slides(february):
    assert len(february.lookback) and len(february.annual)
    deck = review_slides(february, "zh")
    b = february.lookback
    fell = int((b.verdict == "fell").sum())
    assert deck[0].lines[0].startswith(f"被监督的{len(b)}个单位中，{fell}个净投诉明显下降")
    assert all(any(x.startswith(f"{d}（") for s in deck for x in s.lines) for d in b.department)
    annual = [x for s in deck if s.title.startswith("年度评议 · 2020年") for x in s.lines]
    for d in february.annual.loc[february.annual.candidate.astype(bool), "department"]:
        assert sum(x.startswith(f"{d}（") for x in annual) == 1, d


@pytest.fixture(scope="module")
def due(february):
    """The month carrying the hand-made look-back and annual review."""
    return february.with_tables(lookback=LOOKBACK, lookback_did=DID, annual=annual_table())


def test_the_deck_carries_them_after_the_actions_and_before_the_questions(due, tmp_path):
    deck = slides(due, tmp_path, "zh")
    titles = [s.title for s in deck]
    at = titles.index("回头看")
    assert titles[at - 1].startswith("研判与行动") and titles[at + 1] == "年度评议 · 2020年"
    assert titles[at + 2].endswith("询问问题清单")
    assert deck[at].lines[0] == "被监督的4个单位中，2个净投诉明显下降（监督后与监督前之比的95%置信区间整体低于1）。"
    assert [s.title for s in review_slides(due, "en")] == ["Look-back", "Annual review · 2020"]


def test_a_month_without_them_has_no_such_slide_nor_sheet(due, tmp_path):
    none = due.with_tables(lookback=LOOKBACK.iloc[:0], lookback_did=pd.DataFrame(), annual=pd.DataFrame())
    assert review_slides(none, "zh") == []
    assert not {"回头看", "2020年度评议"} & set(workbook_tables(none, "zh"))


def test_a_long_lookback_fits_its_slides_in_both_decks(due, tmp_path):
    """Nine units with long English names: split across slides, every text box within its slide."""
    many = pd.concat([LOOKBACK.iloc[:2]] * 5, ignore_index=True).iloc[:9]
    report = due.with_tables(lookback=many)
    for lang in ("zh", "en"):
        deck = review_slides(report, lang)
        shown = [x for s in deck if s.title.startswith(L.title("lookback", lang)) for x in s.lines]
        assert len(shown) == 1 + 9 + 2  # the count, the nine units, the difference in differences
        out = write_briefing(deck, tmp_path / f"{lang}.pptx")
        bodies = 0
        for n, sh, size, lines in boxes(out):
            if Emu(sh.top).inches == pytest.approx(B.BODY_TOP):  # the body, below the title
                bodies += 1
                assert size >= B.BODY_FLOOR and fits(sh, size, lines), (n, size, lines)
            assert Emu(sh.top + sh.height).inches <= B.HEIGHT and Emu(sh.left + sh.width).inches <= B.WIDTH
        assert bodies == len(Presentation(str(out)).slides) >= 3  # a body on every slide
        page = write_slides(deck, tmp_path / f"{lang}.html", "t", lang).read_text("utf-8")
        assert html.escape(shown[-2]) in page


def test_the_workbook_has_the_annual_review_sheet_in_either_language(due, tmp_path):
    zh = workbook_tables(due, "zh")["2020年度评议"]
    assert list(zh.columns) == ["排名", "承办单位", "全年净投诉", "上年", "变化（%）", "变化的95%置信区间（%）", "评议候选依据"]
    assert zh["承办单位"].tolist() == [HOUSING, HEALTH, AGRI]
    assert zh["评议候选依据"].tolist() == ["全年净投诉量居前", "", "比上年显著上升"]
    assert zh["变化的95%置信区间（%）"].tolist() == ["−30.0至−10.0", "−20.0至+10.0", "+10.0至+50.0"]
    assert zh["变化（%）"].tolist() == ["−20.0", "−5.0", "+50.0"]  # 1,000 on 1,250; 950 on 1,000; 900 on 600
    en = workbook_tables(due, "en")
    assert en["annual review 2020"]["Department"].tolist()[0] == HOUSING_EN
    written = pd.read_excel(write_workbook(en, tmp_path / "t.xlsx"), sheet_name=None, engine="calamine")
    assert written["annual review 2020"]["Annual net complaints"].tolist() == [1000, 950, 900]
    assert written["annual review 2020"]["Change (%)"].tolist() == ["−20.0", "−5.0", "+50.0"]  # as shown
    assert "look-back" in written


def test_the_trend_verdicts_are_on_the_headline_and_flags_slides_already(february, tmp_path):
    d = february.departments
    falling, rising = int((d.trend == "falling").sum()), d.loc[d.trend == "rising", "department"].tolist()
    deck = slides(february, tmp_path, "zh")
    head = next(s for s in deck if s.title == "本月要点")
    assert any(x.startswith(f"趋势检验：{falling}个单位下降，{len(rising)}个上升") for x in head.lines)
    flags = next(s for s in deck if s.title == "预警与表扬")
    assert f"趋势上升：{'、'.join(rising) or '无'}" in flags.lines



def test_departments_with_no_issue_to_ask_about_share_one_slide(february, tmp_path):
    """Two departments asked about no issue take a line each on one slide, not a slide each with one line."""
    row = {"label": None, "baseline_mean": np.nan, "change": np.nan, "emerging": False, "category": None,
           "examples": []}
    q = pd.DataFrame([{**row, "department": "市住房和城乡建设局", "why": ["top"], "rank": 1, "label": "楼盘停工烂尾",
                       "orders": 40, "baseline_mean": 30.0, "change": 10.0, "examples": ["某小区停工"]},
                      {**row, "department": "市林业局", "why": ["top"], "rank": 0, "orders": 12},
                      {**row, "department": "市统计局", "why": ["top"], "rank": 0, "orders": 9}])
    deck = slides(february.with_tables(questions=q), tmp_path, "zh")
    assert [s.title for s in deck[-2:]] == ["市住房和城乡建设局 · 询问问题清单", "询问问题清单"]
    assert deck[-2].numbered and deck[-2].lines[0].startswith("1. 本月40件投诉反映“楼盘停工烂尾”")
    assert [x.split("：")[0] for x in deck[-1].lines] == ["市林业局", "市统计局"] and not deck[-1].numbered
