"""``torch.jit``: no compiler here, so ``script`` and ``trace`` hand back what they get.

A tutorial that scripts or traces a model still runs, eagerly and op by op; a
warning says so once, so nobody mistakes the timings for a compiled model's.
"""
from __future__ import annotations

from typing import Any

from ._compat import warn_once

__all__ = ["script", "trace", "ignore", "unused"]


def script(obj: Any, *args: Any, **kwargs: Any) -> Any:
    """Returns ``obj`` (a module or function) unchanged: autograd_nb has no TorchScript."""
    warn_once("jit", "autograd_nb has no TorchScript compiler: torch.jit.script/trace return the "
                     "model unchanged (it runs eagerly)")
    return obj


def trace(func: Any, example_inputs: Any = None, *args: Any, **kwargs: Any) -> Any:
    """Returns ``func`` unchanged (no tracing compiler here); see :func:`script`."""
    return script(func)


def ignore(fn: Any = None, **kwargs: Any) -> Any:
    """A no-op decorator (there is no compiler to leave ``fn`` out of)."""
    return fn if fn is not None else (lambda f: f)


unused = ignore
