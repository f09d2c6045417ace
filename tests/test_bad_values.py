"""Bad values in exports (issue 14 items 4-6 and 10, issue 15 names): each case ingested from a small file
written here, with the exit status, the ledger's balance and the quarantine's reason checked."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import unicodedata
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hotline_analysis import schema as S
from hotline_analysis.clean import map_departments, normalise_name
from hotline_analysis.cli import main
from hotline_analysis.ingest.canonical import parse_dates, to_canonical, why_not_a_date
from hotline_analysis.ingest.pipeline import ingest
from hotline_analysis.ingest.presets import load_preset
from hotline_analysis.ingest.readers import read_export
from hotline_analysis.privacy import mask_text
from hotline_analysis.settings import settings_from_dict
from hotline_analysis.store import Store

ZIBO = load_preset("zibo12345")
HEADER = ["工单编号", "受理时间", "受理渠道", "来电号码", "来电人", "诉求类型", "一级分类", "二级分类", "所属区县",
          "承办单位", "诉求内容", "办理时限", "办结时间", "工单状态", "是否合理诉求", "回访是否联系", "回访是否解决", "满意度"]
BASE = dict(zip(HEADER, ["A1", "2020-12-01 08:00:00", "电话", "13900000001", "张三", "投诉", "劳动和社会保障",
                         "拖欠工资", "张店区", "人社局", "某公司拖欠工资三个月，希望尽快处理。", "2020-12-06 08:00:00",
                         "2020-12-02 08:00:00", "已办结", "是", "是", "是", "满意"]))


def order(**fields) -> dict:
    """One exported row: the base row with canonical fields (``received_at=...``) replaced."""
    out = dict(BASE)
    for fld, value in fields.items():
        out[ZIBO.columns[fld]] = value
    return out


def write(path: Path, rows: list[dict], encoding: str = "utf-8") -> Path:
    buf = io.StringIO()
    w = csv.DictWriter(buf, HEADER, lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def run(tmp_path: Path, path: Path, preset=ZIBO) -> dict:
    return ingest([path], preset, tmp_path / "store", progress=False, now=pd.Timestamp("2021-03-05"), jobs=1)


def run_cli(tmp_path: Path, path: Path) -> tuple[int, dict, Store]:
    """``hotline ingest`` in this process: exit status, the ledger it saved, the store."""
    store = tmp_path / "cli_store"
    code = main(["ingest", str(path), "--preset", "zibo12345", "--store", str(store), "--jobs", "1", "--quiet"])
    ledgers = sorted((store / "ledgers").glob("*.json"))
    return code, json.loads(ledgers[-1].read_text("utf-8")) if ledgers else {}, Store(store)


def balanced(led: dict) -> bool:
    return (led["rows_read"] == led["stored"] + sum(led["quarantined"].values())
            and led["stored"] == led["net_complaints"] + sum(led["excluded"].values()))


def corrections(led: dict) -> dict:
    return led["files"][0]["corrections"]


# --- personal data in every free-text column ----------------------------------------------------------------

SPELLINGS = ["(138)5769-4213", "138_5769_4213", "138 - 5769 - 4213", "138/5769/4213", "1 3 8 5 7 6 9 4 2 1 3",
             "１３８５７６９４２１３", "+86 138 5769 4213", "（0533）286-4197", "370302/19900101/4716",
             "370302-1990-0101-471X"]
DIGITS = ["13857694213"] * 7 + ["05332864197", "370302199001014716", "37030219900101471"]


def _digits(text: str) -> str:
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", text))


def _strings(store: Store) -> list[str]:
    """Every text the store holds: string cells of every Parquet file, and every JSON string of its ledgers and
    manifest."""
    out: list[str] = []
    for path in store.root.rglob("*.parquet"):
        t = pq.read_table(path)
        for name in t.column_names:
            if pa.types.is_string(t.schema.field(name).type) or pa.types.is_large_string(t.schema.field(name).type):
                out += [v for v in t[name].to_pylist() if v]
    for path in [*store.root.rglob("*.json")]:
        def walk(x):
            if isinstance(x, dict):
                for k, v in x.items():
                    out.append(str(k))
                    walk(v)
            elif isinstance(x, list):
                for v in x:
                    walk(v)
            elif isinstance(x, str):
                out.append(x)
        walk(json.loads(path.read_text("utf-8")))
    return out


def test_numbers_in_any_spelling_reach_no_column_of_the_store_ledger_or_quarantine(tmp_path):
    rows = []
    for i, s in enumerate(SPELLINGS):
        rows.append(order(order_id=f"P{i}", content=f"请回电{s}谢谢", district=f"张店区{s}", department_raw=f"人社局{s}",
                          category_l1=f"劳动{s}", category_l2=f"工资{s}", channel=f"电话{s}", due_at=f"见{s}"))
        rows.append(order(order_id=f"Q{i}", received_at=f"受理{s}"))  # quarantined with its value
    code, led, store = run_cli(tmp_path, write(tmp_path / "pii.csv", rows))
    assert code == 0 and balanced(led)
    assert led["stored"] == len(SPELLINGS) and led["quarantined"] == {"received_at: unparseable date": len(SPELLINGS)}
    cells = [_digits(v) for v in _strings(store)]
    for d in DIGITS:
        assert not any(d[-8:] in c for c in cells), d
    df = store.load().set_index(S.ORDER_ID)
    assert df.loc["P0", S.CONTENT] == "请回电[电话]谢谢" and df.loc["P8", S.DISTRICT] == "张店区[身份证号]"
    assert set(led["files"][0]["unknown_departments"]) == {"人社局[电话]", "人社局[身份证号]"}
    assert set(store.quarantine().value) == {"受理[电话]", "受理[身份证号]"}


def test_ordinary_numbers_are_not_masked(tmp_path):
    text = "2021.02.03-2021.03.04期间欠款12000元，12号楼3单元1302室，工单ZB2020120404388，共3户"
    led = run(tmp_path, write(tmp_path / "n.csv", [order(content=text, district="12号楼3单元", category_l2="2020年度")]))
    assert balanced(led) and led["stored"] == 1
    got = Store(tmp_path / "store").load().iloc[0]
    assert (got[S.CONTENT], got[S.DISTRICT], got[S.CATEGORY_L2]) == (text, "12号楼3单元", "2020年度")
    assert mask_text("0.5 1.2 3.4 5.6 7.8，13 14 15 16 17 18") == "0.5 1.2 3.4 5.6 7.8，13 14 15 16 17 18"


# --- dates ------------------------------------------------------------------------------------------------


def test_an_impossible_received_date_is_quarantined_never_rolled_over(tmp_path):
    rows = [order(order_id="A1"), order(order_id="A2", received_at="2021/02/30 10:00"),
            order(order_id="A3", received_at="2020-02-29 10:00:00")]  # 2020 is a leap year: a real date
    code, led, store = run_cli(tmp_path, write(tmp_path / "d.csv", rows))
    assert code == 0 and balanced(led)
    assert led["quarantined"] == {"received_at: not a calendar date": 1}
    q = store.quarantine()
    assert (q.source_row.tolist(), q.value.tolist()) == ([2], ["2021/02/30 10:00"])
    assert sorted(store.load()[S.ORDER_ID]) == ["A1", "A3"]
    assert "2021-03" not in store.months()


def test_an_impossible_due_date_is_set_to_null_and_the_other_dates_kept(tmp_path):
    rows = [order(order_id="A1", received_at="2021/02/27 10:00", due_at="2021/02/30 10:00",
                  closed_at="2021/02/28 09:00")]
    led = run(tmp_path, write(tmp_path / "d.csv", rows))
    assert balanced(led) and led["stored"] == 1 and led["quarantined"] == {}
    assert corrections(led) == {"due_at: not a calendar date, set to null": 1}
    got = Store(tmp_path / "store").load().iloc[0]
    assert got[S.DUE_AT] is pd.NaT
    assert (got[S.RECEIVED_AT], got[S.CLOSED_AT]) == (pd.Timestamp("2021-02-27 10:00"), pd.Timestamp("2021-02-28 09:00"))


def test_placeholder_due_and_closed_dates_are_set_to_null_and_counted(tmp_path):
    rows = [order(order_id="A1", due_at="9999-12-31 23:59:59", closed_at="1970-01-01 08:00:00"),
            order(order_id="A2", due_at="1900-01-01 00:00:00", closed_at="0001-01-01 00:00:00"),
            order(order_id="A3", due_at="2300-01-01 00:00:00")]
    code, led, store = run_cli(tmp_path, write(tmp_path / "d.csv", rows))
    assert code == 0 and balanced(led) and led["stored"] == 3 and led["quarantined"] == {}
    assert corrections(led) == {"due_at: outside 2000-01-01..2099-12-31, set to null": 3,
                                "closed_at: outside 2000-01-01..2099-12-31, set to null": 2}
    df = store.load().set_index(S.ORDER_ID)
    assert df[S.DUE_AT].isna().all() and df[S.CLOSED_AT].isna().tolist() == [True, True, False]


@pytest.mark.parametrize("text, fmt, expected", [
    ("02/30/2021 10:00:00 AM", "%m/%d/%Y %I:%M:%S %p", None), ("02/28/2021 10:00:00 PM", "%m/%d/%Y %I:%M:%S %p",
                                                                dt.datetime(2021, 2, 28, 22)),
    ("2021年4月31日 09:00", "%Y年%m月%d日 %H:%M", None), ("2021-04-31T09:00:00", "%Y-%m-%d %H:%M:%S", None),
    ("2024-02-29 09:00:00", "%Y-%m-%d %H:%M:%S", dt.datetime(2024, 2, 29, 9))])
def test_impossible_dates_are_not_read_in_any_format(text, fmt, expected):
    assert parse_dates(pa.array([text]), (fmt,)).to_pylist() == [expected]
    assert (why_not_a_date(text, (fmt,)) == "not a calendar date") == (expected is None)


@pytest.mark.parametrize("received", ["0001-01-01 00:00:00", "2300-01-01 00:00:00", "9999-12-31 23:59:59",
                                      "1900-01-01 00:00:00", "1970-01-01 08:00:00", "1999-12-31 23:59:59"])
def test_a_received_date_outside_the_believable_range_is_quarantined_without_a_traceback(tmp_path, received, capsys):
    rows = [order(order_id="A1"), order(order_id="A2", received_at=received)]
    code, led, store = run_cli(tmp_path, write(tmp_path / "d.csv", rows))
    assert code == 0 and balanced(led), capsys.readouterr().err
    assert led["quarantined"] == {"received_at: outside 2000-01-01..2099-12-31": 1}
    assert store.quarantine().value.tolist() == [received]
    assert store.months() == ["2020-12"]


def test_the_believable_range_is_a_setting(tmp_path):
    path = write(tmp_path / "d.csv", [order(order_id="A1"), order(order_id="A2", received_at="2019-06-01 08:00:00",
                                                                  closed_at="2019-06-02 08:00:00")])
    settings = settings_from_dict({"ingest": {"earliest_date": "2020-01-01", "latest_date": "2020-12-31"}})
    can = to_canonical(read_export(path), ZIBO, b"k", settings=settings)
    assert can.frame[S.ORDER_ID].tolist() == ["A1"]
    assert can.quarantine[["source_row", "reason"]].values.tolist() == [[2, "outside 2020-01-01..2020-12-31"]]
    with pytest.raises(Exception, match="ingest.earliest_date"):
        to_canonical(read_export(path), ZIBO, b"k", settings=settings_from_dict({"ingest": {"earliest_date": "x"}}))


def test_zone_aware_parquet_timestamps_become_local_time_and_the_ledger_says_so(tmp_path):
    rows = [order(order_id="A1"), order(order_id="A2")]
    cols = {h: pa.array([r[h] for r in rows]) for h in HEADER}
    utc = pa.timestamp("us", tz="UTC")  # naive datetimes below are read as UTC
    cols["受理时间"] = pa.array([dt.datetime(2020, 11, 30, 16, 30), dt.datetime(2020, 12, 1, 1, 0)], type=utc)
    cols["办理时限"] = pa.array([dt.datetime(2020, 12, 6, 8, 0), dt.datetime(9999, 12, 31, 23, 59, 59)], type=utc)
    pq.write_table(pa.table(cols), tmp_path / "z.parquet")  # the placeholder is past year 9999 in Shanghai
    led = run(tmp_path, tmp_path / "z.parquet")
    assert balanced(led) and led["stored"] == 2
    assert corrections(led) == {"received_at: time zone UTC converted to local time in Asia/Shanghai": 2,
                                "due_at: time zone UTC converted to local time in Asia/Shanghai": 2,
                                "due_at: outside 2000-01-01..2099-12-31, set to null": 1}
    got = Store(tmp_path / "store").load().sort_values(S.ORDER_ID)[S.RECEIVED_AT].tolist()
    assert got == [pd.Timestamp("2020-12-01 00:30"), pd.Timestamp("2020-12-01 09:00")]


def test_texts_with_a_utc_offset_become_local_time(tmp_path):
    rows = [order(order_id="A1", received_at="2020-11-30T16:30:00Z"),
            order(order_id="A2", received_at="2020-12-01T09:00:00+08:00"),
            order(order_id="A3", received_at="2020-12-01 10:00:00")]
    led = run(tmp_path, write(tmp_path / "z.csv", rows))
    assert balanced(led) and led["stored"] == 3
    assert corrections(led) == {"received_at: UTC offset converted to local time in Asia/Shanghai": 2}
    got = Store(tmp_path / "store").load().sort_values(S.ORDER_ID)[S.RECEIVED_AT].tolist()
    assert got == [pd.Timestamp("2020-12-01 00:30"), pd.Timestamp("2020-12-01 09:00"), pd.Timestamp("2020-12-01 10:00")]


def test_a_presets_time_zone_and_the_settings_reach_the_canonical_step(tmp_path):
    """New York's clock (a preset's ``timezone``) and a believable range narrowed by the user's settings."""
    import dataclasses

    rows = [order(order_id="A1", received_at="2020-12-01T15:00:00Z"), order(order_id="A2", received_at="2009-06-01")]
    ny = dataclasses.replace(ZIBO, timezone="America/New_York")
    narrow = settings_from_dict({"ingest": {"earliest_date": "2010-01-01"}})
    led = ingest([write(tmp_path / "z.csv", rows)], ny, tmp_path / "store", settings=narrow, progress=False,
                 now=pd.Timestamp("2021-03-05"), jobs=1)
    assert balanced(led) and led["stored"] == 1 and sum(led["quarantined"].values()) == 1
    assert Store(tmp_path / "store").load()[S.RECEIVED_AT].tolist() == [pd.Timestamp("2020-12-01 10:00")]  # UTC-5


