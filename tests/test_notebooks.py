"""The stored notebooks run as they are (nbval, lax: outputs are not compared), on the small store."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from hotline_analysis import paths

pytestmark = pytest.mark.slow  # runs notebooks or a browser: outside the fast lane

NOTEBOOKS = paths.PROJECT_ROOT / "notebooks"


def test_notebooks_are_stored_without_outputs():
    for nb in NOTEBOOKS.rglob("*.ipynb"):
        cells = json.loads(nb.read_text("utf-8"))["cells"]
        assert not any(c.get("outputs") or c.get("execution_count") for c in cells if c["cell_type"] == "code"), nb
        params = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(params) == 1, f"{nb.name}: one tagged parameters cell"
        assert "def " not in "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code"), nb


def test_stored_notebooks_run_with_nbval(small_store, small_export):
    store, _ = small_store
    env = {**os.environ, "HOTLINE_STORE": str(store.root), "HOTLINE_REGISTER": str(small_export / "supervision.csv")}
    targets = [NOTEBOOKS / "monthly", NOTEBOOKS / "annual_review.ipynb", NOTEBOOKS / "exploratory.ipynb",
               NOTEBOOKS / "lookback.ipynb"]
    run = subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "-q", "-o", "addopts=", "-p", "no:cacheprovider",
                          *map(str, targets)], env=env, capture_output=True, text=True, cwd=paths.PROJECT_ROOT)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "passed" in run.stdout
