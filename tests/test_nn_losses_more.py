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


# ---------------------------------------------------------------------------
# linear_cross_entropy / LinearCrossEntropyLoss / LinearCrossEntropyOptions
# ---------------------------------------------------------------------------

LCE_CASES = [
    # (input shape, weight shape, target: "index" or "prob", keyword arguments)
    ((4, 3), (5, 3), "index", {}),
    ((4, 3), (5, 3), "index", dict(ignore_index=2, label_smoothing=0.2)),
    ((3,), (5, 3), "index", {}),                                   # unbatched
    ((4, 3), (5, 2, 3), "index", dict(bias=True)),                 # K-dimensional loss
    ((4, 3), (5, 3), "prob", dict(bias=True, weight=True)),
    ((4, 3), (5, 2, 3), "prob", dict(label_smoothing=0.3)),
]


def _lce_args(lib, xs, ws, kind, kw):
    rng = np.random.default_rng(3)
    x = lib.tensor(rng.standard_normal(xs), requires_grad=True)
    w = lib.tensor(rng.standard_normal(ws), requires_grad=True)
    lead = xs[:-1]
    if kind == "index":
        y = lib.tensor(rng.integers(0, ws[0], lead + ws[1:-1]))
    else:
        y = lib.tensor(rng.random(lead + ws[:-1])).softmax(len(lead))
    kw = dict(kw)
    if kw.pop("bias", False):
        kw["linear_bias"] = lib.tensor(rng.standard_normal(ws[:-1]), requires_grad=True)
    if kw.pop("weight", False):
        kw["weight"] = lib.tensor(rng.random(ws[0]))
    return x, w, y, kw


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", LCE_CASES)
def test_linear_cross_entropy_matches_torch(case, reduction):
    got = {}
    for lib in (anb, torch):
        x, w, y, kw = _lce_args(lib, *case)
        loss = lib.nn.functional.linear_cross_entropy(x, w, y, reduction=reduction, **kw)
        loss.sum().backward()
        grads = [t.grad.numpy() for t in (x, w, kw.get("linear_bias")) if t is not None]
        got[lib] = (loss.detach().numpy(), grads, type(loss.grad_fn).__name__)
    np.testing.assert_allclose(got[anb][0], got[torch][0], rtol=1e-10)
    for a, b in zip(got[anb][1], got[torch][1]):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    assert got[anb][2] == got[torch][2]


def test_linear_cross_entropy_finite_differences():
    x, w, y, kw = _lce_args(anb, (4, 3), (5, 2, 3), "index", dict(bias=True))
    b = kw["linear_bias"]
    f = lambda x, w, b: anb.nn.functional.linear_cross_entropy(x, w, y, linear_bias=b, label_smoothing=0.1)
    assert gradcheck(f, (x, w, b))
    assert gradgradcheck(f, (x, w, b))


def test_linear_cross_entropy_module_seeded_and_repr():
    for kw in (dict(), dict(out_features=(2, 2), bias=True, reduction="sum", label_smoothing=0.1)):
        torch.manual_seed(5)
        theirs = torch.nn.LinearCrossEntropyLoss(3, 4, **kw)
        anb.manual_seed(5)
        ours = anb.nn.LinearCrossEntropyLoss(3, 4, **kw)
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        for p, q in zip(ours.parameters(), theirs.parameters()):
            np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
        x = RNG.standard_normal((6, 3)).astype(np.float32)
        y = RNG.integers(0, 4, (6,) + kw.get("out_features", ()))
        a, b = ours(anb.tensor(x), anb.tensor(y)), theirs(torch.tensor(x), torch.tensor(y))
        assert a.item() == pytest.approx(b.item(), rel=1e-5)