def test_an_unknown_time_zone_in_a_preset_is_named(tmp_path):
    from hotline_analysis.errors import PresetError

    p = tmp_path / "p.yaml"
    p.write_text("name: mars\ntimezone: Mars/Olympus\ncolumns: {order_id: id, received_at: at}\n"
                 "defaults: {request_type: complaint}\ndepartments: null\n", encoding="utf-8")
    with pytest.raises(PresetError, match="Mars/Olympus"):
        load_preset(p)


# --- odd characters and lengths -------------------------------------------------------------------------


def test_nul_bytes_and_control_characters_are_stripped_so_names_and_values_map(tmp_path):
    rows = [order(order_id="A1", department_raw="市城市管理局\x00", status="已办结\x00", content="电话138\x00 1234\u200b5678"),
            order(order_id="A2\x07", department_raw="市城\u200b市管理局", district="张店区\x1f")]
    led = run(tmp_path, write(tmp_path / "c.csv", rows))
    assert balanced(led) and led["stored"] == 2
    assert led["files"][0]["unknown_departments"] == {} and led["files"][0]["unmapped_values"] == {}
    df = Store(tmp_path / "store").load().sort_values(S.ORDER_ID)
    assert df[S.ORDER_ID].tolist() == ["A1", "A2"]
    assert df[S.DEPARTMENT].tolist() == ["市城市管理局", "市城市管理局"]
    assert df[S.STATUS].tolist() == ["closed", "closed"] and df[S.DISTRICT].tolist() == ["张店区", "张店区"]
    assert df[S.CONTENT].tolist()[0] == "电话[电话]"


