"""The graph picture in a dashboard: SVG sent once, then only CSS classes per step.

``viz`` draws the graph (``Drawing``: layout + SVG, computed once). Every element of
that SVG has an id ``<prefix>node-f3``, ``<prefix>edge-5``, ``<prefix>saved-f3.other``.
A step of the stepper changes only a small dict ``{"node-f3": "ag-current", ...}``:

* ``GraphView`` (an anywidget: a ~50-line ES module, no build step) puts the classes on
  the elements in the browser, and a click on a node sets its ``selected`` trait, so
  Python can show that node in the other panels;
* without anywidget, ``HtmlGraphView`` does the same with two ``ipywidgets.HTML``: the
  SVG once, and a small ``<style>`` block (scoped to the prefix) swapped per step
  (no click-to-select there: pick the node from the list instead);
* ``restyle(svg, prefix, classes)`` bakes the classes into the SVG's attributes, for
  the static copy a saved notebook shows on GitHub (which strips ``<style>``).
"""
from __future__ import annotations

import re
from typing import Any, Mapping

__all__ = ["CLASS_STYLES", "restyle", "css_rules", "make_graph_view", "GraphView",
           "HtmlGraphView"]

# class -> (what it styles, attributes). "main": the node's box (its first rect),
# "path": an edge's line and arrow, "rect": the element itself (a saved-buffer row).
CLASS_STYLES: dict[str, tuple[str, dict[str, str]]] = {
    "ag-current": ("main", {"stroke": "#d62728", "stroke-width": "4"}),
    "ag-ready": ("main", {"stroke": "#ff7f0e", "stroke-width": "3", "stroke-dasharray": "6,3"}),
    "ag-waiting": ("main", {"stroke": "#9467bd", "stroke-width": "2.5", "stroke-dasharray": "2,2"}),
    "ag-done": ("main", {"stroke": "#2ca02c", "stroke-width": "2.5"}),
    "ag-updated": ("main", {"stroke": "#e66a00", "stroke-width": "4"}),
    "ag-selected": ("main", {"filter": "drop-shadow(0 0 5px #1f77b4)"}),
    "ag-flow": ("path", {"stroke": "#d62728", "stroke-width": "2.6"}),
    "ag-freed": ("rect", {"fill": "#eeeeee", "stroke": "#b0b0b0", "stroke-dasharray": "3,2"}),
    "ag-stale": ("rect", {"fill": "#fde4e4", "stroke": "#c62828", "stroke-width": "1.6"}),
}

LEGEND = (("ag-current", "current node"), ("ag-ready", "ready: may run next"),
          ("ag-waiting", "waiting for more gradients"), ("ag-done", "done"),
          ("ag-updated", "leaf whose .grad just changed"), ("ag-flow", "gradient sent"),
          ("ag-selected", "selected (click a node)"))


def legend_html() -> str:
    """A one-line key to the highlight colours."""
    items = []
    for cls, text in LEGEND:
        attrs = CLASS_STYLES[cls][1]
        look = (f"border:2px solid {attrs['stroke']}" if "stroke" in attrs
                else "box-shadow:0 0 5px #1f77b4")
        items.append(f'<span style="{look};padding:0 4px;margin-right:6px;'
                     f'border-radius:3px">{text}</span>')
    return f'<div style="font-size:11px;margin:2px 0">{"".join(items)}</div>'


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
    out.append(f"{scope} g.node{{cursor:pointer}}")
    return "\n".join(out)


_ATTR = re.compile(r'\s(stroke|stroke-width|stroke-dasharray|fill)="[^"]*"')


def _set_attrs(tag: str, attrs: Mapping[str, str]) -> str:
    """``tag`` (one SVG start tag) with ``attrs`` replacing or adding attributes."""
    tag = _ATTR.sub(lambda m: "" if m.group(1) in attrs else m.group(0), tag)
    extra = "".join(f' {k}="{v}"' for k, v in attrs.items())
    end = "/>" if tag.endswith("/>") else ">"
    return tag[: -len(end)] + extra + end


