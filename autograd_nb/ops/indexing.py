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
from ._core import (OpNode, bump, check_inplace, check_overlap, has_internal_overlap, needs_grad, note_broadcast,
                    record, register, scalar_to, sum_to, warn_expanded, writable, write_fill, written_into)
from .reduce import shown_dim
from .views import _make_view, plain_view


# ---------------------------------------------------------------------------
# the two primitive moves: take a region, put a gradient back into zeros
# ---------------------------------------------------------------------------


_INT64_MAX = (1 << 63) - 1                            # (a slice's end when it has none)
_U64 = 1 << 64                                        # (a negative number as PyTorch shows it: unsigned)


class _SavesIndices:
    """For a node whose saved tensors are the index tensors of its key (``_key``, their
    places marked): PyTorch shows them as one ``_saved_indices`` tuple (None for a plain
    ``:``)."""
    __slots__ = ()

    @property
    def _saved_indices(self) -> tuple:
        return _indices_shown(self, self._key)

    @property
    def saved_tensors_info(self) -> list:
        return [("indices", s) for s in self._saved]


class _Embed(OpNode):
    """The backward of a read is itself differentiable: its own gradient reads the same
    region of the incoming gradient again.

    out = zeros(self_sym_sizes) with grad_output written at the region
    grad_grad_output = grad[region]
    """
    fields = ("_key",)                                # (the region; index tensors: saved)

    def backward(self, g):
        key, indices = _keyed(self, self._key)
        return take_region(g, key, IndexBackward0, indices=indices)


class SelectBackwardBackward0(_Embed):
    """The backward of select (zeros with the gradient written at one index) is linear:
    its own gradient selects that index again.

    out = zeros(self_sym_sizes) with grad_output written at [index along dim]
    grad_grad_output = grad.select(dim, index)
    """
    fields = ("dim", "index")                         # (the select's, as PyTorch shows them)


class SliceBackwardBackward0(_Embed):
    """The backward of a slice (zeros with the gradient written at the slice) is linear:
    its own gradient takes the same slice again.

    out = zeros(self_sym_sizes) with grad_output written at [start:end:step along dim]
    grad_grad_output = grad[start:end:step along dim]
    """
    fields = ("dim", "start", "end", "step")          # (the slice's, as PyTorch shows them)


class IndexPutImplBackward0(_SavesIndices, _Embed):
    """_index_put_impl_(zeros, indices, grad, accumulate=True), the backward of
    x[indices]: its own gradient reads the same places again (it saves the index tensors).

    out = zeros(self.shape).index_put(indices, values, accumulate)
    grad_values = grad[indices]
    """
    fields = ("accumulate",)


def embed(g: Tensor, shape: tuple, key: Any, node: type, indices: tuple = (), add: bool = False,
          **fields: Any) -> Tensor:
    """Zeros of ``shape`` with ``g`` written (``add``: added, for repeats) at ``key``,
    recorded as ``node`` with its ``fields`` (``indices``: the index tensors behind the
    key's arrays, which the node saves)."""
    gd = g._data
    xp = B.xp_of(gd)
    z = xp.zeros(shape, dtype=gd.dtype)
    if add:
        if xp is np:
            np.add.at(z, key, gd)
        else:
            import cupyx  # noqa: PLC0415
            cupyx.scatter_add(z, key, gd)
    else:
        z[key] = gd
    return record(z, node, (g,), saved=indices, _key=_template(key) if indices else key, **fields)


class SelectBackward0(OpNode):
    """select reads one slice: the gradient goes back into zeros of the input's shape at
    that slice.

    out = self.select(dim, index)
    grad_self = zeros(self.shape) with grad written at [index along dim]
    """
    fields = ("dim", "index", "self_sym_sizes",       # (dim, index: as given, as PyTorch shows them)
              "_key")                                 # the region as an array key
    __slots__ = fields                                # (kept in slots: x[i] sets them itself)

    def backward(self, g):
        return embed(g, self.self_sym_sizes, self._key, SelectBackwardBackward0,
                     dim=self.dim, index=self.index)


