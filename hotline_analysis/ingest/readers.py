"""Readers: one exported file -> a table of text columns with row numbers.

CSV (UTF-8, UTF-8 with BOM, GBK/GB18030; detected or set by the preset; LF,
CRLF or CR-only line ends), gzip-compressed CSV (``.csv.gz``), XLSX (every
sheet whose header has the preset's columns, or the sheets the preset names),
Parquet, and ZIP archives of these (every member with a supported
extension).  Every value is read as text, so nothing is lost to type
guessing; parsing into the canonical types happens in :mod:`.canonical`.
Rows that cannot be split into the header's fields are returned separately
with their row number instead of being dropped; so is the last line of a file
that was cut inside a character.

A file made of parts (sheets, archive members) is read as one table whose
rows are numbered on through the parts: part ``k`` holds the file's rows
``first_row .. first_row + rows - 1``; :attr:`RawRead.parts` lists each part
read or skipped, with the reason, for the ledger.
"""

from __future__ import annotations

import codecs
import csv
import fnmatch
import gzip
import io
import json
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..errors import InputError

if TYPE_CHECKING:
    from .presets import Preset

ROW = "__row"  # 1-based data row number (the header is row 0)
#: File-name endings read (``.gz``: ``.csv.gz`` / ``.txt.gz``; ``.zip``: archives of the others).
SUPPORTED = (".csv", ".txt", ".xlsx", ".xlsm", ".parquet", ".gz", ".zip")
_KINDS = {".csv": "csv", ".txt": "csv", ".csv.gz": "csv.gz", ".txt.gz": "csv.gz", ".xlsx": "xlsx",
          ".xlsm": "xlsx", ".parquet": "parquet", ".zip": "zip"}
#: Bytes of valid UTF-8 multibyte text before a bad byte that make a file UTF-8 with a damaged byte, not GBK
#: (GBK text that happens to be valid UTF-8 for a dozen bytes is practically impossible).
_UTF8_EVIDENCE = 12
_HIGH_BYTES = bytes(range(0x80, 0x100))
_FIELD_LIMIT = 2**31 - 1  # the csv module's field limit while we read (its default is 131,072 characters)


@dataclass
class Part:
    """One sheet or archive member of a file: read (its rows are the file's ``first_row`` .. on) or skipped."""

    name: str  # "file.xlsx:Sheet1", "archive.zip:member.csv"
    status: str  # "read" or "skipped"
    rows: int = 0
    first_row: int = 0
    reason: str = ""

    def to_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if v != "" and not (self.status == "skipped" and v == 0)}


@dataclass
class RawRead:
    """Text columns of one file, its data-row numbers and the rows that could not be split."""

    path: Path
    table: pa.Table  # string columns named by export header, plus ROW
    encoding: str
    bad_rows: list[tuple[int, str, str]] = field(default_factory=list)  # (row, reason, raw text)
    parts: list[Part] = field(default_factory=list)  # sheets / members; empty for a plain file

    @property
    def rows_read(self) -> int:
        return self.table.num_rows + len(self.bad_rows)

    @property
    def last_row(self) -> int:
        """The highest row number used (rows read, rows that could not be split)."""
        rows = self.table[ROW]
        top = pc.max(rows).as_py() if len(rows) else 0
        return max([top or 0, *(r for r, _, _ in self.bad_rows)])

    def ledger_fields(self) -> dict:
        """What the ledger entry of the file says about its parts (nothing for a plain file)."""
        return {"parts": [p.to_dict() for p in self.parts]} if self.parts else {}


def kind_of(name: str) -> str | None:
    """The reader for a file name: ``csv``, ``csv.gz``, ``xlsx``, ``parquet``, ``zip`` or None.

    >>> kind_of("orders.CSV.gz"), kind_of("a.json.gz"), kind_of("b.xlsx")
    ('csv.gz', None, 'xlsx')
    """
    suffixes = [s.lower() for s in PurePosixPath(name).suffixes]
    two = "".join(suffixes[-2:])
    return _KINDS.get(two) if two.endswith(".gz") else _KINDS.get(suffixes[-1] if suffixes else "")


