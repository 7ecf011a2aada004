"""Element-wise ops: arithmetic, powers, exp/log, trig, activations, clamp, where.

Each op is a forward function (computing arrays with numpy/cupy) next to its node
class, whose ``backward`` is the local derivative written with tensor ops. Names and
saved buffers follow PyTorch (``MulBackward0`` saves ``self`` and ``other``).
"""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

from .. import _backend as B
from .._tensor import Tensor
from ..autograd.grad_mode import STATE, no_grad
from ._core import (CPP_NAMES, DTYPE_WORDS, OpNode, _with_scalar, arg_error, as_array, as_method, bump, check_broadcast,
                    check_inplace, check_internal_overlap, check_overlap, memory_overlap, no_kernel,
                    note_broadcast, plain, prep2, record, register, warn_expanded, writable, write_fill,
                    written_into)
from ._layout import elementwise_layout as _laid
from .convert import _zeros_like
from .backward_ops import sigmoid_backward, tanh_backward, threshold_backward, threshold_kernel

_ndarray = np.ndarray

# ---------------------------------------------------------------------------
# add / sub / mul / div
# ---------------------------------------------------------------------------


class AddBackward0(OpNode):
    """Addition passes the gradient through unchanged to both inputs (the second one
    scaled by alpha, usually 1).

    out = self + alpha * other
    grad_self = grad
    grad_other = grad * alpha
    """
    fields = ("alpha",)

    def backward(self, g):
        alpha = self.alpha                            # (PyTorch's maybe_multiply: a Scalar product)
        return g, (g if alpha == 1 else mul_scalar(g, alpha))


class SubBackward0(AddBackward0):
    """Subtraction passes the gradient to the first input and its negative to the second.

    out = self - alpha * other
    grad_self = grad
    grad_other = -grad * alpha
    """

    def backward(self, g):
        alpha = self.alpha
        return g, (-g if alpha == 1 else mul_scalar(-g, alpha))


class RsubBackward1(AddBackward0):
    """number - self: the gradient comes back negated.

    out = other - alpha * self   (other: a number)
    grad_self = -grad * alpha
    """

    def backward(self, g):
        alpha = self.alpha
        return -g if alpha == 1 else mul_scalar(-g, alpha)


def _alpha_times(d: Any, alpha: Any) -> Any:
    return d if alpha == 1 else d * alpha


def _same(a: Any, b: Any) -> bool:
    """Fast-path test: two plain tensors of one dtype and device whose shapes broadcast."""
    if a.__class__ is Tensor and b.__class__ is Tensor:
        ad, bd = a._data, b._data
        if ad.dtype is bd.dtype and ad.__class__ is bd.__class__:
            if ad.shape != bd.shape:
                check_broadcast(ad.shape, bd.shape)
            return True
    return False


def _float_scalar(a: Any, b: Any) -> bool:
    """Fast-path test: a floating tensor and a Python float."""
    return b.__class__ is float and a.__class__ is Tensor and a._data.dtype.kind == "f"


def add(input: Any, other: Any, *, alpha: Any = 1, out: Any = None) -> Tensor:
    """``input + alpha * other`` with broadcasting."""
    if alpha == 1 and type(alpha) is not float:
        if _same(input, other):
            ad, bd = input._data, other._data
            res = record(_laid(ad + bd, ad, bd), AddBackward0, (input, other), alpha=1)
            if ad.shape != bd.shape:
                note_broadcast(res, input, other)
            return res
        if _float_scalar(input, other):
            return record(_laid(input._data + other, input, None), AddBackward0, (input, None), alpha=1)
    ad, bd, ta, tb = prep2(input, other)
    _integral_alpha(ad, alpha)
    data = _laid(as_array(ad + _alpha_times(bd, alpha)), input, other, dtype=ad.dtype)
    res = record(data, AddBackward0, (ta, tb), alpha=alpha)
    note_broadcast(res, ta, tb)
    return res


def _integral_alpha(ad: Any, alpha: Any) -> None:
    """An integer (or bool) result cannot be scaled by a float ``alpha``."""
    if isinstance(alpha, float) and getattr(ad, "dtype", None) is not None and ad.dtype.kind in "iub":
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")


def _is_bool(x: Any) -> bool:
    return type(x) is bool or isinstance(x, Tensor) and x._data.dtype.kind == "b"


def _sub_check(input: Any, other: Any, **kwargs: Any) -> None:
    """Subtraction refuses bools (before anything else: ``sub_`` too)."""
    a_bool, b_bool = _is_bool(input), _is_bool(other)
    if a_bool and b_bool:
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
            "`logical_xor()` operator instead.")
    if a_bool or b_bool:
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying "
            "to invert a mask, use the `~` or `logical_not()` operator instead.")


def sub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """``input - alpha * other`` with broadcasting."""
    if alpha == 1 and type(alpha) is not float:
        if _same(input, other) and input._data.dtype.kind != "b":
            ad, bd = input._data, other._data
            res = record(_laid(ad - bd, ad, bd), SubBackward0, (input, other), alpha=1)
            if ad.shape != bd.shape:
                note_broadcast(res, input, other)
            return res
        if _float_scalar(input, other):
            return record(_laid(input._data - other, input, None), SubBackward0, (input, None), alpha=1)
    _sub_check(input, other)
    if not isinstance(input, Tensor):               # number - tensor: PyTorch's rsub
        ad, bd, ta, tb = prep2(input, other)
        data = _laid(as_array(ad - _alpha_times(bd, alpha)), input, other, dtype=bd.dtype)
        return record(data, RsubBackward1, (tb,), number=True, alpha=alpha)
    ad, bd, ta, tb = prep2(input, other)
    _integral_alpha(ad, alpha)
    data = _laid(as_array(ad - _alpha_times(bd, alpha)), input, other, dtype=ad.dtype)
    res = record(data, SubBackward0, (ta, tb), alpha=alpha)
    note_broadcast(res, ta, tb)
    return res


class MulBackward0(OpNode):
    """Product rule: each input gets the gradient times the other input (saved during
    the forward pass for this purpose).

    out = self * other
    grad_self = grad * other
    grad_other = grad * self
    """
    saved_names = ("self", "other")

    def backward(self, g):
        a, b = self._saved
        return (None if b is None else g * b.unpack(),
                None if a is None else g * a.unpack())


def mul(input: Any, other: Any) -> Tensor:
    """Element-wise product with broadcasting."""
    if _same(input, other):
        ad, bd = input._data, other._data
        res = record(_laid(ad * bd, ad, bd), MulBackward0, (input, other),
                     saved=(input if other._requires_grad else None,
                            other if input._requires_grad else None))
        if ad.shape != bd.shape:
            note_broadcast(res, input, other)
        return res
    if _float_scalar(input, other):
        return record(_laid(input._data * other, input, None), MulBackward0, (input, None), saved=(None, other))
    ad, bd, ta, tb = prep2(input, other)
    if ta is None:                                  # number * tensor == tensor * number
        ad, bd, ta, tb = bd, ad, tb, ta
        input, other = other, input
    data = _laid(as_array(ad * bd), input, other, dtype=getattr(ad, "dtype", None))
    ra = ta is not None and ta._requires_grad
    rb = tb is not None and tb._requires_grad
    res = record(data, MulBackward0, (ta, tb),
                 saved=(input if rb else None, other if ra else None))
    note_broadcast(res, ta, tb)
    return res


class DivBackward0(OpNode):
    """Quotient rule: d(a/b)/da = 1/b and d(a/b)/db = -a/b².

    out = self / other
    grad_self = grad / other
    grad_other = -grad * self / other²
    """
    saved_names = ("self", "other")
    fields = ("_divisor",)                            # (other, when it is a number)

    def backward(self, g):
        a, b = self._saved
        bv = None if b is None else b.unpack()
        ga = None if b is None else g / bv
        if a is None:
            return ga, None
        av = a.unpack()
        if bv is None:
            bv = self._divisor
        return ga, -g * ((av / bv) / bv)              # (PyTorch's div_tensor_other_backward)


class MulBackward1(OpNode):
    """Multiplying by a number scales the gradient by that number (PyTorch's mul.Scalar:
    what its own backward formulas record when they scale a tensor by a number).

    out = self * other   (other: a number)
    grad_self = grad * other
    """
    fields = ("other",)

    def backward(self, g):
        return mul_scalar(g, self.other)


class DivBackward1(MulBackward1):
    """Dividing by a number divides the gradient by that number (PyTorch's div.Scalar).

    out = self / other   (other: a number)
    grad_self = grad / other
    """

    def backward(self, g):
        return div_scalar(g, self.other)


def mul_scalar(input: Tensor, other: Any) -> Tensor:
    """``input * other`` for a Python number, recorded as ``MulBackward1`` (a Python
    ``x * 2`` is ``MulBackward0``: PyTorch wraps the number into a tensor there)."""
    d = input._data
    return record(as_array((d * other).astype(d.dtype, copy=False)), MulBackward1, (input,), other=other)


class SubBackward1(OpNode):
    """Subtracting a number passes the gradient through (PyTorch's sub.Scalar).

    out = self - other   (other: a number)
    grad_self = grad
    """

    def backward(self, g):
        return g


