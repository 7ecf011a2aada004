"""Causes found by the program fuzzer (issue #24), each replayed against real torch 2.13."""
from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

import autograd_nb as T


def _outcome(lib, fn):
    try:
        r = fn(lib)
    except Exception as e:                                  # noqa: BLE001 - compared below
        return type(e).__name__, str(e)
    return "ok", tuple(r.shape), r.detach().numpy().tolist()


@pytest.mark.parametrize("p", [-1, -2.5, -1.0, -math.inf, math.inf, 0, 1, 2, 0.5])
@pytest.mark.parametrize("kw", [{}, {"dim": 0}, {"dim": 1}, {"dim": -2, "keepdim": True},
                                {"dim": (1, 0)}, {"dim": ()}])
def test_norm_without_identity_on_empty(p, kw):
    """A negative or infinite p-norm over nothing has no value: torch refuses, naming the
    dimension as it was given; other orders give zeros (an empty sum)."""
    def f(lib):
        return lib.zeros((0, 1)).norm(p, **kw)
    assert _outcome(T, f) == _outcome(torch, f)


def test_vector_norm_names_negative_dim_as_given():
    def f(lib):
        return lib.linalg.vector_norm(lib.zeros((2, 0)), math.inf, dim=(-1,))
    assert _outcome(T, f) == _outcome(torch, f)
    assert "dimension -1because" in _outcome(T, f)[1]


_PICKERS = {
    "sort": lambda x: x.sort(-1)[0] if x.dim() else x.sort(0)[0],
    "msort": lambda x: x.msort() if x.dim() else x.sort(0)[0],
    "topk": lambda x: x.topk(1, 0)[0] if x.dim() else x.topk(1)[0],
    "max": lambda x: x.max(0)[0],
    "max_keepdim": lambda x: x.max(0, keepdim=True)[0],
    "min": lambda x: x.min(0)[0],
    "kthvalue": lambda x: x.kthvalue(1, 0)[0],
    "median": lambda x: x.median(0)[0],
    "nanmedian": lambda x: x.nanmedian(0)[0],
}


@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
@pytest.mark.parametrize("name", sorted(_PICKERS))
def test_value_selecting_backward_is_a_scatter(name, shape):
    """PyTorch's backward of an op that picks values along a dim writes each gradient where
    its index points: under create_graph that is a ScatterBackward0 node, for a 0-d input
    too (found by the fuzzer: msort of a 0-d tensor gave MulBackward0)."""
    def f(lib):
        n = math.prod(shape)
        x = lib.arange(float(n), dtype=lib.float64).reshape(shape).requires_grad_()
        y = _PICKERS[name](x)
        g, = lib.autograd.grad(y.exp().sum(), x, create_graph=True)
        return y.grad_fn.name(), g.grad_fn.name(), g.detach().numpy().tolist()
    assert f(T) == f(torch)


def test_zero_dim_max_indices_are_version_checked():
    """max(dim) of a 0-d tensor saves its (0-d) indices like any other: changing them in
    place makes backward fail, as in PyTorch."""
    def f(lib):
        x = lib.tensor(1.5, requires_grad=True)
        v, i = (x * 2).max(0)
        i.masked_fill_(i >= 0, -1)
        try:
            v.backward()
        except RuntimeError as e:
            return str(e).split(".")[0]
        return "no error"
    assert f(T) == f(torch)
    assert "modified by an inplace operation" in f(T)
