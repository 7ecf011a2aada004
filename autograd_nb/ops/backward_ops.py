"""The backward functions PyTorch's derivative formulas call, as differentiable ops.

PyTorch does not write sigmoid's gradient as ``grad * y * (1 - y)`` from primitive ops:
sigmoid's rule calls ``sigmoid_backward(grad, result)``, an op of its own, with its own
node (``SigmoidBackwardBackward0``) and its own derivative formula. So under
``create_graph=True`` the gradient's ``grad_fn`` is that node, and differentiating the
gradient runs the *second* derivative written there.

Here the same. Each first-order rule (``SigmoidBackward0.backward``) is one call of an
op below (the losses' ops are in ``nnops/loss_backward.py``):

* without create_graph nothing records (grad mode is off): the op is just its numpy
  kernel, one pass over the arrays;
* with create_graph the op records its node, named as PyTorch names it, saving what
  PyTorch saves under its names (``grad_output``, ``output``, ``self``, ...). The node's
  rule is the second derivative, written with differentiable ops, so third
  derivatives work too.

Where PyTorch's formula for an input is ``zeros_like(grad)`` (the mask of relu does not
move when x moves a little) the node sends zeros there, as PyTorch does.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._backend import xp_of as _xp
from .._tensor import Tensor
from ._core import OpNode, as_array, note_broadcast, record

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)


def _op(data: Any, node: type, inputs: tuple, saved: tuple, extra: Any = None) -> Tensor:
    """Wrap a backward op's result; record ``node`` when an input requires grad (only
    under create_graph: first-order backward runs with grad mode off)."""
    out = record(as_array(data), node, inputs, saved=saved, extra=extra)
    if out._grad_fn is not None:                      # (the gradient of a 0-d grad_output
        note_broadcast(out, *inputs)                  # is summed back to 0-d)
    return out


class _BackwardNode(OpNode):
    """A node of a backward op: ``extra`` is a dict of the non-tensor arguments."""
    __slots__ = ()

    def _wants(self, i: int) -> bool:
        """Does input ``i`` lead anywhere (PyTorch's ``should_compute_output``)?"""
        return self.next_functions[i][0] is not None

    def _unpacked(self) -> tuple:
        return tuple(None if s is None else s.unpack() for s in self._saved)

    def _extra_saved(self, name):
        return self.extra.get(name)

    def _zeros(self, gg: Tensor, i: int) -> Tensor | None:
        """PyTorch's ``zeros_like(grad)`` for input ``i`` (nothing if it leads nowhere)."""
        return Tensor._wrap(_xp(gg._data).zeros_like(gg._data)) if self._wants(i) else None


def _where(cond: Any, a: Any, b: Any) -> Tensor:
    from .compare import where
    return where(cond, a, b)


# ---------------------------------------------------------------------------
# sigmoid, tanh: the rule reads the result y
# ---------------------------------------------------------------------------


class SigmoidBackwardBackward0(_BackwardNode):
    """out = g * y (1 - y): d/dg = sigmoid_backward(gg, y), d/dy = gg * g * (1 - 2y)."""
    __slots__ = ()
    saved_names = ("grad_output", "output")

    def backward(self, gg):
        g, y = self._unpacked()
        return (sigmoid_backward(gg, y) if self._wants(0) else None,
                gg * g * (y * -2 + 1) if self._wants(1) else None)


def sigmoid_backward(grad: Tensor, output: Tensor) -> Tensor:
    """``grad * y * (1 - y)`` for y = sigmoid(x)."""
    gd, yd = grad._data, output._data
    return _op(gd * (yd * (1 - yd)), SigmoidBackwardBackward0, (grad, output), (grad, output), {})


class TanhBackwardBackward0(_BackwardNode):
    """out = g (1 - y^2): d/dg = tanh_backward(gg, y), d/dy = gg * (-2 y g)."""
    __slots__ = ()
    saved_names = ("grad_output", "output")

    def backward(self, gg):
        g, y = self._unpacked()
        return (tanh_backward(gg, y) if self._wants(0) else None,
                gg * (y * -2 * g) if self._wants(1) else None)


def tanh_backward(grad: Tensor, output: Tensor) -> Tensor:
    """``grad * (1 - y^2)`` for y = tanh(x)."""
    gd, yd = grad._data, output._data
    return _op(gd * (1 - yd * yd), TanhBackwardBackward0, (grad, output), (grad, output), {})


# ---------------------------------------------------------------------------
# piecewise-linear activations: the gradient is g or a multiple of g, picked by a mask
# that does not move with x (x gets zeros)
# ---------------------------------------------------------------------------


class ThresholdBackwardBackward0(_BackwardNode):
    """out = 0 where x <= threshold, else g: linear in g."""
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, gg):
        x, = self._unpacked()
        return (threshold_backward(gg, x, self.extra["threshold"]) if self._wants(0) else None,
                self._zeros(gg, 1))


