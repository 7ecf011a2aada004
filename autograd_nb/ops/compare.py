"""Comparisons and logic (never differentiable) and ``where`` (differentiable).

``x > 0`` gives a bool tensor with no grad_fn: a comparison has no useful derivative.
``where(cond, a, b)`` picks from ``a`` where ``cond`` holds, else from ``b``; the
gradient goes to whichever input was picked.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _backend as B
from .._tensor import Tensor, canon_dim
from ._layout import dense, elementwise_layout
from ._core import (OpNode, check_broadcast, arg_error, as_array, as_method, combination_error, no_kernel,
                    note_broadcast, prep2, read_histories, record, reflected, register, to_tensor)


def _cmp(ufunc: Any, name: str):
    def op(input: Any, other: Any) -> Tensor:
        if not isinstance(input, Tensor):            # (a number first: no such torch.eq)
            raise combination_error(name, input, other)
        ad, bd, _, _ = prep2(input, other)
        return Tensor._wrap(elementwise_layout(as_array(ufunc(ad, bd)), input, other,
                                               dtype=ad.dtype if hasattr(ad, "dtype") else bd.dtype))
    op.__name__ = name
    op.__doc__ = f"Element-wise ``{name}``; a bool tensor outside any graph."
    return op


eq = _cmp(np.equal, "eq")
ne = _cmp(np.not_equal, "ne")
lt = _cmp(np.less, "lt")
le = _cmp(np.less_equal, "le")
gt = _cmp(np.greater, "gt")
ge = _cmp(np.greater_equal, "ge")


def _tensors_only(ufunc: Any, name: str):
    """A logical op: ``_cmp``'s, but PyTorch takes tensors only (no Python numbers) on either side."""
    elementwise = _cmp(ufunc, name)

    def op(input: Any, other: Any) -> Tensor:
        if not isinstance(input, Tensor):
            raise arg_error(name, "input", 1, input)
        if not isinstance(other, Tensor):
            raise arg_error(name, "other", 2, other)
        return elementwise(input, other)
    op.__name__ = name
    op.__doc__ = f"Element-wise ``{name}`` of the truth values; a bool tensor."
    return op


logical_and = _tensors_only(np.logical_and, "logical_and")
logical_or = _tensors_only(np.logical_or, "logical_or")
logical_xor = _tensors_only(np.logical_xor, "logical_xor")


def _bitwise(ufunc: Any, name: str):
    """A bitwise op over the promoted dtype (bool & int is int64, as PyTorch promotes);
    floating operands have no kernel."""
    def op(input: Any, other: Any) -> Tensor:
        if not isinstance(input, Tensor) and not isinstance(other, Tensor):
            raise combination_error(name, input, other)
        read_histories(input, other)                 # (PyTorch records a NotImplemented node first)
        ad, bd, _, _ = prep2(input, other)
        dt = ad.dtype if hasattr(ad, "dtype") else bd.dtype
        if dt.kind == "f":
            raise no_kernel(f"{name}_cpu", dt)
        return Tensor._wrap(elementwise_layout(as_array(ufunc(ad, bd)), input, other, dtype=dt))
    op.__name__ = name
    return op


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")


def logical_not(input: Tensor) -> Tensor:
    return Tensor._wrap(as_array(np.logical_not(input._data)))


def bitwise_not(input: Tensor) -> Tensor:
    d = input._data
    if d.dtype.kind == "f":
        raise no_kernel("bitwise_not_cpu", d.dtype)
    return Tensor._wrap(as_array(np.invert(d)))


def isnan(input: Tensor) -> Tensor:
    """True where the value is NaN (not a number)."""
    return Tensor._wrap(as_array(np.isnan(input._data)))


def isin(elements: Any, test_elements: Any, *, assume_unique: bool = False,
         invert: bool = False) -> Tensor:
    """True where an element of ``elements`` occurs in ``test_elements`` (a mask: no gradient)."""
    e = elements._data if isinstance(elements, Tensor) else np.asarray(elements)
    t = test_elements._data if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    return Tensor._wrap(as_array(np.isin(e, t, assume_unique=assume_unique, invert=invert)))



def signbit(input: Tensor) -> Tensor:
    """True where the sign bit is set (negative numbers, and -0.0): a mask, no gradient."""
    return Tensor._wrap(as_array(np.signbit(input._data)))


def isinf(input: Tensor) -> Tensor:
    return Tensor._wrap(as_array(np.isinf(input._data)))


