"""The steps of :meth:`hotline_analysis.month.MonthReport.build`: read the store once, fit once, tabulate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import metrics as M
from .. import paths
from .. import schema as S
from ..errors import DataError
from ..handling import absent_measures
from ..settings import Settings
from ..stats import bh_adjust, satisfaction_shift
from ..store import Store
from . import actions as A
from .handling import handling_tables, stored_columns


def build_month(cls, store, month: pd.Period, settings: Settings, dataset: str | None, all_units: bool,
                topics: str, register: str | Path | None):
    """See :meth:`hotline_analysis.month.MonthReport.build`."""
    from ..reviews import open_store, unit_scope

    st = open_store(store)
    settings = with_store_bulletin(settings, st)
    history, orders = read_month(st, month, settings)
    if not (history[M.MONTH] == month).any():
        raise DataError(f"{st.root}: no work orders received in {month} (the store holds "
                        f"{history[M.MONTH].min()} to {history[M.MONTH].max()})")
    deps, scope = unit_scope(st, history, all_units)
    exposure = city_volume(history)
    city = city_completeness(exposure, orders, month, settings)
    table, volumes = department_table(history, month, settings, deps, city, exposure)
    present = stored_columns(st, [month])
    everywhere = stored_columns(st, [pd.Period(m, "M") for m in st.months()])
    absent = absent_measures(present)
    sat = satisfaction_table(orders, month, deps, settings)
    table = table.merge(sat[[S.DEPARTMENT, "significant", "delta_pp", "enough_sample"]], on=S.DEPARTMENT, how="left")
    # no flag from a month whose orders are not all there, nor from too few call-backs
    table["satisfaction_drop"] = (table.pop("significant").fillna(False).astype(bool)
                                  & (table.pop("delta_pp") < 0).fillna(False)
                                  & table.pop("enough_sample").fillna(False).astype(bool)
                                  & table.complete.astype(bool))
    issues, emerging = month_issues(st, orders, month, settings, deps, topics, city.complete)
    if issue_source(topics, present) == "categories":  # a Descriptor alone ("APARTMENT ONLY") says too little
        paths_of = category_paths(orders[(orders[M.MONTH] == month).to_numpy()])
        issues, emerging = (with_category_paths(f, paths_of) for f in (issues, emerging))
    order = {d: i for i, d in enumerate(table.department)}  # departments in rank order, issues by their rank
    issues = issues.assign(_o=issues.department.map(order)).sort_values(["_o", "rank"], kind="stable")
    issues = issues.drop(columns="_o").reset_index(drop=True)
    report = cls(dataset=dataset or st.root.name, month=month, settings=settings,
                 city_satisfaction=city_satisfaction(orders, month, settings),
                 ledger=month_ledger(history, month) | {"completeness": city.to_dict(),
                                                        "net_scope": net_scope(st, settings, everywhere, history),
                                                        "unit_scope": scope},
                 topics_from=issue_source(topics, present), departments=table,
                 history=volumes[[S.DEPARTMENT, M.MONTH, "net_complaints"]],
                 long_trends=long_trends(volumes, month if city.complete else month - 1, settings),
                 breakdowns=breakdowns(orders, month, settings), daily=daily_counts(orders, month),
                 satisfaction=sat, **handling_tables(st, orders, month, settings, deps, present), issues=issues,
                 emerging=emerging, absent=absent,
                 empty_columns=sorted({c for cols in absent.values() for c in cols} & everywhere),
                 actions=A.EMPTY_ACTIONS, questions=A.EMPTY_QUESTIONS,
                 annual=annual_if_due(st, month, settings, all_units, history),
                 **lookback_if_due(st, month, settings, register, history))
    acts = A.action_list(report)
    commended = acts.loc[acts.action == "commend", "department"]
    table = report.departments.assign(commend=report.departments.department.isin(commended))
    return report.with_tables(departments=table, actions=acts, questions=A.question_list(report, acts))


# --- reading ---------------------------------------------------------------------------------------------


def with_store_bulletin(settings: Settings, st: Store) -> Settings:
    """``settings`` with the store's own bulletin (its export's preset says whose export it is) where the
    settings keep the default one: another city's pack is not titled as Zibo's."""
    from ..settings import load_settings

    own = st.manifest().get("bulletin")
    if not own or settings.bulletin != load_settings().bulletin:
        return settings
    return settings.overlay({"bulletin": own}, "the store's preset")


def read_month(st: Store, month: pd.Period, settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The store's history up to ``month`` (:func:`hotline_analysis.reviews.store_history`) and the work
    orders of the month, the month before and the same month a year before, net-complaint rules applied."""
    from ..reviews import store_history

    agg = store_history(st)
    history = M.flag_net(agg[(agg[M.MONTH] <= month).to_numpy()], settings)
    want = [str(m) for m in (month, month - 1, month - 12) if str(m) in set(st.months())]
    orders = M.flag_net(M.with_month(st.load(months=want, columns=ORDER_COLUMNS)), settings)
    return history, orders


