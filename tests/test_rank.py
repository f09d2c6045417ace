"""Rankings and review candidates on hand-made tables."""

from __future__ import annotations

import pytest

from hotline_analysis import rank as R
from hotline_analysis.settings import load_settings

from .test_count_models import table

SETTINGS = load_settings()


def test_rank_month_with_ties_and_rank_change():
    t = table({"A": [10, 50], "B": [30, 50], "C": [20, 5]})
    r = R.rank_month(t, "2019-02").set_index("department")
    assert r["rank"].to_dict() == {"A": 1, "B": 1, "C": 3}            # ties share the best rank
    assert r["rank_prev_month"].to_dict() == {"A": 3, "B": 1, "C": 2}
    assert r["rank_change"].to_dict() == {"A": 2, "B": 0, "C": -1}    # positive = moved towards rank 1


def test_review_candidates_top_n_plus_significant_risers():
    settings = SETTINGS.overlay({"ranking": {"review_top_n": 2}})
    t = table({"big1": [100] * 24, "big2": [90] * 24, "mid": [40] * 24,
               "riser": [10] * 12 + [20] * 12, "small": [5] * 24})
    out = R.review_candidates(t, 2020, settings).set_index("department")
    assert out.loc["big1", "annual"] == 1200 and out.loc["riser", "previous"] == 120
    assert out.loc["riser", "change_pct"] == pytest.approx(100.0)
    assert set(out.index[out.candidate]) == {"big1", "big2", "riser"}
    assert out.loc["riser", "significant_rise"] and not out.loc["mid", "significant_rise"]
