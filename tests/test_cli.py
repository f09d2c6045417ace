"""The hotline command: help, errors that say what to do, synth end to end."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from hotline_analysis.cli import main


@pytest.mark.parametrize("args", [["--help"], ["synth", "--help"]])
def test_help(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 0
    assert "usage: hotline" in capsys.readouterr().out


def test_console_script_is_installed():
    out = subprocess.run([sys.executable, "-m", "hotline_analysis.cli", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and "hotline_analysis" in out.stdout


def test_synth_writes_scenario_and_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "zibo"
    args = ["synth", "--out", str(out), "--start", "2020-11", "--end", "2020-12", "--scale", "0.01", "--quiet"]
    assert main(args) == 0
    truth = json.loads((out / "ground_truth.json").read_text("utf-8"))
    assert truth["start"] == "2020-11" and truth["scale"] == 0.01
    assert (out / "zibo12345_2020-11.csv").exists() and (out / "truth.parquet").exists()
    assert "records" in capsys.readouterr().out
    assert main(args) == 2
    assert "--force" in capsys.readouterr().err
    assert main(args + ["--force"]) == 0


@pytest.mark.parametrize("bad, message", [
    (["--start", "2020-13"], "YYYY-MM"),
    (["--start", "2021-01", "--end", "2020-01"], "before"),
    (["--scale", "0"], "scale"),
    (["--scenario", "beijing"], "unknown scenario"),
])
def test_synth_errors_say_what_to_do(tmp_path, capsys, bad, message):
    assert main(["synth", "--out", str(tmp_path / "x"), "--quiet", *bad]) == 2
    assert message in capsys.readouterr().err


def test_pdf_without_a_browser_says_what_to_install(monkeypatch, small_store, capsys):
    import shutil

    store, _ = small_store
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert main(["report", "--store", str(store.root), "--month", "2020-12", "--pdf", "--quiet"]) == 2
    assert "Chromium" in capsys.readouterr().err


def test_user_errors_exit_2_with_the_message_and_bugs_are_not_hidden(tmp_path, capsys, monkeypatch, small_store):
    from hotline_analysis import cli

    assert main(["ingest", str(tmp_path / "none.csv"), "--preset", "zibo12345", "--store", str(tmp_path / "s"),
                 "--quiet"]) == 2
    assert "hotline ingest: error: " in capsys.readouterr().err
    assert main(["summary", "--store", str(tmp_path / "s"), "--month", "2020-12"]) == 2
    assert "is not a store" in capsys.readouterr().err
    store, _ = small_store
    assert main(["summary", "--store", str(store.root), "--month", "2030-01", "--out", str(tmp_path / "s.json"),
                 "--topics", "categories"]) == 2
    assert "no work orders received in 2030-01" in capsys.readouterr().err

    def bug(args):
        raise ValueError("a bug")

    monkeypatch.setattr(cli, "_cmd_synth", bug)
    with pytest.raises(ValueError, match="a bug"):
        main(["synth", "--out", str(tmp_path / "x")])


def test_default_folders_are_in_the_work_folder_never_in_an_installed_package(monkeypatch, tmp_path):
    from hotline_analysis import paths

    for var in ("HOTLINE_STORE", "HOTLINE_REGISTER"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOTLINE_WORKDIR", str(tmp_path))
    assert paths.default_store() == tmp_path / "data" / "processed" / "zibo"
    assert paths.default_register(tmp_path / "x" / "city") == tmp_path / "data" / "raw" / "city" / "supervision.csv"
    assert paths.report_folder("some/where/city", "annual-2020") == tmp_path / "reports" / "city" / "annual-2020"
    monkeypatch.setenv("HOTLINE_STORE", str(tmp_path / "elsewhere"))
    assert paths.default_store() == tmp_path / "elsewhere"
    monkeypatch.delenv("HOTLINE_WORKDIR")
    assert paths.work_dir() == paths.PROJECT_ROOT  # a source checkout
    monkeypatch.setattr(paths, "PROJECT_ROOT", tmp_path / "site-packages")  # installed: no pyproject.toml
    monkeypatch.chdir(tmp_path)
    assert paths.work_dir() == tmp_path and paths.reports_dir() == tmp_path / "reports"


def test_annual_and_lookback_write_into_the_report_folder(monkeypatch, tmp_path, small_store, small_export):
    from hotline_analysis import paths
    from hotline_analysis.pack import notebooks

    seen = []
    def fake_run(nbs, out, lang):
        seen.append((nbs[0][0], out))
        out.mkdir(parents=True, exist_ok=True)
        (out / "page.html").write_text("<html><head></head><body></body></html>", "utf-8")
        return [out / "page.html"]

    monkeypatch.setattr(notebooks, "run_notebooks", fake_run)
    monkeypatch.setenv("HOTLINE_WORKDIR", str(tmp_path))
    store, _ = small_store
    assert main(["annual", "--store", str(store.root), "--year", "2020"]) == 0
    assert main(["lookback", "--store", str(store.root), "--supervised", "2020-11", "--at", "2021-02",
                 "--register", str(small_export / "supervision.csv")]) == 0
    assert seen == [(paths.NOTEBOOKS_DIR / "annual_review.ipynb", paths.report_folder(store.root, "annual-2020")),
                    (paths.NOTEBOOKS_DIR / "lookback.ipynb", paths.report_folder(store.root, "lookback-2021-02"))]
    assert seen[0][1].is_relative_to(tmp_path / "reports") and seen[0][0].exists() and seen[1][0].exists()


def test_a_failing_notebook_is_named_with_the_first_line_of_its_failing_cell(tmp_path):
    import nbformat

    from hotline_analysis.errors import HotlineError, NotebookError
    from hotline_analysis.pack.notebooks import run_notebooks

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("\nfrom hotline_analysis.errors import DataError\nraise DataError('no work orders')")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "broken.ipynb")
    with pytest.raises(NotebookError) as exc:
        run_notebooks([(tmp_path / "broken.ipynb", "broken", {})], tmp_path / "out", "en")
    assert isinstance(exc.value, HotlineError)
    assert exc.value.notebook == "broken.ipynb" and exc.value.cell == "from hotline_analysis.errors import DataError"
    assert "DataError: no work orders" in str(exc.value) and str(tmp_path / "out" / "broken.ipynb") in str(exc.value)


def test_a_warning_is_printed_as_a_line_of_the_command(tmp_path, monkeypatch):
    import warnings

    from hotline_analysis.cli import _warning_line, main

    line = _warning_line(UserWarning("preset 'x': not in this export: satisfaction"), UserWarning, "/x/cli.py", 60)
    assert line == "hotline: warning: preset 'x': not in this export: satisfaction\n"  # no path, no source line
    monkeypatch.setattr(warnings, "formatwarning", warnings.formatwarning)  # restored after the test
    assert main(["summary", "--store", str(tmp_path / "none"), "--month", "2020-12", "--out", "x.json"]) == 2
    assert warnings.formatwarning is _warning_line
