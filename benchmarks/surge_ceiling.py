"""How many planted surges could any rule find? The surge rule against ones that know the planted mean.

For every department-month from 2020-01 on (seed folders as for
``eval_seeds.py``), three rules with the same conditions as
:func:`hotline_analysis.flags.surge_flags` (at least ``min_count``, at least
``min_change_pct`` above the expected count, not below the month before, above
the ``prediction_level`` bound):

* **method**: the expected count and bound of
  :func:`hotline_analysis.count_models.expected_count` (the surge flag);
* **known mean, method's width**: the planted mean as the expected count, the
  bound as wide as the method's (its variance ``phi * mu``), so only the
  estimate of the mean is made perfect;
* **known mean and variance**: the planted mean and the planted month-to-month
  variance (NB2 alpha 0.0036), what the counts themselves allow.

The planted mean is the scenario's expected complaint originals
(:func:`hotline_analysis.synth.orders.expected_counts`, without the surge's
factor) times the department's ratio of net complaints to them over its
months without a surge. Printed per seed and overall: surges found of
planted, flags on other months, recall and precision.

    python benchmarks/surge_ceiling.py /tmp/seeds/s101 /tmp/seeds/s102 ...
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from scipy import stats as sps

from bench_recovery import PLANTED_ALPHA, load_scenario, seed_folders
from hotline_analysis import count_models as CM
from hotline_analysis.synth.orders import expected_counts
from hotline_analysis.synth.plan import ScenarioConfig, make_plan

RULES = ("method", "known mean, method's width", "known mean and variance")


def planted_means(truth: dict, vol: pd.DataFrame) -> pd.DataFrame:
    """``vol`` with the surge ``factor`` (0: none) and the planted mean ``planted`` of each department-month."""
    plan = make_plan(ScenarioConfig(seed=truth["seed"], start=truth["start"], end=truth["end"], scale=truth["scale"]))
    complaints, _ = expected_counts(plan, truth["scale"])
    names = plan.units.names[:plan.units.n_departments]
    e = pd.DataFrame(complaints, index=names, columns=plan.months).rename_axis(index="department", columns="month")
    v = vol.merge(e.stack().rename("e").reset_index(), on=["department", "month"])
    factor = {(s["department"], pd.Period(s["month"], "M")): s["factor"] for s in truth["surges"]}
    v["factor"] = [factor.get(k, 0.0) for k in zip(v.department, v.month)]
    calm = v[v.factor == 0].groupby("department")[["net_complaints", "e"]].sum()
    v["planted"] = v.e * v.department.map(calm.net_complaints / calm.e) / np.where(v.factor > 0, v.factor, 1)
    return v


def nb_upper(mu: np.ndarray, phi: np.ndarray, level: float) -> np.ndarray:
    """The ``level`` quantile of a negative binomial with mean ``mu`` and variance ``phi * mu``."""
    n = mu / np.maximum(phi - 1, 1e-9)
    return sps.nbinom.ppf(level, n, n / (n + mu))


def score(truth: dict, vol: pd.DataFrame, exposure: pd.Series, settings) -> pd.DataFrame:
    """Per department-month from 2020-01: observed, the surge factor, and whether each rule flags it."""
    rules = settings.flags.surge
    v = planted_means(truth, vol)
    rows = []
    for m in pd.period_range("2020-01", truth["end"], freq="M"):
        disp = CM.dispersion(vol, m, exposure=exposure)
        for name, g in v.groupby("department", observed=True):
            s = g.set_index("month")
            obs, hist = s.net_complaints.get(m, np.nan), s.net_complaints[s.index < m]
            if len(hist) < rules.min_history_months or np.isnan(obs) or hist.sum() == 0:
                continue
            mu, _, phi = CM.expected_count(hist.astype(float), m, rules.prediction_level, exposure=exposure,
                                           recent=rules.recent_months, disp=(disp.alpha, float(disp.factor([name])[0])))
            rows.append((str(m), name, obs, s.factor[m], s.planted[m], mu, phi,
                         obs >= s.net_complaints.get(m - 1, 0)))
    t = pd.DataFrame(rows, columns=["month", "department", "observed", "factor", "planted", "mu", "phi", "rose"])
    t = t[t.mu.notna()]
    base = (t.observed >= rules.min_count) & t.rose
    for rule, mu, phi in [(RULES[0], t.mu, t.phi), (RULES[1], t.planted, t.phi),
                          (RULES[2], t.planted, 1 + PLANTED_ALPHA * t.planted)]:
        t[rule] = base & (t.observed > nb_upper(mu, phi, rules.prediction_level)) & (
            (t.observed / mu - 1) * 100 >= rules.min_change_pct)
    return t


def main() -> None:
    folders, _, settings = seed_folders()
    rows = []
    for folder in folders:
        t0 = time.perf_counter()
        truth, vol, exposure = load_scenario(folder / "store", folder / "raw", settings)
        t = score(truth, vol, exposure, settings)
        surge = t.factor > 0
        for rule in RULES:
            rows.append({"seed": truth["seed"], "rule": rule, "found": int((t[rule] & surge).sum()),
                         "planted": len(truth["surges"]), "other": int((t[rule] & ~surge).sum())})
        print(f"seed {truth['seed']}: " + "; ".join(f"{r['rule']} {r['found']}/{r['planted']} (+{r['other']})"
                                                    for r in rows[-3:]) + f" ({time.perf_counter() - t0:.0f} s)",
              flush=True)
    t = pd.DataFrame(rows).groupby("rule", sort=False)[["found", "planted", "other"]].sum()
    t["recall"], t["precision"] = t.found / t.planted, t.found / (t.found + t.other)
    with pd.option_context("display.width", 200, "display.precision", 3):
        print(f"\n{len(folders)} seeds\n{t}")


if __name__ == "__main__":
    main()
