"""``snapshot()``: read the graph autograd recorded and copy it into plain data.

The walk starts at the roots you pass (tensors or ``grad_fn`` nodes) and follows
``grad_fn.next_functions``, exactly the edges backward will follow. Nothing is
recomputed: every fact comes from autograd's own objects --

* a backward node: its class name (as torchviz shows it; ``name()`` qualifies a few,
  e.g. ``torch::autograd::AccumulateGrad``), ``node._sequence_nr()``, ``node.next_functions``
  and its saved buffers (``node.saved_tensors_info``: size, version at save time,
  freed or not);
* an ``AccumulateGrad`` node: ``node.variable``, the leaf it writes ``.grad`` into;
* a tensor: ``is_leaf``, ``requires_grad``, ``is_inference()``, ``_version``, its
  ``.grad`` (read as ``_grad``, so non-leaves do not warn).

Tensors that autograd does not keep a reference to (intermediate results) appear
only when you name them: pass ``names=locals()``, or let ``snapshot`` read the
namespace of the code that called it (the default).
"""
from __future__ import annotations

import inspect
import warnings
from collections import deque
from typing import Any, Iterable, Mapping

from .model import Edge, FunctionNode, Graph, SavedBuffer, TensorNode
from .summary import dtype_text, host_array, node_label, value_summary

__all__ = ["snapshot", "caller_namespace"]


# --------------------------------------------------------------------- duck typing
# Checks look at the *type* only, so probing a user's namespace never runs their code.
def is_tensor(obj: Any) -> bool:
    t = type(obj)
    return hasattr(t, "grad_fn") and hasattr(t, "_version") and hasattr(t, "requires_grad")


def version_of(t: Any) -> int:
    """``t._version``, read without raising: inference tensors refuse ``_version``
    (they track no version counter); ours still hold one, torch's read as 0."""
    vc = getattr(t, "_vc", None)
    if vc is not None:
        return int(vc[0])
    try:
        return int(t._version)
    except RuntimeError:
        return 0


def grad_fn_of(t: Any) -> Any:
    """``t.grad_fn``, read without raising: a view made under no_grad whose storage was
    changed since refuses ``grad_fn`` (as in PyTorch); the picture shows it as it was."""
    try:
        return t.grad_fn
    except RuntimeError:
        return getattr(t, "_gfn", None)


def is_node(obj: Any) -> bool:
    t = type(obj)
    return hasattr(t, "next_functions") and hasattr(t, "name")


def is_module(obj: Any) -> bool:
    return not is_tensor(obj) and callable(getattr(type(obj), "named_parameters", None))


def _array(t: Any) -> Any:
    data = getattr(t, "_data", None)
    if data is not None and hasattr(data, "shape"):
        return data
    try:                                      # another tensor library (e.g. torch)
        return t.detach().cpu().numpy()
    except Exception:                         # pragma: no cover - exotic tensors
        return None


def caller_namespace(depth: int = 1) -> dict[str, Any]:
    """The variables visible in the frame ``depth`` levels above the caller."""
    frame = inspect.currentframe()
    try:
        for _ in range(depth + 1):
            frame = frame.f_back if frame is not None else None
        if frame is None:
            return {}
        ns = dict(frame.f_globals)
        ns.update(frame.f_locals)
        return ns
    finally:
        del frame


