"""3-d max pooling (``F.max_pool3d``, ``nn.MaxPool3d``, ``torch.max_pool3d``), 1-d max
pooling with indices, power-average pooling (``F.lp_pool1d/2d/3d``, ``nn.LPPool*``) and
max unpooling (``F.max_unpool1d/2d/3d``, ``nn.MaxUnpool*``) against PyTorch: values,
indices, gradients, nodes and what they save, second-order graphs, finite differences in
float64, reprs, errors."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_nb as anb
from autograd_nb.autograd import gradcheck, gradgradcheck
from torch_errors import error_of

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(21)


def _same_error(fn) -> None:
    ours, theirs = error_of(lambda: fn(anb)), error_of(lambda: fn(torch))
    assert theirs is not None
    assert ours == theirs


def _chain(t) -> list[str]:
    out, g = [], t.grad_fn
    while g is not None and len(out) < 10:
        out.append(type(g).__name__)
        g = g.next_functions[0][0] if g.next_functions else None
    return out


def _distinct(shape) -> np.ndarray:
    """Values without ties (so that which element wins a window never depends on rounding)."""
    return RNG.permutation(int(np.prod(shape))).reshape(shape) / 7.0 - 3.0


# ---------------------------------------------------------------------------
# max_pool3d
# ---------------------------------------------------------------------------

POOL3D = [
    ((2, 3, 5, 6, 7), dict(kernel_size=2)),
    ((2, 5, 6, 7), dict(kernel_size=(3, 2, 2), stride=(1, 2, 1), padding=(1, 1, 0), dilation=(1, 2, 1),
                        ceil_mode=True)),
    ((1, 2, 4, 4, 4), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ((1, 1, 5, 5, 5), dict(kernel_size=2, dilation=2, stride=1)),
]
SAVED = ("kernel_size", "stride", "padding", "dilation", "ceil_mode")


@pytest.mark.parametrize("shape,kw", POOL3D)
@pytest.mark.parametrize("ties", [False, True])
def test_max_pool3d_matches_torch(shape, kw, ties):
    x = np.round(RNG.standard_normal(shape), 1) if ties else _distinct(shape)
    grad = None
    got = {}
    for lib in (anb, torch):
        xt = lib.tensor(x, requires_grad=True)
        out, idx = lib.nn.functional.max_pool3d(xt, return_indices=True, **kw)
        grad = RNG.standard_normal(tuple(out.shape)) if grad is None else grad
        out.backward(lib.tensor(grad), retain_graph=True)
        node = out.grad_fn
        got[lib] = (out.detach().numpy(), idx.numpy(), xt.grad.numpy(), type(node).__name__,
                    [getattr(node, "_saved_" + k) for k in SAVED], node._saved_result1.numpy(),
                    tuple(node._saved_self.shape))
    a, b = got[anb], got[torch]
    np.testing.assert_allclose(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    np.testing.assert_allclose(a[2], b[2])
    assert a[3:5] == b[3:5]
    np.testing.assert_array_equal(a[5], b[5])
    assert a[6] == b[6]


def test_max_pool3d_second_order_and_finite_differences():
    x = anb.tensor(_distinct((1, 2, 3, 4, 4)), requires_grad=True)
    f = lambda t: anb.nn.functional.max_pool3d(t, 2, stride=1, padding=1)
    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))
    got = []
    for lib in (anb, torch):
        xt = lib.tensor(x.detach().numpy(), requires_grad=True)
        y = lib.nn.functional.max_pool3d(xt, 2)
        g = lib.ones_like(y).requires_grad_()
        (gx,) = lib.autograd.grad(y, xt, g, create_graph=True)
        got.append((type(gx.grad_fn).__name__, sorted(a for a in dir(gx.grad_fn) if a.startswith("_saved_"))))
    assert got[0] == got[1] == ("MaxPool3DWithIndicesBackwardBackward0", ["_saved_indices"])


def test_max_pool3d_nan_and_integers():
    x = np.array([[[[[1.0, np.nan], [1.0, 1.0]]]]])
    for data in (x, np.arange(16).reshape(1, 1, 2, 2, 4)):
        a = anb.nn.functional.max_pool3d(anb.tensor(data), (1, 2, 2), return_indices=True)
        b = torch.nn.functional.max_pool3d(torch.tensor(data), (1, 2, 2), return_indices=True)
        np.testing.assert_array_equal(a[0].numpy(), b[0].numpy())
        np.testing.assert_array_equal(a[1].numpy(), b[1].numpy())


def test_max_pool3d_module_and_torch_functions():
    x = _distinct((2, 2, 4, 4, 4))
    for kw in (dict(kernel_size=2), dict(kernel_size=(2, 1, 2), stride=1, padding=(1, 0, 1), ceil_mode=True,
                                         return_indices=True)):
        ours, theirs = anb.nn.MaxPool3d(**kw), torch.nn.MaxPool3d(**kw)
        assert repr(ours) == repr(theirs)
        a, b = ours(anb.tensor(x)), theirs(torch.tensor(x))
        for p, q in zip(a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,)):
            np.testing.assert_array_equal(p.numpy(), q.numpy())
    np.testing.assert_array_equal(anb.max_pool3d(anb.tensor(x), 2, 1).numpy(),
                                  torch.max_pool3d(torch.tensor(x), 2, 1).numpy())
    x1 = _distinct((2, 3, 9))
    for lib_fn in ("max_pool1d", "max_pool1d_with_indices"):
        a, b = getattr(anb, lib_fn)(anb.tensor(x1), 3, 2), getattr(torch, lib_fn)(torch.tensor(x1), 3, 2)
        for p, q in zip(a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,)):
            np.testing.assert_array_equal(p.numpy(), q.numpy())


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, dilation=1),
                                dict(kernel_size=(2,), stride=(1,), ceil_mode=True)])
def test_max_pool1d_with_indices_matches_torch(kw):
    x = _distinct((2, 3, 8))
    got = []
    for lib in (anb, torch):
        xt = lib.tensor(x, requires_grad=True)
        out, idx = lib.nn.functional.max_pool1d_with_indices(xt, **kw)
        out.backward(lib.tensor(np.arange(out.numel(), dtype=np.float64).reshape(tuple(out.shape))))
        got.append((out.detach().numpy().tolist(), idx.numpy().tolist(), xt.grad.numpy().tolist(), _chain(out)))
    assert got[0] == got[1]


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.functional.max_pool3d(lib.ones(2, 4, 4), 2),
    lambda lib: lib.nn.functional.max_pool3d(lib.ones(1, 2, 4, 4, 4), (2, 2)),
    lambda lib: lib.nn.functional.max_pool3d(lib.ones(1, 2, 4, 4, 4), 2, (1, 1)),
    lambda lib: lib.nn.functional.max_pool3d(lib.ones(1, 2, 4, 4, 4), 2, padding=(1, 1)),
    lambda lib: lib.nn.functional.max_pool3d(lib.ones(1, 2, 4, 4, 4), 2, dilation=(1, 1)),
    lambda lib: lib.nn.functional.max_pool3d(lib.ones(1, 2, 4, 4, 4), 2, padding=2),
    lambda lib: lib.nn.functional.max_pool3d(lib.ones(1, 2, 4, 4, 4), 0),
    lambda lib: lib.nn.functional.max_pool3d(lib.ones(1, 2, 4, 4, 4), 0, 1),
    lambda lib: lib.nn.functional.max_pool3d(lib.ones(1, 2, 4, 4, 4), 2, -1),
    lambda lib: lib.nn.functional.max_pool3d(lib.ones(1, 2, 4, 4, 4), 2, dilation=0),
    lambda lib: lib.nn.functional.max_pool3d(lib.ones(1, 2, 4, 4, 4), 5),
    lambda lib: lib.nn.functional.max_pool3d(lib.ones(1, 2, 4, 1, 4), 2),
    lambda lib: lib.nn.functional.max_pool3d(lib.ones(1, 2, 0, 4, 4), 2),
    lambda lib: lib.nn.functional.max_pool3d(lib.ones(1, 2, 4, 4, 4), 2.5),
    lambda lib: lib.nn.functional.max_pool3d(lib.ones(1, 2, 4, 4, 4), 2, padding=-1),
    lambda lib: lib.nn.functional.max_pool1d_with_indices(lib.ones(3, 3, 3, 3), 2),
    lambda lib: lib.nn.functional.max_pool1d_with_indices(lib.ones(2, 3, 6), (2, 2)),
])
def test_max_pool3d_errors(call):
    _same_error(call)


# ---------------------------------------------------------------------------
# lp_pool
# ---------------------------------------------------------------------------

LP = [
    ("lp_pool1d", (2, 3, 9), dict(norm_type=2, kernel_size=3)),
    ("lp_pool1d", (3, 8), dict(norm_type=3.0, kernel_size=2, stride=1, ceil_mode=True)),
    ("lp_pool2d", (2, 3, 6, 5), dict(norm_type=2, kernel_size=2)),
    ("lp_pool2d", (2, 3, 6, 5), dict(norm_type=1.5, kernel_size=(2, 3), stride=(1, 2), ceil_mode=True)),
    ("lp_pool2d", (2, 3, 6, 5), dict(norm_type=float("inf"), kernel_size=2)),
    ("lp_pool2d", (2, 3, 6, 5), dict(norm_type=-float("inf"), kernel_size=2, stride=1)),
    ("lp_pool3d", (1, 2, 4, 4, 4), dict(norm_type=2, kernel_size=2)),
    ("lp_pool3d", (2, 4, 5, 4), dict(norm_type=1, kernel_size=(2, 1, 2), stride=1)),
    ("lp_pool1d", (2, 3, 9), dict(norm_type=float("inf"), kernel_size=3)),
    ("lp_pool3d", (1, 2, 4, 4, 4), dict(norm_type=float("inf"), kernel_size=2)),
]


@pytest.mark.parametrize("name,shape,kw", LP)
def test_lp_pool_matches_torch(name, shape, kw):
    x = np.abs(_distinct(shape)) + 0.5 if kw["norm_type"] not in (1, 2) else _distinct(shape)
    got = []
    for lib in (anb, torch):
        xt = lib.tensor(x, requires_grad=True)
        out = getattr(lib.nn.functional, name)(xt, **kw)
        out.backward(lib.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape))))
        got.append((out.detach().numpy(), xt.grad.numpy(), _chain(out)))
    np.testing.assert_allclose(got[0][0], got[1][0], rtol=1e-10)
    np.testing.assert_allclose(got[0][1], got[1][1], rtol=1e-9, atol=1e-12)
    assert got[0][2] == got[1][2]


def test_lp_pool_modules_and_finite_differences():
    for cls, args, shape in (("LPPool1d", (2, 3), (2, 3, 7)), ("LPPool2d", (1.5, (2, 3), 1), (1, 2, 4, 5)),
                             ("LPPool3d", (2, 2), (1, 1, 4, 4, 4))):
        ours, theirs = getattr(anb.nn, cls)(*args), getattr(torch.nn, cls)(*args)
        assert repr(ours) == repr(theirs)
        x = np.abs(_distinct(shape)) + 0.5
        np.testing.assert_allclose(ours(anb.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(), rtol=1e-10)
    x = anb.tensor(np.abs(_distinct((1, 2, 4, 4))) + 0.5, requires_grad=True)
    f = lambda t: anb.nn.functional.lp_pool2d(t, 3.0, 2, 1)
    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))


# ---------------------------------------------------------------------------
# max_unpool
# ---------------------------------------------------------------------------

UNPOOL = [
    (1, (2, 3, 8), dict(kernel_size=2), {}),
    (1, (3, 9), dict(kernel_size=3, stride=2, padding=1), dict(output_size=(9,))),
    (2, (2, 3, 6, 8), dict(kernel_size=2), {}),
    (2, (3, 7, 7), dict(kernel_size=3, stride=2, padding=1), dict(output_size=(1, 3, 7, 7))),
    (3, (2, 2, 4, 6, 6), dict(kernel_size=2), {}),
    (3, (1, 2, 5, 5, 5), dict(kernel_size=(2, 3, 2), stride=2, padding=(0, 1, 1)), dict(output_size=(5, 5, 5))),
]


@pytest.mark.parametrize("dims,shape,kw,extra", UNPOOL)
def test_max_unpool_round_trip_matches_torch(dims, shape, kw, extra):
    x = _distinct(shape)
    got = []
    for lib in (anb, torch):
        F = lib.nn.functional
        xt = lib.tensor(x, requires_grad=True)
        pooled, idx = getattr(F, f"max_pool{dims}d")(xt, return_indices=True, **kw)
        out = getattr(F, f"max_unpool{dims}d")(pooled, idx, **kw, **extra)
        out.backward(lib.tensor(np.linspace(-2, 2, out.numel()).reshape(tuple(out.shape))), retain_graph=True)
        node = out.grad_fn if dims > 1 else out.grad_fn.next_functions[0][0]
        module = getattr(lib.nn, f"MaxUnpool{dims}d")(**kw)
        again = module(pooled, idx, **extra)
        got.append((out.detach().numpy(), xt.grad.numpy(), _chain(out), node._saved_indices.numpy(), repr(module),
                    again.detach().numpy()))
    a, b = got
    np.testing.assert_allclose(a[0], b[0])
    np.testing.assert_allclose(a[1], b[1])
    assert a[2] == b[2]
    np.testing.assert_array_equal(a[3], b[3])
    assert a[4] == b[4]
    np.testing.assert_allclose(a[5], b[5])


@pytest.mark.parametrize("dims", [2, 3])
def test_max_unpool_second_order_graph_and_finite_differences(dims):
    shape = (1, 2) + (4,) * dims
    x = _distinct(shape)
    chains = []
    for lib in (anb, torch):
        F = lib.nn.functional
        pooled, idx = getattr(F, f"max_pool{dims}d")(lib.tensor(x), 2, return_indices=True)
        p = pooled.detach().requires_grad_()
        out = getattr(F, f"max_unpool{dims}d")(p, idx, 2)
        (g,) = lib.autograd.grad((out * out).sum(), p, create_graph=True)
        chains.append(_chain(g)[:3])
        if lib is anb:
            f = lambda t: getattr(F, f"max_unpool{dims}d")(t, idx, 2)
            assert gradcheck(f, (p,))
            assert gradgradcheck(f, (p,))
    assert chains[0] == chains[1]


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.functional.max_unpool2d(lib.ones(2, 3, 2, 2), lib.zeros(2, 3, 2, 2, dtype=lib.int32), 2),
    lambda lib: lib.nn.functional.max_unpool2d(lib.ones(2, 3, 2, 2), lib.zeros(1, 3, 2, 2, dtype=lib.int64), 2),
    lambda lib: lib.nn.functional.max_unpool2d(lib.ones(2, 2), lib.zeros(2, 2, dtype=lib.int64), 2),
    lambda lib: lib.nn.functional.max_unpool2d(lib.ones(2, 3, 2, 2), lib.zeros(2, 3, 2, 2, dtype=lib.int64) + 16, 2),
    lambda lib: lib.nn.functional.max_unpool2d(lib.ones(2, 3, 2, 2), lib.zeros(2, 3, 2, 2, dtype=lib.int64) - 1, 2),
    lambda lib: lib.nn.functional.max_unpool2d(lib.ones(2, 3, 2, 2), lib.zeros(2, 3, 2, 2, dtype=lib.int64), 2,
                                               output_size=(4,)),
    lambda lib: lib.nn.functional.max_unpool2d(lib.ones(3, 2, 2), lib.zeros(3, 2, 2, dtype=lib.int64), 2,
                                               output_size=(1, 1)),
    lambda lib: lib.nn.functional.max_unpool2d(lib.ones(2, 3, 0, 2), lib.zeros(2, 3, 0, 2, dtype=lib.int64), 2),
    lambda lib: lib.nn.functional.max_unpool1d(lib.ones(3, 2), lib.zeros(3, 2, dtype=lib.int64) + 9, 2),
    lambda lib: lib.nn.functional.max_unpool3d(lib.ones(2, 3, 2, 2, 2), lib.zeros(2, 3, 2, 2, 2, dtype=lib.int64)
                                               + 64, 2),
    lambda lib: lib.nn.functional.max_unpool3d(lib.ones(2, 2, 2), lib.zeros(2, 2, 2, dtype=lib.int64), 2),
    lambda lib: lib.nn.functional.max_unpool3d(lib.ones(2, 3, 2, 2, 2), lib.zeros(2, 3, 2, 2, 2, dtype=lib.int32),
                                               2),
    lambda lib: lib.nn.functional.max_unpool3d(lib.ones(2, 3, 2, 2, 2), lib.zeros(1, 3, 2, 2, 2, dtype=lib.int64),
                                               2, stride=0),
    lambda lib: lib.nn.functional.max_unpool3d(lib.ones(2, 3, 2, 2, 2), lib.zeros(2, 3, 2, 2, 2, dtype=lib.int64),
                                               2, stride=0),
    lambda lib: lib.nn.functional.max_unpool3d(lib.ones(2, 3, 2, 2, 2), lib.zeros(2, 3, 2, 2, 2, dtype=lib.int64),
                                               (2, 2), stride=2),
    lambda lib: lib.nn.functional.max_unpool3d(lib.ones(2, 3, 0, 2, 2), lib.zeros(2, 3, 0, 2, 2, dtype=lib.int64),
                                               2),
])
def test_max_unpool_errors(call):
    _same_error(call)


# ---------------------------------------------------------------------------
# fractional max pooling
# ---------------------------------------------------------------------------

FRACTIONAL = [
    (2, (2, 3, 7, 8), dict(kernel_size=2, output_size=(4, 5))),
    (2, (3, 9, 9), dict(kernel_size=(3, 2), output_ratio=(0.5, 0.6))),
    (2, (1, 2, 10, 10), dict(kernel_size=3, output_size=8)),
    (3, (2, 3, 5, 7, 8), dict(kernel_size=2, output_size=(2, 3, 4))),
    (3, (2, 6, 7, 5), dict(kernel_size=(1, 3, 2), output_ratio=0.5)),
]


@pytest.mark.parametrize("dims,shape,kw", FRACTIONAL)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fractional_max_pool_draws_torchs_windows(dims, shape, kw, dtype):
    x = RNG.standard_normal(shape).astype(dtype)
    got = []
    for lib in (anb, torch):
        lib.manual_seed(7)
        xt = lib.tensor(x, requires_grad=True)
        out, idx = getattr(lib.nn.functional, f"fractional_max_pool{dims}d")(xt, return_indices=True, **kw)
        out.backward(lib.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)).astype(dtype)),
                     retain_graph=True)
        node = out.grad_fn
        got.append((out.detach().numpy(), idx.numpy(), xt.grad.numpy(), type(node).__name__,
                    node._saved_kernel_size, node._saved_output_size, node._saved_result1.numpy(),
                    lib.rand(2).numpy()))                  # the generator moved as far as torch's
    a, b = got
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    np.testing.assert_allclose(a[2], b[2], rtol=1e-6)
    assert a[3:6] == b[3:6]
    np.testing.assert_array_equal(a[6], b[6])
    np.testing.assert_array_equal(a[7], b[7])


def test_fractional_max_pool_modules_given_samples_and_second_order():
    x = _distinct((2, 3, 6, 7))
    samples = np.random.default_rng(1).random((2, 3, 2))
    got = []
    for lib in (anb, torch):
        m = lib.nn.FractionalMaxPool2d(2, output_ratio=0.5, return_indices=True,
                                       _random_samples=lib.tensor(samples))
        xt = lib.tensor(x, requires_grad=True)
        out, idx = m(xt)
        (g,) = lib.autograd.grad(out, xt, lib.ones_like(out).requires_grad_(), create_graph=True)
        got.append((repr(m), list(m.state_dict()), out.detach().numpy().tolist(), idx.numpy().tolist(),
                    type(g.grad_fn).__name__, repr(lib.nn.FractionalMaxPool3d(2, output_size=3))))
    assert got[0] == got[1]
    xt = anb.tensor(_distinct((1, 2, 5, 6, 5)), requires_grad=True)
    s = anb.tensor(np.random.default_rng(2).random((1, 2, 3)))
    f = lambda t: anb.nn.functional.fractional_max_pool3d(t, 2, output_size=(3, 4, 3), _random_samples=s)
    assert gradcheck(f, (xt,))
    assert gradgradcheck(f, (xt,))


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.functional.fractional_max_pool2d(lib.ones(2, 3, 7, 8), 2),
    lambda lib: lib.nn.functional.fractional_max_pool2d(lib.ones(2, 3, 7, 8), 2, output_size=(7, 8)),
    lambda lib: lib.nn.functional.fractional_max_pool2d(lib.ones(2, 3, 7, 8), 3, output_size=(6, 8)),
    lambda lib: lib.nn.functional.fractional_max_pool2d(lib.ones(2, 3, 7, 8), 2, output_size=(4,)),
    lambda lib: lib.nn.functional.fractional_max_pool2d(lib.ones(2, 3, 7, 8), (2, 2, 2), output_size=3),
    lambda lib: lib.nn.functional.fractional_max_pool2d(lib.ones(2, 3, 5, 7, 8), 2, output_size=2),
    lambda lib: lib.nn.functional.fractional_max_pool2d(lib.ones(2, 3, 7, 8), 2, output_size=3,
                                                        _random_samples=lib.rand(2, 3, 3)),
    lambda lib: lib.nn.functional.fractional_max_pool2d(lib.ones(2, 3, 7, 8), 2, output_size=3,
                                                        _random_samples=lib.rand(1, 3, 2)),
    lambda lib: lib.nn.functional.fractional_max_pool2d(lib.ones(2, 3, 7, 8), 2, output_size=3,
                                                        _random_samples=lib.rand(2, 3, 2, dtype=lib.float64)),
    lambda lib: lib.nn.functional.fractional_max_pool2d(lib.ones(2, 3, 0, 4), 1, output_size=1),
    lambda lib: lib.nn.functional.fractional_max_pool2d(lib.ones(3, 7, 8), 2, output_ratio=(0.5, 0.5, 0.5)),
    lambda lib: lib.nn.functional.fractional_max_pool3d(lib.ones(2, 3, 5, 7, 8), (2, 2), output_size=2),
    lambda lib: lib.nn.functional.fractional_max_pool2d(lib.ones(2, 3, 7, 8), (2,), output_size=3),
    lambda lib: lib.nn.functional.fractional_max_pool3d(lib.ones(2, 3, 5, 7, 8), 2, output_size=(2, 2)),
    lambda lib: lib.nn.functional.fractional_max_pool3d(lib.ones(2, 3, 5, 7, 8), 2, output_size=2,
                                                        _random_samples=lib.rand(2, 4, 3)),
    lambda lib: lib.nn.functional.fractional_max_pool3d(lib.ones(2, 3, 5, 7, 8), 2, output_size=2,
                                                        _random_samples=lib.rand(2, 3)),
    lambda lib: lib.nn.functional.fractional_max_pool3d(lib.ones(2, 3, 0, 7, 8), 2, output_size=2),
    lambda lib: lib.nn.functional.fractional_max_pool3d(lib.ones(2, 5, 7, 8), 3, output_size=(4, 3, 4)),
    lambda lib: lib.nn.FractionalMaxPool2d(2),
    lambda lib: lib.nn.FractionalMaxPool2d(2, output_size=2, output_ratio=0.5),
    lambda lib: lib.nn.FractionalMaxPool3d(2, output_ratio=1.5),
])
def test_fractional_max_pool_errors(call):
    _same_error(call)
