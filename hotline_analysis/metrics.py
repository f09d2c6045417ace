"""Metrics over canonical work orders: volumes, shares, change, handling and satisfaction.

Every function takes a canonical frame (or a tidy table made by another
function here) and returns a tidy frame: one row per group and month, with
the columns listed in its docstring.

Examples
--------
>>> change_pct([110, 3, 0, 0], [100, 2, 0, 4], min_base=5)
(array([10., nan, nan, nan]), array(['ok', 'n/a', 'n/a', 'n/a'], dtype=object))
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from . import schema as S
from .clean import apply_net_rules
from .settings import Settings

MONTH = "month"


def with_month(df: pd.DataFrame) -> pd.DataFrame:
    """Add ``month`` (pandas Period, monthly) from ``received_at``."""
    return df.assign(**{MONTH: df[S.RECEIVED_AT].dt.to_period("M")})


def flag_net(df: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Add ``is_net_complaint`` and ``exclusion_reason`` under ``settings.net_complaint``."""
    return apply_net_rules(df, settings.net_complaint)


def round_pct(value: float, decimals: int = 2, rule: str = "half_up") -> float:
    """Round a percentage the way a bulletin prints it.

    ``half_up`` is 四舍五入 (0.125 -> 0.13); ``truncate`` cuts digits (4.446 -> 4.44),
    as some bulletins do. Decimal arithmetic avoids binary surprises (2.675 -> 2.68).

    Examples
    --------
    >>> round_pct(2.675), round_pct(4.4461, rule="truncate"), round_pct(-1.109, 2)
    (2.68, 4.44, -1.11)
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return float("nan")
    q = Decimal(1).scaleb(-decimals)
    mode = {"half_up": ROUND_HALF_UP, "truncate": ROUND_DOWN}[rule]
    return float(Decimal(repr(float(value))).quantize(q, rounding=mode))


def change_pct(current, base, min_base: float = 5) -> tuple[np.ndarray, np.ndarray]:
    """Relative change in percent, ``(current - base) / base * 100``, with an honest small-base rule.

    Returns (pct, status).  ``status`` is ``ok`` when ``base >= min_base``;
    ``new`` when the base is 0 and the current value is positive; ``n/a``
    otherwise (tiny base, or both zero).  ``pct`` is NaN unless ``ok``: a zero
    or tiny base is never reported as +100% or infinity.
    """
    cur = np.asarray(current, dtype=float)
    b = np.asarray(base, dtype=float)
    ok = b >= min_base
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(ok, (cur - b) / np.where(b == 0, np.nan, b) * 100, np.nan)
    status = np.where(ok, "ok", np.where((b == 0) & (cur > 0), "new", "n/a")).astype(object)
    status = np.where(np.isnan(b) | np.isnan(cur), "n/a", status).astype(object)
    return pct, status


#: Column of an aggregate table (see :meth:`hotline_analysis.store.Store.aggregates`) holding row counts.
WEIGHT = "n"


def weights(d: pd.DataFrame) -> np.ndarray:
    """Rows stand for one order each, or for ``n`` orders in an aggregate table."""
    return d[WEIGHT].to_numpy(dtype=float) if WEIGHT in d else np.ones(len(d))


def monthly_volume(df: pd.DataFrame, settings: Settings, by: str | list[str] = S.DEPARTMENT) -> pd.DataFrame:
    """Records and net complaints per group and month.

    Columns: ``*by, month, records, net_complaints``; every group appears in
    every month between the first and last month present (zeros filled), so
    month-over-month and year-over-year comparisons never skip a month.
    ``df`` may be work orders or an aggregate table with counts in ``n``.
    """
    by = [by] if isinstance(by, str) else list(by)
    d = with_month(df) if MONTH not in df else df
    d = flag_net(d, settings) if "is_net_complaint" not in d else d
    w = weights(d)
    frame = pd.DataFrame({**{c: d[c] for c in [*by, MONTH]}, "records": w,
                          "net_complaints": w * d["is_net_complaint"].to_numpy(dtype=float)})
    g = frame.groupby([*by, MONTH], observed=True, dropna=False)[["records", "net_complaints"]].sum()
    if g.empty:  # no orders (e.g. none of the units asked for): no months to fill
        return g.reset_index().astype({"records": "int64", "net_complaints": "int64"})
    months = pd.period_range(d[MONTH].min(), d[MONTH].max(), freq="M")
    groups = g.index.droplevel(MONTH).unique()
    full = pd.MultiIndex.from_tuples([(*(k if isinstance(k, tuple) else (k,)), m) for k in groups for m in months],
                                     names=[*by, MONTH])
    out = g.reindex(full, fill_value=0).reset_index()
    return out.astype({"records": "int64", "net_complaints": "int64"})


def add_changes(table: pd.DataFrame, value: str = "net_complaints", by: str | list[str] = S.DEPARTMENT,
                min_base: float = 5) -> pd.DataFrame:
    """Add the previous month's and the same month last year's value and their changes.

    Columns added: ``{value}_prev_month``, ``{value}_prev_year`` (NaN where that
    month is outside the data), ``mom_pct``, ``mom_status``, ``yoy_pct``,
    ``yoy_status`` (see :func:`change_pct`).
    """
    by = [by] if isinstance(by, str) else list(by)
    t = table.copy()
    key = t.set_index([*by, MONTH])[value]
    prev_m = pd.MultiIndex.from_arrays([*(t[c] for c in by), t[MONTH] - 1])
    prev_y = pd.MultiIndex.from_arrays([*(t[c] for c in by), t[MONTH] - 12])
    t[f"{value}_prev_month"] = key.reindex(prev_m).to_numpy()
    t[f"{value}_prev_year"] = key.reindex(prev_y).to_numpy()
    t["mom_pct"], t["mom_status"] = change_pct(t[value], t[f"{value}_prev_month"], min_base)
    t["yoy_pct"], t["yoy_status"] = change_pct(t[value], t[f"{value}_prev_year"], min_base)
    return t


def shares(table: pd.DataFrame, value: str, within: list[str] | None = None) -> pd.DataFrame:
    """Add ``share`` = value / total of ``value`` within each ``within`` group (default: each month).

    Shares within a group sum to 1 (groups with total 0 get NaN).
    """
    within = within or [MONTH]
    t = table.copy()
    total = t.groupby(within, observed=True)[value].transform("sum")
    t["share"] = t[value] / total.where(total > 0)
    return t


def per_10k(table: pd.DataFrame, value: str, populations: pd.DataFrame, on: str = S.DISTRICT) -> pd.DataFrame:
    """Add ``population`` and ``per_10k`` = value / population * 10,000 (NaN where the population is unknown)."""
    pop = populations.set_index("district")["population"]
    t = table.copy()
    t["population"] = t[on].map(pop)
    t["per_10k"] = t[value] / t["population"] * 10_000
    return t


def wilson_interval(successes, n, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion (NaN where n = 0).

    Examples
    --------
    >>> lo, hi = wilson_interval([998], [1000])
    >>> round(float(lo[0]), 4), round(float(hi[0]), 4)
    (0.9927, 0.9995)
    """
    s = np.asarray(successes, dtype=float)
    n = np.asarray(n, dtype=float)
    lo, hi = proportion_confint(s, np.where(n > 0, n, 1), alpha=1 - level, method="wilson")
    return np.where(n > 0, lo, np.nan), np.where(n > 0, hi, np.nan)


