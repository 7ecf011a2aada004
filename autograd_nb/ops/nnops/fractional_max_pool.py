"""Fractional max pooling (Graham, 2014): max pooling that shrinks by a non-integer factor.

Ordinary max pooling with stride 2 halves each side. To shrink a side of ``size`` cells
to ``out`` cells (say 7 -> 5), fractional max pooling places ``out`` windows of
``pool`` cells at pseudo-random, increasing starts: with ``alpha = (size - pool) /
(out - 1)`` and one random number ``u`` in [0, 1) per image and channel,

    start[i] = int((i + u) * alpha) - int(u * alpha)     (i < out - 1),
    start[out - 1] = size - pool,

so consecutive starts differ by ``floor(alpha)`` or ``ceil(alpha)`` (computed in the
input's dtype, as PyTorch does, so the same ``u`` gives the same windows). The ``u`` come
from ``_random_samples`` ``(N, C, 2)`` (``(N, C, 3)`` in 3-d; sample 0 for the width in
2-d, for the depth in 3-d), drawn with ``torch.rand`` when not given: after the same
``manual_seed`` the windows are PyTorch's.

Each output keeps its window's largest value (the first of equal values; a NaN wins) and,
in ``indices``, its flat position in the image. Backward
(``FractionalMaxPool2DBackward0`` / ``3D``): each output's gradient goes to its
winner (a scatter-add, as adaptive max pooling's); that rule is linear in the gradient,
so its gradient (``...BackwardBackward0``) reads gg back at the winners.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ... import _backend as B
from ..._tensor import Tensor
from .._core import OpNode, record
from .adaptive_max_pool import adaptive_max_pool_backward
from .pool import MaxPool2DWithIndicesBackwardBackward0

_WORDS = {2: ("height", "width"), 3: ("time", "height", "width")}


class FractionalMaxPool2DBackward0(OpNode):
    """Each output's gradient goes to the input cell that won its window (result1, the
    indices); a cell that wins several windows gets their sum.

    out = the max of each pseudo-random window of self
    grad_self = fractional_max_pool2d_backward(grad, self, kernel_size, output_size, result1)
    """
    saved_names = ("self", "result1")
    fields = ("kernel_size", "output_size")
    dims = 2

    def backward(self, g):
        return adaptive_max_pool_backward(g, self._saved[0].unpack(), self._saved[1].unpack(), self.dims,
                                          _BACKWARD_BACKWARD[self.dims])


class FractionalMaxPool3DBackward0(FractionalMaxPool2DBackward0):
    """The 3-d form: each output's gradient goes to its window's winner.

    grad_self = fractional_max_pool3d_backward(grad, self, kernel_size, output_size, result1)
    """
    dims = 3


class FractionalMaxPool2DBackwardBackward0(MaxPool2DWithIndicesBackwardBackward0):
    """fractional_max_pool2d_backward is linear in the gradient: its gradient reads gg back
    at the winners; self gets zeros.

    grad_grad_output = grad.flatten(-2).gather(-1, indices)
    grad_self = zeros_like(grad)
    """


class FractionalMaxPool3DBackwardBackward0(MaxPool2DWithIndicesBackwardBackward0):
    """fractional_max_pool3d_backward is linear in the gradient: its gradient reads gg back
    at the winners; self gets zeros.

    grad_grad_output = grad.flatten(-3).gather(-1, indices)
    grad_self = zeros_like(grad)
    """
    dims = 3


_BACKWARD_BACKWARD = {2: FractionalMaxPool2DBackwardBackward0, 3: FractionalMaxPool3DBackwardBackward0}


def _starts(samples: Any, size: int, out: int, pool: int) -> Any:
    """``(..., out)`` window starts from the ``(...)`` samples (see the module docstring)."""
    xp = B.xp_of(samples)
    dt = samples.dtype.type
    starts = xp.empty(samples.shape + (out,), dtype=np.int64)
    if out > 1:
        alpha = dt(size - pool) / dt(out - 1)
        i = xp.arange(out - 1).astype(samples.dtype)
        s = samples[..., None]
        starts[..., :-1] = ((i + s) * alpha).astype(np.int64) - (s * alpha).astype(np.int64)
    if out > 0:
        starts[..., -1] = size - pool
    return starts


def _ints(v: Any, dims: int, what: str) -> tuple:
    """An int (for every dim) or a sequence of exactly ``dims`` ints."""
    v = (int(v),) * dims if isinstance(v, (int, np.integer)) else tuple(int(a) for a in v)
    if len(v) != dims:
        many = "Ints" if dims == 2 else "three Ints"
        raise RuntimeError(f"fractional_max_pool{dims}d: {what} must either be a single Int or tuple of {many}")
    return v


def fractional_max_pool(input: Tensor, kernel_size: Any, output_size: Any, samples: Tensor,
                        dims: int) -> tuple[Tensor, Tensor]:
    """The kernel: ``(values, indices)`` of fractional max pooling of 2 or 3 spatial dims
    (``output_size`` resolved and ``samples`` drawn by the caller)."""
    name = "fractional_max_pool2d()" if dims == 2 else "fractional_max_pool3d_out()"   # (PyTorch's words)
    k = _ints(kernel_size, dims, "kernel_size")
    out = _ints(output_size, dims, "output_size")
    d, sd = input._data, samples._data
    if d.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f"{name}: Expected {dims + 1}D or {dims + 2}D tensor, but got: {list(d.shape)}")
    if sd.dtype != d.dtype:
        raise RuntimeError("Expect _random_samples to have the same dtype as input")
    if sd.ndim != 3:
        raise RuntimeError(f"Expect _random_samples to have 3 dimensions, got {sd.ndim}")
    n = d.shape[0] if d.ndim == dims + 2 else 1
    if sd.shape[0] < n:
        raise RuntimeError("Expect _random_samples.size(0) no less then input batch size.")
    if sd.shape[1] != d.shape[-dims - 1]:
        raise RuntimeError("Expect _random_samples.size(1) equals to input channel size.")
    if sd.shape[2] != dims:
        raise RuntimeError(f"Expect _random_samples.size(2) equals to {dims}; got {sd.shape[2]}.")
    for i in range(d.ndim - dims - (1 if d.ndim == dims + 2 else 0), d.ndim):
        if d.shape[i] == 0:
            raise RuntimeError(f"{name}: Expected input to have non-zero size for non-batch "
                               f"dimensions, but got{list(d.shape)} with dimension {i} being empty.")
    spatial = d.shape[-dims:]
    for word, o, ki, size in zip(_WORDS[dims], out, k, spatial):
        if o + ki - 1 > size:
            raise RuntimeError(f"{name}: pool {word} {ki} too large relative to input {word} {size}")
    xp = B.xp_of(d)
    batch = d if d.ndim == dims + 2 else d[None]
    u = sd[:n]                                                     # (N, C, dims)
    # 2-d: sample 0 goes with the width, 1 with the height; 3-d: 0 depth, 1 height, 2 width
    order = (1, 0) if dims == 2 else (0, 1, 2)
    starts = [_starts(u[..., order[j]], spatial[j], out[j], k[j]) for j in range(dims)]   # each (N, C, out_j)
    # every cell of every window: start + offset, broadcast over (N, C, *out, *k)
    nout, nk = len(out), len(k)
    pos = []
    for j in range(dims):
        shape = starts[j].shape[:2] + tuple(out[i] if i == j else 1 for i in range(nout)) + (1,) * nk
        offs = xp.arange(k[j]).reshape(tuple(k[i] if i == j else 1 for i in range(nk)))
        pos.append(starts[j].reshape(shape) + offs)
    flat = 0
    for j in range(dims):
        flat = flat * spatial[j] + pos[j]                          # (N, C, *out, *k)
    flat = xp.broadcast_to(flat, batch.shape[:2] + tuple(out) + tuple(k)).reshape(batch.shape[:2] + tuple(out)
                                                                                   + (-1,))
    cells = batch.reshape(batch.shape[:2] + (-1,))
    win = xp.take_along_axis(cells, flat.reshape(batch.shape[:2] + (-1,)), -1).reshape(flat.shape)
    values = win[..., 0].copy()
    won = xp.zeros(values.shape, dtype=np.int64)
    for t in range(1, win.shape[-1]):                               # first of equals stays; NaN wins
        v = win[..., t]
        better = (v > values) | xp.isnan(v)
        xp.putmask(won, better, t)
        xp.putmask(values, better, v)
    indices = xp.take_along_axis(flat, won[..., None], -1)[..., 0]
    if d.ndim == dims + 1:
        values, indices = values[0], indices[0]
    idx_t = Tensor._wrap(xp.ascontiguousarray(indices))
    node = FractionalMaxPool2DBackward0 if dims == 2 else FractionalMaxPool3DBackward0
    res = record(values, node, (input,), saved=(input, idx_t), kernel_size=k, output_size=out)
    return res, idx_t
