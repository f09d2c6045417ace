"""Benchmark: `hotline summary` for one month on the full-scale store.

Reports the time to build the month result from the store (its aggregate
table and the month's own rows; topics as categories, so the texts' topic
extraction, benchmarked in bench_topics.py, is left out) and write
summary.json, peak memory, and the ratio to a naive baseline that reads the
whole store (every column) with pandas and computes the same net-complaint
table.
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
from hotline_analysis import metrics as M
from hotline_analysis.month import MonthReport
from hotline_analysis.settings import load_settings
from hotline_analysis.store import Store


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", default=str(paths.default_store()))
    ap.add_argument("--month", default="2020-12")
    args = ap.parse_args()
    settings = load_settings()
    store = Store(args.store)
    t0 = time.perf_counter()
    report = MonthReport.build(store, args.month, settings, topics="categories")
    report.to_json()
    t1 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    # naive baseline: every column of every part, then the month's net complaints per department
    t2 = time.perf_counter()
    everything = pd.concat([pd.read_parquet(p) for p in store.parts()], ignore_index=True)
    dups = store.duplicates().set_index("order_id")["duplicate_of"]
    everything["duplicate_of"] = everything["order_id"].map(dups)
    vol = M.monthly_volume(M.with_month(everything[everything.department.isin(report.supervised)]), settings)
    t3 = time.perf_counter()
    assert (vol[vol.month == pd.Period(args.month, "M")].set_index("department").net_complaints
            .reindex(report.supervised).fillna(0).astype(int).tolist() == report.departments.net_complaints.tolist())
    print(json.dumps({
        "month": args.month, "build_and_summary_s": round(t1 - t0, 2), "peak_rss_gb_before_baseline": round(peak, 2),
        "baseline_s": round(t3 - t2, 2), "speedup": round((t3 - t2) / (t1 - t0), 1),
    }, indent=1))


if __name__ == "__main__":
    main()
