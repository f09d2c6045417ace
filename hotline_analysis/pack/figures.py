"""The pack's charts, drawn once from the month result into ``figures/`` and shown from there by the pages,
the slides and the PowerPoint."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from .. import labels as L
from .. import plots
from . import text
from .briefing import BODY_H, BODY_W

#: The figures of a monthly pack (file stem -> what it shows).
FIGURES = ("daily", "ranking", "trends", "handling", "satisfaction", "topics")
#: The charts of rows a slide shows (ranking, handling, satisfaction) are drawn at the size of the briefing's
#: body (inches, width x height; :func:`hotline_analysis.plots._rows_size`): the picture fills the slide and its
#: fonts are the slide's points.
SLIDE_BODY = (BODY_W, BODY_H)


def draw(report, name: str, lang: str):
    """The matplotlib figure ``name`` (one of :data:`FIGURES`) of the month result, or None when the month has
    nothing to show (no call-back survey, no issue)."""
    title = L.month_name(report.month, lang)
    report = _translated(report, lang)
    if name == "daily":
        return plots.daily_series(report.daily.set_index("day")["records"], lang, title=title)
    if name == "ranking":
        return plots.ranking_bar(report.departments, lang=lang, title=title, size=SLIDE_BODY)
    if name == "trends":
        d = report.departments
        verdicts = d.set_index("department")[["trend", "trend_window", "trend_ratio"]]
        partial = set(d.department[~d.complete.astype(bool)])  # the city's month, or the unit's own, incomplete
        return plots.monthly_lines(report.history, lang=lang, title=title, order=report.supervised, verdicts=verdicts,
                                   incomplete=partial)
    if name == "handling":
        return handling_chart(report, lang, title)
    if name == "satisfaction":
        if "satisfaction_rate" in report.absent:
            return None
        sat = report.satisfaction[report.satisfaction.enough_sample.fillna(False).astype(bool)]
        return plots.satisfaction_intervals(sat, lang=lang, title=title, standard=report.settings.satisfaction.standard,
                                            marked="below_standard_for_sure", size=SLIDE_BODY) if len(sat) else None
    if name == "topics":
        city = report.issues.sort_values(["orders", "department"], ascending=[False, True])
        city = city.head(report.settings.topics.top_n)
        city = city.assign(label=[text.issue_label(x, c, lang) for x, c in zip(city.label, city.category)])
        colors = plots.department_colors(report.supervised)
        if text.incomplete(report):  # part of a month against whole months: no mean of the months before
            city = city.assign(baseline_mean=float("nan"))
            title += ("（本月数据不完整，不与此前各月比较）" if lang == "zh" else
                      " (incomplete month: not compared with the months before)")
        return plots.issue_bars(city, colors=colors, lang=lang, title=title) if len(city) else None
    raise KeyError(f"no figure {name!r}; figures are {', '.join(FIGURES)}")


def handling_chart(report, lang: str, title: str):
    """On-time closure of the units with the fewest closed on time (the title says how many of how many), with
    intervals at ``1 - handling.alpha``, the standard dashed, the units below it beyond doubt in red; None when
    the export has no closing times."""
    from ..metrics import wilson_interval

    h = report.handling
    hs = report.settings.handling
    now = h[(h.month == report.month) & (h.judged >= hs.min_orders)]
    if "on_time_rate" in report.absent or now.empty:
        return None
    lo, hi = wilson_interval(now.on_time, now.judged, 1 - hs.alpha)
    return plots.satisfaction_intervals(now.assign(ci_low=lo, ci_high=hi), lang=lang, title=title,
                                        standard=hs.standards.on_time, value="on_time_rate", marked="slow",
                                        size=SLIDE_BODY)


#: Typographic quotes the charts' font (Noto Sans CJK) draws full width: in an en chart, the ASCII ones.
ASCII_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def chart_name(value, lang: str) -> str:
    """A unit's name as a chart shows it: :func:`hotline_analysis.labels.name`; in an en chart with ASCII quotes,
    since the charts' CJK font draws ’ full width (MAYOR’ S)."""
    shown = L.name(value, lang)
    return shown.translate(ASCII_QUOTES) if lang == "en" and isinstance(shown, str) else shown


def _translated(report, lang: str):
    """The month result with unit names as the pack's charts show them (:func:`chart_name`)."""
    if lang == "zh":
        return report
    names = {d: chart_name(d, lang) for d in report.supervised}
    rename = {t: getattr(report, t).assign(department=getattr(report, t).department.map(names).fillna(
        getattr(report, t).department)) for t in ("departments", "history", "satisfaction", "issues", "handling")}
    return report.with_tables(**rename)


def draw_all(report, folder: Path, lang: str) -> list[Path]:
    """Draw every figure of the month into ``folder`` as PNG; return the files written."""
    out = []
    for name in FIGURES:
        fig = draw(report, name, lang)
        if fig is not None:
            out.append(plots.save(fig, Path(folder) / f"{name}.png"))
    return out


#: What a page says where a figure has nothing to show.
NOTHING_TO_SHOW = {
    "zh": {"satisfaction": "本月没有单位的回访数达到计算满意率的最低样本量，不绘制满意率图。",
           "handling": "本月没有单位的应办结件数达到最低样本量，不绘制按期办结率图。",
           "topics": "本月没有形成集中反映的问题，不绘制热点问题图。"},
    "en": {"satisfaction": "No unit has enough call-backs this month for a satisfaction rate, so there is no chart.",
           "handling": "No unit had enough orders due this month for an on-time rate, so there is no chart.",
           "topics": "No issue gathered enough complaints this month, so there is no chart."},
}


def _image(fig):
    """A figure as a PNG image object for a notebook (the figure is closed)."""
    from IPython.display import Image

    buf = io.BytesIO()
    plots.save(fig, buf)
    return Image(data=buf.getvalue(), format="png")


def review_chart(table: pd.DataFrame, kind: str, lang: str, title: str = ""):
    """A review page's chart as an image: ``lookback`` (rate ratios with intervals) or ``annual`` (this year
    against the year before); a sentence when the table is empty."""
    from .pages import prose

    if table.empty:
        return prose("没有可绘制的数据。" if lang == "zh" else "Nothing to chart.")
    named = table.assign(department=table.department.map(lambda d: chart_name(d, lang)))
    return _image((plots.rate_ratios if kind == "lookback" else plots.annual_bars)(named, lang=lang, title=title))


def show(report, name: str, lang: str, figures_dir: str | Path = ""):
    """The figure as an image for a notebook: the PNG in ``figures_dir`` when the pack drew it, else drawn now
    (and saved there when a folder is given); a sentence saying why when the month has nothing to show."""
    from IPython.display import HTML, Image

    from .pages import prose

    path = Path(figures_dir) / f"{name}.png" if figures_dir else None
    if path is not None and path.exists():
        return Image(filename=str(path))
    if name == "topics" and getattr(report, "topics_from", "text") == "none":
        return HTML("")  # the page's opening says the export has no issues
    fig = draw(report, name, lang)
    if fig is None:
        measure = {"satisfaction": "satisfaction_rate", "handling": "on_time_rate"}.get(name)
        return HTML("") if measure in report.absent else prose(NOTHING_TO_SHOW[lang][name])
    if path is not None:
        return Image(filename=str(plots.save(fig, path)))
    return _image(fig)
