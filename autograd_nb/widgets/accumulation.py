"""The accumulation lab: call backward again and again and watch ``.grad`` add up.

``AccumulationLab(lambda: x * y)`` builds the graph with the function you give it and
offers the moves of a training loop, each done for real:

* ``backward()`` / ``backward(retain_graph=True)`` on the current graph,
* ``zero_grad()`` (zero each leaf's ``.grad`` in place, as ``optimizer.zero_grad
  (set_to_none=False)``) and ``set_to_none()`` (``.grad = None``, PyTorch's default),
* ``rebuild()``: run the function again, a fresh graph from the same leaves.

Every move adds a point to the timeline of each leaf's ``.grad``: with
``x = tensor([1.], requires_grad=True)``, ``y = tensor([2.])`` and three
``backward(retain_graph=True)`` the timeline reads 2 -> 4 -> 6. A backward through a
freed graph fails with PyTorch's "second time" error, kept in the timeline, explained.

The lab keeps working on what it was built with: the function's global names (and
closure variables) are read once, when the lab is made, so a later cell that rebinds
``x`` or ``y`` (``x = torch.tensor([1., 2., 3.])``) changes nothing for **rebuild**, and
the ``.grad`` columns keep following the tensors the lab started with.
"""
from __future__ import annotations

import types
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from ..autograd import no_grad
from ..viz.snapshot import caller_namespace
from ._common import (Dashboard, BOX, error_html, esc, explained, graph_nodes, keep_caller_mode,
                      leaves_of, tensor_names, summary, table,)

__all__ = ["AccumulationLab", "Entry", "timeline_svg", "frozen"]


@dataclass
class Entry:
    """One move of the lab and the leaves' ``.grad`` right after it."""

    index: int
    action: str                                  # the code that ran
    ok: bool
    grads: dict[str, np.ndarray | None] = field(default_factory=dict)
    graph: str = ""                              # live / freed / saves nothing
    error: dict | None = None

    def grad_text(self, name: str) -> str:
        return summary(self.grads.get(name))