def threshold_kernel(gd: Any, xd: Any, threshold: float) -> Any:
    """threshold_backward on arrays (relu's first-order rule calls it directly)."""
    return _xp(gd).where(xd <= threshold, gd.dtype.type(0), gd)


def threshold_backward(grad: Tensor, self: Tensor, threshold: float) -> Tensor:
    """``grad`` except where ``self <= threshold`` (relu passes its result and 0; a NaN
    is not <= anything, so it passes its gradient). Selected, never multiplied: an inf
    gradient must not meet a 0."""
    return _op(threshold_kernel(grad._data, self._data, threshold), ThresholdBackwardBackward0, (grad, self), (self,), {"threshold": threshold})


class LeakyReluBackwardBackward0(_BackwardNode):
    """out = g where x > 0, else g * negative_slope."""
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, gg):
        x, = self._unpacked()
        return (leaky_relu_backward(gg, x, self.extra["negative_slope"], False) if self._wants(0) else None,
                self._zeros(gg, 1))


def leaky_relu_backward(grad: Tensor, self: Tensor, negative_slope: float, self_is_result: bool) -> Tensor:
    """``grad`` where x > 0, else ``grad * negative_slope`` (``self`` may be the result of
    the in-place form: it is positive exactly where x is)."""
    gd, xd = grad._data, self._data
    out = _xp(gd).where(xd > 0, gd, gd * negative_slope).astype(gd.dtype, copy=False)
    return _op(out, LeakyReluBackwardBackward0, (grad, self), (self,), {"negative_slope": negative_slope})


class HardtanhBackwardBackward0(_BackwardNode):
    """out = g strictly between min_val and max_val, else 0."""
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, gg):
        x, = self._unpacked()
        ex = self.extra
        return (hardtanh_backward(gg, x, ex["min_val"], ex["max_val"]) if self._wants(0) else None,
                self._zeros(gg, 1))


def hardtanh_backward(grad: Tensor, self: Tensor, min_val: float, max_val: float) -> Tensor:
    """``grad`` strictly inside ``(min_val, max_val)``, 0 at and beyond the ends (a NaN passes)."""
    gd, xd = grad._data, self._data
    out = _xp(gd).where((xd <= min_val) | (xd >= max_val), gd.dtype.type(0), gd)
    return _op(out, HardtanhBackwardBackward0, (grad, self), (self,), {"min_val": min_val, "max_val": max_val})


class _ShrinkBackwardBackward(_BackwardNode):
    """out = 0 where -lambd <= x <= lambd, else g."""
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, gg):
        x, = self._unpacked()
        return (_shrink_backward(gg, x, self.extra["lambd"], type(self)) if self._wants(0) else None,
                self._zeros(gg, 1))


class HardshrinkBackwardBackward0(_ShrinkBackwardBackward):
    __slots__ = ()


class SoftshrinkBackwardBackward0(_ShrinkBackwardBackward):
    __slots__ = ()


def _shrink_backward(grad: Tensor, self: Tensor, lambd: float, node: type) -> Tensor:
    """hardshrink's and softshrink's rule: 0 inside ``[-lambd, lambd]``, else g (NaN passes)."""
    gd, xd = grad._data, self._data
    out = _xp(gd).where((xd >= -lambd) & (xd <= lambd), gd.dtype.type(0), gd)
    return _op(out, node, (grad, self), (self,), {"lambd": lambd})


def hardshrink_backward(grad: Tensor, self: Tensor, lambd: float) -> Tensor:
    return _shrink_backward(grad, self, lambd, HardshrinkBackwardBackward0)


def softshrink_backward(grad: Tensor, self: Tensor, lambd: float) -> Tensor:
    return _shrink_backward(grad, self, lambd, SoftshrinkBackwardBackward0)


class HardswishBackwardBackward0(_BackwardNode):
    """out = 0 up to -3, g (x/3 + 1/2) strictly between -3 and 3, g from 3 on:
    d/dg is the same op, d/dx = gg * g / 3 strictly between -3 and 3."""
    __slots__ = ()
    saved_names = ("grad_output", "self")

    def backward(self, gg):
        g, x = self._unpacked()
        return (hardswish_backward(gg, x) if self._wants(0) else None,
                _where((x > -3) & (x < 3), gg * g / 3.0, 0.0) if self._wants(1) else None)


def hardswish_backward(grad: Tensor, self: Tensor) -> Tensor:
    gd, xd = grad._data, self._data
    xp = _xp(gd)
    out = xp.where(xd <= -3, gd.dtype.type(0), xp.where(xd < 3, gd * (xd / 3 + 0.5), gd))
    return _op(out.astype(gd.dtype, copy=False), HardswishBackwardBackward0, (grad, self), (grad, self), {})


