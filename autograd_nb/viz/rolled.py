"""Loops in the picture: repeated calls of one module drawn once, "x N", or step by step.

A recurrent net calls the same cell at every time step, so the graph autograd records
holds one copy of the cell's backward nodes per step: the *unrolled* network. To draw
it *rolled* (as TorchLens' rolled view does), the picture must know which nodes came
from which call. Autograd does not record calls, so we watch them::

    with viz.record_calls(cell) as calls:       # forward hooks on the cell
        h = h0
        for x in xs:
            h = cell(x, h)
    loss = h.sum()
    viz.draw(loss, roll=calls)                  # the cell once, "x 4", and its loop
    viz.draw(loss, roll=calls, unroll=True)     # one frame per step, saved buffers shown

Each call is remembered by the creation numbers of the backward nodes it made (every
node gets the next number when it is created), so the nodes of step ``k`` are exactly
those numbered between the call's start and end. Calls whose nodes have the same names
in the same order are the same *step*; the rolled picture keeps the last one, maps
every other step's node onto the node of the same rank there, and turns the edges
from one step into the previous one into the recurrent edge.

A call whose input is a ``detach()``-ed copy of the previous call's output (same
memory, no ``grad_fn``) starts a new graph: the picture marks that step as *cut*.
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any, Iterator

from .model import Edge, FunctionNode, Graph
from .snapshot import caller_namespace, grad_fn_of, is_tensor

__all__ = ["Call", "record_calls", "Group", "Loop", "Rolled", "roll"]


# --------------------------------------------------------------------- recording
@dataclass
class Call:
    """One call of a recorded module.

    ``start``/``stop``: the creation numbers of the backward nodes made during the call
    (``start <= seq < stop``); None for another library's module (then the call's nodes
    are found by walking back from its outputs to its inputs). ``inputs``/``outputs``:
    the creation numbers of the tensors' ``grad_fn`` (None: no ``grad_fn``).
    ``cut``: an input is the previous call's output, detached.
    """

    module: str
    type: str
    step: int                                   # 1, 2, ... per module
    start: int | None
    stop: int | None
    inputs: list[int | None] = field(default_factory=list)
    outputs: list[int | None] = field(default_factory=list)
    cut: bool = False


def _next_seq() -> int | None:
    """The creation number the next autograd_nb node will get (read, not taken)."""
    from ..autograd import node
    text = repr(node._seq)                      # "count(42)"
    return int(text[text.index("(") + 1:-1]) if text.startswith("count(") else None


def _tensors(obj: Any) -> Iterator[Any]:
    if is_tensor(obj):
        yield obj
    elif isinstance(obj, (tuple, list)):
        for item in obj:
            yield from _tensors(item)
    elif isinstance(obj, dict):
        for item in obj.values():
            yield from _tensors(item)


def _seq_of(t: Any) -> int | None:
    fn = grad_fn_of(t)
    if fn is None:
        return None
    own = getattr(fn, "_seq", None)
    return own if isinstance(own, int) else int(fn._sequence_nr())


def _ptr(t: Any) -> int | None:
    try:
        return int(t.data_ptr()) if int(t.numel()) else None
    except Exception:                              # pragma: no cover - exotic tensors
        return None


class record_calls:
    """Record every call of ``modules`` while the ``with`` block runs.

    ``with viz.record_calls(cell) as calls: ...`` then ``viz.draw(loss, roll=calls)``.
    A module is named after the caller's variable holding it (else its class name);
    pass ``name=`` (one module) to choose. ``calls.calls`` lists the ``Call`` records.
    """

    def __init__(self, *modules: Any, name: str | None = None) -> None:
        if not modules:
            raise TypeError("record_calls() needs at least one module")
        if name is not None and len(modules) != 1:
            raise TypeError("record_calls(): name= names a single module")
        ns = caller_namespace(1)
        self.modules = []
        for m in modules:
            if not callable(getattr(m, "register_forward_hook", None)):
                raise TypeError(f"record_calls() takes nn modules, not {type(m).__name__}")
            label = name or next((k for k, v in ns.items() if v is m and not k.startswith("_")),
                                 type(m).__name__)
            self.modules.append((label, m))
        self.calls: list[Call] = []
        self._handles: list[Any] = []
        self._open: dict[int, list[tuple[Call, list]]] = {}
        self._last_out: dict[str, list[tuple[int | None, int | None]]] = {}

    def __enter__(self) -> "record_calls":
        from ..nn.module import Module
        for label, m in self.modules:
            ours = isinstance(m, Module)
            self._handles.append(m.register_forward_pre_hook(self._pre(label, ours)))
            self._handles.append(m.register_forward_hook(self._post(label, ours)))
        return self

    def __exit__(self, *exc: Any) -> None:
        for h in self._handles:
            h.remove()
        self._handles.clear()

    def _pre(self, label: str, ours: bool) -> Any:
        def hook(module: Any, args: tuple) -> None:
            step = sum(c.module == label for c in self.calls) + 1
            ins = list(_tensors(args))
            previous = self._last_out.get(label, [])
            detached = {p for s, p in previous if p is not None}
            call = Call(label, type(module).__name__, step, _next_seq() if ours else None, None,
                        inputs=[_seq_of(t) for t in ins],
                        cut=any(_seq_of(t) is None and _ptr(t) in detached for t in ins))
            self.calls.append(call)
            self._open.setdefault(id(module), []).append((call, ins))
        return hook

    def _post(self, label: str, ours: bool) -> Any:
        def hook(module: Any, args: tuple, output: Any) -> None:
            call, _ = self._open[id(module)].pop()
            outs = list(_tensors(output))
            call.stop = _next_seq() if ours else None
            call.outputs = [_seq_of(t) for t in outs]
            self._last_out[label] = [(_seq_of(t), _ptr(t)) for t in outs]
        return hook

    def __iter__(self) -> Iterator[Call]:
        return iter(self.calls)

    def __len__(self) -> int:
        return len(self.calls)

    def __repr__(self) -> str:
        names = ", ".join(label for label, _ in self.modules)
        return f"<record_calls of {names}: {len(self.calls)} calls>"


# --------------------------------------------------------------------- rolling
@dataclass
class Group:
    """A framed set of nodes: one step (unrolled), or every step drawn once (rolled)."""

    id: str
    module: str
    type: str
    steps: list[int]                  # the steps it stands for (one when unrolled)
    members: list[str]                # ids of the nodes drawn inside the frame
    saved_per_step: int = 0           # buffers each step saves (rolled: not drawn)
    cut_steps: list[int] = field(default_factory=list)   # steps whose input was detached

    @property
    def count(self) -> int:
        return len(self.steps)

    @property
    def label(self) -> str:
        if len(self.steps) == 1:
            return f"{self.module} · step {self.steps[0]}"
        return f"{self.module} ({self.type}) × {len(self.steps)}"


@dataclass
class Loop:
    """The recurrent edge of a rolled group: ``src`` (in the group) sends gradients to
    ``dst`` (in the group) of the previous step, ``count`` times."""

    src: str
    dst: str
    count: int
    group: str


@dataclass
class Rolled:
    """What a rolled (or unrolled) picture draws: the graph, its frames and loops.

    ``layout_edges``: pairs the layout treats as edges (never drawn), so that each
    step's frame sits below the next step's and holds no other node.
    """

    graph: Graph
    groups: list[Group]
    loops: list[Loop]
    layout_edges: list[tuple[str, str]]
    unrolled: bool


def _members(graph: Graph, calls: list[Call]) -> list[tuple[Call, list[str]]]:
    """Each call with the ids of its backward nodes in ``graph`` (creation order);
    a node made inside nested recorded calls belongs to the outermost one."""
    fns = sorted((f for f in graph.functions if f.kind == "grad_fn"), key=lambda f: (f.seq, f.id))
    seqs = [f.seq for f in fns]
    by_seq = {f.seq: f.id for f in fns}
    owner: dict[str, int] = {}
    spans = sorted(range(len(calls)), key=lambda i: -((calls[i].stop or 0) - (calls[i].start or 0)))
    for i in spans:
        c = calls[i]
        if c.start is not None and c.stop is not None:
            ids = [f.id for f in fns[bisect_left(seqs, c.start):bisect_left(seqs, c.stop)]]
        else:
            ids = _walk(graph, [by_seq.get(s) for s in c.outputs], {by_seq.get(s) for s in c.inputs})
        for fid in ids:
            owner.setdefault(fid, i)
    order = {f.id: k for k, f in enumerate(fns)}
    out = []
    for i, c in enumerate(calls):
        ids = sorted((fid for fid, o in owner.items() if o == i), key=order.__getitem__)
        if ids:
            out.append((c, ids))
    return out


def _walk(graph: Graph, starts: list[str | None], stops: set[str | None]) -> list[str]:
    """Backward nodes reachable from ``starts`` without passing ``stops`` or leaves."""
    seen: dict[str, None] = {}                      # insertion-ordered set
    todo = [s for s in starts if s is not None and s not in stops]
    while todo:
        fid = todo.pop()
        if fid in seen:
            continue
        seen[fid] = None
        node = graph.node(fid)
        for child, _ in node.next:
            if child is not None and child not in stops and graph.node(child).kind == "grad_fn":
                todo.append(child)
    return list(seen)


def roll(graph: Graph, calls: Any, unroll: bool = False) -> Rolled:
    """Frame the recorded calls in ``graph``; unless ``unroll``, draw repeated steps once.

    Steps of one module with the same node names in the same order roll together (the
    most common such shape; a step that differs, e.g. a first step without a previous
    hidden state, keeps a frame of its own).
    """
    calls = list(calls)
    if not all(isinstance(c, Call) for c in calls):
        raise TypeError("roll= takes what viz.record_calls(...) recorded (or a list of its Calls)")
    found = _members(graph, calls)
    groups: list[Group] = []
    loops: list[Loop] = []
    remap: dict[str, str] = {}
    step_of: dict[str, tuple[str, int]] = {}      # node of a rolled step -> (module, step)
    order: list[tuple[str, int, Group]] = []      # (module, step, its group), in call order
    for module in dict.fromkeys(c.module for c, _ in found):
        mine = [(c, ids) for c, ids in found if c.module == module]
        shapes: dict[tuple, list] = {}
        for c, ids in mine:
            shapes.setdefault(tuple(graph.node(i).name for i in ids), []).append((c, ids))
        loop_shape = max(shapes, key=lambda s: (len(shapes[s]), -mine.index(shapes[s][0])))
        looped = shapes[loop_shape] if len(shapes[loop_shape]) > 1 and not unroll else []
        if looped:
            rep_call, rep = looped[-1]
            for c, ids in looped[:-1]:
                remap.update(zip(ids, rep))
            step_of.update({fid: (module, c.step) for c, ids in looped for fid in ids})
            loop_group = Group("", module, rep_call.type, [c.step for c, _ in looped], list(rep),
                               _saved(graph, rep), [c.step for c, _ in looped if c.cut])
        for c, ids in mine:
            if any(c is lc for lc, _ in looped):
                g = loop_group
            else:
                g = Group("", module, c.type, [c.step], ids, _saved(graph, ids),
                          [c.step] if c.cut else [])
            if not any(g is h for h in groups):
                g.id = f"g{len(groups)}"
                groups.append(g)
            order.append((module, c.step, g))
    if remap:
        graph, loops = _fold(graph, remap, step_of, groups)
    graph = _without_saved_links(graph, groups)
    return Rolled(graph, groups, loops, _layout_edges(graph, groups, order), unroll)


def _layout_edges(graph: Graph, groups: list[Group], order: list[tuple[str, int, Group]]
                  ) -> list[tuple[str, str]]:
    """Layout-only edges that keep each frame free of other nodes: a step's frame
    above the previous step's, what a step points to below it, what points into a
    step above it."""
    pairs: list[tuple[str, str]] = []
    for (m1, s1, lower), (m2, s2, upper) in zip(order, order[1:]):
        if m1 == m2 and s2 == s1 + 1 and lower is not upper:
            pairs += [(u, v) for u in _bottoms(graph, upper.members) for v in _tops(graph, lower.members)]
    grouped = {m for g in groups for m in g.members}
    for g in groups:
        inside = set(g.members)
        tops, bottoms = _tops(graph, g.members), _bottoms(graph, g.members)
        for e in graph.edges:
            if e.src in inside and e.dst not in grouped:
                pairs += [(b, e.dst) for b in bottoms if b != e.src]
            elif e.dst in inside and e.src not in grouped and e.dst not in tops:
                pairs += [(e.src, t) for t in tops]
    return list(dict.fromkeys(pairs))


def _without_saved_links(graph: Graph, groups: list[Group]) -> Graph:
    """The graph without the "saved" lines from framed nodes to named tensors (their
    rows show the buffers; a loop variable such as ``x`` is only the last step's) and
    without the tensors left unconnected by that."""
    inside = {m for g in groups for m in g.members}
    edges = [e for e in graph.edges if not (e.kind == "saved" and e.src in inside)]
    linked = {e.src for e in edges} | {e.dst for e in edges} | set(graph.roots)
    if len(edges) == len(graph.edges) and all(n.id in linked for n in graph.tensors):
        return graph
    graph = Graph.from_dict(graph.to_dict())          # never change the caller's snapshot
    nodes = [n for n in graph.nodes if n.kind != "tensor" or n.id in linked]
    for f in nodes:
        if isinstance(f, FunctionNode):
            for buf in f.saved:
                if buf.tensor is not None and buf.tensor not in linked:
                    buf.tensor = None
    return Graph(nodes=nodes, edges=edges, roots=list(graph.roots), notes=list(graph.notes),
                 modules=dict(graph.modules))


def _saved(graph: Graph, ids: list[str]) -> int:
    return sum(len(graph.node(i).saved) for i in ids)


def _bottoms(graph: Graph, ids: list[str]) -> list[str]:
    """Nodes of a step with no backward edge to another node of the same step."""
    inside = set(ids)
    return [i for i in ids if not any(c in inside for c, _ in graph.node(i).next)]


def _tops(graph: Graph, ids: list[str]) -> list[str]:
    """Nodes of a step that no other node of the same step points to."""
    inside = set(ids)
    pointed = {c for i in ids for c, _ in graph.node(i).next if c in inside}
    return [i for i in ids if i not in pointed]


def _fold(graph: Graph, remap: dict[str, str], step_of: dict[str, tuple[str, int]],
          groups: list[Group]) -> tuple[Graph, list[Loop]]:
    """The graph with every node in ``remap`` replaced by its stand-in (the node of the
    same rank in the kept step); edges from one step of a group into another become
    the group's loops, counted."""
    copy = Graph.from_dict(graph.to_dict())
    group_of = {m: g for g in groups if g.count > 1 for m in g.members}
    counts: dict[tuple[str, str], int] = {}
    edges: list[Edge] = []
    seen: set = set()
    for e in copy.edges:
        src, dst = remap.get(e.src, e.src), remap.get(e.dst, e.dst)
        a, b = step_of.get(e.src), step_of.get(e.dst)
        if e.kind == "next" and a is not None and b is not None and a != b:
            counts[(src, dst)] = counts.get((src, dst), 0) + 1
            continue
        if e.kind == "saved" and e.src in step_of:
            continue                              # each step's buffers: shown unrolled
        key = (src, dst, e.kind, e.input_nr, e.index, e.label)
        if key not in seen:
            seen.add(key)
            edges.append(Edge(src, dst, e.kind, e.input_nr, e.index, e.label))
    nodes = []
    for n in copy.nodes:
        if n.id in remap:
            continue
        if isinstance(n, FunctionNode):
            n.next = [[remap.get(c, c) if c is not None else None, nr] for c, nr in n.next]
            if n.id in group_of:
                n.saved = []
        nodes.append(n)
    out = Graph(nodes=nodes, edges=edges, roots=[remap.get(r, r) for r in copy.roots],
                notes=list(copy.notes), modules=dict(copy.modules))
    loops = [Loop(s, d, n, group_of[s].id) for (s, d), n in counts.items()]
    return out, loops
