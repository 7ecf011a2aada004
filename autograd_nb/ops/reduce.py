"""Reductions: ops that combine many elements into fewer.

``sum``, ``mean``, ``prod``, ``max``/``min``, ``amax``/``amin``, ``argmax``/``argmin``,
``var``/``std``, ``norm``, ``logsumexp`` reduce over all elements or along ``dim``
(an int, or a tuple where PyTorch allows one); ``softmax``, ``log_softmax`` and
``cumsum`` keep the shape but mix the elements along one ``dim``.

The gradient of a reduction has to travel back to every element that took part. The
rules below share one move: put the reduced dimensions back (``unsqueeze``) so the
incoming gradient broadcasts against the input, then scale it as the reduction
requires -- 1/N for ``mean``, "the product of the others" for ``prod``, "only the
winner(s)" for ``max``.
"""
from __future__ import annotations

import builtins as _py
import math
import types
import warnings
from typing import Any

import numpy as np

from .. import _backend as B
from .._tensor import Tensor, canon_dim
from ..autograd.grad_mode import STATE
from ._core import OpNode, as_array, plain, record, record_multi, register, shown_dim, sum_to
from ._layout import dense
from .pointwise import div_scalar, mul_scalar
from .views import plain_view, spread
from .backward_ops import log_softmax_backward_data, softmax_backward_data

_UNSET: Any = type("_Unset", (), {"__repr__": lambda self: "<unset>"})()

# ---------------------------------------------------------------------------
# dims: which dimensions a reduction removes, and how PyTorch shows them
# ---------------------------------------------------------------------------


def dims_of(dim: Any, ndim: int) -> tuple[int, ...]:
    """``dim`` (None, an int, or a sequence) as a sorted tuple of non-negative dims.

    None and an empty sequence both mean "every dimension", as in PyTorch.
    """
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
        return (canon_dim(int(dim), ndim),) if ndim else _check0(int(dim))
    seen: list[int] = []
    for d in dim:
        c = canon_dim(int(d), ndim)
        if c in seen:
            raise RuntimeError(f"dim {c} appears multiple times in the list of dims")
        seen.append(c)
    if not seen or ndim == 0:
        return tuple(range(ndim))
    return tuple(sorted(seen))


def _check0(d: int) -> tuple:
    canon_dim(d, 0)                                  # a 0-d tensor accepts dim 0 and -1
    return ()


def shown_dims(dim: Any) -> tuple:
    """A dim argument of an op that accepts a list of dims, as PyTorch shows it (a tuple)."""
    return shown_dim((dim,) if isinstance(dim, (int, np.integer)) else tuple(dim))


def _numel(shape: tuple, dims: tuple) -> int:
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def _back(g: Tensor, dims: tuple, keepdim: bool) -> Tensor:
    """Put reduced dimensions back as size 1, so ``g`` broadcasts against the input."""
    if not keepdim:
        for d in dims:
            g = g.unsqueeze(d)
    return g


def grad_to_input(g: Tensor, in_shape: tuple, dims: tuple, keepdim: bool) -> Tensor:
    """Undo a reduction's shape: reinsert reduced dims, then broadcast to the input shape."""
    if not in_shape:
        return g.expand(in_shape)
    return _back(g, dims, keepdim).expand(in_shape)


def _const(arr: Any) -> Tensor:
    """A tensor with no history (masks, counts): constant for every derivative order."""
    return Tensor._wrap(as_array(arr))


def _need_dim(fn: str, dim: Any) -> None:
    """PyTorch's wording when a required ``dim`` is left out."""
    if dim is _UNSET:
        raise TypeError(f'{fn}() missing 1 required positional arguments: "dim"')


def _cast_back(out: Tensor, input: Tensor) -> Tensor:
    """A ``dtype=`` argument changed the result dtype: the gradient converts back."""
    node = out._gfn
    if node is not None and out._data.dtype != input._data.dtype:
        node._in_meta = ((input._data.shape, input._data.dtype),)
    return out


def _acc_dtype(d: Any, dtype: Any) -> Any:
    """Accumulation dtype: ``dtype=`` if given; integer and bool tensors sum as int64."""
    if dtype is not None:
        return dtype.np
    return np.int64 if d.dtype.kind in "biu" else None


def _up(node: OpNode, t: Tensor) -> Tensor:
    """``t`` (gradient or result) with the node's reduced dims (``_dims``) back, to
    broadcast against the input (unless ``keepdim`` kept them)."""
    return _back(t, node._dims, node.keepdim)


# ---------------------------------------------------------------------------
# sum / mean
# ---------------------------------------------------------------------------


class _Expand:
    """A view function: ``t.expand(shape)`` (how a view of the gradient is re-derived)."""
    __slots__ = ("shape",)

    def __init__(self, shape: tuple) -> None:
        self.shape = shape

    def __call__(self, t: Tensor) -> Tensor:
        return t.expand(self.shape)


class SumBackward0(OpNode):
    """Every element contributed once to the sum, so each gets the (scalar) gradient: it
    is expanded back to the input's shape.

    out = self.sum()
    grad_self = grad.expand(self.shape)
    """
    fields = ("self_sym_sizes",)
    __slots__ = fields                                # (kept in its slot: x.sum() sets it itself)

    def backward(self, g):
        d = g._data
        shape = self.self_sym_sizes
        if not STATE.grad_enabled and d.__class__ is np.ndarray and not d.ndim and not g._requires_grad:
            # first order: expand, on the array (still a view of g made under no_grad, as
            # PyTorch's: changed in place with an operand that requires grad, it is refused)
            return plain_view(g, spread(d, shape), _Expand(shape), STATE.mode)
        return g.expand(shape)


class SumBackward1(OpNode):
    """Summing over dims: the gradient is expanded back along those dims.

    out = self.sum(dim, keepdim)
    grad_self = grad.unsqueeze(dim).expand(self.shape)
    """
    fields = ("dim", "keepdim", "self_sym_sizes",
              "_dims")                                # (dim, counted from 0 and sorted)

    def backward(self, g):
        return grad_to_input(g, self.self_sym_sizes, self._dims, self.keepdim)


_add_reduce = np.add.reduce
_empty = np.empty
_ndarray = np.ndarray


