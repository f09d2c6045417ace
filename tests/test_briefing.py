"""briefing.pptx and the deck it draws: every text box fits its slide, lists split evenly, numbered lists carry
no bullet, the slide size says 16:9; the charts the slides show keep to the month and say what they leave out."""

from __future__ import annotations

import matplotlib
import pandas as pd
import pytest
from pptx import Presentation
from pptx.util import Emu

from hotline_analysis import plots
from hotline_analysis.pack import briefing as B
from hotline_analysis.pack.deck import Slide, _chunks, _sentence_case

matplotlib.use("Agg")

LONG = ("The whole 12345 hotline: 94,545 work orders of every kind, of which 30,449 net complaints (complaints and "
        "reports, without invalid, repeat and unreasonable ones); the supervised units hold 2,308")
LONG_ZH = "全市12345热线本月受理各类工单94,545件，其中净投诉30,449件（投诉和举报，不含无效、重复和不合理诉求），被监督单位2,308件"


def boxes(path):
    """(slide number, text box, its font size in points, its lines) of every text box of the deck."""
    deck = Presentation(str(path))
    for n, slide in enumerate(deck.slides, 1):
        for sh in slide.shapes:
            if sh.has_text_frame:
                paras = sh.text_frame.paragraphs
                yield n, sh, paras[0].font.size.pt, [p.text for p in paras]


def fits(sh, size, lines, bold=False) -> bool:
    return B.text_height(lines, size, Emu(sh.width).inches, bold) <= Emu(sh.height).inches + 1e-9


@pytest.mark.parametrize("line", [LONG, LONG_ZH])
def test_a_slide_of_many_long_bullets_keeps_its_text_within_the_box(tmp_path, line):
    deck = [Slide("Headlines", tuple(f"{line} ({i})" for i in range(7))),
            Slide("Questions", tuple(f"{i}. {line}" for i in range(1, 6)), small=True, numbered=True)]
    out = B.write_briefing(deck, tmp_path / "b.pptx")
    bodies = [(n, sh, size, lines) for n, sh, size, lines in boxes(out) if len(lines) > 1]
    assert [n for n, *_ in bodies] == [1, 2]  # the seven fit one slide, at a smaller size
    for n, sh, size, lines in bodies:
        assert B.BODY_FLOOR <= size < B.BODY and fits(sh, size, lines), (n, size)
        assert Emu(sh.top + sh.height).inches <= B.HEIGHT and Emu(sh.left + sh.width).inches <= B.WIDTH


def test_a_list_too_long_for_one_slide_goes_on_to_the_next_at_a_readable_size(tmp_path):
    deck = [Slide("Assessment and actions", tuple(f"{LONG} ({i})" for i in range(20)))]
    out = B.write_briefing(deck, tmp_path / "b.pptx")
    found = list(boxes(out))
    titles = [lines[0] for _, _, _, lines in found if len(lines) == 1]
    assert titles[0] == "Assessment and actions" and set(titles[1:]) == {"Assessment and actions (continued)"}
    bodies = [(sh, size, lines) for _, sh, size, lines in found if len(lines) > 1]
    assert len(bodies) == len(titles) and sum(len(x) for *_, x in bodies) == 20
    assert max(len(x) for *_, x in bodies) - min(len(x) for *_, x in bodies) <= 1  # balanced
    assert all(size >= B.BODY_FLOOR and fits(sh, size, lines) for sh, size, lines in bodies)


def test_the_height_estimate_wraps_like_a_line_of_words():
    width = 10 * 0.55 * 20 / 72 + 2 * B.INSET_X  # ten Latin characters at 20 pt
    assert B.wrapped_lines("abcd efgh", 20, width) == 1
    assert B.wrapped_lines("abcd efgh ijkl", 20, width) == 2  # "ijkl" goes down whole
    assert B.wrapped_lines("x" * 25, 20, width) == 3  # a word wider than the line breaks where it must
    assert B.wrapped_lines("局" * 11, 20, width * 0.55 * 2) == 2  # ten CJK characters a line at twice the width
    assert B.body_size(["局" * 400] * 10, 3, 2, 20) is None


def test_a_minus_on_a_slide_is_as_wide_as_a_plus(tmp_path):
    """Noto Sans CJK's U+2212 is 1000 units wide, its plus 555 and its en dash 536: the slide writes the en dash."""
    out = B.write_briefing([Slide("Changes", ("环比 −8.40，同比 +3.10",))], tmp_path / "m.pptx")
    assert ["• 环比 –8.40，同比 +3.10"] in [lines for *_, lines in boxes(out)]


def test_numbered_lines_have_no_bullet_and_the_slide_says_16_9(tmp_path):
    deck = [Slide("Questions", ("1. How?", "2. Why?"), numbered=True), Slide("Flags", ("Surge: none",))]
    out = B.write_briefing(deck, tmp_path / "b.pptx")
    texts = [lines for *_, lines in boxes(out)]
    assert ["1. How?", "2. Why?"] in texts and ["• Surge: none"] in texts
    prs = Presentation(str(out))
    assert (prs.slide_width, prs.slide_height) == (12192000, 6858000)  # 13.333 x 7.5 in, PowerPoint's 16:9
    size = prs.part._element.find("{http://schemas.openxmlformats.org/presentationml/2006/main}sldSz")
    assert size.get("type") in (None, "custom")  # not the template's screen4x3


def test_long_lists_split_evenly():
    sizes = lambda n, k: [len(p) for p in _chunks(list(range(n)), k)]  # noqa: E731
    assert sizes(7, 5) == [4, 3] and sizes(5, 5) == [5] and sizes(11, 5) == [4, 4, 3] and sizes(9, 8) == [5, 4]
    assert _chunks([], 5) == [[]]


def test_flag_labels_open_their_line_with_a_capital_in_english():
    assert _sentence_case("surge", "en") == "Surge" and _sentence_case("on-time closure below standard", "en") \
        == "On-time closure below standard"
    assert _sentence_case("激增", "zh") == "激增"


def test_the_daily_chart_has_ticks_within_its_month_only():
    days = pd.date_range("2021-02-01", "2021-02-28", freq="D")
    fig = plots.daily_series(pd.Series(range(len(days)), index=days), lang="en")
    ax = fig.axes[0]
    fig.canvas.draw()
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == ["2021-02-01", "2021-02-08", "2021-02-15", "2021-02-22"]
    lo, hi = (pd.Timestamp(matplotlib.dates.num2date(x)).tz_localize(None) for x in ax.get_xlim())
    assert pd.Timestamp("2021-01-31 12:00") <= lo and hi <= pd.Timestamp("2021-02-28 12:00")  # half a day's margin
    matplotlib.pyplot.close(fig)


@pytest.mark.parametrize("lang, note", [("en", "February 2021 (top 15 of 37)"), ("zh", "February 2021（前15个，共37个）")])
def test_the_ranking_chart_says_it_shows_only_the_top(lang, note):
    t = pd.DataFrame({"department": [f"unit {i}" for i in range(37)], "net_complaints": range(37)})
    fig = plots.ranking_bar(t, lang=lang, title="February 2021")
    assert fig.axes[0].get_title() == note
    matplotlib.pyplot.close(fig)
    fig = plots.ranking_bar(t.head(10), lang=lang, title="February 2021")
    assert fig.axes[0].get_title() == "February 2021"  # all shown: nothing to say
    matplotlib.pyplot.close(fig)
