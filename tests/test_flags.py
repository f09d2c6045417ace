"""Flags on hand-made tables: surges and commendations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest

from hotline_analysis import flags as FL
from hotline_analysis.settings import load_settings

from .test_count_models import table

SETTINGS = load_settings()


def test_commendation_candidates_hand_worked():
    """Three months against the same three a year earlier, relative to the city's volume (hand-worked)."""
    import pandas as pd

    base = [100] * 12
    t = table({"fell": base + [60] * 3, "like_city": base + [80] * 3, "same": base + [100] * 3,
               "small": [3] * 12 + [1] * 3})
    months = pd.period_range(t.month.min(), t.month.max(), freq="M")
    city = pd.Series([1000.0] * 12 + [800.0] * 3, index=months)  # the whole city fell 20% (a holiday, say)
    out = FL.commendations(t, months[-1], SETTINGS, exposure=city).set_index("department")
    # exact conditional test of 180 against 300 when the city's ratio is 0.8: 180 of 480 under p = 0.8 / 1.8
    assert out.loc["fell", "p_value"] == pytest.approx(binomtest(180, 480, 0.8 / 1.8).pvalue)
    assert out.loc["fell", "relative_ratio"] == pytest.approx(0.6 / 0.8)
    assert out.loc["fell", "candidate"] and out.loc["fell", "direction"] == "falling"
    assert not out.loc["like_city", "candidate"]  # fell exactly as the city did: nothing to commend
    assert out.loc["like_city", "p_value"] == pytest.approx(1.0)
    assert not out.loc["same", "candidate"] and not out.loc["small", "candidate"]
    without_city = FL.commendations(t, months[-1], SETTINGS).set_index("department")
    assert without_city.loc["like_city", "candidate"]  # against 1, a 20% fall is a fall


def test_surge_needs_both_size_and_improbability():
    rng = np.random.default_rng(0)
    steady = list(rng.poisson(200, 24))
    t = table({"large": steady + [300], "tiny": list(rng.poisson(4, 24)) + [9], "mild": steady + [225]})
    f = FL.surge_flags(t, "2021-01", SETTINGS).set_index("department")
    assert f.loc["large", "surge"]                         # +50% on ~200: far beyond the bound
    assert not f.loc["tiny", "surge"]                      # +125% but 9 is not improbable for a mean of 4
    assert not f.loc["mild", "surge"]                      # +12%: below the size threshold
    short = FL.surge_flags(table({"new": [50] * 6 + [200]}), "2019-07", SETTINGS)
    assert not short.surge.iloc[0] and np.isnan(short.expected.iloc[0])  # too little history to judge
