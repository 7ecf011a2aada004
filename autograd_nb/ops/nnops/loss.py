"""Loss primitives: MSE, smooth L1, negative log likelihood, binary cross entropy.

Each takes already-checked tensors and a ``reduction`` code (0 none, 1 mean, 2 sum,
as PyTorch stores it in ``grad_fn._saved_reduction``); the argument checking and
the composite losses (``cross_entropy``, ``l1_loss``) live in ``nn.functional``.

Gradients, per element, before the reduction's ``1/N``:

* MSE: ``2 (x - t)``;
* smooth L1 (Huber): ``(x - t) / beta`` where ``|x - t| < beta``, else ``sign(x - t)``;
* NLL: ``-weight[t]`` at the target class, 0 elsewhere (mean divides by the total
  weight of the non-ignored targets, not by N);
* BCE: ``weight * (x - t) / (x (1 - x))``;
* BCE with logits: ``weight * ((1 - t) - l * sigmoid(-x))`` with ``l = 1 + (pos_weight - 1) t``.

The input's gradient (the target's too, for the pointwise losses) is one call of the
backward op PyTorch's formula calls (``mse_loss_backward``, ... in ``loss_backward.py``;
``nll_loss_backward`` here, next to its loss): under create_graph it records PyTorch's
second-order node (``MseLossBackwardBackward0``, ``NllLossBackwardBackward0``).
"""
from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ... import _backend as B
from ..._tensor import Tensor
from ...autograd.engine import current_task
from ...autograd.grad_mode import STATE
from .._core import DTYPE_WORDS, OpNode, no_kernel, note_broadcast, prep2, record, shown_dim
from ..pointwise import mul_scalar, div_scalar  # noqa: F401 (the composite losses' nodes)
from .._layout import preserve_strides, strided_copy
from ..backward_ops import _BackwardNode, _op
from .loss_backward import (binary_cross_entropy_backward, huber_loss_backward, mse_loss_backward,
                            smooth_l1_loss_backward)

NONE, MEAN, SUM = 0, 1, 2


def _reduce_array(loss: Any, reduction: int) -> Any:
    if reduction == MEAN:
        return loss.mean()
    if reduction == SUM:
        return loss.sum()
    return loss


def _scale_grad(g: Tensor, n: int, reduction: int) -> Tensor:
    """The upstream gradient per element: broadcast (mean also divides by ``n``)."""
    return g / n if reduction == MEAN else g


def _as0d(a: Any) -> Any:
    return np.asarray(a) if isinstance(a, np.generic) else a


def _wanted(node: OpNode, i: int) -> bool:
    """PyTorch's ``task_should_compute_output(i)``: input ``i`` has an edge that the running
    backward will execute (``autograd.grad(loss, [target])`` computes only the target's
    gradient, so only its checks run)."""
    nxt = node.next_functions[i][0]
    if nxt is None:
        return False
    task = current_task()
    return task is None or nxt in task.will_run


class _PairLoss(OpNode):
    """A loss of (input, target) computed from x - t: the input's gradient is the loss's
    backward op, and the target's is the same op with the two swapped (its negative).

    out = loss(self - target), reduced
    grad_self = <loss>_backward(grad, self, target, reduction)
    grad_target = <loss>_backward(grad, target, self, reduction)
    """
    saved_names = ("self", "target")
    fields = ("reduction",)
    rule: Any = None                                  # the loss's backward op (loss_backward.py)
    _param: str | None = None                         # the field holding the op's number (beta, delta)

    def backward(self, g):
        x, t = self._saved[0].unpack(), self._saved[1].unpack()
        reduction = self.reduction
        params = () if self._param is None else (getattr(self, self._param),)
        rule = type(self).rule
        return (rule(g, x, t, reduction, *params) if _wanted(self, 0) else None,
                rule(g, t, x, reduction, *params) if _wanted(self, 1) else None)


class MseLossBackward0(_PairLoss):
    """Mean squared error: d/dx mean((x - t)²) = 2(x - t)/N.

    out = ((self - target)²).mean()   (or sum, or none: reduction)
    grad_self = grad * 2 * (self - target) / N
    grad_target = -grad * 2 * (self - target) / N
    """
    rule = staticmethod(mse_loss_backward)


