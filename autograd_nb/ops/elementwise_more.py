"""More element-wise functions, each forward beside its node: angle conversions
(``deg2rad``, ``rad2deg``), ``sinc``, ``copysign``, ``logaddexp2``, ``heaviside``, the
infinity and realness tests, and the NaN-ignoring sum and mean (``nansum``, ``nanmean``).

Integer inputs of the floating functions give the default float dtype, as in PyTorch.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _backend as B
from .._tensor import Tensor
from ._core import OpNode, arg_error, as_array, combination_error, note_broadcast, prep2, record, register
from .reduce import dims_of, shown_dims


def _floating(d: Any) -> Any:
    """``d``, or ``d`` as the default float dtype when it is integral or bool."""
    return d if d.dtype.kind == "f" else d.astype(B.get_default_dtype().np)


class Deg2RadBackward0(OpNode):
    """Degrees to radians is a multiplication by pi / 180, and so is its gradient.

    out = self * pi / 180
    grad_self = grad * pi / 180
    """

    def backward(self, g):
        return g * (math.pi / 180)


class Rad2DegBackward0(OpNode):
    """Radians to degrees is a multiplication by 180 / pi, and so is its gradient.

    out = self * 180 / pi
    grad_self = grad * 180 / pi
    """

    def backward(self, g):
        return g * (180 / math.pi)


def deg2rad(input: Tensor) -> Tensor:
    """Angles in degrees as radians."""
    d = _floating(input._data)
    return record(as_array(d * d.dtype.type(math.pi / 180)), Deg2RadBackward0, (input,))


def rad2deg(input: Tensor) -> Tensor:
    """Angles in radians as degrees."""
    d = _floating(input._data)
    return record(as_array(d * d.dtype.type(180 / math.pi)), Rad2DegBackward0, (input,))


class SincBackward0(OpNode):
    """sinc(x) = sin(pi x) / (pi x) (1 at 0); its derivative is
    (cos(pi x) pi x - sin(pi x)) / (pi x^2), which is 0 at 0.

    out = sin(pi * self) / (pi * self)
    grad_self = where(self == 0, 0, grad * (cos(pi * self) * pi * self - sin(pi * self)) / (pi * self^2))
    """
    saved_names = ("self",)

    def backward(self, g):
        from .compare import where
        x, = (s.unpack() for s in self._saved)
        px = x * math.pi
        return where(x == 0, 0.0, g * ((px.cos() * px - px.sin()) / (px * x)))


def sinc(input: Tensor) -> Tensor:
    """The normalized sinc, ``sin(pi x) / (pi x)``, 1 at 0."""
    d = _floating(input._data)
    xp = B.xp_of(d)
    with np.errstate(invalid="ignore", divide="ignore"):
        px = d * d.dtype.type(math.pi)
        out = xp.where(d == 0, d.dtype.type(1), xp.sin(px) / px).astype(d.dtype, copy=False)
    return record(as_array(out), SincBackward0, (input,), saved=(input,))


class CopysignBackward0(OpNode):
    """copysign(a, b) is |a| with b's sign: a's gradient is the gradient times
    result / a (+1 or -1; 0 where a is 0); b gets nothing (a sign does not move).

    out = copysign(self, other)
    grad_self = grad * (result / self, 0 where self == 0)
    grad_other = zeros
    """
    saved_names = ("self", "result")

    def backward(self, g):
        x, r = (s.unpack() for s in self._saved)
        gx = g * (r / x).masked_fill(x == 0, 0.0)
        if len(self.next_functions) == 1:
            return gx
        other = None
        if self.next_functions[1][0] is not None:
            other = Tensor._wrap(B.xp_of(g._data).zeros_like(g._data))
        return gx, other


class CopysignBackward1(CopysignBackward0):
    """copysign(a, b) with b a number: a's gradient is the gradient times result / a.

    out = copysign(self, other)   (other: a number)
    grad_self = grad * (result / self, 0 where self == 0)
    """


def copysign(input: Tensor, other: Any) -> Tensor:
    """The magnitude of ``input`` with the sign of ``other`` (element-wise)."""
    if not isinstance(input, Tensor):
        raise combination_error("copysign", input, other)
    ad, bd, ta, tb = prep2(input, other)
    ad = _floating(ad)
    out = as_array(B.xp_of(ad).copysign(ad, bd).astype(ad.dtype, copy=False))
    if tb is None:
        return record(out, CopysignBackward1, (ta,), saved=(input,), save_output=True)
    res = record(out, CopysignBackward0, (ta, tb), saved=(input,), save_output=True)
    note_broadcast(res, ta, tb)
    return res


class Logaddexp2Backward0(OpNode):
    """logaddexp2(a, b) = log2(2^a + 2^b): its derivatives are the weights of a and b,
    1/(1 + 2^(b - a)) and 1/(1 + 2^(a - b)).

    out = log2(2 ** self + 2 ** other)
    grad_self = grad / (2 ** (other - self) + 1)
    grad_other = grad / (2 ** (self - other) + 1)
    """
    saved_names = ("self", "other")

    def backward(self, g):
        a, b = (s.unpack() for s in self._saved)
        return g / ((b - a).exp2() + 1), g / ((a - b).exp2() + 1)


def logaddexp2(input: Tensor, other: Tensor) -> Tensor:
    """``log2(2^input + 2^other)``, computed without overflow."""
    from .pointwise.clamping import _float_binary
    return _float_binary("logaddexp2", "logaddexp2", Logaddexp2Backward0, input, other, False)


def heaviside(input: Tensor, values: Tensor) -> Tensor:
    """The step function: 0 below zero, 1 above, ``values`` at zero (no derivative)."""
    from .pointwise.arithmetic import not_differentiable
    for name, pos, v in (("input", 1, input), ("values", 2, values)):
        if not isinstance(v, Tensor):
            raise arg_error("heaviside", name, pos, v)
    if input.dtype != values.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes")
    ad, bd, ta, tb = prep2(input, values)
    xp = B.xp_of(ad)
    out = xp.where(ad == 0, bd, (ad > 0).astype(ad.dtype)).astype(ad.dtype, copy=False)
    live = tuple(t for t in (ta, tb) if t is not None and t.requires_grad)
    return not_differentiable(as_array(out), live, "heaviside")


def isposinf(input: Tensor) -> Tensor:
    """Where the elements are +inf (a bool tensor)."""
    d = input._data
    return Tensor._wrap(as_array(d == np.inf) if d.dtype.kind == "f" else B.xp_of(d).zeros(d.shape, bool))


def isneginf(input: Tensor) -> Tensor:
    """Where the elements are -inf (a bool tensor)."""
    d = input._data
    return Tensor._wrap(as_array(d == -np.inf) if d.dtype.kind == "f" else B.xp_of(d).zeros(d.shape, bool))


def isreal(input: Tensor) -> Tensor:
    """Whether each element is real: always, for real dtypes (a bool tensor)."""
    d = input._data
    return Tensor._wrap(B.xp_of(d).ones(d.shape, bool))


class NansumBackward0(OpNode):
    """The sum of the non-NaN elements: each of them gets the gradient, a NaN gets 0.

    out = self.nansum(dim, keepdim)
    grad_self = grad (expanded back) where self is not NaN, else 0
    """
    saved_names = ("self",)
    fields = ("dim", "keepdim", "_dims")

    def backward(self, g):
        x, = (s.unpack() for s in self._saved)
        if not self.keepdim and self._dims:
            for k in sorted(self._dims):
                g = g.unsqueeze(k)
        return g.expand(*x.shape).masked_fill(x.isnan(), 0.0)


def nansum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The sum, treating NaN as zero."""
    d = input._data if dtype is None else input._data.astype(dtype.np)
    if d.dtype.kind not in "fiub":
        raise RuntimeError("nansum does not support complex inputs")
    dims = dims_of(dim, d.ndim) if dim is not None else tuple(range(d.ndim))
    acc = np.int64 if d.dtype.kind in "iub" else d.dtype
    out = B.xp_of(d).nansum(d, axis=dims, keepdims=keepdim, dtype=acc)
    return record(as_array(out), NansumBackward0, (input,), saved=(input,),
                  dim=None if dim is None else shown_dims(dim), keepdim=keepdim, _dims=dims)


