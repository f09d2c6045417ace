"""One month, computed once: the month result every page, sheet and slide of a report reads.

:meth:`MonthReport.build` reads the store once (the aggregate table for the
history, the work orders of the month, the month before and the same month a
year before), fits the month's models once (surge, dispersion, trend,
satisfaction shifts, topics) and holds the results as tidy, typed, unrounded
tables. :meth:`MonthReport.save` writes them as Parquet beside a small JSON
file; :meth:`MonthReport.load` reads them back, so the notebooks narrate a
saved result without fitting anything. :meth:`MonthReport.to_json` is
``summary.json``, validated against its JSON Schema.

Tables (one row per supervised department unless said otherwise):

``departments``
    ``department, net_complaints, prev_month, prev_year, mom_pct, yoy_pct,
    rank, rank_prev_month, surveyed, satisfaction_rate, ci_low, ci_high,
    trend, trend_window, trend_kind, trend_current, trend_base, trend_ratio, trend_p,
    trend_q, surge, surge_expected, surge_upper, surge_change_pct,
    satisfaction_drop, commend, commend_ratio, commend_q``.
``history``
    net complaints per department and month up to the month.
``long_trends``
    seasonal Mann-Kendall with Sen's slope per department over the last months up to the month (in an
    incomplete month up to the month before).
``breakdowns``
    ``dimension, value, records, share, prev_month, mom_pct, prev_year,
    yoy_pct`` for request type, channel and district (all orders).
``daily``
    ``day, records``.
``satisfaction``
    :func:`hotline_analysis.metrics.satisfaction` per department with the
    shift against the previous month (``delta_pp``, ``shift_low_pp``,
    ``shift_high_pp``, ``p_value``, ``q_value``, ``significant``), against the
    rest of the city (``vs_city_pp``, ``vs_city_q``, ``below_city``), and
    ``enough_sample`` (at least ``satisfaction.min_surveyed`` call-backs),
    ``below_standard`` (under ``satisfaction.standard``) and
    ``below_standard_for_sure`` (its interval's upper end under it too).
``city_satisfaction``
    the whole hotline's rate and its rate for reasonable requests, this month,
    last month and a year ago.
``handling``
    办理情况 per department (:func:`hotline_analysis.handling.month_measures`) this month, last month and
    a year ago, with ``open``, ``overdue`` (at the month's end), ``carried_over`` (open at its start) and the
    standards judged this month (``below_on_time``, ``slow``, ``reassign_high``).
``city_handling``
    the same for every dispatched order of the city, with ``handled_directly`` and ``direct_share``.
``overdue``
    the orders open longest past their due time at the month's end (``handling.oldest``).
``issues``
    the top issues per department (:class:`hotline_analysis.topics.TopicResult`).
``actions``
    ``department, action, reasons`` (codes; words come from :mod:`labels`).
``questions``
    ``department, why, rank`` and the issue's columns.
``lookback``, ``lookback_did``
    the look-back of the departments supervised two and three months before
    (per department, and the group's difference in differences); empty when
    none is due.
``annual``
    in January and February, the previous year's review candidates; else empty.
"""

from __future__ import annotations

import json
import tempfile
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .. import __version__, paths
from .. import metrics as M
from ..errors import DataError, StoreError
from ..settings import Settings, load_settings

#: Tables saved as Parquet, in this order.
TABLES = ("departments", "history", "long_trends", "breakdowns", "daily", "satisfaction", "city_satisfaction",
          "handling", "city_handling", "overdue", "issues", "emerging", "actions", "questions", "lookback", "lookback_did", "annual")
#: The flags of a department (columns of ``departments`` and keys of summary.json's ``flags``), in this order.
FLAGS = ("surge", "satisfaction_drop", "commend")
#: Folder of a saved month result inside a report pack.
RESULT_FOLDER = "month"


