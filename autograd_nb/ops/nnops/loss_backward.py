"""The backward ops of the losses, as differentiable ops (see ``ops/backward_ops.py``).

``MseLossBackward0``'s rule is ``mse_loss_backward(g, self, target, reduction)``; without
create_graph that is one numpy kernel, with it the gradient's node is PyTorch's
``MseLossBackwardBackward0``, whose rule is the second derivative. ``reduction`` is
PyTorch's code: 0 none, 1 mean, 2 sum. (NLL's backward op lives with its loss, in ``loss.py``.)
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ... import _backend as B
from ..._tensor import Tensor
from .._core import DTYPE_WORDS
from ..backward_ops import _BackwardNode, _op

_BCE_EPS = 1e-12
_MEAN = 1

def _summed_like(v: Tensor, grad_output: Tensor) -> Tensor:
    """A reduced loss's grad_output is 0-d: its gradient is the sum over the elements."""
    return v.sum() if grad_output.dim() == 0 and v.dim() else v


class _PairLossBackwardBackward(_BackwardNode):
    """The backward op of a loss of (input, target), out = slope(x - t) g (/ N for a mean):
    linear in g (its gradient is the same op, summed back to a 0-d g); the input gets gg g
    times the slope's own derivative, the target its negative.

    out = slope(self - target) * grad_output   (/ N for a mean)
    grad_grad_output = <op>_backward(grad, self, target, reduction)
    grad_self = grad * grad_output * slope'(self - target)   (/ N for a mean)
    grad_target = -grad_self
    """
    saved_names = ("grad_output", "self", "target")
    fields = ("reduction",)
    _param: str | None = None                        # the field holding the op's number (beta, delta)

    def backward(self, gg):
        g, x, t = self._unpacked()
        reduction = self.reduction
        params = () if self._param is None else (getattr(self, self._param),)
        gg_out = gx = None
        if self._wants(0):
            gg_out = _summed_like(_PAIR_RULES[type(self)](gg, x, t, reduction, *params), g)
        if self._wants(1) or self._wants(2):
            gx = self.curvature(gg * g, x, t, *params)
            if reduction == _MEAN:
                gx = gx / gg.numel()
        return gg_out, gx, (-gx if self._wants(2) else None)

    def curvature(self, v: Tensor, x: Tensor, t: Tensor, *params: float) -> Tensor:
        raise NotImplementedError


class MseLossBackwardBackward0(_PairLossBackwardBackward):
    """mse_loss_backward, out = 2 (x - t) g (/ N): linear in g, and its slope 2 (x - t)
    has the constant derivative 2.

    grad_grad_output = mse_loss_backward(grad, self, target, reduction)
    grad_self = 2 * grad * grad_output   (/ N for a mean)
    grad_target = -2 * grad * grad_output   (/ N for a mean)
    """

    def curvature(self, v, x, t):
        return v * 2


class SmoothL1LossBackwardBackward0(_PairLossBackwardBackward):
    """smooth_l1_loss_backward, out = g (x - t) / beta inside |x - t| < beta and g sign(x - t)
    outside (/ N): linear in g; the slope's derivative is 1 / beta inside, 0 outside.

    grad_grad_output = smooth_l1_loss_backward(grad, self, target, reduction, beta)
    grad_self = grad * grad_output / beta where |self - target| < beta, else 0   (/ N for a mean)
    grad_target = -grad_self
    """
    fields = ("beta",)
    _param = "beta"

    def curvature(self, v, x, t, beta):
        if beta == 0:                                 # (the slope is only a sign)
            return Tensor._wrap(B.xp_of(v._data).zeros_like(v._data))
        return v * ((x - t).abs() < beta).to(v.dtype) / beta


class HuberLossBackwardBackward0(_PairLossBackwardBackward):
    """huber_loss_backward, out = g clamp(x - t, -delta, delta) (/ N): linear in g; the
    slope's derivative is 1 inside |x - t| < delta, 0 outside.

    grad_grad_output = huber_loss_backward(grad, self, target, reduction, delta)
    grad_self = grad * grad_output where |self - target| < delta, else 0   (/ N for a mean)
    grad_target = -grad_self
    """
    fields = ("delta",)
    _param = "delta"

    def curvature(self, v, x, t, delta):
        return v * ((x - t).abs() < delta).to(v.dtype)


def _pair_loss(slope: Any, node: type, grad: Tensor, self: Tensor, target: Tensor, reduction: int,
               **params: Any) -> Tensor:
    gd = grad._data
    out = slope * (gd / slope.size if reduction == _MEAN else gd)
    sd = self._data.dtype                             # (PyTorch's kernel writes into a tensor like
    if sd.kind == "f" and out.dtype != sd:            # self: computed in the common dtype, stored
        out = out.astype(sd)                          # in self's)
    return _op(out, node, (grad, self, target), (grad, self, target), reduction=reduction, **params)


