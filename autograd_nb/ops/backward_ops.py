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

from .. import _backend as B
from .._tensor import Tensor
from ._core import OpNode, as_array, note_broadcast, record

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)


def _op(data: Any, node: type, inputs: tuple, saved: tuple, **fields: Any) -> Tensor:
    """Wrap a backward op's result; record ``node`` (with its ``fields``) when an input
    requires grad (only under create_graph: first-order backward runs with grad mode off)."""
    out = record(as_array(data), node, inputs, saved=saved, **fields)
    if out._gfn is not None:                      # (the gradient of a 0-d grad_output
        note_broadcast(out, *inputs)                  # is summed back to 0-d)
    return out


class _BackwardNode(OpNode):
    """A node of a backward op (an op that computes a first derivative): its gradient
    with respect to the incoming gradient is the same op again (the op is linear in it),
    and its gradient with respect to the saved input is the second derivative.

    out = op_backward(grad_output, self)
    grad_grad_output = op_backward(grad, self)
    grad_self = grad times the second derivative
    """

    def _wants(self, i: int) -> bool:
        """Does input ``i`` lead anywhere (PyTorch's ``should_compute_output``)?"""
        return self.next_functions[i][0] is not None

    def _unpacked(self) -> tuple:
        return tuple(None if s is None else s.unpack() for s in self._saved)

    def _zeros(self, gg: Tensor, i: int) -> Tensor | None:
        """PyTorch's ``zeros_like(grad)`` for input ``i`` (nothing if it leads nowhere)."""
        return Tensor._wrap(B.xp_of(gg._data).zeros_like(gg._data)) if self._wants(i) else None


def _where(cond: Any, a: Any, b: Any) -> Tensor:
    from .compare import where
    return where(cond, a, b)


# ---------------------------------------------------------------------------
# sigmoid, tanh: the rule reads the result y
# ---------------------------------------------------------------------------


class SigmoidBackwardBackward0(_BackwardNode):
    """sigmoid's backward op, out = g y (1 - y) for y = sigmoid(x), read off the result:
    linear in g (its gradient is the same op), and d/dy = g (1 - 2y).

    out = grad_output * output * (1 - output)
    grad_grad_output = sigmoid_backward(grad, output)
    grad_output = grad * grad_output * (1 - 2 * output)
    """
    saved_names = ("grad_output", "output")

    def backward(self, gg):
        g, y = self._unpacked()
        return (sigmoid_backward(gg, y) if self._wants(0) else None,
                gg * g * (y * -2 + 1) if self._wants(1) else None)


def sigmoid_backward(grad: Tensor, output: Tensor) -> Tensor:
    """``grad * y * (1 - y)`` for y = sigmoid(x)."""
    gd, yd = grad._data, output._data
    return _op(gd * (yd * (1 - yd)), SigmoidBackwardBackward0, (grad, output), (grad, output))


class TanhBackwardBackward0(_BackwardNode):
    """tanh's backward op, out = g (1 - y²) for y = tanh(x), read off the result:
    linear in g (its gradient is the same op), and d/dy = -2 y g.

    out = grad_output * (1 - output²)
    grad_grad_output = tanh_backward(grad, output)
    grad_output = grad * (-2 * output * grad_output)
    """
    saved_names = ("grad_output", "output")

    def backward(self, gg):
        g, y = self._unpacked()
        return (tanh_backward(gg, y) if self._wants(0) else None,
                gg * (y * -2 * g) if self._wants(1) else None)


def tanh_backward(grad: Tensor, output: Tensor) -> Tensor:
    """``grad * (1 - y^2)`` for y = tanh(x)."""
    gd, yd = grad._data, output._data
    return _op(gd * (1 - yd * yd), TanhBackwardBackward0, (grad, output), (grad, output))


# ---------------------------------------------------------------------------
# piecewise-linear activations: the gradient is g or a multiple of g, picked by a mask
# that does not move with x (x gets zeros)
# ---------------------------------------------------------------------------


