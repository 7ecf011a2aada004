"""The backward stepper's logic, driven step by step without a browser: event order, ready
queue and dependency counts, gradients per edge, final .grad == backward(), buffers freed
at backward()'s moments, replay, Reset, Done, the open-stepper guard, grad mode."""
from __future__ import annotations

import gc
import re

import numpy as np
import pytest

import autograd_nb as anb
from autograd_nb.widgets import stepper as stepper_module
from autograd_nb.autograd.engine import BackwardState, run_backward
from autograd_nb.autograd.functional import make_seeds
from autograd_nb.autograd.graph import saved_bytes
from autograd_nb.autograd.node import SECOND_BACKWARD
from autograd_nb.widgets import BackwardStepper, step
from autograd_nb.widgets.rules import rule_for


def kinds(stepper):
    return [(r.kind, r.name) for r in stepper.events]


def engine_kinds(loss, retain_graph=False, gradient=None):
    roots, seeds = make_seeds((loss,), None if gradient is None else (gradient,))
    return [(ev.kind, type(ev.node).__name__) for ev in run_backward(roots, seeds, retain_graph)]


def seed002():
    x = anb.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    return x, y, z, out


# ---------------------------------------------------------------- seed 001: y = x ** 2
def test_seed001_polynomial_with_a_gradient_matches_backward():
    x = anb.tensor([2., 3., 1.], requires_grad=True)
    y = x ** 2
    s = BackwardStepper(y, gradient=anb.tensor([1., 3., 2.]), names={"x": x, "y": y})
    first = s.next()
    assert (first.kind, first.label) == ("start", "PowBackward0 (y)")
    assert first.incoming[0].tolist() == [1., 3., 2.]
    s.run_to_end()
    assert kinds(s) == [("start", "PowBackward0"), ("free", "PowBackward0"),
                        ("finish", "PowBackward0"), ("start", "AccumulateGrad"),
                        ("accumulate", "AccumulateGrad"), ("finish", "AccumulateGrad")]
    finish = s.events[2]
    assert [(e.input_name, e.dst_label, e.grad.tolist()) for e in finish.outgoing] == \
        [("self", "AccumulateGrad (x)", [4., 18., 4.])]
    acc = s.events[4]
    assert acc.leaf_label == "x" and acc.grad_before is None
    assert acc.added.tolist() == [4., 18., 4.] and acc.grad_after.tolist() == [4., 18., 4.]
    assert x.grad.tolist() == [4., 18., 4.]                     # as y.backward(v) gives
    s.close()


def test_seed001_product_steps_to_the_same_grad_and_frees_like_backward():
    x = anb.tensor([1.0], requires_grad=True)
    y = anb.tensor([2.0])
    z = x * y
    expected = engine_kinds(anb.tensor([1.0], requires_grad=True) * y)   # the engine, a twin graph
    base = saved_bytes()
    s = step(z)
    s.run_to_end()
    assert kinds(s) == expected
    free = next(r for r in s.events if r.kind == "free")
    assert free.deferred and free.freed == [("other", 4)] and free.saved_live == 0
    assert saved_bytes() == base                                # kept for Reset until Done
    assert x.grad.tolist() == [2.0]
    with pytest.raises(RuntimeError, match="A backward stepper .*step\\(z\\).* is paused"):
        z.backward()
    s.close()
    assert saved_bytes() == base - 4                            # what backward() leaves
    with pytest.raises(RuntimeError) as e:
        z.backward()
    assert str(e.value) == SECOND_BACKWARD
    assert x.grad.tolist() == [2.0]


