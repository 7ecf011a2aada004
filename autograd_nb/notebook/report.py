"""Turn what a cell built (``collect``) into panels (``panels``).

One function per panel: the tensors table, the graph (drawn by ``autograd_nb.viz``
when it is available, else listed node by node), the saved buffers with their bytes,
the gradients after ``--backward``, the engine's events for ``--step``, and
``%autograd status``.
"""
from __future__ import annotations

import html
from typing import Any, Iterable, Mapping, Sequence

from .._tensor import Tensor
from . import collect
from .panels import Panel, Section, Table

__all__ = ["tensors_panel", "graph_panel", "buffers_panel", "grads_panel", "event_line",
           "status_panel", "draw_function"]


def tensors_panel(names: Sequence[str], tensors: Mapping[str, Tensor]) -> Table:
    """The tensors the cell created or changed, one row each."""
    rows = [collect.tensor_info(n, tensors[n]).row() for n in names]
    note = "" if rows else "The cell created or changed no tensor."
    return Table("Tensors created or changed by the cell", collect.TENSOR_COLUMNS, rows, note)


def draw_function() -> Any:
    """``autograd_nb.viz.draw`` when that module can be imported, else None."""
    try:
        from .. import viz
        return getattr(viz, "draw", None)
    except Exception:                                  # not there yet, or broken meanwhile
        return None


def _node_list(nodes: list[Any], labels: Mapping[Any, str]) -> tuple[str, str]:
    """The graph as a list (HTML and text): each node and where its gradients go."""
    items, lines = [], []
    for node in nodes:
        nexts = [labels.get(n, type(n).__name__) if n is not None else "None"
                 for n, _ in node.next_functions]
        to = ", ".join(nexts) if nexts else "(a leaf: the gradient is stored in .grad)"
        items.append(f"<li><code>{html.escape(labels[node])}</code> &rarr; "
                     f"{html.escape(to)}</li>")
        lines.append(f"  {labels[node]} -> {to}")
    return f"<ol>{''.join(items)}</ol>", "\n".join(lines)


def graph_panel(roots: Sequence[Tensor], nodes: list[Any], labels: Mapping[Any, str],
                namespace: Mapping[str, Any], id_prefix: str | None = None) -> Section:
    """The graph behind the cell's tensors: a picture when viz exists, a node list always.

    ``id_prefix`` starts the SVG's element ids, so two pictures on one page never share
    an id (give each report its own, deterministic one).
    """
    title = "Graph recorded by the cell (newest node first; arrows point to next_functions)"
    if not nodes:
        return Section(title, "<p>(no graph)</p>", "(no graph)",
                       "Nothing was recorded: no tensor of the cell requires grad (grad mode "
                       "off, or no input with requires_grad=True).")
    list_html, list_text = _node_list(nodes, labels)
    draw = draw_function()
    if draw is not None:
        try:
            names = {k: v for k, v in namespace.items()
                     if isinstance(v, Tensor) or callable(getattr(v, "named_parameters", None))}
            picture = draw(*roots, names=names, id_prefix=id_prefix)
            body = picture._repr_html_() if hasattr(picture, "_repr_html_") \
                else picture._repr_svg_()
            return Section(title, body, list_text)
        except Exception as exc:                       # a drawing bug must not break the cell
            note = f"(the picture failed: {type(exc).__name__}: {exc}; listing the nodes)"
            return Section(title, list_html, list_text, note)
    return Section(title, list_html, list_text,
                   "autograd_nb.viz is not available yet, so the graph is listed instead of "
                   "drawn.")


def buffers_panel(nodes: list[Any], labels: Mapping[Any, str], names: Mapping[str, Tensor],
                  live_bytes: int) -> Table:
    """What the graph's nodes saved for backward, with bytes, and the live total."""
    infos = collect.buffers(nodes, labels, names)
    held = sum(b.nbytes for b in infos if b.state != "freed")
    note = (f"This graph's buffers add up to {held} bytes; all live graphs keep "
            f"{live_bytes} bytes (saved_bytes(); notebook 00 tells the two apart).")
    return Table("Saved buffers (what backward will need)", collect.BUFFER_COLUMNS,
                 [b.row() for b in infos], note)


def grads_panel(target: str, names: Sequence[str], tensors: Mapping[str, Tensor]) -> Table:
    """The gradients after ``target.backward()``: every leaf whose ``.grad`` is set."""
    rows = []
    for n in names:
        t = tensors[n]
        if (t._gfn is None or t._retains_grad) and t._grad is not None:
            rows.append([f"{n}.grad", collect.short_repr(t._grad, 200)])
    note = "" if rows else "No leaf received a gradient."
    return Table(f"Gradients after {target}.backward()", ["tensor", "value"], rows, note)


def _grads_text(grads: Iterable[Any]) -> str:
    return "[" + ", ".join("None" if g is None else collect.short_repr(g, 60) for g in grads) + "]"


def event_line(i: int, ev: Any, labels: Mapping[Any, str],
               by_id: Mapping[int, str]) -> str:
    """One engine event as a numbered line of text."""
    label = labels.get(ev.node, type(ev.node).__name__)
    if ev.kind == "start":
        detail = f"gradient in: {_grads_text(ev.grads)}"
    elif ev.kind == "finish":
        detail = f"gradients out: {_grads_text(ev.grads)}"
    elif ev.kind == "accumulate":
        who = by_id.get(id(ev.tensor), "a leaf")
        detail = f"{who}.grad += {collect.short_repr(ev.grad, 60)}"
    elif ev.kind == "free":
        detail = f"released {ev.nbytes} bytes of saved buffers"
    else:                                              # an event kind added later
        detail = ""
    return f"{i:>3}  {ev.kind:<10}  {label}  {detail}".rstrip()


def status_panel() -> Panel:
    """``%autograd status``: modes, anomaly detection, live saved bytes, devices, alias."""
    from .. import _backend
    from ..autograd import graph
    from ..autograd.grad_mode import STATE
    from . import alias
    try:
        from ..autograd.anomaly_mode import is_anomaly_enabled
        anomaly = "on" if is_anomaly_enabled() else "off"
    except ImportError:
        anomaly = "not available"
    cuda = "available" if _backend.cupy_or_none() is not None else "not available"
    rows = [
        ["grad mode", "enabled" if STATE.grad_enabled else "disabled"],
        ["inference mode", "on" if STATE.inference else "off"],
        ["anomaly detection", anomaly],
        ["saved bytes (live)", str(graph.saved_bytes())],
        ["device", f"cpu (cuda: {cuda})"],
        ["import torch", "autograd_nb (alias on)" if alias.is_installed() else "PyTorch (alias off)"],
    ]
    return Table("autograd_nb status", ["setting", "value"], rows)
