"""Text columns of an export -> canonical work orders, with a reason for every row left out."""

from __future__ import annotations

import calendar
import csv
import re
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .. import schema as S
from ..clean import CONTROL_CHARS, cut_long_texts, repair_encoding, strip_controls
from ..errors import InputError, PresetError, SettingsError
from ..privacy import caller_keys, mask_names, mask_texts
from ..settings import Settings, load_settings
from .presets import REQUIRED, Preset
from .readers import ROW, RawRead

DATE_FIELDS = (S.RECEIVED_AT, S.DUE_AT, S.CLOSED_AT, S.FIRST_RESPONSE_AT)
BOOL_FIELDS = (S.IS_REASONABLE, S.CONTACTED, S.RESOLVED, S.HANDLED_DIRECTLY, S.EXTENSION_REQUESTED,
               S.EXTENSION_GRANTED, S.ESCALATED)
COUNT_FIELDS = (S.REASSIGNED,)
ENUM_FIELDS = (S.CHANNEL, S.REQUEST_TYPE, S.STATUS, S.SATISFACTION)
TEXT_FIELDS = (S.ORDER_ID, S.CATEGORY_L1, S.CATEGORY_L2, S.DISTRICT, S.DEPARTMENT_RAW, S.CONTENT)
#: Free-text columns besides the request text: identifiers are masked in them too, and over-long ones cut.
NAME_FIELDS = (S.CATEGORY_L1, S.CATEGORY_L2, S.DISTRICT, S.DEPARTMENT_RAW)
QUARANTINE_COLUMNS = ["source_file", "source_row", "column", "reason", "value"]


@dataclass
class Canonical:
    """Canonical rows of one file plus what was left out or corrected, and why."""

    frame: pd.DataFrame
    quarantine: pd.DataFrame
    corrections: Counter = field(default_factory=Counter)  # "column: what" -> rows corrected in place
    unmapped: dict[str, Counter] = field(default_factory=dict)  # column -> value -> rows


def quarantine_frame(rows: list[tuple]) -> pd.DataFrame:
    """Quarantine rows as a frame; identifiers in the values (all but order ids) are masked."""
    q = pd.DataFrame(rows, columns=QUARANTINE_COLUMNS).astype(
        {"source_file": "string", "source_row": "int64", "column": "string", "reason": "string", "value": "string"})
    free = (q["column"] != S.ORDER_ID).to_numpy(dtype=bool)
    if free.any():
        masked = mask_texts(pa.array(q.loc[free, "value"], type=pa.string(), from_pandas=True))
        q.loc[free, "value"] = pd.array(masked.to_pylist(), dtype="string")
    return q


#: A date text that names its UTC offset (2021-02-01T10:00:00Z, 2021-02-01 10:00:00+08:00).
_OFFSET = r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})$"


def parse_dates(values: pa.Array, formats: tuple[str, ...], timezone: str | None = None) -> pa.Array:
    """Parse text dates trying each strptime format, then ISO 8601; unparseable -> null.

    Strict: an impossible calendar date (``2021/02/30``) is null, never moved
    into the next month.  A text with a UTC offset (``Z``, ``+08:00``) is the
    same instant as local time in ``timezone`` (UTC when None), without zone.

    Examples
    --------
    >>> parse_dates(pa.array(["2020/12/01 08:30", "2020年12月02日 09:00", "x", "2021/02/30 10:00"]),
    ...             ("%Y/%m/%d %H:%M", "%Y年%m月%d日 %H:%M")).to_pylist()
    [datetime.datetime(2020, 12, 1, 8, 30), datetime.datetime(2020, 12, 2, 9, 0), None, None]
    >>> parse_dates(pa.array(["2021-02-01T02:00:00Z"]), (), "Asia/Shanghai").to_pylist()
    [datetime.datetime(2021, 2, 1, 10, 0)]
    """
    return _parse(values, formats, timezone)[0]


