"""Figures a committee member reads at a glance, with Chinese labels.

:func:`use_cjk_font` registers the Noto Sans CJK font bundled in mplfonts with
matplotlib (no system font, nothing downloaded, nothing written to the
user's matplotlib folders).  Every department keeps one colour across charts
(:func:`department_colors`).  Functions return the matplotlib Figure.
"""

from __future__ import annotations

import textwrap

from functools import lru_cache
from pathlib import Path

import matplotlib
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import font_manager

from .labels import axis, word
from .metrics import MONTH

FONT_FILE = "NotoSansCJKsc-Regular.otf"
FONT_NAME = "Noto Sans CJK SC"


@lru_cache(maxsize=1)
def use_cjk_font() -> str:
    """Register the bundled Noto Sans CJK SC font and make it the default sans-serif; return its name."""
    from mplfonts.conf import FONT_DIR

    path = Path(FONT_DIR) / FONT_FILE
    font_manager.fontManager.addfont(str(path))
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [FONT_NAME, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    sns.set_theme(style="whitegrid", font=FONT_NAME, rc={"axes.unicode_minus": False})
    return FONT_NAME


def department_colors(departments: list[str]) -> dict[str, tuple]:
    """One stable colour per department (sorted order), reused by every chart."""
    names = sorted(set(departments))
    palette = sns.color_palette("husl", len(names))
    return dict(zip(names, palette))


def ranking_bar(table: pd.DataFrame, value: str = "net_complaints", label: str = "department", top: int = 15,
                colors: dict | None = None, lang: str = "zh", title: str = "",
                size: tuple[float, float] | None = None) -> plt.Figure:
    """Horizontal bars of the ``top`` groups by ``value`` (largest on top); when there are more groups the title
    says so (:func:`shown_of`), never cut silently. ``size``: see :func:`_rows_size`."""
    use_cjk_font()
    t = table.nlargest(top, value).iloc[::-1]
    title = shown_of(title, len(t), len(table), lang)
    fig, ax = plt.subplots(figsize=_rows_size(len(t), 0.35, size))
    col = [colors.get(d, "grey") for d in t[label]] if colors else None
    ax.barh(t[label], t[value], color=col)
    for y, v in enumerate(t[value]):
        ax.text(v, y, f" {v:,.0f}", va="center", fontsize=ROW_FONT if size else 9)
    ax.set_xlabel(axis(value, lang))
    _whole_numbers(ax.xaxis)
    ax.set_title(title)
    _row_fonts(ax, size)
    fig.tight_layout()
    return fig


def shown_of(title: str, shown: int, total: int, lang: str, lowest: str = "") -> str:
    """``title`` with "top 15 of 37" (前15个，共37个) when a chart shows only ``shown`` of ``total`` rows; with
    ``lowest`` (a measure's name, :data:`hotline_analysis.labels.WORDS` ``lowest_by``) "lowest 20 of 37 by
    on-time rate" (按期办结率最低的20个，共37个)."""
    if shown >= total:
        return title
    if lowest:
        note = f"{lowest}最低的{shown}个，共{total}个" if lang == "zh" else f"lowest {shown} of {total} by {lowest}"
    else:
        note = f"前{shown}个，共{total}个" if lang == "zh" else f"top {shown} of {total}"
    if not title:
        return note
    return f"{title}（{note}）" if lang == "zh" else f"{title} ({note})"


def _whole_numbers(axis) -> None:
    """Ticks of a count at whole numbers only (no 1.25 or 0.5 of an order), as many as matplotlib's default, with
    thousands separated as in the tables (10,000)."""
    axis.set_major_locator(mticker.MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10], integer=True))
    axis.set_major_formatter(mticker.StrMethodFormatter("{x:,.0f}"))


#: Font sizes (points) of a chart of rows drawn at a slide's size (:func:`_rows_size`): shown 1:1 on the slide,
#: legible when projected.
ROW_FONT, ROW_TITLE = 12, 14


def _rows_size(rows: int, per_row: float, size: tuple[float, float] | None) -> tuple[float, float]:
    """The figure size (inches) of a chart of ``rows`` rows ``per_row`` inches apart: 8 wide by default; with
    ``size`` (a slide's body, width x height) that width and at most that height, so the chart fills the slide
    (its width, or its height once the rows need it) and its fonts are the slide's points."""
    if size is None:
        return 8, per_row * rows + 1.2
    width, height = size
    return width, min(height, per_row * rows + 1.4)


