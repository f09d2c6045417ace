"""Ingest: exported files -> the store, with a ledger in which every raw row is accounted for."""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import fnmatch
import logging
import multiprocessing as mp
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from tqdm.auto import tqdm

from .. import __version__
from .. import schema as S
from ..catalog import load_departments, unit_kinds
from ..clean import (check_times, cut_long_texts, duplicate_links, exclusion_reason, map_departments,
                     mark_validity, normalise_text_columns)
from ..errors import InputError, LedgerError, StoreError
from ..privacy import KEY_ENV, caller_keys, pseudonym_key
from ..settings import Settings, load_settings
from ..store import AGGREGATE_KEYS, AGGREGATE_SOURCE, Store, aggregate, file_sha256
from .canonical import quarantine_frame, to_canonical
from .presets import Preset
from .readers import SUPPORTED, read_export


log = logging.getLogger(__name__)

#: A fixed number whose caller key the manifest keeps, to tell whether a later ingest hashes callers alike.
KEY_CHECK_NUMBER = "00000000000"


def expand_paths(paths: list[str | Path], preset: Preset) -> list[Path]:
    """Files to ingest: given files as they are; folders searched for the preset's file patterns."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in SUPPORTED
                           and any(fnmatch.fnmatch(f.name, pat) for pat in preset.files))
            if not found:
                raise InputError(f"no files matching {list(preset.files)} in this folder", p)
            out += found
        elif p.exists():
            out.append(p)
        else:
            raise InputError("no such file or folder", p)
    names = [p.name for p in out]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InputError(f"two inputs share the file name(s) {repeated}; the store keys sources by file name")
    return out


def _reason_counts(q: pd.DataFrame) -> Counter:
    return Counter(f"{c}: {r}" for c, r in zip(q["column"], q["reason"]))


@dataclass
class _Prepared:
    """One file read, mapped, cleaned and written as (not yet visible) store parts."""

    ids: pd.DataFrame  # order_id, source_row of the rows written
    quarantine: pd.DataFrame
    entry: dict
    written: dict  # store.write_parts() result
    counts: pd.DataFrame  # store.aggregate() of the rows written, before repeat calls are linked
    id_hashes: np.ndarray  # 64-bit hashes of the order ids written (a quick first check for clashes)


def _prepare(path: Path, previous_sha: str | None, preset: Preset, settings: Settings, now: pd.Timestamp, key: bytes,
             aliases: pd.DataFrame | None, store: Store) -> _Prepared | None:
    """Read, map, clean and write one file; ``None`` when its checksum equals ``previous_sha``."""
    sha = file_sha256(path)
    if sha == previous_sha:
        return None
    raw = read_export(path, preset.encoding, preset=preset)
    can = to_canonical(raw, preset, key, settings=settings)
    df = normalise_text_columns(can.frame)
    df, unknown = map_departments(df, aliases)
    df, q_time, corr_time = check_times(df, now, settings.time_checks.future_tolerance_days)
    df, corr_long = cut_long_texts(df, settings.validity.max_content_chars)
    df = S.validate(mark_validity(df, settings.validity))
    entry = {
        "file": path.name, "sha256": sha, "encoding": raw.encoding, "rows_read": raw.rows_read,
        "corrections": dict(can.corrections + corr_time + corr_long),
        "unmapped_values": {k: dict(v.most_common(20)) for k, v in can.unmapped.items()},
        "unknown_departments": dict(unknown.most_common(50)),
        "no_unit": int(df[S.DEPARTMENT].isna().sum()) - sum(unknown.values()), **raw.ledger_fields(),
    }
    quarantine = pd.concat([q for q in (can.quarantine, q_time) if len(q)] or [can.quarantine], ignore_index=True)
    written = {**store.write_parts(path.name, sha, df, quarantine), "preset": preset.name}
    return _Prepared(df[[S.ORDER_ID, S.SOURCE_ROW]], quarantine, entry, written, aggregate(df),
                     _hashes(df[S.ORDER_ID]))


def ingest(paths: list[str | Path], preset: Preset, store_dir: str | Path, settings: Settings | None = None,
           now: pd.Timestamp | None = None, progress: bool = True, jobs: int = 2, wait: bool = True) -> dict:
    """Ingest exported files into the store and return the ledger (also saved in the store).

    Per file (``jobs`` files at a time): read, map to canonical columns
    (pseudonymising callers and masking texts), normalise names, map
    departments, check times, mark validity, and write the rows as store
    parts (not yet visible).  Then order ids already held by another file are
    refused (those files are rewritten without them).  Finally repeat calls are marked over the whole store and the
    net-complaint exclusions of the ingested rows are counted.  The ledger
    balances exactly: ``rows_read = stored + quarantined`` and
    ``stored = net_complaints + excluded``.

    The whole run holds the store's writer lock (:meth:`Store.writing`): a
    second ingest into the same store waits for it (``wait=False``: a
    :class:`StoreError` at once), and then sees the store this one committed.
    """
    settings = settings or load_settings()
    now = now or pd.Timestamp.now()
    store = Store(Path(store_dir))
    files = expand_paths(paths, preset)
    key = pseudonym_key()
    with store.writing(wait):
        try:
            return _ingest_locked(files, preset, store, settings, now, key, progress, jobs)
        except BaseException:  # parts written but not committed are removed (best effort: the disk may be gone)
            with contextlib.suppress(OSError):
                store.tidy(store.manifest())
            raise


def _ingest_locked(files: list[Path], preset: Preset, store: Store, settings: Settings, now: pd.Timestamp,
                   key: bytes, progress: bool, jobs: int) -> dict:
    """:func:`ingest` with the store's lock held."""
    t0 = time.perf_counter()
    manifest = store.manifest()
    check = caller_keys([KEY_CHECK_NUMBER], key)[0].as_py()
    if manifest["files"] and manifest.get("caller_key_check") != check:
        raise StoreError(f"{store.root}: its caller keys were made with another pseudonym key or an older version "
                         "of hotline_analysis, so repeat calls could not be linked across old and new files; "
                         f"ingest into a new store, or set {KEY_ENV} to the key this store was built with")
    batch = _prepare_files(files, manifest, preset, settings, now, key, store, jobs, progress)
    log.info("files prepared and written: %.1f s", time.perf_counter() - t0)
    _refuse_clashes(batch, store, manifest, preset)
    stamp = now.strftime("%Y%m%dT%H%M%S")
    if batch.written:
        ledger = _link_and_commit(batch, store, manifest, settings, check, preset, now, stamp)
        log.info("order-id clashes checked, repeat calls linked, committed: %.1f s", time.perf_counter() - t0)
    else:
        ledger = _ledger(batch.entries, None, settings, preset, now)
        store.save_ledger(ledger, stamp)
        if manifest["files"]:
            store.record_units(units_record(preset))
    log.info("ledger counted: %.1f s", time.perf_counter() - t0)
    return ledger


