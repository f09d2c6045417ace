"""One assessment, one action (一研判、一行动): who is called before the committee, who is commended, and the
questions to put to them. Reasons are codes; :mod:`hotline_analysis.labels` has their words."""

from __future__ import annotations

import pandas as pd

#: Issue columns a question carries.
ISSUE_COLUMNS = ["label", "orders", "baseline_mean", "change", "emerging", "category", "examples"]

EMPTY_ACTIONS = pd.DataFrame({"department": pd.Series(dtype=str), "action": pd.Series(dtype=str),
                              "reasons": pd.Series(dtype=object)})
EMPTY_QUESTIONS = pd.DataFrame(columns=["department", "why", "rank", *ISSUE_COLUMNS])


def action_list(report) -> pd.DataFrame:
    """Departments to call before the committee (``call``: a surge, a significant satisfaction drop, a rising
    trend, or a standard missed beyond doubt: satisfaction (``satisfaction_below``: the interval's upper end
    under the standard too), ``slow``, ``reassign_high`` of the handling table) and to
    commend (``commend``): those called first, each kind in rank order.

    Commended are the candidates of :func:`hotline_analysis.flags.commendations` (a sustained fall relative to
    the city) that also fell year on year this month, are not called and whose satisfaction is not significantly
    below the city's, at most
    ``flags.commend.max_departments``, the largest relative falls first. Columns: ``department, action,
    reasons`` (``reasons``: a list of codes).
    """
    d = report.departments
    below = set(report.satisfaction.loc[report.satisfaction.below_city.fillna(False).astype(bool), "department"])
    h = report.handling[report.handling.month == report.month].set_index("department")
    missed = {code: set(h.index[h[code].fillna(False).astype(bool)]) for code in ("slow", "reassign_high")}
    sat = report.satisfaction
    missed["satisfaction_below"] = set(sat.loc[sat.below_standard_for_sure.fillna(False).astype(bool), "department"])
    called = {}
    for r in d.itertuples():
        reasons = [c for c, on in (("surge", r.surge), ("satisfaction_drop", r.satisfaction_drop),
                                   ("satisfaction_below", r.department in missed["satisfaction_below"]),
                                   ("rising", r.trend == "rising"), ("slow", r.department in missed["slow"]),
                                   ("reassign_high", r.department in missed["reassign_high"])) if on]
        if reasons:
            called[r.department] = reasons
    fell_this_month = (d.yoy_pct < 0).fillna(False)  # a sustained fall shows in the month too
    eligible = d[d.commend_candidate & fell_this_month & ~d.department.isin(called) & ~d.department.isin(below)]
    chosen = set(eligible.nsmallest(report.settings.flags.commend.max_departments, "commend_relative_ratio")
                 .department)
    rows = [(r.department, "call", called[r.department]) for r in d.itertuples() if r.department in called]
    rows += [(r.department, "commend", ["commend"]) for r in d.itertuples() if r.department in chosen]
    return pd.DataFrame(rows, columns=EMPTY_ACTIONS.columns) if rows else EMPTY_ACTIONS.copy()


def question_list(report, actions: pd.DataFrame) -> pd.DataFrame:
    """The committee's questions: up to ``topics.top_n`` issues of every department called and of the
    ``topics.question_departments`` departments with the most net complaints (Zibo's committee read the
    complaints of the departments with the most), departments in rank order, issues with fewer than
    ``topics.min_question_orders`` orders left out.

    Columns: ``department, why, rank`` and the issue's ``label, orders, baseline_mean, change, emerging,
    category, examples``. A department without an issue that qualifies gets one row with ``rank`` 0 and no
    label (its complaints are too scattered to form an issue).
    """
    s = report.settings.topics
    called = actions[actions.action == "call"]
    why = dict(zip(called.department, called.reasons))
    for dep in report.departments.department.head(s.question_departments):
        why.setdefault(dep, ["top"])
    order = [d for d in report.supervised if d in why]
    issues = report.issues[report.issues.orders >= s.min_question_orders]
    net = report.departments.set_index("department").net_complaints
    rows = []
    for dep in order:
        reasons = why[dep]
        mine = issues[issues.department == dep].sort_values("rank").head(s.top_n)
        if mine.empty:
            rows.append({"department": dep, "why": list(reasons), "rank": 0, "label": None,
                         "orders": int(net.get(dep, 0)), "baseline_mean": float("nan"), "change": float("nan"),
                         "emerging": False, "category": None, "examples": []})
            continue
        for r in mine.itertuples():
            rows.append({"department": dep, "why": list(reasons), "rank": int(r.rank),
                         **{c: getattr(r, c) for c in ISSUE_COLUMNS}})
    return pd.DataFrame(rows, columns=EMPTY_QUESTIONS.columns) if rows else EMPTY_QUESTIONS.copy()
