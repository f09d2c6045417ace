"""Count models on hand-made tables: expected counts, dispersion, year-over-year tests and trends."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from hotline_analysis import count_models as CM


def table(values: dict[str, list[int]], start: str = "2019-01") -> pd.DataFrame:
    rows = []
    for dep, counts in values.items():
        for m, c in zip(pd.period_range(start, periods=len(counts), freq="M"), counts):
            rows.append((dep, m, c))
    return pd.DataFrame(rows, columns=["department", "month", "net_complaints"])


def nb_months(rng, mean: float, alpha: float, n: int) -> list[int]:
    """Negative-binomial months with variance mean (1 + alpha mean)."""
    return list(rng.negative_binomial(1 / alpha, 1 / (1 + alpha * mean), n))


def test_level_shift_by_hand():
    # 24 months of exactly 100 then 60: the baseline fits exactly (log 100, harmonics 0), so b = log(60 / 100).
    # Over two whole years the two harmonics' four columns are orthogonal to the constant, each with sum of
    # squares 12, so with Poisson variance the earlier level predicted for the window month has variance
    # 1/2400 + (sin^2 + cos^2 + sin^2 + cos^2) / 1200 = 1/2400 + 2/1200, and the window month's own count 1/60
    s = pd.Series([100.0] * 24 + [60.0], index=pd.period_range("2019-01", periods=25, freq="M"))
    r = CM.level_shift(s, pd.Period("2021-01", "M"), [1])
    z = np.log(0.6) / np.sqrt(1 / 60 + 1 / 2400 + 2 / 1200)
    assert r["window"] == 1 and r["ratio"] == pytest.approx(0.6, rel=1e-6)
    assert r["current"] == 60 and r["base"] == pytest.approx(100.0, rel=1e-6)
    assert r["z"] == pytest.approx(z, rel=1e-4) and r["p_value"] == pytest.approx(2 * norm.sf(abs(z)), rel=1e-3)
    # negative-binomial variance: each month's count varies by mu (1 + alpha mu), and a scale multiplies it
    nb = CM.level_shift(s, pd.Period("2021-01", "M"), [1], alpha=0.01, scale=1.5)
    # (IRLS weights mu / (1 + alpha mu): 60 / 1.6 in the window, 100 / 2 before it)
    var = 1.5 * (1.6 / 60 + 2 / 2400 + 2 * 2 / 1200)
    assert nb["z"] == pytest.approx(np.log(0.6) / np.sqrt(var), rel=1e-4)


def test_one_odd_month_before_the_windows_does_not_set_the_earlier_level():
    """23 months of exactly 100 but one of 300 (2019-03, before every window), then a window month of 100.
    Kept, the 300 lifts the earlier level's fit (its constant to about log(2500 / 24) and the March harmonic), so
    the window reads as a fall; left out (its Pearson residual far beyond the 99.9% bound), the other 23 months
    fit exactly and the window's ratio is 1 with z = 0."""
    y = [100.0] * 25
    y[2] = 300.0
    s = pd.Series(y, index=pd.period_range("2019-01", periods=25, freq="M"))
    month = pd.Period("2021-01", "M")
    kept = CM.level_shift(s, month, [1])
    left = CM.level_shift(s, month, [1], baseline_level=0.999)
    assert kept["ratio"] < 0.97 and kept["z"] < 0
    assert left["ratio"] == pytest.approx(1.0, abs=1e-6) and left["z"] == pytest.approx(0.0, abs=1e-4)
    assert left["base"] == pytest.approx(100.0, rel=1e-6)
    # a month inside a window is never left out this way: a window of 12 reaches back to 2020-02, and 2019-03 is
    # still before it; moved into the window (2020-06), the odd month stays and is the window's to judge
    y[2], y[17] = 100.0, 300.0
    inside = CM.level_shift(pd.Series(y, index=s.index), month, [1, 12], baseline_level=0.999)
    assert inside["window"] == 12 and inside["z"] > 0


def test_level_shift_baseline_with_season_by_hand():
    # 17 months of 100 then 60: the baseline is not whole years, so the first harmonic's estimates are
    # correlated with the level; the prediction variance at the window month from the baseline design
    months = pd.period_range("2020-01", periods=18, freq="M")
    s = pd.Series([100.0] * 17 + [60.0], index=months)
    X = np.column_stack([np.ones(17), np.sin(2 * np.pi * months.month[:17] / 12), np.cos(2 * np.pi * months.month[:17] / 12)])
    x0 = np.array([1, np.sin(2 * np.pi * 6 / 12), np.cos(2 * np.pi * 6 / 12)])
    var = 1 / 60 + x0 @ np.linalg.inv(100 * X.T @ X) @ x0
    r = CM.level_shift(s, pd.Period("2021-06", "M"), [1])
    assert r["z"] == pytest.approx(np.log(0.6) / np.sqrt(var), rel=1e-4)


