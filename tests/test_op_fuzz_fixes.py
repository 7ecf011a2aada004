"""Op-level and nn-level differences the program fuzzer found (issue #24), each pinned by
small programs run under PyTorch and under autograd_nb.

A case is a few lines of Python over ``T`` (the library) and ``F`` (its
``nn.functional``). It leaves its answer in ``out``; leaves the case wants checked
after a backward are listed in ``grads``. Both runs must agree on the values
(NaN-aware), dtype, shape, ``requires_grad`` and ``grad_fn`` name of ``out``, on the
gradients, or on the error: its type and first line of message.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import autograd_nb  # noqa: E402

NAMES = {"nan": math.nan, "inf": math.inf}


def outcome(lib, code: str, grads: tuple = ()):
    """What ``code`` leaves behind under ``lib``: a description to compare."""
    ns = {"T": lib, "F": lib.nn.functional, **NAMES}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(code, ns)
    except Exception as e:                            # noqa: BLE001 - compared across libraries
        return ("error", type(e).__name__, str(e).split("\n")[0])
    out = ns.get("out")
    seen = [describe(out)]
    for name in grads:
        g = ns[name].grad
        seen.append(None if g is None else describe(g))
    return ("ok", seen)


def describe(t):
    if isinstance(t, (tuple, list)):
        return [describe(x) for x in t]
    if not hasattr(t, "detach"):
        return t
    fn = t.grad_fn
    return (np.asarray(t.detach().cpu().numpy(), dtype=np.float64).round(5).tolist()
            if t.dtype.is_floating_point else t.tolist(),
            str(t.dtype).replace("torch.", ""), tuple(t.shape), t.requires_grad,
            None if fn is None else type(fn).__name__)


def same(code: str, grads: tuple = ()) -> None:
    want, got = outcome(torch, code, grads), outcome(autograd_nb, code, grads)
    assert repr(got) == repr(want), f"\n{code}\n torch: {want}\n ours:  {got}"


def check_all(cases: list, grads: tuple = ()) -> None:
    for code in cases:
        same(code, grads)


# --- gradients where an activation meets NaN ----------------------------------------------
# PyTorch decides with "x <= 0" (a NaN is not <= 0): relu passes the gradient at a NaN
# result, the ELU family uses the positive slope there.

@pytest.mark.parametrize("act", ["relu", "elu", "selu", "celu", "leaky_relu", "relu6", "hardtanh"])
@pytest.mark.parametrize("inplace", [False, True])
def test_activation_gradient_at_nan(act, inplace):
    same(f"x = T.tensor([nan, -1.0, 0.0, 2.0, inf, -inf], dtype=T.float64, requires_grad=True)\n"
         f"out = F.{act}(x * 1, inplace={inplace})\n"
         "out.backward(T.ones_like(out))", grads=("x",))


def test_relu_gradient_at_nan_reached_by_autograd_grad():
    same("x = T.tensor([[0.0], [3.0], [0.0]], dtype=T.float64, requires_grad=True)\n"
         "y = x.div(False).sigmoid()\n"
         "out = T.autograd.grad(F.relu(y).sum(), [y])")


def test_where_keeps_a_number_in_the_other_operands_dtype():
    check_all(["r = T.tensor([1.0, -1.0], dtype=T.float64); out = T.where(r > 0, 1.0507009873554805, r)",
               "r = T.tensor([1.0, -1.0], dtype=T.float64); out = T.where(r > 0, r, 0.1)",
               "i = T.tensor([1, 2]); out = T.where(i > 1, 2.5, i)",
               "i = T.tensor([1, 2]); out = T.where(i > 1, True, i)",
               "i = T.tensor([1, 2]); out = T.where(i > 1, 1.5, 2)",
               "i = T.tensor([1, 2]); out = T.where(i > 1, 2, 3)"])


# --- error order and empty inputs ------------------------------------------------------------

def test_lerp_inplace_checks_dtypes_before_shapes():
    check_all(["a = T.tensor(0.0, dtype=T.float64); out = a.lerp_(T.tensor([-1.5]), 1.0)",
               "a = T.tensor([0.0, 1.0]); out = a.lerp_(T.tensor([[1.0], [2.0]], dtype=T.float64), 0.5)",
               "a = T.tensor([0.0, 1.0]); out = a.lerp_(T.tensor([1.0, 2.0]), T.tensor(0.5, dtype=T.float64))"])


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dtype", ["bool", "int64"])
def test_softmax_of_an_empty_integer_tensor_runs_no_kernel(fn, dtype):
    check_all([f"out = F.{fn}(T.ones((0,), dtype=T.{dtype}), -1)",
               f"out = F.{fn}(T.ones((0, 3), dtype=T.{dtype}), 1)",
               f"out = F.{fn}(T.ones((2,), dtype=T.{dtype}), -1)"])


def test_size_of_a_0d_tensor():
    check_all(["out = T.tensor(1.0).size(1)", "out = T.tensor(1.0).size(-1)", "out = T.ones(3).size(-1)"])


# --- nn.functional losses ------------------------------------------------------------------------

CROSS_ENTROPY = [
    # label_smoothing: checked only when used (> 0), printed as C++ prints a double
    "out = F.cross_entropy(T.tensor([-2.0, 0.5, 0.0]), T.tensor(1), label_smoothing=2.0)",
    "out = F.cross_entropy(T.tensor([[0.25, 0.5], [-2.0, 1.5]]), T.tensor([0, 0]), label_smoothing=-0.5)",
    "out = F.cross_entropy(T.tensor([[3], [0], [-1]]), T.tensor([0, 0, 0]), label_smoothing=-0.5)",
    "out = F.cross_entropy(T.tensor([[3], [0], [-1]]), T.tensor([0, 0, 0]), label_smoothing=1.5)",
    # class probabilities: the target's dtype first, then the class count, then the rest
    "out = F.cross_entropy(T.tensor(3.0), T.tensor(0), label_smoothing=1.5)",
    "out = F.cross_entropy(T.tensor(3.0), T.tensor(0.5), label_smoothing=1.5)",
    "out = F.cross_entropy(T.tensor([1.0, 2.0]), T.tensor([0.5, 0.5]), label_smoothing=1.5)",
    "out = F.cross_entropy(T.tensor([1.0, 2.0]), T.tensor([0.5, 0.5]), weight=T.ones(3))",
    "out = F.cross_entropy(T.tensor([1.0, 2.0]), T.tensor([0.5, 0.5]), label_smoothing=-1.0)",
    "x = T.tensor(inf, requires_grad=True); out = F.cross_entropy(x, F.softmax(x, -1))",
    # nll_loss's own checks
    "out = F.cross_entropy(T.tensor([1.0, 2.0, 3.0]), T.tensor([0, 1]))",
    "out = F.nll_loss(T.ones(2, 3), T.tensor(1))",
    "out = F.cross_entropy(T.ones(2, 2, dtype=T.float64), T.tensor([0, 1]), weight=T.ones(2))",
]


def test_cross_entropy_checks():
    check_all(CROSS_ENTROPY)


KL_DIV = [
    "out = F.kl_div(T.tensor([1.5], dtype=T.float64), T.tensor([True]), reduction='sum', log_target=True)",
    "out = F.kl_div(T.tensor([[-1, -3]]), T.tensor([[-1, -3]]), reduction='sum', log_target=True)",
    "out = F.kl_div(T.tensor([0.5]), T.tensor([1]))",
    "out = F.kl_div(T.tensor([0.5]), T.tensor([0.5]), reduction='bad')",
    "x = T.tensor(-1.5, requires_grad=True)\n"
    "out = F.kl_div(F.log_softmax(x, -1), F.softmax(x, -1), reduction='batchmean')",
    "x = T.tensor([[0.5, 1.0], [2.0, 1.0]], requires_grad=True)\n"
    "out = F.kl_div(F.log_softmax(x, -1), F.softmax(x * 2, -1), reduction='batchmean')",
    "out = F.kl_div(T.tensor([0.5, 0.2]), T.tensor([0.5, 0.1]), reduction='none')",
]


def test_kl_div():
    check_all(KL_DIV)


COSINE = [
    # the operands broadcast against each other before the norms are taken
    "a = T.tensor([[0.25], [-1.5], [1.5]], requires_grad=True); b = T.tensor([[0.25, -1.5, 1.5]])\n"
    "out = F.cosine_similarity(a, b, dim=0); out.sum().backward()",
    "out = F.cosine_similarity(T.tensor([1, 2]), T.tensor([1, 2]), dim=0)",
    "out = F.cosine_similarity(T.tensor([True, False]), T.tensor([1.0, 2.0], dtype=T.float64), dim=0)",
    "out = F.cosine_similarity(T.tensor(3.0), T.tensor(2.0), dim=0)",
    "out = F.cosine_similarity(T.tensor([1.0, 2.0]), T.tensor([1.0, 2.0, 3.0]), dim=0)",
    "out = F.cosine_similarity(T.tensor([1.0]), T.tensor([1.0]), dim=0, eps=-1.0)",
    # the norm is clamped under no_grad: a zero row still sends a (large) gradient back
    "a = T.tensor([[1.0, 2.0], [0.0, 0.0]], requires_grad=True); b = T.tensor([[1.0, 2.0]], requires_grad=True)\n"
    "out = F.cosine_similarity(a, b); out.sum().backward()",
]


def test_cosine_similarity():
    check_all(COSINE)
    same(COSINE[0], grads=("a",))
    same(COSINE[-1], grads=("a", "b"))


# --- writing through an expand -------------------------------------------------------------------
# PyTorch's fills (fill_ with a number, zero_, masked_fill_, index_fill_, tril_/triu_, an
# advanced-index put) may write into a tensor whose elements share memory; copies and
# element-wise ops may not. Backward through such a write fails in PyTorch's CopySlices.

EXPANDED = ["x.fill_(2)", "x.zero_()", "x[0] = 1", "x[0] = T.tensor(5.)", "x[:, 0] = 9",
            "x[T.tensor([[True, False, True], [False, False, False]])] = 7.",
            "x[T.tensor([[True, False, True], [False, False, False]])] = T.tensor([7., 8.])",
            "x.masked_fill_(T.tensor([True, False, True]), 1.0)", "x.index_fill_(1, T.tensor([0]), 1.0)",
            "x.tril_()", "x.triu_(1)", "x.masked_fill_(T.tensor([True, False, True]), T.tensor(4.))",
            "x.fill_(T.tensor(3.))", "x.copy_(T.ones(3))", "x.copy_(x)", "x[1] = x[0]", "x.uniform_()",
            "x.clamp_(0, 1)", "x.mul_(2)", "x[T.tensor([0, 1])] = 3.0", "x[:, T.tensor([True, False, True])] = 5."]


@pytest.mark.parametrize("op", EXPANDED)
@pytest.mark.parametrize("grad", [False, True])
def test_writes_into_an_expanded_tensor(op, grad):
    make = "b = T.tensor([1., 2., 3.], requires_grad=True) * 1" if grad else "b = T.tensor([1., 2., 3.])"
    code = f"{make}\nx = b.expand(2, 3)\n{op}\nout = b"
    same(code)
    if grad:
        same(code + "\nb.sum().backward()")


def test_a_one_element_expand_may_be_written():
    check_all(["x = T.tensor(1.0, requires_grad=True)\ng, = T.autograd.grad(x.sum(), [x])\nout = g.detach().mul_(2.0)",
               "x = T.tensor([[1.0]], requires_grad=True)\ng, = T.autograd.grad(x.sum(), [x])\nout = g.detach().add_(1)"])


COPY = ["x = T.zeros(3).median(0)[0]; out = x.copy_(T.tensor([-0.5, 0.0, -0.5]))",
        "x = T.zeros(1, 1); out = x.copy_(T.tensor([[0, 1], [-2, 2]]))",
        "x = T.zeros(2, 3); out = x.copy_(T.ones(4))",
        "x = T.zeros(2, 3); out = x.copy_(T.ones(3, dtype=T.int64))",
        "x = T.zeros(4); out = x[1:].copy_(x[:3])",
        "x = T.zeros(3, dtype=T.int64); out = x.copy_(2.7)",
        "out = T.zeros(3).copy_([1.0])"]


def test_copy_checks():
    check_all(COPY)


# --- x[mask] = value -------------------------------------------------------------------------------------
# one bool mask and a one-element value: PyTorch's masked fill, the value read as a
# number of x's dtype (no dtype or overlap check, but an overflow check)

SETITEM = [
    "x = T.tensor([2.0]); x[T.tensor([False])] = x; out = x",
    "x = T.tensor([2.0, 3.0]); x[T.tensor([True, False])] = x[1]; out = x",
    "x = T.tensor([2.0, 3.0]); x[T.tensor([True, False])] = x; out = x",
    "x = T.tensor([2., 3.]); x[T.tensor([True, False])] = T.tensor(7, dtype=T.int64); out = x",
    "x = T.tensor([2., 3.]); x[T.tensor([True, False])] = T.tensor([7.], dtype=T.float64); out = x",
    "x = T.tensor([2., 3.]); x[T.tensor([True, True])] = T.tensor([7., 8.], dtype=T.float64); out = x",
    "x = T.tensor([1, 2, 3]); x[T.tensor([True, False, True])] = nan; out = x",
    "x = T.tensor([1, 2, 3]); x[T.tensor([True, False, True])] = T.tensor(inf); out = x",
    "x = T.tensor([1, 2, 3], dtype=T.int8); x[T.tensor([True, False, True])] = 300; out = x",
    "x = T.tensor([1, 2, 3], dtype=T.uint8); x[0] = -1; out = x",
    "x = T.tensor([1, 2, 3]); x.masked_fill_(T.tensor([True, False, True]), inf); out = x",
    "x = T.tensor([1, 2, 3]); out = x.fill_(nan)",
    "x = T.tensor([1., 2.]); out = x.fill_(1e300)",
    "x = T.tensor([1, 2, 3]); out = x.index_fill_(0, T.tensor([0]), nan)",
    "x = T.tensor([1, 2, 3]); out = T.masked_fill(x, T.tensor([True, False, True]), 2.5)",
    # a 0-d bool index: a new dim of size 1, then index [0] (True) or [] (False)
    "x = T.tensor(2.0, requires_grad=True); out = x[T.tensor(True)]",
    "x = T.tensor([2.0, 3.0], requires_grad=True); out = x[0, T.tensor(True)]",
    "x = T.tensor([2.0, 3.0], requires_grad=True); out = x[T.tensor(False)]",
    "x = T.tensor(2.0) * 1; x[T.tensor(True)] = T.tensor(5., dtype=T.float64); out = x",
    "x = T.tensor(2.0, requires_grad=True) * 1; x[T.tensor(True)] = T.tensor([5.], requires_grad=True); out = x",
    "x = T.tensor(2.0, requires_grad=True); x[T.tensor(False)] = -1; out = x",
    "x = T.tensor(-1.5, requires_grad=True); x[x > -1] = T.tensor(True); out = x",
    # out-of-bounds indices: the first one, in order, is named
    "x = T.ones(1, 3); out = x[T.tensor([1, 2, 0]).view(1, 3)]",
    "x = T.ones(1, 3); out = x[T.tensor([0, -3, 5])]",
]


def test_setitem_and_fills():
    check_all(SETITEM)


# --- error order of in-place ops; lerp; pointwise losses ----------------------------------------

INPLACE_ORDER = [f"x = T.tensor([True, False, True]).expand(2, 3); out = x.{op}" for op in
                 ["neg_()", "relu_()", "sub_(2)", "sub_(True)", "clamp_min_(2)", "clamp_max_(2.5)",
                  "clamp_(0, 1)", "exp_()", "add_(1)"]] + [
    "x = T.tensor([1, 2, 3]).expand(2, 3); out = x.clamp_min_(2.5)",
    "x = T.tensor([1, 2, 3]); out = x.clamp_(0.5, 1)",
    "x = T.tensor([True, False]); out = x.neg_()",
]


def test_inplace_checks_come_in_pytorchs_order():
    check_all(INPLACE_ORDER)


LERP = [
    "out = T.lerp(T.tensor(False), T.tensor(False), T.tensor(0.))",
    "out = T.lerp(T.tensor([1, 2]), T.tensor([1, 2]), T.tensor(0.5))",
    "out = T.lerp(T.tensor([1, 2]), T.tensor([1, 2]), 0.5)",
    "out = T.lerp(T.tensor([1, 2]), T.tensor([1, 2]), T.tensor([0.5, 1.0]))",
    "out = T.lerp(T.tensor([True]), T.tensor([True]), T.tensor(0))",
    "out = T.tensor([True]).lerp_(T.tensor([True]), T.tensor(0))",
    "out = T.tensor(1).lerp_(T.tensor([1, 2]), T.tensor(0.5))",
    "out = T.tensor([1, 2]).lerp_(T.tensor([1, 2]), T.tensor(0.5))",
    "a = T.tensor([1.0, 2.0], requires_grad=True); w = T.tensor(0.25, dtype=T.float64, requires_grad=True)\n"
    "out = T.lerp(a, T.tensor([3.0, 5.0]), w); out.sum().backward()",
]


def test_lerp_with_a_0d_weight_promotes():
    check_all(LERP)
    same(LERP[-1], grads=("a", "w"))


LOSSES = [
    "x = T.tensor([inf, nan, 1.0, -inf, 3.0], requires_grad=True); t = T.tensor([inf, 1.0, nan, -inf, 0.0])\n"
    f"out = F.{fn}(x, t, reduction='none'); out.sum().backward()"
    for fn in ("huber_loss", "smooth_l1_loss", "mse_loss", "l1_loss")] + [
    f"out = F.huber_loss(T.ones(2, dtype=T.{a}), T.zeros(2, dtype=T.{b}))"
    for a, b in (("bool", "int64"), ("int64", "int64"), ("int32", "int64"), ("int64", "float32"),
                 ("float32", "float64"))]


def test_pointwise_losses():
    check_all(LOSSES[4:])
    for code in LOSSES[:4]:
        same(code, grads=("x",))


MORE = [
    # a dim out of range is named before a missing kernel
    "out = T.tensor([[False]]).median(2)", "out = T.tensor([[True]]).kthvalue(1, 3)",
    "out = T.tensor([[True]]).topk(1, 3)",
    # shapes are compared from the last dim
    "out = T.ones(2, 2).expand(1, 1)", "out = T.ones(2, 2).expand(3, 1, 1)",
    "out = F.l1_loss(T.ones(2, 2), T.ones(3, 3))",
    # no classes at all: every target is ignored
    "x = T.zeros(0, requires_grad=True); out = F.cross_entropy(x, T.tensor(0), ignore_index=0)",
    "x = T.zeros(0, requires_grad=True); out = F.cross_entropy(x, T.tensor(0), ignore_index=0, reduction='sum')",
]


def test_check_order_and_empty_classes():
    check_all(MORE)


def test_binary_cross_entropy_target_gradient_is_minus_logit():
    same("x = T.tensor([[-1.5], [-inf], [3.0], [inf]], requires_grad=True)\n"
         "t = T.tensor([[0.2], [0.5], [0.1], [0.3]], requires_grad=True)\n"
         "out = F.binary_cross_entropy(T.sigmoid(x), t, weight=T.tensor([[1.], [2.], [3.], [4.]]), reduction='sum')\n"
         "out.backward()", grads=("x", "t"))
    same("x = T.tensor([[-1.5], [-inf], [3.0]], requires_grad=True)\n"
         "out = T.autograd.grad(F.binary_cross_entropy(T.sigmoid(x), T.sigmoid(x)), [x])")


# --- views of split / unbind outputs: the refusal names the view's own node -----------------------

SPLIT_VIEWS = [
    "v = x.chunk(2, 1)[-1]; v.t().mul_(3)", "v = x.chunk(2, 1)[-1]; v.mul_(3)", "v = x.unbind(0)[1]; v[0] = 5",
    "v = x.unbind(0)[1]; v.view(3).add_(1)", "v = x.split(1, 0)[0]; v.squeeze(0).unsqueeze(1).neg_()",
    "v = x.unbind(0)[1]; v.expand(2, 3).exp_()", "v = x.unbind(0)[1]; v[None].mul_(2)",
    "v = x.unbind(0)[1]; v[0:2].mul_(2)", "v = x.unbind(0)[1]\nwith T.no_grad(): v.add_(1)",
    # a piece of a tensor that requires no grad: PyTorch's no_grad-mode header
    "y = T.ones(2, 2); v = y.unbind(0)[0]; v.mul_(x[0, :2])", "y = T.ones(2, 2); v = y.unbind(0)[0]; v.t().mul_(x[0, :2])",
]


def test_split_and_unbind_views_refuse_in_place_changes():
    check_all([f"x = T.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True) * 1\n{c}\nout = x"
               for c in SPLIT_VIEWS])


# --- inference tensors outside inference mode ----------------------------------------------------------
# PyTorch's autograd sees an op only when one of its inputs is an ordinary tensor; an
# input saved only for another input's gradient is not saved at all.

INFERENCE = [f"with T.inference_mode(): v = T.ones_like(T.zeros(2), requires_grad=True)\nout = {c}"
             for c in ("v * v", "v.sum()", "v * 2", "v + 1", "2 * v", "v.exp()", "v[0]", "T.cat([v, v])")] + [
    f"x = T.tensor([1.5, -2.0], requires_grad=True)\nwith T.inference_mode(): f = T.floor(x) + 3\nout = {c}"
    for c in ("T.hypot(f, x)", "T.hypot(x, f)", "x.remainder(f)", "f.remainder(x)", "T.lerp(x, f, 0.5)",
              "T.lerp(f, x, f)", "T.lerp(x, x, f)", "T.addcdiv(x, f, f)", "x * f")]


def test_inference_tensors_in_recorded_ops():
    check_all(INFERENCE)


BATCH3 = [
    "x = T.zeros(0, requires_grad=True); out = F.cross_entropy(x, F.softmax(x, -1))",
    "x = T.zeros(0, 3, requires_grad=True); out = F.cross_entropy(x, F.softmax(x, -1), reduction='sum')",
    # a view made to require grad itself is a view of a leaf
    "x = T.tensor([[-0.5]]).broadcast_to((2, 1, 1)); x.requires_grad_(); y = x.relu(); x *= y; out = x",
    # sub_'s bool refusal also without anything to record
    "x = T.tensor([0.5, 1.0]); out = x.sub_(T.tensor([True, False]))",
    "x = T.tensor([0.5, 1.0]); x -= T.tensor(True); out = x",
    # index_select of an empty 1-d tensor
    "out = T.zeros(0).index_select(-1, T.tensor([0, 0]))", "out = T.zeros(2, 0).index_select(0, T.tensor([5]))",
    "out = T.zeros(2, 0).index_select(1, T.tensor([0]))",
    # elu keeps a zero's sign, whatever alpha
    "out = F.elu(T.tensor([0.0, -0.0, -1e-30]), alpha=-0.5)",
]


def test_batch3():
    check_all(BATCH3)


@pytest.mark.parametrize("code", [
    "out = T.clamp(x, min=lo)", "out = T.clamp(x, max=hi)", "out = T.clamp(x, lo, hi)", "out = T.clamp_min(x, lo)",
    "out = T.clamp_max(x, hi)", "out = T.clamp(x, min=x)", "out = T.clamp(x, x, x)"])
def test_clamp_with_tensor_bounds_gives_nan_no_gradient(code):
    same("x = T.tensor([nan, 1.0, -1.0, 0.0, 2.0], requires_grad=True)\n"
         "lo = T.tensor([0.5, nan, 0.0, 1.0, 3.0], requires_grad=True)\n"
         "hi = T.tensor([1.0, 0.5, nan, -1.0, 2.5], requires_grad=True)\n"
         f"{code}\nout.sum().backward()", grads=("x", "lo", "hi"))


def test_atan2_gradient_at_the_origin():
    same("a = T.tensor([-0.0, 0.0, 1.0, -0.0, 2.0], dtype=T.float64, requires_grad=True)\n"
         "b = T.tensor([-0.0, 0.0, 0.0, 0.0, -1.0], dtype=T.float64, requires_grad=True)\n"
         "out = T.autograd.grad(T.atan2(a, b).sum(), [a, b], retain_graph=True)")
    same("a = T.tensor([-0.0, 0.0, 1.0], dtype=T.float64, requires_grad=True)\n"
         "b = T.tensor([-0.0, 0.0, 0.0], dtype=T.float64, requires_grad=True)\n"
         "out = T.autograd.grad(T.atan2(a, b).sqrt().sum(), [a, b])")


@pytest.mark.parametrize("t2", ["T.tensor([1, 2])", "T.tensor([True, False])", "T.tensor([1., 2.], dtype=T.float64)"])
def test_addcdiv_backward_with_an_integer_divisor(t2):
    same(f"x = T.tensor([0.5, 1.0], requires_grad=True)\nout = T.addcdiv(x.detach(), x, {t2}, value=1.5)\n"
         "out.sum().backward()", grads=("x",))


def test_threshold_converts_its_numbers_to_the_tensors_dtype():
    check_all([f"out = F.threshold(T.tensor([0, 1, 2, 3], dtype=T.{dt}), {th}, {v})"
               for dt in ("int64", "uint8", "float32") for th, v in ((-0.5, 1.5), (0.1, 2.0), (2.5, 300))])


def test_nll_loss_has_floating_kernels_only():
    check_all(["out = F.nll_loss(T.zeros(0, dtype=T.int32), T.tensor(0))",
               "out = F.nll_loss(T.zeros(2, 3, dtype=T.int32), T.tensor([0, 1]))",
               "out = F.nll_loss(T.zeros(2, 3, 4, dtype=T.int32), T.zeros(2, 4, dtype=T.int64))",
               "out = F.nll_loss(T.zeros(0), T.tensor(0))"])


def test_kthvalue_checks_an_empty_dim_then_k_then_the_dtype():
    check_all([f"out = {x}.kthvalue({k}, {d})" for x in ("T.zeros(2, dtype=T.bool)", "T.zeros(0, dtype=T.bool)",
                                                         "T.zeros(0)", "T.zeros(2, 0)", "T.zeros(0, 2)")
               for k, d in ((1, -1), (5, 0), (1, 0))])
