"""The report pack of one month: the month result built once, then the pages, workbook, decks and index.

``reports/<dataset>/<YYYY-MM>/`` holds ``index.html``, one HTML page per
notebook of ``notebooks/monthly/`` (no code), the executed notebooks,
``slides.html``, ``briefing.pptx``, ``tables.xlsx``, ``figures/*.png``,
``summary.json`` and ``month/`` (the saved month result the notebooks read).

The pack is written aside, into ``.<month>.partial-<pid>`` beside its folder,
and renamed into place when complete: a failed run (a notebook error, a full
disk) leaves the previous pack as it was and no half-written page.  A folder
that holds a previous pack is replaced whole (no stale page survives); a
non-empty folder that is not a pack is refused.  The notebooks get the paths
of the result and figures relative to the pack folder (their working folder),
so the executed notebooks run again from the pack where it ends up.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path

import pandas as pd

from .. import labels as L
from .. import paths
from ..errors import HotlineError
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
    if m is pd.NaT:
        raise HotlineError(f"the month must be YYYY-MM, got {month!r}")
    settings = load_settings(config)
    out = Path(out) if out else paths.report_folder(store, str(m))
    with pack_aside(out) as tmp, kernel(tmp) as client:  # the pages' kernel starts while the month is computed
        report = MonthReport.build(store, m, settings, all_units=all_units, register=register)
        write_pack(report, tmp, lang, store=store, config=config, client=client)
    return out


#: Names by which a folder is known as a report pack (one is enough).
PACK_MARKS = ("index.html", "summary.json", RESULT_FOLDER)


@contextlib.contextmanager
def pack_aside(out: Path):
    """Yield a fresh folder beside ``out`` to write a pack into; when the block succeeds it replaces ``out``
    (a previous pack there is removed whole), when it fails it is removed and ``out`` is left as it was.

    A non-empty ``out`` that is not a pack (none of :data:`PACK_MARKS`) is refused, so the user's files are never
    deleted; a full disk or read-only folder becomes a :class:`HotlineError` naming the folder.
    """
    from ..store import place_error

    out = Path(out)
    if out.is_dir() and any(out.iterdir()) and not any((out / n).exists() for n in PACK_MARKS):
        raise HotlineError(f"{out} is not empty and holds no report pack; choose another --out or empty it "
                           "(nothing was changed)")
    _remove_dead_partials(out)
    tmp = out.with_name(f".{out.name}.partial-{os.getpid()}")
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        yield tmp
        _replace(tmp, out)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        why = place_error(exc) if isinstance(exc, OSError) else None
        if why:
            raise HotlineError(f"{out}: cannot write the report pack ({why}); nothing was half-written, a "
                               "previous pack there is as it was") from None
        raise


def _replace(new: Path, out: Path) -> None:
    """Put the folder ``new`` in the place of ``out`` (two renames; the old pack removed after)."""
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    if out.exists():
        os.replace(out, old)
    os.replace(new, out)
    shutil.rmtree(old, ignore_errors=True)


def _remove_dead_partials(out: Path) -> None:
    """Remove folders a killed run left beside ``out`` (their process no longer runs)."""
    for p in [*out.parent.glob(f".{out.name}.partial-*"), *out.parent.glob(f".{out.name}.old-*")]:
        pid = p.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(p, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


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
    fonts.embed_font(sorted(out.glob("*.html")), lang)
    return out


def review_page(notebook: str, params: dict, out: Path, lang: str) -> Path:
    """Run a review notebook alone (``lookback`` or ``annual_review``, as ``hotline lookback`` and
    ``hotline annual`` do) into ``out``, its page made as a pack's are (:func:`write_pack`): exported without
    code, then given the pack's embedded font; return the page."""
    from . import fonts
    from .notebooks import run_notebooks

    [page] = run_notebooks([(paths.NOTEBOOKS_DIR / f"{notebook}.ipynb", L.title(notebook, lang), params)], out, lang)
    fonts.embed_font([page], lang)
    return page


def monthly_notebooks() -> list[Path]:
    """The notebooks of a monthly pack, in page order."""
    return sorted(paths.MONTHLY_NOTEBOOKS_DIR.glob("*.ipynb"))


def run_pages(report: MonthReport, out: Path, lang: str, result: Path, store, config,
              client=None) -> list[tuple[str, str]]:
    """Execute the monthly notebooks on the saved result, and the look-back and annual review when they are due;
    return (title, page file) pairs."""
    from ..reviews import save_tables
    from .notebooks import run_notebooks

    common = {"store": str(Path(store).resolve()) if store else "", "lang": lang, "config": str(Path(config).resolve()) if config else ""}
    params = {**common, "result": os.path.relpath(result, out), "month": str(report.month),
              "figures_dir": "figures"}  # relative to the notebooks' working folder, the pack
    jobs = [(nb, L.title(nb.stem, lang), params) for nb in monthly_notebooks()]
    if len(report.lookback):
        folder = save_tables({"lookback": report.lookback, "did": report.lookback_did}, out / "lookback")
        supervised = ",".join(sorted(set(report.lookback.supervised)))
        jobs.append((paths.NOTEBOOKS_DIR / "lookback.ipynb", L.title("lookback", lang),
                     {**common, "result": os.path.relpath(folder, out), "supervised": supervised,
                      "at": str(report.month)}))
    if len(report.annual):
        folder = save_tables({"annual": report.annual}, out / "annual")
        jobs.append((paths.NOTEBOOKS_DIR / "annual_review.ipynb", L.title("annual_review", lang),
                     {**common, "result": os.path.relpath(folder, out), "year": report.month.year - 1}))
    return [(title, page.name) for (_, title, _), page in zip(jobs, run_notebooks(jobs, out, lang, client))]
