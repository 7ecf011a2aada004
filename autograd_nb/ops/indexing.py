"""Indexing: ``x[...]`` to read, ``x[...] = v`` to write, and ``select``/``narrow``.

Reading follows PyTorch's graph: the basic parts of an index (ints, slices, None) are
applied one after another as views (``SelectBackward0``, ``SliceBackward0``,
``UnsqueezeBackward0``), then any advanced part (integer lists/tensors, bool masks)
as one ``IndexBackward0``. The gradient of a read is the incoming gradient placed
back into a zero tensor of the input's shape (added up where an index repeats).

Writing is an in-place op: it bumps the version, is refused on leaves that require
grad, and on a tensor in a graph records ``CopySlices`` (basic index) or
``IndexPutBackward0`` (advanced index).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _backend as B
from .._tensor import Tensor, canon_dim
from ..autograd.grad_mode import STATE
from ._core import OpNode, bump, check_inplace, needs_grad, record, register, sum_to
from .views import _make_view, rebase_view


def _xp(d: Any) -> Any:
    return np if type(d) is np.ndarray else B.xp_of(d)


# ---------------------------------------------------------------------------
# the two primitive moves: take a region, put a gradient back into zeros
# ---------------------------------------------------------------------------


class _Embed(OpNode):
    """Backward of a read, itself differentiable: its own gradient reads the region again."""
    __slots__ = ()

    def backward(self, g):
        shape, key, _ = self.extra
        return take_region(g, key, IndexBackward0)


class SelectBackwardBackward0(_Embed):
    __slots__ = ()


class SliceBackwardBackward0(_Embed):
    __slots__ = ()


class IndexPutImplBackward0(_Embed):
    __slots__ = ()


def embed(g: Tensor, shape: tuple, key: Any, node: type, accumulate: bool = False) -> Tensor:
    """Zeros of ``shape`` with ``g`` written (or, with repeats, added) at ``key``."""
    gd = g._data
    xp = _xp(gd)
    z = xp.zeros(shape, dtype=gd.dtype)
    if accumulate:
        if xp is np:
            np.add.at(z, key, gd)
        else:
            import cupyx  # noqa: PLC0415
            cupyx.scatter_add(z, key, gd)
    else:
        z[key] = gd
    return record(z, node, (g,), extra=(shape, key, accumulate))


class _Region(OpNode):
    """A read of ``key``: the gradient goes back into zeros of the input's shape."""
    __slots__ = ()
    _back = SliceBackwardBackward0

    def backward(self, g):
        shape, key, accumulate = self.extra
        return embed(g, shape, key, self._back, accumulate)

    def _extra_saved(self, name):
        if name == "self_sym_sizes":
            return self.extra[0]
        return None


class SelectBackward0(_Region):
    __slots__ = ()
    _back = SelectBackwardBackward0


class SliceBackward0(_Region):
    __slots__ = ()


class AliasBackward0(_Region):
    __slots__ = ()


class IndexBackward0(_Region):
    __slots__ = ()
    _back = IndexPutImplBackward0


def take_region(x: Tensor, key: Any, node: type, accumulate: bool = False) -> Tensor:
    """``x._data[key]`` recorded with ``node`` (no view bookkeeping)."""
    return record(x._data[key], node, (x,), extra=(x._data.shape, key, accumulate))


# ---------------------------------------------------------------------------
# select / slice / narrow
# ---------------------------------------------------------------------------


def select(self: Tensor, dim: int, index: int) -> Tensor:
    """The slice at position ``index`` of dimension ``dim`` (that dimension disappears)."""
    shp = self._data.shape
    if not shp:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = canon_dim(dim, len(shp))
    size = shp[d]
    if not -size <= index < size:
        raise IndexError(f"index {index} is out of bounds for dimension {d} with size {size}")
    i = index + size if index < 0 else index
    key = (slice(None),) * d + (i,)
    out = record(self._data[key], SelectBackward0, (self,), extra=(shp, key, False))
    return _make_view(self, out, lambda t: select(t, d, i))


