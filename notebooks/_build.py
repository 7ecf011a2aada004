"""Build the course notebooks from their sources in ``_src/`` (not part of the test run).

    python notebooks/_build.py                 # write every notebook, outputs empty
    python notebooks/_build.py --execute       # write and run them, storing the outputs
    python notebooks/_build.py --execute 02    # only the notebooks whose name starts with 02

Each notebook's cells live in ``_src/nbNN_*.py`` as a list built with :func:`md` and
:func:`code`. ``--execute`` runs the notebook top to bottom on a plain ``python3``
kernel from the Python that runs this script (the settled choice: the same kernel
``pytest --nbval --nbval-current-env`` uses), with the repository on ``PYTHONPATH``,
``store_widget_state=False`` and no ``metadata.widgets``, so the stored outputs are
the ones nbval compares and the files stay small.

The notebooks' own ``kernelspec`` metadata names the teaching kernel (``autograd-nb``),
so JupyterLab (and Binder) opens them in it; nbval ignores that with
``--nbval-current-env``.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from _src import NOTEBOOKS  # noqa: E402  (the list of (file name, module name))

KERNELSPEC = {"name": "autograd-nb", "display_name": "Python 3 (autograd_nb)",
              "language": "python"}


def build(module_name: str) -> nbformat.NotebookNode:
    """The notebook described by ``_src/<module_name>.py`` (no outputs)."""
    module = importlib.import_module(f"_src.{module_name}")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.from_dict(dict(c)) for c in module.CELLS]
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{module_name[:4]}-{i:03d}"      # stable ids: clean diffs
    nb.metadata = {"kernelspec": dict(KERNELSPEC),
                   "language_info": {"name": "python"}}
    return nb


def execute(nb: nbformat.NotebookNode, timeout: int = 300) -> float:
    """Run ``nb`` in place on a plain python3 kernel; returns the seconds it took."""
    from nbclient import NotebookClient
    env_path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = str(REPO) + (os.pathsep + env_path if env_path else "")
    client = NotebookClient(nb, kernel_name="python3", timeout=timeout,
                            store_widget_state=False, record_timing=False,
                            resources={"metadata": {"path": str(HERE)}})
    start = time.perf_counter()
    try:
        client.execute()
    finally:
        os.environ["PYTHONPATH"] = env_path
    nb.metadata.pop("widgets", None)
    _neutral_paths(nb)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)   # nbclient may have written python3's
    nb.metadata["language_info"] = {"name": "python", "version": "3.11",
                                    "mimetype": "text/x-python", "file_extension": ".py"}
    return time.perf_counter() - start


def _neutral_paths(nb: nbformat.NotebookNode) -> None:
    """Tracebacks name library files relative to the repository (no machine paths)."""
    prefixes = [(str(REPO) + os.sep, ""), (sys.prefix + os.sep, "<python>" + os.sep),
                (sys.base_prefix + os.sep, "<python>" + os.sep)]
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                lines = out["traceback"]
                for old, new in prefixes:
                    lines = [line.replace(old, new) for line in lines]
                out["traceback"] = lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--execute", action="store_true", help="run and store outputs")
    parser.add_argument("only", nargs="*", help="file name prefixes (e.g. 02 05)")
    opts = parser.parse_args(argv)
    for filename, module_name in NOTEBOOKS:
        if opts.only and not any(filename.startswith(p) for p in opts.only):
            continue
        nb = build(module_name)
        took = execute(nb) if opts.execute else 0.0
        nbformat.validate(nb)
        nbformat.write(nb, HERE / filename)
        print(f"wrote {filename}" + (f" (ran in {took:.1f} s)" if opts.execute else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