class SmoothL1LossBackward0(_PairLoss):
    """Smooth L1: the slope is (x - t) / beta inside |x - t| < beta and the sign of x - t
    outside (/ N for a mean).

    grad_self = smooth_l1_loss_backward(grad, self, target, reduction, beta)
    grad_target = smooth_l1_loss_backward(grad, target, self, reduction, beta)
    """
    fields = ("beta",)
    rule = staticmethod(smooth_l1_loss_backward)
    _param = "beta"


class HuberLossBackward0(_PairLoss):
    """Huber: the slope is d = x - t inside |d| <= delta and delta sign(d) outside (a NaN d
    keeps its NaN; / N for a mean).

    grad_self = huber_loss_backward(grad, self, target, reduction, delta)
    grad_target = huber_loss_backward(grad, target, self, reduction, delta)
    """
    fields = ("delta",)
    rule = staticmethod(huber_loss_backward)
    _param = "delta"


def _difference(kernel: str, input: Tensor, target: Tensor, out: Any = None) -> Any:
    """``input - target`` in the dtype PyTorch computes a pointwise loss in: the two
    promoted (``mse_loss(int32, float32)`` is float32), with no integer or bool kernel.
    ``out``: the dtype the loss is written in (huber's: ``input``'s), checked first."""
    ad, bd, _, _ = prep2(input, target)
    if out is not None and not np.can_cast(ad.dtype, out, "same_kind"):
        raise RuntimeError(f"result type {DTYPE_WORDS[ad.dtype.name]} can't be cast to the desired output "
                           f"type {DTYPE_WORDS[out.name]}")
    if ad.dtype.kind != "f":
        raise no_kernel(kernel, ad.dtype)
    return ad - bd


def _loss(loss: Any, node: type, input: Tensor, target: Tensor, reduction: int, **params: Any) -> Tensor:
    out = record(_as0d(_reduce_array(loss, reduction)), node, (input, target), saved=(input, target),
                 reduction=reduction, **params)
    note_broadcast(out, input, target)               # (gradients back to each input's dtype)
    return out


def huber_loss(input: Tensor, target: Tensor, reduction: int = MEAN, delta: float = 1.0) -> Tensor:
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) (d = x - t), reduced; the
    result has ``input``'s dtype (PyTorch writes it into a tensor like ``input``)."""
    dt = input._data.dtype
    d = _difference("huber_cpu", input, target, dt)
    xp = B.xp_of(d)
    ad = xp.abs(d)
    loss = xp.where(ad < delta, 0.5 * d * d, delta * (ad - 0.5 * delta)).astype(dt, copy=False)
    if reduction == NONE and loss.ndim > 1:          # written into empty_like(input broadcast):
        lay = preserve_strides(xp.broadcast_to(input._data, loss.shape))     # its layout
        loss = xp.ascontiguousarray(loss) if lay is None else strided_copy(loss, lay)
    return _loss(loss, HuberLossBackward0, input, target, reduction, delta=delta)


def mse_loss(input: Tensor, target: Tensor, reduction: int = MEAN) -> Tensor:
    """(x - t)^2, reduced."""
    diff = _difference("mse_cpu", input, target)
    return _loss(diff * diff, MseLossBackward0, input, target, reduction)