def die_with_parent(parent: int) -> None:
    """Process-pool initializer: the worker is killed when its parent dies (Linux ``PR_SET_PDEATHSIG``), so a
    killed ingest leaves no worker that could write on; elsewhere it exits at once if already orphaned."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)


@dataclass
class _Batch:
    """The files of one ingest, as their workers left them."""

    entries: list[dict] = field(default_factory=list)  # ledger entries, unchanged files first
    todo: list[tuple] = field(default_factory=list)  # (path, sha256, replaces a stored file) of changed files
    prepared: dict[str, tuple] = field(default_factory=dict)  # name -> (ids, quarantine, entry, replaced)
    written: dict[str, dict] = field(default_factory=dict)  # name -> store.write_parts() result
    counts: dict[str, pd.DataFrame] = field(default_factory=dict)  # name -> aggregate of the rows written
    id_hashes: list[np.ndarray] = field(default_factory=list)


def _prepare_files(files: list[Path], manifest: dict, preset: Preset, settings: Settings, now: pd.Timestamp,
                   key: bytes, store: Store, jobs: int, progress: bool) -> _Batch:
    """Run :func:`_prepare` over the files, ``jobs`` at a time (slow-to-read formats first, so that no worker is
    left with one at the end)."""
    alias_path = preset.departments_path()
    aliases = load_departments(alias_path) if alias_path else None
    previous = {p.name: (manifest["files"].get(p.name) or {}).get("sha256") for p in files}
    order = sorted(files, key=lambda p: p.suffix.lower() not in (".xlsx", ".xlsm"))
    args = [(p, previous[p.name], preset, settings, now, key, aliases, store) for p in order]
    if jobs > 1 and len(order) > 1:
        pool = cf.ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("fork"),
                                      initializer=die_with_parent, initargs=(os.getpid(),))
        results = pool.map(_prepare, *zip(*args))
    else:
        pool, results = None, (_prepare(*a) for a in args)
    batch = _Batch()
    try:
        for path, prep in tqdm(zip(order, results), total=len(order), desc="ingest", disable=not progress):
            if prep is None:
                batch.entries.append({"file": path.name, "status": "unchanged", "rows_read": 0, "stored": 0,
                                      "quarantined": {}})
                continue
            replaced = previous[path.name] is not None
            batch.todo.append((path, prep.written["sha256"], replaced))
            batch.written[path.name] = prep.written
            batch.prepared[path.name] = (prep.ids, prep.quarantine, prep.entry, replaced)
            batch.counts[path.name] = prep.counts
            batch.id_hashes.append(prep.id_hashes)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return batch


def _refuse_clashes(batch: _Batch, store: Store, manifest: dict, preset: Preset) -> None:
    """Quarantine the rows whose order id another file (stored, or earlier in this run) holds, rewrite those files
    without them, and complete each file's ledger entry."""
    clashes = _id_clashes(store, manifest, batch.todo, batch.prepared, batch.id_hashes)
    for path, sha, _ in batch.todo:
        ids, quarantine, entry, replaced = batch.prepared[path.name]
        if path.name in clashes:
            clash = clashes[path.name]
            q_clash = quarantine_frame([(path.name, int(r), S.ORDER_ID, "already stored from another file", f"{o} ({f})")
                                        for o, r, f in clash.itertuples(index=False)])
            quarantine = pd.concat([quarantine, q_clash], ignore_index=True)
            kept = store.read_table(parts=[store.root / p for p in batch.written[path.name]["parts"]]).to_pandas()
            kept = S.coerce(kept[~kept[S.ORDER_ID].isin(clash[S.ORDER_ID])])
            batch.written[path.name] = {**store.write_parts(path.name, sha, kept, quarantine), "preset": preset.name}
            ids = kept[[S.ORDER_ID, S.SOURCE_ROW]]
            del batch.counts[path.name]  # counted again from the store
        q_counts = _reason_counts(quarantine)
        entry = {**entry, "status": "replaced" if replaced else "ingested", "stored": len(ids),
                 "quarantined": dict(q_counts)}
        if entry["rows_read"] != entry["stored"] + sum(q_counts.values()):
            raise LedgerError(f"{path.name}: rows read {entry['rows_read']} != stored {entry['stored']} + "
                              f"quarantined {sum(q_counts.values())}")
        batch.written[path.name].update(rows_read=entry["rows_read"], stored=len(ids),
                                        quarantined=sum(q_counts.values()))
        batch.entries.append(entry)