def _parse(values: pa.Array, formats: tuple[str, ...], timezone: str | None) -> tuple[pa.Array, int]:
    """:func:`parse_dates`, and how many of the dates had a UTC offset; each format reads only the texts the
    formats before it did not."""
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[s]")
    todo = np.flatnonzero(~pc.fill_null(pc.equal(values, ""), True).to_numpy(zero_copy_only=False))
    for fmt in formats:
        if not len(todo):
            break
        sub = values if len(todo) == len(values) else values.take(pa.array(todo))
        got = _no_rollover(sub, pc.strptime(sub, format=fmt, unit="s", error_is_null=True), fmt)
        got = np.asarray(got.to_numpy(zero_copy_only=False), dtype="datetime64[s]")
        ok = ~np.isnat(got)
        out[todo[ok]] = got[ok]
        todo = todo[~ok]
    zoned = 0
    if len(todo):
        out[todo], zoned = _parse_iso(values.take(pa.array(todo)), timezone)
    return pa.array(out, type=pa.timestamp("s"), from_pandas=True), zoned


def _parse_iso(values: pa.Array, timezone: str | None) -> tuple[np.ndarray, int]:
    """ISO 8601 texts parsed by pandas, which refuses impossible dates (NaT); texts with a UTC offset as local
    time in ``timezone``; and how many of those were parsed."""
    text = pd.Series(values.to_numpy(zero_copy_only=False), dtype=object)
    zoned = pc.fill_null(pc.match_substring_regex(values, _OFFSET), False).to_numpy(zero_copy_only=False)
    parsed = np.array(pd.to_datetime(text.where(~zoned), format="ISO8601", errors="coerce"), dtype="datetime64[s]")
    if not zoned.any():
        return parsed, 0
    utc = pd.to_datetime(text[zoned], format="ISO8601", errors="coerce", utc=True)
    local = utc.dt.tz_convert(timezone or "UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[s]")
    parsed[zoned] = local
    return parsed, int((~np.isnat(local)).sum())


_DIRECTIVES = {"Y": r"(?P<Y>\d{4})", "m": r"(?P<m>\d{1,2})", "d": r"(?P<d>\d{1,2})", "y": r"\d{2}",
               "H": r"\d{1,2}", "I": r"\d{1,2}", "M": r"\d{1,2}", "S": r"\d{1,2}", "f": r"\d+", "j": r"\d{1,3}",
               "p": "[AaPp][Mm]", "b": r"\w+", "B": r"\w+", "a": r"\w+", "A": r"\w+", "%": "%"}
#: Year, month and day of a date text whose format is not known (ISO 8601 and the like).
_YMD = r"^\s*(?P<Y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})"


def _format_regex(fmt: str) -> str | None:
    """A regular expression (RE2 and Python) with groups Y, m, d for texts in the strptime format ``fmt``
    (None for a format without a day or with a directive not known here)."""
    if "%d" not in fmt:
        return None
    out = [r"^\s*"]
    for part in re.split(r"(%.)", fmt):
        if len(part) == 2 and part.startswith("%"):
            if part[1] not in _DIRECTIVES:
                return None
            out.append(_DIRECTIVES[part[1]])
        else:
            out.append("".join(r"\s*" if c.isspace() else "\\" + c if c.isascii() and not c.isalnum() else c
                               for c in part))
    return "".join(out)


def _no_rollover(values: pa.Array, got: pa.Array, fmt: str) -> pa.Array:
    """``got`` (strptime of ``values`` in ``fmt``) with null where strptime moved an impossible day into the next
    month (2021/02/30 -> 2021-03-02): there the text's day is not the parsed day, which can only be 1 to 3."""
    rx = _format_regex(fmt)
    idx = pc.indices_nonzero(pc.fill_null(pc.less_equal(pc.day(got), 3), False))
    if rx is None or len(idx) == 0:
        return got
    day = pc.struct_field(pc.extract_regex(values.take(idx), rx), "d")
    moved = pc.fill_null(pc.not_equal(pc.cast(day, pa.int64()), pc.day(got.take(idx))), False)
    if not pc.any(moved).as_py():
        return got
    mask = np.zeros(len(got), dtype=bool)
    mask[idx.filter(moved).to_numpy()] = True
    return pc.if_else(pa.array(mask), pa.scalar(None, got.type), got)


