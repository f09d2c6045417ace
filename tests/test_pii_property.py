"""Property: a valid mobile, landline or ID number, written with any separators, brackets, full-width digits,
spacing and +86 prefixes people use, never survives masking, in a text or in any free-text column of the
canonical frame, the quarantine and the ledger's value lists (issue 14 item 4)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline_analysis import schema as S
from hotline_analysis.ingest.canonical import to_canonical
from hotline_analysis.ingest.presets import load_preset
from hotline_analysis.ingest.readers import ROW, RawRead
from hotline_analysis.privacy import mask_texts

ZIBO = load_preset("zibo12345")
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
SEPARATORS = [" ", "  ", "\u3000", "\t", "-", "－", "—", "_", "/", ".", "·", " - ", " / "]
#: Text around a number: Chinese, Latin letters and punctuation, never a digit.
CONTEXT = st.text(alphabet="请回电联系电话我的号码是身份证到家了谢谢 Tel:：，。、,;abcXY", max_size=8)


def digits(n: int, first: str = "0123456789") -> st.SearchStrategy[str]:
    return st.tuples(st.sampled_from(first), st.text("0123456789", min_size=n - 1, max_size=n - 1)).map("".join)


MOBILE = st.tuples(st.just("1"), st.sampled_from("3456789"), digits(9)).map("".join)
LANDLINE = st.tuples(st.just("0"), digits(2, "123456789") | digits(3, "123456789"), digits(7, "2345678") | digits(8, "2345678"))
ID = st.tuples(digits(6, "123456789"), st.dates(dt.date(1900, 1, 1), dt.date(2020, 12, 31)).map(lambda d: d.strftime("%Y%m%d")),
               digits(3), st.sampled_from("0123456789X")).map("".join)


def _render(draw, groups: list[str]) -> str:
    """Groups joined by separators (or none), each digit ASCII or full-width."""
    out = []
    for i, g in enumerate(groups):
        out.append("".join(c.translate(FULL_WIDTH) if draw(st.booleans()) else c for c in g))
        if i < len(groups) - 1:
            out.append(draw(st.sampled_from(["", *SEPARATORS])))
    return "".join(out)


def _bracket(draw, group: str) -> str:
    left, right = draw(st.sampled_from([("", ""), ("(", ")"), ("（", "）"), ("【", "】")]))
    return f"{left}{group}{right}"


@st.composite
def written_numbers(draw) -> tuple[str, str]:
    """(how a number is written, which kind) for a valid mobile, landline or ID number."""
    kind = draw(st.sampled_from(["mobile", "mobile_spaced", "landline", "id"]))
    prefix = draw(st.sampled_from(["", "", "+86 ", "+86-", "(+86)", "0086 ", "86", "＋86 "]))
    if kind == "mobile":
        n = draw(MOBILE)
        cuts = draw(st.sampled_from([(3, 7), (3,), (7,), (4, 8), (), (3, 4, 7, 8)]))
        groups = [n[a:b] for a, b in zip((0, *cuts), (*cuts, 11))]
        groups[0] = _bracket(draw, groups[0])
        return prefix + _render(draw, groups), kind
    if kind == "mobile_spaced":
        n = draw(MOBILE)
        return "".join(c + draw(st.sampled_from([" ", "  ", "\u3000", ""])) for c in n[:-1]) + n[-1], kind
    if kind == "landline":
        zero, area, local = draw(LANDLINE)
        cut = draw(st.sampled_from([0, 3, 4]))
        groups = [_bracket(draw, zero + area), *([local[:cut], local[cut:]] if cut else [local])]
        return prefix + _render(draw, groups), kind
    n = draw(ID)
    cuts = sorted(draw(st.sets(st.sampled_from([6, 10, 12, 14, 17]))))
    return _render(draw, [n[a:b] for a, b in zip((0, *cuts), (*cuts, 18))]), kind


@st.composite
def texts_with_a_number(draw) -> str:
    number, _ = draw(written_numbers())
    return f"{draw(CONTEXT)}{number}{draw(CONTEXT)}"


def no_digit(text: str | None) -> bool:
    return text is None or not re.search(r"\d", text)  # \d: any Unicode digit, full-width included


@settings(max_examples=500, deadline=None)
@given(texts_with_a_number())
def test_no_number_survives_masking(text):
    assert no_digit(mask_texts(pa.array([text]))[0].as_py()), text


@settings(max_examples=200, deadline=None)
@given(st.lists(written_numbers(), min_size=2, max_size=3), st.sampled_from(["，", "、", " ", ",", "；"]))
def test_numbers_back_to_back_are_all_masked(numbers, sep):
    text = "电话" + sep.join(n for n, _ in numbers)
    spaced_next_to_another = any(k == "mobile_spaced" for _, k in numbers) and sep == " "
    if not spaced_next_to_another:  # digits spaced one by one, then a space and more digits: one long number
        assert no_digit(mask_texts(pa.array([text]))[0].as_py()), text


def _raw(values: dict[str, list[str]]) -> RawRead:
    n = len(next(iter(values.values())))
    cols = {ROW: pa.array(np.arange(1, n + 1), type=pa.int64())}
    header = {"工单编号", "受理时间", "受理渠道", "来电号码", "诉求类型", "一级分类", "二级分类", "所属区县", "承办单位",
              "诉求内容", "办理时限", "办结时间", "工单状态", "是否合理诉求", "回访是否联系", "回访是否解决", "满意度"}
    for h in sorted(header):
        cols[h] = pa.array(values.get(h, [""] * n), type=pa.string())
    return RawRead(Path("p.csv"), pa.table(cols), "utf-8")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(texts_with_a_number(), min_size=6, max_size=6))
def test_no_number_reaches_a_free_text_column_the_quarantine_or_the_value_lists(texts):
    c = ZIBO.columns
    raw = _raw({c["order_id"]: ["A1", "A2"], c["received_at"]: ["2020-12-01 08:00:00", texts[5]],
                c["content"]: texts[:2], c["district"]: texts[1:3], c["department_raw"]: texts[2:4],
                c["category_l1"]: texts[3:5], c["category_l2"]: texts[4:6], c["channel"]: texts[:2],
                c["status"]: texts[1:3]})
    can = to_canonical(raw, ZIBO, b"k")
    assert can.frame[S.ORDER_ID].tolist() == ["A1"] and len(can.quarantine) == 1
    for col in (S.CONTENT, S.DISTRICT, S.DEPARTMENT_RAW, S.CATEGORY_L1, S.CATEGORY_L2):
        assert all(no_digit(v) for v in can.frame[col].dropna()), col
    assert all(no_digit(v) for v in can.quarantine["value"])
    assert all(no_digit(k) for counts in can.unmapped.values() for k in counts)
