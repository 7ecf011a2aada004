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
    gt = torch.autograd.grad(lt, ts, create_graph=True, allow_unused=True)
    go = anb.autograd.grad(lo, os_, create_graph=True, allow_unused=True)
    keep = [i for i, b in enumerate(gt) if b is not None]
    assert all(go[i] is None for i in range(len(gt)) if i not in keep)
    gt, go = [gt[i] for i in keep], [go[i] for i in keep]
    for a, b in zip(go, gt):
        assert a.requires_grad == b.requires_grad
        assert a.grad_fn is None or type(a.grad_fn).__name__ == type(b.grad_fn).__name__
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-7, atol=1e-9)
    if not any(g.requires_grad for g in gt):         # (a linear op: no second derivative)
        return
    l2t = sum((g * torch.tensor(_weights(g, 5 + i))).sum() for i, g in enumerate(gt))
    l2o = sum((g * anb.tensor(_weights(g, 5 + i))).sum() for i, g in enumerate(go))
    g2t = torch.autograd.grad(l2t, [ts[i] for i in keep], allow_unused=True)
    g2o = anb.autograd.grad(l2o, [os_[i] for i in keep], allow_unused=True)
    for a, b in zip(g2o, g2t):
        if b is None or a is None:
            z = a if b is None else b
            assert z is None or not np.any(z.detach().numpy(force=True) if z is b else z.numpy())
            continue
        np.testing.assert_allclose(a.numpy(), b.numpy(force=True), rtol=1e-7, atol=1e-9)


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


# --- second order of prelu and rrelu: their backward ops record PyTorch's nodes --------

@pytest.mark.parametrize("xs,ws", [((2, 3, 4), (3,)), ((2, 3), (1,)), ((5,), (1,)), ((), ()), ((5,), ()), ((), (1,))])
def test_prelu_second_order(xs, ws):
    ts, os_ = _pair(xs, ws, seed=3)
    with torch.no_grad():                    # exact zeros and signed zeros: torch's mask is self >= 0
        ts[0].view(-1)[:2] = torch.tensor([0.0, -0.0])[: ts[0].numel()]
    os_[0] = anb.tensor(ts[0].detach().numpy(), requires_grad=True)
    _two_orders(TF.prelu, AF.prelu, ts, os_)


def test_prelu_second_order_weight_without_grad():
    """The input's gradient requires grad through the input alone (one node for both)."""
    x = anb.randn(2, 3, dtype=anb.float64, requires_grad=True)
    w = anb.full((3,), 0.25, dtype=anb.float64)
    g, = anb.autograd.grad(AF.prelu(x, w).sum(), x, create_graph=True)
    assert g.requires_grad and type(g.grad_fn).__name__ == "PreluKernelBackwardBackward0"


def test_prelu_refusals_as_torch():
    cases = [((), (2,)), ((2, 8, 3), (2, 4))]
    for xs, ws in cases:
        with pytest.raises(RuntimeError) as t:
            TF.prelu(torch.zeros(xs), torch.zeros(ws))
        with pytest.raises(RuntimeError) as o:
            AF.prelu(anb.zeros(xs), anb.zeros(ws))
        assert str(o.value) == str(t.value)
    with pytest.raises(RuntimeError, match="prelu: Type promoting not supported. Got Float and Double"):
        AF.prelu(anb.zeros(3), anb.zeros(1, dtype=anb.float64))


@pytest.mark.parametrize("training", [False, True])
def test_rrelu_second_order(training):
    x = anb.randn(4, 5, dtype=anb.float64, requires_grad=True)
    anb.manual_seed(0)
    y = AF.rrelu(x, training=training)
    g, = anb.autograd.grad((y * y.detach()).sum(), x, create_graph=True)
    assert g.requires_grad and type(g.grad_fn).__name__ == "RreluWithNoiseBackwardBackward0"
    assert g.grad_fn._saved_training is training and g.grad_fn._saved_noise.shape == (4, 5)
    h, = anb.autograd.grad(g.sum(), x)
    assert not h.numpy().any()               # the noise and the mask do not move with x
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    torch.manual_seed(0)
    ty = TF.rrelu(tx, training=training)
    tg, = torch.autograd.grad((ty * ty.detach()).sum(), tx, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy(), rtol=1e-12)


def test_rrelu_refuses_lower_above_upper_first():
    x = anb.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="^Lower bound should be less than or equal to the upper bound$"):
        AF.rrelu(x, 0.3, 0.1, inplace=True)
    with pytest.raises(RuntimeError, match="^Lower bound should be less than or equal to the upper bound$"):
        AF.rrelu(anb.zeros(3, dtype=anb.int64), 0.3, 0.1)


# --- rsub, reflected operators, comparisons with a number first ------------------------

def test_rsub_and_tensor_rsub_record_rsub_backward0():
    ts, os_ = _pair((2, 3), (3,))
    for t_out, o_out in ((torch.rsub(*ts, alpha=2), anb.rsub(*os_, alpha=2)),
                         (ts[0].__rsub__(ts[1]), os_[0].__rsub__(os_[1]))):
        assert type(o_out.grad_fn).__name__ == type(t_out.grad_fn).__name__ == "RsubBackward0"
        np.testing.assert_allclose(o_out.detach().numpy(), t_out.detach().numpy())
    _two_orders(lambda a, b: torch.rsub(a, b, alpha=3), lambda a, b: anb.rsub(a, b, alpha=3), ts, os_)
    assert type(anb.rsub(os_[0], 2).grad_fn).__name__ == "RsubBackward1"
    assert os_[0].__rsub__(os_[1]).grad_fn._saved_alpha == 1


def test_integer_alpha_wraps_into_the_dtype():
    a = np.array([1, 2, 250], np.uint8)
    b = np.array([3, 4, 5], np.uint8)
    for name in ("add", "sub", "rsub"):
        want = getattr(torch, name)(torch.tensor(a), torch.tensor(b), alpha=-3)
        got = getattr(anb, name)(anb.tensor(a), anb.tensor(b), alpha=-3)
        assert got.dtype == anb.uint8 and got.tolist() == want.tolist()


@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge", "rsub"])
def test_a_number_first_is_no_signature(name):
    for args in ((2, [1, 2]), (2, 3)):
        t_args = tuple(torch.tensor(a) if isinstance(a, list) else a for a in args)
        o_args = tuple(anb.tensor(a) if isinstance(a, list) else a for a in args)
        with pytest.raises(TypeError) as t:
            getattr(torch, name)(*t_args)
        with pytest.raises(TypeError) as o:
            getattr(anb, name)(*o_args)
        assert str(o.value).splitlines()[0] == str(t.value).splitlines()[0]


