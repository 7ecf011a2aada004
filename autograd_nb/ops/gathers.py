"""Gathers and scatters: reading and writing values at given positions.

* ``gather`` / ``index_select`` *read* values at positions given by an index tensor;
* ``scatter`` / ``scatter_add`` / ``scatter_reduce`` / ``index_add`` / ``masked_fill``
  *write* them into a copy of the input (``x.scatter_(...)`` and friends change ``x`` in
  place); ``scatter_reduce`` combines values that land on the same position (sum, prod,
  mean, amax, amin).

Reading and writing are each other's backward: the gradient of a gather is a
scatter-add of the incoming gradient into zeros, the gradient of what a scatter wrote
is a gather of the incoming gradient, and so on. Every rule is written with these same
ops, so second derivatives work. (Part of the "joins" family: ``ops/joins.py`` exports
these functions; the small helpers both modules share live here.)
"""
from __future__ import annotations

import warnings
from typing import Any, Sequence

import numpy as np

from .. import _backend as B
from .._tensor import Tensor, canon_dim
from ..autograd.grad_mode import is_grad_enabled
from ._core import (OpNode, arg_error, scalar_to, no_kernel, as_array, as_method, check_broadcast, device_mismatch, note_broadcast,
                    record, register)
from ._layout import copy_like, dense
from .pointwise import _inplace as _pointwise_inplace
from .reduce import shown_dim

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _fmt(shape: Sequence[int]) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _zeros(shape: tuple, like: Any) -> Tensor:
    """A zero tensor (no history) with ``like``'s dtype and device."""
    return Tensor._wrap(B.xp_of(like).zeros(shape, dtype=like.dtype))


def _same_device(arrays: Sequence[Any]) -> None:
    kind = type(arrays[0])
    for a in arrays[1:]:
        if type(a) is not kind:
            raise device_mismatch(arrays[0], a)


_arg_error = arg_error


def _combination_error(fn: str, args: Sequence[Any]) -> TypeError:
    names = ["Tensor" if isinstance(a, Tensor) else type(a).__name__ for a in args]
    text = f"{fn}() received an invalid combination of arguments - got ({{}}), but expected one of:"
    e = TypeError(text.format(", ".join(names)))
    e.method_text = text.format(", ".join(names[1:]))
    return e


_as_method = as_method


def _inplace(op: Any, overlap: str = "any", expand_warning: bool = False) -> Any:
    """The in-place method ``x.op_(...)`` for an out-of-place op of this family (pointwise's,
    with this family's argument errors; a source may not overlap ``x`` at all)."""
    return _as_method(_pointwise_inplace(op, overlap=overlap, expand_warning=expand_warning))


# ---------------------------------------------------------------------------
# gather / scatter / scatter_add
# ---------------------------------------------------------------------------


def _index_array(index: Any, self: Tensor, fn: str) -> Any:
    if not isinstance(index, Tensor):
        raise _arg_error(fn, "index", 3, index)
    if type(index._data) is not type(self._data):
        raise device_mismatch(self._data, index._data)
    return index._data


def _check_index_dtype(idx: Any, fn: str) -> None:
    """An index of int64 or int32 (an empty one may be of any dtype, as in PyTorch)."""
    if idx.size and idx.dtype != np.int64 and idx.dtype != np.int32:
        raise RuntimeError(f"{fn}(): Expected dtype int32/int64 for index")


def _check_bounds(idx: Any, size: int, dim: int) -> None:
    """PyTorch does not wrap negative positions here: any index outside [0, size) is an error."""
    bad = (idx < 0) | (idx >= size)
    if bad.any():
        first = idx.reshape(-1)[int(bad.reshape(-1).argmax())]
        raise RuntimeError(f"index {int(first)} is out of bounds for dimension {dim} with size {size}")


def _along(idx: Any, d: int) -> tuple:
    """The advanced-index key that reads ``arr[i0, .., idx[i0, ..], ..]`` for every position."""
    xp = B.xp_of(idx)
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


