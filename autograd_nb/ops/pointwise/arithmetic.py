"""Element-wise arithmetic: + - * / (and their number forms), pow, %, fmod, //, neg, 1/x.

Each op is a forward function (computing arrays with numpy/cupy) next to its node
class, whose docstring states the rule and whose ``backward`` is the local derivative
written with tensor ops. Names and saved buffers follow PyTorch (``MulBackward0`` saves
``self`` and ``other``). The Python operators (``x + y``, ``2 ** x``, ``x // y``) are
these functions, attached to Tensor at the end of this module. The other families of
the package: ``unary`` (exp, log, trig, rounding), ``clamp`` (clamp, max/min, relu,
sigmoid, the two-input floating functions), ``inplace`` (``x.add_(y)`` and co).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ... import _backend as B
from ..._tensor import Tensor
from ...autograd.grad_mode import STATE
from .._core import (OpNode, as_array, check_broadcast, combination_error, note_broadcast, plain, prep2, record,
                     reflected, register, wrapped_number)
from .._layout import dense, elementwise_layout as _laid
from ..convert import _zeros_like

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
    alpha = 1                                         # (the default: + and - pass none)

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


class RsubBackward0(AddBackward0):
    """rsub(self, other) is other minus alpha times self (``t.__rsub__(u)``: sub with the operands
    swapped): the first input gets the gradient negated, the second the gradient.

    out = other - alpha * self
    grad_self = -grad * alpha
    grad_other = grad
    """

    def backward(self, g):
        alpha = self.alpha
        return (-g if alpha == 1 else mul_scalar(-g, alpha)), g


def _alpha_times(d: Any, alpha: Any) -> Any:
    if alpha == 1:
        return d
    if getattr(d, "dtype", None) is not None and d.dtype.kind in "iu" and isinstance(alpha, (int, np.integer)):
        alpha = np.array(alpha).astype(d.dtype)       # (as PyTorch: wrapped into the integer type,
    return d * alpha                                  # uint8's -3 is 253; numpy would refuse it)


def _float_scalar(a: Any, b: Any) -> bool:
    """Fast-path test: a floating tensor and a Python float."""
    return b.__class__ is float and a.__class__ is Tensor and a._data.dtype.kind == "f"


def add(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """``input + alpha * other`` with broadcasting."""
    if alpha == 1 and type(alpha) is not float:
        if input.__class__ is Tensor and other.__class__ is Tensor:   # the common case first:
            ad, bd = input._data, other._data                          # two plain tensors of one
            if ad.dtype is bd.dtype and ad.__class__ is bd.__class__:  # dtype, on one device
                try:
                    data = _laid(ad + bd, ad, bd)
                except ValueError:                    # (shapes that do not broadcast)
                    check_broadcast(ad.shape, bd.shape)
                    raise
                mode = STATE.mode
                if mode:                              # (no_grad, inference_mode: no node to make)
                    return plain(data, mode > 1)
                res = record(data, AddBackward0, (input, other))
                if res._gfn is not None and ad.shape != bd.shape:
                    note_broadcast(res, input, other)
                return res
        elif _float_scalar(input, other):
            return record(_laid(input._data + other, input, None), AddBackward0, (input, None))
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
        if input.__class__ is Tensor and other.__class__ is Tensor:   # as add's first lines
            ad, bd = input._data, other._data                          # (bools: refused by
            if ad.dtype is bd.dtype and ad.__class__ is bd.__class__ and ad.dtype.kind != "b":  # _sub_check)
                try:
                    data = _laid(ad - bd, ad, bd)
                except ValueError:                    # (shapes that do not broadcast)
                    check_broadcast(ad.shape, bd.shape)
                    raise
                mode = STATE.mode
                if mode:                              # (no_grad, inference_mode: no node to make)
                    return plain(data, mode > 1)
                res = record(data, SubBackward0, (input, other))
                if res._gfn is not None and ad.shape != bd.shape:
                    note_broadcast(res, input, other)
                return res
        elif _float_scalar(input, other):
            return record(_laid(input._data - other, input, None), SubBackward0, (input, None))
    _sub_check(input, other)
    if not isinstance(input, Tensor):               # number - tensor: PyTorch's rsub
        ad, bd, ta, tb = prep2(input, other)
        data = _laid(as_array(ad - _alpha_times(bd, alpha)), input, other, dtype=bd.dtype)
        if wrapped_number(tb):                         # (rsub's Tensor form is other - alpha * self)
            return record(data, SubBackward0, (None, tb), alpha=alpha)
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
    if input.__class__ is Tensor and other.__class__ is Tensor:       # the common case first,
        ad, bd = input._data, other._data                              # as add's
        if ad.dtype is bd.dtype and ad.__class__ is bd.__class__:
            try:
                data = _laid(ad * bd, ad, bd)
            except ValueError:                        # (shapes that do not broadcast)
                check_broadcast(ad.shape, bd.shape)
                raise
            mode = STATE.mode
            if mode:                                  # (no_grad, inference_mode: no node to make)
                return plain(data, mode > 1)
            res = record(data, MulBackward0, (input, other),
                         (input if other._requires_grad else None, other if input._requires_grad else None))
            if res._gfn is not None and ad.shape != bd.shape:
                note_broadcast(res, input, other)
            return res
    elif _float_scalar(input, other):
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


def rsub(input: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """``other - alpha * input``: PyTorch's ``rsub`` (and ``Tensor.__rsub__``), sub with the
    operands swapped; a number ``other`` is a tensor filled with it (``RsubBackward1``)."""
    if not isinstance(input, Tensor):
        raise combination_error("rsub", input, other)
    if not isinstance(other, Tensor) or wrapped_number(other):
        return sub(other, input, alpha=alpha)
    _sub_check(other, input)
    ad, bd, ta, tb = prep2(input, other)
    _integral_alpha(ad, alpha)
    data = _laid(as_array(bd - _alpha_times(ad, alpha)), input, other)
    res = record(data, RsubBackward0, (ta, tb), alpha=alpha)
    note_broadcast(res, ta, tb)
    return res


def rsub_scalar(number: Any, input: Tensor) -> Tensor:
    """``number - input`` as PyTorch's C++ formulas spell it: a tensor filled with the
    number, then ``sub_``: a ``SubBackward0`` whose first edge is empty."""
    d = input._data
    return sub(Tensor._wrap(as_array(B.xp_of(d).full(d.shape, number, dtype=d.dtype))), input)


def div_scalar(input: Tensor, other: Any) -> Tensor:
    """``input / other`` for a Python number, recorded as ``DivBackward1``."""
    d = input._data
    with np.errstate(divide="ignore", invalid="ignore"):     # (by 0: inf or nan, as C++)
        data = d / other
    return record(as_array(data.astype(d.dtype, copy=False)), DivBackward1, (input,), other=other)


class ReciprocalBackward0(OpNode):
    """The derivative of 1/x is -1/x², so the incoming gradient is multiplied by it; the
    node saves the result (1/x) and squares it.

    out = 1 / self
    grad_self = -grad * result²
    """
    saved_names = ("result",)

    def backward(self, g):
        r = self._saved[0].unpack()
        return -g * (r * r)                           # -grad * (result * result)


class DivBackward2(DivBackward0):
    """Division with a rounding_mode: rounded ('trunc', 'floor'), the quotient is piecewise
    constant, so both gradients are zero; rounding_mode=None spelled out is true division
    (the quotient rule: DivBackward0's).

    out = div(self, other, rounding_mode=rounding_mode)
    grad_self = grad / other if rounding_mode is None, else 0
    grad_other = -grad * self / other² if rounding_mode is None, else 0
    """
    fields = ("rounding_mode",)                       # (None too: PyTorch shows it)

    def backward(self, g):
        if self.rounding_mode is None:                # (other is always saved here, a number too)
            return super().backward(g)
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
    if rounding_mode is _TRUE_DIVISION and input.__class__ is Tensor and other.__class__ is Tensor:
        ad, bd = input._data, other._data                              # the common case first,
        if ad.dtype is bd.dtype and ad.__class__ is bd.__class__ and ad.dtype.kind == "f":   # as add's
            try:
                data = _laid(ad / bd, ad, bd)
            except ValueError:                        # (shapes that do not broadcast)
                check_broadcast(ad.shape, bd.shape)
                raise
            mode = STATE.mode
            if mode:                                  # (no_grad, inference_mode: no node to make)
                return plain(data, mode > 1)
            res = record(data, DivBackward0, (input, other), (input if other._requires_grad else None, other))
            if res._gfn is not None and ad.shape != bd.shape:
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
                     rounding_mode=None)
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
                     rounding_mode=rounding_mode)
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
    from .._core import to_tensor
    return to_tensor(x, like)


def reciprocal(input: Tensor) -> Tensor:
    """``1 / input`` element-wise."""
    d = input._data
    if d.dtype.kind != "f":
        d = d.astype(B.get_default_dtype().np)
    return record(_laid(as_array(1 / d), input), ReciprocalBackward0, (input,), save_output=True)


class NegBackward0(OpNode):
    """Negation negates the gradient.

    out = -self
    grad_self = -grad
    """

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
    """Power rule: d(xⁿ)/dx = n·xⁿ⁻¹, the exponent a number.

    As PyTorch's pow_backward: the number taken as a float (a MulBackward1 of a
    PowBackward0 under create_graph); exponent 0 gives zeros, self still unpacked (so
    still version-checked).

    out = self ** exponent   (exponent: a number)
    grad_self = grad * exponent * self^(exponent - 1)
    """
    saved_names = ("self",)
    fields = ("exponent",)

    def backward(self, g):
        x = self._saved[0].unpack()
        e = self.exponent
        if e == 0 and e.__class__ is not bool:         # (False is no 0 to PyTorch's Scalar)
            return _zeros_like(x)
        if isinstance(e, complex):
            return g * (e * x ** (e - 1))
        e = float(e)
        return g * mul_scalar(x.pow(e - 1), e)


class PowBackward1(OpNode):
    """Power rule for the base; for the exponent d(aᵇ)/db = aᵇ·ln a (both tensors). Where
    the exponent is 0 the base gets no gradient (x ** 0 is constant, even at x = 0), and
    where the base is 0 with a non-negative exponent the exponent gets none.

    out = self ** exponent
    grad_self = grad * exponent * self^(exponent - 1)
    grad_exponent = grad * result * log(self)
    """
    saved_names = ("self", "exponent", "result")

    def backward(self, g):
        x, e, r = (s.unpack() for s in self._saved)
        from ..compare import where
        gx = ge = None                                # (each only when wanted: a bool exponent's
        if self.next_functions[0][0] is not None:     # e - 1 is refused only when self's is)
            gx = where(e == 0, 0.0, g * (e * x ** sub_scalar(e, 1)))   # (x ** 0 is constant, even at x = 0)
        if self.next_functions[1][0] is not None:
            # as PyTorch's pow_backward_exponent: the log of self in the promoted dtype, times the
            # result, then the gradient (so a float32 self's log is taken in float64 for a float64 e)
            common = B.result_type((x.dtype, 2 if x.ndim else 1), (e.dtype, 2 if e.ndim else 1))
            ge = g * where((x == 0) & (e >= 0), 0.0, r * x.to(common).log())
        return gx, ge


class PowBackward2(OpNode):
    """number ** exponent: d(cᵇ)/db = cᵇ·ln c (the saved result times the log of the
    number; for the number 0, -inf where the result is inf, else 0).

    out = self ** exponent   (self: a number)
    grad_exponent = grad * result * log(self)
    """
    saved_names = ("exponent", "result")
    fields = ("self",)                                # (the number: PyTorch's _saved_self)

    def backward(self, g):
        e, r = (s.unpack() for s in self._saved)
        base = self.self
        if base == 0:                    # log(0) = -inf: it counts where 0 ** e is inf (e < 0)
            from ..compare import where
            return g * where(e >= 0, 0.0, mul_scalar(r, float("-inf")))
        return g * mul_scalar(r, float(np.log(base)))


def pow(input: Any, exponent: Any) -> Tensor:
    """``input ** exponent``; either side may be a number."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise combination_error("pow", input, exponent)
    if not isinstance(input, Tensor):
        ad, bd, _, tb = prep2(input, exponent)
        if tb.requires_grad and wrapped_number(tb):   # (its composite writes into out=: see there)
            raise RuntimeError("pow(): functions with out=... arguments don't support automatic "
                               "differentiation, but one of the arguments requires grad.")
        _refuse_bool(ad, bd, "pow")
        if isinstance(ad, (int, bool)) and bd.dtype.kind == "f":
            ad = float(ad)
        return record(dense(as_array(_int_power(ad, bd) if isinstance(bd, np.ndarray) else ad ** bd)),
                      PowBackward2, (tb,), saved=(exponent,), save_output=True, self=input)
    if not isinstance(exponent, Tensor):
        ad, e, ta, _ = prep2(input, exponent)
        refuse_negative_int_power(ad.dtype, e)
        if ad.dtype == np.bool_ and type(e) is bool:       # bool ** bool stays bool
            data = ad | (not e)
        elif e == 2:
            data = ad * ad
        elif e == 0.5 or e == -0.5:                   # PyTorch's kernels: sqrt / rsqrt (so (-inf)
            with np.errstate(invalid="ignore"):      # ** 0.5 is nan, not numpy's inf)
                data = B.xp_of(ad).sqrt(ad) if e == 0.5 else 1 / B.xp_of(ad).sqrt(ad)
        else:
            data = ad ** e
        return record(as_array(data), PowBackward0, (ta,), saved=(input,), exponent=exponent)
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
    xp = B.xp_of(e)
    kind = getattr(base, "dtype", np.dtype(type(base))).kind
    if kind not in "iub" or e.dtype.kind not in "iu" or xp.all(e >= 0):
        out = xp.power(base, e)
        if e.dtype.kind == "f":                       # numpy takes x ** 0.5 for sqrt(x) when the
            half = e == 0.5                           # exponent is one number (0-d, stride 0):
            if half.any():                            # C's pow(-inf, 0.5) is inf and pow(-0.0,
                out = xp.where(half & (base == 0), 0.0, xp.where(half & (base == -np.inf), np.inf, out))
        return out                                    # 0.5) is 0.0, as PyTorch computes them
    neg = e < 0
    out = xp.power(base, xp.where(neg, 0, e))
    minus_one = xp.where(e % 2 == 0, 1, -1).astype(out.dtype)
    at_neg = xp.where(base == 1, 1, xp.where(base == -1, minus_one, 0)).astype(out.dtype)
    return xp.where(neg, at_neg, out)