def mse_loss_backward(grad: Tensor, self: Tensor, target: Tensor, reduction: int) -> Tensor:
    """``2 (x - t) * g``, divided by the number of elements for a mean."""
    return _pair_loss((self._data - target._data) * 2, MseLossBackwardBackward0, grad, self, target,
                      reduction)


def smooth_l1_loss_backward(grad: Tensor, self: Tensor, target: Tensor, reduction: int, beta: float) -> Tensor:
    """``g * (x - t) / beta`` where ``|x - t| < beta``, else ``g * sign(x - t)`` (/ N for a mean)."""
    d = self._data - target._data
    with np.errstate(divide="ignore", invalid="ignore"):      # (a NaN difference keeps its NaN;
        slope = B.xp_of(d).where(abs(d) < beta, d / beta, B.xp_of(d).sign(d))    # beta 0 gives the sign)
    return _pair_loss(slope, SmoothL1LossBackwardBackward0, grad, self, target, reduction, beta=beta)


def huber_loss_backward(grad: Tensor, self: Tensor, target: Tensor, reduction: int, delta: float) -> Tensor:
    """``g * (x - t)`` where ``|x - t| < delta``, else ``g * delta * sign(x - t)`` (/ N for a mean).
    PyTorch's kernel writes into a tensor like ``self`` and takes no other dtype."""
    for other in (target, grad):
        if other._data.dtype != self._data.dtype:
            raise RuntimeError(f"Found dtype {DTYPE_WORDS[other._data.dtype.name]} but expected "
                               f"{DTYPE_WORDS[self._data.dtype.name]}")
    d = self._data - target._data
    slope = B.xp_of(d).clip(d, -delta, delta)         # (a NaN difference keeps its NaN)
    return _pair_loss(slope, HuberLossBackwardBackward0, grad, self, target, reduction, delta=delta)


_PAIR_RULES = {MseLossBackwardBackward0: mse_loss_backward, SmoothL1LossBackwardBackward0: smooth_l1_loss_backward,
               HuberLossBackwardBackward0: huber_loss_backward}


class BinaryCrossEntropyBackwardBackward0(_BackwardNode):
    """binary_cross_entropy_backward, out = g w (x - t) / (x (1 - x)) (/ N): linear in g;
    x and t get that quotient's derivatives (the denominators kept from 0 by 1e-12).

    out = grad_output * weight * (self - target) / (self * (1 - self))   (/ N for a mean)
    grad_grad_output = grad * weight * (self - target) / max(self * (1 - self), eps)   (/ N, summed to a 0-d grad_output)
    grad_self = grad * grad_output * weight * (self² - 2 self target + target) / ((self + eps)² (1 - self + eps)²)   (/ N)
    grad_target = -grad * grad_output * weight / max(self * (1 - self), eps)   (/ N)
    """
    saved_names = ("grad_output", "self", "target", "weight")
    fields = ("reduction",)

    def backward(self, gg):
        g, x, t, w = self._unpacked()
        reduction = self.reduction
        n = gg.numel()

        def scaled(v):
            if w is not None:
                v = v * w
            return v / n if reduction == _MEAN else v
        gg_out = gx = gt = None
        if self._wants(0):
            gg_out = _summed_like(scaled(gg * (x - t) / ((1 - x) * x).clamp(min=_BCE_EPS)), g)
        if self._wants(1):
            curvature = (x * x - x * t * 2 + t) / ((x + _BCE_EPS).pow(2) * (1 - x + _BCE_EPS).pow(2))
            gx = scaled(curvature * (gg * g))
        if self._wants(2):
            gt = scaled(-(gg * g) / ((1 - x) * x).clamp(min=_BCE_EPS))
        return gg_out, gx, gt


def binary_cross_entropy_backward(grad: Tensor, self: Tensor, target: Tensor, weight: Tensor | None,
                                  reduction: int) -> Tensor:
    """``g * w * (x - t) / max(x (1 - x), 1e-12)``, divided by N for a mean."""
    gd, xd, td = grad._data, self._data, target._data
    if reduction == _MEAN:
        gd = gd / xd.size
    if weight is not None:
        gd = gd * weight._data
    out = (gd * (xd - td) / B.xp_of(xd).maximum((1 - xd) * xd, _BCE_EPS)).astype(xd.dtype, copy=False)
    return _op(out, BinaryCrossEntropyBackwardBackward0, (grad, self, target), (grad, self, target, weight),
               reduction=reduction)