def smooth_l1_loss(input: Tensor, target: Tensor, reduction: int = MEAN, beta: float = 1.0) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = x - t), reduced."""
    d = _difference("smooth_l1_cpu", input, target)
    xp = B.xp_of(d)
    ad = xp.abs(d)
    loss = xp.where(ad < beta, 0.5 * d * d / beta, ad - 0.5 * beta).astype(d.dtype, copy=False)
    return _loss(loss, SmoothL1LossBackward0, input, target, reduction, beta=beta)


# ---------------------------------------------------------------------------
# negative log likelihood
# ---------------------------------------------------------------------------


class NllLossBackward0(OpNode):
    """Negative log likelihood picks -weight[t] times the log-probability of each target
    class t, so the gradient is -weight[t] at each target position (class dim 1), divided
    by the total weight of the targets for a mean, and 0 elsewhere (ignore_index targets
    get none).

    out = -weight[target] * self[target] summed over the targets (/ total_weight for a mean)
    grad_self = nll_loss_backward(grad, self, target, weight, reduction, ignore_index, total_weight)   (-grad * weight[target] / total_weight at the targets, 0 elsewhere)
    """
    saved_names = ("self", "target", "weight", "total_weight")
    fields = ("ignore_index", "reduction")

    def backward(self, g):
        x, t, w, total = (None if s is None else s.unpack() for s in self._saved)
        return nll_loss_backward(g, x, t, w, self.reduction, self.ignore_index, total,
                                 isinstance(self, NllLoss2DBackward0))

    @property
    def _saved_ignore_index(self) -> int:
        return shown_dim(self.ignore_index)            # PyTorch shows it as an unsigned 64-bit number


class NllLoss2DBackward0(NllLossBackward0):
    """nll_loss2d (images, a target class per position): NllLossBackward0's rule.

    grad_self = nll_loss2d_backward(grad, self, target, weight, reduction, ignore_index, total_weight)   (-grad * weight[target] / total_weight at the targets, 0 elsewhere)
    """


class NllLossBackwardBackward0(_BackwardNode):
    """nll_loss_backward, out = g times -weight[t] (/ the total weight for a mean) at each
    target, 0 elsewhere: linear in g, so its gradient in g is nll_loss itself applied to
    gg; the input (the log-probabilities) gets zeros.

    out = nll_loss_backward(grad_output, self, target, weight, reduction, ignore_index, total_weight)
    grad_grad_output = nll_loss(grad, target, weight, reduction, ignore_index)
    grad_self = zeros_like(grad)
    """
    saved_names = ("target", "weight")
    fields = ("ignore_index", "reduction")

    def backward(self, gg):
        t, w = self._unpacked()
        gg_out = None
        if self._wants(0):
            forward = NllLoss2DBackward0 if isinstance(self, NllLoss2DBackwardBackward0) else NllLossBackward0
            gg_out = nll_loss(gg, t, w, self.reduction, self.ignore_index, forward)
        return gg_out, self._zeros(gg, 1)

    @property
    def _saved_ignore_index(self) -> int:
        return shown_dim(self.ignore_index)            # PyTorch shows it as an unsigned 64-bit number


class NllLoss2DBackwardBackward0(NllLossBackwardBackward0):
    """nll_loss2d_backward (images: a target per position), the same rule as nll_loss_backward.

    grad_grad_output = nll_loss2d(grad, target, weight, reduction, ignore_index)
    grad_self = zeros_like(grad)
    """


def nll_loss_backward(grad: Tensor, self: Tensor, target: Tensor, weight: Tensor | None, reduction: int,
                      ignore_index: int, total_weight: Tensor, two_d: bool = False) -> Tensor:
    """PyTorch's ``nll_loss_backward``: ``-weight[t] * g`` at each target position (class dim 1; a
    1-D ``self`` is one sample), divided by ``total_weight`` for a mean, 0 elsewhere (an ignored
    target, or a class weight of 0, stays 0 even for a NaN g). ``two_d``: nll_loss2d's."""
    x = self._data
    xp = B.xp_of(x)
    x2 = x[None] if x.ndim == 1 else x                # (a 1-D self is one sample)
    t2 = target._data.reshape(x2.shape[:1] + x2.shape[2:]).astype(np.int64, copy=False)
    valid = t2 != ignore_index
    every = bool(valid.all())
    safe = t2 if every else xp.where(valid, t2, 0)
    w = valid.astype(x.dtype) if weight is None else (weight._data[safe] * valid).astype(x.dtype, copy=False)
    scale = 1.0
    if reduction == MEAN:
        total = total_weight._data
        if total:
            scale = 1.0 / total
        else:                                         # (all ignored, or weights that cancel)
            with np.errstate(divide="ignore", invalid="ignore"):
                scale = 1.0 / total
    if weight is None and every:                      # -scale at every target: nonzero
        at_target = grad._data * (-w * scale)
    else:
        with np.errstate(invalid="ignore"):
            per_target = xp.where(valid, -w * scale, 0).astype(x.dtype, copy=False)   # ignored: no gradient
            at_target = xp.where(per_target != 0, grad._data * per_target, 0)   # (weight 0: 0 even for a NaN g)
    other, plain = 0, True                            # at the other classes; but a total weight of 0 with
    if weight is not None and not xp.isfinite(per_target).all():     # weights that cancel: 0 * inf,
        other, plain = xp.where(xp.isfinite(per_target), 0, np.nan)[:, None], False   # NaN at every class
    if x2.ndim == 2 and plain:                        # (rows: one scatter)
        out = xp.zeros(x2.shape, dtype=x.dtype)
        rows = xp.arange(x2.shape[0])
        if every:
            out[rows, safe] = at_target
        else:                                         # (an ignored row writes nothing: with no
            out[rows[valid], t2[valid]] = at_target[valid]   # classes at all there is no class 0)
    else:
        hit = xp.arange(x2.shape[1]).reshape((1, -1) + (1,) * (x2.ndim - 2)) == safe[:, None]
        out = xp.where(hit, at_target[:, None], other).astype(x.dtype, copy=False)
    if x.ndim == 1:
        out = out[0]
    node = NllLoss2DBackwardBackward0 if two_d else NllLossBackwardBackward0
    return _op(out, node, (grad, self), (target, weight),
               reduction=reduction, ignore_index=ignore_index)


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None, reduction: int, ignore_index: int,
             node: type = NllLossBackward0) -> Tensor:
    """``-weight[t] * input[n, t, ...]`` per position (class dim 1; a 1-D input is one sample)."""
    d = input._data
    if weight is None and reduction == MEAN and node is NllLossBackward0:
        fast = _nll_mean_rows(input, target, ignore_index)
        if fast is not None:
            return fast
    xp = B.xp_of(d)
    single = d.ndim == 1
    x2 = d[None] if single else d
    t2 = target._data.reshape(1) if single else target._data
    t2 = t2.astype(np.int64, copy=False)
    c = x2.shape[1]
    valid = t2 != ignore_index
    bad = valid & ((t2 < 0) | (t2 >= c))
    if bad.any():
        raise IndexError(f"Target {int(t2[bad].ravel()[0])} is out of bounds.")
    safe = xp.where(valid, t2, 0)
    w = (weight._data[safe] if weight is not None else xp.ones(t2.shape, dtype=d.dtype)) * valid
    w = w.astype(d.dtype, copy=False)
    picked = xp.take_along_axis(x2, safe[:, None], axis=1)[:, 0] if c else \
        xp.zeros(t2.shape, d.dtype)                   # (no classes: every target was ignored)
    with np.errstate(invalid="ignore"):
        losses = xp.where(valid, -w * picked, 0)      # (an ignored -inf is skipped, not 0 * -inf)
    total = w.sum()
    if reduction == NONE:
        out = losses[0] if single else losses
    elif reduction == SUM:
        out = losses.sum() + 0.0                      # (PyTorch sums from +0: no -0. result)
    else:                                             # all targets ignored: 0 / 0 = nan, as in PyTorch
        with np.errstate(invalid="ignore", divide="ignore"):
            out = (losses.sum() + 0.0) / total
    total_t = Tensor._wrap(xp.asarray(total if reduction != NONE else 0, dtype=d.dtype))
    return record(_as0d(xp.asarray(out, dtype=d.dtype)), node, (input,),
                  saved=(input, target, weight, total_t), ignore_index=ignore_index, reduction=reduction)