def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Sum of all elements, or along ``dim`` (integer and bool tensors sum as int64)."""
    d = input._data
    if dim is None and dtype is None and d.__class__ is _ndarray:
        dt = d.dtype
        if dt.kind == "f":
            # the common case, without numpy's Python-level sum wrapper, straight into
            # a 0-d array (numpy would return a scalar)
            data = _add_reduce(d, None, None, _empty((), dt))
            mode = STATE.mode
            if mode:                                  # nothing to record
                return plain(data, mode > 1)
            out = record(data, SumBackward0, (input,))
            if out._gfn is not None:              # (its field, set here: cheaper than a
                out._gfn.self_sym_sizes = d.shape  # keyword of record, on this hot path)
            return out
    acc = _acc_dtype(d, dtype)
    if dim is None:
        out = record(as_array(d.sum(dtype=acc)), SumBackward0, (input,), self_sym_sizes=d.shape)
    else:
        dims = dims_of(dim, d.ndim)
        out = record(dense(as_array(d.sum(axis=dims, keepdims=keepdim, dtype=acc))), SumBackward1,
                     (input,), dim=shown_dims(dim), keepdim=keepdim, self_sym_sizes=d.shape,
                     _dims=dims)
    return _cast_back(out, input) if dtype is not None else out


class MeanBackward0(OpNode):
    """Each of the N elements contributed 1/N of the mean.

    out = self.sum() / N
    grad_self = grad.expand(self.shape) / N
    """
    fields = ("self_sym_sizes", "self_sym_numel")     # (N: self_sym_numel)

    def backward(self, g):
        return div_scalar(g.expand(self.self_sym_sizes), self.self_sym_numel)


class MeanBackward1(OpNode):
    """Mean over dims: expanded back along those dims, divided by their size.

    out = self.sum(dim, keepdim) / N   (N: the number of elements averaged)
    grad_self = grad.unsqueeze(dim).expand(self.shape) / N
    """
    fields = ("dim", "keepdim", "self_sym_sizes", "self_sym_numel",
              "_dims")                                # (dim, counted from 0 and sorted)

    def backward(self, g):
        shape, dims = self.self_sym_sizes, self._dims
        return div_scalar(grad_to_input(g, shape, dims, self.keepdim), _numel(shape, dims))


def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Average of all elements, or along ``dim`` (floating tensors, or pass ``dtype=``)."""
    d = input._data
    if d.dtype.kind != "f" and dtype is None:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {B.SCALAR_NAMES[d.dtype.name]}")
    if dtype is not None and not dtype.is_floating_point:
        raise RuntimeError("mean(): could not infer output dtype. Optional dtype must be either a floating point or "
                           f"complex dtype. Got: {B.SCALAR_NAMES[dtype.np.name]}")
    if dtype is not None:
        d = d.astype(dtype.np)
    if dim is None:
        data = d.sum(keepdims=True) / (d.size or np.nan)      # (mean of nothing: nan)
        out = record(data.reshape(()).astype(d.dtype, copy=False), MeanBackward0, (input,),
                     self_sym_sizes=d.shape, self_sym_numel=d.size)
    else:
        dims = dims_of(dim, d.ndim)
        data = d.sum(axis=dims, keepdims=keepdim) / _numel(d.shape, dims)
        out = record(dense(as_array(data.astype(d.dtype, copy=False))), MeanBackward1, (input,),
                     dim=shown_dims(dim), keepdim=keepdim, self_sym_sizes=d.shape,
                     self_sym_numel=d.size, _dims=dims)
    return _cast_back(out, input) if dtype is not None else out


# ---------------------------------------------------------------------------
# prod
# ---------------------------------------------------------------------------


def _others_product(x: Tensor, axis: int) -> Tensor:
    """For each element along ``axis``: the product of all the *other* elements.

    Dividing the product by the element fails at zeros, so this multiplies instead.
    Under plain backward the products are a constant (prefix and suffix running
    products in numpy, linear time). When the backward itself is being recorded
    (``create_graph=True``) they must be differentiable: each row is repeated n times
    with a 1 put on the diagonal, and the rows are multiplied out (n*n work).
    """
    xd = x._data
    if xd.shape[axis] == 1:                           # (the product of no others: 1, a constant,
        return _const(B.xp_of(xd).ones_like(xd))          # as PyTorch's empty cumprod gives)
    if not STATE.grad_enabled:
        xp = B.xp_of(xd)
        a = xp.moveaxis(xd, axis, -1)
        ones = xp.ones(a.shape[:-1] + (1,), a.dtype)
        before = xp.cumprod(xp.concatenate([ones, a[..., :-1]], -1), -1)
        after = xp.cumprod(xp.concatenate([ones, a[..., :0:-1]], -1), -1)[..., ::-1]
        return _const(xp.moveaxis(before * after, -1, axis))
    from .compare import where
    last = xd.ndim - 1
    xt = x.transpose(axis, last) if axis != last else x
    n = xt.shape[-1]
    rows = xt.unsqueeze(-2).expand(*xt.shape[:-1], n, n)
    others = where(_const(B.xp_of(xd).eye(n, dtype=bool)), 1.0, rows).prod(-1)
    return others.transpose(axis, last) if axis != last else others


def _prod_grad(g: Tensor, x: Tensor, result: Tensor, axis: int | None) -> Tensor:
    """``g`` (reduced dims already put back) times the product of the other elements."""
    xd = x._data
    if xd.ndim == 0:
        return g
    zeros = int((xd == 0).sum())
    if not zeros:
        return g * (result / x)
    if axis is None:
        if zeros > 1 and not STATE.grad_enabled:   # every product of the others holds a 0
            return _const(B.xp_of(xd).zeros_like(xd))    # (PyTorch's shortcut: no 0 * inf = nan)
        if xd.size == 1:                              # (PyTorch's prod_safe_zeros_backward: a slice
            return g.view(xd.shape)                   # of one element passes the gradient as it is)
        return (g * _others_product(x.reshape(-1), 0)).view(xd.shape)   # (on the flat input, as PyTorch)
    if xd.shape[axis] == 1:
        return g
    return g * _others_product(x, axis)


class ProdBackward0(OpNode):
    """The derivative of a product with respect to one factor is the product of all the
    other factors (computed without dividing, so zeros are handled).

    out = self.prod()
    grad_self = grad * (product of the other elements)   (= grad * result / self without zeros)
    """
    saved_names = ("self", "result")

    def backward(self, g):
        x, r = (s.unpack() for s in self._saved)
        return _prod_grad(g, x, r, None)


