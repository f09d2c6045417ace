"""Rankings and flags: who is called before the committee, who is commended, who is reviewed.

A flag must not be noise: a surge needs both a large change and a count
above the upper prediction bound of a model of the department's own history;
commendations and review candidates need a significant change after
Benjamini-Hochberg control across departments.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats as sps

from . import schema as S
from .metrics import MONTH
from .stats import bh_adjust, harmonics, rate_ratio_test


def rank_month(table: pd.DataFrame, month: pd.Period, value: str = "net_complaints", by: str = S.DEPARTMENT,
               ascending: bool = False) -> pd.DataFrame:
    """Rank groups in ``month`` by ``value`` (1 = largest unless ``ascending``), with the change of rank.

    Columns: ``by, value, rank, rank_prev_month, rank_change`` (positive = moved up
    towards rank 1).  Ties share the best rank (method ``min``).
    """
    month = pd.Period(month, "M")

    def ranks(m):
        t = table[table[MONTH] == m].set_index(by)[value]
        return t.rank(ascending=ascending, method="min")

    cur = table[table[MONTH] == month][[by, value]].copy()
    cur["rank"] = cur[by].map(ranks(month)).astype("Int64")
    cur["rank_prev_month"] = cur[by].map(ranks(month - 1)).astype("Int64")
    cur["rank_change"] = cur["rank_prev_month"] - cur["rank"]
    return cur.sort_values(["rank", by]).reset_index(drop=True)


def _poisson_fit(y: np.ndarray, X: np.ndarray, offset: np.ndarray):
    """A Poisson GLM fit, or None when statsmodels cannot fit it (sparse or constant series; its warnings are
    silenced, the callers check convergence and the parameters)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return sm.GLM(y, X, family=sm.families.Poisson(), offset=offset).fit()
    except (ValueError, np.linalg.LinAlgError):
        return None


def expected_count(history: pd.Series, month: pd.Period, level: float = 0.99, max_history: int = 24,
                   exposure: pd.Series | None = None) -> tuple[float, float, float]:
    """Expected count for ``month`` and its upper prediction bound from the series' own history.

    A quasi-Poisson regression on up to ``max_history`` preceding months,
    ``log mu = a + first annual harmonic`` (with two years of history also a
    linear trend ``b t`` and a second harmonic; a trend extrapolated from one
    year would invent surges), is fitted, refitted once without months whose Pearson
    residual exceeds 3 (earlier surges must not raise the baseline), and
    projected to ``month``.  With ``exposure`` (e.g. the city's total orders
    per month) the model is for the series' share of it, ``log mu = log
    exposure + ...``, so calendar effects that move every department alike
    (the Spring Festival falling in January one year and February the next)
    are not taken for surges.  The bound is the ``level`` quantile of a negative
    binomial with the model's mean and variance ``phi * mu`` (Poisson when
    ``phi <= 1``).  Returns (expected, upper bound, dispersion phi); NaN for
    all three when the history cannot support a fit (too few months with
    orders, or a fit that does not converge on a sparse series).
    """
    month = pd.Period(month, "M")
    h = history[history.index < month].iloc[-max_history:].astype(float)
    if exposure is not None:  # a month in which the city had no orders says nothing about shares
        h = h[(exposure.reindex(h.index).fillna(0) > 0).to_numpy()]
        if not exposure.get(month, 0) > 0 or len(h) < 4:
            return np.nan, np.nan, np.nan
    t = np.array([(m - month).n for m in h.index], dtype=float)
    long = len(h) >= 24  # a linear trend and a second harmonic only with two years of history
    k = 2 if long else 1
    trend = [t] if long else []
    X = np.column_stack([np.ones_like(t), *trend, harmonics(h.index.month, k)])
    x0 = np.column_stack([[1.0], *([[0.0]] if long else []), harmonics([month.month], k)])
    y = h.to_numpy()
    if y.sum() < 5 * X.shape[1]:  # too few orders to fit a seasonal model
        return np.nan, np.nan, np.nan
    off = np.zeros(len(y)) if exposure is None else np.log(exposure.reindex(h.index).to_numpy(float))
    off0 = 0.0 if exposure is None else float(np.log(exposure[month]))
    keep = np.ones(len(y), dtype=bool)
    for _ in range(2):
        fit = _poisson_fit(y[keep], X[keep], off[keep])
        if fit is None or not fit.converged or not np.all(np.isfinite(fit.params)):
            return np.nan, np.nan, np.nan
        mu_all = np.exp(X @ fit.params + off)
        resid = (y - mu_all) / np.sqrt(mu_all)
        new_keep = resid <= 3
        if new_keep.sum() < X.shape[1] + 3 or (new_keep == keep).all() or y[new_keep].sum() == 0:
            break
        keep = new_keep
    phi = max(float(fit.pearson_chi2 / max(fit.df_resid, 1)), 1.0)
    mu = float(np.exp(x0 @ fit.params + off0)[0])
    if phi > 1.0 + 1e-9:
        n = mu / (phi - 1)
        upper = float(sps.nbinom.ppf(level, n, n / (n + mu)))
    else:
        upper = float(sps.poisson.ppf(level, mu))
    return mu, upper, phi