def read_export(path: str | Path, encoding: str = "auto", sheet: int | str | None = None,
                preset: Preset | None = None) -> RawRead:
    """Read one export file into text columns (see module docstring).

    ``sheet`` reads one XLSX sheet only; otherwise the preset's ``sheets:``, else every sheet whose header
    has the columns the preset maps (without a preset: the first sheet's header).
    """
    path = Path(path)
    if not path.exists():
        raise InputError("no such file", path)
    kind = kind_of(path.name)
    if kind is None:
        raise InputError(f"unsupported file type {''.join(path.suffixes[-2:]) or path.name!r}; supported: "
                         ".csv, .txt, .csv.gz, .xlsx, .xlsm, .parquet and .zip archives of these", path.name)
    if path.stat().st_size == 0:
        raise InputError("the file is empty; re-export it from the platform", path.name)
    data = path.read_bytes()
    if kind == "zip":
        raw = _read_zip(data, path.name, encoding, preset)
    else:
        raw = _read_bytes(data, path.name, kind, encoding, preset, sheet)
    if raw.table.num_rows == 0 and not raw.bad_rows:
        raise InputError("has a header but no data rows", path.name)
    return replace(raw, path=path)


def _read_bytes(data: bytes, name: str, kind: str, encoding: str, preset: Preset | None,
                sheet: int | str | None = None) -> RawRead:
    """One file's bytes (or an archive member's) by its kind; ``name`` is what messages call it."""
    if kind == "xlsx":
        return _read_xlsx(data, name, preset, sheet)
    if kind == "parquet":
        return _read_parquet(data, name)
    if kind == "csv.gz":
        data = _gunzip(data, name)
        if not data:
            raise InputError("the compressed file holds nothing", name)
    return _read_csv(data, name, encoding)


def _gunzip(data: bytes, name: str) -> bytes:
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"not a readable gzip file ({exc}); compress it again or give the plain CSV", name) from None


# --- CSV -------------------------------------------------------------------------------------------------


def decode(data: bytes, encoding: str, path: Path | str) -> tuple[str, str]:
    """Decode file bytes in Python, in the encoding :func:`_csv_encoding` finds (``auto``: GB18030 where GBK
    fails); an error names the file, the data row and the offset of the first bad byte in the file."""
    name = Path(path).name
    used = _csv_encoding(data, encoding, name)
    try:
        return data.decode(used), used
    except UnicodeDecodeError as exc:
        first = (used, exc)
    if encoding == "auto" and used in ("gbk", "gb18030"):
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError as exc:
            first = (used, exc) if exc.start < first[1].start else ("gb18030", exc)
    used, exc = first
    offset = exc.start + (3 if used == "utf-8-sig" else 0)  # the BOM is not counted by the codec
    row = data.count(b"\n", 0, offset) or None
    if encoding != "auto":
        raise InputError(f"not valid {encoding} at byte {offset}; check the file's encoding and set "
                         "'encoding:' in the preset (or use auto)", name, row) from None
    raise InputError(f"neither UTF-8 nor GB18030/GBK: undecodable byte at offset {offset} (as "
                     f"{'UTF-8' if used.startswith('utf-8') else 'GB18030'}, which decodes the text before it); save "
                     "the export as UTF-8 or GBK CSV, or name its encoding in the preset", name, row) from None


def _header(first_line: str) -> list[str]:
    return [h.strip() for h in next(csv.reader([first_line]))]


def _utf8_prefix_error(data: bytes) -> UnicodeDecodeError | None:
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError as exc:
        return exc


