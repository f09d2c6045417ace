"""Annual review candidates and the look-back (回头看), from the library and the command line."""

from __future__ import annotations

import pytest

import html
import json

import pandas as pd

from hotline_analysis import labels as L
from hotline_analysis.cli import main
from hotline_analysis.pack.notebooks import NETWORK_REFERENCE
from hotline_analysis.reviews import annual_review, lookback, lookback_did
from hotline_analysis.settings import load_settings

from .browser import find_browser, table_look

pytestmark = pytest.mark.slow  # runs notebooks or a browser: outside the fast lane


def looks_like_a_monthly_page(page, lang: str, name_header: str) -> None:
    """A review page (``hotline lookback`` / ``annual``, or in a pack) dressed as the monthly pages are: the
    masthead above its title, the pack's embedded font, and its table set as theirs (shaded header, the unit
    names left, the figures right)."""
    text = page.read_text("utf-8")
    mast = L.masthead(load_settings().bulletin, lang)
    assert mast and mast in html.unescape(text.split("<h1", 1)[0]), f"{page.name}: no masthead above the title"
    assert "@font-face{font-family:'Noto Sans CJK SC report';src:url(data:font/woff;base64," in text, page.name
    if find_browser() is None:
        return
    look = table_look(page)
    assert look["report_font_loaded"] and look["font_family"].startswith('"Noto Sans CJK SC report"'), look
    columns = {c["header"]: c for c in look["columns"]}
    assert columns[name_header]["align"] == columns[name_header]["header_align"] == "left", look
    assert any(c["align"] == "right" for c in look["columns"]), look  # the figures
    assert all(c["header_background"] == "rgb(240, 240, 240)" for c in look["columns"]), look



def test_annual_review(small_store, tmp_path, small_export):
    store, _ = small_store
    table = annual_review(store.root, 2020)
    truth = json.loads((small_export / "ground_truth.json").read_text("utf-8"))
    assert set(table.department) == {d["name"] for d in truth["departments"]}
    reviewed = {d["name"] for d in truth["departments"] if d["reviewed_2020"]}
    by_hand = table.set_index("department").annual
    top6 = set(by_hand.sort_values(ascending=False).index[:6])  # the six with most annual net complaints
    assert set(table[table.top_n].department) == top6
    risers = {d for d, r in table.set_index("department").iterrows() if r.previous > 0 and r.annual > 1.5 * r.previous
              and r.annual - r.previous > 30}  # a rise no test could miss
    assert risers <= set(table[table.candidate].department)
    assert len(top6 & reviewed) >= 4  # the planted reviewed departments are the large ones
    assert main(["annual", "--store", str(store.root), "--year", "2020", "--out", str(tmp_path)]) == 0
    page = (tmp_path / "annual_review.html").read_text("utf-8")
    assert not NETWORK_REFERENCE.search(page) and "年度评议" in page and "open_annual" not in page
    looks_like_a_monthly_page(tmp_path / "annual_review.html", "zh", L.headers("zh")["department"])


def test_lookback(small_store, small_export, tmp_path):
    store, _ = small_store
    truth = json.loads((small_export / "ground_truth.json").read_text("utf-8"))
    register = small_export / "supervision.csv"
    reg = pd.read_csv(register)
    assert set(zip(reg.department, reg.month)) == {(d["name"], m) for d in truth["departments"]
                                                   for m in d["supervised_months"]}
    t = lookback(store.root, ["2020-11", "2020-12"], "2021-02", register)
    assert set(t.department) == {x["department"] for x in truth["lookback"]}
    assert set(t.months_after) == {2, 3}
    assert set(t.verdict) <= {"fell", "rose", "unclear", "too_few_complaints"}  # the small store: some have < 30
    judged = t.verdict != "too_few_complaints"
    assert judged.any() and t.rate_ratio[judged].notna().all() and t.rate_ratio[~judged].isna().all()
    r = lookback_did(store.root, ["2020-11", "2020-12"], "2021-02", register)
    assert r.n_treated == len(t) and r.n_control >= 1 and 0 < r.ci_low <= r.rate_ratio <= r.ci_high
    assert 0 <= r.pretrend_p <= 1
    assert main(["lookback", "--store", str(store.root), "--supervised", "2020-11,2020-12", "--at", "2021-02",
                 "--register", str(register), "--out", str(tmp_path), "--lang", "en"]) == 0
    page = (tmp_path / "lookback.html").read_text("utf-8")
    assert not NETWORK_REFERENCE.search(page) and "Look-back" in page
    assert main(["lookback", "--store", str(store.root), "--supervised", "2020-11", "--at", "2021-02",
                 "--register", str(tmp_path / "missing.csv")]) == 2


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_lookback_page_looks_like_the_monthly_pages(small_store, small_export, tmp_path, lang):
    store, _ = small_store
    assert main(["lookback", "--store", str(store.root), "--supervised", "2020-11,2020-12", "--at", "2021-02",
                 "--register", str(small_export / "supervision.csv"), "--out", str(tmp_path), "--lang", lang]) == 0
    page = html.unescape((tmp_path / "lookback.html").read_text("utf-8"))
    assert ("after supervision their net complaints were" in page and "times what the never-supervised units' "
            "change over the same months implies (95% interval" in page) if lang == "en" else \
        "按未被监督单位同期变化推算应有水平的" in page
    looks_like_a_monthly_page(tmp_path / "lookback.html", lang, L.headers(lang)["department"])