def surge_flags(table: pd.DataFrame, month: pd.Period, cfg: dict, value: str = "net_complaints",
                by: str = S.DEPARTMENT, exposure: pd.Series | None = None) -> pd.DataFrame:
    """Surge check for every group in ``month`` (rules: ``cfg['flags']['surge']``).

    Columns: ``by, observed, expected, upper, change_pct, surge``.  ``surge``
    is true only when the count is at least ``min_count`` (default 10), at
    least ``min_change_pct`` above the expected count **and** above the upper
    prediction bound of
    :func:`expected_count`; groups with fewer than ``min_history_months`` of
    history are not judged (``surge`` false, ``expected`` NaN).  ``exposure``
    is passed to :func:`expected_count`.
    """
    rules = cfg["flags"]["surge"]
    month = pd.Period(month, "M")
    rows = []
    for name, g in table.groupby(by, observed=True):
        s = g.set_index(MONTH)[value].sort_index()
        obs = float(s.get(month, np.nan))
        hist = s[s.index < month]
        if len(hist) < rules["min_history_months"] or np.isnan(obs) or hist.sum() == 0:
            rows.append((name, obs, np.nan, np.nan, np.nan, False))
            continue
        mu, upper, _ = expected_count(hist, month, rules["prediction_level"], exposure=exposure)
        change = (obs / mu - 1) * 100 if mu > 0 else np.nan  # NaN (no fit): never a surge
        big_enough = obs >= rules.get("min_count", 10)  # a handful of orders is never a surge
        rows.append((name, obs, mu, upper, change,
                     bool(big_enough and obs > upper and change >= rules["min_change_pct"])))
    return pd.DataFrame(rows, columns=[by, "observed", "expected", "upper", "change_pct", "surge"])


def dispersion(table: pd.DataFrame, month: pd.Period, value: str = "net_complaints", by: str = S.DEPARTMENT,
               history: int = 24, exposure: pd.Series | None = None) -> pd.Series:
    """Extra-Poisson variation ``phi`` of each group's monthly counts over its ``history`` months up to ``month``.

    A Poisson regression of the months on a quadratic trend and two annual
    harmonics (with ``exposure``, e.g. the city's monthly orders, as offset, so
    calendar effects such as the Spring Festival are not counted as noise);
    months whose Pearson residual exceeds 3 times the square root of a robust
    first estimate (the median squared residual over 0.455) are dropped as
    surges and the model refitted; ``phi`` is the Pearson chi-square over its degrees of freedom,
    at least 1 (Poisson). NaN with fewer than 12 months or too few orders.
    """
    month = pd.Period(month, "M")
    out = {}
    for name, g in table.groupby(by, observed=True):
        h = g.set_index(MONTH)[value].sort_index()
        h = h[(h.index > month - history) & (h.index <= month)].astype(float)
        if exposure is not None:
            h = h[(exposure.reindex(h.index).fillna(0) > 0).to_numpy()]
        t = np.array([(m - month).n for m in h.index], dtype=float) / 12
        X = np.column_stack([np.ones_like(t), t, t ** 2, harmonics(h.index.month, 2)])
        y = h.to_numpy()
        if len(y) < 12 or y.sum() < 5 * X.shape[1]:
            out[name] = np.nan
            continue
        off = np.zeros(len(y)) if exposure is None else np.log(exposure.reindex(h.index).to_numpy(float))
        keep = np.ones(len(y), dtype=bool)
        phi = np.nan
        for _ in range(2):
            fit = _poisson_fit(y[keep], X[keep], off[keep])
            if fit is None:
                break
            phi = max(float(fit.pearson_chi2 / max(fit.df_resid, 1)), 1.0)
            mu = np.exp(X @ fit.params + off)
            r2 = (y - mu) ** 2 / mu
            robust = max(float(np.median(r2[keep]) / sps.chi2.ppf(0.5, 1)), 1.0)  # one surge cannot move it
            new_keep = r2 <= 9 * robust
            if (new_keep == keep).all() or new_keep.sum() < X.shape[1] + 5:
                break
            keep = new_keep
        out[name] = phi
    return pd.Series(out, name="phi", dtype=float)


