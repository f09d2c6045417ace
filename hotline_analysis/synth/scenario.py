"""A generated scenario and the steps that generate it."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from tqdm.auto import tqdm

from .finish import finish_orders
from .orders import generate_records
from .plan import Plan, ScenarioConfig, make_plan
from .truth import ground_truth


@dataclass
class Scenario:
    """A generated scenario: rich order frame (export values plus hidden truth), truth dict, plan."""

    config: ScenarioConfig
    orders: pd.DataFrame
    truth: dict
    plan: Plan


def generate(config: ScenarioConfig = ScenarioConfig(), progress: bool = False) -> Scenario:
    """Generate the scenario in memory.

    Returns a :class:`Scenario` whose ``orders`` frame has one row per work
    order with the export's fields (canonical names, English enum values), the
    caller's phone and name, and hidden truth columns (``topic``, ``unit``,
    ``duplicate_of``, ``is_valid``, ``is_reasonable``).
    """
    config.validate()
    steps = tqdm(total=3, desc="synth", disable=not progress)
    plan = make_plan(config)
    records = generate_records(plan, config)
    steps.update()
    orders = finish_orders(records, plan, config)
    steps.update()
    truth = ground_truth(plan, config, orders)
    steps.update()
    steps.close()
    return Scenario(config=config, orders=orders, truth=truth, plan=plan)
