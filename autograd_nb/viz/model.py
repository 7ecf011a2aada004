"""The plain-data picture of a graph: what ``snapshot()`` returns.

Everything here is a dataclass of strings, numbers, lists and None, so a snapshot can
be compared in tests, dumped to JSON (``graph.to_json()``) or handed to any renderer.
It is a *copy*: changing the graph afterwards (a backward, an in-place op) does not
change a snapshot already taken.

Ids are made from the walk order (``t0``, ``t1``, ... for tensors, ``f0``, ``f1``, ...
for backward nodes), so the same code gives the same ids in every run.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, Iterator, Union

__all__ = ["SavedBuffer", "TensorNode", "FunctionNode", "ModuleNode", "Edge", "Graph"]


@dataclass
class SavedBuffer:
    """One value a backward node keeps for its rule (``grad_fn._saved_<name>``).

    ``state`` is ``"live"``, ``"freed"`` (released by a backward without
    ``retain_graph``) or ``"stale"`` (the tensor was changed in place after it was
    saved: ``version_now != version_saved``; backward would fail).
    """

    id: str
    name: str                       # PyTorch's name: self, other, result, ...
    kind: str                       # "tensor" or "number"
    shape: list[int] | None
    dtype: str | None
    device: str | None
    nbytes: int
    version_saved: int
    version_now: int
    freed: bool
    stale: bool
    is_output: bool                 # the node's own output (``result``)
    value: str | None               # summary of the numbers; None once freed
    tensor: str | None = None       # id of the tensor node it is, when that is drawn

    @property
    def state(self) -> str:
        if self.freed:
            return "freed"
        return "stale" if self.stale else "live"


@dataclass
class TensorNode:
    """A tensor: a root you passed, a leaf behind an AccumulateGrad, or a named one."""

    id: str
    name: str | None                # the variable name, when known
    is_leaf: bool
    requires_grad: bool
    is_inference: bool
    retains_grad: bool
    shape: list[int]
    dtype: str
    device: str
    value: str
    grad: str | None                # summary of ``.grad`` (None: no gradient yet)
    version: int                    # ``tensor._version``
    output_nr: int
    is_root: bool = False
    is_param: bool = False          # named from a module's parameters
    module: str | None = None
    kind: str = "tensor"

    @property
    def role(self) -> str:
        """``"leaf_grad"`` (leaf that requires grad), ``"leaf"`` or ``"nonleaf"``."""
        if not self.is_leaf:
            return "nonleaf"
        return "leaf_grad" if self.requires_grad else "leaf"

    @property
    def label(self) -> str:
        return self.name or "tensor"


@dataclass
class FunctionNode:
    """A backward node: what ``tensor.grad_fn`` is (``kind="grad_fn"``), or the
    ``AccumulateGrad`` at the end of a path (``kind="accumulate_grad"``)."""

    id: str
    kind: str
    name: str                       # the node class name, e.g. "MulBackward0" (as torchviz)
    seq: int                        # creation number (differs between runs; see snapshot._seq)
    order: int                      # rank of seq inside this graph: creation order
    saved: list[SavedBuffer] = field(default_factory=list)
    next: list[list] = field(default_factory=list)   # [[id or None, input_nr], ...]
    variable: str | None = None     # AccumulateGrad: id of the leaf tensor node
    module: str | None = None

    @property
    def label(self) -> str:
        return self.name


@dataclass
class ModuleNode:
    """Several nodes of one ``nn`` module drawn as one box (``Graph.collapse``)."""

    id: str
    name: str                       # module path, e.g. "fc1"
    type: str | None                # module class, e.g. "Linear"
    members: list[str] = field(default_factory=list)   # ids of the nodes folded in
    member_labels: list[str] = field(default_factory=list)   # their names, same order
    kind: str = "module"

    @property
    def label(self) -> str:
        return f"{self.name} ({self.type})" if self.type else self.name


Node = Union[TensorNode, FunctionNode, ModuleNode]


@dataclass
class Edge:
    """A line of the picture; ``src`` is drawn above ``dst``.

    kind ``"next"``: ``src`` node's ``next_functions[index] == (dst, input_nr)``: the
    way backward sends a gradient. ``"grad_fn"``: tensor ``src`` was made by ``dst``
    (its ``output_nr``-th output). ``"variable"``: AccumulateGrad ``src`` writes into
    leaf ``dst``'s ``.grad``. ``"saved"``: ``src`` saved tensor ``dst`` as ``label``.
    """

    src: str
    dst: str
    kind: str
    input_nr: int | None = None
    index: int | None = None
    label: str | None = None


@dataclass
class Graph:
    """A snapshot: nodes (tensors, backward nodes, collapsed modules) and edges."""

    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    roots: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    modules: dict[str, str] = field(default_factory=dict)   # module path -> class name

    def __post_init__(self) -> None:
        self._index = {n.id: n for n in self.nodes}

    def node(self, node_id: str) -> Node:
        """The node with this id (KeyError if none)."""
        if len(self._index) != len(self.nodes):
            self._index = {n.id: n for n in self.nodes}
        return self._index[node_id]

    def find(self, name: str) -> list[Node]:
        """Nodes whose variable name or PyTorch name is ``name``."""
        return [n for n in self.nodes if n.name == name]

    @property
    def tensors(self) -> list[TensorNode]:
        return [n for n in self.nodes if n.kind == "tensor"]

    @property
    def functions(self) -> list[FunctionNode]:
        return [n for n in self.nodes if n.kind in ("grad_fn", "accumulate_grad")]

    def iter_saved(self) -> Iterator[tuple[FunctionNode, SavedBuffer]]:
        for f in self.functions:
            for s in f.saved:
                yield f, s

    def edges_of(self, kind: str) -> list[Edge]:
        return [e for e in self.edges if e.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        """Plain dicts and lists (every node carries its ``kind``)."""
        return {
            "nodes": [dataclasses.asdict(n) for n in self.nodes],
            "edges": [dataclasses.asdict(e) for e in self.edges],
            "roots": list(self.roots),
            "notes": list(self.notes),
            "modules": dict(self.modules),
        }

    def to_json(self, **kwargs: Any) -> str:
        """The snapshot as JSON text (keys sorted, so equal graphs give equal text)."""
        kwargs.setdefault("sort_keys", True)
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Graph":
        """Rebuild a snapshot from ``to_dict()`` output."""
        nodes: list[Node] = []
        for raw in data["nodes"]:
            raw = dict(raw)
            if raw["kind"] == "tensor":
                nodes.append(TensorNode(**raw))
            elif raw["kind"] == "module":
                nodes.append(ModuleNode(**raw))
            else:
                raw["saved"] = [SavedBuffer(**s) for s in raw.get("saved", [])]
                nodes.append(FunctionNode(**raw))
        return cls(nodes=nodes, edges=[Edge(**e) for e in data["edges"]],
                   roots=list(data["roots"]), notes=list(data["notes"]),
                   modules=dict(data.get("modules", {})))

    def collapse(self, modules: Any = True) -> "Graph":
        """A copy where each chosen ``nn`` module's nodes become one box.

        ``modules=True`` folds every module that owns nodes; a list of paths folds
        those modules (with their sub-modules). Nodes know their module only when
        the snapshot was given ``params`` (or a module among ``names``).
        """
        from .clusters import collapse
        return collapse(self, modules)

    def __repr__(self) -> str:
        kinds: dict[str, int] = {}
        for n in self.nodes:
            kinds[n.kind] = kinds.get(n.kind, 0) + 1
        parts = ", ".join(f"{v} {k}" for k, v in sorted(kinds.items()))
        return f"<Graph: {parts}, {len(self.edges)} edges, roots={self.roots}>"