def sub_scalar(input: Tensor, other: Any) -> Tensor:
    """``input - other`` for a Python number, recorded as ``SubBackward1``."""
    _sub_check(input, other)
    d = input._data
    return record(as_array((d - other).astype(d.dtype, copy=False)), SubBackward1, (input,))


class AddBackward1(SubBackward1):
    """Adding a number passes the gradient through (PyTorch's add.Scalar).

    out = self + other   (other: a number)
    grad_self = grad
    """


def add_scalar(input: Tensor, other: Any) -> Tensor:
    """``input + other`` for a Python number, recorded as ``AddBackward1`` (what PyTorch's
    backward formulas record for ``t + 1`` and ``1 + t``; a Python ``t + 1`` is an
    ``AddBackward0``)."""
    d = input._data
    return record(as_array((d + other).astype(d.dtype, copy=False)), AddBackward1, (input,))


def rsub_scalar(number: Any, input: Tensor) -> Tensor:
    """``number - input`` as PyTorch's C++ formulas spell it: a tensor filled with the
    number, then ``sub_``: a ``SubBackward0`` whose first edge is empty."""
    d = input._data
    return sub(Tensor._wrap(as_array(_xp(d).full(d.shape, number, dtype=d.dtype))), input)


def div_scalar(input: Tensor, other: Any) -> Tensor:
    """``input / other`` for a Python number, recorded as ``DivBackward1``."""
    d = input._data
    with np.errstate(divide="ignore", invalid="ignore"):     # (by 0: inf or nan, as C++)
        data = d / other
    return record(as_array(data.astype(d.dtype, copy=False)), DivBackward1, (input,), other=other)


def _masked(g: Tensor, keep: Tensor) -> Tensor:
    """``g`` where ``keep``, else 0: gradients are selected by masks, never multiplied by
    them (an inf or NaN upstream gradient times a 0 of the mask would give NaN)."""
    from .compare import where
    return where(keep, g, 0.0)


class ReciprocalBackward0(OpNode):
    """out = 1 / self  ->  grad_self = -grad * out^2."""
    __slots__ = ()
    saved_names = ("result",)

    def backward(self, g):
        r = self._saved[0].unpack()
        return -g * (r * r)                           # -grad * (result * result)


class DivBackward2(OpNode):
    """Division with a ``rounding_mode``: rounded, it is piecewise constant, so the gradient
    is zero; ``rounding_mode=None`` spelled out is true division (as DivBackward0)."""
    __slots__ = ()
    saved_names = ("self", "other")

    @property
    def _saved_rounding_mode(self) -> str | None:     # (None too: PyTorch shows it)
        return self.extra["rounding_mode"]

    def backward(self, g):
        if self.extra["rounding_mode"] is None:
            a, b = self._saved                        # (self is saved only for other's gradient)
            b = b.unpack()
            return g / b, None if a is None else -g * ((a.unpack() / b) / b)
        zero = _zeros_like(g)                        # (not g * 0: an inf in g must not give nan)
        return zero, zero


def _float_operands(ad: Any, bd: Any, ta: Tensor | None = None, tb: Tensor | None = None) -> tuple[Any, Any]:
    """True division of integer (or bool) operands happens in the default float dtype, each
    operand converted from its own dtype (``ta``/``tb``: the tensors before promotion; an
    int64 value that does not fit the promoted int32 is not wrapped first)."""
    a_float = getattr(ad, "dtype", None) is not None and ad.dtype.kind == "f"
    b_float = isinstance(bd, float) or getattr(bd, "dtype", None) is not None and bd.dtype.kind == "f"
    if not a_float and not b_float:
        dflt = B.get_default_dtype().np
        if getattr(ad, "dtype", None) is not None:
            ad = (ta._data if ta is not None else ad).astype(dflt)
        if getattr(bd, "dtype", None) is not None:
            bd = (tb._data if tb is not None else bd).astype(dflt)
    return ad, bd


_TRUE_DIVISION = "true"          # (no rounding_mode given at all; None given records DivBackward2)


def div(input: Any, other: Any, *, rounding_mode: Any = _TRUE_DIVISION) -> Tensor:
    """``input / other``; ``rounding_mode='trunc'`` or ``'floor'`` rounds the quotient."""
    if rounding_mode is _TRUE_DIVISION and _same(input, other) and input._data.dtype.kind == "f":
        ad, bd = input._data, other._data
        res = record(_laid(ad / bd, ad, bd), DivBackward0, (input, other),
                     saved=(input if other._requires_grad else None, other))
        if ad.shape != bd.shape:
            note_broadcast(res, input, other)
        return res
    if not isinstance(input, Tensor):               # number / tensor == number * (1 / tensor)
        return mul(reciprocal(other), input) if rounding_mode is _TRUE_DIVISION else \
            div(to_tensor_like(input, other), other, rounding_mode=rounding_mode)
    ad, bd, ta, tb = prep2(input, other)
    if rounding_mode is None:                        # spelled out: PyTorch's div.Tensor_mode
        ad, bd = _float_operands(ad, bd, ta, tb)
        res = record(_laid(as_array(ad / bd), input, other, dtype=ad.dtype), DivBackward2, (ta, tb),
                     saved=(input if tb is not None and tb.requires_grad else None, other),
                     extra={"rounding_mode": None})
    elif rounding_mode is _TRUE_DIVISION:
        ad, bd = _float_operands(ad, bd, ta, tb)
        rb = tb is not None and tb._requires_grad
        res = record(_laid(as_array(ad / bd), input, other, dtype=ad.dtype), DivBackward0, (ta, tb),
                     saved=(input if rb else None, other),
                     _divisor=other if tb is None else None)
    elif rounding_mode in ("trunc", "floor"):
        _refuse_bool(ad, bd, f"div_{rounding_mode}_cpu")
        _integer_division(ad, bd)
        xp = np if isinstance(ad, np.ndarray) else B.xp_of(ad)
        if ad.dtype.kind == "f" or isinstance(bd, float):
            with np.errstate(divide="ignore", invalid="ignore"):
                q = xp.floor_divide(ad, bd) if rounding_mode == "floor" else xp.trunc(ad / bd)
        elif rounding_mode == "floor":
            q = xp.floor_divide(ad, bd)
        else:
            q = (ad / bd).astype(np.float64)
            q = xp.trunc(q).astype(ad.dtype)
        res = record(_laid(as_array(q), input, other, dtype=ad.dtype), DivBackward2, (ta, tb),
                     saved=(input if tb is not None and tb.requires_grad else None, other),
                     extra={"rounding_mode": rounding_mode})
    else:
        raise RuntimeError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")
    note_broadcast(res, ta, tb)
    return res


def _integer_division(ad: Any, bd: Any) -> None:
    """Integer division by zero (``//``, ``%``, ``fmod``, rounding ``div``) is an error in
    PyTorch, where numpy quietly gives 0. PyTorch's kernel checks each divisor as it
    computes an element: an empty result checks none."""
    kinds = {getattr(ad, "dtype", np.dtype(type(ad))).kind, getattr(bd, "dtype", np.dtype(type(bd))).kind}
    if kinds <= {"i", "u", "b"} and getattr(ad, "size", 1) and not (bd.all() if hasattr(bd, "all") else bd):
        raise RuntimeError("ZeroDivisionError")


def _refuse_bool(ad: Any, bd: Any, kernel: str) -> None:
    """PyTorch has no bool kernel for some arithmetic: both operands bool is an error."""
    def is_bool(x: Any) -> bool:
        return type(x) is bool or getattr(x, "dtype", None) == np.bool_
    if is_bool(ad) and is_bool(bd):
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


def to_tensor_like(x: Any, like: Tensor) -> Tensor:
    from ._core import to_tensor
    return to_tensor(x, like)


def reciprocal(input: Tensor) -> Tensor:
    """``1 / input`` element-wise."""
    d = input._data
    if d.dtype.kind != "f":
        d = d.astype(B.get_default_dtype().np)
    return record(as_array(1 / d), ReciprocalBackward0, (input,), save_output=True)


class NegBackward0(OpNode):
    __slots__ = ()

    def backward(self, g):
        return -g


def _neg_check(input: Tensor) -> None:
    """Negation refuses bools (before anything else: ``neg_`` too)."""
    if input._data.dtype.kind == "b":
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
            "invert a mask, use the `~` or `logical_not()` operator instead.")


def neg(input: Tensor) -> Tensor:
    """``-input``."""
    _neg_check(input)
    return record(as_array(-input._data), NegBackward0, (input,))


# ---------------------------------------------------------------------------
# pow
# ---------------------------------------------------------------------------


class PowBackward0(OpNode):
    """out = self ** exponent (a number)  ->  grad * (exponent * self ** (exponent - 1)),
    the number as a float (PyTorch's ``pow_backward``: a ``MulBackward1`` of a
    ``PowBackward0`` under create_graph); exponent 0 gives zeros, self still unpacked
    (so still version-checked)."""
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, g):
        x = self._saved[0].unpack()
        e = self.extra
        if e == 0 and e.__class__ is not bool:         # (False is no 0 to PyTorch's Scalar)
            return _zeros_like(x)
        if isinstance(e, complex):
            return g * (e * x ** (e - 1))
        e = float(e)
        return g * mul_scalar(x.pow(e - 1), e)

    def _extra_saved(self, name):
        return self.extra if name == "exponent" else None


