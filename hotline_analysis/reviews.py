"""Reviews beyond one month: the annual review candidates and the look-back (回头看) at supervised departments."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import metrics as M
from . import paths
from . import schema as S
from .catalog import KIND_DEPARTMENT, municipal_departments
from .errors import DataError, InputError, StoreError
from .settings import Settings, load_settings
from .store import Store

#: Columns of :func:`lookback`.
LOOKBACK_COLUMNS = ["department", "supervised", "months_after", "rate_ratio", "ci_low", "ci_high", "p_value",
                    "verdict"]


def open_store(store: str | Path | Store | None) -> Store:
    """A store (empty: :func:`hotline_analysis.paths.default_store`), or a message saying how to make one."""
    st = store if isinstance(store, Store) else Store(Path(store) if store else paths.default_store())
    if not st.exists():
        raise StoreError(f"{st.root} is not a store; run `hotline ingest ... --store {st.root}` first")
    return st


def store_history(st: Store) -> pd.DataFrame:
    """What every month's counts come from: the store's aggregate table (orders counted in ``n``), or, for a
    store without one, its rows (the columns the aggregate table is made of), each with its ``month``."""
    from .store import AGGREGATE_SOURCE

    agg = st.aggregates()
    return agg if agg is not None else M.with_month(st.load(columns=[S.ORDER_ID, *AGGREGATE_SOURCE, S.DUPLICATE_OF]))


def store_departments(st: Store, kinds: dict[str, str] | None = None) -> set[str]:
    """The units of kind ``department`` in the alias table the store's rows were mapped with (its preset's
    ``departments:``, recorded at ingest; ``kinds``: :meth:`Store.unit_kinds` when already read); empty when
    they were mapped without one. A store ingested before stores recorded it falls back to the shipped table
    ``data/reference/departments.csv``."""
    kinds = st.unit_kinds() if kinds is None else kinds
    if kinds is None:
        return municipal_departments()
    return {name for name, kind in kinds.items() if kind == KIND_DEPARTMENT}


#: Why :func:`unit_scope` reports the units it does.
SCOPES = {
    "departments": "the units of kind department in the store's alias table",
    "all_units": "every unit of the store, as asked (--all-units)",
    "no_alias_table": "every unit of the store: it was ingested without an alias table, so no unit has a kind",
    "no_department": "every unit of the store: its alias table names none of them as a department",
    "unrecorded": "every unit of the store: it does not record its alias table (ingested by an older version; "
                  "ingest its files again with their preset to record it), and the shipped one, "
                  "data/reference/departments.csv, names none of them as a department",
}


def unit_scope(st: Store, history: pd.DataFrame, all_units: bool = False) -> tuple[list[str], str]:
    """The supervised units that ``summary``, ``report``, ``annual`` and the look-back's comparison use, and
    why (a key of :data:`SCOPES`): the store's departments (:func:`store_departments`) that hold orders in
    ``history``; every unit of ``history`` with ``all_units`` ("all_units"), or when there are none (then the
    reason, also with ``all_units``: the export names no supervised unit)."""
    known = set(history[S.DEPARTMENT].dropna().unique())
    kinds = st.unit_kinds()
    deps = sorted(store_departments(st, kinds) & known)
    if deps:
        return (sorted(known), "all_units") if all_units else (deps, "departments")
    return sorted(known), "unrecorded" if kinds is None else "no_alias_table" if not kinds else "no_department"


def supervised_units(st: Store, history: pd.DataFrame, all_units: bool = False) -> list[str]:
    """The units of :func:`unit_scope`."""
    return unit_scope(st, history, all_units)[0]


def monthly_volumes(history: pd.DataFrame, settings: Settings, departments=None) -> pd.DataFrame:
    """Net complaints per department and month of a :func:`store_history` (``departments`` only, when given)."""
    if departments is not None:
        history = history[history[S.DEPARTMENT].isin(departments)]
    return M.monthly_volume(history, settings)


def read_register(register: str | Path) -> pd.DataFrame:
    """The committee's register of hearings (CSV ``department,month``)."""
    path = Path(register)
    if not path.exists():
        raise InputError(f"no register of hearings at {path}; give --register PATH (CSV department,month)",
                         file=str(path))
    reg = pd.read_csv(path, dtype=str)
    missing = {"department", "month"} - set(reg.columns)
    if missing:
        raise InputError(f"the register needs columns department,month (missing {sorted(missing)})",
                         file=str(path))
    return reg


