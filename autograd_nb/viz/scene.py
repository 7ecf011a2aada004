"""From a snapshot to a *scene*: boxes, text and lines with their teaching styles.

The scene (made of the ``primitives``) is what both renderers draw (``svg.py`` writes it as SVG, ``mpl.py`` draws
it with matplotlib patches), so the SVG and the PNG of a graph show the same picture.
Coordinates are pixels, y grows downwards; text is monospace so its width is known
(``summary.text_width``) without a font library.

The visual vocabulary, explained by the legend drawn next to every graph:

=====================  ======================================================
green rounded box      leaf tensor that requires grad (backward fills .grad)
white dashed box       leaf tensor that does not require grad (a constant)
blue rounded box       non-leaf tensor (the output of a recorded op)
grey box               grad_fn node (the backward of one op)
purple box             AccumulateGrad (adds the gradient into a leaf's .grad)
yellow row             a buffer saved for backward (grey: freed, red: stale)
orange tag             ``.grad`` after backward
solid arrow            ``next_functions``: where backward sends gradients
=====================  ======================================================
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

from .layout import layered_layout
from .model import FunctionNode, Graph, ModuleNode, SavedBuffer, TensorNode
from .primitives import (EDGE_STYLE, FONT, LINE, MONO, MUTED, PAD, PALETTE, ROW, SMALL,  # noqa: F401
                         SMALL_LINE, TEXT, Item, Path, Rect, Scene, Text)
from .slots import (GRAD_SLOT_CHARS, GRAD_TEXT, SLOT_W, grad_line, grad_slot, grad_slot_lr,
                    grad_text)
from .summary import bytes_text, clip, shape_text, text_width

__all__ = ["Rect", "Text", "Path", "Item", "Scene", "build_scene", "PALETTE", "grad_text",
           "grad_line"]

# --------------------------------------------------------------------- node boxes
@dataclass
class _Line:
    text: str
    size: float = SMALL
    color: str = MUTED
    bold: bool = False
    italic: bool = False
    id: str | None = None


@dataclass
class _Box:
    """A node's content before it has a position."""

    lines: list[_Line]
    rows: list[SavedBuffer]
    fill: str
    stroke: str
    width: float = 1.0
    rx: float = 0.0
    dash: str | None = None
    badge: list[str] | None = None          # the ``.grad`` tag, beside the box
    main_w: float = 0.0
    main_h: float = 0.0

    def measure(self) -> tuple[float, float]:
        # a line a dashboard rewrites (``id``) gets room for its longest text
        texts = [text_width(ln.text if ln.id is None else "m" * (GRAD_SLOT_CHARS + 8), ln.size)
                 for ln in self.lines]
        texts += [text_width(_row_text(r), SMALL) + 8 for r in self.rows]
        self.main_w = max(max(texts, default=40.0) + 2 * PAD, 64.0)
        self.main_h = (sum(LINE if ln.size >= FONT else SMALL_LINE for ln in self.lines)
                       + ROW * len(self.rows) + 2 * PAD - 2)
        w, h = self.main_w, self.main_h
        if self.badge:
            bw = max(text_width(t, SMALL) for t in self.badge) + 2 * PAD
            w += 8 + bw
            h = max(h, SMALL_LINE * len(self.badge) + 2 * PAD)
        return w, h


def _row_text(buf: SavedBuffer) -> str:
    if buf.freed:
        return f"{buf.name}: freed" + (f" ({bytes_text(buf.nbytes)})" if buf.kind == "tensor" else "")
    if buf.stale:
        return f"{buf.name}: stale! v{buf.version_saved}→v{buf.version_now}"
    if buf.kind == "number":
        return f"{buf.name} = {clip(buf.value or '', 24)}"
    value = buf.value or ""
    if len(value) <= 20:
        text = f"{buf.name} = {value}"
    else:
        text = f"{buf.name}: {shape_text(buf.shape or [])} {buf.dtype or ''}"
    return f"{text}  {bytes_text(buf.nbytes)}"


