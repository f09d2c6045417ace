"""Which units are the supervised ones: the kinds of the alias table a store was ingested with (recorded in its
manifest), every unit without one; the annual review and the look-back on a city whose units are not Zibo's."""

from __future__ import annotations

import html
import json
import warnings

import numpy as np
import pandas as pd
import pytest

from hotline_analysis import labels as L
from hotline_analysis import metrics as M
from hotline_analysis import schema as S
from hotline_analysis import stats as ST
from hotline_analysis.catalog import municipal_departments
from hotline_analysis.cli import main
from hotline_analysis.errors import DataError
from hotline_analysis.ingest.pipeline import ingest
from hotline_analysis.ingest.presets import PresetWarning, load_preset
from hotline_analysis.month import MonthReport
from hotline_analysis.reviews import (annual_review, lookback, lookback_did, lookback_review, store_history,
                                      unit_scope)
from hotline_analysis.settings import load_settings
from hotline_analysis.store import Store

from .english_export import PRESET, write_export
from .test_presets import UNIT_OF, preset_copy

#: The fixture's alias table (tests/fixtures/english_city/units.csv) by hand: three departments, one enterprise.
DEPARTMENTS = ["Building Division, Permits", "Parks and Recreation Department", "Public Works, Streets Bureau"]
ENTERPRISE = "City Water Utility"


def _ingest(files, preset, root):
    with pytest.warns(PresetWarning):
        p = load_preset(preset)
    ingest(files, p, root, progress=False, jobs=1, now=pd.Timestamp("2023-04-01"))
    return Store(root)


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """The English-named export: (csv path, store ingested with its alias table, store ingested without one)."""
    folder = tmp_path_factory.mktemp("unit_scope")
    path = write_export(folder / "raw")
    with_table = _ingest([path], PRESET, folder / "with_table")
    bare = preset_copy(folder / "bare", lambda t: t.replace("departments: units.csv", "departments: null"))
    without = _ingest([path], bare, folder / "without_table")
    return path, with_table, without


