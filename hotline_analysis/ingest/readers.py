"""Readers: one exported file -> a table of text columns with row numbers.

CSV (UTF-8, UTF-8 with BOM, GBK/GB18030; detected or set by the preset), XLSX
and Parquet.  Every value is read as text, so nothing is lost to type
guessing; parsing into the canonical types happens in :mod:`.canonical`.
Rows that cannot be split into the header's fields are returned separately
with their row number instead of being dropped.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..errors import InputError

ROW = "__row"  # 1-based data row number (the header is row 0)
SUPPORTED = (".csv", ".txt", ".xlsx", ".xlsm", ".parquet")


@dataclass
class RawRead:
    """Text columns of one file, its data-row numbers and the rows that could not be split."""

    path: Path
    table: pa.Table  # string columns named by export header, plus ROW
    encoding: str
    bad_rows: list[tuple[int, str, str]] = field(default_factory=list)  # (row, reason, raw text)

    @property
    def rows_read(self) -> int:
        return self.table.num_rows + len(self.bad_rows)


def decode(data: bytes, encoding: str, path: Path) -> tuple[str, str]:
    """Decode file bytes in Python, in the encoding :func:`_csv_encoding` finds (``auto``: GB18030 where GBK
    fails); an error names the file and the offset of the first bad byte."""
    used = _csv_encoding(data, encoding, path)
    try:
        return data.decode(used), used
    except UnicodeDecodeError as exc:
        if encoding != "auto":
            raise InputError(f"not valid {encoding} at byte {exc.start}; check the file's encoding and set "
                             "'encoding:' in the preset (or use auto)", path.name) from None
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise InputError(f"neither UTF-8 nor GB18030/GBK (undecodable byte at offset {exc.start}); "
                         "save the export as UTF-8 or GBK CSV, or name its encoding in the preset", path.name) from None


def read_export(path: str | Path, encoding: str = "auto", sheet: int = 0) -> RawRead:
    """Read one export file into text columns (see module docstring)."""
    path = Path(path)
    if not path.exists():
        raise InputError("no such file", path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise InputError(f"unsupported file type {suffix!r}; supported: {', '.join(SUPPORTED)}", path.name)
    if path.stat().st_size == 0:
        raise InputError("the file is empty; re-export it from the platform", path.name)
    if suffix in (".xlsx", ".xlsm"):
        raw = _read_xlsx(path, sheet)
    elif suffix == ".parquet":
        raw = _read_parquet(path)
    else:
        raw = _read_csv(path, encoding)
    if raw.table.num_rows == 0 and not raw.bad_rows:
        raise InputError("has a header but no data rows", path.name)
    return raw


def _header(first_line: str) -> list[str]:
    return [h.strip() for h in next(csv.reader([first_line]))]


def _csv_encoding(data: bytes, encoding: str, path: Path) -> str:
    """The file's encoding without decoding all of it: a named codec as it is; ``auto``: a BOM, else UTF-8 if
    the whole file is (a GBK file fails at its first Chinese character), else GBK (checked while parsing; its
    superset GB18030 where it fails)."""
    if encoding != "auto":
        try:
            return codecs.lookup(encoding).name
        except LookupError:
            raise InputError(f"unknown encoding {encoding!r} in the preset", path.name) from None
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "gbk"


def _read_csv(path: Path, encoding: str) -> RawRead:
    data = path.read_bytes()
    used = _csv_encoding(data, encoding, path)

    def slow() -> tuple[str, str]:  # the whole text decoded in Python, and the encoding that decoded it
        return decode(data, encoding, path)

    if used not in ("utf-8", "utf-8-sig") and "\n,".encode(used) != b"\n,":  # e.g. UTF-16: its text as UTF-8
        text, used = slow()
        return _parse_csv(path, text.encode("utf-8"), "utf-8", lambda: (text, used), label=used)
    if encoding == "auto" and used == "gbk":
        try:
            return _parse_csv(path, data, used, slow)
        except UnicodeDecodeError:  # a character beyond GBK
            used = "gb18030"
    try:
        return _parse_csv(path, data, used, slow)
    except UnicodeError:
        slow()  # raises with the offset of the bad byte
        raise


def _parse_csv(path: Path, data: bytes, used: str, slow, label: str | None = None) -> RawRead:
    """Parse CSV bytes in the ASCII-compatible encoding ``used`` (UnicodeDecodeError where they are not);
    ``slow()`` gives the decoded text and its encoding for files the csv module must read."""
    label = label or used
    codec = "utf-8" if used in ("utf-8", "utf-8-sig") else used
    start = 3 if codec == "utf-8" and data.startswith(b"\xef\xbb\xbf") else 0
    end = data.find(b"\n", start)
    head, body = (data[start:end], data[end + 1:]) if end >= 0 else (data[start:], b"")
    header = _header(head.decode(codec).rstrip("\r"))
    if len(set(header)) != len(header):
        raise InputError(f"repeated column names in the header: {header}", path.name)
    if not body.strip():
        raise InputError("has a header but no data rows", path.name)
    if b"\n\n" in body or b"\n\r\n" in body:  # blank lines would shift row numbers
        return _read_csv_multiline(path, header, *slow())
    bad_text: list[tuple[str, int]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        bad_text.append((row.text, row.actual_columns))
        return "skip"

    try:  # pyarrow transcodes (strictly) while it parses
        table = pacsv.read_csv(
            io.BytesIO(body),
            read_options=pacsv.ReadOptions(column_names=header, encoding=codec),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types={h: pa.string() for h in header},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except pa.ArrowInvalid:  # e.g. line breaks inside quoted values
        return _read_csv_multiline(path, header, *slow())
    if not bad_text:
        rows = np.arange(1, table.num_rows + 1)
        return RawRead(path, table.add_column(0, ROW, pa.array(rows, type=pa.int64())), label, [])
    if any(t.count('"') % 2 for t, _ in bad_text):  # a quoted value spread over lines
        return _read_csv_multiline(path, header, *slow())
    # Rows pyarrow could not split: find their line numbers in the file (there are few).
    n_lines = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
    framed = b"\n" + body
    bad: list[tuple[int, str, str]] = []
    used_lines: set[int] = set()
    for text, n_found in bad_text:
        line = b"\n" + text.encode(codec)
        pos = -1
        while True:  # the row's text as a whole line not yet claimed
            pos = framed.find(line, pos + 1)
            row = framed.count(b"\n", 0, pos + 1)
            whole = framed[pos + len(line):pos + len(line) + 1] in (b"\n", b"\r", b"")
            if pos < 0 or (whole and row not in used_lines):
                break
        if pos < 0:
            raise InputError("could not locate a malformed row; check the file's line endings", path.name)
        used_lines.add(row)
        bad.append((row, f"expected {len(header)} fields, found {n_found}", text))
    bad.sort()
    rows = np.delete(np.arange(1, n_lines + 1), [r - 1 for r, _, _ in bad])
    if len(rows) != table.num_rows:
        raise InputError(f"{table.num_rows} rows parsed but {len(rows)} lines expected; "
                         "the file may contain line breaks inside unquoted values", path.name)
    return RawRead(path, table.add_column(0, ROW, pa.array(rows, type=pa.int64())), label, bad)


def _read_csv_multiline(path: Path, header: list[str], text: str, used: str) -> RawRead:
    """Slow path for files whose quoted values contain line breaks: the csv module numbers records."""
    body = text.partition("\n")[2]
    good, bad = [], []
    for i, rec in enumerate(csv.reader(io.StringIO(body)), start=1):
        if len(rec) == len(header):
            good.append((i, *rec))
        elif any(v.strip() for v in rec):
            bad.append((i, f"expected {len(header)} fields, found {len(rec)}", ",".join(rec)))
    cols = list(zip(*good)) if good else [[] for _ in range(len(header) + 1)]
    arrays = {ROW: pa.array(cols[0], type=pa.int64())}
    arrays.update({h: pa.array(cols[k + 1], type=pa.string()) for k, h in enumerate(header)})
    return RawRead(path, pa.table(arrays), used, bad)


def _read_xlsx(path: Path, sheet: int) -> RawRead:
    import fastexcel

    try:
        t = fastexcel.read_excel(str(path)).load_sheet(sheet, dtypes="string").to_arrow()
    except Exception as exc:  # fastexcel raises its own error types
        raise InputError(f"cannot read as XLSX ({exc}); re-save it from Excel or export CSV", path.name) from None
    if t.num_columns == 0:
        raise InputError("the first sheet is empty", path.name)
    arrays = {ROW: pa.array(np.arange(1, t.num_rows + 1), type=pa.int64())}
    for name in t.column_names:
        arrays[str(name).strip()] = pa.compute.fill_null(t[name].cast(pa.string()), "")
    return RawRead(path, pa.table(arrays), "xlsx")


def _read_parquet(path: Path) -> RawRead:
    try:
        t = pq.read_table(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid and friends
        raise InputError(f"cannot read as Parquet ({exc})", path.name) from None
    arrays = {ROW: pa.array(np.arange(1, t.num_rows + 1), type=pa.int64())}
    for name in t.column_names:
        col = t[name]
        if pa.types.is_timestamp(col.type):
            col = pa.compute.strftime(col, format="%Y-%m-%d %H:%M:%S")
        arrays[name] = pa.compute.fill_null(col.cast(pa.string()), "")
    return RawRead(path, pa.table(arrays), "parquet")