def test_text_decoded_with_the_wrong_codec_is_repaired_and_counted(tmp_path):
    # an export step that read UTF-8 as Latin-1 (or cp1252) and wrote the result as UTF-8 again, as in the NYC
    # 311 sample's "MAYORâ\x80\x99S OFFICE": the names must map and the texts read as written
    def garble(text: str, codec: str) -> str:
        return text.encode("utf-8").decode(codec)

    rows = [order(order_id="A1", department_raw=garble("市城市管理局", "latin-1"), content=garble("暖气不热", "latin-1")),
            order(order_id="A2", district=garble("张店区", "latin-1")),
            order(order_id="A3", content="Café au lait, naïve résumé, 13°C"),  # right as it is: left alone
            order(order_id="A4", content=garble("He said ‘no’", "cp1252"))]
    code, led, store = run_cli(tmp_path, write(tmp_path / "m.csv", rows))
    assert code == 0 and balanced(led) and led["stored"] == 4
    assert led["files"][0]["unknown_departments"] == {}
    assert corrections(led) == {"承办单位: text decoded with the wrong codec, repaired": 1,
                                "诉求内容: text decoded with the wrong codec, repaired": 2,
                                "所属区县: text decoded with the wrong codec, repaired": 1}
    df = store.load().set_index(S.ORDER_ID)
    assert df.loc["A1", S.DEPARTMENT] == "市城市管理局" and df.loc["A2", S.DISTRICT] == "张店区"
    assert df.loc["A1", S.CONTENT] == "暖气不热" and df.loc["A4", S.CONTENT] == "He said ‘no’"
    assert df.loc["A3", S.CONTENT] == "Café au lait, naïve résumé, 13°C"


