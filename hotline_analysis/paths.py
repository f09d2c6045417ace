"""Where things live: the one module that names default paths.

Two places:

* the **source checkout** (:data:`PROJECT_ROOT`, ``$HOTLINE_PROJECT_ROOT`` to
  use another one) holds what ships with the code: ``config/``,
  ``notebooks/`` and ``data/reference/``. Only these have module constants.
* the **work folder** (:func:`work_dir`) holds what commands write and read
  by default: ``data/raw/`` (exports), ``data/processed/`` (stores) and
  ``reports/``. It is ``$HOTLINE_WORKDIR``, else the source checkout when
  running from one, else the current folder, so that no command writes
  inside an installed package.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(os.environ.get("HOTLINE_PROJECT_ROOT", Path(__file__).resolve().parents[1]))
CONFIG_DIR = PROJECT_ROOT / "config"
REFERENCE_DIR = PROJECT_ROOT / "data" / "reference"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
MONTHLY_NOTEBOOKS_DIR = NOTEBOOKS_DIR / "monthly"

DISTRICTS_CSV = REFERENCE_DIR / "districts.csv"
DEPARTMENTS_CSV = REFERENCE_DIR / "departments.csv"


def work_dir() -> Path:
    """``$HOTLINE_WORKDIR``; else :data:`PROJECT_ROOT` when it is a source checkout (has ``pyproject.toml``);
    else the current folder."""
    if os.environ.get("HOTLINE_WORKDIR"):
        return Path(os.environ["HOTLINE_WORKDIR"])
    return PROJECT_ROOT if (PROJECT_ROOT / "pyproject.toml").is_file() else Path.cwd()


def raw_dir() -> Path:
    """Exported files (and the synthetic scenario): ``<work folder>/data/raw``."""
    return work_dir() / "data" / "raw"


def processed_dir() -> Path:
    """Stores: ``<work folder>/data/processed``."""
    return work_dir() / "data" / "processed"


def reports_dir() -> Path:
    """Report packs and reviews: ``<work folder>/reports``."""
    return work_dir() / "reports"


def default_store() -> Path:
    """The store used when none is given: ``$HOTLINE_STORE``, else ``<processed>/zibo``."""
    return Path(os.environ.get("HOTLINE_STORE") or processed_dir() / "zibo")


def default_register(store: str | Path | None = None) -> Path:
    """The register of hearings (CSV ``department,month``) of a store: ``$HOTLINE_REGISTER``, else
    ``<raw>/<store folder name>/supervision.csv`` (the store: :func:`default_store` when not given)."""
    if os.environ.get("HOTLINE_REGISTER"):
        return Path(os.environ["HOTLINE_REGISTER"])
    return raw_dir() / _folder_name(store or default_store()) / "supervision.csv"


def report_folder(store: str | Path, label: str) -> Path:
    """Where a report of a store goes: ``<reports>/<store folder name>/<label>`` (label e.g. ``2021-02``,
    ``annual-2020``)."""
    return reports_dir() / _folder_name(store) / label


def _folder_name(store: str | Path) -> str:
    return Path(store).resolve().name  # also for "." or "store/"