class ThresholdBackwardBackward0(_BackwardNode):
    """relu's backward op: the incoming gradient g where x > threshold, else 0. It is
    linear in g; the mask does not move when x moves a little, so x gets zeros.

    out = where(self <= threshold, 0, grad_output)
    grad_grad_output = threshold_backward(grad, self, threshold)
    grad_self = zeros_like(grad)
    """
    saved_names = ("self",)
    fields = ("threshold",)

    def backward(self, gg):
        x, = self._unpacked()
        return (threshold_backward(gg, x, self.threshold) if self._wants(0) else None,
                self._zeros(gg, 1))


def threshold_kernel(gd: Any, xd: Any, threshold: float) -> Any:
    """threshold_backward on arrays (relu's first-order rule calls it directly)."""
    return B.xp_of(gd).where(xd <= threshold, gd.dtype.type(0), gd)


def threshold_backward(grad: Tensor, self: Tensor, threshold: float) -> Tensor:
    """``grad`` except where ``self <= threshold`` (relu passes its result and 0; a NaN
    is not <= anything, so it passes its gradient). Selected, never multiplied: an inf
    gradient must not meet a 0."""
    return _op(threshold_kernel(grad._data, self._data, threshold), ThresholdBackwardBackward0, (grad, self), (self,), threshold=threshold)


class LeakyReluBackwardBackward0(_BackwardNode):
    """leaky_relu's backward op: g where x > 0, else g times negative_slope. It is
    linear in g; the mask does not move when x moves a little, so x gets zeros.

    out = where(self > 0, grad_output, grad_output * negative_slope)
    grad_grad_output = leaky_relu_backward(grad, self, negative_slope)
    grad_self = zeros_like(grad)
    """
    saved_names = ("self",)
    fields = ("negative_slope",)

    def backward(self, gg):
        x, = self._unpacked()
        return (leaky_relu_backward(gg, x, self.negative_slope, False) if self._wants(0) else None,
                self._zeros(gg, 1))


def leaky_relu_backward(grad: Tensor, self: Tensor, negative_slope: float, self_is_result: bool) -> Tensor:
    """``grad`` where x > 0, else ``grad * negative_slope`` (``self`` may be the result of
    the in-place form: it is positive exactly where x is)."""
    gd, xd = grad._data, self._data
    out = B.xp_of(gd).where(xd > 0, gd, gd * negative_slope).astype(gd.dtype, copy=False)
    return _op(out, LeakyReluBackwardBackward0, (grad, self), (self,), negative_slope=negative_slope)


class HardtanhBackwardBackward0(_BackwardNode):
    """hardtanh's backward op: g strictly between min_val and max_val, else 0. It is
    linear in g; the mask does not move when x moves a little, so x gets zeros.

    out = where(min_val < self < max_val, grad_output, 0)
    grad_grad_output = hardtanh_backward(grad, self, min_val, max_val)
    grad_self = zeros_like(grad)
    """
    saved_names = ("self",)
    fields = ("min_val", "max_val")

    def backward(self, gg):
        x, = self._unpacked()
        return (hardtanh_backward(gg, x, self.min_val, self.max_val) if self._wants(0) else None,
                self._zeros(gg, 1))


def hardtanh_backward(grad: Tensor, self: Tensor, min_val: float, max_val: float) -> Tensor:
    """``grad`` strictly inside ``(min_val, max_val)``, 0 at and beyond the ends (a NaN passes)."""
    gd, xd = grad._data, self._data
    out = B.xp_of(gd).where((xd <= min_val) | (xd >= max_val), gd.dtype.type(0), gd)
    return _op(out, HardtanhBackwardBackward0, (grad, self), (self,), min_val=min_val, max_val=max_val)


class _ShrinkBackwardBackward(_BackwardNode):
    """hardshrink's and softshrink's backward op: 0 where -lambd <= x <= lambd, else g.
    It is linear in g; the mask does not move when x moves a little, so x gets zeros.

    out = where(-lambd <= self <= lambd, 0, grad_output)
    grad_grad_output = shrink_backward(grad, self, lambd)
    grad_self = zeros_like(grad)
    """
    saved_names = ("self",)
    fields = ("lambd",)

    def backward(self, gg):
        x, = self._unpacked()
        return (_shrink_backward(gg, x, self.lambd, type(self)) if self._wants(0) else None,
                self._zeros(gg, 1))