class GatherBackward0(OpNode):
    """Each read value sends its gradient back to where it was read (added up where a
    place was read twice).

    out = self.gather(dim, index)
    grad_self = zeros(self.shape).scatter_add(dim, index, grad)
    """
    saved_names = ("self", "index")
    fields = ("dim", "sparse_grad",
              "_n")                                   # (dim, counted from 0)

    def backward(self, g):
        src, index = self._saved[0].unpack(), self._saved[1].unpack()
        return scatter_add(_zeros(src._data.shape, g._data), self._n, index, g)


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
        data = dense(sd[_along(ii, d)].reshape(idx.shape))    # (a new tensor of index's shape)
    else:
        data = B.xp_of(sd).zeros(idx.shape, dtype=sd.dtype)
    return record(data, GatherBackward0, (input,), saved=(input, index),
                  dim=shown_dim(dim), sparse_grad=bool(sparse_grad), _n=d)


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
    want = node._src_shape
    if got._data.shape != want:
        raise RuntimeError(
            f"Function {node.name()} returned an invalid gradient at index 1 - got "
            f"{_fmt(got._data.shape)} but expected shape compatible with {_fmt(want)}")
    return got


class ScatterBackward0(OpNode):
    """Overwritten entries of self get no gradient; src gets the gradient of the place
    each of its values landed.

    out = self.scatter(dim, index, src)
    grad_self = grad.scatter(dim, index, 0)
    grad_src = grad.gather(dim, index)
    """
    saved_names = ("index",)
    fields = ("dim",
              "_n",                                   # dim, counted from 0
              "_src_shape")                           # (the src gradient's shape is checked)

    def backward(self, g):
        d, index = self._n, self._saved[0].unpack()
        gs = None if self.next_functions[0][0] is None else scatter(g, d, index, 0)
        gsrc = None if self.next_functions[1][0] is None else _src_grad(self, g, d, index)
        return gs, gsrc


class ScatterBackward1(ScatterBackward0):
    """Scatter of a number: only self has a gradient, zero where it was overwritten.

    out = self.scatter(dim, index, value)   (value: a number)
    grad_self = grad.scatter(dim, index, 0)
    """

    def backward(self, g):
        return scatter(g, self._n, self._saved[0].unpack(), 0)


def scatter(input: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
            reduce: Any = None) -> Tensor:
    """A copy of ``input`` with ``src[i][j]`` written to ``out[index[i][j]][j]`` (for ``dim=0``).

    ``src`` may be a tensor or a number (``value=``). Where ``index`` repeats a
    position, which write wins is not specified (as in PyTorch).

    ``reduce='add'`` or ``'multiply'`` combines instead of overwriting. PyTorch defines
    no derivative for that form (its backward raises) and deprecates it for tensor
    sources: use ``scatter_reduce``, which has gradients.
    """
    if src is None:
        src = value
    if not isinstance(index, Tensor) or not isinstance(src, (Tensor, int, float, bool, np.generic)):
        raise _combination_error("scatter", (input, dim, index, src))
    idx = _index_array(index, input, "scatter")
    d = canon_dim(dim, input._data.ndim)
    st = src if isinstance(src, Tensor) else None
    if st is not None and type(st._data) is not type(input._data):
        raise device_mismatch(input._data, st._data)
    if reduce is not None:
        return _scatter_with_reduce(input, d, idx, src, st, reduce)
    out = _at_least_1d(input._data).copy()
    if _scatter_checks(input, d, idx, st, "scatter"):
        out[_along(_at_least_1d(idx), d)] = _src_region(st, idx) if st is not None else src
    out = out.reshape(input._data.shape)
    if st is not None:
        return record(out, ScatterBackward0, (input, st), saved=(index,), dim=shown_dim(dim), _n=d,
                      _src_shape=st._data.shape)
    return record(out, ScatterBackward1, (input,), saved=(index,), dim=shown_dim(dim), _n=d)


class ScatterAddBackward0(ScatterBackward0):
    """Adding passes self's gradient straight through; each value of src gets the
    gradient of the place it was added to.

    out = self.scatter_add(dim, index, src)
    grad_self = grad
    grad_src = grad.gather(dim, index)
    """

    def backward(self, g):
        d, index = self._n, self._saved[0].unpack()
        gsrc = None if self.next_functions[1][0] is None else _src_grad(self, g, d, index)
        return g, gsrc


