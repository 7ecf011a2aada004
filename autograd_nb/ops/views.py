"""Views: ops whose result shares memory with the input.

``view``, ``reshape`` (when it can), ``transpose``/``t``/``permute``, ``squeeze``/
``unsqueeze``, ``expand``, basic indexing (``x[0]``, ``x[1:]``). A view shares its
base's numbers *and its version counter*: changing one in place changes the other
and makes nodes that saved either of them stale.

Changing a view in place when its base is part of a graph rewrites the base's history:
the base's ``grad_fn`` becomes ``CopySlices``, which routes the gradient of the
changed region through the in-place op and the rest straight through.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .. import _backend as B
from .._tensor import Size, Tensor, canon_dim, propagate_view_meta
from ..autograd.grad_mode import STATE
from ..autograd.view_tracking import _REPLAYED, REPLAY, is_replayed, mark_replayed
from ..autograd.node import SECOND_BACKWARD, saved_through_view
from ._core import OpNode, needs_grad, record, register, shown_dim

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _make_view(base: Tensor, out: Tensor, fn: Callable[[Tensor], Tensor], multi: bool = False) -> Tensor:
    """Mark ``out`` as a view of ``base``: same version counter, replayable from the base.
    ``multi``: one of several views one node returns (split / chunk / unbind)."""
    if base._is_inference:            # an inference tensor has no autograd: its views are
        out._gfn = None           # inference tensors, untracked and never recorded
        out._requires_grad = False
        out._is_inference = True
        out._vc = base._vc
        return out
    root = base._vbase
    if root is None:
        out._vbase = base
        out._view_fn = fn
    else:
        _view_of_view(base, out, fn)
    out._vc = base._vc
    out._view_ver = base._vc[0]                       # see Tensor._refresh_view
    out._is_inference = base._is_inference
    if REPLAY[0]:                                     # (autograd.view_tracking)
        mark_replayed(out)
    # how it was made (PyTorch's creation meta: see _tensor.view_meta_error): changing it
    # in place while recording, or using it after its storage changed, may be refused
    if STATE.mode:                                    # (0: recording)
        meta = "inference" if STATE.inference else "no_grad"
    else:
        meta = "multi" if multi else None
    out._view_meta = meta if root is None else propagate_view_meta(base._view_meta, meta)
    return out


def plain_view(base: Tensor, data: Any, fn: Callable[[Tensor], Tensor], mode: int) -> Tensor:
    """What ``_make_view(base, plain(data, ...), fn)`` gives, made in one step: the view
    an op returns while nothing records (``mode``: ``STATE.mode``, not 0). Indexing
    under no_grad / inference_mode is common enough to be worth the shortcut. (It sets
    every slot as ``_core.plain`` does; tests/test_tensor_api.py checks all such paths.)"""
    out = _new(Tensor)
    out._data = data
    out._requires_grad = False
    out._gfn = None
    out._output_nr = 0
    out._grad = None
    out._acc = out._hooks = out._post_hooks = None
    out._retains_grad = False
    vc = out._vc = base._vc
    out._view_ver = vc[0]
    out._is_inference = base._is_inference is not False     # (a view has no counter of its own)
    meta = "inference" if mode & 2 else "no_grad"   # (bit 2 of STATE.mode: inference mode;
    if base._vbase is None:                          # a hot path, mode read by the caller)
        out._vbase = base
        out._view_fn = fn
        out._view_meta = meta
    else:
        _view_of_view(base, out, fn)
        out._view_meta = propagate_view_meta(base._view_meta, meta)
    return out


def _view_of_view(base: Tensor, out: Tensor, fn: Callable[[Tensor], Tensor]) -> None:
    """``out`` is a view of the view ``base``: its base is ``base``'s base (views never
    chain), and it is re-derived from there through ``base``'s function, then ``fn``."""
    parent_fn = base._view_fn
    out._vbase = base._vbase
    out._view_fn = lambda t: fn(parent_fn(t))


_new = object.__new__


def spread(d: np.ndarray, shape: tuple) -> np.ndarray:
    """The 0-d numpy array ``d`` seen with ``shape``: every element is ``d`` (stride 0),
    as ``np.broadcast_to`` gives, at a fraction of its cost. Read-only when elements share
    memory, as numpy's; one element (a 0-d or all-1 shape) may be written, as in PyTorch."""
    view = np.ndarray(shape, d.dtype, d, 0, (0,) * len(shape))
    if any(n > 1 for n in shape):
        view.flags.writeable = False
    return view


