"""The rolled picture's extras on top of a scene: step frames, recurrent edges, cuts.

``rolled.roll`` says what to frame; this module draws it on the scene that
``scene.build_scene`` laid out:

* a **frame** behind each group of nodes: "cell (RNNCell) × 4" for a rolled loop (one
  step drawn for all), "cell · step 3" for one step of an unrolled one;
* the **recurrent edge** of a rolled loop: from the node that takes the previous
  step's output back to the node that made it, drawn around the frame's side, with
  how many times backward takes it;
* a **cut** (red, dashed, "✂") along the bottom of a step whose input was the previous
  step's output ``detach()``-ed: backward stops there.

The legend gets a second box explaining these three.
"""
from __future__ import annotations

from typing import Any

from .primitives import SMALL, TEXT, Item, Path, Rect, Scene, Text
from .rolled import Group, Rolled
from .scene import _legend
from .summary import text_width

__all__ = ["decorate"]

FRAME = ("#f3f7ff", "#3f51b5")          # fill, stroke of a step frame
LOOP = "#c2185b"                        # the recurrent edge
CUT = "#d32f2f"                         # where detach() cut the graph
PAD, HEAD = 10.0, 17.0                  # frame padding; room for its title


Box = tuple[float, float, float, float]


def _node_boxes(scene: Scene) -> dict[str, Box]:
    """The main box (x, y, w, h) of every drawn node, by node id, as placed."""
    out = {}
    for item in scene.items:
        if item.id.startswith("node-"):
            r = item.parts[0]
            out[item.id[5:]] = (r.x, r.y, r.w, r.h)
    return out


def _shift(items: list[Item], dy: float) -> None:
    """Move every part of ``items`` down by ``dy`` pixels (in place)."""
    for item in items:
        for p in item.parts:
            if isinstance(p, Path):
                p.points = [(x, y + dy) for x, y in p.points]
            else:
                p.y += dy


def _bounds(boxes: dict[str, Box], ids: list[str]) -> Box:
    boxes = [boxes[i] for i in ids if i in boxes]
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    return x0, y0, x1, y1


def _frame(boxes: dict[str, Box], g: Group, rolled: bool) -> tuple[Item, Box]:
    x0, y0, x1, y1 = _bounds(boxes, g.members)
    title = g.label
    sub = None
    if rolled:
        sub = (f"one step drawn for {g.count}" + (f"; {g.saved_per_step} saved buffers per step"
               if g.saved_per_step else "") + " (unroll=True shows each)")
    lines = [title] + ([sub] if sub else [])
    head = HEAD + (13.0 if sub else 0.0)
    cut = bool(g.cut_steps)
    left, top = x0 - PAD, y0 - PAD - head
    width = max(x1 - x0 + 2 * PAD, max(text_width(t, SMALL) for t in lines) + 2 * PAD)
    bottom = y1 + PAD + (16.0 if cut else 0.0)
    fill, stroke = FRAME
    parts: list[Any] = [Rect(left, top, width, bottom - top, fill, stroke, 1.4, 8.0, "7,4",
                             cls="frame")]
    parts.append(Text(left + 8, top + 14, title, 11.0, stroke, bold=True))
    if sub:
        parts.append(Text(left + 8, top + 27, sub, SMALL, "#5f5f9f", italic=True))
    if cut:
        steps = ", ".join(str(s) for s in g.cut_steps)
        ycut = bottom - 4
        parts.append(Path([(left, ycut), (left + width, ycut)], CUT, 2.0, "6,3", False, False))
        parts.append(Text(left + 8, ycut - 4, f"✂ detach() before step {steps}: backward stops here",
                          SMALL, CUT, bold=True))
    tip = (f"{g.label}: steps {', '.join(map(str, g.steps))}" if len(g.steps) > 1 else g.label)
    if cut:
        tip += "; the input of step " + ", ".join(map(str, g.cut_steps)) + " was detached"
    return Item(f"frame-{g.id}", "frame" + (" cut" if cut else ""), tip, parts), \
        (left, top, left + width, bottom)


