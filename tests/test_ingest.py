"""Ingest, cleaning, privacy and the store: every raw row accounted for (issue 3)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from hotline_analysis import schema as S
from hotline_analysis.clean import duplicate_links
from hotline_analysis.ingest.pipeline import format_ledger, ingest
from hotline_analysis.errors import HotlineError, InputError, PresetError, StoreError
from hotline_analysis.ingest.presets import load_preset
from hotline_analysis.ingest.readers import read_export
from hotline_analysis.privacy import caller_keys
from hotline_analysis.store import AGGREGATE_SOURCE, Store, aggregate

from .conftest import external

HEADER = "工单编号,受理时间,受理渠道,来电号码,来电人,诉求类型,一级分类,二级分类,所属区县,承办单位,诉求内容,办理时限,办结时间,工单状态,是否合理诉求,回访是否联系,回访是否解决,满意度"


def row(oid="ZB1", t="2020-12-01 08:00:00", phone="13900000001", kind="投诉", dept="人社局",
        text="市民来电反映：某公司拖欠工资三个月，希望尽快处理。", closed="2020-12-02 08:00:00", l2="拖欠工资"):
    return f"{oid},{t},电话,{phone},张三,{kind},劳动和社会保障,{l2},张店区,{dept},{text},2020-12-06 08:00:00,{closed},已办结,是,是,是,满意"


def write_csv(path: Path, rows: list[str], encoding="gbk") -> Path:
    path.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode(encoding))
    return path


ZIBO = load_preset("zibo12345")


def run(tmp_path, files, **kw):
    return ingest(files, ZIBO, tmp_path / "store", progress=False, now=pd.Timestamp("2021-03-05"), **kw)


# --- readers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding, expected", [("gbk", "gbk"), ("gb18030", "gb18030"), ("utf-8", "utf-8"),
                                                ("utf-8-sig", "utf-8-sig")])
def test_encodings_are_detected(tmp_path, encoding, expected):
    # the second row holds 𠀀 (U+20000), which GB18030 has and GBK has not
    rows = [row(), row("ZB2", text="反映𠀀字无法录入") if encoding != "gbk" else row("ZB2")]
    p = write_csv(tmp_path / "a.csv", rows, encoding)
    r = read_export(p)
    assert r.encoding == expected
    assert r.table["承办单位"][0].as_py() == "人社局"
    assert r.table.column_names[1] == "工单编号"
    assert r.table["诉求内容"][1].as_py() == ("反映𠀀字无法录入" if encoding != "gbk" else row().split(",")[10])


def test_a_preset_may_name_an_encoding_that_is_not_ascii_compatible(tmp_path):
    p = write_csv(tmp_path / "a.csv", [row(), row("ZB2")], "utf-16")
    r = read_export(p, encoding="utf-16")
    assert r.encoding == "utf-16" and r.table["工单编号"].to_pylist() == ["ZB1", "ZB2"]


def test_a_malformed_row_that_begins_like_an_earlier_line_gets_its_own_number(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes("编号,内容,地区\r\n7,x,y\r\n3,x,y\r\n7,x\r\n".encode("gbk"))
    r = read_export(p)
    assert r.table["__row"].to_pylist() == [1, 2] and [b[0] for b in r.bad_rows] == [3]


def test_wrong_encoding_in_preset_names_file_and_says_what_to_do(tmp_path):
    p = write_csv(tmp_path / "a.csv", [row()], "gbk")
    with pytest.raises(InputError, match=r"a\.csv: not valid utf-8 at byte \d+.*encoding"):
        read_export(p, encoding="utf-8")


def test_undecodable_file(tmp_path):
    p = tmp_path / "x.csv"
    p.write_bytes(HEADER.encode("utf-8") + b"\n\xff\xfe\xfa\xfb,\x81\x30\n")
    at = len(HEADER.encode("utf-8")) + 1  # the first byte of data row 1
    with pytest.raises(InputError, match=rf"x\.csv, row 1: neither UTF-8 nor GB18030/GBK: undecodable byte at offset {at} "):
        read_export(p)


@pytest.mark.parametrize("content, message", [(b"", "empty"), (HEADER.encode("gbk") + b"\r\n", "no data rows")])
def test_empty_files_stop_with_a_message(tmp_path, content, message):
    p = tmp_path / "e.csv"
    p.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_export(p)


def test_truncated_and_malformed_rows_keep_their_row_numbers(tmp_path):
    rows = [row("A1"), row("A2")[:40], row("A3"), row("A4") + ",extra", row("A5")]
    r = read_export(write_csv(tmp_path / "m.csv", rows))
    assert r.table["__row"].to_pylist() == [1, 3, 5]
    assert [b[0] for b in r.bad_rows] == [2, 4]
    assert r.rows_read == 5


def test_multiline_quoted_values_take_the_careful_path(tmp_path):
    text = '"第一行\n第二行"'
    r = read_export(write_csv(tmp_path / "q.csv", [row("B1", text=text), row("B2")], "utf-8"))
    assert r.table["诉求内容"][0].as_py() == "第一行\n第二行"
    assert r.table["__row"].to_pylist() == [1, 2]


def test_xlsx_and_parquet(tmp_path):
    df = pd.DataFrame([x.split(",") for x in [row("X1"), row("X2", t="2020/12/03 09:15")]], columns=HEADER.split(","))
    df.to_excel(tmp_path / "a.xlsx", index=False)
    df.to_parquet(tmp_path / "a.parquet")
    for name in ("a.xlsx", "a.parquet"):
        r = read_export(tmp_path / name)
        assert r.table["工单编号"].to_pylist() == ["X1", "X2"]
    with pytest.raises(InputError, match="unsupported file type"):
        read_export(tmp_path / "a.doc") if (tmp_path / "a.doc").write_text("x") else None


# --- presets and canonical mapping --------------------------------------------------------------------


def test_missing_required_column_names_file_column_and_fix(tmp_path):
    p = tmp_path / "m.csv"
    p.write_bytes((HEADER.replace("受理时间", "时间") + "\r\n" + row()).encode("gbk"))
    with pytest.raises(InputError, match=r"m\.csv: missing required column 受理时间 \(canonical field 'received_at'\)"):
        run(tmp_path, [p])


def test_bad_preset_is_explained(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("name: x\ncolumns: {order_id: id}\n", encoding="utf-8")
    with pytest.raises(PresetError, match="must map 'received_at'"):
        load_preset(bad)
    with pytest.raises(PresetError, match="not found"):
        load_preset("no_such_city")


def test_preset_booleans_may_be_one_and_zero_and_an_unknown_status_is_counted(tmp_path):
    text = (Path(ZIBO.source).read_text("utf-8").replace("boolean: {是: true, 否: false}", "boolean: {是: 1, 否: 0}")
            .replace("../../data/reference/", str(ZIBO.departments_path().parent) + "/"))  # the copy lives elsewhere
    (tmp_path / "p.yaml").write_text(text, encoding="utf-8")
    preset = load_preset(tmp_path / "p.yaml")
    p = write_csv(tmp_path / "a.csv", [row("A1"), row("A2").replace("已办结", "挂起")])
    led = ingest([p], preset, tmp_path / "store", progress=False, now=pd.Timestamp("2021-03-05"))
    df = Store(tmp_path / "store").load().set_index("order_id")
    assert df.is_reasonable.tolist() == [True, True] and pd.isna(df.loc["A2", "status"])
    assert led["files"][0]["unmapped_values"] == {"status": {"挂起": 1}}
    (tmp_path / "p.yaml").write_text(text.replace("是: 1, 否: 0", "是: yes please, 否: 0"), encoding="utf-8")
    with pytest.raises(PresetError, match="values.boolean maps to"):
        load_preset(tmp_path / "p.yaml")


def test_row_level_problems_go_to_quarantine_and_the_ledger_balances(tmp_path):
    long_text = "反映" * 3000
    rows = [
        row("A1"),
        row("A2", t="2020-13-45 25:00:00"),          # unparseable date
        row("", t="2020-12-01 09:00:00"),             # missing id
        row("A1", t="2020-12-01 10:00:00"),           # repeated id in the file
        row("A4", t="2030-01-01 10:00:00"),           # received in the future
        row("A5", closed="2020-11-01 00:00:00"),      # closed before received: corrected
        row("A6", dept="市宇宙开发局"),                 # unknown department: stored, reported
        row("A7", text=long_text),                    # very long text: cut, counted
        row("A8")[:30],                               # truncated line
    ]
    led = run(tmp_path, [write_csv(tmp_path / "z.csv", rows)])
    assert led["rows_read"] == 9
    assert led["stored"] == 4
    assert led["quarantined"] == {"received_at: unparseable date": 1, "order_id: missing": 1,
                                  "order_id: repeated within file": 1, "received_at: in the future": 1,
                                  "*: malformed row": 1}
    f = led["files"][0]
    assert f["unknown_departments"] == {"市宇宙开发局": 1}
    assert f["corrections"] == {"closed_at: before received_at, set to null": 1,
                                "content: longer than 5000 characters, cut": 1}
    store = Store(tmp_path / "store")
    q = store.quarantine().sort_values("source_row")
    assert q.source_row.tolist() == [2, 3, 4, 5, 9]
    assert set(q.source_file) == {"z.csv"}
    df = store.load()
    assert df.set_index("order_id").loc["A6", "department"] is pd.NA
    assert df.content.str.len().max() == 5000
    assert "unknown department names" in format_ledger(led)
    assert "row 1 is the first row under the header" in format_ledger(led)  # A2 is row 2 of the data, line 3


def test_rows_without_a_unit_are_kept_and_counted(tmp_path):
    # an order the hotline answered itself names no unit: kept for the city's figures, never silent
    rows = [row("B1"), row("B2", dept=""), row("B3", dept="   "), row("B4", dept="市宇宙开发局")]
    led = run(tmp_path, [write_csv(tmp_path / "z.csv", rows)])
    assert led["stored"] == 4 and not led["quarantined"]
    assert led["files"][0]["no_unit"] == 2  # B2, B3; B4's name is unknown, listed on its own
    assert led["files"][0]["unknown_departments"] == {"市宇宙开发局": 1}
    text = format_ledger(led)
    assert "rows without a responsible unit (kept: in the whole hotline's figures, in no unit's): 2" in text
    assert "row 1 is the first row under the header" not in text  # nothing quarantined, nothing to explain


def test_order_ids_already_stored_from_another_file_are_refused(tmp_path):
    a = write_csv(tmp_path / "a.csv", [row("A1"), row("A2")])
    b = write_csv(tmp_path / "b.csv", [row("A2", t="2020-12-05 08:00:00"), row("B1")])
    run(tmp_path, [a])
    led = run(tmp_path, [b])
    assert led["quarantined"] == {"order_id: already stored from another file": 1}
    assert len(Store(tmp_path / "store").load()) == 3


def test_canonical_values_and_departments(small_store):
    store, _ = small_store
    df = store.load(months=["2020-06", "2020-12"])
    S.validate(df)
    assert set(df.request_type.dropna()) <= set(S.REQUEST_TYPES)
    assert df.department.notna().mean() > 0.4
    assert df.source_file.str.startswith("zibo12345_2020-").all()
    xlsx = df[df.source_file.str.endswith(".xlsx")]
    assert len(xlsx) > 0 and xlsx.received_at.dt.month.eq(6).all()


# --- against the planted truth --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def joined(small_store, small_export):
    store, _ = small_store
    truth = pq.read_table(small_export / "truth.parquet").to_pandas().set_index("order_id")
    df = store.load().set_index("order_id")
    return df.join(truth, how="inner", suffixes=("", "_truth")), truth, df


def test_every_truth_record_is_stored_and_malformed_rows_quarantined(small_store, small_export, joined):
    store, led = small_store
    j, truth, df = joined
    assert len(df) == len(truth) == len(j)
    gt = json.loads((small_export / "ground_truth.json").read_text("utf-8"))
    q = store.quarantine()
    assert {(f, r) for f, r in zip(q.source_file, q.source_row)} == {(m["file"], m["row"]) for m in gt["malformed"]}
    assert led["rows_read"] == len(truth) + len(gt["malformed"])


def test_duplicate_detection_precision_and_recall(joined):
    j, _, _ = joined
    hit = (j.duplicate_of.notna() & (j.duplicate_of == j.duplicate_of_truth)).sum()
    precision = hit / j.duplicate_of.notna().sum()
    recall = hit / j.duplicate_of_truth.notna().sum()
    assert precision >= 0.95 and recall >= 0.95


def test_validity_reasonableness_and_departments_agree_with_truth(joined):
    j, _, _ = joined
    assert (j.is_valid == j.is_valid_truth).mean() > 0.999
    same = j.is_reasonable.astype(object).fillna("na") == j.is_reasonable_truth.astype(object).fillna("na")
    assert same.mean() == 1.0
    assert (j.department.fillna("") == j.department_truth.fillna("")).mean() == 1.0


def test_the_aggregate_table_counts_the_stored_orders(small_store):
    # workers count each file before repeat calls are linked; the store's table must equal a count of its rows
    store, _ = small_store
    orders = store.load(columns=[*AGGREGATE_SOURCE, S.DUPLICATE_OF])
    expected = aggregate(orders)
    got = pq.read_table(store.root / store.manifest()["aggregates"]).to_pandas()
    keys = [c for c in expected.columns if c != "n"]

    def norm(t):
        return t.astype({k: "string" for k in keys}).fillna("<NA>").sort_values(keys).reset_index(drop=True)

    assert expected.n.sum() == len(orders) and (expected.is_duplicate * expected.n).sum() > 0
    pd.testing.assert_frame_equal(norm(got), norm(expected), check_dtype=False)


def test_ledger_counts_exclusions_by_reason(small_store, small_export):
    _, led = small_store
    gt = json.loads((small_export / "ground_truth.json").read_text("utf-8"))
    assert led["stored"] == led["net_complaints"] + sum(led["excluded"].values())
    assert set(led["excluded"]) <= {"not_complaint_type", "invalid", "duplicate", "unreasonable", "returned"}
    assert led["excluded"]["duplicate"] <= gt["counts"]["duplicates"]
    assert 0.15 < led["net_complaints"] / led["stored"] < 0.5


def test_no_pii_canary_in_store_ledger_or_quarantine(small_store, small_export):
    store, led = small_store
    gt = json.loads((small_export / "ground_truth.json").read_text("utf-8"))
    canaries = gt["pii_canaries"]
    texts = [json.dumps(led, ensure_ascii=False)]
    texts += [p.read_text("utf-8") for p in (store.root / "ledgers").glob("*.json")]
    texts.append(store.manifest_path.read_text("utf-8"))
    for path in store.root.rglob("*.parquet"):
        t = pq.read_table(path)
        for name in t.column_names:
            if str(t.schema.field(name).type) in ("string", "large_string"):
                texts.append("\n".join(v for v in t[name].to_pylist() if v))
    blob = "\n".join(texts)
    for c in canaries:
        assert c not in blob, c
    assert "来电号码" not in store.load().columns and "phone" not in store.load().columns
    assert not any(re_phone in blob for re_phone in ["13900000001"])


def test_caller_key_is_stable_and_keyed(tmp_path, monkeypatch):
    p = write_csv(tmp_path / "a.csv", [row("A1"), row("A2", phone="139-0000-0001")])
    monkeypatch.setenv("HOTLINE_PSEUDONYM_KEY", "one")
    run(tmp_path / "1", [p])
    k1 = Store(tmp_path / "1" / "store").load().caller_key.tolist()
    monkeypatch.setenv("HOTLINE_PSEUDONYM_KEY", "two")
    run(tmp_path / "2", [p])
    k2 = Store(tmp_path / "2" / "store").load().caller_key.tolist()
    assert k1[0] == k1[1] and k1[0] != k2[0]
    assert "13900000001" not in "".join(k1)


def test_a_store_refuses_files_keyed_another_way(tmp_path, monkeypatch):
    a = write_csv(tmp_path / "a.csv", [row("A1")])
    b = write_csv(tmp_path / "b.csv", [row("B1")])
    monkeypatch.setenv("HOTLINE_PSEUDONYM_KEY", "one")
    run(tmp_path / "s", [a])
    monkeypatch.setenv("HOTLINE_PSEUDONYM_KEY", "two")
    with pytest.raises(StoreError, match="another pseudonym key"):
        run(tmp_path / "s", [b])
    assert Store(tmp_path / "s" / "store").load().order_id.tolist() == ["A1"]  # untouched
    monkeypatch.setenv("HOTLINE_PSEUDONYM_KEY", "one")
    run(tmp_path / "s", [b])
    assert sorted(Store(tmp_path / "s" / "store").load().order_id) == ["A1", "B1"]


def test_repeat_calls_link_alike_from_caller_key_integers_and_from_any_strings():
    # the integer fast path for 16-hex-digit caller keys and categorical matters against plain strings
    rng = np.random.default_rng(4)
    n = 5000
    keys = caller_keys([f"139{c:08d}" for c in rng.integers(0, 300, n)], b"k")
    df = pd.DataFrame({"order_id": [f"o{i}" for i in range(n)],
                       "received_at": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 30 * 86400, n), "s"),
                       "caller_key": pd.array(keys.to_pylist(), dtype="string"),
                       "department": rng.choice(["A", "B", None], n), "category_l2": rng.choice(["x", "y", None], n),
                       "is_valid": rng.random(n) > 0.1})
    df.loc[rng.random(n) < 0.05, "caller_key"] = pd.NA
    fast = duplicate_links(df)
    slow = duplicate_links(df.assign(caller_key="caller " + df.caller_key))
    read_as_categories = duplicate_links(df.astype({"department": "category", "category_l2": "category"}))
    assert fast.notna().sum() > 300 and fast.equals(slow) and fast.equals(read_as_categories)


# --- real exports ---------------------------------------------------------------------------------------


def test_nyc311_sample_loads_completely(tmp_path):
    path = external("nyc311_sample_2010_2020", "nyc311_sample.csv")
    led = ingest([path], load_preset("nyc311"), tmp_path / "nyc", progress=False)
    df = Store(tmp_path / "nyc").load()
    assert led["rows_read"] == led["stored"] == len(df) == 1999
    # figures from the sample's SOURCE.md
    assert df.department.value_counts().head(3).to_dict() == {"HPD": 546, "NYPD": 527, "DOT": 260}
    assert df.received_at.min() == pd.Timestamp("2010-01-05 18:54:00")
    assert df.received_at.max() == pd.Timestamp("2020-12-20 23:08:57")
    assert df.channel.value_counts()["phone"] == 1009
    assert (df.status == "closed").sum() == 1923
    assert df.closed_at.isna().sum() == 50 + 12  # 50 empty, 12 before creation (set to null, counted)
    # the sample holds UTF-8 read as Latin-1 ("MAYORâ\x80\x99S OFFICE"): counted from the CSV, repaired
    raw = pd.read_csv(path, dtype=str)
    garbled = {c: int(raw[c].str.contains("\u00e2\u0080", regex=False, na=False).sum()) for c in raw.columns}
    repaired = {f"{c}: text decoded with the wrong codec, repaired": n for c, n in garbled.items() if n}
    assert repaired and led["files"][0]["corrections"] == {"closed_at: before received_at, set to null": 12} | repaired
    assert "MAYOR’S OFFICE OF SPECIAL ENFORCEMENT" in set(df.department)
    assert df.satisfaction.isna().all() and df.is_valid.all()
    assert df.category_l1.str.upper().value_counts()["NOISE - RESIDENTIAL"] == 162


def test_tipdm_messages_load_for_text_analysis(tmp_path):
    folder = external("tipdm2020_smart_gov_messages")
    led = ingest([folder], load_preset("tipdm_messages"), tmp_path / "tip", progress=False)
    df = Store(tmp_path / "tip").load()
    by_file = df.groupby("source_file").size().to_dict()
    # row counts from the data's SOURCE.md; one repeated id (37042) in the labelled sample
    assert by_file == {"attachment2_labelled_messages_sample.csv": 494,
                       "attachment3_messages_with_votes_full.csv": 4326,
                       "attachment4_messages_with_replies_full.csv": 2816}
    assert led["quarantined"] == {"order_id: repeated within file": 1}
    labelled = df[df.source_file.str.startswith("attachment2")]
    assert labelled.category_l1.value_counts().to_dict()["城乡建设"] == 101
    assert df.department.isna().all() and df.content.str.len().min() > 5
    assert df.received_at.dt.year.value_counts()[2019] > 1000


@pytest.mark.parametrize("text, valid", [
    ("", False), ("测试", False), ("测试工单", False), ("喂喂喂", False), ("。。。", False), ("1111", False),
    ("来电无声", False), ("来电人未说话即挂断", False), (None, False),
    ("市民来电反映：路灯不亮", True), ("咨询公积金", True), ("我要测试一下你们的服务态度，太差了，投诉", True),
    ("骚扰电话一直打到我家里，我已经报警了，请相关部门查处这个号码的主人", True),
])
def test_validity_rules(text, valid):
    from hotline_analysis.clean import mark_validity
    from hotline_analysis.settings import load_settings

    df = pd.DataFrame({S.CONTENT: pd.array([text, "市民来电反映：路灯不亮"], dtype="string"), S.IS_VALID: True})
    assert mark_validity(df, load_settings().validity)[S.IS_VALID].tolist()[0] is valid


def test_exports_without_text_keep_validity():
    from hotline_analysis.clean import mark_validity
    from hotline_analysis.settings import load_settings

    df = pd.DataFrame({S.CONTENT: pd.array([None, None], dtype="string"), S.IS_VALID: [True, False]})
    assert mark_validity(df, load_settings().validity)[S.IS_VALID].tolist() == [True, False]


def test_input_errors_say_where_and_arrive_whole_from_a_worker(tmp_path):
    import pickle

    from hotline_analysis.errors import LedgerError

    p = write_csv(tmp_path / "a.csv", [row()], "gbk")
    with pytest.raises(InputError) as exc:
        read_export(p, encoding="utf-8")
    assert isinstance(exc.value, HotlineError) and exc.value.file == "a.csv"
    again = pickle.loads(pickle.dumps(exc.value))  # as a process pool sends it back
    assert str(again) == str(exc.value) and again.file == "a.csv"
    assert str(InputError("unparseable date", "a.csv", 3, "received_at")) == \
        "a.csv, row 3, column received_at: unparseable date"
    assert not issubclass(LedgerError, HotlineError)  # a ledger that does not balance is a bug