class PowBackward1(OpNode):
    """out = self ** exponent (both tensors)."""
    __slots__ = ()
    saved_names = ("self", "exponent", "result")

    def backward(self, g):
        x, e, r = (s.unpack() for s in self._saved)
        from .compare import where
        gx = where(e == 0, 0.0, g * (e * x ** sub_scalar(e, 1)))   # (x ** 0 is constant, even at x = 0)
        # as PyTorch's pow_backward_exponent: the log of self in the promoted dtype, times the
        # result, then the gradient (so a float32 self's log is taken in float64 for a float64 e)
        common = B.result_type((x.dtype, 2 if x.ndim else 1), (e.dtype, 2 if e.ndim else 1))
        ge = g * where((x == 0) & (e >= 0), 0.0, r * x.to(common).log())
        return gx, ge


class PowBackward2(OpNode):
    """out = number ** exponent  ->  grad = grad * out * log(number)."""
    __slots__ = ()
    saved_names = ("exponent", "result")

    def backward(self, g):
        e, r = (s.unpack() for s in self._saved)
        base = self.extra
        if base == 0:                    # log(0) = -inf: it counts where 0 ** e is inf (e < 0)
            from .compare import where
            return g * where(e >= 0, 0.0, mul_scalar(r, float("-inf")))
        return g * mul_scalar(r, float(np.log(base)))

    def _extra_saved(self, name):
        return self.extra if name == "self" else None


def pow(input: Any, exponent: Any) -> Tensor:
    """``input ** exponent``; either side may be a number."""
    if not isinstance(input, Tensor):
        ad, bd, _, tb = prep2(input, exponent)
        _refuse_bool(ad, bd, "pow")
        if isinstance(ad, (int, bool)) and bd.dtype.kind == "f":
            ad = float(ad)
        return record(as_array(_int_power(ad, bd) if isinstance(bd, np.ndarray) else ad ** bd),
                      PowBackward2, (tb,), saved=(exponent,), save_output=True, extra=input)
    if not isinstance(exponent, Tensor):
        ad, e, ta, _ = prep2(input, exponent)
        if ad.dtype.kind in "iub" and isinstance(e, int) and e < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        if ad.dtype == np.bool_ and type(e) is bool:       # bool ** bool stays bool
            data = ad | (not e)
        elif e == 2:
            data = ad * ad
        elif e == 0.5 or e == -0.5:                   # PyTorch's kernels: sqrt / rsqrt (so (-inf)
            with np.errstate(invalid="ignore"):      # ** 0.5 is nan, not numpy's inf)
                data = _xp(ad).sqrt(ad) if e == 0.5 else 1 / _xp(ad).sqrt(ad)
        else:
            data = ad ** e
        return record(as_array(data), PowBackward0, (ta,), saved=(input,), extra=exponent)
    ad, bd, ta, tb = prep2(input, exponent)
    _refuse_bool(ad, bd, "pow")
    data = _laid(as_array(_int_power(ad, bd)), input, exponent, dtype=bd.dtype)
    res = record(data, PowBackward1, (ta, tb), saved=(input, exponent),
                 save_output=True)
    note_broadcast(res, ta, tb)
    return res


def _int_power(base: Any, e: Any) -> Any:
    """``base ** e`` elementwise; for integers a negative exponent gives PyTorch's integer
    result (1 for base 1, +-1 for base -1, else 0) where numpy refuses."""
    xp = _xp(e)
    kind = getattr(base, "dtype", np.dtype(type(base))).kind
    if kind not in "iub" or e.dtype.kind not in "iu" or xp.all(e >= 0):
        if not e.ndim and getattr(base, "ndim", 0) and e == 0.5:   # (numpy takes x ** 0.5 for sqrt
            e = xp.full(base.shape, e, e.dtype)       # even from a 0-d array or a stride-0 view:
                                                      # -inf ** 0.5 would be nan, not C's inf)
        return xp.power(base, e)
    neg = e < 0
    out = xp.power(base, xp.where(neg, 0, e))
    minus_one = xp.where(e % 2 == 0, 1, -1).astype(out.dtype)
    at_neg = xp.where(base == 1, 1, xp.where(base == -1, minus_one, 0)).astype(out.dtype)
    return xp.where(neg, at_neg, out)


# ---------------------------------------------------------------------------
# remainder / floor_divide
# ---------------------------------------------------------------------------


class RemainderBackward0(OpNode):
    __slots__ = ()

    def backward(self, g):
        return g


class RemainderBackward1(OpNode):
    """out = self - floor(self / other) * other: dself = g, dother = -g floor(self / other)."""
    __slots__ = ()
    saved_names = ("self", "other")
    saved_for = ((1,), (1,))                          # both only for other's gradient
    rounding = "floor"                                # (fmod's quotient is truncated instead)

    def backward(self, g):
        a, b = self._saved
        if b is None:
            return g, None
        return g, -g * div(a.unpack(), b.unpack(), rounding_mode=self.rounding)


class NoDerivative(OpNode):
    """A node for an op whose derivative PyTorch does not define.

    PyTorch numbers this node 2**64 - 1 (its ``_sequence_nr()``), not by creation: among
    the nodes ready to run it comes first, so its error is raised before any other node
    of the pass runs (a version error further down, say)."""
    __slots__ = ()
    runs_without_grad = True          # PyTorch's engine runs it, and it raises, even for no gradient
    # (the number every node gets when recorded is ignored: this one is fixed)
    _seq = property(lambda self: (1 << 64) - 1, lambda self, value: None)

    def name(self) -> str:
        return "torch::autograd::NotImplemented"

    def backward(self, *g):
        # extra: the op's name ("floor_divide" is shown as aten::floor_divide), or
        # (name, False) for the few ops PyTorch names without the prefix (set_)
        name, aten = self.extra if isinstance(self.extra, tuple) else (self.extra, True)
        raise RuntimeError(f"derivative for {'aten::' if aten else ''}{name} is not implemented")


# PyTorch's name for this node (type(node).__name__, what pictures and reprs show); the
# class keeps another name here so that Python's NotImplemented is not shadowed.
NoDerivative.__name__ = NoDerivative.__qualname__ = "NotImplemented"


def remainder(input: Any, other: Any) -> Tensor:
    """Python's ``%``: the result has the sign of ``other``."""
    ad, bd, ta, tb = prep2(input, other)
    _refuse_bool(ad, bd, "remainder_cpu")
    _integer_division(ad, bd)
    xp = B.xp_of(ad) if isinstance(ad, np.ndarray) or hasattr(ad, "device") else np
    with np.errstate(divide="ignore", invalid="ignore"):
        m = xp.fmod(ad, bd)                          # PyTorch's: fmod, moved by one divisor when the
        data = as_array(xp.where((m != 0) & ((bd < 0) != (m < 0)), m + bd, m))   # signs differ
    data = _laid(data.astype(xp.result_type(ad, bd), copy=False), input, other)
    if tb is None:
        return record(data, RemainderBackward0, (ta,), number=True)
    if ta is None:                                   # number % tensor: no derivative in PyTorch
        return record(data, NoDerivative, (tb,), extra="remainder")
    res = record(data, RemainderBackward1, (ta, tb), saved=_needed(RemainderBackward1, (input, other), (ta, tb)))
    note_broadcast(res, ta, tb)
    return res


class FmodBackward0(RemainderBackward0):
    """out = fmod(self, number)  ->  grad_self = grad."""
    __slots__ = ()


class FmodBackward1(RemainderBackward1):
    """out = self - trunc(self / other) * other: dself = g, dother = -g trunc(self / other)."""
    __slots__ = ()
    rounding = "trunc"


def fmod(input: Tensor, other: Any) -> Tensor:
    """C's ``fmod``: the remainder of a division rounded toward zero (the sign of ``input``)."""
    if not isinstance(input, Tensor):
        raise TypeError(
            f"fmod() received an invalid combination of arguments - got ({type(input).__name__}, "
            f"{type(other).__name__}), but expected one of:\n * (Tensor input, Tensor other, *, Tensor out = None)\n"
            " * (Tensor input, Number other, *, Tensor out = None)\n")
    ad, bd, ta, tb = prep2(input, other)
    _refuse_bool(ad, bd, "fmod_cpu")
    _integer_division(ad, bd)
    xp = B.xp_of(ad)
    with np.errstate(divide="ignore", invalid="ignore"):
        data = as_array(xp.fmod(ad, bd)).astype(xp.result_type(ad, bd), copy=False)
    if tb is None:
        return record(_laid(data, input, None), FmodBackward0, (ta,), number=True)
    res = record(_laid(data, input, other), FmodBackward1, (ta, tb),
                 saved=_needed(FmodBackward1, (input, other), (ta, tb)))
    note_broadcast(res, ta, tb)
    return res