#: Columns of the store the month's work orders are read with.
ORDER_COLUMNS = [S.ORDER_ID, S.RECEIVED_AT, S.DEPARTMENT, S.CATEGORY_L1, S.CATEGORY_L2, S.REQUEST_TYPE, S.IS_VALID,
                 S.IS_REASONABLE, S.STATUS, S.DUPLICATE_OF, S.SATISFACTION, S.CONTACTED, S.RESOLVED,
                 S.CHANNEL, S.DISTRICT, S.DUE_AT, S.CLOSED_AT, S.DEPARTMENT_RAW, *S.HANDLING_COLUMNS]
#: The breakdowns of all orders a bulletin reports.
BREAKDOWNS = (S.REQUEST_TYPE, S.CHANNEL, S.DISTRICT)


def month_ledger(history: pd.DataFrame, month: pd.Period) -> dict:
    """All orders of the month (whole hotline): records, net complaints, exclusions by reason."""
    this = history[(history[M.MONTH] == month).to_numpy()]
    w = M.weights(this)
    net = this["is_net_complaint"].to_numpy(dtype=bool)
    excluded = pd.Series(w[~net]).groupby(this.loc[~net, "exclusion_reason"].astype(str).to_numpy()).sum()
    return {"records": int(w.sum()), "net_complaints": int(w[net].sum()),
            "excluded": {k: int(v) for k, v in excluded.items()}}


#: The net-complaint exclusions (``net_complaint.rules`` -> exclusion), in the order the scope sentence names them.
EXCLUSIONS = {"exclude_invalid": "invalid", "exclude_duplicates": "repeat", "exclude_unreasonable": "unreasonable",
              "exclude_returned": "returned"}


def ingest_ledgers(st: Store) -> list[dict]:
    """The store's ingest ledgers (``ledgers/ingest-*.json``), oldest first."""
    import json

    return [json.loads(p.read_text("utf-8")) for p in sorted((st.root / "ledgers").glob("ingest-*.json"))]


def _preset_defaults(ledger: dict) -> set[str] | None:
    """The fields the ingest's preset set by default rather than read (the ledger's ``defaults``; for a ledger
    written before it recorded them, the preset of that name when it can still be loaded); None if unknown."""
    if "defaults" in ledger:
        return set(ledger["defaults"])
    try:
        import warnings

        from ..ingest.presets import load_preset

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return set(load_preset(ledger.get("preset", "")).defaults)
    except Exception:  # a preset given by a path that is gone: unknown
        return None


