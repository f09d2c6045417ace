"""Benchmark: hot topics for one month on the full-scale store.

Reports the time of :func:`hotline_analysis.topics.month_topics` (load the
month, its trailing months and the month a year before; segment the month's
texts with jieba; build the issues), of the segmentation alone, and of a
cached second call; peak memory; how many issue labels fall back to a bare
keyword list (no clause of the issue's texts qualified as its phrase); and,
when the scenario's
ground_truth.json is at hand, how many planted hot topics of that month are
among the top ten issues of their department. Target (issue 6): seconds, not
minutes.

    python benchmarks/bench_topics.py [--store data/processed/zibo] [--month 2021-02]
        [--truth data/raw/zibo/ground_truth.json] [--all-units]
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import pandas as pd

from hotline_analysis import metrics as M
from hotline_analysis import paths
from hotline_analysis import topics as T
from hotline_analysis.catalog import municipal_departments
from hotline_analysis.settings import load_settings
from hotline_analysis.store import Store


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", default=str(paths.default_store()))
    ap.add_argument("--month", default="2021-02")
    ap.add_argument("--truth", default=str(paths.raw_dir() / "zibo" / "ground_truth.json"))
    ap.add_argument("--all-units", action="store_true",
                    help="every unit (district governments, utilities too), not only the municipal departments")
    args = ap.parse_args()
    settings = load_settings()
    store = Store(args.store)
    deps = sorted(municipal_departments())
    T.tokenizer()  # dictionary load (about 1 s, once per process), not counted below
    m = pd.Period(args.month, "M")
    groups = None if args.all_units else deps

    t0 = time.perf_counter()
    result = T.month_topics(store, str(m), settings, groups, cache=False)
    t1 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    texts = store.load(months=[str(m)], columns=T.COLUMNS)
    texts = M.flag_net(M.with_month(texts), settings)
    texts = texts.loc[texts["is_net_complaint"].to_numpy(dtype=bool), "content"].tolist()
    t2 = time.perf_counter()
    T.segment(texts)
    t3 = time.perf_counter()
    T.month_topics(store, str(m), settings, groups)  # writes the cache (unless there is one)
    t4 = time.perf_counter()
    T.month_topics(store, str(m), settings, groups)  # reads it
    t5 = time.perf_counter()
    out = {"month": str(m), "net_complaints_this_month (whole city)": len(texts),
           "topics_s (load, segment, issues)": round(t1 - t0, 2), "of which segmentation_s": round(t3 - t2, 2),
           "cached_s": round(t5 - t4, 2),
           "peak_rss_gb": round(peak, 2), "issues": len(result.issues), "emerging": int(result.issues.emerging.sum()),
           "labels_bare_keywords": sum(set(lab.split("：", 1)[-1].split("、")) <= set(kw)
                                       for lab, kw in zip(result.issues.label, result.issues.keywords) if len(kw))}
    truth = Path(args.truth)
    if truth.exists():
        planted = [h for h in json.loads(truth.read_text("utf-8"))["hot_topics"] if str(m) in h["months"]]
        found = 0
        for h in planted:
            top = result.top(h["department"])
            found += any(sum(any(w in e for w in h["keywords"]) for e in ex) >= 2 for ex in top.examples)
        out["planted_hot_topics_in_top_ten"] = f"{found} of {len(planted)}"
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