class SliceBackward0(OpNode):
    """A slice reads part of one dim: the gradient goes back into zeros of the input's
    shape at that part.

    out = self[start:end:step along dim]
    grad_self = zeros(self.shape) with grad written at [start:end:step along dim]
    """
    fields = ("dim", "self_sym_sizes",                # (dim as given, as PyTorch shows it)
              "_slice",                               # the slice itself (start/end/step below)
              "_key")                                 # the region as an array key
    __slots__ = fields                                # (kept in slots: x[a:b] sets them itself)

    # start, end and step as PyTorch shows them, computed when read (x[a:b] is a hot path)
    start = property(lambda self: _slice_shown(self._slice)[0])
    end = property(lambda self: _slice_shown(self._slice)[1])
    step = property(lambda self: _slice_shown(self._slice)[2])
    _saved_start, _saved_end, _saved_step = start, end, step

    def backward(self, g):
        start, end, step = _slice_shown(self._slice)
        return embed(g, self.self_sym_sizes, self._key, SliceBackwardBackward0,
                     dim=self.dim, start=start, end=end, step=step)


class AliasBackward0(OpNode):
    """x[...] (and movedim of a 0-d tensor) is the tensor itself, seen again: its gradient
    passes through unchanged (PyTorch's alias).

    out = self
    grad_self = grad
    """

    def backward(self, g):
        return g


# The index tensors of an advanced index are saved (PyTorch's ``_saved_indices``): freed
# by a backward, version-checked when the node runs. The key a node keeps marks their
# places with _SLOT; the arrays come back from the saved tensors.
_SLOT = type("_Slot", (), {"__repr__": lambda self: "<index tensor>"})()


def _is_array(k: Any) -> bool:
    return hasattr(k, "dtype") and hasattr(k, "shape")


def _template(key: tuple) -> tuple:
    """``key`` with each index array's place marked."""
    return tuple(_SLOT if _is_array(k) else k for k in key)


def _keyed(node: OpNode, key: tuple) -> tuple[tuple, tuple]:
    """The node's key with its index tensors unpacked (checked) into it, and the tensors."""
    if not node._saved:
        return key, ()
    indices = tuple(s.unpack() for s in node._saved)
    arrays = iter(t._data for t in indices)
    return tuple(next(arrays) if k is _SLOT else k for k in key), indices


def _indices_shown(node: OpNode, key: tuple) -> tuple:
    """PyTorch's ``_saved_indices``: each index tensor of the key (None for a plain ``:``)."""
    saved = iter(node._saved)
    return tuple(next(saved).unpack(history=False) if k is _SLOT else None for k in key)


class IndexBackward0(_SavesIndices, OpNode):
    """x[indices] reads the places the index tensors name: the gradient goes back into
    zeros of the input's shape there, added up where a place was read twice. PyTorch
    saves the index tensors (so, like any saved tensor, they are freed by a backward
    without retain_graph, and changing one in place before backward is refused).

    out = self[indices]
    grad_self = zeros(self.shape).index_put(indices, grad, accumulate=True)
    """
    fields = ("self_sym_sizes",
              "_key",                                 # the region (index tensors: saved)
              "_accumulate")                          # repeats add up (x[indices]; not a put's read)

    def backward(self, g):
        key, indices = _keyed(self, self._key)
        acc = self._accumulate
        return embed(g, self.self_sym_sizes, key, IndexPutImplBackward0, indices, acc, accumulate=acc)


def take_region(x: Tensor, key: Any, node: type, accumulate: bool = False, indices: tuple = ()) -> Tensor:
    """``x._data[key]`` recorded with ``node`` (IndexBackward0; no view bookkeeping);
    ``indices``: the index tensors behind the key's arrays, in order, which the node saves."""
    return record(x._data[key], node, (x,), saved=indices, self_sym_sizes=x._data.shape,
                  _key=_template(key) if indices else key, _accumulate=accumulate)


# ---------------------------------------------------------------------------
# select / slice / narrow
# ---------------------------------------------------------------------------


_ZERO_DIM_INDEX = ("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` "
                   "in C++ to convert a 0-dim tensor to a number")


