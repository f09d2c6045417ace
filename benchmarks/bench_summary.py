"""Benchmark: `hotline summary` for one month on the full-scale store.

Reports the time to load what a summary needs (the store's aggregate table
and the month's own rows), the time to compute it, peak memory, and the
ratio to a naive baseline that reads the whole store (every column) with
pandas before computing the same summary.
Targets (issue 4): at most 2 s of computation after loading, at least 10x
faster than the baseline, at most 2 GB peak.

    python benchmarks/bench_summary.py [--store data/processed/zibo] [--month 2020-12]
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import pandas as pd

from hotline_analysis import paths
from hotline_analysis.catalog import municipal_departments
from hotline_analysis.settings import load_settings
from hotline_analysis.store import Store
from hotline_analysis.summary import COLUMNS, build_summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", default=str(paths.default_store()))
    ap.add_argument("--month", default="2020-12")
    args = ap.parse_args()
    settings = load_settings()
    store = Store(args.store)
    deps = sorted(municipal_departments())
    t0 = time.perf_counter()
    aggregates = store.aggregates()
    month_orders = store.load(months=[args.month], columns=COLUMNS)
    t1 = time.perf_counter()
    build_summary(aggregates, args.month, settings, "zibo", deps, month_orders)
    t2 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    del aggregates, month_orders
    # naive baseline: every column of every part, then the same computation
    t3 = time.perf_counter()
    everything = pd.concat([pd.read_parquet(p) for p in store.parts()], ignore_index=True)
    dups = store.duplicates().set_index("order_id")["duplicate_of"]
    everything["duplicate_of"] = everything["order_id"].map(dups)
    build_summary(everything[COLUMNS], args.month, settings, "zibo", deps)
    t4 = time.perf_counter()
    print(json.dumps({
        "month": args.month,
        "load_s": round(t1 - t0, 2), "compute_s": round(t2 - t1, 2), "total_s": round(t2 - t0, 2),
        "peak_rss_gb_before_baseline": round(peak, 2),
        "baseline_s": round(t4 - t3, 2), "speedup": round((t4 - t3) / (t2 - t0), 1),
    }, indent=1))


if __name__ == "__main__":
    main()