def _csv_encoding(data: bytes, encoding: str, name: str) -> str:
    """The file's encoding without decoding all of it: a named codec as it is; ``auto``: a BOM, else UTF-8 if
    the whole file is, or if its first bad byte comes after UTF-8 multibyte text (a UTF-8 file with a damaged
    byte: reported as UTF-8), else GBK (checked while parsing; its superset GB18030 where it fails)."""
    if encoding != "auto":
        try:
            return codecs.lookup(encoding).name
        except LookupError:
            raise InputError(f"unknown encoding {encoding!r} in the preset", name) from None
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    exc = _utf8_prefix_error(data)
    if exc is None or _non_ascii(data[:exc.start]) >= _UTF8_EVIDENCE:
        return "utf-8"
    return "gbk"


def _non_ascii(data: bytes) -> int:
    return len(data) - len(data.translate(None, _HIGH_BYTES))


def _line_ends(data: bytes) -> bytes:
    """CR-only line ends (old Mac exports) as LF; other files unchanged."""
    return data.replace(b"\r", b"\n") if b"\n" not in data and b"\r" in data else data


def _cut_tail(data: bytes, encoding: str, name: str) -> tuple[bytes, bytes]:
    """The file without its last line, and that line, when the file does not end with a line break and the
    last line cannot be decoded (an export cut inside a character); else ``(data, b"")``."""
    if data.endswith((b"\n", b"\r")):
        return data, b""
    cut = data.rfind(b"\n") + 1
    if cut == 0:
        return data, b""
    head, tail = data[:cut], data[cut:]
    used = _csv_encoding(head, encoding, name)
    if "\n,".encode(used) != b"\n,":  # not ASCII-compatible (UTF-16): its bytes cannot be split at b"\n"
        return data, b""
    if encoding == "auto" and used == "gbk":
        tries = ["gb18030"]
    elif encoding == "auto" and head.isascii():  # an ASCII head says nothing about the encoding
        tries = [used, "gb18030"]
    else:
        tries = [used]
    for codec in tries:
        try:
            tail.decode(codec)
            return data, b""
        except UnicodeDecodeError:
            pass
    return head, tail


def _read_csv(data: bytes, name: str, encoding: str) -> RawRead:
    data, tail = _cut_tail(_line_ends(data), encoding, name)
    raw = _read_csv_text(data, name, encoding)
    if tail:
        used = "gb18030" if raw.encoding == "gbk" else raw.encoding
        raw.bad_rows.append((raw.last_row + 1, f"cut off at the end of the file inside a character (not valid "
                             f"{used}); the export looks truncated", tail.decode(used, errors="replace")))
    return raw


def _read_csv_text(data: bytes, name: str, encoding: str) -> RawRead:
    used = _csv_encoding(data, encoding, name)

    def slow() -> tuple[str, str]:  # the whole text decoded in Python, and the encoding that decoded it
        return decode(data, encoding, name)

    if used not in ("utf-8", "utf-8-sig") and "\n,".encode(used) != b"\n,":  # e.g. UTF-16: its text as UTF-8
        text, used = slow()
        return _parse_csv(name, _line_ends(text.encode("utf-8")), "utf-8", lambda: (text, used), label=used)
    if used in ("utf-8", "utf-8-sig") and _utf8_prefix_error(data) is not None:
        slow()  # raises with the offset of the bad byte (pyarrow would meet it inside its row handler)
    if encoding == "auto" and used == "gbk":
        try:
            return _parse_csv(name, data, used, slow)
        except UnicodeDecodeError:  # a character beyond GBK
            used = "gb18030"
    try:
        return _parse_csv(name, data, used, slow)
    except UnicodeError:
        slow()  # raises with the offset of the bad byte
        raise