# --------------------------------------------------------------------- names
class _Names:
    """Who is called what: variable names, parameter names, module paths."""

    def __init__(self, names: Mapping[str, Any] | None, params: Any) -> None:
        self.by_id: dict[int, str] = {}
        self.tensors: list[tuple[str, Any]] = []
        self.param_module: dict[int, str] = {}        # id(param) -> module path
        self.module_types: dict[str, str] = {}
        self._keep: list[Any] = []                    # keep objects alive: ids stay unique
        for key, obj in (names or {}).items():
            if not isinstance(key, str) or key.startswith("_"):
                continue
            if is_tensor(obj):
                self._add(key, obj)
        if params is not None:
            self._add_params(params)
        else:                                         # modules among the variables
            for key, obj in (names or {}).items():
                if isinstance(key, str) and not key.startswith("_") and is_module(obj):
                    self._add_module(obj, key + ".")

    def _add(self, name: str, tensor: Any) -> None:
        if id(tensor) not in self.by_id:
            self.by_id[id(tensor)] = name
            self.tensors.append((name, tensor))
            self._keep.append(tensor)

    def _add_module(self, module: Any, prefix: str) -> None:
        named_modules = getattr(module, "named_modules", None)
        if callable(named_modules):
            for path, sub in named_modules():
                full = (prefix + path).rstrip(".")
                self.module_types.setdefault(full, type(sub).__name__)
        for pname, p in module.named_parameters():
            self._add(prefix + pname, p)
            self.param_module.setdefault(id(p), (prefix + pname).rpartition(".")[0])

    def _add_params(self, params: Any) -> None:
        if is_module(params):
            self._add_module(params, "")
            return
        items = params.items() if isinstance(params, Mapping) else params
        for i, item in enumerate(items):
            if not (isinstance(item, tuple) and len(item) == 2 and is_tensor(item[1])):
                raise TypeError(
                    "params must be a module, a dict {name: tensor} or pairs (name, tensor) "
                    f"such as model.named_parameters(); item {i} is {type(item).__name__}")
            name, p = item
            self._add(str(name), p)
            self.param_module.setdefault(id(p), str(name).rpartition(".")[0])


# --------------------------------------------------------------------- the walk
class _Walk:
    def __init__(self, names: _Names) -> None:
        self.names = names
        self.graph = Graph()
        self.tensor_ids: dict[int, str] = {}
        self.fn_ids: dict[int, str] = {}
        self.fn_objs: list[Any] = []
        self.queue: deque = deque()
        self.outputs: dict[int, list[tuple[str, Any]]] = {}
        for name, t in names.tensors:
            fn = grad_fn_of(t)
            if fn is not None:
                self.outputs.setdefault(id(fn), []).append((name, t))

    # -- ids ---------------------------------------------------------------------
    def tensor(self, t: Any, is_root: bool = False) -> str:
        """The id of tensor ``t``, adding its node the first time."""
        key = id(t)
        tid = self.tensor_ids.get(key)
        if tid is None:
            tid = f"t{len(self.tensor_ids)}"
            self.tensor_ids[key] = tid
            self.names._keep.append(t)
            self.graph.nodes.append(_tensor_node(t, tid, self.names))
        node = self.graph.node(tid)
        node.is_root = node.is_root or is_root
        return tid

    def fn(self, fn: Any) -> str:
        key = id(fn)
        fid = self.fn_ids.get(key)
        if fid is None:
            fid = f"f{len(self.fn_ids)}"
            self.fn_ids[key] = fid
            self.fn_objs.append(fn)
            self.queue.append(fn)
        return fid

    # -- the walk ----------------------------------------------------------------
    def root(self, obj: Any) -> None:
        g = self.graph
        if is_tensor(obj):
            tid = self.tensor(obj, is_root=True)
            g.roots.append(tid)
            fn = grad_fn_of(obj)
            if fn is None:
                g.notes.append(_no_graph_note(g.node(tid)))
                return
            g.edges.append(Edge(tid, self.fn(fn), "grad_fn", input_nr=_output_nr(obj)))
        elif is_node(obj):
            g.roots.append(self.fn(obj))
        else:
            hint = (" (pass several roots as separate arguments: draw(a, b))"
                    if isinstance(obj, (list, tuple)) else "")
            raise TypeError(
                "graph roots must be tensors or grad_fn nodes, "
                f"got {type(obj).__name__}{hint}")

    def run(self) -> Graph:
        g = self.graph
        while self.queue:
            fn = self.queue.popleft()
            fid = self.fn_ids[id(fn)]
            node = FunctionNode(id=fid, kind="grad_fn", name=node_label(fn), seq=_seq(fn), order=0)
            g.nodes.append(node)
            variable = getattr(fn, "variable", None)
            if variable is not None and hasattr(type(fn), "variable"):
                node.kind = "accumulate_grad"
                node.variable = self.tensor(variable)
                g.edges.append(Edge(fid, node.variable, "variable"))
            for name, t in sorted(self.outputs.get(id(fn), ()), key=lambda p: (_output_nr(p[1]), p[0])):
                tid = self.tensor(t)
                g.edges.append(Edge(tid, fid, "grad_fn", input_nr=_output_nr(t)))
            node.saved = [self.saved(fid, name, s) for name, s in _saved_items(fn)]
            for i, (child, nr) in enumerate(fn.next_functions):
                if child is None:
                    node.next.append([None, int(nr)])
                    continue
                cid = self.fn(child)
                node.next.append([cid, int(nr)])
                g.edges.append(Edge(fid, cid, "next", input_nr=int(nr), index=i))
        ranked = sorted(g.functions, key=lambda f: (f.seq, int(f.id[1:])))
        for rank, f in enumerate(ranked):
            f.order = rank
        g.edges = _dedupe(g.edges)
        return g

    def saved(self, fid: str, name: str, s: Any) -> SavedBuffer:
        buf = _saved_buffer(f"{fid}.{name}", name, s)
        value = None if buf.freed else _peek(s)
        if is_tensor(value) and (id(value) in self.tensor_ids or id(value) in self.names.by_id):
            buf.tensor = self.tensor(value)
            self.graph.edges.append(Edge(fid, buf.tensor, "saved", label=name))
        return buf


