"""Joins and gathers: ops that put tensors together, take them apart, or move values around.

* ``stack`` / ``cat`` glue several tensors into one. Their backward hands each input
  its own slice of the incoming gradient.
* ``split`` / ``chunk`` / ``unbind`` cut one tensor into several *views*: one node
  with several outputs. Its backward receives one gradient per output (None for an
  output that was not used, read as zeros) and glues them back together.
* ``flip`` / ``roll`` / ``repeat`` / ``tril`` / ``triu`` / ``diagonal`` rearrange,
  copy or mask values; the gradient is rearranged the opposite way.
* ``gather`` / ``index_select`` / ``scatter`` / ``scatter_add`` / ``scatter_reduce`` / ``index_add`` /
  ``masked_fill`` read or write values at given positions: they live in
  ``ops/gathers.py`` and are exported from here.

Every backward rule is written with these same ops, so ``create_graph=True`` records
the backward pass too (second derivatives).
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .. import _backend as B
from .._tensor import Size, Tensor, canon_dim
from ._core import OpNode, record, record_multi, register
from ._layout import dense, joined_strides, laid_like, strided
from .gathers import _as_method, _fmt, _inplace, _same_device, _zeros
from .gathers import EXPORTS as _GATHER_EXPORTS
from .gathers import (gather, index_add, index_fill, index_select, masked_fill, masked_scatter,  # noqa: F401
                      scatter, scatter_add, scatter_reduce, index_reduce)  # (torch.X)
from .views import _make_view, shown_unsigned

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _no_dims_error(dim: int) -> IndexError:
    return IndexError(f"Dimension specified as {dim} but tensor has no dimensions")


def _note_dtypes(out: Tensor, inputs: Sequence[Tensor]) -> None:
    """Inputs promoted to a wider dtype get their gradient cast back (centrally)."""
    node = out._gfn
    if node is None:
        return
    od = out._data.dtype
    if any(t._data.dtype != od for t in inputs):
        node._in_meta = tuple((t._data.shape, t._data.dtype) for t in inputs)


def _tensor_list(tensors: Any, fn: str) -> list:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{fn}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        f"not {type(tensors).__name__}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    return list(tensors)


def _promoted(tensors: Sequence[Tensor]) -> Any:
    dt = tensors[0].dtype
    for t in tensors[1:]:
        dt = B.promote_types(dt, t.dtype)
    return dt.np


# ---------------------------------------------------------------------------
# stack / cat
# ---------------------------------------------------------------------------


def _joined(xp: Any, shape: tuple, dt: Any, strides: tuple[int, ...] | None) -> Any:
    """The empty result of a join with these element strides (None: contiguous)."""
    if strides is None:
        return xp.empty(shape, dt)
    return strided(xp.empty(math.prod(shape), dt), shape, strides)


def _stack_strides(first: tuple, n: int, d: int, arrays: list) -> tuple[int, ...] | None:
    """PyTorch stacks along an existing dim as a ``cat`` there, viewed with the new dim split
    off (so channels-last inputs give a channels-last-like result); at the end, as a
    ``cat`` of the inputs unsqueezed."""
    if d == len(first):
        return joined_strides(first + (n,), arrays, new_dim=d)
    st = joined_strides(first[:d] + (n * first[d],) + first[d + 1:], arrays)
    return None if st is None else st[:d] + (first[d] * st[d], st[d]) + st[d + 1:]


class StackBackward0(OpNode):
    """Stacking puts input i at position i of a new dim: input i gets the gradient's slice i
    along that dim.

    out = stack(tensors, dim)
    grad_tensors = grad.select(dim, i) for input i (one edge each)
    """
    fields = ("dim", "_dim")                          # (_dim: counted from 0)
    _saved_dim = shown_unsigned("dim")

    def backward(self, g):
        d = self._dim
        return tuple(None if fn is None else g.select(d, i)
                     for i, (fn, _) in enumerate(self.next_functions))


def stack(tensors: Sequence[Tensor], dim: int = 0, *, axis: int | None = None) -> Tensor:
    """Join equally shaped tensors along a *new* dimension ``dim``."""
    tensors = _tensor_list(tensors, "stack")
    if axis is not None:
        dim = axis
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    d = canon_dim(dim, tensors[0]._data.ndim + 1)
    first = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != first:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {_fmt(first)} "
                               f"at entry 0 and {_fmt(t._data.shape)} at entry {i}")
    arrays = [t._data for t in tensors]
    _same_device(arrays)
    dt = _promoted(tensors)
    xp = B.xp_of(arrays[0])                           # (PyTorch's layout: contiguous, or channels-last)
    data = _joined(xp, first[:d] + (len(arrays),) + first[d:], dt, _stack_strides(first, len(arrays), d, arrays))
    xp.stack([a.astype(dt, copy=False) for a in arrays], axis=d, out=data)
    out = record(data, StackBackward0, tensors, dim=dim, _dim=d)
    _note_dtypes(out, tensors)
    return out


class CatBackward0(OpNode):
    """Concatenation: each input gets back the stretch of the gradient it filled along dim.

    out = cat(tensors, dim)
    grad_tensors = grad.narrow(dim, start_i, size_i) for input i (one edge each)
    """
    fields = ("dim", "_dim", "_spans")                # (_dim: counted from 0; _spans: each input's
    _saved_dim = shown_unsigned("dim")                # start and size, None for a skipped empty one)

    def backward(self, g):
        d = self._dim
        out = []
        for (fn, _), span in zip(self.next_functions, self._spans):
            if fn is None:
                out.append(None)
            elif span is None:                         # a skipped empty 1-D input
                out.append(_zeros((0,), g._data))
            else:
                out.append(g.narrow(d, span[0], span[1]))
        return tuple(out)


def _legacy_empty(t: Tensor) -> bool:
    """PyTorch still lets 1-D tensors of size 0 (``torch.tensor([])``) join any cat."""
    return t._data.shape == (0,)


def cat(tensors: Sequence[Tensor], dim: int = 0, *, axis: int | None = None) -> Tensor:
    """Join tensors along an *existing* dimension ``dim``; the other sizes must agree."""
    tensors = _tensor_list(tensors, "cat")
    if axis is not None:
        dim = axis
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    arrays = [t._data for t in tensors]
    _same_device(arrays)
    dt = _promoted(tensors)
    xp = B.xp_of(arrays[0])
    kept = [i for i, t in enumerate(tensors) if not _legacy_empty(t)]
    if not kept:
        data = xp.zeros((0,), dtype=dt)
        spans = [(0, 0)] * len(tensors)
        d = 0
    else:
        ref = tensors[kept[0]]._data.shape
        d = canon_dim(dim, len(ref))
        for i in kept:
            shp = tensors[i]._data.shape
            if len(shp) != len(ref):
                raise RuntimeError(
                    f"Tensors must have same number of dimensions: got {len(ref)} and {len(shp)}")
            for k, (a, b) in enumerate(zip(ref, shp)):
                if k != d and a != b:
                    raise RuntimeError(
                        f"Sizes of tensors must match except in dimension {d}. Expected size {a} but got "
                        f"size {b} for tensor number {i} in the list.")
        shape = ref[:d] + (sum(arrays[i].shape[d] for i in kept),) + ref[d + 1:]
        data = _joined(xp, shape, dt, joined_strides(shape, [arrays[i] for i in kept]))
        xp.concatenate([arrays[i].astype(dt, copy=False) for i in kept], axis=d, out=data)
        spans, at = [], 0
        for t in tensors:
            if _legacy_empty(t):
                spans.append(None)
            else:
                n = t._data.shape[d]
                spans.append((at, n))
                at += n
    out = record(data, CatBackward0, tensors, dim=dim, _dim=d, _spans=spans)
    _note_dtypes(out, tensors)
    return out


concat = concatenate = cat


# ---------------------------------------------------------------------------
# split / chunk / unbind: one node, several outputs, all views
# ---------------------------------------------------------------------------


def _as_views(base: Tensor, outs: tuple, pick: Any) -> tuple:
    """Make each output a view of ``base`` that may not be changed in place (one of several
    views of one node); ``pick(t, i)`` re-derives output i from a tensor."""
    for i, o in enumerate(outs):
        _make_view(base, o, lambda t, i=i: pick(t, i), multi=True)
    return outs


class _Glue(OpNode):
    """The backward of a cut: the outputs' gradients are glued back together (zeros for
    an output that was not used).

    grad_self = cat(grads, dim)
    """
    fields = ("dim", "_dim", "_shapes")               # (_dim: counted from 0; _shapes: the outputs')
    _saved_dim = shown_unsigned("dim")

    def _pieces(self, grads):
        like = next(g for g in grads if g is not None)._data
        return [_zeros(s, like) if g is None else g for g, s in zip(grads, self._shapes)]

    def backward(self, *grads):
        return cat(self._pieces(grads), self._dim)


class SplitBackward0(_Glue):
    """split into pieces of split_size: the pieces' gradients are glued back together
    (zeros for a piece that was not used).

    grad_self = cat(grads, dim)
    """
    fields = _Glue.fields + ("self_sym_sizes", "split_size")


class SplitWithSizesBackward0(_Glue):
    """split into pieces of the listed split_sizes: the pieces' gradients are glued back
    together (zeros for a piece that was not used).

    grad_self = cat(grads, dim)
    """
    fields = _Glue.fields + ("self_sym_sizes", "split_sizes")


class UnbindBackward0(_Glue):
    """unbind takes the slices along dim apart: their gradients are stacked back along dim
    (zeros for a slice that was not used).

    grad_self = stack(grads, dim)
    """

    def backward(self, *grads):
        return stack(self._pieces(grads), self._dim)


def _split_sizes(self: Tensor, sizes: Sequence[int], d: int, dim: int, node: type, **shown: Any) -> tuple:
    shp = self._data.shape
    key, at, datas, shapes = (slice(None),) * d, 0, [], []
    for n in sizes:
        datas.append(self._data[key + (slice(at, at + n),)])
        shapes.append(shp[:d] + (n,) + shp[d + 1:])
        at += n
    outs = record_multi(datas, node, (self,), dim=dim, self_sym_sizes=shp, _dim=d, _shapes=shapes, **shown)
    if node is SplitBackward0:
        return _as_views(self, outs, lambda t, i: split(t, sizes[0], d)[i])
    return _as_views(self, outs, lambda t, i: split(t, list(sizes), d)[i])


def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple:
    """Cut ``tensor`` along ``dim`` into pieces of ``split_size`` (the last may be smaller),
    or into pieces of the listed sizes. The pieces are views."""
    if tensor._data.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    if isinstance(split_size_or_sections, (list, tuple, Size)):
        sizes = [int(s) for s in split_size_or_sections]
        d = canon_dim(dim, tensor._data.ndim)
        size = tensor._data.shape[d]
        if any(s < 0 for s in sizes):
            raise RuntimeError("split_with_sizes expects split_sizes have only non-negative entries, "
                               f"but got split_sizes={_fmt(sizes)}")
        if sum(sizes) != size:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size at "
                f"dimension {d}), but got split_sizes={_fmt(sizes)}")
        return _split_sizes(tensor, sizes, d, dim, SplitWithSizesBackward0, split_sizes=tuple(sizes))
    n = int(split_size_or_sections)
    if n < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={n}")
    d = canon_dim(dim, tensor._data.ndim)
    size = tensor._data.shape[d]
    if n == 0 and size != 0:
        raise RuntimeError(
            f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}")
    count = max(-(-size // n), 1) if n else 1
    sizes = [min(n, size - i * n) for i in range(count)]
    return _split_sizes(tensor, sizes, d, dim, SplitBackward0, split_size=n)


def _split_method(self: Tensor, split_size: Any, dim: int = 0) -> tuple:
    return split(self, split_size, dim)


def split_with_sizes(input: Tensor, split_sizes: Sequence[int], dim: int = 0) -> tuple:
    """``split`` into pieces of the listed sizes (which must add up to the dimension)."""
    return split(input, list(split_sizes), dim)


class UnsafeSplitBackward0(SplitBackward0):
    """unsafe_split: the rule of split (the pieces' gradients glued back together).

    grad_self = cat(grads, dim)
    """


class UnsafeSplitWithSizesBackward0(SplitWithSizesBackward0):
    """unsafe_split_with_sizes: the rule of split_with_sizes (the pieces' gradients glued
    back together).

    grad_self = cat(grads, dim)
    """


def _unsafe(pieces: tuple) -> tuple:
    """The pieces of a split, no longer tracked as views: they may be changed in place
    (their memory is still the input's; changing one changes the input, unrecorded)."""
    node = pieces[0]._gfn if pieces else None      # (one node for all the pieces)
    if node is not None:
        node.__class__ = (UnsafeSplitWithSizesBackward0 if node.__class__ is SplitWithSizesBackward0
                          else UnsafeSplitBackward0)
    for o in pieces:
        o._vbase = o._view_fn = o._view_meta = None
        o._vc = [0]                                   # (and each counts its own versions)
    return pieces


def unsafe_split(input: Tensor, split_size: Any, dim: int = 0) -> tuple:
    """``split`` whose pieces are not views for autograd (PyTorch's "unsafe" variant)."""
    return _unsafe(split(input, split_size, dim))


def unsafe_split_with_sizes(input: Tensor, split_sizes: Sequence[int], dim: int = 0) -> tuple:
    return _unsafe(split(input, list(split_sizes), dim))


def unsafe_chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    return _unsafe(chunk(input, chunks, dim))


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """Cut into ``chunks`` nearly equal pieces along ``dim`` (fewer if the size is too small)."""
    if input._data.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = canon_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    step = -(-size // chunks)
    if step == 0:                                     # an empty dimension: `chunks` empty pieces
        return split(input, [0] * chunks, dim)
    return split(input, step, dim)


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """All slices along ``dim`` (that dimension removed), as views: ``tuple(x)`` for dim 0."""
    if input._data.ndim == 0:
        canon_dim(dim, 0)                             # (out of range first, as PyTorch)
        raise _no_dims_error(0)
    d = canon_dim(dim, input._data.ndim)
    key = (slice(None),) * d
    datas = [input._data[key + (i, Ellipsis)] for i in range(input._data.shape[d])]   # (Ellipsis: a 0-d
    # piece stays a view of the input, not a copy)
    shape = input._data.shape[:d] + input._data.shape[d + 1:]
    outs = record_multi(datas, UnbindBackward0, (input,), dim=dim, _dim=d, _shapes=[shape] * len(datas))
    return _as_views(input, outs, lambda t, i: unbind(t, d)[i])


# ---------------------------------------------------------------------------
# flip / roll / repeat
# ---------------------------------------------------------------------------


def _dims_list(dims: Any) -> list:
    if len(dims) == 1 and isinstance(dims[0], (list, tuple, Size)):
        return [int(d) for d in dims[0]]
    return [int(d) for d in dims]


class FlipBackward0(OpNode):
    """Flipping is its own inverse: the gradient is flipped along the same dims.

    grad_self = grad.flip(dims)
    """
    fields = ("dims", "_dims")                        # (_dims: counted from 0)
    _saved_dims = shown_unsigned("dims")

    def backward(self, g):
        return flip(g, self._dims)


def flip(input: Tensor, dims: Sequence[int]) -> Tensor:
    """Reverse the order of elements along each of ``dims`` (a copy)."""
    if not isinstance(dims, (list, tuple, Size)):
        raise TypeError(
            f"flip(): argument 'dims' (position 2) must be tuple of ints, not {type(dims).__name__}")
    n = input._data.ndim
    cd = []
    for d in dims:
        c = canon_dim(d, n)
        if c in cd:
            raise RuntimeError(f"dim {c} appears multiple times in the list of dims")
        cd.append(c)
    data = input._data
    if n and cd:
        data = B.xp_of(data).flip(data, axis=tuple(cd))
    # (a new tensor made like the input: a transposed input gives a transposed result)
    return record(laid_like(data, input._data), FlipBackward0, (input,), dims=tuple(dims), _dims=tuple(cd))


def _flip_method(self: Tensor, *dims: Any, **named: Any) -> Tensor:
    """``x.flip(0, 1)``, ``x.flip((0, 1))`` or ``x.flip(dims=(0, 1))``."""
    if named:
        extra = next((k for k in named if k != "dims"), None)
        if extra is not None or dims:
            raise TypeError(f"flip() got an unexpected keyword argument '{extra or 'dims'}'")
        dims = (named["dims"],)
    return flip(self, _dims_list(dims))


class RollBackward0(OpNode):
    """Rolling moves elements cyclically: the gradient is rolled back by the same shifts.

    grad_self = grad.roll(-shifts, dims)
    """
    fields = ("dims", "shifts")
    _saved_dims = shown_unsigned("dims")
    _saved_shifts = shown_unsigned("shifts")

    def backward(self, g):
        return roll(g, tuple(-s for s in self.shifts), self.dims or None)   # (the dims as given: an
                                                                            # empty input kept none)


def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """Shift elements along ``dims`` (cyclically); without ``dims`` the flattened tensor is rolled."""
    sh = (int(shifts),) if isinstance(shifts, (int, np.integer)) else tuple(int(s) for s in shifts)
    dm = () if dims is None else ((int(dims),) if isinstance(dims, (int, np.integer)) else
                                  tuple(int(d) for d in dims))
    if not sh:
        raise RuntimeError("`shifts` required")
    if len(sh) != len(dm) and not (not dm and len(sh) == 1):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(sh)}, dims:{len(dm)}")
    n = input._data.ndim
    if n == 0 and dm:
        raise _no_dims_error(dm[0])
    # (an empty tensor is copied before the dims are checked, as PyTorch's roll does)
    cd = tuple(canon_dim(d, n) for d in dm) if input._data.size else ()
    xp = B.xp_of(input._data)
    data = xp.roll(input._data, sh[0]) if not cd else xp.roll(input._data, sh, axis=cd)
    return record(dense(data), RollBackward0, (input,), dims=dm, shifts=sh)


class RepeatBackward0(OpNode):
    """Every copy of an element sends its gradient back: the gradient is summed over the
    copies.

    As PyTorch's repeat_backward: the new leading dims are summed away one by one,
    then one reshape splits each repeated dim into (copies, size) and one sum over the
    copies finishes (nothing to do where every repeat is 1; zeros if one is 0).

    grad_self = grad summed over the copies of each element (back to self.shape)
    """
    fields = ("repeats", "self_sym_sizes")

    def backward(self, g):
        shape, reps = self.self_sym_sizes, self.repeats
        if 0 in reps:
            return g.new_zeros(shape)
        lead = len(reps) - len(shape)
        for _ in range(lead):
            g = g.sum(0)
        split, copies = [], []
        for r, n in zip(reps[lead:], shape):
            if r != 1:
                split.append(r)
                copies.append(len(split) - 1)
            split.append(n)
        return g.reshape(split).sum(copies) if copies else g


def repeat(self: Tensor, *sizes: Any) -> Tensor:
    """Tile the tensor: ``sizes[i]`` copies along dimension i (extra leading dims allowed)."""
    if not sizes:
        raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
    reps = tuple(_dims_list(sizes))
    shp = self._data.shape
    if len(reps) < len(shp):
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                           "dimensions of tensor")
    padded = (1,) * (len(reps) - len(shp)) + shp
    target = tuple(r * s for r, s in zip(reps, padded))
    for s in target:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {_fmt(target)}")
    data = B.xp_of(self._data).tile(self._data.reshape(padded), reps)
    return record(dense(data), RepeatBackward0, (self,), repeats=reps, self_sym_sizes=shp)


# ---------------------------------------------------------------------------
# tril / triu / diagonal
# ---------------------------------------------------------------------------


class TrilBackward0(OpNode):
    """Entries set to zero got no say in the result: the gradient is masked the same way.

    grad_self = grad.tril(diagonal)
    """
    fields = ("diagonal",)
    _saved_diagonal = shown_unsigned("diagonal")

    def backward(self, g):
        return tril(g, self.diagonal)


class TriuBackward0(OpNode):
    """Entries set to zero got no say in the result: the gradient is masked the same way.

    grad_self = grad.triu(diagonal)
    """
    fields = ("diagonal",)
    _saved_diagonal = shown_unsigned("diagonal")

    def backward(self, g):
        return triu(g, self.diagonal)


def _triangle(input: Tensor, diagonal: int, name: str, node: type) -> Tensor:
    if input._data.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    data = getattr(B.xp_of(input._data), name)(input._data, diagonal)
    return record(dense(data), node, (input,), diagonal=diagonal)


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dims (on and below ``diagonal``); the rest zero."""
    return _triangle(input, diagonal, "tril", TrilBackward0)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dims (on and above ``diagonal``); the rest zero."""
    return _triangle(input, diagonal, "triu", TriuBackward0)


def _diag_view(d: Any, offset: int, d1: int, d2: int) -> Any:
    out = B.xp_of(d).diagonal(d, offset, d1, d2)
    if type(out) is np.ndarray and d.flags.writeable:
        out.flags.writeable = True                   # numpy hands out read-only diagonals
    return out


class _Diagonal(OpNode):
    """The nodes that read or write one diagonal of the (dim1, dim2) planes.

    grad_self = diagonal(grad, offset, dim1, dim2)
    """
    fields = ("dim1", "dim2", "offset",
              "_dim1", "_dim2")                       # (counted from 0)
    _saved_dim1 = shown_unsigned("dim1")
    _saved_dim2 = shown_unsigned("dim2")
    _saved_offset = shown_unsigned("offset")


class DiagonalBackwardBackward0(_Diagonal):
    """The backward of diagonal's backward (which wrote the gradient onto a diagonal of
    zeros): the gradient is read off that diagonal again.

    grad_grad_output = diagonal(grad, offset, dim1, dim2)
    """

    def backward(self, g):
        return diagonal(g, self.offset, self._dim1, self._dim2)


class DiagonalBackward0(_Diagonal):
    """The gradient goes back onto the diagonal of a zero tensor of the input's shape.

    grad_self = zeros(self.shape) with grad on the (dim1, dim2) diagonal at offset
    """
    fields = _Diagonal.fields + ("self_sym_sizes",)

    def backward(self, g):
        shape, offset, d1, d2 = self.self_sym_sizes, self.offset, self._dim1, self._dim2
        z = B.xp_of(g._data).zeros(shape, dtype=g._data.dtype)
        _diag_view(z, offset, d1, d2)[...] = g._data
        return record(z, DiagonalBackwardBackward0, (g,), dim1=self.dim1, dim2=self.dim2, offset=offset,
                      _dim1=d1, _dim2=d2)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of the (dim1, dim2) planes, as a new last dimension (a view)."""
    n = input._data.ndim
    a, b = canon_dim(dim1, n), canon_dim(dim2, n)
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    shp = input._data.shape
    out = record(_diag_view(input._data, offset, a, b), DiagonalBackward0, (input,),
                 dim1=dim1, dim2=dim2, offset=offset, self_sym_sizes=shp, _dim1=a, _dim2=b)
    return _make_view(input, out, lambda t: diagonal(t, offset, a, b))


class DiagonalBackward0_copy(DiagonalBackward0):       # noqa: N801 - PyTorch's name
    """torch.diag of a matrix, a copy of its diagonal (PyTorch names its node so): the
    gradient goes back onto the diagonal of a zero matrix of the input's shape.

    grad_self = zeros(self.shape) with grad on the diagonal at offset
    """


class DiagEmbedBackward0(_Diagonal):
    """The input was written onto the (dim1, dim2) diagonal of zeros: its gradient is read
    off that diagonal.

    out = zeros with self on the (dim1, dim2) diagonal at offset
    grad_self = diagonal(grad, offset, dim1, dim2)
    """

    def backward(self, g):
        return diagonal(g, self.offset, self._dim1, self._dim2)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices whose (dim1, dim2) diagonal is the last dimension of ``input`` (zeros elsewhere);
    the inverse of ``diagonal(out, offset, dim1, dim2)``."""
    d = input._data
    n = d.ndim + 1
    a, b = canon_dim(dim1, n), canon_dim(dim2, n)
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    size = (d.shape[-1] if d.ndim else 1) + abs(offset)
    rest = iter(d.shape[:-1])
    shape = tuple(size if i in (a, b) else next(rest) for i in range(n))
    z = B.xp_of(d).zeros(shape, dtype=d.dtype)
    _diag_view(z, offset, a, b)[...] = d
    return record(z, DiagEmbedBackward0, (input,), dim1=dim1, dim2=dim2, offset=offset, _dim1=a, _dim2=b)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A vector becomes a square matrix with it on the ``diagonal``-th diagonal; a matrix gives
    (a copy of) that diagonal."""
    d = input._data
    if d.ndim == 1:
        return diag_embed(input, diagonal, -2, -1)
    if d.ndim != 2:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {d.ndim}D")
    shp = d.shape
    return record(_diag_view(d, diagonal, 0, 1).copy(), DiagonalBackward0_copy, (input,),
                  dim1=0, dim2=1, offset=diagonal, self_sym_sizes=shp, _dim1=0, _dim2=1)


class TraceBackward0(OpNode):
    """The trace is the sum of the diagonal: the gradient goes to the diagonal, 0 elsewhere.

    grad_self = grad * eye(self.shape)
    """
    fields = ("self_sym_sizes",)

    def backward(self, g):
        n, m = self.self_sym_sizes
        return g * Tensor._wrap(B.xp_of(g._data).eye(n, m, dtype=g._data.dtype))


def trace(input: Tensor) -> Tensor:
    """The sum of the main diagonal of a matrix."""
    d = input._data
    if d.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {d.ndim}")
    out = B.xp_of(d).trace(d)
    if d.dtype.kind in "biu":
        out = out.astype(np.int64)
    return record(np.asarray(out) if isinstance(out, np.generic) else out, TraceBackward0, (input,),
                  self_sym_sizes=d.shape)


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """The ``n``-th forward difference along ``dim``: ``x[i+1] - x[i]`` (after joining
    ``prepend`` and ``append``); built from two slices and a subtraction, as PyTorch does."""
    if input._data.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    if n == 0:                                        # (PyTorch: a copy, recorded as CopyBackwards)
        return _zeros(input._data.shape, input._data).copy_(input)
    if prepend is not None or append is not None:
        input = cat([t for t in (prepend, input, append) if t is not None], dim)
    d = canon_dim(dim, input._data.ndim)
    out = input
    for _ in range(n):
        size = out._data.shape[d]
        if size == 0:
            break
        a, b = out.narrow(d, 1, size - 1), out.narrow(d, 0, size - 1)
        out = a ^ b if a._data.dtype.kind == "b" else a - b      # (bools: whether they differ)
    return out


def tile(input: Tensor, dims: Sequence[int]) -> Tensor:
    """``repeat`` with the repeats padded by leading 1s when fewer than the dims."""
    dims = tuple(_dims_list((dims,)))
    return repeat(input, (1,) * (input._data.ndim - len(dims)) + dims)


def movedim(input: Tensor, source: Any, destination: Any) -> Tensor:
    """Move dims ``source`` to positions ``destination`` (the others keep their order): a permute."""
    n = input._data.ndim
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) should "
                           f"contain the same number of dims as destination ({dst} dims)")
    src = [canon_dim(s, n) for s in src]
    dst = [canon_dim(t, n) for t in dst]
    if len(set(src)) != len(src):
        raise RuntimeError(f"movedim: repeated dim in `source` ({src})")
    if len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({dst})")
    if n == 0:                                       # nothing to move: an alias, as PyTorch
        return input[...]
    order = [i for i in range(n) if i not in src]
    perm = [None] * n
    for s, t in zip(src, dst):
        perm[t] = s
    rest = iter(order)
    perm = [p if p is not None else next(rest) for p in perm]
    return input.permute(*perm)


class MaskedSelectBackward0(OpNode):
    """The selected elements' gradients go back to the places they were read from (zeros
    elsewhere; summed back where self was broadcast against the mask).

    out = self[mask]   (self and mask broadcast)
    grad_self = zeros(shape).masked_scatter_(mask, grad), summed to self.shape
    """
    saved_names = ("mask", "self")

    def backward(self, g):
        mask, x = (s.unpack() for s in self._saved)
        shape = np.broadcast_shapes(mask._data.shape, x._data.shape)
        from ._core import sum_to                    # (PyTorch: zeros, masked_scatter_, sum_to)
        return sum_to(g.new_zeros(shape).masked_scatter_(mask, g), x._data.shape)


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements of ``input`` where ``mask`` is True (broadcast), as a 1-D tensor."""
    if not isinstance(mask, Tensor) or mask._data.dtype != np.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    d, md = input._data, mask._data
    _same_device([d, md])
    shape = np.broadcast_shapes(d.shape, md.shape)
    xp = B.xp_of(d)
    data = xp.broadcast_to(d, shape)[xp.broadcast_to(md, shape)]
    return record(data, MaskedSelectBackward0, (input,), saved=(mask, input))