def yoy_test(table: pd.DataFrame, month: pd.Period, months: int = 1, value: str = "net_complaints",
             by: str = S.DEPARTMENT, alpha: float = 0.05, phi: pd.Series | None = None) -> pd.DataFrame:
    """Test each group's last ``months`` months against the same months a year earlier.

    Columns: ``by, current, base, ratio, p_value, q_value, direction``.
    Counts over equal exposure are compared with the exact conditional test
    (:func:`hotline_analysis.stats.rate_ratio_test`); for a group whose
    ``phi`` (:func:`dispersion`) exceeds 1, with the quasi-Poisson Wald test
    ``z = log(current / base) / sqrt(phi (1/current + 1/base))`` instead, so
    months that vary more than Poisson do not pass for a trend. Then
    Benjamini-Hochberg across groups; ``direction`` is ``falling``/``rising``
    when ``q < alpha``, else ``no_trend``. A window with a base of zero (a
    department that did not exist a year earlier) is not tested.
    """
    month = pd.Period(month, "M")
    window = [month - i for i in range(months)]
    wide = table.pivot_table(index=by, columns=MONTH, values=value, aggfunc="sum", observed=True)
    wide = wide.reindex(columns=[*window, *[m - 12 for m in window]])  # a month absent from the table is NaN
    cur = wide[window].sum(axis=1, min_count=months).where(wide[window].notna().all(axis=1))
    base = wide[[m - 12 for m in window]].sum(axis=1).where(wide[[m - 12 for m in window]].notna().all(axis=1))
    ok = (cur.notna() & base.notna() & (base > 0)).to_numpy()
    out = pd.DataFrame({by: wide.index, "current": np.where(ok, cur, np.nan), "base": np.where(ok, base, np.nan)})
    out["ratio"] = out.current / out.base
    f = (phi.reindex(wide.index).fillna(1.0) if phi is not None else pd.Series(1.0, index=wide.index)).to_numpy()
    p = []
    for c, b, k, ph in zip(out.current, out.base, ok, f):
        if not k:
            p.append(np.nan)
        elif ph > 1 and c > 0:
            z = np.log(c / b) / np.sqrt(ph * (1 / c + 1 / b))
            p.append(float(2 * sps.norm.sf(abs(z))))
        else:
            p.append(rate_ratio_test(c, b))
    out["p_value"] = p
    reject, out["q_value"] = bh_adjust(out.p_value, alpha)
    out["direction"] = np.where(reject & (out.current < out.base), "falling",
                                np.where(reject & (out.current > out.base), "rising", "no_trend"))
    return out


