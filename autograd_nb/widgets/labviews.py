"""The ipywidgets faces of the grad-mode lab, the accumulation lab and the buffer inspector.

Each view only wires controls to its lab's methods and re-renders the lab's HTML when
the lab reports a change; all logic lives in the labs (tested without a browser).
"""
from __future__ import annotations

from typing import Any

from ..viz.draw import Drawing
from ._common import esc, next_prefix
from .graphview import BUFFER_LEGEND, legend_html, make_graph_view, set_classes, set_svg, view_widget

__all__ = ["GradModeView", "AccumulationView", "InspectorView", "inspector_drawing"]


class GradModeView:
    """Toggles for the blocks, the inputs' requires_grad and train/eval; Try buttons."""

    def __init__(self, lab: Any) -> None:
        import ipywidgets as w
        from .modelab import MODES, OUTER
        self.lab = lab
        self.outer = w.ToggleButtons(options=list(OUTER), value=lab.outer,
                                     description="outer block",
                                     style={"description_width": "90px"},
                                     tooltips=["no outer block", "with torch.no_grad():",
                                               "with torch.inference_mode():"])
        self.mode = w.ToggleButtons(options=list(MODES), value=lab.mode, description="mode",
                                    style={"description_width": "90px"},
                                    tooltips=["no block: autograd records (the default)",
                                              "with torch.no_grad():",
                                              "with torch.enable_grad():",
                                              "with torch.inference_mode():"])
        self.help = w.HTML(
            "<div style='font-size:12px;line-height:1.4;color:#444'><b>mode</b>: the block "
            "your code runs in. <b>outer block</b>: a second block <i>around</i> it, as when "
            "your function is called from code that already switched recording off (for "
            "example <code>enable_grad</code> inside <code>no_grad</code> turns recording "
            "back on). The code below shows both.</div>")
        self.flags = {k: w.Checkbox(value=bool(t.requires_grad),
                                    description=f"{k}.requires_grad", indent=False,
                                    layout=w.Layout(width="auto"))
                      for k, t in lab.inputs.items()}
        self.training = None
        if lab.model is not None:
            self.training = w.ToggleButtons(options=["train", "eval"],
                                            value="train" if lab.model.training else "eval",
                                            description="model")
            self.training.observe(self._on_training, names="value")
        self.run_button = w.Button(description="Run again", icon="refresh")
        self.try_backward = w.Button(description="Try: backward()", button_style="warning")
        self.try_inplace = w.Button(description="Try: out.add_(1), backward()",
                                    button_style="warning", layout=w.Layout(width="auto"))
        self.results = w.HTML()
        self.results.add_class("agnb-results")
        self.tried = w.HTML()
        self._syncing = False
        self.outer.observe(self._on_mode, names="value")
        self.mode.observe(self._on_mode, names="value")
        for k, box in self.flags.items():
            box.observe(lambda c, k=k: self._on_flag(k, c["new"]), names="value")
        self.run_button.on_click(lambda _: lab.run())
        self.try_backward.on_click(lambda _: lab.try_backward())
        self.try_inplace.on_click(lambda _: lab.try_backward(inplace_first=True))
        rows = [self.mode, self.outer, self.help, w.HBox(list(self.flags.values()))]
        if self.training is not None:
            rows.append(self.training)
        rows += [self.run_button, self.results,
                 w.HBox([self.try_backward, self.try_inplace]), self.tried]
        self.widget = w.VBox([w.HTML("<b>Grad-mode lab</b>")] + rows)
        self.widget.add_class("agnb-gradmode")
        lab.on_change(lambda _lab: self.repaint())
        self.repaint()

    def _on_mode(self, change: dict) -> None:
        if not self._syncing:
            self.lab.set_mode(self.mode.value, self.outer.value)

    def _on_training(self, change: dict) -> None:
        if not self._syncing:
            self.lab.set_training(change["new"] == "train")

    def _on_flag(self, name: str, flag: bool) -> None:
        if not self._syncing:
            self.lab.set_requires_grad(name, flag)

    def repaint(self) -> None:
        """Show the lab's state; every control follows it, whoever changed it (a click
        here or a line of code such as ``lab.set_mode("inference_mode")``)."""
        lab = self.lab
        self._syncing = True
        try:
            self.mode.value = lab.mode
            self.outer.value = lab.outer
            for k, box in self.flags.items():
                box.value = bool(lab.inputs[k].requires_grad)
            if self.training is not None:
                self.training.value = "train" if lab.model.training else "eval"
        finally:
            self._syncing = False
        self.results.value = lab.results_html()
        self.tried.value = lab.tries_html()

    def __repr__(self) -> str:
        return repr(self.lab)