class HardshrinkBackwardBackward0(_ShrinkBackwardBackward):
    """hardshrink's backward op: 0 where -lambd <= x <= lambd, else g. It is linear in
    g; the mask does not move when x moves a little, so x gets zeros.

    out = where(-lambd <= self <= lambd, 0, grad_output)
    grad_grad_output = hardshrink_backward(grad, self, lambd)
    grad_self = zeros_like(grad)
    """


class SoftshrinkBackwardBackward0(_ShrinkBackwardBackward):
    """softshrink's backward op: 0 where -lambd <= x <= lambd, else g. It is linear in
    g; the mask does not move when x moves a little, so x gets zeros.

    out = where(-lambd <= self <= lambd, 0, grad_output)
    grad_grad_output = softshrink_backward(grad, self, lambd)
    grad_self = zeros_like(grad)
    """


def _shrink_backward(grad: Tensor, self: Tensor, lambd: float, node: type) -> Tensor:
    """hardshrink's and softshrink's rule: 0 inside ``[-lambd, lambd]``, else g (NaN passes)."""
    gd, xd = grad._data, self._data
    out = B.xp_of(gd).where((xd >= -lambd) & (xd <= lambd), gd.dtype.type(0), gd)
    return _op(out, node, (grad, self), (self,), lambd=lambd)


def hardshrink_backward(grad: Tensor, self: Tensor, lambd: float) -> Tensor:
    return _shrink_backward(grad, self, lambd, HardshrinkBackwardBackward0)


def softshrink_backward(grad: Tensor, self: Tensor, lambd: float) -> Tensor:
    return _shrink_backward(grad, self, lambd, SoftshrinkBackwardBackward0)


class HardswishBackwardBackward0(_BackwardNode):
    """hardswish's backward op: 0 up to -3, g (x/3 + 1/2) strictly between -3 and 3,
    g from 3 on. It is linear in g (its gradient is the same op); d/dx is g/3 strictly
    between -3 and 3.

    out = grad_output * hardswish'(self)
    grad_grad_output = hardswish_backward(grad, self)
    grad_self = where(-3 < self < 3, grad * grad_output / 3, 0)
    """
    saved_names = ("grad_output", "self")

    def backward(self, gg):
        g, x = self._unpacked()
        return (hardswish_backward(gg, x) if self._wants(0) else None,
                _where((x > -3) & (x < 3), gg * g / 3.0, 0.0) if self._wants(1) else None)


def hardswish_backward(grad: Tensor, self: Tensor) -> Tensor:
    gd, xd = grad._data, self._data
    xp = B.xp_of(gd)
    out = xp.where(xd <= -3, gd.dtype.type(0), xp.where(xd < 3, gd * (xd / 3 + 0.5), gd))
    return _op(out.astype(gd.dtype, copy=False), HardswishBackwardBackward0, (grad, self), (grad, self))


def hardsigmoid_backward(grad: Tensor, self: Tensor) -> Tensor:
    """g / 6 strictly between -3 and 3, else 0, as PyTorch computes it: g times 1/6 rounded
    to float32 (also in float64). PyTorch gives this op no derivative: under create_graph
    the gradient's node is ``NotImplemented``, which refuses to run."""
    from .pointwise import NoDerivative as _NotImplemented
    gd, xd = grad._data, self._data
    sixth = gd.dtype.type(np.float32(1) / np.float32(6))
    out = B.xp_of(gd).where((xd > -3) & (xd < 3), gd * sixth, gd.dtype.type(0)).astype(gd.dtype, copy=False)
    inputs = tuple(t for t in (grad, self) if t.requires_grad)
    return record(as_array(out), _NotImplemented, inputs, _op="hardsigmoid_backward")


