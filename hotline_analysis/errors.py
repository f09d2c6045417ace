"""The errors of hotline_analysis.

:class:`HotlineError` and its subclasses are problems the user can fix (a
file, a preset, a setting, a store, the data); the ``hotline`` command prints
their message and exits with status 2, without a traceback. Each subclass
carries what the user must fix. Anything else that escapes is a bug, e.g.
:class:`LedgerError`.

The extra attributes are also the exception's ``args``, so an error raised in
a worker process arrives whole in the parent.
"""

from __future__ import annotations

from pathlib import Path


class HotlineError(Exception):
    """A problem the user can fix; the CLI prints its message and exits 2."""


class InputError(HotlineError):
    """A file the user gave is unusable. ``file``, ``row`` and ``column`` (each optional) say where; the
    message starts with them.

    >>> str(InputError("unparseable date", "a.csv", 12, "received_at"))
    'a.csv, row 12, column received_at: unparseable date'
    """

    def __init__(self, message: str, file: str | Path | None = None, row: int | None = None,
                 column: str | None = None):
        super().__init__(message, file, row, column)
        self.message, self.file, self.row, self.column = message, file, row, column

    def __str__(self) -> str:
        where = ", ".join([*([str(self.file)] if self.file is not None else []),
                           *([f"row {self.row}"] if self.row is not None else []),
                           *([f"column {self.column}"] if self.column is not None else [])])
        return f"{where}: {self.message}" if where else self.message


class PresetError(HotlineError):
    """A preset file that cannot be used; the message says what to fix."""


class SettingsError(HotlineError):
    """A settings file (YAML over ``config/default.yaml``) with an unknown key or a value of the wrong type.

    ``key`` is the dotted key (``flags.surge.min_change_pct``), ``file`` the settings file.

    >>> str(SettingsError("unknown key; valid keys here: alpha", "flags.commend.alfa", "my.yaml"))
    'my.yaml: flags.commend.alfa: unknown key; valid keys here: alpha'
    """

    def __init__(self, message: str, key: str | None = None, file: str | Path | None = None):
        super().__init__(message, key, file)
        self.message, self.key, self.file = message, key, file

    def __str__(self) -> str:
        where = ": ".join(str(x) for x in (self.file, self.key) if x is not None)
        return f"{where}: {self.message}" if where else self.message


class StoreError(HotlineError):
    """The folder is not a store (or a store that cannot take this ingest); the message says how to make one."""


class DataError(HotlineError):
    """The data lack what an analysis needs (e.g. no work orders in the month)."""


class NotebookError(HotlineError):
    """A notebook failed: ``notebook`` is its name, ``cell`` the first line of the failing cell.

    >>> str(NotebookError("DataError: no work orders received in 2030-01", "01_overview.ipynb",
    ...                   "md = report.load_month(store, month)"))
    '01_overview.ipynb, in the cell `md = report.load_month(store, month)`: DataError: no work orders received in 2030-01'
    """

    def __init__(self, message: str, notebook: str, cell: str | None = None):
        super().__init__(message, notebook, cell)
        self.message, self.notebook, self.cell = message, notebook, cell

    def __str__(self) -> str:
        where = self.notebook + (f", in the cell `{self.cell}`" if self.cell else "")
        return f"{where}: {self.message}"


class LedgerError(RuntimeError):
    """The ingest ledger does not balance: an internal invariant broken (a bug), never a data problem."""
