"""Calibrated synthetic "Zibo" 12345 scenario with known ground truth.

The scenario reproduces what the city's platform would export for the 37
municipal departments, district governments and utilities, at about 4,000
work orders a day, and plants the effects the supervision practice looks for
(falling trends after the 2020-07-31 resolution, the 6 reviewed departments
falling about 9% year over year, surges, satisfaction shifts, look-back
effects, hot topics), together with the data problems of a real export
(alias spellings, repeat calls, invalid calls, unreasonable requests,
personal data, mixed date formats, malformed rows).

:func:`generate` builds the scenario in memory; :func:`write_export` writes the
monthly raw files, ``ground_truth.json`` and ``truth.parquet``.

The steps, one module each, in the order they run (each on its own random
stream from the seed, so the same seed gives the same files):

- :mod:`.plan`: department profiles, expected volumes and planted effects
  (on :mod:`.calendar`, :mod:`.units`);
- :mod:`.orders`: the records: unit, request type (:mod:`.request_types`),
  time, topic, validity, reasonableness, repeat calls;
- :mod:`.finish`: ids, districts, texts (:mod:`.texts`), callers and their
  personal data, departments as spelled, handling, call-back survey;
- :mod:`.truth`: the ground truth;
- :mod:`.export`: the platform's files.

Examples
--------
>>> sc = generate(ScenarioConfig(start="2020-01", end="2020-02", scale=0.01, seed=1))
>>> sc.truth["counts"]["records"] == len(sc.orders)
True
"""

from .export import export_table, write_export
from .plan import Plan, ScenarioConfig, make_plan
from .request_types import RequestType
from .scenario import Scenario, generate
from .texts import id_number

__all__ = ["Plan", "RequestType", "Scenario", "ScenarioConfig", "export_table", "generate", "id_number", "make_plan",
           "write_export"]