def _dedupe(edges: list[Edge]) -> list[Edge]:
    seen: set = set()
    out = []
    for e in edges:
        key = (e.src, e.dst, e.kind, e.input_nr, e.index, e.label)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


# --------------------------------------------------------------------- reading objects
def _seq(fn: Any) -> int:
    """A node's creation number: autograd_nb's own (unique), else PyTorch's
    ``_sequence_nr()`` (the same for every AccumulateGrad)."""
    own = getattr(fn, "_seq", None)
    if isinstance(own, int):
        return own
    getter = getattr(fn, "_sequence_nr", None)
    try:
        return int(getter()) if callable(getter) else int(getattr(fn, "_seq", 0))
    except Exception:                                   # pragma: no cover
        return 0


def _output_nr(t: Any) -> int:
    return int(getattr(t, "output_nr", 0) or 0)


def _tensor_node(t: Any, tid: str, names: _Names) -> TensorNode:
    data = _array(t)
    with warnings.catch_warnings():                 # torch warns on a non-leaf's _grad
        warnings.simplefilter("ignore")
        grad = getattr(t, "_grad", None)
    is_inf = getattr(t, "is_inference", None)
    return TensorNode(
        id=tid,
        name=names.by_id.get(id(t)),
        is_leaf=grad_fn_of(t) is None,
        requires_grad=bool(t.requires_grad),
        is_inference=bool(is_inf()) if callable(is_inf) else False,
        retains_grad=bool(getattr(t, "retains_grad", False)),
        shape=[int(s) for s in t.shape],
        dtype=dtype_text(t.dtype),
        device=str(t.device),
        value=value_summary(data) if data is not None else "?",
        grad=None if grad is None else value_summary(_array(grad)),
        version=version_of(t),
        output_nr=_output_nr(t),
        is_param=id(t) in names.param_module,
        module=names.param_module.get(id(t)),
    )


def _no_graph_note(node: TensorNode) -> str:
    who = node.name or "this tensor"
    if node.requires_grad:
        return (f"{who} has no graph: it is a leaf that requires grad, and no recorded "
                "operation has produced it (grad_fn is None). Backward would accumulate "
                f"into {who}.grad.")
    return (f"{who} has no graph: it does not require grad, so nothing was recorded "
            "(made with requires_grad=False, under no_grad/inference_mode, or detached).")


