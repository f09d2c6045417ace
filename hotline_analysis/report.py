"""The monthly report: data for the notebooks, papermill runs and the report pack.

Notebooks stay thin: they call :func:`load_month` and the table/figure
functions here and narrate the result.  :func:`run_report` executes every
notebook of ``notebooks/monthly/`` with papermill and writes the pack to
``reports/<dataset>/<YYYY-MM>/``: the executed notebooks, one HTML per
notebook without code, ``figures/*.png``, ``summary.json``, ``tables.xlsx``
and ``index.html``.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__, paths
from . import metrics as M
from . import schema as S
from .catalog import municipal_departments
from .errors import DataError, InputError, NotebookError, StoreError
from .paths import default_register, default_store  # noqa: F401 (the stored notebooks call report.default_*())
from .settings import Settings, load_settings
from .store import Store
from .stats import bh_adjust, satisfaction_shift
from .summary import COLUMNS, build_summary
from .topics import TopicResult, month_topics

TITLES = {
    "zh": {"01_overview": "本月概况", "02_departments": "部门排名与预警", "03_satisfaction": "满意度", "04_topics": "热点问题",
           "05_actions": "研判与行动", "index": "12345热线监督月报",
           "summary": "关键数据 (summary.json)", "tables": "数据表 (tables.xlsx)", "figures": "图表"},
    "en": {"01_overview": "The month at a glance", "02_departments": "Departments: rankings and flags",
           "03_satisfaction": "Satisfaction", "04_topics": "Main issues", "05_actions": "Assessment and actions",
           "index": "12345 hotline supervision report", "summary": "Key figures (summary.json)",
           "tables": "Tables (tables.xlsx)", "figures": "Figures"},
}


#: Display words for trends and flags.
WORDS = {"zh": {"falling": "下降", "rising": "上升", "no_trend": "无明显变化", "surge": "激增",
                "satisfaction_drop": "满意率下降", "commend": "表扬"},
         "en": {"falling": "falling", "rising": "rising", "no_trend": "no trend", "surge": "surge",
                "satisfaction_drop": "satisfaction drop", "commend": "commend"}}


@dataclass
class MonthData:
    """What the monthly notebooks need, loaded once."""

    store: Store
    month: pd.Period
    settings: Settings
    dataset: str
    departments: list[str] | None
    orders: pd.DataFrame  # work orders of the month, the month before and the same month a year before
    aggregates: pd.DataFrame | None

    @property
    def cfg(self) -> Settings:
        """The settings (under the name the stored notebooks use)."""
        return self.settings

    @property
    def this_month(self) -> pd.DataFrame:
        return self.orders[self.orders[M.MONTH] == self.month]

    @cached_property
    def topics(self) -> TopicResult:
        """The month's issues per department from the texts (:func:`hotline_analysis.topics.month_topics`)."""
        return month_topics(self.store, str(self.month), self.settings, self.departments)


def save_figure(fig, figures_dir: str, name: str):
    """Save ``fig`` as ``figures_dir/name`` (nothing is written when ``figures_dir`` is empty); return it for display."""
    from . import plots

    if figures_dir:
        plots.save(fig, Path(figures_dir) / name)
    return fig


def load_month(store: str | Path, month: str, config: str | Path | None = None, dataset: str | None = None,
               all_units: bool = False) -> MonthData:
    """Load the month, its previous month and the same month last year from a store (empty: :func:`default_store`)."""
    st = Store(Path(store) if store else default_store())
    if not st.exists():
        raise StoreError(f"{st.root} is not a store; run `hotline ingest` (or `make report`) first")
    m = pd.Period(month, "M")
    orders = st.load(months=[str(m), str(m - 1), str(m - 12)], columns=[*COLUMNS, S.CHANNEL, S.DISTRICT])
    settings = load_settings(config)
    orders = M.flag_net(M.with_month(orders), settings)
    aggregates = st.aggregates()
    known = set((aggregates if aggregates is not None else orders)[S.DEPARTMENT].dropna().unique())
    deps = None if all_units else (sorted(municipal_departments() & known) or None)
    return MonthData(st, m, settings, dataset or st.root.name, deps, orders, aggregates)


