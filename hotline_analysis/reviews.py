"""Reviews beyond one month: the annual review candidates and the look-back (回头看) at supervised departments."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from . import metrics as M
from . import paths
from . import schema as S
from .catalog import municipal_departments
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
    municipal departments of the alias table (every unit with ``all_units``, or
    when the alias table names none of the store's units). ``history``: the
    store's :func:`store_history` when the caller has already read it.
    """
    from .rank import review_candidates

    settings = settings or load_settings()
    st = open_store(store)
    history = store_history(st) if history is None else history
    deps = None if all_units else (municipal_departments() or None)
    vol = monthly_volumes(history, settings, deps)
    if vol.empty and deps is not None:
        vol = monthly_volumes(history, settings)
    vol = vol[vol[M.MONTH].dt.year.isin([year - 1, year])]
    if not (vol[M.MONTH].dt.year == year).any():
        raise DataError(f"{st.root}: no work orders received in {year}")
    return review_candidates(vol, year, settings)


def lookback(store, supervised: list[str], at: str, register: str | Path, settings: Settings | None = None, *,
             history: pd.DataFrame | None = None) -> pd.DataFrame:
    """Look-back (回头看): did net complaints of the departments supervised in ``supervised`` months fall by ``at``?

    For each department the register lists in those months, an interrupted time
    series (robust quasi-Poisson, seasonal harmonics, step after its supervision
    month) over the months up to ``at``. Columns: :data:`LOOKBACK_COLUMNS`
    (``verdict``: ``fell`` when the whole interval is below 1, ``rose`` when
    above, ``unclear`` otherwise, ``too_few_months`` without enough months).
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
    against the municipal departments the register never lists, months up to ``at``.

    Each supervised department is treated from the month after its first hearing.
    Returns a :class:`hotline_analysis.stats.DiDResult`; its pre-period check
    says when the comparison departments were already drifting apart (then
    trust the interrupted time series of :func:`lookback` instead). ``history``: as in :func:`lookback`.
    """
    from .stats import did

    history = store_history(open_store(store)) if history is None else history
    reg = read_register(register)
    chosen = reg[reg.month.isin(supervised)].sort_values("month")
    start: dict = {}
    for d, m in zip(chosen.department, chosen.month):
        start.setdefault(d, pd.Period(m, "M") + 1)
    control = sorted(municipal_departments() - set(reg.department))
    if not control:
        raise DataError("no comparison departments: every municipal department of the alias table is in the "
                        "register (or there is no alias table); the difference in differences needs some never heard")
    vol = monthly_volumes(history, settings or load_settings(), set(start) | set(control))
    vol = vol[vol[M.MONTH] <= pd.Period(at, "M")]
    return did(vol, list(start), start)


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
