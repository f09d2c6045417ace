"""The store and the data path under races, faults and a wrong folder (issue 14, items 1, 2, 6, 8, 9, 10).

Expected states come from the planted inputs: a sequential ingest of the same
files, the bytes of the store before a failed run, the files the user put in a
folder; never from the code under test.
"""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from hotline_analysis import cli
from hotline_analysis import schema as S
from hotline_analysis.errors import DataError, HotlineError, StoreError
from hotline_analysis.ingest import pipeline
from hotline_analysis.ingest.pipeline import ingest
from hotline_analysis.ingest.presets import load_preset
from hotline_analysis.store import LOCK_NAME, Store

from . import make_store_faults as make

ZIBO = load_preset("zibo12345")
NOW = pd.Timestamp("2021-03-05")


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    return make.export(tmp_path_factory.mktemp("faults") / "export")


def files(export: Path) -> list[Path]:
    return sorted(export.glob("zibo12345_*.csv"))


def run(paths, store, **kw) -> dict:
    kw = {"progress": False, "now": NOW, "jobs": 1, **kw}
    return ingest(paths, ZIBO, store, **kw)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of a folder with its bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def content(root: Path) -> tuple:
    """What a store holds, in a form two stores can be compared by: rows, repeat-call links, aggregates, and
    per source file its counts."""
    st = Store(root)
    rows = st.load().sort_values(S.ORDER_ID).reset_index(drop=True)
    agg = st.aggregates()
    agg = agg.assign(month=agg["month"].astype(str)).sort_values(list(agg.columns)).reset_index(drop=True)
    counts = {n: (f["sha256"], f["rows_read"], f["stored"], f["quarantined"])
              for n, f in st.manifest()["files"].items()}
    return rows, agg, counts


def assert_same_store(a: Path, b: Path) -> None:
    ra, aa, ca = content(a)
    rb, ab, cb = content(b)
    assert ca == cb
    pd.testing.assert_frame_equal(ra, rb)
    pd.testing.assert_frame_equal(aa, ab)


def assert_consistent(root: Path) -> None:
    """Loads; no order twice; per file rows read = stored + quarantined and the stored rows are in the parts;
    the aggregate table counts the rows; every ledger balances."""
    st = Store(root)
    rows = st.load()
    assert not rows[S.ORDER_ID].duplicated().any()
    by_file = rows[S.SOURCE_FILE].value_counts()
    q = st.quarantine()
    for name, f in st.manifest()["files"].items():
        assert f["rows_read"] == f["stored"] + f["quarantined"]
        assert by_file.get(name, 0) == f["stored"]
        assert (q["source_file"] == name).sum() == f["quarantined"]
    agg = st.aggregates()
    assert (0 if agg is None else int(agg["n"].sum())) == len(rows)
    assert set(st.duplicates()[S.ORDER_ID]) <= set(rows[S.ORDER_ID])
    for p in (root / "ledgers").glob("*.json"):
        led = json.loads(p.read_text("utf-8"))
        assert led["rows_read"] == led["stored"] + sum(led["quarantined"].values())
        assert led["stored"] == led["net_complaints"] + sum(led["excluded"].values())


