"""``draw()``: the picture of a graph, ready for Jupyter and for files.

``draw(loss)`` returns a ``Drawing``. In a notebook it shows itself (it has
``_repr_svg_`` and ``_repr_html_``); ``.save("graph.svg")``, ``.save("graph.png")``
(needs matplotlib), ``.save("graph.dot")`` and ``.save("graph.json")`` write files.
The drawing keeps the snapshot it was made from (``.graph``), taken when ``draw``
was called: run backward and draw again to see the freed buffers and the grads.
"""
from __future__ import annotations

import contextlib
import gc
import os
from typing import Any, Iterator, Mapping

from .dot import graph_to_dot
from .frames import decorate
from .model import Graph
from .rolled import Rolled, roll as roll_calls
from .scene import Scene, build_scene
from .snapshot import build, caller_namespace
from .svg import default_prefix, to_svg

__all__ = ["Drawing", "draw", "to_dot", "graph_of", "side_by_side", "SideBySide"]


@contextlib.contextmanager
def _quiet_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while thousands of small records are made
    (it would rescan the whole heap, graph included, many times); resume after."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class Drawing:
    """A drawn graph: SVG in memory, files on request.

    ``graph`` is the snapshot (plain data), ``scene`` the positioned boxes and lines,
    ``svg`` the SVG text. ``id_prefix`` starts every element id of the SVG.
    ``rolled``: the frames and loops of a ``draw(..., roll=calls)`` picture (else None);
    ``graph`` is then the graph drawn (a rolled loop keeps one step's nodes).
    """

    def __init__(self, graph: Graph, *, legend: bool = True, edge_labels: bool | None = None,
                 title: str | None = None, id_prefix: str | None = None,
                 scale: float = 1.0, grad_slots: bool = False, direction: str = "TB",
                 rolled: Rolled | None = None) -> None:
        self.rolled = rolled
        self.graph = graph = rolled.graph if rolled is not None else graph
        self.direction = direction
        with _quiet_gc():
            if rolled is None:
                self.scene: Scene = build_scene(graph, legend=legend, edge_labels=edge_labels,
                                                title=title, grad_slots=grad_slots,
                                                direction=direction)
            else:
                self.scene = decorate(
                    build_scene(graph, legend=False, edge_labels=edge_labels, title=title,
                                grad_slots=grad_slots, direction=direction,
                                layout_edges=tuple(rolled.layout_edges)),
                    rolled, legend=legend, direction=direction)
        self.id_prefix = id_prefix if id_prefix is not None else default_prefix(self.scene)
        self.scale = scale
        self._svg: str | None = None

    @property
    def svg(self) -> str:
        if self._svg is None:
            with _quiet_gc():
                self._svg = to_svg(self.scene, self.id_prefix, scale=self.scale)
        return self._svg

    def _repr_svg_(self) -> str:
        return self.svg

    def _repr_html_(self) -> str:
        # a wide graph scrolls sideways instead of being shrunk unreadably; a tall one
        # simply makes the output tall (an inner vertical scroll box would hide most of
        # it, and its bottom edge, behind a second scroll bar)
        return ('<div class="autograd-graph" style="max-width:100%;overflow-x:auto;'
                f'overflow-y:hidden">{self.svg}</div>')

    def __repr__(self) -> str:
        return f"<Drawing of {self.graph!r}>"

    def to_dot(self) -> str:
        return graph_to_dot(self.graph)

    def figure(self, dpi: float = 100.0, ax: Any = None) -> Any:
        """A matplotlib Figure of the same picture (needs matplotlib)."""
        from .mpl import scene_figure
        return scene_figure(self.scene, dpi=dpi, ax=ax)

    def save(self, path: str | os.PathLike, *, dpi: float = 100.0, scale: float = 2.0) -> str:
        """Write the picture; the file's suffix picks the format.

        ``.svg`` (no dependency), ``.png`` (matplotlib, ``scale`` x the pixel size),
        ``.dot`` (graphviz text), ``.json`` (the snapshot), ``.html`` (the SVG in a page).
        Returns the path written.
        """
        path = os.fspath(path)
        suffix = os.path.splitext(path)[1].lower()
        if suffix == ".png":
            from .mpl import save_png
            save_png(self.scene, path, dpi=dpi, scale=scale)
            return path
        writers = {".svg": lambda: self.svg, ".dot": self.to_dot, ".gv": self.to_dot,
                   ".json": lambda: self.graph.to_json(indent=1),
                   ".html": lambda: ("<!DOCTYPE html>\n<meta charset=\"utf-8\">\n"
                                     f"<title>autograd graph</title>\n{self._repr_html_()}\n")}
        if suffix not in writers:
            raise ValueError(f"cannot save a drawing as '{suffix or path}': use .svg, .png, "
                             ".dot, .json or .html")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(writers[suffix]())
        return path


