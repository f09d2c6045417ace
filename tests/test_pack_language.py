"""A pack speaks one language and names what it cannot translate: the citizens' own words quoted in Chinese in an
English pack, the hotline named as the data say (12345 only for a 12345 hotline), and names in Latin script in a
Chinese pack."""

from __future__ import annotations

import html
import re
from types import SimpleNamespace

import pandas as pd
import pytest

from hotline_analysis import labels as L
from hotline_analysis.catalog import has_cjk
from hotline_analysis.ingest.presets import NO_BULLETIN, load_preset
from hotline_analysis.month import MonthReport
from hotline_analysis.pack import pages, text
from hotline_analysis.pack.briefing import write_briefing
from hotline_analysis.pack.deck import slides
from hotline_analysis.pack.index import _latin, _untranslated, write_index
from hotline_analysis.pack.slides import write_slides

from .english_export import PRESET
from .test_other_city import PARKS, PERMITS, WATER, ingest

pytestmark = pytest.mark.filterwarnings("ignore::hotline_analysis.ingest.presets.PresetWarning")

#: The note, as written by hand: the label must say this (a label opens with its category in English: "Stalled
#: housing projects: 楼盘停工烂尾、复工交房").
QUOTED = ("An issue label opens with its category in English where it has one; the citizens' own words (the rest of "
          "the label, keywords, excerpts) are quoted in the original Chinese.")


@pytest.fixture(scope="module")
def zibo(small_store):
    """A month of the small Zibo scenario: issues from Chinese request texts, asked about from 2 orders (at 2% of
    the volume none reaches the default 10, and no question would quote an issue)."""
    from hotline_analysis.settings import load_settings

    store, _ = small_store
    settings = load_settings().overlay({"topics": {"min_question_orders": 2}})
    report = MonthReport.build(store.root, "2021-02", settings)
    assert report.questions["rank"].gt(0).any()
    return report


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """April 2023 of the English-named export (no text, no bulletin in its preset: tests/test_other_city.py)."""
    return MonthReport.build(ingest(tmp_path_factory.mktemp("city")), "2023-04", all_units=True)


# --- 1. the citizens' words quoted in Chinese in an en pack ---------------------------------------------------


def test_the_label_says_what_the_pages_say():
    assert f"{L.QUOTED_EN}." == QUOTED


def test_issues_and_actions_pages_say_once_that_the_words_are_in_chinese(zibo):
    assert text.quotes_chinese(zibo, "en") and not text.quotes_chinese(zibo, "zh")
    for page in ("05_topics", "06_actions"):
        assert pages.heading(page, zibo, "en").data.count(html.escape(QUOTED)) == 1, page
        assert "original Chinese" not in pages.heading(page, zibo, "zh").data
    for page in ("01_overview", "02_departments", "03_handling", "04_satisfaction"):  # they quote nobody
        assert "original Chinese" not in pages.heading(page, zibo, "en").data, page


def test_issues_that_are_categories_are_not_quotes(city):
    assert city.topics_from == "categories" and not text.quotes_chinese(city, "en")
    assert "original Chinese" not in pages.heading("06_actions", city, "en").data


def test_the_deck_notes_it_on_the_issues_chart_and_the_first_questions_only(zibo, tmp_path):
    figures = tmp_path / "figures"
    figures.mkdir()
    png = figures / "topics.png"
    png.write_bytes(bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                                  "1f15c4890000000d49444154789c63f8ffff3f0005fe02fea7d6a4b40000000049454e44ae426082"))
    deck = slides(zibo, figures, "en")
    noted = [s for s in deck if s.note and not s.title.startswith("Annual review")]  # that one: its interval
    asked = [s for s in deck if s.numbered]  # slides of questions on issues, which quote their labels
    assert [s.note for s in noted] == [QUOTED, QUOTED]
    assert noted[0].image == png and noted[1] is asked[0]
    assert not any(s.note for s in slides(zibo, figures, "zh") if not s.title.startswith("年度评议"))
    page = write_slides(deck, tmp_path / "slides.html", "t", "en").read_text("utf-8")
    assert page.count(f'<p class="note">{html.escape(QUOTED)}</p>') == 2
    from pptx import Presentation

    write_briefing(deck, tmp_path / "b.pptx")
    texts = [[p.text for sh in s.shapes if sh.has_text_frame for p in sh.text_frame.paragraphs]
             for s in Presentation(tmp_path / "b.pptx").slides]
    assert sum(t.count(QUOTED) for t in texts) == 2
    first = next(t for t in texts if t[0].endswith(L.title("questions", "en")))
    assert QUOTED in first


