"""Differences found by PyTorch's own op database (issue #27), each fixed and checked
against real torch 2.13: second derivatives, edge shapes, node names, integer results."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_nb as anb
import autograd_nb.nn.functional as AF

torch = pytest.importorskip("torch")
TF = torch.nn.functional

pytestmark = pytest.mark.torch


def _pair(*shapes, seed=0):
    """The same float64 leaves in both libraries."""
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    return ([torch.tensor(a, requires_grad=True) for a in arrays],
            [anb.tensor(a, requires_grad=True) for a in arrays])


def _weights(t, k):
    return np.random.default_rng(100 + k).uniform(0.5, 1.5, tuple(t.shape))


def _two_orders(f_torch, f_ours, ts, os_):
    """First and second derivatives of a weighted sum of the outputs, in both libraries,
    the first order under create_graph (so every gradient must itself require grad)."""
    yt, yo = f_torch(*ts), f_ours(*os_)
    lt = (yt * torch.tensor(_weights(yt, 0))).sum()
    lo = (yo * anb.tensor(_weights(yo, 0))).sum()
    gt = torch.autograd.grad(lt, ts, create_graph=True)
    go = anb.autograd.grad(lo, os_, create_graph=True)
    for a, b in zip(go, gt):
        assert a.requires_grad == b.requires_grad
        assert a.grad_fn is None or type(a.grad_fn).__name__ == type(b.grad_fn).__name__
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-7, atol=1e-9)
    l2t = sum((g * torch.tensor(_weights(g, 5 + i))).sum() for i, g in enumerate(gt))
    l2o = sum((g * anb.tensor(_weights(g, 5 + i))).sum() for i, g in enumerate(go))
    g2t = torch.autograd.grad(l2t, ts, allow_unused=True)
    g2o = anb.autograd.grad(l2o, os_, allow_unused=True)
    for a, b in zip(g2o, g2t):
        if b is None or a is None:
            z = a if b is None else b
            assert z is None or not np.any(z.detach().numpy())
            continue
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-7, atol=1e-9)


# --- second order of the transposed convolutions ---------------------------------------

@pytest.mark.parametrize("nsp,kw", [
    (1, dict(stride=2, padding=1, output_padding=1)),
    (1, dict(groups=2, dilation=2)),
    (2, dict(stride=(2, 1), padding=(1, 0), output_padding=(1, 0))),
    (2, dict(groups=2, stride=2, dilation=(1, 2), output_padding=1)),
    (3, dict(stride=2, padding=1, output_padding=1)),
])
def test_conv_transpose_second_order(nsp, kw):
    name = f"conv_transpose{nsp}d"
    groups = kw.get("groups", 1)
    x_shape = (2, 4) + (4,) * nsp
    w_shape = (4, 6 // groups) + (3,) * nsp
    ts, os_ = _pair(x_shape, w_shape, (6,))
    _two_orders(lambda *a: getattr(TF, name)(*a, **kw), lambda *a: getattr(AF, name)(*a, **kw), ts, os_)
    # the three gradients are one node's outputs, as in torch (the bias's too)
    y = getattr(AF, name)(*os_, **kw)
    gs = anb.autograd.grad(y.sum(), os_, create_graph=True)
    assert len({id(g.grad_fn) for g in gs}) == 1
    assert type(gs[0].grad_fn).__name__ == "ConvolutionBackwardBackward0" and gs[0].grad_fn._saved_transposed


def test_conv_transpose_gradgradcheck():
    x = anb.randn(1, 2, 3, 3, dtype=anb.float64, requires_grad=True)
    w = anb.randn(2, 2, 2, 2, dtype=anb.float64, requires_grad=True)
    b = anb.randn(2, dtype=anb.float64, requires_grad=True)
    f = lambda x, w, b: AF.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1)
    assert anb.autograd.gradcheck(f, (x, w, b))
    assert anb.autograd.gradgradcheck(f, (x, w, b))
