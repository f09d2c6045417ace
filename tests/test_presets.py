"""Presets (issue 15): paths relative to the preset, checks at load, absent measures, and an English-named export
whose month x unit counts equal an independent pandas count."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest

from hotline_analysis.cli import main
from hotline_analysis.errors import PresetError
from hotline_analysis.ingest.presets import PresetWarning, load_preset
from hotline_analysis.store import Store

from .english_export import FIXTURE, PRESET, write_export

#: The alias table of the fixture, written out again by hand: exported spelling -> unit.
UNIT_OF = {"BUILDING DIV, PERMITS": "Building Division, Permits", "Building Div., Permits": "Building Division, Permits",
           "Parks & Recreation": "Parks and Recreation Department",
           "PUBLIC WORKS, STREETS": "Public Works, Streets Bureau",
           "Public Works - Streets": "Public Works, Streets Bureau", "City Water Utility": "City Water Utility"}


def ingest_cli(capsys, store: Path, path: Path, preset: Path | str) -> tuple[int, str, str]:
    code = main(["ingest", str(path), "--preset", str(preset), "--store", str(store), "--quiet", "--jobs", "1"])
    out = capsys.readouterr()
    return code, out.out, out.err


def preset_copy(folder: Path, edit=lambda text: text) -> Path:
    """The fixture's preset and alias table copied into ``folder``, the preset's text passed through ``edit``."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURE / "units.csv", folder / "units.csv")
    (folder / "preset.yaml").write_text(edit(PRESET.read_text("utf-8")), "utf-8")
    return folder / "preset.yaml"


# --- the English-named export ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def english(tmp_path_factory):
    """The export ingested through ``hotline ingest``: (csv path, store root, printed ledger)."""
    folder = tmp_path_factory.mktemp("english")
    path = write_export(folder / "raw")
    with pytest.warns(PresetWarning):
        code = main(["ingest", str(path), "--preset", str(PRESET), "--store", str(folder / "store"), "--quiet"])
    assert code == 0
    return path, folder / "store"


