"""The work-order store: Hive-partitioned Parquet, a manifest, quarantine and ledgers.

Layout of a store folder::

    manifest.json                       the store's state: source files, their parts, the duplicates table
    orders/year=YYYY/month=M/<file>-<sha8>.parquet   canonical rows, one part per source file and month
    quarantine/<file>-<sha8>.parquet    rows left out, with file, row, column and reason
    duplicates-<hash>.parquet           repeat calls over the whole store: order_id -> duplicate_of
    aggregates-<hash>.parquet           order counts per department, month and flag combination
    ledgers/ingest-<time>.json          one ledger per ingest

Readers see only what ``manifest.json`` lists.  A write puts new files beside
the old ones and then replaces the manifest in one atomic rename, so a crash
mid-write leaves the previous store intact (stray files are removed by the
next write).  Parts are named by the source file's checksum: ingesting the
same file again replaces its rows, never doubles them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from . import schema as S

PARTITIONING = ds.partitioning(pa.schema([("year", pa.int16()), ("month", pa.int8())]), flavor="hive")
STORED_COLUMNS = [c for c in S.COLUMNS if c != S.DUPLICATE_OF]
#: The columns an aggregate row is keyed by; ``n`` holds the number of orders.
AGGREGATE_KEYS = [S.DEPARTMENT, "month", S.REQUEST_TYPE, S.IS_VALID, "is_duplicate", S.IS_REASONABLE, S.STATUS,
                  S.SATISFACTION, S.CONTACTED, S.RESOLVED]
#: Columns of the orders that :func:`aggregate` needs (besides ``duplicate_of``).
AGGREGATE_SOURCE = [S.DEPARTMENT, S.RECEIVED_AT, S.REQUEST_TYPE, S.IS_VALID, S.IS_REASONABLE, S.STATUS,
                    S.SATISFACTION, S.CONTACTED, S.RESOLVED]


def aggregate(orders: pd.DataFrame) -> pd.DataFrame:
    """Order counts (``n``) per department, month (``YYYY-MM``) and every flag the metrics use.

    Metrics computed on this table (weighted by ``n``) equal those computed on
    the orders themselves, under any net-complaint rules; it is small enough
    to read whole for a monthly summary.
    """
    ym = (orders[S.RECEIVED_AT].dt.year.to_numpy() * 12 + orders[S.RECEIVED_AT].dt.month.to_numpy() - 1)
    columns = {k: orders[k] for k in AGGREGATE_SOURCE if k != S.RECEIVED_AT}
    columns["month"] = pd.Series(ym)
    columns["is_duplicate"] = pd.Series(orders[S.DUPLICATE_OF].notna().to_numpy())
    key = np.zeros(len(orders), dtype=np.int64)
    levels = []
    for k in AGGREGATE_KEYS:  # one integer key per combination, missing values kept as their own level
        codes, uniq = pd.factorize(columns[k], use_na_sentinel=False)
        key = key * len(uniq) + codes
        levels.append(np.asarray(uniq, dtype=object))
    combos, n = np.unique(key, return_counts=True)
    out = {}
    for k, lev in zip(reversed(AGGREGATE_KEYS), reversed(levels)):
        combos, code = np.divmod(combos, len(lev))
        out[k] = lev[code]
    frame = pd.DataFrame({k: out[k] for k in AGGREGATE_KEYS})
    frame["month"] = [f"{v // 12}-{v % 12 + 1:02d}" for v in frame["month"]]
    for k in (S.IS_VALID, "is_duplicate"):
        frame[k] = frame[k].astype(bool)
    for k in (S.IS_REASONABLE, S.CONTACTED, S.RESOLVED):
        frame[k] = pd.array(frame[k].where(pd.notna(frame[k]), None), dtype="boolean")
    for k in (S.DEPARTMENT, S.REQUEST_TYPE, S.STATUS, S.SATISFACTION):
        frame[k] = frame[k].where(pd.notna(frame[k]), None).astype("string")
    frame["n"] = n.astype("int64")
    return frame


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


#: Columns with (nearly) one value per order: a Parquet dictionary would only cost time.
_NO_DICTIONARY = {S.ORDER_ID, S.CONTENT, S.CALLER_KEY, S.RECEIVED_AT, S.DUE_AT, S.CLOSED_AT, S.SOURCE_ROW,
                  S.DUPLICATE_OF}


def _write_parquet(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd", compression_level=1,
                   use_dictionary=[c for c in table.column_names if c not in _NO_DICTIONARY])
    os.replace(tmp, path)


def _to_arrow(df: pd.DataFrame) -> pa.Table:
    t = pa.Table.from_pandas(df[STORED_COLUMNS], preserve_index=False)
    return t.replace_schema_metadata(None)


@dataclass
class Store:
    """A store folder (see module docstring)."""

    root: Path

    def __post_init__(self) -> None:
        self.root = Path(self.root)

    # --- manifest -----------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    def manifest(self) -> dict:
        if not self.manifest_path.exists():
            return {"version": 1, "files": {}, "duplicates": None}
        return json.loads(self.manifest_path.read_text("utf-8"))

    def exists(self) -> bool:
        return self.manifest_path.exists()

    def parts(self) -> list[Path]:
        return [self.root / p for f in self.manifest()["files"].values() for p in f["parts"]]

    def months(self) -> list[str]:
        """The months (``YYYY-MM``) that hold stored rows, in order."""
        found = {tuple(int(x.split("=")[1]) for x in p.parts[-3:-1]) for p in self.parts()}
        return [f"{y:04d}-{m:02d}" for y, m in sorted(found)]

    # --- writing ------------------------------------------------------------------
    def write_parts(self, source: str, sha: str, frame: pd.DataFrame, quarantine: pd.DataFrame) -> dict:
        """Write one source file's rows (by month) and quarantine; not visible until :meth:`commit`."""
        stem = f"{Path(source).stem}-{sha[:8]}"
        parts = []
        year = frame[S.RECEIVED_AT].dt.year.to_numpy()
        month = frame[S.RECEIVED_AT].dt.month.to_numpy()
        for (y, m), idx in frame.groupby([year, month]).indices.items():
            rel = Path("orders") / f"year={y}" / f"month={m}" / f"{stem}.parquet"
            _write_parquet(_to_arrow(frame.iloc[idx]), self.root / rel)
            parts.append(rel.as_posix())
        qrel = Path("quarantine") / f"{stem}.parquet"
        _write_parquet(pa.Table.from_pandas(quarantine, preserve_index=False).replace_schema_metadata(None),
                       self.root / qrel)
        return {"sha256": sha, "parts": sorted(parts), "quarantine": qrel.as_posix()}

    def commit(self, files: dict[str, dict], duplicates: pd.DataFrame, aggregates: pd.DataFrame,
               caller_key_check: str | None = None) -> None:
        """Make written parts visible: one atomic manifest replacement, then tidy away unlisted files.

        ``caller_key_check``, the caller key of a fixed number, tells a later
        ingest whether it pseudonymises callers the same way.
        """
        manifest = self.manifest()
        manifest["files"].update(files)
        if caller_key_check is not None:
            manifest["caller_key_check"] = caller_key_check
        digest = hashlib.sha256(json.dumps(sorted(manifest["files"].items()), sort_keys=True).encode()).hexdigest()
        for key, frame in (("duplicates", duplicates[[S.ORDER_ID, S.DUPLICATE_OF]]), ("aggregates", aggregates)):
            name = f"{key}-{digest[:12]}.parquet"
            table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
            _write_parquet(table, self.root / name)
            manifest[key] = name
        self.root.mkdir(parents=True, exist_ok=True)
        _atomic_write_bytes(self.manifest_path, json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
        self.tidy()

    def tidy(self) -> None:
        """Remove files the manifest does not list (left by replaced sources or an interrupted write)."""
        m = self.manifest()
        keep = {p for f in m["files"].values() for p in f["parts"] + [f["quarantine"]]}
        keep |= {m.get("duplicates"), m.get("aggregates")}
        for sub in ("orders", "quarantine"):
            for p in (self.root / sub).rglob("*"):
                if p.is_file() and p.relative_to(self.root).as_posix() not in keep:
                    p.unlink()
        for p in [*self.root.glob("duplicates-*.parquet*"), *self.root.glob("aggregates-*.parquet*")]:
            if p.name not in keep:
                p.unlink()
        shutil.rmtree(self.root / "cache", ignore_errors=True)  # results derived from the store as it was

    def save_ledger(self, ledger: dict, stamp: str) -> Path:
        path = self.root / "ledgers" / f"ingest-{stamp}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write_bytes(path, json.dumps(ledger, ensure_ascii=False, indent=1).encode("utf-8"))
        return path

    # --- reading ------------------------------------------------------------------
    def dataset(self, parts: list[Path] | None = None, dictionary: list[str] | tuple = ()) -> ds.Dataset:
        files = [str(p) for p in (self.parts() if parts is None else parts)]
        fmt = ds.ParquetFileFormat(read_options=ds.ParquetReadOptions(dictionary_columns=list(dictionary)))
        return ds.dataset(files, format=fmt, partitioning=PARTITIONING, partition_base_dir=str(self.root / "orders"))

    def read_table(self, columns: list[str] | None = None, months: list[str] | None = None,
                   parts: list[Path] | None = None, dictionary: list[str] | tuple = ()) -> pa.Table:
        """Arrow table of stored rows (no ``duplicate_of``), optionally for some months (``YYYY-MM``).

        Text columns named in ``dictionary`` are read dictionary-encoded (categoricals in pandas): much
        faster for columns with few distinct values, such as departments.
        """
        if not (self.parts() if parts is None else parts):
            empty = _to_arrow(S.empty_frame())
            return empty.select(columns) if columns else empty
        d = self.dataset(parts, dictionary)
        flt = None
        for m in months or []:
            p = pd.Period(m, "M")
            f = (ds.field("year") == p.year) & (ds.field("month") == p.month)
            flt = f if flt is None else flt | f
        return d.to_table(columns=columns, filter=flt)

    def duplicates(self) -> pd.DataFrame:
        name = self.manifest().get("duplicates")
        if not name:
            return pd.DataFrame({S.ORDER_ID: pd.Series(dtype="string"), S.DUPLICATE_OF: pd.Series(dtype="string")})
        return pq.read_table(self.root / name).to_pandas(types_mapper={pa.string(): pd.StringDtype()}.get)

    def aggregates(self) -> pd.DataFrame | None:
        """The aggregate table (see :func:`aggregate`) with ``month`` as a monthly Period; None if absent."""
        name = self.manifest().get("aggregates")
        if not name:
            return None
        df = pq.read_table(self.root / name).to_pandas()
        codes, uniq = pd.factorize(df["month"])
        df["month"] = pd.PeriodIndex(uniq, freq="M")[codes]
        for col in (S.IS_REASONABLE, S.CONTACTED, S.RESOLVED):
            df[col] = df[col].astype("boolean")
        return df

    def load(self, months: list[str] | None = None, columns: list[str] | None = None) -> pd.DataFrame:
        """Canonical work orders (``duplicate_of`` joined in), optionally for some months."""
        want = [c for c in (columns or STORED_COLUMNS) if c != S.DUPLICATE_OF]
        if S.ORDER_ID not in want:
            want = [S.ORDER_ID, *want]
        df = self.read_table(want, months).to_pandas()
        dups = self.duplicates()
        df[S.DUPLICATE_OF] = df[S.ORDER_ID].map(dups.set_index(S.ORDER_ID)[S.DUPLICATE_OF]).astype("string")
        if columns is None:
            return S.coerce(df)
        return df[[c for c in columns]] if all(c in df for c in columns) else df

    def quarantine(self) -> pd.DataFrame:
        """Every quarantined row of the store."""
        files = [self.root / f["quarantine"] for f in self.manifest()["files"].values()]
        if not files:
            return pd.DataFrame(columns=["source_file", "source_row", "column", "reason", "value"])
        return pd.concat([pq.read_table(f).to_pandas() for f in files], ignore_index=True)
