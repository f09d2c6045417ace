"""Statistics a committee can rely on: trends, satisfaction shifts, look-back effects.

Each analysis returns a small frozen result object with the estimate, its
interval and p-value, ``summary()`` (one line of text) and ``to_frame()``
(a one-row tidy frame), in the manner of statsmodels results.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import pymannkendall as mk
import statsmodels.api as sm
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest
from statsmodels.tools.sm_exceptions import SingularMatrixWarning


class _Result:
    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([asdict(self)])


# --- trends -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendResult(_Result):
    """Seasonal Mann-Kendall test with Sen's slope (per year)."""

    trend: str  # "falling", "rising" or "no_trend"
    p_value: float
    z: float
    slope_per_year: float
    tau: float
    n: int

    def summary(self) -> str:
        return (f"{self.trend}: Sen's slope {self.slope_per_year:+.2f} per year, Kendall tau {self.tau:+.2f}, "
                f"z = {self.z:.2f}, p = {self.p_value:.3g} (n = {self.n})")


def trend_test(series: pd.Series, period: int = 12, alpha: float = 0.05) -> TrendResult:
    """Seasonal Mann-Kendall trend test (Hirsch et al. 1982) with seasonal Sen's slope.

    ``series`` is a monthly count series in time order.  Each calendar month is
    compared only with the same month of other years, so the seasonal cycle
    cannot pose as a trend.  Uses :func:`pymannkendall.seasonal_test`.

    Notes
    -----
    ``S = sum over seasons of sum_{i<j} sign(x_j - x_i)``; z is S corrected for
    continuity over its standard deviation; the slope is the median of
    ``(x_j - x_i) / (j - i)`` within seasons, in units per year.
    """
    x = np.asarray(series, dtype=float)
    r = mk.seasonal_test(x, period=period, alpha=alpha)
    trend = {"increasing": "rising", "decreasing": "falling"}.get(r.trend, "no_trend")
    return TrendResult(trend, float(r.p), float(r.z), float(r.slope), float(r.Tau), int(len(x)))


# --- satisfaction shifts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShiftResult(_Result):
    """Difference of two satisfaction rates (current minus base), in percentage points."""

    rate: float
    base_rate: float
    delta_pp: float
    ci_low_pp: float
    ci_high_pp: float
    p_value: float
    test: str  # "z" (two-proportion z-test) or "fisher" (exact, for small expected counts)
    n: int
    base_n: int

    def summary(self) -> str:
        return (f"{self.rate:.2%} vs {self.base_rate:.2%}: {self.delta_pp:+.2f} pp "
                f"[{self.ci_low_pp:+.2f}, {self.ci_high_pp:+.2f}], p = {self.p_value:.3g} ({self.test})")


def satisfaction_shift(pos: int, n: int, base_pos: int, base_n: int, min_expected: float = 5) -> ShiftResult:
    """Compare two satisfaction rates ``pos/n`` (current) and ``base_pos/base_n``.

    The two-proportion z-test is used when every expected cell count is at
    least ``min_expected``; otherwise Fisher's exact test.  The interval for
    the difference is Newcombe's hybrid score interval, which behaves near 0%
    and 100% (rates here are near 99.8%).
    """
    if n == 0 or base_n == 0:
        nan = float("nan")
        return ShiftResult(nan, nan, nan, nan, nan, nan, "none", n, base_n)
    table = np.array([[pos, n - pos], [base_pos, base_n - base_pos]])
    expected = table.sum(0) * table.sum(1)[:, None] / table.sum()
    if (expected >= min_expected).all():
        _, p = proportions_ztest([pos, base_pos], [n, base_n])
        test = "z"
    else:
        _, p = sps.fisher_exact(table)
        test = "fisher"
    lo, hi = confint_proportions_2indep(pos, n, base_pos, base_n, method="newcomb", compare="diff")
    r, b = pos / n, base_pos / base_n
    return ShiftResult(r, b, (r - b) * 100, lo * 100, hi * 100, float(p), test, int(n), int(base_n))


