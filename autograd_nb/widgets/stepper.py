"""The backward stepper's logic: the real engine, one event at a time, with replay.

``BackwardStepper(loss)`` pulls ``engine.run_backward`` (the generator that
``backward()`` exhausts) one event per ``next()``, and records every event with what a
learner wants to see at that moment: the node, the gradients coming in, the local rule,
the gradient sent along each ``next_functions`` edge, the ``+=`` into a leaf's
``.grad``, the buffers freed, and the engine's ready queue with the dependency counts.
``back()`` and ``goto(k)`` replay the record; only stepping past the last recorded
event runs the engine again.

How the stepper treats the graph (so that Reset can work):

* ``keep_graph=True`` (the default): the engine runs with ``retain_graph=True``, so the
  graph survives and **Reset** can restore the leaves' ``.grad`` (to what they were
  when the stepper opened) and run backward again. When the stepper was opened with
  ``retain_graph=False`` (as ``backward()`` is), a *free* event is recorded at exactly
  the moment ``backward()`` would free each node's buffers (the picture greys them, the
  byte count drops), and the real release happens when you press **Done**
  (``close()``): from then on the graph is in exactly the state ``backward()`` leaves.
* ``keep_graph=False``: the engine runs with your ``retain_graph`` and frees buffers for
  real as it goes; Reset then runs into PyTorch's "backward through the graph a second
  time" error, which is shown, explained.

While the stepper is open, any other backward through its graph is refused with a
RuntimeError naming the stepper (``OPEN_STEPPERS``, checked through ``engine.BEFORE_RUN``).
``close()`` before the end abandons the run: the leaves' ``.grad`` go back to what they
were and nothing is freed.
The grad mode is never held across a pause: every step runs inside the caller's mode
and restores it afterwards.
"""
from __future__ import annotations

import weakref
from typing import Any, Mapping

import numpy as np

from ..autograd import engine
from ..autograd.engine import BackwardState, run_backward
from ..autograd.functional import make_seeds
from ..autograd.graph import saved_bytes
from ..viz.model import Graph
from ..viz.snapshot import build, caller_namespace
from ..viz.slots import GRAD_SLOT_CHARS, grad_line, grad_text
from ..viz.summary import clip, node_label
from ._common import GradBackup, explained, graph_nodes, keep_caller_mode, summary
from .records import (EdgeGrad, StepRecord, after_delivery, copy_array, edge_index, input_name,
                      node_labels, picture_classes)
from .rules import Rule, rule_for

# Graphs an open stepper is paused over: id(root node) -> description of the stepper.
OPEN_STEPPERS: dict[int, str] = {}


def _refuse_open_graphs(roots: list[Any]) -> None:
    """(An ``engine.BEFORE_RUN`` check) refuse a backward pass through a paused graph."""
    if not OPEN_STEPPERS:
        return
    for node in roots:
        if id(node) in OPEN_STEPPERS:
            raise RuntimeError(
                f"A backward stepper ({OPEN_STEPPERS[id(node)]}) is paused over this graph. "
                "Finish or close that stepper before running another backward through it.")


engine.BEFORE_RUN.append(_refuse_open_graphs)

__all__ = ["BackwardStepper", "StepRecord", "EdgeGrad"]