def _indexed_select(self: Tensor, dim: int, index: int, pos: int) -> Tensor:
    """``select`` for an integer inside ``x[...]``: its errors name the index's position
    in the subscript (``pos``), as PyTorch's indexing does."""
    shp = self._data.shape
    if not shp:
        if index == 0:
            raise IndexError(_ZERO_DIM_INDEX)
        raise IndexError(f"index {index} is out of bounds for dimension {pos} with size 0")
    if not -shp[dim] <= index < shp[dim]:
        raise IndexError(f"index {index} is out of bounds for dimension {pos} with size {shp[dim]}")
    return select(self, dim, index)


def select(self: Tensor, dim: int, index: int) -> Tensor:
    """The slice at position ``index`` of dimension ``dim`` (that dimension disappears)."""
    shp = self._data.shape
    if not shp:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = canon_dim(dim, len(shp))
    size = shp[d]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"[{', '.join(map(str, shp))}] at dimension {d}")
    i = index + size if index < 0 else index
    key = (slice(None),) * d + (i, Ellipsis)          # Ellipsis: a 0-d result stays a view
    out = record(self._data[key], SelectBackward0, (self,))
    node = out._gfn
    if node is not None:                              # (its fields, kept in slots: set here)
        node.dim = shown_dim(dim)
        node.index = shown_dim(int(index))
        node.self_sym_sizes = shp
        node._key = key
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
    out = record(self._data[key], SliceBackward0, (self,))
    node = out._gfn
    if node is not None:                              # (its fields, kept in slots: set here)
        node.dim = shown_dim(dim)
        node.self_sym_sizes = shp
        node._slice = sl
        node._key = key
    return _make_view(self, out, lambda t: slice_dim(t, d, sl))


def _slice_shown(sl: slice) -> tuple:
    """A slice's ``start``, ``end`` and ``step`` as PyTorch shows them on its node (a
    missing start is 0, a missing end the largest int64; negatives wrap to unsigned)."""
    return (0 if sl.start is None else shown_dim(int(sl.start)),
            _INT64_MAX if sl.stop is None else shown_dim(int(sl.stop)),
            1 if sl.step is None else int(sl.step))


def narrow(self: Tensor, dim: int, start: int, length: int) -> Tensor:
    """``length`` elements of dimension ``dim`` from ``start`` (a view)."""
    if isinstance(start, Tensor):                     # (PyTorch's overload for a tensor start)
        if start.ndim != 0 or start.dtype.is_floating_point or start.dtype.name == "bool":
            raise RuntimeError("start must be an 0-dim integral Tensor.")
        start = int(start.item())
    if not self._data.ndim:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    size = self._data.shape[canon_dim(dim, self._data.ndim)]
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if start < 0:
        start += size
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return slice_dim(self, dim, slice(start, start + length))


# ---------------------------------------------------------------------------
# x[index]
# ---------------------------------------------------------------------------