def satisfaction(df: pd.DataFrame, settings: Settings, by: str | list[str] = S.DEPARTMENT,
                 reasonable_only: bool = False) -> pd.DataFrame:
    """Call-back satisfaction per group and month.

    Columns: ``*by, month, surveyed, satisfied, basically_satisfied,
    dissatisfied, satisfaction_rate, ci_low, ci_high, weighted_rate,
    contact_rate, resolution_rate``.

    Notes
    -----
    ``satisfaction_rate = (satisfied + basically_satisfied) / surveyed`` with a
    Wilson interval at ``settings.satisfaction.ci_level``;
    ``weighted_rate = (satisfied + w * basically_satisfied) / surveyed`` with
    ``w = settings.satisfaction.weighted_basically_satisfied``.  With
    ``reasonable_only`` only requests not judged unreasonable count (合理诉求满意率).
    """
    by = [by] if isinstance(by, str) else list(by)
    sat_rules = settings.satisfaction
    d = with_month(df) if MONTH not in df else df
    if reasonable_only:
        d = d[(d[S.IS_REASONABLE] != False).fillna(True).to_numpy()]  # noqa: E712
    sat = d[S.SATISFACTION].astype(object)
    w = weights(d)
    contacted = d[S.CONTACTED].astype("float").to_numpy()
    resolved = d[S.RESOLVED].astype("float").to_numpy()
    frame = pd.DataFrame({
        **{c: d[c] for c in [*by, MONTH]},
        "surveyed": w * sat.notna().to_numpy(),
        "satisfied": w * (sat == "satisfied").to_numpy(),
        "basically_satisfied": w * (sat == "basically_satisfied").to_numpy(),
        "dissatisfied": w * (sat == "dissatisfied").to_numpy(),
        "contacted_yes": w * np.nan_to_num(contacted), "contacted_n": w * ~np.isnan(contacted),
        "resolved_yes": w * np.nan_to_num(resolved), "resolved_n": w * ~np.isnan(resolved),
    })
    out = frame.groupby([*by, MONTH], observed=True, dropna=False).sum().reset_index()
    out["contact_rate"] = out.contacted_yes / out.contacted_n.where(out.contacted_n > 0)
    out["resolution_rate"] = out.resolved_yes / out.resolved_n.where(out.resolved_n > 0)
    out = out.astype({c: "int64" for c in ("surveyed", "satisfied", "basically_satisfied", "dissatisfied")})
    pos = out.satisfied + out.basically_satisfied
    n = out.surveyed
    out["satisfaction_rate"] = (pos / n.where(n > 0)).astype(float)
    out["ci_low"], out["ci_high"] = wilson_interval(pos, n, sat_rules.ci_level)
    w = sat_rules.weighted_basically_satisfied
    out["weighted_rate"] = ((out.satisfied + w * out.basically_satisfied) / n.where(n > 0)).astype(float)
    cols = [*by, MONTH, "surveyed", "satisfied", "basically_satisfied", "dissatisfied", "satisfaction_rate",
            "ci_low", "ci_high", "weighted_rate", "contact_rate", "resolution_rate"]
    return out[cols]
