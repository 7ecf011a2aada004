"""Sorting: ``sort``, ``argsort``, ``msort`` and ``topk``.

``values, indices = x.sort(dim)`` reorders each slice along ``dim``; ``indices`` says
where each value came from. Only ``values`` is differentiable: its gradient goes back
to the place each value came from (``indices`` tells where), and every other place of
the input gets 0 (for ``topk``, the elements that were not picked).

As on PyTorch's cpu, ties keep their original order (a stable sort, ascending or
descending) and NaN counts as larger than any number.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _backend as B
from ..autograd.grad_mode import STATE
from .._tensor import Tensor, canon_dim
from ._core import OpNode, as_array, no_kernel, record, register
from . import _std_order
from ._layout import laid_like
from .reduce import (MaxBackward0, MaxBackward1, _return_type, return_types, shown_dim,
                     value_selecting_backward, with_indices)

return_types.sort = _return_type("sort")
return_types.topk = _return_type("topk")
return_types.median = _return_type("median")
return_types.nanmedian = _return_type("nanmedian")
return_types.kthvalue = _return_type("kthvalue")


class SortBackward0(OpNode):
    """values = x sorted along dim: each value's gradient goes back to the place it came
    from (indices tells where; the indices output has no gradient).

    values, indices = self.sort(dim)
    grad_self = zeros(self.shape).scatter(dim, indices, grad)
    """
    saved_names = ("indices",)
    fields = ("dim", "self_sym_sizes",
              "_n")                                   # (dim, counted from 0)

    def backward(self, g, _g_indices=None):
        return value_selecting_backward(g, self._saved[0].unpack(), self.self_sym_sizes, self._n, True)


class SortBackward1(SortBackward0):
    """sort with stable= given (PyTorch's sort.stable): the same rule, each value's gradient
    goes back to the place it came from.

    values, indices = self.sort(dim, stable=stable)
    grad_self = zeros(self.shape).scatter(dim, indices, grad)
    """


class TopkBackward0(SortBackward0):
    """values = the k largest (or smallest) along dim: each gets its gradient back where
    it came from; the elements not picked get none.

    values, indices = self.topk(k, dim)
    grad_self = zeros(self.shape).scatter(dim, indices, grad)
    """


def _order(d: Any, n: int, descending: bool, stable: bool = True) -> Any:
    """Sorting indices along axis ``n`` (NaN largest), ascending or descending: stable, or
    (``stable=False``) in the order of PyTorch's cpu kernel, ``std::sort``, whose ties
    come out in an order of its own (``_std_order``); a 1-d ascending sort of 32768 or more
    integers is PyTorch's radix sort, stable."""
    xp = B.xp_of(d)
    if d.dtype.kind == "b":
        d = d.view(np.uint8)
    if not descending:
        order = xp.argsort(d, axis=n, kind="stable")
    else:
        # descending and stable: sort the reversed slices ascending, then read the result
        # backwards (equal values come out in their original order; NaN first)
        size = d.shape[n]
        rev = xp.argsort(xp.flip(d, axis=n), axis=n, kind="stable")
        order = (size - 1) - xp.flip(rev, axis=n)
    if stable or (d.ndim == 1 and not descending and d.dtype.kind in "iu" and d.size >= 32768):
        return order
    less = _std_order.descending if descending else _std_order.ascending
    return _retie(d, n, order, lambda keys: _std_order.std_sort(keys, less))


def _tied_rows(d: Any, n: int, order: Any) -> tuple[Any, Any]:
    """``d`` and ``order`` as rows ``(-1, size)`` along axis ``n``, and which rows hold two
    equal values (two NaN count as equal)."""
    xp = B.xp_of(d)
    rows = xp.moveaxis(d, n, -1).reshape(-1, d.shape[n])
    srt = xp.take_along_axis(rows, xp.moveaxis(order, n, -1).reshape(rows.shape), axis=-1)
    same = srt[:, 1:] == srt[:, :-1]
    if srt.dtype.kind == "f":
        same |= xp.isnan(srt[:, 1:]) & xp.isnan(srt[:, :-1])
    return rows, same.any(axis=-1)


def _retie(d: Any, n: int, order: Any, pick: Any, width: int | None = None, every: bool = False,
           at: int = 0) -> Any:
    """``order`` (along axis ``n``, cut to ``width`` positions from ``at``) with each row
    that holds ties (``every``: each row) replaced by ``pick(the row's values as a list)``,
    the kernel's order."""
    xp = B.xp_of(d)
    if d.size == 0 or (d.shape[n] < 2 and not every):  # (nothing can tie)
        return order[(slice(None),) * n + (slice(at, None if width is None else at + width),)]
    rows, tied = _tied_rows(d, n, order)
    if every:
        tied = xp.ones_like(tied)
    moved = xp.moveaxis(order, n, -1)
    out = moved.reshape(-1, moved.shape[-1])[:, at:None if width is None else at + width].copy()
    for r in np.flatnonzero(B.to_device(tied, B.CPU) if not isinstance(tied, np.ndarray) else tied):
        out[r] = xp.asarray(pick(B.to_device(rows[r], B.CPU).tolist()))
    return xp.moveaxis(out.reshape(moved.shape[:-1] + (out.shape[-1],)), -1, n)


def _sorted(kind: str, input: Tensor, dim: int, descending: bool, k: int | None, node: type | None = None,
            stable: bool = False, in_order: bool = True) -> Any:
    d = input._data
    n = canon_dim(dim, d.ndim)
    if d.ndim == 0:
        idx, vals = B.xp_of(d).zeros((), np.int64), d.copy()
    else:
        if k is None:
            idx = _order(d, n, descending, stable)
        elif k:                                       # topk: the stable order's first k where no
            idx = _retie(d, n, _order(d, n, descending),   # ties, else the kernel's (unsorted: always)
                         lambda keys: _std_order.topk_order(keys, k, descending, in_order), k, every=not in_order)
        else:
            idx = _order(d, n, descending)[(slice(None),) * n + (slice(0, 0),)]
        vals = B.xp_of(d).take_along_axis(d, idx, axis=n)
        if k is None:                                # (sort writes tensors made like the input)
            vals, idx = laid_like(vals, d), laid_like(idx, d)
    if input._is_inference and input._requires_grad and not STATE.mode:
        # an inference tensor that requires grad: autograd never sees sort/topk, but sort's
        # kernel copies self into an ordinary values tensor with copy_, which it records
        # (CopyBackwards: convert._copied_from_inference); topk's values need no grad
        from .convert import _copied_from_inference
        indices = Tensor._wrap(as_array(idx.astype(np.int64, copy=False)))
        values = _copied_from_inference(vals, input) if kind == "sort" else Tensor._wrap(as_array(vals))
        return getattr(return_types, kind)(values, indices)
    node = node or (SortBackward0 if kind == "sort" else TopkBackward0)
    return with_indices(kind, node, input, vals, idx,
                        dim=shown_dim(dim), self_sym_sizes=d.shape, _n=n)


def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool | None = None) -> Any:
    """``(values, indices)``: each slice along ``dim`` in increasing (or decreasing) order.

    ``values[i] == input[indices[i]]`` along ``dim``. Ties come out as PyTorch's cpu kernel
    leaves them (``std::sort``'s order, see ``_std_order``); ``stable=True`` keeps them in
    their original order. Given at all, ``stable`` makes it PyTorch's ``sort.stable``
    (SortBackward1).
    """
    return _sorted("sort", input, dim, descending, None, None if stable is None else SortBackward1,
                   stable=bool(stable))


