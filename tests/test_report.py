"""The monthly report pack on the small scenario: files, safety of outputs, agreement with summary.json."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from hotline_analysis.report import NETWORK_REFERENCE, _safe_cell, run_report, strip_network_references
from hotline_analysis.summary import validate_summary


@pytest.fixture(scope="module")
def pack(small_store, tmp_path_factory):
    store, _ = small_store
    return run_report(store.root, "2020-12", tmp_path_factory.mktemp("reports") / "2020-12", "zh", progress=False)


def test_pack_has_the_files_of_design(pack):
    for name in ("index.html", "01_overview.html", "02_departments.html", "03_satisfaction.html", "04_topics.html",
                 "05_actions.html", "01_overview.ipynb", "summary.json", "tables.xlsx", "figures/daily.png",
                 "figures/ranking.png", "figures/satisfaction.png", "figures/topics.png", "figures/trends.png",
                 "slides.html",
                 "briefing.pptx"):
        assert (pack / name).exists(), name
    index = (pack / "index.html").read_text("utf-8")
    assert "01_overview.html" in index and "summary.json" in index and "tables.xlsx" in index


def test_html_is_offline_and_hides_code(pack):
    for page in pack.glob("*.html"):
        text = page.read_text("utf-8")
        assert not NETWORK_REFERENCE.search(text), page.name
        assert "data:font/woff;base64," in text, page.name  # Chinese renders without a system CJK font
        assert "load_month" not in text and "import " not in text.split("<body", 1)[-1].split("<style", 1)[0]


def test_summary_and_workbook_agree(pack):
    summary = validate_summary(json.loads((pack / "summary.json").read_text("utf-8")))
    sheets = pd.read_excel(pack / "tables.xlsx", sheet_name=None, engine="calamine")
    assert set(sheets) == {"部门", "诉求类型", "受理渠道", "区县", "热点问题", "新出现问题", "质询问题清单"}
    deps = sheets["部门"].set_index("承办单位")
    for row in summary["departments"]:
        assert deps.loc[row["department"], "净投诉量"] == row["net_complaints"]
        assert deps.loc[row["department"], "排名"] == row["rank"]
    assert sheets["诉求类型"]["records"].sum() == summary["ledger"]["records"]


def test_topics_agree_across_summary_workbook_notebook_and_slides(pack):
    from pptx import Presentation

    summary = json.loads((pack / "summary.json").read_text("utf-8"))
    sheets = pd.read_excel(pack / "tables.xlsx", sheet_name=None, engine="calamine")
    issues = sheets["热点问题"]
    assert len(summary["topics"]) > 0
    for t in summary["topics"]:
        rows = issues[issues["部门"] == t["department"]].sort_values("序号")
        assert rows["问题"].tolist() == t["topics"]
        assert rows["件数"].tolist() == [i["orders"] for i in t["issues"]]
        assert rows["关键词"].fillna("").tolist() == ["、".join(i["keywords"]) for i in t["issues"]]
    page = (pack / "04_topics.html").read_text("utf-8")
    assert all(lab in page for lab in issues["问题"].head(10))
    questions = sheets["质询问题清单"]
    assert len(questions) > 0
    top3 = [d["department"] for d in summary["departments"][:3]]
    assert set(top3) <= set(questions["部门"])  # the three with most net complaints are always asked
    deck = Presentation(str(pack / "briefing.pptx"))
    titles = [s.shapes.title.text for s in deck.slides if s.shapes.title is not None]
    assert all(any(t.startswith(f"{d} · 质询问题") for t in titles) for d in questions["部门"].unique())
    first = next(s for s in deck.slides if s.shapes.title is not None and s.shapes.title.text.startswith(top3[0]))
    text = "".join(sh.text_frame.text for sh in first.shapes if sh.has_text_frame)
    label = summary["topics"][[t["department"] for t in summary["topics"]].index(top3[0])]["topics"][0]
    assert f"“{label}”" in text
    slides = (pack / "slides.html").read_text("utf-8")
    assert f"{top3[0]} · 质询问题" in slides


def test_department_figures_agree_across_notebook_slides_and_summary(pack):
    summary = json.loads((pack / "summary.json").read_text("utf-8"))
    page = (pack / "02_departments.html").read_text("utf-8")
    for d in summary["departments"][:5]:  # the notebook's table shows the same net complaints as the summary
        assert f">{d['department']}<" in page
        row = page.split(f">{d['department']}<", 1)[1].split("</tr>", 1)[0]
        assert f">{d['net_complaints']}<" in row
    for name in ("slides.html", "index.html"):  # headlines quote the summary's ledger
        page = (pack / name).read_text("utf-8")
        assert f"{summary['ledger']['net_complaints']:,}" in page and f"{summary['ledger']['records']:,}" in page


def test_no_pii_canary_in_the_pack(pack, small_export):
    canaries = json.loads((small_export / "ground_truth.json").read_text("utf-8"))["pii_canaries"]
    blob = "".join(p.read_text("utf-8", errors="ignore") for p in pack.rglob("*") if p.suffix in (".html", ".json", ".ipynb"))
    blob += "".join(str(v) for t in pd.read_excel(pack / "tables.xlsx", sheet_name=None, engine="calamine").values() for v in t.to_numpy().ravel())
    assert not [c for c in canaries if c in blob]


def test_output_safety_helpers():
    assert _safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and _safe_cell("-1+2") == "'-1+2" and _safe_cell(5) == 5
    page = '<script src="https://cdn.example/x.js"></script><p>ok</p><script type="module">import("https://cdnjs.x/y")</script>'
    assert strip_network_references(page) == "<p>ok</p>"


def test_action_list_hand_made():
    from hotline_analysis.report import action_list

    summary = {"departments": [
        {"department": "A", "flags": ["surge"], "trend": "no_trend"},
        {"department": "B", "flags": ["commend"], "trend": "falling"},
        {"department": "C", "flags": ["satisfaction_drop"], "trend": "rising"},
        {"department": "D", "flags": [], "trend": "no_trend"},
    ]}
    t = action_list(summary, "en").set_index("department")
    assert list(t.index) == ["A", "B", "C"]
    assert t.loc["A", "action"] == "call before the committee" and t.loc["A", "reasons"] == "surge in complaints"
    assert t.loc["B", "action"] == "commend"
    assert t.loc["C", "reasons"] == "significant satisfaction drop; rising trend"


def test_slides_and_briefing(pack):
    from pptx import Presentation

    slides = (pack / "slides.html").read_text("utf-8")
    assert "Reveal.initialize" in slides and "data:image/png;base64," in slides
    assert not NETWORK_REFERENCE.search(slides)
    deck = Presentation(str(pack / "briefing.pptx"))
    titles = [s.shapes.title.text for s in deck.slides]
    assert titles[0].endswith("2020-12") and "本月要点" in titles and "净投诉量排名" in titles
    summary = json.loads((pack / "summary.json").read_text("utf-8"))
    headline = [s for s in deck.slides if s.shapes.title.text == "本月要点"][0]
    text = "".join(sh.text_frame.text for sh in headline.shapes if sh.has_text_frame)
    assert f"{summary['ledger']['net_complaints']:,}" in text  # the briefing quotes the summary's figures


def test_annual_review(small_store, tmp_path, small_export):
    from hotline_analysis.cli import main
    from hotline_analysis.report import annual_review

    store, _ = small_store
    table = annual_review(store.root, 2020)
    truth = json.loads((small_export / "ground_truth.json").read_text("utf-8"))
    assert set(table.department) == {d["name"] for d in truth["departments"]}
    assert table.top_n.sum() == 6 and table[table.top_n].candidate.all()
    assert table.annual.sum() > 0 and (table["rank"].diff().dropna() >= 0).all()
    assert main(["annual", "--store", str(store.root), "--year", "2020", "--out", str(tmp_path)]) == 0
    page = (tmp_path / "annual_review.html").read_text("utf-8")
    assert not NETWORK_REFERENCE.search(page) and "annual_review" not in page.split("<body", 1)[-1][:200]


def test_lookback(small_store, small_export, tmp_path):
    from hotline_analysis.cli import main
    from hotline_analysis.report import lookback, lookback_did

    store, _ = small_store
    truth = json.loads((small_export / "ground_truth.json").read_text("utf-8"))
    register = small_export / "supervision.csv"
    reg = pd.read_csv(register)
    assert set(zip(reg.department, reg.month)) == {(d["name"], m) for d in truth["departments"]
                                                   for m in d["supervised_months"]}
    t = lookback(store.root, ["2020-11", "2020-12"], "2021-02", register)
    assert set(t.department) == {x["department"] for x in truth["lookback"]}
    assert set(t.months_after) == {2, 3} and t.rate_ratio.notna().all()
    assert set(t.verdict) <= {"fell", "rose", "no clear change"}
    r = lookback_did(store.root, ["2020-11", "2020-12"], "2021-02", register)
    assert r.n_treated == len(t) and r.n_control >= 1 and 0 < r.ci_low <= r.rate_ratio <= r.ci_high
    assert 0 <= r.pretrend_p <= 1
    assert main(["lookback", "--store", str(store.root), "--supervised", "2020-11,2020-12", "--at", "2021-02",
                 "--register", str(register), "--out", str(tmp_path)]) == 0
    assert not NETWORK_REFERENCE.search((tmp_path / "lookback.html").read_text("utf-8"))
    assert main(["lookback", "--store", str(store.root), "--supervised", "2020-11", "--at", "2021-02",
                 "--register", str(tmp_path / "missing.csv")]) == 2