# --- 2. the hotline as the data name it --------------------------------------------------------------------


def test_a_bulletin_without_a_hotline_says_hotline():
    none = SimpleNamespace(city="", city_en="", hotline="", hotline_en="", issuer="", issuer_en="",
                           issue_number="", marking="内部资料", marking_en="For internal use")
    assert L.hotline(none, "en") == "hotline" and L.hotline(none, "zh") == "热线"
    assert L.pack_title(none, "2023-04", "en") == "Hotline: supervision analysis, April 2023"
    assert L.pack_title(none, "2023-04", "zh") == "热线 2023年4月 监督分析"


def test_presets_say_whose_hotline_it_is():
    assert load_preset("zibo12345").bulletin["hotline_en"] == "12345 hotline"
    assert load_preset("nyc311").bulletin["hotline_en"] == "311 service"
    assert load_preset(PRESET).bulletin == NO_BULLETIN  # says nothing: no city, no issuer, no hotline name
    assert NO_BULLETIN["hotline"] == "" and NO_BULLETIN["city_en"] == ""


def test_another_citys_store_without_a_bulletin_is_never_called_12345(city):
    b = city.settings.bulletin
    assert L.pack_title(b, city.month, "en") == "Hotline: supervision analysis, April 2023"
    assert L.pack_title(b, city.month, "zh") == "热线 2023年4月 监督分析"
    assert "Zibo" not in L.masthead(b, "en") and "淄博" not in L.masthead(b, "zh")
    assert text.headline(city, "en")[1].startswith("The whole hotline: 19 work orders of every kind")
    assert text.headline(city, "zh")[1].startswith("全市热线受理工单19件")
    assert "全市热线本月受理工单的总体情况" in pages.heading("01_overview", city, "zh").data
    for lang in ("zh", "en"):
        said = " ".join(text.headline(city, lang)) + pages.heading("01_overview", city, lang).data
        assert "12345" not in said, lang


def test_a_12345_hotline_is_called_12345(zibo):
    assert "全市12345热线本月受理工单的总体情况" in pages.heading("01_overview", zibo, "zh").data
    assert text.headline(zibo, "en")[1].startswith("The whole 12345 hotline: ")
    assert text.headline(zibo, "zh")[1].startswith("全市12345热线受理工单")


def test_a_311_store_in_a_chinese_pack_says_311(tmp_path):
    from hotline_analysis.ingest.pipeline import ingest as ingest_files

    from .conftest import external

    ingest_files([external("nyc311_sample_2010_2020", "nyc311_sample.csv")], load_preset("nyc311"),
                 tmp_path / "store", progress=False)
    r = MonthReport.build(tmp_path / "store", "2019-06", all_units=True, topics="categories")
    assert "全市311热线本月受理工单的总体情况" in pages.heading("01_overview", r, "zh").data
    assert "12345" not in pages.heading("01_overview", r, "zh").data + " ".join(text.headline(r, "en"))


# --- 3. names in Latin script in a zh pack -----------------------------------------------------------------


NAMES = SimpleNamespace(supervised=["Dept of Sanitation", "江州市环卫局", "Water Bureau"],
                        issues=pd.DataFrame({"category": ["Noise", None, "噪音扰民"]}),
                        breakdowns=pd.DataFrame({"dimension": ["district", "district", "channel"],
                                                 "value": ["Eastside", "江北区", "Phone"]}))


