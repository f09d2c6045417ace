"""Calibrated synthetic "Zibo" 12345 scenario with known ground truth.

The scenario reproduces what the city's platform would export for the 37
municipal departments, district governments and utilities, at about 4,000
work orders a day, and plants the effects the supervision practice looks for
(falling trends after the 2020-07-31 resolution, the 6 reviewed departments
falling about 9% year over year, surges, satisfaction shifts, look-back
effects, hot topics), together with the data problems of a real export
(alias spellings, repeat calls, invalid calls, unreasonable requests,
personal data, mixed date formats, malformed rows).

:func:`generate` builds the scenario in memory; :func:`write_export` writes the
monthly raw files, ``ground_truth.json`` and ``truth.parquet``.

Examples
--------
>>> sc = generate(ScenarioConfig(start="2020-01", end="2020-02", scale=0.01, seed=1))
>>> sc.truth["counts"]["records"] == len(sc.orders)
True
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from . import schema as S
from . import paths
from .catalog import (KIND_DEPARTMENT, KIND_DISTRICT, KIND_ENTERPRISE, department_aliases, load_districts,
                      zibo_catalog)

# --- calibration constants --------------------------------------------------
DAILY_VOLUME = 4000  # records a day at scale 1 (article: "4,000+ a day")
RESOLUTION_MONTH = pd.Period("2020-08", "M")  # first month after the 2020-07-31 resolution
REVIEW_YEAR = 2020
REVIEW_YOY = -0.09  # the 6 reviewed departments: -9% net complaints 2020 vs 2019
LARGEST_NET_2019 = 11_800  # net complaints of the largest department in 2019
N_FALLING, N_FLAT, N_RISING = 30, 4, 3
N_REVIEWED = 6
N_SURGES = 12
LOOKBACK_MONTHS = {"2020-11": 5, "2020-12": 4}
INVALID_SHARE = 0.035
REPEAT_SHARE = 0.07  # originals (complaint/report/help) that draw repeat calls
REPORT_SHARE = 0.15  # of complaint-like originals that are 举报 rather than 投诉
HOT_SHARE = 0.30  # share of a department's complaints on a planted hot topic
HOT_BASELINE = 0.01  # share outside the planted months
SPRING_FESTIVAL = {
    2017: "2017-01-28", 2018: "2018-02-16", 2019: "2019-02-05", 2020: "2020-01-25",
    2021: "2021-02-12", 2022: "2022-02-01", 2023: "2023-01-22", 2024: "2024-02-10",
    2025: "2025-01-29", 2026: "2026-02-17",
}
WEEKDAY_FACTOR = np.array([1.08, 1.05, 1.03, 1.02, 1.00, 0.92, 0.90])
HOUR_WEIGHTS = np.array([1, 1, 1, 1, 1, 2, 4, 8, 14, 16, 15, 12, 8, 10, 14, 14, 13, 11, 9, 8, 6, 4, 2, 1], float)
TYPE_LIMIT_DAYS = {"complaint": 5, "report": 5, "help": 3, "inquiry": 1, "suggestion": 7, "praise": 1, "other": 1}
CHANNEL_P = {"phone": 0.85, "web": 0.04, "wechat": 0.06, "app": 0.03, "mailbox": 0.01, "other": 0.01}
RAW_CHANNEL = {"phone": "电话", "web": "网站", "wechat": "微信", "app": "爱山东APP", "mailbox": "市长信箱", "other": "其他"}
RAW_HEADER = {
    S.ORDER_ID: "工单编号", S.RECEIVED_AT: "受理时间", S.CHANNEL: "受理渠道", "phone": "来电号码",
    "caller_name": "来电人", S.REQUEST_TYPE: "诉求类型", S.CATEGORY_L1: "一级分类", S.CATEGORY_L2: "二级分类",
    S.DISTRICT: "所属区县", S.DEPARTMENT_RAW: "承办单位", S.CONTENT: "诉求内容", S.DUE_AT: "办理时限",
    S.CLOSED_AT: "办结时间", S.STATUS: "工单状态", S.IS_REASONABLE: "是否合理诉求",
    S.CONTACTED: "回访是否联系", S.RESOLVED: "回访是否解决", S.SATISFACTION: "满意度",
}
DATE_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M"]
ALT_DATE_FORMATS = ["%Y-%m-%d %H:%M", "%Y年%m月%d日 %H:%M"]
TYPES = list(S.REQUEST_TYPES)


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
class Scenario:
    """A generated scenario: rich order frame (export values plus hidden truth), truth dict, plan."""

    config: ScenarioConfig
    orders: pd.DataFrame
    truth: dict
    plan: "Plan"
    malformed: pd.DataFrame = field(default_factory=pd.DataFrame)


# --- units and topics -------------------------------------------------------


@dataclass
class Units:
    names: list[str]
    kinds: list[str]
    aliases: list[list[str]]
    district_of: list[str | None]  # district of a district government

    @property
    def n_departments(self) -> int:
        return self.kinds.count(KIND_DEPARTMENT)


def _units(cat: dict) -> Units:
    names, kinds, aliases, dist = [], [], [], []
    for d in cat["departments"]:
        names.append(d["name"])
        kinds.append(KIND_DEPARTMENT)
        aliases.append(department_aliases(d["name"], d["abbr"], d.get("subunits")))
        dist.append(None)
    for u in cat["other_units"]["districts"]:
        names.append(u["name"])
        kinds.append(KIND_DISTRICT)
        aliases.append([u["name"], *u["aliases"]])
        dist.append(u["district"])
    for u in cat["other_units"]["enterprises"]:
        names.append(u["name"])
        kinds.append(KIND_ENTERPRISE)
        aliases.append([u["name"], *u["aliases"]])
        dist.append(None)
    return Units(names, kinds, aliases, dist)


@dataclass
class Topics:
    unit: np.ndarray  # unit index, -1 = answered by the hotline itself
    l1: list[str]
    l2: list[str]
    issues: list[list[str]]
    season: list[list[int]]
    hot: list[dict | None]  # planted hot topic spec


def _topics(cat: dict, units: Units) -> Topics:
    unit, l1, l2, issues, season, hot = [], [], [], [], [], []

    def add(u, a, b, iss, seas=None, h=None):
        unit.append(u)
        l1.append(a)
        l2.append(b)
        issues.append(iss)
        season.append(seas or [])
        hot.append(h)

    for i, d in enumerate(cat["departments"]):
        for t in d["topics"]:
            add(i, d["l1"], t["l2"], t["issues"], t.get("season"))
        for h in d.get("hot_topics", []):
            add(i, d["l1"], h["topic"], h["issues"], None, h)
    for i, kind in enumerate(units.kinds):
        if kind == KIND_DISTRICT:
            for t in cat["district_topics"]:
                add(i, t["l1"], t["l2"], t["issues"], t.get("season"))
        elif kind == KIND_ENTERPRISE:
            for t in cat["enterprise_topics"][units.names[i]]:
                add(i, t["l1"], t["l2"], t["issues"], t.get("season"))
    for t in cat["hotline_topics"]:
        add(-1, t["l1"], t["l2"], t["issues"])
    return Topics(np.array(unit), l1, l2, issues, season, hot)


# --- the plan: expected volumes and planted effects ---------------------------


@dataclass
class Plan:
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


def _day_weights(days: pd.DatetimeIndex) -> np.ndarray:
    w = WEEKDAY_FACTOR[days.day_of_week.to_numpy()]
    for year in np.unique(days.year):
        sf = pd.Timestamp(SPRING_FESTIVAL[int(year)])
        off = (days - sf).days.to_numpy()
        w = np.where((off >= -1) & (off <= 3), w * 0.45, w)
        w = np.where(((off >= -4) & (off <= -2)) | ((off >= 4) & (off <= 7)), w * 0.75, w)
    season = {1: 1.06, 2: 0.97, 3: 0.98, 4: 0.97, 5: 0.99, 6: 1.03, 7: 1.08, 8: 1.08, 9: 0.98, 10: 0.95, 11: 0.98, 12: 1.05}
    w = w * np.array([season[m] for m in days.month])
    return w / w.mean()


def _month_factor(days: pd.DatetimeIndex, w: np.ndarray, months: pd.PeriodIndex) -> np.ndarray:
    """Expected share of a year's volume that falls in each month (x12)."""
    per = days.to_period("M")
    tot = pd.Series(w, index=per).groupby(level=0).sum()
    return (tot.reindex(months).to_numpy() / 365.25) * 12


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