def _index_and_src(input: Tensor, dim: int, index: Tensor, src: Any, fn: str) -> tuple[Any, int]:
    """The index array and the canonical dim of ``fn(input, dim, index, src)``, src checked."""
    idx = _index_array(index, input, fn)
    if not isinstance(src, Tensor):
        raise _arg_error(fn, "src", 4, src)
    d = canon_dim(dim, input._data.ndim)
    if type(src._data) is not type(input._data):
        raise device_mismatch(input._data, src._data)
    return idx, d


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of ``input`` with ``src[i][j]`` *added* at ``out[index[i][j]][j]`` (for ``dim=0``)."""
    idx, d = _index_and_src(input, dim, index, src, "scatter_add")
    out = _at_least_1d(input._data).copy()
    if _scatter_checks(input, d, idx, src, "scatter"):
        _add_at(out, _along(_at_least_1d(idx), d), _src_region(src, idx))
    return record(out.reshape(input._data.shape), ScatterAddBackward0, (input, src), saved=(index,),
                  dim=shown_dim(dim), _n=d, _src_shape=src._data.shape)


# ---------------------------------------------------------------------------
# scatter_reduce, and scatter(reduce=...)
# ---------------------------------------------------------------------------

# how values meeting at one position combine, and what a position starts from when
# ``include_self=False`` leaves the original value out (the identity of the combination)
_COMBINE = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum,
            "add": np.add, "multiply": np.multiply}


def _identity(reduce: str, dtype: Any) -> Any:
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    big = np.inf if dtype.kind == "f" else (np.iinfo(dtype).max if dtype.kind in "iu" else True)
    small = -np.inf if dtype.kind == "f" else (np.iinfo(dtype).min if dtype.kind in "iu" else False)
    return small if reduce == "amax" else big


def _combine_at(ufunc: Any, z: Any, key: tuple, vals: Any) -> None:
    """``z[key] = ufunc(z[key], vals)``, applied once per repeated position (unbuffered)."""
    if type(z) is np.ndarray:
        ufunc.at(z, key, vals)
        return
    import cupy  # noqa: PLC0415 - a cuda tensor: combine on the host, copy back
    host = cupy.asnumpy(z)
    ufunc.at(host, tuple(cupy.asnumpy(k) for k in key), cupy.asnumpy(vals))
    z[...] = cupy.asarray(host)


def _reduced(self: Any, idx: Any, d: int, vals: Any, reduce: str, include_self: bool) -> Any:
    """The forward kernel shared by scatter_reduce and scatter(reduce=...): an array of self's shape."""
    out = _at_least_1d(self).copy()
    key = _along(_at_least_1d(idx), d)
    if not include_self:
        out[key] = _identity(reduce, out.dtype)
    _combine_at(_COMBINE[reduce], out, key, vals)
    if reduce == "mean":
        count = B.xp_of(out).full(out.shape, 1 if include_self else 0, dtype=np.int64)
        _combine_at(np.add, count, key, 1)
        count[count == 0] = 1                         # untouched positions keep their value
        out = (out / count).astype(out.dtype) if out.dtype.kind == "f" else (out // count).astype(out.dtype)
    return out.reshape(self.shape)


_WARNED_REDUCE = [False]


def _scatter_with_reduce(input: Tensor, d: int, idx: Any, src: Any, st: Tensor | None,
                         reduce: Any) -> Tensor:
    """``scatter(..., reduce='add'|'multiply')``: values combine; no derivative (NotImplemented node)."""
    if reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    if st is not None and not _WARNED_REDUCE[0]:     # PyTorch warns once per process
        _WARNED_REDUCE[0] = True
        import warnings
        warnings.warn("The reduce argument of torch.scatter with Tensor src is deprecated and will be "
                      "removed in a future PyTorch release. Use torch.scatter_reduce instead for more "
                      "reduction options.", UserWarning, stacklevel=3)
    if _scatter_checks(input, d, idx, st, "scatter"):           # (a number is cast to self's dtype
        vals = _src_region(st, idx) if st is not None else np.array(src).astype(input._data.dtype)   # first)
        data = _reduced(input._data, idx, d, vals, reduce, True)
    else:
        data = input._data.copy()
    from .pointwise import NoDerivative as _NoDerivative
    live = tuple(t for t in (input, st) if t is not None and t._requires_grad)
    return record(data, _NoDerivative, live, _op="scatter")


class Error(OpNode):
    """PyTorch's node for a gradient that is right but cannot be differentiated again:
    recorded only under create_graph=True, differentiating through it raises.

    grad_self = error (_message)
    """
    fields = ("_message",)                            # (the error it raises)

    def name(self) -> str:
        return "torch::autograd::Error"

    def backward(self, *grads):
        raise RuntimeError(self._message)


class ScatterReduceBackward0(OpNode):
    """Each value that took part in a reduction at a place gets that place's gradient as
    the reduction passes it on: sum unchanged, mean divided by the count, prod times the
    product of the other values, amax/amin shared among the values equal to the result.
    Where include_self=False, self's values at written places took no part (no gradient).

    out = self.scatter_reduce(dim, index, src, reduce, include_self)
    grad_self = d(reduce)/d(self) * grad   (e.g. sum: grad; mean: grad / count)
    grad_src = (d(reduce)/d(src) * grad).gather(dim, index)
    """
    saved_names = ("self", "src", "index", "result")
    fields = ("dim", "reduce", "include_self",
              "_n",                                   # dim, counted from 0
              "_src_shape")                           # (the src gradient's shape is checked)
    _double_backward_error = ("scatter_reduce(): Double backward is unsupported for src when >1 zeros in "
                              "src are scattered to the same position in self")

    def _scatter_index(self, index: Tensor, src: Tensor, d: int) -> Tensor:
        """The scatter index of every ``src`` value (``index_reduce`` spreads its own)."""
        return index

    def backward(self, g):
        from .compare import where
        d, reduce, include_self = self._n, self.reduce, self.include_self
        x, src, index, result = (s.unpack() for s in self._saved)
        index = self._scatter_index(index, src, d)
        if reduce == "sum":
            # every value that took part passes the gradient on unchanged
            gs, gsrc = g, gather(g, d, index)
        elif reduce == "mean":
            # each of the N values averaged at a position gets 1/N of its gradient
            n = _filled_like(g, 1.0 if include_self else 0.0)
            n = scatter_add(n, d, index, _filled_like(src, 1.0))
            n = masked_fill(n, n == 0, 1)
            gs, gsrc = g / n, gather(g, d, index) / gather(n, d, index)
        elif reduce == "prod":
            # d(product)/d(value) = product of the *other* values; a zero value is replaced by
            # 1 and the product recomputed, so the product of the others is exact even then
            masked_self = masked_fill(x, x == 0, 1)
            others = scatter_reduce(masked_self, d, index, src, "prod", include_self=include_self)
            gs = g * others / masked_self
            src_zero = src == 0
            zeros_here = gather(scatter_add(_filled_like(x, 0.0), d, index, src_zero.to(x.dtype)), d, index)
            lone_zero = src_zero & (zeros_here == 1)
            others_src = scatter_reduce(x, d, index, masked_fill(src, lone_zero, 1), "prod",
                                        include_self=include_self)
            gsrc = where(lone_zero, gather(g * others_src, d, index),
                         gather(g * result, d, index) / masked_fill(src, src_zero, 1))
            if is_grad_enabled() and bool((zeros_here._data > 1).any()):
                # with two zeros at one position this formula has no correct derivative
                gsrc = record(gsrc._data, Error, (gsrc,), _message=self._double_backward_error)
        else:
            # amax / amin: the gradient is shared equally by all values equal to the result
            value = gather(result, d, index)
            self_wins, src_wins = x == result, src == value
            n = scatter_add(self_wins.to(x.dtype), d, index, src_wins.to(x.dtype))
            share = g / n
            gs, gsrc = share * self_wins, gather(share, d, index) * src_wins
        if not include_self:                          # self's values at written positions took no part
            gs = scatter(gs, d, index, 0)
        if self.next_functions[1][0] is not None and gsrc._data.shape != self._src_shape:
            raise RuntimeError(
                f"Function {self.name()} returned an invalid gradient at index 1 - got "
                f"{_fmt(gsrc._data.shape)} but expected shape compatible with {_fmt(self._src_shape)}")
        return (None if self.next_functions[0][0] is None else gs,
                None if self.next_functions[1][0] is None else gsrc)


def _filled_like(t: Tensor, value: float) -> Tensor:
    return Tensor._wrap(B.xp_of(t._data).full(t._data.shape, value, dtype=t._data.dtype))


_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: Any = None, *,
                   include_self: bool = True) -> Tensor:
    """A copy of ``input`` where the ``src`` values sent to each position (by ``index`` along
    ``dim``, as in ``scatter``) are combined with ``reduce``: ``'sum'``, ``'prod'``, ``'mean'``,
    ``'amax'`` or ``'amin'``.

    With ``include_self=True`` the value already in ``input`` takes part in the combination;
    with ``False`` it is left out wherever something is scattered (positions nothing is sent
    to keep their value either way). ``'mean'`` of integers rounds down.

    Gradients: ``sum`` passes the gradient through; ``mean`` divides it by the count;
    ``prod`` multiplies by the product of the other values; ``amax``/``amin`` share it
    equally among the values that tie for the result.
    """
    if reduce is None:
        raise TypeError('scatter_reduce() missing 1 required positional arguments: "reduce"')
    idx, d = _index_and_src(input, dim, index, src, "scatter_reduce")
    if reduce not in _REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if reduce == "mean" and input._data.dtype.kind == "b":
        raise no_kernel("scatter_gather_tensor_cpu_reduce_mean", input._data.dtype)
    if _scatter_checks(input, d, idx, src, "scatter"):
        data = _reduced(input._data, idx, d, _src_region(src, idx), reduce, bool(include_self))
    else:
        data = input._data.copy()
    return record(data, ScatterReduceBackward0, (input, src), saved=(input, src, index), save_output=True,
                  dim=shown_dim(dim), reduce=reduce, include_self=bool(include_self), _n=d,
                  _src_shape=src._data.shape)


