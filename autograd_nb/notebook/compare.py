"""``%%autograd --compare-torch``: the same cell under autograd_nb and under real PyTorch.

The PyTorch side runs in a fresh Python process (``sys.executable``), so real torch is
never imported into the notebook's own process, where ``import torch`` may be aliased
to autograd_nb. That process gets only the cell's text, the grad mode, the
``--backward`` target and the modules the cell refers to (``torch``, ``np``, ``F`` ...),
re-imported under the same names. A cell that reads other variables from earlier
cells cannot run there alone: :func:`earlier_variables` names them so the magic can
refuse with a clear message before running anything.
"""
from __future__ import annotations

import ast
import builtins
import importlib.machinery
import json
import os
import subprocess
import sys
import types
from typing import Any, Mapping

from . import _torch_side
from .panels import Table

__all__ = ["torch_available", "free_names", "earlier_variables", "run_torch", "ours",
           "compare_panel"]

TIMEOUT_S = 300


def torch_available() -> bool:
    """Whether real PyTorch is installed (looked up on sys.path, ignoring the alias)."""
    return importlib.machinery.PathFinder.find_spec("torch") is not None


class _Names(ast.NodeVisitor):
    def __init__(self) -> None:
        self.loaded: list[str] = []
        self.bound: set[str] = set()

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            if node.id not in self.loaded:
                self.loaded.append(node.id)
        else:
            self.bound.add(node.id)

    def _bind_def(self, node: Any) -> None:
        self.bound.add(node.name)
        self.generic_visit(node)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _bind_def

    def visit_arg(self, node: ast.arg) -> None:
        self.bound.add(node.arg)

    def visit_alias(self, node: ast.alias) -> None:
        self.bound.add((node.asname or node.name).split(".")[0])

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.bound.add(node.name)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Name):           # x += 1 reads x first
            if node.target.id not in self.loaded:
                self.loaded.append(node.target.id)
        else:
            self.visit(node.target)
        self.visit(node.value)


def free_names(source: str) -> list[str]:
    """Names the code reads but never binds itself (nor are builtins), in order of use."""
    v = _Names()
    v.visit(ast.parse(source))
    return [n for n in v.loaded if n not in v.bound and not hasattr(builtins, n)]


def _module_path(module: types.ModuleType) -> str:
    """The module to import on the PyTorch side (autograd_nb.X becomes torch.X)."""
    name = module.__name__
    if name == "autograd_nb" or name.startswith("autograd_nb."):
        return "torch" + name[len("autograd_nb"):]
    return name


def earlier_variables(source: str, ns: Mapping[str, Any]) -> tuple[list[str], dict[str, str]]:
    """``(variables, modules)`` the cell takes from earlier cells.

    ``modules`` (name -> module to import) can be recreated on the PyTorch side;
    ``variables`` cannot.
    """
    variables, modules = [], {}
    for name in free_names(source):
        if name not in ns:
            continue
        value = ns[name]
        if isinstance(value, types.ModuleType):
            modules[name] = _module_path(value)
        else:
            variables.append(name)
    return variables, modules


def run_torch(source: str, modules: Mapping[str, str], mode: str | None,
              backward: str | None, retain_graph: bool) -> dict:
    """Run the cell under real PyTorch in a fresh process; its description (see describe)."""
    request = {"source": source, "modules": dict(modules), "mode": mode,
               "backward": backward, "retain_graph": retain_graph}
    proc = subprocess.run([sys.executable, _torch_side.__file__], input=json.dumps(request),
                          capture_output=True, text=True, timeout=TIMEOUT_S, cwd=os.getcwd())
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {"printed": "", "tensors": {}, "error": f"the PyTorch process failed: {tail}"}
    return json.loads(proc.stdout)


def ours(ns: Mapping[str, Any], names: list[str], printed: str, error: str | None) -> dict:
    """The autograd_nb side, described by the same code as the PyTorch side."""
    result = _torch_side.describe(ns, names, printed)
    result["error"] = error
    return result


def compare_panel(mine: dict, theirs: dict) -> Table:
    """Both sides next to each other; rows that differ are highlighted."""
    rows: list[list[str]] = []

    def add(what: str, a: str | None, b: str | None) -> None:
        rows.append([what, "-" if a is None else a, "-" if b is None else b])

    add("printed output", mine["printed"].rstrip("\n"), theirs["printed"].rstrip("\n"))
    if mine.get("error") or theirs.get("error"):
        add("error", mine.get("error"), theirs.get("error"))
    names = list(mine["tensors"]) + [n for n in theirs["tensors"] if n not in mine["tensors"]]
    for n in names:
        a, b = mine["tensors"].get(n, {}), theirs["tensors"].get(n, {})
        if a.get("grad_fn") or b.get("grad_fn"):
            add(f"{n}.grad_fn graph", a.get("grad_fn"), b.get("grad_fn"))
    for n in names:
        a, b = mine["tensors"].get(n, {}), theirs["tensors"].get(n, {})
        if a.get("grad") or b.get("grad"):
            add(f"{n}.grad", a.get("grad"), b.get("grad"))
    marks = [(i, j) for i, r in enumerate(rows) if r[1] != r[2] for j in (1, 2)]
    same = "identical" if not marks else f"{len(marks) // 2} row(s) differ (marked)"
    version = theirs.get("torch_version", "?")
    return Table(f"autograd_nb vs PyTorch {version}: {same}", ["", "autograd_nb", "PyTorch"],
                 rows, "The PyTorch side ran the cell alone in a fresh process.", marks)
