"""The course (notebooks/): the one execution of the notebooks in the test suite.

Each notebook runs under ``pytest --nbval`` in strict mode (never ``--nbval-lax``) on a
plain ``python3`` kernel from this Python (``--nbval-current-env``), and every cell's
fresh output must equal the stored one, after ``notebooks/nbval_sanitize.cfg`` masks
what legitimately varies (addresses, widget model ids). Cells tagged
``raises-exception`` must fail; ``# NBVAL_IGNORE_OUTPUT`` cells (timings, GPU, PyTorch
comparisons) run without being compared.

nbval runs in a subprocess, one per notebook, so ``python -m pytest -n 2`` spreads the
notebooks over its workers and the suite needs no ``--nbval`` option of its own. (The
nested pytest runs without xdist: nbval's cells of one notebook must share one kernel.)

The other tests here read the notebook files only: the course is complete, its stored
outputs are there to compare (nbval silently skips cells never executed), no widget
state is stored, and the notebooks match their sources in ``notebooks/_src``.

The Chinese edition (``notebooks/zh/``, built from the same sources) goes through every
test here as well; ``test_course_zh.py`` checks its translations and that its code and
outputs are the English ones.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
SANITIZE = NOTEBOOKS / "nbval_sanitize.cfg"
COURSE = ["00_welcome.ipynb", "01_grad_modes.ipynb", "02_leaves_and_backward.ipynb",
          "03_dynamic_graph.ipynb", "04_networks.ipynb", "05_logistic_regression.ipynb",
          "06_beyond_the_seeds.ipynb", "07_backprop_by_hand.ipynb",
          "08_backprop_through_time.ipynb"]
# the Chinese edition: the same notebooks, built from the same sources (tests/test_course_zh.py)
COURSE_ZH = [f"zh/{name}" for name in COURSE]
EDITIONS = COURSE + COURSE_ZH


def _load(name: str) -> dict:
    return json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))


def _code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def _source(cell: dict) -> str:
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


def nbval_env() -> dict[str, str]:
    """The environment for a nested pytest: the repository importable by the kernel
    (also without an install), and nothing of the outer pytest-xdist worker."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_XDIST", "PYTEST_ADDOPTS", "PYTEST_CURRENT_TEST"))}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"            # quieter kernels under debuggers
    return env


@pytest.fixture(scope="module")
def warm_caches():
    """Build matplotlib's font cache before any kernel imports matplotlib: on a fresh
    machine the first import prints "Matplotlib is building the font cache" to stderr,
    which would land in a cell's output and differ from the stored one."""
    if importlib.util.find_spec("matplotlib") is not None:
        subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"],
                       env=nbval_env(), capture_output=True, timeout=300)


def test_the_course_is_complete():
    found = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    assert found == COURSE
    found_zh = sorted(f"zh/{p.name}" for p in (NOTEBOOKS / "zh").glob("*.ipynb"))
    assert found_zh == COURSE_ZH
    assert SANITIZE.is_file()


@pytest.mark.parametrize("name", EDITIONS)
def test_notebook_is_ready_for_nbval(name):
    nb = _load(name)
    cells = _code_cells(nb)
    assert _source(cells[0]).startswith("%load_ext autograd_nb"), "the course loads the extension first"
    assert "widgets" not in nb["metadata"], "store no widget state (nbclient store_widget_state=False)"
    assert nb["metadata"]["kernelspec"]["name"] == "autograd-nb"
    for i, cell in enumerate(cells):
        src = _source(cell)
        assert cell["execution_count"] is not None, f"code cell {i} has no stored outputs: nbval would not compare it"
        assert "NBVAL_SKIP" not in src and "nbval-skip" not in cell["metadata"].get("tags", [])
        failed = any(o["output_type"] == "error" for o in cell["outputs"])
        tagged = "raises-exception" in cell["metadata"].get("tags", [])
        assert failed == tagged, f"code cell {i}: an error output iff tagged raises-exception"
        if re.search(r"\bplt\.|viz\.plot_|\.plot\(", src):
            assert src.rstrip().endswith("plt.show()"), f"code cell {i}: end plotting cells with plt.show()"


@pytest.mark.parametrize("name", EDITIONS)
def test_notebook_matches_its_source(name):
    """notebooks/_build.py makes each notebook from notebooks/_src (nothing is run here);
    a Chinese one from the same source and its table in notebooks/_src/zh."""
    sys.path.insert(0, str(NOTEBOOKS))
    try:
        from _src import NOTEBOOKS as SOURCES
        import _build
    finally:
        sys.path.remove(str(NOTEBOOKS))
    lang, _, filename = name.rpartition("/")
    module = dict(SOURCES)[filename]
    built = _build.build(module, lang or "en")
    stored = _load(name)
    assert [(c.cell_type, c.source, c.metadata.get("tags", [])) for c in built.cells] == \
        [(c["cell_type"], _source(c), c["metadata"].get("tags", [])) for c in stored["cells"]], \
        f"{name} differs from notebooks/_src/{module}.py (or _src/zh/{module}.py): " \
        f"run python notebooks/_build.py --execute {filename[:2]}"


@pytest.mark.parametrize("name", EDITIONS)
def test_notebook_reproduces_its_stored_outputs(name, warm_caches):
    for module in ("nbval", "ipykernel", "matplotlib", "tqdm", "ipywidgets"):
        pytest.importorskip(module, reason=f"the course notebooks need {module}")
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-q",
           "--nbval",
           "--nbval-current-env", "--nbval-sanitize-with", str(SANITIZE),
           "--nbval-cell-timeout=300", str(NOTEBOOKS / name)]
    proc = subprocess.run(cmd, cwd=REPO, env=nbval_env(), capture_output=True, text=True,
                          timeout=900)
    report = (proc.stdout + proc.stderr)[-6000:]
    assert proc.returncode == 0, f"nbval failed on {name}:\n{report}"
    assert re.search(r"\d+ passed", proc.stdout) and "failed" not in proc.stdout.splitlines()[-1]