def argsort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
    """The ``indices`` of ``sort``: where each sorted value came from (no gradient)."""
    return sort(input, dim, descending, stable=stable)[1]


def msort(input: Tensor) -> Tensor:
    """``sort(input, dim=0).values``."""
    return sort(input, 0)[0]


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
    """``(values, indices)`` of the ``k`` largest (``largest=False``: smallest) along ``dim``.

    Largest first (smallest first with ``largest=False``); the gradient reaches only the
    ``k`` picked elements of each slice.
    """
    d = input._data
    n = canon_dim(dim, d.ndim)                        # (PyTorch's order: the dim, k, then
    size = d.shape[n] if d.ndim else 1                # the kernel's dtype)
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    if d.dtype.kind == "b":
        raise RuntimeError("topk does not support bool dtypes on CPU")
    return _sorted("topk", input, dim, largest, None if not d.ndim else k, in_order=sorted)


# ---------------------------------------------------------------------------
# median and kthvalue: one element of each slice, picked by its rank
# ---------------------------------------------------------------------------


class MedianBackward0(MaxBackward1):
    """out = the median of all elements: only the element(s) equal to it get the gradient;
    tied elements share it evenly.

    out = self.median()
    grad_self = grad / count where self == result, else 0
    """


class MedianBackward1(MaxBackward0):
    """values = x.median(dim): the gradient goes to the element each index points at
    (the indices output has no gradient).

    values, indices = self.median(dim, keepdim)
    grad_self = zeros(self.shape).scatter(dim, indices, grad)
    """


