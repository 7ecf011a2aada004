"""scatter_reduce / scatter_reduce_ and scatter(reduce='add'|'multiply') (ops/gathers.py).

Values, gradients (for a non-trivial upstream gradient), grad_fn names, saved attributes
and errors are compared with real PyTorch; float64 finite differences check the
backward rules on their own, including second derivatives.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_nb as anb
from autograd_nb.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

REDUCTIONS = ["sum", "prod", "mean", "amax", "amin"]


def _case(kind):
    """(self, index, src, dim) arrays; ``kind`` picks repeats, ties, zeros or another dim."""
    rng = np.random.default_rng(7)
    x, src = rng.standard_normal((3, 4)), rng.standard_normal((2, 4))
    index = np.array([[0, 1, 2, 0], [0, 2, 2, 1]])
    if kind == "ties":                                 # equal values meet: amax/amin share the gradient
        x[1, 1] = src[1, 1] = x[2, 2] = 5.0
        src[0, 2] = 5.0
        src[0, 3] = src[1, 3] = -7.0
        x[0, 3] = -7.0
    elif kind == "zeros":                              # prod: one zero, and two zeros at one position
        x[0, 0] = 0.0
        src[0, 1] = 0.0
        src[0, 2] = src[1, 2] = 0.0
    elif kind == "dim1":
        x, src = rng.standard_normal((2, 3, 5)), rng.standard_normal((2, 3, 5))
        index = rng.integers(0, 3, size=(2, 2, 5))
        src = src[:, :2, :].copy()
        return x, index, src, 1
    elif kind == "narrow_index":                       # index smaller than self in a non-dim axis
        index = np.array([[2, 0], [2, 2]])
        src = rng.standard_normal((2, 2))
    return x, index, src, 0


def _run(m, kind, reduce, include_self, inplace=False):
    x, index, src, dim = _case(kind)
    xt, st = m.tensor(x, requires_grad=True), m.tensor(src, requires_grad=True)
    it = m.tensor(index)
    if inplace:
        base = xt * 1
        out = base.scatter_reduce_(dim, it, st, reduce, include_self=include_self)
        assert out is base
    else:
        out = m.scatter_reduce(xt, dim, it, st, reduce, include_self=include_self)
    up = np.linspace(-1.0, 2.0, out.numel()).reshape(tuple(out.shape))
    out.backward(m.tensor(up))
    fn = out.grad_fn
    shown = (fn.name(), fn._saved_dim, fn._saved_reduce, fn._saved_include_self)
    return out.detach().numpy(), xt.grad.numpy(), st.grad.numpy(), shown


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCTIONS)
@pytest.mark.parametrize("kind", ["plain", "ties", "zeros", "dim1", "narrow_index"])
def test_values_and_gradients_match_torch(kind, reduce, include_self):
    ours = _run(anb, kind, reduce, include_self)
    theirs = _run(torch, kind, reduce, include_self)
    for a, b in zip(ours[:3], theirs[:3]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert ours[3] == theirs[3]


@pytest.mark.parametrize("reduce", REDUCTIONS)
def test_inplace_matches_torch(reduce):
    ours = _run(anb, "ties", reduce, True, inplace=True)
    theirs = _run(torch, "ties", reduce, True, inplace=True)
    for a, b in zip(ours[:3], theirs[:3]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert ours[3] == theirs[3]


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCTIONS)
def test_finite_differences(reduce, include_self):
    x, index, src, dim = _case("plain")             # no ties, no zeros: the function is smooth here
    xt, st = anb.tensor(x, requires_grad=True), anb.tensor(src, requires_grad=True)
    it = anb.tensor(index)

    def f(a, b):
        return anb.scatter_reduce(a, dim, it, b, reduce, include_self=include_self)
    assert gradcheck(f, (xt, st))
    if reduce in ("sum", "mean", "prod"):
        assert gradgradcheck(f, (xt, st))


def test_saved_tensors_and_edges():
    x = anb.tensor([1.0, 2.0, 3.0], requires_grad=True)
    s = anb.tensor([4.0, 5.0])
    i = anb.tensor([0, 0])
    y = x.scatter_reduce(0, i, s, "amax", include_self=False)
    fn = y.grad_fn
    assert type(fn).__name__ == "ScatterReduceBackward0"
    assert fn.next_functions[1] == (None, 0) and type(fn.next_functions[0][0]).__name__ == "AccumulateGrad"
    assert fn._saved_self.tolist() == [1.0, 2.0, 3.0]
    assert fn._saved_src.tolist() == [4.0, 5.0]
    assert fn._saved_index.tolist() == [0, 0]
    assert fn._saved_result.tolist() == [5.0, 2.0, 3.0]


def test_integer_mean_rounds_down_and_no_grad_for_ints():
    for m in (anb, torch):
        x = m.tensor([[5, 6], [7, 8]])
        i = m.tensor([[0, 0], [0, 0]])
        s = m.tensor([[1, 2], [4, 4]])
        assert x.scatter_reduce(0, i, s, "mean").tolist() == [[3, 4], [7, 8]]
        assert x.scatter_reduce(0, i, s, "mean", include_self=False).tolist() == [[2, 3], [7, 8]]
        assert x.scatter_reduce(0, i, s, "amax", include_self=False).tolist() == [[4, 4], [7, 8]]


def test_inplace_bumps_version_and_refuses_leaf():
    x = anb.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    v = y._version
    y.scatter_reduce_(0, anb.tensor([1]), anb.tensor([3.0]), "prod")
    assert y._version == v + 1 and y.tolist() == [1.0, 6.0]
    assert type(y.grad_fn).__name__ == "ScatterReduceBackward0"
    with pytest.raises(RuntimeError, match="^a leaf Variable that requires grad is being used in an in-place"):
        x.scatter_reduce_(0, anb.tensor([1]), anb.tensor([3.0]), "sum")


def _error(m, fn):
    with pytest.raises(Exception) as info:
        fn(m)
    return type(info.value).__name__, str(info.value).split("\n")[0]


BAD = {
    "reduce_name": lambda m: m.zeros(3).scatter_reduce(0, m.tensor([0]), m.zeros(1), "add"),
    "missing_reduce": lambda m: m.zeros(3).scatter_reduce(0, m.tensor([0]), m.zeros(1)),
    "number_src": lambda m: m.zeros(3).scatter_reduce(0, m.tensor([0]), 2.0, "sum"),
    "number_src_fn": lambda m: m.scatter_reduce(m.zeros(3), 0, m.tensor([0]), 2.0, "sum"),
    "float_index": lambda m: m.zeros(3).scatter_reduce(0, m.tensor([0.0]), m.zeros(1), "sum"),
    "dtype": lambda m: m.zeros(3).scatter_reduce(0, m.tensor([0]), m.zeros(1, dtype=m.float64), "sum"),
    "bounds": lambda m: m.zeros(3).scatter_reduce(0, m.tensor([3]), m.zeros(1), "sum"),
    "dim": lambda m: m.zeros(3, 4).scatter_reduce(2, m.tensor([[0]]), m.zeros(1, 1), "sum"),
    "index_rank": lambda m: m.zeros(3, 4).scatter_reduce(0, m.tensor([0]), m.zeros(1, 1), "sum"),
    "index_size": lambda m: m.zeros(3, 4).scatter_reduce(0, m.zeros(2, 5, dtype=m.int64), m.zeros(2, 4),
                                                         "sum"),
    "src_grad_shape": lambda m: m.zeros(3, requires_grad=True).scatter_reduce(
        0, m.tensor([0, 2]), m.zeros(4, requires_grad=True), "sum").sum().backward(),
    "scatter_reduce_name": lambda m: m.zeros(3).scatter(0, m.tensor([0]), m.zeros(1), reduce="mean"),
    "scatter_value_reduce_name": lambda m: m.zeros(3).scatter(0, m.tensor([0]), 2.0, reduce="sum"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_errors_match_torch(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert _error(anb, BAD[name]) == _error(torch, BAD[name])


@pytest.mark.parametrize("reduce", ["add", "multiply"])
@pytest.mark.parametrize("src_kind", ["tensor", "number"])
def test_scatter_with_reduce(reduce, src_kind):
    """Values as torch; the node is NotImplemented and its backward raises, as in torch."""
    results = []
    for m in (anb, torch):
        x = m.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        i = m.tensor([[0, 1, 0], [0, 0, 1]])
        src = m.tensor([[2.0, 3.0, 4.0], [5.0, 6.0, 7.0]], requires_grad=True) if src_kind == "tensor" else 2.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = x.scatter(0, i, src, reduce=reduce)
        fn = y.grad_fn
        edges = [type(n).__name__ for n, _ in fn.next_functions]
        with pytest.raises(RuntimeError) as info:
            y.sum().backward()
        results.append((y.tolist(), type(fn).__name__, edges, str(info.value)))
    assert results[0] == results[1]
    assert results[0][1] == "NotImplemented"
    assert results[0][3] == "derivative for aten::scatter is not implemented"


def test_scatter_reduce_with_tensor_src_warns_once(monkeypatch):
    from autograd_nb.ops import gathers
    monkeypatch.setattr(gathers, "_WARNED_REDUCE", [False])
    x, i, s = anb.zeros(3), anb.tensor([0]), anb.ones(1)
    with pytest.warns(UserWarning, match="^The reduce argument of torch.scatter with Tensor src is deprecated"):
        x.scatter(0, i, s, reduce="add")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x.scatter(0, i, s, reduce="add")              # PyTorch says it once per process
        x.scatter(0, i, 2.0, reduce="add")            # never for a number


def test_scatter_reduce_inplace_method_and_export():
    x = anb.tensor([1.0, 2.0, 3.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x.scatter_(0, anb.tensor([2, 2]), anb.tensor([2.0, 5.0]), reduce="multiply")
    assert x.tolist() == [1.0, 2.0, 30.0]
    assert "scatter_reduce" in anb.supported()


def test_empty_index_and_zero_dim():
    for m in (anb, torch):
        out = m.tensor([1.0, 2.0]).scatter_reduce(0, m.tensor([], dtype=m.int64), m.tensor([]), "prod")
        assert out.tolist() == [1.0, 2.0]
        out = m.tensor(1.0).scatter_reduce(0, m.tensor(0), m.tensor(5.0), "sum")
        assert out.tolist() == 6.0


def test_prod_double_backward_with_two_zeros_at_one_position_is_refused():
    """As in PyTorch: the first derivative is right, differentiating it again raises."""
    results = []
    for m in (anb, torch):
        x = m.tensor([[1.5, -2.0, 3.0]], requires_grad=True)
        src = m.tensor([[0.0, 0.0, 2.0]], requires_grad=True)
        y = x.scatter_reduce(1, m.tensor([[0, 0, 1]]), src, "prod")
        g, = m.autograd.grad(y.sum(), src, create_graph=True)
        with pytest.raises(RuntimeError) as info:
            g.sum().backward()
        results.append((g.detach().tolist(), type(g.grad_fn).__name__, g.grad_fn.name(), str(info.value)))
        one_zero = m.tensor([[0.0, 4.0, 2.0]], requires_grad=True)
        g, = m.autograd.grad(x.scatter_reduce(1, m.tensor([[0, 0, 1]]), one_zero, "prod").sum(), one_zero,
                             create_graph=True)
        results[-1] += (type(g.grad_fn).__name__,)
    assert results[0] == results[1]
    assert results[0][1] == "Error" and results[0][4] == "WhereBackward0"
