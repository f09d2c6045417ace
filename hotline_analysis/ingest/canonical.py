"""Text columns of an export -> canonical work orders, with a reason for every row left out."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema as S
from ..errors import InputError, PresetError
from ..privacy import caller_keys, mask_texts
from .presets import REQUIRED, Preset
from .readers import ROW, RawRead

DATE_FIELDS = (S.RECEIVED_AT, S.DUE_AT, S.CLOSED_AT, S.FIRST_RESPONSE_AT)
BOOL_FIELDS = (S.IS_REASONABLE, S.CONTACTED, S.RESOLVED, S.HANDLED_DIRECTLY, S.EXTENSION_REQUESTED,
               S.EXTENSION_GRANTED, S.ESCALATED)
COUNT_FIELDS = (S.REASSIGNED,)
ENUM_FIELDS = (S.CHANNEL, S.REQUEST_TYPE, S.STATUS, S.SATISFACTION)
TEXT_FIELDS = (S.ORDER_ID, S.CATEGORY_L1, S.CATEGORY_L2, S.DISTRICT, S.DEPARTMENT_RAW, S.CONTENT)
QUARANTINE_COLUMNS = ["source_file", "source_row", "column", "reason", "value"]


@dataclass
class Canonical:
    """Canonical rows of one file plus what was left out or corrected, and why."""

    frame: pd.DataFrame
    quarantine: pd.DataFrame
    corrections: Counter = field(default_factory=Counter)  # "column: what" -> rows corrected in place
    unmapped: dict[str, Counter] = field(default_factory=dict)  # column -> value -> rows


def quarantine_frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=QUARANTINE_COLUMNS).astype(
        {"source_file": "string", "source_row": "int64", "column": "string", "reason": "string", "value": "string"})


def parse_dates(values: pa.Array, formats: tuple[str, ...]) -> pa.Array:
    """Parse text dates trying each strptime format, then ISO 8601; unparseable -> null.

    Examples
    --------
    >>> parse_dates(pa.array(["2020/12/01 08:30", "2020年12月02日 09:00", "x"]),
    ...             ("%Y/%m/%d %H:%M", "%Y年%m月%d日 %H:%M")).to_pylist()[:2]
    [datetime.datetime(2020, 12, 1, 8, 30), datetime.datetime(2020, 12, 2, 9, 0)]
    """
    out = pa.nulls(len(values), type=pa.timestamp("s"))
    empty = pc.equal(values, "")
    for fmt in formats:
        todo = pc.and_(pc.is_null(out), pc.invert(empty))
        if not pc.any(todo).as_py():
            return out
        out = pc.coalesce(out, pc.strptime(values, format=fmt, unit="s", error_is_null=True))
    todo = pc.and_(pc.is_null(out), pc.invert(empty))
    if pc.any(todo).as_py():
        iso = pd.to_datetime(pd.Series(values.to_numpy(zero_copy_only=False)).where(todo.to_numpy(zero_copy_only=False)),
                             format="ISO8601", errors="coerce")
        out = pc.coalesce(out, pa.array(iso.to_numpy(dtype="datetime64[s]"), type=pa.timestamp("s")))
    return out


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


def _field(raw: RawRead, preset: Preset, fld: str) -> pa.Array | None:
    spec = preset.columns.get(fld)
    if spec is None:
        return None
    t = raw.table
    if isinstance(spec, dict):
        parts = [pc.utf8_trim_whitespace(t[h].combine_chunks()) for h in spec["join"]]
        return pc.utf8_trim(pc.binary_join_element_wise(*parts, spec.get("sep", "\n")), characters=spec.get("sep", "\n"))
    headers = [spec] if isinstance(spec, str) else list(spec)
    present = [h for h in headers if h in t.column_names]
    return pc.utf8_trim_whitespace(t[present[0]].combine_chunks()) if present else None


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


def to_canonical(raw: RawRead, preset: Preset, key: bytes, source_name: str | None = None) -> Canonical:
    """Map, parse and pseudonymise one file's rows (see :mod:`hotline_analysis.ingest.presets`).

    Rows without an order id or with an unparseable ``received_at`` go to
    quarantine; so do repeated order ids within the file (the first stays).
    """
    check_columns(raw, preset)
    name = source_name or raw.path.name
    header = [c for c in raw.table.column_names if c != ROW]
    private = set(preset.drop) | set(preset.headers_for("phone"))
    qrows = [(name, r, "*", "malformed row", f"{reason}: {_mask_raw_line(text, header, private)}")
             for r, reason, text in raw.bad_rows]
    n = raw.table.num_rows
    row = raw.table[ROW].combine_chunks()
    out: dict[str, object] = {}
    for fld in TEXT_FIELDS:
        v = _field(raw, preset, fld)
        out[fld] = v if v is not None else pa.nulls(n, pa.string())
    if preset.columns.get(S.CONTENT) is not None:
        out[S.CONTENT] = mask_texts(out[S.CONTENT])
    phone = _field(raw, preset, "phone")
    out[S.CALLER_KEY] = caller_keys(phone, key) if phone is not None else pa.nulls(n, pa.string())
    dates, q_dates, corrections = _dates(raw, preset, name, row)
    coded, unmapped = _coded(raw, preset)
    counts = _counts(raw, preset, corrections)
    out.update(dates | coded | counts)
    no_id = pc.equal(out[S.ORDER_ID], "").to_numpy(zero_copy_only=False)
    qrows += q_dates + [(name, row[i].as_py(), S.ORDER_ID, "missing", "") for i in np.flatnonzero(no_id)]
    df = _frame(out, name, row)
    keep = ~(no_id | df[S.RECEIVED_AT].isna().to_numpy())
    if not keep.all():
        df = df[keep]
    df, q_repeated = _drop_repeated_ids(df, name)
    quarantine = quarantine_frame(sorted(qrows + q_repeated, key=lambda q: q[1]))
    return Canonical(S.coerce(df.reset_index(drop=True)), quarantine, corrections, unmapped)


def _dates(raw: RawRead, preset: Preset, name: str, row: pa.Array) -> tuple[dict, list, Counter]:
    """The date columns parsed; quarantine rows for a missing or unparseable ``received_at``; counts of other
    dates that could not be parsed (set to null)."""
    n = raw.table.num_rows
    out, qrows, corrections = {}, [], Counter()
    for fld in DATE_FIELDS:
        v = _field(raw, preset, fld)
        if v is None:
            out[fld] = pa.nulls(n, pa.timestamp("s"))
            continue
        parsed = parse_dates(v, preset.date_formats)
        bad = pc.and_(pc.is_null(parsed), pc.not_equal(v, "")).to_numpy(zero_copy_only=False)
        if fld == S.RECEIVED_AT:
            missing = pc.equal(v, "").to_numpy(zero_copy_only=False)
            for i in np.flatnonzero(bad | missing):
                qrows.append((name, row[i].as_py(), fld, "unparseable date" if bad[i] else "missing", v[i].as_py()))
        elif bad.any():
            corrections[f"{fld}: unparseable, set to null"] += int(bad.sum())
        out[fld] = parsed
    return out, qrows, corrections


def _coded(raw: RawRead, preset: Preset) -> tuple[dict, dict[str, Counter]]:
    """The enum and boolean columns through the preset's value maps (its defaults for columns the export
    lacks), and per column the values no map knows."""
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
            unmapped[fld] = missed
    return out, unmapped


def _counts(raw: RawRead, preset: Preset, corrections: Counter) -> dict:
    """Count columns (e.g. times reassigned) as nullable integers; text that is not a count becomes null and is
    counted in ``corrections``."""
    n = raw.table.num_rows
    out = {}
    for fld in COUNT_FIELDS:
        v = _field(raw, preset, fld)
        if v is None:
            out[fld] = pd.array([pd.NA] * n, dtype="Int64")
            continue
        num = pd.to_numeric(pd.Series(v.to_numpy(zero_copy_only=False), dtype=object).replace("", None),
                            errors="coerce")
        bad = num.notna() & ((num < 0) | (num % 1 != 0))
        text = pd.Series(v.to_numpy(zero_copy_only=False), dtype=object)
        unparsed = (num.isna() & text.ne("") & text.notna()) | bad
        if unparsed.any():
            corrections[f"{fld}: not a count, set to null"] += int(unparsed.sum())
        out[fld] = pd.array(num.where(~bad), dtype="Float64").astype("Int64")
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
