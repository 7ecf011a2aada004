"""The memory layout of an element-wise result, chosen as PyTorch's TensorIterator chooses it.

numpy lays a ufunc's result out in the order its operands are stored ("K" order), and so
does PyTorch, but by its own rule; the two part ways when operands disagree (a transposed
tensor plus a contiguous one, an expanded bool compared with an int tensor). The layout
shows in ``stride()``, ``is_contiguous()`` and in whether a later ``view`` works, so an
element-wise op hands its numpy result to ``elementwise_layout``, which copies it into
PyTorch's layout when the two differ.

PyTorch's rule, in its order:

1. every operand of the same shape (no Python number among them): all contiguous gives a
   contiguous result, all channels-last a channels-last one, all dense with equal strides
   a result with those strides;
2. otherwise the dims are sorted by the operands' strides in bytes, fastest first: the
   first operand that orders two dims decides (a broadcast dim, stride 0, orders nothing;
   equal strides put the smaller size first), and the result is dense in that order
   (contiguous when nothing moved).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .._tensor import Tensor


def _contiguous_strides(shape: Sequence[int], order: Sequence[int]) -> tuple[int, ...]:
    """Element strides of a dense array whose dims, fastest first, are ``order``."""
    strides = [0] * len(shape)
    step = 1
    for d in order:
        strides[d] = step
        step *= shape[d]
    return tuple(strides)


def _c_order(nd: int) -> list[int]:
    return list(range(nd - 1, -1, -1))


def _channels_last(shape: Sequence[int], strides: Sequence[int]) -> bool:
    """PyTorch's channels-last contiguity (4-d: C fastest, then W, H, N; 5-d likewise)."""
    expected = 1
    for d in (1, 3, 2, 0) if len(shape) == 4 else (1, 4, 3, 2, 0):
        if shape[d] != 1:
            if strides[d] != expected:
                return False
            expected *= shape[d]
    return True


def _strides_like_channels_last(shape: Sequence[int], strides: Sequence[int]) -> bool:
    """PyTorch's ``is_channels_last_strides_2d`` / ``_3d``: C, then W, (D,) H, N from the
    fastest stride on, ties and the ambiguous N111 shapes counted as contiguous."""
    if strides[1] == 0:
        return False
    low = 0
    for d in (1, 3, 2, 0) if len(shape) == 4 else (1, 4, 3, 2, 0):
        if shape[d] == 0 or strides[d] < low or (d == 0 and low == strides[1]):
            return False
        low = strides[d] * (shape[d] if shape[d] > 1 else 1)
    return True