def why_not_a_date(text: str, formats: tuple[str, ...]) -> str:
    """Why :func:`parse_dates` gave no date for ``text``: 'not a calendar date' when a format reads a year, a
    month 1-12 and a day past that month's end (2021/02/30), else 'unparseable date'.

    >>> why_not_a_date("2021/02/30 10:00", ("%Y/%m/%d %H:%M",)), why_not_a_date("2020-13-45", ())
    ('not a calendar date', 'unparseable date')
    """
    for rx in [*filter(None, map(_format_regex, formats)), _YMD]:
        m = re.match(rx, text)
        if m and 1 <= int(m["Y"]) and 1 <= int(m["m"]) <= 12:
            if int(m["d"]) == 0 or int(m["d"]) > calendar.monthrange(int(m["Y"]), int(m["m"]))[1]:
                return "not a calendar date"
    return "unparseable date"


def _map_values(values: pa.Array, mapping: dict, fallback) -> tuple[np.ndarray, list, Counter]:
    """Map text values; unmapped non-empty values -> ``fallback`` and counted.

    Returns (codes, labels, unmapped counts): row ``i`` maps to ``labels[codes[i]]``, or to None where the
    code is -1 (empty text, or a value mapped to None).
    """
    keys = [str(k) for k in mapping]
    uniq = pc.unique(values).to_pylist()
    table = {u: mapping.get(u, mapping.get(u.strip(), fallback)) if u else None for u in uniq}
    for k, v in mapping.items():  # YAML may read 是/否 keys as text and values as bools
        table[str(k)] = v
    counts = pc.value_counts(values).to_pylist()
    missed = Counter({c["values"]: c["counts"] for c in counts if c["values"] and c["values"] not in keys})
    labels = list(dict.fromkeys(v for v in table.values() if v is not None))
    code_of = np.array([labels.index(table[u]) if table[u] is not None else -1 for u in uniq] + [-1])
    idx = pc.fill_null(pc.index_in(values, value_set=pa.array(uniq, type=pa.string())), len(uniq))
    return code_of[idx.to_numpy()], labels, missed


def _enum(codes: np.ndarray, labels: list, column: str) -> pd.Categorical:
    """Codes of :func:`_map_values` as the enum column's categorical; a label outside the enum is an error."""
    cats = list(S.ENUMS[column])
    bad = sorted(str(v) for v in labels if v not in cats)
    if bad:
        raise PresetError(f"the preset maps {column!r} to values outside its enum: {bad[:5]}; "
                          f"allowed: {cats}")
    remap = np.array([cats.index(v) for v in labels] + [-1])
    return pd.Categorical.from_codes(remap[codes], dtype=S.enum_dtype(column))


def _boolean(codes: np.ndarray, labels: list) -> pd.arrays.BooleanArray:
    """Codes of :func:`_map_values` as a nullable boolean column (the preset maps to true/false or 1/0)."""
    truth = np.array([bool(v) for v in labels] + [False])
    return pd.arrays.BooleanArray(truth[codes], codes < 0)


def _field(raw: RawRead, preset: Preset, fld: str, strip: bool = True) -> pa.Array | None:
    """The field's texts, trimmed, and without control characters unless ``strip`` is false."""
    spec = preset.columns.get(fld)
    if spec is None:
        return None
    t = raw.table
    clean = strip_controls if strip else (lambda a: a)
    if isinstance(spec, dict):
        parts = [clean(pc.utf8_trim_whitespace(t[h].combine_chunks())) for h in spec["join"]]
        return pc.utf8_trim(pc.binary_join_element_wise(*parts, spec.get("sep", "\n")), characters=spec.get("sep", "\n"))
    header = _header_of(raw, preset, fld)
    return clean(pc.utf8_trim_whitespace(t[header].combine_chunks())) if header else None


