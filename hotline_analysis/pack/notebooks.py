"""Running the pack's notebooks: papermill into the pack folder, then offline HTML without code."""

from __future__ import annotations

import re
import shutil
import tempfile
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from ..errors import NotebookError

#: Network references that must not appear in a report (it has to open on an offline intranet).
NETWORK_REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|import\(\s*["'](?:https?:)?//|url\(\s*["']?(?:https?:)?//""",
                               re.IGNORECASE)


#: Cells with this tag are notes for the analyst in the notebook, left out of the page.
ANALYST_NOTE = "analyst-note"


def strip_network_references(page: str) -> str:
    """Remove the CDN scripts (require.js, MathJax, mermaid) nbconvert's template adds; the report needs none."""
    page = re.sub(r"<script[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>\s*</script>", "", page, flags=re.I)
    page = re.sub(r"<script[^>]*>(?:(?!</script>).)*?(?:https?:)?//cdnjs\.(?:(?!</script>).)*</script>", "", page,
                  flags=re.I | re.S)
    return page


def check_offline(page: str, name: str) -> str:
    """``page`` unchanged, or an error naming the network reference left in it (a bug of the pack)."""
    found = NETWORK_REFERENCE.search(page)
    if found:
        raise RuntimeError(f"{name}: a network reference is left in the page: {found.group(0)!r}")
    return page


def export_html(nb_path: Path, out: Path, title: str, lang: str) -> Path:
    """The executed notebook as one HTML page without code or prompts, nothing fetched from the network."""
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = (ANALYST_NOTE,)
    exporter = HTMLExporter(config=config, exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    body, _ = exporter.from_notebook_node(nbformat.read(nb_path, as_version=4), resources={"metadata": {"name": title}})
    body = strip_network_references(body).replace('<html>', f'<html lang="{"zh-CN" if lang == "zh" else "en"}">', 1)
    out.write_text(check_offline(body, out.name), encoding="utf-8")
    return out


#: What the pages import: sent to a new kernel at once, so it loads while the month result is being built.
WARM_UP = "import hotline_analysis.month, hotline_analysis.pack.pages, hotline_analysis.pack.figures"


@contextmanager
def kernel(cwd: Path):
    """A notebook client whose Python kernel (local IPC sockets, working folder ``cwd``) is launched at once and
    imports the library while it starts, so the caller can work meanwhile; shut down on exit."""
    import nbformat
    from nbclient import NotebookClient

    cwd.mkdir(parents=True, exist_ok=True)
    client = NotebookClient(nbformat.v4.new_notebook(), timeout=900, kernel_name="python3",
                            kernel_manager_class=ipc_kernel_manager(),
                            extra_arguments=[f"--IPKernelApp.exec_lines={WARM_UP}"])
    client.km = client.create_kernel_manager()
    client.start_new_kernel(cwd=str(cwd))  # launched, not awaited
    try:
        yield client
    finally:
        if client.km is not None:  # never used: run_notebooks shuts it down otherwise
            client._cleanup_kernel()


def run_notebooks(notebooks: list[tuple[Path, str, dict]], out: Path, lang: str, client=None) -> list[Path]:
    """Execute each ``(notebook, title, params)`` with its parameters injected (as papermill does) into ``out``
    and export it as HTML without code; return the HTML pages.

    The notebooks run one after another in one kernel (``client``'s, else a new one from :func:`kernel`), so the
    library is imported once per pack. A failing cell raises :class:`hotline_analysis.errors.NotebookError`
    naming the notebook and the cell; the executed notebook is kept for audit either way.
    """
    from concurrent.futures import ThreadPoolExecutor

    if client is None:
        with kernel(out) as client:
            return run_notebooks(notebooks, out, lang, client)
    with client.setup_kernel(), ThreadPoolExecutor(max_workers=1) as exporter:  # export while the next one runs
        pages = [exporter.submit(export_html, _execute(nb, client, out, params), out / f"{nb.stem}.html", title, lang)
                 for nb, title, params in notebooks]
        return [p.result() for p in pages]


def _execute(nb: Path, client, out: Path, params: dict) -> Path:
    """Run one notebook with ``client``'s kernel; return the executed notebook's path."""
    import nbformat
    from nbclient.exceptions import CellExecutionError
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    node = parameterize_notebook(load_notebook_node(str(nb)), params)
    client.nb = node
    executed = out / nb.name
    count = 0
    try:
        for index, cell in enumerate(node.cells):
            if cell.cell_type == "code":
                count += 1
                client.execute_cell(cell, index, execution_count=count)
    except CellExecutionError as exc:
        cell = (node.cells[index].source.strip().splitlines() or [""])[0]
        raise NotebookError(f"notebook {nb.name} failed in the cell starting {cell!r}: {exc.ename}: {exc.evalue} "
                            f"(the executed notebook is {executed})", notebook=nb.name, cell=cell) from None
    finally:
        nbformat.write(node, executed)
    return executed


@lru_cache(maxsize=1)
def ipc_kernel_manager():
    """A kernel manager class whose kernels talk over local IPC sockets in a private temporary folder (not TCP
    ports on localhost); the sockets' folder goes when the kernel's resources are cleaned up."""
    from jupyter_client.manager import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            self._ipc_dir = tempfile.mkdtemp(prefix="hotline-kernel-")
            super().__init__(transport="ipc", ip=str(Path(self._ipc_dir) / "kernel"), **kwargs)

        async def cleanup_resources(self, restart: bool = False) -> None:
            await super().cleanup_resources(restart)
            if not restart:
                shutil.rmtree(self._ipc_dir, ignore_errors=True)

    return IPCKernelManager