def make_plan(config: ScenarioConfig) -> Plan:
    """Draw the scenario's departments profile and planted effects (deterministic by seed)."""
    cat = zibo_catalog()
    rng = np.random.default_rng([config.seed, 0])
    units = _units(cat)
    topics = _topics(cat, units)
    months = config.months()
    days = pd.date_range(months[0].start_time, months[-1].end_time.normalize(), freq="D")
    w = _day_weights(days)
    nd = units.n_departments
    nu = len(units.names)

    # Department sizes: Zipf-like head, geometric tail (rank = catalogue order).
    r = np.arange(1, nd + 1)
    size = np.where(r <= 8, LARGEST_NET_2019 * r ** -1.1, LARGEST_NET_2019 * 8 ** -1.1 * 0.955 ** (r - 8))
    unreasonable = rng.uniform(0.015, 0.05, nu)
    other_ratio = rng.uniform(0.3, 0.8, nd)
    on_time = rng.uniform(0.85, 0.99, nu)
    resolve_p = rng.uniform(0.80, 0.97, nu)
    dissat_p = rng.uniform(0.0004, 0.0022, nu)
    amp = rng.uniform(0.04, 0.12, nd)
    peak = rng.integers(1, 13, nd)
    for i, d in enumerate(cat["departments"]):  # departments with seasonal topics peak with them
        seasons = [t["season"] for t in d["topics"] if t.get("season")]
        if seasons:
            amp[i], peak[i] = 0.25, seasons[0][len(seasons[0]) // 2]

    def season_of(i: int, month_numbers: np.ndarray) -> np.ndarray:
        return 1 + amp[i] * np.cos(2 * np.pi * (month_numbers - peak[i]) / 12)

    # Roles: 6 reviewed (top by 2019 size), 9 look-back, 15 other falling, 4 flat, 3 rising.
    reviewed = np.zeros(nd, bool)
    reviewed[:N_REVIEWED] = True
    # Larger departments are planted with effects that a month-by-month test can see at full
    # scale: the 9 look-back departments come next after the reviewed six, then the other
    # falling ones; the 7 flat or rising departments are among the smallest.
    n_lb = sum(LOOKBACK_MONTHS.values())
    lb_pool = list(rng.permutation(np.arange(N_REVIEWED, N_REVIEWED + n_lb)))
    n_other_falling = N_FALLING - N_REVIEWED - n_lb
    falling_other = list(rng.permutation(np.arange(N_REVIEWED + n_lb, N_REVIEWED + n_lb + n_other_falling)))
    small = list(rng.permutation(np.arange(N_REVIEWED + n_lb + n_other_falling, nd)))
    flat, rising = small[:N_FLAT], small[N_FLAT:]
    trend = ["falling"] * nd
    for i in flat:
        trend[i] = "flat"
    for i in rising:
        trend[i] = "rising"

    # Review decline rate solved on full calendar years 2019 and 2020.
    full = pd.date_range("2019-01-01", "2020-12-31", freq="D")
    mf_full = _month_factor(full, _day_weights(full), pd.period_range("2019-01", "2020-12", freq="M"))
    mult = np.ones((nd, len(months)))
    month_no = months.month.to_numpy()
    k_review = np.array([(m - pd.Period("2019-12", "M")).n for m in months])
    k_resol = np.array([(m - (RESOLUTION_MONTH - 1)).n for m in months])
    for i in range(nd):
        if reviewed[i]:
            s12 = season_of(i, np.arange(1, 13))
            rate = _solve_review_rate(mf_full[:12], mf_full[12:], s12)
            mult[i] *= np.where(k_review > 0, (1 - rate) ** np.clip(k_review, 0, None), 1)
        elif i in falling_other:
            rate = rng.uniform(0.06, 0.09)
            mult[i] *= np.where(k_resol > 0, (1 - rate) ** np.clip(k_resol, 0, None), 1)
        elif i in rising:
            g = rng.uniform(0.05, 0.07)
            mult[i] *= np.where(k_resol > 0, (1 + g) ** np.clip(k_resol, 0, None), 1)

    # Supervision: 22 departments heard since 2020-08; 9 of them in 2020-11/12 with a look-back effect.
    supervised: dict[int, list[str]] = {}
    for j, i in enumerate(range(N_REVIEWED)):
        supervised[i] = ["2020-08" if j < 3 else "2020-09"]
    lookback = []
    it = iter(lb_pool)
    for month, n in LOOKBACK_MONTHS.items():
        for _ in range(n):
            i = next(it)
            supervised[i] = [month]
            rr = float(np.round(rng.uniform(0.60, 0.75), 3))
            lookback.append({"department": units.names[i], "supervised": month, "effect_rr": rr})
            after = np.array([m > pd.Period(month, "M") for m in months])
            mult[i] *= np.where(after, rr, 1.0)
    for j, i in enumerate(list(rising) + list(falling_other)[:4]):
        supervised[i] = ["2020-10" if j < 4 else "2021-01"]

    # Surges: 12 department-months, factor 1.5-3, on departments large enough to tell from noise.
    surges = []
    base_month = size / 12
    eligible_m = [j for j, m in enumerate(months) if m >= max(months[0] + 12, pd.Period("2020-01", "M"))]
    # not on the reviewed departments, whose annual fall of 9% is planted exactly
    cand = [i for i in rng.permutation(nd) if base_month[i] >= 60 and not reviewed[i]]
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

    # Satisfaction: 4 drops among the five largest departments (enough call-backs a month for a
    # month-on-month test to see them), 2 of which recover three months later.
    sat_shifts = []
    span = [j for j, m in enumerate(months) if pd.Period("2020-03", "M") <= m <= pd.Period("2020-10", "M")]
    if len(span) >= 4:
        for n, i in enumerate(rng.choice(np.arange(0, 5), 4, replace=False)):
            j = int(rng.choice(span))
            delta = float(np.round(rng.uniform(-12.0, -8.0), 1))
            sat_shifts.append({"department": units.names[i], "month": str(months[j]), "delta_pp": delta})
            if n < 2 and j + 3 < len(months):
                sat_shifts.append({"department": units.names[i], "month": str(months[j + 3]), "delta_pp": -delta})

    # Hot topics: the article's four in autumn 2020, the others in runs of 2-3 months.
    fixed = {"公交线路与站牌": "2020-09", "养老服务漏洞": "2020-10", "公共体育场地管理不善": "2020-08",
             "国企改制遗留问题": "2020-11", "冬季供暖不达标": "2020-12", "农民工工资清欠": "2020-12"}
    hot_months: dict[int, list[str]] = {}
    for t, h in enumerate(topics.hot):
        if h is None:
            continue
        first = pd.Period(fixed[h["topic"]], "M") if h["topic"] in fixed else months[int(rng.integers(0, len(months)))]
        run = [first + q for q in range(3 if h["topic"] in fixed else int(rng.integers(2, 4)))]
        inside = [str(m) for m in run if months[0] <= m <= months[-1]]
        if inside:
            hot_months[t] = inside

    dist = load_districts(paths.DISTRICTS_CSV)
    plan = Plan(
        months=months, days=days, day_weight=w, units=units, topics=topics, size_net_2019=size,
        unreasonable=unreasonable, other_ratio=other_ratio, on_time=on_time, resolve_p=resolve_p,
        dissat_p=dissat_p, trend=trend, reviewed=reviewed, multiplier=mult, supervised=supervised,
        surges=surges, sat_shifts=sat_shifts, lookback=lookback, hot_months=hot_months, surge_topic=surge_topic,
        season=np.array([season_of(i, month_no) for i in range(nd)]),
        district_names=dist.district.tolist(), district_p=(dist.population / dist.population.sum()).to_numpy(),
    )
    return plan


# --- record generation --------------------------------------------------------


def _expected_counts(plan: Plan, scale: float):
    """Expected monthly complaint originals and other-type records per department."""
    nd = plan.units.n_departments
    mf = _month_factor(plan.days, plan.day_weight, plan.months)
    base = plan.size_net_2019[:nd, None] / 12 / (1 - plan.unreasonable[:nd, None])
    complaints = base * plan.season * mf[None, :] * plan.multiplier * scale
    others = base * plan.season * mf[None, :] * plan.other_ratio[:, None] * scale
    return complaints, others, mf


def _generate_core(plan: Plan, config: ScenarioConfig) -> pd.DataFrame:
    """One row per record with unit, type, time, topic and truth flags (no text yet)."""
    rng = np.random.default_rng([config.seed, 1])
    nd = plan.units.n_departments
    units = plan.units
    complaints, others, _ = _expected_counts(plan, config.scale)
    noise = rng.gamma(1 / 0.06**2, 0.06**2, complaints.shape)
    n_c = rng.poisson(complaints * noise)
    n_o = rng.poisson(others)

    day_month = plan.days.to_period("M")
    recs = []
    district_units = [i for i, k in enumerate(units.kinds) if k == KIND_DISTRICT]
    enterprise_units = [i for i, k in enumerate(units.kinds) if k == KIND_ENTERPRISE]
    for j, month in enumerate(plan.months):
        in_month = np.flatnonzero(day_month == month)
        wd = plan.day_weight[in_month]
        total_expected = DAILY_VOLUME * config.scale * wd.sum()
        unit_l, type_l = [], []
        # departments: complaint-like originals and other types
        for i in range(nd):
            c, o = n_c[i, j], n_o[i, j]
            unit_l.append(np.full(c + o, i))
            t = np.where(rng.random(c) < REPORT_SHARE, 1, 0)
            ot = rng.choice([2, 3, 4, 5], size=o, p=[0.3, 0.55, 0.1, 0.05])
            type_l.append(np.concatenate([t, ot]))
        dept_n = int(n_c[:, j].sum() + n_o[:, j].sum())
        # expected repeats and invalid calls are part of the daily volume
        rest = total_expected * (1 - INVALID_SHARE) - dept_n * (1 + REPEAT_SHARE * 0.5)
        rest = max(rest, 0.0)
        n_hot = rng.poisson(rest * 0.50)  # answered by the hotline (bulletins: about half)
        n_dis = rng.poisson(rest * 0.42)
        n_ent = rng.poisson(rest * 0.08)
        unit_l.append(np.full(n_hot, -1))
        type_l.append(rng.choice([3, 2], size=n_hot, p=[0.97, 0.03]))
        unit_l.append(rng.choice(district_units, size=n_dis, p=_district_unit_p(plan, district_units)))
        type_l.append(rng.choice([0, 1, 2, 3, 4, 5], size=n_dis, p=[0.62, 0.08, 0.1, 0.1, 0.08, 0.02]))
        unit_l.append(rng.choice(enterprise_units, size=n_ent))
        type_l.append(rng.choice([0, 2, 3], size=n_ent, p=[0.6, 0.2, 0.2]))
        unit = np.concatenate(unit_l)
        rtype = np.concatenate(type_l)
        n = len(unit)
        # invalid calls
        n_inv = rng.poisson(total_expected * INVALID_SHARE)
        inv_unit = np.where(rng.random(n_inv) < 0.75, -1, rng.choice(nd + len(district_units), size=n_inv))
        inv_type = rng.choice([6, 0, 3], size=n_inv, p=[0.6, 0.25, 0.15])
        unit = np.concatenate([unit, inv_unit])
        rtype = np.concatenate([rtype, inv_type])
        valid = np.concatenate([np.ones(n, bool), np.zeros(n_inv, bool)])
        m = len(unit)
        day = in_month[rng.choice(len(in_month), size=m, p=wd / wd.sum())]
        secs = rng.choice(24, size=m, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum()) * 3600 + rng.integers(0, 3600, m)
        received = plan.days[day].to_numpy() + secs.astype("timedelta64[s]")
        recs.append(pd.DataFrame({"unit": unit, "type": rtype, "valid": valid, "received": received, "month_j": j}))
    df = pd.concat(recs, ignore_index=True)

    # topics
    df["topic"] = _assign_topics(df, plan, rng)
    # unreasonable: complaint-like valid originals
    cl = df.valid & df.type.isin([0, 1])
    u = df.unit.to_numpy()
    p_unr = np.where(u >= 0, plan.unreasonable[np.clip(u, 0, None)], 0.0)
    unreasonable = cl & (rng.random(len(df)) < p_unr)
    judged = df.valid & df.type.isin([0, 1, 2])
    df["reasonable"] = pd.array(np.where(judged, ~unreasonable, False), dtype="boolean")
    df.loc[~judged, "reasonable"] = pd.NA
    df["dup_src"] = -1
    return _add_repeats(df, plan, rng)


def _district_unit_p(plan: Plan, district_units: list[int]) -> np.ndarray:
    names = [plan.units.district_of[i] for i in district_units]
    p = np.array([plan.district_p[plan.district_names.index(d)] for d in names])
    return p / p.sum()


def _assign_topics(df: pd.DataFrame, plan: Plan, rng: np.random.Generator) -> np.ndarray:
    topics = plan.topics
    out = np.full(len(df), -1)
    surge_topic = plan.surge_topic
    valid_pos = np.flatnonzero(df.valid.to_numpy())
    grp = df.iloc[valid_pos].groupby(["unit", "month_j"]).indices
    for (unit, j), vidx in grp.items():
        idx = valid_pos[vidx]
        cand = np.flatnonzero(topics.unit == unit)
        month = plan.months[j]
        w = np.ones(len(cand))
        for q, t in enumerate(cand):
            if topics.season[t]:
                w[q] = 3.0 if month.month in topics.season[t] else 0.3
            if topics.hot[t] is not None:
                w[q] = 0.0
        w = w / w.sum()
        hot = [t for t in cand if topics.hot[t] is not None]
        typ = df.type.to_numpy()[idx]
        complaintish = np.isin(typ, [0, 1])
        # routine draw for every record
        out[idx] = rng.choice(cand, size=len(idx), p=w)
        # hot topics replace part of the complaints
        for t in hot:
            share = HOT_SHARE if str(month) in plan.hot_months.get(t, []) else HOT_BASELINE
            pick = complaintish & (rng.random(len(idx)) < share / max(len(hot), 1))
            out[idx[pick]] = t
        # surge months concentrate the extra volume on one issue
        if (unit, j) in surge_topic:
            topic, factor = surge_topic[(unit, j)]
            pick = complaintish & (rng.random(len(idx)) < (factor - 1) / factor)
            out[idx[pick]] = topic
    return out


def _add_repeats(df: pd.DataFrame, plan: Plan, rng: np.random.Generator) -> pd.DataFrame:
    """Repeat calls: the same caller on the same matter within 7 days."""
    eligible = np.flatnonzero(df.valid.to_numpy() & df.type.isin([0, 1, 2]).to_numpy())
    src = eligible[rng.random(len(eligible)) < REPEAT_SHARE]
    n_rep = 1 + (rng.random(len(src)) < 0.25).astype(int)
    src = np.repeat(src, n_rep)
    delay_s = np.clip(rng.exponential(1.5 * 86400, len(src)), 1800, 6.5 * 86400).astype("timedelta64[s]")
    rep = df.iloc[src].copy()
    rep["received"] = rep["received"].to_numpy() + delay_s
    rep["dup_src"] = src
    end = plan.days[-1] + pd.Timedelta(days=1)
    rep = rep[rep.received < end]
    out = pd.concat([df, rep], ignore_index=True)
    out["month_j"] = out.received.dt.to_period("M").map({m: j for j, m in enumerate(plan.months)}).astype(int)
    return out


# --- text, people and handling --------------------------------------------------


def _take(pool: list[str], idx: np.ndarray) -> pa.Array:
    return pa.array(pool, type=pa.string()).take(pa.array(idx))


def _join(*parts) -> pa.Array:
    """Element-wise concatenation of string arrays and literals."""
    return pc.binary_join_element_wise(*parts, "")


def _replace_at(arr: pa.Array, positions: np.ndarray, values: pa.Array) -> pa.Array:
    """``arr`` with ``arr[positions] = values`` (returns a new array)."""
    index = np.arange(len(arr))
    index[positions] = len(arr) + np.arange(len(positions))
    return pa.concat_arrays([arr, values.cast(arr.type)]).take(pa.array(index))


def _phones(rng: np.random.Generator, n: int) -> pa.Array:
    prefixes = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
                "155", "156", "158", "159", "176", "177", "180", "181", "186", "187", "188", "189"]
    tail = pc.utf8_lpad(pa.array(rng.integers(0, 10**8, n)).cast(pa.string()), 8, "0")
    return _join(_take(prefixes, rng.integers(0, len(prefixes), n)), tail)


