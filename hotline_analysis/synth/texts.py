"""Texts, names, phone and ID numbers, built as Arrow string arrays (vectorised)."""

from __future__ import annotations

import string
from enum import IntEnum

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..catalog import zibo_catalog
from .plan import Plan
from .request_types import LABELS
from .request_types import RequestType as T
from .units import Topics

MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
                   "155", "156", "158", "159", "176", "177", "180", "181", "186", "187", "188", "189"]
TIMES_OF_DAY = ["晚上10点", "凌晨1点", "早上6点", "晚上8点", "中午12点", "深夜11点"]
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


class TextMode(IntEnum):
    """How a record's request text is made."""

    TEMPLATE = 0  # the topic's issue template, filled with places, amounts, times
    PRAISE = 1  # praise of a department's staff
    INQUIRY = 2  # a question on a department's rules
    INVALID = 3  # an invalid call's text, as is


def take_strings(pool: list[str], idx: np.ndarray) -> pa.Array:
    """``pool[idx]`` as an Arrow string array."""
    return pa.array(pool, type=pa.string()).take(pa.array(idx))


def draw_strings(pool: list[str], rng: np.random.Generator, n: int) -> pa.Array:
    """``n`` elements drawn uniformly (with replacement) from ``pool``."""
    return take_strings(pool, rng.integers(0, len(pool), n))


def join_strings(*parts) -> pa.Array:
    """Element-wise concatenation of string arrays and literals."""
    return pc.binary_join_element_wise(*parts, "")


def replace_at(arr: pa.Array, positions: np.ndarray, values: pa.Array) -> pa.Array:
    """``arr`` with ``arr[positions] = values`` (returns a new array)."""
    index = np.arange(len(arr))
    index[positions] = len(arr) + np.arange(len(positions))
    return pa.concat_arrays([arr, values.cast(arr.type)]).take(pa.array(index))


def pool_pick(pools: list[list[str]], group: np.ndarray, u: np.ndarray) -> pa.Array:
    """For each record pick element floor(u * len) of the pool of its group."""
    flat = [x for p in pools for x in p]
    sizes = np.array([len(p) for p in pools])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    return take_strings(flat, offsets[group] + (u * sizes[group]).astype(int))


def draw_phones(rng: np.random.Generator, n: int) -> pa.Array:
    """``n`` random mobile numbers."""
    tail = pc.utf8_lpad(pa.array(rng.integers(0, 10**8, n)).cast(pa.string()), 8, "0")
    return join_strings(draw_strings(MOBILE_PREFIXES, rng, n), tail)


def draw_names(rng: np.random.Generator, n: int) -> pa.Array:
    """``n`` random Chinese names (surname and given name)."""
    tx = zibo_catalog()["texts"]
    return join_strings(draw_strings(tx["surnames"], rng, n), draw_strings(tx["given_names"], rng, n))


def id_number(region: str, birth: str, seq: int) -> str:
    """An 18-digit resident ID number with a valid ISO 7064 check digit.

    Examples
    --------
    >>> id_number("370303", "19800101", 123)
    '370303198001011234'
    """
    body = f"{region}{birth}{seq:03d}"
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS)) % 11]
    return body + check


def draw_id_number(rng: np.random.Generator) -> str:
    """A random Zibo resident ID number, born 1950-1999."""
    region = f"3703{rng.integers(0, 100):02d}"
    birth = f"{rng.integers(1950, 2000)}{rng.integers(1, 13):02d}{rng.integers(1, 29):02d}"
    return id_number(region, birth, int(rng.integers(0, 1000)))


def request_texts(df: pd.DataFrame, plan: Plan, rng: np.random.Generator, district: pa.Array) -> pa.Array:
    """Request texts from the topic templates, filled with places, amounts and times (vectorised).

    Valid records are framed by an opening and a closing of their request type.
    """
    typ = df.type.to_numpy()
    topic = df.topic.to_numpy()
    valid = df.valid.to_numpy()
    slots = _slots(rng, len(df), district)
    tid = _issue_ids(plan.topics, topic, rng)
    body = _bodies(_text_modes(plan.topics, typ, topic, valid), tid, topic, plan.topics, slots, rng)
    tx = zibo_catalog()["texts"]
    opening = pool_pick([tx["openings"][t] for t in LABELS], typ, rng.random(len(df)))
    closing = pool_pick([tx["closings"][t] for t in LABELS], typ, rng.random(len(df)))
    sep = pc.if_else(pc.or_(pc.starts_with(closing, "，"), pc.starts_with(closing, "。")), "", "，")
    return pc.if_else(pa.array(valid), join_strings(opening, body, sep, closing), body)