def breakdown(md: MonthData, by: str, lang: str = "zh") -> pd.DataFrame:
    """Orders of the month by ``by`` (request type, channel, district): count, share, MoM and YoY change.

    Columns: ``by, records, share, prev_month, mom_pct, prev_year, yoy_pct`` (percent).
    """
    counts = md.orders.groupby([by, M.MONTH], observed=True).size().unstack(M.MONTH)
    cur = counts.get(md.month, pd.Series(0, index=counts.index)).fillna(0)
    prev = counts.get(md.month - 1, pd.Series(float("nan"), index=counts.index))
    year = counts.get(md.month - 12, pd.Series(float("nan"), index=counts.index))
    out = pd.DataFrame({by: counts.index.astype(str), "records": cur.to_numpy().astype(int),
                        "share": (cur / cur.sum()).to_numpy(),
                        "prev_month": prev.to_numpy(), "prev_year": year.to_numpy()})
    mb = md.settings.change.min_base
    out["mom_pct"], _ = M.change_pct(out.records, out.prev_month, mb)
    out["yoy_pct"], _ = M.change_pct(out.records, out.prev_year, mb)
    if by in S.ENUMS:
        out[by] = out[by].map(S.enum_labels(by, lang)).fillna(out[by])
    return out.sort_values("records", ascending=False).reset_index(drop=True)


def daily_counts(md: MonthData) -> pd.Series:
    """Orders received per day of the month."""
    t = md.this_month
    return t.groupby(t[S.RECEIVED_AT].dt.normalize()).size()


def summary(md: MonthData, text_topics: bool = True) -> dict:
    """summary.json of the month (from the store's aggregate table when there is one).

    Topics are the issues from the texts (:attr:`MonthData.topics`), or with
    ``text_topics=False`` each department's most frequent categories.
    """
    topics = md.topics.to_summary(md.departments) if text_topics else None
    if md.aggregates is not None:
        return build_summary(md.aggregates, str(md.month), md.settings, md.dataset, md.departments, md.this_month,
                             topics=topics)
    full = md.store.load(columns=COLUMNS)
    return build_summary(full, str(md.month), md.settings, md.dataset, md.departments, topics=topics)


def department_table(summary_: dict, lang: str = "zh") -> pd.DataFrame:
    """The summary's department rows as a table with display headers."""
    t = pd.DataFrame(summary_["departments"])
    words = WORDS[lang]
    t["flags"] = t["flags"].map(lambda f: "、".join(words[x] for x in f) if lang == "zh" else ", ".join(f))
    t["trend"] = t["trend"].map(words)
    t["satisfaction_rate"] = (t["satisfaction_rate"] * 100).round(2)
    t = t.drop(columns=["satisfaction_ci"])
    if lang == "zh":
        t = t.rename(columns={"department": "承办单位", "net_complaints": "净投诉量", "net_complaints_prev_month": "上月",
                              "net_complaints_prev_year": "去年同月", "mom_pct": "环比(%)", "yoy_pct": "同比(%)",
                              "rank": "排名", "surveyed": "回访数", "satisfaction_rate": "满意率(%)",
                              "trend": "趋势", "flags": "预警"})
    return t


def _volumes(st: Store, settings: Settings, departments=None, aggregates: pd.DataFrame | None = None) -> pd.DataFrame:
    """Net complaints per department and month over the whole store (``departments`` only, when given), from
    the store's aggregate table (``aggregates`` when already read) or, without one, from its rows."""
    agg = aggregates if aggregates is not None else st.aggregates()
    orders = agg if agg is not None else M.with_month(st.load(columns=COLUMNS))
    if departments:
        orders = orders[orders[S.DEPARTMENT].isin(departments)]
    return M.monthly_volume(orders, settings)


def _read_register(register: str | Path) -> pd.DataFrame:
    """The committee's register of hearings (CSV ``department,month``)."""
    reg = pd.read_csv(register, dtype=str)
    missing = {"department", "month"} - set(reg.columns)
    if missing:
        raise InputError(f"the register needs columns department,month (missing {sorted(missing)})", register)
    return reg


def monthly_history(md: MonthData) -> pd.DataFrame:
    """Net complaints per department and month up to the report month (from the store's aggregate table)."""
    vol = _volumes(md.store, md.settings, md.departments, md.aggregates)
    return vol[vol[M.MONTH] <= md.month].reset_index(drop=True)


def rank_movers(md: MonthData, n: int = 5) -> pd.DataFrame:
    """The ``n`` departments that climbed most in the net-complaint ranking since last month, and the ``n``
    that fell most. Columns: ``department, net_complaints, rank, rank_prev_month, rank_change`` (positive:
    moved up towards rank 1, i.e. relatively more complaints)."""
    from .rank import rank_month

    r = rank_month(monthly_history(md), md.month).dropna(subset=["rank_change"])
    up = r[r.rank_change > 0].sort_values(["rank_change", "department"], ascending=[False, True]).head(n)
    down = r[r.rank_change < 0].sort_values(["rank_change", "department"]).head(n)
    return pd.concat([up, down]).reset_index(drop=True)