class KthvalueBackward0(MaxBackward0):
    """values = x.kthvalue(k, dim): the gradient goes to the element each index points at
    (the indices output has no gradient).

    values, indices = self.kthvalue(k, dim, keepdim)
    grad_self = zeros(self.shape).scatter(dim, indices, grad)
    """


def _rank_pick(kind: str, input: Tensor, rank: Any, dim: int, keepdim: bool) -> Any:
    """``(values, indices)`` of the element of rank ``rank(size)`` (0 = smallest) along ``dim``.

    NaN counts as largest; for the median, a slice holding NaN gives NaN and the index of
    its first NaN, as in PyTorch.
    """
    d = input._data
    xp = B.xp_of(d)
    n = canon_dim(dim, d.ndim)
    if d.ndim == 0:
        idx, vals = xp.zeros((), np.int64), d.copy()
    else:
        size = d.shape[n]
        order = _order(d, n, False)
        k = rank(size)
        if size and kind == "kthvalue":               # (ties: ATen's quickselect picks one)
            idx = _retie(d, n, order, lambda keys: [_std_order.quick_select(keys, k)], 1, at=k)
        elif size:
            idx = xp.take(order, [k], axis=n)
            if kind == "median" and d.dtype.kind == "f":   # (kthvalue ranks NaN as largest)
                nan = xp.isnan(d)
                first_nan = xp.argmax(nan, axis=n, keepdims=True)
                idx = xp.where(nan.any(axis=n, keepdims=True), first_nan, idx)
        else:
            idx = xp.zeros(d.shape[:n] + (1,) + d.shape[n + 1:], np.int64)[(slice(None),) * n + (slice(0, 0),)]
        idx = idx.astype(np.int64, copy=False)
        vals = xp.take_along_axis(d, idx, axis=n)
        if not keepdim:
            idx, vals = idx.squeeze(n), vals.squeeze(n)
    return with_indices(kind, MedianBackward1 if kind == "median" else KthvalueBackward0, input, vals, idx,
                        dim=shown_dim(dim), keepdim=keepdim, self_sym_sizes=d.shape, _n=n)


def _out_form_refuses(input: Tensor, name: str) -> None:
    """PyTorch's median(dim) / nanmedian(dim) call their out= form with fresh tensors; for an
    inference input that requires grad (autograd skips the op itself) that out= form is
    refused first."""
    if input._is_inference and input.requires_grad and not STATE.mode:
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")