def slice_dim(self: Tensor, dim: int, sl: slice) -> Tensor:
    """``self[..., start:stop:step, ...]`` on one dimension (a view)."""
    shp = self._data.shape
    if not shp:
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    d = canon_dim(dim, len(shp))
    if sl.step is not None and sl.step <= 0:
        raise ValueError("step must be greater than zero")
    key = (slice(None),) * d + (sl,)
    out = record(self._data[key], SliceBackward0, (self,), extra=(shp, key, False))
    return _make_view(self, out, lambda t: slice_dim(t, d, sl))


def narrow(self: Tensor, dim: int, start: int, length: int) -> Tensor:
    """``length`` elements of dimension ``dim`` from ``start`` (a view)."""
    size = self._data.shape[canon_dim(dim, self._data.ndim)]
    if start < 0:
        start += size
    if start + length > size or length < 0:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return slice_dim(self, dim, slice(start, start + length))


# ---------------------------------------------------------------------------
# x[index]
# ---------------------------------------------------------------------------


def _normalise(idx: Any) -> tuple:
    """The index as a tuple of int / slice / None / Ellipsis / ('adv', array)."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    out = []
    for c in idx:
        if isinstance(c, Tensor):
            d = B.to_device(c._data, B.CPU) if not c.is_cpu else c._data
            if d.ndim == 0 and d.dtype.kind in "iu":
                out.append(int(d))
            elif d.dtype.kind in "iub":
                out.append(("adv", c._data))
            else:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        elif isinstance(c, (list, np.ndarray)):
            arr = np.asarray(c)
            if arr.dtype.kind not in "iub" and arr.size:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            out.append(("adv", arr.astype(np.int64) if arr.dtype.kind == "f" or arr.size == 0 else arr))
        elif isinstance(c, bool):
            out.append(("adv", np.asarray(c)))
        elif isinstance(c, (int, np.integer)):
            out.append(int(c))
        elif c is None or c is Ellipsis or isinstance(c, slice):
            out.append(c)
        else:
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
                "valid indices (got " + type(c).__name__ + ")")
    return tuple(out)


def _consumed(c: Any) -> int:
    if c is None or c is Ellipsis:
        return 0
    if isinstance(c, tuple):
        arr = c[1]
        return arr.ndim if arr.dtype.kind == "b" else 1
    return 1


def _check_adv(arr: Any, dim: int, size: int) -> None:
    if arr.dtype.kind in "iu" and arr.size:
        a = B.to_device(arr, B.CPU)
        lo, hi = int(a.min()), int(a.max())
        bad = hi if hi >= size else (lo if lo < -size else None)
        if bad is not None:
            raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size {size}")


def _whole(sl: slice, size: int) -> bool:
    """A slice PyTorch skips inside a tuple index: ``0 (or None) : >= size : 1``."""
    return (sl.start is None or sl.start == 0) and (sl.stop is None or sl.stop >= size) \
        and (sl.step is None or sl.step == 1)


def _check_mask(shape: tuple, mask: Any, dim: int) -> None:
    """PyTorch's message for a bool mask whose shape does not fit the dims it covers."""
    for j, n in enumerate(mask.shape):
        if dim + j >= len(shape) or shape[dim + j] != n:
            raise IndexError(
                f"The shape of the mask [{', '.join(map(str, mask.shape))}] at index {j} does not match "
                f"the shape of the indexed tensor [{', '.join(map(str, shape))}] at index {dim + j}")