def annual_review(store, year: int, settings: Settings | None = None, all_units: bool = False, *,
                  history: pd.DataFrame | None = None) -> pd.DataFrame:
    """The year's review candidates: the top N by annual net complaints plus significant annual risers.

    Columns: those of :func:`hotline_analysis.rank.review_candidates`, for the
    units of :func:`supervised_units` (the departments of the store's alias
    table; every unit with ``all_units``, without an alias table, or when it
    names none of the store's units). ``previous`` and ``change_pct`` are
    missing when the store does not hold every month of the year before (no
    comparison with part of a year). ``history``: the store's
    :func:`store_history` when the caller has already read it.
    """
    from .rank import review_candidates

    settings = settings or load_settings()
    st = open_store(store)
    history = store_history(st) if history is None else history
    if not (history[M.MONTH].dt.year == year).any():
        raise DataError(f"{st.root}: no work orders received in {year}")
    vol = monthly_volumes(history, settings, supervised_units(st, history, all_units))
    held = history[M.MONTH].drop_duplicates()
    years = [year - 1, year] if (held.dt.year == year - 1).sum() == 12 else [year]  # no part of a year before
    return review_candidates(vol[vol[M.MONTH].dt.year.isin(years)], year, settings)


#: Net complaints before its supervision that a unit needs for its look-back to be judged.
MIN_LOOKBACK_COMPLAINTS = 30


def lookback(store, supervised: list[str], at: str, register: str | Path, settings: Settings | None = None, *,
             history: pd.DataFrame | None = None) -> pd.DataFrame:
    """Look-back (回头看): did net complaints of the departments supervised in ``supervised`` months fall by ``at``?

    For each department the register lists in those months, an interrupted time
    series (robust quasi-Poisson, seasonal harmonics, step after its supervision
    month) over the months up to ``at``. Columns: :data:`LOOKBACK_COLUMNS`
    (``verdict``: ``fell`` when the whole interval is below 1, ``rose`` when
    above, ``unclear`` otherwise, ``too_few_months`` without 12 months before and one after,
    ``too_few_complaints`` with fewer than :data:`MIN_LOOKBACK_COMPLAINTS` net complaints before).
    ``history``: the store's :func:`store_history` when the caller has already read it.
    """
    from .stats import its

    history = store_history(open_store(store)) if history is None else history
    reg = read_register(register)
    reg = reg[reg.month.isin(supervised)]
    vol = monthly_volumes(history, settings or load_settings(), set(reg.department))
    end = pd.Period(at, "M")
    rows = []
    for dep, month in zip(reg.department, reg.month):
        s = vol[(vol[S.DEPARTMENT] == dep) & (vol[M.MONTH] <= end)].sort_values(M.MONTH)
        post = (s[M.MONTH] > pd.Period(month, "M")).astype(int)
        if s.net_complaints[post == 0].sum() < MIN_LOOKBACK_COMPLAINTS:  # nothing to fall from
            rows.append((dep, month, int(post.sum()), *[float("nan")] * 4, "too_few_complaints"))
            continue
        if post.sum() == 0 or (1 - post).sum() < 12:
            rows.append((dep, month, int(post.sum()), *[float("nan")] * 4, "too_few_months"))
            continue
        r = its(s.net_complaints, post, s[M.MONTH].dt.month, robust=True)
        verdict = "fell" if r.ci_high < 1 else ("rose" if r.ci_low > 1 else "unclear")
        rows.append((dep, month, int(post.sum()), r.rate_ratio, r.ci_low, r.ci_high, r.p_value, verdict))
    return pd.DataFrame(rows, columns=LOOKBACK_COLUMNS)