def test_ramp_by_hand():
    # 24 months of exactly 100, then six months falling by 10% a month: the ramp 1..6 fits exactly, b = log 0.9.
    # The variance of b from the Fisher information X' W X of the design (constant, two harmonics, ramp) with
    # Poisson weights W = the counts; base: each month's count over its fitted change, 100 a month
    months = pd.period_range("2019-01", periods=30, freq="M")
    y = np.array([100.0] * 24 + [100 * 0.9 ** k for k in range(1, 7)])
    r = CM.level_shift(pd.Series(y, index=months), months[-1], [], ramps=[6])
    a = 2 * np.pi * months.month.to_numpy() / 12
    X = np.column_stack([np.ones(30), np.sin(a), np.cos(a), np.sin(2 * a), np.cos(2 * a),
                         np.clip(np.arange(30) - 23, 0, None)])
    se = np.sqrt(np.linalg.inv(X.T @ (y[:, None] * X))[-1, -1])
    assert r["kind"] == "ramp" and r["window"] == 6
    assert r["current"] == pytest.approx(y[-6:].sum()) and r["base"] == pytest.approx(600, rel=1e-6)
    assert r["z"] == pytest.approx(np.log(0.9) / se, rel=1e-4)
    # steps and ramps together: the p-value of the largest |z| is between its own and the Bonferroni multiple
    both = CM.level_shift(pd.Series(y, index=months), months[-1], [1, 6], ramps=[6])
    single = 2 * norm.sf(abs(both["z"]))
    assert single <= both["p_value"] <= 3 * single


def test_trend_scan_takes_the_window_where_the_change_shows():
    year = [100] * 12
    # "step": 60 in the last month only; "steady": 80 a month for six months; "flat": unchanged
    t = table({"step": year + [100] * 5 + [60], "steady": year + [80] * 6, "flat": year + [100] * 6},
              start="2020-01")
    out = CM.trend_scan(t, "2021-06", [1, 3, 6]).set_index("department")
    assert out.loc["step", "window"] == 1 and out.loc["steady", "window"] == 6
    assert out.loc["step", "direction"] == "falling" and out.loc["steady", "direction"] == "falling"
    assert out.loc["steady", "current"] == 480 and out.loc["steady", "base"] == pytest.approx(600, rel=1e-6)
    assert out.loc["flat", "p_value"] == pytest.approx(1.0) and out.loc["flat", "direction"] == "no_trend"
    # the combined p-value lies between the best window's own and three times it (Bonferroni)
    one = CM.level_shift(t[t.department == "step"].set_index("month").net_complaints, pd.Period("2021-06", "M"), [1])
    assert one["p_value"] < out.loc["step", "p_value"] < 3 * one["p_value"]


@pytest.mark.slow
def test_combined_windows_hold_their_level_on_flat_departments():
    # 600 flat Poisson departments of 30 to 300 a month: the largest |z| of five steps and two ramps, its
    # p-value from their joint distribution, rejects about 5% at 0.05 (no correction would reject far more);
    # 600 departments: the binomial 99.9% range around 30 is 14-49
    rng = np.random.default_rng(5)
    means = np.geomspace(30, 300, 600)
    months = pd.period_range("2019-01", periods=26, freq="M")
    rejected = 0
    for mu in means:
        s = pd.Series(rng.poisson(mu, 26).astype(float), index=months)
        rejected += CM.level_shift(s, months[-1], [1, 2, 3, 6, 12], ramps=[6, 12])["p_value"] < 0.05
    assert 14 <= rejected <= 49


def test_dispersion_recovers_the_planted_overdispersion_and_no_trend_is_found():
    # 30 flat departments of 40 to 800 orders a month, NB2 with alpha 0.006 (CV 7.7% beyond Poisson)
    rng = np.random.default_rng(11)
    means = np.geomspace(40, 800, 30)
    flat = {f"d{i}": nb_months(rng, mu, 0.006, 24) for i, mu in enumerate(means)}
    poisson = {f"p{i}": list(rng.poisson(mu, 24)) for i, mu in enumerate(means)}
    d = CM.dispersion(table(flat, start="2019-03"), "2021-02")
    assert 0.0035 < d.alpha < 0.009
    assert CM.dispersion(table(poisson, start="2019-03"), "2021-02").alpha < 0.001
    t = table(flat, start="2019-03")
    out = CM.trend_scan(t, "2021-02", [1, 3, 6])
    assert (out.direction != "no_trend").sum() <= 2
    assert (CM.yoy_test(t, "2021-02", 3).direction != "no_trend").sum() >= 5  # the exact Poisson test alone


