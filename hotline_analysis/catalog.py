"""Reference tables: departments and their aliases, other units, districts, English names.

The department alias table is reference data an oversight office maintains
(``data/reference/departments.csv``); :func:`load_departments` reads it.  The
Zibo catalogue (``resources/zibo_catalog.yaml``) describes the synthetic
scenario's departments and the issues citizens raise with them.  The English
names of units, districts and complaint categories
(``data/reference/names_en.csv``) serve English report packs:
:func:`english_names`, :func:`display_name`, :func:`untranslated`; a zh pack notes names in Latin script
(:func:`latin_script`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from .errors import InputError

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
        raise InputError(f"missing column(s) {sorted(missing)}; expected alias,name,kind", file=path)
    return df


def unit_kinds(table: pd.DataFrame) -> dict[str, str]:
    """The kind of each canonical unit of an alias table (:func:`load_departments`), by name; a unit any of whose
    rows says ``department`` is a department (as in :func:`municipal_departments`), a blank kind is ``""``.

    Examples
    --------
    >>> unit_kinds(pd.DataFrame({"alias": ["a", "b", "c"], "name": ["X", "X", "Y"],
    ...                          "kind": ["department", "department", "enterprise"]}))
    {'X': 'department', 'Y': 'enterprise'}
    """
    t = table.assign(kind=table.kind.fillna("").astype(str).str.strip(), name=table.name.astype(str))
    t = t.assign(_d=t.kind != KIND_DEPARTMENT).sort_values("_d", kind="stable")  # department rows first
    return dict(t.drop_duplicates("name")[["name", "kind"]].itertuples(index=False, name=None))


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
        raise InputError("expected columns district,population", file=path)
    return df


def english_names(path: str | Path | None = None) -> dict[str, str]:
    """English names of units, districts and complaint categories, by their Chinese name.

    Parameters
    ----------
    path : str or Path, optional
        A CSV with columns ``name,name_en,kind``; default ``data/reference/names_en.csv``.

    Returns
    -------
    dict
        Chinese name -> English name; empty when the file does not exist. The file is read once per path.

    Raises
    ------
    InputError
        The file lacks a column or gives one name two English names.

    Examples
    --------
    >>> english_names()["市住房和城乡建设局"]
    'Municipal Bureau of Housing and Urban-Rural Development'
    >>> english_names("no/such/file.csv")
    {}
    """
    from . import paths

    return dict(_english_names(str(Path(path) if path else paths.REFERENCE_DIR / "names_en.csv")))


@lru_cache(maxsize=8)
def _english_names(path: str) -> tuple[tuple[str, str], ...]:
    if not Path(path).is_file():
        return ()
    df = pd.read_csv(path, dtype=str, encoding="utf-8", keep_default_na=False)
    missing = {"name", "name_en"} - set(df.columns)
    if missing:
        raise InputError(f"missing column(s) {sorted(missing)}; expected name,name_en,kind", file=path)
    df = df[(df.name.str.strip() != "") & (df.name_en.str.strip() != "")]
    clash = df.groupby("name").name_en.nunique()
    if (clash > 1).any():
        raise InputError(f"more than one English name for {sorted(clash.index[clash > 1])}", file=path)
    return tuple(zip(df.name.str.strip(), df.name_en.str.strip()))


def display_name(name: str, lang: str, names: dict[str, str] | None = None) -> str:
    """The name to print in a pack of language ``lang``: the English name in an English pack, when known.

    Parameters
    ----------
    name : str
        A canonical unit name, a district or a category, in Chinese.
    lang : str
        The pack's language, ``"zh"`` or ``"en"``.
    names : dict, optional
        Chinese -> English; default :func:`english_names`.

    Returns
    -------
    str
        The English name for ``lang == "en"`` when ``names`` has one, else ``name`` unchanged.

    Examples
    --------
    >>> display_name("张店区", "en")
    'Zhangdian District'
    >>> display_name("张店区", "zh")
    '张店区'
    >>> display_name("某某局", "en")
    '某某局'
    """
    if lang != "en":
        return name
    return (english_names() if names is None else names).get(name, name)


#: A CJK character (ideographs, CJK punctuation, full-width forms).
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def has_cjk(text) -> bool:
    """Whether ``text`` holds a CJK character (a name or word written in Chinese).

    >>> has_cjk("Café 3号"), has_cjk("Dept of Sanitation"), has_cjk(None)
    (True, False, False)
    """
    return isinstance(text, str) and CJK.search(text) is not None


def latin_script(names: Iterable[str]) -> list[str]:
    """The names written in Latin script (a letter A-Z, no CJK character), each once in order of first
    appearance: a zh pack shows them as the export writes them, and says so.

    >>> latin_script(["张店区", "Dept of Sanitation", "Café 3号", "Ward 3", "Dept of Sanitation", "311", None])
    ['Dept of Sanitation', 'Ward 3']
    """
    out = [n for n in names if isinstance(n, str) and not has_cjk(n) and re.search("[A-Za-z]", n)]
    return list(dict.fromkeys(out))


def untranslated(names: Iterable[str], table: dict[str, str] | None = None) -> list[str]:
    """The names without an English name, each once in order of first appearance (an English pack prints them).

    Blanks and missing values are left out, and so are names with no CJK character: a name already written in
    Latin script (another city's ``Dept of Sanitation``) needs no translation and is shown as it is.

    Parameters
    ----------
    names : iterable of str
        Names the pack shows (units, districts, categories).
    table : dict, optional
        Chinese -> English; default :func:`english_names`.

    Examples
    --------
    >>> untranslated(["张店区", "某某局", "物业管理", "某某局", "", "Dept of Sanitation", "Café 3号"])
    ['某某局', 'Café 3号']
    """
    table = english_names() if table is None else table
    out = [n for n in names if has_cjk(n) and n not in table]
    return list(dict.fromkeys(out))