def test_very_long_names_are_cut_and_counted(tmp_path):
    rows = [order(order_id="A1", district="区" * 1000, department_raw="局" * 300, category_l2="类" * 201),
            order(order_id="A2")]
    code, led, store = run_cli(tmp_path, write(tmp_path / "l.csv", rows))
    assert code == 0 and balanced(led)
    assert corrections(led) == {"district: longer than 200 characters, cut": 1,
                                "department_raw: longer than 200 characters, cut": 1,
                                "category_l2: longer than 200 characters, cut": 1}
    assert led["files"][0]["unknown_departments"] == {"局" * 200: 1}
    df = store.load().set_index(S.ORDER_ID)
    assert df.loc["A1", S.DISTRICT] == "区" * 200 and df.loc["A1", S.CATEGORY_L2] == "类" * 200


# --- names (issue 15) ---------------------------------------------------------------------------------------


def test_latin_names_keep_their_spaces_and_chinese_names_lose_them(tmp_path):
    preset_file = tmp_path / "en.yaml"
    preset_file.write_text(re.sub(r"(?m)^departments: .*$", "departments: null",
                                  Path(ZIBO.source).read_text("utf-8")), "utf-8")
    rows = [order(order_id="A1", department_raw="BUILDING DIV,", district="  NORTH   SIDE "),
            order(order_id="A2", department_raw=" BUILDING\u3000 DIV, "), order(order_id="A3", department_raw="市城 市管理局")]
    led = run(tmp_path, write(tmp_path / "en.csv", rows), load_preset(preset_file))
    assert balanced(led) and led["stored"] == 3
    df = Store(tmp_path / "store").load().sort_values(S.ORDER_ID)
    assert df[S.DEPARTMENT].tolist() == ["BUILDING DIV,", "BUILDING DIV,", "市城市管理局"]
    assert df[S.DISTRICT].tolist()[0] == "NORTH SIDE"


