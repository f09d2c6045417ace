"""Benchmark: ingest the full default scenario into a fresh store.

Reports wall time, rows per second, peak memory (max RSS of this process and
of its worker processes), and the ratio to a bare pyarrow parse of the same
files (CSV through pyarrow.csv with the GBK codec, XLSX through fastexcel to Arrow).
Targets (issue 3): at most 3x the bare parse and at most 6 GB.

    python benchmarks/bench_ingest.py [--raw data/raw/zibo] [--jobs 2] [--repeat 3]

Each is run ``--repeat`` times; the ratio is of the medians.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import pyarrow.csv as pacsv

from hotline_analysis import paths
from hotline_analysis.ingest.pipeline import ingest
from hotline_analysis.ingest.presets import load_preset


def bare_parse(files: list[Path]) -> tuple[float, int]:
    """Time to parse every file with the plainest library call, no cleaning."""
    import fastexcel

    t0 = time.perf_counter()
    rows = 0
    for f in files:
        if f.suffix == ".csv":
            t = pacsv.read_csv(f, read_options=pacsv.ReadOptions(encoding="gbk"),
                               parse_options=pacsv.ParseOptions(invalid_row_handler=lambda r: "skip"))
            rows += t.num_rows
        else:
            rows += fastexcel.read_excel(str(f)).load_sheet(0, dtypes="string").to_arrow().num_rows
    return time.perf_counter() - t0, rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--raw", default=str(paths.raw_dir() / "zibo"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each; medians are compared")
    args = ap.parse_args()
    os.environ.setdefault("HOTLINE_PSEUDONYM_KEY", "benchmark")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    files = sorted(p for p in Path(args.raw).glob("zibo12345_*") if p.suffix in (".csv", ".xlsx"))
    bare = [bare_parse(files)[0] for _ in range(args.repeat)]
    runs = []
    for _ in range(args.repeat):
        store = tempfile.mkdtemp(prefix="bench_store_")
        t0 = time.perf_counter()
        ledger = ingest([args.raw], load_preset("zibo12345"), store, progress=False, jobs=args.jobs)
        runs.append(time.perf_counter() - t0)
        shutil.rmtree(store)
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(json.dumps({
        "files": len(files), "rows_read": ledger["rows_read"], "stored": ledger["stored"],
        "bare_parse_s": [round(x, 1) for x in bare], "ingest_s": [round(x, 1) for x in runs],
        "ratio_to_bare_parse": round(statistics.median(runs) / statistics.median(bare), 2),
        "rows_per_s": round(ledger["rows_read"] / statistics.median(runs)), "peak_rss_gb": round(peak / 1024**2, 2),
        "jobs": args.jobs,
    }, indent=1))


if __name__ == "__main__":
    main()