def _parse_csv(name: str, data: bytes, used: str, slow, label: str | None = None) -> RawRead:
    """Parse CSV bytes in the ASCII-compatible encoding ``used`` (UnicodeDecodeError where they are not);
    ``slow()`` gives the decoded text and its encoding for files the csv module must read."""
    label = label or used
    codec = "utf-8" if used in ("utf-8", "utf-8-sig") else used
    start = 3 if codec == "utf-8" and data.startswith(b"\xef\xbb\xbf") else 0
    end = data.find(b"\n", start)
    head, body = (data[start:end], data[end + 1:]) if end >= 0 else (data[start:], b"")
    header = _header(head.decode(codec).rstrip("\r"))
    if len(set(header)) != len(header):
        raise InputError(f"repeated column names in the header: {header}", name)
    if not body.strip():
        raise InputError("has a header but no data rows", name)
    if b"\n\n" in body or b"\n\r\n" in body:  # blank lines would shift row numbers
        return _read_csv_multiline(name, header, *slow())
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
    except pa.ArrowInvalid:  # e.g. line breaks inside quoted values, a row longer than a block
        return _read_csv_multiline(name, header, *slow())
    if not bad_text:
        rows = np.arange(1, table.num_rows + 1)
        return RawRead(Path(name), table.add_column(0, ROW, pa.array(rows, type=pa.int64())), label, [])
    if any(t.count('"') % 2 for t, _ in bad_text):  # a quoted value spread over lines
        return _read_csv_multiline(name, header, *slow())
    bad = _locate_bad_rows(name, body, codec, bad_text, len(header))
    n_lines = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
    rows = np.delete(np.arange(1, n_lines + 1), [r - 1 for r, _, _ in bad])
    if len(rows) != table.num_rows:
        raise InputError(f"{table.num_rows} rows parsed but {len(rows)} lines expected; "
                         "the file may contain line breaks inside unquoted values", name)
    return RawRead(Path(name), table.add_column(0, ROW, pa.array(rows, type=pa.int64())), label, bad)


def _locate_bad_rows(name: str, body: bytes, codec: str, bad_text: list[tuple[str, int]],
                     n_fields: int) -> list[tuple[int, str, str]]:
    """Line numbers of the rows pyarrow could not split (there are few): each one's text as a whole line not
    yet claimed."""
    framed = b"\n" + body
    bad: list[tuple[int, str, str]] = []
    used_lines: set[int] = set()
    for text, n_found in bad_text:
        line = b"\n" + text.encode(codec)
        pos = -1
        while True:
            pos = framed.find(line, pos + 1)
            row = framed.count(b"\n", 0, pos + 1)
            whole = framed[pos + len(line):pos + len(line) + 1] in (b"\n", b"\r", b"")
            if pos < 0 or (whole and row not in used_lines):
                break
        if pos < 0:
            raise InputError("could not locate a malformed row; check the file's line endings", name)
        used_lines.add(row)
        bad.append((row, f"expected {n_fields} fields, found {n_found}", text))
    return sorted(bad)


def _read_csv_multiline(name: str, header: list[str], text: str, used: str) -> RawRead:
    """Slow path for files whose quoted values contain line breaks (or blank lines, or a row longer than
    pyarrow's block): the csv module numbers records; cells of any length are read whole."""
    body = text.partition("\n")[2]
    good, bad = [], []
    limit = csv.field_size_limit(_FIELD_LIMIT)
    try:
        for i, rec in enumerate(csv.reader(io.StringIO(body)), start=1):
            if len(rec) == len(header):
                good.append((i, *rec))
            elif any(v.strip() for v in rec):
                bad.append((i, f"expected {len(header)} fields, found {len(rec)}", ",".join(rec)))
    except csv.Error as exc:
        raise InputError(f"cannot split into fields ({exc})", name, i + 1) from None
    finally:
        csv.field_size_limit(limit)
    cols = list(zip(*good)) if good else [[] for _ in range(len(header) + 1)]
    arrays = {ROW: pa.array(cols[0], type=pa.int64())}
    arrays.update({h: pa.array(cols[k + 1], type=pa.string()) for k, h in enumerate(header)})
    return RawRead(Path(name), pa.table(arrays), used, bad)


