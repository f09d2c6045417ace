"""Full-scale check: do the trend and surge flags recover the scenario's planted truth?

For every report month from 2020-06 on: the departments flagged falling and
rising against the planted trends, and false trends (a flat department
flagged, or a flag against the planted direction); then the surges found over
all months against the planted ones; and the departments commended each
month (the month result's verdict, at most five) against the planted trends.

    python benchmarks/bench_recovery.py [--store data/processed/zibo] [--raw data/raw/zibo]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd

from hotline_analysis import count_models as CM
from hotline_analysis import flags as FL
from hotline_analysis import metrics as M
from hotline_analysis import paths
from hotline_analysis.month import MonthReport
from hotline_analysis.settings import load_settings
from hotline_analysis.store import Store

WRONG = {"flat": {"falling", "rising"}, "falling": {"rising"}, "rising": {"falling"}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", default=str(paths.default_store()))
    ap.add_argument("--raw", default=str(paths.raw_dir() / "zibo"))
    args = ap.parse_args()
    settings = load_settings()
    truth = json.loads((Path(args.raw) / "ground_truth.json").read_text("utf-8"))
    planted = {d["name"]: d["trend"] for d in truth["departments"]}
    t0 = time.perf_counter()
    df = Store(args.store).load(columns=["order_id", "received_at", "department", "request_type", "is_valid",
                                         "is_reasonable", "status", "duplicate_of"])
    exposure = df.groupby(df.received_at.dt.to_period("M")).size()
    vol = M.monthly_volume(df[df.department.isin(list(planted))], settings)
    print(f"loaded in {time.perf_counter() - t0:.1f} s")
    for m in pd.period_range("2020-06", truth["end"], freq="M"):
        disp = CM.dispersion(vol, m, exposure=exposure)
        y = CM.trend_scan(vol, m, list(settings.trend.windows), alpha=settings.trend.alpha, disp=disp)
        hit = {k: sum(planted[d] == k == x for d, x in zip(y.department, y.direction)) for k in ("falling", "rising")}
        false = [(d, x) for d, x in zip(y.department, y.direction) if x in WRONG[planted[d]]]
        print(f"{m}: falling {hit['falling']}/{list(planted.values()).count('falling')}, "
              f"rising {hit['rising']}/{list(planted.values()).count('rising')}, false {false}; {disp.summary()}")
    found = set()
    for m in pd.period_range("2020-01", truth["end"], freq="M"):
        f = FL.surge_flags(vol, m, settings, exposure=exposure)
        found |= {(d, str(m)) for d in f.loc[f.surge, "department"]}
    surges = {(s["department"], s["month"]) for s in truth["surges"]}
    print(f"surges: {len(found & surges)} of {len(surges)} planted found, {len(found)} flagged")
    for m in pd.period_range("2020-06", truth["end"], freq="M"):
        commended = MonthReport.build(args.store, m, settings, topics="categories").flagged("commend")
        print(f"{m}: commended {len(commended)}, planted trends {[planted[d] for d in commended]}")


if __name__ == "__main__":
    main()