def test_dispersion_is_not_inflated_by_departments_that_turn_down():
    # 30 departments of 40 to 800 a month, NB2 alpha 0.004, flat for 17 months and then falling 7% a month
    # (a department after supervision), ten draws: on average alpha within a third of the planted 0.004 (a smooth
    # quadratic trend cannot follow the bend and reads it as noise: 0.0057 on these draws)
    k = np.clip(np.arange(25) - 16, 0, None)
    alphas = []
    for seed in range(10):
        rng = np.random.default_rng(seed)
        bent = {f"d{i}": list(rng.negative_binomial(1 / 0.004, 1 / (1 + 0.004 * mu * 0.93 ** k)))
                for i, mu in enumerate(np.geomspace(40, 800, 30))}
        alphas.append(CM.dispersion(table(bent, start="2019-02"), "2021-02").alpha)
    assert 0.004 * 2 / 3 < np.mean(alphas) < 0.004 * 4 / 3


def test_departments_that_start_late_do_not_inflate_the_dispersion():
    # months before a department existed are zeros in the monthly table; they are not noise
    rng = np.random.default_rng(8)
    means = np.geomspace(40, 800, 30)
    counts = {f"d{i}": nb_months(rng, mu, 0.006, 24) for i, mu in enumerate(means)}
    alone = CM.dispersion(table(counts, start="2019-03"), "2021-02")
    counts.update({f"new{i}": [0] * 4 + nb_months(rng, 200, 0.006, 20) for i in range(6)})
    d = CM.dispersion(table(counts, start="2019-03"), "2021-02")
    assert d.alpha == pytest.approx(alone.alpha, rel=0.25) and 0.0035 < d.alpha < 0.009
    assert d.prior_df > 10 and d.scale[[f"new{i}" for i in range(6)]].max() < 2


def test_dispersion_keeps_a_noisier_group_noisier():
    # 29 departments at alpha 0.004 and one at 0.05 (variance 6.5 times the others' model at 300 a month):
    # moderation shrinks the odd one towards the rest but must not pull it in
    rng = np.random.default_rng(5)
    counts = {f"d{i}": nb_months(rng, 300, 0.004, 24) for i in range(29)}
    counts["wild"] = nb_months(rng, 300, 0.05, 24)
    d = CM.dispersion(table(counts, start="2019-03"), "2021-02")
    assert d.scale["wild"] > 2 * d.scale.drop("wild").median()
    assert np.isfinite(d.prior_df) and d.scale.drop("wild").between(0.6, 1.6).all()


def test_squeeze_recovers_the_prior_of_planted_variances():
    # limma's model: 1/sigma2 ~ chi2(d0) / (d0 s0), s2 | sigma2 ~ sigma2 chi2(d) / d; d0 = 20, s0 = 1.5
    rng = np.random.default_rng(3)
    sigma2 = 1.5 * 20 / rng.chisquare(20, 4000)
    s2 = sigma2 * rng.chisquare(15, 4000) / 15
    post, s0, d0 = CM._squeeze(s2, np.full(4000, 15.0))
    assert 15 < d0 < 27 and s0 == pytest.approx(1.5, rel=0.05)
    assert post[0] == pytest.approx((d0 * s0 + 15 * s2[0]) / (d0 + 15))
    _, s0, d0 = CM._squeeze(rng.chisquare(15, 4000) / 15, np.full(4000, 15.0))  # no spread beyond chi-square
    assert d0 > 200 and s0 == pytest.approx(1.0, rel=0.05)


def test_yoy_test_negative_binomial_variance_by_hand():
    t = table({"a": [100, 100, 100] + [0] * 9 + [80, 90, 100]}, start="2020-01")
    disp = CM.Dispersion(alpha=0.01, scale=pd.Series({"a": 1.2}), scale0=1.0, prior_df=np.inf,
                        surges=pd.DataFrame(columns=["group", "month", "observed", "fitted"]))
    out = CM.yoy_test(t, "2021-03", 3, disp=disp).set_index("department")
    se2 = 1.2 * (1 / 270 + 1 / 300 + 0.01 * ((80**2 + 90**2 + 100**2) / 270**2 + 3 * 100**2 / 300**2))
    z = np.log(270 / 300) / np.sqrt(se2)
    assert out.loc["a", "p_value"] == pytest.approx(2 * norm.sf(abs(z)))