def in_child(fn) -> int:
    """Run ``fn()`` in a forked process; return its pid (the caller waits for it). The child's error, if any,
    goes to ``child-<pid>.err`` in the temporary folder."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            fn()
            code = 0
        except BaseException:
            import tempfile
            import traceback

            Path(tempfile.gettempdir(), f"child-{os.getpid()}.err").write_text(traceback.format_exc())
        finally:
            os._exit(code)
    return pid


def children(pid: int) -> set[int]:
    """The child processes of ``pid`` (Linux)."""
    out: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out |= {int(x) for x in (task / "children").read_text().split()}
        except OSError:
            pass
    return out


def alive(pid: int) -> bool:
    """Running (a zombie or a vanished process is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


# --- 1: races --------------------------------------------------------------------------------------


def test_two_ingests_at_once_equal_a_sequential_ingest_of_both(export, tmp_path):
    a, b = files(export)[:2], files(export)[2:]
    run(a, tmp_path / "seq")
    run(b, tmp_path / "seq")
    both = tmp_path / "both"
    pids = [in_child(lambda f=f: run(f, both, jobs=2)) for f in (a, b)]
    assert [os.waitpid(p, 0)[1] for p in pids] == [0, 0]
    assert_consistent(both)
    assert_same_store(both, tmp_path / "seq")
    ledgers = sorted(p.name for p in (both / "ledgers").glob("*.json"))
    assert ledgers == ["ingest-20210305T000000-2.json", "ingest-20210305T000000.json"]  # same second, both kept
    read = sorted(json.loads((both / "ledgers" / n).read_text("utf-8"))["rows_read"] for n in ledgers)
    seq = Store(tmp_path / "seq").manifest()["files"]
    assert read == sorted(sum(seq[f.name]["rows_read"] for f in g) for g in (a, b))


def test_a_second_writer_waits_with_a_message_or_fails_at_once_with_no_wait(export, tmp_path, capsys):
    store = tmp_path / "s"
    run(files(export)[:1], store)
    before = snapshot(store)
    with Store(store).writing():
        rc = cli.main(["ingest", str(files(export)[1]), "--preset", "zibo12345", "--store", str(store),
                       "--no-wait", "--quiet"])
        err = capsys.readouterr().err
        assert rc == 2 and f"{store} is being written by pid {os.getpid()} on host" in err
        assert snapshot(store) == before

    holder = Store(store).writing()
    holder.__enter__()
    threading.Timer(1.0, holder.__exit__, (None, None, None)).start()
    t0 = time.perf_counter()
    led = run(files(export)[1:2], store)
    assert time.perf_counter() - t0 >= 0.9
    assert f"{store}: waiting for pid {os.getpid()}" in capsys.readouterr().err
    assert led["files"][0]["status"] == "ingested"
    assert_consistent(store)


def test_a_lock_left_by_a_dead_process_is_taken_over(export, tmp_path, capsys):
    store = tmp_path / "s"
    run(files(export)[:1], store)
    dead = in_child(lambda: None)
    os.waitpid(dead, 0)
    (store / LOCK_NAME).write_text(f"pid {dead} on host elsewhere since 2021-03-05 00:00:00\n")
    run(files(export)[1:2], store)
    assert f"taking over the store lock left by pid {dead}" in capsys.readouterr().err
    assert (store / LOCK_NAME).read_text() == ""  # released
    assert len(Store(store).manifest()["files"]) == 2


# --- 2: a folder that is not a store -----------------------------------------------------------------------


def test_a_folder_that_is_not_a_store_is_refused_and_its_files_kept(export, tmp_path, capsys):
    ds = make.not_a_store(tmp_path / "ds", export)
    before = snapshot(ds)
    rc = cli.main(["ingest", str(ds / "orders"), "--preset", "zibo12345", "--store", str(ds), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and f"{ds} is not a store (it has no manifest.json) and is not empty" in err
    assert snapshot(ds) == before


def test_tidy_removes_only_the_stores_own_leftovers(export, tmp_path):
    store = tmp_path / "s"
    run(files(export)[:1], store)
    mine = {"orders/notes.csv": b"a,b\n", "orders/year=2020/month=9/mine.parquet": b"x", "quarantine/keep.txt": b"k",
            "aggregates-mine.csv": b"n\n", "cache/mine.txt": b"m", "ledgers/readme.txt": b"r"}
    stray = ["orders/year=2020/month=9/old-0123abcd.parquet", "quarantine/old-0123abcd.parquet.tmp77",
             "duplicates-0123456789ab.parquet", "manifest.json.tmp12"]
    for rel, data in [*mine.items(), *((r, b"stray") for r in stray)]:
        (store / rel).parent.mkdir(parents=True, exist_ok=True)
        (store / rel).write_bytes(data)
    run(files(export)[1:2], store)
    assert all((store / rel).read_bytes() == data for rel, data in mine.items())
    assert not any((store / rel).exists() for rel in stray)
    assert_consistent(store)


# --- 6: read-only store and full disk ------------------------------------------------------------------------


def _fail_nth_write(monkeypatch, n: int, err: int) -> list:
    """Make the ``n``-th Parquet write of the store fail with ``err`` after writing a few bytes."""
    import hotline_analysis.store as store_module

    real, calls = store_module.pq.write_table, []

    def write_table(table, where, **kw):
        calls.append(where)
        if len(calls) == n:
            Path(where).write_bytes(b"PAR1 half")
            raise OSError(err, os.strerror(err), str(where))
        return real(table, where, **kw)

    monkeypatch.setattr(store_module.pq, "write_table", write_table)
    return calls


@pytest.mark.parametrize("n", [1, 3, -1])  # a part of the first file, of the second, the commit's last table
@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EROFS])
def test_a_full_disk_or_read_only_store_leaves_it_unchanged_and_exits_2(export, tmp_path, monkeypatch, capsys, n,
                                                                        err):
    import shutil

    store, new = tmp_path / "s", [str(p) for p in files(export)[1:3]]
    run(files(export)[:1], store)
    if n < 0:  # count the writes of this ingest on a copy
        shutil.copytree(store, tmp_path / "copy")
        counted = _fail_nth_write(monkeypatch, 0, err)
        run(new, tmp_path / "copy")
        n = len(counted)
        monkeypatch.undo()
    before = snapshot(store)
    calls = _fail_nth_write(monkeypatch, n, err)
    rc = cli.main(["ingest", *new, "--preset", "zibo12345", "--store", str(store), "--jobs", "1", "--quiet"])
    assert rc == 2 and len(calls) == n
    target = str(calls[-1]).rsplit(".tmp", 1)[0]
    assert f"{target}: cannot write ({os.strerror(err)})" in capsys.readouterr().err
    assert snapshot(store) == before
    monkeypatch.undo()
    run(new, store)  # the next ingest completes
    assert_consistent(store)


def test_a_read_only_store_folder_is_named_and_left_alone(export, tmp_path, monkeypatch, capsys):
    import hotline_analysis.store as store_module

    store = tmp_path / "s"
    run(files(export)[:1], store)
    before = snapshot(store)
    real = store_module.os.open

    def read_only(path, flags, *args):
        if flags & (os.O_RDWR | os.O_WRONLY):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real(path, flags, *args)

    monkeypatch.setattr(store_module.os, "open", read_only)
    rc = cli.main(["ingest", str(files(export)[1]), "--preset", "zibo12345", "--store", str(store), "--quiet"])
    assert rc == 2
    assert f"{store / LOCK_NAME}: cannot create the store's lock (Read-only file system)" in capsys.readouterr().err
    assert snapshot(store) == before


def test_a_ledger_that_cannot_be_written_leaves_the_store_unchanged(export, tmp_path, monkeypatch, capsys):
    import hotline_analysis.store as store_module

    store = tmp_path / "s"
    run(files(export)[:1], store)
    before = snapshot(store)

    def fsync(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(store_module.os, "fsync", fsync)  # the first JSON written: the ledger
    rc = cli.main(["ingest", str(files(export)[1]), "--preset", "zibo12345", "--store", str(store), "--quiet"])
    assert rc == 2 and f"{store / 'ledgers'}" in capsys.readouterr().err
    assert snapshot(store) == before


# --- 8: a clean exit status after an error message --------------------------------------------------------------


def test_an_input_error_ends_with_status_2_every_time(export, tmp_path):
    bad = make.missing_column(tmp_path / "in")
    store = tmp_path / "s"
    run(files(export)[:1], store)  # an existing store, as in the report
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    for _ in range(4):  # before the fix: status 134 in about half the runs
        r = subprocess.run([sys.executable, "-m", "hotline_analysis.cli", "ingest", str(bad), "--preset",
                            "zibo12345", "--store", str(store), "--quiet"], capture_output=True, text=True, env=env)
        assert r.returncode == 2, r.stderr
        assert "zibo12345_bad.csv: missing required column 受理时间" in r.stderr
        assert "terminate called" not in r.stderr


# --- 9: workers die with their parent ------------------------------------------------------------------------


def _slow_prepare(*args):
    """A file's preparation that takes a minute (module level: the pool pickles it by name)."""
    time.sleep(60)


def test_workers_die_with_a_killed_ingest(export, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "_prepare", _slow_prepare)  # inherited by the fork and its workers
    pid = in_child(lambda: run(files(export), tmp_path / "s", jobs=2))
    deadline = time.time() + 20
    while len(workers := children(pid)) < 2 and time.time() < deadline:
        time.sleep(0.05)
    assert len(workers) == 2
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    deadline = time.time() + 5
    while any(alive(w) for w in workers) and time.time() < deadline:
        time.sleep(0.05)
    assert not any(alive(w) for w in workers)


# --- 10: the month NaT, --out on a folder with other files ------------------------------------------------------


def test_a_missing_month_is_refused_and_leaves_no_cache(export, tmp_path, capsys):
    from hotline_analysis.settings import load_settings
    from hotline_analysis.topics import month_topics

    store = tmp_path / "s"
    run(files(export), store)
    for month in ("NaT", "", "nan"):
        assert cli.main(["summary", "--store", str(store), "--month", month, "--out", str(tmp_path / "x.json")]) == 2
        err = capsys.readouterr().err
        assert f"--month must be YYYY-MM, got {month!r}" in err and "NaT" not in err.replace("'NaT'", "")
    with pytest.raises(DataError, match="a month"):
        month_topics(Store(store), "NaT", load_settings())
    assert not list(store.glob("cache/topics-NaT*")) and not (tmp_path / "x.json").exists()


def test_a_pack_replaces_a_previous_pack_whole_and_refuses_other_files(tmp_path):
    from hotline_analysis.pack import pack_aside

    out = tmp_path / "2021-01"
    out.mkdir()
    for name in ("index.html", "summary.json", "05_stale.html"):
        (out / name).write_text("old")
    with pack_aside(out) as tmp:
        assert tmp.parent == out.parent and tmp != out and not any(tmp.iterdir())
        for name in ("index.html", "summary.json", "01_overview.html"):
            (tmp / name).write_text("new")
    assert sorted(p.name for p in out.iterdir()) == ["01_overview.html", "index.html", "summary.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2021-01"]

    user = tmp_path / "mine"
    user.mkdir()
    (user / "notes.txt").write_text("mine")
    with pytest.raises(HotlineError, match="is not empty and holds no report pack"):
        with pack_aside(user):
            pass
    assert (user / "notes.txt").read_text() == "mine"


def test_a_pack_that_fails_leaves_the_previous_pack_as_it_was(tmp_path, monkeypatch, capsys, small_store):
    import hotline_analysis.pack as pack
    from hotline_analysis.month import MonthReport

    store, _ = small_store
    out = tmp_path / "reports"
    (out / "2021-01").mkdir(parents=True)
    (out / "2021-01" / "index.html").write_text("old pack")

    def disk_full(report, folder, *args, **kw):
        (folder / "index.html").write_text("<html")  # half a page, in the folder the pack is written into
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(MonthReport, "build", lambda *a, **k: None)
    monkeypatch.setattr(pack, "write_pack", disk_full)
    rc = cli.main(["report", "--store", str(store.root), "--month", "2021-01", "--out", str(out), "--quiet"])
    assert rc == 2
    assert f"{out / '2021-01'}: cannot write the report pack (No space left on device)" in capsys.readouterr().err
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == ["2021-01", "2021-01/index.html"]
    assert (out / "2021-01" / "index.html").read_text() == "old pack"


# --- the fault test: killed at random points -------------------------------------------------------------------


@pytest.mark.slow  # about 10 s alone, 45 s on a busy machine
def test_an_ingest_killed_at_random_points_leaves_a_consistent_store_and_no_worker(export, tmp_path):
    """20 kills (SIGKILL) of an ingest of random subsets of the export (each file shortened by a random number of
    rows, so that every run has new files to store or replace), each at a random moment of its run; after each the
    store is consistent and no worker lives on; a last ingest of the whole export equals a clean one."""
    everything = files(export)
    variants = tmp_path / "variants"
    clean = tmp_path / "clean"
    t0 = time.perf_counter()
    run(everything, clean, jobs=2)
    full = time.perf_counter() - t0
    store, rng, kills = tmp_path / "s", random.Random(14), 0
    for k in range(20):
        chosen = []
        for f in rng.sample(everything, rng.randint(2, len(everything))):
            lines = f.read_bytes().split(b"\r\n")
            (variants / str(k)).mkdir(parents=True, exist_ok=True)
            chosen.append(variants / str(k) / f.name)
            chosen[-1].write_bytes(b"\r\n".join(lines[:len(lines) - rng.randint(1, 40)]) + b"\r\n")
        pid = in_child(lambda: run(chosen, store, jobs=2))
        end, workers, finished = time.perf_counter() + rng.uniform(0, full), set(), False
        while time.perf_counter() < end and not finished:
            workers |= children(pid)
            finished = os.waitpid(pid, os.WNOHANG) != (0, 0)
            time.sleep(0.01)
        if not finished:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            kills += 1
        deadline = time.time() + 5
        while any(alive(w) for w in workers) and time.time() < deadline:
            time.sleep(0.05)
        assert not any(alive(w) for w in workers)
        if Store(store).exists():
            assert_consistent(store)
    assert kills >= 10  # most runs killed, not finished
    run(everything, store, jobs=2)
    assert_consistent(store)
    assert_same_store(store, clean)
    assert not [p for p in store.rglob("*") if ".tmp" in p.name]