def _normalise(idx: Any) -> tuple:
    """The index as a tuple of int / slice / None / Ellipsis / ('adv', array) / ('bool', b)
    (a Python bool or a 0-d bool tensor: see ``_basic_parts``)."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    out = []
    for c in idx:
        if isinstance(c, Tensor):
            d = B.to_device(c._data, B.CPU) if not c.is_cpu else c._data
            if d.ndim == 0 and d.dtype.kind in "iu":
                out.append(int(d))
            elif d.ndim == 0 and d.dtype.kind == "b":
                out.append(("bool", bool(d)))
            elif d.dtype.kind in "iub":
                out.append(("adv", c._data, c))
            else:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        elif isinstance(c, (list, np.ndarray)):
            arr = np.asarray(c)
            if arr.dtype.kind not in "iub" and arr.size:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            arr = arr.astype(np.int64) if arr.dtype.kind == "f" or arr.size == 0 else arr
            out.append(("adv", arr, Tensor._wrap(arr)))     # (a new tensor, as PyTorch makes)
        elif isinstance(c, bool):
            out.append(("bool", c))
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
        if c[0] == "bool":
            return 0
        arr = c[1]
        return arr.ndim if arr.dtype.kind == "b" else 1
    return 1


def _check_adv(arr: Any, dim: int, size: int) -> None:
    if arr.dtype.kind in "iu" and arr.size:
        a = B.to_device(arr, B.CPU)
        if a.min() < -size or a.max() >= size:       # PyTorch names the first one, in order
            flat = a.reshape(-1)
            bad = int(flat[int(((flat < -size) | (flat >= size)).argmax())])
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


def _basic_parts(self: Tensor, idx: Any, check: bool = True) -> tuple[Tensor, tuple, list, tuple]:
    """Apply the basic parts of ``idx`` (ints, slices, None, ...) as views, as PyTorch does.

    Returns ``(view, key, advanced, indices)``: the view (``self`` itself when every part was
    skipped), the array key for the advanced parts that remain, and those parts as
    ``(dim, array)`` pairs (none for a basic index), checked unless ``check`` is False.
    ``indices``: the index tensors behind the key's arrays, in order (the user's own, or
    new ones for lists and bools), for the node to save.
    """
    comps = _normalise(idx)
    used = sum(_consumed(c) for c in comps)
    ndim = self._data.ndim
    if used > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    expanded: list = []                               # (position in idx, component)
    for pos, c in enumerate(comps):
        if c is Ellipsis:
            expanded.extend([(pos, slice(None))] * (ndim - used))
            used = ndim
        else:
            expanded.append((pos, c))
    cur, dim, adv_key, advs, indices = self, 0, [], [], []
    for pos, c in expanded:
        if c is None:
            cur = cur.unsqueeze(dim)
            adv_key.append(slice(None))
            dim += 1
        elif isinstance(c, int):
            cur = _indexed_select(cur, dim, c, pos)
        elif isinstance(c, slice):
            if not _whole(c, cur._data.shape[dim]):
                cur = slice_dim(cur, dim, c)
            adv_key.append(slice(None))
            dim += 1
        elif c[0] == "bool":                          # a new dim of size 1, kept whole by
            cur = cur.unsqueeze(dim)                  # an index [0] (True) or left empty by []
            arr = B.xp_of(cur._data).zeros(1 if c[1] else 0, dtype=np.int64)
            advs.append((dim, arr))
            adv_key.append(arr)
            indices.append(Tensor._wrap(arr))
            dim += 1
        else:
            advs.append((dim, c[1]))
            adv_key.append(c[1])
            indices.append(c[2])
            dim += _consumed(c)
    if advs and check:
        _check_advanced(cur._data.shape, advs)
    return cur, tuple(adv_key), advs, tuple(indices)


def _check_advanced(shape: tuple, advs: list) -> None:
    """PyTorch's errors for masks and index arrays that do not fit (after the basic parts)."""
    for d, arr in advs:
        if arr.dtype.kind == "b":
            _check_mask(shape, arr, d)
        else:
            _check_adv(arr, d, shape[d])


def getitem(self: Tensor, idx: Any) -> Tensor:
    """``self[idx]``: basic parts as views, advanced parts as one IndexBackward0.

    A lone slice (``x[1:]``, ``x[:]``) is always recorded (``SliceBackward0``); inside a
    tuple, a slice that keeps a whole dimension is skipped, as PyTorch does (``x[0:2, :]``
    of a 2-row tensor is the tensor itself, seen through ``AliasBackward0``).
    """
    if type(idx) is int:                               # x[i]: select() on dim 0, inlined
        shp = self._data.shape
        if shp and -shp[0] <= idx < shp[0]:
            i = idx + shp[0] if idx < 0 else idx
            key = (i, Ellipsis)                        # Ellipsis: a 0-d result stays a view
            mode = STATE.mode                          # (hot path: 0 while recording)
            if mode:
                return plain_view(self, self._data[key], lambda t: select(t, 0, i), mode)
            out = record(self._data[key], SelectBackward0, (self,))
            node = out._gfn
            if node is not None:                       # (its fields, set here: cheaper than
                node.dim = 0                           # record's keywords)
                node.index = idx if idx >= 0 else idx + _U64   # (shown_dim, inlined)
                node.self_sym_sizes = shp
                node._key = key
            return _make_view(self, out, lambda t: select(t, 0, i))
        return _indexed_select(self, 0, idx, 0)        # (its errors)
    if type(idx) is slice:                             # x[a:b]: slice_dim() on dim 0, inlined
        d = self._data
        if d.ndim and (idx.step is None or idx.step.__class__ is int and idx.step > 0):
            key = (idx,)
            mode = STATE.mode                          # (hot path: 0 while recording)
            if mode:
                return plain_view(self, d[key], lambda t: slice_dim(t, 0, idx), mode)
            out = record(d[key], SliceBackward0, (self,))
            node = out._gfn
            if node is not None:                       # (its fields, set here, as x[i]'s)
                node.dim = 0
                node.self_sym_sizes = d.shape
                node._slice = idx
                node._key = key
            return _make_view(self, out, lambda t: slice_dim(t, 0, idx))
        return slice_dim(self, 0, idx)
    cur, key, advs, indices = _basic_parts(self, idx)
    if advs:
        return take_region(cur, key, IndexBackward0, accumulate=True, indices=indices)
    if cur is self:
        out = record(self._data[...], AliasBackward0, (self,))
        return _make_view(self, out, lambda t: t[...])
    return cur