def _row_fonts(ax: plt.Axes, size) -> None:
    """The fonts of a chart drawn at a slide's size (:data:`ROW_FONT`, :data:`ROW_TITLE`); nothing otherwise."""
    if size is None:
        return
    ax.tick_params(labelsize=ROW_FONT)
    ax.xaxis.label.set_size(ROW_FONT)
    ax.title.set_size(ROW_TITLE)


#: Line colours of a trend verdict (:func:`monthly_lines`).
VERDICT_COLORS = {"falling": "#1f5fa8", "rising": "#c0392b", "no_trend": "#8c8c8c"}
#: The legend under the trend panels.
VERDICT_LEGEND = {
    "zh": "蓝色：趋势检验判定下降；红色：判定上升；灰色：无明显变化或未判断。浅色底：判定所依据的月份；标题中的百分数：这些月份比此前水平"
          "（已考虑季节和全市总量变化）高或低多少。",
    "en": "Blue: the trend test finds a fall; red: a rise; grey: no clear change, or not judged. Shaded: the months the "
          "verdict rests on; the percentage in the title: how far those months are above or below the earlier level "
          "(allowing for season and the city's volume).",
}


def _wrap(text: str, lang: str, width: int) -> str:
    """``text`` in lines of at most ``width`` characters (Chinese has no spaces to break at)."""
    if lang == "zh":
        return "\n".join(text[i:i + width] for i in range(0, len(text), width))
    return textwrap.fill(text, width)


#: Trend panels: how many in a row, and the figure's width (inches), so that a page about 1,100 px wide (the figure
#: shrunk to it) shows panel titles at about 14 px and tick labels at about 13 px (:data:`PANEL_FONT`).
PANEL_COLS, PANEL_WIDTH = 4, 13.0
#: Font sizes (points) of a trend panel's title, and of its tick labels and y label.
PANEL_FONT = {"title": 12, "ticks": 11}
#: At most this many year ticks on a panel's x axis (:func:`year_step`).
YEAR_TICKS = 4


