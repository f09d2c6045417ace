"""Count models of departments' monthly counts: what a month's count should be, how much counts vary, and
whether they changed.

* :func:`expected_count`: a department's expected count for a month and its
  upper prediction bound, from a seasonal quasi-Poisson model of its own
  history (the surge flag's baseline).
* :class:`Dispersion`, :func:`dispersion`: how much the departments' counts
  vary beyond Poisson (a common negative-binomial alpha, each department's
  moderated scale, and the months that stand out as surges).
* :func:`yoy_test`: the last months against the same months a year
  earlier, with that variation, Benjamini-Hochberg across departments (the
  commendation's test).
* :func:`level_shift`, :func:`trend_scan`: the last months against the
  department's earlier level, allowing for its season and the city's
  volume (a department's trend).

The flags built on them are in :mod:`hotline_analysis.flags`, the rankings in
:mod:`hotline_analysis.rank`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import optimize, special
from scipy import stats as sps

from . import schema as S
from .metrics import MONTH
from .stats import bh_adjust, harmonics, rate_ratio_test


def _poisson_fit(y: np.ndarray, X: np.ndarray, offset: np.ndarray):
    """A Poisson GLM fit, or None when statsmodels cannot fit it (sparse or constant series; its warnings are
    silenced, the callers check convergence and the parameters)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return sm.GLM(y, X, family=sm.families.Poisson(), offset=offset).fit()
    except (ValueError, np.linalg.LinAlgError):
        return None


def _design(index: pd.PeriodIndex, month: pd.Period, recent: int) -> tuple[np.ndarray, np.ndarray]:
    """The design of :func:`expected_count` for the history's months and for ``month``: intercept, a linear
    trend and a second harmonic with two years of history, a level for the last ``recent`` months (when 12
    months precede them), the annual harmonics."""
    t = np.array([(m - month).n for m in index], dtype=float)
    long = len(index) >= 24
    k = 2 if long else 1
    trend = [t] if long else []
    shift = [(t >= -recent).astype(float)] if recent and (t < -recent).sum() >= 12 else []
    X = np.column_stack([np.ones_like(t), *trend, *shift, harmonics(index.month, k)])
    x0 = np.column_stack([[1.0], *([[0.0]] if long else []), *([[1.0]] if shift else []), harmonics([month.month], k)])
    return X, x0


