"""The synthetic Zibo scenario checked against its own specification (issue 2).

Expected figures come from the specification (DESIGN.md, the article's
numbers, published 12345 bulletins), not from the generator's code.
"""

from __future__ import annotations

import hashlib
import json
import re

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from hotline_analysis import paths
from hotline_analysis.catalog import load_departments
from hotline_analysis.synth import ScenarioConfig, generate, id_number, write_export

from .conftest import SMALL, external

CHINESE_HEADER = ["工单编号", "受理时间", "受理渠道", "来电号码", "来电人", "诉求类型", "一级分类", "二级分类", "所属区县",
                  "承办单位", "诉求内容", "办理时限", "办结时间", "工单状态", "是否合理诉求", "回访是否联系", "回访是否解决", "满意度",
                  "是否热线直办", "首次响应时间", "重派次数", "是否申请延期", "是否同意延期", "是否督办"]


def parse_times(s: pd.Series) -> pd.Series:
    """Parse the export's mixed date formats (including 2020年01月02日 08:30)."""
    s = s.str.replace("年", "-").str.replace("月", "-").str.replace("日", "")
    return pd.to_datetime(s, format="mixed")


def read_raw(folder) -> pd.DataFrame:
    """Read every raw file as text, independently of the package's own readers."""
    frames = []
    truth = json.loads((folder / "ground_truth.json").read_text("utf-8"))
    for name in truth["files"]:
        path = folder / name
        if name.endswith(".csv"):
            df = pd.read_csv(path, encoding="gbk", dtype=str, keep_default_na=False, engine="python").fillna("")
        else:
            df = pd.read_excel(path, dtype=str, engine="calamine").fillna("")
        df["file"] = name
        df["row"] = np.arange(1, len(df) + 1)
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def raw(small_export) -> pd.DataFrame:
    return read_raw(small_export)