def isfinite(input: Tensor) -> Tensor:
    """True where the value is neither NaN nor infinite."""
    if input._data.dtype.kind == "f":                # (PyTorch's is built from abs(), which records)
        read_histories(input)
    return Tensor._wrap(as_array(np.isfinite(input._data)))


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """|input - other| <= atol + rtol * |other|, element-wise (both tensors of one dtype)."""
    _close_args("isclose", input, other, rtol, atol)
    if rtol or atol:                                 # (PyTorch's is built from ops that record,
        read_histories(other, input)                 # rtol * other first)
    return _close(input, other, rtol, atol, equal_nan)


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """True when every element is close (see ``isclose``; PyTorch's records nothing)."""
    _close_args("allclose", input, other, rtol, atol)
    return bool(_close(input, other, rtol, atol, equal_nan)._data.all())


def _close_args(name: str, input: Tensor, other: Any, rtol: float, atol: float) -> None:
    for arg, pos, v in (("input", 1, input), ("other", 2, other)):
        if not isinstance(v, Tensor):
            raise arg_error(name, arg, pos, v)
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"{B.SCALAR_NAMES[input._data.dtype.name]} did not match "
                           f"{B.SCALAR_NAMES[other._data.dtype.name]}")
    for tol, v in (("rtol", rtol), ("atol", atol)):
        if v < 0:
            raise RuntimeError(f"{tol} must be greater than or equal to zero, but got {v:g}")


def _close(input: Tensor, other: Tensor, rtol: float, atol: float, equal_nan: bool) -> Tensor:
    ad, bd, _, _ = prep2(input, other)
    close = as_array(np.isclose(ad, bd, rtol=rtol, atol=atol, equal_nan=equal_nan))
    out = Tensor._wrap(elementwise_layout(close, input, other))
    # PyTorch's isclose is built from ops: ``self == other``, then |= the NaN matches
    # (equal_nan, floating) and |= the tolerance test (rtol or atol): each an in-place change
    # of the result, which its version counts
    changes = (bool(equal_nan) and ad.dtype.kind in "fc") + bool(rtol or atol)
    if changes and not out._is_inference:
        out._vc[0] = changes
    return out


def equal(input: Tensor, other: Tensor) -> bool:
    """True when both tensors have the same shape and the same values."""
    if input._data.shape != other._data.shape:
        return False
    return bool((input._data == other._data).all())


def _axes(d: Any, dim: Any) -> Any:
    """``dim`` (an int or a tuple) checked as PyTorch checks it, as numpy axes."""
    if dim is None:
        return None
    if isinstance(dim, (tuple, list)):
        axes = tuple(canon_dim(x, d.ndim) for x in dim)
    else:
        axes = canon_dim(dim, d.ndim)
    return axes if d.ndim else None                   # (dim 0 / -1 of a 0-d tensor: itself)


def _truth(d: Any, found: Any) -> Tensor:
    """any/all's result: bool, but a uint8 tensor keeps uint8 (0 or 1), as in PyTorch."""
    return Tensor._wrap(dense(as_array(found.astype(np.uint8) if d.dtype == np.uint8 else found)))


