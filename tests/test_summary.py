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


def test_handling_of_a_real_export_with_closed_and_due_dates(tmp_path):
    """NYC 311 has closed and due dates and a status, nothing else of handling: on-time closure and the open
    orders are measured (against a count written out here from the CSV), the rest is named as absent."""
    from hotline_analysis.ingest.pipeline import ingest
    from hotline_analysis.ingest.presets import load_preset

    from .conftest import external

    src = external("nyc311_sample_2010_2020", "nyc311_sample.csv")
    ingest([src], load_preset("nyc311"), tmp_path / "store", progress=False)
    out = tmp_path / "s.json"
    assert main(["summary", "--store", str(tmp_path / "store"), "--month", "2019-06", "--out", str(out),
                 "--all-units"]) == 0
    h = validate_summary(json.loads(out.read_text("utf-8")))["handling"]
    rows = pd.read_csv(src, dtype=str)
    when = {c: pd.to_datetime(rows[c], format="mixed") for c in ("Created Date", "Closed Date", "Due Date")}
    when["Closed Date"] = when["Closed Date"].where(when["Closed Date"] >= when["Created Date"])  # ingest nulls these
    status = rows["Status"].map(lambda s: "closed" if s == "Closed" else "open")
    as_of = when["Created Date"].max()
    june = (when["Created Date"].dt.to_period("M") == "2019-06").to_numpy()
    closed = (rows["Status"] == "Closed") & when["Closed Date"].notna()
    judged = (closed & when["Due Date"].notna()) | ((status == "open") & (when["Due Date"] <= as_of))
    on_time = closed & (when["Closed Date"] <= when["Due Date"])
    assert h["city"]["dispatched"] == june.sum()
    assert h["city"]["on_time_rate"] == pytest.approx((on_time & judged)[june].sum() / judged[june].sum(), abs=1e-6)
    end = pd.Timestamp("2019-07-01")
    held = (when["Created Date"] < end) & ((when["Closed Date"] >= end) | ((status == "open")
                                                                            & when["Closed Date"].isna()))
    assert h["city"]["open"] == held.sum() and h["city"]["overdue"] == (held & (when["Due Date"] < end)).sum()
    assert {"response_rate", "reassign_rate", "satisfaction_rate", "composite", "direct_share"} <= set(h["absent"])
    assert h["city"]["response_rate"] is None and h["city"]["grade"] is None  # absent, not zero


def test_the_first_month_of_a_store_has_no_last_month(tmp_path):
    """Before the store's first month nothing is known: last month is null like a year ago, not 0; a month later a
    unit without orders last month has 0."""
    from hotline_analysis.ingest.pipeline import ingest
    from hotline_analysis.ingest.presets import load_preset

    from .conftest import external

    src = external("nyc311_sample_2010_2020", "nyc311_sample.csv")
    ingest([src], load_preset("nyc311"), tmp_path / "store", progress=False)
    first = min(Store(tmp_path / "store").months())
    s = validate_summary(MonthReport.build(tmp_path / "store", first, all_units=True, topics="categories").to_json())
    assert all(d["net_complaints_prev_month"] is None and d["mom_pct"] is None for d in s["departments"])
    later = pd.Period(first, "M") + 1
    s = validate_summary(MonthReport.build(tmp_path / "store", later, all_units=True, topics="categories").to_json())
    assert all(isinstance(d["net_complaints_prev_month"], int) for d in s["departments"])


def test_another_citys_pack_is_titled_as_its_own(tmp_path):
    """The NYC preset says whose export it is; the store keeps it, and a pack with the default settings is not
    titled as Zibo's. A user's own bulletin settings still win."""
    from hotline_analysis import labels as L
    from hotline_analysis.ingest.pipeline import ingest
    from hotline_analysis.ingest.presets import load_preset
    from hotline_analysis.pack import text
    from hotline_analysis.settings import settings_from_dict

    from .conftest import external

    src = external("nyc311_sample_2010_2020", "nyc311_sample.csv")
    ingest([src], load_preset("nyc311"), tmp_path / "store", progress=False)
    r = MonthReport.build(tmp_path / "store", "2019-06", all_units=True, topics="categories")
    assert L.pack_title(r.settings.bulletin, r.month, "en") == "New York City 311 service: supervision analysis, June 2019"
    assert L.masthead(r.settings.bulletin, "en") == "" and "Zibo" not in " ".join(text.headline(r, "en"))
    assert text.headline(r, "zh")[1].startswith("全市311热线受理工单")
    own = settings_from_dict({"bulletin": {"city_en": "Gotham"}})
    r = MonthReport.build(tmp_path / "store", "2019-06", own, all_units=True, topics="categories")
    assert r.settings.bulletin.city_en == "Gotham"