# ---------------------------------------------------------------------------
# index_select / index_add
# ---------------------------------------------------------------------------


def _vector_index(idx: Any, fn: str) -> Any:
    if idx.ndim > 1:
        raise IndexError(f"{fn}(): Index is supposed to be a vector")
    if idx.dtype != np.int64 and idx.dtype != np.int32:
        raise RuntimeError(f"{fn}(): Expected dtype int32 or int64 for index")
    return idx.reshape(-1)


class IndexSelectBackward0(OpNode):
    """Each selected slice sends its gradient back to the slice of self it was read from
    (added up where a slice was picked twice); slices never picked get zero.

    out = self.index_select(dim, index)
    grad_self = zeros(self.shape).index_add(dim, index, grad)
    """
    saved_names = ("index",)
    fields = ("dim", "self_sym_sizes",
              "_n")                                   # (dim, counted from 0)

    def backward(self, g):
        return index_add(_zeros(self.self_sym_sizes, g._data), self._n, self._saved[0].unpack(), g)


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices of ``input`` at positions ``index`` along ``dim``, in that order."""
    idx = _index_array(index, input, "index_select")
    shp = input._data.shape
    d = canon_dim(dim, len(shp))
    flat = _vector_index(idx, "index_select")
    if not shp:
        if flat.size != 1:
            raise RuntimeError(
                f"index_select(): Index to scalar can have only 1 value, got {flat.size} value(s)")
        if int(flat[0]) != 0:
            raise IndexError("index out of range in self")
        data = input._data.copy()
    else:
        size = shp[d]
        if flat.size and size == 0:                   # (a 1-d tensor: the plain bounds error)
            if len(shp) == 1:
                raise IndexError("index out of range in self")
            raise RuntimeError("index_select(): self indexing axis dim should be positive")
        bad = (flat < 0) | (flat >= size)
        if bad.any():
            if d == 1 or input._data.size == 0:       # (PyTorch's kernels for these two cases)
                first = int(flat[int(bad.argmax())])
                raise RuntimeError(f"INDICES element is out of DATA bounds, id={first} axis_dim={size}")
            raise IndexError("index out of range in self")
        data = B.xp_of(input._data).take(input._data, flat, axis=d)
    return record(data, IndexSelectBackward0, (input,), saved=(index,),
                  dim=shown_dim(dim), self_sym_sizes=shp, _n=d)


class IndexAddBackward0(OpNode):
    """Adding passes self's gradient straight through; each slice of source gets the
    gradient of the slice it was added to, times alpha.

    out = self.index_add(dim, index, source, alpha=alpha)
    grad_self = grad
    grad_source = grad.index_select(dim, index) * alpha
    """
    saved_names = ("index", "source")                 # (source: when it needs a gradient)
    fields = ("dim", "alpha", "source_dim",
              "_n",                                   # dim, counted from 0
              "_source_shape")

    def backward(self, g):
        gsrc = None
        if self.next_functions[1][0] is not None:
            gsrc = index_select(g, self._n, self._saved[0].unpack()).reshape(self._source_shape)
            alpha = self.alpha
            if alpha != 1:
                gsrc = gsrc * alpha
        return g, gsrc


def _slice_source_checks(fn: str, input: Tensor, dim: int, index: Tensor, source: Tensor) -> tuple:
    """PyTorch's checks shared by ``index_add`` and ``index_reduce`` (slice ``k`` of
    ``source`` along ``dim`` goes to slice ``index[k]`` of ``input``), in its order and
    words; returns the dim, the flat index and both arrays at least 1-d."""
    idx = _index_array(index, input, fn)
    if not isinstance(source, Tensor):
        raise _arg_error(fn, "source", 4, source)
    shp = input._data.shape
    d = canon_dim(dim, len(shp))
    if idx.dtype != np.int64 and idx.dtype != np.int32:
        raise RuntimeError(f"{fn}_(): Expected dtype int32/int64 for index but got: "
                           f"{B.SCALAR_NAMES[idx.dtype.name]}")
    if idx.ndim > 1:
        raise IndexError(f"{fn}_(): Index is supposed to be a vector, but got dim: {idx.ndim} with "
                         f"type: {B.SCALAR_NAMES[idx.dtype.name]} and size: {_fmt(idx.shape)}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"{fn}_(): self ({B.SCALAR_NAMES[input._data.dtype.name]}) and source "
                           f"({B.SCALAR_NAMES[source._data.dtype.name]}) must have the same scalar type")
    flat = idx.reshape(-1)
    sd, src = _at_least_1d(input._data), _at_least_1d(source._data)
    if src.ndim != sd.ndim or any(k != d and a != b for k, (a, b) in enumerate(zip(sd.shape, src.shape))):
        raise RuntimeError("source tensor shape must match self tensor shape, excluding the specified "
                           f"dimension. Got self.shape = {_fmt(shp)} source.shape = "
                           f"{_fmt(source._data.shape)}")
    if src.shape[d] != flat.size:
        raise RuntimeError(f"{fn}_(): Number of indices ({flat.size}) should be equal to "
                           f"source.size(dim): ({src.shape[d]}), for dim: {d}")
    return d, flat, sd, src


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
    """A copy of ``input`` with ``alpha * source``'s slices added at positions ``index`` along ``dim``."""
    d, flat, sd, src = _slice_source_checks("index_add", input, dim, index, source)
    shp = input._data.shape
    _check_bounds(flat, sd.shape[d], d)
    out = sd.copy()
    scale = alpha
    if alpha != 1 and src.dtype.kind in "iu" and isinstance(alpha, (int, np.integer)):
        scale = np.array(alpha).astype(src.dtype)     # (wrapped into the dtype, as PyTorch: -1 is 255)
    _add_at(out, (slice(None),) * d + (flat,), src * scale if alpha != 1 else src)
    return record(out.reshape(shp), IndexAddBackward0, (input, source),
                  saved=(index, source if source.requires_grad else None),
                  dim=shown_dim(dim), alpha=alpha, source_dim=source._data.ndim, _n=d,
                  _source_shape=source._data.shape)


