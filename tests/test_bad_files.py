"""File-level failures and file formats (issue 14 items 6, 7, 10; issue 15 item 9), through ``hotline ingest``.

Every bad file is generated here.  Each test runs the command
(:func:`hotline_analysis.cli.main`) and checks its exit status, the message's
file, row or byte, and the saved ledger's balance (or that no store was
written).
"""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hotline_analysis.cli import main
from hotline_analysis.ingest.presets import load_preset
from hotline_analysis.ingest.readers import kind_of, read_export
from hotline_analysis.store import Store

from .test_ingest import HEADER, row

COLUMNS = HEADER.split(",")


def lines(*ids: str, **kw) -> list[str]:
    return [row(i, **kw) for i in ids]


def ingest_cli(capsys, store: Path, *paths: Path, preset: str = "zibo12345") -> tuple[int, str, str]:
    code = main(["ingest", *map(str, paths), "--preset", preset, "--store", str(store), "--quiet", "--jobs", "1"])
    out = capsys.readouterr()
    return code, out.out, out.err


def saved_ledger(store: Path) -> dict:
    """The newest ledger in the store, checked to balance against itself and the stored rows."""
    newest = max((store / "ledgers").glob("ingest-*.json"), key=lambda p: p.stat().st_mtime_ns)
    led = json.loads(newest.read_text("utf-8"))
    assert led["rows_read"] == led["stored"] + sum(led["quarantined"].values())
    assert led["stored"] == led["net_complaints"] + sum(led["excluded"].values())
    for f in led["files"]:
        assert f["rows_read"] == f["stored"] + sum(f["quarantined"].values())
    return led


def no_store(store: Path) -> bool:
    """Nothing stored: no manifest, or the empty one a first ingest writes when it takes the store's lock."""
    manifest = store / "manifest.json"
    empty = not manifest.exists() or not json.loads(manifest.read_text("utf-8"))["files"]
    return empty and not list(store.glob("orders/**/*.parquet"))


# --- CSV -----------------------------------------------------------------------------------------------


def test_a_cell_over_the_csv_modules_field_limit_is_read_whole(tmp_path, capsys):
    big = "长" * 200_000  # 200,000 characters, over the csv module's 131,072; a blank line forces the csv module
    p = tmp_path / "long.csv"
    p.write_bytes("\n".join([HEADER, row("L1", text=big), "", row("L2")]).encode("utf-8") + b"\n")
    assert len(read_export(p).table["诉求内容"][0].as_py()) == 200_000  # read whole; cut later, counted
    code, out, _ = ingest_cli(capsys, tmp_path / "s", p)
    assert code == 0
    led = saved_ledger(tmp_path / "s")
    assert led["rows_read"] == led["stored"] == 2
    assert led["corrections"] == {"content: longer than 5000 characters, cut": 1}
    assert Store(tmp_path / "s").load().sort_values("source_row").source_row.tolist() == [1, 3]  # line numbers
    assert "content: longer than 5000 characters, cut" in out


def test_cr_only_line_endings_are_read(tmp_path, capsys):
    p = tmp_path / "mac.csv"
    p.write_bytes(("\r".join([HEADER, *lines("C1", "C2", "C3")]) + "\r").encode("gbk"))
    code, _, err = ingest_cli(capsys, tmp_path / "s", p)
    assert code == 0, err
    assert saved_ledger(tmp_path / "s")["stored"] == 3
    df = Store(tmp_path / "s").load().sort_values("source_row")
    assert df.order_id.tolist() == ["C1", "C2", "C3"] and df.source_row.tolist() == [1, 2, 3]


def test_a_utf8_error_names_the_file_row_and_byte(tmp_path, capsys):
    good = ("\n".join([HEADER, *lines("U1", "U2", "U3")]) + "\n").encode("utf-8")
    at = good.index(b",", good.index(b"U2,") + 3)  # the position of a comma inside data row 2
    p = tmp_path / "u8.csv"
    p.write_bytes(good[:at] + b"\xff" + good[at:])
    code, _, err = ingest_cli(capsys, tmp_path / "s", p)
    assert code == 2
    assert f"u8.csv, row 2: neither UTF-8 nor GB18030/GBK: undecodable byte at offset {at} " in err
    assert no_store(tmp_path / "s")
    p.write_bytes(b"\xef\xbb\xbf" + good[:at] + b"\xff" + good[at:])  # with a BOM the offset counts it
    assert f"offset {at + 3} " in ingest_cli(capsys, tmp_path / "s", p)[2]