def _nll_mean_rows(input: Tensor, target: Tensor, ignore_index: int) -> Tensor | None:
    """The common case of ``nll_loss``: rows (N, C) of a numpy array, int64 targets all in
    range and none ignored, no class weights, mean. None for anything else.

    Same numbers as the general path (the mean divides the summed losses by N, the
    total weight), with a handful of numpy calls instead of a few dozen.
    """
    d, t = input._data, target._data
    if d.__class__ is not np.ndarray or d.ndim != 2 or t.__class__ is not np.ndarray or \
            t.dtype != np.int64 or t.ndim != 1 or d.dtype.kind != "f":
        return None
    n, c = d.shape
    if n == 0 or t.shape[0] != n or 0 <= ignore_index < c or t.min() < 0:
        return None                                   # errors, ignored targets: general path
    rows = np.arange(n)
    try:
        picked = d[rows, t]
    except IndexError:                                # a target >= C: the general path's error
        return None
    total = d.dtype.type(n)
    out = (0.0 - picked.sum()) / total                # (PyTorch sums from +0: no -0. result)
    return record(np.asarray(out, dtype=d.dtype), NllLossBackward0, (input,),
                  saved=(input, target, None, Tensor._wrap(np.asarray(total))),
                  ignore_index=ignore_index, reduction=MEAN)


