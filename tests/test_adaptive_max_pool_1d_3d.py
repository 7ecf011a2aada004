"""F.adaptive_max_pool1d / 3d and nn.AdaptiveMaxPool1d / 3d against PyTorch: values,
indices, gradients (overlapping windows add up), ties and NaN, finite differences first
and second order, the nodes (1-d: Squeeze / AdaptiveMaxPool2D / Unsqueeze, as PyTorch's
composite; 3-d: AdaptiveMaxPool3DBackward0 and its BackwardBackward0), reprs, errors."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_nb as anb
from autograd_nb.autograd import gradcheck, gradgradcheck
from torch_errors import assert_same_error

torch = pytest.importorskip("torch")
F = anb.nn.functional

CASES = [("adaptive_max_pool1d", (2, 3, 7), 3), ("adaptive_max_pool1d", (3, 5), (4,)),
         ("adaptive_max_pool1d", (1, 2, 4), 6),
         ("adaptive_max_pool3d", (2, 2, 5, 4, 7), (2, 3, None)), ("adaptive_max_pool3d", (2, 3, 3, 5), 2),
         ("adaptive_max_pool3d", (1, 1, 2, 3, 3), (3, 4, 1))]


@pytest.mark.torch
@pytest.mark.parametrize("name,shape,output_size", CASES)
def test_values_indices_grad_and_nodes_match_torch(name, shape, output_size):
    rng = np.random.default_rng(sum(shape))
    x = rng.standard_normal(shape)
    x.flat[::5] = x.flat[1]                            # ties: the first wins
    tx, ax = torch.tensor(x, requires_grad=True), anb.tensor(x, requires_grad=True)
    ty, ti = getattr(torch.nn.functional, name)(tx, output_size, return_indices=True)
    ay, ai = getattr(F, name)(ax, output_size, return_indices=True)
    np.testing.assert_array_equal(ay.detach().numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(ai.numpy(), ti.numpy())
    assert ai.dtype == anb.int64
    chain = []
    for y in (ay, ty):
        node, names = y.grad_fn, []
        while node is not None and type(node).__name__ != "AccumulateGrad":
            names.append(node.name())
            node = node.next_functions[0][0]
        chain.append(names)
    assert chain[0] == chain[1]
    g = rng.standard_normal(tuple(ty.shape))
    tg, = torch.autograd.grad(ty, tx, torch.tensor(g), create_graph=True)
    ag, = anb.autograd.grad(ay, ax, anb.tensor(g), create_graph=True)
    np.testing.assert_allclose(ag.detach().numpy(), tg.detach().numpy(), rtol=1e-12, atol=1e-12)
    assert ag.grad_fn.name() == tg.grad_fn.name()


@pytest.mark.torch
def test_nan_wins_like_torch():
    x = np.array([[[np.nan, 1.0, np.nan, 2.0, 5.0, np.nan, 0.0, 9.0]]])
    for size in (1, 3, 5):
        ty, ti = torch.nn.functional.adaptive_max_pool1d(torch.tensor(x), size, return_indices=True)
        ay, ai = F.adaptive_max_pool1d(anb.tensor(x), size, return_indices=True)
        np.testing.assert_array_equal(ai.numpy(), ti.numpy())
        np.testing.assert_array_equal(ay.numpy(), ty.numpy())


@pytest.mark.parametrize("name,shape,output_size", [("adaptive_max_pool1d", (1, 2, 5), 3),
                                                     ("adaptive_max_pool3d", (1, 1, 3, 3, 4), (2, 2, 3))])
def test_finite_differences_first_and_second_order(name, shape, output_size):
    gen = anb.Generator().manual_seed(5)
    x = anb.randn(*shape, dtype=anb.float64, generator=gen, requires_grad=True)
    fn = getattr(F, name)
    assert gradcheck(lambda x: fn(x, output_size), (x,))
    assert gradgradcheck(lambda x: fn(x, output_size), (x,))


@pytest.mark.torch
def test_modules_and_with_indices():
    for lib in (torch, anb):
        assert repr(lib.nn.AdaptiveMaxPool1d(3)) == "AdaptiveMaxPool1d(output_size=3)"
        assert repr(lib.nn.AdaptiveMaxPool3d((2, None, 3), True)) == "AdaptiveMaxPool3d(output_size=(2, None, 3))"
    x = np.arange(24.0).reshape(1, 2, 3, 4)[..., ::-1].copy()
    ty, ti = torch.nn.AdaptiveMaxPool3d((1, 2, 3), return_indices=True)(torch.tensor(x))
    ay, ai = anb.nn.AdaptiveMaxPool3d((1, 2, 3), return_indices=True)(anb.tensor(x))
    np.testing.assert_array_equal(ay.numpy(), ty.numpy())
    np.testing.assert_array_equal(ai.numpy(), ti.numpy())
    for name, arr in (("adaptive_max_pool1d_with_indices", x[0]), ("adaptive_max_pool3d_with_indices", x)):
        t = getattr(torch.nn.functional, name)(torch.tensor(arr), 2)
        a = getattr(F, name)(anb.tensor(arr), 2)
        for u, v in zip(a, t):
            np.testing.assert_array_equal(u.numpy(), v.numpy())


@pytest.mark.torch
@pytest.mark.parametrize("call", [
    lambda F, t: F.adaptive_max_pool1d(t.ones(2, 3, 4, 5), 3),
    lambda F, t: F.adaptive_max_pool1d(t.ones(3, 0, 4), 2),
    lambda F, t: F.adaptive_max_pool1d(t.ones(2, 3, 0), 2),
    lambda F, t: F.adaptive_max_pool3d(t.ones(2, 3), 3),
    lambda F, t: F.adaptive_max_pool3d(t.ones(3, 0, 4, 2), 2),
    lambda F, t: F.adaptive_max_pool3d(t.ones(3, 4, 4, 4), (1, 2)),
])
def test_errors_match_torch(call):
    assert_same_error(call, torch)