def _sizes(shape: Sequence[Any]) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, Size)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def _infer(shape: tuple, numel: int) -> tuple:
    """Resolve one ``-1`` in a requested shape, with PyTorch's error for bad sizes."""
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input of size {numel}")
        shape = shape[:neg[0]] + (numel // known,) + shape[neg[0] + 1:]
    elif known != numel:
        raise RuntimeError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input of size {numel}")
    return shape


# ---------------------------------------------------------------------------
# view / reshape / flatten
# ---------------------------------------------------------------------------


class ViewBackward0(OpNode):
    """A view only reshapes, so the gradient is reshaped back.

    grad_self = grad.reshape(self.shape)
    """
    fields = ("self_sym_sizes",)                      # (the input's shape)

    def backward(self, g):
        return g.reshape(self.self_sym_sizes)


def _unsqueeze_to(g: Tensor, shape: tuple, dims: Any = None) -> Tensor:
    """PyTorch's ``unsqueeze_to``: ``g`` with each squeezed size-1 dim of ``shape`` put back
    by ``unsqueeze`` (of those in ``dims`` only, when given), lowest first; ``g`` itself when
    nothing was squeezed."""
    n = len(shape)
    if dims is not None:
        dims = {d % n for d in ((dims,) if isinstance(dims, int) else dims)} if n else set()
    for d in range(n):
        if shape[d] == 1 and (dims is None or d in dims):
            g = g.unsqueeze(d)
    return g


class UnsafeViewBackward0(ViewBackward0):
    """A reshape: the gradient is reshaped back.

    grad_self = grad.reshape(self.shape)
    """


def view(self: Tensor, *shape: Any) -> Tensor:
    """The same numbers seen with another shape (no copy; ``-1`` infers one size).

    Fails when the memory layout does not allow it (e.g. after ``t()``): use
    ``reshape`` or ``contiguous().view`` then.
    """
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, tuple, list, Size)):
        return self.to(shape[0])                     # view(dtype)
    d = self._data
    new = _infer(_sizes(shape), d.size)
    try:
        data = d.reshape(new, copy=False) if type(d) is np.ndarray else _cupy_view(d, new)
    except ValueError:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension "
            "spans across two contiguous subspaces). Use .reshape(...) instead.") from None
    out = record(data, ViewBackward0, (self,), self_sym_sizes=d.shape)
    return _make_view(self, out, lambda t: t.view(new))


def _cupy_view(d: Any, new: tuple) -> Any:
    out = d.view()
    out.shape = new
    return out


class ReshapeAliasBackward0(ViewBackward0):
    """A reshape: the gradient is reshaped back. (A reshape that could be a view of a
    non-contiguous tensor: PyTorch's _reshape_alias.)

    grad_self = grad.reshape(self.shape)
    """


def reshape(self: Tensor, *shape: Any, **kw: Any) -> Tensor:
    """Like ``view``, but copies when the layout requires it (``x.reshape(2, 3)``,
    ``x.reshape((2, 3))`` or ``x.reshape(shape=(2, 3))``).

    Recorded as PyTorch records it: a plain view for a contiguous tensor, an alias view
    when the strides allow one anyway, else a copy (``CloneBackward0``) seen through
    ``UnsafeViewBackward0``.
    """
    if kw:
        if set(kw) != {"shape"} or shape:
            raise TypeError(f"reshape() got an unexpected keyword argument '{next(k for k in kw if k != 'shape')}'"
                            if set(kw) - {"shape"} else "reshape() got multiple values for argument 'shape'")
        shape = (kw["shape"],)
    d = self._data
    new = _infer(_sizes(shape), d.size)
    if d.flags.c_contiguous:
        return view(self, new)
    try:
        data = d.reshape(new, copy=False) if type(d) is np.ndarray else _cupy_view(d, new)
    except (ValueError, AttributeError):
        data = None
    if data is None:                                  # (PyTorch: a contiguous clone, viewed)
        from .convert import contiguous_clone
        c = contiguous_clone(self)
        return record(c._data.reshape(new), UnsafeViewBackward0, (c,), self_sym_sizes=c._data.shape)
    out = record(data, ReshapeAliasBackward0, (self,), self_sym_sizes=d.shape)
    return _make_view(self, out, lambda t: reshape(t, new))


