"""Presets: how one city's export maps onto the canonical work order.

A preset is a YAML file (see ``config/presets/``) with these keys:

``name``, ``description``
    Free text.
``encoding``
    ``auto`` (byte-order mark, else strict UTF-8, else GBK, else its
    superset GB18030; the ledger names the one used) or a Python codec name.
``columns``
    Canonical field -> header in the export.  A list of headers means "the
    first one present"; ``{join: [h1, h2], sep: "。"}`` concatenates columns.
    Besides the canonical fields, ``phone`` names the caller's phone column,
    which becomes ``caller_key`` and is never stored.
``drop``
    Headers of personal-data columns to read past (never stored).
``date_formats``
    strptime formats tried in order for every date column; ISO 8601 is
    always tried last.
``values``
    Value maps for ``channel``, ``request_type``, ``status``,
    ``satisfaction`` and ``boolean`` (used for ``is_reasonable``,
    ``contacted``, ``resolved``).  Unmapped values become ``other`` (or null
    for booleans and satisfaction) and are listed in the ledger.
``defaults``
    Constant values for fields the export lacks (e.g. ``request_type:
    complaint`` for 311 service requests).
``optional``
    Mapped fields whose column some files of this kind lack (left empty there).
``absent``
    Canonical fields the export does not have; analyses that need them say
    so instead of failing.
``files``
    File-name patterns picked up when a folder is ingested, and members read
    from a ZIP archive (default ``*``).
``sheets``
    XLSX sheets to read, by name or 0-based position.  Without it every
    sheet whose header has the columns the preset maps is read; the ledger
    lists the sheets read and skipped.
``timezone``
    The time zone of the export's clock (an IANA name such as
    ``America/New_York``); times written with a UTC offset or stored
    zone-aware are converted to it.  Default: ``ingest.timezone`` of the
    settings (Asia/Shanghai).
``bulletin``
    Whose export this is, for the pack's title and masthead when the
    settings keep the default (Zibo) ones: any of ``city``, ``city_en``,
    ``hotline``, ``hotline_en``, ``issuer``, ``issuer_en``, ``issue_number``,
    ``marking``, ``marking_en`` (see ``bulletin`` in ``config/default.yaml``).
    The store remembers it.  A preset without one names no city, issuer or
    hotline (:data:`NO_BULLETIN`): its pack is not titled as Zibo's 12345 hotline.
``departments``
    Path of an alias table (CSV ``alias,name,kind``; ``kind`` is
    ``department`` for a municipal department, ``district_government`` or
    ``enterprise``), or ``null`` to take the exported name as the department.

Every path in a preset is relative to the preset file (or absolute).  Only
``order_id`` and ``received_at`` are required; ``request_type`` must be
mapped (with ``values.request_type``) or set under ``defaults``, or no row
could count as a complaint.  Columns that measures need (the caller's phone,
the text, satisfaction, closing and due times) may be left out: the preset
then warns, and :attr:`Preset.absent_measures` says which measures the export
cannot give.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .. import paths
from .. import schema as S
from ..errors import PresetError

REQUIRED = (S.ORDER_ID, S.RECEIVED_AT)
#: Keys of a preset that name files (resolved relative to the preset file).
PATH_KEYS = ("departments",)
#: Measure -> the fields it needs (any one of them is enough where a tuple lists several).
MEASURE_NEEDS = {
    "repeat_calls": ("phone",),
    "topics": (S.CONTENT,),
    "validity_from_text": (S.CONTENT,),
    "satisfaction": (S.SATISFACTION,),
    "closing_time": (S.CLOSED_AT,),
    "on_time_rate": (S.CLOSED_AT, S.DUE_AT),
}
_NEED_ALL = {"on_time_rate"}  # measures that need every field listed, not any one


class PresetWarning(UserWarning):
    """A preset that loads but leaves measures out (a column they need is not in the export)."""
#: Fields a preset may map besides the canonical columns.
EXTRA_FIELDS = ("phone",)
MAPPABLE = tuple(c for c in S.COLUMNS if c not in (S.DEPARTMENT, S.CALLER_KEY, S.DUPLICATE_OF, S.SOURCE_FILE,
                                                     S.SOURCE_ROW)) + EXTRA_FIELDS


@dataclass(frozen=True)
class Preset:
    name: str
    columns: dict[str, object]
    description: str = ""
    encoding: str = "auto"
    drop: tuple[str, ...] = ()
    date_formats: tuple[str, ...] = ()
    values: dict[str, dict] = field(default_factory=dict)
    defaults: dict[str, object] = field(default_factory=dict)
    absent: tuple[str, ...] = ()
    departments: str | None = None
    files: tuple[str, ...] = ("*",)
    optional: tuple[str, ...] = ()
    sheets: tuple[str | int, ...] = ()
    source: str = ""
    #: measure -> why it is absent ("no column for phone"), for the ledger and the summary's "not in this export".
    absent_measures: dict[str, str] = field(default_factory=dict)
    timezone: str | None = None
    bulletin: dict[str, str] = field(default_factory=dict)

    def headers_for(self, fld: str) -> list[str]:
        """Every export header the field may come from."""
        spec = self.columns.get(fld)
        if spec is None:
            return []
        if isinstance(spec, str):
            return [spec]
        if isinstance(spec, dict):
            return list(spec["join"])
        return list(spec)

    def departments_path(self) -> Path | None:
        """The alias table, relative to the preset file (checked to exist when the preset was loaded)."""
        return _resolve(self.departments, self.source) if self.departments else None

    def missing_columns(self, header: list[str]) -> list[str]:
        """Headers the preset maps (not ``optional``) that ``header`` lacks, as the export calls them."""
        missing = []
        for fld, spec in self.columns.items():
            headers = self.headers_for(fld)
            found = [h for h in headers if h in header]
            if fld not in self.optional and (not found or (isinstance(spec, dict) and len(found) < len(headers))):
                missing.append(" + ".join(headers) if isinstance(spec, dict) else " or ".join(headers))
        return missing


def _resolve(path: str, source: str) -> Path:
    p = Path(path).expanduser()
    return p if p.is_absolute() or not source else Path(os.path.normpath(Path(source).absolute().parent / p))


def absent_measures(columns: dict, defaults: dict) -> dict[str, str]:
    """Measures the export cannot give: measure -> the fields it lacks (neither mapped nor set by default).

    >>> absent_measures({"order_id": "id", "received_at": "t", "closed_at": "c"}, {})["on_time_rate"]
    'no column for due_at'
    """
    have = set(columns) | set(defaults)
    out = {}
    for measure, needs in MEASURE_NEEDS.items():
        lacking = [f for f in needs if f not in have]
        if lacking and (measure in _NEED_ALL or len(lacking) == len(needs)):
            out[measure] = "no column for " + " and ".join(lacking)
    return out


#: The bulletin of a preset that does not say whose export it is: no city, issuing body or hotline name (the pack
#: then says "hotline", :func:`hotline_analysis.labels.hotline`); the marking stays the settings'.
NO_BULLETIN = {"city": "", "city_en": "", "hotline": "", "hotline_en": "", "issuer": "", "issuer_en": ""}


def _bulletin(p: Path, given) -> dict[str, str]:
    """The preset's ``bulletin`` keys, checked against the settings' ``bulletin`` section; :data:`NO_BULLETIN`
    when it has none."""
    from dataclasses import fields

    from ..settings import Bulletin

    if not given:
        return dict(NO_BULLETIN)
    known = [f.name for f in fields(Bulletin)]
    bad = sorted(set(given) - set(known)) if isinstance(given, dict) else ["(not a mapping)"]
    if bad or not all(isinstance(v, str) for v in given.values()):
        raise PresetError(f"{p}: under 'bulletin' use text values for the keys {known}; got {bad or given}")
    return dict(given)


def _timezone(p: Path, name: str | None) -> str | None:
    """The preset's time zone, checked to be one the system knows."""
    if name is None:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise PresetError(f"{p}: unknown time zone {name!r} under 'timezone' (use an IANA name such as "
                          "Asia/Shanghai or America/New_York)") from None
    return str(name)