def _names(rng: np.random.Generator, n: int) -> pa.Array:
    tx = zibo_catalog()["texts"]
    return _join(_take(tx["surnames"], rng.integers(0, len(tx["surnames"]), n)),
                 _take(tx["given_names"], rng.integers(0, len(tx["given_names"]), n)))


def id_number(region: str, birth: str, seq: int) -> str:
    """An 18-digit resident ID number with a valid ISO 7064 check digit.

    Examples
    --------
    >>> id_number("370303", "19800101", 123)
    '370303198001011234'
    """
    body = f"{region}{birth}{seq:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]
    return body + check


def _pool_pick(pools: list[list[str]], group: np.ndarray, u: np.ndarray) -> pa.Array:
    """For each record pick element floor(u * len) of the pool of its group."""
    flat = [x for p in pools for x in p]
    sizes = np.array([len(p) for p in pools])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    return _take(flat, offsets[group] + (u * sizes[group]).astype(int))


def _texts(df: pd.DataFrame, plan: Plan, rng: np.random.Generator, district: pa.Array) -> pa.Array:
    """Request texts from the topic templates, filled with places, amounts and times (vectorised)."""
    import string

    cat = zibo_catalog()
    pl, tx = cat["places"], cat["texts"]
    n = len(df)
    topics = plan.topics
    times_pool = ["晚上10点", "凌晨1点", "早上6点", "晚上8点", "中午12点", "深夜11点"]

    def pick(pool):
        return _take(pool, rng.integers(0, len(pool), n))

    road = _join(district, pick(pl["roads"]))
    place = pc.if_else(pa.array(rng.random(n) < 0.8),
                       _join(road, "附近的", pick(pl["estates"]), pick(pl["estate_suffix"])),
                       _join(district, pick(pl["villages"])))
    slots = {
        "place": place, "road": road,
        "amount": _join(pa.array(np.round(rng.lognormal(7.5, 1.0, n), -1).astype(int) + 10).cast(pa.string()), "元"),
        "n": pa.array(rng.integers(2, 30, n)).cast(pa.string()),
        "days": _join(pa.array(rng.integers(2, 40, n)).cast(pa.string()), "天"),
        "time": pick(times_pool), "bus": pick(pl["buses"]), "company": pick(pl["companies"]),
    }
    typ = df.type.to_numpy()
    topic = df.topic.to_numpy()
    valid = df.valid.to_numpy()
    dept_topic = topics.unit[np.clip(topic, 0, None)] >= 0
    mode = np.where(~valid, 3, np.where((typ == 5) & dept_topic, 1, np.where((typ == 3) & dept_topic, 2, 0)))
    n_iss = np.array([len(x) for x in topics.issues])
    offsets = np.concatenate([[0], np.cumsum(n_iss)[:-1]])
    tid = offsets[np.clip(topic, 0, None)] + (rng.random(n) * n_iss[np.clip(topic, 0, None)]).astype(int)
    templates = [t for iss in topics.issues for t in iss]
    l2 = pa.array(topics.l2, type=pa.string())

    chunks, positions = [], []
    for t in np.unique(tid[mode == 0]):
        sel = np.flatnonzero((mode == 0) & (tid == t))
        idx = pa.array(sel)
        args = []
        for literal, fld, _, _ in string.Formatter().parse(templates[t]):
            if literal:
                args.append(literal)
            if fld:
                args.append(slots[fld].take(idx))
        chunks.append(_join(*args) if any(isinstance(a, pa.Array) for a in args)
                      else pa.array([templates[t]] * len(sel), type=pa.string()))
        positions.append(sel)
    for m, make in ((1, lambda idx: _join(l2.take(pa.array(topic[idx])), "方面的工作人员办事认真负责")),
                    (2, lambda idx: _join("咨询", place.take(pa.array(idx)), l2.take(pa.array(topic[idx])),
                                          "方面的政策规定和办理流程")),
                    (3, lambda idx: _take(tx["invalid"], rng.integers(0, len(tx["invalid"]), len(idx))))):
        sel = np.flatnonzero(mode == m)
        chunks.append(make(sel))
        positions.append(sel)
    body = pa.concat_arrays(chunks).take(pa.array(np.argsort(np.concatenate(positions), kind="stable")))

    opening = _pool_pick([tx["openings"][t] for t in TYPES], typ, rng.random(n))
    closings = [tx["closings"][t] for t in TYPES]
    closing = _pool_pick(closings, typ, rng.random(n))
    sep = pc.if_else(pc.or_(pc.starts_with(closing, "，"), pc.starts_with(closing, "。")), "", "，")
    return pc.if_else(pa.array(valid), _join(opening, body, sep, closing), body)


