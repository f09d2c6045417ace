"""The browser checker (tests/browser.py) on small pages made here: each check must catch what it is for and
pass what is fine. The rendering tests skip where no Chromium is installed; the text checks always run."""

from __future__ import annotations

import base64
import html
import io
import re
from importlib import resources

import pytest

from .browser import DEFAULT_LATIN_ALLOW, check_pack, cjk_chars, find_browser, latin_words, render

needs_browser = pytest.mark.skipif(find_browser() is None,
                                   reason="no Chromium installed (/usr/bin/chromium; .ci/run installs Debian's)")


def page(tmp_path, body: str, name: str = "page.html"):
    path = tmp_path / name
    path.write_text(f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>t</title></head>'
                    f'<body>{body}</body></html>', encoding="utf-8")
    return path


def png(width_in: float = 2.0, height_in: float = 1.0, dpi: int = 100) -> bytes:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), dpi=dpi)
    fig.add_subplot().plot([0, 1, 2], [1, 0, 2])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def deck(tmp_path, lines: int):
    """A reveal.js deck made like the pack's slides.html (library inlined, same configuration): a title slide,
    then one slide of ``lines`` bullet lines."""
    res = resources.files("hotline_analysis.resources").joinpath("revealjs")
    js = res.joinpath("reveal.js").read_text("utf-8")
    css = res.joinpath("reveal.css").read_text("utf-8")
    theme = re.sub(r"@import url\([^)]*\);", "", res.joinpath("white.css").read_text("utf-8"))
    items = "".join(f"<li>Line {i + 1}: net complaints rose in the district</li>" for i in range(lines))
    path = tmp_path / "slides.html"
    path.write_text(f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>deck</title>
<style>{css}</style><style>{theme}</style>
<style>.reveal h3{{font-size:1.3em}} .reveal ul{{font-size:0.62em;display:block;text-align:left}}</style>
</head><body><div class="reveal"><div class="slides">
<section><h2>Monthly report</h2><p>February 2021</p></section>
<section><h3>Findings</h3><ul>{items}</ul></section>
</div></div><script>{js}</script>
<script>Reveal.initialize({{hash:true,width:1280,height:720,margin:0.04}});</script></body></html>""",
                    encoding="utf-8")
    return path


@needs_browser
def test_a_real_image_renders_at_its_natural_size(tmp_path):
    data = base64.b64encode(png(2.0, 1.0, 100)).decode("ascii")
    r = render(page(tmp_path, f'<p>Chart</p><img src="data:image/png;base64,{data}">'))
    assert [(i["naturalWidth"], i["naturalHeight"], i["width"], i["height"]) for i in r["images"]] == [(200, 100, 200, 100)]
    assert r["images"][0]["src"] == "data:image/png;base64,iVBORw0KG"[:30]
    assert r["broken_images"] == [] and not r["figure_text"] and r["overflow"] == []
    assert "Chart" in r["text"]


@needs_browser
def test_a_figure_repr_and_a_broken_image_are_flagged(tmp_path):
    r = render(page(tmp_path, f"<pre>{html.escape('<Figure size 800x280 with 1 Axes>')}</pre>"
                              '<img src="figures/missing.png">'))
    assert r["figure_text"]
    assert "<Figure size 800x280 with 1 Axes>" in r["text"]
    assert [i["src"] for i in r["broken_images"]] == ["figures/missing.png"]


@needs_browser
def test_a_wide_element_overflows_the_page(tmp_path):
    r = render(page(tmp_path, '<p>Text</p><div id="wide" style="width:3000px">a very wide table</div>'))
    assert [o["element"] for o in r["overflow"]] == ["div#wide"]
    assert "3008px" in r["overflow"][0]["why"]


@needs_browser
def test_wide_content_in_a_scrolling_box_does_not_overflow(tmp_path):
    r = render(page(tmp_path, '<div style="overflow-x:auto;width:600px"><table style="width:3000px"><tr>'
                              '<td>a wide table that scrolls in its box</td></tr></table></div>'
                              '<div style="overflow-x:auto;width:600px"><div><table style="width:3000px"><tr>'
                              '<td>the same in a wrapper, as nbconvert shows a DataFrame</td></tr></table></div></div>'
                              '<div style="width:600px"><div id="inner" style="width:900px">wider than its box'
                              '</div></div>'))
    # the scrolling box is fine; a child wider than a non-scrolling parent (still inside the window) is not
    assert [o["element"] for o in r["overflow"]] == ["div"]
    assert "900px wide in a box of 600px" in r["overflow"][0]["why"]


@needs_browser
def test_a_slide_of_forty_lines_overflows(tmp_path):
    r = render(deck(tmp_path, 40))
    assert r["deck"]
    assert [(o["slide"], o["title"]) for o in r["overflow"]] == [(2, "Findings")]
    assert "Line 40" in r["text"] and "monthly report" in r["text"].lower()  # the theme upper-cases titles


@needs_browser
def test_a_slide_of_five_lines_fits(tmp_path):
    r = render(deck(tmp_path, 5))
    assert r["deck"] and r["overflow"] == []
    assert "Line 5" in r["text"]


@needs_browser
def test_check_pack_names_each_problem(tmp_path):
    data = base64.b64encode(png()).decode("ascii")
    page(tmp_path, '<p>本月净投诉 30,449 件，见 <a href="01_overview.html">01_overview.html</a> 与 PDF。</p>', "index.html")
    page(tmp_path, "<p>总体情况：趋势 trend</p>", "01_overview.html")
    page(tmp_path, f'<p>部门</p><img src="data:image/png;base64,{data}">', "02_departments.html")
    problems = check_pack(tmp_path, "zh")
    assert problems == ["01_overview.html: no chart: the page shows no image that decoded",
                        "01_overview.html: Latin words in a Chinese page: trend"]


def test_latin_words_outside_the_allowed():
    assert latin_words("本月净投诉 30,449 件 trend no_trend", DEFAULT_LATIN_ALLOW) == ["trend", "no_trend"]
    assert latin_words("12345热线 PDF pdf Mann-Kendall 检验 Sen 斜率 800x280", DEFAULT_LATIN_ALLOW) == []
    assert latin_words("Mann-Whitney 检验与 Mann-Kendall 检验", DEFAULT_LATIN_ALLOW) == ["Mann-Whitney"]
    assert latin_words("见 tables.xlsx 与 01_overview.html", DEFAULT_LATIN_ALLOW | {"01_overview.html"}) == []
    assert latin_words("全部中文，无字母。", set()) == []


def test_cjk_chars_outside_allowed_names():
    assert cjk_chars("Net complaints 环比（%）", set()) == ["环", "比", "（", "）"]
    assert cjk_chars("Net complaints 环比（%）", {"环比（%）"}) == []
    assert cjk_chars("Zhangdian District 张店区, up 3.2%", {"张店区"}) == []
    assert cjk_chars("plain English, no Chinese", set()) == []