def floor_divide(input: Any, other: Any) -> Tensor:
    """``input // other`` (not differentiable)."""
    ad, bd, ta, tb = prep2(input, other)
    _refuse_bool(ad, bd, "div_floor_cpu")
    _integer_division(ad, bd)
    data = _laid(as_array(np.floor_divide(ad, bd)), input, other)
    # PyTorch's NotImplemented node has an edge only for each input that requires grad
    live = tuple(t for t in (ta, tb) if t is not None and t.requires_grad)   # (views too)
    return record(data, NoDerivative, live, extra="floor_divide",      # (an ordinary input or a
                  number=not (ta is not None and ta._is_inference and tb is not None and tb._is_inference))


# ---------------------------------------------------------------------------
# unary functions
# ---------------------------------------------------------------------------


def _floating(input: Tensor) -> Any:
    d = input._data
    return d if d.dtype.kind == "f" else d.astype(B.get_default_dtype().np)


_xp = B.xp_of                                         # (numpy or cupy, for an array)


def _unary(name: str, fn: str, node: type, save: str, doc: str, floating: bool = True):
    """Build the forward function of a one-input op from its array function."""
    np_fn = getattr(np, fn)                            # looked up once, not per call
    save_self, save_result = save == "self", save == "result"

    def op(input: Tensor) -> Tensor:
        d = input._data
        if floating and d.dtype.kind != "f":
            d = d.astype(B.get_default_dtype().np)
        data = _laid(np_fn(d) if d.__class__ is _ndarray else getattr(B.xp_of(d), fn)(d), input)
        mode = STATE.mode
        if mode:                                      # nothing to record
            return plain(data, mode > 1)
        return record(data, node, (input,), (input,) if save_self else (), save_result)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


class AbsBackward0(OpNode):
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, g):
        return g * self._saved[0].unpack().sgn()


class SignBackward0(OpNode):
    __slots__ = ()

    def backward(self, g):
        return _zeros_like(g)


class SgnBackward0(OpNode):
    """sgn is sign extended to complex numbers; for real tensors PyTorch's sgn_backward
    gives zeros (what it saves serves the complex case)."""
    __slots__ = ()
    saved_names = ("self", "result")

    def backward(self, g):
        return _zeros_like(g)


class SqrtBackward0(OpNode):
    __slots__ = ()
    saved_names = ("result",)

    def backward(self, g):
        return g / mul_scalar(self._saved[0].unpack(), 2)           # grad / (2 * result)


class RsqrtBackward0(OpNode):
    __slots__ = ()
    saved_names = ("result",)

    def backward(self, g):
        return mul_scalar(g, -0.5) * self._saved[0].unpack().pow(3)   # -0.5 * grad * result.pow(3)


class ExpBackward0(OpNode):
    __slots__ = ()
    saved_names = ("result",)

    def backward(self, g):
        return g * self._saved[0].unpack()


class LogBackward0(OpNode):
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, g):
        return g / self._saved[0].unpack()


class Log1PBackward0(OpNode):
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, g):
        return g / add_scalar(self._saved[0].unpack(), 1)          # log1p_backward: grad / (self + 1)


class Expm1Backward0(OpNode):
    __slots__ = ()
    saved_names = ("result",)

    def backward(self, g):
        return g * add_scalar(self._saved[0].unpack(), 1)          # grad * (result + 1)


class SinBackward0(OpNode):
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, g):
        return g * self._saved[0].unpack().cos()


class CosBackward0(OpNode):
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, g):
        return g * -self._saved[0].unpack().sin()


class TanBackward0(OpNode):
    __slots__ = ()
    saved_names = ("result",)

    def backward(self, g):
        return g * add_scalar(self._saved[0].unpack().pow(2), 1)   # grad * (1 + result.pow(2))


class TanhBackward0(OpNode):
    """grad = tanh_backward(g, result) = g * (1 - result^2)."""
    __slots__ = ()
    saved_names = ("result",)

    def backward(self, g):
        return tanh_backward(g, self._saved[0].unpack())


class SigmoidBackward0(OpNode):
    """grad = sigmoid_backward(g, result) = g * result * (1 - result)."""
    __slots__ = ()
    saved_names = ("result",)

    def backward(self, g):
        return sigmoid_backward(g, self._saved[0].unpack())


class ReluBackward0(OpNode):
    """grad = threshold_backward(g, result, 0): g except where the result is <= 0 (so a
    NaN result passes g, as in PyTorch)."""
    __slots__ = ()
    saved_names = ("result",)

    def backward(self, g):
        if STATE.mode & 1 and g.__class__ is Tensor:  # first order: nothing records, the
            gd, rd = g._data, self._saved[0].unpack_data()     # kernel on the arrays
            return Tensor._wrap(as_array(threshold_kernel(gd, rd, 0)))
        return threshold_backward(g, self._saved[0].unpack(), 0)


_abs = _unary("abs", "abs", AbsBackward0, "self", "Absolute value |x|.", floating=False)


def abs(input: Tensor) -> Tensor:  # noqa: A001 - torch's name
    """Absolute value |x| (PyTorch has no bool kernel)."""
    if input._data.dtype.kind == "b":
        raise no_kernel("abs_cpu", input._data.dtype)
    return _abs(input)


def _sign_data(d: Any) -> Any:
    """-1, 0 or 1 for each element (0 for NaN, as PyTorch; a bool stays itself)."""
    if d.dtype.kind == "b":
        return d.copy()
    out = _xp(d).sign(d)
    if d.dtype.kind == "f":
        out = _xp(d).where(out != out, 0, out).astype(d.dtype, copy=False)
    return as_array(out)


def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1: the sign of each element (0 for NaN, as PyTorch; a bool stays itself)."""
    return record(_sign_data(input._data), SignBackward0, (input,))


def sgn(input: Tensor) -> Tensor:
    """``sign`` extended to complex numbers (``x / |x|``); for real tensors, ``sign``."""
    return record(_sign_data(input._data), SgnBackward0, (input,), (input,), True)
sqrt = _unary("sqrt", "sqrt", SqrtBackward0, "result", "Square root; d/dx sqrt(x) = 1 / (2 sqrt(x)).")
exp = _unary("exp", "exp", ExpBackward0, "result", "e^x; its derivative is itself, so the node saves the result.")
log = _unary("log", "log", LogBackward0, "self", "Natural logarithm; d/dx log(x) = 1/x.")
log1p = _unary("log1p", "log1p", Log1PBackward0, "self", "log(1 + x), accurate for small x.")
expm1 = _unary("expm1", "expm1", Expm1Backward0, "result", "e^x - 1, accurate for small x.")
sin = _unary("sin", "sin", SinBackward0, "self", "Sine; d/dx sin(x) = cos(x).")
cos = _unary("cos", "cos", CosBackward0, "self", "Cosine; d/dx cos(x) = -sin(x).")
tan = _unary("tan", "tan", TanBackward0, "result", "Tangent; d/dx tan(x) = 1 + tan(x)^2.")
tanh = _unary("tanh", "tanh", TanhBackward0, "result", "Hyperbolic tangent; d/dx tanh(x) = 1 - tanh(x)^2.")


# --- hyperbolic, inverse trigonometric, base-2 and base-10 --------------------------
class SinhBackward0(OpNode):
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, g):
        return g * self._saved[0].unpack().cosh()


class CoshBackward0(OpNode):
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, g):
        return g * self._saved[0].unpack().sinh()


class AsinBackward0(OpNode):
    """d/dx asin(x) = 1 / sqrt(1 - x^2)."""
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, g):
        x = self._saved[0].unpack()
        return g * add_scalar(-x * x, 1).rsqrt()                   # grad * (-self * self + 1).rsqrt()


class AcosBackward0(OpNode):
    """d/dx acos(x) = -1 / sqrt(1 - x^2)."""
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, g):
        x = self._saved[0].unpack()
        return g * -add_scalar(-x * x, 1).rsqrt()                  # grad * -((-self * self + 1).rsqrt())


class AtanBackward0(OpNode):
    """d/dx atan(x) = 1 / (1 + x^2)."""
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, g):
        x = self._saved[0].unpack()
        return g / add_scalar(x * x, 1)                             # grad / (self * self + 1)


class AsinhBackward0(OpNode):
    """d/dx asinh(x) = 1 / sqrt(x^2 + 1)."""
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, g):
        return g * add_scalar(self._saved[0].unpack().pow(2), 1).rsqrt()   # grad * (self.pow(2) + 1).rsqrt()


class AcoshBackward0(OpNode):
    """d/dx acosh(x) = 1 / sqrt(x^2 - 1)."""
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, g):
        x = self._saved[0].unpack()                  # grad * (self * self - 1).rsqrt(), finite below
        return g * sub_scalar(x * x, 1).rsqrt()       # -1 too, as PyTorch's


class AtanhBackward0(OpNode):
    """d/dx atanh(x) = 1 / (1 - x^2)."""
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, g):
        # grad * 1 / (1 - self.pow(2)): C++'s number - tensor is a filled tensor's sub_
        return mul_scalar(g, 1) / rsub_scalar(1, self._saved[0].unpack().pow(2))


class Log2Backward0(OpNode):
    """d/dx log2(x) = 1 / (x ln 2)."""
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, g):
        return g / mul_scalar(self._saved[0].unpack(), 0.6931471805599453)   # grad / (self * ln 2)


class Log10Backward0(OpNode):
    """d/dx log10(x) = 1 / (x ln 10)."""
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, g):
        return g / mul_scalar(self._saved[0].unpack(), 2.3025850929940456)   # grad / (self * ln 10)


class Exp2Backward0(OpNode):
    """d/dx 2^x = 2^x ln 2: the node saves the result."""
    __slots__ = ()
    saved_names = ("result",)

    def backward(self, g):
        return mul_scalar(g * self._saved[0].unpack(), math.log(2.0))   # grad * result * M_LN2


sinh = _unary("sinh", "sinh", SinhBackward0, "self", "Hyperbolic sine; d/dx sinh(x) = cosh(x).")
cosh = _unary("cosh", "cosh", CoshBackward0, "self", "Hyperbolic cosine; d/dx cosh(x) = sinh(x).")
asin = _unary("asin", "arcsin", AsinBackward0, "self", "Inverse sine (nan outside [-1, 1]).")
acos = _unary("acos", "arccos", AcosBackward0, "self", "Inverse cosine (nan outside [-1, 1]).")
atan = _unary("atan", "arctan", AtanBackward0, "self", "Inverse tangent; d/dx atan(x) = 1 / (1 + x^2).")
asinh = _unary("asinh", "arcsinh", AsinhBackward0, "self", "Inverse hyperbolic sine.")
acosh = _unary("acosh", "arccosh", AcoshBackward0, "self", "Inverse hyperbolic cosine (nan below 1).")
atanh = _unary("atanh", "arctanh", AtanhBackward0, "self", "Inverse hyperbolic tangent (nan outside [-1, 1]).")
log2 = _unary("log2", "log2", Log2Backward0, "self", "Base-2 logarithm.")
log10 = _unary("log10", "log10", Log10Backward0, "self", "Base-10 logarithm.")
exp2 = _unary("exp2", "exp2", Exp2Backward0, "result", "2^x; the node saves the result.")


def square(input: Tensor) -> Tensor:
    """``x * x``, recorded as PyTorch records it: ``pow(x, 2)`` (a PowBackward0)."""
    return pow(input, 2)


def rsqrt(input: Tensor) -> Tensor:
    """1 / sqrt(x)."""
    d = _floating(input)
    return record(as_array(1 / _xp(d).sqrt(d)), RsqrtBackward0, (input,), save_output=True)


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + e^-x); its derivative is s * (1 - s), so the node saves the result."""
    d = _floating(input)
    xp = _xp(d)
    with np.errstate(over="ignore"):
        data = 1 / (1 + xp.exp(-d))
    return record(as_array(data.astype(d.dtype, copy=False)), SigmoidBackward0, (input,),
                  save_output=True)


