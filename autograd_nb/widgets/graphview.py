"""The graph picture in a dashboard: SVG sent once, then only CSS classes per step.

``viz`` draws the graph (``Drawing``: layout + SVG, computed once). Every element of
that SVG has an id ``<prefix>node-f3``, ``<prefix>edge-5``, ``<prefix>saved-f3.other``.
A step of the stepper changes only a small dict ``{"node-f3": "ag-current", ...}``:

* ``GraphView`` (an anywidget: the ES module ``graphview.js``, no build step) puts the
  classes on the elements in the browser and writes the ``texts`` (gradients) into
  theirs, offers zoom / fit width, keeps the current node in sight, and a click on a
  backward node sets its ``selected`` trait, so Python can show it in the other panels;
* without anywidget, ``HtmlGraphView`` does the same with two ``ipywidgets.HTML``: the
  SVG once, and a small ``<style>`` block (scoped to the prefix) swapped per step
  (no click-to-select there: pick the node from the list instead);
* ``restyle(svg, prefix, classes)`` bakes the classes into the SVG's attributes, for
  the static copy a saved notebook shows on GitHub (which strips ``<style>``).
"""
from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any, Mapping

__all__ = ["CLASS_STYLES", "STEPPER_LEGEND", "BUFFER_LEGEND", "legend_html", "restyle",
           "css_rules", "make_graph_view", "set_classes", "set_svg", "GraphView", "HtmlGraphView"]

# class -> (what it styles, attributes). "main": the node's box (its first rect),
# "path": an edge's line and arrow, "rect": the element itself (a saved-buffer row).
# Every state has its own colour (and the node states their own line pattern too), so
# no two entries of a legend can be mistaken for each other.
CLASS_STYLES: dict[str, tuple[str, dict[str, str]]] = {
    "ag-current": ("main", {"stroke": "#d62728", "stroke-width": "4.5"}),
    "ag-ready": ("main", {"stroke": "#1f77b4", "stroke-width": "3", "stroke-dasharray": "7,3"}),
    "ag-waiting": ("main", {"stroke": "#9467bd", "stroke-width": "2.5", "stroke-dasharray": "2,2"}),
    "ag-done": ("main", {"stroke": "#2ca02c", "stroke-width": "2.5"}),
    "ag-updated": ("main", {"stroke": "#e6a100", "stroke-width": "4.5"}),
    "ag-selected": ("main", {"filter": "drop-shadow(0 0 6px #17becf)"}),
    "ag-flow": ("path", {"stroke": "#c2185b", "stroke-width": "3"}),
    "ag-freed": ("rect", {"fill": "#eeeeee", "stroke": "#9e9e9e", "stroke-dasharray": "3,2"}),
    "ag-stale": ("rect", {"fill": "#fde4e4", "stroke": "#c62828", "stroke-width": "1.6"}),
}

# The keys the dashboards show (a legend above every picture they draw).
STEPPER_LEGEND = (("ag-current", "current node"), ("ag-ready", "ready: may run next"),
                  ("ag-waiting", "waiting for more gradients"), ("ag-done", "done"),
                  ("ag-updated", "leaf whose .grad just changed"),
                  ("ag-flow", "gradient just sent (value on the edge)"),
                  ("ag-selected", "selected (click a grad_fn)"))
BUFFER_LEGEND = (("ag-live", "saved buffer, live"),
                 ("ag-stale", "stale: changed in place, backward would fail"),
                 ("ag-freed", "freed by a backward without retain_graph"),
                 ("ag-selected", "selected node"))
LEGEND = STEPPER_LEGEND                         # the stepper's, as before

_LIVE_ROW = {"fill": "#fff8d6", "stroke": "#b8960c"}      # viz's own colours for a live row


def _swatch(cls: str) -> str:
    """A small sample of how ``cls`` looks, for a legend."""
    if cls == "ag-live":
        return (f'<span style="display:inline-block;width:22px;height:10px;'
                f'background:{_LIVE_ROW["fill"]};border:1px solid {_LIVE_ROW["stroke"]};'
                'vertical-align:middle"></span>')
    what, attrs = CLASS_STYLES[cls]
    if cls == "ag-selected":
        return ('<span style="display:inline-block;width:22px;height:10px;border:1px solid #555;'
                'box-shadow:0 0 6px #17becf;vertical-align:middle"></span>')
    if what == "path":
        return (f'<span style="display:inline-block;width:22px;height:0;'
                f'border-top:{attrs["stroke-width"]}px solid {attrs["stroke"]};'
                'vertical-align:middle"></span>')
    dash = attrs.get("stroke-dasharray")
    style = "dashed" if dash and dash.split(",")[0] not in ("2", "3") else ("dotted" if dash else "solid")
    if what == "rect":
        return (f'<span style="display:inline-block;width:22px;height:10px;background:{attrs["fill"]};'
                f'border:1.5px {style} {attrs["stroke"]};vertical-align:middle"></span>')
    width = min(float(attrs.get("stroke-width", "2")), 3.5)
    return (f'<span style="display:inline-block;width:22px;height:10px;'
            f'border:{width:g}px {style} {attrs["stroke"]};vertical-align:middle"></span>')


