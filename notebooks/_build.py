"""Build the course notebooks from their sources in ``_src/`` (not part of the test run).

    python notebooks/_build.py                 # write every notebook, outputs empty
    python notebooks/_build.py --execute       # write and run them, storing the outputs
    python notebooks/_build.py --execute 02    # only the notebooks whose name starts with 02
    python notebooks/_build.py --lang en ...   # only the English (or: zh) edition
    python notebooks/_build.py --zh-todo 02    # English texts of 02 with no Chinese yet

Every notebook is written twice, from the same source: ``notebooks/NN_*.ipynb`` in
English and ``notebooks/zh/NN_*.ipynb`` in Chinese, whose Markdown comes from the tables
in ``_src/zh/`` (see ``_src/zh/__init__.py``) and whose code cells are the English ones.
A Chinese table that lacks the text of an English cell stops the build (after the
English notebook is written) and names it.

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
from _src import zh as ZH  # noqa: E402  (the Chinese edition's tables)

LANGS = {"en": HERE, "zh": HERE / "zh"}       # edition -> folder of its notebooks

KERNELSPEC = {"name": "autograd-nb", "display_name": "Python 3 (autograd_nb)",
              "language": "python"}


def build(module_name: str, lang: str = "en") -> nbformat.NotebookNode:
    """The notebook described by ``_src/<module_name>.py`` (no outputs), in English or,
    with ``lang="zh"``, in Chinese (raises ``ZH.MissingTranslation`` for a text lacking)."""
    module = importlib.import_module(f"_src.{module_name}")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.from_dict(dict(c)) for c in module.CELLS]
    if lang == "zh":
        table = ZH.table(module_name)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = ZH.translate(cell.source, table)
    elif lang != "en":
        raise ValueError(f"no edition {lang!r}")
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{module_name[:4]}-{i:03d}"      # stable ids: clean diffs
    nb.metadata = {"kernelspec": dict(KERNELSPEC),
                   "language_info": {"name": "python"}}
    return nb


def execute(nb: nbformat.NotebookNode, timeout: int = 300, where: Path = HERE) -> float:
    """Run ``nb`` in place on a plain python3 kernel in the folder ``where`` (the
    notebook's own); returns the seconds it took."""
    from nbclient import NotebookClient
    env_path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = str(REPO) + (os.pathsep + env_path if env_path else "")
    client = NotebookClient(nb, kernel_name="python3", timeout=timeout,
                            store_widget_state=False, record_timing=False,
                            resources={"metadata": {"path": str(where)}})
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


def zh_todo(module_name: str) -> str:
    """What the Chinese table of one notebook lacks, and what it has too much."""
    missing, orphans = ZH.todo(build(module_name).cells, ZH.table(module_name))
    lines = []
    for k, text in missing:
        lines += [f"# no Chinese yet: key {k!r}", *("#   " + ln for ln in text.splitlines())]
    table = ZH.table(module_name)
    for k in orphans:
        lines.append(f"# Chinese text {k!r} translates no English text of today (the old "
                     f"translation of an edited text?): {table[k].splitlines()[0][:60]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--execute", action="store_true", help="run and store outputs")
    parser.add_argument("--lang", choices=["en", "zh", "both"], default="both",
                        help="which edition to write (default: both)")
    parser.add_argument("--zh-todo", action="store_true",
                        help="list English texts lacking Chinese (writes nothing)")
    parser.add_argument("only", nargs="*", help="file name prefixes (e.g. 02 05)")
    opts = parser.parse_args(argv)
    langs = ["en", "zh"] if opts.lang == "both" else [opts.lang]
    failed = []
    for filename, module_name in NOTEBOOKS:
        if opts.only and not any(filename.startswith(p) for p in opts.only):
            continue
        if opts.zh_todo:
            report = zh_todo(module_name)
            print(f"{filename}: " + ("complete" if not report else "\n" + report))
            continue
        for lang in langs:
            try:
                nb = build(module_name, lang)
            except ZH.MissingTranslation:
                failed.append(filename)
                print(f"zh/{filename}: not written, English texts lack Chinese "
                      f"(python notebooks/_build.py --zh-todo {filename[:2]})")
                continue
            where = LANGS[lang]
            where.mkdir(exist_ok=True)
            took = execute(nb, where=where) if opts.execute else 0.0
            nbformat.validate(nb)
            nbformat.write(nb, where / filename)
            shown = filename if lang == "en" else f"{lang}/{filename}"
            print(f"wrote {shown}" + (f" (ran in {took:.1f} s)" if opts.execute else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