def _relu_check(input: Tensor) -> None:
    """ReLU refuses bools (before anything else: ``relu_`` too)."""
    if input._data.dtype.kind == "b":
        raise RuntimeError("Boolean inputs not supported for relu")


def relu(input: Tensor) -> Tensor:
    """max(x, 0); the gradient passes where the result is not <= 0 (positive, or NaN)."""
    d = input._data                   # (maximum(0, x) keeps a -0. as PyTorch; maximum(x, 0) not)
    _relu_check(input)
    if d.__class__ is np.ndarray and d.ndim and d.dtype.kind == "f":
        return record(np.maximum(0, d), ReluBackward0, (input,), (), True)   # (keeps d's dtype)
    return record(as_array(_xp(d).maximum(0, d).astype(d.dtype, copy=False)), ReluBackward0,
                  (input,), save_output=True)


# ---------------------------------------------------------------------------
# clamp, maximum, minimum
# ---------------------------------------------------------------------------


class ClampBackward1(OpNode):
    """Gradient passes where min <= self <= max."""
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, g):
        x = self._saved[0].unpack()
        lo, hi = self.extra
        mask = None
        if lo is not None:
            mask = x >= lo
        if hi is not None:
            m2 = x <= hi
            mask = m2 if mask is None else mask & m2
        return _masked(g, mask)

    def _extra_saved(self, name):
        if name in ("min", "max"):
            return self.extra[0 if name == "min" else 1]
        return None


class ClampBackward0(OpNode):
    """clamp with tensor bounds: gradient to self where it was inside, else to the bound."""
    __slots__ = ()
    saved_names = ("self", "min", "max")

    def backward(self, g):
        # PyTorch's rule, comparisons that a NaN fails everywhere (it gets no gradient):
        # self where min <= self <= max; min where self < min (and min < max); max where
        # self > max (or max < min: then max won)
        x, lo, hi = (None if s is None else s.unpack() for s in self._saved)
        if lo is None:
            return _masked(g, x <= hi), None, _masked(g, x > hi)
        if hi is None:
            return _masked(g, x >= lo), _masked(g, x < lo), None
        return (_masked(g, (x >= lo) & (x <= hi)), _masked(g, (x < lo) & (lo < hi)),
                _masked(g, (x > hi) | (hi < lo)))


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Limit every element to ``[min, max]`` (either bound may be None)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    d = input._data
    xp = _xp(d)
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        from ._core import to_tensor
        lo = None if min is None else to_tensor(min, input)
        hi = None if max is None else to_tensor(max, input)
        for b in (lo, hi):
            if b is not None:
                check_broadcast(d.shape, b._data.shape)
        dt = B.result_type(*[(B._FROM_NP[t._data.dtype], 2 if t._data.ndim else 1)   # promoted with
                             for t in (input, lo, hi) if t is not None]).np          # the bounds
        out = d
        if lo is not None:
            out = xp.maximum(out, lo._data)
        if hi is not None:
            out = xp.minimum(out, hi._data)
        res = record(as_array(out.astype(dt, copy=False)), ClampBackward0, (input, lo, hi),
                     saved=(input, lo, hi))
        note_broadcast(res, input, lo, hi)
        return res
    for bound in (min, max):                          # the result dtype promotes with the bounds
        if bound is not None:
            d = _with_scalar(d, bound)[0]
    if d.dtype.kind == "b":                           # bool bounds on a bool tensor: no kernel
        raise no_kernel("clamp_scalar_cpu" if min is not None and max is not None else
                        "clamp_min_scalar_cpu" if min is not None else "clamp_max_scalar_cpu", d.dtype)
    out = xp.clip(d, min, max)
    return record(as_array(out.astype(d.dtype, copy=False)), ClampBackward1, (input,),
                  saved=(input,), extra=(min, max))


class MaximumBackward0(OpNode):
    """Gradient goes to the larger input; ties share it half and half."""
    __slots__ = ()
    saved_names = ("self", "other")
    _pick = "gt"

    def backward(self, g):
        # PyTorch's formula, per side that needs it: where(self == other, grad / 2, grad)
        # .masked_fill_(beaten, 0): ties split, a side loses only where it is strictly
        # beaten (so a NaN sends both sides the whole grad)
        a, b = (s.unpack() for s in self._saved)
        from .compare import where
        a_loses = (a < b) if self._pick == "gt" else (a > b)
        b_loses = (a > b) if self._pick == "gt" else (a < b)
        return tuple(None if edge[0] is None else where(a == b, div_scalar(g, 2), g).masked_fill_(loses, 0)
                     for edge, loses in zip(self.next_functions, (a_loses, b_loses)))


class MinimumBackward0(MaximumBackward0):
    __slots__ = ()
    _pick = "lt"


def _minmax2(input: Tensor, other: Tensor, fn: str, node: type) -> Tensor:
    if not isinstance(other, Tensor):
        raise arg_error(fn, "other", 2, other)
    ad, bd, ta, tb = prep2(input, other)
    data = _laid(as_array(getattr(_xp(ad), fn)(ad, bd)), input, other, dtype=ad.dtype)
    res = record(data, node, (ta, tb), saved=(input, other))
    note_broadcast(res, ta, tb)
    return res


class ClampMinBackward0(OpNode):
    """out = max(x, min) with a number: the gradient passes where x >= min."""
    __slots__ = ()
    saved_names = ("self",)
    _keep = "ge"

    def backward(self, g):
        x = self._saved[0].unpack()
        keep = (x >= self.extra) if self._keep == "ge" else (x <= self.extra)
        return _masked(g, keep)

    def _extra_saved(self, name):
        return self.extra if name == ("min" if self._keep == "ge" else "max") else None


class ClampMaxBackward0(ClampMinBackward0):
    __slots__ = ()
    _keep = "le"


class ClampMinBackward1(OpNode):
    """out = max(x, min) with a tensor bound: x's gradient where x >= min, min's elsewhere."""
    __slots__ = ()
    saved_names = ("self", "min")
    _keep = "ge"

    def backward(self, g):
        x, bound = (s.unpack() for s in self._saved)     # (a NaN fails both comparisons)
        if self._keep == "ge":
            return _masked(g, x >= bound), _masked(g, x < bound)
        return _masked(g, x <= bound), _masked(g, x > bound)


class ClampMaxBackward1(ClampMinBackward1):
    __slots__ = ()
    saved_names = ("self", "max")
    _keep = "le"


