"""The monthly report pack on the small scenario: files, safety of outputs, and every figure agreeing with the
month result across summary.json, pages, workbook and both decks."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from hotline_analysis.month import MonthReport
from hotline_analysis.month.summary import validate_summary
from hotline_analysis.pack import run_report, write_pack
from hotline_analysis.pack.notebooks import NETWORK_REFERENCE, strip_network_references
from hotline_analysis.pack.workbook import _formula_like

pytestmark = pytest.mark.slow  # runs notebooks or a browser: outside the fast lane

MONTH = "2020-12"


@pytest.fixture(scope="module")
def pack(small_store, tmp_path_factory):
    store, _ = small_store
    return run_report(store.root, MONTH, tmp_path_factory.mktemp("reports") / MONTH, "zh")


@pytest.fixture(scope="module")
def report(pack):
    return MonthReport.load(pack / "month")


@pytest.fixture(scope="module")
def sheets(pack):
    return pd.read_excel(pack / "tables.xlsx", sheet_name=None, engine="calamine")


def test_pack_has_the_files_of_design(pack, report):
    for name in ("index.html", "01_overview.html", "02_departments.html", "03_handling.html", "04_satisfaction.html",
                 "05_topics.html",
                 "06_actions.html", "01_overview.ipynb", "summary.json", "tables.xlsx", "figures/daily.png",
                 "figures/ranking.png", "figures/topics.png", "figures/trends.png",
                 "slides.html", "briefing.pptx", "month/month.json", "month/departments.parquet"):
        assert (pack / name).exists(), name
    # a satisfaction chart only where some unit has enough call-backs (the small scenario has none)
    enough = report.satisfaction.enough_sample.any()
    assert (pack / "figures" / "satisfaction.png").exists() == enough
    page = (pack / "04_satisfaction.html").read_text("utf-8")
    assert enough or "不绘制满意率图" in page
    index = (pack / "index.html").read_text("utf-8")
    assert "01_overview.html" in index and "summary.json" in index and "tables.xlsx" in index


def test_pages_are_offline_hide_code_and_embed_their_charts(pack):
    for page in pack.glob("*.html"):
        text = page.read_text("utf-8")
        assert not NETWORK_REFERENCE.search(text), page.name
        assert "data:font/woff;base64," in text, page.name  # Chinese renders without a system CJK font
        body = text.split("<body", 1)[-1]
        assert "open_month" not in body and "import " not in body.split("<style", 1)[0], page.name
        assert "Figure size" not in body, page.name
    for name in ("01_overview", "02_departments", "05_topics"):
        assert "data:image/png;base64," in (pack / f"{name}.html").read_text("utf-8"), name


def test_summary_is_the_month_result(pack, report):
    summary = validate_summary(json.loads((pack / "summary.json").read_text("utf-8")))
    assert summary == report.to_json()


def _figure(shown: str) -> float:
    """A change as displayed (+23.53, −8.40) as a number."""
    return float(shown.replace("−", "-").replace(",", ""))


def test_every_number_of_the_workbook_is_the_month_result(sheets, report):
    """Each sheet's cells against the month result's unrounded tables, at the displayed precision."""
    assert {"总览", "部门", "诉求类型", "受理渠道", "区县", "满意度", "热点问题", "新出现问题", "研判与行动",
            "询问问题清单"} <= set(sheets)
    deps = sheets["部门"].set_index("承办单位")
    sat = report.satisfaction.set_index("department")
    for d in report.departments.itertuples():
        row = deps.loc[d.department]
        assert row["净投诉量"] == d.net_complaints and row["上月"] == d.prev_month and row["排名"] == d.rank
        assert (pd.isna(row["去年同月"]) and pd.isna(d.prev_year)) or row["去年同月"] == d.prev_year
        for col, v in (("环比（%）", d.mom_pct), ("同比（%）", d.yoy_pct)):
            # a change not computed on a small base reads 新增 (base 0) or — (README), never a blank
            assert (row[col] in ("新增", "—") and pd.isna(v)) or _figure(row[col]) == pytest.approx(v, abs=0.0051)
        rate, n = sat.satisfaction_rate.get(d.department), sat.surveyed.get(d.department, 0)
        if n < report.settings.satisfaction.min_surveyed:  # too few call-backs: no rate shown as if measured
            assert pd.isna(rate) or row["满意率（%）"] == "样本不足"
        else:
            assert row["满意率（%）"] == pytest.approx(rate * 100, abs=0.0051)
    for sheet, dim in (("诉求类型", "request_type"), ("受理渠道", "channel"), ("区县", "district")):
        b = report.breakdowns[report.breakdowns.dimension == dim]
        assert sheets[sheet]["工单量"].tolist() == b.records.tolist()
        assert sheets[sheet]["占比（%）"].tolist() == pytest.approx((b.share * 100).tolist(), abs=0.051)
    s = sheets["满意度"].set_index("承办单位")
    for r in report.satisfaction.itertuples():
        assert s.loc[r.department, "回访数"] == r.surveyed
    issues = sheets["热点问题"]
    assert issues["件数"].tolist() == report.issues.orders.tolist()
    assert issues["问题"].tolist() == report.issues.label.tolist()
    assert len(sheets["询问问题清单"]) == len(report.questions)


def test_topics_agree_across_summary_workbook_page_and_decks(pack, sheets, report):
    from pptx import Presentation

    summary = json.loads((pack / "summary.json").read_text("utf-8"))
    issues = sheets["热点问题"]
    assert len(summary["topics"]) > 0
    for t in summary["topics"]:
        rows = issues[issues["承办单位"] == t["department"]].sort_values("排名")
        assert rows["问题"].tolist() == t["topics"]
        assert rows["件数"].tolist() == [i["orders"] for i in t["issues"]]
    page = (pack / "05_topics.html").read_text("utf-8")
    assert all(lab in page for lab in issues["问题"].head(10))
    questions = sheets["询问问题清单"]
    top3 = report.supervised[:3]
    assert set(top3) <= set(questions["承办单位"])  # the three with most net complaints are always asked
    deck = Presentation(str(pack / "briefing.pptx"))
    texts = ["\n".join(sh.text_frame.text for sh in s.shapes if sh.has_text_frame) for s in deck.slides]
    asked = questions.iloc[:, 2].notna().groupby(questions["承办单位"], sort=False).any()  # a numbered question
    # a department asked about issues has slides of its own; the others are a line each on one slide
    assert all(any(t.startswith(f"{d} · 询问问题清单") for t in texts) for d in asked[asked].index)
    together = [t for t in texts if t.startswith("询问问题清单")]
    assert len(together) == (0 if asked.all() else 1)
    assert all(f"• {d}：本月" in together[0] for d in asked[~asked].index)
    listed = report.issues[(report.issues.department == top3[0])
                           & (report.issues.orders >= report.settings.topics.min_question_orders)]
    if len(listed):
        first = next(t for t in texts if t.startswith(f"{top3[0]} · 询问问题清单"))
        assert f"“{listed.sort_values('rank').label.iloc[0]}”" in first
        assert f"{top3[0]} · 询问问题清单" in (pack / "slides.html").read_text("utf-8")
    else:  # no issue reaches the listing threshold: said in words, not as an empty list
        assert f"没有一个问题达到{report.settings.topics.min_question_orders}件" in together[0]


def test_department_figures_agree_across_page_slides_and_index(pack, report):
    page = (pack / "02_departments.html").read_text("utf-8").replace(' class="num"', "")  # figures right-aligned
    for d in report.departments.head(5).itertuples():
        row = page.split(f"<td>{d.rank}</td><td>{d.department}</td>", 1)[1].split("</tr>", 1)[0]
        assert row.startswith(f"<td>{d.net_complaints:,}</td>")
    t = report.totals()
    for name in ("slides.html", "index.html"):  # headlines quote the month result
        text = (pack / name).read_text("utf-8")
        assert f"{report.ledger['net_complaints']:,}" in text and f"{report.ledger['records']:,}" in text
        assert f"{t['net_complaints']:,}" in text


def test_no_pii_canary_in_the_pack(pack, sheets, small_export):
    canaries = json.loads((small_export / "ground_truth.json").read_text("utf-8"))["pii_canaries"]
    blob = "".join(p.read_text("utf-8", errors="ignore") for p in pack.rglob("*") if p.suffix in (".html", ".json", ".ipynb"))
    blob += "".join(str(v) for t in sheets.values() for v in t.to_numpy().ravel())
    blob += "".join(pd.read_parquet(p).astype(str).to_string() for p in (pack / "month").glob("*.parquet"))
    assert not [c for c in canaries if c in blob]


def test_output_safety_helpers():
    assert _formula_like("=HYPERLINK(1)") and _formula_like("-1+2") and not _formula_like(5)
    page = '<script src="https://cdn.example/x.js"></script><p>ok</p><script type="module">import("https://cdnjs.x/y")</script>'
    assert strip_network_references(page) == "<p>ok</p>"


def test_pages_never_read_the_store(small_store, tmp_path):
    """The notebooks narrate the saved result: the pack is complete with the store gone."""
    store, _ = small_store
    gone = tmp_path / "store_moved_away"
    shutil.copytree(store.root, gone)  # a copy we then delete, so the session's store stays
    report = MonthReport.build(gone, MONTH, topics="categories")
    shutil.rmtree(gone)
    out = write_pack(report, tmp_path / "pack", "en", store=gone)
    assert (out / "06_actions.html").exists() and (out / "index.html").exists()


def test_slides_and_briefing_are_16_9_and_quote_the_result(pack, report):
    from pptx import Presentation
    from pptx.util import Emu

    slides = (pack / "slides.html").read_text("utf-8")
    assert "Reveal.initialize" in slides and "data:image/png;base64," in slides
    deck = Presentation(str(pack / "briefing.pptx"))
    assert Emu(deck.slide_width).inches / Emu(deck.slide_height).inches == pytest.approx(16 / 9, abs=0.01)
    texts = ["\n".join(sh.text_frame.text for sh in s.shapes if sh.has_text_frame) for s in deck.slides]
    assert texts[0].startswith("淄博市12345热线 2020年12月 监督分析") and "内部资料" in texts[0]
    headline = next(t for t in texts if t.startswith("本月要点"))
    assert f"{report.ledger['net_complaints']:,}" in headline
    for s in deck.slides:  # nothing placed outside the slide
        for sh in s.shapes:
            assert sh.left + sh.width <= deck.slide_width and sh.top + sh.height <= deck.slide_height


def test_english_pack_speaks_english(small_store, tmp_path):
    store, _ = small_store
    out = run_report(store.root, MONTH, tmp_path / "en", "en")
    index = (out / "index.html").read_text("utf-8")
    assert "Zibo 12345 hotline: supervision analysis, December 2020" in index and "本月" not in index
    sheets = pd.read_excel(out / "tables.xlsx", sheet_name=None, engine="calamine")
    assert "departments" in sheets and "Net complaints" in sheets["departments"].columns
    from pptx import Presentation

    slides = [[p.text for sh in s.shapes if sh.has_text_frame for p in sh.text_frame.paragraphs]
              for s in Presentation(out / "briefing.pptx").slides]
    flags = next(s for s in slides if s[0] == "Flags and commendations")
    assert all(x.startswith("• ") and x[2].isupper() for x in flags[1:]), flags  # "Surge: none" as "Rising trend"
    assert not [x for s in slides for x in s if x.startswith("• 1.")]  # a number or a bullet, not both


def test_handling_figures_agree_across_summary_page_slides_and_workbook(pack, sheets, report):
    from pptx import Presentation

    summary = json.loads((pack / "summary.json").read_text("utf-8"))
    city = summary["handling"]["city"]
    c = report.city_handling.set_index("month").loc[report.month]
    assert city["dispatched"] == c.dispatched and city["open"] == c.open and city["overdue"] == c.overdue
    on_time = f"{c.on_time_rate * 100:.2f}%"
    headline = f"转派承办单位{int(c.dispatched):,}件，按期办结率{on_time}"
    deck = Presentation(str(pack / "briefing.pptx"))
    texts = "\n".join(sh.text_frame.text for s in deck.slides for sh in s.shapes if sh.has_text_frame)
    for text in ((pack / "03_handling.html").read_text("utf-8"), (pack / "index.html").read_text("utf-8"),
                 (pack / "slides.html").read_text("utf-8"), texts):
        assert headline in text and f"其中超期未办结{int(c.overdue):,}件" in text
    units = sheets["各单位办理情况"].set_index("承办单位")
    by_name = {d["department"]: d["handling"] for d in summary["departments"]}
    for r in report.handling[report.handling.month == report.month].itertuples():
        row, fig = units.loc[r.department], by_name[r.department]
        assert row["转派件数"] == r.dispatched == fig["dispatched"]
        assert row["月末未办结"] == r.open == fig["open"] and row["其中超期"] == r.overdue == fig["overdue"]
        if pd.notna(r.on_time_rate):
            assert row["按期办结率"] == pytest.approx(r.on_time_rate * 100, abs=0.0051)
            assert fig["on_time_rate"] == pytest.approx(r.on_time_rate, abs=1e-6)
    city_sheet = sheets["全市办理情况"].set_index("指标")
    assert city_sheet.loc["转派件数", "本月"] == c.dispatched
    assert city_sheet.loc["按期办结率（%）", "本月"] == pytest.approx(c.on_time_rate * 100, abs=0.0051)


def test_the_flags_slide_names_every_rising_department(pack, report):
    # a rising trend calls a department before the committee: the flags slide must say so, as the action list does
    d = report.departments
    rising = "、".join(d.loc[d.trend == "rising", "department"]) or "无"
    assert f"趋势上升：{rising}" in (pack / "slides.html").read_text("utf-8")
    from pptx import Presentation

    deck = "\n".join(p.text for s in Presentation(pack / "briefing.pptx").slides for sh in s.shapes
                     if sh.has_text_frame for p in sh.text_frame.paragraphs)
    assert f"趋势上升：{rising}" in deck


def test_satisfaction_below_the_standard_beyond_doubt_is_named_apart(pack, report):
    from hotline_analysis.pack import text

    # like the handling standards: below by the rate, and below beyond doubt (the interval's upper end too)
    s, std = report.satisfaction, report.settings.satisfaction.standard
    below = s[s.enough_sample.fillna(False).astype(bool) & (s.satisfaction_rate < std)]
    page = (pack / "04_satisfaction.html").read_text("utf-8")
    if not s.enough_sample.fillna(False).astype(bool).any():  # the small scenario: nobody can be judged
        assert f"满意率低于{std * 100:g}%的单位：无。" not in page
        assert text.too_few_callbacks(report, "zh") in page
        return
    if below.empty:
        assert f"满意率低于{std * 100:g}%的单位：无。" in page
        return
    sure = "、".join(below.sort_values("satisfaction_rate").loc[lambda t: t.ci_high < std, "department"]) or "无"
    assert f"确定低于标准（95%置信区间上限也低于{std * 100:g}%）的：{sure}。" in page


def test_satisfaction_sentence_separates_below_from_below_beyond_doubt(report):
    from hotline_analysis.pack import deck, pages

    s = report.satisfaction.head(3).copy()
    s["enough_sample"] = True
    s["satisfaction_rate"], s["ci_low"], s["ci_high"] = [0.90, 0.93, 0.99], [0.85, 0.88, 0.97], [0.94, 0.97, 1.0]
    s["below_standard"] = s.satisfaction_rate < 0.95
    s["below_standard_for_sure"] = [True, False, False]  # the second's interval reaches 97%
    r = report.with_tables(satisfaction=s)
    a, b = s.department.iloc[0], s.department.iloc[1]
    text = pages.satisfaction_overview(r, "zh").data
    assert f"满意率低于95%的单位：{a}（90.00%）、{b}（93.00%）。" in text
    assert f"确定低于标准（95%置信区间上限也低于95%）的：{a}。" in text  # b's interval reaches 97%
    assert f"（确定低于标准：{a}）" in deck.satisfaction_lines(r, "zh")[1]
