"""Record generation: who handles each record, its type, time, topic, validity and repeats.

Draws from the random stream ``[seed, 1]``; texts and handling come later
(:mod:`.finish`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..catalog import KIND_DISTRICT, KIND_ENTERPRISE
from .calendar import HOUR_WEIGHTS, month_factor
from .plan import Plan, ScenarioConfig
from .request_types import COMPLAINT_LIKE, JUDGED
from .request_types import RequestType as T

DAILY_VOLUME = 4000  # records a day at scale 1 (article: "4,000+ a day")
INVALID_SHARE = 0.035
REPEAT_SHARE = 0.07  # originals (complaint/report/help) that draw repeat calls
REPORT_SHARE = 0.15  # of complaint-like originals that are 举报 rather than 投诉
HOT_SHARE = 0.30  # share of a department's complaints on a planted hot topic
HOT_BASELINE = 0.01  # share outside the planted months
#: Request type mixes: a department's records other than complaint-like ones, the records the
#: hotline answers itself, those of district governments and enterprises, invalid calls.
DEPARTMENT_OTHER_TYPES = {T.HELP: 0.3, T.INQUIRY: 0.55, T.SUGGESTION: 0.1, T.PRAISE: 0.05}
HOTLINE_TYPES = {T.INQUIRY: 0.97, T.HELP: 0.03}
DISTRICT_TYPES = {T.COMPLAINT: 0.62, T.REPORT: 0.08, T.HELP: 0.1, T.INQUIRY: 0.1, T.SUGGESTION: 0.08, T.PRAISE: 0.02}
ENTERPRISE_TYPES = {T.COMPLAINT: 0.6, T.HELP: 0.2, T.INQUIRY: 0.2}
INVALID_TYPES = {T.OTHER: 0.6, T.COMPLAINT: 0.25, T.INQUIRY: 0.15}


def expected_counts(plan: Plan, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Expected monthly complaint originals and other-type records per department ([dept, month])."""
    nd = plan.units.n_departments
    mf = month_factor(plan.days, plan.day_weight, plan.months)
    base = plan.size_net_2019[:nd, None] / 12 / (1 - plan.unreasonable[:nd, None])
    complaints = base * plan.season * mf[None, :] * plan.multiplier * scale
    others = base * plan.season * mf[None, :] * plan.other_ratio[:, None] * scale
    return complaints, others


def generate_records(plan: Plan, config: ScenarioConfig) -> pd.DataFrame:
    """One row per record with unit, type, time, topic and truth flags (no text yet)."""
    rng = np.random.default_rng([config.seed, 1])
    complaints, others = expected_counts(plan, config.scale)
    noise = rng.gamma(1 / 0.06**2, 0.06**2, complaints.shape)
    n_c = rng.poisson(complaints * noise)
    n_o = rng.poisson(others)
    day_month = plan.days.to_period("M")
    df = pd.concat([_month_records(plan, config.scale, rng, j, np.flatnonzero(day_month == month),
                                   n_c[:, j], n_o[:, j]) for j, month in enumerate(plan.months)], ignore_index=True)
    df["topic"] = _assign_topics(df, plan, rng)
    df["reasonable"] = _judge_reasonableness(df, plan, rng)
    df["dup_src"] = -1
    return _add_repeats(df, plan, rng)


def _month_records(plan: Plan, scale: float, rng: np.random.Generator, j: int, in_month: np.ndarray,
                   n_c: np.ndarray, n_o: np.ndarray) -> pd.DataFrame:
    """Month ``j``'s records: department counts ``n_c``/``n_o``, the rest to fill the daily volume."""
    wd = plan.day_weight[in_month]
    total_expected = DAILY_VOLUME * scale * wd.sum()
    dept_unit, dept_type = _department_records(rng, n_c, n_o)
    # expected repeats and invalid calls are part of the daily volume
    rest = total_expected * (1 - INVALID_SHARE) - int(n_c.sum() + n_o.sum()) * (1 + REPEAT_SHARE * 0.5)
    other_unit, other_type = _other_unit_records(plan, rng, max(rest, 0.0))
    n = len(dept_unit) + len(other_unit)
    inv_unit, inv_type = _invalid_records(plan, rng, total_expected)
    unit = np.concatenate([dept_unit, other_unit, inv_unit])
    rtype = np.concatenate([dept_type, other_type, inv_type])
    valid = np.concatenate([np.ones(n, bool), np.zeros(len(inv_unit), bool)])
    m = len(unit)
    day = in_month[rng.choice(len(in_month), size=m, p=wd / wd.sum())]
    secs = rng.choice(24, size=m, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum()) * 3600 + rng.integers(0, 3600, m)
    received = plan.days[day].to_numpy() + secs.astype("timedelta64[s]")
    return pd.DataFrame({"unit": unit, "type": rtype, "valid": valid, "received": received, "month_j": j})


