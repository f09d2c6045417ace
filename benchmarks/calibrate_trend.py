"""Is the trend test's p-value right when nothing changes? Simulated flat departments, the planted variance.

Each simulated department has a level drawn log-uniformly from 25 to 300 net
complaints a month, a cosine season (amplitude 0.04-0.25, random peak) and the
scenario's month-to-month noise (gamma factor with CV 0.06, then Poisson:
NB2 alpha 0.0036, synth.orders.generate_records), 26 months from 2019-01;
:func:`hotline_analysis.count_models.level_shift` with the configured
windows and ramps and the true alpha tests a report month drawn from
2020-06..2021-02. Printed: the share of p-values below 0.05, 0.02, 0.01 and
0.001 (a calibrated test gives about those shares), overall and for the
departments under 60 a month.

    python benchmarks/calibrate_trend.py [--n 1500] [--seed 1]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from hotline_analysis import count_models as CM
from hotline_analysis.settings import load_settings

ALPHA = 0.06 ** 2


def simulate(n: int, seed: int) -> pd.DataFrame:
    """``n`` flat departments' level and p-value."""
    settings = load_settings()
    rng = np.random.default_rng(seed)
    months = pd.period_range("2019-01", periods=26, freq="M")
    rows = []
    for _ in range(n):
        level = float(np.exp(rng.uniform(np.log(25), np.log(300))))
        season = 1 + rng.uniform(0.04, 0.25) * np.cos(2 * np.pi * (months.month.to_numpy() - rng.integers(1, 13)) / 12)
        counts = rng.poisson(level * season * rng.gamma(1 / ALPHA, ALPHA, len(months)))
        month = months[int(rng.integers(17, 26))]
        r = CM.level_shift(pd.Series(counts.astype(float), index=months), month, list(settings.trend.windows),
                           alpha=ALPHA, ramps=list(settings.trend.ramps),
                           baseline_level=settings.trend.baseline_outlier_level)
        rows.append((level, r["p_value"] if r else np.nan))
    return pd.DataFrame(rows, columns=["level", "p_value"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    t0 = time.perf_counter()
    sim = simulate(args.n, args.seed)
    for a in (0.05, 0.02, 0.01, 0.001):
        small = sim[sim.level < 60]
        print(f"p < {a}: {(sim.p_value < a).mean():.4f} of {len(sim)}; under 60 a month "
              f"{(small.p_value < a).mean():.4f} of {len(small)}")
    print(f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
