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


PLANTED = {"13857694213": ["(138)5769-4213", "138_5769_4213", "138 - 5769 - 4213", "1 3 8 5 7 6 9 4 2 1 3",
                           "+86 １３８/5769/4213"],
           "05332864197": ["（0533）286-4197", "0533 - 2864197"],
           "370302199001014716": ["370302/19900101/4716", "370302-1990-0101-4716"]}


def _planted_rows(n: int = 60) -> list[dict]:
    spellings = [s for v in PLANTED.values() for s in v]
    rows = []
    for i in range(n):
        s = spellings[i % len(spellings)]
        rows.append({"工单编号": f"PII{i:03d}", "受理时间": f"2020-12-{1 + i % 28:02d} 09:00:00", "受理渠道": "电话",
                     "来电号码": "13900000001", "来电人": "张三", "诉求类型": "投诉", "一级分类": f"城乡建设{s}",
                     "二级分类": f"物业管理{s}", "所属区县": f"张店区{s}", "承办单位": "市住建局",
                     "诉求内容": f"小区物业不作为，电梯长期停运无人维修，请回电{s}。", "办理时限": "2020-12-30 09:00:00",
                     "办结时间": "", "工单状态": "办理中", "是否合理诉求": "是", "回访是否联系": "", "回访是否解决": "",
                     "满意度": ""})
    return rows


def _pack_texts(pack: Path) -> dict[str, str]:
    """Every file of a pack as text (Office files: the XML inside; Parquet: its string cells)."""
    import unicodedata
    import zipfile

    import pyarrow.parquet as pq

    out = {}
    for f in pack.rglob("*"):
        if f.suffix in (".xlsx", ".pptx"):
            with zipfile.ZipFile(f) as z:
                text = "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
        elif f.suffix == ".parquet":
            t = pq.read_table(f)
            text = "\n".join(str(v) for c in t.column_names if pa.types.is_string(t.schema.field(c).type)
                             for v in t[c].to_pylist() if v)
        elif f.suffix in (".html", ".json", ".ipynb", ".md", ".csv", ".txt"):
            text = f.read_text("utf-8", "replace")
        else:
            continue
        out[str(f.relative_to(pack))] = unicodedata.normalize("NFKC", text)
    return out


@pytest.mark.slow
def test_no_number_reaches_the_pack(small_export, tmp_path):
    """Numbers planted in the text, district and category columns of a month's orders reach no page, table,
    deck or summary of its pack."""
    import csv

    import pandas as pd

    from hotline_analysis.ingest.pipeline import ingest
    from hotline_analysis.pack import run_report

    extra = tmp_path / "zibo12345_pii.csv"
    rows = _planted_rows()
    with extra.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, list(rows[0]), lineterminator="\r\n")
        w.writeheader()
        w.writerows(rows)
    led = ingest([small_export, extra], ZIBO, tmp_path / "store", progress=False, now=pd.Timestamp("2021-03-05"))
    assert led["rows_read"] == led["stored"] + sum(led["quarantined"].values())
    pack = run_report(tmp_path / "store", "2020-12", tmp_path / "pack", "zh")
    texts = _pack_texts(pack)
    assert any("[电话]" in t for t in texts.values())  # the planted district reached the pack, masked
    for number in PLANTED:
        spread = r"\D{0,4}".join(number)  # the digits with any separators between them
        leaks = [name for name, t in texts.items() if re.search(spread, t)]
        assert not leaks, (number, leaks)