def _global_names(code: types.CodeType) -> set[str]:
    """Every name ``code`` (and the code nested in it: comprehensions, lambdas) may look
    up as a global."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


def frozen(build: Callable[[], Any]) -> Callable[[], Any]:
    """``build`` bound to the objects its names refer to *now*.

    ``lambda: x * y`` looks ``x`` and ``y`` up each time it runs, so a later
    ``x = ...`` in the notebook would change what it computes. The copy returned reads
    them from a snapshot taken here (the tensors themselves, not copies of them: an
    in-place change to ``x`` is still seen). Anything that is not a plain Python
    function is returned as it is.
    """
    if not isinstance(build, types.FunctionType):
        return build
    g = build.__globals__
    snap = {k: g[k] for k in _global_names(build.__code__) if k in g}
    snap["__builtins__"] = g.get("__builtins__", __builtins__)
    cells = None
    if build.__closure__:
        cells = tuple(types.CellType(c.cell_contents) if _filled(c) else c
                      for c in build.__closure__)
    copy = types.FunctionType(build.__code__, snap, build.__name__, build.__defaults__, cells)
    copy.__kwdefaults__ = build.__kwdefaults__
    copy.__doc__ = build.__doc__
    return copy


def _filled(cell: Any) -> bool:
    try:
        cell.cell_contents
    except ValueError:                               # an empty cell (not assigned yet)
        return False
    return True


class AccumulationLab(Dashboard):
    """Backward, zero_grad, set to None and rebuild, with a ``.grad`` timeline."""

    _view_name = "AccumulationView"

    def __init__(self, build: Callable[[], Any], leaves: Mapping[str, Any] | None = None,
                 names: Mapping[str, Any] | None = None) -> None:
        self.build = frozen(build)
        self.names = dict(names) if names is not None else caller_namespace(1)
        self._listeners: list[Callable] = []
        self.timeline: list[Entry] = []
        with keep_caller_mode():
            self.loss = build()
        self.builds = 1
        if leaves is None:
            by_id = tensor_names(self.names)
            found = leaves_of([self.loss])
            leaves = {by_id.get(id(t), f"leaf{i}"): t for i, t in enumerate(found)}
        self.leaves: dict[str, Any] = dict(leaves)
        self._record("start", True)

    # ------------------------------------------------------------------ the moves
    def backward(self, retain_graph: bool = False) -> Entry:
        code = "loss.backward(retain_graph=True)" if retain_graph else "loss.backward()"
        try:
            with keep_caller_mode():
                self.loss.backward(retain_graph=retain_graph)
        except Exception as exc:
            return self._record(code, False, explained(exc, self.names))
        return self._record(code, True)

    def zero_grad(self) -> Entry:
        """Zero every leaf's existing ``.grad`` in place (``set_to_none=False``)."""
        with keep_caller_mode(), no_grad():
            for t in self.leaves.values():
                if t.grad is not None:
                    t.grad.zero_()
        return self._record("for p in leaves: p.grad.zero_()", True)

    def set_to_none(self) -> Entry:
        """``.grad = None`` for every leaf (what ``zero_grad()`` does by default)."""
        for t in self.leaves.values():
            t.grad = None
        return self._record("for p in leaves: p.grad = None", True)

    def rebuild(self) -> Entry:
        """Run the function again: a new graph, with fresh saved buffers."""
        try:
            with keep_caller_mode():
                self.loss = self.build()
        except Exception as exc:
            return self._record("loss = build()", False, explained(exc, self.names))
        self.builds += 1
        return self._record("loss = build()   # a new graph", True)

    def clear(self) -> None:
        """Start the timeline again from the current values."""
        self.timeline.clear()
        self._record("start", True)

    # ------------------------------------------------------------------ state
    def graph_state(self) -> str:
        """``"live"``, ``"freed"`` or ``"saves nothing"`` for the current graph."""
        saved = [s for n in graph_nodes([self.loss]) for _, s in n.saved_tensors_info]
        if not saved:
            return "saves nothing"
        return "freed" if any(s.freed for s in saved) else "live"

    def values(self, name: str) -> list[np.ndarray | None]:
        """The leaf's ``.grad`` after each move (None where it had none)."""
        return [e.grads.get(name) for e in self.timeline]

    def _record(self, action: str, ok: bool, error: dict | None = None) -> Entry:
        grads = {k: None if t.grad is None else np.array(t.grad._data, copy=True)
                 for k, t in self.leaves.items()}
        e = Entry(len(self.timeline), action, ok, grads, self.graph_state(), error)
        self.timeline.append(e)
        for fn in self._listeners:
            fn(self)
        return e

    def on_change(self, fn: Callable) -> None:
        self._listeners.append(fn)

    # ------------------------------------------------------------------ display
    def timeline_html(self) -> str:
        rows = [[e.index, e.action, "ok" if e.ok else "error", e.graph]
                + [e.grad_text(k) for k in self.leaves] for e in self.timeline]
        marks = {(r, 2) for r, e in enumerate(self.timeline) if not e.ok}
        out = timeline_svg(self.timeline, list(self.leaves))
        out += table(["#", "move", "result", "graph after"] + [f"{k}.grad" for k in self.leaves],
                     rows, marks)
        last = self.timeline[-1]
        if last.error is not None:
            out += error_html(last.error)
        return f"<div style='{BOX}'>{out}</div>"

    def static_html(self) -> str:
        return ("<div class='agnb-accumulation-static'><b>Accumulation lab</b> "
                f"(graph built {self.builds} time{'s' if self.builds > 1 else ''}; now "
                f"{esc(self.graph_state())}){self.timeline_html()}</div>")

    def __repr__(self) -> str:
        return (f"<AccumulationLab: {len(self.timeline)} entries, leaves "
                f"{', '.join(self.leaves)}, graph {self.graph_state()}>")



# ---------------------------------------------------------------------- the plot
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


def _series(entries: list[Entry], leaves: list[str]) -> list[tuple[str, list[float | None]]]:
    """One line per leaf element (up to 3 per leaf), or the norm for bigger leaves."""
    out = []
    for name in leaves:
        arrays = [e.grads.get(name) for e in entries]
        size = next((a.size for a in arrays if a is not None), 1)
        if size <= 3:
            for j in range(size):
                label = f"{name}.grad" if size == 1 else f"{name}.grad[{j}]"
                out.append((label, [None if a is None else float(a.reshape(-1)[j]) for a in arrays]))
        else:
            out.append((f"‖{name}.grad‖", [None if a is None else float(np.linalg.norm(a))
                                          for a in arrays]))
    return out


def _num(v: float) -> str:
    return f"{v:.4g}"


