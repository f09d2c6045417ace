"""Supervision analytics for citizen-hotline work orders (12345 / 311)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hotline_analysis")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0"

__all__ = ["__version__"]