def test_a_gbk_character_cut_at_the_end_quarantines_the_last_row(tmp_path, capsys):
    data = "\r\n".join([HEADER, *lines("G1", "G2", "G3")]).encode("gbk")
    p = tmp_path / "cut.csv"
    p.write_bytes(data[:-1])  # the export stops inside the last character (意 of 满意)
    code, out, err = ingest_cli(capsys, tmp_path / "s", p)
    assert code == 0, err
    led = saved_ledger(tmp_path / "s")
    assert (led["rows_read"], led["stored"], led["quarantined"]) == (3, 2, {"*: malformed row": 1})
    q = Store(tmp_path / "s").quarantine()
    assert q[["source_file", "source_row"]].values.tolist() == [["cut.csv", 3]]
    assert "cut off at the end of the file" in q.value[0] and "13900000001" not in q.value[0]


def test_a_last_line_that_is_whole_gbk_after_ascii_lines_is_not_taken_for_a_cut(tmp_path):
    header = "id,time,unit"
    p = tmp_path / "ascii_then_gbk.csv"
    p.write_bytes(f"{header}\n1,2020-12-01 08:00:00,A\n2,2020-12-01 09:00:00,市人社局".encode("gbk"))  # no final line break
    r = read_export(p)
    assert r.bad_rows == [] and r.table["unit"].to_pylist() == ["A", "市人社局"] and r.encoding == "gbk"


def test_a_gbk_file_with_a_bad_byte_inside_is_still_refused_with_its_row(tmp_path, capsys):
    data = ("\r\n".join([HEADER, *lines("G1", "G2", "G3")]) + "\r\n").encode("gbk")
    at = data.index(b"G2,") + 3
    p = tmp_path / "bad.csv"
    p.write_bytes(data[:at] + b"\xff\xff" + data[at:])
    code, _, err = ingest_cli(capsys, tmp_path / "s", p)
    assert code == 2 and "bad.csv, row 2: neither UTF-8 nor GB18030/GBK" in err and no_store(tmp_path / "s")


def test_csv_gz_is_read_and_a_broken_one_named(tmp_path, capsys):
    data = ("\r\n".join([HEADER, *lines("Z1", "Z2")]) + "\r\n").encode("gbk")
    p = tmp_path / "zibo12345_2020-12.csv.gz"
    p.write_bytes(gzip.compress(data))
    code, _, err = ingest_cli(capsys, tmp_path / "s", p)
    assert code == 0, err
    assert saved_ledger(tmp_path / "s")["stored"] == 2
    assert set(Store(tmp_path / "s").load().source_file) == {p.name}
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(gzip.compress(data)[:-20])
    code, _, err = ingest_cli(capsys, tmp_path / "s2", broken)
    assert code == 2 and "broken.csv.gz: not a readable gzip file" in err and no_store(tmp_path / "s2")
    assert kind_of("a.json.gz") is None


# --- Parquet -------------------------------------------------------------------------------------------


def frame(*ids: str) -> pd.DataFrame:
    return pd.DataFrame([r.split(",") for r in lines(*ids)], columns=COLUMNS)


def test_parquet_list_and_struct_columns_are_read_as_text(tmp_path, capsys):
    t = pa.Table.from_pandas(frame("P1", "P2"), preserve_index=False)
    t = t.append_column("附件", pa.array([["a.jpg", "b.jpg"], []])).append_column(
        "坐标", pa.array([{"x": 1.5, "y": 2}, None], pa.struct([("x", pa.float64()), ("y", pa.int64())])))
    p = tmp_path / "nested.parquet"
    pq.write_table(t, p)
    r = read_export(p)
    assert r.table["附件"].to_pylist() == ['["a.jpg", "b.jpg"]', "[]"]
    assert r.table["坐标"].to_pylist() == ['{"x": 1.5, "y": 2}', ""]
    code, _, err = ingest_cli(capsys, tmp_path / "s", p)
    assert code == 0, err
    assert saved_ledger(tmp_path / "s")["stored"] == 2