def lookback_did(store, supervised: list[str], at: str, register: str | Path, settings: Settings | None = None, *,
                 history: pd.DataFrame | None = None):
    """The look-back as one difference in differences: departments supervised in ``supervised`` months
    against the store's supervised units (:func:`supervised_units`) that the register never lists, months up
    to ``at``.

    Each supervised department is treated from the month after its first hearing.
    Returns a :class:`hotline_analysis.stats.DiDResult`; its pre-period check
    says when the comparison departments were already drifting apart (then
    trust the interrupted time series of :func:`lookback` instead). ``history``: as in :func:`lookback`.
    Raises :class:`DataError` when there is no comparison unit with net complaints in those months (or no
    supervised one), or the model cannot be fitted: no result is made up from nothing.
    """
    from .stats import did

    st = open_store(store)
    history = store_history(st) if history is None else history
    reg = read_register(register)
    chosen = reg[reg.month.isin(supervised)].sort_values("month")
    start: dict = {}
    for d, m in zip(chosen.department, chosen.month):
        start.setdefault(d, pd.Period(m, "M") + 1)
    control = set(supervised_units(st, history)) - set(reg.department)
    vol = monthly_volumes(history, settings or load_settings(), set(start) | control)
    vol = vol[vol[M.MONTH] <= pd.Period(at, "M")]
    held = vol.groupby(S.DEPARTMENT).net_complaints.sum()
    held = set(held.index[held > 0])
    if not control & held:
        raise DataError("no comparison units: every supervised unit of the store is in the register, or those it "
                        "does not list have no net complaints; the difference in differences needs some never heard")
    if not set(start) & held:
        raise DataError("the units supervised in those months have no net complaints in the store")
    vol = vol[vol[S.DEPARTMENT].isin(held)]
    try:
        return did(vol, [d for d in start if d in held], start)
    except (ValueError, np.linalg.LinAlgError) as exc:
        raise DataError(f"the difference in differences cannot be fitted: {exc}") from None


# --- saved reviews (what the review notebooks narrate) --------------------------------------------------------


def save_tables(tables: dict[str, pd.DataFrame], folder: str | Path) -> Path:
    """Write review tables as ``<name>.parquet`` into ``folder``; return it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, t in tables.items():
        t.to_parquet(folder / f"{name}.parquet", index=False)
    return folder


def load_tables(folder: str | Path, names: tuple[str, ...]) -> dict[str, pd.DataFrame] | None:
    """The tables saved by :func:`save_tables`, or None when one is missing."""
    paths_ = [Path(folder) / f"{n}.parquet" for n in names]
    if not folder or not all(p.exists() for p in paths_):
        return None
    return {n: pd.read_parquet(p) for n, p in zip(names, paths_)}


def lookback_review(store, supervised: list[str], at: str, register: str | Path, settings: Settings | None = None,
                    *, history: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """The look-back's tables: ``lookback`` (per department, :func:`lookback`) and ``did`` (the group's
    difference in differences, one row; empty when there are no comparison departments). The store is read
    once (``history``: its :func:`store_history` when the caller has already read it)."""
    settings = settings or load_settings()
    history = store_history(open_store(store)) if history is None else history
    per = lookback(store, supervised, at, register, settings, history=history)
    try:
        did_ = lookback_did(store, supervised, at, register, settings, history=history).to_frame()
    except DataError:
        did_ = pd.DataFrame()
    return {"lookback": per, "did": did_}


def open_lookback(result: str | Path, store, supervised: str, at: str, register: str | Path,
                  config: str | Path | None = None) -> dict[str, pd.DataFrame]:
    """The look-back a notebook narrates: saved in ``result`` when it is there, else computed (and saved)."""
    saved = load_tables(result, ("lookback", "did")) if result else None
    if saved is not None:
        return saved
    st = open_store(store)
    tables = lookback_review(st, [m.strip() for m in supervised.split(",") if m.strip()], at,
                             register or paths.default_register(st.root), load_settings(config or None))
    if result:
        save_tables(tables, result)
    return tables


def open_annual(result: str | Path, store, year: int, config: str | Path | None = None,
                all_units: bool = False) -> pd.DataFrame:
    """The annual review a notebook narrates: saved in ``result`` when it is there, else computed (and saved)."""
    saved = load_tables(result, ("annual",)) if result else None
    if saved is not None:
        return saved["annual"]
    table = annual_review(store, year, load_settings(config or None), all_units)
    if result:
        save_tables({"annual": table}, result)
    return table
