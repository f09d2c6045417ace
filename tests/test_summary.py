"""summary.json: valid against its schema, the same from the aggregate table as from the rows, and from the
command line, on the scenario and on a sparse real export."""

from __future__ import annotations

import json

import jsonschema
import pandas as pd
import pytest

from hotline_analysis.cli import main
from hotline_analysis.month import MonthReport
from hotline_analysis.month.summary import summary_schema, validate_summary
from hotline_analysis.settings import load_settings
from hotline_analysis.store import Store

SETTINGS = load_settings()


@pytest.fixture(scope="module")
def summary(small_store):
    store, _ = small_store
    return MonthReport.build(store, "2020-12", SETTINGS, topics="categories").to_json()


def test_schema_rejects_broken_summaries(summary):
    validate_summary(summary)
    bad = json.loads(json.dumps(summary))
    bad["departments"][0]["trend"] = "sideways"
    with pytest.raises(jsonschema.ValidationError):
        validate_summary(bad)
    bad = json.loads(json.dumps(summary))
    bad["month"] = "2020-13"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, summary_schema())


def test_changes_are_rounded_half_up_as_bulletins_print_them(summary, small_store):
    """53.125 is 53.13 (四舍五入), not Python's round-half-even 53.12: checked on every department's change."""
    from decimal import ROUND_HALF_UP, Decimal

    for d in summary["departments"]:
        if d["mom_pct"] is not None:
            exact = Decimal(d["net_complaints"] - d["net_complaints_prev_month"]) * 100 / Decimal(
                d["net_complaints_prev_month"])
            assert d["mom_pct"] == float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def test_summary_from_the_aggregate_table_equals_the_row_level_one(small_store, summary, monkeypatch):
    store, _ = small_store
    monkeypatch.setattr(Store, "aggregates", lambda self: None)  # a store without its aggregate table
    assert MonthReport.build(store, "2020-12", SETTINGS, topics="categories").to_json() == summary
    settings = SETTINGS.overlay({"net_complaint": {"rules": {"exclude_returned": True}}})  # other rules too
    rows = MonthReport.build(store, "2020-12", settings, topics="categories").to_json()
    monkeypatch.undo()
    assert MonthReport.build(store, "2020-12", settings, topics="categories").to_json() == rows


def test_summary_command(small_store, tmp_path, capsys):
    store, _ = small_store
    out = tmp_path / "s.json"
    assert main(["summary", "--store", str(store.root), "--month", "2021-02", "--out", str(out)]) == 0
    s = validate_summary(json.loads(out.read_text("utf-8")))
    assert len(s["departments"]) == 37 and "net complaints" in capsys.readouterr().out
    assert main(["summary", "--store", str(tmp_path / "none"), "--month", "2021-02"]) == 2
    assert main(["summary", "--store", str(store.root), "--month", "2021-13"]) == 2


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
