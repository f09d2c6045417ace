"""Personal data: caller pseudonyms and masking of identifiers inside texts.

Phone numbers become a keyed hash (``caller_key``) at ingest and the raw
phone and caller-name columns are dropped; phone numbers, 18-digit ID
numbers, e-mail addresses and self-introduced names are masked (:func:`mask_texts`)
in every free-text value at the canonical step.  Nothing downstream of ingest sees them.

The pseudonym key comes from the environment variable
``HOTLINE_PSEUDONYM_KEY`` or from a key file outside the repository
(``~/.config/hotline_analysis/pseudonym.key``), created on first use.  Keep it
secret and stable: the same key gives the same ``caller_key`` across ingests,
which is what repeat-call detection needs.

Examples
--------
>>> mask_text("联系电话13912345678，身份证号370303198001011234，邮箱a.b@x.cn")
'联系电话[电话]，身份证号[身份证号]，邮箱[邮箱]'
>>> mask_text("我叫王小明，家住张店区")
'我叫[姓名]，家住张店区'
>>> mask_text("工单ZB2020120404388，电话0533-1234567")
'工单ZB2020120404388，电话[电话]'
>>> mask_text("电话13912345678,13812345678 或 139 1234 5678、Tel１３９１２３４５６７８")
'电话[电话],[电话] 或 [电话]、Tel[电话]'
>>> [mask_text(t) for t in ["（0533）1234567", "139.1234.5678", "370302-1990-0101-1234", "卡号6217001820123456789"]]
['[电话]', '[电话]', '[身份证号]', '卡号[号码]']
>>> [mask_text(t) for t in ["(138)1234-5678", "138 - 1234 - 5678", "370302/19900101/1234", "1 3 8 1 2 3 4 5 6 7 8",
...                         "+86 138_1234_5678"]]
['[电话]', '[电话]', '[身份证号]', '[电话]', '[电话]']
>>> mask_text("2021.02.03-2021.03.04 欠款12000元，12号楼3单元1302室")
'2021.02.03-2021.03.04 欠款12000元，12号楼3单元1302室'
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

KEY_ENV = "HOTLINE_PSEUDONYM_KEY"
KEY_FILE = Path.home() / ".config" / "hotline_analysis" / "pseudonym.key"

_D = "[0-9０-９]"  # a digit, ASCII or full-width
#: What people put between groups of digits: spaces (any width), dashes, dots, slashes, underscores, brackets.
_S = r"[\s\p{Zs}._/\\\-－—–‐~～·・．／＿()（）\[\]【】〔〕]"
_J = _S + "{0,4}"  # a join between two groups: up to four separator characters (") - "), or none
_W = r"[\s\p{Zs}]"  # a space of any width (digits written one by one)
_OPEN, _CLOSE = "[(（\\[【〔]?", "[)）\\]】〕]?"
_CC = rf"(?:(?:[+＋]|00|００)?[8８][6６]{_CLOSE}{_J})?"  # +86, 0086, (+86) or 86 before a number
_MOBILE = rf"[1１][3-9３-９]{_D}{_J}{_D}{_J}{_D}{{3}}{_J}{_D}{_J}{_D}{{3}}"  # 11 digits, joins after 3, 4, 7, 8
_MOBILE_SPACED = rf"[1１]{_W}{{0,2}}[3-9３-９](?:{_W}{{0,2}}{_D}){{9}}"  # 1 3 8 1 2 3 4 5 6 7 8
_LANDLINE = rf"[0０]{_D}{{2,3}}{_CLOSE}{_J}{_D}{{3,4}}{_J}{_D}{{3,5}}"  # area code, then 6-9 digits
_ID = (rf"[1-9１-９]{_D}{{5}}{_J}(?:[1１][89８９]|[2２][0０]){_D}{{2}}{_J}{_D}{{2}}{_J}{_D}{{2}}{_J}{_D}{{3}}{_J}"
       "[0-9Xx０-９Ｘｘ]")  # region, birth year, month, day, sequence, check digit; joins between any of them
_NOT_D = "[^0-9０-９]"

#: (pattern, replacement) applied in order; RE2 syntax (pyarrow), ``\\1`` refers to a group.  A number is a
#: mobile (11 digits from 13-19), a landline (0, area code, 6-9 digits) or an 18-digit ID number (the birth
#: date starting 18, 19 or 20), written in ASCII or full-width digits, with any of :data:`_S` between its usual
#: groups (and a mobile also digit by digit with spaces); it is masked only where no digit touches it, so
#: dates, amounts and house numbers (2021.02.03-2021.03.04, 12号楼3单元, 12000元) stay.
MASKS: list[tuple[str, str]] = [
    (r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}", "[邮箱]"),
    (rf"(^|{_NOT_D}){_OPEN}{_ID}({_NOT_D}|$)", r"\1[身份证号]\2"),
    (rf"(^|{_NOT_D}){_OPEN}{_CC}{_OPEN}{_MOBILE}({_NOT_D}|$)", r"\1[电话]\2"),
    (rf"(^|[^0-9０-９\s\p{{Zs}}])({_W}*){_MOBILE_SPACED}({_W}*(?:[^0-9０-９\s\p{{Zs}}]|$))", r"\1\2[电话]\3"),
    (rf"(^|{_NOT_D}){_OPEN}{_CC}{_OPEN}{_LANDLINE}({_NOT_D}|$)", r"\1[电话]\2"),
    (rf"(^|{_NOT_D}){_OPEN}(?:[+＋]|00|００)?[8８][6６]{_CLOSE}{_J}\[电话\]", r"\1[电话]"),  # a +86 left before
    (rf"(^|{_NOT_D}){_D}{{15,19}}({_NOT_D}|$)", r"\1[号码]\2"),  # bank cards and other long numbers
    (r"(我叫|本人|我是|姓名[:：]?)\p{Han}{2,4}?([，,。；;\s]|$)", r"\1[姓名]\2"),
]
#: Patterns :func:`mask_texts` applies a second time to the texts the first changed: a number written right after
#: another of its kind (whose match took the character between them) is masked before a later pattern could take
#: a part of it.
_TWICE = {p for p, _ in MASKS[1:7]}


def pseudonym_key() -> bytes:
    """The secret key for caller pseudonyms (environment, else a local key file created on first use)."""
    env = os.environ.get(KEY_ENV)
    if env:
        return env.encode("utf-8")
    if not KEY_FILE.exists():
        KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
        KEY_FILE.write_text(secrets.token_hex(32), encoding="ascii")
        KEY_FILE.chmod(0o600)
        print(f"hotline: created a new pseudonym key in {KEY_FILE}; keep it secret and keep it: "
              f"caller keys stay comparable across ingests only with the same key (or set {KEY_ENV}).",
              file=sys.stderr)
    return KEY_FILE.read_text(encoding="ascii").strip().encode("utf-8")


def _siphash_key(key: bytes) -> str:
    """The 16-character key of pandas' SipHash: 112 bits of SHA-256(key) as ASCII code points."""
    return "".join(chr(b & 0x7F) for b in hashlib.sha256(key).digest()[:16])