class IndexReduceBackward0(ScatterReduceBackward0):
    """index_reduce is scatter_reduce with one index per slice of source along dim: the
    same rule, with that index spread over source's shape.

    out = self.index_reduce(dim, index, source, reduce, include_self)
    grad_self = d(reduce)/d(self) * grad   (e.g. mean: grad / count)
    grad_source = (d(reduce)/d(source) * grad).index_select(dim, index)
    """
    saved_names = ("self", "source", "index", "result")
    _double_backward_error = ("index_reduce(): Double backward is unsupported for source when >1 zeros in "
                              "source are scattered to the same position in self")

    def _scatter_index(self, index: Tensor, src: Tensor, d: int) -> Tensor:
        return _spread_index(index, src._data.shape, d)


def _spread_index(index: Tensor, shape: tuple, d: int) -> Tensor:
    """A ``shape``-shaped index holding ``index[k]`` at every position k along ``d``."""
    if not shape:
        return index.reshape(())
    along = [1] * len(shape)
    along[d] = -1
    return index.reshape(along).expand(shape)


_INDEX_REDUCTIONS = ("prod", "mean", "amax", "amin")
_BETA_WARNED = [False]


def index_reduce(input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                 include_self: bool = True) -> Tensor:
    """A copy of ``input`` where slice ``k`` of ``source`` along ``dim`` is combined into slice
    ``index[k]`` with ``reduce``: ``'prod'``, ``'mean'``, ``'amax'`` or ``'amin'``
    (``include_self``: whether ``input``'s own slice takes part, as in ``scatter_reduce``).

    It is ``scatter_reduce`` with the index given once per slice instead of per element,
    and so is its gradient (``IndexReduceBackward0``). PyTorch calls the API beta and
    warns once.
    """
    if not _BETA_WARNED[0]:
        _BETA_WARNED[0] = True
        warnings.warn("index_reduce() is in beta and the API may change at any time.", UserWarning, stacklevel=2)
    if reduce not in _INDEX_REDUCTIONS:
        raise RuntimeError("index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got "
                           f"{reduce}.")
    d, flat, sd, src = _slice_source_checks("index_reduce", input, dim, index, source)
    shp = input._data.shape
    if ((flat < 0) | (flat >= sd.shape[d])).any():
        raise IndexError("index out of range in self")
    if input._data.dtype.kind == "b":
        raise no_kernel("index_func_", input._data.dtype)
    spread = _spread_index(Tensor._wrap(B.xp_of(flat).asarray(flat, dtype=np.int64)), src.shape, d)._data
    data = _reduced(sd, spread, d, src, reduce, bool(include_self)).reshape(shp)
    return record(data, IndexReduceBackward0, (input, source), saved=(input, source, index), save_output=True,
                  dim=shown_dim(dim), reduce=reduce, include_self=bool(include_self), _n=d,
                  _src_shape=source._data.shape)


