"""``F.unfold`` (im2col) and ``F.fold`` (col2im): sliding windows as columns, and back.

``unfold`` lays every ``kernel_size`` window of an ``(N, C, H, W)`` input out as one
column: ``(N, C * kh * kw, L)``, ``L`` the number of window positions (rows ordered by
channel, then kernel row, then kernel column). A convolution is then one matrix product
with the weights (``patches.py`` is the same machinery, used by ``conv``).

``fold`` is its adjoint: it adds each column entry back at the input position it was
read from, so positions covered by several windows receive the sum. Both are linear,
and each one's gradient is the other: ``Im2ColBackward0`` runs ``col2im`` on the
gradient (recording ``Col2ImBackward0``), ``Col2ImBackward0`` runs ``im2col``
(recording ``Im2ColBackward0``): PyTorch's nodes.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ... import _backend as B
from ..._tensor import Tensor
from .._core import DTYPE_WORDS, OpNode, needs_grad, record
from .patches import Geometry, col2im_array, im2col_array

__all__ = ["unfold", "fold", "im2col", "col2im"]


class Im2ColBackward0(OpNode):
    """im2col copies every window of self into a column (a position read by several
    windows appears in several columns): the gradient of each column entry goes back to
    the position it was read from, and they add up there (col2im, im2col's adjoint).

    out = im2col(self, kernel_size, dilation, padding, stride)
    grad_self = col2im(grad, (self_sym_argsize_minus_2, self_sym_argsize_minus_1), kernel_size, dilation, padding, stride)
    """
    saved_names = ()
    fields = ("kernel_size", "dilation", "padding", "stride", "self_sym_argsize_minus_2",
              "self_sym_argsize_minus_1")

    def backward(self, g):
        return col2im(g, (self.self_sym_argsize_minus_2, self.self_sym_argsize_minus_1), self.kernel_size,
                      self.dilation, self.padding, self.stride)


class Col2ImBackward0(OpNode):
    """col2im adds each column entry of self into the position its window covers: the
    gradient of each entry is the output gradient at that position (im2col, col2im's
    adjoint).

    out = col2im(self, output_size, kernel_size, dilation, padding, stride)
    grad_self = im2col(grad, kernel_size, dilation, padding, stride)
    """
    saved_names = ()
    fields = ("kernel_size", "dilation", "padding", "stride")

    def backward(self, g):
        return im2col(g, self.kernel_size, self.dilation, self.padding, self.stride)


def _ints(v: Any, fn: str, name: str, pos: int) -> tuple:
    """An int list argument of ``im2col`` / ``col2im``, refused as PyTorch's parser does."""
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return (int(v),)
    if isinstance(v, Tensor):
        return tuple(int(a) for a in v.tolist()) if v.dim() else (int(v.item()),)
    if not isinstance(v, (tuple, list)):
        raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be tuple of ints, not {type(v).__name__}")
    for i, a in enumerate(v):
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            if i:                                     # (PyTorch's parser words a later element so)
                raise TypeError(f"{fn}(): argument '{name}' failed to unpack the object at pos {pos} with error "
                                f"\"type must be tuple of ints,but got {type(a).__name__}\"")
            raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be tuple of ints, but found element "
                            f"of type {type(a).__name__} at pos {i}")
    return tuple(int(a) for a in v)


def _pair(v: Any) -> Any:
    """torch.nn.modules.utils._pair: an int (not a sequence) repeated twice."""
    from collections.abc import Iterable
    return v if isinstance(v, Iterable) else (v, v)


def _args(fn: str, first: int, names: tuple, values: tuple) -> list:
    out = []
    for i, (name, v) in enumerate(zip(names, values)):
        t = _ints(v, fn, name, first + i)
        if len(t) == 1:
            t = t * 2
        if len(t) != 2:
            raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(t)}")
        out.append(t)
    return out


def _check_common(k: tuple, d: tuple, p: tuple, s: tuple, order: str) -> None:
    checks = {"k": (k[0] > 0 and k[1] > 0, f"kernel size should be greater than zero, but got kernel_height: {k[0]} "
                                           f"kernel_width: {k[1]}"),
              "d": (d[0] > 0 and d[1] > 0, f"dilation should be greater than zero, but got dilation_height: {d[0]} "
                                           f"dilation_width: {d[1]}"),
              "p": (p[0] >= 0 and p[1] >= 0, f"padding should be non-negative, but got pad_height: {p[0]} "
                                             f"pad_width: {p[1]}"),
              "s": (s[0] > 0 and s[1] > 0, f"stride should be greater than zero, but got stride_height: {s[0]} "
                                           f"stride_width: {s[1]}")}
    for c in order:
        ok, msg = checks[c]
        if not ok:
            raise RuntimeError(msg)


def _size(t: Tensor, d: int) -> int:
    """``t.size(d)`` with PyTorch's error for a dim out of range."""
    n = t.dim()
    if n == 0:
        raise IndexError(f"Dimension specified as {d} but tensor has no dimensions")
    if not -n <= d < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
    return t.shape[d]


