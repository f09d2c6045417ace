"""``index.html``: the report home, with the headline block and a link to every page and file of the pack."""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path

from .. import __version__
from .. import labels as L
from . import text


def _made(report, lang: str, today: date | None = None) -> str:
    """The footer: whose orders and which months the pack rests on, the day it was made and the program, never a
    folder's name: 数据：淄博市12345热线工单（2019年1月至2021年2月） · 2026年12月6日编制 · hotline_analysis 0.1.0."""
    d = today or date.today()
    first = report.history.month.min() if len(report.history) else report.month
    months = [L.month_name(m, lang) for m in dict.fromkeys((first, report.month))]
    name = L.city_hotline(report.settings.bulletin, lang)
    if lang == "zh":
        return f"数据：{name}工单（{'至'.join(months)}） · {d.year}年{d.month}月{d.day}日编制 · hotline_analysis {__version__}"
    return (f"Data: {name} work orders, {' to '.join(months)} · made on {d.day} {d:%B %Y} · "
            f"hotline_analysis {__version__}")


def _shown_names(report) -> list:
    """The names the pack shows: units, issue categories, districts."""
    return [*report.supervised, *report.issues.category.dropna(),
            *report.breakdowns.loc[report.breakdowns.dimension == "district", "value"]]


def _untranslated(report) -> str:
    """In an en pack: the names shown in Chinese because data/reference/names_en.csv has no English for them
    (names already in Latin script are shown as they are and not listed), joined as English lists are."""
    from ..catalog import untranslated

    return _as_written(untranslated(_shown_names(report)), "en")


#: At most this many of the names in Latin script are listed in a zh pack (then "等N个").
MAX_LATIN = 20


def _latin(report) -> str:
    """In a zh pack: the names shown in Latin script as the export writes them (another city's units), joined
    as Chinese lists are; the first :data:`MAX_LATIN` of them and how many there are."""
    from ..catalog import latin_script

    names = latin_script(_shown_names(report))
    if len(names) > MAX_LATIN:
        names = [*names[:MAX_LATIN - 1], f"{names[MAX_LATIN - 1]}等{len(names)}个"]
    return _as_written(names, "zh")


def _as_written(names: list[str], lang: str) -> str:
    """The note on names shown as written (:data:`hotline_analysis.labels.AS_WRITTEN`), listing them; none, no
    note."""
    if not names:
        return ""
    head, lead = L.AS_WRITTEN[lang]
    return (f"<h2>{html.escape(head)}</h2><p>{html.escape(lead)}"
            f"{html.escape(('、' if lang == 'zh' else ', ').join(names))}</p>")


#: The title key (:data:`hotline_analysis.labels.TITLES`) each figure is listed under.
FIGURE_TITLES = {"daily": "daily", "ranking": "ranking", "trends": "trends", "handling": "unit_handling",
                 "satisfaction": "04_satisfaction", "topics": "05_topics"}


def _figure_link(f: Path, lang: str) -> str:
    key = FIGURE_TITLES.get(f.stem)
    name = L.title(key, lang) if key else f.stem
    label = f"{name}（{f.name}）" if lang == "zh" else f"{name} ({f.name})"
    return f'<li><a href="figures/{html.escape(f.name)}">{html.escape(label)}</a></li>'


def write_index(report, out: Path, lang: str, pages: list[tuple[str, str]], figures: list[Path]) -> Path:
    """Write ``out/index.html`` linking ``pages`` (title, file name), the data files and ``figures``."""
    esc = html.escape
    heads = "".join(f"<li>{esc(x)}</li>" for x in text.headline(report, lang))
    items = "".join(f'<li><a href="{esc(href)}">{esc(title)}</a></li>' for title, href in pages)
    items += (f'<li><a href="summary.json">{esc(L.title("summary", lang))}</a></li>'
              f'<li><a href="tables.xlsx">{esc(L.title("tables", lang))}</a></li>')
    figs = "".join(_figure_link(f, lang) for f in figures)
    extra = _untranslated(report) if lang == "en" else _latin(report)
    name = L.pack_title(report.settings.bulletin, report.month, lang)
    masthead = L.masthead(report.settings.bulletin, lang)
    page = f"""<!DOCTYPE html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<title>{esc(name)}</title>
<style>body{{font-family:sans-serif;max-width:52em;margin:2em auto;line-height:1.6;padding:0 1em}}
.masthead{{color:#a00;border-bottom:2px solid #a00;padding-bottom:.3em}}</style></head>
<body><p class="masthead">{esc(masthead)}</p><h1>{esc(name)}</h1><h2>{esc(L.title('headlines', lang))}</h2><ul>{heads}</ul>
<h2>{esc(L.title('pages', lang))}</h2><ul>{items}</ul>
<h2>{esc(L.title('figures', lang))}</h2><ul>{figs}</ul>{extra}
<p><small>{esc(_made(report, lang))}</small></p></body></html>
"""
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
