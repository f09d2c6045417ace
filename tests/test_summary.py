"""summary.json: valid against its schema, consistent with the metrics, and recovering planted effects."""

from __future__ import annotations

import json

import jsonschema
import pandas as pd
import pytest

from hotline_analysis import metrics as M
from hotline_analysis.cli import main
from hotline_analysis.settings import load_settings
from hotline_analysis.summary import COLUMNS, build_summary, summary_schema, validate_summary

SETTINGS = load_settings()


@pytest.fixture(scope="module")
def orders(small_store):
    store, _ = small_store
    return store.load(columns=COLUMNS)


@pytest.fixture(scope="module")
def truth(small_export):
    return json.loads((small_export / "ground_truth.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def summary(orders, truth):
    return build_summary(orders, "2020-12", SETTINGS, "zibo", [d["name"] for d in truth["departments"]])


def test_summary_is_valid_and_complete(summary, truth):
    validate_summary(summary)
    assert summary["month"] == "2020-12" and summary["generated_by"].startswith("hotline_analysis ")
    assert {d["department"] for d in summary["departments"]} == {d["name"] for d in truth["departments"]}
    led = summary["ledger"]
    assert led["records"] == led["net_complaints"] + sum(led["excluded"].values())
    ranks = [d["rank"] for d in summary["departments"]]
    assert ranks == sorted(ranks) and ranks[0] == 1


def test_schema_rejects_broken_summaries(summary):
    bad = json.loads(json.dumps(summary))
    bad["departments"][0]["trend"] = "sideways"
    with pytest.raises(jsonschema.ValidationError):
        validate_summary(bad)
    bad = json.loads(json.dumps(summary))
    bad["month"] = "2020-13"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, summary_schema())


def test_summary_agrees_with_the_metrics(summary, orders, truth):
    names = [d["name"] for d in truth["departments"]]
    vol = M.add_changes(M.monthly_volume(orders[orders.department.isin(names)], SETTINGS)).set_index(["department", "month"])
    for row in summary["departments"]:
        v = vol.loc[(row["department"], pd.Period("2020-12", "M"))]
        assert row["net_complaints"] == v.net_complaints
        assert row["net_complaints_prev_year"] == v.net_complaints_prev_year
        if v.yoy_status == "ok":
            assert row["yoy_pct"] == pytest.approx(v.yoy_pct, abs=0.006)
        else:
            assert row["yoy_pct"] is None


def test_summary_command(small_store, tmp_path, capsys):
    store, _ = small_store
    out = tmp_path / "s.json"
    assert main(["summary", "--store", str(store.root), "--month", "2021-02", "--out", str(out)]) == 0
    s = validate_summary(json.loads(out.read_text("utf-8")))
    assert len(s["departments"]) == 37 and "net complaints" in capsys.readouterr().out
    assert main(["summary", "--store", str(tmp_path / "none"), "--month", "2021-02"]) == 2


def test_summary_from_the_aggregate_table_equals_the_row_level_one(small_store, orders, truth, summary):
    store, _ = small_store
    deps = [d["name"] for d in truth["departments"]]
    fast = build_summary(store.aggregates(), "2020-12", SETTINGS, "zibo", deps,
                         store.load(months=["2020-12"], columns=COLUMNS))
    assert fast == summary
    settings = SETTINGS.overlay({"net_complaint": {"rules": {"exclude_returned": True}}})  # other rules too
    assert (build_summary(store.aggregates(), "2020-12", settings, "zibo", deps,
                          store.load(months=["2020-12"], columns=COLUMNS))
            == build_summary(orders, "2020-12", settings, "zibo", deps))


def test_summary_of_a_sparse_real_export(tmp_path):
    # NYC 311 sample: 1,999 requests over ten years, a handful per agency and month, no free text
    from hotline_analysis.ingest.pipeline import ingest
    from hotline_analysis.ingest.presets import load_preset

    from .conftest import external

    src = external("nyc311_sample_2010_2020", "nyc311_sample.csv")
    ingest([src], load_preset("nyc311"), tmp_path / "store", progress=False)
    out = tmp_path / "s.json"
    assert main(["summary", "--store", str(tmp_path / "store"), "--month", "2019-06", "--out", str(out),
                 "--all-units"]) == 0
    s = validate_summary(json.loads(out.read_text("utf-8")))
    rows = pd.read_csv(src, dtype=str)
    june = rows[pd.to_datetime(rows["Created Date"], format="mixed").dt.to_period("M") == "2019-06"]
    assert s["ledger"]["records"] == len(june)
    assert {d["department"] for d in s["departments"] if d["net_complaints"]} == set(june["Agency"])
    assert s["topics"] and all(not i["keywords"] for t in s["topics"] for i in t["issues"])  # categories only
