"""``autograd-nb course``: JupyterLab on the notebooks, the teaching kernel installed first."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from autograd_nb import __main__ as cli
from autograd_nb.notebook import kernel

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def fake_lab(monkeypatch, tmp_path):
    """Record the kernel install and the JupyterLab command instead of running them."""
    calls = {"install": [], "run": []}

    def install(**kw):
        calls["install"].append(kw)
        return tmp_path / "kernels" / kernel.KERNEL_NAME

    def call(cmd, *a, **kw):
        calls["run"].append(cmd)
        return 0

    monkeypatch.setattr(kernel, "install", install)
    monkeypatch.setattr(subprocess, "call", call)
    return calls


def test_course_dir_is_the_repositorys_notebooks():
    assert cli.course_dir() == REPO / "notebooks"


def test_course_starts_jupyterlab_on_the_notebooks(fake_lab, capsys):
    assert cli.main(["course", "--no-browser", "--port", "8899", "--debug"]) == 0
    assert fake_lab["install"] == [{}]                     # this environment, or the user's
    assert fake_lab["run"] == [[sys.executable, "-m", "jupyterlab", str(REPO / "notebooks"),
                                "--no-browser", "--port", "8899", "--debug", kernel.SERVER_OPTION]]
    out = capsys.readouterr().out
    assert kernel.DISPLAY_NAME in out and "Starting JupyterLab" in out


def test_course_keeps_a_websocket_class_given_by_the_user(fake_lab):
    mine = "--ServerApp.kernel_websocket_connection_class=my.Connection"
    assert cli.main(["course", mine]) == 0
    assert fake_lab["run"][0][4:] == [mine]


def test_course_dir_option(fake_lab, tmp_path):
    (tmp_path / "mine").mkdir()
    assert cli.main(["course", "--dir", str(tmp_path / "mine")]) == 0
    assert fake_lab["run"][0][3] == str(tmp_path / "mine")


def test_course_without_jupyterlab_says_how_to_get_it(fake_lab, monkeypatch, capsys):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "jupyterlab" else real(name, *a))
    assert cli.main(["course"]) == 1
    err = capsys.readouterr().err
    assert "JupyterLab is not installed" in err and "pip install" in err
    assert fake_lab == {"install": [], "run": []}           # installs nothing, starts nothing


def test_course_without_notebooks(fake_lab, tmp_path, capsys):
    assert cli.main(["course", "--dir", str(tmp_path / "missing")]) == 2
    assert "no course notebooks found" in capsys.readouterr().err
    assert fake_lab["run"] == []


def test_other_commands_unchanged(capsys):
    assert cli.main(["--help"]) == 0
    assert "course" in capsys.readouterr().out
    assert cli.main(["nope"]) == 2
    assert "course" in capsys.readouterr().err