@dataclass(frozen=True)
class MonthReport:
    """The month's figures and verdicts for the supervised departments (see the module docstring)."""

    dataset: str
    month: pd.Period
    settings: Settings = field(repr=False)
    ledger: dict
    topics_from: str  # "text" (issues from the complaints' words), "categories" (one per category), "none"
    departments: pd.DataFrame = field(repr=False)
    history: pd.DataFrame = field(repr=False)
    long_trends: pd.DataFrame = field(repr=False)
    breakdowns: pd.DataFrame = field(repr=False)
    daily: pd.DataFrame = field(repr=False)
    satisfaction: pd.DataFrame = field(repr=False)
    city_satisfaction: pd.DataFrame = field(repr=False)
    handling: pd.DataFrame = field(repr=False)
    city_handling: pd.DataFrame = field(repr=False)
    overdue: pd.DataFrame = field(repr=False)
    issues: pd.DataFrame = field(repr=False)
    emerging: pd.DataFrame = field(repr=False)
    actions: pd.DataFrame = field(repr=False)
    questions: pd.DataFrame = field(repr=False)
    lookback: pd.DataFrame = field(repr=False)
    lookback_did: pd.DataFrame = field(repr=False)
    annual: pd.DataFrame = field(repr=False)
    absent: dict = field(default_factory=dict)  # measure -> the columns it needs that the export lacks
    #: columns of ``absent`` the export has (a value in some month of the store) that are empty this month
    empty_columns: list = field(default_factory=list)
    generated_by: str = f"hotline_analysis {__version__}"

    # --- building ---------------------------------------------------------------------------------------

    @classmethod
    def build(cls, store, month: str | pd.Period, settings: Settings | None = None, dataset: str | None = None,
              all_units: bool = False, topics: str = "text", register: str | Path | None = None) -> MonthReport:
        """Compute the month from a store (a :class:`hotline_analysis.store.Store` or its folder).

        ``all_units``: every unit in the store, not only the municipal
        departments of the alias table. ``topics``: ``text`` (issues from the
        complaints' words) or ``categories`` (each department's most frequent
        categories, fast). ``register``: the committee's register of hearings
        (CSV ``department,month``); when it lists departments supervised two or
        three months before, the look-back is computed (default:
        :func:`hotline_analysis.paths.default_register`).
        """
        from .build import build_month

        return build_month(cls, store, pd.Period(month, "M"), settings or load_settings(), dataset, all_units,
                           topics, register)

    # --- reading --------------------------------------------------------------------------------------

    @property
    def supervised(self) -> list[str]:
        """The departments reported, in rank order."""
        return self.departments["department"].tolist()

    def flagged(self, flag: str) -> list[str]:
        """Departments carrying ``flag`` (one of :data:`FLAGS`), in rank order."""
        return self.departments.loc[self.departments[flag].to_numpy(dtype=bool), "department"].tolist()

    def totals(self) -> dict:
        """The supervised departments together: net complaints this month, last month and a year ago, with
        the changes, and how many departments fell or rose month on month."""
        d = self.departments
        cur = float(d.net_complaints.sum())
        prev = float(d.prev_month.sum()) if d.prev_month.notna().all() and len(d) else np.nan
        year = float(d.prev_year.sum()) if d.prev_year.notna().all() and len(d) else np.nan
        mb = self.settings.change.min_base
        mom, _ = M.change_pct([cur], [prev], mb)
        yoy, _ = M.change_pct([cur], [year], mb)
        return {"departments": len(d), "net_complaints": int(cur), "prev_month": None if np.isnan(prev) else int(prev),
                "prev_year": None if np.isnan(year) else int(year), "mom_pct": float(mom[0]),
                "yoy_pct": float(yoy[0]), "fell_mom": int((d.net_complaints < d.prev_month).fillna(False).sum()),
                "rose_mom": int((d.net_complaints > d.prev_month).fillna(False).sum())}

    # --- summary.json ---------------------------------------------------------------------------------

    def to_json(self) -> dict:
        """``summary.json``: the month's key figures, rounded as the settings say, validated against the schema."""
        from .summary import summary_dict

        return summary_dict(self)

    # --- saving and loading -----------------------------------------------------------------------------

    def save(self, folder: str | Path) -> Path:
        """Write the tables as Parquet and the rest as ``month.json`` into ``folder`` (written aside, then renamed
        into place, so a reader sees a whole result or none); return the folder."""
        folder = Path(folder)
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
        for name in TABLES:
            _to_parquet(getattr(self, name), tmp / f"{name}.parquet")
        meta = {"dataset": self.dataset, "month": str(self.month), "ledger": self.ledger,
                "topics_from": self.topics_from, "generated_by": self.generated_by, "absent": self.absent,
                "empty_columns": self.empty_columns,
                "settings": self.settings.to_dict()}
        (tmp / "month.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        tmp.rename(folder)
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> MonthReport:
        """Read a result written by :meth:`save`."""
        from ..settings import settings_from_dict

        folder = Path(folder)
        meta_path = folder / "month.json"
        if not meta_path.exists():
            raise StoreError(f"{folder} holds no month result (month.json missing); build it with "
                             "`hotline report` or MonthReport.build")
        meta = json.loads(meta_path.read_text("utf-8"))
        tables = {name: _from_parquet(folder / f"{name}.parquet") for name in TABLES}
        return cls(dataset=meta["dataset"], month=pd.Period(meta["month"], "M"),
                   settings=settings_from_dict(meta["settings"]), ledger=meta["ledger"],
                   topics_from=meta["topics_from"], generated_by=meta["generated_by"],
                   absent=meta.get("absent", {}), empty_columns=meta.get("empty_columns", []), **tables)

    def with_tables(self, **tables: pd.DataFrame) -> MonthReport:
        """A copy with some tables replaced."""
        return replace(self, **tables)


def open_month(result: str | Path = "", store: str | Path = "", month: str = "", config: str | Path = "",
               all_units: bool = False) -> MonthReport:
    """The month result a notebook narrates: the saved one in ``result`` when it is there, else built from
    ``store`` (empty: :func:`hotline_analysis.paths.default_store`) for ``month`` and saved into ``result``
    (when given), so an analyst can run a notebook alone."""
    if result and (Path(result) / "month.json").exists():
        return MonthReport.load(result)
    if not month:
        raise DataError("give the month (YYYY-MM) to build, or the folder of a saved month result")
    report = MonthReport.build(store or paths.default_store(), month, load_settings(config or None),
                               all_units=all_units)
    if result:
        report.save(result)
    return report


def _to_parquet(table: pd.DataFrame, path: Path) -> None:
    t = table.copy()
    for c in t.columns:
        if isinstance(t[c].dtype, pd.PeriodDtype):
            t[c] = t[c].astype(str)
            t = t.rename(columns={c: f"{c}@period"})
    t.to_parquet(path, index=False)


def _from_parquet(path: Path) -> pd.DataFrame:
    t = pd.read_parquet(path)
    for c in list(t.columns):
        if c.endswith("@period"):
            t[c] = pd.PeriodIndex(t[c], freq="M")
            t = t.rename(columns={c: c.removesuffix("@period")})
        elif t[c].dtype == object and len(t) and isinstance(t[c].dropna().iloc[0] if t[c].notna().any() else None,
                                                           np.ndarray):
            t[c] = t[c].map(lambda v: list(v) if isinstance(v, np.ndarray) else v)
    return t

