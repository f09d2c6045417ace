"""Flags on hand-made tables: surges and commendations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest

from hotline_analysis import flags as FL
from hotline_analysis.settings import load_settings

from .test_count_models import table

SETTINGS = load_settings()


def test_yoy_test_and_commendations_hand_worked():
    base = [100] * 12
    t = table({"fell": base + [60], "same": base + [100], "small": [3] * 12 + [1]})
    out = FL.commendations(t, "2020-01", SETTINGS).set_index("department")
    # exact conditional test: 60 of 160 events in the current month under p = 1/2
    assert out.loc["fell", "p_value"] == pytest.approx(binomtest(60, 160, 0.5).pvalue)
    assert out.loc["fell", "commend"] and not out.loc["same", "commend"] and not out.loc["small", "commend"]
    assert out.loc["fell", "direction"] == "falling"


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