def year_step(first: int, last: int, most: int = YEAR_TICKS) -> int:
    """Every how many years an x tick goes so that at most ``most`` fall from year ``first`` to ``last``: 2019-2021
    every year, 2010-2020 (11 years) every third, so a long history's labels do not run together."""
    return max(1, -(-(last - first + 1) // most))


def monthly_lines(table: pd.DataFrame, value: str = "net_complaints", by: str = "department",
                  colors: dict | None = None, lang: str = "zh", title: str = "", ncols: int = PANEL_COLS,
                  order: list | None = None, verdicts: pd.DataFrame | None = None,
                  incomplete=()) -> plt.Figure:
    """Small multiples: one panel per group, its monthly series, ``ncols`` a row (the figure
    :data:`PANEL_WIDTH` wide whatever ``ncols``); every panel has its year ticks (thinned, :func:`year_step`),
    integer counts on its y axis, and the first of a row names the y axis (``value``).

    With ``verdicts`` (indexed by group: ``trend``, ``trend_window``, ``trend_ratio``) each line takes its
    verdict's colour (:data:`VERDICT_COLORS`), the months the verdict rests on are shaded and the title gives
    their change against the earlier level; without, each group takes its colour from ``colors``. The groups in
    ``incomplete``, whose last month's orders are not all there, draw that month as a hollow point on a dashed
    segment (:func:`_last_month_apart`), so a partial count does not read as a fall; a legend says so.
    """
    use_cjk_font()
    groups = dict(list(table.groupby(by, observed=True)))
    groups = [(k, groups[k]) for k in (order or groups) if k in groups]  # panels in the given order (e.g. rank)
    nrows = int(np.ceil(len(groups) / ncols))
    legend = verdicts is not None
    two_lines = any(len(str(k)) > 24 and _latin(k) for k, _ in groups)  # titles wrapped below
    row_h = 2.6 if two_lines else 2.3  # title, panel and year ticks
    fig, axes = plt.subplots(nrows, ncols, figsize=(PANEL_WIDTH, row_h * nrows + 1.2 + 0.9 * legend),
                             sharex=True, squeeze=False)
    months = table[MONTH].dt.to_timestamp()
    step = year_step(months.min().year, months.max().year) if len(months) else 1
    for i, (ax, (name, g)) in enumerate(zip(axes.flat, groups)):
        g = g.sort_values(MONTH)
        when = g[MONTH].dt.to_timestamp()
        color, label = (colors or {}).get(name, "C0"), str(name)
        if legend and name in verdicts.index:
            v = verdicts.loc[name]
            color = VERDICT_COLORS.get(v.trend, VERDICT_COLORS["no_trend"])
            if v.trend in ("falling", "rising") and not pd.isna(v.trend_window):
                last = g[MONTH].max()
                ax.axvspan((last - int(v.trend_window) + 1).start_time, last.end_time, color=color, alpha=0.12, lw=0)
                label += f" {'↓' if v.trend == 'falling' else '↑'}{abs(v.trend_ratio - 1) * 100:.0f}%"
        if name in incomplete and len(g) > 1 and g[MONTH].iloc[-1] == table[MONTH].max():
            _last_month_apart(ax, when, g[value], color)
        else:
            ax.plot(when, g[value], color=color, lw=1.4)
        label = _latin_lines(label, 27, name)
        ax.xaxis.set_major_locator(mdates.YearLocator(base=step))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        ax.yaxis.set_major_locator(mticker.MaxNLocator(nbins=4, integer=True))  # counts: no 0.25 of an order
        ax.set_title(label, fontsize=PANEL_FONT["title"], color=color if legend else "black")
        ax.tick_params(labelsize=PANEL_FONT["ticks"], labelbottom=True)  # years under every panel, not the last only
        if i % ncols == 0:
            ax.set_ylabel(axis(value, lang), fontsize=PANEL_FONT["ticks"])
    for ax in list(axes.flat)[len(groups):]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize=14, y=1 - 0.2 / fig.get_figheight(), va="top")
    if any(name in incomplete for name, _ in groups):
        fig.legend(handles=[_incomplete_handle()], labels=[axis("incomplete_month", lang)], loc="upper right",
                   fontsize=11, frameon=False)
    bottom = 0.5 / fig.get_figheight()
    if legend:
        fig.text(0.04, 0.01, _wrap(VERDICT_LEGEND[lang], lang, 70 if lang == "zh" else 130), fontsize=11, va="bottom")
        bottom = 1.4 / fig.get_figheight()
    fig.subplots_adjust(left=0.07, right=0.99, bottom=bottom, top=1 - (1.3 if two_lines else 1.1) / fig.get_figheight(),
                        hspace=0.75 if two_lines else 0.6, wspace=0.35)
    return fig


def _latin(name) -> bool:
    """Whether a name is written without CJK characters (``MAYOR’S OFFICE``, whose ’ is not ASCII, too): such a
    name wraps between words."""
    return not any(ord(c) >= 0x2E80 for c in str(name))


def _latin_lines(text, width: int, name=None):
    """``text`` wrapped between words at ``width`` characters when ``name`` (``text`` itself by default) is written
    in Latin script (:func:`_latin`): a long English name on two lines; a Chinese one as it is."""
    return textwrap.fill(str(text), width) if _latin(text if name is None else name) else text


def _last_month_apart(ax: plt.Axes, when: pd.Series, values: pd.Series, color) -> None:
    """A monthly line whose last month is incomplete: solid up to the month before, then a dashed segment to a
    hollow point."""
    ax.plot(when.iloc[:-1], values.iloc[:-1], color=color, lw=1.4)
    ax.plot(when.iloc[-2:], values.iloc[-2:], color=color, lw=1.2, ls="--")
    ax.plot(when.iloc[-1:], values.iloc[-1:], ls="none", marker="o", ms=4, mfc="white", mec=color, mew=1.2,
            clip_on=False, zorder=3)


def _incomplete_handle():
    """The legend's sample of an incomplete last month (:func:`_last_month_apart`)."""
    from matplotlib.lines import Line2D

    return Line2D([], [], color="#555555", lw=1.2, ls="--", marker="o", ms=5, mfc="white", mec="#555555")


def daily_days(daily: pd.Series) -> pd.Series:
    """Orders per day from the month's first day to the last day with orders, 0 on the days without any (the
    export leaves them out), so a line does not join across them."""
    if daily.empty:
        return daily
    days = pd.DatetimeIndex(daily.index).normalize()
    s = pd.Series(daily.to_numpy(), index=days).groupby(level=0).sum()
    full = pd.date_range(days.min().to_period("M").start_time, days.max(), freq="D")
    return s.reindex(full, fill_value=0)


def daily_series(daily: pd.Series, lang: str = "zh", title: str = "") -> plt.Figure:
    """Orders per day over a month (:func:`daily_days`: 0 on a day without orders), whole orders on the y axis;
    ticks on the 1st, 8th, 15th, 22nd and 29th, none outside the month (no tick on the next month's first day).
    When the orders end before the month does, the days after are shaded and labelled with the last day of data
    (orders end 2020-12-22)."""
    use_cjk_font()
    fig, ax = plt.subplots(figsize=(8, 2.8))
    daily = daily_days(daily)
    days = pd.DatetimeIndex(daily.index)
    ax.plot(days, daily.to_numpy(), marker="o", ms=3)
    if len(days):
        first, last = days.min(), days.max()
        end = last.to_period("M").end_time.normalize()
        ticks = [d for d in pd.date_range(first, end, freq="D") if (d.day - 1) % 7 == 0]
        ax.set_xticks(ticks)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
        ax.xaxis.set_minor_locator(mticker.NullLocator())
        half = pd.Timedelta(hours=12)
        ax.set_xlim(first - half, end + half)
        if last < end:  # the export ends early: say where, rather than let the line stop unexplained
            ax.axvspan(last + half, end + half, color="#bbbbbb", alpha=0.35, lw=0)
            ax.axvline(last + half, color="#555555", ls="--", lw=1)
            room = (end - last).days >= 9  # the shaded days hold the label; else it goes left of the line
            ax.text(last + half, 0.97, f" {axis('orders_end', lang).format(day=f'{last:%Y-%m-%d}')} ",
                    transform=ax.get_xaxis_transform(), va="top", ha="left" if room else "right", fontsize=9,
                    color="#333333")
    _whole_numbers(ax.yaxis)
    ax.set_ylabel(axis("records", lang))
    ax.set_title(title)
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def satisfaction_intervals(table: pd.DataFrame, label: str = "department", lang: str = "zh",
                           title: str = "", standard: float | None = None, top: int = 20,
                           value: str = "satisfaction_rate", marked: str | None = None,
                           size: tuple[float, float] | None = None) -> plt.Figure:
    """A rate per group (``value``, default satisfaction) with its interval (``ci_low``, ``ci_high``): the
    ``top`` lowest, lowest on top (of equal rates first the one whose interval reaches lower, on fewer
    call-backs, then by name: which of them a cut leaves out depends neither on the table's order nor on the
    pack's language), the title saying so when there are more (:func:`shown_of`: "lowest 20 of 22 by
    satisfaction rate"); the ``standard`` as a dashed line, and the rows where the bool column ``marked`` is true
    in red.
    ``size``: see :func:`_rows_size`."""
    use_cjk_font()
    rated = table.dropna(subset=[value])
    t = rated.sort_values([value, "ci_low", label], kind="stable").head(top).iloc[::-1]
    title = shown_of(title, len(t), len(rated), lang, lowest=word("lowest_by", value, lang))
    fig, ax = plt.subplots(figsize=_rows_size(len(t), 0.3, size))
    y = np.arange(len(t))
    lower = ((t[value] - t.ci_low) * 100).clip(lower=0)  # rounding can leave -1e-16
    upper = ((t.ci_high - t[value]) * 100).clip(lower=0)
    red = t[marked].fillna(False).astype(bool).to_numpy() if marked else np.zeros(len(t), bool)
    for sel, color in ((~red, "C0"), (red, "firebrick")):
        if sel.any():
            ax.errorbar(t[value][sel] * 100, y[sel], xerr=[lower[sel], upper[sel]], fmt="o", ms=4, capsize=2,
                        color=color)
    ax.set_yticks(y, t[label])
    ax.set_ylim(-0.6, len(t) - 0.4)
    if standard is not None:
        ax.axvline(standard * 100, color="firebrick", ls="--", lw=1)
    ax.set_xlabel(axis(value, lang) + " (%)")
    ax.set_title(title)
    _row_fonts(ax, size)
    fig.tight_layout()
    return fig


def issue_bars(issues: pd.DataFrame, colors: dict | None = None, lang: str = "zh", title: str = "") -> plt.Figure:
    """The month's issues (rows of :attr:`hotline_analysis.topics.TopicResult.issues`): orders as bars in the
    department's colour, the trailing monthly mean as a black tick (none where it is missing throughout),
    emerging issues marked with ▲; the legend says what the tick and the ▲ are (no legend without either)."""
    use_cjk_font()
    t = issues.iloc[::-1]
    sep = "：" if lang == "zh" else ":\n"  # an English unit's name is long: its issue on a line of its own
    fig, ax = plt.subplots(figsize=(9, (0.4 if lang == "zh" else 0.65) * len(t) + 1.3))
    y = np.arange(len(t))
    ax.barh(y, t["orders"], color=[(colors or {}).get(d, "C0") for d in t["department"]])
    mean = pd.to_numeric(t["baseline_mean"], errors="coerce")
    if mean.notna().any():
        ax.scatter(mean, y, marker="|", s=250, color="black", zorder=3, label=axis("baseline_mean", lang))
    ax.set_yticks(y, [f"{'▲ ' if e else ''}{d}{sep}{lab}" for d, lab, e in zip(t["department"], t["label"], t["emerging"])],
                  fontsize=9)
    ax.set_xlabel(axis("orders", lang))
    _whole_numbers(ax.xaxis)
    if t["emerging"].fillna(False).astype(bool).any():  # the ▲ is in the labels: a legend entry of text alone
        ax.plot([], [], ls="", label=axis("emerging", lang))
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower right", fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def save(fig: plt.Figure, path, dpi: int = 130):
    """Write a figure as PNG (to a path, or a binary file object) and close it; return where it went."""
    if isinstance(path, (str, Path)):
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, format="png")
    plt.close(fig)
    return path


