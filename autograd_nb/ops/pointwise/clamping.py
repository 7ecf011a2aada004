"""Clamping and choosing, element by element: clamp, maximum/minimum, relu, sigmoid,
logit, nan_to_num, and the two-input floating functions xlogy, atan2, hypot, logaddexp.

Most of these ops pick, at each element, one of their inputs or a bound (clamp,
maximum, fmax, relu): their nodes send the gradient where the pick came from, selecting
it with a mask (``_masked``: never multiplied by one, so an inf or NaN gradient does not
leak where it should be 0). The others are smooth functions whose node saves the
inputs (or the result, for sigmoid) to compute the derivative.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ... import _backend as B
from ..._tensor import Tensor
from ...autograd.grad_mode import STATE
from .._core import (OpNode, _with_scalar, arg_error, as_array, as_method, check_broadcast, combination_error,
                     no_kernel, note_broadcast, prep2, record, register, scalar_to)
from .._layout import elementwise_layout as _laid
from ..backward_ops import sigmoid_backward, threshold_backward, threshold_kernel
from .arithmetic import _float_operands, _needed, div_scalar, rsub_scalar
from .unary import _floating


def _masked(g: Tensor, keep: Tensor) -> Tensor:
    """``g`` where ``keep``, else 0: gradients are selected by masks, never multiplied by
    them (an inf or NaN upstream gradient times a 0 of the mask would give NaN)."""
    from ..compare import where
    return where(keep, g, 0.0)


# ---------------------------------------------------------------------------
# sigmoid, relu
# ---------------------------------------------------------------------------


class SigmoidBackward0(OpNode):
    """The derivative of σ(x) is σ(x)(1 - σ(x)), so the incoming gradient is multiplied
    by it (PyTorch's sigmoid_backward of the saved result).

    out = sigmoid(self)
    grad_self = grad * result * (1 - result)
    """
    saved_names = ("result",)

    def backward(self, g):
        return sigmoid_backward(g, self._saved[0].unpack())


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + e^-x); its derivative is s * (1 - s), so the node saves the result."""
    d = _floating(input)
    xp = B.xp_of(d)
    with np.errstate(over="ignore"):
        data = 1 / (1 + xp.exp(-d))
    return record(_laid(as_array(data.astype(d.dtype, copy=False)), input), SigmoidBackward0, (input,),
                  save_output=True)


class ReluBackward0(OpNode):
    """ReLU lets the gradient through where the output was positive and blocks it
    elsewhere (PyTorch's threshold_backward(grad, result, 0): a NaN result, which is not
    <= 0, passes the gradient too).

    out = max(self, 0)
    grad_self = grad * (result > 0)
    """
    saved_names = ("result",)

    def backward(self, g):
        if not STATE.grad_enabled and g.__class__ is Tensor:   # first order: nothing records,
            gd, rd = g._data, self._saved[0].unpack_data()     # the kernel on the arrays
            return Tensor._wrap(as_array(threshold_kernel(gd, rd, 0)))
        return threshold_backward(g, self._saved[0].unpack(), 0)


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
    return record(as_array(B.xp_of(d).maximum(0, d).astype(d.dtype, copy=False)), ReluBackward0,
                  (input,), save_output=True)


# ---------------------------------------------------------------------------
# clamp, maximum, minimum
# ---------------------------------------------------------------------------


class ClampBackward1(OpNode):
    """clamp with number bounds: the gradient passes where min <= self <= max (a bound
    that is None does not limit), and is 0 where self was clamped.

    out = clamp(self, min, max)   (min, max: numbers or None)
    grad_self = grad where min <= self <= max, else 0
    """
    saved_names = ("self",)
    fields = ("min", "max")

    def backward(self, g):
        x = self._saved[0].unpack()
        lo, hi = self.min, self.max
        mask = None
        if lo is not None:
            mask = x >= lo
        if hi is not None:
            m2 = x <= hi
            mask = m2 if mask is None else mask & m2
        return _masked(g, mask)


class ClampBackward0(OpNode):
    """clamp with tensor bounds: the gradient goes to self where it was inside the
    bounds, else to the bound that won (a NaN fails every comparison: it gets none).

    out = clamp(self, min, max)   (min, max: tensors, one may be None)
    grad_self = grad where min <= self <= max, else 0
    grad_min = grad where self < min and min < max, else 0
    grad_max = grad where self > max or max < min, else 0
    """
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
    xp = B.xp_of(d)
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        from .._core import to_tensor
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
        res = record(_laid(as_array(out.astype(dt, copy=False)), input, lo, hi, dtype=dt), ClampBackward0, (input, lo, hi),
                     saved=(input, lo, hi))
        note_broadcast(res, input, lo, hi)
        return res
    for bound in (min, max):                          # the result dtype promotes with the bounds
        if bound is not None:
            d = _with_scalar(d, bound)[0]
    lo, hi = min, max
    if d.dtype.kind in "iu":                          # (the kernel's bounds: converted to the dtype,
        lo, hi = (None if b is None else scalar_to(b, d.dtype) for b in (min, max))   # checked)
    if d.dtype.kind == "b":                           # bool bounds on a bool tensor: no kernel
        raise no_kernel("clamp_scalar_cpu" if min is not None and max is not None else
                        "clamp_min_scalar_cpu" if min is not None else "clamp_max_scalar_cpu", d.dtype)
    out = _laid(as_array(xp.clip(d, lo, hi).astype(d.dtype, copy=False)), input)
    return record(out, ClampBackward1, (input,),
                  saved=(input,), min=min, max=max)


class MaximumBackward0(OpNode):
    """The gradient goes to the larger input; ties share it half and half (a NaN beats
    nothing, so both sides get the whole gradient there).

    out = maximum(self, other)
    grad_self = grad where self > other, grad / 2 where self == other, else 0
    grad_other = grad where other > self, grad / 2 where self == other, else 0
    """
    saved_names = ("self", "other")
    _pick = "gt"

    def backward(self, g):
        # PyTorch's formula, per side that needs it: where(self == other, grad / 2, grad)
        # .masked_fill_(beaten, 0): ties split, a side loses only where it is strictly
        # beaten (so a NaN sends both sides the whole grad)
        a, b = (s.unpack() for s in self._saved)
        from ..compare import where
        a_loses = (a < b) if self._pick == "gt" else (a > b)
        b_loses = (a > b) if self._pick == "gt" else (a < b)
        return tuple(None if edge[0] is None else where(a == b, div_scalar(g, 2), g).masked_fill_(loses, 0)
                     for edge, loses in zip(self.next_functions, (a_loses, b_loses)))


class MinimumBackward0(MaximumBackward0):
    """The gradient goes to the smaller input; ties share it half and half (a NaN beats
    nothing, so both sides get the whole gradient there).

    out = minimum(self, other)
    grad_self = grad where self < other, grad / 2 where self == other, else 0
    grad_other = grad where other < self, grad / 2 where self == other, else 0
    """
    _pick = "lt"


def _minmax2(input: Tensor, other: Tensor, fn: str, node: type) -> Tensor:
    if not isinstance(input, Tensor):
        raise arg_error(fn, "input", 1, input)
    if not isinstance(other, Tensor):
        raise arg_error(fn, "other", 2, other)
    ad, bd, ta, tb = prep2(input, other)
    data = _laid(as_array(getattr(B.xp_of(ad), fn)(ad, bd)), input, other, dtype=ad.dtype)
    res = record(data, node, (ta, tb), saved=(input, other))
    note_broadcast(res, ta, tb)
    return res


class ClampMinBackward0(OpNode):
    """clamp_min with a number: the gradient passes where self >= min, and is 0 where
    self was raised to min.

    out = max(self, min)   (min: a number)
    grad_self = grad where self >= min, else 0
    """
    saved_names = ("self",)
    fields = ("min",)

    def backward(self, g):
        return _masked(g, self._saved[0].unpack() >= self.min)


class ClampMaxBackward0(OpNode):
    """clamp_max with a number: the gradient passes where self <= max, and is 0 where
    self was lowered to max.

    out = min(self, max)   (max: a number)
    grad_self = grad where self <= max, else 0
    """
    saved_names = ("self",)
    fields = ("max",)

    def backward(self, g):
        return _masked(g, self._saved[0].unpack() <= self.max)


class ClampMinBackward1(OpNode):
    """clamp_min with a tensor bound: self gets the gradient where self >= min, the bound
    elsewhere (a NaN fails both comparisons: neither gets it).

    out = max(self, min)   (min: a tensor)
    grad_self = grad where self >= min, else 0
    grad_min = grad where self < min, else 0
    """
    saved_names = ("self", "min")
    _keep = "ge"

    def backward(self, g):
        x, bound = (s.unpack() for s in self._saved)     # (a NaN fails both comparisons)
        if self._keep == "ge":
            return _masked(g, x >= bound), _masked(g, x < bound)
        return _masked(g, x <= bound), _masked(g, x > bound)


class ClampMaxBackward1(ClampMinBackward1):
    """clamp_max with a tensor bound: self gets the gradient where self <= max, the bound
    elsewhere (a NaN fails both comparisons: neither gets it).

    out = min(self, max)   (max: a tensor)
    grad_self = grad where self <= max, else 0
    grad_max = grad where self > max, else 0
    """
    saved_names = ("self", "max")
    _keep = "le"


def _clamp_one(input: Tensor, bound: Any, low: bool) -> Tensor:
    if not isinstance(input, Tensor):
        raise combination_error("clamp_min" if low else "clamp_max", input, bound)
    if isinstance(bound, Tensor):
        node = ClampMinBackward1 if low else ClampMaxBackward1
        ad, bd, ta, tb = prep2(input, bound)
        res = record(as_array((B.xp_of(ad).maximum if low else B.xp_of(ad).minimum)(ad, bd)), node, (ta, tb),
                     saved=(input, bound))
        note_broadcast(res, ta, tb)
        return res
    d = _with_scalar(input._data, bound)[0]           # the result dtype promotes with the bound
    if d.dtype.kind == "b":
        raise no_kernel("clamp_min_scalar_cpu" if low else "clamp_max_scalar_cpu", d.dtype)
    out = as_array(B.xp_of(d).clip(d, bound if low else None, None if low else bound)).astype(d.dtype, copy=False)
    if low:
        return record(out, ClampMinBackward0, (input,), saved=(input,), min=bound)
    return record(out, ClampMaxBackward0, (input,), saved=(input,), max=bound)


class LogitBackward0(OpNode):
    """The derivative of logit x = log(x / (1 - x)) is 1/(x (1 - x)); with eps, 0 outside
    [eps, 1 - eps], where the forward clamped x.

    As PyTorch: without create_graph its kernel (logit_backward) gives grad times inf at
    x = 0 and x = 1 (so +inf at -0.0 too) and nan outside [0, 1] (no eps, or a negative
    one); with create_graph the differentiable form grad / (x (1 - x)) inside [lo, hi].

    out = log(self / (1 - self))   (self clamped to [eps, 1 - eps] first)
    grad_self = grad / (self * (1 - self)) inside [eps, 1 - eps], else 0
    """
    saved_names = ("self",)
    fields = ("eps",)

    def backward(self, g):
        x = self._saved[0].unpack()
        eps = self.eps
        from ..compare import where
        out = g / (x * rsub_scalar(1, x))
        if STATE.grad_enabled:                        # infinitely_differentiable_logit_backward
            lo = 0.0 if eps is None else eps
            return where((x >= lo) & (x <= 1 - lo), out, 0.0 if eps is not None else float("nan"))
        out = where((x == 0) | (x == 1), g * float("inf"), out)
        if eps is None or eps < 0:                    # outside [0, 1] logit is nan: so is its slope
            return where((x < 0) | (x > 1), float("nan"), out)
        return where((x < eps) | (x > 1 - eps), 0.0, out)


def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """``log(x / (1 - x))``, the inverse of sigmoid; ``eps`` first clamps x to [eps, 1 - eps]."""
    d = input._data
    if d.dtype.kind != "f":
        d = d.astype(B.get_default_dtype().np)
    xp = B.xp_of(d)
    z = d if eps is None else xp.clip(d, eps, 1 - eps)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = xp.log(z / (1 - z)).astype(d.dtype, copy=False)
    return record(_laid(as_array(out), input), LogitBackward0, (input,), saved=(input,), eps=eps)


class NanToNumBackward0(OpNode):
    """The gradient passes where self was finite; the replaced values (NaN, +inf, -inf)
    get none.

    out = nan_to_num(self, nan, posinf, neginf)
    grad_self = grad * isfinite(self)
    """
    saved_names = ("self",)

    def backward(self, g):                            # (PyTorch multiplies by the mask)
        return g * self._saved[0].unpack().isfinite()


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """NaN -> ``nan``, +inf -> ``posinf``, -inf -> ``neginf`` (default: the dtype's largest
    and smallest finite values)."""
    d = input._data
    out = B.xp_of(d).nan_to_num(d, copy=True, nan=nan, posinf=posinf, neginf=neginf)
    return record(_laid(as_array(out), input), NanToNumBackward0, (input,), saved=(input,))


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
    self >= other or other is NaN, to other elsewhere (no split at ties).

    out = fmax(self, other)
    grad_self = grad where self >= other or other is NaN, else 0
    grad_other = grad where not (self >= other or other is NaN), else 0
    """
    saved_names = ("self", "other")
    _pick = "ge"

    def backward(self, g):
        a, b = (s.unpack() for s in self._saved)
        a_wins = ((a >= b) if self._pick == "ge" else (a <= b)) | b.isnan()
        return (None if self.next_functions[0][0] is None else g.masked_fill(a_wins.logical_not(), 0),
                None if self.next_functions[1][0] is None else g.masked_fill(a_wins, 0))


class FminBackward0(FmaxBackward0):
    """fmin ignores a NaN (the other value wins): the gradient goes to self where
    self <= other or other is NaN, to other elsewhere (no split at ties).

    out = fmin(self, other)
    grad_self = grad where self <= other or other is NaN, else 0
    grad_other = grad where not (self <= other or other is NaN), else 0
    """
    _pick = "le"


def fmax(input: Tensor, other: Tensor) -> Tensor:
    """Element-wise larger of two tensors, a NaN losing to a number."""
    return _minmax2(input, other, "fmax", FmaxBackward0)


def fmin(input: Tensor, other: Tensor) -> Tensor:
    """Element-wise smaller of two tensors, a NaN losing to a number."""
    return _minmax2(input, other, "fmin", FminBackward0)


# --- atan2, hypot, logaddexp: two floating inputs, broadcast ----------------------
class Atan2Backward0(OpNode):
    """atan2(y, x), the angle of the point (x, y): its derivatives are x / (x² + y²) for
    y and -y / (x² + y²) for x (taken as 0 at the origin).

    out = atan2(self, other)
    grad_self = grad * other / (self² + other²)
    grad_other = -grad * self / (self² + other²)
    """
    saved_names = ("self", "other")

    def backward(self, g):
        y, x = (s.unpack() for s in self._saved)
        from ..compare import where
        r2 = x * x + y * y                            # 1 / r2 taken as 0 at the origin (PyTorch:
        recip = where(r2 == 0, 0.0, r2.reciprocal())  # a 0 there, signed, and NaN for a NaN g)
        return g * x * recip, g * -y * recip


class HypotBackward0(OpNode):
    """hypot(a, b) = √(a² + b²): its derivatives are a / result and b / result (each
    input saved only when its own gradient is needed).

    out = sqrt(self² + other²)
    grad_self = grad * self / result
    grad_other = grad * other / result
    """
    saved_names = ("self", "other", "result")
    saved_for = ((0,), (1,))                          # self for self's gradient, other for other's

    def backward(self, g):
        a, b, r = self._saved                         # (an input saved only when its own
        r = r.unpack()                                # gradient is needed)
        return None if a is None else g * a.unpack() / r, None if b is None else g * b.unpack() / r


class LogaddexpBackward0(OpNode):
    """logaddexp(a, b) = log(e^a + e^b): its derivatives are the softmax weights of a and
    b, 1/(1 + e^(b - a)) and 1/(1 + e^(a - b)).

    out = log(exp(self) + exp(other))
    grad_self = grad / (exp(other - self) + 1)
    grad_other = grad / (exp(self - other) + 1)
    """
    saved_names = ("self", "other")

    def backward(self, g):
        a, b = (s.unpack() for s in self._saved)
        return g / ((b - a).exp() + 1), g / ((a - b).exp() + 1)


def _float_binary(fn: str, np_fn: str, node: type, input: Tensor, other: Tensor, ints: bool) -> Tensor:
    """A binary op of floating tensors (``ints``: integers become the default float dtype,
    else PyTorch's "not implemented" error); the node saves both inputs, and the result
    when it names one."""
    if not isinstance(input, Tensor):
        raise arg_error(fn, "input", 1, input)
    if not isinstance(other, Tensor):
        raise arg_error(fn, "other", 2, other)
    ad, bd, ta, tb = prep2(input, other)
    if ad.dtype.kind != "f":
        if not ints:
            raise no_kernel(f"{fn}_cpu", ad.dtype)
        ad, bd = _float_operands(ad, bd, ta, tb)     # (each from its own dtype)
    out = _laid(as_array(getattr(B.xp_of(ad), np_fn)(ad, bd).astype(ad.dtype, copy=False)), input, other,
                dtype=ad.dtype)
    res = record(out, node, (ta, tb), saved=_needed(node, (input, other), (ta, tb)),
                 save_output="result" in node.saved_names)
    note_broadcast(res, ta, tb)
    return res


class XlogyBackward0(OpNode):
    """xlogy(x, y) = x log(y), 0 where x == 0: x's gradient is the gradient times log(y)
    (0 where the gradient is 0, and where x == 0 with y <= 0), y's is the gradient times
    x / y. One node per form, as PyTorch: XlogyBackward0 (two tensors), XlogyBackward1 (a
    number x), XlogyBackward2 (a number y).

    out = self * log(other)   (0 where self == 0)
    grad_self = xlogy(grad, other), 0 where self == 0 and other <= 0
    grad_other = grad * self / other
    """
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
    """xlogy(x, y) = x log(y) with x a number: y's gradient is the gradient times x / y.

    out = self * log(other)   (self: a number)
    grad_other = grad * self / other
    """


class XlogyBackward2(XlogyBackward0):
    """xlogy(x, y) = x log(y) with y a number: x's gradient is the gradient times log(y)
    (0 where x == 0 when y <= 0).

    out = self * log(other)   (other: a number)
    grad_self = xlogy(grad, other), 0 where self == 0 and other <= 0
    """


def xlogy(input: Any, other: Any) -> Tensor:
    """``input * log(other)``, defined as 0 where ``input`` is 0 (unless ``other`` is NaN):
    the ``t log t`` terms of entropies and KL divergences without 0 * -inf."""
    ad, bd, ta, tb = prep2(input, other)              # (arrays of one dtype, or one a number)
    tensor = ad if ta is not None else bd
    xp = B.xp_of(tensor)
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


for _f in (sigmoid, relu, clamp, clamp_min, clamp_max, logit, nan_to_num, xlogy):
    register(_f.__name__)(_f)
for _f in (maximum, minimum, fmax, fmin, atan2, arctan2, hypot, logaddexp):      # (methods count from self)
    register(_f.__name__)(as_method(_f))
register("clip")(clamp)

clip = clamp
EXPORTS = ["sigmoid", "relu", "clamp", "maximum", "minimum", "fmax", "fmin", "clip", "atan2", "arctan2",
           "hypot", "logaddexp", "clamp_min", "clamp_max", "logit", "nan_to_num", "xlogy"]