# ---------------------------------------------------------------- seed 002: the tutorial graph
def test_seed002_events_ready_queue_and_edges():
    x, y, z, out = seed002()
    s = BackwardStepper(out, names={"x": x, "y": y, "z": z, "out": out})
    assert s.expected_total() == 13
    s.run_to_end()
    assert len(s.events) == 13
    starts = [r.label for r in s.events if r.kind == "start"]
    assert starts == ["MeanBackward0 (out)", "MulBackward0 (z)", "MulBackward0",
                      "AddBackward0 (y)", "AccumulateGrad (x)"]
    sent = {r.label: [(e.input_name, None if e.grad is None else e.grad.tolist())
                      for e in r.outgoing] for r in s.events if r.kind == "finish"}
    assert sent["MeanBackward0 (out)"] == [("self", [[0.25, 0.25], [0.25, 0.25]])]
    assert sent["MulBackward0 (z)"] == [("self", [[0.75, 0.75], [0.75, 0.75]]), ("other", None)]
    assert sent["MulBackward0"] == [("self", [[2.25, 2.25], [2.25, 2.25]]),
                                    ("other", [[2.25, 2.25], [2.25, 2.25]])]
    assert sent["AddBackward0 (y)"] == [("self", [[4.5, 4.5], [4.5, 4.5]]), ("other", None)]
    # y*y sends along two edges to the same node: AddBackward0 waits for both, sums them
    add_start = next(r for r in s.events if r.kind == "start" and r.label == "AddBackward0 (y)")
    assert add_start.incoming[0].tolist() == [[4.5, 4.5], [4.5, 4.5]]
    mul_finish = next(r for r in s.events if r.kind == "finish" and r.label == "MulBackward0")
    assert [label for _, label in mul_finish.ready] == ["AddBackward0 (y)"]
    assert x.grad.tolist() == [[4.5, 4.5], [4.5, 4.5]]
    s.close()
    x2, _, _, out2 = seed002()
    out2.backward()
    assert x2.grad.tolist() == x.grad.tolist()


def test_waiting_nodes_show_their_outstanding_dependencies():
    x = anb.tensor([0.5, 1.0], requires_grad=True)
    a = x * 2
    b = a.exp()
    c = a.sin()
    loss = (b + c).sum()
    s = BackwardStepper(loss, names={"x": x, "a": a, "b": b, "c": c, "loss": loss})
    s.run_to_end()
    add_done = next(r for r in s.events if r.kind == "finish" and r.label.startswith("AddBackward0"))
    assert [label for _, label in add_done.ready] == ["SinBackward0 (c)", "ExpBackward0 (b)"]
    sin_done = next(r for r in s.events if r.kind == "finish" and r.label == "SinBackward0 (c)")
    assert [(label, k) for _, label, k in sin_done.waiting] == [("MulBackward0 (a)", 1)]
    assert [label for _, label in sin_done.ready] == ["ExpBackward0 (b)"]
    mul_start = next(r for r in s.events if r.kind == "start" and r.label == "MulBackward0 (a)")
    assert mul_start.waiting == [] and mul_start.ready == []
    s.close()


def test_engine_watch_state_reads_the_real_queue():
    x = anb.tensor([1.0, 2.0], requires_grad=True)
    loss = (x.exp() + x.sin()).sum()
    roots, seeds = make_seeds((loss,), None)
    w = BackwardState()
    seen = []
    for ev in run_backward(roots, seeds, False, watch=w):
        if ev.kind == "start":
            seen.append((type(ev.node).__name__, [type(n).__name__ for n in w.ready_nodes()],
                         [(type(n).__name__, k) for n, k in w.waiting()]))
    assert seen[2] == ("SinBackward0", ["ExpBackward0"], [])
    assert seen[3] == ("ExpBackward0", [], [("AccumulateGrad", 1)])


# ---------------------------------------------------------------- an MLP
def test_mlp_stepping_gives_backwards_grads():
    anb.manual_seed(0)
    model = anb.nn.Sequential(anb.nn.Linear(3, 5), anb.nn.ReLU(), anb.nn.Linear(5, 1))
    data, target = anb.randn(4, 3), anb.randn(4, 1)
    loss = anb.nn.functional.mse_loss(model(data), target)
    s = BackwardStepper(loss, names={"model": model, "loss": loss})
    expected = s.expected_total()
    s.run_to_end()
    assert expected == len(s.events)
    got = {"model." + n: p.grad.numpy().copy() for n, p in model.named_parameters()}
    assert {r.leaf_label for r in s.events if r.kind == "accumulate"} == set(got)
    s.close()
    model.zero_grad()
    anb.nn.functional.mse_loss(model(data), target).backward()
    for n, p in model.named_parameters():
        np.testing.assert_allclose(got["model." + n], p.grad.numpy(), rtol=1e-6)
    names = {r.name for r in s.events if r.kind == "start"}
    assert {"MseLossBackward0", "AddmmBackward0", "ReluBackward0", "TBackward0"} <= names


# ---------------------------------------------------------------- replay, Reset, Done
def test_back_replays_without_running_the_engine():
    x, y, z, out = seed002()
    s = BackwardStepper(out, names={})
    for _ in range(4):
        s.next()
    recorded = list(s.events)
    assert s.back().index == 3 and s.back().index == 2
    assert s.events == recorded and s.position == 2
    assert s.next() is recorded[2]                              # replayed, not re-run
    assert s.goto(0) is None and s.position == 0
    assert s.goto(6).index == 6 and len(s.events) >= 6
    s.close()


