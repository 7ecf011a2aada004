"""One-input element-wise functions: abs, sign, sqrt, exp, log, trigonometry, rounding.

Each function applies an array function (``np.exp``, or cupy's) to every element; its
node multiplies the incoming gradient by the derivative at that element, which it
computes from what it saved: the input (``self``, for ``sin``: cos(self)) or the result
(``result``, for ``exp``: the derivative is the result itself). Most of these ops are
built by ``_unary`` from the array function's name and the node class, whose
``saved_names`` says which of the two the forward saves. The rounding ops (floor, ceil,
trunc, round) are step functions: their gradient is zero; frac passes it through.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ... import _backend as B
from ..._tensor import Tensor
from ...autograd.grad_mode import STATE
from .._core import OpNode, as_array, no_kernel, plain, record, register
from .._layout import copy_like as _copy_like, elementwise_layout as _laid
from ..backward_ops import tanh_backward
from ..convert import _zeros_like
from .arithmetic import add_scalar, mul_scalar, pow, rsub_scalar, sub_scalar

_ndarray = np.ndarray


def _floating(input: Tensor) -> Any:
    """The input's array, in the default float dtype if it is an integer or bool one."""
    d = input._data
    return d if d.dtype.kind == "f" else d.astype(B.get_default_dtype().np)


def _unary(name: str, fn: str, node: type, doc: str, floating: bool = True):
    """Build the forward function of a one-input op from its array function ``fn``; what
    it saves is what ``node`` declares (``saved_names``: ``("self",)`` or ``("result",)``)."""
    np_fn = getattr(np, fn)                            # looked up once, not per call
    save_self, save_result = "self" in node.saved_names, "result" in node.saved_names

    def op(input: Tensor) -> Tensor:
        d = input._data
        if floating and d.dtype.kind != "f":
            d = d.astype(B.get_default_dtype().np)
        data = _laid(np_fn(d) if d.__class__ is _ndarray else getattr(B.xp_of(d), fn)(d), input)
        mode = STATE.mode                             # (a hot path: 0 is "recording")
        if mode:                                      # nothing to record
            return plain(data, mode > 1)
        return record(data, node, (input,), (input,) if save_self else (), save_result)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


# ---------------------------------------------------------------------------
# abs, sign, sqrt, exp, log, sin, cos, tan, tanh
# ---------------------------------------------------------------------------


class AbsBackward0(OpNode):
    """The derivative of |x| is sign(x), so the incoming gradient is multiplied by it.

    out = |self|
    grad_self = grad * sign(self)
    """
    saved_names = ("self",)

    def backward(self, g):
        return g * self._saved[0].unpack().sgn()


class SignBackward0(OpNode):
    """sign is a step function (-1, 0 or 1): its gradient is zero.

    out = sign(self)
    grad_self = 0
    """

    def backward(self, g):
        return _zeros_like(g)


class SgnBackward0(OpNode):
    """sgn is sign extended to complex numbers; for real tensors PyTorch's sgn_backward
    gives zeros (what it saves serves the complex case).

    out = sgn(self)
    grad_self = 0   (for real tensors)
    """
    saved_names = ("self", "result")

    def backward(self, g):
        return _zeros_like(g)


class SqrtBackward0(OpNode):
    """The derivative of √x is 1/(2√x), so the incoming gradient is multiplied by it; the
    node saves the result (√x).

    out = sqrt(self)
    grad_self = grad / (2 * result)
    """
    saved_names = ("result",)

    def backward(self, g):
        return g / mul_scalar(self._saved[0].unpack(), 2)           # grad / (2 * result)


class RsqrtBackward0(OpNode):
    """The derivative of 1/√x is -1/(2x√x), which is -result³/2: the node saves the result.

    out = 1 / sqrt(self)
    grad_self = -0.5 * grad * result³
    """
    saved_names = ("result",)

    def backward(self, g):
        return mul_scalar(g, -0.5) * self._saved[0].unpack().pow(3)   # -0.5 * grad * result.pow(3)


class ExpBackward0(OpNode):
    """exp is its own derivative, so the saved result is reused.

    out = exp(self)
    grad_self = grad * result
    """
    saved_names = ("result",)

    def backward(self, g):
        return g * self._saved[0].unpack()


class LogBackward0(OpNode):
    """The derivative of log x is 1/x, so the incoming gradient is multiplied by it.

    out = log(self)
    grad_self = grad / self
    """
    saved_names = ("self",)

    def backward(self, g):
        return g / self._saved[0].unpack()


