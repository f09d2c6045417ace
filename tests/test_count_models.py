"""Count models on hand-made tables: expected counts, dispersion, year-over-year tests and trends."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest, norm

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


def test_trend_scan_takes_the_best_window_with_bonferroni_by_hand():
    year = [100] * 12
    # "step": 60 in the last month only; "steady": 80 a month for six months; "flat": unchanged
    t = table({"step": year + [100] * 5 + [60], "steady": year + [80] * 6, "flat": year + [100] * 6},
              start="2020-01")
    out = CM.trend_scan(t, "2021-06", [1, 3, 6]).set_index("department")
    p_step = [binomtest(60, 160, 0.5).pvalue, binomtest(260, 560, 0.5).pvalue, binomtest(560, 1160, 0.5).pvalue]
    p_steady = [binomtest(80, 180, 0.5).pvalue, binomtest(240, 540, 0.5).pvalue, binomtest(480, 1080, 0.5).pvalue]
    assert out.loc["step", "window"] == 1 and out.loc["step", "p_value"] == pytest.approx(3 * min(p_step))
    assert out.loc["steady", "window"] == 6 and out.loc["steady", "p_value"] == pytest.approx(3 * min(p_steady))
    assert out.loc["flat", "p_value"] == 1.0 and out.loc["flat", "direction"] == "no_trend"
    assert out.loc["step", "direction"] == "falling" and out.loc["steady", "direction"] == "falling"


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
    assert out.loc["surged", "surge_months"] == 1 and out.loc["surged", "direction"] == "no_trend"
    assert (out.direction == "no_trend").all()