def _header_of(raw: RawRead, preset: Preset, fld: str) -> str | None:
    """The export header a (not joined) field is read from: the first of its headers the file has."""
    spec = preset.columns.get(fld)
    if spec is None or isinstance(spec, dict):
        return None
    present = [h for h in ([spec] if isinstance(spec, str) else spec) if h in raw.table.column_names]
    return present[0] if present else None


def check_columns(raw: RawRead, preset: Preset) -> None:
    """Stop with a clear message when the file lacks a column the preset maps."""
    header = [c for c in raw.table.column_names if c != ROW]
    for fld in preset.columns:
        headers = preset.headers_for(fld)
        spec = preset.columns[fld]
        need_all = isinstance(spec, dict)
        found = [h for h in headers if h in header]
        if ((need_all and len(found) < len(headers)) or not found) and fld not in preset.optional:
            kind = "required" if fld in REQUIRED else "mapped"
            raise InputError(
                f"missing {kind} column {' + '.join(headers) if need_all else ' or '.join(headers)} "
                f"(canonical field {fld!r}); the file's header is {header}. Fix 'columns.{fld}' in the preset "
                f"{preset.name!r}" + ("" if fld in REQUIRED else f" or list {fld!r} under 'absent'"), raw.path.name)


def _mask_raw_line(text: str, header: list[str], private: set[str]) -> str:
    """A damaged line for the quarantine file, with personal columns removed and identifiers masked."""
    try:
        fields = next(csv.reader([text]))
    except (csv.Error, StopIteration):
        fields = [text]
    kept = [v for h, v in zip(header, fields) if h not in private] + fields[len(header):]
    return mask_texts(pa.array([",".join(kept)], type=pa.string()))[0].as_py()


def to_canonical(raw: RawRead, preset: Preset, key: bytes, source_name: str | None = None,
                 settings: Settings | None = None) -> Canonical:
    """Map, parse and pseudonymise one file's rows (see :mod:`hotline_analysis.ingest.presets`).

    Rows without an order id or without a believable ``received_at`` (see
    :func:`_dates`) go to quarantine; so do repeated order ids within the file
    (the first stays).  A text that is UTF-8 decoded with the wrong codec
    (``MAYORâ\x80\x99S``) is decoded again (counted).  Every text loses its control characters; phone and ID
    numbers are masked in the request text, the category, district and
    department names, the quarantine's values and the unmapped values; names
    longer than ``ingest.max_name_chars`` are cut (counted).
    """
    settings = settings or load_settings()
    check_columns(raw, preset)
    raw, repaired = _repair_encoding(raw)
    name = source_name or raw.path.name
    header = [c for c in raw.table.column_names if c != ROW]
    private = set(preset.drop) | set(preset.headers_for("phone"))
    qrows = [(name, r, "*", "malformed row", f"{reason}: {_mask_raw_line(text, header, private)}")
             for r, reason, text in raw.bad_rows]
    n = raw.table.num_rows
    row = raw.table[ROW].combine_chunks()
    out: dict[str, object] = {}
    for fld in TEXT_FIELDS:  # the request text: control characters removed and identifiers masked in one pass
        v = _field(raw, preset, fld, strip=fld != S.CONTENT)
        v = v if v is None or fld == S.ORDER_ID else mask_texts(v, CONTROL_CHARS) if fld == S.CONTENT else mask_names(v)
        out[fld] = v if v is not None else pa.nulls(n, pa.string())
    phone = _field(raw, preset, "phone", strip=False)  # only its digits count
    out[S.CALLER_KEY] = caller_keys(phone, key) if phone is not None else pa.nulls(n, pa.string())
    dates, q_dates, corrections = _dates(raw, preset, name, row, settings)
    coded, unmapped = _coded(raw, preset, settings.ingest.max_name_chars)
    counts = _counts(raw, preset, corrections)
    out.update(dates | coded | counts)
    no_id = pc.equal(out[S.ORDER_ID], "").to_numpy(zero_copy_only=False)
    no_id_rows = set(row.filter(pa.array(no_id)).to_pylist())
    qrows += [q for q in q_dates if q[1] not in no_id_rows]  # a row without an id is quarantined once, for that
    qrows += [(name, r, S.ORDER_ID, "missing", "") for r in sorted(no_id_rows)]
    df = _frame(out, name, row)
    keep = ~(no_id | df[S.RECEIVED_AT].isna().to_numpy())
    if not keep.all():
        df = df[keep]
    df, q_repeated = _drop_repeated_ids(df, name)
    df, cut = cut_long_texts(df, settings.ingest.max_name_chars, NAME_FIELDS)
    quarantine = quarantine_frame(sorted(qrows + q_repeated, key=lambda q: q[1]))
    return Canonical(S.coerce(df.reset_index(drop=True)), quarantine, corrections + cut + repaired, unmapped)