def hardsigmoid_backward(grad: Tensor, self: Tensor) -> Tensor:
    """g / 6 strictly between -3 and 3, else 0, as PyTorch computes it: g times 1/6 rounded
    to float32 (also in float64). PyTorch gives this op no derivative: under create_graph
    the gradient's node is ``NotImplemented``, which refuses to run."""
    from .pointwise import NoDerivative as _NotImplemented
    gd, xd = grad._data, self._data
    sixth = gd.dtype.type(np.float32(1) / np.float32(6))
    out = _xp(gd).where((xd > -3) & (xd < 3), gd * sixth, gd.dtype.type(0)).astype(gd.dtype, copy=False)
    inputs = tuple(t for t in (grad, self) if t.requires_grad)
    return record(as_array(out), _NotImplemented, inputs, extra="hardsigmoid_backward")


# ---------------------------------------------------------------------------
# smooth activations: the slope moves with x (d/dx is g * gg * the second derivative)
# ---------------------------------------------------------------------------


class EluBackwardBackward0(_BackwardNode):
    """out = g * scale for x > 0, else g * input_scale * alpha * scale * exp(x * input_scale)
    (or, from the result r, g * input_scale * (r + alpha * scale)). d/dg is the same op;
    d/d(self_or_result) is the slope's own slope, nonzero only where it is negative."""
    __slots__ = ()
    saved_names = ("grad_output", "self_or_result")

    def backward(self, gg):
        g, x = self._unpacked()
        ex = self.extra
        a, s, i, is_result = ex["alpha"], ex["scale"], ex["input_scale"], ex["is_result"]
        gx = None
        if self._wants(1):
            negative = (x < 0).to(gg.dtype)
            if is_result:
                gx = gg * g * i * negative
            else:
                gx = elu_backward(gg * g * i, a, s, i, False, x) * negative
        return elu_backward(gg, a, s, i, is_result, x) if self._wants(0) else None, gx


def elu_backward(grad: Tensor, alpha: float, scale: float, input_scale: float, is_result: bool,
                 self_or_result: Tensor) -> Tensor:
    """The ELU family's rule (elu, selu, celu): ``g * scale`` where the input was positive
    (or NaN), else ``g * input_scale * alpha * scale * exp(x * input_scale)``, which the
    in-place forms read off their result as ``g * input_scale * (r + alpha * scale)``."""
    gd, xd = grad._data, self_or_result._data
    xp = _xp(gd)
    if is_result:
        neg = gd * input_scale * (xd + alpha * scale)
    else:
        with np.errstate(over="ignore"):
            neg = gd * input_scale * (alpha * scale) * xp.exp(xd * input_scale)
    out = xp.where(xd <= 0, neg, gd * scale).astype(gd.dtype, copy=False)
    return _op(out, EluBackwardBackward0, (grad, self_or_result), (grad, self_or_result),
               {"alpha": alpha, "scale": scale, "input_scale": input_scale, "is_result": is_result})


def _gelu_slope(xd: Any, approximate: str) -> Any:
    """d/dx gelu on arrays: Phi(x) + x phi(x), or the tanh form's derivative."""
    xp = _xp(xd)
    if approximate == "tanh":
        t = xp.tanh((xd + xd * xd * xd * 0.044715) * _SQRT_2_OVER_PI)
        dinner = (xd * xd * (3 * 0.044715) + 1) * _SQRT_2_OVER_PI
        return (t + 1) * 0.5 + xd * 0.5 * (1 - t * t) * dinner
    from .nnops.activation import _erf_array
    cdf = (_erf_array(xd * _INV_SQRT_2) + 1) * 0.5
    return cdf + xd * (xp.exp(xd * xd * -0.5) * _INV_SQRT_2PI)


class GeluBackwardBackward0(_BackwardNode):
    """out = g * gelu'(x): d/dg = gelu_backward(gg, x), d/dx = gg * g * gelu''(x), with
    gelu'' = phi(x) (2 - x^2) (or the tanh form's second derivative)."""
    __slots__ = ()
    saved_names = ("grad_output", "self")

    def backward(self, gg):
        g, x = self._unpacked()
        approximate = self.extra["approximate"]
        gx = None
        if self._wants(1):
            if approximate == "tanh":
                k, c = _SQRT_2_OVER_PI, 0.044715
                t = ((x + x * x * x * c) * k).tanh()
                du = (x * x * (3 * c) + 1) * k
                curvature = (1 - t * t) * (du + x * 0.5 * (x * (6 * k * c) - t * du * du * 2))
            else:
                curvature = (x * x * -0.5).exp() * _INV_SQRT_2PI * (2 - x * x)
            gx = gg * g * curvature
        return gelu_backward(gg, x, approximate) if self._wants(0) else None, gx