class ProdBackward1(OpNode):
    """Product along one dim: each element gets the gradient times the product of the
    other elements of its slice.

    out = self.prod(dim, keepdim)
    grad_self = grad.unsqueeze(dim) * (product of the other elements along dim)
    """
    saved_names = ("self", "result")
    fields = ("dim", "keepdim",
              "_n")                                   # (dim, counted from 0)

    def backward(self, g):
        x, r = (s.unpack() for s in self._saved)
        if not x._data.ndim:
            return g
        n, keep = self._n, self.keepdim
        return _prod_grad(_back(g, (n,), keep), x, _back(r, (n,), keep), n)


def prod(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Product of all elements, or along one ``dim`` (integer and bool tensors give int64)."""
    d = input._data
    acc = _acc_dtype(d, dtype)
    if dim is None:
        out = record(as_array(d.prod(dtype=acc)), ProdBackward0, (input,), saved=(input,),
                     save_output=True)
    else:
        if not isinstance(dim, (int, np.integer)):
            raise TypeError(f"prod() received an invalid combination of arguments - got "
                            f"({type(dim).__name__}), but expected one of:")
        n = canon_dim(int(dim), d.ndim)
        data = d.prod(axis=n, keepdims=keepdim, dtype=acc) if d.ndim else d.astype(acc or d.dtype)
        out = record(dense(as_array(data)), ProdBackward1, (input,), saved=(input,), save_output=True,
                     dim=shown_dim(dim), keepdim=keepdim, _n=n)
    return _cast_back(out, input) if dtype is not None else out


# ---------------------------------------------------------------------------
# max / min (values, or (values, indices) along a dim) / amax / amin / argmax / argmin
# ---------------------------------------------------------------------------


class _ReturnType(tuple):
    """``(values, indices)``, printed as ``torch.return_types.max(values=..., indices=...)``."""
    __slots__ = ()
    _kind = ""

    def __new__(cls, values: Tensor, indices: Tensor) -> "_ReturnType":
        return tuple.__new__(cls, (values, indices))

    @property
    def values(self) -> Tensor:
        return self[0]

    @property
    def indices(self) -> Tensor:
        return self[1]

    def __repr__(self) -> str:
        return f"torch.return_types.{self._kind}(\nvalues={self[0]!r},\nindices={self[1]!r})"

    __str__ = __repr__

    def __reduce__(self):
        return (type(self), (self[0], self[1]))


def _return_type(kind: str) -> type:
    cls = type(kind, (_ReturnType,), {"__slots__": (), "_kind": kind,
                                       "__module__": "autograd_nb.return_types"})
    return cls


return_types = types.SimpleNamespace(max=_return_type("max"), min=_return_type("min"))


def _tie_mask(x: Any, best: Any) -> Any:
    """Where ``x`` equals the extreme value (NaN counts as equal to a NaN result)."""
    xp = B.xp_of(x)
    return (x == best) | (xp.isnan(x) & xp.isnan(best))


class MaxBackward1(OpNode):
    """out = the largest element: only the element(s) equal to it get the gradient; tied
    elements share it evenly.

    out = self.max()
    grad_self = grad / count where self == result, else 0
    """
    saved_names = ("self", "result")

    def backward(self, g):
        x, r = (s.unpack() for s in self._saved)
        mask = _tie_mask(x._data, r._data)          # (PyTorch's evenly_distribute_backward: written
        count = _const(B.xp_of(mask).asarray(mask.sum(), dtype=np.int64))   # in, not multiplied: an inf
        return g.new_zeros(x.shape).masked_fill_(_const(mask), g / count)   # stays off the others)


class MinBackward1(MaxBackward1):
    """out = the smallest element: only the element(s) equal to it get the gradient; tied
    elements share it evenly.

    out = self.min()
    grad_self = grad / count where self == result, else 0
    """


class MaxBackward0(OpNode):
    """values = x.max(dim): the gradient goes to the one element each index points at
    (the indices output has no gradient).

    values, indices = self.max(dim, keepdim)
    grad_self = zeros(self.shape).scatter(dim, indices, grad)
    """
    saved_names = ("indices",)
    fields = ("dim", "keepdim", "self_sym_sizes",
              "_n")                                   # (dim, counted from 0)

    def backward(self, g, _g_indices=None):
        return value_selecting_backward(g, self._saved[0].unpack(), self.self_sym_sizes, self._n,
                                        self.keepdim)


def value_selecting_backward(g: Tensor, indices: Tensor, shape: tuple, n: int, keepdim: bool) -> Tensor:
    """The gradient of an op that picks values along dim ``n`` (max/min/median/kthvalue
    along a dim, sort, topk): zeros of the input's shape with each incoming gradient written
    where its index points (``scatter``, as PyTorch records it under ``create_graph``)."""
    if not keepdim and shape:
        g, indices = g.unsqueeze(n), indices.unsqueeze(n)
    return g.new_zeros(shape).scatter(n, indices, g)


class MinBackward0(MaxBackward0):
    """values = x.min(dim): the gradient goes to the one element each index points at
    (the indices output has no gradient).

    values, indices = self.min(dim, keepdim)
    grad_self = zeros(self.shape).scatter(dim, indices, grad)
    """


def _bad_args(fn: str, *args: Any, **kwargs: Any) -> TypeError:
    got = [type(a).__name__ for a in args] + [f"{k}={type(v).__name__}" for k, v in kwargs.items()]
    tail = ", " if kwargs else ""
    return TypeError(f"{fn}() received an invalid combination of arguments - got "
                     f"({', '.join(got)}{tail}), but expected one of:")


def _extreme(fn: str, input: Tensor, dim: Any, keepdim: Any, other: Any) -> Any:
    """Shared body of ``max`` and ``min``: the three forms PyTorch accepts."""
    from . import pointwise
    if not isinstance(input, Tensor):
        raise _bad_args(fn, input, *(() if dim is None else (dim,)))
    if other is not None or isinstance(dim, Tensor):
        return getattr(pointwise, "maximum" if fn == "max" else "minimum")(
            input, dim if other is None else other)
    if dim is None:
        if keepdim is not _UNSET:
            raise _bad_args(fn, keepdim=keepdim)
        return _extreme_all(fn, input)
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise _bad_args(fn, dim)
    return _extreme_dim(fn, input, int(dim), bool(keepdim) if keepdim is not _UNSET else False)


def _extreme_all(fn: str, input: Tensor) -> Tensor:
    d = input._data
    if d.size == 0:
        raise RuntimeError(f"{fn}(): Expected reduction dim to be specified for input.numel() == 0. "
                           "Specify the reduction dim with the 'dim' argument.")
    data = d.max() if fn == "max" else d.min()
    node = MaxBackward1 if fn == "max" else MinBackward1
    return record(as_array(data), node, (input,), saved=(input,), save_output=True)


def with_indices(kind: str, node: type, input: Tensor, vals: Any, idx: Any, **fields: Any) -> Any:
    """``return_types.<kind>(values, indices)`` of an op that picks elements: ``values``
    records ``node`` (with its ``fields``), which saves the (int64) ``indices`` to send
    each gradient back."""
    idx = idx.astype(np.int64, copy=False)
    indices = Tensor._wrap(as_array(idx))
    values = record_multi((vals, idx), node, (input,), saved=(indices,),
                          differentiable=(True, False), **fields)[0]
    return getattr(return_types, kind)(values, indices)


def _extreme_dim(fn: str, input: Tensor, dim: int, keepdim: bool) -> Any:
    d = input._data
    xp = B.xp_of(d)
    n = canon_dim(dim, d.ndim)
    if d.ndim == 0:
        idx, vals = xp.zeros((), np.int64), d.copy()
    else:
        if d.shape[n] == 0:
            raise IndexError(f"{fn}(): Expected reduction dim {n} to have non-zero size.")
        pick = xp.argmax if fn == "max" else xp.argmin      # first NaN wins, like PyTorch
        idx = pick(d, axis=n, keepdims=True)
        vals = xp.take_along_axis(d, idx, axis=n)
        if not keepdim:
            idx, vals = idx.squeeze(n), vals.squeeze(n)
    return with_indices(fn, MaxBackward0 if fn == "max" else MinBackward0, input, vals, idx,
                        dim=shown_dim(dim), keepdim=keepdim, self_sym_sizes=d.shape, _n=n)


def max(input: Tensor, dim: Any = None, keepdim: Any = _UNSET, *, other: Any = None) -> Any:
    """The largest element; along ``dim``, the pair ``(values, indices)``; with a tensor, ``maximum``.

    ``x.max()`` shares the gradient among tied elements; ``x.max(dim)`` sends it to
    the element its index points at.
    """
    return _extreme("max", input, dim, keepdim, other)


def min(input: Tensor, dim: Any = None, keepdim: Any = _UNSET, *, other: Any = None) -> Any:
    """The smallest element; along ``dim``, ``(values, indices)``; with a tensor, ``minimum``."""
    return _extreme("min", input, dim, keepdim, other)


class AmaxBackward0(OpNode):
    """out = amax(x, dim): the gradient goes to the elements equal to the maximum of their
    slice; tied maxima share it evenly.

    out = self.amax(dim, keepdim)
    grad_self = grad.reshape(with 1 at dim) / count where self == result, else 0
    """
    saved_names = ("self", "result")
    fields = ("dim", "keepdim",
              "_dims")                                # (dim, counted from 0 and sorted)

    def backward(self, g):
        x, r = (s.unpack() for s in self._saved)
        mask = x._data == _up(self, r)._data
        count = mask.sum(axis=self._dims, keepdims=True).astype(x._data.dtype)
        out = (self._restored(g) / _const(count)) * _const(mask.astype(x._data.dtype))
        return out if out.shape == x.shape else sum_to(out, x._data.shape)   # (0-d x: the engine's sum)

    def _restored(self, g: Tensor) -> Tensor:
        """PyTorch's restore_reduced_dims: ``g`` reshaped (ViewBackward0) with a 1 at each
        reduced dim, counted in the input's rank plus one per dim given (so a 0-d input
        with dim=0 gives shape (1,), which the engine then sums back to ())."""
        if self.keepdim:
            return g
        given = [d - (1 << 64) if d >= 1 << 63 else d for d in self.dim]
        total = g.dim() + len(given)
        target = [0] * total
        for d in given:
            target[d + total if d < 0 else d] = 1
        sizes = iter(g.shape)
        return g.reshape([t or next(sizes) for t in target])


class AminBackward0(AmaxBackward0):
    """out = amin(x, dim): the gradient goes to the elements equal to the minimum of their
    slice; tied minima share it evenly.

    out = self.amin(dim, keepdim)
    grad_self = grad.reshape(with 1 at dim) / count where self == result, else 0
    """


def _amax_like(fn: str, input: Tensor, dim: Any, keepdim: bool) -> Tensor:
    d = input._data
    dims = dims_of(dim, d.ndim)
    if d.size == 0:
        if not isinstance(dim, (int, np.integer)) and not len(dim):
            raise RuntimeError(f"{fn}(): Expected reduction dim to be specified for input.numel() "
                               "== 0. Specify the reduction dim with the 'dim' argument.")
        given = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
        for shown in given:                           # (PyTorch names the dim as it was given)
            if d.shape[canon_dim(int(shown), d.ndim)] == 0:
                raise IndexError(f"{fn}(): Expected reduction dim {shown} to have non-zero size.")
    data = d.max(axis=dims, keepdims=keepdim) if fn == "amax" else d.min(axis=dims, keepdims=keepdim)
    node = AmaxBackward0 if fn == "amax" else AminBackward0
    return record(dense(as_array(data)), node, (input,), saved=(input,), save_output=True,
                  dim=shown_dims(dim), keepdim=keepdim, _dims=dims)


def amax(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """Largest value over ``dim`` (an int or tuple; all dims by default). No indices."""
    return _amax_like("amax", input, dim, keepdim)


def amin(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """Smallest value over ``dim`` (an int or tuple; all dims by default). No indices."""
    return _amax_like("amin", input, dim, keepdim)


def _arg(fn: str, input: Tensor, dim: Any, keepdim: bool) -> Tensor:
    d = input._data
    xp = B.xp_of(d)
    if d.dtype.kind == "b":
        raise RuntimeError(f"{fn}(): does not support bool input")
    pick = xp.argmax if fn == "argmax" else xp.argmin
    if dim is None:
        if d.size == 0:
            raise IndexError(f"{fn}(): Expected reduction dim to be specified for input.numel() == 0.")
        idx = xp.asarray(pick(d))
        if keepdim:
            idx = idx.reshape((1,) * d.ndim)
    else:
        n = canon_dim(int(dim), d.ndim)
        if d.ndim == 0:
            idx = xp.zeros((), np.int64)
        else:
            if d.shape[n] == 0:
                raise IndexError(f"{fn}(): Expected reduction dim {n} to have non-zero size.")
            idx = pick(d, axis=n, keepdims=keepdim)
    return Tensor._wrap(as_array(idx.astype(np.int64, copy=False)))


def argmax(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Index of the largest element (of the flattened tensor, or along ``dim``). No gradient."""
    return _arg("argmax", input, dim, keepdim)