def _repair_encoding(raw: RawRead) -> tuple[RawRead, Counter]:
    """The export's texts with UTF-8 decoded by the wrong codec repaired (:func:`repair_encoding`), counted per
    column of the export."""
    t, counts = raw.table, Counter()
    for i, header in enumerate(t.column_names):
        if header == ROW:
            continue
        fixed, n = repair_encoding(t.column(i))
        if n:
            t = t.set_column(i, header, fixed)
            counts[f"{header}: text decoded with the wrong codec, repaired"] += n
    return (replace(raw, table=t) if counts else raw), counts


def _dates(raw: RawRead, preset: Preset, name: str, row: pa.Array, settings: Settings) -> tuple[dict, list, Counter]:
    """The date columns parsed (:func:`parse_dates`), in local time, and believable.

    Time-zone-aware values (a UTC offset in the text, or a zone-aware Parquet
    column) become local time in the preset's ``timezone``, else
    ``ingest.timezone`` (counted).  A date outside ``ingest.earliest_date`` ..
    ``ingest.latest_date`` (placeholders such as 9999-12-31, 1900-01-01,
    1970-01-01) is not believed.  A ``received_at`` that is missing,
    unparseable, not a calendar date or not believed sends the row to
    quarantine with that reason; any other date is set to null and counted.
    Returns (columns, quarantine rows, corrections).
    """
    n = raw.table.num_rows
    lo, hi, span = _believable(settings)
    tz = _zone(preset, settings)
    out, qrows, corrections = {}, [], Counter()
    for fld in DATE_FIELDS:
        v = _field(raw, preset, fld)
        if v is None:
            out[fld] = pa.nulls(n, pa.timestamp("s"))
            continue
        parsed, zoned = _local_dates(raw, preset, fld, v, tz)
        if zoned:
            corrections[f"{fld}: {zoned[0]} converted to local time in {tz}"] += zoned[1]
        missing = pc.fill_null(pc.equal(v, ""), True).to_numpy(zero_copy_only=False)
        bad = parsed.is_null().to_numpy(zero_copy_only=False) & ~missing
        far = pc.fill_null(pc.or_(pc.less(parsed, lo), pc.greater_equal(parsed, hi)), False)
        why = {i: why_not_a_date(v[i].as_py(), preset.date_formats) for i in np.flatnonzero(bad)}
        if fld == S.RECEIVED_AT:
            qrows += [(name, row[i].as_py(), fld, "missing", "") for i in np.flatnonzero(missing)]
            qrows += [(name, row[i].as_py(), fld, w, v[i].as_py()) for i, w in why.items()]
            qrows += [(name, row[i].as_py(), fld, f"outside {span}", v[i].as_py())
                      for i in np.flatnonzero(far.to_numpy(zero_copy_only=False))]
        else:
            corrections.update(f"{fld}: {w}, set to null" for w in why.values())
            if pc.any(far).as_py():
                corrections[f"{fld}: outside {span}, set to null"] += pc.sum(far).as_py()
        out[fld] = pc.if_else(far, pa.scalar(None, pa.timestamp("s")), parsed)
    return out, qrows, corrections


