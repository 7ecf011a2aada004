"""Integer arithmetic and index arithmetic, none of it differentiable: greatest common
divisor and least common multiple, bit shifts, the positions of a triangle
(``tril_indices``/``triu_indices``), and finding where values fall among sorted
boundaries (``bucketize``, ``searchsorted``) or how often each one occurs (``bincount``).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _backend as B
from .._tensor import Tensor
from ._core import arg_error, as_array, combination_error, no_kernel, prep2, register


def _integers(name: str, input: Any, other: Any, tensors_only: bool = False) -> tuple:
    """Both operands as arrays of their common integer dtype (floats have no kernel);
    ``tensors_only``: a number on either side is refused (gcd, lcm)."""
    if tensors_only:
        for arg, pos, v in (("input", 1, input), ("other", 2, other)):
            if not isinstance(v, Tensor):
                raise arg_error(name, arg, pos, v)
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise combination_error(name, input, other)
    ad, bd, ta, tb = prep2(input, other)
    dt = ad.dtype if hasattr(ad, "dtype") else bd.dtype
    if dt.kind not in "iu":
        raise no_kernel(f"{name}_cpu", dt)
    xp = B.xp_of(ad if hasattr(ad, "dtype") else bd)
    return xp.asarray(ad, dtype=dt), xp.asarray(bd, dtype=dt), dt


def gcd(input: Tensor, other: Tensor) -> Tensor:
    """The greatest common divisor, element-wise (non-negative; gcd(0, 0) = 0)."""
    a, b, dt = _integers("gcd", input, other, True)
    return Tensor._wrap(as_array(B.xp_of(a).gcd(a, b).astype(dt, copy=False)))


def lcm(input: Tensor, other: Tensor) -> Tensor:
    """The least common multiple, element-wise (non-negative; 0 if either is 0)."""
    a, b, dt = _integers("lcm", input, other, True)
    return Tensor._wrap(as_array(B.xp_of(a).lcm(a, b).astype(dt, copy=False)))


def bitwise_left_shift(input: Any, other: Any) -> Tensor:
    """``input << other``; a shift by the width of the type or more (or by a negative
    amount) gives 0, as PyTorch defines it."""
    a, b, dt = _integers("bitwise_left_shift", input, other)
    xp = B.xp_of(a)
    bits = dt.itemsize * 8
    over = (b < 0) | (b >= bits)
    out = xp.where(over, 0, xp.left_shift(a, xp.where(over, 0, b)))
    return Tensor._wrap(as_array(out.astype(dt, copy=False)))


def bitwise_right_shift(input: Any, other: Any) -> Tensor:
    """``input >> other`` (arithmetic: the sign is kept); a shift by the width of the type
    or more (or by a negative amount) gives 0, or -1 for a negative ``input``."""
    a, b, dt = _integers("bitwise_right_shift", input, other)
    xp = B.xp_of(a)
    bits = dt.itemsize * 8
    over = (b < 0) | (b >= bits)
    out = xp.where(over, xp.where(a < 0, -1, 0), xp.right_shift(a, xp.where(over, 0, b)))
    return Tensor._wrap(as_array(out.astype(dt, copy=False)))


def _triangle(name: str, row: int, col: int, offset: int, dtype: Any, upper: bool) -> Tensor:
    if row < 0:
        raise RuntimeError(f"row must be non-negative, got{row}")
    if col < 0:
        raise RuntimeError(f"col must be non-negative, got{col}")
    dt = B.int64 if dtype is None else dtype
    if dt.is_floating_point or dt.name == "bool":
        raise NotImplementedError(f"\"{name}\" not implemented for '{dt.scalar_name}'")
    r, c = (np.triu_indices if upper else np.tril_indices)(row, offset, col)
    return Tensor._wrap(np.stack([r, c]).astype(dt.np).reshape(2, -1))


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None,
                 layout: Any = None) -> Tensor:
    """The ``(2, N)`` row and column indices of the lower triangle of a ``row x col``
    matrix (``offset``: which diagonal bounds it), row by row."""
    return _triangle("tril_indices", row, col, offset, dtype, False)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None,
                 layout: Any = None) -> Tensor:
    """The ``(2, N)`` row and column indices of the upper triangle, row by row."""
    return _triangle("triu_indices", row, col, offset, dtype, True)


def searchsorted(sorted_sequence: Tensor, input: Any, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, sorter: Tensor | None = None) -> Tensor:
    """Where each value of ``input`` would go in the (last dim of the) sorted sequence:
    the first position whose value is >= it (``right=True``: > it)."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    seq = sorted_sequence._data
    if sorter is not None:
        seq = np.take_along_axis(seq, sorter._data, -1)
    vals = input._data if isinstance(input, Tensor) else np.asarray(input)
    side_ = "right" if right else "left"
    if seq.ndim <= 1:
        out = np.searchsorted(seq, vals, side=side_)
    else:
        if vals.shape[:-1] != seq.shape[:-1]:
            raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                               "dimensions of boundaries tensor and input value tensor must match, but we got "
                               f"boundaries tensor {list(seq.shape)} and input value tensor {list(vals.shape)}")
        flat_s, flat_v = seq.reshape(-1, seq.shape[-1]), vals.reshape(-1, vals.shape[-1])
        out = np.stack([np.searchsorted(s, v, side=side_) for s, v in zip(flat_s, flat_v)]).reshape(vals.shape)
    return Tensor._wrap(np.asarray(out).astype(np.int32 if out_int32 else np.int64))


def bucketize(input: Any, boundaries: Tensor, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """The bucket of each value among the 1-d sorted ``boundaries`` (searchsorted)."""
    if boundaries.dim() != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.dim()})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each value 0, 1, 2, ... occurs in the 1-d non-negative integer ``input``
    (or the sum of ``weights`` at its positions), at least ``minlength`` counts."""
    d = input._data
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if d.ndim == 1 and d.size == 0:
        n = minlength
        dt = np.int64 if weights is None else (np.float32 if weights._data.dtype == np.float32 else np.float64)
        return Tensor._wrap(np.zeros(n, dt))
    if d.ndim != 1 or d.dtype.kind not in "iu" or (d.size and d.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is not None and (weights.dim() != 1 or weights.shape[0] != d.shape[0]):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    if weights is None:
        return Tensor._wrap(np.bincount(d, minlength=minlength).astype(np.int64))
    w = weights._data
    dt = np.float32 if w.dtype == np.float32 else np.float64
    return Tensor._wrap(np.bincount(d, weights=w.astype(np.float64), minlength=minlength).astype(dt))


for _f in (gcd, lcm, bitwise_left_shift, bitwise_right_shift, bincount):
    register(_f.__name__)(_f)
register("__lshift__")(bitwise_left_shift)
register("__rshift__")(bitwise_right_shift)

EXPORTS = ["gcd", "lcm", "bitwise_left_shift", "bitwise_right_shift", "tril_indices", "triu_indices",
           "searchsorted", "bucketize", "bincount"]
