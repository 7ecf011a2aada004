"""Running extremes along a dimension, each forward beside its node: ``cummax`` and
``cummin`` give, at each position, the largest (smallest) value so far and where it was.

As ``max(dim)``, the values are picked elements: each sends its gradient back to the
position it was picked from (added up where one position was picked many times).
A tie moves the index to the later element; a NaN, once met, stays.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _backend as B
from .._tensor import Tensor, canon_dim
from ._core import OpNode, as_array, record_multi, register
from .reduce import _return_type, return_types

return_types.cummax = _return_type("cummax")
return_types.cummin = _return_type("cummin")


class CummaxBackward0(OpNode):
    """Running maxima are picked elements: the gradient goes back to where each was picked.

    values, indices = self.cummax(dim)
    grad_self = zeros_like(self).scatter_add(dim, indices, grad)
    """
    saved_names = ("self", "indices")
    fields = ("dim", "_n", "_shape")                  # (_n: dim counted from 0; _shape: self's)

    def backward(self, g, _g_indices=None):
        from .gathers import scatter_add
        idx = self._saved[1].unpack()
        zeros = Tensor._wrap(B.xp_of(g._data).zeros(self._shape, g._data.dtype))
        if not self._shape:
            return g
        return scatter_add(zeros, self._n, idx, g)


class CumminBackward0(CummaxBackward0):
    """Running minima are picked elements: the gradient goes back to where each was picked.

    values, indices = self.cummin(dim)
    grad_self = zeros_like(self).scatter_add(dim, indices, grad)
    """


def _running(kind: str, input: Tensor, dim: int) -> Any:
    d = input._data
    n = canon_dim(dim, d.ndim)
    node = CummaxBackward0 if kind == "cummax" else CumminBackward0
    if d.ndim == 0:
        return _picked(kind, node, input, d.copy(), np.zeros((), np.int64), dim=dim, _n=0, _shape=())
    x = np.moveaxis(B.to_device(d, B.CPU) if not isinstance(d, np.ndarray) else d, n, 0)
    vals, idx = np.empty_like(x), np.zeros(x.shape, np.int64)
    if x.shape[0]:
        best, at = x[0].copy(), np.zeros(x.shape[1:], np.int64)
        vals[0], idx[0] = best, at
        nan_kind = x.dtype.kind == "f"
        for k in range(1, x.shape[0]):
            v = x[k]
            better = (v >= best) if kind == "cummax" else (v <= best)
            if nan_kind:                              # (a NaN wins once, then stays)
                better = (better | np.isnan(v)) & ~np.isnan(best)
            best = np.where(better, v, best)
            at = np.where(better, k, at)
            vals[k], idx[k] = best, at
    vals, idx = np.moveaxis(vals, 0, n), np.moveaxis(idx, 0, n)
    return _picked(kind, node, input, np.ascontiguousarray(vals), np.ascontiguousarray(idx), dim=dim, _n=n,
                   _shape=tuple(d.shape))


def _picked(kind: str, node: type, input: Tensor, vals: Any, idx: Any, **fields: Any) -> Any:
    """``return_types.<kind>(values, indices)``: values record ``node``, saving self and the
    indices (as PyTorch's node shows both)."""
    indices = Tensor._wrap(as_array(idx))
    values = record_multi((vals, idx), node, (input,), saved=(input, indices), differentiable=(True, False),
                          **fields)[0]
    return getattr(return_types, kind)(values, indices)


def cummax(input: Tensor, dim: int) -> Any:
    """``(values, indices)``: the largest element so far along ``dim``, and its position."""
    return _running("cummax", input, dim)


def cummin(input: Tensor, dim: int) -> Any:
    """``(values, indices)``: the smallest element so far along ``dim``, and its position."""
    return _running("cummin", input, dim)


for _f in (cummax, cummin):
    register(_f.__name__)(_f)

EXPORTS = ["cummax", "cummin"]
