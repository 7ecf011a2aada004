"""The PyTorch side of ``%%autograd --compare-torch``, run in a fresh Python process.

Run as a script (``python _torch_side.py``) it reads a JSON request on stdin -- the
cell's text, the grad mode, the ``--backward`` target, modules to import under given
names -- runs the cell in a namespace holding only real ``torch`` and ``numpy``, and
writes a JSON description of the result on stdout.

It imports nothing from autograd_nb, so the process's ``sys.modules['torch']`` is
PyTorch; a cell that says ``import autograd_nb as torch`` gets PyTorch here too.
:func:`describe` is shared: the notebook side describes its autograd_nb tensors with
the very same code, so any difference shown is a difference in behaviour.
"""
from __future__ import annotations

import ast
import contextlib
import importlib
import importlib.abc
import importlib.util
import io
import json
import os
import sys
from typing import Any, Mapping

GRAPH_LIMIT = 40            # nodes written per graph before "..."


def is_tensor(value: Any) -> bool:
    return all(hasattr(value, a) for a in ("grad_fn", "requires_grad", "is_leaf", "shape"))


def one_line(value: Any, limit: int = 200) -> str:
    text = " ".join(repr(value).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def graph_names(fn: Any) -> str | None:
    """A grad_fn and what feeds it, nested: ``SumBackward0(MulBackward0(AccumulateGrad, None))``.

    A node reached a second time is written by name only; after GRAPH_LIMIT nodes the
    rest is ``...``.
    """
    if fn is None:
        return None
    seen: set = set()
    out: list[str] = []
    stack: list[Any] = [("node", fn)]
    while stack:                                     # iterative: graphs may be deep
        kind, item = stack.pop()
        if kind == "text":
            out.append(item)
            continue
        if item is None:
            out.append("None")
            continue
        name = type(item).__name__
        nexts = list(getattr(item, "next_functions", ()) or ())
        if id(item) in seen or not nexts:
            out.append(name)
            continue
        seen.add(id(item))
        if len(seen) > GRAPH_LIMIT:
            out.append("...")
            continue
        out.append(name + "(")
        stack.append(("text", ")"))
        for i, (nxt, _) in reversed(list(enumerate(nexts))):
            stack.append(("node", nxt))
            if i:
                stack.append(("text", ", "))
    return "".join(out)


def describe(ns: Mapping[str, Any], names: list[str], printed: str) -> dict:
    """What a run produced: printed text, each tensor's graph, each leaf's gradient."""
    tensors = {}
    for name in names:
        t = ns.get(name)
        if not is_tensor(t):
            continue
        leaf_like = t.is_leaf or bool(getattr(t, "retains_grad", False))
        grad = t.grad if (leaf_like and t.requires_grad) else None
        tensors[name] = {"grad_fn": graph_names(t.grad_fn),
                         "grad": None if grad is None else one_line(grad),
                         "leaf": bool(t.is_leaf), "requires_grad": bool(t.requires_grad)}
    return {"printed": printed, "tensors": tensors}


class _ToTorch(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """In this process, ``import autograd_nb[.X]`` gives ``torch[.X]``."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname == "autograd_nb" or fullname.startswith("autograd_nb."):
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec: Any) -> Any:
        return importlib.import_module("torch" + spec.name[len("autograd_nb"):])

    def exec_module(self, module: Any) -> None:
        pass


def _mode(torch: Any, mode: str | None) -> Any:
    if mode in ("grad", "enable_grad"):
        return torch.enable_grad()
    if mode == "no_grad":
        return torch.no_grad()
    if mode == "inference_mode":
        return torch.inference_mode()
    return contextlib.nullcontext()


def _first_line(exc: BaseException) -> str:
    # explain.error_line's twin: this script must not import autograd_nb
    text = str(exc).splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


def run(request: dict) -> dict:
    """Run the cell under PyTorch and describe the result."""
    sys.meta_path.insert(0, _ToTorch())
    import numpy
    import torch
    ns: dict[str, Any] = {"__name__": "__main__", "torch": torch, "np": numpy, "numpy": numpy}
    for name, module in request.get("modules", {}).items():
        ns[name] = importlib.import_module(module)
    preset = set(ns)
    tree = ast.parse(request["source"])
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    out = io.StringIO()
    error = None
    with contextlib.redirect_stdout(out):
        try:
            with _mode(torch, request.get("mode")):
                exec(compile(tree, "<cell>", "exec"), ns)
                value = eval(compile(last, "<cell>", "eval"), ns) if last else None
            if value is not None:
                print(f"Out: {value!r}")
            target = request.get("backward")
            if target:
                ns[target].backward(retain_graph=bool(request.get("retain_graph")) or None)
        except Exception as exc:                          # reported, not raised: the
            error = _first_line(exc)                      # notebook shows it side by side
    names = [n for n in ns if not n.startswith("_") and n not in preset]
    result = describe(ns, names, out.getvalue())
    result["error"] = error
    result["torch_version"] = torch.__version__
    return result


def main() -> None:
    request = json.loads(sys.stdin.read())
    json.dump(run(request), sys.stdout)


if __name__ == "__main__":
    sys.path[0] = os.getcwd()            # the user's files, not this package's directory
    main()