def has_edge(t: Tensor) -> bool:
    """Does a node get an edge to ``t`` (so its gradient will be computed)? A view made under
    no_grad of a leaf that requires grad requires grad, yet has none."""
    return t.requires_grad and (t._vbase is None or t._gfn is not None or t._requires_grad)


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


# ---------------------------------------------------------------------------
# remainder / floor_divide
# ---------------------------------------------------------------------------


class RemainderBackward0(OpNode):
    """self % number is self minus floor(self / number) times the number: away from its
    jumps the remainder moves one for one with self, so the gradient passes through.

    out = remainder(self, other)   (other: a number)
    grad_self = grad
    """

    def backward(self, g):
        return g


class RemainderBackward1(OpNode):
    """self % other is self minus floor(self / other) times other: self's gradient passes
    through, other's is the gradient times minus the floored quotient (self and other are
    saved only for other's gradient).

    out = self - floor(self / other) * other
    grad_self = grad
    grad_other = -grad * floor(self / other)
    """
    saved_names = ("self", "other")
    saved_for = ((1,), (1,))                          # both only for other's gradient
    rounding = "floor"                                # (fmod's quotient is truncated instead)

    def backward(self, g):
        a, b = self._saved
        if b is None:
            return g, None
        return g, -g * div(a.unpack(), b.unpack(), rounding_mode=self.rounding)