def expected_count(history: pd.Series, month: pd.Period, level: float = 0.99, max_history: int = 24,
                   exposure: pd.Series | None = None, recent: int = 0,
                   disp: tuple[float, float] | None = None) -> tuple[float, float, float]:
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
    ``phi <= 1``).  With ``recent`` months, the model has a level of its own
    for the last ``recent`` months of the history (when 12 months precede
    them) and projects that level, so a department that has been falling for
    months is not expected at its old level. With ``disp = (alpha, scale)``
    (:class:`Dispersion`) the variance is the departments' common one plus the
    uncertainty of the projected level:
    ``phi = scale (1 + alpha mu) + mu var(x0 b) phi_own``.
    Returns (expected, upper bound, dispersion phi); NaN for
    all three when the history cannot support a fit (too few months with
    orders, or a fit that does not converge on a sparse series).
    """
    month = pd.Period(month, "M")
    h = history[history.index < month].iloc[-max_history:].astype(float)
    if exposure is not None:  # a month in which the city had no orders says nothing about shares
        h = h[(exposure.reindex(h.index).fillna(0) > 0).to_numpy()]
        if not exposure.get(month, 0) > 0 or len(h) < 4:
            return np.nan, np.nan, np.nan
    X, x0 = _design(h.index, month, recent)
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
    if disp is not None:  # the common variance: scale * mu * (1 + alpha mu), and the level's own uncertainty
        se2 = (x0 @ fit.cov_params() @ x0.T).item() / fit.scale
        phi = max(disp[1], 1.0) * (1 + disp[0] * mu) + mu * se2 * max(phi, 1.0)
    if phi > 1.0 + 1e-9:
        n = mu / (phi - 1)
        upper = float(sps.nbinom.ppf(level, n, n / (n + mu)))
    else:
        upper = float(sps.poisson.ppf(level, mu))
    return mu, upper, phi


_MEDIAN_R2 = float(sps.chi2.ppf(0.5, 1))  # the median of a squared standard normal, 0.455


def median_alpha(y: np.ndarray, mu: np.ndarray, df_factor: float = 1.0) -> float:
    """The NB2 ``alpha`` at which the median squared Pearson residual is that of a standard normal.

    Solves ``median((y - mu)^2 / (mu (1 + alpha mu)) * df_factor) = 0.455``
    (the median of chi-square(1)); ``df_factor = n / (n - p)`` corrects for
    fitted parameters. 0 when the residuals vary no more than Poisson (or
    there are none). The median, not the mean: a few months off the fit (a
    step, a surge) do not move it.

    Examples
    --------
    >>> round(median_alpha(np.array([90.0, 120, 70, 140, 150]), np.full(5, 100.0)), 4)
    0.1878
    """
    if len(y) == 0:
        return 0.0

    def excess(a):
        return float(np.median((y - mu) ** 2 / (mu * (1 + a * mu)) * df_factor)) - _MEDIAN_R2

    return 0.0 if excess(0.0) <= 0 else float(optimize.brentq(excess, 0.0, 100.0))


@dataclass(frozen=True)
class Dispersion:
    """Month-to-month variation of groups' counts beyond Poisson (see :func:`dispersion`).

    A group's count with mean ``mu`` has variance ``scale[g] * mu * (1 + alpha * mu)``:
    ``alpha`` is the common negative-binomial (NB2) overdispersion, ``scale``
    each group's moderated departure from it, shrunk towards ``scale0`` with
    the weight of ``prior_df`` degrees of freedom (infinite: no group departs
    from the common model more than sampling noise). ``surges``: the months
    that stand out above the groups' seasonal fits (columns ``group, month,
    observed, fitted``).
    """

    alpha: float
    scale: pd.Series
    scale0: float
    prior_df: float
    surges: pd.DataFrame

    def factor(self, groups) -> np.ndarray:
        """The groups' scale (``scale0`` for a group without a fit of its own)."""
        return self.scale.reindex(groups).fillna(self.scale0).to_numpy(float)

    def summary(self) -> str:
        return (f"negative binomial alpha {self.alpha:.4g} (month-to-month CV {np.sqrt(self.alpha):.1%} beyond "
                f"Poisson); group scales {self.scale.min():.2f}-{self.scale.max():.2f}, prior df {self.prior_df:.3g}")


#: Months between the knots of the trend the dispersion's fits follow (:func:`bent_trend`).
KNOT_MONTHS = 9


def bent_trend(t: np.ndarray, every: int = KNOT_MONTHS) -> np.ndarray:
    """A piecewise-linear trend in ``t`` (years) with a knot every ``every`` months from the first: columns
    ``t`` and ``max(t - knot, 0)`` for each knot at least 3 months before the last month. Unlike a quadratic it
    follows a series that runs flat and then turns (a department after supervision).

    >>> bent_trend(np.arange(-23, 1) / 12).shape  # 24 months: knots 9 and 18 months after the first
    (24, 3)
    """
    span = 12 * (t.max() - t.min())
    knots = t.min() + np.arange(every, span - 2, every) / 12
    return np.column_stack([t, *[np.clip(t - k, 0, None) for k in knots]])


