"""3-d max pooling: the largest value of each ``kd x kh x kw`` window of ``(N, C, D, H, W)``.

The same idea as 2-d max pooling (``pool.py``), one dim more: the windows are one
strided view of the (padded) input, ``(N, C, Do, Ho, Wo, kd, kh, kw)``, and a running
max over the kernel offsets keeps each window's largest value and which offset won
(of equal values the first stays; a NaN wins). ``indices`` (``return_indices=True``)
give the winner's flat position ``d * H * W + h * W + w`` in its image and channel.

Backward (``MaxPool3DWithIndicesBackward0``): each output's gradient goes to its
window's winner; windows that overlap add up (a scatter-add at ``indices``). That rule
is linear in the gradient, so its own gradient
(``MaxPool3DWithIndicesBackwardBackward0``) reads gg back at the winners.
``F.max_unpool3d`` (``max_unpool.py``) puts pooled values back at these indices.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ... import _backend as B
from ..._tensor import Tensor
from .._core import DTYPE_WORDS, OpNode, record
from .adaptive_max_pool import adaptive_max_pool_backward
from .patches import Geometry, windows
from .pool import MaxPool2DWithIndicesBackwardBackward0
from .pool3d import _geometry, _three, check_kernel_stride, check_padding


class MaxPool3DWithIndicesBackward0(OpNode):
    """Max pooling keeps the largest value of each 3-d window, so each output's gradient
    goes to the input position that won its window (result1, the indices); windows that
    overlap add up.

    out = the max of each window of self
    grad_self = max_pool3d_with_indices_backward(grad, self, kernel_size, stride, padding, dilation, ceil_mode, result1)
    """
    saved_names = ("self", "result1")
    fields = ("kernel_size", "stride", "padding", "dilation", "ceil_mode")

    def backward(self, g):
        self_, indices = self._saved[0].unpack(), self._saved[1].unpack()
        return adaptive_max_pool_backward(g, self_, indices, 3, MaxPool3DWithIndicesBackwardBackward0)


class MaxPool3DWithIndicesBackwardBackward0(MaxPool2DWithIndicesBackwardBackward0):
    """max_pool3d_with_indices_backward is linear in the gradient (each element goes to
    its window's winner): its gradient reads gg back at the winners; self gets zeros.

    grad_grad_output = grad.flatten(-3).gather(-1, indices)
    grad_self = zeros_like(grad)
    """
    dims = 3


def _checked(input: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
             ceil_mode: bool) -> tuple[Geometry, tuple, bool]:
    """PyTorch's checks, in its order and words; the windows' geometry, the output size
    and whether ``stride`` was given."""
    def triple(v: Any, name: str, pos: int, what: str) -> tuple:
        return _three(v, name, pos, f"max_pool3d: {name} must {what}, or a tuple of three ints", "max_pool3d")
    k = triple(kernel_size, "kernel_size", 2, "either be a single int")
    given = stride is not None and (not isinstance(stride, (tuple, list)) or len(stride) > 0)
    s = triple(stride, "stride", 3, "either be omitted, a single int") if given else k
    p = triple(padding, "padding", 4, "either be a single int")
    d = triple(dilation, "dilation", 5, "be either a single int")
    shape = tuple(input.shape)
    if len(shape) not in (4, 5):
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    check_kernel_stride(k, s)
    if min(d) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilationT: {d[0]} dilationH: {d[1]} "
                           f"dilationW: {d[2]}")
    check_padding(p, k, d)
    for n in shape[-4:]:
        if n <= 0:                                    # (PyTorch's message always says dimension 0)
            raise RuntimeError("max_pool3d_with_indices_out_cpu_template(): Expected input's non-batch dimensions "
                               f"to have positive length, but input has a shape of [{', '.join(map(str, shape))}] "
                               "and non-batch dimension 0 has length zero!")
    geom, out = _geometry(shape, k, s, p, ceil_mode, d)
    if min(out) <= 0:
        c, (t, h, w) = shape[-4], shape[-3:]
        raise RuntimeError(f"Given input size: ({c}x{t}x{h}x{w}). Calculated output size: "
                           f"({c}x{out[0]}x{out[1]}x{out[2]}). Output size is too small")
    return geom, out, given


def max_pool3d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                            dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """``(values, indices)``: the max of each 3-d window and where it was (flat ``d*H*W + h*W + w``)."""
    geom, out, given = _checked(input, kernel_size, stride, padding, dilation, ceil_mode)
    data = input._data
    if data.dtype.kind not in "fiu":
        raise NotImplementedError(f'"max_pool3d" not implemented for \'{DTYPE_WORDS[data.dtype.name]}\'')
    arr = data if data.ndim == 5 else data[None]
    xp = B.xp_of(arr)
    lowest = -np.inf if arr.dtype.kind == "f" else np.iinfo(arr.dtype).min
    win = windows(arr, geom, fill=lowest)                          # (N, C, Do, Ho, Wo, kd, kh, kw)
    kd, kh, kw = geom.kernel
    values = win[..., 0, 0, 0].copy()
    won = xp.zeros(values.shape, dtype=np.int64)                   # the winning offset, row-major
    better = xp.empty(values.shape, dtype=bool)
    for t in range(1, kd * kh * kw):
        a, rest = divmod(t, kh * kw)
        v = win[..., a, rest // kw, rest % kw]
        xp.greater(v, values, out=better)                          # later offsets win only if larger
        if arr.dtype.kind == "f":
            better |= xp.isnan(v)                                  # ... or NaN
        xp.putmask(won, better, t)
        xp.putmask(values, better, v)
    # the winner's position in the input: window origin + offset * dilation, per dim
    flat = 0
    for j, (size, per) in enumerate(zip(arr.shape[2:], (kh * kw, kw, 1))):
        origin = (xp.arange(out[j]) * geom.stride[j] - geom.pad_before[j]).reshape((-1,) + (1,) * (2 - j))
        pos = origin + (won // per % geom.kernel[j]) * geom.dilation[j]
        flat = flat * size + pos
    indices = xp.ascontiguousarray(flat).astype(np.int64)
    if data.ndim == 4:
        values, indices = values[0], indices[0]
    idx_t = Tensor._wrap(indices)
    res = record(values, MaxPool3DWithIndicesBackward0, (input,), saved=(input, idx_t), kernel_size=geom.kernel,
                 stride=geom.stride if given else (), padding=geom.pad_before, dilation=geom.dilation,
                 ceil_mode=ceil_mode)
    return res, idx_t


def max_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """The largest value of each ``kernel_size`` window of ``(N, C, D, H, W)`` or
    ``(C, D, H, W)`` (stride defaults to the kernel size); ``return_indices`` also gives
    where each was."""
    values, indices = max_pool3d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return (values, indices) if return_indices else values