@pytest.mark.parametrize("name", ["__rmul__", "__rand__", "__ror__", "__rxor__"])
def test_reflected_operator_unbound_on_a_number(name):
    with pytest.raises(TypeError) as t:
        getattr(torch.Tensor, name)(2, torch.tensor([1, 2]))
    with pytest.raises(TypeError) as o:
        getattr(anb.Tensor, name)(2, anb.tensor([1, 2]))
    assert str(o.value) == str(t.value)
    assert getattr(anb.tensor([1, 2]), name)(3).tolist() == getattr(torch.tensor([1, 2]), name)(3).tolist()


# --- arange and linspace: torch's lengths, values and refusals -------------------------

@pytest.mark.parametrize("args,dtype", [
    ((0.0, -8.000001, -4.0), "int64"), ((0.0, -8.000001, -4.0), "int32"), ((-0.5, 3.7, 0.9), "uint8"),
    ((1, 10, 3), None), ((0.5, 2.0, 0.25), None), ((10, 1, -3), "float64"), ((-7.9, 8.2, 2.5), "int64"),
])
def test_arange_lengths_and_values(args, dtype):
    kw = {} if dtype is None else {"dtype": getattr(torch, dtype)}
    want = torch.arange(*args, **kw)
    got = anb.arange(*args, **({} if dtype is None else {"dtype": getattr(anb, dtype)}))
    assert str(got.dtype) == str(want.dtype) and got.tolist() == want.tolist()


@pytest.mark.parametrize("args,kw", [
    ((0, -3, 2), {}), ((0, 3, -2), {}), ((1549556900, 1549556828, 1989724), {}), ((0, float("inf"), 2), {}),
    ((float("-inf"), 1, 2), {}), ((0, float("nan"), 1), {}), ((0, 5, 0), {}), ((0.5, 3.7, 0.9), {"dtype": "int64"}),
])
def test_arange_refusals(args, kw):
    kt = {k: getattr(torch, v) for k, v in kw.items()}
    ko = {k: getattr(anb, v) for k, v in kw.items()}
    with pytest.raises(Exception) as t:
        torch.arange(*args, **kt)
    with pytest.raises(Exception) as o:
        anb.arange(*args, **ko)
    assert type(o.value) is type(t.value) and str(o.value) == str(t.value)


def test_arange_out():
    out = anb.empty(0, dtype=anb.int64)
    assert anb.arange(0, 6, 2, out=out) is out and out.tolist() == [0, 2, 4]
    with pytest.raises(ValueError, match="^step must be nonzero$"):
        anb.arange(0, 64, 0.5, out=anb.empty(0, dtype=anb.int64))


@pytest.mark.parametrize("args,dtype", [
    ((4.3, 0, 50), "uint8"), ((-3.7, 4.3, 7), "int64"), ((-3, 4.3, 7), "float32"), ((0, 3.14, 1), "float32"),
    ((1.5, -2.5, 9), "float64"), ((0, 10, 0), "float32"), ((2, 250, 6), "uint8"),
])
def test_linspace_values(args, dtype):
    want = torch.linspace(*args, dtype=getattr(torch, dtype))
    got = anb.linspace(*args, dtype=getattr(anb, dtype))
    assert got.dtype == getattr(anb, dtype)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_linspace_refusals():
    for t_call, o_call in [
        (lambda: torch.linspace(0, 3, -1), lambda: anb.linspace(0, 3, -1)),
        (lambda: torch.linspace(0, 3, 1.0), lambda: anb.linspace(0, 3, 1.0)),
        (lambda: torch.linspace(torch.ones(2), torch.ones(2), 1), lambda: anb.linspace(anb.ones(2), anb.ones(2), 1)),
        (lambda: torch.linspace(torch.tensor(1.0), torch.ones(2), 3),
         lambda: anb.linspace(anb.tensor(1.0), anb.ones(2), 3)),
        (lambda: torch.linspace(0, 1, 3, dtype=torch.bool), lambda: anb.linspace(0, 1, 3, dtype=anb.bool)),
    ]:
        with pytest.raises(Exception) as t:
            t_call()
        with pytest.raises(Exception) as o:
            o_call()
        assert type(o.value) is type(t.value)
        assert str(o.value).splitlines()[0] == str(t.value).splitlines()[0]


# --- pooling: PyTorch's checks in PyTorch's order; an empty batch is fine -------------

_POOL_CASES = [
    ("max_pool1d", (0, 1, 49), dict(kernel_size=2, stride=50, padding=-1, return_indices=True)),
    ("max_pool1d", (0, 1, 49), dict(kernel_size=3, dilation=2, stride=1, padding=3, return_indices=True)),
    ("max_pool1d", (), dict(kernel_size=1)), ("max_pool1d", (0, 10), dict(kernel_size=1)),
    ("max_pool1d", (1, 10, 0), dict(kernel_size=1)), ("max_pool1d", (3, 3, 3), dict(kernel_size=1, stride=0)),
    ("max_pool1d", (3, 3, 3), dict(kernel_size=1, dilation=0)), ("max_pool1d", (2, 2, 2), dict(kernel_size=5)),
    ("max_pool1d", (0, 1, 49), dict(kernel_size=0)), ("max_pool1d", (2, 3, 10), dict(kernel_size=3, padding=2)),
    ("max_pool1d", (2, 3, 10), dict(kernel_size=(2, 2))), ("max_pool1d", (2, 3, 10), dict(kernel_size=2, padding=-1)),
    ("max_pool2d", (1, 0, 10), dict(kernel_size=1)), ("max_pool2d", (2, 1, 10, 0), dict(kernel_size=1)),
    ("max_pool2d", (1, 4, 10, 10), dict(kernel_size=3, dilation=2, padding=2)),
    ("max_pool2d", (1, 4, 10, 10), dict(kernel_size=2, dilation=0)), ("max_pool2d", (1, 4, 10, 10), dict(kernel_size=0)),
    ("avg_pool2d", (0, 1, 49), dict(kernel_size=(3, 2), stride=50, padding=4)),
    ("avg_pool2d", (3, 3, 3), dict(kernel_size=(2, 2), divisor_override=0)),
    ("avg_pool2d", (4, 0, 10), dict(kernel_size=1)), ("avg_pool1d", (0, 1, 49), dict(kernel_size=2, padding=-1)),
]


@pytest.mark.parametrize("name,shape,kw", _POOL_CASES)
def test_pool_refusals_as_torch(name, shape, kw):
    with pytest.raises(Exception) as t:
        getattr(TF, name)(torch.zeros(shape), **kw)
    with pytest.raises(Exception) as o:
        getattr(AF, name)(anb.zeros(shape), **kw)
    assert type(o.value) is type(t.value) and str(o.value) == str(t.value)


@pytest.mark.parametrize("name,shape", [("max_pool1d", (0, 3, 10)), ("avg_pool1d", (0, 3, 10)),
                                        ("max_pool2d", (0, 3, 10, 4)), ("avg_pool2d", (0, 3, 10, 4))])
def test_pool_empty_batch(name, shape):
    x = anb.zeros(shape, requires_grad=True)
    y = getattr(AF, name)(x, 2)
    assert tuple(y.shape) == tuple(getattr(TF, name)(torch.zeros(shape), 2).shape)
    y.sum().backward()
    assert x.grad.shape == x.shape


