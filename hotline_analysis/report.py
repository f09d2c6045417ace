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
from pathlib import Path

import pandas as pd

from . import __version__, paths
from . import metrics as M
from . import schema as S
from .catalog import KIND_DEPARTMENT, load_departments
from .config import load_config
from .store import Store
from .stats import bh_adjust, satisfaction_shift
from .summary import COLUMNS, build_summary

NOTEBOOK_DIR = paths.PROJECT_ROOT / "notebooks" / "monthly"
TITLES = {
    "zh": {"01_overview": "本月概况", "02_departments": "部门排名与预警", "03_satisfaction": "满意度",
           "05_actions": "研判与行动", "index": "12345热线监督月报",
           "summary": "关键数据 (summary.json)", "tables": "数据表 (tables.xlsx)", "figures": "图表"},
    "en": {"01_overview": "The month at a glance", "02_departments": "Departments: rankings and flags",
           "03_satisfaction": "Satisfaction", "05_actions": "Assessment and actions",
           "index": "12345 hotline supervision report", "summary": "Key figures (summary.json)",
           "tables": "Tables (tables.xlsx)", "figures": "Figures"},
}


@dataclass
class MonthData:
    """What the monthly notebooks need, loaded once."""

    store: Store
    month: pd.Period
    cfg: dict
    dataset: str
    departments: list[str] | None
    orders: pd.DataFrame  # work orders of the month, the month before and the same month a year before
    aggregates: pd.DataFrame | None

    @property
    def this_month(self) -> pd.DataFrame:
        return self.orders[self.orders[M.MONTH] == self.month]


def load_month(store: str | Path, month: str, config: str | Path | None = None, dataset: str | None = None,
               all_units: bool = False) -> MonthData:
    """Load the month, its previous month and the same month last year from a store."""
    st = Store(Path(store))
    m = pd.Period(month, "M")
    orders = st.load(months=[str(m), str(m - 1), str(m - 12)], columns=[*COLUMNS, S.CHANNEL, S.DISTRICT])
    orders = M.flag_net(M.with_month(orders), load_config(config))
    deps = None
    if not all_units and paths.DEPARTMENTS_CSV.exists():
        ref = load_departments(paths.DEPARTMENTS_CSV)
        known = set(orders[S.DEPARTMENT].dropna().unique())
        deps = sorted(set(ref.loc[ref.kind == KIND_DEPARTMENT, "name"]) & known) or None
    return MonthData(st, m, load_config(config), dataset or st.root.name, deps, orders, st.aggregates())


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
    mb = md.cfg["change"]["min_base"]
    out["mom_pct"], _ = M.change_pct(out.records, out.prev_month, mb)
    out["yoy_pct"], _ = M.change_pct(out.records, out.prev_year, mb)
    if by in S.ENUMS:
        out[by] = out[by].map(S.enum_labels(by, lang)).fillna(out[by])
    return out.sort_values("records", ascending=False).reset_index(drop=True)


def daily_counts(md: MonthData) -> pd.Series:
    """Orders received per day of the month."""
    t = md.this_month
    return t.groupby(t[S.RECEIVED_AT].dt.normalize()).size()


def summary(md: MonthData) -> dict:
    """summary.json of the month (from the store's aggregate table when there is one)."""
    month_rows = md.this_month
    if md.aggregates is not None:
        return build_summary(md.aggregates, str(md.month), md.cfg, md.dataset, md.departments, month_rows)
    full = md.store.load(columns=COLUMNS)
    return build_summary(full, str(md.month), md.cfg, md.dataset, md.departments)


def department_table(summary_: dict, lang: str = "zh") -> pd.DataFrame:
    """The summary's department rows as a table with display headers."""
    t = pd.DataFrame(summary_["departments"])
    t["flags"] = t["flags"].map(lambda f: ", ".join(f))
    t["satisfaction_rate"] = t["satisfaction_rate"] * 100
    t = t.drop(columns=["satisfaction_ci"])
    if lang == "zh":
        t = t.rename(columns={"department": "承办单位", "net_complaints": "净投诉量", "net_complaints_prev_month": "上月",
                              "net_complaints_prev_year": "去年同月", "mom_pct": "环比(%)", "yoy_pct": "同比(%)",
                              "rank": "排名", "surveyed": "回访数", "satisfaction_rate": "满意率(%)",
                              "trend": "趋势", "flags": "预警"})
    return t