def _believable(settings: Settings) -> tuple[pa.Scalar, pa.Scalar, str]:
    """``ingest.earliest_date``, the day after ``ingest.latest_date`` and the range as words."""
    ing = settings.ingest
    try:
        lo, last = pd.Timestamp(ing.earliest_date), pd.Timestamp(ing.latest_date)
    except ValueError as exc:
        raise SettingsError(f"not a date: {exc}", "ingest.earliest_date / ingest.latest_date") from None
    if not pd.Timestamp("1678-01-01") <= lo <= last <= pd.Timestamp("2261-12-31"):
        raise SettingsError("expected earliest_date <= latest_date, both within 1678-01-01 .. 2261-12-31",
                            "ingest.earliest_date / ingest.latest_date")
    hi = last + pd.Timedelta(days=1)
    scalar = lambda t: pa.scalar(t.to_pydatetime(), type=pa.timestamp("s"))  # noqa: E731
    return scalar(lo), scalar(hi), f"{lo:%Y-%m-%d}..{last:%Y-%m-%d}"


def _zone(preset: Preset, settings: Settings) -> str:
    """The time zone local times are in: the preset's ``timezone``, else ``ingest.timezone``."""
    tz = preset.timezone or settings.ingest.timezone
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise PresetError(f"unknown time zone {tz!r} (preset {preset.name!r} or ingest.timezone); "
                          "use an IANA name such as Asia/Shanghai") from None
    return tz


def _local_dates(raw: RawRead, preset: Preset, fld: str, v: pa.Array, tz: str) -> tuple[pa.Array, tuple | None]:
    """The field's dates as local time in ``tz``, and (what was converted, rows) where some were zone-aware: a
    zone-aware Parquet column is read again as instants; texts with a UTC offset are converted when parsed."""
    header = _header_of(raw, preset, fld)
    if raw.path.suffix.lower() == ".parquet" and header is not None:
        col = pq.read_table(raw.path, columns=[header])[header].combine_chunks()
        if pa.types.is_timestamp(col.type) and col.type.tz and len(col) == len(v):
            local = pc.local_timestamp(col.cast(pa.timestamp(col.type.unit, tz=tz)))
            return local.cast(pa.timestamp("s"), safe=False), (f"time zone {col.type.tz}", len(col) - col.null_count)
    parsed, zoned = _parse(v, preset.date_formats, tz)
    return parsed, (("UTC offset", zoned) if zoned else None)


def _coded(raw: RawRead, preset: Preset, max_chars: int) -> tuple[dict, dict[str, Counter]]:
    """The enum and boolean columns through the preset's value maps (its defaults for columns the export
    lacks), and per column the values no map knows (identifiers masked, cut to ``max_chars``)."""
    n = raw.table.num_rows
    out, unmapped = {}, {}
    for fld in (*ENUM_FIELDS, *BOOL_FIELDS):
        v = _field(raw, preset, fld)
        if v is None:
            out[fld] = np.full(n, preset.defaults.get(fld), dtype=object)
            continue
        if fld in ENUM_FIELDS:
            fallback = "other" if "other" in S.ENUMS[fld] else None  # an unknown status is unknown, and counted
            codes, labels, missed = _map_values(v, preset.values.get(fld, {}), fallback)
            out[fld] = _enum(codes, labels, fld)
        else:
            codes, labels, missed = _map_values(v, preset.values.get("boolean", {}), None)
            out[fld] = _boolean(codes, labels)
        if missed:
            unmapped[fld] = _masked_counts(missed, max_chars)
    return out, unmapped


def _masked_counts(counts: Counter, max_chars: int) -> Counter:
    """``counts`` with identifiers in its keys masked and keys cut to ``max_chars`` (counts of keys made equal add up)."""
    masked = mask_texts(pa.array(list(counts), type=pa.string())).to_pylist()
    out = Counter()
    for k, m in zip(counts, masked):
        out[m[:max_chars]] += counts[k]
    return out