class Log1PBackward0(OpNode):
    """The derivative of log(1 + x) is 1/(1 + x).

    out = log1p(self)
    grad_self = grad / (self + 1)
    """
    saved_names = ("self",)

    def backward(self, g):
        return g / add_scalar(self._saved[0].unpack(), 1)          # log1p_backward: grad / (self + 1)


class Expm1Backward0(OpNode):
    """The derivative of e^x - 1 is e^x, which is the result plus 1: the node saves the result.

    out = expm1(self)
    grad_self = grad * (result + 1)
    """
    saved_names = ("result",)

    def backward(self, g):
        return g * add_scalar(self._saved[0].unpack(), 1)          # grad * (result + 1)


class SinBackward0(OpNode):
    """The derivative of sin x is cos x, so the incoming gradient is multiplied by it.

    out = sin(self)
    grad_self = grad * cos(self)
    """
    saved_names = ("self",)

    def backward(self, g):
        return g * self._saved[0].unpack().cos()


class CosBackward0(OpNode):
    """The derivative of cos x is -sin x, so the incoming gradient is multiplied by it.

    out = cos(self)
    grad_self = -grad * sin(self)
    """
    saved_names = ("self",)

    def backward(self, g):
        return g * -self._saved[0].unpack().sin()


class TanBackward0(OpNode):
    """The derivative of tan x is 1 + tan²x: the node saves the result (tan x).

    out = tan(self)
    grad_self = grad * (1 + result²)
    """
    saved_names = ("result",)

    def backward(self, g):
        return g * add_scalar(self._saved[0].unpack().pow(2), 1)   # grad * (1 + result.pow(2))


class TanhBackward0(OpNode):
    """The derivative of tanh x is 1 - tanh²x, so the incoming gradient is multiplied by
    it (PyTorch's tanh_backward of the saved result).

    out = tanh(self)
    grad_self = grad * (1 - result²)
    """
    saved_names = ("result",)

    def backward(self, g):
        return tanh_backward(g, self._saved[0].unpack())


_abs = _unary("abs", "abs", AbsBackward0, "Absolute value |x|.", floating=False)


def abs(input: Tensor) -> Tensor:  # noqa: A001 - torch's name
    """Absolute value |x| (PyTorch has no bool kernel)."""
    if input._data.dtype.kind == "b":
        raise no_kernel("abs_cpu", input._data.dtype)
    return _abs(input)


def _sign_data(d: Any) -> Any:
    """-1, 0 or 1 for each element (0 for NaN, as PyTorch; a bool stays itself)."""
    if d.dtype.kind == "b":
        return _copy_like(d)                          # (a clone: a transposed input stays so)
    xp = B.xp_of(d)
    out = xp.sign(d)
    if d.dtype.kind == "f":
        out = xp.where(out != out, 0, out).astype(d.dtype, copy=False)
    return as_array(out)