def load_preset(name_or_path: str | Path) -> Preset:
    """Load ``config/presets/<name>.yaml`` or a preset file given by path.

    Checks the keys, value maps, request types and paths (a :class:`~hotline_analysis.errors.PresetError`
    says what to fix) and warns (:class:`PresetWarning`) when measures will be absent.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", PresetWarning)
    ...     load_preset("nyc311").columns["received_at"]
    'Created Date'
    """
    p = Path(name_or_path)
    if not p.suffix:
        p = paths.CONFIG_DIR / "presets" / f"{name_or_path}.yaml"
    if not p.exists():
        known = sorted(x.stem for x in (paths.CONFIG_DIR / "presets").glob("*.yaml"))
        raise PresetError(f"preset {name_or_path!r} not found; use one of {known} or the path of a preset YAML file")
    try:
        raw = yaml.safe_load(p.read_text("utf-8")) or {}
    except yaml.YAMLError as exc:
        raise PresetError(f"{p}: not valid YAML: {exc}") from None
    cols = raw.get("columns") or {}
    _check_columns(p, cols)
    _check_values(p, raw.get("values") or {})
    _check_request_type(p, cols, raw.get("values") or {}, raw.get("defaults") or {})
    _check_paths(p, raw)
    sheets = raw.get("sheets") or ()
    preset = Preset(
        name=raw.get("name", p.stem), description=raw.get("description", ""), columns=cols,
        encoding=raw.get("encoding", "auto"), drop=tuple(raw.get("drop") or ()),
        date_formats=tuple(raw.get("date_formats") or ()), values=raw.get("values") or {},
        defaults=raw.get("defaults") or {}, absent=tuple(raw.get("absent") or ()),
        departments=raw.get("departments"), source=str(p),
        optional=tuple(raw.get("optional") or ()),
        files=tuple([raw["files"]] if isinstance(raw.get("files"), str) else raw.get("files") or ("*",)),
        sheets=tuple([sheets] if isinstance(sheets, (str, int)) else sheets),
        absent_measures=absent_measures(cols, raw.get("defaults") or {}),
        timezone=_timezone(p, raw.get("timezone")),
        bulletin=_bulletin(p, raw.get("bulletin")),
    )
    if preset.absent_measures:
        warnings.warn(f"preset {preset.name!r}: not in this export: "
                      + "; ".join(f"{m} ({why})" for m, why in preset.absent_measures.items())
                      + "; these measures will be absent from the store's analyses", PresetWarning, stacklevel=2)
    return preset