def _counts(raw: RawRead, preset: Preset, corrections: Counter) -> dict:
    """Count columns (e.g. times reassigned) as nullable integers; text that is not a whole number of 0 or more
    becomes null and is counted in ``corrections``."""
    n = raw.table.num_rows
    out = {}
    for fld in COUNT_FIELDS:
        v = _field(raw, preset, fld)
        if v is None:
            out[fld] = pd.array([pd.NA] * n, dtype="Int64")
            continue
        v = pc.utf8_trim_whitespace(v)
        whole = pc.match_substring_regex(v, r"^[0-9]{1,9}(\.0+)?$")
        bad = int(pc.sum(pc.and_(pc.invert(whole), pc.not_equal(v, ""))).as_py() or 0)
        if bad:
            corrections[f"{fld}: not a count, set to null"] += bad
        number = pc.cast(pc.cast(pc.if_else(whole, v, pa.scalar(None, pa.string())), pa.float64()), pa.int64())
        out[fld] = pd.array(number.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get), dtype="Int64")
    return out


def _frame(out: dict, name: str, row: pa.Array) -> pd.DataFrame:
    """The canonical columns of one file as a frame (``department`` and ``duplicate_of`` still empty)."""
    n = len(row)

    def dates(fld: str) -> pd.Series:
        return pd.Series(out[fld].to_numpy(zero_copy_only=False)).astype("datetime64[ns]")

    return pd.DataFrame({
        S.ORDER_ID: out[S.ORDER_ID].to_pandas(types_mapper={pa.string(): pd.StringDtype()}.get),
        S.RECEIVED_AT: dates(S.RECEIVED_AT),
        S.CHANNEL: out[S.CHANNEL], S.REQUEST_TYPE: out[S.REQUEST_TYPE],
        S.CATEGORY_L1: _text(out[S.CATEGORY_L1]), S.CATEGORY_L2: _text(out[S.CATEGORY_L2]),
        S.DISTRICT: _text(out[S.DISTRICT]), S.DEPARTMENT: _text(pa.nulls(n, pa.string())),
        S.DEPARTMENT_RAW: _text(out[S.DEPARTMENT_RAW]), S.CONTENT: _text(out[S.CONTENT]),
        S.CALLER_KEY: _text(out[S.CALLER_KEY]), S.DUE_AT: dates(S.DUE_AT), S.CLOSED_AT: dates(S.CLOSED_AT),
        S.STATUS: out[S.STATUS], S.IS_VALID: True,
        S.IS_REASONABLE: out[S.IS_REASONABLE], S.DUPLICATE_OF: _text(pa.nulls(n, pa.string())),
        S.CONTACTED: out[S.CONTACTED], S.RESOLVED: out[S.RESOLVED], S.SATISFACTION: out[S.SATISFACTION],
        S.HANDLED_DIRECTLY: out[S.HANDLED_DIRECTLY], S.FIRST_RESPONSE_AT: dates(S.FIRST_RESPONSE_AT),
        S.REASSIGNED: out[S.REASSIGNED], S.EXTENSION_REQUESTED: out[S.EXTENSION_REQUESTED],
        S.EXTENSION_GRANTED: out[S.EXTENSION_GRANTED], S.ESCALATED: out[S.ESCALATED],
        S.SOURCE_FILE: _text(pa.repeat(pa.scalar(name, pa.string()), n)),
        S.SOURCE_ROW: row.to_numpy(zero_copy_only=False),
    })


def _drop_repeated_ids(df: pd.DataFrame, name: str) -> tuple[pd.DataFrame, list]:
    """The rows without the later ones of a repeated order id, and quarantine rows for those."""
    dup = df[S.ORDER_ID].duplicated(keep="first").to_numpy()
    if not dup.any():
        return df, []
    first = df.drop_duplicates(S.ORDER_ID).set_index(S.ORDER_ID)[S.SOURCE_ROW]
    qrows = [(name, int(r), S.ORDER_ID, "repeated within file", f"{oid} (first at row {first[oid]})")
             for oid, r in zip(df.loc[dup, S.ORDER_ID], df.loc[dup, S.SOURCE_ROW])]
    return df[~dup], qrows


def _text(a: pa.Array) -> pd.Series:
    """Arrow text -> pandas string column, empty text as missing."""
    a = pc.if_else(pc.equal(a, ""), pa.scalar(None, pa.string()), a)
    return pd.Series(pd.arrays.ArrowStringArray(a))
