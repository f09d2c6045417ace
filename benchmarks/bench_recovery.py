"""Full-scale check: do the trend and surge flags recover the scenario's planted truth?

For every report month from 2020-06 on: the departments flagged falling and
rising against the planted trends, and false trends (a flat department
flagged, or a flag against the planted direction); then the surges found over
all months against the planted ones; and the commendation candidates each
month against the planted trends. :func:`evaluate` is shared with
``eval_seeds.py`` (many seeds, and the oracle given the planted variance).

    python benchmarks/bench_recovery.py [--store data/processed/zibo] [--raw data/raw/zibo]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from hotline_analysis import count_models as CM
from hotline_analysis import flags as FL
from hotline_analysis import metrics as M
from hotline_analysis import paths
from hotline_analysis.reviews import store_history
from hotline_analysis.settings import Settings, load_settings
from hotline_analysis.store import Store

WRONG = {"flat": {"falling", "rising"}, "falling": {"rising"}, "rising": {"falling"}}
#: NB2 alpha of the scenario's month-to-month noise: a gamma factor with CV 0.06 (synth.orders.generate_records).
PLANTED_ALPHA = 0.06 ** 2


def load_scenario(store: str | Path, raw: str | Path, settings: Settings) -> tuple[dict, pd.DataFrame, pd.Series]:
    """(ground truth, net complaints per planted department and month, the city's orders per month)."""
    truth = json.loads((Path(raw) / "ground_truth.json").read_text("utf-8"))
    history = M.flag_net(store_history(Store(store)), settings)
    exposure = pd.Series(M.weights(history), index=history.index).groupby(history[M.MONTH]).sum()
    names = [d["name"] for d in truth["departments"]]
    return truth, M.monthly_volume(history[history.department.isin(names).to_numpy()], settings), exposure


def seed_folders() -> tuple[list[Path], bool, Settings]:
    """The seed folders named on the command line (each with ``raw/`` and ``store/``), whether the oracle is left
    out (``--no-oracle``) and the settings."""
    ap = argparse.ArgumentParser()
    ap.add_argument("folders", nargs="+", help="one folder per seed, with raw/ and store/")
    ap.add_argument("--no-oracle", action="store_true", help="(eval_seeds.py) the method only")
    args = ap.parse_args()
    return [Path(f) for f in args.folders], args.no_oracle, load_settings()


def oracle_dispersion(disp: CM.Dispersion) -> CM.Dispersion:
    """``disp`` with the planted variance: the scenario's alpha and no department noisier than another."""
    return CM.Dispersion(PLANTED_ALPHA, pd.Series(dtype=float), 1.0, np.inf, disp.surges)


def evaluate(truth: dict, vol: pd.DataFrame, exposure: pd.Series, settings: Settings,
             oracle: bool = False) -> dict:
    """Trend, surge and commendation figures against the planted truth (``oracle``: given the planted
    variance). Keys: falling, falling_planted, rising, rising_planted (at the last month), false_trends
    (month, department, direction), surges_found, surges_planted, surges_flagged, false_surges,
    false_commendations (month, department, planted trend), alpha."""
    planted = {d["name"]: d["trend"] for d in truth["departments"]}
    false, y, disp = [], None, None
    for m in pd.period_range("2020-06", truth["end"], freq="M"):
        disp = CM.dispersion(vol, m, exposure=exposure)
        disp = oracle_dispersion(disp) if oracle else disp
        y = CM.trend_scan(vol, m, list(settings.trend.windows), alpha=settings.trend.alpha, exposure=exposure,
                          disp=disp, outlier_level=settings.trend.outlier_level,
                          baseline_level=settings.trend.baseline_outlier_level,
                          recent=settings.flags.surge.recent_months,
                          max_history=settings.trend.history_months, ramps=list(settings.trend.ramps))
        false += [(str(m), d, x) for d, x in zip(y.department, y.direction) if x in WRONG[planted[d]]]
    fig = {f"{k}_planted": list(planted.values()).count(k) for k in ("falling", "rising")}
    fig.update({k: sum(planted[d] == k == x for d, x in zip(y.department, y.direction)) for k in ("falling", "rising")})
    found, commended = set(), []
    for m in pd.period_range("2020-01", truth["end"], freq="M"):
        disp = CM.dispersion(vol, m, exposure=exposure)
        disp = oracle_dispersion(disp) if oracle else disp
        f = FL.surge_flags(vol, m, settings, exposure=exposure, disp=disp)
        found |= {(d, str(m)) for d in f.loc[f.surge, "department"]}
        if m >= pd.Period("2020-06", "M"):
            c = FL.commendations(vol, m, settings, exposure=exposure, disp=disp)
            commended += [(str(m), d, planted[d]) for d in c.loc[c.candidate, "department"] if planted[d] != "falling"]
    surges = {(s["department"], s["month"]) for s in truth["surges"]}
    fig.update(false_trends=false, surges_found=len(found & surges), surges_planted=len(surges),
               surges_flagged=len(found), false_surges=sorted(found - surges), missed_surges=sorted(surges - found),
               false_commendations=commended, alpha=disp.alpha)
    return fig


def describe(fig: dict) -> str:
    """One line of :func:`evaluate`'s figures."""
    recall = fig["surges_found"] / max(fig["surges_planted"], 1)
    precision = fig["surges_found"] / max(fig["surges_flagged"], 1)
    return (f"falling {fig['falling']}/{fig['falling_planted']}, rising {fig['rising']}/{fig['rising_planted']}, "
            f"false trends {len(fig['false_trends'])}, surges recall {recall:.2f} precision {precision:.2f} "
            f"({fig['surges_found']} of {fig['surges_planted']}, {fig['surges_flagged']} flagged), "
            f"commendations not planted falling {len(fig['false_commendations'])}, alpha {fig['alpha']:.4f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", default=str(paths.default_store()))
    ap.add_argument("--raw", default=str(paths.raw_dir() / "zibo"))
    args = ap.parse_args()
    settings = load_settings()
    t0 = time.perf_counter()
    truth, vol, exposure = load_scenario(args.store, args.raw, settings)
    fig = evaluate(truth, vol, exposure, settings)
    print(f"{describe(fig)} ({time.perf_counter() - t0:.1f} s)")
    for key in ("false_trends", "false_surges", "missed_surges", "false_commendations"):
        print(f"  {key}: {fig[key]}")


if __name__ == "__main__":
    main()
