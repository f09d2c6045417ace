"""Printing pages to PDF with a locally installed Chromium (headless, no network)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import HotlineError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
#: Flags for a headless Chromium that touches no network and keeps no profile.
HEADLESS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync")


def find_browser() -> str | None:
    """The first Chromium-like browser on the PATH, or None."""
    return next((b for b in map(shutil.which, BROWSERS) if b), None)


def print_pdf(pages: list[Path]) -> list[Path]:
    """Print HTML pages to PDF beside them; return the PDFs."""
    browser = find_browser()
    if browser is None:
        raise HotlineError("--pdf needs a locally installed Chromium (e.g. 'apt-get install chromium'); "
                           "without it, open index.html and print from a browser")
    out = []
    for page in pages:
        pdf = page.with_suffix(".pdf")
        with tempfile.TemporaryDirectory() as profile:
            subprocess.run([browser, *HEADLESS, f"--user-data-dir={profile}", f"--print-to-pdf={pdf}",
                            "--no-pdf-header-footer", page.resolve().as_uri()], check=True, capture_output=True,
                           timeout=120)
        out.append(pdf)
    return out