def _link_and_commit(batch: _Batch, store: Store, manifest: dict, settings: Settings, check: str, preset: Preset,
                     now: pd.Timestamp, stamp: str) -> dict:
    """Mark repeat calls over the whole store as it will be after this ingest, count the exclusion reason of
    each row this ingest stored, and commit the store with the ledger; return the ledger."""
    keep = {n: f for n, f in manifest["files"].items() if n not in batch.written}
    parts = [store.root / p for f in [*keep.values(), *batch.written.values()] for p in f["parts"]]
    match_on = settings.duplicates.match_on
    cols = list(dict.fromkeys([S.ORDER_ID, S.RECEIVED_AT, S.CALLER_KEY, S.IS_VALID, *match_on,
                               *AGGREGATE_SOURCE, S.SOURCE_FILE]))
    few_values = [S.SOURCE_FILE, S.DEPARTMENT, *match_on]
    base = (store.read_table(cols, parts=parts, dictionary=few_values)
            .to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get) if parts else S.empty_frame()[cols])
    base[S.DUPLICATE_OF] = duplicate_links(base, settings.duplicates.window_days, match_on)
    new = base[S.SOURCE_FILE].isin(list(batch.written)).to_numpy()
    ledger = _ledger(batch.entries, exclusion_reason(base, settings.net_complaint)[new], settings, preset, now)
    store.commit(batch.written, base.loc[base[S.DUPLICATE_OF].notna().to_numpy(), [S.ORDER_ID, S.DUPLICATE_OF]],
                 _store_counts(base, batch.counts), caller_key_check=check, ledger=(ledger, stamp),
                 bulletin=preset.bulletin, units=units_record(preset))
    return ledger


