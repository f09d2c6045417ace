"""The units that handle orders (departments, district governments, utilities) and their topics."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..catalog import KIND_DEPARTMENT, KIND_DISTRICT, KIND_ENTERPRISE, department_aliases


@dataclass
class Units:
    """Handling units in catalogue order: departments first, then districts and enterprises."""

    names: list[str]
    kinds: list[str]
    aliases: list[list[str]]
    district_of: list[str | None]  # district of a district government

    @property
    def n_departments(self) -> int:
        return self.kinds.count(KIND_DEPARTMENT)

    def of_kind(self, kind: str) -> list[int]:
        """Indices of the units of one kind."""
        return [i for i, k in enumerate(self.kinds) if k == kind]


@dataclass
class Topics:
    """Request topics (second-level categories) with the unit that handles each."""

    unit: np.ndarray  # unit index, -1 = answered by the hotline itself
    l1: list[str]
    l2: list[str]
    issues: list[list[str]]  # text templates
    season: list[list[int]]  # calendar months in season, empty = all year
    hot: list[dict | None]  # planted hot topic spec


def units_of(cat: dict) -> Units:
    """The catalogue's units with the spellings the export uses for them."""
    units = Units([], [], [], [])

    def add(name, kind, aliases, district=None):
        units.names.append(name)
        units.kinds.append(kind)
        units.aliases.append(aliases)
        units.district_of.append(district)

    for d in cat["departments"]:
        add(d["name"], KIND_DEPARTMENT, department_aliases(d["name"], d["abbr"], d.get("subunits")))
    for u in cat["other_units"]["districts"]:
        add(u["name"], KIND_DISTRICT, [u["name"], *u["aliases"]], u["district"])
    for u in cat["other_units"]["enterprises"]:
        add(u["name"], KIND_ENTERPRISE, [u["name"], *u["aliases"]])
    return units


def topics_of(cat: dict, units: Units) -> Topics:
    """The catalogue's topics, each tied to the unit that handles it."""
    unit, l1, l2, issues, season, hot = [], [], [], [], [], []

    def add(u, a, b, iss, seas=None, h=None):
        unit.append(u)
        l1.append(a)
        l2.append(b)
        issues.append(iss)
        season.append(seas or [])
        hot.append(h)

    for i, d in enumerate(cat["departments"]):
        for t in d["topics"]:
            add(i, d["l1"], t["l2"], t["issues"], t.get("season"))
        for h in d.get("hot_topics", []):
            add(i, d["l1"], h["topic"], h["issues"], None, h)
    for i, kind in enumerate(units.kinds):
        if kind == KIND_DISTRICT:
            for t in cat["district_topics"]:
                add(i, t["l1"], t["l2"], t["issues"], t.get("season"))
        elif kind == KIND_ENTERPRISE:
            for t in cat["enterprise_topics"][units.names[i]]:
                add(i, t["l1"], t["l2"], t["issues"], t.get("season"))
    for t in cat["hotline_topics"]:
        add(-1, t["l1"], t["l2"], t["issues"])
    return Topics(np.array(unit), l1, l2, issues, season, hot)