def _dtype_check(t: Tensor, kernel: str) -> None:
    dt = t._data.dtype
    if dt.kind not in "fb":                           # (floating types and bool)
        raise NotImplementedError(f'"{kernel}" not implemented for \'{DTYPE_WORDS[dt.name]}\'')


def im2col(input: Tensor, kernel_size: Any, dilation: Any, padding: Any, stride: Any) -> Tensor:
    """``torch._C._nn.im2col``: ``(N, C, H, W) -> (N, C * kh * kw, L)`` (or unbatched)."""
    if needs_grad(input):                             # PyTorch's autograd layer reads them first
        _size(input, -2), _size(input, -1)
    k, d, p, s = _args("im2col", 2, ("kernel_size", "dilation", "padding", "stride"),
                       (kernel_size, dilation, padding, stride))
    _check_common(k, d, p, s, "kdps")
    ndim = input.dim()
    valid = _size(input, 1) != 0 and _size(input, 2) != 0
    if not (ndim == 3 and input.shape[0] and valid or ndim == 4 and valid and input.shape[3] != 0):
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
                           f"dimensions for input, but got: [{', '.join(str(x) for x in input.shape)}]")
    h, w = input.shape[-2:]
    oh = (h + 2 * p[0] - (d[0] * (k[0] - 1) + 1)) // s[0] + 1
    ow = (w + 2 * p[1] - (d[1] * (k[1] - 1) + 1)) // s[1] + 1
    if oh < 1 or ow < 1:
        raise RuntimeError(f"Given input with spatial size ({h}, {w}), kernel_size=({k[0]}, {k[1]}), "
                           f"dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), calculated shape of the array of "
                           f"sliding blocks as ({oh}, {ow}), but its components must be at least one.")
    _dtype_check(input, "im2col_out_cpu")
    arr = input._data if ndim == 4 else input._data[None]
    geom = Geometry(k, s, d, p, p, 1)
    cols = im2col_array(arr, geom)
    cols = cols.reshape(arr.shape[0], cols.shape[2], cols.shape[3])
    if ndim == 3:
        cols = cols[0]
    data = B.xp_of(cols).ascontiguousarray(cols)
    if type(data) is not np.ndarray or np.may_share_memory(data, input._data):
        data = data.copy()                            # (a 1 x 1 kernel: the columns are a view)
    return record(data, Im2ColBackward0, (input,), kernel_size=k, dilation=d, padding=p, stride=s,
                  self_sym_argsize_minus_2=h, self_sym_argsize_minus_1=w)


def col2im(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any, padding: Any, stride: Any) -> Tensor:
    """``torch._C._nn.col2im``: ``(N, C * kh * kw, L) -> (N, C, H, W)`` (or unbatched), overlaps summed."""
    o, k, d, p, s = _args("col2im", 2, ("output_size", "kernel_size", "dilation", "padding", "stride"),
                          (output_size, kernel_size, dilation, padding, stride))
    _check_common(k, d, p, s, "ksdp")
    ndim = input.dim()
    if not (ndim == 2 and input.shape[0] != 0 and input.shape[1] != 0
            or ndim == 3 and input.shape[1] != 0 and input.shape[2] != 0):
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
                           f"dimensions for input, but got: [{', '.join(str(x) for x in input.shape)}]")
    planes, length = input.shape[-2:]
    if planes % (k[0] * k[1]):
        raise RuntimeError("Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={planes} and kernel_size=({k[0]}, {k[1]}).")
    bh = (o[0] + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    bw = (o[1] + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    said = (f"Given output_size=({o[0]}, {o[1]}), kernel_size=({k[0]}, {k[1]}), dilation=({d[0]}, {d[1]}), "
            f"padding=({p[0]}, {p[1]}), stride=({s[0]}, {s[1]}), ")
    if length != bh * bw:
        raise RuntimeError(f"{said}expected size of input's dimension 2 to match the calculated number of sliding "
                           f"blocks {bh} * {bw} = {bh * bw}, but got input.size(2)={length}.")
    if bh < 1 or bw < 1:
        raise RuntimeError(f"{said}calculated shape of the array of sliding blocks as ({bh}, {bw}), which is too "
                           "small (non-positive)")
    _dtype_check(input, "col2im_out_cpu")
    arr = input._data if ndim == 3 else input._data[None]
    n, c = arr.shape[0], planes // (k[0] * k[1])
    geom = Geometry(k, s, d, p, p, 1)
    out = col2im_array(arr, geom, (n, c) + o)
    if ndim == 2:
        out = out[0]
    return record(out, Col2ImBackward0, (input,), kernel_size=k, dilation=d, padding=p, stride=s)


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Tensor:
    """Every ``kernel_size`` window of ``(N, C, H, W)`` as a column: ``(N, C * kh * kw, L)``."""
    return im2col(input, _pair(kernel_size), _pair(dilation), _pair(padding), _pair(stride))


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
         stride: Any = 1) -> Tensor:
    """Columns ``(N, C * kh * kw, L)`` added back into an ``(N, C, *output_size)`` image (overlaps summed)."""
    return col2im(input, _pair(output_size), _pair(kernel_size), _pair(dilation), _pair(padding), _pair(stride))
