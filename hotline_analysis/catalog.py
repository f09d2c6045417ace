"""Reference tables: departments and their aliases, other units, districts.

The department alias table is reference data an oversight office maintains
(``data/reference/departments.csv``); :func:`load_departments` reads it.  The
Zibo catalogue (``resources/zibo_catalog.yaml``) describes the synthetic
scenario's departments and the issues citizens raise with them.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

#: Unit kinds in the department reference table.
KIND_DEPARTMENT = "department"
KIND_DISTRICT = "district_government"
KIND_ENTERPRISE = "enterprise"

CITY_PREFIX = "淄博"


@lru_cache(maxsize=1)
def zibo_catalog() -> dict:
    """The synthetic scenario's catalogue (departments, topics, places, texts)."""
    text = resources.files("hotline_analysis.resources").joinpath("zibo_catalog.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def department_aliases(name: str, abbr: str, subunits: list[str] | None = None) -> list[str]:
    """The spellings under which a 市 department appears in exports.

    Examples
    --------
    >>> department_aliases("市人力资源和社会保障局", "人社局")
    ['市人力资源和社会保障局', '淄博市人力资源和社会保障局', '人社局', '市人社局']
    >>> department_aliases("市教育局", "教育局")
    ['市教育局', '淄博市教育局', '教育局']
    """
    out = [name, CITY_PREFIX + name, abbr, "市" + abbr]
    out += [f"市{abbr}({s})" for s in subunits or []]
    return list(dict.fromkeys(out))


def zibo_reference_table() -> pd.DataFrame:
    """Alias table of the Zibo catalogue: one row per (alias, canonical name, kind)."""
    cat = zibo_catalog()
    rows = []
    for d in cat["departments"]:
        for a in department_aliases(d["name"], d["abbr"], d.get("subunits")):
            rows.append((a, d["name"], KIND_DEPARTMENT))
    for kind, key in ((KIND_DISTRICT, "districts"), (KIND_ENTERPRISE, "enterprises")):
        for u in cat["other_units"][key]:
            for a in [u["name"], *u["aliases"]]:
                rows.append((a, u["name"], kind))
    return pd.DataFrame(rows, columns=["alias", "name", "kind"])


def load_departments(path: str | Path) -> pd.DataFrame:
    """Read a department alias table (CSV with columns ``alias,name,kind``)."""
    df = pd.read_csv(path, dtype=str, encoding="utf-8")
    missing = {"alias", "name", "kind"} - set(df.columns)
    if missing:
        raise ValueError(f"{path}: missing column(s) {sorted(missing)}; expected alias,name,kind")
    return df


def municipal_departments(path: str | Path | None = None) -> set[str]:
    """Canonical names of the supervised municipal departments in the alias table (empty if there is none)."""
    from . import paths

    path = Path(path) if path else paths.DEPARTMENTS_CSV
    if not path.exists():
        return set()
    ref = load_departments(path)
    return set(ref.loc[ref.kind == KIND_DEPARTMENT, "name"])


def load_districts(path: str | Path) -> pd.DataFrame:
    """Read the district population table (``district,population,...``)."""
    df = pd.read_csv(path, encoding="utf-8")
    if not {"district", "population"} <= set(df.columns):
        raise ValueError(f"{path}: expected columns district,population")
    return df
