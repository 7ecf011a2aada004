"""What a cell built, as plain data: its tensors, the graph behind them, the saved buffers.

``%%autograd`` takes a :func:`snapshot` of the notebook's namespace before and after
the cell; :func:`changed` says which names now hold a new tensor or a tensor whose
autograd state moved (``_version``, ``requires_grad``, ``grad_fn``, ``.grad``). From
those tensors :func:`graph_nodes` walks the recorded graph and :func:`buffers` lists
what each node saved. Nothing here changes autograd state; it only reads it.

Node labels are deterministic (creation order and variable names, never addresses),
so what the panels show can be stored in a notebook and compared by nbval.
"""
from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from .._tensor import Tensor
from ..autograd.engine import priority

__all__ = ["TensorInfo", "BufferInfo", "tensors_in", "snapshot", "changed", "tensor_info",
           "graph_nodes", "node_labels", "buffers", "short_repr"]


def short_repr(value: Any, limit: int = 80) -> str:
    """A one-line repr (newlines and runs of spaces folded), cut at ``limit`` characters."""
    text = " ".join(repr(value).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def tensors_in(ns: Mapping[str, Any], hidden: Iterable[str] = ()) -> dict[str, Tensor]:
    """The tensors a namespace names, in the namespace's order.

    Names starting with ``_`` and the ``hidden`` ones (IPython's own) are skipped. A
    module (anything with ``named_parameters()``) contributes its parameters as
    ``model.weight`` etc.
    """
    hidden = set(hidden)
    out: dict[str, Tensor] = {}
    for name, value in list(ns.items()):
        if name.startswith("_") or name in hidden:
            continue
        if isinstance(value, Tensor):
            out[name] = value
        elif not isinstance(value, type) and callable(getattr(value, "named_parameters", None)):
            try:
                for pname, p in value.named_parameters():
                    if isinstance(p, Tensor):
                        out[f"{name}.{pname}"] = p
            except Exception:                        # a half-built module: show nothing of it
                pass
    return out


def _fingerprint(t: Tensor) -> tuple:
    """Everything about a tensor whose change the cell's report should show."""
    g = t._grad
    return (t._vc[0], t._requires_grad, t._gfn, g, None if g is None else g._vc[0])


def snapshot(ns: Mapping[str, Any], hidden: Iterable[str] = ()) -> dict[str, tuple]:
    """``{name: (tensor, fingerprint)}``; keeps references so ids cannot be reused meanwhile."""
    return {n: (t, _fingerprint(t)) for n, t in tensors_in(ns, hidden).items()}


def changed(before: Mapping[str, tuple], after: Mapping[str, tuple]) -> list[str]:
    """Names bound to a new tensor, or to a tensor whose autograd state changed."""
    out = []
    for name, (t, fp) in after.items():
        old = before.get(name)
        if old is None or old[0] is not t:
            out.append(name)
            continue
        ofp = old[1]          # versions and flags compare by value, objects by identity
        if (fp[0] != ofp[0] or fp[1] != ofp[1] or fp[2] is not ofp[2] or fp[3] is not ofp[3]
                or fp[4] != ofp[4]):
            out.append(name)
    return out


@dataclass(frozen=True)
class TensorInfo:
    """One row of the tensors table."""

    name: str
    requires_grad: bool
    is_leaf: bool
    grad_fn: str | None
    shape: tuple
    dtype: str
    device: str
    version: int
    is_inference: bool
    grad: str | None

    def row(self) -> list[str]:
        return [self.name, str(self.requires_grad), str(self.is_leaf), str(self.grad_fn),
                str(list(self.shape)), self.dtype, self.device, str(self.version),
                str(self.is_inference), "None" if self.grad is None else self.grad]


TENSOR_COLUMNS = ["name", "requires_grad", "is_leaf", "grad_fn", "shape", "dtype", "device",
                  "_version", "is_inference", ".grad"]


def tensor_info(name: str, t: Tensor) -> TensorInfo:
    """The table row for tensor ``t`` named ``name`` (reads ``.grad`` without warnings)."""
    fn = t._gfn
    return TensorInfo(
        name=name, requires_grad=t._requires_grad, is_leaf=fn is None,
        grad_fn=None if fn is None else type(fn).__name__, shape=tuple(t._data.shape),
        dtype=str(t.dtype), device=str(t.device), version=t._vc[0],
        is_inference=bool(t._is_inference),
        grad=None if t._grad is None else short_repr(t._grad))


def graph_nodes(tensors: Iterable[Tensor]) -> list[Any]:
    """Every node reachable from the tensors' grad_fn (or a leaf's AccumulateGrad).

    In the order backward visits them: a node comes after every node that sends it a
    gradient (roots first); among the ready ones an AccumulateGrad first, then the
    newest, as the engine does (``engine.priority``).
    """
    stack = []
    for t in tensors:
        if t._gfn is not None:
            stack.append(t._gfn)
        elif t._requires_grad:
            acc = t._grad_accumulator(create=False)
            if acc is not None:
                stack.append(acc)
    seen = set(stack)
    waiting: dict[Any, int] = {}                 # how many reachable nodes feed each node
    while stack:
        fn = stack.pop()
        for nxt, _ in fn.next_functions:
            if nxt is not None:
                waiting[nxt] = waiting.get(nxt, 0) + 1
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
    # the engine's order: a node comes once all nodes feeding it came (engine.priority)
    arrival = itertools.count()
    ready = [(priority(n), next(arrival), n) for n in seen if waiting.get(n, 0) == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        fn = heapq.heappop(ready)[2]
        order.append(fn)
        for nxt, _ in fn.next_functions:
            if nxt is not None:
                waiting[nxt] -= 1
                if waiting[nxt] == 0:
                    heapq.heappush(ready, (priority(nxt), next(arrival), nxt))
    return order


def node_labels(nodes: list[Any], names: Mapping[str, Tensor]) -> dict[Any, str]:
    """A readable, unique label per node: ``MulBackward0 (z)``, ``AccumulateGrad (x)``.

    A node is named after the variable it computed (for AccumulateGrad: the leaf it
    fills). Two nodes that would read the same get ``#1``, ``#2`` in creation order.
    """
    by_fn: dict[Any, str] = {}
    by_leaf: dict[int, str] = {}
    for name, t in names.items():
        if t._gfn is not None:
            by_fn.setdefault(t._gfn, name)
        else:
            by_leaf.setdefault(id(t), name)
    raw = {}
    for node in nodes:
        base = type(node).__name__
        var = getattr(node, "variable", None)
        who = by_leaf.get(id(var)) if var is not None else by_fn.get(node)
        raw[node] = f"{base} ({who})" if who else base
    counts: dict[str, int] = {}
    for label in raw.values():
        counts[label] = counts.get(label, 0) + 1
    seen: dict[str, int] = {}
    out = {}
    for node in sorted(nodes, key=lambda n: n._seq):
        label = raw[node]
        if counts[label] > 1:
            seen[label] = seen.get(label, 0) + 1
            label = f"{label} #{seen[label]}"
        out[node] = label
    return out


@dataclass(frozen=True)
class BufferInfo:
    """One saved buffer: which node keeps it, under which name, how big, and its state."""

    node: str
    name: str
    value: str
    shape: str
    dtype: str
    nbytes: int
    state: str

    def row(self) -> list[str]:
        return [self.node, self.name, self.value, self.shape, self.dtype, str(self.nbytes),
                self.state]


BUFFER_COLUMNS = ["node", "saved as", "value", "shape", "dtype", "bytes", "state"]


def _saved_owner(s: Any, node: Any, names: Mapping[str, Tensor]) -> str | None:
    """The variable name of the tensor a SavedTensor holds, when the namespace names it."""
    if getattr(s, "is_output", False):
        for name, t in names.items():
            if t._gfn is node and t._output_nr == getattr(s, "output_nr", 0):
                return name
        return None
    value = getattr(s, "_value", None)
    for name, t in names.items():
        if value is t:
            return name
    return None


def buffers(nodes: list[Any], labels: Mapping[Any, str],
            names: Mapping[str, Tensor]) -> list[BufferInfo]:
    """Every buffer the nodes saved, oldest node first."""
    out = []
    for node in sorted(nodes, key=lambda n: n._seq):
        saved = getattr(node, "_saved", ()) or ()
        for sname, s in zip(node.saved_names, saved):
            if s is None:
                continue
            owner = _saved_owner(s, node, names)
            value = s.peek() if not s.freed else None
            if s.freed:
                state, shape, dtype, shown = "freed", "-", "-", "-"
            else:
                if s.is_stale:
                    state = f"stale (saved at version {s.version}, now {s.current_version})"
                else:
                    state = "live"
                if isinstance(value, Tensor):
                    shape, dtype = str(list(value.shape)), str(value.dtype)
                    shown = owner if owner else short_repr(value, 40)
                else:
                    shape, dtype, shown = "-", type(value).__name__, repr(value)
            out.append(BufferInfo(labels.get(node, type(node).__name__), f"_saved_{sname}",
                                  shown, shape, dtype, int(s.nbytes), state))
    return out