# --- bad inputs torch refuses (op_db's error_inputs): the same type and first line ----

def _t(shape, dtype=None):
    return ("T", shape, dtype)


def _mk(lib, v):
    if isinstance(v, tuple) and v and v[0] == "T":
        dt = None if v[2] is None else getattr(lib, v[2])
        return lib.zeros(v[1], dtype=dt) if dt is not None else lib.zeros(v[1])
    return v


_REFUSALS = [
    ("diff", (_t((1, 3)), -1), {}),
    ("isclose", (_t(()), _t(())), {"rtol": -0.4}), ("isclose", (_t(()), _t(())), {"atol": -0.4}),
    ("isclose", (2, _t((3,), "int64")), {}), ("isclose", (2, 3), {}),
    ("allclose", (_t(()), _t(())), {"rtol": -1.0}),
    ("narrow", (_t((20, 10, 5)), 1, 11, 0), {}), ("narrow", (_t((20, 10, 5)), 1, -11, 0), {}),
    ("narrow", (_t((10,)), 0, 0, -1), {}), ("narrow", (_t((20, 10, 5)), 1, _t((5,), "int32"), 2), {}),
    ("narrow", (_t((20, 10, 5)), -3, _t((), "bool"), 3), {}),
    ("F.hardtanh", (_t((1,)),), {"min_val": 0.5, "max_val": -0.5}),
    ("F.rms_norm", (_t((1, 2, 3)), ()), {}),
    ("F.triplet_margin_loss", (_t((3, 4)), _t((3, 4)), _t((3, 4))), {"margin": -1.0}),
    ("F.triplet_margin_loss", (_t((3,)), _t((3, 4)), _t((3, 4))), {}),
    ("F.adaptive_avg_pool1d", (_t((1, 2, 3)),), {"output_size": ()}),
    ("F.adaptive_avg_pool1d", (_t((1, 1, 1)),), {"output_size": (-1,)}),
    ("F.adaptive_avg_pool2d", (_t((2, 2)),), {"output_size": (2, 2)}),
    ("F.adaptive_avg_pool2d", (_t((1, 2, 3, 4)),), {"output_size": ()}),
    ("F.adaptive_avg_pool2d", (_t((1, 1, 1, 1)),), {"output_size": (-1, 0)}),
    ("F.adaptive_max_pool2d", (_t((2, 2)),), {"output_size": (2, 2)}),
    ("F.adaptive_max_pool2d", (_t((1, 1, 1, 1)),), {"output_size": (-1, 0)}),
    ("F.adaptive_max_pool1d", (_t((1, 2, 3)),), {"output_size": ()}),
    ("F.adaptive_max_pool3d", (_t((2, 2, 2)),), {"output_size": (2, 2, 2)}),
    ("clamp_min", (2, _t((3,), "int64")), {}), ("clamp_max", (2, 3), {}), ("atan2", (2, _t((3,), "int64")), {}),
    ("fmax", (2, 3), {}), ("fmin", (2, _t((3,), "int64")), {}), ("logaddexp", (2, _t((3,)),), {}),
    ("maximum", (2, 3), {}), ("minimum", (2, _t((3,), "int64")), {}), ("hypot", (2, _t((3,)),), {}),
    ("max", (2, _t((3,), "int64")), {}), ("min", (2, 3), {}), ("remainder", (2, 3), {}), ("pow", (2, 3), {}),
    ("bitwise_and", (2, 3), {}), ("bitwise_or", (2, 3), {}), ("bitwise_xor", (2, 3), {}),
    ("eye", (-1,), {}), ("eye", (-7, 42), {}), ("eye", (0, -3), {}),
    ("F.softshrink", (_t((1,)),), {"lambd": -0.5}), ("F.softshrink", (_t((1,), "float64"),), {"lambd": -0.5}),
    ("F.conv1d", (_t((1, 1, 4)), _t((1, 2))), {}), ("F.conv1d", (_t((1, 1, 4)), _t((1, 2))), {"padding": "same"}),
    ("F.conv2d", (_t((1, 1, 4, 3)), _t((1, 2, 2))), {"padding": "same"}),
    ("F.conv2d", (_t((1, 1, 4, 3)), _t((1, 2, 2))), {}),
    ("F.conv1d", (_t((2, 2, 4)), _t((2, 2, 2))), {"groups": 3}),
    ("F.conv3d", (_t((1, 1, 3, 4, 5)), _t((1, 1, 4, 3))), {"padding": "same"}),
    ("mean", (_t((3, 4)),), {"dtype": "int64"}), ("amax", (_t((4, 4)),), {"dim": 0, "out": _t((4,), "int32")}),
    ("amin", (_t((4, 4)),), {"dim": 0, "out": _t((4,), "int32")}),
    ("F.embedding", (_t((2, 2), "int64"), _t((1, 1, 1))), {}), ("F.embedding", (_t((2, 2), "int64"), _t(())), {}),
]


@pytest.mark.parametrize("name,args,kw", _REFUSALS, ids=[f"{c[0]}-{i}" for i, c in enumerate(_REFUSALS)])
def test_refusals_as_torch(name, args, kw):
    def call(lib, fns):
        fn = getattr(fns, name[2:]) if name.startswith("F.") else getattr(lib, name)
        return fn(*(_mk(lib, a) for a in args), **{k: getattr(lib, v) if k == "dtype" else _mk(lib, v)
                                                    for k, v in kw.items()})
    with pytest.raises(Exception) as t:
        call(torch, TF)
    with pytest.raises(Exception) as o:
        call(anb, AF)
    assert type(o.value) is type(t.value)
    assert str(o.value).splitlines()[0] == str(t.value).splitlines()[0]


def test_diff_of_order_zero_is_a_recorded_copy():
    x = anb.randn(3, requires_grad=True)
    y = anb.diff(x, n=0)
    assert y is not x and type(y.grad_fn).__name__ == "CopyBackwards"
    assert y.tolist() == x.tolist()
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0]


def test_narrow_with_a_tensor_start():
    t = anb.arange(10)
    assert anb.narrow(t, 0, anb.tensor(3), 2).tolist() == [3, 4]
    assert anb.narrow(t, 0, -3, 2).tolist() == [7, 8]


# --- ties: the order of torch's cpu kernels (std::sort, partial_sort/nth_element, quickselect)

def _tied(shape, seed, high=4, nan=False):
    g = torch.Generator().manual_seed(seed)
    t = torch.randint(0, high, shape, generator=g).double()
    if nan:
        t[torch.rand(shape, generator=g) < 0.2] = float("nan")
    return t


@pytest.mark.parametrize("shape,dim,seed", [((40,), 0, 1), ((3, 50), 1, 2), ((70, 3), 0, 3), ((5,), 0, 4),
                                            ((2, 300), -1, 5)])
