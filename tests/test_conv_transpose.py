"""F.conv_transpose2d and nn.ConvTranspose2d against PyTorch: values, both grads and the
bias grad over geometries (stride, padding, output_padding, dilation, groups, unbatched),
finite differences in float64 (second order included), the node's saved fields, the
module's init stream, repr and ``output_size``, and the errors."""
from __future__ import annotations

import itertools
import zlib

import numpy as np
import pytest

import autograd_nb as anb
from autograd_nb.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

CASES = [(shape, wshape, stride, padding, out_pad, dil, groups)
         for shape, wshape, stride, padding, out_pad, dil, groups in itertools.product(
             [(2, 4, 5, 6), (4, 3, 4)], [(4, 3, 3, 3), (4, 1, 2, 3)], [1, 2, (2, 3)], [0, 1, (1, 0)],
             [0, 1], [1, 2], [1, 2])]


def _args(stride, padding, out_pad, dil, groups):
    return dict(stride=stride, padding=padding, output_padding=out_pad, dilation=dil, groups=groups)


@pytest.mark.torch
@pytest.mark.parametrize("shape,wshape,stride,padding,out_pad,dil,groups", CASES)
def test_conv_transpose2d_matches_torch(shape, wshape, stride, padding, out_pad, dil, groups):
    rng = np.random.default_rng(zlib.crc32(repr((shape, wshape, stride, padding, out_pad, dil, groups)).encode()))
    x, w, b = rng.standard_normal(shape), rng.standard_normal(wshape), rng.standard_normal(wshape[1] * groups)
    kw = _args(stride, padding, out_pad, dil, groups)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    try:
        ty = torch.nn.functional.conv_transpose2d(tx, tw, tb, **kw)
    except RuntimeError as err:                      # torch refuses: so must we, with its message
        with pytest.raises(RuntimeError) as ours:
            anb.nn.functional.conv_transpose2d(anb.tensor(x), anb.tensor(w), anb.tensor(b), **kw)
        assert str(ours.value).split(",")[0] == str(err).split(",")[0]
        return
    g = rng.standard_normal(tuple(ty.shape))
    ty.backward(torch.tensor(g))
    ax, aw, ab = (anb.tensor(a, requires_grad=True) for a in (x, w, b))
    ay = anb.nn.functional.conv_transpose2d(ax, aw, ab, **kw)
    assert tuple(ay.shape) == tuple(ty.shape)
    ay.backward(anb.tensor(g))
    for ours, theirs in ((ay.detach(), ty.detach()), (ax.grad, tx.grad), (aw.grad, tw.grad), (ab.grad, tb.grad)):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.torch
def test_node_name_and_saved_fields_match_torch():
    kw = dict(stride=2, padding=1, output_padding=1)
    ty = torch.nn.functional.conv_transpose2d(torch.ones(1, 2, 3, 3, requires_grad=True),
                                              torch.ones(2, 3, 3, 3, requires_grad=True), **kw)
    ay = anb.nn.functional.conv_transpose2d(anb.ones(1, 2, 3, 3, requires_grad=True),
                                            anb.ones(2, 3, 3, 3, requires_grad=True), **kw)
    assert ay.grad_fn.name() == ty.grad_fn.name() == "ConvolutionBackward0"
    for field in ("_saved_transposed", "_saved_output_padding", "_saved_stride", "_saved_padding",
                  "_saved_dilation", "_saved_groups"):
        assert tuple(np.atleast_1d(getattr(ay.grad_fn, field))) == tuple(np.atleast_1d(getattr(ty.grad_fn, field)))


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1, output_padding=1), dict(groups=2, dilation=2),
                                dict(dilation=2, output_padding=1), dict(dilation=2, padding=2, output_padding=1)])
def test_conv_transpose2d_first_and_second_order_by_finite_differences(kw):
    gen = anb.Generator().manual_seed(3)
    x = anb.randn(1, 2, 3, 3, dtype=anb.float64, generator=gen, requires_grad=True)
    w = anb.randn(2, 2, 2, 2, dtype=anb.float64, generator=gen, requires_grad=True)
    b = anb.randn(2 * kw.get("groups", 1), dtype=anb.float64, generator=gen, requires_grad=True)
    w = w if kw.get("groups", 1) == 1 else anb.randn(2, 1, 2, 2, dtype=anb.float64, generator=gen,
                                                     requires_grad=True)
    b = b if kw.get("groups", 1) == 1 else anb.randn(2, dtype=anb.float64, generator=gen, requires_grad=True)
    fn = lambda x, w, b: anb.nn.functional.conv_transpose2d(x, w, b, **kw)  # noqa: E731
    assert gradcheck(fn, (x, w, b))
    assert gradgradcheck(fn, (x, w, b))


@pytest.mark.torch
@pytest.mark.parametrize("kw,shape,output_size", [
    (dict(in_channels=4, out_channels=6, kernel_size=3), (2, 4, 5, 5), None),
    (dict(in_channels=4, out_channels=6, kernel_size=3, stride=2, padding=1, output_padding=1, groups=2),
     (2, 4, 5, 6), None),
    (dict(in_channels=3, out_channels=2, kernel_size=(2, 3), stride=2, bias=False), (3, 4, 4), [9, 10]),
])
def test_module_matches_torch(kw, shape, output_size):
    torch.manual_seed(0)
    tm = torch.nn.ConvTranspose2d(**kw).double()
    anb.manual_seed(0)
    am = anb.nn.ConvTranspose2d(**kw).double()
    assert repr(am) == repr(tm)
    np.testing.assert_array_equal(am.weight.detach().numpy(), tm.weight.detach().numpy())
    x = np.random.default_rng(1).standard_normal(shape)
    tx, ax = torch.tensor(x, requires_grad=True), anb.tensor(x, requires_grad=True)
    ty, ay = tm(tx, output_size=output_size), am(ax, output_size=output_size)
    np.testing.assert_allclose(ay.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-10)
    assert ay.grad_fn.name() == ty.grad_fn.name()
    ty.pow(2).sum().backward()
    ay.pow(2).sum().backward()
    np.testing.assert_allclose(ax.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(am.weight.grad.numpy(), tm.weight.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_errors():
    with pytest.raises(ValueError, match='Only "zeros" padding mode is supported for ConvTranspose2d'):
        anb.nn.ConvTranspose2d(2, 2, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match=r"valid sizes range from \[9, 9\] to \[10, 10\]"):
        anb.nn.ConvTranspose2d(2, 2, 3, stride=2)(anb.zeros(1, 2, 4, 4), output_size=[20, 20])
    with pytest.raises(RuntimeError, match="output padding must be smaller than either stride or dilation"):
        anb.nn.functional.conv_transpose2d(anb.zeros(1, 2, 4, 4), anb.zeros(2, 2, 3, 3), output_padding=1)
    with pytest.raises(RuntimeError, match="expected input"):
        anb.nn.functional.conv_transpose2d(anb.zeros(1, 3, 4, 4), anb.zeros(2, 2, 3, 3))