def net_scope(st: Store, settings: Settings, everywhere: set[str], history: pd.DataFrame) -> dict:
    """Which exclusions of the net-complaint measure the export let the rules make: ``{"type": bool,
    "applied": [...], "not_made": {exclusion: why}}``. ``type``: whether request types were read (False: the
    preset set every order's type by default, or, not knowing the preset, the store holds a single complaint
    type). Exclusions (:data:`EXCLUSIONS`, those the settings enable) are not made, with their reason, when:
    ``invalid`` - the invalid-call rules on the text were skipped (no text) and no order of the store is invalid;
    ``repeat`` - repeat-call linking was skipped (no caller); ``unreasonable`` - no order of the store says
    whether it is reasonable; ``returned`` - no order has a status. Reasons are the ingest ledgers' skipped steps
    or the missing column's name."""
    ledgers = ingest_ledgers(st)
    skipped = {k: v for led in ledgers for k, v in (led.get("skipped_steps") or {}).items()}
    known = [_preset_defaults(led) for led in ledgers]
    w = M.weights(history) > 0
    types = set(history.loc[w, S.REQUEST_TYPE].dropna().astype(str))
    one_type = len(types) == 1 and types <= set(settings.net_complaint.request_types)
    defaulted = (any(S.REQUEST_TYPE in k for k in known if k is not None)
                 or (any(k is None for k in known) and one_type))
    all_valid = bool(history.loc[w, S.IS_VALID].fillna(True).astype(bool).all())
    why = {"invalid": skipped.get("invalid-call rules on the text") if all_valid else None,
           "repeat": skipped.get("repeat-call linking"),
           "unreasonable": None if S.IS_REASONABLE in everywhere else f"no column for {S.IS_REASONABLE}",
           "returned": None if S.STATUS in everywhere else f"no column for {S.STATUS}"}
    on = [e for rule, e in EXCLUSIONS.items() if getattr(settings.net_complaint.rules, rule)]
    return {"type": not (defaulted and one_type), "applied": [e for e in on if not why[e]],
            "not_made": {e: why[e] for e in on if why[e]}}


# --- departments -------------------------------------------------------------------------------------------