@pytest.mark.parametrize("dtype", ["float64", "int64", "uint8"])
def test_sort_ties_as_torch(shape, dim, seed, dtype):
    t = _tied(shape, seed, nan=dtype == "float64").to(getattr(torch, dtype))
    a = anb.tensor(t.numpy())
    for desc in (False, True):
        tv, ti = torch.sort(t, dim, descending=desc)
        av, ai = anb.sort(a, dim, descending=desc)
        assert ai.tolist() == ti.tolist()
        np.testing.assert_array_equal(av.numpy(), tv.numpy())
        assert anb.argsort(a, dim, descending=desc).tolist() == torch.argsort(t, dim, descending=desc).tolist()
        assert anb.sort(a, dim=dim, descending=desc, stable=True)[1].tolist() == \
            torch.sort(t, dim=dim, descending=desc, stable=True)[1].tolist()


def test_sort_of_many_integers_is_the_stable_radix_sort():
    t = _tied((33000,), 7, high=50).long()
    assert anb.sort(anb.tensor(t.numpy()))[1].tolist() == torch.sort(t)[1].tolist()


@pytest.mark.parametrize("n,k", [(40, 3), (40, 30), (300, 4), (7, 7), (64, 1), (10, 0)])
@pytest.mark.parametrize("largest,in_order", [(True, True), (False, True), (True, False), (False, False)])
def test_topk_ties_as_torch(n, k, largest, in_order):
    t = _tied((2, n), n + k, nan=True)
    tv, ti = torch.topk(t, k, largest=largest, sorted=in_order)
    av, ai = anb.topk(anb.tensor(t.numpy()), k, largest=largest, sorted=in_order)
    assert ai.tolist() == ti.tolist()
    np.testing.assert_array_equal(av.numpy(), tv.numpy())