def view_as(self: Tensor, other: Tensor) -> Tensor:
    """``self.view(other.shape)``: PyTorch's composite reads ``other``'s sizes only (not its
    history: a view of ``other`` that may no longer be used is no error here)."""
    return self.view(other._data.shape)


def reshape_as(self: Tensor, other: Tensor) -> Tensor:
    return reshape(self, other._data.shape)


def flatten(self: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim .. end_dim`` into one."""
    shp = self._data.shape
    if not shp:
        return reshape(self, (1,))
    s, e = canon_dim(start_dim, len(shp)), canon_dim(end_dim, len(shp))
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return self
    n = 1
    for k in shp[s:e + 1]:
        n *= k
    return reshape(self, shp[:s] + (n,) + shp[e + 1:])


def unflatten(self: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Split dimension ``dim`` into ``sizes``."""
    shp = self._data.shape
    d = canon_dim(dim, len(shp))
    sizes = _infer(tuple(sizes), shp[d])
    return view(self, shp[:d] + sizes + shp[d + 1:])


# ---------------------------------------------------------------------------
# transpose / permute / t
# ---------------------------------------------------------------------------


def shown_unsigned(name: str) -> property:
    """``grad_fn._saved_<name>`` for the field ``name``, which PyTorch's node keeps as a
    signed int (or ints) and shows as unsigned 64-bit numbers (a dim of -1 reads
    18446744073709551615)."""
    def read(node: OpNode) -> Any:
        try:
            value = getattr(node, name)
        except AttributeError:
            raise AttributeError(f"'{type(node).__name__}' object has no attribute '_saved_{name}'") from None
        return shown_dim(value)
    return property(read, doc=f"The kept ``{name}``, as PyTorch shows it (unsigned).")


class TransposeBackward0(OpNode):
    """Transposing: the gradient is transposed back.

    grad_self = grad.transpose(dim0, dim1)
    """
    fields = ("dim0", "dim1")
    _saved_dim0 = shown_unsigned("dim0")
    _saved_dim1 = shown_unsigned("dim1")

    def backward(self, g):
        return g.transpose(self.dim0, self.dim1)


class TBackward0(OpNode):
    """Transposing: the gradient is transposed back.

    grad_self = grad.t()
    """

    def backward(self, g):
        if not STATE.grad_enabled and not g._requires_grad:   # first order: the array's transpose
            return plain_view(g, g._data.T, t, STATE.mode)    # (a view of g, as g.t() under no_grad)
        return g.t()


class PermuteBackward0(OpNode):
    """Permuting dims: the gradient is permuted back.

    grad_self = grad.permute(inverse of dims)
    """
    fields = ("dims",)                                # (canonical: non-negative)

    def backward(self, g):
        inv = tuple(int(i) for i in np.argsort(self.dims))
        return g.permute(inv)


def transpose(self: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions (a view)."""
    n = self._data.ndim
    a, b = canon_dim(dim0, n), canon_dim(dim1, n)
    data = self._data.swapaxes(a, b) if n else self._data[...]     # 0-d: still a recorded view
    out = record(data, TransposeBackward0, (self,), dim0=dim0, dim1=dim1)
    return _make_view(self, out, lambda t: t.transpose(a, b))


def t(self: Tensor) -> Tensor:
    """Transpose a matrix (tensors of at most 2 dims)."""
    n = self._data.ndim
    if n > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {n}D")
    out = record(self._data.T, TBackward0, (self,))
    return _make_view(self, out, lambda x: x.t())


def permute(self: Tensor, *dims: Any) -> Tensor:
    """Reorder the dimensions (a view)."""
    if not dims:
        raise TypeError('permute() missing 1 required positional arguments: "dims"')
    dims = _sizes(dims)
    n = self._data.ndim
    if len(dims) != n:
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the length "
            f"of the desired ordering of dimensions i.e. input.dim() = {n} is not equal to len(dims) = {len(dims)}")
    cd = tuple(canon_dim(d, n) for d in dims)
    if len(set(cd)) != n:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    out = record(self._data.transpose(cd), PermuteBackward0, (self,), dims=cd)
    return _make_view(self, out, lambda x: x.permute(cd))


def _T(self: Tensor) -> Tensor:
    n = self._data.ndim
    return permute(self, tuple(range(n - 1, -1, -1))) if n != 2 else permute(self, (1, 0))


def _mT(self: Tensor) -> Tensor:
    n = self._data.ndim
    if n == 0:                                       # PyTorch: the tensor itself, with a warning
        import warnings
        warnings.warn("Tensor.mT is deprecated on 0-D tensors. This function is the identity in these cases.",
                      UserWarning, stacklevel=2)
        return self
    if n == 1:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.")
    return transpose(self, -2, -1)


def _conjugate_transpose(self: Tensor, name: str, batches: bool) -> Tensor:
    """``x.mH`` / ``x.adjoint()`` (the last two dims swapped) and ``x.H`` (a matrix only):
    the conjugate transpose, which for real tensors is the transpose (TransposeBackward0)."""
    n = self._data.ndim
    if n == 0:                                       # PyTorch: x.conj(), itself for a real tensor
        import warnings
        what = "adjoint()" if name == "adjoint" else f"Tensor.{name}"
        warnings.warn(f"{what} is deprecated on 0-D tensors. Consider using x.conj().", UserWarning, stacklevel=3)
        return self
    if batches and n == 1:
        what = "tensor.adjoint()" if name == "adjoint" else f"tensor.{name}"
        raise RuntimeError(f"{what} is only supported on matrices or batches of matrices. Got 1-D tensor.")
    if not batches and n != 2:
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {n}-D tensor."
                           + (" For batches of matrices, consider using tensor.mH" if n > 2 else ""))
    return transpose(self, -2, -1)


def adjoint(input: Tensor) -> Tensor:
    """The conjugate transpose of the last two dims (the transpose, for real tensors)."""
    return _conjugate_transpose(input, "adjoint", True)


# ---------------------------------------------------------------------------
# squeeze / unsqueeze / expand
# ---------------------------------------------------------------------------


class SqueezeBackward0(ViewBackward0):
    """squeeze(): the gradient gets the input's size-1 dims back (PyTorch's unsqueeze_to;
    when nothing was squeezed, the gradient itself, not a view of it).

    grad_self = grad unsqueezed at each size-1 dim of self
    """

    def backward(self, g):
        return _unsqueeze_to(g, self.self_sym_sizes)


class SqueezeBackward1(ViewBackward0):
    """squeeze(dim): the gradient gets the squeezed dim back (if it had size 1).

    grad_self = grad.unsqueeze(dim) where self.shape[dim] == 1, else grad
    """
    fields = ViewBackward0.fields + ("dim",)          # (dim as given: an int here, a tuple in 2)
    _saved_dim = shown_unsigned("dim")

    def backward(self, g):
        return _unsqueeze_to(g, self.self_sym_sizes, self.dim)


class SqueezeBackward2(SqueezeBackward1):
    """squeeze(dims) with a tuple or list of dims: the gradient gets those of them that had
    size 1 back.

    grad_self = grad unsqueezed at each of dims where self had size 1
    """


class SqueezeBackward4(ViewBackward0):
    """The in-place squeeze_(dim) of a fresh result (used by linalg): the gradient is
    reshaped back.

    grad_self = grad.reshape(self.shape)
    """
    fields = ViewBackward0.fields + ("dim",)


class UnsqueezeBackward0(OpNode):
    """Unsqueezing adds a size-1 dim: the gradient loses it again.

    grad_self = grad.squeeze(dim)
    """
    fields = ("dim",)                                 # (canonical: non-negative)

    def backward(self, g):
        return g.squeeze(self.dim)


def squeeze(self: Tensor, dim: Any = None) -> Tensor:
    """Drop dimensions of size 1 (all of them, or only ``dim``)."""
    shp = self._data.shape
    n = len(shp)
    if dim is None:
        keep = tuple(s for s in shp if s != 1)
        out = record(self._data.reshape(keep), SqueezeBackward0, (self,), self_sym_sizes=shp)
    else:
        dims = (dim,) if isinstance(dim, int) else tuple(int(d) for d in dim)
        cd = [canon_dim(d, n) for d in dims]
        for i, c in enumerate(cd):
            if c in cd[:i]:
                raise RuntimeError(f"dim {c} appears multiple times in the list of dims")
        if not n:
            cd = []
        keep = tuple(s for i, s in enumerate(shp) if not (i in cd and s == 1))
        node = SqueezeBackward1 if isinstance(dim, int) else SqueezeBackward2
        out = record(self._data.reshape(keep), node, (self,), self_sym_sizes=shp,
                     dim=dim if isinstance(dim, int) else dims)
    return _make_view(self, out, lambda x: x.squeeze(dim))


def unsqueeze(self: Tensor, dim: int) -> Tensor:
    """Insert a dimension of size 1 at ``dim``."""
    n = self._data.ndim
    d = canon_dim(dim, n + 1)
    shp = self._data.shape
    out = record(self._data.reshape(shp[:d] + (1,) + shp[d:]), UnsqueezeBackward0, (self,), dim=d)
    return _make_view(self, out, lambda x: x.unsqueeze(d))


class ExpandBackward0(OpNode):
    """An expanded input was used several times, so the gradient is summed over the
    expanded dims.

    grad_self = grad.sum_to_size(self.shape)
    """
    fields = ("self_sym_sizes",)                      # (the input's shape)

    def backward(self, g):
        from ._core import sum_to
        shape = self.self_sym_sizes
        if not shape:                                 # (PyTorch's at::sum_to: to shape () it sums,
            return g.sum()                            # even a 0-d gradient)
        return sum_to(g, shape)


def _type_name(dtype: Any) -> str:
    """How PyTorch's expand error names a cpu tensor's type: ``torch.FloatTensor`` (from the
    dtype's scalar name), but ``CPUBoolType`` for bool."""
    if dtype.name == "bool":
        return "CPUBoolType"
    word = B.SCALAR_NAMES.get(dtype.name)
    return f"torch.{word}Tensor" if word else "torch.Tensor"


def expand(self: Tensor, *sizes: Any) -> Tensor:
    """Repeat size-1 dimensions (and add leading ones) without copying; ``-1`` keeps a size."""
    sizes = _sizes(sizes)
    shp = self._data.shape
    if len(sizes) < len(shp):
        raise RuntimeError(
            f"expand({_type_name(self._data.dtype)}{{[{', '.join(map(str, shp))}]}}, "
            f"size=[{', '.join(map(str, sizes))}]): "
            "the number of sizes provided (%d) must be greater or equal to the number of dimensions in the "
            "tensor (%d)" % (len(sizes), len(shp)))
    lead = len(sizes) - len(shp)
    target = [0] * len(sizes)
    for i in range(len(sizes) - 1, -1, -1):           # (PyTorch checks from the last dim)
        s = sizes[i]
        if i < lead:
            if s == -1:
                raise RuntimeError(
                    f"The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension {i}")
            target[i] = s
            continue
        cur = shp[i - lead]
        if s == -1:
            s = cur
        if cur != s and cur != 1:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                f"non-singleton dimension {i}.  Target sizes: [{', '.join(map(str, sizes))}].  "
                f"Tensor sizes: [{', '.join(map(str, shp))}]")
        target[i] = s
    target_t = tuple(target)
    d = self._data
    repeated = target_t != (1,) * lead + shp
    if d.__class__ is np.ndarray and not shp:        # a number spread out (sum's backward): stride 0
        data = spread(d, target_t)
    elif d.__class__ is np.ndarray:                   # PyTorch's strides: 0 where repeated, a kept
        # dim keeps its own (a size-1 one too), a new leading one of size 1 the next dim's span
        strides = [0] * len(target_t)
        for i in range(len(target_t) - 1, -1, -1):
            j = i - lead
            st = d.strides[j] if j >= 0 else target_t[i + 1] * strides[i + 1]
            strides[i] = st if (shp[j] if j >= 0 else 1) == target_t[i] else 0
        # (read-only where elements share memory; with nothing repeated a writable view, as
        # in PyTorch: x.broadcast_to(x.shape).exp_())
        data = np.lib.stride_tricks.as_strided(d, target_t, tuple(strides), writeable=not repeated)
    elif not repeated:
        data = d[(None,) * lead + (Ellipsis,)]
    else:
        data = __import__("cupy").broadcast_to(d, target_t)
    out = record(data, ExpandBackward0, (self,), self_sym_sizes=shp)
    return _make_view(self, out, lambda x: x.expand(target_t))


def expand_as(self: Tensor, other: Tensor) -> Tensor:
    """``self.expand(other.shape)``: only ``other``'s sizes are read (see ``view_as``)."""
    return self.expand(other._data.shape)


# ---------------------------------------------------------------------------
# in place through a view: CopySlices
# ---------------------------------------------------------------------------


class CopySlices(OpNode):
    """The base's history after a view of it was changed in place: the gradient outside
    the changed region goes straight to the old base; inside it, through the in-place
    op's own rule (fn, the in-place op's node).

    grad_self = grad, with the changed region replaced by fn's gradient for it
    grad_others = fn's gradients for its other inputs (one edge each)
    """
    fields = ("_view_fn", "_fn")                      # (the region, as a view of the base; fn)

    def name(self) -> str:
        """PyTorch's C++ name; the class (what reprs and graphs show) is ``CopySlices``."""
        return "torch::autograd::CopySlices"

    releasable = True

    def release(self) -> None:
        """Free the in-place op's node with its buffers (PyTorch frees its ``fn``):
        a second backward through this node then fails as through a freed buffer."""
        node = self._fn
        if node is not None:
            node.release()
            self._fn = None

    def backward(self, g):
        # Written with differentiable ops (a view, an in-place copy into a clone), so that
        # with create_graph=True the backward pass is itself recorded.
        view_fn, node = self._view_fn, self._fn
        if node is None:
            raise RuntimeError(SECOND_BACKWARD)
        grads = node.apply(view_fn(g))                # the in-place op's rule, on the region
        res = g.clone()
        region = view_fn(res)
        if grads[0] is None:
            region.zero_()
        else:
            region.copy_(grads[0])
        return (res,) + tuple(grads[1:])


class AsStridedBackward0(OpNode):
    """The history of a view re-derived after an in-place change (to it or its base), and
    of ``as_strided``.

    PyTorch rebuilds such a view from its base with ``as_strided`` (its size, stride and
    storage offset), whatever op first made it. The rule (PyTorch's
    ``as_strided_backward``) works on a flat zero "storage" big enough for both layouts:
    the gradient is written into it through the view's layout (added up where the view
    repeats a place: an expanded view), then read back through the input's layout (a
    place the input holds twice gets half each). Under create_graph these steps are the
    nodes recorded: SqueezeBackward1 / SumBackward1 for the view's size-1 and
    expanded dims, CopySlices, AsStridedBackward0.

    grad_self = grad written into zeros as the view (size, stride), read back as self
    """
    fields = ("size", "stride", "storage_offset", "_in_geometry")   # (the input's size, stride, offset)

    def backward(self, g):
        in_size, in_stride, in_offset = self._in_geometry
        size, stride, offset = self.size, self.stride, self.storage_offset
        out_size, out_stride = [], []
        for i in reversed(range(len(size))):          # the view: size-1 and expanded dims go
            if size[i] == 0:
                return g.new_zeros(in_size)
            if size[i] == 1:
                g = g.squeeze(i)
            elif stride[i] == 0:
                g = g.sum(i)
            else:
                out_size.insert(0, size[i])
                out_stride.insert(0, stride[i])
        if 0 in in_size:
            return g.new_zeros(in_size)
        kept = [(n, st) for n, st in zip(in_size, in_stride) if n != 1]
        inp_size, inp_stride = [n for n, _ in kept], [st for _, st in kept]
        shared = min(in_offset, offset)
        in_off, out_off = in_offset - shared, offset - shared
        n = max(_min_storage(inp_size, inp_stride, in_off), _min_storage(out_size, out_stride, out_off))
        storage = g.new_zeros(n)
        in_overlap, out_overlap = _maybe_overlapping(inp_size, inp_stride), _maybe_overlapping(out_size, out_stride)
        if in_overlap or out_overlap:                 # (storage places, to index_add with)
            from .._creation import arange
            places = arange(n, device=g.device)
        if out_overlap:
            storage.index_add_(0, places.as_strided(out_size, out_stride, out_off).reshape(-1), g.reshape(-1))
        else:
            storage.as_strided(out_size, out_stride, out_off).copy_(g)
        if in_overlap:                                # (nan where the input holds nothing)
            mine = places.as_strided(inp_size, inp_stride, in_off).reshape(-1)
            count = storage.new_zeros(n).index_add_(0, mine, g.new_ones(1).expand_as(mine))
            storage.div_(count)
        return storage.as_strided(in_size, in_stride, in_off)


def _maybe_overlapping(size: list, stride: list) -> bool:
    """Might two elements of this layout share a storage place? (Sorted by stride, each
    stride must pass the farthest place reached by the smaller ones.)"""
    reach = 0
    for st, n in sorted(zip(stride, size)):
        if st <= reach:
            return True
        reach += st * (n - 1)
    return False


def _min_storage(size: list, stride: list, offset: int) -> int:
    """The storage length a layout needs (just ``offset`` when it holds nothing)."""
    if 0 in size:
        return offset
    return offset + 1 + sum((n - 1) * st for n, st in zip(size, stride))


class AsStridedBackward1(AsStridedBackward0):
    """as_strided_: the rule of as_strided (the gradient written into zeros through the
    view's layout, read back through the input's).

    grad_self = grad written into zeros as the view (size, stride), read back as self
    """


def _storage(t: Tensor) -> Any:
    """The array that owns ``t``'s memory (PyTorch's storage)."""
    a = t._data
    while True:
        up = getattr(a, "base", None)
        if up is not None and not isinstance(up, type(a)):      # (as_strided's wrapper of
            up = getattr(up, "base", None)                       # the array it views)
        if up is None or not isinstance(up, type(a)):
            return a
        a = up


def _address(a: Any) -> int:
    return a.__array_interface__["data"][0] if isinstance(a, np.ndarray) else int(a.data.ptr)


def _storage_offset(self: Tensor) -> int:
    """``Tensor.storage_offset()``: where this tensor's first element is in its storage,
    in elements (a view of the middle of another tensor starts further in)."""
    return (_address(self._data) - _address(_storage(self))) // self._data.itemsize


def as_strided(self: Tensor, size: Any, stride: Any, storage_offset: int | None = None) -> Tensor:
    """A view of this tensor's *storage* with any shape and strides: element ``(i, j)``
    is storage element ``storage_offset + i * stride[0] + j * stride[1]``.

    The most general view (every other view op is one of these); elements may repeat
    (overlap) or lie outside this tensor but inside its storage. Gradients go back to the
    places of this tensor that were read, added up where one was read twice; storage
    places outside it get none. Prefer ``view``, ``expand``, ``unfold``: they cannot read
    out of bounds.
    """
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape")
    storage = _storage(self)
    item = self._data.itemsize
    offset = _storage_offset(self) if storage_offset is None else int(storage_offset)
    total = storage.size * storage.itemsize
    need = 0 if 0 in size else (offset + sum((n - 1) * st for n, st in zip(size, stride)) + 1) * item
    if need > total or offset < 0:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, "
                           f"and itemsize {item} requiring a storage size of {need} are out of bounds for "
                           f"storage of size {total}")
    xp = B.xp_of(self._data)
    flat = storage.reshape(-1).view(self._data.dtype) if storage.ndim != 1 or storage.dtype != self._data.dtype \
        else storage
    data = xp.lib.stride_tricks.as_strided(flat[offset:], shape=size, strides=tuple(st * item for st in stride))
    out = record(data, AsStridedBackward0, (self,), size=size, stride=stride, storage_offset=offset,
                 _in_geometry=_geometry(self))

    return _make_view(self, out, lambda t: as_strided(t, size, stride, offset))


