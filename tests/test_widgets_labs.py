"""The grad-mode lab, the accumulation lab and the buffer inspector, driven without a browser."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_nb as anb
from autograd_nb.autograd.graph import saved_bytes
from autograd_nb.autograd.node import SECOND_BACKWARD
from autograd_nb.widgets import AccumulationLab, BufferInspector, GradModeLab
from autograd_nb.widgets.accumulation import timeline_svg
from autograd_nb.widgets.nodecheck import check_node


# ---------------------------------------------------------------- accumulation lab
def test_seed001_accumulates_2_4_6_then_the_second_time_error():
    x = anb.tensor([1.0], requires_grad=True)
    y = anb.tensor([2.0])
    lab = AccumulationLab(lambda: x * y, names={"x": x, "y": y})
    assert list(lab.leaves) == ["x"] and lab.graph_state() == "live"
    for _ in range(3):
        assert lab.backward(retain_graph=True).ok
    assert [None if v is None else v.tolist() for v in lab.values("x")] == [None, [2.], [4.], [6.]]
    assert lab.backward().ok and lab.graph_state() == "freed"
    failed = lab.backward()
    assert not failed.ok and failed.error["error"] == "RuntimeError: " + SECOND_BACKWARD
    assert "second time" in failed.error["explanation"].title.lower() or \
        "freed" in failed.error["explanation"].what
    assert failed.grads["x"].tolist() == [8.0]                 # the failed call added nothing
    lab.rebuild()
    assert lab.graph_state() == "live" and lab.backward().ok
    assert x.grad.tolist() == [10.0]
    lab.zero_grad()
    assert x.grad.tolist() == [0.0]
    lab.set_to_none()
    assert x.grad is None
    assert [e.action for e in lab.timeline][-3:] == [
        "loss.backward()", "for p in leaves: p.grad.zero_()", "for p in leaves: p.grad = None"]
    assert repr(lab) == "<AccumulationLab: 10 entries, leaves x, graph freed>"


def test_a_graph_that_saves_nothing_can_run_backward_twice():
    torch = pytest.importorskip("torch")
    x = anb.tensor([1.0], requires_grad=True)
    lab = AccumulationLab(lambda: x + 2.0, names={"x": x})
    assert lab.graph_state() == "saves nothing"
    assert lab.backward().ok and lab.backward().ok
    tx = torch.tensor([1.0], requires_grad=True)
    tz = tx + 2.0
    tz.backward()
    tz.backward()                                              # PyTorch allows it too
    assert x.grad.tolist() == tx.grad.tolist() == [2.0]


def test_timeline_plot_is_deterministic_and_shows_gaps():
    x = anb.tensor([1.0, -1.0], requires_grad=True)
    lab = AccumulationLab(lambda: (x * 3).sum(), names={"x": x})
    lab.backward(retain_graph=True)
    lab.backward(retain_graph=True)
    lab.set_to_none()
    svg = timeline_svg(lab.timeline, ["x"])
    assert svg == timeline_svg(lab.timeline, ["x"])
    assert svg.count("<polyline") == 2                         # x[0] and x[1], one run each
    assert ">x.grad[0]<" in svg and ">x.grad[1]<" in svg and ">6<" in svg
    # None: open circles (2 moves x 2), and one in the key saying what they mean
    assert svg.count('fill="#ffffff" stroke=') == 5 and ".grad is None" in svg
    assert "move #" in svg and ">value of .grad<" in svg        # both axes have a title
    html = lab.static_html()
    assert "Accumulation lab" in html and "0x" not in html


# ---------------------------------------------------------------- grad-mode lab
def make_lab():
    w = anb.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x = anb.tensor([1.0, -1.0])
    return w, x, GradModeLab(lambda: (w @ x).exp(), inputs={"w": w, "x": x}, repeats=1)


def test_modes_change_grad_fn_inference_and_saved_bytes():
    w, x, lab = make_lab()
    first = lab.history[-1].output("out")
    assert (first.grad_fn, first.requires_grad, first.is_inference) == ("ExpBackward0", True, False)
    assert first.saved_bytes == 8 + 8                          # mv saves x (for w's grad); exp its result
    assert first.later_backward == "fills w.grad"
    lab.set_mode("no_grad")
    assert ("out", "grad_fn", "ExpBackward0", None) in lab.changes()
    assert lab.history[-1].saved_bytes == 0
    lab.set_mode("inference_mode")
    out = lab.history[-1].output("out")
    assert out.is_inference and out.later_inplace.startswith("raises")
    assert lab.changes() == [("out", "is_inference", False, True)]
    lab.set_mode("enable_grad", outer="no_grad")               # enable_grad re-enables recording
    assert lab.history[-1].output("out").grad_fn == "ExpBackward0"
    lab.set_mode("enable_grad", outer="inference_mode")        # ... but not inside inference_mode
    assert lab.history[-1].output("out").is_inference
    lab.set_mode("grad", outer="no_grad")
    assert lab.history[-1].output("out").grad_fn is None
    assert lab.code() == "with torch.no_grad():\n    out = fn()"
    assert all(r.seconds > 0 for r in lab.history)


def test_requires_grad_toggle_and_model_train_eval():
    w, x, lab = make_lab()
    lab.set_requires_grad("w", False)
    assert not w.requires_grad and lab.history[-1].output("out").grad_fn is None
    lab.set_requires_grad("x", True)
    assert lab.history[-1].output("out").later_backward == "fills x.grad"
    refused = lab.set_requires_grad("x", True)
    assert refused.error is None and x.requires_grad
    y = x * 2
    lab.inputs["y"] = y
    res = lab.set_requires_grad("y", False)                  # not a leaf: PyTorch refuses
    assert res.error["error"].startswith("RuntimeError: you can only change requires_grad")
    del lab.inputs["y"]
    anb.manual_seed(0)
    model = anb.nn.Sequential(anb.nn.Linear(3, 3), anb.nn.Dropout(0.5))
    data = anb.randn(4, 3)
    ml = GradModeLab(lambda: model(data), model=model, repeats=1)
    assert sorted(ml.inputs) == ["model.0.bias", "model.0.weight"]
    train = ml.history[-1].output("out")
    ml.set_training(False)
    ev = ml.history[-1].output("out")
    assert train.grad_fn != ev.grad_fn and ev.grad_fn == "AddmmBackward0"
    assert ml.history[-1].training is False and "model.eval()" in ml.code()


def test_try_buttons_run_the_real_thing_and_explain():
    w, x, lab = make_lab()
    ok = lab.try_backward()
    assert ok.ok and ok.code == "out.sum().backward()" and ok.message == "ran: it filled w.grad"
    assert w.grad is None                                      # put back afterwards
    stale = lab.try_backward(inplace_first=True)
    assert not stale.ok and "modified by an inplace operation" in stale.error["error"]
    assert stale.error["explanation"] is not None and w.grad is None
    lab.set_mode("no_grad")
    none = lab.try_backward()
    assert none.error["error"] == ("RuntimeError: element 0 of tensors does not require grad "
                                   "and does not have a grad_fn")
    lab.set_mode("inference_mode")
    inf = lab.try_backward(inplace_first=True)
    assert inf.error["error"].startswith("RuntimeError: Inplace update to inference tensor")
    assert "Inplace update" in lab.static_html() and "ms per run" not in lab.static_html()


def test_code_string_and_errors_are_shown_not_raised():
    ns = {"torch": anb, "a": anb.tensor([1.0, 2.0], requires_grad=True)}
    lab = GradModeLab("b = a * 2\nc = b.sum()", namespace=ns, repeats=1)
    assert [o.name for o in lab.history[-1].outputs] == ["b", "c"]
    assert list(lab.inputs) == ["a"]
    lab.set_mode("no_grad")
    assert lab.code() == "with torch.no_grad():\n    b = a * 2\n    c = b.sum()"
    broken = GradModeLab(lambda: anb.tensor([1, 2]).requires_grad_(), inputs={}, repeats=1)
    err = broken.history[-1].error
    assert err["error"].startswith("RuntimeError: only Tensors of floating point")
    assert "only Tensors of floating point" in broken.results_html()


# ---------------------------------------------------------------- buffer inspector
def test_buffer_rows_states_and_totals():
    a = anb.tensor([2.0, 3.0], requires_grad=True)
    c = anb.tensor([4.0, 5.0])
    d = a * c
    loss = d.exp().sum()
    ins = BufferInspector(loss, names={"a": a, "c": c, "d": d, "loss": loss})
    rows = [(r.node_label, r.name, r.shape, r.dtype, r.nbytes, r.state) for r in ins.rows()]
    assert rows == [("ExpBackward0", "result", [2], "float32", 8, "live"),
                    ("MulBackward0 (d)", "other", [2], "float32", 8, "live")]
    assert ins.live_total() == 16 and ins.targets() == ["c"]
    base = saved_bytes()
    loss.backward()
    ins.refresh()
    assert [r.state for r in ins.rows()] == ["freed", "freed"] and ins.live_total() == 0
    assert saved_bytes() == base - 16
    assert repr(ins) == "<BufferInspector: 2 buffers, 0 bytes live>"


def test_inplace_ops_make_buffers_stale_or_are_refused():
    a = anb.tensor([2.0, 3.0], requires_grad=True)
    c = anb.tensor([4.0, 5.0])
    loss = (a * c).sum()
    ins = BufferInspector(loss, names={"a": a, "c": c, "loss": loss})
    assert ins.apply_inplace("c", "mul_(2)")
    row = ins.rows()[0]
    assert (row.state, row.version_saved, row.version_now) == ("stale", 0, 1)
    assert ins.classes() == {f"saved-{row.buffer_id}": "ag-stale"}
    assert not ins.apply_inplace("a")                          # a leaf that requires grad
    assert ins.last_error["error"] == ("RuntimeError: a leaf Variable that requires grad is "
                                       "being used in an in-place operation.")
    assert ins.apply_inplace("a", "with no_grad(): add_(1)") and a._version == 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_check_gradient_per_node():
    a = anb.tensor([[1.0, 2.0], [3.0, 0.5]], requires_grad=True)
    b = anb.tensor([0.5, -1.0], requires_grad=True)
    m = a @ b
    h = m.sigmoid()
    q = h ** 3
    q2 = q * 2.0
    total = q2 + h
    loss = total.mean()
    names = {"a": a, "b": b, "m": m, "h": h, "q": q, "q2": q2, "total": total, "loss": loss}
    ins = BufferInspector(loss, names=names)
    results = {ins.labels[f]: ins.check(f) for f in ins.node_ids()}
    assert results["MvBackward0 (m)"].ok and results["SigmoidBackward0 (h)"].ok
    assert results["PowBackward0 (q)"].ok and results["MeanBackward0 (loss)"].ok
    assert [n for n, *_ in results["MvBackward0 (m)"].rows] == ["self", "vec"]
    assert results["MvBackward0 (m)"].max_error < 1e-4
    assert results["AddBackward0 (total)"].ok and results["MulBackward0 (q2)"].ok
    assert results["AccumulateGrad"].ok is None
    loss.backward()
    after = ins.check(next(f for f in ins.node_ids() if ins.labels[f] == "MvBackward0 (m)"))
    assert after.ok is None and after.reason == "RuntimeError: " + SECOND_BACKWARD


def test_check_finds_a_wrong_rule():
    x = anb.tensor([1.0, 2.0], requires_grad=True)
    node = (x * 3.0).grad_fn

    class Wrong(type(node)):
        __slots__ = ()

        def backward(self, g):
            out = super().backward(g)
            return (out[0] * 1.5,) + tuple(out[1:])

    node.__class__ = Wrong
    res = check_node(node, "f0", {"x": x})
    node.__class__ = Wrong.__mro__[1]
    assert res.name == "Wrong" and res.ok is None                # unknown op: said so
    res = check_node(_renamed(node, Wrong), "f0", {"x": x})
    assert res.ok is False and res.max_error > 0.1


def _renamed(node, cls):
    cls.name = lambda self: "MulBackward0"
    node.__class__ = cls
    return node


def test_numbers_saved_by_a_node_are_used():
    x = anb.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 3
    res = check_node(y.grad_fn, "f0", {})
    assert res.ok and [r[0] for r in res.rows] == ["self"]
    np.testing.assert_allclose(float(res.rows[0][1]), 0.0, atol=1e-4)


# ---------------------------------------------------------------- issue 28: as a learner meets them
def test_accumulation_lab_keeps_what_it_was_built_with():
    ns = {"torch": anb}
    exec("x = torch.tensor([1.0], requires_grad=True)\ny = torch.tensor([2.0])", ns)
    exec("from autograd_nb.widgets import AccumulationLab\n"
         "acc = AccumulationLab(lambda: x * y)", ns)
    lab, x = ns["acc"], ns["x"]
    exec("x = torch.tensor([1.0, 2.0, 3.0])\ny = x ** 3", ns)       # later cells rebind
    assert lab.rebuild().ok and lab.timeline[-1].graph == "live"
    entry = lab.backward()
    assert entry.ok and entry.graph == "freed"
    assert entry.grads["x"].tolist() == [2.0] and x.grad.tolist() == [2.0]
    assert ns["x"].grad is None                                     # the new x is untouched


def test_frozen_reads_globals_and_closures_once_but_sees_inplace_changes():
    from autograd_nb.widgets.accumulation import frozen
    a = anb.tensor([1.0])

    def make():
        k = anb.tensor([3.0])
        return (lambda: a * k + [v for v in (a,)][0]), k
    fn, k = make()
    g = frozen(fn)
    global FROZEN_GLOBAL
    FROZEN_GLOBAL = anb.tensor([5.0])
    h = frozen(lambda: FROZEN_GLOBAL * 2)
    FROZEN_GLOBAL = anb.tensor([100.0])
    assert h().tolist() == [10.0]                                   # the value at freezing
    with anb.no_grad():
        k.add_(1)                                                   # same tensor, in place
    assert g().tolist() == [5.0]
    assert frozen(len) is len                                       # not a Python function


FROZEN_GLOBAL = None


def test_grad_mode_view_follows_the_lab_whoever_changes_it():
    from autograd_nb.widgets.labviews import GradModeView
    w, x, lab = make_lab()
    view = GradModeView(lab)
    assert (view.mode.value, view.outer.value) == ("grad", "none")
    lab.set_mode("inference_mode", "no_grad")                      # from code
    assert (view.mode.value, view.outer.value) == ("inference_mode", "no_grad")
    assert "with torch.inference_mode():" in view.results.value
    view.mode.value = "grad"                                        # a click does something
    assert lab.mode == "grad" and lab.history[-1].mode == "grad"
    lab.set_requires_grad("w", False)
    assert view.flags["w"].value is False
    assert "outer block" in view.help.value and "around" in view.help.value


def test_grad_mode_lab_holds_no_graph_between_runs():
    w, x, lab = make_lab()
    lab.set_mode("grad")
    assert lab.history[-1].saved_bytes > 0                          # the run did save...
    assert lab.outputs == {}                                        # ...but nothing is kept
    base = saved_bytes()
    lab.run()
    assert saved_bytes() == base


def test_inspector_picture_follows_the_graph_and_refresh_reports():
    from autograd_nb.widgets.labviews import InspectorView, inspector_drawing
    p = anb.tensor([1.0, 2.0, 3.0], requires_grad=True)
    q = p * p
    r = q.exp()
    s = r.sum()
    ins = BufferInspector(s, names={"p": p, "q": q, "r": r, "s": s})
    view = InspectorView(ins, prefer_anywidget=False)
    first = inspector_drawing(ins)
    assert ins.refresh() == [] and ins.messages[-1] == "refresh #1: nothing changed since the last look"
    assert ins.apply_inplace("r", "add_(1)")
    now = inspector_drawing(ins)
    assert now is not first and now.id_prefix == first.id_prefix    # redrawn, same ids
    assert "stale!" in now.svg and "stale!" not in first.svg
    assert "stale!" in view.graph.svg                               # the view got it too
    with anb.no_grad():
        p.mul_(2)
    changes = ins.refresh()
    assert changes and all("live → stale" in c for c in changes)
    assert ins.messages[-1].startswith("refresh #2: MulBackward0 (q) _saved_")
    html = view.table.value
    assert "listed twice" in html and "each storage once" in html
    assert "ag-stale" in " ".join(ins.classes().values())
    static = ins.static_html()
    assert "agnb-legend" in static and "stale: changed in place" in static


def test_check_explains_a_missing_input_in_plain_words():
    a = anb.tensor([1.0, 2.0, 3.0], requires_grad=True)
    loss = (a * a).exp().sum()                      # SumBackward0's input has no name
    ins = BufferInspector(loss, names={"a": a, "loss": loss})
    node = next(f for f in ins.node_ids() if ins.labels[f].startswith("SumBackward0"))
    res = ins.check(node)
    assert res.ok is None and "names=" not in res.reason
    assert "did not keep that value" in res.reason and "variable" in res.reason


def test_rules_have_no_markdown_left():
    """(Every op node's rule comes from its docstring: tests/test_node_declarations.py
    checks those; the table keeps the leaf's AccumulateGrad.)"""
    from autograd_nb.widgets.rules import RULES
    assert not [k for k, r in RULES.items() if "*" in r.words.replace("**", "")]
