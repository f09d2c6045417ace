"""The scenario's plan: department profiles, expected volumes and the planted effects.

Everything here is drawn from one random stream (``[seed, 0]``), in a fixed
order: unit profiles, seasonality, roles, trends, supervision and look-back
effects, surges, satisfaction shifts, hot topics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import paths
from ..catalog import load_districts, zibo_catalog
from .calendar import SPRING_FESTIVAL, day_weights, month_factor
from .units import Topics, Units, topics_of, units_of

# --- calibration constants --------------------------------------------------
RESOLUTION_MONTH = pd.Period("2020-08", "M")  # first month after the 2020-07-31 resolution
REVIEW_YOY = -0.09  # the 6 reviewed departments: -9% net complaints 2020 vs 2019
LARGEST_NET_2019 = 11_800  # net complaints of the largest department in 2019
N_FALLING, N_FLAT, N_RISING = 30, 4, 3
N_REVIEWED = 6
N_SURGES = 12
LOOKBACK_MONTHS = {"2020-11": 5, "2020-12": 4}
#: Hot topics planted in the article's months (the others start at a random month).
FIXED_HOT_MONTHS = {"公交线路与站牌": "2020-09", "养老服务漏洞": "2020-10", "公共体育场地管理不善": "2020-08",
                    "国企改制遗留问题": "2020-11", "冬季供暖不达标": "2020-12", "农民工工资清欠": "2020-12"}


@dataclass(frozen=True)
class ScenarioConfig:
    """Parameters of one synthetic scenario run."""

    start: str = "2019-01"
    end: str = "2021-02"
    scale: float = 1.0
    seed: int = 20200731
    xlsx_months: tuple[int, ...] = (6,)  # calendar months exported as XLSX rather than CSV

    def months(self) -> pd.PeriodIndex:
        return pd.period_range(self.start, self.end, freq="M")

    def validate(self) -> None:
        try:
            start, end = pd.Period(self.start, "M"), pd.Period(self.end, "M")
        except (ValueError, TypeError) as exc:
            raise ValueError(f"--start/--end must be YYYY-MM: {exc}") from None
        if end < start:
            raise ValueError(f"--end {self.end} is before --start {self.start}")
        if not 0 < self.scale <= 2:
            raise ValueError(f"--scale must be in (0, 2], got {self.scale}")
        if start.year < min(SPRING_FESTIVAL) or end.year > max(SPRING_FESTIVAL):
            raise ValueError(f"months must lie in {min(SPRING_FESTIVAL)}..{max(SPRING_FESTIVAL)}")


@dataclass
class Plan:
    """Expected volumes and planted effects of one scenario."""

    months: pd.PeriodIndex
    days: pd.DatetimeIndex
    day_weight: np.ndarray  # relative daily volume, mean 1 over a normal year
    units: Units
    topics: Topics
    size_net_2019: np.ndarray  # expected annual net complaints (departments)
    unreasonable: np.ndarray  # per unit share of complaint-like originals judged unreasonable
    other_ratio: np.ndarray  # other request types per complaint original (departments)
    on_time: np.ndarray
    resolve_p: np.ndarray
    dissat_p: np.ndarray  # base P(dissatisfied | surveyed, reasonable)
    trend: list[str]
    reviewed: np.ndarray  # bool per department
    multiplier: np.ndarray  # [dept, month] trend x review x look-back x surge
    supervised: dict[int, list[str]]
    surges: list[dict]
    sat_shifts: list[dict]
    lookback: list[dict]
    hot_months: dict[int, list[str]]  # topic index -> planted months
    surge_topic: dict[tuple[int, int], tuple[int, float]]  # (dept, month index) -> (topic carrying it, factor)
    season: np.ndarray  # [dept, month] seasonal factor
    district_names: list[str]
    district_p: np.ndarray
    handling: HandlingPlan


@dataclass
class HandlingPlan:
    """Planted handling differences: slow departments, one that sends many orders back, a backlog month.

    Drawn from its own random stream (``[seed, 6]``) so the other planted effects stay as they were.
    """

    slow: list[int]  # close late and respond slowly
    reassigning: int  # orders sent back and reassigned about twenty times as often
    backlog_month: pd.Period  # dispatched orders of its last ten days are often closed only after it ends


@dataclass
class Seasonality:
    """A cosine seasonal profile per department: amplitude and peak calendar month."""

    amp: np.ndarray
    peak: np.ndarray

    def factor(self, i: int, month_numbers: np.ndarray) -> np.ndarray:
        """Seasonal factor of department ``i`` in the given calendar months."""
        return 1 + self.amp[i] * np.cos(2 * np.pi * (month_numbers - self.peak[i]) / 12)


@dataclass
class Roles:
    """Department indices by planted role (the reviewed ones are the first N_REVIEWED)."""

    reviewed: np.ndarray  # bool per department
    lookback: list[int]  # falling, supervised in the look-back months, in draw order
    falling: list[int]  # the other falling departments
    flat: list[int]
    rising: list[int]

    def trends(self) -> list[str]:
        trend = ["falling"] * len(self.reviewed)
        for i in self.flat:
            trend[i] = "flat"
        for i in self.rising:
            trend[i] = "rising"
        return trend


def make_plan(config: ScenarioConfig) -> Plan:
    """Draw the scenario's departments profile and planted effects (deterministic by seed).

    The steps share one random stream, so their order is part of the scenario.
    """
    cat = zibo_catalog()
    rng = np.random.default_rng([config.seed, 0])
    units = units_of(cat)
    topics = topics_of(cat, units)
    months = config.months()
    days = pd.date_range(months[0].start_time, months[-1].end_time.normalize(), freq="D")
    nd = units.n_departments
    size = _department_sizes(nd)
    unreasonable, other_ratio, on_time, resolve_p, dissat_p = _unit_profiles(rng, len(units.names), nd)
    seasonality = _seasonality(cat, rng, nd)
    roles = _roles(rng, nd)
    mult = _trend_multiplier(roles, seasonality, months, rng)
    supervised, lookback = _supervision(roles, units, months, mult, rng)
    surges, surge_topic = _surges(roles, size, units, topics, supervised, months, mult, rng)
    sat_shifts = _satisfaction_shifts(units, months, rng)
    hot_months = _hot_months(topics, months, rng)
    dist = load_districts(paths.DISTRICTS_CSV)
    handling = _handling(config, size, on_time)
    return Plan(
        months=months, days=days, day_weight=day_weights(days), units=units, topics=topics, size_net_2019=size,
        unreasonable=unreasonable, other_ratio=other_ratio, on_time=on_time, resolve_p=resolve_p,
        dissat_p=dissat_p, trend=roles.trends(), reviewed=roles.reviewed, multiplier=mult, supervised=supervised,
        surges=surges, sat_shifts=sat_shifts, lookback=lookback, hot_months=hot_months, surge_topic=surge_topic,
        season=np.array([seasonality.factor(i, months.month.to_numpy()) for i in range(nd)]),
        district_names=dist.district.tolist(), district_p=(dist.population / dist.population.sum()).to_numpy(),
        handling=handling,
    )


def _department_sizes(nd: int) -> np.ndarray:
    """Expected 2019 net complaints: Zipf-like head, geometric tail (rank = catalogue order)."""
    r = np.arange(1, nd + 1)
    return np.where(r <= 8, LARGEST_NET_2019 * r ** -1.1, LARGEST_NET_2019 * 8 ** -1.1 * 0.955 ** (r - 8))


def _unit_profiles(rng: np.random.Generator, nu: int, nd: int) -> tuple[np.ndarray, ...]:
    """Per unit: unreasonable share, other-type ratio, on-time, resolution and dissatisfaction rates."""
    unreasonable = rng.uniform(0.015, 0.05, nu)
    other_ratio = rng.uniform(0.3, 0.8, nd)
    on_time = rng.uniform(0.95, 0.995, nu)  # published 按期办结率 are mostly 95-100%
    resolve_p = rng.uniform(0.80, 0.97, nu)
    dissat_p = rng.uniform(0.0004, 0.0022, nu)
    return unreasonable, other_ratio, on_time, resolve_p, dissat_p


#: On-time share of the planted slow departments (the others draw 95-99.5%).
SLOW_ON_TIME = 0.72


def _handling(config: ScenarioConfig, size: np.ndarray, on_time: np.ndarray) -> HandlingPlan:
    """Three slow departments and one reassigning department among the larger two thirds; the backlog in the
    month before the last. Sets the slow departments' on-time share in ``on_time``."""
    rng = np.random.default_rng([config.seed, 6])
    larger = np.flatnonzero(size >= np.quantile(size, 1 / 3))
    picked = rng.choice(larger, size=4, replace=False)
    slow = sorted(int(i) for i in picked[:3])
    on_time[slow] = SLOW_ON_TIME
    months = config.months()
    return HandlingPlan(slow=slow, reassigning=int(picked[3]), backlog_month=months[-2])


