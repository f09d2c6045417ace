"""An English-named export for tests (issue 15): a city's service requests, written by :func:`write_export`.

A few hundred rows from 2022-01 to 2023-03-10 (the last month partial), unit
names in English with spaces, commas and variant spellings, no request type,
caller, text or satisfaction; its preset and alias table are in
``tests/fixtures/english_city/``.  Every count a test needs is computed from
the written CSV with plain pandas, never by the package.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

FIXTURE = Path(__file__).parent / "fixtures" / "english_city"
PRESET = FIXTURE / "preset.yaml"
#: Exported spellings of the units (the alias table maps them to names).
SPELLINGS = ["BUILDING DIV, PERMITS", "Building Div., Permits", "Parks & Recreation", "PUBLIC WORKS, STREETS",
             "Public Works - Streets", "City Water Utility"]
SOURCES = ["Phone", "Web", "App", "Walk-in"]
WARDS = ["Ward 1, North", "Ward 2, South", "Ward 3"]
CATEGORIES = ["Noise", "Street Light Out", "Permit Delay", "Pothole", "Tree Down"]


def write_export(folder: Path, n: int = 400, seed: int = 15) -> Path:
    """Write ``service_requests.csv`` (UTF-8, US dates with AM/PM) into ``folder`` and return its path."""
    rng = np.random.default_rng(seed)
    start, end = pd.Timestamp("2022-01-01"), pd.Timestamp("2023-03-10 18:00")
    seconds = np.sort(rng.integers(0, int((end - start).total_seconds()), n))
    opened = start + pd.to_timedelta(seconds, unit="s")
    closed = opened + pd.to_timedelta(rng.integers(3600, 20 * 86400, n), unit="s")
    closed = pd.Series(closed).where(rng.random(n) > 0.1)  # some still open: no closing time
    df = pd.DataFrame({
        "Request ID": [f"SR-{i:05d}" for i in range(1, n + 1)],
        "Opened": opened.strftime("%m/%d/%Y %I:%M:%S %p"),
        "Closed": closed.dt.strftime("%m/%d/%Y %I:%M:%S %p").fillna(""),
        "Source": rng.choice(SOURCES, n, p=[0.5, 0.3, 0.15, 0.05]),
        "Request Category": rng.choice(CATEGORIES, n),
        "Ward": rng.choice(WARDS, n),
        "Responsible Unit": rng.choice(SPELLINGS, n, p=[0.25, 0.1, 0.2, 0.2, 0.1, 0.15]),
    })
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "service_requests.csv"
    df.to_csv(path, index=False, encoding="utf-8")
    return path
