"""Finishing records into work orders: ids, places, texts, callers, handling and call-backs.

:func:`finish_orders` runs the steps below in order on one random stream
(``[seed, 2]``), so their order is part of the scenario.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..catalog import zibo_catalog
from .plan import Plan, ScenarioConfig
from .request_types import JUDGED, LABELS, RequestType
from .texts import (draw_id_number, draw_names, draw_phones, draw_strings, id_number, join_strings, pool_pick,
                    replace_at, request_texts)

TYPE_LIMIT_DAYS = {RequestType.COMPLAINT: 5, RequestType.REPORT: 5, RequestType.HELP: 3, RequestType.INQUIRY: 1,
                   RequestType.SUGGESTION: 7, RequestType.PRAISE: 1, RequestType.OTHER: 1}
CHANNEL_P = {"phone": 0.85, "web": 0.04, "wechat": 0.06, "app": 0.03, "mailbox": 0.01, "other": 0.01}
CANARY_NAMES = ["欧阳春燕", "司马建国", "诸葛秀英", "上官志强"]
N_CANARIES = 16


@dataclass
class Repeats:
    """Repeat calls (positions in the sorted orders) and the positions of their originals."""

    rows: np.ndarray
    originals: np.ndarray

    def copy_originals(self, arr: pa.Array) -> pa.Array:
        """``arr`` with each repeat call's value replaced by its original's."""
        return replace_at(arr, self.rows, arr.take(pa.array(self.originals)))


@dataclass
class CallerColumns:
    """What callers say, as Arrow strings: the request text, phone number and name."""

    text: pa.Array
    phone: pa.Array
    name: pa.Array


def finish_orders(df: pd.DataFrame, plan: Plan, config: ScenarioConfig) -> pd.DataFrame:
    """Fill in export fields: ids, districts, text, PII, handling, call-back survey.

    Each ``add_*`` step adds its columns to the sorted frame in place.
    """
    rng = np.random.default_rng([config.seed, 2])
    # _row: each record's position before sorting, for the repeat calls' links to their originals
    df = df.assign(_row=np.arange(len(df))).sort_values(["received", "dup_src"], kind="stable").reset_index(drop=True)
    add_order_ids(df)
    repeats = add_duplicate_links(df)
    district = add_districts(df, plan, rng, repeats)
    text = restate_repeats(request_texts(df, plan, rng, district), rng, repeats)
    callers = draw_callers(text, rng, repeats)
    callers = embed_personal_data(callers, df.valid.to_numpy(), rng)
    callers, canaries = plant_pii_canaries(callers, df, repeats, rng)
    add_caller_columns(df, callers)
    add_departments(df, plan, rng)
    add_categories_and_channel(df, plan, rng)
    add_handling(df, plan, rng, config.seed)
    add_callback_survey(df, plan, rng)
    add_truth_columns(df, canaries)
    return df


def add_order_ids(df: pd.DataFrame) -> None:
    """Order ids: ZB + date + per-day sequence."""
    date = df.received.dt.strftime("%Y%m%d")
    seq = df.groupby(date).cumcount() + 1
    df["order_id"] = "ZB" + date + seq.astype(str).str.zfill(5)


def add_duplicate_links(df: pd.DataFrame) -> Repeats:
    """Duplicate links point at the first report of the matter."""
    n = len(df)
    pos_of_row = np.empty(n, dtype=np.int64)
    pos_of_row[df["_row"].to_numpy()] = np.arange(n)
    src = df.dup_src.to_numpy()
    rep = np.flatnonzero(src >= 0)
    repeats = Repeats(rep, pos_of_row[src[rep]])
    dup_of = np.full(n, None, dtype=object)
    dup_of[repeats.rows] = df.order_id.to_numpy()[repeats.originals]
    df["duplicate_of"] = pd.array(dup_of, dtype="string")
    return repeats


def add_districts(df: pd.DataFrame, plan: Plan, rng: np.random.Generator, repeats: Repeats) -> pa.Array:
    """District: district governments are their own district; others by population.

    A repeat call comes from the same caller and place as its original.
    """
    dist_names = np.array(plan.district_names, dtype=object)
    district = dist_names[rng.choice(len(dist_names), size=len(df), p=plan.district_p)]
    own = np.array([d or "" for d in plan.units.district_of] + [""], dtype=object)[df.unit.to_numpy()]
    district = np.where(own != "", own, district)
    district[repeats.rows] = district[repeats.originals]
    df["district"] = district
    return pa.array(district, type=pa.string())


def restate_repeats(text: pa.Array, rng: np.random.Generator, repeats: Repeats) -> pa.Array:
    """Repeats restate the original: after a prefix (50%), word for word (20%) or with a suffix (30%)."""
    tx = zibo_catalog()["texts"]
    o = text.take(pa.array(repeats.originals))
    n = len(repeats.rows)
    style = rng.random(n)
    prefixed = join_strings(draw_strings(tx["repeat_prefix"], rng, n), o)
    suffixed = join_strings(pc.utf8_rtrim(o, characters="。"), "，", draw_strings(tx["repeat_suffix"], rng, n))
    restated = pc.if_else(pa.array(style < 0.5), prefixed, pc.if_else(pa.array(style < 0.7), o, suffixed))
    return replace_at(text, repeats.rows, restated)


def draw_callers(text: pa.Array, rng: np.random.Generator, repeats: Repeats) -> CallerColumns:
    """Callers: repeats reuse the original caller; 30% give no name."""
    n = len(text)
    phone = repeats.copy_originals(draw_phones(rng, n))
    name = repeats.copy_originals(draw_names(rng, n))
    name = pc.if_else(pa.array(rng.random(n) < 0.3), "", name)
    return CallerColumns(text, phone, name)


def embed_personal_data(callers: CallerColumns, valid: np.ndarray, rng: np.random.Generator) -> CallerColumns:
    """Personal data inside valid texts: the phone number (8%), an ID number (1.5%) or the name (3%)."""
    r = rng.random(len(valid))
    with_phone = np.flatnonzero(valid & (r < 0.08))
    with_id = np.flatnonzero(valid & (r >= 0.08) & (r < 0.095))
    with_name = np.flatnonzero(valid & (r >= 0.095) & (r < 0.125))
    ids = pa.array([draw_id_number(rng) for _ in range(len(with_id))], type=pa.string())
    text, phone, name = callers.text, callers.phone, callers.name

    def at(arr, idx):
        return arr.take(pa.array(idx))

    def name_at(idx):
        v = at(name, idx)
        return pc.if_else(pc.equal(v, ""), "王某", v)

    text = replace_at(text, with_phone, join_strings(pc.utf8_rtrim(at(text, with_phone), characters="。"), "，联系电话",
                                                     at(phone, with_phone), "。"))
    text = replace_at(text, with_id, join_strings("本人", name_at(with_id), "，身份证号", ids, "，", at(text, with_id)))
    text = replace_at(text, with_name, join_strings("我叫", name_at(with_name), "，", at(text, with_name)))
    return CallerColumns(text, phone, name)


def _canary(q: int, text: str) -> tuple[str, str, str | None]:
    """The ``q``-th canary value, the text carrying it, and the column also holding it (or None)."""
    if q < 6:
        v = f"1990533{q:04d}"
        return v, f"{text.rstrip('。')}，联系电话{v}。", "phone"
    if q < 10:
        v = id_number("370303", f"19{60 + q}0{(q % 9) + 1}1{q % 10}", 900 + q)
        return v, f"本人身份证号{v}，{text}", None
    if q < 14:
        v = CANARY_NAMES[q - 10]
        return v, f"我叫{v}，{text}", "name"
    v = f"canary{q}@example.com"
    return v, f"{text.rstrip('。')}，邮箱{v}。", None


def _replace_values(arr: pa.Array, values: dict[int, str]) -> pa.Array:
    """``arr`` with ``arr[k] = v`` for each ``k: v`` of ``values``."""
    if not values:
        return arr
    return replace_at(arr, np.array(list(values)), pa.array(list(values.values()), type=pa.string()))


def plant_pii_canaries(callers: CallerColumns, df: pd.DataFrame, repeats: Repeats,
                       rng: np.random.Generator) -> tuple[CallerColumns, list[str]]:
    """PII canaries: rare values planted in the phone and name columns and inside texts.

    They go to valid first reports without repeats, so that each stands once in the export.
    """
    has_repeat = np.zeros(len(df), bool)
    has_repeat[repeats.originals] = True
    first = df.valid.to_numpy() & (df.dup_src.to_numpy() < 0) & ~has_repeat
    cand = np.flatnonzero(first & np.isin(df.type.to_numpy(), JUDGED))
    picks = rng.choice(cand, size=min(N_CANARIES, len(cand)), replace=False).tolist()
    texts, columns, canaries = {}, {"phone": {}, "name": {}}, []
    for q, k in enumerate(picks):
        v, texts[k], column = _canary(q, callers.text[k].as_py())
        if column:
            columns[column][k] = v
        canaries.append(v)
    planted = CallerColumns(_replace_values(callers.text, texts), _replace_values(callers.phone, columns["phone"]),
                            _replace_values(callers.name, columns["name"]))
    return planted, canaries


def _to_pandas(arr: pa.Array) -> pd.Series:
    return arr.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)


def add_caller_columns(df: pd.DataFrame, callers: CallerColumns) -> None:
    """The ``content``, ``phone`` and ``caller_name`` columns."""
    df["content"] = _to_pandas(callers.text)
    df["phone"] = _to_pandas(callers.phone)
    df["caller_name"] = _to_pandas(callers.name)


def _unit_or_hotline(df: pd.DataFrame, plan: Plan) -> np.ndarray:
    """Each order's unit index, the hotline itself being ``len(plan.units.names)``."""
    unit = df.unit.to_numpy()
    return np.where(unit >= 0, unit, len(plan.units.names))


