"""The losses PyTorch has that we lacked: ``nn.AdaptiveLogSoftmaxWithLoss`` (and the
``index_copy`` op it records), ``nn.LinearCrossEntropyLoss`` / ``F.linear_cross_entropy``,
``nn.NLLLoss2d``; against PyTorch: seeded weights, values, gradients, graphs, errors;
finite differences in float64."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_nb as anb
from autograd_nb.autograd import gradcheck, gradgradcheck
from torch_errors import error_of

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)


def _names(t) -> list[str]:
    """The chain of first parents from ``t.grad_fn``."""
    out, g = [], t.grad_fn
    while g is not None and len(out) < 12:
        out.append(type(g).__name__)
        g = g.next_functions[0][0] if g.next_functions else None
    return out


def _same_error(fn) -> None:
    ours, theirs = error_of(lambda: fn(anb)), error_of(lambda: fn(torch))
    assert theirs is not None
    assert ours == theirs


# ---------------------------------------------------------------------------
# index_copy
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dim,index,shape,src_shape", [
    (0, [2, 0], (4, 3), (2, 3)),
    (1, [1], (4, 3), (4, 1)),
    (-1, [2, 0, 1], (2, 3), (2, 3)),
    (0, 1, (4,), ()),                                  # a 0-d index and source
])
def test_index_copy_values_gradients_and_saved(dim, index, shape, src_shape):
    x, s = RNG.standard_normal(shape), RNG.standard_normal(src_shape)
    g = RNG.standard_normal(shape)
    res = {}
    for lib in (anb, torch):
        xt, st = lib.tensor(x, requires_grad=True), lib.tensor(s, requires_grad=True)
        out = xt.index_copy(dim, lib.tensor(index), st)
        out.backward(lib.tensor(g), retain_graph=True)
        node = out.grad_fn
        res[lib] = (out.detach().numpy(), xt.grad.numpy(), st.grad.numpy(), type(node).__name__,
                    node._saved_dim, node._saved_source_dim, node._saved_index.tolist(),
                    node._saved_source.detach().numpy())
    for a, b in zip(res[anb], res[torch]):
        np.testing.assert_allclose(a, b) if isinstance(a, np.ndarray) else (a == b) or pytest.fail(f"{a} != {b}")


def test_index_copy_inplace_torch_function_and_finite_differences():
    x, s = RNG.standard_normal((5, 2)), RNG.standard_normal((2, 2))
    for lib in (anb, torch):
        base = lib.tensor(x, requires_grad=True)
        y = base.clone()
        y.index_copy_(0, lib.tensor([4, 1]), lib.tensor(s))
        assert type(y.grad_fn).__name__ == "IndexCopyBackward0"
        np.testing.assert_allclose(y.detach().numpy()[[4, 1]], s)
    col = RNG.standard_normal((5, 1))
    np.testing.assert_allclose(anb.index_copy(anb.tensor(x), 1, anb.tensor([0]), anb.tensor(col)).numpy(),
                               torch.index_copy(torch.tensor(x), 1, torch.tensor([0]), torch.tensor(col)).numpy())
    xt = anb.tensor(x, requires_grad=True)
    st = anb.tensor(s, requires_grad=True)
    idx = anb.tensor([3, 0])
    assert gradcheck(lambda a, b: a.index_copy(0, idx, b), (xt, st))
    assert gradgradcheck(lambda a, b: (a.index_copy(0, idx, b) ** 2), (xt, st))


@pytest.mark.parametrize("call", [
    lambda lib: lib.zeros(4, 3).index_copy(0, lib.tensor([1.0]), lib.ones(1, 3)),
    lambda lib: lib.zeros(4, 3).index_copy(0, lib.tensor([[1]]), lib.ones(1, 3)),
    lambda lib: lib.zeros(4, 3).index_copy(0, lib.tensor([1, 2]), lib.ones(1, 3)),
    lambda lib: lib.zeros(4, 3).index_copy(0, lib.tensor([1]), lib.ones(1, 2)),
    lambda lib: lib.zeros(4, 3).index_copy(0, lib.tensor([1]), lib.ones(1, 3, dtype=lib.float64)),
    lambda lib: lib.zeros(4, 3).index_copy(0, lib.tensor([7]), lib.ones(1, 3)),
    lambda lib: lib.zeros(4, 3).index_copy(0, lib.tensor([-1]), lib.ones(1, 3)),
    lambda lib: lib.zeros(4, 3).index_copy(2, lib.tensor([1]), lib.ones(1, 3)),
    lambda lib: lib.zeros(4, 3).index_copy(0, lib.tensor([1]), lib.ones(3)),
    lambda lib: lib.zeros(4, 3).index_copy(0, lib.tensor([1], dtype=lib.int32), lib.ones(1, 3)),
])
def test_index_copy_errors(call):
    _same_error(call)


# ---------------------------------------------------------------------------
# AdaptiveLogSoftmaxWithLoss
# ---------------------------------------------------------------------------

def _asm_pair(*args, **kw):
    torch.manual_seed(11)
    theirs = torch.nn.AdaptiveLogSoftmaxWithLoss(*args, **kw).double()
    anb.manual_seed(11)
    ours = anb.nn.AdaptiveLogSoftmaxWithLoss(*args, **kw).double()
    return ours, theirs


@pytest.mark.parametrize("kw", [dict(), dict(div_value=2.0, head_bias=True)])
def test_adaptive_log_softmax_seeded_weights_forward_backward(kw):
    ours, theirs = _asm_pair(16, 30, [5, 12, 20], **kw)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())   # same random stream
    assert repr(ours) == repr(theirs)
    x = RNG.standard_normal((9, 16))
    y = np.array([0, 4, 5, 11, 12, 19, 20, 29, 3])
    got = {}
    for lib, m in ((anb, ours), (torch, theirs)):
        xt = lib.tensor(x, requires_grad=True)
        res = m(xt, lib.tensor(y))
        assert type(res).__name__ == "_ASMoutput" and res._fields == ("output", "loss")
        res.loss.backward()
        got[lib] = (res.output.detach().numpy(), res.loss.item(), xt.grad.numpy(),
                    [p.grad.numpy() for p in m.parameters()], _names(res.loss),
                    m.log_prob(xt).detach().numpy(), m.predict(xt).numpy())
    a, b = got[anb], got[torch]
    np.testing.assert_allclose(a[0], b[0])
    assert a[1] == pytest.approx(b[1])
    np.testing.assert_allclose(a[2], b[2], atol=1e-12)
    for p, q in zip(a[3], b[3]):
        np.testing.assert_allclose(p, q, atol=1e-12)
    assert a[4] == b[4]                       # MeanBackward0, NegBackward0, AddBackward0, IndexCopyBackward0, ...
    np.testing.assert_allclose(a[5], b[5])
    np.testing.assert_array_equal(a[6], b[6])


def test_adaptive_log_softmax_unbatched_and_missing_clusters():
    ours, theirs = _asm_pair(8, 10, [3, 6])
    x = RNG.standard_normal(8)
    for y in (1, 7):
        a = ours(anb.tensor(x), anb.tensor(y))
        b = theirs(torch.tensor(x), torch.tensor(y))
        assert tuple(a.output.shape) == tuple(b.output.shape) == ()
        assert a.loss.item() == pytest.approx(b.loss.item())
    xs = RNG.standard_normal((3, 8))                  # all targets in the shortlist: no tail runs
    a = ours(anb.tensor(xs), anb.tensor([0, 1, 2]))
    b = theirs(torch.tensor(xs), torch.tensor([0, 1, 2]))
    np.testing.assert_allclose(a.output.detach().numpy(), b.output.detach().numpy())


def test_adaptive_log_softmax_finite_differences():
    ours, _ = _asm_pair(6, 9, [2, 5], div_value=2.0, head_bias=True)
    y = anb.tensor([0, 3, 8, 5, 1])
    x = anb.tensor(RNG.standard_normal((5, 6)), requires_grad=True)
    assert gradcheck(lambda t: ours(t, y).output, (x,))
    assert gradgradcheck(lambda t: ours(t, y).loss, (x,))


@pytest.mark.parametrize("args", [
    (8, 10, []), (8, 10, [3, 2]), (8, 10, [0, 4]), (8, 10, [3, 10]), (8, 10, [3, 3]), (8, 10, [2.5]),
])
def test_adaptive_log_softmax_cutoff_errors(args):
    _same_error(lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(*args))


@pytest.mark.parametrize("xy", [
    ((4, 8), (3,)), ((2, 4, 8), (2,)), ((8,), ()), ((4, 8), ()), ((4, 8), (4, 1)),
])
def test_adaptive_log_softmax_shape_errors(xy):
    xs, ys = xy

    def call(lib):
        lib.manual_seed(0)
        m = lib.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6])
        return m(lib.zeros(xs), lib.zeros(ys, dtype=lib.int64))
    if xs == (8,) and ys == ():
        assert call(anb).loss.item() == pytest.approx(call(torch).loss.item())
    else:
        _same_error(call)


def test_adaptive_log_softmax_target_out_of_range():
    def call(lib):
        lib.manual_seed(0)
        m = lib.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6])
        return m(lib.zeros(3, 8), lib.tensor([1, 10, -2]))
    _same_error(call)