# ---------------------------------------------------------------------------
# masked_fill
# ---------------------------------------------------------------------------

class MaskedFillBackward0(OpNode):
    """Filled entries came from the value, not from self: their gradient is zero; the
    others pass it through.

    out = self.masked_fill(mask, value)   (value: a number)
    grad_self = grad.masked_fill(mask, 0)
    """
    saved_names = ("mask",)

    def backward(self, g):
        return masked_fill(g, self._saved[0].unpack(), 0)


class MaskedFillBackward1(MaskedFillBackward0):
    """Filled with a 0-d tensor value: it receives the sum of the gradient over the filled
    entries; self's filled entries get zero.

    out = self.masked_fill(mask, value)   (value: a 0-d tensor)
    grad_self = grad.masked_fill(mask, 0)
    grad_value = (grad * mask).sum()
    """

    def backward(self, g):
        mask = self._saved[0].unpack()
        gs = None if self.next_functions[0][0] is None else masked_fill(g, mask, 0)
        gv = None if self.next_functions[1][0] is None else (g * mask).sum()
        return gs, gv


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """A copy of ``input`` with ``value`` wherever the boolean ``mask`` is True (mask broadcasts)."""
    vt = value if isinstance(value, Tensor) else None
    if not isinstance(mask, Tensor) or (vt is None and not isinstance(value, (int, float, bool, np.generic))):
        raise _combination_error("masked_fill", (input, mask, value))
    md, sd = mask._data, input._data
    if md.dtype != np.bool_:
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{B.CPP_NAMES.get(md.dtype.name, md.dtype.name)}")
    if vt is not None and vt._data.ndim:
        raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{vt._data.ndim} dimension(s).")
    _same_device([sd, md] + ([vt._data] if vt is not None else []))
    check_broadcast(md.shape, sd.shape)
    xp = B.xp_of(sd)
    fill = vt._data.astype(sd.dtype) if vt is not None else xp.asarray(scalar_to(value, sd.dtype))
    data = dense(as_array(xp.where(md, fill, sd)))    # the shape of mask and input broadcast
    # (PyTorch fills a contiguous clone of the broadcast input)
    if vt is None:
        out = record(data, MaskedFillBackward0, (input,), saved=(mask,))
        note_broadcast(out, input)
    else:
        out = record(data, MaskedFillBackward1, (input, vt), saved=(mask,))
        note_broadcast(out, input, vt)
    return out