def long_trends(md: MonthData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The longer view per department: seasonal Mann-Kendall with Sen's slope over the last
    ``trend.mk_window_months`` months, and the STL trend line for plots.

    Returns ``(tests, lines)``: ``tests`` has ``department, trend, slope_per_year, p_value, q_value``
    (Benjamini-Hochberg across departments; ``trend`` stays ``no_trend`` unless q is below ``trend.alpha``);
    ``lines`` is the monthly history with a ``trend`` column (STL, where 24 months or more are available).
    """
    from .stats import decompose, trend_test

    hist = monthly_history(md)
    window = md.settings.trend.mk_window_months
    rows, lines = [], []
    for dep, g in hist.groupby(S.DEPARTMENT, observed=True):
        g = g.sort_values(M.MONTH)
        full = pd.Series(g.net_complaints.to_numpy(float),
                         index=pd.period_range(g[M.MONTH].min(), md.month, freq="M")[: len(g)])
        recent = full.iloc[-window:]
        r = trend_test(recent) if len(recent) >= 24 else None
        rows.append((dep, r.slope_per_year if r else np.nan, r.p_value if r else np.nan, r.z if r else np.nan))
        g = g.assign(trend=decompose(full).trend.to_numpy() if len(full) >= 24 else np.nan)
        lines.append(g)
    tests = pd.DataFrame(rows, columns=["department", "slope_per_year", "p_value", "z"])
    reject, q = bh_adjust(tests.p_value.to_numpy(), md.settings.trend.alpha)
    tests["q_value"] = q
    tests["trend"] = np.where(reject, np.where(tests.z < 0, "falling", "rising"), "no_trend")
    tests = tests[["department", "trend", "slope_per_year", "p_value", "q_value"]]
    return tests.sort_values("slope_per_year").reset_index(drop=True), pd.concat(lines, ignore_index=True)


def satisfaction_table(md: MonthData) -> pd.DataFrame:
    """Departments' call-back satisfaction this month, its interval, the shift against last month.

    Columns: those of :func:`hotline_analysis.metrics.satisfaction` plus
    ``delta_pp``, ``shift_low_pp``, ``shift_high_pp``, ``p_value``, ``q_value``
    and ``significant`` (BH across departments at
    ``settings.flags.satisfaction_drop.alpha``).
    """
    d = md.orders[md.orders[S.DEPARTMENT].isin(md.departments)] if md.departments else md.orders
    sat = M.satisfaction(d[d[M.MONTH].isin([md.month, md.month - 1])], md.settings)
    cur = sat[sat[M.MONTH] == md.month].set_index(S.DEPARTMENT)
    prev = sat[sat[M.MONTH] == md.month - 1].set_index(S.DEPARTMENT)
    rows = []
    for dep, a in cur.iterrows():
        b = prev.loc[dep] if dep in prev.index else None
        r = (satisfaction_shift(int(a.satisfied + a.basically_satisfied), int(a.surveyed),
                                int(b.satisfied + b.basically_satisfied), int(b.surveyed)) if b is not None else None)
        values = (r.delta_pp, r.ci_low_pp, r.ci_high_pp, r.p_value) if r else (float("nan"),) * 4
        rows.append((dep, *values))
    shifts = pd.DataFrame(rows, columns=[S.DEPARTMENT, "delta_pp", "shift_low_pp", "shift_high_pp", "p_value"])
    shifts["significant"], shifts["q_value"] = bh_adjust(shifts.p_value, md.settings.flags.satisfaction_drop.alpha)
    out = cur.reset_index().merge(shifts, on=S.DEPARTMENT, how="left")
    return out.sort_values("satisfaction_rate").reset_index(drop=True)


#: Words of the action list.
ACTION_WORDS = {"zh": {"call": "约谈/专题询问", "commend": "表扬典型", "surge": "投诉量激增",
                       "satisfaction_drop": "满意率显著下降", "rising": "投诉量持续上升", "commend_r": "同比显著下降",
                       "top": "净投诉量居前"},
                "en": {"call": "call before the committee", "commend": "commend", "surge": "surge in complaints",
                       "satisfaction_drop": "significant satisfaction drop", "rising": "rising trend",
                       "commend_r": "significant fall year over year", "top": "most net complaints"}}


def action_list(summary_: dict, lang: str = "zh") -> pd.DataFrame:
    """"One assessment, one action": who is called before the committee and why, who is commended.

    Columns: ``department, action, reasons``.  A department is called when it
    has a surge, a significant satisfaction drop or a rising trend; commended
    when its fall year over year is significant.
    """
    words = ACTION_WORDS[lang]
    rows = []
    for d in summary_["departments"]:
        reasons = [words[f] for f in d["flags"] if f in ("surge", "satisfaction_drop")]
        if d["trend"] == "rising":
            reasons.append(words["rising"])
        if reasons:
            rows.append((d["department"], words["call"], "; ".join(reasons)))
        elif "commend" in d["flags"]:
            rows.append((d["department"], words["commend"], words["commend_r"]))
    return pd.DataFrame(rows, columns=["department", "action", "reasons"])


#: Column headers of the issue tables.
ISSUE_HEADERS = {
    "zh": {"department": "部门", "rank": "序号", "label": "问题", "keywords": "关键词", "orders": "件数",
           "baseline_mean": "前期月均", "change": "增减", "emerging": "新出现/显著上升", "category": "主要类别",
           "examples": "例句", "question": "质询问题", "why": "列入原因"},
    "en": {"department": "department", "rank": "rank", "label": "issue", "keywords": "keywords", "orders": "orders",
           "baseline_mean": "mean before", "change": "change", "emerging": "emerging", "category": "main category",
           "examples": "examples", "question": "question", "why": "why listed"},
}


def _issue_display(t: pd.DataFrame, lang: str) -> pd.DataFrame:
    t = t.copy()
    t["keywords"] = t["keywords"].map("、".join if lang == "zh" else ", ".join)
    t["examples"] = t["examples"].map(lambda ex: " / ".join(ex))
    t["baseline_mean"] = t["baseline_mean"].round(1)
    t["change"] = t["change"].round(1)
    t["emerging"] = t["emerging"].map({True: "是" if lang == "zh" else "yes", False: ""})
    cols = ["department", "rank", "label", "keywords", "orders", "baseline_mean", "change", "emerging", "category",
            "examples"]
    return t[cols].rename(columns=ISSUE_HEADERS[lang]).reset_index(drop=True)


def issue_table(md: MonthData, lang: str = "zh", department: str | None = None) -> pd.DataFrame:
    """The top issues of every department (or one), with keywords, counts, change and examples, for display."""
    return _issue_display(md.topics.top(department), lang)


def city_issues(md: MonthData, lang: str = "zh", n: int | None = None) -> pd.DataFrame:
    """The city's largest issues of the month across departments, for display."""
    return _issue_display(md.topics.city(n), lang)


def emerging_issues(md: MonthData, lang: str = "zh") -> pd.DataFrame:
    """Issues significantly above their trailing monthly mean, largest rise first, for display."""
    return _issue_display(md.topics.emerging(), lang)


def question_list(md: MonthData, summary_: dict, lang: str = "zh", n: int | None = None,
                  example: bool = True) -> pd.DataFrame:
    """The committee's questions: the top issues, read aloud, of every department called before it.

    Departments on the action list (:func:`action_list`) to be called, then
    the three with the most net complaints (Zibo's committee read the
    complaints of the departments with the most complaints). Columns:
    ``department, why, rank, question``.
    """
    acts = action_list(summary_, lang)
    called = acts[acts.action == ACTION_WORDS[lang]["call"]]
    why = dict(zip(called.department, called.reasons))
    for d in summary_["departments"][:3]:
        why.setdefault(d["department"], ACTION_WORDS[lang]["top"])
    net = {d["department"]: d["net_complaints"] for d in summary_["departments"]}
    rows = []
    for dep, reason in why.items():
        qs = md.topics.questions(dep, lang, n, example) or [
            f"本月净投诉{net.get(dep, 0)}件，较为分散，未形成集中反映的问题。" if lang == "zh" else
            f"{net.get(dep, 0)} net complaints this month, too scattered to form an issue."]
        rows += [(dep, reason, i + 1, q) for i, q in enumerate(qs)]
    return pd.DataFrame(rows, columns=["department", "why", "rank", "question"])


def questions_html(questions: pd.DataFrame) -> str:
    """The question list (:func:`question_list`) as HTML: a heading per department, numbered questions.

    Everything is escaped, and nothing passes through Markdown, so citizen text
    (links, asterisks, tags) shows as written.
    """
    esc = html.escape
    return "".join(f"<h3>{esc(dep)}（{esc(q.why.iloc[0])}）</h3><ol>"
                   + "".join(f"<li>{esc(r.question)}</li>" for r in q.itertuples()) + "</ol>"
                   for dep, q in questions.groupby("department", sort=False)) or "<p>—</p>"


def annual_review(store: str | Path, year: int, config: str | Path | None = None,
                  all_units: bool = False) -> pd.DataFrame:
    """The year's review candidates: top N by annual net complaints plus significant annual risers.

    Columns: those of :func:`hotline_analysis.rank.review_candidates`, for the
    municipal departments of the alias table (every unit with ``all_units``).
    """
    from .rank import review_candidates

    st = Store(Path(store) if store else default_store())
    settings = load_settings(config)
    vol = _volumes(st, settings, None if all_units else municipal_departments())
    return review_candidates(vol[vol[M.MONTH].dt.year.isin([year - 1, year])], year, settings)


def lookback(store: str | Path, supervised: list[str], at: str, register: str | Path,
             config: str | Path | None = None) -> pd.DataFrame:
    """Look-back (回头看): did net complaints of the departments supervised in ``supervised`` months fall by ``at``?

    ``register`` is the committee's register of hearings (CSV ``department,month``).
    For each department an interrupted time series (robust quasi-Poisson,
    seasonal harmonics, step after its supervision month) over the months up to
    ``at``.  Columns: ``department, supervised, months_after, rate_ratio,
    ci_low, ci_high, p_value, verdict`` (``fell`` when the whole interval is
    below 1, ``rose`` when above, else ``no clear change``).
    """
    from .stats import its

    st = Store(Path(store) if store else default_store())
    reg = _read_register(register)
    reg = reg[reg.month.isin(supervised)]
    vol = _volumes(st, load_settings(config), set(reg.department))
    end = pd.Period(at, "M")
    rows = []
    for dep, month in zip(reg.department, reg.month):
        s = vol[(vol[S.DEPARTMENT] == dep) & (vol[M.MONTH] <= end)].sort_values(M.MONTH)
        post = (s[M.MONTH] > pd.Period(month, "M")).astype(int)
        if post.sum() == 0 or (1 - post).sum() < 12:
            rows.append((dep, month, int(post.sum()), *[float("nan")] * 4, "not enough months"))
            continue
        r = its(s.net_complaints, post, s[M.MONTH].dt.month, robust=True)
        verdict = "fell" if r.ci_high < 1 else ("rose" if r.ci_low > 1 else "no clear change")
        rows.append((dep, month, int(post.sum()), r.rate_ratio, r.ci_low, r.ci_high, r.p_value, verdict))
    return pd.DataFrame(rows, columns=["department", "supervised", "months_after", "rate_ratio", "ci_low", "ci_high",
                                       "p_value", "verdict"])


def lookback_did(store: str | Path, supervised: list[str], at: str, register: str | Path,
                 config: str | Path | None = None):
    """The look-back as one difference in differences: departments supervised in ``supervised`` months
    against the municipal departments the register never lists, months up to ``at``.

    Each supervised department is treated from the month after its hearing.
    Returns a :class:`hotline_analysis.stats.DiDResult`; its pre-period check
    says when the comparison departments were already drifting apart (then
    trust the interrupted time series of :func:`lookback` instead).
    """
    from .stats import did

    st = Store(Path(store) if store else default_store())
    reg = _read_register(register)
    chosen = reg[reg.month.isin(supervised)].sort_values("month")
    start: dict = {}
    for d, m in zip(chosen.department, chosen.month):
        start.setdefault(d, pd.Period(m, "M") + 1)  # the first hearing counts
    control = sorted(municipal_departments() - set(reg.department))
    if not control:
        raise DataError("no comparison departments: every municipal department of the alias table is in the "
                         "register (or there is no alias table); the difference in differences needs some never heard")
    vol = _volumes(st, load_settings(config), set(start) | set(control))
    vol = vol[vol[M.MONTH] <= pd.Period(at, "M")]
    return did(vol, list(start), start)


# --- briefing ----------------------------------------------------------------------------------------


def headline(summary_: dict, lang: str = "zh") -> list[str]:
    """The month in a few sentences (for slides and the briefing)."""
    led = summary_["ledger"]
    deps = summary_["departments"]
    falling = sum(d["trend"] == "falling" for d in deps)
    rising = sum(d["trend"] == "rising" for d in deps)
    top = deps[0]["department"] if deps else "—"
    f = summary_["flags"]
    if lang == "zh":
        return [f"受理工单 {led['records']:,} 件，净投诉 {led['net_complaints']:,} 件",
                f"净投诉量最多：{top}",
                f"投诉下降部门 {falling} 个，上升 {rising} 个（近1、3、6个月同比，经统计检验）",
                f"激增预警 {len(f['surge'])} 个，满意率显著下降 {len(f['satisfaction_drop'])} 个，表扬 {len(f['commend'])} 个"]
    return [f"{led['records']:,} work orders, {led['net_complaints']:,} net complaints",
            f"Most net complaints: {top}",
            f"{falling} departments falling, {rising} rising (last 1, 3 and 6 months year over year, tested)",
            f"Surges {len(f['surge'])}, satisfaction drops {len(f['satisfaction_drop'])}, commended {len(f['commend'])}"]


def write_briefing(summary_: dict, figures: Path, path: Path, lang: str = "zh",
                   questions: pd.DataFrame | None = None) -> Path:
    """``briefing.pptx``: title, headline figures, ranking chart, flags, satisfaction, hot topics, actions and
    one slide of questions per department called (``questions``: :func:`question_list` without examples)."""
    from pptx import Presentation
    from pptx.util import Inches, Pt

    t = TITLES[lang]
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    s = prs.slides.add_slide(prs.slide_layouts[0])
    s.shapes.title.text = f"{t['index']} · {summary_['month']}"
    s.placeholders[1].text = summary_["dataset"]

    def bullets(title: str, lines: list[str], size: int = 20) -> None:
        slide = prs.slides.add_slide(prs.slide_layouts[1])
        slide.shapes.title.text = title
        body = slide.placeholders[1].text_frame
        body.clear()
        body.word_wrap = True
        for i, line in enumerate(lines or ["—"]):
            p = body.paragraphs[0] if i == 0 else body.add_paragraph()
            p.text = line
            p.font.size = Pt(size)

    def picture(title: str, png: Path) -> None:
        if not png.exists():
            return
        slide = prs.slides.add_slide(prs.slide_layouts[5])
        slide.shapes.title.text = title
        slide.shapes.add_picture(str(png), Inches(1.5), Inches(1.4), height=Inches(5.8))

    bullets("本月要点" if lang == "zh" else "Headlines", headline(summary_, lang))
    picture("净投诉量排名" if lang == "zh" else "Net complaints by department", figures / "ranking.png")
    f = summary_["flags"]
    bullets("预警" if lang == "zh" else "Flags", [f"{k}: {', '.join(v) or '—'}" for k, v in f.items()])
    picture("满意度" if lang == "zh" else "Satisfaction", figures / "satisfaction.png")
    picture(t["04_topics"], figures / "topics.png")
    acts = action_list(summary_, lang)
    bullets(t.get("05_actions", "Actions"), [f"{a.department}: {a.action}（{a.reasons}）" if lang == "zh"
                                            else f"{a.department}: {a.action} ({a.reasons})" for a in acts.itertuples()])
    for dep, q in ([] if questions is None else questions.groupby("department", sort=False)):
        bullets(f"{dep} · {'质询问题' if lang == 'zh' else 'questions'}（{q.why.iloc[0]}）",
                [f"{r.rank}. {r.question}" for r in q.itertuples()], size=13)
    prs.save(path)
    return path


def write_slides(summary_: dict, figures: Path, path: Path, lang: str = "zh",
                 questions: pd.DataFrame | None = None) -> Path:
    """``slides.html``: a self-contained reveal.js deck (library inlined, charts embedded) that opens offline;
    the same slides as :func:`write_briefing`."""
    import base64
    from importlib import resources as ir

    res = ir.files("hotline_analysis.resources").joinpath("revealjs")
    js = res.joinpath("reveal.js").read_text("utf-8")
    css = res.joinpath("reveal.css").read_text("utf-8")
    theme = re.sub(r"@import url\([^)]*\);", "", res.joinpath("white.css").read_text("utf-8"))
    esc = html.escape
    t = TITLES[lang]

    def img(name: str, title: str) -> str:
        png = figures / name
        if not png.exists():
            return ""
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        return f'<section><h3>{esc(title)}</h3><img style="max-height:80vh" src="data:image/png;base64,{data}"></section>'

    def items(lines: list[str]) -> str:
        return "<ul>" + "".join(f"<li>{esc(x)}</li>" for x in (lines or ["—"])) + "</ul>"

    acts = action_list(summary_, lang)
    sections = [
        f"<section><h2>{esc(t['index'])}</h2><p>{esc(summary_['month'])} · {esc(summary_['dataset'])}</p></section>",
        f"<section><h3>{'本月要点' if lang == 'zh' else 'Headlines'}</h3>{items(headline(summary_, lang))}</section>",
        img("ranking.png", "净投诉量排名" if lang == "zh" else "Net complaints by department"),
        f"<section><h3>{'预警' if lang == 'zh' else 'Flags'}</h3>"
        + items([f"{k}: {', '.join(v) or '—'}" for k, v in summary_["flags"].items()]) + "</section>",
        img("satisfaction.png", "满意度" if lang == "zh" else "Satisfaction"),
        img("topics.png", t["04_topics"]),
        f"<section><h3>{esc(t.get('05_actions', 'Actions'))}</h3>"
        + items([f"{a.department}: {a.action} ({a.reasons})" for a in acts.itertuples()]) + "</section>",
    ]
    for dep, q in ([] if questions is None else questions.groupby("department", sort=False)):
        sections.append(f"<section><h3>{esc(dep)} · {'质询问题' if lang == 'zh' else 'questions'}</h3>"
                        f"<div style='font-size:0.55em'>{items([f'{r.rank}. {r.question}' for r in q.itertuples()])}"
                        "</div></section>")
    page = f"""<!DOCTYPE html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<title>{esc(t['index'])} {esc(summary_['month'])}</title>
<style>{css}</style><style>{theme}</style>
<style>.reveal{{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif}} .reveal ul{{font-size:0.8em}}</style>
</head><body><div class="reveal"><div class="slides">{''.join(sections)}</div></div>
<script>{js}</script><script>Reveal.initialize({{hash:true}});</script></body></html>
"""
    if NETWORK_REFERENCE.search(page):
        raise RuntimeError(f"slides: network reference {NETWORK_REFERENCE.search(page).group(0)!r}")
    path.write_text(page, encoding="utf-8")
    return path


# --- the pack ----------------------------------------------------------------------------------------


def _safe_cell(v):
    """Text that Excel would read as a formula is prefixed with an apostrophe-free quote mark."""
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@"):
        return "'" + v
    return v


def write_tables(tables: dict[str, pd.DataFrame], path: Path) -> Path:
    """One sheet per table (xlsxwriter); cells cannot become formulas."""
    with pd.ExcelWriter(path, engine="xlsxwriter",
                        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}}) as xl:
        for name, t in tables.items():
            t.map(_safe_cell).to_excel(xl, sheet_name=name[:31], index=False)
    return path


