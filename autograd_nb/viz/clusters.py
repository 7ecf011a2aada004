"""Which ``nn`` module each node belongs to, and folding a module into one box.

Autograd does not record modules; only parameters carry a module's name
(``fc1.weight``). So a node is given to a module by what it consumes:

* a parameter and its ``AccumulateGrad`` belong to the parameter's module;
* a node is *parameter-only* when every edge it has leads to parameters of one
  module (``TBackward0`` of ``fc1.weight``);
* a node with at least one parameter-only input belongs to that module
  (``AddmmBackward0(fc1.bias, x, fc1.weight.t())``);
* a node sandwiched inside a module (a parent in the module, and every path below it
  reaching that module's nodes) belongs to it too (the ``SumBackward1`` between a
  ``MulBackward0`` and an ``AddBackward0`` of a hand-written linear layer).

Activations (``ReluBackward0``) stay outside: they have no parameter of their own.
"""
from __future__ import annotations

from typing import Any

from .model import Edge, Graph, ModuleNode

__all__ = ["assign_modules", "collapse"]


def _common(paths: set[str]) -> str | None:
    """The deepest module path containing all ``paths`` (None if only the root)."""
    parts = [p.split(".") if p else [] for p in sorted(paths)]
    out: list[str] = []
    for level in zip(*parts):
        if len(set(level)) != 1:
            break
        out.append(level[0])
    return ".".join(out) if out else None


def assign_modules(graph: Graph) -> None:
    """Fill ``module`` of function nodes from the parameters they use."""
    tensors = {t.id: t for t in graph.tensors}
    fns = {f.id: f for f in graph.functions}
    if not any(t.module is not None for t in tensors.values()):
        return
    param_only: dict[str, str | None] = {}

    def compute(fid: str) -> None:
        # iterative post-order: children first (graphs can be deep)
        stack = [(fid, False)]
        while stack:
            cur, done = stack.pop()
            if cur in param_only:
                continue
            f = fns[cur]
            kids = [c for c, _ in f.next if c is not None]
            if not done:
                stack.append((cur, True))
                stack.extend((k, False) for k in kids if k not in param_only)
                continue
            if f.kind == "accumulate_grad":
                var = tensors.get(f.variable or "")
                param_only[cur] = var.module if var is not None and var.is_param else None
                continue
            owners = {param_only.get(k) for k in kids}
            ok = kids and len(kids) == len(f.next) and None not in owners and len(owners) == 1
            param_only[cur] = owners.pop() if ok else None

    for f in graph.functions:
        compute(f.id)
        if f.kind == "accumulate_grad":
            f.module = param_only[f.id]
            continue
        owners = {param_only[c] for c, _ in f.next if c is not None and param_only.get(c) is not None}
        if owners:
            f.module = _common(owners) if len(owners) > 1 else owners.pop()
    _sandwiched(graph, fns)


def _sandwiched(graph: Graph, fns: dict) -> None:
    """Give a module the unassigned nodes that lie between its own nodes."""
    parents: dict[str, list[str]] = {fid: [] for fid in fns}
    indeg = {fid: 0 for fid in fns}
    for f in fns.values():
        for c, _ in f.next:
            if c is not None and c in fns:
                parents[c].append(f.id)
                indeg[c] += 1
    topo = [fid for fid in fns if indeg[fid] == 0]        # parents before children
    for fid in topo:
        for c, _ in fns[fid].next:
            if c is not None and c in fns:
                indeg[c] -= 1
                if indeg[c] == 0:
                    topo.append(c)
    lead: dict[str, str] = {}                               # all paths below reach this module
    for fid in reversed(topo):
        f = fns[fid]
        if f.module is not None:
            continue
        kids = [c for c, _ in f.next if c is not None]
        mods = {fns[c].module or lead.get(c) for c in kids}
        if kids and len(mods) == 1 and None not in mods:
            lead[fid] = mods.pop()
    for fid in topo:
        f = fns[fid]
        if f.module is None and fid in lead and any(fns[p].module == lead[fid] for p in parents[fid]):
            f.module = lead[fid]


def _target(module: str | None, chosen: list[str]) -> str | None:
    if module is None:
        return None
    for path in chosen:
        if module == path or module.startswith(path + "."):
            return path
    return None


def collapse(graph: Graph, modules: Any = True) -> Graph:
    """A copy of ``graph`` in which each chosen module's nodes become one box."""
    from .model import Graph as G
    present = sorted({n.module for n in graph.nodes if getattr(n, "module", None) is not None})
    if modules is True:
        chosen = present
    elif modules in (None, False):
        chosen = []
    else:
        chosen = [modules] if isinstance(modules, str) else list(modules)
    chosen = sorted(chosen, key=lambda p: (p.count("."), p))     # outer modules win
    if not chosen:
        return G.from_dict(graph.to_dict())
    copy = G.from_dict(graph.to_dict())
    where: dict[str, str] = {}
    boxes: dict[str, ModuleNode] = {}
    nodes = []
    for n in copy.nodes:
        path = _target(getattr(n, "module", None), chosen)
        if path is None or n.id in copy.roots:
            nodes.append(n)
            continue
        box = boxes.get(path)
        if box is None:
            box = boxes[path] = ModuleNode(id=f"m{len(boxes)}", name=path,
                                           type=copy.modules.get(path))
            nodes.append(box)
        box.members.append(n.id)
        box.member_labels.append(n.label)
        where[n.id] = box.id
    edges: list[Edge] = []
    seen: set = set()
    for e in copy.edges:
        src, dst = where.get(e.src, e.src), where.get(e.dst, e.dst)
        if src == dst:
            continue
        if src != e.src or dst != e.dst:
            e = Edge(src, dst, e.kind if e.kind != "variable" else "next")
        key = (e.src, e.dst, e.kind, e.input_nr, e.index, e.label)
        if key not in seen:
            seen.add(key)
            edges.append(e)
    out = G(nodes=nodes, edges=edges, roots=list(copy.roots), notes=list(copy.notes),
            modules=dict(copy.modules))
    for n in out.functions:                      # next lists point at the boxes too
        n.next = [[where.get(c, c) if c is not None else None, nr] for c, nr in n.next]
    return out