def _tensor_flags(t: TensorNode) -> str:
    parts = ["leaf" if t.is_leaf else "non-leaf",
             "requires_grad" if t.requires_grad else "requires_grad=False"]
    if t.retains_grad:
        parts.append("retains_grad")
    if t.is_inference:
        parts.append("inference")
    if t.version:
        parts.append(f"_version={t.version}")
    return " · ".join(parts)


def _tensor_box(t: TensorNode, slots: bool = False) -> _Box:
    fill, stroke = PALETTE[t.role]
    meta = f"{shape_text(t.shape)} {t.dtype}" + ("" if t.device == "cpu" else f" {t.device}")
    lines = [_Line(clip(t.label, 32), FONT, TEXT, bold=True, italic=t.name is None),
             _Line(meta), _Line(_tensor_flags(t)), _Line("= " + clip(t.value, 36), SMALL, TEXT)]
    if slots and t.role == "leaf_grad":      # the stepper rewrites this line per event
        lines.append(_Line(grad_line(t.grad), SMALL, GRAD_TEXT, bold=True,
                           id=f"gradline-{t.id}"))
    box = _Box(lines, [], fill, stroke, width=2.4 if t.is_root else 1.2, rx=9.0,
               dash="4,3" if t.role == "leaf" or t.is_inference else None)
    if t.grad is not None:
        box.badge = [".grad", clip(t.grad, 36)]
    return box


def _function_box(f: FunctionNode, step: dict[str, int], graph: Graph) -> _Box:
    fill, stroke = PALETTE[f.kind]
    if f.kind == "accumulate_grad":
        try:
            who = graph.node(f.variable).name if f.variable else None
        except KeyError:                                # folded into a module box
            who = None
        who = who or "leaf"
        sub = f"adds into {clip(who, 24)}.grad"
    else:
        sub = f"grad_fn · op #{step[f.id]}"
    lines = [_Line(f.name, FONT, TEXT, bold=True), _Line(sub)]
    return _Box(lines, list(f.saved), fill, stroke, rx=2.0)


def _module_box(m: ModuleNode) -> _Box:
    fill, stroke = PALETTE["module"]
    return _Box([_Line(clip(m.label, 40), FONT, TEXT, bold=True),
                 _Line(f"nn module · {len(m.members)} nodes folded")],
                [], fill, stroke, width=1.6, rx=4.0, dash="6,3")


def _boxes(graph: Graph, slots: bool = False) -> dict[str, _Box]:
    steps = sorted((f.order, f.id) for f in graph.functions if f.kind == "grad_fn")
    step = {fid: i + 1 for i, (_, fid) in enumerate(steps)}
    out: dict[str, _Box] = {}
    for n in graph.nodes:
        if isinstance(n, TensorNode):
            out[n.id] = _tensor_box(n, slots)
        elif isinstance(n, ModuleNode):
            out[n.id] = _module_box(n)
        else:
            out[n.id] = _function_box(n, step, graph)
    return out


# --------------------------------------------------------------------- tooltips
def _title(n: Any, graph: Graph) -> str:
    if isinstance(n, TensorNode):
        text = (f"{n.label}: tensor {shape_text(n.shape)} {n.dtype} on {n.device}\n"
                f"is_leaf={n.is_leaf} requires_grad={n.requires_grad} "
                f"is_inference={n.is_inference} _version={n.version}\nvalue: {n.value}")
        if n.grad is not None:
            text += f"\n.grad: {n.grad}"
        return text
    if isinstance(n, ModuleNode):
        return f"module {n.label}: " + ", ".join(n.member_labels)
    nexts = ", ".join("None" if c is None else f"({graph.node(c).label}, {nr})" for c, nr in n.next)
    text = f"{n.name}\nnext_functions: ({nexts})"
    if n.kind == "grad_fn":
        text += "\nop #k: the k-th operation recorded in this graph (sequence_nr order)"
    for s in n.saved:
        text += (f"\nsaved {s.name}: {s.state}, {bytes_text(s.nbytes)}, "
                 f"version at save {s.version_saved}, now {s.version_now}")
        if s.value is not None:
            text += f", value {s.value}"
    return text