def test_a_parquet_column_that_cannot_be_text_is_named(tmp_path, capsys):
    t = pa.Table.from_pandas(frame("P1"), preserve_index=False).append_column("blob", pa.array([b"\xff\xfe"]))
    p = tmp_path / "blob.parquet"
    pq.write_table(t, p)
    code, _, err = ingest_cli(capsys, tmp_path / "s", p)
    assert code == 2 and "blob.parquet, column blob: cannot read type binary as text" in err
    assert no_store(tmp_path / "s")


# --- XLSX ------------------------------------------------------------------------------------------------


def workbook(path: Path, sheets: dict[str, pd.DataFrame]) -> Path:
    with pd.ExcelWriter(path) as w:
        for name, df in sheets.items():
            df.to_excel(w, sheet_name=name, index=False)
    return path


def test_every_xlsx_sheet_with_the_header_is_read_and_the_others_listed(tmp_path, capsys):
    ids_a, ids_b = [f"A{i}" for i in range(10)], [f"B{i}" for i in range(10)]
    p = workbook(tmp_path / "zibo12345_2020-06.xlsx", {"上旬": frame(*ids_a), "说明": pd.DataFrame({"说明": ["导出说明"]}),
                                                       "下旬": frame(*ids_b)})
    code, out, err = ingest_cli(capsys, tmp_path / "s", p)
    assert code == 0, err
    led = saved_ledger(tmp_path / "s")
    assert led["rows_read"] == led["stored"] == 20
    assert [(x["name"], x["status"]) for x in led["parts"]] == [
        (f"{p.name}:上旬", "read"), (f"{p.name}:说明", "skipped"), (f"{p.name}:下旬", "read")]
    assert [x.get("first_row") for x in led["parts"]] == [1, None, 11]
    assert led["parts"][1]["reason"].startswith("header lacks 工单编号")
    df = Store(tmp_path / "s").load().sort_values("source_row")
    assert df.order_id.tolist() == ids_a + ids_b and df.source_row.tolist() == list(range(1, 21))
    assert f"skipped  {p.name}:说明: header lacks" in out and f"read     {p.name}:下旬: 10 rows" in out


def test_a_preset_may_name_the_sheets(tmp_path, capsys):
    p = workbook(tmp_path / "w.xlsx", {"Sheet1": frame("A1", "A2"), "Sheet2": frame("B1")})
    text = (Path(load_preset("zibo12345").source).read_text("utf-8")
            .replace("departments: ../../data", "departments: null  #"))
    (tmp_path / "presets").mkdir()
    (tmp_path / "presets" / "p.yaml").write_text(text.replace("files: [", "sheets: [Sheet2]\nfiles: ["), "utf-8")
    code, _, err = ingest_cli(capsys, tmp_path / "s", p, preset=str(tmp_path / "presets" / "p.yaml"))
    assert code == 0, err
    led = saved_ledger(tmp_path / "s")
    assert led["stored"] == 1 and [x["status"] for x in led["parts"]] == ["skipped", "read"]
    assert led["parts"][0]["reason"] == "not named under 'sheets:' in the preset"
    (tmp_path / "presets" / "p.yaml").write_text(text.replace("files: [", "sheets: [Sheet9]\nfiles: ["), "utf-8")
    code, _, err = ingest_cli(capsys, tmp_path / "s2", p, preset=str(tmp_path / "presets" / "p.yaml"))
    assert code == 2 and "w.xlsx: no sheet(s) ['Sheet9']" in err and "'Sheet1', 'Sheet2'" in err


def test_a_workbook_without_a_matching_sheet_says_what_each_lacks(tmp_path, capsys):
    p = workbook(tmp_path / "n.xlsx", {"a": pd.DataFrame({"x": ["1"]}), "b": pd.DataFrame({"y": ["2"]})})
    code, _, err = ingest_cli(capsys, tmp_path / "s", p)
    assert code == 2 and "n.xlsx: no sheet has the columns the preset maps: a: header lacks 工单编号" in err
    assert no_store(tmp_path / "s")


# --- ZIP -------------------------------------------------------------------------------------------------