def _check_columns(p: Path, cols: dict) -> None:
    unknown = sorted(set(cols) - set(MAPPABLE))
    if unknown:
        raise PresetError(f"{p}: unknown field(s) under columns: {unknown}; allowed: {list(MAPPABLE)}")
    for req in REQUIRED:
        if req not in cols:
            raise PresetError(f"{p}: columns must map {req!r} (the export's header for it)")
    for fld, spec in cols.items():
        if isinstance(spec, dict) and "join" not in spec:
            raise PresetError(f"{p}: columns.{fld}: a mapping needs 'join: [header, ...]'")


def _check_values(p: Path, values: dict) -> None:
    bad_values = sorted(set(values) - {S.CHANNEL, S.REQUEST_TYPE, S.STATUS, S.SATISFACTION, "boolean"})
    if bad_values:
        raise PresetError(f"{p}: unknown value map(s) {bad_values}")
    for col, mapping in values.items():
        if col == "boolean":
            wrong = sorted({str(v) for v in mapping.values() if v not in (True, False, None)})  # 1 == True
            if wrong:
                raise PresetError(f"{p}: values.boolean maps to {wrong}, allowed: true, false (or 1, 0)")
        if col in S.ENUMS:
            wrong = sorted({str(v) for v in mapping.values()} - set(S.ENUMS[col]))
            if wrong:
                raise PresetError(f"{p}: values.{col} maps to {wrong}, allowed: {list(S.ENUMS[col])}")


def _check_request_type(p: Path, cols: dict, values: dict, defaults: dict) -> None:
    """Without a request type no row is a complaint type (0 net complaints): say what to add."""
    kinds = ", ".join(S.REQUEST_TYPES)
    if S.REQUEST_TYPE not in cols and S.REQUEST_TYPE not in defaults:
        raise PresetError(f"{p}: the preset neither maps request_type nor sets a default for it, so no order "
                          "would count as a complaint. Add 'defaults: {request_type: complaint}' when every order "
                          "is a complaint (as 311 service requests are), or map the export's request-type column "
                          f"under 'columns: {{request_type: <header>}}' with 'values: {{request_type: {{<exported "
                          f"value>: <one of {kinds}>}}}}'")
    if S.REQUEST_TYPE in cols and not values.get(S.REQUEST_TYPE):
        raise PresetError(f"{p}: columns.request_type is mapped but 'values: {{request_type: ...}}' is missing, so "
                          f"every order would be 'other'; map each exported value to one of {kinds}")
    if S.REQUEST_TYPE in defaults and str(defaults[S.REQUEST_TYPE]) not in S.REQUEST_TYPES:
        raise PresetError(f"{p}: defaults.request_type is {defaults[S.REQUEST_TYPE]!r}; allowed: {kinds}")


def _check_paths(p: Path, raw: dict) -> None:
    """Every path in the preset exists, relative to the preset file."""
    for key in PATH_KEYS:
        value = raw.get(key)
        if not value:
            continue
        where = _resolve(str(value), str(p))
        if not where.is_file():
            hint = (f" (it exists relative to the project folder: write {str(paths.PROJECT_ROOT / value)!r} or a "
                    "path relative to the preset)") if (paths.PROJECT_ROOT / str(value)).is_file() else ""
            raise PresetError(f"{p}: {key}: no such file {str(where)!r}; paths in a preset are relative to the "
                              f"preset file{hint}")
