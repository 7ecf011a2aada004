"""Adaptive max pooling over 2 or 3 spatial dims (1-d is 2-d of height 1, as PyTorch's).

The windows are adaptive average pooling's (``pool._edges``: window ``i`` of ``out``
along a dim of ``size`` covers ``floor(i*size/out) .. ceil((i+1)*size/out) - 1``, so
neighbours may share a cell); each output keeps its window's largest value and, in
``indices``, where it was (the flat index into the spatial dims). Of equal values the
first wins; a NaN beats everything (the last NaN, as in PyTorch).

Backward (``AdaptiveMaxPool2DBackward0`` / ``3D``): each output's gradient goes to the
cell that won its window; windows can overlap, so a cell that wins two windows gets
both gradients (a scatter-add, ``adaptive_max_pool2d_backward``). That rule is linear in
the gradient, so its own gradient (``...BackwardBackward0``) reads gg back at the winners.
"""
from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from ... import _backend as B
from ..._tensor import Tensor
from .._core import OpNode, record
from .pool import MaxPool2DWithIndicesBackwardBackward0, _edges


class AdaptiveMaxPool2DBackward0(OpNode):
    """Each output keeps its window's largest value, so its gradient goes to the cell that
    won the window (result1, the indices); a cell that wins several (overlapping) windows
    gets their sum.

    out = the max of each adaptive window of self
    grad_self = adaptive_max_pool2d_backward(grad, self, result1)   (grad scattered-added at result1)
    """
    saved_names = ("self", "result1")
    dims = 2                                          # spatial dims

    def backward(self, g):
        return adaptive_max_pool_backward(g, self._saved[0].unpack(), self._saved[1].unpack(), self.dims)


class AdaptiveMaxPool3DBackward0(AdaptiveMaxPool2DBackward0):
    """The 3-d form: each output's gradient goes to the cell that won its window.

    grad_self = adaptive_max_pool3d_backward(grad, self, result1)   (grad scattered-added at result1)
    """
    dims = 3


class AdaptiveMaxPool2DBackwardBackward0(MaxPool2DWithIndicesBackwardBackward0):
    """adaptive_max_pool2d_backward is linear in the gradient, as max pooling's: its
    gradient reads gg back at the winners; self gets zeros.

    grad_grad_output = grad.flatten(-2).gather(-1, indices)
    grad_self = zeros_like(grad)
    """


class AdaptiveMaxPool3DBackwardBackward0(MaxPool2DWithIndicesBackwardBackward0):
    """adaptive_max_pool3d_backward is linear in the gradient: its gradient reads gg back
    at the winners; self gets zeros.

    grad_grad_output = grad.flatten(-3).gather(-1, indices)
    grad_self = zeros_like(grad)
    """
    dims = 3


_BACKWARD_BACKWARD = {2: AdaptiveMaxPool2DBackwardBackward0, 3: AdaptiveMaxPool3DBackwardBackward0}


def adaptive_max_pool_backward(grad: Tensor, self: Tensor, indices: Tensor, dims: int,
                               node: type | None = None) -> Tensor:
    """``adaptive_max_pool{2,3}d_backward``: scatter-add ``grad`` at ``indices`` into zeros
    shaped like ``self`` (each image and channel a row of its flattened spatial cells).
    ``max_pool3d``'s backward is the same scatter, recorded as its own ``node``."""
    in_shape, idx = self._data.shape, indices._data
    cells = int(np.prod(in_shape[-dims:]))
    index = Tensor._wrap(idx.reshape(-1, int(np.prod(idx.shape[-dims:]))))
    rows = Tensor._wrap(grad._data.reshape(index.shape))           # (its numbers: no history)
    zeros = Tensor._wrap(B.xp_of(idx).zeros((index.shape[0], cells), dtype=rows._data.dtype))
    data = zeros.scatter_add(1, index, rows)._data.reshape(in_shape)
    return record(data, node or _BACKWARD_BACKWARD[dims], (grad, self), saved=(indices,))


