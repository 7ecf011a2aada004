"""F.pad with mode='reflect' / 'replicate' / 'circular' (nn/functional.py, ops/nnops/padding.py).

Each case runs under autograd_nb and torch on the same numbers and compares the padded
values, the whole recorded graph (``ReflectionPad2DBackward0``..., a chain of
``CopySlices`` for circular), ``_saved_padding``, the gradient for a non-trivial upstream
gradient, the graph of that gradient (``create_graph=True``) and a second derivative;
bad inputs must fail with torch's exception type and first message line. float64
finite differences check the rules on their own.
"""
from __future__ import annotations

import numpy as np
import pytest

import autograd_nb as anb
import autograd_nb.nn.functional as AF
from autograd_nb.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional

MODES = ["reflect", "replicate", "circular"]

WORKING = [((2, 5), (1, 2)), ((1, 2, 5), (2, 0)), ((1, 2, 5), (1, 2, 1, 0)), ((2, 3, 4), (1, 1, 2, 2)),
           ((1, 2, 3, 4), (0, 1, 2, 1)), ((1, 1, 2, 3, 4), (1, 1, 1, 1, 1, 1)), ((2, 2, 3, 4), (1, 0, 1, 1, 0, 1)),
           ((2, 5), (-1, 2)), ((2, 3, 4), (-1, 1, 2, -1)), ((1, 2, 5), (4, 1)), ((0, 2, 3), (1, 1)),
           ((2, 3, 4), (-4, 0, 0, 0))]

FAILING = [((5,), (1, 1)), ((1, 2, 5), (5, 1)), ((1, 2, 5), (1, 2, 3)), ((1, 2, 5), (1, 2, 3, 4, 5, 6)),
           ((1, 2, 3, 4, 5, 6), (1, 1)), ((1, 2, 0), (1, 1)), ((1, 2, 5), (-6, 1)), ((2, 3, 4), (1, 1, 4, 0)),
           ((1, 2, 3, 4), (5, 5, 5, 5)), ((1, 1, 2, 3, 4), (4, 4, 4, 4, 4, 4)), ((1, 2, 5), (1, 1, 1, 1, 1, 1, 1, 1)),
           ((2, 5), (1, 1, 1, 1)), ((2, 0, 4), (1, 1, 1, 1)), ((0, 5), (1, 1)), ((1, 0, 3, 4), (1, 1, 1, 1)),
           ((2, 3, 4), (-6, 0, 0, 0)), ((2, 3, 4), (0, 0, -4, 0)), ((1, 2, 5), (-7, 1)),
           ((1, 1, 2, 3, 4), (-5, 0, 0, 0, 0, 0)), ((1, 2, 3, 4), (1, 1, 1, 1, 1, 1)), ((2, 3, 4), (3, 0, 0, 0))]


def _graph(node):
    if node is None:
        return None
    return (node.name().split("::")[-1], tuple(_graph(n) for n, _ in node.next_functions))


def _run(m, F, arr, pad, mode):
    x = m.tensor(arr, requires_grad=True)
    try:
        y = F.pad(x, pad, mode=mode)
    except Exception as e:                                # noqa: BLE001 - compared with torch
        return type(e).__name__, str(e).split("\n")[0]
    up = np.cos(np.arange(y.numel())).reshape(tuple(y.shape))
    g, = m.autograd.grad(y, x, m.tensor(up), create_graph=True)
    second = None
    if g.requires_grad:
        (g * g).sum().backward()
        second = None if x.grad is None else x.grad.numpy().tolist()
    return (y.detach().numpy().tolist(), g.detach().numpy(), _graph(y.grad_fn), _graph(g.grad_fn),
            getattr(y.grad_fn, "_saved_padding", None), second)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape,pad", [(c, True) for c in WORKING] + [(c, False) for c in FAILING],
                         ids=str)