def test_a_surge_is_not_a_trend():
    # steady departments, one with a threefold month inside the quarter being tested
    rng = np.random.default_rng(2)
    counts = {f"d{i}": list(rng.poisson(150, 24)) for i in range(12)}
    counts["surged"] = list(rng.poisson(150, 24))
    counts["surged"][-2] = 450
    t = table(counts, start="2019-03")
    plain = CM.yoy_test(t, "2021-02", 3).set_index("department")
    assert plain.loc["surged", "direction"] == "rising"       # the exact test on raw counts
    out = CM.trend_scan(t, "2021-02", [1, 3, 6]).set_index("department")
    assert (out.direction == "no_trend").all()
    quarter = CM.trend_scan(t, "2021-02", [3]).set_index("department")  # the surge month is left out of it
    assert quarter.loc["surged", "surge_months"] == 1 and quarter.loc["surged", "direction"] == "no_trend"


def test_city_ratio_by_hand():
    months = pd.period_range("2020-01", "2021-03", freq="M")
    city = pd.Series([100.0] * 12 + [90.0, 60.0, 100.0], index=months)
    assert CM.city_ratio(city, "2021-03", 3) == pytest.approx(250 / 300)
    assert CM.city_ratio(city, "2021-02", 1) == pytest.approx(0.6)
    assert CM.city_ratio(city, "2021-03", 1) == 1.0
    assert CM.city_ratio(None, "2021-03", 3) == 1.0
    assert CM.city_ratio(city, "2020-06", 3) == 1.0  # no year earlier: no reference but 1


def test_median_alpha_by_hand_and_robust_to_one_month():
    mu = np.full(5, 100.0)
    y = np.array([90.0, 120, 70, 140, 150])  # squared deviations 100, 400, 900, 1600, 2500: median 900
    # 900 / (100 (1 + 100 a)) = 0.4549 (median of chi-square(1)) -> a = (900 / 45.49 - 1) / 100
    expected = (900 / (100 * 0.454936423) - 1) / 100
    assert CM.median_alpha(y, mu) == pytest.approx(expected, rel=1e-6)
    assert CM.median_alpha(np.array([90.0, 120, 70, 140, 600]), mu) == pytest.approx(expected, rel=1e-6)
    # with 5 months and 1 parameter the residuals count n / (n - p) = 5 / 4 more
    assert CM.median_alpha(y, mu, 1.25) == pytest.approx((900 * 1.25 / 45.4936423 - 1) / 100, rel=1e-6)
    assert CM.median_alpha(np.array([100.0, 101, 99]), np.full(3, 100.0)) == 0.0  # less than Poisson


def test_a_surge_in_the_last_month_is_set_aside_not_read_as_a_rise():
    # 24 months of exactly 100 then a threefold last month: the model of the months before predicts 100
    # (a constant series fits exactly), its 0.99 bound is Poisson(100)'s 99th percentile, 124 < 300
    flat = [100] * 26
    t = table({"spike": flat[:-1] + [300], "step": [100] * 20 + [60] * 6, "flat": flat}, start="2019-01")
    out = CM.outlier_months(t, "2021-02", 6, 0.99)
    assert out[["group", "month"]].values.tolist() == [["spike", pd.Period("2021-02", "M")]]
    assert out.fitted.iloc[0] == pytest.approx(100.0)
    # a dispersion whose interior fit missed the spike (as an end month can be): Poisson, no surges
    none = CM.Dispersion(0.0, pd.Series(dtype=float), 1.0, np.inf,
                         pd.DataFrame(columns=["group", "month", "observed", "fitted"]))
    raw = CM.trend_scan(t, "2021-02", [1, 3, 6], disp=none).set_index("department")
    assert raw.loc["spike", "direction"] == "rising"  # 300 against 100 a year earlier
    kept = CM.trend_scan(t, "2021-02", [1, 3, 6], disp=none, outlier_level=0.99).set_index("department")
    assert kept.loc["spike", "direction"] == "no_trend" and kept.loc["spike", "surge_months"] == 1
    assert kept.loc["step", "direction"] == "falling" and kept.loc["step", "current"] == 360


def test_set_aside_adds_months_once():
    empty = pd.DataFrame(columns=["group", "month", "observed", "fitted"])
    m = pd.Period("2021-02", "M")
    d = CM.Dispersion(0.01, pd.Series(dtype=float), 1.0, np.inf,
                      pd.DataFrame({"group": ["a"], "month": [m], "observed": [300.0], "fitted": [100.0]}))
    both = CM.set_aside(d, pd.DataFrame({"group": ["a", "b"], "month": [m, m], "observed": [300.0, 50.0],
                                         "fitted": [99.0, 20.0]}))
    assert len(both.surges) == 2 and both.surges.set_index("group").fitted.to_dict() == {"a": 100.0, "b": 20.0}
    assert len(CM.set_aside(d, empty).surges) == 1 and both.alpha == 0.01