def median(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """The median: the *lower* of the two middle values for an even count (not their mean).

    Without ``dim``, one number (NaN if any element is NaN); along ``dim``, the pair
    ``(values, indices)``. Among equal values the index may differ from PyTorch's, whose
    choice follows its selection algorithm.
    """
    d = input._data
    if dim is not None:                               # PyTorch's order: the dim, an empty one,
        _out_form_refuses(input, "median")            # then the kernel's dtype
        n = canon_dim(dim, d.ndim)
        if d.ndim and d.shape[n] == 0:
            raise IndexError(f"median(): Expected reduction dim {n} to have non-zero size.")
        if d.dtype.kind == "b":
            raise no_kernel("median_out", d.dtype)
        return _rank_pick("median", input, lambda size: (size - 1) // 2, dim, keepdim)
    if d.dtype.kind == "b" and d.size:               # (an empty one has its own value)
        raise no_kernel("median_cpu", d.dtype)
    if d.size == 0:                               # NaN; for integers PyTorch gives the
        fill = np.nan if d.dtype.kind == "f" else (   # smallest value of the dtype
            np.iinfo(d.dtype).min if d.dtype.kind in "iu" else True)
        data = B.xp_of(d).asarray(fill, dtype=d.dtype)
    elif d.dtype.kind == "f" and bool(B.xp_of(d).isnan(d).any()):
        data = B.xp_of(d).asarray(np.nan, dtype=d.dtype)
    else:
        flat = B.xp_of(d).sort(d.reshape(-1), kind="stable")
        data = flat[(d.size - 1) // 2].copy()
    return record(as_array(data), MedianBackward0, (input,), saved=(input,), save_output=True)


class NanmedianBackward0(MaxBackward1):
    """out = the median of the elements that are not NaN: only the element(s) equal to it
    get the gradient; tied elements share it evenly (all of them NaN: the NaNs share it).

    out = self.nanmedian()
    grad_self = grad / count where self == result, else 0
    """


class NanmedianBackward1(MaxBackward0):
    """values = x.nanmedian(dim): the gradient goes to the element each index points at
    (the indices output has no gradient).

    values, indices = self.nanmedian(dim, keepdim)
    grad_self = zeros(self.shape).scatter(dim, indices, grad)
    """


def nanmedian(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """The median of the values that are not NaN: NaNs are left out, as if absent.

    The lower of the two middle values for an even count; NaN only where every value is
    NaN. Otherwise as :func:`median` (for integers the two are the same). For a slice of
    nothing but NaN the index is one of the NaNs' (PyTorch's depends on its selection
    algorithm).
    """
    d = input._data
    if dim is not None:
        _out_form_refuses(input, "nanmedian")
    if d.dtype.kind != "f":
        return median(input, dim, keepdim) if dim is None else _renamed(median(input, dim, keepdim))
    xp = B.xp_of(d)
    if dim is None:
        kept = d.reshape(-1)
        kept = kept[~xp.isnan(kept)]
        if kept.size == 0:
            data = xp.asarray(np.nan, dtype=d.dtype)
        else:
            data = xp.sort(kept, kind="stable")[(kept.size - 1) // 2].copy()
        return record(as_array(data), NanmedianBackward0, (input,), saved=(input,), save_output=True)
    n = canon_dim(dim, d.ndim)
    if d.ndim == 0:
        idx = xp.zeros((), np.int64)
        vals = d.copy()
    else:
        if d.shape[n] == 0:
            raise IndexError(f"median(): Expected reduction dim {n} to have non-zero size.")
        order = _order(d, n, False)                   # NaN sorts last
        count = (~xp.isnan(d)).sum(axis=n, keepdims=True)
        idx = xp.take_along_axis(order, xp.maximum(count - 1, 0) // 2, axis=n)
        vals = xp.take_along_axis(d, idx, axis=n)
        if not keepdim:
            idx, vals = idx.squeeze(n), vals.squeeze(n)
    return with_indices("nanmedian", NanmedianBackward1, input, vals, idx,
                        dim=shown_dim(dim), keepdim=keepdim, self_sym_sizes=d.shape, _n=n)


def _renamed(pair: Any) -> Any:
    """median's ``(values, indices)`` as nanmedian's return type (integer inputs)."""
    values, indices = pair
    return return_types.nanmedian(values, indices)


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> Any:
    """``(values, indices)`` of the ``k``-th smallest element (k = 1 is the smallest) along ``dim``."""
    if input._is_inference and input._requires_grad and not STATE.mode:
        # (autograd never sees kthvalue; its composite calls the out= form, which refuses an
        # argument that requires grad before any check of its own)
        raise RuntimeError("kthvalue(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    d = input._data
    n = canon_dim(dim, d.ndim)                        # (PyTorch's order: the dim, an empty one,
    size = d.shape[n] if d.ndim else 1                # k, then the kernel's dtype)
    if size == 0:
        raise IndexError(f"kthvalue(): Expected reduction dim {n} to have non-zero size.")
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {n}")
    if d.dtype.kind == "b" and d.ndim:               # (a 0-d one is its own k-th value)
        raise no_kernel("kthvalue_cpu", d.dtype)
    return _rank_pick("kthvalue", input, lambda _size: k - 1, dim, keepdim)


for _name in ("sort", "argsort", "msort", "topk", "median", "nanmedian", "kthvalue"):
    register(_name)(globals()[_name])

EXPORTS = ["sort", "argsort", "msort", "topk", "median", "nanmedian", "kthvalue"]
