"""Joins and gathers: ops that put tensors together, take them apart, or move values around.

* ``stack`` / ``cat`` glue several tensors into one. Their backward hands each input
  its own slice of the incoming gradient.
* ``split`` / ``chunk`` / ``unbind`` cut one tensor into several *views*: one node
  with several outputs. Its backward receives one gradient per output (None for an
  output that was not used, read as zeros) and glues them back together.
* ``flip`` / ``roll`` / ``repeat`` / ``tril`` / ``triu`` / ``diagonal`` rearrange,
  copy or mask values; the gradient is rearranged the opposite way.
* ``gather`` / ``index_select`` read values at given positions; ``scatter`` /
  ``scatter_add`` / ``index_add`` / ``masked_fill`` write them. Reading and writing
  are each other's backward: the gradient of a gather is a scatter-add of the
  incoming gradient, and so on.

Every backward rule is written with these same ops, so ``create_graph=True`` records
the backward pass too (second derivatives).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import _backend as B
from .._tensor import Size, Tensor, canon_dim
from ._core import (OpNode, check_inplace, device_mismatch, note_broadcast, record,
                    record_multi, register)
from .pointwise import apply_inplace
from .views import _make_view

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _xp(d: Any) -> Any:
    return np if type(d) is np.ndarray else B.xp_of(d)


def _u64(v: Any) -> Any:
    """An int as PyTorch shows it in ``grad_fn._saved_*``: negatives wrap to unsigned 64 bit."""
    if isinstance(v, tuple):
        return tuple(_u64(x) for x in v)
    return v + (1 << 64) if v < 0 else v


def _fmt(shape: Sequence[int]) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _zeros(shape: tuple, like: Any) -> Tensor:
    """A zero tensor (no history) with ``like``'s dtype and device."""
    return Tensor._wrap(_xp(like).zeros(shape, dtype=like.dtype))


def _same_device(arrays: Sequence[Any]) -> None:
    kind = type(arrays[0])
    for a in arrays[1:]:
        if type(a) is not kind:
            raise device_mismatch(arrays[0], a)


def _no_dims_error(dim: int) -> IndexError:
    return IndexError(f"Dimension specified as {dim} but tensor has no dimensions")


class _Node(OpNode):
    """A node whose ``extra`` is ``(state for the rule, {torch name: shown value})``."""
    __slots__ = ()

    def _extra_saved(self, name):
        return self.extra[1].get(name)


def _note_dtypes(out: Tensor, inputs: Sequence[Tensor]) -> None:
    """Inputs promoted to a wider dtype get their gradient cast back (centrally)."""
    node = out._grad_fn
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


class StackBackward0(_Node):
    """out[..., i, ...] = inputs[i]: input i gets the gradient's slice i along ``dim``."""
    __slots__ = ()

    def backward(self, g):
        d = self.extra[0]
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
    data = _xp(arrays[0]).stack([a.astype(dt, copy=False) for a in arrays], axis=d)
    out = record(data, StackBackward0, tensors, extra=(d, {"dim": _u64(dim)}))
    _note_dtypes(out, tensors)
    return out


class CatBackward0(_Node):
    """Each input gets back the stretch of the gradient it filled along ``dim``."""
    __slots__ = ()

    def backward(self, g):
        d, spans = self.extra[0]
        out = []
        for (fn, _), span in zip(self.next_functions, spans):
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
    xp = _xp(arrays[0])
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
                raise RuntimeError(f"Tensors must have same number of dimensions: got {len(ref)} and {len(shp)}")
            for k, (a, b) in enumerate(zip(ref, shp)):
                if k != d and a != b:
                    raise RuntimeError(
                        f"Sizes of tensors must match except in dimension {d}. Expected size {a} but got "
                        f"size {b} for tensor number {i} in the list.")
        data = xp.concatenate([arrays[i].astype(dt, copy=False) for i in kept], axis=d)
        spans, at = [], 0
        for t in tensors:
            if _legacy_empty(t):
                spans.append(None)
            else:
                n = t._data.shape[d]
                spans.append((at, n))
                at += n
    out = record(data, CatBackward0, tensors, extra=((d, spans), {"dim": _u64(dim)}))
    _note_dtypes(out, tensors)
    return out


concat = concatenate = cat


# ---------------------------------------------------------------------------
# split / chunk / unbind: one node, several outputs, all views
# ---------------------------------------------------------------------------


