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