def test_linear_cross_entropy_options_checked_as_torch():
    fields = ("allow_retain_graph", "batch_chunk_size", "chunking_method", "acc_policy", "acc_dtype")
    assert tuple(f.name for f in __import__("dataclasses").fields(anb.nn.LinearCrossEntropyOptions)) == fields
    assert repr(anb.nn.LinearCrossEntropyOptions()) == repr(torch.nn.LinearCrossEntropyOptions())
    x, w, y, _ = _lce_args(anb, (4, 3), (5, 3), "index", {})
    xt, wt, yt, _ = _lce_args(torch, (4, 3), (5, 3), "index", {})
    for opts in ({}, dict(batch_chunk_size=2, chunking_method=None), dict(chunking_method="aspect_ratio:1")):
        a = anb.nn.functional.linear_cross_entropy(x, w, y, options=anb.nn.LinearCrossEntropyOptions(**opts))
        b = torch.nn.functional.linear_cross_entropy(xt, wt, yt, options=torch.nn.LinearCrossEntropyOptions(**opts))
        assert a.item() == pytest.approx(b.item())
    with pytest.warns(UserWarning) as ours:
        anb.nn.functional.linear_cross_entropy(x, w, y, label_smoothing=0.1,
                                               options=anb.nn.LinearCrossEntropyOptions())
    with pytest.warns(UserWarning) as theirs:
        torch.nn.functional.linear_cross_entropy(xt, wt, yt, label_smoothing=0.1,
                                                 options=torch.nn.LinearCrossEntropyOptions())
    assert str(ours[0].message) == str(theirs[0].message)


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.LinearCrossEntropyOptions(acc_policy="x"),
    lambda lib: lib.nn.LinearCrossEntropyOptions(chunking_method="x"),
    lambda lib: lib.nn.LinearCrossEntropyOptions(chunking_method="aspect_ratio:0"),
    lambda lib: lib.nn.LinearCrossEntropyOptions(batch_chunk_size=0),
    lambda lib: lib.nn.LinearCrossEntropyOptions(acc_dtype=lib.int32),
    lambda lib: lib.nn.functional.linear_cross_entropy(
        lib.ones(4, 3), lib.ones(5, 3), lib.tensor([0, 1, 2, 3]),
        options=lib.nn.LinearCrossEntropyOptions(batch_chunk_size=3, chunking_method="aspect_ratio")),
    lambda lib: lib.nn.functional.linear_cross_entropy(lib.ones(2, 2, 3), lib.ones(5, 3), lib.tensor([0, 1])),
    lambda lib: lib.nn.functional.linear_cross_entropy(lib.ones(4, 3), lib.ones(3), lib.tensor([0, 1, 2, 3])),
    lambda lib: lib.nn.functional.linear_cross_entropy(lib.ones(4, 3), lib.ones(5, 4), lib.tensor([0, 1, 2, 3])),
    lambda lib: lib.nn.functional.linear_cross_entropy(lib.ones(4, 3), lib.ones(5, 3), lib.tensor([0, 1, 2, 3]),
                                                       linear_bias=lib.ones(4)),
    lambda lib: lib.nn.functional.linear_cross_entropy(lib.ones(3), lib.ones(5, 2, 3), lib.tensor(0)),
    lambda lib: lib.nn.functional.linear_cross_entropy(lib.ones(4, 3), lib.ones(5, 3), lib.ones(4, 5) / 5,
                                                       ignore_index=1),
    lambda lib: lib.nn.LinearCrossEntropyLoss(3, 5, weight=lib.ones(4)),
    lambda lib: lib.nn.LinearCrossEntropyLoss(3, 5, label_smoothing=1.5),
])
def test_linear_cross_entropy_errors(call):
    _same_error(call)


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_nll_loss_2d_is_torch_alias():
    assert issubclass(anb.nn.NLLLoss2d, anb.nn.NLLLoss)
    x = RNG.standard_normal((2, 3, 4, 4))
    y = RNG.integers(0, 3, (2, 4, 4))
    w = RNG.random(3)
    got = []
    for lib in (anb, torch):
        xt = lib.tensor(x, requires_grad=True)
        loss = lib.nn.NLLLoss2d(weight=lib.tensor(w), ignore_index=1)(xt.log_softmax(1), lib.tensor(y))
        loss.backward()
        with pytest.warns(FutureWarning) as caught:
            shown = repr(lib.nn.NLLLoss2d())
        got.append((loss.item(), xt.grad.numpy(), shown, str(caught[0].message), caught[0].filename))
    assert got[0][0] == pytest.approx(got[1][0])
    assert got[0][3:] == got[1][3:]                   # the same warning, pointing at the caller
    np.testing.assert_allclose(got[0][1], got[1][1], atol=1e-12)
    assert got[0][2] == got[1][2]


