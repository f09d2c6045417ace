"""Inputs for the store's fault, race and wrong-folder tests (issue 14), generated rather than committed.

``python -m tests.make_store_faults OUT`` writes them into ``OUT``:

- ``export/``: a small synthetic Zibo export, five monthly GBK CSV files of a
  few hundred rows each (the planted truth in ``export/ground_truth.json``);
- ``missing_column/zibo12345_bad.csv``: a GBK export whose header lacks the
  mapped column 受理时间 (received_at), the case that ended with exit 134;
- ``not_a_store/orders/``: two of the export's files in a folder that is not a
  store, as a user who passes ``--store`` the parent of his input folder has.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from hotline_analysis.synth import ScenarioConfig, generate, write_export

#: Five months at 0.3% of the volume: about 380 rows per file.
SCENARIO = ScenarioConfig(start="2020-09", end="2021-01", scale=0.003, seed=5)
HEADER = ("工单编号,受理时间,受理渠道,来电号码,来电人,诉求类型,一级分类,二级分类,所属区县,承办单位,诉求内容,办理时限,"
          "办结时间,工单状态,是否合理诉求,回访是否联系,回访是否解决,满意度")
ROW = ("ZB{i},2020-12-01 08:00:00,电话,1390000{i:04d},张三,投诉,劳动和社会保障,拖欠工资,张店区,人社局,"
       "市民来电反映：某公司拖欠工资三个月，希望尽快处理。,2020-12-06 08:00:00,2020-12-02 08:00:00,已办结,是,是,是,满意")


def export(out: Path) -> Path:
    """The small synthetic export (see module docstring)."""
    write_export(generate(SCENARIO, progress=False), out, progress=False)
    return out


def missing_column(out: Path, rows: int = 50) -> Path:
    """A GBK file whose header says 时间 where the preset maps 受理时间."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "zibo12345_bad.csv"
    lines = [HEADER.replace("受理时间", "时间"), *(ROW.format(i=i) for i in range(rows))]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


def not_a_store(out: Path, export_dir: Path) -> Path:
    """``out/orders/`` holding two export files; ``out`` is the wrong ``--store``."""
    (out / "orders").mkdir(parents=True, exist_ok=True)
    for p in sorted(export_dir.glob("zibo12345_*.csv"))[:2]:
        shutil.copy(p, out / "orders" / p.name)
    return out


def main(out: str) -> None:
    root = Path(out)
    ex = export(root / "export")
    missing_column(root / "missing_column")
    not_a_store(root / "not_a_store", ex)
    print(f"wrote the store-fault inputs into {root}")


if __name__ == "__main__":
    main(sys.argv[1])
