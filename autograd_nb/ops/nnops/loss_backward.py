"""The backward ops of the losses, as differentiable ops (see ``ops/backward_ops.py``).

``MseLossBackward0``'s rule is ``mse_loss_backward(g, self, target, reduction)``; without
create_graph that is one numpy kernel, with it the gradient's node is PyTorch's
``MseLossBackwardBackward0``, whose rule is the second derivative. ``reduction`` is
PyTorch's code: 0 none, 1 mean, 2 sum.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..._backend import xp_of as _xp
from ..._tensor import Tensor
from .._core import DTYPE_WORDS
from ..backward_ops import _BackwardNode, _op

_BCE_EPS = 1e-12
_MEAN = 1

def _summed_like(v: Tensor, grad_output: Tensor) -> Tensor:
    """A reduced loss's grad_output is 0-d: its gradient is the sum over the elements."""
    return v.sum() if grad_output.dim() == 0 and v.dim() else v


class _PairLossBackwardBackward(_BackwardNode):
    """out = slope(x - t) * g (/ N for a mean), for the losses of (input, target) whose
    target's gradient is the input's negated: d/dg is the same op (summed back to a 0-d
    g), d/dx = gg * g * slope'(x - t) (/ N), d/dt its negative."""
    __slots__ = ()
    saved_names = ("grad_output", "self", "target")
    _param: str | None = None                        # beta, delta: the op's number

    def backward(self, gg):
        g, x, t = self._unpacked()
        reduction = self.extra["reduction"]
        params = () if self._param is None else (self.extra[self._param],)
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
    __slots__ = ()

    def curvature(self, v, x, t):
        return v * 2


class SmoothL1LossBackwardBackward0(_PairLossBackwardBackward):
    __slots__ = ()
    _param = "beta"

    def curvature(self, v, x, t, beta):
        if beta == 0:                                 # (the slope is only a sign)
            return Tensor._wrap(_xp(v._data).zeros_like(v._data))
        return v * ((x - t).abs() < beta).to(v.dtype) / beta


class HuberLossBackwardBackward0(_PairLossBackwardBackward):
    __slots__ = ()
    _param = "delta"

    def curvature(self, v, x, t, delta):
        return v * ((x - t).abs() < delta).to(v.dtype)


def _pair_loss(slope: Any, node: type, grad: Tensor, self: Tensor, target: Tensor, reduction: int,
               extra: dict) -> Tensor:
    gd = grad._data
    out = slope * (gd / slope.size if reduction == _MEAN else gd)
    sd = self._data.dtype                             # (PyTorch's kernel writes into a tensor like
    if sd.kind == "f" and out.dtype != sd:            # self: computed in the common dtype, stored
        out = out.astype(sd)                          # in self's)
    extra["reduction"] = reduction
    return _op(out, node, (grad, self, target), (grad, self, target), extra)


def mse_loss_backward(grad: Tensor, self: Tensor, target: Tensor, reduction: int) -> Tensor:
    """``2 (x - t) * g``, divided by the number of elements for a mean."""
    return _pair_loss((self._data - target._data) * 2, MseLossBackwardBackward0, grad, self, target,
                      reduction, {})


def smooth_l1_loss_backward(grad: Tensor, self: Tensor, target: Tensor, reduction: int, beta: float) -> Tensor:
    """``g * (x - t) / beta`` where ``|x - t| < beta``, else ``g * sign(x - t)`` (/ N for a mean)."""
    d = self._data - target._data
    with np.errstate(divide="ignore", invalid="ignore"):      # (a NaN difference keeps its NaN;
        slope = _xp(d).where(abs(d) < beta, d / beta, _xp(d).sign(d))    # beta 0 gives the sign)
    return _pair_loss(slope, SmoothL1LossBackwardBackward0, grad, self, target, reduction, {"beta": beta})


def huber_loss_backward(grad: Tensor, self: Tensor, target: Tensor, reduction: int, delta: float) -> Tensor:
    """``g * (x - t)`` where ``|x - t| < delta``, else ``g * delta * sign(x - t)`` (/ N for a mean).
    PyTorch's kernel writes into a tensor like ``self`` and takes no other dtype."""
    for other in (target, grad):
        if other._data.dtype != self._data.dtype:
            raise RuntimeError(f"Found dtype {DTYPE_WORDS[other._data.dtype.name]} but expected "
                               f"{DTYPE_WORDS[self._data.dtype.name]}")
    d = self._data - target._data
    slope = _xp(d).clip(d, -delta, delta)             # (a NaN difference keeps its NaN)
    return _pair_loss(slope, HuberLossBackwardBackward0, grad, self, target, reduction, {"delta": delta})


_PAIR_RULES = {MseLossBackwardBackward0: mse_loss_backward, SmoothL1LossBackwardBackward0: smooth_l1_loss_backward,
               HuberLossBackwardBackward0: huber_loss_backward}


class BinaryCrossEntropyBackwardBackward0(_BackwardNode):
    """out = g w (x - t) / (x (1 - x)) (/ N): each input's derivative of that."""
    __slots__ = ()
    saved_names = ("grad_output", "self", "target", "weight")

    def backward(self, gg):
        g, x, t, w = self._unpacked()
        reduction = self.extra["reduction"]
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
    out = (gd * (xd - td) / _xp(xd).maximum((1 - xd) * xd, _BCE_EPS)).astype(xd.dtype, copy=False)
    return _op(out, BinaryCrossEntropyBackwardBackward0, (grad, self, target), (grad, self, target, weight),
               {"reduction": reduction})


class NllLossBackwardBackward0(_BackwardNode):
    """out = g * coef (-weight[t] / total weight at the targets, 0 elsewhere): linear in
    g, so d/dg is nll_loss itself applied to gg; x gets zeros."""
    __slots__ = ()
    saved_names = ("target", "weight")

    def backward(self, gg):
        t, w = self._unpacked()
        ex = self.extra
        gg_out = None
        if self._wants(0):
            from .loss import nll_loss
            gg_out = nll_loss(gg, t, w, ex["reduction"], ex["_ignore"], ex["_forward"])
        return gg_out, self._zeros(gg, 1)

    def _extra_saved(self, name):
        if name == "ignore_index":
            return self.extra["_ignore"] & (2 ** 64 - 1)      # shown as an unsigned 64-bit number
        return self.extra.get(name)


class NllLoss2DBackwardBackward0(NllLossBackwardBackward0):
    __slots__ = ()


def nll_loss_backward(grad: Tensor, self: Tensor, target: Tensor, weight: Tensor | None, reduction: int,
                      ignore_index: int, coef: Any, forward: type) -> Tensor:
    """``g * coef`` where ``coef`` (the forward's per-target coefficients) is nonzero, else 0
    (only target positions get g: an ignored one stays 0 even for a NaN g)."""
    gd = grad._data
    if reduction == 0 and coef.ndim > 1:
        gd = gd.reshape(gd.shape[:1] + (1,) + gd.shape[1:])
    with np.errstate(invalid="ignore"):
        out = _xp(coef).where(coef != 0, gd * coef, coef.dtype.type(0))
    node = NllLoss2DBackwardBackward0 if forward.__name__ == "NllLoss2DBackward0" else NllLossBackwardBackward0
    return _op(out.astype(coef.dtype, copy=False), node, (grad, self), (target, weight),
               {"reduction": reduction, "_ignore": ignore_index, "_forward": forward})
