"""The calendar of demand: weekdays, seasons, the Spring Festival lull, hours of the day."""

from __future__ import annotations

import numpy as np
import pandas as pd

SPRING_FESTIVAL = {
    2017: "2017-01-28", 2018: "2018-02-16", 2019: "2019-02-05", 2020: "2020-01-25",
    2021: "2021-02-12", 2022: "2022-02-01", 2023: "2023-01-22", 2024: "2024-02-10",
    2025: "2025-01-29", 2026: "2026-02-17",
}
WEEKDAY_FACTOR = np.array([1.08, 1.05, 1.03, 1.02, 1.00, 0.92, 0.90])
MONTH_FACTOR = {1: 1.06, 2: 0.97, 3: 0.98, 4: 0.97, 5: 0.99, 6: 1.03, 7: 1.08, 8: 1.08, 9: 0.98, 10: 0.95, 11: 0.98,
                12: 1.05}
HOUR_WEIGHTS = np.array([1, 1, 1, 1, 1, 2, 4, 8, 14, 16, 15, 12, 8, 10, 14, 14, 13, 11, 9, 8, 6, 4, 2, 1], float)


def day_weights(days: pd.DatetimeIndex) -> np.ndarray:
    """Relative daily volume (mean 1): weekday, Spring Festival holidays and season."""
    w = WEEKDAY_FACTOR[days.day_of_week.to_numpy()]
    for year in np.unique(days.year):
        sf = pd.Timestamp(SPRING_FESTIVAL[int(year)])
        off = (days - sf).days.to_numpy()
        w = np.where((off >= -1) & (off <= 3), w * 0.45, w)
        w = np.where(((off >= -4) & (off <= -2)) | ((off >= 4) & (off <= 7)), w * 0.75, w)
    w = w * np.array([MONTH_FACTOR[m] for m in days.month])
    return w / w.mean()


def month_factor(days: pd.DatetimeIndex, w: np.ndarray, months: pd.PeriodIndex) -> np.ndarray:
    """Expected share of a year's volume that falls in each month (x12)."""
    per = days.to_period("M")
    tot = pd.Series(w, index=per).groupby(level=0).sum()
    return (tot.reindex(months).to_numpy() / 365.25) * 12