def by_hand(path) -> pd.DataFrame:
    """Orders per unit and year from the CSV with plain pandas (every order is a net complaint: no request type,
    caller or text to exclude one by)."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    year = pd.to_datetime(raw["Opened"], format="%m/%d/%Y %I:%M:%S %p").dt.year
    return pd.DataFrame({"unit": raw["Responsible Unit"].map(UNIT_OF), "year": year}).value_counts().unstack()


def test_the_store_records_the_kinds_of_its_alias_table(city):
    _, with_table, without = city
    assert with_table.unit_kinds() == {**{d: "department" for d in DEPARTMENTS}, ENTERPRISE: "enterprise"}
    assert json.loads(with_table.manifest_path.read_text("utf-8"))["units"]["alias_table"].endswith("units.csv")
    assert without.unit_kinds() == {}


def test_the_alias_table_kinds_choose_the_supervised_units(city):
    _, st, _ = city
    history = store_history(st)
    assert unit_scope(st, history) == (DEPARTMENTS, "departments")
    assert unit_scope(st, history, all_units=True) == (sorted([*DEPARTMENTS, ENTERPRISE]), "all_units")
    month = MonthReport.build(st.root, "2023-02", topics="categories")
    assert sorted(month.supervised) == DEPARTMENTS  # the enterprise is not among the supervised units
    every = MonthReport.build(st.root, "2023-02", all_units=True, topics="categories")
    assert sorted(every.supervised) == sorted([*DEPARTMENTS, ENTERPRISE])


def test_without_an_alias_table_every_unit_is_supervised_and_the_command_says_so(city, tmp_path, capsys):
    _, with_table, st = city
    history = store_history(st)
    units, why = unit_scope(st, history)
    assert why == "no_alias_table" and units == sorted(set(UNIT_OF))  # the exported spellings are the units
    assert unit_scope(st, history, all_units=True)[0] == units
    out = tmp_path / "s.json"
    assert main(["summary", "--store", str(st.root), "--month", "2023-02", "--out", str(out),
                 "--topics", "categories"]) == 0
    assert "note: reporting every unit of the store: it was ingested without an alias table" in capsys.readouterr().err
    assert sorted(d["department"] for d in json.loads(out.read_text("utf-8"))["departments"]) == units
    assert main(["summary", "--store", str(with_table.root), "--month", "2023-02", "--out", str(out),
                 "--topics", "categories"]) == 0
    assert "note:" not in capsys.readouterr().err


def test_a_store_ingested_before_the_units_were_recorded_keeps_working(city, tmp_path):
    """No record: the shipped (Zibo) alias table as before, which names none of these units, so every unit; an
    ingest of the unchanged file records the units."""
    path, st, _ = city
    old = tmp_path / "old"
    old.mkdir()
    manifest = json.loads(st.manifest_path.read_text("utf-8"))
    del manifest["units"]
    for name in ("orders", "quarantine"):
        (old / name).symlink_to(st.root / name)
    for f in (manifest["duplicates"], manifest["aggregates"]):
        (old / f).symlink_to(st.root / f)
    (old / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    old_store = Store(old)
    assert old_store.unit_kinds() is None
    units, why = unit_scope(old_store, store_history(old_store))
    assert not set(units) & municipal_departments() and why == "unrecorded"
    assert units == sorted([*DEPARTMENTS, ENTERPRISE])
    assert len(annual_review(old, 2022)) == 4
    with pytest.warns(PresetWarning):
        ingest([path], load_preset(PRESET), old, progress=False, jobs=1)  # unchanged: nothing stored again
    assert old_store.unit_kinds() == st.unit_kinds()


def test_annual_review_of_a_city_whose_units_are_not_zibos(city):
    path, st, _ = city
    counts = by_hand(path)
    first = annual_review(st.root, 2022).set_index("department")  # the store begins in 2022-01: no 2021
    assert sorted(first.index) == DEPARTMENTS
    assert first.annual.to_dict() == counts.loc[DEPARTMENTS, 2022].to_dict()
    assert first.previous.isna().all() and first.change_pct.isna().all() and not first.significant_rise.any()
    second = annual_review(st.root, 2023).set_index("department")  # 2022 is held whole
    assert second.previous.to_dict() == counts.loc[DEPARTMENTS, 2022].astype(float).to_dict()
    assert second.annual.to_dict() == counts.loc[DEPARTMENTS, 2023].to_dict()
    every = annual_review(st.root, 2022, all_units=True)
    assert set(every.department) == {*DEPARTMENTS, ENTERPRISE}
    with pytest.raises(DataError, match="no work orders received in 2021"):
        annual_review(st.root, 2021)


def _register(tmp_path, departments, month="2022-09"):
    reg = tmp_path / "register.csv"
    pd.DataFrame({"department": departments, "month": month}).to_csv(reg, index=False)
    return reg


def test_lookback_compares_with_the_stores_own_units_never_supervised(city, tmp_path):
    _, st, _ = city
    r = lookback_did(st.root, ["2022-09"], "2023-02", _register(tmp_path, DEPARTMENTS[:1]))
    assert (r.n_treated, r.n_control) == (1, 2)  # the other two departments; not the enterprise, not Zibo's
    assert 0 < r.ci_low < r.rate_ratio < r.ci_high


def test_lookback_without_comparison_units_says_so(city, tmp_path):
    _, st, _ = city
    reg = _register(tmp_path, DEPARTMENTS)
    with pytest.raises(DataError, match="no comparison units"):
        lookback_did(st.root, ["2022-09"], "2023-02", reg)
    tables = lookback_review(st.root, ["2022-09"], "2023-02", reg)
    assert len(tables["lookback"]) == 3 and tables["did"].empty
    for lang, says in (("en", "There are no units never supervised that have net complaints to compare with"),
                        ("zh", "没有从未被监督且有净投诉的单位可供比较")):
        out = tmp_path / lang
        assert main(["lookback", "--store", str(st.root), "--supervised", "2022-09", "--at", "2023-02",
                     "--register", str(reg), "--out", str(out), "--lang", lang]) == 0
        page = (out / "lookback.html").read_text("utf-8")
        assert says in page
        assert "times as much as the comparison" not in page and "对照变化的" not in page


def test_annual_page_says_the_store_holds_no_year_before(city, tmp_path):
    _, st, _ = city
    for lang, says in (("en", "The store does not hold the whole of 2021"), ("zh", "库中没有2021年全年的工单")):
        out = tmp_path / lang
        assert main(["annual", "--store", str(st.root), "--year", "2022", "--out", str(out), "--lang", lang]) == 0
        page = (out / "annual_review.html").read_text("utf-8")
        headers = L.headers(lang)
        assert says in page and f">{headers['annual']}</th>" in page
        assert f">{headers['previous']}</th>" not in page and f">{headers['change_pct']}</th>" not in page


# --- the pieces, on small frames ----------------------------------------------------------------------------


def _panel(units, months=24, level=20.0, seed=1):
    rng = np.random.default_rng(seed)
    periods = pd.period_range("2020-01", periods=months, freq="M")
    return pd.DataFrame([(u, m, rng.poisson(level)) for u in units for m in periods],
                        columns=["department", "month", "net_complaints"])


def test_did_refuses_a_panel_without_comparison_units_and_stays_quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no SingularMatrixWarning (nor any other)
        with pytest.raises(ValueError, match="no comparison unit"):
            ST.did(_panel(["a", "b"]), ["a", "b"], {"a": pd.Period("2021-01", "M"), "b": pd.Period("2021-01", "M")})
        with pytest.raises(ValueError, match="no treated unit"):
            ST.did(_panel(["c"]), ["a"], pd.Period("2021-01", "M"))
        r = ST.did(_panel(["a", "c"]), ["a"], pd.Period("2021-01", "M"))  # one comparison unit is enough
    assert r.n_control == 1 and np.isfinite([r.rate_ratio, r.ci_low, r.ci_high]).all()


def test_monthly_volume_of_no_orders_is_empty():
    empty = S.empty_frame()  # no orders, every column of the store
    vol = M.monthly_volume(empty, load_settings())
    assert vol.empty and {"department", "month", "records", "net_complaints"} <= set(vol.columns)


def test_did_sentence_makes_no_verdict_without_a_pre_period_check():
    from hotline_analysis.pack.pages import did_sentence

    row = pd.DataFrame([dict(rate_ratio=0.8, ci_low=0.6, ci_high=1.1, p_value=0.2, n_treated=2, n_control=3,
                             pretrend_rr=np.nan, pretrend_p=np.nan)])
    en, zh = did_sentence(row, "en").data, did_sentence(row, "zh").data
    assert "Too few months before supervision" in en and "comparison holds" not in en
    assert "监督前的月份不足" in zh and "可信" not in zh


def test_did_sentence_says_what_the_ratio_compares():
    from hotline_analysis.pack.pages import did_sentence

    row = pd.DataFrame([dict(rate_ratio=0.8, ci_low=0.69, ci_high=0.94, p_value=0.01, n_treated=9, n_control=15,
                             pretrend_rr=1.0, pretrend_p=0.5)])
    en, zh = html.unescape(did_sentence(row, "en").data), did_sentence(row, "zh").data
    assert ("after supervision their net complaints were 0.80 times what the never-supervised units' change over "
            "the same months implies (95% interval 0.69–0.94), about 20% fewer") in en
    assert "times as much as" not in en
    assert "监督后，被监督单位的净投诉量是按未被监督单位同期变化推算应有水平的0.80倍（95%置信区间0.69–0.94），即少约20%" in zh
    assert "对照变化的" not in zh


def test_annual_table_and_chart_leave_out_a_year_the_store_does_not_hold():
    from hotline_analysis import plots
    from hotline_analysis.pack import tables

    t = pd.DataFrame({"department": ["甲", "乙"], "annual": [30, 20], "previous": [np.nan, np.nan],
                      "change_pct": [np.nan, np.nan], "rank": [1, 2], "candidate": [True, False],
                      "top_n": [True, False], "significant_rise": [False, False], "ci_low": np.nan, "ci_high": np.nan})
    assert list(tables.annual(t, "en").columns) == ["Rank", "Department", "Annual net complaints",
                                                    "Review candidate: why"]
    fig = plots.annual_bars(t, lang="en")
    assert [x.get_text() for x in fig.axes[0].get_legend().get_texts()] == ["This year"]
    held = t.assign(previous=[10.0, 25.0], change_pct=[200.0, -20.0])
    assert len(tables.annual(held, "en").columns) == 7
    assert len(plots.annual_bars(held, lang="en").axes[0].get_legend().get_texts()) == 2


def test_lookback_interval_is_headed_as_a_ratio_not_a_percentage():
    from hotline_analysis.pack import tables

    b = pd.DataFrame({"department": ["甲"], "supervised": ["2020-11"], "months_after": [3], "rate_ratio": [0.72],
                      "ci_low": [0.34], "ci_high": [1.53], "verdict": ["no_change"]})
    en, zh = tables.lookback(b, "en"), tables.lookback(b, "zh")
    assert en["95% interval"].tolist() == ["0.34–1.53"]  # ratios: no (%) in the header
    assert "95%置信区间" in zh.columns and not any("（%）" in c for c in zh.columns if "置信" in c)


def test_lookback_of_a_unit_with_too_few_complaints_gives_no_verdict(city, tmp_path):
    _, st, _ = city
    t = lookback(st.root, ["2022-09"], "2023-02", _register(tmp_path, [DEPARTMENTS[0], "Nowhere Office"]))
    verdict = t.set_index("department").verdict
    assert verdict["Nowhere Office"] == "too_few_complaints"  # listed by the register, no complaint in the store
    assert verdict[DEPARTMENTS[0]] == "too_few_months"  # it has complaints, but the store opens 2022-01: 9 months before
    assert t.set_index("department").loc["Nowhere Office", ["rate_ratio", "ci_low", "ci_high"]].isna().all()
    assert L.word("verdict", "too_few_complaints", "en") == "too few complaints to judge"
