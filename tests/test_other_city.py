"""Another city's export in the pack (trial of a non-Zibo city): names already in English, no free text, a
one-level category, a partial last month, a short history; and the workbook's cells as a reader sees them."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pandas as pd

from hotline_analysis.pack.index import _untranslated
from hotline_analysis.pack.workbook import write_workbook


def test_workbook_cells_show_no_apostrophe_and_are_never_formulas(tmp_path: Path):
    """A change written "+13.79%" reads back as exactly that, a string; text a spreadsheet would take for a
    formula if typed in carries the quote-prefix style instead of a literal apostrophe."""
    t = pd.DataFrame({"change": ["+13.79%", "-3.44个百分点", "=HYPERLINK(\"http://x\")", "@SUM(A1)", "13%"],
                      "n": [1, 2, 3, 4, 5]})
    path = write_workbook({"city handling": t}, tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(path)["city handling"]
    cells = [ws.cell(row=r, column=1) for r in range(2, 7)]
    assert [c.value for c in cells] == t.change.tolist()
    assert all(c.data_type == "s" for c in cells)  # text, never a formula ("f")
    assert [c.quotePrefix for c in cells] == [True, True, True, True, False]
    assert [ws.cell(row=r, column=2).value for r in range(2, 7)] == [1, 2, 3, 4, 5]


def test_index_lists_only_names_in_chinese_joined_the_english_way():
    report = SimpleNamespace(supervised=["Dept of Sanitation", "江州市环卫局", "Water Bureau"],
                             issues=pd.DataFrame({"category": ["Noise", None, "噪音扰民"]}),
                             breakdowns=pd.DataFrame({"dimension": ["district", "district", "channel"],
                                                      "value": ["Eastside", "江北区", "电话"]}))
    html = _untranslated(report)
    assert "江州市环卫局, 噪音扰民, 江北区" in html
    assert "Dept of Sanitation" not in html and "Eastside" not in html and "、" not in html and "电话" not in html