def _finish(df: pd.DataFrame, plan: Plan, config: ScenarioConfig) -> pd.DataFrame:
    """Fill in export fields: ids, districts, text, PII, handling, call-back survey."""
    rng = np.random.default_rng([config.seed, 2])
    units = plan.units
    df = df.sort_values(["received", "dup_src"], kind="stable").reset_index(drop=True)
    n = len(df)
    unit = df.unit.to_numpy()
    has_unit = unit >= 0
    valid = df.valid.to_numpy()
    typ = df.type.to_numpy()

    # order ids: ZB + date + per-day sequence
    date = df.received.dt.strftime("%Y%m%d")
    seq = df.groupby(date).cumcount() + 1
    df["order_id"] = "ZB" + date + seq.astype(str).str.zfill(5)

    # duplicate links point at the first report of the matter
    pos_of_row = np.empty(n, dtype=np.int64)
    pos_of_row[df["_row"].to_numpy()] = np.arange(n)
    src = df.dup_src.to_numpy()
    rep = np.flatnonzero(src >= 0)
    orig = pos_of_row[src[rep]]
    dup_of = np.full(n, None, dtype=object)
    dup_of[rep] = df.order_id.to_numpy()[orig]
    df["duplicate_of"] = pd.array(dup_of, dtype="string")

    # district: district governments are their own district; others by population;
    # a repeat call comes from the same caller and place as its original
    dist_names = np.array(plan.district_names, dtype=object)
    district = dist_names[rng.choice(len(dist_names), size=n, p=plan.district_p)]
    own = np.array([d or "" for d in units.district_of] + [""], dtype=object)[unit]
    district = np.where(own != "", own, district)
    district[rep] = district[orig]
    df["district"] = district
    district_a = pa.array(district, type=pa.string())

    # text; repeats restate the original
    text = _texts(df, plan, rng, district_a)
    tx = zibo_catalog()["texts"]
    o = text.take(pa.array(orig))
    style = rng.random(len(rep))
    restated = pc.if_else(
        pa.array(style < 0.5), _join(_take(tx["repeat_prefix"], rng.integers(0, len(tx["repeat_prefix"]), len(rep))), o),
        pc.if_else(pa.array(style < 0.7), o,
                   _join(pc.utf8_rtrim(o, characters="。"), "，",
                         _take(tx["repeat_suffix"], rng.integers(0, len(tx["repeat_suffix"]), len(rep))))))
    text = _replace_at(text, rep, restated)

    # callers: repeats reuse the original caller; 30% give no name
    phone = _phones(rng, n)
    phone = _replace_at(phone, rep, phone.take(pa.array(orig)))
    name = _names(rng, n)
    name = _replace_at(name, rep, name.take(pa.array(orig)))
    name = pc.if_else(pa.array(rng.random(n) < 0.3), "", name)

    # personal data inside texts
    r = rng.random(n)
    with_phone = np.flatnonzero(valid & (r < 0.08))
    with_id = np.flatnonzero(valid & (r >= 0.08) & (r < 0.095))
    with_name = np.flatnonzero(valid & (r >= 0.095) & (r < 0.125))
    ids = pa.array([id_number(f"3703{rng.integers(0, 100):02d}",
                              f"{rng.integers(1950, 2000)}{rng.integers(1, 13):02d}{rng.integers(1, 29):02d}",
                              int(rng.integers(0, 1000))) for _ in range(len(with_id))], type=pa.string())

    def nm(idx):
        v = name.take(pa.array(idx))
        return pc.if_else(pc.equal(v, ""), "王某", v)

    at = pa.array
    text = _replace_at(text, with_phone, _join(pc.utf8_rtrim(text.take(at(with_phone)), characters="。"), "，联系电话",
                                               phone.take(at(with_phone)), "。"))
    text = _replace_at(text, with_id, _join("本人", nm(with_id), "，身份证号", ids, "，", text.take(at(with_id))))
    text = _replace_at(text, with_name, _join("我叫", nm(with_name), "，", text.take(at(with_name))))

    # PII canaries: rare values planted in the phone and name columns and inside texts
    text_l = {}
    phone_l, name_l = {}, {}
    canaries = []
    has_repeat = np.zeros(n, bool)
    has_repeat[orig] = True
    cand = np.flatnonzero(valid & (src < 0) & ~has_repeat & np.isin(typ, [0, 1, 2]))
    picks = rng.choice(cand, size=min(16, len(cand)), replace=False).tolist()
    for q, k in enumerate(picks):
        t = text[k].as_py()
        if q < 6:
            v = f"1990533{q:04d}"
            phone_l[k] = v
            t = f"{t.rstrip('。')}，联系电话{v}。"
        elif q < 10:
            v = id_number("370303", f"19{60 + q}0{(q % 9) + 1}1{q % 10}", 900 + q)
            t = f"本人身份证号{v}，{t}"
        elif q < 14:
            v = ["欧阳春燕", "司马建国", "诸葛秀英", "上官志强"][q - 10]
            name_l[k] = v
            t = f"我叫{v}，{t}"
        else:
            v = f"canary{q}@example.com"
            t = f"{t.rstrip('。')}，邮箱{v}。"
        text_l[k] = t
        canaries.append(v)
    for arr_name, d in (("text", text_l), ("phone", phone_l), ("name", name_l)):
        if d:
            pos = np.array(list(d))
            vals = pa.array(list(d.values()), type=pa.string())
            if arr_name == "text":
                text = _replace_at(text, pos, vals)
            elif arr_name == "phone":
                phone = _replace_at(phone, pos, vals)
            else:
                name = _replace_at(name, pos, vals)
    df["content"] = text.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)
    df["phone"] = phone.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)
    df["caller_name"] = name.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)

    # department as exported: an alias, sometimes with stray spaces or full-width brackets
    ut = np.where(has_unit, unit, len(units.names))
    raw = _pool_pick(units.aliases + [[""]], ut, rng.random(n))
    noise = rng.random(n)
    spaced = _join(pc.utf8_slice_codeunits(raw, 0, 2), " ", pc.utf8_slice_codeunits(raw, 2))
    raw = pc.if_else(at(has_unit & (noise < 0.03)), spaced, raw)
    raw = pc.if_else(at(has_unit & (noise >= 0.03) & (noise < 0.05)), _join(raw, "\u3000"), raw)
    raw = pc.replace_substring(pc.replace_substring(raw, "(", "（"), ")", "）")
    df["department_raw"] = raw.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)
    df["department"] = pd.array(np.array(units.names + [None], dtype=object)[ut], dtype="string")

    # categories, channel
    tpc = df.topic.to_numpy()
    df["category_l1"] = np.array(plan.topics.l1 + [""], dtype=object)[tpc]
    df["category_l2"] = np.array(plan.topics.l2 + [""], dtype=object)[tpc]
    df["channel"] = np.array(list(CHANNEL_P))[rng.choice(len(CHANNEL_P), size=n, p=list(CHANNEL_P.values()))]

    # handling: due, closed, status
    limit_days = np.array([TYPE_LIMIT_DAYS[t] for t in TYPES])[typ]
    received = df.received.to_numpy()
    due = received + (limit_days * 86400).astype("timedelta64[s]")
    on_time = np.append(plan.on_time, 0.99)[ut]
    frac = np.where(rng.random(n) < on_time, rng.uniform(0.05, 1.0, n), rng.uniform(1.0, 3.0, n))
    frac = np.where(has_unit, frac, rng.uniform(0.0005, 0.01, n))  # the hotline answers at once
    closed = received + (frac * limit_days * 86400).astype("timedelta64[s]")
    export_time = np.datetime64(plan.days[-1] + pd.Timedelta(days=4))
    status = np.where(closed > export_time, "open", "closed").astype(object)
    status[has_unit & valid & (rng.random(n) < 0.01)] = "returned"
    status[~valid] = np.where(rng.random((~valid).sum()) < 0.5, "cancelled", "closed")
    closed_ok = status == "closed"
    df["due_at"] = due
    df["closed_at"] = np.where(closed_ok, closed, np.datetime64("NaT"))
    df["status"] = status

    # call-back survey of closed, valid first reports
    survey_p = np.where(np.isin(typ, [0, 1, 2]), 0.75, 0.3)
    surveyed = closed_ok & valid & (src < 0) & (rng.random(n) < survey_p)
    contacted = surveyed & (rng.random(n) < 0.93)
    resolved = contacted & (rng.random(n) < np.append(plan.resolve_p, 0.95)[ut])
    dissat_p = np.append(plan.dissat_p, 0.0012)[ut].copy()
    month_j = df.month_j.to_numpy()
    for sh in plan.sat_shifts:
        i = units.names.index(sh["department"])
        j0 = plan.months.get_loc(pd.Period(sh["month"], "M"))
        sel = (unit == i) & (month_j >= j0)
        dissat_p[sel] = np.clip(dissat_p[sel] - sh["delta_pp"] / 100, 0, 1)
    unreasonable = (df.reasonable == False).fillna(False).to_numpy()  # noqa: E712
    dissat_p = np.where(unreasonable, 0.45, dissat_p)
    sat = np.where(rng.random(n) < dissat_p, "dissatisfied",
                   np.where(rng.random(n) < 0.1, "basically_satisfied", "satisfied")).astype(object)
    sat[~contacted] = None
    df["contacted"] = pd.array(np.where(surveyed, contacted, None), dtype="boolean")
    df["resolved"] = pd.array(np.where(contacted & np.isin(typ, [0, 1, 2]), resolved, None), dtype="boolean")
    df["satisfaction"] = sat
    df["request_type"] = np.array(TYPES)[typ]
    df["is_valid"] = valid
    df["is_reasonable"] = df.pop("reasonable")
    df.attrs["pii_canaries"] = canaries
    return df


