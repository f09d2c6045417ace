"""Cleaning steps: pure verbs ``DataFrame -> DataFrame`` over canonical work orders.

Each step returns a new frame and never changes its argument; steps that
leave rows out return them separately with a reason, so the ledger balances.

Examples
--------
>>> import pandas as pd
>>> normalise_name("淄博市 人社局（劳动保障监察支队）\\u3000")
'淄博市人社局(劳动保障监察支队)'
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import schema as S
from .privacy import caller_codes
from .settings import NetComplaint, Validity

#: Reasons a stored work order does not count as a net complaint, in the order they are tested.
EXCLUSION_ORDER = ("not_complaint_type", "invalid", "duplicate", "unreasonable", "returned")
RULE_OF_REASON = {"invalid": "exclude_invalid", "duplicate": "exclude_duplicates",
                  "unreasonable": "exclude_unreasonable", "returned": "exclude_returned"}


#: Control characters (tab and line breaks aside), zero-width characters and direction marks: invisible, and
#: they keep a name from matching (``市城市管理局\x00``).  RE2 syntax.
CONTROL_CHARS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\x{200b}-\x{200f}\x{202a}-\x{202e}\x{2060}-\x{2064}\x{feff}]"
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
#: A space next to a character of Chinese script (Han, CJK punctuation, full-width forms) is removed from a name.
_CJK = "\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff"
_SPACE_BY_CJK = re.compile(f"(?<=[{_CJK}]) | (?=[{_CJK}])")


def strip_controls(values: pa.Array) -> pa.Array:
    r"""``values`` without :data:`CONTROL_CHARS` (only the texts holding one are rewritten).

    Examples
    --------
    >>> strip_controls(pa.array(["市城市管理局\x00", "a\u200bb", "x\ny"])).to_pylist()
    ['市城市管理局', 'ab', 'x\ny']
    """
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    if not _may_hold_control(values) or not pc.any(pc.match_substring_regex(values, CONTROL_CHARS)).as_py():
        return values
    return pc.replace_substring_regex(values, CONTROL_CHARS, "")


#: A character of Latin-1's upper half followed by what a UTF-8 continuation byte reads as in Latin-1 or cp1252:
#: the mark of UTF-8 text decoded with the wrong codec (``MAYORâ\x80\x99S``, ``å¸‚``).  RE2 syntax.
MOJIBAKE = (r"[\x{c2}-\x{f4}][\x{80}-\x{bf}\x{152}\x{153}\x{160}\x{161}\x{178}\x{17d}\x{17e}\x{192}\x{2c6}"
            r"\x{2dc}\x{2013}\x{2014}\x{2018}-\x{201e}\x{2020}-\x{2022}\x{2026}\x{2030}\x{2039}\x{203a}\x{20ac}"
            r"\x{2122}]")


def repair_encoding(values: pa.Array) -> tuple[pa.Array, int]:
    r"""``values`` with texts that were decoded with the wrong codec (UTF-8 read as Latin-1 or cp1252) decoded
    again by ``ftfy.fix_encoding``, and how many were repaired. Only texts holding :data:`MOJIBAKE` are looked
    at, and ftfy changes only what it judges mis-decoded.

    >>> v, n = repair_encoding(pa.array(["MAYORâS OFFICE", "Café", "å¸‚å±€", None]))
    >>> v.to_pylist(), n
    (['MAYOR’S OFFICE', 'Café', '市局', None], 2)
    """
    import ftfy

    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
        return values, 0
    if not _may_be_mojibake(values):
        return values, 0
    hit = pc.fill_null(pc.match_substring_regex(values, MOJIBAKE), False)
    if not pc.any(hit).as_py():
        return values, 0
    at = np.flatnonzero(hit.to_numpy(zero_copy_only=False))
    old = values.take(pa.array(at)).to_pylist()
    new = [ftfy.fix_encoding(v) for v in old]
    changed = np.array([a != b for a, b in zip(old, new)])
    if not changed.any():
        return values, 0
    mask = np.zeros(len(values), bool)
    mask[at[changed]] = True
    fixed = pa.array([b for b, c in zip(new, changed) if c], type=values.type)
    return pc.replace_with_mask(values, pa.array(mask), fixed), int(changed.sum())


def _may_be_mojibake(values: pa.Array) -> bool:
    """False when the texts' UTF-8 holds none of the characters U+00C2..U+00F4 that begin :data:`MOJIBAKE`
    (bytes C3 82..C3 B4): a quick look at the data buffer."""
    buf = values.buffers()[2]
    if buf is None:
        return False
    b = np.frombuffer(buf, dtype=np.uint8)
    c3 = np.flatnonzero(b[:-1] == 0xC3)
    return bool(((b[c3 + 1] >= 0x82) & (b[c3 + 1] <= 0xB4)).any())


def _may_hold_control(values: pa.Array) -> bool:
    """False when no byte of the texts' UTF-8 can begin a character of :data:`CONTROL_CHARS` (a quick look
    at the data buffer; tab and line breaks count as a maybe)."""
    buf = values.buffers()[2] if values.type in (pa.string(), pa.large_string()) else None
    if buf is None:
        return values.type not in (pa.string(), pa.large_string())
    b = np.frombuffer(buf, dtype=np.uint8)
    if (b < 0x20).any() or (b == 0x7F).any():  # tab and line breaks count as a maybe
        return True
    c2 = np.flatnonzero(b[:-1] == 0xC2)  # U+0080..U+009F: C2 80..C2 9F
    if ((b[c2 + 1] >= 0x80) & (b[c2 + 1] <= 0x9F)).any():
        return True
    e2 = np.flatnonzero(b[:-2] == 0xE2)  # U+200B..F, U+202A..E: E2 80 8B..8F, AA..AE; U+2060..4: E2 81 A0..A4
    f1, f2 = b[e2 + 1], b[e2 + 2]
    if (((f1 == 0x80) & (((f2 >= 0x8B) & (f2 <= 0x8F)) | ((f2 >= 0xAA) & (f2 <= 0xAE))))
            | ((f1 == 0x81) & (f2 >= 0xA0) & (f2 <= 0xA4))).any():
        return True
    ef = np.flatnonzero(b[:-2] == 0xEF)  # U+FEFF: EF BB BF
    return bool(((b[ef + 1] == 0xBB) & (b[ef + 2] == 0xBF)).any())


def tidy_spaces(text: str) -> str:
    r"""NFKC (full-width to half-width), no control characters, runs of whitespace as one space, ends trimmed.

    >>> tidy_spaces("  BUILDING\u3000\u3000DIV,\t\x00 ")
    'BUILDING DIV,'
    """
    return " ".join(_CONTROL.sub("", unicodedata.normalize("NFKC", text)).split())


def normalise_name(name: str) -> str:
    """The key for alias look-up: :func:`tidy_spaces`, and no space beside a Chinese character.

    Spaces inside Latin names stay (one each), so ``BUILDING DIV,`` is not ``BUILDINGDIV,``.

    >>> normalise_name(" BUILDING  DIV, "), normalise_name("市 城市管理局 (ABC)")
    ('BUILDING DIV,', '市城市管理局(ABC)')
    """
    return _SPACE_BY_CJK.sub("", tidy_spaces(name))


def normalise_text_columns(df: pd.DataFrame) -> pd.DataFrame:
    """:func:`tidy_spaces` in category and district names (unique values only)."""
    out = df.copy()
    for col in (S.CATEGORY_L1, S.CATEGORY_L2, S.DISTRICT):
        out[col] = _map_unique(out[col], tidy_spaces)
    return out


def _map_unique(s: pd.Series, fn) -> pd.Series:
    """Apply ``fn`` to each distinct non-missing value once (fast on columns with few distinct values)."""
    arr = pa.array(s, type=pa.string(), from_pandas=True)
    enc = pc.dictionary_encode(arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr)
    mapped = pa.array([fn(u) for u in enc.dictionary.to_pylist()], type=pa.string())
    return pd.Series(pd.arrays.ArrowStringArray(mapped.take(enc.indices)), index=s.index, name=s.name)


def map_departments(df: pd.DataFrame, aliases: pd.DataFrame | None) -> tuple[pd.DataFrame, Counter]:
    """Set ``department`` from ``department_raw`` through an alias table.

    Names are compared after :func:`normalise_name`.  Names the table does not
    know are left without a department and returned with their counts; they
    are never merged into a known name by guesswork.  With ``aliases=None``
    the normalised exported name is the department (e.g. NYC agency codes).
    """
    out = df.copy()
    raw = out[S.DEPARTMENT_RAW]
    if aliases is None:
        out[S.DEPARTMENT] = _map_unique(raw, lambda u: normalise_name(u) or None)
        return out, Counter()
    table = {normalise_name(a): n for a, n in zip(aliases["alias"], aliases["name"])}
    out[S.DEPARTMENT] = _map_unique(raw, lambda u: table.get(normalise_name(u)))
    missed = raw[out[S.DEPARTMENT].isna() & raw.notna()]
    unknown = Counter({u: int(n) for u, n in missed.value_counts().items() if normalise_name(u)})
    return out, unknown


def check_times(df: pd.DataFrame, now: pd.Timestamp, future_tolerance_days: float = 1) -> tuple[pd.DataFrame, pd.DataFrame, Counter]:
    """Time sanity: orders received in the future go to quarantine; a closing time
    before the receiving time is removed (set to null) and counted.

    Returns (kept rows, quarantined rows with reason, corrections).
    """
    limit = now + pd.Timedelta(days=future_tolerance_days)
    future = (df[S.RECEIVED_AT] > limit).to_numpy()
    q = pd.DataFrame({"source_file": df.loc[future, S.SOURCE_FILE], "source_row": df.loc[future, S.SOURCE_ROW],
                      "column": S.RECEIVED_AT, "reason": "in the future",
                      "value": df.loc[future, S.RECEIVED_AT].astype(str)})
    out = df[~future].copy()
    before = (out[S.CLOSED_AT] < out[S.RECEIVED_AT]).fillna(False).to_numpy()
    corrections = Counter()
    if before.any():
        out.loc[before, S.CLOSED_AT] = pd.NaT
        corrections[f"{S.CLOSED_AT}: before {S.RECEIVED_AT}, set to null"] = int(before.sum())
    return out, q.astype({"source_file": "string", "column": "string", "reason": "string", "value": "string"}), corrections


def cut_long_texts(df: pd.DataFrame, max_chars: int, columns: tuple[str, ...] = (S.CONTENT,)) -> tuple[pd.DataFrame, Counter]:
    """Cut the texts of ``columns`` longer than ``max_chars`` characters to that length (counted per column,
    never silent)."""
    counts, out = Counter(), df
    for col in columns:
        if (pc.max(pc.binary_length(pa.array(df[col], type=pa.string(), from_pandas=True))).as_py() or 0) <= max_chars:
            continue  # no text has more bytes than max_chars, so none has more characters
        long = (df[col].str.len() > max_chars).fillna(False).to_numpy()
        if long.any():
            out = out.copy() if out is df else out
            out.loc[long, col] = out.loc[long, col].str.slice(0, max_chars)
            counts[f"{col}: longer than {max_chars} characters, cut"] = int(long.sum())
    return out, counts


def mark_validity(df: pd.DataFrame, rules: Validity) -> pd.DataFrame:
    """Set ``is_valid`` false for hang-ups, tests and junk (rules: ``settings.validity``).

    A text is invalid when, trimmed, it fully matches one of
    ``invalid_if_matches``, or when it is at most ``short_text_chars`` long and
    contains one of ``invalid_if_contains``.  An export without any request
    text (e.g. NYC 311) is left as it is.
    """
    out = df.copy()
    content = out[S.CONTENT]
    if content.isna().all():
        return out
    text = pc.utf8_trim_whitespace(pc.fill_null(pa.array(content, type=pa.string(), from_pandas=True), ""))
    full = "^(?:" + "|".join(f"(?:{p})" for p in rules.invalid_if_matches) + ")$"
    invalid = pc.match_substring_regex(text, full).to_numpy(zero_copy_only=False)
    markers = "|".join(map(re.escape, rules.invalid_if_contains))
    if markers:
        short = (pc.utf8_length(text).to_numpy() <= rules.short_text_chars)
        invalid |= short & pc.match_substring_regex(text, markers).to_numpy(zero_copy_only=False)
    out[S.IS_VALID] = out[S.IS_VALID].to_numpy(dtype=bool) & ~invalid
    return out


def mark_duplicates(df: pd.DataFrame, window_days: float = 7, match_on: tuple[str, ...] = (S.DEPARTMENT, S.CATEGORY_L2)) -> pd.DataFrame:
    """Link repeat calls to the first report of the same matter.

    Two valid orders are the same matter when they share ``caller_key`` and
    every column of ``match_on`` (missing values compare equal; an order with
    no ``match_on`` value at all is never linked, as its matter is unknown).  Orders of a
    matter are taken in time order: the first report stays
    (``duplicate_of`` null); every later order within ``window_days`` of that
    first report gets ``duplicate_of`` = its order id; an order after the
    window starts a new matter.

    Examples
    --------
    >>> t = pd.to_datetime(["2020-12-01", "2020-12-03", "2020-12-09", "2020-12-02"])
    >>> df = pd.DataFrame({"order_id": ["a", "b", "c", "d"], "received_at": t,
    ...                    "caller_key": ["k", "k", "k", "k"], "department": ["D", "D", "D", "E"],
    ...                    "category_l2": ["x", "x", "x", "x"], "is_valid": True})
    >>> mark_duplicates(df)["duplicate_of"].tolist()
    [<NA>, 'a', <NA>, <NA>]
    """
    out = df.copy()
    out[S.DUPLICATE_OF] = duplicate_links(df, window_days, match_on)
    return out


def duplicate_links(df: pd.DataFrame, window_days: float = 7,
                    match_on: tuple[str, ...] = (S.DEPARTMENT, S.CATEGORY_L2)) -> pd.Series:
    """The ``duplicate_of`` column of :func:`mark_duplicates` (a string Series aligned with ``df``)."""
    first = np.full(len(df), -1, dtype=np.int64)  # position of the first report, -1 for none
    known_matter = np.zeros(len(df), dtype=bool)
    for c in match_on:
        known_matter |= df[c].notna().to_numpy()
    eligible = df[S.IS_VALID].to_numpy(dtype=bool) & df[S.CALLER_KEY].notna().to_numpy() & known_matter
    pos = np.flatnonzero(eligible)
    # only callers with two or more eligible orders can repeat themselves (most call once)
    if len(pos) > 1:
        callers = _codes(df[S.CALLER_KEY])
        order = np.argsort(callers[pos], kind="stable")
        same = callers[pos[order]][1:] == callers[pos[order]][:-1]
        pos = np.sort(pos[order[np.r_[same, False] | np.r_[False, same]]])
    if len(pos) > 1:
        codes = np.unique(callers[pos], return_inverse=True)[1]
        for c in match_on:  # one dense code per (caller, matter), so the products stay small
            k = _codes(df[c])[pos]
            codes = np.unique(codes * (int(k.max()) + 1) + k, return_inverse=True)[1]
        t = df[S.RECEIVED_AT].to_numpy()[pos].astype("datetime64[s]").astype(np.int64)
        order = np.lexsort((t, codes))
        codes_s, t_s, pos_s = codes[order], t[order], pos[order]
        window = int(window_days * 86400)
        same = np.r_[False, codes_s[1:] == codes_s[:-1]]
        near = np.r_[False, (t_s[1:] - t_s[:-1]) <= window] & same
        # only groups holding a close pair need the episode walk
        idx = np.flatnonzero(np.isin(codes_s, np.unique(codes_s[near])))
        start_t = start_pos = prev_code = None
        for i in idx.tolist():
            if codes_s[i] != prev_code or t_s[i] - start_t > window:
                prev_code, start_t, start_pos = codes_s[i], t_s[i], pos_s[i]
            else:
                first[pos_s[i]] = start_pos
    ids = pa.array(df[S.ORDER_ID], type=pa.string(), from_pandas=True)
    ids = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
    links = ids.take(pa.array(first, mask=first < 0))  # a null index takes a null
    return pd.Series(pd.arrays.ArrowStringArray(links), index=df.index, name=S.DUPLICATE_OF)


def _codes(column: pd.Series) -> np.ndarray:
    """Integer codes of ``column`` that compare as the values do (missing values equal, code 0): the integers
    of 16-hex-digit caller keys directly, the codes of a categorical, otherwise a dictionary encoding."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy().astype(np.int64) + 1
    col = pa.array(column, type=pa.large_string(), from_pandas=True)
    col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    hexed = caller_codes(col)
    valid = col.is_valid().to_numpy(zero_copy_only=False) if col.null_count else slice(None)
    if hexed is not None and (hexed[valid] != 0).all():
        return hexed.view(np.int64)  # missing values are 0, and no key is
    enc = pc.dictionary_encode(col)
    return pc.fill_null(enc.indices, -1).to_numpy().astype(np.int64) + 1