def _geometry(t: Tensor) -> tuple:
    """``t``'s size, strides (in elements) and storage offset: PyTorch's TensorGeometry."""
    d = t._data
    return d.shape, tuple(st // d.itemsize for st in d.strides), _storage_offset(t)


def restride_view(view: Tensor) -> None:
    """Give ``view`` an AsStridedBackward0 history on top of its base's current one:
    the view's layout in the storage, read from the base's (PyTorch's rule)."""
    if _REPLAYED and is_replayed(view):
        return replay_view(view)
    base = view._vbase
    size, stride, offset = _geometry(view)
    _graft(view, AsStridedBackward0, (base._edge(),), size=size, stride=stride, storage_offset=offset,
           _in_geometry=_geometry(base))
    view._view_ver = view._vc[0]


def replay_view(view: Tensor) -> None:
    """(View replay on: see ``autograd.view_tracking``.) Give ``view`` the history of its
    own view ops replayed on its base, e.g. ViewBackward0 on top of the base's new node."""
    prev = STATE.grad_enabled
    STATE.grad_enabled = True                         # (re-derived in any grad mode)
    try:
        fresh = view._view_fn(view._vbase)
    finally:
        STATE.grad_enabled = prev
    old_fn, old_nr = view._gfn, view._output_nr
    view._gfn, view._output_nr = fresh._gfn, fresh._output_nr
    view._requires_grad = True
    if view._retains_grad:                            # retain_grad follows the new history
        view._retain_moved(old_fn, old_nr)
    view._view_ver = view._vc[0]


def _graft(t: Tensor, node_cls: type, next_functions: tuple, **fields: Any) -> None:
    """Give ``t`` a new history: a ``node_cls`` node (no saved buffers; its ``fields``
    set) as its grad_fn."""
    node = node_cls.__new__(node_cls)
    node._init_common()
    node.next_functions = next_functions
    for name, value in fields.items():
        setattr(node, name, value)
    node._in_meta = None
    node.num_outputs = 1
    node._saved = ()
    old_fn, old_nr = t._gfn, t._output_nr
    t._gfn = node
    t._requires_grad = True
    t._output_nr = 0
    if t._retains_grad:                               # retain_grad follows the new history
        t._retain_moved(old_fn, old_nr)


def rebase_view(view: Tensor, node: OpNode) -> None:
    """After ``view`` was changed in place by ``node``, rewrite its base's history."""
    base = view._vbase
    if base is None:
        old_fn, old_nr = view._gfn, view._output_nr
        view._gfn = node
        view._requires_grad = True
        view._output_nr = 0
        if view._retains_grad:                        # retain_grad follows the new history
            view._retain_moved(old_fn, old_nr)
        return
    _graft(base, CopySlices, (base._edge(),) + tuple(node.next_functions[1:]),
           _view_fn=view._view_fn, _fn=node)
    restride_view(view)                               # the view, re-derived from the new base
    if view._gfn is not None:
        saved_through_view(node, view._gfn)


def contiguous(self: Tensor, memory_format: Any = None) -> Tensor:
    """This tensor if already contiguous, else a contiguous copy (recorded as a clone)."""
    if self._data.flags.c_contiguous:
        return self
    from .convert import contiguous_clone
    return contiguous_clone(self)


register("view")(view)
register("reshape")(reshape)
register("view_as")(view_as)
register("reshape_as")(reshape_as)
register("flatten")(flatten)
register("unflatten")(unflatten)
register("transpose", "swapaxes", "swapdims")(transpose)
register("t")(t)
register("permute")(permute)
register("squeeze")(squeeze)
register("unsqueeze")(unsqueeze)
register("expand")(expand)
register("expand_as")(expand_as)
register("as_strided")(as_strided)
Tensor.storage_offset = _storage_offset


def broadcast_to(input: Tensor, size: Any) -> Tensor:
    """``input`` broadcast to ``size``: ``expand`` under NumPy's name (a view, no copy)."""
    return expand(input, size)


register("broadcast_to")(broadcast_to)
register("contiguous")(contiguous)
Tensor.T = property(_T)
Tensor.mT = property(_mT)
Tensor.mH = property(lambda self: _conjugate_transpose(self, "mH", True), doc="The conjugate transpose of the "
                     "last two dims (for real tensors: mT).")
Tensor.H = property(lambda self: _conjugate_transpose(self, "H", False), doc="The conjugate transpose of a matrix.")
register("adjoint")(adjoint)

def _tuple_of_ints(fn: str, arg: str, value: Any) -> None:
    """``torch.reshape`` / ``torch.permute`` take one sequence (the methods also take varargs)."""
    if not isinstance(value, (tuple, list, Size)):
        raise TypeError(f"{fn}(): argument '{arg}' (position 2) must be tuple of ints, not {type(value).__name__}")


# The module functions (torch.reshape / torch.permute) from here on; the methods were
# registered above. Internal calls pass tuples, which both accept.
def reshape(input: Tensor, shape: Any) -> Tensor:  # noqa: F811
    """``torch.reshape(input, shape)``: see ``Tensor.reshape``."""
    _tuple_of_ints("reshape", "shape", shape)
    return Tensor.reshape(input, shape)


def permute(input: Tensor, dims: Any) -> Tensor:  # noqa: F811
    """``torch.permute(input, dims)``: see ``Tensor.permute``."""
    _tuple_of_ints("permute", "dims", dims)
    return Tensor.permute(input, dims)


EXPORTS = ["view_as", "reshape", "flatten", "unflatten", "transpose", "t", "permute", "squeeze",
           "unsqueeze", "swapaxes", "swapdims", "broadcast_to", "as_strided", "adjoint"]
swapaxes = swapdims = transpose