class SideBySide:
    """Several drawings in one row, to compare them (``side_by_side(d1, d2)``).

    Each keeps its own size; when the row is wider than the window, the pictures
    wrap onto the next line instead of shrinking.
    """

    def __init__(self, drawings: list[Drawing], titles: list[str] | None = None,
                 gap: int = 24) -> None:
        self.drawings = list(drawings)
        self.titles = list(titles) if titles is not None else [None] * len(self.drawings)
        if len(self.titles) != len(self.drawings):
            raise ValueError("side_by_side(): give one title per drawing")
        self.gap = gap

    def _repr_html_(self) -> str:
        cells = []
        for d, t in zip(self.drawings, self.titles):
            head = (f'<div style="font-weight:bold;margin:0 0 4px">{_html_escape(t)}</div>'
                    if t else "")
            cells.append(f'<div style="flex:0 0 auto">{head}{d.svg}</div>')
        return (f'<div class="autograd-side-by-side" style="display:flex;flex-wrap:wrap;'
                f'gap:{self.gap}px;align-items:flex-start;max-width:100%;overflow-x:auto">'
                + "".join(cells) + "</div>")

    def __repr__(self) -> str:
        return f"<{len(self.drawings)} drawings side by side>"


def _html_escape(text: str) -> str:
    import html
    return html.escape(str(text), quote=True)


def side_by_side(*drawings: Any, titles: list[str] | None = None, **draw_kwargs: Any) -> SideBySide:
    """Show several graphs in one row. Each argument is a ``Drawing`` or what ``draw``
    takes (a tensor: it is drawn with ``draw_kwargs``, names from the caller)."""
    if "names" not in draw_kwargs:
        draw_kwargs["names"] = caller_namespace(1)
    out = [d if isinstance(d, Drawing) else draw(d, **draw_kwargs) for d in drawings]
    return SideBySide(out, titles)


def graph_of(roots: tuple, names: Mapping[str, Any] | None, params: Any,
             collapse: Any) -> Graph:
    """A snapshot of ``roots`` (or the Graph passed as the only root), folded if asked."""
    if len(roots) == 1 and isinstance(roots[0], Graph):
        graph = roots[0]
    else:
        if not roots:
            raise TypeError("draw() needs at least one tensor or grad_fn to start from")
        with _quiet_gc():
            graph = build(roots, names, params)
    if collapse:
        graph = graph.collapse(collapse)
    return graph


def draw(*roots: Any, names: Mapping[str, Any] | None = None, params: Any = None,
         collapse: Any = None, legend: bool = True, edge_labels: bool | None = None,
         title: str | None = None, id_prefix: str | None = None,
         scale: float = 1.0, direction: str = "TB", roll: Any = None,
         unroll: bool = False) -> Drawing:
    """Draw the graph autograd recorded behind ``roots`` (tensors or grad_fns).

    ``names``: variable names for tensors (default: the caller's variables, so
    ``draw(loss)`` labels ``x``, ``w``, ``loss``; pass ``{}`` for none).
    ``params``: a module or ``named_parameters()``: names parameters and lets
    ``collapse=True`` (or a list of module paths) fold each module into one box.
    ``edge_labels``: show ``next_functions`` indexes (default: for small graphs).
    ``id_prefix``: starts every SVG element id (default: derived from the picture).
    ``direction``: ``"TB"`` draws backward's arrows top to bottom (the default);
    ``"LR"`` left to right, for deep graphs that would grow very tall.

    ``roll``: the calls recorded by ``viz.record_calls(module)`` around a loop: the
    module's repeated steps are drawn once, framed, "× N", with the recurrent edge back
    into the frame; ``unroll=True`` frames each step instead, with its backward nodes
    and saved buffers; a step whose input was ``detach()``-ed is marked as cut (see
    ``viz.rolled``).

    A snapshot (``snapshot(...)``) can be passed instead of tensors.
    """
    if names is None:
        names = caller_namespace(1)
    if roll is not None and collapse:
        raise ValueError("draw(): roll= and collapse= cannot be combined; choose one")
    if unroll and roll is None:
        raise ValueError("draw(): unroll=True needs roll= (the calls of viz.record_calls)")
    graph = graph_of(roots, names, params, collapse)
    rolled = roll_calls(graph, roll, unroll) if roll is not None else None
    return Drawing(graph, legend=legend, edge_labels=edge_labels, title=title,
                   id_prefix=id_prefix, scale=scale, direction=direction, rolled=rolled)


def to_dot(*roots: Any, names: Mapping[str, Any] | None = None, params: Any = None,
           collapse: Any = None) -> str:
    """Graphviz DOT text for the graph behind ``roots`` (or of a snapshot)."""
    if names is None:
        names = caller_namespace(1)
    return graph_to_dot(graph_of(roots, names, params, collapse))