class NoDerivative(OpNode):
    """A node for an op whose derivative PyTorch does not define: backward raises
    "derivative for aten::<op> is not implemented" as soon as it reaches the node.

    PyTorch numbers this node 2**64 - 1 (its _sequence_nr()), not by creation: among the
    nodes ready to run it comes first, so its error is raised before any other node of
    the pass runs (a version error further down, say). _op: the op's name
    ("floor_divide" is shown as aten::floor_divide), or (name, False) for the few ops
    PyTorch names without the prefix (set_).

    grad_self = error (not implemented)
    grad_other = error (not implemented)
    """
    fields = ("_op",)
    runs_without_grad = True          # PyTorch's engine runs it, and it raises, even for no gradient
    # (the number every node gets when recorded is ignored: this one is fixed)
    _seq = property(lambda self: (1 << 64) - 1, lambda self, value: None)

    def name(self) -> str:
        return "torch::autograd::NotImplemented"

    def backward(self, *g):
        op = self._op
        name, aten = op if isinstance(op, tuple) else (op, True)
        raise RuntimeError(f"derivative for {'aten::' if aten else ''}{name} is not implemented")


# PyTorch's name for this node (type(node).__name__, what pictures and reprs show); the
# class keeps another name here so that Python's NotImplemented is not shadowed.
NoDerivative.__name__ = NoDerivative.__qualname__ = "NotImplemented"