def test_reset_restores_grads_in_place_and_runs_again():
    x = anb.tensor([1.0, 2.0], requires_grad=True)
    w = anb.tensor([3.0, 4.0], requires_grad=True)
    x.grad = anb.tensor([10.0, 10.0])
    kept = x.grad
    loss = (x * w).sum()
    s = BackwardStepper(loss, names={})
    s.run_to_end()
    assert x.grad.tolist() == [13.0, 14.0] and w.grad.tolist() == [1.0, 2.0]
    first = kinds(s)
    s.reset()
    assert s.position == 0 and s.events == []
    assert x.grad is kept and x.grad.tolist() == [10.0, 10.0] and w.grad is None
    s.run_to_end()
    assert kinds(s) == first
    assert x.grad.tolist() == [13.0, 14.0] and w.grad.tolist() == [1.0, 2.0]
    s.close()


def test_close_half_way_abandons_the_run():
    x = anb.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    base = saved_bytes()
    s = BackwardStepper(loss, names={})
    twin = anb.tensor([1.0, 2.0], requires_grad=True)
    s.goto(len(engine_kinds((twin * twin).sum())) - 1)          # up to the accumulation
    assert x.grad is not None
    s.close()
    assert x.grad is None and saved_bytes() == base             # nothing written, nothing freed
    loss.backward()                                             # the graph is usable again
    assert x.grad.tolist() == [2.0, 4.0]
    with pytest.raises(RuntimeError, match="closed"):
        s.reset()


def test_retain_graph_true_never_frees():
    x = anb.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    s = BackwardStepper(loss, retain_graph=True, names={})
    s.run_to_end()
    assert "free" not in [k for k, _ in kinds(s)]
    s.close()
    loss.backward()
    assert x.grad.tolist() == [4.0, 8.0]


def test_keep_graph_false_frees_for_real_and_reset_hits_the_real_error():
    x = anb.tensor([1.0, 2.0], requires_grad=True)
    h = x + 0                  # a non-leaf: saved_bytes() does not count leaves (parameters)
    loss = (h * h).sum()
    base = saved_bytes()
    s = BackwardStepper(loss, keep_graph=False, names={})
    s.run_to_end()
    free = next(r for r in s.events if r.kind == "free")
    assert not free.deferred and free.nbytes == 16            # two saves of 8 bytes each
    assert saved_bytes() == base - 8                          # of one 8-byte storage
    twin = anb.tensor([1.0, 2.0], requires_grad=True)
    th = twin + 0
    assert kinds(s) == engine_kinds((th * th).sum())
    s.reset()
    assert x.grad is None
    s.run_to_end()
    last = s.events[-1]
    assert last.kind == "error" and last.error["error"] == "RuntimeError: " + SECOND_BACKWARD.split("\n")[0]
    assert last.error["explanation"] is not None
    s.close()


def test_an_inplace_change_fails_at_its_node_explained():
    x = anb.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    loss = y.sum()
    y.add_(1)
    s = BackwardStepper(loss, names={"x": x, "y": y})
    s.run_to_end()
    assert s.finished and s.events[-1].kind == "error"
    assert "modified by an inplace operation" in s.events[-1].error["error"]
    assert s.events[-2].kind == "start" and s.events[-2].name == "ExpBackward0"
    s.close()


# ---------------------------------------------------------------- guard and grad mode
def test_open_stepper_refuses_other_backwards_and_second_steppers():
    x = anb.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    loss = h.sum()
    s = BackwardStepper(loss, names={"loss": loss})
    s.next()
    for fn in (loss.backward, lambda: h.backward(anb.ones(2)), lambda: anb.autograd.grad(loss, x)):
        with pytest.raises(RuntimeError, match=r"step\(loss\)"):
            fn()
    with pytest.raises(RuntimeError, match="paused over this graph"):
        BackwardStepper(loss, names={})
    s.close()
    assert not any(id(n) in stepper_module.OPEN_STEPPERS for n in (loss.grad_fn, h.grad_fn))
    loss.backward()


def test_a_dropped_stepper_unregisters():
    x = anb.tensor([1.0], requires_grad=True)
    loss = (x * 2).sum()
    s = BackwardStepper(loss, names={})
    s.next()
    key = id(loss.grad_fn)
    assert key in stepper_module.OPEN_STEPPERS
    del s
    gc.collect()
    assert key not in stepper_module.OPEN_STEPPERS
    loss.backward()