def _clamp_one(input: Tensor, bound: Any, low: bool) -> Tensor:
    if isinstance(bound, Tensor):
        node = ClampMinBackward1 if low else ClampMaxBackward1
        ad, bd, ta, tb = prep2(input, bound)
        res = record(as_array((_xp(ad).maximum if low else _xp(ad).minimum)(ad, bd)), node, (ta, tb),
                     saved=(input, bound))
        note_broadcast(res, ta, tb)
        return res
    d = _with_scalar(input._data, bound)[0]           # the result dtype promotes with the bound
    if d.dtype.kind == "b":
        raise no_kernel("clamp_min_scalar_cpu" if low else "clamp_max_scalar_cpu", d.dtype)
    out = as_array(_xp(d).clip(d, bound if low else None, None if low else bound)).astype(d.dtype, copy=False)
    return record(out, ClampMinBackward0 if low else ClampMaxBackward0, (input,), saved=(input,),
                  extra=bound)


class LogitBackward0(OpNode):
    """d/dx log(x / (1 - x)) = 1 / (x (1 - x)); with ``eps``, 0 outside [eps, 1 - eps].

    As PyTorch: without create_graph its kernel (``logit_backward``) gives ``g * inf`` at
    x = 0 and x = 1 (so +inf at -0.0 too) and nan outside [0, 1] (no eps, or a negative
    one); with create_graph the differentiable form ``g / (x (1 - x))`` inside [lo, hi]."""
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, g):
        x = self._saved[0].unpack()
        eps = self.extra
        from .compare import where
        out = g / (x * rsub_scalar(1, x))
        if STATE.grad_enabled:                        # infinitely_differentiable_logit_backward
            lo = 0.0 if eps is None else eps
            return where((x >= lo) & (x <= 1 - lo), out, 0.0 if eps is not None else float("nan"))
        out = where((x == 0) | (x == 1), g * float("inf"), out)
        if eps is None or eps < 0:                    # outside [0, 1] logit is nan: so is its slope
            return where((x < 0) | (x > 1), float("nan"), out)
        return where((x < eps) | (x > 1 - eps), 0.0, out)

    def _extra_saved(self, name):
        if name == "eps":
            return self.extra
        return None


def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """``log(x / (1 - x))``, the inverse of sigmoid; ``eps`` first clamps x to [eps, 1 - eps]."""
    d = input._data
    if d.dtype.kind != "f":
        d = d.astype(B.get_default_dtype().np)
    xp = _xp(d)
    z = d if eps is None else xp.clip(d, eps, 1 - eps)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = xp.log(z / (1 - z)).astype(d.dtype, copy=False)
    return record(as_array(out), LogitBackward0, (input,), saved=(input,), extra=eps)


class NanToNumBackward0(OpNode):
    """The gradient passes where x was finite; replaced values get none."""
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, g):                            # (PyTorch multiplies by the mask)
        return g * self._saved[0].unpack().isfinite()


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """NaN -> ``nan``, +inf -> ``posinf``, -inf -> ``neginf`` (default: the dtype's largest
    and smallest finite values)."""
    d = input._data
    out = _xp(d).nan_to_num(d, copy=True, nan=nan, posinf=posinf, neginf=neginf)
    return record(as_array(out), NanToNumBackward0, (input,), saved=(input,))


def clamp_min(input: Tensor, min: Any) -> Tensor:
    """``max(input, min)``: clamp from below only (a number or a tensor)."""
    return _clamp_one(input, min, True)


def clamp_max(input: Tensor, max: Any) -> Tensor:
    """``min(input, max)``: clamp from above only (a number or a tensor)."""
    return _clamp_one(input, max, False)


def maximum(input: Tensor, other: Tensor) -> Tensor:
    """Element-wise larger of two tensors."""
    return _minmax2(input, other, "maximum", MaximumBackward0)


def minimum(input: Tensor, other: Tensor) -> Tensor:
    """Element-wise smaller of two tensors."""
    return _minmax2(input, other, "minimum", MinimumBackward0)


class FmaxBackward0(OpNode):
    """fmax ignores a NaN (the other value wins): the gradient goes to self where
    ``self >= other`` or other is NaN, to other elsewhere (no split at ties)."""
    __slots__ = ()
    saved_names = ("self", "other")
    _pick = "ge"

    def backward(self, g):
        a, b = (s.unpack() for s in self._saved)
        a_wins = ((a >= b) if self._pick == "ge" else (a <= b)) | b.isnan()
        return (None if self.next_functions[0][0] is None else g.masked_fill(a_wins.logical_not(), 0),
                None if self.next_functions[1][0] is None else g.masked_fill(a_wins, 0))


class FminBackward0(FmaxBackward0):
    __slots__ = ()
    _pick = "le"


def fmax(input: Tensor, other: Tensor) -> Tensor:
    """Element-wise larger of two tensors, a NaN losing to a number."""
    return _minmax2(input, other, "fmax", FmaxBackward0)


def fmin(input: Tensor, other: Tensor) -> Tensor:
    """Element-wise smaller of two tensors, a NaN losing to a number."""
    return _minmax2(input, other, "fmin", FminBackward0)


# --- atan2, hypot, logaddexp: two floating inputs, broadcast ----------------------
class Atan2Backward0(OpNode):
    """out = atan2(y, x): dy = x / (x^2 + y^2), dx = -y / (x^2 + y^2)."""
    __slots__ = ()
    saved_names = ("self", "other")

    def backward(self, g):
        y, x = (s.unpack() for s in self._saved)
        from .compare import where
        r2 = x * x + y * y                            # 1 / r2 taken as 0 at the origin (PyTorch:
        recip = where(r2 == 0, 0.0, r2.reciprocal())  # a 0 there, signed, and NaN for a NaN g)
        return g * x * recip, g * -y * recip


class HypotBackward0(OpNode):
    """out = sqrt(a^2 + b^2): da = a / out, db = b / out."""
    __slots__ = ()
    saved_names = ("self", "other", "result")
    saved_for = ((0,), (1,))                          # self for self's gradient, other for other's

    def backward(self, g):
        a, b, r = self._saved                         # (an input saved only when its own
        r = r.unpack()                                # gradient is needed)
        return None if a is None else g * a.unpack() / r, None if b is None else g * b.unpack() / r


class LogaddexpBackward0(OpNode):
    """out = log(e^a + e^b): da = 1 / (1 + e^(b - a)), db = 1 / (1 + e^(a - b))."""
    __slots__ = ()
    saved_names = ("self", "other")

    def backward(self, g):
        a, b = (s.unpack() for s in self._saved)
        return g / ((b - a).exp() + 1), g / ((a - b).exp() + 1)


def has_edge(t: Tensor) -> bool:
    """Does a node get an edge to ``t`` (so its gradient will be computed)? A view made under
    no_grad of a leaf that requires grad requires grad, yet has none."""
    return t.requires_grad and (t._base is None or t._grad_fn is not None or t._requires_grad)


def _needed(node: type, values: tuple, inputs: tuple) -> tuple:
    """What a node saves, as PyTorch does: a value only when the gradient of an input that
    uses it will be computed (``node.saved_for[i]``: the inputs whose gradient uses value
    i; a node without it saves everything). What is not saved is None (so an inference
    tensor there, or one changed in place later, is no error)."""
    uses = getattr(node, "saved_for", None)
    if uses is None:
        return values
    req = [t is not None and has_edge(t) for t in inputs]
    return tuple(v if any(req[k] for k in uses[i]) else None for i, v in enumerate(values))


def _float_binary(fn: str, np_fn: str, node: type, input: Tensor, other: Tensor, ints: bool) -> Tensor:
    """A binary op of floating tensors (``ints``: integers become the default float dtype,
    else PyTorch's "not implemented" error); the node saves both inputs, and the result
    when it names one."""
    if not isinstance(other, Tensor):
        raise arg_error(fn, "other", 2, other)
    ad, bd, ta, tb = prep2(input, other)
    if ad.dtype.kind != "f":
        if not ints:
            raise no_kernel(f"{fn}_cpu", ad.dtype)
        ad, bd = _float_operands(ad, bd, ta, tb)     # (each from its own dtype)
    out = _laid(as_array(getattr(_xp(ad), np_fn)(ad, bd).astype(ad.dtype, copy=False)), input, other,
                dtype=ad.dtype)
    res = record(out, node, (ta, tb), saved=_needed(node, (input, other), (ta, tb)),
                 save_output="result" in node.saved_names)
    note_broadcast(res, ta, tb)
    return res


class XlogyBackward0(OpNode):
    """out = x log(y) (0 where x == 0): dx = g log(y) (0 where g is 0, and where x == 0
    with y <= 0), dy = g x / y. One node per form, as PyTorch: XlogyBackward0 (two
    tensors), XlogyBackward1 (a number x), XlogyBackward2 (a number y)."""
    __slots__ = ()
    saved_names = ("self", "other")

    def backward(self, g):
        x, y = (s.unpack() for s in self._saved)
        gx = gy = None
        if isinstance(x, Tensor):                     # (derivatives.yaml's forms, node for node)
            if isinstance(y, Tensor):
                gx = xlogy(g, y).masked_fill((x == 0) & (y <= 0), 0.0)
            else:
                gx = xlogy(g, y) if y > 0 else xlogy(g, y).masked_fill(x == 0, 0.0)
        if isinstance(y, Tensor):
            gy = g * x / y
        return (gy,) if not isinstance(x, Tensor) else (gx,) if not isinstance(y, Tensor) else (gx, gy)