def adaptive_max_pool(input: Tensor, output_size: Any, return_indices: bool, dims: int) -> Any:
    """``adaptive_max_pool2d`` / ``3d`` (``dims``): the windows one by one, each a slice
    of every image and channel at once."""
    name = f"adaptive_max_pool{dims}d"
    d = input._data
    if d.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f"{name}(): Expected {dims + 1}D or {dims + 2}D tensor, but got: {list(d.shape)}")
    for dim in range(d.ndim - dims, d.ndim):
        if d.shape[dim] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch dimensions, but "
                               f"input has sizes {list(d.shape)} with dimension {dim} being empty")
    if isinstance(output_size, (int, np.integer)):
        output_size = (int(output_size),) * dims
    if len(output_size) != dims:
        raise RuntimeError(f"{name}(): internal error: output_size.size() must be {dims}")
    spatial = d.shape[-dims:]
    out = tuple(s if o is None else int(o) for s, o in zip(spatial, output_size))
    xp = B.xp_of(d)
    lead = d.shape[:-dims]
    for o in out:
        if o < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {o}: {list(lead + out)}")
    values = xp.empty(lead + out, dtype=d.dtype)
    indices = xp.empty(lead + out, dtype=np.int64)
    for window in itertools.product(*(list(enumerate(_edges(s, o))) for s, o in zip(spatial, out))):
        at = (Ellipsis,) + tuple(i for i, _ in window)
        win = d[(Ellipsis,) + tuple(slice(a, b) for _, (a, b) in window)].reshape(lead + (-1,))
        best = xp.argmax(win, axis=-1)                               # first of equal maxima
        nan = xp.isnan(win)
        if nan.any():                                                # the last NaN wins
            last_nan = win.shape[-1] - 1 - xp.argmax(nan[..., ::-1], axis=-1)
            best = xp.where(nan.any(-1), last_nan, best)
        values[at] = xp.take_along_axis(win, best[..., None], -1)[..., 0]
        local = xp.unravel_index(best, tuple(b - a for _, (a, b) in window))
        indices[at] = xp.ravel_multi_index(tuple(p + a for p, (_, (a, _b)) in zip(local, window)), spatial)
    idx_t = Tensor._wrap(indices)
    node = AdaptiveMaxPool2DBackward0 if dims == 2 else AdaptiveMaxPool3DBackward0
    res = record(values, node, (input,), saved=(input, idx_t))
    return (res, idx_t) if return_indices else res


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max pooling of ``(N, C, H, W)`` (or ``(C, H, W)``) to exactly ``output_size`` (None keeps a dim)."""
    return adaptive_max_pool(input, output_size, return_indices, 2)


def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max pooling of ``(N, C, D, H, W)`` (or ``(C, D, H, W)``) to exactly ``output_size``."""
    return adaptive_max_pool(input, output_size, return_indices, 3)


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max pooling of ``(N, C, L)`` (or ``(C, L)``) to ``output_size`` positions: as PyTorch,
    a 2-d pooling of height 1 (``unsqueeze``, ``adaptive_max_pool2d``, ``squeeze``)."""
    if input.dim() not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.dim()}-dimensional tensor for argument #1 "
                           "'self' (while checking arguments for adaptive_max_pool1d)")
    for dim in range(1, input.dim()):
        if input.shape[dim] == 0:
            raise RuntimeError("adaptive_max_pool1d(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {list(input.shape)} with dimension {dim} being empty")
    if not isinstance(output_size, (int, np.integer)) and len(output_size) != 1:
        raise RuntimeError(f"adaptive_max_pool1d() argument 'output_size' should contain one int (got "
                           f"{len(output_size)})")
    size = output_size if isinstance(output_size, (int, np.integer)) else tuple(output_size)[0]
    values, indices = adaptive_max_pool(input.unsqueeze(-2), (1, size), True, 2)
    return (values.squeeze(-2), indices.squeeze(-2)) if return_indices else values.squeeze(-2)
