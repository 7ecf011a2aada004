"""The notebook layer: ``%load_ext autograd_nb`` and what it brings.

* ``%%autograd [options]`` runs a cell and shows the tensors it made, the graph, the
  saved buffers (``magics.py``, panels in ``panels.py`` / ``report.py``);
* ``%autograd status | explain | torch on|off``;
* plain-language explanations under autograd's errors (``explain.py``, catalog in
  ``catalog.py``), also as ``explain(exc)``;
* the ``import torch`` alias (``alias.py``) and the teaching kernelspec (``kernel.py``);
* tracebacks without the library's own frames (``tracebacks.py``).

IPython is imported only when the extension is loaded; ``explain`` and the alias work
without it.
"""
from __future__ import annotations

from typing import Any

from .explain import Explanation, explain
from .tracebacks import show_library_frames

__all__ = ["load_ipython_extension", "unload_ipython_extension", "explain", "Explanation",
           "show_library_frames"]


def load_ipython_extension(ip: Any) -> None:
    """Register ``%%autograd`` / ``%autograd`` and the error explanations (idempotent)."""
    from .magics import register
    from .tracebacks import install
    register(ip)
    install(ip)                     # tracebacks without the library's own frames


def unload_ipython_extension(ip: Any) -> None:
    """Remove the magics and the explanation hook again."""
    from .magics import unregister
    from .tracebacks import uninstall
    unregister(ip)
    uninstall(ip)