def getitem(self: Tensor, idx: Any) -> Tensor:
    """``self[idx]``: basic parts as views, advanced parts as one IndexBackward0.

    A lone slice (``x[1:]``, ``x[:]``) is always recorded (``SliceBackward0``); inside a
    tuple, a slice that keeps a whole dimension is skipped, as PyTorch does (``x[0:2, :]``
    of a 2-row tensor is the tensor itself, seen through ``AliasBackward0``).
    """
    if type(idx) is int:                               # the common cases, kept short
        return select(self, 0, idx)
    if type(idx) is slice:
        return slice_dim(self, 0, idx)
    comps = _normalise(idx)
    used = sum(_consumed(c) for c in comps)
    ndim = self._data.ndim
    if used > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    expanded: list = []
    for c in comps:
        if c is Ellipsis:
            expanded.extend([slice(None)] * (ndim - used))
            used = ndim
        else:
            expanded.append(c)
    cur, dim, adv_key, advs = self, 0, [], []
    for c in expanded:
        if c is None:
            cur = cur.unsqueeze(dim)
            adv_key.append(slice(None))
            dim += 1
        elif isinstance(c, int):
            cur = select(cur, dim, c)
        elif isinstance(c, slice):
            if not _whole(c, cur._data.shape[dim]):
                cur = slice_dim(cur, dim, c)
            adv_key.append(slice(None))
            dim += 1
        else:
            advs.append((dim, c[1]))
            adv_key.append(c[1])
            dim += _consumed(c)
    if advs:
        shape = cur._data.shape                        # checked after the basic parts, as torch
        for d, arr in advs:
            if arr.dtype.kind == "b":
                _check_mask(shape, arr, d)
            else:
                _check_adv(arr, d, shape[d])
        return take_region(cur, tuple(adv_key), IndexBackward0, accumulate=True)
    if cur is self:
        out = record(self._data[...], AliasBackward0, (self,), extra=(self._data.shape, Ellipsis, False))
        return _make_view(self, out, lambda t: t[...])
    return cur


# ---------------------------------------------------------------------------
# x[index] = value
# ---------------------------------------------------------------------------


class _Put(OpNode):
    """``self[key] = value``: the old values there get no gradient; ``value`` gets the region's."""
    __slots__ = ()

    def backward(self, g):
        key, vshape = self.extra
        keep = _xp(g._data).ones(g._data.shape, dtype=g._data.dtype)
        keep[key] = 0                                  # the overwritten region gets nothing
        gs = g * Tensor._wrap(keep)
        gv = None
        if self.next_functions[1][0] is not None:
            gv = sum_to(take_region(g, key, IndexBackward0), vshape)
        return gs, gv


class IndexPutBackward0(_Put):
    __slots__ = ()


class CopySlices(_Put):
    __slots__ = ()

    def name(self) -> str:
        return "torch::autograd::CopySlices"


def _array_key(self: Tensor, idx: Any) -> tuple[Any, bool]:
    comps = _normalise(idx)
    key, adv = [], False
    for c in comps:
        if isinstance(c, tuple):
            key.append(c[1])
            adv = True
        else:
            key.append(c)
    return tuple(key), adv


def setitem(self: Tensor, idx: Any, value: Any) -> None:
    """``self[idx] = value``: an in-place write (bumps ``_version``)."""
    key, adv = _array_key(self, idx)
    if not adv and STATE.grad_enabled and self._requires_grad and self._grad_fn is None \
            and not self._is_inference:
        # a basic index writes through a view of the leaf, as in PyTorch
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
    check_inplace(self)
    vt = value if isinstance(value, Tensor) else None
    if vt is not None:
        if type(vt._data) is not type(self._data):
            from ._core import device_mismatch
            raise device_mismatch(self._data, vt._data)
        vd = vt._data
    else:
        vd = value
    try:
        region_shape = self._data[key].shape
    except IndexError as e:
        raise IndexError(str(e)) from None
    if vt is not None and vd.shape != region_shape:
        try:
            np.broadcast_shapes(vd.shape, region_shape)
        except ValueError:
            raise RuntimeError(
                f"shape mismatch: value tensor of shape [{', '.join(map(str, vd.shape))}] cannot be "
                f"broadcast to indexing result of shape [{', '.join(map(str, region_shape))}]") from None
    record_it = needs_grad(self, vt)
    node = None
    if record_it:
        node_cls = IndexPutBackward0 if adv else CopySlices
        node = node_cls.__new__(node_cls)
        node._init_common()
        node.next_functions = (self._edge(), (None, 0) if vt is None else vt._edge())
        node.extra = (key, None if vt is None else vd.shape)
        node._in_meta = None
        node.num_outputs = 1
        node._saved = ()
    self._data[key] = vd
    bump(self)
    if node is not None:
        rebase_view(self, node)


register("__getitem__")(getitem)
register("__setitem__")(setitem)
register("select")(select)
register("narrow")(narrow)

EXPORTS = ["select", "narrow"]