@pytest.mark.parametrize("n", [1, 2, 3, 17, 100])
def test_kthvalue_ties_as_torch(n):
    t = _tied((3, n), n, nan=n > 3)
    for k in sorted({1, (n + 1) // 2, n}):
        tv, ti = torch.kthvalue(t, k)
        av, ai = anb.kthvalue(anb.tensor(t.numpy()), k)
        assert ai.tolist() == ti.tolist()
        np.testing.assert_array_equal(av.numpy(), tv.numpy())


# --- in-place casts, integer alpha, roll's gradient, pairwise_distance's node -----------

def test_in_place_results_cast_as_torch_can_cast():
    x = np.array([[5, 1, 6], [4, 2, 250]], np.uint8)
    lo = np.array([[6, -1, 7], [0, 3, -9]], np.int64)
    t, a = torch.tensor(x), anb.tensor(x)
    t.clamp_(min=torch.tensor(lo))
    a.clamp_(min=anb.tensor(lo))
    assert a.dtype == anb.uint8 and a.tolist() == t.tolist()
    t, a = torch.tensor(x), anb.tensor(x)
    assert a.cumsum_(0).tolist() == t.cumsum_(0).tolist()
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Byte"):
        anb.tensor(x).add_(anb.ones(3))
    assert anb._backend.can_cast(np.int64, np.uint8) and not anb._backend.can_cast(np.float32, np.int64)
    assert not anb._backend.can_cast(np.uint8, np.bool_) and anb._backend.can_cast(np.bool_, np.uint8)


def test_index_add_integer_alpha_wraps():
    want = torch.tensor(5, dtype=torch.uint8).index_add(0, torch.tensor([0]), torch.tensor(1, dtype=torch.uint8),
                                                         alpha=-1)
    got = anb.tensor(5, dtype=anb.uint8).index_add(0, anb.tensor([0]), anb.tensor(1, dtype=anb.uint8), alpha=-1)
    assert got.item() == want.item() == 4
    node = anb.zeros(3, requires_grad=True).index_add(0, anb.tensor([1]), anb.ones(1), alpha=-2).grad_fn
    assert node._saved_alpha == -2


def test_roll_gradient_of_an_empty_tensor():
    x = anb.zeros((0, 0, 0), dtype=anb.float64, requires_grad=True)
    y = anb.roll(x, (1, 2, -1), (0, 1, 2))
    g, = anb.autograd.grad(y.sum(), x)
    assert g.shape == (0, 0, 0)
    assert y.grad_fn._saved_dims == (0, 1, 2)


def test_pairwise_distance_records_norm_backward1():
    ts, os_ = _pair((3, 4), (3, 4))
    for p in (2.0, 1.0, 3.0, float("inf")):
        yt, yo = TF.pairwise_distance(*ts, p), AF.pairwise_distance(*os_, p)
        assert type(yo.grad_fn).__name__ == type(yt.grad_fn).__name__ == "NormBackward1"
        assert yo.grad_fn._saved_p == yt.grad_fn._saved_p and yo.grad_fn._saved_dim == yt.grad_fn._saved_dim
        _two_orders(lambda a, b: TF.pairwise_distance(a, b, p), lambda a, b: AF.pairwise_distance(a, b, p), ts, os_)


def test_reflected_add_unbound_on_a_number():
    with pytest.raises(TypeError) as t:
        torch.Tensor.__radd__(2, torch.tensor([1, 2]))
    with pytest.raises(TypeError) as o:
        anb.Tensor.__radd__(2, anb.tensor([1, 2]))
    assert str(o.value) == str(t.value)
    assert (2 + anb.tensor([1, 2])).tolist() == [3, 4]


def test_out_may_not_overlap_itself_or_a_copied_input():
    def both(fn):
        with pytest.raises(RuntimeError) as t:
            fn(torch)
        with pytest.raises(RuntimeError) as o:
            fn(anb)
        assert str(o.value) == str(t.value)
    both(lambda lib: lib.index_select(lib.ones(3, 6), 1, lib.tensor([0, 1]), out=lib.zeros(1, 6).expand(2, 6)))
    x = [None]

    def masked(lib):
        x[0] = lib.arange(6.0)
        return lib.masked_select(x[0], x[0] > 2, out=x[0])
    both(masked)
    both(lambda lib: lib.gather(lib.arange(6.0), 0, lib.tensor([0, 1, 2]), out=lib.zeros(1).expand(3)))
    a = anb.arange(4.0)
    assert anb.add(a, 1, out=a) is a and a.tolist() == [1.0, 2.0, 3.0, 4.0]   # (a pointwise op may write over its input)


# --- the norms under create_graph: one BackwardBackward node for the three gradients ---

@pytest.mark.parametrize("name", ["layer_norm", "batch_norm", "batch_norm_eval", "instance_norm"])
def test_norm_second_order(name):
    ts, os_ = _pair((4, 3, 5), (3,), (3,), seed=11)
    rm, rv = np.random.default_rng(2).standard_normal(3), np.random.default_rng(3).uniform(0.5, 2, 3)

    def call(lib, fns, x, w, b):
        if name == "layer_norm":
            return fns.layer_norm(x.transpose(1, 2), (3,), w, b)
        if name == "batch_norm":
            return fns.batch_norm(x, None, None, w, b, training=True)
        if name == "batch_norm_eval":
            return fns.batch_norm(x, lib.tensor(rm), lib.tensor(rv), w, b, training=False)
        return fns.instance_norm(x, weight=w, bias=b)
    _two_orders(lambda *a: call(torch, TF, *a), lambda *a: call(anb, AF, *a), ts, os_)
    y = call(anb, AF, *os_)
    gs = anb.autograd.grad((y * y).sum(), os_, create_graph=True)
    want = {"layer_norm": "NativeLayerNormBackwardBackward0"}.get(name, "NativeBatchNormBackwardBackward0")
    if name != "instance_norm":
        assert {type(g.grad_fn).__name__ for g in gs[1:]} == {want} and all(g.requires_grad for g in gs)


def test_norm_gradgradcheck():
    x = anb.randn(3, 4, dtype=anb.float64, requires_grad=True)
    w = anb.randn(4, dtype=anb.float64, requires_grad=True)
    b = anb.randn(4, dtype=anb.float64, requires_grad=True)
    assert anb.autograd.gradgradcheck(lambda x, w, b: AF.layer_norm(x, (4,), w, b), (x, w, b))
    assert anb.autograd.gradgradcheck(lambda x, w, b: AF.batch_norm(x, None, None, w, b, training=True), (x, w, b))


def test_norms_of_an_empty_batch():
    x = anb.zeros((0, 2), requires_grad=True)
    w, b = anb.ones(2, requires_grad=True), anb.zeros(2, requires_grad=True)
    y = AF.group_norm(x, 1, w, b)
    assert y.shape == (0, 2) and type(y.grad_fn).__name__ == "NativeGroupNormBackward0"
    y.sum().backward()
    assert x.grad.shape == (0, 2)
    e = anb.zeros(0, requires_grad=True)
    t = torch.zeros(0, requires_grad=True)
    ye, yt = AF.batch_norm(e, None, None, training=True), TF.batch_norm(t, None, None, training=True)
    assert type(ye.grad_fn).__name__ == type(yt.grad_fn).__name__ == "CloneBackward0" and ye.shape == (0,)


# --- scatter / gather / index_fill ----------------------------------------------------

def test_scatter_reduce_casts_a_number_to_self_dtype():
    for reduce, v in (("add", 2.5), ("multiply", 2.5), ("add", -2.5)):
        want = torch.scatter(torch.tensor([-3, 4]), 0, torch.tensor([0]), v, reduce=reduce)
        got = anb.scatter(anb.tensor([-3, 4]), 0, anb.tensor([0]), v, reduce=reduce)
        assert got.dtype == anb.int64 and got.tolist() == want.tolist()


def test_an_empty_index_may_have_any_dtype():
    x = anb.randn(5, dtype=anb.float64, requires_grad=True)
    y = anb.gather(x, 0, anb.tensor([], dtype=anb.uint8))
    assert y.shape == (0,)
    g, = anb.autograd.grad(y.sum(), x)
    assert g.tolist() == [0.0] * 5
    with pytest.raises(RuntimeError, match=r"^gather\(\): Expected dtype int32/int64 for index$"):
        anb.gather(x, 0, anb.tensor([1], dtype=anb.uint8))
    with pytest.raises(RuntimeError, match="^Expected out tensor to have dtype float, but got double instead$"):
        anb.gather(anb.ones(2, 2), 1, anb.tensor([[0, 1], [1, 0]]), out=anb.zeros(2, 2, dtype=anb.float64))


def test_index_fill_value_gradient_counts_a_slice_once():
    ts, os_ = _pair((5, 3), ())
    idx = [4, 3, 3, 4, 0]
    gt = torch.autograd.grad(ts[0].index_fill(0, torch.tensor(idx), ts[1]).sum(), ts[1])[0]
    go = anb.autograd.grad(os_[0].index_fill(0, anb.tensor(idx), os_[1]).sum(), os_[1])[0]
    assert go.item() == gt.item() == 9.0


def test_bilinear_of_int32_stays_int32():
    a = np.array([[1, 1, 0]], np.int32)
    w = np.arange(-12, 12, dtype=np.int32).reshape(2, 3, 4)
    b = np.array([[-1, -2, 3, -2]], np.int32)
    want = TF.bilinear(torch.tensor(a), torch.tensor(b), torch.tensor(w))
    got = AF.bilinear(anb.tensor(a), anb.tensor(b), anb.tensor(w))
    assert got.dtype == anb.int32 and got.tolist() == want.tolist()


# --- composites new here (ops/composites.py): values, graphs and refusals as torch's ---

@pytest.mark.parametrize("name,call", [
    ("fliplr", lambda lib, x: lib.fliplr(x)), ("flipud", lambda lib, x: lib.flipud(x)),
    ("tensor_split", lambda lib, x: lib.tensor_split(x, 3, 1)), ("tensor_split_idx", lambda lib, x: lib.tensor_split(x, [1, 3], 1)),
    ("hsplit", lambda lib, x: lib.hsplit(x, 2)), ("vsplit", lambda lib, x: lib.vsplit(x, [1])),
    ("dsplit", lambda lib, x: lib.dsplit(x.reshape(2, 2, 2), 2)),
    ("take_along_dim", lambda lib, x: lib.take_along_dim(x, lib.tensor([[0], [-1]]), 1)),
    ("take_along_dim_flat", lambda lib, x: lib.take_along_dim(x, lib.tensor([5, 0, 7]))),
    ("take_along_dim_wrap", lambda lib, x: lib.take_along_dim(x, lib.tensor([[0], [-5]]), 1)),
    ("cartesian_prod", lambda lib, x: lib.cartesian_prod(x[0], x[1, :2])),
    ("float_power", lambda lib, x: lib.float_power(x, 2)), ("positive", lambda lib, x: lib.positive(x) * 1),
    ("diagflat", lambda lib, x: lib.diagflat(x, 1)), ("trapezoid", lambda lib, x: lib.trapezoid(x, dx=0.5)),
    ("trapezoid_x", lambda lib, x: lib.trapezoid(x, lib.tensor([0.0, 1.0, 3.0, 4.5], dtype=lib.float64))),
    ("trapz", lambda lib, x: lib.trapz(x, dim=0)), ("cumulative_trapezoid", lambda lib, x: lib.cumulative_trapezoid(x)),
    ("cumulative_trapezoid_x", lambda lib, x: lib.cumulative_trapezoid(x, lib.tensor([0.0, 2.0], dtype=lib.float64), dim=0)),
    ("combinations", lambda lib, x: lib.combinations(x[0], 3)),
    ("combinations_r", lambda lib, x: lib.combinations(x[1], 2, with_replacement=True)),
    ("tensordot", lambda lib, x: lib.tensordot(x, x.t(), 1)), ("tensordot_dims", lambda lib, x: lib.tensordot(x, x, ([0, 1], [0, 1]))),
    ("tensordot_bcast", lambda lib, x: lib.tensordot(x[:1], x, ([0], [0]))),
    ("inner", lambda lib, x: lib.inner(x, x[:1])),
])
def test_composites_as_torch(name, call):
    ts, os_ = _pair((2, 4))
    yt, yo = call(torch, ts[0]), call(anb, os_[0])
    yt, yo = (yt, yo) if isinstance(yt, tuple) else ((yt,), (yo,))
    for a, b in zip(yo, yt):
        assert type(a.grad_fn).__name__ == type(b.grad_fn).__name__ and a.dtype == getattr(anb, str(b.dtype)[6:])
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy())
    _two_orders(lambda x: torch.cat([t.reshape(-1) for t in (lambda r: r if isinstance(r, tuple) else (r,))(call(torch, x))]),
                lambda x: anb.cat([t.reshape(-1) for t in (lambda r: r if isinstance(r, tuple) else (r,))(call(anb, x))]),
                ts[:1], os_[:1])


def test_argwhere_as_torch():
    x = np.array([[0, 1], [2, 0]])
    assert anb.argwhere(anb.tensor(x)).tolist() == torch.argwhere(torch.tensor(x)).tolist()


@pytest.mark.parametrize("name,args", [("fliplr", (_t((3,)),)), ("flipud", (_t(()),)), ("positive", (_t((2,), "bool"),)),
                                       ("hsplit", (_t(()), 2)), ("vsplit", (_t((3,)), 2)), ("dsplit", (_t((2, 2)), 2)),
                                       ("hsplit", (_t((3, 3)), 2)), ("hsplit", (_t((3, 3)), "abc")),
                                       ("tensor_split", (_t((3,)), 0)), ("tensor_split", (_t(()), 2)),
                                       ("float_power", (2, 3)), ("combinations", (_t((2, 2)),)),
                                       ("combinations", (_t((3,)), -1)), ("inner", (_t((2, 3)), _t((2, 4)))),
                                       ("tensordot", (_t((2, 3)), _t((2, 4)), ([1], [0]))),
                                       ("tensordot", (_t((2, 3)), _t((3, 4)), ([1, 0], [0]))),
                                       ("tensordot", (_t((2, 3)), _t((3, 4)), -1)),
                                       ("trapezoid", (_t((3,)), _t((2,))))])
def test_composite_refusals(name, args):
    test_refusals_as_torch(name, args, {})


# --- element-wise functions new here (ops/elementwise_more.py) ---------------------------

@pytest.mark.parametrize("name,call", [
    ("deg2rad", lambda lib, x, y: lib.deg2rad(x)), ("rad2deg", lambda lib, x, y: lib.rad2deg(x)),
    ("sinc", lambda lib, x, y: lib.sinc(x)), ("copysign", lambda lib, x, y: lib.copysign(x, y)),
    ("copysign_number", lambda lib, x, y: lib.copysign(x, -1.5)), ("logaddexp2", lambda lib, x, y: lib.logaddexp2(x, y)),
    ("nansum", lambda lib, x, y: lib.nansum(x)), ("nansum_dim", lambda lib, x, y: lib.nansum(x, 1, keepdim=True)),
    ("nanmean", lambda lib, x, y: lib.nanmean(x)), ("nanmean_dim", lambda lib, x, y: lib.nanmean(x, 0)),
])
def test_elementwise_more_as_torch(name, call):
    ts, os_ = _pair((3, 4), (3, 4), seed=5)
    if name.startswith("nan"):
        with torch.no_grad():
            ts[0][0, 1] = ts[0][2, 3] = float("nan")
        os_[0] = anb.tensor(ts[0].detach().numpy(), requires_grad=True)
    if name == "sinc":
        with torch.no_grad():
            ts[0][0, 0] = 0.0
        os_[0] = anb.tensor(ts[0].detach().numpy(), requires_grad=True)
    yt, yo = call(torch, *ts), call(anb, *os_)
    assert type(yo.grad_fn).__name__ == type(yt.grad_fn).__name__
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
    _two_orders(lambda *a: call(torch, *a), lambda *a: call(anb, *a), ts, os_)
    if not name.startswith("nan"):
        assert anb.autograd.gradcheck(lambda *a: call(anb, *a), tuple(os_))


def test_elementwise_more_integers_and_tests():
    for name in ("deg2rad", "rad2deg", "sinc"):
        t, a = getattr(torch, name)(torch.tensor([0, 1, 180])), getattr(anb, name)(anb.tensor([0, 1, 180]))
        assert a.dtype == anb.float32
        np.testing.assert_allclose(a.numpy(), t.numpy(), rtol=1e-6)
    x = [1.0, float("inf"), -float("inf"), float("nan")]
    for name in ("isposinf", "isneginf", "isreal"):
        assert getattr(anb, name)(anb.tensor(x)).tolist() == getattr(torch, name)(torch.tensor(x)).tolist()
    v = anb.heaviside(anb.tensor([-1.0, 0.0, 2.0]), anb.tensor([0.5]))
    assert v.tolist() == torch.heaviside(torch.tensor([-1.0, 0.0, 2.0]), torch.tensor([0.5])).tolist()
    assert anb.nansum(anb.tensor([1, 2, 3], dtype=anb.int32)).dtype == anb.int64


@pytest.mark.parametrize("name,args", [("copysign", (2, _t((3,), "int64"))), ("copysign", (2, 3)),
                                       ("heaviside", (_t((3,), "int64"), 2)), ("heaviside", (2, _t((3,), "int64")))])
def test_elementwise_more_refusals(name, args):
    test_refusals_as_torch(name, args, {})


# --- integers, index arithmetic and creation new here ---------------------------------

def test_integer_ops_as_torch():
    a, b = [12, -8, 0, 7], [18, 6, 0, -21]
    for name in ("gcd", "lcm"):
        assert getattr(anb, name)(anb.tensor(a), anb.tensor(b)).tolist() == \
            getattr(torch, name)(torch.tensor(a), torch.tensor(b)).tolist()
    x, s = [1, -2, 3, -16], [1, 2, 9, 70]
    for dt in ("int8", "int64"):
        for name in ("bitwise_left_shift", "bitwise_right_shift"):
            got = getattr(anb, name)(anb.tensor(x, dtype=getattr(anb, dt)), anb.tensor(s, dtype=getattr(anb, dt)))
            want = getattr(torch, name)(torch.tensor(x, dtype=getattr(torch, dt)), torch.tensor(s, dtype=getattr(torch, dt)))
            assert got.tolist() == want.tolist() and str(got.dtype) == str(want.dtype)
    assert (anb.tensor([1, 2]) << 3).tolist() == [8, 16]
    for args in ((3, 4, 1), (4, 3, -1), (0, 3)):
        assert anb.tril_indices(*args).tolist() == torch.tril_indices(*args).tolist()
        assert anb.triu_indices(*args).tolist() == torch.triu_indices(*args).tolist()
    seq, v = [1.0, 3.0, 3.0, 7.0], [[0.0, 3.0], [7.0, 9.0]]
    for right in (False, True):
        assert anb.searchsorted(anb.tensor(seq), anb.tensor(v), right=right).tolist() == \
            torch.searchsorted(torch.tensor(seq), torch.tensor(v), right=right).tolist()
        assert anb.bucketize(anb.tensor(v), anb.tensor(seq), right=right).tolist() == \
            torch.bucketize(torch.tensor(v), torch.tensor(seq), right=right).tolist()
    assert anb.bincount(anb.tensor([0, 3, 3, 1]), minlength=6).tolist() == \
        torch.bincount(torch.tensor([0, 3, 3, 1]), minlength=6).tolist()
    w = anb.bincount(anb.tensor([0, 3, 3]), anb.tensor([0.5, 1.0, 2.0]))
    assert w.dtype == anb.float32 and w.tolist() == [0.5, 0.0, 0.0, 3.0]


@pytest.mark.parametrize("name,args", [("gcd", (_t((3,), "int64"), 2)), ("gcd", (2, _t((3,), "int64"))),
                                       ("lcm", (2, 3)), ("tril_indices", (-1, 3)), ("triu_indices", (3, -2)),
                                       ("logspace", (0, 3, 1.0)), ("logspace", (0, 2, -1)),
                                       ("bincount", (_t((2, 2), "int64"),))])
def test_integer_and_creation_refusals(name, args):
    test_refusals_as_torch(name, args, {})


def test_logspace_scalar_tensor_rdiv_as_torch():
    for args, kw in (((0, 2, 3), {}), ((-1.5, 2.5, 7), {"base": 2.0}), ((0, 3, 4), {"base": 2.0, "dtype": "int64"}),
                     ((1.0, 1.0, 1), {})):
        kt = {k: getattr(torch, v) if k == "dtype" else v for k, v in kw.items()}
        ko = {k: getattr(anb, v) if k == "dtype" else v for k, v in kw.items()}
        np.testing.assert_allclose(anb.logspace(*args, **ko).numpy(), torch.logspace(*args, **kt).numpy(), rtol=1e-6)
    assert anb.scalar_tensor(3).dtype == anb.float32 and anb.scalar_tensor(3, dtype=anb.int64).item() == 3
    x = anb.tensor([1.0, 2.0], requires_grad=True)
    y = x.__rdiv__(2)
    assert type(y.grad_fn).__name__ == "MulBackward0" and y.tolist() == [2.0, 1.0]
    with pytest.raises(AttributeError, match="'int' object has no attribute 'reciprocal'"):
        anb.Tensor.__rdiv__(2, x)


def test_trapezoid_of_integers_is_float():
    for name in ("trapezoid", "cumulative_trapezoid"):
        t, a = getattr(torch, name)(torch.tensor([1, 4, 9])), getattr(anb, name)(anb.tensor([1, 4, 9]))
        assert a.dtype == anb.float32 and a.tolist() == t.tolist()


# --- regions (ops/regions.py): scatters into a copy, block_diag, take, fill, rot90 --------

@pytest.mark.parametrize("name,call", [
    ("select_scatter", lambda lib, x, y: lib.select_scatter(x, y[0], 0, 1)),
    ("slice_scatter", lambda lib, x, y: lib.slice_scatter(x, y[:, :2], 1, 1, 3)),
    ("slice_scatter_step", lambda lib, x, y: lib.slice_scatter(x, y[::2], 0, 0, None, 2)),
    ("diagonal_scatter", lambda lib, x, y: lib.diagonal_scatter(x, y[0, :3], 0)),
    ("diagonal_scatter_off", lambda lib, x, y: lib.diagonal_scatter(x, y[0, :2], -1)),
    ("block_diag", lambda lib, x, y: lib.block_diag(x, y[0], y[1, 1])),
    ("take", lambda lib, x, y: lib.take(x, lib.tensor([[0, 5], [-1, 5]]))),
    ("fill", lambda lib, x, y: lib.fill(x, 2.0) + x), ("fill_tensor", lambda lib, x, y: lib.fill(x, y[0, 0])),
    ("rot90", lambda lib, x, y: lib.rot90(x)), ("rot90_k", lambda lib, x, y: lib.rot90(x, -3, [1, 0])),
])
def test_regions_as_torch(name, call):
    ts, os_ = _pair((3, 4), (3, 4), seed=8)
    yt, yo = call(torch, *ts), call(anb, *os_)
    assert type(yo.grad_fn).__name__ == type(yt.grad_fn).__name__
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy())
    _two_orders(lambda *a: call(torch, *a), lambda *a: call(anb, *a), ts, os_)
    assert anb.autograd.gradcheck(lambda *a: call(anb, *a), tuple(os_))


