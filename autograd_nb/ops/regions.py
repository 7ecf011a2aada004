"""Regions of a tensor, each forward beside its node: a copy with one region replaced
(``select_scatter``, ``slice_scatter``, ``diagonal_scatter``: the out-of-place forms of
writing into ``x[i]``, ``x[a:b]``, ``x.diagonal()``), matrices along a diagonal
(``block_diag``), elements read at flat positions (``take``), a copy filled with one
value (``fill``) and a quarter turn (``rot90``).

The rules mirror the forwards: a region written from ``src`` sends ``src`` the gradient
of that region and ``self`` the rest (zeros where ``src`` went).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import _backend as B
from .._tensor import Tensor, canon_dim
from ._core import OpNode, as_array, record, register


def _zeros_like(t: Tensor) -> Tensor:
    return Tensor._wrap(B.xp_of(t._data).zeros(t._data.shape, t._data.dtype))


def _region_check(src: Tensor, want: tuple) -> None:
    if tuple(src.shape) != tuple(want):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = {list(src.shape)}, "
                           f"slice size = {list(want)}")


class SelectScatterBackward0(OpNode):
    """self with self[index] (along dim) replaced by src: src gets that slice of the
    gradient, self the rest.

    out = self.select_scatter(src, dim, index)
    grad_self = grad.select_scatter(zeros_like(src), dim, index)
    grad_src = grad.select(dim, index)
    """
    fields = ("dim", "index")

    def backward(self, g):
        nf = self.next_functions
        part = g.select(self.dim, self.index)
        return (select_scatter(g, _zeros_like(part), self.dim, self.index) if nf[0][0] is not None else None,
                part if nf[1][0] is not None else None)


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """A copy of ``input`` with ``input.select(dim, index)`` replaced by ``src``."""
    d = canon_dim(dim, input.dim())
    view = input.select(d, index)                     # (its checks: the index's range)
    _region_check(src, tuple(view.shape))
    out = input._data.copy()
    out[(slice(None),) * d + (index,)] = src._data
    return record(as_array(out), SelectScatterBackward0, (input, src), dim=d, index=index)


class SliceScatterBackward0(OpNode):
    """self with self[start:end:step] (along dim) replaced by src: src gets that slice of
    the gradient, self the rest.

    out = self.slice_scatter(src, dim, start, end, step)
    grad_self = grad.slice_scatter(zeros_like(src), dim, start, end, step)
    grad_src = grad.slice(dim, start, end, step)
    """
    fields = ("dim", "start", "end", "step")

    def backward(self, g):
        from .indexing import slice_dim
        nf = self.next_functions
        part = slice_dim(g, self.dim, slice(self.start, self.end, self.step))
        return (slice_scatter(g, _zeros_like(part), self.dim, self.start, self.end, self.step)
                if nf[0][0] is not None else None, part if nf[1][0] is not None else None)


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start: int | None = None, end: int | None = None,
                  step: int = 1) -> Tensor:
    """A copy of ``input`` with ``input[start:end:step]`` (along ``dim``) replaced by ``src``."""
    d = canon_dim(dim, input.dim())
    sl = slice(start, end, step)
    out = input._data.copy()
    region = (slice(None),) * d + (sl,)
    _region_check(src, out[region].shape)
    out[region] = src._data
    return record(as_array(out), SliceScatterBackward0, (input, src), dim=d, start=start, end=end, step=step)


class DiagonalScatterBackward0(OpNode):
    """self with a diagonal replaced by src: src gets that diagonal of the gradient, self
    the rest.

    out = self.diagonal_scatter(src, offset, dim1, dim2)
    grad_self = grad.diagonal_scatter(zeros_like(src), offset, dim1, dim2)
    grad_src = grad.diagonal(offset, dim1, dim2)
    """
    fields = ("offset", "dim1", "dim2")

    def backward(self, g):
        nf = self.next_functions
        part = g.diagonal(self.offset, self.dim1, self.dim2)
        return (diagonal_scatter(g, _zeros_like(part), self.offset, self.dim1, self.dim2)
                if nf[0][0] is not None else None, part if nf[1][0] is not None else None)


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A copy of ``input`` with its ``offset``-th diagonal (of dims ``dim1``, ``dim2``)
    replaced by ``src``."""
    out = input._data.copy()
    view = np.diagonal(out, offset, canon_dim(dim1, out.ndim), canon_dim(dim2, out.ndim))
    _region_check(src, view.shape)
    view.setflags(write=True)
    view[...] = src._data
    return record(as_array(out), DiagonalScatterBackward0, (input, src), offset=offset, dim1=dim1, dim2=dim2)


class BlockDiagBackward0(OpNode):
    """Matrices placed along a diagonal: each gets its own block of the gradient (a 0-d
    input counts as 1 x 1, a 1-d one as one row).

    out = block_diag(*tensors)
    grad_tensors = grad[rows of each, columns of each], each block in its own shape
    """
    fields = ("_blocks",)                             # ((row, col, shape) of each input)

    def backward(self, g):
        return tuple(g[r:r + (s[0] if len(s) == 2 else 1), c:c + (s[-1] if s else 1)].reshape(s)
                     for r, c, s in self._blocks)