@pytest.mark.parametrize("create_graph", [False, True])
def test_grad_mode_is_never_held_across_a_pause(create_graph):
    x = anb.tensor([1.0, 2.0], requires_grad=True)
    loss = (x.exp() * x).sum()
    s = BackwardStepper(loss, create_graph=create_graph, names={})
    while not s.finished:
        assert anb.is_grad_enabled()
        s.next()
        assert anb.is_grad_enabled() and not anb.is_inference_mode_enabled()
        with anb.no_grad():
            s.next()
            assert not anb.is_grad_enabled()
    assert (x.grad.grad_fn is not None) == create_graph
    s.close()


def test_step_records_classes_for_the_picture():
    x = anb.tensor([1.0], requires_grad=True)
    y = anb.tensor([2.0])
    z = x * y
    s = BackwardStepper(z, names={"x": x, "y": y, "z": z})
    ids = {f.name: f.id for f in s.graph.functions}
    mul, acc = ids["MulBackward0"], ids["AccumulateGrad"]
    assert s.next().classes == {f"node-{mul}": "ag-current"}
    s.next()
    assert s.current.classes[f"saved-{mul}.other"] == "ag-freed"
    fin = s.next()
    assert fin.classes[f"node-{acc}"] == "ag-ready"
    assert any(v == "ag-flow" for k, v in fin.classes.items() if k.startswith("edge-"))
    s.goto(5)
    leaf = s.leaf_node(acc)
    assert s.current.classes[f"node-{leaf}"] == "ag-updated"
    assert s.current.classes[f"node-{mul}"] == "ag-done"
    assert repr(s) == "<BackwardStepper over z: event 5 of 5+, open>"
    s.run_to_end()
    assert repr(s) == "<BackwardStepper over z: event 6 of 6, finished>"
    s.close()


def test_gradients_are_written_on_the_picture_event_by_event():
    x, y, z, out = seed002()
    s = BackwardStepper(out, names={"x": x, "y": y, "z": z, "out": out})
    tid = next(t.id for t in s.graph.tensors if t.name == "x")
    assert s.picture_texts() == {f"gradline-{tid}": ".grad = None"}      # before the first event
    s.next()                                                         # MeanBackward0 starts
    assert not any(k.startswith("edgegrad-") for k in s.current.texts)
    s.next()                                                         # ... and sends 0.25
    sent = {k: v for k, v in s.current.texts.items() if k.startswith("edgegrad-")}
    assert list(sent.values()) == ["[[0.25, 0.25], [0.25, 0.25]]"]
    s.run_to_end()
    texts = s.current.texts
    edges = sorted(v for k, v in texts.items() if k.startswith("edgegrad-"))
    assert edges == sorted(["[[0.25, 0.25], [0.25, 0.25]]", "[[0.75, 0.75], [0.75, 0.75]]",
                            "[[2.25, 2.25], [2.25, 2.25]]", "[[2.25, 2.25], [2.25, 2.25]]",
                            "[[4.5, 4.5], [4.5, 4.5]]", "+= [[4.5, 4.5], [4.5, 4.5]]"])
    assert texts[f"gradline-{tid}"] == ".grad = [[4.5, 4.5], [4.5, 4.5]]"
    s.goto(2)                                                        # replay: the old texts
    assert s.picture_texts() == s.events[1].texts
    s.reset()                                                        # Reset: none sent yet
    assert s.picture_texts() == {f"gradline-{tid}": ".grad = None"}
    s.next()
    assert not any(k.startswith("edgegrad-") for k in s.current.texts)
    s.close()
    # the picture has a slot for each of them: ids the view can fill in
    from autograd_nb.widgets.stepper_view import drawing_of
    svg = drawing_of(s).svg
    for key in texts:
        assert f'id="{drawing_of(s).id_prefix}{key}"' in svg


def test_done_leaves_nothing_that_does_nothing():
    from autograd_nb.widgets.stepper_view import StepperWidget, status_html
    x, y, z, out = seed002()
    s = BackwardStepper(out, names={"x": x, "out": out})
    w = StepperWidget(s, prefer_anywidget=False)
    w.end_button.click()
    assert w.next_button.disabled and w.end_button.disabled
    w.back_button.click()
    assert not w.next_button.disabled and not w.end_button.disabled    # replay is possible
    w.done_button.click()
    assert s.closed and not w.next_button.disabled                       # one event to replay
    w.next_button.click()
    for b in (w.next_button, w.end_button, w.reset_button, w.done_button):
        assert b.disabled
    assert "Re-run the cell to start again" in status_html(s)