def _loop_item(boxes: dict[str, Box], k: int, src: str, dst: str, count: int, frame: Box,
               lane: int, lr: bool) -> tuple[Item, float]:
    """The recurrent edge, drawn around the frame's right side (below it, left to right)."""
    sx, sy, sw, sh = boxes[src]
    dx, dy, dw, dh = boxes[dst]
    label = f"previous step ×{count}"
    if lr:
        yout = frame[3] + 14 + 16 * lane
        pts = [(sx + sw / 2, sy + sh), (sx + sw / 2, yout), (dx + dw / 2, yout), (dx + dw / 2, dy + dh)]
        text = Text(min(sx, dx) + 4, yout + 12, label, SMALL, LOOP, bold=True)
        far = max(sx + sw, dx + dw, text.x + text_width(label, SMALL))
    else:
        xout = frame[2] + 14 + 16 * lane
        pts = [(sx + sw, sy + sh / 2), (xout, sy + sh / 2), (xout, dy + dh / 2), (dx + dw, dy + dh / 2)]
        text = Text(xout + 5, (sy + sh / 2 + dy + dh / 2) / 2 + 4, label, SMALL, LOOP, bold=True)
        far = text.x + text_width(label, SMALL)
    tip = f"recurrent edge: backward sends the gradient back to the previous step, {count} times"
    return Item(f"loop-{k}", "edge loop", tip, [Path(pts, LOOP, 1.8, None, True, False), text]), far


def _extras_legend(x: float, y: float, loops: bool, cut: bool, rolled: bool) -> Item:
    entries = [("frame", "one step of the loop" if not rolled else "a loop: one step drawn for all")]
    if loops:
        entries.append(("loop", "recurrent edge: into the previous step"))
    if cut:
        entries.append(("cut", "detach(): the graph is cut here"))
    width = max(text_width(t, SMALL) for _, t in entries) + 60
    parts: list[Any] = [Rect(x, y, width, 26 + 18 * len(entries), "#ffffff", "#cccccc", 1.0, 4.0),
                        Text(x + 8, y + 16, "loops", SMALL, "#5f5f5f", bold=True)]
    cy = y + 24
    for key, text in entries:
        if key == "frame":
            parts.append(Rect(x + 8, cy, 30, 14, FRAME[0], FRAME[1], 1.2, 4.0, "7,4"))
        else:
            color, dash = (LOOP, None) if key == "loop" else (CUT, "6,3")
            parts.append(Path([(x + 8, cy + 7), (x + 38, cy + 7)], color, 1.8, dash, key == "loop", False))
        parts.append(Text(x + 46, cy + 11, text, SMALL, TEXT))
        cy += 18
    return Item("legend-loops", "legend", "What the frames and loops mean", parts)


def decorate(scene: Scene, rolled: Rolled, *, legend: bool = True, direction: str = "TB") -> Scene:
    """``scene`` (built without its legend) with frames, loops, cuts and the legends."""
    lr = direction == "LR"
    boxes = _node_boxes(scene)
    frames: list[Item] = []
    bounds: dict[str, Box] = {}
    for g in rolled.groups:
        item, box = _frame(boxes, g, rolled=g.count > 1)
        frames.append(item)
        bounds[g.id] = box
    lift = 8.0 - min([8.0] + [b[1] for b in bounds.values()])
    if lift > 0:                                  # room above the top frame's title
        _shift(frames + scene.items, lift)
        boxes = {k: (x, y + lift, w, h) for k, (x, y, w, h) in boxes.items()}
        bounds = {k: (a, b + lift, c, d + lift) for k, (a, b, c, d) in bounds.items()}
    extras: list[Item] = []
    right = max([scene.width] + [b[2] + 16 for b in bounds.values()])
    bottom = max([scene.height + lift] + [b[3] + 16 for b in bounds.values()])
    lanes: dict[str, int] = {}
    for k, loop in enumerate(rolled.loops):
        lane = lanes.get(loop.group, 0)
        lanes[loop.group] = lane + 1
        item, far = _loop_item(boxes, k, loop.src, loop.dst, loop.count, bounds[loop.group], lane, lr)
        extras.append(item)
        right = max(right, far + 16)
        if lr:
            bottom = max(bottom, bounds[loop.group][3] + 36 + 16 * lane)
    items = frames + scene.items + extras
    if legend:
        top = min((p.y for it in scene.items if it.id.startswith("node-") for p in it.parts[:1]),
                  default=16.0)
        main = _legend(rolled.graph, right + 4, top)
        frame = main.parts[0]
        more = _extras_legend(right + 4, frame.y + frame.h + 8, bool(rolled.loops),
                              any(g.cut_steps for g in rolled.groups), any(g.count > 1 for g in rolled.groups))
        items += [main, more]
        for box in (frame, more.parts[0]):
            right = max(right, box.x + box.w + 16)
            bottom = max(bottom, box.y + box.h + 16)
    return Scene(round(right, 2), round(bottom, 2), items, scene.layout)