def add_departments(df: pd.DataFrame, plan: Plan, rng: np.random.Generator) -> None:
    """Department as exported: an alias, sometimes with stray spaces or full-width brackets."""
    units = plan.units
    n = len(df)
    has_unit = df.unit.to_numpy() >= 0
    ut = _unit_or_hotline(df, plan)
    raw = pool_pick(units.aliases + [[""]], ut, rng.random(n))
    noise = rng.random(n)
    spaced = join_strings(pc.utf8_slice_codeunits(raw, 0, 2), " ", pc.utf8_slice_codeunits(raw, 2))
    raw = pc.if_else(pa.array(has_unit & (noise < 0.03)), spaced, raw)
    raw = pc.if_else(pa.array(has_unit & (noise >= 0.03) & (noise < 0.05)), join_strings(raw, "\u3000"), raw)
    raw = pc.replace_substring(pc.replace_substring(raw, "(", "（"), ")", "）")
    df["department_raw"] = _to_pandas(raw)
    df["department"] = pd.array(np.array(units.names + [None], dtype=object)[ut], dtype="string")


def add_categories_and_channel(df: pd.DataFrame, plan: Plan, rng: np.random.Generator) -> None:
    """Categories from the topic; the channel the call came in by."""
    tpc = df.topic.to_numpy()
    df["category_l1"] = np.array(plan.topics.l1 + [""], dtype=object)[tpc]
    df["category_l2"] = np.array(plan.topics.l2 + [""], dtype=object)[tpc]
    df["channel"] = np.array(list(CHANNEL_P))[rng.choice(len(CHANNEL_P), size=len(df), p=list(CHANNEL_P.values()))]


