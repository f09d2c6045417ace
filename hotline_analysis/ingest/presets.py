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
    File-name patterns picked up when a folder is ingested (default ``*``).
``departments``
    Path of an alias table (CSV ``alias,name,kind``), relative to the project
    root, or ``null`` to take the exported name as the department.

Only ``order_id`` and ``received_at`` are required.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .. import paths
from .. import schema as S
from ..errors import PresetError

REQUIRED = (S.ORDER_ID, S.RECEIVED_AT)
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
    source: str = ""

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
        if not self.departments:
            return None
        p = Path(self.departments)
        return p if p.is_absolute() else paths.PROJECT_ROOT / p


def load_preset(name_or_path: str | Path) -> Preset:
    """Load ``config/presets/<name>.yaml`` or a preset file given by path.

    Examples
    --------
    >>> load_preset("nyc311").columns["received_at"]
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
    unknown = sorted(set(cols) - set(MAPPABLE))
    if unknown:
        raise PresetError(f"{p}: unknown field(s) under columns: {unknown}; allowed: {list(MAPPABLE)}")
    for req in REQUIRED:
        if req not in cols:
            raise PresetError(f"{p}: columns must map {req!r} (the export's header for it)")
    for fld, spec in cols.items():
        if isinstance(spec, dict) and "join" not in spec:
            raise PresetError(f"{p}: columns.{fld}: a mapping needs 'join: [header, ...]'")
    bad_values = sorted(set(raw.get("values") or {}) - {S.CHANNEL, S.REQUEST_TYPE, S.STATUS, S.SATISFACTION, "boolean"})
    if bad_values:
        raise PresetError(f"{p}: unknown value map(s) {bad_values}")
    for col, mapping in (raw.get("values") or {}).items():
        if col == "boolean":
            wrong = sorted({str(v) for v in mapping.values() if v not in (True, False, None)})  # 1 == True
            if wrong:
                raise PresetError(f"{p}: values.boolean maps to {wrong}, allowed: true, false (or 1, 0)")
        if col in S.ENUMS:
            wrong = sorted({str(v) for v in mapping.values()} - set(S.ENUMS[col]))
            if wrong:
                raise PresetError(f"{p}: values.{col} maps to {wrong}, allowed: {list(S.ENUMS[col])}")
    return Preset(
        name=raw.get("name", p.stem), description=raw.get("description", ""), columns=cols,
        encoding=raw.get("encoding", "auto"), drop=tuple(raw.get("drop") or ()),
        date_formats=tuple(raw.get("date_formats") or ()), values=raw.get("values") or {},
        defaults=raw.get("defaults") or {}, absent=tuple(raw.get("absent") or ()),
        departments=raw.get("departments"), source=str(p),
        optional=tuple(raw.get("optional") or ()),
        files=tuple([raw["files"]] if isinstance(raw.get("files"), str) else raw.get("files") or ("*",)),
    )