def satisfaction_table(md: MonthData) -> pd.DataFrame:
    """Departments' call-back satisfaction this month, its interval, the shift against last month.

    Columns: those of :func:`hotline_analysis.metrics.satisfaction` plus
    ``delta_pp``, ``shift_low_pp``, ``shift_high_pp``, ``p_value``, ``q_value``
    and ``significant`` (BH across departments at
    ``cfg['flags']['satisfaction_drop']['alpha']``).
    """
    d = md.orders[md.orders[S.DEPARTMENT].isin(md.departments)] if md.departments else md.orders
    sat = M.satisfaction(d[d[M.MONTH].isin([md.month, md.month - 1])], md.cfg)
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
    shifts["significant"], shifts["q_value"] = bh_adjust(shifts.p_value, md.cfg["flags"]["satisfaction_drop"]["alpha"])
    out = cur.reset_index().merge(shifts, on=S.DEPARTMENT, how="left")
    return out.sort_values("satisfaction_rate").reset_index(drop=True)


def action_list(summary_: dict, lang: str = "zh") -> pd.DataFrame:
    """"One assessment, one action": who is called before the committee and why, who is commended.

    Columns: ``department, action, reasons``.  A department is called when it
    has a surge, a significant satisfaction drop or a rising trend; commended
    when its fall year over year is significant.
    """
    words = {"zh": {"call": "约谈/专题询问", "commend": "表扬典型", "surge": "投诉量激增",
                    "satisfaction_drop": "满意率显著下降", "rising": "投诉量持续上升", "commend_r": "同比显著下降"},
             "en": {"call": "call before the committee", "commend": "commend", "surge": "surge in complaints",
                    "satisfaction_drop": "significant satisfaction drop", "rising": "rising trend",
                    "commend_r": "significant fall year over year"}}[lang]
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


def run_report(store: str | Path, month: str, out: str | Path | None = None, lang: str = "zh",
               config: str | Path | None = None, progress: bool = True) -> Path:
    """Execute the monthly notebooks for ``month`` and write the report pack; return its folder."""
    import papermill as pm
    from tqdm.auto import tqdm

    m = pd.Period(month, "M")
    st = Store(Path(store))
    out = Path(out) if out else paths.REPORTS_DIR / st.root.name / str(m)
    figures = out / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    notebooks = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
    params = {"store": str(Path(store).resolve()), "month": str(m), "lang": lang, "figures_dir": str(figures.resolve()),
              "config": str(config) if config else ""}
    pages = []
    for nb in tqdm(notebooks, desc=f"report {m}", disable=not progress):
        executed = out / nb.name
        pm.execute_notebook(str(nb), str(executed), parameters=params, progress_bar=False, kernel_name="python3",
                            cwd=str(out))
        title = TITLES[lang].get(nb.stem, nb.stem)
        pages.append((title, _export_html(executed, out / f"{nb.stem}.html", title).name))
    md = load_month(store, str(m), config)
    summ = summary(md)
    (out / "summary.json").write_text(json.dumps(summ, ensure_ascii=False, indent=1), encoding="utf-8")
    write_tables({("部门" if lang == "zh" else "departments"): department_table(summ, lang),
                  ("诉求类型" if lang == "zh" else "request types"): breakdown(md, S.REQUEST_TYPE, lang),
                  ("受理渠道" if lang == "zh" else "channels"): breakdown(md, S.CHANNEL, lang),
                  ("区县" if lang == "zh" else "districts"): breakdown(md, S.DISTRICT, lang)},
                 out / "tables.xlsx")
    _write_index(out, m, lang, pages, sorted(figures.glob("*.png")))
    return out


def _write_index(out: Path, month: pd.Period, lang: str, pages: list[tuple[str, str]], figures: list[Path]) -> None:
    t = TITLES[lang]
    esc = html.escape
    items = "".join(f'<li><a href="{esc(href)}">{esc(title)}</a></li>' for title, href in pages)
    items += f'<li><a href="summary.json">{esc(t["summary"])}</a></li><li><a href="tables.xlsx">{esc(t["tables"])}</a></li>'
    figs = "".join(f'<li><a href="figures/{esc(f.name)}">{esc(f.name)}</a></li>' for f in figures)
    page = f"""<!DOCTYPE html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<title>{esc(t['index'])} {month}</title>
<style>body{{font-family:sans-serif;max-width:50em;margin:2em auto;line-height:1.6}}</style></head>
<body><h1>{esc(t['index'])} · {month}</h1><ul>{items}</ul>
<h2>{esc(t['figures'])}</h2><ul>{figs}</ul>
<p><small>hotline_analysis {__version__}</small></p></body></html>
"""
    (out / "index.html").write_text(page, encoding="utf-8")
