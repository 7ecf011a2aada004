"""The dashboards' ipywidgets faces, driven headless (button.click(), trait changes), their
static HTML copies (deterministic, restyled SVG), mimebundles and %%autograd --step."""
from __future__ import annotations

import re

import pytest

pytest.importorskip("ipywidgets")

import autograd_nb as anb  # noqa: E402
from autograd_nb.widgets import AccumulationLab, BufferInspector, GradModeLab, step  # noqa: E402
from autograd_nb.widgets.graphview import (CLASS_STYLES, HtmlGraphView, css_rules,  # noqa: E402
                                           restyle)
from autograd_nb.widgets.stepper_view import StepperWidget, static_html  # noqa: E402

WIDGET = "application/vnd.jupyter.widget-view+json"


def seed002():
    x = anb.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    return {"x": x, "y": y, "z": z, "out": out}


def test_stepper_widget_next_until_the_end():
    ns = seed002()
    s = step(ns["out"], names=ns)
    w = StepperWidget(s)
    assert w.back_button.disabled and not w.next_button.disabled
    assert w.slider.max == 13                                     # known before running
    clicks = 0
    while not w.next_button.disabled:
        w.next_button.click()
        clicks += 1
    assert clicks == len(s.events) == w.slider.max == w.slider.value
    last = s.events[-1]
    assert (last.kind, last.label) == ("finish", "AccumulateGrad (x)")
    current = [k for k, v in w.graph.classes.items() if v == "ag-current"]
    assert current == [f"node-{last.node}"]
    assert "every .grad is what backward() gives" in w.status.value
    assert "[[4.5, 4.5], [4.5, 4.5]]" in w.details.value          # x.grad in the leaves table
    w.slider.value = 2                                            # the slider replays
    assert s.position == 2 and s.current.kind == "finish"
    assert "sent along next_functions" in w.details.value and "0.25" in w.details.value
    w.back_button.click()
    assert s.position == 1 and w.slider.value == 1
    w.done_button.click()
    assert s.closed and w.done_button.disabled and w.reset_button.disabled


def test_clicking_a_node_selects_it_in_the_other_panels():
    ns = seed002()
    s = step(ns["out"], names=ns)
    w = StepperWidget(s)
    mul = next(f.id for f in s.graph.functions if s.label(f.id) == "MulBackward0 (z)")
    w.graph.selected = mul                                        # what a click in the SVG does
    assert w.node_picker.value == mul and "selected: MulBackward0 (z)" in w.node_panel.value
    assert "not run yet" in w.node_panel.value
    w.end_button.click()
    assert "grad_self = grad * other" in w.node_panel.value
    assert "sent [0] grad_self = <code>[[0.75, 0.75], [0.75, 0.75]]</code>" in w.node_panel.value
    w.node_picker.value = ""
    assert w.graph.selected == ""
    s.close()


def test_reset_button_and_errors_shown_in_the_status():
    x = anb.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    s = step(loss, names={"x": x, "loss": loss})
    w = StepperWidget(s)
    w.end_button.click()
    assert x.grad.tolist() == [2.0, 4.0]
    w.reset_button.click()
    assert x.grad is None and s.position == 0 and w.slider.value == 0
    w.slider.value = w.slider.max                                 # dragging runs the engine
    assert s.finished and x.grad.tolist() == [2.0, 4.0]
    w.done_button.click()
    w._act(s.reset)                                               # what a (disabled) click would do
    assert "this stepper is closed" in w.status.value


def test_html_fallback_view_swaps_a_scoped_style():
    ns = seed002()
    s = step(ns["out"], names=ns)
    w = StepperWidget(s, prefer_anywidget=False)
    assert isinstance(w.graph, HtmlGraphView)
    w.next_button.click()
    style = w.graph._style.value
    prefix = w.graph.prefix
    assert f'[id="{prefix}node-{s.current.node}"] > rect:first-of-type{{stroke:#d62728' in style
    w.node_picker.value = s.current.node
    assert "drop-shadow" in w.graph._style.value                  # selected: a glow
    s.close()


def test_anywidget_view_sends_the_svg_once_and_classes_per_step():
    pytest.importorskip("anywidget")
    ns = seed002()
    s = step(ns["out"], names=ns)
    w = StepperWidget(s)
    svg = w.graph.svg
    sent = []
    w.graph.observe(lambda c: sent.append(c["name"]), names=["svg", "classes", "step"])
    for _ in range(5):
        w.next_button.click()
    assert "svg" not in sent and sent.count("classes") == 5
    assert w.graph.svg is svg and w.graph.step == 5
    assert re.fullmatch(r"GraphView\(prefix='agst\d+-'\)", repr(w.graph))
    assert "g.ag-current > rect:first-of-type" in css_rules(".agnb-graphview")
    s.close()


def test_static_copy_is_deterministic_and_restyled():
    def build():
        ns = seed002()
        s = step(ns["out"], names=ns)
        s.goto(4)
        html = static_html(s)
        s.close()
        return re.sub(r"agst\d+-", "P-", html), s
    a, s = build()
    b, _ = build()
    assert a == b and "0x" not in a
    node = s.events[3].node
    g = a.index(f'id="P-node-{node}"')
    rect = a[a.index("<rect ", g): a.index(">", a.index("<rect ", g))]
    look = CLASS_STYLES["ag-current"][1]
    assert f'stroke="{look["stroke"]}"' in rect and f'stroke-width="{look["stroke-width"]}"' in rect
    assert "Backward stepper over out" in a