def _slots(rng: np.random.Generator, n: int, district: pa.Array) -> dict[str, pa.Array]:
    """Values for the template fields ({place}, {road}, {amount}, ...), one per record."""
    pl = zibo_catalog()["places"]
    road = join_strings(district, draw_strings(pl["roads"], rng, n))
    place = pc.if_else(pa.array(rng.random(n) < 0.8),
                       join_strings(road, "附近的", draw_strings(pl["estates"], rng, n),
                                    draw_strings(pl["estate_suffix"], rng, n)),
                       join_strings(district, draw_strings(pl["villages"], rng, n)))
    amount = np.round(rng.lognormal(7.5, 1.0, n), -1).astype(int) + 10
    return {
        "place": place, "road": road,
        "amount": join_strings(pa.array(amount).cast(pa.string()), "元"),
        "n": pa.array(rng.integers(2, 30, n)).cast(pa.string()),
        "days": join_strings(pa.array(rng.integers(2, 40, n)).cast(pa.string()), "天"),
        "time": draw_strings(TIMES_OF_DAY, rng, n), "bus": draw_strings(pl["buses"], rng, n),
        "company": draw_strings(pl["companies"], rng, n),
    }


def _text_modes(topics: Topics, typ: np.ndarray, topic: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """The :class:`TextMode` of each record."""
    dept_topic = topics.unit[np.clip(topic, 0, None)] >= 0
    return np.where(~valid, TextMode.INVALID,
                    np.where((typ == T.PRAISE) & dept_topic, TextMode.PRAISE,
                             np.where((typ == T.INQUIRY) & dept_topic, TextMode.INQUIRY, TextMode.TEMPLATE)))


def _issue_ids(topics: Topics, topic: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random issue template of each record's topic, as an index into all topics' issues."""
    n_iss = np.array([len(x) for x in topics.issues])
    offsets = np.concatenate([[0], np.cumsum(n_iss)[:-1]])
    t = np.clip(topic, 0, None)
    return offsets[t] + (rng.random(len(topic)) * n_iss[t]).astype(int)


def _fill_template(template: str, slots: dict[str, pa.Array], sel: np.ndarray) -> pa.Array:
    """``template`` filled from ``slots`` at the records ``sel``."""
    idx = pa.array(sel)
    args = []
    for literal, fld, _, _ in string.Formatter().parse(template):
        if literal:
            args.append(literal)
        if fld:
            args.append(slots[fld].take(idx))
    if any(isinstance(a, pa.Array) for a in args):
        return join_strings(*args)
    return pa.array([template] * len(sel), type=pa.string())


def _bodies(mode: np.ndarray, tid: np.ndarray, topic: np.ndarray, topics: Topics, slots: dict[str, pa.Array],
            rng: np.random.Generator) -> pa.Array:
    """The text of each record by its mode, without opening and closing."""
    templates = [t for iss in topics.issues for t in iss]
    l2 = pa.array(topics.l2, type=pa.string())
    invalid_texts = zibo_catalog()["texts"]["invalid"]
    chunks, positions = [], []
    for t in np.unique(tid[mode == TextMode.TEMPLATE]):
        sel = np.flatnonzero((mode == TextMode.TEMPLATE) & (tid == t))
        chunks.append(_fill_template(templates[t], slots, sel))
        positions.append(sel)
    praise = np.flatnonzero(mode == TextMode.PRAISE)
    inquiry = np.flatnonzero(mode == TextMode.INQUIRY)
    invalid = np.flatnonzero(mode == TextMode.INVALID)
    chunks += [join_strings(l2.take(pa.array(topic[praise])), "方面的工作人员办事认真负责"),
               join_strings("咨询", slots["place"].take(pa.array(inquiry)), l2.take(pa.array(topic[inquiry])),
                            "方面的政策规定和办理流程"),
               draw_strings(invalid_texts, rng, len(invalid))]
    positions += [praise, inquiry, invalid]
    return pa.concat_arrays(chunks).take(pa.array(np.argsort(np.concatenate(positions), kind="stable")))
