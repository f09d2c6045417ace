"""The slides of a pack, once: a list of :class:`Slide` that ``briefing.pptx`` and ``slides.html`` both render.
Long lists are split across slides so nothing overflows."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import labels as L
from . import tables, text

#: At most this many lines on a slide of bullets, and of questions (which are longer).
MAX_LINES = 8
MAX_QUESTIONS = 5


@dataclass(frozen=True)
class Slide:
    """A title with either bullet lines or one image (``image``: a PNG of the pack's figures)."""

    title: str
    lines: tuple[str, ...] = ()
    image: Path | None = None
    subtitle: str = ""
    small: bool = False


def _chunks(lines: list[str], n: int) -> list[list[str]]:
    return [lines[i:i + n] for i in range(0, len(lines), n)] or [[]]


def _bullets(title: str, lines: list[str], n: int = MAX_LINES, small: bool = False) -> list[Slide]:
    parts = _chunks(lines, n)
    return [Slide(title if len(parts) == 1 else f"{title} ({i + 1}/{len(parts)})", tuple(p), small=small)
            for i, p in enumerate(parts)]


def _flag_lines(report, lang: str) -> list[str]:
    colon = "：" if lang == "zh" else ": "
    none = "无" if lang == "zh" else "none"
    sep = "、" if lang == "zh" else ", "
    return [f"{L.word('flag', f, lang)}{colon}{sep.join(report.flagged(f)) or none}"
            for f in ("surge", "satisfaction_drop", "commend")]


def slides(report, figures: Path, lang: str) -> list[Slide]:
    """The deck: title, headlines, ranking, flags, satisfaction, issues, actions, the questions per department."""
    out = [Slide(f"{L.title('index', lang)}", subtitle=f"{L.month_name(report.month, lang)} · {report.dataset}")]
    out += _bullets(L.title("headlines", lang), text.headline(report, lang))
    for name, key in (("ranking", "ranking"), ("satisfaction", "03_satisfaction"), ("topics", "04_topics")):
        png = figures / f"{name}.png"
        if png.exists():
            out.append(Slide(L.title(key, lang), image=png))
        if name == "ranking":
            out += _bullets(L.title("flags", lang), _flag_lines(report, lang))
    acts = tables.actions(report, lang)
    colon = "：" if lang == "zh" else ": "
    lines = [f"{r.iloc[0]}{colon}{r.iloc[1]}（{r.iloc[2]}）" if lang == "zh" else f"{r.iloc[0]}: {r.iloc[1]} ({r.iloc[2]})"
             for _, r in acts.iterrows()]
    out += _bullets(L.title("05_actions", lang), lines or ["无" if lang == "zh" else "none"])
    q = tables.questions(report, lang, example=False)
    for dep, g in q.groupby(q.columns[0], sort=False):
        head = f"{dep} · {L.title('questions', lang)}"
        out += _bullets(head, [f"{r.iloc[2]}. {r.iloc[3]}" for _, r in g.iterrows()], MAX_QUESTIONS, small=True)
    return out