def exclusion_reason(df: pd.DataFrame, net_rules: NetComplaint) -> pd.Series:
    """Why each order is not a net complaint ('' for net complaints), first reason in :data:`EXCLUSION_ORDER`.

    ``net_rules`` is ``settings.net_complaint``: ``request_types`` and the
    switches under ``rules``.  A switched-off rule excludes nothing.
    """
    tests = {
        "not_complaint_type": ~df[S.REQUEST_TYPE].isin(list(net_rules.request_types)).to_numpy(),
        "invalid": ~df[S.IS_VALID].to_numpy(dtype=bool),
        "duplicate": (df["is_duplicate"].to_numpy(dtype=bool) if "is_duplicate" in df
                      else df[S.DUPLICATE_OF].notna().to_numpy()),
        "unreasonable": (df[S.IS_REASONABLE] == False).fillna(False).to_numpy(dtype=bool),  # noqa: E712
        "returned": (df[S.STATUS] == "returned").fillna(False).to_numpy(dtype=bool),
    }
    code = np.zeros(len(df), dtype=np.int8)  # 0: a net complaint, i + 1: the i-th reason
    for i, name in reversed(list(enumerate(EXCLUSION_ORDER))):
        if name == "not_complaint_type" or getattr(net_rules.rules, RULE_OF_REASON[name]):
            code[tests[name]] = i + 1
    labels = pa.array(["", *EXCLUSION_ORDER], type=pa.string())
    return pd.Series(pd.arrays.ArrowStringArray(labels.take(pa.array(code))), index=df.index, name="exclusion_reason")


def apply_net_rules(df: pd.DataFrame, net_rules: NetComplaint) -> pd.DataFrame:
    """Add ``is_net_complaint`` (bool) and ``exclusion_reason`` under the rules in force."""
    out = df.copy()
    out["exclusion_reason"] = exclusion_reason(df, net_rules)
    out["is_net_complaint"] = (out["exclusion_reason"] == "").to_numpy()
    return out
