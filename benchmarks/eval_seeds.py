"""Trends, surges and commendations on many unseen scenarios, and what the data allows (the oracle).

Each seed's scenario is generated and ingested beforehand (outside the
repository), e.g. for seed 101::

    hotline synth --out /tmp/seeds/s101/raw --seed 101 --quiet
    hotline ingest /tmp/seeds/s101/raw --preset zibo12345 --store /tmp/seeds/s101/store --quiet

then ``python benchmarks/eval_seeds.py /tmp/seeds/s101 /tmp/seeds/s102 ...`` (each folder holding ``raw``
and ``store``) prints per seed and overall (mean, min, max) the figures of
:func:`bench_recovery.evaluate`, for the method and for the oracle: the same
tests given the scenario's planted variance instead of the estimated one.
"""

from __future__ import annotations

import time

import pandas as pd

from bench_recovery import describe, evaluate, load_scenario, seed_folders


def row(seed: str, who: str, fig: dict) -> dict:
    """The figures of one seed as a flat row."""
    return {"seed": seed, "who": who, "falling": fig["falling"], "rising": fig["rising"],
            "false_trends": len(fig["false_trends"]),
            "surge_recall": fig["surges_found"] / max(fig["surges_planted"], 1),
            "surge_precision": fig["surges_found"] / max(fig["surges_flagged"], 1),
            "false_commendations": len(fig["false_commendations"]), "alpha": fig["alpha"]}


def main() -> None:
    folders, no_oracle, settings = seed_folders()
    rows = []
    for folder in folders:
        t0 = time.perf_counter()
        truth, vol, exposure = load_scenario(folder / "store", folder / "raw", settings)
        for who in ("method",) if no_oracle else ("method", "oracle"):
            fig = evaluate(truth, vol, exposure, settings, oracle=who == "oracle")
            rows.append(row(str(truth["seed"]), who, fig))
            print(f"seed {truth['seed']} {who}: {describe(fig)}", flush=True)
            for key in ("false_trends", "false_surges", "missed_surges", "false_commendations"):
                if fig[key]:
                    print(f"    {key}: {fig[key]}")
        print(f"    ({time.perf_counter() - t0:.0f} s)", flush=True)
    t = pd.DataFrame(rows)
    stats = t.drop(columns="seed").groupby("who").agg(["mean", "min", "max"])
    with pd.option_context("display.width", 200, "display.max_columns", 30, "display.precision", 3):
        print(f"\n{len(t.seed.unique())} seeds\n{stats.T}")


if __name__ == "__main__":
    main()
