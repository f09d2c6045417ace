"""Rankings: departments ranked by net complaints in a month, and the year's review candidates.

:func:`rank_month` ranks the month with the change of rank since the month
before; :func:`review_candidates` lists the annual review's candidates (the
top N by annual count plus significant risers, after Benjamini-Hochberg
control). Flags are in :mod:`hotline_analysis.flags`, the count models in
:mod:`hotline_analysis.count_models`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import schema as S
from .metrics import MONTH
from .settings import Settings
from .stats import bh_adjust


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


def review_candidates(table: pd.DataFrame, year: int, settings: Settings, value: str = "net_complaints",
                      by: str = S.DEPARTMENT) -> pd.DataFrame:
    """Annual review candidates: the top N by annual count, plus significant annual risers.

    Columns: ``by, annual, previous, change_pct, rank, ratio, ci_low, ci_high,
    p_value, q_value, top_n, significant_rise, candidate``; N is
    ``settings.ranking.review_top_n``; the rise test is
    :func:`hotline_analysis.count_models.year_on_year` on each group's monthly
    counts (the variation beyond Poisson of :func:`~hotline_analysis.count_models.dispersion`
    over the two years: ``ratio`` of the annual totals and its 95% interval,
    one-sided p-value), with BH control at ``settings.flags.commend.alpha``.
    """
    from .count_models import dispersion, year_on_year

    t = table.assign(year=table[MONTH].dt.year)
    annual = t.groupby([by, "year"], observed=True)[value].sum().unstack("year")
    cur = annual.get(year, pd.Series(0, index=annual.index)).fillna(0)
    prev = annual.get(year - 1, pd.Series(np.nan, index=annual.index))
    out = pd.DataFrame({by: annual.index, "annual": cur.to_numpy(), "previous": prev.to_numpy()})
    with np.errstate(divide="ignore", invalid="ignore"):
        out["change_pct"] = (out.annual / out.previous - 1) * 100
    out["rank"] = out.annual.rank(ascending=False, method="min").astype(int)
    tests = pd.DataFrame(index=out.index, columns=["ratio", "ci_low", "ci_high", "p_value"], dtype=float)
    if prev.notna().any():
        disp = dispersion(table, pd.Period(f"{year}-12", "M"), value, by)
        months = {name: g.set_index(MONTH)[value] for name, g in table.groupby(by, observed=True)}
        for i, name in zip(out.index, out[by]):
            if not np.isnan(out.previous[i]):
                tests.loc[i] = year_on_year(months[name], year, disp.alpha, float(disp.factor([name])[0]))
    out = pd.concat([out, tests], axis=1)
    reject, out["q_value"] = bh_adjust(out.p_value, settings.flags.commend.alpha)
    out["top_n"] = out["rank"] <= settings.ranking.review_top_n
    out["significant_rise"] = reject & (out.annual > out.previous)
    out["candidate"] = out.top_n | out.significant_rise
    return out.sort_values("rank").reset_index(drop=True)