def _seasonality(cat: dict, rng: np.random.Generator, nd: int) -> Seasonality:
    """Random seasonal profiles; departments with seasonal topics peak with them."""
    amp = rng.uniform(0.04, 0.12, nd)
    peak = rng.integers(1, 13, nd)
    for i, d in enumerate(cat["departments"]):
        seasons = [t["season"] for t in d["topics"] if t.get("season")]
        if seasons:
            amp[i], peak[i] = 0.25, seasons[0][len(seasons[0]) // 2]
    return Seasonality(amp, peak)


def _roles(rng: np.random.Generator, nd: int) -> Roles:
    """6 reviewed (top by 2019 size), 9 look-back, 15 other falling, 4 flat, 3 rising.

    Larger departments are planted with effects that a month-by-month test can see at full
    scale: the 9 look-back departments come next after the reviewed six, then the other
    falling ones; the 7 flat or rising departments are among the smallest.
    """
    reviewed = np.zeros(nd, bool)
    reviewed[:N_REVIEWED] = True
    n_lb = sum(LOOKBACK_MONTHS.values())
    lb_pool = list(rng.permutation(np.arange(N_REVIEWED, N_REVIEWED + n_lb)))
    n_other_falling = N_FALLING - N_REVIEWED - n_lb
    falling_other = list(rng.permutation(np.arange(N_REVIEWED + n_lb, N_REVIEWED + n_lb + n_other_falling)))
    small = list(rng.permutation(np.arange(N_REVIEWED + n_lb + n_other_falling, nd)))
    return Roles(reviewed, lb_pool, falling_other, small[:N_FLAT], small[N_FLAT:])


def _solve_review_rate(month_factor_2019: np.ndarray, month_factor_2020: np.ndarray, season: np.ndarray) -> float:
    """Monthly decline rate r (from 2020-01) giving E[2020]/E[2019] = 1 + REVIEW_YOY."""
    k = np.arange(1, 13)
    base = (month_factor_2019 * season).sum()
    lo, hi = 0.0, 0.2
    for _ in range(60):
        r = (lo + hi) / 2
        ratio = (month_factor_2020 * season * (1 - r) ** k).sum() / base
        lo, hi = (r, hi) if ratio > 1 + REVIEW_YOY else (lo, r)
    return (lo + hi) / 2


def _compound(k: np.ndarray, factor: float) -> np.ndarray:
    """``factor ** k`` for the months after the start (k > 0), 1 before."""
    return np.where(k > 0, factor ** np.clip(k, 0, None), 1)


def _trend_multiplier(roles: Roles, seasonality: Seasonality, months: pd.PeriodIndex,
                      rng: np.random.Generator) -> np.ndarray:
    """[dept, month] trend factors: the review decline from 2020-01, the others' trends from the resolution."""
    # Review decline rate solved on full calendar years 2019 and 2020.
    full = pd.date_range("2019-01-01", "2020-12-31", freq="D")
    mf_full = month_factor(full, day_weights(full), pd.period_range("2019-01", "2020-12", freq="M"))
    mult = np.ones((len(roles.reviewed), len(months)))
    k_review = np.array([(m - pd.Period("2019-12", "M")).n for m in months])
    k_resol = np.array([(m - (RESOLUTION_MONTH - 1)).n for m in months])
    for i in range(len(roles.reviewed)):
        if roles.reviewed[i]:
            rate = _solve_review_rate(mf_full[:12], mf_full[12:], seasonality.factor(i, np.arange(1, 13)))
            mult[i] *= _compound(k_review, 1 - rate)
        elif i in roles.falling:
            mult[i] *= _compound(k_resol, 1 - rng.uniform(0.06, 0.09))
        elif i in roles.rising:
            mult[i] *= _compound(k_resol, 1 + rng.uniform(0.05, 0.07))
    return mult


def _supervision(roles: Roles, units: Units, months: pd.PeriodIndex, mult: np.ndarray,
                 rng: np.random.Generator) -> tuple[dict[int, list[str]], list[dict]]:
    """22 departments heard since 2020-08; 9 of them in 2020-11/12 with a look-back effect (in ``mult``)."""
    supervised: dict[int, list[str]] = {}
    for i in range(N_REVIEWED):
        supervised[i] = ["2020-08" if i < 3 else "2020-09"]
    lookback = []
    it = iter(roles.lookback)
    for month, n in LOOKBACK_MONTHS.items():
        for _ in range(n):
            i = next(it)
            supervised[i] = [month]
            rr = float(np.round(rng.uniform(0.60, 0.75), 3))
            lookback.append({"department": units.names[i], "supervised": month, "effect_rr": rr})
            after = np.array([m > pd.Period(month, "M") for m in months])
            mult[i] *= np.where(after, rr, 1.0)
    for j, i in enumerate(list(roles.rising) + list(roles.falling)[:4]):
        supervised[i] = ["2020-10" if j < 4 else "2021-01"]
    return supervised, lookback


def _surges(roles: Roles, size: np.ndarray, units: Units, topics: Topics, supervised: dict[int, list[str]],
            months: pd.PeriodIndex, mult: np.ndarray, rng: np.random.Generator) -> tuple[list[dict], dict]:
    """12 department-months, factor 1.5-3 (in ``mult``), on departments large enough to tell from noise.

    Not on the reviewed departments, whose annual fall of 9% is planted exactly, nor from two
    months before a look-back hearing on.  Returns the surges and the topic carrying each.
    """
    surges = []
    eligible_m = [j for j, m in enumerate(months) if m >= max(months[0] + 12, pd.Period("2020-01", "M"))]
    cand = [i for i in rng.permutation(len(roles.reviewed)) if size[i] / 12 >= 60 and not roles.reviewed[i]]
    surge_topic: dict[tuple[int, int], tuple[int, float]] = {}
    for i in cand:
        if len(surges) >= N_SURGES or not eligible_m:
            break
        blocked = set()
        for sm in supervised.get(i, []):
            if sm in LOOKBACK_MONTHS:
                blocked |= {j for j, m in enumerate(months) if m >= pd.Period(sm, "M") - 2}
        choices = [j for j in eligible_m if j not in blocked]
        if not choices:
            continue
        j = int(rng.choice(choices))
        factor = float(np.round(rng.uniform(1.5, 3.0), 2))
        mult[i, j] *= factor
        routine = [t for t in np.flatnonzero(topics.unit == i) if topics.hot[t] is None]
        surge_topic[(i, j)] = (int(rng.choice(routine)), factor)
        surges.append({"department": units.names[i], "month": str(months[j]), "factor": factor})
    return surges, surge_topic


def _satisfaction_shifts(units: Units, months: pd.PeriodIndex, rng: np.random.Generator) -> list[dict]:
    """4 drops among the five largest departments, 2 of which recover three months later.

    The largest departments have enough call-backs a month for a month-on-month test to see them.
    """
    sat_shifts = []
    span = [j for j, m in enumerate(months) if pd.Period("2020-03", "M") <= m <= pd.Period("2020-10", "M")]
    if len(span) >= 4:
        for n, i in enumerate(rng.choice(np.arange(0, 5), 4, replace=False)):
            j = int(rng.choice(span))
            delta = float(np.round(rng.uniform(-12.0, -8.0), 1))
            sat_shifts.append({"department": units.names[i], "month": str(months[j]), "delta_pp": delta})
            if n < 2 and j + 3 < len(months):
                sat_shifts.append({"department": units.names[i], "month": str(months[j + 3]), "delta_pp": -delta})
    return sat_shifts


def _hot_months(topics: Topics, months: pd.PeriodIndex, rng: np.random.Generator) -> dict[int, list[str]]:
    """Hot topics: the article's four in autumn 2020, the others in runs of 2-3 months."""
    hot_months: dict[int, list[str]] = {}
    for t, h in enumerate(topics.hot):
        if h is None:
            continue
        fixed = h["topic"] in FIXED_HOT_MONTHS
        first = pd.Period(FIXED_HOT_MONTHS[h["topic"]], "M") if fixed else months[int(rng.integers(0, len(months)))]
        run = [first + q for q in range(3 if fixed else int(rng.integers(2, 4)))]
        inside = [str(m) for m in run if months[0] <= m <= months[-1]]
        if inside:
            hot_months[t] = inside
    return hot_months