#: Network references that must not appear in a report (it has to open on an offline intranet).
NETWORK_REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|import\(\s*["'](?:https?:)?//|url\(\s*["']?(?:https?:)?//""",
                               re.IGNORECASE)


def strip_network_references(page: str) -> str:
    """Remove the CDN scripts (require.js, MathJax, mermaid) nbconvert's template adds; the report needs none."""
    page = re.sub(r"<script[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>\s*</script>", "", page, flags=re.I)
    page = re.sub(r"<script[^>]*>(?:(?!</script>).)*?(?:https?:)?//cdnjs\.(?:(?!</script>).)*</script>", "", page,
                  flags=re.I | re.S)
    return page


def _export_html(nb_path: Path, out: Path, title: str) -> Path:
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nbformat.read(nb_path, as_version=4), resources={"metadata": {"name": title}})
    body = strip_network_references(body)
    if NETWORK_REFERENCE.search(body):
        raise RuntimeError(f"{out.name}: a network reference is left in the HTML: "
                           f"{NETWORK_REFERENCE.search(body).group(0)!r}")
    out.write_text(body, encoding="utf-8")
    return out


def run_notebook(nb: Path, out: Path, params: dict, title: str) -> Path:
    """Execute ``nb`` with papermill into ``out`` and export it as HTML without code; return the HTML page."""
    import papermill as pm

    out.mkdir(parents=True, exist_ok=True)
    try:
        pm.execute_notebook(str(nb), str(out / nb.name), parameters=params, progress_bar=False,
                            kernel_name="python3", cwd=str(out), kernel_manager_class=_ipc_kernel_manager())
    except pm.PapermillExecutionError as exc:  # the executed notebook, with the traceback, is in ``out``
        first = next((ln.strip() for ln in exc.source.splitlines() if ln.strip()), "")
        raise NotebookError(f"{exc.ename}: {exc.evalue} (the executed notebook: {out / nb.name})", nb.name,
                            first) from None
    return _export_html(out / nb.name, out / f"{nb.stem}.html", title)