def department_table(history: pd.DataFrame, month: pd.Period, settings: Settings, deps: list[str],
                     city=None, exposure: pd.Series | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Net complaints, changes, rank, trend, surge and commendation per department; and the monthly volumes.
    ``city``: the month's completeness for the city; ``exposure``: :func:`city_volume` of ``history``."""
    from ..count_models import dispersion, trend_scan
    from ..flags import commendations, surge_flags
    from ..rank import rank_month

    exposure = city_volume(history) if exposure is None else exposure
    vol = M.monthly_volume(history[history[S.DEPARTMENT].isin(deps).to_numpy()], settings)
    ch = M.add_changes(vol, min_base=settings.change.min_base)
    cur = ch[ch[M.MONTH] == month].set_index(S.DEPARTMENT)
    ranks = rank_month(vol, month).set_index(S.DEPARTMENT)
    disp = dispersion(vol, month, exposure=exposure)
    surge = surge_flags(vol, month, settings, exposure=exposure, disp=disp).set_index(S.DEPARTMENT)
    trend = trend_scan(vol, month, list(settings.trend.windows), alpha=settings.trend.alpha, exposure=exposure,
                       disp=disp, outlier_level=settings.trend.outlier_level,
                       baseline_level=settings.trend.baseline_outlier_level,
                       recent=settings.flags.surge.recent_months,
                       max_history=settings.trend.history_months,
                       ramps=list(settings.trend.ramps)).set_index(S.DEPARTMENT)
    commend = commendations(vol, month, settings, exposure=exposure, disp=disp).set_index(S.DEPARTMENT)
    t = pd.DataFrame({S.DEPARTMENT: deps}).set_index(S.DEPARTMENT)
    t["net_complaints"] = cur.net_complaints.reindex(deps).fillna(0).astype(int)
    known = month - 1 >= vol[M.MONTH].min()  # the store's first month has no last month: unknown, not 0
    t["prev_month"] = cur.net_complaints_prev_month.reindex(deps).fillna(0 if known else pd.NA).astype("Int64")
    t["prev_year"] = cur.net_complaints_prev_year.reindex(deps).astype("Int64")
    t["mom_pct"], t["yoy_pct"] = cur.mom_pct.reindex(deps), cur.yoy_pct.reindex(deps)
    t["rank"] = ranks["rank"].reindex(deps).fillna(len(deps)).astype(int)
    t["rank_prev_month"] = ranks["rank_prev_month"].reindex(deps)
    for col, src in (("trend", "direction"), ("trend_window", "window"), ("trend_kind", "kind"),
                     ("trend_current", "current"), ("trend_base", "base"), ("trend_ratio", "ratio"), ("trend_p", "p_value"),
                     ("trend_q", "q_value")):
        t[col] = trend[src].reindex(deps)
    t["trend"] = t["trend"].fillna("no_trend")
    t["surge"] = surge.surge.reindex(deps).fillna(False).astype(bool)
    for col in ("expected", "upper", "change_pct"):
        t[f"surge_{col}"] = surge[col].reindex(deps)
    t["commend_candidate"] = commend.candidate.reindex(deps).fillna(False).astype(bool)
    t["commend_window"] = settings.flags.commend.window_months
    for col in ("ratio", "relative_ratio", "q_value"):
        t[f"commend_{col}"] = commend[col].reindex(deps)
    t["commend"] = False  # decided with the other verdicts in actions.action_list
    t = quiet_incomplete(t, vol, month, settings, city, exposure)
    t = t.reset_index().sort_values(["rank", S.DEPARTMENT]).reset_index(drop=True)
    return t, vol[vol[M.MONTH] <= month].reset_index(drop=True)


def city_volume(history: pd.DataFrame) -> pd.Series:
    """All orders of the hotline per month (the exposure of the count models)."""
    return pd.Series(M.weights(history), index=history.index).groupby(history[M.MONTH]).sum()


def city_completeness(exposure: pd.Series, orders: pd.DataFrame, month: pd.Period, settings: Settings):
    """Whether the month's orders are all there for the city (:func:`hotline_analysis.flags.month_completeness`),
    from its orders per month (:func:`city_volume`) and the month's last order."""
    from ..flags import month_completeness

    last = orders.loc[(orders[M.MONTH] == month).to_numpy(), S.RECEIVED_AT].max()
    return month_completeness(exposure, month, settings, last)


def quiet_incomplete(t: pd.DataFrame, vol: pd.DataFrame, month: pd.Period, settings: Settings,
                     city=None, exposure: pd.Series | None = None) -> pd.DataFrame:
    """No trend, surge or commendation from an incomplete month (the city's or the department's,
    :func:`hotline_analysis.flags.month_completeness`) nor for a department without net complaints in the
    compared months (:func:`hotline_analysis.flags.quiet_units`); ``complete`` and ``incomplete_reason`` say
    why."""
    from ..flags import Completeness, month_completeness, quiet_units

    city = city if city is not None else Completeness(True)
    own = {d: month_completeness(g.set_index(M.MONTH).net_complaints, month, settings, exposure=exposure)
           for d, g in vol.groupby(S.DEPARTMENT, observed=True)}
    verdict = [city if not city.complete else own.get(d, city) for d in t.index]
    t = t.assign(complete=[v.complete for v in verdict], incomplete_reason=[v.reason for v in verdict],
                 incomplete_code=[v.code for v in verdict])
    off = ~t.complete.to_numpy() | t.index.isin(quiet_units(vol, month))
    t.loc[off, "trend"] = "no_trend"
    t.loc[off, ["surge", "commend_candidate"]] = False
    return t


#: Months of history the seasonal Mann-Kendall test of :func:`long_trends` needs (two of each calendar month).
MK_MIN_MONTHS = 24


def long_trends(volumes: pd.DataFrame, through: pd.Period, settings: Settings) -> pd.DataFrame:
    """Seasonal Mann-Kendall with Sen's slope over the last ``trend.mk_window_months`` months up to ``through``
    per department (the month reported, or in an incomplete month the one before: a partial count is no month of
    the series).

    Columns: ``department, months, slope_per_year, p_value, q_value, direction`` (BH across departments at
    ``trend.alpha``; ``no_trend`` unless q is below it; untested, slope and q missing, under
    :data:`MK_MIN_MONTHS` months).
    """
    from ..stats import trend_test

    rows = []
    window = settings.trend.mk_window_months
    for dep, g in volumes[(volumes[M.MONTH] <= through).to_numpy()].groupby(S.DEPARTMENT, observed=True):
        s = g.sort_values(M.MONTH).set_index(M.MONTH)["net_complaints"].astype(float).iloc[-window:]
        r = trend_test(s.reset_index(drop=True)) if len(s) >= MK_MIN_MONTHS else None
        rows.append((dep, len(s), *((r.slope_per_year, r.p_value, r.z) if r else (np.nan,) * 3)))
    t = pd.DataFrame(rows, columns=[S.DEPARTMENT, "months", "slope_per_year", "p_value", "z"])
    reject, t["q_value"] = bh_adjust(t.p_value.to_numpy(), settings.trend.alpha)
    t["direction"] = np.where(reject, np.where(t.pop("z") < 0, "falling", "rising"), "no_trend")
    return t.sort_values("slope_per_year").reset_index(drop=True)


# --- all orders --------------------------------------------------------------------------------------------


def breakdowns(orders: pd.DataFrame, month: pd.Period, settings: Settings) -> pd.DataFrame:
    """All orders of the month by request type, channel and district, with shares and changes.

    Missing values count as their own value ``unknown``, inside the denominator of the shares. A value without
    orders in a compared month that the store holds has 0 there; a month the store does not hold is unknown.
    """
    out = []
    for by in BREAKDOWNS:
        key = orders[by].astype("string").fillna("unknown")
        counts = orders.groupby([key, orders[M.MONTH]], observed=True).size().unstack(M.MONTH)
        cur = counts.get(month, pd.Series(0, index=counts.index)).fillna(0)
        prev, year = (counts[m].fillna(0) if m in counts else pd.Series(np.nan, index=counts.index)
                      for m in (month - 1, month - 12))
        t = pd.DataFrame({"dimension": by, "value": counts.index.astype(str), "records": cur.to_numpy().astype(int),
                          "share": (cur / cur.sum()).to_numpy(), "prev_month": prev.to_numpy(),
                          "prev_year": year.to_numpy()})
        t["mom_pct"], _ = M.change_pct(t.records, t.prev_month, settings.change.min_base)
        t["yoy_pct"], _ = M.change_pct(t.records, t.prev_year, settings.change.min_base)
        out.append(t.sort_values("records", ascending=False))
    return pd.concat(out, ignore_index=True)


def daily_counts(orders: pd.DataFrame, month: pd.Period) -> pd.DataFrame:
    """Orders received per day of the month: ``day, records``."""
    t = orders[(orders[M.MONTH] == month).to_numpy()]
    s = t.groupby(t[S.RECEIVED_AT].dt.normalize()).size()
    return pd.DataFrame({"day": s.index, "records": s.to_numpy().astype(int)})


def satisfaction_table(orders: pd.DataFrame, month: pd.Period, deps: list[str], settings: Settings) -> pd.DataFrame:
    """Call-back satisfaction per department this month and its shift against last month (BH across
    departments at ``flags.satisfaction_drop.alpha``)."""
    d = orders[orders[S.DEPARTMENT].isin(deps).to_numpy() & orders[M.MONTH].isin([month, month - 1]).to_numpy()]
    sat = M.satisfaction(d, settings)
    cur = sat[sat[M.MONTH] == month].set_index(S.DEPARTMENT)
    prev = sat[sat[M.MONTH] == month - 1].set_index(S.DEPARTMENT)
    rows = []
    for dep, a in cur.iterrows():
        b = prev.loc[dep] if dep in prev.index else None
        r = (satisfaction_shift(int(a.satisfied + a.basically_satisfied), int(a.surveyed),
                                int(b.satisfied + b.basically_satisfied), int(b.surveyed))
             if b is not None and a.surveyed > 0 and b.surveyed > 0 else None)
        rows.append((dep, *((r.delta_pp, r.ci_low_pp, r.ci_high_pp, r.p_value) if r else (np.nan,) * 4)))
    shifts = pd.DataFrame(rows, columns=[S.DEPARTMENT, "delta_pp", "shift_low_pp", "shift_high_pp", "p_value"])
    shifts["significant"], shifts["q_value"] = bh_adjust(shifts.p_value, settings.flags.satisfaction_drop.alpha)
    out = cur.reset_index().drop(columns=[M.MONTH]).merge(shifts, on=S.DEPARTMENT, how="left")
    out = out.merge(against_city(cur, orders, month, settings), on=S.DEPARTMENT, how="left")
    out["enough_sample"] = out.surveyed >= settings.satisfaction.min_surveyed
    out["below_standard"] = out.enough_sample & (out.satisfaction_rate < settings.satisfaction.standard)
    out["below_standard_for_sure"] = out.below_standard & (out.ci_high < settings.satisfaction.standard)
    return out.sort_values("satisfaction_rate").reset_index(drop=True)


def against_city(cur: pd.DataFrame, orders: pd.DataFrame, month: pd.Period, settings: Settings) -> pd.DataFrame:
    """Each department's satisfaction against the rest of the city's call-backs this month (two-proportion
    test, BH at ``flags.satisfaction_drop.alpha``): ``department, vs_city_pp, vs_city_q, below_city``."""
    city = M.satisfaction(orders[(orders[M.MONTH] == month).to_numpy()].assign(_all="city"), settings, by="_all")
    pos_city = int(city.satisfied.sum() + city.basically_satisfied.sum())
    n_city = int(city.surveyed.sum())
    rows = []
    for dep, a in cur.iterrows():
        pos, n = int(a.satisfied + a.basically_satisfied), int(a.surveyed)
        r = satisfaction_shift(pos, n, pos_city - pos, n_city - n) if n > 0 and n_city - n > 0 else None
        rows.append((dep, r.delta_pp if r else np.nan, r.p_value if r else np.nan))
    t = pd.DataFrame(rows, columns=[S.DEPARTMENT, "vs_city_pp", "p"])
    reject, t["vs_city_q"] = bh_adjust(t.pop("p"), settings.flags.satisfaction_drop.alpha)
    t["below_city"] = reject & (t.vs_city_pp < 0)
    return t


def city_satisfaction(orders: pd.DataFrame, month: pd.Period, settings: Settings) -> pd.DataFrame:
    """The whole hotline's call-back satisfaction, and its rate for reasonable requests only (合理诉求办理结果
    满意率), this month, last month and a year ago: ``measure, month, surveyed, satisfaction_rate, ci_low,
    ci_high`` (``measure``: ``all`` or ``reasonable``). The rate for reasonable requests is only given for a month
    whose orders say which requests are reasonable (``is_reasonable`` holds a value): without that column it would
    merely repeat the overall rate, so it is not in this export."""
    frames = []
    judged = (orders[S.IS_REASONABLE].notna().to_numpy() if S.IS_REASONABLE in orders
              else np.zeros(len(orders), dtype=bool))
    known = set(orders.loc[judged, M.MONTH])
    for measure, reasonable in (("all", False), ("reasonable", True)):
        t = M.satisfaction(orders.assign(_all=measure), settings, by="_all", reasonable_only=reasonable)
        if reasonable:
            t = t[t[M.MONTH].isin(known)]
        frames.append(t.rename(columns={"_all": "measure"}))
    out = pd.concat(frames, ignore_index=True)
    out = out[out.surveyed > 0]
    return out[["measure", M.MONTH, "surveyed", "satisfaction_rate", "ci_low", "ci_high"]].reset_index(drop=True)


def issue_source(topics: str, present: set[str]) -> str:
    """Where the month's issues come from (the result's ``topics_from``), given the one asked for and the
    columns the month's orders hold (:func:`hotline_analysis.month.handling.stored_columns`): ``text`` (the
    citizens' words), ``categories`` (asked for, or an export without text: one issue per category, README "Hot
    topics") or ``none`` (neither text nor a category: the issues are not in this export).

    >>> issue_source("text", {"content", "category_l2"}), issue_source("text", {"category_l1"})
    ('text', 'categories')
    >>> issue_source("categories", {"content"}), issue_source("text", set())
    ('none', 'none')
    """
    if not present & {S.CATEGORY_L1, S.CATEGORY_L2} and (topics != "text" or S.CONTENT not in present):
        return "none"
    return "text" if topics == "text" and S.CONTENT in present else "categories"


def month_issues(st: Store, orders: pd.DataFrame, month: pd.Period, settings: Settings, deps: list[str],
                 topics: str, complete: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The top issues per department and the emerging ones: from the texts (``topics='text'``; an export or a
    department without text gets one issue per category, with its change and test,
    :func:`hotline_analysis.topics.extract_issues`), or each department's most frequent categories
    (:func:`hotline_analysis.topics.finest_category`: ``category_l2``, else ``category_l1``). In a month whose
    orders are not all there (not ``complete``) no issue is called emerging, as no trend or surge is judged."""
    from ..topics import finest_category

    if topics == "text":
        from ..topics import month_topics

        result = month_topics(st, str(month), settings, deps)
        top, emerging = result.top(), result.emerging()
        if not complete:
            top, emerging = top.assign(emerging=False), emerging.iloc[:0]
        return top[top.department.isin(deps)].reset_index(drop=True), emerging
    net = orders[(orders[M.MONTH] == month).to_numpy() & orders["is_net_complaint"].to_numpy(dtype=bool)
                 & orders[S.DEPARTMENT].isin(deps).to_numpy()]
    net = net.assign(_category=finest_category(net))
    net = net[(net._category != "").to_numpy()]
    counts = net.groupby([S.DEPARTMENT, "_category"], observed=True).size().rename("orders").reset_index()
    counts = counts.sort_values([S.DEPARTMENT, "orders", "_category"], ascending=[True, False, True])
    counts["rank"] = counts.groupby(S.DEPARTMENT).cumcount() + 1
    top = counts[counts["rank"] <= settings.topics.top_n]
    issues = pd.DataFrame({"department": top[S.DEPARTMENT].astype(str), "rank": top["rank"],
                           "label": top["_category"].astype(str), "keywords": [[] for _ in range(len(top))],
                           "orders": top.orders, "baseline_mean": np.nan, "change": np.nan, "emerging": False,
                           "category": top["_category"].astype(str), "examples": [[] for _ in range(len(top))]})
    return issues.reset_index(drop=True), issues.iloc[:0]


def category_paths(orders: pd.DataFrame) -> dict[tuple[str, str], str]:
    """(department, finer category) -> the category's path ``coarser: finer``, where the orders give both levels
    and the finer one does not already name the coarser (its most frequent coarser category in the department).

    >>> o = pd.DataFrame({"department": ["HPD", "HPD", "DOT"], "category_l1": ["HEAT/HOT WATER", "HEAT/HOT WATER",
    ...                   "Street Condition"], "category_l2": ["APARTMENT ONLY", "APARTMENT ONLY", None]})
    >>> category_paths(o)
    {('HPD', 'APARTMENT ONLY'): 'HEAT/HOT WATER: APARTMENT ONLY'}
    """
    if S.CATEGORY_L1 not in orders or S.CATEGORY_L2 not in orders:
        return {}
    both = pd.DataFrame({S.DEPARTMENT: orders[S.DEPARTMENT].astype("string"),
                         "l1": orders[S.CATEGORY_L1].astype("string").str.strip(),
                         "l2": orders[S.CATEGORY_L2].astype("string").str.strip()}).dropna()
    both = both[(both.l1 != "") & (both.l2 != "") & (both.l1 != both.l2)]
    out = {}
    for (dep, l2), g in both.groupby([S.DEPARTMENT, "l2"], sort=True):
        l1 = g.l1.value_counts().index[0]
        if l1 not in l2:
            out[(str(dep), str(l2))] = f"{l1}: {l2}"
    return out


def with_category_paths(issues: pd.DataFrame, paths_of: dict[tuple[str, str], str]) -> pd.DataFrame:
    """``issues`` (one per category) labelled with their category's path (:func:`category_paths`)."""
    if issues.empty or not paths_of:
        return issues
    labels = [paths_of.get((d, lab), lab) for d, lab in zip(issues.department.astype(str), issues.label.astype(str))]
    return issues.assign(label=labels)


def lookback_if_due(st: Store, month: pd.Period, settings: Settings, register: str | Path | None,
                    history: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The look-back (回头看) of the departments the register lists as supervised two or three months before
    ``month`` (:func:`hotline_analysis.reviews.lookback_review`: ``lookback`` and ``lookback_did``); empty
    tables when none is due or there is no register."""
    from ..reviews import LOOKBACK_COLUMNS, lookback_review, read_register

    path = Path(register) if register else paths.default_register(st.root)
    none = {"lookback": pd.DataFrame(columns=LOOKBACK_COLUMNS), "lookback_did": pd.DataFrame()}
    if not path.exists():
        return none
    due = [str(month - 3), str(month - 2)]
    if not read_register(path).month.isin(due).any():
        return none
    tables = lookback_review(st, due, str(month), path, settings, history=history)
    return {"lookback": tables["lookback"], "lookback_did": tables["did"]}


def annual_if_due(st: Store, month: pd.Period, settings: Settings, all_units: bool,
                  history: pd.DataFrame) -> pd.DataFrame:
    """In January and February, the previous year's review candidates
    (:func:`hotline_analysis.reviews.annual_review`, from the ``history`` already read); otherwise an empty
    table."""
    from ..reviews import annual_review

    if month.month > 2 or str(month.year - 1) + "-12" not in set(st.months()):
        return pd.DataFrame()
    return annual_review(st, month.year - 1, settings, all_units, history=history)
