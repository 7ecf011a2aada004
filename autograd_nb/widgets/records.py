"""What the backward stepper records per engine event, and how the picture shows it.

``StepRecord`` is plain data (arrays are copies), so replaying an old event never
touches the engine. ``picture_classes`` turns the stepper's progress into the small
dict of CSS classes the graph view receives per step (``graphview.py``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..autograd.engine import BackwardState, priority
from ..viz.model import Graph
from ._common import summary
from .rules import Rule

__all__ = ["EdgeGrad", "StepRecord", "copy_array", "input_name", "after_delivery",
           "node_labels", "edge_index", "picture_classes"]


@dataclass
class EdgeGrad:
    """The gradient one node sends along its ``next_functions[index]`` edge."""

    index: int
    input_name: str            # PyTorch's name of that forward input (self, other, ...)
    dst: str | None            # snapshot id of the node it goes to (None: no edge)
    dst_label: str
    input_nr: int
    grad: np.ndarray | None

    @property
    def text(self) -> str:
        return summary(self.grad)


@dataclass
class StepRecord:
    """One engine event and what the stepper shows for it (plain data)."""

    index: int                                  # 1-based position among the events
    kind: str                                   # start | finish | accumulate | free | error
    node: str | None                            # snapshot id of the event's node
    name: str                                   # e.g. "MulBackward0"
    label: str                                  # e.g. "MulBackward0 (z)"
    text: str                                   # one line saying what happened
    incoming: list[np.ndarray | None] = field(default_factory=list)
    outgoing: list[EdgeGrad] = field(default_factory=list)
    leaf: str | None = None                     # accumulate: the leaf's snapshot id
    leaf_label: str | None = None
    grad_before: np.ndarray | None = None
    added: np.ndarray | None = None
    grad_after: np.ndarray | None = None
    freed: list[tuple[str, int]] = field(default_factory=list)
    nbytes: int = 0
    deferred: bool = False                      # free: recorded now, released at close()
    ready: list[tuple[str, str]] = field(default_factory=list)          # (id, label)
    waiting: list[tuple[str, str, int]] = field(default_factory=list)   # (id, label, count)
    classes: dict[str, str] = field(default_factory=dict)  # picture element -> css classes
    texts: dict[str, str] = field(default_factory=dict)    # picture text element -> text
    leaf_grads: dict[str, str] = field(default_factory=dict)  # leaf label -> .grad text
    saved_live: int = 0                         # bytes the graph holds (as backward() would)
    error: dict | None = None


def copy_array(t: Any) -> np.ndarray | None:
    return None if t is None else np.array(t._data, copy=True)


def input_name(rule: Rule, i: int) -> str:
    return rule.inputs[i] if i < len(rule.inputs) else f"input{i}"


def after_delivery(node: Any, w: BackwardState, ready: list) -> tuple[list, list]:
    """The ready queue once ``node`` has handed its gradients on (the engine does that
    right after its NodeFinished event)."""
    dec: dict[Any, int] = {}
    for nxt, _ in node.next_functions:
        if nxt is not None and nxt in w.deps:
            dec[nxt] = dec.get(nxt, 0) + 1
    left = {n: w.deps.get(n, 0) - dec.get(n, 0) for n in list(w.buffers) + list(dec)}
    new_ready = [n for n in dec if left[n] == 0]
    # the engine's order (a stable sort: ready AccumulateGrad nodes keep their arrival order)
    ready = sorted(dict.fromkeys(list(ready) + new_ready), key=priority)
    waiting = [(n, k) for n, k in left.items() if k > 0]
    return ready, waiting


def node_labels(graph: Graph) -> dict[str, str]:
    """``MulBackward0 (z)``: each backward node with the variable it computed (or fills)."""
    labels = {f.id: f.name for f in graph.functions}
    for e in graph.edges:
        if e.kind == "grad_fn":
            t = graph.node(e.src)
            if t.name and " (" not in labels[e.dst]:
                labels[e.dst] += f" ({t.name})"
        elif e.kind == "variable":
            t = graph.node(e.dst)
            labels[e.src] += f" ({t.name or 'leaf'})"
    return labels


def edge_index(graph: Graph) -> dict[tuple[str, str, int], int]:
    """(src, dst, next index or -1) -> k of the picture's ``edge-k`` element."""
    ids = {n.id for n in graph.nodes}
    kept = [e for e in graph.edges if e.src in ids and e.dst in ids]
    return {(e.src, e.dst, e.index if e.kind == "next" else -1): k for k, e in enumerate(kept)}


def picture_classes(rec: StepRecord, done: set[str], freed: set[str], graph: Graph,
                    edges: dict[tuple[str, str, int], int]) -> dict[str, str]:
    """The highlight of one step: done / ready / waiting / current nodes, freed buffer
    rows, the edges a gradient just went along, the leaf whose ``.grad`` changed."""
    cls: dict[str, str] = {}
    for fid in done:
        cls[f"node-{fid}"] = "ag-done"
    for fid, _ in rec.ready:
        cls[f"node-{fid}"] = "ag-ready"
    for fid, _, _ in rec.waiting:
        cls[f"node-{fid}"] = "ag-waiting"
    for f, s in graph.iter_saved():
        if f.id in freed:
            cls[f"saved-{s.id}"] = "ag-freed"
    if rec.node:
        cls[f"node-{rec.node}"] = "ag-current"
    if rec.kind == "finish":
        for e in rec.outgoing:
            k = edges.get((rec.node, e.dst, e.index)) if e.dst else None
            if k is not None and e.grad is not None:
                cls[f"edge-{k}"] = "ag-flow"
    if rec.kind == "accumulate" and rec.leaf:
        cls[f"node-{rec.leaf}"] = "ag-updated"
        k = edges.get((rec.node, rec.leaf, -1))
        if k is not None:
            cls[f"edge-{k}"] = "ag-flow"
    return cls
