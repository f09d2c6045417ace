"""Typed settings: config/default.yaml is the one place for defaults; a user's YAML is checked key by key."""

from __future__ import annotations

import dataclasses

import pytest
import yaml

from hotline_analysis import paths
from hotline_analysis.errors import SettingsError
from hotline_analysis.settings import NetRules, Settings, load_settings, settings_from_dict


def write(tmp_path, text: str):
    p = tmp_path / "my.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_default_yaml_round_trips_through_to_dict():
    raw = yaml.safe_load((paths.CONFIG_DIR / "default.yaml").read_text("utf-8"))
    s = load_settings()
    assert s.to_dict() == raw
    assert settings_from_dict(s.to_dict()) == s


def test_sections_are_typed_immutable_and_hashable():
    s = load_settings()
    assert isinstance(s.net_complaint.rules, NetRules) and s.net_complaint.rules.exclude_invalid is True
    assert s.net_complaint.request_types == ("complaint", "report")
    assert s.flags.surge.min_count == 10 and s.topics.min_ratio == 1.5 and s.trend.mk_window_months == 24
    assert s.handling.composite_weights.resolution == 0.5
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.change.min_base = 3
    assert hash(s) == hash(load_settings()) and {s: 1}[load_settings()] == 1


def test_no_defaults_in_code():
    for cls in (Settings, NetRules):
        assert all(f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
                   for f in dataclasses.fields(cls))


def test_an_override_of_one_key_keeps_the_other_defaults(tmp_path):
    s = load_settings(write(tmp_path, "flags:\n  surge:\n    min_change_pct: 50\n"))
    d = load_settings()
    assert s.flags.surge.min_change_pct == 50
    assert s.flags.surge.prediction_level == d.flags.surge.prediction_level
    assert s.flags.commend == d.flags.commend and s.change == d.change
    assert load_settings(write(tmp_path, "")) == d  # an empty file changes nothing


def test_an_unknown_key_names_the_dotted_key_the_file_and_the_valid_keys(tmp_path):
    p = write(tmp_path, "flags:\n  surge:\n    min_chnage_pct: 50\n")
    with pytest.raises(SettingsError) as exc:
        load_settings(p)
    message = str(exc.value)
    assert exc.value.key == "flags.surge.min_chnage_pct" and str(p) in message
    assert "flags.surge.min_chnage_pct" in message and "min_change_pct" in message and "min_count" in message
    with pytest.raises(SettingsError, match="top level.*net_complaint"):
        load_settings(write(tmp_path, "topic:\n  top_n: 5\n"))


@pytest.mark.parametrize("text, key, expected", [
    ("trend:\n  windows: 3\n", "trend.windows", "a list of integers"),
    ("change:\n  min_base: five\n", "change.min_base", "a number"),
    ("topics:\n  top_n: 2.5\n", "topics.top_n", "an integer"),
    ("net_complaint:\n  rules:\n    exclude_returned: 'yes'\n", "net_complaint.rules.exclude_returned", "true or false"),
    ("change:\n  rounding: up\n", "change.rounding", "half_up, truncate"),
    ("flags: 3\n", "flags", "a mapping"),
])
def test_a_value_of_the_wrong_type_names_key_file_and_type(tmp_path, text, key, expected):
    p = write(tmp_path, text)
    with pytest.raises(SettingsError) as exc:
        load_settings(p)
    assert exc.value.key == key and str(p) in str(exc.value) and expected in str(exc.value)


def test_an_integer_is_a_number_and_lists_become_tuples(tmp_path):
    s = load_settings(write(tmp_path, "flags:\n  surge:\n    min_change_pct: 25\ntrend:\n  windows: [1, 12]\n"))
    assert s.flags.surge.min_change_pct == 25 and s.trend.windows == (1, 12)


def test_missing_or_broken_files_are_settings_errors(tmp_path):
    with pytest.raises(SettingsError, match="no such settings file"):
        load_settings(tmp_path / "none.yaml")
    with pytest.raises(SettingsError, match="not valid YAML"):
        load_settings(write(tmp_path, "flags: [\n"))


def test_an_overlay_keeps_the_types_of_the_keys_it_does_not_name():
    """A store's bulletin laid over the settings changes the bulletin only: the lists stay tuples, so a saved
    month result loads back equal."""
    s = load_settings()
    over = s.overlay({"bulletin": {"city_en": "Gotham"}})
    assert over.bulletin.city_en == "Gotham" and over.net_complaint.request_types == ("complaint", "report")
    assert s.overlay({}) == s
