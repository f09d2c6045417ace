"""What a reader sees: every page of a zh and an en pack rendered in a real browser, and the verdicts on the
pages read back against the figures beside them."""

from __future__ import annotations

import re

import pytest

from hotline_analysis.catalog import untranslated
from hotline_analysis.month import MonthReport
from hotline_analysis.pack import run_report, text

from .browser import DEFAULT_LATIN_ALLOW, check_pack, find_browser

pytestmark = pytest.mark.slow  # runs notebooks or a browser: outside the fast lane

MONTHS = ("2020-12", "2021-02")


@pytest.fixture(scope="module", params=["zh", "en"])
def pack(request, small_store, small_export, tmp_path_factory):
    store, _ = small_store
    return request.param, run_report(store.root, "2021-02", tmp_path_factory.mktemp(request.param), request.param,
                                     register=small_export / "supervision.csv")


def test_every_page_renders_with_its_charts_in_one_language(pack):
    if find_browser() is None:
        pytest.skip("no Chromium installed (/usr/bin/chromium; .ci/run installs Debian's)")
    lang, folder = pack
    report = MonthReport.load(folder / "month")
    names = set(untranslated([*report.supervised, *report.issues.category.dropna(), *report.breakdowns.value]))
    # an en pack quotes the citizens' own words (issue labels, keywords, excerpts): those stay Chinese
    # (the labels as shown: their category in English where it has a name, text.issue_label)
    shown = [text.issue_label(x, c, lang) for i in (report.issues, report.emerging) for x, c in zip(i.label, i.category)]
    quoted = {*shown, *(k for ks in report.issues.keywords for k in ks),
              *(e for es in report.issues.examples for e in es)} if lang == "en" else set()
    assert (folder / "lookback.html").exists() and (folder / "annual_review.html").exists()  # due in February
    problems = check_pack(folder, lang, allow_latin=DEFAULT_LATIN_ALLOW | {report.dataset},
                          allow_names=names | quoted)
    if not report.satisfaction.enough_sample.any():  # the page says why it has no chart (tested in test_pack)
        problems = [p for p in problems if not p.startswith("04_satisfaction.html: no chart")]
    assert not problems, "\n".join(problems)


def test_review_pages_in_the_pack_look_like_its_monthly_pages_and_the_index_lists_them(pack):
    from hotline_analysis import labels as L

    from .test_reviews import looks_like_a_monthly_page

    lang, folder = pack
    index = (folder / "index.html").read_text("utf-8")
    for page in ("lookback", "annual_review"):
        assert f'<a href="{page}.html">{L.title(page, lang)}</a>' in index
        looks_like_a_monthly_page(folder / f"{page}.html", lang, L.headers(lang)["department"])


@pytest.mark.parametrize("month", MONTHS)
def test_verdicts_on_the_pages_follow_their_figures(small_store, tmp_path, month):
    store, _ = small_store
    folder = run_report(store.root, month, tmp_path / month, "zh")
    report = MonthReport.load(folder / "month")
    # figures' cells are marked for right alignment: read every cell alike
    actions = (folder / "06_actions.html").read_text("utf-8").replace(' class="num"', "")
    departments = (folder / "02_departments.html").read_text("utf-8").replace(' class="num"', "")
    listed = {name for _, name in re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td>", departments)}
    assert listed == set(report.supervised)
    for dep, action, why in re.findall(r"<tr><td>([^<]+)</td><td>(专题询问|表扬典型)</td><td>([^<]+)</td></tr>", actions):
        row = departments.split(f"<td>{dep}</td>", 1)[1].split("</tr>", 1)[0]
        cells = re.findall(r"<td>([^<]*)</td>", row)
        yoy, trend = cells[4], cells[8]
        if action == "表扬典型":  # commended: fell this month and over its window, not rising
            assert yoy.startswith("-") and "上升" not in trend and "下降" in why, (dep, yoy, trend, why)
        for now, before, word in re.findall(r"净投诉([\d,]+)件，比上年同期([\d,]+)件(上升|下降)", why):
            now, before = int(now.replace(",", "")), int(before.replace(",", ""))
            assert (now > before) == (word == "上升"), (dep, why)
    called = set(re.findall(r"<tr><td>([^<]+)</td><td>专题询问</td>", actions))
    commended = set(re.findall(r"<tr><td>([^<]+)</td><td>表扬典型</td>", actions))
    assert not called & commended and len(commended) <= report.settings.flags.commend.max_departments
    rising = {d for d in report.supervised if "上升（" in departments.split(f"<td>{d}</td>", 1)[1].split("</tr>", 1)[0]}
    assert rising <= called  # every rising verdict on the departments page is called before the committee


def test_the_per_unit_handling_table_fits_the_window_with_its_headers_on_one_line(pack):
    """The zh handling page's per-unit table (its second table) at 1280 px: no sideways scrolling, and no header
    wrapped (延期（申请/同意） took 4 lines and 按期办结率较上月（百分点） 5); the units are said once over it."""
    if find_browser() is None:
        pytest.skip("no Chromium installed")
    lang, folder = pack
    if lang != "zh":
        pytest.skip("the English unit names are too long for 1280 px: the table scrolls in its box")
    from .browser import table_look

    look = table_look(folder / "03_handling.html", which=1)
    assert [c["header"] for c in look["columns"]][:4] == ["承办单位", "转派件数", "按期办结率", "较上月"]
    assert look["width"] <= look["box"], look
    assert {c["header"]: c["header_lines"] for c in look["columns"] if c["header_lines"] > 1} == {}
    assert "<p class=\"table-note\">各率单位为%；较上月：按期办结率比上月增减的百分点；延期申请/同意：申请延期和同意延期的件数。</p>" \
        in (folder / "03_handling.html").read_text("utf-8")