def test_matches_torch(mode, shape, pad):
    """Working cases compare everything; mostly-failing ones the error (or, where this mode
    accepts the shape, the values and graph)."""
    (shape, pad), full = shape, pad
    arr = np.random.default_rng(3).standard_normal(shape)
    ours, theirs = _run(anb, AF, arr, pad, mode), _run(torch, TF, arr, pad, mode)
    if isinstance(theirs[0], str):
        assert ours == theirs
    elif full:
        np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12, atol=1e-12)
        assert (ours[0], *ours[2:]) == (theirs[0], *theirs[2:])
    else:
        assert ours[0] == theirs[0] and ours[2] == theirs[2]


@pytest.mark.parametrize("mode", MODES)
def test_finite_differences(mode):
    rng = np.random.default_rng(5)
    for shape, pad in [((2, 5), (2, 1)), ((1, 3, 4), (1, 2, 2, 0)), ((1, 2, 3, 3), (1, 1, 2, 1, 0, 1))]:
        x = anb.tensor(rng.standard_normal(shape), requires_grad=True)
        assert gradcheck(lambda t: AF.pad(t, pad, mode=mode), (x,))
        assert gradgradcheck(lambda t: AF.pad(t, pad, mode=mode) ** 2, (x,))


def test_values_teach_the_modes():
    x = anb.tensor([[1.0, 2.0, 3.0]])
    assert AF.pad(x, (2, 1), mode="reflect").tolist() == [[3.0, 2.0, 1.0, 2.0, 3.0, 2.0]]
    assert AF.pad(x, (2, 1), mode="replicate").tolist() == [[1.0, 1.0, 1.0, 2.0, 3.0, 3.0]]
    assert AF.pad(x, (2, 1), mode="circular").tolist() == [[2.0, 3.0, 1.0, 2.0, 3.0, 1.0]]


def test_edge_element_collects_gradients():
    x = anb.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    AF.pad(x, (2, 2), mode="replicate").sum().backward()
    assert x.grad.tolist() == [[3.0, 1.0, 3.0]]


@pytest.mark.parametrize("mode", MODES)
def test_integer_input_and_no_grad(mode):
    for m, F in ((anb, AF), (torch, TF)):
        x = m.arange(10).view(1, 2, 5)
        out = F.pad(x, (1, 1), mode=mode)
        assert out.dtype == m.int64 and out.grad_fn is None
    with anb.no_grad():
        y = AF.pad(anb.ones(1, 2, 3, requires_grad=True), (1, 1), mode=mode)
    assert y.grad_fn is None and not y.requires_grad


@pytest.mark.parametrize("call", [
    lambda m, F: F.pad(m.zeros(1, 2, 5), (1, 1, 1), mode="foo"),
    lambda m, F: F.pad(m.zeros(1, 2, 5), (1, 1), mode="reflect", value=1.0),
    lambda m, F: F.pad(m.zeros(1, 2, 5), (1.5, 1), mode="reflect"),
    lambda m, F: F.pad(m.zeros(1, 2, 5), (1.5, 1)),
    lambda m, F: F.pad(m.zeros(1, 2, 5), 1, mode="reflect"),
    lambda m, F: F.pad(m.zeros(1, 2, 5), [True, 1], mode="circular"),
    lambda m, F: F.pad(m.zeros(5), (1, 1), mode="circular", value=3.0),
], ids=["unknown_mode", "value", "float_pad", "float_pad_constant", "int_pad", "bool_pad", "value_1d"])
def test_argument_errors_match_torch(call):
    got = []
    for m, F in ((anb, AF), (torch, TF)):
        with pytest.raises(Exception) as info:
            call(m, F)
        got.append((type(info.value).__name__, str(info.value).split("\n")[0]))
    assert got[0] == got[1]


def test_zero_value_and_size_are_accepted():
    x = anb.zeros(1, 2, 5)
    assert AF.pad(x, (1, 1), mode="reflect", value=0.0).shape == (1, 2, 7)
    assert AF.pad(x, anb.Size([1, 1]), mode="circular").shape == (1, 2, 7)
    assert AF.pad(x, (np.int64(1), 1), mode="replicate").shape == (1, 2, 7)