# ---------------------------------------------------------------------------
# smooth activations: the slope moves with x (d/dx is g * gg * the second derivative)
# ---------------------------------------------------------------------------


class EluBackwardBackward0(_BackwardNode):
    """The ELU family's backward op (elu, selu, celu): g times scale for x > 0, else g
    times input_scale, alpha, scale and exp(x input_scale) (or, from the result r, g
    input_scale (r + alpha scale)). It is linear in g (its gradient is the same op);
    d/d(self_or_result) is the slope's own slope, nonzero only where it is negative.

    out = elu_backward(grad_output, alpha, scale, input_scale, is_result, self_or_result)
    grad_grad_output = elu_backward(grad, alpha, scale, input_scale, is_result, self_or_result)
    grad_self_or_result = grad * grad_output * elu''(self_or_result) where self_or_result < 0, else 0
    """
    saved_names = ("grad_output", "self_or_result")
    fields = ("alpha", "scale", "input_scale", "is_result")

    def backward(self, gg):
        g, x = self._unpacked()
        a, s, i, is_result = self.alpha, self.scale, self.input_scale, self.is_result
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
    xp = B.xp_of(gd)
    if is_result:
        neg = gd * input_scale * (xd + alpha * scale)
    else:
        with np.errstate(over="ignore"):
            neg = gd * input_scale * (alpha * scale) * xp.exp(xd * input_scale)
    out = xp.where(xd <= 0, neg, gd * scale).astype(gd.dtype, copy=False)
    return _op(out, EluBackwardBackward0, (grad, self_or_result), (grad, self_or_result),
               alpha=alpha, scale=scale, input_scale=input_scale, is_result=is_result)


def _gelu_slope(xd: Any, approximate: str) -> Any:
    """d/dx gelu on arrays: Phi(x) + x phi(x), or the tanh form's derivative."""
    xp = B.xp_of(xd)
    if approximate == "tanh":
        t = xp.tanh((xd + xd * xd * xd * 0.044715) * _SQRT_2_OVER_PI)
        dinner = (xd * xd * (3 * 0.044715) + 1) * _SQRT_2_OVER_PI
        return (t + 1) * 0.5 + xd * 0.5 * (1 - t * t) * dinner
    from .nnops.activation import _erf_array
    cdf = (_erf_array(xd * _INV_SQRT_2) + 1) * 0.5
    return cdf + xd * (xp.exp(xd * xd * -0.5) * _INV_SQRT_2PI)


class GeluBackwardBackward0(_BackwardNode):
    """gelu's backward op, out = g gelu'(x): linear in g (its gradient is the same
    op), and d/dx = g gelu''(x), with gelu'' = phi(x) (2 - x²) (or the tanh form's
    second derivative).

    out = grad_output * gelu'(self)
    grad_grad_output = gelu_backward(grad, self, approximate)
    grad_self = grad * grad_output * gelu''(self)
    """
    saved_names = ("grad_output", "self")
    fields = ("approximate",)

    def backward(self, gg):
        g, x = self._unpacked()
        approximate = self.approximate
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
    return _op(out, GeluBackwardBackward0, (grad, self), (grad, self), approximate=approximate)


def _sigmoid_array(d: Any) -> Any:
    with np.errstate(over="ignore"):
        return 1 / (1 + B.xp_of(d).exp(-d))


class SoftplusBackwardBackward0(_BackwardNode):
    """softplus's backward op, out = g sigmoid(beta x) (g where beta x > threshold):
    linear in g (its gradient is the same op), and d/dx = g beta s (1 - s), 0 where the
    input was passed through.

    out = grad_output * sigmoid(beta * self)
    grad_grad_output = softplus_backward(grad, self, beta, threshold)
    grad_self = grad * grad_output * beta * s * (1 - s), s = sigmoid(beta * self)
    """
    saved_names = ("grad_output", "self")
    fields = ("beta", "threshold")

    def backward(self, gg):
        g, x = self._unpacked()
        beta, threshold = self.beta, self.threshold
        gx = None
        if self._wants(1):
            bx = x * beta
            s = bx.sigmoid()
            gx = _where(bx > threshold, 0.0, gg * g * beta * (s * (1 - s)))
        return softplus_backward(gg, x, beta, threshold) if self._wants(0) else None, gx


