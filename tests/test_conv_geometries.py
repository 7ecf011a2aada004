"""conv2d forward and first-order backward against PyTorch over many geometries (padding,
'same' with its uneven split, dilation, groups, stride): every product goes through the
shifted columns of ``patches`` (the stride's phases, the flipped kernel for grad input)."""
from __future__ import annotations

import itertools
import zlib

import numpy as np
import pytest

import autograd_nb as anb

torch = pytest.importorskip("torch")

SHAPES = [(2, 4, 5, 6), (1, 2, 7, 4), (1, 2, 3, 26)]
KERNELS = [(4, 3, 3), (2, 1, 3), (4, 2, 2)]
CASES = [(s, k, pad, dil, groups, stride)
         for s, k, pad, dil, groups, stride in itertools.product(
             SHAPES, KERNELS, [0, 1, (2, 1), "same"], [1, (2, 1)], [1, 2], [1, 2])
         if s[1] % groups == 0 and k[0] % groups == 0 and not (pad == "same" and stride != 1)]


@pytest.mark.torch
@pytest.mark.parametrize("shape,kernel,padding,dilation,groups,stride", CASES)
def test_conv2d_grads_match_torch(shape, kernel, padding, dilation, groups, stride):
    rng = np.random.default_rng(zlib.crc32(repr((shape, kernel, padding, dilation, groups, stride)).encode()))
    o, kh, kw = kernel
    x = rng.standard_normal(shape)
    w = rng.standard_normal((o, shape[1] // groups, kh, kw))
    kw_args = dict(padding=padding, dilation=dilation, groups=groups, stride=stride)
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    try:
        ty = torch.nn.functional.conv2d(tx, tw, **kw_args)
    except RuntimeError:                                # the kernel does not fit: not a case
        return
    g = rng.standard_normal(tuple(ty.shape))
    ty.backward(torch.tensor(g))
    ax, aw = anb.tensor(x, requires_grad=True), anb.tensor(w, requires_grad=True)
    ay = anb.nn.functional.conv2d(ax, aw, **kw_args)
    ay.backward(anb.tensor(g))
    np.testing.assert_allclose(ay.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(ax.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(aw.grad.numpy(), tw.grad.numpy(), rtol=1e-10, atol=1e-10)
    assert ax.grad.numpy().flags.c_contiguous