def bh_adjust(p_values, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Benjamini-Hochberg: (reject, q-values); NaN p-values are never rejected."""
    p = np.asarray(p_values, dtype=float)
    ok = ~np.isnan(p)
    reject = np.zeros(len(p), dtype=bool)
    q = np.full(len(p), np.nan)
    if ok.any():
        reject[ok], q[ok], _, _ = multipletests(p[ok], alpha=alpha, method="fdr_bh")
    return reject, q


# --- count comparisons ------------------------------------------------------------------------------------


def rate_ratio_test(current: int, base: int, alternative: str = "two-sided", exposure_ratio: float = 1.0) -> float:
    """p-value that two Poisson counts share one rate.

    Conditional (exact) test: given ``n = current + base``, ``current`` is
    Binomial(n, r / (1 + r)) under equal rates, where ``r`` is the exposure of
    the current period over that of the base (1 for two single months, 1/3 for
    one month against the three months before it).
    """
    n = int(current + base)
    if n == 0:
        return 1.0
    p0 = exposure_ratio / (1.0 + exposure_ratio)
    return float(sps.binomtest(int(current), n, p0, alternative=alternative).pvalue)


# --- interrupted time series and difference-in-differences --------------------------------------------------


@dataclass(frozen=True)
class ITSResult(_Result):
    """Segmented (quasi-)Poisson regression: step change at the intervention."""

    rate_ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    slope_change_rr: float  # per month; NaN without a slope term
    dispersion: float
    n_pre: int
    n_post: int

    def summary(self) -> str:
        return (f"step rate ratio {self.rate_ratio:.3f} [{self.ci_low:.3f}, {self.ci_high:.3f}], "
                f"p = {self.p_value:.3g}; {self.n_pre} months before, {self.n_post} after "
                f"(dispersion {self.dispersion:.2f})")


def harmonics(month_of_year, k: int = 2) -> np.ndarray:
    """Fourier terms sin/cos(2 pi j m / 12), j = 1..k, as in tsModel::harmonic."""
    m = np.asarray(month_of_year, dtype=float)
    return np.column_stack([f(2 * np.pi * j * m / 12) for j in range(1, k + 1) for f in (np.sin, np.cos)])


def its(counts, post, month_of_year=None, offset=None, seasonal: bool = True, slope_change: bool = False,
        quasi: bool = True, robust: bool = False) -> ITSResult:
    """Interrupted time series by segmented Poisson regression (Lopez Bernal et al. 2017).

    ``log E[count] = b0 + b1 t + b2 post (+ b3 (t - t0) post) (+ harmonics) (+ offset)``;
    the step rate ratio is ``exp(b2)``.  With ``quasi`` the standard errors are
    scaled by the Pearson dispersion (quasi-Poisson), never below 1: a series
    that happens to fit closely is not more certain than Poisson counts.  With ``robust``,
    pre-intervention months whose Pearson residual exceeds 3 (one-off surges
    that would lift the counterfactual) are left out and the model refitted once.
    """
    y = np.asarray(counts, dtype=float)
    post = np.asarray(post, dtype=float)
    t = np.arange(1, len(y) + 1, dtype=float)
    cols = [np.ones_like(t), t, post]
    if slope_change:
        t0 = t[post > 0][0] - 1 if (post > 0).any() else t[-1]
        cols.append((t - t0) * post)
    X = np.column_stack(cols)
    if seasonal:
        X = np.column_stack([X, harmonics(month_of_year)])
    off = np.zeros(len(y)) if offset is None else np.log(np.asarray(offset, dtype=float))
    keep = np.ones(len(y), dtype=bool)
    fit = sm.GLM(y, X, family=sm.families.Poisson(), offset=off).fit(scale="X2" if quasi else None)
    if robust:
        mu = fit.mu
        keep = ~(((y - mu) / np.sqrt(mu) > 3) & (post == 0))
        if not keep.all():
            fit = sm.GLM(y[keep], X[keep], family=sm.families.Poisson(), offset=off[keep]).fit(
                scale="X2" if quasi else None)
    disp = float(fit.pearson_chi2 / fit.df_resid)
    inflate = np.sqrt(max(disp, 1.0) / fit.scale) if quasi else 1.0  # never narrower than Poisson
    b, se = fit.params[2], fit.bse[2] * inflate
    z = sps.norm.ppf(0.975)
    slope = float(np.exp(fit.params[3])) if slope_change else float("nan")
    with np.errstate(over="ignore"):  # a bound of +inf is the honest answer for an uninformative series
        lo, est, hi = np.exp([b - z * se, b, b + z * se])
    return ITSResult(float(est), float(lo), float(hi), float(2 * sps.norm.sf(abs(b / se))),
                     slope, disp, int(((post == 0) & keep).sum()), int((post > 0).sum()))


@dataclass(frozen=True)
class DiDResult(_Result):
    """Difference in differences on counts: supervised vs never-supervised departments."""

    rate_ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    n_treated: int
    n_control: int
    pretrend_rr: float  # per month, supervised relative to comparison, before supervision
    pretrend_p: float  # small: the groups already drifted apart before, parallel trends doubtful

    @property
    def parallel_trends_doubtful(self) -> bool:
        return bool(self.pretrend_p < 0.05)

    def summary(self) -> str:
        warn = (f"; parallel trends doubtful (pre-period drift {self.pretrend_rr:.3f}/month, p = {self.pretrend_p:.3g})"
                if self.parallel_trends_doubtful else "")
        return (f"DiD rate ratio {self.rate_ratio:.3f} [{self.ci_low:.3f}, {self.ci_high:.3f}], p = {self.p_value:.3g} "
                f"({self.n_treated} supervised vs {self.n_control} comparison departments){warn}")


def did(panel: pd.DataFrame, treated: list[str], start: pd.Period | dict, unit: str = "department",
        time: str = "month", value: str = "net_complaints") -> DiDResult:
    """Poisson difference-in-differences with unit and month fixed effects.

    ``log E[y_ut] = a_u + g_t + d * treated_u * post_t``; ``exp(d)`` is the
    ratio by which supervised units' counts changed beyond the change in
    comparison units.  Poisson estimates with standard errors clustered by
    unit.  The estimate is only as good as the parallel-trends assumption;
    the pre-period check fits ``a_u + g_t + c * treated_u * t`` on the months
    before ``start`` and reports ``exp(c)`` and its p-value. ``start`` is the
    first treated month, or a mapping of treated unit to its own first treated
    month (staggered supervision; the pre-period ends before the earliest).

    Raises ``ValueError`` when the panel holds no treated or no comparison
    unit, and ``np.linalg.LinAlgError`` when the effect cannot be estimated (a
    singular model): with nothing to compare, no estimate and no interval.
    """
    if isinstance(start, dict) and set(treated) - set(start):
        raise ValueError(f"no start month for treated units {sorted(set(treated) - set(start))}")
    d = panel[[unit, time, value]].reset_index(drop=True)
    is_treated = d[unit].isin(treated)
    if not is_treated.any() or is_treated.all():
        raise ValueError(f"the panel holds no {'treated' if not is_treated.any() else 'comparison'} unit")
    first = d[unit].map(start) if isinstance(start, dict) else pd.Series(start, index=d.index)
    d["treat_post"] = (is_treated & (d[time] >= first)).astype(float)
    b, se, p = _fe_poisson(d, unit, time, value, "treat_post")
    in_pre = (d[time] < (min(start.values()) if isinstance(start, dict) else start)).to_numpy()
    pre = d[in_pre].copy()
    pre["treat_trend"] = is_treated[in_pre].astype(float).to_numpy() * (pre[time] - pre[time].min()).map(lambda x: x.n)
    pb = pp = np.nan
    if pre[time].nunique() >= 3 and pre.treat_trend.any() and (~is_treated[in_pre]).any():
        try:
            pb, _, pp = _fe_poisson(pre, unit, time, value, "treat_trend")
        except (ValueError, np.linalg.LinAlgError):
            pass
    z = sps.norm.ppf(0.975)
    return DiDResult(float(np.exp(b)), float(np.exp(b - z * se)), float(np.exp(b + z * se)), float(p),
                     len(set(treated) & set(d[unit])), int(d.loc[~is_treated, unit].nunique()),
                     float(np.exp(pb)), float(pp))


def _fe_poisson(d: pd.DataFrame, unit: str, time: str, value: str, term: str) -> tuple[float, float, float]:
    """Coefficient, cluster-robust standard error and p-value of ``term`` in a two-way fixed-effects Poisson model.

    Raises ``np.linalg.LinAlgError`` when ``term`` is not identified (the fixed effects already explain it:
    the design loses rank with it) or its standard error is not a finite positive number."""
    X = pd.get_dummies(d[[unit]].astype(str), drop_first=True, dtype=float)
    X = X.join(pd.get_dummies(d[[time]].astype(str), drop_first=True, dtype=float))
    X.insert(0, "const", 1.0)
    X[term] = d[term]
    A = X.to_numpy(float)
    if np.linalg.matrix_rank(A) < np.linalg.matrix_rank(A[:, :-1]) + 1:
        raise np.linalg.LinAlgError(f"{term} is collinear with the fixed effects")
    with warnings.catch_warnings():  # a cluster covariance of few clusters is often singular: checked below
        warnings.simplefilter("ignore", SingularMatrixWarning)
        fit = sm.GLM(d[value].to_numpy(float), A, family=sm.families.Poisson()).fit(
            cov_type="cluster", cov_kwds={"groups": pd.factorize(d[unit])[0]})
    i = X.columns.get_loc(term)
    b, se, p = float(fit.params[i]), float(fit.bse[i]), float(fit.pvalues[i])
    if not (np.isfinite(b) and np.isfinite(se) and se > 0):
        raise np.linalg.LinAlgError(f"no standard error for {term}")
    return b, se, p
