"""Benchmark: the monthly report pack on the full-scale store.

Times one month (`hotline report --month M`, topic cache emptied first, as
after an ingest) and a 12-month range with `--jobs 2`, and reports the peak
memory of the processes involved (max RSS of the children: the report
process, which builds the month result, and the kernel that runs the pages).
Targets: one pack at most 15 s and 1 GB; twelve months with two jobs at most
2 minutes.

    python benchmarks/bench_report.py [--store data/processed/zibo] [--month 2020-12]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from hotline_analysis import paths


def clear_topic_cache(store: str) -> None:
    shutil.rmtree(Path(store) / "cache", ignore_errors=True)


def run(args: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "hotline_analysis.cli", "report", *args, "--quiet"], check=True,
                   capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", default=str(paths.default_store()))
    ap.add_argument("--month", default="2020-12")
    a = ap.parse_args()
    out = tempfile.mkdtemp(prefix="bench_report_")
    clear_topic_cache(a.store)
    one = run(["--store", a.store, "--month", a.month, "--out", f"{out}/one"])
    peak_one = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2
    first = str(pd.Period(a.month, "M") - 11)
    clear_topic_cache(a.store)
    twelve = run(["--store", a.store, "--month", first, "--to", a.month, "--jobs", "2", "--out", f"{out}/range"])
    print(json.dumps({"one_month_s": round(one, 1), "one_month_peak_rss_gb": round(peak_one, 2),
                      "twelve_months_jobs2_s": round(twelve, 1),
                      "peak_rss_gb_any_process": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2, 2),
                      "out": out}, indent=1))


if __name__ == "__main__":
    main()
