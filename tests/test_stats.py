"""Statistics against reference outputs: pymannkendall's published results, the Sicily ITS tutorial."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hotline_analysis import stats as ST

from .conftest import external


def test_seasonal_mann_kendall_air_passengers():
    """pymannkendall example notebook: seasonal_test(AirPassengers, period=12)."""
    x = pd.read_csv(external("pymannkendall", "AirPassengers.csv"))["#Passengers"]
    r = ST.trend_test(x, period=12)
    assert r.trend == "rising"
    assert r.z == pytest.approx(15.50571052301472)
    assert r.tau == pytest.approx(0.98989898989899)
    assert r.slope_per_year == pytest.approx(30.23611111111111)


def test_seasonal_mann_kendall_bogra_rainfall():
    """pymannkendall unit tests: seasonal_test(Bogra, period=12) -> decreasing, p=0.03263834596177739;
    the slope is the current (HEAD) seasonal_sens_slope value, which changed NaN handling since 2019."""
    x = pd.read_csv(external("pymannkendall", "monthly_rainfall_bangladesh.csv"))["Bogra"]
    r = ST.trend_test(x, period=12)
    assert r.trend == "falling"
    assert r.p_value == pytest.approx(0.03263834596177739)
    assert r.z == pytest.approx(-2.136504114534638)
    assert r.slope_per_year == pytest.approx(-0.08695652173913043)
    assert "falling" in r.summary() and len(r.to_frame()) == 1


@pytest.fixture(scope="module")
def sicily() -> pd.DataFrame:
    return pd.read_csv(external("sicily_its", "sicily.csv"))


@pytest.mark.parametrize("seasonal, slope, rr, lo, hi, disp", [
    # values recomputed in the data's SOURCE.md from the tutorial's model definitions (quasi-Poisson CIs)
    (False, False, 0.8944, 0.8392, 0.9532, 3.5592),
    (True, False, 0.8851, 0.8394, 0.9332, 2.2622),
    (True, True, 0.8765, 0.8268, 0.9292, 2.2746),
])
def test_sicily_its_reproduces_the_tutorial(sicily, seasonal, slope, rr, lo, hi, disp):
    r = ST.its(sicily.aces, sicily.smokban, sicily.month, offset=sicily.stdpop, seasonal=seasonal, slope_change=slope)
    assert r.rate_ratio == pytest.approx(rr, abs=5e-5)
    assert (r.ci_low, r.ci_high) == (pytest.approx(lo, abs=5e-5), pytest.approx(hi, abs=5e-5))
    assert r.dispersion == pytest.approx(disp, abs=5e-4)
    assert (r.n_pre, r.n_post) == (36, 23)


def test_sicily_poisson_interval(sicily):
    r = ST.its(sicily.aces, sicily.smokban, offset=sicily.stdpop, seasonal=False, quasi=False)
    assert (r.ci_low, r.ci_high) == (pytest.approx(0.8647, abs=5e-5), pytest.approx(0.9251, abs=5e-5))


def test_satisfaction_shift_tests():
    big = ST.satisfaction_shift(280, 300, 299, 300)        # a 6-point drop on 300 surveys
    assert big.test == "z" and big.p_value < 1e-4 and big.delta_pp == pytest.approx(-100 * 19 / 300)
    assert big.ci_low_pp < big.delta_pp < big.ci_high_pp < 0
    small = ST.satisfaction_shift(19, 20, 20, 20)          # expected failures < 5: exact test
    assert small.test == "fisher" and small.p_value == pytest.approx(1.0)
    none = ST.satisfaction_shift(0, 0, 5, 5)
    assert np.isnan(none.delta_pp) and none.test == "none"


def test_rate_ratio_and_bh():
    # conditional test: 30 vs 10 events -> Binomial(40, 0.5) two-sided
    from scipy.stats import binom
    assert ST.rate_ratio_test(30, 10) == pytest.approx(2 * binom.cdf(10, 40, 0.5))
    reject, q = ST.bh_adjust([0.01, 0.04, 0.03, np.nan, 0.5])
    assert reject.tolist() == [True, False, False, False, False]
    assert q[0] == pytest.approx(0.04) and np.isnan(q[3])


def test_did_recovers_a_planted_effect():
    rng = np.random.default_rng(3)
    months = pd.period_range("2020-01", "2020-12", freq="M")
    rows = []
    for u in range(12):
        base = rng.uniform(50, 150)
        for m in months:
            effect = 0.7 if (u < 4 and m >= pd.Period("2020-07", "M")) else 1.0
            rows.append((f"u{u}", m, rng.poisson(base * effect * (1 + 0.1 * (m.month % 3)))))
    panel = pd.DataFrame(rows, columns=["department", "month", "net_complaints"])
    r = ST.did(panel, ["u0", "u1", "u2", "u3"], pd.Period("2020-07", "M"))
    assert r.ci_low < 0.7 < r.ci_high and r.p_value < 0.001
    assert (r.n_treated, r.n_control) == (4, 8)
    assert not r.parallel_trends_doubtful and 0.97 < r.pretrend_rr < 1.03


def test_did_warns_when_comparison_units_drift_apart_before():
    # treated units flat, comparison units falling 8% a month all year: the DiD "effect" is the drift
    rng = np.random.default_rng(5)
    months = pd.period_range("2020-01", "2020-12", freq="M")
    rows = [(f"u{u}", m, rng.poisson(200 * (0.92 ** i if u >= 4 else 1.0)))
            for u in range(12) for i, m in enumerate(months)]
    panel = pd.DataFrame(rows, columns=["department", "month", "net_complaints"])
    r = ST.did(panel, ["u0", "u1", "u2", "u3"], pd.Period("2020-07", "M"))
    assert r.parallel_trends_doubtful and r.pretrend_rr == pytest.approx(1 / 0.92, rel=0.02)
    assert "parallel trends doubtful" in r.summary()


def test_its_interval_is_never_narrower_than_poisson():
    # 14 months of exactly 10 then 6 of exactly 5: a quasi-Poisson scale near 0 would claim a ratio of 0.5 to
    # within a percent; the Poisson interval from 140 against 30 complaints is log(0.5) +- 1.96 sqrt(1/140 + 1/30)
    y = pd.Series([10.0] * 14 + [5.0] * 6)
    post = pd.Series([0] * 14 + [1] * 6)
    r = ST.its(y, post, seasonal=False)
    assert r.dispersion < 1e-6 and r.rate_ratio == pytest.approx(0.5, abs=1e-6)
    half = 1.959964 * np.sqrt(1 / 140 + 1 / 30)  # the trend term only widens it
    assert np.log(r.ci_high / r.ci_low) / 2 >= half * 0.99
