"""Hot topics (issue 6): keyness, segmentation, issues and their change, privacy, real messages."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from scipy.stats import binom
from statsmodels.stats.contingency_tables import Table2x2

from hotline_analysis import metrics as M
from hotline_analysis import topics as T
from hotline_analysis.privacy import mask_texts
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
    assert len(lift.examples) == 2 and all("电梯" in e for e in lift.examples)
    assert r.emerging().department.tolist() == ["A"]  # fees and bus delays keep their share of the city
    # labels: the category and the phrase the orders write, places trimmed; examples: whole sentences
    assert lift.label == "电梯：电梯故障频发、老人被困电梯里"
    assert fee.label == "物业：物业公司擅自上调物业费"
    assert b.label.iloc[0] == "路灯：路灯不亮、晚上漆黑一片"
    assert fee.examples[0] == "张店区华光路物业公司擅自上调物业费，业主不认可。"


def test_a_rise_is_judged_against_the_hotline_volume():
    """Now 134 orders (lifts 9, fees 10, lamps 15, buses 100), in the three months before 681 (227 a month): the
    rate ratio is an issue's share now over its share then. Lifts (9 / 134) / (6 / 681) = 7.62, not the raw
    9 / 2 = 4.5; fees keep their 10 a month while the city falls to 134 / 227 of its level, (10 / 134) / (30 / 681)
    = 1.69, not 1.0. The test was already against the city's volume: P(X >= 10 | n = 40, p = 134 / 815)."""
    cur, base = _corpus()
    cur = pd.concat([cur[cur.department.eq("A")].iloc[:9], cur[cur.department.eq("A")].iloc[20:30],
                     cur[cur.department.eq("B")], cur[cur.department.eq("C")].iloc[:100]], ignore_index=True)
    r = T.extract_issues(cur, base, month="2021-02", baseline_months=3, settings=load_settings())
    a = r.top("A").set_index("category")
    assert len(cur) == 134 and len(base) == 681
    assert a.loc["电梯", "rate_ratio"] == pytest.approx((9 / 134) / (6 / 681), rel=1e-9)
    assert a.loc["物业", "rate_ratio"] == pytest.approx((10 / 134) / (30 / 681), rel=1e-9)
    assert a.loc["物业", "baseline_mean"] == pytest.approx(10.0) and a.loc["物业", "change"] == pytest.approx(0.0)
    assert a.loc["物业", "p_value"] == pytest.approx(binom.sf(9, 40, 134 / (134 + 681)), rel=1e-9)


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


# --- labels and examples: Chinese a person writes ------------------------------------------------------------

FEES = ["市民来电反映：张店区华光路附近的阳光小区物业擅自上调物业费，每平方米多收2元，希望尽快落实。",
        "来电人称，淄川区松龄路附近的和平家园物业擅自上调物业费，业主不认可。",
        "周村区正阳路附近的幸福新村物业擅自上调物业费，每平方米多收3元，业主不认可，请尽快处理。"]
HEATING = ["市民来电反映：张店区华光路附近的阳光小区暖气不热，室温不达标，老人孩子受冻。",
           "来电人称，暖气不热，室温不达标。",
           "暖气不热，室温只有16度，联系电话[电话]。"]


@pytest.mark.parametrize("texts, keywords, want", [
    # places, numbers and formulas trimmed; "业主不认可" would make the phrase 15 characters: not joined
    (FEES, ["擅自", "认可", "上调"], "物业擅自上调物业费"),
    # two clauses, in the order the citizens write them: the one holding two keywords, the other as often
    (HEATING, ["暖气", "室温", "达标"], "暖气不热、室温不达标"),
    # the number ending a clause goes with the words it leaves dangling; counts inside a clause go
    (["物业与业主矛盾激化，停车费上涨到每月2000元。", "停车费上涨到每月300元，物业不管。"], ["停车费"], "停车费上涨"),
    (["电梯故障17天未修。", "电梯故障3天未修，希望相关部门尽快处理。"], ["电梯"], "电梯故障未修"),
    # a count ending a clause is written 几; a time of day goes; a negation stays with its clause
    (["张店区人民路有人私自砍伐树木8棵。", "有人私自砍伐树木12棵"], ["砍伐"], "有人私自砍伐树木几棵"),
    (["晚上10点装修噪音扰民", "楼上凌晨1点装修噪音扰民，要求尽快解决"], ["噪音"], "装修噪音扰民"),
    # "某…公司" is trimmed like a place; a keyword that is part of a place name ("颜山" of 颜山路) is no anchor
    (["某物流公司未给职工缴纳社会保险。", "某科技公司未给职工缴纳社会保险"], ["社会保险"], "未给职工缴纳社会保险"),
    (["博山区颜山路下水道堵塞，污水外溢。", "张店区颜山路下水道堵塞。"], ["颜山", "下水道"], "下水道堵塞"),
    # too long: from the head noun after its modifier, if that holds a keyword; else no phrase
    (["旅行社组织的旅游团擅自变更行程。"] * 2, ["旅游团", "擅自"], "旅游团擅自变更行程"),
    (["咨询因私出国证件办理和国外学历认证的流程。"] * 2, ["因私", "学历"], ""),
    # written once, a mask, only formulas: no phrase
    (FEES[:1], ["擅自"], ""),
    (["我的电话[电话]擅自公开"] * 2, ["擅自"], ""),
    (["市民来电反映：希望尽快落实。"] * 3, ["落实"], ""),
])
def test_issue_phrase_by_hand(texts, keywords, want):
    assert T.issue_phrase(texts, keywords) == want