def _seasonal_fits(table: pd.DataFrame, month: pd.Period, value: str, by: str, history: int,
                   exposure: pd.Series | None) -> dict:
    """Each group's last ``history`` months (from its first month with orders) with a seasonal Poisson fit
    (:func:`bent_trend` and two harmonics; linear and one with less than 24 months), refitted without months
    that stand out either way: ``{group: (months, counts, fitted means, kept months, number of parameters)}``."""
    out = {}
    for name, g in table.groupby(by, observed=True):
        h = g.set_index(MONTH)[value].sort_index()
        h = h[(h.index > month - history) & (h.index <= month)].astype(float)
        h = h[h.index >= (h[h > 0].index.min() if (h > 0).any() else month)]  # zeros before a unit existed
        if exposure is not None:
            h = h[(exposure.reindex(h.index).fillna(0) > 0).to_numpy()]
        t = np.array([(m - month).n for m in h.index], dtype=float) / 12
        if len(h) >= 24:
            X = np.column_stack([np.ones_like(t), bent_trend(t), harmonics(h.index.month, 2)])
        else:  # with less than two years, a curved trend and a second harmonic would follow single months
            X = np.column_stack([np.ones_like(t), t, harmonics(h.index.month, 1)])
        y = h.to_numpy()
        if len(y) < 12 or y.sum() < 5 * X.shape[1]:
            continue
        off = np.zeros(len(y)) if exposure is None else np.log(exposure.reindex(h.index).to_numpy(float))
        keep = np.ones(len(y), dtype=bool)
        mu = None
        for _ in range(2):
            fit = _poisson_fit(y[keep], X[keep], off[keep])
            if fit is None or not fit.converged or not np.all(np.isfinite(fit.params)):
                break
            mu = np.exp(X @ fit.params + off)
            r2 = (y - mu) ** 2 / mu
            r2[keep] /= 1 - np.minimum(fit.get_hat_matrix_diag(), 0.99)  # studentized: an end month pulls the fit
            robust = max(float(np.median(r2[keep]) / sps.chi2.ppf(0.5, 1)), 1.0)  # one surge cannot move it
            new_keep = r2 <= 9 * robust
            if (new_keep == keep).all() or new_keep.sum() < X.shape[1] + 5:
                break
            keep = new_keep
        if mu is not None:
            out[name] = (h.index, y, mu, keep, X.shape[1])
    return out


def dispersion(table: pd.DataFrame, month: pd.Period, value: str = "net_complaints", by: str = S.DEPARTMENT,
               history: int = 24, exposure: pd.Series | None = None) -> Dispersion:
    """How much the groups' monthly counts vary beyond Poisson, from their last ``history`` months up to ``month``.

    1. Each group, from its first month with orders: a Poisson regression
       on a piecewise-linear trend with a knot every 9 months
       (:func:`bent_trend`) and two annual harmonics (with ``exposure``,
       e.g. the city's monthly orders, as offset, so calendar effects such as
       the Spring Festival are not counted as noise), refitted without months
       whose studentized residual exceeds 3 times a robust scale (the median
       squared residual over 0.455), up or down, so surges and slumps are not
       counted as noise either.
    2. Common ``alpha`` of ``var = mu (1 + alpha mu)`` (negative binomial,
       NB2): the value at which the median of the squared Pearson residuals
       ``r^2 n / (n - p)`` of every group's months with ``|r| <= 3`` equals
       0.455, the median of chi-square(1) (iterated). The median, not the mean:
       a step or a bend that the smooth fit does not follow (a department
       supervised two months ago) moves a few months, which must not make
       every department look noisier. One alpha for all groups is estimated from hundreds of
       months, where one group's own dispersion rests on about 17 degrees of
       freedom and swings by a third either way.
    3. Each group's ratio ``s2`` of its Pearson chi-square to its degrees of
       freedom is moderated as in limma's ``squeezeVar`` (Smyth 2004): the
       prior ``(d0, s0)`` is fitted to the spread of ``log s2`` and the group's
       ``scale = (d0 s0 + d s2) / (d0 + d)``, so a group that is truly noisier
       than the rest keeps most of its own estimate.

    Months dropped in step 1 for standing out above the fit are kept as
    ``surges`` (a wider net than :func:`hotline_analysis.flags.surge_flags`,
    which also asks for a large change and enough orders). With less than 24
    months the model has a linear trend and one harmonic. Groups with fewer
    than 12 months or too few orders get ``scale0``; ``alpha`` is 0 (Poisson)
    when no group can be fitted or none varies beyond Poisson.
    """
    month = pd.Period(month, "M")
    fits = _seasonal_fits(table, month, value, by, history, exposure)
    alpha = 0.0
    for _ in range(20):
        kept = {g: k & (np.abs(y - mu) <= 3 * np.sqrt(mu * (1 + alpha * mu)))
                for g, (_, y, mu, k, _) in fits.items()}
        y = np.concatenate([fits[g][1][k] for g, k in kept.items()] or [np.zeros(0)])
        mu = np.concatenate([fits[g][2][k] for g, k in kept.items()] or [np.ones(0)])
        df = sum(int(k.sum()) - fits[g][4] for g, k in kept.items())

        n_all = sum(int(k.sum()) for k in kept.values())
        new = 0.0 if df <= 0 else median_alpha(y, mu, n_all / df)
        if abs(new - alpha) <= 1e-6 * max(new, 1e-6):
            alpha = new
            break
        alpha = new
    names, s2, d = [], [], []
    for g, (_, y, mu, k, p) in fits.items():  # each group on its own months (a noisy group is not trimmed to fit)
        if k.sum() > p:
            names.append(g)
            d.append(float(k.sum() - p))
            s2.append(float(np.sum((y[k] - mu[k]) ** 2 / (mu[k] * (1 + alpha * mu[k])))) / d[-1])
    scale, scale0, d0 = _squeeze(np.array(s2), np.array(d))
    surges = pd.DataFrame([(g, m, yy, f) for g, (months, y, mu, k, _) in fits.items()
                           for m, yy, f, kk in zip(months, y, mu, k) if not kk and yy > f],
                          columns=["group", MONTH, "observed", "fitted"])
    return Dispersion(alpha, pd.Series(scale, index=names, name="scale", dtype=float), scale0, d0, surges)


