"""Graphviz DOT text of a snapshot, for those who have graphviz installed.

``dot -Tsvg graph.dot > graph.svg`` then draws the same nodes, colours and edges as
our own SVG renderer (with graphviz's layout). Nothing here runs graphviz.
"""
from __future__ import annotations

from .model import FunctionNode, Graph, ModuleNode, TensorNode
from .scene import EDGE_STYLE, PALETTE, _edge_label, _row_text, _tensor_flags
from .summary import clip, shape_text

__all__ = ["graph_to_dot"]


def _q(text: str) -> str:
    """A DOT double-quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _node_line(n: object, graph: Graph) -> str:
    if isinstance(n, TensorNode):
        fill, stroke = PALETTE[n.role]
        lines = [n.label, f"{shape_text(n.shape)} {n.dtype}", _tensor_flags(n),
                 "= " + clip(n.value, 36)]
        if n.grad is not None:
            lines.append(".grad = " + clip(n.grad, 36))
        style = "rounded,filled" + (",dashed" if n.role == "leaf" else "")
        width = 2.4 if n.is_root else 1.2
        return (f"  {n.id} [label={_q(chr(10).join(lines))}, shape=box, style={_q(style)}, "
                f"fillcolor={_q(fill)}, color={_q(stroke)}, penwidth={width}];")
    if isinstance(n, ModuleNode):
        fill, stroke = PALETTE["module"]
        label = f"{n.label}\n{len(n.members)} nodes folded"
        return (f"  {n.id} [label={_q(label)}, shape=box, style=\"rounded,filled,dashed\", "
                f"fillcolor={_q(fill)}, color={_q(stroke)}];")
    assert isinstance(n, FunctionNode)
    fill, stroke = PALETTE[n.kind]
    lines = [n.name] + [_row_text(s) for s in n.saved]
    return (f"  {n.id} [label={_q(chr(10).join(lines))}, shape=box, style=filled, "
            f"fillcolor={_q(fill)}, color={_q(stroke)}];")


def graph_to_dot(graph: Graph, name: str = "autograd") -> str:
    """DOT text for ``graph`` (deterministic: same graph, same text)."""
    out = [f"digraph {_q(name)} {{",
           '  graph [rankdir=TB, fontname="monospace"];',
           '  node [fontname="monospace", fontsize=10];',
           '  edge [fontname="monospace", fontsize=9];']
    for note in graph.notes:
        out.append(f"  // {note}")
    for n in graph.nodes:
        out.append(_node_line(n, graph))
    for e in graph.edges:
        color, dash, arrow, width = EDGE_STYLE.get(e.kind, EDGE_STYLE["next"])
        attrs = [f"color={_q(color)}", f"penwidth={width}"]
        if dash:
            attrs.append('style="dotted"' if e.kind == "saved" else 'style="dashed"')
        if not arrow:
            attrs.append("arrowhead=none")
        label = _edge_label(e, graph)
        if label:
            attrs.append(f"label={_q(label)}")
        out.append(f"  {e.src} -> {e.dst} [{', '.join(attrs)}];")
    out.append("}")
    return "\n".join(out) + "\n"