def restyle(svg: str, prefix: str, classes: Mapping[str, str]) -> str:
    """The SVG with the look of ``classes`` written into its attributes (static copy)."""
    edits: list[tuple[int, int, str]] = []
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
ESM = """
function render({ model, el }) {
  el.classList.add("agnb-graphview");
  const box = document.createElement("div");
  box.className = "agnb-graph-scroll";
  box.style.cssText = "max-width:100%;max-height:860px;overflow:auto";
  el.appendChild(box);
  let index = new Map();
  let applied = [];
  function draw() {
    box.innerHTML = model.get("svg");
    index = new Map();
    const prefix = model.get("prefix");
    for (const node of box.querySelectorAll("[id]")) {
      if (node.id.startsWith(prefix)) index.set(node.id.slice(prefix.length), node);
    }
    applied = [];
    paint();
  }
  function paint() {
    for (const [node, names] of applied) node.classList.remove(...names);
    applied = [];
    const classes = Object.assign({}, model.get("classes"));
    const sel = model.get("selected");
    if (sel) classes["node-" + sel] = ((classes["node-" + sel] || "") + " ag-selected").trim();
    for (const key in classes) {
      const node = index.get(key);
      if (!node) continue;
      const names = classes[key].split(" ").filter(Boolean);
      node.classList.add(...names);
      applied.push([node, names]);
    }
    el.dataset.step = String(model.get("step"));
  }
  function onClick(event) {
    const g = event.target.closest("g.node");
    if (!g) return;
    const prefix = model.get("prefix");
    const key = g.id.slice(prefix.length);
    if (!key.startsWith("node-")) return;
    model.set("selected", key.slice(5));
    model.save_changes();
  }
  box.addEventListener("click", onClick);
  model.on("change:svg", draw);
  model.on("change:classes", paint);
  model.on("change:selected", paint);
  draw();
  return () => box.removeEventListener("click", onClick);
}
export default { render };
"""


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
        selected = traitlets.Unicode("").tag(sync=True)
        step = traitlets.Int(0).tag(sync=True)

        def __repr__(self) -> str:               # deterministic (nbval): no address
            return f"GraphView(prefix={self.prefix!r})"

    return GraphView


class HtmlGraphView:
    """The same view from two plain ``ipywidgets.HTML`` (no clicks): SVG + a style swap."""

    def __init__(self, svg: str = "", prefix: str = "") -> None:
        import ipywidgets as w
        self.prefix = prefix
        self._style = w.HTML("")
        self._svg = w.HTML(f'<div style="max-width:100%;max-height:860px;overflow:auto">{svg}</div>')
        self.widget = w.VBox([self._style, self._svg])
        self.classes: dict[str, str] = {}
        self.selected = ""
        self.step = 0

    def update(self, classes: Mapping[str, str], step: int) -> None:
        self.classes = dict(classes)
        self.step = step
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


def make_graph_view(svg: str, prefix: str, prefer_anywidget: bool = True) -> Any:
    """A graph view: ``GraphView`` when anywidget is installed, else ``HtmlGraphView``.

    Both have ``classes``, ``selected`` and ``step``; update them with ``set_classes``.
    """
    if prefer_anywidget:
        try:
            return GraphView(svg=svg, prefix=prefix)
        except ImportError:
            pass
    return HtmlGraphView(svg, prefix)


def set_classes(view: Any, classes: Mapping[str, str], step: int) -> None:
    """Send one step's highlight to either kind of view."""
    if isinstance(view, HtmlGraphView):
        view.update(classes, step)
    else:
        with view.hold_sync():
            view.classes = dict(classes)
            view.step = step


def view_widget(view: Any) -> Any:
    """The ipywidget to place in a layout."""
    return view.widget if isinstance(view, HtmlGraphView) else view
