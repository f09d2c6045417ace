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
        "handling": handling_truth(plan, orders),
    }


def handling_truth(plan: Plan, orders: pd.DataFrame) -> dict:
    """The planted handling differences, and the backlog month's dispatched orders a unit still held at its end
    (status open or closed, not closed by then) and those of them past their due time."""
    h = plan.handling
    end = h.backlog_month.end_time.normalize() + pd.Timedelta(days=1)
    d = orders[(orders.unit >= 0) & (orders.received < end) & orders.status.isin(["open", "closed"])]
    still_open = (d.closed_at >= end) | (d.status == "open")
    names = plan.units.names
    return {
        "slow_departments": [names[i] for i in h.slow], "slow_on_time": float(plan.on_time[h.slow[0]]),
        "reassigning_department": names[h.reassigning],
        "backlog": {"month": str(h.backlog_month), "open_at_month_end": int(still_open.sum()),
                    "overdue_at_month_end": int((still_open & (d.due_at < end)).sum())},
    }