# --------------------------------------------------------------------- the scene
def _node_parts(nid: str, box: _Box, x: float, y: float) -> list[Any]:
    parts: list[Any] = [Rect(x, y, box.main_w, box.main_h, box.fill, box.stroke, box.width,
                             box.rx, box.dash)]
    cy = y + PAD
    for ln in box.lines:
        step = LINE if ln.size >= FONT else SMALL_LINE
        parts.append(Text(x + PAD, cy + step - 4, ln.text, ln.size, ln.color, ln.bold, ln.italic,
                          id=ln.id))
        cy += step
    for buf in box.rows:
        key = "saved_" + buf.state
        fill, stroke = PALETTE[key]
        parts.append(Rect(x + 4, cy, box.main_w - 8, ROW - 2, fill, stroke, 0.8, 2.0,
                          "3,2" if buf.freed else None, id=f"saved-{buf.id}",
                          cls=f"saved {buf.state}"))
        color = {"live": TEXT, "freed": "#8a8a8a", "stale": "#b71c1c"}[buf.state]
        parts.append(Text(x + 8, cy + ROW - 5, _row_text(buf), SMALL, color,
                          bold=buf.stale, strike=buf.freed))
        cy += ROW
    if box.badge:
        fill, stroke = PALETTE["grad"]
        bx = x + box.main_w + 8
        bw = max(text_width(t, SMALL) for t in box.badge) + 2 * PAD
        bh = SMALL_LINE * len(box.badge) + 2 * PAD - 4
        by = y + (box.main_h - bh) / 2
        parts.append(Path([(x + box.main_w, by + bh / 2), (bx, by + bh / 2)], stroke, 1.0,
                          None, False, False))
        parts.append(Rect(bx, by, bw, bh, fill, stroke, 1.0, 6.0, id=f"grad-{nid}", cls="grad"))
        for i, t in enumerate(box.badge):
            parts.append(Text(bx + PAD, by + PAD + SMALL_LINE * (i + 1) - 4, t, SMALL,
                              "#a04a00", bold=i == 0))
    return parts


def _edge_label(e: Any, graph: Graph) -> str | None:
    if e.kind == "next":
        src = graph.node(e.src)
        many = isinstance(src, FunctionNode) and len(src.next) > 1
        text = f"[{e.index}]" if many and e.index is not None else ""
        if e.input_nr:
            text += f" out {e.input_nr}"
        return text.strip() or None
    if e.kind == "grad_fn" and e.input_nr:
        return f"output {e.input_nr}"
    return None


