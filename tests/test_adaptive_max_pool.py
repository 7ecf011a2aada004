"""F.adaptive_max_pool2d and nn.AdaptiveMaxPool2d against PyTorch: values, indices and
gradients (overlapping windows add up), ties (the first wins) and NaN (the last wins),
finite differences first and second order, the node and its saved buffers, errors."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_nb as anb
from autograd_nb.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")
F = anb.nn.functional

CASES = [((2, 3, 5, 7), (3, None)), ((3, 7, 5), 2), ((1, 2, 6, 6), (4, 5)), ((2, 1, 3, 3), (3, 3)),
         ((1, 1, 5, 5), (5, 2)), ((1, 2, 4, 9), 1), ((2, 2, 3, 4), (6, 7))]


@pytest.mark.torch
@pytest.mark.parametrize("shape,output_size", CASES)
def test_values_indices_and_grad_match_torch(shape, output_size):
    rng = np.random.default_rng(sum(shape))
    x = rng.standard_normal(shape)
    tx, ax = torch.tensor(x, requires_grad=True), anb.tensor(x, requires_grad=True)
    ty, ti = torch.nn.functional.adaptive_max_pool2d(tx, output_size, return_indices=True)
    ay, ai = F.adaptive_max_pool2d(ax, output_size, return_indices=True)
    np.testing.assert_array_equal(ay.detach().numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(ai.numpy(), ti.numpy())
    assert ai.dtype == anb.int64
    g = rng.standard_normal(tuple(ty.shape))
    ty.backward(torch.tensor(g))
    ay.backward(anb.tensor(g))
    np.testing.assert_allclose(ax.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.torch
def test_ties_go_to_the_first_and_nan_to_the_last_like_torch():
    x = np.array([[[[1.0, 3.0, 3.0, 0.0], [3.0, 2.0, 3.0, 1.0], [0.0, 0.0, 0.0, 0.0]]],
                  [[[np.nan, 1.0, np.nan, 2.0], [5.0, np.nan, 0.0, 9.0], [1.0, 1.0, 1.0, 1.0]]]])
    for size in (1, 2, (2, 3), (3, 4)):
        ty, ti = torch.nn.functional.adaptive_max_pool2d(torch.tensor(x), size, return_indices=True)
        ay, ai = F.adaptive_max_pool2d(anb.tensor(x), size, return_indices=True)
        np.testing.assert_array_equal(ai.numpy(), ti.numpy())
        np.testing.assert_array_equal(ay.numpy(), ty.numpy())


@pytest.mark.parametrize("output_size", [(2, 3), 3, (4, 4)])
def test_finite_differences_first_and_second_order(output_size):
    gen = anb.Generator().manual_seed(5)
    x = anb.randn(1, 2, 4, 5, dtype=anb.float64, generator=gen, requires_grad=True)
    fn = lambda x: F.adaptive_max_pool2d(x, output_size)  # noqa: E731
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


@pytest.mark.torch
def test_node_module_and_with_indices_match_torch():
    x = np.arange(32.0).reshape(1, 2, 4, 4)[..., ::-1].copy()
    ty = torch.nn.AdaptiveMaxPool2d((2, None))(torch.tensor(x, requires_grad=True))
    ay = anb.nn.AdaptiveMaxPool2d((2, None))(anb.tensor(x, requires_grad=True))
    assert ay.grad_fn.name() == ty.grad_fn.name() == "AdaptiveMaxPool2DBackward0"
    np.testing.assert_array_equal(ay.grad_fn._saved_result1.numpy(), ty.grad_fn._saved_result1.numpy())
    assert ay.grad_fn._saved_self.shape == ty.grad_fn._saved_self.shape
    assert repr(anb.nn.AdaptiveMaxPool2d((2, None), return_indices=True)) == repr(
        torch.nn.AdaptiveMaxPool2d((2, None), return_indices=True))
    values, indices = anb.nn.AdaptiveMaxPool2d(3, return_indices=True)(anb.tensor(x))
    tv, tidx = torch.nn.functional.adaptive_max_pool2d_with_indices(torch.tensor(x), 3)
    av, aidx = F.adaptive_max_pool2d_with_indices(anb.tensor(x), 3)
    for ours in (values, av):
        np.testing.assert_array_equal(ours.numpy(), tv.numpy())
    for ours in (indices, aidx):
        np.testing.assert_array_equal(ours.numpy(), tidx.numpy())


def test_errors_are_torchs():
    with pytest.raises(RuntimeError, match=r"Expected 3D or 4D tensor, but got: \[4, 5\]"):
        F.adaptive_max_pool2d(anb.zeros(4, 5), 2)
    with pytest.raises(RuntimeError, match="with dimension 2 being empty"):
        F.adaptive_max_pool2d(anb.zeros(1, 2, 0, 4), 2)