def joined_strides(shape: Sequence[int], arrays: Sequence[Any], new_dim: int | None = None) -> tuple[int, ...] | None:
    """The element strides of ``cat``'s result (of ``stack``'s: ``new_dim``, where ``stack``
    unsqueezes its inputs, PyTorch's ``unsqueeze`` strides): contiguous (None), unless every
    input suggests channels-last (4-d or 5-d strides like NHWC): then channels-last."""
    if len(shape) not in (4, 5) or not arrays:
        return None
    for a in arrays:
        if a.flags.c_contiguous:
            return None
        sh, st = list(a.shape), [s // a.itemsize for s in a.strides]
        if new_dim is not None:
            st.insert(new_dim, sh[new_dim] * st[new_dim] if new_dim < len(sh) else 1)
            sh.insert(new_dim, 1)
        if len(sh) != len(shape) or not _strides_like_channels_last(sh, st):
            return None
    return _contiguous_strides(shape, (1, 3, 2, 0) if len(shape) == 4 else (1, 4, 3, 2, 0))


def _dense(shape: Sequence[int], strides: Sequence[int]) -> bool:
    """Non-overlapping and dense: sorted by stride (sizes < 2 last), each stride is the
    product of the sizes before it."""
    order = sorted((d for d in range(len(shape)) if shape[d] >= 2), key=lambda d: strides[d])
    expected = 1
    for d in order:
        if strides[d] != expected:
            return False
        expected *= shape[d]
    return True


def _sorted_dims(shape: tuple, operands: list[tuple[tuple, tuple]]) -> list[int]:
    """TensorIterator's ``reorder_dimensions``: dims fastest first, from the operands'
    byte strides (broadcast dims count as 0)."""
    nd = len(shape)
    byte_strides = []
    for oshape, ostrides in operands:
        off = nd - len(oshape)
        s = [0] * nd
        for i, (n, st) in enumerate(zip(oshape, ostrides)):
            s[off + i] = 0 if n == 1 and shape[off + i] != 1 else st
        byte_strides.append(s)

    def should_swap(d0: int, d1: int) -> int:
        for s in byte_strides:
            s0, s1 = s[d0], s[d1]
            if s0 == 0 or s1 == 0:                     # a broadcast dim orders nothing
                continue
            if s0 != s1:
                return -1 if s0 < s1 else 1
            if shape[d0] > shape[d1]:                  # equal strides: the smaller size first
                return 1
        return 0

    perm = _c_order(nd)
    for i in range(1, nd):                             # insertion sort; 0 means "no opinion"
        d1 = i
        for d0 in range(i - 1, -1, -1):
            c = should_swap(perm[d0], perm[d1])
            if c > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif c < 0:
                break
    return perm


def torch_strides(shape: tuple, operands: Sequence[Any]) -> tuple[int, ...]:
    """The element strides PyTorch gives an element-wise result of ``shape`` computed from
    ``operands`` (arrays in their own dtypes; a Python number is ``None``)."""
    arrays = [a for a in operands if a is not None]
    nd = len(shape)
    if nd == 0:
        return ()
    el = [(a.shape, tuple(s // a.itemsize for s in a.strides)) for a in arrays]
    if len(arrays) == len(operands) and all(s == shape for s, _ in el):
        if all(a.flags.c_contiguous for a in arrays):
            return _contiguous_strides(shape, _c_order(nd))
        if nd in (4, 5) and all(_channels_last(s, st) for s, st in el):
            order = (1, 3, 2, 0) if nd == 4 else (1, 4, 3, 2, 0)
            return _contiguous_strides(shape, order)
        if all(_dense(s, st) for s, st in el) and all(st == el[0][1] for _, st in el):
            return el[0][1]
    perm = _sorted_dims(shape, [(a.shape, a.strides) for a in arrays])
    return _contiguous_strides(shape, perm)


# ---------------------------------------------------------------------------------------
# a tensor made "like" another: empty_like, clone, .to(dtype), the *_like functions
# ---------------------------------------------------------------------------------------
# PyTorch's preserve_format: a dense input (a transpose, a permutation) keeps its strides;
# any other (a slice with gaps, an expand) gets dense strides in its own dims' stride order
# (``infer_dense_strides``: TensorIterator's sort, where a stride-0 dim orders nothing).


def _preserved(a: Any) -> tuple[int, ...]:
    """PyTorch's preserve_format strides for a tensor made like array ``a``: its own when
    dense (a size-1 dim's too; an empty tensor counts as dense), else ``infer_dense_strides``."""
    shape = a.shape
    el = tuple(s // a.itemsize for s in a.strides)
    if not a.size or _dense(shape, el):
        return el
    packed = [0] * len(shape)
    step = 1
    for d in _sorted_dims(shape, [(shape, a.strides)]):
        packed[d] = step
        step *= max(shape[d], 1)                        # (an empty dim counts as 1)
    return tuple(packed)


def preserve_strides(a: Any) -> tuple[int, ...] | None:
    """The element strides PyTorch gives a tensor made like array ``a`` (``empty_like``,
    ``clone``, ``.to(dtype)``, ``rand_like``, ...), or None when that is C-contiguous (so
    a contiguous input costs one flag test)."""
    if a.flags.c_contiguous and a.size:
        return None
    el = _preserved(a)
    return None if el == _contiguous_strides(a.shape, _c_order(a.ndim)) else el


def strided(values: Any, shape: Sequence[int], strides: Sequence[int] | None) -> Any:
    """An array of ``shape`` with element ``strides`` (a dense layout; None: C order) whose
    memory is ``values`` (flat, in memory order): so values drawn one after another fill
    it in memory order, as PyTorch's kernels fill a fresh tensor."""
    if strides is None:
        return values.reshape(shape)
    xp = np if values.__class__ is np.ndarray else __import__("cupy")
    return xp.lib.stride_tricks.as_strided(values, tuple(shape), tuple(s * values.itemsize for s in strides))


def strided_copy(a: Any, strides: Sequence[int]) -> Any:
    """A copy of array ``a`` with the (dense) element ``strides``: the same values, laid out
    as a PyTorch kernel that writes into such a tensor lays them out."""
    xp = np if a.__class__ is np.ndarray else __import__("cupy")
    out = strided(xp.empty(a.size, a.dtype), a.shape, strides)
    out[...] = a
    return out


def laid_like(values: Any, a: Any) -> Any:
    """``values`` (an array of ``a``'s shape) laid out as a fresh tensor made like array ``a``
    (``empty_like(a)``, preserve_format): how ops that write a new tensor shaped as their
    input (``flip``, ``sort``) lay out their result. A fresh array (no view of another)
    already so laid out comes back as it is; anything else is copied, so the result never
    shares memory with ``a``."""
    strides = preserve_strides(a)
    fresh = values.base is None and values is not a
    if strides is None:
        return values if fresh and values.flags.c_contiguous else values.copy(order="C")
    if fresh and tuple(s // values.itemsize for s in values.strides) == strides:
        return values
    return strided_copy(values, strides)


def dense(a: Any) -> Any:
    """``a`` itself if C-contiguous, else a C-contiguous copy: the layout of a result PyTorch
    allocates with ``at::empty(sizes)`` (reductions, ``roll``, ``repeat``, ``tril``). A size-1
    dim gets the stride a contiguous tensor gives it too (numpy's ``keepdims`` may leave
    another: the same memory, seen with PyTorch's strides). A numpy scalar becomes a 0-d array."""
    if isinstance(a, np.generic):
        return np.asarray(a)
    xp = np if a.__class__ is np.ndarray else __import__("cupy")
    if not a.flags.c_contiguous:
        return xp.ascontiguousarray(a)
    if 1 in a.shape and a.size:
        want = tuple(s * a.itemsize for s in _contiguous_strides(a.shape, _c_order(a.ndim)))
        if a.strides != want:
            return xp.lib.stride_tricks.as_strided(a, a.shape, want)
    return a


def copy_like(a: Any, dtype: Any = None) -> Any:
    """A copy of array ``a`` (converted to ``dtype``) laid out as PyTorch's ``clone()`` and
    ``.to(dtype)`` lay it out (``preserve_strides``)."""
    dtype = a.dtype if dtype is None else np.dtype(dtype)
    strides = preserve_strides(a)
    if strides is None:
        return a.astype(dtype, order="C")
    xp = np if a.__class__ is np.ndarray else __import__("cupy")
    out = strided(xp.empty(a.size, dtype), a.shape, strides)
    out[...] = a
    return out


def _converted(a: Any, dtype: Any) -> Any:
    """A stand-in (strides only, never read) for ``a`` converted to ``dtype`` as PyTorch's
    ``.to(dtype)`` lays it out: a dense array keeps its strides (a size-1 dim's too), another
    one is packed in its own stride order."""
    want = _preserved(a)
    xp = np if a.__class__ is np.ndarray else __import__("cupy")
    size = np.dtype(dtype).itemsize
    return xp.lib.stride_tricks.as_strided(xp.empty(1, dtype), a.shape, tuple(s * size for s in want))


def elementwise_layout(out: Any, *operands: Any, dtype: Any = None) -> Any:
    """``out`` (an element-wise result) in PyTorch's layout for these ``operands`` (Tensors,
    arrays or Python numbers): itself when it already is, else a copy laid out so.
    ``dtype``: the dtype the op computes in; a Tensor operand of another dtype counts as
    converted to it first, as PyTorch converts it (an array operand counts as it is)."""
    if out.ndim < 2:
        return out
    arrays = [o._data if isinstance(o, Tensor) else o if hasattr(o, "strides") else None for o in operands]
    if all(a is None or a.flags.c_contiguous for a in arrays) and 1 not in out.shape:
        return out                                    # (contiguous operands: a contiguous result;
        # a size-1 dim's stride follows the operands' own, as numpy's need not)
    if dtype is not None:
        arrays = [_converted(a, dtype) if isinstance(o, Tensor) and a.dtype != dtype and a.ndim else a
                  for o, a in zip(operands, arrays)]
    want = torch_strides(out.shape, arrays)
    if tuple(s // out.itemsize for s in out.strides) == want:
        return out
    xp = np if out.__class__ is np.ndarray else __import__("cupy")
    laid = xp.lib.stride_tricks.as_strided(xp.empty(out.size, out.dtype), out.shape,
                                           tuple(s * out.itemsize for s in want))
    laid[...] = out
    return laid
