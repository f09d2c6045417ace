"""The work-order store: Hive-partitioned Parquet, a manifest, quarantine and ledgers.

Layout of a store folder::

    manifest.json                       the store's state: source files, their parts, the duplicates table,
                                        whose export it is and the kinds of its units (the preset's alias table)
    orders/year=YYYY/month=M/<file>-<sha8>.parquet   canonical rows, one part per source file and month
    quarantine/<file>-<sha8>.parquet    rows left out, with file, row, column and reason
    duplicates-<hash>.parquet           repeat calls over the whole store: order_id -> duplicate_of
    aggregates-<hash>.parquet           order counts per department, month and flag combination
    ledgers/ingest-<time>[-k].json      one ledger per ingest (``-2``, ``-3``... when two share a second)
    store.lock                          the writer's lock: pid and host of the ingest writing now

A folder is a store when it holds ``manifest.json``; a writer refuses a folder
that exists, is not empty and has none (so a wrong ``--store`` never touches
the user's files).  One writer at a time: :meth:`Store.writing` takes an
advisory ``fcntl`` lock on ``store.lock`` (the kernel releases it when the
holder dies, so a lock left by a killed ingest is simply taken over).
Readers see only what ``manifest.json`` lists.  Every file is written aside
(``*.tmp<pid>``) and renamed into place; a write puts new files beside the old
ones and then replaces the manifest in one atomic rename, so a crash, a full
disk or a read-only folder mid-write leaves the previous store intact.  Then
:meth:`Store.tidy` removes the files no longer listed, only those that match
the store's own name patterns; a reader that finds a listed file gone reads
the new manifest again.  Parts
are named by the source file's checksum: ingesting the same file again
replaces its rows, never doubles them.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from . import schema as S
from .errors import StoreError

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


LOCK_NAME = "store.lock"
#: Errors of the place written to (not of the program): a full disk, a read-only or forbidden folder.
WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}
#: The names a store writes; :meth:`Store.tidy` never removes anything else.
_TMP = r"(\.tmp\d*)?"
_PART = re.compile(r"orders/year=\d+/month=\d+/[^/]+-[0-9a-f]{8}\.parquet" + _TMP)
_QUARANTINE = re.compile(r"quarantine/[^/]+-[0-9a-f]{8}\.parquet" + _TMP)
_TABLE = re.compile(r"(duplicates|aggregates)-[0-9a-f]{12}\.parquet" + _TMP)
_ASIDE = re.compile(r"(manifest\.json|ledgers/ingest-[0-9T]+(-\d+)?\.json)\.tmp\d*")


def _tmp_name(path: Path) -> Path:
    return path.with_name(f"{path.name}.tmp{os.getpid()}")


def place_error(exc: OSError) -> str | None:
    """What is wrong with the place written to (e.g. 'No space left on device'), or None for other errors.
    Arrow's own write errors carry the system's words but no errno."""
    if exc.errno in WRITE_ERRNOS:
        return exc.strerror or os.strerror(exc.errno)
    text = str(exc)
    return next((os.strerror(e) for e in sorted(WRITE_ERRNOS) if os.strerror(e) in text), None)


@contextlib.contextmanager
def writing_aside(path: Path):
    """Yield a temporary name beside ``path``; rename it to ``path`` when the block succeeds, else remove it.
    A full disk or a read-only folder becomes a :class:`StoreError` naming ``path``."""
    tmp = _tmp_name(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        yield tmp
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        why = place_error(exc) if isinstance(exc, OSError) else None
        if why:
            raise StoreError(f"{path}: cannot write ({why}); nothing was half-written, the store is as it was "
                             "before this run") from None
        raise


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    with writing_aside(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())


#: Columns with (nearly) one value per order: a Parquet dictionary would only cost time.
_NO_DICTIONARY = {S.ORDER_ID, S.CONTENT, S.CALLER_KEY, S.RECEIVED_AT, S.DUE_AT, S.CLOSED_AT, S.SOURCE_ROW,
                  S.DUPLICATE_OF}


def _write_parquet(table: pa.Table, path: Path) -> None:
    with writing_aside(path) as tmp:
        pq.write_table(table, tmp, compression="zstd", compression_level=1,
                       use_dictionary=[c for c in table.column_names if c not in _NO_DICTIONARY])


def _to_arrow(df: pd.DataFrame) -> pa.Table:
    t = pa.Table.from_pandas(df[STORED_COLUMNS], preserve_index=False)
    return t.replace_schema_metadata(None)


def _holder(fd: int) -> str:
    """Who holds a lock file, as its content says (``pid N on host H since T``)."""
    text = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    return text or "another process"


def _lock(fd: int, root: Path, wait: bool) -> None:
    """Take the exclusive lock on ``fd``, then write the holder's pid, host and time into it."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(fd)
        if not wait:
            raise StoreError(f"{root} is being written by {holder} (lock {root / LOCK_NAME}); try again when it "
                             "has finished, or leave out --no-wait to wait for it") from None
        print(f"{root}: waiting for {holder} to finish writing the store ...", file=sys.stderr, flush=True)
        fcntl.flock(fd, fcntl.LOCK_EX)
    left = _holder(fd) if os.fstat(fd).st_size else None
    if left:  # the kernel released the lock of a writer that died: its record is stale
        print(f"{root}: taking over the store lock left by {left} (no longer running)", file=sys.stderr)
    os.ftruncate(fd, 0)
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    os.pwrite(fd, f"pid {os.getpid()} on host {socket.gethostname()} since {stamp}\n".encode(), 0)