def argmin(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Index of the smallest element (of the flattened tensor, or along ``dim``). No gradient."""
    return _arg("argmin", input, dim, keepdim)


# ---------------------------------------------------------------------------
# var / std
# ---------------------------------------------------------------------------


def _var_grad(g: Tensor, x: Tensor, node: OpNode) -> Tensor:
    """d var / d x = 2 (x - mean) / (N - correction), times the incoming gradient, in
    PyTorch's order of ops (``var_backward``): the number scales the gradient first.

    Reduced over everything (no ``dim``, or a 0-d x) with no degrees of freedom left
    (N - correction <= 0) the gradient is NaN where x equals its mean and +inf
    elsewhere (the upstream gradient times a constant); along ``dim``, N counts the
    named dims only, and 2 / 0 is inf.
    """
    from .compare import where
    if node._all:
        dof = x._data.size - node._c
        if dof <= 0:                                # (where of two numbers: the default dtype, which
            xd = x._data                             # a 0-d g does not promote; the engine then casts
            dt = B.get_default_dtype().np            # to x's dtype: ToCopyBackward0)
            out = g * where(_const(xd == xd.mean()), _const(np.array(np.nan, dt)), _const(np.array(np.inf, dt)))
            return out if out._data.dtype == xd.dtype else out.to(B._FROM_NP[xd.dtype])
        return mul_scalar(g, 2.0 / dof) * (x - x.mean())
    dof = node._rnumel - node._c
    if not node.keepdim and x._data.ndim > 1:
        g = _back(g, node._dims, False)
    return mul_scalar(g, 2.0 / dof if dof else np.inf) * (x - x.mean(node._dims, keepdim=True))


class VarBackward0(OpNode):
    """Each element moves the variance by twice its distance from the mean, divided by
    the degrees of freedom (N - correction).

    out = ((self - self.mean(dim))²).sum(dim) / (N - correction)
    grad_self = grad * 2 * (self - self.mean(dim)) / (N - correction)
    """
    saved_names = ("self",)
    # dim, correction: None when not given (PyTorch shows None)
    fields = ("dim", "keepdim", "correction",
              "_dims",                                # dim, counted from 0 and sorted
              "_c",                                   # the correction used (1 when not given)
              "_all",                                 # reduced over everything
              "_rnumel")                              # N along dim (the named dims only)

    def backward(self, g):
        return _var_grad(g, self._saved[0].unpack(), self)


class StdBackward0(VarBackward0):
    """std = sqrt(var): d std = d var / (2 std), taken as 0 where std is 0 (PyTorch's
    std_backward: the gradient of var, fed grad / (2 std)).

    out = sqrt(var(self, dim, correction))
    grad_self = (grad / (2 * result)) * 2 * (self - self.mean(dim)) / (N - correction)
    """
    saved_names = ("self", "result")

    def backward(self, g):
        x, r = (s.unpack() for s in self._saved)
        gv = (g / mul_scalar(r, 2)).masked_fill_(_const(r._data == 0), 0)
        return _var_grad(gv, x, self)


def _var_like(fn: str, input: Tensor, dim: Any, unbiased: Any, keepdim: bool,
              correction: Any, with_mean: bool = False) -> Any:
    if isinstance(dim, bool):                        # var(True): the old ``unbiased`` form
        dim, unbiased = _UNSET, dim
    d = input._data
    if d.dtype.kind != "f":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    # what grad_fn._saved_correction shows follows the overload PyTorch picked
    if correction is not _UNSET and correction is not None:
        shown = c = correction
    elif unbiased is not _UNSET:
        shown = c = 1 if unbiased else 0
    elif dim is not _UNSET:
        shown = c = 1
    else:
        shown, c = None, 1
    dim = None if dim is _UNSET else dim
    dims = dims_of(dim, d.ndim)
    n = _numel(d.shape, dims)
    dof = _py.max(0, n - c)
    if dof <= 0:
        warnings.warn(
            "var(): degrees of freedom is <= 0. Correction should be strictly less than the "
            "reduction factor (input numel divided by output numel). (Triggered internally at "
            "/__w/pytorch/pytorch/aten/src/ATen/native/ReduceOps.cpp:1861.)", UserWarning,
            stacklevel=3)
    # PyTorch's CPU kernel accumulates in double whatever the dtype (float32 results are the
    # double result rounded once)
    acc = d if d.dtype.itemsize >= 8 else d.astype(np.float64)
    if not with_mean and d.dtype == np.float32 and d.size and n == d.size:
        # var/std of all the elements (std_var_all_cpu): the mean in float32 first, as
        # ``mean()`` computes it (inf past float32's largest), then the squares in double
        mean = (d.sum(axis=dims, keepdims=True) / n).astype(np.float64)
    else:
        mean = acc.sum(axis=dims, keepdims=True) / (n or np.nan)
    dev = acc - mean
    data = (dev * dev).sum(axis=dims, keepdims=keepdim) / dof
    if fn == "std":
        data = B.xp_of(d).sqrt(data)
    fields = {"dim": None if dim is None else shown_dims(dim), "keepdim": keepdim,
              "correction": shown, "_dims": dims, "_c": c, "_all": dim is None or not d.ndim,
              # N of the gradient along dim: the named dims only (an empty list names none)
              "_rnumel": 1 if isinstance(dim, (tuple, list)) and not dim else n}
    if with_mean:                                    # var_mean / std_mean: one node, two outputs
        mean = acc.sum(axis=dims, keepdims=keepdim) / (n or np.nan)
        first = data.astype(d.dtype, copy=False)
        if fn == "std":                               # (std_mean saves its std, result0)
            return record_multi((first, mean.astype(d.dtype, copy=False)), StdMeanBackward0, (input,),
                                saved=(input, Tensor._wrap(first)), **fields)
        return record_multi((first, mean.astype(d.dtype, copy=False)),
                            VarMeanBackward0, (input,), saved=(input,), **fields)
    node = StdBackward0 if fn == "std" else VarBackward0
    return record(dense(as_array(data.astype(d.dtype, copy=False))), node, (input,), saved=(input,),
                  save_output=fn == "std", **fields)


class VarMeanBackward0(VarBackward0):
    """var, mean = var_mean(x): one node for both outputs; x's gradient is the sum of what
    each output sends back (2 (x - mean) / (N - correction) and 1 / N).

    var, mean = self.var(dim, correction), self.mean(dim)
    grad_self = grad * 2 * (self - mean) / (N - correction) + grads[1] / N
    """

    def backward(self, g_var, g_mean):
        x = self._saved[0].unpack()
        out = None
        if g_var is not None:
            out = _var_grad(g_var, x, self)
        if g_mean is not None:                       # (mean's own rule)
            shape = x.shape
            grow = g_mean.expand(shape) if self._all else grad_to_input(g_mean, shape, self._dims, self.keepdim)
            part = div_scalar(grow, _numel(shape, self._dims))
            out = part if out is None else out + part
        return out


class StdMeanBackward0(VarMeanBackward0):
    """std, mean = std_mean(x): one node for both outputs; x's gradient is the sum of what
    each sends back (std's: var's fed grad / (2 std), 0 where std is 0; mean's: 1 / N).

    std, mean = self.std(dim, correction), self.mean(dim)
    grad_self = (grad / (2 * result0)) * 2 * (self - mean) / (N - correction) + grads[1] / N
    """
    saved_names = ("self", "result0")

    def backward(self, g_std, g_mean):
        r = self._saved[1].unpack()
        if STATE.grad_enabled:                        # (create_graph: the std as a function of self,
            x = self._saved[0].unpack()               # so second derivatives see it)
            r = std(x, None if self._all else list(self._dims), correction=self._c, keepdim=self.keepdim)
        g_var = None
        if g_std is not None:
            g_var = (g_std / mul_scalar(r, 2)).masked_fill_(_const(r._data == 0), 0)
        return VarMeanBackward0.backward(self, g_var, g_mean)


def std_mean(input: Tensor, dim: Any = _UNSET, unbiased: Any = _UNSET, keepdim: bool = False, *,
             correction: Any = _UNSET) -> tuple:
    """``(std(input, ...), mean(input, ...))`` in one pass, recorded as one node."""
    return _var_like("std", input, dim, unbiased, keepdim, correction, with_mean=True)


def var_mean(input: Tensor, dim: Any = _UNSET, unbiased: Any = _UNSET, keepdim: bool = False, *,
             correction: Any = _UNSET) -> tuple:
    """``(var(input, ...), mean(input, ...))`` in one pass, recorded as one node."""
    return _var_like("var", input, dim, unbiased, keepdim, correction, with_mean=True)


def var(input: Tensor, dim: Any = _UNSET, unbiased: Any = _UNSET, keepdim: bool = False, *,
        correction: Any = _UNSET) -> Tensor:
    """Variance: mean squared distance from the mean, divided by ``N - correction``.

    ``correction=1`` (the default, Bessel's correction) gives the unbiased estimate;
    ``unbiased=False`` is ``correction=0``.
    """
    return _var_like("var", input, dim, unbiased, keepdim, correction)


def std(input: Tensor, dim: Any = _UNSET, unbiased: Any = _UNSET, keepdim: bool = False, *,
        correction: Any = _UNSET) -> Tensor:
    """Standard deviation: the square root of ``var`` (same arguments)."""
    return _var_like("std", input, dim, unbiased, keepdim, correction)


# ---------------------------------------------------------------------------
# norm (vector p-norms)
# ---------------------------------------------------------------------------


class LinalgVectorNormBackward0(OpNode):
    """The p-norm (sum |x|^p)^(1/p) grows with each element as sign(x) |x|^(p-1) / norm^(p-1);
    the gradient is 0 where the norm is 0 (as PyTorch).

    out = (|self|^ord).sum(dim) ^ (1/ord)
    grad_self = grad * sign(self) * |self|^(ord-1) / result^(ord-1)
    """
    saved_names = ("self", "result")
    fields = ("ord", "dim", "keepdim",               # (dim: None when not given, as PyTorch shows)
              "_dims")                                # (dim, counted from 0 and sorted)

    def backward(self, g):
        x, r = (s.unpack() for s in self._saved)
        p, dims = self._order(), self._dims
        g, r = _up(self, g), _up(self, r)
        xd, rd = x._data, r._data
        if p == 0:
            return None
        if p == 1:
            return x.sign() * g
        from .compare import where
        zero_norm = _const(rd == 0)
        if p == 2:
            return g * where(zero_norm, 0.0, x / r)
        if p in (float("inf"), float("-inf")):
            ax = B.xp_of(xd).abs(xd)
            mask = (ax == rd) | B.xp_of(xd).isnan(ax)
            count = mask.sum(axis=dims, keepdims=True).astype(xd.dtype)
            return x.sign() * ((g / _const(count)) * _const(mask.astype(xd.dtype)))
        if p < 1:
            scaled = x.sign() * where(_const(xd == 0), 0.0, x.abs() ** (p - 1))
            return scaled * g * r ** (1 - p)
        scaled = x.sign() * x.abs() ** (p - 1) if p < 2 else x * x.abs() ** (p - 2)
        return scaled * where(zero_norm, 0.0, g / r ** (p - 1))


    def _order(self) -> float:
        return float(self.ord)


class NormBackward1(LinalgVectorNormBackward0):
    """ATen's ``norm(self, p, dim, keepdim)`` (what ``F.pairwise_distance`` calls; Python's
    ``torch.norm`` goes to ``linalg.vector_norm``): the same rule, its order named p.

    out = (|self|^p).sum(dim) ^ (1/p)
    grad_self = grad * sign(self) * |self|^(p-1) / result^(p-1)
    """
    fields = ("p", "dim", "keepdim", "_dims")

    def _order(self) -> float:
        return float(self.p)


def aten_norm(input: Tensor, p: float, dim: Any, keepdim: bool = False) -> Tensor:
    """ATen's ``norm.ScalarOpt_dim``: the vector p-norm along ``dim``, recorded as
    ``NormBackward1``."""
    d = input._data
    dims = dims_of(dim, d.ndim)
    _check_identity(d, float(p), dim)
    data = _vector_norm(d, float(p), dims, keepdim)
    return record(dense(as_array(data)), NormBackward1, (input,), saved=(input,), save_output=True,
                  p=p, dim=shown_dims(dim), keepdim=keepdim, _dims=dims)


def _vector_norm(d: Any, p: float, dims: tuple, keepdim: bool) -> Any:
    xp = B.xp_of(d)
    a = xp.abs(d)
    if p == 2:
        return xp.sqrt((a * a).sum(axis=dims, keepdims=keepdim))
    if p == 1:
        return a.sum(axis=dims, keepdims=keepdim)
    if p in (float("inf"), float("-inf")):
        return a.max(axis=dims, keepdims=keepdim) if p > 0 else a.min(axis=dims, keepdims=keepdim)
    if p == 0:
        return (a != 0).sum(axis=dims, keepdims=keepdim).astype(d.dtype)
    return (a ** p).sum(axis=dims, keepdims=keepdim) ** (1.0 / p)


def _check_identity(d: Any, p: float, dim: Any) -> None:
    """A negative or infinite p-norm is a min/max-like reduction, which has no value over
    nothing: PyTorch refuses an empty tensor (or an empty dimension reduced over)."""
    if d.size or not (p < 0 or p == float("inf")):
        return
    shown = str(int(p)) if math.isfinite(p) and p == int(p) else str(p)
    if dim is None or (not isinstance(dim, int) and len(dim) == 0):
        raise RuntimeError(f"linalg.vector_norm cannot compute the {shown} norm on an empty tensor "
                           "because the operation does not have an identity")
    for k in ((dim,) if isinstance(dim, int) else dim):
        if d.shape[k] == 0:                         # (dims_of has checked the range)
            raise RuntimeError(f"linalg.vector_norm cannot compute the {shown} norm on the dimension "
                               f"{k}because this dimension is empty and the operation does not have "
                               "an identity")


def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, out: Any = None,
         dtype: Any = None) -> Tensor:
    """The vector p-norm of all elements, or along ``dim``: ``(sum |x|^p)^(1/p)``.

    ``p=2`` (the default, also ``'fro'``) is the Euclidean length; ``p=1`` the sum of
    absolute values; ``p=inf`` the largest absolute value.
    """
    if isinstance(p, str):
        if p == "nuc":                               # the sum of singular values
            from ..linalg import matrix_norm
            return matrix_norm(input, "nuc", dim=(-2, -1) if dim is None else dim, keepdim=keepdim,
                               dtype=dtype)
        if p != "fro":
            raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
        if dim is not None and not isinstance(dim, int) and len(dim) > 2:
            raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got "
                               + " ".join(str(k) for k in dim))
        p = 2
    d = input._data
    if dtype is not None:
        d = d.astype(dtype.np)
    if d.dtype.kind != "f":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {B.SCALAR_NAMES[d.dtype.name]}")
    dims = dims_of(dim, d.ndim)
    _check_identity(d, float(p), dim)
    data = _vector_norm(d, float(p), dims, keepdim)
    res = record(dense(as_array(data)), LinalgVectorNormBackward0, (input,), saved=(input,),
                 save_output=True, ord=p, dim=None if dim is None else shown_dims(dim),
                 keepdim=keepdim, _dims=dims)
    return _cast_back(res, input) if dtype is not None else res


# ---------------------------------------------------------------------------
# logsumexp / softmax / log_softmax
# ---------------------------------------------------------------------------


def _shifted(d: Any, axis: Any) -> tuple[Any, Any]:
    """``d - m`` with ``m`` the (finite) maximum along ``axis``: exp() cannot overflow."""
    xp = B.xp_of(d)
    if d.size == 0:
        return d, xp.zeros(tuple(1 if i in axis else s for i, s in enumerate(d.shape)), d.dtype)
    m = d.max(axis=axis, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0).astype(d.dtype)
    return d - m, m


def _floating(d: Any) -> Any:
    return d if d.dtype.kind == "f" else d.astype(B.get_default_dtype().np)


class LogsumexpBackward0(OpNode):
    """out = log(sum(exp(x))): its derivative is exp(x - out), the softmax of x.

    out = self.exp().sum(dim, keepdim).log()
    grad_self = grad.unsqueeze(dim) * exp(self - result)
    """
    saved_names = ("self", "result")
    fields = ("dim", "keepdim",
              "_dims")                                # (dim, counted from 0 and sorted)

    def backward(self, g):
        x, r = (s.unpack() for s in self._saved)
        return _up(self, g) * (x - _up(self, r)).exp()


def logsumexp(input: Tensor, dim: Any = _UNSET, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(x)))`` along ``dim``, computed without overflow (max subtracted first)."""
    _need_dim("logsumexp", dim)
    d = _floating(input._data)
    dims = dims_of(dim, d.ndim)
    z, m = _shifted(d, dims)
    xp = B.xp_of(d)
    data = xp.log(xp.exp(z).sum(axis=dims, keepdims=True)) + m
    if not keepdim:
        data = data.reshape(tuple(s for i, s in enumerate(d.shape) if i not in dims))
    return record(dense(as_array(data)), LogsumexpBackward0, (input,), saved=(input,), save_output=True,
                  dim=shown_dims(dim), keepdim=keepdim, _dims=dims)


class SoftmaxBackward0(OpNode):
    """y = softmax(x): each input moves every output of its slice, so the gradient is
    y times (grad minus the y-weighted sum of grad) along dim.

    out = self.softmax(dim)
    grad_self = result * (grad - (grad * result).sum(dim, keepdim=True))
    """
    saved_names = ("result",)
    fields = ("dim",
              "_n")                                   # (dim, counted from 0)

    def backward(self, g):
        return softmax_backward_data(g, self._saved[0].unpack(), self._n, self.dim)


class LogSoftmaxBackward0(OpNode):
    """y = log_softmax(x): the gradient minus softmax(x) times the slice's total gradient.

    out = self.log_softmax(dim)
    grad_self = grad - exp(result) * grad.sum(dim, keepdim=True)
    """
    saved_names = ("result",)
    fields = ("dim",
              "_n")                                   # (dim, counted from 0)

    def backward(self, g):
        return log_softmax_backward_data(g, self._saved[0].unpack(), self._n, self.dim)


_C_ORDER = {True: {"order": "C"}, False: {}}          # (numpy's ufuncs lay out by their inputs)


def _softmax_like(kind: str, input: Tensor, dim: int, dtype: Any) -> Tensor:
    _need_dim(kind, dim)
    if dtype is not None:
        input = input.to(dtype)
    d = input._data
    n = canon_dim(dim, d.ndim)
    if d.dtype.kind != "f":
        if not d.size:                                # (an empty input runs no kernel: it comes
            return record(d.copy(), SoftmaxBackward0, (input,))    # back, in its own dtype)
        where = "lastdim_kernel_impl" if n == d.ndim - 1 or d.ndim == 0 else "kernel_impl"
        raise NotImplementedError(f'"{kind}_{where}" not implemented for \'{B.SCALAR_NAMES[d.dtype.name]}\'')
    xp = B.xp_of(d)
    src, axis = (d, (n,)) if d.ndim else (d.reshape(1), (0,))   # (ufuncs make 0-d scalars)
    # shifted by the maximum, so exp() cannot overflow; a slice holding +inf or only -inf
    # gives nan, as in PyTorch (logsumexp is the one that treats them specially)
    # (the result is contiguous whatever the input's layout, as PyTorch's kernels write it)
    z = xp.subtract(src, src.max(axis=axis, keepdims=True), **_C_ORDER[xp is np]) if src.size else src.copy()
    e = xp.exp(z)                                           # (z: fresh, updated in place below)
    total = e.sum(axis=axis, keepdims=True)
    if kind == "softmax":
        # PyTorch's kernels: along the last dim, times 1 / total; along another, / total
        # (the two can differ in the last bit)
        if axis[0] == src.ndim - 1:
            data = xp.multiply(e, xp.reciprocal(total, out=total), out=e)
        else:
            data = xp.divide(e, total, out=e)
        node = SoftmaxBackward0
    else:
        data, node = xp.subtract(z, xp.log(total, out=total), out=z), LogSoftmaxBackward0
    return record(data if d.ndim else data.reshape(()), node, (input,), save_output=True,
                  dim=shown_dim(dim), _n=n)


def softmax(input: Tensor, dim: int = _UNSET, dtype: Any = None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``: positive, and each slice sums to 1."""
    return _softmax_like("softmax", input, dim, dtype)


def log_softmax(input: Tensor, dim: int = _UNSET, dtype: Any = None) -> Tensor:
    """``log(softmax(x))`` along ``dim``, computed stably as ``x - logsumexp(x)``."""
    return _softmax_like("log_softmax", input, dim, dtype)


# ---------------------------------------------------------------------------
# cumsum
# ---------------------------------------------------------------------------


class CumsumBackward0(OpNode):
    """out_i = x_1 + ... + x_i, so x_i receives the gradients of out_i, ..., out_n: a
    cumulative sum taken from the other end (flip, cumsum, flip).

    out = self.cumsum(dim)
    grad_self = grad.flip(dim).cumsum(dim).flip(dim)
    """
    fields = ("dim",
              "_n")                                   # (dim, counted from 0)

    def backward(self, g):
        n = self._n
        if g._data.size <= 1 or g._data.shape[n] == 1:   # (PyTorch's cumsum_backward: trivially
            return g                                      # the gradient itself)
        from .joins import flip
        return flip(flip(g, (n,)).cumsum(n), (n,))


def cumsum(input: Tensor, dim: int = _UNSET, *, dtype: Any = None) -> Tensor:
    """Running sum along ``dim`` (integer and bool tensors give int64)."""
    _need_dim("cumsum", dim)
    d = input._data
    n = canon_dim(dim, d.ndim)
    acc = _acc_dtype(d, dtype)
    xp = B.xp_of(d)
    if not d.ndim:
        data = d.astype(acc or d.dtype)
    elif d.flags.c_contiguous:
        data = xp.cumsum(d, axis=n, dtype=acc)
    else:                                             # (PyTorch's result is contiguous)
        data = xp.cumsum(d, axis=n, dtype=acc, out=xp.empty(d.shape, acc or d.dtype))
    out = record(as_array(data), CumsumBackward0, (input,), dim=shown_dim(dim), _n=n)
    return _cast_back(out, input) if dtype is not None else out


# ---------------------------------------------------------------------------

for _name in ("sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "var", "std",
              "logsumexp", "softmax", "log_softmax", "cumsum"):
    register(_name)(globals()[_name])


def _norm_method(self: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
    """``x.norm(...)``: ``torch.norm`` of ``x``, without ``out=`` (no Tensor method takes it)."""
    return norm(self, p, dim, keepdim, dtype=dtype)


_norm_method.__name__, _norm_method.__qualname__ = "norm", "Tensor.norm"   # (as PyTorch's messages name it)
register("norm")(_norm_method)

EXPORTS = ["sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "var", "std",
           "var_mean", "std_mean", "norm", "logsumexp", "softmax", "log_softmax", "cumsum", "return_types"]


def sum_to_size(self: Tensor, *size: Any) -> Tensor:
    """Sum this tensor down to ``size``, a shape it can be broadcast from (undoes ``expand``)."""
    from ._core import sum_to
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    shape = tuple(int(s) for s in size)
    mine = self._data.shape
    lead = len(mine) - len(shape)
    if lead < 0 or any(s != 1 and s != mine[lead + i] for i, s in enumerate(shape)):
        raise RuntimeError(f"size {{[{', '.join(map(str, shape))}]}} is not expandable to size "
                           f"{{[{', '.join(map(str, mine))}]}}.")
    if not shape:                                    # to a 0-d tensor: always a sum (never self)
        return self.sum()
    return sum_to(self, shape)


register("sum_to_size")(sum_to_size)