def _saved_items(fn: Any) -> list[tuple[str, Any]]:
    info = getattr(fn, "saved_tensors_info", None)
    if info is not None:
        info = list(info)
        raw = getattr(fn, "_saved", ())
        if not info and not getattr(fn, "saved_names", ()) and raw:
            # a custom Function: ctx.save_for_backward(...) gives ctx.saved_tensors[i]
            info = [(f"saved_tensors[{i}]", s) for i, s in enumerate(raw) if s is not None]
        return info
    # another autograd (e.g. torch): read the _raw_saved_<name> attributes it lists
    found = [_ForeignSaved(fn, a[11:]) for a in sorted(dir(fn)) if a.startswith("_raw_saved_")]
    return [(s.name, s) for s in found if s.value is not None or s.freed or s.is_stale]


class _ForeignSaved:
    """Adapter giving a torch node's saved tensor the fields of our SavedTensor."""

    def __init__(self, fn: Any, name: str) -> None:
        self.name = name
        self.holds_tensor = True
        self.freed = self.is_stale = False
        self.value = None
        try:
            self.value = getattr(fn, "_saved_" + name)
        except RuntimeError as e:                    # its unpack checks, as ours do
            self.is_stale = "inplace operation" in str(e)
            self.freed = not self.is_stale
        v = self.value
        self.version = self.current_version = version_of(v) if is_tensor(v) else 0
        self.is_output = name == "result"
        self.nbytes = int(v.numel() * v.element_size()) if is_tensor(v) else 0

    def peek(self) -> Any:
        return self.value


def _peek(s: Any) -> Any:
    try:
        return s.peek()
    except Exception:                                   # pragma: no cover
        return None


def _saved_buffer(bid: str, name: str, s: Any) -> SavedBuffer:
    freed = bool(s.freed)
    value = None if freed else _peek(s)
    tensorish = (is_tensor(value) or hasattr(value, "shape") or getattr(s, "_vc", None) is not None
                 or getattr(s, "holds_tensor", False))
    shape = dtype = device = None
    summary = None
    if value is not None:
        if is_tensor(value):
            shape = [int(x) for x in value.shape]
            dtype = dtype_text(value.dtype)
            device = str(value.device)
            data = _array(value)
            summary = value_summary(data) if data is not None else "?"
        elif hasattr(value, "shape"):                   # a packed array (saved_tensors_hooks)
            arr = host_array(value)
            shape, dtype, summary = [int(x) for x in arr.shape], str(arr.dtype), value_summary(arr)
        elif isinstance(value, (int, float, bool, complex)):
            summary = value_summary(value)
        else:
            summary = f"<{type(value).__name__}>"
    return SavedBuffer(
        id=bid, name=name, kind="tensor" if tensorish else "number",
        shape=shape, dtype=dtype, device=device, nbytes=int(s.nbytes),
        version_saved=int(s.version), version_now=int(s.current_version),
        freed=freed, stale=bool(s.is_stale) and not freed, is_output=bool(s.is_output),
        value=summary)


# --------------------------------------------------------------------- entry point
def snapshot(*roots: Any, names: Mapping[str, Any] | None = None, params: Any = None) -> Graph:
    """Copy the graph behind ``roots`` into plain data (a ``Graph``).

    ``roots``: one or more tensors or ``grad_fn`` nodes. ``names``: a mapping from
    variable names to tensors (``locals()``); by default the namespace of the code
    calling ``snapshot``; ``{}`` names nothing. ``params``: a module, a dict or
    ``named_parameters()`` pairs; parameters get their names and their module (used
    by ``Graph.collapse``).

    A tensor without a graph is drawn as a single leaf, with a note saying why.
    """
    if not roots:
        raise TypeError("snapshot() needs at least one tensor or grad_fn to start from")
    if names is None:
        names = caller_namespace(1)
    return build(roots, names, params)


def build(roots: Iterable[Any], names: Mapping[str, Any] | None, params: Any) -> Graph:
    """``snapshot`` without the namespace lookup (for callers that did it already)."""
    from .clusters import assign_modules
    walk = _Walk(_Names(names, params))
    for r in roots:
        walk.root(r)
    graph = walk.run()
    graph.modules = dict(sorted(walk.names.module_types.items()))
    assign_modules(graph)
    return graph
