"""See the graph autograd built.

::

    import autograd_nb as torch
    from autograd_nb import viz

    x = torch.tensor([2.0, 3.0], requires_grad=True)
    y = x ** 2 + 2 * x + 1
    viz.draw(y)                  # in Jupyter: the picture (leaves, grad_fns, saved buffers)
    g = viz.snapshot(y)          # the same facts as plain data (JSON-ready)
    y.sum().backward()
    viz.draw(y).save("after.svg")   # grads beside the leaves, freed buffers greyed
    viz.side_by_side(a, b)       # two graphs in one row, to compare them

    with viz.record_calls(cell) as calls:     # a loop over time steps
        for x in xs:
            h = cell(x, h)
    viz.draw(h, roll=calls)      # the cell drawn once, "x N", with its recurrent edge
    viz.draw(h, roll=calls, unroll=True)      # one frame per step (saved buffers too)

The pictures are computed in Python (a small layered layout and an SVG writer): no
graphviz binary, so they work on Binder, Colab and Windows. ``to_dot()`` gives DOT
text for those who have graphviz; ``.save("graph.png")`` uses matplotlib if present.

``viz`` only *reads* autograd's objects (``grad_fn``, ``next_functions``, saved
buffers, ``.grad``); it never computes gradients itself. (``record_calls`` adds
forward hooks to a module while its ``with`` block runs, and removes them after.)

The plotting helpers (``plot_curves``, ``plot_heatmap``, ``plot_grad_histograms``,
``GradRecorder`` / ``plot_grad_timeline``) import matplotlib when called.
"""
from __future__ import annotations

from .draw import Drawing, SideBySide, draw, side_by_side, to_dot
from .layout import Layout, layered_layout
from .model import Edge, FunctionNode, Graph, ModuleNode, SavedBuffer, TensorNode
from .plots import (GradRecorder, plot_curves, plot_grad_histograms, plot_grad_timeline,
                    plot_heatmap)
from .rolled import record_calls
from .snapshot import snapshot

__all__ = [
    "snapshot", "draw", "to_dot", "Drawing", "side_by_side", "SideBySide", "record_calls",
    "Graph", "TensorNode", "FunctionNode", "ModuleNode", "SavedBuffer", "Edge",
    "Layout", "layered_layout",
    "plot_curves", "plot_heatmap", "plot_grad_histograms", "GradRecorder", "plot_grad_timeline",
]
