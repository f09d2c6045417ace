"""Where things live: the one place that names project paths.

The project root is the source checkout holding ``config/`` and ``data/``; set
``HOTLINE_PROJECT_ROOT`` to use another one.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(os.environ.get("HOTLINE_PROJECT_ROOT", Path(__file__).resolve().parents[1]))
CONFIG_DIR = PROJECT_ROOT / "config"
DATA_DIR = PROJECT_ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
PROCESSED_DIR = DATA_DIR / "processed"
REFERENCE_DIR = DATA_DIR / "reference"
REPORTS_DIR = PROJECT_ROOT / "reports"

DISTRICTS_CSV = REFERENCE_DIR / "districts.csv"
DEPARTMENTS_CSV = REFERENCE_DIR / "departments.csv"