def _as_listed(read, attempts: int = 3):
    """``read()`` again when a file the manifest listed vanished meanwhile: a writer committed a new manifest and
    removed the files it replaced, so the reader reads the new state instead of failing."""
    for k in range(attempts):
        try:
            return read()
        except FileNotFoundError:
            if k == attempts - 1:
                raise
            time.sleep(0.05)


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

    def unit_kinds(self) -> dict[str, str] | None:
        """The kind of each unit (``department``, ``district_government``, ``enterprise``) in the alias table
        the store's rows were mapped with, by canonical name: ``{}`` when they were ingested without one (the
        preset's ``departments: null``), None for a store ingested before stores recorded it."""
        units = self.manifest().get("units")
        return None if units is None else dict(units.get("kinds") or {})

    def _save_manifest(self, manifest: dict) -> None:
        """Replace ``manifest.json`` atomically."""
        _atomic_write_bytes(self.manifest_path, json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))

    def record_units(self, units: dict) -> None:
        """Record ``units`` (see :meth:`commit`) in the manifest alone, when it differs from what is there: an
        ingest of unchanged files still tells an older store which alias table its rows were mapped with."""
        manifest = self.manifest()
        if manifest.get("units") != units:
            manifest["units"] = units
            self._save_manifest(manifest)

    def check_folder(self) -> None:
        """Refuse a folder that exists, holds files and is not a store (no ``manifest.json``)."""
        if self.exists():
            return
        if self.root.exists() and not self.root.is_dir():
            raise StoreError(f"{self.root} is a file, not a store folder; give --store a new or empty folder")
        found = sorted(p.name for p in self.root.iterdir()  # a new store's lock and manifest being written
                       if p.name not in (LOCK_NAME, "manifest.json") and not _ASIDE.fullmatch(p.name)
                       ) if self.root.exists() else []
        if found:
            raise StoreError(f"{self.root} is not a store (it has no manifest.json) and is not empty "
                             f"({len(found)} entries, e.g. {', '.join(found[:3])}); nothing was changed. Give "
                             "--store a new or empty folder, or the folder of an existing store")

    @contextlib.contextmanager
    def writing(self, wait: bool = True):
        """Hold the store's writer lock for the block (see module docstring); a new store gets its (empty)
        manifest at once, so that the folder is known as a store from then on.

        Another writer holding it: wait (saying so on stderr), or with ``wait=False`` raise
        :class:`StoreError` naming the holder.
        """
        self.check_folder()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.root / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"{self.root / LOCK_NAME}: cannot create the store's lock "
                             f"({place_error(exc) or exc.strerror}); nothing was changed") from None
        try:
            _lock(fd, self.root, wait)
            self.check_folder()  # another writer may have changed the folder meanwhile
            if not self.exists():
                self._save_manifest(self.manifest())
            yield self
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            os.close(fd)  # releases the lock

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
               caller_key_check: str | None = None, ledger: tuple[dict, str] | None = None,
               bulletin: dict | None = None, units: dict | None = None) -> None:
        """Make written parts visible: one atomic manifest replacement, then tidy away unlisted files.

        ``caller_key_check``, the caller key of a fixed number, tells a later
        ingest whether it pseudonymises callers the same way.  ``ledger``
        (ledger, time stamp) is written before the manifest is replaced, so a
        committed ingest always has its ledger.  ``bulletin``: whose export
        this is (the preset's ``bulletin``), kept for the pack's title.
        ``units``: the alias table the rows were mapped with (see :meth:`unit_kinds`).
        """
        manifest = self.manifest()
        manifest["files"].update(files)
        if caller_key_check is not None:
            manifest["caller_key_check"] = caller_key_check
        if bulletin:
            manifest["bulletin"] = bulletin
        if units is not None:
            manifest["units"] = units
        digest = hashlib.sha256(json.dumps(sorted(manifest["files"].items()), sort_keys=True).encode()).hexdigest()
        for key, frame in (("duplicates", duplicates[[S.ORDER_ID, S.DUPLICATE_OF]]), ("aggregates", aggregates)):
            name = f"{key}-{digest[:12]}.parquet"
            table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
            _write_parquet(table, self.root / name)
            manifest[key] = name
        if ledger is not None:
            self.save_ledger(*ledger)
        self._save_manifest(manifest)
        self.tidy()
        for p in (self.root / "cache").glob("topics-*"):  # results derived from the store as it was
            shutil.rmtree(p, ignore_errors=True)

    def tidy(self, previous: dict | None = None) -> None:
        """Remove the store's own files that neither the manifest nor ``previous`` lists: parts of replaced
        sources, tables of older states, files left by an interrupted write.  Anything else in the folder is
        left alone."""
        keep: set = set()
        for m in (self.manifest(), previous or {}):
            keep |= {p for f in m.get("files", {}).values() for p in f["parts"] + [f["quarantine"]]}
            keep |= {m.get("duplicates"), m.get("aggregates")}
        for p in self._own_files():
            if p.relative_to(self.root).as_posix() not in keep:
                with contextlib.suppress(FileNotFoundError):
                    p.unlink()
        for folder in sorted((self.root / "orders").glob("year=*/month=*"), reverse=True):
            with contextlib.suppress(OSError):  # empty partition folders only
                folder.rmdir()

    def _own_files(self) -> list[Path]:
        """Files whose names the store writes (see the patterns above), data or aside."""
        found = [*(self.root / "orders").glob("year=*/month=*/*"), *(self.root / "quarantine").glob("*"),
                 *self.root.glob("*.parquet*"), *self.root.glob("manifest.json.tmp*"),
                 *(self.root / "ledgers").glob("*.tmp*")]
        rel = [(p, p.relative_to(self.root).as_posix()) for p in found if p.is_file()]
        return [p for p, r in rel if any(rx.fullmatch(r) for rx in (_PART, _QUARANTINE, _TABLE, _ASIDE))]

    def save_ledger(self, ledger: dict, stamp: str) -> Path:
        """Write the ledger as ``ledgers/ingest-<stamp>.json`` (``-2``, ``-3``... if taken); return its path."""
        folder = self.root / "ledgers"
        path, k = folder / f"ingest-{stamp}.json", 1
        while path.exists():
            k += 1
            path = folder / f"ingest-{stamp}-{k}.json"
        _atomic_write_bytes(path, json.dumps(ledger, ensure_ascii=False, indent=1).encode("utf-8"))
        return path

    # --- reading ------------------------------------------------------------------
    def dataset(self, parts: list[Path] | None = None, dictionary: list[str] | tuple = ()) -> ds.Dataset:
        files = [str(p) for p in (self.parts() if parts is None else parts)]
        fmt = ds.ParquetFileFormat(read_options=ds.ParquetReadOptions(dictionary_columns=list(dictionary)))
        return ds.dataset(files, format=fmt, partitioning=PARTITIONING, partition_base_dir=str(self.root / "orders"))

    def read_table(self, columns: list[str] | None = None, months: list[str] | None = None,
                   parts: list[Path] | None = None, dictionary: list[str] | tuple = (),
                   where: ds.Expression | None = None) -> pa.Table:
        """Arrow table of stored rows (no ``duplicate_of``), optionally for some months (``YYYY-MM``) and the
        rows matching ``where``.

        Text columns named in ``dictionary`` are read dictionary-encoded (categoricals in pandas): much
        faster for columns with few distinct values, such as departments. A canonical column the store's
        parts do not have (a store written before the column existed) comes back empty (all null).
        """
        flt = None
        for m in months or []:
            p = pd.Period(m, "M")
            f = (ds.field("year") == p.year) & (ds.field("month") == p.month)
            flt = f if flt is None else flt | f
        if where is not None:
            flt = where if flt is None else flt & where

        def read() -> pa.Table:
            empty = _to_arrow(S.empty_frame())
            if not (self.parts() if parts is None else parts):
                return empty.select(columns) if columns else empty
            d = self.dataset(parts, dictionary)
            kept = [c for c in columns if c in d.schema.names] if columns else None
            t = d.to_table(columns=kept, filter=flt)
            for c in [c for c in columns or [] if c not in t.column_names]:
                t = t.append_column(empty.schema.field(c), pa.nulls(len(t), empty.schema.field(c).type))
            return t.select(columns) if columns else t

        return read() if parts is not None else _as_listed(read)

    def duplicates(self) -> pd.DataFrame:
        def read() -> pd.DataFrame:
            name = self.manifest().get("duplicates")
            if not name:
                return pd.DataFrame({S.ORDER_ID: pd.Series(dtype="string"),
                                     S.DUPLICATE_OF: pd.Series(dtype="string")})
            return pq.read_table(self.root / name).to_pandas(types_mapper={pa.string(): pd.StringDtype()}.get)

        return _as_listed(read)

    def aggregates(self) -> pd.DataFrame | None:
        """The aggregate table (see :func:`aggregate`) with ``month`` as a monthly Period; None if absent."""
        name = self.manifest().get("aggregates")
        if not name:
            return None
        df = _as_listed(lambda: pq.read_table(self.root / self.manifest()["aggregates"]).to_pandas())
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
        return df[list(columns)]

    def quarantine(self) -> pd.DataFrame:
        """Every quarantined row of the store."""
        files = [self.root / f["quarantine"] for f in self.manifest()["files"].values()]
        if not files:
            return pd.DataFrame(columns=["source_file", "source_row", "column", "reason", "value"])
        return pd.concat([pq.read_table(f).to_pandas() for f in files], ignore_index=True)
