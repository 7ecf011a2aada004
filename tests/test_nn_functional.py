"""Losses and the other functions of ``nn.functional``, compared with PyTorch.

Values, gradients (input and, where PyTorch gives one, target), the grad_fn chain,
saved attributes, and errors (type and first line).
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_nb as anb
from autograd_nb import nn
from autograd_nb.nn import functional as AF

torch = pytest.importorskip("torch")
torch.set_num_threads(1)
TF = torch.nn.functional

RNG = np.random.default_rng(7)


def chain(t):
    names = []
    fn = t.grad_fn
    while fn is not None:
        names.append(type(fn).__name__)
        nxt = [n for n, _ in fn.next_functions if n is not None and type(n).__name__ != "AccumulateGrad"]
        fn = nxt[0] if nxt else None
    return names


def both(a, grad=True):
    """The same numbers as a torch tensor and as ours (float arrays require grad)."""
    rg = grad and np.issubdtype(a.dtype, np.floating)
    return torch.tensor(a, requires_grad=rg), anb.tensor(a, requires_grad=rg)


def compare(fn_t, fn_a, arrays, tol=1e-5, check_chain=True):
    """Run both, compare value, chain and the gradients of every float argument."""
    pairs = [both(a) if isinstance(a, np.ndarray) else (a, a) for a in arrays]
    tout = fn_t(*[p[0] for p in pairs])
    aout = fn_a(*[p[1] for p in pairs])
    np.testing.assert_allclose(aout.detach().numpy(), tout.detach().numpy(), rtol=tol, atol=tol)
    assert aout.dtype.itemsize == tout.dtype.itemsize and tuple(aout.shape) == tuple(tout.shape)
    if check_chain:
        assert chain(aout) == chain(tout)
    if tout.requires_grad:
        up = RNG.standard_normal(tuple(tout.shape)).astype(np.float32 if tout.dtype == torch.float32 else np.float64)
        (tout * torch.tensor(up)).sum().backward()
        (aout * anb.tensor(up)).sum().backward()
        for t, a in pairs:
            if isinstance(t, torch.Tensor) and t.requires_grad:
                assert (a.grad is None) == (t.grad is None)
                if t.grad is not None:
                    np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=tol, atol=tol)
    return tout, aout


def f32(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def probs(*shape):
    return RNG.uniform(0.05, 0.95, shape).astype(np.float32)


REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses(reduction):
    x, t = f32(3, 4), f32(3, 4)
    for name in ("mse_loss", "l1_loss"):
        compare(lambda a, b: getattr(TF, name)(a, b, reduction=reduction),
                lambda a, b: getattr(AF, name)(a, b, reduction=reduction), [x, t])
    for beta in (1.0, 0.5, 0.0):
        compare(lambda a, b: TF.smooth_l1_loss(a, b, reduction=reduction, beta=beta),
                lambda a, b: AF.smooth_l1_loss(a, b, reduction=reduction, beta=beta), [x * 2, t])


def test_weighted_regression_losses():
    x, t, w = f32(3, 4), f32(3, 4), probs(3, 4)
    for name in ("mse_loss", "l1_loss"):
        for reduction in REDUCTIONS:
            compare(lambda a, b, c: getattr(TF, name)(a, b, reduction=reduction, weight=c),
                    lambda a, b, c: getattr(AF, name)(a, b, reduction=reduction, weight=c), [x, t, w])


def test_mse_broadcast_warns_like_torch():
    x, t = f32(2, 3, 4), f32(3, 4)
    with warnings.catch_warnings(record=True) as wt:
        warnings.simplefilter("always")
        tout = TF.mse_loss(torch.tensor(x), torch.tensor(t))
    with warnings.catch_warnings(record=True) as wa:
        warnings.simplefilter("always")
        aout = AF.mse_loss(anb.tensor(x), anb.tensor(t))
    assert [str(w.message) for w in wa] == [str(w.message) for w in wt]
    assert abs(aout.item() - tout.item()) < 1e-5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compare(TF.mse_loss, AF.mse_loss, [x, t])


def test_loss_modules_match_functions():
    x, t = f32(3, 4), f32(3, 4)
    for tm, am in ((torch.nn.MSELoss(reduction="sum"), nn.MSELoss(reduction="sum")),
                   (torch.nn.L1Loss(), nn.L1Loss()), (torch.nn.SmoothL1Loss(beta=0.3), nn.SmoothL1Loss(beta=0.3))):
        compare(tm, am, [x, t])
        assert repr(am) == repr(tm) and am.reduction == tm.reduction


def test_legacy_reduction_flags():
    x, t = f32(3, 4), f32(3, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for sa, rd in ((False, None), (None, False), (True, True)):
            tm, am = torch.nn.MSELoss(size_average=sa, reduce=rd), nn.MSELoss(size_average=sa, reduce=rd)
            assert am.reduction == tm.reduction
            compare(tm, am, [x, t])


# ---------------------------------------------------------------------------
# cross entropy and NLL
# ---------------------------------------------------------------------------

CE_CASES = [
    dict(),
    dict(reduction="sum"),
    dict(reduction="none"),
    dict(weight=True),
    dict(weight=True, reduction="none"),
    dict(ignore_index=2),
    dict(ignore_index=2, weight=True),
    dict(label_smoothing=0.1),
    dict(label_smoothing=0.2, reduction="sum"),
    dict(label_smoothing=0.2, reduction="none"),
    dict(label_smoothing=0.15, weight=True),
    dict(label_smoothing=0.15, weight=True, ignore_index=1),
]


def _ce_args(case, classes):
    kw = dict(case)
    if kw.pop("weight", False):
        w = RNG.uniform(0.5, 2.0, classes).astype(np.float32)
        return kw, w
    return kw, None


@pytest.mark.parametrize("case", CE_CASES, ids=[str(c) for c in CE_CASES])
@pytest.mark.parametrize("shape", [(5, 4), (4,), (2, 4, 3), (2, 4, 3, 2)], ids=["2d", "1d", "3d", "4d"])
def test_cross_entropy_with_indices(case, shape):
    kw, w = _ce_args(case, shape[0 if len(shape) == 1 else 1])
    x = f32(*shape)
    tshape = () if len(shape) == 1 else (shape[0],) + shape[2:]
    target = RNG.integers(0, shape[0 if len(shape) == 1 else 1], tshape)
    if len(shape) > 1:
        target.flat[0] = 2                           # make ignore_index cases ignore something
    tw, aw = (torch.tensor(w), anb.tensor(w)) if w is not None else (None, None)
    compare(lambda a, b: TF.cross_entropy(a, b, weight=tw, **kw),
            lambda a, b: AF.cross_entropy(a, b, weight=aw, **kw), [x, target])
    compare(lambda a, b: torch.nn.CrossEntropyLoss(weight=tw, **kw)(a, b),
            lambda a, b: nn.CrossEntropyLoss(weight=aw, **kw)(a, b), [x, target])


@pytest.mark.parametrize("case", [dict(), dict(reduction="sum"), dict(reduction="none"), dict(weight=True),
                                  dict(label_smoothing=0.3), dict(label_smoothing=0.3, weight=True,
                                                                  reduction="none")], ids=str)
def test_cross_entropy_with_probabilities(case):
    kw, w = _ce_args(case, 4)
    x = f32(5, 4)
    p = RNG.dirichlet(np.ones(4), 5).astype(np.float32)
    tw, aw = (torch.tensor(w), anb.tensor(w)) if w is not None else (None, None)
    compare(lambda a, b: TF.cross_entropy(a, b, weight=tw, **kw),
            lambda a, b: AF.cross_entropy(a, b, weight=aw, **kw), [x, p])


def test_nll_loss_saved_attributes_and_edges():
    x = f32(3, 4)
    t = np.array([1, 0, 3])
    tf = TF.nll_loss(torch.tensor(x, requires_grad=True), torch.tensor(t)).grad_fn
    af = AF.nll_loss(anb.tensor(x, requires_grad=True), anb.tensor(t)).grad_fn
    assert type(af).__name__ == "NllLossBackward0"
    assert af._saved_ignore_index == tf._saved_ignore_index
    assert af._saved_reduction == tf._saved_reduction
    assert af._saved_total_weight.item() == tf._saved_total_weight.item()
    assert len(af.next_functions) == len(tf.next_functions) == 1


def test_nll_module_and_total_weight_mean():
    x, t = f32(6, 3), np.array([0, 1, 2, 2, 1, -100])
    w = np.array([1.0, 2.0, 0.5], dtype=np.float32)
    compare(lambda a, b: torch.nn.NLLLoss(weight=torch.tensor(w))(a, b),
            lambda a, b: nn.NLLLoss(weight=anb.tensor(w))(a, b), [x, t])
    assert repr(nn.NLLLoss()) == "NLLLoss()"


# ---------------------------------------------------------------------------
# binary cross entropy
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce(reduction):
    x, t, w = probs(3, 4), probs(3, 4), probs(4)
    compare(lambda a, b: TF.binary_cross_entropy(a, b, reduction=reduction),
            lambda a, b: AF.binary_cross_entropy(a, b, reduction=reduction), [x, t], tol=1e-4)
    compare(lambda a, b: TF.binary_cross_entropy(a, b, weight=torch.tensor(w), reduction=reduction),
            lambda a, b: AF.binary_cross_entropy(a, b, weight=anb.tensor(w), reduction=reduction), [x, t],
            tol=1e-4)


def test_bce_clamps_log_at_minus_100():
    x = np.array([0.0, 1.0, 0.5], dtype=np.float32)
    t = np.array([1.0, 0.0, 1.0], dtype=np.float32)
    tout = TF.binary_cross_entropy(torch.tensor(x), torch.tensor(t), reduction="none")
    aout = AF.binary_cross_entropy(anb.tensor(x), anb.tensor(t), reduction="none")
    np.testing.assert_allclose(aout.numpy(), tout.numpy(), rtol=1e-6)
    assert aout.tolist()[0] == 100.0


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits(reduction):
    x, t = f32(3, 4) * 3, probs(3, 4)
    w, pw = probs(4), RNG.uniform(0.5, 3, 4).astype(np.float32)
    compare(lambda a, b: TF.binary_cross_entropy_with_logits(a, b, reduction=reduction),
            lambda a, b: AF.binary_cross_entropy_with_logits(a, b, reduction=reduction), [x, t])
    compare(lambda a, b: torch.nn.BCEWithLogitsLoss(torch.tensor(w), reduction=reduction,
                                                    pos_weight=torch.tensor(pw))(a, b),
            lambda a, b: nn.BCEWithLogitsLoss(anb.tensor(w), reduction=reduction, pos_weight=anb.tensor(pw))(a, b),
            [x, t])


def test_bce_with_logits_is_stable():
    x = np.array([-200.0, 200.0, 0.0], dtype=np.float32)
    t = np.array([1.0, 0.0, 1.0], dtype=np.float32)
    compare(lambda a, b: TF.binary_cross_entropy_with_logits(a, b, reduction="none"),
            lambda a, b: AF.binary_cross_entropy_with_logits(a, b, reduction="none"), [x, t])


def test_bce_module():
    x, t = probs(5), probs(5)
    compare(torch.nn.BCELoss(), nn.BCELoss(), [x, t], tol=1e-4)
    assert repr(nn.BCELoss()) == "BCELoss()"


# ---------------------------------------------------------------------------
# other functions
# ---------------------------------------------------------------------------


def test_softmax_family_and_implicit_dim_warning():
    x = f32(3, 4)
    compare(lambda a: TF.softmax(a, dim=0), lambda a: AF.softmax(a, dim=0), [x])
    compare(lambda a: TF.log_softmax(a, 1), lambda a: AF.log_softmax(a, 1), [x])
    compare(lambda a: TF.softmax(a, 1, dtype=torch.float64), lambda a: AF.softmax(a, 1, dtype=anb.float64), [x])
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax has been deprecated"):
        AF.softmax(anb.tensor(x))


def test_activation_functions():
    x = f32(4, 5)
    for name, kw in (("relu", {}), ("leaky_relu", {"negative_slope": 0.3}), ("elu", {"alpha": 2.0}),
                     ("gelu", {}), ("gelu", {"approximate": "tanh"}), ("sigmoid", {}), ("tanh", {})):
        compare(lambda a: getattr(TF, name)(a, **kw), lambda a: getattr(AF, name)(a, **kw), [x])


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "elu"])
def test_inplace_activations(name):
    x = f32(5)
    tx, ax = torch.tensor(x, requires_grad=True), anb.tensor(x, requires_grad=True)
    ty, ay = tx * 1, ax * 1
    tout, aout = getattr(TF, name)(ty, inplace=True), getattr(AF, name)(ay, inplace=True)
    assert aout is ay and tout is ty
    np.testing.assert_allclose(aout.detach().numpy(), tout.detach().numpy(), rtol=1e-6)
    assert type(aout.grad_fn).__name__ == type(tout.grad_fn).__name__
    if name != "relu":
        np.testing.assert_allclose(aout.grad_fn._saved_result.detach().numpy(),
                                   tout.grad_fn._saved_result.detach().numpy(), rtol=1e-6)
    tout.sum().backward()
    aout.sum().backward()
    np.testing.assert_allclose(ax.grad.numpy(), tx.grad.numpy(), rtol=1e-6)


def test_inplace_leaky_relu_negative_slope_backward_refused():
    for F, t in ((TF, torch), (AF, anb)):
        x = t.ones(3, requires_grad=True)
        y = F.leaky_relu(x * 1, -0.2, inplace=True)
        with pytest.raises(RuntimeError, match="In-place leakyReLu backward calculation is triggered"):
            y.sum().backward()


def test_pad_constant():
    x = f32(2, 3, 4)
    for p in ((1, 2), (1, 1, 2, 0), (0, 1, 1, 0, 2, 1), (-1, 2), (1, -2, -1, 1)):
        compare(lambda a: TF.pad(a, p, value=0.5), lambda a: AF.pad(a, p, value=0.5), [x])
    af = AF.pad(anb.tensor(x, requires_grad=True), (1, 2)).grad_fn
    assert af._saved_pad == (1, 2)


def test_one_hot():
    idx = np.array([[0, 2], [1, 1]])
    assert AF.one_hot(anb.tensor(idx)).tolist() == TF.one_hot(torch.tensor(idx)).tolist()
    out = AF.one_hot(anb.tensor(idx), 5)
    assert out.dtype == anb.int64 and out.tolist() == TF.one_hot(torch.tensor(idx), 5).tolist()


def test_linear_and_embedding_functions():
    x, w, b = f32(3, 4), f32(2, 4), f32(2)
    compare(TF.linear, AF.linear, [x, w, b])
    compare(lambda a, c: TF.linear(a, c), lambda a, c: AF.linear(a, c), [x, w])
    table = f32(5, 2)
    compare(lambda wt: TF.embedding(torch.tensor([4, 0, 4]), wt, padding_idx=0),
            lambda wt: AF.embedding(anb.tensor([4, 0, 4]), wt, padding_idx=0), [table])


def test_batch_norm_and_layer_norm_functions():
    x, w, b = f32(4, 3), f32(3), f32(3)
    rm, rv = np.zeros(3, np.float32), np.ones(3, np.float32)
    trm, trv, arm, arv = torch.tensor(rm), torch.tensor(rv), anb.tensor(rm), anb.tensor(rv)
    compare(lambda a, c, d: TF.batch_norm(a, trm, trv, c, d, training=True, momentum=0.3),
            lambda a, c, d: AF.batch_norm(a, arm, arv, c, d, training=True, momentum=0.3), [x, w, b])
    np.testing.assert_allclose(arv.numpy(), trv.numpy(), rtol=1e-5)
    np.testing.assert_allclose(arm.numpy(), trm.numpy(), rtol=1e-5, atol=1e-7)
    compare(lambda a, c, d: TF.batch_norm(a, trm, trv, c, d), lambda a, c, d: AF.batch_norm(a, arm, arv, c, d),
            [x, w, b])
    compare(lambda a, c, d: TF.layer_norm(a, (3,), c, d), lambda a, c, d: AF.layer_norm(a, (3,), c, d), [x, w, b])


def test_torch_level_exports():
    x, w = f32(1, 2, 4, 4), f32(3, 2, 2, 2)
    compare(torch.conv2d, anb.conv2d, [x, w])
    compare(lambda a: torch.max_pool2d(a, 2), lambda a: anb.max_pool2d(a, 2), [x])
    compare(lambda a: torch.constant_pad_nd(a, (1, 1)), lambda a: anb.constant_pad_nd(a, (1, 1)), [x])


# ---------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------


def _error(fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn()
    except Exception as e:                           # noqa: BLE001 - compared by type and text
        return type(e).__name__, str(e).splitlines()[0]
    return None


ERRORS = [
    lambda F, t: F.cross_entropy(t.randn(3, 5), t.tensor([1, 2, 3, 4])),
    lambda F, t: F.cross_entropy(t.randn(3, 5), t.randn(3, 4)),
    lambda F, t: F.cross_entropy(t.randn(3, 5), t.randn(4, 5)),
    lambda F, t: F.cross_entropy(t.randn(3, 5), t.tensor([1, 2, 3], dtype=t.int32)),
    lambda F, t: F.cross_entropy(t.randn(3, 5), t.tensor([1.0, 2.0, 3.0])),
    lambda F, t: F.cross_entropy(t.randn(3, 5), t.tensor([1, 2, 7])),
    lambda F, t: F.cross_entropy(t.randn(3, 5), t.tensor([1, 2, -3])),
    lambda F, t: F.cross_entropy(t.randn(3, 5), t.ones(3, 5).long()),
    lambda F, t: F.cross_entropy(t.randn(3, 5), t.rand(3, 5), ignore_index=1),
    lambda F, t: F.cross_entropy(t.randn(3, 5), t.tensor([1, 2, 3]), label_smoothing=1.5),
    lambda F, t: F.cross_entropy(t.randn(3, 5), t.tensor([1, 2, 3]), weight=t.ones(4)),
    lambda F, t: F.cross_entropy(t.randn(2, 5, 3), t.tensor([[2, 1], [1, 1]])),
    lambda F, t: F.cross_entropy(t.randn(2, 5, 3, 2), t.tensor([[2, 1], [1, 1]])),
    lambda F, t: F.cross_entropy(t.randn(3, 5), t.tensor([[1, 2, 3]])),
    lambda F, t: F.nll_loss(t.randn(3, 5), t.tensor([1, 2, 3]), weight=t.ones(5, requires_grad=True)),
    lambda F, t: F.mse_loss(t.randn(3, 5), t.randn(3, 4)),
    lambda F, t: F.mse_loss(t.rand(3), t.rand(3), reduction="avg"),
    lambda F, t: F.mse_loss(t.rand(3), t.rand(3), weight=t.rand(2)),
    lambda F, t: F.binary_cross_entropy(t.rand(3), t.rand(4)),
    lambda F, t: F.binary_cross_entropy(t.rand(3) + 1.5, t.rand(3)),
    lambda F, t: F.binary_cross_entropy(t.rand(3), t.rand(3), weight=t.rand(3, requires_grad=True)),
    lambda F, t: F.binary_cross_entropy_with_logits(t.rand(3), t.rand(4)),
    lambda F, t: F.smooth_l1_loss(t.randn(3), t.randn(3), beta=-1),
    lambda F, t: F.one_hot(t.tensor([1.0])),
    lambda F, t: F.one_hot(t.tensor([3]), 2),
    lambda F, t: F.one_hot(t.tensor([-1])),
    lambda F, t: F.pad(t.rand(2, 2), (1,)),
    lambda F, t: F.pad(t.rand(2, 2), (1, 1, 1, 1, 1, 1)),
    lambda F, t: F.dropout(t.rand(3), -0.1),
    lambda F, t: F.batch_norm(t.rand(1, 4), None, None, training=True),
    lambda F, t: F.embedding(t.tensor([1]), t.rand(3, 2), padding_idx=5),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors_like_torch(i):
    expected = _error(lambda: ERRORS[i](TF, torch))
    assert expected is not None
    assert _error(lambda: ERRORS[i](AF, anb)) == expected


def test_cross_entropy_all_targets_ignored():
    x = f32(2, 3)
    t = np.array([-100, -100])
    tout, aout = compare(TF.cross_entropy, AF.cross_entropy, [x, t])
    assert np.isnan(aout.item()) and np.isnan(tout.item())


@pytest.mark.parametrize("weighted", [False, True])
def test_label_smoothing_with_every_target_ignored_gives_zero_gradients(weighted):
    # the loss is 0/0 = nan, as in PyTorch, but the gradient of the ignored terms is exactly 0
    w = np.array([0.5, 1.5, 1.0, 2.0], np.float32) if weighted else None

    def run(m, F):
        x = m.tensor([[0.2, -0.4, 1.0, 0.3], [1.0, 0.0, -1.0, 2.0]], requires_grad=True)
        loss = F.cross_entropy(x, m.tensor([1, 1]), ignore_index=1, label_smoothing=0.15,
                               weight=None if w is None else m.tensor(w))
        loss.backward()
        return str(loss.item()), x.grad.tolist()
    assert run(anb, AF) == run(torch, TF) == ("nan", [[0.0] * 4] * 2)
