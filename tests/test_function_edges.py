"""A custom ``autograd.Function``'s node has one edge per *tensor* argument, as PyTorch's
(non-tensor arguments get none), while ``backward`` still returns one gradient per
argument; hooks on the node see one gradient per edge; a gradient for a non-tensor
argument is refused in PyTorch's words. (Where an edge is None, PyTorch's hook still sees
the gradient backward returned for it, ours None.)"""
from __future__ import annotations

import numpy as np
import pytest

import autograd_nb as anb
from torch_errors import error_of

torch = pytest.importorskip("torch")


def _functions(lib):
    class Scale(lib.autograd.Function):
        @staticmethod
        def forward(ctx, k, x, y):
            ctx.k = k
            return x * k + (0 if y is None else y)

        @staticmethod
        def backward(ctx, g):
            return None, g * ctx.k, g

    class Wrong(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g, g

    return Scale, Wrong


def test_edges_per_tensor_argument_and_hooks():
    got = []
    for lib in (anb, torch):
        Scale, _ = _functions(lib)
        x, y = lib.ones(3, requires_grad=True), lib.ones(3)
        out = Scale.apply(2.0, x, y)
        seen = []
        out.grad_fn.register_hook(lambda gi, go: seen.append((len(gi), len(go))))
        out.sum().backward()
        no_y = Scale.apply(2.0, x, None)
        got.append(([type(f).__name__ for f, _ in out.grad_fn.next_functions],
                    [type(f).__name__ for f, _ in no_y.grad_fn.next_functions], seen, x.grad.numpy().tolist()))
    assert got[0] == got[1]
    assert got[0][0] == ["AccumulateGrad", "NoneType"]


def test_gradient_for_a_non_tensor_argument_is_refused():
    msgs = []
    for lib in (anb, torch):
        _, Wrong = _functions(lib)
        x = lib.ones(3, requires_grad=True)
        msgs.append(error_of(lambda: Wrong.apply(x, 2).sum().backward()))
    assert msgs[0] == msgs[1] == ("RuntimeError", "function WrongBackward returned a gradient different than None "
                                  "at position 2, but the corresponding forward input was not a Variable")


def test_cross_map_lrn2d_node_edges():
    x = np.random.default_rng(0).standard_normal((1, 3, 2, 2))
    names = []
    for lib in (anb, torch):
        y = lib.nn.CrossMapLRN2d(3)(lib.tensor(x, requires_grad=True))
        names.append([type(f).__name__ for f, _ in y.grad_fn.next_functions])
    assert names[0] == names[1] == ["AccumulateGrad"]
