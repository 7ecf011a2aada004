"""conv2d forward and first-order backward against PyTorch over many geometries (padding,
'same' with its uneven split, dilation, groups, stride): every product goes through the
shifted columns of ``patches`` (the stride's phases, the flipped kernel for grad input)."""
from __future__ import annotations

import itertools
import zlib

import numpy as np
import pytest

import autograd_nb as anb
from autograd_nb.ops.nnops import patches

torch = pytest.importorskip("torch")

SHAPES = [(2, 4, 5, 6), (1, 2, 7, 4), (1, 2, 3, 26)]
KERNELS = [(4, 3, 3), (2, 1, 3), (4, 2, 2)]
CASES = [(s, k, pad, dil, groups, stride)
         for s, k, pad, dil, groups, stride in itertools.product(
             SHAPES, KERNELS, [0, 1, (2, 1), "same"], [1, (2, 1)], [1, 2], [1, 2])
         if s[1] % groups == 0 and k[0] % groups == 0 and not (pad == "same" and stride != 1)]


ROUTES = ["columns", "taps"]


def force(monkeypatch, route):
    """Every product through one route of patches.shifted_product, whatever the shape would pick."""
    monkeypatch.setattr(patches, "pick_route", lambda c, o, positions, nph: route)


@pytest.mark.torch
@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("shape,kernel,padding,dilation,groups,stride", CASES)
def test_conv2d_grads_match_torch(shape, kernel, padding, dilation, groups, stride, route, monkeypatch):
    force(monkeypatch, route)
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


@pytest.mark.torch
@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("kw_args", [dict(padding=2, stride=3, dilation=2), dict(stride=1),
                                     dict(padding=3, stride=2, groups=3)])
def test_conv1d_grads_match_torch(kw_args, route, monkeypatch):
    """conv1d runs as a height-1 conv2d (views in and out)."""
    force(monkeypatch, route)
    rng = np.random.default_rng(7)
    x, w, b = rng.standard_normal((2, 6, 17)), rng.standard_normal((9, 6 // kw_args.get("groups", 1), 4)), \
        rng.standard_normal(9)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ty = torch.nn.functional.conv1d(tx, tw, tb, **kw_args)
    g = rng.standard_normal(tuple(ty.shape))
    ty.backward(torch.tensor(g))
    ax, aw, ab = (anb.tensor(a, requires_grad=True) for a in (x, w, b))
    ay = anb.nn.functional.conv1d(ax, aw, ab, **kw_args)
    ay.backward(anb.tensor(g))
    for mine, theirs in ((ay, ty), (ax.grad, tx.grad), (aw.grad, tw.grad), (ab.grad, tb.grad)):
        np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.torch
def test_big_float32_conv_matches_torch_on_the_route_size_picks():
    """A shape big enough for the per-tap route and for several chunks of images, in
    float32: equal to torch to float32 tolerance (sums in another order)."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((9, 16, 20, 20)).astype(np.float32)
    w = (rng.standard_normal((24, 16, 3, 3)) * 0.1).astype(np.float32)
    g = rng.standard_normal((9, 24, 10, 10)).astype(np.float32)
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    ty = torch.nn.functional.conv2d(tx, tw, stride=2, padding=1)
    ty.backward(torch.tensor(g))
    ax, aw = anb.tensor(x, requires_grad=True), anb.tensor(w, requires_grad=True)
    old = patches.CHUNK_BYTES
    try:
        patches.CHUNK_BYTES = 1 << 16                   # several chunks of images
        ay = anb.nn.functional.conv2d(ax, aw, stride=2, padding=1)
        ay.backward(anb.tensor(g))
    finally:
        patches.CHUNK_BYTES = old
    for mine, theirs in ((ay, ty), (ax.grad, tx.grad), (aw.grad, tw.grad)):
        np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.torch
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("dims,padding", [(2, 1), (2, (2, 1)), (2, "same"), (1, 2), (1, "same")])
def test_conv_layers_pad_by_padding_mode_like_torch(mode, dims, padding):
    """nn.Conv1d/Conv2d with padding_mode: F.pad in that mode, then a conv with no padding."""
    rng = np.random.default_rng(11)
    shape = (2, 4) + (7, 6)[:dims] if dims == 2 else (2, 4, 9)
    kernel = (3, 4)[:dims] if dims == 2 else 4
    x = rng.standard_normal(shape)
    name = f"Conv{dims}d"
    tl = getattr(torch.nn, name)(4, 6, kernel, padding=padding, padding_mode=mode, dilation=1).double()
    al = getattr(anb.nn, name)(4, 6, kernel, padding=padding, padding_mode=mode).double()
    with anb.no_grad():
        al.weight.copy_(anb.tensor(tl.weight.detach().numpy()))
        al.bias.copy_(anb.tensor(tl.bias.detach().numpy()))
    tx, ax = torch.tensor(x, requires_grad=True), anb.tensor(x, requires_grad=True)
    ty, ay = tl(tx), al(ax)
    g = rng.standard_normal(tuple(ty.shape))
    ty.backward(torch.tensor(g))
    ay.backward(anb.tensor(g))
    assert repr(al) == repr(tl)
    for mine, theirs in ((ay, ty), (ax.grad, tx.grad), (al.weight.grad, tl.weight.grad)):
        np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-10)