class _MultiView:
    """A view function that refuses in-place changes (the view came from a multi-view op)."""
    __slots__ = ("fn", "inplace_error")

    def __init__(self, fn: Any, label: str, nr: int) -> None:
        self.fn = fn
        self.inplace_error = (
            f"Output {nr} of {label} is a view and is being modified inplace. This view is the output "
            "of a function that returns multiple views. Such functions do not allow the output views to "
            "be modified inplace. You should replace the inplace operation by an out-of-place one.")

    def __call__(self, t: Tensor) -> Tensor:
        return self.fn(t)


def _as_views(base: Tensor, outs: tuple, label: str, pick: Any) -> tuple:
    """Make each output a view of ``base``; ``pick(t, i)`` re-derives output i from a tensor."""
    for i, o in enumerate(outs):
        _make_view(base, o, lambda t, i=i: pick(t, i))
        o._view_fn = _MultiView(o._view_fn, label, i)
    return outs


class _Glue(_Node):
    """Backward of a cut: glue the outputs' gradients back, zeros for the unused ones."""
    __slots__ = ()

    def _pieces(self, grads):
        shapes = self.extra[0][1]
        like = next(g for g in grads if g is not None)._data
        return [_zeros(s, like) if g is None else g for g, s in zip(grads, shapes)]


class SplitBackward0(_Glue):
    __slots__ = ()

    def backward(self, *grads):
        return cat(self._pieces(grads), self.extra[0][0])


class SplitWithSizesBackward0(SplitBackward0):
    __slots__ = ()


class UnbindBackward0(_Glue):
    __slots__ = ()

    def backward(self, *grads):
        return stack(self._pieces(grads), self.extra[0][0])