# --- XLSX and Parquet ------------------------------------------------------------------------------------


def _read_xlsx(data: bytes, name: str, preset: Preset | None, sheet: int | str | None) -> RawRead:
    """The sheets to read (see :func:`read_export`) as one table; the others listed as skipped, with why."""
    import fastexcel

    try:
        book = fastexcel.read_excel(data)
        names = list(book.sheet_names)
    except Exception as exc:  # fastexcel raises its own error types
        raise InputError(f"cannot read as XLSX ({exc}); re-save it from Excel or export CSV", name) from None
    wanted = [sheet] if sheet is not None else list(preset.sheets) if preset is not None and preset.sheets else None
    if wanted is not None:
        names_of = [names[w] if isinstance(w, int) and 0 <= w < len(names) else w for w in wanted]
        missing = [w for w in names_of if w not in names]
        if missing:
            raise InputError(f"no sheet(s) {missing} (named under 'sheets:' in the preset); the workbook has "
                             f"{names}", name)
    reads: list[tuple[str, RawRead | None, str]] = []
    for k, sheet_name in enumerate(names):
        if wanted is not None and sheet_name not in names_of:
            reads.append((f"{name}:{sheet_name}", None, "not named under 'sheets:' in the preset"))
            continue
        try:
            t = book.load_sheet(k, dtypes="string").to_arrow()
        except Exception as exc:
            raise InputError(f"cannot read sheet {sheet_name!r} ({exc}); re-save it from Excel or export CSV",
                             name) from None
        reads.append((f"{name}:{sheet_name}", *_sheet(t, f"{name}:{sheet_name}")))
    return _choose_sheets(name, reads, preset, explicit=wanted is not None)


def _sheet(t: pa.Table, name: str) -> tuple[RawRead | None, str]:
    if t.num_columns == 0:
        return None, "empty"
    arrays = {ROW: pa.array(np.arange(1, t.num_rows + 1), type=pa.int64())}
    for col in t.column_names:
        arrays[str(col).strip()] = pc.fill_null(t[col].cast(pa.string()), "")
    return RawRead(Path(name), pa.table(arrays), "xlsx"), ""


def _choose_sheets(name: str, reads: list[tuple[str, RawRead | None, str]], preset: Preset | None,
                   explicit: bool) -> RawRead:
    """Sheets whose header has the preset's columns (without a preset: the first sheet's header) are read;
    the others are skipped with the reason. No matching sheet: the first non-empty one is read, so that the
    missing column is reported for it."""
    full = [(n, r) for n, r, _ in reads if r is not None]
    if not full:
        raise InputError("every sheet is empty" if reads else "the workbook has no sheets", name)
    first_header = _columns(full[0][1])
    chosen: list[tuple[str, RawRead | None, str]] = []
    for part, raw, why in reads:
        if raw is not None and not explicit:
            lacks = preset.missing_columns(_columns(raw)) if preset is not None else (
                [] if _columns(raw) == first_header else ["the first sheet's header"])
            if lacks:
                raw, why = None, f"header lacks {', '.join(lacks)}"
        chosen.append((part, raw, why))
    if not any(r is not None for _, r, _ in chosen):
        if len(full) > 1:
            raise InputError("no sheet has the columns the preset maps: "
                             + "; ".join(f"{p.rsplit(':', 1)[1]}: {w}" for p, _, w in chosen), name)
        chosen = [(p, full[0][1] if p == full[0][0] else None, w) for p, _, w in chosen]
    return _concat(name, chosen, "xlsx")


def _columns(raw: RawRead) -> list[str]:
    return [c for c in raw.table.column_names if c != ROW]