CHUNKED = [dict(), dict(bias=True), dict(bias=True, weight=True), dict(reduction="none"),
           dict(reduction="sum", bias=True), dict(ignore_index=2, weight=True), dict(unbatched=True),
           dict(unbatched=True, reduction="none", bias=True)]


@pytest.mark.parametrize("kw", CHUNKED)
def test_linear_cross_entropy_chunked_node_matches_torch(kw):
    rng = np.random.default_rng(9)
    x, w, b, cw = rng.standard_normal((4, 3)), rng.standard_normal((5, 3)), rng.standard_normal(5), rng.random(5)
    got = []
    for lib in (anb, torch):
        xt = lib.tensor(x[0] if kw.get("unbatched") else x, requires_grad=True)
        wt, bt = lib.tensor(w, requires_grad=True), lib.tensor(b, requires_grad=True)
        y = lib.tensor(2 if kw.get("unbatched") else [0, 4, 2, 1])
        extra = {"linear_bias": bt} if kw.get("bias") else {}
        if kw.get("weight"):
            extra["weight"] = lib.tensor(cw)
        extra.update({k: kw[k] for k in ("reduction", "ignore_index") if k in kw})
        loss = lib.nn.functional.linear_cross_entropy(xt, wt, y, options=lib.nn.LinearCrossEntropyOptions(), **extra)
        node = loss.grad_fn
        chain = [type(node).__name__] + [type(f[0]).__name__ for f in node.next_functions]
        if kw.get("unbatched"):
            node = node.next_functions[0][0]
            chain += [type(f[0]).__name__ for f in node.next_functions]
        loss.sum().backward()
        got.append((loss.detach().numpy(), xt.grad.numpy(), wt.grad.numpy(),
                    None if bt.grad is None else bt.grad.numpy(), chain))
    for a, b_ in zip(got[0][:3], got[1][:3]):
        np.testing.assert_allclose(a, b_, rtol=1e-10, atol=1e-13)
    assert (got[0][3] is None) == (got[1][3] is None)
    if got[0][3] is not None:
        np.testing.assert_allclose(got[0][3], got[1][3], rtol=1e-10)
    assert got[0][4] == got[1][4]


def test_linear_cross_entropy_chunked_backward_once_unless_allowed():
    rng = np.random.default_rng(10)
    x, w = rng.standard_normal((4, 3)), rng.standard_normal((5, 3))
    for lib in (anb, torch):
        xt, wt, y = lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True), lib.tensor([0, 4, 2, 1])
        F, O = lib.nn.functional, lib.nn.LinearCrossEntropyOptions
        loss = F.linear_cross_entropy(xt, wt, y, options=O())
        loss.backward(retain_graph=True)
        assert error_of(lambda: loss.backward()) == (
            "RuntimeError", "linear_cross_entropy chunked backward called twice; retain_graph=True / double "
                            "backward are not supported.")
        loss = F.linear_cross_entropy(xt, wt, y, options=O(allow_retain_graph=True))
        loss.backward(retain_graph=True)
        loss.backward()                                     # allowed
        per_row = F.linear_cross_entropy(xt, wt, y, options=O(), reduction="none")
        per_row.sum().backward(retain_graph=True)
        per_row.sum().backward()                            # "none" recomputes: allowed
        loss = F.linear_cross_entropy(xt, wt, y, options=O())
        (g,) = lib.autograd.grad(loss, xt, create_graph=True)
        assert not g.requires_grad                          # no second derivative
