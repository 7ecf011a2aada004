"""The course under the teaching kernel "Python 3 (autograd_nb)" (nbclient).

The design, so that the suite executes the notebooks only once:

* ``test_course_nbval.py`` is the one full execution: nbval on a plain ``python3``
  kernel (the settled choice; stored outputs come from that kernel too).
* The teaching kernel differs from that kernel in one way only: it preloads the
  extension (``--ext=autograd_nb.notebook``). So the test below starts the teaching
  kernel, runs each notebook's opening cells (its ``%load_ext autograd_nb`` cell up to
  and including its first ``%%autograd`` cell) and requires the *stored* outputs back:
  loading the extension again prints nothing, and the magics render exactly as on
  ``python3``. Since everything after the opening cells is ordinary Python in an
  identical kernel state, nbval's pass covers the rest.
* ``AUTOGRAD_NB_COURSE_KERNEL=full`` (off by default, as it executes the whole course a
  second time) runs nbval itself under the teaching kernel: every code cell of every
  notebook, all stored outputs compared.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from autograd_nb.notebook import kernel
from test_course_nbval import (COURSE, EDITIONS, NOTEBOOKS, REPO, SANITIZE, _code_cells, _source,  # noqa: F401
                               nbval_env, warm_caches)

ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,16}")


def _opening_cells(nb: dict) -> list[dict]:
    """Code cells from the first up to the first ``%%autograd`` cell (at most 8)."""
    cells = []
    for cell in _code_cells(nb):
        cells.append(cell)
        if _source(cell).lstrip().startswith("%%autograd") or len(cells) == 8:
            break
    return cells


def _comparable(outputs: list) -> list:
    """What nbval compares, minus pictures: output kinds, text, error names."""
    items = []
    for o in outputs:
        kind = o["output_type"]
        if kind == "stream":
            items.append((kind, o["name"], ADDRESS.sub("0x", "".join(o["text"]))))
        elif kind == "error":
            items.append((kind, o["ename"], o["evalue"]))
        else:
            text = o.get("data", {}).get("text/plain", "")
            items.append((kind, ADDRESS.sub("0x", text if isinstance(text, str) else "".join(text))))
    # the kernel may split one print into several stream outputs; join neighbours
    joined: list = []
    for item in items:
        if joined and item[0] == "stream" and joined[-1][0] == "stream" and joined[-1][1] == item[1]:
            joined[-1] = ("stream", item[1], joined[-1][2] + item[2])
        else:
            joined.append(item)
    return joined


@pytest.fixture
def teaching_kernel(tmp_path, monkeypatch):
    pytest.importorskip("ipykernel", reason="the teaching kernel needs ipykernel")
    kernel.install(prefix=str(tmp_path))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "share" / "jupyter"))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p))
    return kernel.KERNEL_NAME


def test_notebooks_ask_for_the_teaching_kernel():
    for name in EDITIONS:
        nb = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
        assert nb["metadata"]["kernelspec"] == {
            "name": kernel.KERNEL_NAME, "display_name": kernel.DISPLAY_NAME, "language": "python"}


@pytest.mark.parametrize("name", COURSE)
def test_opening_cells_give_the_stored_outputs_under_the_teaching_kernel(name, teaching_kernel,
                                                                       warm_caches):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    for module in ("matplotlib", "tqdm", "ipywidgets"):
        pytest.importorskip(module, reason=f"the course notebooks need {module}")
    stored = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
    opening = _opening_cells(stored)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(_source(c), metadata=dict(c["metadata"])) for c in opening]
    client = nbclient.NotebookClient(nb, kernel_name=teaching_kernel, timeout=120,
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()                    # raises unless only raises-exception cells failed
    assert nb.cells[0].outputs == [], "loading the extension again must print nothing"
    for i, (fresh, old) in enumerate(zip(nb.cells, opening)):
        assert _comparable(fresh.outputs) == _comparable(old["outputs"]), \
            f"{name}, code cell {i}: the teaching kernel's output differs from the stored one"


@pytest.mark.skipif(os.environ.get("AUTOGRAD_NB_COURSE_KERNEL") != "full",
                    reason="runs the whole course a second time; set AUTOGRAD_NB_COURSE_KERNEL=full")
def test_whole_course_under_the_teaching_kernel(tmp_path, warm_caches):
    pytest.importorskip("nbval")
    kernel.install(prefix=str(tmp_path))
    env = nbval_env()
    env["JUPYTER_PATH"] = str(tmp_path / "share" / "jupyter")
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-q",
           "--nbval",
           f"--nbval-kernel-name={kernel.KERNEL_NAME}", "--nbval-sanitize-with", str(SANITIZE),
           *[str(NOTEBOOKS / n) for n in COURSE]]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:]