@pytest.mark.parametrize("name,args", [
    ("select_scatter", (_t((3, 4)), _t((3,)), 0, 1)), ("slice_scatter", (_t((3, 4)), _t((3, 3)), 1, 1, 3)),
    ("diagonal_scatter", (_t((3, 4)), _t((4,)))), ("block_diag", (_t((2, 2, 2)),)),
    ("take", (_t((3,)), _t((1,), "int32"))), ("take", (_t((3,)), _t((2,), "int64"))),
    ("rot90", (_t((3,)),)), ("rot90", (_t((3, 3)), 1, [0, 0])), ("rot90", (_t((3, 3)), 1, [0])),
])
def test_regions_refusals(name, args):
    if name == "take":
        idx = anb.tensor([7, 1]) if args[1][2] == "int64" else anb.tensor([1], dtype=anb.int32)
        tidx = torch.tensor([7, 1]) if args[1][2] == "int64" else torch.tensor([1], dtype=torch.int32)
        with pytest.raises(Exception) as t:
            torch.take(torch.zeros(3), tidx)
        with pytest.raises(Exception) as o:
            anb.take(anb.zeros(3), idx)
        assert type(o.value) is type(t.value) and str(o.value) == str(t.value)
        return
    test_refusals_as_torch(name, args, {})


