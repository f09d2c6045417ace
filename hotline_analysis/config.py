"""The rules in force: ``config/default.yaml``, optionally overlaid by a user file."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from . import paths


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def load_config(path: str | Path | None = None) -> dict:
    """The default configuration, with the keys of ``path`` (if given) laid over it."""
    cfg = yaml.safe_load((paths.CONFIG_DIR / "default.yaml").read_text("utf-8"))
    if path is not None:
        cfg = _merge(cfg, yaml.safe_load(Path(path).read_text("utf-8")) or {})
    return cfg