def test_a_zh_index_notes_the_names_shown_as_the_export_writes_them():
    note = _latin(NAMES)
    assert "<h2>名称说明</h2>" in note
    assert "以下名称按导出数据原样显示，未译成中文：Dept of Sanitation、Water Bureau、Noise、Eastside</p>" in note
    assert "江州市环卫局" not in note and "Phone" not in note  # Chinese names need no note; channels are translated
    assert L.AS_WRITTEN["zh"] == ("名称说明", "以下名称按导出数据原样显示，未译成中文：")
    en = _untranslated(NAMES)  # the English pack's note, its mirror
    assert "<h2>Names without an English translation</h2>" in en and "江州市环卫局, 噪音扰民, 江北区" in en


def test_a_long_list_of_latin_names_is_cut_short():
    many = SimpleNamespace(supervised=[f"Unit {i}" for i in range(1, 26)], issues=pd.DataFrame({"category": []}),
                           breakdowns=pd.DataFrame({"dimension": [], "value": []}))
    listed = re.search("原样显示，未译成中文：(.*)</p>", _latin(many)).group(1).split("、")
    assert len(listed) == 20 and listed[0] == "Unit 1" and listed[-1] == "Unit 20等25个"


def test_the_zh_home_of_an_english_named_store_carries_the_note(city, zibo, tmp_path):
    page = write_index(city, tmp_path, "zh", [], []).read_text("utf-8")
    assert "<h2>名称说明</h2>" in page
    note = page.split("未译成中文：", 1)[1].split("</p>", 1)[0]
    assert note == f"{PARKS}、{WATER}、{PERMITS}、Ward 3"  # the units in rank order (11, 5, 3), then the district
    assert "名称说明" not in write_index(zibo, tmp_path, "zh", [], []).read_text("utf-8")
    assert "Names without" not in write_index(city, tmp_path, "en", [], []).read_text("utf-8")


def test_the_english_workbook_says_on_its_first_sheet_where_it_quotes_chinese(zibo, city):
    from hotline_analysis.pack.workbook import workbook_tables

    first = workbook_tables(zibo, "en")["overview"]
    assert first.iloc[-2].tolist() == [len(first) - 1, "An issue label opens with its category in English where it "
                                       "has one; the citizens' own words (the rest of the label, keywords, excerpts) "
                                       "are quoted in the original Chinese (sheets issues, emerging issues, questions)."]
    assert first.iloc[-1].tolist() == [len(first), "handling by unit: Rates in percent; Change: the on-time rate "
                                       "against last month, in points; Extensions asked/granted: orders."]
    assert "original Chinese" not in workbook_tables(zibo, "zh")["总览"].to_string()
    assert "original Chinese" not in workbook_tables(city, "en")["overview"].to_string()  # categories: names


# --- 4. plain words before the statistics ----------------------------------------------------------------------

#: The statistical terms a committee member is not expected to know: shown only in brackets, after plain words.
TERMS = {"zh": ("Mann-Kendall", "Sen", "q值", "中断时间序列", "双重差分", "对照组"),
         "en": ("Mann-Kendall", "Sen's slope", "q value", "interrupted time series", "difference in differences",
                "comparison group")}
#: Two supervised units, one fell; against five never supervised, parallel before.
BACK = pd.DataFrame({"department": ["市农业农村局", "市水利局"], "supervised": ["2020-11", "2020-12"],
                     "months_after": [3, 2], "rate_ratio": [0.6, 0.9], "ci_low": [0.5, 0.7], "ci_high": [0.72, 1.16],
                     "p_value": [0.001, 0.4], "verdict": ["fell", "unclear"]})
DID = pd.DataFrame({"rate_ratio": [0.75], "ci_low": [0.6], "ci_high": [0.94], "p_value": [0.01], "n_treated": [2],
                    "n_control": [5], "pretrend_rr": [1.0], "pretrend_p": [0.4]})


def _unbracketed(s: str) -> str:
    return re.sub(r"（[^（）]*）|\([^()]*\)", "", s)