@pytest.mark.parametrize("kw", [{}, {"dim": 1}, {"dim": (0, 1), "keepdim": True}, {"dim": 0, "correction": 0},
                                {"unbiased": False}])
def test_std_mean_as_torch(kw):
    ts, os_ = _pair((3, 4), seed=4)
    st, mt = torch.std_mean(ts[0], **kw)
    so, mo = anb.std_mean(os_[0], **kw)
    assert type(so.grad_fn).__name__ == type(st.grad_fn).__name__ == "StdMeanBackward0" and so.grad_fn is mo.grad_fn
    assert so.grad_fn._saved_correction == st.grad_fn._saved_correction
    np.testing.assert_allclose(so.detach().numpy(), st.detach().numpy())
    _two_orders(lambda x: torch.cat([t.reshape(-1) for t in torch.std_mean(x, **kw)]),
                lambda x: anb.cat([t.reshape(-1) for t in anb.std_mean(x, **kw)]), ts, os_)
    assert anb.autograd.gradgradcheck(lambda x: anb.std_mean(x, **kw)[0], tuple(os_))


# --- addmv / addr / baddbmm / addbmm (ops/products_more.py) ------------------------------

@pytest.mark.parametrize("name,shapes,kw", [
    ("addmv", [(3,), (3, 4), (4,)], {}), ("addmv", [(1,), (3, 4), (4,)], {"beta": 0.5, "alpha": 2.0}),
    ("addr", [(3, 4), (3,), (4,)], {"alpha": 3.0}), ("addr", [(4,), (3,), (4,)], {"beta": 0.0}),
    ("baddbmm", [(2, 3, 5), (2, 3, 4), (2, 4, 5)], {"beta": 2.0}), ("baddbmm", [(3, 5), (2, 3, 4), (2, 4, 5)], {}),
    ("addbmm", [(3, 5), (2, 3, 4), (2, 4, 5)], {"alpha": 0.5}), ("addbmm", [(5,), (2, 3, 4), (2, 4, 5)], {}),
])
def test_add_products_as_torch(name, shapes, kw):
    ts, os_ = _pair(*shapes, seed=6)
    yt, yo = getattr(torch, name)(*ts, **kw), getattr(anb, name)(*os_, **kw)
    assert type(yo.grad_fn).__name__ == type(yt.grad_fn).__name__
    assert yo.grad_fn._saved_alpha == yt.grad_fn._saved_alpha and yo.grad_fn._saved_beta == yt.grad_fn._saved_beta
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
    _two_orders(lambda *a: getattr(torch, name)(*a, **kw), lambda *a: getattr(anb, name)(*a, **kw), ts, os_)
    assert anb.autograd.gradcheck(lambda *a: getattr(anb, name)(*a, **kw), tuple(os_))