def _draw_types(rng: np.random.Generator, mix: dict[T, float], n: int) -> np.ndarray:
    """``n`` request type codes drawn with the probabilities of ``mix``."""
    return rng.choice(list(mix), size=n, p=list(mix.values()))


def _department_records(rng: np.random.Generator, n_c: np.ndarray, n_o: np.ndarray) -> tuple[np.ndarray, ...]:
    """Units and types of the departments' records: complaint-like originals, then other types."""
    unit_l, type_l = [], []
    for i, (c, o) in enumerate(zip(n_c, n_o)):
        unit_l.append(np.full(c + o, i))
        t = np.where(rng.random(c) < REPORT_SHARE, T.REPORT, T.COMPLAINT)
        ot = _draw_types(rng, DEPARTMENT_OTHER_TYPES, o)
        type_l.append(np.concatenate([t, ot]))
    return np.concatenate(unit_l), np.concatenate(type_l)


def _other_unit_records(plan: Plan, rng: np.random.Generator, rest: float) -> tuple[np.ndarray, ...]:
    """Units and types of ``rest`` expected records answered by the hotline, districts and enterprises."""
    district_units = plan.units.of_kind(KIND_DISTRICT)
    n_hot = rng.poisson(rest * 0.50)  # answered by the hotline (bulletins: about half)
    n_dis = rng.poisson(rest * 0.42)
    n_ent = rng.poisson(rest * 0.08)
    hot_type = _draw_types(rng, HOTLINE_TYPES, n_hot)
    dis_unit = rng.choice(district_units, size=n_dis, p=_district_unit_p(plan, district_units))
    dis_type = _draw_types(rng, DISTRICT_TYPES, n_dis)
    ent_unit = rng.choice(plan.units.of_kind(KIND_ENTERPRISE), size=n_ent)
    ent_type = _draw_types(rng, ENTERPRISE_TYPES, n_ent)
    return (np.concatenate([np.full(n_hot, -1), dis_unit, ent_unit]),
            np.concatenate([hot_type, dis_type, ent_type]))


def _invalid_records(plan: Plan, rng: np.random.Generator, total_expected: float) -> tuple[np.ndarray, ...]:
    """Units and types of invalid calls: mostly to the hotline, some routed to a department or district."""
    nd = plan.units.n_departments
    n_inv = rng.poisson(total_expected * INVALID_SHARE)
    to_hotline = rng.random(n_inv) < 0.75
    inv_unit = np.where(to_hotline, -1, rng.choice(nd + len(plan.units.of_kind(KIND_DISTRICT)), size=n_inv))
    inv_type = _draw_types(rng, INVALID_TYPES, n_inv)
    return inv_unit, inv_type


def _district_unit_p(plan: Plan, district_units: list[int]) -> np.ndarray:
    names = [plan.units.district_of[i] for i in district_units]
    p = np.array([plan.district_p[plan.district_names.index(d)] for d in names])
    return p / p.sum()


def _assign_topics(df: pd.DataFrame, plan: Plan, rng: np.random.Generator) -> np.ndarray:
    """Topic per valid record: routine by season, hot topics and surges on complaints (-1 if invalid)."""
    topics = plan.topics
    out = np.full(len(df), -1)
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
        complaintish = np.isin(df.type.to_numpy()[idx], COMPLAINT_LIKE)
        # routine draw for every record
        out[idx] = rng.choice(cand, size=len(idx), p=w)
        # hot topics replace part of the complaints
        for t in hot:
            share = HOT_SHARE if str(month) in plan.hot_months.get(t, []) else HOT_BASELINE
            pick = complaintish & (rng.random(len(idx)) < share / max(len(hot), 1))
            out[idx[pick]] = t
        # surge months concentrate the extra volume on one issue
        if (unit, j) in plan.surge_topic:
            topic, factor = plan.surge_topic[(unit, j)]
            pick = complaintish & (rng.random(len(idx)) < (factor - 1) / factor)
            out[idx[pick]] = topic
    return out


def _judge_reasonableness(df: pd.DataFrame, plan: Plan, rng: np.random.Generator) -> pd.arrays.BooleanArray:
    """Reasonable or not for valid complaint/report/help records (some complaint-like ones are not); NA otherwise."""
    u = df.unit.to_numpy()
    p_unr = np.where(u >= 0, plan.unreasonable[np.clip(u, 0, None)], 0.0)
    unreasonable = df.valid & df.type.isin(COMPLAINT_LIKE) & (rng.random(len(df)) < p_unr)
    judged = (df.valid & df.type.isin(JUDGED)).to_numpy()
    reasonable = pd.array(np.where(judged, ~unreasonable, False), dtype="boolean")
    reasonable[~judged] = pd.NA
    return reasonable


def _add_repeats(df: pd.DataFrame, plan: Plan, rng: np.random.Generator) -> pd.DataFrame:
    """Repeat calls: the same caller on the same matter within 7 days."""
    eligible = np.flatnonzero(df.valid.to_numpy() & df.type.isin(JUDGED).to_numpy())
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