def legend_html(entries: tuple[tuple[str, str], ...] = STEPPER_LEGEND) -> str:
    """A one-line key to the highlight colours (each with a sample of its look)."""
    items = [f'<span style="margin-right:12px;white-space:nowrap">{_swatch(cls)} {text}</span>'
             for cls, text in entries]
    return f'<div class="agnb-legend" style="font-size:11.5px;margin:2px 0">{"".join(items)}</div>'


def css_rules(scope: str) -> str:
    """The CSS for the highlight classes, under the selector ``scope``."""
    out = []
    for cls, (what, attrs) in CLASS_STYLES.items():
        decl = ";".join(f"{k}:{v}" for k, v in attrs.items())
        if what == "main":
            out.append(f"{scope} g.{cls} > rect:first-of-type{{{decl}}}")
        elif what == "path":
            out.append(f"{scope} g.{cls} > path{{{decl}}}")
            out.append(f"{scope} g.{cls} > polygon{{fill:{attrs['stroke']}}}")
        else:
            out.append(f"{scope} rect.{cls}{{{decl}}}")
    # only backward nodes can be selected: only they look clickable
    out.append(f"{scope} g.node.grad_fn, {scope} g.node.accumulate_grad{{cursor:pointer}}")
    out.append(f"{scope} .agnb-zoom button{{font-size:11px;padding:0 6px;margin-right:3px;"
               "cursor:pointer}")
    return "\n".join(out)


_ATTR = re.compile(r'\s(stroke|stroke-width|stroke-dasharray|fill)="[^"]*"')


def _set_attrs(tag: str, attrs: Mapping[str, str]) -> str:
    """``tag`` (one SVG start tag) with ``attrs`` replacing or adding attributes."""
    tag = _ATTR.sub(lambda m: "" if m.group(1) in attrs else m.group(0), tag)
    extra = "".join(f' {k}="{v}"' for k, v in attrs.items())
    end = "/>" if tag.endswith("/>") else ">"
    return tag[: -len(end)] + extra + end


def restyle(svg: str, prefix: str, classes: Mapping[str, str],
            texts: Mapping[str, str] | None = None) -> str:
    """The SVG with the look of ``classes`` written into its attributes (static copy),
    and the ``<text>`` elements named in ``texts`` given those texts."""
    edits: list[tuple[int, int, str]] = []
    for key, text in (texts or {}).items():
        at = svg.find(f'id="{prefix}{key}"')
        if at < 0:
            continue
        s = svg.find(">", at) + 1
        e = svg.find("</text>", s)
        if e >= 0:
            edits.append((s, e, html.escape(text, quote=False)))
    for key, names in classes.items():
        marker = f'id="{prefix}{key}"'
        at = svg.find(marker)
        if at < 0:
            continue
        start = svg.rfind("<", 0, at)
        for cls in names.split():
            what, attrs = CLASS_STYLES.get(cls, (None, {}))
            if what is None:
                continue
            if what == "rect":
                s = start
            else:
                s = svg.find("<rect " if what == "main" else "<path ", at)
                close = svg.find("</g>", at)
                if s < 0 or (close >= 0 and s > close):
                    continue
            e = svg.find(">", s) + 1
            edits.append((s, e, _set_attrs(svg[s:e], attrs)))
            if what == "path":                       # the arrow head follows its line
                p = svg.find("<polygon ", e)
                close = svg.find("</g>", e)
                if 0 <= p < close:
                    pe = svg.find(">", p) + 1
                    edits.append((p, pe, _set_attrs(svg[p:pe], {"fill": attrs["stroke"]})))
    out, last = [], 0
    for s, e, text in sorted(edits):
        if s < last:                                 # two classes on one element: first wins
            continue
        out.append(svg[last:s])
        out.append(text)
        last = e
    out.append(svg[last:])
    return "".join(out)


# ---------------------------------------------------------------------- the browser side
# the ES module lives beside this file (graphview.js), read once
ESM = (Path(__file__).with_name("graphview.js")).read_text(encoding="utf-8")