def _statistics_words(report, lang: str) -> list[str]:
    """What the departments appendix and the look-back page and slides say."""
    from hotline_analysis.pack import tables
    from hotline_analysis.pack.deck import lookback_lines, review_slides

    said = [html.unescape(pages.appendix(report, lang).data), *tables.long_trends(report, lang).columns,
            html.unescape(pages.lookback_summary(BACK, lang).data), html.unescape(pages.did_sentence(DID, lang).data),
            html.unescape(pages.did_sentence(DID.assign(pretrend_p=0.001), lang).data),
            html.unescape(pages.did_sentence(pd.DataFrame(), lang).data), *lookback_lines(BACK, DID, lang)]
    back = SimpleNamespace(lookback=BACK, lookback_did=DID, annual=pd.DataFrame())
    return said + [s.note for s in review_slides(back, lang)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_statistics_are_named_only_after_plain_words(zibo, lang):
    said = _statistics_words(zibo, lang)
    for s in said:
        for term in TERMS[lang]:
            assert term not in _unbracketed(s), (term, s)
    joined = " ".join(said)
    for term in TERMS[lang]:  # still there for the analyst
        assert term in joined, term
    appendix, back = said[0], html.unescape(pages.lookback_summary(BACK, lang).data)
    if lang == "zh":
        assert appendix.startswith("<p>长期趋势检验（季节性Mann-Kendall检验）：把每个月只与往年的同一月份比较")
        assert "如何阅读：" in appendix and "<p>如何阅读：“前后比”" in back
        assert not re.search("[A-Za-z]", re.sub(r"Mann-Kendall|Sen|q值|</?p>", "", joined))  # Chinese throughout
    else:
        assert appendix.startswith("<p>The longer-term trend test (seasonal Mann-Kendall): each month is compared")
        assert "How to read it: " in appendix and "<p>How to read it: the rate ratio" in back
        assert not has_cjk(joined)  # English throughout, the units' names too


def test_the_lookback_slide_says_how_to_read_the_rate_ratio():
    from hotline_analysis.pack.deck import review_slides

    back = SimpleNamespace(lookback=BACK, lookback_did=DID, annual=pd.DataFrame())
    deck = review_slides(back, "zh")
    assert deck[0].note == ("如何阅读：“前后比”是监督后的月净投诉与按监督前走势和季节推算的应有水平之比，小于1即减少（0.70即少约30%）；"
                            "95%置信区间是这一比值的可能范围，整体低于1才算明显下降。")
    assert review_slides(back, "en")[0].note.startswith("How to read it: the rate ratio is")
    # 0.75 of what the comparison implies: a quarter fewer
    assert "，即少约25%。" in pages.did_sentence(DID, "zh").data
    assert "about 25% fewer." in pages.did_sentence(DID, "en").data
    assert "即多约10%" in pages.did_sentence(DID.assign(rate_ratio=1.1, ci_low=1.02, ci_high=1.19), "zh").data
    # 1.17 (0.98-1.41): the interval holds 1, so no "about 17% more"
    unclear = DID.assign(rate_ratio=1.17, ci_low=0.98, ci_high=1.41)
    assert "（95%置信区间0.98–1.41），与应有水平相比没有明显差异（区间包含1）。" in pages.did_sentence(unclear, "zh").data
    assert "(95% interval 0.98–1.41), no clear difference (the interval holds 1)." in pages.did_sentence(unclear, "en").data
    assert "17%" not in pages.did_sentence(unclear, "zh").data


def test_the_look_back_summary_counts_the_units_that_rose_too():
    back = pd.concat([BACK, BACK.iloc[[1]].assign(department="市统计局", rate_ratio=1.44, ci_low=1.06, ci_high=1.98,
                                                  verdict="rose")])
    assert pages.lookback_summary(back, "zh", reading=False).data == (
        "<p>被监督的3个单位中，1个净投诉明显下降（监督后与监督前之比的95%置信区间整体低于1），1个明显上升（整体高于1）。</p>")
    assert "1 of the 3 supervised units clearly fell (the whole 95% interval of the after/before rate ratio below 1), " \
           "1 clearly rose (the whole interval above 1)." in pages.lookback_summary(back, "en", reading=False).data
    assert "上升" not in pages.lookback_summary(BACK, "zh", reading=False).data  # none rose: not said


# --- 5. the report home's footer -------------------------------------------------------------------------------


def test_the_home_names_the_data_and_the_day_never_a_folder(zibo, tmp_path):
    from datetime import date

    from hotline_analysis.pack.index import _made

    # the small scenario's orders run from January 2019 to the month reported
    day = date(2026, 12, 6)
    assert _made(zibo, "zh", day) == "数据：淄博市12345热线工单（2019年1月至2021年2月） · 2026年12月6日编制 · hotline_analysis 0.1.0"
    assert _made(zibo, "en", day) == ("Data: Zibo 12345 hotline work orders, January 2019 to February 2021 · made on "
                                      "6 December 2026 · hotline_analysis 0.1.0")
    for lang in ("zh", "en"):
        page = write_index(zibo, tmp_path, lang, [], []).read_text("utf-8")
        footer = page.rsplit("<p><small>", 1)[1]
        assert zibo.dataset not in footer and "store" not in footer and "数据库" not in footer
        assert "/" not in footer.split("</small>")[0]  # no path


# --- 6. issue labels in an en pack ------------------------------------------------------------------------------


def test_an_issues_category_is_named_in_english_and_the_citizens_words_stay():
    # data/reference/names_en.csv: 烂尾楼盘停工,Stalled housing projects; 老旧小区改造,Old estate renovation
    label = "烂尾楼盘停工：楼盘停工烂尾、复工交房"
    assert text.issue_label(label, "烂尾楼盘停工", "en") == "Stalled housing projects: 楼盘停工烂尾、复工交房"
    assert text.issue_label(label, "烂尾楼盘停工", "zh") == label
    assert text.issue_label("老旧小区改造", "老旧小区改造", "en") == "Old estate renovation"  # an issue that is a category
    assert text.issue_label("HEAT/HOT WATER: APARTMENT ONLY", None, "en") == "HEAT/HOT WATER: APARTMENT ONLY"
    assert text.issue_label("冬季供暖不达标、老人孩子受冻", "供暖", "en") == "冬季供暖不达标、老人孩子受冻"


# --- 7. one sign rule for every change ---------------------------------------------------------------------------

#: Columns of changes and of levels (header keys, :data:`hotline_analysis.labels.HEADERS_PAIRS`).
CHANGES = ("mom_pct", "yoy_pct", "delta_pp", "vs_city_pp", "on_time_mom_pp", "change", "slope_per_year", "mom", "yoy",
           "change_pct")
LEVELS = ("net_complaints", "prev_month", "prev_year", "satisfaction_rate", "records", "share", "on_time_rate",
          "this_month", "orders", "baseline_mean", "rate_ratio")
SIGNED = re.compile(r"^([+−]\d[\d,]*(\.\d+)?|0(\.0+)?)(%|个百分点| pts)?$")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_change_shows_its_sign_and_no_level_does(zibo, lang):
    from hotline_analysis.pack.pages import PLACEHOLDERS
    from hotline_analysis.pack.workbook import workbook_tables

    h, seen = L.headers(lang), []
    for name, t in workbook_tables(zibo, lang).items():  # the frames the pages and slides show too
        for key in CHANGES:
            for v in t.get(h[key], pd.Series(dtype=object)).dropna():
                assert isinstance(v, str) and (SIGNED.match(v) or v in PLACEHOLDERS), (name, key, v)
                seen.append(v[:1])
        for key in LEVELS:
            for v in t.get(h[key], pd.Series(dtype=object)).dropna():
                assert not str(v).startswith(("+", "−", "-")), (name, key, v)
    assert {"+", "−"} <= set(seen)