def _read_parquet(data: bytes, name: str) -> RawRead:
    try:
        t = pq.read_table(pa.BufferReader(data))
    except Exception as exc:  # pyarrow raises ArrowInvalid and friends
        raise InputError(f"cannot read as Parquet ({exc})", name) from None
    arrays = {ROW: pa.array(np.arange(1, t.num_rows + 1), type=pa.int64())}
    for col in t.column_names:
        arrays[col] = pc.fill_null(_as_text(t[col], name, col), "")
    return RawRead(Path(name), pa.table(arrays), "parquet")


def _as_text(col: pa.ChunkedArray, name: str, column: str) -> pa.ChunkedArray | pa.Array:
    """A Parquet column as text: timestamps ``YYYY-MM-DD HH:MM:SS``, lists, structs and maps as JSON."""
    if pa.types.is_timestamp(col.type):
        return pc.strftime(col, format="%Y-%m-%d %H:%M:%S")
    if pa.types.is_nested(col.type):
        return pa.array([None if v is None else json.dumps(v, ensure_ascii=False, default=str)
                         for v in col.to_pylist()], type=pa.string())
    try:
        return col.cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise InputError(f"cannot read type {col.type} as text ({exc}); export this column as text",
                         name, column=column) from None


# --- ZIP and parts ---------------------------------------------------------------------------------------


def _read_zip(data: bytes, name: str, encoding: str, preset: Preset | None) -> RawRead:
    """Every member with a supported extension (matching the preset's ``files:`` patterns) as one table;
    other members are listed as skipped."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"not a readable ZIP archive ({exc})", name) from None
    patterns = preset.files if preset is not None else ("*",)
    reads: list[tuple[str, RawRead | None, str]] = []
    for m in members:
        part, base, kind = f"{name}:{m.filename}", PurePosixPath(m.filename).name, kind_of(m.filename)
        why = ("macOS metadata" if m.filename.startswith("__MACOSX/") or base.startswith("._") else
               "archive inside the archive (extract it first)" if kind == "zip" else
               "not a supported file type" if kind is None else
               f"does not match the preset's files: {list(patterns)}"
               if not any(fnmatch.fnmatch(base, p) for p in patterns) else "")
        if why:
            reads.append((part, None, why))
            continue
        try:
            raw = _read_bytes(archive.read(m), part, kind, encoding, preset)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
            raise InputError(f"cannot extract ({exc})", part) from None
        if preset is not None and preset.missing_columns(_columns(raw)):
            raise InputError(f"missing column(s) {preset.missing_columns(_columns(raw))} that the preset "
                             f"{preset.name!r} maps; the member's header is {_columns(raw)}", part)
        reads.append((part, raw, ""))
    if not any(r is not None for _, r, _ in reads):
        raise InputError("no member to read: " + "; ".join(f"{p.split(':', 1)[1]}: {w}" for p, _, w in reads)
                         if reads else "the archive is empty", name)
    encodings = sorted({r.encoding for _, r, _ in reads if r is not None})
    return _concat(name, reads, "+".join(encodings))


def _concat(name: str, reads: list[tuple[str, RawRead | None, str]], encoding: str) -> RawRead:
    """Parts read as one table, rows numbered on through the parts; columns a part lacks are empty there."""
    columns: list[str] = list(dict.fromkeys(c for _, r, _ in reads if r is not None for c in _columns(r)))
    tables, bad, parts, offset = [], [], [], 0
    for part, raw, why in reads:
        if raw is None:
            parts.append(Part(part, "skipped", reason=why))
            continue
        n = raw.last_row
        t = raw.table
        arrays = {ROW: pc.add(t[ROW], offset)}
        for c in columns:
            arrays[c] = t[c] if c in t.column_names else pa.array([""] * t.num_rows, type=pa.string())
        tables.append(pa.table(arrays))
        bad += [(r + offset, reason, text) for r, reason, text in raw.bad_rows]
        parts.append(Part(part, "read", rows=n, first_row=offset + 1))
        offset += n
    table = pa.concat_tables(tables) if tables else pa.table({ROW: pa.array([], pa.int64())})
    return RawRead(Path(name), table, encoding, bad, parts)