@pytest.mark.parametrize("text, keywords, width, want", [
    # the opening and closing formulas go, the sentence stays whole
    (FEES[0], ["物业费"], 60, "张店区华光路附近的阳光小区物业擅自上调物业费，每平方米多收2元。"),
    ("第二次来电：市民来电反映：小区电梯故障，物业推诿，联系电话[电话]。", ["电梯"], 60, "小区电梯故障，物业推诿。"),
    ("身份证号[身份证号]，来电人举报称，咨询因私出国证件办理的流程", ["因私"], 60, "咨询因私出国证件办理的流程。"),
    # the sentence holding the most keywords, with its own end
    ("小区停车难。夜里消防通道被占，救护车进不来！希望尽快落实。", ["消防通道", "救护车"], 60, "夜里消防通道被占，救护车进不来！"),
    ("噪音扰民；已经反映多次，问题依旧。", ["噪音"], 60, "噪音扰民。"),
    # longer than the width: cut at commas, the keyword's clause and those after it, then before it
    ("来电人称，小区停车难。夜里车辆乱停乱放，消防通道被占，救护车进不来，老人看病耽误了，希望尽快落实。",
     ["消防通道"], 20, "消防通道被占，救护车进不来。"),
    ("小区车辆乱停乱放，消防通道被占，救护车进不来。", ["救护车"], 16, "消防通道被占，救护车进不来。"),
    # a clause longer than the width stays whole: never a cut word
    ("政务服务网上办理系统经常卡顿导致材料无法提交，请尽快处理。", ["卡顿"], 10, "政务服务网上办理系统经常卡顿导致材料无法提交。"),
    # long numbers masking missed are masked; a text of formulas only has no excerpt
    ("退款账号6222020200112233445未到账", ["退款"], 60, "退款账号[号码]未到账。"),
    ("市民来电反映：", ["物业"], 60, ""),
])
def test_excerpt_by_hand(text, keywords, width, want):
    assert T.excerpt(text, keywords, width) == want


def test_labels_shared_within_a_group_get_a_keyword_each():
    labels = ["物业管理：擅自上调物业费", "物业管理：擅自上调物业费", "供暖"]
    words = [["物业费", "停车费"], ["上调", "物业公司"], ["暖气"]]
    assert T._unique_labels(labels, words) == [
        "物业管理：擅自上调物业费（停车费）", "物业管理：擅自上调物业费（物业公司）", "供暖"]
    # no keyword the label lacks: a number; a label made that way that is already taken: its position
    assert T._unique_labels(["停电", "停电", "停电（断电）"], [["停电"], ["断电"], []]) == [
        "停电（1）", "停电（断电）", "停电（断电）（3）"]


def test_month_topics_on_the_small_store_hold_no_canary(small_store, small_scenario):
    st, _ = small_store
    r = T.month_topics(st, "2021-01", load_settings())
    assert len(r.issues) > 0 and set(r.top().groupby("department").size()) <= set(range(1, 11))
    text = repr(r.issues.to_dict("records"))
    assert not [c for c in small_scenario.truth["pii_canaries"] if c in text]
    summ = r.to_summary()
    assert all(1 <= len(d["topics"]) <= 10 for d in summ)
    assert sum(bool(d["issues"][0]["keywords"]) for d in summ) >= len(summ) // 2  # the others: categories


def _issue_texts(store, month: str, result) -> dict:
    """The masked texts of each issue of ``result``, by (department, rank)."""
    settings = load_settings()
    orders = M.flag_net(M.with_month(store.load(months=[month], columns=T.COLUMNS)), settings)
    orders = orders[orders["is_net_complaint"].to_numpy(dtype=bool)]
    a = result.assignments.dropna(subset=["rank"]).merge(orders[["order_id", "content"]], on="order_id")
    masked = mask_texts(pa.array(a.content.fillna("").tolist(), type=pa.string())).to_pylist()
    return a.assign(masked=masked).groupby(["department", "rank"]).masked.agg(list).to_dict()


@pytest.mark.parametrize("month", ["2021-01", "2021-02"])
def test_labels_and_examples_on_the_small_store_read_as_chinese(small_store, small_scenario, month):
    st, _ = small_store
    r = T.month_topics(st, month, load_settings())
    issues = r.issues
    assert not issues.duplicated(["department", "label"]).any()  # unique within a department
    for ex, kw in zip(issues.examples, issues.keywords):  # one or two whole sentences, no formula in front
        assert 1 <= len(ex) <= 2 if len(kw) else list(ex) == []
        for e in ex:
            assert e[-1] in "。！？!?" and "…" not in e, e
            assert T.strip_opening(e) == e and not re.match(r"(市民|群众|来电|我叫|第.次来电)", e), e
    planted = [h for h in small_scenario.truth["hot_topics"] if month in h["months"]]
    found = 0
    for h in planted:  # the planted topic's issues name it or one of its words
        mine = issues[(issues.department == h["department"])
                      & issues.keywords.map(lambda k: bool(set(k) & set(h["keywords"])))]
        found += len(mine)
        assert all(any(k in lab for k in h["keywords"]) or h["topic"] in lab for lab in mine.label), mine.label
    assert found >= 1
    # a label is a bare keyword list only when no clause of the issue's texts qualifies
    texts = _issue_texts(st, month, r)
    bare = [(x.department, x["rank"], list(x.keywords)) for _, x in issues.iterrows() if len(x.keywords)
            and x.label.split("：", 1)[-1] == T._keyword_label(list(x.keywords))]
    assert len(bare) <= len(issues) // 5
    for dep, rank, kw in bare:
        if len(texts[(dep, rank)]) <= T.PHRASE_SAMPLE:
            assert T.issue_phrase(texts[(dep, rank)], kw) == "", (dep, rank, kw)


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