def _legend(graph: Graph, x: float, y: float) -> Item:
    kinds = {getattr(n, "role", None) or n.kind for n in graph.nodes}
    states = {s.state for _, s in graph.iter_saved()}
    edges = {e.kind for e in graph.edges}
    entries: list[tuple[str, str]] = []
    labels = [("leaf_grad", "leaf, requires_grad=True: backward fills .grad"),
              ("leaf", "leaf, requires_grad=False (a constant)"),
              ("nonleaf", "non-leaf tensor: made by a recorded op"),
              ("grad_fn", "grad_fn node: the backward of one op"),
              ("accumulate_grad", "AccumulateGrad: adds into a leaf's .grad"),
              ("module", "nn module folded into one box")]
    entries += [(k, text) for k, text in labels if k in kinds]
    saved_labels = [("live", "buffer saved for backward"),
                    ("freed", "saved buffer, freed by backward"),
                    ("stale", "saved buffer changed in place: backward fails")]
    entries += [("saved_" + k, text) for k, text in saved_labels if k in states]
    if any(getattr(n, "grad", None) is not None for n in graph.nodes):
        entries.append(("grad", ".grad after backward"))
    edge_labels = [("next", "next_functions: backward sends grads this way"),
                   ("grad_fn", "tensor → its grad_fn"),
                   ("variable", "AccumulateGrad → the leaf it updates"),
                   ("saved", "saved buffer holds this tensor")]
    entries += [("edge:" + k, text) for k, text in edge_labels if k in edges]
    width = max(text_width(t, SMALL) for _, t in entries) + 60 if entries else 120
    height = 26 + 18 * len(entries)
    parts: list[Any] = [Rect(x, y, width, height, "#ffffff", "#cccccc", 1.0, 4.0),
                        Text(x + 8, y + 16, "legend", SMALL, MUTED, bold=True)]
    cy = y + 24
    for key, text in entries:
        if key.startswith("edge:"):
            color, dash, arrow, w = EDGE_STYLE[key[5:]]
            parts.append(Path([(x + 8, cy + 7), (x + 38, cy + 7)], color, w, dash, arrow, False))
        else:
            fill, stroke = PALETTE[key]
            dash = "4,3" if key in ("leaf", "module") else ("3,2" if key == "saved_freed" else None)
            parts.append(Rect(x + 8, cy, 30, 14, fill, stroke, 1.2, 3.0, dash))
        parts.append(Text(x + 46, cy + 11, text, SMALL, TEXT))
        cy += 18
    return Item("legend", "legend", "What the shapes mean", parts)


