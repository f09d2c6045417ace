"""Shared fixtures: small synthetic scenarios, generated once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# A fixed pseudonym key for tests: never the user's key file.
os.environ.setdefault("HOTLINE_PSEUDONYM_KEY", "hotline-analysis-tests")

from hotline_analysis.synth import ScenarioConfig, generate, write_export

SHARED = Path(os.environ.get("HOTLINE_SHARED", Path(__file__).resolve().parents[2] / "shared"))
EXTERNAL = SHARED / "data" / "external"

#: The scenario most tests use: the full default period at 2% of the volume.
SMALL = ScenarioConfig(scale=0.02, seed=7)


@pytest.fixture(scope="session")
def small_scenario():
    return generate(SMALL)


@pytest.fixture(scope="session")
def small_export(small_scenario, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("zibo_small")
    write_export(small_scenario, out, progress=False)
    return out


@pytest.fixture(scope="session")
def small_store(small_export, tmp_path_factory):
    """The small scenario ingested: (Store, ledger)."""
    import pandas as pd

    from hotline_analysis.ingest.pipeline import ingest
    from hotline_analysis.ingest.presets import load_preset
    from hotline_analysis.store import Store

    root = tmp_path_factory.mktemp("store")
    led = ingest([small_export], load_preset("zibo12345"), root, progress=False, now=pd.Timestamp("2021-03-05"))
    return Store(root), led


def external(*parts: str) -> Path:
    """Path of a file under shared/data/external; skips the test where the folder is absent."""
    p = EXTERNAL.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"external data not available: {p.name}")
    return p