def test_restyle_edits_only_the_named_elements():
    svg = ('<g id="p-node-f1" class="node"><title>t</title><rect x="0" stroke="#555" '
           'stroke-width="1"/><rect id="p-saved-f1.self" stroke="#b8960c" fill="#fff8d6"/></g>'
           '<g id="p-edge-0" class="edge"><path d="M0,0" stroke="#444"/><polygon fill="#444"/></g>')
    out = restyle(svg, "p-", {"node-f1": "ag-current", "saved-f1.self": "ag-freed",
                              "edge-0": "ag-flow"})
    cur, freed, flow = (CLASS_STYLES[c][1] for c in ("ag-current", "ag-freed", "ag-flow"))
    assert f'<rect x="0" stroke="{cur["stroke"]}" stroke-width="{cur["stroke-width"]}"/>' in out
    assert (f'id="p-saved-f1.self" fill="{freed["fill"]}" stroke="{freed["stroke"]}" '
            f'stroke-dasharray="{freed["stroke-dasharray"]}"') in out
    assert (f'<path d="M0,0" stroke="{flow["stroke"]}" stroke-width="{flow["stroke-width"]}"/>'
            f'<polygon fill="{flow["stroke"]}"/>') in out
    assert restyle(svg, "p-", {}) == svg


def test_restyle_writes_texts_escaped():
    svg = '<g id="p-edge-0"><text id="p-edgegrad-0" x="1" y="2"></text></g>'
    out = restyle(svg, "p-", {}, {"edgegrad-0": "a<b", "missing": "x"})
    assert '<text id="p-edgegrad-0" x="1" y="2">a&lt;b</text>' in out


def test_mimebundles_carry_widget_html_and_plain_text():
    ns = seed002()
    s = step(ns["out"], names=ns)
    b = s._repr_mimebundle_()
    assert set(b) == {"text/plain", "text/html", WIDGET}
    assert b["text/plain"] == "<BackwardStepper over out: event 0 of 0+, open>"
    s.close()
    x = anb.tensor([1.0], requires_grad=True)
    labs = [AccumulationLab(lambda: x * 2, names={"x": x}),
            GradModeLab(lambda: x * 2, inputs={"x": x}, repeats=1),
            BufferInspector(x * x, names={"x": x})]
    for lab in labs:
        b = lab._repr_mimebundle_()
        assert set(b) == {"text/plain", "text/html", WIDGET}
        assert "0x" not in b["text/plain"] and "0x" not in b["text/html"]


def test_lab_views_drive_their_labs():
    w_ = anb.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    v = anb.tensor([1.0, -1.0])
    lab = GradModeLab(lambda: (w_ @ v).exp(), inputs={"w": w_, "v": v}, repeats=1)
    lab.view()
    view = lab._view
    view.mode.value = "no_grad"
    assert lab.mode == "no_grad" and "background:#fff3b0" in view.results.value
    view.outer.value = "inference_mode"
    assert lab.outer == "inference_mode"
    view.flags["v"].value = True
    assert v.requires_grad
    view.mode.value = "grad"
    view.outer.value = "none"
    view.try_inplace.click()
    assert "modified by an inplace operation" in view.tried.value

    x = anb.tensor([1.0], requires_grad=True)
    y = anb.tensor([2.0])
    acc = AccumulationLab(lambda: x * y, names={"x": x})
    acc.view()
    for _ in range(3):
        acc._view.buttons["backward(retain_graph=True)"].click()
    assert ">6<" in acc._view.timeline.value
    acc._view.buttons["backward()"].click()
    acc._view.buttons["backward()"].click()
    assert "Trying to backward through the graph a second time" in acc._view.timeline.value
    assert "freed" in acc._view.state.value

    c = anb.tensor([4.0, 5.0])
    loss = (x * c).sum()
    ins = BufferInspector(loss, names={"x": x, "c": c, "loss": loss})
    ins.view()
    iv = ins._view
    iv.apply_button.click()
    assert "stale" in iv.table.value and iv.graph.classes
    mul = next(f for f in ins.node_ids() if ins.labels[f].startswith("MulBackward0"))
    iv.graph.selected = mul
    assert iv.node.value == mul
    iv.check_button.click()
    assert "modified by an inplace operation" in iv.log.value


def test_autograd_step_magic_opens_the_stepper():
    pytest.importorskip("IPython")
    from test_notebook_magics import _shell, run

    from autograd_nb.notebook import magics
    from autograd_nb.widgets import BackwardStepper
    ip = _shell()                                     # the magics tests' configured shell
    ip.run_line_magic("load_ext", "autograd_nb")
    shown: list = []
    real_display = magics.display
    magics.display = shown.append
    try:
        ip.user_ns["torch"] = anb
        result, _ = run(ip, "%%autograd --step --backward loss\n"
                            "x = torch.tensor([1.0, 2.0], requires_grad=True)\n"
                            "loss = (x * 3).sum()")
        assert result.success
        steppers = [o for o in shown if isinstance(o, BackwardStepper)]
        assert len(steppers) == 1 and steppers[0].title == "loss"
        s = steppers[0]
        s.run_to_end()
        assert ip.user_ns["x"].grad.tolist() == [3.0, 3.0]
        s.close()
    finally:
        magics.display = real_display
        ip.run_line_magic("unload_ext", "autograd_nb")
        for k in ("x", "loss", "torch"):
            ip.user_ns.pop(k, None)