def block_diag(*tensors: Tensor) -> Tensor:
    """A matrix with the given tensors as blocks along its diagonal, zeros elsewhere."""
    shapes = []
    for i, t in enumerate(tensors):
        if t.dim() > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t.dim()} dimensions")
        shapes.append((1, 1) if t.dim() == 0 else (1, t.shape[0]) if t.dim() == 1 else tuple(t.shape))
    dt = B.result_type(*((B._FROM_NP[t._data.dtype], 2) for t in tensors)).np if tensors else np.float32
    out = np.zeros((sum(s[0] for s in shapes), sum(s[1] for s in shapes)), dt)
    blocks, r, c = [], 0, 0
    for t, (h, w) in zip(tensors, shapes):
        out[r:r + h, c:c + w] = t._data.reshape(h, w)
        blocks.append((r, c, tuple(t.shape)))
        r, c = r + h, c + w
    return record(as_array(out), BlockDiagBackward0, tuple(tensors), _blocks=tuple(blocks))


class TakeBackward0(OpNode):
    """Elements read at flat positions: each sends its gradient back to its position
    (added up where a position was read twice).

    out = self.take(index)
    grad_self = zeros(self.numel()).index_add(0, index, grad).reshape(self.shape)
    """
    saved_names = ("self", "index")

    def backward(self, g):
        x, index = (s.unpack() for s in self._saved)
        flat = index.reshape(-1)
        n = x.numel()
        flat = flat + (flat < 0).to(flat.dtype) * n
        zeros = Tensor._wrap(B.xp_of(g._data).zeros(n, g._data.dtype))
        return zeros.index_add(0, flat, g.reshape(-1)).reshape(tuple(x.shape))


def take(input: Tensor, index: Tensor) -> Tensor:
    """The elements at the flat positions ``index`` (negative ones count from the end),
    in ``index``'s shape."""
    d, idx = input._data, index._data
    if idx.dtype != np.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {B.SCALAR_NAMES[idx.dtype.name]}")
    n = d.size
    bad = (idx < -n) | (idx >= n)
    if bad.any():
        raise IndexError(f"out of range: tried to access index {int(idx[bad].reshape(-1)[0])} on a tensor of {n} "
                         "elements.")
    out = d.reshape(-1)[np.where(idx < 0, idx + n, idx)] if n else np.zeros(idx.shape, d.dtype)
    return record(as_array(np.asarray(out, d.dtype).reshape(idx.shape)), TakeBackward0, (input,),
                  saved=(input, index))


class FillBackward0(OpNode):
    """Every element replaced by a number: nothing of self reaches the result.

    out = self.fill(value)
    grad_self = zeros_like(grad)
    """

    def backward(self, g):
        return _zeros_like(g)


class FillBackward1(OpNode):
    """Every element replaced by a 0-d tensor's value: it gets the sum of the gradient,
    self nothing.

    out = self.fill(value)   (value: a 0-d tensor)
    grad_self = zeros_like(grad)
    grad_value = grad.sum()
    """

    def backward(self, g):
        nf = self.next_functions
        return (_zeros_like(g) if nf[0][0] is not None else None, g.sum() if nf[1][0] is not None else None)


def fill(input: Tensor, value: Any) -> Tensor:
    """A tensor like ``input`` with every element ``value`` (a number or a 0-d tensor)."""
    d = input._data
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value.dim()} "
                               "dimensions.")
        out = B.xp_of(d).full(d.shape, value._data, d.dtype)
        return record(as_array(out), FillBackward1, (input, value))
    return record(as_array(B.xp_of(d).full(d.shape, value, d.dtype)), FillBackward0, (input,))


class Rot90Backward0(OpNode):
    """A quarter turn k times in the plane of dims: the gradient turns back.

    out = self.rot90(k, dims)
    grad_self = grad.rot90(-k, dims)
    """
    fields = ("k", "dims")

    def backward(self, g):
        return rot90(g, -self.k, self.dims)


def rot90(input: Tensor, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """Turn by 90 degrees ``k`` times, from the first of ``dims`` towards the second."""
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.dim() < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.dim()}")
    a, b = (canon_dim(x, input.dim()) for x in dims)
    if a == b:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} and dim1 = {dims[1]}")
    out = np.ascontiguousarray(np.rot90(input._data, k, (a, b)))
    return record(as_array(out), Rot90Backward0, (input,), k=k, dims=dims)


for _f in (select_scatter, slice_scatter, diagonal_scatter, take, fill, rot90):
    register(_f.__name__)(_f)

EXPORTS = ["select_scatter", "slice_scatter", "diagonal_scatter", "block_diag", "take", "fill", "rot90"]