@lru_cache(maxsize=1)
def _ipc_kernel_manager():
    """A kernel manager class whose kernels talk over local IPC sockets in a private temporary folder (not TCP
    ports on localhost); nbclient owns it, so kernel, client and sockets are all cleaned up after the run."""
    import shutil
    import tempfile

    from jupyter_client.manager import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            self._ipc_dir = tempfile.mkdtemp(prefix="hotline-kernel-")
            super().__init__(transport="ipc", ip=str(Path(self._ipc_dir) / "kernel"), **kwargs)

        async def cleanup_resources(self, restart: bool = False) -> None:
            await super().cleanup_resources(restart)
            if not restart:
                shutil.rmtree(self._ipc_dir, ignore_errors=True)

    return IPCKernelManager


def run_report(store: str | Path, month: str, out: str | Path | None = None, lang: str = "zh",
               config: str | Path | None = None, progress: bool = True) -> Path:
    """Execute the monthly notebooks for ``month`` and write the report pack; return its folder."""
    from tqdm.auto import tqdm

    m = pd.Period(month, "M")
    st = Store(Path(store))
    out = Path(out) if out else paths.report_folder(st.root, str(m))
    figures = out / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    notebooks = sorted(paths.MONTHLY_NOTEBOOKS_DIR.glob("*.ipynb"))
    params = {"store": str(Path(store).resolve()), "month": str(m), "lang": lang, "figures_dir": str(figures.resolve()),
              "config": str(config) if config else ""}
    pages = []
    for nb in tqdm(notebooks, desc=f"report {m}", disable=not progress):
        title = TITLES[lang].get(nb.stem, nb.stem)
        pages.append((title, run_notebook(nb, out, params, title).name))
    md = load_month(store, str(m), config)
    summ = summary(md)
    (out / "summary.json").write_text(json.dumps(summ, ensure_ascii=False, indent=1), encoding="utf-8")
    questions = question_list(md, summ, lang)
    zh = lang == "zh"
    write_tables({("部门" if zh else "departments"): department_table(summ, lang),
                  ("诉求类型" if zh else "request types"): breakdown(md, S.REQUEST_TYPE, lang),
                  ("受理渠道" if zh else "channels"): breakdown(md, S.CHANNEL, lang),
                  ("区县" if zh else "districts"): breakdown(md, S.DISTRICT, lang),
                  ("热点问题" if zh else "issues"): issue_table(md, lang),
                  ("新出现问题" if zh else "emerging issues"): emerging_issues(md, lang),
                  ("质询问题清单" if zh else "questions"): questions.rename(columns=ISSUE_HEADERS[lang])},
                 out / "tables.xlsx")
    short = question_list(md, summ, lang, example=False)
    write_briefing(summ, figures, out / "briefing.pptx", lang, short)
    write_slides(summ, figures, out / "slides.html", lang, short)
    pages.append(("幻灯片 (slides.html)" if lang == "zh" else "Slides", "slides.html"))
    pages.append(("PowerPoint" if lang == "en" else "汇报幻灯片 (briefing.pptx)", "briefing.pptx"))
    _write_index(out, m, lang, pages, sorted(figures.glob("*.png")), summ)
    embed_font(sorted(out.glob("*.html")))
    return out