def test_alias_look_up_compares_latin_names_with_one_space():
    aliases = pd.DataFrame({"alias": ["BUILDING  DIV,", "DEPT OF SANITATION", "市城市管理局"],
                            "name": ["Buildings", "Sanitation", "市城市管理局"], "kind": "department"})
    df = pd.DataFrame({S.DEPARTMENT_RAW: pd.array(["BUILDING DIV,", "DEPT  OF\tSANITATION", "BUILDINGDIV,",
                                                   "市城 市管理局"], dtype="string")})
    out, unknown = map_departments(df, aliases)
    assert out[S.DEPARTMENT].fillna("?").tolist() == ["Buildings", "Sanitation", "?", "市城市管理局"]
    assert unknown == {"BUILDINGDIV,": 1}
    assert normalise_name("淄博市 人社局 ( 监察支队 )") == "淄博市人社局(监察支队)"


def test_handling_columns_are_read_and_a_count_that_is_not_one_is_null_and_counted(tmp_path):
    handling = ["是否热线直办", "首次响应时间", "重派次数", "是否申请延期", "是否同意延期", "是否督办"]
    values = [("否", "2020-12-01 09:00:00", "2", "是", "否", "是"), ("否", "", "x", "", "", ""),
              ("否", "2020-12-01 08:30", "-1", "否", "否", "否"), ("是", "", " 0 ", "", "", "")]
    rows = [order(order_id=f"A{i}") | dict(zip(handling, v)) for i, v in enumerate(values)]
    buf = io.StringIO()
    w = csv.DictWriter(buf, HEADER + handling, lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    (tmp_path / "h.csv").write_bytes(buf.getvalue().encode("utf-8"))
    led = run(tmp_path, tmp_path / "h.csv")
    assert balanced(led) and led["stored"] == 4
    assert corrections(led) == {"reassigned: not a count, set to null": 2}
    df = Store(tmp_path / "store").load().sort_values(S.ORDER_ID)
    assert df[S.REASSIGNED].tolist()[0] == 2 and df[S.REASSIGNED].isna().tolist() == [False, True, True, False]
    assert df[S.HANDLED_DIRECTLY].tolist() == [False, False, False, True]
    assert df[S.EXTENSION_REQUESTED].tolist()[:1] == [True] and df[S.ESCALATED].tolist()[0] is True
    assert df[S.FIRST_RESPONSE_AT].tolist()[0] == pd.Timestamp("2020-12-01 09:00")
