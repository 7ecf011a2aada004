"""Layers PyTorch has that we lacked: ``BatchNorm3d``, ``LazyBatchNorm3d``,
``LazyInstanceNorm1d/2d/3d``, the lazy batch norms' ``bias`` keyword, ``Hardtanh``'s old
``min_value`` / ``max_value`` keywords, ``ReflectionPad3d`` / ``ReplicationPad3d`` /
``CircularPad3d``; against PyTorch: values, gradients, graphs, buffers, reprs, errors."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_nb as anb
from autograd_nb.autograd import gradcheck
from torch_errors import error_of

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(12)


def _same_error(fn) -> None:
    ours, theirs = error_of(lambda: fn(anb)), error_of(lambda: fn(torch))
    assert theirs is not None
    assert ours == theirs


def _run(make, x, lib, train=True, steps=2):
    """Seeded layer from ``make(lib)``; ``steps`` forward/backward passes on ``x``."""
    lib.manual_seed(0)
    m = make(lib).double()
    m.train(train)
    outs = []
    for k in range(steps):
        xt = lib.tensor(x * (k + 1), requires_grad=True)
        y = m(xt)
        (y * lib.tensor(np.linspace(-1, 1, y.numel()).reshape(tuple(y.shape)))).sum().backward()
        outs.append((y.detach().numpy(), xt.grad.numpy(), type(y.grad_fn).__name__))
    state = {k: v.detach().numpy() for k, v in m.state_dict().items()}
    grads = {n: p.grad.numpy() for n, p in m.named_parameters()}
    return outs, state, grads, repr(m), type(m).__name__


def _compare(a, b):
    for (ya, ga, na), (yb, gb, nb) in zip(a[0], b[0]):
        np.testing.assert_allclose(ya, yb, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(ga, gb, rtol=1e-9, atol=1e-12)
        assert na == nb
    assert list(a[1]) == list(b[1])
    for k in a[1]:
        np.testing.assert_allclose(a[1][k], b[1][k], rtol=1e-9, atol=1e-12)
        assert a[1][k].dtype == b[1][k].dtype             # (lazy buffers converted by .double() first)
    assert list(a[2]) == list(b[2])
    for k in a[2]:
        np.testing.assert_allclose(a[2][k], b[2][k], rtol=1e-9, atol=1e-12)
    assert a[3:] == b[3:]


@pytest.mark.parametrize("make,shape", [
    (lambda lib: lib.nn.BatchNorm3d(3), (2, 3, 2, 3, 2)),
    (lambda lib: lib.nn.BatchNorm3d(3, momentum=None, bias=False), (2, 3, 2, 3, 2)),
    (lambda lib: lib.nn.LazyBatchNorm3d(), (2, 3, 2, 3, 2)),
    (lambda lib: lib.nn.LazyBatchNorm1d(bias=False), (4, 3)),
    (lambda lib: lib.nn.LazyBatchNorm2d(affine=False), (2, 3, 2, 2)),
    (lambda lib: lib.nn.LazyInstanceNorm1d(), (2, 3, 5)),
    (lambda lib: lib.nn.LazyInstanceNorm2d(bias=False), (2, 3, 4, 4)),
    (lambda lib: lib.nn.LazyInstanceNorm3d(track_running_stats=False), (2, 3, 2, 3, 2)),
])
@pytest.mark.parametrize("train", [True, False])
def test_norm_layers_match_torch(make, shape, train):
    x = RNG.standard_normal(shape)
    _compare(_run(make, x, anb, train), _run(make, x, torch, train))


@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.LazyBatchNorm3d(), lambda lib: lib.nn.LazyBatchNorm1d(bias=False),
    lambda lib: lib.nn.LazyInstanceNorm1d(), lambda lib: lib.nn.LazyInstanceNorm3d(affine=False),
])
def test_lazy_norms_before_their_first_call(make):
    ours, theirs = make(anb), make(torch)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.has_uninitialized_params() == theirs.has_uninitialized_params()


@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.BatchNorm3d(2)(lib.ones(2, 2, 2, 2)),
    lambda lib: lib.nn.LazyBatchNorm3d()(lib.ones(2, 2, 2, 2)),
    lambda lib: lib.nn.LazyInstanceNorm2d()(lib.ones(2, 3, 4)),      # num_features read from dim 1
    lambda lib: lib.nn.Hardtanh(1, 1),
    lambda lib: lib.nn.Hardtanh(min_value=2.0),
    lambda lib: lib.nn.ReflectionPad3d(2)(lib.ones(1, 2, 2, 2)),
    lambda lib: lib.nn.ReplicationPad3d(1)(lib.ones(2, 2)),
])
def test_layer_errors(call):
    _same_error(call)


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_hardtanh_old_keywords():
    for kw in (dict(min_value=-0.5), dict(max_value=0.25), dict(min_value=-2.0, max_value=0.5, inplace=False)):
        got = []
        for lib in (anb, torch):
            with pytest.warns(FutureWarning) as caught:
                m = lib.nn.Hardtanh(**kw)
            x = lib.tensor(np.linspace(-3, 3, 7), requires_grad=True)
            m(x).sum().backward()
            got.append((repr(m), m(x).detach().numpy().tolist(), x.grad.numpy().tolist(),
                        [str(w.message) for w in caught], caught[0].filename))
        assert got[0] == got[1]


@pytest.mark.parametrize("cls", ["ReflectionPad3d", "ReplicationPad3d", "CircularPad3d"])
@pytest.mark.parametrize("padding,shape", [(1, (2, 2, 3, 4, 5)), ((1, 2, 0, 1, 2, 1), (2, 3, 4, 3)),
                                           ((0, 1, 1, 0, 1, 1), (1, 2, 3, 3, 3))])
def test_pad3d_layers_match_torch(cls, padding, shape):
    x = RNG.standard_normal(shape)
    got = []
    for lib in (anb, torch):
        m = getattr(lib.nn, cls)(padding)
        xt = lib.tensor(x, requires_grad=True)
        y = m(xt)
        y.backward(lib.tensor(np.arange(y.numel(), dtype=np.float64).reshape(tuple(y.shape))))
        got.append((repr(m), y.detach().numpy(), xt.grad.numpy(), type(y.grad_fn).__name__))
    assert got[0][0] == got[1][0]
    np.testing.assert_allclose(got[0][1], got[1][1])
    np.testing.assert_allclose(got[0][2], got[1][2])
    assert got[0][3] == got[1][3]


# ---------------------------------------------------------------------------
# RNNCellBase, gumbel_softmax, pdist
# ---------------------------------------------------------------------------

def test_rnn_cell_base_is_the_cells_base():
    for args in ((3, 4, True, 2), (5, 2, False, 3)):
        got = []
        for lib in (anb, torch):
            lib.manual_seed(1)
            base = lib.nn.RNNCellBase(*args)
            got.append((repr(base), [(n, tuple(p.shape)) for n, p in base.named_parameters()],
                        [p.detach().numpy().tolist() for p in base.parameters()], error_of(lambda: base(lib.ones(2)))))
        assert got[0] == got[1]
    for cls in ("RNNCell", "LSTMCell", "GRUCell"):
        assert isinstance(getattr(anb.nn, cls)(2, 3), anb.nn.RNNCellBase)


@pytest.mark.parametrize("hard", [False, True])
@pytest.mark.parametrize("dim,tau", [(-1, 1.0), (0, 0.3)])
def test_gumbel_softmax_draws_torchs_samples(hard, dim, tau):
    x = RNG.standard_normal((4, 5))
    got = []
    for lib in (anb, torch):
        lib.manual_seed(3)
        xt = lib.tensor(x, requires_grad=True)
        y = lib.nn.functional.gumbel_softmax(xt, tau=tau, hard=hard, dim=dim)
        y.backward(lib.tensor(np.arange(20.0).reshape(4, 5)))
        got.append((y.detach().numpy(), xt.grad.numpy(), type(y.grad_fn).__name__, lib.rand(2).numpy()))
    np.testing.assert_allclose(got[0][0], got[1][0], rtol=1e-12)
    np.testing.assert_allclose(got[0][1], got[1][1], rtol=1e-9, atol=1e-12)
    assert got[0][2] == got[1][2]
    np.testing.assert_array_equal(got[0][3], got[1][3])       # the generator moved as far as torch's
    if hard:
        assert set(np.unique(got[0][0])) <= {0.0, 1.0}


def test_gumbel_softmax_eps_warning():
    for lib in (anb, torch):
        with pytest.warns(UserWarning, match="`eps` parameter is deprecated and has no effect."):
            lib.nn.functional.gumbel_softmax(lib.zeros(2, 3), eps=1e-3)


PDIST_X = [np.random.default_rng(4).standard_normal((5, 3)), np.array([[0.0, 0], [0, 0], [1, 1]]),
           np.array([[0.0, 0], [0, 1], [1, 1], [2, 0]])]


@pytest.mark.parametrize("p", [2.0, 1.0, 0.0, 3.0, float("inf"), 0.5, 1.5, 2.5])
@pytest.mark.parametrize("k", range(len(PDIST_X)))
def test_pdist_matches_torch(p, k):
    x = PDIST_X[k]
    got = []
    for lib in (anb, torch):
        xt = lib.tensor(x, requires_grad=True)
        for fn in (lib.pdist, lib.nn.functional.pdist):
            y = fn(xt, p)
        y.backward(lib.tensor(np.arange(1.0, y.numel() + 1)), retain_graph=True)
        node = y.grad_fn
        got.append((y.detach().numpy(), xt.grad.numpy(), type(node).__name__, node._saved_p,
                    node._saved_result.detach().numpy(), tuple(node._saved_self.shape)))
    np.testing.assert_allclose(got[0][0], got[1][0], rtol=1e-12)
    np.testing.assert_allclose(got[0][1], got[1][1], rtol=1e-9, atol=1e-12)
    assert got[0][2:4] == got[1][2:4]
    np.testing.assert_allclose(got[0][4], got[1][4])
    assert got[0][5] == got[1][5]


def test_pdist_finite_differences_and_no_second_derivative():
    x = anb.tensor(PDIST_X[0], requires_grad=True)
    for p in (2.0, 1.0, 3.0, 0.5, float("inf")):
        assert gradcheck(lambda t: anb.pdist(t, p), (x,))
    got = []
    for lib in (anb, torch):
        xt = lib.tensor(PDIST_X[0], requires_grad=True)
        (g,) = lib.autograd.grad(lib.pdist(xt).sum(), xt, create_graph=True)
        got.append((type(g.grad_fn).__name__, [type(n[0]).__name__ for n in g.grad_fn.next_functions],
                    error_of(lambda: g.sum().backward())))
    assert got[0] == got[1]


@pytest.mark.parametrize("call", [
    lambda lib: lib.pdist(lib.ones(3)),
    lambda lib: lib.pdist(lib.ones(2, 3, 2)),
    lambda lib: lib.pdist(lib.ones(3, 2), p=-1),
    lambda lib: lib.pdist(lib.ones(3, 2, dtype=lib.int64)),
])
def test_pdist_errors(call):
    _same_error(call)


def test_pdist_empty_shapes():
    for shape in ((1, 3), (0, 2), (3, 0)):
        assert tuple(anb.pdist(anb.zeros(shape)).shape) == tuple(torch.pdist(torch.zeros(shape)).shape)


# ---------------------------------------------------------------------------
# CrossMapLRN2d (PyTorch's legacy custom Function, reproduced quirks and all)
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("size", [2, 3, 4, 5, 7])
@pytest.mark.parametrize("channels", [1, 2, 5, 8])
def test_cross_map_lrn2d_matches_torch(size, channels):
    x = RNG.standard_normal((2, channels, 3, 2))
    got = []
    for lib in (anb, torch):
        m = lib.nn.CrossMapLRN2d(size, 0.3, 0.7, 1.5)
        xt = lib.tensor(x, requires_grad=True)
        y = m(xt)
        y.backward(lib.tensor(np.linspace(-1, 1, y.numel()).reshape(tuple(y.shape))))
        got.append((y.detach().numpy(), xt.grad.numpy(), type(y.grad_fn).__name__, repr(m)))
    np.testing.assert_allclose(got[0][0], got[1][0], rtol=1e-12)
    np.testing.assert_allclose(got[0][1], got[1][1], rtol=1e-10, atol=1e-14)
    assert got[0][2:] == got[1][2:]                  # CrossMapLRN2dBackward


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.CrossMapLRN2d(3)(lib.ones(2, 3, 4)),
    lambda lib: lib.nn.CrossMapLRN2d(1)(lib.ones(1, 2, 2, 2, requires_grad=True)).sum().backward(),
])
def test_cross_map_lrn2d_errors(call):
    _same_error(call)