def generate(config: ScenarioConfig = ScenarioConfig(), progress: bool = False) -> Scenario:
    """Generate the scenario in memory.

    Returns a :class:`Scenario` whose ``orders`` frame has one row per work
    order with the export's fields (canonical names, English enum values), the
    caller's phone and name, and hidden truth columns (``topic``, ``unit``,
    ``duplicate_of``, ``is_valid``, ``is_reasonable``).
    """
    config.validate()
    steps = tqdm(total=3, desc="synth", disable=not progress)
    plan = make_plan(config)
    core = _generate_core(plan, config)
    core["_row"] = np.arange(len(core))
    steps.update()
    orders = _finish(core, plan, config)
    steps.update()
    truth = _truth(plan, config, orders)
    steps.update()
    steps.close()
    return Scenario(config=config, orders=orders, truth=truth, plan=plan)


def _truth(plan: Plan, config: ScenarioConfig, orders: pd.DataFrame) -> dict:
    units = plan.units
    nd = units.n_departments
    hot = []
    for t, months in plan.hot_months.items():
        h = plan.topics.hot[t]
        hot.append({"department": units.names[plan.topics.unit[t]], "topic": h["topic"], "keywords": h["keywords"],
                    "months": months})
    deps = [{"name": units.names[i], "aliases": units.aliases[i], "trend": plan.trend[i],
             "reviewed_2020": bool(plan.reviewed[i]), "supervised_months": plan.supervised.get(i, [])}
            for i in range(nd)]
    return {
        "scenario": "zibo", "seed": config.seed, "start": config.start, "end": config.end, "scale": config.scale,
        "departments": deps, "surges": plan.surges, "satisfaction_shifts": plan.sat_shifts,
        "lookback": plan.lookback, "hot_topics": hot,
        "counts": {
            "records": int(len(orders)),
            "duplicates": int(orders.duplicate_of.notna().sum()),
            "invalid": int((~orders.is_valid).sum()),
            "unreasonable": int((orders.is_reasonable == False).sum()),  # noqa: E712
        },
        "pii_canaries": orders.attrs["pii_canaries"],
    }


