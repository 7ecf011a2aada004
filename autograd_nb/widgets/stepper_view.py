"""What the backward stepper shows: HTML panels, the ipywidgets dashboard, the static copy.

The panels are plain functions of a ``BackwardStepper`` (tested without a browser);
``StepperWidget`` arranges them with ipywidgets' own controls around a graph view and
repaints after every move: the picture gets only a new dict of highlight classes, the
text panels their new HTML, all in one ``hold_sync`` batch.
"""
from __future__ import annotations

from typing import Any

from ..viz.draw import Drawing
from ._common import BOX, bundle, bytes_text, esc, next_prefix, summary, table, widgets_available
from .graphview import (legend_html, make_graph_view, restyle, set_classes, set_svg,
                        view_widget)
from .stepper import BackwardStepper, StepRecord

__all__ = ["drawing_of", "status_html", "details_html", "node_html", "static_html",
           "StepperWidget", "stepper_bundle", "widget_of"]

KIND_WORDS = {"start": "node starts", "finish": "node finished", "accumulate": "into .grad",
              "free": "buffers freed", "error": "error"}


def drawing_of(stepper: BackwardStepper, direction: str = "TB") -> Drawing:
    """The stepper's picture, laid out once per direction and cached (prefix
    ``agst<k>-``, the same for both: the highlight classes and texts fit either)."""
    d = getattr(stepper, "_drawing", None)
    if d is None:
        d = Drawing(stepper.graph, id_prefix=next_prefix("agst"), legend=False, grad_slots=True)
        stepper._drawing = d
    if direction == d.direction:
        return d
    others = stepper.__dict__.setdefault("_drawings", {})
    if direction not in others:
        others[direction] = Drawing(stepper.graph, id_prefix=d.id_prefix, legend=False,
                                    grad_slots=True, direction=direction)
    return others[direction]


def status_html(s: BackwardStepper) -> str:
    """One line: where we are, and what to do next."""
    total = s.expected_total()
    rec = s.current
    if s.closed:
        state = ("closed: Done was pressed and the graph is freed (as backward() leaves it)."
                 " Re-run the cell to start again")
    elif rec is not None and rec.kind == "error":
        state = "backward failed here"
    elif s.finished and s.position == len(s.events):
        state = ("finished: every .grad is what backward() gives"
                 + ("" if s.retain_graph or not s.keep_graph else
                    "; press Done to free the graph as backward() does"))
    elif s.position == 0:
        state = "ready: press Next to run the first event of backward"
    else:
        state = "paused"
    what = f" — <b>{esc(KIND_WORDS.get(rec.kind, rec.kind))}</b>: {esc(rec.text)}" if rec else ""
    return (f'<div class="agnb-status" style="{BOX}">event <b>{s.position}</b> of '
            f"{esc(total)} · {esc(state)}{what}</div>")


def _formulas(s: BackwardStepper, fid: str) -> str:
    rule = s.rule(fid)
    lines = "".join(f"<div><code>{esc(f)}</code></div>" for f in rule.formulas)
    return f'<div style="margin:2px 0"><i>{esc(rule.words)}</i>{lines}</div>'


def _saved_rows(s: BackwardStepper, fid: str, freed_shown: bool) -> str:
    f = s.graph.node(fid)
    node = s.engine_node(fid)
    if node is None or not getattr(f, "saved", None):
        return ""
    rows = []
    for name, st in node.saved_tensors_info:
        value = "(freed)" if st.freed else summary(st.peek())
        if freed_shown and not st.freed:
            value += " (freed by backward; kept for Reset until Done)"
        rows.append([name, value, bytes_text(st.nbytes)])
    return "<div>saved for backward:</div>" + table(["buffer", "value", "bytes"], rows)