# ---------------------------------------------------------------------------
# x[index] = value
# ---------------------------------------------------------------------------


class IndexPutBackward0(_SavesIndices, OpNode):
    """x[indices] = values: the old values there were overwritten, so they get no
    gradient; values get the gradient of the places they were written to (summed back to
    their shape). PyTorch saves the index tensors (freed by backward, version-checked),
    as IndexBackward0 does.

    out = self.index_put(indices, values)
    grad_self = grad.index_put(indices, 0)
    grad_values = grad[indices]
    """
    fields = ("accumulate",                           # (False: index_put_(accumulate=True) is another op)
              "_key",                                 # the region (index tensors: saved)
              "_values_shape")

    def backward(self, g):
        key, indices = _keyed(self, self._key)
        drop = B.xp_of(g._data).zeros(g._data.shape, dtype=bool)
        drop[key] = True                               # the overwritten region gets nothing (a
        gs = g.masked_fill(Tensor._wrap(drop), 0)      # zero, as PyTorch writes it: even where g is NaN)
        gv = None
        if self.next_functions[1][0] is not None:
            gv = sum_to(take_region(g, key, IndexBackward0, indices=indices), self._values_shape)
        return gs, gv


def _strip_leading_ones(v: Tensor) -> Tensor:
    """``v`` without its leading size-1 dims, as a view (PyTorch's setitem does this)."""
    shp = v._data.shape
    k = 0
    while k < len(shp) and shp[k] == 1:
        k += 1
    return v.view(shp[k:])


def _copy_to(dst: Tensor, value: Tensor) -> None:
    """Write ``value`` into all of ``dst`` as PyTorch's setitem does: ``copy_`` for the
    same shape, ``fill_`` for a 0-d value, else a view then an expand, then ``copy_``."""
    if dst._data.shape == value._data.shape:
        check_inplace(dst, value)                     # (PyTorch's order: this, then overlap)
        check_overlap(dst, (value,))
        dst.copy_(value)
    elif value._data.ndim == 0:
        dst.fill_(value)
    else:
        src = _strip_leading_ones(value)
        if src._data.shape != dst._data.shape:
            src = src.expand(dst._data.shape)        # (its errors come first)
        check_inplace(dst, value)
        check_overlap(dst, (src,))
        dst.copy_(src)


