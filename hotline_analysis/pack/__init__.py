"""The report pack of one month: the month result built once, then the pages, workbook, decks and index.

``reports/<dataset>/<YYYY-MM>/`` holds ``index.html``, one HTML page per
notebook of ``notebooks/monthly/`` (no code), the executed notebooks,
``slides.html``, ``briefing.pptx``, ``tables.xlsx``, ``figures/*.png``,
``summary.json`` and ``month/`` (the saved month result the notebooks read).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .. import labels as L
from .. import paths
from ..month import RESULT_FOLDER, MonthReport
from ..settings import load_settings


def run_report(store, month: str, out: str | Path | None = None, lang: str = "zh", config: str | Path | None = None,
               all_units: bool = False, register: str | Path | None = None) -> Path:
    """Build the month result from ``store`` and write the pack for ``month``; return its folder. ``register``:
    the committee's register of hearings for the look-back (default
    :func:`hotline_analysis.paths.default_register`)."""
    from .notebooks import kernel

    L.check_lang(lang)
    m = pd.Period(month, "M")
    settings = load_settings(config)
    out = Path(out) if out else paths.report_folder(store, str(m))
    with kernel(out) as client:  # the pages' kernel starts while the month is computed
        report = MonthReport.build(store, m, settings, all_units=all_units, register=register)
        return write_pack(report, out, lang, store=store, config=config, client=client)


def write_pack(report: MonthReport, out: Path, lang: str = "zh", store="", config=None, client=None) -> Path:
    """Write the pack of a month result into ``out``: the result itself, summary.json, figures, the notebook
    pages (in ``client``'s kernel when given), the workbook, both decks and the index; return ``out``."""
    from . import deck, figures, fonts, index, workbook
    from .briefing import write_briefing
    from .slides import write_slides

    out.mkdir(parents=True, exist_ok=True)
    result = report.save(out / RESULT_FOLDER)
    (out / "summary.json").write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
    figs = figures.draw_all(report, out / "figures", lang)
    pages = run_pages(report, out, lang, result, store, config, client)
    workbook.write_workbook(workbook.workbook_tables(report, lang), out / "tables.xlsx")
    slides = deck.slides(report, out / "figures", lang)
    write_briefing(slides, out / "briefing.pptx")
    write_slides(slides, out / "slides.html", L.pack_title(report.settings.bulletin, report.month, lang), lang)
    pages += [(L.title("slides", lang), "slides.html"), (L.title("briefing", lang), "briefing.pptx")]
    index.write_index(report, out, lang, pages, figs)
    fonts.embed_font(sorted(out.glob("*.html")))
    return out


def monthly_notebooks() -> list[Path]:
    """The notebooks of a monthly pack, in page order."""
    return sorted(paths.MONTHLY_NOTEBOOKS_DIR.glob("*.ipynb"))


def run_pages(report: MonthReport, out: Path, lang: str, result: Path, store, config,
              client=None) -> list[tuple[str, str]]:
    """Execute the monthly notebooks on the saved result, and the look-back and annual review when they are due;
    return (title, page file) pairs."""
    from ..reviews import save_tables
    from .notebooks import run_notebooks

    common = {"store": str(Path(store).resolve()) if store else "", "lang": lang, "config": str(config or "")}
    params = {**common, "result": str(result.resolve()), "month": str(report.month),
              "figures_dir": str((out / "figures").resolve())}
    jobs = [(nb, L.title(nb.stem, lang), params) for nb in monthly_notebooks()]
    if len(report.lookback):
        folder = save_tables({"lookback": report.lookback, "did": report.lookback_did}, out / "lookback")
        supervised = ",".join(sorted(set(report.lookback.supervised)))
        jobs.append((paths.NOTEBOOKS_DIR / "lookback.ipynb", L.title("lookback", lang),
                     {**common, "result": str(folder.resolve()), "supervised": supervised, "at": str(report.month)}))
    if len(report.annual):
        folder = save_tables({"annual": report.annual}, out / "annual")
        jobs.append((paths.NOTEBOOKS_DIR / "annual_review.ipynb", L.title("annual_review", lang),
                     {**common, "result": str(folder.resolve()), "year": report.month.year - 1}))
    return [(title, page.name) for (_, title, _), page in zip(jobs, run_notebooks(jobs, out, lang, client))]
