"""Hot topics (issue 6): keyness, segmentation, issues and their change, privacy, real messages."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom
from statsmodels.stats.contingency_tables import Table2x2

from hotline_analysis import topics as T
from hotline_analysis.settings import load_settings

from .conftest import external


def test_keyness_is_the_woolf_z_of_the_log_odds_ratio():
    # Reference: statsmodels' 2x2 table with 0.5 added to every cell (Haldane-Anscombe).
    for a, n, c, m in [(30, 100, 10, 400), (0, 50, 7, 900), (12, 12, 3, 40), (5, 1000, 500, 2000)]:
        t = Table2x2(np.array([[a, n - a], [c, m - c]], dtype=float) + 0.5)
        want = t.log_oddsratio / t.log_oddsratio_se
        assert T.keyness(np.array([a]), n, np.array([c]), m)[0] == pytest.approx(want, rel=1e-12)


def test_keyness_against_a_known_share():
    # 20 of 100 orders against a general-language share of 5%: by hand,
    # (log(20.5/80.5) - log(0.05/0.95)) / sqrt(1/20.5 + 1/80.5) = 1.57661 / 0.24739 = 6.3729
    assert T.keyness(np.array([20]), 100, ref_share=np.array([0.05]))[0] == pytest.approx(6.3729, abs=1e-3)


def test_segment_keeps_department_names_and_domain_terms_whole_and_drops_stop_words():
    toks = T.segment(["市民来电反映：市住房和城乡建设局对烂尾楼不作为，希望尽快落实。", "12345 abc，。", None])
    assert toks[0] == ["市住房和城乡建设局", "烂尾楼", "不作为"]
    assert toks[1] == [] and toks[2] == []


def _corpus():
    """Department A: 20 orders on broken lifts (two phrasings), 10 on property fees; B: 15 on street lamps;
    C: 200 on bus timetables (the rest of the city a department is compared with)."""
    lift = ["{p}小区电梯故障频发，多次困人，物业维修不及时", "{p}电梯又坏了，老人被困电梯里，维修人员迟迟不来"]
    fee = "{p}物业公司擅自上调物业费，业主不认可"
    lamp = "{p}路灯不亮，晚上漆黑一片"
    places = ["张店区华光路", "淄川区松龄路", "周村区正阳路", "临淄区桓公路", "博山区中心路"]
    rows = [("A", lift[i % 2].format(p=places[i % 5]), "电梯") for i in range(20)]
    rows += [("A", fee.format(p=places[i % 5]), "物业") for i in range(10)]
    rows += [("B", lamp.format(p=places[i % 5]), "路灯") for i in range(15)]
    rows += [("C", "{p}公交车经常晚点，班次太少".format(p=places[i % 5]), "公交") for i in range(200)]
    cur = pd.DataFrame(rows, columns=["department", "content", "category_l2"])
    cur.insert(0, "order_id", [f"o{i}" for i in range(len(cur))])
    base_rows = [("A", lift[i % 2].format(p=places[i % 5]), "电梯") for i in range(6)]
    base_rows += [("A", fee.format(p=places[i % 5]), "物业") for i in range(30)]
    base_rows += [("B", lamp.format(p=places[i % 5]), "路灯") for i in range(45)]
    base_rows += [("C", "{p}公交车经常晚点，班次太少".format(p=places[i % 5]), "公交") for i in range(600)]
    base = pd.DataFrame(base_rows, columns=["department", "content", "category_l2"])
    return cur, base


def test_issues_counts_baseline_and_emerging_by_hand():
    cur, base = _corpus()
    r = T.extract_issues(cur, base, month="2021-02", baseline_months=3, settings=load_settings())
    a = r.top("A")
    assert list(a.orders) == [20, 10]
    lift, fee = a.iloc[0], a.iloc[1]
    assert "电梯" in lift.keywords and "物业费" in fee.keywords
    assert (lift.category, fee.category) == ("电梯", "物业")
    # lifts: 20 now against 6 in three months (2 a month); the city had 245 orders now and 681 before, so
    # the one-sided exact test is P(X >= 20 | n = 26, p = 245 / (245 + 681))
    assert lift.baseline_mean == pytest.approx(2.0) and lift.change == pytest.approx(18.0)
    assert lift.p_value == pytest.approx(binom.sf(19, 26, 245 / 926), rel=1e-9)
    assert bool(lift.emerging)
    # fees: 10 now, 30 in three months: no rise
    assert fee.baseline_mean == pytest.approx(10.0) and not fee.emerging
    b = r.top("B")
    assert list(b.orders) == [15] and not b.emerging.iloc[0]
    # every order is assigned to the issue of its own matter
    assert r.assignments.index.equals(cur.index)
    asg = r.assignments.set_index("order_id")["rank"]
    assert (asg.iloc[:20] == 1).all() and (asg.iloc[20:30] == 2).all() and (asg.iloc[30:45] == 1).all()
    assert len(lift.examples) == 3 and all("电梯" in e for e in lift.examples)
    assert r.emerging().department.tolist() == ["A"]  # fees and bus delays keep their share of the city
    q = r.questions("A")[0]
    assert q.startswith("本月20件投诉反映") and "显著上升" in q


def test_data_without_text_get_one_issue_per_category():
    cur, base = _corpus()
    cur["content"], base["content"] = None, None
    r = T.extract_issues(cur, base, baseline_months=3)
    a = r.top("A")
    assert a[["label", "orders"]].values.tolist() == [["电梯", 20], ["物业", 10]]
    assert a.baseline_mean.tolist() == pytest.approx([2.0, 10.0])


def test_examples_never_show_phone_or_id_numbers():
    cur, _ = _corpus()
    cur.loc[:19, "content"] = ("电话13912345678,13812345678，身份证号370302 19800101 1234，座机0533-7654321 "
                               + cur.loc[:19, "content"] + "，也可打139 1234 5678或１３９１２３４５６７８")
    r = T.extract_issues(cur, None)
    examples = " ".join(e for ex in r.issues.examples for e in ex)
    assert examples and not re.search(r"[0-9０-９](?:[ -]?[0-9０-９]){6,}", examples)
    assert all("电梯" in e for e in r.top("A").examples.iloc[0])


def test_month_topics_on_the_small_store_hold_no_canary(small_store, small_scenario):
    st, _ = small_store
    r = T.month_topics(st, "2021-01", load_settings())
    assert len(r.issues) > 0 and set(r.top().groupby("department").size()) <= set(range(1, 11))
    text = repr(r.issues.to_dict("records"))
    assert not [c for c in small_scenario.truth["pii_canaries"] if c in text]
    summ = r.to_summary()
    assert all(1 <= len(d["topics"]) <= 10 for d in summ)
    assert sum(bool(d["issues"][0]["keywords"]) for d in summ) >= len(summ) // 2  # the others: categories


# --- real citizen messages: TipDM 2020 labelled sample ---------------------------------------------------

EXPECTED_WORDS = {  # words a reader expects among the top keywords of each category
    "交通运输": {"司机", "车辆", "出租车", "公交"},
    "劳动和社会保障": {"工资", "社保", "退休", "劳动"},
    "卫生计生": {"医院", "医生", "患者", "治疗"},
    "商贸旅游": {"旅游", "游客", "虚假", "广告"},
    "城乡建设": {"小区", "业主", "开发商", "物业"},
    "教育文体": {"学校", "学生", "老师", "教育"},
    "环境保护": {"污染", "环保", "噪音", "环境"},
}


@pytest.fixture(scope="module")
def tipdm():
    df = pd.read_csv(external("tipdm2020_smart_gov_messages", "attachment2_labelled_messages_sample.csv"),
                     dtype=str).drop_duplicates()
    df["content"] = (df["留言主题"].fillna("") + "。" + df["留言详情"].fillna("")).str.strip()
    return df


def test_keywords_per_labelled_category_are_distinctive(tipdm):
    tok = pd.Series(T.segment(tipdm.content.tolist()), index=tipdm.index)
    w = T.distinctive_words(tok, tipdm["一级分类"], min_orders=3)
    w = w[w.idf >= load_settings().topics.min_idf]
    for cat, expected in EXPECTED_WORDS.items():
        top = set(w[w.group == cat].word.head(10))
        assert len(top & expected) >= 2, (cat, top)


def test_issues_separate_the_labelled_categories(tipdm):
    df = tipdm.assign(department="全部", category_l2="")
    r = T.extract_issues(df, None, settings=load_settings().overlay({"topics": {"keywords": 60, "link": 0.2}}))
    a = r.assignments.join(df["一级分类"]).dropna(subset=["rank"])
    ct = pd.crosstab(a["rank"], a["一级分类"])
    purity = ct.max(axis=1).sum() / ct.to_numpy().sum()
    majority = df["一级分类"].value_counts(normalize=True).iloc[0]
    assert len(a) / len(df) >= 0.7  # most messages fall in an issue
    assert purity >= 0.45 and purity >= 2 * majority  # 0.53 measured; the largest label alone: 0.21