def units_record(preset: Preset) -> dict:
    """What the store remembers of the preset's alias table: its path and the kind of each unit
    (:func:`hotline_analysis.catalog.unit_kinds`); without one (``departments: null``) no kinds, so every unit
    is reported (see :meth:`hotline_analysis.store.Store.unit_kinds`)."""
    path = preset.departments_path()
    if not path:
        return {"alias_table": None, "kinds": {}}
    return {"alias_table": str(path), "kinds": unit_kinds(load_departments(path))}


def _store_counts(base: pd.DataFrame, counts: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The store's :func:`aggregate` from the workers' counts of new files and the rows of the others.

    A worker counts its file's orders before repeat calls are linked across
    files; the linked ones then move from ``is_duplicate`` false to true.
    """
    new = base[S.SOURCE_FILE].isin(list(counts)).to_numpy()
    moved = base[new & base[S.DUPLICATE_OF].notna().to_numpy()]
    parts = [aggregate(base[~new]), *counts.values(), aggregate(moved),
             aggregate(moved.assign(**{S.DUPLICATE_OF: pd.NA})).assign(n=lambda a: -a.n)]
    parts = [p for p in parts if len(p)]
    if not parts:
        return aggregate(base)
    total = pd.concat(parts, ignore_index=True)
    total = total.groupby(AGGREGATE_KEYS, dropna=False, observed=True, sort=False)["n"].sum().reset_index()
    return total[total.n > 0].reset_index(drop=True)


def _hashes(ids: pd.Series) -> np.ndarray:
    return pd.util.hash_array(ids.to_numpy(dtype=object), categorize=False)


def _id_clashes(store: Store, manifest: dict, todo: list, prepared: dict,
                new_hashes: list[np.ndarray]) -> dict[str, pd.DataFrame]:
    """Per new file: its rows whose order id is held by a stored file or an earlier file of this run.

    Returns file name -> frame (order_id, source_row, holder file); files without clashes are absent.
    """
    new_names = [p.name for p, _, _ in todo]
    keep = [n for n in manifest["files"] if n not in new_names]
    frames = []
    hashes = list(new_hashes)
    if keep:
        parts = [store.root / p for n in keep for p in manifest["files"][n]["parts"]]
        t = store.read_table([S.ORDER_ID, S.SOURCE_FILE], parts=parts).to_pandas()
        frames.append(pd.DataFrame({S.ORDER_ID: t[S.ORDER_ID], S.SOURCE_ROW: -1, "file": t[S.SOURCE_FILE], "rank": -1}))
        hashes.append(_hashes(t[S.ORDER_ID]))
    h = np.sort(np.concatenate(hashes or [np.zeros(0, np.uint64)]))
    if not (h[1:] == h[:-1]).any():  # the usual case: no order id held twice (equal ids hash alike)
        return {}
    for rank, name in enumerate(new_names):
        ids = prepared[name][0]
        frames.append(pd.DataFrame({S.ORDER_ID: ids[S.ORDER_ID], S.SOURCE_ROW: ids[S.SOURCE_ROW], "file": name,
                                    "rank": rank}))
    allids = pd.concat(frames, ignore_index=True)
    dup = allids[S.ORDER_ID].duplicated(keep=False).to_numpy()
    if not dup.any():
        return {}
    d = allids[dup].sort_values("rank", kind="stable")
    holder = d.groupby(S.ORDER_ID)["file"].transform("first")
    later = d[d[S.ORDER_ID].duplicated(keep="first").to_numpy()].assign(holder=holder)
    return {f: g[[S.ORDER_ID, S.SOURCE_ROW, "holder"]] for f, g in later.groupby("file")}


#: Ingest steps a missing column turns off (measure of :data:`.presets.MEASURE_NEEDS` -> step).
SKIPPED_STEPS = {"repeat_calls": "repeat-call linking", "validity_from_text": "invalid-call rules on the text"}


def _ledger(entries: list[dict], reasons: pd.Series | None, settings: Settings, preset: Preset, now: pd.Timestamp) -> dict:
    """The ledger of one ingest; ``reasons`` is the exclusion reason of each row this ingest stored ('' = net).

    Besides the balance (``rows_read = stored + sum(quarantined)``, ``stored = net_complaints +
    sum(excluded)``) it totals the files' corrections and unmapped values, lists the sheets and archive
    members read and skipped (``parts``), the files already in the store (``unchanged``), the steps skipped
    for a missing column, the measures the export cannot give and the fields the preset set by default
    (``defaults``: the net-complaint scope names exclusions they make impossible).
    """
    totals_q: Counter = Counter()
    corrections: Counter = Counter()
    unmapped: dict[str, Counter] = {}
    for e in entries:
        totals_q.update(e["quarantined"])
        corrections.update(e.get("corrections", {}))
        for col, values in e.get("unmapped_values", {}).items():
            unmapped.setdefault(col, Counter()).update(values)
    rows_read = sum(e["rows_read"] for e in entries)
    stored = sum(e["stored"] for e in entries)
    excluded: Counter = Counter()
    net = 0
    if reasons is not None:
        counts = reasons.astype(str).value_counts()
        net = int(counts.get("", 0))
        excluded = Counter({k: int(v) for k, v in counts.items() if k})
    absent = dict(getattr(preset, "absent_measures", {}) or {})
    ledger = {
        "generated_by": f"hotline_analysis {__version__}",
        "ingested_at": now.isoformat(timespec="seconds"),
        "preset": preset.name,
        "rules": settings.net_complaint.to_dict(),
        "files": entries,
        "rows_read": rows_read,
        "stored": stored,
        "quarantined": dict(totals_q),
        "net_complaints": net,
        "excluded": dict(excluded),
        "corrections": dict(corrections),
        "unmapped_values": {c: dict(v.most_common()) for c, v in unmapped.items()},
        "parts": [p for e in entries for p in e.get("parts", [])],
        "unchanged": [e["file"] for e in entries if e.get("status") == "unchanged"],
        "skipped_steps": {step: absent[m] for m, step in SKIPPED_STEPS.items() if m in absent},
        "absent_measures": absent,
        "defaults": sorted(getattr(preset, "defaults", {}) or {}),  # fields the preset set, not read from the export
    }
    if rows_read != stored + sum(totals_q.values()) or stored != net + sum(excluded.values()):
        raise LedgerError(f"ledger does not balance: {ledger}")
    return ledger


def format_ledger(ledger: dict) -> str:
    """The ledger as the lines ``hotline ingest`` prints: the balance, then what was corrected, left unmapped,
    read or skipped (sheets, archive members, steps), and the names the alias table lacks."""
    files = ledger["files"]
    unchanged = [e["file"] for e in files if e.get("status") == "unchanged"]
    lines = [f"files: {len(files)} ("
             + ", ".join(f"{v} {k}" for k, v in Counter(e['status'] for e in files).items()) + ")"]
    if files and len(unchanged) == len(files):
        lines.append(f"nothing to do: {_names(unchanged)} {'was' if len(unchanged) == 1 else 'were'} already in "
                     "the store, unchanged (same checksum); the store is as it was")
        return "\n".join(lines)
    if unchanged:
        lines.append(f"already in the store, unchanged, not read again: {_names(unchanged)}")
    lines += [f"rows read      {ledger['rows_read']:>12,}", f"  stored       {ledger['stored']:>12,}"]
    for reason, n in sorted(ledger["quarantined"].items(), key=lambda kv: -kv[1]):
        lines.append(f"  quarantined  {n:>12,}  {reason}")
    if ledger["quarantined"]:
        lines.append("  (the quarantine's rows are data rows: row 1 is the first row under the header, "
                     "row 2 in a spreadsheet)")
    lines.append(f"stored         {ledger['stored']:>12,}")
    lines.append(f"  net complaints {ledger['net_complaints']:>10,}")
    for reason, n in sorted(ledger["excluded"].items(), key=lambda kv: -kv[1]):
        lines.append(f"  excluded     {n:>12,}  {reason}")
    return "\n".join(lines + _ledger_notes(ledger))


def _names(files: list[str], most: int = 5) -> str:
    return ", ".join(files[:most]) + (f" and {len(files) - most} more" if len(files) > most else "")


def _ledger_notes(ledger: dict) -> list[str]:
    """The printed ledger's lines after the balance (each block only when it has something to say)."""
    lines = []
    corrections = ledger.get("corrections") or _sum_files(ledger, "corrections")
    if corrections:
        lines.append("corrected in place (rows kept):")
        lines += [f"  {n:>12,}  {what}" for what, n in sorted(corrections.items(), key=lambda kv: -kv[1])]
    unmapped = ledger.get("unmapped_values") or {}
    if unmapped:
        lines.append("values the preset does not map (stored as 'other' or empty; add them under 'values:'):")
        for col, values in unmapped.items():
            top = sorted(values.items(), key=lambda kv: -kv[1])
            lines.append(f"  {col}: " + ", ".join(f"{v} ({n:,})" for v, n in top[:10])
                         + (f" and {len(top) - 10} more" if len(top) > 10 else ""))
    parts = ledger.get("parts") or []
    if parts:
        lines.append("sheets and archive members:")
        lines += [f"  read     {p['name']}: {p['rows']:,} rows (the file's rows {p['first_row']:,}-"
                  f"{p['first_row'] + p['rows'] - 1:,})" if p["status"] == "read" else
                  f"  skipped  {p['name']}: {p.get('reason', '')}" for p in parts]
    for step, why in (ledger.get("skipped_steps") or {}).items():
        lines.append(f"skipped: {step} ({why})")
    absent = ledger.get("absent_measures") or {}
    if absent:
        lines.append("not in this export: " + ", ".join(f"{m} ({why})" for m, why in absent.items()))
    no_unit = sum(e.get("no_unit", 0) for e in ledger["files"])
    if no_unit:
        lines.append(f"rows without a responsible unit (kept: in the whole hotline's figures, in no unit's): "
                     f"{no_unit:,}")
    unknown = _sum_files(ledger, "unknown_departments")
    if unknown:
        lines.append("unknown department names (add them to the alias table): "
                     + ", ".join(f"{k} ({v})" for k, v in unknown.most_common(10)))
    return lines


def _sum_files(ledger: dict, key: str) -> Counter:
    total: Counter = Counter()
    for e in ledger["files"]:
        total.update(e.get(key, {}))
    return total
