"""The ground truth of a generated scenario, as ``ground_truth.json`` carries it."""

from __future__ import annotations

import pandas as pd

from .plan import Plan, ScenarioConfig


def ground_truth(plan: Plan, config: ScenarioConfig, orders: pd.DataFrame) -> dict:
    """Planted effects per department, surges, shifts, look-back, hot topics, counts and PII canaries."""
    units = plan.units
    hot = []
    for t, months in plan.hot_months.items():
        h = plan.topics.hot[t]
        hot.append({"department": units.names[plan.topics.unit[t]], "topic": h["topic"], "keywords": h["keywords"],
                    "months": months})
    deps = [{"name": units.names[i], "aliases": units.aliases[i], "trend": plan.trend[i],
             "reviewed_2020": bool(plan.reviewed[i]), "supervised_months": plan.supervised.get(i, [])}
            for i in range(units.n_departments)]
    return {
        "scenario": "zibo", "seed": config.seed, "start": config.start, "end": config.end, "scale": config.scale,
        "departments": deps, "surges": plan.surges, "satisfaction_shifts": plan.sat_shifts,
        "lookback": plan.lookback, "hot_topics": hot,
        "counts": {
            "records": int(len(orders)),
            "duplicates": int(orders.duplicate_of.notna().sum()),
            "invalid": int((~orders.is_valid).sum()),
            "unreasonable": int((orders.is_reasonable == False).sum()),  # noqa: E712
        },
        "pii_canaries": orders.attrs["pii_canaries"],
    }