def _slot_sides(kept: list[Any], layout: Any) -> tuple[dict[int, tuple[int, int]], set[int]]:
    """Where each edge's gradient text goes: its rank among parallel edges (same two
    nodes, left to right) and whether it goes on the edge's left. An edge entering its
    node left of every other edge into that node gets its text on its left, where no
    other edge arrives; so does the first of parallel edges."""
    pairs: dict[tuple[str, str], list[int]] = {}
    into: dict[str, list[tuple[float, int]]] = {}
    for k, e in enumerate(kept):
        pairs.setdefault((e.src, e.dst), []).append(k)
        if layout.routes[k]:
            into.setdefault(e.dst, []).append((layout.routes[k][-1][0], k))
    rank: dict[int, tuple[int, int]] = {}
    for ks in pairs.values():
        mid = [(layout.routes[k][len(layout.routes[k]) // 2][0] if layout.routes[k] else 0.0, k)
               for k in ks]
        for r, (_, k) in enumerate(sorted(mid)):
            rank[k] = (r, len(ks))
    on_left = {min(ends)[1] for ends in into.values() if len(ends) > 1}
    on_left |= {k for k, (r, n) in rank.items() if n > 1 and r == 0}
    return rank, on_left


def _left_room(kept: list[Any], layout: Any) -> float:
    """How much wider the left margin must be for the texts that go left of their edge."""
    _, on_left = _slot_sides(kept, layout)
    need = 0.0
    for k in on_left:
        pts = layout.routes[k]
        if kept[k].kind in ("next", "variable") and len(pts) >= 2:
            x = 0.15625 * pts[-2][0] + 0.84375 * pts[-1][0]      # where grad_slot puts it
            need = max(need, SLOT_W + 5 - x)
    return need


def build_scene(graph: Graph, *, legend: bool = True, edge_labels: bool | None = None,
                title: str | None = None, grad_slots: bool = False,
                direction: str = "TB", layout_edges: tuple = ()) -> Scene:
    """Lay out ``graph`` and turn it into drawable items (nodes, edges, legend, notes).

    ``grad_slots``: leave room for gradients written on the picture later (the stepper
    does): an empty text beside each backward edge (``edgegrad-<k>``) and a ``.grad``
    line in each leaf that requires grad (``gradline-<tensor id>``).
    ``direction``: ``"TB"`` (top to bottom, the default) or ``"LR"`` (left to right:
    a deep graph grows wide instead of tall).
    ``layout_edges``: extra ``(src id, dst id)`` pairs the layout keeps in order like
    edges, never drawn (the rolled view stacks a loop's steps with them).
    """
    lr = direction == "LR"
    boxes = _boxes(graph, grad_slots)
    ids = [n.id for n in graph.nodes]
    index = {nid: i for i, nid in enumerate(ids)}
    sizes = [boxes[nid].measure() for nid in ids]
    kept = [e for e in graph.edges if e.src in index and e.dst in index]
    gap = (SLOT_W + 24 if grad_slots else 64.0) if lr else 46.0   # room for the edge texts
    pairs = [(index[e.src], index[e.dst]) for e in kept]
    pairs += [(index[a], index[b]) for a, b in layout_edges if a in index and b in index]
    layout = layered_layout(ids, sizes, pairs, layer_gap=gap, direction=direction)
    if grad_slots and not lr:              # room on the left for texts that go there
        need = _left_room(kept, layout)
        if need > 0:
            layout = layered_layout(ids, sizes, pairs, layer_gap=gap, left_margin=16.0 + need)
    if edge_labels is None:
        edge_labels = len(ids) <= 150

    header: list[Text] = []
    top = 0.0
    if title:
        header.append(Text(16, 26, title, 14.0, TEXT, bold=True))
        top = 30.0
    for note in graph.notes:
        for line in textwrap.wrap(note, 90):
            header.append(Text(16, top + 22, line, 11.0, "#8a4b00", italic=True))
            top += 16.0
    dy = top + (8.0 if header else 0.0)

    items: list[Item] = []
    rank, on_left = _slot_sides(kept, layout)
    slot_right = 0.0
    for k, e in enumerate(kept):
        pts = [(px, py + dy) for px, py in layout.routes[k]]
        color, dash, arrow, w = EDGE_STYLE.get(e.kind, EDGE_STYLE["next"])
        parts: list[Any] = [Path(pts, color, w, dash, arrow, True, horizontal=lr)]
        label = _edge_label(e, graph) if edge_labels else None
        if label and pts:
            (x0, y0), (x1, y1) = pts[0], pts[-1]
            if e.kind != "next":
                lx, ly = (x0 + x1) / 2 + 4, (y0 + y1) / 2
            else:
                lx, ly = (x0 + 4, y0 - 4) if lr else (x0 + 4, y0 + 12)
            parts.append(Text(lx, ly, label, 9.0, color))
        if grad_slots and len(pts) >= 2 and e.kind in ("next", "variable"):
            slot = grad_slot_lr(k, pts, rank[k][0]) if lr else grad_slot(k, pts, rank[k][0], k in on_left)
            parts.append(slot)
            if slot.anchor == "start":
                slot_right = max(slot_right, slot.x + SLOT_W)
        src, dst = graph.node(e.src), graph.node(e.dst)
        tip = {"next": f"{src.label}.next_functions[{e.index}] = ({dst.label}, {e.input_nr})",
               "grad_fn": f"{src.label}.grad_fn is {dst.label}",
               "variable": f"{src.label}.variable is {dst.label}",
               "saved": f"{src.label} saved {dst.label} as '{e.label}'"}.get(e.kind, e.kind)
        items.append(Item(f"edge-{k}", f"edge {e.kind}", tip, parts))
    for n in graph.nodes:
        x, y, _, _ = layout.boxes[n.id]
        cls = f"node {n.kind}"
        if isinstance(n, TensorNode):
            cls += f" {n.role}" + (" root" if n.is_root else "")
        items.append(Item(f"node-{n.id}", cls, _title(n, graph),
                          _node_parts(n.id, boxes[n.id], x, y + dy)))
    width, height = max(layout.width, slot_right + 8), layout.height + dy
    if header:
        items.append(Item("notes", "notes", "notes", list(header)))
        width = max(width, max(text_width(t.text, t.size) for t in header) + 32)
    if legend:
        leg = _legend(graph, layout.width + 4, dy + 12)
        items.append(leg)
        frame = leg.parts[0]
        width = max(width, frame.x + frame.w + 16)
        height = max(height, frame.y + frame.h + 16)
    return Scene(round(width, 2), round(height, 2), items, layout)
