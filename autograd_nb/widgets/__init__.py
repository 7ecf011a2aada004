"""Dashboards for Jupyter (ipywidgets 8): watch backward, grad modes, .grad and buffers.

* ``step(loss)``: the backward stepper, built on the engine's own event stream
  (Next / Back / Reset / Run to end, the graph with the current node highlighted,
  the ready queue, the gradient on every edge, the ``+=`` into each ``.grad``);
* ``GradModeLab(fn, inputs=...)``: re-run a function under grad / no_grad /
  enable_grad / inference_mode, with or without requires_grad, train() or eval(),
  and see what changes (grad_fn, inference tensors, saved bytes, time, errors);
* ``AccumulationLab(build)``: call backward again and again, zero the grads, rebuild
  the graph, and watch each leaf's ``.grad`` over the calls;
* ``BufferInspector(loss)``: every saved buffer (name, shape, bytes, versions, live or
  freed), in-place ops that make one stale, and a numerical check of each node's rule.

Each dashboard is a plain Python object holding the logic (tests drive it without a
browser); in a notebook it displays as a live widget *and* carries a static HTML copy,
so a saved notebook reads well on GitHub and under nbval.
"""
from __future__ import annotations

from typing import Any, Mapping

from .accumulation import AccumulationLab
from .buffers import BufferInspector
from .modelab import GradModeLab
from .stepper import BackwardStepper

__all__ = ["step", "BackwardStepper", "GradModeLab", "AccumulationLab", "BufferInspector"]


def step(loss: Any, gradient: Any = None, retain_graph: bool = False,
         names: Mapping[str, Any] | None = None, keep_graph: bool = True) -> BackwardStepper:
    """Open the backward stepper over ``loss`` (display it: it is the last line of a cell).

    Stepping through to the end leaves every leaf's ``.grad`` equal to what
    ``loss.backward(gradient, retain_graph)`` gives; press Done (``.close()``) to free
    the graph as ``backward()`` would. ``names``: variable names for the picture
    (default: the caller's variables).
    """
    if names is None:
        from ..viz.snapshot import caller_namespace
        names = caller_namespace(1)
    return BackwardStepper(loss, gradient, retain_graph, names=names, keep_graph=keep_graph)