class XlogyBackward1(XlogyBackward0):
    __slots__ = ()


class XlogyBackward2(XlogyBackward0):
    __slots__ = ()


def xlogy(input: Any, other: Any) -> Tensor:
    """``input * log(other)``, defined as 0 where ``input`` is 0 (unless ``other`` is NaN):
    the ``t log t`` terms of entropies and KL divergences without 0 * -inf."""
    ad, bd, ta, tb = prep2(input, other)              # (arrays of one dtype, or one a number)
    tensor = ad if ta is not None else bd
    xp = _xp(tensor)
    dt = tensor.dtype if tensor.dtype.kind == "f" else B.get_default_dtype().np
    if tensor.dtype.kind != "f":                      # (each operand from its own dtype)
        ad, bd = _float_operands(ad, bd, ta, tb)
    a, b = xp.asarray(ad, dtype=dt), xp.asarray(bd, dtype=dt)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = _laid(xp.where((a == 0) & ~xp.isnan(b), 0, a * xp.log(b)).astype(dt, copy=False), input, other,
                    dtype=dt)
    if ta is None:
        return record(as_array(out), XlogyBackward1, (tb,), saved=(input, tb), number=True)
    if tb is None:
        return record(as_array(out), XlogyBackward2, (ta,), saved=(ta, other), number=True)
    res = record(as_array(out), XlogyBackward0, (ta, tb), saved=(ta, tb))
    note_broadcast(res, ta, tb)
    return res


def arctan2(input: Tensor, other: Tensor) -> Tensor:
    """Alias of ``atan2`` (its errors name ``arctan2``, as PyTorch's do)."""
    return _float_binary("arctan2", "arctan2", Atan2Backward0, input, other, True)


def atan2(input: Tensor, other: Tensor) -> Tensor:
    """The angle of the point ``(other, input)``: ``atan(input / other)`` in the right quadrant."""
    return _float_binary("atan2", "arctan2", Atan2Backward0, input, other, True)


def hypot(input: Tensor, other: Tensor) -> Tensor:
    """``sqrt(input^2 + other^2)`` without overflow in the squares."""
    return _float_binary("hypot", "hypot", HypotBackward0, input, other, False)


def logaddexp(input: Tensor, other: Tensor) -> Tensor:
    """``log(exp(input) + exp(other))``, computed without overflow."""
    return _float_binary("logaddexp", "logaddexp", LogaddexpBackward0, input, other, False)


# ---------------------------------------------------------------------------
# in-place forms
# ---------------------------------------------------------------------------

_DTYPE_WORDS = DTYPE_WORDS


def apply_inplace(self: Tensor, result: Tensor, dtype_names: dict = DTYPE_WORDS, fills: bool = False) -> Tensor:
    """Write ``result`` (computed out of place from ``self``) into ``self``.

    The node that made ``result`` becomes ``self.grad_fn``; a copy of ``self``'s old
    value replaces it wherever that node saved it (as PyTorch's in-place ops do), and
    the version counter moves, so any *other* node that saved ``self`` goes stale.
    ``dtype_names``: how the cast error names the dtypes (clamp's prints C++ names).
    ``fills``: the op is a fill (``write_fill``), which may write through an expand.
    """
    rd = result._data
    sd = self._data
    if rd.shape != sd.shape:                          # (PyTorch's order: shape, overlap, dtype)
        raise RuntimeError(
            f"output with shape [{', '.join(map(str, sd.shape))}] doesn't match the broadcast shape "
            f"[{', '.join(map(str, rd.shape))}]")
    if not fills:
        check_internal_overlap(self)
    if rd.dtype != sd.dtype and not np.can_cast(rd.dtype, sd.dtype, "same_kind"):
        raise RuntimeError(
            f"result type {DTYPE_WORDS[rd.dtype.name]} can't be cast to the desired output type "
            f"{dtype_names[sd.dtype.name]}")
    node = result._grad_fn
    if node is not None:
        # only the buffer saved *as self* keeps the old value (as PyTorch's in-place ops
        # do); self saved in another role, as in ``y.mul_(y)``, goes stale like in PyTorch
        names = node.saved_names
        for i, s in enumerate(node._saved):
            if s is not None and s._vc is self._vc and not s.is_output and i < len(names) \
                    and names[i] == "self":
                old = Tensor._wrap(sd.copy(), self._requires_grad, self._grad_fn, self._output_nr)
                s._value, s._vc, s.version = old, old._vc, 0
    if fills:
        write_fill(sd, rd.astype(sd.dtype, copy=False))
    else:
        writable(sd)[...] = rd                        # (an expand of one element: read-only in numpy)
    bump(self)
    if node is not None:
        for s in node._saved:
            if s is not None and s.is_output:
                s._value, s._vc, s.version = sd, self._vc, self._vc[0]
        from .views import rebase_view
        rebase_view(self, node)
    return self


def _check_output_shape(self: Tensor, inputs: Sequence[Any]) -> None:
    """An element-wise in-place op cannot grow ``self``: PyTorch says so before it looks
    at dtypes or kernels (shapes that do not broadcast at all are the op's own error)."""
    shapes = [t._data.shape for t in inputs if isinstance(t, Tensor)]
    if not shapes:
        return
    try:
        full = np.broadcast_shapes(self._data.shape, *shapes)
    except ValueError:
        return
    if full != self._data.shape:
        raise RuntimeError(f"output with shape [{', '.join(map(str, self._data.shape))}] doesn't match the "
                           f"broadcast shape [{', '.join(map(str, full))}]")


def inplace_type_error(e: TypeError, name: str) -> TypeError:
    """``e``, raised by the op ``name`` under its in-place method: PyTorch's argument errors
    name the method (``atan2_(): argument 'other' ...``)."""
    text = str(e)
    return TypeError(name + "_" + text[len(name):]) if text.startswith(name + "()") else e