@pytest.fixture(scope="module")
def truth(small_export) -> dict:
    return json.loads((small_export / "ground_truth.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def truth_table(small_export) -> pd.DataFrame:
    return pq.read_table(small_export / "truth.parquet").to_pandas()


def test_ground_truth_has_design_keys(truth):
    assert {"scenario", "seed", "start", "end", "scale", "departments", "surges", "satisfaction_shifts",
            "lookback", "hot_topics", "counts", "pii_canaries"} <= set(truth)
    assert truth["scenario"] == "zibo" and truth["seed"] == SMALL.seed
    assert {"records", "duplicates", "invalid", "unreasonable"} <= set(truth["counts"])
    d = truth["departments"][0]
    assert set(d) == {"name", "aliases", "trend", "reviewed_2020", "supervised_months"}


def test_truth_parquet_columns(truth_table):
    assert list(truth_table.columns) == ["order_id", "department", "duplicate_of", "is_valid", "is_reasonable"]
    assert truth_table.order_id.is_unique


def test_37_departments_with_aliases_known_to_reference_table(truth):
    deps = truth["departments"]
    assert len(deps) == 37
    assert len({d["name"] for d in deps}) == 37
    ref = load_departments(paths.DEPARTMENTS_CSV)
    for d in deps:
        assert len(d["aliases"]) >= 3, d["name"]
        assert set(d["aliases"]) <= set(ref.alias), d["name"]
        assert set(ref.loc[ref.alias.isin(d["aliases"]), "name"]) == {d["name"]}


def test_export_spells_departments_inconsistently(raw, truth_table):
    merged = raw.merge(truth_table, left_on="工单编号", right_on="order_id")
    spellings = merged[merged.department.notna()].groupby("department")["承办单位"].nunique()
    assert (spellings >= 3).mean() > 0.9
    assert merged["承办单位"].str.contains("\u3000| ").any(), "stray spaces expected"
    assert merged["承办单位"].str.contains("（").any(), "full-width brackets expected"
    ref = load_departments(paths.DEPARTMENTS_CSV)
    outside = set(ref.loc[ref.kind != "department", "name"])
    assert merged.department.isin(outside).mean() > 0.2, "orders to districts and utilities expected"


def test_counts_in_ground_truth_match_files(raw, truth, truth_table):
    c = truth["counts"]
    assert c["records"] == len(truth_table)
    ids = set(raw["工单编号"]) - {""}
    good_ids = set(truth_table.order_id)
    assert good_ids <= ids
    bad_rows = raw[~raw["工单编号"].isin(good_ids)]
    assert len(bad_rows) == c["malformed"] == len(truth["malformed"])
    assert set(zip(bad_rows.file, bad_rows.row)) == {(m["file"], m["row"]) for m in truth["malformed"]}
    assert c["duplicates"] == truth_table.duplicate_of.notna().sum()
    assert c["invalid"] == (~truth_table.is_valid).sum()
    assert c["unreasonable"] == (truth_table.is_reasonable == False).sum()  # noqa: E712
    flagged = raw[raw["工单编号"].isin(good_ids) & (raw["是否合理诉求"] == "否")]
    assert len(flagged) == c["unreasonable"]


def test_malformed_rows_are_where_ground_truth_says(small_export, truth):
    for m in truth["malformed"][:12]:
        path = small_export / m["file"]
        if m["file"].endswith(".xlsx"):
            df = pd.read_excel(path, dtype=str, engine="calamine").fillna("")
            row = df.iloc[m["row"] - 1]
            fields = row.tolist()
        else:
            lines = path.read_bytes().decode("gbk").split("\r\n")
            fields = lines[m["row"]].split(",")  # line 0 is the header
        if m["problem"] == "truncated":
            assert len(fields) < len(CHINESE_HEADER)
        elif m["problem"] == "missing_id":
            assert fields[0].strip('"') == ""
        else:
            assert "2020-02-30 25:61" in fields[1]


def test_daily_volume_near_4000_at_scale_1(raw, truth_table):
    good = raw[raw["工单编号"].isin(set(truth_table.order_id))]
    days = parse_times(good["受理时间"]).dt.normalize()
    per_day = days.value_counts().sort_index() / SMALL.scale
    assert 3800 <= per_day.mean() <= 4300
    # weekly rhythm and the Spring Festival dip
    by_dow = per_day.groupby(per_day.index.day_of_week).mean()
    assert by_dow[0] > by_dow[6] * 1.1
    for sf in ["2019-02-05", "2020-01-25", "2021-02-12"]:
        assert per_day[pd.Timestamp(sf)] < 0.65 * per_day.median()


def test_request_type_shares_resemble_a_published_bulletin(raw, truth_table):
    """Shares of request types within ~8 points of the Yichun 12345 bulletin of May 2023."""
    pub = pd.read_csv(external("cn12345_published_aggregates", "cn12345_published_aggregates.csv"))
    yichun = pub[(pub.source_id == "yichun_2023_05") & (pub.dimension == "type(工单类型)")]
    published = dict(zip(yichun.category.str.rstrip("类"), yichun.published_share_pct))
    good = raw[raw["工单编号"].isin(set(truth_table.order_id))]
    share = good["诉求类型"].value_counts(normalize=True) * 100
    for label, pct in published.items():
        assert abs(share.get(label, 0) - pct) < 8.5, (label, share.get(label), pct)
    assert {"投诉", "举报", "求助", "咨询", "建议", "表扬"} <= set(share.index)


def test_gbk_csv_with_chinese_headers_and_xlsx_months(small_export, truth):
    csvs = [f for f in truth["files"] if f.endswith(".csv")]
    xlsx = [f for f in truth["files"] if f.endswith(".xlsx")]
    assert len(csvs) >= 20 and len(xlsx) >= 1
    for name in csvs:
        data = (small_export / name).read_bytes()
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        text = data.decode("gbk")  # strict
        assert text.split("\r\n", 1)[0].split(",") == CHINESE_HEADER
    df = pd.read_excel(small_export / xlsx[0], dtype=str, engine="calamine", nrows=5)
    assert list(df.columns) == CHINESE_HEADER


def test_mixed_date_formats(raw):
    fmts = raw["受理时间"].str.replace(r"\d", "9", regex=True).value_counts()
    assert len(fmts) >= 3


def test_duplicates_are_same_caller_same_matter_within_7_days(raw, truth_table):
    t = truth_table.set_index("order_id")
    r = raw[raw["工单编号"].isin(t.index)].set_index("工单编号")
    dups = t[t.duplicate_of.notna()]
    assert len(dups) > 100
    a = r.loc[dups.index]
    b = r.loc[dups.duplicate_of.to_numpy()]
    assert (a["来电号码"].to_numpy() == b["来电号码"].to_numpy()).all()
    assert (t.loc[dups.index, "department"].fillna("").to_numpy()
            == t.loc[dups.duplicate_of, "department"].fillna("").to_numpy()).all()
    assert (a["二级分类"].to_numpy() == b["二级分类"].to_numpy()).all()
    gap = (parse_times(a["受理时间"]).to_numpy()
           - parse_times(b["受理时间"]).to_numpy())
    assert (gap > np.timedelta64(0)).all() and (gap <= np.timedelta64(7, "D")).all()
    # duplicate_of always names a first report
    assert t.loc[dups.duplicate_of, "duplicate_of"].isna().all()


def test_invalid_calls_have_junk_content(raw, truth_table):
    t = truth_table.set_index("order_id")
    r = raw[raw["工单编号"].isin(t.index)].set_index("工单编号")
    content = r.loc[t.index, "诉求内容"]
    invalid = ~t.is_valid
    assert content[invalid.to_numpy()].str.len().max() <= 12
    assert content[(~invalid).to_numpy()].str.len().min() > 12


def test_share_of_repeat_invalid_and_unreasonable_is_realistic(truth):
    c = truth["counts"]
    assert 0.02 < c["duplicates"] / c["records"] < 0.08
    assert 0.02 < c["invalid"] / c["records"] < 0.05
    assert 0.003 < c["unreasonable"] / c["records"] < 0.03


def test_pii_present_in_raw_export_and_canaries_recorded(raw, truth):
    assert raw["来电号码"].str.fullmatch(r"1\d{10}").mean() > 0.99
    assert raw["诉求内容"].str.contains(r"1[3-9]\d{9}").mean() > 0.03
    ids = raw["诉求内容"].str.extract(r"(\d{17}[\dX])")[0].dropna()
    assert len(ids) > 20
    assert all(id_number(i[:6], i[6:14], int(i[14:17])) == i for i in ids[:50])
    canaries = truth["pii_canaries"]
    assert len(canaries) >= 10
    blob = "\n".join(raw["诉求内容"]) + "\n".join(raw["来电号码"]) + "\n".join(raw["来电人"])
    for c in canaries:
        assert c in blob, c


def test_id_number_check_digit():
    # GB 11643-1999 example number
    assert id_number("110105", "19491231", 2) == "11010519491231002X"


def test_article_effects_are_planted(truth):
    deps = truth["departments"]
    assert sum(d["trend"] == "falling" for d in deps) == 30
    assert sum(d["reviewed_2020"] for d in deps) == 6
    assert all(d["trend"] == "falling" for d in deps if d["reviewed_2020"])
    assert len(truth["surges"]) == 12
    assert all(1.5 <= s["factor"] <= 3.0 for s in truth["surges"])
    assert len({(s["department"], s["month"]) for s in truth["surges"]}) == 12
    lb = truth["lookback"]
    assert len(lb) == 9 and {x["supervised"] for x in lb} == {"2020-11", "2020-12"}
    assert all(0 < x["effect_rr"] < 1 for x in lb)
    assert 20 <= sum(bool(d["supervised_months"]) for d in deps) <= 24
    drops = [s for s in truth["satisfaction_shifts"] if s["delta_pp"] < 0]
    rises = [s for s in truth["satisfaction_shifts"] if s["delta_pp"] > 0]
    assert drops and rises
    topics = {h["topic"] for h in truth["hot_topics"]}
    assert {"公交线路与站牌", "养老服务漏洞", "公共体育场地管理不善", "国企改制遗留问题"} <= topics


def _net(raw: pd.DataFrame, truth_table: pd.DataFrame) -> pd.DataFrame:
    t = truth_table.set_index("order_id")
    r = raw[raw["工单编号"].isin(t.index)].copy()
    r = r.join(t, on="工单编号")
    r["month"] = parse_times(r["受理时间"]).dt.to_period("M")
    net = (r["诉求类型"].isin(["投诉", "举报"]) & r.is_valid & r.duplicate_of.isna()
           & (r.is_reasonable != False))  # noqa: E712
    return r[net & r.department.notna()]


@pytest.fixture(scope="module")
def mid_scale(tmp_path_factory):
    """The default period at 20% volume: enough for the article's annual figures."""
    cfg = ScenarioConfig(scale=0.2, seed=11, xlsx_months=())
    sc = generate(cfg)
    out = tmp_path_factory.mktemp("zibo_mid")
    write_export(sc, out, progress=False)
    raw = read_raw(out)
    truth = json.loads((out / "ground_truth.json").read_text("utf-8"))
    return raw, truth, pq.read_table(out / "truth.parquet").to_pandas()


def test_reviewed_departments_fall_about_9_percent_and_largest_over_10000(mid_scale):
    raw, truth, tt = mid_scale
    net = _net(raw, tt)
    annual = net.groupby([net.department, net.month.dt.year]).size().unstack() / 0.2
    annual = annual.loc[[d["name"] for d in truth["departments"]]]
    reviewed = [d["name"] for d in truth["departments"] if d["reviewed_2020"]]
    # the reviewed six are the top six of 2019
    assert set(annual[2019].nlargest(6).index) == set(reviewed)
    change = annual.loc[reviewed, 2020].sum() / annual.loc[reviewed, 2019].sum() - 1
    assert -0.14 < change < -0.04  # planted -9%; sd of the estimate about 2 points at 20% volume
    assert annual[2020].max() > 10_000
    assert annual[2021].max() < annual[2020].max()  # two months only


def test_falling_departments_fall_after_the_resolution(mid_scale):
    raw, truth, tt = mid_scale
    net = _net(raw, tt)
    monthly = net.groupby(["department", "month"]).size().unstack(fill_value=0)
    for s in truth["surges"]:  # judge trends without the planted one-month surges
        monthly.loc[s["department"], pd.Period(s["month"], "M")] = np.nan
    late = [m for m in monthly.columns if m >= pd.Period("2020-09", "M")]

    def ratio(names, months):
        after = monthly.loc[names, months].to_numpy()
        before = monthly.loc[names, [m - 12 for m in months]].to_numpy()
        ok = ~np.isnan(after) & ~np.isnan(before)
        return after[ok].sum() / before[ok].sum()

    lookback = {x["department"]: x for x in truth["lookback"]}
    falling = [d["name"] for d in truth["departments"] if d["trend"] == "falling" and d["name"] not in lookback]
    rising = [d["name"] for d in truth["departments"] if d["trend"] == "rising"]
    flat = [d["name"] for d in truth["departments"] if d["trend"] == "flat"]
    assert ratio(falling, late) < 0.85
    assert ratio(rising, late) > 1.0  # planted about +20%; sd of this ratio about 9% at 20% volume
    assert 0.9 < ratio(flat, late) < 1.1
    # after their supervision month, the look-back departments are lower than a year before
    after = before = 0.0
    for d, x in lookback.items():
        later = [m for m in monthly.columns if m > pd.Period(x["supervised"], "M")]
        a = monthly.loc[d, later].to_numpy()
        b = monthly.loc[d, [m - 12 for m in later]].to_numpy()
        ok = ~np.isnan(a) & ~np.isnan(b)
        after, before = after + a[ok].sum(), before + b[ok].sum()
    planted = np.mean([x["effect_rr"] for x in lookback.values()])
    assert 0.6 < after / before < 0.92 and abs(after / before - planted) < 0.15


def test_surges_stand_out_from_neighbouring_months(mid_scale):
    raw, truth, tt = mid_scale
    net = _net(raw, tt)
    monthly = net.groupby(["department", "month"]).size().unstack(fill_value=0)
    months = list(monthly.columns)
    ratios = []
    for s in truth["surges"]:
        m = pd.Period(s["month"], "M")
        j = months.index(m)
        neighbours = monthly.loc[s["department"], [months[q] for q in (j - 1, j + 1) if 0 <= q < len(months)]]
        ratios.append((monthly.loc[s["department"], m] / neighbours.mean(), s["factor"]))
    observed, planted = np.array(ratios).T
    assert (observed > 1.2).mean() >= 0.9
    assert np.median(observed) > 1.5 and np.median(planted) > 1.5


def test_reasonable_request_satisfaction_near_99_8_in_2020(mid_scale):
    raw, _, tt = mid_scale
    t = tt.set_index("order_id")
    r = raw[raw["工单编号"].isin(t.index)]
    r = r[r["受理时间"].str.startswith("2020") & (r["是否合理诉求"] == "是") & (r["满意度"] != "")]
    rate = r["满意度"].isin(["满意", "基本满意"]).mean() * 100
    assert 99.7 <= rate <= 99.9


def test_hot_topic_keywords_concentrate_in_planted_months(mid_scale):
    raw, truth, truth_table = mid_scale
    t = truth_table.set_index("order_id")
    r = raw[raw["工单编号"].isin(t.index)].join(t, on="工单编号")
    r["month"] = r["受理时间"].str.replace(r"\D", "", regex=True).str[:6]
    for h in truth["hot_topics"]:
        sub = r[r.department == h["department"]]
        hit = sub["诉求内容"].str.contains("|".join(map(re.escape, h["keywords"])))
        planted = sub.month.isin([m.replace("-", "") for m in h["months"]])
        assert hit[planted].mean() > 3 * max(hit[~planted].mean(), 0.01), h["topic"]


def test_same_seed_same_bytes_and_other_seed_differs(tmp_path):
    cfg = ScenarioConfig(start="2020-05", end="2020-06", scale=0.01, seed=3)
    digests = []
    for k, c in enumerate([cfg, cfg, ScenarioConfig(start="2020-05", end="2020-06", scale=0.01, seed=4)]):
        out = tmp_path / str(k)
        write_export(generate(c), out, progress=False)
        digests.append({p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir())})
    assert digests[0] == digests[1]
    assert digests[0]["zibo12345_2020-05.csv"] != digests[2]["zibo12345_2020-05.csv"]
    assert any(name.endswith(".xlsx") for name in digests[0])