#: Ratios a reader knows at a glance, for a log axis of ratios (no powers of ten).
RATIO_TICKS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5, 10, 20)


def _plain_ratio_ticks(ax: plt.Axes) -> None:
    """Label a log x axis of ratios with plain numbers (0.5, 1, 2) instead of 5 x 10^-1."""
    lo, hi = ax.get_xlim()
    ticks = [v for v in RATIO_TICKS if lo <= v <= hi] or [1]
    ax.xaxis.set_minor_locator(mticker.NullLocator())
    ax.set_xticks(ticks, [f"{v:g}" for v in ticks])


def rate_ratios(table: pd.DataFrame, label: str = "department", lang: str = "zh", title: str = "") -> plt.Figure:
    """Rate ratio after/before per group with its interval (``rate_ratio``, ``ci_low``, ``ci_high``) on a log
    axis, 1 (no change) dashed; the groups top to bottom in the table's order, as the table beside it lists them."""
    use_cjk_font()
    t = table[np.isfinite(table[["rate_ratio", "ci_low", "ci_high"]].astype(float)).all(axis=1)]
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(t) + 1.3))
    y = np.arange(len(t))
    ax.errorbar(t.rate_ratio, y, xerr=[t.rate_ratio - t.ci_low, t.ci_high - t.rate_ratio], fmt="o", ms=5, capsize=3)
    ax.axvline(1, color="grey", ls="--", lw=1)
    ax.set_xscale("log")
    _plain_ratio_ticks(ax)
    ax.set_yticks(y, t[label])
    ax.invert_yaxis()  # the table's first row on top
    ax.set_xlabel(axis("rate_ratio", lang))
    ax.set_title(title)
    fig.tight_layout()
    return fig


def annual_bars(table: pd.DataFrame, label: str = "department", top: int = 15, lang: str = "zh",
                title: str = "") -> plt.Figure:
    """The ``top`` groups by annual count (``annual``) beside the year before (``previous``; the year alone when
    ``previous`` is missing throughout: the data do not hold the year before). A long Latin name takes two lines,
    so the names leave the bars half the figure's width."""
    use_cjk_font()
    t = table.nlargest(top, "annual").iloc[::-1]
    names = [_latin_lines(n, 28) for n in t[label]]
    fig, ax = plt.subplots(figsize=(8, (0.55 if any("\n" in str(n) for n in names) else 0.4) * len(t) + 1.3))
    y = np.arange(len(t))
    if t.previous.isna().all():
        ax.barh(y, t.annual, height=0.6, label=axis("annual", lang))
    else:
        ax.barh(y + 0.2, t.annual, height=0.4, label=axis("annual", lang))
        ax.barh(y - 0.2, t.previous, height=0.4, color="lightgrey", label=axis("previous", lang))
    ax.set_yticks(y, names)
    _whole_numbers(ax.xaxis)
    ax.set_xlabel(axis("net_complaints", lang))
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    return fig