def _inplace(op: Any, ufunc: str | None = None, overlap: str = "partial", dtype_names: dict = DTYPE_WORDS,
             first: Any = None, expand_warning: bool = False, types: Any = None):
    """The in-place method ``x.op_(...)`` for an out-of-place op. ``overlap``: which inputs
    sharing ``x``'s memory are refused: ``"partial"`` ones (element-wise ops: ``x`` itself
    is fine), ``"any"`` (scatter-like ops), ``"none"`` (the input is read as a number);
    ``"fill"``: as ``"none"``, and the op fills (``write_fill``): ``x`` may be an expand
    (with PyTorch's deprecation warning if ``expand_warning``).
    ``first(x, *args)``: the op's own checks that PyTorch makes before the shared ones
    (lerp's dtypes); ``types(x, *args)``: those it makes after them, before computing
    (lerp's result type)."""
    fills = overlap == "fill"

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        try:
            return checked(self, *args, **kwargs)
        except TypeError as e:                        # (an argument error names the method)
            raise inplace_type_error(e, op.__name__) from None

    def checked(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        check_inplace(self, *args, *kwargs.values())
        if first is not None:
            first(self, *args, **kwargs)
        if overlap == "partial":                      # element-wise, in PyTorch's order: overlaps,
            check_internal_overlap(self)              # then the output's shape (dtypes come later)
        if overlap not in ("none", "fill"):
            check_overlap(self, (*args, *kwargs.values()), overlap == "any")
        if overlap == "partial":
            _check_output_shape(self, (*args, *kwargs.values()))
        if expand_warning:
            warn_expanded(method.__name__, self)
        if types is not None:
            types(self, *args, **kwargs)
        if self._is_inference and STATE.mode < 2:    # changed, then refused (in bump), as
            with no_grad():                           # PyTorch; nothing to record meanwhile
                return apply_inplace(self, op(self, *args, **kwargs), dtype_names, fills)
        return apply_inplace(self, written_into(self, op, self, *args, **kwargs), dtype_names, fills)
    method.__name__ = op.__name__ + "_"
    method.__doc__ = f"In-place version of ``{op.__name__}``: changes this tensor and bumps its version."
    return method


def _binary_inplace(op: Any, ufunc: Any, first: Any = None, types: Any = None):
    """In-place arithmetic with a fast path when nothing is recorded."""
    slow = _inplace(op, first=first, types=types)

    def method(self: Tensor, other: Any, **kwargs: Any) -> Tensor:
        if kwargs or type(other) is bool or not STATE.mode & 1 and (
                self.requires_grad or isinstance(other, Tensor) and other.requires_grad):
            return slow(self, other, **kwargs)
        check_inplace(self)
        if first is not None:                         # (sub_'s bool checks: here too)
            first(self, other)
        od = other._data if isinstance(other, Tensor) else other
        if 0 in self._data.strides or isinstance(other, Tensor) and memory_overlap(self._data, od) == "partial":
            return slow(self, other)                  # (which refuses an overlap)
        if isinstance(other, Tensor) and type(od) is not type(self._data):
            from ._core import device_mismatch
            raise device_mismatch(self._data, od)
        sd = self._data
        if ufunc is np.true_divide and sd.dtype.kind != "f":
            return slow(self, other)
        try:
            ufunc(sd, od, out=sd, casting="same_kind")
        except (TypeError, ValueError):            # needs a cast or a broadcast: let the slow path explain
            return slow(self, other)
        bump(self)
        return self
    method.__name__ = op.__name__ + "_"
    method.__doc__ = slow.__doc__
    return method


def _result_cast_check(self: Tensor, other: Any, **_: Any) -> None:
    """In place, the result type must cast to ``self``'s dtype: PyTorch checks it before the
    kernel runs (so ``bool_tensor.remainder_(0)`` is a cast error, not a division by zero)."""
    sd = self._data
    if isinstance(other, Tensor):
        od = other._data
        rt = B.result_type((B._FROM_NP[sd.dtype], 2 if sd.ndim else 1), (B._FROM_NP[od.dtype], 2 if od.ndim else 1)).np
    else:
        rt = _with_scalar(np.empty(0, sd.dtype), other)[0].dtype
    if rt != sd.dtype and not np.can_cast(rt, sd.dtype, "same_kind"):
        raise RuntimeError(f"result type {DTYPE_WORDS[rt.name]} can't be cast to the desired output type "
                           f"{DTYPE_WORDS[sd.dtype.name]}")


def _div_cast_check(self: Tensor, other: Any, *, rounding_mode: Any = _TRUE_DIVISION) -> None:
    if rounding_mode in ("trunc", "floor"):          # (integer kernels that raise)
        _result_cast_check(self, other)


add_ = _binary_inplace(add, np.add)
sub_ = _binary_inplace(sub, np.subtract, first=_sub_check)
mul_ = _binary_inplace(mul, np.multiply)
div_ = _binary_inplace(div, np.true_divide, types=_div_cast_check)


def _rev(op):
    def method(self, other):
        return op(other, self)
    return method


register("add")(add)
register("sub", "subtract")(sub)
register("mul", "multiply")(mul)
register("div", "divide", "true_divide")(div)
register("pow")(pow)
register("remainder")(remainder)
register("floor_divide")(floor_divide)
register("fmod")(fmod)
register("neg", "negative", "__neg__")(neg)
register("reciprocal")(reciprocal)
register("abs", "absolute", "__abs__")(abs)
for _f in (sign, sgn, sqrt, rsqrt, exp, log, log1p, expm1, sin, cos, tan, tanh, sigmoid, relu,
           clamp, sinh, cosh, asin, acos, atan, asinh, acosh, atanh, log2,
           log10, exp2, square, clamp_min, clamp_max, logit, nan_to_num, xlogy):
    register(_f.__name__)(_f)
for _f in (maximum, minimum, fmax, fmin, atan2, arctan2, hypot, logaddexp):      # (methods count from self)
    register(_f.__name__)(as_method(_f))
for _alias, _f in (("arcsin", asin), ("arccos", acos), ("arctan", atan), ("arcsinh", asinh),
                   ("arccosh", acosh), ("arctanh", atanh)):
    register(_alias)(_f)
register("clip")(clamp)
register("add_", "__iadd__")(add_)
register("sub_", "__isub__")(sub_)
register("mul_", "__imul__")(mul_)
register("div_", "__itruediv__")(div_)


register("remainder_", "__imod__")(_inplace(remainder, types=_result_cast_check))
register("floor_divide_", "__ifloordiv__")(_inplace(floor_divide, types=_result_cast_check))
register("fmod_")(_inplace(fmod, types=_result_cast_check))
for _f in (exp, log, sqrt, sigmoid, tanh, clamp, abs, pow, sin, cos, reciprocal, clamp_min, clamp_max):
    register(_f.__name__ + "_")(_inplace(_f))
register("relu_")(_inplace(relu, first=_relu_check))
register("neg_")(_inplace(neg, first=_neg_check))


def _clamp_cast_check(self: Tensor, *bounds: Any, **named: Any) -> None:
    """In place, number bounds may not promote ``self`` (``bool.clamp_(0, 1)``): PyTorch
    says so first, naming the dtypes as C++ does."""
    dt = self._data.dtype
    probe = np.empty(0, dt)
    for b in (*bounds, *named.values()):
        if b is not None:
            probe = _with_scalar(probe, b)[0]
    if probe.dtype != dt:
        raise RuntimeError(f"result type {DTYPE_WORDS[probe.dtype.name]} can't be cast to the desired output "
                           f"type {CPP_NAMES[dt.name]}")


def _clamp_inplace(op: Any) -> Any:
    """clamp's in-place forms: with number bounds, their cast errors print C++ dtype names."""
    tensors, numbers = _inplace(op), _inplace(op, dtype_names=CPP_NAMES, first=_clamp_cast_check)

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        if any(isinstance(a, Tensor) for a in (*args, *kwargs.values())):
            return tensors(self, *args, **kwargs)
        return numbers(self, *args, **kwargs)
    method.__name__ = op.__name__ + "_"
    method.__doc__ = numbers.__doc__
    return method


for _f in (clamp, clamp_min, clamp_max):
    register(_f.__name__ + "_")(_clamp_inplace(_f))
register("clip_")(_clamp_inplace(clamp))
register("__pow__")(pow)
register("__ipow__")(_inplace(pow))
register("__rpow__")(_rev(pow))


# The operators are the functions themselves (their first lines are the fast path of the
# common case: two tensors of one dtype, or a floating tensor and a Python number).
register("__add__", "__radd__")(add)
register("__sub__")(sub)
register("__rsub__")(_rev(sub))
register("__mul__", "__rmul__")(mul)
register("__truediv__")(div)
register("__rtruediv__")(_rev(div))
register("__mod__")(remainder)
register("__rmod__")(_rev(remainder))
register("__floordiv__")(floor_divide)
register("__rfloordiv__")(_rev(floor_divide))
register("__pos__")(lambda self: self)

EXPORTS = ["add", "sub", "mul", "div", "pow", "remainder", "fmod", "floor_divide", "neg", "reciprocal",
           "abs", "sign", "sgn", "sqrt", "rsqrt", "exp", "log", "log1p", "expm1", "sin", "cos", "tan",
           "tanh", "sigmoid", "relu", "clamp", "maximum", "minimum", "fmax", "fmin"]
subtract, multiply, divide, true_divide, negative, absolute, clip = sub, mul, div, div, neg, abs, clamp
EXPORTS += ["subtract", "multiply", "divide", "true_divide", "negative", "absolute", "clip"]
arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh
EXPORTS += ["sinh", "cosh", "asin", "acos", "atan", "asinh", "acosh", "atanh", "log2", "log10", "exp2",
            "square", "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "atan2", "arctan2",
            "hypot", "logaddexp", "clamp_min", "clamp_max", "logit", "nan_to_num", "xlogy"]


# ---------------------------------------------------------------------------
# rounding: piecewise constant, so the gradient is zero (frac passes it through)
# ---------------------------------------------------------------------------


class RoundBackward0(OpNode):
    """A step function: zero gradient almost everywhere."""
    __slots__ = ()

    def backward(self, g):
        return _zeros_like(g)


class RoundBackward1(RoundBackward0):
    __slots__ = ()


class FloorBackward0(RoundBackward0):
    __slots__ = ()


class CeilBackward0(RoundBackward0):
    __slots__ = ()


class TruncBackward0(RoundBackward0):
    __slots__ = ()


class FracBackward0(OpNode):
    """frac(x) = x - trunc(x): the gradient passes through unchanged."""
    __slots__ = ()

    def backward(self, g):
        return g


def _step(name: str, fn: str, node: type):
    def op(input: Tensor) -> Tensor:
        d = input._data
        if d.dtype.kind == "b":
            raise no_kernel(f"{name}_vml_cpu", d.dtype)
        if d.dtype.kind != "f":                        # integers are already whole
            return record(d.copy(), node, (input,))
        return record(as_array(getattr(_xp(d), fn)(d)), node, (input,))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``{name}`` of each element; its gradient is zero (a step function)."
    return op


floor = _step("floor", "floor", FloorBackward0)
ceil = _step("ceil", "ceil", CeilBackward0)
trunc = _step("trunc", "trunc", TruncBackward0)


def round(input: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A001 - torch's name
    """Round to the nearest integer (halves to even), or to ``decimals`` places."""
    d = input._data
    if d.dtype.kind == "b":
        raise no_kernel("round_vml_cpu", d.dtype)
    if d.dtype.kind != "f":
        return record(d.copy(), RoundBackward0, (input,))
    node = RoundBackward0 if decimals == 0 else RoundBackward1
    return record(as_array(_xp(d).round(d, decimals)), node, (input,))


def frac(input: Tensor) -> Tensor:
    """The fractional part ``x - trunc(x)`` (sign of x kept)."""
    d = input._data
    if d.dtype.kind != "f":
        raise no_kernel("frac_cpu", d.dtype)
    return record(as_array(d - _xp(d).trunc(d)), FracBackward0, (input,))


for _f in (floor, ceil, trunc, round, frac):
    register(_f.__name__)(_f)
    register(_f.__name__ + "_")(_inplace(_f))
EXPORTS += ["floor", "ceil", "trunc", "round", "frac"]
