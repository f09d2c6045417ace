"""Flags: who is called before the committee for a surge, and who is commended.

A flag must not be noise: a surge (:func:`surge_flags`) needs both a large
change and a count above the upper prediction bound of a model of the
department's own history; a commendation (:func:`commendations`) needs a
large fall year over year that is significant after Benjamini-Hochberg
control across departments. The count models are in
:mod:`hotline_analysis.count_models`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import schema as S
from .count_models import Dispersion, city_ratio, dispersion, expected_count, yoy_test
from .metrics import MONTH
from .settings import Settings, load_settings  # noqa: F401 (load_settings: the doctest)


def surge_flags(table: pd.DataFrame, month: pd.Period, settings: Settings, value: str = "net_complaints",
                by: str = S.DEPARTMENT, exposure: pd.Series | None = None,
                disp: Dispersion | None = None) -> pd.DataFrame:
    """Surge check for every group in ``month`` (rules: ``settings.flags.surge``).

    Columns: ``by, observed, expected, upper, change_pct, surge``.  ``surge``
    is true only when the count is at least ``min_count``, at least
    ``min_change_pct`` above the expected count **and** above the upper
    prediction bound of :func:`hotline_analysis.count_models.expected_count`
    (which ``exposure``, ``recent_months`` and, with ``disp``, the common
    variance of :func:`hotline_analysis.count_models.dispersion` are passed
    to), and never when the count fell month on month; groups with fewer than
    ``min_history_months`` of history are not judged (``surge`` false,
    ``expected`` NaN).
    """
    rules = settings.flags.surge
    month = pd.Period(month, "M")
    rows = []
    for name, g in table.groupby(by, observed=True):
        s = g.set_index(MONTH)[value].sort_index()
        obs = float(s.get(month, np.nan))
        hist = s[s.index < month]
        if len(hist) < rules.min_history_months or np.isnan(obs) or hist.sum() == 0:
            rows.append((name, obs, np.nan, np.nan, np.nan, False))
            continue
        var = None if disp is None else (disp.alpha, float(disp.factor([name])[0]))
        mu, upper, _ = expected_count(hist, month, rules.prediction_level, exposure=exposure,
                                      recent=rules.recent_months, disp=var)
        change = (obs / mu - 1) * 100 if mu > 0 else np.nan  # NaN (no fit): never a surge
        big_enough = obs >= rules.min_count  # a handful of orders is never a surge
        rose = not obs < s.get(month - 1, 0)  # a month that fell month on month is never a surge
        rows.append((name, obs, mu, upper, change,
                     bool(big_enough and rose and obs > upper and change >= rules.min_change_pct)))
    return pd.DataFrame(rows, columns=[by, "observed", "expected", "upper", "change_pct", "surge"])


def commendations(table: pd.DataFrame, month: pd.Period, settings: Settings, value: str = "net_complaints",
                  by: str = S.DEPARTMENT, exposure: pd.Series | None = None,
                  disp: Dispersion | None = None) -> pd.DataFrame:
    """Candidates for commendation (典型): a sustained fall, judged against the city's volume.

    Over the last ``w = settings.flags.commend.window_months`` months against
    the same months a year earlier, each group's ratio ``C / B`` is tested
    against the city's own ratio over those months (``exposure``: the city's
    orders per month; without it, against 1) with
    :func:`hotline_analysis.count_models.yoy_test`, Benjamini-Hochberg at
    ``settings.flags.commend.alpha``. A group is a candidate when it fell
    significantly relative to the city and by at least ``min_fall_pct``
    percent: ``relative_ratio = (C / B) / (C_city / B_city) <= 1 - min_fall_pct / 100``.
    A holiday that moves between months (the Spring Festival) lowers the city
    as much as the group, so it does not count. Which candidates are
    commended (at most ``max_departments``, none that is called before the
    committee or whose satisfaction is significantly below the city's) is
    decided by :func:`hotline_analysis.month.actions.action_list`.
    Columns: those of :func:`~hotline_analysis.count_models.yoy_test` plus
    ``window, reference, relative_ratio, candidate``.
    """
    disp = dispersion(table, month, value, by, exposure=exposure) if disp is None else disp
    rules = settings.flags.commend
    reference = city_ratio(exposure, month, rules.window_months)
    out = yoy_test(table, month, rules.window_months, value, by, rules.alpha, disp, reference=reference)
    out["window"], out["reference"] = rules.window_months, reference
    out["relative_ratio"] = out.ratio / reference
    out["candidate"] = (out.direction == "falling") & ((1 - out.relative_ratio) * 100 >= rules.min_fall_pct)
    return out


@dataclass(frozen=True)
class Completeness:
    """Whether a month's orders are all there (see :func:`month_completeness`): ``complete`` and why not."""

    complete: bool
    code: str = ""  # "early_end" (figures: last day, days early) or "low_volume" (count, months, median[, scaled to the city's volume])
    figures: tuple = ()

    @property
    def reason(self) -> str:
        """Why not, in words (empty when complete); :mod:`hotline_analysis.labels` has the pack's wording."""
        if self.code == "early_end":
            last, gap = self.figures
            return f"orders end on {last}, {gap} days before the month does"
        if self.code == "low_volume":
            now, months, median = self.figures[:3]
            scaled = " scaled to the city's volume" if self.figures[3:] == (True,) else ""
            return (f"{now:,.0f} orders, {now / median:.0%} of the median of the previous {months} months{scaled} "
                    f"({median:,.0f})")
        return ""

    def to_dict(self) -> dict:
        """``complete``, ``reason`` (words or None), ``code`` and ``figures`` (for other languages' wording)."""
        return {"complete": self.complete, "reason": self.reason or None, "code": self.code or None,
                "figures": list(self.figures)}


def month_completeness(counts: pd.Series, month: pd.Period, settings: Settings,
                       last_received: pd.Timestamp | None = None,
                       exposure: pd.Series | None = None) -> Completeness:
    """Is ``month`` complete, for the whole city or for one unit (rules: ``settings.flags.completeness``)?

    ``counts``: orders per month (a PeriodIndex) up to ``month``; ``last_received``: the month's last
    order's time, when known. The month is incomplete when

    * its orders end ``max_missing_days`` or more days before the month does
      (``gap = month end day - last received day >= max_missing_days``) and a
      silence that long is unlikely at the month's own rate ``r`` (orders per
      day up to the last one): ``exp(-r * gap) < gap_alpha`` (Poisson), or
    * its count is below ``min_share`` times the median of the previous
      ``history_months`` months (``count < min_share * median``; judged with
      at least 3 such months and a median of at least ``min_median``). With
      ``exposure`` (the city's orders per month, for a unit) each earlier
      month is first scaled to the city's volume this month
      (``count_m * exposure[month] / exposure_m``), so a month in which the whole
      city is quieter (the Spring Festival's) does not make a unit's month look
      incomplete.

    Returns :class:`Completeness` with the reason in words (empty when complete).

    Examples
    --------
    >>> s = pd.Series([100, 110, 90, 4], index=pd.period_range("2021-01", periods=4, freq="M"))
    >>> month_completeness(s, pd.Period("2021-04", "M"), load_settings()).complete
    False
    """
    rules = settings.flags.completeness
    month = pd.Period(month, "M")
    if last_received is not None and not pd.isna(last_received):
        gap = (month.end_time.normalize() - pd.Timestamp(last_received).normalize()).days
        rate = float(counts.get(month, 0)) / max(pd.Timestamp(last_received).day, 1)
        if gap >= rules.max_missing_days and np.exp(-rate * gap) < rules.gap_alpha:
            return Completeness(False, "early_end", (f"{pd.Timestamp(last_received):%Y-%m-%d}", gap))
    before = counts[(counts.index < month) & (counts.index >= month - rules.history_months)]
    if exposure is not None and exposure.get(month, 0) > 0:
        city = exposure.reindex(before.index)
        before = (before * exposure[month] / city)[(city > 0).to_numpy()]
    now = float(counts.get(month, 0))
    if len(before) >= 3 and before.median() >= rules.min_median and now < rules.min_share * before.median():
        scaled = (True,) if exposure is not None and exposure.get(month, 0) > 0 else ()
        return Completeness(False, "low_volume", (now, len(before), float(before.median()), *scaled))
    return Completeness(True)


def quiet_units(table: pd.DataFrame, month: pd.Period, value: str = "net_complaints",
                by: str = S.DEPARTMENT) -> set:
    """Groups with no ``value`` in any compared month (``month``, the month before, the same month a year
    earlier): never flagged nor commended."""
    month = pd.Period(month, "M")
    t = table[table[MONTH].isin([month, month - 1, month - 12])]
    total = t.groupby(by, observed=True)[value].sum()
    return set(table[by].unique()) - set(total[total > 0].index)