def caller_keys(phones: pa.Array | list, key: bytes) -> pa.Array:
    """Keyed hash of each phone number as 16 hex digits; digits only are hashed; no digits -> null.

    The hash is SipHash-2-4 (a pseudorandom function keyed with 112 bits
    derived from ``key``, vectorised by :func:`pandas.util.hash_array`), so
    without the key a caller key cannot be traced back by trying every phone
    number.

    Examples
    --------
    >>> k = caller_keys(["139-1234-5678", "13912345678", "", None], b"k").to_pylist()
    >>> k[0] == k[1] and len(k[0]) == 16 and k[2:] == [None, None]
    True
    >>> caller_keys(["13912345678"], b"other")[0].as_py() != k[0]
    True
    """
    arr = pa.array(phones, type=pa.string()) if not isinstance(phones, (pa.Array, pa.ChunkedArray)) else phones
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    digits = pc.replace_substring_regex(arr, r"\D", "")
    h = pd.util.hash_array(digits.to_numpy(zero_copy_only=False).astype(object), hash_key=_siphash_key(key),
                           categorize=False)  # most callers call once: hashing beats factorising first
    hexed = _HEX[h.astype(">u8").view(np.uint8).reshape(-1, 8)].reshape(-1)  # two hex digits per byte
    offsets = pa.py_buffer(np.arange(len(h) + 1, dtype=np.int64) * 16)
    keys = pa.Array.from_buffers(pa.large_string(), len(h), [None, offsets, pa.py_buffer(hexed.tobytes())])
    keys = keys.cast(pa.string())
    return pc.if_else(pc.greater(pc.fill_null(pc.utf8_length(digits), 0), 0), keys, pa.scalar(None, pa.string()))