def nice_ticks(lo: float, hi: float, most: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] (steps of 1, 2 or 5 times a power of ten)."""
    span = hi - lo
    raw = span / max(most - 1, 1)
    power = 10.0 ** np.floor(np.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = np.ceil(lo / step - 1e-9) * step
    ticks = []
    v = first
    while v <= hi + 1e-9 * span:
        ticks.append(round(float(v), 12) + 0.0)          # + 0.0: no "-0"
        v += step
    return ticks


def timeline_svg(entries: list[Entry], leaves: list[str], width: int = 520,
                 height: int = 220) -> str:
    """Each leaf's ``.grad`` over the moves, as a small deterministic SVG line plot.

    x: the move number (the ``#`` column of the table); y: the value of ``.grad``.
    A move after which ``.grad`` is None leaves a gap, marked by an open circle on the
    zero line; a move that failed has its number in red. The key on the right says so.
    """
    series = _series(entries, leaves)
    vals = [v for _, ys in series for v in ys if v is not None] or [0.0]
    lo, hi = min(min(vals), 0.0), max(max(vals), 0.0)
    if hi - lo < 1e-12:
        hi = lo + 1.0
    ticks = nice_ticks(lo, hi)
    lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])
    left, right, top, bottom = 64, 150, 20, 44
    pw, ph = width - left - right, height - top - bottom
    n = max(len(entries) - 1, 1)

    def px(i: int) -> float:
        return round(left + 8 + (pw - 16) * i / n, 2)

    def py(v: float) -> float:
        return round(top + ph * (hi - v) / (hi - lo), 2)

    axis_y = top + ph
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="DejaVu Sans Mono, monospace" font-size="10">',
           f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{axis_y}" stroke="#999"/>',
           f'<line x1="{left}" y1="{axis_y}" x2="{left + pw}" y2="{axis_y}" stroke="#999"/>']
    for t in ticks:                                  # y ticks, with a faint grid line
        y = py(t)
        out.append(f'<line x1="{left}" y1="{y}" x2="{left + pw}" y2="{y}" '
                   f'stroke="{"#bbb" if t == 0 else "#eee"}"/>')
        out.append(f'<text x="{left - 6}" y="{round(y + 3.5, 2)}" text-anchor="end">{_num(t)}</text>')
    for i, e in enumerate(entries):                  # x ticks: move numbers, under the axis
        color = "#333" if e.ok else "#c62828"
        out.append(f'<line x1="{px(i)}" y1="{axis_y}" x2="{px(i)}" y2="{axis_y + 4}" stroke="#999"/>')
        out.append(f'<text x="{px(i)}" y="{axis_y + 16}" text-anchor="middle" '
                   f'fill="{color}">{i}</text>')
    for k, (label, ys) in enumerate(series):
        color = COLORS[k % len(COLORS)]
        run: list[str] = []
        for i, v in enumerate(ys + [None]):
            if v is not None:
                run.append(f"{px(i)},{py(v)}")
                continue
            if len(run) > 1:
                out.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{color}" '
                           'stroke-width="2"/>')
            run = []
        for i, v in enumerate(ys):
            if v is None:
                out.append(f'<circle cx="{px(i)}" cy="{py(0.0)}" r="3.5" fill="#ffffff" '
                           f'stroke="{color}"/>')
            else:
                out.append(f'<circle cx="{px(i)}" cy="{py(v)}" r="3" fill="{color}"/>')
                out.append(f'<text x="{px(i) + 4}" y="{py(v) - 5}" fill="{color}">{_num(v)}</text>')
    # the key, right of the plot
    kx, ky = left + pw + 14, top + 10
    keys = [(COLORS[k % len(COLORS)], label, "line") for k, (label, _) in enumerate(series)]
    if any(v is None for _, ys in series for v in ys):
        keys.append(("#555", ".grad is None", "hollow"))
    if any(not e.ok for e in entries):
        keys.append(("#c62828", "red #: move failed", "text"))
    for j, (color, label, kind) in enumerate(keys):
        y = ky + 16 * j
        if kind == "line":
            out.append(f'<line x1="{kx}" y1="{y - 3}" x2="{kx + 16}" y2="{y - 3}" stroke="{color}" '
                       'stroke-width="2"/>')
        elif kind == "hollow":
            out.append(f'<circle cx="{kx + 8}" cy="{y - 3}" r="3.5" fill="#ffffff" stroke="{color}"/>')
        out.append(f'<text x="{kx + (22 if kind != "text" else 0)}" y="{y}" fill="{color}">'
                   f"{esc(label)}</text>")
    # axis titles
    out.append(f'<text x="{left + pw / 2}" y="{height - 8}" text-anchor="middle" fill="#555">'
               "move # (the table's first column)</text>")
    ytitle = series[0][0] if len(series) == 1 else "value of .grad"
    out.append(f'<text x="14" y="{top + ph / 2}" text-anchor="middle" fill="#555" '
               f'transform="rotate(-90 14 {top + ph / 2})">{esc(ytitle)}</text>')
    out.append("</svg>")
    return "".join(out)