def details_html(s: BackwardStepper) -> str:
    """The current event: gradients in and out, the rule, the ``+=``, the ready queue."""
    rec = s.current
    parts = []
    if rec is None:
        parts.append("<p>Nothing has run yet. The first node to run is the root's grad_fn, "
                     "with the seed gradient (1 for a scalar loss).</p>")
    elif rec.kind == "error":
        from ._common import error_html
        parts.append(error_html(rec.error))
    else:
        parts.append(f"<h4 style='margin:2px 0'>{esc(rec.label)}</h4>")
        parts.append(_formulas(s, rec.node) if rec.node else "")
        parts.append(_current_parts(s, rec))
    parts.append(_queue_html(rec))
    if rec is not None:
        grads = [[k, v] for k, v in rec.leaf_grads.items()]
        parts.append("<div>leaves' .grad now:</div>" + table(["leaf", ".grad"], grads))
    parts.append(f"<div>saved buffers of this graph: {bytes_text(s.live_bytes())} "
                 "(as backward() would have them)</div>")
    return f'<div class="agnb-details" style="{BOX}">' + "".join(parts) + "</div>"


def _current_parts(s: BackwardStepper, rec: StepRecord) -> str:
    hist = s.node_history(rec.node) if rec.node else []
    start = next((r for r in hist if r.kind == "start"), None)
    out = []
    if start is not None:
        grads = ", ".join(summary(g) for g in start.incoming)
        out.append(f"<div>incoming grad: <code>{esc(grads)}</code></div>")
    freed = any(r.kind == "free" and r.deferred for r in hist)
    out.append(_saved_rows(s, rec.node, freed))
    if rec.kind == "finish":
        rows = [[f"[{e.index}] grad_{e.input_name}", e.dst_label, e.input_nr, e.text]
                for e in rec.outgoing]
        if rows:
            out.append("<div>sent along next_functions:</div>"
                       + table(["edge", "to node", "input_nr", "gradient"], rows))
        else:
            out.append("<div>no next_functions: this is the end of a path</div>")
    elif rec.kind == "accumulate":
        out.append(f"<div style='font-size:14px'><code>{esc(rec.leaf_label)}.grad</code> = "
                   f"<code>{esc(summary(rec.grad_before))}</code> + "
                   f"<code>{esc(summary(rec.added))}</code> = "
                   f"<b><code>{esc(summary(rec.grad_after))}</code></b></div>")
    elif rec.kind == "free":
        what = ", ".join(f"{n} ({bytes_text(b)})" for n, b in rec.freed) or "(no tensor)"
        note = (" backward() frees them here; the stepper keeps them until Done so Reset works"
                if rec.deferred else "")
        out.append(f"<div>freed: {esc(what)}.{esc(note)}</div>")
    return "".join(out)


def _queue_html(rec: StepRecord | None) -> str:
    if rec is None:
        return ""
    ready = ", ".join(label for _, label in rec.ready) or "(empty)"
    waiting = [[label, f"waits for {k} more gradient" + ("s" if k > 1 else "")]
               for _, label, k in rec.waiting]
    out = f"<div>ready queue (runs next first): <b>{esc(ready)}</b></div>"
    if waiting:
        out += table(["waiting node", "outstanding dependencies"], waiting)
    return out


def node_html(s: BackwardStepper, fid: str) -> str:
    """The selected node: its rule, buffers and what it received and sent so far."""
    if not fid:
        return "<div><i>Click a node in the picture (or pick one) to see it here.</i></div>"
    f = s.graph.node(fid)
    if f.kind not in ("grad_fn", "accumulate_grad"):
        return f"<div><b>{esc(getattr(f, 'label', fid))}</b>: a tensor (not a backward node)</div>"
    out = [f"<h4 style='margin:2px 0'>selected: {esc(s.label(fid))}</h4>", _formulas(s, fid)]
    out.append(_saved_rows(s, fid, False))
    hist = s.node_history(fid)
    if not hist:
        out.append("<div>not run yet at this event</div>")
    for r in hist:
        if r.kind == "start":
            out.append(f"<div>received: <code>{esc(', '.join(summary(g) for g in r.incoming))}</code></div>")
        elif r.kind == "finish":
            for e in r.outgoing:
                if e.dst is None:
                    out.append(f"<div>[{e.index}] {esc(e.input_name)} needs no gradient (no edge)</div>")
                    continue
                out.append(f"<div>sent [{e.index}] grad_{esc(e.input_name)} = <code>{esc(e.text)}</code> "
                           f"to {esc(e.dst_label)}</div>")
        elif r.kind == "accumulate":
            out.append(f"<div>{esc(r.text)}</div>")
    return f"<div class='agnb-node' style='{BOX}'>" + "".join(out) + "</div>"