def test_zip_members_are_read_and_named_in_the_ledger_and_quarantine(tmp_path, capsys):
    m1 = ("\r\n".join([HEADER, *lines("M1", "M2", "M3")]) + "\r\n").encode("gbk")
    m2 = ("\r\n".join([HEADER, row("N1"), row("N2")[:30], row("N3")]) + "\r\n").encode("gbk")  # row 2 cut short
    p = tmp_path / "export.zip"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("zibo12345_a.csv", m1)
        z.writestr("sub/zibo12345_b.csv", m2)
        z.writestr("README.md", "not data")
        z.writestr("__MACOSX/._zibo12345_a.csv", b"\x00")
    code, out, err = ingest_cli(capsys, tmp_path / "s", p)
    assert code == 0, err
    led = saved_ledger(tmp_path / "s")
    assert (led["rows_read"], led["stored"], led["quarantined"]) == (6, 5, {"*: malformed row": 1})
    parts = {x["name"]: x for x in led["parts"]}
    assert parts["export.zip:zibo12345_a.csv"] == {"name": "export.zip:zibo12345_a.csv", "status": "read",
                                                  "rows": 3, "first_row": 1}
    assert parts["export.zip:sub/zibo12345_b.csv"]["first_row"] == 4
    assert parts["export.zip:README.md"]["status"] == "skipped"
    assert parts["export.zip:__MACOSX/._zibo12345_a.csv"]["reason"] == "macOS metadata"
    q = Store(tmp_path / "s").quarantine()
    assert q[["source_file", "source_row"]].values.tolist() == [["export.zip", 3 + 2]]  # member b's row 2
    assert "read     export.zip:sub/zibo12345_b.csv: 3 rows (the file's rows 4-6)" in out


def test_a_zip_member_without_the_columns_is_named(tmp_path, capsys):
    p = tmp_path / "x.zip"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("zibo12345_a.csv", ("\n".join([HEADER, row("M1")]) + "\n").encode("utf-8"))
        z.writestr("zibo12345_b.csv", "编号,时间\n1,2\n".encode("utf-8"))
    code, _, err = ingest_cli(capsys, tmp_path / "s", p)
    assert code == 2 and "x.zip:zibo12345_b.csv: missing column(s) ['工单编号'" in err and no_store(tmp_path / "s")
    p.write_bytes(b"PK\x03\x04 not really")
    code, _, err = ingest_cli(capsys, tmp_path / "s", p)
    assert code == 2 and "x.zip: not a readable ZIP archive" in err


# --- the printed ledger ------------------------------------------------------------------------------------


def test_an_unchanged_reingest_says_the_files_were_already_stored(tmp_path, capsys):
    p = tmp_path / "a.csv"
    p.write_bytes(("\r\n".join([HEADER, *lines("A1", "A2")]) + "\r\n").encode("gbk"))
    assert ingest_cli(capsys, tmp_path / "s", p)[0] == 0
    before = Store(tmp_path / "s").load()
    code, out, _ = ingest_cli(capsys, tmp_path / "s", p)
    assert code == 0
    assert "a.csv was already in the store, unchanged" in out and "rows read" not in out
    led = saved_ledger(tmp_path / "s")
    assert led["unchanged"] == ["a.csv"] and led["rows_read"] == 0
    pd.testing.assert_frame_equal(Store(tmp_path / "s").load(), before)


def test_the_printed_ledger_shows_corrections_and_unmapped_values(tmp_path, capsys):
    rows = [row("A1", closed="2020-11-01 00:00:00"), row("A2").replace(",电话,", ",传真,"),
            row("A3").replace(",电话,", ",传真,"), row("A4").replace(",已办结,", ",挂起,")]
    p = tmp_path / "a.csv"
    p.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode("gbk"))
    code, out, _ = ingest_cli(capsys, tmp_path / "s", p)
    assert code == 0
    led = saved_ledger(tmp_path / "s")
    assert led["corrections"] == {"closed_at: before received_at, set to null": 1}
    assert led["unmapped_values"] == {"channel": {"传真": 2}, "status": {"挂起": 1}}
    assert "1  closed_at: before received_at, set to null" in out
    assert "channel: 传真 (2)" in out and "status: 挂起 (1)" in out
