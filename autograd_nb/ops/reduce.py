"""Reductions: sum, mean, ... over all elements or along ``dim`` (int or tuple).

The gradient of a reduction spreads the incoming gradient back over the reduced
dimensions (``expand``), scaled as the reduction requires (1/N for ``mean``).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _backend as B
from .._tensor import Tensor, canon_dim
from ._core import OpNode, as_array, record, register


def dims_of(dim: Any, ndim: int) -> tuple[int, ...]:
    """``dim`` (None, an int, or a sequence) as a sorted tuple of non-negative dims."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
        dim = (int(dim),)
    out = tuple(sorted({canon_dim(d, ndim) for d in dim}))
    if ndim == 0:
        return ()
    return out


def grad_to_input(g: Tensor, in_shape: tuple, dims: tuple, keepdim: bool) -> Tensor:
    """Undo a reduction's shape: reinsert reduced dims, then broadcast to the input shape."""
    if not keepdim and in_shape:
        for d in dims:
            g = g.unsqueeze(d)
    return g.expand(in_shape)


class SumBackward0(OpNode):
    """out = sum of all elements -> every element gets the incoming gradient."""
    __slots__ = ()

    def backward(self, g):
        return g.expand(self.extra)

    def _extra_saved(self, name):
        return self.extra if name == "self_sym_sizes" else None


class SumBackward1(OpNode):
    __slots__ = ()

    def backward(self, g):
        shape, dims, keepdim = self.extra
        return grad_to_input(g, shape, dims, keepdim)

    def _extra_saved(self, name):
        shape, dims, keepdim = self.extra
        return {"self_sym_sizes": shape, "dim": dims, "keepdim": keepdim}.get(name)


def _acc_dtype(d: Any, dtype: Any) -> Any:
    if dtype is not None:
        return dtype.np
    return np.int64 if d.dtype.kind in "biu" else None


def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Sum of all elements, or along ``dim`` (integer and bool tensors sum as int64)."""
    d = input._data
    if dim is None:
        return record(as_array(d.sum(dtype=_acc_dtype(d, dtype))), SumBackward0, (input,),
                      extra=d.shape)
    dims = dims_of(dim, d.ndim)
    data = d.sum(axis=dims, keepdims=keepdim, dtype=_acc_dtype(d, dtype))
    return record(as_array(data), SumBackward1, (input,), extra=(d.shape, dims, keepdim))


class MeanBackward0(OpNode):
    __slots__ = ()

    def backward(self, g):
        shape = self.extra
        n = 1
        for s in shape:
            n *= s
        return g.expand(shape) / n

    def _extra_saved(self, name):
        if name == "self_sym_sizes":
            return self.extra
        if name == "self_sym_numel":
            return int(np.prod(self.extra))
        return None


class MeanBackward1(OpNode):
    __slots__ = ()

    def backward(self, g):
        shape, dims, keepdim = self.extra
        n = 1
        for d in dims:
            n *= shape[d]
        return grad_to_input(g, shape, dims, keepdim) / n


def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Average of all elements, or along ``dim`` (floating tensors only)."""
    d = input._data
    if d.dtype.kind != "f" and dtype is None:
        name = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                "bool": "Bool"}[d.dtype.name]
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {name}")
    if dtype is not None:
        d = d.astype(dtype.np)
    if dim is None:
        return record(as_array(d.mean()), MeanBackward0, (input,), extra=d.shape)
    dims = dims_of(dim, d.ndim)
    return record(as_array(d.mean(axis=dims, keepdims=keepdim)), MeanBackward1, (input,),
                  extra=(d.shape, dims, keepdim))


register("sum")(sum)
register("mean")(mean)

EXPORTS = ["sum", "mean"]