def any(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """True if any element (along ``dim``) is non-zero."""
    d = input._data
    return _truth(d, np.any(d, axis=_axes(d, dim), keepdims=keepdim))


def all(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """True if every element (along ``dim``) is non-zero."""
    d = input._data
    return _truth(d, np.all(d, axis=_axes(d, dim), keepdims=keepdim))


class WhereBackward0(OpNode):
    """The gradient goes to self where the condition held, to other elsewhere (selected,
    never multiplied by the mask: an inf or NaN in the gradient does not leak).

    out = where(condition, self, other)
    grad_self = grad where condition, else 0
    grad_other = grad where not condition, else 0
    """
    saved_names = ("condition",)

    def backward(self, g):
        c = self._saved[0].unpack()               # (a plain 0, not g * 0: an inf or nan in g
        return (where(c, g, 0.0) if self.next_functions[0][0] is not None else None,   # must
                where(c, 0.0, g) if self.next_functions[1][0] is not None else None)   # not leak)


def _number_operand(x: Any, other: Any, like: Tensor | None) -> Tensor:
    """A number given to ``where`` as a 0-d tensor: in the other operand's dtype when that
    does not lose its kind (2.5 beside float64 stays 2.5 in float64, not float32 first),
    else in its own default dtype, which then promotes."""
    t = to_tensor(x, like)
    if isinstance(other, Tensor):
        od = other._data.dtype
        if t._data.dtype.kind == od.kind or od.kind == "f":
            return Tensor._wrap(B.xp_of(other._data).asarray(x, dtype=od))
    return t


def where(condition: Tensor, input: Any = None, other: Any = None) -> Any:
    """``input`` where ``condition`` holds, else ``other`` (numbers allowed on either side)."""
    if input is None and other is None:
        return tuple(Tensor._wrap(i) for i in np.nonzero(condition._data))
    c = condition._data
    if c.dtype.kind != "b":
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype {condition.dtype.name.capitalize()}")
    like = input if isinstance(input, Tensor) else other if isinstance(other, Tensor) else None
    a = input if isinstance(input, Tensor) else _number_operand(input, other, like)
    b = other if isinstance(other, Tensor) else _number_operand(other, a, like)
    check_broadcast(c.shape, a._data.shape)           # (PyTorch's message: the condition first)
    check_broadcast(np.broadcast_shapes(c.shape, a._data.shape), b._data.shape)
    ad, bd, _, _ = prep2(a, b)
    xp = np if type(ad) is np.ndarray else B.xp_of(ad)
    data = elementwise_layout(as_array(xp.where(c, ad, bd)), c, a, b, dtype=ad.dtype)   # (c: never cast)
    res = record(data, WhereBackward0, (a, b), saved=(condition,))
    note_broadcast(res, a, b)
    return res


def count_nonzero(input: Tensor, dim: Any = None) -> Tensor:
    """How many elements are not zero (in all, or along ``dim``: an int or a tuple of ints)."""
    d = input._data
    xp = B.xp_of(d)
    if dim is None:
        return Tensor._wrap(xp.asarray(xp.count_nonzero(d), dtype=np.int64))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    dims = tuple(canon_dim(x, d.ndim) for x in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"dim {dims[0]} appears multiple times in the list of dims")
    if d.ndim == 0:                                  # (dim 0 / -1 of a 0-d tensor: itself)
        return Tensor._wrap(xp.asarray(d != 0, dtype=np.int64))
    return Tensor._wrap(dense(xp.asarray(xp.count_nonzero(d, axis=dims), dtype=np.int64)))


def nonzero(input: Tensor, *, as_tuple: bool = False) -> Any:
    """Indices of the non-zero elements: one row per element, one column per dim (int64).

    A 0-d tensor counts as one element with no dims: ``(1, 0)`` if it is non-zero, else
    ``(0, 0)``; with ``as_tuple`` it is treated as 1-d (``(tensor([0]),)`` or empty).
    """
    d = input._data
    xp = B.xp_of(d)
    if not d.ndim:
        hits = int(bool(d))
        if as_tuple:
            return (Tensor._wrap(xp.zeros(hits, np.int64)),)
        return Tensor._wrap(xp.zeros((hits, 0), np.int64))
    idx = d.nonzero()
    if as_tuple:
        return tuple(Tensor._wrap(i.astype(np.int64, copy=False)) for i in idx)
    return Tensor._wrap(xp.stack(idx, axis=1).astype(np.int64, copy=False))


def _rev(op):
    def m(self, other):
        return op(other, self)
    return m


for _f in (eq, ne, lt, le, gt, ge, logical_not, isnan, isinf, isfinite, equal, any, all, bitwise_not,
           nonzero, count_nonzero, signbit):
    register(_f.__name__)(_f)
for _f in (logical_and, logical_or, logical_xor, isclose, allclose):   # (methods count from self)
    register(_f.__name__)(as_method(_f))
register("where")(lambda self, condition, other: where(condition, self, other))
register("__eq__")(eq)
register("__ne__")(ne)
register("__lt__")(lt)
register("__le__")(le)
register("__gt__")(gt)
register("__ge__")(ge)
register("__and__", "bitwise_and")(bitwise_and)     # (bool & bool stays bool)
register("__or__", "bitwise_or")(bitwise_or)
register("__xor__", "bitwise_xor")(bitwise_xor)
for _f, _name in ((bitwise_and, "__rand__"), (bitwise_or, "__ror__"), (bitwise_xor, "__rxor__")):
    register(_name)(reflected(_f, _name))
register("__invert__")(bitwise_not)

EXPORTS = ["eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor",
           "logical_not", "isnan", "isinf", "isfinite", "isclose", "allclose", "equal", "any",
           "all", "where", "nonzero", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "count_nonzero",
           "isin", "signbit"]
greater, less, greater_equal, less_equal, not_equal = gt, lt, ge, le, ne
EXPORTS += ["greater", "less", "greater_equal", "less_equal", "not_equal"]