def add_handling(df: pd.DataFrame, plan: Plan, rng: np.random.Generator, seed: int) -> None:
    """Handling: due, closed, status; then the handling record (:func:`add_handling_record`).

    On-time orders close at 5-100% of their time limit (skewed early: about two in three within half of it,
    as published 提前办结率 of 62-72% suggest), late ones at 1-3 times it.
    """
    n = len(df)
    has_unit = df.unit.to_numpy() >= 0
    valid = df.valid.to_numpy()
    limit_days = np.array([TYPE_LIMIT_DAYS[t] for t in RequestType])[df.type.to_numpy()]
    received = df.received.to_numpy()
    due = received + (limit_days * 86400).astype("timedelta64[s]")
    on_time = np.append(plan.on_time, 0.99)[_unit_or_hotline(df, plan)]
    late = rng.random(n) >= on_time
    early = 0.05 + 0.95 * rng.uniform(0.0, 1.0, n) ** 1.8
    frac = np.where(late, rng.uniform(1.0, 3.0, n), early)
    frac = np.where(has_unit, frac, rng.uniform(0.0005, 0.01, n))  # the hotline answers at once
    closed = received + (frac * limit_days * 86400).astype("timedelta64[s]")
    rng_h = np.random.default_rng([seed, 7])
    closed = _backlog(closed, df, plan, rng_h)
    export_time = np.datetime64(plan.days[-1] + pd.Timedelta(days=4))
    status = np.where(closed > export_time, "open", "closed").astype(object)
    status[has_unit & valid & (rng.random(n) < 0.01)] = "returned"
    status[~valid] = np.where(rng.random((~valid).sum()) < 0.5, "cancelled", "closed")
    df["due_at"] = due
    df["closed_at"] = np.where(status == "closed", closed, np.datetime64("NaT"))
    df["status"] = status
    add_handling_record(df, plan, rng_h, late)


def _backlog(closed: np.ndarray, df: pd.DataFrame, plan: Plan, rng: np.random.Generator) -> np.ndarray:
    """The planted backlog: 40% of the dispatched orders received in the backlog month's last ten days are
    closed 0.5-8 days after it ends (when they would have closed within it)."""
    end = np.datetime64(plan.handling.backlog_month.end_time.normalize() + pd.Timedelta(days=1))
    start = end - np.timedelta64(10, "D")
    received = df.received.to_numpy()
    hit = ((df.unit.to_numpy() >= 0) & (received >= start) & (received < end) & (closed < end)
           & (rng.random(len(df)) < 0.4))
    delay = (rng.uniform(0.5, 8.0, len(df)) * 86400).astype("timedelta64[s]")
    return np.where(hit, end + delay, closed)


