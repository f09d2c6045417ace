"""Project plumbing: dependency lists in sync, two-command setup documented."""

from __future__ import annotations

import re
import tomllib

import yaml

from hotline_analysis import paths

ROOT = paths.PROJECT_ROOT


def _name(req: str) -> str:
    return re.split(r"[<>=!~ \[]", req, maxsplit=1)[0].strip().lower()


def _spec(req: str) -> str:
    return req[len(_name(req)):].strip()


def test_environment_yml_matches_pyproject():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    wanted = py["project"]["dependencies"] + py["project"]["optional-dependencies"]["dev"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text("utf-8"))
    have = [d for d in env["dependencies"] if isinstance(d, str)]
    have += [d for d in next(d for d in env["dependencies"] if isinstance(d, dict))["pip"] if not d.startswith("-e")]
    have = {_name(d): _spec(d) for d in have if _name(d) not in {"python", "pip"}}
    assert {_name(r): _spec(r) for r in wanted} == have
    assert "python=3.11" in env["dependencies"]


def test_readme_shows_the_two_commands():
    text = (ROOT / "README.md").read_text("utf-8")
    assert "make report" in text and "make test" in text


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text("utf-8")


def test_gitignore_keeps_data_and_reports_out_of_git():
    ignored = (ROOT / ".gitignore").read_text("utf-8").split()
    for entry in ("data/raw/*", "data/processed/*", "reports/*", ".venv/"):
        assert entry in ignored


def test_default_config_names_every_net_complaint_rule():
    cfg = yaml.safe_load((ROOT / "config" / "default.yaml").read_text("utf-8"))
    rules = cfg["net_complaint"]["rules"]
    assert {"exclude_invalid", "exclude_duplicates", "exclude_unreasonable"} <= set(rules)
    assert cfg["net_complaint"]["request_types"] == ["complaint", "report"]
    assert cfg["duplicates"]["window_days"] == 7
    w = cfg["handling"]["composite_weights"]
    assert (w["response"], w["resolution"], w["satisfaction"]) == (0.1, 0.5, 0.4)


def test_reference_tables_state_their_sources():
    import pandas as pd

    d = pd.read_csv(paths.DISTRICTS_CSV)
    assert len(d) == 11 and d.population.sum() == 4_705_900
    assert d.approximate.all() and d.source.str.len().gt(10).all()
    assert "statistical bulletin" in (paths.REFERENCE_DIR / "README.md").read_text("utf-8")


def test_reference_alias_table_lists_every_spelling_the_scenario_uses():
    import pandas as pd

    from hotline_analysis.catalog import load_departments, zibo_reference_table

    committed = load_departments(paths.DEPARTMENTS_CSV).sort_values("alias").reset_index(drop=True)
    pd.testing.assert_frame_equal(committed, zibo_reference_table().sort_values("alias").reset_index(drop=True))
