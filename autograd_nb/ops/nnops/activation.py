"""Activations that are not plain arithmetic: leaky ReLU, ELU, GELU (and ``_erf`` for it).

Each saves its input and multiplies the incoming gradient by the local slope:

* ``leaky_relu``: 1 for x > 0, ``negative_slope`` otherwise;
* ``elu``: 1 for x > 0, ``alpha * exp(x)`` otherwise;
* ``gelu``: x * Phi(x) with Phi the standard normal CDF, slope ``Phi(x) + x * phi(x)``;
  with ``approximate='tanh'`` Phi is replaced by ``0.5 * (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``.

Each rule is one call of the backward op PyTorch's formula calls (``leaky_relu_backward``,
``elu_backward``, ``gelu_backward``, ... in ``ops/backward_ops.py``): under create_graph the
gradient's node is PyTorch's (``EluBackwardBackward0``) and second derivatives work too.
(ReLU, sigmoid and tanh live with the other element-wise ops.)
"""
from __future__ import annotations

import math

import numpy as np

from ... import _backend as B
from ..._tensor import Tensor
from ...autograd.grad_mode import STATE
from .._core import OpNode, floating_kernel, no_kernel, plain, record, record_multi, scalar_to, sum_to
from .._layout import dense
from ..backward_ops import (elu_backward, gelu_backward, hardsigmoid_backward, hardswish_backward,
                            hardtanh_backward, leaky_relu_backward, log_sigmoid_backward,
                            softplus_backward, threshold_backward)
from ..pointwise import mul_scalar

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_np_erf = np.frompyfunc(math.erf, 1, 1)


def _erf_array(d):
    """erf element-wise (numpy has none; ``math.erf`` is exact, one element at a time)."""
    if B.xp_of(d) is not np:
        import cupyx.scipy.special as sp  # noqa: PLC0415
        return sp.erf(d)
    return np.asarray(_np_erf(d), dtype=d.dtype) if d.ndim else np.asarray(math.erf(float(d)), dtype=d.dtype)


class ErfBackward0(OpNode):
    """The derivative of erf x is 2/sqrt(pi) exp(-x²), the integrand of its integral.

    grad_self = grad * 2 / sqrt(pi) * exp(-self²)
    """
    saved_names = ("self",)

    def backward(self, g):
        x = self._saved[0].unpack()                  # 2.0 / sqrt(M_PI) * exp(-(self.pow(2))) * grad
        return mul_scalar((-x.pow(2)).exp(), 2.0 / math.sqrt(math.pi)) * g


def _erf(input: Tensor) -> Tensor:
    """The error function (used by the exact GELU)."""
    return record(_erf_array(input._data), ErfBackward0, (input,), saved=(input,))


def erf(input: Tensor) -> Tensor:
    """The error function ``2/sqrt(pi) * integral of exp(-t^2) from 0 to x``; its derivative
    is the integrand, ``2/sqrt(pi) * exp(-x^2)``."""
    d = input._data
    if d.dtype.kind != "f":
        input = input.float()
    return _erf(input)


class SiluBackward0(OpNode):
    """The derivative of x sigmoid(x) is s (1 + x (1 - s)), with s = sigmoid(x).

    grad_self = grad * s * (1 + self * (1 - s)),   s = sigmoid(self)
    """
    saved_names = ("self",)

    def backward(self, g):
        x = self._saved[0].unpack()
        s = x.sigmoid()
        return g * (s * (x * (1 - s) + 1))


@floating_kernel("silu_cpu")
def silu(input: Tensor) -> Tensor:
    """x * sigmoid(x) (the "swish" activation)."""
    d = input._data
    with np.errstate(over="ignore"):
        out = d / (1 + B.xp_of(d).exp(-d))
    return record(out.astype(d.dtype, copy=False), SiluBackward0, (input,), saved=(input,))