class AccumulationView:
    """Buttons for the moves, the timeline plot and table."""

    def __init__(self, lab: Any) -> None:
        import ipywidgets as w
        self.lab = lab
        specs = [("backward()", lambda: lab.backward(False), "primary"),
                 ("backward(retain_graph=True)", lambda: lab.backward(True), "primary"),
                 ("zero_grad()", lab.zero_grad, ""), ("grad = None", lab.set_to_none, ""),
                 ("rebuild graph", lab.rebuild, "info"), ("clear timeline", lab.clear, "")]
        self.buttons = {}
        for label, fn, style in specs:
            b = w.Button(description=label, button_style=style, layout=w.Layout(width="auto"))
            b.on_click(lambda _, fn=fn: fn())
            self.buttons[label] = b
        self.state = w.HTML()
        self.timeline = w.HTML()
        self.timeline.add_class("agnb-timeline")
        self.widget = w.VBox([w.HTML("<b>Accumulation lab</b>"),
                              w.HBox(list(self.buttons.values())), self.state, self.timeline])
        self.widget.add_class("agnb-accumulation")
        lab.on_change(lambda _lab: self.repaint())
        self.repaint()

    def repaint(self) -> None:
        lab = self.lab
        self.state.value = (f"<div>graph built {lab.builds} time(s); its saved buffers are "
                            f"<b>{esc(lab.graph_state())}</b></div>")
        self.timeline.value = lab.timeline_html()

    def __repr__(self) -> str:
        return repr(self.lab)


def inspector_drawing(ins: Any) -> Drawing:
    """The inspector's picture of its latest snapshot (redrawn after each read, with
    the same id prefix, so values and versions on the picture are the current ones)."""
    d = getattr(ins, "_drawing", None)
    if d is None:
        d = ins._drawing = Drawing(ins.graph, id_prefix=next_prefix("agbi"), legend=False)
    elif d.graph is not ins.graph:
        d = ins._drawing = Drawing(ins.graph, id_prefix=d.id_prefix, legend=False)
    return d


class InspectorView:
    """The buffer table, the picture (click a node), in-place ops and gradient checks."""

    def __init__(self, ins: Any, prefer_anywidget: bool = True) -> None:
        import ipywidgets as w
        from .buffers import INPLACE_OPS
        self.ins = ins
        d = inspector_drawing(ins)
        self.graph = make_graph_view(d.svg, d.id_prefix, prefer_anywidget)
        targets = ins.targets()
        self.target = w.Dropdown(options=targets or ["(none)"], description="tensor")
        self.op = w.Dropdown(options=list(INPLACE_OPS), description="in place")
        self.apply_button = w.Button(description="Apply", button_style="danger",
                                     disabled=not targets)
        self.node = w.Dropdown(options=[(ins.labels[f], f) for f in ins.node_ids()],
                               description="node")
        self.check_button = w.Button(description="check gradient", button_style="info")
        self.refresh_button = w.Button(description="Refresh", icon="refresh")
        self.table = w.HTML()
        self.log = w.HTML()
        self.log.add_class("agnb-log")
        self.apply_button.on_click(lambda _: ins.apply_inplace(self.target.value, self.op.value))
        self.check_button.on_click(lambda _: ins.check(self.node.value))
        self.refresh_button.on_click(lambda _: ins.refresh())
        self.node.observe(lambda _c: self.repaint(), names="value")
        if not hasattr(self.graph, "widget"):
            self.graph.observe(self._on_click, names="selected")
        self.widget = w.VBox([
            w.HTML("<b>Buffer inspector</b>"),
            w.HBox([self.target, self.op, self.apply_button, self.refresh_button]),
            w.HBox([self.node, self.check_button]),
            self.table, self.log, w.HTML(legend_html(BUFFER_LEGEND)), view_widget(self.graph)])
        self.widget.add_class("agnb-buffers")
        ins.on_change(lambda _ins: self.repaint())
        self.repaint()

    def _on_click(self, change: dict) -> None:
        fid = change["new"]
        if fid in {v for _, v in self.node.options}:
            self.node.value = fid

    def repaint(self) -> None:
        from ._common import error_html
        ins = self.ins
        set_svg(self.graph, inspector_drawing(ins).svg)
        if self.graph.selected != self.node.value:
            self.graph.selected = self.node.value
        set_classes(self.graph, ins.classes(), len(ins.messages))
        self.table.value = ins.table_html(self.node.value) + ins.process_html()
        log = "".join(f"<pre style='margin:1px 0'>{esc(m)}</pre>" for m in ins.messages[-3:])
        if ins.last_error:
            log += error_html(ins.last_error)
        self.log.value = log + ins.check_html(self.node.value)

    def __repr__(self) -> str:
        return repr(self.ins)

