"""English names of units, districts and categories (names_en.csv); errors of the reference tables."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from hotline_analysis import paths
from hotline_analysis import schema as S
from hotline_analysis.catalog import (KIND_DEPARTMENT, display_name, english_names, load_departments,
                                      load_districts, untranslated, zibo_catalog)
from hotline_analysis.errors import InputError

NAMES_EN = paths.REFERENCE_DIR / "names_en.csv"
KINDS = {"department", "district_government", "enterprise", "district", "category"}
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return pd.read_csv(NAMES_EN, dtype=str, encoding="utf-8", keep_default_na=False)


def _catalogue_categories() -> set[str]:
    cat = zibo_catalog()
    topics = [*cat["district_topics"], *cat["hotline_topics"], *(t for ts in cat["enterprise_topics"].values()
                                                                 for t in ts)]
    names = {t[k] for t in topics for k in ("l1", "l2")}
    for d in cat["departments"]:
        names |= {d["l1"], *(t["l2"] for t in d["topics"]), *(h["topic"] for h in d.get("hot_topics", []))}
    return names


def test_table_shape(table):
    assert list(table.columns) == ["name", "name_en", "kind"]
    assert set(table.kind) <= KINDS
    assert table.name.is_unique
    assert (table.name_en.str.strip() != "").all()
    assert (table.kind == KIND_DEPARTMENT).sum() == 37


def test_every_unit_and_district_has_an_english_name(table):
    ref = load_departments(paths.DEPARTMENTS_CSV)
    kinds = dict(zip(table.name, table.kind))
    assert untranslated(ref.name) == []
    assert all(kinds[n] == k for n, k in zip(ref.name, ref.kind))
    districts = load_districts(paths.DISTRICTS_CSV).district
    assert untranslated(districts) == []
    assert {kinds[d] for d in districts} == {"district"}


def test_every_category_of_the_catalogue_has_an_english_name(table):
    cats = _catalogue_categories()
    assert untranslated(sorted(cats)) == []
    assert set(table.name[table.kind == "category"]) == cats


def test_every_category_of_the_small_scenario_has_an_english_name(small_scenario):
    orders = small_scenario.orders
    assert untranslated(pd.concat([orders[S.CATEGORY_L1], orders[S.CATEGORY_L2]]).unique()) == []


def test_english_names_are_english_and_unique_per_kind(table):
    assert [n for n in table.name_en if CJK.search(n)] == []
    assert [n for n in table.name_en if n != n.strip() or "  " in n] == []
    dup = table[table.duplicated(["kind", "name_en"], keep=False)]
    assert dup.empty, dup


def test_display_name():
    names = english_names()
    assert display_name("市城市管理局", "en") == "Municipal Bureau of Urban Administration"
    assert display_name("沂源县", "en", names) == "Yiyuan County"
    assert display_name("市城市管理局", "zh") == "市城市管理局"
    assert display_name("某某局", "en") == "某某局"
    assert display_name("张店区", "en", {}) == "张店区"
    assert display_name("张店区", "en", {"张店区": "Zhangdian"}) == "Zhangdian"


def test_english_names_file(tmp_path):
    assert english_names(tmp_path / "none.csv") == {}
    f = tmp_path / "names_en.csv"
    f.write_text("name,name_en,kind\n某某局,Some Bureau,department\n", encoding="utf-8")
    assert english_names(f) == {"某某局": "Some Bureau"}
    english_names(f)["x"] = "y"  # a copy: the cached table stays as read
    assert english_names(f) == {"某某局": "Some Bureau"}
    bad = tmp_path / "bad.csv"
    bad.write_text("name,english\n某某局,Some Bureau\n", encoding="utf-8")
    with pytest.raises(InputError, match="name_en") as e:
        english_names(bad)
    assert e.value.file == str(bad)
    clash = tmp_path / "clash.csv"
    clash.write_text("name,name_en,kind\n某某局,A,department\n某某局,B,department\n", encoding="utf-8")
    with pytest.raises(InputError, match="某某局"):
        english_names(clash)


def test_untranslated():
    names = ["某某局", "张店区", None, float("nan"), "", "某某局", "某某区"]
    assert untranslated(names) == ["某某局", "某某区"]
    assert untranslated(["某某局"], {"某某局": "Some Bureau"}) == []


def test_names_in_latin_script_need_no_translation():
    """Another city's units and districts already written in English are shown as they are, never listed."""
    names = ["Dept of Sanitation", "Police Dept, Non-Emergency", "Eastside", "Café Row", "江州市环卫局", "Ｂ区",
             "Old Town 老城", "Eastside"]
    assert untranslated(names, {}) == ["江州市环卫局", "Ｂ区", "Old Town 老城"]


def test_bad_reference_tables_are_input_errors(tmp_path):
    deps = tmp_path / "departments.csv"
    deps.write_text("alias,name\n人社局,市人力资源和社会保障局\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"missing column\(s\) \['kind'\]") as e:
        load_departments(deps)
    assert e.value.file == deps and str(e.value).startswith(str(deps))
    dist = tmp_path / "districts.csv"
    dist.write_text("district,people\n张店区,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="district,population") as e:
        load_districts(dist)
    assert e.value.file == dist
