"""``x.unfold(dimension, size, step)``: every ``size``-long window along one dim, as a view.

The windows start every ``step`` elements along ``dimension``; the result has one window
per index of that dim and a new last dim of length ``size``. No copy: the result is a
strided view of ``x`` (windows that overlap share memory), like ``as_strided``. An
element read by several windows gets the sum of their gradients (``unfold_backward``,
PyTorch's ``UnfoldBackward0``), and that sum is linear in the gradient, so its own
gradient is the unfold again (``UnfoldBackwardBackward0``).
"""
from __future__ import annotations

import numpy as np

from .. import _backend as B
from .._tensor import Tensor, canon_dim
from ._core import OpNode, record, register
from .views import _make_view, shown_unsigned

__all__ = ["unfold"]


class UnfoldBackward0(OpNode):
    """unfold reads every size-long window along dimension (starting every step
    elements): an element read by several windows gets the sum of their gradients.

    out = self's windows along dimension, as a new last dim
    grad_self = unfold_backward(grad, self_sym_sizes, dimension, size, step)
    """
    saved_names = ()
    fields = ("dimension", "self_sym_sizes", "size", "step")     # (dimension as given: -1 stays -1)
    _saved_dimension = shown_unsigned("dimension")

    def backward(self, g):
        return unfold_backward(g, self.self_sym_sizes, self.dimension, self.size, self.step)


def _canon(dim: int, input_sizes: tuple) -> int:
    return canon_dim(dim, len(input_sizes))


class UnfoldBackwardBackward0(OpNode):
    """unfold_backward adds each window's gradient back where the window was read: it is
    linear in the gradient, and its gradient is the unfold again.

    grad_grad_in = grad.unfold(dim, size, step)
    """
    saved_names = ()
    fields = ("dim", "size", "step")
    _saved_dim = shown_unsigned("dim")

    def backward(self, gg):
        return unfold(gg, self.dim, self.size, self.step)


def unfold_backward(grad: Tensor, input_sizes: tuple, dim: int, size: int, step: int) -> Tensor:
    """The windows' gradients added back into an array of the input's shape."""
    g = grad._data
    xp = B.xp_of(g)
    out = xp.zeros(tuple(input_sizes), dtype=g.dtype)
    if not input_sizes:                               # (a scalar: one window of size 0 or 1)
        if size:
            out = out + g.reshape(-1).sum()
        return record(out, UnfoldBackwardBackward0, (grad,), dim=dim, size=size, step=step)
    axis = _canon(dim, input_sizes)
    n = g.shape[axis]
    moved = xp.moveaxis(out, axis, -1)                 # (a view: writes go into out)
    gm = xp.moveaxis(g, axis, -2)                      # (..., windows, size)
    for k in range(size):
        if n:
            moved[..., k:k + step * (n - 1) + 1:step] += gm[..., :, k]
    return record(out, UnfoldBackwardBackward0, (grad,), dim=dim, size=size, step=step)


def unfold(self: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Windows of ``size`` elements along ``dimension``, one every ``step``: a view of shape
    ``(..., (n - size) // step + 1, ..., size)``."""
    d = self._data
    dim = canon_dim(dimension, d.ndim)
    max_size = d.shape[dim] if d.ndim else 1
    if size > max_size:
        raise RuntimeError(f"maximum size for tensor at dimension {dim} is {max_size} but size is {size}")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if d.ndim == 0:
        shape, strides = (size,), (d.itemsize,)
    else:
        n = (d.shape[dim] - size) // step + 1
        shape = d.shape[:dim] + (n,) + d.shape[dim + 1:] + (size,)
        st = d.strides
        strides = st[:dim] + (st[dim] * step,) + st[dim + 1:] + (st[dim],)
    if type(d) is np.ndarray:
        data = np.lib.stride_tricks.as_strided(d, shape, strides, writeable=d.flags.writeable)
    else:
        data = B.xp_of(d).lib.stride_tricks.as_strided(d, shape, strides)
    out = record(data, UnfoldBackward0, (self,), dimension=dimension, self_sym_sizes=tuple(d.shape), size=size,
                 step=step)
    return _make_view(self, out, lambda x: x.unfold(dim, size, step))


register("unfold")(unfold)
