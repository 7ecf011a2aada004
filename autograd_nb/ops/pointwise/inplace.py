"""In-place forms of the element-wise ops: ``x.add_(y)``, ``x += y``, ``x.exp_()``, ``x.clamp_(0, 1)``.

An in-place method computes the op out of place, then writes the values back into ``x``
(``apply_inplace``): the op's node becomes ``x.grad_fn``, a copy of ``x``'s old value
replaces it where that node saved it as ``self``, and ``x``'s version moves, so any
other node that saved ``x`` goes stale. ``_inplace`` makes such a method from an op, with
PyTorch's refusals in PyTorch's order first (a leaf that requires grad, a view made
under no_grad, overlapping memory, a result that would need to grow ``x``), then the
op's own checks. ``_binary_inplace`` adds a fast path for ``x += y`` when nothing is
recorded. The other families' in-place forms (``inplace_forms``, ``gathers``) are made
with the same ``_inplace``.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ... import _backend as B
from ..._tensor import Tensor
from ...autograd.grad_mode import STATE, no_grad
from .._histories import read_histories, saved_first
from .._core import (_with_scalar, bump, check_inplace, check_internal_overlap, check_overlap, memory_overlap,
                     register, warn_expanded, writable, write_fill, written_into)
from .arithmetic import (_TRUE_DIVISION, _neg_check, _sub_check, add, div, floor_divide, fmod, mul, neg, pow,
                         reciprocal, refuse_negative_int_power, remainder, sub)
from .clamping import _relu_check, clamp, clamp_max, clamp_min, relu, sigmoid
from .unary import abs, ceil, cos, exp, floor, frac, log, round, sin, sqrt, tanh, trunc


def apply_inplace(self: Tensor, result: Tensor, dtype_names: dict = B.SCALAR_NAMES, fills: bool = False) -> Tensor:
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
    if rd.dtype != sd.dtype and not B.can_cast(rd.dtype, sd.dtype):
        raise RuntimeError(
            f"result type {B.SCALAR_NAMES[rd.dtype.name]} can't be cast to the desired output type "
            f"{dtype_names[sd.dtype.name]}")
    node = result._gfn
    if node is not None:
        # only the buffer saved *as self* keeps the old value (as PyTorch's in-place ops
        # do); self saved in another role, as in ``y.mul_(y)``, goes stale like in PyTorch
        names = node.saved_names
        for i, s in enumerate(node._saved):
            if s is not None and s._vc is self._vc and not s.is_output and i < len(names) \
                    and names[i] == "self":
                old = Tensor._wrap(sd.copy(), self._requires_grad, self._gfn, self._output_nr)
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
        from ..views import rebase_view
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


def _inplace(op: Any, ufunc: str | None = None, overlap: str = "partial", dtype_names: dict = B.SCALAR_NAMES,
             first: Any = None, expand_warning: bool = False, types: Any = None, wraps_numbers: bool = True):
    """The in-place method ``x.op_(...)`` for an out-of-place op. ``overlap``: which inputs
    sharing ``x``'s memory are refused: ``"partial"`` ones (element-wise ops: ``x`` itself
    is fine), ``"any"`` (scatter-like ops), ``"none"`` (the input is read as a number);
    ``"fill"``: as ``"none"``, and the op fills (``write_fill``): ``x`` may be an expand
    (with PyTorch's deprecation warning if ``expand_warning``).
    ``first(x, *args)``: the op's own checks that PyTorch makes before the shared ones
    (lerp's dtypes); ``types(x, *args)``: those it makes after them, before computing
    (lerp's result type). ``wraps_numbers=False``: the op's number arguments are plain C++
    doubles (``nan_to_num_``), not Scalars PyTorch wraps into tensors, so they never take
    an inference tensor's op through autograd (see ``check_inplace``)."""
    fills = overlap == "fill"

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        try:
            return checked(self, *args, **kwargs)
        except TypeError as e:                        # (an argument error names the method)
            raise inplace_type_error(e, op.__name__) from None

    def checked(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        check_inplace(self, *(a for a in (*args, *kwargs.values()) if wraps_numbers or isinstance(a, Tensor)))
        read_histories(*args, *kwargs.values())       # (autograd reads the other inputs' histories:
        if not STATE.mode:                            # a stale no_grad view is refused first)                            # what PyTorch saves before the kernel (a copy
            e = saved_first(op, (self, *args), kwargs, True)      # of self, the other inputs)
            if e is not None:
                raise e
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
        if self._is_inference is True and not STATE.inference:    # changed, then refused (in bump), as
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
        if kwargs or type(other) is bool or STATE.grad_enabled and (
                self.requires_grad or isinstance(other, Tensor) and other.requires_grad):
            return slow(self, other, **kwargs)
        check_inplace(self)
        if first is not None:                         # (sub_'s bool checks: here too)
            first(self, other)
        od = other._data if isinstance(other, Tensor) else other
        if 0 in self._data.strides or isinstance(other, Tensor) and memory_overlap(self._data, od) == "partial":
            return slow(self, other)                  # (which refuses an overlap)
        if isinstance(other, Tensor) and type(od) is not type(self._data):
            from .._core import device_mismatch
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
    if rt != sd.dtype and not B.can_cast(rt, sd.dtype):
        raise RuntimeError(f"result type {B.SCALAR_NAMES[rt.name]} can't be cast to the desired output type "
                           f"{B.SCALAR_NAMES[sd.dtype.name]}")


def _div_cast_check(self: Tensor, other: Any, *, rounding_mode: Any = _TRUE_DIVISION) -> None:
    if rounding_mode in ("trunc", "floor"):          # (integer kernels that raise)
        _result_cast_check(self, other)


add_ = _binary_inplace(add, np.add)
sub_ = _binary_inplace(sub, np.subtract, first=_sub_check)
mul_ = _binary_inplace(mul, np.multiply)
div_ = _binary_inplace(div, np.true_divide, types=_div_cast_check)


register("add_", "__iadd__")(add_)
register("sub_", "__isub__")(sub_)
register("mul_", "__imul__")(mul_)
register("div_", "__itruediv__")(div_)
# (the ops below take a number as a Scalar overload (remainder_(Scalar), pow_(Scalar), ...): it
# is not wrapped into a tensor, so it never takes an inference self through autograd)
register("remainder_", "__imod__")(_inplace(remainder, types=_result_cast_check, wraps_numbers=False))
register("floor_divide_", "__ifloordiv__")(_inplace(floor_divide, types=_result_cast_check))
register("fmod_")(_inplace(fmod, types=_result_cast_check, wraps_numbers=False))
for _f in (exp, log, sqrt, sigmoid, tanh, clamp, abs, sin, cos, reciprocal, clamp_min, clamp_max):
    register(_f.__name__ + "_")(_inplace(_f, wraps_numbers=False))


def _pow_first(self: Tensor, exponent: Any = None, **named: Any) -> None:
    """An integer ``self`` to a negative integer power is refused by the kernel's first
    check, before the shared in-place checks (an expanded ``self``, shapes)."""
    refuse_negative_int_power(self._data.dtype, named.get("exponent", exponent))


register("pow_")(_inplace(pow, first=_pow_first, wraps_numbers=False))
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
        raise RuntimeError(f"result type {B.SCALAR_NAMES[probe.dtype.name]} can't be cast to the desired output "
                           f"type {B.CPP_NAMES[dt.name]}")


def _clamp_inplace(op: Any) -> Any:
    """clamp's in-place forms: with number bounds, their cast errors print C++ dtype names."""
    tensors = _inplace(op, wraps_numbers=False)
    numbers = _inplace(op, dtype_names=B.CPP_NAMES, first=_clamp_cast_check, wraps_numbers=False)

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        if any(isinstance(a, Tensor) for a in (*args, *kwargs.values())):
            return tensors(self, *args, **kwargs)
        return numbers(self, *args, **kwargs)
    method.__name__ = op.__name__ + "_"
    method.__doc__ = numbers.__doc__
    return method


for _f in (clamp, clamp_min, clamp_max):
    register(_f.__name__ + "_")(_clamp_inplace(_f))
for _f in (clamp, clamp_min, clamp_max):
    register(_f.__name__ + "_")(_clamp_inplace(_f))
register("clip_")(_clamp_inplace(clamp))
register("__ipow__")(_inplace(pow, first=_pow_first, wraps_numbers=False))
for _f in (floor, ceil, trunc, round, frac):
    register(_f.__name__ + "_")(_inplace(_f))

EXPORTS: list[str] = []