# ---------------------------------------------------------------------------
# binary cross entropy
# ---------------------------------------------------------------------------


class BinaryCrossEntropyBackward0(OpNode):
    """Binary cross entropy -(t log x + (1 - t) log(1 - x)): its slope in x is
    (x - t) / (x (1 - x)), in t it is -logit(x) = log(1 - x) - log x (times the weight,
    / N for a mean).

    grad_self = binary_cross_entropy_backward(grad, self, target, weight, reduction)   (grad * weight * (self - target) / max(self * (1 - self), 1e-12))
    grad_target = -grad * weight * logit(self)   (/ N for a mean)
    """
    saved_names = ("self", "target", "weight")
    fields = ("reduction",)

    def backward(self, g):
        x, t, w = (None if s is None else s.unpack() for s in self._saved)
        gx = gt = None
        if self.next_functions[0][0] is not None:
            gx = binary_cross_entropy_backward(g, x, t, w, self.reduction)
        if self.next_functions[1][0] is not None:
            g = _scale_grad(g, x.numel(), self.reduction)
            if w is not None:
                g = g * w
            gt = g * -x.logit()                       # (not clamped, unlike the loss: an x of 0
                                                      # or 1 gives an infinite slope, as in PyTorch)
        return gx, gt


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None, reduction: int) -> Tensor:
    """-(t log x + (1 - t) log(1 - x)), logs clamped at -100 so 0 and 1 give finite losses."""
    x, t = input._data, target._data
    xp = B.xp_of(x)
    if x.dtype.kind != "f":
        raise no_kernel("binary_cross_entropy", x.dtype)
    if t.dtype != x.dtype:
        raise RuntimeError(f"Found dtype {DTYPE_WORDS[t.dtype.name]} but expected {DTYPE_WORDS[x.dtype.name]}")
    bad_x, bad_t = ~((x >= 0) & (x <= 1)), ~((t >= 0) & (t <= 1))      # (NaN is outside too)
    if bad_x.any() or bad_t.any():                   # PyTorch checks element by element, the input
        first = int(xp.argmax((bad_x | bad_t).reshape(-1)))              # first, then the target
        raise RuntimeError(f"all elements of {'input' if bad_x.reshape(-1)[first] else 'target'} should "
                           "be between 0 and 1")
    with np.errstate(divide="ignore"):
        loss = -(t * xp.maximum(xp.log(x), -100) + (1 - t) * xp.maximum(xp.log1p(-x), -100))
    if weight is not None:
        loss = loss * weight._data
    return record(_as0d(_reduce_array(loss.astype(x.dtype, copy=False), reduction)),
                  BinaryCrossEntropyBackward0, (input, target), saved=(input, target, weight),
                  reduction=reduction)