class BackwardStepper:
    """Step through the real backward from ``loss`` (see the module docstring).

    ``gradient``: as for ``loss.backward(gradient)``; ``retain_graph`` as for
    ``backward()``; ``names``: variable names for the picture (default: the caller's).
    """

    def __init__(self, loss: Any, gradient: Any = None, retain_graph: bool = False,
                 create_graph: bool = False, names: Mapping[str, Any] | None = None,
                 keep_graph: bool = True, title: str | None = None) -> None:
        if names is None:
            names = caller_namespace(1)
        self.loss = loss
        self.retain_graph = bool(retain_graph)
        self.create_graph = bool(create_graph)
        self.keep_graph = bool(keep_graph)
        self._roots, self._seeds = make_seeds((loss,), None if gradient is None else (gradient,))
        self.names = {k: v for k, v in names.items()
                      if isinstance(k, str) and not k.startswith("_")
                      and (hasattr(v, "_data") or callable(getattr(type(v), "named_parameters", None)))}
        self.graph: Graph = build([loss], self.names, None)
        self.title = title or self._root_label()
        self._nodes = graph_nodes([loss])
        self._by_seq = {f.seq: f.id for f in self.graph.functions}
        self._labels = node_labels(self.graph)
        self._edges = edge_index(self.graph)
        self._leaves = [n.variable for n in self._nodes if hasattr(type(n), "variable")]
        in_graph = set(self._nodes)
        retained = [v for v in self.names.values()
                    if getattr(v, "_retains_grad", False) and v._gfn in in_graph]
        self._backup = GradBackup(self._leaves + retained)
        self._leaf_names = {id(t): self._find_leaf_label(t) for t in self._leaves}
        self._leaf_labels = [self._leaf_names[id(t)] for t in self._leaves]
        self._leaf_tids = {id(n.variable): self.leaf_node(self.node_id(n) or "")
                           for n in self._nodes if hasattr(type(n), "variable")}
        self._edge_texts: dict[str, str] = {}      # edge-k -> the gradient it carried
        self._base_live = self._graph_bytes()
        self.events: list[StepRecord] = []
        self.position = 0
        self.finished = False
        self.closed = False
        self._gen: Any = None
        self._watch: BackwardState | None = None
        self._ran: list[Any] = []
        self._freed_ids: set[str] = set()
        self._done: set[str] = set()
        self._deferred: int = 0
        self._listeners: list[Any] = []
        self._key_ids = [id(n) for n in self._nodes]
        _refuse_open_graphs(self._nodes)
        self._register()
        self._finalizer = weakref.finalize(self, _unregister, list(self._key_ids))

    # ------------------------------------------------------------------ naming
    def _root_label(self) -> str:
        for k, v in self.names.items():
            if v is self.loss:
                return k
        return "loss"

    def _leaf_label(self, t: Any) -> str:
        return self._leaf_names.get(id(t)) or "leaf"

    def _find_leaf_label(self, t: Any) -> str:
        """The leaf's variable name (or parameter name) as the picture shows it."""
        for n in self._nodes:
            if getattr(n, "variable", None) is t:
                tid = self.leaf_node(self.node_id(n))
                if tid:
                    return self.graph.node(tid).name or f"leaf {tid}"
        return "leaf"

    def node_id(self, node: Any) -> str | None:
        """The snapshot id (``f3``) of an engine node."""
        return self._by_seq.get(node._seq)

    def label(self, node_id: str | None) -> str:
        return self._labels.get(node_id, "?") if node_id else "?"

    def leaf_node(self, fid: str) -> str | None:
        """The tensor id an AccumulateGrad node writes into."""
        if not fid:
            return None
        f = self.graph.node(fid)
        return getattr(f, "variable", None)

    # ------------------------------------------------------------------ registry
    def describe(self) -> str:
        return f"autograd_nb.step({self._root_label()}), still open; press Done or call .close()"

    def _register(self) -> None:
        desc = self.describe()
        for k in self._key_ids:
            OPEN_STEPPERS[k] = desc

    def _unregister(self) -> None:
        _unregister(self._key_ids)

    # ------------------------------------------------------------------ engine
    def _start(self) -> None:
        self._watch = BackwardState()
        retain = True if self.keep_graph else self.retain_graph
        self._gen = run_backward(self._roots, self._seeds, retain, self.create_graph,
                                 watch=self._watch)
        self._first = True

    def _pull(self) -> bool:
        """Run the engine up to its next event and record it; False at the end."""
        if self.finished or self.closed:
            return False
        if self._gen is None:
            self._start()
        try:
            with keep_caller_mode():
                if self._first:                    # (the engine refuses graphs in OPEN_STEPPERS)
                    self._unregister()
                    try:
                        ev = next(self._gen)
                    finally:
                        self._register()
                    self._first = False
                else:
                    ev = next(self._gen)
        except StopIteration:
            self.finished = True
            self._gen = None
            return False
        except Exception as exc:                   # the real error, kept and explained
            self.finished = True
            self._gen = None
            self._record_error(exc)
            return True
        self._record(ev)
        last = self.events[-1]
        if last.kind == "finish" and not last.ready:      # nothing left to run: let the
            try:                                         # engine end now, so the end is known
                with keep_caller_mode():
                    ev = next(self._gen)
            except StopIteration:
                self.finished = True
                self._gen = None
            else:                                        # pragma: no cover - defensive
                self._record(ev)
        return True

    def _record(self, ev: Any) -> None:
        node = ev.node
        fid = self.node_id(node)
        if ev.kind == "finish" and self.keep_graph and not self.retain_graph and node._saved:
            self._add_free(node, fid, deferred=True)   # where backward() would free
        if ev.kind == "free":
            self._add_free(node, fid, deferred=False, nbytes=ev.nbytes)
            return
        rec = StepRecord(len(self.events) + 1, ev.kind, fid, node_label(node), self.label(fid), "")
        if ev.kind == "start":
            rec.incoming = [copy_array(g) for g in ev.grads]
            rec.text = (f"{rec.label} starts: it received grad "
                        + ", ".join(summary(g) for g in ev.grads))
        elif ev.kind == "finish":
            rule = rule_for(node)
            for i, ((nxt, nr), g) in enumerate(zip(node.next_functions, ev.grads)):
                dst = self.node_id(nxt) if nxt is not None else None
                rec.outgoing.append(EdgeGrad(i, input_name(rule, i), dst,   # a None edge
                                             self.label(dst) if dst else "(no edge)", int(nr),
                                             copy_array(g) if nxt is not None else None))  # gets nothing
            self._ran.append(node)
            sent = "; ".join(f"{e.dst_label} <- {e.text}" for e in rec.outgoing if e.dst)
            rec.text = f"{rec.label} finished" + (f": sends {sent}" if sent else "")
        elif ev.kind == "accumulate":
            t = ev.tensor
            rec.leaf = self.leaf_node(fid) if fid else None
            rec.leaf_label = self._leaf_label(t)
            rec.added = copy_array(ev.grad)
            rec.grad_after = copy_array(t._grad)
            if rec.grad_after is not None and rec.added is not None:
                prev = self._last_leaf_grad(rec.leaf_label)
                rec.grad_before = prev
            rec.text = (f"{rec.leaf_label}.grad += {summary(ev.grad)}  ->  "
                        f"{rec.leaf_label}.grad = {summary(t._grad)}")
        self._finish_record(rec, node)

    def _last_leaf_grad(self, leaf_label: str) -> np.ndarray | None:
        for r in reversed(self.events):
            if r.kind == "accumulate" and r.leaf_label == leaf_label:
                return r.grad_after
        for t, g, data in self._backup.saved:
            if self._leaf_names.get(id(t)) == leaf_label:
                return data
        return None

    def _add_free(self, node: Any, fid: str | None, deferred: bool, nbytes: int | None = None) -> None:
        info = node.saved_tensors_info
        if nbytes is None:
            nbytes = sum(s.nbytes for _, s in info if not s.freed)
        rec = StepRecord(len(self.events) + 1, "free", fid, node_label(node), self.label(fid), "")
        rec.freed = [(n, s.nbytes) for n, s in info]
        rec.nbytes = nbytes
        rec.deferred = deferred
        if deferred:
            self._deferred += nbytes
        if fid:
            self._freed_ids.add(fid)
        what = ", ".join(n for n, _ in rec.freed) or "its buffers"
        rec.text = (f"{rec.label} frees {what} ({nbytes} bytes)"
                    + (" — as backward() would; the stepper keeps them until Done" if deferred else ""))
        self._finish_record(rec, node)

    def _record_error(self, exc: BaseException) -> None:
        info = explained(exc, self.names)
        rec = StepRecord(len(self.events) + 1, "error", None, type(exc).__name__, "error",
                         info["error"], error=info)
        self._finish_record(rec, None)

    def _finish_record(self, rec: StepRecord, node: Any) -> None:
        w = self._watch
        ready = w.ready_nodes() if w is not None else []
        waiting = w.waiting() if w is not None else []
        if rec.kind == "finish" and node is not None and w is not None:
            ready, waiting = after_delivery(node, w, ready)
        rec.ready = [(self.node_id(n) or "?", self.label(self.node_id(n))) for n in ready]
        rec.waiting = [(self.node_id(n) or "?", self.label(self.node_id(n)), k) for n, k in waiting]
        if rec.kind == "finish" and rec.node:
            self._done.add(rec.node)
        rec.classes = picture_classes(rec, self._done, self._freed_ids, self.graph, self._edges)
        rec.leaf_grads = {lab: summary(t._grad) for lab, t in zip(self._leaf_labels, self._leaves)}
        rec.texts = self._picture_texts(rec)
        rec.saved_live = self._graph_bytes() - self._deferred
        self.events.append(rec)

    def _picture_texts(self, rec: StepRecord) -> dict[str, str]:
        """What is written on the picture at this event: the gradient every edge has
        carried so far (beside the edge) and each leaf's ``.grad`` (a line in its box)."""
        if rec.kind == "finish":
            for e in rec.outgoing:
                k = self._edges.get((rec.node, e.dst, e.index)) if e.dst else None
                if k is not None and e.grad is not None:
                    self._edge_texts[f"edgegrad-{k}"] = clip(grad_text(e.grad), GRAD_SLOT_CHARS)
        elif rec.kind == "accumulate" and rec.leaf:
            k = self._edges.get((rec.node, rec.leaf, -1))
            if k is not None:
                self._edge_texts[f"edgegrad-{k}"] = clip("+= " + grad_text(rec.added),
                                                         GRAD_SLOT_CHARS)
        texts = dict(self._edge_texts)
        texts.update(self._leaf_texts())
        return texts

    def _leaf_texts(self) -> dict[str, str]:
        """Each leaf's ``.grad`` line as it is now."""
        out = {}
        for t in self._leaves:
            tid = self._leaf_tids.get(id(t))
            if tid:
                out[f"gradline-{tid}"] = grad_line(None if t._grad is None
                                                   else grad_text(t._grad._data))
        return out

    def picture_texts(self) -> dict[str, str]:
        """The texts on the picture at the shown event (before the first: every leaf's
        ``.grad`` as it is now, no gradient on any edge)."""
        rec = self.current
        return rec.texts if rec is not None else self._leaf_texts()

    def _graph_bytes(self) -> int:
        return sum(s.nbytes for n in self._nodes for _, s in n.saved_tensors_info if not s.freed)

    # ------------------------------------------------------------------ the learner's buttons
    @property
    def current(self) -> StepRecord | None:
        """The event shown now (None before the first)."""
        return self.events[self.position - 1] if self.position else None

    def next(self) -> StepRecord | None:
        """One event forward: replayed if recorded, else pulled from the engine."""
        if self.position < len(self.events) or self._pull():
            self.position += 1
        self._changed()
        return self.current

    def back(self) -> StepRecord | None:
        """One event back (replay: the engine is not touched)."""
        if self.position > 0:
            self.position -= 1
        self._changed()
        return self.current

    def goto(self, k: int) -> StepRecord | None:
        """Show event ``k`` (0: before the first), running the engine as far as needed."""
        k = max(0, int(k))
        while len(self.events) < k and self._pull():
            pass
        self.position = min(k, len(self.events))
        self._changed()
        return self.current

    def run_to_end(self) -> StepRecord | None:
        """Run the engine to its end and show the last event."""
        while self._pull():
            pass
        self.position = len(self.events)
        self._changed()
        return self.current

    def reset(self) -> None:
        """Put the leaves' ``.grad`` back to what they were at opening and start again."""
        if self.closed:
            raise RuntimeError("this stepper is closed (Done was pressed); open a new one "
                               "with autograd_nb.step(...)")
        if self._gen is not None:
            with keep_caller_mode():
                self._gen.close()
        self._gen = None
        self._backup.restore()
        self.events.clear()
        self.position = 0
        self.finished = False
        self._ran.clear()
        self._freed_ids.clear()
        self._done.clear()
        self._edge_texts.clear()
        self._deferred = 0
        self._changed()

    def close(self) -> None:
        """Done: let the graph go (see the module docstring for what is freed)."""
        if self.closed:
            return
        if self._gen is not None:
            with keep_caller_mode():
                self._gen.close()
            self._gen = None
        if self.finished and not (self.events and self.events[-1].kind == "error"):
            if self.keep_graph and not self.retain_graph:
                for node in self._ran:              # what backward() has freed by its end
                    if node._saved:
                        node.release()
        else:                                       # abandoned half-way: undo its .grad writes
            self._backup.restore()
        self.closed = True
        self._unregister()
        self._changed()

    # ------------------------------------------------------------------ queries
    @property
    def total(self) -> int | None:
        """The number of events, once the end was reached (else None)."""
        return len(self.events) if self.finished else None

    def expected_total(self) -> int:
        """How many events a full run will have (known before running: every node of the
        graph starts and finishes; nodes with buffers free them unless retain_graph;
        each AccumulateGrad adds into ``.grad``). Exact unless a rule sends no gradient
        at all to a leaf (then its ``+=`` is skipped)."""
        if self.finished:
            return len(self.events)
        n = 0
        for node in self._nodes:
            n += 2 + (1 if node._saved and not self.retain_graph else 0)
            n += 1 if hasattr(type(node), "variable") else 0
        return n

    def live_bytes(self) -> int:
        """Bytes the graph's buffers hold, counting deferred frees as done."""
        rec = self.current
        return rec.saved_live if rec is not None else self._base_live

    def process_bytes(self) -> int:
        return saved_bytes()

    def node_history(self, fid: str) -> list[StepRecord]:
        """Every recorded event of node ``fid`` up to the shown position."""
        return [r for r in self.events[:self.position] if r.node == fid]

    def rule(self, fid: str) -> Rule:
        node = next((n for n in self._nodes if self.node_id(n) == fid), None)
        return rule_for(node if node is not None else self.graph.node(fid).name)

    def engine_node(self, fid: str) -> Any:
        return next((n for n in self._nodes if self.node_id(n) == fid), None)

    def on_change(self, fn: Any) -> None:
        """Call ``fn(stepper)`` after every move (the widget uses this)."""
        self._listeners.append(fn)

    def _changed(self) -> None:
        for fn in self._listeners:
            fn(self)

    def __repr__(self) -> str:
        state = "closed" if self.closed else ("finished" if self.finished else "open")
        total = self.total if self.total is not None else f"{len(self.events)}+"
        return f"<BackwardStepper over {self.title}: event {self.position} of {total}, {state}>"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        from .stepper_view import stepper_bundle
        return stepper_bundle(self)


def _unregister(keys: list[int]) -> None:
    for k in keys:
        OPEN_STEPPERS.pop(k, None)
