"""Module backward hooks (nn/module.py, nn/_backward_hooks.py) against real PyTorch.

Each scenario runs the same code with ``autograd_nb`` and with ``torch`` and compares
what the hooks saw (shapes, values, Nones, call order), the gradients that came out,
the graph the module call recorded (``BackwardHookFunctionBackward`` around the module),
warnings and errors.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_nb as anb
from autograd_nb.autograd import gradcheck

torch = pytest.importorskip("torch")


def _graph(node, depth=0):
    if node is None or depth > 8:
        return None
    return (node.name().split("::")[-1].split(".")[-1],
            tuple(_graph(n, depth + 1) for n, _ in node.next_functions))


def _show(gs):
    return tuple(None if g is None else np.round(g.detach().numpy(), 10).tolist() for g in gs)


def _linear(m, seed=0):
    rng = np.random.default_rng(seed)
    lin = m.nn.Linear(3, 2)
    with m.no_grad():
        lin.weight.copy_(m.tensor(rng.standard_normal((2, 3)), dtype=m.float32))
        lin.bias.copy_(m.tensor(rng.standard_normal(2), dtype=m.float32))
    return lin


def _x(m, requires_grad=True):
    arr = np.linspace(-1, 1, 12).reshape(4, 3)
    return m.tensor(arr, dtype=m.float32, requires_grad=requires_grad)


def _both(scenario):
    out = []
    for m in (anb, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = scenario(m)
        msgs = [(w.category.__name__, str(w.message)) for w in caught]
        out.append((res, msgs))
    return out


def test_hooks_see_module_grads_and_graph_matches():
    def scenario(m):
        lin, log = _linear(m), []
        lin.register_full_backward_pre_hook(lambda mod, go: log.append(("pre", type(mod).__name__, _show(go))))
        lin.register_full_backward_hook(lambda mod, gi, go: log.append(("hook", _show(gi), _show(go))))
        x = _x(m)
        y = lin(x)
        graph = _graph(y.grad_fn)
        y.backward(m.ones(4, 2) * 0.5)
        return log, graph, _show([x.grad, lin.weight.grad])
    ours, theirs = _both(scenario)
    assert ours == theirs
    assert ours[0][1][0] == "BackwardHookFunctionBackward"


def test_returned_grads_replace_and_prepend_orders():
    def scenario(m):
        lin, log = _linear(m), []
        lin.register_full_backward_hook(lambda mod, gi, go: (log.append("a"), (gi[0] * 10,))[1])
        lin.register_full_backward_hook(lambda mod, gi, go: (log.append("b"), None)[1], prepend=True)
        lin.register_full_backward_pre_hook(lambda mod, go: (log.append("p1"), (go[0] * 2,))[1])
        lin.register_full_backward_pre_hook(lambda mod, go: (log.append("p0"), None)[1], True)
        x = _x(m)
        lin(x).sum().backward()
        return log, _show([x.grad, lin.weight.grad, lin.bias.grad])
    ours, theirs = _both(scenario)
    assert ours == theirs
    assert ours[0][0] == ["p0", "p1", "b", "a"]


def test_handle_remove_and_context_manager():
    lin, log = _linear(anb), []
    h = lin.register_full_backward_hook(lambda mod, gi, go: log.append("hook"))
    with lin.register_full_backward_pre_hook(lambda mod, go: log.append("pre")):
        lin(_x(anb)).sum().backward()
    lin(_x(anb)).sum().backward()
    h.remove()
    y = lin(_x(anb))
    y.sum().backward()
    assert log == ["pre", "hook", "hook"]
    assert type(y.grad_fn).__name__ == "AddmmBackward0"        # no hooks left: no markers


class _Mix:
    """A module with a tensor, a constant tensor and a number as inputs, and two outputs."""

    @staticmethod
    def make(m):
        class Mix(m.nn.Module):
            def forward(self, a, b, k):
                return a * b * k, (a + 1).exp()
        return Mix()


def test_several_inputs_and_outputs_with_nones():
    def scenario(m):
        mod, log = _Mix.make(m), []
        mod.register_full_backward_pre_hook(lambda mod_, go: log.append(("pre", _show(go))))
        mod.register_full_backward_hook(lambda mod_, gi, go: log.append(("hook", _show(gi), _show(go))))
        a = m.tensor([1.0, 2.0], requires_grad=True)
        b = m.tensor([3.0, 4.0])
        y1, y2 = mod(a, b, 2.0)
        graphs = (_graph(y1.grad_fn), _graph(y2.grad_fn))
        y1.sum().backward()
        return log, graphs, _show([a.grad])
    ours, theirs = _both(scenario)
    assert ours == theirs


def test_no_input_requires_grad_fires_at_outputs_with_warning():
    def scenario(m):
        lin, log = _linear(m), []
        lin.register_full_backward_hook(lambda mod, gi, go: log.append((gi, _show(go))))
        y = lin(_x(m, requires_grad=False))
        y.sum().backward()
        return log, _show([lin.bias.grad])
    ours, theirs = _both(scenario)
    assert ours == theirs
    assert ours[1] and ours[1][0][1].startswith("Full backward hook is firing when gradients are computed")


def test_errors_match_torch():
    def wrong_count(m):
        lin = _linear(m)
        lin.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0]))
        lin(_x(m)).sum().backward()

    def wrong_pre_count(m):
        lin = _linear(m)
        lin.register_full_backward_pre_hook(lambda mod, go: ())
        lin(_x(m)).sum().backward()

    def full_then_legacy(m):
        lin = _linear(m)
        lin.register_full_backward_hook(lambda *a: None)
        lin.register_backward_hook(lambda *a: None)

    def legacy_then_full(m):
        lin = _linear(m)
        lin.register_backward_hook(lambda *a: None)
        lin.register_full_backward_hook(lambda *a: None)

    def no_input_returns_grads(m):
        lin = _linear(m)
        lin.register_full_backward_hook(lambda mod, gi, go: (m.ones(4, 3),))
        lin(_x(m, requires_grad=False)).sum().backward()

    for fn in (wrong_count, wrong_pre_count, full_then_legacy, legacy_then_full, no_input_returns_grads):
        got = []
        for m in (anb, torch):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with pytest.raises(RuntimeError) as info:
                    fn(m)
            got.append(str(info.value).split("\n")[0])
        assert got[0] == got[1], fn.__name__


def test_legacy_backward_hook_sees_the_output_node():
    def scenario(m):
        lin, log = _linear(m), []
        lin.register_backward_hook(lambda mod, gi, go: log.append((_show(gi), _show(go))))
        x = _x(m)
        y = lin(x)
        graph = _graph(y.grad_fn)
        y.sum().backward()
        return log, graph
    ours, theirs = _both(scenario)
    assert ours == theirs
    assert ours[0][1][0] == "AddmmBackward0"


def test_legacy_hook_warnings_match_torch():
    def scenario(m):
        class Two(m.nn.Module):
            def forward(self, a):
                return (a * 2).sum() * 3
        mod = Two()
        mod.register_backward_hook(lambda *a: None)
        mod(m.tensor([1.0, 2.0], requires_grad=True)).backward()

        class Tup(m.nn.Module):
            def forward(self, a):
                return a * 2, a.exp()
        mod = Tup()
        mod.register_backward_hook(lambda *a: None)
        mod(m.tensor([1.0], requires_grad=True))
        return None
    ours, theirs = _both(scenario)
    assert ours == theirs and len(ours[1]) == 2


def test_non_tensor_output_warns():
    def scenario(m):
        class Dict(m.nn.Module):
            def forward(self, a):
                return {"y": a * 2}
        mod = Dict()
        mod.register_full_backward_hook(lambda *a: None)
        mod(m.tensor([1.0], requires_grad=True))
        return None
    ours, theirs = _both(scenario)
    assert [w[1].split("<class")[0] for w in ours[1]] == [w[1].split("<class")[0] for w in theirs[1]]
    assert ours[1][0][1] == "For backward hooks to be called, module output should be a Tensor or a tuple of " \
        "Tensors but received <class 'dict'>"


def test_no_grad_records_no_markers_and_hooks_in_sequential():
    seq = anb.nn.Sequential(anb.nn.Linear(3, 4), anb.nn.ReLU(), anb.nn.Linear(4, 1))
    seen = []
    for i, layer in enumerate(seq):
        layer.register_full_backward_hook(lambda mod, gi, go, i=i: seen.append((i, tuple(gi[0].shape))))
    with anb.no_grad():
        assert seq(_x(anb)).grad_fn is None
    seq(_x(anb)).sum().backward()
    assert seen == [(2, (4, 4)), (1, (4, 4)), (0, (4, 3))]


def test_gradients_unchanged_by_observing_hooks():
    lin = anb.nn.Linear(3, 2).double()
    lin.register_full_backward_hook(lambda *a: None)
    lin.register_full_backward_pre_hook(lambda *a: None)
    x = anb.tensor(np.random.default_rng(1).standard_normal((4, 3)), requires_grad=True)
    assert gradcheck(lambda t: lin(t), (x,))


def test_marked_tensors_refuse_inplace_changes_as_in_torch():
    def scenario(m):
        seq = m.nn.Sequential(m.nn.Linear(3, 3), m.nn.ReLU(inplace=True))
        seq[0].register_full_backward_hook(lambda *a: None)
        with pytest.raises(RuntimeError) as info:
            seq(_x(m))
        lin = _linear(m)
        lin.register_full_backward_pre_hook(lambda *a: None)
        y = lin(_x(m))
        return str(info.value), y._base is not None, y._version, y.is_leaf
    ours, theirs = _both(scenario)
    assert ours == theirs
    assert ours[0][0].startswith("Output 0 of BackwardHookFunction is a view and is being modified inplace.")