def _squeeze(s2: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Empirical Bayes moderation of variance ratios ``s2`` on ``d`` degrees of freedom (limma's ``fitFDist``
    without covariates, Smyth 2004): (posterior ratios, prior ratio s0, prior degrees of freedom d0)."""
    if len(s2) == 0:
        return s2, 1.0, np.inf
    s2 = np.maximum(s2, 1e-5 * max(np.median(s2), 1e-5))  # log of an exactly fitted group
    e = np.log(s2) - special.digamma(d / 2) + np.log(d / 2)
    spread = (np.var(e, ddof=1) if len(e) > 1 else 0.0) - float(np.mean(special.polygamma(1, d / 2)))
    if spread > 0:
        d0 = 2 * _trigamma_inverse(spread)
        s0 = float(np.exp(e.mean() + special.digamma(d0 / 2) - np.log(d0 / 2)))
        return (d0 * s0 + d * s2) / (d0 + d), s0, d0
    s0 = float(np.sum(d * s2) / np.sum(d))  # no spread beyond sampling: the pooled ratio (as limma since 2017)
    return np.full_like(s2, s0), s0, np.inf


def _trigamma_inverse(x: float) -> float:
    """The y with trigamma(y) = x, by limma's Newton iteration (Smyth 2004)."""
    if x > 1e7:
        return 1 / np.sqrt(x)
    if x < 1e-6:
        return 1 / x
    y = 0.5 + 1 / x
    for _ in range(50):
        tri = float(special.polygamma(1, y))
        dif = tri * (1 - tri / x) / float(special.polygamma(2, y))
        y += dif
        if -dif / y < 1e-8:
            break
    return y


def yoy_test(table: pd.DataFrame, month: pd.Period, months: int = 1, value: str = "net_complaints",
             by: str = S.DEPARTMENT, alpha: float = 0.05, disp: Dispersion | None = None,
             reference: float = 1.0) -> pd.DataFrame:
    """Test each group's last ``months`` months against the same months a year earlier.

    ``reference``: the ratio expected without change (1, or the city's own
    ratio over the window, so a moving holiday is not a change).

    Columns: ``by, current, base, ratio, surge_months, p_value, q_value,
    direction``. With ``disp``, a month among its ``surges`` counts at the
    fitted value of the seasonal model (``surge_months`` says how many), so
    a one-month surge is not taken for a change of level, here or a year
    later. Without ``disp`` the counts are compared with the exact conditional
    Poisson test (:func:`hotline_analysis.stats.rate_ratio_test`). With
    ``disp`` (:func:`dispersion`) months vary more than Poisson: the Wald
    test of the log ratio ``z = log(C / B) / se`` with

    ``se^2 = scale * (1/C + 1/B + alpha * (sum c_m^2 / C^2 + sum b_m^2 / B^2))``

    (``C = sum c_m`` over the window, ``B = sum b_m`` a year earlier; the
    negative-binomial variance of each month with its count as the mean),
    never below the Poisson ``1/C + 1/B``; the exact test when that is all
    there is or ``C`` is zero. Then Benjamini-Hochberg across groups;
    ``direction`` is ``falling``/``rising`` when ``q < alpha``, else
    ``no_trend``. A window with a base of zero (a department that did not
    exist a year earlier) is not tested.
    """
    month = pd.Period(month, "M")
    window = [month - i for i in range(months)]
    before = [m - 12 for m in window]
    wide = table.pivot_table(index=by, columns=MONTH, values=value, aggfunc="sum", observed=True)
    wide = wide.reindex(columns=[*window, *before]).astype(float)  # a month absent from the table is NaN
    replaced = pd.Series(0, index=wide.index)
    if disp is not None:  # a surge is reported as a surge, not as a change of level
        sg = disp.surges[disp.surges.group.isin(wide.index) & disp.surges[MONTH].isin(wide.columns)]
        for g, m, f in zip(sg.group, sg[MONTH], sg.fitted):
            wide.loc[g, m] = np.round(f)
        replaced = replaced.add(sg.group.value_counts(), fill_value=0).astype(int)
    cur = wide[window].sum(axis=1).where(wide[window].notna().all(axis=1))
    base = wide[before].sum(axis=1).where(wide[before].notna().all(axis=1))
    ok = (cur.notna() & base.notna() & (base > 0)).to_numpy()
    out = pd.DataFrame({by: wide.index, "current": np.where(ok, cur, np.nan), "base": np.where(ok, base, np.nan)})
    out["ratio"] = out.current / out.base
    out["surge_months"] = replaced.reindex(wide.index).to_numpy()
    c, b = out.current.to_numpy(), out.base.to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        poisson = 1 / c + 1 / b
        if disp is None:
            inflation = np.ones(len(out))
        else:
            sq = (wide[window] ** 2).sum(axis=1).to_numpy() / c ** 2 + (wide[before] ** 2).sum(axis=1).to_numpy() / b ** 2
            inflation = disp.factor(wide.index) * (poisson + disp.alpha * sq) / poisson
        z = (np.log(c / b) - np.log(reference)) / np.sqrt(np.maximum(inflation, 1.0) * poisson)
    out["p_value"] = [np.nan if not k else (float(2 * sps.norm.sf(abs(zz))) if f > 1 and cc > 0
                                            else rate_ratio_test(cc, bb, exposure_ratio=reference))
                      for k, zz, f, cc, bb in zip(ok, z, inflation, c, b)]
    reject, out["q_value"] = bh_adjust(out.p_value, alpha)
    out["direction"] = np.where(reject & (out.ratio < reference), "falling",
                                np.where(reject & (out.ratio > reference), "rising", "no_trend"))
    return out


def city_ratio(exposure: pd.Series | None, month: pd.Period, months: int) -> float:
    """The city's orders over the last ``months`` months up to ``month`` over the same months a year earlier
    (1 without ``exposure`` or when either sum is zero)."""
    if exposure is None:
        return 1.0
    window = [pd.Period(month, "M") - i for i in range(months)]
    now, before = exposure.reindex(window).sum(), exposure.reindex([m - 12 for m in window]).sum()
    return float(now / before) if before > 0 and now > 0 else 1.0


def outlier_months(table: pd.DataFrame, month: pd.Period, months: int, level: float, value: str = "net_complaints",
                   by: str = S.DEPARTMENT, exposure: pd.Series | None = None, disp: Dispersion | None = None,
                   recent: int = 0) -> pd.DataFrame:
    """Single months that stand out above what the months before them predict (surges, flagged or not).

    For each of the last ``months`` months ``j`` up to ``month``, a group's
    count is an outlier when it exceeds the upper ``level`` bound of
    :func:`expected_count` fitted on the group's months before ``j`` (with
    ``exposure``, ``recent`` and the common variance of ``disp``):
    ``count_j > upper_j``. A surge in the last months must not be read as a
    change of level. Columns: ``group, month, observed, fitted`` (as
    :attr:`Dispersion.surges`).
    """
    month = pd.Period(month, "M")
    rows = []
    for name, g in table.groupby(by, observed=True):
        s = g.set_index(MONTH)[value].sort_index().astype(float)
        var = None if disp is None else (disp.alpha, float(disp.factor([name])[0]))
        for j in (month - i for i in range(months)):
            obs = s.get(j, np.nan)
            if not obs > 0 or (s[s.index < j] > 0).sum() < 12:
                continue
            mu, upper, _ = expected_count(s[s.index < j], j, level, exposure=exposure, recent=recent, disp=var)
            if obs > upper:  # NaN (no fit): never an outlier
                rows.append((name, j, obs, mu))
    return pd.DataFrame(rows, columns=["group", MONTH, "observed", "fitted"])


def set_aside(disp: Dispersion, months: pd.DataFrame) -> Dispersion:
    """``disp`` whose ``surges`` also hold ``months`` (group, month, observed, fitted; no month twice)."""
    both = pd.concat([disp.surges, months], ignore_index=True).drop_duplicates(["group", MONTH])
    return Dispersion(disp.alpha, disp.scale, disp.scale0, disp.prior_df, both)


def _nb_fit(y: np.ndarray, X: np.ndarray, offset: np.ndarray, alpha: float):
    """A negative-binomial (NB2, fixed ``alpha``; Poisson when 0) GLM fit, or None when it fails."""
    family = sm.families.NegativeBinomial(alpha=alpha) if alpha > 0 else sm.families.Poisson()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = sm.GLM(y, X, family=family, offset=offset).fit()
    except (ValueError, np.linalg.LinAlgError):
        return None
    return fit if fit.converged and np.all(np.isfinite(fit.params)) else None


def level_shift(history: pd.Series, month: pd.Period, windows: list[int], exposure: pd.Series | None = None,
                alpha: float = 0.0, scale: float = 1.0, set_aside: dict | None = None,
                max_history: int = 36, ramps: list[int] = (), baseline_level: float | None = None) -> dict | None:
    """One group's last months against its earlier level: a step test per window, combined over the windows.

    For each window ``w`` a negative-binomial regression on the group's
    months up to ``month`` (at most ``max_history``, from its first month with
    orders)::

        log mu_m = log exposure_m + a + harmonics(m) + b [m in the last w months]

    (the first annual harmonic, the second too with 24 or more months before
    the window; variance ``scale * mu (1 + alpha mu)``, :class:`Dispersion`),
    so ``exp(b)`` is the window's level against the group's earlier level,
    allowing for its season and for the city's volume (``exposure``: a month
    in which every department falls, the Spring Festival's, is not a fall).
    For each of ``ramps`` the regressor is instead ``1, 2, ..., w`` over the
    window's months (a steady change of ``exp(b)`` a month). ``z = b / se(b)``. The windows' statistics are correlated (the windows
    are nested); the group's p-value is that of the largest ``|z|`` under their
    joint normal distribution (``P(max |Z_w| >= |z|)``, the correlations from
    each estimate's linear weights on the months under the model without a
    step), never below the single test's. Months in ``set_aside``
    (``{month: fitted}``: surges) are left out of the fits; in ``current``
    they count at their fitted value. With ``baseline_level``, a month before
    the longest window whose Pearson residual under the model without a step
    lies outside the two-sided ``baseline_level`` bound is left out too: one
    month far above or below the rest must not set the earlier level a
    window is judged against.

    A window needs at least 12 earlier months with orders and at least 5
    orders per parameter. Returns ``window`` (the largest ``|z|``), ``kind``
    (``step`` or ``ramp``), ``current`` (its orders), ``base`` (those
    expected at the earlier level: each month's count over its fitted
    change), ``ratio`` (``current / base``; ``exp(b)`` for a step), ``z``,
    ``p_value`` and ``set_aside`` (months of the window left out); None when
    no window is testable.
    """
    from scipy.stats import multivariate_normal

    month = pd.Period(month, "M")
    set_aside = set_aside or {}
    h = history[(history.index <= month) & (history.index > month - max_history)].astype(float)
    h = h[h.index >= (h[h > 0].index.min() if (h > 0).any() else month)]
    if exposure is not None:
        h = h[(exposure.reindex(h.index).fillna(0) > 0).to_numpy()]
    kept = h[~h.index.isin(list(set_aside))]
    y = kept.to_numpy()
    off = np.zeros(len(y)) if exposure is None else np.log(exposure.reindex(kept.index).to_numpy(float))
    ages = np.array([(month - m).n for m in kept.index])

    def no_step():  # the fit without a change, on the months kept
        return _nb_fit(y, np.column_stack([np.ones(len(y)), harmonics(kept.index.month, 1)]), off, alpha)

    null = no_step()
    if null is not None and baseline_level is not None:
        mu = null.fittedvalues
        r = (y - mu) / np.sqrt(max(scale, 1.0) * mu * (1 + alpha * mu))
        early = ages >= max([*windows, *ramps])  # before every window
        odd = early & (np.abs(r) > sps.norm.isf((1 - baseline_level) / 2))
        if odd.any():
            kept, y, off, ages = kept[~odd], y[~odd], off[~odd], ages[~odd]
            null = no_step()
    if null is None:
        return None
    w0 = null.fittedvalues / (1 + alpha * null.fittedvalues)  # IRLS weights under no step
    tests = []
    for kind, w in [("step", w) for w in windows] + [("ramp", w) for w in ramps]:
        step = np.clip(w - ages, 0, None).astype(float) if kind == "ramp" else (ages < w).astype(float)
        before = int((step == 0).sum())
        if before < 12 or step.sum() == 0 or y[step == 0].sum() == 0:
            continue
        X = np.column_stack([np.ones(len(y)), harmonics(kept.index.month, 2 if before >= 24 else 1), step])
        fit = None if y.sum() < 5 * X.shape[1] else _nb_fit(y, X, off, alpha)
        if fit is None:
            continue
        b, var = float(fit.params[-1]), float(fit.cov_params()[-1, -1]) * max(scale, 1.0)
        weights = np.linalg.solve(X.T @ (w0[:, None] * X), X.T * w0)[-1]  # b's weights on the working response
        tests.append((w, b, b / np.sqrt(var), weights, kind))
    if not tests:
        return None
    z = np.array([t[2] for t in tests])
    L = np.array([t[3] for t in tests]) / np.sqrt(w0)
    cov = L @ L.T
    corr = cov / np.sqrt(np.outer(np.diag(cov), np.diag(cov)))
    i = int(np.argmax(np.abs(z)))
    top = abs(z[i])
    p = float(2 * sps.norm.sf(top))
    if len(tests) > 1:
        box = np.full(len(tests), top)
        joint = multivariate_normal(np.zeros(len(tests)), corr, allow_singular=True, seed=0, abseps=1e-4, releps=1e-3)
        p = float(min(max(1 - joint.cdf(box, lower_limit=-box), p), 1.0))
    w, b, kind = tests[i][0], tests[i][1], tests[i][4]
    inside = [m for m in h.index if (month - m).n < w]
    counts = np.array([np.round(set_aside[m]) if m in set_aside else h[m] for m in inside], dtype=float)
    effect = np.exp(b * np.array([w - (month - m).n if kind == "ramp" else 1 for m in inside]))
    current = float(counts.sum())
    return {"window": w, "kind": kind, "current": current, "base": float((counts / effect).sum()),
            "ratio": float(current / (counts / effect).sum()) if current > 0 else float(np.exp(b)),
            "z": float(z[i]), "p_value": p, "set_aside": sum(m in set_aside for m in inside)}


def year_on_year(history: pd.Series, year: int, alpha: float = 0.0, scale: float = 1.0,
                 level: float = 0.95) -> dict:
    """A group's total of ``year`` against the year before, from its 24 monthly counts.

    A negative-binomial regression (NB2 ``alpha``, variance times ``scale`` when
    above 1, :class:`Dispersion`) ``log mu_m = a + harmonic(m) + b [m in year]``:
    ``ratio = exp(b)`` with its ``level`` interval and the one-sided p-value of
    a rise (``b > 0``). The month-to-month variation the exact Poisson test of
    the two totals ignores widens the interval. When the regression cannot be
    fitted (a year without orders) the p-value is the exact conditional
    Poisson test's and the interval is missing. Keys: ``ratio, ci_low,
    ci_high, p_value``.
    """
    months = pd.period_range(f"{year - 1}-01", f"{year}-12", freq="M")
    y = history.reindex(months).fillna(0).to_numpy(float)
    cur, prev = y[12:].sum(), y[:12].sum()
    step = (np.arange(24) >= 12).astype(float)
    fit = _nb_fit(y, np.column_stack([np.ones(24), harmonics(months.month, 1), step]), np.zeros(24), alpha)
    if fit is None or prev == 0 or cur == 0:
        ratio = cur / prev if prev > 0 else np.nan
        return {"ratio": ratio, "ci_low": np.nan, "ci_high": np.nan,
                "p_value": rate_ratio_test(int(cur), int(prev), "greater") if prev + cur > 0 else np.nan}
    b, se = float(fit.params[-1]), float(np.sqrt(fit.cov_params()[-1, -1] * max(scale, 1.0)))
    z = sps.norm.isf((1 - level) / 2)
    return {"ratio": float(np.exp(b)), "ci_low": float(np.exp(b - z * se)), "ci_high": float(np.exp(b + z * se)),
            "p_value": float(sps.norm.sf(b / se))}


def trend_scan(table: pd.DataFrame, month: pd.Period, windows: list[int], value: str = "net_complaints",
               by: str = S.DEPARTMENT, alpha: float = 0.05, exposure: pd.Series | None = None,
               disp: Dispersion | None = None, outlier_level: float | None = None,
               recent: int = 0, max_history: int = 36, ramps: list[int] = (),
               baseline_level: float | None = None) -> pd.DataFrame:
    """A group's trend: its last 1, 2, 3, 6 or 12 months (``windows``; ``ramps``: a steady change over the
    window) against its earlier level.

    :func:`level_shift` for every group (the negative-binomial variance of
    ``disp``, :func:`dispersion`, estimated with ``exposure`` unless given),
    then Benjamini-Hochberg across groups: ``falling``/``rising`` when
    ``q < alpha``. A month standing out as a surge (``disp.surges``, and
    with ``outlier_level`` the months :func:`outlier_months` finds above
    the bound of the group's own earlier months) is left out, so a surge is
    not read as a change of level. Columns: ``by, window, kind, current, base,
    ratio, z, surge_months, p_value, q_value, direction`` (``base``: the
    window's orders expected at the earlier level; ``window`` NaN when none
    is testable).
    """
    disp = dispersion(table, month, value, by, exposure=exposure) if disp is None else disp
    if outlier_level is not None:
        disp = set_aside(disp, outlier_months(table, month, max(windows), outlier_level, value, by, exposure, disp,
                                              recent))
    rows = []
    for name, g in table.groupby(by, observed=True):
        s = g.set_index(MONTH)[value].sort_index()
        sg = disp.surges[disp.surges.group == name]
        r = level_shift(s, month, windows, exposure, disp.alpha, float(disp.factor([name])[0]),
                        dict(zip(sg[MONTH], sg.fitted)), max_history, list(ramps), baseline_level)
        rows.append({by: name, **(r or {})})
    cols = ["window", "current", "base", "ratio", "z", "p_value", "set_aside"]
    out = pd.DataFrame(rows).reindex(columns=[by, "kind", *cols])
    out = out.astype({c: float for c in cols})
    out["surge_months"] = out.pop("set_aside").fillna(0).astype(int)
    reject, out["q_value"] = bh_adjust(out.p_value, alpha)
    out["direction"] = np.where(reject & (out.z < 0), "falling", np.where(reject & (out.z > 0), "rising", "no_trend"))
    return out[[by, "window", "kind", "current", "base", "ratio", "z", "surge_months", "p_value", "q_value",
                "direction"]]