def _split_sizes(self: Tensor, sizes: Sequence[int], d: int, dim: int, node: type, shown: dict) -> tuple:
    shp = self._data.shape
    key, at, datas, shapes = (slice(None),) * d, 0, [], []
    for n in sizes:
        datas.append(self._data[key + (slice(at, at + n),)])
        shapes.append(shp[:d] + (n,) + shp[d + 1:])
        at += n
    shown = {"dim": _u64(dim), "self_sym_sizes": shp, **shown}
    outs = record_multi(datas, node, (self,), extra=((d, shapes), shown))
    label = node.__name__[:-len("Backward0")]
    if node is SplitBackward0:
        return _as_views(self, outs, label, lambda t, i: split(t, sizes[0], d)[i])
    return _as_views(self, outs, label, lambda t, i: split(t, list(sizes), d)[i])


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
        return _split_sizes(tensor, sizes, d, dim, SplitWithSizesBackward0, {"split_sizes": tuple(sizes)})
    n = int(split_size_or_sections)
    if n < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={n}")
    d = canon_dim(dim, tensor._data.ndim)
    size = tensor._data.shape[d]
    if n == 0 and size != 0:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}")
    count = max(-(-size // n), 1) if n else 1
    sizes = [min(n, size - i * n) for i in range(count)]
    return _split_sizes(tensor, sizes, d, dim, SplitBackward0, {"split_size": n})


def _split_method(self: Tensor, split_size: Any, dim: int = 0) -> tuple:
    return split(self, split_size, dim)


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
        raise _no_dims_error(0)
    d = canon_dim(dim, input._data.ndim)
    key = (slice(None),) * d
    datas = [input._data[key + (i,)] for i in range(input._data.shape[d])]
    shape = input._data.shape[:d] + input._data.shape[d + 1:]
    outs = record_multi(datas, UnbindBackward0, (input,),
                        extra=((d, [shape] * len(datas)), {"dim": _u64(dim)}))
    return _as_views(input, outs, "Unbind", lambda t, i: unbind(t, d)[i])


# ---------------------------------------------------------------------------
# flip / roll / repeat
# ---------------------------------------------------------------------------


def _dims_list(dims: Any) -> list:
    if len(dims) == 1 and isinstance(dims[0], (list, tuple, Size)):
        return [int(d) for d in dims[0]]
    return [int(d) for d in dims]


class FlipBackward0(_Node):
    """Flipping is its own inverse: flip the gradient along the same dims."""
    __slots__ = ()

    def backward(self, g):
        return flip(g, self.extra[0])


def flip(input: Tensor, dims: Sequence[int]) -> Tensor:
    """Reverse the order of elements along each of ``dims`` (a copy)."""
    if not isinstance(dims, (list, tuple, Size)):
        raise TypeError(f"flip(): argument 'dims' (position 2) must be tuple of ints, not {type(dims).__name__}")
    n = input._data.ndim
    cd = []
    for d in dims:
        c = canon_dim(d, n)
        if c in cd:
            raise RuntimeError(f"dim {c} appears multiple times in the list of dims")
        cd.append(c)
    data = input._data
    if n and cd:
        data = _xp(data).flip(data, axis=tuple(cd))
    return record(data.copy(), FlipBackward0, (input,), extra=(tuple(cd), {"dims": _u64(tuple(dims))}))


def _flip_method(self: Tensor, *dims: Any) -> Tensor:
    return flip(self, _dims_list(dims))


class RollBackward0(_Node):
    """Roll the gradient back by the same shifts."""
    __slots__ = ()

    def backward(self, g):
        shifts, dims = self.extra[0]
        return roll(g, tuple(-s for s in shifts), dims)


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
    cd = tuple(canon_dim(d, n) for d in dm)
    xp = _xp(input._data)
    data = xp.roll(input._data, sh[0]) if not cd else xp.roll(input._data, sh, axis=cd)
    return record(data, RollBackward0, (input,), extra=((sh, cd), {"dims": _u64(dm), "shifts": _u64(sh)}))


class RepeatBackward0(_Node):
    """Every copy of an element sends its gradient back: sum over the copies."""
    __slots__ = ()

    def backward(self, g):
        shape, reps = self.extra[0]
        padded = (1,) * (len(reps) - len(shape)) + tuple(shape)
        split_shape = tuple(x for r, s in zip(reps, padded) for x in (r, s))
        summed = g.reshape(split_shape).sum(tuple(range(0, 2 * len(reps), 2)))
        return summed.reshape(shape)


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
    data = _xp(self._data).tile(self._data.reshape(padded), reps)
    return record(data, RepeatBackward0, (self,),
                  extra=((shp, reps), {"repeats": reps, "self_sym_sizes": shp}))


# ---------------------------------------------------------------------------
# tril / triu / diagonal
# ---------------------------------------------------------------------------


class TrilBackward0(_Node):
    """Entries set to zero got no say in the result: mask the gradient the same way."""
    __slots__ = ()

    def backward(self, g):
        return tril(g, self.extra[0])


class TriuBackward0(_Node):
    __slots__ = ()

    def backward(self, g):
        return triu(g, self.extra[0])


def _triangle(input: Tensor, diagonal: int, name: str, node: type) -> Tensor:
    if input._data.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    data = getattr(_xp(input._data), name)(input._data, diagonal)
    return record(data, node, (input,), extra=(diagonal, {"diagonal": _u64(diagonal)}))


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dims (on and below ``diagonal``); the rest zero."""
    return _triangle(input, diagonal, "tril", TrilBackward0)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dims (on and above ``diagonal``); the rest zero."""
    return _triangle(input, diagonal, "triu", TriuBackward0)


def _diag_view(d: Any, offset: int, d1: int, d2: int) -> Any:
    out = _xp(d).diagonal(d, offset, d1, d2)
    if type(out) is np.ndarray and d.flags.writeable:
        out.flags.writeable = True                   # numpy hands out read-only diagonals
    return out


class DiagonalBackwardBackward0(_Node):
    __slots__ = ()

    def backward(self, g):
        return diagonal(g, *self.extra[0][1:])


class DiagonalBackward0(_Node):
    """The gradient goes back onto the diagonal of a zero tensor of the input's shape."""
    __slots__ = ()

    def backward(self, g):
        shape, offset, d1, d2 = self.extra[0]
        z = _xp(g._data).zeros(shape, dtype=g._data.dtype)
        _diag_view(z, offset, d1, d2)[...] = g._data
        return record(z, DiagonalBackwardBackward0, (g,), extra=(self.extra[0], {}))


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of the (dim1, dim2) planes, as a new last dimension (a view)."""
    n = input._data.ndim
    a, b = canon_dim(dim1, n), canon_dim(dim2, n)
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    shp = input._data.shape
    shown = {"dim1": _u64(dim1), "dim2": _u64(dim2), "offset": _u64(offset), "self_sym_sizes": shp}
    out = record(_diag_view(input._data, offset, a, b), DiagonalBackward0, (input,),
                 extra=((shp, offset, a, b), shown))
    return _make_view(input, out, lambda t: diagonal(t, offset, a, b))


# ---------------------------------------------------------------------------
# gather / scatter / scatter_add
# ---------------------------------------------------------------------------


def _index_array(index: Any, self: Tensor, fn: str) -> Any:
    if not isinstance(index, Tensor):
        raise TypeError(f"{fn}(): argument 'index' (position 3) must be Tensor, not {type(index).__name__}")
    if type(index._data) is not type(self._data):
        raise device_mismatch(self._data, index._data)
    return index._data


def _check_index_dtype(idx: Any, fn: str) -> None:
    if idx.dtype != np.int64 and idx.dtype != np.int32:
        raise RuntimeError(f"{fn}(): Expected dtype int32/int64 for index")


def _check_bounds(idx: Any, size: int, dim: int) -> None:
    """PyTorch does not wrap negative positions here: any index outside [0, size) is an error."""
    bad = (idx < 0) | (idx >= size)
    if bad.any():
        first = idx.reshape(-1)[int(bad.reshape(-1).argmax())]
        raise RuntimeError(f"index {int(first)} is out of bounds for dimension {dim} with size {size}")


def _along(idx: Any, d: int) -> tuple:
    """The advanced-index key that reads ``arr[i0, .., idx[i0, ..], ..]`` for every position."""
    xp = _xp(idx)
    n = idx.ndim
    key = []
    for k, s in enumerate(idx.shape):
        if k == d:
            key.append(idx)
        else:
            shape = [1] * n
            shape[k] = s
            key.append(xp.arange(s).reshape(shape))
    return tuple(key)


def _add_at(z: Any, key: Any, vals: Any) -> None:
    if type(z) is np.ndarray:
        np.add.at(z, key, vals)
    else:
        import cupyx  # noqa: PLC0415
        cupyx.scatter_add(z, key, vals)


def _at_least_1d(a: Any) -> Any:
    return a.reshape(1) if a.ndim == 0 else a


class GatherBackward0(_Node):
    """Each read value sends its gradient back to where it was read (added up on repeats)."""
    __slots__ = ()
    saved_names = ("self", "index")

    def backward(self, g):
        src, index = self._saved[0].unpack(), self._saved[1].unpack()
        return scatter_add(_zeros(src._data.shape, g._data), self.extra[0], index, g)


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """``out[i][j] = input[index[i][j]][j]`` for ``dim=0`` (and likewise for other dims)."""
    idx = _index_array(index, input, "gather")
    d = canon_dim(dim, input._data.ndim)
    _check_index_dtype(idx, "gather")
    sd, ii = _at_least_1d(input._data), _at_least_1d(idx)
    if idx.size:
        if ii.ndim != sd.ndim:
            raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
        for k in range(sd.ndim):
            if k != d and ii.shape[k] > sd.shape[k]:
                raise RuntimeError(
                    f"Size does not match at dimension {k} expected index {_fmt(idx.shape)} to be no "
                    f"larger than self {_fmt(input._data.shape)} apart from dimension {d}")
        _check_bounds(ii, sd.shape[d], d)
        data = sd[_along(ii, d)].reshape(idx.shape)
    else:
        data = _xp(sd).zeros(idx.shape, dtype=sd.dtype)
    return record(data, GatherBackward0, (input,), saved=(input, index),
                  extra=(d, {"dim": _u64(dim), "sparse_grad": bool(sparse_grad)}))


def _scatter_checks(self: Tensor, d: int, idx: Any, src: Tensor | None, fn: str) -> bool:
    """PyTorch's argument checks for scatter-like writes; False when there is nothing to write."""
    _check_index_dtype(idx, fn)
    if src is not None and src._data.dtype != self._data.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if not idx.size:
        return False
    sd, ii = _at_least_1d(self._data), _at_least_1d(idx)
    if ii.ndim != sd.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if src is not None:
        sn = src._data.ndim
        if 0 < sn < sd.ndim:
            canon_dim(sn, sn)                         # PyTorch asks src.size(sn) and fails
        if max(sn, 1) != ii.ndim:
            raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    bad = any(k != d and ii.shape[k] > sd.shape[k] for k in range(sd.ndim))
    if src is not None:
        ss = _at_least_1d(src._data).shape
        bad = bad or any(ii.shape[k] > ss[k] for k in range(sd.ndim))
        if bad:
            raise RuntimeError(
                f"Expected index {_fmt(idx.shape)} to be no larger than self {_fmt(self._data.shape)} apart "
                f"from dimension {d} and to be no larger size than src {_fmt(src._data.shape)}")
    elif bad:
        raise RuntimeError(f"Expected index {_fmt(idx.shape)} to be no larger than self "
                           f"{_fmt(self._data.shape)} apart from dimension {d}")
    _check_bounds(ii, sd.shape[d], d)
    return True


def _src_region(src: Tensor, idx: Any) -> Any:
    s = _at_least_1d(src._data)
    return s[tuple(slice(0, n) for n in _at_least_1d(idx).shape)]


def _src_grad(node: OpNode, g: Tensor, d: int, index: Tensor) -> Tensor:
    """``src`` gets the gradient at the positions it was written to."""
    got = gather(g, d, index)
    want = node.extra[1]["src_shape"]
    if got._data.shape != want:
        raise RuntimeError(
            f"Function {node.name()} returned an invalid gradient at index 1 - got "
            f"{_fmt(got._data.shape)} but expected shape compatible with {_fmt(want)}")
    return got


class ScatterBackward0(_Node):
    """Overwritten entries of ``self`` get no gradient; ``src`` gets the gradient where it landed."""
    __slots__ = ()
    saved_names = ("index",)

    def backward(self, g):
        d, index = self.extra[0], self._saved[0].unpack()
        gs = None if self.next_functions[0][0] is None else scatter(g, d, index, 0)
        gsrc = None if self.next_functions[1][0] is None else _src_grad(self, g, d, index)
        return gs, gsrc

    def _extra_saved(self, name):
        return self.extra[1].get(name) if name == "dim" else None


class ScatterBackward1(ScatterBackward0):
    """Scatter of a number: only ``self`` has a gradient (zero where overwritten)."""
    __slots__ = ()

    def backward(self, g):
        return scatter(g, self.extra[0], self._saved[0].unpack(), 0)


def scatter(input: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
            reduce: Any = None) -> Tensor:
    """A copy of ``input`` with ``src[i][j]`` written to ``out[index[i][j]][j]`` (for ``dim=0``).

    ``src`` may be a tensor or a number (``value=``). Where ``index`` repeats a
    position, which write wins is not specified (as in PyTorch).
    """
    if reduce is not None:
        raise NotImplementedError("scatter(reduce=...) is not supported by autograd_nb")
    if src is None:
        src = value
    idx = _index_array(index, input, "scatter")
    d = canon_dim(dim, input._data.ndim)
    st = src if isinstance(src, Tensor) else None
    if st is not None and type(st._data) is not type(input._data):
        raise device_mismatch(input._data, st._data)
    out = _at_least_1d(input._data).copy()
    if _scatter_checks(input, d, idx, st, "scatter"):
        out[_along(_at_least_1d(idx), d)] = _src_region(st, idx) if st is not None else src
    out = out.reshape(input._data.shape)
    if st is not None:
        return record(out, ScatterBackward0, (input, st), saved=(index,),
                      extra=(d, {"dim": _u64(dim), "src_shape": st._data.shape}))
    return record(out, ScatterBackward1, (input,), saved=(index,), extra=(d, {"dim": _u64(dim)}))


class ScatterAddBackward0(ScatterBackward0):
    """Adding passes ``self``'s gradient straight through; ``src`` gets it where it was added."""
    __slots__ = ()

    def backward(self, g):
        d, index = self.extra[0], self._saved[0].unpack()
        gsrc = None if self.next_functions[1][0] is None else _src_grad(self, g, d, index)
        return g, gsrc


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of ``input`` with ``src[i][j]`` *added* at ``out[index[i][j]][j]`` (for ``dim=0``)."""
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add(): argument 'src' (position 3) must be Tensor, not {type(src).__name__}")
    idx = _index_array(index, input, "scatter_add")
    d = canon_dim(dim, input._data.ndim)
    if type(src._data) is not type(input._data):
        raise device_mismatch(input._data, src._data)
    out = _at_least_1d(input._data).copy()
    if _scatter_checks(input, d, idx, src, "scatter"):
        _add_at(out, _along(_at_least_1d(idx), d), _src_region(src, idx))
    return record(out.reshape(input._data.shape), ScatterAddBackward0, (input, src), saved=(index,),
                  extra=(d, {"dim": _u64(dim), "src_shape": src._data.shape}))


# ---------------------------------------------------------------------------
# index_select / index_add
# ---------------------------------------------------------------------------


class IndexSelectBackward0(_Node):
    """Selected slices send their gradient back, added up where a slice was picked twice."""
    __slots__ = ()
    saved_names = ("index",)

    def backward(self, g):
        shape, d = self.extra[0]
        return index_add(_zeros(shape, g._data), d, self._saved[0].unpack(), g)


def _vector_index(idx: Any, fn: str) -> Any:
    if idx.ndim > 1:
        raise IndexError(f"{fn}(): Index is supposed to be a vector")
    if idx.dtype != np.int64 and idx.dtype != np.int32:
        raise RuntimeError(f"{fn}(): Expected dtype int32 or int64 for index")
    return idx.reshape(-1)


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices of ``input`` at positions ``index`` along ``dim``, in that order."""
    idx = _index_array(index, input, "index_select")
    shp = input._data.shape
    d = canon_dim(dim, len(shp))
    flat = _vector_index(idx, "index_select")
    if not shp:
        if flat.size != 1:
            raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {flat.size} value(s)")
        if int(flat[0]) != 0:
            raise IndexError("index out of range in self")
        data = input._data.copy()
    else:
        size = shp[d]
        if flat.size and size == 0:
            raise RuntimeError("index_select(): self indexing axis dim should be positive")
        bad = (flat < 0) | (flat >= size)
        if bad.any():
            if d == 1:
                first = int(flat[int(bad.argmax())])
                raise RuntimeError(f"INDICES element is out of DATA bounds, id={first} axis_dim={size}")
            raise IndexError("index out of range in self")
        data = _xp(input._data).take(input._data, flat, axis=d)
    return record(data, IndexSelectBackward0, (input,), saved=(index,),
                  extra=((shp, d), {"dim": _u64(dim), "self_sym_sizes": shp}))


class IndexAddBackward0(_Node):
    """``self`` passes its gradient through; ``source`` gets the slices it was added to."""
    __slots__ = ()
    saved_names = ("index",)

    def backward(self, g):
        d, alpha, src_shape = self.extra[0]
        gsrc = None
        if self.next_functions[1][0] is not None:
            gsrc = index_select(g, d, self._saved[0].unpack()).reshape(src_shape)
            if alpha != 1:
                gsrc = gsrc * alpha
        return g, gsrc


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
    """A copy of ``input`` with ``alpha * source``'s slices added at positions ``index`` along ``dim``."""
    idx = _index_array(index, input, "index_add")
    shp = input._data.shape
    d = canon_dim(dim, len(shp))
    if idx.dtype != np.int64 and idx.dtype != np.int32:
        raise RuntimeError(f"index_add_(): Expected dtype int32/int64 for index but got: "
                           f"{B._FROM_NP[idx.dtype].name.capitalize()}")
    if idx.ndim > 1:
        raise IndexError(f"index_add_(): Index is supposed to be a vector, but got dim: {idx.ndim} with type: "
                         f"Long and size: {_fmt(idx.shape)}")
    if source._data.dtype != input._data.dtype:
        from .pointwise import _DTYPE_WORDS
        raise RuntimeError(f"index_add_(): self ({_DTYPE_WORDS[input._data.dtype.name]}) and source "
                           f"({_DTYPE_WORDS[source._data.dtype.name]}) must have the same scalar type")
    flat = idx.reshape(-1)
    sd, src = _at_least_1d(input._data), _at_least_1d(source._data)
    if src.ndim != sd.ndim or any(k != d and a != b for k, (a, b) in enumerate(zip(sd.shape, src.shape))):
        raise RuntimeError("source tensor shape must match self tensor shape, excluding the specified "
                           f"dimension. Got self.shape = {_fmt(shp)} source.shape = {_fmt(source._data.shape)}")
    if src.shape[d] != flat.size:
        raise RuntimeError(f"index_add_(): Number of indices ({flat.size}) should be equal to "
                           f"source.size(dim): ({src.shape[d]}), for dim: {d}")
    _check_bounds(flat, sd.shape[d], d)
    out = sd.copy()
    _add_at(out, (slice(None),) * d + (flat,), src * alpha if alpha != 1 else src)
    shown = {"alpha": alpha, "dim": _u64(dim), "source_dim": source._data.ndim}
    out_t = record(out.reshape(shp), IndexAddBackward0, (input, source), saved=(index,),
                   extra=((d, alpha, source._data.shape), shown))
    return out_t


# ---------------------------------------------------------------------------
# masked_fill
# ---------------------------------------------------------------------------

_CPP_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
              "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char"}


def _broadcast_shape(a: tuple, b: tuple) -> tuple:
    """The broadcast of two shapes, with PyTorch's message when they do not fit."""
    n = max(len(a), len(b))
    out = []
    for i in range(n - 1, -1, -1):
        sa = a[i - n + len(a)] if i - n + len(a) >= 0 else 1
        sb = b[i - n + len(b)] if i - n + len(b) >= 0 else 1
        if sa != sb and sa != 1 and sb != 1:
            raise RuntimeError(f"The size of tensor a ({sa}) must match the size of tensor b ({sb}) at "
                               f"non-singleton dimension {i}")
        out.append(sa if sb == 1 else sb)
    return tuple(reversed(out))


class MaskedFillBackward0(OpNode):
    """Filled entries came from the value, not from ``self``: their gradient is zero."""
    __slots__ = ()
    saved_names = ("mask",)

    def backward(self, g):
        return masked_fill(g, self._saved[0].unpack(), 0)


class MaskedFillBackward1(MaskedFillBackward0):
    """A 0-d tensor value: it receives the sum of the gradient over the filled entries."""
    __slots__ = ()

    def backward(self, g):
        mask = self._saved[0].unpack()
        gs = None if self.next_functions[0][0] is None else masked_fill(g, mask, 0)
        gv = None if self.next_functions[1][0] is None else (g * mask).sum()
        return gs, gv


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """A copy of ``input`` with ``value`` wherever the boolean ``mask`` is True (mask broadcasts)."""
    vt = value if isinstance(value, Tensor) else None
    if not isinstance(mask, Tensor) or (vt is None and not isinstance(value, (int, float, bool, np.generic))):
        names = ", ".join("Tensor" if isinstance(v, Tensor) else type(v).__name__ for v in (mask, value))
        raise TypeError(f"masked_fill() received an invalid combination of arguments - got ({names}), "
                        "but expected one of:")
    md, sd = mask._data, input._data
    if md.dtype != np.bool_:
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{_CPP_NAMES.get(md.dtype.name, md.dtype.name)}")
    if vt is not None and vt._data.ndim:
        raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{vt._data.ndim} dimension(s).")
    _same_device([sd, md] + ([vt._data] if vt is not None else []))
    shape = _broadcast_shape(md.shape, sd.shape)
    xp = _xp(sd)
    fill = (vt._data if vt is not None else xp.asarray(value)).astype(sd.dtype)
    data = xp.where(md, fill, sd)
    if data.shape != shape:
        data = xp.broadcast_to(data, shape).copy()
    if vt is None:
        out = record(data, MaskedFillBackward0, (input,), saved=(mask,))
        note_broadcast(out, input)
    else:
        out = record(data, MaskedFillBackward1, (input, vt), saved=(mask,))
        note_broadcast(out, input, vt)
    return out


# ---------------------------------------------------------------------------
# in-place forms and registration
# ---------------------------------------------------------------------------


def _inplace(op: Any) -> Any:
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        check_inplace(self)
        return apply_inplace(self, op(self, *args, **kwargs))
    method.__name__ = op.__name__ + "_"
    method.__doc__ = f"In-place version of ``{op.__name__}``: changes this tensor and bumps its version."
    return method


register("split")(_split_method)
register("flip")(_flip_method)
register("repeat")(repeat)
for _f in (chunk, unbind, roll, gather, index_select, index_add, masked_fill, scatter, scatter_add,
           tril, triu, diagonal):
    register(_f.__name__)(_f)
for _f in (masked_fill, scatter, scatter_add, tril, triu, index_add):
    register(_f.__name__ + "_")(_inplace(_f))

EXPORTS = ["stack", "cat", "concat", "concatenate", "split", "chunk", "unbind", "flip", "roll",
           "tril", "triu", "diagonal", "gather", "scatter", "scatter_add", "index_select", "index_add",
           "masked_fill"]
