"""Running the pack's notebooks: papermill into the pack folder, then offline HTML without code."""

from __future__ import annotations

import re
import shutil
import tempfile
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


def run_notebook(nb: Path, out: Path, params: dict, title: str, lang: str) -> Path:
    """Execute ``nb`` with papermill into ``out`` and export it as HTML without code; return the HTML page.

    A failing cell raises :class:`hotline_analysis.errors.NotebookError` naming the notebook and the cell.
    """
    import papermill as pm

    out.mkdir(parents=True, exist_ok=True)
    try:
        pm.execute_notebook(str(nb), str(out / nb.name), parameters=params, progress_bar=False,
                            kernel_name="python3", cwd=str(out), kernel_manager_class=ipc_kernel_manager())
    except pm.PapermillExecutionError as exc:
        cell = (exc.source or "").strip().splitlines()[0] if (exc.source or "").strip() else ""
        raise NotebookError(f"notebook {nb.name} failed in the cell starting {cell!r}: {exc.ename}: {exc.evalue} "
                            f"(the executed notebook is {out / nb.name})", notebook=nb.name, cell=cell) from None
    return export_html(out / nb.name, out / f"{nb.stem}.html", title, lang)


@lru_cache(maxsize=1)
def ipc_kernel_manager():
    """A kernel manager class whose kernels talk over local IPC sockets in a private temporary folder (not TCP
    ports on localhost); nbclient owns it, so kernel, client and sockets are all cleaned up after the run."""
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
