"""Flags: who is called before the committee for a surge, and who is commended.

A flag must not be noise: a surge (:func:`surge_flags`) needs both a large
change and a count above the upper prediction bound of a model of the
department's own history; a commendation (:func:`commendations`) needs a
large fall year over year that is significant after Benjamini-Hochberg
control across departments. The count models are in
:mod:`hotline_analysis.count_models`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import schema as S
from .count_models import Dispersion, dispersion, expected_count, yoy_test
from .metrics import MONTH
from .settings import Settings


def surge_flags(table: pd.DataFrame, month: pd.Period, settings: Settings, value: str = "net_complaints",
                by: str = S.DEPARTMENT, exposure: pd.Series | None = None) -> pd.DataFrame:
    """Surge check for every group in ``month`` (rules: ``settings.flags.surge``).

    Columns: ``by, observed, expected, upper, change_pct, surge``.  ``surge``
    is true only when the count is at least ``min_count``, at least
    ``min_change_pct`` above the expected count **and** above the upper
    prediction bound of :func:`hotline_analysis.count_models.expected_count`
    (which ``exposure`` is passed to); groups with fewer than
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
        mu, upper, _ = expected_count(hist, month, rules.prediction_level, exposure=exposure)
        change = (obs / mu - 1) * 100 if mu > 0 else np.nan  # NaN (no fit): never a surge
        big_enough = obs >= rules.min_count  # a handful of orders is never a surge
        rows.append((name, obs, mu, upper, change,
                     bool(big_enough and obs > upper and change >= rules.min_change_pct)))
    return pd.DataFrame(rows, columns=[by, "observed", "expected", "upper", "change_pct", "surge"])


def commendations(table: pd.DataFrame, month: pd.Period, settings: Settings, value: str = "net_complaints",
                  by: str = S.DEPARTMENT, exposure: pd.Series | None = None,
                  disp: Dispersion | None = None) -> pd.DataFrame:
    """Departments that improved significantly: this month against the same month last year.

    A group is commended when its count fell by at least
    ``settings.flags.commend.min_fall_pct`` percent and the fall is
    significant (:func:`hotline_analysis.count_models.yoy_test` with the
    groups' :func:`~hotline_analysis.count_models.dispersion`) after BH
    control (``settings.flags.commend.alpha``). Columns: those of
    :func:`~hotline_analysis.count_models.yoy_test` plus ``commend``.
    """
    disp = dispersion(table, month, value, by, exposure=exposure) if disp is None else disp
    rules = settings.flags.commend
    out = yoy_test(table, month, 1, value, by, rules.alpha, disp)
    out["commend"] = (out.direction == "falling") & ((1 - out.ratio) * 100 >= rules.min_fall_pct)
    return out