def test_clicking_a_tensor_box_keeps_the_selection():
    from autograd_nb.widgets.stepper_view import StepperWidget
    x, y, z, out = seed002()
    s = BackwardStepper(out, names={"x": x, "out": out})
    w = StepperWidget(s, prefer_anywidget=False)
    mul = next(f.id for f in s.graph.functions if f.name == "MeanBackward0")
    w._select(mul)
    assert w.selected == mul
    w._select(next(t.id for t in s.graph.tensors))                 # a tensor: not a node
    assert w.selected == mul
    w._select("")                                                  # "(none)" clears it
    assert w.selected == ""
    s.close()


def test_rules_in_words_and_formulas():
    r = rule_for("MulBackward0")
    assert r.inputs == ("self", "other")
    assert r.formulas == ("grad_self = grad * other", "grad_other = grad * self")
    from autograd_nb.ops._core import OpNode, record

    class OddBackward0(OpNode):                      # (no rule in its docstring: every op's node states one)
        def backward(self, g):
            return g

    x = anb.tensor([1.0], requires_grad=True)
    odd = record(x._data * 1, OddBackward0, (x,)).grad_fn
    fallback = rule_for(odd)
    assert "OddBackward0.backward" in fallback.words and fallback.formulas == ()


def test_hooks_run_in_the_backward_grad_mode_while_stepping():
    """As in backward(): hooks see grad mode off (create_graph=False), the caller's mode
    is back between steps."""
    seen = []
    x = anb.ones(2, requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: seen.append(("tensor", anb.is_grad_enabled())))
    y.grad_fn.register_hook(lambda gi, go: seen.append(("post", anb.is_grad_enabled())))
    y.grad_fn.register_prehook(lambda go: seen.append(("pre", anb.is_grad_enabled())))
    x.register_post_accumulate_grad_hook(lambda t: seen.append(("acc", anb.is_grad_enabled())))
    s = BackwardStepper(y.sum(), names={})
    s.run_to_end()
    s.close()
    assert seen == [("tensor", False), ("pre", False), ("post", False), ("acc", False)]
    assert anb.is_grad_enabled()


def test_predicted_ready_queue_is_the_order_nodes_then_run():
    """After each finished node the stepper lists the ready queue; the nodes then start in
    exactly that order (AccumulateGrad first, in arrival order, then the newest node)."""
    old = anb.tensor([1.0, 2.0], requires_grad=True)
    (old * 1).sum().backward()                       # an AccumulateGrad older than the graph
    a, b = anb.tensor([1.0, 2.0], requires_grad=True), anb.tensor([3.0, 4.0], requires_grad=True)
    loss = (anb.stack([b, a]).sum(0).exp() + old).sum()
    s = BackwardStepper(loss, names={"a": a, "b": b, "old": old, "loss": loss})
    s.run_to_end()
    starts = [r.node for r in s.events if r.kind == "start"]
    for rec in s.events:
        if rec.kind == "finish":
            later = starts[starts.index(rec.node) + 1:]
            assert [nid for nid, _ in rec.ready] == later[:len(rec.ready)]
    labels = [r.label for r in s.events if r.kind == "start"]
    assert labels.index("AccumulateGrad (old)") < labels.index("ExpBackward0")
    assert labels.index("AccumulateGrad (b)") < labels.index("AccumulateGrad (a)")
    s.close()


def test_the_layout_toggle_sends_the_other_picture_with_the_same_ids():
    from autograd_nb.widgets.stepper_view import StepperWidget, drawing_of
    x, y, z, out = seed002()
    s = BackwardStepper(out, names={"x": x, "out": out})
    w = StepperWidget(s, prefer_anywidget=False)
    s.goto(5)
    tb = w.graph.svg
    w.direction.value = "LR"
    lr = w.graph.svg
    assert lr != tb and lr == drawing_of(s, "LR").svg
    ids = lambda svg: sorted(re.findall(r'id="([^"]+)"', svg))        # noqa: E731
    assert ids(lr) == ids(tb)                              # classes and texts fit both
    assert w.graph.classes == s.current.classes
    w.direction.value = "TB"
    assert w.graph.svg == tb
    s.close()