def softplus_backward(grad: Tensor, self: Tensor, beta: float, threshold: float) -> Tensor:
    gd, xd = grad._data, self._data
    bx = xd * beta
    out = B.xp_of(gd).where(bx > threshold, gd, gd * _sigmoid_array(bx)).astype(gd.dtype, copy=False)
    return _op(out, SoftplusBackwardBackward0, (grad, self), (grad, self), beta=beta, threshold=threshold)


class LogSigmoidBackwardBackward0(_BackwardNode):
    """logsigmoid's backward op, out = g sigmoid(-x): linear in g (its gradient is the
    same op), and d/dx = g (s - 1) s, s = sigmoid(x).

    out = grad_output * sigmoid(-self)
    grad_grad_output = log_sigmoid_backward(grad, self, buffer)
    grad_self = grad * grad_output * (s - 1) * s, s = sigmoid(self)
    """
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
    return _op(out, LogSigmoidBackwardBackward0, (grad, self), (buffer, grad, self))


# ---------------------------------------------------------------------------
# softmax, log_softmax: the rule reads the result y along ``dim``
# ---------------------------------------------------------------------------


class SoftmaxBackwardDataBackward0(_BackwardNode):
    """softmax's backward op, out = y (g - sum(g y)) along dim: linear in g (its
    gradient is the same op), and d/dy = gg g - sum(y gg) g - gg sum(y g), gg being the
    incoming gradient.

    out = output * (grad_output - sum(grad_output * output, dim))
    grad_grad_output = softmax_backward_data(grad, output, dim)
    grad_output = grad * grad_output - sum(output * grad, dim) * grad_output - grad * sum(output * grad_output, dim)
    """
    saved_names = ("grad_output", "output")
    fields = ("dim", "_n")

    def backward(self, gg):
        g, y = self._unpacked()
        n, dim = self._n, self.dim
        gy = None
        if self._wants(1):
            gy = gg * g - (y * gg).sum(n, keepdim=True) * g - gg * (y * g).sum(n, keepdim=True)
        return softmax_backward_data(gg, y, n, dim) if self._wants(0) else None, gy


def softmax_backward_data(grad: Tensor, output: Tensor, n: int, dim: Any) -> Tensor:
    """``y * (g - sum(g * y))`` along the (non-negative) dim ``n``; ``dim`` is shown."""
    gd, yd = grad._data, output._data
    out = yd * (gd - (gd * yd).sum(n if yd.ndim else None, keepdims=True))
    return _op(out, SoftmaxBackwardDataBackward0, (grad, output), (grad, output), dim=dim, _n=n)


class LogSoftmaxBackwardDataBackward0(_BackwardNode):
    """log_softmax's backward op, out = g - exp(y) sum(g) along dim: d/dg = gg -
    sum(gg exp(y)), d/dy = -sum(g) exp(y) gg, gg being the incoming gradient.

    out = grad_output - exp(output) * sum(grad_output, dim)
    grad_grad_output = grad - sum(grad * exp(output), dim)
    grad_output = -sum(grad_output, dim) * exp(output) * grad
    """
    saved_names = ("grad_output", "output")
    fields = ("dim", "_n")

    def backward(self, gg):
        g, y = self._unpacked()
        n = self._n
        return (gg - (gg * y.exp()).sum(n, keepdim=True) if self._wants(0) else None,
                -g.sum(n, keepdim=True) * y.exp() * gg if self._wants(1) else None)


def log_softmax_backward_data(grad: Tensor, output: Tensor, n: int, dim: Any) -> Tensor:
    gd, yd = grad._data, output._data
    out = gd - B.xp_of(yd).exp(yd) * gd.sum(n if yd.ndim else None, keepdims=True)
    return _op(out, LogSoftmaxBackwardDataBackward0, (grad, output), (grad, output), dim=dim, _n=n)