def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1: the sign of each element (0 for NaN, as PyTorch; a bool stays itself)."""
    return record(_sign_data(input._data), SignBackward0, (input,))


def sgn(input: Tensor) -> Tensor:
    """``sign`` extended to complex numbers (``x / |x|``); for real tensors, ``sign``."""
    return record(_sign_data(input._data), SgnBackward0, (input,), (input,), True)


sqrt = _unary("sqrt", "sqrt", SqrtBackward0, "Square root; d/dx sqrt(x) = 1 / (2 sqrt(x)).")
exp = _unary("exp", "exp", ExpBackward0, "e^x; its derivative is itself, so the node saves the result.")
log = _unary("log", "log", LogBackward0, "Natural logarithm; d/dx log(x) = 1/x.")
log1p = _unary("log1p", "log1p", Log1PBackward0, "log(1 + x), accurate for small x.")
expm1 = _unary("expm1", "expm1", Expm1Backward0, "e^x - 1, accurate for small x.")
sin = _unary("sin", "sin", SinBackward0, "Sine; d/dx sin(x) = cos(x).")
cos = _unary("cos", "cos", CosBackward0, "Cosine; d/dx cos(x) = -sin(x).")
tan = _unary("tan", "tan", TanBackward0, "Tangent; d/dx tan(x) = 1 + tan(x)^2.")
tanh = _unary("tanh", "tanh", TanhBackward0, "Hyperbolic tangent; d/dx tanh(x) = 1 - tanh(x)^2.")


# ---------------------------------------------------------------------------
# hyperbolic, inverse trigonometric, base-2 and base-10
# ---------------------------------------------------------------------------


class SinhBackward0(OpNode):
    """The derivative of sinh x is cosh x.

    out = sinh(self)
    grad_self = grad * cosh(self)
    """
    saved_names = ("self",)

    def backward(self, g):
        return g * self._saved[0].unpack().cosh()


class CoshBackward0(OpNode):
    """The derivative of cosh x is sinh x.

    out = cosh(self)
    grad_self = grad * sinh(self)
    """
    saved_names = ("self",)

    def backward(self, g):
        return g * self._saved[0].unpack().sinh()


class AsinBackward0(OpNode):
    """The derivative of asin x is 1/√(1 - x²).

    out = asin(self)
    grad_self = grad * rsqrt(1 - self²)
    """
    saved_names = ("self",)

    def backward(self, g):
        x = self._saved[0].unpack()
        return g * add_scalar(-x * x, 1).rsqrt()                   # grad * (-self * self + 1).rsqrt()


class AcosBackward0(OpNode):
    """The derivative of acos x is -1/√(1 - x²).

    out = acos(self)
    grad_self = grad * -rsqrt(1 - self²)
    """
    saved_names = ("self",)

    def backward(self, g):
        x = self._saved[0].unpack()
        return g * -add_scalar(-x * x, 1).rsqrt()                  # grad * -((-self * self + 1).rsqrt())


class AtanBackward0(OpNode):
    """The derivative of atan x is 1/(1 + x²).

    out = atan(self)
    grad_self = grad / (self² + 1)
    """
    saved_names = ("self",)

    def backward(self, g):
        x = self._saved[0].unpack()
        return g / add_scalar(x * x, 1)                             # grad / (self * self + 1)


class AsinhBackward0(OpNode):
    """The derivative of asinh x is 1/√(x² + 1).

    out = asinh(self)
    grad_self = grad * rsqrt(self² + 1)
    """
    saved_names = ("self",)

    def backward(self, g):
        return g * add_scalar(self._saved[0].unpack().pow(2), 1).rsqrt()   # grad * (self.pow(2) + 1).rsqrt()


class AcoshBackward0(OpNode):
    """The derivative of acosh x is 1/√(x² - 1).

    out = acosh(self)
    grad_self = grad * rsqrt(self² - 1)
    """
    saved_names = ("self",)

    def backward(self, g):
        x = self._saved[0].unpack()                  # grad * (self * self - 1).rsqrt(), finite below
        return g * sub_scalar(x * x, 1).rsqrt()       # -1 too, as PyTorch's


class AtanhBackward0(OpNode):
    """The derivative of atanh x is 1/(1 - x²).

    out = atanh(self)
    grad_self = grad / (1 - self²)
    """
    saved_names = ("self",)

    def backward(self, g):
        # grad * 1 / (1 - self.pow(2)): C++'s number - tensor is a filled tensor's sub_
        return mul_scalar(g, 1) / rsub_scalar(1, self._saved[0].unpack().pow(2))


class Log2Backward0(OpNode):
    """The derivative of log2 x is 1/(x ln 2).

    out = log2(self)
    grad_self = grad / (self * ln 2)
    """
    saved_names = ("self",)

    def backward(self, g):
        return g / mul_scalar(self._saved[0].unpack(), 0.6931471805599453)   # grad / (self * ln 2)


class Log10Backward0(OpNode):
    """The derivative of log10 x is 1/(x ln 10).

    out = log10(self)
    grad_self = grad / (self * ln 10)
    """
    saved_names = ("self",)

    def backward(self, g):
        return g / mul_scalar(self._saved[0].unpack(), 2.3025850929940456)   # grad / (self * ln 10)


class Exp2Backward0(OpNode):
    """The derivative of 2^x is 2^x ln 2: the node saves the result.

    out = exp2(self)
    grad_self = grad * result * ln 2
    """
    saved_names = ("result",)

    def backward(self, g):
        return mul_scalar(g * self._saved[0].unpack(), math.log(2.0))   # grad * result * M_LN2


sinh = _unary("sinh", "sinh", SinhBackward0, "Hyperbolic sine; d/dx sinh(x) = cosh(x).")
cosh = _unary("cosh", "cosh", CoshBackward0, "Hyperbolic cosine; d/dx cosh(x) = sinh(x).")
asin = _unary("asin", "arcsin", AsinBackward0, "Inverse sine (nan outside [-1, 1]).")
acos = _unary("acos", "arccos", AcosBackward0, "Inverse cosine (nan outside [-1, 1]).")
atan = _unary("atan", "arctan", AtanBackward0, "Inverse tangent; d/dx atan(x) = 1 / (1 + x^2).")
asinh = _unary("asinh", "arcsinh", AsinhBackward0, "Inverse hyperbolic sine.")
acosh = _unary("acosh", "arccosh", AcoshBackward0, "Inverse hyperbolic cosine (nan below 1).")
atanh = _unary("atanh", "arctanh", AtanhBackward0, "Inverse hyperbolic tangent (nan outside [-1, 1]).")
log2 = _unary("log2", "log2", Log2Backward0, "Base-2 logarithm.")
log10 = _unary("log10", "log10", Log10Backward0, "Base-10 logarithm.")
exp2 = _unary("exp2", "exp2", Exp2Backward0, "2^x; the node saves the result.")


def square(input: Tensor) -> Tensor:
    """``x * x``, recorded as PyTorch records it: ``pow(x, 2)`` (a PowBackward0)."""
    return pow(input, 2)


def rsqrt(input: Tensor) -> Tensor:
    """1 / sqrt(x)."""
    d = _floating(input)
    return record(_laid(as_array(1 / B.xp_of(d).sqrt(d)), input), RsqrtBackward0, (input,), save_output=True)


# ---------------------------------------------------------------------------
# rounding: piecewise constant, so the gradient is zero (frac passes it through)
# ---------------------------------------------------------------------------


class RoundBackward0(OpNode):
    """round is a step function: zero gradient almost everywhere.

    out = round(self)
    grad_self = 0
    """

    def backward(self, g):
        return _zeros_like(g)


class RoundBackward1(RoundBackward0):
    """round to some decimals is a step function: zero gradient almost everywhere.

    out = round(self, decimals=decimals)
    grad_self = 0
    """


class FloorBackward0(RoundBackward0):
    """floor is a step function: zero gradient almost everywhere.

    out = floor(self)
    grad_self = 0
    """


class CeilBackward0(RoundBackward0):
    """ceil is a step function: zero gradient almost everywhere.

    out = ceil(self)
    grad_self = 0
    """


class TruncBackward0(RoundBackward0):
    """trunc is a step function: zero gradient almost everywhere.

    out = trunc(self)
    grad_self = 0
    """


class FracBackward0(OpNode):
    """frac(x) = x - trunc(x), and trunc's gradient is zero: the gradient passes through
    unchanged.

    out = self - trunc(self)
    grad_self = grad
    """

    def backward(self, g):
        return g


def _step(name: str, fn: str, node: type):
    def op(input: Tensor) -> Tensor:
        d = input._data
        if d.dtype.kind == "b":
            raise no_kernel(f"{name}_vml_cpu", d.dtype)
        if d.dtype.kind != "f":                        # integers are already whole
            return record(d.copy(), node, (input,))
        return record(as_array(getattr(B.xp_of(d), fn)(d)), node, (input,))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``{name}`` of each element; its gradient is zero (a step function)."
    return op


floor = _step("floor", "floor", FloorBackward0)
ceil = _step("ceil", "ceil", CeilBackward0)
trunc = _step("trunc", "trunc", TruncBackward0)


def round(input: Tensor, *, decimals: int | None = None) -> Tensor:  # noqa: A001 - torch's name
    """Round to the nearest integer (halves to even), or to ``decimals`` places (given at
    all, even 0, it is PyTorch's ``round.decimals``: RoundBackward1)."""
    d = input._data
    if d.dtype.kind == "b":
        raise no_kernel("round_vml_cpu", d.dtype)
    if d.dtype.kind != "f":
        return record(d.copy(), RoundBackward0, (input,))
    node = RoundBackward0 if decimals is None else RoundBackward1
    return record(as_array(B.xp_of(d).round(d, decimals or 0)), node, (input,))


def frac(input: Tensor) -> Tensor:
    """The fractional part ``x - trunc(x)`` (sign of x kept)."""
    d = input._data
    if d.dtype.kind != "f":
        raise no_kernel("frac_cpu", d.dtype)
    return record(as_array(d - B.xp_of(d).trunc(d)), FracBackward0, (input,))


register("abs", "absolute", "__abs__")(abs)
for _f in (sign, sgn, sqrt, rsqrt, exp, log, log1p, expm1, sin, cos, tan, tanh, sinh, cosh, asin, acos,
           atan, asinh, acosh, atanh, log2, log10, exp2, square, floor, ceil, trunc, round, frac):
    register(_f.__name__)(_f)
for _alias, _f in (("arcsin", asin), ("arccos", acos), ("arctan", atan), ("arcsinh", asinh),
                   ("arccosh", acosh), ("arctanh", atanh)):
    register(_alias)(_f)

absolute = abs
arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh
EXPORTS = ["abs", "sign", "sgn", "sqrt", "rsqrt", "exp", "log", "log1p", "expm1", "sin", "cos", "tan", "tanh",
           "absolute", "sinh", "cosh", "asin", "acos", "atan", "asinh", "acosh", "atanh", "log2", "log10",
           "exp2", "square", "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh",
           "floor", "ceil", "trunc", "round", "frac"]
