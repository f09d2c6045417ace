"""Small exports written by a test and ingested: :func:`ingest_written`."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd


def ingest_written(folder: Path, frame: pd.DataFrame, preset: str, name: str = "x",
                   files: dict[str, str] | None = None) -> Path:
    """Write ``frame`` as ``<name>.csv`` (UTF-8), ``preset`` as ``<name>.yaml`` and ``files`` (name -> text, e.g.
    an alias table) into ``folder``, and ingest the CSV into ``folder/store`` as of 2024-06-05, without the
    warnings a preset gives of the measures its export lacks: the store's folder."""
    from hotline_analysis.ingest.pipeline import ingest
    from hotline_analysis.ingest.presets import load_preset

    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / f"{name}.csv", index=False, encoding="utf-8")
    (folder / f"{name}.yaml").write_text(preset, "utf-8")
    for file, text in (files or {}).items():
        (folder / file).write_text(text, "utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the preset warns that measures will be absent
        ingest([folder / f"{name}.csv"], load_preset(folder / f"{name}.yaml"), folder / "store", progress=False,
               now=pd.Timestamp("2024-06-05"))
    return folder / "store"