# --- export -----------------------------------------------------------------------


DATE_COLUMNS = (S.RECEIVED_AT, S.DUE_AT, S.CLOSED_AT)


def _arrow_text(s: pd.Series) -> pa.Array:
    arr = pa.array(s, from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return pc.fill_null(arr.cast(pa.string()), "")


def _arrow_mapped(s: pd.Series, mapping: dict) -> pa.Array:
    """Map values through ``mapping`` (vectorised); unmapped or missing values become ''."""
    codes = pd.Categorical(s.astype(object), categories=list(mapping)).codes
    labels = pa.array([*map(str, mapping.values()), ""], type=pa.string())
    return labels.take(pa.array(np.where(codes < 0, len(mapping), codes)))


def export_table(orders: pd.DataFrame) -> pa.Table:
    """The orders as the platform exports them: Chinese values, empty strings for blanks, no truth columns."""
    yn = {True: "是", False: "否"}
    text_cols = {S.ORDER_ID: "order_id", "phone": "phone", "caller_name": "caller_name", S.CATEGORY_L1: "category_l1",
                 S.CATEGORY_L2: "category_l2", S.DISTRICT: "district", S.DEPARTMENT_RAW: "department_raw",
                 S.CONTENT: "content"}
    mapped = {S.CHANNEL: RAW_CHANNEL, S.REQUEST_TYPE: S.enum_labels(S.REQUEST_TYPE), S.STATUS: S.enum_labels(S.STATUS),
              S.IS_REASONABLE: yn, S.CONTACTED: yn, S.RESOLVED: yn, S.SATISFACTION: S.enum_labels(S.SATISFACTION)}
    source = {S.CHANNEL: "channel", S.REQUEST_TYPE: "request_type", S.STATUS: "status",
              S.IS_REASONABLE: "is_reasonable", S.CONTACTED: "contacted", S.RESOLVED: "resolved",
              S.SATISFACTION: "satisfaction"}
    arrays = {}
    for c in RAW_HEADER:
        if c in DATE_COLUMNS:
            arrays[c] = pa.array(orders[{S.RECEIVED_AT: "received"}.get(c, c)].to_numpy(dtype="datetime64[s]"),
                                 type=pa.timestamp("s"))
        elif c in text_cols:
            arrays[c] = _arrow_text(orders[text_cols[c]])
        else:
            arrays[c] = _arrow_mapped(orders[source[c]], mapped[c])
    return pa.table(arrays)


def _malformed_rows(part: pa.Table, rng: np.random.Generator, n_bad: int, csv: bool) -> list[tuple[dict, str]]:
    """Damaged extra rows (copies of real rows under new ids), the way broken exports have them."""
    kinds = ["bad_date", "missing_id", "truncated"] if csv else ["bad_date", "missing_id"]
    rows = []
    for q, k in enumerate(rng.choice(part.num_rows, size=min(n_bad, part.num_rows), replace=False).tolist()):
        row = part.slice(k, 1).to_pylist()[0]
        kind = kinds[q % len(kinds)]
        row[S.ORDER_ID] = f"{row[S.ORDER_ID]}X{q}"
        if kind == "bad_date":
            row[S.RECEIVED_AT] = "2020-02-30 25:61:00"
        elif kind == "missing_id":
            row[S.ORDER_ID] = ""
        rows.append((row, kind))
    return rows


def write_export(sc: Scenario, out: str | Path, progress: bool = True) -> dict:
    """Write monthly raw files, ``ground_truth.json`` and ``truth.parquet`` into ``out``.

    Most months are GBK-encoded CSV (``zibo12345_YYYY-MM.csv``); the calendar
    months in ``config.xlsx_months`` are XLSX (written in a separate process,
    as it is the slow part).  Each file carries three
    malformed rows, listed in ``ground_truth.json`` under ``malformed`` (file,
    1-based data row, problem) and not part of ``truth.parquet``.  Returns the
    ground truth written.
    """
    import concurrent.futures as cf
    import multiprocessing as mp

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([sc.config.seed, 3])
    table = export_table(sc.orders)
    month_j = sc.orders.month_j.to_numpy()
    malformed, files, jobs = [], [], []
    pool = cf.ProcessPoolExecutor(max_workers=2, mp_context=mp.get_context("fork"))
    for j, m in enumerate(tqdm(sc.plan.months, desc="write", disable=not progress)):
        part = table.take(pa.array(np.flatnonzero(month_j == j)))
        is_xlsx = m.month in sc.config.xlsx_months
        fmt = DATE_FORMATS[int(rng.integers(0, len(DATE_FORMATS)))]
        alt = ALT_DATE_FORMATS[int(rng.integers(0, len(ALT_DATE_FORMATS)))]
        alt_mask = rng.random(part.num_rows) < 0.01
        bad = _malformed_rows(part, rng, 3, csv=not is_xlsx)
        # data rows in file order: an int is a row of `part`, a tuple a damaged row
        bad_at = set(rng.choice(part.num_rows + len(bad), size=len(bad), replace=False).tolist())
        good, bad_it, seq = iter(range(part.num_rows)), iter(bad), []
        for pos in range(part.num_rows + len(bad)):
            seq.append(next(bad_it) if pos in bad_at else next(good))
        name = f"zibo12345_{m}.{'xlsx' if is_xlsx else 'csv'}"
        malformed += [{"file": name, "row": pos + 1, "problem": s[1]} for pos, s in enumerate(seq) if isinstance(s, tuple)]
        if is_xlsx:
            jobs.append(pool.submit(_write_xlsx, out / name, part, seq, fmt, alt_mask, alt))
        else:
            _write_csv(out / name, part, seq, fmt, alt_mask, alt)
        files.append(name)
    for job in jobs:
        job.result()
    pool.shutdown()

    truth = dict(sc.truth)
    truth["counts"] = dict(truth["counts"], malformed=len(malformed))
    truth["malformed"] = malformed
    truth["files"] = files
    (out / "ground_truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    t = sc.orders[["order_id", "department", "duplicate_of", "is_valid", "is_reasonable"]].sort_values("order_id")
    t = t.astype({"order_id": "string", "department": "string", "duplicate_of": "string", "is_valid": "bool",
                  "is_reasonable": "boolean"})
    pq.write_table(pa.Table.from_pandas(t, preserve_index=False).replace_schema_metadata(None), out / "truth.parquet")
    register = [(d["name"], m) for d in truth["departments"] for m in d["supervised_months"]]
    pd.DataFrame(sorted(register, key=lambda r: (r[1], r[0])), columns=["department", "month"]).to_csv(
        out / "supervision.csv", index=False, encoding="utf-8")
    (out / "README.md").write_text(_EXPORT_README, encoding="utf-8")
    return truth


def _format_dates(arr: pa.Array, fmt: str, alt_mask: np.ndarray | None = None, alt: str | None = None) -> pa.Array:
    main = pc.strftime(arr, format=fmt)
    if alt_mask is not None:
        main = pc.if_else(pa.array(alt_mask), pc.strftime(arr, format=alt), main)
    return pc.fill_null(main, "")


def _row_values(row: dict, columns: list[str], fmt: str) -> list[str]:
    return [v.strftime(fmt) if hasattr(v, "strftime") else ("" if v is None else str(v)) for v in (row[c] for c in columns)]


def _write_csv(path: Path, part: pa.Table, seq: list, fmt: str, alt_mask: np.ndarray, alt: str) -> None:
    cols = {c: (_format_dates(part[c], fmt, alt_mask if c == S.RECEIVED_AT else None, alt) if c in DATE_COLUMNS
                else part[c]) for c in part.column_names}
    buf = io.BytesIO()
    pacsv.write_csv(pa.table(cols), buf, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    lines = buf.getvalue().decode("utf-8").split("\n")
    out_lines = [",".join(RAW_HEADER[c] for c in part.column_names)]
    li = iter(lines)
    for s in seq:
        if not isinstance(s, tuple):
            out_lines.append(next(li))
            continue
        row, kind = s
        vals = [f'"{v}"' if ("," in v or '"' in v) else v for v in _row_values(row, part.column_names, fmt)]
        out_lines.append(",".join(vals[:9] if kind == "truncated" else vals))
    path.write_bytes(("\r\n".join(out_lines) + "\r\n").encode("gbk"))


def _write_xlsx(path: Path, part: pa.Table, seq: list, fmt: str, alt_mask: np.ndarray, alt: str) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                         "strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"created": pd.Timestamp("2021-03-01").to_pydatetime(), "author": "12345"})
    ws = wb.add_worksheet("工单")
    dfmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    cols = part.column_names
    ws.write_row(0, 0, [RAW_HEADER[c] for c in cols])
    values = {c: part[c].to_pylist() for c in cols}
    received_alt = _format_dates(part[S.RECEIVED_AT], alt).to_pylist()
    date_idx = [cols.index(c) for c in DATE_COLUMNS]
    text_idx = [i for i in range(len(cols)) if i not in date_idx]
    for r, s in enumerate(seq, start=1):
        if isinstance(s, tuple):
            ws.write_row(r, 0, _row_values(s[0], cols, fmt))
            continue
        for ci in text_idx:
            v = values[cols[ci]][s]
            if v:
                ws.write_string(r, ci, v)
        for ci in date_idx:
            c = cols[ci]
            if c == S.RECEIVED_AT and alt_mask[s]:
                ws.write_string(r, ci, received_alt[s])
            elif values[c][s] is not None:
                ws.write_datetime(r, ci, values[c][s], dfmt)
    wb.close()


_EXPORT_README = """# Synthetic Zibo 12345 export

Generated by `hotline synth --scenario zibo`. Everything here is synthetic.

- `zibo12345_YYYY-MM.csv|xlsx`: monthly work-order exports as the platform
  writes them (GBK-encoded CSV with Chinese headers, some months as XLSX,
  mixed date formats, a few malformed rows, personal data in clear).
- `ground_truth.json`: the planted truth (departments and aliases, trends,
  review, supervision, surges, satisfaction shifts, look-back effects, hot
  topics, counts, PII canaries, malformed rows). For tests and validation
  only; the pipeline never reads it.
- `truth.parquet`: per order: canonical department, duplicate_of, is_valid,
  is_reasonable.
- `supervision.csv`: the committee's register of hearings (department, month
  supervised), as the office keeps it; `hotline lookback` reads it.
"""