class BinaryCrossEntropyWithLogitsBackward0(OpNode):
    """Binary cross entropy of sigmoid(x): the input's slope is sigmoid(x) - t, the
    target's is -x (with pos_weight pw: (pw t + 1 - t) sigmoid(x) - pw t and
    log_sigmoid(-x) - pw log_sigmoid(x)); times the weight, / N for a mean, last.

    grad_self = grad * (sigmoid(self) - target) * weight   (with pos_weight: grad * ((pos_weight * target + 1 - target) * sigmoid(self) - pos_weight * target) * weight; / N for a mean)
    grad_target = -grad * self * weight   (with pos_weight: grad * (log_sigmoid(-self) - pos_weight * log_sigmoid(self)) * weight; / N for a mean)

    PyTorch's steps are taken one by one (an in-place step keeps its tensor's dtype, so a
    float32 gradient is rounded where PyTorch rounds it). Without create_graph PyTorch
    takes the input's steps in place; with it, out of place (the promoted dtype is kept
    until the engine casts the gradient back).
    """
    saved_names = ("self", "target", "weight", "pos_weight")
    fields = ("reduction",)

    def backward(self, g):
        x, t, w, pw = (None if s is None else s.unpack() for s in self._saved)
        mean = self.reduction == MEAN
        gx = gt = None
        if self.next_functions[0][0] is not None:
            inplace = not STATE.grad_enabled
            if pw is None:
                gx = x.sigmoid().sub_(t) if inplace else x.sigmoid() - t
            else:
                pt = pw * t
                gx = (pt + 1).sub_(t).mul_(x.sigmoid()).sub_(pt) if inplace else \
                    (pt + 1 - t) * x.sigmoid() - pt
            gx = gx.mul_(g) if inplace else gx * g
            if w is not None:
                gx = gx.mul_(w) if inplace else gx * w
            if mean:                                  # (a Scalar division: DivBackward1 when recorded)
                gx = gx.div_(x.numel()) if inplace else div_scalar(gx, x.numel())
        if self.next_functions[1][0] is not None:
            if pw is None:
                gt = -x * g
            else:
                from .activation import logsigmoid
                gt = logsigmoid(-x).sub_(logsigmoid(x).mul_(pw)).mul_(g)
            if w is not None:
                gt = gt.mul_(w)
            if mean:
                gt = div_scalar(gt, t.numel()) if STATE.grad_enabled else gt.div_(t.numel())
        return gx, gt


def _promoted(a: Any, b: Any) -> tuple[Any, Any]:
    """Two arrays in PyTorch's result type of the pair."""
    return prep2(Tensor._wrap(a), Tensor._wrap(b))[:2]


def _in_place(dst: Any, op: Any, other: Any) -> Any:
    """``op(dst, other)`` written into an array of ``dst``'s dtype, as an in-place op writes
    it: computed in the promoted dtype, then cast (a float result into an integer array is
    refused)."""
    value = op(*_promoted(dst, other))
    if value.dtype != dst.dtype and not np.can_cast(value.dtype, dst.dtype, "same_kind"):
        raise RuntimeError(f"result type {DTYPE_WORDS[value.dtype.name]} can't be cast to the desired output "
                           f"type {DTYPE_WORDS[dst.dtype.name]}")
    return value.astype(dst.dtype, copy=False)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None,
                                     pos_weight: Tensor | None, reduction: int) -> Tensor:
    """BCE of sigmoid(x), computed from x directly (stable for large |x|), in PyTorch's
    steps: ``log_sigmoid(x)`` (scaled in place by ``1 + (pos_weight - 1) t``), then
    ``(1 - t) * x - log_sigmoid(x)`` written into ``1 - t`` step by step: the loss has
    the target's dtype (an integer target is refused at the product, a bool one at ``1 - t``)."""
    x, t = input._data, target._data
    xp = B.xp_of(x)
    if x.dtype.kind != "f":
        raise no_kernel("log_sigmoid_cpu", x.dtype)
    log_sigmoid = (xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))).astype(x.dtype, copy=False)
    if pos_weight is not None:
        pw = pos_weight._data
        lw = operator.mul(*_promoted(pw - 1, t)) + 1
        log_sigmoid = _in_place(log_sigmoid, operator.mul, lw)
    if t.dtype.kind == "b":                           # (PyTorch's 1 - t: a bool tensor minus t)
        from ..pointwise import _sub_check
        _sub_check(target, target)
    one_minus = xp.ones_like(t) - t
    loss = _in_place(_in_place(one_minus, operator.mul, x), operator.sub, log_sigmoid)
    if weight is not None:
        loss = _in_place(loss, operator.mul, weight._data)
    out = record(_as0d(_reduce_array(loss, reduction)),
                 BinaryCrossEntropyWithLogitsBackward0, (input, target),
                 saved=(input, target, weight, pos_weight), reduction=reduction)
    note_broadcast(out, input, target)
    return out
