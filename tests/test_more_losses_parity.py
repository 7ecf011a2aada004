"""Soft margin, multi margin, multi-label margin and triplet margin with distance losses
(functional and modules) against PyTorch: values and gradients for every reduction, the
nodes and what they save, finite differences in float64, reprs / state_dict, errors."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_nb as anb
from autograd_nb.autograd import gradcheck, gradgradcheck
from torch_errors import assert_same_error

torch = pytest.importorskip("torch")
F = anb.nn.functional

RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 5))
SIGNS = np.sign(RNG.standard_normal((4, 5)))
Y = np.array([1, 0, 4, 2])
W = RNG.random(5)
LABELS = np.array([[3, 0, -1, 1, 2], [1, 2, 3, 4, -1], [-1, 0, 0, 0, 0], [4, 4, 0, -1, 3]])

# (function, input, its targets, keyword arguments: arrays become tensors)
CASES = [
    ("soft_margin_loss", X, (SIGNS,), {}),
    ("soft_margin_loss", X, (SIGNS[0],), {}),                         # broadcast target
    ("multi_margin_loss", X, (Y,), {}),
    ("multi_margin_loss", X, (Y,), dict(p=2, margin=0.7, weight=W)),
    ("multi_margin_loss", X[1], (Y[1],), dict(margin=2.0)),            # one sample
    ("multilabel_margin_loss", X, (LABELS,), {}),
    ("multilabel_margin_loss", X[0], (LABELS[0],), {}),
]


def _call(lib, name, x, targets, kw, reduction):
    xt = lib.tensor(x, requires_grad=True)
    args = [lib.tensor(t) for t in targets]
    kw = {k: lib.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    return xt, getattr(lib.nn.functional, name)(xt, *args, reduction=reduction, **kw)


@pytest.mark.torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name,x,targets,kw", CASES)
def test_values_gradients_and_nodes_match_torch(name, x, targets, kw, reduction):
    tx, ty = _call(torch, name, x, targets, kw, reduction)
    ax, ay = _call(anb, name, x, targets, kw, reduction)
    assert tuple(ay.shape) == tuple(ty.shape)
    np.testing.assert_allclose(ay.detach().numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-14)
    assert ay.grad_fn.name() == ty.grad_fn.name()
    for field in ("reduction", "margin", "p"):
        if hasattr(ty.grad_fn, "_saved_" + field):
            assert getattr(ay.grad_fn, "_saved_" + field) == getattr(ty.grad_fn, "_saved_" + field)
    if hasattr(ty.grad_fn, "_saved_is_target"):
        np.testing.assert_array_equal(ay.grad_fn._saved_is_target.numpy(), ty.grad_fn._saved_is_target.numpy())
    g = RNG.standard_normal(tuple(ty.shape))
    ty.backward(torch.tensor(g))
    ay.backward(anb.tensor(g))
    np.testing.assert_allclose(ax.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name,x,targets,kw", [CASES[0], CASES[3], CASES[5]])
def test_finite_differences(name, x, targets, kw):
    args = [anb.tensor(t) for t in targets]
    kw = {k: anb.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    xt = anb.tensor(x + 0.013, requires_grad=True)                    # (off the hinges' kinks)
    fn = getattr(F, name)
    assert gradcheck(lambda x: fn(x, *args, **kw), (xt,))
    if name == "soft_margin_loss":
        assert gradgradcheck(lambda x: fn(x, *args, **kw), (xt,))


@pytest.mark.torch
def test_no_second_derivative_where_torch_has_none():
    for name, targets in (("multi_margin_loss", (Y,)), ("multilabel_margin_loss", (LABELS,))):
        errs = []
        for lib in (torch, anb):
            xt, y = _call(lib, name, X, targets, {}, "sum")
            g, = lib.autograd.grad(y, xt, create_graph=True)
            with pytest.raises(RuntimeError) as err:
                g.sum().backward()
            errs.append((g.grad_fn.name(), str(err.value)))
        assert errs[0] == errs[1]


@pytest.mark.torch
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("distance", [None, "cosine"])
def test_triplet_margin_with_distance(swap, distance):
    a, p, n = (RNG.standard_normal((3, 4)) for _ in range(3))
    res = []
    for lib in (torch, anb):
        ts = [lib.tensor(v, requires_grad=True) for v in (a, p, n)]
        fn = None if distance is None else (lambda x, y, lib=lib: 1.0 - lib.nn.functional.cosine_similarity(x, y))
        m = lib.nn.TripletMarginWithDistanceLoss(distance_function=fn, margin=1.5, swap=swap)
        out = m(*ts)
        out.backward()
        res.append((repr(m), out.detach().numpy(), [t.grad.numpy() for t in ts], out.grad_fn.name(),
                    lib.nn.functional.triplet_margin_with_distance_loss(*ts, reduction="none").detach().numpy()))
    assert res[0][0] == res[1][0] and res[0][3] == res[1][3]
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-12)
    np.testing.assert_allclose(res[1][4], res[0][4], rtol=1e-12)
    for u, v in zip(res[1][2], res[0][2]):
        np.testing.assert_allclose(u, v, rtol=1e-10, atol=1e-12)


@pytest.mark.torch
def test_modules():
    w = np.ones(5, dtype=np.float32)
    for make in (lambda nn, t: nn.SoftMarginLoss(), lambda nn, t: nn.MultiMarginLoss(p=2, margin=0.5),
                 lambda nn, t: nn.MultiMarginLoss(weight=t.tensor(w), reduction="sum"),
                 lambda nn, t: nn.MultiLabelMarginLoss(reduction="none")):
        tm, am = make(torch.nn, torch), make(anb.nn, anb)
        assert repr(am) == repr(tm) and list(am.state_dict()) == list(tm.state_dict())
        assert am.reduction == tm.reduction
    x = X.astype(np.float32)
    for cls, target in (("SoftMarginLoss", SIGNS), ("MultiMarginLoss", Y), ("MultiLabelMarginLoss", LABELS)):
        t = getattr(torch.nn, cls)()(torch.tensor(x), torch.tensor(target))
        a = getattr(anb.nn, cls)()(anb.tensor(x), anb.tensor(target))
        np.testing.assert_allclose(a.numpy(), t.numpy(), rtol=1e-6)


@pytest.mark.torch
@pytest.mark.parametrize("call", [
    lambda F, t: F.soft_margin_loss(t.ones(3, 4), t.ones(3, 5)),
    lambda F, t: F.soft_margin_loss(t.ones(3, 4), t.ones(3, 4, requires_grad=True)),
    lambda F, t: F.multi_margin_loss(t.ones(3, 4), t.tensor([1, 0, 4])),
    lambda F, t: F.multi_margin_loss(t.ones(3, 4), t.tensor([1, 0])),
    lambda F, t: F.multi_margin_loss(t.ones(3, 4), t.tensor([1, 0, 3]), p=3),
    lambda F, t: F.multi_margin_loss(t.ones(3, 4), t.tensor([1, 0, 3]), weight=t.ones(3)),
    lambda F, t: F.multi_margin_loss(t.ones(3, 4), t.tensor([1, 0, 3]), reduction="foo"),
    lambda F, t: F.multilabel_margin_loss(t.ones(3, 4), t.tensor([[4, 0, 0, 0]] * 3)),
    lambda F, t: F.multilabel_margin_loss(t.ones(3, 4), t.tensor([[0, 0, 0]] * 3)),
    lambda F, t: F.triplet_margin_with_distance_loss(t.ones(3, 4), t.ones(3, 4), t.ones(4), margin=1.0),
    lambda F, t: F.triplet_margin_with_distance_loss(t.ones(3, 4), t.ones(3, 4), t.ones(3, 4), margin=0.0),
    lambda F, t: t.nn.TripletMarginWithDistanceLoss(margin=-1.0),
    lambda F, t: t.nn.MultiMarginLoss(p=3),
])
def test_errors_match_torch(call):
    assert_same_error(call, torch)


# CTC: (targets, input lengths, target lengths, blank, zero_infinity); 1-D targets are concatenated
CTC_CASES = [
    ([[1, 2, 2, 0], [3, 1, 0, 0], [4, 4, 4, 4]], [7, 5, 7], [3, 2, 0], 0, False),
    ([1, 2, 2, 3, 1, 4], [7, 5, 6], [3, 2, 1], 0, False),
    ([[1, 3, 3, 0], [3, 0, 0, 0], [4, 4, 4, 4]], [7, 5, 3], [3, 2, 4], 2, True),   # the last is impossible
]


@pytest.mark.torch
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("targets,in_len,tg_len,blank,zero_inf", CTC_CASES)
def test_ctc_loss_matches_torch(targets, in_len, tg_len, blank, zero_inf, reduction):
    rng = np.random.default_rng(1)
    lp = rng.standard_normal((7, 3, 5))
    lp -= np.log(np.exp(lp).sum(2, keepdims=True))
    g = rng.standard_normal(3) if reduction == "none" else np.array(1.3)
    res = []
    for lib in (torch, anb):
        x = lib.tensor(lp, requires_grad=True)
        y = lib.nn.CTCLoss(blank, reduction, zero_inf)(x, lib.tensor(targets), lib.tensor(in_len), lib.tensor(tg_len))
        chain, node, ctc = [], y.grad_fn, None
        while node is not None and node.next_functions:
            chain.append(node.name())
            ctc = node if node.name() == "CtcLossBackward0" else ctc
            node = [f for f, _ in node.next_functions if f is not None][-1]
        fields = [getattr(ctc, "_saved_" + f) for f in ("blank", "input_lengths", "target_lengths", "zero_infinity")]
        fields.append(ctc._saved_result0.detach().numpy().tolist())
        y.backward(lib.tensor(g))
        res.append((y.detach().numpy(), x.grad.numpy(), chain, fields))
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-12)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-10, atol=1e-12)
    assert res[1][2] == res[0][2] and res[1][3] == res[0][3]


def test_ctc_loss_finite_differences():
    gen = anb.Generator().manual_seed(2)
    raw = anb.randn(5, 2, 4, dtype=anb.float64, generator=gen, requires_grad=True)
    targets, in_len, tg_len = anb.tensor([[1, 3], [2, 2]]), [5, 4], [2, 2]
    assert gradcheck(lambda r: F.ctc_loss(r.log_softmax(2), targets, in_len, tg_len), (raw,))


@pytest.mark.torch
@pytest.mark.parametrize("call", [
    lambda F, t: F.ctc_loss(t.zeros(4, 2, 3), t.tensor([[1], [2]]), [5, 4], [1, 1]),
    lambda F, t: F.ctc_loss(t.zeros(4, 2, 3), t.tensor([[1], [2]]), [4], [1, 1]),
    lambda F, t: F.ctc_loss(t.zeros(4, 2, 3), t.tensor([[1], [2]]), [4, 4], [1, 1], reduction="x"),
])
def test_ctc_errors_match_torch(call):
    assert_same_error(call, torch)


@pytest.mark.torch
def test_ctc_has_no_second_derivative_as_torch():
    errs = []
    for lib in (torch, anb):
        x = lib.zeros(4, 2, 3, dtype=lib.float64).log_softmax(2).detach().requires_grad_()
        y = lib.nn.functional.ctc_loss(x, lib.tensor([[1], [2]]), [4, 4], [1, 1], reduction="sum")
        g, = lib.autograd.grad(y, x, create_graph=True)
        with pytest.raises(RuntimeError) as err:
            g.sum().backward()
        errs.append((g.grad_fn.name(), str(err.value), repr(lib.nn.CTCLoss(blank=2))))
    assert errs[0] == errs[1]