def trend_scan(table: pd.DataFrame, month: pd.Period, windows: list[int], value: str = "net_complaints",
               by: str = S.DEPARTMENT, alpha: float = 0.05, exposure: pd.Series | None = None,
               phi: pd.Series | None = None) -> pd.DataFrame:
    """A group's trend: its last 1, 3 or 6 months (``windows``) against the same months a year earlier.

    For each window the test of :func:`yoy_test` (quasi-Poisson with the
    group's :func:`dispersion`); a group's p-value is the smallest over its
    testable windows times their number (Bonferroni, capped at 1), so a change
    is found at the time scale where it shows (a step two months ago, a steady
    decline over half a year) without more false alarms; then
    Benjamini-Hochberg across groups. Columns: ``by, window, current, base,
    ratio, p_value, q_value, direction`` (of the window with the smallest p;
    ``window`` NaN when none is testable). ``phi`` (:func:`dispersion`) is
    computed from ``exposure`` unless given.
    """
    phi = dispersion(table, month, value, by, exposure=exposure) if phi is None else phi
    per = [yoy_test(table, month, w, value, by, alpha, phi).assign(window=w) for w in windows]
    tested = pd.concat(per, ignore_index=True).dropna(subset=["p_value"])
    n_tested = tested.groupby(by, observed=True).size()
    best = tested.sort_values(["p_value", "window"]).groupby(by, observed=True).head(1)
    best = best.set_index(by).reindex(per[0][by]).reset_index()
    best["p_value"] = np.minimum(best.p_value * best[by].map(n_tested).to_numpy(float), 1.0)
    reject, best["q_value"] = bh_adjust(best.p_value, alpha)
    best["direction"] = np.where(reject & (best.current < best.base), "falling",
                                 np.where(reject & (best.current > best.base), "rising", "no_trend"))
    return best[[by, "window", "current", "base", "ratio", "p_value", "q_value", "direction"]]


def commendations(table: pd.DataFrame, month: pd.Period, cfg: dict, value: str = "net_complaints",
                  by: str = S.DEPARTMENT, min_fall_pct: float = 10.0, exposure: pd.Series | None = None,
                  phi: pd.Series | None = None) -> pd.DataFrame:
    """Departments that improved significantly: this month against the same month last year.

    A group is commended when its count fell by at least ``min_fall_pct`` and
    the fall is significant (quasi-Poisson with the group's :func:`dispersion`)
    after BH control (``cfg['flags']['commend']['alpha']``).
    Columns: those of :func:`yoy_test` plus ``commend``.
    """
    phi = dispersion(table, month, value, by, exposure=exposure) if phi is None else phi
    out = yoy_test(table, month, 1, value, by, cfg["flags"]["commend"]["alpha"], phi)
    out["commend"] = (out.direction == "falling") & ((1 - out.ratio) * 100 >= min_fall_pct)
    return out


def review_candidates(table: pd.DataFrame, year: int, cfg: dict, value: str = "net_complaints",
                      by: str = S.DEPARTMENT) -> pd.DataFrame:
    """Annual review candidates: the top N by annual count, plus significant annual risers.

    Columns: ``by, annual, previous, change_pct, rank, p_value, q_value,
    top_n, significant_rise, candidate``; N is ``cfg['ranking']['review_top_n']``,
    the rise test is :func:`hotline_analysis.stats.rate_ratio_test` on the
    annual totals with BH control at ``cfg['flags']['commend']['alpha']``.
    """
    t = table.assign(year=table[MONTH].dt.year)
    annual = t.groupby([by, "year"], observed=True)[value].sum().unstack("year")
    cur = annual.get(year, pd.Series(0, index=annual.index)).fillna(0)
    prev = annual.get(year - 1, pd.Series(np.nan, index=annual.index))
    out = pd.DataFrame({by: annual.index, "annual": cur.to_numpy(), "previous": prev.to_numpy()})
    with np.errstate(divide="ignore", invalid="ignore"):
        out["change_pct"] = (out.annual / out.previous - 1) * 100
    out["rank"] = out.annual.rank(ascending=False, method="min").astype(int)
    out["p_value"] = [rate_ratio_test(a, b, "greater") if not np.isnan(b) else np.nan
                      for a, b in zip(out.annual, out.previous)]
    reject, out["q_value"] = bh_adjust(out.p_value, cfg["flags"]["commend"]["alpha"])
    out["top_n"] = out["rank"] <= cfg["ranking"]["review_top_n"]
    out["significant_rise"] = reject & (out.annual > out.previous)
    out["candidate"] = out.top_n | out.significant_rise
    return out.sort_values("rank").reset_index(drop=True)