class HardtanhBackward0(OpNode):
    """The gradient passes strictly between min_val and max_val (where the input was not
    clipped), 0 outside.

    out = self.clamp(min_val, max_val)
    grad_self = hardtanh_backward(grad, self, min_val, max_val)   (grad where min_val < self < max_val, else 0)
    """
    saved_names = ("self",)
    fields = ("min_val", "max_val")

    def backward(self, g):                           # (a NaN passes its gradient)
        return hardtanh_backward(g, self._saved[0].unpack(), self.min_val, self.max_val)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """x clipped to ``[min_val, max_val]`` (ReLU6 is ``hardtanh(x, 0, 6)``)."""
    d = input._data
    if d.dtype.kind == "b":
        raise RuntimeError("Bool inputs not supported for hardtanh")
    if input._is_inference and input._requires_grad and not STATE.mode:
        # an inference tensor never reaches autograd's hardtanh; PyTorch's fallback writes
        # into a fresh tensor with hardtanh's out= form, which autograd refuses
        raise RuntimeError("hardtanh(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    out = B.xp_of(d).clip(d, min_val, max_val).astype(d.dtype, copy=False)
    return record(out, HardtanhBackward0, (input,), saved=(input,), min_val=min_val, max_val=max_val)


class LogSigmoidBackward0(OpNode):
    """The derivative of log(sigmoid(x)) is 1 - sigmoid(x) = sigmoid(-x); the forward's
    exp(-|x|) (the buffer) is kept to compute it.

    grad_self = log_sigmoid_backward(grad, self, buffer)   (grad * sigmoid(-self))
    """
    saved_names = ("self", "buffer")

    def backward(self, g):
        x, buffer = (s.unpack() for s in self._saved)
        return log_sigmoid_backward(g, x, buffer)


@floating_kernel("log_sigmoid_cpu")
def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x)) = -softplus(-x)``, computed without overflow. The node also keeps
    ``exp(-|x|)`` (PyTorch's ``buffer``)."""
    d = input._data
    xp = B.xp_of(d)
    buffer = xp.exp(-xp.abs(d))
    out = dense((xp.minimum(d, 0) - xp.log1p(buffer)).astype(d.dtype, copy=False))   # (contiguous)
    if input._is_inference and not STATE.mode:       # (autograd never sees an op of inference
        return plain(out, False)                      # tensors only; the buffer is no input)
    return record(out, LogSigmoidBackward0, (input,), saved=(input, Tensor._wrap(buffer.astype(d.dtype, copy=False))))


class SoftplusBackward0(OpNode):
    """The derivative of log(1 + exp(beta x)) / beta is sigmoid(beta x); 1 where
    beta x > threshold (there the op is x itself).

    grad_self = softplus_backward(grad, self, beta, threshold)   (grad * sigmoid(beta * self))
    """
    saved_names = ("self",)
    fields = ("beta", "threshold")

    def backward(self, g):
        return softplus_backward(g, self._saved[0].unpack(), self.beta, self.threshold)


@floating_kernel("softplus_cpu")
def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``, a smooth ReLU; x itself where ``beta * x > threshold``."""
    d = input._data
    xp = B.xp_of(d)
    bx = d * beta
    with np.errstate(over="ignore"):
        smooth = xp.log1p(xp.exp(bx)) / beta
    out = xp.where(bx > threshold, d, smooth)
    return record(out.astype(d.dtype, copy=False), SoftplusBackward0, (input,), saved=(input,),
                  beta=beta, threshold=threshold)


# ---------------------------------------------------------------------------


class LeakyReluBackward0(OpNode):
    """Leaky ReLU passes the gradient where the input was positive and scales it by
    negative_slope elsewhere.

    out = self where self > 0, else negative_slope * self
    grad_self = leaky_relu_backward(grad, self, negative_slope)   (grad where self > 0, else grad * negative_slope)
    """
    saved_names = ("self",)
    fields = ("negative_slope",)

    def backward(self, g):
        return leaky_relu_backward(g, self._saved[0].unpack(), self.negative_slope,
                                   self.saved_names == ("result",))


class LeakyReluBackward1(LeakyReluBackward0):
    """The in-place form: the input is overwritten, so the slope is read from the result
    (result > 0 exactly where the input was > 0; a negative slope is refused).

    grad_self = leaky_relu_backward(grad, result, negative_slope)   (grad where result > 0, else grad * negative_slope)
    """
    saved_names = ("result",)

    def backward(self, g):
        if self.negative_slope < 0:
            raise RuntimeError(
                "In-place leakyReLu backward calculation is triggered with a negative slope which is not "
                "supported. This is caused by calling in-place forward function with a negative slope, please "
                "call out-of-place version instead. File an issue at https://github.com/pytorch/pytorch if you "
                "do require supporting in-place leakRelu backward calculation with negative slope")
        return LeakyReluBackward0.backward(self, g)     # (result > 0 exactly where input > 0)


@floating_kernel("leaky_relu_cpu")
def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, ``negative_slope * x`` otherwise: negative inputs keep a small gradient.

    ``inplace=True`` computes the result to be written over ``input`` (see
    ``nn.functional``), so the node keeps the result instead of the input.
    """
    d = input._data
    out = B.xp_of(d).where(d > 0, d, d * negative_slope).astype(d.dtype, copy=False)
    if inplace:
        return record(out, LeakyReluBackward1, (input,), save_output=True, negative_slope=negative_slope)
    return record(out, LeakyReluBackward0, (input,), saved=(input,), negative_slope=negative_slope)


class EluBackward0(OpNode):
    """ELU (and SELU, its scaled form) passes the gradient times scale where the input was
    positive, and times the slope scale·alpha·exp(x) of the exponential part elsewhere.

    out = scale * (self where self > 0, else alpha * (exp(input_scale * self) - 1))
    grad_self = elu_backward(grad, alpha, scale, input_scale, self)   (grad * scale where self > 0, else grad * scale * alpha * exp(self))
    """
    saved_names = ("self",)
    fields = ("alpha", "scale", "input_scale")

    def backward(self, g):
        return elu_backward(g, self.alpha, self.scale, self.input_scale, self.saved_names == ("result",),
                            self._saved[0].unpack())


class EluBackward1(EluBackward0):
    """The in-place form: the input is overwritten, so the slope is read from the result
    (for x <= 0, alpha·exp(x) equals result + alpha).

    grad_self = elu_backward(grad, alpha, scale, input_scale, result)   (grad * scale where result > 0, else grad * (result + scale * alpha))
    """
    saved_names = ("result",)


@floating_kernel("elu_cpu")
def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, ``alpha * (exp(x) - 1)`` otherwise: smooth, and negative outputs are possible."""
    d = input._data
    xp = B.xp_of(d)
    with np.errstate(over="ignore"):
        out = xp.where((d > 0) | (d == 0), d, alpha * xp.expm1(d)).astype(d.dtype, copy=False)
    if inplace:                                       # (a zero stays itself, its sign too, as in
        return record(out, EluBackward1, (input,), save_output=True, alpha=alpha, scale=1,   # PyTorch)
                      input_scale=1)
    return record(out, EluBackward0, (input,), saved=(input,), alpha=alpha, scale=1, input_scale=1)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@floating_kernel("elu_cpu")
def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """``scale * elu(x, alpha)`` with the self-normalising constants (alpha ~1.673, scale ~1.051)."""
    d = input._data
    xp = B.xp_of(d)
    with np.errstate(over="ignore"):
        out = (_SELU_SCALE * xp.where(d > 0, d, _SELU_ALPHA * xp.expm1(d))).astype(d.dtype, copy=False)
    if inplace:
        return record(out, EluBackward1, (input,), save_output=True, alpha=_SELU_ALPHA, scale=_SELU_SCALE,
                      input_scale=1)
    return record(out, EluBackward0, (input,), saved=(input,), alpha=_SELU_ALPHA, scale=_SELU_SCALE,
                  input_scale=1)


class CeluBackward0(OpNode):
    """CELU's slope is 1 for x > 0 and exp(x / alpha) otherwise: ELU's rule with
    input_scale 1/alpha.

    grad_self = elu_backward(grad, alpha, 1, 1 / alpha, self)   (grad where self > 0, else grad * exp(self / alpha))
    """
    saved_names = ("self",)
    fields = ("alpha",)

    def backward(self, g):
        alpha = self.alpha
        return elu_backward(g, alpha, 1, 1 / alpha, self.saved_names == ("result",), self._saved[0].unpack())


class CeluBackward1(CeluBackward0):
    """The in-place form: the input is overwritten, so the slope is read from the result
    (for x <= 0, exp(x / alpha) equals result / alpha + 1).

    grad_self = elu_backward(grad, alpha, 1, 1 / alpha, result)   (grad where result > 0, else grad * (result / alpha + 1))
    """
    saved_names = ("result",)


@floating_kernel("elu_cpu")
def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    d = input._data
    xp = B.xp_of(d)
    with np.errstate(over="ignore"):
        out = xp.where(d > 0, d, alpha * xp.expm1(d / alpha)).astype(d.dtype, copy=False)
    if inplace:
        return record(out, CeluBackward1, (input,), save_output=True, alpha=alpha)
    return record(out, CeluBackward0, (input,), saved=(input,), alpha=alpha)


class ThresholdBackward0(OpNode):
    """The gradient is 0 where the input was <= threshold (replaced by value), and passes
    elsewhere (NaN included).

    grad_self = threshold_backward(grad, self, threshold)   (0 where self <= threshold, else grad)
    """
    saved_names = ("self",)
    fields = ("threshold",)

    def backward(self, g):
        return threshold_backward(g, self._saved[0].unpack(), self.threshold)


class ThresholdBackward1(ThresholdBackward0):
    """The in-place form, threshold_: the same rule, on the value it overwrote.

    grad_self = threshold_backward(grad, self, threshold)   (0 where self <= threshold, else grad)
    """


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``value`` where x <= threshold, else x (a NaN is not <= anything: it stays).
    ``inplace``: the result is for ``threshold_`` (its node is ThresholdBackward1)."""
    d = input._data
    if d.dtype.kind == "b":
        raise no_kernel("threshold_cpu", d.dtype)
    th, val = scalar_to(threshold, d.dtype), scalar_to(value, d.dtype)   # (both in x's dtype first:
    out = B.xp_of(d).where(d <= th, val, d).astype(d.dtype, copy=False)    # -0.5 is 0 for integers)
    return record(out, ThresholdBackward1 if inplace else ThresholdBackward0, (input,), saved=(input,),
                  threshold=threshold)


class MishBackward0(OpNode):
    """The derivative of x tanh(softplus(x)) is t + x sigmoid(x) (1 - t²), with
    t = tanh(softplus(x)).

    grad_self = grad * (t + self * sigmoid(self) * (1 - t²)),   t = tanh(softplus(self))
    """
    saved_names = ("self",)

    def backward(self, g):
        x = self._saved[0].unpack()
        t = softplus(x).tanh()
        return g * (t + x * x.sigmoid() * (1 - t * t))


@floating_kernel("mish_cpu")
def mish(input: Tensor) -> Tensor:
    """x * tanh(softplus(x))."""
    d = input._data
    xp = B.xp_of(d)
    with np.errstate(over="ignore"):
        sp = xp.where(d > 20, d, xp.log1p(xp.exp(d)))
    return record((d * xp.tanh(sp)).astype(d.dtype, copy=False), MishBackward0, (input,), saved=(input,))


class HardswishBackward0(OpNode):
    """The slope of x relu6(x + 3) / 6: 0 up to -3, x/3 + 1/2 strictly between -3 and 3,
    1 from 3 on (PyTorch's ends).

    grad_self = hardswish_backward(grad, self)   (0, grad * (self / 3 + 1/2) or grad)
    """
    saved_names = ("self",)

    def backward(self, g):
        return hardswish_backward(g, self._saved[0].unpack())


@floating_kernel("hardswish_cpu")
def hardswish(input: Tensor) -> Tensor:
    """x * relu6(x + 3) / 6."""
    d = input._data
    out = d * B.xp_of(d).clip(d + 3, 0, 6) / 6
    return record(out.astype(d.dtype, copy=False), HardswishBackward0, (input,), saved=(input,))


class HardsigmoidBackward0(OpNode):
    """The slope of relu6(x + 3) / 6: 1/6 strictly between -3 and 3, 0 elsewhere.

    grad_self = hardsigmoid_backward(grad, self)   (grad / 6 where -3 < self < 3, else 0)
    """
    saved_names = ("self",)

    def backward(self, g):
        return hardsigmoid_backward(g, self._saved[0].unpack())


@floating_kernel("hardsigmoid_cpu")
def hardsigmoid(input: Tensor) -> Tensor:
    """relu6(x + 3) / 6: a piecewise linear sigmoid."""
    d = input._data
    out = B.xp_of(d).clip(d + 3, 0, 6) / 6
    return record(out.astype(d.dtype, copy=False), HardsigmoidBackward0, (input,), saved=(input,))


class PreluKernelBackward0(OpNode):
    """A leaky ReLU with a learned slope w (shaped to broadcast along the channels): the
    input gets the gradient or w times it, the slope gets grad·x where x <= 0, summed
    back to w's shape.

    out = self where self > 0, else weight * self
    grad_self = grad where self > 0, else grad * weight
    grad_weight = (0 where self > 0, else grad * self) summed to weight's shape
    """
    saved_names = ("self", "weight")

    def backward(self, g):
        x, w = (s.unpack() for s in self._saved)
        return prelu_kernel_backward(g, x, w, tuple(e[0] is not None for e in self.next_functions))


class PreluKernelBackwardBackward0(OpNode):
    """prelu's backward op is linear in grad_output, and in weight; its mask does not
    move when self moves a little. So grad_output gets the incoming gradients passed back
    the way they came (times w, plus times self where self < 0), self gets grad_output
    times the slope's incoming gradient where self < 0, and weight gets grad_output times
    the input's incoming gradient where self < 0 (summed to weight's shape). As PyTorch,
    self >= 0 counts as positive here.

    out = prelu_kernel_backward(grad_output, self, weight)
    grad_grad_output = grads[0] where self >= 0, else grads[0] * weight + grads[1] * self
    grad_self = 0 where self >= 0, else grad_output * grads[1]
    grad_weight = (0 where self >= 0, else grad_output * grads[0]) summed to weight's shape
    """
    saved_names = ("grad_output", "self", "weight")
    fields = ("_mask",)                                 # (_mask: which of the two it computed)

    def backward(self, *grads):
        from ..compare import where
        it = iter(grads)
        ggx, ggw = (next(it) if m else None for m in self._mask)
        g, x, w = (s.unpack() for s in self._saved)
        nf = self.next_functions
        neg = x < 0
        zero = Tensor._wrap(B.xp_of(x._data).zeros((), dtype=x._data.dtype))
        gg = gx = gw = None
        if nf[0][0] is not None:
            parts = [p for p in (None if ggx is None else ggx * w, None if ggw is None else ggw * x)
                     if p is not None]
            rest = parts[0] if len(parts) == 1 else parts[0] + parts[1]
            gg = where(neg, rest, zero if ggx is None else ggx)
        if nf[1][0] is not None:
            gx = zero.expand(tuple(x.shape)) if ggw is None else where(neg, g * ggw, zero)
        if nf[2][0] is not None:
            gw = sum_to(zero.expand(tuple(x.shape)) if ggx is None else where(neg, g * ggx, zero), tuple(w.shape))
        return gg, gx, gw


def prelu_kernel_backward(grad: Tensor, self: Tensor, weight: Tensor, output_mask: tuple) -> tuple:
    """PyTorch's ``_prelu_kernel_backward``: the input's gradient (grad where self > 0, else
    grad * weight) and the weight's (grad * self where self <= 0, summed to weight's
    shape), None where ``output_mask`` says no. Under create_graph the two record one
    ``PreluKernelBackwardBackward0`` (the weight's in self's shape, then summed)."""
    gd, xd, wd = grad._data, self._data, weight._data
    xp = B.xp_of(gd)
    pos = xd > 0
    outs = []
    if output_mask[0]:
        outs.append(xp.where(pos, gd, gd * wd).astype(gd.dtype, copy=False))
    if output_mask[1]:                                # (in self's shape: summed to weight's below)
        outs.append(xp.where(pos, 0, gd * xd).astype(gd.dtype, copy=False))
    res = iter(record_multi(outs, PreluKernelBackwardBackward0, (grad, self, weight), saved=(grad, self, weight),
                            _mask=tuple(output_mask)) if outs else ())
    gx, gw = (next(res) if m else None for m in output_mask)
    return gx, None if gw is None else sum_to(gw, tuple(weight.shape))


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x where x > 0, else ``weight * x``: a leaky ReLU whose slope is learned (one per
    channel, dim 1, or one for all). As PyTorch, a weight of fewer dims is first viewed as
    (1, C, 1, ...) for inputs of two or more dims."""
    d, wd = input._data, weight._data
    if d.dtype != wd.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {B.SCALAR_NAMES[d.dtype.name]} and "
                           f"{B.SCALAR_NAMES[wd.dtype.name]}")
    n = wd.size
    if n != 1:
        if d.ndim == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = d.shape[1] if d.ndim >= 2 else 1
        if n != channels:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers "
                               f"= {n} and channel size = {channels}.")
    if wd.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {wd.ndim}")
    if d.ndim != wd.ndim:
        weight = weight.view(() if d.ndim == 0 else (n,) if d.ndim == 1 else (1, n) + (1,) * (d.ndim - 2))
    out = B.xp_of(d).where(d > 0, d, weight._data * d).astype(d.dtype, copy=False)
    return record(out, PreluKernelBackward0, (input, weight), saved=(input, weight))


class GeluBackward0(OpNode):
    """The derivative of x Phi(x) (Phi the standard normal CDF, phi its density) is
    Phi(x) + x phi(x); approximate='tanh' differentiates the tanh approximation instead.

    grad_self = gelu_backward(grad, self, approximate)   (grad * (Phi(self) + self * phi(self)))
    """
    saved_names = ("self",)
    fields = ("approximate",)

    def backward(self, g):
        return gelu_backward(g, self._saved[0].unpack(), self.approximate)


@floating_kernel("GeluKernelImpl")
def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x): the input weighted by the chance a standard normal is below it."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    d = input._data
    xp = B.xp_of(d)
    if approximate == "tanh":
        out = 0.5 * d * (1 + xp.tanh(_SQRT_2_OVER_PI * (d + 0.044715 * d ** 3)))
    else:
        out = 0.5 * d * (1 + _erf_array(d / math.sqrt(2.0)))
    return record(out.astype(d.dtype, copy=False), GeluBackward0, (input,), saved=(input,),
                  approximate=approximate)