def independent_counts(path: Path) -> pd.Series:
    """Orders per month and unit from the CSV with plain pandas (no package code)."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    month = pd.to_datetime(raw["Opened"], format="%m/%d/%Y %I:%M:%S %p").dt.to_period("M").astype(str)
    unit = raw["Responsible Unit"].map(UNIT_OF)
    assert unit.notna().all()
    return pd.DataFrame({"month": month, "unit": unit}).value_counts().sort_index()


def test_english_export_month_by_unit_counts_equal_pandas(english):
    path, root = english
    df = Store(root).load()
    got = pd.DataFrame({"month": df.received_at.dt.to_period("M").astype(str),
                        "unit": df.department.astype(str)}).value_counts().sort_index()
    expected = independent_counts(path)
    pd.testing.assert_series_equal(got, expected, check_names=False)
    assert expected.index.get_level_values("month").max() == "2023-03"  # the partial last month is there
    assert set(df.department) == set(UNIT_OF.values())  # spaces and commas inside names kept


def test_english_export_ledger_balances_and_says_what_is_missing(english, capsys):
    path, root = english
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    led = json.loads(sorted((root / "ledgers").glob("*.json"))[-1].read_text("utf-8"))
    assert led["rows_read"] == led["stored"] == led["net_complaints"] == len(raw) == 400
    assert led["unmapped_values"] == {"channel": {"Walk-in": int((raw["Source"] == "Walk-in").sum())}}
    assert led["skipped_steps"] == {"repeat-call linking": "no column for phone",
                                    "invalid-call rules on the text": "no column for content"}
    assert set(led["absent_measures"]) == {"repeat_calls", "topics", "validity_from_text", "satisfaction",
                                           "on_time_rate"}
    with pytest.warns(PresetWarning):
        code, out, _ = ingest_cli(capsys, root, path, PRESET)  # again: nothing new
    assert code == 0 and "service_requests.csv was already in the store, unchanged" in out


def test_the_printed_ledger_names_skipped_steps_and_absent_measures(tmp_path, capsys):
    path = write_export(tmp_path / "raw", n=50, seed=2)
    with pytest.warns(PresetWarning):
        code, out, _ = ingest_cli(capsys, tmp_path / "store", path, PRESET)
    assert code == 0
    assert "skipped: repeat-call linking (no column for phone)" in out
    assert "not in this export: repeat_calls (no column for phone)" in out and "satisfaction (no column" in out
    assert "channel: Walk-in (" in out


# --- checks at load ----------------------------------------------------------------------------------------


def test_absent_measures_are_listed_on_the_preset_with_a_warning():
    with pytest.warns(PresetWarning, match=r"not in this export: repeat_calls \(no column for phone\)"):
        p = load_preset(PRESET)
    assert p.absent_measures == {"repeat_calls": "no column for phone", "topics": "no column for content",
                                 "validity_from_text": "no column for content",
                                 "satisfaction": "no column for satisfaction", "on_time_rate": "no column for due_at"}
    with warnings.catch_warnings():
        warnings.simplefilter("error", PresetWarning)
        assert load_preset("zibo12345").absent_measures == {}  # the Zibo export has every column


def test_preset_paths_are_relative_to_the_preset_file(tmp_path, monkeypatch):
    preset = preset_copy(tmp_path / "deep" / "presets")
    monkeypatch.chdir(tmp_path)  # neither the preset's folder nor the project's
    with pytest.warns(PresetWarning):
        assert load_preset(preset).departments_path() == tmp_path / "deep" / "presets" / "units.csv"


def test_a_missing_preset_path_is_named(tmp_path, capsys):
    preset = preset_copy(tmp_path / "p", lambda t: t.replace("departments: units.csv", "departments: tables/units.csv"))
    with pytest.raises(PresetError, match=r"departments: no such file .*p/tables/units\.csv'; paths in a preset are "
                                          "relative to the preset file"):
        load_preset(preset)
    code, _, err = ingest_cli(capsys, tmp_path / "store", tmp_path / "x.csv", preset)
    assert code == 2 and "tables/units.csv" in err and not (tmp_path / "store").exists()


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace("  request_type: complaint", ""),
     r"neither maps request_type nor sets a default .* Add 'defaults: \{request_type: complaint\}'"),
    (lambda t: t.replace("  request_type: complaint", "").replace("  channel: Source", "  channel: Source\n"
                                                                   "  request_type: Type"),
     r"columns.request_type is mapped but 'values: \{request_type: \.\.\.\}' is missing"),
    (lambda t: t.replace("request_type: complaint", "request_type: grievance"),
     r"defaults.request_type is 'grievance'; allowed: complaint"),
])
def test_a_preset_without_request_types_says_what_to_add(tmp_path, capsys, edit, message):
    preset = preset_copy(tmp_path / "p", edit)
    with pytest.raises(PresetError, match=message):
        load_preset(preset)
    code, _, err = ingest_cli(capsys, tmp_path / "store", tmp_path / "x.csv", preset)
    assert code == 2 and "preset.yaml: " in err


def test_a_preset_may_list_several_sheets_or_one(tmp_path):
    for value, expected in (("[Requests, 2]", ("Requests", 2)), ("Requests", ("Requests",))):
        preset = preset_copy(tmp_path / str(len(expected)), lambda t: t + f"sheets: {value}\n")
        with pytest.warns(PresetWarning):
            assert load_preset(preset).sheets == expected


def test_the_partial_last_month_is_incomplete_says_why_and_flags_nothing(english):
    """The fixture's orders stop on 2023-03-10: 21 silent days at about one order a day cannot be chance."""
    from hotline_analysis.month import MonthReport
    from hotline_analysis.month.summary import validate_summary
    from hotline_analysis.pack import text

    path, root = english
    opened = pd.to_datetime(pd.read_csv(path, dtype=str)["Opened"], format="%m/%d/%Y %I:%M:%S %p")
    last = opened.max()
    report = MonthReport.build(root, "2023-03", all_units=True, topics="categories")
    s = validate_summary(report.to_json())
    gap = 31 - last.day
    assert s["ledger"]["completeness"]["complete"] is False
    assert s["ledger"]["completeness"]["figures"] == [f"{last:%Y-%m-%d}", gap]
    assert all(not d["complete"] and not d["flags"] and d["trend"] is None
               and d["trend_not_judged_reason"].startswith("month incomplete: ") for d in s["departments"])
    assert text.headline(report, "en")[0] == (f"This month's data are incomplete: the orders end on {last:%Y-%m-%d}, "
                                              f"{gap} days before the month does; no trend, surge or commendation "
                                              "is judged from it")
    full = MonthReport.build(root, "2023-02", all_units=True, topics="categories")
    assert full.ledger["completeness"]["complete"] is True
