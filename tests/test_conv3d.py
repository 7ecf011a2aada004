"""conv3d, conv_transpose1d/3d and their modules (Conv3d, ConvTranspose1d/3d, the lazy
convolutions) against PyTorch: values, gradients (finite differences in float64), the one
ConvolutionBackward0 node and its saved fields, module repr / state_dict / the seeded
default initialisation, and PyTorch's errors."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_nb as anb
from autograd_nb.autograd import gradcheck, gradgradcheck
from torch_errors import assert_same_error

torch = pytest.importorskip("torch")
F = anb.nn.functional

# (function, input shape, weight shape, keyword arguments)
CASES = [
    ("conv3d", (2, 4, 5, 6, 4), (6, 2, 2, 3, 2), dict(stride=(1, 2, 1), padding=1, groups=2)),
    ("conv3d", (1, 2, 6, 5, 5), (3, 2, 3, 1, 2), dict(dilation=(2, 1, 2), padding=(0, 1, 1))),
    ("conv3d", (2, 5, 4, 4), (3, 2, 3, 3, 3), dict(padding="same")),          # unbatched
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3), dict(stride=2, output_padding=1, groups=2)),
    ("conv_transpose1d", (3, 6), (3, 2, 2), dict(padding=1, dilation=3)),       # unbatched
    ("conv_transpose3d", (2, 2, 3, 4, 3), (2, 3, 3, 2, 3), dict(stride=(2, 1, 3), padding=1,
                                                                 output_padding=(1, 0, 2))),
    ("conv_transpose3d", (1, 4, 3, 3, 3), (4, 1, 2, 2, 2), dict(groups=2, dilation=2, stride=2,
                                                                 output_padding=1)),
    ("conv_transpose3d", (1, 2, 3, 3, 3), (2, 3, 2, 2, 2), dict(stride=(1, 2, 3), dilation=(3, 1, 1),
                                                                 output_padding=(2, 1, 0))),  # past the stride
    ("conv_transpose1d", (2, 2, 5), (2, 3, 2), dict(dilation=3, output_padding=2)),
]


def _pair(shape, rng, dtype=np.float64):
    a = rng.standard_normal(shape).astype(dtype)
    return torch.tensor(a, requires_grad=True), anb.tensor(a, requires_grad=True)


@pytest.mark.torch
@pytest.mark.parametrize("name,xs,ws,kw", CASES)
def test_values_gradients_and_node_match_torch(name, xs, ws, kw):
    rng = np.random.default_rng(len(xs) + sum(ws))
    tx, ax = _pair(xs, rng)
    tw, aw = _pair(ws, rng)
    out_ch = ws[0] if name.startswith("conv3d") else ws[1] * kw.get("groups", 1)
    tb, ab = _pair((out_ch,), rng)
    ty = getattr(torch.nn.functional, name)(tx, tw, tb, **kw)
    ay = getattr(F, name)(ax, aw, ab, **kw)
    np.testing.assert_allclose(ay.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-10)
    g = rng.standard_normal(tuple(ty.shape))
    ty.backward(torch.tensor(g))
    ay.backward(anb.tensor(g))
    for a, t in ((ax, tx), (aw, tw), (ab, tb)):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-10)
    assert ay.grad_fn.name() == ty.grad_fn.name()
    if len(xs) != len(ws):
        return                                            # unbatched: SqueezeBackward1 on top
    assert ay.grad_fn.name() == "ConvolutionBackward0"
    for field in ("stride", "padding", "dilation", "groups", "transposed", "output_padding",
                  "bias_sym_sizes_opt"):
        assert getattr(ay.grad_fn, "_saved_" + field) == getattr(ty.grad_fn, "_saved_" + field), field


@pytest.mark.parametrize("name,xs,ws,kw", [
    ("conv3d", (1, 2, 3, 4, 3), (2, 1, 2, 2, 2), dict(stride=(1, 2, 1), padding=1, groups=2)),
    ("conv_transpose1d", (2, 4, 3), (4, 3, 3), dict(stride=2, output_padding=1, groups=2)),
    ("conv_transpose3d", (1, 2, 2, 2, 2), (2, 1, 2, 2, 2), dict(groups=2, dilation=2, stride=2,
                                                                 output_padding=1)),
])
def test_finite_differences_first_and_second_order(name, xs, ws, kw):
    gen = anb.Generator().manual_seed(3)
    x = anb.randn(*xs, dtype=anb.float64, generator=gen, requires_grad=True)
    w = anb.randn(*ws, dtype=anb.float64, generator=gen, requires_grad=True)
    fn = getattr(F, name)
    assert gradcheck(lambda x, w: fn(x, w, **kw), (x, w))
    assert gradgradcheck(lambda x, w: fn(x, w, **kw), (x, w))


@pytest.mark.torch
@pytest.mark.parametrize("make,shape", [
    (lambda nn: nn.Conv3d(2, 4, (2, 3, 2), stride=(1, 2, 1), padding=1, groups=2, bias=False), (2, 2, 5, 6, 4)),
    (lambda nn: nn.Conv3d(2, 3, 3, padding=1, padding_mode="circular"), (1, 2, 4, 4, 4)),
    (lambda nn: nn.ConvTranspose1d(2, 4, 3, stride=2, output_padding=1, dilation=2), (2, 2, 5)),
    (lambda nn: nn.ConvTranspose3d(2, 4, 3, stride=2, padding=1, groups=2), (1, 2, 3, 3, 2)),
    (lambda nn: nn.LazyConv3d(3, 2), (2, 2, 3, 3, 3)),
    (lambda nn: nn.LazyConvTranspose1d(3, 2, stride=2), (2, 4, 5)),
    (lambda nn: nn.LazyConvTranspose2d(4, 3, stride=2, padding=1, output_padding=1), (1, 2, 4, 5)),
    (lambda nn: nn.LazyConvTranspose3d(2, 2), (3, 2, 2, 2)),
])
def test_modules_draw_torchs_weights_and_match(make, shape):
    results = []
    for lib in (torch, anb):
        lib.manual_seed(0)
        m = make(lib.nn)
        before = repr(m)
        x = lib.randn(*shape, requires_grad=True)
        y = m(x)
        y.sum().backward()
        results.append((before, repr(m), type(m).__name__, y.detach().numpy(), x.grad.numpy(),
                        {k: v.detach().numpy() for k, v in m.state_dict().items()}, m.weight.grad.numpy()))
    (tb, tr, tn, ty, tg, ts, tw), (ab, ar, an, ay, ag, as_, aw) = results
    assert (ab, ar, an) == (tb, tr, tn)
    np.testing.assert_allclose(ay, ty, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ag, tg, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(aw, tw, rtol=1e-5, atol=1e-5)
    assert list(as_) == list(ts)
    for k in ts:
        np.testing.assert_array_equal(as_[k], ts[k])


@pytest.mark.torch
def test_output_size_picks_the_output_padding():
    for lib in (torch, anb):
        lib.manual_seed(0)
    tm, am = torch.nn.ConvTranspose3d(1, 1, 3, stride=2), anb.nn.ConvTranspose3d(1, 1, 3, stride=2)
    x = np.ones((1, 1, 3, 3, 3), dtype=np.float32)
    ty = tm(torch.tensor(x), output_size=[8, 7, 8])
    ay = am(anb.tensor(x), output_size=[8, 7, 8])
    assert tuple(ay.shape) == tuple(ty.shape) == (1, 1, 8, 7, 8)
    np.testing.assert_allclose(ay.detach().numpy(), ty.detach().numpy(), rtol=1e-6)


@pytest.mark.torch
@pytest.mark.parametrize("call", [
    lambda F, t: F.conv3d(t.ones(1, 5, 5), t.ones(2, 3, 3, 3, 3)),
    lambda F, t: F.conv3d(t.ones(1, 2, 5, 5, 5), t.ones(2, 3, 3, 3, 3)),
    lambda F, t: F.conv3d(t.ones(1, 3, 2, 2, 2), t.ones(2, 3, 3, 3, 3)),
    lambda F, t: F.conv_transpose1d(t.ones(1, 3, 5), t.ones(2, 3, 3)),
    lambda F, t: F.conv_transpose1d(t.ones(1, 2, 5), t.ones(2, 3, 3), stride=2, output_padding=2),
    lambda F, t: F.conv_transpose3d(t.ones(1, 2, 3, 3, 3), t.ones(2, 3, 3, 3, 3), stride=2, output_padding=2),
    lambda F, t: F.conv_transpose3d(t.ones(3, 4, 5, 6, 7, 8), t.ones(2, 3, 3, 3, 3)),
    lambda F, t: t.nn.ConvTranspose1d(2, 3, 3)(t.ones(1, 2, 4), output_size=[3]),
    lambda F, t: t.nn.ConvTranspose3d(2, 3, 3, padding_mode="reflect"),
    lambda F, t: t.nn.Conv3d(3, 4, 3, groups=2),
])
def test_errors_match_torch(call):
    assert_same_error(call, torch)


@pytest.mark.torch
def test_top_level_names():
    x = np.random.default_rng(0).standard_normal((1, 2, 3, 3, 3))
    w = np.ones((2, 1, 2, 2, 2))
    for name in ("conv3d", "conv_transpose1d", "conv_transpose3d"):
        assert hasattr(anb, name)
    np.testing.assert_allclose(anb.conv3d(anb.tensor(x), anb.tensor(w), None, 1, 0, 1, 2).numpy(),
                               torch.conv3d(torch.tensor(x), torch.tensor(w), None, 1, 0, 1, 2).numpy())