def _anywidget_class() -> Any:
    import anywidget
    import traitlets

    class GraphView(anywidget.AnyWidget):
        """The graph as SVG; ``classes`` restyles elements, clicks set ``selected``."""

        _esm = ESM
        _css = css_rules(".agnb-graphview")
        svg = traitlets.Unicode("").tag(sync=True)
        prefix = traitlets.Unicode("").tag(sync=True)
        classes = traitlets.Dict({}).tag(sync=True)
        texts = traitlets.Dict({}).tag(sync=True)
        max_height = traitlets.Int(860).tag(sync=True)
        selected = traitlets.Unicode("").tag(sync=True)
        step = traitlets.Int(0).tag(sync=True)

        def __repr__(self) -> str:               # deterministic (nbval): no address
            return f"GraphView(prefix={self.prefix!r})"

    return GraphView


class HtmlGraphView:
    """The same view from two plain ``ipywidgets.HTML`` (no clicks): SVG + a style swap."""

    def __init__(self, svg: str = "", prefix: str = "", max_height: int = 860) -> None:
        import ipywidgets as w
        self.prefix = prefix
        self.max_height = max_height
        self._style = w.HTML("")
        self._svg = w.HTML("")
        self.widget = w.VBox([self._style, self._svg])
        self.classes: dict[str, str] = {}
        self.texts: dict[str, str] = {}
        self.selected = ""
        self.step = 0
        self.svg = svg
        self._show()

    def _show(self) -> None:
        """Send the SVG (with the texts written in: a style sheet cannot change text)."""
        self._svg.value = (f'<div style="max-width:100%;max-height:{self.max_height}px;'
                           f'overflow:auto">{restyle(self.svg, self.prefix, {}, self.texts)}</div>')

    def set_svg(self, svg: str) -> None:
        self.svg = svg
        self._show()

    def update(self, classes: Mapping[str, str], step: int,
               texts: Mapping[str, str] | None = None) -> None:
        self.classes = dict(classes)
        self.step = step
        if texts is not None and dict(texts) != self.texts:
            self.texts = dict(texts)
            self._show()
        rules = []
        shown = dict(classes)
        if self.selected:
            shown[f"node-{self.selected}"] = (shown.get(f"node-{self.selected}", "")
                                              + " ag-selected").strip()
        for key, names in shown.items():
            for cls in names.split():
                what, attrs = CLASS_STYLES.get(cls, (None, {}))
                if what is None:
                    continue
                decl = ";".join(f"{k}:{v}" for k, v in attrs.items())
                sel = f'[id="{self.prefix}{key}"]'
                sub = {"main": " > rect:first-of-type", "path": " > path", "rect": ""}[what]
                rules.append(f"{sel}{sub}{{{decl}}}")
        self._style.value = "<style>" + "\n".join(rules) + "</style>"

    def __repr__(self) -> str:
        return f"HtmlGraphView(prefix={self.prefix!r})"


_GRAPHVIEW: list[Any] = []


def GraphView(**kwargs: Any) -> Any:  # noqa: N802  (a class, built on first use)
    """The anywidget graph view (ImportError when anywidget is missing)."""
    if not _GRAPHVIEW:
        _GRAPHVIEW.append(_anywidget_class())
    return _GRAPHVIEW[0](**kwargs)


def make_graph_view(svg: str, prefix: str, prefer_anywidget: bool = True,
                    max_height: int = 860) -> Any:
    """A graph view: ``GraphView`` when anywidget is installed, else ``HtmlGraphView``.

    Both have ``classes``, ``texts``, ``selected`` and ``step``; update them with
    ``set_classes``. ``max_height``: the picture scrolls inside a box this tall (the
    anywidget view keeps the current node in sight and offers zoom / fit width).
    """
    if prefer_anywidget:
        try:
            return GraphView(svg=svg, prefix=prefix, max_height=max_height)
        except ImportError:
            pass
    return HtmlGraphView(svg, prefix, max_height)


def set_classes(view: Any, classes: Mapping[str, str], step: int,
                texts: Mapping[str, str] | None = None) -> None:
    """Send one step's highlight (and the texts written on the picture) to a view."""
    if isinstance(view, HtmlGraphView):
        view.update(classes, step, texts)
    else:
        with view.hold_sync():
            view.classes = dict(classes)
            if texts is not None:
                view.texts = dict(texts)
            view.step = step


def set_svg(view: Any, svg: str) -> None:
    """Give a view a new picture (the same ids: highlights carry over)."""
    if isinstance(view, HtmlGraphView):
        view.set_svg(svg)
    elif view.svg != svg:
        view.svg = svg


def view_widget(view: Any) -> Any:
    """The ipywidget to place in a layout."""
    return view.widget if isinstance(view, HtmlGraphView) else view