def setitem(self: Tensor, idx: Any, value: Any) -> None:
    """``self[idx] = value``: an in-place write (bumps ``_version``), recorded as PyTorch does.

    The basic parts of the index give a view of ``self`` (no view at all when the
    index covers the whole tensor). Without advanced parts, ``value`` is copied into
    that view (``copy_``/``fill_``: on a view this makes ``self``'s grad_fn
    ``CopySlices``); with them, it is put there as one ``IndexPutBackward0``.
    """
    if idx is False:                                   # selects nothing: nothing happens
        return
    if isinstance(value, Tensor):
        if type(value._data) is not type(self._data):
            from ._core import device_mismatch
            raise device_mismatch(self._data, value._data)
        vt = value
    else:                                              # a number becomes a 0-d tensor
        vt = Tensor._wrap(B.xp_of(self._data).asarray(scalar_to(value, self._data.dtype)))
    if idx is True or idx is None:
        dst, key, advs, indices = self.unsqueeze(0), (), [], ()
    elif type(idx) is int:
        dst, key, advs, indices = _indexed_select(self, 0, idx, 0), (), [], ()
    elif type(idx) is slice:
        dst = self if _whole(idx, self._data.shape[0] if self._data.ndim else 0) else slice_dim(self, 0, idx)
        key, advs, indices = (), [], ()
    else:
        dst, key, advs, indices = _basic_parts(self, idx, check=False)
    if not advs:
        _copy_to(dst, vt)
        return
    _index_put(dst, key, advs, vt, indices)


def _broadcasts_to(src: tuple, dst: tuple) -> bool:
    try:
        return np.broadcast_shapes(src, dst) == tuple(dst)
    except ValueError:
        return False


def _index_put(dst: Tensor, key: tuple, advs: list, value: Tensor, indices: tuple) -> None:
    """``dst[key] = value`` for an advanced key, recorded as ``IndexPutBackward0``.

    As in PyTorch: leading 1s of ``value`` are dropped; one bool mask with a
    one-element ``value`` is a masked fill (``value`` read as a number of ``dst``'s
    dtype, nothing else checked); otherwise, in this order: overlaps, mask shapes, the
    value's shape, dtypes, then index bounds. A ``dst`` whose elements share memory (an
    expand) is written with a warning (``write_fill``).
    """
    stripped = _strip_leading_ones(value)
    if stripped._data.shape != value._data.shape:
        value = stripped
    check_inplace(dst, value)
    warn_expanded("index_put_", dst)
    vd, dd = value._data, dst._data
    if len(advs) == 1 and advs[0][1].dtype.kind == "b" and vd.size == 1:
        _check_mask(dd.shape, advs[0][1], advs[0][0])
        warn_expanded("masked_fill_", dst)
        vd = B.xp_of(dd).asarray(scalar_to(vd.reshape(-1)[0].item(), dd.dtype))
    else:
        check_overlap(dst, (value,), full_too=True)      # (the value may not be dst itself either)
        for d, a in advs:
            if a.dtype.kind == "b":
                _check_mask(dd.shape, a, d)
        # the shape of the region (index arrays zeroed: bounds are checked below)
        probe = tuple(np.zeros(np.shape(k), np.int64) if isinstance(k, np.ndarray) and k.dtype.kind in "iu"
                      else k for k in key)
        region = np.empty(dd.shape, dtype=np.bool_)[probe].shape
        if not _broadcasts_to(vd.shape, region):
            raise RuntimeError(
                f"shape mismatch: value tensor of shape [{', '.join(map(str, vd.shape))}] cannot be "
                f"broadcast to indexing result of shape [{', '.join(map(str, region))}]")
        if vd.dtype != dd.dtype:
            raise RuntimeError(
                f"Index put requires the source and destination dtypes match, got {B.SCALAR_NAMES[dd.dtype.name]} "
                f"for the destination and {B.SCALAR_NAMES[vd.dtype.name]} for the source.")
        _check_advanced(dd.shape, advs)
    if needs_grad(dst, value):
        from .pointwise import apply_inplace
        data = dst._data.copy()
        data[key] = vd
        out = written_into(dst, record, data, IndexPutBackward0, (dst, value), saved=indices,
                           accumulate=False, _key=_template(key), _values_shape=value._data.shape)
        note_broadcast(out, dst, value)                # value's grad back to its dtype
        apply_inplace(dst, out, fills=True)
        return
    if has_internal_overlap(dd):
        data = dd.copy()
        data[key] = vd
        write_fill(dd, data)
    else:
        writable(dd)[key] = vd                        # (a view of an expand: numpy marks it read-only)
    bump(dst)


register("__getitem__")(getitem)
register("__setitem__")(setitem)
register("select")(select)
register("narrow")(narrow)

EXPORTS = ["select", "narrow"]
