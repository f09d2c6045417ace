"""The slides of a pack, once: a list of :class:`Slide` that ``briefing.pptx`` and ``slides.html`` both render.
Long lists are split across slides so nothing overflows."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import labels as L
from ..month import FLAGS
from . import pages, tables, text

#: At most this many lines on a slide of bullets, and of questions (which are longer).
MAX_LINES = 8
MAX_QUESTIONS = 5
#: At most this many of a department's questions on one slide: the seven it is asked by default fit one.
MAX_ASKED = 7


@dataclass(frozen=True)
class Slide:
    """A title with either bullet lines or one image (``image``: a PNG of the pack's figures)."""

    title: str
    lines: tuple[str, ...] = ()
    image: Path | None = None
    subtitle: str = ""
    small: bool = False
    cover: bool = False
    numbered: bool = False  # the lines carry their own numbers ("1. ..."): shown without bullets
    note: str = ""  # a short line under the body, in small type (the citizens' words quoted in Chinese)


def _chunks(lines: list[str], n: int) -> list[list[str]]:
    """``lines`` in as few parts of at most ``n`` as can hold them, of balanced sizes (7 by 5: 4 + 3, not 5 + 2;
    the longer parts first)."""
    k = max(1, -(-len(lines) // n))
    size, extra = divmod(len(lines), k)
    out, at = [], 0
    for i in range(k):
        m = size + (i < extra)
        out.append(lines[at:at + m])
        at += m
    return out


def _bullets(title: str, lines: list[str], n: int = MAX_LINES, small: bool = False,
             numbered: bool = False, note: str = "") -> list[Slide]:
    """``lines`` on as few slides as hold them; ``note`` on the first of them only."""
    parts = _chunks(lines, n)
    return [Slide(title if len(parts) == 1 else f"{title} ({i + 1}/{len(parts)})", tuple(p), small=small,
                  numbered=numbered, note=note if i == 0 else "") for i, p in enumerate(parts)]


#: The measure a flag or standard of the flags slide is judged on: not in this export when the measure is absent.
FLAG_MEASURE = {"satisfaction_drop": "satisfaction_rate", "slow": "on_time_rate", "reassign_high": "reassign_rate"}


#: Verdicts not made from an incomplete month (:func:`hotline_analysis.month.build.quiet_incomplete`).
NOT_JUDGED_INCOMPLETE = {"surge", "commend", "rising"}


def _flag_lines(report, lang: str) -> list[str]:
    """The flags slide: per flag, the rising trend and each handling standard the units it names ("none"), or
    "not in this export" with the columns its measure needs (or that they are empty this month); in an
    incomplete month the verdicts it does not judge (surge, commendation, rising trend) are "not judged"."""
    colon = "：" if lang == "zh" else ": "
    none = "无" if lang == "zh" else "none"
    sep = "、" if lang == "zh" else ", "
    h = report.handling[report.handling.month == report.month]
    d = report.departments
    lines = [(f, L.word("flag", f, lang), report.flagged(f)) for f in FLAGS]
    lines.append(("rising", "趋势上升" if lang == "zh" else "Rising trend", d.loc[d.trend == "rising", "department"]))
    lines += [(c, L.word("standard", c, lang), h.loc[h[c].fillna(False).astype(bool), "department"])
              for c in ("slow", "reassign_high")]

    def who(key: str, deps) -> str:
        measure = FLAG_MEASURE.get(key)
        if measure in report.absent:
            return text.absent_reason(report, measure, lang)
        if key in NOT_JUDGED_INCOMPLETE and text.incomplete(report):
            return text.not_judged(lang)
        return sep.join(L.name(x, lang) for x in deps) or none

    return [f"{_sentence_case(word, lang)}{colon}{who(key, deps)}" for key, word, deps in lines]


def _sentence_case(word: str, lang: str) -> str:
    """An English label opening a line starts with a capital ("Surge: none" like "Rising trend: ...")."""
    return word[:1].upper() + word[1:] if lang == "en" else word


def satisfaction_lines(report, lang: str) -> list[str]:
    """The satisfaction slide: the city's rates, the departments below the standard, the significant changes
    (units with enough call-backs; "not judged" in an incomplete month)."""
    s = report.satisfaction
    sep = "、" if lang == "zh" else ", "
    none = "无" if lang == "zh" else "none"
    std = f"{report.settings.satisfaction.standard * 100:g}%"
    below = s[s.below_standard.fillna(False).astype(bool)].sort_values("satisfaction_rate")
    low = sep.join(f"{L.name(r.department, lang)} {text.rate(r.satisfaction_rate, lang)}" for r in below.itertuples())
    sure = sep.join(L.name(r.department, lang) for r in below.itertuples() if r.below_standard_for_sure)
    if low:
        low += f"（确定低于标准：{sure or none}）" if lang == "zh" else f" (below it beyond doubt: {sure or none})"
    moved = sep.join(f"{L.name(r.department, lang)} {text.signed(r.delta_pp, 2)}" for r in text.judged_shifts(report).itertuples())
    moved = text.not_judged(lang) if text.incomplete(report) else moved  # part of a month: nothing judged
    city = text.headline_satisfaction(report, lang)
    if "satisfaction_rate" in report.absent:
        return [city]
    if lang == "zh":
        return [city, f"满意率低于{std}的单位：{low or none}", f"与上月相比显著变化（百分点）：{moved or none}"]
    return [city, f"Below {std}: {low or none}", f"Significant changes on last month (points): {moved or none}"]


def handling_lines(report, lang: str) -> list[str]:
    """The handling slide: the city's figures, and the units missing a standard with their rates."""
    h = report.handling[report.handling.month == report.month]
    sep, none = ("、", "无") if lang == "zh" else (", ", "none")
    std = report.settings.handling.standards
    slow = sep.join(f"{L.name(r.department, lang)} {text.rate(r.on_time_rate, lang)}"
                    for r in h[h.slow.fillna(False).astype(bool)].sort_values("on_time_rate").itertuples())
    re = sep.join(f"{L.name(r.department, lang)} {text.rate(r.reassign_rate, lang)}"
                  for r in h[h.reassign_high.fillna(False).astype(bool)].itertuples())
    if "on_time_rate" in report.absent:
        slow = text.absent_reason(report, "on_time_rate", lang)
    if "reassign_rate" in report.absent:
        re = text.absent_reason(report, "reassign_rate", lang)
    return [text.handling_line(report, lang),
            f"按期办结率确定低于{std.on_time * 100:g}%：{slow or none}" if lang == "zh" else
            f"Closed on time below {std.on_time * 100:g}% beyond doubt: {slow or none}",
            f"重派率确定高于{std.max_reassign_rate * 100:g}%：{re or none}" if lang == "zh" else
            f"Reassigned above {std.max_reassign_rate * 100:g}% beyond doubt: {re or none}"]


def _page_sentences(h, lang: str) -> list[str]:
    """The sentences of a review page's paragraphs (:mod:`hotline_analysis.pack.pages`), unescaped, one a line: the
    slides say what the page says, in its words."""
    paras = [html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", h.data, re.S)]
    cut = r"(?<=。)" if lang == "zh" else r"(?<=\.) (?=[A-Z])"
    return [x.strip() for p in paras for x in re.split(cut, p) if x.strip()]


def lookback_lines(lookback: pd.DataFrame, did: pd.DataFrame, lang: str) -> list[str]:
    """The look-back slide: how many of the supervised units clearly fell (the page's sentence), each unit with
    its verdict, rate ratio after/before and interval as its table shows them, then the difference in differences
    (the page's sentence; none without a comparison group)."""
    lines = _page_sentences(pages.lookback_summary(lookback, lang, reading=False), lang)
    h = L.headers(lang)
    for r in tables.lookback(lookback, lang).to_dict("records"):
        dep, month, verdict = r[h["department"]], r[h["supervised"]], r[h["verdict"]]
        ratio, ci = r[h["rate_ratio"]], r[h["ratio_ci"]]
        head = f"{dep}（{month}监督）：{verdict}" if lang == "zh" else f"{dep} (supervised {month}): {verdict}"
        if ci:
            head += (f"，前后比{ratio:.2f}（95%置信区间{ci}）" if lang == "zh" else
                     f", rate ratio {ratio:.2f} (95% interval {ci})")
        lines.append(head)
    if len(did):
        lines += _page_sentences(pages.did_sentence(did, lang), lang)
    return lines


def annual_lines(annual: pd.DataFrame, year: int, lang: str) -> list[str]:
    """The annual review slide: the candidates and what makes a rise significant (the page's sentences, short of
    the methods' names), then each candidate by rank with why it is one, its annual net complaints and its change
    on the year before with the change's 95% interval (as the page's table; no change when the store lacks that
    year)."""
    lines = _page_sentences(pages.annual_summary(annual, year, lang, reading=False), lang)
    t = annual[annual.candidate.astype(bool).to_numpy()]
    shown = tables.annual(t, lang)
    for r, why in zip(t.itertuples(), shown[L.headers(lang)["candidate"]]):
        name, n = L.name(r.department, lang), f"{int(r.annual):,}"
        ci = text.change_interval(r.ci_low, r.ci_high, lang, "%")
        if lang == "zh":
            line = f"{name}（{why}）：全年净投诉{n}件，第{r.rank}位"
            if np.isfinite(r.change_pct):
                line += f"；比上年{text.change(r.change_pct, lang)}" + (f"，95%置信区间{ci}" if ci else "")
        else:
            line = f"{name} ({why}): {n} net complaints, rank {r.rank}"
            if np.isfinite(r.change_pct):
                line += f"; {text.change(r.change_pct, lang)} on the year before"
                line += f", 95% interval {ci}" if ci else ""
        lines.append(line)
    return lines


def review_slides(report, lang: str) -> list[Slide]:
    """The look-back (回头看) and the annual review when the month's result carries them (the pack's lookback.html
    and annual_review.html), so a reader of the deck alone sees them; none otherwise."""
    out = []
    if len(report.lookback):
        out += _bullets(L.title("lookback", lang), lookback_lines(report.lookback, report.lookback_did, lang),
                        note=pages.LOOKBACK_READING[lang])
    if len(report.annual):
        year = report.month.year - 1
        title = f"{L.title('annual_review', lang)} · {year}{'年' if lang == 'zh' else ''}"
        compared = bool(report.annual.previous.notna().any())  # the interval is shown: say how to read it
        out += _bullets(title, annual_lines(report.annual, year, lang), small=True,
                        note=pages.ANNUAL_READING[lang] if compared else "")
    return out


def slides(report, figures: Path, lang: str) -> list[Slide]:
    """The deck: title, headlines, ranking, flags, satisfaction, issues, actions, the look-back and annual review
    when due (:func:`review_slides`), the questions per department (the departments with no issue to ask
    about together on one slide, a line each). In
    an en pack the issues' chart and the first slide of questions on issues note once that the citizens' words
    are quoted in Chinese (:func:`hotline_analysis.pack.text.quotes_chinese`)."""
    b = report.settings.bulletin
    out = [Slide(L.pack_title(b, report.month, lang), subtitle=L.masthead(b, lang), cover=True)]
    out += _bullets(L.title("headlines", lang), text.headline(report, lang))
    png = figures / "ranking.png"
    if png.exists():
        out.append(Slide(L.title("ranking", lang), image=png))
    out += _bullets(L.title("flags", lang), _flag_lines(report, lang))
    out += _bullets(L.title("03_handling", lang), handling_lines(report, lang))
    png = figures / "handling.png"
    if png.exists():
        out.append(Slide(L.title("03_handling", lang), image=png))
    out += _bullets(L.title("04_satisfaction", lang), satisfaction_lines(report, lang))
    quoted = f"{L.QUOTED_EN}." if text.quotes_chinese(report, lang) else ""  # said once per section
    png = figures / "topics.png"
    if png.exists():
        out.append(Slide(L.title("05_topics", lang), image=png, note=quoted))
    elif report.topics_from == "none":  # the export has neither text nor categories: say so, not "scattered"
        out += _bullets(L.title("05_topics", lang), [text.NO_ISSUES[lang]])
    acts = tables.actions(report, lang)
    colon = "：" if lang == "zh" else ": "
    lines = [f"{r.iloc[0]}（{r.iloc[1]}）{colon}{r.iloc[2]}" if lang == "zh" else f"{r.iloc[0]} ({r.iloc[1]}): {r.iloc[2]}"
             for _, r in acts.iterrows()]
    out += _bullets(L.title("06_actions", lang), lines or [text.no_actions(report, lang)], MAX_QUESTIONS)
    out += review_slides(report, lang)
    q = tables.questions(report, lang, example=False)
    without = []  # departments with no issue to ask about: one line each, together on one slide
    for dep, g in q.groupby(q.columns[0], sort=False):
        if g.iloc[:, 2].isna().all():
            without += [f"{dep}{colon}{r.iloc[3]}" for _, r in g.iterrows()]
            continue
        lines = [f"{r.iloc[2]}. {r.iloc[3]}" for _, r in g.iterrows()]  # questions on issues quote the issue's label
        out += _bullets(f"{dep} · {L.title('questions', lang)}", lines, MAX_ASKED, small=True, numbered=True,
                        note=quoted)
        quoted = ""  # the first slide of questions on issues says it, the others need not
    return out + (_bullets(L.title("questions", lang), without, MAX_QUESTIONS, small=True) if without else [])