def add_handling_record(df: pd.DataFrame, plan: Plan, rng: np.random.Generator, late: np.ndarray) -> None:
    """What the platform records of each dispatched order's handling (null for orders the hotline settled):

    - first response: log-normal delay, median 2 h (8 h in the slow departments);
    - reassigned: 0.8% of orders (gaoan's published 重派率 0.82%), 15% in the reassigning department, a tenth
      of them twice;
    - extension requested by 2% of orders (15% of late ones), granted for 85% of requests;
    - escalated for supervision (督办): 0.4% of orders, 4% of late ones.
    """
    n = len(df)
    unit = df.unit.to_numpy()
    has_unit = unit >= 0
    slow = np.isin(unit, plan.handling.slow)
    delay_h = np.exp(np.log(np.where(slow, 8.0, 2.0)) + np.where(slow, 1.2, 1.0) * rng.standard_normal(n))
    first = df.received.to_numpy() + (delay_h * 3600).astype("timedelta64[s]")
    p_re = np.where(unit == plan.handling.reassigning, 0.15, 0.008)
    reassigned = (rng.random(n) < p_re) * (1 + (rng.random(n) < 0.1))
    requested = rng.random(n) < np.where(late, 0.15, 0.02)
    granted = requested & (rng.random(n) < 0.85)
    escalated = rng.random(n) < np.where(late, 0.04, 0.004)

    def dispatched(values: np.ndarray, dtype: str) -> pd.api.extensions.ExtensionArray:
        return pd.array(np.where(has_unit, values, None), dtype=dtype)

    df["handled_directly"] = pd.array(~has_unit, dtype="boolean")
    df["first_response_at"] = np.where(has_unit, first, np.datetime64("NaT"))
    df["reassigned"] = dispatched(reassigned, "Int64")
    df["extension_requested"] = dispatched(requested, "boolean")
    df["extension_granted"] = dispatched(granted, "boolean")
    df["escalated"] = dispatched(escalated, "boolean")


def _dissatisfaction_p(df: pd.DataFrame, plan: Plan) -> np.ndarray:
    """P(dissatisfied) per order: the unit's rate, shifted where planted; 45% if unreasonable."""
    unit = df.unit.to_numpy()
    month_j = df.month_j.to_numpy()
    dissat_p = np.append(plan.dissat_p, 0.0012)[_unit_or_hotline(df, plan)].copy()
    for sh in plan.sat_shifts:
        i = plan.units.names.index(sh["department"])
        j0 = plan.months.get_loc(pd.Period(sh["month"], "M"))
        sel = (unit == i) & (month_j >= j0)
        dissat_p[sel] = np.clip(dissat_p[sel] - sh["delta_pp"] / 100, 0, 1)
    unreasonable = (df.reasonable == False).fillna(False).to_numpy()  # noqa: E712
    return np.where(unreasonable, 0.45, dissat_p)


def add_callback_survey(df: pd.DataFrame, plan: Plan, rng: np.random.Generator) -> None:
    """Call-back survey of closed, valid first reports."""
    n = len(df)
    judged = np.isin(df.type.to_numpy(), JUDGED)
    first = (df.status == "closed").to_numpy() & df.valid.to_numpy() & (df.dup_src.to_numpy() < 0)
    surveyed = first & (rng.random(n) < np.where(judged, 0.75, 0.3))
    contacted = surveyed & (rng.random(n) < 0.93)
    resolved = contacted & (rng.random(n) < np.append(plan.resolve_p, 0.95)[_unit_or_hotline(df, plan)])
    dissat_p = _dissatisfaction_p(df, plan)
    sat = np.where(rng.random(n) < dissat_p, "dissatisfied",
                   np.where(rng.random(n) < 0.1, "basically_satisfied", "satisfied")).astype(object)
    sat[~contacted] = None
    df["contacted"] = pd.array(np.where(surveyed, contacted, None), dtype="boolean")
    df["resolved"] = pd.array(np.where(contacted & judged, resolved, None), dtype="boolean")
    df["satisfaction"] = sat


def add_truth_columns(df: pd.DataFrame, canaries: list[str]) -> None:
    """Request type labels, validity and reasonableness under their final names; the canaries in ``attrs``."""
    df["request_type"] = np.array(LABELS)[df.type.to_numpy()]
    df["is_valid"] = df.valid.to_numpy()
    df["is_reasonable"] = df.pop("reasonable")
    df.attrs["pii_canaries"] = canaries