def embed_font(pages: list[Path]) -> None:
    """Give every page the bundled Noto Sans CJK font, cut down to the characters the pages use.

    The font travels inside the HTML as a data URL (about 0.1 MB), so Chinese
    renders the same on a machine without any CJK font, and nothing is fetched.
    """
    import base64
    import io

    from fontTools import subset
    from mplfonts.conf import FONT_DIR

    from .plots import FONT_FILE

    text = "".join(p.read_text("utf-8") for p in pages)
    options = subset.Options()
    options.flavor = "woff"
    font = subset.load_font(str(Path(FONT_DIR) / FONT_FILE), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(set(text))))
    subsetter.subset(font)
    buf = io.BytesIO()
    subset.save_font(font, buf, options)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    style = ("<style>@font-face{font-family:'Noto Sans CJK SC report';"
             f"src:url(data:font/woff;base64,{data}) format('woff');}}"
             "body,h1,h2,h3,.reveal,.reveal h1,.reveal h2,.reveal h3,.jp-RenderedHTMLCommon"
             "{font-family:'Noto Sans CJK SC report',sans-serif !important}</style>")
    for p in pages:
        page = p.read_text("utf-8")
        p.write_text(page.replace("</head>", style + "</head>", 1), encoding="utf-8")


BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")


def print_pdf(pages: list[Path]) -> list[Path]:
    """Print HTML pages to PDF with a locally installed Chromium (headless, no network); return the PDFs.

    Raises ``FileNotFoundError`` with what to install when no browser is found.
    """
    import shutil
    import subprocess
    import tempfile

    browser = next((b for b in map(shutil.which, BROWSERS) if b), None)
    if browser is None:
        raise FileNotFoundError("no Chromium found for --pdf; install one (e.g. 'apt-get install chromium') "
                                "or print index.html from a browser")
    out = []
    for page in pages:
        pdf = page.with_suffix(".pdf")
        with tempfile.TemporaryDirectory() as profile:
            subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                            "--disable-background-networking", "--disable-component-update", "--disable-sync",
                            f"--user-data-dir={profile}", f"--print-to-pdf={pdf}", "--no-pdf-header-footer",
                            page.resolve().as_uri()], check=True, capture_output=True, timeout=120)
        out.append(pdf)
    return out