def test_add_products_integers_truncate_the_factors():
    m, v = np.arange(-6, 6).reshape(3, 4), np.array([1, -2, 3, 1])
    i = np.array([-8, 6, 9])
    want = torch.addmv(torch.tensor(i), torch.tensor(m), torch.tensor(v), beta=0.2, alpha=1.6)
    got = anb.addmv(anb.tensor(i), anb.tensor(m), anb.tensor(v), beta=0.2, alpha=1.6)
    assert got.tolist() == want.tolist()


@pytest.mark.parametrize("name,args", [("addmv", (_t((3,)), _t((3, 4)), _t((5,)))), ("addmv", (_t((2,)), _t((3, 4)), _t((4,)))),
                                       ("addr", (_t((3, 4)), _t((3, 1)), _t((4,)))),
                                       ("baddbmm", (_t((2, 3, 3)), _t((2, 3, 4)), _t((3, 4, 3)))),
                                       ("addbmm", (_t((3, 3)), _t((2, 3, 4)), _t((2, 5, 3))))])
def test_add_products_refusals(name, args):
    test_refusals_as_torch(name, args, {})


@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_running_extremes_as_torch(name):
    x = [[1.0, 3.0, 3.0, float("nan"), 2.0], [5.0, 1.0, 1.0, 0.0, 7.0]]
    tv, ti = getattr(torch, name)(torch.tensor(x), 1)
    av, ai = getattr(anb, name)(anb.tensor(x), 1)
    assert ai.tolist() == ti.tolist()
    np.testing.assert_array_equal(av.numpy(), tv.numpy())
    assert getattr(anb, name)(anb.tensor([3, 1, 1, 2]), 0)[1].tolist() == getattr(torch, name)(torch.tensor([3, 1, 1, 2]), 0)[1].tolist()
    ts, os_ = _pair((3, 4), seed=12)
    _two_orders(lambda a: getattr(torch, name)(a, 0)[0], lambda a: getattr(anb, name)(a, 0)[0], ts, os_)
    node = getattr(anb, name)(os_[0], 0)[0].grad_fn
    assert type(node).__name__ == f"{name.capitalize()}Backward0" and node._saved_dim == 0
    assert anb.autograd.gradcheck(lambda a: getattr(anb, name)(a, 1)[0], tuple(os_))


@pytest.mark.parametrize("kw", [{}, {"correction": 0}, {"fweights": [1, 2, 1, 3]}, {"aweights": [0.5, 1.0, 2.0, 1.0]},
                                {"fweights": [1, 2, 1, 3], "aweights": [0.5, 1.0, 2.0, 1.0], "correction": 2}])
def test_cov_and_corrcoef_as_torch(kw):
    ts, os_ = _pair((3, 4), seed=13)
    kt = {k: torch.tensor(v) if isinstance(v, list) else v for k, v in kw.items()}
    ko = {k: anb.tensor(v) if isinstance(v, list) else v for k, v in kw.items()}
    yt, yo = torch.cov(ts[0], **kt), anb.cov(os_[0], **ko)
    assert type(yo.grad_fn).__name__ == type(yt.grad_fn).__name__
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-10)
    _two_orders(lambda a: torch.cov(a, **kt), lambda a: anb.cov(a, **ko), ts, os_)
    if not kw:
        _two_orders(torch.corrcoef, anb.corrcoef, ts, os_)


def test_unravel_index_as_torch():
    for idx, shape in (([5, -1, 13], (2, 3)), (4, [2, 3]), ([0, 7], (2, 2, 2))):
        want = torch.unravel_index(torch.tensor(idx), shape)
        got = anb.unravel_index(anb.tensor(idx), shape)
        assert [g.tolist() for g in got] == [w.tolist() for w in want]


def test_frexp_and_ldexp_as_torch():
    x = [0.0, 1.5, -8.0, 3.25e-3, float("inf")]
    tm, te = torch.frexp(torch.tensor(x))
    am, ae = anb.frexp(anb.tensor(x))
    assert am.tolist() == tm.tolist() and ae.tolist() == te.tolist() and ae.dtype == anb.int32
    ts, os_ = _pair((4,), seed=14)
    _two_orders(lambda a: torch.frexp(a)[0], lambda a: anb.frexp(a)[0], ts, os_)
    e_t, e_o = torch.tensor([1, -2, 3, 0]), anb.tensor([1, -2, 3, 0])
    _two_orders(lambda a: torch.ldexp(a, e_t), lambda a: anb.ldexp(a, e_o), ts, os_)
    assert anb.ldexp(anb.tensor([1, 2]), anb.tensor([1, 2])).tolist() == [2.0, 8.0]
    test_refusals_as_torch("ldexp", (_t((3,), "int64"), 2), {})
    test_refusals_as_torch("frexp", (_t((3,), "int64"),), {})


def test_multinomial_refuses_an_out_of_another_dtype():
    with pytest.raises(RuntimeError, match="^multinomial expects Long tensor out, got: Double$"):
        anb.multinomial(anb.ones(1, 2, dtype=anb.float64), 2, out=anb.empty(1, 2, dtype=anb.float64))
    out = anb.empty(0, dtype=anb.int64)
    assert anb.multinomial(anb.ones(1, 2), 2, out=out) is out and sorted(out.tolist()[0]) == [0, 1]