_HEX = np.array([[ord(f"{b:02x}"[0]), ord(f"{b:02x}"[1])] for b in range(256)], dtype=np.uint8)


def caller_codes(keys: pa.Array) -> np.ndarray | None:
    """The 64-bit integers behind caller keys of :func:`caller_keys` (0 for null), or None when some value is
    not 16 hex digits (keys of another origin); integers compare as the keys do, and much faster."""
    keys = keys.combine_chunks() if isinstance(keys, pa.ChunkedArray) else keys
    keys = keys.cast(pa.large_string())
    valid = np.ones(len(keys), dtype=bool) if keys.null_count == 0 else keys.is_valid().to_numpy(zero_copy_only=False)
    offsets = np.frombuffer(keys.buffers()[1], dtype=np.int64)[keys.offset:keys.offset + len(keys) + 1]
    if not (np.diff(offsets)[valid] == 16).all():
        return None
    out = np.zeros(len(keys), dtype=np.uint64)
    starts = offsets[:-1][valid]
    if len(starts):
        data = np.frombuffer(keys.buffers()[2], dtype=np.uint8)
        if starts[-1] - starts[0] == 16 * (len(starts) - 1):  # back to back, as usual: no gather
            data = data[starts[0]:starts[0] + 16 * len(starts)]
        else:
            data = data[starts[:, None] + np.arange(16)]
        raw = data.tobytes()
        if raw.translate(None, b"0123456789abcdef"):  # something other than lower-case hex digits
            return None
        out[valid] = np.frombuffer(bytes.fromhex(raw.decode("ascii")), dtype=">u8")
    return out


def mask_text(text: str) -> str:
    """Mask identifiers in one text (see :data:`MASKS`)."""
    return mask_texts(pa.array([text], type=pa.string()))[0].as_py()


#: Texts without any of these cannot hold an identifier of :data:`MASKS`; they are left as they are.
_MAY_HOLD_PII = rf"{_D}(?:{_J}{_D}){{6}}|@|我叫|本人|我是|姓名"  # seven digits, joined as in any number


def mask_texts(texts: pa.Array, remove: str | None = None) -> pa.Array:
    """Mask identifiers in many texts at once (vectorised; only texts that may hold one are rewritten).

    ``remove``: a character class (RE2) removed first, in the same look at each text (e.g. control characters).
    """
    texts = texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts
    hit = pc.fill_null(pc.match_substring_regex(texts, _MAY_HOLD_PII + (f"|{remove}" if remove else "")), False)
    idx = pc.indices_nonzero(hit)
    if len(idx) == 0:
        return texts
    sub = texts.take(idx)
    for pattern, repl in [(remove, ""), *MASKS] if remove else MASKS:
        new = pc.replace_substring_regex(sub, pattern, repl)
        if pattern in _TWICE:
            changed = pc.indices_nonzero(pc.fill_null(pc.not_equal(new, sub), False))
            if len(changed):
                new = _put(new, changed, pc.replace_substring_regex(new.take(changed), pattern, repl))
        sub = new
    return _put(texts, idx, sub)


def _put(texts: pa.Array, idx: pa.Array, values: pa.Array) -> pa.Array:
    """``texts`` with the texts at positions ``idx`` replaced by ``values``."""
    positions = np.arange(len(texts))
    positions[idx.to_numpy()] = len(texts) + np.arange(len(idx))
    return pa.concat_arrays([texts, values]).take(pa.array(positions))


def mask_names(names: pa.Array) -> pa.Array:
    """:func:`mask_texts` for a column of few distinct values (names, categories): each distinct value once."""
    names = names.combine_chunks() if isinstance(names, pa.ChunkedArray) else names
    enc = pc.dictionary_encode(names)
    masked = mask_texts(enc.dictionary)
    return names if masked.equals(enc.dictionary) else masked.take(enc.indices)
