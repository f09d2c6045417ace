"""The settings in force: rules, thresholds and weights, typed.

``config/default.yaml`` is the one place that holds the defaults (with what
each one means); the frozen dataclasses here mirror it key for key and hold
types only. :func:`load_settings` reads it and lays the user's YAML over it;
sections are read as attributes::

    settings = load_settings("my.yaml")          # or load_settings() for the defaults
    settings.change.min_base                     # 5
    settings.flags.surge.min_change_pct          # 30.0
    settings.net_complaint.rules.exclude_returned

A key the defaults do not have, anywhere in the user's file, or a value of
the wrong type stops with a :class:`~hotline_analysis.errors.SettingsError`
naming the dotted key and the file. Settings are immutable and hashable
(lists are tuples); :meth:`Settings.to_dict` gives the plain nested dict.

>>> s = settings_from_dict({"flags": {"surge": {"min_count": 20}}})
>>> s.flags.surge.min_count, s.flags.surge.min_change_pct
(20, 30.0)
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml

from . import paths
from .errors import SettingsError

#: The file of defaults.
DEFAULTS_FILE = paths.CONFIG_DIR / "default.yaml"


class _Section:
    """What every settings dataclass shares: the plain-data view."""

    def to_dict(self) -> dict:
        """The section as nested plain dicts and lists (as in the YAML)."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}


def _plain(value):
    if isinstance(value, _Section):
        return value.to_dict()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class NetRules(_Section):
    """``net_complaint.rules``: the named switches; a switched-off rule excludes nothing."""

    exclude_invalid: bool
    exclude_duplicates: bool
    exclude_unreasonable: bool
    exclude_returned: bool


@dataclass(frozen=True)
class NetComplaint(_Section):
    """``net_complaint``: which stored orders count as net complaints (净投诉量)."""

    request_types: tuple[str, ...]
    rules: NetRules


@dataclass(frozen=True)
class Duplicates(_Section):
    """``duplicates``: repeat calls on the same matter."""

    window_days: float
    match_on: tuple[str, ...]


@dataclass(frozen=True)
class Validity(_Section):
    """``validity``: invalid orders (hang-ups, tests, harassment) and over-long texts."""

    invalid_if_matches: tuple[str, ...]
    invalid_if_contains: tuple[str, ...]
    short_text_chars: int
    max_content_chars: int


@dataclass(frozen=True)
class TimeChecks(_Section):
    """``time_checks``: orders received in the future."""

    future_tolerance_days: float


@dataclass(frozen=True)
class Ingest(_Section):
    """``ingest``: values of an export that are not believed, time zones, over-long names."""

    earliest_date: str
    latest_date: str
    timezone: str
    max_name_chars: int


@dataclass(frozen=True)
class CompositeWeights(_Section):
    """``handling.composite_weights``: the three-rate (三率) composite."""

    response: float
    resolution: float
    satisfaction: float


@dataclass(frozen=True)
class Satisfaction(_Section):
    """``satisfaction``: call-back satisfaction rates and their interval."""

    positive: tuple[str, ...]
    weighted_basically_satisfied: float
    ci_level: float
    min_surveyed: int
    standard: float


@dataclass(frozen=True)
class HandlingStandards(_Section):
    """``handling.standards``: the standards units are listed against."""

    on_time: float
    max_reassign_rate: float


@dataclass(frozen=True)
class Grades(_Section):
    """``handling.grades``: the least composite for grades A, B and C (below C: D)."""

    A: float
    B: float
    C: float


@dataclass(frozen=True)
class Handling(_Section):
    """``handling``: how departments handle orders (办理情况)."""

    response_hours: float
    early_fraction: float
    min_orders: int
    alpha: float
    standards: HandlingStandards
    composite_weights: CompositeWeights
    weights_source: str
    weights_source_en: str
    grades: Grades
    oldest: int
    stale_months: int = 12


@dataclass(frozen=True)
class Change(_Section):
    """``change``: year-over-year and month-over-month change."""

    min_base: float
    rounding: Literal["half_up", "truncate"]
    decimals: int


@dataclass(frozen=True)
class Surge(_Section):
    """``flags.surge``: a count both large and improbable under the department's own history."""

    min_change_pct: float
    prediction_level: float
    min_history_months: int
    min_count: int
    recent_months: int


@dataclass(frozen=True)
class SatisfactionDrop(_Section):
    """``flags.satisfaction_drop``."""

    alpha: float


@dataclass(frozen=True)
class Commend(_Section):
    """``flags.commend``: a sustained, significant and large fall relative to the city."""

    window_months: int
    alpha: float
    min_fall_pct: float
    max_departments: int


@dataclass(frozen=True)
class Completeness(_Section):
    """``flags.completeness``: when a month's orders are not all there (no flag is raised from it)."""

    max_missing_days: int
    gap_alpha: float
    min_share: float
    history_months: int
    min_median: float


@dataclass(frozen=True)
class Flags(_Section):
    """``flags``: surge, satisfaction drop, commendation, completeness."""

    surge: Surge
    satisfaction_drop: SatisfactionDrop
    commend: Commend
    completeness: Completeness


@dataclass(frozen=True)
class Ranking(_Section):
    """``ranking``."""

    review_top_n: int
    top_n: int


@dataclass(frozen=True)
class Trend(_Section):
    """``trend``: a department's trend in a report, and the longer view."""

    windows: tuple[int, ...]
    ramps: tuple[int, ...]
    alpha: float
    history_months: int
    outlier_level: float
    baseline_outlier_level: float
    mk_window_months: int