def nanmean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The mean of the non-NaN elements: ``nansum / count`` (a DivBackward0, as PyTorch)."""
    if input.dtype.is_floating_point is False and dtype is None:
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype but got "
                           f"{B.SCALAR_NAMES[input._data.dtype.name]}")
    count = input.isnan().logical_not().sum(dim, keepdim=keepdim) if dim is not None else \
        input.isnan().logical_not().sum()
    return nansum(input, dim, keepdim, dtype=dtype) / count


class FrexpBackward0(OpNode):
    """frexp splits x into a mantissa and a power of two: the mantissa moves with x
    divided by that power (the exponent is an integer: no gradient).

    mantissa, exponent = self.frexp()
    grad_self = grad / 2 ** exponent
    """
    saved_names = ("exponent",)

    def backward(self, g, _g_exponent=None):
        e, = (s.unpack() for s in self._saved)
        return g / e.to(g.dtype).exp2()


def frexp(input: Tensor) -> Any:
    """``(mantissa, exponent)`` with ``input = mantissa * 2 ** exponent``, |mantissa| in
    [0.5, 1) (0 for 0; an infinity or NaN keeps itself with exponent 0)."""
    from .reduce import _return_type, return_types
    from ._core import record_multi
    d = input._data
    if d.dtype.kind != "f":
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    m, e = np.frexp(d)
    if not hasattr(return_types, "frexp"):
        return_types.frexp = _return_type("frexp")
    exponent = Tensor._wrap(as_array(e.astype(np.int32)))
    mantissa = record_multi((m.astype(d.dtype, copy=False), e.astype(np.int32)), FrexpBackward0, (input,),
                            saved=(exponent,), differentiable=(True, False))[0]
    return return_types.frexp(mantissa, exponent)


class LdexpBackward0(OpNode):
    """ldexp(x, e) scales x by the e-th power of two: x's gradient is the gradient times
    that power, e's the gradient times the result times ln 2.

    out = self * 2 ** other
    grad_self = grad * 2 ** other   (an integer other: 2 ** other in integers, 0 where other < 0)
    grad_other = grad * result * ln(2)
    """
    saved_names = ("other", "result")

    def backward(self, g):
        e, r = (s.unpack() for s in self._saved)
        nf = self.next_functions
        if e.dtype.is_floating_point:
            power = e.to(g.dtype).exp2()
        else:                                         # (PyTorch takes 2 ** e in integers here:
            ed = e._data                              # 0 for a negative e)
            power = Tensor._wrap(np.where(ed < 0, 0, np.left_shift(1, np.maximum(ed, 0))).astype(g._data.dtype))
        return (g * power if nf[0][0] is not None else None,
                g * r * math.log(2.0) if nf[1][0] is not None else None)


def ldexp(input: Tensor, other: Tensor) -> Tensor:
    """``input * 2 ** other`` (integers give the default float dtype)."""
    for name, pos, v in (("input", 1, input), ("other", 2, other)):
        if not isinstance(v, Tensor):
            raise arg_error("ldexp", name, pos, v)
    ad, bd, ta, tb = prep2(input, other)
    dt = ad.dtype if ad.dtype.kind == "f" else B.get_default_dtype().np
    out = (ad.astype(dt) * np.exp2(np.asarray(bd, dtype=dt))).astype(dt, copy=False)
    res = record(as_array(out), LdexpBackward0, (ta, tb), saved=(other,), save_output=True)
    note_broadcast(res, ta, tb)
    return res


for _f in (deg2rad, rad2deg, sinc, copysign, logaddexp2, heaviside, isposinf, isneginf, isreal, nansum, nanmean,
           frexp, ldexp):
    register(_f.__name__)(_f)

EXPORTS = ["deg2rad", "rad2deg", "sinc", "copysign", "logaddexp2", "heaviside", "isposinf", "isneginf", "isreal",
           "nansum", "nanmean", "frexp", "ldexp"]