# ---------------------------------------------------------------------------
# atleast_Nd and the stack family (hstack / vstack / dstack / column_stack)
# ---------------------------------------------------------------------------


def _atleast(tensors: tuple, n: int, fn: str) -> tuple:
    """atleast_Nd of several tensors (given one by one or as one list): a tuple."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    elif len(tensors) == 1 and not isinstance(tensors[0], Tensor):
        raise TypeError(f"{fn}() received an invalid combination of arguments - got "
                        f"({type(tensors[0]).__name__}), but expected one of:")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    return tuple(_raise_rank(t, n) for t in tensors)


def _raise_rank(t: Tensor, n: int) -> Tensor:
    """PyTorch's recipe: a 0-d tensor is reshaped (ViewBackward0), a 1-d one unsqueezed
    at the front (and, for 3-d, also at the back), a 2-d one unsqueezed at the back (3-d only)."""
    nd = t._data.ndim
    if nd >= n:
        return t
    if nd == 0:
        return t.reshape((1,) * n)
    if nd == 1:
        t = t.unsqueeze(0)
        return t.unsqueeze(-1) if n == 3 else t
    return t.unsqueeze(-1)                             # 2-d -> 3-d


def atleast_1d(*tensors: Any) -> Any:
    """Each tensor with at least 1 dimension: a 0-d tensor becomes shape ``(1,)``, others come back as is.

    ``atleast_1d(x)`` returns one tensor; ``atleast_1d(x, y)`` or ``atleast_1d([x, y])`` a tuple.
    """
    if len(tensors) == 1 and isinstance(tensors[0], Tensor):
        return _raise_rank(tensors[0], 1)
    return _atleast(tensors, 1, "atleast_1d")


def atleast_2d(*tensors: Any) -> Any:
    """Each tensor with at least 2 dimensions: ``()`` -> ``(1, 1)``, ``(n,)`` -> ``(1, n)`` (a row)."""
    if len(tensors) == 1 and isinstance(tensors[0], Tensor):
        return _raise_rank(tensors[0], 2)
    return _atleast(tensors, 2, "atleast_2d")


def atleast_3d(*tensors: Any) -> Any:
    """Each tensor with at least 3 dimensions: ``()`` -> ``(1, 1, 1)``, ``(n,)`` -> ``(1, n, 1)``,
    ``(m, n)`` -> ``(m, n, 1)`` (the new axis is the "depth" that ``dstack`` joins along)."""
    if len(tensors) == 1 and isinstance(tensors[0], Tensor):
        return _raise_rank(tensors[0], 3)
    return _atleast(tensors, 3, "atleast_3d")


def _stack_inputs(tensors: Any, fn: str, shown: str) -> list:
    tensors = _tensor_list(tensors, fn)
    if not tensors:
        raise RuntimeError(f"{shown} expects a non-empty TensorList")
    return tensors


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join side by side: 1-d tensors end to end (dim 0), others along their columns (dim 1).

    Built as ``cat(atleast_1d(...), dim)``, so the graph is one ``CatBackward0`` (after a
    ``ViewBackward0`` for any 0-d input), exactly as in PyTorch.
    """
    ts = [_raise_rank(t, 1) for t in _stack_inputs(tensors, "hstack", "hstack")]
    return cat(ts, 0 if ts[0]._data.ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Stack as rows: 1-d tensors of length n become rows ``(1, n)``, then ``cat`` along dim 0."""
    return _vstack(tensors, "vstack")


def row_stack(tensors: Sequence[Tensor]) -> Tensor:
    """Alias of :func:`vstack`."""
    return _vstack(tensors, "row_stack")


def _vstack(tensors: Any, fn: str) -> Tensor:
    ts = [_raise_rank(t, 2) for t in _stack_inputs(tensors, fn, "vstack")]
    return cat(ts, 0)


def dstack(tensors: Sequence[Tensor]) -> Tensor:
    """Stack in depth (dim 2): ``(n,)`` becomes ``(1, n, 1)``, ``(m, n)`` becomes ``(m, n, 1)``."""
    ts = [_raise_rank(t, 3) for t in _stack_inputs(tensors, "dstack", "dstack")]
    return cat(ts, 2)


def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """Each 0-d or 1-d tensor becomes a column ``(n, 1)``; then everything is joined along dim 1.

    Unlike ``hstack``, 1-d inputs become columns of a matrix instead of being chained.
    """
    ts = _stack_inputs(tensors, "column_stack", "column_stack")
    ts = [t.reshape(t._data.size, 1) if t._data.ndim <= 1 else t for t in ts]
    return cat(ts, 1)


# ---------------------------------------------------------------------------
# registration
# ---------------------------------------------------------------------------

_split_method.__name__, _split_method.__qualname__ = "split", "Tensor.split"   # (PyTorch's own messages)
register("split")(_split_method)
register("flip")(_flip_method)
register("repeat")(repeat)
for _f in (diag, diag_embed, trace, tile, movedim, masked_select, diff):
    register(_f.__name__)(_f)
register("moveaxis")(movedim)
moveaxis = movedim
for _f in (chunk, unbind, roll, tril, triu, diagonal, split_with_sizes, unsafe_split,
           unsafe_split_with_sizes, unsafe_chunk):
    register(_f.__name__)(_as_method(_f))
for _f in (tril, triu):                               # (zeros written: fills, see write_fill)
    register(_f.__name__ + "_")(_inplace(_f, "fill"))

EXPORTS = ["stack", "cat", "concat", "concatenate", "split", "chunk", "unbind", "flip", "roll",
           "tril", "triu", "diagonal", "atleast_1d", "atleast_2d", "atleast_3d", "hstack", "vstack",
           "row_stack", "dstack", "column_stack", "diag", "diag_embed", "trace", "tile", "movedim",
           "moveaxis", "masked_select", "diff", "split_with_sizes", "unsafe_split",
           "unsafe_split_with_sizes", "unsafe_chunk"] + _GATHER_EXPORTS