class MaskedScatterBackward0(OpNode):
    """out = self, with the places where mask is True overwritten, in row-major order, by
    source's first elements: those places give self no gradient, and each of source's
    first elements gets the gradient of the place it went to (the unused rest of source
    gets zeros).

    out = self.masked_scatter(mask, source)
    grad_self = grad.masked_fill(mask, 0)
    grad_source = grad.masked_select(mask), padded with zeros, viewed as source's shape
    """
    saved_names = ("mask",)
    fields = ("source_sym_sizes",)

    def backward(self, g):
        from .joins import cat, masked_select
        mask = self._saved[0].unpack()
        g_self = masked_fill(g, mask, 0) if self.next_functions[0][0] is not None else None
        g_source = None
        if self.next_functions[1][0] is not None:
            picked = masked_select(g, mask)
            shape = self.source_sym_sizes
            n = int(np.prod(shape))
            if n > picked._data.size:
                picked = cat([picked, g.new_zeros(n - picked._data.size)])
            g_source = picked.view(shape)
        return g_self, g_source


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """A copy of ``input`` (broadcast with ``mask``) whose places where ``mask`` is True get
    ``source``'s elements, in order: the first True place the first element, and so on.
    ``source`` needs at least as many elements as ``mask`` has True places."""
    if not all(isinstance(t, Tensor) for t in (input, mask, source)):
        raise _combination_error("masked_scatter", (input, mask, source))
    md, sd, srcd = mask._data, input._data, source._data
    if md.dtype != np.bool_:
        raise RuntimeError("masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{B.SCALAR_NAMES[md.dtype.name]}")
    if srcd.dtype != sd.dtype:
        raise RuntimeError("masked_scatter: expected self and source to have same dtypes but got"
                           f"{B.SCALAR_NAMES[sd.dtype.name]} and {B.SCALAR_NAMES[srcd.dtype.name]}")
    _same_device([sd, md, srcd])
    check_broadcast(md.shape, sd.shape)
    xp = B.xp_of(sd)
    shape = np.broadcast_shapes(md.shape, sd.shape)
    where_ = xp.broadcast_to(md, shape)
    count = int(where_.sum())
    if count > srcd.size:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    data = xp.array(xp.broadcast_to(sd, shape))
    data[where_] = srcd.reshape(-1)[:count]
    out = record(data, MaskedScatterBackward0, (input, source), saved=(mask,),
                 source_sym_sizes=tuple(srcd.shape))
    note_broadcast(out, input, None)
    return out