@dataclass(frozen=True)
class Topics(_Section):
    """``topics``: hot topics from the texts (:mod:`hotline_analysis.topics`)."""

    baseline_months: int
    top_n: int
    keywords: int
    min_question_orders: int
    question_departments: int
    min_orders: int
    min_z: float
    min_idf: float
    link: float
    examples: int
    excerpt_chars: int
    alpha: float
    min_ratio: float


@dataclass(frozen=True)
class Bulletin(_Section):
    """``bulletin``: how a pack presents itself (city, issuing body, issue number, marking)."""

    city: str
    city_en: str
    hotline: str
    hotline_en: str
    issuer: str
    issuer_en: str
    issue_number: str
    marking: str
    marking_en: str


@dataclass(frozen=True)
class Settings(_Section):
    """Every setting in force, one attribute per section of ``config/default.yaml``."""

    dataset: str
    bulletin: Bulletin
    net_complaint: NetComplaint
    duplicates: Duplicates
    validity: Validity
    time_checks: TimeChecks
    ingest: Ingest
    satisfaction: Satisfaction
    handling: Handling
    change: Change
    flags: Flags
    ranking: Ranking
    trend: Trend
    topics: Topics

    def overlay(self, overrides: Mapping, source: str = "overrides") -> Settings:
        """These settings with the keys of ``overrides`` (nested like the YAML) laid over them, checked as a
        settings file is (``source`` names them in an error). The keys it does not name keep their types (a list
        setting stays a tuple), so the result equals the same settings loaded again."""
        base = _overlay(Settings, {}, self.to_dict(), "these settings")  # to_dict's lists back to tuples
        return _build(Settings, _overlay(Settings, base, overrides, source))


def load_settings(path: str | Path | None = None) -> Settings:
    """The settings of ``config/default.yaml``, with the keys of the YAML file ``path`` (if given) laid over them.

    Raises :class:`~hotline_analysis.errors.SettingsError` for a file that is
    missing or not YAML, a key the defaults do not have (naming the dotted key
    and the valid keys beside it) and a value of the wrong type (an integer is
    accepted where a number is expected).
    """
    if path is None:
        return _build(Settings, _defaults())
    return settings_from_dict(_read_yaml(Path(path)), str(path))


def settings_from_dict(data: Mapping | None, source: str = "a settings dict") -> Settings:
    """The default settings with ``data`` (nested like the YAML, e.g. :meth:`Settings.to_dict`) laid over them,
    checked as a settings file is."""
    return _build(Settings, _overlay(Settings, _defaults(), data or {}, source))


@lru_cache(maxsize=1)
def _defaults() -> dict:
    """``config/default.yaml``, checked (every key known, every value of its type)."""
    return _overlay(Settings, {}, _read_yaml(DEFAULTS_FILE), str(DEFAULTS_FILE))


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except FileNotFoundError:
        raise SettingsError("no such settings file", file=path) from None
    except yaml.YAMLError as exc:
        raise SettingsError(f"not valid YAML: {exc}", file=path) from None
    return data if data is not None else {}


@lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, object]:
    return {f.name: t for f, t in zip(fields(cls), typing.get_type_hints(cls).values())}


def _overlay(cls: type, base: Mapping, over, source: str, prefix: str = "") -> dict:
    """``base`` (already checked) with the keys of ``over`` laid over it, each checked against ``cls``."""
    hints = _hints(cls)
    if not isinstance(over, Mapping):
        raise SettingsError(f"expected a mapping with keys {', '.join(hints)}, got {_shown(over)}",
                            prefix.rstrip(".") or None, source)
    out = dict(base)
    for name, value in over.items():
        key = f"{prefix}{name}"
        if name not in hints:
            where = f"under {prefix.rstrip('.')}" if prefix else "at the top level"
            raise SettingsError(f"unknown key; the valid keys {where} are: {', '.join(hints)}", key, source)
        tp = hints[name]
        if is_dataclass(tp):
            out[name] = _overlay(tp, base.get(name, {}), value, source, key + ".")
        else:
            out[name] = _check(value, tp, key, source)
    return out


def _check(value, tp, key: str, source: str):
    """``value`` as type ``tp`` (a list as a tuple), or a SettingsError naming what was expected."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise SettingsError(f"expected a list of {_type_name(args[0], plural=True)}, got {_shown(value)}", key,
                                source)
        return tuple(_check(v, args[0], f"{key}[{i}]", source) for i, v in enumerate(value))
    if origin is Literal:
        if value not in args:
            raise SettingsError(f"expected one of {', '.join(map(str, args))}, got {_shown(value)}", key, source)
        return value
    ok = {bool: lambda v: isinstance(v, bool),
          int: lambda v: isinstance(v, int) and not isinstance(v, bool),
          float: lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
          str: lambda v: isinstance(v, str)}[tp]
    if not ok(value):
        raise SettingsError(f"expected {_type_name(tp)}, got {_shown(value)}", key, source)
    return value


def _type_name(tp, plural: bool = False) -> str:
    if plural:
        return {bool: "true or false values", int: "integers", float: "numbers", str: "strings"}[tp]
    return {bool: "true or false", int: "an integer", float: "a number", str: "a string"}[tp]


def _shown(value) -> str:
    return f"{type(value).__name__} {value!r}" if value is not None else "nothing"


def _build(cls: type, data: Mapping, prefix: str = ""):
    """The dataclass ``cls`` from checked ``data``; a key missing from it is named (the defaults lack it)."""
    values = {}
    for name, tp in _hints(cls).items():
        if name not in data:
            raise SettingsError("missing: every setting needs its default in this file", prefix + name,
                                DEFAULTS_FILE)
        values[name] = _build(tp, data[name], f"{prefix}{name}.") if is_dataclass(tp) else data[name]
    return cls(**values)
