"""The platform export: monthly GBK CSV / XLSX files, ground truth, truth table, register, README.

Damaged rows and date formats are drawn from the random stream ``[seed, 3]``.
"""

from __future__ import annotations

import concurrent.futures as cf
import io
import json
import multiprocessing as mp
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from .. import schema as S

if TYPE_CHECKING:
    from .scenario import Scenario

RAW_CHANNEL = {"phone": "电话", "web": "网站", "wechat": "微信", "app": "爱山东APP", "mailbox": "市长信箱", "other": "其他"}
RAW_HEADER = {
    S.ORDER_ID: "工单编号", S.RECEIVED_AT: "受理时间", S.CHANNEL: "受理渠道", "phone": "来电号码",
    "caller_name": "来电人", S.REQUEST_TYPE: "诉求类型", S.CATEGORY_L1: "一级分类", S.CATEGORY_L2: "二级分类",
    S.DISTRICT: "所属区县", S.DEPARTMENT_RAW: "承办单位", S.CONTENT: "诉求内容", S.DUE_AT: "办理时限",
    S.CLOSED_AT: "办结时间", S.STATUS: "工单状态", S.IS_REASONABLE: "是否合理诉求",
    S.CONTACTED: "回访是否联系", S.RESOLVED: "回访是否解决", S.SATISFACTION: "满意度",
    S.HANDLED_DIRECTLY: "是否热线直办", S.FIRST_RESPONSE_AT: "首次响应时间", S.REASSIGNED: "重派次数",
    S.EXTENSION_REQUESTED: "是否申请延期", S.EXTENSION_GRANTED: "是否同意延期", S.ESCALATED: "是否督办",
}
DATE_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M"]
ALT_DATE_FORMATS = ["%Y-%m-%d %H:%M", "%Y年%m月%d日 %H:%M"]
DATE_COLUMNS = (S.RECEIVED_AT, S.DUE_AT, S.CLOSED_AT, S.FIRST_RESPONSE_AT)


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
                 S.CONTENT: "content", S.REASSIGNED: "reassigned"}
    flags = (S.IS_REASONABLE, S.CONTACTED, S.RESOLVED, S.HANDLED_DIRECTLY, S.EXTENSION_REQUESTED,
             S.EXTENSION_GRANTED, S.ESCALATED)
    mapped = {S.CHANNEL: RAW_CHANNEL, S.REQUEST_TYPE: S.enum_labels(S.REQUEST_TYPE), S.STATUS: S.enum_labels(S.STATUS),
              S.SATISFACTION: S.enum_labels(S.SATISFACTION)} | dict.fromkeys(flags, yn)
    source = {S.CHANNEL: "channel", S.REQUEST_TYPE: "request_type", S.STATUS: "status",
              S.SATISFACTION: "satisfaction"} | {f: f for f in flags}
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
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files, malformed = _write_monthly_files(sc, out, progress)
    truth = dict(sc.truth)
    truth["counts"] = dict(truth["counts"], malformed=len(malformed))
    truth["malformed"] = malformed
    truth["files"] = files
    (out / "ground_truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    _write_truth_table(sc.orders, out / "truth.parquet")
    _write_supervision_register(truth, out / "supervision.csv")
    (out / "README.md").write_text(EXPORT_README, encoding="utf-8")
    return truth


def _write_monthly_files(sc: Scenario, out: Path, progress: bool) -> tuple[list[str], list[dict]]:
    """The monthly raw files (XLSX in worker processes); returns the file names and the malformed rows."""
    rng = np.random.default_rng([sc.config.seed, 3])
    table = export_table(sc.orders)
    month_j = sc.orders.month_j.to_numpy()
    malformed, files, jobs = [], [], []
    with cf.ProcessPoolExecutor(max_workers=2, mp_context=mp.get_context("fork")) as pool:
        for j, m in enumerate(tqdm(sc.plan.months, desc="write", disable=not progress)):
            part = table.take(pa.array(np.flatnonzero(month_j == j)))
            is_xlsx = m.month in sc.config.xlsx_months
            fmt = DATE_FORMATS[int(rng.integers(0, len(DATE_FORMATS)))]
            alt = ALT_DATE_FORMATS[int(rng.integers(0, len(ALT_DATE_FORMATS)))]
            alt_mask = rng.random(part.num_rows) < 0.01
            seq = _file_order(part, _malformed_rows(part, rng, 3, csv=not is_xlsx), rng)
            name = f"zibo12345_{m}.{'xlsx' if is_xlsx else 'csv'}"
            malformed += [{"file": name, "row": pos + 1, "problem": s[1]} for pos, s in enumerate(seq)
                          if isinstance(s, tuple)]
            if is_xlsx:
                jobs.append(pool.submit(_write_xlsx, out / name, part, seq, fmt, alt_mask, alt))
            else:
                _write_csv(out / name, part, seq, fmt, alt_mask, alt)
            files.append(name)
        for job in jobs:
            job.result()
    return files, malformed


def _file_order(part: pa.Table, bad: list[tuple[dict, str]], rng: np.random.Generator) -> list:
    """Data rows in file order: an int is a row of ``part``, a tuple a damaged row (at random places)."""
    bad_at = set(rng.choice(part.num_rows + len(bad), size=len(bad), replace=False).tolist())
    good, bad_it, seq = iter(range(part.num_rows)), iter(bad), []
    for pos in range(part.num_rows + len(bad)):
        seq.append(next(bad_it) if pos in bad_at else next(good))
    return seq


def _write_truth_table(orders: pd.DataFrame, path: Path) -> None:
    """``truth.parquet``: per order its canonical department, duplicate link, validity, reasonableness."""
    t = orders[["order_id", "department", "duplicate_of", "is_valid", "is_reasonable"]].sort_values("order_id")
    t = t.astype({"order_id": "string", "department": "string", "duplicate_of": "string", "is_valid": "bool",
                  "is_reasonable": "boolean"})
    pq.write_table(pa.Table.from_pandas(t, preserve_index=False).replace_schema_metadata(None), path)


def _write_supervision_register(truth: dict, path: Path) -> None:
    """``supervision.csv``: the committee's register of hearings (department, month)."""
    register = [(d["name"], m) for d in truth["departments"] for m in d["supervised_months"]]
    pd.DataFrame(sorted(register, key=lambda r: (r[1], r[0])), columns=["department", "month"]).to_csv(
        path, index=False, encoding="utf-8")


def _format_dates(arr: pa.Array, fmt: str, alt_mask: np.ndarray | None = None, alt: str | None = None) -> pa.Array:
    main = pc.strftime(arr, format=fmt)
    if alt_mask is not None:
        main = pc.if_else(pa.array(alt_mask), pc.strftime(arr, format=alt), main)
    return pc.fill_null(main, "")


def _row_values(row: dict, columns: list[str], fmt: str) -> list[str]:
    return [v.strftime(fmt) if hasattr(v, "strftime") else ("" if v is None else str(v))
            for v in (row[c] for c in columns)]


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


EXPORT_README = """# Synthetic Zibo 12345 export

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