def gelu_backward(grad: Tensor, self: Tensor, approximate: str = "none") -> Tensor:
    gd = grad._data
    out = (gd * _gelu_slope(self._data, approximate)).astype(gd.dtype, copy=False)
    return _op(out, GeluBackwardBackward0, (grad, self), (grad, self), {"approximate": approximate})


def _sigmoid_array(d: Any) -> Any:
    with np.errstate(over="ignore"):
        return 1 / (1 + _xp(d).exp(-d))


class SoftplusBackwardBackward0(_BackwardNode):
    """out = g * sigmoid(beta x) (g where beta x > threshold): d/dg is the same op,
    d/dx = gg * g * beta * s (1 - s), 0 where the input was passed through."""
    __slots__ = ()
    saved_names = ("grad_output", "self")

    def backward(self, gg):
        g, x = self._unpacked()
        beta, threshold = self.extra["beta"], self.extra["threshold"]
        gx = None
        if self._wants(1):
            bx = x * beta
            s = bx.sigmoid()
            gx = _where(bx > threshold, 0.0, gg * g * beta * (s * (1 - s)))
        return softplus_backward(gg, x, beta, threshold) if self._wants(0) else None, gx


def softplus_backward(grad: Tensor, self: Tensor, beta: float, threshold: float) -> Tensor:
    gd, xd = grad._data, self._data
    bx = xd * beta
    out = _xp(gd).where(bx > threshold, gd, gd * _sigmoid_array(bx)).astype(gd.dtype, copy=False)
    return _op(out, SoftplusBackwardBackward0, (grad, self), (grad, self), {"beta": beta, "threshold": threshold})


class LogSigmoidBackwardBackward0(_BackwardNode):
    """out = g * sigmoid(-x): d/dg is the same op, d/dx = gg * g * (s - 1) * s, s = sigmoid(x)."""
    __slots__ = ()
    saved_names = ("buffer", "grad_output", "self")

    def backward(self, gg):
        buffer, g, x = self._unpacked()
        gx = None
        if self._wants(1):
            s = x.sigmoid()
            gx = gg * g * (s - 1) * s
        return log_sigmoid_backward(gg, x, buffer) if self._wants(0) else None, gx


def log_sigmoid_backward(grad: Tensor, self: Tensor, buffer: Tensor) -> Tensor:
    gd = grad._data
    out = (gd * _sigmoid_array(-self._data)).astype(gd.dtype, copy=False)
    return _op(out, LogSigmoidBackwardBackward0, (grad, self), (buffer, grad, self), {})


# ---------------------------------------------------------------------------
# softmax, log_softmax: the rule reads the result y along ``dim``
# ---------------------------------------------------------------------------


class SoftmaxBackwardDataBackward0(_BackwardNode):
    """out = y (g - sum(g y)): d/dg is the same op, d/dy = gg g - sum(y gg) g - gg sum(y g)."""
    __slots__ = ()
    saved_names = ("grad_output", "output")

    def backward(self, gg):
        g, y = self._unpacked()
        n, dim = self.extra["_n"], self.extra["dim"]
        gy = None
        if self._wants(1):
            gy = gg * g - (y * gg).sum(n, keepdim=True) * g - gg * (y * g).sum(n, keepdim=True)
        return softmax_backward_data(gg, y, n, dim) if self._wants(0) else None, gy


def softmax_backward_data(grad: Tensor, output: Tensor, n: int, dim: Any) -> Tensor:
    """``y * (g - sum(g * y))`` along the (non-negative) dim ``n``; ``dim`` is shown."""
    gd, yd = grad._data, output._data
    out = yd * (gd - (gd * yd).sum(n if yd.ndim else None, keepdims=True))
    return _op(out, SoftmaxBackwardDataBackward0, (grad, output), (grad, output), {"dim": dim, "_n": n})


class LogSoftmaxBackwardDataBackward0(_BackwardNode):
    """out = g - exp(y) sum(g): d/dg = gg - sum(gg exp(y)), d/dy = -sum(g) exp(y) gg."""
    __slots__ = ()
    saved_names = ("grad_output", "output")

    def backward(self, gg):
        g, y = self._unpacked()
        n = self.extra["_n"]
        return (gg - (gg * y.exp()).sum(n, keepdim=True) if self._wants(0) else None,
                -g.sum(n, keepdim=True) * y.exp() * gg if self._wants(1) else None)


def log_softmax_backward_data(grad: Tensor, output: Tensor, n: int, dim: Any) -> Tensor:
    gd, yd = grad._data, output._data
    out = gd - _xp(yd).exp(yd) * gd.sum(n if yd.ndim else None, keepdims=True)
    return _op(out, LogSoftmaxBackwardDataBackward0, (grad, output), (grad, output), {"dim": dim, "_n": n})