def refuse_negative_int_power(dtype: Any, exponent: Any) -> None:
    """An integer (or bool) base to a negative integer power: the kernel's first check."""
    if dtype.kind in "iub" and isinstance(exponent, int) and exponent < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")


def not_differentiable(data: Any, inputs: tuple, op: str, **kwargs: Any) -> Tensor:
    """The result of an element-wise op PyTorch defines no derivative for: a floating
    result gets the NotImplemented node (a backward through it raises); an integer or
    bool one no history at all (autograd gives such results none, so ``int // 2`` of an
    integer tensor with a history is not refused as ``int + 1`` is)."""
    if data.dtype.kind != "f":
        return plain(data, STATE.mode > 1)
    return record(data, NoDerivative, inputs, _op=op, **kwargs)


def remainder(input: Any, other: Any) -> Tensor:
    """Python's ``%``: the result has the sign of ``other``."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise combination_error("remainder", input, other)
    ad, bd, ta, tb = prep2(input, other)
    _refuse_bool(ad, bd, "remainder_cpu")
    _integer_division(ad, bd)
    xp = B.xp_of(ad) if isinstance(ad, np.ndarray) or hasattr(ad, "device") else np
    with np.errstate(divide="ignore", invalid="ignore"):
        m = xp.fmod(ad, bd)                          # PyTorch's: fmod, moved by one divisor when the
        data = as_array(xp.where((m != 0) & ((bd < 0) != (m < 0)), m + bd, m))   # signs differ
    data = data.astype(xp.result_type(ad, bd), copy=False)
    data = _laid(data, input, other, dtype=data.dtype)
    if tb is None and not wrapped_number(ta):
        return record(data, RemainderBackward0, (ta,), number=True)
    if ta is None and not wrapped_number(tb):        # number % tensor: no derivative in PyTorch
        return not_differentiable(data, (tb,), "remainder")
    res = record(data, RemainderBackward1, (ta, tb), saved=_needed(RemainderBackward1, (input, other), (ta, tb)))
    note_broadcast(res, ta, tb)
    return res


class FmodBackward0(RemainderBackward0):
    """fmod(self, number) is self minus trunc(self / number) times the number: away from
    its jumps it moves one for one with self, so the gradient passes through.

    out = fmod(self, other)   (other: a number)
    grad_self = grad
    """


class FmodBackward1(RemainderBackward1):
    """fmod(self, other) is self minus trunc(self / other) times other: self's gradient
    passes through, other's is the gradient times minus the truncated quotient.

    out = self - trunc(self / other) * other
    grad_self = grad
    grad_other = -grad * trunc(self / other)
    """
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
    if tb is None and not wrapped_number(ta):
        return record(_laid(data, input, None), FmodBackward0, (ta,), number=True)
    res = record(_laid(data, input, other, dtype=data.dtype), FmodBackward1, (ta, tb),
                 saved=_needed(FmodBackward1, (input, other), (ta, tb)))
    note_broadcast(res, ta, tb)
    return res


def floor_divide(input: Any, other: Any) -> Tensor:
    """``input // other`` (not differentiable)."""
    ad, bd, ta, tb = prep2(input, other)
    _refuse_bool(ad, bd, "div_floor_cpu")
    _integer_division(ad, bd)
    data = as_array(np.floor_divide(ad, bd))
    data = _laid(data, input, other, dtype=data.dtype)
    # PyTorch's NotImplemented node has an edge only for each input that requires grad
    live = tuple(t for t in (ta, tb) if t is not None and t.requires_grad)   # (views too)
    # (a number or one ordinary input takes the op through autograd; two inference tensors do not)
    both_inference = ta is not None and ta._is_inference and tb is not None and tb._is_inference
    return not_differentiable(data, live, "floor_divide", number=not both_inference)


def _rev(op):
    """``other <op> self``: the reflected operator (``2 - x`` is ``sub(2, x)``)."""
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
register("__pow__")(pow)
register("__rpow__")(_rev(pow))

# The operators are the functions themselves (their first lines are the fast path of the
# common case: two tensors of one dtype, or a floating tensor and a Python number).
register("__add__")(add)
register("__radd__")(reflected(add, "__radd__"))
register("__sub__")(sub)
register("__rsub__")(rsub)
register("__mul__")(mul)
register("__rmul__")(reflected(mul, "__rmul__"))
register("__truediv__")(div)
register("__rtruediv__")(_rev(div))
register("__mod__")(remainder)
register("__rmod__")(_rev(remainder))
register("__floordiv__")(floor_divide)
register("__rfloordiv__")(_rev(floor_divide))
register("__pos__")(lambda self: self)

subtract, multiply, divide, true_divide, negative = sub, mul, div, div, neg
EXPORTS = ["add", "sub", "rsub", "mul", "div", "pow", "remainder", "fmod", "floor_divide", "neg", "reciprocal",
           "subtract", "multiply", "divide", "true_divide", "negative"]