class IndexFillBackward0(OpNode):
    """The filled slices came from the value, not from self: their gradient is zero; the
    others pass it through.

    out = self.index_fill(dim, index, value)   (value: a number)
    grad_self = grad.index_fill(dim, index, 0)
    """
    saved_names = ("index",)
    fields = ("dim",
              "_n")                                   # (dim, counted from 0)

    def backward(self, g):
        return index_fill(g, self._n, self._saved[0].unpack(), 0.0)


class IndexFillBackward1(IndexFillBackward0):
    """Filled with a 0-d tensor value: it gets the sum of the gradient over the slices it
    filled; self's filled slices get zero.

    out = self.index_fill(dim, index, value)   (value: a 0-d tensor)
    grad_self = grad.index_fill(dim, index, 0)
    grad_value = grad.index_select(dim, unique(index)).sum()   (a slice filled twice counts once)
    """

    def backward(self, g):
        index = self._saved[0].unpack()
        gv = None
        if self.next_functions[1][0] is not None:
            xp = B.xp_of(index._data)
            gv = index_select(g, self._n, Tensor._wrap(xp.unique(index._data.reshape(-1)))).sum()
        return index_fill(g, self._n, index, 0.0), gv


def index_fill(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    """A copy of ``input`` whose slices at positions ``index`` along ``dim`` hold ``value``.

    ``value`` is a number or a 0-d tensor (which then gets a gradient too); negative
    positions count from the end.
    """
    idx = _index_array(index, input, "index_fill")
    shp = input._data.shape
    d = canon_dim(dim, len(shp))
    if idx.dtype != np.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if idx.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    vt = value if isinstance(value, Tensor) else None
    if vt is not None and vt._data.ndim:
        raise RuntimeError("index_fill_ only supports a 0-dimensional value tensor, but got tensor "
                           f"with {vt._data.ndim} dimension(s).")
    size = shp[d] if shp else 1
    flat = idx.reshape(-1)
    bad = (flat < -size) | (flat >= size)
    if bad.any() and input._data.size:                # (an empty tensor's kernel checks nothing)
        first = int(flat[int(bad.argmax())])
        raise IndexError(f"index {first} is out of bounds for dimension {d} with size {size}")
    out = copy_like(input._data)                      # (a clone: a transposed input stays so)
    fill = vt._data if vt is not None else scalar_to(value, out.dtype)
    if out.ndim and out.size:
        out[(slice(None),) * d + (flat,)] = fill
    elif flat.size and out.size:
        out[...] = fill
    if vt is None:
        return record(out, IndexFillBackward0, (input,), saved=(index,), dim=shown_dim(dim), _n=d)
    return record(out, IndexFillBackward1, (input, vt), saved=(index,), dim=shown_dim(dim), _n=d)


for _f in (gather, index_select, index_add, index_fill, masked_fill, masked_scatter, scatter, scatter_add,
           scatter_reduce, index_reduce):
    register(_f.__name__)(_as_method(_f))
for _f in (scatter, scatter_add, index_add, scatter_reduce, index_reduce, masked_scatter):
    register(_f.__name__ + "_")(_inplace(_f))
for _f in (masked_fill, index_fill):                  # (their value is read as a number; they fill)
    register(_f.__name__ + "_")(_inplace(_f, "fill", expand_warning=True))

EXPORTS = ["gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add",
           "index_fill", "masked_fill", "masked_scatter", "index_reduce"]