def _write_index(out: Path, month: pd.Period, lang: str, pages: list[tuple[str, str]], figures: list[Path],
                 summary_: dict | None = None) -> None:
    t = TITLES[lang]
    esc = html.escape
    heads = "" if summary_ is None else (
        f"<h2>{'本月要点' if lang == 'zh' else 'Headlines'}</h2><ul>"
        + "".join(f"<li>{esc(x)}</li>" for x in headline(summary_, lang)) + "</ul>")
    items = "".join(f'<li><a href="{esc(href)}">{esc(title)}</a></li>' for title, href in pages)
    items += f'<li><a href="summary.json">{esc(t["summary"])}</a></li><li><a href="tables.xlsx">{esc(t["tables"])}</a></li>'
    figs = "".join(f'<li><a href="figures/{esc(f.name)}">{esc(f.name)}</a></li>' for f in figures)
    page = f"""<!DOCTYPE html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<title>{esc(t['index'])} {month}</title>
<style>body{{font-family:sans-serif;max-width:50em;margin:2em auto;line-height:1.6}}</style></head>
<body><h1>{esc(t['index'])} · {month}</h1>{heads}<h2>{'报告' if lang == 'zh' else 'Report'}</h2><ul>{items}</ul>
<h2>{esc(t['figures'])}</h2><ul>{figs}</ul>
<p><small>hotline_analysis {__version__}</small></p></body></html>
"""
    (out / "index.html").write_text(page, encoding="utf-8")
