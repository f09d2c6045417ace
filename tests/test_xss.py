"""Hostile text in every text-bearing column of an export never reaches a page as markup (issue 14 item 3)."""

from __future__ import annotations

import numpy as np
import pytest

from hotline_analysis.ingest.pipeline import ingest
from hotline_analysis.ingest.presets import load_preset
from hotline_analysis.pack import run_report
from hotline_analysis.synth import ScenarioConfig, generate, write_export

pytestmark = pytest.mark.slow  # builds a pack

PAYLOADS = ("<script>alert(1)</script>", "<img src=x onerror=alert(2)>", '"><svg onload=alert(3)>')
COLUMNS = ("district", "department_raw", "category_l1", "category_l2", "content")


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    sc = generate(ScenarioConfig(scale=0.01, seed=5))
    o = sc.orders
    rng = np.random.default_rng(0)
    for i, col in enumerate(COLUMNS):  # a tenth of the rows of each column carry one of the payloads
        hit = rng.random(len(o)) < 0.1
        payload = PAYLOADS[i % len(PAYLOADS)]
        o.loc[hit, col] = payload if col != "content" else o.loc[hit, col].astype(str) + payload
    raw = tmp_path_factory.mktemp("xss")
    write_export(sc, raw, progress=False)
    ingest([raw], load_preset("zibo12345"), raw / "store", progress=False)
    return run_report(raw / "store", "2020-12", raw / "pack", "zh", all_units=True)


def test_no_payload_reaches_a_page_as_markup(pack):
    pages = sorted(pack.glob("*.html"))
    assert len(pages) >= 7
    seen = 0
    for page in pages:
        text = page.read_text("utf-8")
        for p in PAYLOADS:
            assert p not in text, (page.name, p)
            seen += text.count(p.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")[:12])
    assert seen > 0  # the payloads are shown, escaped, as the citizens wrote them