def static_html(s: BackwardStepper) -> str:
    """The stepper at its current event, as HTML with the SVG restyled (for saved notebooks)."""
    d = drawing_of(s)
    rec = s.current
    svg = restyle(d.svg, d.id_prefix, rec.classes if rec else {}, s.picture_texts())
    return ('<div class="agnb-stepper-static">'
            f"<div><b>Backward stepper over {esc(s.title)}</b></div>{legend_html()}{status_html(s)}"
            f'<div style="display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start">'
            f'<div style="max-width:100%;overflow:auto">{svg}</div>{details_html(s)}</div></div>')


class StepperWidget:
    """The ipywidgets dashboard of a ``BackwardStepper`` (``.widget`` is the VBox)."""

    def __init__(self, stepper: BackwardStepper, prefer_anywidget: bool = True) -> None:
        import ipywidgets as w
        self.stepper = stepper
        d = drawing_of(stepper)
        self.graph = make_graph_view(d.svg, d.id_prefix, prefer_anywidget)
        lay = w.Layout(width="auto")
        self.reset_button = w.Button(description="Reset", icon="undo", layout=lay,
                                     tooltip="restore the leaves' .grad and start again")
        self.back_button = w.Button(description="Back", icon="step-backward", layout=lay)
        self.next_button = w.Button(description="Next", icon="step-forward", layout=lay,
                                    button_style="primary")
        self.end_button = w.Button(description="Run to end", icon="fast-forward", layout=lay)
        self.done_button = w.Button(description="Done", icon="check", layout=lay,
                                    tooltip="free the graph as backward() does and close")
        self.slider = w.IntSlider(value=0, min=0, max=0, description="event",
                                  continuous_update=True, layout=w.Layout(width="320px"))
        self.status = w.HTML()
        self.details = w.HTML()
        self.direction = w.ToggleButtons(options=[("top to bottom", "TB"), ("left to right", "LR")],
                                         value="TB", description="layout",
                                         tooltips=["backward's arrows point down",
                                                   "backward's arrows point right: a deep "
                                                   "graph grows wide instead of tall"],
                                         style={"button_width": "110px"})
        self.direction.observe(self._on_direction, names="value")
        options = [("(none)", "")] + [(stepper.label(f.id), f.id) for f in stepper.graph.functions]
        self.node_picker = w.Dropdown(options=options, value="", description="node")
        self.node_panel = w.HTML()
        self._syncing = False
        self.reset_button.on_click(lambda _: self._act(stepper.reset))
        self.back_button.on_click(lambda _: self._act(stepper.back))
        self.next_button.on_click(lambda _: self._act(stepper.next))
        self.end_button.on_click(lambda _: self._act(stepper.run_to_end))
        self.done_button.on_click(lambda _: self._act(stepper.close))
        self.slider.observe(self._on_slider, names="value")
        self.node_picker.observe(self._on_pick, names="value")
        if not hasattr(self.graph, "widget"):
            self.graph.observe(self._on_click, names="selected")
        bar = w.HBox([self.reset_button, self.back_button, self.next_button, self.end_button,
                      self.slider, self.done_button])
        # the picture takes the room there is; the details keep at least 340 px and move
        # under the picture when the window is too narrow for both side by side
        right = w.VBox([self.details, self.node_picker, self.node_panel],
                       layout=w.Layout(flex="0 1 400px", min_width="340px", max_width="680px"))
        right.add_class("agnb-stepper-side")
        picture = w.VBox([self.direction, view_widget(self.graph)],
                         layout=w.Layout(flex="1 1 360px", min_width="0", max_width="100%"))
        self.widget = w.VBox([w.HTML(f"<b>Backward stepper over {esc(stepper.title)}</b>"
                                     + legend_html()),
                              bar, self.status,
                              w.HBox([picture, right],
                                     layout=w.Layout(flex_flow="row wrap", align_items="flex-start",
                                                     width="100%"))])
        self.widget.add_class("agnb-stepper")
        self.error: str | None = None
        stepper.on_change(lambda _s: self.repaint())   # also moves made from code
        self.repaint()

    def _act(self, fn: Any) -> None:
        self.error = None
        try:
            fn()
        except RuntimeError as exc:               # e.g. Reset after Done: say so, keep going
            self.error = str(exc)
            self.repaint()

    def _on_direction(self, change: dict) -> None:
        """Top to bottom or left to right: the other layout of the same picture."""
        set_svg(self.graph, drawing_of(self.stepper, change["new"]).svg)

    def _on_slider(self, change: dict) -> None:
        if not self._syncing:
            self.stepper.goto(change["new"])

    def _on_pick(self, change: dict) -> None:
        if self._syncing:
            return
        self._select(change["new"] or "")

    def _on_click(self, change: dict) -> None:
        if self._syncing:
            return
        self._select(change["new"] or "")

    def _select(self, fid: str) -> None:
        valid = {v for _, v in self.node_picker.options}
        if fid not in valid:                     # a tensor box: not a node, keep the selection
            fid = self.node_picker.value
        self._syncing = True
        try:
            self.node_picker.value = fid
            self.graph.selected = fid
            if hasattr(self.graph, "widget"):
                self.graph.update(self.graph.classes, self.graph.step)
        finally:
            self._syncing = False
        self.node_panel.value = node_html(self.stepper, fid)

    @property
    def selected(self) -> str:
        return self.node_picker.value

    def repaint(self) -> None:
        """Show the stepper's current event (one batch of small updates)."""
        s = self.stepper
        rec = s.current
        self._syncing = True
        try:
            with self.slider.hold_sync(), self.details.hold_sync(), self.status.hold_sync():
                # max changes only when the end shows the estimate was high: a slider
                # whose max moves echoes its old value back from the browser
                total = s.expected_total()
                if self.slider.max != total:
                    self.slider.max = total
                self.slider.value = s.position
                set_classes(self.graph, rec.classes if rec else {}, s.position, s.picture_texts())
                status = status_html(s)
                if self.error:
                    status += f'<div style="color:#b71c1c">{esc(self.error)}</div>'
                self.status.value = status
                self.details.value = details_html(s)
                self.node_panel.value = node_html(s, self.node_picker.value)
        finally:
            self._syncing = False
        closed = s.closed
        # at the end (or closed, where nothing new can run) only recorded events remain
        at_end = (s.finished or closed) and s.position == len(s.events)
        self.next_button.disabled = at_end
        self.end_button.disabled = at_end
        self.back_button.disabled = s.position == 0
        self.reset_button.disabled = closed
        self.done_button.disabled = closed

    def __repr__(self) -> str:
        return repr(self.stepper)


def widget_of(stepper: BackwardStepper) -> StepperWidget | None:
    """The stepper's dashboard, made on first use (None without ipywidgets)."""
    if not widgets_available():
        return None
    view = getattr(stepper, "_view", None)
    if view is None:
        view = stepper._view = StepperWidget(stepper)
    return view


def stepper_bundle(stepper: BackwardStepper) -> dict:
    """What a notebook displays: the live dashboard, plus static HTML and text."""
    view = widget_of(stepper)
    return bundle(view.widget if view is not None else None, static_html(stepper), repr(stepper))
